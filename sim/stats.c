// SPDX-License-Identifier: GPL-2.0
/*
 * Log-bucket histograms (see include/kvmsim/stats.h).
 *
 * Values below HIST_SUB map to themselves; a value v >= HIST_SUB with e = msb(v) -
 * HIST_SUB_BITS maps to bucket (e + 1) * HIST_SUB + ((v >> e) - HIST_SUB), i.e. the top
 * HIST_SUB_BITS + 1 bits of v select the bucket.
 */
#include <stdlib.h>
#include <string.h>

#include "kvmsim/stats.h"

u32 hist_index(u64 v)
{
	int e;

	if (v < HIST_SUB)
		return (u32)v;
	e = 63 - __builtin_clzll(v) - HIST_SUB_BITS;
	return (u32)((e + 1) * HIST_SUB + ((v >> e) - HIST_SUB));
}

u64 hist_bucket_upper(u32 idx)
{
	u32 e1 = idx / HIST_SUB, sub = idx % HIST_SUB;
	u64 lo;

	if (e1 == 0)
		return sub;
	lo = (u64)(HIST_SUB + sub) << (e1 - 1);
	return lo + ((1ull << (e1 - 1)) - 1);
}

void hist_record(struct hist *h, u64 v)
{
	if (!h->buckets) {
		h->buckets = calloc(HIST_BUCKETS, sizeof(*h->buckets));
		if (!h->buckets)
			return;
	}
	if (!h->count || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
	h->buckets[hist_index(v)]++;
}

u64 hist_percentile(const struct hist *h, double p)
{
	u64 rank, seen = 0;

	if (!h->count || !h->buckets)
		return 0;
	/* nearest-rank: the smallest value with at least p% of samples at or below it */
	rank = (u64)((p / 100.0) * (double)h->count + 0.999999999);
	if (rank < 1)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (u32 i = 0; i < HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			u64 up = hist_bucket_upper(i);

			return up < h->max ? (up > h->min ? up : h->min) : h->max;
		}
	}
	return h->max;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	if (!src->count)
		return;
	if (!dst->buckets) {
		dst->buckets = calloc(HIST_BUCKETS, sizeof(*dst->buckets));
		if (!dst->buckets)
			return;
	}
	if (!dst->count || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
	for (u32 i = 0; i < HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
}

void hist_free(struct hist *h)
{
	free(h->buckets);
	memset(h, 0, sizeof(*h));
}
