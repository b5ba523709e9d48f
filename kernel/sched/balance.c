// SPDX-License-Identifier: GPL-2.0
/*
 * Task placement and load balancing, a deliberately small model of Linux v6.18
 * kernel/sched/fair.c: select_task_rq_fair() (fork: the least loaded CPU; wakeup:
 * select_idle_sibling()'s "previous CPU if idle, else the next idle CPU, else previous"),
 * periodic balancing that moves one queued task from the busiest CPU when the run queues
 * differ by two or more, nohz idle balancing by kicking an idle CPU, and newidle balancing
 * that pulls one queued task. There are no sched domains, no PELT-based imbalance
 * computation and no misfit/active balancing: docs/model/sched.md says what follows.
 */
#include "kvmsim/sched.h"

static bool cpu_idle(struct rq *rq)
{
	return !rq->curr && !rq->nr_running;
}

/* fair.c: select_task_rq_fair() */
int select_task_rq_fair(struct task_struct *p, int prev_cpu, int wake_flags)
{
	struct host *h = p->host;
	int best = -1;

	if (p->nr_cpus_allowed == 1)
		return cpumask_next_from(0, &p->cpus_mask);
	if (wake_flags & WF_FORK) {
		/* sched_balance_find_dst_cpu(): the idlest CPU (fewest queued tasks) */
		for (int c = 0; c < h->nr_cpus; c++) {
			if (!cpumask_test_cpu(c, &p->cpus_mask))
				continue;
			if (best < 0 || h->rqs[c].nr_running < h->rqs[best].nr_running)
				best = c;
		}
		return best;
	}
	/* select_idle_sibling(): target = prev; then scan from target + 1 */
	if (cpumask_test_cpu(prev_cpu, &p->cpus_mask) && cpu_idle(&h->rqs[prev_cpu]))
		return prev_cpu;
	for (int i = 1; i <= h->nr_cpus; i++) {
		int c = (prev_cpu + i) % h->nr_cpus;

		if (cpumask_test_cpu(c, &p->cpus_mask) && cpu_idle(&h->rqs[c]))
			return c;
	}
	return cpumask_test_cpu(prev_cpu, &p->cpus_mask) ? prev_cpu
							 : cpumask_next_from(0, &p->cpus_mask);
}

/* fair.c: can_migrate_task(), without the affinity-failure and hot-retry accounting */
static bool can_migrate_task(struct task_struct *p, struct rq *src, struct rq *dst, bool hot_ok)
{
	struct host *h = dst->host;

	if (p->cpu != src->cpu || !p->se.on_rq || p->se.sched_delayed || task_on_cpu(src, p))
		return false;
	if (!cpumask_test_cpu(dst->cpu, &p->cpus_mask))
		return false;
	/* task_hot(): ran within sysctl_sched_migration_cost; a buddy is hot (CACHE_HOT_BUDDY) */
	if (!hot_ok) {
		if (h->sim->now - p->last_ran < h->params.sysctl_sched_migration_cost)
			return false;
		if (sched_feat(h, CACHE_HOT_BUDDY) && src->cfs.next &&
		    (src->cfs.next == &p->se || p->se.parent == src->cfs.next))
			return false;
	}
	return true;
}

/* fair.c: detach_task() + attach_task() */
static void move_task(struct task_struct *p, struct rq *src, struct rq *dst)
{
	update_rq_clock(src);
	update_rq_clock(dst);
	deactivate_task(src, p, 0);
	set_task_cpu(p, dst->cpu);
	activate_task(dst, p, ENQUEUE_MIGRATED);
	wakeup_preempt(dst, p, 0);
}

static struct rq *find_busiest(struct rq *rq, unsigned int min_running)
{
	struct host *h = rq->host;
	struct rq *busiest = NULL;

	for (int c = 0; c < h->nr_cpus; c++) {
		struct rq *o = &h->rqs[c];

		if (o == rq || o->nr_running < min_running)
			continue;
		if (!busiest || o->nr_running > busiest->nr_running)
			busiest = o;
	}
	return busiest;
}

static bool pull_one(struct rq *rq, struct rq *busiest, bool hot_ok)
{
	struct host *h = rq->host;

	for (int i = 0; i < h->nr_tasks; i++) {
		struct task_struct *p = h->tasks[i];

		if (can_migrate_task(p, busiest, rq, hot_ok)) {
			move_task(p, busiest, rq);
			return true;
		}
	}
	return false;
}

/* fair.c: sched_balance_newidle(): pull one queued task from the busiest CPU */
int sched_balance_newidle(struct rq *rq)
{
	struct rq *busiest = find_busiest(rq, 2);

	return busiest && pull_one(rq, busiest, true) ? 1 : 0;
}

/*
 * fair.c: sched_balance_rq() from the periodic trigger, and nohz_balancer_kick(): a busy
 * CPU with queued tasks kicks the first idle CPU, which pulls one.
 */
void sched_balance_rq(struct rq *rq)
{
	struct host *h = rq->host;
	struct rq *busiest;

	if (rq->nr_running >= 2) {
		for (int c = 0; c < h->nr_cpus; c++)
			if (cpu_idle(&h->rqs[c])) {
				if (pull_one(&h->rqs[c], rq, true))
					resched_curr(&h->rqs[c]);
				break;
			}
	}
	busiest = find_busiest(rq, 2);
	if (busiest && busiest->nr_running >= rq->nr_running + 2)
		pull_one(rq, busiest, false);
}
