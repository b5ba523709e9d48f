// SPDX-License-Identifier: GPL-2.0
/*
 * Report formats for struct run_result (include/kvmsim/report.h), and the fairness
 * figures: the fair-share solver, Jain's indices, the longest wait.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvmsim/json.h"
#include "kvmsim/kvm_report.h"
#include "kvmsim/report.h"

/* ---------------------------------------------------------------- fair shares */

static int uf_find(int *uf, int x)
{
	while (uf[x] != x)
		x = uf[x] = uf[uf[x]];
	return x;
}

/*
 * Give @c to the children @ch[0..k) in proportion to @w, none above its @cap; what a
 * capped child cannot use goes to the others (water-filling).
 */
static void water_fill(const int *ch, int k, double c, const double *w, const double *cap,
		       double *alloc, bool *done)
{
	bool capped = true;

	for (int i = 0; i < k; i++)
		done[i] = false;
	while (capped) {
		double rem = c, wsum = 0;

		capped = false;
		for (int i = 0; i < k; i++) {
			if (done[i])
				rem -= alloc[ch[i]];
			else
				wsum += w[ch[i]];
		}
		if (wsum <= 0)
			return;
		for (int i = 0; i < k; i++) {
			if (done[i] || rem * w[ch[i]] / wsum < cap[ch[i]])
				continue;
			alloc[ch[i]] = cap[ch[i]];
			done[i] = true;
			capped = true;
		}
		if (!capped)
			for (int i = 0; i < k; i++)
				if (!done[i])
					alloc[ch[i]] = rem * w[ch[i]] / wsum;
	}
}

struct fair_work {
	int *uf, *order, *first, *next;
	double *w, *cap, *alloc, *tw_pool, *tw_all;
	struct cpumask *mask;
	bool *done;
	int *ch;
	int nr_order;		/* nodes reachable from the root, in order[] */
};

static void fair_work_free(struct fair_work *fw)
{
	free(fw->uf);
	free(fw->order);
	free(fw->first);
	free(fw->next);
	free(fw->w);
	free(fw->cap);
	free(fw->alloc);
	free(fw->tw_pool);
	free(fw->tw_all);
	free(fw->mask);
	free(fw->done);
	free(fw->ch);
}

static void cpumask_or(struct cpumask *d, const struct cpumask *s, int nr_cpus)
{
	for (int c = 0; c < nr_cpus; c++)
		if (cpumask_test_cpu(c, s))
			cpumask_set_cpu(c, d);
}

/* One pool of CPUs (@pool: its union-find root): add its allocation to every node's fair. */
static void fair_pool(struct fair_node *n, int nr, int nr_cpus, int pool, struct fair_work *fw)
{
	int ncpu = 0;

	for (int c = 0; c < nr_cpus; c++)
		ncpu += uf_find(fw->uf, c) == pool;
	/* bottom-up (reverse BFS order): weights of the pool's tasks, caps, usable CPUs */
	for (int i = 0; i < nr; i++) {
		fw->tw_pool[i] = 0;
		fw->cap[i] = 0;
		fw->alloc[i] = 0;
		cpumask_clear(&fw->mask[i]);
	}
	for (int k = fw->nr_order - 1; k >= 0; k--) {
		int i = fw->order[k];

		if (n[i].is_task) {
			int c0 = cpumask_next_from(0, &n[i].cpus);

			if (c0 < nr_cpus && n[i].demand > 0 && uf_find(fw->uf, c0) == pool) {
				fw->tw_pool[i] = (double)n[i].weight;
				fw->cap[i] = min(n[i].demand, 1.0);
				cpumask_or(&fw->mask[i], &n[i].cpus, nr_cpus);
			}
		} else {
			fw->cap[i] = min(fw->cap[i], (double)cpumask_weight(&fw->mask[i]));
		}
		if (n[i].parent >= 0) {
			int p = n[i].parent;

			fw->tw_pool[p] += fw->tw_pool[i];
			fw->cap[p] += fw->cap[i];
			cpumask_or(&fw->mask[p], &fw->mask[i], nr_cpus);
		}
	}
	/* a group's weight in this pool: its shares split by where its tasks' weight is */
	for (int i = 0; i < nr; i++) {
		if (n[i].is_task)
			fw->w[i] = fw->tw_pool[i];
		else
			fw->w[i] = fw->tw_all[i] > 0 ? (double)n[i].weight * fw->tw_pool[i] / fw->tw_all[i]
						     : 0;
	}
	/* top-down (BFS order) */
	fw->alloc[0] = min((double)ncpu, fw->cap[0]);
	for (int k = 0; k < fw->nr_order; k++) {
		int i = fw->order[k], m = 0;

		if (n[i].is_task || fw->alloc[i] <= 0)
			continue;
		for (int c = fw->first[i]; c >= 0; c = fw->next[c])
			if (fw->tw_pool[c] > 0)
				fw->ch[m++] = c;
		water_fill(fw->ch, m, fw->alloc[i], fw->w, fw->cap, fw->alloc, fw->done);
	}
	for (int i = 0; i < nr; i++)
		n[i].fair += fw->alloc[i];
}

int fair_share_solve(struct fair_node *n, int nr, int nr_cpus)
{
	struct fair_work fw = {0};
	size_t sz = (size_t)nr + 1;
	int head = 0, tail = 0;

	fw.uf = calloc((size_t)nr_cpus + 1, sizeof(int));
	fw.order = calloc(sz, sizeof(int));
	fw.first = calloc(sz, sizeof(int));
	fw.next = calloc(sz, sizeof(int));
	fw.ch = calloc(sz, sizeof(int));
	fw.w = calloc(sz, sizeof(double));
	fw.cap = calloc(sz, sizeof(double));
	fw.alloc = calloc(sz, sizeof(double));
	fw.tw_pool = calloc(sz, sizeof(double));
	fw.tw_all = calloc(sz, sizeof(double));
	fw.mask = calloc(sz, sizeof(struct cpumask));
	fw.done = calloc(sz, sizeof(bool));
	if (!fw.uf || !fw.order || !fw.first || !fw.next || !fw.ch || !fw.w || !fw.cap ||
	    !fw.alloc || !fw.tw_pool || !fw.tw_all || !fw.mask || !fw.done) {
		fair_work_free(&fw);
		return -ENOMEM;
	}
	/* children lists, and a BFS order from the root */
	for (int i = 0; i < nr; i++)
		fw.first[i] = -1;
	for (int i = nr - 1; i > 0; i--) {
		fw.next[i] = fw.first[n[i].parent];
		fw.first[n[i].parent] = i;
	}
	fw.order[tail++] = 0;
	while (head < tail) {
		int i = fw.order[head++];

		for (int c = fw.first[i]; c >= 0; c = fw.next[c])
			fw.order[tail++] = c;
	}
	fw.nr_order = tail;
	/* pools: the CPUs connected by the tasks' affinities */
	for (int c = 0; c < nr_cpus; c++)
		fw.uf[c] = c;
	for (int i = 0; i < nr; i++) {
		int c0 = -1;

		n[i].fair = 0;
		if (!n[i].is_task)
			continue;
		for (int c = 0; c < nr_cpus; c++) {
			if (!cpumask_test_cpu(c, &n[i].cpus))
				continue;
			if (c0 < 0)
				c0 = c;
			else
				fw.uf[uf_find(fw.uf, c)] = uf_find(fw.uf, c0);
		}
	}
	/* every task's weight, over all pools, summed up the tree */
	for (int k = tail - 1; k >= 0; k--) {
		int i = fw.order[k];

		if (n[i].is_task && n[i].demand > 0)
			fw.tw_all[i] = (double)n[i].weight;
		if (n[i].parent >= 0)
			fw.tw_all[n[i].parent] += fw.tw_all[i];
	}
	for (int c = 0; c < nr_cpus; c++)
		if (uf_find(fw.uf, c) == c)
			fair_pool(n, nr, nr_cpus, c, &fw);
	fair_work_free(&fw);
	return 0;
}

double jain_index(const double *share, const double *fair, int n)
{
	double s = 0, s2 = 0;
	int k = 0;

	for (int i = 0; i < n; i++) {
		double x;

		if (!(fair[i] > 0))
			continue;
		x = share[i] / fair[i];
		s += x;
		s2 += x * x;
		k++;
	}
	return k && s2 > 0 ? s * s / (k * s2) : 0;
}

void run_result_finish(struct run_result *r)
{
	double *share = calloc((size_t)r->nr_tasks + (size_t)r->nr_cgroups + 1, sizeof(double));
	double *fair = calloc((size_t)r->nr_tasks + (size_t)r->nr_cgroups + 1, sizeof(double));
	int k = 0;

	r->longest_wait_ns = 0;
	r->longest_wait_task[0] = '\0';
	for (int i = 0; i < r->nr_tasks; i++) {
		const struct task_result *t = &r->tasks[i];

		if (t->longest_wait_ns > r->longest_wait_ns || !r->longest_wait_task[0]) {
			r->longest_wait_ns = t->longest_wait_ns;
			snprintf(r->longest_wait_task, sizeof(r->longest_wait_task), "%s", t->name);
		}
	}
	if (!share || !fair)
		goto out;
	for (int i = 0; i < r->nr_tasks; i++) {
		share[i] = r->tasks[i].cpu_share;
		fair[i] = r->tasks[i].fair_share;
	}
	r->jain_tasks = jain_index(share, fair, r->nr_tasks);
	for (int i = 0; i < r->nr_cgroups; i++) {
		if (r->cgroups[i].parent[0])
			continue;
		share[k] = r->cgroups[i].cpu_share;
		fair[k++] = r->cgroups[i].fair_share;
	}
	r->jain_cgroups = jain_index(share, fair, k);
out:
	free(share);
	free(fair);
}

/* ---------------------------------------------------------------- formats */

static bool yield_result_any(const struct yield_result *y)
{
	return y->policy && (y->calls || y->rate_limited || y->rejected || y->applied ||
			     y->debounced || y->penalty_ns || y->credit_ns);
}

static void fmt_pct(char *buf, size_t n, double v)
{
	if (v >= 0)
		snprintf(buf, n, "%.2f", 100 * v);
	else
		snprintf(buf, n, "-");
}

void report_print_table(FILE *f, const struct run_result *r)
{
	fprintf(f, "%-20s %-12s %9s %9s %13s %11s %11s %11s %11s %9s\n", "task", "cgroup", "cpu%",
		"fair%", "runtime_ms", "wait_p50", "wait_p99", "wait_max", "longest", "switches");
	for (int i = 0; i < r->nr_tasks; i++) {
		const struct task_result *t = &r->tasks[i];
		char fair[16];

		fmt_pct(fair, sizeof(fair), t->fair_share);
		fprintf(f, "%-20s %-12s %9.2f %9s %13.3f %9.3fms %9.3fms %9.3fms %9.3fms %9llu\n",
			t->name, t->cgroup[0] ? t->cgroup : "/", 100 * t->cpu_share, fair,
			t->runtime_ns / 1e6, t->wait_p50_ns / 1e6, t->wait_p99_ns / 1e6,
			t->wait_max_ns / 1e6, t->longest_wait_ns / 1e6, (unsigned long long)t->nr_switches);
	}
	if (r->nr_cgroups) {
		fprintf(f, "\n%-20s %-12s %9s %9s %9s %6s\n", "cgroup", "parent", "cpu%", "fair%",
			"cpu/fair", "tasks");
		for (int i = 0; i < r->nr_cgroups; i++) {
			const struct cgroup_result *g = &r->cgroups[i];
			char fair[16], ratio[16] = "-";

			fmt_pct(fair, sizeof(fair), g->fair_share);
			if (g->fair_share > 0)
				snprintf(ratio, sizeof(ratio), "%.3f", g->cpu_share / g->fair_share);
			fprintf(f, "%-20s %-12s %9.2f %9s %9s %6d\n", g->name,
				g->parent[0] ? g->parent : "/", 100 * g->cpu_share, fair, ratio,
				g->nr_tasks);
		}
	}
	fprintf(f, "\n%s: %.3f s measured, %llu events, %.3f s wall", r->source, r->sim_ns / 1e9,
		(unsigned long long)r->events, r->wall_s);
	if (r->wall_s > 0 && r->events)
		fprintf(f, ", %.2f M events/s", r->events / r->wall_s / 1e6);
	fputc('\n', f);
	if (r->jain_tasks > 0 || r->jain_cgroups > 0 || r->longest_wait_task[0]) {
		fprintf(f, "fairness:");
		if (r->jain_tasks > 0)
			fprintf(f, " Jain index %.4f over tasks", r->jain_tasks);
		if (r->jain_cgroups > 0)
			fprintf(f, ", %.4f over cgroups", r->jain_cgroups);
		if (r->longest_wait_task[0])
			fprintf(f, "; longest wait %.3f ms (%s)", r->longest_wait_ns / 1e6,
				r->longest_wait_task);
		fputc('\n', f);
	}
	if (yield_result_any(&r->yield))
		fprintf(f,
			"yield policy %s: %llu calls, %llu rate-limited, %llu rejected, %llu applied, "
			"%llu debounced, penalty %.3f ms, credit %.3f ms\n",
			r->yield.policy, (unsigned long long)r->yield.calls,
			(unsigned long long)r->yield.rate_limited, (unsigned long long)r->yield.rejected,
			(unsigned long long)r->yield.applied, (unsigned long long)r->yield.debounced,
			r->yield.penalty_ns / 1e6, r->yield.credit_ns / 1e6);
	if (r->kvm)
		kvm_report_table(f, r->kvm);
}

void report_print_json(FILE *f, const struct run_result *r)
{
	struct json j;

	json_init(&j, f);
	json_obj_begin(&j, NULL);
	json_str(&j, "source", r->source);
	json_arr_begin(&j, "tasks");
	for (int i = 0; i < r->nr_tasks; i++) {
		const struct task_result *t = &r->tasks[i];

		json_obj_begin(&j, NULL);
		json_str(&j, "name", t->name);
		json_str(&j, "cgroup", t->cgroup);
		json_double(&j, "cpu_share", t->cpu_share);
		if (t->fair_share >= 0)
			json_double(&j, "fair_share", t->fair_share);
		json_u64(&j, "runtime_ns", t->runtime_ns);
		json_u64(&j, "wait_p50_ns", t->wait_p50_ns);
		json_u64(&j, "wait_p99_ns", t->wait_p99_ns);
		json_u64(&j, "wait_max_ns", t->wait_max_ns);
		json_u64(&j, "longest_wait_ns", t->longest_wait_ns);
		json_u64(&j, "nr_switches", t->nr_switches);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	if (r->nr_cgroups) {
		json_arr_begin(&j, "cgroups");
		for (int i = 0; i < r->nr_cgroups; i++) {
			const struct cgroup_result *g = &r->cgroups[i];

			json_obj_begin(&j, NULL);
			json_str(&j, "name", g->name);
			json_str(&j, "parent", g->parent);
			json_u64(&j, "nr_tasks", (u64)g->nr_tasks);
			json_double(&j, "cpu_share", g->cpu_share);
			if (g->fair_share >= 0)
				json_double(&j, "fair_share", g->fair_share);
			json_obj_end(&j);
		}
		json_arr_end(&j);
	}
	if (r->jain_tasks > 0)
		json_double(&j, "jain_tasks", r->jain_tasks);
	if (r->jain_cgroups > 0)
		json_double(&j, "jain_cgroups", r->jain_cgroups);
	if (r->longest_wait_task[0]) {
		json_u64(&j, "longest_wait_ns", r->longest_wait_ns);
		json_str(&j, "longest_wait_task", r->longest_wait_task);
	}
	if (yield_result_any(&r->yield)) {
		json_obj_begin(&j, "yield_policy");
		json_str(&j, "policy", r->yield.policy);
		json_u64(&j, "calls", r->yield.calls);
		json_u64(&j, "rate_limited", r->yield.rate_limited);
		json_u64(&j, "rejected", r->yield.rejected);
		json_u64(&j, "applied", r->yield.applied);
		json_u64(&j, "debounced", r->yield.debounced);
		json_u64(&j, "penalty_ns", r->yield.penalty_ns);
		json_u64(&j, "credit_ns", r->yield.credit_ns);
		json_obj_end(&j);
	}
	if (r->kvm)
		kvm_report_json(&j, r->kvm);
	json_u64(&j, "sim_ns", r->sim_ns);
	json_u64(&j, "events", r->events);
	json_double(&j, "wall_s", r->wall_s);
	json_obj_end(&j);
	json_finish(&j);
}

/*
 * CSV: one row per task (kind "task"), per cgroup (kind "cgroup": cgroup = its parent)
 * and per run-level figure (kind "metric": the figure in the value column).
 */
void report_print_csv(FILE *f, const struct run_result *r)
{
	fprintf(f, "kind,name,cgroup,cpu_share,fair_share,runtime_ns,wait_p50_ns,wait_p99_ns,"
		   "wait_max_ns,longest_wait_ns,nr_switches,value\n");
	for (int i = 0; i < r->nr_tasks; i++) {
		const struct task_result *t = &r->tasks[i];

		fprintf(f, "task,%s,%s,%.6f,%.6f,%llu,%llu,%llu,%llu,%llu,%llu,\n", t->name, t->cgroup,
			t->cpu_share, t->fair_share, (unsigned long long)t->runtime_ns,
			(unsigned long long)t->wait_p50_ns, (unsigned long long)t->wait_p99_ns,
			(unsigned long long)t->wait_max_ns, (unsigned long long)t->longest_wait_ns,
			(unsigned long long)t->nr_switches);
	}
	for (int i = 0; i < r->nr_cgroups; i++) {
		const struct cgroup_result *g = &r->cgroups[i];

		fprintf(f, "cgroup,%s,%s,%.6f,%.6f,,,,,,,%d\n", g->name, g->parent, g->cpu_share,
			g->fair_share, g->nr_tasks);
	}
	if (r->jain_tasks > 0)
		fprintf(f, "metric,jain_tasks,,,,,,,,,,%.6f\n", r->jain_tasks);
	if (r->jain_cgroups > 0)
		fprintf(f, "metric,jain_cgroups,,,,,,,,,,%.6f\n", r->jain_cgroups);
	if (r->longest_wait_task[0])
		fprintf(f, "metric,longest_wait_ns,%s,,,,,,,,,%llu\n", r->longest_wait_task,
			(unsigned long long)r->longest_wait_ns);
	if (r->kvm) {
		fputc('\n', f);
		kvm_report_csv(f, r->kvm);
	}
}

void run_result_free(struct run_result *r)
{
	free(r->tasks);
	free(r->cgroups);
	r->tasks = NULL;
	r->cgroups = NULL;
	r->nr_tasks = 0;
	r->nr_cgroups = 0;
	kvm_run_result_free(r->kvm);
	free(r->kvm);
	r->kvm = NULL;
}
