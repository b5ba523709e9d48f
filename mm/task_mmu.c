// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/PID/pagemap over the page-table model: fs/proc/task_mmu.c (v6.18 with the
 * leaf-entry series' patch 06 "fs/proc/task_mmu: refactor pagemap_pmd_range()" and the
 * softleaf conversions of patches 04, 10 and 16), plus the part of mm/pagewalk.c
 * (walk_page_range, walk_pgd/pud/pmd_range) that drives it. Lives in mm/ because the
 * model has no fs/; docs/model/leafops.md lists the simplifications.
 */
#include <errno.h>

#include "kvmsim/pagemap.h"

/* struct pagemapread - fs/proc/task_mmu.c: the output buffer instead of a user copy. */
struct pagemapread {
	u64 *buffer;
	size_t pos, len;
	bool show_pfn;
};

struct mm_walk {
	const struct mm_struct *mm;
	const struct vm_area_struct *vma; /* NULL outside any VMA */
	struct pagemapread *pm;
};

/**
 * make_pme() - fs/proc/task_mmu.c
 */
static u64 make_pme(u64 frame, u64 flags)
{
	return (frame & PM_PFRAME_MASK) | flags;
}

/**
 * add_to_pagemap() - fs/proc/task_mmu.c: -ENOSPC where the kernel returns PM_END_OF_BUFFER.
 */
static int add_to_pagemap(u64 pme, struct pagemapread *pm)
{
	if (pm->pos >= pm->len)
		return -ENOSPC;
	pm->buffer[pm->pos++] = pme;
	return 0;
}

/* VM_SOFTDIRTY is 0 without CONFIG_MEM_SOFT_DIRTY (include/linux/mm.h) */
static bool vma_soft_dirty(const struct mm_struct *mm, const struct vm_area_struct *vma)
{
	return mm->cfg->mem_soft_dirty && (vma->vm_flags & VM_SOFTDIRTY);
}

/**
 * pagemap_pte_hole() - fs/proc/task_mmu.c
 */
static int pagemap_pte_hole(u64 start, u64 end, struct mm_walk *walk)
{
	struct pagemapread *pm = walk->pm;
	u64 addr = start;
	int err = 0;

	while (addr < end) {
		const struct vm_area_struct *vma = find_vma(walk->mm, addr);
		u64 pme = make_pme(0, 0);
		/* End of address space hole, which we mark as non-present. */
		u64 hole_end;

		if (vma)
			hole_end = min(end, vma->vm_start);
		else
			hole_end = end;

		for (; addr < hole_end; addr += PAGE_SIZE) {
			err = add_to_pagemap(pme, pm);
			if (err)
				return err;
		}

		if (!vma)
			break;

		/* Addresses in the VMA. */
		if (vma_soft_dirty(walk->mm, vma))
			pme = make_pme(0, PM_SOFT_DIRTY);
		for (; addr < min(end, vma->vm_end); addr += PAGE_SIZE) {
			err = add_to_pagemap(pme, pm);
			if (err)
				return err;
		}
	}
	return err;
}

/*
 * vm_normal_page() - mm/memory.c, reduced to what decides it here: a special PTE (the zero
 * page, PFN maps) has no struct page; nor has a pfn outside the memory map.
 */
static const struct folio *vm_normal_folio(const struct mm_struct *mm, pte_t pte)
{
	if (pte_special(pte))
		return NULL;
	return mm_pfn_folio(mm, pte_pfn(pte));
}

/*
 * pte_to_pagemap_entry() - fs/proc/task_mmu.c after the series. The non-present branch is
 * guarded by !pte_none(), which is what the old is_swap_pte() (= !none && !present)
 * tested; the merged code's exact guard was not re-checked, and differs only for a
 * non-none PTE that decodes to swap type 0 offset 0 (never created: offset 0 is a swap
 * area's header).
 */
static u64 pte_to_pagemap_entry(const struct mm_walk *walk, u64 addr, pte_t pte)
{
	const struct swp_config *c = walk->mm->cfg;
	const struct vm_area_struct *vma = walk->vma;
	const struct folio *folio = NULL;
	u64 frame = 0, flags = 0;

	if (pte_present(pte)) {
		if (walk->pm->show_pfn)
			frame = pte_pfn(pte);
		flags |= PM_PRESENT;
		folio = vm_normal_folio(walk->mm, pte);
		if (pte_soft_dirty(c, pte))
			flags |= PM_SOFT_DIRTY;
		if (pte_uffd_wp(c, pte))
			flags |= PM_UFFD_WP;
	} else if (!pte_none(pte)) {
		const softleaf_t entry = softleaf_from_pte(c, pte);

		if (pte_swp_soft_dirty(c, pte))
			flags |= PM_SOFT_DIRTY;
		if (pte_swp_uffd_wp(c, pte))
			flags |= PM_UFFD_WP;
		if (walk->pm->show_pfn) {
			u64 offset;

			/*
			 * For PFN swap offsets, keeping the offset field
			 * to be PFN only to be compatible with old smaps.
			 */
			if (softleaf_has_pfn(c, entry))
				offset = softleaf_to_pfn(c, entry);
			else
				offset = swp_offset(entry);
			frame = swp_type(entry) | (offset << MAX_SWAPFILES_SHIFT);
		}
		flags |= PM_SWAP;
		if (softleaf_has_pfn(c, entry))
			folio = softleaf_to_folio(walk->mm, entry);
		if (softleaf_is_uffd_wp_marker(c, entry))
			flags |= PM_UFFD_WP;
		if (softleaf_is_guard_marker(c, entry))
			flags |= PM_GUARD_REGION;
	}

	if (folio) {
		if (!folio->anon)
			flags |= PM_FILE;
		/* folio_precise_page_mapcount(folio, page) == 1 */
		if ((flags & PM_PRESENT) && folio->mapcount == 1)
			flags |= PM_MMAP_EXCLUSIVE;
	}
	if (vma_soft_dirty(walk->mm, vma))
		flags |= PM_SOFT_DIRTY;

	return make_pme(frame, flags);
}

/*
 * pagemap_pmd_range_thp() - fs/proc/task_mmu.c, split out of pagemap_pmd_range() by
 * patch 06: a present huge PMD, or (with THP migration) a migration / device-private
 * PMD, reported page by page.
 */
static int pagemap_pmd_range_thp(pmd_t pmd, u64 addr, u64 end, struct mm_walk *walk)
{
	const struct swp_config *c = walk->mm->cfg;
	const struct vm_area_struct *vma = walk->vma;
	struct pagemapread *pm = walk->pm;
	u64 idx = (addr & (PMD_SIZE - 1)) >> PAGE_SHIFT;
	u64 flags = 0, frame = 0;
	const struct folio *folio = NULL;
	int err = 0;

	if (vma_soft_dirty(walk->mm, vma))
		flags |= PM_SOFT_DIRTY;

	if (pmd_present(pmd)) {
		folio = mm_pfn_folio(walk->mm, pmd_pfn(pmd));
		flags |= PM_PRESENT;
		if (pmd_soft_dirty(c, pmd))
			flags |= PM_SOFT_DIRTY;
		if (pmd_uffd_wp(c, pmd))
			flags |= PM_UFFD_WP;
		if (pm->show_pfn)
			frame = pmd_pfn(pmd) + idx;
	} else if (c->thp_migration) { /* thp_migration_supported() */
		const softleaf_t entry = softleaf_from_pmd(c, pmd);
		u64 offset;

		if (pm->show_pfn) {
			if (softleaf_has_pfn(c, entry))
				offset = softleaf_to_pfn(c, entry) + idx;
			else
				offset = swp_offset(entry) + idx;
			frame = swp_type(entry) | (offset << MAX_SWAPFILES_SHIFT);
		}
		flags |= PM_SWAP;
		if (pmd_swp_soft_dirty(c, pmd))
			flags |= PM_SOFT_DIRTY;
		if (pmd_swp_uffd_wp(c, pmd))
			flags |= PM_UFFD_WP;
		/* VM_WARN_ON_ONCE(!pmd_is_migration_entry(pmd)) */
		folio = softleaf_to_folio(walk->mm, entry);
	}

	if (folio && !folio->anon)
		flags |= PM_FILE;

	for (; addr != end; addr += PAGE_SIZE, idx++) {
		u64 cur_flags = flags;

		if (folio && (flags & PM_PRESENT) && folio->mapcount == 1)
			cur_flags |= PM_MMAP_EXCLUSIVE;

		err = add_to_pagemap(make_pme(frame, cur_flags), pm);
		if (err)
			break;
		if (pm->show_pfn) {
			if (flags & PM_PRESENT)
				frame++;
			else if (flags & PM_SWAP)
				frame += (1 << MAX_SWAPFILES_SHIFT);
		}
	}
	return err;
}

/*
 * pagemap_pmd_range() - fs/proc/task_mmu.c after patch 06: pmd_trans_huge_lock() (true
 * when pmd_is_huge(), patch 11) hands huge and non-present PMDs to
 * pagemap_pmd_range_thp(); otherwise each PTE of the table.
 */
static int pagemap_pmd_range(const struct pt_table *pmdt, unsigned int i, u64 addr, u64 end,
			     struct mm_walk *walk)
{
	const struct pt_table *ptet;
	pmd_t pmd = __pmd(pmdt->val[i]);
	int err = 0;

	if (pmd_is_huge(walk->mm->cfg, pmd))
		return pagemap_pmd_range_thp(pmd, addr, end, walk);

	ptet = pmdt->next[i];
	for (; addr < end; addr += PAGE_SIZE) {
		pte_t pte = __pte(ptet ? ptet->val[(addr >> PAGE_SHIFT) & (PTRS_PER_PTE - 1)] : 0);

		err = add_to_pagemap(pte_to_pagemap_entry(walk, addr, pte), walk->pm);
		if (err)
			break;
	}
	return err;
}

static u64 level_end(u64 addr, unsigned int shift, u64 end)
{
	u64 boundary = (addr + (1ull << shift)) & ~((1ull << shift) - 1);

	return boundary - 1 < end - 1 ? boundary : end;
}

/* walk_pmd_range() / walk_pud_range() / walk_pgd_range() - mm/pagewalk.c */
static int walk_pmd_range(const struct pt_table *pmdt, u64 addr, u64 end, struct mm_walk *walk)
{
	int err = 0;

	for (u64 next; addr != end && !err; addr = next) {
		unsigned int i = (addr >> PMD_SHIFT) & (PT_ENTRIES - 1);

		next = level_end(addr, PMD_SHIFT, end);
		if (pmd_none(__pmd(pmdt->val[i])))
			err = pagemap_pte_hole(addr, next, walk);
		else
			err = pagemap_pmd_range(pmdt, i, addr, next, walk);
	}
	return err;
}

static int walk_pud_range(const struct pt_table *pudt, u64 addr, u64 end, struct mm_walk *walk)
{
	int err = 0;

	for (u64 next; addr != end && !err; addr = next) {
		unsigned int i = (addr >> PUD_SHIFT) & (PT_ENTRIES - 1);

		next = level_end(addr, PUD_SHIFT, end);
		if (!pudt->next[i])
			err = pagemap_pte_hole(addr, next, walk);
		else
			err = walk_pmd_range(pudt->next[i], addr, next, walk);
	}
	return err;
}

static int walk_pgd_range(u64 addr, u64 end, struct mm_walk *walk)
{
	const struct pt_table *pgd = walk->mm->pgd;
	int err = 0;

	for (u64 next; addr != end && !err; addr = next) {
		unsigned int i = (addr >> PGDIR_SHIFT) & (PT_ENTRIES - 1);

		next = level_end(addr, PGDIR_SHIFT, end);
		if (!pgd->next[i])
			err = pagemap_pte_hole(addr, next, walk);
		else
			err = walk_pud_range(pgd->next[i], addr, next, walk);
	}
	return err;
}

/**
 * walk_page_range() - mm/pagewalk.c: VMA by VMA, holes between them to pte_hole.
 */
static int walk_page_range(const struct mm_struct *mm, u64 start, u64 end, struct pagemapread *pm)
{
	struct mm_walk walk = {.mm = mm, .pm = pm};
	const struct vm_area_struct *vma = find_vma(mm, start);
	int err = 0;

	do {
		u64 next;

		if (!vma) { /* after the last vma */
			walk.vma = NULL;
			next = end;
			err = pagemap_pte_hole(start, next, &walk);
		} else if (start < vma->vm_start) { /* outside vma */
			walk.vma = NULL;
			next = min(end, vma->vm_start);
			err = pagemap_pte_hole(start, next, &walk);
		} else { /* inside vma */
			walk.vma = vma;
			next = min(end, vma->vm_end);
			vma = vma + 1 < mm->vmas + mm->nr_vmas ? vma + 1 : NULL;
			err = walk_pgd_range(start, next, &walk);
		}
		if (err)
			break;
		start = next;
	} while (start < end);
	return err;
}

/**
 * pagemap_read() - fs/proc/task_mmu.c: the pagemap entries of a range
 * @mm: the address space
 * @start: first address, page aligned
 * @end: end address (exclusive), page aligned
 * @show_pfn: pagemap_open()'s CAP_SYS_ADMIN check: PFNs and swap offsets are shown
 * @out: the entries, one per page
 * @n: room in @out
 *
 * Return: the number of entries, -EINVAL (range) or -ENOSPC (@n too small).
 */
long pagemap_read(const struct mm_struct *mm, u64 start, u64 end, bool show_pfn, u64 *out, size_t n)
{
	struct pagemapread pm = {.buffer = out, .len = n, .show_pfn = show_pfn};
	int err;

	if (start > end || (start | end) & (PAGE_SIZE - 1) || end > TASK_SIZE_MAX)
		return -EINVAL;
	if ((end - start) / PAGE_SIZE > n)
		return -ENOSPC;
	if (start == end)
		return 0;
	err = walk_page_range(mm, start, end, &pm);
	if (err)
		return err;
	return (long)pm.pos;
}

/**
 * pagemap_decode() - split a pagemap entry as Documentation/admin-guide/mm/pagemap.rst does
 * @pme: the entry
 * @out: its fields
 */
void pagemap_decode(u64 pme, struct pagemap_info *out)
{
	*out = (struct pagemap_info){
	    .present = pme & PM_PRESENT,
	    .swap = pme & PM_SWAP,
	    .file = pme & PM_FILE,
	    .exclusive = pme & PM_MMAP_EXCLUSIVE,
	    .soft_dirty = pme & PM_SOFT_DIRTY,
	    .uffd_wp = pme & PM_UFFD_WP,
	    .guard = pme & PM_GUARD_REGION,
	    .reserved = pme & GENMASK_ULL(60, 59),
	};
	if (out->present)
		out->pfn = pme & PM_PFRAME_MASK;
	if (out->swap) {
		out->swap_type = pme & GENMASK_ULL(MAX_SWAPFILES_SHIFT - 1, 0);
		out->swap_offset = (pme & PM_PFRAME_MASK) >> MAX_SWAPFILES_SHIFT;
	}
}
