/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the application-like workloads (dbench, dedup, vips, blackscholes,
 * ferret, kbuild): a table of workload.KEY parameters, and user-space synchronization
 * built from the guest's primitives as op sequences — a pthread bounded queue (mutex +
 * two condition variables, as PARSEC dedup's queue.c and ferret's), a barrier (mutex +
 * condition variable), and a pipeline stage loop over such queues.
 *
 * Every helper is a sub-state machine: a *_step() function fills @op and returns true
 * while it has an operation for the thread; it returns false when it is finished, and
 * the caller then goes on with its own next operation in the same next_op() call.
 * State that the real program keeps in memory (queue occupancy, the barrier count) lives
 * here and changes only while the modelled thread holds the guarding mutex, i.e. in
 * the next_op() call that follows the MUTEX_LOCK.
 */
#ifndef KVMSIM_GUEST_WL_COMMON_H
#define KVMSIM_GUEST_WL_COMMON_H

#include <stddef.h>

#include "kvmsim/guest.h"

/* ---- parameters ---------------------------------------------------------------- */

enum wl_param_type {
	WLP_U64,      /* an integer in [lo, hi] */
	WLP_DURATION, /* ns, at least lo */
	WLP_DOUBLE,   /* in [flo, fhi] */
};

struct wl_param {
	const char *key; /* workload.KEY */
	enum wl_param_type type;
	size_t off; /* offset of the u64 / double in the config struct */
	u64 lo, hi;
	double flo, fhi;
};

#define WL_U64(st, field, lo_, hi_)                                                                \
	{                                                                                          \
#field, WLP_U64, offsetof(st, field), (lo_), (hi_), 0, 0                           \
	}
#define WL_DUR(st, field, lo_)                                                                     \
	{                                                                                          \
#field, WLP_DURATION, offsetof(st, field), (lo_), 0, 0, 0                          \
	}
#define WL_DBL(st, field, lo_, hi_)                                                                \
	{                                                                                          \
#field, WLP_DOUBLE, offsetof(st, field), 0, 0, (lo_), (hi_)                        \
	}

/*
 * Reject unknown workload.KEYs, then parse each parameter into @cfg (which holds the
 * defaults on entry). 0 or -EINVAL with the message in @err.
 */
int wl_parse_params(const struct scn_vm *v, const char *path, const struct wl_param *p, int n,
		    void *cfg, char *err);

/* Operation constructors. */
void wl_compute(struct guest_op *op, u64 ns, bool kernel);
void wl_op(struct guest_op *op, enum guest_op_kind kind, int obj);
/* A length drawn uniformly from [mean * (1 - spread), mean * (1 + spread)]. */
u64 wl_spread(struct rng *r, u64 mean, double spread);

/* ---- a pthread bounded queue (PARSEC dedup queue.c) ------------------------------ */

struct wlq {
	int mutex, not_empty, not_full;	 /* guest object ids */
	u64 count, cap;			 /* items in the queue, its capacity */
	int producers;			 /* producer threads that have not terminated */
	int waiting_empty, waiting_full; /* threads in cond_wait (glibc signals only then) */
	u64 enqueued, dequeued;		 /* totals (tests) */
};

/* One thread's queue operation in progress. */
struct wlq_call {
	int phase;
	u64 n;	  /* enqueue: items still to put; dequeue: the limit */
	u64 got;  /* dequeue: items taken (0 with @end) */
	bool end; /* dequeue: the queue is empty and every producer terminated */
};

int wlq_init(struct guest *g, struct wlq *q, u64 cap, int producers);
/*
 * queue_enqueue(q, n items): lock; wait while full; insert what fits; broadcast
 * not_empty; unlock; repeat until all n are in.
 */
void wlq_enqueue_begin(struct wlq_call *c, u64 n);
bool wlq_enqueue_step(struct wlq *q, struct wlq_call *c, struct guest_op *op);
/*
 * queue_dequeue(q, limit): lock; wait while empty and not terminated; take up to limit;
 * broadcast not_full; unlock. c->end when empty and terminated.
 */
void wlq_dequeue_begin(struct wlq_call *c, u64 limit);
bool wlq_dequeue_step(struct wlq *q, struct wlq_call *c, struct guest_op *op);
/* queue_terminate(q): lock; one producer fewer; broadcast not_empty at zero; unlock. */
void wlq_terminate_begin(struct wlq_call *c);
bool wlq_terminate_step(struct wlq *q, struct wlq_call *c, struct guest_op *op);

/* ---- a barrier: mutex + condition variable ------------------------------------- */

struct wl_barrier {
	int mutex, cond;
	int n, arrived;
	u64 generation;
};

struct wl_barrier_call {
	int phase;
	u64 generation;
};

int wl_barrier_init(struct guest *g, struct wl_barrier *b, int n);
void wl_barrier_begin(struct wl_barrier_call *c);
bool wl_barrier_step(struct wl_barrier *b, struct wl_barrier_call *c, struct guest_op *op);

/* ---- a pipeline stage thread -------------------------------------------------------
 *
 * Loop: dequeue up to @fetch items from the input queues (round robin over them, as
 * dedup's Reorder; a source stage has none and makes @source_left items), process each
 * item (the workload's callback emits its operations and adds its outputs to
 * out[k].pending), enqueue @insert items at a time into the output queues (round robin
 * over an output's queues, as dedup's Fragment), and at the end of the input flush the
 * partial batches, terminate every output queue once and exit.
 */
#define WL_STAGE_MAX_IN	 64
#define WL_STAGE_MAX_OUT 2

struct wl_stage_io {
	struct wlq **q;
	int nq, cur;
	u64 pending; /* outputs: processed items not yet enqueued */
};

struct wl_stage {
	struct wl_stage_io in;
	bool in_done[WL_STAGE_MAX_IN];
	int in_left; /* input queues not yet at their end */
	u64 fetch;
	struct wl_stage_io out[WL_STAGE_MAX_OUT];
	int nout;
	u64 insert;
	bool source; /* no input: @source_left items (UINT64_MAX: forever) */
	u64 source_left;

	/* progress */
	u64 recv;	      /* items dequeued, not yet processed */
	int item_pc;	      /* the callback's state in the current item; 0: none */
	int call;	      /* enum in wl_common.c: the queue operation in progress */
	int call_out, call_q; /* which output (queue) it is on */
	struct wlq_call c;
	bool ending;
	int term_out, term_q; /* the next output queue to terminate */
	bool exited;
};

/*
 * The workload's item processing, called with s->item_pc == 1 for a new item; the
 * callback keeps its state in s->item_pc (> 0) and returns WL_ITEM_OP when it filled
 * @op, WL_ITEM_AGAIN when it added outputs and wants to be called again once full
 * batches are enqueued, WL_ITEM_DONE when the item is finished.
 */
enum { WL_ITEM_DONE, WL_ITEM_OP, WL_ITEM_AGAIN };
typedef int (*wl_item_fn)(struct guest *g, struct guest_thread *t, struct wl_stage *s,
			  struct guest_op *op);

void wl_stage_init(struct wl_stage *s, u64 fetch, u64 insert);
void wl_stage_set_in(struct wl_stage *s, struct wlq **q, int nq);
void wl_stage_add_out(struct wl_stage *s, struct wlq **q, int nq);
/* Always fills @op (GOP_EXIT at the end). */
void wl_stage_next(struct guest *g, struct guest_thread *t, struct wl_stage *s, wl_item_fn fn,
		   struct guest_op *op);

#endif
