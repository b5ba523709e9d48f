/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The results of one run, in one shape for the simulator (kvmsim run) and for the real
 * machine (kvmsim hostrun), and their table / JSON / CSV forms.
 *
 * cpu_share is the fraction of one CPU a task used over the measured interval
 * (duration - warmup): runtime_ns / measured_ns, in [0, 1].
 */
#ifndef KVMSIM_REPORT_H
#define KVMSIM_REPORT_H

#include <stdio.h>

#include "kvmsim/scenario.h"
#include "kvmsim/stats.h"

struct kvm_run_result;

struct task_result {
	char name[SCN_NAME_MAX + 16];
	char cgroup[SCN_NAME_MAX];
	double cpu_share;
	double fair_share;	/* the model's expectation; < 0 when not computed */
	u64 runtime_ns;
	u64 wait_p50_ns, wait_p99_ns, wait_max_ns;
	u64 nr_switches;
};

struct run_result {
	const char *source;	/* "model" or "host" */
	struct task_result *tasks;
	int nr_tasks;
	u64 sim_ns;		/* measured interval */
	u64 events;
	double wall_s;
	double jain_tasks;	/* Jain's fairness index of cpu_share / fair_share over tasks */
	struct kvm_run_result *kvm; /* VMs and vCPUs (include/kvmsim/kvm_report.h), or NULL */
};

void report_print_table(FILE *f, const struct run_result *r);
void report_print_json(FILE *f, const struct run_result *r);
void report_print_csv(FILE *f, const struct run_result *r);
void run_result_free(struct run_result *r);

#endif
