// SPDX-License-Identifier: GPL-2.0
/*
 * The seed series' KVM part (vcpu-scheduling-series.md 1.2): the IPI context, its
 * two-stage clear on EOI, kvm_vcpu_is_good_yield_candidate's tiers and the relaxed
 * boost, through the yield_to seam. Expected values follow the posted code as 1.2
 * paraphrases it.
 */
#include "kvm_test.h"

#define VM4 "[host]\ncpus = 2\n[vm g]\nvcpus = 4\nworkload = idle\n"
#define SEED "[policy]\nyield = seed-v1-kvm\n"

static struct kvm_vcpu *V(struct kvm_test *t, int i)
{
	return t->vms[0]->vcpus[i];
}

/* The policy turns the knobs on; each can be turned off. */
static void test_knob_defaults(void **state)
{
	struct kvm_test t;

	kt_init(&t, VM4, true);
	assert_false(t.p.s.ipi_tracking_enabled);
	assert_false(t.p.s.enable_relaxed_boost);
	assert_false(t.p.seed_candidates);
	kt_destroy(&t);
	kt_init(&t, VM4 SEED, true);
	assert_true(t.p.s.ipi_tracking_enabled);
	assert_true(t.p.s.enable_relaxed_boost);
	assert_true(t.p.s.last_boosted_vcpu_fix);
	assert_true(t.p.seed_candidates);
	assert_int_equal(t.p.s.ipi_window_ns, 50 * NSEC_PER_MSEC);
	kt_destroy(&t);
	kt_init(&t, VM4 SEED "[kvm]\nipi_tracking_enabled = 0\nenable_relaxed_boost = 0\n", true);
	assert_false(t.p.s.ipi_tracking_enabled);
	assert_false(t.p.s.enable_relaxed_boost);
	kt_destroy(&t);
}

/*
 * Tracking happens in the delivery path for a unicast fixed IPI without shorthand: an
 * ICR write from vCPU 0 to APIC ID 2 makes 0 → 2 pending; a broadcast does not.
 */
static void test_track_on_delivery(void **state)
{
	struct kvm_test t;
	struct kvm_apic_delivery d;
	u64 icr = 2ull << 32 | APIC_DM_FIXED | APIC_INT_ASSERT | 0xfc;

	kt_init(&t, VM4 SEED "[kvm]\nenable_apicv = 0\n", true);
	kvm_x2apic_icr_write(&V(&t, 0)->apic, icr, &d);
	assert_true(V(&t, 0)->ipi_context.pending_ipi);
	assert_int_equal(V(&t, 0)->ipi_context.last_ipi_receiver, 2);
	assert_int_equal(V(&t, 2)->ipi_context.last_ipi_sender, 0);
	assert_true(kvm_vcpu_is_ipi_receiver(V(&t, 0), V(&t, 2)));
	assert_false(kvm_vcpu_is_ipi_receiver(V(&t, 0), V(&t, 1)));
	/* all-but-self shorthand from vCPU 1: not tracked */
	kvm_x2apic_icr_write(&V(&t, 1)->apic, APIC_DEST_ALLBUT | APIC_DM_FIXED | APIC_INT_ASSERT | 0xfc,
			     &d);
	assert_false(V(&t, 1)->ipi_context.pending_ipi);
	kt_destroy(&t);
}

/*
 * EOI (two stages): the receiver's whole context is wiped — also its own outgoing pending
 * IPI — and the sender's pending flag is cleared because it still points at the
 * receiver within the window.
 */
static void test_clear_on_eoi(void **state)
{
	struct kvm_test t;

	kt_init(&t, VM4 SEED, true);
	kvm_track_ipi_communication(V(&t, 0), V(&t, 2));
	kvm_track_ipi_communication(V(&t, 2), V(&t, 3));	/* 2's own outgoing IPI */
	kvm_clear_ipi_on_eoi(V(&t, 2));
	assert_false(V(&t, 0)->ipi_context.pending_ipi);
	assert_false(V(&t, 2)->ipi_context.pending_ipi);
	assert_int_equal(V(&t, 2)->ipi_context.last_ipi_sender, -1);
	assert_int_equal(V(&t, 2)->ipi_context.last_ipi_receiver, -1);
	/* 3 still has sender 2 recorded, but 2 no longer points at 3: nothing to clear */
	assert_int_equal(V(&t, 3)->ipi_context.last_ipi_sender, 2);
	kt_destroy(&t);
}

/* Outside ipi_window_ns the receiver is no longer a confirmed receiver. */
static void test_window(void **state)
{
	struct kvm_test t;

	kt_init(&t, VM4 SEED "[kvm]\nipi_window_ns = 1ms\n", true);
	kvm_track_ipi_communication(V(&t, 0), V(&t, 1));
	assert_true(kvm_vcpu_is_ipi_receiver(V(&t, 0), V(&t, 1)));
	t.sim.now = NSEC_PER_MSEC;		/* now - time == window: still inside */
	assert_true(kvm_vcpu_is_ipi_receiver(V(&t, 0), V(&t, 1)));
	t.sim.now = NSEC_PER_MSEC + 1;
	assert_false(kvm_vcpu_is_ipi_receiver(V(&t, 0), V(&t, 1)));
	t.sim.now = 0;
	kt_destroy(&t);
}

/*
 * Candidates for a kernel-mode spinner (me = 0): vCPU 1 preempted in user mode, not a
 * receiver. Baseline filter d skips it; the seed's round 1 rejects it (tier 3 needs
 * preempted_in_kernel) and the relaxed round 2 boosts it (preempted is enough). With
 * enable_relaxed_boost = 0 nobody is boosted. Tracking the IPI 0 → 1 makes it a tier-1
 * candidate in round 1.
 */
static void test_tiers_and_relaxed(void **state)
{
	static const char *const ini[] = {VM4, VM4 SEED, VM4 SEED "[kvm]\nenable_relaxed_boost = 0\n"};
	static const int want_tried[] = {0, 1, 0};
	int one = 1;

	for (int k = 0; k < 3; k++) {
		struct kvm_test t;

		kt_init(&t, ini[k], true);
		kt_cand(&t, 1, true, false);
		kt_results(&t, 1, &one);
		kvm_vcpu_on_spin(V(&t, 0), true);
		assert_int_equal(t.nr_tried, want_tried[k]);
		if (k) {
			/* a tracked receiver is boosted in round 1, whatever its mode */
			kt_cand(&t, 1, true, false);
			kvm_track_ipi_communication(V(&t, 0), V(&t, 1));
			kt_results(&t, 1, &one);
			kvm_vcpu_on_spin(V(&t, 0), true);
			assert_int_equal(t.nr_tried, 1);
		}
		kt_destroy(&t);
	}
}

/*
 * Seed tier 3 needs preempted: a ready vCPU that was woken from halt (preempted = false)
 * passes the baseline's filter d but not the seed's round 1 nor round 2.
 */
static void test_not_preempted(void **state)
{
	struct kvm_test t;
	int one = 1;

	kt_init(&t, VM4, true);
	kt_cand(&t, 1, false, false);
	kt_results(&t, 1, &one);
	kvm_vcpu_on_spin(V(&t, 0), true);
	assert_int_equal(t.nr_tried, 1);
	kt_destroy(&t);
	kt_init(&t, VM4 SEED, true);
	kt_cand(&t, 1, false, false);
	kt_results(&t, 1, &one);
	kvm_vcpu_on_spin(V(&t, 0), true);
	assert_int_equal(t.nr_tried, 0);
	kt_destroy(&t);
}

/*
 * try is not reset between the rounds: three -ESRCH in round 1 leave try = 0, so in
 * round 2 the first -ESRCH makes it -1 and the loop no longer stops on -ESRCH (our
 * reading of "try not reset", docs/model/kvm.md): round 1 tries the 3 others, round 2
 * tries them again.
 */
static void test_try_across_rounds(void **state)
{
	struct kvm_test t;
	int esrch = -ESRCH;

	kt_init(&t, VM4 SEED, true);
	for (int i = 1; i < 4; i++)
		kt_cand(&t, i, true, true);
	kt_results(&t, 1, &esrch);
	kvm_vcpu_on_spin(V(&t, 0), true);
	assert_int_equal(t.nr_tried, 6);
	kt_destroy(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_knob_defaults),
		cmocka_unit_test(test_track_on_delivery),
		cmocka_unit_test(test_clear_on_eoi),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_tiers_and_relaxed),
		cmocka_unit_test(test_not_preempted),
		cmocka_unit_test(test_try_across_rounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
