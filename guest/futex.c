// SPDX-License-Identifier: GPL-2.0
/*
 * Sleeping locks of the guest (kvm-directed-yield.md B.8 "Sleeping locks"): a mutex
 * whose waiters first spin while the owner is on a CPU — owner_on_cpu() =
 * owner->on_cpu && !vcpu_is_preempted(task_cpu(owner)), as mutex_optimistic_spin() —
 * and then sleep; a condition variable and a counting semaphore on futex wait queues.
 * A wakeup goes through the guest's try_to_wake_up (guest_wake_thread), which sends a
 * reschedule IPI to an idle (halted) vCPU.
 *
 * Simplifications (docs/model/guest.md): unlock wakes one sleeper, which retries (it can
 * lose to a spinner or a newcomer, as with futexes); no hand-off bit; optimistic
 * spinning has no bound besides the owner running; spinning is kernel mode.
 */
#include "guest/internal.h"

static bool owner_on_cpu(const struct guest_thread *o)
{
	const struct guest_cpu *c = o->cpu;

	return c->curr == o && o->state == GT_RUNNING &&
	       !(c->vcpu->st_preempted & KVM_VCPU_PREEMPTED) && c->running;
}

static void sleep_on(struct guest_cpu *gc, struct guest_waitq *q)
{
	waitq_push(q, gc->curr);
	guest_block_curr(gc);
}

void guest_mutex_lock(struct guest_cpu *gc, struct guest_mutex *m)
{
	struct guest_thread *t = gc->curr;

	if (!m->owner) {
		m->owner = t;
		guest_op_done(gc);
		return;
	}
	if (owner_on_cpu(m->owner)) {
		waitq_push(&m->spinners, t);
		guest_spin_begin(gc, SPIN_MUTEX, m);
		return;
	}
	sleep_on(gc, &m->sleepers);
}

/* curr spins on a mutex: true when it took the mutex or went to sleep */
bool guest_mutex_spin_recheck(struct guest_cpu *gc)
{
	struct guest_mutex *m = gc->spin_obj;
	struct guest_thread *t = gc->curr;

	if (m->owner && owner_on_cpu(m->owner))
		return false;
	waitq_remove(&m->spinners, t);
	guest_spin_end(gc);
	if (!m->owner) {
		m->owner = t;
		guest_op_done(gc);
	} else {
		sleep_on(gc, &m->sleepers);
	}
	return true;
}

static void poke_spinners(struct guest_mutex *m)
{
	for (struct guest_thread *w = m->spinners.head; w; w = w->next_wait)
		guest_cpu_poke(w->cpu);
}

void guest_mutex_unlock(struct guest_cpu *gc, struct guest_mutex *m)
{
	struct guest_thread *w;

	m->owner = NULL;
	if (m->spinners.head) {
		poke_spinners(m);
		return;
	}
	w = waitq_pop(&m->sleepers);
	if (w)
		guest_wake_thread(gc, w);
}

/* The vCPU running @owner was preempted: its mutexes' spinners stop spinning. */
void guest_mutex_owner_preempted(struct guest *g, struct guest_thread *owner)
{
	for (int i = 0; i < g->nr_mutexes; i++)
		if (g->mutexes[i].owner == owner)
			poke_spinners(&g->mutexes[i]);
}

void guest_cond_wait(struct guest_cpu *gc, struct guest_cond *c, struct guest_mutex *m)
{
	struct guest_thread *t = gc->curr;

	if (t->gstage == 1) {
		t->gstage = 2;
		guest_mutex_unlock(gc, m);
		sleep_on(gc, &c->waiters);
		return;
	}
	/* woken (gstage 2) or retrying the mutex (3): re-acquire it */
	t->gstage = 3;
	guest_mutex_lock(gc, m);
}

void guest_cond_signal(struct guest_cpu *gc, struct guest_cond *c, bool all)
{
	struct guest_thread *w;

	while ((w = waitq_pop(&c->waiters))) {
		guest_wake_thread(gc, w);
		if (!all)
			break;
	}
}

void guest_sem_wait(struct guest_cpu *gc, struct guest_sem *s)
{
	struct guest_thread *t = gc->curr;

	if (t->gstage == 2 || s->count > 0) {
		/* woken by a post (which handed its count over), or a count is free */
		if (t->gstage != 2)
			s->count--;
		guest_op_done(gc);
		return;
	}
	t->gstage = 2;
	sleep_on(gc, &s->waiters);
}

void guest_sem_post(struct guest_cpu *gc, struct guest_sem *s)
{
	struct guest_thread *w = waitq_pop(&s->waiters);

	if (w)
		guest_wake_thread(gc, w);
	else
		s->count++;
}
