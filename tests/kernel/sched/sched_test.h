/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the scheduler tests: a host of N CPUs with default sysctls, built without
 * a scenario file, and tasks without behaviour (they run until the test moves them).
 */
#ifndef TESTS_SCHED_TEST_H
#define TESTS_SCHED_TEST_H

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kvmsim/host.h"
#include "kvmsim/sched.h"

struct test_host {
	struct sim sim;
	struct host h;
	struct scenario s;
};

static inline void th_init(struct test_host *t, int cpus, enum sched_kernel k)
{
	scenario_defaults(&t->s);
	t->s.host.cpus = cpus;
	t->s.host.kernel = k;
	assert_int_equal(sim_init(&t->sim), 0);
	assert_int_equal(host_init(&t->h, &t->sim, &t->s), 0);
	t->h.check = true;
}

static inline void th_destroy(struct test_host *t)
{
	host_destroy(&t->h);
	sim_destroy(&t->sim);
}

static inline struct task_struct *th_task(struct test_host *t, const char *name, int cpu,
					  struct task_group *tg)
{
	struct cpumask m;

	cpumask_clear(&m);
	cpumask_set_cpu(cpu, &m);
	return sched_create_task(&t->h, name, tg, 0, &m);
}

/* Advance simulated time by @ns, running whatever events fall due. */
static inline void th_advance(struct test_host *t, u64 ns)
{
	sim_run_until(&t->sim, t->sim.now + ns);
}

#endif
