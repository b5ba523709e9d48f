// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsim hostrun: run a host-only scenario for real on this machine (tools/kvmsim/
 * hostrun_threads.c) and report the same figures, in the same shape, as kvmsim run.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "kvmsim/cmd.h"
#include "kvmsim/hostrun.h"

static const char usage[] =
    "usage: kvmsim hostrun SCENARIO [options]\n"
    "\n"
    "Run the host-only SCENARIO on this machine: one thread per task with its behaviour\n"
    "(hog, periodic, yield-loop), nice value, affinity and cgroup (cpu.shares / cpu.weight,\n"
    "under a private kvmsim-PID directory removed afterwards, also on Ctrl-C), and print the\n"
    "figures of kvmsim run measured for real. See docs/validation.md.\n"
    "\n"
    "options:\n"
    "  --json                 print JSON (the shape of kvmsim run --json)\n"
    "  --csv                  print CSV\n"
    "  --set SECTION.KEY=VAL  override a key (named sections: task.NAME.KEY=VAL)\n"
    "  --no-cgroups           do not create cgroups (shares are not applied)\n"
    "  --no-shield            run the scenario's root tasks in a group of default shares\n"
    "                         instead of MAX_SHARES (the shield against other load)\n"
    "  -h, --help             this text\n"
    "\n"
    "exit status: 0 ok, 1 runtime error or interrupted, 2 usage error or bad scenario\n";

static int hostrun_main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"csv", no_argument, NULL, 'c'},
	    {"set", required_argument, NULL, 'S'},
	    {"no-cgroups", no_argument, NULL, 'n'},
	    {"no-shield", no_argument, NULL, 'N'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct hostrun_opts o = {.notes = stderr};
	char err[SCN_ERR_MAX];
	struct run_result res;
	struct scenario *s;
	char **sets = calloc((size_t)argc + 1, sizeof(*sets));
	int nsets = 0, json = 0, csv = 0, c, rc = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'c':
			csv = 1;
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
				"kvmsim hostrun: unknown or incomplete option '%s' (see kvmsim "
				"hostrun --help)\n",
				argv[optind - 1]);
			free(sets);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || (json && csv)) {
		fprintf(
		    stderr,
		    optind != argc - 1
			? "kvmsim hostrun: expected one SCENARIO file (see kvmsim hostrun --help)\n"
			: "kvmsim hostrun: --json and --csv exclude each other\n");
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
	c = hostrun_threads(s, &o, &res, err);
	if (c) {
		fprintf(stderr, "%s\n", err);
		rc = c == -EINVAL || c == -EOPNOTSUPP ? EXIT_USAGE : EXIT_RUNTIME;
		goto out;
	}
	if (json)
		report_print_json(stdout, &res);
	else if (csv)
		report_print_csv(stdout, &res);
	else
		report_print_table(stdout, &res);
	run_result_free(&res);
out:
	scenario_free(s);
	free(sets);
	return rc;
}

KVMSIM_COMMAND(cmd_hostrun, .name = "hostrun",
	       .summary = "run a host-only scenario for real on this machine", .run = hostrun_main);
