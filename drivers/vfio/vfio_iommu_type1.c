// SPDX-License-Identifier: GPL-2.0
/*
 * A model of the kernel side of a VFIO type1 container, enough to answer the queries and
 * the map-limit tests without a device: VFIO_IOMMU_GET_INFO with its capability chain,
 * VFIO_IOMMU_MAP_DMA and VFIO_IOMMU_UNMAP_DMA.
 *
 * Models drivers/vfio/vfio_iommu_type1.c and drivers/vfio/vfio_main.c (vfio_info_cap_add,
 * vfio_info_cap_shift) as of v6.18, where "vfio/type1: handle DMA map/unmap up to the
 * addressable limit" (Alex Mastro, Oct 2025) made a wrapping iova + size fail with
 * -EOVERFLOW. Simplified: no pinning, no vaddr, no domains or groups (the valid IOVA list
 * is given, as vfio_iommu_type1_attach_group() would have left it), a mapping is only
 * {iova, size}; see docs/model/vfio-iova.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvmsim/vfio_iova.h"

/* DIRTY_BITMAP_SIZE_MAX = DIRTY_BITMAP_BYTES(DIRTY_BITMAP_PAGES_MAX), pages max = INT_MAX */
#define DIRTY_BITMAP_PAGES_MAX ((u64)0x7fffffff)
#define DIRTY_BITMAP_BYTES(n)  ((((n) + 63) & ~63ull) / 8)
#define DIRTY_BITMAP_SIZE_MAX  DIRTY_BITMAP_BYTES(DIRTY_BITMAP_PAGES_MAX)

/**
 * vfio_iommu_model_init() - a container whose valid IOVA list is @ranges.
 * @iommu: the model
 * @ranges: normalized ranges (the kernel's iova_list is sorted and disjoint); copied
 * @nranges: their number (0: like a container with only an mdev, no IOVA capability)
 * @pgsize_bitmap: supported IOMMU page sizes (e.g. 4K|2M|1G)
 */
int vfio_iommu_model_init(struct vfio_iommu *iommu, const struct iommu_iova_range *ranges,
			  u32 nranges, u64 pgsize_bitmap)
{
	memset(iommu, 0, sizeof(*iommu));
	if (!pgsize_bitmap)
		return -EINVAL;
	if (nranges) {
		iommu->iova_list = malloc(nranges * sizeof(*ranges));
		if (!iommu->iova_list)
			return -ENOMEM;
		memcpy(iommu->iova_list, ranges, nranges * sizeof(*ranges));
	}
	iommu->nr_iova = nranges;
	iommu->pgsize_bitmap = pgsize_bitmap;
	iommu->dma_avail = VFIO_MODEL_DMA_ENTRY_LIMIT;
	return 0;
}

/**
 * vfio_iommu_model_cleanup() - free the container model.
 */
void vfio_iommu_model_cleanup(struct vfio_iommu *iommu)
{
	free(iommu->iova_list);
	free(iommu->dmas);
	memset(iommu, 0, sizeof(*iommu));
}

struct vfio_info_cap {
	u8 *buf;
	size_t size;
};

/*
 * vfio_info_cap_add() (drivers/vfio/vfio_main.c): append a zeroed capability of @size
 * bytes rounded up to 8, link it at the end of the chain (offsets relative to the chain's
 * start until vfio_info_cap_shift()). Returns its offset or -ENOMEM.
 */
static long vfio_info_cap_add(struct vfio_info_cap *caps, size_t size, u16 id, u16 version)
{
	struct vfio_info_cap_header header = {.id = id, .version = version}, tmp;
	size_t off = caps->size, t = 0;
	u8 *buf;

	size = (size + 7) & ~(size_t)7;
	buf = realloc(caps->buf, caps->size + size);
	if (!buf)
		return -ENOMEM;
	caps->buf = buf;
	memset(buf + off, 0, size);
	memcpy(buf + off, &header, sizeof(header));

	/* Add to the end of the capability chain */
	for (memcpy(&tmp, buf, sizeof(tmp)); tmp.next; memcpy(&tmp, buf + t, sizeof(tmp)))
		t = tmp.next;
	tmp.next = (u32)off;
	memcpy(buf + t, &tmp, sizeof(tmp));
	caps->size += size;
	return (long)off;
}

/* vfio_info_add_capability(): add and copy the body after the header */
static int vfio_info_add_capability(struct vfio_info_cap *caps, const void *cap, size_t size)
{
	struct vfio_info_cap_header hdr;
	long off;

	memcpy(&hdr, cap, sizeof(hdr));
	off = vfio_info_cap_add(caps, size, hdr.id, hdr.version);
	if (off < 0)
		return (int)off;
	memcpy(caps->buf + off + sizeof(hdr), (const u8 *)cap + sizeof(hdr), size - sizeof(hdr));
	return 0;
}

/* vfio_info_cap_shift(): make every next an offset from the start of the info buffer */
static void vfio_info_cap_shift(struct vfio_info_cap *caps, size_t offset)
{
	struct vfio_info_cap_header tmp;
	size_t t = 0;

	for (memcpy(&tmp, caps->buf, sizeof(tmp)); tmp.next;) {
		size_t next = tmp.next;

		tmp.next += (u32)offset;
		memcpy(caps->buf + t, &tmp, sizeof(tmp));
		t = next;
		memcpy(&tmp, caps->buf + t, sizeof(tmp));
	}
}

static u64 lowest_pgsize(u64 bitmap)
{
	return bitmap & -bitmap; /* (size_t)1 << __ffs(bitmap) */
}

static int vfio_iommu_migration_build_caps(struct vfio_iommu *iommu, struct vfio_info_cap *caps)
{
	struct vfio_iommu_type1_info_cap_migration cap_mig = {};

	cap_mig.header.id = VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION;
	cap_mig.header.version = 1;
	cap_mig.flags = 0;
	/* support minimum pgsize */
	cap_mig.pgsize_bitmap = lowest_pgsize(iommu->pgsize_bitmap);
	cap_mig.max_dirty_bitmap_size = DIRTY_BITMAP_SIZE_MAX;
	return vfio_info_add_capability(caps, &cap_mig, sizeof(cap_mig));
}

static int vfio_iommu_dma_avail_build_caps(struct vfio_iommu *iommu, struct vfio_info_cap *caps)
{
	struct vfio_iommu_type1_info_dma_avail cap_dma_avail = {};

	cap_dma_avail.header.id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL;
	cap_dma_avail.header.version = 1;
	cap_dma_avail.avail = iommu->dma_avail;
	return vfio_info_add_capability(caps, &cap_dma_avail, sizeof(cap_dma_avail));
}

static int vfio_iommu_iova_build_caps(struct vfio_iommu *iommu, struct vfio_info_cap *caps)
{
	struct vfio_iommu_type1_info_cap_iova_range *cap_iovas;
	size_t size;
	int ret;

	/* Return 0 as a container with a single mdev device will have an empty list */
	if (!iommu->nr_iova)
		return 0;
	size = sizeof(*cap_iovas) + iommu->nr_iova * sizeof(cap_iovas->iova_ranges[0]);
	cap_iovas = calloc(1, size);
	if (!cap_iovas)
		return -ENOMEM;
	cap_iovas->header.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE;
	cap_iovas->header.version = 1;
	cap_iovas->nr_iovas = iommu->nr_iova;
	for (u32 i = 0; i < iommu->nr_iova; i++) {
		cap_iovas->iova_ranges[i].start = iommu->iova_list[i].start;
		cap_iovas->iova_ranges[i].end = iommu->iova_list[i].last;
	}
	ret = vfio_info_add_capability(caps, cap_iovas, size);
	free(cap_iovas);
	return ret;
}

/**
 * vfio_iommu_type1_get_info() - VFIO_IOMMU_GET_INFO.
 * @iommu: the container
 * @arg: the user buffer; the kernel trusts it to hold argsz bytes, and so does this
 *
 * Models vfio_iommu_type1_get_info() (v6.18): reads argsz/flags/iova_pgsizes, -EINVAL if
 * argsz < offsetofend(iova_pgsizes); builds the migration, DMA-available and IOVA-range
 * capabilities in that order; if they do not fit in argsz, raises argsz to the size
 * needed and returns no chain (cap_offset 0, flags still has VFIO_IOMMU_INFO_CAPS); else
 * copies the chain after the info struct. Writes back min(argsz, sizeof(info)) bytes.
 */
int vfio_iommu_type1_get_info(struct vfio_iommu *iommu, void *arg)
{
	struct vfio_iommu_type1_info info = {};
	struct vfio_info_cap caps = {.buf = NULL, .size = 0};
	size_t minsz = offsetof(struct vfio_iommu_type1_info, iova_pgsizes) + sizeof(u64);
	int ret;

	memcpy(&info, arg, minsz);
	if (info.argsz < minsz)
		return -EINVAL;
	minsz = min((size_t)info.argsz, sizeof(info));

	info.flags = VFIO_IOMMU_INFO_PGSIZES;
	info.iova_pgsizes = iommu->pgsize_bitmap;

	ret = vfio_iommu_migration_build_caps(iommu, &caps);
	if (!ret)
		ret = vfio_iommu_dma_avail_build_caps(iommu, &caps);
	if (!ret)
		ret = vfio_iommu_iova_build_caps(iommu, &caps);
	if (ret) {
		free(caps.buf);
		return ret;
	}

	if (caps.size) {
		info.flags |= VFIO_IOMMU_INFO_CAPS;
		if (info.argsz < sizeof(info) + caps.size) {
			info.argsz = (u32)(sizeof(info) + caps.size);
		} else {
			vfio_info_cap_shift(&caps, sizeof(info));
			memcpy((u8 *)arg + sizeof(info), caps.buf, caps.size);
			info.cap_offset = sizeof(info);
		}
		free(caps.buf);
	}
	memcpy(arg, &info, minsz);
	return 0;
}

/* vfio_iommu_iova_dma_valid(): [start, end] inside one valid range (or no list at all) */
static bool vfio_iommu_iova_dma_valid(struct vfio_iommu *iommu, iova_t start, iova_t end)
{
	for (u32 i = 0; i < iommu->nr_iova; i++)
		if (start >= iommu->iova_list[i].start && end <= iommu->iova_list[i].last)
			return true;
	/* a container with a single mdev device will have an empty list */
	return !iommu->nr_iova;
}

/* First mapping whose iova + size - 1 >= x (mappings are sorted and disjoint). */
static u32 dma_lower_bound(struct vfio_iommu *iommu, iova_t x)
{
	u32 lo = 0, hi = iommu->nr_dmas;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (iommu->dmas[mid].iova + (iommu->dmas[mid].size - 1) < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/**
 * vfio_dma_do_map() - VFIO_IOMMU_MAP_DMA, checks only.
 *
 * Models vfio_dma_do_map() (v6.18): size and iova multiples of the smallest IOMMU page
 * (-EINVAL), iova + size - 1 must not wrap (-EOVERFLOW), no overlap with an existing
 * mapping (-EEXIST), no more than dma_entry_limit mappings (-ENOSPC), the range inside one
 * valid IOVA range (-EINVAL). Simplified: the vaddr is not checked or pinned (the model has
 * no user memory), and the order of the checks that cannot both fail is the kernel's.
 */
int vfio_dma_do_map(struct vfio_iommu *iommu, struct vfio_iommu_type1_dma_map *map)
{
	u64 pgsize = lowest_pgsize(iommu->pgsize_bitmap);
	iova_t iova = map->iova, iova_end;
	u64 size = map->size;
	struct vfio_dma *ndmas;
	u32 at;

	if (!size || (size | iova) & (pgsize - 1))
		return -EINVAL;
	/* Don't allow IOVA or virtual address wrap */
	if (__builtin_add_overflow(iova, size - 1, &iova_end))
		return -EOVERFLOW;
	at = dma_lower_bound(iommu, iova);
	if (at < iommu->nr_dmas && iommu->dmas[at].iova <= iova_end)
		return -EEXIST;
	if (!iommu->dma_avail)
		return -ENOSPC;
	if (!vfio_iommu_iova_dma_valid(iommu, iova, iova_end))
		return -EINVAL;

	if (iommu->nr_dmas == iommu->dmas_cap) {
		u32 ncap = iommu->dmas_cap ? 2 * iommu->dmas_cap : 16;

		ndmas = realloc(iommu->dmas, ncap * sizeof(*ndmas));
		if (!ndmas)
			return -ENOMEM;
		iommu->dmas = ndmas;
		iommu->dmas_cap = ncap;
	}
	memmove(&iommu->dmas[at + 1], &iommu->dmas[at], (iommu->nr_dmas - at) * sizeof(*ndmas));
	iommu->dmas[at] = (struct vfio_dma){iova, size};
	iommu->nr_dmas++;
	iommu->dma_avail--;
	return 0;
}

/**
 * vfio_dma_do_unmap() - VFIO_IOMMU_UNMAP_DMA; unmap->size returns the bytes unmapped.
 *
 * Models vfio_dma_do_unmap() (v6.18) for a type1v2 container: iova page aligned
 * (-EINVAL); VFIO_DMA_UNMAP_FLAG_ALL needs iova = size = 0 and unmaps everything; otherwise
 * size non-zero and page aligned (-EINVAL), iova + size - 1 must not wrap (-EOVERFLOW), a
 * mapping straddling either end of the range is -EINVAL (v2 semantics), and every mapping
 * inside is removed. Simplified: no dirty bitmap, no VADDR flag.
 */
int vfio_dma_do_unmap(struct vfio_iommu *iommu, struct vfio_iommu_type1_dma_unmap *unmap)
{
	u64 pgmask = lowest_pgsize(iommu->pgsize_bitmap) - 1;
	iova_t iova = unmap->iova, iova_end;
	u64 size = unmap->size, unmapped = 0;
	u32 at, end;

	if (unmap->flags & ~VFIO_DMA_UNMAP_FLAG_ALL)
		return -EINVAL;
	if (iova & pgmask)
		return -EINVAL;
	if (unmap->flags & VFIO_DMA_UNMAP_FLAG_ALL) {
		if (iova || size)
			return -EINVAL;
		iova_end = ~(iova_t)0;
	} else {
		if (!size || size & pgmask)
			return -EINVAL;
		if (__builtin_add_overflow(iova, size - 1, &iova_end))
			return -EOVERFLOW;
	}

	at = dma_lower_bound(iommu, iova);
	/* a mapping starting below iova that reaches into the range */
	if (at < iommu->nr_dmas && iommu->dmas[at].iova < iova)
		return -EINVAL;
	for (end = at; end < iommu->nr_dmas && iommu->dmas[end].iova <= iova_end; end++) {
		/* a mapping reaching past iova_end */
		if (iommu->dmas[end].size - 1 > iova_end - iommu->dmas[end].iova)
			return -EINVAL;
		unmapped += iommu->dmas[end].size;
	}
	memmove(&iommu->dmas[at], &iommu->dmas[end], (iommu->nr_dmas - end) * sizeof(*iommu->dmas));
	iommu->dma_avail += end - at;
	iommu->nr_dmas -= end - at;
	unmap->size = unmapped;
	return 0;
}

/**
 * vfio_iommu_type1_ioctl() - the container fd's ioctl, as a struct vfio_iova_ioctl.
 *
 * GET_INFO, MAP_DMA and UNMAP_DMA; for the latter two the model reads the fixed struct
 * and checks argsz as the kernel does (argsz < minsz: -EINVAL). Anything else: -ENOTTY.
 */
int vfio_iommu_type1_ioctl(void *priv, unsigned long request, void *arg)
{
	struct vfio_iommu *iommu = priv;

	switch (request) {
	case VFIO_IOMMU_GET_INFO:
		return vfio_iommu_type1_get_info(iommu, arg);
	case VFIO_IOMMU_MAP_DMA: {
		struct vfio_iommu_type1_dma_map *map = arg;

		if (map->argsz < sizeof(*map))
			return -EINVAL;
		return vfio_dma_do_map(iommu, map);
	}
	case VFIO_IOMMU_UNMAP_DMA: {
		struct vfio_iommu_type1_dma_unmap *unmap = arg;

		if (unmap->argsz < sizeof(*unmap))
			return -EINVAL;
		return vfio_dma_do_unmap(iommu, unmap);
	}
	}
	return -ENOTTY;
}
