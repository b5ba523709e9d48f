// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsim pte: classify raw x86-64 PTE or PMD values through the leafops model
 * (include/kvmsim/leafops.h, docs/model/leafops.md).
 *
 * The command is pte_main(), writing to caller-given streams, so that fuzz/fuzz_pte.c can
 * include this file and run the whole command line on fuzzed arguments.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "kvmsim/cmd.h"
#include "kvmsim/json.h"
#include "kvmsim/leafinfo.h"

static const char pte_usage_text[] =
    "usage: kvmsim pte [--pmd] [--json] [--config host|KEY=0|1[,KEY=0|1...]] HEX...\n"
    "\n"
    "Classify raw x86-64 page-table entries as the kernel's leafops.h does (the\n"
    "leaf-entry series, v3): present, none, or a software leaf entry of one type\n"
    "(swap, migration_read, migration_read_exclusive, migration_write,\n"
    "device_private_read, device_private_write, device_exclusive, hwpoison, marker),\n"
    "with its swap type, offset, PFN, marker bits and flag bits.\n"
    "\n"
    "  HEX          an entry value: hex digits with an optional 0x, up to 64 bits\n"
    "  --pmd        the values are PMDs (softleaf_from_pmd, pmd_present, pmd_is_huge)\n"
    "  --json       an array with one object per entry: value, type, swap_type, offset,\n"
    "               pfn (null where the entry has none), markers {uffd_wp, poisoned,\n"
    "               guard}, flags {exclusive, soft_dirty, uffd_wp} (exclusive is null\n"
    "               where the entry cannot encode it), and more\n"
    "  --config     the kernel configuration (default: all 1 but la57, on x86-64), or\n"
    "               'host' for this machine's (/proc/config.gz, /proc/cpuinfo):\n"
    "               migration, device_private, memory_failure, mem_soft_dirty, uffd_wp,\n"
    "               thp, thp_migration, zone_device, swap, la57 (5-level: 40 PFN bits)\n"
    "\n"
    "Type numbers follow the configuration: with everything on, swap types are 0-23,\n"
    "hwpoison 24, migration 25-27, device 28-30, marker 31.\n";

struct pte_cli {
	struct swp_config cfg;
	bool pmd, json;
};

static int pte_usage_error(FILE *err, const char *what, const char *arg)
{
	fprintf(err, "kvmsim pte: %s '%s' (see kvmsim pte --help)\n", what, arg);
	return EXIT_USAGE;
}

/* key (" markers=") then the names whose bit is set, comma-separated; nothing if none is */
static void pte_print_list(FILE *out, const char *key, const char *const *names, const bool *set,
			   int n)
{
	bool any = false;

	for (int k = 0; k < n; k++) {
		if (!set[k])
			continue;
		fprintf(out, "%s%s", any ? "," : key, names[k]);
		any = true;
	}
}

static void pte_print_text(FILE *out, const struct swp_config *cfg, const struct leaf_info *li)
{
	static const char *const marker_names[] = {"uffd_wp", "poisoned", "guard"};
	static const char *const flag_names[] = {"exclusive", "soft_dirty", "uffd_wp"};
	bool markers[] = {li->marker_uffd_wp, li->marker_poisoned, li->marker_guard};
	bool flags[] = {li->exclusive, li->soft_dirty, li->uffd_wp};

	fprintf(out, "0x%016llx  %s", (unsigned long long)li->val,
		li->present ? "present" : softleaf_type_name(li->type));
	if (!li->present && !li->none)
		fprintf(out, " swap_type=%u offset=0x%llx", li->swap_type,
			(unsigned long long)li->offset);
	if (li->has_pfn)
		fprintf(out, " pfn=0x%llx", (unsigned long long)li->pfn);
	if (li->type == SOFTLEAF_MARKER && !li->marker)
		fprintf(out, " markers=(none)");
	pte_print_list(out, " markers=", marker_names, markers, 3);
	pte_print_list(out, " flags=", flag_names, flags, 3);
	if (li->mig_young)
		fprintf(out, " young");
	if (li->mig_dirty)
		fprintf(out, " dirty");
	if (li->protnone)
		fprintf(out, " protnone");
	if (li->pmd && li->huge)
		fprintf(out, " huge");
	if (li->pmd && !li->present && !li->none && !li->valid_softleaf)
		fprintf(out, " (not a valid PMD leaf entry)");
	if (!li->present && !li->none && li->type == SOFTLEAF_NONE)
		fprintf(out, li->pmd && !cfg->thp_migration
				 ? " (no THP migration: softleaf_from_pmd() is always none)"
				 : " (non-present entry decodes to the empty softleaf)");
	fputc('\n', out);
}

static void pte_print_json(struct json *j, const struct leaf_info *li)
{
	char hex[24];
	bool sl = !li->present && !li->none;

	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)li->val);
	json_obj_begin(j, NULL);
	json_str(j, "value", hex);
	json_str(j, "entry", li->pmd ? "pmd" : "pte");
	json_str(j, "type", li->present ? "present" : softleaf_type_name(li->type));
	json_bool(j, "none", li->none);
	json_bool(j, "present", li->present);
	if (sl) {
		json_u64(j, "swap_type", li->swap_type);
		json_u64(j, "offset", li->offset);
	} else {
		json_null(j, "swap_type");
		json_null(j, "offset");
	}
	if (li->has_pfn)
		json_u64(j, "pfn", li->pfn);
	else
		json_null(j, "pfn");
	json_obj_begin(j, "markers");
	json_bool(j, "uffd_wp", li->marker_uffd_wp);
	json_bool(j, "poisoned", li->marker_poisoned);
	json_bool(j, "guard", li->marker_guard);
	json_obj_end(j);
	json_obj_begin(j, "flags");
	if (li->exclusive_encoded)
		json_bool(j, "exclusive", li->exclusive);
	else
		json_null(j, "exclusive");
	json_bool(j, "soft_dirty", li->soft_dirty);
	json_bool(j, "uffd_wp", li->uffd_wp);
	json_obj_end(j);
	if (li->type == SOFTLEAF_MARKER)
		json_u64(j, "marker", li->marker);
	if (sl &&
	    (li->type == SOFTLEAF_MIGRATION_READ || li->type == SOFTLEAF_MIGRATION_READ_EXCLUSIVE ||
	     li->type == SOFTLEAF_MIGRATION_WRITE)) {
		json_bool(j, "young", li->mig_young);
		json_bool(j, "dirty", li->mig_dirty);
	}
	if (li->present)
		json_bool(j, "protnone", li->protnone);
	if (li->pmd) {
		json_bool(j, "huge", li->huge);
		json_bool(j, "valid_softleaf", li->valid_softleaf);
	} else {
		json_bool(j, "uffd_marker", li->uffd_marker);
	}
	json_obj_end(j);
}

static int pte_main(int argc, char **argv, FILE *out, FILE *err)
{
	struct pte_cli cli = {0};
	struct json j;
	int first = 0, i;
	bool dashdash = false;

	swp_config_default(&cli.cfg);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (dashdash || a[0] != '-' || !a[1]) {
			if (!first)
				first = i;
			continue;
		}
		if (!strcmp(a, "--")) {
			dashdash = true;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(pte_usage_text, out);
			return 0;
		} else if (!strcmp(a, "--pmd")) {
			cli.pmd = true;
		} else if (!strcmp(a, "--json")) {
			cli.json = true;
		} else if (!strcmp(a, "--config") || !strncmp(a, "--config=", 9)) {
			char buf[512];
			const char *v = a[8] == '=' ? a + 9 : NULL, *bad = NULL;

			if (!v) {
				if (i + 1 >= argc)
					return pte_usage_error(err, "missing value for", a);
				v = argv[++i];
			}
			if (strlen(v) >= sizeof(buf))
				return pte_usage_error(err, "--config value too long:", v);
			strcpy(buf, v);
			if (!strcmp(buf, "host")) {
				int rc = swp_config_read_host(&cli.cfg);

				if (rc) {
					fprintf(err, "kvmsim pte: --config host: %s\n",
						rc == -ENOENT ? "no readable /proc/config.gz"
							      : strerror(-rc));
					return EXIT_RUNTIME;
				}
			} else if (swp_config_set(&cli.cfg, buf, &bad))
				return pte_usage_error(err, "bad --config item", bad);
		} else {
			return pte_usage_error(err, "unknown option", a);
		}
	}
	if (swp_config_init(&cli.cfg))
		return pte_usage_error(
		    err, "inconsistent --config (thp_migration needs thp):", "thp_migration");
	/* check every value before printing any */
	dashdash = false;
	for (i = 1; i < argc; i++) {
		u64 v;
		int rc;

		if (!dashdash && !strcmp(argv[i], "--")) {
			dashdash = true;
			continue;
		}
		if (!dashdash && argv[i][0] == '-' && argv[i][1]) {
			if (!strcmp(argv[i], "--config"))
				i++;
			continue;
		}
		rc = leaf_parse_hex(argv[i], &v);
		if (rc == -ERANGE)
			return pte_usage_error(err, "entry value wider than 64 bits:", argv[i]);
		if (rc)
			return pte_usage_error(err, "not a hex entry value:", argv[i]);
	}
	if (!first) {
		fprintf(err, "kvmsim pte: no entry value given (see kvmsim pte --help)\n");
		return EXIT_USAGE;
	}

	if (cli.json) {
		json_init(&j, out);
		json_arr_begin(&j, NULL);
	}
	dashdash = false;
	for (i = 1; i < argc; i++) {
		struct leaf_info li;
		u64 v;

		if (!dashdash && !strcmp(argv[i], "--")) {
			dashdash = true;
			continue;
		}
		if (!dashdash && argv[i][0] == '-' && argv[i][1]) {
			if (!strcmp(argv[i], "--config"))
				i++;
			continue;
		}
		if (leaf_parse_hex(argv[i], &v))
			continue; /* cannot happen: checked above */
		leaf_classify(&cli.cfg, v, cli.pmd, &li);
		if (cli.json)
			pte_print_json(&j, &li);
		else
			pte_print_text(out, &cli.cfg, &li);
	}
	if (cli.json) {
		json_arr_end(&j);
		json_finish(&j);
	}
	return 0;
}

static int pte_run(int argc, char **argv)
{
	return pte_main(argc, argv, stdout, stderr);
}

KVMSIM_COMMAND(pte_cmd, .name = "pte", .summary = "classify raw x86-64 PTE/PMD values (softleaf_t)",
	       .run = pte_run);
