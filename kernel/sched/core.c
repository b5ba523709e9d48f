// SPDX-License-Identifier: GPL-2.0
/*
 * Scheduler core, modeled on Linux v6.18 kernel/sched/core.c: run queues, task and group
 * creation, wakeups, __schedule(), the tick, resched_curr(). Only the fair class exists;
 * an empty run queue runs the idle task (rq->curr == NULL).
 *
 * Preemption points: a host task runs in user mode, so a reschedule request is acted on
 * when the CPU returns to user mode — at the end of the current event on that CPU (the
 * tick, a wakeup IPI, a system call). Under preempt = lazy, a remote lazy request sends no
 * IPI and waits for the next tick, which promotes it (sched_tick()).
 */
#include <stdlib.h>
#include <string.h>

#include "kvmsim/sched.h"

static void sched_tick_fn(struct sim *sim, struct sim_event *ev);
static void resched_fn(struct sim *sim, struct sim_event *ev);

/* core.c: update_rq_clock(); no IRQ or steal time: clock_task == clock */
void update_rq_clock(struct rq *rq)
{
	rq->clock = rq->clock_task = rq->host->sim->now;
}

/* sched_init_granularity() / get_update_sysctl_factor() */
static u64 sysctl_factor(enum tunable_scaling scaling, int cpus)
{
	int c = min(cpus, 8);

	switch (scaling) {
	case SCHED_TUNABLESCALING_NONE:
		return 1;
	case SCHED_TUNABLESCALING_LINEAR:
		return (u64)c;
	default:
		return 1 + (u64)(31 - __builtin_clz((unsigned)c));
	}
}

static void init_cfs_rq(struct cfs_rq *cfs_rq, struct rq *rq, struct task_group *tg)
{
	memset(cfs_rq, 0, sizeof(*cfs_rq));
	cfs_rq->rq = rq;
	cfs_rq->tg = tg;
	/* init_cfs_rq(): min_vruntime = (u64)(-(1LL << 20)) */
	cfs_rq->min_vruntime = (u64)(-(1ll << 20));
	cfs_rq->zero_vruntime = (u64)(-(1ll << 20));
	cfs_rq->avg.last_update_time = rq->clock;
}

int host_init(struct host *h, struct sim *sim, const struct scenario *s)
{
	struct sched_params *p = &h->params;

	memset(h, 0, sizeof(*h));
	h->sim = sim;
	h->nr_cpus = s->host.cpus;
	p->kernel = s->host.kernel;
	p->preempt = s->host.preempt;
	p->hz = s->host.hz;
	p->tick_nsec = (NSEC_PER_SEC + s->host.hz / 2) / (u64)s->host.hz;
	p->normalized_sysctl_sched_base_slice = s->sched.base_slice_ns;
	p->sysctl_sched_base_slice = s->sched.base_slice_ns;
	if (!s->sched.base_slice_set)
		p->sysctl_sched_base_slice *= sysctl_factor(s->sched.tunable_scaling, h->nr_cpus);
	p->sysctl_sched_migration_cost = s->sched.migration_cost_ns;
	/* sd_init(): the balance interval of a domain of sd_weight CPUs starts at sd_weight ms */
	p->balance_interval = s->host.balance_interval_set ? s->host.balance_interval_ns
							   : (u64)h->nr_cpus * NSEC_PER_MSEC;
	memcpy(p->feat, s->sched.features, sizeof(p->feat));
	sched_yield_policy_init(p, s);
	h->tprio_state = s->host.seed ^ 0x5eed5eedull;
	h->warmup_end = s->host.warmup;
	h->warmed_up = s->host.warmup == 0;

	snprintf(h->root_task_group.name, sizeof(h->root_task_group.name), "/");
	h->root_task_group.shares = NICE_0_LOAD;
	h->root_task_group.depth = -1;
	h->root_task_group.cfs_rq = calloc((size_t)h->nr_cpus, sizeof(struct cfs_rq *));
	h->rqs = calloc((size_t)h->nr_cpus, sizeof(*h->rqs));
	if (!h->rqs || !h->root_task_group.cfs_rq)
		return -1;
	for (int cpu = 0; cpu < h->nr_cpus; cpu++) {
		struct rq *rq = &h->rqs[cpu];

		rq->cpu = cpu;
		rq->host = h;
		update_rq_clock(rq);
		init_cfs_rq(&rq->cfs, rq, &h->root_task_group);
		h->root_task_group.cfs_rq[cpu] = &rq->cfs;
		sim_event_init(&rq->tick, sched_tick_fn, rq);
		sim_event_init(&rq->resched, resched_fn, rq);
		rq->next_balance = p->balance_interval;
		init_rq_yield(rq);
	}
	sched_init_domains(h);
	return 0;
}

void host_destroy(struct host *h)
{
	for (int i = 0; i < h->nr_tgs; i++) {
		struct task_group *tg = h->tgs[i];

		for (int cpu = 0; cpu < h->nr_cpus; cpu++) {
			free(tg->se[cpu]);
			free(tg->cfs_rq[cpu]);
		}
		free(tg->se);
		free(tg->cfs_rq);
		free(tg);
	}
	for (int i = 0; i < h->nr_tasks; i++) {
		hist_free(&h->tasks[i]->wait);
		free(h->tasks[i]);
	}
	free(h->tgs);
	free(h->tasks);
	free(h->root_task_group.cfs_rq);
	free(h->rqs);
	memset(h, 0, sizeof(*h));
}

/* core.c: sched_create_group() + fair.c: alloc_fair_sched_group()/init_tg_cfs_entry() */
struct task_group *sched_create_group(struct host *h, const char *name, struct task_group *parent,
				      unsigned long shares)
{
	struct task_group *tg = calloc(1, sizeof(*tg)), **tgs;

	if (!tg)
		return NULL;
	tgs = realloc(h->tgs, (size_t)(h->nr_tgs + 1) * sizeof(*tgs));
	if (!tgs) {
		free(tg);
		return NULL;
	}
	h->tgs = tgs;
	h->tgs[h->nr_tgs++] = tg;
	snprintf(tg->name, sizeof(tg->name), "%s", name);
	tg->shares = clamp(shares, MIN_SHARES, MAX_SHARES);
	tg->parent = parent ? parent : &h->root_task_group;
	tg->depth = tg->parent->depth + 1;
	tg->se = calloc((size_t)h->nr_cpus, sizeof(*tg->se));
	tg->cfs_rq = calloc((size_t)h->nr_cpus, sizeof(*tg->cfs_rq));
	if (!tg->se || !tg->cfs_rq)
		return NULL;
	for (int cpu = 0; cpu < h->nr_cpus; cpu++) {
		struct sched_entity *se = calloc(1, sizeof(*se));
		struct cfs_rq *cfs_rq = calloc(1, sizeof(*cfs_rq));

		if (!se || !cfs_rq) {
			free(se);
			free(cfs_rq);
			return NULL;
		}
		tg->se[cpu] = se;
		tg->cfs_rq[cpu] = cfs_rq;
		init_cfs_rq(cfs_rq, &h->rqs[cpu], tg);
		/* init_tg_cfs_entry() */
		se->cfs_rq = tg->parent->cfs_rq[cpu];
		se->parent = tg->parent->se ? tg->parent->se[cpu] : NULL;
		se->depth = se->parent ? se->parent->depth + 1 : 0;
		se->my_q = cfs_rq;
		se->load.weight = NICE_0_LOAD;
		se->slice = h->params.sysctl_sched_base_slice;
	}
	return tg;
}

/* core.c: set_task_rq() */
static void set_task_rq(struct task_struct *p, int cpu)
{
	struct task_group *tg = p->tg;

	p->se.cfs_rq = tg->cfs_rq[cpu];
	p->se.parent = tg->se ? tg->se[cpu] : NULL;
	p->se.depth = p->se.parent ? p->se.parent->depth + 1 : 0;
}

/* core.c: sched_fork() + __sched_fork() for a fair task */
struct task_struct *sched_create_task(struct host *h, const char *name, struct task_group *tg,
				      int nice, const struct cpumask *cpus)
{
	struct task_struct *p = calloc(1, sizeof(*p)), **tasks;

	if (!p)
		return NULL;
	tasks = realloc(h->tasks, (size_t)(h->nr_tasks + 1) * sizeof(*tasks));
	if (!tasks) {
		free(p);
		return NULL;
	}
	h->tasks = tasks;
	p->id = h->nr_tasks;
	h->tasks[h->nr_tasks++] = p;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->host = h;
	p->tg = tg ? tg : &h->root_task_group;
	p->nice = nice;
	p->se.task = p;
	p->se.load.weight = scale_load_down_weight(nice);
	p->se.slice = h->params.sysctl_sched_base_slice;
	p->__state = TASK_INTERRUPTIBLE; /* not yet woken */
	if (cpus && cpumask_weight(cpus)) {
		p->cpus_mask = *cpus;
	} else {
		cpumask_clear(&p->cpus_mask);
		for (int c = 0; c < h->nr_cpus; c++)
			cpumask_set_cpu(c, &p->cpus_mask);
	}
	p->nr_cpus_allowed = cpumask_weight(&p->cpus_mask);
	p->cpu = cpumask_next_from(0, &p->cpus_mask);
	set_task_rq(p, p->cpu);
	return p;
}

/* core.c: set_task_cpu() + fair.c: migrate_task_rq_fair() (nothing to renormalise in EEVDF) */
void set_task_cpu(struct task_struct *p, int cpu)
{
	p->cpu = cpu;
	set_task_rq(p, cpu);
	p->se.exec_start = 0;
}

static void start_waiting(struct task_struct *p)
{
	p->runnable_since = p->host->sim->now;
	p->waiting = true;
}

/* core.c: activate_task() / deactivate_task() */
void activate_task(struct rq *rq, struct task_struct *p, int flags)
{
	struct task_struct *curr = rq->curr;

	enqueue_task_fair(rq, p, flags);
	/* single_task_running() just became false for curr (KVM's halt polling checks it) */
	if (curr && curr != p && curr->ops && curr->ops->rq_enqueued)
		curr->ops->rq_enqueued(curr);
	if (rq->host->check)
		sched_check_rq(rq, "enqueue");
}

void deactivate_task(struct rq *rq, struct task_struct *p, int flags)
{
	dequeue_task_fair(rq, p, flags);
	if (rq->host->check)
		sched_check_rq(rq, "dequeue");
}

/* Arrange for @rq to run __schedule() at the end of the current event (or on the IPI). */
static void schedule_soon(struct rq *rq)
{
	if (!sim_event_queued(&rq->resched))
		sim_schedule(rq->host->sim, &rq->resched, rq->host->sim->now);
}

/* core.c: resched_curr(): TIF_NEED_RESCHED, and a reschedule IPI for a remote CPU */
void resched_curr(struct rq *rq)
{
	if (rq->curr && rq->need_resched)
		return;
	if (rq->curr)
		rq->need_resched = true;
	schedule_soon(rq);
}

/*
 * core.c: resched_curr_lazy(): under PREEMPT_LAZY, TIF_NEED_RESCHED_LAZY without an IPI;
 * the CPU acts on it at its next return to user mode, which for a CPU other than the one
 * handling the current event is its next tick. Other preemption models: resched_curr().
 */
void resched_curr_lazy(struct rq *rq)
{
	struct host *h = rq->host;

	if (h->params.preempt != PREEMPT_MODEL_LAZY || !rq->curr) {
		resched_curr(rq);
		return;
	}
	if (rq->need_resched || rq->need_resched_lazy)
		return;
	rq->need_resched_lazy = true;
	if (h->this_cpu == rq->cpu)
		schedule_soon(rq);
}

static void resched_fn(struct sim *sim, struct sim_event *ev)
{
	struct rq *rq = ev->obj;

	rq->host->this_cpu = rq->cpu;
	if (!rq->curr || rq->need_resched || rq->need_resched_lazy)
		__schedule(rq);
}

static void arm_tick(struct rq *rq)
{
	u64 t = rq->host->params.tick_nsec;

	if (!sim_event_queued(&rq->tick))
		sim_schedule(rq->host->sim, &rq->tick, (rq->host->sim->now / t + 1) * t);
}

/* core.c: wakeup_preempt() */
void wakeup_preempt(struct rq *rq, struct task_struct *p, int wake_flags)
{
	if (!rq->curr) {
		resched_curr(rq); /* the idle class is below fair */
		return;
	}
	check_preempt_wakeup_fair(rq, p, wake_flags);
}

/* core.c: wake_up_new_task(); unpinned tasks go to the idlest allowed CPU */
void wake_up_new_task(struct task_struct *p)
{
	struct host *h = p->host;
	int cpu = select_task_rq_fair(p, p->cpu, WF_FORK);
	struct rq *rq;

	p->__state = TASK_RUNNING;
	set_task_cpu(p, cpu);
	rq = task_rq(p);
	update_rq_clock(rq);
	activate_task(rq, p, ENQUEUE_INITIAL);
	start_waiting(p);
	h->this_cpu = -1;
	wakeup_preempt(rq, p, WF_FORK);
}

/*
 * core.c: try_to_wake_up(). A task still queued as sched_delayed is requeued where it is
 * (ttwu_runnable()); otherwise it is placed by select_task_rq_fair() and enqueued. Returns
 * 1 if it was woken, 0 if it was already running.
 */
int try_to_wake_up(struct task_struct *p, int wake_flags)
{
	struct host *h = p->host;
	struct rq *rq;
	int cpu, flags = ENQUEUE_WAKEUP;

	if (p->__state == TASK_RUNNING)
		return 0;
	p->__state = TASK_RUNNING;
	if (p->se.on_rq) {
		/* ttwu_runnable() */
		rq = task_rq(p);
		update_rq_clock(rq);
		if (p->se.sched_delayed)
			enqueue_task_fair(rq, p, ENQUEUE_WAKEUP | ENQUEUE_DELAYED);
		if (h->check)
			sched_check_rq(rq, "ttwu_runnable");
		if (!task_on_cpu(rq, p)) {
			start_waiting(p);
			wakeup_preempt(rq, p, wake_flags);
		}
		return 1;
	}
	cpu = select_task_rq_fair(p, p->cpu, wake_flags);
	if (cpu != p->cpu) {
		set_task_cpu(p, cpu);
		flags |= ENQUEUE_MIGRATED;
	}
	rq = task_rq(p);
	update_rq_clock(rq);
	activate_task(rq, p, flags);
	start_waiting(p);
	wakeup_preempt(rq, p, wake_flags);
	return 1;
}

static void account_switch(struct rq *rq, struct task_struct *prev, struct task_struct *next)
{
	struct host *h = rq->host;
	u64 now = h->sim->now;

	rq->nr_switches++;
	if (prev) {
		prev->on_cpu = false;
		prev->last_ran = now;
		prev->nr_switches++;
		if (prev->ops && prev->ops->switched_out)
			prev->ops->switched_out(prev);
		if (prev->__state == TASK_RUNNING)
			start_waiting(prev);
	} else {
		rq->idle_ns += now - rq->idle_since;
	}
	rq->curr = next;
	if (next) {
		if (next->waiting && now >= h->warmup_end)
			hist_record(&next->wait, now - next->runnable_since);
		next->waiting = false;
		next->on_cpu = true;
		arm_tick(rq);
	} else {
		rq->idle_since = now;
	}
	if (h->trace)
		trace_switch(rq, prev, next);
	if (next && next->ops && next->ops->switched_in)
		next->ops->switched_in(next);
}

/*
 * core.c: __schedule(). A prev that is no longer TASK_RUNNING is dequeued for sleep
 * (possibly delayed); the fair class picks; an empty queue tries newidle balancing.
 */
void __schedule(struct rq *rq)
{
	struct host *h = rq->host;
	struct task_struct *prev = rq->curr, *next;

	update_rq_clock(rq);
	rq->need_resched = rq->need_resched_lazy = false;
	if (prev && prev->__state != TASK_RUNNING) {
		/* block_task(): a delayed dequeue keeps the entity queued as sched_delayed */
		dequeue_task_fair(rq, prev, DEQUEUE_SLEEP);
	}
	next = pick_next_task_fair(rq, prev);
	if (!next && sched_balance_newidle(rq) > 0)
		next = pick_next_task_fair(rq, NULL);
	if (h->check)
		sched_check_rq(rq, "schedule");
	if (next != prev)
		account_switch(rq, prev, next);
}

void sched_block_current(struct task_struct *p)
{
	p->__state = TASK_INTERRUPTIBLE;
	__schedule(task_rq(p));
}

/*
 * core.c: sched_tick(): the fair class's task_tick, promotion of a lazy request, and
 * the periodic balance trigger. Idle CPUs stop their tick (NO_HZ_IDLE).
 */
static void sched_tick_fn(struct sim *sim, struct sim_event *ev)
{
	struct rq *rq = ev->obj;
	struct host *h = rq->host;

	h->this_cpu = rq->cpu;
	update_rq_clock(rq);
	if (!rq->curr)
		return;
	task_tick_fair(rq, rq->curr);
	if (rq->need_resched_lazy) {
		rq->need_resched_lazy = false;
		rq->need_resched = true;
	}
	sched_balance_trigger(rq);
	if (h->check)
		sched_check_rq(rq, "tick");
	arm_tick(rq);
	/* the return from the timer interrupt to user mode */
	if (rq->need_resched)
		__schedule(rq);
}
