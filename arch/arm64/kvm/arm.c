// SPDX-License-Identifier: GPL-2.0
/*
 * arch/arm64/kvm/arm.c (v6.18-rc) and the parts of virt/kvm/kvm_main.c the first KVM_RUN
 * goes through: VM/vCPU creation, KVM_ARM_VCPU_INIT, KVM_RUN with the pid-change hook,
 * kvm_arch_vcpu_run_pid_change() and HAS_RAN_ONCE, KVM_BUG_ON() and the dead VM.
 *
 * Threads are not modeled: the caller passes the pid of the thread issuing KVM_RUN.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmsim/arm64_sys_regs.h"

static void kvm_log(struct arm64_kvm *kvm, const char *msg)
{
	if (kvm->log_nr < ARM64_KVM_LOG_MAX)
		snprintf(kvm->log[kvm->log_nr++].msg, sizeof(kvm->log[0].msg), "%s", msg);
}

/* Models WARN_ON_ONCE(1) at a call site: one splat per site, counted. */
void arm64_kvm_warn_on_once(struct arm64_kvm *kvm, bool *once, const char *where)
{
	char buf[160];

	if (*once)
		return;
	*once = true;
	kvm->warn_count++;
	snprintf(buf, sizeof(buf), "WARNING: PID: %d at %s", kvm->current_pid, where);
	kvm_log(kvm, buf);
	if (kvm->current_chain) {
		snprintf(buf, sizeof(buf), "Call trace: %s", kvm->current_chain);
		kvm_log(kvm, buf);
	}
}

/* Models kvm_vm_dead() + kvm_vm_bugged() (include/linux/kvm_host.h, v6.18). */
static void kvm_vm_bugged(struct arm64_kvm *kvm)
{
	kvm->vm_bugged = true;
	kvm->vm_dead = true;
	/* kvm_make_all_cpus_request(kvm, KVM_REQ_VM_DEAD) */
	for (int i = 0; i < kvm->nr_vcpus; i++)
		kvm->vcpus[i]->requests |= 1ul << KVM_REQ_VM_DEAD;
	kvm_log(kvm, "kvm: VM bugged, marked dead (KVM_REQ_VM_DEAD to all vCPUs)");
}

/*
 * Models KVM_BUG_ON(cond, kvm) (include/linux/kvm_host.h, v6.18):
 *	if (WARN_ON_ONCE(__ret && !(kvm)->vm_bugged)) kvm_vm_bugged(kvm);
 */
bool arm64_kvm_bug_on(struct arm64_kvm *kvm, bool cond, bool *once, const char *where)
{
	if (cond && !kvm->vm_bugged) {
		arm64_kvm_warn_on_once(kvm, once, where);
		kvm_vm_bugged(kvm);
	}
	return cond;
}

/*
 * Models kvm_create_vm() -> kvm_arch_init_vm() (v6.18-rc), simplified: the VM-wide ID
 * registers are populated from the sanitised host values here; the kernel does it on the
 * first vCPU reset (KVM_ARCH_FLAG_ID_REGS_INITIALIZED), before any userspace access too.
 */
int arm64_kvm_create_vm(struct arm64_kvm **out, const struct arm64_host_cpu *host,
			enum kvm_arm64_finalize_variant variant)
{
	struct arm64_kvm *kvm;

	if (!host || variant >= KVM_ARM64_FINALIZE_NR)
		return -EINVAL;
	kvm = calloc(1, sizeof(*kvm));
	if (!kvm)
		return -ENOMEM;
	kvm->host = host;
	kvm->variant = variant;
	kvm->arch.id_regs[IDREG_IDX(SYS_ID_AA64PFR0_EL1)] = host->id_aa64pfr0_el1;
	kvm->arch.id_regs[IDREG_IDX(SYS_ID_PFR1_EL1)] = host->id_pfr1_el1;
	kvm->arch.midr_el1 = host->midr_el1;
	kvm->arch.ctr_el0 = host->ctr_el0;
	kvm->arch.flags |= 1ul << KVM_ARCH_FLAG_ID_REGS_INITIALIZED;
	*out = kvm;
	return 0;
}

void arm64_kvm_destroy_vm(struct arm64_kvm *kvm)
{
	if (!kvm)
		return;
	for (int i = 0; i < kvm->nr_vcpus; i++)
		free(kvm->vcpus[i]);
	free(kvm);
}

/*
 * Models kvm_vm_ioctl(KVM_CREATE_VCPU) -> kvm_vm_ioctl_create_vcpu() (v6.18): -EIO on a dead
 * VM (kvm_vm_ioctl's vm_dead check); kvm_arch_vcpu_precreate() refuses once the vGIC is
 * initialized (-EBUSY).
 */
int arm64_kvm_create_vcpu(struct arm64_kvm *kvm, struct arm64_kvm_vcpu **out)
{
	struct arm64_kvm_vcpu *vcpu;

	if (kvm->vm_dead)
		return -EIO;
	if (kvm->nr_vcpus >= ARM64_KVM_MAX_VCPUS)
		return -EINVAL;
	if (irqchip_in_kernel(kvm) && kvm->arch.vgic.ready)
		return -EBUSY;
	vcpu = calloc(1, sizeof(*vcpu));
	if (!vcpu)
		return -ENOMEM;
	vcpu->kvm = kvm;
	vcpu->vcpu_idx = kvm->nr_vcpus;
	kvm->vcpus[kvm->nr_vcpus++] = vcpu;
	*out = vcpu;
	return 0;
}

/*
 * Models KVM_ARM_VCPU_INIT (kvm_arch_vcpu_ioctl_vcpu_init, v6.18-rc), simplified to the one
 * feature that changes the first-run path: SVE needs KVM_ARM_VCPU_FINALIZE before KVM_RUN.
 */
int kvm_arm_vcpu_init(struct arm64_kvm_vcpu *vcpu, bool sve)
{
	if (vcpu->kvm->vm_dead)
		return -EIO;
	if (vcpu->initialized && vcpu->sve != sve)
		return -EINVAL; /* features cannot change after the first init */
	vcpu->initialized = true;
	vcpu->sve = sve;
	vcpu->finalized = !sve;
	return 0;
}

/* Models KVM_ARM_VCPU_FINALIZE(KVM_ARM_VCPU_SVE) (kvm_arm_vcpu_finalize, v6.18-rc). */
int kvm_arm_vcpu_finalize(struct arm64_kvm_vcpu *vcpu)
{
	if (vcpu->kvm->vm_dead)
		return -EIO;
	if (!vcpu->initialized || !vcpu->sve)
		return -EINVAL;
	if (vcpu->finalized)
		return -EPERM;
	vcpu->finalized = true;
	return 0;
}

/*
 * Models kvm_arch_vcpu_run_pid_change() (arch/arm64/kvm/arm.c, v6.18-rc):
 *
 *	if (!kvm_vcpu_initialized(vcpu)) return -ENOEXEC;
 *	if (!kvm_arm_vcpu_is_finalized(vcpu)) return -EPERM;
 *	if (likely(vcpu_has_run_once(vcpu))) return 0;
 *	kvm_init_mpidr_data(kvm);
 *	if (likely(irqchip_in_kernel(kvm))) kvm_vgic_map_resources(kvm);
 *	ret = kvm_finalize_sys_regs(vcpu);
 *	NV init; kvm_calculate_traps(); kvm_timer_enable(); PMU; pKVM;
 *	mutex_lock(config_lock); set_bit(KVM_ARCH_FLAG_HAS_RAN_ONCE, &kvm->arch.flags); ...
 *
 * MPIDR data, NV, traps, timer, PMU and pKVM are not modeled (they do not touch the ID
 * registers on this path).
 */
int kvm_arch_vcpu_run_pid_change(struct arm64_kvm_vcpu *vcpu)
{
	struct arm64_kvm *kvm = vcpu->kvm;
	int ret;

	if (!vcpu->initialized)
		return -ENOEXEC;
	if (!vcpu->finalized)
		return -EPERM;
	if (vcpu_has_run_once(vcpu))
		return 0;

	if (irqchip_in_kernel(kvm))
		kvm->arch.vgic.ready = true; /* kvm_vgic_map_resources() */

	ret = kvm_finalize_sys_regs(vcpu);
	if (ret)
		return ret;

	kvm->arch.config_lock_held++;
	kvm->arch.flags |= 1ul << KVM_ARCH_FLAG_HAS_RAN_ONCE;
	kvm->arch.config_lock_held--;
	vcpu->first_run_done++;
	return 0;
}

/*
 * Models kvm_arch_vcpu_ioctl_run() (v6.18-rc), reduced to check_vcpu_requests():
 * KVM_REQ_VM_DEAD makes the run fail with -EIO before entering the guest. The guest
 * itself is not modeled: a run is one guest entry that exits to userspace (a ucall).
 */
static int kvm_arch_vcpu_ioctl_run(struct arm64_kvm_vcpu *vcpu)
{
	if (vcpu->requests & (1ul << KVM_REQ_VM_DEAD)) {
		vcpu->requests &= ~(1ul << KVM_REQ_VM_DEAD);
		return -EIO;
	}
	vcpu->runs++;
	return 0;
}

/*
 * Models kvm_vcpu_ioctl(KVM_RUN) (virt/kvm/kvm_main.c, v6.18): a dead VM fails every vCPU
 * ioctl with -EIO; when the calling thread differs from vcpu->pid (always on the first
 * run: pid is NULL), kvm_arch_vcpu_run_pid_change() runs before vcpu->pid is set.
 */
int arm64_kvm_vcpu_run(struct arm64_kvm_vcpu *vcpu, int pid)
{
	int r;

	if (pid <= 0)
		return -EINVAL;
	if (vcpu->kvm->vm_dead)
		return -EIO;
	vcpu->kvm->current_pid = pid;
	if (vcpu->pid != pid) {
		vcpu->kvm->current_chain = "kvm_set_vm_id_reg <- kvm_finalize_sys_regs <- "
					   "kvm_arch_vcpu_run_pid_change <- kvm_vcpu_ioctl";
		r = kvm_arch_vcpu_run_pid_change(vcpu);
		vcpu->kvm->current_chain = NULL;
		if (r)
			return r;
		vcpu->pid = pid;
	}
	return kvm_arch_vcpu_ioctl_run(vcpu);
}

/*
 * Models KVM_GET_ONE_REG for X0 and the VM-wide ID registers (read_id_reg() ->
 * kvm_read_vm_id_reg(); every vCPU sees the VM's one copy).
 */
int arm64_kvm_get_one_reg(struct arm64_kvm_vcpu *vcpu, u32 reg, u64 *val)
{
	struct arm64_kvm *kvm = vcpu->kvm;
	u64 *p;

	if (kvm->vm_dead)
		return -EIO;
	if (reg == ARM64_KVM_REG_X0) {
		*val = vcpu->x0;
		return 0;
	}
	if (sys_reg_Op0(reg) != 3)
		return -ENOENT;
	/* look up without __vm_id_reg()'s WARN: userspace asking for an unknown reg is -ENOENT */
	if (!((reg >= sys_reg(3, 0, 0, 1, 0) && reg <= sys_reg(3, 0, 0, 7, 7)) ||
	      reg == SYS_CTR_EL0 || reg == SYS_MIDR_EL1 || reg == SYS_REVIDR_EL1 ||
	      reg == SYS_AIDR_EL1))
		return -ENOENT;
	p = __vm_id_reg(kvm, reg);
	*val = *p;
	return 0;
}

/* Models KVM_SET_ONE_REG for X0 (vcpu_args_set) and the ID registers (set_id_reg()). */
int arm64_kvm_set_one_reg(struct arm64_kvm_vcpu *vcpu, u32 reg, u64 val)
{
	struct arm64_kvm *kvm = vcpu->kvm;

	if (kvm->vm_dead)
		return -EIO;
	if (reg == ARM64_KVM_REG_X0) {
		vcpu->x0 = val;
		return 0;
	}
	if (!((reg >= sys_reg(3, 0, 0, 1, 0) && reg <= sys_reg(3, 0, 0, 7, 7)) ||
	      reg == SYS_CTR_EL0 || reg == SYS_MIDR_EL1 || reg == SYS_REVIDR_EL1 ||
	      reg == SYS_AIDR_EL1))
		return -ENOENT;
	return arm64_set_id_reg(vcpu, reg, val);
}

/*
 * Models KVM_SET_DEVICE_ATTR(KVM_ARM_VCPU_PVTIME_CTRL, KVM_ARM_VCPU_PVTIME_IPA)
 * (kvm_arm_pvtime_set_attr, v6.18): 64-byte aligned IPA, set once (-EEXIST).
 */
int arm64_kvm_set_pvtime_ipa(struct arm64_kvm_vcpu *vcpu, u64 ipa)
{
	if (vcpu->kvm->vm_dead)
		return -EIO;
	if (ipa & 63)
		return -EINVAL;
	if (vcpu->pvtime_ipa)
		return -EEXIST;
	vcpu->pvtime_ipa = ipa;
	return 0;
}
