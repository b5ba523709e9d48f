// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the log-bucket histogram (sim/stats.c) against include/kvmsim/stats.h: exact
 * count/sum/min/max, bucket geometry (64 linear sub-buckets per power of two), and
 * percentiles within 1/64 of an exact nearest-rank oracle on a sorted copy of the data.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "kvmsim/sim.h"
#include "kvmsim/stats.h"

/*
 * Geometry by hand (HIST_SUB = 64): v < 64 is its own bucket; 64..127 have e = 0 and
 * map to 64 + (v - 64), also exact; 128 and 129 share bucket 2*64 + 0 = 128 whose upper
 * edge is (64 << 1) + 1 = 129; 2^64 - 1 has e = 57 and lands in the last bucket,
 * 58*64 + 63 = 3775 = HIST_BUCKETS - 1, whose upper edge is 2^64 - 1.
 */
static void test_geometry_by_hand(void **state)
{
	assert_int_equal(HIST_BUCKETS, 3776);
	for (u64 v = 0; v < 128; v++) {
		assert_int_equal(hist_index(v), v);
		assert_int_equal(hist_bucket_upper((u32)v), v);
	}
	assert_int_equal(hist_index(128), 128);
	assert_int_equal(hist_index(129), 128);
	assert_int_equal(hist_index(130), 129);
	assert_int_equal(hist_bucket_upper(128), 129);
	assert_int_equal(hist_index(UINT64_MAX), HIST_BUCKETS - 1);
	assert_int_equal(hist_bucket_upper(HIST_BUCKETS - 1), UINT64_MAX);
	/* 1000 = 0b1111101000: msb 9, e = 3, 1000 >> 3 = 125 → 4*64 + 61 = 317; the bucket
	 * holds 1000..1007 */
	assert_int_equal(hist_index(1000), 317);
	assert_int_equal(hist_bucket_upper(317), 1007);
}

/*
 * Property over values of every magnitude: v lies in its bucket (above the previous
 * bucket's upper edge, at or below its own), and the bucket is narrow: upper - v <= v/64.
 * Indices are monotone in v.
 */
static void test_geometry_property(void **state)
{
	struct rng r;

	rng_init(&r, 11, 12);
	for (int i = 0; i < 200000; i++) {
		int bits = (int)rng_below(&r, 65);
		u64 v = bits == 64 ? rng_next(&r) : rng_next(&r) & ((1ull << bits) - 1);
		u32 idx = hist_index(v);
		u64 up = hist_bucket_upper(idx);

		assert_true(idx < HIST_BUCKETS);
		assert_true(v <= up);
		assert_true(up - v <= v / 64);
		if (idx > 0)
			assert_true(hist_bucket_upper(idx - 1) < v);
		if (v < UINT64_MAX)
			assert_true(hist_index(v + 1) >= idx);
	}
	/* the edges are contiguous: bucket i + 1 starts right after bucket i's upper edge */
	for (u32 i = 0; i + 1 < HIST_BUCKETS; i++)
		assert_int_equal(hist_index(hist_bucket_upper(i) + 1), i + 1);
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * The oracle: nearest rank. For p = k/10 percent of n sorted samples, the rank is
 * ceil(k * n / 1000) (at least 1), and the value is sorted[rank - 1].
 */
static u64 oracle(const u64 *sorted, u64 n, int k)
{
	u64 rank = ((u64)k * n + 999) / 1000;

	if (rank < 1)
		rank = 1;
	return sorted[rank - 1];
}

enum dist { UNIFORM_SMALL, UNIFORM_WIDE, EXPONENTIAL, LOG_UNIFORM, FEW_VALUES, NR_DIST };

static u64 draw(struct rng *r, enum dist d)
{
	switch (d) {
	case UNIFORM_SMALL:
		return rng_below(r, 200);
	case UNIFORM_WIDE:
		return rng_below(r, 10 * NSEC_PER_SEC);
	case EXPONENTIAL:
		return rng_exp(r, 2 * NSEC_PER_MSEC);
	case LOG_UNIFORM:
		return rng_next(r) >> rng_below(r, 64);
	default:
		return 1000 * (1 + rng_below(r, 3));
	}
}

/*
 * Property: for random data sets of several shapes and sizes, every percentile p = k/10
 * (k = 0..1000) satisfies exact <= hist <= exact + exact/64 (the bucket of exact holds
 * the answer, and hist reports its upper edge capped at max), p = 100 is max exactly,
 * and count/sum/min/max are exact.
 */
static void test_percentile_property(void **state)
{
	struct rng r;
	static u64 data[20000];

	rng_init(&r, 13, 14);
	for (int round = 0; round < 60; round++) {
		enum dist d = (enum dist)(round % NR_DIST);
		u64 n = 1 + rng_below(&r, round < 30 ? 100 : 20000);
		struct hist h = {0};
		u64 sum = 0;

		for (u64 i = 0; i < n; i++) {
			data[i] = draw(&r, d);
			sum += data[i];
			hist_record(&h, data[i]);
		}
		qsort(data, n, sizeof(data[0]), cmp_u64);
		assert_int_equal(h.count, n);
		assert_int_equal(h.sum, sum);
		assert_int_equal(h.min, data[0]);
		assert_int_equal(h.max, data[n - 1]);
		for (int k = 0; k <= 1000; k++) {
			u64 exact = oracle(data, n, k), got = hist_percentile(&h, k / 10.0);

			if (!(exact <= got && got - exact <= exact / 64))
				print_message("dist %d n %llu p %.1f: exact %llu hist %llu\n", d,
					      (unsigned long long)n, k / 10.0,
					      (unsigned long long)exact, (unsigned long long)got);
			assert_true(exact <= got);
			assert_true(got - exact <= exact / 64);
		}
		assert_int_equal(hist_percentile(&h, 100), data[n - 1]);
		hist_free(&h);
		assert_null(h.buckets);
		assert_int_equal(h.count, 0);
	}
}

/* Values below 64 are exact; so with 1..100 each once, p50 = 50 and p99 = 99 exactly. */
static void test_percentile_small_exact(void **state)
{
	struct hist h = {0};

	assert_int_equal(hist_percentile(&h, 50), 0); /* empty */
	for (u64 v = 1; v <= 100; v++)
		hist_record(&h, v);
	assert_int_equal(hist_percentile(&h, 50), 50);
	assert_int_equal(hist_percentile(&h, 99), 99);
	assert_int_equal(hist_percentile(&h, 100), 100);
	assert_int_equal(hist_percentile(&h, 0), 1);
	assert_int_equal(h.sum, 5050);
	hist_free(&h);
}

/* One sample: every percentile is that sample, even when its bucket is wide. */
static void test_single_value(void **state)
{
	struct hist h = {0};

	hist_record(&h, 123456789);
	for (int p = 0; p <= 100; p += 10)
		assert_int_equal(hist_percentile(&h, p), 123456789);
	hist_free(&h);
}

/* Merging equals recording everything into one histogram; empty sides are fine. */
static void test_merge(void **state)
{
	struct hist a = {0}, b = {0}, all = {0}, empty = {0}, into_empty = {0};
	struct rng r;

	rng_init(&r, 15, 16);
	for (int i = 0; i < 5000; i++) {
		u64 v = rng_exp(&r, 100000);

		hist_record(i % 3 ? &a : &b, v);
		hist_record(&all, v);
	}
	hist_merge(&into_empty, &a);
	hist_merge(&a, &b);
	hist_merge(&a, &empty);
	assert_int_equal(a.count, all.count);
	assert_int_equal(a.sum, all.sum);
	assert_int_equal(a.min, all.min);
	assert_int_equal(a.max, all.max);
	assert_memory_equal(a.buckets, all.buckets, HIST_BUCKETS * sizeof(*a.buckets));
	for (int p = 0; p <= 100; p += 5)
		assert_int_equal(hist_percentile(&a, p), hist_percentile(&all, p));
	assert_int_equal(into_empty.count, all.count - b.count);
	assert_null(empty.buckets);
	hist_free(&a);
	hist_free(&b);
	hist_free(&all);
	hist_free(&into_empty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geometry_by_hand),
		cmocka_unit_test(test_geometry_property),
		cmocka_unit_test(test_percentile_property),
		cmocka_unit_test(test_percentile_small_exact),
		cmocka_unit_test(test_single_value),
		cmocka_unit_test(test_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
