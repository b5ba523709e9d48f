// SPDX-License-Identifier: GPL-2.0
/*
 * The pagemap walker over the page-table model (mm/task_mmu.c, mm/pgtable.c), against
 * the semantics of fs/proc/task_mmu.c and Documentation/admin-guide/mm/pagemap.rst:
 * bits 0-54 PFN (present) or swap type 0-4 and offset 5-54 (swapped), 55 soft-dirty,
 * 56 exclusively mapped, 57 uffd-wp, 58 guard region, 61 file/shared, 62 swapped,
 * 63 present.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "kvmsim/pagemap.h"

#define VA	0x7f0000000000ull /* a 2 MiB-aligned user address */
#define PROT_RW (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)

struct fixture {
	struct swp_config cfg;
	struct mm_struct mm;
	u64 out[1024];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	swp_config_default(&f->cfg);
	if (mm_init(&f->mm, &f->cfg))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	mm_destroy(&f->mm);
	free(f);
	return 0;
}

static u64 read1(struct fixture *f, u64 addr, bool show_pfn)
{
	assert_int_equal(pagemap_read(&f->mm, addr, addr + PAGE_SIZE, show_pfn, f->out, 1), 1);
	return f->out[0];
}

/* No VMA: every entry 0 (pagemap_pte_hole outside VMAs), even where a PTE exists. */
static void test_holes(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(mm_set_pte(&f->mm, VA, pfn_pte(0x100, PROT_RW)), 0);
	assert_int_equal(
	    pagemap_read(&f->mm, VA - 8 * PAGE_SIZE, VA + 8 * PAGE_SIZE, true, f->out, 16), 16);
	for (int i = 0; i < 16; i++)
		assert_true(f->out[i] == 0);
	/*
	 * A VMA with VM_SOFTDIRTY and no tables below it: PM_SOFT_DIRTY in the VMA, 0 before;
	 * without CONFIG_MEM_SOFT_DIRTY, VM_SOFTDIRTY is 0 and so is every entry.
	 */
	assert_int_equal(mm_add_vma(&f->mm, VA + 0x40000000ull, VA + 0x40000000ull + 4 * PAGE_SIZE,
				    VM_SOFTDIRTY),
			 0);
	assert_int_equal(pagemap_read(&f->mm, VA + 0x40000000ull - 2 * PAGE_SIZE,
				      VA + 0x40000000ull + 6 * PAGE_SIZE, true, f->out, 8),
			 8);
	for (int i = 0; i < 8; i++)
		assert_true(f->out[i] == (i >= 2 && i < 6 ? PM_SOFT_DIRTY : 0));
	f->cfg.mem_soft_dirty = false;
	assert_true(read1(f, VA + 0x40000000ull, true) == 0);
	/* range errors */
	assert_int_equal(pagemap_read(&f->mm, VA + 1, VA + PAGE_SIZE, true, f->out, 1), -EINVAL);
	assert_int_equal(pagemap_read(&f->mm, VA, VA + 2 * PAGE_SIZE, true, f->out, 1), -ENOSPC);
	assert_int_equal(pagemap_read(&f->mm, VA, VA, true, f->out, 0), 0);
}

/*
 * Present PTEs. Anonymous, mapped once: PRESENT | EXCLUSIVE | pfn. Mapped twice: no
 * EXCLUSIVE. File folio: FILE. Special PTE (zero page): vm_normal_page() is NULL, so
 * neither FILE nor EXCLUSIVE. pte soft-dirty (bit 11) → SOFT_DIRTY, uffd-wp (bit 10) →
 * UFFD_WP. Without CAP_SYS_ADMIN (show_pfn false) the PFN reads 0.
 */
static void test_present(void **state)
{
	struct fixture *f = *state;
	u64 a = VA;

	assert_int_equal(mm_add_vma(&f->mm, a, a + 16 * PAGE_SIZE, 0), 0);
	assert_int_equal(mm_add_folio(&f->mm, 0x1000, 1, true, 1), 0);
	assert_int_equal(mm_add_folio(&f->mm, 0x1001, 1, true, 2), 0);
	assert_int_equal(mm_add_folio(&f->mm, 0x1002, 1, false, 1), 0);
	assert_int_equal(mm_add_folio(&f->mm, 0x1002, 1, false, 1), -EINVAL);
	mm_set_pte(&f->mm, a, pfn_pte(0x1000, PROT_RW));
	mm_set_pte(&f->mm, a + PAGE_SIZE, pfn_pte(0x1001, PROT_RW));
	mm_set_pte(&f->mm, a + 2 * PAGE_SIZE, pfn_pte(0x1002, PROT_RW | BIT_ULL(11)));
	mm_set_pte(&f->mm, a + 3 * PAGE_SIZE, pfn_pte(0x1000, PROT_RW | _PAGE_SPECIAL));
	mm_set_pte(&f->mm, a + 4 * PAGE_SIZE, pfn_pte(0x1000, PROT_RW | BIT_ULL(10)));
	mm_set_pte(&f->mm, a + 5 * PAGE_SIZE, pfn_pte(0x9999, PROT_RW)); /* not in the map */
	mm_set_pte(&f->mm, a + 6 * PAGE_SIZE, pfn_pte(0x1000, _PAGE_PROTNONE | _PAGE_ACCESSED));
	assert_int_equal(pagemap_read(&f->mm, a, a + 8 * PAGE_SIZE, true, f->out, 8), 8);
	assert_true(f->out[0] == (PM_PRESENT | PM_MMAP_EXCLUSIVE | 0x1000));
	assert_true(f->out[1] == (PM_PRESENT | 0x1001));
	assert_true(f->out[2] ==
		    (PM_PRESENT | PM_FILE | PM_MMAP_EXCLUSIVE | PM_SOFT_DIRTY | 0x1002));
	assert_true(f->out[3] == (PM_PRESENT | 0x1000));
	assert_true(f->out[4] == (PM_PRESENT | PM_MMAP_EXCLUSIVE | PM_UFFD_WP | 0x1000));
	assert_true(f->out[5] == (PM_PRESENT | 0x9999));
	/* PROT_NONE: present, PFN stored inverted and read back by pte_pfn() */
	assert_true(f->out[6] == (PM_PRESENT | PM_MMAP_EXCLUSIVE | 0x1000));
	assert_true(f->out[7] == 0);
	assert_true(read1(f, a, false) == (PM_PRESENT | PM_MMAP_EXCLUSIVE));
}

/*
 * Non-present PTEs: frame = swp_type | offset << 5, PM_SWAP. Swap entry type 3 offset
 * 0x1234 → 3 | 0x1234 << 5 = 0x24683. The exclusive bit is not reported for swap
 * entries; swap soft-dirty (bit 1) and uffd-wp (bit 2) are. Migration entries report the
 * PFN without the A/D bits and the folio's FILE bit, never EXCLUSIVE. A guard marker:
 * 31 | 4 << 5 = 159, PM_SWAP | PM_GUARD_REGION; a uffd-wp marker: 31 | 1 << 5 = 63,
 * PM_SWAP | PM_UFFD_WP.
 */
static void test_softleaf_ptes(void **state)
{
	struct fixture *f = *state;
	const struct swp_config *c = &f->cfg;
	u64 a = VA;
	softleaf_t mig;

	assert_int_equal(mm_add_vma(&f->mm, a, a + 16 * PAGE_SIZE, 0), 0);
	assert_int_equal(mm_add_folio(&f->mm, 0x5000, 1, false, 1), 0);
	mm_set_pte(&f->mm, a, softleaf_to_pte(swp_entry(3, 0x1234)));
	mm_set_pte(
	    &f->mm, a + PAGE_SIZE,
	    pte_swp_mkexclusive(pte_swp_mksoft_dirty(c, softleaf_to_pte(swp_entry(3, 0x1234)))));
	mm_set_pte(&f->mm, a + 2 * PAGE_SIZE,
		   pte_swp_mkuffd_wp(c, softleaf_to_pte(swp_entry(0, 7))));
	mig = make_migration_entry_dirty(
	    c, make_migration_entry_young(c, make_writable_migration_entry(c, 0x5000)));
	mm_set_pte(&f->mm, a + 3 * PAGE_SIZE, softleaf_to_pte(mig));
	mm_set_pte(&f->mm, a + 4 * PAGE_SIZE, softleaf_to_pte(make_guard_swp_entry(c)));
	mm_set_pte(&f->mm, a + 5 * PAGE_SIZE,
		   softleaf_to_pte(make_pte_marker_entry(c, PTE_MARKER_UFFD_WP)));
	mm_set_pte(&f->mm, a + 6 * PAGE_SIZE, softleaf_to_pte(make_poisoned_swp_entry(c)));
	mm_set_pte(&f->mm, a + 7 * PAGE_SIZE, __pte(_PAGE_ACCESSED | _PAGE_DIRTY)); /* none */
	assert_int_equal(pagemap_read(&f->mm, a, a + 8 * PAGE_SIZE, true, f->out, 8), 8);
	assert_true(f->out[0] == (PM_SWAP | 0x24683));
	assert_true(f->out[1] == (PM_SWAP | PM_SOFT_DIRTY | 0x24683));
	assert_true(f->out[2] == (PM_SWAP | PM_UFFD_WP | 7 << 5));
	assert_true(f->out[3] ==
		    (PM_SWAP | PM_FILE | (u64)c->swp_migration_write | 0x5000ull << 5));
	assert_true(f->out[4] == (PM_SWAP | PM_GUARD_REGION | 159));
	assert_true(f->out[5] == (PM_SWAP | PM_UFFD_WP | 63));
	assert_true(f->out[6] == (PM_SWAP | (31 | 2 << 5)));
	assert_true(f->out[7] == 0);
	/* no CAP_SYS_ADMIN: the frame is hidden, the flags are not */
	assert_true(read1(f, a + 4 * PAGE_SIZE, false) == (PM_SWAP | PM_GUARD_REGION));
}

/*
 * A present 2 MiB PMD leaf at pfn 0x200 (anonymous, mapped once): pagemap_pmd_range_thp
 * reports pfn 0x200 + i for the i-th page, PRESENT | EXCLUSIVE. Reading from the middle
 * (page 100) starts at idx 100. A PMD migration entry for pfn 0x400 reports
 * type | (0x400 + i) << 5 with PM_SWAP, plus soft-dirty from the PMD's swap bit.
 */
static void test_thp(void **state)
{
	struct fixture *f = *state;
	const struct swp_config *c = &f->cfg;
	u64 a = VA;
	u64 mt = c->swp_migration_read;

	assert_int_equal(mm_add_vma(&f->mm, a, a + 2 * PMD_SIZE, 0), 0);
	assert_int_equal(mm_add_folio(&f->mm, 0x200, 512, true, 1), 0);
	assert_int_equal(mm_add_folio(&f->mm, 0x400, 512, true, 1), 0);
	assert_int_equal(mm_set_pmd(&f->mm, a, pfn_pmd(0x200, PROT_RW | _PAGE_PSE)), 0);
	assert_int_equal(mm_set_pmd(&f->mm, a + PAGE_SIZE, __pmd(0)), -EINVAL);
	assert_int_equal(mm_set_pte(&f->mm, a, pfn_pte(1, PROT_RW)), -EBUSY);
	assert_int_equal(
	    mm_set_pmd(
		&f->mm, a + PMD_SIZE,
		pmd_swp_mksoft_dirty(c, softleaf_to_pmd(make_readable_migration_entry(c, 0x400)))),
	    0);
	assert_int_equal(pagemap_read(&f->mm, a, a + 2 * PMD_SIZE, true, f->out, 1024), 1024);
	for (u64 i = 0; i < 512; i++) {
		assert_true(f->out[i] == (PM_PRESENT | PM_MMAP_EXCLUSIVE | (0x200 + i)));
		assert_true(f->out[512 + i] == (PM_SWAP | PM_SOFT_DIRTY | mt | (0x400 + i) << 5));
	}
	assert_int_equal(
	    pagemap_read(&f->mm, a + 100 * PAGE_SIZE, a + 102 * PAGE_SIZE, true, f->out, 2), 2);
	assert_true(f->out[0] == (PM_PRESENT | PM_MMAP_EXCLUSIVE | (0x200 + 100)));
	assert_true(f->out[1] == (PM_PRESENT | PM_MMAP_EXCLUSIVE | (0x200 + 101)));
	assert_true(pmd_val(mm_get_pmd(&f->mm, a)) == pmd_val(pfn_pmd(0x200, PROT_RW | _PAGE_PSE)));
	/*
	 * Without THP migration, a non-present PMD is still huge (pmd_is_huge) but is
	 * reported with no flags at all: only the VMA's soft-dirty would be there.
	 */
	f->cfg.thp_migration = false;
	assert_true(read1(f, a + PMD_SIZE, true) == 0);
}

/*
 * Random PTEs in a VMA: PM_PRESENT iff pte_present, PM_SWAP iff neither present nor none,
 * never both; GUARD only with SWAP; EXCLUSIVE only with PRESENT.
 */
static void test_random_walk(void **state)
{
	struct fixture *f = *state;
	u64 x = 0x1234567;

	assert_int_equal(mm_add_vma(&f->mm, VA, VA + 1024 * PAGE_SIZE, 0), 0);
	assert_int_equal(mm_add_folio(&f->mm, 0, 1ull << 20, true, 1), 0);
	for (int i = 0; i < 1024; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		mm_set_pte(&f->mm, VA + i * PAGE_SIZE, __pte(i % 3 ? x : x & 0x7f));
	}
	assert_int_equal(pagemap_read(&f->mm, VA, VA + 1024 * PAGE_SIZE, true, f->out, 1024), 1024);
	for (int i = 0; i < 1024; i++) {
		pte_t pte = mm_get_pte(&f->mm, VA + i * PAGE_SIZE);
		struct pagemap_info pi;

		pagemap_decode(f->out[i], &pi);
		assert_int_equal(pi.present, pte_present(pte));
		assert_int_equal(pi.swap, !pte_present(pte) && !pte_none(pte));
		assert_false(pi.present && pi.swap);
		if (pi.guard)
			assert_true(pi.swap);
		if (pi.exclusive)
			assert_true(pi.present);
		if (pi.present)
			assert_true(pi.pfn == pte_pfn(pte));
		assert_true(pi.reserved == 0);
	}
}

/* pagemap_decode splits the fields as pagemap.rst says */
static void test_decode(void **state)
{
	struct pagemap_info pi;

	pagemap_decode(PM_SWAP | PM_UFFD_WP | 63, &pi);
	assert_true(pi.swap && pi.uffd_wp && !pi.present);
	assert_int_equal(pi.swap_type, 31);
	assert_true(pi.swap_offset == 1);
	pagemap_decode(
	    PM_PRESENT | PM_MMAP_EXCLUSIVE | PM_SOFT_DIRTY | PM_FILE | 0x7fffffffffffffull, &pi);
	assert_true(pi.present && pi.exclusive && pi.soft_dirty && pi.file && !pi.swap);
	assert_true(pi.pfn == 0x7fffffffffffffull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_holes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_present, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_softleaf_ptes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_thp, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_random_walk, setup, teardown),
	    cmocka_unit_test(test_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
