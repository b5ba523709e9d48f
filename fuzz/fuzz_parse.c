// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the value parsers (lib/parse.c) and the cpulist parser (lib/cpumask.c): each line
 * of the input, as a C string, goes to every parser. Checked, besides no crash (ASan,
 * UBSan): a failed parse leaves *out alone (include/kvmsim/parse.h); what parses round-
 * trips (a u64 or s64 printed in decimal, a u64 in hex, a double printed with %.17g, a
 * duration below 2^53 ns printed as "Nns", a CPU mask printed as a cpulist all parse back
 * to the same value); cpulist_parse() reports -1 in *bad for a malformed list and a CPU
 * at or above NR_CPUS for -ERANGE; cpumask_nth() walks the mask in order. abort() when a
 * check fails.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kvmsim/cpumask.h"
#include "kvmsim/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SENTINEL 0x5a5a5a5a5a5a5a5aull

static void check(bool ok)
{
	if (!ok)
		abort();
}

/* The mask as a cpulist ("0-3,8"): what cpulist_parse() reads. */
static void format_cpulist(const struct cpumask *m, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int c = 0; c < NR_CPUS; c++) {
		int e = c;

		if (!cpumask_test_cpu(c, m))
			continue;
		while (e + 1 < NR_CPUS && cpumask_test_cpu(e + 1, m))
			e++;
		n += (size_t)snprintf(buf + n, size - n, n ? ",%d" : "%d", c);
		if (e > c)
			n += (size_t)snprintf(buf + n, size - n, "-%d", e);
		c = e;
	}
}

/* What parse_bool() must have read from @s once it succeeded: its one word's meaning. */
static bool expected_bool(const char *s)
{
	static const char *const yes[] = {"1", "true", "yes", "on"};
	char word[8];
	size_t n;

	s += strspn(s, " \t");
	n = strcspn(s, " \t");
	check(n > 0 && n < sizeof(word) && s[n + strspn(s + n, " \t")] == '\0');
	memcpy(word, s, n);
	word[n] = '\0';
	for (size_t k = 0; k < ARRAY_SIZE(yes); k++)
		if (!strcasecmp(word, yes[k]))
			return true;
	check(!strcasecmp(word, "0") || !strcasecmp(word, "false") || !strcasecmp(word, "no") ||
	      !strcasecmp(word, "off"));
	return false;
}

static void fuzz_numbers(const char *s)
{
	char buf[64];
	u64 u = SENTINEL, u2;
	s64 i = (s64)SENTINEL, i2;
	bool b = true;
	double d = 1.5, d2;
	int r;

	r = parse_u64(s, &u);
	if (r) {
		check(u == SENTINEL && (r == -EINVAL || r == -ERANGE));
	} else {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)u);
		check(!parse_u64(buf, &u2) && u2 == u);
		snprintf(buf, sizeof(buf), " 0x%llx\t", (unsigned long long)u);
		check(!parse_u64(buf, &u2) && u2 == u);
	}

	r = parse_s64(s, &i);
	if (r) {
		check(i == (s64)SENTINEL && (r == -EINVAL || r == -ERANGE));
	} else {
		snprintf(buf, sizeof(buf), "%lld", (long long)i);
		check(!parse_s64(buf, &i2) && i2 == i);
	}

	r = parse_bool(s, &b);
	if (r) {
		check(b == true && r == -EINVAL);
		b = false;
		check(parse_bool(s, &b) == r && b == false);
	} else {
		check(b == expected_bool(s));
	}

	u = SENTINEL;
	r = parse_duration_ns(s, &u);
	if (r) {
		check(u == SENTINEL && (r == -EINVAL || r == -ERANGE));
	} else if (u < (1ull << 53)) {
		snprintf(buf, sizeof(buf), "%lluns", (unsigned long long)u);
		check(!parse_duration_ns(buf, &u2) && u2 == u);
	}

	r = parse_double(s, &d);
	if (r) {
		check(d == 1.5 && (r == -EINVAL || r == -ERANGE));
	} else {
		snprintf(buf, sizeof(buf), "%.17g", d);
		check(!parse_double(buf, &d2) && !memcmp(&d, &d2, sizeof(d)));
	}
}

static void fuzz_cpulist(const char *s)
{
	struct cpumask m, m2, orig;
	char buf[4 * NR_CPUS];
	int bad = 12345, r, w, prev = -1;

	cpumask_clear(&orig);
	cpumask_set_cpu(NR_CPUS - 1, &orig);
	m = orig;
	r = cpulist_parse(s, &m, &bad);
	if (r) {
		check(!memcmp(&m, &orig, sizeof(m)));
		if (r == -EINVAL)
			check(bad == -1);
		else
			check(r == -ERANGE && bad >= NR_CPUS);
		check(cpulist_parse(s, &m, NULL) == r);
		return;
	}
	check(bad == -1);
	w = cpumask_weight(&m);
	check(w > 0);
	for (int k = 0; k < w; k++) {
		int c = cpumask_nth(k, &m);

		check(c > prev && c < NR_CPUS && cpumask_test_cpu(c, &m));
		prev = c;
	}
	check(cpumask_nth(w, &m) == -1);
	check(cpumask_next_from(0, &m) == cpumask_nth(0, &m));
	format_cpulist(&m, buf, sizeof(buf));
	check(!cpulist_parse(buf, &m2, NULL) && !memcmp(&m, &m2, sizeof(m)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	size_t i = 0;

	if (!s)
		abort();
	/* each line as one string; a NUL byte ends its string early, as in a C caller */
	while (i <= size) {
		size_t n = 0;

		while (i < size && data[i] != '\n')
			s[n++] = (char)data[i++];
		i++;
		s[n] = '\0';
		fuzz_numbers(s);
		fuzz_cpulist(s);
	}
	free(s);
	return 0;
}
