// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the JSON writer (lib/json.c): the exact bytes it writes, against the shape
 * promised in include/kvmsim/json.h (two-space indentation, keys in written order, "%.6f"
 * doubles with trailing zeros trimmed to one digit after the point, non-finite = null).
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "kvmsim/json.h"

struct mem {
	char *buf;
	size_t len;
	FILE *f;
	struct json j;
};

static void mem_open(struct mem *m)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	assert_non_null(m->f);
	json_init(&m->j, m->f);
}

/* Close the stream and compare everything written with @want. */
static void mem_expect(struct mem *m, const char *want)
{
	fclose(m->f);
	print_message("got:\n%s\n", m->buf);
	assert_string_equal(m->buf, want);
	free(m->buf);
}

/*
 * One of everything. Derivation: a value inside a container is preceded by ",\n" when
 * a sibling came before (else "\n") and by two spaces per depth; a container that got
 * values closes on its own line at its parent's indentation, an empty one as {} / [].
 */
static void test_document_shape(void **state)
{
	struct mem m;

	mem_open(&m);
	json_obj_begin(&m.j, NULL);
	json_str(&m.j, "a", "x");
	json_arr_begin(&m.j, "l");
	json_u64(&m.j, NULL, 1);
	json_s64(&m.j, NULL, -2);
	json_arr_end(&m.j);
	json_obj_begin(&m.j, "o");
	json_obj_end(&m.j);
	json_arr_begin(&m.j, "e");
	json_arr_end(&m.j);
	json_bool(&m.j, "t", true);
	json_bool(&m.j, "f", false);
	json_null(&m.j, "n");
	json_double(&m.j, "d", 0.5);
	json_arr_begin(&m.j, "objs");
	json_obj_begin(&m.j, NULL);
	json_u64(&m.j, "k", 18446744073709551615ull);
	json_obj_end(&m.j);
	json_obj_begin(&m.j, NULL);
	json_s64(&m.j, "k", INT64_MIN);
	json_obj_end(&m.j);
	json_arr_end(&m.j);
	json_obj_end(&m.j);
	json_finish(&m.j);
	mem_expect(&m, "{\n"
		       "  \"a\": \"x\",\n"
		       "  \"l\": [\n"
		       "    1,\n"
		       "    -2\n"
		       "  ],\n"
		       "  \"o\": {},\n"
		       "  \"e\": [],\n"
		       "  \"t\": true,\n"
		       "  \"f\": false,\n"
		       "  \"n\": null,\n"
		       "  \"d\": 0.5,\n"
		       "  \"objs\": [\n"
		       "    {\n"
		       "      \"k\": 18446744073709551615\n"
		       "    },\n"
		       "    {\n"
		       "      \"k\": -9223372036854775808\n"
		       "    }\n"
		       "  ]\n"
		       "}\n");
}

/* Top-level scalars and an empty object. */
static void test_top_level(void **state)
{
	struct mem m;

	mem_open(&m);
	json_obj_begin(&m.j, NULL);
	json_obj_end(&m.j);
	json_finish(&m.j);
	mem_expect(&m, "{}\n");

	mem_open(&m);
	json_u64(&m.j, NULL, 7);
	json_finish(&m.j);
	mem_expect(&m, "7\n");
}

/*
 * Doubles: "%.6f", then trailing zeros trimmed but one digit kept after the point;
 * -0.0 (and negatives that round to it) print as 0.0; NaN and infinities as null
 * (JSON has no representation for them).
 */
static void test_doubles(void **state)
{
	static const struct {
		double v;
		const char *s;
	} cases[] = {
		{0.5, "0.5"},
		{1.0, "1.0"},
		{0.0, "0.0"},
		{-0.0, "0.0"},
		{-0.0000001, "0.0"},	/* "%.6f" gives -0.000000 */
		{-2.25, "-2.25"},
		{0.1234567, "0.123457"},	/* rounded to 6 places */
		{0.000001, "0.000001"},
		{0.0000004, "0.0"},
		{100.0, "100.0"},		/* zeros before the point are kept */
		{1e20, "100000000000000000000.0"},
		{1.0 / 3, "0.333333"},
		{NAN, "null"},
		{INFINITY, "null"},
		{-INFINITY, "null"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct mem m;

		mem_open(&m);
		json_double(&m.j, NULL, cases[i].v);
		mem_expect(&m, cases[i].s);
	}
}

/*
 * Strings: RFC 8259 requires " and \ escaped and control characters below 0x20 as
 * escapes; bytes >= 0x80 (UTF-8) and 0x7f pass through. NULL is written as "".
 */
static void test_string_escapes(void **state)
{
	struct mem m;

	mem_open(&m);
	json_str(&m.j, NULL, "a\"b\\c\nd\te\rf\x01g\x1f\b\f\x7f\xc3\xa9/");
	mem_expect(&m, "\"a\\\"b\\\\c\\nd\\te\\rf\\u0001g\\u001f\\u0008\\u000c\x7f\xc3\xa9/\"");

	mem_open(&m);
	json_str(&m.j, NULL, NULL);
	mem_expect(&m, "\"\"");

	/* keys are escaped the same way */
	mem_open(&m);
	json_obj_begin(&m.j, NULL);
	json_u64(&m.j, "we\"ird\n", 1);
	json_obj_end(&m.j);
	mem_expect(&m, "{\n  \"we\\\"ird\\n\": 1\n}");
}

/* Nesting to the documented depth (JSON_MAX_DEPTH - 1 open containers) keeps the shape. */
static void test_deep_nesting(void **state)
{
	struct mem m;
	char want[4096], *p = want;
	int n = JSON_MAX_DEPTH - 1;

	mem_open(&m);
	for (int i = 0; i < n; i++)
		json_arr_begin(&m.j, NULL);
	json_u64(&m.j, NULL, 1);
	for (int i = 0; i < n; i++)
		json_arr_end(&m.j);
	/* "[" then for depth d = 1..n-1: "\n" + 2d spaces + "[", then the value at depth n,
	 * then closes: "\n" + 2(d) spaces + "]" for d = n-1 .. 0 */
	for (int d = 0; d < n; d++) {
		if (d)
			p += sprintf(p, "\n%*s", 2 * d, "");
		*p++ = '[';
	}
	p += sprintf(p, "\n%*s1", 2 * n, "");
	for (int d = n - 1; d >= 0; d--)
		p += sprintf(p, "\n%*s]", 2 * d, "");
	*p = '\0';
	mem_expect(&m, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_document_shape),
		cmocka_unit_test(test_top_level),
		cmocka_unit_test(test_doubles),
		cmocka_unit_test(test_string_escapes),
		cmocka_unit_test(test_deep_nesting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
