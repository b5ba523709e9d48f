/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The local APIC of arch/x86/kvm/lapic.c (Linux v6.18): IRR/ISR/TMR for 256 vectors,
 * TPR/PPR, fixed, lowest-priority, NMI, INIT/SIPI and REMRD (PV kick) delivery,
 * physical and logical (flat/cluster) destinations in xAPIC and x2APIC mode, shorthands,
 * ICR writes, EOI of the highest in-service vector, acknowledge at VM entry, posted
 * interrupts when APICv is active and exit-based delivery when it is not.
 *
 * The API is self-contained: it knows nothing of the scheduler or of struct kvm_vcpu.
 * A VM owns one struct kvm_apic_map and N struct kvm_lapic (one per vCPU, embedded where
 * the caller likes). Every delivery fills a struct kvm_apic_delivery listing the vCPUs
 * that accepted the interrupt and what the KVM layer must do to each (the kernel's
 * kvm_vcpu_kick / kvm_vcpu_wake_up / posted-interrupt notification), so the caller
 * kicks or wakes them.
 *
 * IPI tracking (the seed series, vcpu-scheduling-series.md 1.2) hooks in through
 * struct kvm_apic_map: ipi_hook is called from kvm_irq_delivery_to_apic() for each
 * LAPIC-originated, fixed, no-shorthand IPI accepted by exactly one vCPU other than the
 * sender; eoi_hook is called from the two EOI paths that reach KVM (the trapped EOI,
 * apic_set_eoi, and the EOI-induced exit, kvm_apic_set_eoi_accelerated). A virtualized
 * EOI (APICv, vector not in the EOI-exit bitmap) never reaches KVM and calls no hook.
 *
 * See docs/model/lapic.md for what is modeled and every simplification.
 */
#ifndef KVMSIM_LAPIC_H
#define KVMSIM_LAPIC_H

#include "kvmsim/types.h"

#define KVM_APIC_MAX_VCPUS 256
#define APIC_VECTORS	   256
#define APIC_VEC_WORDS	   (APIC_VECTORS / 32)

/* Register offsets of the xAPIC page (arch/x86/include/asm/apicdef.h). */
#define APIC_ID	      0x20
#define APIC_LVR      0x30
#define APIC_TASKPRI  0x80
#define APIC_ARBPRI   0x90
#define APIC_PROCPRI  0xA0
#define APIC_EOI      0xB0
#define APIC_LDR      0xD0
#define APIC_DFR      0xE0
#define APIC_SPIV     0xF0
#define APIC_ISR      0x100
#define APIC_TMR      0x180
#define APIC_IRR      0x200
#define APIC_ICR      0x300
#define APIC_ICR2     0x310
#define APIC_SELF_IPI 0x3F0 /* x2APIC only */

#define APIC_SPIV_APIC_ENABLED 0x100
#define APIC_DFR_FLAT	       0xFFFFFFFFu
#define APIC_DFR_CLUSTER       0x0FFFFFFFu
#define APIC_BROADCAST	       0xFF
#define X2APIC_BROADCAST       0xFFFFFFFFu

/* ICR low fields, with the kernel's (unshifted) values. */
#define APIC_VECTOR_MASK   0x000FF
#define APIC_MODE_MASK	   0x00700
#define APIC_DM_FIXED	   0x00000
#define APIC_DM_LOWEST	   0x00100
#define APIC_DM_SMI	   0x00200
#define APIC_DM_REMRD	   0x00300
#define APIC_DM_NMI	   0x00400
#define APIC_DM_INIT	   0x00500
#define APIC_DM_STARTUP	   0x00600
#define APIC_DM_EXTINT	   0x00700
#define APIC_DEST_MASK	   0x00800
#define APIC_DEST_PHYSICAL 0x00000
#define APIC_DEST_LOGICAL  0x00800
#define APIC_ICR_BUSY	   0x01000
#define APIC_INT_ASSERT	   0x04000
#define APIC_INT_LEVELTRIG 0x08000
#define APIC_SHORT_MASK	   0xC0000
#define APIC_DEST_NOSHORT  0x00000
#define APIC_DEST_SELF	   0x40000
#define APIC_DEST_ALLINC   0x80000
#define APIC_DEST_ALLBUT   0xC0000

/* struct kvm_lapic_irq (arch/x86/include/asm/kvm_host.h). */
struct kvm_lapic_irq {
	u32 vector;
	u16 delivery_mode; /* APIC_DM_* */
	u16 dest_mode;	   /* APIC_DEST_PHYSICAL or APIC_DEST_LOGICAL */
	bool level;	   /* APIC_INT_ASSERT */
	u16 trig_mode;	   /* 0 edge, 1 level */
	u32 shorthand;	   /* APIC_DEST_NOSHORT, _SELF, _ALLINC, _ALLBUT */
	u32 dest_id;
	bool msi_redir_hint;
};

/*
 * What the KVM layer must do to a vCPU that accepted an interrupt (the tail of
 * __apic_accept_irq / vmx_deliver_interrupt / kvm_vcpu_trigger_posted_interrupt).
 */
enum kvm_apic_kick {
	KVM_APIC_NO_KICK = 0,
	/* KVM_REQ_EVENT was made: kvm_vcpu_kick() — a running vCPU is IPI'd out of the
	 * guest (a VM exit), a halted one is woken. The exit-based path (APICv off). */
	KVM_APIC_KICK,
	/* APICv: the vCPU is IN_GUEST_MODE, the posted-interrupt notification vector is
	 * sent to its pCPU and the CPU delivers without a VM exit
	 * (call kvm_apic_guest_poll() on the target). */
	KVM_APIC_POSTED_IPI,
	/* APICv: the vCPU is not in the guest: kvm_vcpu_wake_up() (if blocked); the vector
	 * is picked up from the PIR by sync_pir_to_irr at the next VM entry. */
	KVM_APIC_WAKE,
	/* The PIR bit or the ON bit was already set: nothing to send. */
	KVM_APIC_POSTED_COALESCED,
};

/* The result of one delivery: the vCPUs that accepted it, in vCPU index order. */
struct kvm_apic_delivery {
	int nr;
	u16 vcpu[KVM_APIC_MAX_VCPUS];
	u8 kick[KVM_APIC_MAX_VCPUS]; /* enum kvm_apic_kick */
};

struct kvm_lapic;

/*
 * Hardware-assist callbacks, the kvm_x86_ops hooks that lapic.c calls
 * (hwapic_isr_update, sync_pir_to_irr, deliver_interrupt, ...). NULL ops, or a NULL
 * member, is "ideal hardware": SVI/RVI always track vISR/vIRR exactly (which is what
 * VMX does once KVM keeps them right), PIR/ON live in struct kvm_lapic. The VMX model of
 * arch/x86/kvm/vmx/apicv.c installs the precise ones.
 */
struct kvm_apic_hw_ops {
	void (*hwapic_isr_update)(struct kvm_lapic *apic, int max_isr);
	/* returns max_irr; called with apicv enabled, like vmx_sync_pir_to_irr */
	int (*sync_pir_to_irr)(struct kvm_lapic *apic);
	/* vmx_deliver_interrupt; returns enum kvm_apic_kick */
	int (*deliver_interrupt)(struct kvm_lapic *apic, int delivery_mode, int trig_mode,
				 int vector);
	bool (*is_guest_mode)(struct kvm_lapic *apic);
};

/* A VM's view of its LAPICs: kvm->arch.apic_map plus the vCPU array. */
struct kvm_apic_map {
	int nr_vcpus;
	struct kvm_lapic *apic[KVM_APIC_MAX_VCPUS]; /* by vCPU index */
	bool vector_hashing;			    /* kvm.vector_hashing, default true */
	/*
	 * IPI-tracking hook point (for kvm_track_ipi_communication). Optional. Called by
	 * kvm_irq_delivery_to_apic() after delivery when: src != NULL (LAPIC-originated),
	 * delivery_mode == APIC_DM_FIXED, shorthand == APIC_DEST_NOSHORT, exactly one vCPU
	 * accepted, and that vCPU is not src.
	 */
	void (*ipi_hook)(void *opaque, struct kvm_lapic *src, struct kvm_lapic *dst,
			 const struct kvm_lapic_irq *irq);
	/*
	 * EOI hook point (for kvm_clear_ipi_on_eoi). Optional. Called from apic_set_eoi()
	 * (trapped EOI, vector = the ISR bit cleared) and kvm_apic_set_eoi_accelerated()
	 * (EOI-induced exit). Not called for a virtualized EOI, nor when ISR was empty.
	 */
	void (*eoi_hook)(void *opaque, struct kvm_lapic *apic, int vector);
	void *hook_opaque;
};

/* struct kvm_lapic (arch/x86/kvm/lapic.h) with the register page as fields. */
struct kvm_lapic {
	int vcpu_idx; /* index in the VM (kvm_get_vcpu), also the default APIC ID */
	struct kvm_apic_map *map;
	const struct kvm_apic_hw_ops *hw;

	/* architectural registers */
	u32 id;	 /* APIC ID (xAPIC: 8 bits, x2APIC: 32 bits), not the register encoding */
	u32 ldr; /* register value: xAPIC logical ID in bits 31:24; x2APIC derived */
	u32 dfr;
	u32 tpr;
	u32 ppr;
	u32 spiv;
	u32 icr_lo, icr_hi;
	u32 irr[APIC_VEC_WORDS];
	u32 isr[APIC_VEC_WORDS];
	u32 tmr[APIC_VEC_WORDS];
	bool hw_enabled; /* IA32_APIC_BASE.EN (kvm_apic_hw_enabled) */
	bool x2apic_mode;

	/* KVM's software caches (valid only while !apicv_active) */
	bool irr_pending;
	int isr_count;
	int highest_isr_cache;
	bool apicv_active;

	/* posted-interrupt descriptor (kernel: vcpu_vmx.pi_desc) */
	u32 pir[APIC_VEC_WORDS];
	bool pi_on;

	/* EOI-exit bitmap KVM computes for level-triggered IOAPIC vectors */
	u64 eoi_exit_bitmap[4];

	/* vcpu->arch state the LAPIC touches */
	bool req_event;	    /* KVM_REQ_EVENT */
	bool in_guest_mode; /* vcpu->mode == IN_GUEST_MODE: set by the caller */
	u32 arb_prio;	    /* vcpu->arch.apic_arb_prio */
	u32 nmi_pending;
	bool pv_unhalted; /* vcpu->arch.pv.pv_unhalted (APIC_DM_REMRD) */
	bool init_pending;
	int sipi_vector;   /* -1: none */
	int apicv_svi_fix; /* enum apicv_svi_fix of apicv.h; 0 = none */
};

/* Vector bitmaps (apic_test_vector & co.) */
static inline bool apic_test_vector(int vec, const u32 *bitmap)
{
	return bitmap[vec >> 5] & (1u << (vec & 31));
}

static inline void apic_set_vector(int vec, u32 *bitmap)
{
	bitmap[vec >> 5] |= 1u << (vec & 31);
}

static inline void apic_clear_vector(int vec, u32 *bitmap)
{
	bitmap[vec >> 5] &= ~(1u << (vec & 31));
}

/* Highest set vector in a 256-bit bitmap, or -1 (apic_find_highest_vector). */
int apic_find_highest_vector(const u32 *bitmap);

/* VM and vCPU setup */
void kvm_apic_map_init(struct kvm_apic_map *map);
int kvm_create_lapic(struct kvm_lapic *apic, struct kvm_apic_map *map, int vcpu_idx);
void kvm_lapic_reset(struct kvm_lapic *apic);
/* Guest-side convenience: software-enable the APIC (SVR = 0x1FF) in flat logical mode
 * with logical ID BIT(vcpu_idx % 8), as a Linux guest with <= 8 CPUs does. */
void kvm_lapic_guest_enable(struct kvm_lapic *apic);
int kvm_lapic_set_x2apic(struct kvm_lapic *apic, bool on);

static inline bool kvm_apic_sw_enabled(const struct kvm_lapic *apic)
{
	return apic->spiv & APIC_SPIV_APIC_ENABLED;
}

static inline bool kvm_apic_present_enabled(const struct kvm_lapic *apic)
{
	return apic->hw_enabled && kvm_apic_sw_enabled(apic);
}

/* Register access (kvm_lapic_reg_write / kvm_lapic_reg_read). out may be NULL. */
int kvm_lapic_reg_write(struct kvm_lapic *apic, u32 reg, u32 val, struct kvm_apic_delivery *out);
int kvm_lapic_reg_read(struct kvm_lapic *apic, u32 reg, u32 *val);
int kvm_x2apic_icr_write(struct kvm_lapic *apic, u64 data, struct kvm_apic_delivery *out);
int kvm_apic_send_ipi(struct kvm_lapic *apic, u32 icr_low, u32 icr_high,
		      struct kvm_apic_delivery *out);

/* Delivery */
bool kvm_apic_match_dest(struct kvm_lapic *target, struct kvm_lapic *source, int shorthand,
			 u32 dest, int dest_mode);
int kvm_apic_compare_prio(const struct kvm_lapic *a, const struct kvm_lapic *b);
int kvm_irq_delivery_to_apic(struct kvm_apic_map *map, struct kvm_lapic *src,
			     struct kvm_lapic_irq *irq, struct kvm_apic_delivery *out);
int kvm_apic_set_irq(struct kvm_lapic *apic, struct kvm_lapic_irq *irq,
		     struct kvm_apic_delivery *out);
int kvm_lapic_deliver_posted(struct kvm_lapic *apic, int vector);
/* map->phys_map[apic_id]: the enabled LAPIC with that APIC ID (kvm_sched_yield's lookup). */
struct kvm_lapic *kvm_apic_map_phys(struct kvm_apic_map *map, u32 apic_id);
/*
 * kvm_pv_send_ipi() (lapic.c): KVM_HC_SEND_IPI, two bitmaps of APIC IDs from min (the
 * high one from min + 64, or + 32 for a 32-bit guest). Returns the number of vCPUs that
 * accepted, -EINVAL for a logical/shorthand ICR. Like the kernel (and the series up to
 * v2) this path calls kvm_apic_set_irq() directly, so ipi_hook does not see it.
 */
int kvm_pv_send_ipi(struct kvm_apic_map *map, u64 ipi_bitmap_low, u64 ipi_bitmap_high, u32 min,
		    u32 icr, bool op_64_bit, struct kvm_apic_delivery *out);

/* IRR/ISR/PPR */
int apic_find_highest_irr(struct kvm_lapic *apic);
int apic_find_highest_isr(struct kvm_lapic *apic);
void apic_update_ppr(struct kvm_lapic *apic);
void kvm_lapic_set_irr(int vec, struct kvm_lapic *apic);
void apic_clear_irr(int vec, struct kvm_lapic *apic);
void apic_set_isr(int vec, struct kvm_lapic *apic);
void apic_clear_isr(int vec, struct kvm_lapic *apic);
void kvm_lapic_set_tpr(struct kvm_lapic *apic, u32 tpr);
bool kvm_apic_update_irr(struct kvm_lapic *apic, u32 *pir, int *max_irr);
int kvm_apic_sync_pir_to_irr(struct kvm_lapic *apic);
int kvm_apic_has_interrupt(struct kvm_lapic *apic);
void kvm_apic_ack_interrupt(struct kvm_lapic *apic, int vector);
int kvm_cpu_has_injectable_intr(struct kvm_lapic *apic);
int kvm_cpu_get_interrupt(struct kvm_lapic *apic);
int apic_set_eoi(struct kvm_lapic *apic);
void kvm_apic_set_eoi_accelerated(struct kvm_lapic *apic, int vector);
void kvm_apic_update_apicv(struct kvm_lapic *apic);
void kvm_apic_update_hwapic_isr(struct kvm_lapic *apic);
bool vmx_dy_apicv_has_pending_interrupt(struct kvm_lapic *apic);
bool kvm_arch_dy_has_pending_interrupt(struct kvm_lapic *apic);
int apic_count_isr(const struct kvm_lapic *apic);

/*
 * Ideal-hardware helpers for a simulator that models guest code but not VMCS fields
 * (the KVM layer). With hw ops installed (the VMX model), use arch/x86/kvm/vmx/apicv.h.
 *
 * kvm_apic_vcpu_entry(): vcpu_enter_guest's interrupt part. APICv inactive: if the guest
 * is interruptible, kvm_cpu_get_interrupt() (IRR→ISR) and inject it; APICv active: sync
 * PIR→vIRR and let virtual-interrupt delivery take the highest vIRR above PPR.
 * Returns the vector the guest starts handling, or -1.
 */
int kvm_apic_vcpu_entry(struct kvm_lapic *apic, bool interruptible);
/* A running vCPU with APICv: process the PIR (posted-interrupt notification) and deliver
 * the highest vIRR above PPR if interruptible. -1 without APICv (needs a VM exit). */
int kvm_apic_guest_poll(struct kvm_lapic *apic, bool interruptible);
/* The guest writes EOI. *exited = true when it traps to KVM (APICv off, or the vector is
 * in the EOI-exit bitmap). Returns the vector EOI'd or -1 (ISR empty). */
int kvm_apic_guest_eoi(struct kvm_lapic *apic, bool *exited);

#endif
