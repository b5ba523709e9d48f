// SPDX-License-Identifier: GPL-2.0
/*
 * dedup-like (workloads.md W.2 and "Modeling guidance"): PARSEC 3.0 dedup's Encode()
 * pipeline with n = workload.threads: Fragment (1) -> FragmentRefine (n) -> Deduplicate
 * (n) -> Compress (n) -> Reorder (1), 3n + 2 threads of one process (one mm). Between
 * the stages, nqueues = ceil(n / MAX_THREADS_PER_QUEUE) bounded queues per stage
 * boundary (mutex + condition variables, wl_common.c); a stage thread tid uses queue
 * tid / 4 for input and output; Fragment inserts round robin over the refine queues
 * and Reorder fetches round robin over the reorder queues.
 *
 * Items: Fragment reads the input (read(): kernel copy), faults in a fresh coarse-chunk
 * buffer (ANCHOR_JUMP = 2 MB: 512 pages of minor faults), finds the coarse anchor (user)
 * and inserts the coarse chunk (ANCHOR_DATA_PER_INSERT = 1). FragmentRefine cuts it into
 * workload.fine fine chunks (Rabin fingerprint, user) and inserts them 20 at a time
 * (CHUNK_ANCHOR_PER_INSERT). Deduplicate fetches 20, hashes each (SHA-1, user), looks it
 * up in the global hash table under the bucket's mutex (65536 buckets), and sends a
 * duplicate to Reorder, a new chunk to Compress (ITEM_PER_INSERT = 20). Compress
 * compresses (gzip, user). Reorder writes each chunk (write(): kernel) — the score is
 * chunks written. When the last fine piece of a coarse chunk is freed (Deduplicate for a
 * duplicate, Compress after compressing), the 2 MB buffer goes back to glibc, which
 * returns it to the kernel (munmap / MADV_DONTNEED on heap trim): workload.shootdowns
 * TLB shootdowns on average, IPIs to the vCPUs running the process, waited for.
 *
 * Parameters and their sources: docs/model/workloads.md.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "guest/workloads/wl_common.h"

#define MAX_THREADS_PER_QUEUE  4   /* dedup config.h */
#define ANCHOR_DATA_PER_INSERT 1   /* Fragment -> FragmentRefine */
#define COARSE_PAGES	       512 /* ANCHOR_JUMP (2 MB) / 4 KB pages */

struct dedup_cfg {
	u64 threads, queue_size, batch, coarse_chunks, fine, hash_locks;
	u64 read, fault, fragment, refine, sha1, lookup, compress, write;
	double dup, shootdowns;
};

/* clang-format off */
static const struct wl_param dedup_params[] = {
	WL_U64(struct dedup_cfg, threads, 1, MAX_THREADS_PER_QUEUE * WL_STAGE_MAX_IN),
	WL_U64(struct dedup_cfg, queue_size, 1, UINT64_MAX),
	WL_U64(struct dedup_cfg, batch, 1, 1 << 20),
	WL_U64(struct dedup_cfg, coarse_chunks, 0, UINT64_MAX),
	WL_U64(struct dedup_cfg, fine, 1, 1 << 20),
	WL_U64(struct dedup_cfg, hash_locks, 1, 1 << 20),
	WL_DUR(struct dedup_cfg, read, 0),
	WL_DUR(struct dedup_cfg, fault, 0),
	WL_DUR(struct dedup_cfg, fragment, 0),
	WL_DUR(struct dedup_cfg, refine, 0),
	WL_DUR(struct dedup_cfg, sha1, 0),
	WL_DUR(struct dedup_cfg, lookup, 0),
	WL_DUR(struct dedup_cfg, compress, 0),
	WL_DUR(struct dedup_cfg, write, 0),
	WL_DBL(struct dedup_cfg, dup, 0.0, 1.0),
	WL_DBL(struct dedup_cfg, shootdowns, 0.0, 64.0),
};
/* clang-format on */

enum dedup_role { R_FRAGMENT, R_REFINE, R_DEDUP, R_COMPRESS, R_REORDER };

struct dedup_thread {
	struct wl_stage st;
	enum dedup_role role;
	u64 left; /* FragmentRefine: fine chunks of this coarse chunk still to cut */
	u64 k;	  /* fine chunks in the compute just done */
	int bucket;
	bool dup;
	int shoot_left; /* TLB shootdowns still to do for this free */
};

struct dedup {
	struct dedup_cfg cfg;
	int nq;
	struct wlq *q; /* refine, dedup, compress, reorder: nq each */
	struct wlq **refine_q, **dedup_q, **compress_q, **reorder_q;
	int *bucket; /* hash table bucket mutexes */
	struct dedup_thread *th;
	int nthreads;
	u64 freed;			 /* fine chunks whose buffer piece was freed */
	u64 shootdowns, coarse, written; /* totals (tests) */
};

static void dedup_destroy(struct guest *g)
{
	struct dedup *d = guest_wl_data(g);

	if (!d)
		return;
	free(d->q);
	free(d->refine_q);
	free(d->bucket);
	free(d->th);
	free(d);
	guest_set_wl_data(g, NULL);
}

/* Threads of a stage that use queue @k (tid / 4 == k). */
static int users_of_queue(int n, int k)
{
	return min(MAX_THREADS_PER_QUEUE, n - k * MAX_THREADS_PER_QUEUE);
}

static int dedup_init(struct guest *g, const struct scn_vm *v, const char *path, char *err)
{
	static const char *const role_name[] = {"fragment", "refine", "dedup", "compress",
						"reorder"};
	struct dedup *d = calloc(1, sizeof(*d));
	int n, nq, ti = 0;

	if (!d)
		goto nomem;
	guest_set_wl_data(g, d);
	d->cfg = (struct dedup_cfg){
	    .threads = 16,
	    .queue_size = 1024 * 1024,
	    .batch = 20,
	    .coarse_chunks = 0,
	    .fine = 512,
	    .hash_locks = 65536,
	    .read = 200 * NSEC_PER_USEC,
	    .fault = 500,
	    .fragment = 400 * NSEC_PER_USEC,
	    .refine = 4 * NSEC_PER_USEC,
	    .sha1 = 8 * NSEC_PER_USEC,
	    .lookup = 200,
	    .compress = 80 * NSEC_PER_USEC,
	    .write = 2 * NSEC_PER_USEC,
	    .dup = 0.3,
	    .shootdowns = 1.0,
	};
	if (wl_parse_params(v, path, dedup_params, (int)ARRAY_SIZE(dedup_params), &d->cfg, err))
		return -EINVAL;
	n = (int)d->cfg.threads;
	nq = d->nq = (n + MAX_THREADS_PER_QUEUE - 1) / MAX_THREADS_PER_QUEUE;
	d->nthreads = 3 * n + 2;
	d->q = calloc((size_t)nq * 4, sizeof(*d->q));
	d->refine_q = calloc((size_t)nq * 4, sizeof(*d->refine_q));
	d->bucket = calloc(d->cfg.hash_locks, sizeof(*d->bucket));
	d->th = calloc((size_t)d->nthreads, sizeof(*d->th));
	if (!d->q || !d->refine_q || !d->bucket || !d->th)
		goto nomem;
	d->dedup_q = d->refine_q + nq;
	d->compress_q = d->dedup_q + nq;
	d->reorder_q = d->compress_q + nq;
	for (int k = 0; k < nq; k++) {
		int users = users_of_queue(n, k);

		d->refine_q[k] = &d->q[k];
		d->dedup_q[k] = &d->q[nq + k];
		d->compress_q[k] = &d->q[2 * nq + k];
		d->reorder_q[k] = &d->q[3 * nq + k];
		/* producers: Fragment; the refine threads of the group; the dedup threads;
		 * the dedup and the compress threads */
		if (wlq_init(g, d->refine_q[k], d->cfg.queue_size, 1) ||
		    wlq_init(g, d->dedup_q[k], d->cfg.queue_size, users) ||
		    wlq_init(g, d->compress_q[k], d->cfg.queue_size, users) ||
		    wlq_init(g, d->reorder_q[k], d->cfg.queue_size, 2 * users))
			goto nomem;
	}
	for (u64 i = 0; i < d->cfg.hash_locks; i++)
		if ((d->bucket[i] = guest_mutex_create(g, false)) < 0)
			goto nomem;

	/* Encode(): Fragment, n FragmentRefine, n Deduplicate, n Compress, Reorder */
	for (int r = R_FRAGMENT; r <= R_REORDER; r++) {
		int count = r == R_FRAGMENT || r == R_REORDER ? 1 : n;

		for (int tid = 0; tid < count; tid++, ti++) {
			struct dedup_thread *dt = &d->th[ti];
			struct wl_stage *s = &dt->st;
			int qid = tid / MAX_THREADS_PER_QUEUE;
			struct guest_thread *t;
			char name[32];

			dt->role = (enum dedup_role)r;
			switch (r) {
			case R_FRAGMENT:
				wl_stage_init(s, 0, ANCHOR_DATA_PER_INSERT);
				if (d->cfg.coarse_chunks)
					s->source_left = d->cfg.coarse_chunks;
				wl_stage_add_out(s, d->refine_q, nq);
				break;
			case R_REFINE:
				wl_stage_init(s, d->cfg.batch, d->cfg.batch);
				wl_stage_set_in(s, &d->refine_q[qid], 1);
				wl_stage_add_out(s, &d->dedup_q[qid], 1);
				break;
			case R_DEDUP:
				wl_stage_init(s, d->cfg.batch, d->cfg.batch);
				wl_stage_set_in(s, &d->dedup_q[qid], 1);
				wl_stage_add_out(s, &d->compress_q[qid], 1);
				wl_stage_add_out(s, &d->reorder_q[qid], 1);
				break;
			case R_COMPRESS:
				wl_stage_init(s, d->cfg.batch, d->cfg.batch);
				wl_stage_set_in(s, &d->compress_q[qid], 1);
				wl_stage_add_out(s, &d->reorder_q[qid], 1);
				break;
			case R_REORDER:
				wl_stage_init(s, d->cfg.batch, d->cfg.batch);
				wl_stage_set_in(s, d->reorder_q, nq);
				break;
			}
			snprintf(name, sizeof(name), "%s%d", role_name[r], tid);
			t = guest_thread_create(g, name, -1, 1);
			if (!t)
				goto nomem;
			t->wl = dt;
		}
	}
	return 0;
nomem:
	snprintf(err, SCN_ERR_MAX, "%s: out of memory", path);
	return -ENOMEM;
}

/* A fine chunk's piece of its coarse buffer is freed: the last one frees the buffer. */
static void free_piece(struct dedup *d, struct guest_thread *t, struct dedup_thread *dt)
{
	double whole, frac = modf(d->cfg.shootdowns, &whole);

	if (++d->freed % d->cfg.fine)
		return;
	dt->shoot_left = (int)whole + (rng_double(&t->rng) < frac);
}

/* The pending TLB shootdowns of a free, one operation each. */
static bool shootdown(struct dedup *d, struct dedup_thread *dt, struct guest_op *op)
{
	if (!dt->shoot_left)
		return false;
	dt->shoot_left--;
	d->shootdowns++;
	wl_op(op, GOP_TLB_SHOOTDOWN, 0);
	return true;
}

static int fragment_item(struct dedup *d, struct guest_thread *t, struct dedup_thread *dt,
			 struct guest_op *op)
{
	struct wl_stage *s = &dt->st;

	switch (s->item_pc) {
	case 1:
		/* read() from the page cache and the first touch of the new buffer */
		wl_compute(op, d->cfg.read + COARSE_PAGES * d->cfg.fault, true);
		s->item_pc = 2;
		return WL_ITEM_OP;
	case 2:
		wl_compute(op, d->cfg.fragment, false);
		s->item_pc = 3;
		return WL_ITEM_OP;
	default:
		d->coarse++;
		s->out[0].pending++;
		return WL_ITEM_DONE;
	}
}

static int refine_item(struct dedup *d, struct guest_thread *t, struct dedup_thread *dt,
		       struct guest_op *op)
{
	struct wl_stage *s = &dt->st;

	switch (s->item_pc) {
	case 1:
		dt->left = d->cfg.fine;
		s->item_pc = 2;
		/* fall through */
	case 2:
		if (!dt->left)
			return WL_ITEM_DONE;
		/* cut up to one insert batch of fine chunks, then hand them on */
		dt->k = min(dt->left, s->insert - s->out[0].pending % s->insert);
		wl_compute(op, dt->k * d->cfg.refine, false);
		s->item_pc = 3;
		return WL_ITEM_OP;
	default:
		dt->left -= dt->k;
		s->out[0].pending += dt->k;
		s->item_pc = 2;
		return WL_ITEM_AGAIN;
	}
}

static int dedup_item(struct dedup *d, struct guest_thread *t, struct dedup_thread *dt,
		      struct guest_op *op)
{
	struct wl_stage *s = &dt->st;

	switch (s->item_pc) {
	case 1:
		wl_compute(op, d->cfg.sha1, false);
		s->item_pc = 2;
		return WL_ITEM_OP;
	case 2:
		dt->bucket = d->bucket[rng_below(&t->rng, d->cfg.hash_locks)];
		wl_op(op, GOP_MUTEX_LOCK, dt->bucket);
		s->item_pc = 3;
		return WL_ITEM_OP;
	case 3:
		dt->dup = rng_double(&t->rng) < d->cfg.dup;
		wl_compute(op, d->cfg.lookup, false);
		s->item_pc = 4;
		return WL_ITEM_OP;
	case 4:
		wl_op(op, GOP_MUTEX_UNLOCK, dt->bucket);
		s->item_pc = 5;
		if (dt->dup)
			free_piece(d, t, dt);
		return WL_ITEM_OP;
	default:
		if (shootdown(d, dt, op))
			return WL_ITEM_OP;
		s->out[dt->dup ? 1 : 0].pending++;
		return WL_ITEM_DONE;
	}
}

static int compress_item(struct dedup *d, struct guest_thread *t, struct dedup_thread *dt,
			 struct guest_op *op)
{
	struct wl_stage *s = &dt->st;

	switch (s->item_pc) {
	case 1:
		wl_compute(op, d->cfg.compress, false);
		s->item_pc = 2;
		return WL_ITEM_OP;
	case 2:
		/* mbuffer_free(&chunk->uncompressed_data) */
		free_piece(d, t, dt);
		s->item_pc = 3;
		/* fall through */
	default:
		if (shootdown(d, dt, op))
			return WL_ITEM_OP;
		s->out[0].pending++;
		return WL_ITEM_DONE;
	}
}

static int reorder_item(struct dedup *d, struct guest_thread *t, struct dedup_thread *dt,
			struct guest_op *op)
{
	struct wl_stage *s = &dt->st;

	switch (s->item_pc) {
	case 1:
		wl_compute(op, d->cfg.write, true);
		s->item_pc = 2;
		return WL_ITEM_OP;
	case 2:
		wl_op(op, GOP_WORK, 0);
		op->n = 1;
		d->written++;
		s->item_pc = 3;
		return WL_ITEM_OP;
	default:
		return WL_ITEM_DONE;
	}
}

static int dedup_item_fn(struct guest *g, struct guest_thread *t, struct wl_stage *s,
			 struct guest_op *op)
{
	struct dedup *d = guest_wl_data(g);
	struct dedup_thread *dt = t->wl;

	switch (dt->role) {
	case R_FRAGMENT:
		return fragment_item(d, t, dt, op);
	case R_REFINE:
		return refine_item(d, t, dt, op);
	case R_DEDUP:
		return dedup_item(d, t, dt, op);
	case R_COMPRESS:
		return compress_item(d, t, dt, op);
	case R_REORDER:
	default:
		return reorder_item(d, t, dt, op);
	}
}

static void dedup_next_op(struct guest *g, struct guest_thread *t, struct guest_op *op)
{
	struct dedup_thread *dt = t->wl;

	wl_stage_next(g, t, &dt->st, dedup_item_fn, op);
}

const struct guest_workload guest_wl_dedup = {
    .name = "dedup",
    .summary = "dedup-like: PARSEC dedup's 3n+2-thread pipeline, mutex/condvar queues, "
	       "bucket locks, TLB shootdowns on buffer frees",
    .init = dedup_init,
    .next_op = dedup_next_op,
    .destroy = dedup_destroy,
};
