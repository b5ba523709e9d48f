// SPDX-License-Identifier: GPL-2.0
/*
 * IOVA allocators over queried IOVA ranges:
 *
 *  - the series' allocator, patch 3/4 "vfio: selftests: add iova allocator" of Alex Mastro's
 *    v3 (tools/testing/selftests/vfio/lib/vfio_pci_device.c, later lib/iova_allocator.c);
 *  - Alex Williamson's earlier vfio_pci_get_next_iova() ("vfio: selftests: Incorporate IOVA
 *    range info", 8 Nov 2025);
 *  - an allocator with free and reuse, which neither has.
 *
 * The first two are exact: same iova for the same sequence of sizes, same exhaustion point.
 * They differ from the selftests only in that a failed assertion (size not a power of two,
 * out of space) is an error return instead of an abort; the allocator state after such a
 * failure is what the selftest would have left (for exhaustion: range_idx == nranges).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvmsim/vfio_iova.h"

static bool is_pow2(u64 x)
{
	return x && !(x & (x - 1));
}

/* check_add_overflow() for u64 */
static bool add_overflows(u64 a, u64 b, u64 *sum)
{
	return __builtin_add_overflow(a, b, sum);
}

/**
 * iova_allocator_init() - the series' iova_allocator_init().
 * @ranges: normalized ranges (sorted, disjoint); copied
 * @nranges: their number
 * @allocatorp: on success, the allocated allocator; free with iova_allocator_cleanup()
 *
 * v3: ranges = vfio_pci_iova_ranges(device); *allocator = {ranges, nranges, 0, 0}. Here
 * the ranges are passed in (the query is done by the caller), and copied.
 */
int iova_allocator_init(const struct iommu_iova_range *ranges, u32 nranges,
			struct iova_allocator **allocatorp)
{
	struct iova_allocator *allocator;

	if (!nranges)
		return -ENODATA;
	allocator = malloc(sizeof(*allocator));
	if (!allocator)
		return -ENOMEM;
	allocator->ranges = malloc(nranges * sizeof(*ranges));
	if (!allocator->ranges) {
		free(allocator);
		return -ENOMEM;
	}
	memcpy(allocator->ranges, ranges, nranges * sizeof(*ranges));
	allocator->nranges = nranges;
	allocator->range_idx = 0;
	allocator->range_offset = 0;
	*allocatorp = allocator;
	return 0;
}

/**
 * iova_allocator_cleanup() - the series' iova_allocator_cleanup(): free ranges and allocator.
 */
void iova_allocator_cleanup(struct iova_allocator *allocator)
{
	if (!allocator)
		return;
	free(allocator->ranges);
	free(allocator);
}

/**
 * iova_allocator_alloc() - the series' iova_allocator_alloc() (v3), exactly.
 * @allocator: the allocator
 * @size: a power of two
 * @iova: on success, the allocated IOVA, a multiple of @size
 *
 * Linear over the sorted ranges with a cursor (range_idx, range_offset): try at
 * range->start + range_offset; if [iova, iova + size - 1] overflows or passes range->last,
 * go to the next range; else round iova up to a multiple of size (iova = last & ~(size - 1)
 * with last = iova + size - 1) and check again; on success the cursor moves to just past
 * the allocation, or to the next range when it ends exactly at range->last. A skipped tail
 * is never revisited and nothing is freed.
 *
 * Return: 0; -EINVAL for size 0 or not a power of two (selftest: VFIO_ASSERT); -ENOSPC when
 * the ranges are exhausted ("IOVA allocator out of space").
 */
int iova_allocator_alloc(struct iova_allocator *allocator, u64 size, iova_t *iova_out)
{
	if (!size || (size & (size - 1)))
		return -EINVAL;

	for (;;) {
		struct iommu_iova_range *range;
		iova_t iova, last;

		if (allocator->range_idx >= allocator->nranges)
			return -ENOSPC;

		range = &allocator->ranges[allocator->range_idx];
		iova = range->start + allocator->range_offset;

		/* Check for sufficient space at the current offset */
		if (add_overflows(iova, size - 1, &last) || last > range->last)
			goto next_range;

		/* Align iova to size */
		iova = last & ~(size - 1);

		/* Check for sufficient space at the aligned iova */
		if (add_overflows(iova, size - 1, &last) || last > range->last)
			goto next_range;

		if (last == range->last) {
			allocator->range_idx++;
			allocator->range_offset = 0;
		} else {
			allocator->range_offset = last - range->start + 1;
		}

		*iova_out = iova;
		return 0;

	next_range:
		allocator->range_idx++;
		allocator->range_offset = 0;
	}
}

/**
 * vfio_pci_iova_init() - the range state of Williamson's patch.
 * @dev: the fields his patch added to struct vfio_pci_device
 * @ranges: the ranges as the kernel reported them; copied, in that order (his patch did not
 *          sort)
 * @nranges: their number
 *
 * Filled at container / iommufd setup in his patch: iova_ranges = the reported
 * struct vfio_iova_range {start, end} array, iova_max = the largest end, iova_next =
 * ranges[0].start, iova_range_idx = 0.
 */
int vfio_pci_iova_init(struct vfio_pci_iova_state *dev, const struct iommu_iova_range *ranges,
		       u32 nranges)
{
	memset(dev, 0, sizeof(*dev));
	if (!nranges)
		return -ENODATA;
	dev->iova_ranges = calloc(nranges, sizeof(*dev->iova_ranges));
	if (!dev->iova_ranges)
		return -ENOMEM;
	dev->nr_iova_ranges = nranges;
	for (u32 i = 0; i < nranges; i++) {
		dev->iova_ranges[i].start = ranges[i].start;
		dev->iova_ranges[i].end = ranges[i].last;
		dev->iova_max = max(dev->iova_max, (iova_t)ranges[i].last);
	}
	dev->iova_next = dev->iova_ranges[0].start;
	return 0;
}

/**
 * vfio_pci_iova_cleanup() - free the range state of Williamson's variant.
 */
void vfio_pci_iova_cleanup(struct vfio_pci_iova_state *dev)
{
	free(dev->iova_ranges);
	memset(dev, 0, sizeof(*dev));
}

/* Williamson's range advance: next range, iova_next = its start (if there is one). */
static void vfio_pci_next_iova_range(struct vfio_pci_iova_state *dev)
{
	dev->iova_range_idx++;
	if (dev->iova_range_idx < dev->nr_iova_ranges)
		dev->iova_next = dev->iova_ranges[dev->iova_range_idx].start;
}

/**
 * vfio_pci_get_next_iova() - Williamson's allocator.
 * @dev: the range state
 * @size: a power of two
 * @iova_out: on success, the IOVA, a multiple of @size
 *
 * iova = ALIGN(iova_next, size) with ALIGN(x, a) = ((x) + (a - 1)) & ~((a) - 1); if that
 * wrapped (iova < iova_next), starts past the range's end, or [iova, iova + size - 1]
 * overflows or passes the end, advance to the next range's start and retry. After an
 * allocation iova_next = end + 1, or the next range when end + 1 overflows or passes the
 * range's end. Reconstructed from the patch's description (docs/model/vfio-iova.md): on
 * sorted ranges it returns the same IOVAs as the series' allocator (an aligned fit implies
 * the unaligned fit the series tests first), which tests/drivers/vfio checks.
 *
 * Return: 0; -EINVAL for a size that is 0 or not a power of two; -ENOSPC when exhausted.
 */
int vfio_pci_get_next_iova(struct vfio_pci_iova_state *dev, u64 size, iova_t *iova_out)
{
	if (!is_pow2(size))
		return -EINVAL;

	for (;;) {
		struct vfio_iova_range *range;
		iova_t iova, end;

		if (dev->iova_range_idx >= dev->nr_iova_ranges)
			return -ENOSPC;
		range = &dev->iova_ranges[dev->iova_range_idx];

		iova = (dev->iova_next + (size - 1)) & ~(size - 1);
		if (iova < dev->iova_next || iova > range->end ||
		    add_overflows(iova, size - 1, &end) || end > range->end) {
			vfio_pci_next_iova_range(dev);
			continue;
		}

		if (end == ~(iova_t)0 || end + 1 > range->end)
			vfio_pci_next_iova_range(dev);
		else
			dev->iova_next = end + 1;
		*iova_out = iova;
		return 0;
	}
}

/*
 * The reuse allocator: address-ordered first fit with natural alignment, freeing and
 * coalescing. Two sorted arrays: the free holes (disjoint, never adjacent: neighbours are
 * merged) and the live allocations (for free() by IOVA and to refuse double frees).
 *
 * Complexity, with h holes and a live allocations (h <= a + nranges):
 *   iova_reuse_alloc: O(h) to find the lowest hole that fits the aligned block, plus O(h)
 *                     to split it (array insert) and O(log a + a) to record the allocation;
 *   iova_reuse_free:  O(log a) to find the allocation, O(log h) to find its neighbours,
 *                     O(a + h) for the array remove/insert (memmove);
 *   memory:           O(h + a).
 * The linear terms are memmove()s of 16-byte entries; for the selftests' scale (tens to a few
 * thousand live mappings) this beats a tree. The kernel's own IOVA allocator
 * (drivers/iommu/iova.c) uses an rbtree, O(log n) per operation, top-down; this one is
 * bottom-up like the series so that without frees it hands out low addresses first.
 */

static int extent_insert(struct iova_extent **arr, u32 *n, u32 *cap, u32 at, struct iova_extent e)
{
	if (*n == *cap) {
		u32 ncap = *cap ? *cap * 2 : 16;
		struct iova_extent *na = realloc(*arr, ncap * sizeof(**arr));

		if (!na)
			return -ENOMEM;
		*arr = na;
		*cap = ncap;
	}
	memmove(&(*arr)[at + 1], &(*arr)[at], (*n - at) * sizeof(**arr));
	(*arr)[at] = e;
	(*n)++;
	return 0;
}

static void extent_remove(struct iova_extent *arr, u32 *n, u32 at)
{
	memmove(&arr[at], &arr[at + 1], (*n - at - 1) * sizeof(*arr));
	(*n)--;
}

/* First index whose start is >= x. */
static u32 extent_lower_bound(const struct iova_extent *arr, u32 n, iova_t x)
{
	u32 lo = 0, hi = n;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (arr[mid].start < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Is x the first IOVA of one of the ranges? Holes never merge across such a boundary. */
static bool range_starts_at(const struct iova_reuse_allocator *a, iova_t x)
{
	u32 lo = 0, hi = a->nranges;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (a->ranges[mid].start < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < a->nranges && a->ranges[lo].start == x;
}

/* Add [start, last] to the holes, merging with adjacent holes of the same range. */
static int hole_add(struct iova_reuse_allocator *a, iova_t start, iova_t last)
{
	u32 i = extent_lower_bound(a->holes, a->nholes, start);
	bool merge_prev = i > 0 && a->holes[i - 1].last + 1 == start && !range_starts_at(a, start);
	bool merge_next = i < a->nholes && last != ~(iova_t)0 && last + 1 == a->holes[i].start &&
			  !range_starts_at(a, last + 1);

	if (merge_prev && merge_next) {
		a->holes[i - 1].last = a->holes[i].last;
		extent_remove(a->holes, &a->nholes, i);
		return 0;
	}
	if (merge_prev) {
		a->holes[i - 1].last = last;
		return 0;
	}
	if (merge_next) {
		a->holes[i].start = start;
		return 0;
	}
	return extent_insert(&a->holes, &a->nholes, &a->holes_cap, i,
			     (struct iova_extent){start, last});
}

/**
 * iova_reuse_init() - a free-and-reuse allocator over normalized ranges.
 * @a: the allocator
 * @ranges: sorted, disjoint ranges (iova_ranges_normalize()); copied
 * @nranges: their number
 *
 * The holes start as the ranges. A block never spans two ranges, even adjacent ones: the
 * kernel accepts a mapping only inside one range (vfio_iommu_iova_dma_valid()).
 *
 * Return: 0, -ENODATA for no ranges, -EINVAL for ranges that are not normalized, -ENOMEM.
 */
int iova_reuse_init(struct iova_reuse_allocator *a, const struct iommu_iova_range *ranges,
		    u32 nranges)
{
	memset(a, 0, sizeof(*a));
	if (!nranges)
		return -ENODATA;
	for (u32 i = 0; i < nranges; i++)
		if (ranges[i].start > ranges[i].last ||
		    (i && ranges[i - 1].last >= ranges[i].start))
			return -EINVAL; /* not normalized */
	a->ranges = malloc(nranges * sizeof(*ranges));
	if (!a->ranges)
		return -ENOMEM;
	memcpy(a->ranges, ranges, nranges * sizeof(*ranges));
	a->nranges = nranges;
	for (u32 i = 0; i < nranges; i++) {
		if (hole_add(a, ranges[i].start, ranges[i].last)) {
			iova_reuse_cleanup(a);
			return -ENOMEM;
		}
	}
	return 0;
}

/**
 * iova_reuse_cleanup() - free the reuse allocator's arrays.
 */
void iova_reuse_cleanup(struct iova_reuse_allocator *a)
{
	free(a->ranges);
	free(a->holes);
	free(a->used);
	memset(a, 0, sizeof(*a));
}

/**
 * iova_reuse_alloc() - lowest @align-aligned block of @size bytes in the free space.
 * @a: the allocator
 * @size: bytes, > 0 (any size)
 * @align: a power of two (the CLI passes @size, the series' natural alignment)
 * @iova_out: on success, the IOVA
 *
 * Return: 0, -EINVAL for size 0 or a bad alignment, -ENOSPC when no hole fits, -ENOMEM.
 */
int iova_reuse_alloc(struct iova_reuse_allocator *a, u64 size, u64 align, iova_t *iova_out)
{
	if (!size || !is_pow2(align))
		return -EINVAL;

	for (u32 i = 0; i < a->nholes; i++) {
		struct iova_extent h = a->holes[i];
		iova_t iova, last;
		u32 at;
		int rc;

		if (add_overflows(h.start, align - 1, &iova))
			continue;
		iova &= ~(align - 1);
		if (iova > h.last || add_overflows(iova, size - 1, &last) || last > h.last)
			continue;

		/* Record the allocation first: on ENOMEM nothing has changed. */
		at = extent_lower_bound(a->used, a->nused, iova);
		rc = extent_insert(&a->used, &a->nused, &a->used_cap, at,
				   (struct iova_extent){iova, last});
		if (rc)
			return rc;

		/* Split the hole into [h.start, iova - 1] and [last + 1, h.last]. */
		if (iova > h.start && last < h.last) {
			a->holes[i].last = iova - 1;
			rc = extent_insert(&a->holes, &a->nholes, &a->holes_cap, i + 1,
					   (struct iova_extent){last + 1, h.last});
			if (rc) {
				a->holes[i].last = h.last;
				extent_remove(a->used, &a->nused, at);
				return rc;
			}
		} else if (iova > h.start) {
			a->holes[i].last = iova - 1;
		} else if (last < h.last) {
			a->holes[i].start = last + 1;
		} else {
			extent_remove(a->holes, &a->nholes, i);
		}
		*iova_out = iova;
		return 0;
	}
	return -ENOSPC;
}

/**
 * iova_reuse_free() - give back the allocation that starts at @iova.
 *
 * Return: 0, or -ENOENT when no live allocation starts there (double free, stray IOVA).
 */
int iova_reuse_free(struct iova_reuse_allocator *a, iova_t iova)
{
	u32 at = extent_lower_bound(a->used, a->nused, iova);
	struct iova_extent e;
	int rc;

	if (at == a->nused || a->used[at].start != iova)
		return -ENOENT;
	e = a->used[at];
	rc = hole_add(a, e.start, e.last);
	if (rc)
		return rc;
	extent_remove(a->used, &a->nused, at);
	return 0;
}

/* ---- one front end ---- */

static const char *const kind_names[] = {
    [IOVA_ALLOC_SERIES] = "series",
    [IOVA_ALLOC_WILLIAMSON] = "williamson",
    [IOVA_ALLOC_REUSE] = "reuse",
};

/**
 * iova_allocator_kind_parse() - "series", "williamson" or "reuse" to a kind.
 * Return: 0, or -EINVAL for any other name.
 */
int iova_allocator_kind_parse(const char *s, enum iova_allocator_kind *kind)
{
	for (u32 i = 0; i < ARRAY_SIZE(kind_names); i++)
		if (!strcmp(s, kind_names[i])) {
			*kind = (enum iova_allocator_kind)i;
			return 0;
		}
	return -EINVAL;
}

/**
 * iova_allocator_kind_name() - the name of an allocator kind.
 */
const char *iova_allocator_kind_name(enum iova_allocator_kind kind)
{
	return (u32)kind < ARRAY_SIZE(kind_names) ? kind_names[kind] : "?";
}

/**
 * iova_any_init() - initialize the allocator of @kind over normalized @ranges.
 * Return: 0 or the init function's error.
 */
int iova_any_init(struct iova_any_allocator *a, enum iova_allocator_kind kind,
		  const struct iommu_iova_range *ranges, u32 nranges)
{
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	switch (kind) {
	case IOVA_ALLOC_SERIES:
		return iova_allocator_init(ranges, nranges, &a->series);
	case IOVA_ALLOC_WILLIAMSON:
		return vfio_pci_iova_init(&a->williamson, ranges, nranges);
	case IOVA_ALLOC_REUSE:
		return iova_reuse_init(&a->reuse, ranges, nranges);
	}
	return -EINVAL;
}

/**
 * iova_any_cleanup() - free whichever allocator @a holds.
 */
void iova_any_cleanup(struct iova_any_allocator *a)
{
	iova_allocator_cleanup(a->series);
	a->series = NULL;
	vfio_pci_iova_cleanup(&a->williamson);
	iova_reuse_cleanup(&a->reuse);
}

/**
 * iova_any_alloc() - allocate @size bytes, naturally aligned, from @a.
 * Sizes must be powers of two for all three kinds, as in the series.
 * Return: 0, -EINVAL for a bad size, -ENOSPC when out of space.
 */
int iova_any_alloc(struct iova_any_allocator *a, u64 size, iova_t *iova)
{
	switch (a->kind) {
	case IOVA_ALLOC_SERIES:
		return iova_allocator_alloc(a->series, size, iova);
	case IOVA_ALLOC_WILLIAMSON:
		return vfio_pci_get_next_iova(&a->williamson, size, iova);
	case IOVA_ALLOC_REUSE:
		if (!is_pow2(size))
			return -EINVAL;
		return iova_reuse_alloc(&a->reuse, size, size, iova);
	}
	return -EINVAL;
}
