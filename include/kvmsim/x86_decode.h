/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86 instruction decoder with APX (REX2, extended EVEX): length, validity (#UD with a
 * reason) and operand fields. Models the Linux instruction decoder (arch/x86/lib/insn.c,
 * insn_decode()) and its attribute tables (arch/x86/lib/x86-opcode-map.txt, inat.c), with
 * the APX rules of ../shared/spec/apx.md 1.2-1.5. See docs/model/apx.md for the covered
 * opcode space and the simplifications.
 */
#ifndef KVMSIM_X86_DECODE_H
#define KVMSIM_X86_DECODE_H

#include <stddef.h>

#include "kvmsim/types.h"

#define X86_MAX_INSN_SIZE 15

/* Why an instruction is not valid. X86_UD_NONE means valid. */
enum x86_ud_reason {
	X86_UD_NONE = 0,
	X86_UD_TRUNCATED,	/* the buffer ends inside the instruction */
	X86_UD_TOO_LONG,	/* more than 15 bytes (#GP on hardware) */
	X86_UD_OPCODE,		/* undefined opcode (or group member) */
	X86_UD_INVALID_64,	/* opcode invalid in 64-bit mode (i64) */
	X86_UD_REX_BEFORE_REX2, /* REX (40-4F) immediately before REX2 (apx.md 1.2) */
	X86_UD_AFTER_REX2,	/* REX/VEX/EVEX/REX2/legacy prefix/0F after REX2.M0=0 */
	X86_UD_REX2_RESERVED,	/* opcode reserved under REX2 (apx.md 1.2 table) */
	X86_UD_JMPABS,		/* JMPABS with REX2.W=1 or a 66/67/F2/F3/F0 prefix (apx.md 1.3) */
	X86_UD_VEX_PREFIX,	/* 66/F2/F3/F0/REX before VEX/EVEX */
	X86_UD_VEX_MAP,		/* reserved VEX/EVEX map */
	X86_UD_EVEX_RESERVED,	/* reserved EVEX field, or APX field outside map 4 */
	X86_UD_APX_FORM,	/* APX (map 4) form rules: ND/NF/pp/W/PUSH2/POP2 (apx.md 1.4-1.5) */
	X86_UD_MODRM,		/* mod=11 where memory is required or vice versa */
	X86_UD_LOCK,		/* LOCK on an instruction that does not allow it */
	X86_UD_APX_MODE,	/* REX2/APX outside 64-bit mode */
	X86_UD_NR
};

enum x86_encoding { X86_ENC_LEGACY, X86_ENC_REX2, X86_ENC_VEX, X86_ENC_EVEX };

/* Opcode maps. Legacy maps: 0 (one byte), 1 (0F), 2 (0F 38), 3 (0F 3A); VEX/EVEX maps by number. */
enum x86_map { X86_MAP0 = 0, X86_MAP_0F = 1, X86_MAP_0F38 = 2, X86_MAP_0F3A = 3, X86_MAP4 = 4 };

/* Legacy prefixes seen, as flags. */
#define X86_PFX_66 BIT(0)
#define X86_PFX_67 BIT(1)
#define X86_PFX_F2 BIT(2)
#define X86_PFX_F3 BIT(3)
#define X86_PFX_LOCK BIT(4)
#define X86_PFX_SEG BIT(5)

/* Immediate kinds, for the formatter and emulator. */
enum x86_imm_kind { X86_IMM_NONE, X86_IMM_VAL, X86_IMM_REL, X86_IMM_MOFFS, X86_IMM_FAR };

struct x86_insn {
	u8 mode;   /* 16, 32, 64 */
	u8 length; /* bytes consumed (valid), or where the decoder stopped */
	bool valid;
	enum x86_ud_reason ud;

	u8 enc; /* enum x86_encoding */
	u8 map; /* enum x86_map, or VEX/EVEX map number */
	u8 opcode;
	u8 opcode_off; /* offset of the opcode byte */

	u8 prefixes;	 /* X86_PFX_* */
	u8 last_rep;	 /* 0, 0xF2 or 0xF3: the last of them (mandatory-prefix role) */
	u8 seg;		 /* 0 none, else 0x26 0x2E 0x36 0x3E 0x64 0x65 (the last one) */
	u8 nprefix;	 /* legacy prefix bytes */
	u8 rex;		 /* REX byte in effect (0x40-0x4F), 0 if none */
	u8 rex2;	 /* REX2 payload, valid when enc == X86_ENC_REX2 */
	u8 vex[3];	 /* VEX/EVEX payload bytes (C5: 1, C4: 2, 62: 3) */

	/* Register-number extension bits (0 or 1), from REX/REX2/VEX/EVEX, normalised. */
	u8 w, r3, x3, b3, r4, x4, b4;

	/* VEX/EVEX fields, normalised (not inverted). */
	u8 vvvv;	/* 5-bit with EVEX V4 */
	u8 vl;		/* L (VEX) or L'L (EVEX) */
	u8 pp;		/* 0 none, 1 = 66, 2 = F3, 3 = F2 */
	u8 evex_nd;	/* EVEX.b as APX ND */
	u8 evex_nf;	/* EVEX aaa[2] as APX NF (map 4) */
	u8 evex_aaa, evex_z;

	/* ModRM / SIB with 5-bit register numbers. */
	bool has_modrm, has_sib;
	u8 modrm, sib;
	u8 mod;	    /* 0..3 */
	u8 reg;	    /* R4:R3:modrm.reg */
	u8 rm;	    /* B4:B3:modrm.rm (mod == 3: a register) */
	u8 base;    /* effective base register, valid unless no_base */
	u8 index;   /* X4:X3:sib.index, valid unless no_index */
	u8 scale;   /* 0..3 */
	bool no_base, no_index, rip_rel;
	u8 disp_size; /* 0, 1, 2, 4 */
	s32 disp;
	u8 opreg; /* opcode-embedded register (B4:B3:opcode[2:0]) for 50+r, B8+r ... */

	u8 imm_kind; /* enum x86_imm_kind */
	u8 imm_size; /* bytes */
	u8 imm2_size;
	u64 imm;     /* zero-extended raw value */
	u16 imm2;    /* ENTER's second immediate / far pointer selector */

	u8 opsize;   /* operand size in bytes: 2, 4, 8 (1 for byte ops is not tracked here) */
	u8 adsize;   /* address size in bytes: 2, 4, 8 */
	bool jmpabs; /* D5 <M0=0,W=0> A1 imm64 */
	bool ppx;    /* REX2.W on PUSH/POP, EVEX.W on PUSH2/POP2 */
};

/**
 * insn_decode() - decode one instruction.
 * @insn: result (always filled, also for invalid encodings)
 * @buf: bytes; never read past @len nor past 15 bytes
 * @len: bytes available
 * @mode: 16, 32 or 64
 *
 * Returns 0 when the instruction is valid, -EINVAL for #UD (insn->ud says why, and
 * insn->length where the decoder stopped), -ENODATA when the buffer ends inside it.
 */
int insn_decode(struct x86_insn *insn, const u8 *buf, size_t len, int mode);

const char *x86_ud_reason_str(enum x86_ud_reason r);

/**
 * x86_format_intel() - Intel-syntax text for general-purpose instructions, in the
 * spelling of llvm-mc -output-asm-variant=1 (see docs/model/apx.md for the subset).
 * @rip: address of the instruction (relative branch targets are printed absolute)
 * Returns the text length, or -EOPNOTSUPP if the instruction is outside the subset
 * (buf then holds "(bad)" or a raw opcode description).
 */
int x86_format_intel(const struct x86_insn *insn, u64 rip, char *buf, size_t size);

/* GPR names for 5-bit register numbers and size 1, 2, 4, 8 (rex: byte regs spl.. vs ah..). */
const char *x86_gpr_name(unsigned int reg, unsigned int size, bool rex);

#endif
