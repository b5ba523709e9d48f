/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scenario files (INI, see architecture.md "Scenario files"), loaded with inih into plain
 * data. Building the simulated host from it is sim/host.c's job; kvmsim hostrun builds a
 * real one from the same data.
 */
#ifndef KVMSIM_SCENARIO_H
#define KVMSIM_SCENARIO_H

#include "kvmsim/cpumask.h"
#include "kvmsim/types.h"

#define SCN_NAME_MAX 64
#define SCN_ERR_MAX 512
/* A key's line: > 0 in the file, 0 never given (default), SCN_LINE_SET from --set. */
#define SCN_LINE_SET (-1)

enum sched_kernel {
	KERNEL_V6_18,	/* vanilla v6.18.0: old yield, min_vruntime */
	KERNEL_V6_19,	/* v6.19: forfeit yield, zero_vruntime, waker-ineligible resched */
};

enum preempt_model {
	PREEMPT_MODEL_NONE,
	PREEMPT_MODEL_VOLUNTARY,
	PREEMPT_MODEL_FULL,
	PREEMPT_MODEL_LAZY,
};

enum tunable_scaling {
	SCHED_TUNABLESCALING_NONE,
	SCHED_TUNABLESCALING_LOG,
	SCHED_TUNABLESCALING_LINEAR,
};

enum sched_feat_idx {
#define SCHED_FEAT(name, enabled) __SCHED_FEAT_##name,
#include "kvmsim/sched_features.h"
#undef SCHED_FEAT
	__SCHED_FEAT_NR,
};

enum task_behavior {
	TASK_HOG,	/* runs forever */
	TASK_PERIODIC,	/* loop: run `run` of CPU time, sleep `sleep` */
	TASK_YIELD_LOOP,/* loop: run `run` of CPU time, sched_yield() */
	TASK_YIELD_TO,	/* loop: run `period` of CPU time, yield_to(target) */
};

struct scn_host {
	int cpus;
	int hz;
	enum sched_kernel kernel;
	enum preempt_model preempt;
	u64 duration, warmup, seed;
	u64 balance_interval_ns;	/* periodic load balance period (0 = off) */
	int duration_line, warmup_line;
};

struct scn_sched {
	u64 base_slice_ns;		/* normalized_sysctl_sched_base_slice */
	bool base_slice_set;		/* given explicitly: no CPU-count scaling */
	enum tunable_scaling tunable_scaling;
	u64 migration_cost_ns;
	bool features[__SCHED_FEAT_NR];
};

struct scn_cgroup {
	char name[SCN_NAME_MAX];
	char parent[SCN_NAME_MAX];	/* "" = root */
	u64 shares;
	int line;
	int parent_line;
};

struct scn_task {
	char name[SCN_NAME_MAX];
	char cgroup[SCN_NAME_MAX];	/* "" = root */
	int nice;
	bool has_cpus;
	struct cpumask cpus;
	enum task_behavior behavior;
	u64 run, sleep;			/* periodic, yield-loop */
	u64 period;			/* yield-to */
	char target[SCN_NAME_MAX];	/* yield-to */
	int count;
	int line;
	int cpus_line;			/* where cpus = was given, for range errors */
	int cgroup_line, target_line;
};

struct scenario {
	char path[256];
	struct scn_host host;
	struct scn_sched sched;
	struct scn_cgroup *cgroups;
	int nr_cgroups;
	struct scn_task *tasks;
	int nr_tasks;
};

/*
 * Load @path. On error returns NULL and writes "FILE:LINE: message" into @err
 * (SCN_ERR_MAX bytes); a missing file is "FILE: cannot open: reason".
 */
struct scenario *scenario_load(const char *path, char *err);
/* The defaults of every key, as a scenario without sections. */
void scenario_defaults(struct scenario *s);
/* Apply "SECTION.KEY=VALUE" (named sections: "task.NAME.KEY=VALUE"). 0 or -errno + @err. */
int scenario_set(struct scenario *s, const char *assignment, char *err);
/* Cross-checks (cgroup parents, task cgroups, CPU ranges, yield-to targets). */
int scenario_validate(const struct scenario *s, char *err);
void scenario_free(struct scenario *s);

const char *task_behavior_name(enum task_behavior b);
const char *sched_feat_name(int idx);

#endif
