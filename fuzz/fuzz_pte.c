// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target for the entry classifier and `kvmsim pte`'s command line.
 *
 * The input is split at NUL and newline bytes into up to 16 arguments, which
 * (1) go through leaf_parse_hex(), checked against strtoull() as an oracle, and
 * (2) run the whole command, pte_main() (this file includes tools/kvmsim/pte.c), with its
 *     output thrown away.
 * Then the first 8 bytes, as a PTE and as a PMD under a configuration picked by byte 8,
 * go through leaf_classify(), whose invariants are checked: present and none exclusive,
 * a softleaf type only for non-present non-none entries, every PTE/PMD-derived softleaf
 * of a known type number, markers only on marker entries, PFNs only where leafops.h has
 * them. A violated invariant aborts.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../tools/kvmsim/pte.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 16

static void check_parse(const char *s)
{
	const char *d = s;
	bool allhex = true;
	size_t sig = 0, nd = 0;
	u64 v;
	int rc;

	if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X'))
		d += 2;
	for (const char *q = d; *q; q++) {
		bool hx = (*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f') ||
			  (*q >= 'A' && *q <= 'F');

		allhex &= hx;
		nd++;
		if (hx && (sig || *q != '0'))
			sig++;
	}
	rc = leaf_parse_hex(s, &v);
	if (!allhex || !nd) {
		if (rc != -EINVAL)
			abort();
		return;
	}
	if (sig > 16) {
		if (rc != -ERANGE)
			abort();
		return;
	}
	if (rc)
		abort();
	errno = 0;
	if (strtoull(d, NULL, 16) != v || errno)
		abort();
}

static void check_classify(const struct swp_config *c, u64 val, bool pmd)
{
	struct leaf_info li;

	leaf_classify(c, val, pmd, &li);
	if (li.present && li.none)
		abort();
	if ((li.present || li.none) && li.type != SOFTLEAF_NONE)
		abort();
	if (!li.type_valid)
		abort(); /* only type numbers 0-31 fit an x86-64 entry: all are known */
	if ((li.marker_guard || li.marker_poisoned || li.marker_uffd_wp || li.uffd_marker) &&
	    li.type != SOFTLEAF_MARKER)
		abort();
	if (li.has_pfn && !li.present && !softleaf_has_pfn(c, li.entry))
		abort();
	if (!pmd && !li.present && !li.none && li.swap_type != (val >> 59))
		abort();
	if (pmd && li.type != SOFTLEAF_NONE && !li.huge)
		abort(); /* pmd_is_huge() holds for every non-present, non-none PMD */
	if (strcmp(softleaf_type_name(li.type), "invalid") == 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null_out;
	char *buf = malloc(size + 1), *argv[MAX_ARGS + 1];
	int argc = 0;
	size_t start = 0;

	if (!null_out)
		null_out = fopen("/dev/null", "w");
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "pte";
	for (size_t i = 0; i <= size && argc < MAX_ARGS; i++) {
		if (i == size || buf[i] == '\0' || buf[i] == '\n') {
			buf[i] = '\0';
			argv[argc++] = buf + start;
			start = i + 1;
		}
	}
	argv[argc] = NULL;
	for (int i = 1; i < argc; i++) {
		check_parse(argv[i]);
		/* --config host would run gzip on /proc/config.gz for every such input */
		if (strstr(argv[i], "host"))
			argv[i] = "migration=1";
	}
	if (null_out)
		pte_main(argc, argv, null_out, null_out);
	free(buf);

	if (size >= 9) {
		struct swp_config c;
		u64 val;

		memcpy(&val, data, 8);
		swp_config_default(&c);
		c.migration = data[8] & 1;
		c.device_private = data[8] & 2;
		c.memory_failure = data[8] & 4;
		c.mem_soft_dirty = data[8] & 8;
		c.uffd_wp = data[8] & 16;
		c.thp_migration = data[8] & 32;
		c.la57 = data[8] & 64;
		c.max_swapfile = data[8] & 128 ? MAX_SWAPFILE_BROKEN : MAX_SWAPFILE_FIXED;
		if (swp_config_init(&c))
			abort();
		check_classify(&c, val, false);
		check_classify(&c, val, true);
	}
	return 0;
}
