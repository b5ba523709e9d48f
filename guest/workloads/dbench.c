// SPDX-License-Identifier: GPL-2.0
/*
 * dbench-like (workloads.md W.1 and "Modeling guidance"): workload.clients client
 * processes replay file-system operations. An operation is a short user phase (the
 * client parsing its loadfile line and calling libc) and a kernel path that takes one to
 * three spinlocks from a small shared set of filesystem-wide locks (ext4/jbd2-like:
 * clients work in private directories, so what they share is journal and superblock
 * state) with short critical sections, one after the other, in ascending lock order.
 * Now and then (workload.sync) the operation waits for a journal commit: under the
 * journal lock (shared lock 0) the client registers as a waiter and, if no commit is
 * requested yet, wakes the journal kernel thread (a semaphore post: a reschedule IPI
 * when that thread's vCPU is idle), then sleeps until the commit is on disk. The journal
 * thread (jbd2-like, mm 0) takes the waiters of the running transaction (group commit),
 * writes the commit (kernel compute), waits for the I/O (a timer sleep) and wakes each
 * waiter. Score: operations.
 *
 * Parameters and their sources: docs/model/workloads.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "guest/workloads/wl_common.h"

struct dbench_cfg {
	u64 clients, locks, ops;
	u64 user, kernel, cs, commit, io;
	double sync;
};

/* clang-format off */
static const struct wl_param dbench_params[] = {
	WL_U64(struct dbench_cfg, clients, 1, 1024),
	WL_U64(struct dbench_cfg, locks, 1, 1024),
	WL_U64(struct dbench_cfg, ops, 0, UINT64_MAX),
	WL_DUR(struct dbench_cfg, user, 0),
	WL_DUR(struct dbench_cfg, kernel, 0),
	WL_DUR(struct dbench_cfg, cs, 0),
	WL_DUR(struct dbench_cfg, commit, 0),
	WL_DUR(struct dbench_cfg, io, 1),
	WL_DBL(struct dbench_cfg, sync, 0.0, 1.0),
};
/* clang-format on */

#define DB_MAX_LOCKS 3

struct dbench_thread {
	int locks[DB_MAX_LOCKS];
	int nlocks, i;
	bool sync, post;
	u64 ops_done;
	int done_sem; /* the client's wait for its commit */
};

struct dbench {
	struct dbench_cfg cfg;
	int *lock;		/* the shared spinlocks; lock[0] is the journal's */
	int jreq;		/* semaphore: wake the journal thread */
	int *pending, npending; /* clients waiting for the next commit */
	int *committing, ncommitting;
	int wake_i;
	bool requested; /* a commit is requested and not yet taken */
	int clients_left;
	bool stop;		  /* every client is done (finite runs) */
	struct dbench_thread *th; /* clients, then the journal thread */
	u64 commits;
};

enum {
	DB_USER,
	DB_ENTRY,
	DB_LOCK,
	DB_CS,
	DB_UNLOCK,
	DB_SEG,
	DB_J_LOCK,
	DB_J_REG,
	DB_J_UNLOCK,
	DB_J_POST,
	DB_J_WAIT,
	DB_WORK,
	DB_DONE,
};

enum { JB_WAIT, JB_LOCK, JB_SNAP, JB_UNLOCK, JB_COMMIT, JB_IO, JB_WAKE };

static void dbench_destroy(struct guest *g)
{
	struct dbench *d = guest_wl_data(g);

	if (!d)
		return;
	free(d->lock);
	free(d->pending);
	free(d->committing);
	free(d->th);
	free(d);
	guest_set_wl_data(g, NULL);
}

static int dbench_init(struct guest *g, const struct scn_vm *v, const char *path, char *err)
{
	struct dbench *d = calloc(1, sizeof(*d));
	char name[32];
	int n;

	if (!d)
		goto nomem;
	guest_set_wl_data(g, d);
	d->cfg = (struct dbench_cfg){
	    .clients = 16,
	    .locks = 4,
	    .ops = 0,
	    .user = 10 * NSEC_PER_USEC,
	    .kernel = 20 * NSEC_PER_USEC,
	    .cs = 500,
	    .commit = 20 * NSEC_PER_USEC,
	    .io = 200 * NSEC_PER_USEC,
	    .sync = 0.01,
	};
	if (wl_parse_params(v, path, dbench_params, (int)ARRAY_SIZE(dbench_params), &d->cfg, err))
		return -EINVAL;
	n = (int)d->cfg.clients;
	d->lock = calloc(d->cfg.locks, sizeof(*d->lock));
	d->pending = calloc((size_t)n, sizeof(*d->pending));
	d->committing = calloc((size_t)n, sizeof(*d->committing));
	d->th = calloc((size_t)n + 1, sizeof(*d->th));
	if (!d->lock || !d->pending || !d->committing || !d->th)
		goto nomem;
	for (u64 i = 0; i < d->cfg.locks; i++)
		if ((d->lock[i] = guest_spinlock_create(g)) < 0)
			goto nomem;
	if ((d->jreq = guest_sem_create(g, 0)) < 0)
		goto nomem;
	d->clients_left = n;
	for (int i = 0; i <= n; i++) {
		struct guest_thread *t;

		if (i < n) {
			snprintf(name, sizeof(name), "client%d", i);
			if ((d->th[i].done_sem = guest_sem_create(g, 0)) < 0)
				goto nomem;
		} else {
			snprintf(name, sizeof(name), "jbd2");
		}
		/* clients are separate processes (fork); the journal thread has no mm */
		t = guest_thread_create(g, name, -1, i < n ? i + 1 : 0);
		if (!t)
			goto nomem;
		t->wl = &d->th[i];
		t->arg = i < n ? 0 : 1; /* 1: the journal thread */
		t->pc = i < n ? DB_USER : JB_WAIT;
	}
	return 0;
nomem:
	snprintf(err, SCN_ERR_MAX, "%s: out of memory", path);
	return -ENOMEM;
}

/* Split the kernel path outside the critical sections into nlocks + 1 segments. */
static u64 kernel_segment(struct dbench *d, struct guest_thread *t, struct dbench_thread *c)
{
	return rng_exp(&t->rng, d->cfg.kernel / (u64)(c->nlocks + 1));
}

/* The next operation: 1 to 3 distinct shared locks in ascending order, maybe an fsync. */
static void pick_operation(struct dbench *d, struct guest_thread *t, struct dbench_thread *c)
{
	int nl = (int)min(d->cfg.locks, (u64)DB_MAX_LOCKS);
	int want = 1 + (int)rng_below(&t->rng, DB_MAX_LOCKS);

	c->nlocks = 0;
	want = min(want, nl);
	/* selection sampling: each lock in order with probability still-wanted / left */
	for (u64 i = 0; i < d->cfg.locks && c->nlocks < want; i++)
		if (rng_below(&t->rng, d->cfg.locks - i) < (u64)(want - c->nlocks))
			c->locks[c->nlocks++] = d->lock[i];
	c->i = 0;
	c->sync = rng_double(&t->rng) < d->cfg.sync;
}

static void client_next(struct guest *g, struct guest_thread *t, struct guest_op *op)
{
	struct dbench *d = guest_wl_data(g);
	struct dbench_thread *c = t->wl;
	int me = (int)(c - d->th);

	for (;;) {
		switch (t->pc) {
		case DB_USER:
			if (d->cfg.ops && c->ops_done == d->cfg.ops) {
				t->pc = DB_DONE;
				continue;
			}
			pick_operation(d, t, c);
			wl_compute(op, rng_exp(&t->rng, d->cfg.user), false);
			t->pc = DB_ENTRY;
			return;
		case DB_ENTRY:
			wl_compute(op, kernel_segment(d, t, c), true);
			t->pc = DB_LOCK;
			return;
		case DB_LOCK:
			wl_op(op, GOP_SPIN_LOCK, c->locks[c->i]);
			t->pc = DB_CS;
			return;
		case DB_CS:
			wl_compute(op, rng_exp(&t->rng, d->cfg.cs), true);
			t->pc = DB_UNLOCK;
			return;
		case DB_UNLOCK:
			wl_op(op, GOP_SPIN_UNLOCK, c->locks[c->i++]);
			t->pc = DB_SEG;
			return;
		case DB_SEG:
			wl_compute(op, kernel_segment(d, t, c), true);
			t->pc = c->i < c->nlocks ? DB_LOCK : c->sync ? DB_J_LOCK : DB_WORK;
			return;
		case DB_J_LOCK:
			wl_op(op, GOP_SPIN_LOCK, d->lock[0]);
			t->pc = DB_J_REG;
			return;
		case DB_J_REG:
			/* under the journal lock: join the running transaction's waiters */
			d->pending[d->npending++] = me;
			c->post = !d->requested;
			d->requested = true;
			wl_compute(op, rng_exp(&t->rng, d->cfg.cs), true);
			t->pc = DB_J_UNLOCK;
			return;
		case DB_J_UNLOCK:
			wl_op(op, GOP_SPIN_UNLOCK, d->lock[0]);
			t->pc = DB_J_POST;
			return;
		case DB_J_POST:
			t->pc = DB_J_WAIT;
			if (c->post) {
				wl_op(op, GOP_SEM_POST, d->jreq);
				return;
			}
			continue;
		case DB_J_WAIT:
			wl_op(op, GOP_SEM_WAIT, c->done_sem);
			t->pc = DB_WORK;
			return;
		case DB_WORK:
			wl_op(op, GOP_WORK, 0);
			op->n = 1;
			c->ops_done++;
			t->pc = DB_USER;
			return;
		case DB_DONE:
		default:
			/* the last client out lets the journal thread exit */
			t->pc = -1;
			if (!--d->clients_left) {
				d->stop = true;
				wl_op(op, GOP_SEM_POST, d->jreq);
				return;
			}
			/* fall through */
		case -1:
			wl_op(op, GOP_EXIT, 0);
			return;
		}
	}
}

static void journal_next(struct guest *g, struct guest_thread *t, struct guest_op *op)
{
	struct dbench *d = guest_wl_data(g);

	for (;;) {
		switch (t->pc) {
		case JB_WAIT:
			if (d->stop && !d->npending) {
				wl_op(op, GOP_EXIT, 0);
				return;
			}
			wl_op(op, GOP_SEM_WAIT, d->jreq);
			t->pc = JB_LOCK;
			return;
		case JB_LOCK:
			wl_op(op, GOP_SPIN_LOCK, d->lock[0]);
			t->pc = JB_SNAP;
			return;
		case JB_SNAP:
			/* close the transaction: its waiters are this commit's */
			for (int i = 0; i < d->npending; i++)
				d->committing[i] = d->pending[i];
			d->ncommitting = d->npending;
			d->npending = 0;
			d->requested = false;
			wl_compute(op, rng_exp(&t->rng, d->cfg.cs), true);
			t->pc = JB_UNLOCK;
			return;
		case JB_UNLOCK:
			wl_op(op, GOP_SPIN_UNLOCK, d->lock[0]);
			t->pc = JB_COMMIT;
			return;
		case JB_COMMIT:
			if (!d->ncommitting) {
				t->pc = JB_WAIT;
				continue;
			}
			d->commits++;
			wl_compute(op, d->cfg.commit, true);
			t->pc = JB_IO;
			return;
		case JB_IO:
			wl_op(op, GOP_SLEEP, 0);
			op->ns = d->cfg.io;
			d->wake_i = 0;
			t->pc = JB_WAKE;
			return;
		case JB_WAKE:
		default:
			if (d->wake_i < d->ncommitting) {
				wl_op(op, GOP_SEM_POST, d->th[d->committing[d->wake_i++]].done_sem);
				return;
			}
			d->ncommitting = 0;
			t->pc = JB_WAIT;
			continue;
		}
	}
}

static void dbench_next_op(struct guest *g, struct guest_thread *t, struct guest_op *op)
{
	if (t->arg)
		journal_next(g, t, op);
	else
		client_next(g, t, op);
}

const struct guest_workload guest_wl_dbench = {
    .name = "dbench",
    .summary = "dbench-like: clients' file-system operations, shared kernel spinlocks, "
	       "journal commits by a kernel thread",
    .init = dbench_init,
    .next_op = dbench_next_op,
    .destroy = dbench_destroy,
};
