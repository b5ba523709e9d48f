// SPDX-License-Identifier: GPL-2.0
/*
 * [policy] yield = lag-credit-v3: the scheduler part of "[PATCH v3 00/10] sched/fair, KVM:
 * Semantics-aware directed yield for oversubscribed KVM" (Wanpeng Li, 12 Jun 2026, base
 * v7.1-rc7; ../shared/spec/vcpu-scheduling-series.md 1.4), which replaced the v1/v2
 * vruntime penalty by the reviewer's direction: no penalty on the yielder, instead
 * bounded EEVDF lag is credited to the nominated next buddy so that PICK_BUDDY returns it.
 * It changes fair.c's yield_to_task_fair(), gated by SCHED_FEAT(YIELD_TO_LAG_CREDIT)
 * (default on; [sched] feature.YIELD_TO_LAG_CREDIT):
 *
 *   1. set_next_buddy(&p->se) and yield_task_fair() as the base kernel does;
 *   2. walk the ancestor chain set_next_buddy() nominated (stop where cfs_rq->next is not
 *      the entity); every level whose entity is not eligible is credited to a small
 *      positive lag: margin = calc_delta_fair(sysctl_sched_base_slice / nr_queued, se),
 *      clamped to entity_lag's bound calc_delta_fair(max(2 slices, TICK_NSEC), se);
 *      an off-tree curr is shifted in place (vruntime, deadline and vprot move back by
 *      d = (margin - lag) * W / (W - w), so that its lag after the shift, V included, is
 *      the margin); a queued entity is requeued through place_entity() with vlag = margin
 *      and its relative deadline kept (the requeue_delayed_entity() pattern);
 *   3. force a local resched: cancel the RUN_TO_PARITY slice protection of the yielder's
 *      chain and resched_curr(), at most once per 6 ms per rq (the credit itself is not
 *      throttled).
 *
 * Readings where the cover letter leaves a detail open (docs/model/policies.md): the
 * credit comes after yield_task_fair() so that eligibility is judged against the
 * post-yield averages the pick will see; "a margin scaled with runqueue depth" is read as
 * one slice divided among the level's queued entities; the resched rate limit stores the
 * time of the last forced resched (not of every call, unlike v1's). The yield itself is
 * [host] kernel's (v3's base has the forfeit: use kernel = v6.19 to match it).
 */
#include "kvmsim/sched.h"

static u64 lag_credit_margin(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	u64 slice = cfs_host(cfs_rq)->params.sysctl_sched_base_slice;
	u64 margin = calc_delta_fair(slice / max(cfs_rq->nr_queued, 1u), se);

	return min(margin, (u64)entity_lag_limit(cfs_rq, se));
}

/* The off-tree current entity: shift it so that its lag (V counting it) becomes @margin. */
static u64 lag_credit_curr(struct cfs_rq *cfs_rq, struct sched_entity *se, s64 margin)
{
	long w = (long)se->load.weight;
	long load = (long)cfs_rq->avg_load + w;
	s64 lag = (s64)(avg_vruntime(cfs_rq) - se->vruntime);
	s64 d;

	if (load <= w)
		return 0;
	d = (s64)(((__int128)(margin - lag) * load) / (load - w));
	if (d <= 0)
		return 0;
	se->vruntime -= (u64)d;
	se->deadline -= (u64)d;
	se->vprot -= (u64)d;
	return (u64)d;
}

/* A queued entity: take it out of the averages and place it again with vlag = @margin. */
static u64 lag_credit_queued(struct cfs_rq *cfs_rq, struct sched_entity *se, s64 margin)
{
	struct host *h = cfs_host(cfs_rq);
	u64 v = se->vruntime;

	se->deadline -= se->vruntime;
	se->rel_deadline = true;
	cfs_rq->nr_queued--;
	__dequeue_entity(cfs_rq, se);
	se->vlag = margin;
	place_entity(cfs_rq, se, 0);
	__enqueue_entity(cfs_rq, se);
	cfs_rq->nr_queued++;
	if (h->check)
		sched_check_lag_after_place(cfs_rq, se);
	return v - se->vruntime;
}

/* v3: yield_to_lag_credit() */
static void yield_to_lag_credit(struct rq *rq, struct task_struct *p)
{
	struct host *h = rq->host;
	struct sched_entity *se = &p->se;
	bool credited = false;
	u64 now = rq->clock;

	for_each_sched_entity(se) {
		struct cfs_rq *cfs_rq = cfs_rq_of(se);
		s64 margin;
		u64 d;

		if (cfs_rq->next != se)
			break;
		if (entity_eligible(cfs_rq, se))
			continue;
		margin = (s64)lag_credit_margin(cfs_rq, se);
		if (se == cfs_rq->curr)
			d = lag_credit_curr(cfs_rq, se, margin);
		else
			d = lag_credit_queued(cfs_rq, se, margin);
		rq->ystats.credit_ns += d;
		credited = true;
	}
	if (credited)
		rq->ystats.applied++;
	if (rq->yield_lag_credit_last_resched_ns &&
	    now - rq->yield_lag_credit_last_resched_ns <= 6000 * NSEC_PER_USEC) {
		rq->ystats.rate_limited++;
		return;
	}
	rq->yield_lag_credit_last_resched_ns = now;
	if (rq->curr) {
		struct sched_entity *yse = &rq->curr->se;

		if (sched_feat(h, RUN_TO_PARITY))
			for_each_sched_entity(yse)
				cancel_protect_slice(yse);
	}
	resched_curr(rq);
}

static bool yield_to_task_fair_lag_credit(struct rq *rq, struct task_struct *p)
{
	set_next_buddy(&p->se);
	yield_task_fair(rq);
	if (sched_feat(rq->host, YIELD_TO_LAG_CREDIT) && task_rq(p) == rq) {
		rq->ystats.calls++;
		yield_to_lag_credit(rq, p);
	}
	return true;
}

const struct yield_policy_ops yield_policy_lag_credit_v3 = {
	.id = YIELD_LAG_CREDIT_V3,
	.yield_to_task = yield_to_task_fair_lag_credit,
};
