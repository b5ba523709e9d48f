// SPDX-License-Identifier: GPL-2.0
/*
 * [policy] yield = prateek: K Prateek Nayak's alternative to the debooster (review of the
 * seed's v1 cover letter, 11 Nov 2025; ../shared/spec/vcpu-scheduling-series.md 1.4):
 * make yield_task_fair() (kernel/sched/fair.c) walk up the hierarchy — at each level stop
 * if the entity is not eligible, else forfeit (vruntime = deadline, deadline +=
 * calc_delta_fair(slice)); stop once the level's cfs_rq has h_nr_runnable > 1, i.e. once
 * the yield has someone to yield to.
 *
 * So a task alone in its cgroup yields its group's turn at the parent level instead of
 * nothing, and a task with siblings (the reviewer's CG0 {A, C}) yields only inside its
 * group: an unrelated C never pays for A's yield.
 *
 * Readings (docs/model/policies.md): the proposal is on top of the forfeit yield of
 * 79104becf42b, so every level forfeits whatever [host] kernel is (with v6.18 the
 * 6.18.2 backport's update_min_vruntime() follows each forfeit); update_curr() is called
 * at each level before its eligibility test, as the base does for the task level; the
 * order at a level is test, forfeit, then the h_nr_runnable stop. Being yield_task_fair(),
 * it applies to sched_yield() as well as to yield_to().
 */
#include "kvmsim/sched.h"

static void yield_task_fair_prateek(struct rq *rq)
{
	struct task_struct *curr = rq->curr;
	struct sched_entity *se = &curr->se;
	struct cfs_rq *cfs_rq = cfs_rq_of(se);

	/* Are we the only task in the tree? */
	if (unlikely(rq->nr_running == 1))
		return;
	clear_buddies(cfs_rq, se);
	update_rq_clock(rq);
	for_each_sched_entity(se) {
		cfs_rq = cfs_rq_of(se);
		update_curr(cfs_rq);
		if (!entity_eligible(cfs_rq, se))
			break;
		se->vruntime = se->deadline;
		se->deadline += calc_delta_fair(se->slice, se);
		update_min_vruntime(cfs_rq);
		rq->ystats.applied++;
		if (cfs_rq->h_nr_runnable > 1)
			break;
	}
}

const struct yield_policy_ops yield_policy_prateek = {
	.id = YIELD_PRATEEK,
	.yield_task = yield_task_fair_prateek,
};
