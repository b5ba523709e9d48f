// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsim run: simulate one scenario and report per-task CPU share, runtime, wait latency
 * and context switches.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmsim/cmd.h"
#include "kvmsim/host.h"
#include "kvmsim/parse.h"

static const char usage[] =
	"usage: kvmsim run SCENARIO [options]\n"
	"\n"
	"Simulate SCENARIO (an INI file: see docs/scenarios.md) and print, per task, its CPU\n"
	"share against its fair share, runtime, wait latency (runnable but not running)\n"
	"p50/p99/max, its longest wait and context switches; per cgroup its CPU share against\n"
	"its fair share; then the simulated time, events, wall time and events per second,\n"
	"Jain's fairness index over tasks and over top-level cgroups, the longest wait, and\n"
	"what the [policy] yield design did (docs/model/policies.md).\n"
	"\n"
	"options:\n"
	"  --json                 print JSON instead of the table\n"
	"  --csv                  print CSV instead of the table\n"
	"  --trace FILE           write a Chrome trace-event JSON (opens in Perfetto)\n"
	"  --seed N               override [host] seed\n"
	"  --set SECTION.KEY=VAL  override a key (named sections: task.NAME.KEY=VAL)\n"
	"  --check                check the scheduler's invariants after every operation\n"
	"  -h, --help             this text\n"
	"\n"
	"exit status: 0 ok, 1 runtime error, 2 usage error or bad scenario\n";

static int run_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},   {"csv", no_argument, NULL, 'c'},
		{"trace", required_argument, NULL, 't'}, {"seed", required_argument, NULL, 's'},
		{"set", required_argument, NULL, 'S'},   {"check", no_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},   {NULL, 0, NULL, 0},
	};
	char err[SCN_ERR_MAX];
	struct host_run_opts o = {0};
	struct run_result res;
	struct scenario *s;
	const char *trace = NULL, *seed = NULL;
	char **sets = calloc((size_t)argc, sizeof(*sets));
	int nsets = 0, json = 0, csv = 0, c, rc = 0;
	u64 v;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'c': csv = 1; break;
		case 't': trace = optarg; break;
		case 's': seed = optarg; break;
		case 'S': sets[nsets++] = optarg; break;
		case 'k': o.check = true; break;
		case 'h':
			fputs(usage, stdout);
			free(sets);
			return 0;
		default:
			fprintf(stderr, "kvmsim run: unknown or incomplete option '%s' (see kvmsim run --help)\n",
				argv[optind - 1]);
			free(sets);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "kvmsim run: expected one SCENARIO file (see kvmsim run --help)\n");
		free(sets);
		return EXIT_USAGE;
	}
	if (json && csv) {
		fprintf(stderr, "kvmsim run: --json and --csv exclude each other\n");
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
	if (seed) {
		if (parse_u64(seed, &v)) {
			fprintf(stderr, "kvmsim run: --seed %s: expected an unsigned integer\n", seed);
			rc = EXIT_USAGE;
			goto out;
		}
		s->host.seed = v;
	}
	if (nsets && scenario_validate(s, err)) {
		fprintf(stderr, "%s\n", err);
		rc = EXIT_USAGE;
		goto out;
	}
	if (trace) {
		o.trace = fopen(trace, "w");
		if (!o.trace) {
			fprintf(stderr, "kvmsim run: --trace %s: cannot create the file\n", trace);
			rc = EXIT_RUNTIME;
			goto out;
		}
	}
	if (host_sim_run(s, &o, &res, err)) {
		fprintf(stderr, "%s\n", err);
		rc = EXIT_RUNTIME;
	} else {
		if (json)
			report_print_json(stdout, &res);
		else if (csv)
			report_print_csv(stdout, &res);
		else
			report_print_table(stdout, &res);
		run_result_free(&res);
	}
	if (o.trace)
		fclose(o.trace);
out:
	scenario_free(s);
	free(sets);
	return rc;
}

KVMSIM_COMMAND(cmd_run, .name = "run", .summary = "simulate a scenario and report per-task figures",
	       .run = run_main);
