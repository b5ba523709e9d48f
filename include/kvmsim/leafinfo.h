/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Classification of a raw x86-64 PTE or PMD value through the leafops API, for
 * `kvmsim pte` and its fuzz target. Model machinery, not a kernel file.
 */
#ifndef KVMSIM_LEAFINFO_H
#define KVMSIM_LEAFINFO_H

#include "kvmsim/leafops.h"

struct leaf_info {
	u64 val;
	bool pmd;		 /* classified as a PMD */
	bool none;		 /* pte_none() / pmd_none() */
	bool present;		 /* pte_present() / pmd_present() */
	bool huge;		 /* PMD only: pmd_is_huge() */
	bool valid_softleaf;	 /* PMD only: pmd_is_valid_softleaf() */
	bool protnone;		 /* present through _PAGE_PROTNONE only (PFN stored inverted) */
	softleaf_t entry;	 /* softleaf_from_pte() / softleaf_from_pmd() */
	enum softleaf_type type; /* softleaf_type(entry) */
	bool type_valid;	 /* softleaf_type() would not have warned */
	unsigned int swap_type;	 /* swp_type(entry), when !present && !none */
	u64 offset;		 /* swp_offset(entry), when !present && !none */
	bool has_pfn;
	u64 pfn;	   /* pte_pfn()/pmd_pfn() when present, softleaf_to_pfn() if has_pfn */
	pte_marker marker; /* softleaf_to_marker() for markers */
	bool marker_uffd_wp, marker_poisoned, marker_guard;
	bool uffd_marker;	   /* PTE only: pte_is_uffd_marker() */
	bool mig_young, mig_dirty; /* softleaf_is_migration_young/dirty() for migration */
	/* flags: present → pte_soft_dirty/pte_uffd_wp; else pte_swp_* (PMD: pmd_swp_*) */
	bool exclusive, soft_dirty, uffd_wp;
	bool exclusive_encoded; /* false where the entry cannot carry it (present, PMD) */
};

/* Classify val as a PTE (pmd false) or PMD with an initialized config. */
void leaf_classify(const struct swp_config *c, u64 val, bool pmd, struct leaf_info *out);

/*
 * Parse an entry value: optional 0x/0X, then 1 to 16 significant hex digits (leading zeros
 * allowed), nothing else. 0, -EINVAL (malformed) or -ERANGE (more than 64 bits).
 */
int leaf_parse_hex(const char *s, u64 *out);

/*
 * Set config inputs from "key=0|1,key=0|1..." (keys: migration, device_private,
 * memory_failure, mem_soft_dirty, uffd_wp, thp, thp_migration, zone_device, swap, la57).
 * s is modified while parsing and restored. 0, or -EINVAL with *bad at the bad item.
 * Does not call swp_config_init().
 */
int swp_config_set(struct swp_config *c, char *s, const char **bad);

/*
 * Set config inputs from the text of a kernel .config (CONFIG_X=y lines) and, if cpuinfo
 * is not NULL, the text of /proc/cpuinfo (la57 = the la57 CPU flag with 5-level page
 * tables configured). Does not call swp_config_init().
 */
void swp_config_from_kconfig(struct swp_config *c, const char *kconfig, const char *cpuinfo);

/*
 * This machine's configuration: /proc/config.gz (through gzip -dc) and /proc/cpuinfo, then
 * swp_config_init(). 0, or a negative errno (-ENOENT: no readable /proc/config.gz).
 */
int swp_config_read_host(struct swp_config *c);

#endif
