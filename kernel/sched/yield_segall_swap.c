// SPDX-License-Identifier: GPL-2.0
/*
 * [policy] yield = segall-swap: Ben Segall's fair alternative in the discussion of
 * Borntraeger's "sched/fair: improve yield_to vs fairness" (July 2021;
 * ../shared/spec/vcpu-scheduling-series.md 1.5): when yielder and target are on the same
 * cfs_rq, swap their vruntimes — the target takes the yielder's place in virtual time and
 * nobody else's share moves (for equal weights). Not through find_matching_se(): "much
 * less clear that's desirable, since it would yield vruntime for the entire hierarchy".
 * It changes fair.c's yield_to_task_fair().
 *
 * Readings (docs/model/policies.md): the swap comes before yield_task_fair(), so the
 * yielder then yields from the target's old position (with v6.19, forfeits if eligible
 * there); update_curr() first, so the yielder's vruntime is current; each entity keeps its
 * relative deadline (and the yielder its relative protection); the queued target leaves
 * and re-enters the tree around the change so the averages stay exact.
 */
#include "kvmsim/sched.h"

static bool yield_to_task_fair_segall_swap(struct rq *rq, struct task_struct *p)
{
	struct sched_entity *yse = &rq->curr->se, *tse = &p->se;
	struct cfs_rq *cfs_rq = cfs_rq_of(yse);

	rq->ystats.calls++;
	set_next_buddy(tse);
	if (yse != tse && cfs_rq_of(tse) == cfs_rq && cfs_rq->curr == yse) {
		u64 vy, vt;

		update_curr(cfs_rq);
		vy = yse->vruntime;
		vt = tse->vruntime;
		__dequeue_entity(cfs_rq, tse);
		tse->vruntime = vy;
		tse->deadline += vy - vt;
		__enqueue_entity(cfs_rq, tse);
		yse->vruntime = vt;
		yse->deadline += vt - vy;
		yse->vprot += vt - vy;
		update_min_vruntime(cfs_rq);
		rq->ystats.applied++;
	}
	yield_task_fair(rq);
	return true;
}

const struct yield_policy_ops yield_policy_segall_swap = {
	.id = YIELD_SEGALL_SWAP,
	.yield_to_task = yield_to_task_fair_segall_swap,
};
