// SPDX-License-Identifier: GPL-2.0
/*
 * The parts of arch/x86/kvm/x86.c (Linux v6.18) that directed yield and the PV features
 * use: kvm_arch_vcpu_preempted_in_kernel, kvm_arch_dy_runnable and
 * kvm_arch_dy_has_pending_interrupt, the steal-time preempted byte
 * (kvm_steal_time_set_preempted / record_steal_time), KVM_HC_KICK_CPU and
 * KVM_HC_SCHED_YIELD (kvm-directed-yield.md B.4, B.7).
 */
#include "guest/internal.h"
#include "kvmsim/kvm_host.h"

bool kvm_arch_vcpu_preempted_in_kernel(struct kvm_vcpu *vcpu)
{
	return vcpu->preempted_in_kernel;
}

bool kvm_arch_dy_has_pending_interrupt_vcpu(struct kvm_vcpu *vcpu)
{
	return kvm_arch_dy_has_pending_interrupt(&vcpu->apic);
}

/* kvm_arch_dy_runnable(): pv_unhalted, KVM_REQ_EVENT (NMI/SMI are not modeled), or an
 * APICv interrupt pending in the PIR */
bool kvm_arch_dy_runnable(struct kvm_vcpu *vcpu)
{
	if (vcpu->apic.pv_unhalted || vcpu->apic.req_event)
		return true;
	return kvm_arch_dy_has_pending_interrupt_vcpu(vcpu);
}

void kvm_steal_time_set_preempted(struct kvm_vcpu *vcpu)
{
	vcpu->st_preempted |= KVM_VCPU_PREEMPTED;
}

/* record_steal_time() at entry: clear the preempted byte, do a deferred PV TLB flush */
void record_steal_time(struct kvm_vcpu *vcpu)
{
	vcpu->st_preempted = 0;
}

/*
 * kvm_sched_yield(): directed yield to the vCPU with APIC ID @dest_id, if another task
 * wants this CPU and the target is ready.
 */
void kvm_sched_yield(struct kvm_vcpu *vcpu, int dest_id)
{
	struct kvm_lapic *apic;
	struct kvm_vcpu *target;

	vcpu->c.pv_yield_attempted++;
	if (task_rq(vcpu->task)->nr_running == 1)
		return;	/* single_task_running() */
	apic = kvm_apic_map_phys(&vcpu->kvm->apic_map, (u32)dest_id);
	if (!apic)
		return;
	target = vcpu->kvm->vcpus[apic->vcpu_idx];
	if (!target->ready || target == vcpu)
		return;
	if (kvm_vcpu_yield_to(vcpu, target) <= 0)
		return;
	vcpu->c.pv_yield_successful++;
}

/*
 * KVM_HC_KICK_CPU: kvm_pv_kick_cpu_op() delivers APIC_DM_REMRD (pv_unhalted, a kick),
 * then the kicker directed-yields to the kicked vCPU (Wanpeng Li 2021).
 */
void kvm_hc_kick_cpu(struct kvm_vcpu *vcpu, int apicid)
{
	struct kvm_lapic_irq irq = {
		.delivery_mode = APIC_DM_REMRD, .dest_mode = APIC_DEST_PHYSICAL,
		.shorthand = APIC_DEST_NOSHORT, .dest_id = (u32)apicid,
	};
	struct kvm_apic_delivery d;

	vcpu->c.kicks++;
	kvm_trace(vcpu, vcpu->kvm->params, KVM_TRACE_KICK, apicid, 0, vcpu->kvm->host->sim->now);
	kvm_irq_delivery_to_apic(&vcpu->kvm->apic_map, NULL, &irq, &d);
	kvm_apic_deliver_result(vcpu->kvm, &d);
	kvm_sched_yield(vcpu, apicid);
}

/* What the LAPIC asks of the KVM layer for each vCPU that accepted an interrupt. */
void kvm_apic_deliver_result(struct kvm *kvm, const struct kvm_apic_delivery *d)
{
	for (int i = 0; i < d->nr; i++) {
		struct kvm_vcpu *vcpu = kvm->vcpus[d->vcpu[i]];

		switch (d->kick[i]) {
		case KVM_APIC_KICK:
			kvm_vcpu_kick(vcpu);
			break;
		case KVM_APIC_POSTED_IPI:
			guest_cpu_poke(vcpu->gcpu);	/* the CPU processes the PIR in guest mode */
			break;
		case KVM_APIC_WAKE:
			kvm_vcpu_wake_up(vcpu);
			break;
		default:
			break;
		}
	}
}
