// SPDX-License-Identifier: GPL-2.0
/*
 * Classification of raw PTE/PMD values through the leafops API (see leafinfo.h) and the
 * softleaf type names. Model machinery: every field comes from one kernel helper, named
 * beside it in include/kvmsim/leafinfo.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmsim/leafinfo.h"

static const char *const softleaf_names[NR_SOFTLEAF_TYPES] = {
    [SOFTLEAF_NONE] = "none",
    [SOFTLEAF_SWAP] = "swap",
    [SOFTLEAF_MIGRATION_READ] = "migration_read",
    [SOFTLEAF_MIGRATION_READ_EXCLUSIVE] = "migration_read_exclusive",
    [SOFTLEAF_MIGRATION_WRITE] = "migration_write",
    [SOFTLEAF_DEVICE_PRIVATE_READ] = "device_private_read",
    [SOFTLEAF_DEVICE_PRIVATE_WRITE] = "device_private_write",
    [SOFTLEAF_DEVICE_EXCLUSIVE] = "device_exclusive",
    [SOFTLEAF_HWPOISON] = "hwpoison",
    [SOFTLEAF_MARKER] = "marker",
};

/**
 * softleaf_type_name() - model only: the enum softleaf_type name, lower case, no prefix
 * @type: the type
 *
 * Return: "none", "swap", ..., or "invalid" for a value out of the enum.
 */
const char *softleaf_type_name(enum softleaf_type type)
{
	if ((unsigned int)type >= NR_SOFTLEAF_TYPES)
		return "invalid";
	return softleaf_names[type];
}

static void classify_softleaf(const struct swp_config *c, struct leaf_info *o)
{
	o->type = softleaf_type(c, o->entry);
	o->type_valid = softleaf_type_valid(c, o->entry);
	o->swap_type = swp_type(o->entry);
	o->offset = swp_offset(o->entry);
	o->has_pfn = softleaf_has_pfn(c, o->entry);
	if (o->has_pfn)
		o->pfn = softleaf_to_pfn(c, o->entry);
	if (softleaf_is_marker(c, o->entry)) {
		o->marker = softleaf_to_marker(c, o->entry);
		o->marker_uffd_wp = softleaf_is_uffd_wp_marker(c, o->entry);
		o->marker_poisoned = softleaf_is_poison_marker(c, o->entry);
		o->marker_guard = softleaf_is_guard_marker(c, o->entry);
	}
	if (softleaf_is_migration(c, o->entry)) {
		o->mig_young = softleaf_is_migration_young(c, o->entry);
		o->mig_dirty = softleaf_is_migration_dirty(c, o->entry);
	}
}

/**
 * leaf_classify() - model only: one raw PTE or PMD value through the leafops API
 * @c: the initialized configuration
 * @val: the raw value
 * @pmd: classify as a PMD
 * @o: the result (see struct leaf_info for which kernel helper gives each field)
 */
void leaf_classify(const struct swp_config *c, u64 val, bool pmd, struct leaf_info *o)
{
	memset(o, 0, sizeof(*o));
	o->val = val;
	o->pmd = pmd;
	o->type = SOFTLEAF_NONE;
	o->type_valid = true;
	if (!pmd) {
		pte_t pte = __pte(val);

		o->none = pte_none(pte);
		o->present = pte_present(pte);
		o->entry = softleaf_from_pte(c, pte);
		o->uffd_marker = pte_is_uffd_marker(c, pte);
		o->exclusive_encoded = !o->present;
		if (o->present) {
			o->protnone = !(val & _PAGE_PRESENT);
			o->has_pfn = true;
			o->pfn = pte_pfn(pte);
			o->soft_dirty = pte_soft_dirty(c, pte);
			o->uffd_wp = pte_uffd_wp(c, pte);
		} else if (!o->none) {
			o->exclusive = pte_swp_exclusive(pte);
			o->soft_dirty = pte_swp_soft_dirty(c, pte);
			o->uffd_wp = pte_swp_uffd_wp(c, pte);
		}
	} else {
		pmd_t pmd_e = __pmd(val);

		o->none = pmd_none(pmd_e);
		o->present = pmd_present(pmd_e);
		o->huge = pmd_is_huge(c, pmd_e);
		o->valid_softleaf = pmd_is_valid_softleaf(c, pmd_e);
		o->entry = softleaf_from_pmd(c, pmd_e);
		if (o->present) {
			o->protnone = !(val & _PAGE_PRESENT);
			/* a PFN only for a leaf (PSE) PMD; a table PMD points to a page table */
			if (pmd_trans_huge(pmd_e)) {
				o->has_pfn = true;
				o->pfn = pmd_pfn(pmd_e);
			}
			o->soft_dirty = pmd_soft_dirty(c, pmd_e);
			o->uffd_wp = pmd_uffd_wp(c, pmd_e);
		} else if (!o->none) {
			o->soft_dirty = pmd_swp_soft_dirty(c, pmd_e);
			o->uffd_wp = pmd_swp_uffd_wp(c, pmd_e);
		}
	}
	if (!o->present && !o->none)
		classify_softleaf(c, o);
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/**
 * leaf_parse_hex() - model only: parse an entry value for kvmsim pte / pagemap
 * @s: optional 0x/0X, then 1 to 16 significant hex digits, nothing else
 * @out: the value, written only on success
 *
 * Return: 0, -EINVAL (malformed) or -ERANGE (wider than 64 bits).
 */
int leaf_parse_hex(const char *s, u64 *out)
{
	u64 v = 0;
	int sig = 0;

	if (!s)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		int d = hexval(*s);

		if (d < 0)
			return -EINVAL;
		if (sig || d)
			sig++;
		if (sig > 16) {
			/* keep scanning: junk later in the string is -EINVAL, not -ERANGE */
			for (s++; *s; s++)
				if (hexval(*s) < 0)
					return -EINVAL;
			return -ERANGE;
		}
		v = v << 4 | (u64)d;
	}
	*out = v;
	return 0;
}

static const struct {
	const char *name;
	const char *kconfig;
	size_t off;
} swp_config_keys[] = {
    {"migration", "CONFIG_MIGRATION", offsetof(struct swp_config, migration)},
    {"device_private", "CONFIG_DEVICE_PRIVATE", offsetof(struct swp_config, device_private)},
    {"memory_failure", "CONFIG_MEMORY_FAILURE", offsetof(struct swp_config, memory_failure)},
    {"mem_soft_dirty", "CONFIG_MEM_SOFT_DIRTY", offsetof(struct swp_config, mem_soft_dirty)},
    {"uffd_wp", "CONFIG_HAVE_ARCH_USERFAULTFD_WP", offsetof(struct swp_config, uffd_wp)},
    {"thp", "CONFIG_TRANSPARENT_HUGEPAGE", offsetof(struct swp_config, thp)},
    {"thp_migration", "CONFIG_ARCH_ENABLE_THP_MIGRATION",
     offsetof(struct swp_config, thp_migration)},
    {"zone_device", "CONFIG_ZONE_DEVICE", offsetof(struct swp_config, zone_device)},
    {"swap", "CONFIG_SWAP", offsetof(struct swp_config, swap)},
    {"la57", NULL, offsetof(struct swp_config, la57)},
};

/**
 * swp_config_set() - model only: set config inputs from "key=0|1,..."
 * @c: the config
 * @s: the list; modified while parsing, restored before returning
 * @bad: set to the offending item on error
 *
 * Return: 0 or -EINVAL.
 */
int swp_config_set(struct swp_config *c, char *s, const char **bad)
{
	char *item = s;

	while (item) {
		char *comma = strchr(item, ',');
		char *eq = strchr(item, '=');
		size_t k, len;

		if (comma)
			*comma = '\0';
		*bad = item;
		len = eq ? (size_t)(eq - item) : 0;
		for (k = 0; eq && k < ARRAY_SIZE(swp_config_keys); k++)
			if (strlen(swp_config_keys[k].name) == len &&
			    !strncmp(item, swp_config_keys[k].name, len))
				break;
		if (!eq || k == ARRAY_SIZE(swp_config_keys) ||
		    (strcmp(eq + 1, "0") && strcmp(eq + 1, "1"))) {
			if (comma)
				*comma = ',';
			return -EINVAL;
		}
		*(bool *)((char *)c + swp_config_keys[k].off) = eq[1] == '1';
		if (comma)
			*comma = ',';
		item = comma ? comma + 1 : NULL;
	}
	return 0;
}

/* "\nOPT=y\n" in text (which starts after a newline or at the start) */
static bool kconfig_y(const char *text, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = text; (p = strstr(p, opt)); p += n)
		if ((p == text || p[-1] == '\n') && p[n] == '=' && p[n + 1] == 'y' &&
		    (p[n + 2] == '\n' || !p[n + 2]))
			return true;
	return false;
}

/**
 * swp_config_from_kconfig() - model only: config inputs from a kernel .config
 * @c: the config
 * @kconfig: the .config text
 * @cpuinfo: /proc/cpuinfo text, or NULL to leave la57 alone
 */
void swp_config_from_kconfig(struct swp_config *c, const char *kconfig, const char *cpuinfo)
{
	for (size_t k = 0; k < ARRAY_SIZE(swp_config_keys); k++)
		if (swp_config_keys[k].kconfig)
			*(bool *)((char *)c + swp_config_keys[k].off) =
			    kconfig_y(kconfig, swp_config_keys[k].kconfig);
	if (cpuinfo) {
		const char *flags = strstr(cpuinfo, "\nflags");
		const char *eol = flags ? strchr(flags + 1, '\n') : NULL;
		const char *la57 = flags ? strstr(flags, " la57") : NULL;
		bool five = strstr(kconfig, "\nCONFIG_PGTABLE_LEVELS=5\n");

		c->la57 =
		    five && la57 && (!eol || la57 < eol) && (la57[5] == ' ' || la57[5] == '\n');
	}
}

static char *read_all(FILE *f, size_t cap)
{
	char *buf = malloc(cap + 2);
	size_t n = 1, r;

	if (!buf)
		return NULL;
	buf[0] = '\n'; /* so the first line also follows a newline */
	while (n < cap && (r = fread(buf + n, 1, cap - n, f)) > 0)
		n += r;
	buf[n] = '\0';
	return buf;
}

/**
 * swp_config_read_host() - model only: this machine's configuration
 * @c: the config to fill (from swp_config_default()) and initialize
 *
 * Return: 0, -ENOENT (no readable /proc/config.gz), -ENOMEM or -EINVAL.
 */
int swp_config_read_host(struct swp_config *c)
{
	FILE *p = popen("gzip -dc /proc/config.gz 2>/dev/null", "r");
	FILE *ci;
	char *kconfig, *cpuinfo = NULL;
	int st;

	if (!p)
		return -ENOENT;
	kconfig = read_all(p, 1 << 21);
	st = pclose(p);
	if (!kconfig)
		return -ENOMEM;
	if (st != 0 || !strstr(kconfig, "\nCONFIG_")) {
		free(kconfig);
		return -ENOENT;
	}
	ci = fopen("/proc/cpuinfo", "r");
	if (ci) {
		cpuinfo = read_all(ci, 1 << 22);
		fclose(ci);
	}
	swp_config_default(c);
	swp_config_from_kconfig(c, kconfig, cpuinfo);
	free(kconfig);
	free(cpuinfo);
	return swp_config_init(c);
}
