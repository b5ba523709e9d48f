/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMX APICv virtual-interrupt delivery and KVM's runtime APICv (de)activation, around
 * one vCPU's struct kvm_lapic (arch/x86/kvm/vmx/apicv.c; docs/model/apicv-svi.md).
 *
 * The virtual-APIC page is KVM's LAPIC register page, as in KVM: vIRR/vISR/VPPR/VTPR
 * are apic.irr/isr/ppr/tpr. The VMCS fields that matter live in struct vmcs_apicv
 * (vmcs01 for L1, vmcs02 while L2 runs). The guest is modeled as a stack of vectors it
 * is handling (handlers run with interrupts disabled; EOI + IRET pops the top).
 *
 * The model advances by events (enum apicv_event), the alphabet of the exhaustive
 * explorer: vmx_apicv_step() applies one, or returns -EAGAIN if it is not enabled in
 * the current state.
 */
#ifndef KVMSIM_APICV_H
#define KVMSIM_APICV_H

#include <stdio.h>

#include "kvmsim/lapic.h"

/* [kvm] apicv_svi_fix */
enum apicv_svi_fix {
	APICV_SVI_FIX_NONE = 0, /* v6.18: SVI not written on runtime activation */
	APICV_SVI_FIX_V2 = 1,	/* Dongli Zhang v2: __kvm_vcpu_update_apicv() writes SVI */
	APICV_SVI_FIX_SEAN = 2, /* Sean: end of vmx_refresh_apicv_exec_ctrl() writes SVI */
};

/*
 * [kvm] apicv_nested_refresh: what __nested_vmx_vmexit() does with
 * nested.update_vmcs01_apicv_status. request = v6.18 (KVM_REQ_APICV_UPDATE, which
 * __kvm_vcpu_update_apicv() then ignores because apicv_active already equals activate:
 * Chao Gao's follow-up report); direct = call vmx_refresh_apicv_exec_ctrl() (the fix).
 */
enum apicv_nested_refresh {
	APICV_NESTED_REFRESH_REQUEST = 0,
	APICV_NESTED_REFRESH_DIRECT = 1,
};

/* Inhibit reasons (enum kvm_apicv_inhibit, arch/x86/include/asm/kvm_host.h, v6.18). */
enum kvm_apicv_inhibit {
	APICV_INHIBIT_REASON_DISABLED,
	APICV_INHIBIT_REASON_HYPERV,
	APICV_INHIBIT_REASON_ABSENT,
	APICV_INHIBIT_REASON_BLOCKIRQ,
	APICV_INHIBIT_REASON_PHYSICAL_ID_ALIASED,
	APICV_INHIBIT_REASON_APIC_ID_MODIFIED,
	APICV_INHIBIT_REASON_APIC_BASE_MODIFIED,
	APICV_INHIBIT_REASON_NESTED,
	APICV_INHIBIT_REASON_IRQWIN,
	APICV_INHIBIT_REASON_PIT_REINJ,
	APICV_INHIBIT_REASON_SEV,
	APICV_INHIBIT_REASON_LOGICAL_ID_ALIASED,
	APICV_INHIBIT_REASON_PHYSICAL_ID_TOO_BIG,
};

/* VMCS control bits (arch/x86/include/asm/vmx.h) */
#define PIN_BASED_POSTED_INTR		     0x00000080u
#define SECONDARY_EXEC_APIC_REGISTER_VIRT    0x00000100u
#define SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY 0x00000200u
#define INTR_INFO_VECTOR_MASK		     0xffu
#define INTR_INFO_VALID_MASK		     0x80000000u
#define INTR_TYPE_EXT_INTR		     (0u << 8)
#define VECTORING_INFO_VALID_MASK	     INTR_INFO_VALID_MASK

struct vmcs_apicv {
	u16 guest_intr_status; /* GUEST_INTR_STATUS: RVI bits 7:0, SVI bits 15:8 */
	u32 pin_based_exec_ctrl;
	u32 secondary_exec_ctrl;
	u32 vm_entry_intr_info; /* VM_ENTRY_INTR_INFO_FIELD */
	u32 idt_vectoring_info; /* IDT_VECTORING_INFO_FIELD */
	u64 eoi_exit_bitmap[4]; /* EOI_EXIT_BITMAP0..3 */
};

#define APICV_GUEST_STACK 16 /* one per priority class */

/* The vCPU: struct vcpu_vmx + vcpu->arch fields + the guest, flat and copyable. */
struct vmx_apicv_vcpu {
	struct kvm_lapic apic;
	struct vmcs_apicv vmcs01, vmcs02;
	bool guest_mode; /* is_guest_mode(): L2 active, vmcs02 is the current VMCS */
	bool running;	 /* in VMX non-root operation (vcpu->mode == IN_GUEST_MODE) */
	bool delivering; /* VM entry is delivering VM_ENTRY_INTR_INFO to the guest */
	u8 delivering_vec;
	bool irq_window;       /* CPU_BASED_INTR_WINDOW_EXITING requested */
	bool req_apicv_update; /* KVM_REQ_APICV_UPDATE */
	struct {
		bool update_vmcs01_hwapic_isr;
		bool update_vmcs01_apicv_status;
		bool vmcs12_vid; /* nested_cpu_has_vid(vmcs12): L1 uses VID for L2 */
	} nested;
	struct {
		bool injected;
		u8 nr;
	} interrupt;		   /* vcpu->arch.interrupt */
	u32 apicv_inhibit_reasons; /* kvm->arch.apicv_inhibit_reasons */
	u8 fix;			   /* enum apicv_svi_fix */
	u8 nested_refresh;	   /* enum apicv_nested_refresh */
	bool warned;		   /* the pre-v2 WARN_ON_ONCE in vmx_hwapic_isr_update fired */
	/* guest model */
	u8 guest_depth;
	u8 guest_stack[APICV_GUEST_STACK];
	/* interrupts accepted into IRR/PIR (not coalesced) minus those the guest took */
	s16 outstanding;
};

enum apicv_event {
	APICV_EV_RAISE,		       /* interrupt raised: kvm_apic_set_irq(fixed, edge) */
	APICV_EV_INJECT,	       /* KVM: requests + kvm_check_and_inject_events() */
	APICV_EV_ENTRY,		       /* KVM: sync_pir_to_irr, then VM entry (or cancel) */
	APICV_EV_EXIT_BEFORE_DELIVERY, /* VM exit while delivering the injected event */
	APICV_EV_EXIT,		       /* VM exit (after delivery of any injected event) */
	APICV_EV_EOI,		       /* the guest (L1) writes EOI and returns from its handler */
	APICV_EV_ACTIVATE,     /* an inhibit is cleared: APICv activated (KVM_REQ_APICV_UPDATE) */
	APICV_EV_DEACTIVATE,   /* an inhibit is set: APICv deactivated */
	APICV_EV_NESTED_ENTRY, /* L1 executes VMLAUNCH/VMRESUME: nested_vmx_run() */
	APICV_EV_NESTED_EXIT,  /* L2 exits to L1: __nested_vmx_vmexit() */
	APICV_EV_NR,
};

extern const char *const apicv_event_names[APICV_EV_NR];

/* The inhibit reason the model's ACTIVATE/DEACTIVATE toggle. */
#define APICV_MODEL_INHIBIT APICV_INHIBIT_REASON_BLOCKIRQ

/* A vCPU at reset, guest APIC enabled, the given fix; APICv inhibited if !apicv_on. */
void vmx_apicv_vcpu_init(struct vmx_apicv_vcpu *v, int fix, int nested_refresh, bool apicv_on);
/* Apply one event; vector is used by APICV_EV_RAISE. 0, or -EAGAIN if not enabled. */
int vmx_apicv_step(struct vmx_apicv_vcpu *v, enum apicv_event ev, int vector);

/* The kernel functions modeled (see apicv.c for the kernel source of each). */
void vmx_hwapic_isr_update(struct kvm_lapic *apic, int max_isr);
void vmx_set_rvi(struct vmx_apicv_vcpu *v, int vector);
int vmx_sync_pir_to_irr(struct kvm_lapic *apic);
void vmx_refresh_apicv_exec_ctrl(struct vmx_apicv_vcpu *v);
void __kvm_vcpu_update_apicv(struct vmx_apicv_vcpu *v);
void kvm_set_or_clear_apicv_inhibit(struct vmx_apicv_vcpu *v, enum kvm_apicv_inhibit reason,
				    bool set);
void __nested_vmx_vmexit(struct vmx_apicv_vcpu *v);
void vmx_load_eoi_exitmap(struct vmx_apicv_vcpu *v, const u64 *eoi_exit_bitmap);

static inline u8 vmcs_rvi(const struct vmcs_apicv *vmcs)
{
	return vmcs->guest_intr_status & 0xff;
}

static inline u8 vmcs_svi(const struct vmcs_apicv *vmcs)
{
	return vmcs->guest_intr_status >> 8;
}

/* ISR == the vectors the guest is handling + the one being injected (the invariant). */
bool vmx_apicv_isr_consistent(const struct vmx_apicv_vcpu *v);
void vmx_apicv_expected_isr(const struct vmx_apicv_vcpu *v, u32 *expect);
bool vmx_apicv_quiescent(const struct vmx_apicv_vcpu *v);

/* Print QEMU `info lapic` ISR/IRR/PPR lines plus the VMX state, one step. */
void vmx_apicv_dump(FILE *f, const struct vmx_apicv_vcpu *v);

/* Parsers for the knobs: 0 or -EINVAL. */
int apicv_parse_fix(const char *s, int *fix);
int apicv_parse_nested_refresh(const char *s, int *r);
const char *apicv_fix_name(int fix);
const char *apicv_nested_refresh_name(int r);

/* The explorer (tools/kvmsim/apicv.c). */
#define APICV_MAX_VECTORS 4
#define APICV_MAX_DEPTH	  64
#define APICV_MAX_TRACE	  (APICV_MAX_DEPTH + 80)

struct apicv_step_rec {
	u8 ev;
	u8 vector;
	bool drain; /* added by the liveness drain, not chosen by the explorer */
};

struct apicv_explore_opts {
	int fix;
	int nested_refresh;
	int depth;
	int nr_vectors;
	int vectors[APICV_MAX_VECTORS];
	bool nested;	     /* include NESTED_ENTRY/NESTED_EXIT */
	bool apicv_on;	     /* initial APICv state */
	int eoi_exit_vector; /* 16..255: set in the EOI-exit bitmap; 0: empty bitmap */
};

enum apicv_violation {
	APICV_OK = 0,
	APICV_VIOLATION_ISR,   /* ISR != handled + in flight (a stuck or lost ISR bit) */
	APICV_VIOLATION_LOST,  /* draining never delivers a pending vector */
	APICV_VIOLATION_STUCK, /* after draining: guest done, ISR not empty */
};

struct apicv_explore_result {
	u64 states;	 /* distinct states reached */
	u64 transitions; /* events applied */
	int depth_done;	 /* deepest complete layer */
	bool exhausted;	 /* the frontier emptied: every reachable state was explored */
	int violation;	 /* enum apicv_violation */
	int trace_len;
	int trace_explored; /* events chosen by the explorer (the rest are the drain) */
	struct apicv_step_rec trace[APICV_MAX_TRACE];
	struct vmx_apicv_vcpu final; /* the violating state */
};

void apicv_explore_opts_default(struct apicv_explore_opts *o);
int apicv_explore(const struct apicv_explore_opts *o, struct apicv_explore_result *res);
const char *apicv_violation_name(int v);

/* The changelog scenarios: 1, 2, and 3 (nested: APICv activated while L2 runs). */
#define APICV_SCENARIO_MAX_STEPS 32
struct apicv_scenario_step {
	u8 ev;
	u8 vector;
	const char *what;
};
int apicv_scenario(int n, const struct apicv_scenario_step **steps, int *nr);

#endif
