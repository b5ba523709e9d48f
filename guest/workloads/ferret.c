// SPDX-License-Identifier: GPL-2.0
/*
 * ferret-like (a no-regression guard, workloads.md): PARSEC ferret's content-based
 * image search as a six-stage pipeline, load (1) -> segment (n) -> extract (n) ->
 * vectorize/index (n) -> rank (n) -> out (1), n = workload.threads, 4n + 2 threads of
 * one process. One bounded queue (mutex + condition variables, workload.depth items)
 * between consecutive stages; a query moves one at a time. Unlike dedup, each stage
 * computes milliseconds per item, so synchronization is rare. The load stage reads the
 * query image (kernel) and decodes it (user); out writes the result (kernel). Score:
 * queries. docs/model/workloads.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "guest/workloads/wl_common.h"

#define FERRET_STAGES 6
#define FERRET_QUEUES (FERRET_STAGES - 1)

struct ferret_cfg {
	u64 threads, depth, queries;
	u64 read, load, seg, extract, vec, rank, out;
	double spread;
};

/* clang-format off */
static const struct wl_param ferret_params[] = {
	WL_U64(struct ferret_cfg, threads, 1, 1024),
	WL_U64(struct ferret_cfg, depth, 1, UINT32_MAX),
	WL_U64(struct ferret_cfg, queries, 0, UINT64_MAX),
	WL_DUR(struct ferret_cfg, read, 0),
	WL_DUR(struct ferret_cfg, load, 0),
	WL_DUR(struct ferret_cfg, seg, 0),
	WL_DUR(struct ferret_cfg, extract, 0),
	WL_DUR(struct ferret_cfg, vec, 0),
	WL_DUR(struct ferret_cfg, rank, 0),
	WL_DUR(struct ferret_cfg, out, 0),
	WL_DBL(struct ferret_cfg, spread, 0.0, 1.0),
};
/* clang-format on */

struct ferret_thread {
	struct wl_stage st;
	int stage; /* 0 load .. 5 out */
};

struct ferret {
	struct ferret_cfg cfg;
	struct wlq q[FERRET_QUEUES];
	struct wlq *qp[FERRET_QUEUES];
	struct ferret_thread *th;
	u64 done;
};

static void ferret_destroy(struct guest *g)
{
	struct ferret *d = guest_wl_data(g);

	if (!d)
		return;
	free(d->th);
	free(d);
	guest_set_wl_data(g, NULL);
}

static int ferret_init(struct guest *g, const struct scn_vm *v, const char *path, char *err)
{
	static const char *const stage_name[FERRET_STAGES] = {"load", "seg",  "extract",
							      "vec",  "rank", "out"};
	struct ferret *d = calloc(1, sizeof(*d));
	int n, ti = 0;

	if (!d)
		goto nomem;
	guest_set_wl_data(g, d);
	d->cfg = (struct ferret_cfg){
	    .threads = 16,
	    .depth = 20,
	    .queries = 0,
	    .read = 50 * NSEC_PER_USEC,
	    .load = 1 * NSEC_PER_MSEC,
	    .seg = 4 * NSEC_PER_MSEC,
	    .extract = 1 * NSEC_PER_MSEC,
	    .vec = 6 * NSEC_PER_MSEC,
	    .rank = 12 * NSEC_PER_MSEC,
	    .out = 10 * NSEC_PER_USEC,
	    .spread = 0.5,
	};
	if (wl_parse_params(v, path, ferret_params, (int)ARRAY_SIZE(ferret_params), &d->cfg, err))
		return -EINVAL;
	n = (int)d->cfg.threads;
	d->th = calloc((size_t)(4 * n + 2), sizeof(*d->th));
	if (!d->th)
		goto nomem;
	for (int k = 0; k < FERRET_QUEUES; k++) {
		/* the producers of queue k: the load thread, then n threads of a stage */
		if (wlq_init(g, &d->q[k], d->cfg.depth, k ? n : 1))
			goto nomem;
		d->qp[k] = &d->q[k];
	}
	for (int st = 0; st < FERRET_STAGES; st++) {
		int count = st == 0 || st == FERRET_STAGES - 1 ? 1 : n;

		for (int i = 0; i < count; i++, ti++) {
			struct ferret_thread *ft = &d->th[ti];
			struct guest_thread *t;
			char name[32];

			ft->stage = st;
			wl_stage_init(&ft->st, 1, 1);
			if (st)
				wl_stage_set_in(&ft->st, &d->qp[st - 1], 1);
			else if (d->cfg.queries)
				ft->st.source_left = d->cfg.queries;
			if (st < FERRET_QUEUES)
				wl_stage_add_out(&ft->st, &d->qp[st], 1);
			snprintf(name, sizeof(name), "%s%d", stage_name[st], i);
			t = guest_thread_create(g, name, -1, 1);
			if (!t)
				goto nomem;
			t->wl = ft;
		}
	}
	return 0;
nomem:
	snprintf(err, SCN_ERR_MAX, "%s: out of memory", path);
	return -ENOMEM;
}

static int ferret_item(struct guest *g, struct guest_thread *t, struct wl_stage *s,
		       struct guest_op *op)
{
	struct ferret *d = guest_wl_data(g);
	struct ferret_thread *ft = t->wl;
	const u64 user[FERRET_STAGES] = {d->cfg.load, d->cfg.seg,  d->cfg.extract,
					 d->cfg.vec,  d->cfg.rank, 0};

	switch (s->item_pc) {
	case 1:
		s->item_pc = 2;
		if (ft->stage == 0) {
			wl_compute(op, d->cfg.read, true); /* read the query image */
			return WL_ITEM_OP;
		}
		/* fall through */
	case 2:
		s->item_pc = 3;
		if (ft->stage == FERRET_STAGES - 1) {
			wl_compute(op, d->cfg.out, true); /* write the result */
			return WL_ITEM_OP;
		}
		wl_compute(op, wl_spread(&t->rng, user[ft->stage], d->cfg.spread), false);
		return WL_ITEM_OP;
	case 3:
		if (ft->stage == FERRET_STAGES - 1) {
			d->done++;
			wl_op(op, GOP_WORK, 0);
			op->n = 1;
			s->item_pc = 4;
			return WL_ITEM_OP;
		}
		s->out[0].pending++;
		return WL_ITEM_DONE;
	default:
		return WL_ITEM_DONE;
	}
}

static void ferret_next_op(struct guest *g, struct guest_thread *t, struct guest_op *op)
{
	struct ferret_thread *ft = t->wl;

	wl_stage_next(g, t, &ft->st, ferret_item, op);
}

const struct guest_workload guest_wl_ferret = {
    .name = "ferret",
    .summary = "ferret-like: a six-stage pipeline with milliseconds of compute per stage",
    .init = ferret_init,
    .next_op = ferret_next_op,
    .destroy = ferret_destroy,
};
