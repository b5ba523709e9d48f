// SPDX-License-Identifier: GPL-2.0
/*
 * Models the APX v2 series' vmx_get_insn_info() helpers (arch/x86/kvm/vmx/vmx.h) in the
 * raw-u64 + shift/mask form the maintainer asked for, and vmx_get_exit_qual_gpr()
 * (RFC 06/20, v2: 5-bit mask only with static_cpu_has(X86_FEATURE_APX)).
 */
#include "kvmsim/vmx_insn_info.h"

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
