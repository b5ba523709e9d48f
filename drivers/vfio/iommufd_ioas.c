// SPDX-License-Identifier: GPL-2.0
/*
 * A model of the kernel side of IOMMU_IOAS_IOVA_RANGES on an iommufd IOAS.
 *
 * Models drivers/iommu/iommufd/ioas.c iommufd_ioas_iova_ranges() and the size handling of
 * iommufd_fops_ioctl() in drivers/iommu/iommufd/main.c (v6.18). It lives in drivers/vfio/
 * beside its only user, the query path. Simplified: the IOAS holds its allowed ranges
 * directly (the kernel derives them as the holes of iopt.reserved_itree, which the ranges
 * given here stand for); no object refcounts, no locking.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvmsim/vfio_iova.h"

/**
 * iommufd_ioas_model_init() - an IOAS whose usable IOVA space is @ranges.
 * @ioas: the model
 * @ioas_id: its object id
 * @ranges: normalized ranges (holes between reserved regions); copied
 * @nranges: their number
 * @iova_alignment: iopt.iova_alignment, a power of two (1 .. PAGE_SIZE in the kernel)
 */
int iommufd_ioas_model_init(struct iommufd_ioas_model *ioas, u32 ioas_id,
			    const struct iommu_iova_range *ranges, u32 nranges, u64 iova_alignment)
{
	memset(ioas, 0, sizeof(*ioas));
	if (!iova_alignment || (iova_alignment & (iova_alignment - 1)))
		return -EINVAL;
	if (nranges) {
		ioas->allowed = malloc(nranges * sizeof(*ranges));
		if (!ioas->allowed)
			return -ENOMEM;
		memcpy(ioas->allowed, ranges, nranges * sizeof(*ranges));
	}
	ioas->ioas_id = ioas_id;
	ioas->nallowed = nranges;
	ioas->iova_alignment = iova_alignment;
	return 0;
}

/**
 * iommufd_ioas_model_cleanup() - free the IOAS model's ranges.
 */
void iommufd_ioas_model_cleanup(struct iommufd_ioas_model *ioas)
{
	free(ioas->allowed);
	memset(ioas, 0, sizeof(*ioas));
}

/**
 * iommufd_ioas_iova_ranges() - IOMMU_IOAS_IOVA_RANGES.
 * @ioas: the IOAS (the model has one; the id must match)
 * @cmd: the command; allowed_iovas is a pointer to num_iovas entries
 *
 * As the kernel: __reserved must be 0 (-EOPNOTSUPP); the ranges that fit in the caller's
 * num_iovas are written, num_iovas is set to the total and out_iova_alignment to the IOAS's,
 * and when the total exceeds the caller's count the command (already copied back) fails
 * with -EMSGSIZE.
 */
int iommufd_ioas_iova_ranges(struct iommufd_ioas_model *ioas, struct iommu_ioas_iova_ranges *cmd)
{
	struct iommu_iova_range *ranges = (struct iommu_iova_range *)(uintptr_t)cmd->allowed_iovas;
	u32 max_iovas;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->ioas_id != ioas->ioas_id)
		return -ENOENT;

	max_iovas = cmd->num_iovas;
	cmd->num_iovas = 0;
	cmd->out_iova_alignment = ioas->iova_alignment;
	for (u32 i = 0; i < ioas->nallowed; i++) {
		if (cmd->num_iovas < max_iovas) {
			if (!ranges)
				return -EFAULT;
			ranges[cmd->num_iovas] = ioas->allowed[i];
		}
		cmd->num_iovas++;
	}
	if (cmd->num_iovas > max_iovas)
		return -EMSGSIZE;
	return 0;
}

/**
 * iommufd_ioas_ioctl() - the iommufd's ioctl for IOMMU_IOAS_IOVA_RANGES.
 *
 * iommufd_fops_ioctl(): the user's size must be at least the command's min_size
 * (offsetofend(out_iova_alignment)), else -EINVAL; a larger size is accepted (the kernel
 * also requires the extra bytes to be zero; the model's struct has none). Other
 * commands: -ENOIOCTLCMD, which the kernel turns into -ENOTTY.
 */
int iommufd_ioas_ioctl(void *priv, unsigned long request, void *arg)
{
	struct iommu_ioas_iova_ranges *cmd = arg;

	if (request != IOMMU_IOAS_IOVA_RANGES)
		return -ENOTTY;
	if (cmd->size < sizeof(*cmd))
		return -EINVAL;
	return iommufd_ioas_iova_ranges(priv, cmd);
}
