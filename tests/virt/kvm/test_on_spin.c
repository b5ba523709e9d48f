// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_vcpu_on_spin() and its helpers (kvm-directed-yield.md B.1-B.3, B.5, B.6;
 * vcpu-scheduling-series.md 1.2), against the yield_to seam so that each candidate's
 * yield_to() result is chosen by the test. Expected values are derived from the
 * kernel's loop in the comments.
 */
#include "kvm_test.h"

#define VM5 "[host]\ncpus = 4\n[vm g]\nvcpus = 5\nworkload = idle\n"

static struct kvm *vm(struct kvm_test *t)
{
	return t->vms[0];
}

static void all_candidates(struct kvm_test *t)
{
	for (int i = 0; i < vm(t)->online_vcpus; i++)
		kt_cand(t, i, true, true);
}

/*
 * The scan starts at last_boosted_vcpu + 1 and wraps, skipping me (rule a): me = 2,
 * last_boosted = 3 → start 4 → indices 4, 0, 1, (2 skipped), 3. With every yield_to
 * returning 0 nothing consumes try, so all four others are tried.
 */
static void test_order(void **state)
{
	struct kvm_test t;
	int zero = 0;

	kt_init(&t, VM5, true);
	all_candidates(&t);
	vm(&t)->last_boosted_vcpu = 3;
	kt_results(&t, 1, &zero);
	kvm_vcpu_on_spin(vm(&t)->vcpus[2], true);
	assert_int_equal(t.nr_tried, 4);
	assert_int_equal(t.tried[0], 4);
	assert_int_equal(t.tried[1], 0);
	assert_int_equal(t.tried[2], 1);
	assert_int_equal(t.tried[3], 3);
	/* B.1 step 5: in_spin_loop and dy_eligible are false afterwards */
	assert_false(vm(&t)->vcpus[2]->in_spin_loop);
	assert_false(vm(&t)->vcpus[2]->dy_eligible);
	assert_int_equal(vm(&t)->vcpus[2]->c.yield[YIELD_FAIL], 4);
	kt_destroy(&t);
}

/* try = 3 is consumed only by -ESRCH: three -ESRCH results end the scan. */
static void test_try_esrch(void **state)
{
	struct kvm_test t;
	int esrch = -ESRCH, mixed[] = {-ESRCH, 0, -ESRCH, 0, -ESRCH};

	kt_init(&t, VM5, true);
	all_candidates(&t);
	kt_results(&t, 1, &esrch);
	kvm_vcpu_on_spin(vm(&t)->vcpus[0], true);
	assert_int_equal(t.nr_tried, 3);
	/* zeros in between do not count: -ESRCH, 0, -ESRCH, 0 → four tried, then the list
	 * of the other four vCPUs is exhausted before the third -ESRCH */
	all_candidates(&t);
	kt_results(&t, 5, mixed);
	kvm_vcpu_on_spin(vm(&t)->vcpus[0], true);
	assert_int_equal(t.nr_tried, 4);
	kt_destroy(&t);
}

/*
 * The last_boosted_vcpu bug (v6.18.0) and its fix (32bd348be3fa): me = 0, last = 0 →
 * start 1; results 0, 0, 1 → the boost is at loop counter i = 2, index idx = 3. The bug
 * stores 2 (next start 3), the fix stores 3 (next start 4).
 */
static void test_last_boosted(void **state)
{
	static const char *const ini[] = {VM5, VM5 "[kvm]\nlast_boosted_vcpu_fix = 1\n"};
	int res[] = {0, 0, 1};

	for (int fix = 0; fix < 2; fix++) {
		struct kvm_test t;

		kt_init(&t, ini[fix], true);
		all_candidates(&t);
		vm(&t)->last_boosted_vcpu = 0;
		kt_results(&t, 3, res);
		kvm_vcpu_on_spin(vm(&t)->vcpus[0], true);
		assert_int_equal(t.nr_tried, 3);
		assert_int_equal(t.tried[2], 3);
		assert_int_equal(vm(&t)->last_boosted_vcpu, fix ? 3 : 2);
		kt_destroy(&t);
	}
}

/* The v6.18 kernel defaults to the bug; [host] kernel = v6.19 has the fix. */
static void test_last_boosted_default(void **state)
{
	struct kvm_test t;

	kt_init(&t, VM5, true);
	assert_int_equal(t.p.s.last_boosted_vcpu_fix, 0);
	kt_destroy(&t);
	kt_init(&t, VM5 "[host]\nkernel = v6.19\n", true);
	assert_int_equal(t.p.s.last_boosted_vcpu_fix, 1);
	kt_destroy(&t);
}

/* Skip rules b-e, one candidate at a time (me = 0, the others made ineligible). */
static void test_skip_rules(void **state)
{
	struct kvm_test t;
	struct kvm_vcpu *c;
	int zero = 0;

	kt_init(&t, VM5, true);
	kt_results(&t, 1, &zero);
	/* b: not ready → nobody tried */
	kvm_vcpu_on_spin(vm(&t)->vcpus[0], true);
	assert_int_equal(t.nr_tried, 0);

	/* c: blocking and not dy_runnable → skipped; a pending PV kick makes it runnable */
	c = kt_cand(&t, 1, false, false);
	c->blocking = true;
	kt_results(&t, 1, &zero);
	kvm_vcpu_on_spin(vm(&t)->vcpus[0], true);
	assert_int_equal(t.nr_tried, 0);
	c->apic.pv_unhalted = true;
	kvm_vcpu_on_spin(vm(&t)->vcpus[0], true);
	assert_int_equal(t.nr_tried, 1);
	c->ready = false;
	c->blocking = false;
	c->apic.pv_unhalted = false;

	/* d: preempted in user mode is skipped by a kernel-mode spinner only */
	c = kt_cand(&t, 2, true, false);
	kt_results(&t, 1, &zero);
	kvm_vcpu_on_spin(vm(&t)->vcpus[0], true);
	assert_int_equal(t.nr_tried, 0);
	kvm_vcpu_on_spin(vm(&t)->vcpus[0], false);
	assert_int_equal(t.nr_tried, 1);
	/* ... and not when it was preempted in kernel mode */
	c->preempted_in_kernel = true;
	kt_results(&t, 1, &zero);
	kvm_vcpu_on_spin(vm(&t)->vcpus[0], true);
	assert_int_equal(t.nr_tried, 1);
	/* ... and a candidate that was not preempted (woken from halt) passes d */
	c->preempted = false;
	c->preempted_in_kernel = false;
	kt_results(&t, 1, &zero);
	kvm_vcpu_on_spin(vm(&t)->vcpus[0], true);
	assert_int_equal(t.nr_tried, 1);
	/* ... and with APICv, a posted interrupt pending in the PIR passes d */
	c->preempted = true;
	c->apic.apicv_active = true;
	c->apic.pi_on = true;
	kt_results(&t, 1, &zero);
	kvm_vcpu_on_spin(vm(&t)->vcpus[0], true);
	assert_int_equal(t.nr_tried, 1);
	c->ready = false;

	/* e: a candidate in its own spin loop is eligible every other time */
	c = kt_cand(&t, 3, true, true);
	c->in_spin_loop = true;
	c->dy_eligible = false;
	kt_results(&t, 1, &zero);
	kvm_vcpu_on_spin(vm(&t)->vcpus[0], true);
	assert_int_equal(t.nr_tried, 0);	/* not eligible; toggled to true */
	assert_true(c->dy_eligible);
	kvm_vcpu_on_spin(vm(&t)->vcpus[0], true);
	assert_int_equal(t.nr_tried, 1);	/* eligible; toggled back */
	assert_false(c->dy_eligible);
	kt_destroy(&t);
}

/*
 * dy_eligible: !in_spin_loop || dy_eligible, then toggled if in_spin_loop. From
 * dy_eligible = false: F, T, F, T; a candidate not in a spin loop is always eligible.
 */
static void test_dy_eligible(void **state)
{
	struct kvm_test t;
	struct kvm_vcpu *c;
	bool want[] = {false, true, false, true};

	kt_init(&t, VM5, true);
	c = vm(&t)->vcpus[1];
	c->in_spin_loop = true;
	for (unsigned i = 0; i < ARRAY_SIZE(want); i++)
		assert_int_equal(kvm_vcpu_eligible_for_directed_yield(c), want[i]);
	c->in_spin_loop = false;
	for (int i = 0; i < 4; i++)
		assert_true(kvm_vcpu_eligible_for_directed_yield(c));
	kt_destroy(&t);
}

/*
 * PLE window (B.5): __grow_ple_window(val, base, mod, max): mod < 1 → base; mod < base →
 * val * mod; else val + mod; capped at max. __shrink: mod < 1 → base; mod < base →
 * val / mod; else val - mod; at least min.
 */
static void test_ple_formulas(void **state)
{
	assert_int_equal(__grow_ple_window(4096, 4096, 2, UINT32_MAX), 8192);
	assert_int_equal(__grow_ple_window(8192, 4096, 0, UINT32_MAX), 4096);
	assert_int_equal(__grow_ple_window(4096, 4096, 5000, UINT32_MAX), 9096);
	assert_int_equal(__grow_ple_window(1u << 31, 4096, 2, UINT32_MAX), UINT32_MAX);
	assert_int_equal(__shrink_ple_window(65536, 4096, 0, 4096), 4096);
	assert_int_equal(__shrink_ple_window(65536, 4096, 2, 4096), 32768);
	assert_int_equal(__shrink_ple_window(8192, 4096, 5000, 4096), 4096);
	/* SVM: pause_filter_count 3000 grows 2x up to USHRT_MAX */
	assert_int_equal(__grow_ple_window(3000, 3000, 2, 65535), 6000);
	assert_int_equal(__grow_ple_window(48000, 3000, 2, 65535), 65535);
}

/*
 * The window doubles on every exit (4096, 8192, 16384 ...) and, with shrink = 0, goes
 * back to ple_window = 4096 at the next vcpu_load after a sched-out. In time: 4096
 * cycles at 3 GHz is 1365 ns.
 */
static void test_ple_window_lifecycle(void **state)
{
	struct kvm_test t;
	struct kvm_vcpu *v;
	int zero = 0;

	kt_init(&t, VM5, true);
	v = vm(&t)->vcpus[0];
	kt_results(&t, 1, &zero);
	assert_int_equal(v->ple_window, 4096);
	assert_int_equal(kvm_ple_window_ns(v), 4096ull * 1000000 / 3000000);
	for (int i = 1; i <= 4; i++) {
		kvm_handle_pause(v, true);
		assert_int_equal(v->ple_window, 4096u << i);
	}
	assert_int_equal(v->c.ple_exits, 4);
	kvm_sched_in(v, 0);	/* not scheduled out: no shrink */
	assert_int_equal(v->ple_window, 65536);
	kvm_sched_out(v);
	kvm_sched_in(v, 0);
	assert_int_equal(v->ple_window, 4096);
	/* ple_gap = 0 disables PLE: the window is left alone */
	kt_destroy(&t);
	kt_init(&t, VM5 "[kvm]\nple_gap = 0\n", true);
	assert_true(kvm_pause_in_guest(vm(&t)));
	kt_destroy(&t);
}

/*
 * Halt polling (B.6): grow = max(val * 2, grow_start 10000) capped at 200000; shrink =
 * val / 2, collapsing to 0 below grow_start; shrink = 0 → 0.
 */
static void test_halt_poll_formulas(void **state)
{
	struct scenario s;

	scenario_defaults(&s);
	assert_int_equal(kvm_grow_halt_poll_ns(&s.kvm, 0), 10000);
	assert_int_equal(kvm_grow_halt_poll_ns(&s.kvm, 10000), 20000);
	assert_int_equal(kvm_grow_halt_poll_ns(&s.kvm, 160000), 200000);
	assert_int_equal(kvm_shrink_halt_poll_ns(&s.kvm, 200000), 100000);
	assert_int_equal(kvm_shrink_halt_poll_ns(&s.kvm, 15000), 0);
	s.kvm.halt_poll_ns_shrink = 0;
	assert_int_equal(kvm_shrink_halt_poll_ns(&s.kvm, 200000), 0);
	s.kvm.halt_poll_ns_grow = 0;
	assert_int_equal(kvm_grow_halt_poll_ns(&s.kvm, 40000), 40000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_try_esrch),
		cmocka_unit_test(test_last_boosted),
		cmocka_unit_test(test_last_boosted_default),
		cmocka_unit_test(test_skip_rules),
		cmocka_unit_test(test_dy_eligible),
		cmocka_unit_test(test_ple_formulas),
		cmocka_unit_test(test_ple_window_lifecycle),
		cmocka_unit_test(test_halt_poll_formulas),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
