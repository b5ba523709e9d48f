// SPDX-License-Identifier: GPL-2.0
/*
 * blackscholes-like (a no-regression guard, workloads.md): PARSEC blackscholes prices
 * workload.options options with workload.threads threads, each a contiguous slice,
 * NUM_RUNS = workload.runs times over its slice with no synchronization, then waits for
 * the others at the end (pthread_join there; a mutex + condition-variable barrier
 * here, so that the program can start again: workload.rounds, 0 = forever). Score:
 * options priced (options * runs per round).
 *
 * PARSEC gives each thread numOptions / nThreads options; here the remainder goes to
 * the first threads, so that a round prices exactly options * runs.
 * docs/model/workloads.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "guest/workloads/wl_common.h"

struct bs_cfg {
	u64 threads, options, runs, rounds;
	u64 option;
};

/* clang-format off */
static const struct wl_param bs_params[] = {
	WL_U64(struct bs_cfg, threads, 1, 1024),
	WL_U64(struct bs_cfg, options, 1, INT32_MAX),
	WL_U64(struct bs_cfg, runs, 1, 1u << 20),
	WL_U64(struct bs_cfg, rounds, 0, UINT64_MAX),
	WL_DUR(struct bs_cfg, option, 0),
};
/* clang-format on */

struct bs_thread {
	u64 slice, run, round;
	struct wl_barrier_call bc;
};

struct blackscholes {
	struct bs_cfg cfg;
	struct wl_barrier barrier;
	struct bs_thread *th;
	u64 priced;
};

enum { BS_RUN, BS_SCORE, BS_BARRIER, BS_EXIT };

static void bs_destroy(struct guest *g)
{
	struct blackscholes *d = guest_wl_data(g);

	if (!d)
		return;
	free(d->th);
	free(d);
	guest_set_wl_data(g, NULL);
}

static int bs_init(struct guest *g, const struct scn_vm *v, const char *path, char *err)
{
	struct blackscholes *d = calloc(1, sizeof(*d));
	u64 n;

	if (!d)
		goto nomem;
	guest_set_wl_data(g, d);
	d->cfg = (struct bs_cfg){
	    .threads = 16,
	    .options = 65536,
	    .runs = 100,
	    .rounds = 0,
	    .option = 200,
	};
	if (wl_parse_params(v, path, bs_params, (int)ARRAY_SIZE(bs_params), &d->cfg, err))
		return -EINVAL;
	n = d->cfg.threads;
	d->th = calloc(n, sizeof(*d->th));
	if (!d->th || wl_barrier_init(g, &d->barrier, (int)n))
		goto nomem;
	for (u64 i = 0; i < n; i++) {
		struct guest_thread *t;
		char name[32];

		d->th[i].slice = d->cfg.options / n + (i < d->cfg.options % n);
		snprintf(name, sizeof(name), "bs%llu", (unsigned long long)i);
		t = guest_thread_create(g, name, -1, 1);
		if (!t)
			goto nomem;
		t->wl = &d->th[i];
		t->pc = BS_RUN;
	}
	return 0;
nomem:
	snprintf(err, SCN_ERR_MAX, "%s: out of memory", path);
	return -ENOMEM;
}

static void bs_next_op(struct guest *g, struct guest_thread *t, struct guest_op *op)
{
	struct blackscholes *d = guest_wl_data(g);
	struct bs_thread *b = t->wl;

	for (;;) {
		switch (t->pc) {
		case BS_RUN:
			if (b->run == d->cfg.runs) {
				wl_barrier_begin(&b->bc);
				t->pc = BS_BARRIER;
				continue;
			}
			/* an empty slice (more threads than options) still meets the barrier */
			wl_compute(op, b->slice * d->cfg.option, false);
			t->pc = BS_SCORE;
			return;
		case BS_SCORE:
			b->run++;
			d->priced += b->slice;
			wl_op(op, GOP_WORK, 0);
			op->n = (int)b->slice;
			t->pc = BS_RUN;
			return;
		case BS_BARRIER:
			if (wl_barrier_step(&d->barrier, &b->bc, op))
				return;
			b->run = 0;
			b->round++;
			t->pc = d->cfg.rounds && b->round == d->cfg.rounds ? BS_EXIT : BS_RUN;
			continue;
		case BS_EXIT:
		default:
			wl_op(op, GOP_EXIT, 0);
			return;
		}
	}
}

const struct guest_workload guest_wl_blackscholes = {
    .name = "blackscholes",
    .summary = "blackscholes-like: independent compute per thread, a barrier per round",
    .init = bs_init,
    .next_op = bs_next_op,
    .destroy = bs_destroy,
};
