// SPDX-License-Identifier: GPL-2.0
/*
 * Whole-scheduler tests: CPU shares of hogs under nice mixes and nested cgroups, on one
 * CPU and spread over several, against the fair shares that EEVDF's weights and
 * calc_group_shares() imply; all with the invariant checker on (host_run_opts.check).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sched_test.h"

struct spec_task {
	const char *name, *cgroup;
	int nice, cpu; /* cpu < 0: unpinned */
	double fair;   /* expected share of one CPU */
};

struct spec_cgroup {
	const char *name, *parent;
	unsigned long shares;
};

static void run_and_check(int cpus, const struct spec_cgroup *cg, int ncg,
			  const struct spec_task *tk, int ntk, double tol_pp)
{
	struct scenario s;
	struct run_result r;
	struct host_run_opts o = {.check = true};
	char err[SCN_ERR_MAX];

	scenario_defaults(&s);
	snprintf(s.path, sizeof(s.path), "test");
	s.host.cpus = cpus;
	s.host.duration = 21 * NSEC_PER_SEC; /* 20 s measured after a 1 s warmup */
	s.host.warmup = NSEC_PER_SEC;
	s.cgroups = calloc((size_t)ncg + 1, sizeof(*s.cgroups));
	s.tasks = calloc((size_t)ntk, sizeof(*s.tasks));
	s.nr_cgroups = ncg;
	s.nr_tasks = ntk;
	for (int i = 0; i < ncg; i++) {
		snprintf(s.cgroups[i].name, SCN_NAME_MAX, "%s", cg[i].name);
		snprintf(s.cgroups[i].parent, SCN_NAME_MAX, "%s", cg[i].parent ? cg[i].parent : "");
		s.cgroups[i].shares = cg[i].shares;
	}
	for (int i = 0; i < ntk; i++) {
		struct scn_task *t = &s.tasks[i];

		snprintf(t->name, SCN_NAME_MAX, "%s", tk[i].name);
		snprintf(t->cgroup, SCN_NAME_MAX, "%s", tk[i].cgroup ? tk[i].cgroup : "");
		t->nice = tk[i].nice;
		t->count = 1;
		t->behavior = TASK_HOG;
		if (tk[i].cpu >= 0) {
			t->has_cpus = true;
			cpumask_clear(&t->cpus);
			cpumask_set_cpu(tk[i].cpu, &t->cpus);
		}
	}
	assert_int_equal(scenario_validate(&s, err), 0);
	assert_int_equal(host_sim_run(&s, &o, &r, err), 0);
	assert_int_equal(r.nr_tasks, ntk);
	for (int i = 0; i < ntk; i++) {
		double got = r.tasks[i].cpu_share;

		print_message("%-6s share %.4f fair %.4f\n", r.tasks[i].name, got, tk[i].fair);
		assert_true(fabs(got - tk[i].fair) * 100 <= tol_pp);
	}
	run_result_free(&r);
	free(s.cgroups);
	free(s.tasks);
}

/*
 * One CPU, nice 0, 5 and -5: weights 1024, 335, 3121 (sum 4480), so the shares are
 * 22.86%, 7.48% and 69.67%. And nice -10, 0, 10: 9548, 1024, 110 of 10682.
 */
static void test_nice_mix_one_cpu(void **state)
{
	const struct spec_task t1[] = {
		{"n0", NULL, 0, 0, 1024.0 / 4480}, {"n5", NULL, 5, 0, 335.0 / 4480},
		{"nm5", NULL, -5, 0, 3121.0 / 4480},
	};
	const struct spec_task t2[] = {
		{"nm10", NULL, -10, 0, 9548.0 / 10682}, {"n0", NULL, 0, 0, 1024.0 / 10682},
		{"n10", NULL, 10, 0, 110.0 / 10682},
	};

	run_and_check(1, NULL, 0, t1, 3, 1.0);
	run_and_check(1, NULL, 0, t2, 3, 1.0);
}

/*
 * One CPU, nested groups: A (2048) {a1, a2} beside B (1024) {B1 (1024) {b1},
 * B2 (3072) {b2, b3 nice 5}}. On one CPU calc_group_shares() gives each group its full
 * tg.shares, so: A 2/3 split evenly (1/3 each); B 1/3, B1 1/4 of it (1/12), B2 3/4 of it
 * (1/4) split 1024:335 (0.18837 and 0.06163).
 */
static void test_nested_cgroups_one_cpu(void **state)
{
	const struct spec_cgroup cg[] = {
		{"A", NULL, 2048}, {"B", NULL, 1024}, {"B1", "B", 1024}, {"B2", "B", 3072},
	};
	const struct spec_task tk[] = {
		{"a1", "A", 0, 0, 1.0 / 3}, {"a2", "A", 0, 0, 1.0 / 3},
		{"b1", "B1", 0, 0, 1.0 / 12}, {"b2", "B2", 0, 0, 0.25 * 1024 / 1359},
		{"b3", "B2", 5, 0, 0.25 * 335 / 1359},
	};

	run_and_check(1, cg, 4, tk, 5, 1.0);
}

/*
 * Four CPUs. G (1024) has one hog pinned on each CPU; H (2048) has hogs on CPUs 0 and 1;
 * each CPU also has a root-level hog. calc_group_shares(): G's per-CPU entity weighs
 * 1024 * 1024 / (4 * 1024) = 256, H's 2048 * 1024 / (2 * 1024) = 1024. So on CPUs 0 and
 * 1: G 256, H 1024, root 1024 of 2304 (11.11%, 44.44%, 44.44%); on CPUs 2 and 3: G 256
 * and root 1024 of 1280 (20%, 80%).
 */
static void test_cgroups_spread(void **state)
{
	const struct spec_cgroup cg[] = {{"G", NULL, 1024}, {"H", NULL, 2048}};
	const struct spec_task tk[] = {
		{"g0", "G", 0, 0, 256.0 / 2304}, {"g1", "G", 0, 1, 256.0 / 2304},
		{"g2", "G", 0, 2, 0.2},		 {"g3", "G", 0, 3, 0.2},
		{"h0", "H", 0, 0, 1024.0 / 2304}, {"h1", "H", 0, 1, 1024.0 / 2304},
		{"r0", NULL, 0, 0, 1024.0 / 2304}, {"r1", NULL, 0, 1, 1024.0 / 2304},
		{"r2", NULL, 0, 2, 0.8},	 {"r3", NULL, 0, 3, 0.8},
	};

	run_and_check(4, cg, 2, tk, 10, 1.0);
}

/*
 * Unpinned: four hogs on two CPUs are spread two per CPU by fork placement (the least
 * loaded CPU) and stay there: 50% each. Groups X (2048) and Y (1024) with three hogs
 * each on three CPUs: placement alternates x_i, y_i onto CPU i, so each CPU holds one
 * X hog and one Y hog; calc_group_shares() gives X 2048 * 1024 / 3072 = 682 and Y 341
 * per CPU, so the X hogs get 682/1023 = 2/3 and the Y hogs 1/3.
 */
static void test_unpinned_spread(void **state)
{
	const struct spec_task tk[] = {
		{"u0", NULL, 0, -1, 0.5}, {"u1", NULL, 0, -1, 0.5},
		{"u2", NULL, 0, -1, 0.5}, {"u3", NULL, 0, -1, 0.5},
	};
	const struct spec_cgroup cg[] = {{"X", NULL, 2048}, {"Y", NULL, 1024}};
	const struct spec_task tk2[] = {
		{"x0", "X", 0, -1, 2.0 / 3}, {"y0", "Y", 0, -1, 1.0 / 3}, {"x1", "X", 0, -1, 2.0 / 3},
		{"y1", "Y", 0, -1, 1.0 / 3}, {"x2", "X", 0, -1, 2.0 / 3}, {"y2", "Y", 0, -1, 1.0 / 3},
	};

	run_and_check(2, NULL, 0, tk, 4, 1.0);
	run_and_check(3, cg, 2, tk2, 6, 1.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nice_mix_one_cpu),
		cmocka_unit_test(test_nested_cgroups_one_cpu),
		cmocka_unit_test(test_cgroups_spread),
		cmocka_unit_test(test_unpinned_spread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
