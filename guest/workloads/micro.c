// SPDX-License-Identifier: GPL-2.0
/*
 * Micro workloads that probe one mechanism each (issue 3):
 *
 *   idle        no threads: every vCPU halts.
 *   lockstress  every thread loops: think (user mode), take one shared guest spinlock,
 *               hold it (kernel mode), release. workload.lock = tas (virt_spin_lock) |
 *               qspinlock (the PV qspinlock), default as guest.pv_spinlock says;
 *               workload.hold, workload.think,
 *               workload.threads (default: one per vCPU).
 *   ipistress   every thread loops: think, then smp_call_function to workload.targets
 *               other vCPUs with wait; workload.handler is the function's length. Only
 *               the first workload.senders threads send; the others only think.
 *
 * Think times are exponential with the given mean (a fixed loop would lock its phase to
 * the host tick); hold and handler times are fixed. A unit of work is one completed loop.
 */
#include <errno.h>
#include <stdlib.h>

#include "guest/internal.h"

static int idle_init(struct guest *g, const struct scn_vm *v, const char *path, char *err)
{
	static const char *const known[] = {NULL};

	(void)g;
	return guest_wl_check_keys(v, path, known, err);
}

static void idle_next(struct guest *g, struct guest_thread *t, struct guest_op *op)
{
	(void)g;
	(void)t;
	op->kind = GOP_EXIT;
}

const struct guest_workload guest_wl_idle = {
	.name = "idle",
	.summary = "no guest threads: every vCPU halts",
	.init = idle_init,
	.next_op = idle_next,
};

struct micro {
	u64 hold, think, handler;
	u64 targets, senders;
	int lock;
};

static void micro_destroy(struct guest *g)
{
	free(guest_wl_data(g));
}

static int micro_threads(struct guest *g, const struct scn_vm *v, const char *path, char *err,
			 u64 *threads)
{
	*threads = (u64)guest_nr_vcpus(g);
	if (guest_wl_u64(v, path, "threads", 1, 4096, threads, err))
		return -EINVAL;
	for (u64 i = 0; i < *threads; i++) {
		char name[32];

		snprintf(name, sizeof(name), "t%llu", (unsigned long long)i);
		if (!guest_thread_create(g, name, (int)(i % (u64)guest_nr_vcpus(g)), 0))
			return -ENOMEM;
	}
	return 0;
}

static int lockstress_init(struct guest *g, const struct scn_vm *v, const char *path, char *err)
{
	static const char *const known[] = {"lock", "hold", "think", "threads", NULL};
	static const char *const locks[] = {"tas", "qspinlock", NULL};
	struct micro *m = calloc(1, sizeof(*m));
	int lock = v->guest.pv_spinlock;
	u64 threads;

	if (!m)
		return -ENOMEM;
	guest_set_wl_data(g, m);
	m->hold = 2 * NSEC_PER_USEC;
	m->think = 20 * NSEC_PER_USEC;
	if (guest_wl_check_keys(v, path, known, err) ||
	    guest_wl_enum(v, path, "lock", locks, &lock, err) ||
	    guest_wl_duration(v, path, "hold", 0, &m->hold, err) ||
	    guest_wl_duration(v, path, "think", 0, &m->think, err))
		return -EINVAL;
	m->lock = guest_spinlock_create(g);
	if (m->lock < 0)
		return -ENOMEM;
	/* qspinlock: the PV qspinlock (pv_wait / pv_kick); tas: virt_spin_lock() */
	g->spinlocks[m->lock].pv = lock;
	return micro_threads(g, v, path, err, &threads);
}

static void lockstress_next(struct guest *g, struct guest_thread *t, struct guest_op *op)
{
	struct micro *m = guest_wl_data(g);

	switch (t->pc++ % 5) {
	case 0:
		op->kind = GOP_COMPUTE;
		op->ns = rng_exp(&t->rng, m->think);
		break;
	case 1:
		op->kind = GOP_SPIN_LOCK;
		op->obj = m->lock;
		break;
	case 2:
		op->kind = GOP_COMPUTE;
		op->kernel = true;
		op->ns = m->hold;
		break;
	case 3:
		op->kind = GOP_SPIN_UNLOCK;
		op->obj = m->lock;
		break;
	default:
		op->kind = GOP_WORK;
		op->n = 1;
		break;
	}
}

const struct guest_workload guest_wl_lockstress = {
	.name = "lockstress",
	.summary = "think, take one shared spinlock, hold, release",
	.init = lockstress_init,
	.next_op = lockstress_next,
	.destroy = micro_destroy,
};

static int ipistress_init(struct guest *g, const struct scn_vm *v, const char *path, char *err)
{
	static const char *const known[] = {"targets", "think", "handler", "threads", "senders",
					    NULL};
	struct micro *m = calloc(1, sizeof(*m));
	u64 threads;

	if (!m)
		return -ENOMEM;
	guest_set_wl_data(g, m);
	m->think = 50 * NSEC_PER_USEC;
	m->handler = 1 * NSEC_PER_USEC;
	m->targets = 1;
	m->senders = UINT64_MAX;
	if (guest_wl_check_keys(v, path, known, err) ||
	    guest_wl_u64(v, path, "senders", 0, 4096, &m->senders, err) ||
	    guest_wl_u64(v, path, "targets", 1, KVM_MAX_VCPUS_MODEL - 1, &m->targets, err) ||
	    guest_wl_duration(v, path, "think", 0, &m->think, err) ||
	    guest_wl_duration(v, path, "handler", 0, &m->handler, err))
		return -EINVAL;
	return micro_threads(g, v, path, err, &threads);
}

static void ipistress_next(struct guest *g, struct guest_thread *t, struct guest_op *op)
{
	struct micro *m = guest_wl_data(g);

	if ((u64)t->id >= m->senders) {
		/* not a sender: user-mode compute only */
		op->kind = GOP_COMPUTE;
		op->ns = rng_exp(&t->rng, m->think);
		return;
	}
	switch (t->pc++ % 3) {
	case 0:
		op->kind = GOP_COMPUTE;
		op->ns = rng_exp(&t->rng, m->think);
		break;
	case 1:
		op->kind = GOP_SMP_CALL;
		op->n = (int)m->targets;
		op->ns = m->handler;
		break;
	default:
		op->kind = GOP_WORK;
		op->n = 1;
		break;
	}
}

const struct guest_workload guest_wl_ipistress = {
	.name = "ipistress",
	.summary = "think, smp_call_function to workload.targets vCPUs with wait",
	.init = ipistress_init,
	.next_op = ipistress_next,
	.destroy = micro_destroy,
};
