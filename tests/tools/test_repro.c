// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of kvmsim reproduce's matrix and cells (tools/kvmsim/repro.c) over synthetic
 * runs: run indexing, a run's figures from a run_result with VMs, paired gains and
 * intervals per cell, the published figures, mechanism normalization, and the JSON/CSV
 * shapes.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmsim/kvm_report.h"
#include "kvmsim/report.h"
#include "tools/kvmsim/repro.h"

#define assert_close(a, b, tol)                                                                    \
	do {                                                                                       \
		double a_ = (a), b_ = (b);                                                         \
		if (!(fabs(a_ - b_) <= (tol)))                                                     \
			fail_msg("%s = %.12g, expected %.12g", #a, a_, b_);                        \
	} while (0)

/* 2 workloads x 1 VM count x (baseline + 2 policies) x 3 seeds = 18 runs */
static struct repro_matrix matrix(void)
{
	struct repro_matrix m = {
	    .workloads = {"dbench", "ferret"},
	    .nr_workloads = 2,
	    .vms = {2},
	    .nr_vms = 1,
	    .policies = {YIELD_SEED_V1, YIELD_SEED_V1_KVM},
	    .nr_policies = 2,
	    .seeds = 3,
	};

	m.host.cpus = 16;
	m.host.duration = 6000000000ull;
	m.host.warmup = 1000000000ull;
	m.vcpus = 16;
	return m;
}

/*
 * Index order is workload, VM count, policy slot, seed, seed fastest: run (w=1, v=0,
 * p=2, s=1) is ((1*1 + 0)*3 + 2)*3 + 1 = 16.
 */
static void test_indexing(void **state)
{
	struct repro_matrix m = matrix();

	assert_int_equal(repro_nr_runs(&m), 18);
	assert_int_equal(repro_nr_cells(&m), 4);
	assert_int_equal(repro_run_index(&m, 0, 0, 0, 0), 0);
	assert_int_equal(repro_run_index(&m, 0, 0, 1, 0), 3);
	assert_int_equal(repro_run_index(&m, 1, 0, 2, 1), 16);
	assert_int_equal(repro_run_index(&m, 1, 0, 2, 2), 17);
}

/*
 * Two VMs: throughputs 100 and 300 give the mean 200; counters add up; IPI latency
 * percentiles are averaged (10 and 30 us -> 20 us).
 */
static void test_run_from_result(void **state)
{
	struct vm_result vms[2] = {0};
	struct kvm_run_result k = {.vms = vms, .nr_vms = 2, .jain_vms = 0.9};
	struct run_result r = {.sim_ns = 5000000000ull, .kvm = &k};
	struct repro_run out;

	vms[0].throughput = 100;
	vms[1].throughput = 300;
	vms[0].c.ple_exits = 1000;
	vms[1].c.ple_exits = 3000;
	vms[0].c.yield[YIELD_OK] = 7;
	vms[1].c.yield[YIELD_OK] = 3;
	vms[0].c.spin_ns = 10;
	vms[0].c.run_ns = 100;
	vms[1].c.run_ns = 100;
	vms[0].ipi_latency_p50_ns = 10000;
	vms[1].ipi_latency_p50_ns = 30000;
	assert_int_equal(repro_run_from_result(&r, &out), 0);
	assert_int_equal(out.ok, 1);
	assert_int_equal(out.nr_vms, 2);
	assert_close(out.measured_s, 5, 0);
	assert_close(out.throughput, 200, 0);
	assert_close(out.ple_exits, 4000, 0);
	assert_close(out.yield[YIELD_OK], 10, 0);
	assert_close(out.ipi_p50_ns, 20000, 0);
	assert_close(out.jain_vms, 0.9, 0);

	r.kvm = NULL;
	assert_int_equal(repro_run_from_result(&r, &out), -22);
	assert_int_equal(out.ok, 0);
	assert_non_null(strstr(out.err, "no VMs"));
}

/*
 * Synthetic runs: baseline throughput 100, 200, 400 over the seeds; seed-v1 gains +10,
 * +20, +15 % (110, 240, 460) for dbench and 0 % for ferret; seed-v1-kvm -1 % exactly.
 * dbench seed-v1: mean 15 %, sd 5 %, half = t(0.975, 2) * 5 / sqrt(3) = 4.3026527 * 2.886751
 * = 12.4207 %. Mechanisms: 2 VMs over 5 s measured, PLE exits 1000 * (seed + 1) for the
 * baseline -> per VM per second 100, 200, 300: mean 200.
 */
static void fill_runs(const struct repro_matrix *m, struct repro_run *runs)
{
	static const double base[3] = {100, 200, 400}, g_dbench[3] = {0.10, 0.20, 0.15};

	for (int w = 0; w < m->nr_workloads; w++)
		for (int p = 0; p <= m->nr_policies; p++)
			for (int s = 0; s < m->seeds; s++) {
				struct repro_run *r = &runs[repro_run_index(m, w, 0, p, s)];
				double g = p == 0 ? 0 : p == 2 ? -0.01 : w == 0 ? g_dbench[s] : 0;

				memset(r, 0, sizeof(*r));
				r->ok = 1;
				r->nr_vms = 2;
				r->measured_s = 5;
				r->throughput = base[s] * (1 + g);
				r->ple_exits = 1000.0 * (s + 1) * (p + 1);
				r->spin_ns = 20;
				r->run_ns = 200;
				r->ipi_p50_ns = 5000;
				r->ipi_p99_ns = 50000;
				r->yield[YIELD_OK] = 100;
				r->halts = 10 * (s + 1);
				r->jain_vms = 1;
			}
}

static void test_cells(void **state)
{
	struct repro_matrix m = matrix();
	struct repro_run runs[18];
	struct repro_cell c[4];

	fill_runs(&m, runs);
	repro_cells(&m, runs, c);
	/* cell order: (dbench, 2, seed-v1), (dbench, 2, seed-v1-kvm), (ferret, ...) */
	assert_string_equal(c[0].workload, "dbench");
	assert_int_equal(c[0].policy, YIELD_SEED_V1);
	assert_int_equal(c[1].policy, YIELD_SEED_V1_KVM);
	assert_string_equal(c[2].workload, "ferret");
	assert_int_equal(c[0].seeds, 3);
	assert_close(c[0].gain.mean, 0.15, 1e-12);
	assert_close(c[0].gain.sd, 0.05, 1e-12);
	assert_close(c[0].gain.half, 4.3026527 * 0.05 / sqrt(3), 1e-8);
	assert_int_equal(ci_sign(&c[0].gain), 1); /* 15 - 12.4 > 0 */
	assert_close(c[0].gains[1], 0.20, 1e-12);
	assert_close(c[0].baseline_throughput, 700.0 / 3, 1e-9);
	assert_close(c[0].throughput, (110 + 240 + 460) / 3.0, 1e-9);
	/* -1 % with sd 0: a significant regression */
	assert_close(c[1].gain.mean, -0.01, 1e-12);
	assert_int_equal(ci_sign(&c[1].gain), -1);
	assert_close(c[2].gain.mean, 0, 1e-12);
	assert_int_equal(ci_sign(&c[2].gain), 0);
	/* published: dbench seed-v1 2 VMs only */
	assert_close(c[0].published_pct, 14.4, 0);
	assert_true(isnan(c[1].published_pct));
	assert_true(isnan(c[2].published_pct));
	assert_close(repro_published_pct("dedup", 2, YIELD_SEED_V1), 47.1, 0);
	assert_close(repro_published_pct("vips", 2, YIELD_SEED_V1), 26.2, 0);
	assert_true(isnan(repro_published_pct("vips", 3, YIELD_SEED_V1)));
	/* baseline PLE (p = 0): 1000 (s + 1) / (2 VMs * 5 s) = 100, 200, 300 -> 200;
	 * seed-v1 (p = 1) twice that */
	assert_close(c[0].base_mech.ple_exits_per_s, 200, 1e-9);
	assert_close(c[0].mech.ple_exits_per_s, 400, 1e-9);
	assert_close(c[0].mech.spin_pct, 10, 1e-9);
	assert_close(c[0].mech.ipi_p50_us, 5, 1e-9);
	assert_close(c[0].mech.yield_per_s[YIELD_OK], 10, 1e-9);
	assert_close(c[0].mech.halts_per_s, 2, 1e-9); /* 10, 20, 30 / 10 -> 1, 2, 3 */
}

static char *capture(void (*fn)(FILE *, const struct repro_matrix *, const struct repro_cell *),
		     const struct repro_matrix *m, const struct repro_cell *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(f, m, c);
	fclose(f);
	return buf;
}

static void test_outputs(void **state)
{
	struct repro_matrix m = matrix();
	struct repro_run runs[18];
	struct repro_cell c[4];
	char *s;

	fill_runs(&m, runs);
	repro_cells(&m, runs, c);

	s = capture(repro_print_json, &m, c);
	assert_non_null(strstr(s, "\"cells\": ["));
	assert_non_null(strstr(s, "\"workload\": \"dbench\""));
	assert_non_null(strstr(s, "\"policy\": \"seed-v1-kvm\""));
	assert_non_null(strstr(s, "\"gain_pct\": 15.0"));
	assert_non_null(strstr(s, "\"ci95_pct\": 12.420"));
	assert_non_null(strstr(s, "\"published_pct\": 14.4"));
	assert_non_null(strstr(s, "\"published_pct\": null"));
	assert_non_null(strstr(s, "\"baseline_throughput\""));
	assert_non_null(strstr(s, "\"seeds\": 3"));
	assert_non_null(strstr(s, "\"ple_exits_per_s\": 400.0"));
	assert_null(strstr(s, "wall"));
	free(s);

	s = capture(repro_print_csv, &m, c);
	{
		static const char head[] =
		    "workload,vms,policy,seeds,baseline_throughput,throughput,"
		    "gain_pct,ci95_pct,published_pct,significant,"
		    "ple_exits_per_s,";

		assert_true(!strncmp(s, head, strlen(head)));
	}
	assert_non_null(strstr(s, ",baseline_ple_exits_per_s,"));
	assert_non_null(strstr(s, "\ndbench,2,seed-v1,3,233.333,270,15,12.4207,14.4,1,"));
	assert_non_null(strstr(s, "\nferret,2,seed-v1-kvm,3,"));
	/* 1 header + 4 cells */
	{
		int lines = 0;

		for (char *p = s; *p; p++)
			lines += *p == '\n';
		assert_int_equal(lines, 5);
	}
	free(s);

	s = capture(repro_print_table, &m, c);
	assert_non_null(strstr(s, "+15.0 ± 12.4 %*"));
	assert_non_null(strstr(s, "+14.4 %"));
	assert_non_null(strstr(s, "16 pCPUs, 16 vCPUs per VM, 5.0 s measured"));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_indexing),
	    cmocka_unit_test(test_run_from_result),
	    cmocka_unit_test(test_cells),
	    cmocka_unit_test(test_outputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
