// SPDX-License-Identifier: GPL-2.0
/*
 * The load balancer (kernel/sched/balance.c) against what Linux v6.18's sched_balance_rq()
 * and its callers do on a single sched domain level of 2 CPUs with the sd_init() defaults:
 * min_interval 2 ms, max_interval 4 ms, busy_factor 16, imbalance_pct 117,
 * cache_nice_tries 1; HZ = 250 (a jiffy is 4 ms). The invariant checker is on throughout.
 */
#include <stdlib.h>
#include <string.h>

#include "sched_test.h"

#define MS NSEC_PER_MSEC

static void init_seeded(struct test_host *t, int cpus, u64 seed)
{
	scenario_defaults(&t->s);
	t->s.host.cpus = cpus;
	t->s.host.kernel = KERNEL_V6_19;
	t->s.host.seed = seed;
	assert_int_equal(sim_init(&t->sim), 0);
	assert_int_equal(host_init(&t->h, &t->sim, &t->s), 0);
	t->h.check = true;
}

/* A task allowed on every CPU; without behaviour it is a hog. */
static struct task_struct *unpinned(struct test_host *t, const char *name, struct task_group *tg,
				    int nice)
{
	struct task_struct *p = sched_create_task(&t->h, name, tg, nice, NULL);

	wake_up_new_task(p);
	return p;
}

static struct task_struct *pinned(struct test_host *t, const char *name, int cpu, int nice)
{
	struct cpumask m;
	struct task_struct *p;

	cpumask_clear(&m);
	cpumask_set_cpu(cpu, &m);
	p = sched_create_task(&t->h, name, NULL, nice, &m);
	wake_up_new_task(p);
	return p;
}

/* Run time so far, the running spell included. */
static u64 runtime(struct task_struct *p)
{
	struct rq *rq = task_rq(p);

	if (rq->curr == p) {
		update_rq_clock(rq);
		update_curr(cfs_rq_of(&p->se));
	}
	return p->se.sum_exec_runtime;
}

static u64 migrations(struct test_host *t)
{
	u64 n = 0;

	for (int c = 0; c < t->h.nr_cpus; c++)
		n += t->h.rqs[c].sd.lb_gained;
	return n;
}

/*
 * sd_init(): an MC level of sd_weight CPUs balances every sd_weight ms at first, backs
 * off to 2 * sd_weight ms, and multiplies by busy_factor 16 while busy.
 */
static void test_sd_init(void **state)
{
	for (int cpus = 2; cpus <= 4; cpus += 2) {
		struct test_host t;

		th_init(&t, cpus, KERNEL_V6_19);
		for (int c = 0; c < cpus; c++) {
			struct sched_domain *sd = &t.h.rqs[c].sd;

			assert_int_equal(sd->span_weight, cpus);
			assert_int_equal(sd->min_interval, (u64)cpus * MS);
			assert_int_equal(sd->max_interval, 2 * (u64)cpus * MS);
			assert_int_equal(sd->balance_interval, (u64)cpus * MS);
			assert_int_equal(sd->busy_factor, 16);
			assert_int_equal(sd->imbalance_pct, 117);
			assert_int_equal(sd->cache_nice_tries, 1);
			assert_int_equal(sd->nr_balance_failed, 0);
		}
		th_destroy(&t);
	}
}

/*
 * Two hogs, one per CPU (fork placement): every periodic balance is balanced (both CPUs
 * fully_busy; a busy CPU does not pull from a group that is not overloaded), so
 * balance_interval doubles from min_interval (2 ms) to max_interval (4 ms) and stays.
 * The busy interval is msecs_to_jiffies(2 ms * 16) - 1 = 7 jiffies for the first balance,
 * then msecs_to_jiffies(4 ms * 16) - 1 = 15: balances at jiffies 7, 22, ..., 7 + 15k; by
 * jiffy 250 (1 s) that is k = 0..16, 17 balances per CPU, and nothing moved.
 */
static void test_balance_interval_backoff(void **state)
{
	struct test_host t;

	th_init(&t, 2, KERNEL_V6_19);
	unpinned(&t, "a", NULL, 0);
	unpinned(&t, "b", NULL, 0);
	th_advance(&t, 1000 * MS + 1);
	for (int c = 0; c < 2; c++) {
		struct sched_domain *sd = &t.h.rqs[c].sd;

		assert_int_equal(t.h.rqs[c].nr_running, 1);
		assert_int_equal(sd->balance_interval, 4 * MS);
		assert_int_equal(sd->nr_balance_failed, 0);
		assert_int_equal(sd->lb_count, 17);
		assert_int_equal(sd->lb_gained, 0);
	}
	th_destroy(&t);
}

/*
 * Three unpinned hogs on two CPUs. Fork placement puts two on CPU 0 and one on CPU 1.
 * CPU 1's balance: local fully_busy (load 1024), busiest overloaded (2048), so
 * migrate_load with imbalance min(2048 - 1536, 1536 - 1024) = 512, and a hog's
 * task_h_load() is ~1023: shr_bound(1023, 0) > 512 fails (and the waiting hog, which
 * has just run, is also not eligible and may be cache hot), nr_balance_failed goes to 1;
 * with nr_balance_failed >= 1 the test is 1023 >> 1 = 511 <= 512 and once the candidate
 * is cache cold or nr_balance_failed > cache_nice_tries it moves. Then the other CPU has
 * one hog and does the same, so one hog is always being moved back and forth: none stays
 * alone. Over a long run each hog is alone a third of the time (100%) and shares a CPU
 * two thirds of the time (50%): 1/3 + 2/3 * 1/2 = 2/3 of a CPU each; 2 pp allowed for
 * the finite run. Bounds on the number of migrations: at most one per balance of a
 * CPU, whose busy interval is at least 7 jiffies (28 ms): <= 2 * 20 s / 28 ms; and at
 * least one per 5 balances of the lighter CPU (the 4th failure in a row starts an active
 * balance), each at most 15 jiffies (60 ms) apart: >= 20 s / 300 ms.
 */
static void three_hogs(u64 seed, u64 *rt, u64 *moved)
{
	struct test_host t;
	struct task_struct *p[3];
	u64 start[3];

	init_seeded(&t, 2, seed);
	for (int i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "hog%d", i);
		p[i] = unpinned(&t, name, NULL, 0);
	}
	assert_int_equal(p[0]->cpu, 0);
	assert_int_equal(p[1]->cpu, 1);
	assert_int_equal(p[2]->cpu, 0);
	th_advance(&t, NSEC_PER_SEC);
	for (int i = 0; i < 3; i++)
		start[i] = runtime(p[i]);
	*moved = migrations(&t);
	th_advance(&t, 20 * NSEC_PER_SEC);
	for (int i = 0; i < 3; i++)
		rt[i] = runtime(p[i]) - start[i];
	*moved = migrations(&t) - *moved;
	th_destroy(&t);
}

static void test_three_hogs_rotate(void **state)
{
	u64 rt[3], moved;

	three_hogs(1, rt, &moved);
	for (int i = 0; i < 3; i++) {
		double share = (double)rt[i] / (20.0 * NSEC_PER_SEC);

		print_message("hog%d share %.4f\n", i, share);
		assert_true(share > 2.0 / 3 - 0.02 && share < 2.0 / 3 + 0.02);
	}
	print_message("migrations %llu\n", (unsigned long long)moved);
	assert_true(moved >= 20000 / 300);
	assert_true(moved <= 2 * 20000 / 28);
}

/*
 * Determinism: the same seed gives the same run, to the nanosecond and the migration. A
 * different seed gives the same run too: for a host-only scenario the seed only shapes
 * the timeline treaps (their priorities), not the order of anything (docs/model/sched.md).
 */
static void test_balance_determinism(void **state)
{
	u64 a[3], b[3], c[3], ma, mb, mc;

	three_hogs(7, a, &ma);
	three_hogs(7, b, &mb);
	three_hogs(8, c, &mc);
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(ma, mb);
	assert_memory_equal(a, c, sizeof(a));
	assert_int_equal(ma, mc);
}

/*
 * Group load, not task count: a (1024) has one hog, b (1024) three, on two CPUs; each
 * group is worth one CPU. Fork placement: CPU 0 gets ha and hb1, CPU 1 hb0 and hb2, so
 * CPU 0 carries a 1024 + b 341 and CPU 1 b 683 (calc_group_shares: 1024 * 1/3 and 2/3).
 * migrate_load moves whichever queued task fits the imbalance (a b hog's task_h_load
 * is ~341, ha's ~1023 and only fits after nr_balance_failed halves it twice) until both
 * CPUs carry 1024: ha alone on one CPU, b's three hogs on the other. Then the CPU of ha
 * (fully_busy, avg_load 1024) does not pull from b's CPU (avg_load 1024: local >=
 * busiest) and b's CPU (overloaded) does not pull from a fully_busy one. After a second
 * of settling: ha 100%, each b hog 1/3 (1 pp allowed).
 */
static void test_group_load_balance(void **state)
{
	struct test_host t;
	struct task_group *a, *b;
	struct task_struct *ha, *hb[3];
	u64 s0, sb[3];

	th_init(&t, 2, KERNEL_V6_19);
	a = sched_create_group(&t.h, "a", NULL, 1024);
	b = sched_create_group(&t.h, "b", NULL, 1024);
	ha = unpinned(&t, "ha", a, 0);
	for (int i = 0; i < 3; i++)
		hb[i] = unpinned(&t, i == 0 ? "hb0" : i == 1 ? "hb1" : "hb2", b, 0);
	th_advance(&t, 2 * NSEC_PER_SEC);
	s0 = runtime(ha);
	for (int i = 0; i < 3; i++)
		sb[i] = runtime(hb[i]);
	th_advance(&t, 20 * NSEC_PER_SEC);
	print_message("ha %.4f\n", (double)(runtime(ha) - s0) / (20.0 * NSEC_PER_SEC));
	assert_true(runtime(ha) - s0 >= 20 * NSEC_PER_SEC * 99 / 100);
	for (int i = 0; i < 3; i++) {
		double share = (double)(runtime(hb[i]) - sb[i]) / (20.0 * NSEC_PER_SEC);

		print_message("hb%d %.4f\n", i, share);
		assert_true(share > 1.0 / 3 - 0.01 && share < 1.0 / 3 + 0.01);
		assert_int_not_equal(hb[i]->cpu, ha->cpu);
	}
	th_destroy(&t);
}

/*
 * Newidle balance and cache hotness. q is pinned to CPU 1; a and b fork onto CPU 0,
 * where they take turns each tick (4 ms, the base slice being 1.4 ms). At 8 ms + 0.1 ms
 * q blocks: CPU 1's newidle balance sees CPU 0 overloaded and itself with spare
 * capacity (migrate_task, imbalance (2 - 0) >> 1 = 1), but the waiting task was switched
 * out at 8 ms, 0.1 ms ago: cache hot (< sysctl_sched_migration_cost 0.5 ms) and
 * nr_balance_failed (0) is not above cache_nice_tries (1). Nothing moves, and a newidle
 * failure does not count in nr_balance_failed. At CPU 0's tick at 12 ms (before it
 * switches) the nohz kick (two tasks on CPU 0, CPU 1 idle) makes CPU 1 balance as an
 * idle CPU: the waiting task last ran 4 ms ago, cold, and moves.
 */
static void test_newidle_and_hot(void **state)
{
	struct test_host t;
	struct task_struct *q, *a, *b;

	th_init(&t, 2, KERNEL_V6_19);
	q = pinned(&t, "q", 1, 0);
	a = unpinned(&t, "a", NULL, 0);
	b = unpinned(&t, "b", NULL, 0);
	assert_int_equal(a->cpu, 0);
	assert_int_equal(b->cpu, 0);
	th_advance(&t, 8 * MS + 100000);
	assert_ptr_equal(t.h.rqs[1].curr, q);
	sched_block_current(q);
	th_advance(&t, 1000);
	assert_null(t.h.rqs[1].curr);
	assert_int_equal(t.h.rqs[0].nr_running, 2);
	assert_int_equal(t.h.rqs[1].sd.nr_balance_failed, 0);
	assert_int_equal(t.h.rqs[1].sd.lb_count, 1); /* the newidle balance ran */
	th_advance(&t, 12 * MS + 1 - t.sim.now);
	assert_non_null(t.h.rqs[1].curr);
	assert_true(t.h.rqs[1].curr == a || t.h.rqs[1].curr == b);
	assert_int_equal(t.h.rqs[0].nr_running, 1);
	assert_int_equal(t.h.rqs[1].sd.lb_gained, 1);
	th_destroy(&t);
}

/*
 * Active balance moves a running task. u (unpinned, nice 0) forks onto CPU 0 and runs; p
 * is pinned to CPU 0 with nice 19 (weight 15); sysctl_sched_migration_cost is 1 s, so a
 * task that has run is cache hot until nr_balance_failed > cache_nice_tries (1). CPU 1
 * is idle, and each CPU 0 tick kicks it (two tasks on CPU 0): its idle balance (every
 * jiffy: an idle CPU's interval is msecs_to_jiffies(2 ms) = 1) wants one task
 * (migrate_task), and p is pinned. At 4 ms u is running: fail, nr_balance_failed 1; u
 * is then not eligible (V lags it by p's weight), so p runs one tick, which takes p's
 * vruntime 4 ms * 1024 / 15 ahead: u then runs for a long while. At 8 ms u waits but
 * is hot (failed 1 is not > 1): 2. At 12 ms u runs: 3. At 16 ms: 4 > cache_nice_tries + 2,
 * need_active_balance(), and the stopper on CPU 0 pushes u, the running task (p cannot
 * go), resetting nr_balance_failed. Each then has a CPU and keeps it.
 */
static void test_active_balance(void **state)
{
	struct test_host t;
	struct task_struct *u, *p;

	th_init(&t, 2, KERNEL_V6_19);
	t.h.params.sysctl_sched_migration_cost = NSEC_PER_SEC;
	u = unpinned(&t, "u", NULL, 0);
	p = pinned(&t, "p", 0, 19);
	assert_int_equal(u->cpu, 0);
	th_advance(&t, 15 * MS);
	assert_ptr_equal(t.h.rqs[0].curr, u);
	assert_null(t.h.rqs[1].curr);
	assert_int_equal(t.h.rqs[1].sd.nr_balance_failed, 3);
	assert_int_equal(t.h.rqs[1].sd.lb_gained, 0);
	th_advance(&t, 1 * MS + 1);
	assert_ptr_equal(t.h.rqs[1].curr, u);
	assert_ptr_equal(t.h.rqs[0].curr, p);
	assert_int_equal(t.h.rqs[1].sd.alb_pushed, 1);
	assert_int_equal(t.h.rqs[1].sd.nr_balance_failed, 0);
	th_advance(&t, 100 * MS);
	assert_ptr_equal(t.h.rqs[1].curr, u);
	assert_ptr_equal(t.h.rqs[0].curr, p);
	th_destroy(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sd_init),
		cmocka_unit_test(test_balance_interval_backoff),
		cmocka_unit_test(test_three_hogs_rotate),
		cmocka_unit_test(test_balance_determinism),
		cmocka_unit_test(test_group_load_balance),
		cmocka_unit_test(test_newidle_and_hot),
		cmocka_unit_test(test_active_balance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
