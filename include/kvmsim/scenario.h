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
#define KVM_MAX_VCPUS_MODEL 256

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
	u64 balance_interval_ns;	/* the sched domain's min_interval (0 = no periodic balance) */
	bool balance_interval_set;	/* given: else the kernel's sd_weight ms */
	int duration_line, warmup_line;
};

struct scn_sched {
	u64 base_slice_ns;		/* normalized_sysctl_sched_base_slice */
	bool base_slice_set;		/* given explicitly: no CPU-count scaling */
	enum tunable_scaling tunable_scaling;
	u64 migration_cost_ns;
	bool features[__SCHED_FEAT_NR];
	int vcpu_debooster_enabled;	/* SCN_KNOB_DEFAULT: on with a policy with the debooster */
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

/*
 * [policy] yield: which directed-yield design runs (docs/model/policies.md).
 * baseline is the kernel version's own behaviour ([host] kernel).
 */
enum yield_policy {
	YIELD_BASELINE,
	YIELD_SEED_V1,		/* both parts of the series, v1 */
	YIELD_SEED_V1_SCHED,	/* v1 patches 1-5: the debooster */
	YIELD_SEED_V1_KVM,	/* v1 patches 6-10: bugfix, IPI tracking, candidates, relaxed boost */
	YIELD_SEED_V2,
	YIELD_LAG_CREDIT_V3,
	YIELD_PRATEEK,
	YIELD_ISHIGURO,
	YIELD_BORNTRAEGER,
	YIELD_SEGALL_SWAP,
	YIELD_NEXT_BUDDY,
	__YIELD_POLICY_NR,
};

struct scn_policy {
	enum yield_policy yield;
};

/* A knob whose default follows the policy: -1 until given. */
#define SCN_KNOB_DEFAULT (-1)

/* [kvm]: KVM's module parameters (kvm, kvm_intel, kvm_amd) and the host CPU's costs. */
enum kvm_pause_exit { KVM_PAUSE_VMX_PLE, KVM_PAUSE_SVM_FILTER };

struct scn_kvm {
	enum kvm_pause_exit pause_exit;	/* arch = vmx | svm */
	u64 ple_gap, ple_window, ple_window_grow, ple_window_shrink, ple_window_max;
	u64 pause_filter_thresh, pause_filter_count, pause_filter_count_grow,
		pause_filter_count_shrink, pause_filter_count_max;
	u64 tsc_khz;			/* cycles per ms of the host TSC */
	u64 pause_cycles;		/* latency of one PAUSE */
	u64 halt_poll_ns, halt_poll_ns_grow, halt_poll_ns_grow_start, halt_poll_ns_shrink;
	bool enable_apicv;
	bool enable_ipiv;		/* IPI virtualization: ICR writes do not exit */
	int apicv_svi_fix;		/* enum apicv_svi_fix */
	int last_boosted_vcpu_fix;	/* SCN_KNOB_DEFAULT: v6.19 or a policy with the KVM part */
	int ipi_tracking_enabled;	/* SCN_KNOB_DEFAULT: on with a policy that tracks IPIs */
	u64 ipi_window_ns;
	int enable_relaxed_boost;	/* SCN_KNOB_DEFAULT: on with the seed's KVM part */
	u64 vmexit_ns;			/* a VM exit plus the re-entry, host work excluded */
	u64 hypercall_ns;		/* a hypercall exit handled in KVM, round trip */
	u64 vcpu_start_spread;		/* vCPU threads start uniformly in [0, this) */
};

/* Guest kernel features and costs of one VM ([vm NAME] guest.KEY). */
struct scn_guest {
	bool pv_spinlock;		/* KVM_FEATURE_PV_UNHALT: PV qspinlock, else TAS */
	bool pv_sched_yield;		/* KVM_FEATURE_PV_SCHED_YIELD */
	bool pv_tlb_flush;		/* KVM_FEATURE_PV_TLB_FLUSH */
	bool pv_send_ipi;		/* KVM_FEATURE_PV_SEND_IPI */
	bool haltpoll;			/* cpuidle-haltpoll: MSR_KVM_POLL_CONTROL disables host poll */
	int hz;				/* guest CONFIG_HZ */
	u64 ctxsw_ns;			/* guest context switch */
	u64 ipi_handler_ns;		/* entry + handler + EOI of a call-function / reschedule IPI */
	u64 wakeup_ns;			/* try_to_wake_up in the guest, the waker's cost */
};

/* A workload key ([vm NAME] workload.KEY = VALUE), checked by the workload itself. */
struct scn_kv {
	char key[SCN_NAME_MAX];
	char val[128];
	int line;
};

struct scn_vm {
	char name[SCN_NAME_MAX];
	int count;			/* identical VMs NAME.0 .. NAME.count-1 */
	int vcpus;
	u64 shares;			/* the VM cgroup's cpu.shares */
	char parent[SCN_NAME_MAX];	/* parent cgroup ("" = root) */
	bool vcpu_cgroups;		/* per-vCPU leaf groups, as libvirt does */
	bool has_cpus;
	struct cpumask cpus;		/* every vCPU's affinity */
	bool pin_1to1;			/* cpus = pin: vCPU i on CPU i % host cpus */
	int nice;
	char workload[SCN_NAME_MAX];
	struct scn_kv *wl;
	int nr_wl;
	struct scn_guest guest;
	int line, parent_line, cpus_line;
};

struct scenario {
	char path[256];
	struct scn_host host;
	struct scn_sched sched;
	struct scn_policy policy;
	struct scn_kvm kvm;
	struct scn_vm *vms;
	int nr_vms;
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
const char *yield_policy_name(enum yield_policy p);
/* The policy named @name (as in [policy] yield), or -1. */
int yield_policy_from_name(const char *name);
const char *sched_feat_name(int idx);

#endif
