// SPDX-License-Identifier: GPL-2.0
/*
 * The swap configuration (type numbers of include/linux/swap.h), the entry constructors
 * of include/linux/swapops.h and the maximum swap file size of mm/swapfile.c, as of the
 * leaf-entry series (v3, 10 Nov 2025) on x86-64.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "kvmsim/leafops.h"

/**
 * swp_config_default() - model only: every option on, x86-64 4-level, no L1TF, fixed size
 * @c: the config to fill and initialize
 */
void swp_config_default(struct swp_config *c)
{
	memset(c, 0, sizeof(*c));
	c->migration = true;
	c->device_private = true;
	c->memory_failure = true;
	c->mem_soft_dirty = true;
	c->uffd_wp = true;
	c->thp = true;
	c->thp_migration = true;
	c->zone_device = true;
	c->swap = true;
	c->la57 = false;
	c->l1tf = false;
	c->x86_cache_bits = 46;
	c->max_swapfile = MAX_SWAPFILE_FIXED;
	swp_config_init(c);
}

/**
 * swp_config_init() - derive the type numbers and limits from the options
 * @c: the config; its inputs are read, its derived fields written
 *
 * The numbering of include/linux/swap.h (mainline after the series):
 *   SWP_PTE_MARKER_NUM 1 (unconditional), SWP_DEVICE_NUM 3 (CONFIG_DEVICE_PRIVATE),
 *   SWP_MIGRATION_NUM 3 (CONFIG_MIGRATION), SWP_HWPOISON_NUM 1 (CONFIG_MEMORY_FAILURE);
 *   MAX_SWAPFILES = 32 - DEVICE - MIGRATION - HWPOISON - PTE_MARKER;
 *   SWP_HWPOISON = MAX_SWAPFILES; SWP_MIGRATION_READ = MAX_SWAPFILES + HWPOISON_NUM, then
 *   READ_EXCLUSIVE, WRITE; SWP_DEVICE_WRITE = MAX_SWAPFILES + HWPOISON_NUM + MIGRATION_NUM,
 *   then DEVICE_READ, DEVICE_EXCLUSIVE; SWP_PTE_MARKER = MAX_SWAPFILES + HWPOISON_NUM +
 *   MIGRATION_NUM + DEVICE_NUM (= 31 in every configuration).
 * And the limits: SWP_PFN_BITS = MAX_PHYSMEM_BITS - PAGE_SHIFT (34, or 40 with LA57);
 * swapfile_init(): swap_migration_ad_supported if the max swap file size holds
 * SWP_MIG_TOTAL_BITS (CONFIG_MIGRATION only). Numbers for types the configuration lacks
 * are UINT_MAX; softleaf_type() checks the config's booleans before comparing them.
 *
 * Return: 0, or -EINVAL for an impossible configuration.
 */
int swp_config_init(struct swp_config *c)
{
	unsigned int dev = c->device_private ? 3 : 0;
	unsigned int mig = c->migration ? 3 : 0;
	unsigned int hwp = c->memory_failure ? 1 : 0;
	unsigned int marker = 1;

	if (c->l1tf && (c->x86_cache_bits < PAGE_SHIFT + 1 || c->x86_cache_bits > 52))
		return -EINVAL;
	if (c->thp_migration && !c->thp)
		return -EINVAL;

	c->max_swapfiles = (1u << MAX_SWAPFILES_SHIFT) - dev - mig - hwp - marker;
	c->swp_hwpoison = hwp ? c->max_swapfiles : UINT_MAX;
	c->swp_migration_read = mig ? c->max_swapfiles + hwp : UINT_MAX;
	c->swp_migration_read_exclusive = mig ? c->max_swapfiles + hwp + 1 : UINT_MAX;
	c->swp_migration_write = mig ? c->max_swapfiles + hwp + 2 : UINT_MAX;
	c->swp_device_write = dev ? c->max_swapfiles + hwp + mig : UINT_MAX;
	c->swp_device_read = dev ? c->max_swapfiles + hwp + mig + 1 : UINT_MAX;
	c->swp_device_exclusive = dev ? c->max_swapfiles + hwp + mig + 2 : UINT_MAX;
	c->swp_pte_marker = c->max_swapfiles + hwp + mig + dev;

	c->swp_pfn_bits = (c->la57 ? 52 : 46) - PAGE_SHIFT;
	/* BUILD_BUG_ON(SWP_TYPE_SHIFT < SWP_PFN_BITS) in softleaf_has_pfn() */
	if (SWP_TYPE_SHIFT < c->swp_pfn_bits)
		return -EINVAL;
	c->swp_pfn_mask = BIT_ULL(c->swp_pfn_bits) - 1;

	c->swapfile_maximum_size = arch_max_swapfile_size(c);
	c->swap_migration_ad_supported =
	    c->migration && c->swapfile_maximum_size >= (1ull << swp_mig_total_bits(c));
	return 0;
}

/**
 * make_readable_migration_entry() - swapops.h: swp_entry(SWP_MIGRATION_READ, offset).
 */
swp_entry_t make_readable_migration_entry(const struct swp_config *c, u64 pfn)
{
	if (!c->migration)
		return swp_entry(0, 0);
	return swp_entry(c->swp_migration_read, pfn);
}

/**
 * make_readable_exclusive_migration_entry() - swapops.h
 */
swp_entry_t make_readable_exclusive_migration_entry(const struct swp_config *c, u64 pfn)
{
	if (!c->migration)
		return swp_entry(0, 0);
	return swp_entry(c->swp_migration_read_exclusive, pfn);
}

/**
 * make_writable_migration_entry() - swapops.h
 */
swp_entry_t make_writable_migration_entry(const struct swp_config *c, u64 pfn)
{
	if (!c->migration)
		return swp_entry(0, 0);
	return swp_entry(c->swp_migration_write, pfn);
}

/**
 * make_migration_entry_young() - swapops.h: OR SWP_MIG_YOUNG in, if A/D is supported.
 */
swp_entry_t make_migration_entry_young(const struct swp_config *c, swp_entry_t entry)
{
	if (migration_entry_supports_ad(c))
		return swp_entry(swp_type(entry), swp_offset(entry) | swp_mig_young(c));
	return entry;
}

/**
 * make_migration_entry_dirty() - swapops.h
 */
swp_entry_t make_migration_entry_dirty(const struct swp_config *c, swp_entry_t entry)
{
	if (migration_entry_supports_ad(c))
		return swp_entry(swp_type(entry), swp_offset(entry) | swp_mig_dirty(c));
	return entry;
}

/**
 * make_readable_device_private_entry() - swapops.h: swp_entry(SWP_DEVICE_READ, offset).
 */
swp_entry_t make_readable_device_private_entry(const struct swp_config *c, u64 pfn)
{
	if (!c->device_private)
		return swp_entry(0, 0);
	return swp_entry(c->swp_device_read, pfn);
}

/**
 * make_writable_device_private_entry() - swapops.h
 */
swp_entry_t make_writable_device_private_entry(const struct swp_config *c, u64 pfn)
{
	if (!c->device_private)
		return swp_entry(0, 0);
	return swp_entry(c->swp_device_write, pfn);
}

/**
 * make_device_exclusive_entry() - swapops.h
 */
swp_entry_t make_device_exclusive_entry(const struct swp_config *c, u64 pfn)
{
	if (!c->device_private)
		return swp_entry(0, 0);
	return swp_entry(c->swp_device_exclusive, pfn);
}

/**
 * make_hwpoison_entry() - swapops.h: takes the page's pfn, not a locked struct page.
 */
swp_entry_t make_hwpoison_entry(const struct swp_config *c, u64 pfn)
{
	if (!c->memory_failure)
		return swp_entry(0, 0);
	return swp_entry(c->swp_hwpoison, pfn);
}

/**
 * make_pte_marker_entry() - swapops.h: swp_entry(SWP_PTE_MARKER, marker).
 */
swp_entry_t make_pte_marker_entry(const struct swp_config *c, pte_marker marker)
{
	return swp_entry(c->swp_pte_marker, marker);
}

/**
 * make_poisoned_swp_entry() - swapops.h
 */
swp_entry_t make_poisoned_swp_entry(const struct swp_config *c)
{
	return make_pte_marker_entry(c, PTE_MARKER_POISONED);
}

/**
 * make_guard_swp_entry() - swapops.h
 */
swp_entry_t make_guard_swp_entry(const struct swp_config *c)
{
	return make_pte_marker_entry(c, PTE_MARKER_GUARD);
}

/**
 * generic_max_swapfile_size() - mm/swapfile.c, in the variant c->max_swapfile selects
 * @c: the configuration
 *
 * Fixed (v3): encode swp_entry(0, ~0UL) and decode it by hand with __pte_to_swp_entry(),
 * __swp_type() and __swp_offset(): on x86-64 the PTE is 0 (type 0, offset stored inverted),
 * which is pte_none(), so it must not go through softleaf_from_pte(). __swp_offset(0) =
 * (~0 << 5) >> 14 = 2^50 - 1, so the size is 2^50 pages.
 *
 * Broken (the draft before the fix): swp_offset(softleaf_from_pte(softleaf_to_pte(...))) + 1
 * = swp_offset(none) + 1 = 1.
 *
 * Return: the maximum swap file size in pages.
 */
u64 generic_max_swapfile_size(const struct swp_config *c)
{
	swp_entry_t entry = swp_entry(0, ~0ull);
	const pte_t pte = softleaf_to_pte(entry);

	if (c->max_swapfile == MAX_SWAPFILE_BROKEN)
		return swp_offset(softleaf_from_pte(c, pte)) + 1;

	/* Since the PTE can be an invalid softleaf entry (e.g. the none PTE), do it by hand. */
	entry = __pte_to_swp_entry(pte);
	entry = swp_entry(__swp_type(entry), __swp_offset(entry));
	return swp_offset(entry) + 1;
}

/**
 * arch_max_swapfile_size() - arch/x86/mm/init.c: with X86_BUG_L1TF and the mitigation on,
 * clamp to l1tf_pfn_limit() = BIT(x86_cache_bits - 1 - PAGE_SHIFT), shifted left by
 * PAGE_SHIFT - SWP_OFFSET_FIRST_BIT because the offset starts 3 bits below the PFN.
 * (The spec marks this [verify]; the model follows the v6.18 source as remembered.)
 */
u64 arch_max_swapfile_size(const struct swp_config *c)
{
	u64 pages = generic_max_swapfile_size(c);

	if (c->l1tf) {
		u64 l1tf_limit = BIT_ULL(c->x86_cache_bits - 1 - PAGE_SHIFT);

		l1tf_limit <<= PAGE_SHIFT - SWP_OFFSET_FIRST_BIT;
		pages = min(l1tf_limit, pages);
	}
	return pages;
}
