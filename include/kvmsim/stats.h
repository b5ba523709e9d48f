/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Statistics: log-bucket histograms of u64 values (HdrHistogram-style: 2^HIST_SUB_BITS
 * linear sub-buckets per power of two, so a percentile is exact to within 1/64 of its
 * value) with exact count, sum, min and max.
 */
#ifndef KVMSIM_STATS_H
#define KVMSIM_STATS_H

#include "kvmsim/types.h"

#define HIST_SUB_BITS 6
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_BUCKETS ((64 - HIST_SUB_BITS + 1) * HIST_SUB)

struct hist {
	u64 count, sum, min, max;
	u32 *buckets;	/* HIST_BUCKETS counters, allocated on first record */
};

void hist_record(struct hist *h, u64 v);
/* The value at percentile @p (0..100): the upper edge of the bucket holding it, capped at max. */
u64 hist_percentile(const struct hist *h, double p);
void hist_merge(struct hist *dst, const struct hist *src);
void hist_free(struct hist *h);
/* Bucket index and the largest value mapped to it (exposed for tests). */
u32 hist_index(u64 v);
u64 hist_bucket_upper(u32 idx);

#endif
