/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86-64 page-table entries: the bits, the present/none predicates and the swap (software
 * leaf) encoding of non-present PTEs and PMDs.
 *
 * Models arch/x86/include/asm/pgtable_types.h, pgtable_64.h, pgtable_64_types.h, pgtable.h
 * and include/linux/swapops.h's pte/pmd conversions, as of v6.18 plus the leaf-entry
 * series (v3, 10 Nov 2025). Bits whose existence depends on the configuration
 * (_PAGE_SOFT_DIRTY, _PAGE_UFFD_WP and their swap counterparts) are masks returned by
 * functions of a struct swp_config instead of compile-time constants.
 */
#ifndef KVMSIM_PGTABLE_H
#define KVMSIM_PGTABLE_H

#include "kvmsim/swapops.h"

/* arch/x86/include/asm/pgtable_types.h */
#define _PAGE_BIT_PRESENT    0
#define _PAGE_BIT_RW	     1
#define _PAGE_BIT_USER	     2
#define _PAGE_BIT_PWT	     3
#define _PAGE_BIT_PCD	     4
#define _PAGE_BIT_ACCESSED   5
#define _PAGE_BIT_DIRTY	     6
#define _PAGE_BIT_PSE	     7
#define _PAGE_BIT_PAT	     7
#define _PAGE_BIT_GLOBAL     8
#define _PAGE_BIT_SOFTW1     9
#define _PAGE_BIT_SOFTW2     10
#define _PAGE_BIT_SOFTW3     11
#define _PAGE_BIT_PAT_LARGE  12
#define _PAGE_BIT_NX	     63
#define _PAGE_BIT_SPECIAL    _PAGE_BIT_SOFTW1
#define _PAGE_BIT_UFFD_WP    _PAGE_BIT_SOFTW2
#define _PAGE_BIT_SOFT_DIRTY _PAGE_BIT_SOFTW3
#define _PAGE_BIT_PROTNONE   _PAGE_BIT_GLOBAL

#define _PAGE_PRESENT  BIT_ULL(_PAGE_BIT_PRESENT)
#define _PAGE_RW       BIT_ULL(_PAGE_BIT_RW)
#define _PAGE_USER     BIT_ULL(_PAGE_BIT_USER)
#define _PAGE_PWT      BIT_ULL(_PAGE_BIT_PWT)
#define _PAGE_PCD      BIT_ULL(_PAGE_BIT_PCD)
#define _PAGE_ACCESSED BIT_ULL(_PAGE_BIT_ACCESSED)
#define _PAGE_DIRTY    BIT_ULL(_PAGE_BIT_DIRTY)
#define _PAGE_PSE      BIT_ULL(_PAGE_BIT_PSE)
#define _PAGE_GLOBAL   BIT_ULL(_PAGE_BIT_GLOBAL)
#define _PAGE_SPECIAL  BIT_ULL(_PAGE_BIT_SPECIAL)
#define _PAGE_PROTNONE BIT_ULL(_PAGE_BIT_PROTNONE)
#define _PAGE_NX       BIT_ULL(_PAGE_BIT_NX)
/* x86-64: hardware may set A and D on a not-present entry (KNL erratum) */
#define _PAGE_KNL_ERRATUM_MASK (_PAGE_DIRTY | _PAGE_ACCESSED)

/* Swap-entry flag bits, valid only when not present (pgtable_types.h / pgtable_64.h) */
#define _PAGE_SWP_EXCLUSIVE	 _PAGE_PWT  /* bit 3: remembers PG_anon_exclusive */
#define _PAGE_SWP_UFFD_WP_BIT	 _PAGE_USER /* bit 2, if CONFIG_HAVE_ARCH_USERFAULTFD_WP */
#define _PAGE_SWP_SOFT_DIRTY_BIT _PAGE_RW   /* bit 1, if CONFIG_MEM_SOFT_DIRTY */

/* _PAGE_SOFT_DIRTY / _PAGE_UFFD_WP / _PAGE_SWP_*: 0 when the config option is off */
static inline u64 _PAGE_SOFT_DIRTY(const struct swp_config *c)
{
	return c->mem_soft_dirty ? BIT_ULL(_PAGE_BIT_SOFT_DIRTY) : 0;
}

static inline u64 _PAGE_UFFD_WP(const struct swp_config *c)
{
	return c->uffd_wp ? BIT_ULL(_PAGE_BIT_UFFD_WP) : 0;
}

static inline u64 _PAGE_SWP_SOFT_DIRTY(const struct swp_config *c)
{
	return c->mem_soft_dirty ? _PAGE_SWP_SOFT_DIRTY_BIT : 0;
}

static inline u64 _PAGE_SWP_UFFD_WP(const struct swp_config *c)
{
	return c->uffd_wp ? _PAGE_SWP_UFFD_WP_BIT : 0;
}

/* arch/x86/include/asm/page_types.h: __PHYSICAL_MASK_SHIFT 52 on x86-64 */
#define __PHYSICAL_MASK	       ((1ull << 52) - 1)
#define PTE_PFN_MASK	       (__PHYSICAL_MASK & ~(PAGE_SIZE - 1))
#define PMD_SHIFT	       21
#define PMD_SIZE	       (1ull << PMD_SHIFT)
#define PHYSICAL_PMD_PAGE_MASK (__PHYSICAL_MASK & ~(PMD_SIZE - 1))
#define PTRS_PER_PTE	       512
#define PTRS_PER_PMD	       512
#define HPAGE_PMD_NR	       (PMD_SIZE / PAGE_SIZE)

/* arch/x86/include/asm/pgtable_64.h: the swap layout */
#define SWP_TYPE_BITS	     5
#define SWP_OFFSET_FIRST_BIT (_PAGE_BIT_PROTNONE + 1)
#define SWP_OFFSET_SHIFT     (SWP_OFFSET_FIRST_BIT + SWP_TYPE_BITS)

typedef struct {
	u64 pte;
} pte_t;

typedef struct {
	u64 pmd;
} pmd_t;

static inline u64 pte_val(pte_t pte)
{
	return pte.pte;
}

static inline pte_t __pte(u64 val)
{
	return (pte_t){val};
}

static inline u64 pmd_val(pmd_t pmd)
{
	return pmd.pmd;
}

static inline pmd_t __pmd(u64 val)
{
	return (pmd_t){val};
}

/* pte_none() - arch/x86/include/asm/pgtable.h: ignores the erratum A/D bits */
static inline bool pte_none(pte_t pte)
{
	return !(pte.pte & ~_PAGE_KNL_ERRATUM_MASK);
}

/* pte_present() - arch/x86/include/asm/pgtable.h: P or PROT_NONE */
static inline bool pte_present(pte_t a)
{
	return a.pte & (_PAGE_PRESENT | _PAGE_PROTNONE);
}

/* pmd_none() - arch/x86/include/asm/pgtable.h */
static inline bool pmd_none(pmd_t pmd)
{
	return (pmd.pmd & ~_PAGE_KNL_ERRATUM_MASK) == 0;
}

/*
 * pmd_present() - arch/x86/include/asm/pgtable.h: P, PROT_NONE or PSE ("Bit 7 in swp entry
 * should be 0 because pmd_present checks not only P, but also L and G").
 */
static inline bool pmd_present(pmd_t pmd)
{
	return pmd.pmd & (_PAGE_PRESENT | _PAGE_PROTNONE | _PAGE_PSE);
}

/* pmd_trans_huge() - arch/x86/include/asm/pgtable.h (v6.18: no _PAGE_DEVMAP any more) */
static inline bool pmd_trans_huge(pmd_t pmd)
{
	return (pmd.pmd & _PAGE_PSE) == _PAGE_PSE;
}

/* __pte_needs_invert() / protnone_mask() - arch/x86/include/asm/pgtable-invert.h (L1TF) */
static inline bool __pte_needs_invert(u64 val)
{
	return val && !(val & _PAGE_PRESENT);
}

static inline u64 protnone_mask(u64 val)
{
	return __pte_needs_invert(val) ? ~0ull : 0;
}

/* pte_pfn() - arch/x86/include/asm/pgtable.h: a PROT_NONE entry stores its PFN inverted */
static inline u64 pte_pfn(pte_t pte)
{
	u64 pfn = pte.pte;

	pfn ^= protnone_mask(pfn);
	return (pfn & PTE_PFN_MASK) >> PAGE_SHIFT;
}

/* pmd_pfn() - arch/x86/include/asm/pgtable.h, for PSE (leaf) PMDs */
static inline u64 pmd_pfn(pmd_t pmd)
{
	u64 pfn = pmd.pmd;

	pfn ^= protnone_mask(pfn);
	return (pfn & PHYSICAL_PMD_PAGE_MASK) >> PAGE_SHIFT;
}

/* pfn_pte() / pfn_pmd() - arch/x86/include/asm/pgtable.h: invert the PFN when PROT_NONE */
static inline pte_t pfn_pte(u64 pfn, u64 prot)
{
	u64 pfnv = (pfn << PAGE_SHIFT) & PTE_PFN_MASK;

	pfnv ^= protnone_mask(prot);
	pfnv &= PTE_PFN_MASK;
	return __pte(pfnv | prot);
}

static inline pmd_t pfn_pmd(u64 pfn, u64 prot)
{
	u64 pfnv = (pfn << PAGE_SHIFT) & PHYSICAL_PMD_PAGE_MASK;

	pfnv ^= protnone_mask(prot);
	pfnv &= PHYSICAL_PMD_PAGE_MASK;
	return __pmd(pfnv | prot);
}

/* Present-entry bits (x86 pgtable.h) */
static inline bool pte_soft_dirty(const struct swp_config *c, pte_t pte)
{
	return pte.pte & _PAGE_SOFT_DIRTY(c);
}

static inline bool pte_uffd_wp(const struct swp_config *c, pte_t pte)
{
	return pte.pte & _PAGE_UFFD_WP(c);
}

static inline bool pte_special(pte_t pte)
{
	return pte.pte & _PAGE_SPECIAL;
}

static inline bool pmd_soft_dirty(const struct swp_config *c, pmd_t pmd)
{
	return pmd.pmd & _PAGE_SOFT_DIRTY(c);
}

static inline bool pmd_uffd_wp(const struct swp_config *c, pmd_t pmd)
{
	return pmd.pmd & _PAGE_UFFD_WP(c);
}

/* Swap-entry flag bits of non-present entries (x86 pgtable.h) */
static inline bool pte_swp_exclusive(pte_t pte)
{
	return pte.pte & _PAGE_SWP_EXCLUSIVE;
}

static inline pte_t pte_swp_mkexclusive(pte_t pte)
{
	return __pte(pte.pte | _PAGE_SWP_EXCLUSIVE);
}

static inline bool pte_swp_soft_dirty(const struct swp_config *c, pte_t pte)
{
	return pte.pte & _PAGE_SWP_SOFT_DIRTY(c);
}

static inline pte_t pte_swp_mksoft_dirty(const struct swp_config *c, pte_t pte)
{
	return __pte(pte.pte | _PAGE_SWP_SOFT_DIRTY(c));
}

static inline bool pte_swp_uffd_wp(const struct swp_config *c, pte_t pte)
{
	return pte.pte & _PAGE_SWP_UFFD_WP(c);
}

static inline pte_t pte_swp_mkuffd_wp(const struct swp_config *c, pte_t pte)
{
	return __pte(pte.pte | _PAGE_SWP_UFFD_WP(c));
}

static inline bool pmd_swp_soft_dirty(const struct swp_config *c, pmd_t pmd)
{
	return pmd.pmd & _PAGE_SWP_SOFT_DIRTY(c);
}

static inline pmd_t pmd_swp_mksoft_dirty(const struct swp_config *c, pmd_t pmd)
{
	return __pmd(pmd.pmd | _PAGE_SWP_SOFT_DIRTY(c));
}

static inline bool pmd_swp_uffd_wp(const struct swp_config *c, pmd_t pmd)
{
	return pmd.pmd & _PAGE_SWP_UFFD_WP(c);
}

static inline pmd_t pmd_swp_mkuffd_wp(const struct swp_config *c, pmd_t pmd)
{
	return __pmd(pmd.pmd | _PAGE_SWP_UFFD_WP(c));
}

/*
 * pte_swp_clear_flags() - include/linux/swapops.h: drop exclusive, soft-dirty and uffd-wp
 * before decoding (on x86-64 the decoder ignores bits 0-8 anyway).
 */
static inline pte_t pte_swp_clear_flags(const struct swp_config *c, pte_t pte)
{
	return __pte(pte.pte &
		     ~(_PAGE_SWP_EXCLUSIVE | _PAGE_SWP_SOFT_DIRTY(c) | _PAGE_SWP_UFFD_WP(c)));
}

/*
 * The arch swap encoding, arch/x86/include/asm/pgtable_64.h:
 *   | TYPE (59-63) | ~OFFSET (9-58) | 0 (8) | 0 (7) | X X (A D) | X | E | F | SD | 0 (P) |
 * __swp_type(x) = x.val >> (64 - SWP_TYPE_BITS)
 * __swp_offset(x) = (~x.val << SWP_TYPE_BITS) >> SWP_OFFSET_SHIFT
 * __swp_entry(type, off) = ((~off << SWP_OFFSET_SHIFT) >> SWP_TYPE_BITS) | (type << 59)
 * The offset is stored inverted (L1TF): the "PFN" bits of a not-present PTE point above
 * any real memory. __pte_to_swp_entry and __swp_entry_to_pte are the identity.
 * The model masks type to 5 bits (the kernel's shift of an int type would be UB beyond).
 */
static inline unsigned int __swp_type(swp_entry_t x)
{
	return (unsigned int)(x.val >> (64 - SWP_TYPE_BITS));
}

static inline u64 __swp_offset(swp_entry_t x)
{
	return (~x.val << SWP_TYPE_BITS) >> SWP_OFFSET_SHIFT;
}

static inline swp_entry_t __swp_entry(unsigned long type, u64 offset)
{
	swp_entry_t e;

	e.val = ((~offset << SWP_OFFSET_SHIFT) >> SWP_TYPE_BITS) |
		((u64)(type & ((1u << SWP_TYPE_BITS) - 1)) << (64 - SWP_TYPE_BITS));
	return e;
}

static inline swp_entry_t __pte_to_swp_entry(pte_t pte)
{
	return (swp_entry_t){pte.pte};
}

static inline pte_t __swp_entry_to_pte(swp_entry_t x)
{
	return __pte(x.val);
}

static inline swp_entry_t __pmd_to_swp_entry(pmd_t pmd)
{
	return (swp_entry_t){pmd.pmd};
}

static inline pmd_t __swp_entry_to_pmd(swp_entry_t x)
{
	return __pmd(x.val);
}

/*
 * pte_to_swp_entry() - include/linux/swapops.h: clear the flag bits, arch-decode, re-encode
 * arch-independent. No none/present check: that is softleaf_from_pte()'s job.
 */
static inline swp_entry_t pte_to_swp_entry(const struct swp_config *c, pte_t pte)
{
	swp_entry_t arch_entry;

	pte = pte_swp_clear_flags(c, pte);
	arch_entry = __pte_to_swp_entry(pte);
	return swp_entry(__swp_type(arch_entry), __swp_offset(arch_entry));
}

/* swp_entry_to_pte() - include/linux/swapops.h: arch-encode, no flag bits. */
static inline pte_t swp_entry_to_pte(swp_entry_t entry)
{
	swp_entry_t arch_entry = __swp_entry(swp_type(entry), swp_offset(entry));

	return __swp_entry_to_pte(arch_entry);
}

/* swp_entry_to_pmd() - include/linux/swapops.h (CONFIG_ARCH_ENABLE_THP_MIGRATION). */
static inline pmd_t swp_entry_to_pmd(swp_entry_t entry)
{
	swp_entry_t arch_entry = __swp_entry(swp_type(entry), swp_offset(entry));

	return __swp_entry_to_pmd(arch_entry);
}

#endif
