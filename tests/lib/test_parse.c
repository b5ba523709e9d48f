// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the value parsers of lib/parse.c against their contract in
 * include/kvmsim/parse.h: 0 or -EINVAL (malformed) / -ERANGE (out of range), and *out
 * written only on success.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "kvmsim/parse.h"

#define POISON 0xdeadbeefcafef00dull

static void expect_u64(const char *s, u64 want)
{
	u64 v = POISON;

	print_message("parse_u64(\"%s\")\n", s);
	assert_int_equal(parse_u64(s, &v), 0);
	assert_int_equal(v, want);
}

static void expect_u64_err(const char *s, int err)
{
	u64 v = POISON;

	print_message("parse_u64(\"%s\") fails\n", s);
	assert_int_equal(parse_u64(s, &v), err);
	assert_int_equal(v, POISON); /* untouched on error */
}

/* Decimal and 0x-hexadecimal, blanks around, the whole u64 range. */
static void test_u64_valid(void **state)
{
	expect_u64("0", 0);
	expect_u64("42", 42);
	expect_u64("  42\t ", 42);
	expect_u64("0x1f", 31);
	expect_u64("0X1F", 31);
	/* 2^64 - 1 */
	expect_u64("18446744073709551615", UINT64_MAX);
	expect_u64("0xffffffffffffffff", UINT64_MAX);
}

static void test_u64_invalid(void **state)
{
	expect_u64_err("", -EINVAL);
	expect_u64_err("   ", -EINVAL);
	expect_u64_err("-1", -EINVAL);	/* unsigned: no sign */
	expect_u64_err("+1", -EINVAL);
	expect_u64_err("12x", -EINVAL);
	expect_u64_err("1 2", -EINVAL);
	expect_u64_err("0x", -EINVAL);	/* "0" then a stray "x" */
	expect_u64_err("0xg", -EINVAL);
	expect_u64_err("1.5", -EINVAL);
	expect_u64_err("abc", -EINVAL);
	/* 2^64 does not fit */
	expect_u64_err("18446744073709551616", -ERANGE);
	expect_u64_err("0x10000000000000000", -ERANGE);
}

/*
 * Regression test for a fixed bug (lib/parse.c parse_u64/parse_s64: strtoull/strtoll with base 0): parse.h promises
 * "Decimal, or hexadecimal with 0x", but a leading zero selects octal, so "010" parses
 * as 8 and "08" / "09" are rejected. Expected: "010" = 10, "08" = 8, "-010" = -10.
 * Actual: 8, -EINVAL, -8. A user writing "seed = 010" or "nice = -09" gets a surprise.
 */
static void test_fixed_leading_zero_is_decimal(void **state)
{
	s64 sv = 0;

	expect_u64("007", 7); /* the same in octal and decimal */
	expect_u64("010", 10);
	expect_u64("08", 8);
	assert_int_equal(parse_s64("-010", &sv), 0);
	assert_int_equal(sv, -10);
}

static void test_s64(void **state)
{
	s64 v = 7;

	assert_int_equal(parse_s64("-5", &v), 0);
	assert_int_equal(v, -5);
	assert_int_equal(parse_s64("+5", &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(parse_s64(" 19 ", &v), 0);
	assert_int_equal(v, 19);
	/* the ends of the s64 range: -2^63 and 2^63 - 1 */
	assert_int_equal(parse_s64("-9223372036854775808", &v), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(parse_s64("9223372036854775807", &v), 0);
	assert_true(v == INT64_MAX);
	v = 7;
	assert_int_equal(parse_s64("9223372036854775808", &v), -ERANGE);
	assert_int_equal(parse_s64("-9223372036854775809", &v), -ERANGE);
	assert_int_equal(parse_s64("-", &v), -EINVAL);
	assert_int_equal(parse_s64("- 5", &v), -EINVAL);
	assert_int_equal(parse_s64("5-", &v), -EINVAL);
	assert_int_equal(parse_s64("", &v), -EINVAL);
	assert_int_equal(parse_s64("x", &v), -EINVAL);
	assert_int_equal(v, 7);
}

static void test_bool(void **state)
{
	static const char *const yes[] = {"1", "true", "yes", "on", "TRUE", "Yes", " on\t"};
	static const char *const no[] = {"0", "false", "no", "off", "FALSE", "Off", "\tno "};
	static const char *const bad[] = {"",  " ",	"2",	  "tru",   "truex", "yes no",
					  "y", "enable", "-1", "0x1", "01",	    "ON!"};
	bool b;

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		b = false;
		assert_int_equal(parse_bool(yes[i], &b), 0);
		assert_true(b);
	}
	for (size_t i = 0; i < ARRAY_SIZE(no); i++) {
		b = true;
		assert_int_equal(parse_bool(no[i], &b), 0);
		assert_false(b);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		b = true;
		print_message("parse_bool(\"%s\") fails\n", bad[i]);
		assert_int_equal(parse_bool(bad[i], &b), -EINVAL);
		assert_true(b);
	}
}

static void test_double(void **state)
{
	double d = 3;

	assert_int_equal(parse_double("0.25", &d), 0);
	assert_true(d == 0.25);
	assert_int_equal(parse_double(" -1.5e3 ", &d), 0);
	assert_true(d == -1500.0);
	assert_int_equal(parse_double("7", &d), 0);
	assert_true(d == 7.0);
	d = 3;
	assert_int_equal(parse_double("", &d), -EINVAL);
	assert_int_equal(parse_double("1.5x", &d), -EINVAL);
	assert_int_equal(parse_double("abc", &d), -EINVAL);
	/* not finite: DBL_MAX is ~1.8e308 */
	assert_int_equal(parse_double("1e309", &d), -ERANGE);
	assert_int_not_equal(parse_double("inf", &d), 0);
	assert_int_not_equal(parse_double("nan", &d), 0);
	assert_true(d == 3);
}

static void expect_dur(const char *s, u64 want)
{
	u64 v = POISON;

	print_message("parse_duration_ns(\"%s\")\n", s);
	assert_int_equal(parse_duration_ns(s, &v), 0);
	assert_int_equal(v, want);
}

static void expect_dur_err(const char *s)
{
	u64 v = POISON;

	print_message("parse_duration_ns(\"%s\") fails\n", s);
	assert_true(parse_duration_ns(s, &v) < 0);
	assert_int_equal(v, POISON);
}

/* ns/us/ms/s multiply by 1, 1e3, 1e6, 1e9; bare = ns; decimal fractions round to ns. */
static void test_duration_valid(void **state)
{
	expect_dur("0", 0);
	expect_dur("10", 10);
	expect_dur("10ns", 10);
	expect_dur("3us", 3000);
	expect_dur("2ms", 2000000);
	expect_dur("1s", 1000000000);
	expect_dur("10s", 10000000000ull);
	expect_dur("  5 ms ", 5000000);		/* blanks around and before the unit */
	expect_dur("1.5us", 1500);
	expect_dur("0.1s", 100000000);		/* 0.1 is inexact in binary; rounds to ns */
	expect_dur("0.7ms", 700000);
	expect_dur("2.5", 3);			/* 2.5 ns rounds half away from zero */
	/* 3600 s = 3.6e12 ns; an hour is a plausible simulated duration */
	expect_dur("3600s", 3600000000000ull);
	/* integers up to 2^53 are exact in a double: 2^53 = 9007199254740992 */
	expect_dur("9007199254740992", 9007199254740992ull);
}

static void test_duration_invalid(void **state)
{
	expect_dur_err("");
	expect_dur_err("ms");
	expect_dur_err("-1s");		/* negative */
	expect_dur_err("+1s");
	expect_dur_err(".5s");		/* needs a leading digit */
	expect_dur_err("1m");		/* minutes are not a unit */
	expect_dur_err("1 sec");
	expect_dur_err("1S");		/* units are lower case */
	expect_dur_err("1msx");
	expect_dur_err("1 ms 2");
	expect_dur_err("1ms1");
	expect_dur_err("nan");
	expect_dur_err("inf");
	/* 2e10 s = 2e19 ns > 2^64 - 1 (~1.845e19) */
	expect_dur_err("20000000000s");
	expect_dur_err("1e400");
}

/*
 * Regression test for a fixed bug (lib/parse.c parse_duration_ns, `*out = (u64)llround(v)`): the range check lets
 * values up to 1.8e19 ns through, but llround() returns a long long (max 2^63 - 1 ~
 * 9.22e18), so any duration from 2^63 ns (~292 years) to 1.8e19 ns comes back as
 * LLONG_MIN cast to u64 = 9223372036854775808. Input "10000000000s" (1e19 ns):
 * expected 10000000000000000000 (it fits in a u64) or -ERANGE; actual 0 with
 * *out = 9223372036854775808.
 */
static void test_fixed_duration_above_2_63(void **state)
{
	u64 v = POISON;
	int r = parse_duration_ns("10000000000s", &v);

	print_message("parse_duration_ns(\"10000000000s\") = %d, %llu\n", r, (unsigned long long)v);
	if (r == 0)
		assert_int_equal(v, 10000000000000000000ull);
	else
		assert_int_equal(r, -ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64_valid),
		cmocka_unit_test(test_u64_invalid),
		cmocka_unit_test(test_fixed_leading_zero_is_decimal),
		cmocka_unit_test(test_s64),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_double),
		cmocka_unit_test(test_duration_valid),
		cmocka_unit_test(test_duration_invalid),
		cmocka_unit_test(test_fixed_duration_above_2_63),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
