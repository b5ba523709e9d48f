// SPDX-License-Identifier: GPL-2.0
/*
 * The arch-independent KVM layer of virt/kvm/kvm_main.c (Linux v6.18) that decides which
 * vCPU runs: the preempt notifiers, directed yield (kvm_vcpu_on_spin and its helpers),
 * kick and wake-up, and kvm_vcpu_halt with halt polling. kvm-directed-yield.md B.1-B.6;
 * docs/model/kvm.md lists the simplifications.
 */
#include <errno.h>

#include "guest/internal.h"
#include "kvmsim/kvm_host.h"

static u64 now_of(const struct kvm_vcpu *vcpu)
{
	return vcpu->kvm->host->sim->now;
}

/* task_is_runnable(): on_rq && !sched_delayed */
static bool task_is_runnable(const struct task_struct *p)
{
	return p->se.on_rq && !p->se.sched_delayed;
}

/* single_task_running() on the vCPU thread's CPU */
static bool single_task_running(const struct kvm_vcpu *vcpu)
{
	return task_rq(vcpu->task)->nr_running == 1;
}

/*
 * kvm_sched_out() (B.4): the vCPU thread leaves its CPU. Preempted while runnable inside
 * KVM_RUN sets preempted and ready; kvm_arch_vcpu_put() then caches CPL == 0 and marks
 * the steal-time page.
 */
void kvm_sched_out(struct kvm_vcpu *vcpu)
{
	struct guest_cpu *gc = vcpu->gcpu;

	vcpu->scheduled_out = true;
	if (task_is_runnable(vcpu->task) && vcpu->wants_to_run) {
		vcpu->preempted = true;
		vcpu->ready = true;
	}
	kvm_trace(vcpu, vcpu->kvm->params, KVM_TRACE_SCHED_OUT, vcpu->preempted, 0, now_of(vcpu));
	if (vcpu->preempted) {
		vcpu->preempted_in_kernel = guest_cpu_in_kernel(gc);
		kvm_steal_time_set_preempted(vcpu);
		if (gc->curr && gc->curr->nr_spinlocks)
			vcpu->c.lhp_events++;
		if (gc->curr)
			guest_mutex_owner_preempted(gc->g, gc->curr);
	}
}

/* kvm_sched_in() (B.4): flags cleared; kvm_arch_vcpu_load → vmx sched_in shrinks PLE. */
void kvm_sched_in(struct kvm_vcpu *vcpu, int cpu)
{
	kvm_trace(vcpu, vcpu->kvm->params, KVM_TRACE_SCHED_IN, cpu, 0, now_of(vcpu));
	if (vcpu->in_spin_loop) {
		/* back from the directed yield: the end of kvm_vcpu_on_spin() */
		vcpu->in_spin_loop = false;
		vcpu->dy_eligible = false;
	}
	vcpu->preempted = false;
	vcpu->ready = false;
	if (vcpu->scheduled_out && !kvm_pause_in_guest(vcpu->kvm))
		shrink_ple_window(vcpu);
	vcpu->scheduled_out = false;
}

/*
 * kvm_vcpu_eligible_for_directed_yield() (B.2): a candidate in its own spin loop is
 * eligible every other time it is looked at; the call toggles dy_eligible.
 */
bool kvm_vcpu_eligible_for_directed_yield(struct kvm_vcpu *vcpu)
{
	bool eligible = !vcpu->in_spin_loop || vcpu->dy_eligible;

	if (vcpu->in_spin_loop)
		vcpu->dy_eligible = !vcpu->dy_eligible;
	return eligible;
}

/* vcpu_dy_runnable(): kvm_arch_dy_runnable() (async page faults are not modeled) */
bool vcpu_dy_runnable(struct kvm_vcpu *vcpu)
{
	return kvm_arch_dy_runnable(vcpu);
}

/*
 * kvm_vcpu_yield_to() (B.3): yield_to(target's task, preempt = true). The pid_lock
 * read_trylock never fails here (nothing else takes it for write).
 */
int kvm_vcpu_yield_to(struct kvm_vcpu *me, struct kvm_vcpu *target)
{
	const struct kvm_params *p = me->kvm->params;
	int r = p->yield_to_hook ? p->yield_to_hook(p->opaque, me, target)
				 : yield_to(me->task, target->task, true);

	kvm_trace(me, p, KVM_TRACE_YIELD, target->vcpu_idx, r, now_of(me));
	return r;
}

/* The seed series' IPI context (vcpu-scheduling-series.md 1.2, v2 patch 6). */
static bool ipi_tracking(const struct kvm *kvm)
{
	return kvm->params->s.ipi_tracking_enabled;
}

static void clear_ipi_context(struct ipi_context *c)
{
	c->pending_ipi = false;
	c->last_ipi_sender = -1;
	c->last_ipi_receiver = -1;
	c->ipi_time_ns = 0;
}

void kvm_track_ipi_communication(struct kvm_vcpu *sender, struct kvm_vcpu *receiver)
{
	if (!sender || !receiver || sender == receiver)
		return;
	sender->ipi_context.last_ipi_receiver = receiver->vcpu_idx;
	sender->ipi_context.pending_ipi = true;
	sender->ipi_context.ipi_time_ns = now_of(sender);
	receiver->ipi_context.last_ipi_sender = sender->vcpu_idx;
}

/* kvm_vcpu_is_ipi_receiver() */
bool kvm_vcpu_is_ipi_receiver(struct kvm_vcpu *sender, struct kvm_vcpu *receiver)
{
	const struct ipi_context *c = &sender->ipi_context;

	return ipi_tracking(sender->kvm) && c->pending_ipi &&
	       c->last_ipi_receiver == receiver->vcpu_idx &&
	       now_of(sender) - c->ipi_time_ns <= sender->kvm->params->s.ipi_window_ns;
}

/*
 * kvm_clear_ipi_on_eoi() (v1/v2): the receiver's whole context is cleared (its own
 * outgoing pending IPI too), then its last sender's pending flag if it still points at
 * this receiver within the window. No vector check (v3 adds one).
 */
void kvm_clear_ipi_on_eoi(struct kvm_vcpu *receiver)
{
	struct kvm *kvm = receiver->kvm;
	int s = receiver->ipi_context.last_ipi_sender;

	if (!ipi_tracking(kvm))
		return;
	clear_ipi_context(&receiver->ipi_context);
	if (s >= 0 && s < kvm->online_vcpus) {
		struct ipi_context *sc = &kvm->vcpus[s]->ipi_context;

		if (sc->last_ipi_receiver == receiver->vcpu_idx &&
		    now_of(receiver) - sc->ipi_time_ns <= kvm->params->s.ipi_window_ns)
			sc->pending_ipi = false;
	}
}

/*
 * kvm_vcpu_is_good_yield_candidate() (v1 patch 9): a confirmed IPI receiver, then a
 * pending interrupt, then a preempted vCPU — preempted in kernel if the spinner is.
 */
static bool kvm_vcpu_is_good_yield_candidate(struct kvm_vcpu *me, struct kvm_vcpu *vcpu,
					     bool yield_to_kernel_mode)
{
	if (kvm_vcpu_is_ipi_receiver(me, vcpu))
		return true;
	if (kvm_arch_dy_has_pending_interrupt_vcpu(vcpu))
		return true;
	if (!vcpu->preempted)
		return false;
	return !yield_to_kernel_mode || kvm_arch_vcpu_preempted_in_kernel(vcpu);
}

/* v6.18's filter d: skip preempted user-mode candidates of a kernel-mode spinner. */
static bool baseline_skip(struct kvm_vcpu *me, struct kvm_vcpu *vcpu, bool yield_to_kernel_mode)
{
	/* Ishiguro et al. VEE'21 patch 2: an IPI receiver of the spinner is always a candidate */
	if (me->kvm->params->ishiguro_ipi_boost && kvm_vcpu_is_ipi_receiver(me, vcpu))
		return false;
	return vcpu->preempted && yield_to_kernel_mode &&
	       !kvm_arch_dy_has_pending_interrupt_vcpu(vcpu) &&
	       !kvm_arch_vcpu_preempted_in_kernel(vcpu);
}

/*
 * kvm_vcpu_on_spin() (B.1, the v6.13+ single loop; with the seed's candidate filter and
 * relaxed boost when the policy has them, v1 patches 9-10). A successful yield has
 * already scheduled @me out when yield_to() returns.
 */
void kvm_vcpu_on_spin(struct kvm_vcpu *me, bool yield_to_kernel_mode)
{
	struct kvm *kvm = me->kvm;
	const struct kvm_params *p = kvm->params;
	int nr_vcpus = kvm->online_vcpus, start, try = 3, yielded = 0;
	bool relaxed = false;

	if (nr_vcpus < 2)
		return;
	me->c.on_spin++;
	me->in_spin_loop = true;	/* kvm_vcpu_set_in_spin_loop(me, true) */
	start = kvm->last_boosted_vcpu + 1;
retry:
	for (int i = 0; i < nr_vcpus; i++) {
		int idx = (start + i) % nr_vcpus;
		struct kvm_vcpu *vcpu = kvm->vcpus[idx];

		if (idx == me->vcpu_idx)
			continue;			/* a */
		if (!vcpu->ready)
			continue;			/* b */
		if (vcpu->blocking && !vcpu_dy_runnable(vcpu))
			continue;			/* c */
		if (relaxed) {
			if (!vcpu->preempted)
				continue;		/* round 2: preempted is enough */
		} else if (p->seed_candidates) {
			if (!kvm_vcpu_is_good_yield_candidate(me, vcpu, yield_to_kernel_mode))
				continue;
		} else if (baseline_skip(me, vcpu, yield_to_kernel_mode)) {
			continue;			/* d */
		}
		if (!kvm_vcpu_eligible_for_directed_yield(vcpu))
			continue;			/* e */
		yielded = kvm_vcpu_yield_to(me, vcpu);
		me->c.yield[yielded < 0 ? YIELD_ESRCH : yielded ? YIELD_OK : YIELD_FAIL]++;
		if (yielded > 0) {
			/* v6.18.0 stores the loop counter; 32bd348be3fa stores the index */
			kvm->last_boosted_vcpu = p->s.last_boosted_vcpu_fix ? idx : i;
			break;
		} else if (yielded < 0 && !--try) {
			break;
		}
	}
	/* enable_relaxed_boost: a second round when the first boosted nobody; try carries on */
	if (p->s.enable_relaxed_boost && !relaxed && yielded <= 0) {
		relaxed = true;
		goto retry;
	}
	/*
	 * kvm_vcpu_set_in_spin_loop(me, false); dy_eligible = false. A vCPU that yielded is
	 * still inside yield_to()'s schedule(): it leaves the loop when it runs again
	 * (kvm_sched_in), and until then other spinners see it in_spin_loop.
	 */
	if (yielded <= 0 || task_rq(me->task)->curr == me->task) {
		me->in_spin_loop = false;
		me->dy_eligible = false;
	}
}

/* kvm_vcpu_wake_up(): wake a vCPU blocked in kvm_vcpu_block; ready = true. */
bool kvm_vcpu_wake_up(struct kvm_vcpu *vcpu)
{
	struct sim *sim = vcpu->kvm->host->sim;

	if (vcpu->run_state == VCPU_RUN_POLL) {
		/* the poll loop sees the event at its next kvm_vcpu_check_block() */
		sim_schedule(sim, &vcpu->poll_ev, sim->now);
		return false;
	}
	if (vcpu->run_state != VCPU_RUN_BLOCKED || !vcpu->blocking)
		return false;
	vcpu->blocking = false;
	vcpu->ready = true;
	vcpu->c.wakeups++;
	kvm_trace(vcpu, vcpu->kvm->params, KVM_TRACE_WAKE, 0, 0, now_of(vcpu));
	try_to_wake_up(vcpu->task, 0);
	return true;
}

/*
 * kvm_vcpu_kick(): wake a halted vCPU; a vCPU in guest mode is sent an IPI that makes it
 * exit (and so process KVM_REQ_EVENT); one that is not running sees it at its next entry.
 */
void kvm_vcpu_kick(struct kvm_vcpu *vcpu)
{
	if (kvm_vcpu_wake_up(vcpu))
		return;
	if (vcpu->mode == IN_GUEST_MODE) {
		vcpu->gcpu->exit_requested = true;
		guest_cpu_poke(vcpu->gcpu);
	}
}

/* kvm_vcpu_has_events() for the halt loop: an injectable interrupt or a PV kick */
static bool kvm_vcpu_check_block(struct kvm_vcpu *vcpu)
{
	struct kvm_lapic *apic = &vcpu->apic;

	if (apic->pv_unhalted)
		return true;
	if (apic->apicv_active && vmx_dy_apicv_has_pending_interrupt(apic))
		return true;
	return kvm_apic_has_interrupt(apic) != -1;
}

/* grow_halt_poll_ns() / shrink_halt_poll_ns() (B.6) */
u64 kvm_grow_halt_poll_ns(const struct scn_kvm *k, u64 val)
{
	if (!k->halt_poll_ns_grow)
		return val;
	val = max(val * k->halt_poll_ns_grow, k->halt_poll_ns_grow_start);
	return min(val, k->halt_poll_ns);
}

u64 kvm_shrink_halt_poll_ns(const struct scn_kvm *k, u64 val)
{
	if (!k->halt_poll_ns_shrink)
		return 0;
	val /= k->halt_poll_ns_shrink;
	return val < k->halt_poll_ns_grow_start ? 0 : val;
}

/* The end of kvm_vcpu_halt(): the adaptation of vcpu->halt_poll_ns, then re-entry. */
void kvm_vcpu_halt_done(struct kvm_vcpu *vcpu)
{
	const struct scn_kvm *k = &vcpu->kvm->params->s;
	u64 halt_ns = now_of(vcpu) - vcpu->halt_start;

	vcpu->run_state = VCPU_RUN_GUEST;
	vcpu->c.halt_ns += halt_ns;
	vcpu->apic.pv_unhalted = false;
	if (k->halt_poll_ns && !vcpu->gcpu->g->feat->haltpoll) {
		if (halt_ns <= vcpu->halt_poll_ns)
			;	/* polling worked: keep */
		else if (vcpu->halt_poll_ns && halt_ns > k->halt_poll_ns)
			vcpu->halt_poll_ns = kvm_shrink_halt_poll_ns(k, vcpu->halt_poll_ns);
		else if (vcpu->halt_poll_ns < k->halt_poll_ns && halt_ns < k->halt_poll_ns)
			vcpu->halt_poll_ns = kvm_grow_halt_poll_ns(k, vcpu->halt_poll_ns);
	}
	guest_cpu_unhalt(vcpu->gcpu);
}

static void block(struct kvm_vcpu *vcpu)
{
	vcpu->run_state = VCPU_RUN_BLOCKED;
	vcpu->blocking = true;
	sched_block_current(vcpu->task);
}

/* kvm_vcpu_can_poll(): single_task_running() && !need_resched() */
static bool can_poll(struct kvm_vcpu *vcpu)
{
	return single_task_running(vcpu) && !task_rq(vcpu->task)->need_resched;
}

static void poll_fn(struct sim *sim, struct sim_event *ev)
{
	struct kvm_vcpu *vcpu = ev->obj;

	if (vcpu->run_state != VCPU_RUN_POLL || task_rq(vcpu->task)->curr != vcpu->task)
		return;	/* not polling, or preempted while polling: resumed at sched-in */
	vcpu->kvm->host->this_cpu = vcpu->task->cpu;
	if (kvm_vcpu_check_block(vcpu)) {
		vcpu->c.halt_poll_success++;
		kvm_vcpu_halt_done(vcpu);
	} else if (sim->now >= vcpu->poll_end || !can_poll(vcpu)) {
		block(vcpu);
	}
}

/*
 * kvm_vcpu_halt() (B.6): poll for vcpu->halt_poll_ns while nothing else wants the CPU,
 * then block. The guest has executed HLT (idle, or pv_wait).
 */
void kvm_vcpu_halt(struct kvm_vcpu *vcpu)
{
	struct sim *sim = vcpu->kvm->host->sim;

	guest_cpu_leave(vcpu->gcpu);
	vcpu->c.halts++;
	vcpu->halt_start = sim->now;
	if (kvm_vcpu_check_block(vcpu)) {
		kvm_trace(vcpu, vcpu->kvm->params, KVM_TRACE_HALT, 2, 0, sim->now);
		kvm_vcpu_halt_done(vcpu);
		return;
	}
	if (vcpu->halt_poll_ns && !vcpu->gcpu->g->feat->haltpoll && can_poll(vcpu)) {
		kvm_trace(vcpu, vcpu->kvm->params, KVM_TRACE_HALT, 1, 0, sim->now);
		vcpu->run_state = VCPU_RUN_POLL;
		vcpu->poll_end = sim->now + vcpu->halt_poll_ns;
		sim_schedule(sim, &vcpu->poll_ev, vcpu->poll_end);
		return;
	}
	kvm_trace(vcpu, vcpu->kvm->params, KVM_TRACE_HALT, 0, 0, sim->now);
	block(vcpu);
}

void kvm_vcpu_poll_init(struct kvm_vcpu *vcpu)
{
	sim_event_init(&vcpu->poll_ev, poll_fn, vcpu);
}

/* Back on a CPU in the middle of a poll: the loop re-checks at once. */
void kvm_vcpu_poll_resume(struct kvm_vcpu *vcpu)
{
	struct sim *sim = vcpu->kvm->host->sim;

	sim_schedule(sim, &vcpu->poll_ev, sim->now);
}
