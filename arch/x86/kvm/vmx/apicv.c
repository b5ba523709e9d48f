// SPDX-License-Identifier: GPL-2.0
/*
 * VMX APICv: virtual-interrupt delivery (the CPU, SDM vol. 3 ch. 30), KVM's VMX hooks
 * (vmx.c), nested VM-exit (nested.c) and runtime APICv activation (x86.c), all Linux
 * v6.18, around the LAPIC of arch/x86/kvm/lapic.c. See include/kvmsim/apicv.h and
 * docs/model/apicv-svi.md.
 *
 * One vCPU of one VM. The kernel's x86.c pieces live here rather than in x86.c because
 * they are the APICv subset of those functions (vcpu_enter_guest,
 * kvm_check_and_inject_events); each says which parts it keeps.
 */
#include <errno.h>
#include <string.h>

#include "kvmsim/apicv.h"

const char *const apicv_event_names[APICV_EV_NR] = {
    [APICV_EV_RAISE] = "raise",
    [APICV_EV_INJECT] = "inject",
    [APICV_EV_ENTRY] = "vm-entry",
    [APICV_EV_EXIT_BEFORE_DELIVERY] = "vm-exit-before-delivery",
    [APICV_EV_EXIT] = "vm-exit",
    [APICV_EV_EOI] = "guest-eoi",
    [APICV_EV_ACTIVATE] = "apicv-activate",
    [APICV_EV_DEACTIVATE] = "apicv-deactivate",
    [APICV_EV_NESTED_ENTRY] = "nested-entry",
    [APICV_EV_NESTED_EXIT] = "nested-exit",
};

static struct vmx_apicv_vcpu *to_vmx(struct kvm_lapic *apic)
{
	return container_of(apic, struct vmx_apicv_vcpu, apic);
}

/* The current VMCS (loaded_vmcs): vmcs02 while L2 is active. */
static struct vmcs_apicv *loaded_vmcs(struct vmx_apicv_vcpu *v)
{
	return v->guest_mode ? &v->vmcs02 : &v->vmcs01;
}

static bool vmx_is_guest_mode(struct kvm_lapic *apic)
{
	return to_vmx(apic)->guest_mode;
}

static bool vid_enabled(const struct vmcs_apicv *vmcs)
{
	return vmcs->secondary_exec_ctrl & SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY;
}

static void set_svi(struct vmcs_apicv *vmcs, int svi)
{
	vmcs->guest_intr_status = (u16)((vmcs->guest_intr_status & 0xff) | ((u16)(u8)svi << 8));
}

static void set_rvi(struct vmcs_apicv *vmcs, int rvi)
{
	vmcs->guest_intr_status = (u16)((vmcs->guest_intr_status & 0xff00) | (u8)rvi);
}

/* ---------------------------------------------------------------------------------
 * The guest (L1): a stack of vectors it is handling. Handlers run with RFLAGS.IF = 0,
 * so the guest is interruptible only with an empty stack and no event being delivered.
 */
static bool guest_interruptible(const struct vmx_apicv_vcpu *v)
{
	return v->guest_depth == 0 && !v->delivering;
}

static void guest_receive(struct vmx_apicv_vcpu *v, int vector)
{
	if (v->guest_depth < APICV_GUEST_STACK)
		v->guest_stack[v->guest_depth++] = (u8)vector;
	v->outstanding--;
}

/* ---------------------------------------------------------------------------------
 * The CPU (Intel SDM vol. 3, 30.1-30.2, 30.6), in L1 with vmcs01.
 */

/* PPR virtualization (SDM 30.1.3): VPPR from VTPR and SVI. */
static void hw_ppr_virtualization(struct vmx_apicv_vcpu *v)
{
	u32 vtpr = v->apic.tpr, svi = vmcs_svi(&v->vmcs01);

	if ((vtpr & 0xf0) >= (svi & 0xf0))
		v->apic.ppr = vtpr & 0xff;
	else
		v->apic.ppr = svi & 0xf0;
}

/*
 * Evaluation of pending virtual interrupts (SDM 30.2.1) and, if RFLAGS.IF allows,
 * virtual-interrupt delivery (SDM 30.2.2): vISR[RVI] = 1, SVI = RVI, VPPR = RVI & F0,
 * vIRR[RVI] = 0, RVI = highest vIRR.
 */
static void hw_eval_pending_virtual_interrupts(struct vmx_apicv_vcpu *v)
{
	struct vmcs_apicv *vmcs = &v->vmcs01;
	int vector, rvi;

	if (!v->running || v->guest_mode || !vid_enabled(vmcs) || v->irq_window)
		return;
	if (!guest_interruptible(v))
		return;
	vector = vmcs_rvi(vmcs);
	if ((u32)(vector & 0xf0) <= (v->apic.ppr & 0xf0))
		return;
	apic_set_vector(vector, v->apic.isr);
	set_svi(vmcs, vector);
	v->apic.ppr = (u32)vector & 0xf0;
	apic_clear_vector(vector, v->apic.irr);
	rvi = apic_find_highest_vector(v->apic.irr);
	set_rvi(vmcs, rvi < 0 ? 0 : rvi);
	guest_receive(v, vector);
}

/* Posted-interrupt processing (SDM 30.6): ON = 0, vIRR |= PIR, RVI = max(RVI, PIR). */
static void hw_posted_interrupt_processing(struct vmx_apicv_vcpu *v)
{
	int pir_max = apic_find_highest_vector(v->apic.pir);
	struct vmcs_apicv *vmcs = &v->vmcs01;

	v->apic.pi_on = false;
	for (int i = 0; i < APIC_VEC_WORDS; i++) {
		v->apic.irr[i] |= v->apic.pir[i];
		v->apic.pir[i] = 0;
	}
	if (pir_max > vmcs_rvi(vmcs))
		set_rvi(vmcs, pir_max);
	hw_eval_pending_virtual_interrupts(v);
}

static void vmx_vcpu_exit(struct vmx_apicv_vcpu *v, u32 idt_vectoring_info);
static void kvm_vcpu_update_apicv(struct vmx_apicv_vcpu *v);

/*
 * EOI virtualization (SDM 30.1.4): vISR[SVI] = 0, SVI = highest vISR, PPR
 * virtualization, then an EOI-induced exit if EOI_EXIT_BITMAP[vector], else evaluation
 * of pending virtual interrupts. The vector is the old SVI: a stale SVI clears the
 * wrong bit (the bug of issue 8).
 */
static void hw_eoi_virtualization(struct vmx_apicv_vcpu *v)
{
	struct vmcs_apicv *vmcs = &v->vmcs01;
	int vector = vmcs_svi(vmcs), svi;

	apic_clear_vector(vector, v->apic.isr);
	svi = apic_find_highest_vector(v->apic.isr);
	set_svi(vmcs, svi < 0 ? 0 : svi);
	hw_ppr_virtualization(v);
	if (vmcs->eoi_exit_bitmap[vector >> 6] & BIT_ULL(vector & 63)) {
		/* handle_apic_eoi_induced() (vmx.c) */
		vmx_vcpu_exit(v, 0);
		kvm_apic_set_eoi_accelerated(&v->apic, vector);
		return;
	}
	hw_eval_pending_virtual_interrupts(v);
}

/*
 * VM entry (SDM 27.3.2.5, 27.6): with VID, load RVI/SVI, PPR virtualization, evaluate
 * pending virtual interrupts; inject VM_ENTRY_INTR_INFO if valid (clearing its valid
 * bit). Event injection happens first, so a virtual interrupt waits for IRET.
 */
static void hw_vm_entry(struct vmx_apicv_vcpu *v)
{
	struct vmcs_apicv *vmcs = loaded_vmcs(v);

	v->running = true;
	v->apic.in_guest_mode = true;
	if (vmcs->vm_entry_intr_info & INTR_INFO_VALID_MASK) {
		v->delivering = true;
		v->delivering_vec = vmcs->vm_entry_intr_info & INTR_INFO_VECTOR_MASK;
		vmcs->vm_entry_intr_info = 0;
	}
	if (!v->guest_mode && vid_enabled(vmcs)) {
		hw_ppr_virtualization(v);
		hw_eval_pending_virtual_interrupts(v);
	}
}

/* The injected event reaches the guest's IDT handler. */
static void hw_complete_delivery(struct vmx_apicv_vcpu *v)
{
	if (!v->delivering)
		return;
	v->delivering = false;
	guest_receive(v, v->delivering_vec);
}

/* ---------------------------------------------------------------------------------
 * KVM: vmx.c
 */

/*
 * vmx_hwapic_isr_update() (vmx.c, v6.18): write SVI. If L2 is active, defer to the next
 * nested VM-exit (nested.update_vmcs01_hwapic_isr). Before v2 a WARN_ON_ONCE(wants_to_run
 * && nested_cpu_has_vid(vmcs12)) sat in that branch; v2 removes it (a false positive
 * once APICv can be activated while L2 runs). The model records whether it fired.
 */
void vmx_hwapic_isr_update(struct kvm_lapic *apic, int max_isr)
{
	struct vmx_apicv_vcpu *v = to_vmx(apic);
	u16 status;
	u8 old;

	if (v->guest_mode) {
		if (v->fix != APICV_SVI_FIX_V2 && v->nested.vmcs12_vid)
			v->warned = true;
		v->nested.update_vmcs01_hwapic_isr = true;
		return;
	}
	if (max_isr == -1)
		max_isr = 0;
	status = v->vmcs01.guest_intr_status;
	old = status >> 8;
	if (max_isr != old)
		set_svi(&v->vmcs01, max_isr);
}

/* vmx_set_rvi() (vmx.c, v6.18): write RVI of the current VMCS (vmcs01: callers check). */
void vmx_set_rvi(struct vmx_apicv_vcpu *v, int vector)
{
	struct vmcs_apicv *vmcs = loaded_vmcs(v);

	if (vector == -1)
		vector = 0;
	if ((u8)vector != vmcs_rvi(vmcs))
		set_rvi(vmcs, vector);
}

/*
 * vmx_sync_pir_to_irr() (vmx.c, v6.18): merge the PIR into the IRR; write RVI if APICv
 * is active and L2 is not, else make KVM_REQ_EVENT for a posted interrupt found.
 */
int vmx_sync_pir_to_irr(struct kvm_lapic *apic)
{
	struct vmx_apicv_vcpu *v = to_vmx(apic);
	bool got_posted_interrupt;
	int max_irr;

	if (apic->pi_on) {
		apic->pi_on = false;
		got_posted_interrupt = kvm_apic_update_irr(apic, apic->pir, &max_irr);
	} else {
		max_irr = apic_find_highest_irr(apic);
		got_posted_interrupt = false;
	}
	if (!v->guest_mode && apic->apicv_active)
		vmx_set_rvi(v, max_irr);
	else if (got_posted_interrupt)
		apic->req_event = true;
	return max_irr;
}

/*
 * vmx_deliver_interrupt() + vmx_deliver_posted_interrupt() (vmx.c, v6.18). APICv
 * inactive: IRR, KVM_REQ_EVENT, kick. Active: PIR/ON; a notification to a vCPU running
 * L1 with posted-interrupt processing on is processed by the CPU at once; running L2
 * (or with processing off) it is an ordinary external interrupt, i.e. a VM exit, which
 * the model leaves to the EXIT event. Simplifies: no nested posted interrupts for L2.
 */
static int vmx_deliver_interrupt(struct kvm_lapic *apic, int delivery_mode, int trig_mode,
				 int vector)
{
	struct vmx_apicv_vcpu *v = to_vmx(apic);
	int kick;

	if (!apic->apicv_active) {
		kvm_lapic_set_irr(vector, apic);
		apic->req_event = true;
		return KVM_APIC_KICK;
	}
	kick = kvm_lapic_deliver_posted(apic, vector);
	if (kick == KVM_APIC_POSTED_IPI && !v->guest_mode &&
	    (v->vmcs01.pin_based_exec_ctrl & PIN_BASED_POSTED_INTR))
		hw_posted_interrupt_processing(v);
	return kick;
}

static const struct kvm_apic_hw_ops vmx_apicv_ops = {
    .hwapic_isr_update = vmx_hwapic_isr_update,
    .sync_pir_to_irr = vmx_sync_pir_to_irr,
    .deliver_interrupt = vmx_deliver_interrupt,
    .is_guest_mode = vmx_is_guest_mode,
};

/*
 * vmx_refresh_apicv_exec_ctrl() (vmx.c, v6.18): pin-based posted interrupts and the
 * secondary APIC-register-virtualization/VID controls follow apicv_active. In guest
 * mode it only sets nested.update_vmcs01_apicv_status. With apicv_svi_fix = sean it
 * ends by writing SVI (kvm_apic_update_hwapic_isr()). Simplifies: no MSR bitmap, no
 * IPI virtualization (tertiary controls).
 */
void vmx_refresh_apicv_exec_ctrl(struct vmx_apicv_vcpu *v)
{
	if (v->guest_mode) {
		v->nested.update_vmcs01_apicv_status = true;
		return;
	}
	if (v->apic.apicv_active) {
		v->vmcs01.pin_based_exec_ctrl |= PIN_BASED_POSTED_INTR;
		v->vmcs01.secondary_exec_ctrl |=
		    SECONDARY_EXEC_APIC_REGISTER_VIRT | SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY;
	} else {
		v->vmcs01.pin_based_exec_ctrl &= ~PIN_BASED_POSTED_INTR;
		v->vmcs01.secondary_exec_ctrl &=
		    ~(SECONDARY_EXEC_APIC_REGISTER_VIRT | SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY);
	}
	if (v->fix == APICV_SVI_FIX_SEAN && v->apic.apicv_active)
		kvm_apic_update_hwapic_isr(&v->apic);
}

/*
 * vmx_load_eoi_exitmap() (vmx.c): EOI_EXIT_BITMAP0..3 of vmcs01, from the vectors KVM
 * wants EOI exits for (level-triggered IOAPIC routes, vcpu->arch.ioapic_handled_vectors).
 * Simplifies: loaded directly rather than through KVM_REQ_LOAD_EOI_EXITMAP.
 */
void vmx_load_eoi_exitmap(struct vmx_apicv_vcpu *v, const u64 *eoi_exit_bitmap)
{
	memcpy(v->apic.eoi_exit_bitmap, eoi_exit_bitmap, sizeof(v->apic.eoi_exit_bitmap));
	memcpy(v->vmcs01.eoi_exit_bitmap, eoi_exit_bitmap, sizeof(v->vmcs01.eoi_exit_bitmap));
}

/* vmx_inject_irq() (vmx.c, v6.18): legacy injection through VM_ENTRY_INTR_INFO. */
static void vmx_inject_irq(struct vmx_apicv_vcpu *v, bool reinjected)
{
	loaded_vmcs(v)->vm_entry_intr_info =
	    v->interrupt.nr | INTR_INFO_VALID_MASK | INTR_TYPE_EXT_INTR;
}

/* kvm_queue_interrupt() (x86.h) */
static void kvm_queue_interrupt(struct vmx_apicv_vcpu *v, u8 vector)
{
	v->interrupt.injected = true;
	v->interrupt.nr = vector;
}

/*
 * __vmx_complete_interrupts() (vmx.c, v6.18): an event the CPU did not deliver (valid
 * IDT_VECTORING_INFO) is re-queued with KVM_REQ_EVENT. Only L1's events are modeled.
 */
static void __vmx_complete_interrupts(struct vmx_apicv_vcpu *v, u32 idt_vectoring_info)
{
	v->interrupt.injected = false; /* kvm_clear_interrupt_queue() */
	if (!(idt_vectoring_info & VECTORING_INFO_VALID_MASK))
		return;
	v->apic.req_event = true;
	kvm_queue_interrupt(v, idt_vectoring_info & INTR_INFO_VECTOR_MASK);
}

/* vmx_cancel_injection() (vmx.c): an entry cancelled after injection was prepared. */
static void vmx_cancel_injection(struct vmx_apicv_vcpu *v)
{
	struct vmcs_apicv *vmcs = loaded_vmcs(v);

	if (v->guest_mode)
		return;
	__vmx_complete_interrupts(v, vmcs->vm_entry_intr_info);
	vmcs->vm_entry_intr_info = 0;
}

/* The VM-exit path: vmx_vcpu_run() returning, vmx_complete_interrupts(). */
static void vmx_vcpu_exit(struct vmx_apicv_vcpu *v, u32 idt_vectoring_info)
{
	v->running = false;
	v->apic.in_guest_mode = false;
	if (!v->guest_mode)
		__vmx_complete_interrupts(v, idt_vectoring_info);
	/* handle_interrupt_window(): the exit once RFLAGS.IF = 1 makes KVM_REQ_EVENT */
	if (v->irq_window && !v->guest_mode && guest_interruptible(v)) {
		v->irq_window = false;
		v->apic.req_event = true;
	}
}

/* ---------------------------------------------------------------------------------
 * KVM: x86.c
 */

/* kvm_vcpu_apicv_activated() (x86.c): no VM-wide inhibit (per-vCPU inhibits: none). */
static bool kvm_vcpu_apicv_activated(const struct vmx_apicv_vcpu *v)
{
	return v->apicv_inhibit_reasons == 0;
}

/*
 * __kvm_vcpu_update_apicv() (x86.c, v6.18): under apicv_update_lock, activate =
 * kvm_vcpu_apicv_activated() && APIC enabled; nothing if unchanged; else apicv_active =
 * activate, kvm_apic_update_apicv(), refresh_apicv_exec_ctrl(), and KVM_REQ_EVENT on
 * deactivation. apicv_svi_fix = v2 adds, on activation, kvm_apic_update_hwapic_isr().
 */
void __kvm_vcpu_update_apicv(struct vmx_apicv_vcpu *v)
{
	struct kvm_lapic *apic = &v->apic;
	bool activate = kvm_vcpu_apicv_activated(v) && apic->hw_enabled;

	if (apic->apicv_active == activate)
		return;
	apic->apicv_active = activate;
	kvm_apic_update_apicv(apic);
	vmx_refresh_apicv_exec_ctrl(v);
	/*
	 * When APICv gets disabled, we may still have injected interrupts pending; make
	 * sure kvm_check_and_inject_events() is called to check for that.
	 */
	if (!apic->apicv_active)
		apic->req_event = true;
	else if (v->fix == APICV_SVI_FIX_V2)
		/*
		 * v2: otherwise SVI won't reflect the highest vISR bit and the next guest
		 * EOI won't be virtualized correctly.
		 */
		kvm_apic_update_hwapic_isr(apic);
}

/* kvm_vcpu_update_apicv() (x86.c): the KVM_REQ_APICV_UPDATE handler. */
static void kvm_vcpu_update_apicv(struct vmx_apicv_vcpu *v)
{
	__kvm_vcpu_update_apicv(v);
}

/*
 * kvm_set_or_clear_apicv_inhibit() (x86.c, v6.18): a change of the activated state makes
 * KVM_REQ_APICV_UPDATE on every vCPU (kvm_make_all_cpus_request, which also kicks).
 */
void kvm_set_or_clear_apicv_inhibit(struct vmx_apicv_vcpu *v, enum kvm_apicv_inhibit reason,
				    bool set)
{
	u32 old = v->apicv_inhibit_reasons, new;

	new = set ? old | BIT(reason) : old & ~BIT(reason);
	if (!!old != !!new)
		v->req_apicv_update = true;
	v->apicv_inhibit_reasons = new;
}

/* vmx_interrupt_allowed() (vmx.c) for L1: RFLAGS.IF and no blocking. */
static bool vmx_interrupt_allowed(const struct vmx_apicv_vcpu *v)
{
	return guest_interruptible(v);
}

/*
 * vmx_check_nested_events() (nested.c, v6.18), the external-interrupt part: L1 always
 * exits on external interrupts with "acknowledge interrupt on exit"; the IRQ is acked
 * after the emulated VM-exit so that SVI is set in vmcs01. L1 then handles it.
 */
static void vmx_check_nested_events(struct vmx_apicv_vcpu *v)
{
	int irq;

	if (kvm_apic_has_interrupt(&v->apic) == -1)
		return;
	irq = kvm_apic_has_interrupt(&v->apic);
	__nested_vmx_vmexit(v);
	kvm_apic_ack_interrupt(&v->apic, irq);
	guest_receive(v, irq);
}

/*
 * kvm_check_and_inject_events() (x86.c, v6.18), interrupts only: re-inject an event
 * the CPU did not deliver; in guest mode, nested events; else, if software has an
 * injectable interrupt (APICv inactive, or L2), inject it if L1 can take it, and ask
 * for an interrupt window otherwise. Simplifies: no exceptions, NMI, SMI, ExtINT.
 */
static void kvm_check_and_inject_events(struct vmx_apicv_vcpu *v)
{
	bool can_inject = true;

	if (v->interrupt.injected) {
		vmx_inject_irq(v, true);
		can_inject = false;
	}
	if (v->guest_mode) {
		if (!can_inject)
			return;
		vmx_check_nested_events(v);
	}
	if (v->guest_mode || !kvm_cpu_has_injectable_intr(&v->apic))
		return;
	if (!can_inject)
		return;
	if (vmx_interrupt_allowed(v)) {
		int irq = kvm_cpu_get_interrupt(&v->apic);

		if (irq != -1) {
			kvm_queue_interrupt(v, (u8)irq);
			vmx_inject_irq(v, false);
		}
	}
	if (kvm_cpu_has_injectable_intr(&v->apic))
		v->irq_window = true; /* enable_irq_window() */
}

/* ---------------------------------------------------------------------------------
 * KVM: nested.c
 */

/*
 * __nested_vmx_vmexit() (nested.c, v6.18), the APICv part: leave guest mode, vmcs01
 * current; apply the deferred updates: update_vmcs01_apicv_status (v6.18: make
 * KVM_REQ_APICV_UPDATE; apicv_nested_refresh = direct: vmx_refresh_apicv_exec_ctrl()),
 * then update_vmcs01_hwapic_isr (kvm_apic_update_hwapic_isr()).
 */
void __nested_vmx_vmexit(struct vmx_apicv_vcpu *v)
{
	v->guest_mode = false;
	v->running = false;
	v->apic.in_guest_mode = false;
	if (v->nested.update_vmcs01_apicv_status) {
		v->nested.update_vmcs01_apicv_status = false;
		if (v->nested_refresh == APICV_NESTED_REFRESH_DIRECT)
			vmx_refresh_apicv_exec_ctrl(v);
		else
			v->req_apicv_update = true;
	}
	if (v->nested.update_vmcs01_hwapic_isr) {
		v->nested.update_vmcs01_hwapic_isr = false;
		kvm_apic_update_hwapic_isr(&v->apic);
	}
}

/* vmx_has_apicv_interrupt() (nested.c): RVI above VPPR in vmcs01. */
static bool vmx_has_apicv_interrupt(struct vmx_apicv_vcpu *v)
{
	return (vmcs_rvi(&v->vmcs01) & 0xf0) > (v->apic.ppr & 0xf0);
}

/*
 * nested_vmx_run() + nested_vmx_enter_non_root_mode() (nested.c, v6.18): L1's VMLAUNCH
 * exits to L0, which loads vmcs02 (VID as vmcs12 asks, for L2's own vAPIC) and makes
 * KVM_REQ_EVENT if L1 had an interrupt window open or a pending APICv interrupt.
 * Simplifies: nested_run_pending is not modeled (pending L1 events may be checked
 * before the first L2 entry instead of right after it).
 */
static void nested_vmx_run(struct vmx_apicv_vcpu *v)
{
	bool evaluate_pending_interrupts = v->irq_window;

	vmx_vcpu_exit(v, 0);
	if (!evaluate_pending_interrupts && v->apic.apicv_active)
		evaluate_pending_interrupts = vmx_has_apicv_interrupt(v);
	v->guest_mode = true;
	memset(&v->vmcs02, 0, sizeof(v->vmcs02));
	if (v->nested.vmcs12_vid)
		v->vmcs02.secondary_exec_ctrl |= SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY;
	if (evaluate_pending_interrupts)
		v->apic.req_event = true;
}

/* ---------------------------------------------------------------------------------
 * The model's events.
 */

void vmx_apicv_vcpu_init(struct vmx_apicv_vcpu *v, int fix, int nested_refresh, bool apicv_on)
{
	memset(v, 0, sizeof(*v));
	kvm_create_lapic(&v->apic, NULL, 0);
	v->apic.hw = &vmx_apicv_ops;
	v->apic.apicv_svi_fix = fix;
	kvm_lapic_guest_enable(&v->apic);
	v->fix = (u8)fix;
	v->nested_refresh = (u8)nested_refresh;
	v->nested.vmcs12_vid = true;
	v->apicv_inhibit_reasons = apicv_on ? 0 : BIT(APICV_MODEL_INHIBIT);
	v->apic.apicv_active = apicv_on;
	kvm_apic_update_apicv(&v->apic);
	vmx_refresh_apicv_exec_ctrl(v);
}

/*
 * vcpu_enter_guest() (x86.c), the request part: KVM_REQ_APICV_UPDATE, KVM_REQ_EVENT. A
 * request that arrived after the previous pass injected an event cancelled that entry
 * (kvm_vcpu_exit_request -> vmx_cancel_injection: re-queued with KVM_REQ_EVENT).
 */
static void vcpu_enter_guest_requests(struct vmx_apicv_vcpu *v)
{
	if (!v->guest_mode && (v->vmcs01.vm_entry_intr_info & INTR_INFO_VALID_MASK))
		vmx_cancel_injection(v);
	if (v->req_apicv_update) {
		v->req_apicv_update = false;
		kvm_vcpu_update_apicv(v);
	}
	if (v->apic.req_event) {
		v->apic.req_event = false;
		kvm_check_and_inject_events(v);
	}
}

/*
 * vcpu_enter_guest() (x86.c), the entry part: sync_pir_to_irr always (posted
 * interrupts are harvested even while APICv is inhibited), then cancel the entry if a
 * request is pending (kvm_vcpu_exit_request), else vmx_vcpu_run().
 */
static void vcpu_enter_guest_entry(struct vmx_apicv_vcpu *v)
{
	kvm_apic_sync_pir_to_irr(&v->apic);
	if (v->apic.req_event || v->req_apicv_update) {
		vmx_cancel_injection(v);
		return;
	}
	hw_vm_entry(v);
}

static int raise_irq(struct vmx_apicv_vcpu *v, int vector)
{
	struct kvm_lapic_irq irq = {
	    .vector = (u32)vector,
	    .delivery_mode = APIC_DM_FIXED,
	    .dest_mode = APIC_DEST_PHYSICAL,
	    .level = true,
	    .trig_mode = 0,
	    .shorthand = APIC_DEST_NOSHORT,
	    .dest_id = v->apic.id,
	};

	if (vector < 16 || vector > 255)
		return -EINVAL;
	if (!apic_test_vector(vector, v->apic.irr) && !apic_test_vector(vector, v->apic.pir))
		v->outstanding++;
	kvm_apic_set_irq(&v->apic, &irq, NULL);
	return 0;
}

/* The guest writes EOI and IRETs: virtualized with VID, else it traps to KVM. */
static void guest_eoi(struct vmx_apicv_vcpu *v)
{
	hw_complete_delivery(v);
	v->guest_depth--;
	if (vid_enabled(&v->vmcs01)) {
		hw_eoi_virtualization(v);
		return;
	}
	/* APIC-access / x2APIC MSR exit -> kvm_lapic_set_eoi() */
	vmx_vcpu_exit(v, 0);
	apic_set_eoi(&v->apic);
}

int vmx_apicv_step(struct vmx_apicv_vcpu *v, enum apicv_event ev, int vector)
{
	switch (ev) {
	case APICV_EV_RAISE:
		return raise_irq(v, vector);
	case APICV_EV_INJECT:
		if (v->running || (!v->apic.req_event && !v->req_apicv_update))
			return -EAGAIN;
		vcpu_enter_guest_requests(v);
		return 0;
	case APICV_EV_ENTRY:
		/* vcpu_enter_guest() handles pending requests before it gets here */
		if (v->running || v->apic.req_event || v->req_apicv_update)
			return -EAGAIN;
		vcpu_enter_guest_entry(v);
		return 0;
	case APICV_EV_EXIT_BEFORE_DELIVERY:
		if (!v->running || !v->delivering)
			return -EAGAIN;
		v->delivering = false;
		vmx_vcpu_exit(v,
			      v->delivering_vec | VECTORING_INFO_VALID_MASK | INTR_TYPE_EXT_INTR);
		return 0;
	case APICV_EV_EXIT:
		if (!v->running)
			return -EAGAIN;
		hw_complete_delivery(v);
		vmx_vcpu_exit(v, 0);
		return 0;
	case APICV_EV_EOI:
		if (!v->running || v->guest_mode || (!v->delivering && !v->guest_depth))
			return -EAGAIN;
		guest_eoi(v);
		return 0;
	case APICV_EV_ACTIVATE:
		if (v->running || !(v->apicv_inhibit_reasons & BIT(APICV_MODEL_INHIBIT)))
			return -EAGAIN;
		kvm_set_or_clear_apicv_inhibit(v, APICV_MODEL_INHIBIT, false);
		return 0;
	case APICV_EV_DEACTIVATE:
		if (v->running || (v->apicv_inhibit_reasons & BIT(APICV_MODEL_INHIBIT)))
			return -EAGAIN;
		kvm_set_or_clear_apicv_inhibit(v, APICV_MODEL_INHIBIT, true);
		return 0;
	case APICV_EV_NESTED_ENTRY:
		if (!v->running || v->guest_mode)
			return -EAGAIN;
		hw_complete_delivery(v); /* the injected event is taken before VMLAUNCH */
		nested_vmx_run(v);
		return 0;
	case APICV_EV_NESTED_EXIT:
		if (!v->running || !v->guest_mode)
			return -EAGAIN;
		vmx_vcpu_exit(v, 0);
		__nested_vmx_vmexit(v);
		return 0;
	default:
		return -EINVAL;
	}
}

void vmx_apicv_expected_isr(const struct vmx_apicv_vcpu *v, u32 *expect)
{
	memset(expect, 0, APIC_VEC_WORDS * sizeof(u32));
	for (int i = 0; i < v->guest_depth; i++)
		apic_set_vector(v->guest_stack[i], expect);
	if (v->delivering)
		apic_set_vector(v->delivering_vec, expect);
	/* KVM's record of an injected event means "in flight" only until VM entry */
	if (!v->running && v->interrupt.injected)
		apic_set_vector(v->interrupt.nr, expect);
	if (!v->running && (v->vmcs01.vm_entry_intr_info & INTR_INFO_VALID_MASK))
		apic_set_vector(v->vmcs01.vm_entry_intr_info & INTR_INFO_VECTOR_MASK, expect);
}

bool vmx_apicv_isr_consistent(const struct vmx_apicv_vcpu *v)
{
	u32 expect[APIC_VEC_WORDS];

	if (v->outstanding < 0)
		return false;
	vmx_apicv_expected_isr(v, expect);
	return !memcmp(expect, v->apic.isr, sizeof(expect));
}

bool vmx_apicv_quiescent(const struct vmx_apicv_vcpu *v)
{
	if (v->guest_mode || v->guest_depth || v->delivering ||
	    (!v->running && v->interrupt.injected) ||
	    (v->vmcs01.vm_entry_intr_info & INTR_INFO_VALID_MASK) || v->apic.pi_on)
		return false;
	return apic_find_highest_vector(v->apic.irr) == -1 &&
	       apic_find_highest_vector(v->apic.pir) == -1;
}

/* QEMU's dump_apic_interrupt() (target/i386/cpu-dump.c) layout. */
static void dump_apic_interrupt(FILE *f, const char *name, const u32 *ireg, const u32 *tmr)
{
	bool empty = true;

	fprintf(f, "%s\t ", name);
	for (int i = 0; i < APIC_VECTORS; i++) {
		if (apic_test_vector(i, ireg)) {
			fprintf(f, "%u%s ", i, apic_test_vector(i, tmr) ? "(level)" : "");
			empty = false;
		}
	}
	fprintf(f, "%s\n", empty ? "(none)" : "");
}

void vmx_apicv_dump(FILE *f, const struct vmx_apicv_vcpu *v)
{
	u32 irr[APIC_VEC_WORDS];
	const struct vmcs_apicv *vmcs = &v->vmcs01;

	/* KVM_GET_LAPIC syncs the PIR into the IRR before QEMU reads it */
	for (int i = 0; i < APIC_VEC_WORDS; i++)
		irr[i] = v->apic.irr[i] | v->apic.pir[i];
	dump_apic_interrupt(f, "ISR", v->apic.isr, v->apic.tmr);
	dump_apic_interrupt(f, "IRR", irr, v->apic.tmr);
	fprintf(f, "TPR 0x%02x PPR 0x%02x | apicv_active=%d VID=%d RVI=0x%02x SVI=0x%02x L2=%d",
		v->apic.tpr, v->apic.ppr, v->apic.apicv_active, vid_enabled(vmcs), vmcs_rvi(vmcs),
		vmcs_svi(vmcs), v->guest_mode);
	fprintf(f, " %s guest-handling:", v->running ? "in-guest" : "in-kvm");
	if (!v->guest_depth)
		fprintf(f, " -");
	for (int i = 0; i < v->guest_depth; i++)
		fprintf(f, " %u", v->guest_stack[i]);
	if ((!v->running && v->interrupt.injected) || v->delivering)
		fprintf(f, " injecting: %u", v->delivering ? v->delivering_vec : v->interrupt.nr);
	fprintf(f, "\n");
}

static const char *const fix_names[] = {"none", "v2", "sean"};
static const char *const refresh_names[] = {"request", "direct"};

int apicv_parse_fix(const char *s, int *fix)
{
	for (int i = 0; i < (int)ARRAY_SIZE(fix_names); i++)
		if (!strcmp(s, fix_names[i])) {
			*fix = i;
			return 0;
		}
	return -EINVAL;
}

int apicv_parse_nested_refresh(const char *s, int *r)
{
	for (int i = 0; i < (int)ARRAY_SIZE(refresh_names); i++)
		if (!strcmp(s, refresh_names[i])) {
			*r = i;
			return 0;
		}
	return -EINVAL;
}

const char *apicv_fix_name(int fix)
{
	return fix >= 0 && fix < (int)ARRAY_SIZE(fix_names) ? fix_names[fix] : "?";
}

const char *apicv_nested_refresh_name(int r)
{
	return r >= 0 && r < (int)ARRAY_SIZE(refresh_names) ? refresh_names[r] : "?";
}
