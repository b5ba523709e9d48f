/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VFIO / IOMMUFD IOVA ranges and IOVA allocators.
 *
 * Models the user-space side of Alex Mastro's series "vfio: selftests: update DMA mapping
 * tests to use queried IOVA ranges" (v3, 11 Nov 2025; tools/testing/selftests/vfio/lib/) and
 * Alex Williamson's earlier "vfio: selftests: Incorporate IOVA range info" (8 Nov 2025), plus
 * the kernel handlers they talk to (drivers/vfio/vfio_iommu_type1.c,
 * drivers/iommu/iommufd/ioas.c) so that every query path runs without a device.
 *
 * Everything here returns 0 or a negative errno; on error a struct vfio_iova_err (when
 * given) holds a one-line, human-readable reason. Nothing aborts: where the selftests
 * VFIO_ASSERT(), these functions return an error.
 *
 * See docs/model/vfio-iova.md for the model and every simplification.
 */
#ifndef KVMSIM_VFIO_IOVA_H
#define KVMSIM_VFIO_IOVA_H

#include <linux/vfio.h>

#if __has_include(<linux/iommufd.h>)
#include <linux/iommufd.h>
#define KVMSIM_IOMMUFD_UAPI_INSTALLED 1
#else
/* linux-libc-dev < 6.2 (Debian bookworm: 6.1) has no <linux/iommufd.h> */
#include "kvmsim/iommufd_uapi.h"
#define KVMSIM_IOMMUFD_UAPI_INSTALLED 0
#endif

#include "kvmsim/types.h"

typedef u64 iova_t;

/* A reason for the last error, for the user. */
struct vfio_iova_err {
	char msg[200];
};

/*
 * How the query paths reach "the kernel": a real file descriptor (vfio_iova_fd_ioctl) or a
 * model (vfio_iommu_type1_ioctl, iommufd_ioas_ioctl) or a test's fake. Returns 0 or -errno.
 */
struct vfio_iova_ioctl {
	int (*ioctl)(void *priv, unsigned long request, void *arg);
	void *priv;
};

/* ioctl(2) on (int)(intptr_t)priv, returning -errno on failure. */
int vfio_iova_fd_ioctl(void *priv, unsigned long request, void *arg);

/* Re-queries when the kernel's answer grows between the two calls (caps or ranges changed). */
#define VFIO_IOVA_QUERY_TRIES 4

/* ---- VFIO type1: VFIO_IOMMU_GET_INFO and its capability chain ---- */

int vfio_iommu_get_info(const struct vfio_iova_ioctl *io, struct vfio_iommu_type1_info **infop,
			struct vfio_iova_err *err);
int vfio_iommu_info_cap_hdr(const void *buf, size_t bufsz, u16 cap_id, u32 *cap_off,
			    struct vfio_iova_err *err);
int vfio_iommu_info_iova_ranges(const void *buf, size_t bufsz, struct iommu_iova_range **rangesp,
				u32 *nrangesp, struct vfio_iova_err *err);
int vfio_iommu_iova_ranges(const struct vfio_iova_ioctl *io, struct iommu_iova_range **rangesp,
			   u32 *nrangesp, struct vfio_iova_err *err);

/* ---- IOMMUFD: IOMMU_IOAS_IOVA_RANGES ---- */

int iommufd_iova_ranges_from_buf(const struct iommu_ioas_iova_ranges *cmd,
				 const struct iommu_iova_range *buf, u32 buf_len,
				 struct iommu_iova_range **rangesp, u32 *nrangesp,
				 struct vfio_iova_err *err);
int iommufd_iova_ranges(const struct vfio_iova_ioctl *io, u32 ioas_id,
			struct iommu_iova_range **rangesp, u32 *nrangesp, u64 *alignp,
			struct vfio_iova_err *err);

/* ---- normalization (vfio_pci_iova_ranges): sort by start, then validate ---- */

int iova_ranges_normalize(struct iommu_iova_range *ranges, u32 nranges, struct vfio_iova_err *err);

/* What vfio_pci_iova_ranges() needs of a struct vfio_pci_device: its IOMMU and which kind. */
struct vfio_pci_iommu {
	struct vfio_iova_ioctl io; /* the container fd, or the iommufd */
	bool iommufd;
	u32 ioas_id; /* for iommufd */
};

int vfio_pci_iova_ranges(const struct vfio_pci_iommu *iommu, struct iommu_iova_range **rangesp,
			 u32 *nrangesp, struct vfio_iova_err *err);

/* ---- the map-limit logic (patch 2/4) ---- */

int vfio_dma_map_limit_last_iova(const struct iommu_iova_range *ranges, u32 nranges, iova_t *last);
iova_t vfio_dma_map_limit_region_iova(iova_t last_iova, u64 region_size);
iova_t vfio_dma_map_overflow_iova(u64 region_size);
bool vfio_dma_map_overflow_test_runs_v1(iova_t last_iova, u64 region_size);

/* ---- the series' allocator (patch 3/4, v3) ---- */

struct iova_allocator {
	struct iommu_iova_range *ranges;
	u32 nranges;
	u32 range_idx;
	u64 range_offset;
};

int iova_allocator_init(const struct iommu_iova_range *ranges, u32 nranges,
			struct iova_allocator **allocatorp);
void iova_allocator_cleanup(struct iova_allocator *allocator);
int iova_allocator_alloc(struct iova_allocator *allocator, u64 size, iova_t *iova);

/* ---- Alex Williamson's variant (the fields it kept in struct vfio_pci_device) ---- */

struct vfio_pci_iova_state {
	u32 nr_iova_ranges;
	struct vfio_iova_range *iova_ranges;
	u32 iova_range_idx;
	iova_t iova_next;
	iova_t iova_max;
};

int vfio_pci_iova_init(struct vfio_pci_iova_state *dev, const struct iommu_iova_range *ranges,
		       u32 nranges);
void vfio_pci_iova_cleanup(struct vfio_pci_iova_state *dev);
int vfio_pci_get_next_iova(struct vfio_pci_iova_state *dev, u64 size, iova_t *iova);

/* ---- an allocator with free and reuse (not in the series; see the .c for complexity) ---- */

struct iova_extent {
	iova_t start;
	iova_t last; /* inclusive */
};

struct iova_reuse_allocator {
	struct iommu_iova_range *ranges; /* the normalized ranges: a block never spans two */
	u32 nranges;
	struct iova_extent
	    *holes; /* free space, sorted by start, disjoint, merged within a range */
	u32 nholes, holes_cap;
	struct iova_extent *used; /* allocations, sorted by start */
	u32 nused, used_cap;
};

int iova_reuse_init(struct iova_reuse_allocator *a, const struct iommu_iova_range *ranges,
		    u32 nranges);
void iova_reuse_cleanup(struct iova_reuse_allocator *a);
int iova_reuse_alloc(struct iova_reuse_allocator *a, u64 size, u64 align, iova_t *iova);
int iova_reuse_free(struct iova_reuse_allocator *a, iova_t iova);

/* ---- one front end for the three, as the CLI uses them ---- */

enum iova_allocator_kind {
	IOVA_ALLOC_SERIES,
	IOVA_ALLOC_WILLIAMSON,
	IOVA_ALLOC_REUSE,
};

struct iova_any_allocator {
	enum iova_allocator_kind kind;
	struct iova_allocator *series;
	struct vfio_pci_iova_state williamson;
	struct iova_reuse_allocator reuse;
};

int iova_allocator_kind_parse(const char *s, enum iova_allocator_kind *kind);
const char *iova_allocator_kind_name(enum iova_allocator_kind kind);
int iova_any_init(struct iova_any_allocator *a, enum iova_allocator_kind kind,
		  const struct iommu_iova_range *ranges, u32 nranges);
void iova_any_cleanup(struct iova_any_allocator *a);
int iova_any_alloc(struct iova_any_allocator *a, u64 size, iova_t *iova);

/* ---- command-line values ---- */

int iova_parse_u64(const char *s, u64 *out);
int iova_parse_size(const char *s, u64 *out);
int iova_parse_range(const char *s, struct iommu_iova_range *r);

/* ---- kernel models: VFIO type1 container and an iommufd IOAS ---- */

struct vfio_dma {
	iova_t iova;
	u64 size;
};

struct vfio_iommu {
	struct iommu_iova_range *iova_list; /* valid ranges, sorted, as vfio_iommu->iova_list */
	u32 nr_iova;
	u64 pgsize_bitmap;
	u32 dma_avail;
	struct vfio_dma *dmas; /* sorted by iova */
	u32 nr_dmas, dmas_cap;
};

#define VFIO_MODEL_DMA_ENTRY_LIMIT 65535u /* vfio_iommu_type1 dma_entry_limit = U16_MAX */

int vfio_iommu_model_init(struct vfio_iommu *iommu, const struct iommu_iova_range *ranges,
			  u32 nranges, u64 pgsize_bitmap);
void vfio_iommu_model_cleanup(struct vfio_iommu *iommu);
int vfio_iommu_type1_get_info(struct vfio_iommu *iommu, void *arg);
int vfio_dma_do_map(struct vfio_iommu *iommu, struct vfio_iommu_type1_dma_map *map);
int vfio_dma_do_unmap(struct vfio_iommu *iommu, struct vfio_iommu_type1_dma_unmap *unmap);
int vfio_iommu_type1_ioctl(void *priv, unsigned long request, void *arg);

struct iommufd_ioas_model {
	u32 ioas_id;
	struct iommu_iova_range *allowed; /* holes between reserved regions, sorted */
	u32 nallowed;
	u64 iova_alignment;
};

int iommufd_ioas_model_init(struct iommufd_ioas_model *ioas, u32 ioas_id,
			    const struct iommu_iova_range *ranges, u32 nranges, u64 iova_alignment);
void iommufd_ioas_model_cleanup(struct iommufd_ioas_model *ioas);
int iommufd_ioas_iova_ranges(struct iommufd_ioas_model *ioas, struct iommu_ioas_iova_ranges *cmd);
int iommufd_ioas_ioctl(void *priv, unsigned long request, void *arg);

/* ---- a real device (--device PATH) ---- */

struct vfio_iova_device_result {
	struct iommu_iova_range *ranges;
	u32 nranges;
	const char *via;  /* "vfio-type1" or "iommufd" */
	const char *note; /* a caveat for the user, or NULL */
};

int vfio_iova_device_query(const char *path, struct vfio_iova_device_result *res,
			   struct vfio_iova_err *err);

#endif
