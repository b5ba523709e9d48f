/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMs and vCPUs of the KVM layer (include/linux/kvm_host.h, arch/x86/include/asm/
 * kvm_host.h, Linux v6.18). A vCPU is a host task (struct task_struct of the scheduler
 * model) in its VM's cgroup; its thread runs the guest while it is on a CPU. Field and
 * function names follow the kernel; docs/model/kvm.md lists the simplifications.
 */
#ifndef KVMSIM_KVM_HOST_H
#define KVMSIM_KVM_HOST_H

#include "kvmsim/kvm_report.h"
#include "kvmsim/lapic.h"
#include "kvmsim/sched.h"
#include "kvmsim/stats.h"

struct guest;
struct guest_cpu;
struct kvm;

/* vcpu->mode (include/linux/kvm_host.h) */
enum vcpu_mode { OUTSIDE_GUEST_MODE, IN_GUEST_MODE };

/* Where the vCPU thread is when it is on a CPU (the model's run loop states). */
enum vcpu_run_state {
	VCPU_RUN_GUEST,		/* executing guest code */
	VCPU_RUN_HOST,		/* in KVM: handling an exit (exit cost still running) */
	VCPU_RUN_POLL,		/* kvm_vcpu_halt: halt polling */
	VCPU_RUN_BLOCKED,	/* kvm_vcpu_block: asleep on its rcuwait */
};

/* The seed series' per-vCPU IPI context (v2 patch 6: vcpu->arch.ipi_context). */
struct ipi_context {
	int last_ipi_sender;
	int last_ipi_receiver;
	bool pending_ipi;
	u64 ipi_time_ns;
};

/* Steal-time page flags (arch/x86/include/uapi/asm/kvm_para.h) */
#define KVM_VCPU_PREEMPTED (1 << 0)
#define KVM_VCPU_FLUSH_TLB (1 << 1)

struct kvm_vcpu {
	struct kvm *kvm;
	int vcpu_idx;
	char name[SCN_NAME_MAX + 16];
	struct task_struct *task;	/* vcpu->pid's task */
	struct kvm_lapic apic;
	struct guest_cpu *gcpu;		/* the guest kernel's view of this CPU */

	/* preempt notifier state (B.4) */
	bool preempted, ready, scheduled_out, wants_to_run;
	bool preempted_in_kernel;	/* vcpu->arch.preempted_in_kernel */
	/* directed yield (B.1, B.2) */
	bool in_spin_loop, dy_eligible;
	/* run loop */
	enum vcpu_mode mode;
	enum vcpu_run_state run_state;
	bool blocking;			/* rcuwait_active(kvm_arch_vcpu_get_wait(vcpu)) */
	bool req_event;			/* KVM_REQ_EVENT / a kick arrived */
	u64 halt_poll_ns;		/* vcpu->halt_poll_ns */
	u64 halt_start, poll_end;
	struct sim_event poll_ev;
	/* VMX PLE / SVM pause filter: the per-vCPU window (cycles, or PAUSE count) */
	u64 ple_window;
	u64 ple_window_ns;		/* the same as guest spin time (kvm_ple_window_ns) */
	/* PV: the steal-time page's preempted byte */
	u8 st_preempted;
	/* the seed series */
	struct ipi_context ipi_context;

	/* statistics */
	struct kvm_counters c, c_at_warmup;
	struct hist ipi_latency;	/* send -> handler start, ns */
	u64 state_since;		/* start of the current run/wait/halt spell */
	int acct_state;			/* 0 running, 1 runnable waiting, 2 halted */
};

/* Events of the KVM layer, for tests and traces (kvm_params.trace). */
enum kvm_trace_kind {
	KVM_TRACE_SCHED_IN,	/* arg: the CPU */
	KVM_TRACE_SCHED_OUT,	/* arg: 1 if preempted */
	KVM_TRACE_IPI_SEND,	/* arg: the target vCPU index */
	KVM_TRACE_IRQ_BEGIN,	/* arg: the vector */
	KVM_TRACE_PLE_EXIT,	/* arg: the window (cycles or PAUSEs) that filled */
	KVM_TRACE_YIELD,	/* arg: the candidate index; result in arg2 */
	KVM_TRACE_HALT,		/* arg: 0 blocked, 1 polling, 2 not halted (events pending) */
	KVM_TRACE_WAKE,		/* arg: 0 */
	KVM_TRACE_PV_HALT,	/* arg: the spin loops done */
	KVM_TRACE_KICK,		/* arg: the kicked APIC ID */
};

struct kvm_trace_event {
	enum kvm_trace_kind kind;
	u64 time;
	const struct kvm_vcpu *vcpu;
	s64 arg, arg2;
};

/* Module parameters and the policy of the run, resolved from the scenario. */
struct kvm_params {
	struct scn_kvm s;		/* as given, knobs resolved (no SCN_KNOB_DEFAULT) */
	enum yield_policy policy;
	bool seed_candidates;		/* kvm_vcpu_is_good_yield_candidate (seed KVM part) */
	bool ishiguro_ipi_boost;	/* Ishiguro VEE'21 patch 2 */
	u64 seed;			/* [host] seed: the guests' RNG streams */
	/* optional observers and seams (tests): NULL in normal runs */
	void (*trace)(void *opaque, const struct kvm_trace_event *e);
	int (*yield_to_hook)(void *opaque, struct kvm_vcpu *me, struct kvm_vcpu *target);
	void *opaque;
};

static inline void kvm_trace(const struct kvm_vcpu *vcpu, const struct kvm_params *p,
			     enum kvm_trace_kind kind, s64 arg, s64 arg2, u64 now)
{
	if (p->trace) {
		struct kvm_trace_event e = {kind, now, vcpu, arg, arg2};

		p->trace(p->opaque, &e);
	}
}

struct kvm {
	char name[SCN_NAME_MAX + 16];
	int index;			/* in the host's VM list */
	struct host *host;
	struct kvm_params *params;	/* shared by every VM of the run */
	struct task_group *tg;		/* the VM's cgroup */
	int online_vcpus;
	struct kvm_vcpu **vcpus;
	int last_boosted_vcpu;
	struct kvm_apic_map apic_map;
	struct guest *guest;
	const struct scn_vm *spec;
	/* guest-wide statistics that live in the guest model */
	struct hist lock_hold, lock_wait;
};

/* virt/kvm/kvm_main.c */
void kvm_sched_in(struct kvm_vcpu *vcpu, int cpu);
void kvm_sched_out(struct kvm_vcpu *vcpu);
void kvm_vcpu_on_spin(struct kvm_vcpu *me, bool yield_to_kernel_mode);
bool kvm_vcpu_eligible_for_directed_yield(struct kvm_vcpu *vcpu);
/* kvm_vcpu_yield_to(target) run by @me (current) */
int kvm_vcpu_yield_to(struct kvm_vcpu *me, struct kvm_vcpu *target);
bool kvm_vcpu_wake_up(struct kvm_vcpu *vcpu);
void kvm_vcpu_kick(struct kvm_vcpu *vcpu);
void kvm_vcpu_halt(struct kvm_vcpu *vcpu);
/* kvm_vcpu_halt() after the halt ended (woken from kvm_vcpu_block or a poll success) */
void kvm_vcpu_halt_done(struct kvm_vcpu *vcpu);
void kvm_vcpu_poll_resume(struct kvm_vcpu *vcpu);
bool vcpu_dy_runnable(struct kvm_vcpu *vcpu);
bool kvm_vcpu_is_ipi_receiver(struct kvm_vcpu *sender, struct kvm_vcpu *receiver);
void kvm_track_ipi_communication(struct kvm_vcpu *sender, struct kvm_vcpu *receiver);
void kvm_clear_ipi_on_eoi(struct kvm_vcpu *receiver);
static inline struct kvm_vcpu *kvm_get_vcpu(struct kvm *kvm, int i)
{
	return kvm->vcpus[i];
}
/* halt polling adaptation (grow_halt_poll_ns / shrink_halt_poll_ns) */
u64 kvm_grow_halt_poll_ns(const struct scn_kvm *k, u64 val);
u64 kvm_shrink_halt_poll_ns(const struct scn_kvm *k, u64 val);
void kvm_vcpu_poll_init(struct kvm_vcpu *vcpu);

/* arch/x86/kvm/vmx/ple.c and svm pause filter */
u64 __grow_ple_window(u64 val, u64 base, u64 modifier, u64 max);
u64 __shrink_ple_window(u64 val, u64 base, u64 modifier, u64 min);
void kvm_ple_vcpu_init(struct kvm_vcpu *vcpu);
void grow_ple_window(struct kvm_vcpu *vcpu);
void shrink_ple_window(struct kvm_vcpu *vcpu);
bool kvm_pause_in_guest(const struct kvm *kvm);
/* ns of continuous PAUSE spinning that trigger the next exit (window in ns) */
u64 kvm_ple_window_ns(const struct kvm_vcpu *vcpu);
/* handle_pause / pause_interception: the exit, after the window */
void kvm_handle_pause(struct kvm_vcpu *vcpu, bool in_kernel);

/* arch/x86/kvm/x86.c */
bool kvm_arch_vcpu_preempted_in_kernel(struct kvm_vcpu *vcpu);
bool kvm_arch_dy_runnable(struct kvm_vcpu *vcpu);
bool kvm_arch_dy_has_pending_interrupt_vcpu(struct kvm_vcpu *vcpu);
void kvm_steal_time_set_preempted(struct kvm_vcpu *vcpu);
void record_steal_time(struct kvm_vcpu *vcpu);
/* KVM_HC_KICK_CPU: kvm_pv_kick_cpu_op + kvm_sched_yield. */
void kvm_hc_kick_cpu(struct kvm_vcpu *vcpu, int apicid);
/* KVM_HC_SCHED_YIELD */
void kvm_sched_yield(struct kvm_vcpu *vcpu, int dest_id);
/* Deliver what a kvm_irq_delivery_to_apic() result asks for (kicks, wakes, posts). */
void kvm_apic_deliver_result(struct kvm *kvm, const struct kvm_apic_delivery *d);

/* The host side of a run with VMs (sim/kvm_sim.c). */
int kvm_create_vms(struct host *h, const struct scenario *s, struct kvm_params *params,
		   struct kvm ***vms, int *nr_vms, char *err);
void kvm_params_resolve(struct kvm_params *p, const struct scenario *s);
void kvm_destroy_vms(struct kvm **vms, int nr_vms);
/* Start the vCPU threads, each at a random time in [0, vcpu_start_spread). */
void kvm_start_vms(struct kvm **vms, int nr_vms);
void kvm_warmup(struct kvm **vms, int nr_vms);
int kvm_collect(struct kvm **vms, int nr_vms, u64 measured, struct kvm_run_result *out);

#endif
