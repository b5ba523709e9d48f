// SPDX-License-Identifier: GPL-2.0
/*
 * The reported scenario: tools/testing/selftests/kvm/steal_time.c on arm64 (Mark Brown's
 * report on A53/A55/A72 boards), replayed as the ioctl sequence it issues. This is model
 * machinery, not a kernel mirror.
 *
 *	vm = vm_create_with_vcpus(NR_VCPUS, ...);	KVM_CREATE_VCPU + KVM_ARM_VCPU_INIT each
 *	for (i = 0; i < NR_VCPUS; ++i) {
 *		steal_time_init(vcpus[i], i);		KVM_SET_DEVICE_ATTR (PVTIME_IPA)
 *		vcpu_args_set(vcpus[i], 1, i);		KVM_SET_ONE_REG (X0)
 *		run_vcpu(vcpus[i]);  (x3)		KVM_RUN, all from the main thread
 *	}
 *
 * No in-kernel irqchip is created (the selftest does not set up a vGIC), so
 * kvm_finalize_sys_regs() takes its userspace-irqchip branch on every vCPU's first run.
 * The selftest asserts on the first failing ioctl; so does the replay. The guest and its
 * steal-time accounting are not modeled.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvmsim/arm64_sys_regs.h"

#define ST_GPA_BASE  (3ull << 30) /* as the selftest: (1 << 30) * 3 */
#define SELFTEST_PID 1000	  /* every ioctl comes from the test's main thread */

static bool step(struct arm64_steal_time_result *res, struct arm64_kvm *kvm, const char *ioctl,
		 int vcpu, int rc)
{
	if (res->nr_steps < ARM64_STEAL_TIME_MAX_STEPS) {
		struct arm64_steal_time_step *s = &res->steps[res->nr_steps++];

		s->ioctl = ioctl;
		s->vcpu = vcpu;
		s->rc = rc;
		s->vm_dead_after = kvm->vm_dead;
	}
	if (rc && res->failed_step < 0) {
		res->failed_step = (int)res->nr_steps - 1;
		res->failed_vcpu = vcpu;
		res->failed_rc = rc;
	}
	return rc == 0;
}

int arm64_steal_time_run(const struct arm64_steal_time_cfg *cfg,
			 struct arm64_steal_time_result *res)
{
	struct arm64_kvm_vcpu *vcpus[ARM64_KVM_MAX_VCPUS];
	struct arm64_kvm *kvm;
	int ret, i, r;

	if (cfg->nr_vcpus < 1 || cfg->nr_vcpus > ARM64_KVM_MAX_VCPUS || cfg->runs_per_vcpu < 1 ||
	    !cfg->host)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	res->failed_step = -1;
	res->failed_vcpu = -1;
	ret = arm64_kvm_create_vm(&kvm, cfg->host, cfg->variant);
	if (ret)
		return ret;

	for (i = 0; i < cfg->nr_vcpus; i++) {
		if (!step(res, kvm, "KVM_CREATE_VCPU", i, arm64_kvm_create_vcpu(kvm, &vcpus[i])))
			goto out;
		if (!step(res, kvm, "KVM_ARM_VCPU_INIT", i, kvm_arm_vcpu_init(vcpus[i], false)))
			goto out;
	}
	if (cfg->vgic_v3 && !step(res, kvm, "KVM_CREATE_DEVICE(VGIC_V3)", -1,
				  kvm_vgic_create(kvm, KVM_DEV_TYPE_ARM_VGIC_V3)))
		goto out;

	for (i = 0; i < cfg->nr_vcpus; i++) {
		if (!step(res, kvm, "KVM_SET_DEVICE_ATTR(PVTIME_IPA)", i,
			  arm64_kvm_set_pvtime_ipa(vcpus[i], ST_GPA_BASE + 64ull * i)))
			goto out;
		if (!step(res, kvm, "KVM_SET_ONE_REG(X0)", i,
			  arm64_kvm_set_one_reg(vcpus[i], ARM64_KVM_REG_X0, i)))
			goto out;
		for (r = 0; r < cfg->runs_per_vcpu; r++)
			if (!step(res, kvm, "KVM_RUN", i,
				  arm64_kvm_vcpu_run(vcpus[i], SELFTEST_PID)))
				goto out;
	}
out:
	res->passed = res->failed_step < 0;
	res->vm_bugged = kvm->vm_bugged;
	res->vm_dead = kvm->vm_dead;
	res->warn_count = kvm->warn_count;
	res->has_ran_once = kvm_vm_has_ran_once(kvm);
	res->id_aa64pfr0_el1 = kvm->arch.id_regs[IDREG_IDX(SYS_ID_AA64PFR0_EL1)];
	res->id_pfr1_el1 = kvm->arch.id_regs[IDREG_IDX(SYS_ID_PFR1_EL1)];
	res->host_id_aa64pfr0_el1 = cfg->host->id_aa64pfr0_el1;
	res->host_id_pfr1_el1 = cfg->host->id_pfr1_el1;
	res->finalize_calls = kvm->finalize_calls;
	res->gic_clear_writes = kvm->gic_clear_writes;
	res->log_nr = kvm->log_nr;
	memcpy(res->log, kvm->log, sizeof(res->log));
	arm64_kvm_destroy_vm(kvm);
	return 0;
}
