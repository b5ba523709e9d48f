// SPDX-License-Identifier: GPL-2.0
/*
 * Properties of the software leaf entry encoding (include/kvmsim/swapops.h, pgtable.h,
 * leafops.h): type numbering per configuration, round trips through the x86-64 PTE and
 * PMD encodings at edge offsets and PFNs, predicate truth tables and their mutual
 * exclusion, markers, migration A/D bits, and generic_max_swapfile_size() in both variants.
 * Random inputs come from a fixed-seed splitmix64, so every run checks the same values.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kvmsim/leafinfo.h"

#define OFF50 ((1ull << 50) - 1) /* the largest offset the x86-64 PTE holds (bits 9-58) */

static u64 rng = 0x243f6a8885a308d3ull;

static u64 rnd(void)
{
	u64 z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A config from a 3-bit mask: bit 0 CONFIG_MIGRATION, 1 CONFIG_DEVICE_PRIVATE, 2 MEMORY_FAILURE */
static void cfg_from_mask(struct swp_config *c, unsigned int mask)
{
	swp_config_default(c);
	c->migration = mask & 1;
	c->device_private = mask & 2;
	c->memory_failure = mask & 4;
	assert_int_equal(swp_config_init(c), 0);
}

/*
 * Everything on (spec §swap.h): MAX_SWAPFILES = 32 - 3 - 3 - 1 - 1 = 24; HWPOISON 24;
 * MIGRATION_READ 25, READ_EXCLUSIVE 26, WRITE 27; DEVICE_WRITE 28, READ 29, EXCLUSIVE 30;
 * PTE_MARKER 31. This machine's kernel (6.18, MIGRATION=y, DEVICE_PRIVATE=n,
 * MEMORY_FAILURE=n): 32 - 3 - 1 = 28 swap files, migration 28..30, marker 31.
 */
static void test_type_numbers_known(void **state)
{
	struct swp_config c;

	cfg_from_mask(&c, 7);
	assert_int_equal(c.max_swapfiles, 24);
	assert_int_equal(c.swp_hwpoison, 24);
	assert_int_equal(c.swp_migration_read, 25);
	assert_int_equal(c.swp_migration_read_exclusive, 26);
	assert_int_equal(c.swp_migration_write, 27);
	assert_int_equal(c.swp_device_write, 28);
	assert_int_equal(c.swp_device_read, 29);
	assert_int_equal(c.swp_device_exclusive, 30);
	assert_int_equal(c.swp_pte_marker, 31);
	/* SWP_PFN_BITS = 46 - 12 = 34 (4-level); 52 - 12 = 40 with LA57 */
	assert_int_equal(c.swp_pfn_bits, 34);
	c.la57 = true;
	swp_config_init(&c);
	assert_int_equal(c.swp_pfn_bits, 40);

	cfg_from_mask(&c, 1);
	assert_int_equal(c.max_swapfiles, 28);
	assert_int_equal(c.swp_migration_read, 28);
	assert_int_equal(c.swp_migration_write, 30);
	assert_int_equal(c.swp_pte_marker, 31);

	cfg_from_mask(&c, 0); /* only the marker: 31 swap files */
	assert_int_equal(c.max_swapfiles, 31);
	assert_int_equal(c.swp_pte_marker, 31);
}

/*
 * For every configuration: MAX_SWAPFILES = 32 - 3m - 3d - h - 1, and the 32 type numbers
 * 0..31 are each claimed by exactly one softleaf type (swap below MAX_SWAPFILES, the
 * enabled special types above, the marker at 31): the numbering is dense and injective.
 */
static void test_type_numbers_dense(void **state)
{
	for (unsigned int mask = 0; mask < 8; mask++) {
		struct swp_config c;
		unsigned int seen[NR_SOFTLEAF_TYPES] = {0};

		cfg_from_mask(&c, mask);
		assert_int_equal(c.max_swapfiles,
				 32 - 3 * (mask & 1) - 3 * !!(mask & 2) - !!(mask & 4) - 1);
		for (unsigned int t = 0; t < 32; t++) {
			softleaf_t e = swp_entry(t, 1);
			enum softleaf_type ty = softleaf_type(&c, e);

			assert_true(softleaf_type_valid(&c, e));
			assert_int_not_equal(ty, SOFTLEAF_NONE);
			if (t < c.max_swapfiles)
				assert_int_equal(ty, SOFTLEAF_SWAP);
			else
				seen[ty]++;
		}
		assert_int_equal(seen[SOFTLEAF_MARKER], 1);
		assert_int_equal(seen[SOFTLEAF_MIGRATION_READ], mask & 1);
		assert_int_equal(seen[SOFTLEAF_MIGRATION_READ_EXCLUSIVE], mask & 1);
		assert_int_equal(seen[SOFTLEAF_MIGRATION_WRITE], mask & 1);
		assert_int_equal(seen[SOFTLEAF_DEVICE_PRIVATE_READ], !!(mask & 2));
		assert_int_equal(seen[SOFTLEAF_DEVICE_PRIVATE_WRITE], !!(mask & 2));
		assert_int_equal(seen[SOFTLEAF_DEVICE_EXCLUSIVE], !!(mask & 2));
		assert_int_equal(seen[SOFTLEAF_HWPOISON], !!(mask & 4));
		/* types 32..63 fit swp_entry_t (6 bits above bit 58) but no softleaf: WARN, none */
		for (unsigned int t = 32; t < 64; t++) {
			assert_int_equal(softleaf_type(&c, swp_entry(t, 5)), SOFTLEAF_NONE);
			assert_false(softleaf_type_valid(&c, swp_entry(t, 5)));
		}
	}
}

/* swp_entry(): type above bit 58, offset masked to 58 bits (swapops.h) */
static void test_swp_entry_fields(void **state)
{
	for (int i = 0; i < 10000; i++) {
		unsigned int t = rnd() % 64;
		u64 off = rnd();
		swp_entry_t e = swp_entry(t, off);

		assert_int_equal(swp_type(e), t);
		assert_true(swp_offset(e) == (off & SWP_OFFSET_MASK));
		assert_true(e.val == ((u64)t << 58 | (off & ((1ull << 58) - 1))));
	}
	/* val 0 (type 0, offset 0) is the empty softleaf, not a swap entry */
	assert_true(softleaf_is_none(swp_entry(0, 0)));
	assert_true(softleaf_is_none(softleaf_mk_none()));
}

/*
 * The x86-64 layout (pgtable_64.h): type in bits 59-63, ~offset in bits 9-58, bits 0-8 zero
 * (so P, PSE and PROTNONE are clear: not present for both pte_present and pmd_present).
 */
static void test_x86_layout(void **state)
{
	for (int i = 0; i < 20000; i++) {
		unsigned int t = rnd() % 32;
		u64 off = rnd() & OFF50;
		u64 v = __swp_entry(t, off).val;

		assert_int_equal(v >> 59, t);
		assert_true(((v >> 9) & OFF50) == (~off & OFF50));
		assert_true((v & 0x1ff) == 0);
		assert_int_equal(__swp_type((swp_entry_t){v}), t);
		assert_true(__swp_offset((swp_entry_t){v}) == off);
		/* offsets past 50 bits lose their high bits: decode gives off mod 2^50 */
		assert_true(__swp_offset(__swp_entry(t, off | (rnd() << 50))) == off);
	}
	/* spec example: __swp_offset(0) = (~0 << 5) >> 14 = 2^50 - 1 */
	assert_true(__swp_offset((swp_entry_t){0}) == OFF50);
	/* swp_entry(1, 1): type 1 at bit 59, ~1 in bits 9-58: 0x0800000000000000 |
	 * 0x07fffffffffffc00 */
	assert_true(pte_val(swp_entry_to_pte(swp_entry(1, 1))) == 0x0ffffffffffffc00ull);
}

static u64 edge_offset(const struct swp_config *c, int k)
{
	static const u64 edges[] = {0, 1, 2, 0x1ff, 0x200, OFF50 - 1, OFF50};

	if (k < (int)ARRAY_SIZE(edges))
		return edges[k];
	switch (k - ARRAY_SIZE(edges)) {
	case 0:
		return c->swp_pfn_mask; /* the largest PFN */
	case 1:
		return c->swp_pfn_mask + 1;
	case 2:
		return c->swp_pfn_mask | swp_mig_young(c) | swp_mig_dirty(c);
	default:
		return rnd() & OFF50;
	}
}

/*
 * Round trip for every type number of every configuration at the edge offsets, through
 * the PTE and the PMD: softleaf_from_pte(softleaf_to_pte(e)) == e for offsets < 2^50,
 * except the one entry whose PTE is 0 (type 0, offset 2^50 - 1: the inverted offset is all
 * zeros), which is pte_none() and so comes back as the empty softleaf. Setting any of the
 * swap flag bits (exclusive, soft-dirty, uffd-wp) or the erratum A/D bits does not change
 * the decoded entry, and the flags read back.
 */
static void test_round_trip(void **state)
{
	for (unsigned int mask = 0; mask < 8; mask++) {
		struct swp_config c;

		cfg_from_mask(&c, mask);
		for (unsigned int t = 0; t < 32; t++) {
			for (int k = 0; k < 40; k++) {
				u64 off = edge_offset(&c, k);
				softleaf_t e = swp_entry(t, off), back;
				pte_t pte = softleaf_to_pte(e);
				pmd_t pmd = softleaf_to_pmd(e);
				bool zero = t == 0 && off == OFF50;

				assert_true(pte_val(pte) == pmd_val(pmd));
				assert_false(pte_present(pte));
				assert_false(pmd_present(pmd));
				assert_int_equal(pte_none(pte), zero);
				assert_int_equal(pmd_none(pmd), zero);
				back = softleaf_from_pte(&c, pte);
				assert_true(back.val == (zero ? 0 : e.val));
				back = softleaf_from_pmd(&c, pmd);
				assert_true(back.val == (zero ? 0 : e.val));
				if (zero)
					continue;
				for (u64 fl = 0; fl < 64; fl++) {
					/* bits 1 SD, 2 uffd-wp, 3 exclusive, 4 unused, 5 A, 6 D */
					pte_t p2 = __pte(pte_val(pte) | fl << 1);
					pmd_t m2 = __pmd(pmd_val(pmd) | fl << 1);

					assert_true(softleaf_from_pte(&c, p2).val == e.val);
					assert_true(softleaf_from_pmd(&c, m2).val == e.val);
					assert_int_equal(pte_swp_soft_dirty(&c, p2), fl & 1);
					assert_int_equal(pte_swp_uffd_wp(&c, p2), !!(fl & 2));
					assert_int_equal(pte_swp_exclusive(p2), !!(fl & 4));
					assert_int_equal(pmd_swp_soft_dirty(&c, m2), fl & 1);
					assert_int_equal(pmd_swp_uffd_wp(&c, m2), !!(fl & 2));
				}
			}
		}
	}
}

/* Offsets above 50 bits do not survive the PTE: the decoded offset is the low 50 bits. */
static void test_round_trip_truncation(void **state)
{
	struct swp_config c;

	swp_config_default(&c);
	for (int i = 0; i < 10000; i++) {
		unsigned int t = 1 + rnd() % 31;
		u64 off = rnd() & SWP_OFFSET_MASK;
		softleaf_t back = softleaf_from_pte(&c, softleaf_to_pte(swp_entry(t, off)));

		assert_int_equal(swp_type(back), t);
		assert_true(swp_offset(back) == (off & OFF50));
	}
}

/*
 * Random raw PTE values: pte_present and pte_none are exclusive; softleaf_from_pte is
 * non-empty exactly for the non-present, non-none values, except those that decode to
 * type 0 offset 0 (bits 59-63 zero and bits 9-58 all ones, whatever bits 0-8 hold).
 */
static void test_random_ptes(void **state)
{
	struct swp_config c;

	swp_config_default(&c);
	for (int i = 0; i < 200000; i++) {
		u64 v = rnd();
		pte_t pte;
		softleaf_t e;
		bool decodes_zero;

		switch (i % 4) {
		case 1:
			v &= ~(_PAGE_PRESENT | _PAGE_PROTNONE);
			break;
		case 2:
			v &= _PAGE_KNL_ERRATUM_MASK | (rnd() & 0x1ff);
			break;
		case 3:
			v = (v & 0x1fe) | (OFF50 << 9);
			break;
		}
		pte = __pte(v);
		e = softleaf_from_pte(&c, pte);
		decodes_zero = (v >> 59) == 0 && ((v >> 9) & OFF50) == OFF50;
		assert_false(pte_present(pte) && pte_none(pte));
		if (pte_present(pte) || pte_none(pte))
			assert_true(softleaf_is_none(e));
		else
			assert_int_equal(softleaf_is_none(e), decodes_zero);
		/* every softleaf that comes from a PTE has a known type number (< 32) */
		assert_true(softleaf_type_valid(&c, e));
	}
}

/*
 * The predicates over random entries of every configuration: the single-type predicates
 * are mutually exclusive and one is true exactly when softleaf_type() is not NONE; the
 * group predicates are the ORs leafops.h defines; has_pfn is migration || device-private
 * || device-exclusive || hwpoison; marker predicates imply softleaf_is_marker().
 */
static void test_predicates_exclusive(void **state)
{
	for (unsigned int mask = 0; mask < 8; mask++) {
		struct swp_config c;

		cfg_from_mask(&c, mask);
		for (int i = 0; i < 40000; i++) {
			softleaf_t e = {i % 5 ? swp_entry(rnd() % 32, rnd()).val : rnd()};
			bool p[] = {
			    softleaf_is_swap(&c, e),
			    softleaf_is_migration_read(&c, e),
			    softleaf_is_migration_read_exclusive(&c, e),
			    softleaf_is_migration_write(&c, e),
			    softleaf_type(&c, e) == SOFTLEAF_DEVICE_PRIVATE_READ,
			    softleaf_is_device_private_write(&c, e),
			    softleaf_is_device_exclusive(&c, e),
			    softleaf_is_hwpoison(&c, e),
			    softleaf_is_marker(&c, e),
			};
			int n = 0;

			for (unsigned int k = 0; k < ARRAY_SIZE(p); k++)
				n += p[k];
			assert_int_equal(n, softleaf_type(&c, e) != SOFTLEAF_NONE);
			assert_int_equal(softleaf_is_migration(&c, e), p[1] || p[2] || p[3]);
			assert_int_equal(softleaf_is_device_private(&c, e), p[4] || p[5]);
			assert_int_equal(softleaf_has_pfn(&c, e),
					 p[1] || p[2] || p[3] || p[4] || p[5] || p[6] || p[7]);
			if (softleaf_is_guard_marker(&c, e) || softleaf_is_poison_marker(&c, e) ||
			    softleaf_is_uffd_wp_marker(&c, e))
				assert_true(p[8]);
			if (softleaf_has_pfn(&c, e))
				assert_true(softleaf_to_pfn(&c, e) ==
					    (swp_offset(e) & c.swp_pfn_mask));
			/* disabled options never classify */
			if (!(mask & 1))
				assert_false(softleaf_is_migration(&c, e));
			if (!(mask & 2))
				assert_false(softleaf_is_device_private(&c, e) ||
					     softleaf_is_device_exclusive(&c, e));
			if (!(mask & 4))
				assert_false(softleaf_is_hwpoison(&c, e));
		}
	}
}

/*
 * The constructors: each makes an entry of its type, whose PFN is the one given (masked
 * to SWP_PFN_BITS), that survives the PTE; with the option off the kernel's stubs return
 * swp_entry(0, 0), which is none.
 */
static void test_constructors(void **state)
{
	for (unsigned int mask = 0; mask < 8; mask++) {
		struct swp_config c;
		static const u64 pfns[] = {0, 1, 0x12345, (1ull << 34) - 1};

		cfg_from_mask(&c, mask);
		for (unsigned int k = 0; k < ARRAY_SIZE(pfns); k++) {
			struct {
				softleaf_t e;
				enum softleaf_type want;
				bool on;
			} cases[] = {
			    {make_readable_migration_entry(&c, pfns[k]), SOFTLEAF_MIGRATION_READ,
			     mask & 1},
			    {make_readable_exclusive_migration_entry(&c, pfns[k]),
			     SOFTLEAF_MIGRATION_READ_EXCLUSIVE, mask & 1},
			    {make_writable_migration_entry(&c, pfns[k]), SOFTLEAF_MIGRATION_WRITE,
			     mask & 1},
			    {make_readable_device_private_entry(&c, pfns[k]),
			     SOFTLEAF_DEVICE_PRIVATE_READ, mask & 2},
			    {make_writable_device_private_entry(&c, pfns[k]),
			     SOFTLEAF_DEVICE_PRIVATE_WRITE, mask & 2},
			    {make_device_exclusive_entry(&c, pfns[k]), SOFTLEAF_DEVICE_EXCLUSIVE,
			     mask & 2},
			    {make_hwpoison_entry(&c, pfns[k]), SOFTLEAF_HWPOISON, mask & 4},
			};

			for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
				softleaf_t e = cases[i].e, back;

				if (!cases[i].on) {
					assert_true(e.val == 0);
					continue;
				}
				assert_int_equal(softleaf_type(&c, e), cases[i].want);
				assert_true(softleaf_has_pfn(&c, e));
				assert_true(softleaf_to_pfn(&c, e) == pfns[k]);
				back = softleaf_from_pte(&c, softleaf_to_pte(e));
				assert_true(back.val == e.val);
				assert_true(softleaf_to_pfn(&c, back) == pfns[k]);
			}
		}
	}
}

/*
 * Markers: make_pte_marker_entry(m) for all 8 combinations of UFFD_WP (1), POISONED (2) and
 * GUARD (4). softleaf_to_marker gives m back; each marker predicate tests its bit;
 * pte_is_uffd_marker is true iff UFFD_WP or POISONED is set (guard alone: false; the
 * empty marker 0: false). pte_is_marker is true for all of them, and none has a PFN.
 */
static void test_markers(void **state)
{
	struct swp_config c;

	swp_config_default(&c);
	for (pte_marker m = 0; m < 8; m++) {
		softleaf_t e = make_pte_marker_entry(&c, m);
		pte_t pte = softleaf_to_pte(e);

		assert_int_equal(swp_type(e), 31);
		assert_true(softleaf_is_marker(&c, e));
		assert_false(softleaf_has_pfn(&c, e));
		assert_int_equal(softleaf_to_marker(&c, e), m);
		assert_int_equal(softleaf_is_uffd_wp_marker(&c, e), !!(m & PTE_MARKER_UFFD_WP));
		assert_int_equal(softleaf_is_poison_marker(&c, e), !!(m & PTE_MARKER_POISONED));
		assert_int_equal(softleaf_is_guard_marker(&c, e), !!(m & PTE_MARKER_GUARD));
		assert_true(pte_is_marker(&c, pte));
		assert_int_equal(pte_is_uffd_wp_marker(&c, pte), !!(m & PTE_MARKER_UFFD_WP));
		assert_int_equal(pte_is_uffd_marker(&c, pte), !!(m & 3));
	}
	assert_true(softleaf_to_marker(&c, make_poisoned_swp_entry(&c)) == PTE_MARKER_POISONED);
	assert_true(softleaf_to_marker(&c, make_guard_swp_entry(&c)) == PTE_MARKER_GUARD);
	/* bits above PTE_MARKER_MASK are not marker bits */
	assert_int_equal(softleaf_to_marker(&c, swp_entry(31, 0xf8 | PTE_MARKER_GUARD)),
			 PTE_MARKER_GUARD);
	/* a swap entry is not a marker, and so not a uffd marker */
	assert_false(pte_is_uffd_marker(&c, softleaf_to_pte(swp_entry(3, PTE_MARKER_UFFD_WP))));
	/* nor is a present or none PTE */
	assert_false(pte_is_marker(&c, __pte(0)));
	assert_false(pte_is_marker(
	    &c, __pte(pte_val(softleaf_to_pte(make_guard_swp_entry(&c))) | _PAGE_PRESENT)));
}

/*
 * Migration A/D (swapops.h): the offset is | D (bit 35) | A (bit 34) | PFN (0-33) | with
 * SWP_PFN_BITS 34. With the fixed max swap size (2^50 >= 2^36) A/D is supported: young
 * and dirty set those bits and leave the PFN alone. With the broken size (1 page) it is
 * not: make_migration_entry_young() returns the entry unchanged and the getters say false.
 */
static void test_migration_ad(void **state)
{
	struct swp_config c;
	softleaf_t e, y, d;

	swp_config_default(&c);
	assert_true(c.swap_migration_ad_supported);
	e = make_writable_migration_entry(&c, 0x3ffffffffull);
	y = make_migration_entry_young(&c, e);
	d = make_migration_entry_dirty(&c, y);
	assert_true(swp_offset(y) == (0x3ffffffffull | 1ull << 34));
	assert_true(swp_offset(d) == (0x3ffffffffull | 3ull << 34));
	assert_false(softleaf_is_migration_young(&c, e));
	assert_true(softleaf_is_migration_young(&c, y));
	assert_false(softleaf_is_migration_dirty(&c, y));
	assert_true(softleaf_is_migration_dirty(&c, d));
	assert_true(softleaf_to_pfn(&c, d) == 0x3ffffffffull);
	assert_int_equal(softleaf_type(&c, d), SOFTLEAF_MIGRATION_WRITE);
	/* the A/D bits survive the PTE (36 bits < 50) */
	assert_true(softleaf_from_pte(&c, softleaf_to_pte(d)).val == d.val);

	c.max_swapfile = MAX_SWAPFILE_BROKEN;
	swp_config_init(&c);
	assert_false(c.swap_migration_ad_supported);
	y = make_migration_entry_young(&c, e);
	assert_true(y.val == e.val);
	assert_false(softleaf_is_migration_young(&c, d));
	assert_false(softleaf_is_migration_dirty(&c, d));

	/* no CONFIG_SWAP: migration_entry_supports_ad() is false */
	swp_config_default(&c);
	c.swap = false;
	swp_config_init(&c);
	assert_false(softleaf_is_migration_dirty(&c, d));
}

/*
 * generic_max_swapfile_size(): swp_entry(0, ~0UL) encodes to PTE 0 (type 0, ~offset = 0 in
 * bits 9-58). Fixed: __swp_offset(0) + 1 = 2^50. Broken: softleaf_from_pte(pte 0) is none,
 * offset 0, + 1 = 1. The fix is independent of the other options; arch_max_swapfile_size()
 * with L1TF and 46 cache bits clamps to 2^(46-1-12) << 3 = 2^36 (the spec marks the
 * clamp [verify]); with 44 bits to 2^34, below SWP_MIG_TOTAL_BITS = 36: no A/D.
 */
static void test_max_swapfile_size(void **state)
{
	struct swp_config c;

	assert_true(pte_val(softleaf_to_pte(swp_entry(0, ~0ull))) == 0);
	for (unsigned int mask = 0; mask < 8; mask++) {
		cfg_from_mask(&c, mask);
		assert_true(generic_max_swapfile_size(&c) == 1ull << 50);
		c.max_swapfile = MAX_SWAPFILE_BROKEN;
		assert_true(generic_max_swapfile_size(&c) == 1);
	}
	swp_config_default(&c);
	c.l1tf = true;
	swp_config_init(&c);
	assert_true(c.swapfile_maximum_size == 1ull << 36);
	assert_true(c.swap_migration_ad_supported);
	c.x86_cache_bits = 44;
	swp_config_init(&c);
	assert_true(c.swapfile_maximum_size == 1ull << 34);
	assert_false(c.swap_migration_ad_supported);
	c.x86_cache_bits = 3;
	assert_int_equal(swp_config_init(&c), -EINVAL);
}

/*
 * PMD truth tables. pmd_is_huge: none → false; present with PSE → true; present without
 * PSE (a table) → false; non-present non-none → true; without THP always false.
 * pmd_is_valid_softleaf: migration and device-private PMDs only (device-private needs
 * CONFIG_ZONE_DEVICE); softleaf_from_pmd without THP migration is always none.
 */
static void test_pmd(void **state)
{
	struct swp_config c;
	pmd_t mig, dev, swp, mark;

	swp_config_default(&c);
	mig = softleaf_to_pmd(make_readable_migration_entry(&c, 0x200));
	dev = softleaf_to_pmd(make_writable_device_private_entry(&c, 0x400));
	swp = softleaf_to_pmd(swp_entry(2, 77));
	mark = softleaf_to_pmd(make_guard_swp_entry(&c));

	assert_false(pmd_is_huge(&c, __pmd(0)));
	assert_false(pmd_is_huge(&c, __pmd(_PAGE_ACCESSED | _PAGE_DIRTY)));
	assert_true(pmd_is_huge(&c, __pmd(0x200000 | _PAGE_PSE | _PAGE_PRESENT)));
	assert_true(pmd_is_huge(&c, __pmd(0x200000 | _PAGE_PSE | _PAGE_PROTNONE)));
	assert_false(pmd_is_huge(&c, __pmd(0x1000 | _PAGE_PRESENT | _PAGE_RW)));
	assert_true(pmd_is_huge(&c, mig));
	assert_true(pmd_is_huge(&c, swp));
	/* PSE alone counts as present for a PMD (not for a PTE) */
	assert_true(pmd_present(__pmd(_PAGE_PSE)));
	assert_false(pte_present(__pte(_PAGE_PSE)));

	assert_true(pmd_is_migration_entry(&c, mig));
	assert_true(pmd_is_valid_softleaf(&c, mig));
	assert_true(pmd_is_device_private_entry(&c, dev));
	assert_true(pmd_is_valid_softleaf(&c, dev));
	assert_false(pmd_is_valid_softleaf(&c, swp));
	assert_false(pmd_is_valid_softleaf(&c, mark));
	assert_false(pmd_is_valid_softleaf(&c, __pmd(0)));
	assert_true(softleaf_is_none(softleaf_from_pmd(&c, __pmd(0x200000 | _PAGE_PSE))));

	c.zone_device = false;
	swp_config_init(&c);
	assert_false(pmd_is_device_private_entry(&c, dev));
	assert_false(pmd_is_valid_softleaf(&c, dev));

	swp_config_default(&c);
	c.thp_migration = false;
	swp_config_init(&c);
	assert_true(softleaf_is_none(softleaf_from_pmd(&c, mig)));
	assert_false(pmd_is_migration_entry(&c, mig));
	assert_true(pmd_is_huge(&c, mig));
	c.thp = false;
	swp_config_init(&c);
	assert_false(pmd_is_huge(&c, mig));
	assert_false(pmd_is_huge(&c, __pmd(0x200000 | _PAGE_PSE | _PAGE_PRESENT)));
}

/*
 * Config-dependent bits: without CONFIG_MEM_SOFT_DIRTY _PAGE_SOFT_DIRTY and
 * _PAGE_SWP_SOFT_DIRTY are 0, so nothing reads as soft-dirty; likewise uffd-wp without
 * CONFIG_HAVE_ARCH_USERFAULTFD_WP. The exclusive bit (PWT) is unconditional.
 */
static void test_config_flags(void **state)
{
	struct swp_config c;
	pte_t sw = __pte(pte_val(softleaf_to_pte(swp_entry(1, 9))) | 0xe);

	swp_config_default(&c);
	c.mem_soft_dirty = false;
	c.uffd_wp = false;
	swp_config_init(&c);
	assert_false(pte_swp_soft_dirty(&c, sw));
	assert_false(pte_swp_uffd_wp(&c, sw));
	assert_true(pte_swp_exclusive(sw));
	assert_false(pte_soft_dirty(&c, __pte(_PAGE_PRESENT | BIT_ULL(11))));
	assert_false(pte_uffd_wp(&c, __pte(_PAGE_PRESENT | BIT_ULL(10))));
	swp_config_default(&c);
	assert_true(pte_soft_dirty(&c, __pte(_PAGE_PRESENT | BIT_ULL(11))));
	assert_true(pte_uffd_wp(&c, __pte(_PAGE_PRESENT | BIT_ULL(10))));
}

/*
 * PROT_NONE PTEs store the PFN inverted (L1TF): pfn_pte(pfn, PROTNONE) then pte_pfn() gives
 * pfn back, and the raw PFN field is ~pfn (masked to bits 12-51).
 */
static void test_protnone_pfn(void **state)
{
	for (int i = 0; i < 10000; i++) {
		u64 pfn = rnd() & ((1ull << 40) - 1);
		pte_t p = pfn_pte(pfn, _PAGE_PROTNONE | _PAGE_ACCESSED);
		pte_t q = pfn_pte(pfn, _PAGE_PRESENT | _PAGE_RW);
		pmd_t h = pfn_pmd(pfn & ~0x1ffull, _PAGE_PROTNONE | _PAGE_PSE);

		assert_true(pte_present(p));
		assert_true(pte_pfn(p) == pfn);
		assert_true(((pte_val(p) & PTE_PFN_MASK) >> 12) == (~pfn & ((1ull << 40) - 1)));
		assert_true(pte_pfn(q) == pfn);
		assert_true(pmd_pfn(h) == (pfn & ~0x1ffull));
	}
}

/* leaf_classify agrees with the predicates it is made of on a few hand-made entries. */
static void test_classify(void **state)
{
	struct swp_config c;
	struct leaf_info li;

	swp_config_default(&c);
	leaf_classify(&c, pte_val(softleaf_to_pte(make_guard_swp_entry(&c))), false, &li);
	assert_int_equal(li.type, SOFTLEAF_MARKER);
	assert_true(li.marker_guard);
	assert_false(li.uffd_marker);
	assert_string_equal(softleaf_type_name(li.type), "marker");
	leaf_classify(&c, pte_val(pfn_pte(0x1234, _PAGE_PRESENT | BIT_ULL(11))), false, &li);
	assert_true(li.present);
	assert_true(li.pfn == 0x1234);
	assert_true(li.soft_dirty);
	assert_false(li.exclusive_encoded);
	leaf_classify(&c, pte_val(pte_swp_mkexclusive(softleaf_to_pte(swp_entry(5, 0x99)))), false,
		      &li);
	assert_int_equal(li.type, SOFTLEAF_SWAP);
	assert_int_equal(li.swap_type, 5);
	assert_true(li.offset == 0x99);
	assert_true(li.exclusive);
	assert_false(li.has_pfn);
	leaf_classify(&c, 0x60, false, &li); /* A|D only: none (erratum) */
	assert_true(li.none);
	assert_int_equal(li.type, SOFTLEAF_NONE);
	for (int t = 0; t < NR_SOFTLEAF_TYPES; t++)
		assert_string_not_equal(softleaf_type_name(t), "invalid");
	assert_string_equal(softleaf_type_name(NR_SOFTLEAF_TYPES), "invalid");
}

/* leaf_parse_hex: 0x optional, 1-16 significant digits, nothing else */
static void test_parse_hex(void **state)
{
	u64 v = 42;

	assert_int_equal(leaf_parse_hex("0x0", &v), 0);
	assert_true(v == 0);
	assert_int_equal(leaf_parse_hex("ffffffffffffffff", &v), 0);
	assert_true(v == ~0ull);
	assert_int_equal(leaf_parse_hex("0X00000000000000000001", &v), 0);
	assert_true(v == 1);
	assert_int_equal(leaf_parse_hex("1ffffffffffffffff", &v), -ERANGE);
	assert_int_equal(leaf_parse_hex("1ffffffffffffffffz", &v), -EINVAL);
	assert_int_equal(leaf_parse_hex("", &v), -EINVAL);
	assert_int_equal(leaf_parse_hex("0x", &v), -EINVAL);
	assert_int_equal(leaf_parse_hex(" 1", &v), -EINVAL);
	assert_int_equal(leaf_parse_hex("-1", &v), -EINVAL);
	assert_int_equal(leaf_parse_hex("12g", &v), -EINVAL);
	assert_true(v == 1);
}

/*
 * v2's softleaf_from_pte() (present check only) against v3's: they agree on every PTE that
 * is not none; on a none PTE v2 gives a swap entry of type 0 and offset 2^50 - 1 (the
 * inverted offset of 0), v3 the empty entry. Random values, plus 0 and the A/D-only values.
 */
static void test_softleaf_from_pte_v2(void **state)
{
	struct swp_config c;

	swp_config_default(&c);
	for (u64 ad = 0; ad < 4; ad++) {
		pte_t none = __pte(ad << _PAGE_BIT_ACCESSED);
		softleaf_t v2 = softleaf_from_pte_v2(&c, none);

		assert_true(pte_none(none));
		assert_true(softleaf_is_none(softleaf_from_pte(&c, none)));
		assert_true(softleaf_is_swap(&c, v2));
		assert_int_equal(swp_type(v2), 0);
		assert_true(swp_offset(v2) == OFF50);
	}
	for (int i = 0; i < 100000; i++) {
		pte_t pte = __pte(rnd() & ~(i % 2 ? _PAGE_PRESENT | _PAGE_PROTNONE : 0));

		if (!pte_none(pte))
			assert_true(softleaf_from_pte_v2(&c, pte).val ==
				    softleaf_from_pte(&c, pte).val);
	}
}

/*
 * swp_config_set(): "key=0|1" lists; any malformed item is -EINVAL naming that item, and
 * the string comes back unchanged. swp_config_from_kconfig(): only "=y" lines of the exact
 * option count; la57 needs the CPU flag and CONFIG_PGTABLE_LEVELS=5.
 */
static void test_config_parsing(void **state)
{
	struct swp_config c;
	char ok[] = "migration=0,la57=1,mem_soft_dirty=0";
	static const char *const bad[] = {"migration=2", "foo=1", "migration",	 "",
					  "la57=1,",	 "=1",	  "migration=01"};
	const char *where = NULL;
	static const char kconfig[] = "\nCONFIG_MIGRATION=y\n# CONFIG_DEVICE_PRIVATE is not set\n"
				      "CONFIG_MEMORY_FAILURE=m\nCONFIG_SWAPX=y\n"
				      "CONFIG_PGTABLE_LEVELS=5\nCONFIG_TRANSPARENT_HUGEPAGE=y\n";

	swp_config_default(&c);
	assert_int_equal(swp_config_set(&c, ok, &where), 0);
	assert_string_equal(ok, "migration=0,la57=1,mem_soft_dirty=0");
	assert_false(c.migration);
	assert_true(c.la57);
	assert_false(c.mem_soft_dirty);
	assert_true(c.device_private);
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		char buf[32];

		strcpy(buf, bad[i]);
		assert_int_equal(swp_config_set(&c, buf, &where), -EINVAL);
		assert_string_equal(buf, bad[i]);
	}
	strcpy(ok, "la57=0,frob=1");
	assert_int_equal(swp_config_set(&c, ok, &where), -EINVAL);
	assert_string_equal(where, "frob=1");

	swp_config_default(&c);
	swp_config_from_kconfig(&c, kconfig, "processor\t: 0\nflags\t\t: fpu la57 pse\n");
	assert_true(c.migration);
	assert_false(c.device_private);
	assert_false(c.memory_failure); /* =m is not =y */
	assert_false(c.swap);		/* CONFIG_SWAPX is another option */
	assert_true(c.thp);
	assert_true(c.la57);
	swp_config_from_kconfig(&c, kconfig, "processor\t: 0\nflags\t\t: fpu la57x\n");
	assert_false(c.la57);
	swp_config_from_kconfig(&c, "\nCONFIG_PGTABLE_LEVELS=4\n", "\nflags\t\t: la57\n");
	assert_false(c.la57);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_type_numbers_known),
	    cmocka_unit_test(test_type_numbers_dense),
	    cmocka_unit_test(test_swp_entry_fields),
	    cmocka_unit_test(test_x86_layout),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_round_trip_truncation),
	    cmocka_unit_test(test_random_ptes),
	    cmocka_unit_test(test_predicates_exclusive),
	    cmocka_unit_test(test_constructors),
	    cmocka_unit_test(test_markers),
	    cmocka_unit_test(test_migration_ad),
	    cmocka_unit_test(test_max_swapfile_size),
	    cmocka_unit_test(test_pmd),
	    cmocka_unit_test(test_config_flags),
	    cmocka_unit_test(test_protnone_pfn),
	    cmocka_unit_test(test_classify),
	    cmocka_unit_test(test_parse_hex),
	    cmocka_unit_test(test_softleaf_from_pte_v2),
	    cmocka_unit_test(test_config_parsing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
