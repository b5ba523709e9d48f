// SPDX-License-Identifier: GPL-2.0
/*
 * The guest kernel's execution engine: each vCPU runs its current guest thread's
 * operation while (and only while) the vCPU is in guest mode on a host CPU.
 *
 * Every guest CPU has one event. It fires at the next boundary of what the CPU is doing
 * (the end of a compute, an exit's host work, an interrupt handler, a PLE window, the
 * PV spin threshold, the timeslice) or at once when something outside changed its state
 * (a "poke": a lock released, an interrupt posted, the vCPU entering guest mode). The
 * handler brings the CPU's progress up to now (advance) and then works through what is
 * due (step). Work that crosses vCPUs (wakeups, IPIs, lock hand-off) only pokes the other
 * CPU, so no CPU's step runs inside another's and no guest code runs inside the host
 * scheduler. docs/model/guest.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "guest/internal.h"

u64 guest_now(const struct guest *g)
{
	return g->kvm->host->sim->now;
}

void waitq_push(struct guest_waitq *q, struct guest_thread *t)
{
	t->next_wait = NULL;
	t->prev_wait = q->tail;
	if (q->tail)
		q->tail->next_wait = t;
	else
		q->head = t;
	q->tail = t;
}

struct guest_thread *waitq_pop(struct guest_waitq *q)
{
	struct guest_thread *t = q->head;

	if (t)
		waitq_remove(q, t);
	return t;
}

/* @t must be on @q or on no queue (then: false). O(1). */
bool waitq_remove(struct guest_waitq *q, struct guest_thread *t)
{
	if (t->prev_wait)
		t->prev_wait->next_wait = t->next_wait;
	else if (q->head == t)
		q->head = t->next_wait;
	else
		return false;
	if (t->next_wait)
		t->next_wait->prev_wait = t->prev_wait;
	else
		q->tail = t->prev_wait;
	t->next_wait = t->prev_wait = NULL;
	return true;
}

/* One PAUSE-loop iteration is pause_cycles at tsc_khz: loops -> ns. */
u64 guest_pause_loops_ns(const struct guest *g, u64 loops)
{
	return loops * g->kp->pause_cycles * 1000000ull / g->kp->tsc_khz;
}

static void cache_spin_times(struct guest *g)
{
	g->spin_threshold_ns = guest_pause_loops_ns(g, SPIN_THRESHOLD);
	g->spin_early_ns = guest_pause_loops_ns(g, PV_PREV_CHECK_MASK + 1);
}

static u64 timeslice_ns(const struct guest *g)
{
	return NSEC_PER_SEC / (u64)g->feat->hz;
}

bool guest_cpu_in_kernel(const struct guest_cpu *gc)
{
	if (!gc->curr || gc->in_irq || gc->halted)
		return true;
	if (gc->sub == SUB_COMPUTE)
		return gc->curr->op.kernel;
	return gc->sub != SUB_NONE || gc->curr->gstage;
}

void guest_cpu_poke(struct guest_cpu *gc)
{
	if (gc->running)
		sim_schedule(gc->g->kvm->host->sim, &gc->ev, guest_now(gc->g));
}

/* Bring the CPU's progress up to now. Never crosses a boundary: arm() put one there. */
static void advance(struct guest_cpu *gc)
{
	u64 now = guest_now(gc->g), d, s;
	struct guest_thread *t = gc->curr;

	d = now - gc->seg_start;
	gc->seg_start = now;
	if (!gc->running || !d)
		return;
	s = min(d, gc->stall_left);
	gc->stall_left -= s;
	d -= s;
	if (!d || gc->halted)
		return;
	if (gc->in_irq) {
		gc->irq_left -= min(d, gc->irq_left);
		return;
	}
	if (gc->ovh_left) {
		gc->ovh_left -= min(d, gc->ovh_left);
		return;
	}
	if (!t)
		return;
	gc->slice_left -= min(d, gc->slice_left);
	if (gc->sub == SUB_COMPUTE) {
		t->left -= min(d, t->left);
	} else if (gc->sub == SUB_SPIN) {
		gc->spin_ns += d;
		gc->ple_ns += d;
		gc->vcpu->c.spin_ns += d;
	}
}

static bool preemptible(const struct guest_cpu *gc)
{
	const struct guest_thread *t = gc->curr;

	return t && !t->nr_spinlocks && (gc->sub == SUB_COMPUTE || gc->sub == SUB_NONE) &&
	       !gc->in_irq;
}

/* ns until the spin's next internal boundary (PLE exit or PV threshold), or U64_MAX. */
static u64 spin_boundary(struct guest_cpu *gc)
{
	u64 next = UINT64_MAX;

	if (!kvm_pause_in_guest(gc->g->kvm)) {
		u64 w = kvm_ple_window_ns(gc->vcpu);

		next = w > gc->ple_ns ? w - gc->ple_ns : 0;
	}
	if (gc->spin_kind == SPIN_QNODE || gc->spin_kind == SPIN_QHEAD) {
		u64 thr = guest_spin_lock_threshold_ns(gc);

		next = min(next, thr > gc->spin_ns ? thr - gc->spin_ns : 0);
	}
	return next;
}

static void arm(struct guest_cpu *gc)
{
	struct sim *sim = gc->g->kvm->host->sim;
	u64 now = sim->now, left = UINT64_MAX;

	if (!gc->running) {
		sim_cancel(sim, &gc->ev);
		return;
	}
	if (gc->stall_left)
		left = gc->stall_left;
	else if (gc->in_irq)
		left = gc->irq_left;
	else if (gc->ovh_left)
		left = gc->ovh_left;
	else if (gc->curr) {
		if (gc->sub == SUB_COMPUTE)
			left = gc->curr->left;
		else if (gc->sub == SUB_SPIN)
			left = spin_boundary(gc);
		if (gc->nr_rq && preemptible(gc))
			left = min(left, gc->slice_left);
	}
	if (left == UINT64_MAX)
		sim_cancel(sim, &gc->ev);
	else
		sim_schedule(sim, &gc->ev, now + left);
}

/* The guest scheduler's __schedule(): curr (if still runnable) to the tail, FIFO pick. */
static void guest_schedule(struct guest_cpu *gc)
{
	struct guest_thread *prev = gc->curr, *next;

	if (prev && prev->state == GT_RUNNING) {
		prev->state = GT_RUNNABLE;
		waitq_push(&gc->rq, prev);
		gc->nr_rq++;
	}
	next = waitq_pop(&gc->rq);
	if (next)
		gc->nr_rq--;
	gc->curr = next;
	gc->need_resched = false;
	gc->sub = SUB_NONE;
	if (!next)
		return;
	next->state = GT_RUNNING;
	next->cpu = gc;
	gc->slice_left = timeslice_ns(gc->g);
	if (next->left)
		gc->sub = SUB_COMPUTE;
	if (next != prev)
		gc->ovh_left += gc->g->feat->ctxsw_ns; /* the switch's own cost, kernel time */
}

void guest_block_curr(struct guest_cpu *gc)
{
	struct guest_thread *t = gc->curr;

	t->state = GT_BLOCKED;
	t->wait_start = guest_now(gc->g);
	gc->sub = SUB_NONE;
}

/* select_task_rq_fair() in the guest, simplified: prev if idle, else an idle vCPU that is
 * not preempted (available_idle_cpu), else prev. */
static struct guest_cpu *select_cpu(struct guest *g, struct guest_thread *t)
{
	struct guest_cpu *prev = t->cpu;

	if (!prev->curr && !prev->nr_rq)
		return prev;
	for (int i = 1; i < g->nr_cpus; i++) {
		struct guest_cpu *c = &g->cpus[(prev->idx + i) % g->nr_cpus];

		if (!c->curr && !c->nr_rq && !(c->vcpu->st_preempted & KVM_VCPU_PREEMPTED))
			return c;
	}
	return prev;
}

/* try_to_wake_up() of guest thread @t by the thread running on @waker (NULL: a timer). */
void guest_wake_thread(struct guest_cpu *waker, struct guest_thread *t)
{
	struct guest *g = t->cpu->g;
	struct guest_cpu *target;

	if (t->state != GT_BLOCKED)
		return;
	target = select_cpu(g, t);
	t->state = GT_RUNNABLE;
	t->cpu = target;
	waitq_push(&target->rq, t);
	target->nr_rq++;
	if (waker)
		waker->ovh_left += g->feat->wakeup_ns;
	if (target == waker)
		return;
	if (!waker) {
		/* a timer: its interrupt on the target wakes a halted vCPU */
		guest_timer_irq(target);
		return;
	}
	if (!target->curr) {
		/* an idle target: resched_curr() → smp_send_reschedule() */
		target->need_resched = true;
		guest_send_ipi(waker, target, RESCHEDULE_VECTOR);
	}
}

/* The end of a GOP_SLEEP: the hrtimer fires (simplified: on the CPU the wakee goes to). */
static void sleep_done(struct sim *sim, struct sim_event *ev)
{
	struct guest_thread *t = ev->obj;

	(void)sim;
	t->cpu->vcpu->kvm->host->this_cpu = t->cpu->vcpu->task->cpu;
	guest_wake_thread(NULL, t);
}

void guest_op_done(struct guest_cpu *gc)
{
	gc->curr->gstage = 0;
	gc->sub = SUB_NONE;
}

void guest_spin_begin(struct guest_cpu *gc, int kind, void *obj)
{
	gc->sub = SUB_SPIN;
	gc->spin_kind = kind;
	gc->spin_obj = obj;
	gc->spin_ns = 0;
}

void guest_spin_end(struct guest_cpu *gc)
{
	gc->sub = SUB_NONE;
	gc->spin_obj = NULL;
}

/*
 * Start (gstage 0: fetch the next operation) or continue (after a compute, a wakeup or a
 * spin) curr's operation. An operation that completes calls guest_op_done().
 */
static void exec_op(struct guest_cpu *gc)
{
	struct guest *g = gc->g;
	struct guest_thread *t = gc->curr;
	struct guest_op *op = &t->op;

	if (!t->gstage) {
		memset(op, 0, sizeof(*op));
		g->wl->next_op(g, t, op);
		t->gstage = 1;
	}
	switch (op->kind) {
	case GOP_COMPUTE:
		if (t->gstage == 1 && op->ns) {
			t->gstage = 2;
			t->left = op->ns;
			gc->sub = SUB_COMPUTE;
			return;
		}
		break;
	case GOP_SPIN_LOCK:
		guest_spin_lock(gc, &g->spinlocks[op->obj]);
		return;
	case GOP_SPIN_UNLOCK:
		guest_spin_unlock(gc, &g->spinlocks[op->obj]);
		break;
	case GOP_MUTEX_LOCK:
		guest_mutex_lock(gc, &g->mutexes[op->obj]);
		return;
	case GOP_MUTEX_UNLOCK:
		guest_mutex_unlock(gc, &g->mutexes[op->obj]);
		break;
	case GOP_COND_WAIT:
		guest_cond_wait(gc, &g->conds[op->obj], &g->mutexes[op->obj2]);
		return;
	case GOP_COND_SIGNAL:
	case GOP_COND_BROADCAST:
		guest_cond_signal(gc, &g->conds[op->obj], op->kind == GOP_COND_BROADCAST);
		break;
	case GOP_SEM_WAIT:
		guest_sem_wait(gc, &g->sems[op->obj]);
		return;
	case GOP_SEM_POST:
		guest_sem_post(gc, &g->sems[op->obj]);
		break;
	case GOP_SMP_CALL:
	case GOP_TLB_SHOOTDOWN:
		if (t->gstage == 1) {
			t->gstage = 2;
			guest_smp_call(gc, op->n, op->ns, op->kind == GOP_TLB_SHOOTDOWN);
			return;
		}
		break;
	case GOP_SLEEP:
		if (t->gstage == 1) {
			struct sim *sim = g->kvm->host->sim;

			t->gstage = 2;
			guest_block_curr(gc);
			sim_schedule(sim, sim_event_alloc(sim, sleep_done, t, 0), guest_now(g) + op->ns);
			return;
		}
		break;
	case GOP_WORK:
		if (g->measuring) {
			g->work += (u64)op->n;
			gc->vcpu->c.work += (u64)op->n;
		}
		break;
	case GOP_EXIT:
		t->state = GT_EXITED;
		t->exited = true;
		gc->sub = SUB_NONE;
		return;
	}
	guest_op_done(gc);
}

/* vcpu_enter_guest()'s injection: the highest pending interrupt, if the guest takes it. */
static void entry_inject(struct guest_cpu *gc)
{
	int v = kvm_apic_vcpu_entry(&gc->vcpu->apic, !gc->in_irq);

	if (v >= 0) {
		gc->in_irq = true;
		gc->irq_vector = v;
		gc->irq_left = guest_irq_begin(gc, v);
	}
}

static void irq_poll(struct guest_cpu *gc)
{
	int v = kvm_apic_guest_poll(&gc->vcpu->apic, true);

	if (v >= 0) {
		gc->in_irq = true;
		gc->irq_vector = v;
		gc->irq_left = guest_irq_begin(gc, v);
	}
}

/* The PLE window is full: the pause-loop exit and kvm_vcpu_on_spin. */
static void ple_exit(struct guest_cpu *gc)
{
	struct kvm_vcpu *vcpu = gc->vcpu;

	gc->ple_ns = 0;
	gc->stall_left += gc->g->kp->vmexit_ns;
	kvm_handle_pause(vcpu, true);
}

static void step(struct guest_cpu *gc)
{
	struct kvm_vcpu *vcpu = gc->vcpu;

	vcpu->kvm->host->this_cpu = vcpu->task->cpu;
	for (int guard = 0; guard < 100000; guard++) {
		struct guest_thread *t;

		advance(gc);
		if (!gc->running)
			return;
		if (gc->stall_left)
			break;
		if (gc->exit_requested) {
			/* kvm_vcpu_kick() of a vCPU in guest mode: exit, KVM_REQ_EVENT, re-entry */
			gc->exit_requested = false;
			gc->stall_left += gc->g->kp->vmexit_ns;
			gc->entry_pending = true;
			continue;
		}
		if (gc->entry_pending) {
			gc->entry_pending = false;
			entry_inject(gc);
			continue;
		}
		if (gc->in_irq) {
			if (gc->irq_left)
				break;
			guest_irq_end(gc);
			continue;
		}
		irq_poll(gc);
		if (gc->in_irq)
			continue;
		if (vcpu->apic.req_event && !vcpu->apic.apicv_active &&
		    kvm_cpu_has_injectable_intr(&vcpu->apic)) {
			/* an interrupt window exit */
			gc->exit_requested = true;
			continue;
		}
		t = gc->curr;
		if (t && t->state != GT_RUNNING) {
			guest_schedule(gc);
			continue;
		}
		if (!t || (gc->need_resched && preemptible(gc)) ||
		    (gc->nr_rq && !gc->slice_left && preemptible(gc))) {
			if (t || gc->nr_rq) {
				guest_schedule(gc);
				continue;
			}
			/* idle: default_idle() → HLT, a halt exit */
			gc->halted = true;
			kvm_vcpu_halt(vcpu);
			return;
		}
		if (gc->ovh_left)
			break;
		if (gc->sub == SUB_COMPUTE) {
			if (t->left)
				break;
			gc->sub = SUB_NONE;
		}
		if (gc->sub == SUB_NONE) {
			exec_op(gc);
			continue;
		}
		if (gc->sub == SUB_SPIN) {
			bool done = gc->spin_kind == SPIN_CSD ? gc->csd_wait_left == 0
				  : gc->spin_kind == SPIN_MUTEX ? guest_mutex_spin_recheck(gc)
				  : guest_spin_lock_recheck(gc);

			if (done) {
				if (gc->spin_kind == SPIN_CSD) {
					guest_spin_end(gc);
					guest_op_done(gc);
				}
				continue;
			}
			if (gc->sub != SUB_SPIN)
				continue; /* the recheck changed what curr does */
			if (!kvm_pause_in_guest(vcpu->kvm) && gc->ple_ns >= kvm_ple_window_ns(vcpu)) {
				ple_exit(gc);
				continue;
			}
			if ((gc->spin_kind == SPIN_QNODE || gc->spin_kind == SPIN_QHEAD) &&
			    gc->spin_ns >= guest_spin_lock_threshold_ns(gc)) {
				guest_spin_lock_threshold(gc);
				continue;
			}
			break;
		}
		if (gc->sub == SUB_PV_HALT) {
			gc->halted = true;
			kvm_vcpu_halt(vcpu);
			return;
		}
		break;
	}
	arm(gc);
}

static void gcpu_event(struct sim *sim, struct sim_event *ev)
{
	step(ev->obj);
}

void guest_cpu_enter(struct guest_cpu *gc)
{
	struct kvm_vcpu *vcpu = gc->vcpu;

	gc->running = true;
	gc->seg_start = guest_now(gc->g);
	gc->ple_ns = 0;
	vcpu->mode = IN_GUEST_MODE;
	vcpu->apic.in_guest_mode = true;
	record_steal_time(vcpu);
	if (gc->halted) {
		gc->halted = false;
		if (gc->sub == SUB_PV_HALT)
			guest_pv_wait_return(gc);
	}
	gc->entry_pending = true;
	guest_cpu_poke(gc);
}

void guest_cpu_leave(struct guest_cpu *gc)
{
	struct kvm_vcpu *vcpu = gc->vcpu;

	advance(gc);
	gc->running = false;
	vcpu->mode = OUTSIDE_GUEST_MODE;
	vcpu->apic.in_guest_mode = false;
	sim_cancel(gc->g->kvm->host->sim, &gc->ev);
}

void guest_cpu_stall(struct guest_cpu *gc, u64 ns)
{
	gc->stall_left += ns;
}

void guest_cpu_unhalt(struct guest_cpu *gc)
{
	guest_cpu_enter(gc);
}

/* Object creation (the workload API). */
#define GROW(arr, nr)                                                                        \
	({                                                                                   \
		void *p_ = realloc((arr), ((nr) + 1) * sizeof(*(arr)));                      \
		int id_ = -ENOMEM;                                                           \
		if (p_) {                                                                    \
			(arr) = p_;                                                          \
			memset(&(arr)[(nr)], 0, sizeof(*(arr)));                             \
			id_ = (nr)++;                                                        \
		}                                                                            \
		id_;                                                                         \
	})

int guest_spinlock_create(struct guest *g)
{
	int id = GROW(g->spinlocks, g->nr_spinlocks);

	if (id >= 0)
		g->spinlocks[id].pv = g->feat->pv_spinlock;
	return id;
}

int guest_mutex_create(struct guest *g, bool kernel)
{
	int id = GROW(g->mutexes, g->nr_mutexes);

	if (id >= 0)
		g->mutexes[id].kernel = kernel;
	return id;
}

int guest_cond_create(struct guest *g)
{
	return GROW(g->conds, g->nr_conds);
}

int guest_sem_create(struct guest *g, int count)
{
	int id = GROW(g->sems, g->nr_sems);

	if (id >= 0)
		g->sems[id].count = count;
	return id;
}

struct guest_thread *guest_thread_create(struct guest *g, const char *name, int cpu, int mm)
{
	struct guest_thread *t;

	if (g->nr_threads == g->cap_threads) {
		int cap = g->cap_threads ? 2 * g->cap_threads : 16;
		struct guest_thread **n = realloc(g->threads, (size_t)cap * sizeof(*n));

		if (!n)
			return NULL;
		g->threads = n;
		g->cap_threads = cap;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->id = g->nr_threads;
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->mm = mm;
	if (cpu < 0)
		cpu = g->next_cpu++ % g->nr_cpus;
	t->cpu = &g->cpus[cpu % g->nr_cpus];
	t->state = GT_BLOCKED;
	rng_init(&t->rng, g->kvm->params->seed, hash_name(g->kvm->name) ^ (u64)t->id * 0x9e37u);
	g->threads[g->nr_threads++] = t;
	return t;
}

int guest_nr_vcpus(const struct guest *g)
{
	return g->nr_cpus;
}

void *guest_wl_data(struct guest *g)
{
	return g->wl_data;
}

void guest_set_wl_data(struct guest *g, void *data)
{
	g->wl_data = data;
}

struct rng *guest_rng(struct guest *g)
{
	return &g->rng;
}

struct guest *guest_create(struct kvm *kvm, const struct scn_vm *v, const struct scn_kvm *kp,
			   const char *path, char *err)
{
	struct guest *g = calloc(1, sizeof(*g));

	if (!g) {
		snprintf(err, SCN_ERR_MAX, "%s: out of memory", path);
		return NULL;
	}
	g->kvm = kvm;
	g->feat = &v->guest;
	g->kp = kp;
	g->wl = guest_workload_find(v->workload);
	rng_init(&g->rng, kvm->params->seed, hash_name(kvm->name));
	cache_spin_times(g);
	g->nr_cpus = kvm->online_vcpus;
	g->cpus = calloc((size_t)g->nr_cpus, sizeof(*g->cpus));
	if (!g->cpus) {
		free(g);
		snprintf(err, SCN_ERR_MAX, "%s: out of memory", path);
		return NULL;
	}
	for (int i = 0; i < g->nr_cpus; i++) {
		struct guest_cpu *gc = &g->cpus[i];

		gc->g = g;
		gc->idx = i;
		gc->vcpu = kvm->vcpus[i];
		gc->vcpu->gcpu = gc;
		sim_event_init(&gc->ev, gcpu_event, gc);
	}
	if (!g->wl) {
		snprintf(err, SCN_ERR_MAX, "%s:%d: [vm %s] workload = %s: unknown workload", path,
			 v->line, v->name, v->workload);
		guest_destroy(g);
		return NULL;
	}
	if (g->wl->init(g, v, path, err)) {
		guest_destroy(g);
		return NULL;
	}
	return g;
}

/* Put every thread on its vCPU's run queue; the vCPUs find them when they first run. */
void guest_start(struct guest *g)
{
	for (int i = 0; i < g->nr_threads; i++) {
		struct guest_thread *t = g->threads[i];

		t->state = GT_RUNNABLE;
		waitq_push(&t->cpu->rq, t);
		t->cpu->nr_rq++;
	}
}

void guest_destroy(struct guest *g)
{
	if (!g)
		return;
	if (g->wl && g->wl->destroy)
		g->wl->destroy(g);
	for (int i = 0; i < g->nr_threads; i++)
		free(g->threads[i]);
	for (int i = 0; i < g->nr_cpus; i++)
		free(g->cpus[i].csd);
	free(g->threads);
	free(g->cpus);
	free(g->spinlocks);
	free(g->mutexes);
	free(g->conds);
	free(g->sems);
	free(g);
}
