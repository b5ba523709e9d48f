// SPDX-License-Identifier: GPL-2.0
/*
 * [policy] yield = seed-v1 / seed-v1-sched: the scheduler part of "[PATCH 00/10] sched/kvm:
 * Semantics-aware vCPU scheduling for oversubscribed KVM" v1 (Wanpeng Li, 10 Nov 2025,
 * <20251110033232.12538-1-kernellwp@gmail.com>, base v6.18-rc4), patches 1-5: the "vCPU
 * debooster" in kernel/sched/fair.c's yield_to_task_fair(). Rules as posted
 * (../shared/spec/vcpu-scheduling-series.md 1.1), including what review found wrong:
 *
 *   patch 1  sysctl_sched_vcpu_debooster_enabled ([sched] vcpu_debooster_enabled) and the
 *            per-rq fields (struct rq, init_rq_yield()).
 *   patch 2  yield_deboost_rate_limit(): limited iff last != 0 && now - last <= 6 ms, the
 *            timestamp refreshed on every call; yield_deboost_validate_tasks().
 *   patch 3  the LCA of yielder and target (v1's own walk, the same as find_matching_se());
 *            refused if the common cfs_rq has nr_queued <= 1 or the yielder's slice is 0.
 *   patch 4  gran = calc_delta_fair(sysctl_sched_base_slice, se_y_lca) (with the no-op
 *            gran_floor of half a slice), need = max(0, v_t - v_y) at the LCA,
 *            penalty = gran + need + need/10, the reverse-pair debounce (600 us), the
 *            queue-size cap by the common cfs_rq's nr_queued, the need == 0 floor;
 *            applied to vruntime, deadline and vlag, then update_min_vruntime().
 *   patch 5  yield_to_task_fair(): set_next_buddy() -> yield_to_deboost() -> yield_task_fair().
 *
 * Readings where the posting leaves a detail open (docs/model/policies.md):
 * - The rate limit reads rq->clock before yield_to_deboost() calls update_rq_clock(); the
 *   model's yield_to() has already brought the clock up to date, so both see "now".
 * - Calls that fail validation after the rate-limit check (target on another CPU,
 *   yielder == target) still refresh the timestamp, as the check order implies.
 * - need uses the kernel's wrap-safe signed difference; the overflow guard in the apply
 *   step is the plain u64 test v1 posted (vruntime > U64_MAX - penalty), so it also
 *   skips a penalty while a cfs_rq's vruntimes sit just below 2^64 — the first ~1 ms of
 *   its virtual time, as min_vruntime starts at -(1 << 20).
 * - update_curr(cfs_rq_common) is only called "if se_y_lca is not cfs_rq_common->curr",
 *   which never holds (the yielder runs, so its whole chain is current): v1 computes
 *   need from a stale vruntime, as Prateek pointed out.
 * - se->vlag and se->vprot are one union in v6.18 (separate fields in the model, see
 *   sched.md): v1's vlag write on the running se_y_lca also overwrites its slice
 *   protection, so the model writes both.
 */
#include <stdint.h>

#include "kernel/sched/yield_deboost.h"

/* v1 patch 2 yield_deboost_rate_limit() */
bool yield_deboost_rate_limit(struct rq *rq, u64 now_ns)
{
	u64 last = rq->yield_deboost_last_time_ns;
	u64 window = rq->host->params.yield_deboost_rate_limit_ns;
	bool limited = false;

	if (last && window)
		limited = now_ns - last <= window;
	/* refresh timestamp on every call */
	rq->yield_deboost_last_time_ns = now_ns;
	return limited;
}

/* v1 patch 2 yield_deboost_validate_tasks() (v1: rq->curr; v2: rq->donor, the same here) */
bool yield_deboost_validate_tasks(struct rq *rq, struct task_struct *p_target,
				  struct sched_entity **se_y_out, struct sched_entity **se_t_out)
{
	struct task_struct *p_yielding;

	if (!rq->host->params.sysctl_sched_vcpu_debooster_enabled)
		return false;
	rq->ystats.calls++;
	if (yield_deboost_rate_limit(rq, rq->clock)) {
		rq->ystats.rate_limited++;
		return false;
	}
	p_yielding = rq->curr;
	/* (both are fair tasks: the model has no other class) */
	if (!p_yielding || p_yielding == p_target || !p_target->se.on_rq || !p_yielding->se.on_rq ||
	    task_rq(p_yielding) != rq || task_rq(p_target) != rq) {
		rq->ystats.rejected++;
		return false;
	}
	*se_y_out = &p_yielding->se;
	*se_t_out = &p_target->se;
	return true;
}

/* v1 patch 4: upper bound by queue size: 6.0 / 4.0 / 2.5 / 2.0 / 1.5 / 1.0 x gran */
u64 yield_deboost_maxp(u64 gran, unsigned int nr_queued)
{
	if (nr_queued == 2)
		return gran * 6;
	if (nr_queued == 3)
		return gran * 4;
	if (nr_queued <= 6)
		return (gran * 5) / 2;
	if (nr_queued <= 8)
		return gran * 2;
	if (nr_queued <= 12)
		return (gran * 3) / 2;
	return gran;
}

/* v1 patch 4: the need == 0 baseline: 1.0 / 0.9375 / 0.625 / 0.5 / 0.375 / 0.25 x gran */
u64 yield_deboost_need0_base(u64 gran, unsigned int nr_queued)
{
	if (nr_queued == 3)
		return (gran * 15) / 16;
	if (nr_queued >= 4 && nr_queued <= 6)
		return (gran * 5) / 8;
	if (nr_queued >= 7 && nr_queued <= 8)
		return gran / 2;
	if (nr_queued >= 9 && nr_queued <= 12)
		return (gran * 3) / 8;
	if (nr_queued > 12)
		return gran / 4;
	return gran;
}

/* v1 patch 4 yield_deboost_apply_debounce() (the code's window: 600 us, not the comment's 300) */
u64 yield_deboost_apply_debounce(struct rq *rq, int src_pid, int dst_pid, u64 penalty, u64 need,
				 u64 gran, u64 now_ns)
{
	/* Detect reverse pair: previous was target->source */
	if (rq->yield_deboost_last_src_pid == dst_pid && rq->yield_deboost_last_dst_pid == src_pid &&
	    now_ns - rq->yield_deboost_last_pair_time_ns <= rq->host->params.yield_deboost_debounce_ns) {
		u64 alt = max(need, gran);

		rq->ystats.debounced++;
		if (penalty > alt)
			penalty = alt;
	}
	rq->yield_deboost_last_src_pid = src_pid;
	rq->yield_deboost_last_dst_pid = dst_pid;
	rq->yield_deboost_last_pair_time_ns = now_ns;
	return penalty;
}

u64 yield_deboost_need(const struct sched_entity *se_y_lca, const struct sched_entity *se_t_lca)
{
	s64 d = (s64)(se_t_lca->vruntime - se_y_lca->vruntime);

	return d > 0 ? (u64)d : 0;
}

/* v1 patch 4 yield_deboost_calculate_penalty(), from gran and need on */
u64 yield_deboost_penalty(struct rq *rq, u64 gran, u64 need, unsigned int nr_queued, int src_pid,
			  int dst_pid)
{
	u64 penalty = gran, maxp, base;

	if (need) {
		/* weighted_need = need + 10% ("alpha = 1.10") */
		u64 weighted_need = need + need / 10;

		if (weighted_need > UINT64_MAX - penalty)
			weighted_need = UINT64_MAX - penalty;
		penalty += weighted_need;
	}
	penalty = yield_deboost_apply_debounce(rq, src_pid, dst_pid, penalty, need, gran, rq->clock);
	maxp = yield_deboost_maxp(gran, nr_queued);
	if (penalty < gran)
		penalty = gran;
	if (penalty > maxp)
		penalty = maxp;
	/* If no need, apply the refined baseline push (never binds: penalty >= gran >= base) */
	if (need == 0) {
		base = yield_deboost_need0_base(gran, nr_queued);
		if (penalty < base)
			penalty = base;
	}
	return penalty;
}

/* v1 patch 4 yield_deboost_apply_penalty() */
static void yield_deboost_apply_penalty(struct rq *rq, struct sched_entity *se_y_lca,
					struct cfs_rq *cfs_rq_common, u64 penalty)
{
	u64 new_vruntime;

	/* Overflow protection (a plain u64 test: see the header comment) */
	if (se_y_lca->vruntime > UINT64_MAX - penalty)
		return;
	new_vruntime = se_y_lca->vruntime + penalty;
	if (new_vruntime <= se_y_lca->vruntime)
		return;
	se_y_lca->vruntime = new_vruntime;
	se_y_lca->deadline = se_y_lca->vruntime + calc_delta_fair(se_y_lca->slice, se_y_lca);
	se_y_lca->vlag = (s64)(avg_vruntime(cfs_rq_common) - se_y_lca->vruntime);
	/* union { vlag; vprot; } in v6.18: the running entity's protection is overwritten */
	se_y_lca->vprot = (u64)se_y_lca->vlag;
	update_min_vruntime(cfs_rq_common);
	rq->ystats.applied++;
	rq->ystats.penalty_ns += penalty;
}

/* v1 patches 2-3: validate, then the lowest common ancestor level; NULL: no deboost */
struct cfs_rq *yield_deboost_find_lca(struct rq *rq, struct task_struct *p_target,
				      struct sched_entity **se_y_lca, struct sched_entity **se_t_lca)
{
	struct cfs_rq *cfs_rq_common;

	if (!yield_deboost_validate_tasks(rq, p_target, se_y_lca, se_t_lca))
		return NULL;
	find_matching_se(se_y_lca, se_t_lca);
	cfs_rq_common = cfs_rq_of(*se_y_lca);
	if (cfs_rq_common->nr_queued <= 1 || !(*se_y_lca)->slice) {
		rq->ystats.rejected++;
		return NULL;
	}
	return cfs_rq_common;
}

/* v1 patch 5 yield_to_deboost() */
static void yield_to_deboost(struct rq *rq, struct task_struct *p_target)
{
	struct sched_entity *se_y_lca, *se_t_lca;
	struct cfs_rq *cfs_rq_common;
	u64 base_slice = rq->host->params.sysctl_sched_base_slice;
	u64 gran, gran_floor, need, penalty;

	cfs_rq_common = yield_deboost_find_lca(rq, p_target, &se_y_lca, &se_t_lca);
	if (!cfs_rq_common)
		return;
	update_rq_clock(rq);
	if (se_y_lca != cfs_rq_common->curr)
		update_curr(cfs_rq_common);

	gran = calc_delta_fair(base_slice, se_y_lca);
	/* Low-bound safeguard for gran (a no-op: removed in v2) */
	gran_floor = calc_delta_fair(base_slice >> 1, se_y_lca);
	if (gran < gran_floor)
		gran = gran_floor;
	need = yield_deboost_need(se_y_lca, se_t_lca);
	penalty = yield_deboost_penalty(rq, gran, need, cfs_rq_common->nr_queued, rq->curr->id,
					p_target->id);
	yield_deboost_apply_penalty(rq, se_y_lca, cfs_rq_common, penalty);
}

/* v1 patch 5: fair.c yield_to_task_fair() */
static bool yield_to_task_fair_seed_v1(struct rq *rq, struct task_struct *p)
{
	/* Tell the scheduler that we'd really like se to run next. */
	set_next_buddy(&p->se);
	yield_to_deboost(rq, p);
	yield_task_fair(rq);
	return true;
}

const struct yield_policy_ops yield_policy_seed_v1 = {
	.id = YIELD_SEED_V1,
	.yield_to_task = yield_to_task_fair_seed_v1,
	.has_debooster = true,
};

/* patches 1-5 alone: the same scheduler; the KVM side (patches 6-10) is not applied */
const struct yield_policy_ops yield_policy_seed_v1_sched = {
	.id = YIELD_SEED_V1_SCHED,
	.yield_to_task = yield_to_task_fair_seed_v1,
	.has_debooster = true,
};
