// SPDX-License-Identifier: GPL-2.0
/*
 * [policy] yield = borntraeger: Christian Borntraeger, "[PATCH 1/1] sched/fair: improve
 * yield_to vs fairness" (7 Jul 2021; ../shared/spec/vcpu-scheduling-series.md 1.5). It
 * changes fair.c's yield_to_task_fair(): after yield_task_fair(), give the yielding task
 * a "fake" penalty, curr->vruntime += sched_slice(cfs_rq_of(curr), curr) — the task-level
 * entity only (Vincent Guittot's objection: the cgroup entities stay unchanged).
 *
 * sched_slice() is CFS's (v5.14, the patch's base; removed with EEVDF in v6.6): the
 * period __sched_period(nr) = sysctl_sched_latency (6 ms) for nr <= sched_nr_latency (8),
 * else nr * sysctl_sched_min_granularity (0.75 ms), both scaled by the base slice's
 * CPU-count factor; with ALT_PERIOD nr = the root's runnable tasks (h_nr_runnable);
 * scaled by weight / cfs_rq load at every level up to the root; at least the minimum
 * granularity (BASE_SLICE). The wall-clock slice is added to vruntime unweighted, as the
 * patch does. docs/model/policies.md.
 */
#include "kvmsim/sched.h"

#define SCHED_NR_LATENCY 8u

static u64 cfs_factor(const struct sched_params *p)
{
	u64 f = p->sysctl_sched_base_slice / max(p->normalized_sysctl_sched_base_slice, 1ull);

	return max(f, 1ull);
}

/* CFS fair.c __sched_period() */
static u64 __sched_period(const struct sched_params *p, unsigned long nr_running)
{
	if (unlikely(nr_running > SCHED_NR_LATENCY))
		return nr_running * 750000ull * cfs_factor(p);
	return 6000000ull * cfs_factor(p);
}

/* CFS fair.c sched_slice() (v5.14, ALT_PERIOD and BASE_SLICE on) */
static u64 sched_slice(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	const struct sched_params *p = &cfs_host(cfs_rq)->params;
	unsigned long nr_running = cfs_rq->rq->cfs.h_nr_runnable;
	u64 slice = __sched_period(p, nr_running + !se->on_rq);

	for_each_sched_entity(se) {
		struct load_weight lw = cfs_rq_of(se)->load;

		if (unlikely(!se->on_rq)) {
			lw.weight += se->load.weight;
			lw.inv_weight = 0;
		}
		slice = __calc_delta(slice, se->load.weight, &lw);
	}
	return max(slice, 750000ull * cfs_factor(p));
}

static bool yield_to_task_fair_borntraeger(struct rq *rq, struct task_struct *p)
{
	struct sched_entity *curr = &rq->curr->se;

	rq->ystats.calls++;
	set_next_buddy(&p->se);
	yield_task_fair(rq);
	/*
	 * "There is absolutely no point in continuing the current task, even if this means
	 * to become unfairer. Let us give the current process some 'fake' penalty."
	 */
	curr->vruntime += sched_slice(cfs_rq_of(curr), curr);
	rq->ystats.applied++;
	return true;
}

const struct yield_policy_ops yield_policy_borntraeger = {
	.id = YIELD_BORNTRAEGER,
	.yield_to_task = yield_to_task_fair_borntraeger,
};
