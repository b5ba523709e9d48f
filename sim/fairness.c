// SPDX-License-Identifier: GPL-2.0
/*
 * The fairness figures of a simulated run (include/kvmsim/report.h): every task's and
 * cgroup's fair share from the host's weights, shares and affinities, the longest
 * runnable wait, and what the [policy] yield design did (docs/model/policies.md
 * "Fairness figures").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvmsim/host_task.h"
#include "kvmsim/report.h"
#include "kvmsim/sched.h"

/*
 * What a task would use if it ran alone: a host task that sleeps uses its duty cycle
 * run / (run + sleep); every other behaviour (hog, yield-loop, yield-to) and any task
 * that is not a host task (a vCPU thread) is taken as always runnable.
 */
static double task_demand(const struct task_struct *p)
{
	const struct host_task *ht = p->ops == &host_task_ops ? p->ops_data : NULL;

	if (ht && ht->behavior == TASK_PERIODIC && ht->run + ht->sleep)
		return (double)ht->run / (double)(ht->run + ht->sleep);
	return 1.0;
}

static int tg_index(struct host *h, const struct task_group *tg)
{
	for (int i = 0; i < h->nr_tgs; i++)
		if (h->tgs[i] == tg)
			return i + 1;
	return 0;
}

int host_report_fairness(struct host *h, struct run_result *r)
{
	int nr = 1 + h->nr_tgs + h->nr_tasks, base = 1 + h->nr_tgs;
	struct fair_node *n = calloc((size_t)nr, sizeof(*n));
	u64 now = h->sim->now;

	r->cgroups = calloc((size_t)h->nr_tgs + 1, sizeof(*r->cgroups));
	if (!n || !r->cgroups) {
		free(n);
		return -ENOMEM;
	}
	n[0].parent = -1;
	n[0].weight = h->root_task_group.shares;
	for (int i = 0; i < h->nr_tgs; i++) {
		n[1 + i].parent = tg_index(h, h->tgs[i]->parent);
		n[1 + i].weight = h->tgs[i]->shares;
	}
	for (int i = 0; i < h->nr_tasks && i < r->nr_tasks; i++) {
		struct task_struct *p = h->tasks[i];
		struct fair_node *t = &n[base + i];

		t->parent = tg_index(h, p->tg);
		t->is_task = true;
		t->weight = p->se.load.weight;
		t->demand = task_demand(p);
		t->cpus = p->cpus_mask;
		/* the longest wait: the histogram's, or a spell still open now (starvation) */
		r->tasks[i].longest_wait_ns = p->wait.max;
		if (p->waiting && now - p->runnable_since > r->tasks[i].longest_wait_ns)
			r->tasks[i].longest_wait_ns = now - p->runnable_since;
	}
	if (fair_share_solve(n, nr, h->nr_cpus)) {
		free(n);
		return -ENOMEM;
	}
	for (int i = 0; i < h->nr_tasks && i < r->nr_tasks; i++)
		r->tasks[i].fair_share = n[base + i].fair;
	r->nr_cgroups = h->nr_tgs;
	for (int i = 0; i < h->nr_tgs; i++) {
		struct cgroup_result *g = &r->cgroups[i];
		const struct task_group *tg = h->tgs[i];

		snprintf(g->name, sizeof(g->name), "%s", tg->name);
		snprintf(g->parent, sizeof(g->parent), "%s", tg->parent->se ? tg->parent->name : "");
		g->fair_share = n[1 + i].fair;
	}
	/* a cgroup's CPU share and task count: its subtree's tasks */
	for (int i = 0; i < h->nr_tasks && i < r->nr_tasks; i++)
		for (const struct task_group *tg = h->tasks[i]->tg; tg && tg->se; tg = tg->parent) {
			struct cgroup_result *g = &r->cgroups[tg_index(h, tg) - 1];

			g->cpu_share += r->tasks[i].cpu_share;
			g->nr_tasks++;
		}
	free(n);

	r->yield.policy = yield_policy_name(h->params.yield_policy);
	for (int c = 0; c < h->nr_cpus; c++) {
		const struct yield_policy_stats *y = &h->rqs[c].ystats;

		r->yield.calls += y->calls;
		r->yield.rate_limited += y->rate_limited;
		r->yield.rejected += y->rejected;
		r->yield.applied += y->applied;
		r->yield.debounced += y->debounced;
		r->yield.penalty_ns += y->penalty_ns;
		r->yield.credit_ns += y->credit_ns;
	}
	run_result_finish(r);
	return 0;
}
