// SPDX-License-Identifier: GPL-2.0
/*
 * The experiment matrix of kvmsim reproduce and kvmsim calibrate (repro.h): building each
 * run's scenario, running runs in forked children, pairing runs into cells, and the
 * table / CSV / JSON / gnuplot forms.
 */
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvmsim/cmd.h"
#include "kvmsim/host.h"
#include "kvmsim/json.h"
#include "kvmsim/kvm_report.h"
#include "kvmsim/parse.h"
#include "kvmsim/report.h"
#include "repro.h"

/* v1 cover letter and commit messages (vcpu-scheduling-series.md 1.3): 2 VMs only. */
static const struct {
	const char *workload;
	double pct;
} published[] = {
    {"dbench", 14.4},
    {"dedup", 47.1},
    {"vips", 26.2},
};

double repro_published_pct(const char *workload, int vms, enum yield_policy p)
{
	if (vms != 2 || p != YIELD_SEED_V1)
		return NAN;
	for (size_t i = 0; i < ARRAY_SIZE(published); i++)
		if (!strcmp(published[i].workload, workload))
			return published[i].pct;
	return NAN;
}

int repro_common_opt(const char *cmd, int c, char *arg, struct repro_matrix *m, long *jobs)
{
	const char *what = NULL;
	u64 v;

	switch (c) {
	case 's':
		if (parse_u64(arg, &v) || v < 1 || v > REPRO_MAX_SEEDS)
			what = "--seeds: expected 1 to 100, got";
		else
			m->seeds = (int)v;
		break;
	case 'j':
		if (parse_u64(arg, &v) || v < 1 || v > 256)
			what = "--jobs: expected 1 to 256, got";
		else
			*jobs = (long)v;
		break;
	case 'b':
		m->base = arg;
		break;
	case 'c':
		m->calib = strcmp(arg, "none") ? arg : NULL;
		break;
	case 'S':
		if (m->nr_sets == (int)ARRAY_SIZE(m->sets) - REPRO_MAX)
			what = "too many --set at";
		else
			m->sets[m->nr_sets++] = arg;
		break;
	default:
		return 0;
	}
	if (!what)
		return 1;
	fprintf(stderr, "kvmsim %s: %s '%s' (see kvmsim %s --help)\n", cmd, what, arg, cmd);
	return EXIT_USAGE;
}

int repro_nr_runs(const struct repro_matrix *m)
{
	return m->nr_workloads * m->nr_vms * (m->nr_policies + 1) * m->seeds;
}

int repro_run_index(const struct repro_matrix *m, int w, int v, int p, int s)
{
	return ((w * m->nr_vms + v) * (m->nr_policies + 1) + p) * m->seeds + s;
}

static void run_coords(const struct repro_matrix *m, int idx, int *w, int *v, int *p, int *s)
{
	*s = idx % m->seeds;
	idx /= m->seeds;
	*p = idx % (m->nr_policies + 1);
	idx /= m->nr_policies + 1;
	*v = idx % m->nr_vms;
	*w = idx / m->nr_vms;
}

static enum yield_policy slot_policy(const struct repro_matrix *m, int p)
{
	return p == 0 ? YIELD_BASELINE : m->policies[p - 1];
}

/* The calibration file: [WORKLOAD] sections of KEY = VALUE, applied as vm.g.KEY=VALUE. */
struct calib_ctx {
	struct scenario *s;
	const char *workload;
	const char *path;
	char *err;
	int rc;
};

static int calib_handler(void *user, const char *section, const char *name, const char *value)
{
	struct calib_ctx *c = user;
	char a[256], e[SCN_ERR_MAX];

	if (c->rc || strcmp(section, c->workload))
		return 1;
	snprintf(a, sizeof(a), "vm." REPRO_VM ".%s=%s", name, value);
	if (scenario_set(c->s, a, e)) {
		snprintf(c->err, SCN_ERR_MAX, "%.128s: [%.64s] %.64s: %.240s", c->path, section,
			 name, e);
		c->rc = -EINVAL;
	}
	return 1;
}

static int apply_calibration(const struct repro_matrix *m, struct scenario *s, const char *wl,
			     char *err)
{
	struct calib_ctx c = {s, wl, m->calib, err, 0};
	int rc;

	if (!m->calib)
		return 0;
	rc = ini_parse(m->calib, calib_handler, &c);
	if (rc < 0) {
		snprintf(err, SCN_ERR_MAX, "%s: cannot open the calibration file", m->calib);
		return -EINVAL;
	}
	if (rc > 0 && !c.rc) {
		snprintf(err, SCN_ERR_MAX, "%s:%d: malformed line", m->calib, rc);
		return -EINVAL;
	}
	return c.rc;
}

static int set1(struct scenario *s, char *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int set1(struct scenario *s, char *err, const char *fmt, ...)
{
	char a[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a, sizeof(a), fmt, ap);
	va_end(ap);
	return scenario_set(s, a, err);
}

struct scenario *repro_scenario(const struct repro_matrix *m, int w, int v, int p, int seed,
				char *err)
{
	struct scenario *s = scenario_load(m->base, err);
	char e[SCN_ERR_MAX];

	if (!s)
		return NULL;
	if (s->nr_vms != 1 || strcmp(s->vms[0].name, REPRO_VM)) {
		snprintf(err, SCN_ERR_MAX, "%s: expected exactly one section [vm " REPRO_VM "]",
			 m->base);
		goto fail;
	}
	if (set1(s, err, "vm." REPRO_VM ".workload=%s", m->workloads[w]) ||
	    set1(s, err, "vm." REPRO_VM ".count=%d", m->vms[v]) ||
	    set1(s, err, "policy.yield=%s", yield_policy_name(slot_policy(m, p))) ||
	    set1(s, err, "host.seed=%d", seed + 1))
		goto fail;
	if (apply_calibration(m, s, m->workloads[w], err))
		goto fail;
	for (int i = 0; i < m->nr_sets; i++)
		if (scenario_set(s, m->sets[i], e)) {
			snprintf(err, SCN_ERR_MAX, "--set %.128s: %.360s", m->sets[i], e);
			goto fail;
		}
	if (scenario_validate(s, err))
		goto fail;
	return s;
fail:
	scenario_free(s);
	return NULL;
}

int repro_check(const struct repro_matrix *m, char *err)
{
	if (m->nr_workloads < 1 || m->nr_vms < 1 || m->nr_policies < 1 || m->seeds < 1 ||
	    m->seeds > REPRO_MAX_SEEDS) {
		snprintf(err, SCN_ERR_MAX, "empty matrix or seeds outside 1..%d", REPRO_MAX_SEEDS);
		return -EINVAL;
	}
	for (int w = 0; w < m->nr_workloads; w++)
		for (int v = 0; v < m->nr_vms; v++)
			for (int p = 0; p <= m->nr_policies; p++) {
				struct scenario *s = repro_scenario(m, w, v, p, 0, err);

				if (!s)
					return -EINVAL;
				if (!w && !v && !p) {
					struct repro_matrix *mm = (struct repro_matrix *)m;

					mm->host = s->host;
					mm->vcpus = s->vms[0].vcpus;
				}
				scenario_free(s);
			}
	return 0;
}

int repro_run_from_result(const struct run_result *r, struct repro_run *out)
{
	const struct kvm_run_result *k = r->kvm;
	double p50 = 0, p99 = 0;

	memset(out, 0, sizeof(*out));
	if (!k || k->nr_vms < 1) {
		snprintf(out->err, sizeof(out->err), "the run has no VMs");
		return -EINVAL;
	}
	out->nr_vms = k->nr_vms;
	out->measured_s = (double)r->sim_ns / 1e9;
	for (int i = 0; i < k->nr_vms; i++) {
		const struct vm_result *vm = &k->vms[i];

		out->throughput += vm->throughput;
		out->ple_exits += (double)vm->c.ple_exits;
		out->spin_ns += (double)vm->c.spin_ns;
		out->run_ns += (double)vm->c.run_ns;
		out->halts += (double)vm->c.halts;
		out->ipis += (double)vm->c.ipis_sent;
		for (int y = 0; y < 3; y++)
			out->yield[y] += (double)vm->c.yield[y];
		p50 += (double)vm->ipi_latency_p50_ns;
		p99 += (double)vm->ipi_latency_p99_ns;
	}
	out->throughput /= k->nr_vms;
	out->ipi_p50_ns = p50 / k->nr_vms;
	out->ipi_p99_ns = p99 / k->nr_vms;
	out->jain_vms = k->jain_vms;
	out->wall_s = r->wall_s;
	out->ok = 1;
	return 0;
}

/* In the child: one run, its struct repro_run written to @fd. */
static void child_run(const struct repro_matrix *m, int idx, int fd)
{
	struct repro_run out;
	struct host_run_opts o = {0};
	struct run_result res;
	struct scenario *s;
	int w, v, p, sd;
	ssize_t n;

	memset(&out, 0, sizeof(out));
	run_coords(m, idx, &w, &v, &p, &sd);
	s = repro_scenario(m, w, v, p, sd, out.err);
	if (s) {
		if (host_sim_run(s, &o, &res, out.err) == 0) {
			repro_run_from_result(&res, &out);
			run_result_free(&res);
		}
		scenario_free(s);
	}
	n = write(fd, &out, sizeof(out));
	_exit(n == (ssize_t)sizeof(out) ? 0 : 1);
}

static void describe(const struct repro_matrix *m, int idx, char *buf, size_t len)
{
	int w, v, p, s;

	run_coords(m, idx, &w, &v, &p, &s);
	snprintf(buf, len, "%s, %d VMs, %s, seed %d", m->workloads[w], m->vms[v],
		 yield_policy_name(slot_policy(m, p)), s + 1);
}

int repro_run_all(const struct repro_matrix *m, int jobs, FILE *progress, struct repro_run *runs,
		  char *err)
{
	int n = repro_nr_runs(m), next = 0, active = 0, done = 0, rc = 0;
	pid_t pid[jobs];
	int fd[jobs], idx[jobs];
	char what[160];
	bool tty = progress && isatty(fileno(progress));

	for (int j = 0; j < jobs; j++)
		pid[j] = 0;
	while ((next < n && !rc) || active) {
		int status, j;
		pid_t got;

		for (j = 0; j < jobs && next < n && !rc; j++) {
			int pfd[2];

			if (pid[j])
				continue;
			if (pipe(pfd)) {
				snprintf(err, SCN_ERR_MAX, "pipe: %s", strerror(errno));
				rc = -1;
				break;
			}
			fflush(NULL);
			pid[j] = fork();
			if (pid[j] < 0) {
				snprintf(err, SCN_ERR_MAX, "fork: %s", strerror(errno));
				pid[j] = 0;
				close(pfd[0]);
				close(pfd[1]);
				rc = -1;
				break;
			}
			if (pid[j] == 0) {
				close(pfd[0]);
				child_run(m, next, pfd[1]);
			}
			close(pfd[1]);
			fd[j] = pfd[0];
			idx[j] = next++;
			active++;
		}
		if (!active)
			break;
		got = waitpid(-1, &status, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, SCN_ERR_MAX, "waitpid: %s", strerror(errno));
			return -1;
		}
		for (j = 0; j < jobs && pid[j] != got; j++)
			;
		if (j == jobs)
			continue;
		/* the record is smaller than a pipe buffer: the child wrote it whole before exiting
		 */
		{
			struct repro_run *r = &runs[idx[j]];
			ssize_t len = read(fd[j], r, sizeof(*r));

			close(fd[j]);
			pid[j] = 0;
			active--;
			done++;
			describe(m, idx[j], what, sizeof(what));
			if (len != (ssize_t)sizeof(*r) || !WIFEXITED(status) ||
			    WEXITSTATUS(status)) {
				if (!rc)
					snprintf(err, SCN_ERR_MAX, "run %s: the child %s", what,
						 WIFSIGNALED(status) ? "was killed by a signal"
								     : "failed");
				rc = -1;
			} else if (!r->ok) {
				if (!rc)
					snprintf(err, SCN_ERR_MAX, "run %.150s: %.340s", what,
						 r->err);
				rc = -1;
			} else if (progress) {
				/* a terminal gets one line rewritten in place */
				fprintf(progress,
					tty ? "\r[%d/%d] %s: %.1f s\033[K" : "[%d/%d] %s: %.1f s\n",
					done, n, what, r->wall_s);
				fflush(progress);
			}
		}
	}
	if (tty && done)
		fputc('\n', progress);
	return rc;
}

int repro_nr_cells(const struct repro_matrix *m)
{
	return m->nr_workloads * m->nr_vms * m->nr_policies;
}

static void mech_of(const struct repro_matrix *m, const struct repro_run *runs, int w, int v, int p,
		    struct repro_mech *out)
{
	memset(out, 0, sizeof(*out));
	for (int s = 0; s < m->seeds; s++) {
		const struct repro_run *r = &runs[repro_run_index(m, w, v, p, s)];
		double per = r->nr_vms * r->measured_s;

		if (per <= 0)
			continue;
		out->ple_exits_per_s += r->ple_exits / per;
		out->spin_pct += r->run_ns > 0 ? 100 * r->spin_ns / r->run_ns : 0;
		out->ipi_p50_us += r->ipi_p50_ns / 1e3;
		out->ipi_p99_us += r->ipi_p99_ns / 1e3;
		for (int y = 0; y < 3; y++)
			out->yield_per_s[y] += r->yield[y] / per;
		out->halts_per_s += r->halts / per;
		out->ipis_per_s += r->ipis / per;
		out->jain_vms += r->jain_vms;
	}
	out->ple_exits_per_s /= m->seeds;
	out->spin_pct /= m->seeds;
	out->ipi_p50_us /= m->seeds;
	out->ipi_p99_us /= m->seeds;
	for (int y = 0; y < 3; y++)
		out->yield_per_s[y] /= m->seeds;
	out->halts_per_s /= m->seeds;
	out->ipis_per_s /= m->seeds;
	out->jain_vms /= m->seeds;
}

void repro_cells(const struct repro_matrix *m, const struct repro_run *runs,
		 struct repro_cell *cells)
{
	int k = 0;

	for (int w = 0; w < m->nr_workloads; w++)
		for (int v = 0; v < m->nr_vms; v++)
			for (int p = 1; p <= m->nr_policies; p++, k++) {
				struct repro_cell *c = &cells[k];
				double tb[REPRO_MAX_SEEDS], tp[REPRO_MAX_SEEDS];

				memset(c, 0, sizeof(*c));
				c->workload = m->workloads[w];
				c->vms = m->vms[v];
				c->policy = m->policies[p - 1];
				c->seeds = m->seeds;
				for (int s = 0; s < m->seeds; s++) {
					tb[s] = runs[repro_run_index(m, w, v, 0, s)].throughput;
					tp[s] = runs[repro_run_index(m, w, v, p, s)].throughput;
					c->gains[s] = tb[s] > 0 ? tp[s] / tb[s] - 1 : NAN;
					c->baseline_throughput += tb[s] / m->seeds;
					c->throughput += tp[s] / m->seeds;
				}
				ci_paired_gain(tp, tb, m->seeds, &c->gain);
				c->published_pct =
				    repro_published_pct(c->workload, c->vms, c->policy);
				mech_of(m, runs, w, v, p, &c->mech);
				mech_of(m, runs, w, v, 0, &c->base_mech);
			}
}

static void fmt_gain(char *buf, size_t len, const struct ci_summary *g)
{
	if (isnan(g->mean))
		snprintf(buf, len, "-");
	else if (isnan(g->half))
		snprintf(buf, len, "%+.1f %%", 100 * g->mean);
	else
		snprintf(buf, len, "%+.1f ± %.1f %%%s", 100 * g->mean, 100 * g->half,
			 ci_sign(g) ? "*" : "");
}

static const char *const yield_names[3] = {"esrch", "fail", "ok"};

void repro_print_table(FILE *f, const struct repro_matrix *m, const struct repro_cell *c)
{
	char buf[64];
	int k = 0;

	fprintf(f,
		"Throughput gain over baseline (%s), mean ± 95%% CI over %d seed%s (paired); "
		"* = the interval excludes 0\n",
		m->host.kernel == KERNEL_V6_19 ? "v6.19" : "v6.18", m->seeds,
		m->seeds > 1 ? "s" : "");
	fprintf(f, "%d pCPUs, %d vCPUs per VM, %.1f s measured after %.1f s warm-up\n\n",
		m->host.cpus, m->vcpus, (double)(m->host.duration - m->host.warmup) / 1e9,
		(double)m->host.warmup / 1e9);
	fprintf(f, "%-13s %3s %15s", "workload", "VMs", "baseline work/s");
	for (int p = 0; p < m->nr_policies; p++)
		fprintf(f, "  %-18s", yield_policy_name(m->policies[p]));
	fprintf(f, "  %s\n", "published");
	for (int w = 0; w < m->nr_workloads; w++)
		for (int v = 0; v < m->nr_vms; v++) {
			double pub = NAN;

			fprintf(f, "%-13s %3d %15.1f", m->workloads[w], m->vms[v],
				c[k].baseline_throughput);
			for (int p = 0; p < m->nr_policies; p++, k++) {
				/* pad by bytes: "±" is two bytes in UTF-8 */
				fmt_gain(buf, sizeof(buf), &c[k].gain);
				fprintf(f, "  %-*s", 18 + (strstr(buf, "±") ? 1 : 0), buf);
				if (!isnan(c[k].published_pct))
					pub = c[k].published_pct;
			}
			if (!isnan(pub))
				fprintf(f, "  %+.1f %%", pub);
			fputc('\n', f);
		}
	fprintf(f, "\nMechanisms per VM (means over seeds): PLE exits/s, spin %% of vCPU run time, "
		   "IPI latency p50/p99 us,\nyield_to results per second, halts/s, Jain's index of "
		   "VM CPU time\n\n");
	fprintf(f, "%-13s %3s %-14s %10s %6s %8s %8s %9s %9s %9s %9s %6s\n", "workload", "VMs",
		"policy", "PLE/s", "spin%", "IPI p50", "IPI p99", "yield ok", "fail", "esrch",
		"halts/s", "jain");
	k = 0;
	for (int w = 0; w < m->nr_workloads; w++)
		for (int v = 0; v < m->nr_vms; v++)
			for (int p = 0; p <= m->nr_policies; p++) {
				const struct repro_mech *x = p ? &c[k].mech : &c[k].base_mech;

				fprintf(
				    f,
				    "%-13s %3d %-14s %10.0f %6.2f %8.1f %8.1f %9.0f %9.0f %9.0f "
				    "%9.0f %6.3f\n",
				    m->workloads[w], m->vms[v],
				    yield_policy_name(p ? c[k].policy : YIELD_BASELINE),
				    x->ple_exits_per_s, x->spin_pct, x->ipi_p50_us, x->ipi_p99_us,
				    x->yield_per_s[YIELD_OK], x->yield_per_s[YIELD_FAIL],
				    x->yield_per_s[YIELD_ESRCH], x->halts_per_s, x->jain_vms);
				if (p)
					k++;
			}
}

static void csv_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, ",%.6g", v);
	else
		fputs(",", f);
}

static void csv_mech(FILE *f, const struct repro_mech *x)
{
	csv_num(f, x->ple_exits_per_s);
	csv_num(f, x->spin_pct);
	csv_num(f, x->ipi_p50_us);
	csv_num(f, x->ipi_p99_us);
	for (int y = 0; y < 3; y++)
		csv_num(f, x->yield_per_s[y]);
	csv_num(f, x->halts_per_s);
	csv_num(f, x->ipis_per_s);
	csv_num(f, x->jain_vms);
}

void repro_print_csv(FILE *f, const struct repro_matrix *m, const struct repro_cell *c)
{
	static const char mech_cols[] = "ple_exits_per_s,spin_pct,ipi_latency_p50_us,"
					"ipi_latency_p99_us,yield_esrch_per_s,yield_fail_per_s,"
					"yield_ok_per_s,halts_per_s,ipis_per_s,jain_vms";

	fprintf(f,
		"workload,vms,policy,seeds,baseline_throughput,throughput,gain_pct,ci95_pct,"
		"published_pct,significant,%s",
		mech_cols);
	/* the same columns for the baseline, prefixed */
	for (const char *p = mech_cols; *p;) {
		const char *e = strchr(p, ',');
		int len = e ? (int)(e - p) : (int)strlen(p);

		fprintf(f, ",baseline_%.*s", len, p);
		p += len + (e ? 1 : 0);
	}
	fputc('\n', f);
	for (int k = 0; k < repro_nr_cells(m); k++) {
		fprintf(f, "%s,%d,%s,%d", c[k].workload, c[k].vms, yield_policy_name(c[k].policy),
			c[k].seeds);
		csv_num(f, c[k].baseline_throughput);
		csv_num(f, c[k].throughput);
		csv_num(f, 100 * c[k].gain.mean);
		csv_num(f, 100 * c[k].gain.half);
		csv_num(f, c[k].published_pct);
		fprintf(f, ",%d", ci_sign(&c[k].gain));
		csv_mech(f, &c[k].mech);
		csv_mech(f, &c[k].base_mech);
		fputc('\n', f);
	}
}

static void json_mech(struct json *j, const char *key, const struct repro_mech *x)
{
	json_obj_begin(j, key);
	json_double(j, "ple_exits_per_s", x->ple_exits_per_s);
	json_double(j, "spin_pct", x->spin_pct);
	json_double(j, "ipi_latency_p50_us", x->ipi_p50_us);
	json_double(j, "ipi_latency_p99_us", x->ipi_p99_us);
	json_obj_begin(j, "yields_per_s");
	for (int y = 0; y < 3; y++)
		json_double(j, yield_names[y], x->yield_per_s[y]);
	json_obj_end(j);
	json_double(j, "halts_per_s", x->halts_per_s);
	json_double(j, "ipis_per_s", x->ipis_per_s);
	json_double(j, "jain_vms", x->jain_vms);
	json_obj_end(j);
}

void repro_print_json(FILE *f, const struct repro_matrix *m, const struct repro_cell *c)
{
	struct json j;

	json_init(&j, f);
	json_obj_begin(&j, NULL);
	json_str(&j, "command", "reproduce");
	json_obj_begin(&j, "setup");
	json_u64(&j, "cpus", (u64)m->host.cpus);
	json_u64(&j, "vcpus_per_vm", (u64)m->vcpus);
	json_str(&j, "kernel", m->host.kernel == KERNEL_V6_19 ? "v6.19" : "v6.18");
	json_u64(&j, "duration_ns", m->host.duration);
	json_u64(&j, "warmup_ns", m->host.warmup);
	json_u64(&j, "seeds", (u64)m->seeds);
	json_arr_begin(&j, "overrides");
	for (int i = 0; i < m->nr_sets; i++)
		json_str(&j, NULL, m->sets[i]);
	json_arr_end(&j);
	json_obj_end(&j);
	json_arr_begin(&j, "cells");
	for (int k = 0; k < repro_nr_cells(m); k++) {
		json_obj_begin(&j, NULL);
		json_str(&j, "workload", c[k].workload);
		json_u64(&j, "vms", (u64)c[k].vms);
		json_str(&j, "policy", yield_policy_name(c[k].policy));
		json_double(&j, "gain_pct", 100 * c[k].gain.mean);
		json_double(&j, "ci95_pct", 100 * c[k].gain.half);
		json_double(&j, "baseline_throughput", c[k].baseline_throughput);
		json_double(&j, "throughput", c[k].throughput);
		json_u64(&j, "seeds", (u64)c[k].seeds);
		json_double(&j, "published_pct", c[k].published_pct);
		json_s64(&j, "significant", ci_sign(&c[k].gain));
		json_arr_begin(&j, "gains_pct");
		for (int s = 0; s < c[k].seeds; s++)
			json_double(&j, NULL, 100 * c[k].gains[s]);
		json_arr_end(&j);
		json_mech(&j, "mechanisms", &c[k].mech);
		json_mech(&j, "baseline_mechanisms", &c[k].base_mech);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_finish(&j);
}

static FILE *open_in(const char *dir, const char *name, char *err)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		snprintf(err, SCN_ERR_MAX, "%.400s: cannot create: %.64s", path, strerror(errno));
	return f;
}

/*
 * results.dat: one gnuplot data block (index) per VM count, a row per workload:
 * name, then gain and CI half-width (%) per policy, then the published figure ("?").
 * results.gp: one panel per VM count, clustered bars with error bars.
 */
int repro_plot(const char *dir, const struct repro_matrix *m, const struct repro_cell *c, char *err)
{
	int np = m->nr_policies, status;
	FILE *f = open_in(dir, "results.dat", err);
	pid_t pid;

	if (!f)
		return -errno;
	for (int v = 0; v < m->nr_vms; v++) {
		fprintf(f, "# %d VMs: workload", m->vms[v]);
		for (int p = 0; p < np; p++)
			fprintf(f, " %s ci95", yield_policy_name(m->policies[p]));
		fprintf(f, " published\n");
		for (int w = 0; w < m->nr_workloads; w++) {
			const struct repro_cell *row = &c[(w * m->nr_vms + v) * np];
			double pub = NAN;

			fprintf(f, "%s", m->workloads[w]);
			for (int p = 0; p < np; p++) {
				fprintf(f, " %.3f %.3f", 100 * row[p].gain.mean,
					isnan(row[p].gain.half) ? 0.0 : 100 * row[p].gain.half);
				if (!isnan(row[p].published_pct))
					pub = row[p].published_pct;
			}
			if (isnan(pub))
				fprintf(f, " ?\n");
			else
				fprintf(f, " %.1f\n", pub);
		}
		fprintf(f, "\n\n");
	}
	fclose(f);

	f = open_in(dir, "results.gp", err);
	if (!f)
		return -errno;
	fprintf(f,
		"# kvmsim reproduce: gnuplot results.gp (in this directory) redraws results.png\n"
		"set terminal pngcairo size %d,520 font 'sans,10'\n"
		"set output 'results.png'\n"
		"set datafile missing '?'\n"
		"set style data histogram\n"
		"set style histogram errorbars gap 1.5 lw 1\n"
		"set style fill solid 0.85 border -1\n"
		"set boxwidth 0.9\n"
		"set grid ytics\n"
		"set xzeroaxis lt -1\n"
		"set key top right\n"
		"set xtics nomirror rotate by -20\n"
		"set ylabel 'throughput gain over baseline (%%)'\n"
		"set multiplot layout 1,%d title 'kvmsim reproduce: %d pCPUs, %d vCPUs per VM, "
		"mean and 95%% CI over %d seeds'\n",
		m->nr_vms > 1 ? 100 + 420 * m->nr_vms : 720, m->nr_vms, m->host.cpus, m->vcpus,
		m->seeds);
	for (int v = 0; v < m->nr_vms; v++) {
		fprintf(f, "set title '%d VMs (%dx overcommit)'\n", m->vms[v],
			m->host.cpus ? m->vms[v] * m->vcpus / m->host.cpus : 0);
		fprintf(f, "plot ");
		for (int p = 0; p < np; p++)
			fprintf(f, "%s'results.dat' index %d using %d:%d%s title '%s'",
				p ? ", " : "", v, 2 + 2 * p, 3 + 2 * p, p ? "" : ":xtic(1)",
				yield_policy_name(m->policies[p]));
		/* the published figure beside the first policy's bar: cluster i's first bar sits
		 * at i - 0.5 + (gap/2 + 0.5) / (np + gap) with gap 1.5 */
		for (int w = 0; w < m->nr_workloads; w++)
			if (!isnan(c[(w * m->nr_vms + v) * np].published_pct)) {
				fprintf(
				    f,
				    ", 'results.dat' index %d using ($0 - 0.5 + 1.25 / %d.5):%d "
				    "with points pt 7 ps 1.4 lc rgb 'black' title "
				    "'published (seed-v1)'",
				    v, np + 1, 2 + 2 * np);
				break;
			}
		fputc('\n', f);
	}
	fprintf(f, "unset multiplot\n");
	fclose(f);

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(err, SCN_ERR_MAX, "fork: %s", strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		if (chdir(dir) == 0) {
			int null = open("/dev/null", O_WRONLY);
			int log = open("gnuplot.log", O_WRONLY | O_CREAT | O_TRUNC, 0666);

			if (null >= 0)
				dup2(null, 1);
			if (log >= 0)
				dup2(log, 2);
			execlp("gnuplot", "gnuplot", "results.gp", (char *)NULL);
		}
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(err, SCN_ERR_MAX,
			 "%s/results.png: gnuplot %s (is gnuplot installed? "
			 "scripts/install-deps; see gnuplot.log)",
			 dir,
			 WIFEXITED(status) && WEXITSTATUS(status) == 127 ? "not found" : "failed");
		return -EIO;
	}
	return 0;
}
