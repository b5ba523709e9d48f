/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CPU masks for up to NR_CPUS CPUs, and the kernel's cpulist format ("0-3,8,10-11").
 */
#ifndef KVMSIM_CPUMASK_H
#define KVMSIM_CPUMASK_H

#include "kvmsim/types.h"

#define NR_CPUS 256

struct cpumask {
	u64 bits[NR_CPUS / 64];
};

static inline void cpumask_clear(struct cpumask *m)
{
	for (unsigned i = 0; i < NR_CPUS / 64; i++)
		m->bits[i] = 0;
}

static inline void cpumask_set_cpu(int cpu, struct cpumask *m)
{
	m->bits[cpu / 64] |= 1ull << (cpu % 64);
}

static inline bool cpumask_test_cpu(int cpu, const struct cpumask *m)
{
	return m->bits[cpu / 64] >> (cpu % 64) & 1;
}

static inline int cpumask_weight(const struct cpumask *m)
{
	int w = 0;

	for (unsigned i = 0; i < NR_CPUS / 64; i++)
		w += __builtin_popcountll(m->bits[i]);
	return w;
}

/* The first set CPU at or after @start, or NR_CPUS. */
static inline int cpumask_next_from(int start, const struct cpumask *m)
{
	for (int c = start; c < NR_CPUS; c++)
		if (cpumask_test_cpu(c, m))
			return c;
	return NR_CPUS;
}

/* The n-th (0-based) set CPU, or -1. */
int cpumask_nth(int n, const struct cpumask *m);
/*
 * Parse a cpulist (kernel bitmap_parselist format without the ":used/group" form).
 * Returns 0, -EINVAL for a malformed list, -ERANGE for a CPU >= NR_CPUS; on error
 * *bad (if not NULL) is the offending CPU number or -1.
 */
int cpulist_parse(const char *s, struct cpumask *m, int *bad);

#endif
