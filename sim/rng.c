// SPDX-License-Identifier: GPL-2.0
/*
 * RNG streams: xoshiro256** (Blackman & Vigna, 2018) seeded by splitmix64.
 */
#include <math.h>

#include "kvmsim/sim.h"

u64 splitmix64(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* FNV-1a, 64 bit: a stable key for a named entity's stream. */
u64 hash_name(const char *name)
{
	u64 h = 0xcbf29ce484222325ull;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 0x100000001b3ull;
	return h;
}

void rng_init(struct rng *r, u64 seed, u64 key)
{
	u64 sm = seed ^ splitmix64(&key);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&sm);
}

static inline u64 rotl(u64 x, int k)
{
	return (x << k) | (x >> (64 - k));
}

u64 rng_next(struct rng *r)
{
	u64 *s = r->s;
	u64 result = rotl(s[1] * 5, 7) * 9;
	u64 t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double rng_double(struct rng *r)
{
	return (rng_next(r) >> 11) * 0x1.0p-53;
}

u64 rng_below(struct rng *r, u64 n)
{
	/* Lemire's multiply-shift; the tiny bias (< n/2^64) is irrelevant here */
	return n ? (u64)(((unsigned __int128)rng_next(r) * n) >> 64) : 0;
}

u64 rng_exp(struct rng *r, u64 mean)
{
	double u = rng_double(r);

	return (u64)llround(-log1p(-u) * (double)mean);
}
