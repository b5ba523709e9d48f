// SPDX-License-Identifier: GPL-2.0
/*
 * IOVA range queries: VFIO_IOMMU_GET_INFO (type1 container) and IOMMU_IOAS_IOVA_RANGES
 * (iommufd), their normalization, and the map-limit logic.
 *
 * Models tools/testing/selftests/vfio/lib/vfio_pci_device.c of Alex Mastro's series
 * "vfio: selftests: update DMA mapping tests to use queried IOVA ranges" v3 (11 Nov 2025),
 * patches 1/4 and 2/4. Where the selftests VFIO_ASSERT() (and abort), these return a
 * negative errno and a message; they also check what the selftests trust (see each
 * function).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvmsim/vfio_iova.h"

static int __attribute__((format(printf, 3, 4)))
iova_err(struct vfio_iova_err *err, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return rc;
}

/**
 * vfio_iova_fd_ioctl() - ioctl(2) on the fd in @priv, as a struct vfio_iova_ioctl.
 * Return: 0, or -errno of the failed ioctl.
 */
int vfio_iova_fd_ioctl(void *priv, unsigned long request, void *arg)
{
	int fd = (int)(intptr_t)priv;

	return ioctl(fd, request, arg) < 0 ? -errno : 0;
}

/**
 * vfio_iommu_get_info() - VFIO_IOMMU_GET_INFO with the argsz re-query.
 * @io: the container
 * @infop: on success, a malloc'ed buffer of (*infop)->argsz bytes holding the info and its
 *         capability chain; the caller frees it
 * @err: reason on failure
 *
 * Models the selftest's vfio_iommu_get_info(): call with argsz = sizeof(info), realloc to the
 * argsz the kernel asks for, call again. Differs: the second answer is re-checked, and if
 * the kernel asks for more again (capabilities grew in between) the query is repeated, up
 * to VFIO_IOVA_QUERY_TRIES calls; the selftest asserts argsz >= sizeof(info) only.
 */
int vfio_iommu_get_info(const struct vfio_iova_ioctl *io, struct vfio_iommu_type1_info **infop,
			struct vfio_iova_err *err)
{
	size_t bufsz = sizeof(struct vfio_iommu_type1_info);
	struct vfio_iommu_type1_info *info = NULL;
	int rc;

	for (int tries = 0; tries < VFIO_IOVA_QUERY_TRIES; tries++) {
		void *nbuf = realloc(info, bufsz);

		if (!nbuf) {
			free(info);
			return iova_err(err, -ENOMEM, "out of memory for %zu bytes of IOMMU info",
					bufsz);
		}
		info = nbuf;
		memset(info, 0, bufsz);
		info->argsz = (u32)bufsz;
		rc = io->ioctl(io->priv, VFIO_IOMMU_GET_INFO, info);
		if (rc) {
			free(info);
			return iova_err(err, rc, "VFIO_IOMMU_GET_INFO: %s", strerror(-rc));
		}
		if (info->argsz < sizeof(*info)) {
			rc = iova_err(err, -EPROTO,
				      "VFIO_IOMMU_GET_INFO: kernel returned argsz %u < %zu",
				      info->argsz, sizeof(*info));
			free(info);
			return rc;
		}
		if (info->argsz <= bufsz) {
			*infop = info;
			return 0;
		}
		bufsz = info->argsz;
	}
	free(info);
	return iova_err(err, -EAGAIN, "VFIO_IOMMU_GET_INFO: argsz still growing after %d calls",
			VFIO_IOVA_QUERY_TRIES);
}

/* A header read with memcpy: the buffer may be unaligned (fuzzing, caller buffers). */
static void read_cap_hdr(const void *buf, u32 off, struct vfio_info_cap_header *hdr)
{
	memcpy(hdr, (const u8 *)buf + off, sizeof(*hdr));
}

/*
 * Checks the fixed part of an info buffer of bufsz bytes and returns its argsz (the walk's
 * limit) in *argsz. The selftest walks up to argsz without knowing the buffer size; a
 * caller-provided buffer may claim more than it holds.
 */
static int info_check(const void *buf, size_t bufsz, struct vfio_iommu_type1_info *info,
		      struct vfio_iova_err *err)
{
	if (bufsz < sizeof(*info))
		return iova_err(err, -EINVAL,
				"IOMMU info buffer of %zu bytes is shorter than struct "
				"vfio_iommu_type1_info (%zu)",
				bufsz, sizeof(*info));
	memcpy(info, buf, sizeof(*info));
	if (info->argsz < sizeof(*info))
		return iova_err(err, -EINVAL, "IOMMU info argsz %u < sizeof(info) %zu", info->argsz,
				sizeof(*info));
	if (info->argsz > bufsz)
		return iova_err(err, -EINVAL,
				"IOMMU info argsz %u is past the end of the %zu-byte buffer",
				info->argsz, bufsz);
	return 0;
}

/**
 * vfio_iommu_info_cap_hdr() - find a capability in a VFIO_IOMMU_GET_INFO buffer.
 * @buf: the info buffer (any alignment)
 * @bufsz: bytes in @buf
 * @cap_id: the capability id to find
 * @cap_off: on success, the offset of its header in @buf
 * @err: reason on failure
 *
 * Models the selftest's vfio_iommu_info_cap_hdr() + next_cap_hdr() (v3): every header
 * offset must lie in [sizeof(info), argsz) with a whole header before argsz, and the walk
 * counts headers and fails after max_depth = (argsz - sizeof(info)) / sizeof(hdr), which
 * is v3's cycle detection: a chain of more headers than fit in the buffer revisits one.
 * Differs: the selftest checks offset >= sizeof(info) only for the first capability; here
 * every "next" is checked, so no header overlaps the fixed info struct.
 *
 * Return: 0; -ENOENT when there is no chain or no such capability; -EINVAL for an offset
 * outside the buffer or a truncated header; -ELOOP for a cycle.
 */
int vfio_iommu_info_cap_hdr(const void *buf, size_t bufsz, u16 cap_id, u32 *cap_off,
			    struct vfio_iova_err *err)
{
	struct vfio_iommu_type1_info info;
	struct vfio_info_cap_header hdr;
	u32 off, max_depth, depth = 0;
	int rc;

	rc = info_check(buf, bufsz, &info, err);
	if (rc)
		return rc;
	if (!(info.flags & VFIO_IOMMU_INFO_CAPS))
		return iova_err(err, -ENOENT,
				"IOMMU info has no capability chain (flags 0x%x lack "
				"VFIO_IOMMU_INFO_CAPS)",
				info.flags);
	if (!info.cap_offset)
		return iova_err(err, -ENOENT,
				"IOMMU info has capabilities but cap_offset is 0 (argsz %u was "
				"too small to return them)",
				info.argsz);

	max_depth = (info.argsz - (u32)sizeof(info)) / (u32)sizeof(hdr);
	for (off = info.cap_offset; off; off = hdr.next) {
		if (off < sizeof(info))
			return iova_err(err, -EINVAL,
					"capability offset %u points into the info header "
					"(< %zu)",
					off, sizeof(info));
		if (off >= info.argsz)
			return iova_err(err, -EINVAL, "capability offset %u is past argsz %u", off,
					info.argsz);
		if (info.argsz - off < sizeof(hdr))
			return iova_err(err, -EINVAL,
					"truncated capability header at offset %u (%u bytes "
					"left, header is %zu)",
					off, info.argsz - off, sizeof(hdr));
		if (++depth > max_depth)
			return iova_err(err, -ELOOP,
					"capability chain contains a cycle (more than %u headers "
					"in %u bytes)",
					max_depth, info.argsz);
		read_cap_hdr(buf, off, &hdr);
		if (hdr.id == cap_id) {
			*cap_off = off;
			return 0;
		}
	}
	return iova_err(err, -ENOENT, "capability %u not in the chain", cap_id);
}

/**
 * vfio_iommu_info_iova_ranges() - the IOVA ranges of a VFIO_IOMMU_GET_INFO buffer.
 * @buf: the info buffer (caller-provided; any alignment)
 * @bufsz: bytes in @buf
 * @rangesp: on success, a malloc'ed array of {start, last}; the caller frees it
 * @nrangesp: its length (> 0)
 * @err: reason on failure
 *
 * Models the selftest's vfio_iommu_iova_ranges() minus the ioctl, with Williamson's check
 * that the capability's version is 1. Differs: the selftest reads nr_iovas ranges without
 * checking that they fit in the buffer; here the array must end within argsz.
 */
int vfio_iommu_info_iova_ranges(const void *buf, size_t bufsz, struct iommu_iova_range **rangesp,
				u32 *nrangesp, struct vfio_iova_err *err)
{
	struct vfio_iommu_type1_info_cap_iova_range cap;
	const size_t fixed = offsetof(struct vfio_iommu_type1_info_cap_iova_range, iova_ranges);
	struct iommu_iova_range *ranges;
	u32 off, argsz;
	int rc;

	rc = vfio_iommu_info_cap_hdr(buf, bufsz, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, &off, err);
	if (rc)
		return rc;
	memcpy(&argsz, buf, sizeof(argsz));
	if (argsz - off < fixed)
		return iova_err(err, -EINVAL,
				"truncated IOVA range capability at offset %u (%u bytes left, "
				"need %zu)",
				off, argsz - off, fixed);
	memcpy(&cap, (const u8 *)buf + off, fixed);
	if (cap.header.version != 1)
		return iova_err(err, -EPROTO, "IOVA range capability has version %u, expected 1",
				cap.header.version);
	if (!cap.nr_iovas)
		return iova_err(err, -ENODATA, "IOVA range capability reports no ranges");
	if ((u64)cap.nr_iovas * sizeof(struct vfio_iova_range) > argsz - off - fixed)
		return iova_err(err, -EINVAL,
				"IOVA range capability claims %u ranges (%llu bytes) but only "
				"%zu bytes follow it within argsz",
				cap.nr_iovas,
				(unsigned long long)cap.nr_iovas * sizeof(struct vfio_iova_range),
				argsz - off - fixed);

	ranges = calloc(cap.nr_iovas, sizeof(*ranges));
	if (!ranges)
		return iova_err(err, -ENOMEM, "out of memory for %u ranges", cap.nr_iovas);
	for (u32 i = 0; i < cap.nr_iovas; i++) {
		struct vfio_iova_range r;

		memcpy(&r, (const u8 *)buf + off + fixed + i * sizeof(r), sizeof(r));
		ranges[i].start = r.start;
		ranges[i].last = r.end;
	}
	*rangesp = ranges;
	*nrangesp = cap.nr_iovas;
	return 0;
}

/**
 * vfio_iommu_iova_ranges() - query a type1 container's IOVA ranges.
 *
 * Models the selftest's vfio_iommu_iova_ranges(): vfio_iommu_get_info() then the walk.
 * The ranges are as reported; iova_ranges_normalize() sorts and validates them.
 */
int vfio_iommu_iova_ranges(const struct vfio_iova_ioctl *io, struct iommu_iova_range **rangesp,
			   u32 *nrangesp, struct vfio_iova_err *err)
{
	struct vfio_iommu_type1_info *info;
	int rc;

	rc = vfio_iommu_get_info(io, &info, err);
	if (rc)
		return rc;
	rc = vfio_iommu_info_iova_ranges(info, info->argsz, rangesp, nrangesp, err);
	free(info);
	return rc;
}

/**
 * iommufd_iova_ranges_from_buf() - ranges out of an IOMMU_IOAS_IOVA_RANGES answer.
 * @cmd: the command as the kernel returned it
 * @buf: the array @cmd->allowed_iovas pointed to (caller-provided)
 * @buf_len: its capacity in ranges
 * @rangesp: on success, a malloc'ed copy; the caller frees it
 * @nrangesp: its length (> 0)
 * @err: reason on failure
 *
 * The selftest trusts the second call; here the answer must fit the array (else -EMSGSIZE,
 * as the kernel would have returned), name at least one range, and carry a power-of-two
 * out_iova_alignment.
 */
int iommufd_iova_ranges_from_buf(const struct iommu_ioas_iova_ranges *cmd,
				 const struct iommu_iova_range *buf, u32 buf_len,
				 struct iommu_iova_range **rangesp, u32 *nrangesp,
				 struct vfio_iova_err *err)
{
	struct iommu_iova_range *ranges;

	if (!cmd->num_iovas)
		return iova_err(err, -ENODATA, "IOAS %u reports no IOVA ranges", cmd->ioas_id);
	if (cmd->num_iovas > buf_len)
		return iova_err(err, -EMSGSIZE,
				"IOAS %u has %u IOVA ranges but the buffer holds %u", cmd->ioas_id,
				cmd->num_iovas, buf_len);
	if (!cmd->out_iova_alignment || (cmd->out_iova_alignment & (cmd->out_iova_alignment - 1)))
		return iova_err(err, -EPROTO,
				"IOAS %u reports out_iova_alignment %llu, not a power of two",
				cmd->ioas_id, (unsigned long long)cmd->out_iova_alignment);
	ranges = calloc(cmd->num_iovas, sizeof(*ranges));
	if (!ranges)
		return iova_err(err, -ENOMEM, "out of memory for %u ranges", cmd->num_iovas);
	memcpy(ranges, buf, cmd->num_iovas * sizeof(*ranges));
	*rangesp = ranges;
	*nrangesp = cmd->num_iovas;
	return 0;
}

/**
 * iommufd_iova_ranges() - IOMMU_IOAS_IOVA_RANGES with the EMSGSIZE two-call protocol.
 * @io: the iommufd
 * @ioas_id: the IOAS to query
 * @rangesp: on success, a malloc'ed array; the caller frees it
 * @nrangesp: its length (> 0)
 * @alignp: if not NULL, out_iova_alignment
 * @err: reason on failure
 *
 * Models the selftest's iommufd_iova_ranges(): the first call with num_iovas = 0 must fail
 * with EMSGSIZE and report the count; allocate; call again with the array. Differs: when
 * the count grows between the calls (a device attached in between: "ranges may change")
 * the second call fails with EMSGSIZE again and the query repeats, up to
 * VFIO_IOVA_QUERY_TRIES calls; the selftest would assert.
 */
int iommufd_iova_ranges(const struct vfio_iova_ioctl *io, u32 ioas_id,
			struct iommu_iova_range **rangesp, u32 *nrangesp, u64 *alignp,
			struct vfio_iova_err *err)
{
	struct iommu_iova_range *buf = NULL;
	struct iommu_ioas_iova_ranges cmd;
	u32 cap = 0;
	int rc;

	for (int tries = 0; tries < VFIO_IOVA_QUERY_TRIES; tries++) {
		cmd = (struct iommu_ioas_iova_ranges){
		    .size = sizeof(cmd),
		    .ioas_id = ioas_id,
		    .num_iovas = cap,
		    .allowed_iovas = (uintptr_t)buf,
		};
		rc = io->ioctl(io->priv, IOMMU_IOAS_IOVA_RANGES, &cmd);
		if (rc == -EMSGSIZE) {
			void *nbuf;

			if (cmd.num_iovas <= cap) {
				free(buf);
				return iova_err(err, -EPROTO,
						"IOMMU_IOAS_IOVA_RANGES: EMSGSIZE but num_iovas %u "
						"fits the %u given",
						cmd.num_iovas, cap);
			}
			cap = cmd.num_iovas;
			nbuf = realloc(buf, (size_t)cap * sizeof(*buf));
			if (!nbuf) {
				free(buf);
				return iova_err(err, -ENOMEM, "out of memory for %u ranges", cap);
			}
			buf = nbuf;
			continue;
		}
		if (rc) {
			free(buf);
			return iova_err(err, rc, "IOMMU_IOAS_IOVA_RANGES(ioas %u): %s", ioas_id,
					strerror(-rc));
		}
		rc = iommufd_iova_ranges_from_buf(&cmd, buf, cap, rangesp, nrangesp, err);
		if (!rc && alignp)
			*alignp = cmd.out_iova_alignment;
		free(buf);
		return rc;
	}
	free(buf);
	return iova_err(err, -EAGAIN, "IOMMU_IOAS_IOVA_RANGES: count still growing after %d calls",
			VFIO_IOVA_QUERY_TRIES);
}

/* The selftest's iova_range_comp(): ascending start. */
static int iova_range_comp(const void *a, const void *b)
{
	const struct iommu_iova_range *ra = a, *rb = b;

	if (ra->start < rb->start)
		return -1;
	if (ra->start > rb->start)
		return 1;
	return 0;
}

/**
 * iova_ranges_normalize() - sort ranges by start and validate them.
 * @ranges: {start, last} ranges (from either query), sorted in place
 * @nranges: their number
 * @err: reason on failure
 *
 * Models the tail of the selftest's vfio_pci_iova_ranges(): qsort by start, then every
 * range must have start <= last and follow its predecessor without overlap
 * (ranges[i-1].last < ranges[i].start). Adjacent ranges are kept apart, not merged: the
 * allocators' behaviour depends on range boundaries. Differs: the selftest asserts
 * start < last, refusing a one-byte range; the issue asks for start <= last, and a one-byte
 * range is a valid inclusive range.
 *
 * Return: 0, -ENODATA for no ranges, -EINVAL for an inverted or overlapping range.
 */
int iova_ranges_normalize(struct iommu_iova_range *ranges, u32 nranges, struct vfio_iova_err *err)
{
	if (!nranges)
		return iova_err(err, -ENODATA, "no IOVA ranges");
	qsort(ranges, nranges, sizeof(*ranges), iova_range_comp);
	for (u32 i = 0; i < nranges; i++) {
		if (ranges[i].start > ranges[i].last)
			return iova_err(err, -EINVAL, "IOVA range 0x%llx-0x%llx has start > last",
					(unsigned long long)ranges[i].start,
					(unsigned long long)ranges[i].last);
		if (i && ranges[i - 1].last >= ranges[i].start)
			return iova_err(err, -EINVAL,
					"IOVA ranges 0x%llx-0x%llx and 0x%llx-0x%llx overlap",
					(unsigned long long)ranges[i - 1].start,
					(unsigned long long)ranges[i - 1].last,
					(unsigned long long)ranges[i].start,
					(unsigned long long)ranges[i].last);
	}
	return 0;
}

/**
 * vfio_pci_iova_ranges() - a device's IOVA ranges, sorted and validated.
 * @iommu: the device's IOMMU: a type1 container or an iommufd IOAS
 * @rangesp: on success, a malloc'ed array; the caller frees it
 * @nrangesp: its length (> 0)
 * @err: reason on failure
 *
 * Models the series' public vfio_pci_iova_ranges(device, &nranges): dispatch on
 * device->iommufd to iommufd_iova_ranges() or vfio_iommu_iova_ranges(), then
 * iova_ranges_normalize(). The selftest asserts where this returns an error.
 */
int vfio_pci_iova_ranges(const struct vfio_pci_iommu *iommu, struct iommu_iova_range **rangesp,
			 u32 *nrangesp, struct vfio_iova_err *err)
{
	struct iommu_iova_range *ranges;
	u32 n;
	int rc;

	if (iommu->iommufd)
		rc = iommufd_iova_ranges(&iommu->io, iommu->ioas_id, &ranges, &n, NULL, err);
	else
		rc = vfio_iommu_iova_ranges(&iommu->io, &ranges, &n, err);
	if (rc)
		return rc;
	rc = iova_ranges_normalize(ranges, n, err);
	if (rc) {
		free(ranges);
		return rc;
	}
	*rangesp = ranges;
	*nrangesp = n;
	return 0;
}

/**
 * vfio_dma_map_limit_last_iova() - the last available IOVA.
 *
 * Patch 2/4, FIXTURE_SETUP(vfio_dma_map_limit_test): last_iova = ranges[nranges - 1].last
 * of the sorted ranges. Williamson's variant used iova_max = the largest end over the
 * ranges, which is the same value once the ranges are normalized; this computes the
 * maximum, so it is also right for unsorted input.
 */
int vfio_dma_map_limit_last_iova(const struct iommu_iova_range *ranges, u32 nranges, iova_t *last)
{
	iova_t m = 0;

	if (!nranges)
		return -ENODATA;
	for (u32 i = 0; i < nranges; i++)
		m = max(m, (iova_t)ranges[i].last);
	*last = m;
	return 0;
}

/**
 * vfio_dma_map_limit_region_iova() - where the limit tests map their region.
 *
 * Patch 2/4: one region "one page prior to the last iova":
 * region->iova = last_iova & ~(region_size - 1). region_size is a power of two (a page).
 */
iova_t vfio_dma_map_limit_region_iova(iova_t last_iova, u64 region_size)
{
	return last_iova & ~(region_size - 1);
}

/**
 * vfio_dma_map_overflow_iova() - where the overflow test maps.
 *
 * Patch 2/4 v2+: the overflow test always runs, at the top of the 64-bit space:
 * region->iova = ~(iova_t)0 & ~(region->size - 1) while region->size is still one page (the
 * top page), then region->size = mmap_size (2 pages), so iova + size wraps and map/unmap
 * must fail with -EOVERFLOW whatever the IOVA ranges. @region_size is the one page.
 */
iova_t vfio_dma_map_overflow_iova(u64 region_size)
{
	return ~(iova_t)0 & ~(region_size - 1);
}

/**
 * vfio_dma_map_overflow_test_runs_v1() - would v1 have run the overflow test?
 *
 * Patch 2/4 v1: the overflow test ran only when the limit region was already the top page
 * of the 64-bit space, and was skipped ("IOMMU address space insufficient for overflow
 * test") otherwise, i.e. on every IOMMU narrower than 64 bits.
 */
bool vfio_dma_map_overflow_test_runs_v1(iova_t last_iova, u64 region_size)
{
	return vfio_dma_map_limit_region_iova(last_iova, region_size) ==
	       (~(iova_t)0 & ~(region_size - 1));
}
