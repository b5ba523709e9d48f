// SPDX-License-Identifier: GPL-2.0
/*
 * sched_yield() and yield_to(), modeled on Linux v6.18 kernel/sched/syscalls.c (they
 * moved there from core.c in v6.11). rq->donor == rq->curr: no proxy execution.
 */
#include <errno.h>

#include "kvmsim/sched.h"

/* syscalls.c: do_sched_yield() — the class's yield_task, then schedule() */
void do_sched_yield(struct task_struct *curr)
{
	struct rq *rq = task_rq(curr);

	update_rq_clock(rq);
	yield_task_fair(rq);
	rq->host->this_cpu = rq->cpu;
	__schedule(rq);
}

/*
 * syscalls.c: yield_to(). @curr is the running task that yields (KVM: the spinning
 * vCPU's thread). Returns -ESRCH when both run queues hold a single task, 0 when the
 * target is running or not runnable (or the class refuses), 1 when the yield happened —
 * after which @curr has already been through schedule().
 */
int yield_to(struct task_struct *curr, struct task_struct *p, bool preempt)
{
	struct rq *rq = task_rq(curr), *p_rq = task_rq(p);
	int yielded = 0;

	if (rq->nr_running == 1 && p_rq->nr_running == 1)
		return -ESRCH;
	if (task_on_cpu(p_rq, p) || !task_is_running(p))
		return 0;
	update_rq_clock(rq);
	update_rq_clock(p_rq);
	yielded = yield_to_task_fair(rq, p);
	if (yielded && preempt && rq != p_rq)
		resched_curr(p_rq);
	if (yielded) {
		rq->host->this_cpu = rq->cpu;
		__schedule(rq);
	}
	return yielded;
}
