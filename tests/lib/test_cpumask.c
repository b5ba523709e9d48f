// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of lib/cpumask.c: cpulist_parse() in the kernel's bitmap_parselist() format
 * (N, N-M, comma separated; no ":used/group" form) and the mask helpers.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kvmsim/cpumask.h"
#include "kvmsim/sim.h"

static void fill(struct cpumask *m, u64 pattern)
{
	for (unsigned i = 0; i < NR_CPUS / 64; i++)
		m->bits[i] = pattern;
}

/* "0-3,8,10-11" is CPUs 0,1,2,3,8,10,11: weight 7, word 0 = 0xf | 1<<8 | 3<<10 = 0xd0f. */
static void test_parse_basic(void **state)
{
	struct cpumask m;
	int bad = 99;

	assert_int_equal(cpulist_parse("0-3,8,10-11", &m, &bad), 0);
	assert_int_equal(bad, -1);
	assert_int_equal(cpumask_weight(&m), 7);
	assert_int_equal(m.bits[0], 0xd0f);
	for (unsigned i = 1; i < NR_CPUS / 64; i++)
		assert_int_equal(m.bits[i], 0);

	assert_int_equal(cpulist_parse("5", &m, NULL), 0);
	assert_int_equal(m.bits[0], 1u << 5);
	/* a one-CPU range N-N is N */
	assert_int_equal(cpulist_parse("7-7", &m, NULL), 0);
	assert_int_equal(m.bits[0], 1u << 7);
	/* blanks around numbers and separators, overlaps and any order are fine */
	assert_int_equal(cpulist_parse(" 1 - 3 , 2,0 ", &m, NULL), 0);
	assert_int_equal(m.bits[0], 0xf);
	/* the last CPU, 255, is bit 63 of word 3 */
	assert_int_equal(cpulist_parse("0-255", &m, NULL), 0);
	assert_int_equal(cpumask_weight(&m), NR_CPUS);
	assert_int_equal(cpulist_parse("255", &m, NULL), 0);
	assert_int_equal(m.bits[3], 1ull << 63);
	assert_int_equal(cpumask_weight(&m), 1);
	/* across a word boundary: 62-65 is bits 62,63 of word 0 and 0,1 of word 1 */
	assert_int_equal(cpulist_parse("62-65", &m, NULL), 0);
	assert_int_equal(m.bits[0], 3ull << 62);
	assert_int_equal(m.bits[1], 3);
}

/*
 * Malformed lists are -EINVAL with *bad = -1 and leave the mask unchanged. "3-1" is
 * -EINVAL in the kernel too (bitmap_parselist: start > end). Stray commas ("0,", ",0")
 * are left out: the kernel skips them, this parser rejects them, both are defensible.
 */
static void test_parse_malformed(void **state)
{
	static const char *const bad_lists[] = {
		"", " ", "a", "1-", "-1", "3-1", "1-2-3", "1 2", "0-3:2", "+1", "1.5", "0x3", "1;2",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad_lists); i++) {
		struct cpumask m;
		int bad = 99;

		fill(&m, 0x5555555555555555ull);
		print_message("cpulist_parse(\"%s\") = -EINVAL\n", bad_lists[i]);
		assert_int_equal(cpulist_parse(bad_lists[i], &m, &bad), -EINVAL);
		assert_int_equal(bad, -1);
		for (unsigned w = 0; w < NR_CPUS / 64; w++)
			assert_int_equal(m.bits[w], 0x5555555555555555ull);
	}
}

/* CPUs >= NR_CPUS (256) are -ERANGE and *bad names the first offending number. */
static void test_parse_range(void **state)
{
	struct cpumask m;
	int bad;

	fill(&m, 0);
	assert_int_equal(cpulist_parse("256", &m, &bad), -ERANGE);
	assert_int_equal(bad, 256);
	assert_int_equal(cpulist_parse("0-256", &m, &bad), -ERANGE);
	assert_int_equal(bad, 256);
	assert_int_equal(cpulist_parse("1,300-400", &m, &bad), -ERANGE);
	assert_int_equal(bad, 300);
	assert_int_equal(cpulist_parse("1000", &m, NULL), -ERANGE);
	assert_int_equal(cpumask_weight(&m), 0);
}

/*
 * Regression test for a fixed bug (lib/cpumask.c cpulist_parse: `*bad = (int)(a >= NR_CPUS ? a : b)`): a long that
 * does not fit an int is truncated, so "4294967296" (2^32) reports *bad = 0 and the
 * scenario loader then says "CPU 0 out of range" — naming a CPU that exists. Expected:
 * -ERANGE with *bad an out-of-range number (>= NR_CPUS) or -1 as cpumask.h allows;
 * actual: -ERANGE with *bad = 0. (Likewise 4294967297 gives 1.)
 */
static void test_fixed_range_bad_truncated(void **state)
{
	struct cpumask m;
	int bad = 99;

	assert_int_equal(cpulist_parse("4294967296", &m, &bad), -ERANGE);
	print_message("bad = %d\n", bad);
	assert_true(bad == -1 || bad >= NR_CPUS);
	assert_int_equal(cpulist_parse("0-4294967297", &m, &bad), -ERANGE);
	print_message("bad = %d\n", bad);
	assert_true(bad == -1 || bad >= NR_CPUS);
}

static void test_helpers(void **state)
{
	struct cpumask m;

	cpumask_clear(&m);
	assert_int_equal(cpumask_weight(&m), 0);
	assert_int_equal(cpumask_nth(0, &m), -1);
	assert_int_equal(cpumask_next_from(0, &m), NR_CPUS);
	cpumask_set_cpu(3, &m);
	cpumask_set_cpu(64, &m);
	cpumask_set_cpu(200, &m);
	assert_true(cpumask_test_cpu(64, &m));
	assert_false(cpumask_test_cpu(63, &m));
	assert_int_equal(cpumask_nth(0, &m), 3);
	assert_int_equal(cpumask_nth(1, &m), 64);
	assert_int_equal(cpumask_nth(2, &m), 200);
	assert_int_equal(cpumask_nth(3, &m), -1);
	assert_int_equal(cpumask_next_from(0, &m), 3);
	assert_int_equal(cpumask_next_from(3, &m), 3);
	assert_int_equal(cpumask_next_from(4, &m), 64);
	assert_int_equal(cpumask_next_from(201, &m), NR_CPUS);
}

/* Print @m in the kernel's %*pbl form (runs of 2+ as N-M), the test's own formatter. */
static void format_list(const struct cpumask *m, char *buf)
{
	char *p = buf;

	*p = '\0';
	for (int c = 0; c < NR_CPUS;) {
		int e;

		if (!cpumask_test_cpu(c, m)) {
			c++;
			continue;
		}
		for (e = c; e + 1 < NR_CPUS && cpumask_test_cpu(e + 1, m); e++)
			;
		p += sprintf(p, "%s%d", p == buf ? "" : ",", c);
		if (e > c)
			p += sprintf(p, "-%d", e);
		c = e + 1;
	}
}

/* Property: parse(format(m)) == m for random masks of every density. */
static void test_roundtrip_property(void **state)
{
	struct rng r;
	char buf[2048];

	rng_init(&r, 2, 3);
	for (int round = 0; round < 2000; round++) {
		struct cpumask m, back;
		u64 density = 1 + rng_below(&r, 16);

		cpumask_clear(&m);
		for (int c = 0; c < NR_CPUS; c++)
			if (rng_below(&r, 16) < density)
				cpumask_set_cpu(c, &m);
		if (!cpumask_weight(&m))
			cpumask_set_cpu((int)rng_below(&r, NR_CPUS), &m);
		format_list(&m, buf);
		assert_int_equal(cpulist_parse(buf, &back, NULL), 0);
		assert_memory_equal(&m, &back, sizeof(m));
		/* cpumask_nth walks the set CPUs in order */
		for (int n = 0, c = cpumask_next_from(0, &m); c < NR_CPUS;
		     c = cpumask_next_from(c + 1, &m), n++)
			assert_int_equal(cpumask_nth(n, &m), c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_basic),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_parse_range),
		cmocka_unit_test(test_fixed_range_bad_truncated),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_roundtrip_property),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
