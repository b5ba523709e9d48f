// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the arm64 VM-wide ID register model (arch/arm64/kvm/sys_regs.c, arm.c,
 * vgic/vgic-init.c) against the kernel semantics in ../shared/spec/arm64-id-regs.md.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kvmsim/arm64_sys_regs.h"

#define PID 1000

static const struct arm64_host_cpu *a72(void)
{
	return arm64_host_cpu_lookup("a72");
}

/* A VM with n initialized vCPUs and no in-kernel irqchip. */
static struct arm64_kvm *vm_with_vcpus(enum kvm_arm64_finalize_variant v, int n,
				       struct arm64_kvm_vcpu **vcpus)
{
	struct arm64_kvm *kvm;

	assert_int_equal(arm64_kvm_create_vm(&kvm, a72(), v), 0);
	for (int i = 0; i < n; i++) {
		assert_int_equal(arm64_kvm_create_vcpu(kvm, &vcpus[i]), 0);
		assert_int_equal(kvm_arm_vcpu_init(vcpus[i], false), 0);
	}
	return kvm;
}

static u64 pfr0(struct arm64_kvm *kvm)
{
	return kvm->arch.id_regs[IDREG_IDX(SYS_ID_AA64PFR0_EL1)];
}

static u64 pfr1(struct arm64_kvm *kvm)
{
	return kvm->arch.id_regs[IDREG_IDX(SYS_ID_PFR1_EL1)];
}

/*
 * ID space indexing: IDREG_IDX(id) = ((CRm - 1) << 3) | Op2, so ID_PFR1_EL1 (3,0,0,1,1) -> 1,
 * ID_AA64PFR0_EL1 (3,0,0,4,0) -> 24, the last, (3,0,0,7,7) -> 55: KVM_ARM_ID_REG_NUM = 56.
 * The GIC masks: bits [27:24] = 0x0f000000, bits [31:28] = 0xf0000000.
 */
static void test_id_space(void **state)
{
	struct arm64_kvm_vcpu *v[1];
	struct arm64_kvm *kvm = vm_with_vcpus(KVM_ARM64_FINALIZE_FIXED, 1, v);

	assert_int_equal(IDREG_IDX(SYS_ID_PFR1_EL1), 1);
	assert_int_equal(IDREG_IDX(SYS_ID_AA64PFR0_EL1), 24);
	assert_int_equal(KVM_ARM_ID_REG_NUM, 56);
	assert_int_equal(ID_AA64PFR0_EL1_GIC, 0x0f000000ull);
	assert_int_equal(ID_PFR1_EL1_GIC, 0xf0000000ull);
	assert_ptr_equal(__vm_id_reg(kvm, SYS_ID_AA64PFR0_EL1), &kvm->arch.id_regs[24]);
	assert_ptr_equal(__vm_id_reg(kvm, SYS_CTR_EL0), &kvm->arch.ctr_el0);
	assert_ptr_equal(__vm_id_reg(kvm, SYS_MIDR_EL1), &kvm->arch.midr_el1);
	assert_ptr_equal(__vm_id_reg(kvm, SYS_AIDR_EL1), &kvm->arch.aidr_el1);
	/* VM starts from the host's sanitised values (a72: GIC = 1 in both) */
	assert_int_equal(pfr0(kvm), 0x01002222ull);
	assert_int_equal(pfr1(kvm), 0x10011011ull);
	/* outside the space: WARN + NULL, once per site; not a KVM_BUG_ON */
	assert_null(__vm_id_reg(kvm, SYS_SCTLR_EL1));
	assert_null(__vm_id_reg(kvm, SYS_SCTLR_EL1));
	assert_int_equal(kvm->warn_count, 1);
	assert_false(kvm->vm_dead);
	arm64_kvm_destroy_vm(kvm);
}

/*
 * The report: steal_time with NR_VCPUS = 4, no vGIC, on the kernel with 50e7cce81b9b2.
 * vCPU 0's first KVM_RUN clears the GIC fields (VM not yet run) and sets HAS_RAN_ONCE.
 * vCPU 1's first KVM_RUN goes through kvm_arch_vcpu_run_pid_change() again (its pid is
 * NULL), kvm_finalize_sys_regs() calls kvm_set_vm_id_reg() with the VM already run:
 * KVM_BUG_ON -> one WARN, VM bugged and dead, and that KVM_RUN fails with -EIO.
 * Steps before it: 4 x (CREATE_VCPU, VCPU_INIT) = 8, vCPU 0: ATTR, X0, 3 runs = 5, vCPU 1:
 * ATTR, X0 = 2, so the failing step is index 8 + 5 + 2 = 15.
 */
static void test_steal_time_before_fix_fails(void **state)
{
	struct arm64_steal_time_cfg cfg = {.nr_vcpus = 4,
					   .runs_per_vcpu = 3,
					   .host = a72(),
					   .variant = KVM_ARM64_FINALIZE_50E7CCE};
	static struct arm64_steal_time_result r;

	assert_int_equal(arm64_steal_time_run(&cfg, &r), 0);
	assert_false(r.passed);
	assert_int_equal(r.failed_step, 15);
	assert_string_equal(r.steps[r.failed_step].ioctl, "KVM_RUN");
	assert_int_equal(r.failed_vcpu, 1);
	assert_int_equal(r.failed_rc, -EIO);
	assert_true(r.vm_bugged);
	assert_true(r.vm_dead);
	assert_int_equal(r.warn_count, 1);
	assert_int_equal(r.finalize_calls, 2);
	assert_string_equal(
	    r.log[0].msg, "WARNING: PID: 1000 at arch/arm64/kvm/sys_regs.c:2353 kvm_set_vm_id_reg");
	assert_string_equal(r.log[1].msg,
			    "Call trace: kvm_set_vm_id_reg <- kvm_finalize_sys_regs <- "
			    "kvm_arch_vcpu_run_pid_change <- kvm_vcpu_ioctl");
}

/*
 * After 0f559cd91e37 the same sequence passes: 4 x (2 + 2 + 3) + ... = 8 + 4 x 5 = 28 steps,
 * all 0. kvm_finalize_sys_regs() runs on each vCPU's first run (4 calls) but only the
 * first clears (1 clearing pass). Final values: host value minus GIC:
 * 0x01002222 & ~0x0f000000 = 0x00002222, 0x10011011 & ~0xf0000000 = 0x00011011.
 */
static void test_steal_time_after_fix_passes(void **state)
{
	struct arm64_steal_time_cfg cfg = {
	    .nr_vcpus = 4, .runs_per_vcpu = 3, .host = a72(), .variant = KVM_ARM64_FINALIZE_FIXED};
	static struct arm64_steal_time_result r;

	assert_int_equal(arm64_steal_time_run(&cfg, &r), 0);
	assert_true(r.passed);
	assert_int_equal(r.nr_steps, 28);
	assert_false(r.vm_dead);
	assert_int_equal(r.warn_count, 0);
	assert_int_equal(r.finalize_calls, 4);
	assert_int_equal(r.gic_clear_writes, 1);
	assert_int_equal(r.id_aa64pfr0_el1, 0x00002222ull);
	assert_int_equal(r.id_pfr1_el1, 0x00011011ull);
}

/* The GICv5-series shape (early return) and the original 5cb57a1 (no accessor) pass too. */
static void test_other_variants_pass(void **state)
{
	static const enum kvm_arm64_finalize_variant vs[] = {KVM_ARM64_FINALIZE_5CB57A1,
							     KVM_ARM64_FINALIZE_GICV5};
	static struct arm64_steal_time_result r;

	for (unsigned int i = 0; i < ARRAY_SIZE(vs); i++) {
		struct arm64_steal_time_cfg cfg = {
		    .nr_vcpus = 4, .runs_per_vcpu = 3, .host = a72(), .variant = vs[i]};

		assert_int_equal(arm64_steal_time_run(&cfg, &r), 0);
		assert_true(r.passed);
		assert_int_equal(r.id_aa64pfr0_el1, 0x00002222ull);
		assert_int_equal(r.id_pfr1_el1, 0x00011011ull);
	}
}

/* The bug needs a second vCPU: with NR_VCPUS = 1 no write happens after HAS_RAN_ONCE. */
static void test_single_vcpu_passes_before_fix(void **state)
{
	struct arm64_steal_time_cfg cfg = {.nr_vcpus = 1,
					   .runs_per_vcpu = 3,
					   .host = a72(),
					   .variant = KVM_ARM64_FINALIZE_50E7CCE};
	static struct arm64_steal_time_result r;

	assert_int_equal(arm64_steal_time_run(&cfg, &r), 0);
	assert_true(r.passed);
	assert_false(r.vm_dead);
}

/*
 * With an in-kernel vGICv3 the userspace-irqchip branch is never taken: even the buggy
 * kernel passes, and the GIC fields stay as kvm_vgic_create() set them (IMP = 1, GICv3 = 1).
 */
static void test_in_kernel_irqchip_keeps_gic(void **state)
{
	struct arm64_steal_time_cfg cfg = {.nr_vcpus = 4,
					   .runs_per_vcpu = 3,
					   .host = a72(),
					   .vgic_v3 = true,
					   .variant = KVM_ARM64_FINALIZE_50E7CCE};
	static struct arm64_steal_time_result r;

	assert_int_equal(arm64_steal_time_run(&cfg, &r), 0);
	assert_true(r.passed);
	assert_int_equal(r.gic_clear_writes, 0);
	assert_int_equal((r.id_aa64pfr0_el1 & ID_AA64PFR0_EL1_GIC) >> 24, 1);
	assert_int_equal((r.id_pfr1_el1 & ID_PFR1_EL1_GIC) >> 28, 1);
}

/*
 * Once dead, every later VM and vCPU ioctl fails with -EIO (kvm_vm_ioctl / kvm_vcpu_ioctl
 * check kvm->vm_dead first), on every vCPU, including the one that ran fine.
 */
static void test_dead_vm_ioctls_eio(void **state)
{
	struct arm64_kvm_vcpu *v[3], *nv;
	struct arm64_kvm *kvm = vm_with_vcpus(KVM_ARM64_FINALIZE_50E7CCE, 3, v);
	u64 val;

	assert_int_equal(arm64_kvm_vcpu_run(v[0], PID), 0);
	assert_false(kvm->vm_dead);
	assert_int_equal(arm64_kvm_vcpu_run(v[1], PID), -EIO);
	assert_true(kvm->vm_dead);
	assert_int_equal(arm64_kvm_vcpu_run(v[0], PID), -EIO);
	assert_int_equal(arm64_kvm_vcpu_run(v[2], PID), -EIO);
	assert_int_equal(arm64_kvm_get_one_reg(v[0], SYS_ID_AA64PFR0_EL1, &val), -EIO);
	assert_int_equal(arm64_kvm_set_one_reg(v[2], ARM64_KVM_REG_X0, 1), -EIO);
	assert_int_equal(arm64_kvm_set_pvtime_ipa(v[2], 0xc0000000ull), -EIO);
	assert_int_equal(arm64_kvm_create_vcpu(kvm, &nv), -EIO);
	assert_int_equal(kvm_vgic_create(kvm, KVM_DEV_TYPE_ARM_VGIC_V3), -EIO);
	/* one WARN only: KVM_BUG_ON does not re-warn once vm_bugged */
	assert_int_equal(kvm->warn_count, 1);
	arm64_kvm_destroy_vm(kvm);
}

/*
 * Idempotence ("called once per CPU, changes must be idempotent"): before the VM has run,
 * clearing twice equals clearing once, in every variant. After the VM has run the fixed
 * variant changes nothing and does not scream, however often it runs.
 */
static void test_finalize_idempotent(void **state)
{
	for (int var = 0; var < KVM_ARM64_FINALIZE_NR; var++) {
		struct arm64_kvm_vcpu *v[2];
		struct arm64_kvm *kvm = vm_with_vcpus(var, 2, v);
		u64 a0, a1;

		assert_int_equal(kvm_finalize_sys_regs(v[0]), 0);
		a0 = pfr0(kvm);
		a1 = pfr1(kvm);
		assert_int_equal(a0, 0x00002222ull);
		assert_int_equal(a1, 0x00011011ull);
		assert_int_equal(kvm_finalize_sys_regs(v[1]), 0);
		assert_int_equal(kvm_finalize_sys_regs(v[0]), 0);
		assert_int_equal(pfr0(kvm), a0);
		assert_int_equal(pfr1(kvm), a1);
		assert_false(kvm->vm_dead);
		arm64_kvm_destroy_vm(kvm);
	}
	{
		struct arm64_kvm_vcpu *v[2];
		struct arm64_kvm *kvm = vm_with_vcpus(KVM_ARM64_FINALIZE_FIXED, 2, v);

		assert_int_equal(arm64_kvm_vcpu_run(v[0], PID), 0);
		for (int i = 0; i < 5; i++)
			assert_int_equal(kvm_finalize_sys_regs(v[i & 1]), 0);
		assert_int_equal(pfr0(kvm), 0x00002222ull);
		assert_int_equal(kvm->gic_clear_writes, 1);
		assert_int_equal(kvm->warn_count, 0);
		assert_false(kvm->vm_dead);
		arm64_kvm_destroy_vm(kvm);
	}
}

/* kvm_set_vm_id_reg() itself still screams after the first run, even on the fixed kernel. */
static void test_set_vm_id_reg_after_run_bugs(void **state)
{
	struct arm64_kvm_vcpu *v[1];
	struct arm64_kvm *kvm = vm_with_vcpus(KVM_ARM64_FINALIZE_FIXED, 1, v);
	u64 before;

	assert_int_equal(arm64_kvm_vcpu_run(v[0], PID), 0);
	before = pfr0(kvm);
	kvm->arch.config_lock_held++;
	kvm_set_vm_id_reg(kvm, SYS_ID_AA64PFR0_EL1, 0);
	kvm->arch.config_lock_held--;
	assert_int_equal(pfr0(kvm), before); /* the write is refused */
	assert_true(kvm->vm_bugged);
	assert_int_equal(arm64_kvm_vcpu_run(v[0], PID), -EIO);
	arm64_kvm_destroy_vm(kvm);
}

/*
 * The first-run path runs once per vCPU: a KVM_RUN from another thread (pid change) calls
 * kvm_arch_vcpu_run_pid_change() again but it returns at vcpu_has_run_once(), so
 * kvm_finalize_sys_regs() is not re-entered (finalize_calls stays 1), even on the buggy
 * kernel.
 */
static void test_pid_change_runs_first_path_once(void **state)
{
	struct arm64_kvm_vcpu *v[1];
	struct arm64_kvm *kvm = vm_with_vcpus(KVM_ARM64_FINALIZE_50E7CCE, 1, v);

	assert_int_equal(arm64_kvm_vcpu_run(v[0], PID), 0);
	assert_int_equal(arm64_kvm_vcpu_run(v[0], PID + 1), 0);
	assert_int_equal(arm64_kvm_vcpu_run(v[0], PID), 0);
	assert_int_equal(kvm->finalize_calls, 1);
	assert_int_equal(v[0]->first_run_done, 1);
	assert_int_equal(v[0]->runs, 3);
	assert_int_equal(v[0]->pid, PID);
	assert_false(kvm->vm_dead);
	arm64_kvm_destroy_vm(kvm);
}

/* -ENOEXEC before KVM_ARM_VCPU_INIT, -EPERM for SVE before KVM_ARM_VCPU_FINALIZE. */
static void test_run_preconditions(void **state)
{
	struct arm64_kvm_vcpu *v[1], *u;
	struct arm64_kvm *kvm = vm_with_vcpus(KVM_ARM64_FINALIZE_FIXED, 1, v);

	assert_int_equal(arm64_kvm_create_vcpu(kvm, &u), 0);
	assert_int_equal(arm64_kvm_vcpu_run(u, PID), -ENOEXEC);
	assert_int_equal(kvm_arm_vcpu_init(u, true), 0);
	assert_int_equal(arm64_kvm_vcpu_run(u, PID), -EPERM);
	assert_false(kvm_vm_has_ran_once(kvm));
	assert_int_equal(kvm_arm_vcpu_finalize(u), 0);
	assert_int_equal(arm64_kvm_vcpu_run(u, PID), 0);
	assert_true(kvm_vm_has_ran_once(kvm));
	arm64_kvm_destroy_vm(kvm);
}

/*
 * Userspace writes (set_id_reg): VM-wide, so a value written through vCPU 0 is read through
 * vCPU 1; before the run a lower GIC value is accepted, a higher one (2 > host's 1) is
 * -EINVAL; after the run only the current value is accepted (-EBUSY otherwise).
 */
static void test_userspace_id_writes(void **state)
{
	struct arm64_kvm_vcpu *v[2];
	struct arm64_kvm *kvm = vm_with_vcpus(KVM_ARM64_FINALIZE_FIXED, 2, v);
	u64 val;

	assert_int_equal(arm64_kvm_set_one_reg(v[0], SYS_ID_AA64PFR0_EL1, 0x02002222ull), -EINVAL);
	assert_int_equal(arm64_kvm_set_one_reg(v[0], SYS_ID_AA64PFR0_EL1, 0x00002222ull), 0);
	assert_int_equal(arm64_kvm_get_one_reg(v[1], SYS_ID_AA64PFR0_EL1, &val), 0);
	assert_int_equal(val, 0x00002222ull);
	assert_int_equal(arm64_kvm_set_one_reg(v[1], SYS_ID_AA64PFR0_EL1, 0x01002222ull), 0);
	assert_int_equal(arm64_kvm_vcpu_run(v[0], PID), 0);
	/* userspace irqchip: finalization cleared GIC again */
	assert_int_equal(arm64_kvm_get_one_reg(v[1], SYS_ID_AA64PFR0_EL1, &val), 0);
	assert_int_equal(val, 0x00002222ull);
	assert_int_equal(arm64_kvm_set_one_reg(v[1], SYS_ID_AA64PFR0_EL1, 0x01002222ull), -EBUSY);
	assert_int_equal(arm64_kvm_set_one_reg(v[1], SYS_ID_AA64PFR0_EL1, 0x00002222ull), 0);
	assert_int_equal(arm64_kvm_get_one_reg(v[0], SYS_SCTLR_EL1, &val), -ENOENT);
	assert_int_equal(arm64_kvm_vcpu_run(v[1], PID), 0);
	assert_false(kvm->vm_dead);
	arm64_kvm_destroy_vm(kvm);
}

/*
 * 5cb57a1aff755 with an in-kernel GICv2 clears the fields (not a GICv3 model); with vGICv3
 * keeps them. vgic creation after a vCPU ran is -EBUSY.
 */
static void test_5cb57a1_and_vgic(void **state)
{
	struct arm64_kvm_vcpu *v[2];
	struct arm64_kvm *kvm = vm_with_vcpus(KVM_ARM64_FINALIZE_5CB57A1, 2, v);

	assert_int_equal(kvm_vgic_create(kvm, KVM_DEV_TYPE_ARM_VGIC_V2), 0);
	assert_int_equal(kvm_vgic_create(kvm, KVM_DEV_TYPE_ARM_VGIC_V3), -EEXIST);
	assert_int_equal(arm64_kvm_vcpu_run(v[0], PID), 0);
	assert_int_equal(arm64_kvm_vcpu_run(v[1], PID), 0);
	assert_int_equal(pfr0(kvm) & ID_AA64PFR0_EL1_GIC, 0);
	assert_false(kvm->vm_dead);
	arm64_kvm_destroy_vm(kvm);

	kvm = vm_with_vcpus(KVM_ARM64_FINALIZE_5CB57A1, 2, v);
	assert_int_equal(kvm_vgic_create(kvm, KVM_DEV_TYPE_ARM_VGIC_V3), 0);
	assert_int_equal(arm64_kvm_vcpu_run(v[0], PID), 0);
	assert_int_equal(arm64_kvm_vcpu_run(v[1], PID), 0);
	assert_int_equal(pfr0(kvm) & ID_AA64PFR0_EL1_GIC, 0x01000000ull);
	arm64_kvm_destroy_vm(kvm);

	kvm = vm_with_vcpus(KVM_ARM64_FINALIZE_FIXED, 1, v);
	assert_int_equal(arm64_kvm_vcpu_run(v[0], PID), 0);
	assert_int_equal(kvm_vgic_create(kvm, KVM_DEV_TYPE_ARM_VGIC_V3), -EBUSY);
	arm64_kvm_destroy_vm(kvm);
}

static void test_variant_names(void **state)
{
	enum kvm_arm64_finalize_variant v;

	assert_int_equal(kvm_arm64_finalize_variant_parse("before", &v), 0);
	assert_int_equal(v, KVM_ARM64_FINALIZE_50E7CCE);
	assert_int_equal(kvm_arm64_finalize_variant_parse("after", &v), 0);
	assert_int_equal(v, KVM_ARM64_FINALIZE_FIXED);
	assert_int_equal(kvm_arm64_finalize_variant_parse("nope", &v), -EINVAL);
	assert_string_equal(kvm_arm64_finalize_variant_name(KVM_ARM64_FINALIZE_GICV5), "gicv5");
}

static u64 rnd(u64 *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * Property over random KVM_RUN orders (random vCPU, random thread pid) for every variant and
 * both irqchips. Oracle, from the kernel semantics: a KVM_RUN on a vCPU that has not run
 * yet, while the VM has already run, writes the ID registers only in 50e7cce with a
 * userspace irqchip; that run and everything after it fails with -EIO. Every other run
 * succeeds. Where the VM survives: finalize_calls == number of vCPUs that ran, and the GIC
 * fields are 0 with a userspace irqchip and 1 with a vGICv3.
 */
static void test_random_run_orders(void **state)
{
	u64 x = 0x2545f4914f6cdd1dull;

	for (int iter = 0; iter < 200; iter++) {
		enum kvm_arm64_finalize_variant var = (int)(rnd(&x) % KVM_ARM64_FINALIZE_NR);
		bool vgic = rnd(&x) % 2;
		int n = 1 + (int)(rnd(&x) % 6), ran = 0;
		bool has_run[8] = {false}, expect_dead = false;
		struct arm64_kvm_vcpu *v[8];
		struct arm64_kvm *kvm = vm_with_vcpus(var, n, v);

		if (vgic)
			assert_int_equal(kvm_vgic_create(kvm, KVM_DEV_TYPE_ARM_VGIC_V3), 0);
		for (int step = 0; step < 20; step++) {
			int i = (int)(rnd(&x) % n), pid = PID + (int)(rnd(&x) % 3);
			bool bug =
			    var == KVM_ARM64_FINALIZE_50E7CCE && !vgic && !has_run[i] && ran > 0;
			int rc = arm64_kvm_vcpu_run(v[i], pid);

			if (bug)
				expect_dead = true;
			assert_int_equal(rc, expect_dead ? -EIO : 0);
			if (!expect_dead && !has_run[i]) {
				has_run[i] = true;
				ran++;
			}
		}
		assert_int_equal(kvm->vm_dead, expect_dead);
		if (!expect_dead) {
			assert_int_equal(kvm->finalize_calls, ran);
			assert_int_equal((pfr0(kvm) & ID_AA64PFR0_EL1_GIC) >> 24, vgic ? 1 : 0);
			assert_int_equal((pfr1(kvm) & ID_PFR1_EL1_GIC) >> 28, vgic ? 1 : 0);
			assert_int_equal(kvm->warn_count, 0);
		}
		arm64_kvm_destroy_vm(kvm);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_id_space),
	    cmocka_unit_test(test_steal_time_before_fix_fails),
	    cmocka_unit_test(test_steal_time_after_fix_passes),
	    cmocka_unit_test(test_other_variants_pass),
	    cmocka_unit_test(test_single_vcpu_passes_before_fix),
	    cmocka_unit_test(test_in_kernel_irqchip_keeps_gic),
	    cmocka_unit_test(test_dead_vm_ioctls_eio),
	    cmocka_unit_test(test_finalize_idempotent),
	    cmocka_unit_test(test_set_vm_id_reg_after_run_bugs),
	    cmocka_unit_test(test_pid_change_runs_first_path_once),
	    cmocka_unit_test(test_run_preconditions),
	    cmocka_unit_test(test_userspace_id_writes),
	    cmocka_unit_test(test_5cb57a1_and_vgic),
	    cmocka_unit_test(test_variant_names),
	    cmocka_unit_test(test_random_run_orders),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
