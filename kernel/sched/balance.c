// SPDX-License-Identifier: GPL-2.0
/*
 * Task placement and load balancing, after Linux v6.18 kernel/sched/fair.c (the
 * "Fair scheduling class load-balancing methods" part) and kernel/sched/topology.c
 * (sd_init()).
 *
 * Placement: select_task_rq_fair() for fork (the CPU with the fewest queued tasks) and
 * wakeup (select_idle_sibling()'s "previous CPU if idle, else an idle CPU, else previous").
 *
 * Balancing: one sched domain level spanning all CPUs, one group per CPU, the flags of an
 * MC level (SD_SHARE_LLC, no SMT, no NUMA, no asymmetric capacity). The periodic balance
 * (sched_balance_trigger() -> sched_balance_domains() -> sched_balance_rq()), the nohz
 * idle balance (nohz_balancer_kick() -> _nohz_idle_balance()), the newidle balance
 * (sched_balance_newidle()) and active balancing (active_load_balance_cpu_stop()) follow
 * the kernel's code paths for that topology; the branches that need SMT, NUMA, misfit or
 * asym-packing groups are left out. docs/model/sched.md lists every simplification.
 */
#include "kvmsim/sched.h"

/* include/linux/sched/topology.h: the flags the model's level can have */
#define SD_BALANCE_NEWIDLE 0x0001
#define SD_BALANCE_EXEC 0x0002
#define SD_BALANCE_FORK 0x0004
#define SD_WAKE_AFFINE 0x0010
#define SD_SHARE_LLC 0x0200
#define SD_PREFER_SIBLING 0x1000

#define SCHED_CAPACITY_SCALE 1024ul
/* fair.c: sysctl_sched_nr_migrate (32 without PREEMPT_RT) */
#define SCHED_NR_MIGRATE 32u
/* fair.c: MAX_PINNED_INTERVAL, in ms */
#define MAX_PINNED_INTERVAL 512u

/* kernel/sched/sched.h since v6.10: __CPU_NOT_IDLE is 0, so "env->idle" means idle */
enum cpu_idle_type {
	__CPU_NOT_IDLE = 0,
	CPU_IDLE,
	CPU_NEWLY_IDLE,
};

/* fair.c: enum group_type, in the kernel's order (the balancer compares them) */
enum group_type {
	group_has_spare = 0,
	group_fully_busy,
	group_misfit_task,
	group_smt_balance,
	group_asym_packing,
	group_imbalanced,
	group_overloaded,
};

/* fair.c: enum migration_type */
enum migration_type {
	migrate_load = 0,
	migrate_util,
	migrate_task,
	migrate_misfit,
};

#define LBF_ALL_PINNED 0x01
#define LBF_DST_PINNED 0x04
#define LBF_SOME_PINNED 0x08
#define LBF_ACTIVE_LB 0x10

struct lb_env {
	struct sched_domain *sd;
	struct rq *src_rq;
	int src_cpu;
	int dst_cpu;
	struct rq *dst_rq;
	enum cpu_idle_type idle;
	long imbalance;
	struct cpumask cpus;
	unsigned int flags;
	unsigned int loop;
	unsigned int loop_max;
	enum migration_type migration_type;
	/* env->tasks: detached, to be attached to dst_rq */
	struct task_struct *tasks[SCHED_NR_MIGRATE];
	int nr_tasks;
};

/* fair.c: struct sg_lb_stats, the fields a group of one CPU without SMT needs */
struct sg_lb_stats {
	unsigned long avg_load;
	unsigned long group_load;
	unsigned long group_capacity;
	unsigned long group_util;
	unsigned long group_runnable;
	unsigned int sum_nr_running;
	unsigned int sum_h_nr_running;
	unsigned int idle_cpus;
	unsigned int group_weight;
	enum group_type group_type;
};

/* fair.c: struct sd_lb_stats; a group is a CPU here, so groups are CPU numbers */
struct sd_lb_stats {
	int busiest;
	int local;
	unsigned long total_load;
	unsigned long total_capacity;
	unsigned long avg_load;
	unsigned int prefer_sibling;
	struct sg_lb_stats busiest_stat;
	struct sg_lb_stats local_stat;
};

static inline u64 jiffies(struct host *h)
{
	return h->sim->now / h->params.tick_nsec;
}

/* core.c: idle_cpu() */
static bool idle_cpu(struct rq *rq)
{
	return !rq->curr && !rq->nr_running;
}

/* ------------------------------------------------------------------ placement */

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
	if (cpumask_test_cpu(prev_cpu, &p->cpus_mask) && idle_cpu(&h->rqs[prev_cpu]))
		return prev_cpu;
	for (int i = 1; i <= h->nr_cpus; i++) {
		int c = (prev_cpu + i) % h->nr_cpus;

		if (cpumask_test_cpu(c, &p->cpus_mask) && idle_cpu(&h->rqs[c]))
			return c;
	}
	return cpumask_test_cpu(prev_cpu, &p->cpus_mask) ? prev_cpu
							 : cpumask_next_from(0, &p->cpus_mask);
}

/* ------------------------------------------------------------------ the CPU's signals */

static u64 rq_busy_ns(struct rq *rq, u64 now)
{
	return now - rq->idle_ns - (rq->curr ? 0 : now - rq->idle_since);
}

/*
 * The CPU's util_avg, model form: a PELT average (pelt.c's, 32 ms half-life) of the time
 * the CPU was busy, sampled at every tick of a busy CPU and at every balance; between two
 * samples the busy time is taken as spread evenly.
 */
static void update_cpu_util(struct rq *rq, u64 now)
{
	u64 busy = rq_busy_ns(rq, now), dt = now - rq->util_avg.last_update_time;

	if (!dt)
		return;
	___update_load_avg(now, &rq->util_avg,
			   (unsigned long)((busy - rq->util_busy_ns) * SCHED_CAPACITY_SCALE / dt));
	rq->util_busy_ns = busy;
}

/* fair.c: capacity_of(): no RT, deadline or IRQ pressure in the model */
static unsigned long capacity_of(struct rq *rq)
{
	return SCHED_CAPACITY_SCALE;
}

/* fair.c: cpu_util_cfs(): util_avg clamped to the CPU's capacity (no util_est) */
static unsigned long cpu_util_cfs(struct rq *rq)
{
	update_cpu_util(rq, rq->host->sim->now);
	return min((unsigned long)(rq->util_avg.load_avg_fp >> PELT_FP_SHIFT), capacity_of(rq));
}

/*
 * fair.c: cpu_runnable() (cfs_rq->avg.runnable_avg). Model: taken at this instant, 1024
 * per runnable task, instead of its PELT average.
 */
static unsigned long cpu_runnable(struct rq *rq)
{
	return SCHED_CAPACITY_SCALE * rq->cfs.h_nr_runnable;
}

/* The load average of @cfs_rq, decayed to now (sched_balance_update_blocked_averages()). */
static unsigned long cfs_rq_load(struct cfs_rq *cfs_rq)
{
	update_cfs_rq_load_avg(cfs_rq->rq->host->sim->now, cfs_rq);
	return (unsigned long)cfs_rq_load_avg(cfs_rq);
}

/* fair.c: cpu_load() */
static unsigned long cpu_load(struct rq *rq)
{
	return cfs_rq_load(&rq->cfs);
}

/*
 * An entity's se->avg.load_avg. The model keeps no per-entity averages; it takes the
 * entity's weight, which is what the kernel's converges to for an entity that is always
 * runnable (a hog, or a group with a hog in it). Too high for an entity that sleeps.
 */
static unsigned long se_load_avg(struct sched_entity *se)
{
	return se->load.weight;
}

/* fair.c: update_cfs_rq_h_load(), computed afresh (the kernel caches it per jiffy) */
static unsigned long cfs_rq_h_load(struct cfs_rq *cfs_rq)
{
	struct sched_entity *se = cfs_rq->tg->se ? cfs_rq->tg->se[cfs_rq->rq->cpu] : NULL;
	struct cfs_rq *parent;

	if (!se)
		return cfs_rq_load(cfs_rq);
	parent = cfs_rq_of(se);
	return (unsigned long)((u64)cfs_rq_h_load(parent) * se_load_avg(se) /
			       (cfs_rq_load(parent) + 1));
}

/* fair.c: task_h_load() */
static unsigned long task_h_load(struct task_struct *p)
{
	struct cfs_rq *cfs_rq = cfs_rq_of(&p->se);

	return (unsigned long)((u64)se_load_avg(&p->se) * cfs_rq_h_load(cfs_rq) /
			       (cfs_rq_load(cfs_rq) + 1));
}

/* ------------------------------------------------------------------ moving tasks */

#define MAX_CHAIN 64

/* The cfs_rqs of @p's hierarchy on its CPU, bottom-up, and their load.weight now. */
static int task_cfs_chain(struct task_struct *p, struct cfs_rq **chain, unsigned long *weight)
{
	struct sched_entity *se = &p->se;
	int n = 0;

	for_each_sched_entity(se) {
		if (n == MAX_CHAIN)
			break;
		chain[n] = cfs_rq_of(se);
		weight[n] = chain[n]->load.weight;
		n++;
	}
	return n;
}

/*
 * The load averages move with the task: attach_entity_load_avg(), detach_entity_load_avg()
 * and their propagation to the parents (update_tg_cfs_load(), update_tg_load_avg()), in the
 * model's form (pelt.c: cfs_rq_move_load_avg()). Bottom-up, so that a group entity is
 * reweighted from its group's new average before its parent's change is taken.
 */
static void move_load_avgs(struct cfs_rq **chain, const unsigned long *before, int n)
{
	for (int i = 0; i < n; i++) {
		struct cfs_rq *cfs_rq = chain[i];

		update_cfs_rq_load_avg(cfs_rq->rq->host->sim->now, cfs_rq);
		cfs_rq_move_load_avg(cfs_rq, (long)cfs_rq->load.weight - (long)before[i]);
		update_tg_load_avg(cfs_rq);
		if (cfs_rq->tg->se)
			update_cfs_group(cfs_rq->tg->se[cfs_rq->rq->cpu]);
	}
}

/*
 * fair.c: detach_task(). The task that runs on src_rq can only be detached by the active
 * balance, whose stopper has preempted it in the kernel: here it is dequeued while current
 * and src_rq reschedules at once.
 */
static void detach_task(struct task_struct *p, struct lb_env *env)
{
	struct cfs_rq *chain[MAX_CHAIN];
	unsigned long before[MAX_CHAIN];
	int n = task_cfs_chain(p, chain, before);
	bool running = task_on_cpu(env->src_rq, p);

	deactivate_task(env->src_rq, p, 0);
	move_load_avgs(chain, before, n);
	if (running)
		__schedule(env->src_rq);
	set_task_cpu(p, env->dst_cpu);
}

/* fair.c: attach_task() (activate_task() adds ENQUEUE_MIGRATED for a migrating task) */
static void attach_task(struct rq *rq, struct task_struct *p)
{
	struct cfs_rq *chain[MAX_CHAIN];
	unsigned long before[MAX_CHAIN];
	int n = task_cfs_chain(p, chain, before);

	activate_task(rq, p, ENQUEUE_MIGRATED);
	move_load_avgs(chain, before, n);
	wakeup_preempt(rq, p, 0);
}

/* fair.c: attach_tasks() */
static void attach_tasks(struct lb_env *env)
{
	update_rq_clock(env->dst_rq);
	for (int i = 0; i < env->nr_tasks; i++)
		attach_task(env->dst_rq, env->tasks[i]);
	env->nr_tasks = 0;
}

/*
 * rq->cfs_tasks from its tail: the queued task of @rq with the smallest stamp that is
 * above @after (0: from the tail), or NULL. Detached tasks have left the rq.
 */
static struct task_struct *cfs_tasks_prev(struct rq *rq, u64 after)
{
	struct host *h = rq->host;
	struct task_struct *best = NULL;

	for (int i = 0; i < h->nr_tasks; i++) {
		struct task_struct *p = h->tasks[i];

		if (p->cpu != rq->cpu || !p->se.on_rq || p->cfs_tasks_seq <= after)
			continue;
		if (!best || p->cfs_tasks_seq < best->cfs_tasks_seq)
			best = p;
	}
	return best;
}

/*
 * fair.c: task_hot(): a task that ran within sysctl_sched_migration_cost on its CPU is
 * cache hot, and so is the buddy of its cfs_rq when the destination has tasks
 * (CACHE_HOT_BUDDY). A migrated task has exec_start == 0 (migrate_task_rq_fair()).
 */
static int task_hot(struct task_struct *p, struct lb_env *env)
{
	struct host *h = p->host;
	s64 delta;

	if (sched_feat(h, CACHE_HOT_BUDDY) && env->dst_rq->nr_running &&
	    &p->se == cfs_rq_of(&p->se)->next)
		return 1;
	if (h->params.sysctl_sched_migration_cost == 0)
		return 0;
	delta = (s64)(env->src_rq->clock_task - p->se.exec_start);
	return delta < (s64)h->params.sysctl_sched_migration_cost;
}

/*
 * fair.c: task_is_ineligible_on_dst_cpu(): with PLACE_LAG, a task that is not eligible on
 * its cfs_rq will not be on a busy destination either.
 */
static int task_is_ineligible_on_dst_cpu(struct task_struct *p, int dest_cpu)
{
	struct cfs_rq *dst_cfs_rq = p->tg->cfs_rq[dest_cpu];

	return sched_feat(p->host, PLACE_LAG) && dst_cfs_rq->nr_queued &&
	       !entity_eligible(cfs_rq_of(&p->se), &p->se);
}

/* fair.c: can_migrate_task() (no throttling, no per-CPU kthreads, no NUMA locality) */
static int can_migrate_task(struct task_struct *p, struct lb_env *env)
{
	int tsk_cache_hot;

	/* 1) delayed dequeued unless we migrate load */
	if (p->se.sched_delayed && env->migration_type != migrate_load)
		return 0;
	/* ineligible tasks only once a balance has failed */
	if (!env->sd->nr_balance_failed && task_is_ineligible_on_dst_cpu(p, env->dst_cpu))
		return 0;
	if (!cpumask_test_cpu(env->dst_cpu, &p->cpus_mask)) {
		env->flags |= LBF_SOME_PINNED;
		/*
		 * The kernel looks for another CPU of the destination group (LBF_DST_PINNED);
		 * the model's groups are single CPUs, so there is none.
		 */
		return 0;
	}
	/* Record that we found at least one task that could run on dst_cpu */
	env->flags &= ~LBF_ALL_PINNED;
	/* The stopper of an active balance has preempted src's current task. */
	if (task_on_cpu(env->src_rq, p) && !(env->flags & LBF_ACTIVE_LB))
		return 0;
	/*
	 * Aggressive migration if:
	 * 1) active balance
	 * 2) task is cache cold, or
	 * 3) too many balance attempts have failed.
	 */
	if (env->flags & LBF_ACTIVE_LB)
		return 1;
	tsk_cache_hot = task_hot(p, env);
	if (tsk_cache_hot <= 0 || env->sd->nr_balance_failed > env->sd->cache_nice_tries)
		return 1;
	return 0;
}

/* fair.c: shr_bound() */
static unsigned long shr_bound(unsigned long val, unsigned int shift)
{
	return val >> min(shift, (unsigned int)(sizeof(val) * 8 - 1));
}

/*
 * fair.c: detach_tasks(). Tasks are taken from the tail of src_rq->cfs_tasks (the least
 * recently run first); one that is passed over goes to the head. The kernel builds with
 * CONFIG_PREEMPTION (PREEMPT_DYNAMIC), so a newidle balance stops after one task. The
 * sched_nr_migrate break (LBF_NEED_BREAK) cannot trigger: loop_max <= 32.
 */
static int detach_tasks(struct lb_env *env)
{
	struct task_struct *p;
	unsigned long util, load;
	int detached = 0;
	u64 walk = 0;

	/*
	 * Source run queue has been emptied by another CPU, clear LBF_ALL_PINNED flag as
	 * we will not test any task.
	 */
	if (env->src_rq->nr_running <= 1) {
		env->flags &= ~LBF_ALL_PINNED;
		return 0;
	}
	if (env->imbalance <= 0)
		return 0;

	while ((p = cfs_tasks_prev(env->src_rq, walk))) {
		/* We don't want to steal all, otherwise we may be treated likewise. */
		if (env->idle && env->src_rq->nr_running <= 1)
			break;
		env->loop++;
		/* We've more or less seen every task there is, call it quits */
		if (env->loop > env->loop_max)
			break;
		walk = p->cfs_tasks_seq;

		if (!can_migrate_task(p, env))
			goto next;

		switch (env->migration_type) {
		case migrate_load:
			/* task_h_load() can be 0: make sure that env->imbalance decreases */
			load = max(task_h_load(p), 1ul);
			/* LB_MIN is off by default. */
			/*
			 * Make sure that we don't migrate too much load. Nevertheless, let relax
			 * the constraint if scheduler fails to find a good waiting task to migrate.
			 */
			if (shr_bound(load, env->sd->nr_balance_failed) > (unsigned long)env->imbalance)
				goto next;
			env->imbalance -= (long)load;
			break;
		case migrate_util:
			/* task_util_est(): the model has no per-task util; the task's weight share */
			util = min(se_load_avg(&p->se), SCHED_CAPACITY_SCALE);
			if (shr_bound(util, env->sd->nr_balance_failed) > (unsigned long)env->imbalance)
				goto next;
			env->imbalance -= (long)util;
			break;
		case migrate_task:
			env->imbalance--;
			break;
		case migrate_misfit:
			goto next; /* no asymmetric capacity: no misfit task */
		}

		detach_task(p, env);
		env->tasks[env->nr_tasks++] = p;
		detached++;
		/* CONFIG_PREEMPTION: NEWIDLE balancing stops after the first task */
		if (env->idle == CPU_NEWLY_IDLE)
			break;
		/* We only want to steal up to the prescribed amount of load/util/tasks. */
		if (env->imbalance <= 0)
			break;
		continue;
next:
		cfs_tasks_add_head(p); /* list_move(&p->se.group_node, tasks) */
	}
	env->sd->lb_gained += (u64)detached;
	return detached;
}

/* ------------------------------------------------------------------ statistics */

/* fair.c: group_has_capacity() */
static bool group_has_capacity(unsigned int imbalance_pct, struct sg_lb_stats *sgs)
{
	if (sgs->sum_nr_running < sgs->group_weight)
		return true;
	if ((sgs->group_capacity * imbalance_pct) < (sgs->group_runnable * 100))
		return false;
	if ((sgs->group_capacity * 100) > (sgs->group_util * imbalance_pct))
		return true;
	return false;
}

/* fair.c: group_is_overloaded() */
static bool group_is_overloaded(unsigned int imbalance_pct, struct sg_lb_stats *sgs)
{
	if (sgs->sum_nr_running <= sgs->group_weight)
		return false;
	if ((sgs->group_capacity * 100) < (sgs->group_util * imbalance_pct))
		return true;
	if ((sgs->group_capacity * imbalance_pct) < (sgs->group_runnable * 100))
		return true;
	return false;
}

/*
 * fair.c: group_classify(). sg_imbalanced() (sgc->imbalance) is set only by the balance
 * of a child domain that pinned tasks defeated; the model's level has no child, so
 * group_imbalanced does not occur. No misfit, asym-packing or SMT groups either.
 */
static enum group_type group_classify(unsigned int imbalance_pct, struct sg_lb_stats *sgs)
{
	if (group_is_overloaded(imbalance_pct, sgs))
		return group_overloaded;
	if (!group_has_capacity(imbalance_pct, sgs))
		return group_fully_busy;
	return group_has_spare;
}

/* fair.c: update_sg_lb_stats() for the group of CPU @cpu */
static void update_sg_lb_stats(struct lb_env *env, struct sd_lb_stats *sds, int cpu,
			       struct sg_lb_stats *sgs)
{
	struct rq *rq = &env->dst_rq->host->rqs[cpu];

	*sgs = (struct sg_lb_stats){0};
	if (cpumask_test_cpu(cpu, &env->cpus)) {
		unsigned int nr_running = rq->nr_running;

		sgs->group_load += cpu_load(rq);
		sgs->group_util += cpu_util_cfs(rq);
		sgs->group_runnable += cpu_runnable(rq);
		sgs->sum_h_nr_running += rq->cfs.h_nr_runnable;
		sgs->sum_nr_running += nr_running;
		if (!nr_running && idle_cpu(rq))
			sgs->idle_cpus++;
	}
	sgs->group_capacity = capacity_of(rq);
	sgs->group_weight = 1;
	sgs->group_type = group_classify(env->sd->imbalance_pct, sgs);
	/* Computing avg_load makes sense only when group is overloaded */
	if (sgs->group_type == group_overloaded)
		sgs->avg_load = (sgs->group_load * SCHED_CAPACITY_SCALE) / sgs->group_capacity;
}

/* fair.c: update_sd_pick_busiest() (no misfit, asym-packing, SMT or asym capacity) */
static bool update_sd_pick_busiest(struct lb_env *env, struct sd_lb_stats *sds,
				   struct sg_lb_stats *sgs)
{
	struct sg_lb_stats *busiest = &sds->busiest_stat;

	/* Make sure that there is at least one task to pull */
	if (!sgs->sum_h_nr_running)
		return false;
	if (sgs->group_type > busiest->group_type)
		return true;
	if (sgs->group_type < busiest->group_type)
		return false;
	switch (sgs->group_type) {
	case group_overloaded:
		/* Select the overloaded group with highest avg_load. */
		return sgs->avg_load > busiest->avg_load;
	case group_imbalanced:
		/* Select the 1st imbalanced group */
		return false;
	case group_fully_busy:
		/* avg_load is not computed for it (0): the first one stays */
		if (sgs->avg_load < busiest->avg_load)
			return false;
		break;
	case group_has_spare:
		/* the fewest idle CPUs, then the most running tasks */
		if (sgs->idle_cpus > busiest->idle_cpus)
			return false;
		else if (sgs->idle_cpus == busiest->idle_cpus &&
			 sgs->sum_nr_running <= busiest->sum_nr_running)
			return false;
		break;
	default:
		break;
	}
	return true;
}

/* fair.c: update_sd_lb_stats() (the root-domain overload flags are not kept) */
static void update_sd_lb_stats(struct lb_env *env, struct sd_lb_stats *sds)
{
	struct host *h = env->dst_rq->host;

	for (int cpu = 0; cpu < h->nr_cpus; cpu++) {
		struct sg_lb_stats tmp, *sgs = &tmp;
		bool local_group = cpu == env->dst_cpu;

		if (local_group) {
			sds->local = cpu;
			sgs = &sds->local_stat;
		}
		update_sg_lb_stats(env, sds, cpu, sgs);
		if (!local_group && update_sd_pick_busiest(env, sds, sgs)) {
			sds->busiest = cpu;
			sds->busiest_stat = *sgs;
		}
		sds->total_load += sgs->group_load;
		sds->total_capacity += sgs->group_capacity;
	}
	/* the flags of a group are its child domain's: none at the lowest level */
	if (sds->busiest >= 0)
		sds->prefer_sibling = 0;
}

/* fair.c: sibling_imbalance() (groups of one core each) */
static long sibling_imbalance(struct lb_env *env, struct sd_lb_stats *sds,
			      struct sg_lb_stats *busiest, struct sg_lb_stats *local)
{
	long imbalance;

	if (!env->idle || !busiest->sum_nr_running)
		return 0;
	/* ncores_busiest == ncores_local */
	imbalance = (long)busiest->sum_nr_running - (long)local->sum_nr_running;
	return max(imbalance, 0l);
}

/* fair.c: calculate_imbalance() (no misfit, asym-packing, SMT or NUMA cases) */
static void calculate_imbalance(struct lb_env *env, struct sd_lb_stats *sds)
{
	struct sg_lb_stats *local = &sds->local_stat, *busiest = &sds->busiest_stat;

	if (busiest->group_type == group_imbalanced) {
		/*
		 * In the group_imb case we cannot rely on group-wide averages to ensure
		 * CPU-load equilibrium, try to move any task to fix the imbalance.
		 */
		env->migration_type = migrate_task;
		env->imbalance = 1;
		return;
	}

	/* Try to use spare capacity of local group without overloading it or emptying busiest. */
	if (local->group_type == group_has_spare) {
		if (busiest->group_type > group_fully_busy && !(env->sd->flags & SD_SHARE_LLC)) {
			/* If busiest is overloaded, try to fill spare capacity. */
			env->migration_type = migrate_util;
			env->imbalance = (long)(max(local->group_capacity, local->group_util) -
						local->group_util);
			/* the local CPU is (newly) idle: try to pull a waiting task anyway */
			if (env->idle && env->imbalance == 0) {
				env->migration_type = migrate_task;
				env->imbalance = 1;
			}
			return;
		}
		if (busiest->group_weight == 1 || sds->prefer_sibling) {
			/* When prefer sibling, evenly spread running tasks on groups. */
			env->migration_type = migrate_task;
			env->imbalance = sibling_imbalance(env, sds, busiest, local);
		} else {
			/* If there is no overload, we just want to even the number of idle CPUs. */
			env->migration_type = migrate_task;
			env->imbalance = max((long)local->idle_cpus - (long)busiest->idle_cpus, 0l);
		}
		/* Number of tasks to move to restore balance */
		env->imbalance >>= 1;
		return;
	}

	/* Local is fully busy but has to take more load to relieve the busiest group */
	if (local->group_type < group_overloaded) {
		local->avg_load = (local->group_load * SCHED_CAPACITY_SCALE) / local->group_capacity;
		/* If the local group is more loaded than the selected busiest group don't pull */
		if (local->avg_load >= busiest->avg_load) {
			env->imbalance = 0;
			return;
		}
		sds->avg_load = (sds->total_load * SCHED_CAPACITY_SCALE) / sds->total_capacity;
		/* If the local group is more loaded than the average system load, don't pull */
		if (local->avg_load >= sds->avg_load) {
			env->imbalance = 0;
			return;
		}
	}

	/*
	 * Both group are or will become overloaded and we're trying to get all the CPUs to
	 * the average_load: the minimum possible imbalance.
	 */
	env->migration_type = migrate_load;
	env->imbalance = (long)(min((busiest->avg_load - sds->avg_load) * busiest->group_capacity,
				    (sds->avg_load - local->avg_load) * local->group_capacity) /
				SCHED_CAPACITY_SCALE);
}

/*
 * fair.c: sched_balance_find_src_group() (find_busiest_group() before v6.10); returns the
 * busiest group's CPU or -1. No EAS (rd->pd), so the overutilized test does not apply.
 */
static int sched_balance_find_src_group(struct lb_env *env)
{
	struct sg_lb_stats *local, *busiest;
	struct sd_lb_stats sds = {
		.busiest = -1,
		.local = -1,
		/* init_sd_lb_stats() */
		.busiest_stat = {.idle_cpus = ~0u, .group_type = group_has_spare},
	};

	update_sd_lb_stats(env, &sds);
	/* There is no busy sibling group to pull tasks from */
	if (sds.busiest < 0)
		goto out_balanced;
	busiest = &sds.busiest_stat;
	/* If the busiest group is imbalanced the below checks don't work */
	if (busiest->group_type == group_imbalanced)
		goto force_balance;
	local = &sds.local_stat;
	/* If the local group is busier than the selected busiest group don't pull */
	if (local->group_type > busiest->group_type)
		goto out_balanced;
	/* When groups are overloaded, use the avg_load to ensure fairness between tasks. */
	if (local->group_type == group_overloaded) {
		if (local->avg_load >= busiest->avg_load)
			goto out_balanced;
		sds.avg_load = (sds.total_load * SCHED_CAPACITY_SCALE) / sds.total_capacity;
		/* Don't pull any tasks if this group is already above the domain average load. */
		if (local->avg_load >= sds.avg_load)
			goto out_balanced;
		/* If the busiest group is more loaded, use imbalance_pct to be conservative. */
		if (100 * busiest->avg_load <= env->sd->imbalance_pct * local->avg_load)
			goto out_balanced;
	}
	/* Try to move all excess tasks to a sibling domain of the busiest group's child domain. */
	if (sds.prefer_sibling && local->group_type == group_has_spare &&
	    sibling_imbalance(env, &sds, busiest, local) > 1)
		goto force_balance;
	if (busiest->group_type != group_overloaded) {
		/*
		 * If the busiest group is not overloaded (and as a result the local one too)
		 * but this CPU is already busy, let another idle CPU try to pull task.
		 */
		if (!env->idle)
			goto out_balanced;
		if (busiest->group_weight > 1 && local->idle_cpus <= (busiest->idle_cpus + 1))
			goto out_balanced;
		/* busiest doesn't have any tasks waiting to run */
		if (busiest->sum_h_nr_running == 1)
			goto out_balanced;
	}
force_balance:
	/* Looks like there is an imbalance. Compute it */
	calculate_imbalance(env, &sds);
	return env->imbalance ? sds.busiest : -1;
out_balanced:
	env->imbalance = 0;
	return -1;
}

/* fair.c: sched_balance_find_src_rq(): a group is one CPU, so it is that CPU or none */
static struct rq *sched_balance_find_src_rq(struct lb_env *env, int group)
{
	struct rq *rq = &env->dst_rq->host->rqs[group];
	unsigned int nr_running;

	if (!cpumask_test_cpu(group, &env->cpus))
		return NULL;
	nr_running = rq->cfs.h_nr_runnable;
	if (!nr_running)
		return NULL;
	switch (env->migration_type) {
	case migrate_load:
		/* check_cpu_capacity() is false: no capacity pressure in the model */
		if (nr_running == 1 && cpu_load(rq) > (unsigned long)env->imbalance)
			return NULL;
		break;
	case migrate_util:
		/* Don't try to pull utilization from a CPU with one running task. */
		if (nr_running <= 1)
			return NULL;
		break;
	default:
		break;
	}
	return rq;
}

/* fair.c: should_we_balance() with groups of one CPU */
static int should_we_balance(struct lb_env *env)
{
	if (!cpumask_test_cpu(env->dst_cpu, &env->cpus))
		return 0;
	/* In the newly idle case, bail out if we already have tasks. */
	if (env->idle == CPU_NEWLY_IDLE)
		return env->dst_rq->nr_running == 0;
	/* the first idle CPU, or the first CPU, of the local group: the only one */
	return 1;
}

/* fair.c: need_active_balance() (no asym packing, capacity pressure or misfit) */
static int need_active_balance(struct lb_env *env)
{
	struct sched_domain *sd = env->sd;

	/* imbalanced_active_balance() */
	if (env->migration_type == migrate_task &&
	    sd->nr_balance_failed > sd->cache_nice_tries + 2)
		return 1;
	return sd->nr_balance_failed > sd->cache_nice_tries + 2;
}

static void active_load_balance_cpu_stop(struct sim *sim, struct sim_event *ev);

/*
 * fair.c: sched_balance_rq() (load_balance() before v6.10): balance @this_rq against the
 * busiest CPU of its domain; returns the number of tasks moved. The kernel's
 * LBF_DST_PINNED retry and the parent's group_imbalance flag need a group of several CPUs
 * or a parent domain, which the model's single level does not have.
 */
static int sched_balance_rq(struct rq *this_rq, struct sched_domain *sd,
			    enum cpu_idle_type idle, int *continue_balancing)
{
	struct host *h = this_rq->host;
	int ld_moved = 0, cur_ld_moved, active_balance = 0, group;
	struct rq *busiest;
	struct lb_env env = {
		.sd = sd,
		.dst_cpu = this_rq->cpu,
		.dst_rq = this_rq,
		.idle = idle,
	};

	for (int c = 0; c < h->nr_cpus; c++)
		cpumask_set_cpu(c, &env.cpus);
	sd->lb_count++;
redo:
	if (!should_we_balance(&env)) {
		*continue_balancing = 0;
		goto out_balanced;
	}
	group = sched_balance_find_src_group(&env);
	if (group < 0)
		goto out_balanced;
	busiest = sched_balance_find_src_rq(&env, group);
	if (!busiest)
		goto out_balanced;

	env.src_cpu = busiest->cpu;
	env.src_rq = busiest;
	ld_moved = 0;
	/* Clear this flag as soon as we find a pullable task */
	env.flags |= LBF_ALL_PINNED;
	if (busiest->nr_running > 1) {
		/*
		 * Attempt to move tasks. If sched_balance_find_src_group has found an imbalance
		 * but busiest->nr_running <= 1, the group is still unbalanced. ld_moved simply
		 * stays zero, so it is correctly treated as an imbalance.
		 */
		env.loop_max = min(SCHED_NR_MIGRATE, busiest->nr_running);
		update_rq_clock(busiest);
		cur_ld_moved = detach_tasks(&env);
		if (cur_ld_moved) {
			attach_tasks(&env);
			ld_moved += cur_ld_moved;
		}
		/* All tasks on this runqueue were pinned by CPU affinity */
		if (env.flags & LBF_ALL_PINNED) {
			env.cpus.bits[busiest->cpu / 64] &= ~(1ull << (busiest->cpu % 64));
			/*
			 * Attempting to continue load balancing at the current sched_domain level
			 * only makes sense if there are active CPUs remaining as possible busiest
			 * CPUs to pull load from which are not contained within the destination
			 * group that is receiving any migrated load.
			 */
			if (cpumask_weight(&env.cpus) > (cpumask_test_cpu(env.dst_cpu, &env.cpus) ? 1 : 0)) {
				env.loop = 0;
				goto redo;
			}
			goto out_all_pinned;
		}
	}

	if (!ld_moved) {
		sd->lb_failed++;
		/*
		 * Increment the failure counter only on periodic balance. We do not want
		 * newidle balance, which can be very frequent, pollute the failure counter
		 * causing excessive cache_hot migrations and active balances.
		 */
		if (idle != CPU_NEWLY_IDLE)
			sd->nr_balance_failed++;
		if (need_active_balance(&env)) {
			/*
			 * Don't kick the active_load_balance_cpu_stop, if the curr task on
			 * busiest CPU can't be moved to this_cpu:
			 */
			if (!busiest->curr || !cpumask_test_cpu(this_rq->cpu, &busiest->curr->cpus_mask))
				goto out_one_pinned;
			/* Record that we found at least one task that could run on this_cpu */
			env.flags &= ~LBF_ALL_PINNED;
			if (!busiest->active_balance) {
				busiest->active_balance = true;
				busiest->push_cpu = this_rq->cpu;
				active_balance = 1;
			}
			/* stop_one_cpu_nowait(): the stopper runs on busiest at once */
			if (active_balance && !sim_event_queued(&busiest->active_balance_work))
				sim_schedule(h->sim, &busiest->active_balance_work, h->sim->now);
		}
	} else {
		sd->nr_balance_failed = 0;
	}
	if (!active_balance || need_active_balance(&env)) {
		/* We were unbalanced, so reset the balancing interval */
		sd->balance_interval = sd->min_interval;
	}
	goto out;

out_balanced:
	/* (the parent's group_imbalance flag: no parent) */
out_all_pinned:
	/*
	 * We reach balance because all tasks are pinned at this level so we can't migrate
	 * them. Let the imbalance flag set so parent level can try to migrate them.
	 */
	sd->nr_balance_failed = 0;
out_one_pinned:
	ld_moved = 0;
	/*
	 * sched_balance_newidle() disregards balance intervals, so we could repeatedly reach
	 * this code, which would lead to balance_interval skyrocketing in a short amount of
	 * time. Skip the balance_interval increase logic to avoid that.
	 */
	if (env.idle == CPU_NEWLY_IDLE)
		goto out;
	/* tune up the balancing interval */
	if (((env.flags & LBF_ALL_PINNED) &&
	     sd->balance_interval < (u64)MAX_PINNED_INTERVAL * NSEC_PER_MSEC) ||
	    sd->balance_interval < sd->max_interval)
		sd->balance_interval *= 2;
out:
	return ld_moved;
}

/* fair.c: detach_one_task() (from the tail of cfs_tasks, without moving the others) */
static struct task_struct *detach_one_task(struct lb_env *env)
{
	struct task_struct *p;
	u64 walk = 0;

	while ((p = cfs_tasks_prev(env->src_rq, walk))) {
		walk = p->cfs_tasks_seq;
		if (!can_migrate_task(p, env))
			continue;
		detach_task(p, env);
		env->sd->lb_gained++;
		return p;
	}
	return NULL;
}

/*
 * fair.c: active_load_balance_cpu_stop(), the stopper work on the busiest CPU: push one
 * task to push_cpu, the running one included (the stopper has preempted it). In the
 * kernel the preempted task is put back and the CPU picks afresh after the stopper; the
 * model leaves the running task current unless it is the one pushed.
 */
static void active_load_balance_cpu_stop(struct sim *sim, struct sim_event *ev)
{
	struct rq *busiest_rq = ev->obj, *target_rq;
	struct host *h = busiest_rq->host;
	struct task_struct *p = NULL;
	struct lb_env env;

	h->this_cpu = busiest_rq->cpu;
	if (!busiest_rq->active_balance)
		return;
	target_rq = &h->rqs[busiest_rq->push_cpu];
	/* Is there any task to move? (the kernel's nr_running counts the stopper: <= 1) */
	if (busiest_rq->nr_running < 1)
		goto out_unlock;
	env = (struct lb_env){
		.sd = &target_rq->sd,
		.dst_cpu = target_rq->cpu,
		.dst_rq = target_rq,
		.src_cpu = busiest_rq->cpu,
		.src_rq = busiest_rq,
		.idle = CPU_IDLE,
		.flags = LBF_ACTIVE_LB,
	};
	update_rq_clock(busiest_rq);
	p = detach_one_task(&env);
	if (p) {
		env.sd->alb_pushed++;
		/* Active balancing done, reset the failure counter. */
		env.sd->nr_balance_failed = 0;
	}
out_unlock:
	busiest_rq->active_balance = false;
	if (p) {
		/* attach_one_task() */
		update_rq_clock(target_rq);
		attach_task(target_rq, p);
	}
}

/* fair.c: get_sd_balance_interval(), in jiffies */
static u64 get_sd_balance_interval(struct host *h, struct sched_domain *sd, int cpu_busy)
{
	u64 interval = sd->balance_interval, max_lb;

	if (cpu_busy)
		interval *= sd->busy_factor;
	/* scale ms to jiffies (msecs_to_jiffies() rounds up) */
	interval = (interval + h->params.tick_nsec - 1) / h->params.tick_nsec;
	/*
	 * Reduce likelihood of busy balancing at higher domains racing with balancing at
	 * lower domains by preventing their balancing periods from being multiples of each
	 * other.
	 */
	if (cpu_busy)
		interval -= 1;
	/* max_load_balance_interval = HZ * num_online_cpus() / 10 */
	max_lb = (u64)h->params.hz * (u64)h->nr_cpus / 10;
	return clamp(interval, (u64)1, max(max_lb, (u64)1));
}

/* fair.c: sched_balance_domains() for the one level */
static void sched_balance_domains(struct rq *rq, enum cpu_idle_type idle)
{
	struct host *h = rq->host;
	struct sched_domain *sd = &rq->sd;
	int continue_balancing = 1;
	int busy = idle != CPU_IDLE;
	u64 interval = get_sd_balance_interval(h, sd, busy);

	if (jiffies(h) >= sd->last_balance + interval) {
		if (sched_balance_rq(rq, sd, idle, &continue_balancing)) {
			/* The LBF_DST_PINNED logic could have changed env->dst_cpu: update idle. */
			idle = idle_cpu(rq) ? CPU_IDLE : __CPU_NOT_IDLE;
			busy = idle != CPU_IDLE;
		}
		sd->last_balance = jiffies(h);
		interval = get_sd_balance_interval(h, sd, busy);
	}
	rq->next_balance = sd->last_balance + interval;
}

/*
 * fair.c: nohz.next_balance. The kernel keeps it as the earliest next_balance of the idle
 * CPUs, refreshed by the NOHZ_NEXT_KICK that follows every idle entry and by each idle
 * balance; the model computes that minimum when it is needed.
 */
static u64 nohz_next_balance(struct host *h)
{
	u64 next = ~0ull;

	for (int c = 0; c < h->nr_cpus; c++)
		if (idle_cpu(&h->rqs[c]))
			next = min(next, h->rqs[c].next_balance);
	return next;
}

/*
 * fair.c: _nohz_idle_balance(): the idle load balancer balances, on behalf of each idle
 * CPU whose balance is due, starting after itself and ending with itself.
 */
static void _nohz_idle_balance(struct rq *this_rq)
{
	struct host *h = this_rq->host;

	for (int i = 1; i <= h->nr_cpus; i++) {
		struct rq *rq = &h->rqs[(this_rq->cpu + i) % h->nr_cpus];

		if (!idle_cpu(rq))
			continue;
		if (jiffies(h) >= rq->next_balance) {
			update_rq_clock(rq);
			sched_balance_domains(rq, CPU_IDLE);
		}
	}
}

/*
 * fair.c: nohz_balancer_kick() + kick_ilb(): a busy CPU's tick asks an idle CPU to balance
 * for the idle ones when two tasks share this CPU or two CPUs of the LLC are busy. Returns
 * the idle load balancer (find_new_ilb(): the first idle CPU), or NULL. The stats-only
 * kicks (blocked load) are not modeled: the model decays loads when it reads them.
 */
static struct rq *nohz_balancer_kick(struct rq *rq)
{
	struct host *h = rq->host;
	struct rq *ilb = NULL;
	int nr_busy = 0;

	for (int c = 0; c < h->nr_cpus; c++) {
		if (!idle_cpu(&h->rqs[c]))
			nr_busy++;
		else if (!ilb)
			ilb = &h->rqs[c];
	}
	/* None are in tickless mode and hence no need for NOHZ idle load balancing */
	if (!ilb)
		return NULL;
	if (jiffies(h) < nohz_next_balance(h))
		return NULL;
	if (rq->nr_running >= 2)
		return ilb;
	/* sd_llc_shared->nr_busy_cpus > 1 */
	if (nr_busy > 1)
		return ilb;
	return NULL;
}

/*
 * core.c: sched_tick() -> fair.c: sched_balance_trigger(), for a CPU whose tick runs (a
 * busy one: idle CPUs stop their tick). SCHED_SOFTIRQ runs sched_balance_domains() when
 * rq->next_balance is due; the kick reaches the idle balancer after it.
 */
void sched_balance_trigger(struct rq *rq)
{
	struct host *h = rq->host;
	struct rq *ilb;

	update_cpu_util(rq, h->sim->now);
	if (!h->params.balance_interval)
		return;
	ilb = nohz_balancer_kick(rq);
	/* sched_balance_softirq(): rq->idle_balance = idle_cpu() = 0 on a ticking CPU */
	if (jiffies(h) >= rq->next_balance)
		sched_balance_domains(rq, __CPU_NOT_IDLE);
	if (ilb && idle_cpu(ilb)) {
		int cpu = h->this_cpu;

		h->this_cpu = ilb->cpu;
		_nohz_idle_balance(ilb);
		h->this_cpu = cpu;
	}
}

/* fair.c: update_next_balance() */
static void update_next_balance(struct host *h, struct sched_domain *sd, u64 *next_balance)
{
	u64 next = sd->last_balance + get_sd_balance_interval(h, sd, 0);

	if (*next_balance > next)
		*next_balance = next;
}

/* fair.c: is the root domain overloaded (rd->overloaded): a CPU with two tasks or more */
static bool rd_overloaded(struct host *h)
{
	for (int c = 0; c < h->nr_cpus; c++)
		if (h->rqs[c].nr_running > 1)
			return true;
	return false;
}

/*
 * fair.c: sched_balance_newidle(), called when @rq is about to go idle: pull a task if a
 * CPU is overloaded. The avg_idle vs max_newidle_lb_cost test never stops it: balancing
 * costs no simulated time. Returns 1 if a task was pulled.
 */
int sched_balance_newidle(struct rq *rq)
{
	struct host *h = rq->host;
	u64 next_balance = jiffies(h) + (u64)h->params.hz;
	int continue_balancing = 1, pulled_task = 0;

	update_next_balance(h, &rq->sd, &next_balance);
	if (!rd_overloaded(h))
		goto out;
	if (rq->sd.flags & SD_BALANCE_NEWIDLE)
		pulled_task = sched_balance_rq(rq, &rq->sd, CPU_NEWLY_IDLE, &continue_balancing);
	/* a task could have been enqueued in the meantime: pretend we pulled it */
	if (rq->cfs.h_nr_queued && !pulled_task)
		pulled_task = 1;
out:
	/* Move the next balance forward */
	if (rq->next_balance > next_balance)
		rq->next_balance = next_balance;
	return pulled_task > 0;
}

/*
 * topology.c: sd_init() for the one level (sd_weight = all CPUs; not SD_SHARE_CPUCAPACITY,
 * SD_SHARE_LLC: imbalance_pct 117, cache_nice_tries 1) and init_sched_fair_class(). The
 * interval starts at [host] balance_interval, which defaults to sd_weight ms as in the
 * kernel; 0 turns the periodic and nohz balancing off.
 */
void sched_init_domains(struct host *h)
{
	for (int cpu = 0; cpu < h->nr_cpus; cpu++) {
		struct rq *rq = &h->rqs[cpu];
		struct sched_domain *sd = &rq->sd;

		*sd = (struct sched_domain){
			.flags = SD_BALANCE_NEWIDLE | SD_BALANCE_EXEC | SD_BALANCE_FORK |
				 SD_WAKE_AFFINE | SD_SHARE_LLC | SD_PREFER_SIBLING,
			.span_weight = h->nr_cpus,
			.min_interval = h->params.balance_interval,
			.max_interval = 2 * h->params.balance_interval,
			.balance_interval = h->params.balance_interval,
			.busy_factor = 16,
			.imbalance_pct = 117,
			.cache_nice_tries = 1,
			.last_balance = jiffies(h),
		};
		rq->next_balance = jiffies(h);
		rq->active_balance = false;
		sim_event_init(&rq->active_balance_work, active_load_balance_cpu_stop, rq);
		rq->util_avg = (struct sched_avg){.last_update_time = h->sim->now};
		rq->util_busy_ns = rq_busy_ns(rq, h->sim->now);
	}
}
