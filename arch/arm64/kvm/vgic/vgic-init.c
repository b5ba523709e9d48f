// SPDX-License-Identifier: GPL-2.0
/*
 * arch/arm64/kvm/vgic/vgic-init.c (v6.18-rc): kvm_vgic_create(), reduced to what the ID
 * registers see.
 */
#include <errno.h>

#include "kvmsim/arm64_sys_regs.h"

/*
 * Models kvm_vgic_create() (KVM_CREATE_DEVICE of a vGIC, v6.18-rc): -EEXIST if there is
 * one already, -EBUSY once any vCPU has run; then the GIC fields of ID_AA64PFR0_EL1 and
 * ID_PFR1_EL1 are set for a GICv3 model (IMP / GICv3) and cleared for a GICv2 one, through
 * kvm_set_vm_id_reg() under config_lock. (That this is done here in 6.18 is recalled, not
 * checked against the source: see docs/model/arm64-id-regs.md.) Distributor/redistributor
 * setup and max_vcpus are not modeled.
 */
int kvm_vgic_create(struct arm64_kvm *kvm, u32 type)
{
	u64 aa64pfr0, pfr1;

	if (kvm->vm_dead)
		return -EIO;
	if (type != KVM_DEV_TYPE_ARM_VGIC_V2 && type != KVM_DEV_TYPE_ARM_VGIC_V3)
		return -ENODEV;
	if (irqchip_in_kernel(kvm))
		return -EEXIST;
	for (int i = 0; i < kvm->nr_vcpus; i++)
		if (vcpu_has_run_once(kvm->vcpus[i]))
			return -EBUSY;
	if (type == KVM_DEV_TYPE_ARM_VGIC_V3 && !kvm->host->has_gicv3_cpuif)
		return -ENODEV;

	kvm->arch.vgic.in_kernel = true;
	kvm->arch.vgic.vgic_model = type;

	kvm->arch.config_lock_held++;
	aa64pfr0 = kvm_read_vm_id_reg(kvm, SYS_ID_AA64PFR0_EL1) & ~ID_AA64PFR0_EL1_GIC;
	pfr1 = kvm_read_vm_id_reg(kvm, SYS_ID_PFR1_EL1) & ~ID_PFR1_EL1_GIC;
	if (type == KVM_DEV_TYPE_ARM_VGIC_V3) {
		aa64pfr0 |= ID_AA64PFR0_EL1_GIC_IMP << ID_AA64PFR0_EL1_GIC_SHIFT;
		pfr1 |= ID_PFR1_EL1_GIC_GICv3 << ID_PFR1_EL1_GIC_SHIFT;
	}
	kvm_set_vm_id_reg(kvm, SYS_ID_AA64PFR0_EL1, aa64pfr0);
	kvm_set_vm_id_reg(kvm, SYS_ID_PFR1_EL1, pfr1);
	kvm->arch.config_lock_held--;
	return 0;
}
