// SPDX-License-Identifier: GPL-2.0
/*
 * [policy] yield = seed-v2: the scheduler part of "[PATCH v2 0/9] sched/kvm: Semantics-aware
 * vCPU scheduling for oversubscribed KVM" (Wanpeng Li, 19 Dec 2025,
 * <20251219035334.39790-1-kernellwp@gmail.com>, base v6.19-rc1), i.e. v1's debooster
 * (yield_seed_v1.c) with the corrections conceded in review
 * (../shared/spec/vcpu-scheduling-series.md 1.1, 1.4):
 *
 *   - the LCA by find_matching_se() (the same walk as v1's, so no behaviour change);
 *   - update_curr(cfs_rq_common) before need is computed (v1 used a stale vruntime);
 *   - the queue-size cap and the need == 0 floor count the common cfs_rq's h_nr_queued
 *     (tasks in the subtree) instead of nr_queued (entities on the level);
 *   - no gran_floor (it was a no-op);
 *   - apply: vruntime += penalty and the deadline renewed, but no vlag write (so the
 *     yielder's slice protection, which shares vlag's storage, survives) and no
 *     update_min_vruntime();
 *   - still before yield_task_fair(): on the v6.19 base the forfeit (vruntime = deadline)
 *     would otherwise inflate the yielder's vruntime before the gap is measured.
 *
 * Kept from v1: the sysctl (renamed vcpu_debooster_enabled in debugfs), the 6 ms rate
 * limit refreshed on every call, the validation (rq->donor == rq->curr here), the
 * nr_queued <= 1 refusal at the LCA, penalty = gran + need + need/10, the 600 us
 * reverse-pair debounce and the cap values.
 */
#include <stdint.h>

#include "kernel/sched/yield_deboost.h"

/* v2 yield_to_deboost() */
static void yield_to_deboost_v2(struct rq *rq, struct task_struct *p_target)
{
	struct sched_entity *se_y_lca, *se_t_lca;
	struct cfs_rq *cfs_rq_common;
	u64 gran, need, penalty;

	cfs_rq_common = yield_deboost_find_lca(rq, p_target, &se_y_lca, &se_t_lca);
	if (!cfs_rq_common)
		return;
	update_rq_clock(rq);
	update_curr(cfs_rq_common);

	gran = calc_delta_fair(rq->host->params.sysctl_sched_base_slice, se_y_lca);
	need = yield_deboost_need(se_y_lca, se_t_lca);
	penalty = yield_deboost_penalty(rq, gran, need, cfs_rq_common->h_nr_queued, rq->curr->id,
					p_target->id);
	/* v2 yield_deboost_apply_penalty(): vruntime and deadline only */
	if (se_y_lca->vruntime > UINT64_MAX - penalty)
		return;
	se_y_lca->vruntime += penalty;
	se_y_lca->deadline = se_y_lca->vruntime + calc_delta_fair(se_y_lca->slice, se_y_lca);
	rq->ystats.applied++;
	rq->ystats.penalty_ns += penalty;
}

/* v2: fair.c yield_to_task_fair() — the deboost before the forfeit of yield_task_fair() */
static bool yield_to_task_fair_seed_v2(struct rq *rq, struct task_struct *p)
{
	set_next_buddy(&p->se);
	yield_to_deboost_v2(rq, p);
	yield_task_fair(rq);
	return true;
}

const struct yield_policy_ops yield_policy_seed_v2 = {
	.id = YIELD_SEED_V2,
	.yield_to_task = yield_to_task_fair_seed_v2,
	.has_debooster = true,
};
