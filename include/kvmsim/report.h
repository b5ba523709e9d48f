/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The results of one run, in one shape for the simulator (kvmsim run) and for the real
 * machine (kvmsim hostrun), and their table / JSON / CSV forms.
 *
 * cpu_share is the fraction of one CPU a task used over the measured interval
 * (duration - warmup): runtime_ns / measured_ns, in [0, 1]; a cgroup's is the sum over
 * its subtree (so it can exceed 1 on several CPUs).
 *
 * fair_share is what the task or cgroup would get under ideal hierarchical weighted
 * sharing of the CPUs it can use (fair_share_solve(); docs/model/policies.md
 * "Fairness figures"): weighted water-filling down the cgroup tree, per pool of CPUs
 * that the tasks' affinities connect, each task capped by its demand (1 CPU, or its duty
 * cycle when it sleeps).
 */
#ifndef KVMSIM_REPORT_H
#define KVMSIM_REPORT_H

#include <stdio.h>

#include "kvmsim/cpumask.h"
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
	/* the longest runnable-but-not-running spell, one still open at the end included */
	u64 longest_wait_ns;
};

struct cgroup_result {
	char name[SCN_NAME_MAX];
	char parent[SCN_NAME_MAX];	/* "" = root */
	int nr_tasks;			/* in the subtree */
	double cpu_share;		/* sum over the subtree's tasks */
	double fair_share;		/* < 0 when not computed */
};

/* What the scheduler side of [policy] yield did (sums of struct yield_policy_stats). */
struct yield_result {
	const char *policy;		/* yield_policy_name() */
	u64 calls, rate_limited, rejected, applied, debounced;
	u64 penalty_ns, credit_ns;
};

struct run_result {
	const char *source;	/* "model" or "host" */
	struct task_result *tasks;
	int nr_tasks;
	u64 sim_ns;		/* measured interval */
	u64 events;
	double wall_s;
	double jain_tasks;	/* Jain's fairness index of cpu_share / fair_share over tasks */
	struct cgroup_result *cgroups;
	int nr_cgroups;
	double jain_cgroups;	/* the same over the cgroups directly below the root */
	u64 longest_wait_ns;	/* max of tasks[].longest_wait_ns: starvation */
	char longest_wait_task[SCN_NAME_MAX + 16];
	struct yield_result yield; /* printed only when the policy did something */
	struct kvm_run_result *kvm; /* VMs and vCPUs (include/kvmsim/kvm_report.h), or NULL */
};

/*
 * The fair-share solver. Nodes: [0] the root group, then groups and tasks in any order
 * (a parent may come after its children); a task has is_task, weight (its nice weight),
 * demand (CPUs it would use alone, <= 1) and its affinity; a group has its shares.
 * Fills .fair (in CPUs). Returns 0 or -ENOMEM.
 */
struct fair_node {
	int parent;			/* -1 for node 0 */
	bool is_task;
	unsigned long weight;		/* task: nice weight; group: shares */
	double demand;			/* tasks */
	struct cpumask cpus;		/* tasks */
	double fair;			/* out */
};

int fair_share_solve(struct fair_node *n, int nr, int nr_cpus);
/* Jain's index (sum x)^2 / (n sum x^2) of x_i = share_i / fair_i over fair_i > 0; 0 if none. */
double jain_index(const double *share, const double *fair, int n);
/*
 * After tasks[] (cpu_share, fair_share, longest_wait_ns) and cgroups[] (cpu_share,
 * fair_share) are filled: the Jain indices and the longest wait.
 */
void run_result_finish(struct run_result *r);

/* sim/fairness.c: fill fair shares, cgroups, longest waits and the policy's counters. */
struct host;
int host_report_fairness(struct host *h, struct run_result *r);

void report_print_table(FILE *f, const struct run_result *r);
void report_print_json(FILE *f, const struct run_result *r);
void report_print_csv(FILE *f, const struct run_result *r);
void run_result_free(struct run_result *r);

#endif
