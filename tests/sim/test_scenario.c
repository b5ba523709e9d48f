// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the scenario loader (sim/scenario.c): the values it reads for the keys of
 * architecture.md "Scenario files", its defaults, --set overrides (scenario_set), and its
 * error messages "FILE:LINE: [section] key = value: message" (one per file, the first
 * error), including the cross-checks of scenario_validate().
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmsim/scenario.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
	strcpy(dir, "/tmp/kvmsim-test-scenario-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/s.ini", dir);
	unlink(p);
	return rmdir(dir);
}

/* Write @text to the scenario file; path[] names it. */
static const char *put(const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "%s/s.ini", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static struct scenario *load_ok(const char *text)
{
	char err[SCN_ERR_MAX];
	struct scenario *s = scenario_load(put(text), err);

	if (!s)
		print_message("unexpected error: %s\n", err);
	assert_non_null(s);
	assert_string_equal(err, "");
	return s;
}

/*
 * Load @text, which must fail with "PATH:LINE: MSG..." (LINE 0: "PATH: MSG..."). @msg is
 * a prefix of the message, so the long "(known: ...)" lists need not be repeated.
 */
static void load_err(const char *text, int line, const char *msg)
{
	char err[SCN_ERR_MAX], want[SCN_ERR_MAX];
	struct scenario *s = scenario_load(put(text), err);

	if (line)
		snprintf(want, sizeof(want), "%s:%d: %s", path, line, msg);
	else
		snprintf(want, sizeof(want), "%s: %s", path, msg);
	print_message("got:  %s\nwant: %s...\n", err, want);
	assert_null(s);
	assert_int_equal(strncmp(err, want, strlen(want)), 0);
	assert_null(strchr(err, '\n')); /* one line */
}

/* An empty file is the defaults (scenario_defaults; the host section of architecture.md). */
static void test_defaults(void **state)
{
	struct scenario *s = load_ok("; nothing\n");
	struct scenario d;

	scenario_defaults(&d);
	assert_int_equal(s->host.cpus, 1);
	assert_int_equal(s->host.hz, 250);
	assert_int_equal(s->host.kernel, KERNEL_V6_18);
	assert_int_equal(s->host.duration, 10 * NSEC_PER_SEC);
	assert_int_equal(s->host.warmup, 0);
	assert_int_equal(s->host.seed, 1);
	assert_int_equal(s->sched.base_slice_ns, 700000); /* the kernel's 0.70 ms */
	assert_false(s->sched.base_slice_set);
	assert_int_equal(s->nr_cgroups, 0);
	assert_int_equal(s->nr_tasks, 0);
	assert_memory_equal(&s->host, &d.host, sizeof(d.host));
	assert_memory_equal(&s->sched, &d.sched, sizeof(d.sched));
	assert_string_equal(s->path, path);
	scenario_free(s);
}

static int feat_index(const char *name)
{
	for (int i = 0; i < __SCHED_FEAT_NR; i++)
		if (!strcmp(sched_feat_name(i), name))
			return i;
	return -1;
}

/* The architecture.md example (host, cgroup, task, sched parts), with inline comments. */
static void test_full(void **state)
{
	struct scenario *s = load_ok("[host]\n"
				     "cpus = 16            ; pCPUs\n"
				     "hz = 1000\n"
				     "kernel = v6.19\n"
				     "preempt = lazy\n"
				     "duration = 2.5s\n"
				     "warmup = 500ms\n"
				     "seed = 0x2a\n"
				     "\n"
				     "[cgroup batch]\n"
				     "shares = 2048\n"
				     "[cgroup web]\n"
				     "weight = 1\n"
				     "parent = batch\n"
				     "[cgroup top]\n"
				     "\n"
				     "[task hog]\n"
				     "cgroup = web\n"
				     "nice = -20\n"
				     "cpus = 1,3-4\n"
				     "behavior = periodic\n"
				     "run = 1ms\n"
				     "sleep = 9ms\n"
				     "count = 3\n"
				     "[task y]\n"
				     "behaviour = yield-to\n"
				     "target = hog.2\n"
				     "period = 20us\n"
				     "\n"
				     "[sched]\n"
				     "base_slice_ns = 3000000\n"
				     "tunable_scaling = none\n"
				     "feature.PICK_BUDDY = 0\n"
				     "feature.RUN_TO_PARITY = yes\n");
	const struct scn_task *t;
	int pb = feat_index("PICK_BUDDY"), rtp = feat_index("RUN_TO_PARITY");

	assert_int_equal(s->host.cpus, 16);
	assert_int_equal(s->host.hz, 1000);
	assert_int_equal(s->host.kernel, KERNEL_V6_19);
	assert_int_equal(s->host.preempt, PREEMPT_MODEL_LAZY);
	assert_int_equal(s->host.duration, 2500 * NSEC_PER_MSEC);
	assert_int_equal(s->host.warmup, 500 * NSEC_PER_MSEC);
	assert_int_equal(s->host.seed, 42);

	assert_int_equal(s->nr_cgroups, 3);
	assert_string_equal(s->cgroups[0].name, "batch");
	assert_int_equal(s->cgroups[0].shares, 2048);
	assert_string_equal(s->cgroups[0].parent, "");
	assert_string_equal(s->cgroups[1].name, "web");
	/* cpu.weight 1 → sched_weight_from_cgroup: DIV_ROUND_CLOSEST(1 * 1024, 100) = 10 */
	assert_int_equal(s->cgroups[1].shares, 10);
	assert_string_equal(s->cgroups[1].parent, "batch");
	/* a section without keys still exists, with the default cpu.shares 1024 */
	assert_string_equal(s->cgroups[2].name, "top");
	assert_int_equal(s->cgroups[2].shares, 1024);

	assert_int_equal(s->nr_tasks, 2);
	t = &s->tasks[0];
	assert_string_equal(t->name, "hog");
	assert_string_equal(t->cgroup, "web");
	assert_int_equal(t->nice, -20);
	assert_true(t->has_cpus);
	assert_int_equal(t->cpus.bits[0], 0x1a); /* CPUs 1, 3, 4 */
	assert_int_equal(t->behavior, TASK_PERIODIC);
	assert_int_equal(t->run, NSEC_PER_MSEC);
	assert_int_equal(t->sleep, 9 * NSEC_PER_MSEC);
	assert_int_equal(t->count, 3);
	assert_int_equal(t->line, 17);
	assert_int_equal(t->cpus_line, 20);
	t = &s->tasks[1];
	assert_int_equal(t->behavior, TASK_YIELD_TO);
	assert_string_equal(t->target, "hog.2");
	assert_int_equal(t->period, 20000);
	assert_false(t->has_cpus);
	assert_string_equal(t->cgroup, "");

	assert_int_equal(s->sched.base_slice_ns, 3000000);
	assert_true(s->sched.base_slice_set);
	assert_int_equal(s->sched.tunable_scaling, SCHED_TUNABLESCALING_NONE);
	assert_true(pb >= 0 && rtp >= 0);
	assert_false(s->sched.features[pb]);
	assert_true(s->sched.features[rtp]);
	assert_string_equal(task_behavior_name(TASK_YIELD_LOOP), "yield-loop");
	scenario_free(s);
}

/* cgroup v2 cpu.weight → shares: DIV_ROUND_CLOSEST(w * 1024, 100): 100 → 1024,
 * 10000 → 102400, 50 → 512, 3 → 30.72 → 31. */
static void test_cgroup_weight(void **state)
{
	static const struct {
		const char *w;
		u64 shares;
	} cases[] = {{"100", 1024}, {"10000", 102400}, {"50", 512}, {"3", 31}};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char text[128];
		struct scenario *s;

		snprintf(text, sizeof(text), "[cgroup g]\nweight = %s\n", cases[i].w);
		s = load_ok(text);
		assert_int_equal(s->cgroups[0].shares, cases[i].shares);
		scenario_free(s);
	}
}

/* A repeated section header adds to the same section. */
static void test_repeated_section(void **state)
{
	struct scenario *s = load_ok("[task a]\nnice = 1\n[host]\ncpus = 2\n[task a]\ncount = 2\n");

	assert_int_equal(s->nr_tasks, 1);
	assert_int_equal(s->tasks[0].nice, 1);
	assert_int_equal(s->tasks[0].count, 2);
	scenario_free(s);
}

static void test_missing_file(void **state)
{
	char err[SCN_ERR_MAX], want[256];

	snprintf(want, sizeof(want), "%s/none.ini: cannot open: No such file or directory", dir);
	snprintf(path, sizeof(path), "%s/none.ini", dir);
	assert_null(scenario_load(path, err));
	assert_string_equal(err, want);
}

/* Unknown sections and keys, and malformed headers. */
static void test_unknown(void **state)
{
	load_err("[host]\ncpus = 2\n[bogus]\nx = 1\n", 3, "[bogus]: unknown section (known: ");
	load_err("[host]\nfrob = 1\n", 2, "[host] frob: unknown key (known: cpus, ");
	load_err("[sched]\nfeature.NO_SUCH = 1\n", 2,
		 "[sched] feature.NO_SUCH: unknown or unmodeled sched feature 'NO_SUCH'");
	load_err("[task t]\nweight = 5\n", 2, "[task t] weight: unknown key");
	load_err("[cgroup c]\nnice = 5\n", 2, "[cgroup c] nice: unknown key");
	load_err("[host x]\n", 1, "[host x]: section [host] takes no name");
	load_err("[task]\n", 1, "[task]: section [task NAME] needs a name");
	load_err("[task a.b]\n", 1, "[task a.b]: section [task NAME] needs a name");
	load_err("[task a b]\n", 1, "[task a b]: a section is [KIND] or [KIND NAME]");
	load_err("; c\n\n[task t\n", 3, "section header without ']'");
	load_err("cpus = 2\n", 1, "cpus = 2: key outside any section");
	load_err("[host]\nnonsense\n", 2, "syntax error");
}

/* Bad values name the section, the key and the value. */
static void test_bad_values(void **state)
{
	load_err("[host]\ncpus = x\n", 2, "[host] cpus = x: expected an integer");
	load_err("[host]\ncpus = 0\n", 2, "[host] cpus = 0: must be in 1..256");
	load_err("[host]\ncpus = 257\n", 2, "[host] cpus = 257: must be in 1..256");
	load_err("[host]\nhz = 99\n", 2, "[host] hz = 99: must be in 100..1000");
	load_err("[host]\nkernel = v6.17\n", 2, "[host] kernel = v6.17: expected v6.18 or v6.19");
	load_err("[host]\npreempt = rt\n", 2, "[host] preempt = rt: expected none, voluntary");
	load_err("[host]\nduration = 10 parsecs\n", 2,
		 "[host] duration = 10 parsecs: expected a duration");
	load_err("[host]\nduration = 0\n", 2, "[host] duration = 0: must be at least 1 ns");
	load_err("[host]\nseed = -1\n", 2, "[host] seed = -1: expected an unsigned integer");
	load_err("[sched]\nbase_slice_ns = 1us\n", 2,
		 "[sched] base_slice_ns = 1us: must be at least 100000 ns");
	load_err("[sched]\nfeature.PICK_BUDDY = maybe\n", 2,
		 "[sched] feature.PICK_BUDDY = maybe: expected 0 or 1");
	load_err("[sched]\ntunable_scaling = 3\n", 2, "[sched] tunable_scaling = 3: expected none");
	/* MIN_SHARES 2 .. MAX_SHARES 2^18 = 262144 */
	load_err("[cgroup c]\nshares = 1\n", 2, "[cgroup c] shares = 1: must be in 2..262144");
	load_err("[cgroup c]\nshares = 262145\n", 2, "[cgroup c] shares = 262145: must be in");
	load_err("[cgroup c]\nweight = 0\n", 2, "[cgroup c] weight = 0: must be in 1..10000");
	load_err("[cgroup c]\nparent = a/b\n", 2, "[cgroup c] parent = a/b: expected a cgroup name");
	load_err("[task t]\nnice = 20\n", 2, "[task t] nice = 20: must be in -20..19");
	load_err("[task t]\nnice = -21\n", 2, "[task t] nice = -21: must be in -20..19");
	load_err("[task t]\ncount = 0\n", 2, "[task t] count = 0: must be in 1..4096");
	load_err("[task t]\nbehavior = spin\n", 2, "[task t] behavior = spin: expected hog, periodic");
	load_err("[task t]\nrun = 999ns\n", 2, "[task t] run = 999ns: must be at least 1000 ns");
	load_err("[task t]\ncpus = 3-1\n", 2, "[task t] cpus = 3-1: expected a CPU list");
	/* beyond NR_CPUS the parser itself rejects the number */
	load_err("[task t]\ncpus = 256\n", 2, "[task t] cpus = 256: CPU 256 out of range");
	/* the first error wins, and later lines are not read */
	load_err("[host]\ncpus = x\nhz = 1\n[bogus]\n", 2, "[host] cpus = x:");
}

/* A line longer than inih's buffer is an error, not a silently split line. */
static void test_long_line(void **state)
{
	char text[1200];

	snprintf(text, sizeof(text), "[host]\ncpus = 2\n; %01000d\n", 0);
	load_err(text, 3, "line longer than ");
}

/*
 * CPU range against [host] cpus, checked after the whole file is read (so the order of
 * sections does not matter), at the line of the cpus key.
 */
static void test_cpu_out_of_range(void **state)
{
	load_err("[host]\ncpus = 2\n[task t]\ncpus = 5\n", 4,
		 "[task t] cpus: CPU 5 out of range (the host has 2 CPUs: 0-1)");
	load_err("[task t]\nnice = 0\ncpus = 0-7\n[host]\ncpus = 4\n", 3,
		 "[task t] cpus: CPU 4 out of range (the host has 4 CPUs: 0-3)");
}

/* Cross-references: cgroup parents, parent cycles, task cgroups, yield-to targets. */
static void test_cross_checks(void **state)
{
	struct scenario *s;

	/* a cycle is reported at the first cgroup's parent = line */
	load_err("[cgroup a]\nparent = b\n[cgroup b]\nparent = a\n", 2,
		 "[cgroup a] parent: the cgroups form a cycle");
	load_err("[cgroup a]\nparent = a\n", 2, "[cgroup a] parent: the cgroups form a cycle");
	load_err("[cgroup r]\n[cgroup a]\nparent = c\n[cgroup b]\nparent = a\n[cgroup c]\n"
		 "parent = b\n",
		 3, "[cgroup a] parent: the cgroups form a cycle");
	load_err("[task t]\nbehavior = yield-to\n", 1,
		 "[task t] behavior = yield-to needs target = TASK");
	/* reported at the target = line */
	load_err("[task h]\ncount = 2\n[task t]\nbehavior = yield-to\ntarget = h.2\n", 5,
		 "[task t] target = h.2: no such task");
	/* a task with count > 1 is only addressable as NAME.INDEX */
	load_err("[task h]\ncount = 2\n[task t]\nbehavior = yield-to\ntarget = h\n", 5,
		 "[task t] target = h: no such task");
	s = load_ok("[task h]\ncount = 2\n[task t]\nbehavior = yield-to\ntarget = h.1\n");
	scenario_free(s);
	/* a chain is fine */
	s = load_ok("[cgroup a]\n[cgroup b]\nparent = a\n[cgroup c]\nparent = b\n[task t]\ncgroup = c\n");
	scenario_free(s);
}

/*
 * Regression test for a fixed bug (sim/scenario.c validate(): `ld->line = c->line` / `ld->line = t->line`): the
 * cross-check errors for a cgroup's parent and a task's cgroup point at the section
 * header, not at the line of the key they name (only cpus keeps its own line,
 * cpus_line). Input "[task t]\nnice = 0\ncgroup = nope\n": expected
 * "FILE:3: [task t] cgroup = nope: no such cgroup"; actual "FILE:1: ...". Likewise
 * "[cgroup a]\nshares = 5\nparent = zz\n" is reported at line 1, not 3.
 */
static void test_fixed_cross_check_line(void **state)
{
	load_err("[task t]\nnice = 0\ncgroup = nope\n", 3, "[task t] cgroup = nope: no such cgroup");
	load_err("[cgroup a]\nshares = 5\nparent = zz\n", 3, "[cgroup a] parent = zz: no such cgroup");
}

/*
 * Regression test for a fixed bug (sim/scenario.c validate(): `ld->line = 0` before the warmup check): issue 2 wants
 * every bad-value message to name FILE:LINE and the key, but "[host]\nduration = 1s\n
 * warmup = 5s\n" gives "FILE: [host] warmup must be shorter than duration" without a line.
 * Expected: "FILE:3: [host] warmup ..." (the warmup line, or the later of the two keys).
 */
static void test_fixed_warmup_line(void **state)
{
	load_err("[host]\nduration = 1s\nwarmup = 5s\n", 3, "[host] warmup");
}

/* --set overrides: SECTION.KEY=VALUE and task.NAME.KEY=VALUE, errors named "--set". */
static void test_set(void **state)
{
	struct scenario *s = load_ok("[host]\ncpus = 4\n[cgroup g]\n[task t]\ncpus = 3\n");
	char err[SCN_ERR_MAX];
	int pb = feat_index("PICK_BUDDY");

	assert_int_equal(scenario_set(s, "host.cpus=8", err), 0);
	assert_int_equal(s->host.cpus, 8);
	assert_int_equal(scenario_set(s, "host.duration=20ms", err), 0);
	assert_int_equal(s->host.duration, 20 * NSEC_PER_MSEC);
	assert_int_equal(scenario_set(s, "task.t.nice=-3", err), 0);
	assert_int_equal(s->tasks[0].nice, -3);
	assert_int_equal(scenario_set(s, "cgroup.g.shares=100", err), 0);
	assert_int_equal(s->cgroups[0].shares, 100);
	assert_int_equal(scenario_set(s, "sched.feature.PICK_BUDDY=0", err), 0);
	assert_false(s->sched.features[pb]);
	assert_int_equal(scenario_set(s, "sched.feature.PICK_BUDDY=1", err), 0);
	assert_true(s->sched.features[pb]);
	assert_int_equal(s->nr_tasks, 1); /* nothing was created */
	assert_int_equal(s->nr_cgroups, 1);

	assert_int_equal(scenario_set(s, "host.cpus=x", err), -EINVAL);
	assert_string_equal(err, "--set: [host] cpus = x: expected an integer");
	assert_int_equal(s->host.cpus, 8); /* unchanged */
	assert_int_equal(scenario_set(s, "host.frob=1", err), -EINVAL);
	assert_int_equal(strncmp(err, "--set: [host] frob: unknown key", 31), 0);
	assert_int_equal(scenario_set(s, "task.nope.nice=1", err), -EINVAL);
	assert_string_equal(err, "--set: task.nope.nice=1: no [task nope] in the scenario");
	assert_int_equal(scenario_set(s, "cgroup.new.shares=5", err), -EINVAL);
	assert_int_equal(s->nr_cgroups, 1);
	assert_int_equal(scenario_set(s, "host.cpus", err), -EINVAL);
	assert_string_equal(err, "--set: host.cpus: expected SECTION.KEY=VALUE");
	assert_int_equal(scenario_set(s, "cpus=2", err), -EINVAL);
	assert_string_equal(err, "--set: cpus=2: expected SECTION.KEY=VALUE");
	assert_int_equal(scenario_set(s, "task.t=2", err), -EINVAL);
	assert_string_equal(err, "--set: task.t=2: expected task.NAME.KEY=VALUE");
	assert_int_equal(scenario_set(s, "bogus.k=1", err), -EINVAL);
	assert_int_equal(strncmp(err, "--set: [bogus]: unknown section", 31), 0);

	/* an override can make the scenario inconsistent: scenario_validate catches it */
	assert_int_equal(scenario_validate(s, err), 0);
	assert_int_equal(scenario_set(s, "host.cpus=2", err), 0);
	assert_int_not_equal(scenario_validate(s, err), 0);
	print_message("%s\n", err);
	assert_non_null(strstr(err, "[task t] cpus: CPU 3 out of range"));

	/* blanks around --set keys and values are ignored, as inih ignores them in files */
	assert_int_equal(scenario_set(s, " host.cpus = 4 ", err), 0);
	assert_int_equal(s->host.cpus, 4);
	assert_int_equal(scenario_set(s, "task. t .nice= 5", err), 0);
	assert_int_equal(s->tasks[0].nice, 5);
	/* a conflict created by --set names "--set", not a line of the file */
	assert_int_equal(scenario_set(s, "task.t.cgroup=none", err), 0);
	assert_int_not_equal(scenario_validate(s, err), 0);
	assert_string_equal(err, "--set: [task t] cgroup = none: no such cgroup");
	assert_int_equal(scenario_set(s, "task.t.cgroup=g", err), 0);
	assert_int_equal(scenario_set(s, "host.warmup=1s", err), 0);
	assert_int_equal(scenario_set(s, "host.duration=1s", err), 0);
	assert_int_not_equal(scenario_validate(s, err), 0);
	assert_int_equal(strncmp(err, "--set: [host] warmup", 20), 0);
	scenario_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_cgroup_weight),
		cmocka_unit_test(test_repeated_section),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_cpu_out_of_range),
		cmocka_unit_test(test_cross_checks),
		cmocka_unit_test(test_fixed_cross_check_line),
		cmocka_unit_test(test_fixed_warmup_line),
		cmocka_unit_test(test_set),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
