/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host tasks: plain user-space programs on the simulated host, with the behaviours of
 * scenario files ([task] behavior = hog | periodic | yield-loop | yield-to).
 */
#ifndef KVMSIM_HOST_TASK_H
#define KVMSIM_HOST_TASK_H

#include "kvmsim/sched.h"

struct host_task {
	struct task_struct *p;
	enum task_behavior behavior;
	u64 run, sleep, period;
	struct task_struct *target;	/* yield-to */
	struct sim_event ev;		/* end of the current CPU burst, or the end of a sleep */
	u64 burst_left, burst_start;
	u64 yield_to_result[3];		/* -ESRCH, 0, 1 */
};

extern const struct task_ops host_task_ops;

/* Attach the behaviour of @spec to @p (which must not have been woken yet). */
void host_task_init(struct host_task *ht, struct task_struct *p, const struct scn_task *spec);

#endif
