// SPDX-License-Identifier: GPL-2.0
/*
 * kernel-build-like (a no-regression guard, workloads.md): make -j workload.jobs. The
 * make thread forks a job whenever a slot is free (fork: kernel work in make), and reaps
 * each finished job (wait4: woken by the child's exit, an IPI when make's vCPU is idle)
 * before it runs its dependency logic (user) and forks the next. A job slot thread plays
 * one short process after another: at each job it takes a fresh address space (t->mm,
 * exec), then alternates compile work (user) with page faults (kernel) and file-system
 * syscalls that take one of a small set of shared kernel spinlocks (dcache / LRU-like),
 * does workload.munmaps munmap()s on the way and tears its mm down at exit: each a TLB
 * shootdown over the vCPUs running that mm. A compiler process is single-threaded and a
 * guest thread stays on its vCPU, so these shootdowns find no other vCPU running the mm
 * and send no IPI: the guard exercises fork/exec/fault kernel time, shared spinlocks and
 * make <-> job wakeups (docs/model/workloads.md). Score: jobs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "guest/workloads/wl_common.h"

struct kbuild_cfg {
	u64 jobs, total, locks, segments, faults, munmaps;
	u64 compile, fault, cs, exec, exit, make, fork;
	double spread;
};

/* clang-format off */
static const struct wl_param kbuild_params[] = {
	WL_U64(struct kbuild_cfg, jobs, 1, 1024),
	WL_U64(struct kbuild_cfg, total, 0, UINT64_MAX),
	WL_U64(struct kbuild_cfg, locks, 1, 1024),
	WL_U64(struct kbuild_cfg, segments, 1, 1u << 20),
	WL_U64(struct kbuild_cfg, faults, 0, 1u << 30),
	WL_U64(struct kbuild_cfg, munmaps, 0, 1u << 20),
	WL_DUR(struct kbuild_cfg, compile, 0),
	WL_DUR(struct kbuild_cfg, fault, 0),
	WL_DUR(struct kbuild_cfg, cs, 0),
	WL_DUR(struct kbuild_cfg, exec, 0),
	WL_DUR(struct kbuild_cfg, exit, 0),
	WL_DUR(struct kbuild_cfg, make, 0),
	WL_DUR(struct kbuild_cfg, fork, 0),
	WL_DBL(struct kbuild_cfg, spread, 0.0, 1.0),
};
/* clang-format on */

struct kbuild_thread {
	u64 seg, munmapped;
	u64 compile; /* this job's compile time */
	int lock;
};

struct kbuild {
	struct kbuild_cfg cfg;
	int *lock;
	int start, done; /* semaphores: fork a job into a slot, a job exited */
	u64 forked, running, finished;
	bool stop;
	int next_mm;
	struct kbuild_thread *th;
};

enum { MK_LOOP, MK_POST, MK_REAP, MK_STOP, MK_EXIT };
enum {
	J_WAIT,
	J_START,
	J_SEG,
	J_FAULT,
	J_LOCK,
	J_CS,
	J_UNLOCK,
	J_MUNMAP,
	J_EXIT,
	J_EXIT2,
	J_DONE,
	J_SCORE
};

static void kbuild_destroy(struct guest *g)
{
	struct kbuild *d = guest_wl_data(g);

	if (!d)
		return;
	free(d->lock);
	free(d->th);
	free(d);
	guest_set_wl_data(g, NULL);
}

static int kbuild_init(struct guest *g, const struct scn_vm *v, const char *path, char *err)
{
	struct kbuild *d = calloc(1, sizeof(*d));

	if (!d)
		goto nomem;
	guest_set_wl_data(g, d);
	d->cfg = (struct kbuild_cfg){
	    .jobs = 16,
	    .total = 0,
	    .locks = 4,
	    .segments = 100,
	    .faults = 20000,
	    .munmaps = 4,
	    .compile = 40 * NSEC_PER_MSEC,
	    .fault = 500,
	    .cs = 500,
	    .exec = 300 * NSEC_PER_USEC,
	    .exit = 100 * NSEC_PER_USEC,
	    .make = 200 * NSEC_PER_USEC,
	    .fork = 100 * NSEC_PER_USEC,
	    .spread = 0.5,
	};
	if (wl_parse_params(v, path, kbuild_params, (int)ARRAY_SIZE(kbuild_params), &d->cfg, err))
		return -EINVAL;
	d->lock = calloc(d->cfg.locks, sizeof(*d->lock));
	d->th = calloc(d->cfg.jobs + 1, sizeof(*d->th));
	if (!d->lock || !d->th)
		goto nomem;
	for (u64 i = 0; i < d->cfg.locks; i++)
		if ((d->lock[i] = guest_spinlock_create(g)) < 0)
			goto nomem;
	d->start = guest_sem_create(g, 0);
	d->done = guest_sem_create(g, 0);
	if (d->start < 0 || d->done < 0)
		goto nomem;
	/* make is mm 1; each job gets a fresh mm from 2 on */
	d->next_mm = 2;
	for (u64 i = 0; i <= d->cfg.jobs; i++) {
		struct guest_thread *t;
		char name[32];

		if (i)
			snprintf(name, sizeof(name), "job%llu", (unsigned long long)i - 1);
		else
			snprintf(name, sizeof(name), "make");
		t = guest_thread_create(g, name, -1, 1);
		if (!t)
			goto nomem;
		t->wl = &d->th[i];
		t->arg = i == 0; /* 1: make */
		t->pc = i ? J_WAIT : MK_LOOP;
	}
	return 0;
nomem:
	snprintf(err, SCN_ERR_MAX, "%s: out of memory", path);
	return -ENOMEM;
}

static void make_next(struct kbuild *d, struct guest_thread *t, struct guest_op *op)
{
	struct kbuild_thread *m = t->wl;

	for (;;) {
		switch (t->pc) {
		case MK_LOOP:
			if ((!d->cfg.total || d->forked < d->cfg.total) &&
			    d->running < d->cfg.jobs) {
				wl_compute(op, d->cfg.fork, true); /* fork() */
				t->pc = MK_POST;
				return;
			}
			if (d->running) {
				wl_op(op, GOP_SEM_WAIT, d->done); /* wait4() */
				t->pc = MK_REAP;
				return;
			}
			d->stop = true;
			m->seg = 0;
			t->pc = MK_STOP;
			continue;
		case MK_POST:
			d->forked++;
			d->running++;
			wl_op(op, GOP_SEM_POST, d->start);
			t->pc = MK_LOOP;
			return;
		case MK_REAP:
			d->running--;
			wl_compute(op, d->cfg.make, false);
			t->pc = MK_LOOP;
			return;
		case MK_STOP:
			/* every job is done: release the slots so that they exit */
			if (m->seg < d->cfg.jobs) {
				m->seg++;
				wl_op(op, GOP_SEM_POST, d->start);
				return;
			}
			t->pc = MK_EXIT;
			/* fall through */
		default:
			wl_op(op, GOP_EXIT, 0);
			return;
		}
	}
}

static void job_next(struct kbuild *d, struct guest_thread *t, struct guest_op *op)
{
	struct kbuild_thread *j = t->wl;
	u64 nseg = d->cfg.segments;

	for (;;) {
		switch (t->pc) {
		case J_WAIT:
			wl_op(op, GOP_SEM_WAIT, d->start);
			t->pc = J_START;
			return;
		case J_START:
			if (d->stop) {
				wl_op(op, GOP_EXIT, 0);
				return;
			}
			/* exec: a new process with its own address space */
			t->mm = d->next_mm++;
			j->seg = 0;
			j->munmapped = 0;
			j->compile = wl_spread(&t->rng, d->cfg.compile, d->cfg.spread);
			wl_compute(op, d->cfg.exec, true);
			t->pc = J_SEG;
			return;
		case J_SEG:
			if (j->seg == nseg) {
				t->pc = J_EXIT;
				continue;
			}
			wl_compute(op, j->compile / nseg, false);
			t->pc = J_FAULT;
			return;
		case J_FAULT:
			wl_compute(op, d->cfg.faults * d->cfg.fault / nseg, true);
			t->pc = J_LOCK;
			return;
		case J_LOCK:
			j->lock = d->lock[rng_below(&t->rng, d->cfg.locks)];
			wl_op(op, GOP_SPIN_LOCK, j->lock);
			t->pc = J_CS;
			return;
		case J_CS:
			wl_compute(op, rng_exp(&t->rng, d->cfg.cs), true);
			t->pc = J_UNLOCK;
			return;
		case J_UNLOCK:
			wl_op(op, GOP_SPIN_UNLOCK, j->lock);
			j->seg++;
			/* munmaps spread evenly over the job's segments */
			t->pc = j->munmapped < d->cfg.munmaps * j->seg / nseg ? J_MUNMAP : J_SEG;
			return;
		case J_MUNMAP:
			j->munmapped++;
			wl_op(op, GOP_TLB_SHOOTDOWN, 0);
			t->pc = j->munmapped < d->cfg.munmaps * j->seg / nseg ? J_MUNMAP : J_SEG;
			return;
		case J_EXIT:
			/* exit_mmap(): unmap everything, flush */
			wl_op(op, GOP_TLB_SHOOTDOWN, 0);
			t->pc = J_EXIT2;
			return;
		case J_EXIT2:
			wl_compute(op, d->cfg.exit, true);
			t->pc = J_DONE;
			return;
		case J_DONE:
			d->finished++;
			wl_op(op, GOP_SEM_POST, d->done); /* SIGCHLD / wake make */
			t->pc = J_SCORE;
			return;
		case J_SCORE:
		default:
			wl_op(op, GOP_WORK, 0);
			op->n = 1;
			t->pc = J_WAIT;
			return;
		}
	}
}

static void kbuild_next_op(struct guest *g, struct guest_thread *t, struct guest_op *op)
{
	struct kbuild *d = guest_wl_data(g);

	if (t->arg)
		make_next(d, t, op);
	else
		job_next(d, t, op);
}

const struct guest_workload guest_wl_kbuild = {
    .name = "kbuild",
    .summary = "kernel-build-like: make -j with short processes, page faults, "
	       "munmap/exit TLB shootdowns",
    .init = kbuild_init,
    .next_op = kbuild_next_op,
    .destroy = kbuild_destroy,
};
