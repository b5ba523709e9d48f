// SPDX-License-Identifier: GPL-2.0
/*
 * The invariant checker behind `kvmsim run --check` (the model's analogue of the
 * kernel's SCHED_WARN_ON()s, made exhaustive): after every scheduler operation it
 * recounts each cfs_rq of the CPU and compares with the maintained counters, sums and
 * tree augmentation; at each pick it checks the EEVDF rule; at each placement the lag
 * bound.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "kvmsim/sched.h"

void sched_check_failed(struct host *h, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (h->check_fail && h->check_fail(h, msg))
		return;
	fprintf(stderr, "kvmsim: invariant violated at t=%llu ns: %s\n",
		(unsigned long long)h->sim->now, msg);
	abort();
}

struct recount {
	unsigned int nodes, h_nr_queued, h_nr_runnable;
	unsigned long weight;
	s64 avg_vruntime;
	u64 avg_load;
};

static void count_entity(struct sched_entity *se, struct recount *rc)
{
	rc->weight += se->load.weight;
	if (entity_is_task(se)) {
		rc->h_nr_queued++;
		rc->h_nr_runnable += !se->sched_delayed;
	} else {
		rc->h_nr_queued += se->my_q->h_nr_queued;
		rc->h_nr_runnable += se->my_q->h_nr_runnable;
	}
}

static u64 walk(struct host *h, struct cfs_rq *cfs_rq, struct sched_entity *se,
		struct recount *rc, u64 v0, const char *where)
{
	u64 m = se->vruntime;

	if (!se->on_rq)
		sched_check_failed(h, "%s: an entity in the tree is not on_rq", where);
	if (se->tl) {
		if ((s64)(se->tl->deadline - se->deadline) > 0)
			sched_check_failed(h, "%s: tree order broken", where);
		u64 l = walk(h, cfs_rq, se->tl, rc, v0, where);

		m = (s64)(l - m) < 0 ? l : m;
	}
	if (se->tr) {
		if ((s64)(se->tr->deadline - se->deadline) < 0)
			sched_check_failed(h, "%s: tree order broken", where);
		u64 r = walk(h, cfs_rq, se->tr, rc, v0, where);

		m = (s64)(r - m) < 0 ? r : m;
	}
	if (m != se->min_vruntime)
		sched_check_failed(h, "%s: stale min_vruntime augmentation", where);
	rc->nodes++;
	rc->avg_vruntime += (s64)(se->vruntime - v0) * (s64)se->load.weight;
	rc->avg_load += se->load.weight;
	count_entity(se, rc);
	return m;
}

static void check_cfs_rq(struct host *h, struct cfs_rq *cfs_rq, const char *where)
{
	struct recount rc = {0};
	u64 v0 = h->params.kernel == KERNEL_V6_19 ? cfs_rq->zero_vruntime : cfs_rq->min_vruntime;

	if (cfs_rq->root)
		walk(h, cfs_rq, cfs_rq->root, &rc, v0, where);
	if (cfs_rq->curr && cfs_rq->curr->on_rq) {
		rc.nodes++;
		count_entity(cfs_rq->curr, &rc);
	}
	if (rc.nodes != cfs_rq->nr_queued)
		sched_check_failed(h, "%s: cpu%d %s: nr_queued %u, recount %u", where,
				   cfs_rq->rq->cpu, cfs_rq->tg->name, cfs_rq->nr_queued, rc.nodes);
	if (rc.h_nr_queued != cfs_rq->h_nr_queued)
		sched_check_failed(h, "%s: cpu%d %s: h_nr_queued %u, recount %u", where,
				   cfs_rq->rq->cpu, cfs_rq->tg->name, cfs_rq->h_nr_queued,
				   rc.h_nr_queued);
	if (rc.h_nr_runnable != cfs_rq->h_nr_runnable)
		sched_check_failed(h, "%s: cpu%d %s: h_nr_runnable %u, recount %u", where,
				   cfs_rq->rq->cpu, cfs_rq->tg->name, cfs_rq->h_nr_runnable,
				   rc.h_nr_runnable);
	if (rc.weight != cfs_rq->load.weight)
		sched_check_failed(h, "%s: cpu%d %s: load.weight %lu, recount %lu", where,
				   cfs_rq->rq->cpu, cfs_rq->tg->name, cfs_rq->load.weight, rc.weight);
	if (rc.avg_load != cfs_rq->avg_load || rc.avg_vruntime != cfs_rq->avg_vruntime)
		sched_check_failed(h, "%s: cpu%d %s: avg_vruntime/avg_load %lld/%llu, recount %lld/%llu",
				   where, cfs_rq->rq->cpu, cfs_rq->tg->name,
				   (long long)cfs_rq->avg_vruntime, (unsigned long long)cfs_rq->avg_load,
				   (long long)rc.avg_vruntime, (unsigned long long)rc.avg_load);
	if (cfs_rq->next && !cfs_rq->next->on_rq)
		sched_check_failed(h, "%s: the next buddy is not queued", where);
}

void sched_check_rq(struct rq *rq, const char *where)
{
	struct host *h = rq->host;

	h->check_stats.checks++;
	check_cfs_rq(h, &rq->cfs, where);
	for (int i = 0; i < h->nr_tgs; i++)
		check_cfs_rq(h, h->tgs[i]->cfs_rq[rq->cpu], where);
	if (rq->nr_running != rq->cfs.h_nr_queued)
		sched_check_failed(h, "%s: cpu%d: nr_running %u != h_nr_queued %u", where, rq->cpu,
				   rq->nr_running, rq->cfs.h_nr_queued);
}

/* After placement the entity's lag, V - v, equals its stored (clamped) vlag. */
void sched_check_lag_after_place(struct cfs_rq *cfs_rq, struct sched_entity *se)
{
	struct host *h = cfs_host(cfs_rq);
	s64 lag = (s64)(avg_vruntime(cfs_rq) - se->vruntime);
	s64 limit = (s64)calc_delta_fair(max(2 * se->slice, h->params.tick_nsec), se);

	h->check_stats.lag_checks++;
	/* +2: the floor of the average and the division in the inflation */
	if (lag > limit + 2 || lag < -limit - 2)
		sched_check_failed(h, "placed lag %lld outside its clamp +-%lld", (long long)lag,
				   (long long)limit);
}

static void min_eligible_deadline(struct cfs_rq *cfs_rq, struct sched_entity *se,
				  struct sched_entity **best)
{
	if (!se)
		return;
	if (entity_eligible(cfs_rq, se) &&
	    (!*best || (s64)(se->deadline - (*best)->deadline) < 0))
		*best = se;
	min_eligible_deadline(cfs_rq, se->tl, best);
	min_eligible_deadline(cfs_rq, se->tr, best);
}

/*
 * The pick: a buddy must be eligible; otherwise, unless the queue has one entity or the
 * pick is the protected eligible curr, the pick is eligible when anything is, and has the
 * earliest deadline among the eligible.
 */
void sched_check_pick(struct cfs_rq *cfs_rq, struct sched_entity *picked, bool buddy)
{
	struct host *h = cfs_host(cfs_rq);
	struct sched_entity *best = NULL, *curr = cfs_rq->curr;

	h->check_stats.pick_checks++;
	if (buddy) {
		if (!entity_eligible(cfs_rq, picked))
			sched_check_failed(h, "picked an ineligible buddy");
		return;
	}
	if (cfs_rq->nr_queued == 1)
		return;
	min_eligible_deadline(cfs_rq, cfs_rq->root, &best);
	if (curr && curr->on_rq && entity_eligible(cfs_rq, curr) &&
	    (!best || (s64)(curr->deadline - best->deadline) < 0))
		best = curr;
	if (!best)
		return;
	if (!entity_eligible(cfs_rq, picked))
		sched_check_failed(h, "picked an ineligible entity while an eligible one exists");
	if (picked == curr && protect_slice(curr))
		return;
	if (h->params.kernel == KERNEL_V6_19 && picked == cfs_rq->next)
		return;
	if ((s64)(picked->deadline - best->deadline) > 0)
		sched_check_failed(h, "picked deadline %llu, earliest eligible deadline %llu",
				   (unsigned long long)picked->deadline,
				   (unsigned long long)best->deadline);
}
