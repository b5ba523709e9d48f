// SPDX-License-Identifier: GPL-2.0
/*
 * vips-like (workloads.md W.3 and "Modeling guidance"): the VIPS 7.x thread pool of
 * PARSEC vips (im_benchmark, IM_CONCURRENCY = workload.threads). Per image, the main
 * thread sets the pipeline up and starts the pool; each worker loops: take the pool's
 * allocate lock (a pthread mutex: GMutex), pick the next tile (serial), release, compute
 * the tile through the operation chain (long, user), post the tick semaphore (which
 * wakes the main thread: an IPI when its vCPU is idle). The main thread waits on tick
 * once per tile to run the progress callback. When no tile is left a worker posts the
 * finish semaphore and waits for the next image; the main thread waits for all of them.
 * Output goes through the disc sink's double write-behind buffers of workload.buffer
 * tiles: the worker that completes a buffer's last tile wakes the write-behind thread,
 * which writes it (kernel); allocate(), under the allocate lock, waits before it hands
 * out the first tile of buffer b until buffer b - 2 is written (both buffers busy), so
 * a slow write stalls every worker behind the lock. Score: tiles.
 *
 * vips_threadpool_run() creates and joins its threads per image; here they persist and
 * wait on a start semaphore between images, which keeps the thread placement fixed.
 * docs/model/workloads.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "guest/workloads/wl_common.h"

struct vips_cfg {
	u64 threads, tiles, images, buffer;
	u64 alloc, work, progress, setup, write;
	double spread;
};

/* clang-format off */
static const struct wl_param vips_params[] = {
	WL_U64(struct vips_cfg, threads, 1, 1024),
	WL_U64(struct vips_cfg, tiles, 1, UINT32_MAX),
	WL_U64(struct vips_cfg, images, 0, UINT64_MAX),
	WL_U64(struct vips_cfg, buffer, 1, UINT32_MAX),
	WL_DUR(struct vips_cfg, alloc, 0),
	WL_DUR(struct vips_cfg, work, 0),
	WL_DUR(struct vips_cfg, progress, 0),
	WL_DUR(struct vips_cfg, setup, 0),
	WL_DUR(struct vips_cfg, write, 0),
	WL_DBL(struct vips_cfg, spread, 0.0, 1.0),
};
/* clang-format on */

struct vips_thread {
	int i;		  /* main: posts / waits done in this phase */
	bool have;	  /* worker: got a tile */
	u64 tile;	  /* worker: the tile it computes */
	bool wake_writer; /* worker: it completed a buffer */
};

#define VIPS_RING 4 /* buffers in flight: b - 2 written .. b allocated */

struct vips {
	struct vips_cfg cfg;
	int allocate_lock, tick, finish, go;
	int write_req, written; /* semaphores: a buffer to write, a buffer written */
	u64 next_tile, ticks, images_done;
	u64 done[VIPS_RING]; /* tiles completed per buffer in flight */
	bool stop;
	struct vips_thread *th;
	u64 tiles_done;
};

enum { M_SETUP, M_GO, M_TICK, M_PROGRESS, M_FINISH, M_FLUSH, M_STOP, M_STOP_WRITER, M_EXIT };
enum {
	W_GO,
	W_START,
	W_ALLOC,
	W_TAKE,
	W_UNLOCK,
	W_WORK,
	W_TICK,
	W_WRITE,
	W_SCORE,
	W_LOCK,
	W_FINISH
};
enum { WB_WAIT, WB_WRITE, WB_POST };

static void vips_destroy(struct guest *g)
{
	struct vips *d = guest_wl_data(g);

	if (!d)
		return;
	free(d->th);
	free(d);
	guest_set_wl_data(g, NULL);
}

static int vips_init(struct guest *g, const struct scn_vm *v, const char *path, char *err)
{
	struct vips *d = calloc(1, sizeof(*d));

	if (!d)
		goto nomem;
	guest_set_wl_data(g, d);
	d->cfg = (struct vips_cfg){
	    .threads = 16,
	    .tiles = 903,
	    .images = 0,
	    .alloc = 1 * NSEC_PER_USEC,
	    .work = 2 * NSEC_PER_MSEC,
	    .progress = 2 * NSEC_PER_USEC,
	    .setup = 100 * NSEC_PER_USEC,
	    .buffer = 21,
	    .write = 200 * NSEC_PER_USEC,
	    .spread = 0.5,
	};
	if (wl_parse_params(v, path, vips_params, (int)ARRAY_SIZE(vips_params), &d->cfg, err))
		return -EINVAL;
	d->th = calloc(d->cfg.threads + 2, sizeof(*d->th));
	if (!d->th)
		goto nomem;
	d->allocate_lock = guest_mutex_create(g, false);
	d->tick = guest_sem_create(g, 0);
	d->finish = guest_sem_create(g, 0);
	d->go = guest_sem_create(g, 0);
	d->write_req = guest_sem_create(g, 0);
	d->written = guest_sem_create(g, 0);
	if (d->allocate_lock < 0 || d->tick < 0 || d->finish < 0 || d->go < 0 || d->write_req < 0 ||
	    d->written < 0)
		goto nomem;
	/* main, the workers, the write-behind thread */
	for (u64 i = 0; i <= d->cfg.threads + 1; i++) {
		struct guest_thread *t;
		char name[32];

		if (!i)
			snprintf(name, sizeof(name), "main");
		else if (i <= d->cfg.threads)
			snprintf(name, sizeof(name), "worker%llu", (unsigned long long)i - 1);
		else
			snprintf(name, sizeof(name), "wbuffer");
		t = guest_thread_create(g, name, -1, 1);
		if (!t)
			goto nomem;
		t->wl = &d->th[i];
		/* t->arg: 1 main, 0 a worker, 2 the write-behind thread */
		t->arg = !i ? 1 : i <= d->cfg.threads ? 0 : 2;
		t->pc = !i ? M_SETUP : i <= d->cfg.threads ? W_GO : WB_WAIT;
	}
	return 0;
nomem:
	snprintf(err, SCN_ERR_MAX, "%s: out of memory", path);
	return -ENOMEM;
}

static u64 nbuffers(const struct vips *d)
{
	return (d->cfg.tiles + d->cfg.buffer - 1) / d->cfg.buffer;
}

/* Tiles in buffer @b of the image. */
static u64 buffer_tiles(const struct vips *d, u64 b)
{
	return min(d->cfg.buffer, d->cfg.tiles - b * d->cfg.buffer);
}

static void main_next(struct vips *d, struct guest_thread *t, struct guest_op *op)
{
	struct vips_thread *m = t->wl;
	int nthr = (int)d->cfg.threads;

	for (;;) {
		switch (t->pc) {
		case M_SETUP:
			m->i = 0;
			if (d->cfg.images && d->images_done == d->cfg.images) {
				d->stop = true;
				t->pc = M_STOP;
				continue;
			}
			d->next_tile = 0;
			d->ticks = 0;
			for (int b = 0; b < VIPS_RING; b++)
				d->done[b] = 0;
			wl_compute(op, d->cfg.setup, false);
			t->pc = M_GO;
			return;
		case M_GO:
			if (m->i < nthr) {
				m->i++;
				wl_op(op, GOP_SEM_POST, d->go);
				return;
			}
			t->pc = M_TICK;
			continue;
		case M_TICK:
			if (d->ticks == d->cfg.tiles) {
				m->i = 0;
				t->pc = M_FINISH;
				continue;
			}
			wl_op(op, GOP_SEM_WAIT, d->tick);
			t->pc = M_PROGRESS;
			return;
		case M_PROGRESS:
			d->ticks++;
			wl_compute(op, d->cfg.progress, false);
			t->pc = M_TICK;
			return;
		case M_FINISH:
			if (m->i < nthr) {
				m->i++;
				wl_op(op, GOP_SEM_WAIT, d->finish);
				return;
			}
			/* the sink's last flush: the writes that allocate() did not wait for */
			m->i = 0;
			t->pc = M_FLUSH;
			continue;
		case M_FLUSH:
			if ((u64)m->i < min(nbuffers(d), 2)) {
				m->i++;
				wl_op(op, GOP_SEM_WAIT, d->written);
				return;
			}
			d->images_done++;
			t->pc = M_SETUP;
			continue;
		case M_STOP:
			if (m->i < nthr) {
				m->i++;
				wl_op(op, GOP_SEM_POST, d->go);
				return;
			}
			t->pc = M_STOP_WRITER;
			wl_op(op, GOP_SEM_POST, d->write_req);
			return;
		case M_STOP_WRITER:
		default:
			wl_op(op, GOP_EXIT, 0);
			return;
		}
	}
}

static void worker_next(struct vips *d, struct guest_thread *t, struct guest_op *op)
{
	struct vips_thread *w = t->wl;

	for (;;) {
		switch (t->pc) {
		case W_GO:
			wl_op(op, GOP_SEM_WAIT, d->go);
			t->pc = W_START;
			return;
		case W_START:
			if (d->stop) {
				wl_op(op, GOP_EXIT, 0);
				return;
			}
			t->pc = W_LOCK;
			continue;
		case W_LOCK:
			wl_op(op, GOP_MUTEX_LOCK, d->allocate_lock);
			t->pc = W_ALLOC;
			return;
		case W_ALLOC:
			/* allocate(): the next tile, or stop */
			w->have = d->next_tile < d->cfg.tiles;
			t->pc = W_UNLOCK;
			if (!w->have)
				continue;
			t->pc = W_TAKE;
			if (d->next_tile % d->cfg.buffer == 0 &&
			    d->next_tile >= 2 * d->cfg.buffer) {
				/* a new buffer: wait (lock held) until b - 2 is on disc */
				wl_op(op, GOP_SEM_WAIT, d->written);
				return;
			}
			continue;
		case W_TAKE:
			w->tile = d->next_tile++;
			if (w->tile % d->cfg.buffer == 0)
				d->done[w->tile / d->cfg.buffer % VIPS_RING] = 0;
			wl_compute(op, d->cfg.alloc, false);
			t->pc = W_UNLOCK;
			return;
		case W_UNLOCK:
			wl_op(op, GOP_MUTEX_UNLOCK, d->allocate_lock);
			t->pc = w->have ? W_WORK : W_FINISH;
			return;
		case W_WORK:
			wl_compute(op, wl_spread(&t->rng, d->cfg.work, d->cfg.spread), false);
			t->pc = W_TICK;
			return;
		case W_TICK: {
			u64 b = w->tile / d->cfg.buffer;

			w->wake_writer = ++d->done[b % VIPS_RING] == buffer_tiles(d, b);
			wl_op(op, GOP_SEM_POST, d->tick);
			t->pc = W_WRITE;
			return;
		}
		case W_WRITE:
			t->pc = W_SCORE;
			if (w->wake_writer) {
				wl_op(op, GOP_SEM_POST, d->write_req);
				return;
			}
			continue;
		case W_SCORE:
			wl_op(op, GOP_WORK, 0);
			op->n = 1;
			d->tiles_done++;
			t->pc = W_LOCK;
			return;
		case W_FINISH:
		default:
			wl_op(op, GOP_SEM_POST, d->finish);
			t->pc = W_GO;
			return;
		}
	}
}

/* The disc sink's write-behind thread: write each completed buffer, in order. */
static void writer_next(struct vips *d, struct guest_thread *t, struct guest_op *op)
{
	switch (t->pc) {
	case WB_WAIT:
		wl_op(op, GOP_SEM_WAIT, d->write_req);
		t->pc = WB_WRITE;
		return;
	case WB_WRITE:
		if (d->stop) {
			wl_op(op, GOP_EXIT, 0);
			return;
		}
		wl_compute(op, d->cfg.write, true);
		t->pc = WB_POST;
		return;
	default:
		wl_op(op, GOP_SEM_POST, d->written);
		t->pc = WB_WAIT;
		return;
	}
}

static void vips_next_op(struct guest *g, struct guest_thread *t, struct guest_op *op)
{
	struct vips *d = guest_wl_data(g);

	if (t->arg == 1)
		main_next(d, t, op);
	else if (t->arg == 2)
		writer_next(d, t, op);
	else
		worker_next(d, t, op);
}

const struct guest_workload guest_wl_vips = {
    .name = "vips",
    .summary = "vips-like: a thread pool over tiles, allocate lock, tick semaphore to the "
	       "main thread",
    .init = vips_init,
    .next_op = vips_next_op,
    .destroy = vips_destroy,
};
