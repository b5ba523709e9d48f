// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsim compare: run a host-only scenario in the model (host_sim_run) and on this
 * machine (hostrun_threads) and print both side by side with the differences.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kvmsim/cmd.h"
#include "kvmsim/host.h"
#include "kvmsim/hostrun.h"
#include "kvmsim/json.h"

static const char usage[] =
    "usage: kvmsim compare SCENARIO [options]\n"
    "\n"
    "Run SCENARIO in the model (as kvmsim run) and on this machine (as kvmsim hostrun)\n"
    "and print, per task, the CPU share of both and their difference in percentage\n"
    "points, and the wait latency p50/p99 of both. See docs/validation.md.\n"
    "\n"
    "options:\n"
    "  --json                 print JSON\n"
    "  --set SECTION.KEY=VAL  override a key for both runs\n"
    "  --no-cgroups           hostrun without cgroups\n"
    "  --no-shield            hostrun without the MAX_SHARES shield group\n"
    "  -h, --help             this text\n"
    "\n"
    "exit status: 0 ok, 1 runtime error, 2 usage error or bad scenario\n";

static void print_table(const struct run_result *m, const struct run_result *h, double maxd)
{
	printf("%-16s %-10s %8s %8s %8s %10s %10s %10s %10s\n", "task", "cgroup", "model%", "host%",
	       "diff_pp", "m_p50_ms", "h_p50_ms", "m_p99_ms", "h_p99_ms");
	for (int i = 0; i < m->nr_tasks && i < h->nr_tasks; i++) {
		const struct task_result *a = &m->tasks[i], *b = &h->tasks[i];

		printf("%-16s %-10s %8.2f %8.2f %+8.2f %10.3f %10.3f %10.3f %10.3f\n", a->name,
		       a->cgroup[0] ? a->cgroup : "/", 100 * a->cpu_share, 100 * b->cpu_share,
		       100 * (b->cpu_share - a->cpu_share), a->wait_p50_ns / 1e6,
		       b->wait_p50_ns / 1e6, a->wait_p99_ns / 1e6, b->wait_p99_ns / 1e6);
	}
	printf("\nmax |diff| %.2f pp; model %.3f s simulated, host %.3f s measured (%.3f s wall)\n",
	       maxd, m->sim_ns / 1e9, h->sim_ns / 1e9, h->wall_s);
}

static void print_json(const struct scenario *s, const struct run_result *m,
		       const struct run_result *h, double maxd)
{
	struct utsname u;
	struct json j;

	uname(&u);
	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_str(&j, "scenario", s->path);
	json_str(&j, "kernel_model", s->host.kernel == KERNEL_V6_19 ? "v6.19" : "v6.18");
	json_str(&j, "kernel_host", u.release);
	json_arr_begin(&j, "tasks");
	for (int i = 0; i < m->nr_tasks && i < h->nr_tasks; i++) {
		const struct task_result *a = &m->tasks[i], *b = &h->tasks[i];

		json_obj_begin(&j, NULL);
		json_str(&j, "name", a->name);
		json_str(&j, "cgroup", a->cgroup);
		json_double(&j, "cpu_share_model", a->cpu_share);
		json_double(&j, "cpu_share_host", b->cpu_share);
		json_double(&j, "diff_pp", 100 * (b->cpu_share - a->cpu_share));
		json_u64(&j, "wait_p50_ns_model", a->wait_p50_ns);
		json_u64(&j, "wait_p50_ns_host", b->wait_p50_ns);
		json_u64(&j, "wait_p99_ns_model", a->wait_p99_ns);
		json_u64(&j, "wait_p99_ns_host", b->wait_p99_ns);
		json_u64(&j, "nr_switches_model", a->nr_switches);
		json_u64(&j, "nr_switches_host", b->nr_switches);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_double(&j, "max_abs_diff_pp", maxd);
	json_double(&j, "wall_s", h->wall_s + m->wall_s);
	json_obj_end(&j);
	json_finish(&j);
}

static int compare_main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},	    {"set", required_argument, NULL, 'S'},
	    {"no-cgroups", no_argument, NULL, 'n'}, {"no-shield", no_argument, NULL, 'N'},
	    {"help", no_argument, NULL, 'h'},	    {NULL, 0, NULL, 0},
	};
	struct hostrun_opts o = {.notes = stderr};
	struct host_run_opts mo = {0};
	char err[SCN_ERR_MAX];
	struct run_result m, h;
	struct scenario *s;
	char **sets = calloc((size_t)argc + 1, sizeof(*sets));
	int nsets = 0, json = 0, c, rc = 0;
	double maxd = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'S':
			sets[nsets++] = optarg;
			break;
		case 'n':
			o.no_cgroups = true;
			break;
		case 'N':
			o.no_shield = true;
			break;
		case 'h':
			fputs(usage, stdout);
			free(sets);
			return 0;
		default:
			fprintf(stderr,
				"kvmsim compare: unknown or incomplete option '%s' (see kvmsim "
				"compare --help)\n",
				argv[optind - 1]);
			free(sets);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr,
			"kvmsim compare: expected one SCENARIO file (see kvmsim compare --help)\n");
		free(sets);
		return EXIT_USAGE;
	}
	s = scenario_load(argv[optind], err);
	if (!s) {
		fprintf(stderr, "%s\n", err);
		free(sets);
		return EXIT_USAGE;
	}
	for (int i = 0; i < nsets; i++)
		if (scenario_set(s, sets[i], err)) {
			fprintf(stderr, "%s\n", err);
			rc = EXIT_USAGE;
			goto out;
		}
	if (nsets && scenario_validate(s, err)) {
		fprintf(stderr, "%s\n", err);
		rc = EXIT_USAGE;
		goto out;
	}
	c = hostrun_threads(s, &o, &h, err);
	if (c) {
		fprintf(stderr, "%s\n", err);
		rc = c == -EINVAL || c == -EOPNOTSUPP ? EXIT_USAGE : EXIT_RUNTIME;
		goto out;
	}
	if (host_sim_run(s, &mo, &m, err)) {
		fprintf(stderr, "%s\n", err);
		run_result_free(&h);
		rc = EXIT_RUNTIME;
		goto out;
	}
	for (int i = 0; i < m.nr_tasks && i < h.nr_tasks; i++)
		maxd = fmax(maxd, fabs(100 * (h.tasks[i].cpu_share - m.tasks[i].cpu_share)));
	if (json)
		print_json(s, &m, &h, maxd);
	else
		print_table(&m, &h, maxd);
	run_result_free(&m);
	run_result_free(&h);
out:
	scenario_free(s);
	free(sets);
	return rc;
}

KVMSIM_COMMAND(cmd_compare, .name = "compare",
	       .summary = "run a host-only scenario in the model and for real, side by side",
	       .run = compare_main);
