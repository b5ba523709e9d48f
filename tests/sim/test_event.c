// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the event engine (sim/event.c) against include/kvmsim/sim.h: events fire in
 * (time, order of scheduling) order, re-scheduling and cancel work at any heap position,
 * pooled events return to the pool, and the steady state does not malloc per event.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "kvmsim/sim.h"

/*
 * Allocation counting: interpose malloc & co. and forward to glibc's __libc_* entry
 * points. Not under ASan (which owns malloc); there the count test checks only the pool
 * chunk accounting.
 */
#if defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COUNT_ALLOCS 0
#endif
#endif
#ifndef COUNT_ALLOCS
#define COUNT_ALLOCS 1
#endif

#if COUNT_ALLOCS
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);
static unsigned long nr_allocs;

void *malloc(size_t n)
{
	nr_allocs++;
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	nr_allocs++;
	return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	nr_allocs++;
	return __libc_realloc(p, n);
}
#endif

#define MAX_LOG 4096

struct log {
	int id[MAX_LOG];
	u64 time[MAX_LOG];
	int n;
};

struct item {
	struct sim_event ev;
	int id;
	struct log *log;
};

static void record(struct log *l, int id, u64 t)
{
	assert_true(l->n < MAX_LOG);
	l->id[l->n] = id;
	l->time[l->n] = t;
	l->n++;
}

static void item_fn(struct sim *sim, struct sim_event *ev)
{
	struct item *it = ev->obj;

	assert_ptr_equal(&it->ev, ev);
	assert_false(sim_event_queued(ev)); /* dequeued before its function runs */
	record(it->log, it->id, sim->now);
}

static void init_items(struct item *it, int n, struct log *l)
{
	for (int i = 0; i < n; i++) {
		sim_event_init(&it[i].ev, item_fn, &it[i]);
		it[i].id = i;
		it[i].log = l;
	}
}

static void expect_log(const struct log *l, const int *ids, const u64 *times, int n)
{
	assert_int_equal(l->n, n);
	for (int i = 0; i < n; i++) {
		print_message("fired %d at %llu\n", l->id[i], (unsigned long long)l->time[i]);
		assert_int_equal(l->id[i], ids[i]);
		assert_int_equal(l->time[i], times[i]);
	}
}

/*
 * Scheduled in the order 0..5 at times 30, 10, 20, 10, 10, 0: by time, then by order of
 * scheduling for equal times: 5@0, 1@10, 3@10, 4@10, 2@20, 0@30.
 */
static void test_order_time_then_insertion(void **state)
{
	static const u64 when[] = {30, 10, 20, 10, 10, 0};
	static const int ids[] = {5, 1, 3, 4, 2, 0};
	static const u64 times[] = {0, 10, 10, 10, 20, 30};
	struct sim sim;
	struct item it[6];
	struct log l = {.n = 0};

	assert_int_equal(sim_init(&sim), 0);
	init_items(it, 6, &l);
	for (int i = 0; i < 6; i++) {
		assert_false(sim_event_queued(&it[i].ev));
		assert_int_equal(sim_schedule(&sim, &it[i].ev, when[i]), 0);
		assert_true(sim_event_queued(&it[i].ev));
	}
	sim_run_until(&sim, 1000);
	expect_log(&l, ids, times, 6);
	assert_int_equal(sim.nr_events, 6);
	assert_int_equal(sim.now, 1000); /* time advances to @until when the queue drains */
	for (int i = 0; i < 6; i++)
		assert_false(sim_event_queued(&it[i].ev));
	sim_destroy(&sim);
}

/*
 * Many events at one time keep their scheduling order even after the heap has been
 * reshuffled by other inserts and removals: 1000 events at t = 5 interleaved with 1000
 * at random other times fire 0, 1, ..., 999 at t = 5.
 */
static void test_equal_time_fifo_large(void **state)
{
	struct sim sim;
	static struct item it[2000];
	static struct log l;
	struct rng r;
	int k = 0;

	l.n = 0;
	rng_init(&r, 5, 5);
	assert_int_equal(sim_init(&sim), 0);
	init_items(it, 2000, &l);
	for (int i = 0; i < 1000; i++) {
		it[i].id = i;
		sim_schedule(&sim, &it[i].ev, 5);
		it[1000 + i].id = -1;
		sim_schedule(&sim, &it[1000 + i].ev, 6 + rng_below(&r, 100));
	}
	sim_run_until(&sim, 5);
	assert_int_equal(l.n, 1000);
	for (int i = 0; i < l.n; i++)
		if (l.id[i] >= 0)
			assert_int_equal(l.id[i], k++);
	assert_int_equal(k, 1000);
	assert_int_equal(sim.nr, 1000); /* the others are still queued */
	sim_destroy(&sim);
}

/*
 * Re-scheduling a queued event removes it and queues it anew: it gets a new sequence
 * number, so at an equal time it now fires after the others. A at 10, B at 10, C at 5;
 * then A again at 10 and C at 20: B@10, A@10, C@20.
 */
static void test_reschedule(void **state)
{
	static const int ids[] = {1, 0, 2};
	static const u64 times[] = {10, 10, 20};
	struct sim sim;
	struct item it[3];
	struct log l = {.n = 0};

	assert_int_equal(sim_init(&sim), 0);
	init_items(it, 3, &l);
	sim_schedule(&sim, &it[0].ev, 10);
	sim_schedule(&sim, &it[1].ev, 10);
	sim_schedule(&sim, &it[2].ev, 5);
	sim_schedule(&sim, &it[0].ev, 10);
	sim_schedule(&sim, &it[2].ev, 20);
	assert_int_equal(sim.nr, 3); /* re-queueing does not duplicate */
	sim_run_until(&sim, 100);
	expect_log(&l, ids, times, 3);
	sim_destroy(&sim);
}

/* A time before now is clamped to now (the event fires at once, after those at now). */
static void test_schedule_in_past(void **state)
{
	static const int ids[] = {0, 1, 2};
	static const u64 times[] = {50, 50, 60};
	struct sim sim;
	struct item it[3];
	struct log l = {.n = 0};

	assert_int_equal(sim_init(&sim), 0);
	init_items(it, 3, &l);
	sim_run_until(&sim, 50); /* empty queue: now = 50 */
	assert_int_equal(sim.now, 50);
	sim_schedule(&sim, &it[0].ev, 50);
	sim_schedule(&sim, &it[1].ev, 10);
	assert_int_equal(it[1].ev.time, 50);
	sim_schedule(&sim, &it[2].ev, 60);
	sim_run_until(&sim, 100);
	expect_log(&l, ids, times, 3);
	sim_destroy(&sim);
}

/*
 * Cancel from the root, the middle and the last slot of the heap; cancelling an idle
 * event is a no-op. Events 0..9 at 10*i; cancel 0 (root), 5, 9 (last), and 5 again:
 * 1,2,3,4,6,7,8 fire.
 */
static void test_cancel(void **state)
{
	static const int ids[] = {1, 2, 3, 4, 6, 7, 8};
	static const u64 times[] = {10, 20, 30, 40, 60, 70, 80};
	struct sim sim;
	struct item it[10];
	struct log l = {.n = 0};

	assert_int_equal(sim_init(&sim), 0);
	init_items(it, 10, &l);
	for (int i = 0; i < 10; i++)
		sim_schedule(&sim, &it[i].ev, 10 * (u64)i);
	sim_cancel(&sim, &it[0].ev);
	sim_cancel(&sim, &it[5].ev);
	sim_cancel(&sim, &it[9].ev);
	sim_cancel(&sim, &it[5].ev);
	assert_false(sim_event_queued(&it[5].ev));
	assert_int_equal(sim.nr, 7);
	sim_run_until(&sim, 1000);
	expect_log(&l, ids, times, 7);
	/* a cancelled event can be scheduled again */
	sim_schedule(&sim, &it[5].ev, 2000);
	sim_run_until(&sim, 3000);
	assert_int_equal(l.n, 8);
	assert_int_equal(l.id[7], 5);
	assert_int_equal(l.time[7], 2000);
	sim_destroy(&sim);
}

/* Events at exactly @until fire; later ones wait; stop ends the run after the event. */
struct stopper {
	struct sim_event ev;
	int fired;
};

static void stop_fn(struct sim *sim, struct sim_event *ev)
{
	struct stopper *s = ev->obj;

	s->fired++;
	sim->stop = true;
}

static void test_run_until_and_stop(void **state)
{
	struct sim sim;
	struct item it[2];
	struct stopper st;
	struct log l = {.n = 0};

	assert_int_equal(sim_init(&sim), 0);
	init_items(it, 2, &l);
	sim_schedule(&sim, &it[0].ev, 100);
	sim_schedule(&sim, &it[1].ev, 101);
	sim_run_until(&sim, 100);
	assert_int_equal(l.n, 1);
	assert_int_equal(sim.now, 100);
	assert_true(sim_event_queued(&it[1].ev));

	/* stop at 150 with an event at 150 and one at 101 still due: 101 fires, then 150 stops */
	sim_event_init(&st.ev, stop_fn, &st);
	st.fired = 0;
	sim_schedule(&sim, &st.ev, 150);
	sim_schedule(&sim, &it[0].ev, 150); /* scheduled after st: runs after it */
	sim_run_until(&sim, 1000);
	assert_int_equal(st.fired, 1);
	assert_int_equal(l.n, 2);	/* only event 1 (at 101) */
	assert_int_equal(sim.now, 150); /* stopped: time stays at the stopping event */
	assert_true(sim_event_queued(&it[0].ev));
	sim_run_until(&sim, 1000); /* a new run clears stop */
	assert_int_equal(l.n, 3);
	assert_int_equal(sim.now, 1000);
	assert_int_equal(sim.nr_events, 4);
	sim_destroy(&sim);
}

/*
 * A periodic event that re-arms itself, and schedules a child at "now" each time; the
 * child runs in the same sim_run_until at the same time, after the parent.
 * Period 7 over until = 30: fires at 0, 7, 14, 21, 28 with a child after each.
 */
struct periodic {
	struct sim_event ev;
	struct item child;
	struct log *log;
};

static void periodic_fn(struct sim *sim, struct sim_event *ev)
{
	struct periodic *p = ev->obj;

	record(p->log, 100, sim->now);
	sim_schedule(sim, &p->child.ev, sim->now);
	sim_schedule(sim, ev, sim->now + 7);
}

static void test_periodic_and_child(void **state)
{
	struct sim sim;
	struct periodic p;
	struct log l = {.n = 0};

	assert_int_equal(sim_init(&sim), 0);
	sim_event_init(&p.ev, periodic_fn, &p);
	p.log = &l;
	init_items(&p.child, 1, &l);
	sim_schedule(&sim, &p.ev, 0);
	sim_run_until(&sim, 30);
	assert_int_equal(l.n, 10);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(l.id[2 * i], 100);
		assert_int_equal(l.time[2 * i], 7 * (u64)i);
		assert_int_equal(l.id[2 * i + 1], 0);
		assert_int_equal(l.time[2 * i + 1], 7 * (u64)i);
	}
	assert_true(sim_event_queued(&p.ev));
	assert_int_equal(p.ev.time, 35);
	sim_destroy(&sim);
}

/* Pooled events: fn receives obj and arg; after firing the event is back in the pool. */
static void pooled_fn(struct sim *sim, struct sim_event *ev)
{
	struct log *l = ev->obj;

	assert_true(ev->pooled);
	record(l, (int)ev->arg, sim->now);
}

/* A pooled event that re-arms itself once (fires while the log has 2, then 3 entries): it
 * must not go back to the pool in between. */
static void pooled_rearm_fn(struct sim *sim, struct sim_event *ev)
{
	struct log *l = ev->obj;

	record(l, (int)ev->arg, sim->now);
	if (l->n < 4)
		sim_schedule(sim, ev, sim->now + 1);
}

static int free_list_len(const struct sim *sim)
{
	int n = 0;

	for (const struct sim_event *e = sim->free_list; e; e = e->next_free)
		n++;
	return n;
}

/*
 * The pool grows by chunks of 1024 (sim/event.c POOL_CHUNK): one alloc makes a chunk
 * with 1023 free; firing and cancelling give events back; a re-arming pooled event stays
 * out until it finally fires.
 */
static void test_pooled(void **state)
{
	struct sim sim;
	struct log l = {.n = 0};
	struct sim_event *a, *b, *c;

	assert_int_equal(sim_init(&sim), 0);
	a = sim_event_alloc(&sim, pooled_fn, &l, 7);
	assert_non_null(a);
	assert_int_equal(sim.nr_chunks, 1);
	assert_int_equal(free_list_len(&sim), 1023);
	assert_false(sim_event_queued(a));
	b = sim_event_alloc(&sim, pooled_fn, &l, 8);
	c = sim_event_alloc(&sim, pooled_fn, &l, 9);
	assert_ptr_not_equal(a, b);
	sim_schedule(&sim, b, 20);
	sim_schedule(&sim, a, 10);
	sim_schedule(&sim, c, 30);
	sim_cancel(&sim, c); /* cancelled pooled events go back at once */
	assert_int_equal(free_list_len(&sim), 1022);
	sim_run_until(&sim, 100);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.id[0], 7);
	assert_int_equal(l.id[1], 8);
	assert_int_equal(free_list_len(&sim), 1024);

	a = sim_event_alloc(&sim, pooled_rearm_fn, &l, 3);
	sim_schedule(&sim, a, 200);
	sim_run_until(&sim, 200);
	assert_true(sim_event_queued(a));
	assert_int_equal(free_list_len(&sim), 1023);
	sim_run_until(&sim, 1000);
	assert_int_equal(l.n, 4); /* 7, 8, then 3 at 200 and 201 */
	assert_int_equal(l.time[3], 201);
	assert_int_equal(free_list_len(&sim), 1024);

	/* the 1025th live event takes a second chunk */
	for (int i = 0; i < 1025; i++)
		assert_non_null(sim_event_alloc(&sim, pooled_fn, &l, 0));
	assert_int_equal(sim.nr_chunks, 2);
	sim_destroy(&sim);
}

/* A pooled event released explicitly (even while queued) does not fire and returns once. */
static void test_pooled_release(void **state)
{
	struct sim sim;
	struct log l = {.n = 0};
	struct sim_event *a;

	assert_int_equal(sim_init(&sim), 0);
	a = sim_event_alloc(&sim, pooled_fn, &l, 1);
	sim_schedule(&sim, a, 10);
	sim_event_release(&sim, a);
	assert_false(sim_event_queued(a));
	assert_int_equal(sim.nr, 0);
	sim_cancel(&sim, a); /* cancel after release: not queued, not pooled: no-op */
	assert_int_equal(free_list_len(&sim), 1024);
	sim_run_until(&sim, 100);
	assert_int_equal(l.n, 0);
	sim_destroy(&sim);
}

/*
 * Steady state allocates nothing: a hold model of 3000 pooled events (3 chunks) where each
 * firing allocates a new pooled event, plus 64 embedded events re-armed at random, runs
 * 100000 events; the heap has grown to its size during warm-up, so after it the count of
 * malloc/calloc/realloc calls must stay 0 and the pool must stay at 3 chunks.
 */
struct hold {
	struct rng r;
	int live;
};

static void hold_fn(struct sim *sim, struct sim_event *ev)
{
	struct hold *h = ev->obj;
	struct sim_event *n = sim_event_alloc(sim, hold_fn, h, 0);

	assert_non_null(n);
	sim_schedule(sim, n, sim->now + 1 + rng_below(&h->r, 10000));
}

static void embedded_fn(struct sim *sim, struct sim_event *ev)
{
	struct hold *h = ev->obj;

	sim_schedule(sim, ev, sim->now + rng_below(&h->r, 5000));
}

static void test_no_malloc_per_event(void **state)
{
	struct sim sim;
	struct hold h;
	struct sim_event emb[64];
	u64 target;

	rng_init(&h.r, 9, 9);
#if COUNT_ALLOCS
	nr_allocs = 0;
#endif
	assert_int_equal(sim_init(&sim), 0);
#if COUNT_ALLOCS
	assert_true(nr_allocs >= 1); /* the counter sees the library's heap allocation */
#endif
	for (int i = 0; i < 3000; i++)
		sim_schedule(&sim, sim_event_alloc(&sim, hold_fn, &h, 0), rng_below(&h.r, 10000));
	for (int i = 0; i < 64; i++) {
		sim_event_init(&emb[i], embedded_fn, &h);
		sim_schedule(&sim, &emb[i], rng_below(&h.r, 5000));
	}
	sim_run_until(&sim, 10000); /* warm-up */
	assert_int_equal(sim.nr_chunks, 3);
	target = sim.nr_events + 100000;
#if COUNT_ALLOCS
	nr_allocs = 0;
#endif
	while (sim.nr_events < target)
		sim_run_until(&sim, sim.now + 1000);
#if COUNT_ALLOCS
	print_message("allocations in the steady state: %lu\n", nr_allocs);
	assert_int_equal(nr_allocs, 0);
#endif
	assert_int_equal(sim.nr_chunks, 3);
	assert_int_equal(sim.nr, 3064);
	sim_destroy(&sim);
}

/*
 * Property: random schedules (new and re-scheduled, many equal times, some in the past),
 * cancels and single pops against an oracle that keeps (time, order) pairs in a plain
 * array and picks the minimum by linear scan. Each pop must return the oracle's minimum;
 * queued flags must match membership.
 */
#define NPROP 300

struct prop {
	struct sim_event ev[NPROP];
	bool in[NPROP];
	u64 time[NPROP], order[NPROP];
	int popped;
};

static void prop_fn(struct sim *sim, struct sim_event *ev)
{
	struct prop *p = ev->obj;

	p->popped = (int)ev->arg;
	sim->stop = true; /* one event per sim_run_until */
}

static int oracle_min(const struct prop *p)
{
	int best = -1;

	for (int i = 0; i < NPROP; i++)
		if (p->in[i] && (best < 0 || p->time[i] < p->time[best] ||
				 (p->time[i] == p->time[best] && p->order[i] < p->order[best])))
			best = i;
	return best;
}

static void test_property_oracle(void **state)
{
	static struct prop p;
	struct sim sim;
	struct rng r;
	u64 order = 0;
	long pops = 0;

	rng_init(&r, 77, 1);
	assert_int_equal(sim_init(&sim), 0);
	for (int i = 0; i < NPROP; i++) {
		sim_event_init(&p.ev[i], prop_fn, &p);
		p.ev[i].arg = (u64)i;
		p.in[i] = false;
	}
	for (int step = 0; step < 200000; step++) {
		u64 op = rng_below(&r, 10);
		int i = (int)rng_below(&r, NPROP);

		if (op < 5) {
			/* times near now, many ties; 1 in 8 is in the past (clamped to now) */
			u64 when = sim.now + rng_below(&r, 20);

			if (rng_below(&r, 8) == 0)
				when = sim.now > 5 ? sim.now - 5 : 0;
			assert_int_equal(sim_schedule(&sim, &p.ev[i], when), 0);
			p.in[i] = true;
			p.time[i] = when < sim.now ? sim.now : when;
			p.order[i] = order++;
		} else if (op < 7) {
			sim_cancel(&sim, &p.ev[i]);
			p.in[i] = false;
		} else {
			int want = oracle_min(&p);

			if (want < 0)
				continue;
			p.popped = -1;
			sim_run_until(&sim, UINT64_MAX);
			assert_int_equal(p.popped, want);
			assert_int_equal(sim.now, p.time[want]);
			p.in[want] = false;
			pops++;
		}
		if (step % 1000 == 0) {
			u32 n = 0;

			for (int k = 0; k < NPROP; k++) {
				assert_int_equal(sim_event_queued(&p.ev[k]), p.in[k]);
				n += p.in[k];
			}
			assert_int_equal(sim.nr, n);
		}
	}
	print_message("%ld pops checked\n", pops);
	assert_true(pops > 50000);
	sim_destroy(&sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_time_then_insertion),
		cmocka_unit_test(test_equal_time_fifo_large),
		cmocka_unit_test(test_reschedule),
		cmocka_unit_test(test_schedule_in_past),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_run_until_and_stop),
		cmocka_unit_test(test_periodic_and_child),
		cmocka_unit_test(test_pooled),
		cmocka_unit_test(test_pooled_release),
		cmocka_unit_test(test_no_malloc_per_event),
		cmocka_unit_test(test_property_oracle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
