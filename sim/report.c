// SPDX-License-Identifier: GPL-2.0
/*
 * Report formats for struct run_result (include/kvmsim/report.h).
 */
#include <stdlib.h>

#include "kvmsim/json.h"
#include "kvmsim/report.h"

void report_print_table(FILE *f, const struct run_result *r)
{
	fprintf(f, "%-20s %-12s %9s %9s %13s %11s %11s %11s %9s\n", "task", "cgroup", "cpu%",
		"fair%", "runtime_ms", "wait_p50", "wait_p99", "wait_max", "switches");
	for (int i = 0; i < r->nr_tasks; i++) {
		const struct task_result *t = &r->tasks[i];
		char fair[16] = "-";

		if (t->fair_share >= 0)
			snprintf(fair, sizeof(fair), "%.2f", 100 * t->fair_share);
		fprintf(f, "%-20s %-12s %9.2f %9s %13.3f %9.3fms %9.3fms %9.3fms %9llu\n", t->name,
			t->cgroup[0] ? t->cgroup : "/", 100 * t->cpu_share, fair, t->runtime_ns / 1e6,
			t->wait_p50_ns / 1e6, t->wait_p99_ns / 1e6, t->wait_max_ns / 1e6,
			(unsigned long long)t->nr_switches);
	}
	fprintf(f, "\n%s: %.3f s measured, %llu events, %.3f s wall", r->source, r->sim_ns / 1e9,
		(unsigned long long)r->events, r->wall_s);
	if (r->wall_s > 0 && r->events)
		fprintf(f, ", %.2f M events/s", r->events / r->wall_s / 1e6);
	if (r->jain_tasks > 0)
		fprintf(f, ", Jain index %.4f", r->jain_tasks);
	fputc('\n', f);
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
		json_u64(&j, "nr_switches", t->nr_switches);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	if (r->jain_tasks > 0)
		json_double(&j, "jain_tasks", r->jain_tasks);
	json_u64(&j, "sim_ns", r->sim_ns);
	json_u64(&j, "events", r->events);
	json_double(&j, "wall_s", r->wall_s);
	json_obj_end(&j);
	json_finish(&j);
}

void report_print_csv(FILE *f, const struct run_result *r)
{
	fprintf(f, "name,cgroup,cpu_share,fair_share,runtime_ns,wait_p50_ns,wait_p99_ns,wait_max_ns,"
		   "nr_switches\n");
	for (int i = 0; i < r->nr_tasks; i++) {
		const struct task_result *t = &r->tasks[i];

		fprintf(f, "%s,%s,%.6f,%.6f,%llu,%llu,%llu,%llu,%llu\n", t->name, t->cgroup,
			t->cpu_share, t->fair_share, (unsigned long long)t->runtime_ns,
			(unsigned long long)t->wait_p50_ns, (unsigned long long)t->wait_p99_ns,
			(unsigned long long)t->wait_max_ns, (unsigned long long)t->nr_switches);
	}
}

void run_result_free(struct run_result *r)
{
	free(r->tasks);
	r->tasks = NULL;
	r->nr_tasks = 0;
}
