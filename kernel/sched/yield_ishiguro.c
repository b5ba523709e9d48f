// SPDX-License-Identifier: GPL-2.0
/*
 * [policy] yield = ishiguro, scheduler part: Kenta Ishiguro et al., "Mitigating excessive
 * vCPU spinning in VM-agnostic KVM", VEE 2021, and "[RFC PATCH 0/2] Mitigating Excessive
 * Pause-Loop Exiting in VM-Agnostic KVM" (21 Apr 2021), patch 1 "Prevent CFS from ignoring
 * boost requests from KVM" (../shared/spec/vcpu-scheduling-series.md 1.5). It changes
 * fair.c's yield_to_task_fair() (then CFS, Linux 5.6):
 *
 *   set_next_buddy(target); walk both entities up to a common cfs_rq (find_matching_se);
 *   if wakeup_preempt_entity(target, yielder) >= 1, i.e. v_t - v_y > wakeup_gran(yielder),
 *   set v_y = v_t - wakeup_gran(yielder) — the least debooster with which CFS's
 *   pick_next_entity() stops ignoring the next buddy; then yield_task_fair().
 *
 * wakeup_gran(se) = calc_delta_fair(sysctl_sched_wakeup_granularity, se), the CFS sysctl
 * (1 ms, scaled by the same 1 + ilog2(min(ncpus, 8)) factor as the base slice); EEVDF
 * has no such sysctl, so the model keeps CFS's value. Only the vruntime is written, as in
 * the patch (CFS had no deadline); the rule is ported as posted even though EEVDF's
 * PICK_BUDDY asks for eligibility rather than a vruntime gap — docs/model/policies.md.
 * Only for a target on the yielder's run queue (entities of two CPUs have no common
 * cfs_rq). The IPI-receiver boost (patch 2) is KVM side (virt/kvm).
 */
#include "kvmsim/sched.h"

#define NORMALIZED_SYSCTL_SCHED_WAKEUP_GRANULARITY 1000000ull

/* CFS fair.c wakeup_gran() */
static u64 wakeup_gran(struct sched_params *p, struct sched_entity *se)
{
	u64 factor = p->sysctl_sched_base_slice / max(p->normalized_sysctl_sched_base_slice, 1ull);

	return calc_delta_fair(NORMALIZED_SYSCTL_SCHED_WAKEUP_GRANULARITY * max(factor, 1ull), se);
}

static bool yield_to_task_fair_ishiguro(struct rq *rq, struct task_struct *p)
{
	struct sched_entity *se = &p->se, *yse = &rq->curr->se;

	rq->ystats.calls++;
	/* Tell the scheduler that we'd really like se to run next. */
	set_next_buddy(se);
	if (task_rq(p) == rq && p != rq->curr) {
		u64 gran;

		find_matching_se(&yse, &se);
		gran = wakeup_gran(&rq->host->params, yse);
		/* wakeup_preempt_entity(se, yse) >= 1 */
		if ((s64)(se->vruntime - yse->vruntime) > (s64)gran) {
			yse->vruntime = se->vruntime - gran;
			rq->ystats.applied++;
		}
	}
	yield_task_fair(rq);
	return true;
}

const struct yield_policy_ops yield_policy_ishiguro = {
	.id = YIELD_ISHIGURO,
	.yield_to_task = yield_to_task_fair_ishiguro,
};
