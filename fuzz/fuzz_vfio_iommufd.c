// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the IOMMU_IOAS_IOVA_RANGES two-call protocol (drivers/vfio/iova_ranges.c) against
 * a kernel whose answers come from the input: each call consumes a 1-byte return code
 * selector, a 4-byte num_iovas and an 8-byte out_iova_alignment, and fills the caller's
 * array (as far as it holds) with 16-byte ranges from the rest of the input. The protocol
 * must end (bounded retries) with 0 or an error; on success the ranges fit what the kernel
 * reported.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kvmsim/vfio_iova.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fake_kernel {
	const uint8_t *data;
	size_t size, pos;
	int calls;
};

static int fake_ranges(void *priv, unsigned long request, void *arg)
{
	struct fake_kernel *k = priv;
	struct iommu_ioas_iova_ranges *cmd = arg;
	struct iommu_iova_range *out = (struct iommu_iova_range *)(uintptr_t)cmd->allowed_iovas;
	u32 max_iovas = cmd->num_iovas, num;
	u8 sel;

	k->calls++;
	if (request != IOMMU_IOAS_IOVA_RANGES || k->calls > 64)
		abort(); /* the protocol must be bounded */
	if (k->pos + 13 > k->size)
		return -EINVAL;
	sel = k->data[k->pos];
	memcpy(&num, k->data + k->pos + 1, 4);
	memcpy(&cmd->out_iova_alignment, k->data + k->pos + 5, 8);
	k->pos += 13;
	num %= 4096; /* keep the caller's realloc small */
	cmd->num_iovas = num;
	for (u32 i = 0; i < min(num, max_iovas) && k->pos + 16 <= k->size; i++, k->pos += 16)
		memcpy(&out[i], k->data + k->pos, 16);
	switch (sel % 4) {
	case 0:
		return num > max_iovas ? -EMSGSIZE : 0; /* the kernel's rule */
	case 1:
		return -EMSGSIZE; /* a liar */
	case 2:
		return 0; /* another liar */
	default:
		return -(int)(sel % 64) - 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fake_kernel k = {data, size, 0, 0};
	struct vfio_iova_ioctl io = {fake_ranges, &k};
	struct iommu_iova_range *r;
	u64 align;
	u32 n;

	if (!iommufd_iova_ranges(&io, 1, &r, &n, &align, NULL)) {
		if (!n || !align || (align & (align - 1)) || k.calls > VFIO_IOVA_QUERY_TRIES)
			abort();
		(void)iova_ranges_normalize(r, n, NULL);
		free(r);
	}
	return 0;
}
