// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the RNG streams (sim/rng.c) against the published reference algorithms:
 * splitmix64 (Vigna, splitmix64.c) and xoshiro256** 1.0 (Blackman & Vigna,
 * xoshiro256starstar.c), both rewritten here independently, and their published
 * outputs; FNV-1a 64 against the FNV test vectors.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "kvmsim/sim.h"

/* splitmix64.c: x += 0x9e37...; z = x; z = (z ^ z>>30) * C1; z = (z ^ z>>27) * C2; z ^ z>>31 */
static uint64_t ref_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
	return z ^ (z >> 31);
}

static inline uint64_t ref_rotl(const uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256starstar.c next() */
static uint64_t ref_xoshiro(uint64_t s[4])
{
	const uint64_t result = ref_rotl(s[1] * 5, 7) * 9;
	const uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = ref_rotl(s[3], 45);
	return result;
}

/*
 * The published splitmix64 sequence for seed 1234567 (e.g. Rosetta Code
 * "Pseudo-random numbers/Splitmix64"): 6457827717110365317, 3203168211198807973,
 * 9817491932198370423, 4593380528125082431, 16408922859458223821.
 */
static void test_splitmix64_vectors(void **state)
{
	static const u64 want[] = {6457827717110365317ull, 3203168211198807973ull,
				   9817491932198370423ull, 4593380528125082431ull,
				   16408922859458223821ull};
	u64 s = 1234567, ref = 1234567;

	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		assert_int_equal(splitmix64(&s), want[i]);
		assert_int_equal(ref_splitmix64(&ref), want[i]);
	}
	assert_int_equal(s, ref); /* the state advances by the golden gamma each call */
	assert_int_equal(s, 1234567 + 5 * 0x9e3779b97f4a7c15ull);
	/* and the library matches the reference for 100000 further outputs */
	for (int i = 0; i < 100000; i++)
		assert_int_equal(splitmix64(&s), ref_splitmix64(&ref));
}

/*
 * xoshiro256** from the state {1, 2, 3, 4}. By hand: the first output is
 * rotl(2 * 5, 7) * 9 = 1280 * 9 = 11520; the update makes s[1] = 2 ^ (3 ^ 1) = 0, so the
 * second is rotl(0, 7) * 9 = 0. The next four, 1509978240, 1215971899390074240,
 * 1216172134540287360, 607988272756665600, are the published reference outputs for this
 * state (and what the reference code above produces).
 */
static void test_xoshiro_vectors(void **state)
{
	static const u64 want[] = {11520, 0, 1509978240, 1215971899390074240ull,
				   1216172134540287360ull, 607988272756665600ull};
	struct rng r = {.s = {1, 2, 3, 4}};
	uint64_t ref[4] = {1, 2, 3, 4};

	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		assert_int_equal(rng_next(&r), want[i]);
		assert_int_equal(ref_xoshiro(ref), want[i]);
	}
	for (int i = 0; i < 100000; i++)
		assert_int_equal(rng_next(&r), ref_xoshiro(ref));
	assert_memory_equal(r.s, ref, sizeof(ref));
}

/*
 * rng_init (sim.h): xoshiro seeded through splitmix64 from (seed, key):
 * sm = seed ^ splitmix64(key); s[i] = splitmix64(sm) for i = 0..3.
 */
static void test_rng_init(void **state)
{
	static const u64 seeds[] = {0, 1, 42, UINT64_MAX};
	static const u64 keys[] = {0, 1, 0xcbf29ce484222325ull, UINT64_MAX};

	for (size_t a = 0; a < ARRAY_SIZE(seeds); a++)
		for (size_t b = 0; b < ARRAY_SIZE(keys); b++) {
			struct rng r;
			uint64_t k = keys[b], sm, ref[4];

			sm = seeds[a] ^ ref_splitmix64(&k);
			for (int i = 0; i < 4; i++)
				ref[i] = ref_splitmix64(&sm);
			rng_init(&r, seeds[a], keys[b]);
			assert_memory_equal(r.s, ref, sizeof(ref));
			/* never the all-zero state, which xoshiro cannot leave */
			assert_true(ref[0] | ref[1] | ref[2] | ref[3]);
		}
}

/* Streams: same (seed, key) → same sequence; a different seed or key → another one. */
static void test_streams_differ(void **state)
{
	struct rng a, b, c, d;
	int same_c = 0, same_d = 0;

	rng_init(&a, 1, hash_name("hog.0"));
	rng_init(&b, 1, hash_name("hog.0"));
	rng_init(&c, 2, hash_name("hog.0"));
	rng_init(&d, 1, hash_name("hog.1"));
	for (int i = 0; i < 1000; i++) {
		u64 x = rng_next(&a);

		assert_int_equal(x, rng_next(&b));
		same_c += x == rng_next(&c);
		same_d += x == rng_next(&d);
	}
	/* equal 64-bit outputs by chance: probability ~1000 / 2^64 */
	assert_int_equal(same_c, 0);
	assert_int_equal(same_d, 0);
}

/*
 * FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3); test vectors from
 * the FNV reference test suite: "" → the basis, "a" → 0xaf63dc4c8601ec8c,
 * "foobar" → 0x85944171f73967e8.
 */
static void test_hash_name(void **state)
{
	assert_int_equal(hash_name(""), 0xcbf29ce484222325ull);
	assert_int_equal(hash_name("a"), 0xaf63dc4c8601ec8cull);
	assert_int_equal(hash_name("foobar"), 0x85944171f73967e8ull);
	/* bytes >= 0x80 are taken unsigned: "\xff" = (basis ^ 0xff) * prime */
	assert_int_equal(hash_name("\xff"), (0xcbf29ce484222325ull ^ 0xff) * 0x100000001b3ull);
}

/* rng_double = (next >> 11) * 2^-53: exactly, and so in [0, 1) with mean 1/2. */
static void test_double(void **state)
{
	struct rng r, ref;
	double sum = 0;
	int n = 1000000;

	rng_init(&r, 3, 4);
	ref = r;
	for (int i = 0; i < n; i++) {
		double d = rng_double(&r);

		assert_true(d == (double)(rng_next(&ref) >> 11) / 9007199254740992.0);
		assert_true(d >= 0 && d < 1);
		sum += d;
	}
	/* the mean of n uniforms has sd 1/sqrt(12 n) = 2.9e-4; 0.002 is ~7 sd */
	assert_true(fabs(sum / n - 0.5) < 0.002);
	/* s[1] = 0 makes the next output rotl(0, 7) * 9 = 0, hence exactly 0.0 */
	r.s[1] = 0;
	assert_true(rng_double(&r) == 0.0);
	/*
	 * The largest output, 2^64 - 1, maps to (2^53 - 1) * 2^-53 = 1 - 2^-53 < 1. Find a
	 * state giving it: s[1] * 5 rotated by 7, times 9, = 2^64 - 1 needs s[1] =
	 * rotr((2^64 - 1) * 9^-1, 7) * 5^-1 (mod 2^64), with the inverses 9^-1 =
	 * 0x8e38e38e38e38e39 and 5^-1 = 0xcccccccccccccccd.
	 */
	{
		u64 x = UINT64_MAX * 0x8e38e38e38e38e39ull;

		x = (x >> 7) | (x << 57);
		r.s[1] = x * 0xcccccccccccccccdull;
		r.s[0] = r.s[2] = r.s[3] = 1;
		assert_true(rng_double(&r) == 1.0 - 0x1.0p-53);
	}
}

/*
 * rng_below(n) = floor(next * n / 2^64) (Lemire): exactly that, always < n, 0 for
 * n = 0 and 1, and uniform: a chi-square over 10 cells of 10^6 draws must stay below
 * 33.7 (the 0.9999 quantile of chi-square with 9 degrees of freedom).
 */
static void test_below(void **state)
{
	struct rng r, ref;
	u64 cells[10] = {0};
	double chi2 = 0;
	int n = 1000000;

	rng_init(&r, 5, 6);
	ref = r;
	for (int i = 0; i < n; i++) {
		u64 v = rng_below(&r, 10);

		assert_int_equal(v, (u64)(((unsigned __int128)rng_next(&ref) * 10) >> 64));
		assert_true(v < 10);
		cells[v]++;
	}
	for (int i = 0; i < 10; i++)
		chi2 += (cells[i] - n / 10.0) * (cells[i] - n / 10.0) / (n / 10.0);
	print_message("chi2 = %.2f\n", chi2);
	assert_true(chi2 < 33.7);
	assert_int_equal(rng_below(&r, 0), 0);
	assert_int_equal(rng_below(&r, 1), 0);
	for (int i = 0; i < 10000; i++)
		assert_true(rng_below(&r, UINT64_MAX) < UINT64_MAX);
}

/*
 * rng_exp(mean): -ln(1 - u) * mean. The sample mean of 10^6 draws has sd mean/1000, so it
 * is within 1% (10 sd); P(X > mean) = e^-1 = 0.3679 (sd of the fraction 4.8e-4, checked
 * within 0.005). rng_exp(0) = 0.
 */
static void test_exp(void **state)
{
	struct rng r;
	double sum = 0;
	int n = 1000000, above = 0;
	u64 mean = 1000000;

	rng_init(&r, 7, 8);
	for (int i = 0; i < n; i++) {
		u64 v = rng_exp(&r, mean);

		sum += (double)v;
		above += v > mean;
	}
	print_message("mean %.1f, P(X > mean) %.4f\n", sum / n, (double)above / n);
	assert_true(fabs(sum / n - (double)mean) < 0.01 * (double)mean);
	assert_true(fabs((double)above / n - exp(-1.0)) < 0.005);
	assert_int_equal(rng_exp(&r, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_splitmix64_vectors),
		cmocka_unit_test(test_xoshiro_vectors),
		cmocka_unit_test(test_rng_init),
		cmocka_unit_test(test_streams_differ),
		cmocka_unit_test(test_hash_name),
		cmocka_unit_test(test_double),
		cmocka_unit_test(test_below),
		cmocka_unit_test(test_exp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
