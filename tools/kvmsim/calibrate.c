// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsim calibrate: fit workload keys so that the model's 2-VM gain of seed-v1 over the
 * baseline matches the published figure (vcpu-scheduling-series.md 1.3) — the 2-VM
 * figures only, and only the keys docs/model/workloads.md marks as calibratable (the
 * committed driver is scripts/calibrate). One key at a time: a grid over [LO, HI], then
 * bisection inside the grid interval where the residual changes sign (or the grid point
 * with the smallest residual if it never does). docs/calibration.md.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmsim/cmd.h"
#include "kvmsim/json.h"
#include "kvmsim/parse.h"
#include "repro.h"

#define MAX_POINTS 64

static const char usage[] =
    "usage: kvmsim calibrate WORKLOAD --param workload.KEY=LO:HI [options]\n"
    "\n"
    "Fit workload.KEY within [LO, HI] so that the 2-VM throughput gain of seed-v1 over the\n"
    "baseline (mean over seeds, as kvmsim reproduce computes it) matches the published\n"
    "figure for WORKLOAD (dbench 14.4 %, dedup 47.1 %, vips 26.2 %). Several --param are\n"
    "fitted one after the other, each with the ones before at their fitted value. LO and HI\n"
    "are both integers, both durations (ns, us, ms, s) or both decimals. Prints every point\n"
    "tried, the fitted values and the residual; --ini prints just the calibration.ini\n"
    "section. Only keys that docs/model/workloads.md marks as calibratable belong here:\n"
    "scripts/calibrate lists them.\n"
    "\n"
    "options:\n"
    "  --param workload.KEY=LO:HI   a key to fit (repeatable)\n"
    "  --points N           grid points over [LO, HI] (default 5, 2 to 64)\n"
    "  --refine N           bisection steps after the grid (default 4)\n"
    "  --seeds N            seeds per point (default 5)\n"
    "  --jobs N             runs in parallel (default: the online CPUs)\n"
    "  --base FILE          base scenario (default scenarios/reproduce/base.ini)\n"
    "  --calibration FILE   keys already calibrated (default\n"
    "                       scenarios/reproduce/calibration.ini; 'none')\n"
    "  --set SECTION.KEY=V  override a key in every run\n"
    "  --ini                print only the [WORKLOAD] section with the fitted keys\n"
    "  --json               print JSON\n"
    "  -h, --help           this text\n"
    "\n"
    "exit status: 0 ok, 1 runtime error, 2 usage error\n";

enum kind { K_INT, K_DURATION, K_DOUBLE };

struct param {
	char key[SCN_NAME_MAX]; /* workload.KEY */
	enum kind kind;
	double lo, hi;
	double fit;
	double fit_gain, fit_half; /* fractions */
	int nr_points;
	double x[MAX_POINTS + 32], gain[MAX_POINTS + 32], half[MAX_POINTS + 32];
	char set[SCN_NAME_MAX + 96]; /* vm.g.workload.KEY=VALUE */
};

static int bad(const char *what, const char *arg)
{
	fprintf(stderr, "kvmsim calibrate: %s '%s' (see kvmsim calibrate --help)\n", what, arg);
	return EXIT_USAGE;
}

/* An integer, a duration (with a unit: ns, us, ms, s) or a decimal. */
static int parse_bound(const char *s, enum kind *kind, double *out)
{
	size_t n = strlen(s);
	u64 v;
	double d;

	if (!parse_u64(s, &v)) {
		*kind = K_INT;
		*out = (double)v;
	} else if (n && s[n - 1] == 's' && !parse_duration_ns(s, &v)) {
		*kind = K_DURATION;
		*out = (double)v;
	} else if (!parse_double(s, &d)) {
		*kind = K_DOUBLE;
		*out = d;
	} else {
		return -EINVAL;
	}
	return 0;
}

static int parse_param(const char *arg, struct param *p)
{
	const char *eq = strchr(arg, '='), *colon;
	char lo[64], hi[64];
	enum kind k1, k2;

	if (!eq || strncmp(arg, "workload.", 9) || eq - arg <= 9 ||
	    (size_t)(eq - arg) >= sizeof(p->key))
		return -EINVAL;
	colon = strchr(eq, ':');
	if (!colon || colon - eq - 1 >= (long)sizeof(lo) || strlen(colon + 1) >= sizeof(hi))
		return -EINVAL;
	snprintf(p->key, sizeof(p->key), "%.*s", (int)(eq - arg), arg);
	snprintf(lo, sizeof(lo), "%.*s", (int)(colon - eq - 1), eq + 1);
	snprintf(hi, sizeof(hi), "%s", colon + 1);
	if (parse_bound(lo, &k1, &p->lo) || parse_bound(hi, &k2, &p->hi))
		return -EINVAL;
	/* an integer bound beside a duration is a duration in ns, beside a decimal a decimal */
	if (k1 != k2 && k1 != K_INT && k2 != K_INT)
		return -EINVAL;
	p->kind = k1 == K_INT ? k2 : k1;
	if (!(p->lo < p->hi))
		return -EINVAL;
	return 0;
}

static void format_value(const struct param *p, double x, char *buf, size_t len)
{
	switch (p->kind) {
	case K_INT:
		snprintf(buf, len, "%.0f", round(x));
		break;
	case K_DURATION: /* the largest unit that keeps it whole: parse_duration_ns() reads it back
			  */
		x = round(x);
		if (x >= 1e6 && fmod(x, 1e3) == 0)
			snprintf(buf, len, "%.6gms", x / 1e6);
		else if (x >= 1e3)
			snprintf(buf, len, "%.6gus", x / 1e3);
		else
			snprintf(buf, len, "%.0fns", x);
		break;
	case K_DOUBLE:
		snprintf(buf, len, "%.4g", x);
		break;
	}
}

/* The value actually used for @x (integers and durations round to whole units). */
static double quantize(const struct param *p, double x)
{
	return p->kind == K_DOUBLE ? x : round(x);
}

/* The override that puts @p at @x. */
static void param_set(struct param *p, double x)
{
	char v[64];

	format_value(p, quantize(p, x), v, sizeof(v));
	snprintf(p->set, sizeof(p->set), "vm." REPRO_VM ".%.63s=%.63s", p->key, v);
}

struct fit_ctx {
	struct repro_matrix m; /* one workload, 2 VMs, seed-v1 */
	int base_sets;	       /* m.sets before the fitted keys */
	int jobs;
	double target; /* fraction */
	struct repro_run *runs;
};

/* The gain (and CI half-width) with @p at @x; the other fitted keys as they stand. */
static int evaluate(struct fit_ctx *fc, struct param *p, double x, char *err)
{
	struct repro_cell cell;

	x = quantize(p, x);
	param_set(p, x);
	if (repro_check(&fc->m, err))
		return -EINVAL;
	if (repro_run_all(&fc->m, fc->jobs, NULL, fc->runs, err))
		return -1;
	repro_cells(&fc->m, fc->runs, &cell);
	if (p->nr_points < (int)ARRAY_SIZE(p->x)) {
		p->x[p->nr_points] = x;
		p->gain[p->nr_points] = cell.gain.mean;
		p->half[p->nr_points] = cell.gain.half;
		p->nr_points++;
	}
	fprintf(stderr, "kvmsim calibrate: %s: gain %+.2f %% (target %+.1f %%)\n", p->set + 5,
		100 * cell.gain.mean, 100 * fc->target);
	return 0;
}

static int fit_param(struct fit_ctx *fc, struct param *p, int points, int refine, char *err)
{
	int best = 0, rc, lo_i = -1;
	double a, b, ra;

	for (int i = 0; i < points; i++) {
		/* geometric over a range of a decade or so, else linear */
		double f = (double)i / (points - 1);
		double x = p->lo > 0 && p->hi / p->lo >= 8 ? p->lo * pow(p->hi / p->lo, f)
							   : p->lo + (p->hi - p->lo) * f;

		rc = evaluate(fc, p, x, err);
		if (rc)
			return rc;
	}
	for (int i = 1; i < points; i++)
		if (fabs(p->gain[i] - fc->target) < fabs(p->gain[best] - fc->target))
			best = i;
	/* the sign change nearest to the best point */
	for (int i = 0; i + 1 < points; i++)
		if ((p->gain[i] - fc->target) * (p->gain[i + 1] - fc->target) <= 0 &&
		    (lo_i < 0 || abs(i - best) < abs(lo_i - best)))
			lo_i = i;
	p->fit = p->x[best];
	p->fit_gain = p->gain[best];
	p->fit_half = p->half[best];
	if (lo_i < 0)
		goto out;
	a = p->x[lo_i];
	b = p->x[lo_i + 1];
	ra = p->gain[lo_i] - fc->target;
	for (int s = 0; s < refine; s++) {
		double mid = quantize(p, (a + b) / 2), rm;
		int k;

		if (mid == a || mid == b)
			break;
		rc = evaluate(fc, p, mid, err);
		if (rc)
			return rc;
		k = p->nr_points - 1;
		rm = p->gain[k] - fc->target;
		if (fabs(rm) < fabs(p->fit_gain - fc->target)) {
			p->fit = mid;
			p->fit_gain = p->gain[k];
			p->fit_half = p->half[k];
		}
		if (ra * rm <= 0) {
			b = mid;
		} else {
			a = mid;
			ra = rm;
		}
	}
out:
	param_set(p, p->fit);
	return 0;
}

static int calibrate_main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"param", required_argument, NULL, 'P'},
	    {"points", required_argument, NULL, 'n'},
	    {"refine", required_argument, NULL, 'r'},
	    {"ini", no_argument, NULL, 'I'},
	    {"json", no_argument, NULL, 'J'},
	    {"help", no_argument, NULL, 'h'},
	    REPRO_COMMON_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	struct fit_ctx fc = {
	    .m = {.base = "scenarios/reproduce/base.ini",
		  .calib = "scenarios/reproduce/calibration.ini",
		  .nr_workloads = 1,
		  .vms = {2},
		  .nr_vms = 1,
		  .policies = {YIELD_SEED_V1},
		  .nr_policies = 1,
		  .seeds = 5},
	};
	struct param params[REPRO_MAX];
	int nparams = 0, points = 5, refine = 4, ini = 0, json = 0, c, rc = 0;
	long jobs = sysconf(_SC_NPROCESSORS_ONLN);
	char err[SCN_ERR_MAX];
	u64 v;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			if (nparams == REPRO_MAX)
				return bad("too many --param at", optarg);
			memset(&params[nparams], 0, sizeof(params[0]));
			if (parse_param(optarg, &params[nparams]))
				return bad("--param: expected workload.KEY=LO:HI with LO < HI, got",
					   optarg);
			nparams++;
			break;
		case 'n':
			if (parse_u64(optarg, &v) || v < 2 || v > MAX_POINTS)
				return bad("--points: expected 2 to 64, got", optarg);
			points = (int)v;
			break;
		case 'r':
			if (parse_u64(optarg, &v) || v > 30)
				return bad("--refine: expected 0 to 30, got", optarg);
			refine = (int)v;
			break;
		case 'I':
			ini = 1;
			break;
		case 'J':
			json = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			c = repro_common_opt("calibrate", c, optarg, &fc.m, &jobs);
			if (c == EXIT_USAGE)
				return c;
			if (!c)
				return bad("unknown or incomplete option", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return bad("expected one WORKLOAD, got",
			   optind < argc ? argv[optind + 1] : "nothing");
	fc.m.workloads[0] = argv[optind];
	fc.target = repro_published_pct(argv[optind], 2, YIELD_SEED_V1) / 100;
	if (isnan(fc.target))
		return bad("no published 2-VM figure to fit for the workload", argv[optind]);
	if (!nparams)
		return bad("nothing to fit: give --param for", argv[optind]);
	if (ini && json) {
		fprintf(stderr, "kvmsim calibrate: --ini and --json exclude each other\n");
		return EXIT_USAGE;
	}
	fc.jobs = jobs < 1 ? 1 : (int)jobs;
	fc.base_sets = fc.m.nr_sets;
	/* the fitted keys are overrides after the user's; all of them at their midpoints for
	 * the check of the keys, then while key i is fitted only keys 0..i are set */
	for (int i = 0; i < nparams; i++) {
		param_set(&params[i], (params[i].lo + params[i].hi) / 2);
		fc.m.sets[fc.m.nr_sets++] = params[i].set;
	}
	if (repro_check(&fc.m, err)) {
		fprintf(stderr, "kvmsim calibrate: %s\n", err);
		return EXIT_USAGE;
	}
	fc.runs = calloc((size_t)repro_nr_runs(&fc.m), sizeof(*fc.runs));
	if (!fc.runs)
		return EXIT_RUNTIME;
	for (int i = 0; i < nparams; i++) {
		fc.m.nr_sets = fc.base_sets + i + 1;
		rc = fit_param(&fc, &params[i], points, refine, err);
		if (rc) {
			fprintf(stderr, "kvmsim calibrate: %s\n", err);
			rc = rc == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
			goto out;
		}
	}

	if (ini) {
		printf("[%s]\n", fc.m.workloads[0]);
		for (int i = 0; i < nparams; i++) {
			char val[64];

			format_value(&params[i], params[i].fit, val, sizeof(val));
			printf("%s = %s\n", params[i].key, val);
		}
	} else if (json) {
		struct json j;

		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_str(&j, "workload", fc.m.workloads[0]);
		json_double(&j, "target_pct", 100 * fc.target);
		json_u64(&j, "seeds", (u64)fc.m.seeds);
		json_arr_begin(&j, "params");
		for (int i = 0; i < nparams; i++) {
			struct param *p = &params[i];
			char val[64];

			format_value(p, p->fit, val, sizeof(val));
			json_obj_begin(&j, NULL);
			json_str(&j, "key", p->key);
			json_str(&j, "fitted", val);
			json_double(&j, "gain_pct", 100 * p->fit_gain);
			json_double(&j, "ci95_pct", 100 * p->fit_half);
			json_double(&j, "residual_pp", 100 * (p->fit_gain - fc.target));
			json_arr_begin(&j, "points");
			for (int k = 0; k < p->nr_points; k++) {
				json_obj_begin(&j, NULL);
				json_double(&j, "value", p->x[k]);
				json_double(&j, "gain_pct", 100 * p->gain[k]);
				json_double(&j, "ci95_pct", 100 * p->half[k]);
				json_obj_end(&j);
			}
			json_arr_end(&j);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		json_finish(&j);
	} else {
		printf("%s: target %+.1f %% (seed-v1 over baseline, 2 VMs), %d seeds per point\n",
		       fc.m.workloads[0], 100 * fc.target, fc.m.seeds);
		for (int i = 0; i < nparams; i++) {
			struct param *p = &params[i];
			char val[64];

			printf("\n%s:\n  %14s  %20s\n", p->key, "value", "gain");
			for (int k = 0; k < p->nr_points; k++) {
				format_value(p, p->x[k], val, sizeof(val));
				printf("  %14s  %+8.2f ± %5.2f %%\n", val, 100 * p->gain[k],
				       100 * p->half[k]);
			}
			format_value(p, p->fit, val, sizeof(val));
			printf("  fitted %s = %s: gain %+.2f ± %.2f %%, residual %+.2f pp\n",
			       p->key, val, 100 * p->fit_gain, 100 * p->fit_half,
			       100 * (p->fit_gain - fc.target));
		}
	}
out:
	free(fc.runs);
	return rc;
}

KVMSIM_COMMAND(cmd_calibrate, .name = "calibrate",
	       .summary = "fit calibratable workload keys to the published 2-VM gains",
	       .run = calibrate_main);
