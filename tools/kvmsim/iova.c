// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsim iova: query or give IOVA ranges, then allocate IOVAs from them with the series'
 * allocator, Alex Williamson's variant, or the free-and-reuse allocator
 * (drivers/vfio/, docs/model/vfio-iova.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmsim/cmd.h"
#include "kvmsim/json.h"
#include "kvmsim/vfio_iova.h"

#define MAP_LIMIT_PAGE 4096ull /* the selftests' getpagesize() on x86-64, fixed for determinism */

static const char usage_text[] =
    "usage: kvmsim iova (--range START-LAST... | --device PATH) [--alloc SIZE...]\n"
    "                   [--allocator series|williamson|reuse] [--free N...]\n"
    "                   [--through type1|iommufd] [--json]\n"
    "\n"
    "IOVA ranges and IOVA allocation as in the VFIO selftests (Alex Mastro's series\n"
    "\"update DMA mapping tests to use queried IOVA ranges\").\n"
    "\n"
    "  --range START-LAST...  usable IOVA ranges, LAST inclusive (decimal or 0x-hex);\n"
    "                         several may follow one --range, or repeat --range\n"
    "  --device PATH          query a real IOMMU instead: /dev/vfio/GROUP, a PCI address\n"
    "                         DDDD:BB:DD.F bound to vfio-pci, /dev/vfio/devices/vfioN, or\n"
    "                         /dev/iommu (an empty IOAS)\n"
    "  --alloc SIZE...        allocate IOVAs of these sizes, in order; a power of two,\n"
    "                         decimal with optional K/M/G/T suffix, or 0x-hex\n"
    "  --allocator NAME       series (default): the series' iova_allocator_alloc();\n"
    "                         williamson: Alex Williamson's vfio_pci_get_next_iova();\n"
    "                         reuse: first fit with free and reuse\n"
    "  --free N...            (reuse) free the N-th allocation (0-based), in command-line\n"
    "                         order with the --alloc sizes\n"
    "  --through KIND         pass the --range ranges through the model kernel and the real\n"
    "                         query path: type1 (VFIO_IOMMU_GET_INFO capability chain) or\n"
    "                         iommufd (IOMMU_IOAS_IOVA_RANGES, EMSGSIZE protocol)\n"
    "  --json                 {\"allocator\", \"ranges\": [{\"start\", \"last\"}],\n"
    "                         \"allocations\": [{\"size\", \"iova\"}], \"last_iova\"}\n"
    "\n"
    "Ranges are sorted by start and must not overlap. A failed allocation prints what was\n"
    "allocated, then the error, and exits 1. Usage errors exit 2.\n";

enum op_kind { OP_ALLOC, OP_FREE };

struct op {
	enum op_kind kind;
	u64 value; /* size, or allocation index */
	const char *arg;
};

struct alloc_rec {
	u64 size;
	iova_t iova;
	bool freed;
};

struct iova_cli {
	struct iommu_iova_range *ranges;
	u32 nranges, ranges_cap;
	const char **range_args;
	struct op *ops;
	u32 nops, ops_cap;
	u32 nallocs;
	const char *device;
	const char *through;
	enum iova_allocator_kind kind;
	bool json;
};

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "kvmsim iova: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see kvmsim iova --help)\n");
	return EXIT_USAGE;
}

static void *grow(void *p, u32 *cap, size_t elem)
{
	u32 ncap = *cap ? *cap * 2 : 8;
	void *np = realloc(p, ncap * elem);

	if (!np) {
		fprintf(stderr, "kvmsim iova: out of memory\n");
		exit(EXIT_RUNTIME);
	}
	*cap = ncap;
	return np;
}

static int add_range(struct iova_cli *c, const char *arg)
{
	struct iommu_iova_range r;
	int rc = iova_parse_range(arg, &r);

	if (rc == -ERANGE)
		return usage_error("--range %s: a number is larger than 2^64 - 1", arg);
	if (rc)
		return usage_error("--range %s: expected START-LAST with START <= LAST "
				   "(decimal or 0x-hex)",
				   arg);
	if (c->nranges == c->ranges_cap) {
		u32 cap = c->ranges_cap;

		c->ranges = grow(c->ranges, &c->ranges_cap, sizeof(*c->ranges));
		c->range_args = grow(c->range_args, &cap, sizeof(*c->range_args));
	}
	c->range_args[c->nranges] = arg;
	c->ranges[c->nranges++] = r;
	return 0;
}

static int add_op(struct iova_cli *c, enum op_kind kind, const char *arg)
{
	struct op op = {.kind = kind, .arg = arg};
	int rc;

	if (kind == OP_ALLOC) {
		rc = iova_parse_size(arg, &op.value);
		if (rc == -ERANGE)
			return usage_error("--alloc %s: larger than 2^64 - 1", arg);
		if (rc)
			return usage_error("--alloc %s: expected a size > 0 (e.g. 4096, 4K, 2M, "
					   "0x1000)",
					   arg);
		if (op.value & (op.value - 1))
			return usage_error("--alloc %s: the size must be a power of two", arg);
		c->nallocs++;
	} else {
		rc = iova_parse_u64(arg, &op.value);
		if (rc)
			return usage_error("--free %s: expected an allocation index", arg);
		if (op.value >= c->nallocs)
			return usage_error("--free %s: no such allocation before it", arg);
	}
	if (c->nops == c->ops_cap)
		c->ops = grow(c->ops, &c->ops_cap, sizeof(*c->ops));
	c->ops[c->nops++] = op;
	return 0;
}

static bool is_option(const char *s)
{
	return s[0] == '-' && s[1] == '-';
}

/* Returns 0 to go on, or an exit status (for --help: 0 with *done). */
static int parse_args(struct iova_cli *c, int argc, char **argv, bool *done)
{
	enum { NONE, RANGE, ALLOC, FREE } list = NONE;
	bool *freed;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		const char *eq = is_option(a) ? strchr(a, '=') : NULL;
		char name[32];

		if (!is_option(a)) {
			if (list == RANGE)
				rc = add_range(c, a);
			else if (list == ALLOC)
				rc = add_op(c, OP_ALLOC, a);
			else if (list == FREE)
				rc = add_op(c, OP_FREE, a);
			else
				rc = usage_error("unexpected argument '%s'", a);
			if (rc)
				return rc;
			continue;
		}
		if (eq) {
			snprintf(name, sizeof(name), "%.*s", (int)(eq - a), a);
			val = eq + 1;
		} else {
			snprintf(name, sizeof(name), "%s", a);
		}
		list = NONE;
		if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
			fputs(usage_text, stdout);
			*done = true;
			return 0;
		}
		if (!strcmp(name, "--json")) {
			if (val)
				return usage_error("--json takes no value: '%s'", a);
			c->json = true;
			continue;
		}
		if (!strcmp(name, "--range") || !strcmp(name, "--alloc") ||
		    !strcmp(name, "--free")) {
			list = name[2] == 'r' ? RANGE : name[2] == 'a' ? ALLOC : FREE;
			if (val) {
				rc = list == RANGE
					 ? add_range(c, val)
					 : add_op(c, list == ALLOC ? OP_ALLOC : OP_FREE, val);
				if (rc)
					return rc;
			} else if (i + 1 >= argc || is_option(argv[i + 1])) {
				return usage_error("%s needs a value", name);
			}
			continue;
		}
		if (!strcmp(name, "--allocator") || !strcmp(name, "--device") ||
		    !strcmp(name, "--through")) {
			if (!val) {
				if (i + 1 >= argc)
					return usage_error("%s needs a value", name);
				val = argv[++i];
			}
			if (name[2] == 'a') {
				if (iova_allocator_kind_parse(val, &c->kind))
					return usage_error("--allocator %s: expected series, "
							   "williamson or reuse",
							   val);
			} else if (name[2] == 'd') {
				c->device = val;
			} else {
				if (strcmp(val, "type1") && strcmp(val, "iommufd"))
					return usage_error(
					    "--through %s: expected type1 or iommufd", val);
				c->through = val;
			}
			continue;
		}
		return usage_error("unknown option '%s'", a);
	}

	if (c->device && c->nranges)
		return usage_error("%s", "--device and --range exclude each other");
	if (!c->device && !c->nranges)
		return usage_error("%s", "one of --range or --device is required");
	if (c->device && c->through)
		return usage_error("%s", "--through applies to --range ranges, not --device");
	/* frees: only for reuse, and never twice */
	freed = calloc(c->nallocs ? c->nallocs : 1, sizeof(*freed));
	if (!freed) {
		fprintf(stderr, "kvmsim iova: out of memory\n");
		return EXIT_RUNTIME;
	}
	for (u32 i = 0; i < c->nops; i++) {
		if (c->ops[i].kind != OP_FREE)
			continue;
		if (c->kind != IOVA_ALLOC_REUSE) {
			free(freed);
			return usage_error("--free %s: only --allocator reuse can free",
					   c->ops[i].arg);
		}
		if (freed[c->ops[i].value]) {
			free(freed);
			return usage_error("--free %s: allocation already freed", c->ops[i].arg);
		}
		freed[c->ops[i].value] = true;
	}
	free(freed);
	return 0;
}

/* --through: build the model kernel from the ranges and query it through the real path. */
static int query_through(struct iova_cli *c, struct vfio_iova_err *err)
{
	bool iommufd = !strcmp(c->through, "iommufd");
	struct iommufd_ioas_model ioas;
	struct vfio_iommu type1;
	struct vfio_pci_iommu dev = {
	    .io = {iommufd ? iommufd_ioas_ioctl : vfio_iommu_type1_ioctl,
		   iommufd ? (void *)&ioas : (void *)&type1},
	    .iommufd = iommufd,
	    .ioas_id = 1,
	};
	struct iommu_iova_range *got;
	u32 n;
	int rc;

	if (iommufd)
		rc = iommufd_ioas_model_init(&ioas, 1, c->ranges, c->nranges, MAP_LIMIT_PAGE);
	else
		rc = vfio_iommu_model_init(&type1, c->ranges, c->nranges,
					   MAP_LIMIT_PAGE | (2ull << 20) | (1ull << 30));
	if (rc)
		return rc;
	rc = vfio_pci_iova_ranges(&dev, &got, &n, err);
	if (iommufd)
		iommufd_ioas_model_cleanup(&ioas);
	else
		vfio_iommu_model_cleanup(&type1);
	if (rc)
		return rc;
	free(c->ranges);
	c->ranges = got;
	c->nranges = n;
	return 0;
}

static void print_human(const struct iova_cli *c, const char *source, const char *note,
			iova_t last_iova, const struct alloc_rec *recs, u32 nrecs)
{
	printf("IOVA ranges (%u, %s):\n", c->nranges, source);
	for (u32 i = 0; i < c->nranges; i++)
		printf("  0x%016llx-0x%016llx\n", (unsigned long long)c->ranges[i].start,
		       (unsigned long long)c->ranges[i].last);
	if (note)
		printf("note: %s\n", note);
	printf("last_iova 0x%llx (map-limit region at 0x%llx for a %llu-byte page)\n",
	       (unsigned long long)last_iova,
	       (unsigned long long)vfio_dma_map_limit_region_iova(last_iova, MAP_LIMIT_PAGE),
	       MAP_LIMIT_PAGE);
	printf("allocator %s\n", iova_allocator_kind_name(c->kind));
	for (u32 i = 0; i < nrecs; i++)
		printf("  alloc 0x%llx at 0x%llx%s\n", (unsigned long long)recs[i].size,
		       (unsigned long long)recs[i].iova, recs[i].freed ? " (freed)" : "");
}

static void print_json(const struct iova_cli *c, iova_t last_iova, const struct alloc_rec *recs,
		       u32 nrecs, const char *failed_arg, const char *failure)
{
	struct json j;

	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_str(&j, "allocator", iova_allocator_kind_name(c->kind));
	json_arr_begin(&j, "ranges");
	for (u32 i = 0; i < c->nranges; i++) {
		json_obj_begin(&j, NULL);
		json_u64(&j, "start", c->ranges[i].start);
		json_u64(&j, "last", c->ranges[i].last);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_arr_begin(&j, "allocations");
	for (u32 i = 0; i < nrecs; i++) {
		json_obj_begin(&j, NULL);
		json_u64(&j, "size", recs[i].size);
		json_u64(&j, "iova", recs[i].iova);
		if (recs[i].freed)
			json_bool(&j, "freed", true);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_u64(&j, "last_iova", last_iova);
	if (failure) {
		json_obj_begin(&j, "error");
		json_str(&j, "alloc", failed_arg);
		json_str(&j, "message", failure);
		json_obj_end(&j);
	}
	json_obj_end(&j);
	json_finish(&j);
}

static int cmd_iova(int argc, char **argv)
{
	struct iova_cli c = {.kind = IOVA_ALLOC_SERIES};
	struct vfio_iova_device_result dev = {0};
	struct iova_any_allocator alloc;
	struct vfio_iova_err err = {""};
	struct alloc_rec *recs = NULL;
	const char *source = "from --range", *failed_arg = NULL;
	char failure[256] = "";
	bool done = false;
	iova_t last_iova;
	u32 nrecs = 0;
	int rc, status = 0;

	rc = parse_args(&c, argc, argv, &done);
	if (rc || done)
		goto out;

	if (c.device) {
		rc = vfio_iova_device_query(c.device, &dev, &err);
		if (rc) {
			fprintf(stderr, "kvmsim iova: --device %s\n", err.msg);
			rc = EXIT_RUNTIME;
			goto out;
		}
		c.ranges = dev.ranges;
		c.nranges = dev.nranges;
		source = dev.via;
	} else {
		rc = iova_ranges_normalize(c.ranges, c.nranges, &err);
		if (rc) {
			rc = usage_error("--range: %s", err.msg);
			goto out;
		}
		if (c.through) {
			rc = query_through(&c, &err);
			if (rc) {
				fprintf(stderr, "kvmsim iova: --through %s: %s\n", c.through,
					err.msg);
				rc = EXIT_RUNTIME;
				goto out;
			}
			source = !strcmp(c.through, "type1") ? "via the type1 model's "
							       "VFIO_IOMMU_GET_INFO"
							     : "via the iommufd model's "
							       "IOMMU_IOAS_IOVA_RANGES";
		}
	}
	vfio_dma_map_limit_last_iova(c.ranges, c.nranges, &last_iova);

	rc = iova_any_init(&alloc, c.kind, c.ranges, c.nranges);
	if (rc) {
		fprintf(stderr, "kvmsim iova: allocator %s: %s\n", iova_allocator_kind_name(c.kind),
			strerror(-rc));
		rc = EXIT_RUNTIME;
		goto out;
	}
	recs = calloc(c.nallocs ? c.nallocs : 1, sizeof(*recs));
	if (!recs) {
		iova_any_cleanup(&alloc);
		fprintf(stderr, "kvmsim iova: out of memory\n");
		rc = EXIT_RUNTIME;
		goto out;
	}
	for (u32 i = 0; i < c.nops; i++) {
		struct op *op = &c.ops[i];
		iova_t iova;

		if (op->kind == OP_FREE) {
			rc = iova_reuse_free(&alloc.reuse, recs[op->value].iova);
			if (rc) {
				snprintf(failure, sizeof(failure), "--free %s: %s", op->arg,
					 strerror(-rc));
				failed_arg = op->arg;
				break;
			}
			recs[op->value].freed = true;
			continue;
		}
		rc = iova_any_alloc(&alloc, op->value, &iova);
		if (rc) {
			snprintf(failure, sizeof(failure), "--alloc %s (allocation %u): %s",
				 op->arg, nrecs,
				 rc == -ENOSPC ? "IOVA allocator out of space" : strerror(-rc));
			failed_arg = op->arg;
			break;
		}
		recs[nrecs++] = (struct alloc_rec){.size = op->value, .iova = iova};
	}
	iova_any_cleanup(&alloc);

	if (c.json)
		print_json(&c, last_iova, recs, nrecs, failed_arg, failed_arg ? failure : NULL);
	else
		print_human(&c, source, dev.note, last_iova, recs, nrecs);
	if (c.json && dev.note)
		fprintf(stderr, "kvmsim iova: note: %s\n", dev.note);
	if (failed_arg) {
		fflush(stdout);
		fprintf(stderr, "kvmsim iova: %s\n", failure);
		status = EXIT_RUNTIME;
	}
	rc = status;
out:
	free(recs);
	free(c.ranges);
	free(c.range_args);
	free(c.ops);
	return rc;
}

KVMSIM_COMMAND(iova_cmd, .name = "iova",
	       .summary = "IOVA ranges (VFIO/iommufd queries) and IOVA allocators",
	       .run = cmd_iova);
