// SPDX-License-Identifier: GPL-2.0
/*
 * The scheduler side of [policy] yield (kernel/sched/yield_*.c): the seed's v1/v2
 * debooster arithmetic against the posted formulas
 * (../shared/spec/vcpu-scheduling-series.md 1.1), its rate limit and debounce in the
 * live scheduler, the reviewer's cgroup scenario (1.4) under the designs, and that the
 * seed with its knob off is the baseline byte for byte. Expected values are derived in
 * the comments.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/sched/yield_deboost.h"
#include "sched_test.h"

#define MS NSEC_PER_MSEC
#define US NSEC_PER_USEC

static void th_init_policy(struct test_host *t, int cpus, enum sched_kernel k, enum yield_policy y)
{
	scenario_defaults(&t->s);
	t->s.host.cpus = cpus;
	t->s.host.kernel = k;
	t->s.policy.yield = y;
	assert_int_equal(sim_init(&t->sim), 0);
	assert_int_equal(host_init(&t->h, &t->sim, &t->s), 0);
	t->h.check = true;
}

/* A bare rq for the arithmetic: the posted windows (6 ms, 600 us), nothing recorded. */
static void bare_rq(struct host *h, struct rq *rq)
{
	struct scenario s;

	memset(h, 0, sizeof(*h));
	memset(rq, 0, sizeof(*rq));
	scenario_defaults(&s);
	s.policy.yield = YIELD_SEED_V1;
	sched_yield_policy_init(&h->params, &s);
	rq->host = h;
	init_rq_yield(rq);
}

/*
 * 1.1 patch 4, no reverse pair: penalty = clamp(gran + need + need/10, gran, maxp(n)),
 * maxp = 6 gran (n = 2), 4 gran (3), 5 gran / 2 (4..6), 2 gran (7..8), 3 gran / 2
 * (9..12), gran (> 12), in u64 arithmetic. gran = 0.7 ms is a nice-0 yielder's
 * calc_delta_fair(base slice) on one CPU; 700001 shows the integer rounding of the caps.
 */
static void test_deboost_penalty_table(void **state)
{
	static const struct {
		u64 gran, need;
		unsigned int n;
		u64 want;
	} rows[] = {
		/* need = 0: gran (the cap is at least gran) */
		{700000, 0, 2, 700000},
		{700000, 0, 3, 700000},
		{700000, 0, 13, 700000},
		/* 0.7 + 1.0 + 0.1 = 1.8 ms, below 6 gran = 4.2 ms */
		{700000, 1000000, 2, 1800000},
		/* need 7 ns: 7 / 10 = 0, so gran + 7 */
		{700000, 7, 2, 700007},
		/* 0.7 + 5 + 0.5 = 6.2 ms: capped at 6 gran = 4.2 ms; n = 3: 4 gran = 2.8 ms */
		{700000, 5000000, 2, 4200000},
		{700000, 5000000, 3, 2800000},
		/* 1.8 ms capped at 5 * 0.7 / 2 = 1.75 ms for n = 4..6 */
		{700000, 1000000, 4, 1750000},
		{700000, 1000000, 6, 1750000},
		/* 2 gran = 1.4 ms for n = 7..8 */
		{700000, 1000000, 7, 1400000},
		{700000, 1000000, 8, 1400000},
		/* 3 gran / 2 = 1.05 ms for n = 9..12 */
		{700000, 1000000, 9, 1050000},
		{700000, 1000000, 12, 1050000},
		/* gran for n > 12: v1's nr_queued = 2 with 100 tasks below would give 6 gran */
		{700000, 1000000, 13, 700000},
		{700000, 1000000, 101, 700000},
		/* below the cap the need counts in full: 0.7 + 0.2 + 0.02 = 0.92 ms < 1.05 ms */
		{700000, 200000, 9, 920000},
		/* rounding: 700001 * 5 / 2 = 1750002 (.5 dropped), * 3 / 2 = 1050001 */
		{700001, 1000000, 4, 1750002},
		{700001, 1000000, 9, 1050001},
		/* 16 CPUs: base slice 2.8 ms; need 1 ms: 2.8 + 1 + 0.1 = 3.9 ms, cap 16.8 ms */
		{2800000, 1000000, 2, 3900000},
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(rows); i++) {
		struct host h;
		struct rq rq;
		u64 got;

		bare_rq(&h, &rq);
		rq.clock = 10 * MS;
		got = yield_deboost_penalty(&rq, rows[i].gran, rows[i].need, rows[i].n, 1, 2);
		print_message("gran %llu need %llu n %u: penalty %llu\n",
			      (unsigned long long)rows[i].gran, (unsigned long long)rows[i].need,
			      rows[i].n, (unsigned long long)got);
		assert_int_equal(got, rows[i].want);
		assert_int_equal(rq.ystats.debounced, 0);
		/* the pair is recorded: (1, 2, now) */
		assert_int_equal(rq.yield_deboost_last_src_pid, 1);
		assert_int_equal(rq.yield_deboost_last_dst_pid, 2);
		assert_int_equal(rq.yield_deboost_last_pair_time_ns, 10 * MS);
	}
	/* the need == 0 floors: 1, 15/16, 5/8, 1/2, 3/8, 1/4 of gran */
	assert_int_equal(yield_deboost_need0_base(700000, 2), 700000);
	assert_int_equal(yield_deboost_need0_base(700000, 3), 656250);
	assert_int_equal(yield_deboost_need0_base(700000, 5), 437500);
	assert_int_equal(yield_deboost_need0_base(700000, 8), 350000);
	assert_int_equal(yield_deboost_need0_base(700000, 10), 262500);
	assert_int_equal(yield_deboost_need0_base(700000, 40), 175000);
}

/*
 * 1.1 patch 4 debounce: when the last recorded pair is the reverse one (target ->
 * yielder) within 600 us, penalty = min(penalty, max(need, gran)) before the caps.
 * gran 0.7 ms, n = 2 (cap 4.2 ms): need 1 ms: 1.8 -> 1.0 ms; need 0.3 ms: 1.03 ms ->
 * 0.7 ms (gran); need 0: gran either way; need 5 ms: 6.2 -> 5.0 -> capped 4.2 ms. At
 * 600 us exactly it applies (<=), at 600 us + 1 ns and for the same direction it does not.
 */
static void test_deboost_debounce_table(void **state)
{
	static const struct {
		u64 need, gap;
		int last_src, last_dst; /* the recorded pair; the call is 1 -> 2 */
		u64 want;
		bool debounced;
	} rows[] = {
		{1000000, 300 * US, 2, 1, 1000000, true},
		{300000, 300 * US, 2, 1, 700000, true},
		{0, 300 * US, 2, 1, 700000, true},
		{5000000, 300 * US, 2, 1, 4200000, true},
		{1000000, 600 * US, 2, 1, 1000000, true},
		{1000000, 600 * US + 1, 2, 1, 1800000, false},
		{1000000, 300 * US, 1, 2, 1800000, false},
		{1000000, 300 * US, 2, 3, 1800000, false},
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(rows); i++) {
		struct host h;
		struct rq rq;
		u64 got;

		bare_rq(&h, &rq);
		rq.yield_deboost_last_src_pid = rows[i].last_src;
		rq.yield_deboost_last_dst_pid = rows[i].last_dst;
		rq.yield_deboost_last_pair_time_ns = 50 * MS;
		rq.clock = 50 * MS + rows[i].gap;
		got = yield_deboost_penalty(&rq, 700000, rows[i].need, 2, 1, 2);
		assert_int_equal(got, rows[i].want);
		assert_int_equal(rq.ystats.debounced, rows[i].debounced);
	}
}

/*
 * 1.1 patch 2: limited iff last != 0 and now - last <= 6 ms, and the timestamp is
 * refreshed on every call, limited or not. So calls every 5 ms are all limited after the
 * first, forever; a gap of 6 ms exactly is limited, 6 ms + 1 ns is not; and a call at
 * time 0 stores 0, which reads as "never".
 */
static void test_deboost_rate_limit(void **state)
{
	static const struct {
		u64 now;
		bool limited;
	} seq[] = {
		{1 * MS, false},	  /* first call */
		{7 * MS, true},		  /* 6 ms later */
		{13 * MS + 1, false},	  /* 6 ms + 1 ns after the refreshed 7 ms */
		{18 * MS, true},	  /* every 5 ms from here: limited, again and again */
		{23 * MS, true},
		{28 * MS, true},
		{33 * MS, true},
		{1000 * MS, false},
	};
	struct host h;
	struct rq rq;

	bare_rq(&h, &rq);
	for (unsigned int i = 0; i < ARRAY_SIZE(seq); i++) {
		assert_int_equal(yield_deboost_rate_limit(&rq, seq[i].now), seq[i].limited);
		assert_int_equal(rq.yield_deboost_last_time_ns, seq[i].now);
	}
	bare_rq(&h, &rq);
	assert_false(yield_deboost_rate_limit(&rq, 0));
	assert_false(yield_deboost_rate_limit(&rq, 1));
	assert_true(yield_deboost_rate_limit(&rq, 2));
}

/* The formula without the need == 0 floor: an oracle for the property below. */
static u64 oracle_penalty(u64 gran, u64 need, unsigned int n, bool reverse)
{
	u64 p = gran + need + need / 10, maxp;

	if (reverse && p > max(need, gran))
		p = max(need, gran);
	maxp = n == 2 ? 6 * gran : n == 3 ? 4 * gran : n <= 6 ? gran * 5 / 2 : n <= 8 ? 2 * gran
	       : n <= 12 ? gran * 3 / 2 : gran;
	return clamp(p, gran, maxp);
}

/*
 * "Since penalty was already >= gran this floor never binds": for random gran (weights
 * of nice -20..19 on 1..16 CPUs), queue sizes 2..200, needs (a third of them 0) and
 * debounce or not, the posted function equals the oracle without the floor, and every
 * floor is at most gran. With need == 0 and no debounce the penalty is exactly gran.
 */
static void test_deboost_floor_never_binds(void **state)
{
	struct rng r;

	rng_init(&r, 4, 1);
	for (int i = 0; i < 200000; i++) {
		struct sched_entity se = {0};
		struct host h;
		struct rq rq;
		u64 base_slice = 700000 * (1 + rng_below(&r, 4)), gran, need, got;
		unsigned int n = 2 + (unsigned int)rng_below(&r, 199);
		bool reverse = rng_below(&r, 2);

		se.load.weight = (unsigned long)sched_prio_to_weight[rng_below(&r, 40)];
		gran = calc_delta_fair(base_slice, &se);
		need = rng_below(&r, 3) ? rng_below(&r, 20 * MS) : 0;
		bare_rq(&h, &rq);
		rq.clock = 100 * MS;
		if (reverse) {
			rq.yield_deboost_last_src_pid = 2;
			rq.yield_deboost_last_dst_pid = 1;
			rq.yield_deboost_last_pair_time_ns = 100 * MS - rng_below(&r, 600 * US + 1);
		}
		got = yield_deboost_penalty(&rq, gran, need, n, 1, 2);
		assert_int_equal(got, oracle_penalty(gran, need, n, reverse));
		assert_true(yield_deboost_need0_base(gran, n) <= gran);
		assert_true(got >= gran);
		if (!need)
			assert_int_equal(got, gran);
	}
}

/*
 * The live path, v6.18 on one CPU, two nice-0 tasks at the root (so the LCA is the task
 * level, nr_queued = 2): a yields to b with a 1 ms behind b. gran = 0.7 ms, need = 1 ms,
 * penalty = 1.8 ms. v1 writes vruntime += 1.8 ms, deadline = v + 0.7 ms, vlag = V - v
 * and (the union) vprot = vlag; then v6.18's yield_task_fair() moves the deadline one
 * more vslice. b runs next (the buddy, eligible). Then b yields back to a 300 us later:
 * the reverse pair is within 600 us, but the call is 0.3 ms after the last one, so the
 * 6 ms rate limit refuses it first — the debounce is unreachable as posted. With the
 * limit switched off (a test-only setting) the same ping-pong gets the debounced
 * penalty min(penalty, max(need, gran)).
 */
static void pingpong(bool rate_limit, u64 *first, u64 *second, struct yield_policy_stats *st)
{
	struct test_host t;
	struct task_struct *a, *b, *x;
	struct rq *rq;
	u64 v0, need;

	th_init_policy(&t, 1, KERNEL_V6_18, YIELD_SEED_V1);
	if (!rate_limit)
		t.h.params.yield_deboost_rate_limit_ns = 0;
	rq = &t.h.rqs[0];
	a = th_task(&t, "a", 0, NULL);
	b = th_task(&t, "b", 0, NULL);
	x = th_task(&t, "x", 0, NULL);
	wake_up_new_task(a);
	wake_up_new_task(b);
	wake_up_new_task(x);
	th_advance(&t, 20 * MS); /* past the first ~1 ms where vruntimes sit below 2^64 */
	/* make a the running task, 1 ms of vruntime behind b */
	while (rq->curr != a)
		th_advance(&t, 1 * MS);
	update_rq_clock(rq);
	update_curr(&rq->cfs);
	a->se.vruntime = b->se.vruntime - 1 * MS;
	a->se.deadline = a->se.vruntime + 700000;
	v0 = a->se.vruntime;
	assert_int_equal(yield_to(a, b, true), 1);
	*first = rq->ystats.penalty_ns;
	assert_int_equal(a->se.vruntime, v0 + *first);
	assert_int_equal(a->se.deadline, v0 + *first + 2 * 700000);
	assert_ptr_equal(rq->curr, b);
	/* 300 us later, b yields back to a */
	t.sim.now += 300 * US;
	update_rq_clock(rq);
	update_curr(&rq->cfs);
	need = (u64)max((s64)(a->se.vruntime - b->se.vruntime), 0ll);
	print_message("ping-pong (rate limit %s): first penalty %llu, need back %llu\n",
		      rate_limit ? "6 ms" : "off", (unsigned long long)*first,
		      (unsigned long long)need);
	assert_int_equal(yield_to(b, a, true), 1);
	*second = rq->ystats.penalty_ns - *first;
	*st = rq->ystats;
	(void)x;
	th_destroy(&t);
}

static void test_pingpong_debounce(void **state)
{
	struct yield_policy_stats st;
	u64 first, second;

	/* as posted: 1.8 ms, then the reverse call is rate-limited (no penalty at all) */
	pingpong(true, &first, &second, &st);
	assert_int_equal(first, 1800000);
	assert_int_equal(second, 0);
	assert_int_equal(st.rate_limited, 1);
	assert_int_equal(st.debounced, 0);
	/*
	 * limit off: after the first yield a is 1.8 - 1 = 0.8 ms ahead of b, plus b's
	 * 0.3 ms of running moves b: need = 0.8 - 0.3 = 0.5 ms; undebounced 0.7 + 0.5 +
	 * 0.05 = 1.25 ms, debounced to max(0.5, 0.7) = 0.7 ms (gran).
	 */
	pingpong(false, &first, &second, &st);
	assert_int_equal(first, 1800000);
	assert_int_equal(st.debounced, 1);
	assert_int_equal(second, 700000);
}

/*
 * v2 counts h_nr_queued at the LCA: CG0 {a, c1..c4} and CG1 {b} on one CPU, a yields to
 * b with CG0's entity 10 ms behind CG1's at the root: need = 10 ms, so the penalty is the
 * cap. v1 counts the root's nr_queued = 2: 6 gran; v2 the root's h_nr_queued = 6: 5 gran
 * / 2. gran is calc_delta_fair(0.7 ms) with CG0's weight (the whole 1024 on one CPU, so
 * 0.7 ms): 4.2 ms vs 1.75 ms.
 */
static u64 cap_penalty(enum yield_policy y)
{
	struct test_host t;
	struct task_group *g0, *g1;
	struct task_struct *a, *b;
	struct sched_entity *ga;
	struct rq *rq;
	u64 pen;

	th_init_policy(&t, 1, KERNEL_V6_19, y);
	rq = &t.h.rqs[0];
	g0 = sched_create_group(&t.h, "CG0", NULL, 1024);
	g1 = sched_create_group(&t.h, "CG1", NULL, 1024);
	a = th_task(&t, "a", 0, g0);
	for (int i = 0; i < 4; i++) {
		char name[16];

		snprintf(name, sizeof(name), "c%d", i);
		wake_up_new_task(th_task(&t, name, 0, g0));
	}
	b = th_task(&t, "b", 0, g1);
	wake_up_new_task(a);
	wake_up_new_task(b);
	th_advance(&t, 20 * MS);
	while (rq->curr != a)
		th_advance(&t, 1 * MS);
	update_rq_clock(rq);
	update_curr(&rq->cfs);
	ga = a->se.parent;
	assert_int_equal(ga->load.weight, 1024);
	ga->vruntime = b->se.parent->vruntime - 10 * MS;
	ga->deadline = ga->vruntime + 700000;
	assert_int_equal(rq->cfs.nr_queued, 2);
	assert_int_equal(rq->cfs.h_nr_queued, 6);
	assert_int_equal(yield_to(a, b, true), 1);
	pen = rq->ystats.penalty_ns;
	th_destroy(&t);
	return pen;
}

static void test_v1_v2_queue_count(void **state)
{
	assert_int_equal(cap_penalty(YIELD_SEED_V1), 4200000);
	assert_int_equal(cap_penalty(YIELD_SEED_V2), 1750000);
}

/* Run a scenario file with overrides; the shares of A, B, C and CG0. */
struct review_shares {
	double a, b, c, cg0, cg1;
	struct yield_result y;
};

static void run_file(const char *path, const char *const *sets, int nsets, struct run_result *r)
{
	char err[SCN_ERR_MAX];
	struct scenario *s = scenario_load(path, err);
	struct host_run_opts o = {.check = true};

	if (!s)
		fail_msg("%s", err);
	for (int i = 0; i < nsets; i++)
		assert_int_equal(scenario_set(s, sets[i], err), 0);
	assert_int_equal(scenario_validate(s, err), 0);
	assert_int_equal(host_sim_run(s, &o, r, err), 0);
	scenario_free(s);
}

static double share_of(const struct run_result *r, const char *name)
{
	for (int i = 0; i < r->nr_tasks; i++)
		if (!strcmp(r->tasks[i].name, name))
			return r->tasks[i].cpu_share;
	for (int i = 0; i < r->nr_cgroups; i++)
		if (!strcmp(r->cgroups[i].name, name))
			return r->cgroups[i].cpu_share;
	fail_msg("no %s", name);
	return -1;
}

static struct review_shares review(const char *policy)
{
	char set[64];
	const char *sets[] = {set};
	struct review_shares out;
	struct run_result r;

	snprintf(set, sizeof(set), "policy.yield=%s", policy);
	run_file("scenarios/review/reviewer-cgroups.ini", sets, 1, &r);
	out.a = share_of(&r, "A");
	out.b = share_of(&r, "B");
	out.c = share_of(&r, "C");
	out.cg0 = share_of(&r, "CG0");
	out.cg1 = share_of(&r, "CG1");
	out.y = r.yield;
	print_message("%-14s A %6.2f%%  C %6.2f%%  B %6.2f%%  CG0 %6.2f%%  (fair: 25 / 25 / 50 / 50)\n",
		      policy, 100 * out.a, 100 * out.c, 100 * out.b, 100 * out.cg0);
	assert_true(r.tasks[0].fair_share > 0.2499 && r.tasks[0].fair_share < 0.2501);
	run_result_free(&r);
	return out;
}

/*
 * The reviewer's scenario (scenarios/review/reviewer-cgroups.ini: one CPU, v6.19, HZ 250,
 * root -> CG0 {A, C}, CG1 {B}, A yields to B after every 1 ms of CPU). Fair: A = C = 25%,
 * B = CG0 = 50%.
 *
 * baseline: the yield only touches A's task-level entity (forfeit), so at the root
 * CG0 and CG1 keep their 50% each; inside CG0, A's forfeits go to C: C > 25%.
 * prateek: A has a sibling (CG0's h_nr_runnable = 2 > 1), so the walk stops at the task
 * level: exactly the baseline.
 * seed-v1: the penalty lands on CG0's entity at the root (the LCA), so CG0 falls below
 * 50% and C, which never yields, below its baseline share.
 * lag-credit-v3: B can only run while CG1 is ineligible at the root by taking the CPU
 * from CG0; crediting CG1's entity to a positive lag every time A yields is service
 * CG1 did not earn, so CG0 (and C) also fall below the baseline — the model does NOT
 * give the "v3 does not lower C's share" that issue 4 expected (docs/model/policies.md).
 */
static void test_reviewer_scenario(void **state)
{
	struct review_shares base = review("baseline");
	struct review_shares v1 = review("seed-v1");
	struct review_shares v2 = review("seed-v2");
	struct review_shares v3 = review("lag-credit-v3");
	struct review_shares pr = review("prateek");

	assert_true(base.cg0 > 0.499 && base.cg0 < 0.501);
	assert_true(base.c > 0.25);
	assert_true(v1.y.applied > 0 && v1.y.penalty_ns > 0);
	assert_true(v1.cg0 < base.cg0 - 0.05);
	assert_true(v1.c < base.c - 0.02);
	assert_true(v2.cg0 < base.cg0 - 0.02);
	assert_true(v3.y.credit_ns > 0);
	assert_true(v3.cg0 < base.cg0 - 0.05);
	assert_true(v3.c < base.c - 0.02);
	assert_true(pr.cg0 > 0.499 && pr.cg0 < 0.501);
	assert_true(pr.c > base.c - 0.001 && pr.c < base.c + 0.001);
}

/*
 * scenarios/review/ping-pong.ini (one CPU, v6.18, P and Q yield to each other every
 * 300 us of CPU, beside a hog; fair: a third each).
 * baseline: every yield_to hands the CPU to the buddy, but the deadline push keeps the
 * root fair: a third each (to 0.1 pp).
 * seed-v1: the first deboost passes; every later call comes < 6 ms after the one before
 * and refreshes the timestamp, so all 24443 others are rate-limited: the debooster acts
 * once in 11 s and the shares are the baseline's.
 * lag-credit-v3: each yield credits the (ineligible) buddy to a positive lag, so it is
 * eligible and PICK_BUDDY returns it; the credit is not throttled, so P and Q pass the
 * CPU between them for ever and the hog never runs: its longest wait is the whole run.
 */
static void test_pingpong_policies(void **state)
{
	static const char *const pols[] = {"baseline", "seed-v1", "lag-credit-v3"};

	for (unsigned int i = 0; i < ARRAY_SIZE(pols); i++) {
		char set[64];
		const char *sets[] = {set};
		struct run_result r;
		double hog;

		snprintf(set, sizeof(set), "policy.yield=%s", pols[i]);
		run_file("scenarios/review/ping-pong.ini", sets, 1, &r);
		hog = share_of(&r, "hog");
		print_message("%-14s P %6.2f%%  Q %6.2f%%  hog %6.2f%%  longest wait %.3f ms (%s)\n",
			      pols[i], 100 * share_of(&r, "P"), 100 * share_of(&r, "Q"), 100 * hog,
			      r.longest_wait_ns / 1e6, r.longest_wait_task);
		if (i < 2) {
			assert_true(hog > 0.332 && hog < 0.335);
			assert_true(r.jain_tasks > 0.999);
		} else {
			assert_true(hog < 0.001);
			assert_string_equal(r.longest_wait_task, "hog");
			assert_true(r.longest_wait_ns >= 11 * NSEC_PER_SEC - 1 * MS);
		}
		if (i == 1) {
			assert_int_equal(r.yield.applied, 1);
			assert_int_equal(r.yield.rate_limited, r.yield.calls - 1);
		}
		run_result_free(&r);
	}
}

/*
 * v3's credit, both forms, v6.19 on one CPU: root -> G {a, b} beside a root hog h; a
 * runs and yields to b while b is ineligible inside G and G's entity (current at the
 * root, shared by a and b) is ineligible at the root (both set up by moving their
 * vruntimes ahead). Each level is credited to
 * margin = calc_delta_fair(0.7 ms / nr_queued) = 0.35 ms (nr_queued 2 on both levels,
 * weights 1024: G is alone on the CPU, so calc_group_shares gives it all 1024), below
 * the lag bound calc_delta_fair(max(1.4 ms, 4 ms)) = 4 ms: b through place_entity(), G
 * in place. Right after the yield (no time passes) both lags are 0.35 ms, to rounding
 * (2 ns), b runs, and the credit counter is the two shifts.
 */
static void test_lag_credit_levels(void **state)
{
	struct test_host t;
	struct task_group *g;
	struct task_struct *a, *b, *h;
	struct sched_entity *ge = NULL;
	struct rq *rq;
	bool found = false;
	s64 lag_b, lag_g;

	th_init_policy(&t, 1, KERNEL_V6_19, YIELD_LAG_CREDIT_V3);
	rq = &t.h.rqs[0];
	g = sched_create_group(&t.h, "G", NULL, 1024);
	a = th_task(&t, "a", 0, g);
	b = th_task(&t, "b", 0, g);
	h = th_task(&t, "h", 0, NULL);
	wake_up_new_task(a);
	wake_up_new_task(b);
	wake_up_new_task(h);
	th_advance(&t, 20 * MS);
	while (rq->curr != a)
		th_advance(&t, 100 * US);
	update_rq_clock(rq);
	update_curr(&rq->cfs);
	update_curr(a->se.cfs_rq);
	ge = a->se.parent;
	/* b 3 ms ahead inside G (out of the tree and back), G 5 ms ahead at the root */
	__dequeue_entity(b->se.cfs_rq, &b->se);
	b->se.vruntime += 3 * MS;
	b->se.deadline += 3 * MS;
	__enqueue_entity(b->se.cfs_rq, &b->se);
	ge->vruntime += 5 * MS;
	ge->deadline += 5 * MS;
	found = !entity_eligible(&rq->cfs, ge) && !entity_eligible(b->se.cfs_rq, &b->se);
	assert_true(found);
	assert_int_equal(rq->cfs.nr_queued, 2);
	assert_int_equal(b->se.cfs_rq->nr_queued, 2);
	assert_int_equal(ge->load.weight, 1024);
	assert_int_equal(yield_to(a, b, true), 1);
	assert_ptr_equal(rq->curr, b);
	lag_b = (s64)(avg_vruntime(b->se.cfs_rq) - b->se.vruntime);
	lag_g = (s64)(avg_vruntime(&rq->cfs) - ge->vruntime);
	print_message("after the credit: lag(b) %lld, lag(G) %lld, credited %llu ns\n",
		      (long long)lag_b, (long long)lag_g, (unsigned long long)rq->ystats.credit_ns);
	assert_true(lag_b >= 350000 - 2 && lag_b <= 350000 + 2);
	assert_true(lag_g >= 350000 - 2 && lag_g <= 350000 + 2);
	assert_int_equal(rq->ystats.applied, 1);
	(void)h;
	th_destroy(&t);
}

/*
 * One CPU, v6.18, three nice-0 root tasks a, b, c, run until a is current and 20 ms in;
 * a's vruntime is then set @gap behind b's (a is off-tree: a plain write).
 */
static void three_tasks(struct test_host *t, enum yield_policy y, s64 gap, struct task_struct **a,
			struct task_struct **b)
{
	struct rq *rq;

	th_init_policy(t, 1, KERNEL_V6_18, y);
	rq = &t->h.rqs[0];
	*a = th_task(t, "a", 0, NULL);
	*b = th_task(t, "b", 0, NULL);
	wake_up_new_task(*a);
	wake_up_new_task(*b);
	wake_up_new_task(th_task(t, "c", 0, NULL));
	th_advance(t, 20 * MS);
	while (rq->curr != *a)
		th_advance(t, 100 * US);
	update_rq_clock(rq);
	update_curr(&rq->cfs);
	(*a)->se.vruntime = (*b)->se.vruntime - (u64)gap;
	(*a)->se.deadline = (*a)->se.vruntime + 700000;
}

/*
 * ishiguro: with v_b - v_a = 3 ms > wakeup_gran = 1 ms (CFS's 1 ms, factor 1 on one CPU,
 * nice 0), a's vruntime becomes v_b - 1 ms; with 0.5 ms it stays. (v6.18's yield then
 * only moves the deadline.)
 */
static void test_ishiguro_rule(void **state)
{
	for (int k = 0; k < 2; k++) {
		struct test_host t;
		struct task_struct *a, *b;
		s64 gap = k ? 500 * US : 3 * MS;
		u64 va, vb;

		three_tasks(&t, YIELD_ISHIGURO, gap, &a, &b);
		va = a->se.vruntime;
		vb = b->se.vruntime;
		assert_int_equal(yield_to(a, b, true), 1);
		assert_int_equal(a->se.vruntime, k ? va : vb - 1 * MS);
		th_destroy(&t);
	}
}

/*
 * borntraeger: after the yield a's vruntime grows by CFS's sched_slice(): 3 runnable
 * tasks <= sched_nr_latency, so the period is sysctl_sched_latency = 6 ms (factor 1),
 * times 1024 / 3072 through __calc_delta: inv_weight(3072) = floor((2^32 - 1) / 3072) =
 * 1398101, fact = 1024 * 1398101 = 1431655424, 6e6 * fact >> 32 = 1999999 (above the
 * 0.75 ms BASE_SLICE floor).
 */
static void test_borntraeger_rule(void **state)
{
	struct test_host t;
	struct task_struct *a, *b;
	u64 va;

	three_tasks(&t, YIELD_BORNTRAEGER, 0, &a, &b);
	va = a->se.vruntime;
	assert_int_equal(yield_to(a, b, true), 1);
	assert_int_equal(a->se.vruntime, va + 1999999);
	th_destroy(&t);
}

/*
 * segall-swap: a and b share the root cfs_rq, so they swap vruntimes (a 2 ms behind
 * b before), each keeping its relative deadline; v6.18's yield then pushes a's deadline.
 */
static void test_segall_swap_rule(void **state)
{
	struct test_host t;
	struct task_struct *a, *b;
	u64 va, vb, db;

	three_tasks(&t, YIELD_SEGALL_SWAP, 2 * MS, &a, &b);
	va = a->se.vruntime;
	vb = b->se.vruntime;
	db = b->se.deadline - vb;
	assert_int_equal(yield_to(a, b, true), 1);
	assert_int_equal(a->se.vruntime, vb);
	assert_int_equal(b->se.vruntime, va);
	assert_int_equal(b->se.deadline, va + db);
	assert_int_equal(a->se.deadline, vb + 700000 + 700000);
	th_destroy(&t);
}

/*
 * prateek: a alone in G, beside a root hog, v6.18: sched_yield() forfeits at a's level
 * (G's h_nr_runnable = 1, so the walk goes on) and at G's level, if eligible there: G's
 * vruntime becomes its deadline. The base v6.18 yield only moves a's deadline and leaves
 * G alone.
 */
static void test_prateek_rule(void **state)
{
	for (int k = 0; k < 2; k++) {
		struct test_host t;
		struct task_struct *a;
		struct sched_entity *ge;
		struct rq *rq;
		u64 dg, vg;

		th_init_policy(&t, 1, KERNEL_V6_18, k ? YIELD_PRATEEK : YIELD_BASELINE);
		rq = &t.h.rqs[0];
		a = th_task(&t, "a", 0, sched_create_group(&t.h, "G", NULL, 1024));
		wake_up_new_task(a);
		wake_up_new_task(th_task(&t, "h", 0, NULL));
		th_advance(&t, 20 * MS);
		ge = a->se.parent;
		while (rq->curr != a || !entity_eligible(&rq->cfs, ge))
			th_advance(&t, 100 * US);
		update_rq_clock(rq);
		update_curr(&rq->cfs);
		update_curr(a->se.cfs_rq);
		dg = ge->deadline;
		vg = ge->vruntime;
		yield_task_fair(rq);
		if (k) {
			assert_int_equal(ge->vruntime, dg);
			assert_int_equal(ge->deadline, dg + 700000);
		} else {
			assert_int_equal(ge->vruntime, vg);
			assert_int_equal(ge->deadline, dg);
		}
		th_destroy(&t);
	}
}

/* Print a run's three formats into one string, with the wall-clock time zeroed. */
static char *formats(struct run_result *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	r->wall_s = 0;
	report_print_table(f, r);
	report_print_json(f, r);
	report_print_csv(f, r);
	fclose(f);
	return buf;
}

/*
 * "All seed knobs off gives output byte-identical to the baseline": with
 * vcpu_debooster_enabled = 0 the seed's yield_to_task_fair() is set_next_buddy() +
 * yield_task_fair(), the base kernel's; so every figure, in every format, is the same,
 * on both kernels, for the reviewer's scenario and the ping-pong.
 */
static void test_knobs_off_is_baseline(void **state)
{
	static const char *const files[] = {"scenarios/review/reviewer-cgroups.ini",
					    "scenarios/review/ping-pong.ini"};
	static const char *const seeds[] = {"seed-v1", "seed-v1-sched", "seed-v2"};

	for (unsigned int f = 0; f < ARRAY_SIZE(files); f++)
		for (int k = 0; k < 2; k++) {
			const char *kern = k ? "host.kernel=v6.19" : "host.kernel=v6.18";
			const char *bsets[] = {kern, "policy.yield=baseline"};
			struct run_result r;
			char *want;

			run_file(files[f], bsets, 2, &r);
			want = formats(&r);
			run_result_free(&r);
			for (unsigned int i = 0; i < ARRAY_SIZE(seeds); i++) {
				char set[64];
				const char *sets[] = {kern, set, "sched.vcpu_debooster_enabled=0"};
				char *got;

				snprintf(set, sizeof(set), "policy.yield=%s", seeds[i]);
				run_file(files[f], sets, 3, &r);
				got = formats(&r);
				run_result_free(&r);
				assert_string_equal(got, want);
				free(got);
				/* and with the knob on, the seed does change something */
				sets[2] = "sched.vcpu_debooster_enabled=1";
				run_file(files[f], sets, 3, &r);
				assert_true(r.yield.calls > 0);
				run_result_free(&r);
			}
			free(want);
		}
}

/*
 * The knob's default: on for the policies with the sched part, off (no such sysctl)
 * for the others even when set to 1; next-buddy turns NEXT_BUDDY on.
 */
static void test_policy_resolution(void **state)
{
	static const struct {
		enum yield_policy y;
		int knob;
		unsigned int want;
	} rows[] = {
		{YIELD_SEED_V1, SCN_KNOB_DEFAULT, 1},	 {YIELD_SEED_V1_SCHED, SCN_KNOB_DEFAULT, 1},
		{YIELD_SEED_V2, SCN_KNOB_DEFAULT, 1},	 {YIELD_SEED_V1_KVM, SCN_KNOB_DEFAULT, 0},
		{YIELD_BASELINE, SCN_KNOB_DEFAULT, 0},	 {YIELD_BASELINE, 1, 0},
		{YIELD_SEED_V1, 0, 0},			 {YIELD_LAG_CREDIT_V3, SCN_KNOB_DEFAULT, 0},
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(rows); i++) {
		struct scenario s;
		struct sched_params p = {0};

		scenario_defaults(&s);
		s.policy.yield = rows[i].y;
		s.sched.vcpu_debooster_enabled = rows[i].knob;
		sched_yield_policy_init(&p, &s);
		assert_int_equal(p.yield_policy, rows[i].y);
		assert_int_equal(p.sysctl_sched_vcpu_debooster_enabled, rows[i].want);
		assert_int_equal(p.yield_deboost_rate_limit_ns, 6 * MS);
		assert_int_equal(p.yield_deboost_debounce_ns, 600 * US);
	}
	{
		struct scenario s;
		struct sched_params p = {0};

		scenario_defaults(&s);
		s.policy.yield = YIELD_NEXT_BUDDY;
		sched_yield_policy_init(&p, &s);
		assert_true(p.feat[__SCHED_FEAT_NEXT_BUDDY]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deboost_penalty_table),
		cmocka_unit_test(test_deboost_debounce_table),
		cmocka_unit_test(test_deboost_rate_limit),
		cmocka_unit_test(test_deboost_floor_never_binds),
		cmocka_unit_test(test_pingpong_debounce),
		cmocka_unit_test(test_v1_v2_queue_count),
		cmocka_unit_test(test_lag_credit_levels),
		cmocka_unit_test(test_ishiguro_rule),
		cmocka_unit_test(test_borntraeger_rule),
		cmocka_unit_test(test_segall_swap_rule),
		cmocka_unit_test(test_prateek_rule),
		cmocka_unit_test(test_reviewer_scenario),
		cmocka_unit_test(test_pingpong_policies),
		cmocka_unit_test(test_knobs_off_is_baseline),
		cmocka_unit_test(test_policy_resolution),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
