/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arm64 KVM: VM-wide ID registers and their finalization on the first KVM_RUN.
 *
 * Models arch/arm64/kvm/sys_regs.c and the first-run path of arch/arm64/kvm/arm.c
 * (v6.18-rc, around kvmarm-fixes-6.18-3), including Marc Zyngier's fix
 * "KVM: arm64: Finalize ID registers only once per VM" (0f559cd91e37). The behaviour of
 * kvm_finalize_sys_regs() is selectable (enum kvm_arm64_finalize_variant) so the same
 * ioctl sequence can be replayed on the kernel before and after the fix.
 *
 * The structures are named arm64_kvm / arm64_kvm_vcpu (not kvm / kvm_vcpu) because
 * the library links every architecture's model together; the fields keep the kernel's
 * names (kvm->arch.id_regs[], kvm->arch.flags, kvm->vm_dead, vcpu->pid, ...).
 * See docs/model/arm64-id-regs.md for the simplifications.
 */
#ifndef KVMSIM_ARM64_SYS_REGS_H
#define KVMSIM_ARM64_SYS_REGS_H

#include "kvmsim/types.h"

/* arch/arm64/include/asm/sysreg.h */
#define Op0_shift 19
#define Op1_shift 16
#define CRn_shift 12
#define CRm_shift 8
#define Op2_shift 5
#define sys_reg(op0, op1, crn, crm, op2)                                                           \
	(((u32)(op0) << Op0_shift) | ((u32)(op1) << Op1_shift) | ((u32)(crn) << CRn_shift) |       \
	 ((u32)(crm) << CRm_shift) | ((u32)(op2) << Op2_shift))
#define sys_reg_Op0(id) (((id) >> Op0_shift) & 0x3)
#define sys_reg_Op1(id) (((id) >> Op1_shift) & 0x7)
#define sys_reg_CRn(id) (((id) >> CRn_shift) & 0xf)
#define sys_reg_CRm(id) (((id) >> CRm_shift) & 0xf)
#define sys_reg_Op2(id) (((id) >> Op2_shift) & 0x7)

#define SYS_MIDR_EL1	     sys_reg(3, 0, 0, 0, 0)
#define SYS_REVIDR_EL1	     sys_reg(3, 0, 0, 0, 6)
#define SYS_ID_PFR0_EL1	     sys_reg(3, 0, 0, 1, 0)
#define SYS_ID_PFR1_EL1	     sys_reg(3, 0, 0, 1, 1)
#define SYS_ID_AA64PFR0_EL1  sys_reg(3, 0, 0, 4, 0)
#define SYS_ID_AA64PFR1_EL1  sys_reg(3, 0, 0, 4, 1)
#define SYS_ID_AA64PFR2_EL1  sys_reg(3, 0, 0, 4, 2)
#define SYS_ID_AA64DFR0_EL1  sys_reg(3, 0, 0, 5, 0)
#define SYS_ID_AA64ISAR0_EL1 sys_reg(3, 0, 0, 6, 0)
#define SYS_ID_AA64MMFR0_EL1 sys_reg(3, 0, 0, 7, 0)
#define SYS_AIDR_EL1	     sys_reg(3, 1, 0, 0, 7)
#define SYS_CTR_EL0	     sys_reg(3, 3, 0, 0, 1)
/* A register outside __vm_id_reg()'s space (for the WARN + NULL path). */
#define SYS_SCTLR_EL1 sys_reg(3, 0, 1, 0, 0)

/* GIC fields (arch/arm64/tools/sysreg): ID_AA64PFR0_EL1.GIC [27:24], ID_PFR1_EL1.GIC [31:28] */
#define ID_AA64PFR0_EL1_GIC	  GENMASK_ULL(27, 24)
#define ID_AA64PFR0_EL1_GIC_SHIFT 24
#define ID_AA64PFR0_EL1_GIC_IMP	  1ull /* GICv3/v4 system-register CPU interface */
#define ID_PFR1_EL1_GIC		  GENMASK_ULL(31, 28)
#define ID_PFR1_EL1_GIC_SHIFT	  28
#define ID_PFR1_EL1_GIC_GICv3	  1ull

/* arch/arm64/include/asm/kvm_host.h: the ID space sys_reg(3, 0, 0, 1..7, 0..7) */
#define IDREG_IDX(id)	   (((sys_reg_CRm(id) - 1) << 3) | sys_reg_Op2(id))
#define KVM_ARM_ID_REG_NUM (IDREG_IDX(sys_reg(3, 0, 0, 7, 7)) + 1)

/* kvm->arch.flags bits (the values are the model's; the kernel's are an enum) */
#define KVM_ARCH_FLAG_HAS_RAN_ONCE	  0
#define KVM_ARCH_FLAG_ID_REGS_INITIALIZED 1

/* vCPU requests */
#define KVM_REQ_VM_DEAD 0

/* KVM_CREATE_DEVICE types */
#define KVM_DEV_TYPE_ARM_VGIC_V2 5
#define KVM_DEV_TYPE_ARM_VGIC_V3 7

/* KVM_{GET,SET}_ONE_REG ids of the model: sys_reg() encodings, and core register X0 */
#define ARM64_KVM_REG_X0 0x80000000u

#define ARM64_KVM_MAX_VCPUS 512
#define ARM64_KVM_LOG_MAX   32

/* Which kvm_finalize_sys_regs() to run. */
enum kvm_arm64_finalize_variant {
	/* 5cb57a1aff755: clear GIC unless GICv3 host && in-kernel vGICv3; direct id_regs[] writes
	 */
	KVM_ARM64_FINALIZE_5CB57A1,
	/* 50e7cce81b9b2: clear GIC if !irqchip_in_kernel via kvm_set_vm_id_reg() (the bug) */
	KVM_ARM64_FINALIZE_50E7CCE,
	/* 0f559cd91e37: ... && !kvm_vm_has_ran_once(kvm) (the fix; default) */
	KVM_ARM64_FINALIZE_FIXED,
	/* GICv5 series: early "if (kvm_vm_has_ran_once(kvm)) return 0;" at the top */
	KVM_ARM64_FINALIZE_GICV5,
	KVM_ARM64_FINALIZE_NR,
};

const char *kvm_arm64_finalize_variant_name(enum kvm_arm64_finalize_variant v);
/* Accepts the names above ("5cb57a1", "50e7cce"/"before", "fixed"/"after", "gicv5"). */
int kvm_arm64_finalize_variant_parse(const char *s, enum kvm_arm64_finalize_variant *out);

/* The host CPU: the sanitised ID register values the VM's registers start from. */
struct arm64_host_cpu {
	const char *name;
	u64 id_aa64pfr0_el1;
	u64 id_pfr1_el1;
	u64 midr_el1;
	u64 ctr_el0;
	bool has_gicv3_cpuif; /* kvm_vgic_global_state.has_gicv3 ... the host's CPU interface */
};

/* "a53", "a55", "a72" (the boards of the report) */
const struct arm64_host_cpu *arm64_host_cpu_lookup(const char *name);
extern const struct arm64_host_cpu arm64_host_cpus[];
extern const unsigned int arm64_host_cpus_nr;

struct arm64_kvm_vcpu;

/* One line of the model's kernel log (WARN splats). */
struct arm64_kvm_log {
	char msg[160];
};

struct arm64_kvm {
	struct {
		u64 id_regs[KVM_ARM_ID_REG_NUM];
		u64 ctr_el0;
		u64 midr_el1;
		u64 revidr_el1;
		u64 aidr_el1;
		unsigned long flags;
		struct {
			bool in_kernel; /* irqchip_in_kernel() */
			u32 vgic_model; /* KVM_DEV_TYPE_ARM_VGIC_V2/V3 */
			bool ready;	/* kvm_vgic_map_resources() done */
		} vgic;
		int config_lock_held; /* lockdep_assert_held(&kvm->arch.config_lock) */
	} arch;
	/* the model's "current" context, for the WARN splat: pid and call chain */
	int current_pid;
	const char *current_chain;
	bool vm_bugged;
	bool vm_dead;
	enum kvm_arm64_finalize_variant variant;
	const struct arm64_host_cpu *host;
	int nr_vcpus;
	struct arm64_kvm_vcpu *vcpus[ARM64_KVM_MAX_VCPUS];
	/* WARN_ON_ONCE state per call site, and the log */
	bool warned_set_vm_id_reg;
	bool warned_vm_id_reg_null;
	bool warned_lockdep;
	unsigned int warn_count;
	unsigned int log_nr;
	struct arm64_kvm_log log[ARM64_KVM_LOG_MAX];
	/* model counters */
	unsigned int finalize_calls;   /* kvm_finalize_sys_regs() entered */
	unsigned int gic_clear_writes; /* GIC-clearing writes attempted */
};

struct arm64_kvm_vcpu {
	struct arm64_kvm *kvm;
	int vcpu_idx;
	int pid;	  /* 0 = NULL: vcpu_has_run_once() is !!vcpu->pid */
	bool initialized; /* VCPU_INITIALIZED (KVM_ARM_VCPU_INIT) */
	bool sve;	  /* KVM_ARM_VCPU_SVE requested: needs KVM_ARM_VCPU_FINALIZE */
	bool finalized;
	bool has_nv;
	unsigned long requests;
	u64 x0;
	u64 pvtime_ipa;		     /* KVM_ARM_VCPU_PVTIME_IPA, 0 = unset */
	unsigned int runs;	     /* successful KVM_RUN */
	unsigned int first_run_done; /* kvm_arch_vcpu_run_pid_change() completed the once path */
};

static inline bool irqchip_in_kernel(const struct arm64_kvm *kvm)
{
	return kvm->arch.vgic.in_kernel;
}

static inline bool vcpu_has_run_once(const struct arm64_kvm_vcpu *vcpu)
{
	return vcpu->pid != 0;
}

static inline bool kvm_vm_has_ran_once(const struct arm64_kvm *kvm)
{
	return kvm->arch.flags & (1ul << KVM_ARCH_FLAG_HAS_RAN_ONCE);
}

/* VM and vCPU lifecycle (models kvm_create_vm / kvm_vm_ioctl_create_vcpu / KVM_ARM_VCPU_INIT) */
int arm64_kvm_create_vm(struct arm64_kvm **out, const struct arm64_host_cpu *host,
			enum kvm_arm64_finalize_variant variant);
void arm64_kvm_destroy_vm(struct arm64_kvm *kvm);
int arm64_kvm_create_vcpu(struct arm64_kvm *kvm, struct arm64_kvm_vcpu **out);
int kvm_arm_vcpu_init(struct arm64_kvm_vcpu *vcpu, bool sve);
int kvm_arm_vcpu_finalize(struct arm64_kvm_vcpu *vcpu);
int kvm_vgic_create(struct arm64_kvm *kvm, u32 type);

/* The ioctls the steal_time selftest issues, with kvm_vcpu_ioctl()'s -EIO check. */
int arm64_kvm_vcpu_run(struct arm64_kvm_vcpu *vcpu, int pid);
int arm64_kvm_get_one_reg(struct arm64_kvm_vcpu *vcpu, u32 reg, u64 *val);
int arm64_kvm_set_one_reg(struct arm64_kvm_vcpu *vcpu, u32 reg, u64 val);
int arm64_kvm_set_pvtime_ipa(struct arm64_kvm_vcpu *vcpu, u64 ipa);

/* sys_regs.c / arm.c mirror */
u64 *__vm_id_reg(struct arm64_kvm *kvm, u32 reg);
u64 kvm_read_vm_id_reg(struct arm64_kvm *kvm, u32 reg);
void kvm_set_vm_id_reg(struct arm64_kvm *kvm, u32 reg, u64 val);
int kvm_finalize_sys_regs(struct arm64_kvm_vcpu *vcpu);
int kvm_arch_vcpu_run_pid_change(struct arm64_kvm_vcpu *vcpu);
int arm64_set_id_reg(struct arm64_kvm_vcpu *vcpu, u32 reg, u64 val);

/* KVM_BUG_ON() / WARN_ON_ONCE() of the model: *once is the call site's WARN_ON_ONCE state. */
bool arm64_kvm_bug_on(struct arm64_kvm *kvm, bool cond, bool *once, const char *where);
void arm64_kvm_warn_on_once(struct arm64_kvm *kvm, bool *once, const char *where);

/* ---- the reported scenario: tools/testing/selftests/kvm/steal_time.c on arm64 ---- */

struct arm64_steal_time_cfg {
	int nr_vcpus; /* NR_VCPUS (the selftest uses 4) */
	bool vgic_v3; /* false: userspace irqchip, as the selftest */
	enum kvm_arm64_finalize_variant variant;
	const struct arm64_host_cpu *host;
	int runs_per_vcpu; /* the selftest runs each vCPU 3 times */
};

#define ARM64_STEAL_TIME_MAX_STEPS 256

struct arm64_steal_time_step {
	const char *ioctl; /* "KVM_RUN", "KVM_SET_ONE_REG", ... */
	int vcpu;
	int rc;
	bool vm_dead_after;
};

struct arm64_steal_time_result {
	bool passed;	 /* every ioctl returned 0 */
	int failed_step; /* index of the first failing ioctl, -1 if none */
	int failed_vcpu;
	int failed_rc;
	bool vm_bugged;
	bool vm_dead;
	unsigned int warn_count;
	bool has_ran_once;
	u64 id_aa64pfr0_el1; /* final VM-wide values */
	u64 id_pfr1_el1;
	u64 host_id_aa64pfr0_el1;
	u64 host_id_pfr1_el1;
	unsigned int finalize_calls;
	unsigned int gic_clear_writes;
	unsigned int nr_steps;
	struct arm64_steal_time_step steps[ARM64_STEAL_TIME_MAX_STEPS];
	unsigned int log_nr;
	struct arm64_kvm_log log[ARM64_KVM_LOG_MAX];
};

int arm64_steal_time_run(const struct arm64_steal_time_cfg *cfg,
			 struct arm64_steal_time_result *res);

#endif
