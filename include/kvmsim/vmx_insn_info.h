/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMX instruction information: the legacy 32-bit VMX_INSTRUCTION_INFO (0x440E) and APX's
 * 64-bit EXTENDED_INSTRUCTION_INFO (0x2406) behind one raw-u64 accessor set with shift/mask
 * helpers (Sean Christopherson's review of APX v2; apx.md 2.1, 2.2).
 */
#ifndef KVMSIM_VMX_INSN_INFO_H
#define KVMSIM_VMX_INSN_INFO_H

#include "kvmsim/types.h"

#define VMX_INSTRUCTION_INFO 0x0000440e
#define EXTENDED_INSTRUCTION_INFO 0x00002406
#define VMCS12_EXTENDED_INSTRUCTION_INFO_OFFSET 336

enum vmx_ii_field { II_SCALE, II_ASIZE, II_IS_REG, II_OPSIZE, II_SEG, II_INDEX_INVALID,
		    II_BASE_INVALID, II_REG1, II_INDEX, II_BASE, II_REG2, II_NR };

/* vmx_get_insn_info_field(): one field of the raw value; extended selects the layout. */
unsigned int vmx_get_insn_info_field(u64 info, bool extended, enum vmx_ii_field f);
/* vmx_get_exit_qual_gpr(): MOV-CR GPR, 5 bits when the host has APX, else 4. */
unsigned int vmx_get_exit_qual_gpr(u64 qual, bool host_apx);

#endif
