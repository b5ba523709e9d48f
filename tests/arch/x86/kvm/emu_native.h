/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differential test of the emulator against this CPU: a generator of random non-APX
 * general-purpose instructions with random operands (ALU, shifts/rotates, bit ops,
 * mul/div, moves, stack, string with REP, Jcc), a JIT stub that runs one of them natively
 * (mmap'd RWX page below 4 GiB, all 16 GPRs and RFLAGS loaded and saved), and the
 * comparison of registers, defined arithmetic flags, memory and faults with
 * x86_emulate_one() started from the same state. Used by test_emulate_native.c (fast
 * slice) and scripts/x86-emu-difftest (full run).
 */
#ifndef EMU_NATIVE_H
#define EMU_NATIVE_H

#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kvmsim/x86_emulate.h"

#define EN_MEM_SIZE 4096
#define EN_FL_MASK (X86_EFLAGS_ARITH | X86_EFLAGS_DF)

/* Instruction classes, for the defined-flags rules and the per-class counts. */
enum en_class {
	EN_ALU, EN_LOGIC, EN_INCDEC, EN_NEGNOT, EN_SHIFT, EN_ROT, EN_SHXD, EN_BT, EN_BSX,
	EN_MUL, EN_DIV, EN_XCHG, EN_MOV, EN_STACK, EN_STRING, EN_JCC, EN_FLAGOP, EN_NR
};

static const char *const en_class_name[EN_NR] = {
	"alu", "logic", "incdec", "negnot", "shift", "rotate", "shld/shrd", "bt*", "bsf/bsr",
	"mul", "div", "xchg/xadd/cmpxchg", "mov/lea/movx/cmov/setcc", "push/pop", "string",
	"jcc", "flag ops",
};

struct en_state {
	u64 r[16];
	u64 fl;
	u64 host_rsp;
};

struct en_case {
	u8 insn[16];
	unsigned int len;
	enum en_class cls;
	int shift_op;	     /* ModRM.reg of grp2, or -1 */
	unsigned int bytes;  /* operand size */
	bool cmc_after;	     /* Jcc: a CMC follows (taken skips it) */
	bool byteop;
	bool match;	     /* CMPXCHG*: make the comparison succeed */
	unsigned int match_off; /* memory operand offset in en_mem */
	unsigned int match_half; /* CMPXCHG8B/16B: 4 or 8 */
	struct en_state in;  /* initial registers and flags */
};

struct en_result {
	unsigned long cases, compared, mismatch, faults_native, skipped;
	unsigned long per_class[EN_NR], undef_agree[EN_NR], undef_total[EN_NR];
};

/* ---------------------------------------------------------------------------- RNG */
static u64 en_rng;

static u64 en_next(void)
{
	u64 z = (en_rng += 0x9e3779b97f4a7c15ull); /* splitmix64 */

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned int en_below(unsigned int n)
{
	return en_next() % n;
}

/* Operand values with the edges over-represented. */
static u64 en_value(void)
{
	static const u64 edge[] = { 0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
				    0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffffull,
				    0x8000000000000000ull, ~0ull, 0x100, 0x10, 0xf };

	switch (en_below(4)) {
	case 0:
		return edge[en_below(ARRAY_SIZE(edge))];
	case 1:
		return en_next() & 0xff;
	case 2:
		return (u64)(s64)(s8)en_next(); /* small signed */
	}
	return en_next();
}

/* ---------------------------------------------------------------------------- JIT */
static u8 *en_code, *en_mem, *en_shadow;
static struct en_state en_st;
static sigjmp_buf en_jmp;
static volatile int en_sig;

static void en_handler(int sig)
{
	en_sig = sig;
	siglongjmp(en_jmp, 1);
}

static unsigned int emit_u32(u8 *p, u32 v)
{
	memcpy(p, &v, 4);
	return 4;
}

static unsigned int emit_u64(u8 *p, u64 v)
{
	memcpy(p, &v, 8);
	return 8;
}

/* mov reg, [rax + disp32] (load) or mov [rax + disp32], reg (store), 64-bit */
static unsigned int emit_mov_rax(u8 *p, unsigned int reg, u32 disp, bool store)
{
	p[0] = 0x48 | (reg >= 8 ? 4 : 0);
	p[1] = store ? 0x89 : 0x8b;
	p[2] = 0x80 | (reg & 7) << 3;
	return 3 + emit_u32(p + 3, disp);
}

/* Builds the stub around c->insn; returns the address of the instruction in the page. */
static u8 *en_build(const struct en_case *c)
{
	u8 *p = en_code;
	u8 *insn;
	u64 st = (u64)(uintptr_t)&en_st;

	static const u8 save[] = { 0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57 };
	memcpy(p, save, sizeof(save));
	p += sizeof(save);
	*p++ = 0x48, *p++ = 0xb8, p += emit_u64(p, st);			/* movabs rax, &st */
	p += emit_mov_rax(p, 4, offsetof(struct en_state, host_rsp), true); /* host rsp */
	*p++ = 0xff, *p++ = 0xb0, p += emit_u32(p, offsetof(struct en_state, fl)); /* push [rax+fl] */
	*p++ = 0x9d;								     /* popfq */
	for (unsigned int r = 1; r < 16; r++)
		p += emit_mov_rax(p, r, r * 8, false);
	p += emit_mov_rax(p, 0, 0, false);
	insn = p;
	memcpy(p, c->insn, c->len);
	p += c->len;
	if (c->cmc_after)
		*p++ = 0xf5;
	*p++ = 0x48, *p++ = 0xa3, p += emit_u64(p, st); /* mov [st.r[0]], rax */
	*p++ = 0x48, *p++ = 0xb8, p += emit_u64(p, st);
	for (unsigned int r = 1; r < 16; r++)
		p += emit_mov_rax(p, r, r * 8, true);
	p += emit_mov_rax(p, 4, offsetof(struct en_state, host_rsp), false); /* mov rsp, host */
	*p++ = 0x9c;								      /* pushfq */
	*p++ = 0x59;								      /* pop rcx */
	p += emit_mov_rax(p, 1, offsetof(struct en_state, fl), true);
	*p++ = 0xfc; /* cld */
	static const u8 restore[] = { 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b, 0xc3 };
	memcpy(p, restore, sizeof(restore));
	__builtin___clear_cache((char *)en_code, (char *)p + sizeof(restore));
	return insn;
}

static int en_setup(void)
{
	static char altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa = { .sa_handler = en_handler, .sa_flags = SA_ONSTACK | SA_NODEFER };

	en_code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	en_mem = mmap(NULL, EN_MEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	en_shadow = malloc(EN_MEM_SIZE);
	if (en_code == MAP_FAILED || en_mem == MAP_FAILED || !en_shadow)
		return -1;
	if (sigaltstack(&ss, NULL))
		return -1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGTRAP, &sa, NULL);
	return 0;
}

/* Runs the stub; returns 0 or the signal number. */
static int en_run_native(const struct en_case *c, struct en_state *out)
{
	u8 *insn = en_build(c);
	void (*fn)(void) = (void (*)(void))en_code;

	(void)insn;
	en_st = c->in;
	en_sig = 0;
	if (sigsetjmp(en_jmp, 1) == 0)
		fn();
	*out = en_st;
	return en_sig;
}

/* ------------------------------------------------------------------- emulator side */
static int en_mem_access(u64 la, unsigned int bytes, u8 **p, struct x86_exception *f)
{
	u64 base = (u64)(uintptr_t)en_mem;

	if (la < base || la + bytes > base + EN_MEM_SIZE) {
		f->valid = true;
		f->vector = PF_VECTOR;
		f->address = la;
		return X86EMUL_PROPAGATE_FAULT;
	}
	*p = en_shadow + (la - base);
	return 0;
}

static int en_read(struct x86_emulate_ctxt *ctxt, u64 la, void *val, unsigned int bytes,
		   struct x86_exception *f)
{
	u8 *p;
	int rc = en_mem_access(la, bytes, &p, f);

	if (!rc)
		memcpy(val, p, bytes);
	return rc;
}

static int en_write(struct x86_emulate_ctxt *ctxt, u64 la, const void *val, unsigned int bytes,
		    struct x86_exception *f)
{
	u8 *p;
	int rc = en_mem_access(la, bytes, &p, f);

	if (!rc)
		memcpy(p, val, bytes);
	return rc;
}

static const struct x86_emulate_ops en_ops = { .read_emulated = en_read,
					       .write_emulated = en_write };

/* ---------------------------------------------------------------------- generator */
struct en_gen {
	u8 *p;
	struct en_case *c;
	u8 rex;
	bool o16;
	int rm_reg;		/* register r/m, or -1 for memory */
	int base, index;	/* memory r/m: registers (index -1: none) */
	u64 base_val, index_val;
	u64 ea;			/* memory r/m: the address */
	int avoid;		/* a register the address may not use */
};

static u64 en_mem_addr(unsigned int lo, unsigned int span)
{
	return (u64)(uintptr_t)en_mem + lo + en_below(span);
}

/*
 * A ModRM for operand register reg (low 3 bits; REX.R from bit 3) and a random r/m: a
 * register, or memory [base + disp8] / [base + index*scale + disp8] inside en_mem.
 */
static void en_modrm(struct en_gen *g, unsigned int reg, bool mem_only, bool reg_only,
		     unsigned int align)
{
	bool mem = mem_only || (!reg_only && en_below(2));
	unsigned int rm;

	g->rex |= (reg >> 3 & 1) << 2;
	g->rm_reg = -1;
	g->index = -1;
	if (!mem) {
		rm = en_below(16);
		g->rex |= rm >> 3;
		g->rm_reg = rm;
		*g->p++ = 0xc0 | (reg & 7) << 3 | (rm & 7);
		return;
	}
	unsigned int base, index, scale = en_below(4);

	do
		base = en_below(16);
	while ((int)base == g->avoid);
	bool sib = (base & 7) == 4 || en_below(2);
	s8 disp = (s8)en_below(256);

	g->rex |= base >> 3;
	g->base = base;
	g->ea = en_mem_addr(1024 + 128, 256);
	if (align)
		g->ea &= ~(u64)(align - 1);
	g->base_val = g->ea - disp;
	if (sib) {
		do
			index = en_below(16);
		while (index == base || index == 4 || (int)index == g->avoid);
		if (en_below(3) == 0) {
			index = 4; /* no index */
		} else {
			g->index = index;
			g->index_val = en_below(16) << (align ? 4 : 0);
			g->base_val -= g->index_val << scale;
		}
		g->rex |= (index >> 3) << 1;
		*g->p++ = 0x40 | (reg & 7) << 3 | 4;
		*g->p++ = scale << 6 | (index & 7) << 3 | (base & 7);
	} else {
		*g->p++ = 0x40 | (reg & 7) << 3 | (base & 7);
	}
	*g->p++ = (u8)disp;
}

/* Random registers and flags; RSP points into en_mem for stack classes. */
static void en_init_state(struct en_case *c)
{
	for (int i = 0; i < 16; i++)
		c->in.r[i] = en_value();
	c->in.fl = X86_EFLAGS_FIXED | X86_EFLAGS_IF | (en_next() & X86_EFLAGS_ARITH) |
		   (en_below(4) == 0 ? X86_EFLAGS_DF : 0);
}

/* Prefixes (66, REX) are placed by en_finish() in front of the opcode bytes. */
static void en_gen_case(struct en_case *c)
{
	u8 body[16];
	struct en_gen g = { .p = body, .c = c, .rm_reg = -1, .base = -1, .index = -1, .avoid = -1 };
	unsigned int reg = en_below(16), k = en_below(1000), r3 = en_below(8);
	u8 pfx[4];
	unsigned int np = 0;
	bool w = en_below(2), allow66 = true, byteop = en_below(4) == 0, stack = false;

	memset(c, 0, sizeof(*c));
	c->shift_op = -1;
	en_init_state(c);
	g.o16 = !w && en_below(4) == 0;

#define OP(x) (*g.p++ = (x))
	if (k < 160) { /* ALU: 00-3D forms and grp1 */
		unsigned int a = en_below(8), form = en_below(9);

		c->cls = (a == 1 || a == 4 || a == 6) ? EN_LOGIC : EN_ALU;
		if (form < 4) {
			OP(a << 3 | (form & 2) | !byteop);
			en_modrm(&g, reg, false, false, 0);
		} else if (form == 4) {
			OP(a << 3 | 4 | !byteop);
			if (byteop)
				OP(en_value());
			else
				for (int i = 0; i < (g.o16 ? 2 : 4); i++)
					OP(en_next());
		} else {
			u8 o = form == 5 ? 0x80 : form == 6 || byteop ? 0x81 : 0x83;

			if (form == 5)
				byteop = true;
			else if (o == 0x81 && byteop)
				o = 0x80;
			OP(o);
			en_modrm(&g, a, false, false, 0);
			if (o == 0x81)
				for (int i = 0; i < (g.o16 ? 2 : 4); i++)
					OP(en_next());
			else
				OP(en_value());
		}
	} else if (k < 200) { /* TEST */
		c->cls = EN_LOGIC;
		if (en_below(3) == 0) {
			OP(0xf6 | !byteop);
			en_modrm(&g, 0, false, false, 0);
			for (int i = 0; i < (byteop ? 1 : g.o16 ? 2 : 4); i++)
				OP(en_next());
		} else if (en_below(2)) {
			OP(0xa8 | !byteop);
			for (int i = 0; i < (byteop ? 1 : g.o16 ? 2 : 4); i++)
				OP(en_next());
		} else {
			OP(0x84 | !byteop);
			en_modrm(&g, reg, false, false, 0);
		}
	} else if (k < 240) { /* INC/DEC, NEG/NOT */
		if (en_below(2)) {
			c->cls = EN_INCDEC;
			OP(0xfe | !byteop);
			en_modrm(&g, en_below(2), false, false, 0);
		} else {
			c->cls = EN_NEGNOT;
			OP(0xf6 | !byteop);
			en_modrm(&g, 2 + en_below(2), false, false, 0);
		}
	} else if (k < 400) { /* grp2 */
		unsigned int f = en_below(3);

		if (r3 == 6)
			r3 = 4;
		c->shift_op = r3;
		c->cls = r3 < 4 ? EN_ROT : EN_SHIFT;
		OP((f == 0 ? 0xc0 : f == 1 ? 0xd0 : 0xd2) | !byteop);
		en_modrm(&g, r3, false, false, 0);
		if (f == 0)
			OP(en_below(4) ? en_below(70) : en_next());
		c->in.r[1] = (c->in.r[1] & ~0xffull) | (en_below(4) ? en_below(70) : en_next() & 0xff);
	} else if (k < 440) { /* SHLD/SHRD */
		c->cls = EN_SHXD;
		OP(0x0f);
		OP(0xa4 | (en_below(2) ? 8 : 0) | en_below(2));
		en_modrm(&g, reg, false, false, 0);
		if (!(body[1] & 1))
			OP(en_below(70));
		c->in.r[1] = (c->in.r[1] & ~0xffull) | en_below(70);
		byteop = false;
	} else if (k < 500) { /* BT BTS BTR BTC (reg or imm), BSF/BSR */
		byteop = false;
		if (en_below(4) == 0) {
			c->cls = EN_BSX;
			OP(0x0f);
			OP(0xbc | en_below(2));
			en_modrm(&g, reg, false, false, 0);
		} else {
			c->cls = EN_BT;
			OP(0x0f);
			if (en_below(2)) {
				OP(0xba);
				en_modrm(&g, 4 + en_below(4), false, false, 0);
				OP(en_next());
			} else {
				OP(0xa3 | en_below(4) << 3);
				g.avoid = reg;
				en_modrm(&g, reg, false, false, 0);
				/* keep memory bit offsets inside en_mem: small signed offsets */
				c->in.r[reg] = (u64)(s64)(s16)(en_next() % 2048 - 1024);
			}
		}
	} else if (k < 570) { /* MUL IMUL DIV IDIV, IMUL r,r/m(,imm) */
		unsigned int f = en_below(4);

		if (f < 2) {
			unsigned int o = 4 + en_below(4);

			c->cls = o < 6 ? EN_MUL : EN_DIV;
			OP(0xf6 | !byteop);
			en_modrm(&g, o, false, false, 0);
			if (c->cls == EN_DIV && en_below(2)) /* make quotients fit sometimes */
				c->in.r[2] = en_below(4);
		} else {
			c->cls = EN_MUL;
			byteop = false;
			if (f == 2) {
				OP(0x0f);
				OP(0xaf);
				en_modrm(&g, reg, false, false, 0);
			} else {
				bool i8 = en_below(2);

				OP(i8 ? 0x6b : 0x69);
				en_modrm(&g, reg, false, false, 0);
				for (int i = 0; i < (i8 ? 1 : g.o16 ? 2 : 4); i++)
					OP(en_next());
			}
		}
	} else if (k < 640) { /* XCHG XADD CMPXCHG CMPXCHG8B/16B */
		unsigned int f = en_below(5);

		c->cls = EN_XCHG;
		if (f == 0) {
			OP(0x86 | !byteop);
			en_modrm(&g, reg, false, false, 0);
		} else if (f == 1) {
			OP(0x0f);
			OP(0xc0 | !byteop);
			en_modrm(&g, reg, false, false, 0);
		} else if (f <= 3) {
			OP(0x0f);
			OP(0xb0 | !byteop);
			en_modrm(&g, reg, false, false, 0);
			if (en_below(2)) /* make the comparison succeed sometimes */
				c->match = true;
		} else {
			OP(0x0f);
			OP(0xc7);
			g.o16 = false;
			en_modrm(&g, 1, true, false, w && en_below(2) ? 16 : 0);
			c->match = en_below(2);
			c->match_half = w ? 8 : 4;
			byteop = false;
			allow66 = false;
		}
	} else if (k < 760) { /* moves */
		unsigned int f = en_below(9);

		c->cls = EN_MOV;
		switch (f) {
		case 0: OP(0x88 | !byteop | (en_below(2) << 1)); en_modrm(&g, reg, false, false, 0); break;
		case 1: OP(0xc6 | !byteop); en_modrm(&g, 0, false, false, 0);
			for (int i = 0; i < (byteop ? 1 : g.o16 ? 2 : 4); i++)
				OP(en_next());
			break;
		case 2:
			OP(0xb0 | (!byteop) << 3 | en_below(8));
			for (int i = 0; i < (byteop ? 1 : g.o16 ? 2 : w ? 8 : 4); i++)
				OP(en_next());
			break;
		case 3: OP(0x0f); OP(0xb6 | en_below(2) | en_below(2) << 3); en_modrm(&g, reg, false, false, 0);
			byteop = false;
			break;
		case 4: OP(0x63); en_modrm(&g, reg, false, false, 0); byteop = false; break;
		case 5: OP(0x8d); en_modrm(&g, reg, true, false, 0); byteop = false; break;
		case 6: OP(0x0f); OP(0x40 | en_below(16)); en_modrm(&g, reg, false, false, 0);
			byteop = false;
			break;
		case 7: OP(0x0f); OP(0x90 | en_below(16)); en_modrm(&g, 0, false, false, 0); break;
		default: OP(0x98 | en_below(2)); byteop = false; break;
		}
	} else if (k < 820) { /* stack */
		unsigned int f = en_below(6);

		c->cls = EN_STACK;
		stack = true;
		byteop = false;
		w = false;
		switch (f) {
		case 0: OP(0x50 | en_below(8)); g.rex |= en_below(2); break;
		case 1: OP(0x58 | en_below(8)); g.rex |= en_below(2); break;
		case 2: OP(0x8f); en_modrm(&g, 0, true, false, 0); break;
		case 3: OP(0xff); en_modrm(&g, 6, false, false, 0); break;
		case 4: OP(0x6a); OP(en_next()); break;
		default: OP(0x68); for (int i = 0; i < (g.o16 ? 2 : 4); i++) OP(en_next()); break;
		}
	} else if (k < 930) { /* string */
		u8 ops[] = { 0xa4, 0xa6, 0xaa, 0xac, 0xae };
		unsigned int rep = en_below(3);

		c->cls = EN_STRING;
		if (rep)
			pfx[np++] = rep == 1 ? 0xf3 : 0xf2;
		if (en_below(4) == 0)
			pfx[np++] = 0x67;
		OP(ops[en_below(5)] | !byteop);
		c->in.r[6] = (en_next() & ~0xffffffffull) | en_mem_addr(1536, 64);
		c->in.r[7] = (en_next() & ~0xffffffffull) | en_mem_addr(2560, 64);
		if (!(np && pfx[np - 1] == 0x67)) {
			c->in.r[6] = (u32)c->in.r[6];
			c->in.r[7] = (u32)c->in.r[7];
		}
		if (rep)
			c->in.r[1] = (en_next() & ~0xffffffffull) | en_below(10);
		if (!(np && pfx[np - 1] == 0x67))
			c->in.r[1] &= rep ? 0xffffffffull : ~0ull;
		if (en_below(2)) /* matching memory for CMPS/SCAS sometimes */
			c->in.r[0] = 0;
	} else if (k < 970) { /* Jcc rel8 / rel32 over a CMC */
		c->cls = EN_JCC;
		c->cmc_after = true;
		byteop = false;
		if (en_below(2)) {
			OP(0x70 | en_below(16));
			OP(1);
		} else {
			OP(0x0f);
			OP(0x80 | en_below(16));
			OP(1), OP(0), OP(0), OP(0);
		}
		w = false;
		allow66 = false;
	} else { /* flag operations */
		static const u8 fo[] = { 0x9e, 0x9f, 0xf5, 0xf8, 0xf9, 0xfc, 0xfd };

		c->cls = EN_FLAGOP;
		OP(fo[en_below(ARRAY_SIZE(fo))]);
		w = false;
		allow66 = false;
		byteop = false;
	}
#undef OP
	c->byteop = byteop;
	if (stack)
		c->in.r[4] = en_mem_addr(2048, 64) & ~7ull;
	/* the memory operand's registers last, so that nothing above moves it */
	if (g.p != body && g.rm_reg < 0 && g.base >= 0 && g.ea) {
		c->in.r[g.base] = g.base_val;
		if (g.index >= 0)
			c->in.r[g.index] = g.index_val;
		c->match_off = g.ea - (u64)(uintptr_t)en_mem;
	}
	if (c->match && g.rm_reg >= 0)
		c->in.r[0] = c->in.r[g.rm_reg];
	if (allow66 && g.o16 && !byteop)
		pfx[np++] = 0x66;
	if (w && !g.o16)
		g.rex |= 8;
	if (g.rex || en_below(8) == 0) {
		g.rex |= 0x40;
		pfx[np++] = g.rex;
	}
	c->len = 0;
	for (unsigned int i = 0; i < np; i++)
		c->insn[c->len++] = pfx[i];
	memcpy(c->insn + c->len, body, g.p - body);
	c->len += g.p - body;
}

/* ---------------------------------------------------------------- defined flags */
/*
 * Flags the SDM defines for the instruction with these operands (unaffected flags are
 * defined: they must not change). *res_defined is cleared when the result is undefined.
 */
static u64 en_defined_flags(const struct en_case *c, const struct x86_insn *in, bool *res_defined)
{
	u64 all = EN_FL_MASK, af = X86_EFLAGS_AF, of = X86_EFLAGS_OF, cf = X86_EFLAGS_CF;
	unsigned int bytes = c->bytes, bits = bytes * 8, cnt;
	u64 count;

	*res_defined = true;
	switch (c->cls) {
	case EN_LOGIC:
		return all & ~af;
	case EN_SHIFT:
	case EN_ROT:
		count = in->opcode <= 0xc1 ? in->imm : in->opcode <= 0xd1 ? 1 : c->in.r[1] & 0xff;
		cnt = count & (bytes == 8 ? 63 : 31);
		if (!cnt)
			return all;
		if (c->cls == EN_ROT)
			return cnt == 1 ? all : all & ~of;
		all &= ~af;
		if (cnt > 1)
			all &= ~of;
		if ((c->shift_op == 4 || c->shift_op == 5) && cnt >= bits)
			all &= ~cf;
		return all;
	case EN_SHXD:
		count = (in->opcode & 1) ? c->in.r[1] & 0xff : in->imm;
		cnt = count & (bytes == 8 ? 63 : 31);
		if (!cnt)
			return all;
		if (cnt > bits) {
			*res_defined = false;
			return X86_EFLAGS_DF;
		}
		return all & ~af & ~(cnt > 1 ? of : 0);
	case EN_BT:
		return X86_EFLAGS_CF | X86_EFLAGS_ZF | X86_EFLAGS_DF;
	case EN_BSX:
		return X86_EFLAGS_ZF | X86_EFLAGS_DF;
	case EN_MUL:
		return X86_EFLAGS_CF | X86_EFLAGS_OF | X86_EFLAGS_DF;
	case EN_DIV:
		return X86_EFLAGS_DF;
	default:
		return all;
	}
}

/* One case: native run, emulator run, comparison. Returns 0 if they agree. */
static int en_one(struct en_case *c, struct en_result *res, FILE *log, int verbose)
{
	struct x86_emulate_ctxt ctxt = { .ops = &en_ops, .mode = 64, .cpl = 3 };
	struct en_state nat;
	u8 *insn;
	u64 def, rip0;
	bool res_def, nat_not_taken = false;
	int sig, rc, bad = 0;

	for (unsigned int i = 0; i < EN_MEM_SIZE; i++)
		en_mem[i] = en_next();
	if (c->match && c->match_off) { /* memory = RAX (RDX:RAX for CMPXCHG8B/16B) */
		memcpy(en_mem + c->match_off, &c->in.r[0], 8);
		if (c->match_half)
			memcpy(en_mem + c->match_off + c->match_half, &c->in.r[2], 8);
	}
	memcpy(en_shadow, en_mem, EN_MEM_SIZE);

	insn = en_build(c);
	rip0 = (u64)(uintptr_t)insn;
	memcpy(ctxt.regs, c->in.r, sizeof(c->in.r));
	ctxt.rip = rip0;
	ctxt.eflags = c->in.fl;
	rc = x86_decode_insn(&ctxt, c->insn, c->len);
	if (rc) {
		res->skipped++;
		if (log && verbose)
			fprintf(log, "skip: decode rc %d\n", rc);
		return 0;
	}
	c->bytes = c->byteop ? 1 : ctxt.insn.opsize;
	/* REP: run until RIP moves (every 1024 iterations the emulator returns) */
	do
		rc = x86_emulate_insn(&ctxt);
	while (!rc && ctxt.rep_pending);

	sig = en_run_native(c, &nat);
	res->cases++;
	res->per_class[c->cls]++;
	if (sig) {
		res->faults_native++;
		/* #DE <-> SIGFPE, #GP <-> SIGSEGV */
		if (rc != X86EMUL_PROPAGATE_FAULT ||
		    !((sig == SIGFPE && ctxt.exception.vector == DE_VECTOR) ||
		      (sig == SIGSEGV && ctxt.exception.vector == GP_VECTOR)))
			bad = 1;
		if (memcmp(en_mem, en_shadow, EN_MEM_SIZE))
			bad = 1;
		goto out;
	}
	if (rc) {
		bad = 1;
		goto out;
	}
	res->compared++;
	def = en_defined_flags(c, &ctxt.insn, &res_def);
	if (c->cls == EN_BSX) { /* BSF/BSR of 0: destination undefined (Intel) */
		struct x86_emulate_ctxt t = ctxt;

		res_def = !(t.eflags & X86_EFLAGS_ZF);
	}
	if (c->cls == EN_JCC && (nat.fl ^ c->in.fl) & X86_EFLAGS_CF) {
		nat.fl ^= X86_EFLAGS_CF; /* not taken: the CMC ran */
		nat_not_taken = true;
	}
	for (int i = 0; i < 16; i++)
		if (res_def && ctxt.regs[i] != nat.r[i])
			bad = 1;
	if ((ctxt.eflags ^ nat.fl) & def)
		bad = 1;
	if (res_def && memcmp(en_mem, en_shadow, EN_MEM_SIZE))
		bad = 1;
	if (c->cls == EN_JCC) {
		/* taken skips the CMC: native CF unchanged <=> emulator RIP beyond the CMC */
		bool taken_emu = ctxt.rip == rip0 + c->len + 1;
		bool taken_nat = !nat_not_taken;

		if (taken_emu != taken_nat || (!taken_emu && ctxt.rip != rip0 + c->len))
			bad = 1;
	} else if (ctxt.rip != rip0 + c->len) {
		bad = 1;
	}
	res->undef_total[c->cls]++;
	if (!((ctxt.eflags ^ nat.fl) & EN_FL_MASK))
		res->undef_agree[c->cls]++;
out:
	if (bad) {
		res->mismatch++;
		if (log && res->mismatch <= 60) {
			fprintf(log, "MISMATCH class %s bytes", en_class_name[c->cls]);
			for (unsigned int i = 0; i < c->len; i++)
				fprintf(log, " %02x", c->insn[i]);
			fprintf(log, " (emu rc %d vec %d, native sig %d)\n", rc,
				ctxt.exception.vector, sig);
			fprintf(log, "  fl in %#llx emu %#llx nat %#llx\n",
				(unsigned long long)c->in.fl, (unsigned long long)ctxt.eflags,
				(unsigned long long)nat.fl);
			for (int i = 0; i < 16; i++)
				if (ctxt.regs[i] != nat.r[i] || c->in.r[i] != nat.r[i])
					fprintf(log, "  r%d in %#llx emu %#llx nat %#llx\n", i,
						(unsigned long long)c->in.r[i],
						(unsigned long long)ctxt.regs[i],
						(unsigned long long)nat.r[i]);
			if (memcmp(en_mem, en_shadow, EN_MEM_SIZE))
				fprintf(log, "  memory differs\n");
		}
	}
	return bad;
}

static int en_run(u64 seed, unsigned long n, struct en_result *res, FILE *log)
{
	struct en_case c;

	memset(res, 0, sizeof(*res));
	if (en_setup())
		return -1;
	en_rng = seed;
	for (unsigned long i = 0; i < n; i++) {
		en_gen_case(&c);
		en_one(&c, res, log, 0);
	}
	return 0;
}

static void en_print(FILE *f, const struct en_result *r)
{
	fprintf(f, "emulator vs native: %lu cases, %lu compared, %lu native faults, %lu skipped, "
		   "%lu mismatches\n",
		r->cases, r->compared, r->faults_native, r->skipped, r->mismatch);
	for (int i = 0; i < EN_NR; i++)
		if (r->per_class[i])
			fprintf(f, "  %-26s %7lu cases; all six flags (incl. undefined) agree: %lu/%lu\n",
				en_class_name[i], r->per_class[i], r->undef_agree[i],
				r->undef_total[i]);
}

#endif
