/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The seed's vCPU debooster (kernel/sched/yield_seed_v1.c, yield_seed_v2.c): the pieces
 * of v1 patches 2-4 that v2 keeps, exported for v2 and for the tests
 * (tests/kernel/sched/test_yield_policies.c).
 */
#ifndef KVMSIM_KERNEL_SCHED_YIELD_DEBOOST_H
#define KVMSIM_KERNEL_SCHED_YIELD_DEBOOST_H

#include "kvmsim/sched.h"

/* v1 patch 2: true = limited. Refreshes rq->yield_deboost_last_time_ns on every call. */
bool yield_deboost_rate_limit(struct rq *rq, u64 now_ns);
/* v1 patch 2: sysctl, rate limit, then the task checks; the entities of yielder and target. */
bool yield_deboost_validate_tasks(struct rq *rq, struct task_struct *p_target,
				  struct sched_entity **se_y_out, struct sched_entity **se_t_out);
/*
 * v1 patches 2-3: validate, then walk both entities up to the common cfs_rq
 * (find_matching_se()); NULL (no deboost) when validation fails or that cfs_rq has
 * nr_queued <= 1 or the yielder's entity there has no slice.
 */
struct cfs_rq *yield_deboost_find_lca(struct rq *rq, struct task_struct *p_target,
				      struct sched_entity **se_y_lca, struct sched_entity **se_t_lca);
/* v1 patch 4: the queue-size cap (maxp) and the need == 0 floor (base) for n entities. */
u64 yield_deboost_maxp(u64 gran, unsigned int nr_queued);
u64 yield_deboost_need0_base(u64 gran, unsigned int nr_queued);
/*
 * v1 patch 4 yield_deboost_apply_debounce(): a reverse pair (the last recorded pair was
 * dst -> src) within the debounce window lowers the penalty to max(need, gran); the pair
 * (src, dst, now) is always recorded.
 */
u64 yield_deboost_apply_debounce(struct rq *rq, int src_pid, int dst_pid, u64 penalty, u64 need,
				 u64 gran, u64 now_ns);
/*
 * v1 patch 4 yield_deboost_calculate_penalty() after gran and need are known:
 * gran + need + need/10, debounce, clamp to [gran, maxp], the need == 0 floor.
 */
u64 yield_deboost_penalty(struct rq *rq, u64 gran, u64 need, unsigned int nr_queued, int src_pid,
			  int dst_pid);
/* need = max(0, v(target at the LCA) - v(yielder at the LCA)), wrap-safe */
u64 yield_deboost_need(const struct sched_entity *se_y_lca, const struct sched_entity *se_t_lca);

#endif
