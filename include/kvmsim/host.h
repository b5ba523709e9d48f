/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The simulated host: builds the scheduler model (kernel/sched) and the host tasks from
 * a scenario, runs it, and fills a struct run_result.
 */
#ifndef KVMSIM_HOST_H
#define KVMSIM_HOST_H

#include <stdio.h>

#include "kvmsim/report.h"
#include "kvmsim/scenario.h"

struct host_run_opts {
	bool check;		/* run the invariant checker after every scheduler operation */
	FILE *trace;		/* Chrome trace-event JSON, or NULL */
};

/* Returns 0, or -errno with a message in @err (SCN_ERR_MAX bytes). */
int host_sim_run(const struct scenario *s, const struct host_run_opts *o, struct run_result *out,
		 char *err);

#endif
