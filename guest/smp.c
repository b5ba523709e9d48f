// SPDX-License-Identifier: GPL-2.0
/*
 * Guest IPIs (kvm-directed-yield.md B.7, B.8): the reschedule IPI of a wakeup,
 * smp_call_function_many() with wait (csd_lock_wait) and flush_tlb_multi() with the PV
 * TLB flush, the ICR-write exits or the PV send-IPI hypercall that carry them, the
 * PV sched-yield after call-function IPIs, and the handlers on the targets.
 *
 * The guest's LAPICs are in x2APIC mode (a guest with more than 8 vCPUs, and what PV
 * send-IPI needs); an ICR write exits unless APICv with IPI virtualization is on.
 */
#include <stdlib.h>
#include <string.h>

#include "guest/internal.h"

static u64 icr(int vector, const struct guest_cpu *to)
{
	return (u64)to->vcpu->apic.id << 32 | APIC_DM_FIXED | APIC_DEST_PHYSICAL |
	       APIC_INT_ASSERT | (u32)vector;
}

/* ipi_sent_at[] slot of an IPI vector: 0 reschedule, 1 call function */
static int vector_class(int vector)
{
	return vector == RESCHEDULE_VECTOR ? 0 : 1;
}

static void note_sent(struct guest_cpu *from, struct guest_cpu *to, int vector)
{
	u64 *at = &to->ipi_sent_at[vector_class(vector)];

	if (!*at)
		*at = guest_now(from->g);
	from->vcpu->c.ipis_sent++;
	kvm_trace(from->vcpu, from->g->kvm->params, KVM_TRACE_IPI_SEND, to->idx, vector,
		  guest_now(from->g));
}

/* One unicast IPI by an x2APIC ICR write (native_x2apic_send_IPI / send_IPI). */
void guest_send_ipi(struct guest_cpu *from, struct guest_cpu *to, int vector)
{
	const struct scn_kvm *kp = from->g->kp;
	struct kvm_apic_map *map = &from->g->kvm->apic_map;
	struct kvm_apic_delivery d;

	note_sent(from, to, vector);
	if (kp->enable_apicv && kp->enable_ipiv) {
		/* IPI virtualization: the CPU posts it, KVM never sees the ICR write */
		struct kvm_lapic_irq irq = {
			.vector = (u32)vector, .delivery_mode = APIC_DM_FIXED,
			.dest_mode = APIC_DEST_PHYSICAL, .level = true,
			.shorthand = APIC_DEST_NOSHORT, .dest_id = to->vcpu->apic.id,
		};
		void (*hook)(void *, struct kvm_lapic *, struct kvm_lapic *,
			     const struct kvm_lapic_irq *) = map->ipi_hook;

		map->ipi_hook = NULL;
		kvm_irq_delivery_to_apic(map, &from->vcpu->apic, &irq, &d);
		map->ipi_hook = hook;
	} else {
		guest_cpu_stall(from, kp->vmexit_ns);
		kvm_x2apic_icr_write(&from->vcpu->apic, icr(vector, to), &d);
	}
	kvm_apic_deliver_result(from->g->kvm, &d);
}

/* The LAPIC timer's interrupt, delivered by the vCPU's own LAPIC (no ICR write). */
void guest_timer_irq(struct guest_cpu *gc)
{
	struct kvm_lapic_irq irq = {
		.vector = LOCAL_TIMER_VECTOR, .delivery_mode = APIC_DM_FIXED,
		.dest_mode = APIC_DEST_PHYSICAL, .level = true, .shorthand = APIC_DEST_NOSHORT,
		.dest_id = gc->vcpu->apic.id,
	};
	struct kvm_apic_delivery d = { 0 };	/* left as is when the LAPIC refuses it */

	kvm_apic_set_irq(&gc->vcpu->apic, &irq, &d);
	kvm_apic_deliver_result(gc->g->kvm, &d);
}

/* send_IPI_mask: KVM_HC_SEND_IPI with a bitmap when PV send-IPI is on, else one by one. */
static void send_ipi_mask(struct guest_cpu *from, struct guest_cpu **to, int n, int vector)
{
	struct guest *g = from->g;
	struct kvm_apic_delivery d;
	u64 lo = 0, hi = 0;

	if (!n)
		return;
	if (!g->feat->pv_send_ipi) {
		for (int i = 0; i < n; i++)
			guest_send_ipi(from, to[i], vector);
		return;
	}
	for (int i = 0; i < n; i++) {
		u32 id = to[i]->vcpu->apic.id;

		note_sent(from, to[i], vector);
		if (id < 64)
			lo |= 1ull << id;
		else
			hi |= 1ull << (id - 64);
	}
	guest_cpu_stall(from, g->kp->hypercall_ns);
	kvm_pv_send_ipi(&g->kvm->apic_map, lo, hi, 0, APIC_DM_FIXED | (u32)vector, true, &d);
	kvm_apic_deliver_result(g->kvm, &d);
}

static int queued_csds(const struct guest_cpu *c)
{
	int taken = c->in_irq && c->irq_vector == CALL_FUNCTION_VECTOR ? c->irq_csds : 0;

	return c->nr_csd - taken;
}

static void queue_csd(struct guest_cpu *to, struct guest_thread *sender, u64 handler_ns, bool tlb)
{
	if (to->nr_csd == to->cap_csd) {
		int cap = to->cap_csd ? 2 * to->cap_csd : 8;
		struct guest_csd *n = realloc(to->csd, (size_t)cap * sizeof(*n));

		if (!n)
			return;
		to->csd = n;
		to->cap_csd = cap;
	}
	to->csd[to->nr_csd++] = (struct guest_csd){sender, handler_ns, tlb};
}

/*
 * smp_call_function_many_cond(mask, func, wait = true) and, for @tlb, flush_tlb_multi()
 * → kvm_flush_tlb_multi() (PV TLB flush drops preempted targets, flushed at their next
 * entry) over the vCPUs running this thread's mm (lazy and idle CPUs are skipped).
 * Without @tlb the targets are the @n vCPUs after this one. Then
 * kvm_smp_send_call_func_ipi()'s PV sched-yield to the first preempted, non-idle target,
 * and csd_lock_wait() on every target (curr spins until they have all run the handler).
 */
void guest_smp_call(struct guest_cpu *gc, int n, u64 handler_ns, bool tlb)
{
	struct guest *g = gc->g;
	struct guest_thread *t = gc->curr;
	struct guest_cpu *targets[KVM_MAX_VCPUS_MODEL], *ipi[KVM_MAX_VCPUS_MODEL];
	int nt = 0, ni = 0;

	for (int i = 1; i < g->nr_cpus; i++) {
		struct guest_cpu *c = &g->cpus[(gc->idx + i) % g->nr_cpus];

		if (tlb) {
			if (!c->curr || c->curr->mm != t->mm)
				continue;
			if (g->feat->pv_tlb_flush && (c->vcpu->st_preempted & KVM_VCPU_PREEMPTED)) {
				c->vcpu->st_preempted |= KVM_VCPU_FLUSH_TLB;
				continue;
			}
		} else if (nt >= n) {
			break;
		}
		targets[nt++] = c;
	}
	for (int i = 0; i < nt; i++) {
		if (!queued_csds(targets[i]))
			ipi[ni++] = targets[i];
		queue_csd(targets[i], t, handler_ns, tlb);
	}
	gc->csd_wait_left = nt;
	send_ipi_mask(gc, ipi, ni, CALL_FUNCTION_VECTOR);
	if (g->feat->pv_sched_yield) {
		for (int i = 0; i < nt; i++) {
			struct guest_cpu *c = targets[i];

			if (c->curr && (c->vcpu->st_preempted & KVM_VCPU_PREEMPTED)) {
				guest_cpu_stall(gc, g->kp->hypercall_ns);
				kvm_sched_yield(gc->vcpu, (int)c->vcpu->apic.id);
				break;
			}
		}
	}
	if (nt)
		guest_spin_begin(gc, SPIN_CSD, NULL);
}

u64 guest_irq_begin(struct guest_cpu *gc, int vector)
{
	struct kvm_vcpu *vcpu = gc->vcpu;
	u64 *at = &gc->ipi_sent_at[vector_class(vector)];
	u64 len = gc->g->feat->ipi_handler_ns;

	gc->ple_ns = 0;
	if (vector == LOCAL_TIMER_VECTOR) {
		/* hrtimer_interrupt: the sleeper was queued at expiry, look at it now */
		gc->need_resched = true;
		return len;
	}
	vcpu->c.ipis_received++;
	kvm_trace(vcpu, vcpu->kvm->params, KVM_TRACE_IRQ_BEGIN, vector, (s64)*at, guest_now(gc->g));
	if (*at) {
		if (gc->g->measuring)
			hist_record(&vcpu->ipi_latency, guest_now(gc->g) - *at);
		*at = 0;
	}
	if (vector == RESCHEDULE_VECTOR)
		gc->need_resched = true;
	if (vector == CALL_FUNCTION_VECTOR) {
		gc->irq_csds = gc->nr_csd;
		for (int i = 0; i < gc->nr_csd; i++)
			len += gc->csd[i].handler_ns;
	}
	return len;
}

void guest_irq_end(struct guest_cpu *gc)
{
	bool exited;

	if (gc->irq_vector == CALL_FUNCTION_VECTOR) {
		for (int i = 0; i < gc->irq_csds; i++) {
			struct guest_cpu *s = gc->csd[i].sender->cpu;

			if (s->csd_wait_left && !--s->csd_wait_left)
				guest_cpu_poke(s);
		}
		memmove(gc->csd, gc->csd + gc->irq_csds,
			(size_t)(gc->nr_csd - gc->irq_csds) * sizeof(*gc->csd));
		gc->nr_csd -= gc->irq_csds;
		gc->irq_csds = 0;
	}
	gc->in_irq = false;
	kvm_apic_guest_eoi(&gc->vcpu->apic, &exited);
	if (exited)
		guest_cpu_stall(gc, gc->g->kp->vmexit_ns);
}
