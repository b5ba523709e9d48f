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

/*
 * Models kvm_init_xstate_sizes()/kvm_caps.supported_xcr0 (x86.c) with RFC v1 18/20
 * (XFEATURE_MASK_APX in KVM_SUPPORTED_XCR0) and 17/20 (SVM clears APX). A host whose CPU
 * enumerates both MPX and APX runs without XSAVE ("x86/fpu/apx: Disallow conflicting MPX
 * presence"): nothing is supported then.
 */
u64 kvm_apx_supported_xcr0(const struct kvm_apx_host *h)
{
	u64 xcr0 = h->host_xcr0 & KVM_SUPPORTED_XCR0;

	if ((xcr0 & XFEATURE_MASK_APX) && (xcr0 & (XFEATURE_MASK_BNDREGS | XFEATURE_MASK_BNDCSR)))
		return 0;
	if (!h->apx_f || h->svm)
		xcr0 &= ~XFEATURE_MASK_APX;
	return xcr0;
}

/*
 * Models __do_cpuid_func() (cpuid.c, v6.18 + RFC v1 18-19/20) for the APX-related leaves:
 * 0 (max basic leaf, now up to 0x29), 7.1 (EDX[21] APX_F), 0xD (EDX:EAX of subleaf 0 =
 * supported XCR0; subleaf 19 = 128 bytes at offset 960) and 0x29 (EBX[0] APX_NCI_NDD_NF;
 * all zero unless APX is in the supported XCR0). -ENOENT for other leaves.
 */
int kvm_apx_get_cpuid(const struct kvm_apx_host *h, u32 function, u32 index,
		      struct kvm_cpuid_entry2 *e)
{
	u64 xcr0 = kvm_apx_supported_xcr0(h);
	bool apx = xcr0 & XFEATURE_MASK_APX;

	memset(e, 0, sizeof(*e));
	e->function = function;
	e->index = index;
	switch (function) {
	case 0:
		e->eax = h->host_max_leaf < KVM_MAX_BASIC_LEAF ? h->host_max_leaf : KVM_MAX_BASIC_LEAF;
		return 0;
	case 7:
		if (index == 1 && apx)
			e->edx = BIT(X86_FEATURE_APX_BIT);
		return 0;
	case 0xd:
		if (index == 0) {
			e->eax = (u32)xcr0;
			e->edx = (u32)(xcr0 >> 32);
		} else if (index == XFEATURE_APX && apx) {
			e->eax = XSAVE_APX_SIZE;
			e->ebx = XSAVE_APX_OFFSET;
		}
		return 0;
	case 0x29:
		if (index == 0 && apx && h->nci_ndd_nf)
			e->ebx = BIT(X86_FEATURE_APX_NCI_NDD_NF_BIT);
		return 0;
	}
	return -ENOENT;
}
