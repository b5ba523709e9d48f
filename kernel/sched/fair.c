// SPDX-License-Identifier: GPL-2.0
/*
 * The fair class: EEVDF with group scheduling, modeled on Linux v6.18 kernel/sched/fair.c
 * (and v6.19 where [host] kernel = v6.19 selects it). Read it beside the kernel: the
 * functions keep their names and their order of operations; each says where it differs.
 * docs/model/sched.md lists every simplification.
 */
#include "kvmsim/sched.h"

/* kernel/sched/core.c: sched_prio_to_weight[] (nice -20 .. 19) */
const int sched_prio_to_weight[40] = {
	/* -20 */ 88761, 71755, 56483, 46273, 36291,
	/* -15 */ 29154, 23254, 18705, 14949, 11916,
	/* -10 */ 9548,  7620,  6100,  4904,  3906,
	/*  -5 */ 3121,  2501,  1991,  1586,  1277,
	/*   0 */ 1024,  820,   655,   526,   423,
	/*   5 */ 335,   272,   215,   172,   137,
	/*  10 */ 110,   87,    70,    56,    45,
	/*  15 */ 36,    29,    23,    18,    15,
};

unsigned long scale_load_down_weight(int nice)
{
	return (unsigned long)sched_prio_to_weight[nice + 20];
}

static inline struct host *se_host(struct sched_entity *se)
{
	return se->cfs_rq->rq->host;
}

static inline bool v619(struct cfs_rq *cfs_rq)
{
	return cfs_host(cfs_rq)->params.kernel == KERNEL_V6_19;
}

/* ---------------------------------------------------------------- weights */

static inline void update_load_add(struct load_weight *lw, unsigned long inc)
{
	lw->weight += inc;
	lw->inv_weight = 0;
}

static inline void update_load_sub(struct load_weight *lw, unsigned long dec)
{
	lw->weight -= dec;
	lw->inv_weight = 0;
}

static inline void update_load_set(struct load_weight *lw, unsigned long w)
{
	lw->weight = w;
	lw->inv_weight = 0;
}

static inline u64 mul_u64_u32_shr(u64 a, u32 mul, unsigned int shift)
{
	return (u64)(((unsigned __int128)a * mul) >> shift);
}

static inline int fls32(u32 x)
{
	return x ? 32 - __builtin_clz(x) : 0;
}

/* fair.c: __update_inv_weight() */
static void __update_inv_weight(struct load_weight *lw)
{
	unsigned long w;

	if (likely(lw->inv_weight))
		return;
	w = lw->weight;
	if (unlikely(w >= WMULT_CONST))
		lw->inv_weight = 1;
	else if (unlikely(!w))
		lw->inv_weight = WMULT_CONST;
	else
		lw->inv_weight = WMULT_CONST / w;
}

/*
 * fair.c: __calc_delta(): delta_exec * weight / lw->weight with the kernel's 32-bit
 * inverse-weight multiply, so results match the kernel's rounding.
 */
u64 __calc_delta(u64 delta_exec, unsigned long weight, struct load_weight *lw)
{
	u64 fact = weight;
	u32 fact_hi = (u32)(fact >> 32);
	int shift = WMULT_SHIFT;
	int fs;

	__update_inv_weight(lw);
	if (unlikely(fact_hi)) {
		fs = fls32(fact_hi);
		shift -= fs;
		fact >>= fs;
	}
	fact = (u64)(u32)fact * lw->inv_weight;
	fact_hi = (u32)(fact >> 32);
	if (fact_hi) {
		fs = fls32(fact_hi);
		shift -= fs;
		fact >>= fs;
	}
	return mul_u64_u32_shr(delta_exec, (u32)fact, shift);
}

/* fair.c: calc_delta_fair() */
u64 calc_delta_fair(u64 delta, struct sched_entity *se)
{
	if (unlikely(se->load.weight != NICE_0_LOAD))
		delta = __calc_delta(delta, NICE_0_LOAD, &se->load);
	return delta;
}

static inline u64 min_vruntime(u64 a, u64 b)
{
	return (s64)(b - a) < 0 ? b : a;
}

static inline u64 max_vruntime(u64 a, u64 b)
{
	return (s64)(b - a) > 0 ? b : a;
}

static inline bool entity_before(const struct sched_entity *a, const struct sched_entity *b)
{
	return (s64)(a->deadline - b->deadline) < 0;
}

/* ---------------------------------------------------------------- the timeline */

/*
 * Tree order: deadline, then enqueue order (rb_add() puts equal keys to the right). The
 * deadline is copied at insertion (tkey) because, as in the kernel, callers may rewrite
 * se->deadline (e.g. to a relative one) just before __dequeue_entity(); rb_erase() needs
 * no key, a treap's erase does.
 */
static inline bool tree_before(const struct sched_entity *a, const struct sched_entity *b)
{
	s64 d = (s64)(a->tkey - b->tkey);

	return d < 0 || (d == 0 && a->tseq < b->tseq);
}

/* fair.c: min_vruntime_update() — the augmentation callback */
static inline void tree_update(struct sched_entity *se)
{
	u64 m = se->vruntime;

	if (se->tl)
		m = min_vruntime(m, se->tl->min_vruntime);
	if (se->tr)
		m = min_vruntime(m, se->tr->min_vruntime);
	se->min_vruntime = m;
}

static void tree_split(struct sched_entity *t, const struct sched_entity *key,
		       struct sched_entity **l, struct sched_entity **r)
{
	if (!t) {
		*l = *r = NULL;
	} else if (tree_before(t, key)) {
		tree_split(t->tr, key, &t->tr, r);
		*l = t;
		tree_update(t);
	} else {
		tree_split(t->tl, key, l, &t->tl);
		*r = t;
		tree_update(t);
	}
}

static struct sched_entity *tree_insert(struct sched_entity *t, struct sched_entity *se)
{
	if (!t) {
		tree_update(se);
		return se;
	}
	if (se->tprio > t->tprio) {
		tree_split(t, se, &se->tl, &se->tr);
		tree_update(se);
		return se;
	}
	if (tree_before(se, t))
		t->tl = tree_insert(t->tl, se);
	else
		t->tr = tree_insert(t->tr, se);
	tree_update(t);
	return t;
}

static struct sched_entity *tree_merge(struct sched_entity *a, struct sched_entity *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	if (a->tprio > b->tprio) {
		a->tr = tree_merge(a->tr, b);
		tree_update(a);
		return a;
	}
	b->tl = tree_merge(a, b->tl);
	tree_update(b);
	return b;
}

static struct sched_entity *tree_erase(struct sched_entity *t, struct sched_entity *se)
{
	if (t == se)
		return tree_merge(se->tl, se->tr);
	if (tree_before(se, t))
		t->tl = tree_erase(t->tl, se);
	else
		t->tr = tree_erase(t->tr, se);
	tree_update(t);
	return t;
}

/* ---------------------------------------------------------------- avg_vruntime */

static inline u64 *cfs_v0(struct cfs_rq *cfs_rq)
{
	return v619(cfs_rq) ? &cfs_rq->zero_vruntime : &cfs_rq->min_vruntime;
}

/* fair.c: entity_key() */
static inline s64 entity_key(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	return (s64)(se->vruntime - *cfs_v0(cfs_rq));
}

/* fair.c: avg_vruntime_add() */
static void avg_vruntime_add(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	unsigned long weight = se->load.weight;

	cfs_rq->avg_vruntime += entity_key(cfs_rq, se) * (s64)weight;
	cfs_rq->avg_load += weight;
}

/* fair.c: avg_vruntime_sub() */
static void avg_vruntime_sub(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	unsigned long weight = se->load.weight;

	cfs_rq->avg_vruntime -= entity_key(cfs_rq, se) * (s64)weight;
	cfs_rq->avg_load -= weight;
}

/* fair.c: avg_vruntime_update(): v0 moves by @delta */
static inline void avg_vruntime_update(struct cfs_rq *cfs_rq, s64 delta)
{
	cfs_rq->avg_vruntime -= (s64)cfs_rq->avg_load * delta;
}

/* fair.c: avg_vruntime(): V, the weighted average including curr, floored */
u64 avg_vruntime(struct cfs_rq *cfs_rq)
{
	struct sched_entity *curr = cfs_rq->curr;
	s64 avg = cfs_rq->avg_vruntime;
	long load = (long)cfs_rq->avg_load;

	if (curr && curr->on_rq) {
		unsigned long weight = curr->load.weight;

		avg += entity_key(cfs_rq, curr) * (s64)weight;
		load += (long)weight;
	}
	if (load) {
		/* sign flips effective floor / ceiling */
		if (avg < 0)
			avg -= (load - 1);
		avg = avg / load;
	}
	return *cfs_v0(cfs_rq) + (u64)avg;
}

/* fair.c: vruntime_eligible(): v <= V without the division */
int vruntime_eligible(struct cfs_rq *cfs_rq, u64 vruntime)
{
	struct sched_entity *curr = cfs_rq->curr;
	s64 avg = cfs_rq->avg_vruntime;
	long load = (long)cfs_rq->avg_load;

	if (curr && curr->on_rq) {
		unsigned long weight = curr->load.weight;

		avg += entity_key(cfs_rq, curr) * (s64)weight;
		load += (long)weight;
	}
	return avg >= (s64)(vruntime - *cfs_v0(cfs_rq)) * load;
}

int entity_eligible(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	return vruntime_eligible(cfs_rq, se->vruntime);
}

/* fair.c: __update_min_vruntime() (v6.18) */
static u64 __update_min_vruntime(struct cfs_rq *cfs_rq, u64 vruntime)
{
	u64 min_vr = cfs_rq->min_vruntime;
	s64 delta = (s64)(vruntime - min_vr);

	if (delta > 0) {
		avg_vruntime_update(cfs_rq, delta);
		min_vr = vruntime;
	}
	return min_vr;
}

/* fair.c: update_min_vruntime() (v6.18; removed in v6.19) */
void update_min_vruntime(struct cfs_rq *cfs_rq)
{
	struct sched_entity *se = cfs_rq->root;
	struct sched_entity *curr = cfs_rq->curr;
	u64 vruntime = cfs_rq->min_vruntime;

	if (v619(cfs_rq))
		return;
	if (curr) {
		if (curr->on_rq)
			vruntime = curr->vruntime;
		else
			curr = NULL;
	}
	if (se) {
		if (!curr)
			vruntime = se->min_vruntime;
		else
			vruntime = min_vruntime(vruntime, se->min_vruntime);
	}
	/* ensure we never gain time by being placed backwards. */
	cfs_rq->min_vruntime = __update_min_vruntime(cfs_rq, vruntime);
}

/* fair.c: update_zero_vruntime() (v6.19, 79f3f9bedd14): v0 follows V, also backwards */
static void update_zero_vruntime(struct cfs_rq *cfs_rq)
{
	u64 vruntime = avg_vruntime(cfs_rq);
	s64 delta = (s64)(vruntime - cfs_rq->zero_vruntime);

	avg_vruntime_update(cfs_rq, delta);
	cfs_rq->zero_vruntime = vruntime;
}

/* fair.c: __enqueue_entity() */
void __enqueue_entity(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	struct host *h = cfs_host(cfs_rq);

	if (v619(cfs_rq))
		update_zero_vruntime(cfs_rq);
	avg_vruntime_add(cfs_rq, se);
	se->min_vruntime = se->vruntime;
	se->tl = se->tr = NULL;
	se->tkey = se->deadline;
	se->tseq = cfs_rq->tseq++;
	se->tprio = splitmix64(&h->tprio_state);
	cfs_rq->root = tree_insert(cfs_rq->root, se);
}

/* fair.c: __dequeue_entity() */
void __dequeue_entity(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	cfs_rq->root = tree_erase(cfs_rq->root, se);
	se->tl = se->tr = NULL;
	avg_vruntime_sub(cfs_rq, se);
	if (v619(cfs_rq))
		update_zero_vruntime(cfs_rq);
}

/* fair.c: __pick_first_entity(): the earliest deadline */
struct sched_entity *__pick_first_entity(struct cfs_rq *cfs_rq)
{
	struct sched_entity *se = cfs_rq->root;

	while (se && se->tl)
		se = se->tl;
	return se;
}

/* ---------------------------------------------------------------- slice protection */

/* fair.c: cfs_rq_min_slice(); all slices are the base slice in the model (no custom slices) */
static inline u64 cfs_rq_min_slice(struct cfs_rq *cfs_rq)
{
	return cfs_host(cfs_rq)->params.sysctl_sched_base_slice;
}

/* fair.c: set_protect_slice() (v6.17+) */
static void set_protect_slice(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	struct host *h = cfs_host(cfs_rq);
	u64 slice = h->params.normalized_sysctl_sched_base_slice;
	u64 vprot = se->deadline;

	if (sched_feat(h, RUN_TO_PARITY))
		slice = cfs_rq_min_slice(cfs_rq);
	slice = min(slice, se->slice);
	if (slice != se->slice)
		vprot = min_vruntime(vprot, se->vruntime + calc_delta_fair(slice, se));
	se->vprot = vprot;
}

/* fair.c: protect_slice() */
bool protect_slice(struct sched_entity *se)
{
	return (s64)(se->vprot - se->vruntime) > 0;
}

/* fair.c: cancel_protect_slice() */
void cancel_protect_slice(struct sched_entity *se)
{
	if (protect_slice(se))
		se->vprot = se->vruntime;
}

/* fair.c: update_protect_slice() */
static void update_protect_slice(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	u64 slice = cfs_rq_min_slice(cfs_rq);

	se->vprot = min_vruntime(se->vprot, se->vruntime + calc_delta_fair(slice, se));
}

/* ---------------------------------------------------------------- update_curr */

/* fair.c: update_deadline() */
static bool update_deadline(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	if ((s64)(se->vruntime - se->deadline) < 0)
		return false;
	/* no custom slices: r_i = sysctl_sched_base_slice */
	se->slice = cfs_host(cfs_rq)->params.sysctl_sched_base_slice;
	se->deadline = se->vruntime + calc_delta_fair(se->slice, se);
	return true;
}

/* fair.c: update_se() */
static s64 update_se(struct rq *rq, struct sched_entity *se)
{
	u64 now = rq->clock_task;
	s64 delta_exec = (s64)(now - se->exec_start);

	if (unlikely(delta_exec <= 0))
		return delta_exec;
	se->exec_start = now;
	se->sum_exec_runtime += (u64)delta_exec;
	return delta_exec;
}

/*
 * fair.c: update_curr() (v6.17+ form: resched when the deadline is renewed or the
 * protected window has passed). No bandwidth control, no dl_server.
 */
void update_curr(struct cfs_rq *cfs_rq)
{
	struct sched_entity *curr = cfs_rq->curr;
	struct rq *rq = cfs_rq->rq;
	s64 delta_exec;
	bool resched;

	if (unlikely(!curr))
		return;
	delta_exec = update_se(rq, curr);
	if (unlikely(delta_exec <= 0))
		return;
	curr->vruntime += calc_delta_fair((u64)delta_exec, curr);
	resched = update_deadline(cfs_rq, curr);
	update_min_vruntime(cfs_rq);
	if (cfs_rq->nr_queued == 1)
		return;
	if (resched || !protect_slice(curr)) {
		resched_curr_lazy(rq);
		clear_buddies(cfs_rq, curr);
	}
}

/* ---------------------------------------------------------------- lag and placement */

/* The bound of update_entity_lag(): calc_delta_fair(max(2 slices, one tick)) */
s64 entity_lag_limit(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	u64 tick = cfs_host(cfs_rq)->params.tick_nsec;

	return (s64)calc_delta_fair(max(2 * se->slice, tick), se);
}

/* fair.c: update_entity_lag() (v6.18 clamp: max(2 slices, one tick) of virtual time) */
static void update_entity_lag(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	s64 vlag, limit;

	vlag = (s64)(avg_vruntime(cfs_rq) - se->vruntime);
	limit = entity_lag_limit(cfs_rq, se);
	se->vlag = clamp(vlag, -limit, limit);
}

/* fair.c: place_entity() */
void place_entity(struct cfs_rq *cfs_rq, struct sched_entity *se, int flags)
{
	struct host *h = cfs_host(cfs_rq);
	u64 vslice, vruntime = avg_vruntime(cfs_rq);
	s64 lag = 0;

	se->slice = h->params.sysctl_sched_base_slice;
	vslice = calc_delta_fair(se->slice, se);

	/* EEVDF placement strategy #1 / #2: preserve lag, inflated for the new average */
	if (sched_feat(h, PLACE_LAG) && cfs_rq->nr_queued && se->vlag) {
		struct sched_entity *curr = cfs_rq->curr;
		long load;

		lag = se->vlag;
		load = (long)cfs_rq->avg_load;
		if (curr && curr->on_rq)
			load += (long)curr->load.weight;
		lag *= load + (long)se->load.weight;
		if (!load)
			load = 1;
		lag = lag / load;
	}
	se->vruntime = vruntime - (u64)lag;

	if (se->rel_deadline) {
		se->deadline += se->vruntime;
		se->rel_deadline = false;
		return;
	}
	/* new tasks start with half a slice: others are, on average, half way through theirs */
	if (sched_feat(h, PLACE_DEADLINE_INITIAL) && (flags & ENQUEUE_INITIAL))
		vslice /= 2;
	se->deadline = se->vruntime + vslice;
}

/* ---------------------------------------------------------------- buddies */

/* fair.c: set_next_buddy(): the hint is set at every level up to the root */
void set_next_buddy(struct sched_entity *se)
{
	for_each_sched_entity(se) {
		if (!se->on_rq)
			return;
		cfs_rq_of(se)->next = se;
	}
}

/* fair.c: __clear_buddies_next() / clear_buddies() */
void clear_buddies(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	if (cfs_rq->next != se)
		return;
	for_each_sched_entity(se) {
		struct cfs_rq *c = cfs_rq_of(se);

		if (c->next != se)
			break;
		c->next = NULL;
	}
}

/* ---------------------------------------------------------------- group shares */

/* fair.c: calc_group_shares() */
long calc_group_shares(struct cfs_rq *cfs_rq)
{
	struct task_group *tg = cfs_rq->tg;
	long tg_weight, tg_shares, load, shares;

	tg_shares = (long)tg->shares;
	load = (long)max((u64)cfs_rq->load.weight, cfs_rq_load_avg(cfs_rq));
	tg_weight = (long)tg->load_avg;
	/* Ensure tg_weight >= load */
	tg_weight -= (long)cfs_rq->tg_load_avg_contrib;
	tg_weight += load;
	shares = tg_shares * load;
	if (tg_weight)
		shares /= tg_weight;
	return clamp(shares, (long)MIN_SHARES, tg_shares);
}

/* fair.c: reweight_entity() (v6.17+: also rescales a relative vprot) */
void reweight_entity(struct cfs_rq *cfs_rq, struct sched_entity *se, unsigned long weight)
{
	bool curr = cfs_rq->curr == se;
	bool rel_vprot = false;
	s64 vprot = 0;

	if (se->on_rq) {
		/* commit outstanding execution time */
		update_curr(cfs_rq);
		update_entity_lag(cfs_rq, se);
		se->deadline -= se->vruntime;
		se->rel_deadline = true;
		if (curr && protect_slice(se)) {
			vprot = (s64)(se->vprot - se->vruntime);
			rel_vprot = true;
		}
		cfs_rq->nr_queued--;
		if (!curr)
			__dequeue_entity(cfs_rq, se);
		update_cfs_rq_load_avg(cfs_rq->rq->clock_task, cfs_rq);
		update_load_sub(&cfs_rq->load, se->load.weight);
	}
	/* se->vlag = V - v_i while lag_i = w_i (V - v_i): rescale for the new weight */
	se->vlag = se->vlag * (s64)se->load.weight / (s64)weight;
	if (se->rel_deadline)
		se->deadline = (u64)((s64)se->deadline * (s64)se->load.weight / (s64)weight);
	if (rel_vprot)
		vprot = vprot * (s64)se->load.weight / (s64)weight;
	update_load_set(&se->load, weight);
	if (se->on_rq) {
		place_entity(cfs_rq, se, 0);
		if (rel_vprot)
			se->vprot = se->vruntime + (u64)vprot;
		update_load_add(&cfs_rq->load, se->load.weight);
		if (!curr)
			__enqueue_entity(cfs_rq, se);
		cfs_rq->nr_queued++;
		update_min_vruntime(cfs_rq);
	}
}

/* fair.c: update_cfs_group() */
void update_cfs_group(struct sched_entity *se)
{
	struct cfs_rq *gcfs_rq = group_cfs_rq(se);
	long shares;

	if (!gcfs_rq)
		return;
	shares = calc_group_shares(gcfs_rq);
	if (unlikely(se->load.weight != (unsigned long)shares))
		reweight_entity(cfs_rq_of(se), se, (unsigned long)shares);
}

/* fair.c: update_load_avg(): the model keeps one average per cfs_rq (see pelt.c) */
static void update_load_avg(struct cfs_rq *cfs_rq, bool update_tg)
{
	update_cfs_rq_load_avg(cfs_rq->rq->clock_task, cfs_rq);
	if (update_tg)
		update_tg_load_avg(cfs_rq);
}

/* fair.c: account_entity_enqueue() / account_entity_dequeue() */
static void account_entity_enqueue(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	update_cfs_rq_load_avg(cfs_rq->rq->clock_task, cfs_rq);
	update_load_add(&cfs_rq->load, se->load.weight);
	if (entity_is_task(se))
		cfs_tasks_add_head(se->task);
	cfs_rq->nr_queued++;
}

static void account_entity_dequeue(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	update_cfs_rq_load_avg(cfs_rq->rq->clock_task, cfs_rq);
	update_load_sub(&cfs_rq->load, se->load.weight);
	cfs_rq->nr_queued--;
}

/* ---------------------------------------------------------------- enqueue / dequeue */

/* fair.c: enqueue_entity() */
static void enqueue_entity(struct cfs_rq *cfs_rq, struct sched_entity *se, int flags)
{
	struct host *h = cfs_host(cfs_rq);
	bool curr = cfs_rq->curr == se;

	/* If we're the current task, we must renormalise before calling update_curr(). */
	if (curr)
		place_entity(cfs_rq, se, flags);
	update_curr(cfs_rq);
	update_load_avg(cfs_rq, true);
	/* init_entity_runnable_average(): a new task's load counts from the start */
	if ((flags & ENQUEUE_INITIAL) && entity_is_task(se))
		cfs_rq->avg.load_avg_fp += (u64)se->load.weight << PELT_FP_SHIFT;
	update_cfs_group(se);
	if (!curr)
		place_entity(cfs_rq, se, flags);
	account_entity_enqueue(cfs_rq, se);
	if (flags & ENQUEUE_MIGRATED)
		se->exec_start = 0;
	if (!curr)
		__enqueue_entity(cfs_rq, se);
	se->on_rq = true;
	if (h->check)
		sched_check_lag_after_place(cfs_rq, se);
}

/* fair.c: set_delayed() / clear_delayed() */
static void set_delayed(struct sched_entity *se)
{
	se->sched_delayed = true;
	if (!entity_is_task(se))
		return;
	for_each_sched_entity(se)
		cfs_rq_of(se)->h_nr_runnable--;
}

static void clear_delayed(struct sched_entity *se)
{
	se->sched_delayed = false;
	if (!entity_is_task(se))
		return;
	for_each_sched_entity(se)
		cfs_rq_of(se)->h_nr_runnable++;
}

/* fair.c: finish_delayed_dequeue_entity() */
static inline void finish_delayed_dequeue_entity(struct sched_entity *se)
{
	clear_delayed(se);
	if (sched_feat(se_host(se), DELAY_ZERO) && se->vlag > 0)
		se->vlag = 0;
}

/* fair.c: dequeue_entity(); false when the dequeue is delayed (DELAY_DEQUEUE) */
static bool dequeue_entity(struct cfs_rq *cfs_rq, struct sched_entity *se, int flags)
{
	struct host *h = cfs_host(cfs_rq);
	bool sleep = flags & DEQUEUE_SLEEP;

	update_curr(cfs_rq);
	clear_buddies(cfs_rq, se);

	if (!(flags & DEQUEUE_DELAYED)) {
		bool delay = sleep && !(flags & DEQUEUE_SPECIAL);

		if (sched_feat(h, DELAY_DEQUEUE) && delay && !entity_eligible(cfs_rq, se)) {
			update_load_avg(cfs_rq, false);
			set_delayed(se);
			return false;
		}
	}
	update_load_avg(cfs_rq, true);
	update_entity_lag(cfs_rq, se);
	if (sched_feat(h, PLACE_REL_DEADLINE) && !sleep) {
		se->deadline -= se->vruntime;
		se->rel_deadline = true;
	}
	if (se != cfs_rq->curr)
		__dequeue_entity(cfs_rq, se);
	se->on_rq = false;
	account_entity_dequeue(cfs_rq, se);
	update_cfs_group(se);
	if ((flags & (DEQUEUE_SAVE | DEQUEUE_MOVE)) != DEQUEUE_SAVE)
		update_min_vruntime(cfs_rq);
	if (flags & DEQUEUE_DELAYED)
		finish_delayed_dequeue_entity(se);
	return true;
}

/* fair.c: requeue_delayed_entity() */
static void requeue_delayed_entity(struct sched_entity *se)
{
	struct cfs_rq *cfs_rq = cfs_rq_of(se);

	if (sched_feat(se_host(se), DELAY_ZERO)) {
		update_entity_lag(cfs_rq, se);
		if (se->vlag > 0) {
			cfs_rq->nr_queued--;
			if (se != cfs_rq->curr)
				__dequeue_entity(cfs_rq, se);
			se->vlag = 0;
			place_entity(cfs_rq, se, 0);
			if (se != cfs_rq->curr)
				__enqueue_entity(cfs_rq, se);
			cfs_rq->nr_queued++;
		}
	}
	update_load_avg(cfs_rq, false);
	clear_delayed(se);
}

/* fair.c: enqueue_task_fair() (no bandwidth control, no util_est) */
void enqueue_task_fair(struct rq *rq, struct task_struct *p, int flags)
{
	struct sched_entity *se = &p->se;
	int h_nr_runnable = 1;
	int task_new = !(flags & ENQUEUE_WAKEUP);

	if (flags & ENQUEUE_DELAYED) {
		requeue_delayed_entity(se);
		return;
	}
	if (task_new && se->sched_delayed)
		h_nr_runnable = 0;

	for_each_sched_entity(se) {
		struct cfs_rq *cfs_rq;

		if (se->on_rq) {
			if (se->sched_delayed)
				requeue_delayed_entity(se);
			break;
		}
		cfs_rq = cfs_rq_of(se);
		enqueue_entity(cfs_rq, se, flags);
		cfs_rq->h_nr_runnable += h_nr_runnable;
		cfs_rq->h_nr_queued++;
		flags = ENQUEUE_WAKEUP;
	}
	for_each_sched_entity(se) {
		struct cfs_rq *cfs_rq = cfs_rq_of(se);

		update_load_avg(cfs_rq, true);
		update_cfs_group(se);
		cfs_rq->h_nr_runnable += h_nr_runnable;
		cfs_rq->h_nr_queued++;
	}
	rq->nr_running++;
}

/*
 * fair.c: dequeue_entities(). Returns 1 when the task (or entity chain) was dequeued,
 * -1 when the task's dequeue was delayed.
 */
static int dequeue_entities(struct rq *rq, struct sched_entity *se, int flags)
{
	bool task_sleep = flags & DEQUEUE_SLEEP;
	bool task_delayed = flags & DEQUEUE_DELAYED;
	struct task_struct *p = NULL;
	int h_nr_queued = 0, h_nr_runnable = 0;

	if (entity_is_task(se)) {
		p = se->task;
		h_nr_queued = 1;
		if (task_sleep || task_delayed || !se->sched_delayed)
			h_nr_runnable = 1;
	} else {
		/* a delayed group entity: all of its (delayed) tasks leave with it */
		h_nr_queued = (int)se->my_q->h_nr_queued;
		h_nr_runnable = (int)se->my_q->h_nr_runnable;
	}

	for_each_sched_entity(se) {
		struct cfs_rq *cfs_rq = cfs_rq_of(se);

		if (!dequeue_entity(cfs_rq, se, flags)) {
			if (p && &p->se == se)
				return -1;
			break;
		}
		cfs_rq->h_nr_runnable -= h_nr_runnable;
		cfs_rq->h_nr_queued -= h_nr_queued;

		/* Don't dequeue parent if it has other entities besides us */
		if (cfs_rq->load.weight) {
			se = se->parent;
			/* Bias pick_next to pick a task from this cfs_rq, as p is sleeping. */
			if (task_sleep && se)
				set_next_buddy(se);
			break;
		}
		flags |= DEQUEUE_SLEEP;
		flags &= ~(DEQUEUE_DELAYED | DEQUEUE_SPECIAL);
	}
	for_each_sched_entity(se) {
		struct cfs_rq *cfs_rq = cfs_rq_of(se);

		update_load_avg(cfs_rq, true);
		update_cfs_group(se);
		cfs_rq->h_nr_runnable -= h_nr_runnable;
		cfs_rq->h_nr_queued -= h_nr_queued;
	}
	rq->nr_running -= (unsigned int)h_nr_queued;
	return 1;
}

/* fair.c: dequeue_task_fair(); false when the dequeue was delayed */
bool dequeue_task_fair(struct rq *rq, struct task_struct *p, int flags)
{
	return dequeue_entities(rq, &p->se, flags) > 0;
}

/* ---------------------------------------------------------------- pick */

/* fair.c: __pick_eevdf() (v6.18: PICK_BUDDY lives in pick_next_entity) */
struct sched_entity *__pick_eevdf(struct cfs_rq *cfs_rq, bool protect)
{
	struct sched_entity *node = cfs_rq->root;
	struct sched_entity *se = __pick_first_entity(cfs_rq);
	struct sched_entity *curr = cfs_rq->curr;
	struct sched_entity *best = NULL;

	/* We can safely skip eligibility check if there is only one entity in this cfs_rq. */
	if (cfs_rq->nr_queued == 1)
		return curr && curr->on_rq ? curr : se;
	/* v6.19 (e837456fdca8) moved PICK_BUDDY here from pick_next_entity() */
	if (v619(cfs_rq) && sched_feat(cfs_host(cfs_rq), PICK_BUDDY) && cfs_rq->next &&
	    entity_eligible(cfs_rq, cfs_rq->next))
		return cfs_rq->next;
	if (curr && (!curr->on_rq || !entity_eligible(cfs_rq, curr)))
		curr = NULL;
	if (curr && protect && protect_slice(curr))
		return curr;
	/* Pick the leftmost entity if it's eligible */
	if (se && entity_eligible(cfs_rq, se)) {
		best = se;
		goto found;
	}
	/* Heap search for the EEVD entity */
	while (node) {
		struct sched_entity *left = node->tl;

		/* Eligible entities in left subtree are always better choices. */
		if (left && vruntime_eligible(cfs_rq, left->min_vruntime)) {
			node = left;
			continue;
		}
		if (entity_eligible(cfs_rq, node)) {
			best = node;
			break;
		}
		node = node->tr;
	}
found:
	if (!best || (curr && entity_before(curr, best)))
		best = curr;
	return best;
}

/* fair.c: pick_next_entity() (v6.18); NULL when a delayed entity was dequeued instead */
static struct sched_entity *pick_next_entity(struct rq *rq, struct cfs_rq *cfs_rq)
{
	struct host *h = rq->host;
	struct sched_entity *se;

	/* Picking the ->next buddy will affect latency but not fairness. */
	if (h->params.kernel == KERNEL_V6_18 && sched_feat(h, PICK_BUDDY) && cfs_rq->next &&
	    entity_eligible(cfs_rq, cfs_rq->next)) {
		if (h->check)
			sched_check_pick(cfs_rq, cfs_rq->next, true);
		return cfs_rq->next;
	}
	se = __pick_eevdf(cfs_rq, true);
	if (h->check)
		sched_check_pick(cfs_rq, se, false);
	if (se->sched_delayed) {
		dequeue_entities(rq, se, DEQUEUE_SLEEP | DEQUEUE_DELAYED);
		return NULL;
	}
	return se;
}

/* fair.c: pick_task_fair() */
static struct task_struct *pick_task_fair(struct rq *rq)
{
	struct sched_entity *se;
	struct cfs_rq *cfs_rq;

again:
	cfs_rq = &rq->cfs;
	if (!cfs_rq->nr_queued)
		return NULL;
	do {
		/* Might not have done put_prev_entity() */
		if (cfs_rq->curr && cfs_rq->curr->on_rq)
			update_curr(cfs_rq);
		se = pick_next_entity(rq, cfs_rq);
		if (!se)
			goto again;
		cfs_rq = group_cfs_rq(se);
	} while (cfs_rq);
	return se->task;
}

/* fair.c: set_next_entity() */
static void set_next_entity(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	/* 'current' is not kept within the tree. */
	if (se->on_rq) {
		__dequeue_entity(cfs_rq, se);
		update_load_avg(cfs_rq, true);
		set_protect_slice(cfs_rq, se);
	}
	se->exec_start = cfs_rq->rq->clock_task;
	cfs_rq->curr = se;
	se->prev_sum_exec_runtime = se->sum_exec_runtime;
}

/* fair.c: put_prev_entity() */
static void put_prev_entity(struct cfs_rq *cfs_rq, struct sched_entity *prev)
{
	/* If still on the runqueue then deactivate_task() was not called and update_curr() has to be done: */
	if (prev->on_rq)
		update_curr(cfs_rq);
	if (prev->on_rq) {
		/* Put 'current' back into the tree. */
		__enqueue_entity(cfs_rq, prev);
		update_load_avg(cfs_rq, false);
	}
	cfs_rq->curr = NULL;
}

/* fair.c: put_prev_task_fair() */
void put_prev_task_fair(struct rq *rq, struct task_struct *prev)
{
	struct sched_entity *se = &prev->se;

	for_each_sched_entity(se)
		put_prev_entity(cfs_rq_of(se), se);
}

/* fair.c: set_next_task_fair() */
static void set_next_task_fair(struct rq *rq, struct task_struct *p)
{
	struct sched_entity *se = &p->se;

	for_each_sched_entity(se)
		set_next_entity(cfs_rq_of(se), se);
}

/*
 * fair.c: pick_next_task_fair(). @prev is the fair task that ran (NULL from idle). Only
 * the part of the hierarchy that changes is put and set, as the kernel does, so a group
 * entity that stays current keeps its slice protection.
 */
struct task_struct *pick_next_task_fair(struct rq *rq, struct task_struct *prev)
{
	struct task_struct *p;
	struct sched_entity *se, *pse;

	p = pick_task_fair(rq);
	if (!p) {
		if (prev)
			put_prev_task_fair(rq, prev);
		return NULL;
	}
	/* __set_next_task_fair(): the MRU order of rq->cfs_tasks */
	cfs_tasks_add_head(p);
	if (!prev) {
		set_next_task_fair(rq, p);
		return p;
	}
	if (prev != p) {
		struct cfs_rq *cfs_rq;

		se = &p->se;
		pse = &prev->se;
		while (!(cfs_rq = (se->cfs_rq == pse->cfs_rq ? se->cfs_rq : NULL))) {
			int se_depth = se->depth;
			int pse_depth = pse->depth;

			if (se_depth <= pse_depth) {
				put_prev_entity(cfs_rq_of(pse), pse);
				pse = pse->parent;
			}
			if (se_depth >= pse_depth) {
				set_next_entity(cfs_rq_of(se), se);
				se = se->parent;
			}
		}
		put_prev_entity(cfs_rq, pse);
		set_next_entity(cfs_rq, se);
	}
	return p;
}

/* ---------------------------------------------------------------- tick */

/* fair.c: entity_tick() */
static void entity_tick(struct cfs_rq *cfs_rq, struct sched_entity *curr)
{
	update_curr(cfs_rq);
	update_load_avg(cfs_rq, true);
	update_cfs_group(curr);
}

/* fair.c: task_tick_fair() */
void task_tick_fair(struct rq *rq, struct task_struct *curr)
{
	struct sched_entity *se = &curr->se;

	for_each_sched_entity(se)
		entity_tick(cfs_rq_of(se), se);
}

/* ---------------------------------------------------------------- wakeup preemption */

/* fair.c: find_matching_se(): bring both to siblings of one cfs_rq */
void find_matching_se(struct sched_entity **se, struct sched_entity **pse)
{
	int se_depth = (*se)->depth, pse_depth = (*pse)->depth;

	while (se_depth > pse_depth) {
		se_depth--;
		*se = (*se)->parent;
	}
	while (pse_depth > se_depth) {
		pse_depth--;
		*pse = (*pse)->parent;
	}
	while ((*se)->cfs_rq != (*pse)->cfs_rq) {
		*se = (*se)->parent;
		*pse = (*pse)->parent;
	}
}

/*
 * fair.c: check_preempt_wakeup_fair(), v6.18 and (with [host] kernel = v6.19) the
 * e837456fdca8 form. No SCHED_IDLE/BATCH policies in the model; no throttling.
 * WF_TASK_CTX says the wakeup came from the task running on this CPU (not an interrupt).
 */
void check_preempt_wakeup_fair(struct rq *rq, struct task_struct *p, int wake_flags)
{
	struct host *h = rq->host;
	struct task_struct *curr = rq->curr;
	struct sched_entity *se, *pse = &p->se;
	struct cfs_rq *cfs_rq;
	bool do_preempt_short, preempt = false;

	if (!curr)
		return;
	se = &curr->se;
	if (se == pse)
		return;
	if (h->params.kernel == KERNEL_V6_18 && sched_feat(h, NEXT_BUDDY) &&
	    !(wake_flags & WF_FORK) && !pse->sched_delayed)
		set_next_buddy(pse);
	if (rq->need_resched)
		return;
	if (!sched_feat(h, WAKEUP_PREEMPTION))
		return;
	find_matching_se(&se, &pse);
	cfs_rq = cfs_rq_of(se);
	update_curr(cfs_rq);
	/* PREEMPT_SHORT: never true with the model's equal slices, kept for the shape */
	do_preempt_short = sched_feat(h, PREEMPT_SHORT) && pse->slice < se->slice;

	if (h->params.kernel == KERNEL_V6_19 && !do_preempt_short) {
		if ((wake_flags & WF_FORK) || pse->sched_delayed)
			return;
		/* PREEMPT_WAKEUP_RESCHED: a waker in task context that is not eligible */
		if ((wake_flags & WF_TASK_CTX) && !entity_eligible(cfs_rq, se)) {
			preempt = true;
			goto out;
		}
		if (sched_feat(h, NEXT_BUDDY) &&
		    !(cfs_rq->next && entity_before(cfs_rq->next, pse)))
			set_next_buddy(pse);
	}
	if (__pick_eevdf(cfs_rq, !do_preempt_short) == pse)
		preempt = true;
out:
	if (preempt) {
		if (do_preempt_short)
			cancel_protect_slice(se);
		resched_curr_lazy(rq);
		return;
	}
	if (sched_feat(h, RUN_TO_PARITY) && (do_preempt_short || h->params.kernel == KERNEL_V6_19))
		update_protect_slice(cfs_rq, se);
}

/* ---------------------------------------------------------------- yield */

/*
 * fair.c: yield_task_fair(). v6.18.0: the yielder's deadline moves one slice later.
 * v6.19 (79104becf42b, also 6.18.2+ stable): an eligible yielder forfeits the rest of its
 * request, vruntime = deadline. Only the task-level entity is touched.
 */
void __yield_task_fair(struct rq *rq)
{
	struct task_struct *curr = rq->curr;
	struct cfs_rq *cfs_rq = cfs_rq_of(&curr->se);
	struct sched_entity *se = &curr->se;

	/* Are we the only task in the tree? */
	if (unlikely(rq->nr_running == 1))
		return;
	clear_buddies(cfs_rq, se);
	update_rq_clock(rq);
	/* Update run-time statistics of the 'current'. */
	update_curr(cfs_rq);
	if (rq->host->params.kernel == KERNEL_V6_19) {
		if (entity_eligible(cfs_rq, se)) {
			se->vruntime = se->deadline;
			se->deadline += calc_delta_fair(se->slice, se);
		}
	} else {
		/* Tell update_rq_clock() that we've just updated, so we don't do double updates. */
		se->deadline += calc_delta_fair(se->slice, se);
	}
}

/*
 * fair.c: yield_task_fair(), the class hook of sched_yield() and of yield_to(): the
 * base kernel's, unless the [policy] yield design replaces it (prateek).
 */
void yield_task_fair(struct rq *rq)
{
	const struct yield_policy_ops *ops = yield_policy_ops_of(rq->host->params.yield_policy);

	if (ops->yield_task)
		ops->yield_task(rq);
	else
		__yield_task_fair(rq);
}

/* fair.c: yield_to_task_fair() (v6.18), the base kernel's form */
bool __yield_to_task_fair(struct rq *rq, struct task_struct *p)
{
	/* Tell the scheduler that we'd really like se to run next. */
	set_next_buddy(&p->se);
	yield_task_fair(rq);
	return true;
}

/*
 * fair.c: yield_to_task_fair(): the hook where the [policy] yield designs of
 * kernel/sched/yield_*.c change the directed yield (the seed's debooster, v3's lag
 * credit, the alternatives). The !on_rq refusal ("also covers throttled task") is the
 * same for all of them.
 */
bool yield_to_task_fair(struct rq *rq, struct task_struct *p)
{
	const struct yield_policy_ops *ops = yield_policy_ops_of(rq->host->params.yield_policy);

	if (!p->se.on_rq)
		return false;
	if (ops->yield_to_task)
		return ops->yield_to_task(rq, p);
	return __yield_to_task_fair(rq, p);
}
