/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The series' experiment as a matrix of runs (kvmsim reproduce, kvmsim calibrate):
 * workloads x VM counts x policies x seeds, each run a scenario built from a committed
 * base file (scenarios/reproduce/base.ini) plus the calibrated workload keys
 * (scenarios/reproduce/calibration.ini) plus overrides. Runs go in forked children, up to
 * --jobs at a time; every child starts from the same parent state and its result lands in
 * the run's slot, so the output does not depend on --jobs. Cells pair each policy's run
 * with the baseline run of the same seed. docs/results.md.
 */
#ifndef KVMSIM_TOOLS_REPRO_H
#define KVMSIM_TOOLS_REPRO_H

#include <stdio.h>

#include "kvmsim/ci.h"
#include "kvmsim/scenario.h"

struct run_result;

#define REPRO_MAX	16 /* workloads, VM counts, policies, overrides */
#define REPRO_MAX_SEEDS 100
#define REPRO_VM	"g" /* the [vm NAME] section of base.ini */

struct repro_matrix {
	const char *base;  /* base scenario file */
	const char *calib; /* calibration file ([WORKLOAD] KEY = VALUE), NULL = none */
	const char *workloads[REPRO_MAX];
	int nr_workloads;
	int vms[REPRO_MAX];
	int nr_vms;
	enum yield_policy policies[REPRO_MAX]; /* compared with the baseline, which always runs */
	int nr_policies;
	int seeds;			 /* seeds 1..seeds ([host] seed) */
	const char *sets[REPRO_MAX * 2]; /* SECTION.KEY=VALUE for every run, after calibration */
	int nr_sets;
	/* filled by repro_check() from the base scenario with the overrides */
	struct scn_host host;
	int vcpus;
};

/* What one run contributes: summed (or averaged) over the run's VMs. */
struct repro_run {
	int ok;
	int nr_vms;
	double measured_s;
	double throughput; /* mean over VMs of vm_result.throughput (work per second) */
	double ple_exits, spin_ns, run_ns, halts, ipis, yield[3]; /* sums over VMs */
	double ipi_p50_ns, ipi_p99_ns;				  /* means over VMs */
	double jain_vms;
	double wall_s; /* the child's wall time (progress only, never in the output) */
	char err[SCN_ERR_MAX];
};

/* Per-VM, per-second mechanism figures of a cell, means over seeds. */
struct repro_mech {
	double ple_exits_per_s;
	double spin_pct; /* spin time / vCPU running time */
	double ipi_p50_us, ipi_p99_us;
	double yield_per_s[3]; /* YIELD_ESRCH, YIELD_FAIL, YIELD_OK */
	double halts_per_s;
	double ipis_per_s;
	double jain_vms;
};

struct repro_cell {
	const char *workload;
	int vms;
	enum yield_policy policy;
	int seeds;
	struct ci_summary gain; /* fractions: 0.144 = +14.4 % */
	double gains[REPRO_MAX_SEEDS];
	double baseline_throughput, throughput; /* means over seeds */
	double published_pct;			/* the series' figure, NaN where none */
	struct repro_mech mech, base_mech;
};

/* The options kvmsim reproduce and kvmsim calibrate share, for their getopt_long tables. */
#define REPRO_COMMON_OPTIONS                                                                       \
	{"seeds", required_argument, NULL, 's'}, {"jobs", required_argument, NULL, 'j'},           \
	    {"base", required_argument, NULL, 'b'}, {"calibration", required_argument, NULL, 'c'}, \
	{                                                                                          \
		"set", required_argument, NULL, 'S'                                                \
	}
/*
 * Handle getopt's @c if it is one of REPRO_COMMON_OPTIONS: --seeds into m->seeds, --jobs
 * into *jobs, --base, --calibration ('none': no file), --set appended to m->sets.
 * Returns 1 handled, 0 not one of them, or EXIT_USAGE after one line on stderr.
 */
int repro_common_opt(const char *cmd, int c, char *arg, struct repro_matrix *m, long *jobs);

/* The published 2-VM gains of the whole series (v1 cover letter, section 1.3); NaN if none. */
double repro_published_pct(const char *workload, int vms, enum yield_policy p);

int repro_nr_runs(const struct repro_matrix *m);
/* Index of run (workload w, VM count v, policy slot p: 0 = baseline, 1.. = policies[p-1], seed s).
 */
int repro_run_index(const struct repro_matrix *m, int w, int v, int p, int s);

/* The scenario of one run, or NULL with "file:line: message" (or the bad override) in @err. */
struct scenario *repro_scenario(const struct repro_matrix *m, int w, int v, int p, int s,
				char *err);
/* Loads every distinct scenario of the matrix once: 0, or -EINVAL with @err (a usage error). */
int repro_check(const struct repro_matrix *m, char *err);

/* A run's figures from host_sim_run()'s result; -EINVAL (message in out->err) without VMs. */
int repro_run_from_result(const struct run_result *r, struct repro_run *out);

/*
 * Run every run of @m with up to @jobs children at a time into @runs (repro_nr_runs()
 * slots). @progress (may be NULL) gets a line per finished run. Returns 0, or -1 with the
 * first failure's message in @err.
 */
int repro_run_all(const struct repro_matrix *m, int jobs, FILE *progress, struct repro_run *runs,
		  char *err);

/* Cells in matrix order (workload, VM count, policy): nr_workloads * nr_vms * nr_policies. */
int repro_nr_cells(const struct repro_matrix *m);
void repro_cells(const struct repro_matrix *m, const struct repro_run *runs,
		 struct repro_cell *cells);

void repro_print_table(FILE *f, const struct repro_matrix *m, const struct repro_cell *c);
void repro_print_csv(FILE *f, const struct repro_matrix *m, const struct repro_cell *c);
void repro_print_json(FILE *f, const struct repro_matrix *m, const struct repro_cell *c);
/*
 * results.dat + results.gp in @dir, then gnuplot draws results.png: 0, or -errno / the
 * exit status of gnuplot with a message in @err.
 */
int repro_plot(const char *dir, const struct repro_matrix *m, const struct repro_cell *c,
	       char *err);

#endif
