// SPDX-License-Identifier: GPL-2.0
/*
 * Guest kernel spinlocks (kvm-directed-yield.md B.8):
 *
 *  - PV qspinlock (guest.pv_spinlock = 1; kernel/locking/qspinlock_paravirt.h): an MCS
 *    queue; the head spins on the lock with the pending bit set (no stealing) for
 *    SPIN_THRESHOLD loops, then hashes itself, sets _Q_SLOW_VAL and halts (pv_wait);
 *    the others spin on their node for SPIN_THRESHOLD loops (stopping early when the
 *    predecessor is halted: pv_wait_early) and halt. The new head is marked by
 *    pv_kick_node() when the old head takes the lock; unlock of a _Q_SLOW_VAL lock kicks
 *    the halted head (KVM_HC_KICK_CPU, which also directed-yields to it). A newcomer
 *    takes a free lock unless the head holds the pending bit (the hybrid unfair trylock).
 *  - the test-and-set lock of virt_spin_lock() (guest.pv_spinlock = 0): every waiter
 *    spins; on release one of the spinners whose vCPU is running wins the cache line;
 *    spinners whose vCPU is preempted find the lock taken when they run again.
 *
 * Simplifications (docs/model/guest.md): a lock's hand-over to a running spinner is
 * instantaneous; the MCS hand-off and the pending bit are modeled, the byte-level
 * encoding is not; there is no qspinlock fast path without contention cost.
 */
#include "guest/internal.h"

static void record_acquire(struct guest_cpu *gc, struct guest_spinlock *l, struct guest_thread *t)
{
	struct guest *g = gc->g;
	u64 now = guest_now(g);

	l->owner = t;
	l->acquired_at = now;
	t->nr_spinlocks++;
	if (g->measuring && t->wait_start)
		hist_record(&g->kvm->lock_wait, now - t->wait_start);
	t->wait_start = 0;
}

static bool is_pv(const struct guest_spinlock *l)
{
	return l->pv;
}

static bool spinning_on(const struct guest_thread *t, const struct guest_spinlock *l)
{
	const struct guest_cpu *c = t->cpu;

	return c->curr == t && c->spin_obj == l && (c->sub == SUB_SPIN || c->sub == SUB_PV_HALT);
}

/* The head's view after it took the lock: pv_kick_node() for the next waiter. */
static void pass_headship(struct guest_spinlock *l)
{
	struct guest_thread *next = l->wq.head;

	if (!next)
		return;
	if (next->cpu->sub == SUB_PV_HALT && next->cpu->curr == next)
		l->slow = true;	/* halted: hashed; the owner's unlock kicks it */
	else
		guest_cpu_poke(next->cpu); /* spinning on its node: it becomes head */
}

static void take_from_queue(struct guest_cpu *gc, struct guest_spinlock *l)
{
	struct guest_thread *t = gc->curr;

	waitq_remove(&l->wq, t);
	l->pending = false;
	guest_spin_end(gc);
	record_acquire(gc, l, t);
	guest_op_done(gc);
	if (is_pv(l))
		pass_headship(l);
}

void guest_spin_lock(struct guest_cpu *gc, struct guest_spinlock *l)
{
	struct guest_thread *t = gc->curr;

	t->wait_start = guest_now(gc->g);
	if (!l->owner && !l->pending) {
		/* free: the fast path, or (PV) a steal while the head does not hold pending */
		record_acquire(gc, l, t);
		guest_op_done(gc);
		return;
	}
	waitq_push(&l->wq, t);
	if (!is_pv(l)) {
		guest_spin_begin(gc, SPIN_TAS, l);
	} else if (l->wq.head == t) {
		l->pending = true;
		guest_spin_begin(gc, SPIN_QHEAD, l);
	} else {
		guest_spin_begin(gc, SPIN_QNODE, l);
	}
}

void guest_spin_unlock(struct guest_cpu *gc, struct guest_spinlock *l)
{
	struct guest *g = gc->g;
	struct guest_thread *t = gc->curr, *head = l->wq.head;

	if (g->measuring)
		hist_record(&g->kvm->lock_hold, guest_now(g) - l->acquired_at);
	l->owner = NULL;
	t->nr_spinlocks--;
	if (!head)
		return;
	if (!is_pv(l)) {
		/* the cache-line race among the spinners that are running */
		struct guest_thread *w, *cand[64];
		int n = 0;

		for (w = head; w && n < 64; w = w->next_wait)
			if (w->cpu->running && spinning_on(w, l))
				cand[n++] = w;
		if (n) {
			w = cand[rng_below(&g->rng, (u64)n)];
			waitq_remove(&l->wq, w);
			guest_spin_end(w->cpu);
			record_acquire(w->cpu, l, w);
			guest_op_done(w->cpu);
			guest_cpu_poke(w->cpu);
		}
		return;
	}
	if (l->slow) {
		/* __pv_queued_spin_unlock_slowpath(): unhash, store 0, pv_kick(node->cpu) */
		l->slow = false;
		guest_cpu_stall(gc, g->kp->hypercall_ns);
		kvm_hc_kick_cpu(gc->vcpu, (int)head->cpu->vcpu->apic.id);
		return;
	}
	guest_cpu_poke(head->cpu);
}

bool guest_spin_lock_recheck(struct guest_cpu *gc)
{
	struct guest_thread *t = gc->curr;
	struct guest_spinlock *l = gc->spin_obj;

	if (!is_pv(l)) {
		if (l->owner)
			return false;
		take_from_queue(gc, l);
		return true;
	}
	if (gc->spin_kind == SPIN_QNODE) {
		if (l->wq.head != t)
			return false;
		/* head-ship: pv_wait_head_or_lock() with the pending bit */
		gc->spin_kind = SPIN_QHEAD;
		gc->spin_ns = 0;
		l->pending = true;
	}
	if (l->owner)
		return false;
	take_from_queue(gc, l);
	return true;
}

u64 guest_spin_lock_threshold_ns(struct guest_cpu *gc)
{
	struct guest_thread *p = gc->curr->prev_wait;

	/* pv_wait_early(): a halted predecessor is checked every 256 loops */
	if (gc->spin_kind == SPIN_QNODE && p && p->cpu->curr == p && p->cpu->sub == SUB_PV_HALT)
		return gc->g->spin_early_ns;
	return gc->g->spin_threshold_ns;
}

void guest_spin_lock_threshold(struct guest_cpu *gc)
{
	struct guest_spinlock *l = gc->spin_obj;

	if (gc->spin_kind == SPIN_QHEAD) {
		/* clear pending, hash, locked = _Q_SLOW_VAL; a free lock is ours instead */
		l->pending = false;
		if (!l->owner) {
			take_from_queue(gc, l);
			return;
		}
		l->slow = true;
	}
	/* pv_wait(): HLT until kicked (or any interrupt) */
	kvm_trace(gc->vcpu, gc->g->kvm->params, KVM_TRACE_PV_HALT, (s64)gc->spin_ns, gc->spin_kind,
		  guest_now(gc->g));
	gc->sub = SUB_PV_HALT;
	/* a successor spinning on its node notices at its next pv_wait_early check */
	if (gc->curr->next_wait)
		guest_cpu_poke(gc->curr->next_wait->cpu);
}

void guest_pv_wait_return(struct guest_cpu *gc)
{
	struct guest_spinlock *l = gc->spin_obj;
	struct guest_thread *t = gc->curr;

	/* back from HLT: spin again (a spurious wakeup spins SPIN_THRESHOLD loops again) */
	gc->sub = SUB_SPIN;
	gc->spin_ns = 0;
	if (l->wq.head == t) {
		/* still hashed: the lock stays _Q_SLOW_VAL, the unlock will kick again */
		gc->spin_kind = SPIN_QHEAD;
		l->pending = true;
	} else {
		gc->spin_kind = SPIN_QNODE;
	}
}
