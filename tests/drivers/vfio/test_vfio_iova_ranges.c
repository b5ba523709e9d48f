// SPDX-License-Identifier: GPL-2.0
/*
 * The IOVA range query paths (drivers/vfio/iova_ranges.c) against the kernel models and
 * against hand-made, malicious answers.
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

#define INFO_SZ sizeof(struct vfio_iommu_type1_info) /* 24 */
#define HDR_SZ	sizeof(struct vfio_info_cap_header)  /* 8 */

/* ---- helpers to write a GET_INFO answer by hand ---- */

static void put_info(u8 *buf, u32 argsz, u32 flags, u32 cap_offset)
{
	struct vfio_iommu_type1_info info = {
	    .argsz = argsz, .flags = flags, .iova_pgsizes = 4096, .cap_offset = cap_offset};

	memcpy(buf, &info, sizeof(info));
}

static void put_hdr(u8 *buf, u32 off, u16 id, u16 version, u32 next)
{
	struct vfio_info_cap_header h = {.id = id, .version = version, .next = next};

	memcpy(buf + off, &h, sizeof(h));
}

/* an IOVA-range capability at off with n ranges {start_i, end_i} */
static void put_iova_cap(u8 *buf, u32 off, u16 version, u32 next, u32 n, const u64 *se)
{
	put_hdr(buf, off, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, version, next);
	memcpy(buf + off + 8, &n, 4);
	memset(buf + off + 12, 0, 4);
	if (se)
		memcpy(buf + off + 16, se, n * 16);
}

static int walk(const u8 *buf, size_t bufsz, struct vfio_iova_err *err)
{
	struct iommu_iova_range *r = NULL;
	u32 n = 0;
	int rc = vfio_iommu_info_iova_ranges(buf, bufsz, &r, &n, err);

	free(r);
	return rc;
}

/* ---- the type1 model through the real query path ---- */

static void test_type1_model_chain_layout(void **state)
{
	/*
	 * vfio_iommu_type1_get_info() adds migration (id 2, 32 bytes: hdr 8 + flags 4 + pad 4 +
	 * pgsize_bitmap 8 + max_dirty 8), DMA-avail (id 3, 12 bytes rounded to 16) and IOVA
	 * range (id 1, 16 + 16 * n) in that order, after the 24-byte info: offsets 24, 56, 72;
	 * with n = 2 argsz = 24 + 32 + 16 + 48 = 120.
	 */
	struct iommu_iova_range in[2] = {{0, 0xfedfffff}, {0xfef00000, 0x7fffffffff}};
	struct vfio_iommu iommu;
	struct vfio_iommu_type1_info info = {.argsz = INFO_SZ};
	struct vfio_info_cap_header h;
	u8 buf[120];
	u64 u;

	assert_int_equal(vfio_iommu_model_init(&iommu, in, 2, 0x40201000), 0);
	/* first call: argsz raised, chain flagged but not returned */
	assert_int_equal(vfio_iommu_type1_get_info(&iommu, &info), 0);
	assert_int_equal(info.argsz, 120);
	assert_int_equal(info.flags, VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS);
	assert_int_equal(info.cap_offset, 0);
	assert_int_equal(info.iova_pgsizes, 0x40201000);

	memset(buf, 0xa5, sizeof(buf));
	memcpy(buf, &(u32){120}, 4);
	assert_int_equal(vfio_iommu_type1_get_info(&iommu, buf), 0);
	memcpy(&info, buf, sizeof(info));
	assert_int_equal(info.cap_offset, 24);
	memcpy(&h, buf + 24, 8);
	assert_int_equal(h.id, VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION);
	assert_int_equal(h.next, 56);
	/* migration pgsize_bitmap = lowest page size 4K; max_dirty = ALIGN(2^31-1, 64)/8 = 2^28 */
	memcpy(&u, buf + 24 + 16, 8);
	assert_int_equal(u, 4096);
	memcpy(&u, buf + 24 + 24, 8);
	assert_int_equal(u, 1ull << 28);
	memcpy(&h, buf + 56, 8);
	assert_int_equal(h.id, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
	assert_int_equal(h.next, 72);
	memcpy(&h, buf + 72, 8);
	assert_int_equal(h.id, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
	assert_int_equal(h.version, 1);
	assert_int_equal(h.next, 0);
	vfio_iommu_model_cleanup(&iommu);
}

static void test_type1_model_query(void **state)
{
	/* unsorted in the model on purpose: the query reports them as they are */
	struct iommu_iova_range in[3] = {
	    {0xfef00000, 0x7fffffffff}, {0, 0xfedfffff}, {0x8000000000, 0x8000000fff}};
	struct vfio_iommu iommu;
	struct vfio_iova_ioctl io = {vfio_iommu_type1_ioctl, &iommu};
	struct vfio_iova_err err;
	struct iommu_iova_range *r;
	u32 n;

	assert_int_equal(vfio_iommu_model_init(&iommu, in, 3, 4096), 0);
	assert_int_equal(vfio_iommu_iova_ranges(&io, &r, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(r, in, sizeof(in));
	assert_int_equal(iova_ranges_normalize(r, n, &err), 0);
	assert_int_equal(r[0].start, 0);
	assert_int_equal(r[1].start, 0xfef00000);
	assert_int_equal(r[2].last, 0x8000000fff);
	free(r);
	vfio_iommu_model_cleanup(&iommu);

	/* a container with only an mdev: empty iova_list, no IOVA capability */
	assert_int_equal(vfio_iommu_model_init(&iommu, NULL, 0, 4096), 0);
	assert_int_equal(vfio_iommu_iova_ranges(&io, &r, &n, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "capability 1 not in the chain"));
	vfio_iommu_model_cleanup(&iommu);
}

static void test_type1_model_minsz(void **state)
{
	/* argsz < offsetofend(iova_pgsizes) = 16: -EINVAL; argsz 16 writes back 16 bytes only */
	struct iommu_iova_range in[1] = {{0, 0xffff}};
	struct vfio_iommu iommu;
	u8 buf[24];

	assert_int_equal(vfio_iommu_model_init(&iommu, in, 1, 4096), 0);
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &(u32){15}, 4);
	assert_int_equal(vfio_iommu_type1_get_info(&iommu, buf), -EINVAL);
	memset(buf, 0xee, sizeof(buf));
	memcpy(buf, &(u32){16}, 4);
	assert_int_equal(vfio_iommu_type1_get_info(&iommu, buf), 0);
	assert_int_equal(buf[16], 0xee); /* cap_offset untouched */
	vfio_iommu_model_cleanup(&iommu);
}

/* ---- fake kernels ---- */

struct fake {
	int calls;
	int grow_each_call; /* raise argsz by 8 on every call */
	u32 answer_argsz;   /* for a broken kernel */
	int fail_rc;
};

static int fake_get_info(void *priv, unsigned long request, void *arg)
{
	struct fake *f = priv;
	struct vfio_iommu_type1_info *info = arg;
	u64 se[2] = {0x1000, 0x1fff};
	u32 need = 24 + 32 + (u32)(8 * f->calls * f->grow_each_call);

	f->calls++;
	if (request != VFIO_IOMMU_GET_INFO)
		return -ENOTTY;
	if (f->fail_rc)
		return f->fail_rc;
	if (f->answer_argsz) {
		info->argsz = f->answer_argsz;
		return 0;
	}
	info->flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
	if (info->argsz < need) {
		info->argsz = need;
		info->cap_offset = 0;
		return 0;
	}
	/* the chain ends up at need - 32 */
	info->cap_offset = need - 32;
	put_iova_cap(arg, need - 32, 1, 0, 1, se);
	return 0;
}

static void test_get_info_requery(void **state)
{
	/* a kernel whose chain grows once between the calls: three calls, then success */
	struct fake f = {.grow_each_call = 0};
	struct vfio_iova_ioctl io = {fake_get_info, &f};
	struct vfio_iova_err err;
	struct iommu_iova_range *r;
	u32 n;

	assert_int_equal(vfio_iommu_iova_ranges(&io, &r, &n, &err), 0);
	assert_int_equal(f.calls, 2); /* the selftest's two calls */
	assert_int_equal(n, 1);
	assert_int_equal(r[0].start, 0x1000);
	assert_int_equal(r[0].last, 0x1fff);
	free(r);

	/* growing on every call: VFIO_IOVA_QUERY_TRIES calls, then -EAGAIN */
	f = (struct fake){.grow_each_call = 1};
	assert_int_equal(vfio_iommu_iova_ranges(&io, &r, &n, &err), -EAGAIN);
	assert_int_equal(f.calls, VFIO_IOVA_QUERY_TRIES);

	/* a kernel that answers argsz 8 < sizeof(info): -EPROTO, not a short buffer walk */
	f = (struct fake){.answer_argsz = 8};
	assert_int_equal(vfio_iommu_iova_ranges(&io, &r, &n, &err), -EPROTO);
	assert_non_null(strstr(err.msg, "argsz 8"));

	/* the ioctl's errno is passed up */
	f = (struct fake){.fail_rc = -ENODEV};
	assert_int_equal(vfio_iommu_iova_ranges(&io, &r, &n, &err), -ENODEV);
	assert_non_null(strstr(err.msg, "VFIO_IOMMU_GET_INFO"));
}

/* ---- malicious capability chains over caller buffers ---- */

static void test_chain_cycles(void **state)
{
	struct vfio_iova_err err;
	u8 buf[128] = {0};

	/* a capability pointing at itself: max_depth = (64 - 24) / 8 = 5, the 6th visit fails */
	put_info(buf, 64, VFIO_IOMMU_INFO_CAPS, 24);
	put_hdr(buf, 24, 7, 1, 24);
	assert_int_equal(walk(buf, sizeof(buf), &err), -ELOOP);
	assert_non_null(strstr(err.msg, "cycle"));
	assert_non_null(strstr(err.msg, "more than 5 headers in 64 bytes"));

	/* a two-element cycle 24 -> 40 -> 24 */
	put_hdr(buf, 24, 7, 1, 40);
	put_hdr(buf, 40, 8, 1, 24);
	assert_int_equal(walk(buf, sizeof(buf), &err), -ELOOP);

	/* the longest legal chain: 5 headers back to back in 64 bytes, the last one found */
	put_info(buf, 64, VFIO_IOMMU_INFO_CAPS, 24);
	for (u32 off = 24; off < 64; off += 8)
		put_hdr(buf, off, off == 56 ? 99 : 7, 1, off == 56 ? 0 : off + 8);
	u32 at = 0;

	assert_int_equal(vfio_iommu_info_cap_hdr(buf, sizeof(buf), 99, &at, &err), 0);
	assert_int_equal(at, 56);

	/*
	 * Overlapping headers 4 bytes apart, 24 -> 28 -> ... -> 56 -> 0: no cycle, but 9
	 * headers > max_depth 5 in 64 bytes, so v3's depth bound rejects the chain at the 6th.
	 * (Each next field doubles as the following header's id/version.)
	 */
	memset(buf + 24, 0, 40);
	for (u32 off = 24; off <= 56; off += 4) {
		u32 next = off == 56 ? 0 : off + 4;

		memcpy(buf + off + 4, &next, 4);
	}
	assert_int_equal(vfio_iommu_info_cap_hdr(buf, sizeof(buf), 99, &at, &err), -ELOOP);
}

static void test_chain_bounds(void **state)
{
	struct vfio_iova_err err;
	u8 buf[128] = {0};

	/* first offset past argsz */
	put_info(buf, 64, VFIO_IOMMU_INFO_CAPS, 200);
	assert_int_equal(walk(buf, sizeof(buf), &err), -EINVAL);
	assert_non_null(strstr(err.msg, "past argsz"));

	/* offset == argsz */
	put_info(buf, 64, VFIO_IOMMU_INFO_CAPS, 64);
	assert_int_equal(walk(buf, sizeof(buf), &err), -EINVAL);

	/* a next past argsz */
	put_info(buf, 64, VFIO_IOMMU_INFO_CAPS, 24);
	put_hdr(buf, 24, 7, 1, 0x7fffffff);
	assert_int_equal(walk(buf, sizeof(buf), &err), -EINVAL);

	/* truncated header: 4 bytes left before argsz */
	put_info(buf, 64, VFIO_IOMMU_INFO_CAPS, 60);
	assert_int_equal(walk(buf, sizeof(buf), &err), -EINVAL);
	assert_non_null(strstr(err.msg, "truncated capability header"));

	/* offsets inside the 24-byte info struct, first and later */
	put_info(buf, 64, VFIO_IOMMU_INFO_CAPS, 8);
	assert_int_equal(walk(buf, sizeof(buf), &err), -EINVAL);
	assert_non_null(strstr(err.msg, "info header"));
	put_info(buf, 64, VFIO_IOMMU_INFO_CAPS, 24);
	put_hdr(buf, 24, 7, 1, 4);
	assert_int_equal(walk(buf, sizeof(buf), &err), -EINVAL);

	/* argsz larger than the buffer given */
	put_info(buf, 256, VFIO_IOMMU_INFO_CAPS, 24);
	assert_int_equal(walk(buf, sizeof(buf), &err), -EINVAL);
	assert_non_null(strstr(err.msg, "past the end"));

	/* argsz smaller than the info struct, and a buffer smaller than it */
	put_info(buf, 20, VFIO_IOMMU_INFO_CAPS, 24);
	assert_int_equal(walk(buf, sizeof(buf), &err), -EINVAL);
	assert_int_equal(walk(buf, 10, &err), -EINVAL);
}

static void test_chain_iova_cap(void **state)
{
	struct vfio_iova_err err;
	struct iommu_iova_range *r;
	u64 se[4] = {0x0, 0xffff, 0x100000, 0x1fffff};
	u8 buf[160] = {0};
	u32 n;

	/* a good chain: a foreign cap at 24 then the IOVA cap at 40 with 2 ranges: 40+16+32 */
	put_info(buf, 88, VFIO_IOMMU_INFO_CAPS | VFIO_IOMMU_INFO_PGSIZES, 24);
	put_hdr(buf, 24, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, 1, 40);
	put_iova_cap(buf, 40, 1, 0, 2, se);
	assert_int_equal(vfio_iommu_info_iova_ranges(buf, 88, &r, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(r[1].start, 0x100000);
	assert_int_equal(r[1].last, 0x1fffff);
	free(r);

	/* one range byte short: argsz 87 */
	memcpy(buf, &(u32){87}, 4);
	assert_int_equal(walk(buf, 88, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "claims 2 ranges"));
	memcpy(buf, &(u32){88}, 4);

	/* wrong versions */
	put_iova_cap(buf, 40, 2, 0, 2, se);
	assert_int_equal(walk(buf, 88, &err), -EPROTO);
	assert_non_null(strstr(err.msg, "version 2"));
	put_iova_cap(buf, 40, 0, 0, 2, se);
	assert_int_equal(walk(buf, 88, &err), -EPROTO);

	/* nr_iovas = 0, and nr_iovas = 2^32 - 1 (16 * n overflows 32 bits) */
	put_iova_cap(buf, 40, 1, 0, 0, NULL);
	assert_int_equal(walk(buf, 88, &err), -ENODATA);
	put_iova_cap(buf, 40, 1, 0, 0xffffffff, NULL);
	assert_int_equal(walk(buf, 88, &err), -EINVAL);

	/* the IOVA cap's fixed part truncated: header fits, nr_iovas does not (argsz 52) */
	put_iova_cap(buf, 40, 1, 0, 1, se);
	memcpy(buf, &(u32){52}, 4);
	assert_int_equal(walk(buf, 88, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "truncated IOVA range capability"));

	/* no chain flag; flag with cap_offset 0; only a foreign cap */
	put_info(buf, 88, VFIO_IOMMU_INFO_PGSIZES, 24);
	assert_int_equal(walk(buf, 88, &err), -ENOENT);
	put_info(buf, 88, VFIO_IOMMU_INFO_CAPS, 0);
	assert_int_equal(walk(buf, 88, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "too small"));
	put_info(buf, 88, VFIO_IOMMU_INFO_CAPS, 24);
	put_hdr(buf, 24, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, 1, 0);
	assert_int_equal(walk(buf, 88, &err), -ENOENT);
}

static void test_chain_unaligned_buffer(void **state)
{
	/* the same good chain one byte into a buffer: memcpy reads, same answer */
	u64 se[2] = {0x4000, 0x7fff};
	u8 raw[80] = {0}, *buf = raw + 1;
	struct iommu_iova_range *r;
	u32 n;

	put_info(buf, 56, VFIO_IOMMU_INFO_CAPS, 24);
	put_iova_cap(buf, 24, 1, 0, 1, se);
	assert_int_equal(vfio_iommu_info_iova_ranges(buf, 56, &r, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].start, 0x4000);
	free(r);
}

/* ---- iommufd ---- */

struct counting_ioas {
	struct iommufd_ioas_model ioas;
	int calls;
	struct iommu_iova_range extra; /* attached after the first call ("ranges may change") */
	bool grow_once, never_grow_emsgsize;
};

static int counting_ioctl(void *priv, unsigned long request, void *arg)
{
	struct counting_ioas *c = priv;
	int rc;

	if (c->never_grow_emsgsize) {
		c->calls++;
		((struct iommu_ioas_iova_ranges *)arg)->num_iovas = 1;
		return -EMSGSIZE;
	}
	rc = iommufd_ioas_ioctl(&c->ioas, request, arg);
	if (c->calls++ == 0 && c->grow_once) {
		struct iommu_iova_range *n =
		    realloc(c->ioas.allowed, (c->ioas.nallowed + 1) * sizeof(*n));

		n[c->ioas.nallowed++] = c->extra;
		c->ioas.allowed = n;
	}
	return rc;
}

static void test_iommufd_two_call(void **state)
{
	struct iommu_iova_range in[2] = {{0, 0xfedfffff}, {0xfef00000, 0xffffffffffffffff}};
	struct counting_ioas c = {0};
	struct vfio_iova_ioctl io = {counting_ioctl, &c};
	struct vfio_iova_err err;
	struct iommu_iova_range *r;
	u64 align = 0;
	u32 n;

	assert_int_equal(iommufd_ioas_model_init(&c.ioas, 5, in, 2, 4096), 0);
	assert_int_equal(iommufd_iova_ranges(&io, 5, &r, &n, &align, &err), 0);
	assert_int_equal(c.calls, 2); /* EMSGSIZE probe, then the real call */
	assert_int_equal(n, 2);
	assert_int_equal(align, 4096);
	assert_memory_equal(r, in, sizeof(in));
	free(r);

	/* a range appears between the calls: the second call is EMSGSIZE again, a third works */
	c.calls = 0;
	c.grow_once = true;
	c.extra = (struct iommu_iova_range){0xfee00000, 0xfee00fff};
	assert_int_equal(iommufd_iova_ranges(&io, 5, &r, &n, NULL, &err), 0);
	assert_int_equal(c.calls, 3);
	assert_int_equal(n, 3);
	assert_int_equal(r[2].start, 0xfee00000);
	free(r);

	/* wrong IOAS id: -ENOENT passed up */
	assert_int_equal(iommufd_iova_ranges(&io, 6, &r, &n, NULL, &err), -ENOENT);
	iommufd_ioas_model_cleanup(&c.ioas);

	/* a kernel that says EMSGSIZE without asking for more: -EPROTO, no loop */
	c = (struct counting_ioas){.never_grow_emsgsize = true};
	assert_int_equal(iommufd_iova_ranges(&io, 1, &r, &n, NULL, &err), 0 - EPROTO);
	assert_int_equal(c.calls, 2);

	/* an IOAS with no usable range: the first call succeeds with 0 -> -ENODATA */
	c = (struct counting_ioas){0};
	assert_int_equal(iommufd_ioas_model_init(&c.ioas, 1, NULL, 0, 1), 0);
	assert_int_equal(iommufd_iova_ranges(&io, 1, &r, &n, NULL, &err), -ENODATA);
	iommufd_ioas_model_cleanup(&c.ioas);
}

static void test_iommufd_kernel_model(void **state)
{
	/* iommufd_ioas_iova_ranges(): writes what fits, reports the total, EMSGSIZE if more */
	struct iommu_iova_range in[3] = {{0, 0xfff}, {0x2000, 0x2fff}, {0x4000, 0x4fff}};
	struct iommu_iova_range out[3] = {0};
	struct iommufd_ioas_model ioas;
	struct iommu_ioas_iova_ranges cmd = {
	    .size = sizeof(cmd), .ioas_id = 1, .num_iovas = 2, .allowed_iovas = (uintptr_t)out};

	assert_int_equal(iommufd_ioas_model_init(&ioas, 1, in, 3, 4096), 0);
	assert_int_equal(iommufd_ioas_ioctl(&ioas, IOMMU_IOAS_IOVA_RANGES, &cmd), -EMSGSIZE);
	assert_int_equal(cmd.num_iovas, 3);
	assert_memory_equal(out, in, 2 * sizeof(in[0]));
	assert_int_equal(out[2].start, 0); /* not written */
	assert_int_equal(cmd.out_iova_alignment, 4096);

	cmd.__reserved = 1;
	assert_int_equal(iommufd_ioas_ioctl(&ioas, IOMMU_IOAS_IOVA_RANGES, &cmd), -EOPNOTSUPP);
	cmd.__reserved = 0;
	cmd.size = 16; /* < min_size 32 */
	assert_int_equal(iommufd_ioas_ioctl(&ioas, IOMMU_IOAS_IOVA_RANGES, &cmd), -EINVAL);
	assert_int_equal(iommufd_ioas_ioctl(&ioas, IOMMU_IOAS_ALLOC, &cmd), -ENOTTY);
	iommufd_ioas_model_cleanup(&ioas);
}

static void test_iommufd_from_buf(void **state)
{
	struct iommu_iova_range arr[2] = {{0, 0xfff}, {0x2000, 0x2fff}};
	struct iommu_ioas_iova_ranges cmd = {
	    .ioas_id = 1, .num_iovas = 3, .out_iova_alignment = 4096};
	struct vfio_iova_err err;
	struct iommu_iova_range *r;
	u32 n;

	/* says 3, buffer holds 2 */
	assert_int_equal(iommufd_iova_ranges_from_buf(&cmd, arr, 2, &r, &n, &err), -EMSGSIZE);
	cmd.num_iovas = 0;
	assert_int_equal(iommufd_iova_ranges_from_buf(&cmd, arr, 2, &r, &n, &err), -ENODATA);
	cmd.num_iovas = 2;
	cmd.out_iova_alignment = 3000;
	assert_int_equal(iommufd_iova_ranges_from_buf(&cmd, arr, 2, &r, &n, &err), -EPROTO);
	cmd.out_iova_alignment = 0;
	assert_int_equal(iommufd_iova_ranges_from_buf(&cmd, arr, 2, &r, &n, &err), -EPROTO);
	cmd.out_iova_alignment = 1;
	assert_int_equal(iommufd_iova_ranges_from_buf(&cmd, arr, 2, &r, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(r, arr, sizeof(arr));
	free(r);
}

/* ---- normalization ---- */

static void test_normalize(void **state)
{
	struct iommu_iova_range r[4] = {
	    {0x3000, 0x3fff}, {0x0, 0x0}, {0x1000, 0x2fff}, {0x4000, 0x4000}};
	struct vfio_iova_err err;

	/* sorted by start; adjacent (0x2fff / 0x3000) and one-byte ranges are valid */
	assert_int_equal(iova_ranges_normalize(r, 4, &err), 0);
	assert_int_equal(r[0].start, 0);
	assert_int_equal(r[1].start, 0x1000);
	assert_int_equal(r[2].start, 0x3000);
	assert_int_equal(r[3].start, 0x4000);

	/* overlap by one byte */
	r[1].last = 0x3000;
	assert_int_equal(iova_ranges_normalize(r, 4, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "overlap"));
	r[1].last = 0x2fff;
	/* the same start twice */
	r[3] = r[2];
	assert_int_equal(iova_ranges_normalize(r, 4, &err), -EINVAL);
	/* start > last */
	r[3] = (struct iommu_iova_range){0x9000, 0x8fff};
	assert_int_equal(iova_ranges_normalize(r, 4, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "start > last"));
	assert_int_equal(iova_ranges_normalize(r, 0, &err), -ENODATA);
}

static void test_vfio_pci_iova_ranges_dispatch(void **state)
{
	/* both kinds of IOMMU give the same sorted ranges from the same unsorted model input */
	struct iommu_iova_range in[2] = {{0x10000, 0x1ffff}, {0, 0xfff}};
	struct vfio_iommu type1;
	struct iommufd_ioas_model ioas;
	struct vfio_pci_iommu a = {{vfio_iommu_type1_ioctl, &type1}, false, 0};
	struct vfio_pci_iommu b = {{iommufd_ioas_ioctl, &ioas}, true, 3};
	struct iommu_iova_range *ra, *rb;
	u32 na, nb;

	assert_int_equal(vfio_iommu_model_init(&type1, in, 2, 4096), 0);
	assert_int_equal(iommufd_ioas_model_init(&ioas, 3, in, 2, 4096), 0);
	assert_int_equal(vfio_pci_iova_ranges(&a, &ra, &na, NULL), 0);
	assert_int_equal(vfio_pci_iova_ranges(&b, &rb, &nb, NULL), 0);
	assert_int_equal(na, 2);
	assert_int_equal(nb, 2);
	assert_memory_equal(ra, rb, 2 * sizeof(*ra));
	assert_int_equal(ra[0].start, 0);
	assert_int_equal(ra[1].start, 0x10000);
	free(ra);
	free(rb);
	vfio_iommu_model_cleanup(&type1);
	iommufd_ioas_model_cleanup(&ioas);

	/* overlapping ranges from the kernel are refused after the query */
	in[1].last = 0x10000;
	assert_int_equal(vfio_iommu_model_init(&type1, in, 2, 4096), 0);
	assert_int_equal(vfio_pci_iova_ranges(&a, &ra, &na, NULL), -EINVAL);
	vfio_iommu_model_cleanup(&type1);
}

static void test_uapi_layout(void **state)
{
	/* the UAPI as the series uses it; offsets from <linux/vfio.h> / <linux/iommufd.h> */
	assert_int_equal(sizeof(struct vfio_iommu_type1_info), 24);
	assert_int_equal(offsetof(struct vfio_iommu_type1_info, cap_offset), 16);
	assert_int_equal(sizeof(struct vfio_info_cap_header), 8);
	assert_int_equal(offsetof(struct vfio_iommu_type1_info_cap_iova_range, iova_ranges), 16);
	assert_int_equal(sizeof(struct iommu_ioas_iova_ranges), 32);
	/* _IO(';', 0x84) = (0x3b << 8) | 0x84 */
	assert_int_equal(IOMMU_IOAS_IOVA_RANGES, 0x3b84);
	/* _IO(';' + 0 = VFIO_TYPE, VFIO_BASE 100 + 12) */
	assert_int_equal(VFIO_IOMMU_GET_INFO, (0x3b << 8) | 112);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_uapi_layout),
	    cmocka_unit_test(test_type1_model_chain_layout),
	    cmocka_unit_test(test_type1_model_query),
	    cmocka_unit_test(test_type1_model_minsz),
	    cmocka_unit_test(test_get_info_requery),
	    cmocka_unit_test(test_chain_cycles),
	    cmocka_unit_test(test_chain_bounds),
	    cmocka_unit_test(test_chain_iova_cap),
	    cmocka_unit_test(test_chain_unaligned_buffer),
	    cmocka_unit_test(test_iommufd_two_call),
	    cmocka_unit_test(test_iommufd_kernel_model),
	    cmocka_unit_test(test_iommufd_from_buf),
	    cmocka_unit_test(test_normalize),
	    cmocka_unit_test(test_vfio_pci_iova_ranges_dispatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
