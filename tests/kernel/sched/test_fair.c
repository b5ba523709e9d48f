// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the EEVDF mechanisms of kernel/sched/fair.c against the kernel's
 * documented semantics (../shared/spec/sched-eevdf.md, section A).
 */
#include <errno.h>
#include <stdlib.h>

#include "sched_test.h"

/* A.1: nice 0 is 1024, the ends are 88761 and 15, and each step is ~1.25x (10% of CPU). */
static void test_weight_table(void **state)
{
	assert_int_equal(sched_prio_to_weight[20], 1024);
	assert_int_equal(sched_prio_to_weight[0], 88761);
	assert_int_equal(sched_prio_to_weight[39], 15);
	for (int i = 0; i < 39; i++) {
		double r = (double)sched_prio_to_weight[i] / sched_prio_to_weight[i + 1];

		assert_true(r > 1.19 && r < 1.31);
	}
}

/*
 * A.1: calc_delta_fair(d, se) = d * 1024 / w through the 32-bit inverse weight:
 * inv = floor((2^32 - 1) / w), result = floor(d * 1024 * inv / 2^32) (no shifts needed
 * for w >= 1024 / 2^32). So result <= d * 1024 / w and the shortfall is at most
 * d * 1024 / 2^32 (from inv's truncation, d*1024*(1/w - inv/2^32) <= d*1024/2^32) + 1.
 */
static void test_calc_delta_fair(void **state)
{
	struct sched_entity se = {0};
	struct rng r;

	rng_init(&r, 1, 2);
	se.load.weight = NICE_0_LOAD;
	assert_int_equal(calc_delta_fair(123456789, &se), 123456789);
	for (int i = 0; i < 100000; i++) {
		u64 d = rng_below(&r, 10 * NSEC_PER_SEC);
		unsigned long w = (unsigned long)sched_prio_to_weight[rng_below(&r, 40)];
		u64 exact, got;

		se.load.weight = w;
		se.load.inv_weight = 0;
		got = calc_delta_fair(d, &se);
		exact = (u64)((unsigned __int128)d * 1024 / w);
		assert_true(got <= exact);
		assert_true(exact - got <= d * 1024 / (1ull << 32) + 1);
	}
}

/* Walk the timeline of a cfs_rq (the test's own traversal of the treap). */
static void collect(struct sched_entity *se, struct sched_entity **out, int *n)
{
	if (!se)
		return;
	collect(se->tl, out, n);
	out[(*n)++] = se;
	collect(se->tr, out, n);
}

/*
 * A.7 property: __pick_eevdf(protect = false) returns the entity with the earliest
 * deadline among the eligible ones (v <= V), curr included; the oracle is a linear scan.
 * Random queues are made by placing entities with random lags and relative deadlines.
 */
static void test_pick_eevdf_property(void **state)
{
	struct rng r;

	rng_init(&r, 42, 7);
	for (int round = 0; round < 300; round++) {
		struct test_host t;
		int n = 2 + (int)rng_below(&r, 30);
		struct sched_entity *all[64];
		int cnt = 0;

		th_init(&t, 1, round % 2 ? KERNEL_V6_19 : KERNEL_V6_18);
		for (int i = 0; i < n; i++) {
			char name[16];
			struct task_struct *p;

			snprintf(name, sizeof(name), "t%d", i);
			p = th_task(&t, name, 0, NULL);
			p->se.load.weight = (unsigned long)sched_prio_to_weight[rng_below(&r, 40)];
			/* a lag within the dequeue clamp, as update_entity_lag() leaves it */
			{
				s64 lim = (s64)calc_delta_fair(4000000, &p->se);

				p->se.vlag = (s64)rng_below(&r, 2 * (u64)lim + 1) - lim;
			}
			p->se.rel_deadline = true;
			p->se.deadline = 1 + rng_below(&r, 20000000);
			p->__state = TASK_RUNNING;
			activate_task(&t.h.rqs[0], p, 0);
		}
		/* sometimes make the first task curr, as set_next_entity() would */
		if (round % 3 == 0) {
			struct task_struct *p = t.h.tasks[0];

			__schedule(&t.h.rqs[0]);
			p = t.h.rqs[0].curr;
			assert_non_null(p);
		}
		struct cfs_rq *cfs_rq = &t.h.rqs[0].cfs;
		struct sched_entity *best = NULL, *got;

		collect(cfs_rq->root, all, &cnt);
		if (cfs_rq->curr)
			all[cnt++] = cfs_rq->curr;
		assert_int_equal(cnt, n);
		for (int i = 0; i < cnt; i++)
			if (entity_eligible(cfs_rq, all[i]) &&
			    (!best || (s64)(all[i]->deadline - best->deadline) < 0))
				best = all[i];
		/* v6.19 consults the buddy inside __pick_eevdf: there is none here */
		got = __pick_eevdf(cfs_rq, false);
		assert_non_null(best); /* someone is always eligible: V is their average */
		assert_int_equal(got->deadline, best->deadline);
		assert_true(entity_eligible(cfs_rq, got));
		th_destroy(&t);
	}
}

/*
 * A.4: the dequeue lag clamp is calc_delta_fair(max(2 * slice, TICK_NSEC)): on one CPU
 * the slice is 0.7 ms and HZ = 250 gives a 4 ms tick, so the limit is 4 ms for nice 0.
 * A task placed 1 s behind (vlag = +0.5 s, inflated x2 by the placement) and dequeued
 * without sleeping keeps vlag = +4 ms.
 */
static void test_lag_clamp(void **state)
{
	struct test_host t;
	struct task_struct *a, *b;

	th_init(&t, 1, KERNEL_V6_18);
	t.h.check = false; /* the placement below is deliberately outside the clamp */
	a = th_task(&t, "a", 0, NULL);
	b = th_task(&t, "b", 0, NULL);
	a->__state = b->__state = TASK_RUNNING;
	activate_task(&t.h.rqs[0], a, 0);
	b->se.vlag = (s64)(NSEC_PER_SEC / 2);
	activate_task(&t.h.rqs[0], b, 0);
	deactivate_task(&t.h.rqs[0], b, 0);
	assert_int_equal(b->se.vlag, 4000000);
	assert_false(b->se.on_rq);
	th_destroy(&t);
}

/*
 * A.5: placement inflates the stored lag so that after the entity joins the average its
 * lag equals the stored value: with one other entity of equal weight (W = w = 1024),
 * v = V - 2L, and the new average V' = V - L, so V' - v = L.
 */
static void test_place_lag_inflation(void **state)
{
	struct test_host t;
	struct task_struct *a, *b;
	struct cfs_rq *cfs_rq;
	u64 V;

	th_init(&t, 1, KERNEL_V6_18);
	a = th_task(&t, "a", 0, NULL);
	b = th_task(&t, "b", 0, NULL);
	a->__state = b->__state = TASK_RUNNING;
	activate_task(&t.h.rqs[0], a, 0);
	cfs_rq = &t.h.rqs[0].cfs;
	V = avg_vruntime(cfs_rq);
	b->se.vlag = 1000000;
	activate_task(&t.h.rqs[0], b, 0);
	assert_int_equal(b->se.vruntime, V - 2000000);
	assert_int_equal((s64)(avg_vruntime(cfs_rq) - b->se.vruntime), 1000000);
	th_destroy(&t);
}

/* A.5: PLACE_DEADLINE_INITIAL: a new task's first deadline is half a slice away (0.35 ms). */
static void test_place_deadline_initial(void **state)
{
	struct test_host t;
	struct task_struct *a;

	th_init(&t, 1, KERNEL_V6_18);
	a = th_task(&t, "a", 0, NULL);
	wake_up_new_task(a);
	assert_int_equal(a->se.deadline - a->se.vruntime, 700000 / 2);
	th_destroy(&t);
}

/*
 * A.5 DELAY_DEQUEUE: a sleeper with negative lag stays queued as sched_delayed (and still
 * counts in nr_queued); with the feature off it leaves with its clamped negative lag.
 */
static void test_delay_dequeue(void **state)
{
	for (int feat = 0; feat <= 1; feat++) {
		struct test_host t;
		struct task_struct *a, *b;

		th_init(&t, 1, KERNEL_V6_18);
		t.h.params.feat[__SCHED_FEAT_DELAY_DEQUEUE] = feat;
		a = th_task(&t, "a", 0, NULL);
		b = th_task(&t, "b", 0, NULL);
		a->__state = b->__state = TASK_RUNNING;
		activate_task(&t.h.rqs[0], a, 0);
		b->se.vlag = -1000000; /* placed behind: v = V + 2 ms, ineligible */
		activate_task(&t.h.rqs[0], b, 0);
		assert_false(entity_eligible(&t.h.rqs[0].cfs, &b->se));
		b->__state = TASK_INTERRUPTIBLE;
		deactivate_task(&t.h.rqs[0], b, DEQUEUE_SLEEP);
		if (feat) {
			assert_true(b->se.on_rq);
			assert_true(b->se.sched_delayed);
			assert_int_equal(t.h.rqs[0].cfs.nr_queued, 2);
			assert_int_equal(t.h.rqs[0].cfs.h_nr_runnable, 1);
		} else {
			/* V' after dequeue... the stored lag is V - v = -1 ms (within the 4 ms clamp) */
			assert_false(b->se.on_rq);
			assert_int_equal(b->se.vlag, -1000000);
		}
		th_destroy(&t);
	}
}

/*
 * A.10 yield_task_fair(): v6.18.0 moves only the deadline one vslice (0.7 ms for nice 0
 * on one CPU) later; v6.19 sets vruntime = deadline and then deadline += vslice, when the
 * yielder is eligible; an ineligible v6.19 yielder is left unchanged.
 */
static void test_yield_forms(void **state)
{
	for (int k = 0; k < 2; k++) {
		struct test_host t;
		struct task_struct *a, *b;
		struct rq *rq;
		u64 v, d;

		th_init(&t, 1, k ? KERNEL_V6_19 : KERNEL_V6_18);
		rq = &t.h.rqs[0];
		a = th_task(&t, "a", 0, NULL);
		b = th_task(&t, "b", 0, NULL);
		a->__state = b->__state = TASK_RUNNING;
		activate_task(rq, a, 0);
		/* b placed 2 ms behind V (vlag -1 ms, inflated x2): a has +1 ms of lag */
		b->se.vlag = -1000000;
		activate_task(rq, b, 0);
		__schedule(rq);
		assert_ptr_equal(rq->curr, a);
		th_advance(&t, 100000); /* a runs 0.1 ms: V moves 0.05 ms, a's lag stays > 0 */
		update_rq_clock(rq);
		update_curr(&rq->cfs);
		v = a->se.vruntime;
		d = a->se.deadline;
		assert_true(entity_eligible(&rq->cfs, &a->se));
		yield_task_fair(rq);
		if (k == 0) {
			assert_int_equal(a->se.vruntime, v);
			assert_int_equal(a->se.deadline, d + 700000);
		} else {
			assert_int_equal(a->se.vruntime, d);
			assert_int_equal(a->se.deadline, d + 700000);
		}
		th_destroy(&t);
	}
	/* v6.19, ineligible yielder: a has run 2 ms ahead of b (V is halfway: a is ineligible) */
	{
		struct test_host t;
		struct task_struct *a, *b;
		struct rq *rq;
		u64 v, d;

		th_init(&t, 1, KERNEL_V6_19);
		rq = &t.h.rqs[0];
		a = th_task(&t, "a", 0, NULL);
		b = th_task(&t, "b", 0, NULL);
		wake_up_new_task(a);
		wake_up_new_task(b);
		th_advance(&t, 1); /* a picked */
		assert_ptr_equal(rq->curr, a);
		rq->curr->se.vprot = rq->curr->se.vruntime + 100 * NSEC_PER_MSEC; /* keep it running */
		sim_cancel(&t.sim, &rq->tick);
		t.sim.now += 2 * NSEC_PER_MSEC;
		update_rq_clock(rq);
		update_curr(&rq->cfs);
		assert_false(entity_eligible(&rq->cfs, &a->se));
		v = a->se.vruntime;
		d = a->se.deadline;
		yield_task_fair(rq);
		assert_int_equal(a->se.vruntime, v);
		assert_int_equal(a->se.deadline, d);
		th_destroy(&t);
	}
}

/*
 * A.10 yield_to(): -ESRCH when both run queues hold one task; 0 when the target is
 * running or not runnable; 1 when it yielded — then the target is the buddy at every
 * level of its CPU, and on the yielder's own CPU it runs next.
 */
static void test_yield_to_results(void **state)
{
	struct test_host t;
	struct task_struct *a, *b, *c, *x;

	/* a alone on CPU 0, b alone (running) on CPU 1: -ESRCH */
	th_init(&t, 2, KERNEL_V6_18);
	a = th_task(&t, "a", 0, NULL);
	b = th_task(&t, "b", 1, NULL);
	wake_up_new_task(a);
	wake_up_new_task(b);
	th_advance(&t, 1000);
	assert_ptr_equal(t.h.rqs[0].curr, a);
	assert_ptr_equal(t.h.rqs[1].curr, b);
	assert_int_equal(yield_to(a, b, true), -ESRCH);

	/* with a second task on CPU 0, the running b is refused: 0 */
	x = th_task(&t, "x", 0, NULL);
	wake_up_new_task(x);
	th_advance(&t, 1000);
	assert_int_equal(yield_to(t.h.rqs[0].curr, b, true), 0);

	/* a sleeping target: 0 */
	c = th_task(&t, "c", 0, NULL);
	assert_int_equal(yield_to(t.h.rqs[0].curr, c, true), 0);

	/* a queued target on the same CPU: 1, and the target runs next */
	wake_up_new_task(c);
	th_advance(&t, 1000);
	{
		struct task_struct *curr = t.h.rqs[0].curr, *target = curr == c ? a : c;

		if (target == curr || !target->se.on_rq)
			target = x;
		assert_true(target != curr && target->se.on_rq);
		assert_int_equal(yield_to(curr, target, true), 1);
		assert_ptr_equal(t.h.rqs[0].curr, target);
	}
	th_destroy(&t);
}

/*
 * A.10 cross-CPU: a queued target on another CPU gets the buddy mark on its own run
 * queue, and that CPU is rescheduled (resched_curr(p_rq)): when its event runs, the
 * buddy (eligible, as a fresh task at V) is picked.
 */
static void test_yield_to_remote(void **state)
{
	struct test_host t;
	struct task_struct *a, *a2, *b, *b2;

	th_init(&t, 2, KERNEL_V6_18);
	a = th_task(&t, "a", 0, NULL);
	a2 = th_task(&t, "a2", 0, NULL);
	b = th_task(&t, "b", 1, NULL);
	b2 = th_task(&t, "b2", 1, NULL);
	wake_up_new_task(a);
	wake_up_new_task(a2);
	wake_up_new_task(b);
	wake_up_new_task(b2);
	th_advance(&t, 1000);
	{
		struct task_struct *y = t.h.rqs[0].curr;
		struct task_struct *target = t.h.rqs[1].curr == b ? b2 : b;

		assert_int_equal(yield_to(y, target, true), 1);
		assert_ptr_equal(t.h.rqs[1].cfs.next, &target->se);
		assert_true(sim_event_queued(&t.h.rqs[1].resched));
		th_advance(&t, 1);
		assert_ptr_equal(t.h.rqs[1].curr, target);
	}
	th_destroy(&t);
}

/*
 * A.11 calc_group_shares(): shares = tg.shares * load / (tg.load_avg - contrib + load),
 * clamped to [MIN_SHARES, tg.shares]. One CPU with load 1024 of a group whose other CPUs
 * contribute 3072: 1024 * 1024 / 4096 = 256.
 */
static void test_calc_group_shares(void **state)
{
	struct test_host t;
	struct task_group *tg;
	struct cfs_rq *grq;

	th_init(&t, 4, KERNEL_V6_18);
	tg = sched_create_group(&t.h, "g", NULL, 1024);
	grq = tg->cfs_rq[0];
	grq->load.weight = 1024;
	tg->load_avg = 3072;
	grq->tg_load_avg_contrib = 0;
	assert_int_equal(calc_group_shares(grq), 256);
	/* a tiny load floors at MIN_SHARES = 2 */
	grq->load.weight = 1;
	tg->load_avg = 1 << 20;
	assert_int_equal(calc_group_shares(grq), 2);
	/* alone: the whole tg.shares */
	grq->load.weight = 1024;
	tg->load_avg = 0;
	assert_int_equal(calc_group_shares(grq), 1024);
	th_destroy(&t);
}

/*
 * A.11 reweight_entity() preserves lag: w * vlag is invariant (up to the division's
 * truncation), and a dequeued entity's weight is simply replaced.
 */
static void test_reweight_preserves_lag(void **state)
{
	struct test_host t;
	struct task_struct *a, *b;
	s64 before;

	th_init(&t, 1, KERNEL_V6_18);
	a = th_task(&t, "a", 0, NULL);
	b = th_task(&t, "b", 0, NULL);
	a->__state = b->__state = TASK_RUNNING;
	activate_task(&t.h.rqs[0], a, 0);
	b->se.vlag = 1500000;
	activate_task(&t.h.rqs[0], b, 0);
	before = (s64)(avg_vruntime(&t.h.rqs[0].cfs) - b->se.vruntime) * 1024;
	reweight_entity(&t.h.rqs[0].cfs, &b->se, 4096);
	{
		s64 after = (s64)(avg_vruntime(&t.h.rqs[0].cfs) - b->se.vruntime) * 4096;

		/* within a few ns of virtual time at weight 4096 */
		assert_true(llabs(after - before) <= 4 * 4096);
	}
	th_destroy(&t);
}

/*
 * pelt.c decay_load(): y^32 = 1/2, so 1024 decays to 511 over 32 periods (1024 >> 1
 * times 0xffffffff / 2^32, floored); the table is 2^32 * 2^(-n/32) within rounding.
 */
static void test_pelt_decay(void **state)
{
	assert_int_equal(decay_load(1024, 32), 511);
	assert_int_equal(decay_load(1024, 0), 1023);
	/* 2^40 >> 2 = 2^38, times (2^32 - 1) / 2^32: 2^38 - 2^6 */
	assert_int_equal(decay_load(1ull << 40, 64), (1ull << 38) - 64);
	assert_int_equal(decay_load(12345, 32 * 64), 0);
}

/*
 * PELT convergence: a cfs_rq with a constant load of 1024 reaches 1024 * (1 - y^n): after
 * 320 periods (~335 ms) y^320 = 2^-10, so the average is within 0.1% (+1 for flooring).
 */
static void test_pelt_converges(void **state)
{
	struct test_host t;
	struct cfs_rq *cfs_rq;
	u64 now = 0;

	th_init(&t, 1, KERNEL_V6_18);
	cfs_rq = &t.h.rqs[0].cfs;
	cfs_rq->load.weight = 1024;
	for (int i = 0; i < 1000; i++) {
		now += 335000;
		update_cfs_rq_load_avg(now, cfs_rq);
	}
	assert_true(cfs_rq_load_avg(cfs_rq) >= 1022 && cfs_rq_load_avg(cfs_rq) <= 1024);
	th_destroy(&t);
}

/* A.2: base slice 0.7 ms scaled by 1 + ilog2(min(ncpus, 8)): 1 CPU 0.7, 2: 1.4, 4: 2.1, 16: 2.8 ms. */
static void test_base_slice_scaling(void **state)
{
	static const int cpus[] = {1, 2, 3, 4, 7, 8, 16};
	static const u64 slice[] = {700000, 1400000, 1400000, 2100000, 2100000, 2800000, 2800000};

	for (unsigned i = 0; i < ARRAY_SIZE(cpus); i++) {
		struct test_host t;

		th_init(&t, cpus[i], KERNEL_V6_18);
		assert_int_equal(t.h.params.sysctl_sched_base_slice, slice[i]);
		th_destroy(&t);
	}
}

/*
 * A.8 v6.18 wakeup preemption: a protected, eligible curr is never preempted by a
 * wakee; once its protection is over, a wakee placed at V with an earlier deadline is.
 */
static void test_wakeup_preemption(void **state)
{
	struct test_host t;
	struct task_struct *a, *b;
	struct rq *rq;

	th_init(&t, 1, KERNEL_V6_18);
	rq = &t.h.rqs[0];
	a = th_task(&t, "a", 0, NULL);
	b = th_task(&t, "b", 0, NULL);
	wake_up_new_task(a);
	th_advance(&t, 1);
	assert_ptr_equal(rq->curr, a);
	/* b wakes 0.1 ms later: a is within its protected slice */
	th_advance(&t, 100000);
	b->__state = TASK_INTERRUPTIBLE;
	try_to_wake_up(b, 0);
	assert_false(rq->need_resched);
	th_destroy(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weight_table),
		cmocka_unit_test(test_calc_delta_fair),
		cmocka_unit_test(test_pick_eevdf_property),
		cmocka_unit_test(test_lag_clamp),
		cmocka_unit_test(test_place_lag_inflation),
		cmocka_unit_test(test_place_deadline_initial),
		cmocka_unit_test(test_delay_dequeue),
		cmocka_unit_test(test_yield_forms),
		cmocka_unit_test(test_yield_to_results),
		cmocka_unit_test(test_yield_to_remote),
		cmocka_unit_test(test_calc_group_shares),
		cmocka_unit_test(test_reweight_preserves_lag),
		cmocka_unit_test(test_pelt_decay),
		cmocka_unit_test(test_pelt_converges),
		cmocka_unit_test(test_base_slice_scaling),
		cmocka_unit_test(test_wakeup_preemption),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
