/* SPDX-License-Identifier: GPL-2.0 */
/*
 * swp_entry_t and its architecture-independent encoding, the swap type numbers derived
 * from the configuration, PTE markers and the pfn-carrying entries.
 *
 * Models include/linux/swap.h, include/linux/swapops.h and include/linux/mm_types.h as
 * of the leaf-entry series (Lorenzo Stoakes, v3, 10 Nov 2025; merged for v6.19).
 *
 * Deliberate difference, everywhere in this header: the kernel's configuration
 * (CONFIG_MIGRATION, CONFIG_DEVICE_PRIVATE, ...) is compile-time and its type numbers are
 * enum constants; here it is a run-time struct swp_config, passed explicitly, so that one
 * binary can model every configuration (architecture.md: no global state, a context is
 * passed). Functions that do not depend on the configuration keep the kernel's signature.
 */
#ifndef KVMSIM_SWAPOPS_H
#define KVMSIM_SWAPOPS_H

#include "kvmsim/types.h"

/* include/linux/mm_types.h: typedef struct { unsigned long val; } swp_entry_t; */
typedef struct {
	u64 val;
} swp_entry_t;

/* include/linux/mm_types.h (leaf-entry series, transitional): typedef swp_entry_t softleaf_t; */
typedef swp_entry_t softleaf_t;

/* include/linux/swap.h */
#define MAX_SWAPFILES_SHIFT 5
/* include/linux/xarray.h: BITS_PER_XA_VALUE = BITS_PER_LONG - 1 */
#define BITS_PER_XA_VALUE 63
/* include/linux/swapops.h: SWP_TYPE_SHIFT = BITS_PER_XA_VALUE - MAX_SWAPFILES_SHIFT = 58 */
#define SWP_TYPE_SHIFT	(BITS_PER_XA_VALUE - MAX_SWAPFILES_SHIFT)
#define SWP_OFFSET_MASK ((1ull << SWP_TYPE_SHIFT) - 1)

/* x86-64: PAGE_SHIFT 12; MAX_PHYSMEM_BITS = pgtable_l5_enabled() ? 52 : 46 (asm/sparsemem.h) */
#define PAGE_SHIFT 12
#define PAGE_SIZE  (1ull << PAGE_SHIFT)

/* include/linux/swap.h: PTE markers (typedef unsigned long pte_marker) */
typedef u64 pte_marker;
#define PTE_MARKER_UFFD_WP  BIT_ULL(0)
#define PTE_MARKER_POISONED BIT_ULL(1)
#define PTE_MARKER_GUARD    BIT_ULL(2)
#define PTE_MARKER_MASK	    (BIT_ULL(3) - 1)

/*
 * Which generic_max_swapfile_size() to model: the v3 fix (decode manually, 2^50 pages on
 * x86-64) or the v3-draft bug (round trip through softleaf_from_pte(), which sees a none
 * PTE and returns the empty entry: 1 page).
 */
enum max_swapfile_variant {
	MAX_SWAPFILE_FIXED,
	MAX_SWAPFILE_BROKEN,
};

/*
 * The kernel configuration the encoding depends on. Fill the inputs (or take
 * swp_config_default()), then call swp_config_init() to derive the type numbers; every
 * function taking a config expects an initialized one.
 */
struct swp_config {
	/* inputs */
	bool migration;	     /* CONFIG_MIGRATION */
	bool device_private; /* CONFIG_DEVICE_PRIVATE */
	bool memory_failure; /* CONFIG_MEMORY_FAILURE */
	bool mem_soft_dirty; /* CONFIG_MEM_SOFT_DIRTY: _PAGE_SOFT_DIRTY/_PAGE_SWP_SOFT_DIRTY */
	bool uffd_wp;	     /* CONFIG_HAVE_ARCH_USERFAULTFD_WP: _PAGE_UFFD_WP/_PAGE_SWP_UFFD_WP */
	bool thp;	     /* CONFIG_TRANSPARENT_HUGEPAGE */
	bool thp_migration;  /* CONFIG_ARCH_ENABLE_THP_MIGRATION */
	bool zone_device;    /* CONFIG_ZONE_DEVICE (pmd_is_device_private_entry) */
	bool swap;	     /* CONFIG_SWAP (migration_entry_supports_ad() is false without) */
	bool la57;	     /* pgtable_l5_enabled(): MAX_PHYSMEM_BITS 52 instead of 46 */
	bool l1tf; /* X86_BUG_L1TF with the mitigation on: arch_max_swapfile_size clamps */
	unsigned int x86_cache_bits; /* boot_cpu_data.x86_cache_bits, for the L1TF clamp */
	enum max_swapfile_variant max_swapfile;

	/* derived by swp_config_init(), include/linux/swap.h enum numbering */
	unsigned int max_swapfiles;
	unsigned int swp_hwpoison;
	unsigned int swp_migration_read, swp_migration_read_exclusive, swp_migration_write;
	unsigned int swp_device_write, swp_device_read, swp_device_exclusive;
	unsigned int swp_pte_marker;
	unsigned int swp_pfn_bits;
	u64 swp_pfn_mask;
	u64 swapfile_maximum_size;	  /* mm/swapfile.c, from arch_max_swapfile_size() */
	bool swap_migration_ad_supported; /* mm/swapfile.c: swapfile_init() */
};

/* A config with everything on (x86-64, 4-level, no L1TF clamp, the fixed variant), initialized. */
void swp_config_default(struct swp_config *c);
/* Derive the type numbers and limits from the inputs. Returns 0 or -EINVAL. */
int swp_config_init(struct swp_config *c);

/*
 * swp_entry() - include/linux/swapops.h: (type << SWP_TYPE_SHIFT) | (offset & SWP_OFFSET_MASK).
 * The kernel's type is unsigned int; shifting a type >= 64 is UB in C, so it is masked
 * to the 6 bits that fit above bit 58 (the kernel never passes such a type).
 */
static inline swp_entry_t swp_entry(unsigned long type, u64 offset)
{
	swp_entry_t ret;

	ret.val = ((u64)(type & 0x3f) << SWP_TYPE_SHIFT) | (offset & SWP_OFFSET_MASK);
	return ret;
}

/* swp_type() - include/linux/swapops.h: entry.val >> SWP_TYPE_SHIFT (0..63). */
static inline unsigned int swp_type(swp_entry_t entry)
{
	return (unsigned int)(entry.val >> SWP_TYPE_SHIFT);
}

/* swp_offset() - include/linux/swapops.h: entry.val & SWP_OFFSET_MASK. */
static inline u64 swp_offset(swp_entry_t entry)
{
	return entry.val & SWP_OFFSET_MASK;
}

/* include/linux/swapops.h: SWP_MIG_YOUNG_BIT = SWP_PFN_BITS, SWP_MIG_DIRTY_BIT = +1 */
static inline u64 swp_mig_young(const struct swp_config *c)
{
	return BIT_ULL(c->swp_pfn_bits);
}

static inline u64 swp_mig_dirty(const struct swp_config *c)
{
	return BIT_ULL(c->swp_pfn_bits + 1);
}

/* SWP_MIG_TOTAL_BITS = SWP_PFN_BITS + 2 */
static inline unsigned int swp_mig_total_bits(const struct swp_config *c)
{
	return c->swp_pfn_bits + 2;
}

/* migration_entry_supports_ad() - include/linux/swapops.h (false without CONFIG_SWAP). */
static inline bool migration_entry_supports_ad(const struct swp_config *c)
{
	return c->swap && c->swap_migration_ad_supported;
}

/* swp_offset_pfn() - include/linux/swapops.h: swp_offset(entry) & SWP_PFN_MASK. */
static inline u64 swp_offset_pfn(const struct swp_config *c, swp_entry_t entry)
{
	return swp_offset(entry) & c->swp_pfn_mask;
}

/*
 * Entry constructors, include/linux/swapops.h. Where the kernel takes a struct page and
 * BUG()s on an unlocked page, the model takes the pfn. A constructor whose type does not
 * exist in the configuration returns swp_entry(0, 0), as the kernel's stubs do.
 */
swp_entry_t make_readable_migration_entry(const struct swp_config *c, u64 pfn);
swp_entry_t make_readable_exclusive_migration_entry(const struct swp_config *c, u64 pfn);
swp_entry_t make_writable_migration_entry(const struct swp_config *c, u64 pfn);
swp_entry_t make_migration_entry_young(const struct swp_config *c, swp_entry_t entry);
swp_entry_t make_migration_entry_dirty(const struct swp_config *c, swp_entry_t entry);
swp_entry_t make_readable_device_private_entry(const struct swp_config *c, u64 pfn);
swp_entry_t make_writable_device_private_entry(const struct swp_config *c, u64 pfn);
swp_entry_t make_device_exclusive_entry(const struct swp_config *c, u64 pfn);
swp_entry_t make_hwpoison_entry(const struct swp_config *c, u64 pfn);
swp_entry_t make_pte_marker_entry(const struct swp_config *c, pte_marker marker);
swp_entry_t make_poisoned_swp_entry(const struct swp_config *c);
swp_entry_t make_guard_swp_entry(const struct swp_config *c);

/*
 * generic_max_swapfile_size() - mm/swapfile.c, v3 of the series, on x86-64. The config's
 * max_swapfile selects the fixed code or the broken v3 draft (see enum max_swapfile_variant).
 */
u64 generic_max_swapfile_size(const struct swp_config *c);
/* arch_max_swapfile_size() - arch/x86/mm/init.c: the L1TF clamp on top (see the spec's [verify]).
 */
u64 arch_max_swapfile_size(const struct swp_config *c);

#endif
