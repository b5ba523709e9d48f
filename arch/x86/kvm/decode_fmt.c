// SPDX-License-Identifier: GPL-2.0
/*
 * Intel-syntax formatter for a general-purpose subset, spelled as llvm-mc-19
 * -output-asm-variant=1 prints it (so the differential test can compare text). No kernel
 * counterpart (the kernel has no disassembler); x86_gpr_name() mirrors the register names
 * of arch/x86/include/asm/inat.h users. Subset (docs/model/apx.md): legacy/REX/REX2 forms
 * of MOV 88-8B, B8+r, C7 /0; the ALU r/m forms 00-3B; TEST 84/85; XCHG 86/87; LEA; PUSH/POP
 * 50-5F (PUSHP/POPP); NOP 90; RET C3; INT3; HLT; JMPABS. Anything else returns -EOPNOTSUPP.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kvmsim/x86_decode.h"

const char *x86_gpr_name(unsigned int reg, unsigned int size, bool rex)
{
	static const char *const q[32] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
		"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19",
		"r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31" };
	static const char *const d[16] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
	static const char *const w[8] = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di" };
	static const char *const b[8] = { "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil" };
	static const char *const h[4] = { "ah", "ch", "dh", "bh" };
	static char ext[32][4][16];
	static bool init;

	if (reg > 31)
		return "?";
	if (!init) {
		for (int r = 8; r < 32; r++) {
			snprintf(ext[r][0], sizeof(ext[r][0]), "r%db", r);
			snprintf(ext[r][1], sizeof(ext[r][1]), "r%dw", r);
			snprintf(ext[r][2], sizeof(ext[r][2]), "r%dd", r);
		}
		init = true;
	}
	switch (size) {
	case 8:
		return q[reg];
	case 4:
		return reg < 8 ? d[reg] : ext[reg][2];
	case 2:
		return reg < 8 ? w[reg] : ext[reg][1];
	case 1:
		if (reg < 8)
			return rex || reg < 4 ? b[reg] : h[reg - 4];
		return ext[reg][0];
	}
	return "?";
}

static const char *ptr_name(unsigned int size)
{
	return size == 1 ? "byte ptr " : size == 2 ? "word ptr " : size == 4 ? "dword ptr " : "qword ptr ";
}

/* The memory operand, as llvm prints it: [base + scale*index + disp]; returns -1 if not covered. */
static int fmt_mem(const struct x86_insn *in, u64 rip, char *o, size_t n, unsigned int size)
{
	const char *segs = NULL;
	size_t l = 0;
	bool any = false;
	unsigned int asz = in->adsize;

	if (asz == 2 || in->mode != 64)
		return -1;
	if (in->has_sib && in->no_index && ((in->base & 7) != 4 || in->scale || in->no_base))
		return -1; /* llvm prints riz forms */
	if (in->seg)
		segs = in->seg == 0x26 ? "es" : in->seg == 0x2e ? "cs" : in->seg == 0x36 ? "ss" :
		       in->seg == 0x3e ? "ds" : in->seg == 0x64 ? "fs" : "gs";
	l += snprintf(o + l, n - l, "%s%s%s[", size ? ptr_name(size) : "", segs ? segs : "",
		      segs ? ":" : "");
	if (in->rip_rel) {
		l += snprintf(o + l, n - l, "%s", asz == 4 ? "eip" : "rip");
		any = true;
	} else if (!in->no_base) {
		l += snprintf(o + l, n - l, "%s", x86_gpr_name(in->base, asz, true));
		any = true;
	}
	if (!in->no_index) {
		l += snprintf(o + l, n - l, "%s", any ? " + " : "");
		if (in->scale || !any)
			l += snprintf(o + l, n - l, "%d*", 1 << in->scale);
		l += snprintf(o + l, n - l, "%s", x86_gpr_name(in->index, asz, true));
		any = true;
	}
	if (in->disp_size && (in->disp || !any)) {
		s64 dsp = in->disp;

		if (!any)
			l += snprintf(o + l, n - l, "%lld", (long long)(asz == 4 ? (s64)(u32)dsp : dsp));
		else
			l += snprintf(o + l, n - l, " %c %lld", dsp < 0 ? '-' : '+',
				      (long long)(dsp < 0 ? -dsp : dsp));
	}
	l += snprintf(o + l, n - l, "]");
	return l < n ? 0 : -1;
}

static int rm_operand(const struct x86_insn *in, u64 rip, char *o, size_t n, unsigned int size,
		      bool rexb)
{
	if (in->mod == 3) {
		snprintf(o, n, "%s", x86_gpr_name(in->rm, size, rexb));
		return 0;
	}
	return fmt_mem(in, rip, o, n, size);
}

int x86_format_intel(const struct x86_insn *in, u64 rip, char *buf, size_t size)
{
	static const char *const alu[8] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };
	bool rexb = in->rex || in->enc == X86_ENC_REX2;
	unsigned int osz = in->opsize, op = in->opcode;
	char a[96], b[96];
	int r = -EOPNOTSUPP;

	snprintf(buf, size, "(bad)");
	if (!in->valid || in->enc == X86_ENC_VEX || in->enc == X86_ENC_EVEX || in->map != 0 ||
	    in->mode != 64 || in->nprefix > 1 || (in->prefixes & (X86_PFX_LOCK | X86_PFX_F2 | X86_PFX_F3 | X86_PFX_67)))
		return -EOPNOTSUPP;
	if (in->jmpabs)
		return snprintf(buf, size, "jmpabs %lld", (long long)in->imm);
	if ((op < 0x40 && (op & 7) < 4) || (op >= 0x84 && op <= 0x8b)) {
		unsigned int sz = (op & 1) ? osz : 1;
		const char *mn = op < 0x40 ? alu[op >> 3] : op < 0x86 ? "test" : op < 0x88 ? "xchg" : "mov";

		if (rm_operand(in, rip, a, sizeof(a), sz, rexb))
			return -EOPNOTSUPP;
		snprintf(b, sizeof(b), "%s", x86_gpr_name(in->reg, sz, rexb));
		if (op >= 0x84 && op <= 0x87 && in->mod == 3)
			return -EOPNOTSUPP; /* llvm's operand order for the register forms varies */
		if ((op & 2) && op != 0x86 && op != 0x87 && op != 0x84 && op != 0x85)
			r = snprintf(buf, size, "%s %s, %s", mn, b, a);
		else
			r = snprintf(buf, size, "%s %s, %s", mn, a, b);
		return r;
	}
	if (op == 0x8d) {
		if (fmt_mem(in, rip, a, sizeof(a), 0))
			return -EOPNOTSUPP;
		return snprintf(buf, size, "lea %s, %s", x86_gpr_name(in->reg, osz, rexb), a);
	}
	if ((op & 0xf0) == 0x50) {
		/* llvm 19 prints REX2 PUSH/POP as pushp/popp also with W=0: not compared */
		if (osz == 2 || (in->enc == X86_ENC_REX2 && !in->ppx))
			return -EOPNOTSUPP;
		return snprintf(buf, size, "%s%s %s", op < 0x58 ? "push" : "pop", in->ppx ? "p" : "",
				x86_gpr_name(in->opreg, 8, true));
	}
	if (op == 0x90 && !in->rex && in->enc == X86_ENC_LEGACY && !in->prefixes)
		return snprintf(buf, size, "nop");
	if (op == 0xc3 && !in->prefixes)
		return snprintf(buf, size, "ret");
	if (op == 0xcc && !in->prefixes)
		return snprintf(buf, size, "int3");
	if (op == 0xf4 && !in->prefixes)
		return snprintf(buf, size, "hlt");
	if (op >= 0xb8 && op <= 0xbf && osz != 2) {
		if (osz == 8)
			return snprintf(buf, size, "movabs %s, %lld", x86_gpr_name(in->opreg, 8, true),
					(long long)in->imm);
		return snprintf(buf, size, "mov %s, %llu", x86_gpr_name(in->opreg, 4, true),
				(unsigned long long)in->imm);
	}
	return -EOPNOTSUPP;
}
