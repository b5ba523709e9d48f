// SPDX-License-Identifier: GPL-2.0
/*
 * The real query of `kvmsim iova --device PATH`: open what PATH names, attach as the VFIO
 * selftests do, and run the query path of iova_ranges.c against the kernel.
 *
 * PATH may be:
 *   /dev/vfio/GROUP       a VFIO group: new container (/dev/vfio/vfio), SET_CONTAINER,
 *                         SET_IOMMU(TYPE1v2), VFIO_IOMMU_GET_INFO;
 *   DDDD:BB:DD.F or /sys/bus/pci/devices/DDDD:BB:DD.F
 *                         a PCI device bound to vfio-pci: its group as above, plus
 *                         VFIO_GROUP_GET_DEVICE_FD, after which (Williamson) the ranges are
 *                         right also under iommufd's vfio compatibility;
 *   /dev/iommu            iommufd: IOMMU_IOAS_ALLOC, IOMMU_IOAS_IOVA_RANGES on the empty IOAS;
 *   /dev/vfio/devices/vfioN
 *                         a VFIO device cdev: bind to /dev/iommu, attach to a new IOAS,
 *                         IOMMU_IOAS_IOVA_RANGES (needs <linux/vfio.h> from v6.6 or later).
 *
 * Models the setup in tools/testing/selftests/vfio/lib/vfio_pci_device.c
 * (vfio_pci_container_setup, vfio_pci_group_setup, vfio_pci_iommufd_setup); simplified: one
 * group, no device reset, no DMA.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvmsim/vfio_iova.h"

#define VFIO_CONTAINER_PATH "/dev/vfio/vfio"
#define IOMMUFD_PATH	    "/dev/iommu"

static int __attribute__((format(printf, 3, 4)))
dev_err(struct vfio_iova_err *err, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return rc;
}

static int xclose(int fd)
{
	if (fd >= 0)
		close(fd);
	return -1;
}

/* DDDD:BB:DD.F */
static bool is_pci_bdf(const char *s)
{
	unsigned int d, b, dev, f;
	int n = 0;

	return strlen(s) == 12 && sscanf(s, "%4x:%2x:%2x.%1x%n", &d, &b, &dev, &f, &n) == 4 &&
	       n == 12;
}

/* The IOMMU group number of a PCI device, from /sys/bus/pci/devices/BDF/iommu_group. */
static int pci_iommu_group(const char *bdf, char *group, size_t len, struct vfio_iova_err *err)
{
	char link[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return dev_err(err, -errno, "%s: %s (is %s a PCI device behind an IOMMU?)", link,
			       strerror(errno), bdf);
	target[n] = '\0';
	snprintf(group, len, "/dev/vfio/%s", basename(target));
	return 0;
}

static int finish(struct vfio_iova_device_result *res, struct iommu_iova_range *ranges, u32 n,
		  struct vfio_iova_err *err)
{
	int rc = iova_ranges_normalize(ranges, n, err);

	if (rc) {
		free(ranges);
		return rc;
	}
	res->ranges = ranges;
	res->nranges = n;
	return 0;
}

/* vfio_pci_container_setup() + vfio_pci_group_setup(), then the type1 query. */
static int query_group(const char *group_path, const char *bdf, struct vfio_iova_device_result *res,
		       struct vfio_iova_err *err)
{
	struct vfio_group_status status = {.argsz = sizeof(status)};
	struct vfio_iova_ioctl io = {.ioctl = vfio_iova_fd_ioctl};
	struct iommu_iova_range *ranges;
	int container, group = -1, device = -1, rc;
	u32 n;

	container = open(VFIO_CONTAINER_PATH, O_RDWR | O_CLOEXEC);
	if (container < 0)
		return dev_err(err, -errno, "%s: %s", VFIO_CONTAINER_PATH, strerror(errno));
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		rc = dev_err(err, -EPROTO, "%s: unknown VFIO API version", VFIO_CONTAINER_PATH);
		goto out;
	}
	if (ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0) {
		rc = dev_err(err, -EOPNOTSUPP, "%s: no VFIO_TYPE1v2_IOMMU support",
			     VFIO_CONTAINER_PATH);
		goto out;
	}
	group = open(group_path, O_RDWR | O_CLOEXEC);
	if (group < 0) {
		rc = dev_err(err, -errno, "%s: %s", group_path, strerror(errno));
		goto out;
	}
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status) < 0) {
		rc = dev_err(err, -errno, "%s: VFIO_GROUP_GET_STATUS: %s", group_path,
			     strerror(errno));
		goto out;
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		rc = dev_err(err, -EBUSY, "%s: group not viable (bind all its devices to vfio-pci)",
			     group_path);
		goto out;
	}
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) < 0) {
		rc = dev_err(err, -errno, "%s: VFIO_GROUP_SET_CONTAINER: %s", group_path,
			     strerror(errno));
		goto out;
	}
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0) {
		rc = dev_err(err, -errno, "%s: VFIO_SET_IOMMU: %s", VFIO_CONTAINER_PATH,
			     strerror(errno));
		goto out;
	}
	if (bdf) {
		device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
		if (device < 0) {
			rc = dev_err(err, -errno, "%s: VFIO_GROUP_GET_DEVICE_FD(%s): %s",
				     group_path, bdf, strerror(errno));
			goto out;
		}
	} else {
		res->note = "no device opened: under iommufd's VFIO compatibility the ranges are "
			    "only right after VFIO_GROUP_GET_DEVICE_FD (pass the PCI address)";
	}
	io.priv = (void *)(intptr_t)container;
	rc = vfio_iommu_iova_ranges(&io, &ranges, &n, err);
	if (!rc) {
		res->via = "vfio-type1";
		rc = finish(res, ranges, n, err);
	}
out:
	xclose(device);
	xclose(group);
	xclose(container);
	return rc;
}

static int ioas_alloc(int iommufd, u32 *ioas_id, struct vfio_iova_err *err)
{
	struct iommu_ioas_alloc alloc = {.size = sizeof(alloc)};

	if (ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc) < 0)
		return dev_err(err, -errno, "%s: IOMMU_IOAS_ALLOC: %s", IOMMUFD_PATH,
			       strerror(errno));
	*ioas_id = alloc.out_ioas_id;
	return 0;
}

static void ioas_destroy(int iommufd, u32 ioas_id)
{
	struct iommu_destroy d = {.size = sizeof(d), .id = ioas_id};

	ioctl(iommufd, IOMMU_DESTROY, &d);
}

/* vfio_pci_iommufd_setup() without the device when device_path is NULL. */
static int query_iommufd(const char *device_path, struct vfio_iova_device_result *res,
			 struct vfio_iova_err *err)
{
	struct vfio_iova_ioctl io = {.ioctl = vfio_iova_fd_ioctl};
	struct iommu_iova_range *ranges;
	int iommufd, device = -1, rc;
	u32 ioas_id = 0, n;

	iommufd = open(IOMMUFD_PATH, O_RDWR | O_CLOEXEC);
	if (iommufd < 0)
		return dev_err(err, -errno, "%s: %s", IOMMUFD_PATH, strerror(errno));
	rc = ioas_alloc(iommufd, &ioas_id, err);
	if (rc)
		goto out;
	if (device_path) {
#ifdef VFIO_DEVICE_BIND_IOMMUFD
		struct vfio_device_bind_iommufd bind = {.argsz = sizeof(bind), .iommufd = iommufd};
		struct vfio_device_attach_iommufd_pt attach = {.argsz = sizeof(attach),
							       .pt_id = ioas_id};

		device = open(device_path, O_RDWR | O_CLOEXEC);
		if (device < 0) {
			rc = dev_err(err, -errno, "%s: %s", device_path, strerror(errno));
			goto out_ioas;
		}
		if (ioctl(device, VFIO_DEVICE_BIND_IOMMUFD, &bind) < 0) {
			rc = dev_err(err, -errno, "%s: VFIO_DEVICE_BIND_IOMMUFD: %s", device_path,
				     strerror(errno));
			goto out_ioas;
		}
		if (ioctl(device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach) < 0) {
			rc = dev_err(err, -errno, "%s: VFIO_DEVICE_ATTACH_IOMMUFD_PT: %s",
				     device_path, strerror(errno));
			goto out_ioas;
		}
#else
		rc = dev_err(err, -EOPNOTSUPP,
			     "%s: this kvmsim was built with a <linux/vfio.h> without the VFIO "
			     "device cdev UAPI (linux-libc-dev >= 6.6); pass the group or PCI "
			     "address instead",
			     device_path);
		goto out_ioas;
#endif
	} else {
		res->note = "no device attached: an empty IOAS reports the whole IOVA space; "
			    "pass /dev/vfio/devices/vfioN for a device's ranges";
	}
	io.priv = (void *)(intptr_t)iommufd;
	rc = iommufd_iova_ranges(&io, ioas_id, &ranges, &n, NULL, err);
	if (!rc) {
		res->via = "iommufd";
		rc = finish(res, ranges, n, err);
	}
out_ioas:
	xclose(device);
	ioas_destroy(iommufd, ioas_id);
out:
	xclose(iommufd);
	return rc;
}

/**
 * vfio_iova_device_query() - the normalized IOVA ranges of a real VFIO/iommufd object.
 * @path: see the top of this file
 * @res: on success, the ranges (free res->ranges), the interface used and a caveat
 * @err: reason on failure; when the host has neither a VFIO container nor /dev/iommu it
 *       says so
 *
 * Return: 0, -ENODEV when the host has no VFIO container and no /dev/iommu, or the error of
 * the failing step.
 */
int vfio_iova_device_query(const char *path, struct vfio_iova_device_result *res,
			   struct vfio_iova_err *err)
{
	bool have_container = !access(VFIO_CONTAINER_PATH, F_OK);
	bool have_iommufd = !access(IOMMUFD_PATH, F_OK);
	const char *bdf = NULL;
	char group[PATH_MAX];
	struct stat st;
	int rc;

	memset(res, 0, sizeof(*res));
	if (!have_container && !have_iommufd)
		return dev_err(err, -ENODEV,
			       "%s: this host has no VFIO container (%s) and no %s: load vfio-pci "
			       "(and iommufd), or give the ranges with --range",
			       path, VFIO_CONTAINER_PATH, IOMMUFD_PATH);

	if (!strncmp(path, "/sys/bus/pci/devices/", 21))
		bdf = path + 21;
	else if (is_pci_bdf(path))
		bdf = path;
	if (bdf) {
		if (!is_pci_bdf(bdf))
			return dev_err(err, -EINVAL, "%s: not a PCI address DDDD:BB:DD.F", path);
		if (!have_container)
			return dev_err(err, -ENODEV,
				       "%s: no VFIO container (%s) on this host: use the device's "
				       "/dev/vfio/devices/vfioN with /dev/iommu",
				       path, VFIO_CONTAINER_PATH);
		rc = pci_iommu_group(bdf, group, sizeof(group), err);
		if (rc)
			return rc;
		return query_group(group, bdf, res, err);
	}

	if (stat(path, &st) < 0)
		return dev_err(err, -errno, "%s: %s", path, strerror(errno));
	if (!strcmp(path, IOMMUFD_PATH))
		return query_iommufd(NULL, res, err);
	if (!strncmp(path, "/dev/vfio/devices/", 18)) {
		if (!have_iommufd)
			return dev_err(err, -ENODEV, "%s: needs %s, which this host lacks", path,
				       IOMMUFD_PATH);
		return query_iommufd(path, res, err);
	}
	if (!strcmp(path, VFIO_CONTAINER_PATH))
		return dev_err(err, -EINVAL,
			       "%s: a container has no IOMMU until a group joins it: pass "
			       "/dev/vfio/GROUP or a PCI address",
			       path);
	if (!strncmp(path, "/dev/vfio/", 10)) {
		if (!have_container)
			return dev_err(err, -ENODEV, "%s: no VFIO container (%s) on this host",
				       path, VFIO_CONTAINER_PATH);
		return query_group(path, NULL, res, err);
	}
	return dev_err(err, -EINVAL,
		       "%s: not a VFIO group, PCI address, VFIO device cdev or /dev/iommu", path);
}
