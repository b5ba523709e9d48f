// SPDX-License-Identifier: GPL-2.0
/*
 * Command-line values of `kvmsim iova`: IOVAs, sizes and START-LAST ranges. In the library
 * (not tools/) so that fuzz/fuzz_iova_range.c can reach them.
 *
 * Numbers are decimal or 0x-hexadecimal, nothing else: a leading 0 is not octal (unlike
 * strtoull(s, NULL, 0)), so 0100 is one hundred.
 */
#include <errno.h>
#include <string.h>

#include "kvmsim/vfio_iova.h"

static int digit_value(char c, unsigned int base)
{
	unsigned int v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return v < base ? (int)v : -1;
}

/* Parses a number at s[0..n); 0, -EINVAL (malformed) or -ERANGE (> 2^64 - 1). */
static int parse_num(const char *s, size_t n, u64 *out)
{
	unsigned int base = 10;
	u64 v = 0;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		n -= 2;
	}
	if (!n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int d = digit_value(s[i], base);

		if (d < 0)
			return -EINVAL;
		if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, (u64)d, &v))
			return -ERANGE;
	}
	*out = v;
	return 0;
}

/**
 * iova_parse_u64() - an IOVA: decimal or 0x-hex, 0 .. 2^64 - 1.
 * Return: 0, -EINVAL or -ERANGE; *out is written only on success.
 */
int iova_parse_u64(const char *s, u64 *out)
{
	return parse_num(s, strlen(s), out);
}

/**
 * iova_parse_size() - a size: a decimal number with an optional binary suffix K, M, G, T,
 * P or E (or KiB, MiB, ...; either case for the letter), or a 0x-hex number without
 * suffix: 4096, 4K, 2MiB, 0x1000. Must be > 0.
 * Return: 0, -EINVAL (malformed or zero) or -ERANGE; *out is written only on success.
 */
int iova_parse_size(const char *s, u64 *out)
{
	static const char units[] = "KMGTPE";
	size_t n = strlen(s);
	bool hex = n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	unsigned int shift = 0;
	u64 v;
	int rc;

	if (!hex && n) {
		size_t m = n;
		const char *unit;
		char c;

		if (m >= 3 && s[m - 2] == 'i' && s[m - 1] == 'B')
			m -= 2;
		c = (char)(s[m - 1] & ~0x20);
		unit = (c >= 'A' && c <= 'Z') ? strchr(units, c) : NULL;
		if (unit) {
			shift = 10 * (unsigned int)(unit - units + 1);
			n = m - 1;
		} else if (m != n) {
			return -EINVAL; /* "iB" without a unit */
		}
	}
	rc = parse_num(s, n, &v);
	if (rc)
		return rc;
	if (!v)
		return -EINVAL;
	if (shift && v > (~0ull >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

/**
 * iova_parse_range() - START-LAST, both IOVAs, LAST inclusive, START <= LAST.
 * Return: 0, -EINVAL (malformed, or START > LAST) or -ERANGE; *r is written only on
 * success.
 */
int iova_parse_range(const char *s, struct iommu_iova_range *r)
{
	const char *dash = strchr(s, '-');
	u64 start, last;
	int rc;

	if (!dash)
		return -EINVAL;
	rc = parse_num(s, (size_t)(dash - s), &start);
	if (rc)
		return rc;
	rc = parse_num(dash + 1, strlen(dash + 1), &last);
	if (rc)
		return rc;
	if (start > last)
		return -EINVAL;
	r->start = start;
	r->last = last;
	return 0;
}
