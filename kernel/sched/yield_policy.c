// SPDX-License-Identifier: GPL-2.0
/*
 * [policy] yield: which directed-yield design the scheduler runs (docs/model/policies.md).
 * Each design that changes kernel/sched lives in its own kernel/sched/yield_*.c and
 * exports a struct yield_policy_ops; yield_to_task_fair() and yield_task_fair()
 * (kernel/sched/fair.c) call through it. The designs that only change KVM (seed-v1-kvm)
 * and the baseline run the base kernel's functions.
 */
#include <string.h>

#include "kvmsim/sched.h"

static const struct yield_policy_ops yield_policy_baseline = {
	.id = YIELD_BASELINE,
};

/* v1 patches 6-10 only: KVM side (virt/kvm, arch/x86/kvm); the scheduler is the base's */
static const struct yield_policy_ops yield_policy_seed_v1_kvm = {
	.id = YIELD_SEED_V1_KVM,
};

static const struct yield_policy_ops *const policies[__YIELD_POLICY_NR] = {
	[YIELD_BASELINE] = &yield_policy_baseline,
	[YIELD_SEED_V1] = &yield_policy_seed_v1,
	[YIELD_SEED_V1_SCHED] = &yield_policy_seed_v1_sched,
	[YIELD_SEED_V1_KVM] = &yield_policy_seed_v1_kvm,
	[YIELD_SEED_V2] = &yield_policy_seed_v2,
	[YIELD_LAG_CREDIT_V3] = &yield_policy_lag_credit_v3,
	[YIELD_PRATEEK] = &yield_policy_prateek,
	[YIELD_ISHIGURO] = &yield_policy_ishiguro,
	[YIELD_BORNTRAEGER] = &yield_policy_borntraeger,
	[YIELD_SEGALL_SWAP] = &yield_policy_segall_swap,
	[YIELD_NEXT_BUDDY] = &yield_policy_next_buddy,
};

const struct yield_policy_ops *yield_policy_ops_of(enum yield_policy id)
{
	if ((unsigned int)id >= __YIELD_POLICY_NR || !policies[id])
		return &yield_policy_baseline;
	return policies[id];
}

/*
 * [sched] vcpu_debooster_enabled is v1's sysctl_sched_vcpu_debooster_enabled (default 1
 * in the seed kernel). SCN_KNOB_DEFAULT: on iff the policy carries the debooster
 * (seed-v1, seed-v1-sched, seed-v2). A policy without the debooster has no such sysctl,
 * so an explicit 1 there changes nothing.
 */
void sched_yield_policy_init(struct sched_params *p, const struct scenario *s)
{
	const struct yield_policy_ops *ops = yield_policy_ops_of(s->policy.yield);
	int knob = s->sched.vcpu_debooster_enabled;

	p->yield_policy = ops->id;
	if (knob == SCN_KNOB_DEFAULT)
		knob = ops->has_debooster;
	p->sysctl_sched_vcpu_debooster_enabled = ops->has_debooster && knob;
	p->yield_deboost_rate_limit_ns = 6000 * NSEC_PER_USEC;
	p->yield_deboost_debounce_ns = 600 * NSEC_PER_USEC;
	if (ops->init)
		ops->init(p);
}

/* v1 patch 1: the per-rq fields start at 0 (times) and -1 (pids) */
void init_rq_yield(struct rq *rq)
{
	rq->yield_deboost_last_time_ns = 0;
	rq->yield_deboost_last_src_pid = -1;
	rq->yield_deboost_last_dst_pid = -1;
	rq->yield_deboost_last_pair_time_ns = 0;
	rq->yield_lag_credit_last_resched_ns = 0;
	memset(&rq->ystats, 0, sizeof(rq->ystats));
}
