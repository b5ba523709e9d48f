/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmsim hostrun: run a host-only scenario on the real machine (one thread per task),
 * filling the same struct run_result as the model (source = "host").
 */
#ifndef KVMSIM_HOSTRUN_H
#define KVMSIM_HOSTRUN_H

#include <stdio.h>

#include "kvmsim/report.h"
#include "kvmsim/scenario.h"

struct hostrun_opts {
	bool no_cgroups; /* do not create cgroups even when possible */
	bool no_shield;	 /* do not put the scenario's root under a high-shares group */
	FILE *notes;	 /* "what could not be done" lines, or NULL */
};

/*
 * Returns 0, -EINTR when stopped by SIGINT/SIGTERM (everything already cleaned up), or
 * -errno with a message in @err (SCN_ERR_MAX bytes).
 */
int hostrun_threads(const struct scenario *s, const struct hostrun_opts *o, struct run_result *out,
		    char *err);

#endif
