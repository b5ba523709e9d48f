// SPDX-License-Identifier: GPL-2.0
/*
 * Value parsers (see include/kvmsim/parse.h).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kvmsim/parse.h"

static const char *skip_blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static bool only_blank(const char *s)
{
	return *skip_blank(s) == '\0';
}

/*
 * Decimal, or hexadecimal with a 0x prefix. A leading zero is not octal: "010" in a
 * scenario means ten, as a reader expects.
 */
static int number_base(const char *digits)
{
	return digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X') ? 16 : 10;
}

int parse_u64(const char *s, u64 *out)
{
	char *end;
	unsigned long long v;

	s = skip_blank(s);
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, number_base(s));
	if (errno == ERANGE)
		return -ERANGE;
	if (end == s || !only_blank(end))
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_s64(const char *s, s64 *out)
{
	char *end;
	long long v;

	s = skip_blank(s);
	if (!isdigit((unsigned char)*s) && *s != '-' && *s != '+')
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, number_base(s + (*s == '-' || *s == '+')));
	if (errno == ERANGE)
		return -ERANGE;
	if (end == s || !only_blank(end))
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"1", "true", "yes", "on"};
	static const char *const no[] = {"0", "false", "no", "off"};
	char buf[8];
	size_t n;

	s = skip_blank(s);
	n = strcspn(s, " \t");
	if (n == 0 || n >= sizeof(buf) || !only_blank(s + n))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(buf, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(buf, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

int parse_double(const char *s, double *out)
{
	char *end;
	double v;

	s = skip_blank(s);
	if (!*s)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || !only_blank(end))
		return -EINVAL;
	if (errno == ERANGE || !isfinite(v))
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_duration_ns(const char *s, u64 *out)
{
	static const struct {
		const char *suffix;
		double mult;
	} units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
	char *end;
	double v, mult = 1;

	s = skip_blank(s);
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno == ERANGE)
		return -EINVAL;
	end = (char *)skip_blank(end);
	if (*end) {
		size_t n = strcspn(end, " \t");
		size_t i;

		for (i = 0; i < ARRAY_SIZE(units); i++)
			if (strlen(units[i].suffix) == n && !strncmp(end, units[i].suffix, n))
				break;
		if (i == ARRAY_SIZE(units) || !only_blank(end + n))
			return -EINVAL;
		mult = units[i].mult;
	}
	v = v * mult + 0.5;
	/* 0x1p64 is the first double past U64_MAX; llround would stop at 2^63. */
	if (!(v >= 0) || v >= 0x1p64)
		return -ERANGE;
	*out = (u64)v;
	return 0;
}
