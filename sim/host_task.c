// SPDX-License-Identifier: GPL-2.0
/*
 * Host-task behaviours (include/kvmsim/host_task.h). A behaviour is a loop of CPU bursts:
 * the burst's remaining CPU time is charged only while the task runs, so a preempted task
 * resumes where it stopped. What ends a burst:
 *   hog         nothing
 *   periodic    sleep for `sleep` (a timer on the CPU it ran on), then run `run` again
 *   yield-loop  sched_yield(), then run `run` again
 *   yield-to    yield_to(target, preempt = true), then run `period` again
 */
#include <errno.h>

#include "kvmsim/host_task.h"

static u64 burst_len(const struct host_task *ht)
{
	return ht->behavior == TASK_YIELD_TO ? ht->period : ht->run;
}

static void arm_burst(struct host_task *ht)
{
	struct sim *sim = ht->p->host->sim;

	ht->burst_start = sim->now;
	sim_schedule(sim, &ht->ev, sim->now + ht->burst_left);
}

static void switched_in(struct task_struct *p)
{
	struct host_task *ht = p->ops_data;

	if (ht->behavior != TASK_HOG)
		arm_burst(ht);
}

static void switched_out(struct task_struct *p)
{
	struct host_task *ht = p->ops_data;
	struct sim *sim = p->host->sim;

	if (sim_event_queued(&ht->ev)) {
		ht->burst_left -= sim->now - ht->burst_start;
		sim_cancel(sim, &ht->ev);
	}
}

const struct task_ops host_task_ops = {
	.switched_in = switched_in,
	.switched_out = switched_out,
};

static void burst_done(struct sim *sim, struct sim_event *ev);

static void wake_fn(struct sim *sim, struct sim_event *ev)
{
	struct host_task *ht = ev->obj;

	/* the timer fires on the CPU where the task went to sleep: interrupt context */
	ht->p->host->this_cpu = ht->p->cpu;
	ht->ev.fn = burst_done;
	try_to_wake_up(ht->p, 0);
}

static void burst_done(struct sim *sim, struct sim_event *ev)
{
	struct host_task *ht = ev->obj;
	struct task_struct *p = ht->p;
	int r;

	p->host->this_cpu = p->cpu;
	ht->burst_left = burst_len(ht);
	switch (ht->behavior) {
	case TASK_PERIODIC:
		sched_block_current(p);
		ht->ev.fn = wake_fn;
		sim_schedule(sim, &ht->ev, sim->now + ht->sleep);
		return;
	case TASK_YIELD_LOOP:
		do_sched_yield(p);
		break;
	case TASK_YIELD_TO:
		r = yield_to(p, ht->target, true);
		ht->yield_to_result[r == -ESRCH ? 0 : r == 0 ? 1 : 2]++;
		break;
	default:
		return;
	}
	/* still running after the system call: the next burst starts now */
	if (task_rq(p)->curr == p && !sim_event_queued(&ht->ev))
		arm_burst(ht);
}

void host_task_init(struct host_task *ht, struct task_struct *p, const struct scn_task *spec)
{
	ht->p = p;
	ht->behavior = spec->behavior;
	ht->run = spec->run;
	ht->sleep = spec->sleep;
	ht->period = spec->period;
	ht->burst_left = burst_len(ht);
	sim_event_init(&ht->ev, burst_done, ht);
	p->ops = &host_task_ops;
	p->ops_data = ht;
}
