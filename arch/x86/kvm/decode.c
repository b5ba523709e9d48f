// SPDX-License-Identifier: GPL-2.0
/*
 * x86 instruction decoder with APX: legacy prefixes, REX, REX2 (maps 0 and 1), the 0F,
 * 0F38 and 0F3A maps, VEX (C4/C5) and EVEX (62) with APX's extended fields and map 4.
 *
 * Models the Linux instruction decoder, arch/x86/lib/insn.c (v6.18: insn_decode(),
 * insn_get_prefixes(), insn_get_opcode(), insn_get_modrm(), insn_get_sib(),
 * insn_get_displacement(), insn_get_immediate()) and its attribute tables generated from
 * arch/x86/lib/x86-opcode-map.txt (the "(!REX2)" tags of commit 159039af are the
 * A_NR2 flags below). Differences: one pass instead of the insn_get_*() chain; validity
 * (#UD with a reason) is decided here, where Linux leaves it to the caller; the table
 * covers the opcodes listed in docs/model/apx.md (the rest of the vector space is decoded
 * for length only, see the comments at the tables).
 */
#include <errno.h>
#include <string.h>

#include "kvmsim/x86_decode.h"

/* Attribute bits. */
#define A_M BIT(0)	  /* has ModRM */
#define A_I64 BIT(1)	  /* invalid in 64-bit mode */
#define A_NR2 BIT(2)	  /* #UD under REX2 (x86-opcode-map.txt "(!REX2)") */
#define A_UD BIT(3)	  /* undefined */
#define A_D64 BIT(4)	  /* default 64-bit operand size in 64-bit mode */
#define A_F64 BIT(5)	  /* near branch: operand size forced 64 in 64-bit mode */
#define A_MEM BIT(6)	  /* ModRM must address memory (mod != 3) */
#define A_REG BIT(7)	  /* ModRM must be a register (mod == 3) */
#define A_GRP BIT(8)	  /* validity/immediate depends on ModRM.reg: see group_check() */
#define A_PFX BIT(9)	  /* a prefix byte (handled by the prefix loop) */
#define A_ESC BIT(10)	  /* escape or VEX/EVEX/REX2 byte */
#define A_LOCK BIT(11)	  /* LOCK allowed with a memory destination */
#define A_O64 BIT(12)	  /* valid only in 64-bit mode */
#define A_MODREG BIT(13) /* mod is ignored and treated as 11 (MOV CR/DR) */

#define IMM_SHIFT 16
enum { I_NONE, I_B, I_W, I_Z, I_V, I_MOFFS, I_AP, I_WB, I_JB, I_JZ };
#define IB (I_B << IMM_SHIFT)
#define IW (I_W << IMM_SHIFT)
#define IZ (I_Z << IMM_SHIFT)
#define IV (I_V << IMM_SHIFT)
#define MOFFS (I_MOFFS << IMM_SHIFT)
#define AP (I_AP << IMM_SHIFT)
#define IWB (I_WB << IMM_SHIFT)
#define JB (I_JB << IMM_SHIFT)
#define JZ (I_JZ << IMM_SHIFT)
#define IMM_OF(a) (((a) >> IMM_SHIFT) & 0xf)

#define R8(x) x, x, x, x, x, x, x, x
#define ALU_ROW(esc_or_i64a, i64b) \
	A_M | A_LOCK, A_M | A_LOCK, A_M, A_M, IB, IZ, esc_or_i64a, i64b

/*
 * Map 0, the one-byte opcode table (SDM Vol. 2 Table A-2), 64-bit mode attributes;
 * 32/16-bit differences are handled in insn_decode().
 */
static const u32 map0_attr[256] = {
	/* 00 */ ALU_ROW(A_I64, A_I64), ALU_ROW(A_I64, A_ESC),
	/* 10 */ ALU_ROW(A_I64, A_I64), ALU_ROW(A_I64, A_I64),
	/* 20 */ ALU_ROW(A_PFX, A_I64), ALU_ROW(A_PFX, A_I64),
	/* 30 */ ALU_ROW(A_PFX, A_I64), A_M, A_M, A_M, A_M, IB, IZ, A_PFX, A_I64,
	/* 40 */ R8(A_PFX | A_NR2), R8(A_PFX | A_NR2),
	/* 50 */ R8(A_D64), R8(A_D64),
	/* 60 */ A_I64, A_I64, A_ESC, A_M, A_PFX, A_PFX, A_PFX, A_PFX,
	/* 68 */ IZ | A_D64, A_M | IZ, IB | A_D64, A_M | IB, 0, 0, 0, 0,
	/* 70 */ R8(JB | A_F64 | A_NR2), R8(JB | A_F64 | A_NR2),
	/* 80 */ A_M | IB | A_LOCK, A_M | IZ | A_LOCK, A_M | IB | A_I64 | A_LOCK, A_M | IB | A_LOCK,
	/* 84 */ A_M, A_M, A_M | A_LOCK, A_M | A_LOCK,
	/* 88 */ A_M, A_M, A_M, A_M, A_M | A_GRP, A_M | A_MEM, A_M | A_GRP, A_M | A_GRP | A_D64,
	/* 90 */ R8(0),
	/* 98 */ 0, 0, AP | A_I64, 0, A_D64, A_D64, 0, 0,
	/* A0 */ MOFFS | A_NR2, MOFFS | A_NR2, MOFFS | A_NR2, MOFFS | A_NR2, A_NR2, A_NR2, A_NR2, A_NR2,
	/* A8 */ IB | A_NR2, IZ | A_NR2, A_NR2, A_NR2, A_NR2, A_NR2, A_NR2, A_NR2,
	/* B0 */ R8(IB), R8(IV),
	/* C0 */ A_M | IB | A_GRP, A_M | IB | A_GRP, IW | A_F64, A_F64, A_ESC, A_ESC,
	/* C6 */ A_M | IB | A_GRP, A_M | IZ | A_GRP,
	/* C8 */ IWB | A_D64, A_D64, IW, 0, 0, IB, A_I64, 0,
	/* D0 */ A_M | A_GRP, A_M | A_GRP, A_M | A_GRP, A_M | A_GRP, IB | A_I64, A_ESC, A_I64, 0,
	/* D8 */ R8(A_M | A_GRP),
	/* E0 */ JB | A_F64 | A_NR2, JB | A_F64 | A_NR2, JB | A_F64 | A_NR2, JB | A_F64 | A_NR2,
	/* E4 */ IB | A_NR2, IB | A_NR2, IB | A_NR2, IB | A_NR2,
	/* E8 */ JZ | A_F64 | A_NR2, JZ | A_F64 | A_NR2, AP | A_I64 | A_NR2, JB | A_F64 | A_NR2,
	/* EC */ A_NR2, A_NR2, A_NR2, A_NR2,
	/* F0 */ A_PFX, 0, A_PFX, A_PFX, 0, 0, A_M | A_GRP | A_LOCK, A_M | A_GRP | A_LOCK,
	/* F8 */ 0, 0, 0, 0, 0, 0, A_M | A_GRP | A_LOCK, A_M | A_GRP | A_LOCK,
};

#define SSE A_M
/*
 * Map 1, the 0F table (SDM Table A-3), 64-bit attributes. Vector rows are modelled as
 * "ModRM, valid" (the mandatory-prefix holes are not modelled, docs/model/apx.md).
 */
static const u32 map1_attr[256] = {
	/* 00 */ A_M | A_GRP, A_M | A_GRP, A_M, A_M, A_UD, 0, 0, 0,
	/* 08 */ 0, 0, A_UD, 0, A_UD, A_M | A_MEM | A_GRP, 0, A_ESC,
	/* 10 */ R8(SSE),
	/* 18 */ A_M | A_GRP, A_M | A_GRP, A_M, A_M, A_M, A_M, A_M, A_M,
	/* 20 */ A_M | A_MODREG, A_M | A_MODREG, A_M | A_MODREG, A_M | A_MODREG, A_UD, A_UD, A_UD, A_UD,
	/* 28 */ R8(SSE),
	/* 30 */ A_NR2, A_NR2, A_NR2, A_NR2, A_NR2, A_NR2, A_UD | A_NR2, A_NR2,
	/* 38 */ A_ESC | A_NR2, A_UD, A_ESC | A_NR2, A_UD, A_UD, A_UD, A_UD, A_UD,
	/* 40 */ R8(A_M), R8(A_M),
	/* 50 */ R8(SSE), R8(SSE),
	/* 60 */ R8(SSE), R8(SSE),
	/* 70 */ SSE | IB, SSE | IB | A_GRP, SSE | IB | A_GRP, SSE | IB | A_GRP, SSE, SSE, SSE, 0,
	/* 78 */ A_M, A_M, A_UD, A_UD, SSE, SSE, SSE, SSE,
	/* 80 */ R8(JZ | A_F64 | A_NR2), R8(JZ | A_F64 | A_NR2),
	/* 90 */ R8(A_M), R8(A_M),
	/* A0 */ A_D64, A_D64, 0, A_M, A_M | IB, A_M, A_M | A_GRP, A_M | A_GRP,
	/* A8 */ A_D64, A_D64, 0, A_M | A_LOCK, A_M | IB, A_M, A_M | A_GRP, A_M,
	/* B0 */ A_M | A_LOCK, A_M | A_LOCK, A_M | A_MEM, A_M | A_LOCK, A_M | A_MEM, A_M | A_MEM, A_M, A_M,
	/* B8 */ A_M | A_GRP, A_M, A_M | IB | A_GRP | A_LOCK, A_M | A_LOCK, A_M, A_M, A_M, A_M,
	/* C0 */ A_M | A_LOCK, A_M | A_LOCK, SSE | IB, A_M | A_MEM, SSE | IB, SSE | IB | A_REG, SSE | IB,
	/* C7 */ A_M | A_GRP | A_LOCK,
	/* C8 */ R8(0),
	/* D0 */ R8(SSE), R8(SSE),
	/* E0 */ R8(SSE), R8(SSE),
	/* F0 */ R8(SSE), SSE, SSE, SSE, SSE, SSE, SSE, SSE, A_M | A_UD, /* FF: UD0 raises #UD */
};

static bool is_legacy_prefix(u8 b)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
		return true;
	}
	return false;
}

const char *x86_ud_reason_str(enum x86_ud_reason r)
{
	static const char *const s[X86_UD_NR] = {
		[X86_UD_NONE] = "",
		[X86_UD_TRUNCATED] = "truncated: the bytes end inside the instruction",
		[X86_UD_TOO_LONG] = "longer than 15 bytes",
		[X86_UD_OPCODE] = "undefined opcode",
		[X86_UD_INVALID_64] = "opcode invalid in 64-bit mode",
		[X86_UD_REX_BEFORE_REX2] = "REX prefix immediately before REX2",
		[X86_UD_AFTER_REX2] = "REX/VEX/EVEX/REX2/legacy-prefix/0F byte after REX2 with M0=0",
		[X86_UD_REX2_RESERVED] = "opcode reserved under REX2",
		[X86_UD_JMPABS] = "JMPABS with REX2.W=1 or a 66/67/F2/F3/F0 prefix",
		[X86_UD_VEX_PREFIX] = "66/F2/F3/F0/REX prefix before VEX/EVEX",
		[X86_UD_VEX_MAP] = "reserved VEX/EVEX opcode map",
		[X86_UD_EVEX_RESERVED] = "reserved EVEX payload bit",
		[X86_UD_APX_FORM] = "invalid APX EVEX form (ND/NF/pp/W or PUSH2/POP2 operands)",
		[X86_UD_MODRM] = "invalid ModRM form (register/memory)",
		[X86_UD_LOCK] = "LOCK prefix not allowed",
		[X86_UD_APX_MODE] = "APX encoding outside 64-bit mode",
	};
	return r < X86_UD_NR && s[r] ? s[r] : "?";
}

struct dstate {
	const u8 *buf;
	size_t len;
	size_t pos;
	int err; /* 0, or the first fetch failure */
};

/* Never reads past len nor past 15 bytes (insn_decode's guarantee). */
static inline bool fetch(struct dstate *d, u8 *b)
{
	if (d->pos >= X86_MAX_INSN_SIZE) {
		d->err = d->err ?: X86_UD_TOO_LONG;
		return false;
	}
	if (d->pos >= d->len) {
		d->err = d->err ?: X86_UD_TRUNCATED;
		return false;
	}
	*b = d->buf[d->pos++];
	return true;
}

static inline bool fetch_n(struct dstate *d, unsigned int n, u64 *v)
{
	u64 x = 0;
	u8 b;

	for (unsigned int i = 0; i < n; i++) {
		if (!fetch(d, &b))
			return false;
		x |= (u64)b << (8 * i);
	}
	*v = x;
	return true;
}

/* ModRM, SIB and displacement; Linux insn_get_modrm() + insn_get_sib() + insn_get_displacement(). */
static bool decode_modrm(struct x86_insn *in, struct dstate *d)
{
	u8 m, rm3;
	u64 v;

	if (!fetch(d, &m))
		return false;
	in->has_modrm = true;
	in->modrm = m;
	in->mod = m >> 6;
	rm3 = m & 7;
	in->reg = (m >> 3 & 7) | in->r3 << 3 | in->r4 << 4;
	in->rm = rm3 | in->b3 << 3 | in->b4 << 4;
	if (in->mod == 3)
		return true;

	if (in->adsize == 2) {
		/* 16-bit addressing: no SIB; the base/index pairs are decoded by the formatter */
		in->no_index = true;
		if (in->mod == 0 && rm3 == 6) {
			in->no_base = true;
			in->disp_size = 2;
		} else {
			in->disp_size = in->mod == 1 ? 1 : in->mod == 2 ? 2 : 0;
		}
	} else {
		in->no_index = true;
		in->base = in->rm;
		if (rm3 == 4) {
			u8 s;

			if (!fetch(d, &s))
				return false;
			in->has_sib = true;
			in->sib = s;
			in->scale = s >> 6;
			in->index = (s >> 3 & 7) | in->x3 << 3 | in->x4 << 4;
			/* "no index" only for X4:X3:index = 0:0:100 (apx.md 1.2) */
			in->no_index = in->index == 4;
			in->base = (s & 7) | in->b3 << 3 | in->b4 << 4;
			if ((s & 7) == 5 && in->mod == 0) {
				in->no_base = true;
				in->disp_size = 4;
			}
		} else if (rm3 == 5 && in->mod == 0) {
			in->no_base = true;
			in->rip_rel = in->mode == 64;
			in->disp_size = 4;
		}
		if (in->mod == 1)
			in->disp_size = 1;
		else if (in->mod == 2)
			in->disp_size = 4;
	}
	if (in->disp_size) {
		if (!fetch_n(d, in->disp_size, &v))
			return false;
		in->disp = in->disp_size == 1 ? (s8)v : in->disp_size == 2 ? (s16)v : (s32)v;
	}
	return true;
}

/* Group members (ModRM.reg) that are undefined; returns a ud reason or 0. */
static int group_check(struct x86_insn *in, u32 *attr)
{
	u8 r = in->modrm >> 3 & 7, mod3 = in->mod == 3;

	if (in->map == 0) {
		switch (in->opcode) {
		case 0x8c: /* MOV Ev, Sreg / MOV Sreg, Ew: six segment registers */
		case 0x8e:
			return r > 5 ? X86_UD_OPCODE : 0;
		case 0x8f: /* POP Ev: only /0 (others are AMD XOP, not modelled) */
			return r ? X86_UD_OPCODE : 0;
		case 0xc6:
		case 0xc7:
			if (r == 0)
				return 0;
			if (r == 7 && in->modrm == 0xf8) { /* XABORT ib / XBEGIN rel */
				if (in->opcode == 0xc7)
					*attr = (*attr & ~(0xfu << IMM_SHIFT)) | JZ;
				return 0;
			}
			return X86_UD_OPCODE;
		case 0xf6:
		case 0xf7:
			if (r == 0) /* TEST Ib/Iz */
				*attr |= in->opcode == 0xf6 ? IB : IZ;
			return r == 1 ? X86_UD_OPCODE : 0;
		case 0xfe:
			return r > 1 ? X86_UD_OPCODE : 0;
		case 0xff:
			if (r == 7)
				return X86_UD_OPCODE;
			if ((r == 3 || r == 5) && mod3)
				return X86_UD_MODRM;
			if (r == 2 || r == 4)
				*attr |= A_F64;
			if (r == 6)
				*attr |= A_D64;
			return 0;
		case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3:
			/* /6 is the undocumented SAL alias: not decoded (as llvm-mc) */
			return r == 6 ? X86_UD_OPCODE : 0;
		default: /* x87 D8-DF: memory holes, and the register forms with holes */
			if (!mod3) {
				if ((in->opcode == 0xd9 && r == 1) ||
				    (in->opcode == 0xdb && (r == 4 || r == 6)) ||
				    (in->opcode == 0xdd && r == 5))
					return X86_UD_OPCODE;
				return 0;
			}
			switch (in->opcode) {
			case 0xd9: /* D9 D1-DF, E2 E3 E6 E7, EF: undefined (D8-DF: FSTP1 alias) */
				if ((in->modrm >= 0xd1 && in->modrm <= 0xdf) || in->modrm == 0xe2 ||
				    in->modrm == 0xe3 || in->modrm == 0xe6 || in->modrm == 0xe7 ||
				    in->modrm == 0xef)
					return X86_UD_OPCODE;
				return 0;
			case 0xda: /* DA E0-E8, EA-FF */
				return in->modrm >= 0xe0 && in->modrm != 0xe9 ? X86_UD_OPCODE : 0;
			case 0xdb: /* DB E0-E7 (except E2 E3), F8-FF */
				if ((in->modrm >= 0xe0 && in->modrm <= 0xe7 && in->modrm != 0xe2 &&
				     in->modrm != 0xe3) || in->modrm >= 0xf8)
					return X86_UD_OPCODE;
				return 0;
			case 0xde: /* DE D0-D7, D8 DA-DF */
				return (in->modrm >= 0xd0 && in->modrm <= 0xd8) ||
					       (in->modrm >= 0xda && in->modrm <= 0xdf) ?
					       X86_UD_OPCODE :
					       0;
			case 0xdc: /* DC D0-DF: FCOM2/FCOMP3 aliases, not decoded */
				return in->modrm >= 0xd0 && in->modrm <= 0xdf ? X86_UD_OPCODE : 0;
			case 0xdf: /* DF C0-C7 (FFREEP), E0 (FNSTSW AX), E8-F7 */
				return in->modrm <= 0xc7 || in->modrm == 0xe0 ||
					       (in->modrm >= 0xe8 && in->modrm <= 0xf7) ?
					       0 :
					       X86_UD_OPCODE;
			case 0xdd: /* DD C8-CF, F0-FF */
				return (in->modrm >= 0xc8 && in->modrm <= 0xcf) || in->modrm >= 0xf0 ?
					       X86_UD_OPCODE :
					       0;
			}
			return 0;
		}
	}
	/* map 1 */
	switch (in->opcode) {
	case 0x00: /* SLDT STR LLDT LTR VERR VERW; F2 /6 LKGS (64-bit); /7 undefined */
		if (r == 6 && in->last_rep == 0xf2 && in->mode == 64)
			return 0;
		return r >= 6 ? X86_UD_OPCODE : 0;
	case 0x01: /* memory forms; the mod=3 system instructions are not modelled */
		if (mod3)
			return X86_UD_OPCODE;
		return r == 5 ? X86_UD_OPCODE : 0;
	case 0xa6: /* VIA PadLock: XSHA1 XSHA256 (and MONTMUL C0) */
		return in->modrm == 0xc0 || in->modrm == 0xc8 || in->modrm == 0xd0 ? 0 : X86_UD_OPCODE;
	case 0xa7: /* VIA PadLock: XSTORE XCRYPTECB/CBC/CTR/CFB/OFB */
		return mod3 && !(in->modrm & 7) && in->modrm <= 0xe8 ? 0 : X86_UD_OPCODE;
	case 0x0d: /* PREFETCH /0, PREFETCHW /1, PREFETCHWT1 /2 */
		return r > 2 ? X86_UD_OPCODE : 0;
	case 0x18: /* PREFETCHh /0-/3, PREFETCHIT1 /6, PREFETCHIT0 /7: memory only */
		if (mod3)
			return X86_UD_MODRM;
		if (r >= 6 && in->mode != 64)
			return X86_UD_OPCODE; /* PREFETCHITx: 64-bit only */
		return r == 4 || r == 5 ? X86_UD_OPCODE : 0;
	case 0x71: case 0x72: case 0x73: /* shift-by-immediate groups: register only */
		return mod3 ? 0 : X86_UD_MODRM;
	case 0xae: /* FXSAVE..CLFLUSH memory forms; register forms not modelled */
		return mod3 ? X86_UD_OPCODE : 0;
	case 0xb8: /* POPCNT needs F3 (JMPE is not decoded) */
		return in->last_rep == 0xf3 ? 0 : X86_UD_OPCODE;
	case 0xba:
		return r < 4 ? X86_UD_OPCODE : 0;
	case 0xc7: /* CMPXCHG8B/16B memory only; others not modelled */
		return r == 1 && !mod3 ? 0 : X86_UD_OPCODE;
	}
	return 0;
}

/* Opcode bytes reserved under REX2, apx.md 1.2; map 0 bytes that cannot follow REX2.M0=0. */
static int rex2_opcode_check(const struct x86_insn *in)
{
	u8 op = in->opcode;

	if (in->map == 0) {
		if (is_legacy_prefix(op) || (op & 0xf0) == 0x40 || op == 0x0f || op == 0xc4 ||
		    op == 0xc5 || op == 0x62 || op == 0xd5)
			return X86_UD_AFTER_REX2;
		if ((op & 0xf0) == 0x70 || (op & 0xf0) == 0xa0 || (op & 0xf0) == 0xe0)
			return X86_UD_REX2_RESERVED;
		return 0;
	}
	if ((op >= 0x30 && op <= 0x37) || (op & 0xf0) == 0x80 || op == 0x38 || op == 0x3a ||
	    op == 0x0f)
		return X86_UD_REX2_RESERVED;
	return 0;
}

static int decode_evex(struct x86_insn *in, struct dstate *d);
static int decode_vex(struct x86_insn *in, struct dstate *d, u8 first);

static void set_sizes(struct x86_insn *in, u32 attr)
{
	int mode = in->mode;
	bool p66 = in->prefixes & X86_PFX_66, p67 = in->prefixes & X86_PFX_67;

	if (mode == 64)
		in->adsize = p67 ? 4 : 8;
	else if (mode == 32)
		in->adsize = p67 ? 2 : 4;
	else
		in->adsize = p67 ? 4 : 2;

	if (mode == 64) {
		if (in->w)
			in->opsize = 8;
		else if (attr & A_F64)
			in->opsize = 8;
		else if (p66)
			in->opsize = 2;
		else
			in->opsize = attr & A_D64 ? 8 : 4;
	} else {
		in->opsize = (mode == 32) != p66 ? 4 : 2;
	}
}

static int decode_imm(struct x86_insn *in, struct dstate *d, u32 attr)
{
	u64 v;
	unsigned int n = 0;
	bool p66 = in->prefixes & X86_PFX_66;

	switch (IMM_OF(attr)) {
	case I_NONE:
		return 0;
	case I_B:
		n = 1;
		in->imm_kind = X86_IMM_VAL;
		break;
	case I_JB:
		n = 1;
		in->imm_kind = X86_IMM_REL;
		break;
	case I_W:
		n = 2;
		in->imm_kind = X86_IMM_VAL;
		break;
	case I_Z:
		n = in->opsize == 2 ? 2 : 4;
		in->imm_kind = X86_IMM_VAL;
		break;
	case I_V:
		n = in->opsize;
		in->imm_kind = X86_IMM_VAL;
		break;
	case I_JZ:
		/*
		 * Intel: in 64-bit mode near branches ignore 66 and take rel32 (SDM JMP/Jcc/CALL).
		 * llvm-mc decodes 66 E9 / 66 0F 8x with rel16: a listed deviation.
		 */
		n = in->mode == 64 ? 4 : (p66 ? (in->mode == 32 ? 2 : 4) : (in->mode == 16 ? 2 : 4));
		if (in->mode == 64 && in->map == 0 && in->opcode == 0xc7) /* XBEGIN */
			n = p66 ? 2 : 4;
		in->imm_kind = X86_IMM_REL;
		break;
	case I_MOFFS:
		n = in->jmpabs ? 8 : in->adsize;
		in->imm_kind = in->jmpabs ? X86_IMM_VAL : X86_IMM_MOFFS;
		break;
	case I_AP:
		n = in->opsize == 2 ? 2 : 4;
		in->imm_kind = X86_IMM_FAR;
		if (!fetch_n(d, n, &v))
			return -1;
		in->imm = v;
		in->imm_size = n;
		if (!fetch_n(d, 2, &v))
			return -1;
		in->imm2 = v;
		in->imm2_size = 2;
		return 0;
	case I_WB:
		in->imm_kind = X86_IMM_VAL;
		if (!fetch_n(d, 2, &v))
			return -1;
		in->imm = v;
		in->imm_size = 2;
		if (!fetch_n(d, 1, &v))
			return -1;
		in->imm2 = v;
		in->imm2_size = 1;
		return 0;
	}
	if (!fetch_n(d, n, &v))
		return -1;
	in->imm = v;
	in->imm_size = n;
	return 0;
}

static int finish(struct x86_insn *in, struct dstate *d, int ud)
{
	if (d->err)
		ud = d->err;
	in->length = d->pos;
	in->ud = ud;
	in->valid = !ud;
	if (!ud)
		return 0;
	return ud == X86_UD_TRUNCATED ? -ENODATA : -EINVAL;
}

/*
 * Legacy map 0F38 / 0F3A: the opcodes modelled (GPR ones and common SSE ones with their
 * mandatory prefixes). 0 = not modelled/undefined, else a mask of allowed mandatory
 * prefixes: bit 0 none, bit 1 66, bit 2 F3, bit 3 F2.
 */
static u8 map2_ok(u8 op)
{
	if (op <= 0x0b)
		return 3; /* PSHUFB..PMULHRSW, MMX and 66 */
	if (op >= 0x1c && op <= 0x1e)
		return 3;
	if ((op >= 0x20 && op <= 0x25) || (op >= 0x28 && op <= 0x2b) || (op >= 0x30 && op <= 0x35) ||
	    (op >= 0x37 && op <= 0x41) || op == 0x10 || op == 0x14 || op == 0x15 || op == 0x17)
		return 2;
	if (op == 0xf0 || op == 0xf1) /* MOVBE (none/66), CRC32 (F2, 66 F2) */
		return 1 | 2 | 8;
	if (op == 0xf6)
		return 1 | 2 | 4; /* WRSS (memory) / ADCX / ADOX */
	return 0;
}

static u8 map3_ok(u8 op)
{
	if (op == 0x0f)
		return 3; /* PALIGNR */
	if ((op >= 0x08 && op <= 0x0e) || (op >= 0x14 && op <= 0x17) || (op >= 0x20 && op <= 0x22) ||
	    (op >= 0x40 && op <= 0x42) || op == 0x44 || (op >= 0x60 && op <= 0x63))
		return 2;
	return 0;
}

int insn_decode(struct x86_insn *in, const u8 *buf, size_t len, int mode)
{
	struct dstate d = { .buf = buf, .len = len };
	int rex_pos = -1, ud = 0;
	u32 attr;
	u8 b;

	memset(in, 0, sizeof(*in));
	in->mode = mode;
	if (mode != 16 && mode != 32 && mode != 64)
		return -EINVAL;

	/* insn_get_prefixes(): legacy prefixes and REX; a REX followed by anything but the
	 * opcode or REX2 is ignored. */
	for (;;) {
		if (!fetch(&d, &b))
			return finish(in, &d, 0);
		if (is_legacy_prefix(b)) {
			in->nprefix++;
			switch (b) {
			case 0x66: in->prefixes |= X86_PFX_66; break;
			case 0x67: in->prefixes |= X86_PFX_67; break;
			case 0xf0: in->prefixes |= X86_PFX_LOCK; break;
			case 0xf2: case 0xf3: in->last_rep = b; in->prefixes |= b == 0xf2 ? X86_PFX_F2 : X86_PFX_F3; break;
			default: in->seg = b; in->prefixes |= X86_PFX_SEG; break;
			}
			in->rex = 0;
			rex_pos = -1;
			continue;
		}
		if (mode == 64 && (b & 0xf0) == 0x40) {
			in->rex = b;
			rex_pos = d.pos - 1;
			continue;
		}
		break;
	}
	if (in->rex) {
		in->w = in->rex >> 3 & 1;
		in->r3 = in->rex >> 2 & 1;
		in->x3 = in->rex >> 1 & 1;
		in->b3 = in->rex & 1;
	}

	/* REX2, apx.md 1.2 (Linux insn_get_prefixes() + insn_rex2_m_bit()). */
	if (b == 0xd5 && mode == 64) {
		u8 p;

		if (rex_pos >= 0 && rex_pos == (int)d.pos - 2)
			ud = X86_UD_REX_BEFORE_REX2;
		if (!fetch(&d, &p))
			return finish(in, &d, 0);
		in->enc = X86_ENC_REX2;
		in->rex = 0;
		in->rex2 = p;
		in->b3 = p & 1;
		in->x3 = p >> 1 & 1;
		in->r3 = p >> 2 & 1;
		in->w = p >> 3 & 1;
		in->b4 = p >> 4 & 1;
		in->x4 = p >> 5 & 1;
		in->r4 = p >> 6 & 1;
		in->map = p >> 7;
		in->opcode_off = d.pos;
		if (!fetch(&d, &in->opcode))
			return finish(in, &d, 0);
		if (ud)
			return finish(in, &d, ud);
		ud = rex2_opcode_check(in);
		if (in->map == 0 && in->opcode == 0xa1) {
			/* JMPABS: M0=0, W=0, no 66/67/F2/F3/F0 (apx.md 1.3) */
			if (in->w || (in->prefixes & (X86_PFX_66 | X86_PFX_67 | X86_PFX_F2 |
						      X86_PFX_F3 | X86_PFX_LOCK)))
				return finish(in, &d, X86_UD_JMPABS);
			in->jmpabs = true;
			ud = 0;
		}
		if (ud)
			return finish(in, &d, ud);
		attr = in->map ? map1_attr[in->opcode] : map0_attr[in->opcode];
		goto have_opcode;
	}

	if ((b == 0xc4 || b == 0xc5 || b == 0x62) || (b == 0xd5 && mode != 64)) {
		if (b == 0xd5) { /* AAD imm8, 32/16-bit */
			in->opcode = b;
			in->opcode_off = d.pos - 1;
			attr = IB;
			goto have_opcode;
		}
		/* VEX/EVEX in 32/16-bit mode only when the next byte has mod = 11 (else LES/LDS/BOUND) */
		if (mode != 64) {
			if (d.pos >= d.len || d.pos >= X86_MAX_INSN_SIZE || (buf[d.pos] & 0xc0) != 0xc0) {
				in->opcode = b;
				in->opcode_off = d.pos - 1;
				attr = b == 0x62 ? A_M | A_MEM : A_M | A_MEM;
				goto have_opcode;
			}
		}
		if (in->rex || (in->prefixes & (X86_PFX_66 | X86_PFX_F2 | X86_PFX_F3 | X86_PFX_LOCK)))
			ud = X86_UD_VEX_PREFIX;
		if (b == 0x62)
			ud = decode_evex(in, &d) ?: ud;
		else
			ud = decode_vex(in, &d, b) ?: ud;
		return finish(in, &d, ud);
	}

	/* insn_get_opcode(): escapes */
	in->opcode_off = d.pos - 1;
	in->opcode = b;
	in->map = 0;
	attr = map0_attr[b];
	if (b == 0x0f) {
		in->opcode_off = d.pos;
		if (!fetch(&d, &b))
			return finish(in, &d, 0);
		if (b == 0x38 || b == 0x3a) {
			u8 ok, pfx;

			in->map = b == 0x38 ? 2 : 3;
			in->opcode_off = d.pos;
			if (!fetch(&d, &in->opcode))
				return finish(in, &d, 0);
			set_sizes(in, 0);
			if (!decode_modrm(in, &d))
				return finish(in, &d, 0);
			if (in->map == 3 && decode_imm(in, &d, IB))
				return finish(in, &d, 0);
			ok = in->map == 2 ? map2_ok(in->opcode) : map3_ok(in->opcode);
			pfx = in->last_rep == 0xf3 ? 4 : in->last_rep == 0xf2 ? 8 :
			      (in->prefixes & X86_PFX_66) ? 2 : 1;
			if (!(ok & pfx))
				return finish(in, &d, X86_UD_OPCODE);
			if (in->map == 2 && ((in->opcode >= 0xf0 && in->opcode <= 0xf1 && pfx != 8) ||
					     (in->opcode == 0xf6 && pfx == 1)) &&
			    in->mod == 3) /* MOVBE, WRSS are memory only */
				return finish(in, &d, X86_UD_MODRM);
			if (in->prefixes & X86_PFX_LOCK)
				return finish(in, &d, X86_UD_LOCK);
			return finish(in, &d, 0);
		}
		in->map = 1;
		in->opcode = b;
		attr = map1_attr[b];
		if (b == 0x0f) { /* 3DNow!: llvm-mc 19 no longer decodes it */
			return finish(in, &d, X86_UD_OPCODE);
		}
	}

	if (mode != 64) {
		/* 32/16-bit differences of map 0 */
		if (in->map == 0) {
			if ((b & 0xf0) == 0x40)
				attr = 0; /* INC/DEC r */
			else if (b == 0x63)
				attr = A_M; /* ARPL */
			else if (b == 0x06 || b == 0x07 || b == 0x0e || b == 0x16 || b == 0x17 ||
				 b == 0x1e || b == 0x1f || b == 0x27 || b == 0x2f || b == 0x37 ||
				 b == 0x3f || b == 0x60 || b == 0x61 || b == 0xce || b == 0xd6)
				attr = 0;
			else if (b == 0x82)
				attr = A_M | IB | A_LOCK;
			else if (b == 0x9a || b == 0xea)
				attr = AP;
			else if (b == 0xd4)
				attr = IB;
			attr &= ~(A_D64 | A_F64);
		} else {
			attr &= ~(A_D64 | A_F64);
		}
	}

have_opcode:
	if (attr & A_UD)
		return finish(in, &d, X86_UD_OPCODE);
	if (mode == 64 && (attr & A_I64))
		return finish(in, &d, X86_UD_INVALID_64);
	if ((attr & A_ESC) || (attr & A_PFX)) /* cannot happen outside REX2 */
		return finish(in, &d, X86_UD_OPCODE);
	set_sizes(in, attr);
	if (in->enc == X86_ENC_REX2 || in->rex)
		in->opreg = (in->opcode & 7) | in->b3 << 3 | in->b4 << 4;
	else
		in->opreg = in->opcode & 7;
	if (in->enc == X86_ENC_REX2 && in->map == 0 && in->w &&
	    (in->opcode & 0xf0) == 0x50)
		in->ppx = true; /* PUSHP/POPP, apx.md 1.4 */

	if (attr & A_M) {
		if (!decode_modrm(in, &d))
			return finish(in, &d, 0);
		if (attr & A_GRP) {
			ud = group_check(in, &attr);
			if (ud) {
				/* consume the immediate anyway so that length stays meaningful */
				decode_imm(in, &d, attr);
				return finish(in, &d, ud);
			}
			set_sizes(in, attr);
		}
	} else if (attr & A_GRP) {
		ud = group_check(in, &attr);
		if (ud)
			return finish(in, &d, ud);
	}
	if (decode_imm(in, &d, attr))
		return finish(in, &d, 0);
	if (in->has_modrm && (attr & A_MEM) && in->mod == 3)
		return finish(in, &d, X86_UD_MODRM);
	if (in->has_modrm && (attr & A_REG) && in->mod != 3)
		return finish(in, &d, X86_UD_MODRM);
	if (in->prefixes & X86_PFX_LOCK) {
		/* LOCK: only the read-modify-write forms with a memory destination */
		bool ok = (attr & A_LOCK) && in->has_modrm && in->mod != 3;

		if (in->map == 0 && (in->opcode == 0xf6 || in->opcode == 0xf7) &&
		    ((in->modrm >> 3 & 7) < 2 || (in->modrm >> 3 & 7) > 3))
			ok = false; /* only NOT/NEG */
		if (in->map == 0 && (in->opcode & 0xfe) == 0x80 && (in->modrm >> 3 & 7) == 7)
			ok = false; /* CMP */
		if (in->map == 0 && in->opcode == 0x82 && (in->modrm >> 3 & 7) == 7)
			ok = false;
		if (in->map == 0 && in->opcode == 0x83 && (in->modrm >> 3 & 7) == 7)
			ok = false;
		if (in->map == 0 && in->opcode == 0xff && (in->modrm >> 3 & 7) > 1)
			ok = false;
		if (in->map == 0 && (in->opcode & 0xfe) == 0x38)
			ok = false;
		if (in->map == 1 && in->opcode == 0xba && (in->modrm >> 3 & 7) == 4)
			ok = false; /* BT */
		if (!ok)
			return finish(in, &d, X86_UD_LOCK);
	}
	return finish(in, &d, 0);
}

/* VEX (C4/C5): length and the modelled opcode set (BMI1/BMI2 and a few AVX). */
static int decode_vex(struct x86_insn *in, struct dstate *d, u8 first)
{
	u8 p0, p1 = 0;
	int ud = 0;

	in->enc = X86_ENC_VEX;
	if (!fetch(d, &p0))
		return 0;
	in->vex[0] = p0;
	if (first == 0xc5) {
		in->r3 = !(p0 >> 7);
		in->map = 1;
		in->vvvv = (~p0 >> 3) & 0xf;
		in->vl = p0 >> 2 & 1;
		in->pp = p0 & 3;
	} else {
		if (!fetch(d, &p1))
			return 0;
		in->vex[1] = p1;
		in->r3 = !(p0 >> 7);
		in->x3 = !(p0 >> 6 & 1);
		in->b3 = !(p0 >> 5 & 1);
		in->map = p0 & 0x1f;
		in->w = p1 >> 7;
		in->vvvv = (~p1 >> 3) & 0xf;
		in->vl = p1 >> 2 & 1;
		in->pp = p1 & 3;
	}
	if (in->mode != 64) {
		in->r3 = in->x3 = in->b3 = 0;
		in->vvvv &= 7; /* vvvv[3] is ignored outside 64-bit mode */
	}
	in->opcode_off = d->pos;
	if (!fetch(d, &in->opcode))
		return 0;
	if (in->map < 1 || in->map > 3)
		return X86_UD_VEX_MAP;
	if (ud)
		return ud;
	set_sizes(in, 0);
	in->opsize = in->mode == 64 && in->w ? 8 : 4;
	if (!decode_modrm(in, d))
		return 0;
	if (in->map == 3)
		if (decode_imm(in, d, IB))
			return 0;
	/* BMI1/BMI2 (SDM Vol. 2: VEX.LZ, L must be 0) */
	if (in->map == 2) {
		switch (in->opcode) {
		case 0xf2: /* ANDN: NP */
			ud = in->pp == 0 ? 0 : X86_UD_OPCODE;
			break;
		case 0xf3: { /* BLSR/BLSMSK/BLSI: NP /1 /2 /3 */
			u8 r = in->modrm >> 3 & 7;

			ud = in->pp == 0 && r >= 1 && r <= 3 ? 0 : X86_UD_OPCODE;
			break;
		}
		case 0xf5: /* BZHI NP, PEXT F3, PDEP F2 */
			ud = in->pp == 1 ? X86_UD_OPCODE : 0;
			break;
		case 0xf6: /* MULX F2 */
			ud = in->pp == 3 ? 0 : X86_UD_OPCODE;
			break;
		case 0xf7: /* BEXTR NP, SHLX 66, SARX F3, SHRX F2 */
			ud = 0;
			break;
		default:
			ud = X86_UD_OPCODE;
		}
		if (!ud && in->vl)
			ud = X86_UD_OPCODE;
	} else if (in->map == 3) {
		/* RORX: VEX.LZ.F2.0F3A, vvvv must be 1111b */
		ud = in->opcode == 0xf0 && in->pp == 3 && !in->vl && (in->vex[1] & 0x78) == 0x78 ?
			     0 : X86_UD_OPCODE;
	} else {
		/* map 1: VPADDD/VPXOR-type integer ops (66 pp), 128/256 */
		switch (in->opcode) {
		case 0xfe: case 0xfa: case 0xef: case 0xeb: case 0xdb: case 0xd4: case 0xfb:
			ud = in->pp == 1 ? 0 : X86_UD_OPCODE;
			break;
		default:
			ud = X86_UD_OPCODE;
		}
	}
	return ud;
}

/*
 * EVEX (62). Map 4 is APX's legacy-promoted map (apx.md 1.4-1.5); the modelled opcodes
 * are checked for ND/NF/pp/W rules; other maps are decoded for length and reported as
 * not modelled (X86_UD_OPCODE).
 */
static int evex_map4_check(struct x86_insn *in, u32 *attr);

static int decode_evex(struct x86_insn *in, struct dstate *d)
{
	u8 p0, p1, p2;
	u32 attr = A_M;
	int ud = 0;

	in->enc = X86_ENC_EVEX;
	if (!fetch(d, &p0) || !fetch(d, &p1) || !fetch(d, &p2))
		return 0;
	in->vex[0] = p0;
	in->vex[1] = p1;
	in->vex[2] = p2;
	in->r3 = !(p0 >> 7);
	in->x3 = !(p0 >> 6 & 1);
	in->b3 = !(p0 >> 5 & 1);
	in->r4 = !(p0 >> 4 & 1);
	in->b4 = p0 >> 3 & 1;
	in->map = p0 & 7;
	in->w = p1 >> 7;
	in->vvvv = ((~p1 >> 3) & 0xf) | (!(p2 >> 3 & 1)) << 4;
	in->x4 = !(p1 >> 2 & 1);
	in->pp = p1 & 3;
	in->evex_z = p2 >> 7;
	in->vl = p2 >> 5 & 3;
	in->evex_nd = p2 >> 4 & 1;
	in->evex_aaa = p2 & 7;
	in->evex_nf = p2 >> 2 & 1;
	in->opcode_off = d->pos;
	if (!fetch(d, &in->opcode))
		return 0;
	if (in->mode != 64) {
		in->r4 = in->b4 = in->x4 = 0;
		in->r3 = in->x3 = in->b3 = 0;
		in->vvvv &= 7;
	}
	if (in->map == 0)
		ud = X86_UD_VEX_MAP;
	if (in->map == 4 && in->mode != 64)
		ud = X86_UD_APX_MODE;
	if (in->map == 3)
		attr |= IB;
	if (in->map == 4 && !ud) {
		/* sizes: W=1 -> 64; pp=01 (66) -> 16 ("SCALABLE"); else 32 */
		in->adsize = in->mode == 64 ? 8 : 4;
		in->opsize = in->w ? 8 : in->pp == 1 ? 2 : 4;
		ud = evex_map4_check(in, &attr);
	} else {
		set_sizes(in, 0);
		if (!ud)
			ud = X86_UD_OPCODE; /* vector EVEX maps: length only */
	}
	if (!decode_modrm(in, d))
		return 0;
	if (in->map == 4 && !ud && in->mod == 3 && (attr & A_MEM))
		ud = X86_UD_MODRM;
	if (in->map == 4 && !ud) {
		u32 a2 = attr;

		ud = evex_map4_check(in, &a2); /* re-check with ModRM known */
		attr = a2;
	}
	if (decode_imm(in, d, attr))
		return 0;
	return ud;
}

/*
 * EVEX map 4 (APX "legacy-promoted" instructions). Rules (apx.md 1.5; XED EVAPX(); LLVM
 * X86InstrAsmAlias/X86InstrArithmetic): EVEX.z, L'L must be 0; aaa[1:0] must be 0; the
 * EVEX.U (X4) bit is free; NF only on the flag-writing ALU forms; ND=1 makes vvvv the
 * destination, ND=0 requires vvvv = 0 (V4:vvvv all ones encoded). Called twice: before
 * the ModRM (has_modrm false: opcode-level rules and the immediate) and after it.
 */
static bool byte_form(u8 op)
{
	if (op < 0x34 && (op & 7) < 4)
		return !(op & 1);
	return op == 0x80 || op == 0xc0 || op == 0xd0 || op == 0xd2 || op == 0xf6 || op == 0xfe;
}

static int evex_map4_check(struct x86_insn *in, u32 *attr)
{
	u8 op = in->opcode, r = in->modrm >> 3 & 7;
	bool nd = in->evex_nd, nf = in->evex_nf, have = in->has_modrm;
	bool nf_ok = true, nd_ok = true;
	int pp_ok = 1 | 2; /* mask of allowed pp: none, 66 */

	if (in->evex_z || in->vl || (in->evex_aaa & 3))
		return X86_UD_EVEX_RESERVED;

	switch (op) {
	case 0x00: case 0x01: case 0x02: case 0x03: /* ADD */
	case 0x08: case 0x09: case 0x0a: case 0x0b: /* OR */
	case 0x20: case 0x21: case 0x22: case 0x23: /* AND */
	case 0x28: case 0x29: case 0x2a: case 0x2b: /* SUB */
	case 0x30: case 0x31: case 0x32: case 0x33: /* XOR */
		break;
	case 0x10: case 0x11: case 0x12: case 0x13: /* ADC */
	case 0x18: case 0x19: case 0x1a: case 0x1b: /* SBB */
		nf_ok = false;
		break;
	case 0x24: case 0x2c: /* SHLD/SHRD imm8 */
		*attr |= IB;
		break;
	case 0xa5: case 0xad: /* SHLD/SHRD CL */
		break;
	case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47:
	case 0x48: case 0x49: case 0x4a: case 0x4b: case 0x4c: case 0x4d: case 0x4e: case 0x4f:
		/*
		 * pp=F2: EVEX SETcc / SETZUcc (W=0, NF=0, vvvv=0); otherwise CMOVcc (ND=1) and CFCMOVcc
		 * (NF=1, or ND=0: the load form), all four ND/NF combinations (LLVM 19).
		 */
		if (in->pp == 3) {
			if (in->w || nf || in->vvvv) /* ND=1: SETZUcc */
				return X86_UD_APX_FORM;
			return 0;
		}
		break;
	case 0x69: case 0x6b: /* IMUL r, r/m, imm; ND=1 is IMULZU: no NF, vvvv = 0 */
		*attr |= op == 0x69 ? IZ : IB;
		if (nd && (nf || in->vvvv))
			return X86_UD_APX_FORM;
		break;
	case 0xaf: break; /* IMUL r, r/m */
	case 0x80: case 0x83: *attr |= IB; goto grp1;
	case 0x81: *attr |= IZ;
grp1:
		if (have && r == 7)
			return X86_UD_APX_FORM; /* CMP is CCMP (not modelled) */
		if (have && (r == 2 || r == 3))
			nf_ok = false;
		break;
	case 0xc0: case 0xc1: *attr |= IB; /* fallthrough */
	case 0xd0: case 0xd1: case 0xd2: case 0xd3:
		if (have && r == 6)
			return X86_UD_OPCODE;
		if (have && (r == 2 || r == 3))
			nf_ok = false; /* RCL/RCR */
		break;
	case 0xf6: case 0xf7:
		if (!have)
			break;
		if (r == 0 || r == 1)
			return X86_UD_APX_FORM; /* CTEST (not modelled) */
		if (r == 2)
			nf_ok = false; /* NOT writes no flags */
		if (r >= 4)
			nd_ok = false; /* MUL/IMUL/DIV/IDIV: no NDD */
		break;
	case 0xfe:
		if (have && r > 1)
			return X86_UD_OPCODE;
		break;
	case 0xff:
		if (have && r == 6) {
			/* PUSH2: ND=1, mod=11, no NF, pp=0, no RSP operand (apx.md 1.4) */
			goto push2pop2;
		}
		if (have && r > 1)
			return X86_UD_OPCODE;
		break;
	case 0x8f:
		if (have && r != 0)
			return X86_UD_OPCODE;
		if (!have)
			return 0;
push2pop2:
		in->ppx = in->w;
		if (!nd || nf || in->pp || in->mod != 3)
			return X86_UD_APX_FORM;
		if (in->vvvv == 4 || in->rm == 4)
			return X86_UD_APX_FORM;
		if (op == 0x8f && in->vvvv == in->rm)
			return X86_UD_APX_FORM;
		return 0;
	default:
		return X86_UD_OPCODE;
	}
	if (!(pp_ok & BIT(in->pp)))
		return X86_UD_APX_FORM;
	/* 66 selects 16-bit operands: not with W=1, not on byte forms (LLVM, XED OSZ rules) */
	if (in->pp == 1 && (in->w || byte_form(op)))
		return X86_UD_APX_FORM;
	if (nf && !nf_ok)
		return X86_UD_APX_FORM;
	if (nd && !nd_ok)
		return X86_UD_APX_FORM;
	if (!nd && in->vvvv)
		return X86_UD_APX_FORM;
	return 0;
}
