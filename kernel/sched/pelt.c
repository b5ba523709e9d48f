// SPDX-License-Identifier: GPL-2.0
/*
 * Load tracking, after Linux kernel/sched/pelt.c: a geometric average over 1024 us
 * periods with y^32 = 1/2 (a 32 ms half-life), decay_load() and its y^n table exactly as
 * the kernel's. Simplification: the model keeps one average per cfs_rq, of the cfs_rq's
 * load.weight (the sum of its queued entities' weights), instead of the sum of per-entity
 * averages; the two agree while entities stay on their CPU (see docs/model/sched.md).
 */
#include "kvmsim/sched.h"

#define PELT_PERIOD_NS (1024ull * 1024ull) /* kernel: 1024 "us" of 1024 ns */
#define LOAD_AVG_PERIOD 32

/* sched-pelt.h: runnable_avg_yN_inv[n] = 2^32 * y^n, y = 2^(-1/32) */
static const u32 runnable_avg_yN_inv[LOAD_AVG_PERIOD] = {
	0xffffffff, 0xfa83b2da, 0xf5257d14, 0xefe4b99a, 0xeac0c6e6, 0xe5b906e6,
	0xe0ccdeeb, 0xdbfbb796, 0xd744fcc9, 0xd2a81d91, 0xce248c14, 0xc9b9bd85,
	0xc5672a10, 0xc12c4cc9, 0xbd08a39e, 0xb8fbaf46, 0xb504f333, 0xb123f581,
	0xad583ee9, 0xa9a15ab4, 0xa5fed6a9, 0xa2704302, 0x9ef5325f, 0x9b8d39b9,
	0x9837f050, 0x94f4efa8, 0x91c3d44a, 0x8ea4398a, 0x8b95c1e3, 0x88980e80,
	0x85aac367, 0x82cd8698,
};

/* pelt.c: decay_load(): val * y^n */
u64 decay_load(u64 val, u64 n)
{
	unsigned int local_n;

	if (unlikely(n > LOAD_AVG_PERIOD * 63))
		return 0;
	local_n = (unsigned int)n;
	if (unlikely(local_n >= LOAD_AVG_PERIOD)) {
		val >>= local_n / LOAD_AVG_PERIOD;
		local_n %= LOAD_AVG_PERIOD;
	}
	return (u64)(((unsigned __int128)val * runnable_avg_yN_inv[local_n]) >> 32);
}

/*
 * pelt.c: ___update_load_sum()/___update_load_avg() in the model's form, for a signal
 * that has been @load since the last update: the average of each completed period enters
 * the geometric series; a partial period is carried.
 */
void ___update_load_avg(u64 now, struct sched_avg *sa, unsigned long load)
{
	u64 w = load, delta, d1, periods, contrib;

	if (now <= sa->last_update_time)
		return;
	delta = now - sa->last_update_time;
	sa->last_update_time = now;
	d1 = PELT_PERIOD_NS - sa->period_contrib;
	if (delta < d1) {
		sa->period_contrib += (u32)delta;
		sa->partial += w * delta;
		return;
	}
	/* finish the current period */
	sa->partial += w * d1;
	delta -= d1;
	contrib = (sa->partial << PELT_FP_SHIFT) / PELT_PERIOD_NS;
	sa->load_avg_fp = decay_load(sa->load_avg_fp, 1) + contrib - decay_load(contrib, 1);
	/* whole periods at the current weight */
	periods = delta / PELT_PERIOD_NS;
	if (periods) {
		u64 full = w << PELT_FP_SHIFT;

		sa->load_avg_fp = decay_load(sa->load_avg_fp, periods) + full - decay_load(full, periods);
	}
	sa->period_contrib = (u32)(delta % PELT_PERIOD_NS);
	sa->partial = w * sa->period_contrib;
}

/* The average of a cfs_rq's load.weight. Must be called before the weight changes. */
void update_cfs_rq_load_avg(u64 now, struct cfs_rq *cfs_rq)
{
	___update_load_avg(now, &cfs_rq->avg, cfs_rq->load.weight);
}

/*
 * fair.c: attach_entity_load_avg() / detach_entity_load_avg() (with the propagation of
 * update_tg_cfs_load() for group levels), in the model's form. The kernel moves an
 * entity's own average with it when the load balancer migrates it; the model has no
 * per-entity averages, so the cfs_rq's average moves by the change @delta of its
 * load.weight at once, as if the new weight had always been there: exact for entities
 * that are always runnable. Call after update_cfs_rq_load_avg() at the current time.
 */
void cfs_rq_move_load_avg(struct cfs_rq *cfs_rq, long delta)
{
	struct sched_avg *sa = &cfs_rq->avg;
	s64 avg = (s64)sa->load_avg_fp + (s64)delta * (1ll << PELT_FP_SHIFT);
	s64 part = (s64)sa->partial + (s64)delta * (s64)sa->period_contrib;

	sa->load_avg_fp = avg > 0 ? (u64)avg : 0;
	sa->partial = part > 0 ? (u64)part : 0;
}

u64 cfs_rq_load_avg(struct cfs_rq *cfs_rq)
{
	return cfs_rq->avg.load_avg_fp >> PELT_FP_SHIFT;
}

/*
 * fair.c: update_tg_load_avg(): publish this CPU's contribution to tg->load_avg when it
 * moved by more than 1/64 (the kernel also rate-limits this to once per ms per cfs_rq;
 * the model updates at most at every call site, which is at most every event).
 */
void update_tg_load_avg(struct cfs_rq *cfs_rq)
{
	struct task_group *tg = cfs_rq->tg;
	s64 delta;
	u64 load_avg;

	if (!tg->se)
		return; /* the root group */
	load_avg = cfs_rq_load_avg(cfs_rq);
	delta = (s64)load_avg - (s64)cfs_rq->tg_load_avg_contrib;
	if ((u64)(delta < 0 ? -delta : delta) > cfs_rq->tg_load_avg_contrib / 64) {
		tg->load_avg += (u64)delta;
		cfs_rq->tg_load_avg_contrib = load_avg;
	}
}
