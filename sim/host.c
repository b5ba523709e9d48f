// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated host: build the scheduler model and the host tasks from a scenario, run
 * the event loop, and report (include/kvmsim/host.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kvmsim/host.h"
#include "kvmsim/host_task.h"
#include "kvmsim/kvm_host.h"
#include "kvmsim/sched.h"

struct run_ctx {
	struct sim sim;
	struct host h;
	struct task_group **tg_of;	/* per scenario cgroup */
	struct host_task *hts;
	int nr_hts;
	const struct scenario *s;
	struct kvm_params kvm_params;
	struct kvm **vms;
	int nr_vms;
};

static struct task_group *make_group(struct run_ctx *c, int i)
{
	const struct scn_cgroup *cg = &c->s->cgroups[i];
	struct task_group *parent = NULL;

	if (c->tg_of[i])
		return c->tg_of[i];
	if (cg->parent[0]) {
		for (int k = 0; k < c->s->nr_cgroups; k++)
			if (!strcmp(c->s->cgroups[k].name, cg->parent))
				parent = make_group(c, k);
	}
	c->tg_of[i] = sched_create_group(&c->h, cg->name, parent, cg->shares);
	return c->tg_of[i];
}

static struct task_group *group_named(struct run_ctx *c, const char *name)
{
	for (int i = 0; i < c->s->nr_cgroups; i++)
		if (!strcmp(c->s->cgroups[i].name, name))
			return c->tg_of[i];
	return NULL;
}

static struct task_struct *task_named(struct host *h, const char *name)
{
	for (int i = 0; i < h->nr_tasks; i++)
		if (!strcmp(h->tasks[i]->name, name))
			return h->tasks[i];
	return NULL;
}

/* Bring every running entity's accounting up to now (update_curr at each level). */
static void flush_curr(struct host *h)
{
	for (int c = 0; c < h->nr_cpus; c++) {
		struct rq *rq = &h->rqs[c];
		struct sched_entity *se;

		if (!rq->curr)
			continue;
		update_rq_clock(rq);
		se = &rq->curr->se;
		for_each_sched_entity(se)
			update_curr(cfs_rq_of(se));
	}
}

static void warmup_fn(struct sim *sim, struct sim_event *ev)
{
	struct run_ctx *c = ev->obj;
	struct host *h = &c->h;

	flush_curr(h);
	for (int i = 0; i < h->nr_tasks; i++) {
		h->tasks[i]->runtime_at_warmup = h->tasks[i]->se.sum_exec_runtime;
		h->tasks[i]->nr_switches_at_warmup = h->tasks[i]->nr_switches;
	}
	h->warmed_up = true;
	kvm_warmup(c->vms, c->nr_vms);
}

static int build(struct run_ctx *c, char *err)
{
	const struct scenario *s = c->s;
	int n = 0;

	c->tg_of = calloc((size_t)s->nr_cgroups + 1, sizeof(*c->tg_of));
	for (int i = 0; i < s->nr_tasks; i++)
		n += s->tasks[i].count;
	c->hts = calloc((size_t)n + 1, sizeof(*c->hts));
	if (!c->tg_of || !c->hts)
		goto nomem;
	for (int i = 0; i < s->nr_cgroups; i++)
		if (!make_group(c, i))
			goto nomem;
	for (int i = 0; i < s->nr_tasks; i++) {
		const struct scn_task *t = &s->tasks[i];

		for (int k = 0; k < t->count; k++) {
			char name[SCN_NAME_MAX + 16];
			struct task_struct *p;

			if (t->count > 1)
				snprintf(name, sizeof(name), "%.63s.%d", t->name, k);
			else
				snprintf(name, sizeof(name), "%s", t->name);
			p = sched_create_task(&c->h, name, t->cgroup[0] ? group_named(c, t->cgroup) : NULL,
					      t->nice, t->has_cpus ? &t->cpus : NULL);
			if (!p)
				goto nomem;
			host_task_init(&c->hts[c->nr_hts++], p, t);
		}
	}
	for (int i = 0; i < c->nr_hts; i++) {
		struct host_task *ht = &c->hts[i];
		const struct scn_task *t = NULL;

		for (int k = 0; k < s->nr_tasks; k++) {
			size_t len = strlen(s->tasks[k].name);

			if (!strncmp(ht->p->name, s->tasks[k].name, len) &&
			    (ht->p->name[len] == '\0' || ht->p->name[len] == '.'))
				t = &s->tasks[k];
		}
		if (t && t->behavior == TASK_YIELD_TO) {
			ht->target = task_named(&c->h, t->target);
			if (!ht->target) {
				snprintf(err, SCN_ERR_MAX, "%s: [task %s] target = %s: no such task",
					 s->path, t->name, t->target);
				return -EINVAL;
			}
		}
	}
	return 0;
nomem:
	snprintf(err, SCN_ERR_MAX, "%s: out of memory", s->path);
	return -ENOMEM;
}

static void collect(struct run_ctx *c, struct run_result *out)
{
	struct host *h = &c->h;
	u64 measured = c->s->host.duration - c->s->host.warmup;

	out->source = "model";
	out->sim_ns = measured;
	out->events = c->sim.nr_events;
	out->nr_tasks = h->nr_tasks;
	out->tasks = calloc((size_t)h->nr_tasks + 1, sizeof(*out->tasks));
	if (!out->tasks) {
		out->nr_tasks = 0;
		return;
	}
	for (int i = 0; i < h->nr_tasks; i++) {
		struct task_struct *p = h->tasks[i];
		struct task_result *r = &out->tasks[i];

		snprintf(r->name, sizeof(r->name), "%s", p->name);
		snprintf(r->cgroup, sizeof(r->cgroup), "%s", p->tg->se ? p->tg->name : "");
		r->runtime_ns = p->se.sum_exec_runtime - p->runtime_at_warmup;
		r->cpu_share = (double)r->runtime_ns / (double)measured;
		r->fair_share = -1;
		r->wait_p50_ns = hist_percentile(&p->wait, 50);
		r->wait_p99_ns = hist_percentile(&p->wait, 99);
		r->wait_max_ns = p->wait.max;
		r->nr_switches = p->nr_switches - p->nr_switches_at_warmup;
	}
	/* fair shares, cgroups, longest waits, the yield policy's counters (sim/fairness.c) */
	host_report_fairness(h, out);
}

int host_sim_run(const struct scenario *s, const struct host_run_opts *o, struct run_result *out,
		 char *err)
{
	struct run_ctx *c = calloc(1, sizeof(*c));
	struct sim_event warmup;
	struct timespec t0, t1;
	int r;

	memset(out, 0, sizeof(*out));
	if (!c || sim_init(&c->sim) || host_init(&c->h, &c->sim, s)) {
		snprintf(err, SCN_ERR_MAX, "%s: out of memory", s->path);
		free(c);
		return -ENOMEM;
	}
	c->s = s;
	c->h.check = o && o->check;
	c->h.trace = o ? o->trace : NULL;
	r = build(c, err);
	if (!r) {
		kvm_params_resolve(&c->kvm_params, s);
		r = kvm_create_vms(&c->h, s, &c->kvm_params, &c->vms, &c->nr_vms, err);
	}
	if (!r) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (c->h.trace)
			trace_begin(&c->h);
		for (int i = 0; i < c->nr_hts; i++)
			wake_up_new_task(c->hts[i].p);
		kvm_start_vms(c->vms, c->nr_vms);
		sim_event_init(&warmup, warmup_fn, c);
		if (s->host.warmup)
			sim_schedule(&c->sim, &warmup, s->host.warmup);
		else
			kvm_warmup(c->vms, c->nr_vms);
		sim_run_until(&c->sim, s->host.duration);
		flush_curr(&c->h);
		if (c->h.trace)
			trace_end(&c->h);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		collect(c, out);
		if (c->nr_vms) {
			out->kvm = calloc(1, sizeof(*out->kvm));
			if (!out->kvm || kvm_collect(c->vms, c->nr_vms,
						     s->host.duration - s->host.warmup, out->kvm)) {
				free(out->kvm);
				out->kvm = NULL;
				snprintf(err, SCN_ERR_MAX, "%s: out of memory", s->path);
				r = -ENOMEM;
			}
		}
		out->wall_s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	}
	kvm_destroy_vms(c->vms, c->nr_vms);
	free(c->vms);
	host_destroy(&c->h);
	sim_destroy(&c->sim);
	free(c->tg_of);
	free(c->hts);
	free(c);
	return r;
}
