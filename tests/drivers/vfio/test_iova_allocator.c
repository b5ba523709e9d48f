// SPDX-License-Identifier: GPL-2.0
/*
 * The IOVA allocators (drivers/vfio/iova_allocator.c): the series' worked examples,
 * Williamson's variant, the reuse allocator, property tests for all three, and the
 * series' motivating case (a 39-bit IOMMU).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kvmsim/vfio_iova.h"

#define K4 0x1000ull
#define M2 0x200000ull
#define G1 0x40000000ull

static struct iova_allocator *series(const struct iommu_iova_range *r, u32 n)
{
	struct iova_allocator *a;

	assert_int_equal(iova_allocator_init(r, n, &a), 0);
	return a;
}

static iova_t s_alloc(struct iova_allocator *a, u64 size)
{
	iova_t iova = 0xdead;

	assert_int_equal(iova_allocator_alloc(a, size, &iova), 0);
	return iova;
}

static void test_series_worked_examples(void **state)
{
	struct iommu_iova_range one[1] = {{0, 0xffff}};
	struct iova_allocator *a = series(one, 1);
	iova_t iova;

	/*
	 * [0, 0xffff]: 4K at 0 (offset -> 0x1000); 8K: 0x1000 rounded up to 0x2000, last
	 * 0x3fff (offset -> 0x4000); 4K at 0x4000; 32K: 0x5000 -> 0x8000, last 0xffff ==
	 * range->last, so range_idx++ and the next allocation is out of space.
	 */
	assert_int_equal(s_alloc(a, K4), 0);
	assert_int_equal(a->range_offset, 0x1000);
	assert_int_equal(s_alloc(a, 2 * K4), 0x2000);
	assert_int_equal(a->range_offset, 0x4000);
	assert_int_equal(s_alloc(a, K4), 0x4000);
	assert_int_equal(s_alloc(a, 8 * K4), 0x8000);
	assert_int_equal(a->range_idx, 1);
	assert_int_equal(a->range_offset, 0);
	assert_int_equal(iova_allocator_alloc(a, K4, &iova), -ENOSPC);
	/* the gap 0x5000-0x7fff left by alignment is never used: still out of space */
	assert_int_equal(iova_allocator_alloc(a, K4, &iova), -ENOSPC);
	iova_allocator_cleanup(a);
}

static void test_series_next_range_never_revisited(void **state)
{
	struct iommu_iova_range r[2] = {{0x1000, 0x2fff}, {0x10000, 0x1ffff}};
	struct iova_allocator *a = series(r, 2);

	/*
	 * 8K in range 0: at 0x1000 last 0x2fff fits unaligned, aligned iova 0x2000 has last
	 * 0x3fff > 0x2fff: next range, 0x10000. Then 4K: the cursor is in range 1 (0x12000);
	 * the free 0x1000-0x2fff of range 0 is not revisited.
	 */
	assert_int_equal(s_alloc(a, 2 * K4), 0x10000);
	assert_int_equal(s_alloc(a, K4), 0x12000);
	iova_allocator_cleanup(a);
}

static void test_series_initial_state(void **state)
{
	/* v2 "Fix iova allocator initial state bug": the first IOVA is ranges[0].start */
	struct iommu_iova_range r[1] = {{0x100000, 0x1fffff}};
	struct iova_allocator *a = series(r, 1);

	assert_int_equal(a->range_idx, 0);
	assert_int_equal(a->range_offset, 0);
	assert_int_equal(s_alloc(a, K4), 0x100000);
	iova_allocator_cleanup(a);
}

static void test_series_exact_end_and_top(void **state)
{
	struct iommu_iova_range r[2] = {{0, 0xfff}, {0x2000, 0x2fff}};
	struct iommu_iova_range top[1] = {{0xffffffffffff0000ull, ~0ull}};
	struct iommu_iova_range odd[1] = {{0xfffffffffffff001ull, ~0ull}};
	struct iova_allocator *a = series(r, 2);
	iova_t iova;

	/* 4K fills range 0 exactly (last == range->last: range_idx 1), then 0x2000, then none */
	assert_int_equal(s_alloc(a, K4), 0);
	assert_int_equal(a->range_idx, 1);
	assert_int_equal(s_alloc(a, K4), 0x2000);
	assert_int_equal(iova_allocator_alloc(a, K4, &iova), -ENOSPC);
	iova_allocator_cleanup(a);

	/* the top 64K of the 64-bit space: 64K at 0xffffffffffff0000, last = 2^64 - 1 */
	a = series(top, 1);
	assert_int_equal(s_alloc(a, 0x10000), 0xffffffffffff0000ull);
	assert_int_equal(iova_allocator_alloc(a, 1, &iova), -ENOSPC);
	iova_allocator_cleanup(a);

	/* 0xfffffffffffff001 + 0xfff overflows: the first check fails, no wrap to 0 */
	a = series(odd, 1);
	assert_int_equal(iova_allocator_alloc(a, K4, &iova), -ENOSPC);
	iova_allocator_cleanup(a);
	a = series(odd, 1);
	/* but 1-byte allocations work up to the last byte */
	assert_int_equal(s_alloc(a, 1), 0xfffffffffffff001ull);
	iova_allocator_cleanup(a);
}

static void test_series_bad_sizes(void **state)
{
	struct iommu_iova_range r[1] = {{0, 0xffff}};
	struct iova_allocator *a = series(r, 1);
	iova_t iova;

	/* size 0 and non-powers of two are the selftest's assertions; state is untouched */
	assert_int_equal(iova_allocator_alloc(a, 0, &iova), -EINVAL);
	assert_int_equal(iova_allocator_alloc(a, 3 * K4, &iova), -EINVAL);
	assert_int_equal(a->range_idx, 0);
	assert_int_equal(a->range_offset, 0);
	assert_int_equal(iova_allocator_init(r, 0, &a), -ENODATA);
	iova_allocator_cleanup(a);
}

static void test_williamson_examples(void **state)
{
	struct iommu_iova_range r[2] = {{0x1000, 0x2fff}, {0x10000, 0x1ffff}};
	struct vfio_pci_iova_state d;
	iova_t iova;

	/* same walk as the series' example: 8K -> 0x10000, 4K -> 0x12000 */
	assert_int_equal(vfio_pci_iova_init(&d, r, 2), 0);
	assert_int_equal(d.iova_next, 0x1000);
	assert_int_equal(d.iova_max, 0x1ffff);
	assert_int_equal(vfio_pci_get_next_iova(&d, 2 * K4, &iova), 0);
	assert_int_equal(iova, 0x10000);
	assert_int_equal(d.iova_next, 0x12000);
	assert_int_equal(vfio_pci_get_next_iova(&d, K4, &iova), 0);
	assert_int_equal(iova, 0x12000);
	/* 64K: ALIGN(0x13000, 0x10000) = 0x20000 > end 0x1ffff: advance, exhausted */
	assert_int_equal(vfio_pci_get_next_iova(&d, 0x10000, &iova), -ENOSPC);
	assert_int_equal(vfio_pci_get_next_iova(&d, 0, &iova), -EINVAL);
	vfio_pci_iova_cleanup(&d);

	/* ALIGN wrapping at the top: iova_next 0xfffffffffffff001, size 8K -> ALIGN = 0 */
	struct iommu_iova_range top[1] = {{0xfffffffffffff001ull, ~0ull}};

	assert_int_equal(vfio_pci_iova_init(&d, top, 1), 0);
	assert_int_equal(vfio_pci_get_next_iova(&d, 2 * K4, &iova), -ENOSPC);
	vfio_pci_iova_cleanup(&d);

	/* ending at 2^64 - 1: end + 1 overflows, the range is left */
	struct iommu_iova_range top2[1] = {{0xfffffffffffff000ull, ~0ull}};

	assert_int_equal(vfio_pci_iova_init(&d, top2, 1), 0);
	assert_int_equal(vfio_pci_get_next_iova(&d, K4, &iova), 0);
	assert_int_equal(iova, 0xfffffffffffff000ull);
	assert_int_equal(d.iova_range_idx, 1);
	assert_int_equal(vfio_pci_get_next_iova(&d, 1, &iova), -ENOSPC);
	vfio_pci_iova_cleanup(&d);
}

/* ---- a deterministic generator for the property tests ---- */

static u64 rng = 0x243f6a8885a308d3ull;

static u64 next_rand(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

/* 1..4 sorted, disjoint ranges, sometimes adjacent, sometimes at the top of the space */
static u32 random_ranges(struct iommu_iova_range *r)
{
	u32 n = 1 + next_rand() % 4;
	u64 at = (next_rand() % 4 == 0) ? 0 : (next_rand() % 0x100) * 0x100;

	if (next_rand() % 8 == 0)
		at = ~0ull - 0x40000 * n; /* near 2^64 */
	for (u32 i = 0; i < n; i++) {
		u64 len = 1 + next_rand() % 0x20000;

		r[i].start = at;
		r[i].last = at + len - 1;
		at = r[i].last + 1 + ((next_rand() % 3) ? next_rand() % 0x8000 : 0);
	}
	return n;
}

static u64 random_size(void)
{
	return 1ull << (next_rand() % 16);
}

static int range_of(const struct iommu_iova_range *r, u32 n, iova_t iova, u64 size)
{
	for (u32 i = 0; i < n; i++)
		if (iova >= r[i].start && iova <= r[i].last && size - 1 <= r[i].last - iova)
			return (int)i;
	return -1;
}

struct live {
	iova_t iova;
	u64 size;
};

static void check_no_overlap(const struct live *l, u32 n)
{
	for (u32 i = 0; i < n; i++)
		for (u32 k = i + 1; k < n; k++)
			assert_true(l[i].iova + (l[i].size - 1) < l[k].iova ||
				    l[k].iova + (l[k].size - 1) < l[i].iova);
}

static void test_property_series_williamson(void **state)
{
	/*
	 * For 300 random range sets and size sequences: every IOVA lies inside one range, is a
	 * multiple of its size, overlaps no earlier one; exhaustion (-ENOSPC) is sticky; and
	 * Williamson's allocator returns the very same sequence (an aligned fit implies the
	 * unaligned fit the series tests first, and both advance the same way).
	 */
	for (int round = 0; round < 300; round++) {
		struct iommu_iova_range r[4];
		u32 n = random_ranges(r);
		struct iova_allocator *a = series(r, n);
		struct vfio_pci_iova_state d;
		struct live l[64];
		u32 nl = 0;
		bool exhausted = false;

		assert_int_equal(vfio_pci_iova_init(&d, r, n), 0);
		for (int k = 0; k < 64; k++) {
			u64 size = random_size();
			iova_t i1 = 0, i2 = 0;
			int rc1 = iova_allocator_alloc(a, size, &i1);
			int rc2 = vfio_pci_get_next_iova(&d, size, &i2);

			assert_int_equal(rc1, rc2);
			/* exhaustion is reported, and sticky: range_idx ran off the end */
			if (exhausted)
				assert_int_equal(rc1, -ENOSPC);
			if (rc1) {
				assert_int_equal(rc1, -ENOSPC);
				assert_int_equal(a->range_idx, n);
				exhausted = true;
				continue;
			}
			assert_int_equal(i1, i2);
			assert_int_equal(i1 & (size - 1), 0);
			assert_true(range_of(r, n, i1, size) >= 0);
			l[nl++] = (struct live){i1, size};
		}
		check_no_overlap(l, nl);
		iova_allocator_cleanup(a);
		vfio_pci_iova_cleanup(&d);
	}
}

/* Oracle: the lowest size-aligned block inside one range that overlaps no live block. */
static bool oracle_first_fit(const struct iommu_iova_range *r, u32 n, const struct live *l, u32 nl,
			     u64 size, iova_t *out)
{
	for (u32 i = 0; i < n; i++) {
		iova_t x;

		if (__builtin_add_overflow(r[i].start, size - 1, &x))
			continue;
		x &= ~(size - 1);
		for (;;) {
			iova_t last;
			bool clash = false;

			if (x < r[i].start || __builtin_add_overflow(x, size - 1, &last) ||
			    last > r[i].last)
				break;
			iova_t clash_last = 0;

			for (u32 k = 0; k < nl; k++)
				if (!(l[k].iova + (l[k].size - 1) < x || last < l[k].iova)) {
					clash = true;
					clash_last = max(clash_last, l[k].iova + (l[k].size - 1));
				}
			if (!clash) {
				*out = x;
				return true;
			}
			/* next candidate: the first aligned IOVA past the clashing blocks */
			if (__builtin_add_overflow(clash_last, size, &x))
				break;
			x &= ~(size - 1);
		}
	}
	return false;
}

static void test_property_reuse(void **state)
{
	/*
	 * Random interleavings of alloc and free: each allocation is the oracle's lowest
	 * aligned fit (so it lies in a range, is aligned, overlaps nothing live, and freed space
	 * is reused), and -ENOSPC is returned exactly when the oracle finds no fit.
	 */
	for (int round = 0; round < 200; round++) {
		struct iommu_iova_range r[4];
		u32 n = random_ranges(r);
		struct iova_reuse_allocator a;
		struct live l[48];
		u32 nl = 0;

		assert_int_equal(iova_reuse_init(&a, r, n), 0);
		for (int k = 0; k < 96; k++) {
			if (nl && next_rand() % 3 == 0) {
				u32 v = next_rand() % nl;

				assert_int_equal(iova_reuse_free(&a, l[v].iova), 0);
				assert_int_equal(iova_reuse_free(&a, l[v].iova), -ENOENT);
				l[v] = l[--nl];
				continue;
			}
			if (nl == ARRAY_SIZE(l))
				continue;
			u64 size = random_size() << (next_rand() % 2 ? 0 : 2);
			iova_t want = 0, got = 0;
			bool fits = oracle_first_fit(r, n, l, nl, size, &want);
			int rc = iova_reuse_alloc(&a, size, size, &got);

			if (!fits) {
				assert_int_equal(rc, -ENOSPC);
				continue;
			}
			assert_int_equal(rc, 0);
			assert_int_equal(got, want);
			assert_int_equal(got & (size - 1), 0);
			assert_true(range_of(r, n, got, size) >= 0);
			l[nl++] = (struct live){got, size};
			check_no_overlap(l, nl);
		}
		iova_reuse_cleanup(&a);
	}
}

static void test_reuse_examples(void **state)
{
	struct iommu_iova_range r[1] = {{0, 0x3fff}};
	struct iommu_iova_range adj[2] = {{0, 0xfff}, {0x1000, 0x1fff}};
	struct iova_reuse_allocator a;
	iova_t iova[4], x;

	/* four 4K blocks fill [0, 0x3fff]; free #2 and a new 4K lands at 0x2000 again */
	assert_int_equal(iova_reuse_init(&a, r, 1), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(iova_reuse_alloc(&a, K4, K4, &iova[i]), 0);
		assert_int_equal(iova[i], i * K4);
	}
	assert_int_equal(iova_reuse_alloc(&a, K4, K4, &x), -ENOSPC);
	assert_int_equal(iova_reuse_free(&a, iova[2]), 0);
	assert_int_equal(iova_reuse_alloc(&a, K4, K4, &x), 0);
	assert_int_equal(x, 0x2000);
	/* free everything: the holes coalesce back to one, a 16K block fits at 0 */
	for (int i = 0; i < 4; i++)
		assert_int_equal(iova_reuse_free(&a, iova[i]), 0);
	assert_int_equal(a.nholes, 1);
	assert_int_equal(iova_reuse_alloc(&a, 4 * K4, 4 * K4, &x), 0);
	assert_int_equal(x, 0);
	/* a stray IOVA and a non-start address are not allocations */
	assert_int_equal(iova_reuse_free(&a, 0x1000), -ENOENT);
	assert_int_equal(iova_reuse_alloc(&a, 0, 1, &x), -EINVAL);
	assert_int_equal(iova_reuse_alloc(&a, 1, 3, &x), -EINVAL);
	iova_reuse_cleanup(&a);

	/*
	 * Adjacent ranges stay apart: an 8K block would span both, which type1's
	 * vfio_iommu_iova_dma_valid() refuses; after freeing, holes do not merge across them.
	 */
	assert_int_equal(iova_reuse_init(&a, adj, 2), 0);
	assert_int_equal(iova_reuse_alloc(&a, 2 * K4, 2 * K4, &x), -ENOSPC);
	assert_int_equal(iova_reuse_alloc(&a, K4, K4, &iova[0]), 0);
	assert_int_equal(iova_reuse_alloc(&a, K4, K4, &iova[1]), 0);
	assert_int_equal(iova_reuse_free(&a, iova[0]), 0);
	assert_int_equal(iova_reuse_free(&a, iova[1]), 0);
	assert_int_equal(a.nholes, 2);
	iova_reuse_cleanup(&a);

	/* unnormalized input is refused */
	struct iommu_iova_range bad[2] = {{0x1000, 0x1fff}, {0, 0xfff}};

	assert_int_equal(iova_reuse_init(&a, bad, 2), -EINVAL);

	/* the front end's names */
	enum iova_allocator_kind k;

	assert_int_equal(iova_allocator_kind_parse("williamson", &k), 0);
	assert_int_equal(k, IOVA_ALLOC_WILLIAMSON);
	assert_int_equal(iova_allocator_kind_parse("Series", &k), -EINVAL);
	assert_string_equal(iova_allocator_kind_name(IOVA_ALLOC_REUSE), "reuse");
}

/*
 * The series' motivating case: an older Intel consumer platform with a 39-bit IOMMU, whose
 * valid IOVA ranges (VT-d, reserved MSI window 0xfee00000-0xfeefffff) are
 * [0, 0xfedfffff] and [0xfef00000, 2^39 - 1].
 */
static const struct iommu_iova_range iommu39[2] = {{0, 0xfedfffff}, {0xfef00000, (1ull << 39) - 1}};

static void test_39bit_allocations_stay_below(void **state)
{
	/*
	 * 1G allocations until exhaustion: range 0 holds 0, 1G, 2G (3G..4G-1 passes
	 * 0xfedfffff); range 1 starts at 0xfef00000, aligned up to 4G, and holds 4G .. 511G:
	 * 508 more. 511 in all, each ending below 2^39, then -ENOSPC. The reuse allocator's
	 * first fit finds the same 511 (the 0xc0000000-0xfedfffff tail is < 1G).
	 */
	for (int kind = IOVA_ALLOC_SERIES; kind <= IOVA_ALLOC_REUSE; kind++) {
		struct iova_any_allocator a;
		iova_t iova, prev = 0;
		u32 count = 0;
		int rc;

		assert_int_equal(iova_any_init(&a, kind, iommu39, 2), 0);
		while (!(rc = iova_any_alloc(&a, G1, &iova))) {
			assert_true(iova + G1 - 1 < (1ull << 39));
			assert_int_equal(iova & (G1 - 1), 0);
			assert_true(!count || iova > prev);
			prev = iova;
			count++;
		}
		assert_int_equal(rc, -ENOSPC);
		assert_int_equal(count, 511);
		assert_int_equal(prev, (1ull << 39) - G1);
		iova_any_cleanup(&a);
	}

	/* a mixed sequence: never at or above 2^39, never in the MSI window */
	for (int kind = IOVA_ALLOC_SERIES; kind <= IOVA_ALLOC_REUSE; kind++) {
		struct iova_any_allocator a;
		iova_t iova;

		assert_int_equal(iova_any_init(&a, kind, iommu39, 2), 0);
		for (int i = 0; i < 2000; i++) {
			u64 size = (i % 3 == 0) ? M2 : (i % 3 == 1) ? K4 : 64 * M2;

			if (iova_any_alloc(&a, size, &iova))
				break;
			assert_true(iova + size - 1 < (1ull << 39));
			assert_true(iova + size - 1 < 0xfee00000 || iova > 0xfeefffff);
		}
		iova_any_cleanup(&a);
	}
}

static void test_39bit_map_limit(void **state)
{
	/*
	 * Patch 2/4 on the 39-bit IOMMU: last_iova = 2^39 - 1; the limit region (one 4K page)
	 * at last_iova & ~0xfff = 0x7ffffff000 maps and unmaps (unmapped size 4K, both the
	 * unmap_range and the unmap_all variants); a page at the top of the 64-bit space
	 * (the old iova = ~0 & ~0xfff test) is refused with -EINVAL, outside every range; and
	 * the overflow test (iova = ~0 & ~(4K - 1), the top page, with size 2 pages: iova + 8K - 1
	 * wraps) gets -EOVERFLOW from map and unmap whatever the ranges. v1 would have skipped
	 * that test here; v2+ runs it.
	 */
	struct vfio_iommu iommu;
	struct vfio_iommu_type1_dma_map map = {
	    .argsz = sizeof(map), .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE};
	struct vfio_iommu_type1_dma_unmap unmap = {.argsz = sizeof(unmap)};
	struct vfio_pci_iova_state d;
	iova_t last;

	assert_int_equal(vfio_dma_map_limit_last_iova(iommu39, 2, &last), 0);
	assert_int_equal(last, 0x7fffffffffull);
	assert_int_equal(vfio_pci_iova_init(&d, iommu39, 2), 0);
	assert_int_equal(d.iova_max, last); /* Williamson's iova_max: same value */
	vfio_pci_iova_cleanup(&d);
	assert_int_equal(vfio_dma_map_limit_region_iova(last, K4), 0x7ffffff000ull);
	assert_int_equal(vfio_dma_map_overflow_iova(K4), 0xfffffffffffff000ull);
	assert_false(vfio_dma_map_overflow_test_runs_v1(last, K4));
	assert_true(vfio_dma_map_overflow_test_runs_v1(~0ull, K4));

	assert_int_equal(vfio_iommu_model_init(&iommu, iommu39, 2, K4 | M2 | G1), 0);

	map.iova = vfio_dma_map_limit_region_iova(last, K4);
	map.size = K4;
	assert_int_equal(vfio_iommu_type1_ioctl(&iommu, VFIO_IOMMU_MAP_DMA, &map), 0);
	unmap.iova = map.iova;
	unmap.size = K4;
	assert_int_equal(vfio_iommu_type1_ioctl(&iommu, VFIO_IOMMU_UNMAP_DMA, &unmap), 0);
	assert_int_equal(unmap.size, K4);

	assert_int_equal(vfio_iommu_type1_ioctl(&iommu, VFIO_IOMMU_MAP_DMA, &map), 0);
	unmap = (struct vfio_iommu_type1_dma_unmap){.argsz = sizeof(unmap),
						    .flags = VFIO_DMA_UNMAP_FLAG_ALL};
	assert_int_equal(vfio_iommu_type1_ioctl(&iommu, VFIO_IOMMU_UNMAP_DMA, &unmap), 0);
	assert_int_equal(unmap.size, K4);

	/* one page past the limit, and the top of the 64-bit space: refused */
	map.iova = last + 1;
	assert_int_equal(vfio_iommu_type1_ioctl(&iommu, VFIO_IOMMU_MAP_DMA, &map), -EINVAL);
	map.iova = ~0ull & ~(K4 - 1);
	assert_int_equal(vfio_iommu_type1_ioctl(&iommu, VFIO_IOMMU_MAP_DMA, &map), -EINVAL);
	/* straddling the end of the last range */
	map.iova = last + 1 - K4;
	map.size = 2 * K4;
	assert_int_equal(vfio_iommu_type1_ioctl(&iommu, VFIO_IOMMU_MAP_DMA, &map), -EINVAL);

	/* the overflow test */
	map.iova = vfio_dma_map_overflow_iova(K4);
	map.size = 2 * K4;
	assert_int_equal(vfio_iommu_type1_ioctl(&iommu, VFIO_IOMMU_MAP_DMA, &map), -EOVERFLOW);
	unmap = (struct vfio_iommu_type1_dma_unmap){
	    .argsz = sizeof(unmap), .iova = map.iova, .size = 2 * K4};
	assert_int_equal(vfio_iommu_type1_ioctl(&iommu, VFIO_IOMMU_UNMAP_DMA, &unmap), -EOVERFLOW);
	vfio_iommu_model_cleanup(&iommu);
}

static void test_type1_map_unmap_semantics(void **state)
{
	/* type1v2: overlapping maps -EEXIST, unaligned -EINVAL, bisecting unmaps -EINVAL */
	struct iommu_iova_range r[1] = {{0, 0xfffff}};
	struct vfio_iommu iommu;
	struct vfio_iommu_type1_dma_map map = {
	    .argsz = sizeof(map), .iova = 0x2000, .size = 0x2000};
	struct vfio_iommu_type1_dma_unmap unmap = {.argsz = sizeof(unmap)};

	assert_int_equal(vfio_iommu_model_init(&iommu, r, 1, K4), 0);
	assert_int_equal(vfio_dma_do_map(&iommu, &map), 0);
	map.iova = 0x3000;
	map.size = K4;
	assert_int_equal(vfio_dma_do_map(&iommu, &map), -EEXIST);
	map.iova = 0x800;
	assert_int_equal(vfio_dma_do_map(&iommu, &map), -EINVAL);
	map.iova = 0x4000;
	map.size = 0;
	assert_int_equal(vfio_dma_do_map(&iommu, &map), -EINVAL);
	map.size = K4;
	assert_int_equal(vfio_dma_do_map(&iommu, &map), 0);
	assert_int_equal(iommu.dma_avail, VFIO_MODEL_DMA_ENTRY_LIMIT - 2);

	unmap.iova = 0x3000; /* inside the first mapping */
	unmap.size = 0x2000;
	assert_int_equal(vfio_dma_do_unmap(&iommu, &unmap), -EINVAL);
	unmap.iova = 0x2000; /* ends inside nothing: covers 0x2000-0x4fff, both mappings */
	unmap.size = 0x3000;
	assert_int_equal(vfio_dma_do_unmap(&iommu, &unmap), 0);
	assert_int_equal(unmap.size, 0x3000);
	assert_int_equal(iommu.nr_dmas, 0);
	unmap.flags = VFIO_DMA_UNMAP_FLAG_ALL;
	unmap.iova = 0x1000;
	assert_int_equal(vfio_dma_do_unmap(&iommu, &unmap), -EINVAL);
	vfio_iommu_model_cleanup(&iommu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_series_worked_examples),
	    cmocka_unit_test(test_series_next_range_never_revisited),
	    cmocka_unit_test(test_series_initial_state),
	    cmocka_unit_test(test_series_exact_end_and_top),
	    cmocka_unit_test(test_series_bad_sizes),
	    cmocka_unit_test(test_williamson_examples),
	    cmocka_unit_test(test_property_series_williamson),
	    cmocka_unit_test(test_property_reuse),
	    cmocka_unit_test(test_reuse_examples),
	    cmocka_unit_test(test_39bit_allocations_stay_below),
	    cmocka_unit_test(test_39bit_map_limit),
	    cmocka_unit_test(test_type1_map_unmap_semantics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
