// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the VFIO_IOMMU_GET_INFO capability-chain walk (drivers/vfio/iova_ranges.c).
 *
 * The input is an info buffer as a kernel (or an attacker posing as one) might return it:
 * struct vfio_iommu_type1_info followed by a capability chain. It goes
 *  1. straight to the caller-buffer walk, vfio_iommu_info_iova_ranges(), and
 *  2. through vfio_iommu_get_info()'s argsz re-query, with a fake kernel that answers with
 *     the input's bytes (its argsz field included, capped to keep allocations small).
 * Whatever the input, the walk must return 0 or an error and never read outside the input;
 * on success every range must come from inside the buffer and normalization must not crash.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kvmsim/vfio_iova.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fake_kernel {
	const uint8_t *data;
	size_t size;
};

static int fake_get_info(void *priv, unsigned long request, void *arg)
{
	const struct fake_kernel *k = priv;
	struct vfio_iommu_type1_info *info = arg;
	u32 have = info->argsz, claimed;

	if (k->size < sizeof(u32))
		return -EINVAL;
	memcpy(&claimed, k->data, sizeof(claimed));
	/* the kernel writes at most the buffer it was given */
	memcpy(arg, k->data, min((size_t)have, k->size));
	/* keep the re-query's realloc small: a claimed argsz past the input + 4K is clamped */
	info->argsz = (u32)min((size_t)claimed, k->size + 4096);
	return 0;
}

static void check_ranges(struct iommu_iova_range *r, u32 n)
{
	if (!n)
		abort(); /* success means at least one range */
	(void)iova_ranges_normalize(r, n, NULL);
	free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fake_kernel k = {data, size};
	struct vfio_iova_ioctl io = {fake_get_info, &k};
	struct vfio_iova_err err;
	struct iommu_iova_range *r;
	u32 n, off;

	if (!vfio_iommu_info_iova_ranges(data, size, &r, &n, &err)) {
		/* 16 bytes per range after a 16-byte capability, all within the input */
		if ((u64)n * 16 + 16 + sizeof(struct vfio_iommu_type1_info) > size)
			abort();
		check_ranges(r, n);
	}
	if (!vfio_iommu_info_cap_hdr(data, size, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, &off, NULL) &&
	    (off < sizeof(struct vfio_iommu_type1_info) || off + 8 > size))
		abort();
	if (!vfio_iommu_iova_ranges(&io, &r, &n, &err))
		check_ranges(r, n);
	return 0;
}
