// SPDX-License-Identifier: GPL-2.0
/*
 * arch/arm64/kvm/sys_regs.c (v6.18-rc): the VM-wide ID registers and their finalization.
 *
 * kvm_finalize_sys_regs() is modeled in four versions (enum kvm_arm64_finalize_variant):
 * the two commits the fix names in its Fixes: tags, the fix itself (0f559cd91e37, the
 * default), and the later GICv5-series shape. See docs/model/arm64-id-regs.md.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kvmsim/arm64_sys_regs.h"

/*
 * Host CPUs of the report (A53/A55/A72 boards). The values are the Cortex TRM reset values
 * with the GICv3 CPU interface enabled, used as the sanitised host values; they are
 * illustrative: only the GIC fields matter to the model.
 */
const struct arm64_host_cpu arm64_host_cpus[] = {
    {.name = "a53",
     .id_aa64pfr0_el1 = 0x0000000001002222ull,
     .id_pfr1_el1 = 0x0000000010011011ull,
     .midr_el1 = 0x410fd034ull,
     .ctr_el0 = 0x84448004ull,
     .has_gicv3_cpuif = true},
    {.name = "a55",
     .id_aa64pfr0_el1 = 0x0000000011112222ull,
     .id_pfr1_el1 = 0x0000000010011011ull,
     .midr_el1 = 0x412fd050ull,
     .ctr_el0 = 0x84448004ull,
     .has_gicv3_cpuif = true},
    {.name = "a72",
     .id_aa64pfr0_el1 = 0x0000000001002222ull,
     .id_pfr1_el1 = 0x0000000010011011ull,
     .midr_el1 = 0x410fd083ull,
     .ctr_el0 = 0x8444c004ull,
     .has_gicv3_cpuif = true},
};
const unsigned int arm64_host_cpus_nr = ARRAY_SIZE(arm64_host_cpus);

const struct arm64_host_cpu *arm64_host_cpu_lookup(const char *name)
{
	for (unsigned int i = 0; i < arm64_host_cpus_nr; i++)
		if (!strcmp(arm64_host_cpus[i].name, name))
			return &arm64_host_cpus[i];
	return NULL;
}

static const char *const variant_names[KVM_ARM64_FINALIZE_NR] = {
    [KVM_ARM64_FINALIZE_5CB57A1] = "5cb57a1",
    [KVM_ARM64_FINALIZE_50E7CCE] = "50e7cce",
    [KVM_ARM64_FINALIZE_FIXED] = "fixed",
    [KVM_ARM64_FINALIZE_GICV5] = "gicv5",
};

const char *kvm_arm64_finalize_variant_name(enum kvm_arm64_finalize_variant v)
{
	return v < KVM_ARM64_FINALIZE_NR ? variant_names[v] : "?";
}

int kvm_arm64_finalize_variant_parse(const char *s, enum kvm_arm64_finalize_variant *out)
{
	for (int i = 0; i < KVM_ARM64_FINALIZE_NR; i++) {
		if (!strcmp(s, variant_names[i])) {
			*out = i;
			return 0;
		}
	}
	if (!strcmp(s, "before")) {
		*out = KVM_ARM64_FINALIZE_50E7CCE;
		return 0;
	}
	if (!strcmp(s, "after")) {
		*out = KVM_ARM64_FINALIZE_FIXED;
		return 0;
	}
	return -EINVAL;
}

/*
 * Models __vm_id_reg() (v6.18-rc): the ID space sys_reg(3, 0, 0, 1..7, 0..7) maps to
 * kvm->arch.id_regs[IDREG_IDX(reg)], plus CTR_EL0, MIDR_EL1, REVIDR_EL1 and AIDR_EL1;
 * anything else is WARN_ON_ONCE(1) and NULL.
 */
u64 *__vm_id_reg(struct arm64_kvm *kvm, u32 reg)
{
	if (reg >= sys_reg(3, 0, 0, 1, 0) && reg <= sys_reg(3, 0, 0, 7, 7))
		return &kvm->arch.id_regs[IDREG_IDX(reg)];
	switch (reg) {
	case SYS_CTR_EL0:
		return &kvm->arch.ctr_el0;
	case SYS_MIDR_EL1:
		return &kvm->arch.midr_el1;
	case SYS_REVIDR_EL1:
		return &kvm->arch.revidr_el1;
	case SYS_AIDR_EL1:
		return &kvm->arch.aidr_el1;
	default:
		arm64_kvm_warn_on_once(kvm, &kvm->warned_vm_id_reg_null,
				       "arch/arm64/kvm/sys_regs.c __vm_id_reg");
		return NULL;
	}
}

/*
 * Models kvm_read_vm_id_reg() (v6.18-rc). The kernel dereferences the pointer; the model
 * returns 0 for a register outside the space (after __vm_id_reg()'s WARN).
 */
u64 kvm_read_vm_id_reg(struct arm64_kvm *kvm, u32 reg)
{
	u64 *p = __vm_id_reg(kvm, reg);

	return p ? *p : 0;
}

/*
 * Models kvm_set_vm_id_reg() (v6.18-rc, sys_regs.c:2353 in the report):
 *
 *	lockdep_assert_held(&kvm->arch.config_lock);
 *	if (KVM_BUG_ON(kvm_vm_has_ran_once(kvm) || !p, kvm))
 *		return;
 *	*p = val;
 *
 * The ID registers are immutable once any vCPU has run; a write after that is a KVM bug
 * and kills the VM.
 */
void kvm_set_vm_id_reg(struct arm64_kvm *kvm, u32 reg, u64 val)
{
	u64 *p = __vm_id_reg(kvm, reg);

	/* lockdep_assert_held(): the model counts it as a warning too */
	if (!kvm->arch.config_lock_held)
		arm64_kvm_warn_on_once(kvm, &kvm->warned_lockdep,
				       "lockdep: config_lock not held in kvm_set_vm_id_reg");
	if (arm64_kvm_bug_on(kvm, kvm_vm_has_ran_once(kvm) || !p, &kvm->warned_set_vm_id_reg,
			     "arch/arm64/kvm/sys_regs.c:2353 kvm_set_vm_id_reg"))
		return;
	*p = val;
}

/* Clears the GIC fields of both registers through the accessors (50e7cce81b9b2 onwards). */
static void clear_gic_fields(struct arm64_kvm *kvm)
{
	u64 val;

	kvm->gic_clear_writes++;
	val = kvm_read_vm_id_reg(kvm, SYS_ID_AA64PFR0_EL1) & ~ID_AA64PFR0_EL1_GIC;
	kvm_set_vm_id_reg(kvm, SYS_ID_AA64PFR0_EL1, val);
	val = kvm_read_vm_id_reg(kvm, SYS_ID_PFR1_EL1) & ~ID_PFR1_EL1_GIC;
	kvm_set_vm_id_reg(kvm, SYS_ID_PFR1_EL1, val);
}

/*
 * Models kvm_finalize_sys_regs() (v6.18-rc): "last adjustments to the ID registers implied
 * by configuration outside the ID regs ... called once per CPU, changes must be
 * idempotent". Runs under guard(mutex)(&kvm->arch.config_lock).
 *
 * 5cb57a1aff755:  if (!(host GICv3 cpuif && irqchip_in_kernel && vgic model == V3))
 *			kvm->arch.id_regs[...] &= ~GIC   (direct writes, no KVM_BUG_ON)
 * 50e7cce81b9b2:  if (!irqchip_in_kernel(kvm))  clear via kvm_set_vm_id_reg()
 *		   -> the 2nd vCPU's first KVM_RUN writes after HAS_RAN_ONCE: KVM_BUG_ON.
 * 0f559cd91e37:   if (!irqchip_in_kernel(kvm) && !kvm_vm_has_ran_once(kvm))
 *		   "This hacks into the ID registers, so only perform it when the first vcpu
 *		   runs, or the kvm_set_vm_id_reg() helper will scream."
 * GICv5 series:   if (kvm_vm_has_ran_once(kvm)) return 0; at the top (the GCIE else-branch
 *		   for an in-kernel GICv5 is not modeled).
 * Nested virt (kvm_init_nv_sysregs) is not modeled: vcpu->has_nv is always false.
 */
int kvm_finalize_sys_regs(struct arm64_kvm_vcpu *vcpu)
{
	struct arm64_kvm *kvm = vcpu->kvm;
	bool clear;

	kvm->arch.config_lock_held++;
	kvm->finalize_calls++;

	switch (kvm->variant) {
	case KVM_ARM64_FINALIZE_5CB57A1:
		if (!(kvm->host->has_gicv3_cpuif && irqchip_in_kernel(kvm) &&
		      kvm->arch.vgic.vgic_model == KVM_DEV_TYPE_ARM_VGIC_V3)) {
			kvm->gic_clear_writes++;
			kvm->arch.id_regs[IDREG_IDX(SYS_ID_AA64PFR0_EL1)] &= ~ID_AA64PFR0_EL1_GIC;
			kvm->arch.id_regs[IDREG_IDX(SYS_ID_PFR1_EL1)] &= ~ID_PFR1_EL1_GIC;
		}
		break;
	case KVM_ARM64_FINALIZE_50E7CCE:
		if (!irqchip_in_kernel(kvm))
			clear_gic_fields(kvm);
		break;
	case KVM_ARM64_FINALIZE_FIXED:
		clear = !irqchip_in_kernel(kvm) && !kvm_vm_has_ran_once(kvm);
		if (clear)
			clear_gic_fields(kvm);
		break;
	case KVM_ARM64_FINALIZE_GICV5:
	default:
		if (kvm_vm_has_ran_once(kvm))
			break;
		if (!irqchip_in_kernel(kvm))
			clear_gic_fields(kvm);
		break;
	}

	kvm->arch.config_lock_held--;
	return 0;
}

/*
 * Models set_id_reg() (KVM_SET_ONE_REG on an ID register, v6.18-rc), simplified: after the
 * VM has run, only a write of the current value succeeds (-EBUSY otherwise); before, every
 * 4-bit field must not exceed the host's (arm64_check_features() with every field
 * FTR_LOWER_SAFE and unsigned), then kvm_set_vm_id_reg() under config_lock.
 */
int arm64_set_id_reg(struct arm64_kvm_vcpu *vcpu, u32 reg, u64 val)
{
	struct arm64_kvm *kvm = vcpu->kvm;
	u64 *p = __vm_id_reg(kvm, reg);
	u64 limit;
	int ret = 0;

	if (!p)
		return -ENOENT;
	kvm->arch.config_lock_held++;
	if (kvm_vm_has_ran_once(kvm)) {
		ret = *p == val ? 0 : -EBUSY;
		goto out;
	}
	if (reg == SYS_ID_AA64PFR0_EL1)
		limit = kvm->host->id_aa64pfr0_el1;
	else if (reg == SYS_ID_PFR1_EL1)
		limit = kvm->host->id_pfr1_el1;
	else
		limit = *p; /* other registers: only lowering from the current value */
	for (int shift = 0; shift < 64; shift += 4) {
		if (((val >> shift) & 0xf) > ((limit >> shift) & 0xf)) {
			ret = -EINVAL;
			goto out;
		}
	}
	kvm_set_vm_id_reg(kvm, reg, val);
out:
	kvm->arch.config_lock_held--;
	return ret;
}
