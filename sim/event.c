// SPDX-License-Identifier: GPL-2.0
/*
 * The event engine (see include/kvmsim/sim.h): a binary min-heap keyed by (time, seq).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvmsim/sim.h"

#define POOL_CHUNK 1024

int sim_init(struct sim *sim)
{
	memset(sim, 0, sizeof(*sim));
	sim->cap = 256;
	sim->heap = malloc(sim->cap * sizeof(*sim->heap));
	return sim->heap ? 0 : -ENOMEM;
}

void sim_destroy(struct sim *sim)
{
	for (u32 i = 0; i < sim->nr_chunks; i++)
		free(sim->chunks[i]);
	free(sim->chunks);
	free(sim->heap);
	memset(sim, 0, sizeof(*sim));
}

void sim_event_init(struct sim_event *ev, sim_event_fn fn, void *obj)
{
	memset(ev, 0, sizeof(*ev));
	ev->heap_idx = SIM_EVENT_IDLE;
	ev->fn = fn;
	ev->obj = obj;
}

static inline bool before(const struct sim_event *a, const struct sim_event *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static inline void place(struct sim *sim, u32 i, struct sim_event *ev)
{
	sim->heap[i] = ev;
	ev->heap_idx = i;
}

static void sift_up(struct sim *sim, u32 i)
{
	struct sim_event *ev = sim->heap[i];

	while (i > 0) {
		u32 parent = (i - 1) / 2;

		if (!before(ev, sim->heap[parent]))
			break;
		place(sim, i, sim->heap[parent]);
		i = parent;
	}
	place(sim, i, ev);
}

static void sift_down(struct sim *sim, u32 i)
{
	struct sim_event *ev = sim->heap[i];

	for (;;) {
		u32 l = 2 * i + 1, r = l + 1, m = i;
		struct sim_event *best = ev;

		if (l < sim->nr && before(sim->heap[l], best)) {
			m = l;
			best = sim->heap[l];
		}
		if (r < sim->nr && before(sim->heap[r], best))
			m = r;
		if (m == i)
			break;
		place(sim, i, sim->heap[m]);
		i = m;
	}
	place(sim, i, ev);
}

static void heap_remove(struct sim *sim, struct sim_event *ev)
{
	u32 i = ev->heap_idx;
	struct sim_event *last = sim->heap[--sim->nr];

	ev->heap_idx = SIM_EVENT_IDLE;
	if (last == ev)
		return;
	place(sim, i, last);
	if (i > 0 && before(last, sim->heap[(i - 1) / 2]))
		sift_up(sim, i);
	else
		sift_down(sim, i);
}

int sim_schedule(struct sim *sim, struct sim_event *ev, u64 when)
{
	if (when < sim->now)
		when = sim->now;
	if (sim_event_queued(ev)) {
		/* re-key in place: the same order as remove + insert, half the work */
		u32 i = ev->heap_idx;

		ev->time = when;
		ev->seq = sim->seq++;
		if (i > 0 && before(ev, sim->heap[(i - 1) / 2]))
			sift_up(sim, i);
		else
			sift_down(sim, i);
		return 0;
	}
	if (sim->nr == sim->cap) {
		u32 cap = sim->cap * 2;
		struct sim_event **h = realloc(sim->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		sim->heap = h;
		sim->cap = cap;
	}
	ev->time = when;
	ev->seq = sim->seq++;
	ev->heap_idx = sim->nr;
	sim->heap[sim->nr++] = ev;
	sift_up(sim, ev->heap_idx);
	return 0;
}

void sim_cancel(struct sim *sim, struct sim_event *ev)
{
	if (sim_event_queued(ev))
		heap_remove(sim, ev);
	if (ev->pooled)
		sim_event_release(sim, ev);
}

struct sim_event *sim_event_alloc(struct sim *sim, sim_event_fn fn, void *obj, u64 arg)
{
	struct sim_event *ev;

	if (!sim->free_list) {
		struct sim_event *chunk = malloc(POOL_CHUNK * sizeof(*chunk));

		if (!chunk)
			return NULL;
		if (sim->nr_chunks == sim->cap_chunks) {
			u32 cap = sim->cap_chunks ? 2 * sim->cap_chunks : 8;
			void **c = realloc(sim->chunks, cap * sizeof(*c));

			if (!c) {
				free(chunk);
				return NULL;
			}
			sim->chunks = c;
			sim->cap_chunks = cap;
		}
		sim->chunks[sim->nr_chunks++] = chunk;
		for (int i = POOL_CHUNK - 1; i >= 0; i--) {
			chunk[i].next_free = sim->free_list;
			sim->free_list = &chunk[i];
		}
	}
	ev = sim->free_list;
	sim->free_list = ev->next_free;
	sim_event_init(ev, fn, obj);
	ev->pooled = true;
	ev->arg = arg;
	return ev;
}

void sim_event_release(struct sim *sim, struct sim_event *ev)
{
	if (sim_event_queued(ev))
		heap_remove(sim, ev);
	ev->pooled = false;
	ev->next_free = sim->free_list;
	sim->free_list = ev;
}

void sim_run_until(struct sim *sim, u64 until)
{
	sim->stop = false;
	while (sim->nr && !sim->stop) {
		struct sim_event *ev = sim->heap[0];

		if (ev->time > until)
			break;
		heap_remove(sim, ev);
		sim->now = ev->time;
		sim->nr_events++;
		ev->fn(sim, ev);
		if (ev->pooled && !sim_event_queued(ev))
			sim_event_release(sim, ev);
	}
	if (!sim->stop && sim->now < until)
		sim->now = until;
}
