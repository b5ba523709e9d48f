// SPDX-License-Identifier: GPL-2.0
/*
 * The page-table model: a 4-level x86-64 radix tree (PGD, PUD, PMD, PTE; 512 entries
 * each), VMAs and a small memory map of folios. Not a kernel file: the model's container
 * for the entries that mm/task_mmu.c walks. Non-leaf entries hold _PAGE_TABLE bits and a
 * made-up table "address"; the model follows its own pointers, never the address.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvmsim/pagemap.h"

/* arch/x86/include/asm/pgtable_types.h: _PAGE_TABLE = P | RW | USER | A | D */
#define _PAGE_TABLE (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)

static unsigned int pt_index(u64 addr, unsigned int shift)
{
	return (addr >> shift) & (PT_ENTRIES - 1);
}

static struct pt_table *pt_alloc(void)
{
	return calloc(1, sizeof(struct pt_table));
}

static void pt_free(struct pt_table *t, int level)
{
	if (!t)
		return;
	if (level > 1)
		for (int i = 0; i < PT_ENTRIES; i++)
			pt_free(t->next[i], level - 1);
	free(t);
}

/**
 * mm_init() - model only: an empty address space (an empty PGD)
 * @mm: the address space
 * @cfg: the initialized configuration it uses (kept by reference)
 *
 * Return: 0 or -ENOMEM.
 */
int mm_init(struct mm_struct *mm, const struct swp_config *cfg)
{
	memset(mm, 0, sizeof(*mm));
	mm->cfg = cfg;
	mm->pgd = pt_alloc();
	return mm->pgd ? 0 : -ENOMEM;
}

/**
 * mm_destroy() - model only: free the page tables
 * @mm: the address space
 */
void mm_destroy(struct mm_struct *mm)
{
	pt_free(mm->pgd, 4);
	mm->pgd = NULL;
}

/**
 * mm_add_vma() - model only: insert a VMA, keeping the array sorted
 * @mm: the address space
 * @start: first address, page aligned
 * @end: end address (exclusive), page aligned, at most TASK_SIZE_MAX
 * @vm_flags: VM_SOFTDIRTY or 0
 *
 * Return: 0, -EINVAL (bad or overlapping range) or -ENOSPC.
 */
int mm_add_vma(struct mm_struct *mm, u64 start, u64 end, u64 vm_flags)
{
	int i;

	if (start >= end || (start | end) & (PAGE_SIZE - 1) || end > TASK_SIZE_MAX)
		return -EINVAL;
	if (mm->nr_vmas == MM_MAX_VMAS)
		return -ENOSPC;
	for (i = 0; i < mm->nr_vmas; i++) {
		const struct vm_area_struct *v = &mm->vmas[i];

		if (start < v->vm_end && v->vm_start < end)
			return -EINVAL;
		if (v->vm_start >= end)
			break;
	}
	memmove(&mm->vmas[i + 1], &mm->vmas[i], (mm->nr_vmas - i) * sizeof(mm->vmas[0]));
	mm->vmas[i] = (struct vm_area_struct){start, end, vm_flags};
	mm->nr_vmas++;
	return 0;
}

/**
 * mm_add_folio() - model only: add a folio to the memory map
 * @mm: the address space
 * @pfn: first page frame
 * @nr: number of pages
 * @anon: anonymous (else file-backed: PM_FILE)
 * @mapcount: the mapcount of each of its pages
 *
 * Return: 0, -EINVAL (empty or overlapping) or -ENOSPC.
 */
int mm_add_folio(struct mm_struct *mm, u64 pfn, u64 nr, bool anon, int mapcount)
{
	if (!nr || pfn + nr < pfn)
		return -EINVAL;
	for (int i = 0; i < mm->nr_folios; i++) {
		const struct folio *f = &mm->folios[i];

		if (pfn < f->pfn + f->nr && f->pfn < pfn + nr)
			return -EINVAL;
	}
	if (mm->nr_folios == MM_MAX_FOLIOS)
		return -ENOSPC;
	mm->folios[mm->nr_folios++] = (struct folio){pfn, nr, anon, mapcount};
	return 0;
}

/**
 * find_vma() - mm/mmap.c: the lowest VMA with vm_end > addr (linear over the sorted array).
 */
const struct vm_area_struct *find_vma(const struct mm_struct *mm, u64 addr)
{
	for (int i = 0; i < mm->nr_vmas; i++)
		if (mm->vmas[i].vm_end > addr)
			return &mm->vmas[i];
	return NULL;
}

/**
 * mm_pfn_folio() - model of pfn_folio() for PFNs in the memory map
 * @mm: the address space
 * @pfn: the page frame
 *
 * Return: the folio holding @pfn, or NULL.
 */
const struct folio *mm_pfn_folio(const struct mm_struct *mm, u64 pfn)
{
	for (int i = 0; i < mm->nr_folios; i++) {
		const struct folio *f = &mm->folios[i];

		if (pfn >= f->pfn && pfn - f->pfn < f->nr)
			return f;
	}
	return NULL;
}

/* Walk down to the PMD table for addr, allocating missing levels when alloc. */
static struct pt_table *pmd_table(struct mm_struct *mm, u64 addr, bool alloc)
{
	struct pt_table *t = mm->pgd;
	static const unsigned int shifts[] = {PGDIR_SHIFT, PUD_SHIFT};

	for (unsigned int l = 0; l < ARRAY_SIZE(shifts); l++) {
		unsigned int i = pt_index(addr, shifts[l]);

		if (!t->next[i]) {
			if (!alloc)
				return NULL;
			t->next[i] = pt_alloc();
			if (!t->next[i])
				return NULL;
			t->val[i] = _PAGE_TABLE | ((u64)(l + 1) << 40 | (u64)i << 12);
		}
		t = t->next[i];
	}
	return t;
}

/**
 * mm_set_pte() - model only: install a PTE, allocating the tables above it
 * @mm: the address space
 * @addr: the virtual address
 * @pte: the raw entry
 *
 * Return: 0, -EINVAL, -EBUSY (a huge PMD maps @addr) or -ENOMEM.
 */
int mm_set_pte(struct mm_struct *mm, u64 addr, pte_t pte)
{
	struct pt_table *pmdt, *ptet;
	unsigned int i;

	if (addr >= TASK_SIZE_MAX)
		return -EINVAL;
	pmdt = pmd_table(mm, addr, true);
	if (!pmdt)
		return -ENOMEM;
	i = pt_index(addr, PMD_SHIFT);
	if (!pmdt->next[i]) {
		if (!pmd_none(__pmd(pmdt->val[i])))
			return -EBUSY;
		pmdt->next[i] = pt_alloc();
		if (!pmdt->next[i])
			return -ENOMEM;
		pmdt->val[i] = _PAGE_TABLE | (3ull << 40) | (u64)i << 12;
	}
	ptet = pmdt->next[i];
	ptet->val[pt_index(addr, PAGE_SHIFT)] = pte_val(pte);
	return 0;
}

/**
 * mm_set_pmd() - model only: install a PMD leaf entry
 * @mm: the address space
 * @addr: the virtual address, 2 MiB aligned
 * @pmd: the raw entry (present PSE, or a non-present softleaf)
 *
 * Return: 0, -EINVAL, -EBUSY (a PTE table is there) or -ENOMEM.
 */
int mm_set_pmd(struct mm_struct *mm, u64 addr, pmd_t pmd)
{
	struct pt_table *pmdt;
	unsigned int i;

	if (addr >= TASK_SIZE_MAX || addr & (PMD_SIZE - 1))
		return -EINVAL;
	pmdt = pmd_table(mm, addr, true);
	if (!pmdt)
		return -ENOMEM;
	i = pt_index(addr, PMD_SHIFT);
	if (pmdt->next[i])
		return -EBUSY;
	pmdt->val[i] = pmd_val(pmd);
	return 0;
}

/**
 * mm_get_pte() - model only: read a PTE back
 * @mm: the address space
 * @addr: the virtual address
 *
 * Return: the PTE, or 0 when no PTE table covers @addr.
 */
pte_t mm_get_pte(const struct mm_struct *mm, u64 addr)
{
	struct pt_table *pmdt = pmd_table((struct mm_struct *)mm, addr, false);
	unsigned int i = pt_index(addr, PMD_SHIFT);

	if (!pmdt || !pmdt->next[i])
		return __pte(0);
	return __pte(pmdt->next[i]->val[pt_index(addr, PAGE_SHIFT)]);
}

/**
 * mm_get_pmd() - model only: read a PMD entry back
 * @mm: the address space
 * @addr: the virtual address
 *
 * Return: the PMD entry, or 0 when no PMD table covers @addr.
 */
pmd_t mm_get_pmd(const struct mm_struct *mm, u64 addr)
{
	struct pt_table *pmdt = pmd_table((struct mm_struct *)mm, addr, false);

	if (!pmdt)
		return __pmd(0);
	return __pmd(pmdt->val[pt_index(addr, PMD_SHIFT)]);
}

/**
 * softleaf_to_folio() - leafops.h: pfn_folio(softleaf_to_pfn(entry)), WARN if !has_pfn.
 */
const struct folio *softleaf_to_folio(const struct mm_struct *mm, softleaf_t entry)
{
	if (!softleaf_has_pfn(mm->cfg, entry))
		return NULL;
	return mm_pfn_folio(mm, softleaf_to_pfn(mm->cfg, entry));
}
