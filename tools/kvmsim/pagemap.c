// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsim pagemap: decode /proc/PID/pagemap entries, given as values, read from a real
 * /proc/PID/pagemap, or produced by walking the page-table model (mm/task_mmu.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmsim/cmd.h"
#include "kvmsim/json.h"
#include "kvmsim/leafinfo.h"
#include "kvmsim/pagemap.h"
#include "kvmsim/parse.h"

static const char pagemap_usage_text[] =
    "usage: kvmsim pagemap [--json] HEX...\n"
    "       kvmsim pagemap [--json] --pid PID|self --addr ADDR [--pages N]\n"
    "       kvmsim pagemap [--json] --model [--pte ADDR=HEX...] [--no-pfn]\n"
    "       (each also takes --config host|KEY=0|1,... as kvmsim pte does)\n"
    "\n"
    "Decode /proc/PID/pagemap entries (Documentation/admin-guide/mm/pagemap.rst): PFN\n"
    "(bits 0-54) or swap type (0-4) and offset (5-54), soft_dirty (55), exclusive (56),\n"
    "uffd_wp (57), guard (58), file (61), swap (62), present (63).\n"
    "\n"
    "  HEX            entry values (hex, 0x optional)\n"
    "  --pid P        read the real /proc/P/pagemap (P may be self); needs --addr;\n"
    "                 PFNs and swap offsets read as 0 without CAP_SYS_ADMIN\n"
    "  --addr A       first virtual address (decimal or 0x-hex), rounded down to a page\n"
    "  --pages N      number of pages (default 1, at most 4096)\n"
    "  --model        walk the model's page table: by default a demonstration address\n"
    "                 space with one entry of each kind and a 2 MiB THP; with --pte,\n"
    "                 one VMA over the given PTEs (PFNs of present PTEs are anonymous\n"
    "                 pages mapped once)\n"
    "  --pte A=HEX    (with --model) install raw PTE value HEX at address A\n"
    "  --no-pfn       (with --model) read as without CAP_SYS_ADMIN\n"
    "  --config C     the configuration that names swapped entries' softleaf types\n"
    "                 (and builds the model): host, or KEY=0|1,... (see kvmsim pte)\n"
    "  --json         an array of {addr (when known), value, present, swap, file,\n"
    "                 exclusive, soft_dirty, uffd_wp, guard, pfn, swap_type, offset,\n"
    "                 softleaf (the softleaf type of a swapped entry; null if not swapped\n"
    "                 or hidden), markers (for markers)}\n";

#define PAGEMAP_MAX_PAGES 4096
#define PAGEMAP_MAX_PTES  64

static int pagemap_usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "kvmsim pagemap: %s '%s' (see kvmsim pagemap --help)\n", what, arg);
	return EXIT_USAGE;
}

/*
 * The softleaf type of a swapped entry: the kernel reports swp_type and swp_offset (the
 * PFN for PFN entries), so softleaf_type() of swp_entry(type, offset) under the
 * configuration names it. NULL when not swapped or when the frame is hidden (no
 * CAP_SYS_ADMIN: type and offset read 0).
 */
static const char *pagemap_softleaf(const struct swp_config *cfg, const struct pagemap_info *pi,
				    softleaf_t *entry)
{
	if (!pi->swap || (!pi->swap_type && !pi->swap_offset))
		return NULL;
	*entry = swp_entry(pi->swap_type, pi->swap_offset);
	return softleaf_type_name(softleaf_type(cfg, *entry));
}

static void print_entry(struct json *j, bool json, const struct swp_config *cfg, bool has_addr,
			u64 addr, u64 pme)
{
	struct pagemap_info pi;
	softleaf_t entry = softleaf_mk_none();
	const char *sl;
	char hex[24];

	pagemap_decode(pme, &pi);
	sl = pagemap_softleaf(cfg, &pi, &entry);
	if (!json) {
		if (has_addr)
			printf("0x%012llx  ", (unsigned long long)addr);
		printf("0x%016llx ", (unsigned long long)pme);
		if (pi.present)
			printf(" present pfn=0x%llx", (unsigned long long)pi.pfn);
		else if (pi.swap)
			printf(" swap swap_type=%u offset=0x%llx", pi.swap_type,
			       (unsigned long long)pi.swap_offset);
		else
			printf(" not-present");
		if (sl)
			printf(" softleaf=%s", sl);
		printf("%s%s%s%s%s%s\n", pi.exclusive ? " exclusive" : "",
		       pi.soft_dirty ? " soft_dirty" : "", pi.uffd_wp ? " uffd_wp" : "",
		       pi.guard ? " guard" : "", pi.file ? " file" : "",
		       pi.reserved ? " reserved-bits-set" : "");
		return;
	}
	json_obj_begin(j, NULL);
	if (has_addr)
		json_u64(j, "addr", addr);
	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)pme);
	json_str(j, "value", hex);
	json_bool(j, "present", pi.present);
	json_bool(j, "swap", pi.swap);
	json_bool(j, "file", pi.file);
	json_bool(j, "exclusive", pi.exclusive);
	json_bool(j, "soft_dirty", pi.soft_dirty);
	json_bool(j, "uffd_wp", pi.uffd_wp);
	json_bool(j, "guard", pi.guard);
	if (pi.present)
		json_u64(j, "pfn", pi.pfn);
	else
		json_null(j, "pfn");
	if (pi.swap) {
		json_u64(j, "swap_type", pi.swap_type);
		json_u64(j, "offset", pi.swap_offset);
	} else {
		json_null(j, "swap_type");
		json_null(j, "offset");
	}
	if (sl)
		json_str(j, "softleaf", sl);
	else
		json_null(j, "softleaf");
	if (sl && softleaf_is_marker(cfg, entry)) {
		json_obj_begin(j, "markers");
		json_bool(j, "uffd_wp", softleaf_is_uffd_wp_marker(cfg, entry));
		json_bool(j, "poisoned", softleaf_is_poison_marker(cfg, entry));
		json_bool(j, "guard", softleaf_is_guard_marker(cfg, entry));
		json_obj_end(j);
	}
	json_obj_end(j);
}

/* The demonstration address space: each kind of PTE once, then a THP. */
#define DEMO_VA 0x7f0000000000ull

static int build_demo(struct mm_struct *mm, const struct swp_config *c)
{
	static const u64 rw = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY;
	const pte_t ptes[] = {
	    pfn_pte(0x1000, rw | _PAGE_SOFT_DIRTY(c)), /* anon, mapped once */
	    pfn_pte(0x1001, rw),		       /* anon, mapped twice */
	    pfn_pte(0x1002, rw & ~_PAGE_RW),	       /* file page */
	    pte_swp_mkexclusive(softleaf_to_pte(swp_entry(1, 0x42))),
	    softleaf_to_pte(make_writable_migration_entry(c, 0x1003)),
	    softleaf_to_pte(make_readable_device_private_entry(c, 0x1004)),
	    softleaf_to_pte(make_hwpoison_entry(c, 0x1005)),
	    softleaf_to_pte(make_guard_swp_entry(c)),
	    softleaf_to_pte(make_pte_marker_entry(c, PTE_MARKER_UFFD_WP)),
	    softleaf_to_pte(make_poisoned_swp_entry(c)),
	    __pte(0),
	};
	int err;

	err = mm_add_vma(mm, DEMO_VA, DEMO_VA + 2 * PMD_SIZE, VM_SOFTDIRTY);
	err = err ?: mm_add_folio(mm, 0x1000, 1, true, 1);
	err = err ?: mm_add_folio(mm, 0x1001, 1, true, 2);
	err = err ?: mm_add_folio(mm, 0x1002, 1, false, 1);
	err = err ?: mm_add_folio(mm, 0x1003, 3, true, 1);
	err = err ?: mm_add_folio(mm, 0x200, HPAGE_PMD_NR, true, 1);
	for (unsigned int i = 0; !err && i < ARRAY_SIZE(ptes); i++)
		err = mm_set_pte(mm, DEMO_VA + i * PAGE_SIZE, ptes[i]);
	err = err ?: mm_set_pmd(mm, DEMO_VA + PMD_SIZE, pfn_pmd(0x200, rw | _PAGE_PSE));
	return err;
}

struct pte_args {
	u64 addrs[PAGEMAP_MAX_PTES], vals[PAGEMAP_MAX_PTES], lo, hi;
	int n;
};

static int parse_ptes(char **ptes, int nptes, struct pte_args *pa)
{
	int err;

	pa->n = nptes;
	pa->lo = ~0ull;
	pa->hi = 0;
	for (int i = 0; i < nptes; i++) {
		char *eq = strchr(ptes[i], '=');

		if (!eq)
			return pagemap_usage_error("--pte needs ADDR=HEX, not", ptes[i]);
		*eq = '\0';
		err = parse_u64(ptes[i], &pa->addrs[i]);
		*eq = '=';
		if (err || pa->addrs[i] >= TASK_SIZE_MAX)
			return pagemap_usage_error("bad --pte address in", ptes[i]);
		if (leaf_parse_hex(eq + 1, &pa->vals[i]))
			return pagemap_usage_error("bad --pte value in", ptes[i]);
		pa->addrs[i] &= ~(PAGE_SIZE - 1);
		pa->lo = min(pa->lo, pa->addrs[i]);
		pa->hi = max(pa->hi, pa->addrs[i] + PAGE_SIZE);
	}
	if (nptes && (pa->hi - pa->lo) / PAGE_SIZE > PAGEMAP_MAX_PAGES)
		return pagemap_usage_error("--pte addresses span more than 4096 pages:", ptes[0]);
	return 0;
}

static int run_model(struct json *j, bool json, const struct swp_config *cfgp,
		     const struct pte_args *pa, bool show_pfn)
{
	struct swp_config cfg = *cfgp;
	struct mm_struct mm;
	u64 lo = pa->lo, hi = pa->hi, *out;
	int nptes = pa->n;
	long n;
	int err;

	if (mm_init(&mm, &cfg))
		return EXIT_RUNTIME;
	if (!nptes) {
		err = build_demo(&mm, &cfg);
		lo = DEMO_VA;
		hi = DEMO_VA + 12 * PAGE_SIZE;
	} else {
		err = mm_add_vma(&mm, lo, hi, VM_SOFTDIRTY);
		for (int i = 0; !err && i < nptes; i++) {
			pte_t pte = __pte(pa->vals[i]);

			if (pte_present(pte) && !pte_special(pte) &&
			    !mm_pfn_folio(&mm, pte_pfn(pte)))
				err = mm_add_folio(&mm, pte_pfn(pte), 1, true, 1);
			err = err ?: mm_set_pte(&mm, pa->addrs[i], pte);
		}
	}
	out = calloc(PAGEMAP_MAX_PAGES, sizeof(*out));
	n = err || !out ? -ENOMEM : pagemap_read(&mm, lo, hi, show_pfn, out, PAGEMAP_MAX_PAGES);
	if (n < 0) {
		fprintf(stderr, "kvmsim pagemap: model: %s\n", strerror((int)-(n ?: err)));
		free(out);
		mm_destroy(&mm);
		return EXIT_RUNTIME;
	}
	for (long i = 0; i < n; i++)
		print_entry(j, json, &cfg, true, lo + i * PAGE_SIZE, out[i]);
	if (!nptes) { /* and two pages of the THP */
		n = pagemap_read(&mm, DEMO_VA + PMD_SIZE, DEMO_VA + PMD_SIZE + 2 * PAGE_SIZE,
				 show_pfn, out, 2);
		for (long i = 0; i < n; i++)
			print_entry(j, json, &cfg, true, DEMO_VA + PMD_SIZE + i * PAGE_SIZE,
				    out[i]);
	}
	free(out);
	mm_destroy(&mm);
	return 0;
}

/* Read pages entries of the real /proc/PID/pagemap from addr into buf; count or -1. */
static ssize_t read_real(const char *pid, u64 addr, u64 pages, u64 *buf)
{
	char path[64];
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/pagemap", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "kvmsim pagemap: %s: %s\n", path, strerror(errno));
		return -1;
	}
	r = pread(fd, buf, pages * 8, (off_t)(addr / PAGE_SIZE * 8));
	if (r < 0)
		fprintf(stderr, "kvmsim pagemap: %s: %s\n", path, strerror(errno));
	close(fd);
	return r < 0 ? -1 : r / 8;
}

static int pagemap_run(int argc, char **argv)
{
	const char *pid = NULL;
	char *ptes[PAGEMAP_MAX_PTES];
	int nptes = 0, nvals = 0;
	bool json = false, model = false, have_addr = false, show_pfn = true;
	u64 addr = 0, pages = 1, v;
	u64 real[PAGEMAP_MAX_PAGES];
	struct pte_args pa;
	ssize_t nread = 0;
	struct swp_config cfg;
	bool host = false;
	struct json j;
	int rc = 0;

	swp_config_default(&cfg);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool takes = !strcmp(a, "--pid") || !strcmp(a, "--addr") || !strcmp(a, "--pages") ||
			     !strcmp(a, "--pte") || !strcmp(a, "--config");

		if (takes && i + 1 >= argc)
			return pagemap_usage_error("missing value for", a);
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(pagemap_usage_text, stdout);
			return 0;
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--model")) {
			model = true;
		} else if (!strcmp(a, "--config")) {
			char buf[512];
			const char *bad = NULL;

			if (strlen(argv[++i]) >= sizeof(buf))
				return pagemap_usage_error("--config value too long:", argv[i]);
			strcpy(buf, argv[i]);
			if (!strcmp(buf, "host")) {
				host = true;
			} else if (swp_config_set(&cfg, buf, &bad)) {
				return pagemap_usage_error("bad --config item", bad);
			}
		} else if (!strcmp(a, "--no-pfn")) {
			show_pfn = false;
		} else if (!strcmp(a, "--pid")) {
			pid = argv[++i];
			if (strcmp(pid, "self") && (parse_u64(pid, &v) || !v || v > 1u << 30))
				return pagemap_usage_error("bad --pid", pid);
		} else if (!strcmp(a, "--addr")) {
			if (parse_u64(argv[++i], &addr))
				return pagemap_usage_error("bad --addr", argv[i]);
			have_addr = true;
		} else if (!strcmp(a, "--pages")) {
			if (parse_u64(argv[++i], &pages) || !pages || pages > PAGEMAP_MAX_PAGES)
				return pagemap_usage_error("bad --pages (1..4096)", argv[i]);
		} else if (!strcmp(a, "--pte")) {
			if (nptes == PAGEMAP_MAX_PTES)
				return pagemap_usage_error("too many --pte (64 at most):",
							   argv[i + 1]);
			ptes[nptes++] = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			return pagemap_usage_error("unknown option", a);
		} else {
			if (leaf_parse_hex(a, &v))
				return pagemap_usage_error("not a hex pagemap entry:", a);
			if (nvals == PAGEMAP_MAX_PAGES)
				return pagemap_usage_error("too many entries (4096 at most):", a);
			real[nvals++] = v;
		}
	}
	if (nptes && !model)
		return pagemap_usage_error("--pte needs --model:", ptes[0]);
	if (pid && !have_addr)
		return pagemap_usage_error("--pid needs --addr:", pid);
	if (!pid && have_addr)
		return pagemap_usage_error("--addr needs --pid:", "--addr");
	if (!pid && pages != 1)
		return pagemap_usage_error("--pages needs --pid:", "--pages");
	if (!model && !show_pfn)
		return pagemap_usage_error("--no-pfn needs --model:", "--no-pfn");
	if (host) {
		rc = swp_config_read_host(&cfg);
		if (rc) {
			fprintf(stderr, "kvmsim pagemap: --config host: %s\n",
				rc == -ENOENT ? "no readable /proc/config.gz" : strerror(-rc));
			return EXIT_RUNTIME;
		}
	} else if (swp_config_init(&cfg)) {
		return pagemap_usage_error("inconsistent --config (thp_migration needs thp):",
					   "thp_migration");
	}
	if ((pid != NULL) + model + (nvals > 0) != 1) {
		fprintf(stderr, "kvmsim pagemap: give exactly one of HEX..., --pid or --model "
				"(see kvmsim pagemap --help)\n");
		return EXIT_USAGE;
	}

	if (model && parse_ptes(ptes, nptes, &pa))
		return EXIT_USAGE;
	if (pid) {
		addr &= ~(PAGE_SIZE - 1);
		nread = read_real(pid, addr, pages, real);
		if (nread < 0)
			return EXIT_RUNTIME;
	}

	if (json) {
		json_init(&j, stdout);
		json_arr_begin(&j, NULL);
	}
	if (model) {
		rc = run_model(&j, json, &cfg, &pa, show_pfn);
	} else if (pid) {
		for (ssize_t i = 0; i < nread; i++)
			print_entry(&j, json, &cfg, true, addr + i * PAGE_SIZE, real[i]);
	} else {
		for (int i = 0; i < nvals; i++)
			print_entry(&j, json, &cfg, false, 0, real[i]);
	}
	if (json) {
		json_arr_end(&j);
		json_finish(&j);
	}
	return rc;
}

KVMSIM_COMMAND(pagemap_cmd, .name = "pagemap",
	       .summary = "decode /proc/PID/pagemap entries, real or from the page-table model",
	       .run = pagemap_run);
