// SPDX-License-Identifier: GPL-2.0
/*
 * Models the APX v2 series' vmx_get_insn_info() helpers (arch/x86/kvm/vmx/vmx.h) in the
 * raw-u64 + shift/mask form the maintainer asked for, and vmx_get_exit_qual_gpr()
 * (RFC 06/20, v2: 5-bit mask only with static_cpu_has(X86_FEATURE_APX)).
 */
#include <errno.h>
#include <string.h>

#include "kvmsim/vmx_insn_info.h"
#include "kvmsim/x86_apx.h"

struct ii_pos {
	u8 shift, bits;
};

/* legacy layout: 1:0 scale, 6:3 reg1, 9:7 asize, 10 is_reg, 12:11 opsize, 17:15 seg,
 * 21:18 index, 22 index invalid, 26:23 base, 27 base invalid, 31:28 reg2 */
static const struct ii_pos legacy[II_NR] = {
	[II_SCALE] = { 0, 2 },	 [II_REG1] = { 3, 4 },	     [II_ASIZE] = { 7, 3 },
	[II_IS_REG] = { 10, 1 }, [II_OPSIZE] = { 11, 2 },    [II_SEG] = { 15, 3 },
	[II_INDEX] = { 18, 4 },	 [II_INDEX_INVALID] = { 22, 1 }, [II_BASE] = { 23, 4 },
	[II_BASE_INVALID] = { 27, 1 }, [II_REG2] = { 28, 4 },
};

/* extended layout (apx.md 2.1 table) */
static const struct ii_pos ext[II_NR] = {
	[II_SCALE] = { 0, 2 },	[II_ASIZE] = { 2, 2 },	   [II_IS_REG] = { 4, 1 },
	[II_OPSIZE] = { 5, 2 }, [II_SEG] = { 7, 3 },	   [II_INDEX_INVALID] = { 10, 1 },
	[II_BASE_INVALID] = { 11, 1 }, [II_REG1] = { 16, 5 }, [II_INDEX] = { 24, 5 },
	[II_BASE] = { 32, 5 },	[II_REG2] = { 40, 5 },
};

unsigned int vmx_get_insn_info_field(u64 info, bool extended, enum vmx_ii_field f)
{
	const struct ii_pos *p;

	if (f >= II_NR)
		return 0;
	p = extended ? &ext[f] : &legacy[f];
	if (!extended)
		info = (u32)info; /* vmcs_read32(VMX_INSTRUCTION_INFO) */
	return (info >> p->shift) & ((1u << p->bits) - 1);
}

unsigned int vmx_get_exit_qual_gpr(u64 qual, bool host_apx)
{
	return (qual >> 8) & (host_apx ? 0x1f : 0xf);
}

static bool is_noncanonical(u64 la)
{
	return (u64)((s64)(la << 16) >> 16) != la;
}

/*
 * Models get_vmx_mem_address() (arch/x86/kvm/vmx/nested.c, v6.18; RFC v1 05/20 passes the
 * instruction-information value so that the 5-bit registers of the extended layout are
 * used): offset = base + index << scale + displacement (the exit qualification), sign-
 * extended and truncated by the address size; 64-bit mode: only FS/GS bases, #GP(0)/#SS(0)
 * if non-canonical. Not modelled: the segment limit and access-rights checks of
 * protected mode (the segment base is added and the sum truncated to 32 bits).
 */
int get_vmx_mem_address(const struct kvm_vcpu_apx *vcpu, const u64 seg_base[6], u64 exit_qual,
			u64 insn_info, bool extended, u64 *ret, u8 *vector)
{
	unsigned int scaling = vmx_get_insn_info_field(insn_info, extended, II_SCALE);
	unsigned int addr_size = vmx_get_insn_info_field(insn_info, extended, II_ASIZE);
	unsigned int seg = vmx_get_insn_info_field(insn_info, extended, II_SEG);
	bool is_reg = vmx_get_insn_info_field(insn_info, extended, II_IS_REG);
	bool index_valid = !vmx_get_insn_info_field(insn_info, extended, II_INDEX_INVALID);
	bool base_valid = !vmx_get_insn_info_field(insn_info, extended, II_BASE_INVALID);
	u64 off = exit_qual;

	if (is_reg) {
		*vector = 6; /* UD_VECTOR */
		return -EFAULT;
	}
	if (seg > 5) {
		*vector = 13;
		return -EFAULT;
	}
	if (addr_size == 1)
		off = (u64)(s64)(s32)off;
	else if (addr_size == 0)
		off = (u64)(s64)(s16)off;
	if (base_valid)
		off += kvm_gpr_read(vcpu, vmx_get_insn_info_field(insn_info, extended, II_BASE));
	if (index_valid)
		off += kvm_gpr_read(vcpu, vmx_get_insn_info_field(insn_info, extended, II_INDEX))
		       << scaling;
	if (addr_size == 1)
		off &= 0xffffffff;
	else if (addr_size == 0)
		off &= 0xffff;
	if (vcpu->long_mode) {
		*ret = (seg == 4 || seg == 5) ? seg_base[seg] + off : off;
		if (is_noncanonical(*ret)) {
			*vector = seg == 2 ? 12 : 13; /* SS_VECTOR : GP_VECTOR */
			return -EFAULT;
		}
		return 0;
	}
	*ret = (u32)(seg_base[seg] + off);
	return 0;
}

void nested_vmx_copy_ext_insn_info(u8 *vmcs12, size_t size, u64 ext_info, bool l1_has_apx)
{
	if (!l1_has_apx || size < VMCS12_EXTENDED_INSTRUCTION_INFO_OFFSET + 8)
		return;
	memcpy(vmcs12 + VMCS12_EXTENDED_INSTRUCTION_INFO_OFFSET, &ext_info, 8);
}
