// SPDX-License-Identifier: GPL-2.0
/*
 * The model against the real kernel this test runs on: touch pages in this process, read
 * their entries from /proc/self/pagemap, and check (1) that the model's decoder finds
 * what the kernel is known to report for them (present, exclusive, soft-dirty after
 * "4" > /proc/self/clear_refs, the zero page, a guard marker, a uffd-wp marker, a THP,
 * a swapped page), using /proc/kpageflags and /proc/kpagecount as an independent oracle
 * for the PFN when root, and (2) that the model's page table, set up with the entries the
 * kernel must have installed, walks to the same 64-bit pagemap values.
 *
 * The host configuration (CONFIG_MEM_SOFT_DIRTY, CONFIG_MIGRATION, ...) is read from
 * /proc/config.gz when it exists. Each check is skipped, with a message saying why, where
 * this machine cannot show it (no pagemap, no swap, no THP, no userfaultfd, no guard
 * regions).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/userfaultfd.h>
#include <cmocka.h>

#include "kvmsim/leafinfo.h"
#include "kvmsim/pagemap.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
/* include/uapi/linux/userfaultfd.h, v6.5+ (older libc headers lack it) */
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

/* include/uapi/linux/kernel-page-flags.h */
#define KPF_ANON      12
#define KPF_THP	      22
#define KPF_ZERO_PAGE 24

#define PROT_RW (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)

static struct swp_config host;
static bool host_from_config; /* false: inferred from behaviour */
static bool show_pfn;	      /* CAP_SYS_ADMIN: PFNs and swap offsets are visible */

static int pagemap_fd = -1;
static int pagemap_errno; /* why /proc/self/pagemap could not be opened */

static bool pagemap_entry(const void *addr, u64 *out)
{
	return pread(pagemap_fd, out, 8, (off_t)((uintptr_t)addr / PAGE_SIZE * 8)) == 8;
}

static bool kpage_u64(const char *file, u64 pfn, u64 *out)
{
	int fd = open(file, O_RDONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = pread(fd, out, 8, (off_t)(pfn * 8)) == 8;
	close(fd);
	return ok;
}

static void clear_refs_soft_dirty(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "4", 1), 1);
	close(fd);
}

static void *map_pages(size_t n)
{
	void *p =
	    mmap(NULL, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

static int group_setup(void **state)
{
	u64 e;

	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	pagemap_errno = pagemap_fd < 0 ? errno : 0;
	/* /proc/config.gz and /proc/cpuinfo (mm/leafinfo.c) */
	host_from_config = swp_config_read_host(&host) == 0;
	if (!host_from_config)
		swp_config_default(&host);
	if (!host_from_config && pagemap_fd >= 0) {
		/* a new VMA is VM_SOFTDIRTY iff CONFIG_MEM_SOFT_DIRTY: infer it from one page */
		volatile char *p = map_pages(1);

		p[0] = 1;
		host.mem_soft_dirty = pagemap_entry((void *)p, &e) && (e & PM_SOFT_DIRTY);
		munmap((void *)p, PAGE_SIZE);
	}
	swp_config_init(&host);
	show_pfn = geteuid() == 0;
	print_message("host: config %s; MEM_SOFT_DIRTY=%d MIGRATION=%d DEVICE_PRIVATE=%d "
		      "MEMORY_FAILURE=%d: MAX_SWAPFILES=%u, marker type %u; %s\n",
		      host_from_config ? "from /proc/config.gz" : "inferred", host.mem_soft_dirty,
		      host.migration, host.device_private, host.memory_failure, host.max_swapfiles,
		      host.swp_pte_marker,
		      show_pfn ? "root: PFNs visible" : "not root: PFNs read as 0");
	return 0;
}

static int group_teardown(void **state)
{
	if (pagemap_fd >= 0)
		close(pagemap_fd);
	return 0;
}

#define NEED_PAGEMAP()                                                                             \
	do {                                                                                       \
		if (pagemap_fd < 0) {                                                              \
			print_message("skipped: /proc/self/pagemap cannot be read: %s\n",          \
				      strerror(pagemap_errno));                                    \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

/* Walk a one-VMA model of [addr, addr + n pages) with these PTEs and compare with real[]. */
static void model_compare(const void *addr, const pte_t *ptes, size_t n, u64 vm_flags,
			  const u64 *pfns_anon_once, size_t npfns, const u64 *real)
{
	struct mm_struct mm;
	u64 out[8];
	u64 a = (uintptr_t)addr;

	assert_true(n <= ARRAY_SIZE(out));
	assert_int_equal(mm_init(&mm, &host), 0);
	assert_int_equal(mm_add_vma(&mm, a, a + n * PAGE_SIZE, vm_flags), 0);
	for (size_t i = 0; i < npfns; i++)
		assert_int_equal(mm_add_folio(&mm, pfns_anon_once[i], 1, true, 1), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(mm_set_pte(&mm, a + i * PAGE_SIZE, ptes[i]), 0);
	assert_int_equal(pagemap_read(&mm, a, a + n * PAGE_SIZE, show_pfn, out, n), (long)n);
	for (size_t i = 0; i < n; i++) {
		if (out[i] != real[i])
			print_message("page %zu: model %#018llx, kernel %#018llx\n", i,
				      (unsigned long long)out[i], (unsigned long long)real[i]);
		assert_true(out[i] == real[i]);
	}
	mm_destroy(&mm);
}

/*
 * A private anonymous page, written: present, mapped exclusively, anonymous (not
 * PM_FILE), PFN an anonymous page mapped once (kpageflags KPF_ANON, kpagecount 1).
 * Soft-dirty: a new VMA has VM_SOFTDIRTY and a written PTE has _PAGE_SOFT_DIRTY (x86
 * pte_mkdirty), so 1 with CONFIG_MEM_SOFT_DIRTY; "4" > clear_refs clears both (and
 * write-protects the PTE): 0; writing again sets the PTE's bit: 1. Without the option
 * all three are 0 (VM_SOFTDIRTY and _PAGE_SOFT_DIRTY are 0). The model, given the PTE
 * the kernel must hold at each step, produces the same three 64-bit entries.
 */
static void test_anon_exclusive_soft_dirty(void **state)
{
	volatile char *p;
	struct pagemap_info pi;
	u64 e[3], pfn, kf, kc;
	u64 sd = host.mem_soft_dirty ? BIT_ULL(_PAGE_BIT_SOFT_DIRTY) : 0;
	pte_t pte;

	NEED_PAGEMAP();
	p = map_pages(1);
	p[0] = 1;
	assert_true(pagemap_entry((void *)p, &e[0]));
	clear_refs_soft_dirty();
	assert_true(pagemap_entry((void *)p, &e[1]));
	p[0] = 2;
	assert_true(pagemap_entry((void *)p, &e[2]));

	for (int i = 0; i < 3; i++) {
		pagemap_decode(e[i], &pi);
		assert_true(pi.present);
		assert_false(pi.swap);
		assert_true(pi.exclusive);
		assert_false(pi.file);
		assert_int_equal(pi.soft_dirty, host.mem_soft_dirty && i != 1);
		assert_true(pi.reserved == 0);
	}
	pagemap_decode(e[0], &pi);
	pfn = pi.pfn;
	if (show_pfn) {
		assert_true(pfn != 0);
		if (kpage_u64("/proc/kpageflags", pfn, &kf) &&
		    kpage_u64("/proc/kpagecount", pfn, &kc)) {
			assert_true(kf & BIT_ULL(KPF_ANON));
			assert_true(kc == 1);
		} else {
			print_message("note: /proc/kpageflags unreadable, PFN not cross-checked\n");
		}
	} else {
		assert_true(pfn == 0);
	}

	/* the model: after the write fault, after clear_refs, after the second write */
	pte = pfn_pte(pfn, PROT_RW | sd);
	model_compare((void *)p, &pte, 1, VM_SOFTDIRTY, &pfn, 1, &e[0]);
	pte = pfn_pte(pfn, PROT_RW & ~_PAGE_RW);
	model_compare((void *)p, &pte, 1, 0, &pfn, 1, &e[1]);
	pte = pfn_pte(pfn, PROT_RW | sd);
	model_compare((void *)p, &pte, 1, 0, &pfn, 1, &e[2]);
	munmap((void *)p, PAGE_SIZE);
}

/*
 * A page only read: normally the shared zero page, mapped by a special PTE: present, not
 * exclusive (vm_normal_page() is NULL), not file, kpageflags KPF_ZERO_PAGE; the model with
 * a special PTE agrees. Some kernels answer the read fault with a private anonymous page
 * instead (the test machine's, seen 4 Dec 2026: it boots with pvm_no_zero_page=1):
 * then the entry must be that of an exclusive anonymous page, which the model also gives.
 */
static void test_zero_page(void **state)
{
	volatile char *p;
	struct pagemap_info pi;
	u64 e, kf = 0;
	pte_t pte;
	bool zero;

	NEED_PAGEMAP();
	p = map_pages(1);
	assert_int_equal(p[0], 0);
	assert_true(pagemap_entry((void *)p, &e));
	pagemap_decode(e, &pi);
	assert_true(pi.present);
	assert_false(pi.file);
	if (!show_pfn || !kpage_u64("/proc/kpageflags", pi.pfn, &kf)) {
		print_message("skipped: needs root and /proc/kpageflags to tell the zero page\n");
		munmap((void *)p, PAGE_SIZE);
		skip();
	}
	zero = kf & BIT_ULL(KPF_ZERO_PAGE);
	if (zero) {
		assert_false(pi.exclusive);
		pte = pfn_pte(pi.pfn, _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_SPECIAL);
		model_compare((void *)p, &pte, 1, VM_SOFTDIRTY, NULL, 0, &e);
	} else {
		print_message("note: the read fault mapped an anonymous page (kpageflags %#llx), "
			      "not the zero page\n",
			      (unsigned long long)kf);
		assert_true(kf & BIT_ULL(KPF_ANON));
		assert_true(pi.exclusive);
		pte = pfn_pte(pi.pfn, _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED);
		model_compare((void *)p, &pte, 1, VM_SOFTDIRTY, &pi.pfn, 1, &e);
	}
	munmap((void *)p, PAGE_SIZE);
}

/*
 * MADV_GUARD_INSTALL (v6.13+) installs PTE_MARKER_GUARD markers; pagemap (v6.15+) says
 * PM_SWAP | PM_GUARD_REGION, frame swp_type | offset << 5 = SWP_PTE_MARKER (31 in every
 * configuration) | PTE_MARKER_GUARD (4) << 5 = 159. This checks the marker type number
 * and bit on the real kernel. The model's guard PTE walks to the same value.
 */
static void test_guard_marker(void **state)
{
	char *p;
	struct pagemap_info pi;
	u64 e[3];
	pte_t ptes[3];

	NEED_PAGEMAP();
	p = map_pages(3);
	if (madvise(p + PAGE_SIZE, PAGE_SIZE, MADV_GUARD_INSTALL)) {
		print_message("skipped: MADV_GUARD_INSTALL: %s\n", strerror(errno));
		munmap(p, 3 * PAGE_SIZE);
		skip();
	}
	for (int i = 0; i < 3; i++)
		assert_true(pagemap_entry(p + i * PAGE_SIZE, &e[i]));
	pagemap_decode(e[1], &pi);
	assert_true(pi.swap);
	assert_false(pi.present);
	if (!pi.guard) {
		print_message("skipped: this kernel's pagemap has no PM_GUARD_REGION (< v6.15)\n");
		munmap(p, 3 * PAGE_SIZE);
		skip();
	}
	if (show_pfn) {
		assert_int_equal(pi.swap_type, host.swp_pte_marker);
		assert_true(pi.swap_offset == PTE_MARKER_GUARD);
		assert_true((e[1] & PM_PFRAME_MASK) == 159);
	}
	ptes[0] = __pte(0);
	ptes[1] = softleaf_to_pte(make_guard_swp_entry(&host));
	ptes[2] = __pte(0);
	model_compare(p, ptes, 3, VM_SOFTDIRTY, NULL, 0, e);
	munmap(p, 3 * PAGE_SIZE);
}

/*
 * userfaultfd write-protect with UFFD_FEATURE_WP_UNPOPULATED: a written page keeps its PTE
 * with _PAGE_UFFD_WP (bit 10) and _PAGE_RW cleared: PM_PRESENT | PM_UFFD_WP | exclusive;
 * an untouched page gets a PTE_MARKER_UFFD_WP marker: PM_SWAP | PM_UFFD_WP, frame
 * 31 | 1 << 5 = 63.
 */
static void test_uffd_wp_marker(void **state)
{
	struct uffdio_api api = {.api = UFFD_API, .features = UFFD_FEATURE_WP_UNPOPULATED};
	struct uffdio_register reg;
	struct uffdio_writeprotect wp;
	volatile char *p;
	struct pagemap_info pi;
	u64 e[2], pfn;
	pte_t ptes[2];
	u64 sd = host.mem_soft_dirty ? BIT_ULL(_PAGE_BIT_SOFT_DIRTY) : 0;
	int fd;

	NEED_PAGEMAP();
	fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	if (fd < 0) {
		print_message("skipped: userfaultfd: %s\n", strerror(errno));
		skip();
	}
	if (ioctl(fd, UFFDIO_API, &api)) {
		print_message("skipped: UFFDIO_API with WP_UNPOPULATED: %s\n", strerror(errno));
		close(fd);
		skip();
	}
	p = map_pages(2);
	p[0] = 1;
	reg = (struct uffdio_register){.range = {(uintptr_t)p, 2 * PAGE_SIZE},
				       .mode = UFFDIO_REGISTER_MODE_WP};
	wp = (struct uffdio_writeprotect){.range = {(uintptr_t)p, 2 * PAGE_SIZE},
					  .mode = UFFDIO_WRITEPROTECT_MODE_WP};
	if (ioctl(fd, UFFDIO_REGISTER, &reg) || ioctl(fd, UFFDIO_WRITEPROTECT, &wp)) {
		print_message("skipped: uffd-wp register/protect: %s\n", strerror(errno));
		munmap((void *)p, 2 * PAGE_SIZE);
		close(fd);
		skip();
	}
	assert_true(pagemap_entry((void *)p, &e[0]));
	assert_true(pagemap_entry((void *)(p + PAGE_SIZE), &e[1]));
	pagemap_decode(e[0], &pi);
	assert_true(pi.present && pi.uffd_wp && pi.exclusive);
	pfn = pi.pfn;
	pagemap_decode(e[1], &pi);
	assert_true(pi.swap && pi.uffd_wp && !pi.guard);
	if (show_pfn) {
		assert_int_equal(pi.swap_type, host.swp_pte_marker);
		assert_true(pi.swap_offset == PTE_MARKER_UFFD_WP);
	}
	ptes[0] = pfn_pte(pfn, (PROT_RW & ~_PAGE_RW) | sd | _PAGE_UFFD_WP(&host));
	ptes[1] = softleaf_to_pte(make_pte_marker_entry(&host, PTE_MARKER_UFFD_WP));
	model_compare((void *)p, ptes, 2, VM_SOFTDIRTY, &pfn, 1, e);
	munmap((void *)p, 2 * PAGE_SIZE);
	close(fd);
}

/*
 * A transparent huge page (MADV_HUGEPAGE on a 2 MiB-aligned range, first write): if the
 * kernel gave one (kpageflags KPF_THP), the 512 entries are PFN + i, present, exclusive,
 * and the model's PMD leaf walks to the same 512 values (pagemap_pmd_range_thp).
 */
static void test_thp(void **state)
{
	char *raw, *p;
	u64 *real, *out, kf;
	struct pagemap_info pi;
	struct mm_struct mm;
	u64 base;

	NEED_PAGEMAP();
	if (!show_pfn) {
		print_message("skipped: needs root to see PFNs and kpageflags\n");
		skip();
	}
	raw = mmap(NULL, 2 * PMD_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(raw != MAP_FAILED);
	p = (char *)(((uintptr_t)raw + PMD_SIZE - 1) & ~(uintptr_t)(PMD_SIZE - 1));
	if (madvise(p, PMD_SIZE, MADV_HUGEPAGE)) {
		print_message("skipped: MADV_HUGEPAGE: %s\n", strerror(errno));
		munmap(raw, 2 * PMD_SIZE);
		skip();
	}
	p[0] = 1;
	real = calloc(2 * HPAGE_PMD_NR, sizeof(u64));
	out = real + HPAGE_PMD_NR;
	assert_int_equal(
	    pread(pagemap_fd, real, HPAGE_PMD_NR * 8, (off_t)((uintptr_t)p / PAGE_SIZE * 8)),
	    HPAGE_PMD_NR * 8);
	pagemap_decode(real[0], &pi);
	if (!pi.present || !kpage_u64("/proc/kpageflags", pi.pfn, &kf) ||
	    !(kf & BIT_ULL(KPF_THP))) {
		print_message("skipped: the kernel did not back the range with a THP\n");
		free(real);
		munmap(raw, 2 * PMD_SIZE);
		skip();
	}
	base = pi.pfn;
	for (u64 i = 0; i < HPAGE_PMD_NR; i++) {
		pagemap_decode(real[i], &pi);
		assert_true(pi.present && pi.exclusive && !pi.file);
		assert_true(pi.pfn == base + i);
	}
	/* model: the VMA is the whole mapping (the THP sits inside it) */
	assert_int_equal(mm_init(&mm, &host), 0);
	assert_int_equal(
	    mm_add_vma(&mm, (uintptr_t)raw, (uintptr_t)raw + 2 * PMD_SIZE, VM_SOFTDIRTY), 0);
	assert_int_equal(mm_add_folio(&mm, base, HPAGE_PMD_NR, true, 1), 0);
	assert_int_equal(mm_set_pmd(&mm, (uintptr_t)p,
				    pfn_pmd(base, PROT_RW | _PAGE_PSE |
						      (host.mem_soft_dirty ? BIT_ULL(11) : 0))),
			 0);
	assert_int_equal(
	    pagemap_read(&mm, (uintptr_t)p, (uintptr_t)p + PMD_SIZE, true, out, HPAGE_PMD_NR),
	    HPAGE_PMD_NR);
	for (u64 i = 0; i < HPAGE_PMD_NR; i++)
		assert_true(out[i] == real[i]);
	mm_destroy(&mm);
	free(real);
	munmap(raw, 2 * PMD_SIZE);
}

/*
 * A written page made PROT_NONE: pte_present() is true through _PAGE_PROTNONE, and the PTE
 * stores the PFN inverted (L1TF); pagemap must still report the original PFN, present and
 * exclusive. The model's PROT_NONE PTE (pfn_pte() inverts) walks to the same value.
 */
static void test_prot_none(void **state)
{
	volatile char *p;
	struct pagemap_info pi;
	u64 e[2], pfn;
	u64 sd = host.mem_soft_dirty ? BIT_ULL(_PAGE_BIT_SOFT_DIRTY) : 0;
	pte_t pte;

	NEED_PAGEMAP();
	p = map_pages(1);
	p[0] = 1;
	assert_true(pagemap_entry((void *)p, &e[0]));
	assert_int_equal(mprotect((void *)p, PAGE_SIZE, PROT_NONE), 0);
	assert_true(pagemap_entry((void *)p, &e[1]));
	pagemap_decode(e[0], &pi);
	pfn = pi.pfn;
	pagemap_decode(e[1], &pi);
	assert_true(pi.present && pi.exclusive && !pi.swap);
	assert_true(pi.pfn == pfn);
	pte = pfn_pte(pfn, _PAGE_PROTNONE | _PAGE_ACCESSED | _PAGE_DIRTY | sd);
	assert_true((pte_val(pte) & PTE_PFN_MASK) >> PAGE_SHIFT != pfn || !show_pfn);
	model_compare((void *)p, &pte, 1, VM_SOFTDIRTY, &pfn, 1, &e[1]);
	munmap((void *)p, PAGE_SIZE);
}

/*
 * MAP_SHARED | MAP_ANONYMOUS is shmem: the written page is present, PM_FILE (its folio is
 * not anonymous; kpageflags has no KPF_ANON) and, mapped once, exclusive. The model with a
 * file folio agrees.
 */
static void test_shared(void **state)
{
	volatile char *p;
	struct pagemap_info pi;
	struct mm_struct mm;
	u64 e, out, kf, a;

	NEED_PAGEMAP();
	p = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	p[0] = 1;
	assert_true(pagemap_entry((void *)p, &e));
	pagemap_decode(e, &pi);
	assert_true(pi.present && pi.file && pi.exclusive);
	if (show_pfn && kpage_u64("/proc/kpageflags", pi.pfn, &kf))
		assert_false(kf & BIT_ULL(KPF_ANON));
	a = (uintptr_t)p;
	assert_int_equal(mm_init(&mm, &host), 0);
	assert_int_equal(mm_add_vma(&mm, a, a + PAGE_SIZE, VM_SOFTDIRTY), 0);
	assert_int_equal(mm_add_folio(&mm, pi.pfn, 1, false, 1), 0);
	assert_int_equal(mm_set_pte(&mm, a, pfn_pte(pi.pfn, PROT_RW)), 0);
	assert_int_equal(pagemap_read(&mm, a, a + PAGE_SIZE, show_pfn, &out, 1), 1);
	assert_true(out == e);
	mm_destroy(&mm);
	munmap((void *)p, PAGE_SIZE);
}

/*
 * After fork() the parent's written anonymous page is mapped by both processes until one
 * writes: kpagecount 2, and pagemap drops PM_MMAP_EXCLUSIVE. The model with mapcount 2
 * (and the write-protected PTE fork leaves) agrees.
 */
static void test_fork_shared_anon(void **state)
{
	volatile char *p;
	struct pagemap_info pi;
	struct mm_struct mm;
	u64 e, out, kc, a;
	int go[2], ready[2];
	char c = 0;
	pid_t child;
	bool have_kc;

	NEED_PAGEMAP();
	p = map_pages(1);
	p[0] = 1;
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ready), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		/* keep the mapping, say so, wait to be told to go */
		if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_true(pagemap_entry((void *)p, &e));
	pagemap_decode(e, &pi);
	/* while the child still maps the page */
	have_kc = show_pfn && kpage_u64("/proc/kpagecount", pi.pfn, &kc);
	assert_int_equal(write(go[1], &c, 1), 1);
	waitpid(child, NULL, 0);
	close(go[0]);
	close(go[1]);
	close(ready[0]);
	close(ready[1]);

	assert_true(pi.present && !pi.exclusive && !pi.file);
	if (have_kc)
		assert_true(kc == 2);
	a = (uintptr_t)p;
	assert_int_equal(mm_init(&mm, &host), 0);
	assert_int_equal(mm_add_vma(&mm, a, a + PAGE_SIZE, VM_SOFTDIRTY), 0);
	assert_int_equal(mm_add_folio(&mm, pi.pfn, 1, true, 2), 0);
	assert_int_equal(mm_set_pte(&mm, a, pfn_pte(pi.pfn, PROT_RW & ~_PAGE_RW)), 0);
	assert_int_equal(pagemap_read(&mm, a, a + PAGE_SIZE, show_pfn, &out, 1), 1);
	assert_true(out == e);
	mm_destroy(&mm);
	munmap((void *)p, PAGE_SIZE);
}

/*
 * KVMSIM_TEST_SWAPON=1 (root only): when the machine has no swap, test_swap makes a 16 MiB
 * swap file in $KVMSIM_SWAP_DIR (default /var/tmp; not tmpfs), swapon()s it for the test
 * and swapoff()s and removes it in the teardown. Off by default: it changes the machine.
 */
static char swapfile_path[512];

static bool swapon_temporary(void)
{
	const char *dir = getenv("KVMSIM_SWAP_DIR");
	char cmd[700];
	int fd;

	if (!getenv("KVMSIM_TEST_SWAPON") || strcmp(getenv("KVMSIM_TEST_SWAPON"), "1") ||
	    geteuid() != 0)
		return false;
	snprintf(swapfile_path, sizeof(swapfile_path), "%s/kvmsim-test-swap.%d",
		 dir ? dir : "/var/tmp", (int)getpid());
	fd = open(swapfile_path, O_CREAT | O_EXCL | O_WRONLY, 0600);
	if (fd < 0)
		goto fail;
	for (int i = 0; i < 16 * 256; i++) {
		static const char zero[4096];

		if (write(fd, zero, sizeof(zero)) != sizeof(zero)) {
			close(fd);
			goto fail;
		}
	}
	close(fd);
	snprintf(cmd, sizeof(cmd), "mkswap -q '%s' >/dev/null 2>&1", swapfile_path);
	if (system(cmd) != 0 || swapon(swapfile_path, 0))
		goto fail;
	print_message("swapon %s (KVMSIM_TEST_SWAPON=1)\n", swapfile_path);
	return true;
fail:
	print_message("note: temporary swap file %s failed: %s\n", swapfile_path, strerror(errno));
	unlink(swapfile_path);
	swapfile_path[0] = '\0';
	return false;
}

static int swap_teardown(void **state)
{
	if (swapfile_path[0]) {
		if (swapoff(swapfile_path))
			print_message("swapoff %s: %s\n", swapfile_path, strerror(errno));
		unlink(swapfile_path);
		swapfile_path[0] = '\0';
	}
	return 0;
}

/*
 * A page pushed to swap with MADV_PAGEOUT, if this machine has swap: PM_SWAP, a swap type
 * below MAX_SWAPFILES (the swap entry is a real swap entry, not a special type), an
 * offset above 0 (page 0 is the swap header); the model's swap PTE for that type and
 * offset (with the exclusive bit, which pagemap does not show) walks to the same value.
 */
static void test_swap(void **state)
{
	volatile char *p;
	struct pagemap_info pi;
	u64 e;
	pte_t pte;
	FILE *f;
	char line[256];
	bool have_swap = false;

	NEED_PAGEMAP();
	f = fopen("/proc/swaps", "r");
	if (f) {
		have_swap = fgets(line, sizeof(line), f) && fgets(line, sizeof(line), f);
		fclose(f);
	}
	if (!have_swap && !swapon_temporary()) {
		print_message("skipped: no swap on this machine (/proc/swaps is empty; "
			      "KVMSIM_TEST_SWAPON=1 makes a temporary one)\n");
		skip();
	}
	p = map_pages(1);
	p[0] = 1;
	if (madvise((void *)p, PAGE_SIZE, MADV_PAGEOUT) || !pagemap_entry((void *)p, &e) ||
	    !(e & PM_SWAP)) {
		print_message("skipped: MADV_PAGEOUT did not swap the page out\n");
		munmap((void *)p, PAGE_SIZE);
		skip();
	}
	pagemap_decode(e, &pi);
	assert_false(pi.present);
	if (show_pfn) {
		assert_true(pi.swap_type < host.max_swapfiles);
		assert_true(pi.swap_offset > 0);
		print_message("swapped out: type %u offset %#llx\n", pi.swap_type,
			      (unsigned long long)pi.swap_offset);
	}
	pte = pte_swp_mkexclusive(softleaf_to_pte(swp_entry(pi.swap_type, pi.swap_offset)));
	if (e & PM_SOFT_DIRTY) /* soft-dirty came from the PTE or the VMA: the PTE is a guess */
		pte = pte_swp_mksoft_dirty(&host, pte);
	model_compare((void *)p, &pte, 1, VM_SOFTDIRTY, NULL, 0, &e);
	munmap((void *)p, PAGE_SIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_anon_exclusive_soft_dirty),
	    cmocka_unit_test(test_zero_page),
	    cmocka_unit_test(test_guard_marker),
	    cmocka_unit_test(test_uffd_wp_marker),
	    cmocka_unit_test(test_thp),
	    cmocka_unit_test(test_prot_none),
	    cmocka_unit_test(test_shared),
	    cmocka_unit_test(test_fork_shared_anon),
	    cmocka_unit_test_teardown(test_swap, swap_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
