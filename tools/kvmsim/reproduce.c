// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsim reproduce: the series' experiment (vcpu-scheduling-series.md 1.3) in the model:
 * 16 pCPUs, 16 vCPUs per VM, 2/3/4 VMs, every workload, the baseline against the seed
 * and each of its parts, over N seeds; gains with 95% confidence intervals beside the
 * published 2-VM figures, mechanism figures, results.{csv,json,png}. docs/results.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kvmsim/cmd.h"
#include "kvmsim/guest.h"
#include "kvmsim/parse.h"
#include "repro.h"

#define DEFAULT_BASE  "scenarios/reproduce/base.ini"
#define DEFAULT_CALIB "scenarios/reproduce/calibration.ini"

/* --quick: the three published workloads at 2 VMs, 3 seeds, a shorter run. */
static const char *const quick_sets[] = {"host.duration=1500ms", "host.warmup=300ms"};
#define QUICK_SEEDS 3

static const char usage[] =
    "usage: kvmsim reproduce [options]\n"
    "\n"
    "Run the series' experiment in the model: 16 pCPUs, 16 vCPUs per VM, 2, 3 and 4 VMs,\n"
    "workloads dbench, dedup, vips and the guards blackscholes, ferret, kbuild; the\n"
    "baseline (v6.18) against seed-v1 (both parts), seed-v1-sched and seed-v1-kvm. Prints\n"
    "the throughput gain per cell (paired by seed, mean and 95% CI, Student t) with the\n"
    "published 2-VM figures, and the mechanism figures per cell; writes results.csv,\n"
    "results.json and results.png (gnuplot) into --out. See docs/results.md.\n"
    "\n"
    "options:\n"
    "  --quick              dbench, dedup, vips at 2 VMs, 3 seeds, 1.5 s runs: a first look\n"
    "  --seeds N            seeds per cell (default 5; 3 with --quick)\n"
    "  --jobs N             runs in parallel, forked (default: the online CPUs); the output\n"
    "                       is the same for any N\n"
    "  --json               print the JSON (as results.json) instead of the table\n"
    "  --csv                print the CSV (as results.csv) instead of the table\n"
    "  --out DIR            where the results files go (default results; created)\n"
    "  --workload LIST      comma-separated workloads instead of the default six\n"
    "  --vms LIST           comma-separated VM counts instead of 2,3,4\n"
    "  --policy LIST        comma-separated [policy] yield names compared with baseline\n"
    "                       (default seed-v1,seed-v1-sched,seed-v1-kvm)\n"
    "  --base FILE          base scenario (default " DEFAULT_BASE ")\n"
    "  --calibration FILE   calibrated workload keys (default " DEFAULT_CALIB ";\n"
    "                       'none' for the workloads' own defaults)\n"
    "  --set SECTION.KEY=V  override a key in every run (vm." REPRO_VM ".KEY for the VMs)\n"
    "  -h, --help           this text\n"
    "\n"
    "exit status: 0 ok, 1 runtime error, 2 usage error or bad scenario\n";

static int bad(const char *what, const char *arg)
{
	fprintf(stderr, "kvmsim reproduce: %s '%s' (see kvmsim reproduce --help)\n", what, arg);
	return EXIT_USAGE;
}

/* Split @list at commas into @out (pointers into @list, which is modified). */
static int split(char *list, const char **out, int max)
{
	int n = 0;

	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		if (n == max)
			return -1;
		out[n++] = tok;
	}
	return n;
}

static int mkdir_p(const char *dir)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, 0777) && errno != EEXIST)
				return -errno;
			*s = '/';
		}
	if (mkdir(p, 0777) && errno != EEXIST)
		return -errno;
	return 0;
}

static int write_file(const char *dir, const char *name, const struct repro_matrix *m,
		      const struct repro_cell *c,
		      void (*fn)(FILE *, const struct repro_matrix *, const struct repro_cell *))
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "kvmsim reproduce: %s: cannot create: %s\n", path, strerror(errno));
		return -1;
	}
	fn(f, m, c);
	if (fclose(f)) {
		fprintf(stderr, "kvmsim reproduce: %s: write error\n", path);
		return -1;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int reproduce_main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"quick", no_argument, NULL, 'q'},
	    {"json", no_argument, NULL, 'J'},
	    {"csv", no_argument, NULL, 'C'},
	    {"out", required_argument, NULL, 'o'},
	    {"workload", required_argument, NULL, 'w'},
	    {"vms", required_argument, NULL, 'v'},
	    {"policy", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    REPRO_COMMON_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	static const char *const all_workloads[] = {"dbench",	    "dedup",  "vips",
						    "blackscholes", "ferret", "kbuild"};
	struct repro_matrix m = {.base = DEFAULT_BASE, .calib = DEFAULT_CALIB};
	char err[SCN_ERR_MAX], *wl = NULL, *vms = NULL, *pol = NULL;
	const char *out = "results", *list[REPRO_MAX];
	const char *left_out[ARRAY_SIZE(all_workloads)];
	int quick = 0, json = 0, csv = 0, nr_left_out = 0, c, n, rc = 0;
	long jobs = sysconf(_SC_NPROCESSORS_ONLN);
	struct repro_run *runs = NULL;
	struct repro_cell *cells = NULL;
	double t0;
	u64 v;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quick = 1;
			break;
		case 'J':
			json = 1;
			break;
		case 'C':
			csv = 1;
			break;
		case 'o':
			out = optarg;
			break;
		case 'w':
			wl = optarg;
			break;
		case 'v':
			vms = optarg;
			break;
		case 'p':
			pol = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			n = repro_common_opt("reproduce", c, optarg, &m, &jobs);
			if (n == EXIT_USAGE)
				return n;
			if (!n)
				return bad("unknown or incomplete option", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return bad("unexpected argument", argv[optind]);
	if (json && csv) {
		fprintf(stderr, "kvmsim reproduce: --json and --csv exclude each other\n");
		return EXIT_USAGE;
	}
	if (jobs < 1)
		jobs = 1;

	/* the matrix: defaults, --quick, then the explicit lists */
	if (wl) {
		n = split(wl, m.workloads, REPRO_MAX);
		if (n <= 0)
			return bad("--workload: expected a comma-separated list, got", wl);
		for (int i = 0; i < n; i++)
			if (!guest_workload_find(m.workloads[i]))
				return bad("--workload: no such workload", m.workloads[i]);
		m.nr_workloads = n;
	} else {
		/* the default list, less a workload not (yet) in guest/workloads/: said on stderr
		 * once the command line is known to be good */
		n = quick ? 3 : (int)ARRAY_SIZE(all_workloads);
		for (int i = 0; i < n; i++)
			if (guest_workload_find(all_workloads[i]))
				m.workloads[m.nr_workloads++] = all_workloads[i];
			else
				left_out[nr_left_out++] = all_workloads[i];
		if (!m.nr_workloads)
			return bad("no workload of the matrix is registered, e.g.",
				   all_workloads[0]);
	}
	if (vms) {
		n = split(vms, list, REPRO_MAX);
		if (n <= 0)
			return bad("--vms: expected a comma-separated list, got", vms);
		for (int i = 0; i < n; i++) {
			if (parse_u64(list[i], &v) || v < 1 || v > 64)
				return bad("--vms: expected VM counts 1 to 64, got", list[i]);
			m.vms[i] = (int)v;
		}
		m.nr_vms = n;
	} else if (quick) {
		m.vms[0] = 2;
		m.nr_vms = 1;
	} else {
		m.vms[0] = 2, m.vms[1] = 3, m.vms[2] = 4;
		m.nr_vms = 3;
	}
	if (pol) {
		n = split(pol, list, REPRO_MAX);
		if (n <= 0)
			return bad("--policy: expected a comma-separated list, got", pol);
		for (int i = 0; i < n; i++) {
			int p = yield_policy_from_name(list[i]);

			if (p < 0)
				return bad("--policy: unknown [policy] yield name", list[i]);
			if (p == YIELD_BASELINE)
				return bad("--policy: baseline always runs; do not list it:",
					   list[i]);
			m.policies[i] = p;
		}
		m.nr_policies = n;
	} else {
		m.policies[0] = YIELD_SEED_V1;
		m.policies[1] = YIELD_SEED_V1_SCHED;
		m.policies[2] = YIELD_SEED_V1_KVM;
		m.nr_policies = 3;
	}
	if (!m.seeds)
		m.seeds = quick ? QUICK_SEEDS : 5;
	if (quick) { /* before the user's --set, which win */
		memmove(m.sets + ARRAY_SIZE(quick_sets), m.sets, m.nr_sets * sizeof(m.sets[0]));
		memcpy(m.sets, quick_sets, sizeof(quick_sets));
		m.nr_sets += ARRAY_SIZE(quick_sets);
	}

	if (repro_check(&m, err)) {
		fprintf(stderr, "kvmsim reproduce: %s\n", err);
		return EXIT_USAGE;
	}
	for (int i = 0; i < nr_left_out; i++)
		fprintf(stderr,
			"kvmsim reproduce: workload %s is not registered (guest/workloads/): left "
			"out\n",
			left_out[i]);
	if (mkdir_p(out)) {
		fprintf(stderr, "kvmsim reproduce: --out %s: cannot create the directory: %s\n",
			out, strerror(errno));
		return EXIT_RUNTIME;
	}
	runs = calloc((size_t)repro_nr_runs(&m), sizeof(*runs));
	cells = calloc((size_t)repro_nr_cells(&m), sizeof(*cells));
	if (!runs || !cells) {
		fprintf(stderr, "kvmsim reproduce: out of memory\n");
		rc = EXIT_RUNTIME;
		goto out;
	}
	fprintf(stderr,
		"kvmsim reproduce: %d runs (%d workloads x %d VM counts x %d policies "
		"x %d seeds), %ld at a time\n",
		repro_nr_runs(&m), m.nr_workloads, m.nr_vms, m.nr_policies + 1, m.seeds, jobs);
	t0 = now_s();
	if (repro_run_all(&m, (int)jobs, stderr, runs, err)) {
		fprintf(stderr, "kvmsim reproduce: %s\n", err);
		rc = EXIT_RUNTIME;
		goto out;
	}
	fprintf(stderr, "kvmsim reproduce: done in %.1f s\n", now_s() - t0);
	repro_cells(&m, runs, cells);
	if (json)
		repro_print_json(stdout, &m, cells);
	else if (csv)
		repro_print_csv(stdout, &m, cells);
	else
		repro_print_table(stdout, &m, cells);
	if (write_file(out, "results.json", &m, cells, repro_print_json) ||
	    write_file(out, "results.csv", &m, cells, repro_print_csv)) {
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (repro_plot(out, &m, cells, err)) {
		fprintf(stderr, "kvmsim reproduce: %s\n", err);
		rc = EXIT_RUNTIME;
		goto out;
	}
	fprintf(stderr, "kvmsim reproduce: wrote %s/results.{csv,json,png}\n", out);
out:
	free(runs);
	free(cells);
	return rc;
}

KVMSIM_COMMAND(cmd_reproduce, .name = "reproduce",
	       .summary = "the series' experiment: gains with 95% CIs, results.{csv,json,png}",
	       .run = reproduce_main);
