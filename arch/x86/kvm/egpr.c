// SPDX-License-Identifier: GPL-2.0
/*
 * EGPR accessors and the APX XSAVE component; XCR0 validation.
 */
#include <errno.h>
#include <string.h>

#include "kvmsim/x86_apx.h"

/*
 * Models kvm_gpr_read() (RFC v1 01-03/20, arch/x86/kvm/x86.h): registers 0-15 from the
 * register cache, 16-31 from the EGPRs (the RFC reads them live from hardware through
 * kvm_read_egpr(); here they are plain storage), truncated to 32 bits outside 64-bit mode.
 * An out-of-range number returns 0 (the kernel WARNs).
 */
u64 kvm_gpr_read(const struct kvm_vcpu_apx *vcpu, unsigned int reg)
{
	u64 v;

	if (reg >= NR_VCPU_GPRS)
		return 0;
	v = vcpu->regs[reg];
	return vcpu->long_mode ? v : (u32)v;
}

/* Models kvm_gpr_write(): the value is truncated to 32 bits outside 64-bit mode. */
void kvm_gpr_write(struct kvm_vcpu_apx *vcpu, unsigned int reg, u64 val)
{
	if (reg >= NR_VCPU_GPRS)
		return;
	vcpu->regs[reg] = vcpu->long_mode ? val : (u32)val;
}

/* The XSAVE image (non-compacted): component 19 = R16..R31 at 960 (apx.md 1.1). */
void kvm_apx_save_xstate(const struct kvm_vcpu_apx *vcpu, u8 *xsave, size_t size)
{
	if (size < XSAVE_APX_OFFSET + XSAVE_APX_SIZE)
		return;
	memcpy(xsave + XSAVE_APX_OFFSET, &vcpu->regs[16], XSAVE_APX_SIZE);
}

void kvm_apx_load_xstate(struct kvm_vcpu_apx *vcpu, const u8 *xsave, size_t size)
{
	if (size < XSAVE_APX_OFFSET + XSAVE_APX_SIZE)
		return;
	memcpy(&vcpu->regs[16], xsave + XSAVE_APX_OFFSET, XSAVE_APX_SIZE);
}

/*
 * Models __kvm_set_xcr() (arch/x86/kvm/x86.c, v6.18 + APX v2 13/16): -EINVAL (#GP) for
 * unsupported bits, FP clear, YMM without SSE, partial MPX/AVX-512/AMX groups, AVX-512
 * without YMM, and BNDREGS together with APX.
 */
int __kvm_set_xcr(u64 supported_xcr0, u64 xcr0)
{
	if (xcr0 & ~supported_xcr0)
		return -EINVAL;
	if (!(xcr0 & XFEATURE_MASK_FP))
		return -EINVAL;
	if ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE))
		return -EINVAL;
	if (!(xcr0 & XFEATURE_MASK_BNDREGS) != !(xcr0 & XFEATURE_MASK_BNDCSR))
		return -EINVAL;
	if (xcr0 & XFEATURE_MASK_AVX512) {
		if (!(xcr0 & XFEATURE_MASK_YMM))
			return -EINVAL;
		if ((xcr0 & XFEATURE_MASK_AVX512) != XFEATURE_MASK_AVX512)
			return -EINVAL;
	}
	if ((xcr0 & XFEATURE_MASK_XTILE) && (xcr0 & XFEATURE_MASK_XTILE) != XFEATURE_MASK_XTILE)
		return -EINVAL;
	if ((xcr0 & XFEATURE_MASK_APX) && (xcr0 & XFEATURE_MASK_BNDREGS))
		return -EINVAL;
	return 0;
}
