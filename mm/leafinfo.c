// SPDX-License-Identifier: GPL-2.0
/*
 * Classification of raw PTE/PMD values through the leafops API (see leafinfo.h) and the
 * softleaf type names. Model machinery: every field comes from one kernel helper, named
 * beside it in include/kvmsim/leafinfo.h.
 */
#include <errno.h>
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
