/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The discrete-event engine: simulated time in u64 nanoseconds, a binary min-heap of
 * events ordered by (time, sequence) so that events at equal times run in the order
 * they were scheduled, O(log n) insert/remove/cancel through each event's heap index.
 *
 * Events are embedded in the objects that own them (as hrtimers are in the kernel) or
 * taken from a pool with sim_event_alloc(); the engine never mallocs per event.
 */
#ifndef KVMSIM_SIM_H
#define KVMSIM_SIM_H

#include "kvmsim/types.h"

struct sim;
struct sim_event;

typedef void (*sim_event_fn)(struct sim *sim, struct sim_event *ev);

struct sim_event {
	u64 time;
	u64 seq;
	u32 heap_idx;	/* SIM_EVENT_IDLE when not queued */
	bool pooled;	/* returned to the pool after it fires */
	sim_event_fn fn;
	void *obj;	/* owner */
	u64 arg;
	struct sim_event *next_free;
};

#define SIM_EVENT_IDLE UINT32_MAX

struct sim {
	u64 now;
	u64 seq;
	u64 nr_events;		/* events fired */
	struct sim_event **heap;
	u32 nr, cap;
	struct sim_event *free_list;
	void **chunks;		/* pool chunks, freed by sim_destroy */
	u32 nr_chunks, cap_chunks;
	bool stop;
};

int sim_init(struct sim *sim);
void sim_destroy(struct sim *sim);

/* An embedded event: initialise once, then schedule and cancel as often as needed. */
void sim_event_init(struct sim_event *ev, sim_event_fn fn, void *obj);
/* Queue (or re-queue, if already queued) @ev at absolute time @when (>= now). */
int sim_schedule(struct sim *sim, struct sim_event *ev, u64 when);
void sim_cancel(struct sim *sim, struct sim_event *ev);
static inline bool sim_event_queued(const struct sim_event *ev)
{
	return ev->heap_idx != SIM_EVENT_IDLE;
}

/* A one-shot event from the pool; it returns to the pool after firing or on cancel. */
struct sim_event *sim_event_alloc(struct sim *sim, sim_event_fn fn, void *obj, u64 arg);
void sim_event_release(struct sim *sim, struct sim_event *ev);

/* Run events until the queue is empty, sim->stop is set, or time would pass @until. */
void sim_run_until(struct sim *sim, u64 until);

/*
 * RNG streams: xoshiro256** seeded through splitmix64 from (scenario seed, stream key),
 * where the key is a hash of the owning entity's name, so that a stream does not depend
 * on the order in which entities are created.
 */
struct rng {
	u64 s[4];
};

void rng_init(struct rng *r, u64 seed, u64 key);
u64 rng_next(struct rng *r);
/* Uniform in [0, 1). */
double rng_double(struct rng *r);
/* Uniform in [0, n). */
u64 rng_below(struct rng *r, u64 n);
/* Exponential with the given mean, rounded to ns. */
u64 rng_exp(struct rng *r, u64 mean);
u64 hash_name(const char *name);
u64 splitmix64(u64 *state);

#endif
