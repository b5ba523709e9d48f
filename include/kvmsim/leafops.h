/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Software leaf entries (softleaf_t): one type for every non-present leaf page-table entry
 * (none, swap, migration, device-private/exclusive, hwpoison, markers), with predicates.
 *
 * Models include/linux/leafops.h as merged from Lorenzo Stoakes' series "mm: remove
 * is_swap_[pte, pmd]() + non-swap entries, introduce leaf entries" (v3, 10 Nov 2025), and
 * pmd_is_huge() from include/linux/huge_mm.h (patch 11). The kernel's functions are static
 * inlines over compile-time constants; here those that depend on the configuration take a
 * struct swp_config (see swapops.h). Where the kernel VM_WARN_ON_ONCE()s, the model
 * returns the same value silently; softleaf_type_valid() tells whether softleaf_type()
 * would have warned. softleaf_to_page()/softleaf_to_folio() need a memory map and live
 * with the page-table model (pagemap.h).
 */
#ifndef KVMSIM_LEAFOPS_H
#define KVMSIM_LEAFOPS_H

#include "kvmsim/pgtable.h"

/* LEAF_TYPE_SHIFT - leafops.h: SWP_TYPE_SHIFT (temporary, while softleaf_t == swp_entry_t) */
#define LEAF_TYPE_SHIFT SWP_TYPE_SHIFT

/* enum softleaf_type - leafops.h, in the kernel's order */
enum softleaf_type {
	SOFTLEAF_NONE,
	SOFTLEAF_SWAP,
	SOFTLEAF_MIGRATION_READ,
	SOFTLEAF_MIGRATION_READ_EXCLUSIVE,
	SOFTLEAF_MIGRATION_WRITE,
	SOFTLEAF_DEVICE_PRIVATE_READ,
	SOFTLEAF_DEVICE_PRIVATE_WRITE,
	SOFTLEAF_DEVICE_EXCLUSIVE,
	SOFTLEAF_HWPOISON,
	SOFTLEAF_MARKER,
	NR_SOFTLEAF_TYPES, /* model only */
};

/* Model helper: "none", "swap", "migration_read", ... (the enum name, lower case, no prefix). */
const char *softleaf_type_name(enum softleaf_type type);

/* softleaf_mk_none() - leafops.h: the empty entry, value 0. */
static inline softleaf_t softleaf_mk_none(void)
{
	return (softleaf_t){0};
}

/* softleaf_is_none() - leafops.h: entry.val == 0 (so swap type 0 offset 0 is none, too). */
static inline bool softleaf_is_none(softleaf_t entry)
{
	return entry.val == 0;
}

/*
 * softleaf_from_pte() - leafops.h (v3): a present or none PTE gives the empty entry;
 * otherwise pte_to_swp_entry(). v2 checked only pte_present(); v3 added pte_none().
 */
static inline softleaf_t softleaf_from_pte(const struct swp_config *c, pte_t pte)
{
	if (pte_present(pte) || pte_none(pte))
		return softleaf_mk_none();
	return pte_to_swp_entry(c, pte);
}

/*
 * softleaf_from_pte_v2() - model only: softleaf_from_pte() as v2 of the series (8 Nov 2025)
 * had it, checking only pte_present() (spec: leafops.md, v3 changelog). On x86-64 a none
 * PTE (0) then decodes to swap type 0, offset __swp_offset(0) = 2^50 - 1: a swap entry.
 * v3's pte_none() check fixes that and is what breaks the old generic_max_swapfile_size().
 */
static inline softleaf_t softleaf_from_pte_v2(const struct swp_config *c, pte_t pte)
{
	if (pte_present(pte))
		return softleaf_mk_none();
	return pte_to_swp_entry(c, pte);
}

/* softleaf_to_pte() - leafops.h: swp_entry_to_pte(), arch encoding without flag bits. */
static inline pte_t softleaf_to_pte(softleaf_t entry)
{
	return swp_entry_to_pte(entry);
}

/*
 * softleaf_from_pmd() - leafops.h (v3, "corrected for the none case like the PTE case"):
 * always none without CONFIG_ARCH_ENABLE_THP_MIGRATION; present or none gives none;
 * otherwise clear the swap soft-dirty and uffd-wp bits (not exclusive) and decode.
 */
static inline softleaf_t softleaf_from_pmd(const struct swp_config *c, pmd_t pmd)
{
	swp_entry_t arch_entry;

	if (!c->thp_migration)
		return softleaf_mk_none();
	if (pmd_present(pmd) || pmd_none(pmd))
		return softleaf_mk_none();
	pmd = __pmd(pmd.pmd & ~(_PAGE_SWP_SOFT_DIRTY(c) | _PAGE_SWP_UFFD_WP(c)));
	arch_entry = __pmd_to_swp_entry(pmd);
	return swp_entry(__swp_type(arch_entry), __swp_offset(arch_entry));
}

/* softleaf_to_pmd() - leafops.h: swp_entry_to_pmd(). */
static inline pmd_t softleaf_to_pmd(softleaf_t entry)
{
	return swp_entry_to_pmd(entry);
}

/*
 * softleaf_type() - leafops.h: none for val 0; type numbers below MAX_SWAPFILES are swap;
 * the others by the configuration's numbering; anything else (a type the configuration
 * does not have, or >= 32, which no PTE can hold) WARNs in the kernel and is none.
 */
static inline enum softleaf_type softleaf_type(const struct swp_config *c, softleaf_t entry)
{
	unsigned int type_num;

	if (softleaf_is_none(entry))
		return SOFTLEAF_NONE;
	type_num = (unsigned int)(entry.val >> LEAF_TYPE_SHIFT);
	if (type_num < c->max_swapfiles)
		return SOFTLEAF_SWAP;
	if (c->migration) {
		if (type_num == c->swp_migration_read)
			return SOFTLEAF_MIGRATION_READ;
		if (type_num == c->swp_migration_read_exclusive)
			return SOFTLEAF_MIGRATION_READ_EXCLUSIVE;
		if (type_num == c->swp_migration_write)
			return SOFTLEAF_MIGRATION_WRITE;
	}
	if (c->device_private) {
		if (type_num == c->swp_device_write)
			return SOFTLEAF_DEVICE_PRIVATE_WRITE;
		if (type_num == c->swp_device_read)
			return SOFTLEAF_DEVICE_PRIVATE_READ;
		if (type_num == c->swp_device_exclusive)
			return SOFTLEAF_DEVICE_EXCLUSIVE;
	}
	if (c->memory_failure && type_num == c->swp_hwpoison)
		return SOFTLEAF_HWPOISON;
	if (type_num == c->swp_pte_marker)
		return SOFTLEAF_MARKER;
	/* VM_WARN_ON_ONCE(1) in the kernel */
	return SOFTLEAF_NONE;
}

/* Model only: false where softleaf_type() would VM_WARN_ON_ONCE (an unknown type number). */
static inline bool softleaf_type_valid(const struct swp_config *c, softleaf_t entry)
{
	return softleaf_is_none(entry) || softleaf_type(c, entry) != SOFTLEAF_NONE;
}

/* The predicates, leafops.h: all through softleaf_type(). */
static inline bool softleaf_is_swap(const struct swp_config *c, softleaf_t entry)
{
	return softleaf_type(c, entry) == SOFTLEAF_SWAP;
}

static inline bool softleaf_is_migration_write(const struct swp_config *c, softleaf_t entry)
{
	return softleaf_type(c, entry) == SOFTLEAF_MIGRATION_WRITE;
}

static inline bool softleaf_is_migration_read(const struct swp_config *c, softleaf_t entry)
{
	return softleaf_type(c, entry) == SOFTLEAF_MIGRATION_READ;
}

static inline bool softleaf_is_migration_read_exclusive(const struct swp_config *c,
							softleaf_t entry)
{
	return softleaf_type(c, entry) == SOFTLEAF_MIGRATION_READ_EXCLUSIVE;
}

static inline bool softleaf_is_migration(const struct swp_config *c, softleaf_t entry)
{
	switch (softleaf_type(c, entry)) {
	case SOFTLEAF_MIGRATION_READ:
	case SOFTLEAF_MIGRATION_READ_EXCLUSIVE:
	case SOFTLEAF_MIGRATION_WRITE:
		return true;
	default:
		return false;
	}
}

static inline bool softleaf_is_device_private_write(const struct swp_config *c, softleaf_t entry)
{
	return softleaf_type(c, entry) == SOFTLEAF_DEVICE_PRIVATE_WRITE;
}

static inline bool softleaf_is_device_private(const struct swp_config *c, softleaf_t entry)
{
	switch (softleaf_type(c, entry)) {
	case SOFTLEAF_DEVICE_PRIVATE_WRITE:
	case SOFTLEAF_DEVICE_PRIVATE_READ:
		return true;
	default:
		return false;
	}
}

static inline bool softleaf_is_device_exclusive(const struct swp_config *c, softleaf_t entry)
{
	return softleaf_type(c, entry) == SOFTLEAF_DEVICE_EXCLUSIVE;
}

static inline bool softleaf_is_hwpoison(const struct swp_config *c, softleaf_t entry)
{
	return softleaf_type(c, entry) == SOFTLEAF_HWPOISON;
}

static inline bool softleaf_is_marker(const struct swp_config *c, softleaf_t entry)
{
	return softleaf_type(c, entry) == SOFTLEAF_MARKER;
}

/* softleaf_to_marker() - leafops.h: WARNs if not a marker; swp_offset() & PTE_MARKER_MASK. */
static inline pte_marker softleaf_to_marker(const struct swp_config *c, softleaf_t entry)
{
	return swp_offset(entry) & PTE_MARKER_MASK;
}

/* softleaf_has_pfn() - leafops.h: migration, device-private, device-exclusive, hwpoison. */
static inline bool softleaf_has_pfn(const struct swp_config *c, softleaf_t entry)
{
	/* the kernel's BUILD_BUG_ON(SWP_TYPE_SHIFT < SWP_PFN_BITS) holds: swp_config_init */
	if (softleaf_is_migration(c, entry))
		return true;
	if (softleaf_is_device_private(c, entry))
		return true;
	if (softleaf_is_device_exclusive(c, entry))
		return true;
	if (softleaf_is_hwpoison(c, entry))
		return true;
	return false;
}

/* softleaf_to_pfn() - leafops.h: WARNs if !has_pfn; swp_offset() & SWP_PFN_MASK. */
static inline u64 softleaf_to_pfn(const struct swp_config *c, softleaf_t entry)
{
	return swp_offset(entry) & c->swp_pfn_mask;
}

/* The marker predicates, leafops.h */
static inline bool softleaf_is_poison_marker(const struct swp_config *c, softleaf_t entry)
{
	if (!softleaf_is_marker(c, entry))
		return false;
	return softleaf_to_marker(c, entry) & PTE_MARKER_POISONED;
}

static inline bool softleaf_is_guard_marker(const struct swp_config *c, softleaf_t entry)
{
	if (!softleaf_is_marker(c, entry))
		return false;
	return softleaf_to_marker(c, entry) & PTE_MARKER_GUARD;
}

static inline bool softleaf_is_uffd_wp_marker(const struct swp_config *c, softleaf_t entry)
{
	if (!softleaf_is_marker(c, entry))
		return false;
	return softleaf_to_marker(c, entry) & PTE_MARKER_UFFD_WP;
}

/*
 * softleaf_is_migration_young() / _dirty() - leafops.h: WARN if not migration; the A/D bits
 * above the PFN when migration_entry_supports_ad(), else false; false without CONFIG_MIGRATION.
 */
static inline bool softleaf_is_migration_young(const struct swp_config *c, softleaf_t entry)
{
	if (!c->migration)
		return false;
	if (migration_entry_supports_ad(c))
		return swp_offset(entry) & swp_mig_young(c);
	return false;
}

static inline bool softleaf_is_migration_dirty(const struct swp_config *c, softleaf_t entry)
{
	if (!c->migration)
		return false;
	if (migration_entry_supports_ad(c))
		return swp_offset(entry) & swp_mig_dirty(c);
	return false;
}

/* PTE helpers, leafops.h */
static inline bool pte_is_marker(const struct swp_config *c, pte_t pte)
{
	return softleaf_is_marker(c, softleaf_from_pte(c, pte));
}

static inline bool pte_is_uffd_wp_marker(const struct swp_config *c, pte_t pte)
{
	return softleaf_is_uffd_wp_marker(c, softleaf_from_pte(c, pte));
}

/*
 * pte_is_uffd_marker() - leafops.h (patch 01's is_uffd_pte_marker()): a uffd-wp or poison
 * marker; guard markers are not userfaultfd's business.
 */
static inline bool pte_is_uffd_marker(const struct swp_config *c, pte_t pte)
{
	const softleaf_t entry = softleaf_from_pte(c, pte);

	if (!softleaf_is_marker(c, entry))
		return false;
	if (softleaf_is_uffd_wp_marker(c, entry))
		return true;
	if (softleaf_is_poison_marker(c, entry))
		return true;
	return false;
}

/* PMD helpers, leafops.h */
static inline bool pmd_is_device_private_entry(const struct swp_config *c, pmd_t pmd)
{
	if (!c->zone_device || !c->thp_migration)
		return false;
	return softleaf_is_device_private(c, softleaf_from_pmd(c, pmd));
}

static inline bool pmd_is_migration_entry(const struct swp_config *c, pmd_t pmd)
{
	return softleaf_is_migration(c, softleaf_from_pmd(c, pmd));
}

/* pmd_is_valid_softleaf() - leafops.h: only device-private and migration PMDs exist. */
static inline bool pmd_is_valid_softleaf(const struct swp_config *c, pmd_t pmd)
{
	if (pmd_is_device_private_entry(c, pmd))
		return true;
	if (pmd_is_migration_entry(c, pmd))
		return true;
	return false;
}

/*
 * pmd_is_huge() - include/linux/huge_mm.h (patch 11): present → pmd_trans_huge(); a
 * non-present, non-none PMD must be a huge leaf entry; false without THP.
 */
static inline bool pmd_is_huge(const struct swp_config *c, pmd_t pmd)
{
	if (!c->thp)
		return false;
	if (pmd_present(pmd))
		return pmd_trans_huge(pmd);
	else if (!pmd_none(pmd))
		return true;
	return false;
}

#endif
