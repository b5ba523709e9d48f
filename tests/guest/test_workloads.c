// SPDX-License-Identifier: GPL-2.0
/*
 * The application-like workloads' programs (guest/workloads/: dbench, dedup, vips,
 * blackscholes, ferret, kbuild) run against a reference interpreter of the guest
 * operations instead of the guest kernel: threads take turns in an order drawn from a
 * seed (any interleaving the guest could produce, with no notion of time), locks and
 * semaphores follow their textbook semantics, and every operation is checked as it is
 * issued. That makes the properties below hold for every schedule, not only for the
 * ones the timed model happens to produce:
 *
 *  - well-formed: a lock is released only by its holder and never taken twice; spinlocks
 *    nest in ascending id order and only kernel-mode compute runs under one; nothing
 *    sleeps (mutex, cond_wait, semaphore, sleep, exit) with a spinlock held; cond_wait
 *    is called with its mutex held; a thread exits holding nothing;
 *  - no deadlock: while a thread is alive, one can run;
 *  - finite runs terminate with the derived amount of work (per test).
 *
 * The workload sources are compiled into this program with the guest API renamed to
 * the interpreter's functions (the library's guest kernel defines the real ones).
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmsim/parse.h"

#define guest_spinlock_create fk_spinlock_create
#define guest_mutex_create    fk_mutex_create
#define guest_cond_create     fk_cond_create
#define guest_sem_create      fk_sem_create
#define guest_thread_create   fk_thread_create
#define guest_nr_vcpus	      fk_nr_vcpus
#define guest_wl_data	      fk_wl_data
#define guest_set_wl_data     fk_set_wl_data
#define guest_rng	      fk_rng
#define guest_wl_u64	      fk_wl_u64
#define guest_wl_duration     fk_wl_duration
#define guest_wl_double	      fk_wl_double
#define guest_wl_enum	      fk_wl_enum
#define guest_wl_check_keys   fk_wl_check_keys
#define guest_workload_find   fk_workload_find
#define guest_workloads	      fk_workloads
/* the workloads and their helpers: this program's own copies */
#define guest_wl_dbench	      fk_wl_dbench
#define guest_wl_dedup	      fk_wl_dedup
#define guest_wl_vips	      fk_wl_vips
#define guest_wl_blackscholes fk_wl_blackscholes
#define guest_wl_ferret	      fk_wl_ferret
#define guest_wl_kbuild	      fk_wl_kbuild
#define wl_parse_params	      fk_parse_params
#define wl_compute	      fk_compute
#define wl_op		      fk_op
#define wl_spread	      fk_spread
#define wlq_init	      fk_wlq_init
#define wlq_enqueue_begin     fk_wlq_enqueue_begin
#define wlq_enqueue_step      fk_wlq_enqueue_step
#define wlq_dequeue_begin     fk_wlq_dequeue_begin
#define wlq_dequeue_step      fk_wlq_dequeue_step
#define wlq_terminate_begin   fk_wlq_terminate_begin
#define wlq_terminate_step    fk_wlq_terminate_step
#define wl_barrier_init	      fk_barrier_init
#define wl_barrier_begin      fk_barrier_begin
#define wl_barrier_step	      fk_barrier_step
#define wl_stage_init	      fk_stage_init
#define wl_stage_set_in	      fk_stage_set_in
#define wl_stage_add_out      fk_stage_add_out
#define wl_stage_next	      fk_stage_next

#include "guest/workloads/wl_common.c"
#include "guest/workloads/dbench.c"
#include "guest/workloads/dedup.c"
#include "guest/workloads/vips.c"
#include "guest/workloads/blackscholes.c"
#include "guest/workloads/ferret.c"
#include "guest/workloads/kbuild.c"

/* ---- the reference interpreter ------------------------------------------------ */

#define FK_MAX_THREADS 512
#define FK_MAX_HELD    8
#define FK_MAX_COMPUTE (10 * NSEC_PER_SEC)

enum fk_state { FK_READY, FK_SPIN, FK_MUTEX, FK_COND, FK_SEM, FK_EXITED };

struct fk_thread {
	struct guest_thread t; /* first: the workloads get &t */
	enum fk_state st;
	int phase;    /* COND_WAIT: 0 issue, 1 waiting, 2 re-acquire */
	bool granted; /* SEM_WAIT: a post handed its count over */
	u64 since;    /* when it started waiting (FIFO order) */
	int spin[FK_MAX_HELD], nspin;
	int mutex[FK_MAX_HELD], nmutex;
	u64 ops, work;
	int spin_since_work; /* SPIN_LOCKs since the last WORK */
	int min_spin_per_work, max_spin_per_work;
};

struct guest {
	const struct guest_workload *wl;
	void *wl_data;
	struct rng rng;
	int nr_vcpus, next_cpu;
	struct fk_thread *th[FK_MAX_THREADS];
	int nth;
	int *spin_owner, nspin;
	int *mutex_owner, nmutex;
	int ncond;
	int *sem, nsem;
	/* the order in which waiters arrive: FIFO wakeups */
	u64 seq;
	char bad[256];
	/* counts */
	u64 work, kind[GOP_EXIT + 1], tlb, distinct_tlb_mm;
	bool tlb_mm_seen[4096];
};

static int grow(int **a, int *n, int init)
{
	int *p = realloc(*a, (size_t)(*n + 1) * sizeof(**a));

	if (!p)
		return -ENOMEM;
	*a = p;
	p[*n] = init;
	return (*n)++;
}

int fk_spinlock_create(struct guest *g)
{
	return grow(&g->spin_owner, &g->nspin, -1);
}

int fk_mutex_create(struct guest *g, bool kernel)
{
	(void)kernel;
	return grow(&g->mutex_owner, &g->nmutex, -1);
}

int fk_cond_create(struct guest *g)
{
	return g->ncond++;
}

int fk_sem_create(struct guest *g, int count)
{
	return grow(&g->sem, &g->nsem, count);
}

struct guest_thread *fk_thread_create(struct guest *g, const char *name, int cpu, int mm)
{
	struct fk_thread *f;

	if (g->nth == FK_MAX_THREADS || !(f = calloc(1, sizeof(*f))))
		return NULL;
	f->t.id = g->nth;
	snprintf(f->t.name, sizeof(f->t.name), "%s", name);
	f->t.mm = mm;
	if (cpu < 0)
		cpu = g->next_cpu++ % g->nr_vcpus;
	(void)cpu;
	rng_init(&f->t.rng, 1, hash_name(name));
	f->min_spin_per_work = 1 << 30;
	g->th[g->nth++] = f;
	return &f->t;
}

int fk_nr_vcpus(const struct guest *g)
{
	return g->nr_vcpus;
}

void *fk_wl_data(struct guest *g)
{
	return g->wl_data;
}

void fk_set_wl_data(struct guest *g, void *data)
{
	g->wl_data = data;
}

struct rng *fk_rng(struct guest *g)
{
	return &g->rng;
}

static const struct scn_kv *fk_find(const struct scn_vm *v, const char *key)
{
	for (int i = 0; i < v->nr_wl; i++)
		if (!strcmp(v->wl[i].key, key))
			return &v->wl[i];
	return NULL;
}

static int fk_bad(const struct scn_vm *v, const char *path, const struct scn_kv *kv, char *err)
{
	snprintf(err, SCN_ERR_MAX, "%s:%d: [vm %s] workload.%s = %s: bad", path, kv->line, v->name,
		 kv->key, kv->val);
	return -EINVAL;
}

int fk_wl_u64(const struct scn_vm *v, const char *path, const char *key, u64 lo, u64 hi, u64 *out,
	      char *err)
{
	const struct scn_kv *kv = fk_find(v, key);
	u64 x;

	if (!kv)
		return 0;
	if (parse_u64(kv->val, &x) || x < lo || x > hi)
		return fk_bad(v, path, kv, err);
	*out = x;
	return 0;
}

int fk_wl_duration(const struct scn_vm *v, const char *path, const char *key, u64 lo, u64 *out,
		   char *err)
{
	const struct scn_kv *kv = fk_find(v, key);
	u64 x;

	if (!kv)
		return 0;
	if (parse_duration_ns(kv->val, &x) || x < lo)
		return fk_bad(v, path, kv, err);
	*out = x;
	return 0;
}

int fk_wl_double(const struct scn_vm *v, const char *path, const char *key, double lo, double hi,
		 double *out, char *err)
{
	const struct scn_kv *kv = fk_find(v, key);
	double x;

	if (!kv)
		return 0;
	if (parse_double(kv->val, &x) || x < lo || x > hi)
		return fk_bad(v, path, kv, err);
	*out = x;
	return 0;
}

int fk_wl_check_keys(const struct scn_vm *v, const char *path, const char *const *known, char *err)
{
	for (int i = 0; i < v->nr_wl; i++) {
		int k = 0;

		while (known[k] && strcmp(known[k], v->wl[i].key))
			k++;
		if (!known[k])
			return fk_bad(v, path, &v->wl[i], err);
	}
	return 0;
}

#define BAD(g, ...)                                                                                \
	do {                                                                                       \
		if (!(g)->bad[0])                                                                  \
			snprintf((g)->bad, sizeof((g)->bad), __VA_ARGS__);                         \
	} while (0)

static bool holds(const int *a, int n, int x)
{
	for (int i = 0; i < n; i++)
		if (a[i] == x)
			return true;
	return false;
}

static void drop(int *a, int *n, int x)
{
	for (int i = 0; i < *n; i++)
		if (a[i] == x) {
			a[i] = a[--*n];
			return;
		}
}

/* Check an operation as the thread issues it. */
static void fk_check(struct guest *g, struct fk_thread *f, const struct guest_op *op)
{
	const char *n = f->t.name;
	bool sleeps = op->kind == GOP_MUTEX_LOCK || op->kind == GOP_COND_WAIT ||
		      op->kind == GOP_SEM_WAIT || op->kind == GOP_SLEEP || op->kind == GOP_EXIT;

	if ((int)op->kind < 0 || op->kind > GOP_EXIT) {
		BAD(g, "%s: operation kind %d", n, (int)op->kind);
		return;
	}
	if (sleeps && f->nspin)
		BAD(g, "%s: op %d sleeps holding spinlock %d", n, op->kind, f->spin[0]);
	switch (op->kind) {
	case GOP_COMPUTE:
		if (op->ns > FK_MAX_COMPUTE)
			BAD(g, "%s: compute of %llu ns", n, (unsigned long long)op->ns);
		if (f->nspin && !op->kernel)
			BAD(g, "%s: user-mode compute under spinlock %d", n, f->spin[0]);
		break;
	case GOP_SPIN_LOCK:
		if (op->obj < 0 || op->obj >= g->nspin)
			BAD(g, "%s: spinlock id %d", n, op->obj);
		else if (holds(f->spin, f->nspin, op->obj))
			BAD(g, "%s: takes spinlock %d twice", n, op->obj);
		for (int i = 0; i < f->nspin; i++)
			if (f->spin[i] > op->obj)
				BAD(g, "%s: spinlock %d under %d: not ascending", n, op->obj,
				    f->spin[i]);
		if (f->nspin == FK_MAX_HELD)
			BAD(g, "%s: nests more than %d spinlocks", n, FK_MAX_HELD);
		break;
	case GOP_SPIN_UNLOCK:
		if (op->obj < 0 || op->obj >= g->nspin || g->spin_owner[op->obj] != f->t.id)
			BAD(g, "%s: releases spinlock %d it does not hold", n, op->obj);
		break;
	case GOP_MUTEX_LOCK:
		if (op->obj < 0 || op->obj >= g->nmutex)
			BAD(g, "%s: mutex id %d", n, op->obj);
		else if (g->mutex_owner[op->obj] == f->t.id)
			BAD(g, "%s: takes mutex %d twice", n, op->obj);
		if (f->nmutex == FK_MAX_HELD)
			BAD(g, "%s: nests more than %d mutexes", n, FK_MAX_HELD);
		break;
	case GOP_MUTEX_UNLOCK:
		if (op->obj < 0 || op->obj >= g->nmutex || g->mutex_owner[op->obj] != f->t.id)
			BAD(g, "%s: releases mutex %d it does not hold", n, op->obj);
		break;
	case GOP_COND_WAIT:
		if (op->obj < 0 || op->obj >= g->ncond)
			BAD(g, "%s: cond id %d", n, op->obj);
		if (op->obj2 < 0 || op->obj2 >= g->nmutex || g->mutex_owner[op->obj2] != f->t.id)
			BAD(g, "%s: cond_wait without holding mutex %d", n, op->obj2);
		break;
	case GOP_COND_SIGNAL:
	case GOP_COND_BROADCAST:
		if (op->obj < 0 || op->obj >= g->ncond)
			BAD(g, "%s: cond id %d", n, op->obj);
		break;
	case GOP_SEM_WAIT:
	case GOP_SEM_POST:
		if (op->obj < 0 || op->obj >= g->nsem)
			BAD(g, "%s: semaphore id %d", n, op->obj);
		break;
	case GOP_SMP_CALL:
		if (op->n < 0 || op->n >= g->nr_vcpus)
			BAD(g, "%s: smp_call to %d vCPUs", n, op->n);
		break;
	case GOP_SLEEP:
		if (!op->ns || op->ns > FK_MAX_COMPUTE)
			BAD(g, "%s: sleep of %llu ns", n, (unsigned long long)op->ns);
		break;
	case GOP_WORK:
		if (op->n < 0)
			BAD(g, "%s: negative work", n);
		break;
	case GOP_EXIT:
		if (f->nmutex)
			BAD(g, "%s: exits holding mutex %d", n, f->mutex[0]);
		break;
	case GOP_TLB_SHOOTDOWN:
		break;
	}
}

static void fk_next(struct guest *g, struct fk_thread *f)
{
	memset(&f->t.op, 0, sizeof(f->t.op));
	g->wl->next_op(g, &f->t, &f->t.op);
	f->ops++;
	fk_check(g, f, &f->t.op);
	if ((int)f->t.op.kind >= 0 && f->t.op.kind <= GOP_EXIT)
		g->kind[f->t.op.kind]++;
	f->phase = 0;
	f->granted = false;
	f->st = FK_READY;
}

/* Blocked threads of a kind on @obj may retry (they compete again, in random order). */
static void fk_release(struct guest *g, enum fk_state st, int obj)
{
	for (int i = 0; i < g->nth; i++) {
		struct fk_thread *w = g->th[i];

		if (w->st != st)
			continue;
		if ((st == FK_SPIN && w->t.op.obj == obj) ||
		    (st == FK_MUTEX &&
		     (w->t.op.kind == GOP_COND_WAIT ? w->t.op.obj2 : w->t.op.obj) == obj))
			w->st = FK_READY;
	}
}

/* The waiter that blocked first (FIFO), or NULL. */
static struct fk_thread *fk_first(struct guest *g, enum fk_state st, int obj)
{
	struct fk_thread *best = NULL;

	for (int i = 0; i < g->nth; i++) {
		struct fk_thread *w = g->th[i];

		if (w->st == st && w->t.op.obj == obj && (!best || w->since < best->since))
			best = w;
	}
	return best;
}

static bool fk_take_mutex(struct guest *g, struct fk_thread *f, int m)
{
	if (g->mutex_owner[m] >= 0) {
		f->st = FK_MUTEX;
		return false;
	}
	g->mutex_owner[m] = f->t.id;
	f->mutex[f->nmutex++] = m;
	return true;
}

/* Run @f's current operation; issue its next one when it completes. */
static void fk_exec(struct guest *g, struct fk_thread *f)
{
	struct guest_op *op = &f->t.op;
	struct fk_thread *w;

	switch (op->kind) {
	case GOP_SPIN_LOCK:
		if (g->spin_owner[op->obj] >= 0) {
			f->st = FK_SPIN;
			return;
		}
		g->spin_owner[op->obj] = f->t.id;
		f->spin[f->nspin++] = op->obj;
		f->spin_since_work++;
		break;
	case GOP_SPIN_UNLOCK:
		g->spin_owner[op->obj] = -1;
		drop(f->spin, &f->nspin, op->obj);
		fk_release(g, FK_SPIN, op->obj);
		break;
	case GOP_MUTEX_LOCK:
		if (!fk_take_mutex(g, f, op->obj))
			return;
		break;
	case GOP_MUTEX_UNLOCK:
		g->mutex_owner[op->obj] = -1;
		drop(f->mutex, &f->nmutex, op->obj);
		fk_release(g, FK_MUTEX, op->obj);
		break;
	case GOP_COND_WAIT:
		if (f->phase == 0) {
			/* atomically release the mutex and wait */
			g->mutex_owner[op->obj2] = -1;
			drop(f->mutex, &f->nmutex, op->obj2);
			fk_release(g, FK_MUTEX, op->obj2);
			f->phase = 1;
			f->st = FK_COND;
			f->since = g->seq++;
			return;
		}
		/* signalled (phase 2): re-acquire */
		if (!fk_take_mutex(g, f, op->obj2))
			return;
		break;
	case GOP_COND_SIGNAL:
	case GOP_COND_BROADCAST:
		while ((w = fk_first(g, FK_COND, op->obj))) {
			w->phase = 2;
			w->st = FK_READY;
			if (op->kind == GOP_COND_SIGNAL)
				break;
		}
		break;
	case GOP_SEM_WAIT:
		if (!f->granted) {
			if (!g->sem[op->obj]) {
				f->st = FK_SEM;
				f->since = g->seq++;
				return;
			}
			g->sem[op->obj]--;
		}
		break;
	case GOP_SEM_POST:
		w = fk_first(g, FK_SEM, op->obj);
		if (w) {
			w->granted = true;
			w->st = FK_READY;
		} else {
			g->sem[op->obj]++;
		}
		break;
	case GOP_WORK:
		g->work += (u64)op->n;
		f->work += (u64)op->n;
		f->min_spin_per_work = min(f->min_spin_per_work, f->spin_since_work);
		f->max_spin_per_work = max(f->max_spin_per_work, f->spin_since_work);
		f->spin_since_work = 0;
		break;
	case GOP_TLB_SHOOTDOWN:
		g->tlb++;
		if (f->t.mm >= 0 && f->t.mm < 4096 && !g->tlb_mm_seen[f->t.mm]) {
			g->tlb_mm_seen[f->t.mm] = true;
			g->distinct_tlb_mm++;
		}
		break;
	case GOP_EXIT:
		f->st = FK_EXITED;
		return;
	default:
		break;
	}
	fk_next(g, f);
}

struct fk_run {
	u64 steps;
	bool deadlock, finished; /* finished: every thread exited */
};

/*
 * Build @wl with the "key=value" strings in @kv on @vcpus vCPUs and run up to
 * @max_steps operations in an order drawn from @seed. The guest stays for inspection.
 */
static struct guest *fk_start(const struct guest_workload *wl, const char *const *kv, int vcpus,
			      u64 seed)
{
	struct guest *g = calloc(1, sizeof(*g));
	struct scn_vm v = {.name = "g", .vcpus = vcpus};
	struct scn_kv pairs[32];
	char err[SCN_ERR_MAX] = "";

	assert_non_null(g);
	snprintf(v.workload, sizeof(v.workload), "%s", wl->name);
	for (int i = 0; kv && kv[i]; i++) {
		const char *eq = strchr(kv[i], '=');

		assert_non_null(eq);
		snprintf(pairs[i].key, sizeof(pairs[i].key), "%.*s", (int)(eq - kv[i]), kv[i]);
		snprintf(pairs[i].val, sizeof(pairs[i].val), "%s", eq + 1);
		pairs[i].line = i + 1;
		v.nr_wl = i + 1;
	}
	v.wl = pairs;
	g->wl = wl;
	g->nr_vcpus = vcpus;
	rng_init(&g->rng, seed, 0x5eed);
	if (wl->init(g, &v, "test.ini", err))
		fail_msg("%s: init: %s", wl->name, err);
	for (int i = 0; i < g->nth; i++)
		rng_init(&g->th[i]->t.rng, seed, hash_name(g->th[i]->t.name));
	for (int i = 0; i < g->nth; i++)
		fk_next(g, g->th[i]);
	return g;
}

static struct fk_run fk_steps(struct guest *g, u64 seed, u64 max_steps)
{
	struct fk_run r = {0};
	struct rng pick;
	int ready[FK_MAX_THREADS];

	rng_init(&pick, seed, 0x0dde);
	for (r.steps = 0; r.steps < max_steps && !g->bad[0]; r.steps++) {
		int n = 0, alive = 0;

		for (int i = 0; i < g->nth; i++) {
			if (g->th[i]->st != FK_EXITED)
				alive++;
			if (g->th[i]->st == FK_READY)
				ready[n++] = i;
		}
		if (!alive) {
			r.finished = true;
			break;
		}
		if (!n) {
			r.deadlock = true;
			break;
		}
		fk_exec(g, g->th[ready[rng_below(&pick, (u64)n)]]);
	}
	return r;
}

static void fk_free(struct guest *g)
{
	if (g->wl->destroy)
		g->wl->destroy(g);
	for (int i = 0; i < g->nth; i++)
		free(g->th[i]);
	free(g->spin_owner);
	free(g->mutex_owner);
	free(g->sem);
	free(g);
}

/* Run to the end (or @max_steps); fail on a violation or a deadlock. */
static struct guest *fk_run(const struct guest_workload *wl, const char *const *kv, int vcpus,
			    u64 seed, u64 max_steps, bool must_finish)
{
	struct guest *g = fk_start(wl, kv, vcpus, seed);
	struct fk_run r = fk_steps(g, seed, max_steps);

	if (g->bad[0])
		fail_msg("%s seed %llu step %llu: %s", wl->name, (unsigned long long)seed,
			 (unsigned long long)r.steps, g->bad);
	if (r.deadlock)
		fail_msg("%s seed %llu: deadlock after %llu steps", wl->name,
			 (unsigned long long)seed, (unsigned long long)r.steps);
	if (must_finish && !r.finished)
		fail_msg("%s seed %llu: not finished after %llu steps", wl->name,
			 (unsigned long long)seed, (unsigned long long)r.steps);
	return g;
}

/* ---- tests -------------------------------------------------------------------- */

static const struct guest_workload *const all[] = {
    &fk_wl_dbench, &fk_wl_dedup, &fk_wl_vips, &fk_wl_blackscholes, &fk_wl_ferret, &fk_wl_kbuild,
};

/*
 * Property: every workload with its defaults (dedup with fewer hash locks, to keep the
 * interpreter fast: the lock count only changes which bucket is taken) runs 20000
 * operations under 30 schedules each without a violation or a deadlock, and does work.
 */
static void test_defaults_well_formed(void **state)
{
	static const char *const small_dedup[] = {"hash_locks=64", NULL};

	(void)state;
	for (size_t w = 0; w < ARRAY_SIZE(all); w++)
		for (u64 seed = 1; seed <= 30; seed++) {
			struct guest *g =
			    fk_run(all[w], all[w] == &fk_wl_dedup ? small_dedup : NULL, 16, seed,
				   20000, false);

			if (!g->work)
				fail_msg("%s seed %llu: no work in 20000 steps", all[w]->name,
					 (unsigned long long)seed);
			fk_free(g);
		}
}

/*
 * dedup: 3n + 2 threads (Fragment, n x 3 middle stages, Reorder) and ceil(n / 4) queues
 * per stage boundary — 4 boundaries of 1 mutex + 2 condition variables each, so
 * conds = 8 * ceil(n / 4) and mutexes = 4 * ceil(n / 4) + hash_locks.
 */
static void test_dedup_threads_and_queues(void **state)
{
	static const int ns[] = {1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33};
	char tbuf[32];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
		const char *kv[] = {tbuf, "hash_locks=10", NULL};
		struct guest *g;
		int nq = (ns[i] + 3) / 4;

		snprintf(tbuf, sizeof(tbuf), "threads=%d", ns[i]);
		g = fk_start(&fk_wl_dedup, kv, 16, 1);
		assert_int_equal(g->nth, 3 * ns[i] + 2);
		assert_int_equal(g->ncond, 8 * nq);
		assert_int_equal(g->nmutex, 4 * nq + 10);
		assert_int_equal(((struct dedup *)g->wl_data)->nq, nq);
		fk_free(g);
	}
}

/*
 * dedup with a finite input: every one of coarse_chunks * fine fine chunks is written
 * once by Reorder (work), the run ends, every queue is empty, and with shootdowns = K
 * (an integer) each coarse buffer free does exactly K TLB shootdowns: coarse * K.
 */
static void test_dedup_finite(void **state)
{
	static const char *const cfgs[][7] = {
	    {"threads=1", "coarse_chunks=3", "fine=7", "batch=2", "dup=0.5", "shootdowns=1", NULL},
	    {"threads=4", "coarse_chunks=5", "fine=45", "dup=0.3", "shootdowns=2", NULL},
	    {"threads=6", "coarse_chunks=9", "fine=20", "dup=0", "shootdowns=1", NULL},
	    {"threads=9", "coarse_chunks=4", "fine=33", "dup=1", "shootdowns=3", NULL},
	    {"threads=5", "coarse_chunks=6", "fine=10", "queue_size=7", "batch=3", "shootdowns=1",
	     NULL},
	};
	static const u64 coarse[] = {3, 5, 9, 4, 6}, fine[] = {7, 45, 20, 33, 10},
			 shoot[] = {1, 2, 1, 3, 1};

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(cfgs); c++)
		for (u64 seed = 1; seed <= 20; seed++) {
			const char *kv[10];
			int n = 0;
			struct guest *g;
			struct dedup *d;

			while (cfgs[c][n]) {
				kv[n] = cfgs[c][n];
				n++;
			}
			kv[n++] = "hash_locks=16";
			kv[n] = NULL;
			g = fk_run(&fk_wl_dedup, kv, 16, seed, 5000000, true);
			d = g->wl_data;
			assert_int_equal(g->work, coarse[c] * fine[c]);
			assert_int_equal(d->coarse, coarse[c]);
			assert_int_equal(g->tlb, coarse[c] * shoot[c]);
			for (int q = 0; q < 4 * d->nq; q++) {
				assert_int_equal(d->q[q].count, 0);
				assert_int_equal(d->q[q].producers, 0);
				assert_int_equal(d->q[q].enqueued, d->q[q].dequeued);
			}
			fk_free(g);
		}
}

/*
 * blackscholes: a round prices every option runs times (the slices partition the
 * options, remainder included), so rounds * runs * options in all — also with more
 * threads than options (empty slices still meet the barrier).
 */
static void test_blackscholes_work(void **state)
{
	static const u64 cfg[][4] = {
	    /* threads, options, runs, rounds */
	    {16, 65536, 1, 1}, {16, 1000, 3, 2}, {7, 100, 2, 3}, {5, 3, 1, 2}, {1, 17, 4, 1},
	};

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(cfg); c++)
		for (u64 seed = 1; seed <= 10; seed++) {
			char b[4][32];
			const char *kv[] = {b[0], b[1], b[2], b[3], NULL};
			struct guest *g;

			snprintf(b[0], 32, "threads=%llu", (unsigned long long)cfg[c][0]);
			snprintf(b[1], 32, "options=%llu", (unsigned long long)cfg[c][1]);
			snprintf(b[2], 32, "runs=%llu", (unsigned long long)cfg[c][2]);
			snprintf(b[3], 32, "rounds=%llu", (unsigned long long)cfg[c][3]);
			g = fk_run(&fk_wl_blackscholes, kv, 16, seed, 1000000, true);
			assert_int_equal(g->work, cfg[c][1] * cfg[c][2] * cfg[c][3]);
			fk_free(g);
		}
}

/* vips: images * tiles tiles, each posting one tick that the main thread consumes. */
static void test_vips_tiles(void **state)
{
	static const char *const cfgs[][4] = {
	    {"threads=16", "tiles=903", "images=2", NULL},
	    {"threads=3", "tiles=10", "images=4", NULL},
	    {"threads=8", "tiles=5", "images=3", NULL}, /* more workers than tiles */
	};
	static const u64 want[] = {1806, 40, 15};

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(cfgs); c++)
		for (u64 seed = 1; seed <= 10; seed++) {
			struct guest *g = fk_run(&fk_wl_vips, cfgs[c], 16, seed, 1000000, true);
			struct vips *d = g->wl_data;

			assert_int_equal(g->work, want[c]);
			assert_int_equal(d->tiles_done, want[c]);
			/* every tick was consumed: the tick semaphore is back at zero */
			assert_int_equal(g->sem[d->tick], 0);
			fk_free(g);
		}
}

/* ferret: every query reaches the out stage once, also through one-slot queues. */
static void test_ferret_queries(void **state)
{
	static const char *const cfgs[][4] = {
	    {"threads=16", "queries=256", NULL},
	    {"threads=3", "queries=50", "depth=1", NULL},
	};
	static const u64 want[] = {256, 50};

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(cfgs); c++)
		for (u64 seed = 1; seed <= 10; seed++) {
			struct guest *g = fk_run(&fk_wl_ferret, cfgs[c], 16, seed, 1000000, true);

			assert_int_equal(g->work, want[c]);
			assert_int_equal(g->nth, 4 * atoi(cfgs[c][0] + 8) + 2);
			fk_free(g);
		}
}

/*
 * kbuild: total jobs done; each job does munmaps + 1 (exit) TLB shootdowns, all in its
 * own fresh mm: the shootdowns name exactly total distinct mm ids.
 */
static void test_kbuild_jobs(void **state)
{
	static const char *const kv[] = {"jobs=4", "total=30", "munmaps=2", "segments=5", NULL};

	(void)state;
	for (u64 seed = 1; seed <= 10; seed++) {
		struct guest *g = fk_run(&fk_wl_kbuild, kv, 16, seed, 1000000, true);
		struct kbuild *d = g->wl_data;

		assert_int_equal(g->work, 30);
		assert_int_equal(g->tlb, 30 * 3);
		assert_int_equal(d->next_mm, 2 + 30);
		assert_int_equal(g->distinct_tlb_mm, 30);
		fk_free(g);
	}
}

/*
 * dbench: clients * ops operations; with sync = 0 each operation takes one to three
 * spinlocks (the WORK that ends it sees 1..3 SPIN_LOCKs since the previous one); with
 * sync = 1 every operation waits for a commit and the journal thread exits at the end.
 */
static void test_dbench_ops(void **state)
{
	static const char *const nosync[] = {"clients=16", "ops=200", "sync=0", NULL};
	static const char *const allsync[] = {"clients=5", "ops=40", "sync=1", "locks=2", NULL};

	(void)state;
	for (u64 seed = 1; seed <= 10; seed++) {
		struct guest *g = fk_run(&fk_wl_dbench, nosync, 16, seed, 1000000, true);
		struct dbench *d;

		assert_int_equal(g->work, 16 * 200);
		for (int i = 0; i < 16; i++) {
			assert_in_range(g->th[i]->min_spin_per_work, 1, 3);
			assert_in_range(g->th[i]->max_spin_per_work, 1, 3);
		}
		assert_int_equal(((struct dbench *)g->wl_data)->commits, 0);
		fk_free(g);

		g = fk_run(&fk_wl_dbench, allsync, 16, seed, 1000000, true);
		d = g->wl_data;
		assert_int_equal(g->work, 5 * 40);
		/* group commit: at least one commit per round of waits, at most one per op */
		assert_in_range(d->commits, 40, 5 * 40);
		assert_int_equal(g->kind[GOP_SLEEP], d->commits);
		fk_free(g);
	}
}

/* Unknown keys and out-of-range values are refused (the table wiring of each key). */
static void test_bad_keys(void **state)
{
	char err[SCN_ERR_MAX];

	(void)state;
	for (size_t w = 0; w < ARRAY_SIZE(all); w++) {
		struct scn_kv kv = {.key = "no_such_key", .val = "1", .line = 3};
		struct scn_vm v = {.name = "g", .vcpus = 16, .wl = &kv, .nr_wl = 1};
		struct guest *g = calloc(1, sizeof(*g));

		g->nr_vcpus = 16;
		g->wl = all[w];
		assert_int_equal(all[w]->init(g, &v, "t.ini", err), -EINVAL);
		assert_non_null(strstr(err, "workload.no_such_key"));
		fk_free(g);
	}
}

/*
 * docs/model/workloads.md documents every key: each "| `workload.KEY` |" row of a
 * workload's table names a key that its init() accepts, and each accepted key (the
 * parameter tables above) has a row.
 */
static void test_doc_lists_every_key(void **state)
{
	static const struct {
		const struct guest_workload *wl;
		const struct wl_param *p;
		size_t n;
	} tab[] = {
	    {&fk_wl_dbench, dbench_params, ARRAY_SIZE(dbench_params)},
	    {&fk_wl_dedup, dedup_params, ARRAY_SIZE(dedup_params)},
	    {&fk_wl_vips, vips_params, ARRAY_SIZE(vips_params)},
	    {&fk_wl_blackscholes, bs_params, ARRAY_SIZE(bs_params)},
	    {&fk_wl_ferret, ferret_params, ARRAY_SIZE(ferret_params)},
	    {&fk_wl_kbuild, kbuild_params, ARRAY_SIZE(kbuild_params)},
	};
	FILE *f = fopen("docs/model/workloads.md", "r");
	char line[1024], section[64] = "";
	int rows[ARRAY_SIZE(tab)][32] = {{0}};

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char key[64];

		/* "## dbench" starts a workload's section */
		if (!strncmp(line, "## ", 3)) {
			sscanf(line + 3, "%63s", section);
			continue;
		}
		if (sscanf(line, "| `workload.%63[a-z0-9_]` |", key) != 1)
			continue;
		for (size_t w = 0; w < ARRAY_SIZE(tab); w++) {
			size_t k;

			if (strcmp(section, tab[w].wl->name))
				continue;
			for (k = 0; k < tab[w].n; k++)
				if (!strcmp(tab[w].p[k].key, key))
					break;
			if (k == tab[w].n)
				fail_msg("docs: %s: workload.%s is not a key", section, key);
			rows[w][k]++;
		}
	}
	fclose(f);
	for (size_t w = 0; w < ARRAY_SIZE(tab); w++)
		for (size_t k = 0; k < tab[w].n; k++)
			if (rows[w][k] != 1)
				fail_msg("docs: %s: workload.%s has %d rows", tab[w].wl->name,
					 tab[w].p[k].key, rows[w][k]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults_well_formed),
	    cmocka_unit_test(test_dedup_threads_and_queues),
	    cmocka_unit_test(test_dedup_finite),
	    cmocka_unit_test(test_blackscholes_work),
	    cmocka_unit_test(test_vips_tiles),
	    cmocka_unit_test(test_ferret_queries),
	    cmocka_unit_test(test_kbuild_jobs),
	    cmocka_unit_test(test_dbench_ops),
	    cmocka_unit_test(test_bad_keys),
	    cmocka_unit_test(test_doc_lists_every_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
