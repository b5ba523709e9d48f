// SPDX-License-Identifier: GPL-2.0
/*
 * Shared pieces of the application-like workloads (wl_common.h): the parameter table,
 * a pthread bounded queue and a barrier as op sequences, and the pipeline stage loop.
 *
 * The queue follows PARSEC 3.0 dedup's queue.c (queue_enqueue / queue_dequeue /
 * queue_terminate: one pthread mutex, condition variables for "not empty" and "not
 * full", broadcast after every insert and removal — from memory of the source, not
 * re-verified here; docs/model/workloads.md). pthread_cond_broadcast() in glibc makes
 * no futex call when nobody waits, so the broadcast operation is only emitted when a
 * thread is in cond_wait on it.
 */
#include <errno.h>
#include <string.h>

#include "guest/workloads/wl_common.h"

#define WL_MAX_PARAMS 32

int wl_parse_params(const struct scn_vm *v, const char *path, const struct wl_param *p, int n,
		    void *cfg, char *err)
{
	const char *known[WL_MAX_PARAMS + 1];
	int i;

	if (n > WL_MAX_PARAMS)
		n = WL_MAX_PARAMS;
	for (i = 0; i < n; i++)
		known[i] = p[i].key;
	known[n] = NULL;
	if (guest_wl_check_keys(v, path, known, err))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		void *field = (char *)cfg + p[i].off;
		int r = 0;

		switch (p[i].type) {
		case WLP_U64:
			r = guest_wl_u64(v, path, p[i].key, p[i].lo, p[i].hi, field, err);
			break;
		case WLP_DURATION:
			r = guest_wl_duration(v, path, p[i].key, p[i].lo, field, err);
			break;
		case WLP_DOUBLE:
			r = guest_wl_double(v, path, p[i].key, p[i].flo, p[i].fhi, field, err);
			break;
		}
		if (r)
			return -EINVAL;
	}
	return 0;
}

void wl_compute(struct guest_op *op, u64 ns, bool kernel)
{
	memset(op, 0, sizeof(*op));
	op->kind = GOP_COMPUTE;
	op->ns = ns;
	op->kernel = kernel;
}

void wl_op(struct guest_op *op, enum guest_op_kind kind, int obj)
{
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->obj = obj;
}

u64 wl_spread(struct rng *r, u64 mean, double spread)
{
	double f = 1.0 - spread + 2.0 * spread * rng_double(r);

	return (u64)((double)mean * f + 0.5);
}

static void cond_wait_op(struct guest_op *op, int cond, int mutex)
{
	wl_op(op, GOP_COND_WAIT, cond);
	op->obj2 = mutex;
}

/* ---- queue -------------------------------------------------------------------- */

enum { QP_LOCK, QP_HELD, QP_WOKEN, QP_UNLOCK, QP_UNLOCKED, QP_DONE };

int wlq_init(struct guest *g, struct wlq *q, u64 cap, int producers)
{
	memset(q, 0, sizeof(*q));
	q->mutex = guest_mutex_create(g, false);
	q->not_empty = guest_cond_create(g);
	q->not_full = guest_cond_create(g);
	q->cap = cap;
	q->producers = producers;
	return q->mutex < 0 || q->not_empty < 0 || q->not_full < 0 ? -ENOMEM : 0;
}

void wlq_enqueue_begin(struct wlq_call *c, u64 n)
{
	memset(c, 0, sizeof(*c));
	c->n = n;
}

/*
 * The edges of a mutex-guarded section: QP_LOCK takes the mutex, QP_UNLOCK releases it,
 * after that the operation is over (false).
 */
static bool section_edge(struct guest_op *op, int mutex, int *phase)
{
	switch (*phase) {
	case QP_LOCK:
		wl_op(op, GOP_MUTEX_LOCK, mutex);
		*phase = QP_HELD;
		return true;
	case QP_UNLOCK:
		wl_op(op, GOP_MUTEX_UNLOCK, mutex);
		*phase = QP_UNLOCKED;
		return true;
	default:
		*phase = QP_DONE;
		return false;
	}
}

/* Broadcast @cond if anyone waits, then unlock: true when the broadcast was emitted. */
static bool broadcast_then_unlock(struct guest_op *op, int cond, int waiters, int *phase)
{
	*phase = QP_UNLOCK;
	if (!waiters)
		return false;
	wl_op(op, GOP_COND_BROADCAST, cond);
	return true;
}

bool wlq_enqueue_step(struct wlq *q, struct wlq_call *c, struct guest_op *op)
{
	u64 put;

	if (c->phase == QP_WOKEN) {
		q->waiting_full--;
		c->phase = QP_HELD;
	}
	if (c->phase == QP_HELD) {
		if (q->count >= q->cap) {
			q->waiting_full++;
			cond_wait_op(op, q->not_full, q->mutex);
			c->phase = QP_WOKEN;
			return true;
		}
		put = min(c->n, q->cap - q->count);
		q->count += put;
		q->enqueued += put;
		c->n -= put;
		if (broadcast_then_unlock(op, q->not_empty, q->waiting_empty, &c->phase))
			return true;
	}
	if (c->phase == QP_UNLOCKED && c->n)
		c->phase = QP_LOCK; /* the queue was full: insert the rest */
	return section_edge(op, q->mutex, &c->phase);
}

void wlq_dequeue_begin(struct wlq_call *c, u64 limit)
{
	memset(c, 0, sizeof(*c));
	c->n = limit;
}

bool wlq_dequeue_step(struct wlq *q, struct wlq_call *c, struct guest_op *op)
{
	if (c->phase == QP_WOKEN) {
		q->waiting_empty--;
		c->phase = QP_HELD;
	}
	if (c->phase == QP_HELD) {
		if (!q->count && q->producers > 0) {
			q->waiting_empty++;
			cond_wait_op(op, q->not_empty, q->mutex);
			c->phase = QP_WOKEN;
			return true;
		}
		c->end = !q->count;
		c->got = min(c->n, q->count);
		q->count -= c->got;
		q->dequeued += c->got;
		if (broadcast_then_unlock(op, q->not_full, c->got ? q->waiting_full : 0, &c->phase))
			return true;
	}
	return section_edge(op, q->mutex, &c->phase);
}

void wlq_terminate_begin(struct wlq_call *c)
{
	memset(c, 0, sizeof(*c));
}

bool wlq_terminate_step(struct wlq *q, struct wlq_call *c, struct guest_op *op)
{
	if (c->phase == QP_HELD) {
		q->producers--;
		if (broadcast_then_unlock(op, q->not_empty, q->producers ? 0 : q->waiting_empty,
					  &c->phase))
			return true;
	}
	return section_edge(op, q->mutex, &c->phase);
}

/* ---- barrier ------------------------------------------------------------------ */

int wl_barrier_init(struct guest *g, struct wl_barrier *b, int n)
{
	memset(b, 0, sizeof(*b));
	b->mutex = guest_mutex_create(g, false);
	b->cond = guest_cond_create(g);
	b->n = n;
	return b->mutex < 0 || b->cond < 0 ? -ENOMEM : 0;
}

void wl_barrier_begin(struct wl_barrier_call *c)
{
	memset(c, 0, sizeof(*c));
}

bool wl_barrier_step(struct wl_barrier *b, struct wl_barrier_call *c, struct guest_op *op)
{
	if (c->phase == QP_HELD) {
		if (++b->arrived < b->n) {
			c->generation = b->generation;
			cond_wait_op(op, b->cond, b->mutex);
			c->phase = QP_WOKEN;
			return true;
		}
		/* the last one releases the others */
		b->arrived = 0;
		b->generation++;
		if (broadcast_then_unlock(op, b->cond, b->n - 1, &c->phase))
			return true;
	} else if (c->phase == QP_WOKEN) {
		if (b->generation == c->generation) {
			/* not this generation's release (spurious): wait again */
			cond_wait_op(op, b->cond, b->mutex);
			return true;
		}
		c->phase = QP_UNLOCK;
	}
	return section_edge(op, b->mutex, &c->phase);
}

/* ---- pipeline stage ------------------------------------------------------------ */

enum { CALL_NONE, CALL_DEQ, CALL_ENQ, CALL_TERM };

void wl_stage_init(struct wl_stage *s, u64 fetch, u64 insert)
{
	memset(s, 0, sizeof(*s));
	s->fetch = fetch;
	s->insert = insert;
	s->source = true;
	s->source_left = UINT64_MAX;
}

void wl_stage_set_in(struct wl_stage *s, struct wlq **q, int nq)
{
	s->in.q = q;
	s->in.nq = min(nq, WL_STAGE_MAX_IN);
	s->in_left = s->in.nq;
	s->source = false;
}

void wl_stage_add_out(struct wl_stage *s, struct wlq **q, int nq)
{
	if (s->nout < WL_STAGE_MAX_OUT) {
		s->out[s->nout].q = q;
		s->out[s->nout].nq = nq;
		s->nout++;
	}
}

static void start_enqueue(struct wl_stage *s, int k, u64 n)
{
	s->out[k].pending -= n;
	s->call = CALL_ENQ;
	s->call_out = k;
	s->call_q = s->out[k].cur;
	wlq_enqueue_begin(&s->c, n);
}

void wl_stage_next(struct guest *g, struct guest_thread *t, struct wl_stage *s, wl_item_fn fn,
		   struct guest_op *op)
{
	int k;

	for (;;) {
		switch (s->call) {
		case CALL_DEQ:
			if (wlq_dequeue_step(s->in.q[s->in.cur], &s->c, op))
				return;
			if (s->c.end) {
				s->in_done[s->in.cur] = true;
				if (!--s->in_left)
					s->ending = true;
			} else {
				s->recv += s->c.got;
			}
			s->in.cur = (s->in.cur + 1) % s->in.nq;
			s->call = CALL_NONE;
			continue;
		case CALL_ENQ: {
			struct wl_stage_io *o = &s->out[s->call_out];

			if (wlq_enqueue_step(o->q[s->call_q], &s->c, op))
				return;
			o->cur = (o->cur + 1) % o->nq;
			s->call = CALL_NONE;
			continue;
		}
		case CALL_TERM:
			if (wlq_terminate_step(s->out[s->term_out].q[s->term_q], &s->c, op))
				return;
			if (++s->term_q == s->out[s->term_out].nq) {
				s->term_q = 0;
				s->term_out++;
			}
			s->call = CALL_NONE;
			continue;
		}

		/* a full output batch goes first (dedup: ringbuffer_isFull(&send_buf)) */
		for (k = 0; k < s->nout; k++)
			if (s->out[k].pending >= s->insert)
				break;
		if (k < s->nout) {
			start_enqueue(s, k, s->insert);
			continue;
		}
		if (s->item_pc) {
			int r = fn(g, t, s, op);

			if (r == WL_ITEM_OP)
				return;
			if (r == WL_ITEM_DONE)
				s->item_pc = 0;
			continue;
		}
		if (s->recv) {
			s->recv--;
			s->item_pc = 1;
			continue;
		}
		if (s->source) {
			if (s->source_left) {
				if (s->source_left != UINT64_MAX)
					s->source_left--;
				s->item_pc = 1;
				continue;
			}
			s->ending = true;
		}
		if (!s->ending) {
			while (s->in_done[s->in.cur])
				s->in.cur = (s->in.cur + 1) % s->in.nq;
			s->call = CALL_DEQ;
			wlq_dequeue_begin(&s->c, s->fetch);
			continue;
		}
		/* the end of the input: flush the partial batches, terminate the outputs */
		for (k = 0; k < s->nout; k++)
			if (s->out[k].pending)
				break;
		if (k < s->nout) {
			start_enqueue(s, k, s->out[k].pending);
			continue;
		}
		if (s->term_out < s->nout) {
			s->call = CALL_TERM;
			wlq_terminate_begin(&s->c);
			continue;
		}
		wl_op(op, GOP_EXIT, 0);
		s->exited = true;
		return;
	}
}
