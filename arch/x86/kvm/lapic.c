// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC of arch/x86/kvm/lapic.c (Linux v6.18), see include/kvmsim/lapic.h
 * and docs/model/lapic.md. Each function names the kernel function it models; the
 * register page is a set of struct fields and vcpu->requests/vcpu->arch fields the
 * LAPIC touches live in struct kvm_lapic (req_event, nmi_pending, pv_unhalted...).
 */
#include <errno.h>
#include <string.h>

#include "kvmsim/lapic.h"

/* apic_find_highest_vector() (lapic.c): highest set bit of a 256-bit bitmap, or -1. */
int apic_find_highest_vector(const u32 *bitmap)
{
	for (int i = APIC_VEC_WORDS - 1; i >= 0; i--)
		if (bitmap[i])
			return i * 32 + 31 - __builtin_clz(bitmap[i]);
	return -1;
}

/* count_vectors() (lapic.c) */
static int count_vectors(const u32 *bitmap)
{
	int n = 0;

	for (int i = 0; i < APIC_VEC_WORDS; i++)
		n += __builtin_popcount(bitmap[i]);
	return n;
}

int apic_count_isr(const struct kvm_lapic *apic)
{
	return count_vectors(apic->isr);
}

static bool apic_is_guest_mode(struct kvm_lapic *apic)
{
	return apic->hw && apic->hw->is_guest_mode && apic->hw->is_guest_mode(apic);
}

static void hwapic_isr_update(struct kvm_lapic *apic, int max_isr)
{
	if (apic->hw && apic->hw->hwapic_isr_update)
		apic->hw->hwapic_isr_update(apic, max_isr);
}

/* kvm_apic_map: the VM's LAPICs. vector_hashing mirrors the kvm.vector_hashing default. */
void kvm_apic_map_init(struct kvm_apic_map *map)
{
	memset(map, 0, sizeof(*map));
	map->vector_hashing = true;
}

/*
 * kvm_lapic_reset() (lapic.c, v6.18), INIT-reset values: ID = vcpu index, LDR 0, DFR
 * flat, SVR 0xFF (software-disabled), TPR 0, IRR/ISR/TMR clear, caches reset.
 * Simplifies: no LVTs, timer, ESR, LVR or APIC base MSR beyond the enable bit.
 */
void kvm_lapic_reset(struct kvm_lapic *apic)
{
	int idx = apic->vcpu_idx;
	struct kvm_apic_map *map = apic->map;
	const struct kvm_apic_hw_ops *hw = apic->hw;
	bool apicv = apic->apicv_active;
	int fix = apic->apicv_svi_fix;

	memset(apic, 0, sizeof(*apic));
	apic->vcpu_idx = idx;
	apic->map = map;
	apic->hw = hw;
	apic->apicv_active = apicv;
	apic->apicv_svi_fix = fix;
	apic->id = (u32)idx;
	apic->dfr = APIC_DFR_FLAT;
	apic->spiv = 0xFF;
	apic->hw_enabled = true;
	apic->highest_isr_cache = -1;
	apic->sipi_vector = -1;
	kvm_apic_update_apicv(apic);
}

/* kvm_create_lapic() (lapic.c): attach the LAPIC of vCPU vcpu_idx to its VM's map. */
int kvm_create_lapic(struct kvm_lapic *apic, struct kvm_apic_map *map, int vcpu_idx)
{
	if (vcpu_idx < 0 || vcpu_idx >= KVM_APIC_MAX_VCPUS)
		return -EINVAL;
	if (map && map->apic[vcpu_idx])
		return -EEXIST;
	memset(apic, 0, sizeof(*apic));
	apic->vcpu_idx = vcpu_idx;
	apic->map = map;
	if (map) {
		map->apic[vcpu_idx] = apic;
		if (map->nr_vcpus <= vcpu_idx)
			map->nr_vcpus = vcpu_idx + 1;
	}
	kvm_lapic_reset(apic);
	return 0;
}

void kvm_lapic_guest_enable(struct kvm_lapic *apic)
{
	kvm_lapic_reg_write(apic, APIC_SPIV, 0x1FF, NULL);
	if (!apic->x2apic_mode) {
		kvm_lapic_reg_write(apic, APIC_DFR, APIC_DFR_FLAT, NULL);
		kvm_lapic_reg_write(apic, APIC_LDR, (1u << (apic->vcpu_idx % 8)) << 24, NULL);
	}
}

/* kvm_apic_calc_x2apic_ldr() (lapic.c) */
static u32 kvm_apic_calc_x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | (1u << (id & 0xf));
}

/* kvm_apic_set_x2apic_id()/kvm_lapic_set_base() x2APIC enable: LDR becomes read-only. */
int kvm_lapic_set_x2apic(struct kvm_lapic *apic, bool on)
{
	apic->x2apic_mode = on;
	if (on)
		apic->ldr = kvm_apic_calc_x2apic_ldr(apic->id);
	else
		apic->ldr = 0;
	return 0;
}

/*
 * kvm_lapic_set_irr() (lapic.h): set the IRR bit; irr_pending is always true while
 * APICv is active.
 */
void kvm_lapic_set_irr(int vec, struct kvm_lapic *apic)
{
	apic_set_vector(vec, apic->irr);
	apic->irr_pending = true;
}

/* apic_search_irr() / apic_find_highest_irr() (lapic.c) */
int apic_find_highest_irr(struct kvm_lapic *apic)
{
	/*
	 * Note that irr_pending is just a hint. It will be always true with virtual
	 * interrupt delivery enabled.
	 */
	if (!apic->irr_pending)
		return -1;
	return apic_find_highest_vector(apic->irr);
}

/* apic_clear_irr() (lapic.c) */
void apic_clear_irr(int vec, struct kvm_lapic *apic)
{
	if (unlikely(apic->apicv_active)) {
		apic_clear_vector(vec, apic->irr);
	} else {
		apic->irr_pending = false;
		apic_clear_vector(vec, apic->irr);
		if (apic_find_highest_vector(apic->irr) != -1)
			apic->irr_pending = true;
	}
}

/*
 * apic_set_isr() (lapic.c, v6.18). With APICv active the caches are off and KVM writes
 * SVI through hwapic_isr_update; otherwise isr_count/highest_isr_cache track the bit.
 */
void apic_set_isr(int vec, struct kvm_lapic *apic)
{
	if (apic_test_vector(vec, apic->isr))
		return;
	apic_set_vector(vec, apic->isr);
	/*
	 * With APIC virtualization enabled, all caching is disabled because the processor
	 * can modify ISR under the hood. Instead just set SVI.
	 */
	if (unlikely(apic->apicv_active)) {
		hwapic_isr_update(apic, vec);
	} else {
		++apic->isr_count;
		/* The highest vector is injected, so the latest bit set is the highest. */
		apic->highest_isr_cache = vec;
	}
}

/* apic_find_highest_isr() (lapic.c) */
int apic_find_highest_isr(struct kvm_lapic *apic)
{
	/* isr_count is always 1 and highest_isr_cache always -1 with APICv enabled. */
	if (!apic->isr_count)
		return -1;
	if (likely(apic->highest_isr_cache != -1))
		return apic->highest_isr_cache;
	return apic_find_highest_vector(apic->isr);
}

/* apic_clear_isr() (lapic.c, v6.18) */
void apic_clear_isr(int vec, struct kvm_lapic *apic)
{
	if (!apic_test_vector(vec, apic->isr))
		return;
	apic_clear_vector(vec, apic->isr);
	if (unlikely(apic->apicv_active)) {
		hwapic_isr_update(apic, apic_find_highest_isr(apic));
	} else {
		--apic->isr_count;
		apic->highest_isr_cache = -1;
	}
}

/*
 * kvm_apic_update_hwapic_isr() (lapic.c, v6.18): write SVI from the highest ISR bit.
 * With apicv_svi_fix == sean (2), Sean Christopherson's proposal also returns early in
 * guest mode (vmcs02 loaded), leaving vmcs01 to vmx_refresh_apicv_exec_ctrl().
 */
void kvm_apic_update_hwapic_isr(struct kvm_lapic *apic)
{
	if (!apic->apicv_active)
		return;
	if (apic->apicv_svi_fix == 2 && apic_is_guest_mode(apic))
		return;
	hwapic_isr_update(apic, apic_find_highest_isr(apic));
}

/* kvm_apic_update_apicv() (lapic.c, v6.18) */
void kvm_apic_update_apicv(struct kvm_lapic *apic)
{
	if (apic->apicv_active) {
		/* irr_pending is always true when apicv is activated. */
		apic->irr_pending = true;
		apic->isr_count = 1;
	} else {
		/*
		 * Don't clear irr_pending: it is cleared as appropriate when KVM injects
		 * the interrupt.
		 */
		apic->isr_count = count_vectors(apic->isr);
	}
	apic->highest_isr_cache = -1;
}

/*
 * __kvm_apic_update_irr()/kvm_apic_update_irr() (lapic.c, v6.18): OR the PIR into the
 * IRR, clearing the PIR. Returns true iff the highest IRR vector came from the PIR.
 */
bool kvm_apic_update_irr(struct kvm_lapic *apic, u32 *pir, int *max_irr)
{
	int max_updated_irr = -1;
	bool any = false;

	*max_irr = -1;
	for (int i = 0; i < APIC_VEC_WORDS; i++)
		any |= pir[i] != 0;
	if (!any) {
		*max_irr = apic_find_highest_vector(apic->irr);
		return false;
	}
	for (int i = 0; i < APIC_VEC_WORDS; i++) {
		u32 pir_val = pir[i], prev = apic->irr[i];

		if (pir_val) {
			pir[i] = 0;
			apic->irr[i] = prev | pir_val;
			if (apic->irr[i] != prev)
				max_updated_irr = i * 32 + 31 - __builtin_clz(apic->irr[i] ^ prev);
		}
		if (apic->irr[i])
			*max_irr = i * 32 + 31 - __builtin_clz(apic->irr[i]);
	}
	if (max_updated_irr != -1 && max_updated_irr == *max_irr) {
		if (!apic->apicv_active)
			apic->irr_pending = true;
		return true;
	}
	/* bits below the maximum also make irr_pending meaningful */
	if (*max_irr != -1 && !apic->apicv_active)
		apic->irr_pending = true;
	return false;
}

/*
 * The kvm_x86_ops.sync_pir_to_irr step. Default: vmx_sync_pir_to_irr() (vmx.c, v6.18)
 * without the VMCS: if ON, clear it and merge the PIR; a posted interrupt found while
 * APICv is inactive makes KVM_REQ_EVENT. With hw ops, the VMX model's version (RVI).
 */
int kvm_apic_sync_pir_to_irr(struct kvm_lapic *apic)
{
	int max_irr;
	bool got;

	if (apic->hw && apic->hw->sync_pir_to_irr)
		return apic->hw->sync_pir_to_irr(apic);
	if (apic->pi_on) {
		apic->pi_on = false;
		got = kvm_apic_update_irr(apic, apic->pir, &max_irr);
	} else {
		max_irr = apic_find_highest_irr(apic);
		got = false;
	}
	if (!apic->apicv_active && got)
		apic->req_event = true;
	return max_irr;
}

/*
 * __apic_update_ppr()/apic_update_ppr() (lapic.c, v6.18): PPR = TPR if TPR[7:4] >=
 * ISRV[7:4], else ISRV & 0xF0; a lowered PPR with a deliverable IRR makes KVM_REQ_EVENT.
 */
static bool __apic_update_ppr(struct kvm_lapic *apic, u32 *new_ppr)
{
	u32 tpr, isrv, ppr, old_ppr = apic->ppr;
	int isr;

	tpr = apic->tpr;
	isr = apic_find_highest_isr(apic);
	isrv = (isr != -1) ? (u32)isr : 0;
	if ((tpr & 0xf0) >= (isrv & 0xf0))
		ppr = tpr & 0xff;
	else
		ppr = isrv & 0xf0;
	*new_ppr = ppr;
	apic->ppr = ppr;
	return ppr < old_ppr;
}

/* apic_has_interrupt_for_ppr() (lapic.c, v6.18) */
static int apic_has_interrupt_for_ppr(struct kvm_lapic *apic, u32 ppr)
{
	int highest_irr = kvm_apic_sync_pir_to_irr(apic);

	if (highest_irr == -1 || ((u32)highest_irr & 0xF0) <= ppr)
		return -1;
	return highest_irr;
}

void apic_update_ppr(struct kvm_lapic *apic)
{
	u32 ppr;

	if (__apic_update_ppr(apic, &ppr) && apic_has_interrupt_for_ppr(apic, ppr) != -1)
		apic->req_event = true;
}

/* kvm_lapic_set_tpr() / apic_set_tpr() (lapic.c) */
void kvm_lapic_set_tpr(struct kvm_lapic *apic, u32 tpr)
{
	apic->tpr = tpr & 0xff;
	apic_update_ppr(apic);
}

/* kvm_apic_has_interrupt() (lapic.c, v6.18): the highest IRR above PPR, or -1. */
int kvm_apic_has_interrupt(struct kvm_lapic *apic)
{
	u32 ppr;

	if (!apic->hw_enabled)
		return -1;
	__apic_update_ppr(apic, &ppr);
	return apic_has_interrupt_for_ppr(apic, ppr);
}

/*
 * kvm_apic_ack_interrupt() (lapic.c, v6.18): IRR -> ISR and PPR update. Simplifies: no
 * Hyper-V SynIC auto-EOI.
 */
void kvm_apic_ack_interrupt(struct kvm_lapic *apic, int vector)
{
	u32 ppr;

	if (vector < 0)
		return;
	apic_clear_irr(vector, apic);
	apic_set_isr(vector, apic);
	__apic_update_ppr(apic, &ppr);
}

/*
 * kvm_cpu_has_injectable_intr() (irq.c, v6.18): with APICv active and not in guest mode
 * the CPU delivers LAPIC interrupts itself, so nothing is injectable by software.
 * Simplifies: no PIC/ExtINT.
 */
int kvm_cpu_has_injectable_intr(struct kvm_lapic *apic)
{
	if (!apic_is_guest_mode(apic) && apic->apicv_active)
		return 0;
	return kvm_apic_has_interrupt(apic) != -1;
}

/* kvm_cpu_get_interrupt() (irq.c, v6.18): acknowledge the highest IRR above PPR. */
int kvm_cpu_get_interrupt(struct kvm_lapic *apic)
{
	int vector = kvm_apic_has_interrupt(apic);

	if (vector == -1)
		return -1;
	kvm_apic_ack_interrupt(apic, vector);
	return vector;
}

/*
 * apic_set_eoi() (lapic.c, v6.18) = the trapped EOI write (kvm_lapic_set_eoi): clear the
 * highest ISR bit, update PPR, KVM_REQ_EVENT. Calls the map's eoi_hook (the IPI tracking
 * series hooks kvm_clear_ipi_on_eoi here). Simplifies: no IOAPIC/SynIC EOI broadcast.
 */
int apic_set_eoi(struct kvm_lapic *apic)
{
	int vector = apic_find_highest_isr(apic);

	if (vector == -1)
		return vector;
	apic_clear_isr(vector, apic);
	apic_update_ppr(apic);
	apic->req_event = true;
	if (apic->map && apic->map->eoi_hook)
		apic->map->eoi_hook(apic->map->hook_opaque, apic, vector);
	return vector;
}

/*
 * kvm_apic_set_eoi_accelerated() (lapic.c, v6.18): an EOI-induced VM exit (the vector
 * is in the EOI-exit bitmap); the CPU has already cleared the vISR bit.
 */
void kvm_apic_set_eoi_accelerated(struct kvm_lapic *apic, int vector)
{
	apic->req_event = true;
	if (apic->map && apic->map->eoi_hook)
		apic->map->eoi_hook(apic->map->hook_opaque, apic, vector);
}

/*
 * __vmx_deliver_posted_interrupt() + kvm_vcpu_trigger_posted_interrupt() (vmx.c,
 * v6.18), with the PIR in struct kvm_lapic: set the PIR bit, then ON; send the
 * notification vector if the vCPU is IN_GUEST_MODE, else kvm_vcpu_wake_up().
 */
int kvm_lapic_deliver_posted(struct kvm_lapic *apic, int vector)
{
	if (apic_test_vector(vector, apic->pir))
		return KVM_APIC_POSTED_COALESCED;
	apic_set_vector(vector, apic->pir);
	if (apic->pi_on)
		return KVM_APIC_POSTED_COALESCED;
	apic->pi_on = true;
	return apic->in_guest_mode ? KVM_APIC_POSTED_IPI : KVM_APIC_WAKE;
}

/*
 * vmx_deliver_interrupt() (vmx.c, v6.18) for the default ops: posted when APICv is
 * active, else IRR + KVM_REQ_EVENT + kvm_vcpu_kick().
 */
static int deliver_interrupt(struct kvm_lapic *apic, int delivery_mode, int trig_mode, int vector)
{
	if (apic->hw && apic->hw->deliver_interrupt)
		return apic->hw->deliver_interrupt(apic, delivery_mode, trig_mode, vector);
	if (apic->apicv_active)
		return kvm_lapic_deliver_posted(apic, vector);
	kvm_lapic_set_irr(vector, apic);
	apic->req_event = true;
	return KVM_APIC_KICK;
}

/*
 * __apic_accept_irq() (lapic.c, v6.18). Returns 1 if accepted (for FIXED even when the
 * vector coalesces with a pending one, as the kernel does), 0 otherwise; *kick is what
 * the KVM layer must do. Simplifies: SMI is not modeled (returns 0), no dest_map/RTC.
 */
static int __apic_accept_irq(struct kvm_lapic *apic, int delivery_mode, int vector, int level,
			     int trig_mode, u8 *kick)
{
	int result = 0;

	*kick = KVM_APIC_NO_KICK;
	switch (delivery_mode) {
	case APIC_DM_LOWEST:
		apic->arb_prio++;
		/* fallthrough */
	case APIC_DM_FIXED:
		if (unlikely(trig_mode && !level))
			break;
		if (unlikely(!kvm_apic_present_enabled(apic)))
			break;
		result = 1;
		if (apic_test_vector(vector, apic->tmr) != !!trig_mode) {
			if (trig_mode)
				apic_set_vector(vector, apic->tmr);
			else
				apic_clear_vector(vector, apic->tmr);
		}
		*kick = (u8)deliver_interrupt(apic, delivery_mode, trig_mode, vector);
		break;
	case APIC_DM_REMRD:
		result = 1;
		apic->pv_unhalted = true;
		apic->req_event = true;
		*kick = KVM_APIC_KICK;
		break;
	case APIC_DM_NMI:
		result = 1;
		apic->nmi_pending++;
		apic->req_event = true;
		*kick = KVM_APIC_KICK;
		break;
	case APIC_DM_INIT:
		if (!trig_mode || level) {
			result = 1;
			apic->init_pending = true;
			apic->req_event = true;
			*kick = KVM_APIC_KICK;
		}
		break;
	case APIC_DM_STARTUP:
		result = 1;
		apic->sipi_vector = vector;
		apic->req_event = true;
		*kick = KVM_APIC_KICK;
		break;
	default: /* SMI, ExtINT */
		break;
	}
	return result;
}

static void delivery_add(struct kvm_apic_delivery *out, struct kvm_lapic *apic, u8 kick)
{
	if (!out || out->nr >= KVM_APIC_MAX_VCPUS)
		return;
	out->vcpu[out->nr] = (u16)apic->vcpu_idx;
	out->kick[out->nr] = kick;
	out->nr++;
}

/* kvm_apic_set_irq() (lapic.c) */
int kvm_apic_set_irq(struct kvm_lapic *apic, struct kvm_lapic_irq *irq,
		     struct kvm_apic_delivery *out)
{
	u8 kick;
	int r = __apic_accept_irq(apic, irq->delivery_mode, (int)irq->vector, irq->level,
				  irq->trig_mode, &kick);

	if (r > 0)
		delivery_add(out, apic, kick);
	return r;
}

/* kvm_apic_broadcast() (lapic.c) */
static bool kvm_apic_broadcast(struct kvm_lapic *apic, u32 mda)
{
	return mda == (apic->x2apic_mode ? X2APIC_BROADCAST : APIC_BROADCAST);
}

/* kvm_apic_match_physical_addr() (lapic.c, v6.18), with the hotplug hack (mda > 0xff). */
static bool kvm_apic_match_physical_addr(struct kvm_lapic *apic, u32 mda)
{
	if (kvm_apic_broadcast(apic, mda))
		return true;
	if (apic->x2apic_mode || mda > 0xff)
		return mda == apic->id;
	return mda == (apic->id & 0xff);
}

/* kvm_apic_match_logical_addr() (lapic.c, v6.18): flat and cluster, xAPIC and x2APIC. */
static bool kvm_apic_match_logical_addr(struct kvm_lapic *apic, u32 mda)
{
	u32 logical_id;

	if (kvm_apic_broadcast(apic, mda))
		return true;
	logical_id = apic->ldr;
	if (apic->x2apic_mode)
		return ((logical_id >> 16) == (mda >> 16)) && (logical_id & mda & 0xffff) != 0;
	logical_id >>= 24; /* GET_APIC_LOGICAL_ID */
	switch (apic->dfr) {
	case APIC_DFR_FLAT:
		return (logical_id & mda) != 0;
	case APIC_DFR_CLUSTER:
		return ((logical_id >> 4) == (mda >> 4)) && (logical_id & mda & 0xf) != 0;
	default:
		return false;
	}
}

/*
 * kvm_apic_mda() (lapic.c): an IOAPIC/MSI (non-IPI) xAPIC broadcast to an x2APIC target
 * is an x2APIC broadcast (the x2apic broadcast quirk, enabled by default).
 */
static u32 kvm_apic_mda(u32 dest_id, struct kvm_lapic *source, struct kvm_lapic *target)
{
	bool ipi = source != NULL;

	if (!ipi && dest_id == APIC_BROADCAST && target->x2apic_mode)
		return X2APIC_BROADCAST;
	return dest_id;
}

/* kvm_apic_match_dest() (lapic.c, v6.18) */
bool kvm_apic_match_dest(struct kvm_lapic *target, struct kvm_lapic *source, int shorthand,
			 u32 dest, int dest_mode)
{
	u32 mda = kvm_apic_mda(dest, source, target);

	switch (shorthand) {
	case APIC_DEST_NOSHORT:
		if (dest_mode == APIC_DEST_PHYSICAL)
			return kvm_apic_match_physical_addr(target, mda);
		else
			return kvm_apic_match_logical_addr(target, mda);
	case APIC_DEST_SELF:
		return target == source;
	case APIC_DEST_ALLINC:
		return true;
	case APIC_DEST_ALLBUT:
		return target != source;
	default:
		return false;
	}
}

/* kvm_apic_compare_prio() (lapic.c): arbitration by apic_arb_prio. */
int kvm_apic_compare_prio(const struct kvm_lapic *a, const struct kvm_lapic *b)
{
	return (int)a->arb_prio - (int)b->arb_prio;
}

/* kvm_vector_to_index() (lapic.c): the (vector % n)-th set bit. */
static int kvm_vector_to_index(u32 vector, u32 dest_vcpus, const u8 *bitmap, int size)
{
	u32 mod = vector % dest_vcpus;
	int idx = -1;

	for (u32 i = 0; i <= mod; i++) {
		do
			idx++;
		while (idx < size && !bitmap[idx]);
	}
	return idx;
}

static bool kvm_lowest_prio_delivery(const struct kvm_lapic_irq *irq)
{
	return irq->delivery_mode == APIC_DM_LOWEST || irq->msi_redir_hint;
}

/*
 * kvm_irq_delivery_to_apic() (lapic.c, v6.18), the one delivery function. Modeled on
 * the slow path (every vCPU tested with kvm_apic_match_dest); the fast path through
 * the optimized map gives the same targets, except that for lowest-priority with
 * vector hashing it indexes the matching vCPUs in logical-ID bit order within a
 * cluster, which equals vCPU order when logical IDs are assigned in vCPU order.
 * Returns the number of vCPUs that accepted, or -1 if none matched; out lists them.
 * The IPI-tracking hook (map->ipi_hook) is invoked here, see lapic.h.
 */
int kvm_irq_delivery_to_apic(struct kvm_apic_map *map, struct kvm_lapic *src,
			     struct kvm_lapic_irq *irq, struct kvm_apic_delivery *out)
{
	int r = -1;
	struct kvm_lapic *lowest = NULL;
	u8 dest_vcpu_bitmap[KVM_APIC_MAX_VCPUS];
	u32 dest_vcpus = 0;
	struct kvm_apic_delivery local;

	if (!out)
		out = &local;
	out->nr = 0;
	if (!map)
		return -1;

	if (irq->dest_mode == APIC_DEST_PHYSICAL && irq->dest_id == 0xff &&
	    kvm_lowest_prio_delivery(irq))
		irq->delivery_mode = APIC_DM_FIXED; /* "apic: phys broadcast and lowest prio" */

	memset(dest_vcpu_bitmap, 0, sizeof(dest_vcpu_bitmap));
	for (int i = 0; i < map->nr_vcpus; i++) {
		struct kvm_lapic *apic = map->apic[i];

		if (!apic || !apic->hw_enabled) /* kvm_apic_present */
			continue;
		if (!kvm_apic_match_dest(apic, src, (int)irq->shorthand, irq->dest_id,
					 irq->dest_mode))
			continue;
		if (!kvm_lowest_prio_delivery(irq)) {
			if (r < 0)
				r = 0;
			r += kvm_apic_set_irq(apic, irq, out);
		} else if (kvm_apic_sw_enabled(apic)) {
			if (!map->vector_hashing) {
				if (!lowest || kvm_apic_compare_prio(apic, lowest) < 0)
					lowest = apic;
			} else {
				dest_vcpu_bitmap[i] = 1;
				dest_vcpus++;
			}
		}
	}
	if (dest_vcpus != 0) {
		int idx =
		    kvm_vector_to_index(irq->vector, dest_vcpus, dest_vcpu_bitmap, map->nr_vcpus);
		lowest = map->apic[idx];
	}
	if (lowest)
		r = kvm_apic_set_irq(lowest, irq, out);

	/* Hook point for IPI tracking (vcpu-scheduling-series.md 1.2, "LAPIC delivery"). */
	if (map->ipi_hook && src && irq->delivery_mode == APIC_DM_FIXED &&
	    irq->shorthand == APIC_DEST_NOSHORT && r == 1 && out->nr == 1 &&
	    map->apic[out->vcpu[0]] != src)
		map->ipi_hook(map->hook_opaque, src, map->apic[out->vcpu[0]], irq);
	return r;
}

/*
 * The physical map lookup (kvm_recalculate_apic_map builds map->phys_map[] from the APIC
 * IDs of the vCPUs whose APIC is hardware-enabled). Linear here; first match wins, where
 * the kernel marks aliased IDs (APICV_INHIBIT_REASON_PHYSICAL_ID_ALIASED).
 */
struct kvm_lapic *kvm_apic_map_phys(struct kvm_apic_map *map, u32 apic_id)
{
	for (int i = 0; map && i < map->nr_vcpus; i++)
		if (map->apic[i] && map->apic[i]->hw_enabled && map->apic[i]->id == apic_id)
			return map->apic[i];
	return NULL;
}

/* __pv_send_ipi() (lapic.c, v6.18): one bitmap word of APIC IDs from min. */
static int __pv_send_ipi(u64 ipi_bitmap, int bits, struct kvm_apic_map *map,
			 struct kvm_lapic_irq *irq, u32 min, struct kvm_apic_delivery *out)
{
	int count = 0;

	for (int i = 0; i < bits; i++) {
		struct kvm_lapic *apic;

		if (!(ipi_bitmap & BIT_ULL(i)))
			continue;
		apic = kvm_apic_map_phys(map, min + (u32)i);
		if (apic)
			count += kvm_apic_set_irq(apic, irq, out);
	}
	return count;
}

/* kvm_pv_send_ipi() (lapic.c, v6.18) */
int kvm_pv_send_ipi(struct kvm_apic_map *map, u64 ipi_bitmap_low, u64 ipi_bitmap_high, u32 min,
		    u32 icr, bool op_64_bit, struct kvm_apic_delivery *out)
{
	struct kvm_lapic_irq irq = {0};
	int cluster_size = op_64_bit ? 64 : 32;
	int count;

	if (out)
		out->nr = 0;
	if (icr & (APIC_DEST_MASK | APIC_SHORT_MASK))
		return -EINVAL;
	if (!map)
		return -EOPNOTSUPP;
	irq.vector = icr & APIC_VECTOR_MASK;
	irq.delivery_mode = icr & APIC_MODE_MASK;
	irq.level = (icr & APIC_INT_ASSERT) != 0;
	irq.trig_mode = (icr & APIC_INT_LEVELTRIG) ? 1 : 0;
	if (!op_64_bit) {
		ipi_bitmap_low &= 0xffffffffu;
		ipi_bitmap_high &= 0xffffffffu;
	}
	count = __pv_send_ipi(ipi_bitmap_low, cluster_size, map, &irq, min, out);
	count +=
	    __pv_send_ipi(ipi_bitmap_high, cluster_size, map, &irq, min + (u32)cluster_size, out);
	return count;
}

/* kvm_apic_send_ipi() (lapic.c, v6.18): decode an ICR write and deliver. */
int kvm_apic_send_ipi(struct kvm_lapic *apic, u32 icr_low, u32 icr_high,
		      struct kvm_apic_delivery *out)
{
	struct kvm_lapic_irq irq;

	irq.vector = icr_low & APIC_VECTOR_MASK;
	irq.delivery_mode = icr_low & APIC_MODE_MASK;
	irq.dest_mode = icr_low & APIC_DEST_MASK;
	irq.level = (icr_low & APIC_INT_ASSERT) != 0;
	irq.trig_mode = (icr_low & APIC_INT_LEVELTRIG) ? 1 : 0;
	irq.shorthand = icr_low & APIC_SHORT_MASK;
	irq.msi_redir_hint = false;
	irq.dest_id = apic->x2apic_mode ? icr_high : icr_high >> 24; /* GET_XAPIC_DEST_FIELD */
	return kvm_irq_delivery_to_apic(apic->map, apic, &irq, out);
}

/* kvm_x2apic_icr_write() (lapic.c): one 64-bit write, destination in bits 63:32. */
int kvm_x2apic_icr_write(struct kvm_lapic *apic, u64 data, struct kvm_apic_delivery *out)
{
	if (!apic->x2apic_mode)
		return -EINVAL;
	data &= ~(u64)APIC_ICR_BUSY;
	kvm_apic_send_ipi(apic, (u32)data, (u32)(data >> 32), out);
	apic->icr_lo = (u32)data;
	apic->icr_hi = (u32)(data >> 32);
	return 0;
}

/*
 * kvm_lapic_reg_write() (lapic.c, v6.18) for the registers modeled: ID, TPR, EOI, LDR,
 * DFR, SPIV, ICR, ICR2, SELF_IPI (x2APIC). Others return -EINVAL, as do writes the
 * architecture forbids in x2APIC mode (ID, LDR, DFR, ICR2).
 */
int kvm_lapic_reg_write(struct kvm_lapic *apic, u32 reg, u32 val, struct kvm_apic_delivery *out)
{
	if (out)
		out->nr = 0;
	switch (reg) {
	case APIC_ID:
		if (apic->x2apic_mode)
			return -EINVAL;
		apic->id = val >> 24;
		return 0;
	case APIC_TASKPRI:
		kvm_lapic_set_tpr(apic, val);
		return 0;
	case APIC_EOI:
		apic_set_eoi(apic);
		return 0;
	case APIC_LDR:
		if (apic->x2apic_mode)
			return -EINVAL;
		apic->ldr = val & 0xFF000000u; /* APIC_LDR_MASK */
		return 0;
	case APIC_DFR:
		if (apic->x2apic_mode)
			return -EINVAL;
		apic->dfr = val | 0x0FFFFFFF;
		return 0;
	case APIC_SPIV:
		apic->spiv = val & 0x3ff;
		return 0;
	case APIC_ICR2:
		if (apic->x2apic_mode)
			return -EINVAL;
		apic->icr_hi = val & 0xff000000u;
		return 0;
	case APIC_ICR:
		if (apic->x2apic_mode)
			return kvm_x2apic_icr_write(apic, ((u64)apic->icr_hi << 32) | val, out);
		val &= ~APIC_ICR_BUSY;
		kvm_apic_send_ipi(apic, val, apic->icr_hi, out);
		apic->icr_lo = val;
		return 0;
	case APIC_SELF_IPI:
		if (!apic->x2apic_mode)
			return -EINVAL;
		kvm_apic_send_ipi(apic, APIC_DEST_SELF | (val & APIC_VECTOR_MASK), 0, out);
		return 0;
	default:
		return -EINVAL;
	}
}

/* kvm_lapic_reg_read() (lapic.c) for the registers modeled. */
int kvm_lapic_reg_read(struct kvm_lapic *apic, u32 reg, u32 *val)
{
	if (reg >= APIC_ISR && reg < APIC_ISR + 0x80 && !(reg & 0xf)) {
		*val = apic->isr[(reg - APIC_ISR) >> 4];
		return 0;
	}
	if (reg >= APIC_TMR && reg < APIC_TMR + 0x80 && !(reg & 0xf)) {
		*val = apic->tmr[(reg - APIC_TMR) >> 4];
		return 0;
	}
	if (reg >= APIC_IRR && reg < APIC_IRR + 0x80 && !(reg & 0xf)) {
		*val = apic->irr[(reg - APIC_IRR) >> 4];
		return 0;
	}
	switch (reg) {
	case APIC_ID:
		*val = apic->x2apic_mode ? apic->id : apic->id << 24;
		return 0;
	case APIC_LVR:
		*val = 0x14 | (5u << 16); /* version 0x14, 6 LVT entries (APIC_VERSION) */
		return 0;
	case APIC_TASKPRI:
		*val = apic->tpr;
		return 0;
	case APIC_PROCPRI:
		apic_update_ppr(apic);
		*val = apic->ppr;
		return 0;
	case APIC_LDR:
		*val = apic->ldr;
		return 0;
	case APIC_DFR:
		*val = apic->x2apic_mode ? 0 : apic->dfr;
		return 0;
	case APIC_SPIV:
		*val = apic->spiv;
		return 0;
	case APIC_ICR:
		*val = apic->icr_lo;
		return 0;
	case APIC_ICR2:
		*val = apic->icr_hi;
		return 0;
	default:
		return -EINVAL;
	}
}

/* vmx_dy_apicv_has_pending_interrupt() (vmx.c): ON set or PIR non-empty. */
bool vmx_dy_apicv_has_pending_interrupt(struct kvm_lapic *apic)
{
	if (apic->pi_on)
		return true;
	for (int i = 0; i < APIC_VEC_WORDS; i++)
		if (apic->pir[i])
			return true;
	return false;
}

/* kvm_arch_dy_has_pending_interrupt() (x86.c, v6.18) */
bool kvm_arch_dy_has_pending_interrupt(struct kvm_lapic *apic)
{
	return apic->apicv_active && vmx_dy_apicv_has_pending_interrupt(apic);
}

/*
 * Ideal hardware (SDM 30.2, virtual-interrupt delivery) with SVI/RVI implied by
 * vISR/vIRR: deliver the highest vIRR whose class is above VPPR's.
 */
static int ideal_virtual_delivery(struct kvm_lapic *apic)
{
	int v = apic_find_highest_vector(apic->irr);
	u32 ppr;

	__apic_update_ppr(apic, &ppr);
	if (v == -1 || ((u32)v & 0xF0) <= (ppr & 0xF0))
		return -1;
	apic_clear_vector(v, apic->irr);
	apic_set_vector(v, apic->isr);
	__apic_update_ppr(apic, &ppr);
	return v;
}

int kvm_apic_vcpu_entry(struct kvm_lapic *apic, bool interruptible)
{
	int v;

	if (apic->apicv_active) {
		kvm_apic_sync_pir_to_irr(apic);
		apic->req_event = false;
		return interruptible ? ideal_virtual_delivery(apic) : -1;
	}
	kvm_apic_sync_pir_to_irr(apic);
	apic->req_event = false;
	if (!interruptible) {
		/* enable_irq_window(): an exit as soon as the guest can take it */
		if (kvm_apic_has_interrupt(apic) != -1)
			apic->req_event = true;
		return -1;
	}
	v = kvm_cpu_get_interrupt(apic);
	return v;
}

int kvm_apic_guest_poll(struct kvm_lapic *apic, bool interruptible)
{
	int max_irr;

	if (!apic->apicv_active)
		return -1;
	if (apic->pi_on) { /* posted-interrupt processing (SDM 30.6) */
		apic->pi_on = false;
		kvm_apic_update_irr(apic, apic->pir, &max_irr);
	}
	return interruptible ? ideal_virtual_delivery(apic) : -1;
}

int kvm_apic_guest_eoi(struct kvm_lapic *apic, bool *exited)
{
	int v;
	u32 ppr;

	if (!apic->apicv_active) {
		*exited = true;
		return apic_set_eoi(apic);
	}
	/* EOI virtualization (SDM 30.1.4) with SVI == highest vISR */
	v = apic_find_highest_vector(apic->isr);
	*exited = false;
	if (v == -1)
		return -1;
	apic_clear_vector(v, apic->isr);
	__apic_update_ppr(apic, &ppr);
	if (apic->eoi_exit_bitmap[v >> 6] & BIT_ULL(v & 63)) {
		*exited = true;
		kvm_apic_set_eoi_accelerated(apic, v);
	}
	return v;
}
