/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A 4-level x86-64 page-table model (4 KiB pages and 2 MiB PMD leaves) with VMAs and a
 * minimal memory map, and the /proc/PID/pagemap walker that reads it.
 *
 * The walker models fs/proc/task_mmu.c (pagemap_read, pagemap_pte_hole,
 * pte_to_pagemap_entry, pagemap_pmd_range and pagemap_pmd_range_thp as refactored by patch
 * 06 of the leaf-entry series, v3, 10 Nov 2025) and the parts of mm/pagewalk.c it relies
 * on. Simplifications are listed in docs/model/leafops.md: no hugetlb, no PUD leaves, no
 * locks (one thread), a folio has one mapcount for all its pages, and the VMA's only flag
 * is VM_SOFTDIRTY.
 */
#ifndef KVMSIM_PAGEMAP_H
#define KVMSIM_PAGEMAP_H

#include <stddef.h>

#include "kvmsim/leafops.h"

/* fs/proc/task_mmu.c */
#define PM_ENTRY_BYTES	  8
#define PM_PFRAME_BITS	  55
#define PM_PFRAME_MASK	  GENMASK_ULL(PM_PFRAME_BITS - 1, 0)
#define PM_SOFT_DIRTY	  BIT_ULL(55)
#define PM_MMAP_EXCLUSIVE BIT_ULL(56)
#define PM_UFFD_WP	  BIT_ULL(57)
#define PM_GUARD_REGION	  BIT_ULL(58)
#define PM_FILE		  BIT_ULL(61)
#define PM_SWAP		  BIT_ULL(62)
#define PM_PRESENT	  BIT_ULL(63)

/* include/linux/mm.h: the one VMA flag the walker reads (0 without CONFIG_MEM_SOFT_DIRTY) */
#define VM_SOFTDIRTY BIT_ULL(59)

/* Levels: 9 bits each above the 12-bit page offset; user addresses below 2^47. */
#define PT_LEVEL_BITS 9
#define PT_ENTRIES    512
#define PGDIR_SHIFT   39
#define PUD_SHIFT     30
#define TASK_SIZE_MAX (1ull << 47)

struct pt_table {
	u64 val[PT_ENTRIES];		   /* the entries as the hardware sees them */
	struct pt_table *next[PT_ENTRIES]; /* the table a non-leaf entry points to */
};

struct vm_area_struct {
	u64 vm_start, vm_end; /* [start, end), page aligned */
	u64 vm_flags;
};

/* A folio of the model's memory map: nr pages from pfn, anonymous or file-backed. */
struct folio {
	u64 pfn;
	u64 nr;
	bool anon;
	int mapcount; /* folio_precise_page_mapcount() of every page of the folio */
};

#define MM_MAX_VMAS   64
#define MM_MAX_FOLIOS 256

struct mm_struct {
	const struct swp_config *cfg;
	struct pt_table *pgd;
	struct vm_area_struct vmas[MM_MAX_VMAS]; /* sorted, non-overlapping */
	int nr_vmas;
	struct folio folios[MM_MAX_FOLIOS];
	int nr_folios;
};

/* Initialize an empty address space with this (initialized) config; 0 or -ENOMEM. */
int mm_init(struct mm_struct *mm, const struct swp_config *cfg);
void mm_destroy(struct mm_struct *mm);
/* Add a VMA: page-aligned, below TASK_SIZE_MAX, not overlapping; 0, -EINVAL or -ENOSPC. */
int mm_add_vma(struct mm_struct *mm, u64 start, u64 end, u64 vm_flags);
/* Add a folio to the memory map: 0, -EINVAL (empty, overlapping) or -ENOSPC. */
int mm_add_folio(struct mm_struct *mm, u64 pfn, u64 nr, bool anon, int mapcount);
/* find_vma() - mm/mmap.c: the first VMA ending above addr, or NULL. */
const struct vm_area_struct *find_vma(const struct mm_struct *mm, u64 addr);
/* The folio holding pfn, or NULL (model of pfn_folio() for pfns in the memory map). */
const struct folio *mm_pfn_folio(const struct mm_struct *mm, u64 pfn);

/*
 * Install a PTE at addr (allocating the PGD/PUD/PMD tables on the way): 0, -EINVAL
 * (address), -EBUSY (a huge PMD maps addr) or -ENOMEM.
 */
int mm_set_pte(struct mm_struct *mm, u64 addr, pte_t pte);
/*
 * Install a PMD leaf (present PSE, or a non-present migration / device-private entry) at a
 * 2 MiB-aligned addr: 0, -EINVAL, -EBUSY (a PTE table is there) or -ENOMEM.
 */
int mm_set_pmd(struct mm_struct *mm, u64 addr, pmd_t pmd);
/* Read back: the PTE (0 if no table), the PMD entry value. */
pte_t mm_get_pte(const struct mm_struct *mm, u64 addr);
pmd_t mm_get_pmd(const struct mm_struct *mm, u64 addr);

/*
 * softleaf_to_page()/softleaf_to_folio() - leafops.h: the folio of the entry's pfn (NULL
 * if the entry has no pfn, where the kernel WARNs, or if the pfn is outside the map).
 * The kernel's "migration entry's folio must be locked" BUG is not modeled.
 */
const struct folio *softleaf_to_folio(const struct mm_struct *mm, softleaf_t entry);

/*
 * pagemap_read() - fs/proc/task_mmu.c: the entries for [start, end) (page aligned) into
 * out[0 .. (end - start) / PAGE_SIZE - 1]. show_pfn is the CAP_SYS_ADMIN check of
 * pagemap_open(): without it PFNs and swap offsets read as 0. Returns the number of
 * entries or a negative errno (-EINVAL: range; -ENOSPC: n too small).
 */
long pagemap_read(const struct mm_struct *mm, u64 start, u64 end, bool show_pfn, u64 *out,
		  size_t n);

/* One pagemap entry, decoded as Documentation/admin-guide/mm/pagemap.rst describes. */
struct pagemap_info {
	bool present, swap, file, exclusive, soft_dirty, uffd_wp, guard;
	u64 pfn;		/* bits 0-54 when present */
	unsigned int swap_type; /* bits 0-4 when swapped */
	u64 swap_offset;	/* bits 5-54 when swapped */
	u64 reserved;		/* bits 59-60, zero in every kernel so far */
};

void pagemap_decode(u64 pme, struct pagemap_info *out);

#endif
