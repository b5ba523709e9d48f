/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The KVM layer's results of one run (issue 3 "Metrics"): per VM and per vCPU, hung off
 * struct run_result as ->kvm (NULL for host-only scenarios). Times are over the
 * measured interval (after [host] warmup).
 */
#ifndef KVMSIM_KVM_REPORT_H
#define KVMSIM_KVM_REPORT_H

#include <stdio.h>

#include "kvmsim/scenario.h"
#include "kvmsim/types.h"

struct json;

/* yield_to() results as kvm_vcpu_on_spin sees them */
enum { YIELD_ESRCH, YIELD_FAIL, YIELD_OK, __YIELD_NR };

struct kvm_counters {
	u64 work;			/* GOP_WORK units */
	u64 run_ns, wait_ns, halt_ns;	/* running / runnable waiting / halted (blocked) */
	u64 spin_ns;			/* guest time spent spinning (locks, csd wait) */
	u64 ple_exits;			/* pause-loop exits (PAUSE intercepts on SVM) */
	u64 on_spin;			/* kvm_vcpu_on_spin calls that scanned */
	u64 yield[__YIELD_NR];		/* kvm_vcpu_yield_to results from on_spin */
	u64 pv_yield_attempted, pv_yield_successful; /* kvm_sched_yield */
	u64 halts, halt_poll_success, wakeups;
	u64 ipis_sent, ipis_received;
	u64 lhp_events;			/* preempted while holding a guest spinlock */
	u64 steal_ns;			/* runnable but not running (steal time) */
	u64 kicks;			/* KVM_HC_KICK_CPU */
};

struct vcpu_result {
	char name[SCN_NAME_MAX + 16];	/* VM.vcpuN */
	int vm;				/* index in kvm_run_result.vms */
	struct kvm_counters c;
	u64 ipi_latency_p50_ns, ipi_latency_p99_ns;
};

struct vm_result {
	char name[SCN_NAME_MAX + 16];
	char workload[SCN_NAME_MAX];
	int nr_vcpus;
	struct kvm_counters c;
	double throughput;		/* work per measured second */
	double cpu_share;		/* CPU time / measured time, in CPUs */
	u64 ipi_latency_p50_ns, ipi_latency_p99_ns;
	u64 lock_hold_p50_ns, lock_hold_p99_ns, lock_wait_p50_ns, lock_wait_p99_ns;
};

struct kvm_run_result {
	struct vm_result *vms;
	int nr_vms;
	struct vcpu_result *vcpus;
	int nr_vcpus;
	double jain_vms;		/* Jain's index of VM CPU time / fair share */
	double jain_vcpus;
};

void kvm_report_table(FILE *f, const struct kvm_run_result *k);
/* Adds "vms": [...], "vcpus": [...], "jain_vms", "jain_vcpus" to the open JSON object. */
void kvm_report_json(struct json *j, const struct kvm_run_result *k);
void kvm_report_csv(FILE *f, const struct kvm_run_result *k);
void kvm_run_result_free(struct kvm_run_result *k);

#endif
