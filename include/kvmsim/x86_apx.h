/* SPDX-License-Identifier: GPL-2.0 */
/*
 * APX guest state: 32 GPRs behind kvm_gpr_read/kvm_gpr_write, the XSAVE APX component
 * (19, 128 bytes at non-compacted offset 960) and XCR0 validation (apx.md 1.1, 3).
 */
#ifndef KVMSIM_X86_APX_H
#define KVMSIM_X86_APX_H

#include <stddef.h>

#include "kvmsim/types.h"

#define NR_VCPU_GPRS 32
#define XFEATURE_APX 19
#define XFEATURE_MASK_APX BIT_ULL(19)
#define XFEATURE_MASK_FP BIT_ULL(0)
#define XFEATURE_MASK_SSE BIT_ULL(1)
#define XFEATURE_MASK_YMM BIT_ULL(2)
#define XFEATURE_MASK_BNDREGS BIT_ULL(3)
#define XFEATURE_MASK_BNDCSR BIT_ULL(4)
#define XFEATURE_MASK_AVX512 (BIT_ULL(5) | BIT_ULL(6) | BIT_ULL(7))
#define XFEATURE_MASK_XTILE (BIT_ULL(17) | BIT_ULL(18))
#define XSAVE_APX_OFFSET 960
#define XSAVE_APX_SIZE 128

struct kvm_vcpu_apx {
	u64 regs[NR_VCPU_GPRS]; /* 0-15 the register cache, 16-31 the EGPRs */
	bool long_mode;		/* is_64_bit_mode() */
};

u64 kvm_gpr_read(const struct kvm_vcpu_apx *vcpu, unsigned int reg);
void kvm_gpr_write(struct kvm_vcpu_apx *vcpu, unsigned int reg, u64 val);
void kvm_apx_save_xstate(const struct kvm_vcpu_apx *vcpu, u8 *xsave, size_t size);
void kvm_apx_load_xstate(struct kvm_vcpu_apx *vcpu, const u8 *xsave, size_t size);
int __kvm_set_xcr(u64 supported_xcr0, u64 xcr0);

/*
 * CPUID/XCR0 exposure (RFC v1 17-19/20): the host's APX capability and what KVM reports.
 * KVM_SUPPORTED_XCR0 gains XFEATURE_MASK_APX; CPUID.(7,1).EDX[21] (APX_F) and leaf 0x29
 * are exposed exactly when APX is in the supported XCR0 ("XCR0 support and CPUID exposure
 * must land together"); SVM clears both; the maximum basic leaf goes from 0x24 to 0x29.
 */
#define X86_FEATURE_APX_BIT 21		/* CPUID.(EAX=7,ECX=1):EDX */
#define X86_FEATURE_APX_NCI_NDD_NF_BIT 0 /* CPUID.(EAX=0x29,ECX=0):EBX */
#define KVM_MAX_BASIC_LEAF 0x29
#define KVM_SUPPORTED_XCR0                                                                \
	(XFEATURE_MASK_FP | XFEATURE_MASK_SSE | XFEATURE_MASK_YMM | XFEATURE_MASK_BNDREGS | \
	 XFEATURE_MASK_BNDCSR | XFEATURE_MASK_AVX512 | XFEATURE_MASK_XTILE | XFEATURE_MASK_APX)

struct kvm_apx_host {
	u64 host_xcr0;	   /* what the host kernel enabled */
	bool apx_f;	   /* host CPUID.(7,1).EDX[21] */
	bool nci_ndd_nf;   /* host CPUID.(0x29,0).EBX[0] */
	bool svm;	   /* AMD SVM: no EGPR state in the VMCB, APX is hidden */
	u32 host_max_leaf; /* host CPUID.0.EAX */
};

struct kvm_cpuid_entry2 {
	u32 function, index, eax, ebx, ecx, edx;
};

u64 kvm_apx_supported_xcr0(const struct kvm_apx_host *h);
/* One leaf of KVM_GET_SUPPORTED_CPUID as far as APX is concerned (leaves 0, 7.1, 0xD, 0x29). */
int kvm_apx_get_cpuid(const struct kvm_apx_host *h, u32 function, u32 index,
		      struct kvm_cpuid_entry2 *e);

/*
 * VMX memory operand of an instruction exit (get_vmx_mem_address(), nested.c), with the
 * 5-bit base/index of the extended instruction-information field. seg_base: ES CS SS DS FS
 * GS. Returns 0 and the linear address, or -EFAULT with *vector = #UD (register operand),
 * #GP(0) or #SS(0) (non-canonical in 64-bit mode).
 */
int get_vmx_mem_address(const struct kvm_vcpu_apx *vcpu, const u64 seg_base[6], u64 exit_qual,
			u64 insn_info, bool extended, u64 *ret, u8 *vector);

/*
 * prepare_vmcs12() for the nested field (v2 07/16): vmcs12.extended_instruction_info at
 * offset 336 gets EXTENDED_INSTRUCTION_INFO only when L1's CPUID has APX.
 */
void nested_vmx_copy_ext_insn_info(u8 *vmcs12, size_t size, u64 ext_info, bool l1_has_apx);

#endif
