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

#endif
