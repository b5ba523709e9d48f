// SPDX-License-Identifier: GPL-2.0
/*
 * x86_decode_insn()/x86_emulate_insn(): the apx.md section-6 vectors as executions, the
 * REX2 #UD rules of KVM v2 (rex2_invalid(), NoRex2), JMPABS in both modes, EVEX
 * rejection, and hand-derived cases for flags, strings with REP (1024-iteration restart,
 * faults mid-way), stack and branches, #DE/#GP, MMIO callbacks, 32- and 16-bit modes.
 * Each expected value is derived in a comment (SDM semantics and arithmetic).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kvmsim/x86_apx.h"
#include "kvmsim/x86_emulate.h"

/* Guest memory: RAM at [0x1000, 0x11000), an MMIO page at 0xfee00000 that logs writes. */
#define RAM_BASE 0x1000ull
#define RAM_SIZE 0x10000ull
#define MMIO_BASE 0xfee00000ull

static u8 ram[RAM_SIZE];
static u64 mmio_last_addr, mmio_last_val;
static unsigned int mmio_writes, mmio_reads;
static u64 fault_at = ~0ull; /* a #PF on this page */

static int access(u64 la, void *val, unsigned int bytes, bool write, struct x86_exception *f)
{
	if ((la & ~0xfffull) == fault_at) {
		f->valid = true;
		f->vector = PF_VECTOR;
		f->error_code_valid = true;
		f->error_code = write ? 2 : 0;
		f->address = la;
		return X86EMUL_PROPAGATE_FAULT;
	}
	if (la >= MMIO_BASE && la + bytes <= MMIO_BASE + 0x1000) {
		if (write) {
			mmio_last_addr = la;
			mmio_last_val = 0;
			memcpy(&mmio_last_val, val, bytes);
			mmio_writes++;
		} else {
			u64 v = 0x1122334455667788ull;

			memcpy(val, &v, bytes);
			mmio_reads++;
		}
		return 0;
	}
	if (la < RAM_BASE || la + bytes > RAM_BASE + RAM_SIZE) {
		f->valid = true;
		f->vector = PF_VECTOR;
		f->address = la;
		return X86EMUL_PROPAGATE_FAULT;
	}
	if (write)
		memcpy(ram + (la - RAM_BASE), val, bytes);
	else
		memcpy(val, ram + (la - RAM_BASE), bytes);
	return 0;
}

static int rd(struct x86_emulate_ctxt *c, u64 la, void *v, unsigned int n, struct x86_exception *f)
{
	return access(la, v, n, false, f);
}

static int wr(struct x86_emulate_ctxt *c, u64 la, const void *v, unsigned int n,
	      struct x86_exception *f)
{
	return access(la, (void *)v, n, true, f);
}

static const struct x86_emulate_ops ops = { .read_emulated = rd, .write_emulated = wr,
					    .fetch = rd };

/* A 64-bit APX-enabled vCPU: CR4.OSXSAVE and XCR0 = FP|SSE|APX. */
static void init(struct x86_emulate_ctxt *c, int mode)
{
	memset(c, 0, sizeof(*c));
	memset(ram, 0, sizeof(ram));
	mmio_writes = mmio_reads = 0;
	fault_at = ~0ull;
	c->ops = &ops;
	c->mode = mode;
	c->rip = 0x2000;
	c->eflags = X86_EFLAGS_FIXED;
	c->cr4 = X86_CR4_OSXSAVE;
	c->xcr0 = XFEATURE_MASK_FP | XFEATURE_MASK_SSE | XFEATURE_MASK_APX;
	c->regs[VCPU_REGS_RSP] = 0x8000;
}

#define RUN(c, ...)                                                                      \
	({                                                                               \
		static const u8 _b[] = { __VA_ARGS__ };                                  \
		x86_emulate_one(c, _b, sizeof(_b));                                      \
	})

static u64 ram64(u64 la)
{
	u64 v;

	memcpy(&v, ram + (la - RAM_BASE), 8);
	return v;
}

#define FL(c) ((c)->eflags & X86_EFLAGS_ARITH)

/* apx.md section 6, MOV/LEA/IMUL rows: the EGPRs as operands. */
static void test_apx_vectors(void **state)
{
	struct x86_emulate_ctxt c;

	init(&c, 64);
	c.regs[16] = 0x1616161616161616ull;
	c.regs[31] = 0x3131313131313131ull;
	assert_int_equal(RUN(&c, 0xd5, 0x48, 0x89, 0xc0), 0); /* mov rax, r16 */
	assert_true(c.regs[0] == 0x1616161616161616ull);
	assert_true(c.rip == 0x2004); /* 4 bytes */
	assert_int_equal(RUN(&c, 0xd5, 0x4c, 0x89, 0xf8), 0); /* mov rax, r31 */
	assert_true(c.regs[0] == 0x3131313131313131ull);
	c.regs[0] = 0xaa;
	assert_int_equal(RUN(&c, 0xd5, 0x18, 0x89, 0xc0), 0); /* mov r16, rax */
	assert_true(c.regs[16] == 0xaa);
	assert_int_equal(RUN(&c, 0xd5, 0x19, 0x89, 0xc7), 0); /* mov r31, rax */
	assert_true(c.regs[31] == 0xaa);
	/* mov r16, 0xcccccccc: REX2.W=1, imm64 = 0x00000000cccccccc (state_test) */
	c.regs[16] = ~0ull;
	assert_int_equal(RUN(&c, 0xd5, 0x18, 0xb8, 0xcc, 0xcc, 0xcc, 0xcc, 0, 0, 0, 0), 0);
	assert_true(c.regs[16] == 0xccccccccull);
	/* lea r16d, [rax] / lea r31d, [rax]: 32-bit destination, zero-extended */
	c.regs[0] = 0xffffffff12345678ull;
	assert_int_equal(RUN(&c, 0xd5, 0x40, 0x8d, 0x00), 0);
	assert_true(c.regs[16] == 0x12345678);
	assert_int_equal(RUN(&c, 0xd5, 0x44, 0x8d, 0x38), 0);
	assert_true(c.regs[31] == 0x12345678);
	/* lea eax, [r20] (SIB base 100 + B4), [r21 + 0], [1*r20] (index r20, X4) */
	c.regs[20] = 0x2020;
	c.regs[21] = 0x2121;
	assert_int_equal(RUN(&c, 0xd5, 0x10, 0x8d, 0x04, 0x24), 0);
	assert_true(c.regs[0] == 0x2020);
	assert_int_equal(RUN(&c, 0xd5, 0x10, 0x8d, 0x45, 0x00), 0);
	assert_true(c.regs[0] == 0x2121);
	assert_int_equal(RUN(&c, 0xd5, 0x20, 0x8d, 0x04, 0x25, 0, 0, 0, 0), 0);
	assert_true(c.regs[0] == 0x2020);
	/* imul r16d, eax (M0=1: 0F AF): 7 * -3 = -21 = 0xffffffeb (32-bit), no overflow */
	c.regs[16] = 7;
	c.regs[0] = (u32)-3;
	assert_int_equal(RUN(&c, 0xd5, 0xc0, 0xaf, 0xc0), 0);
	assert_true(c.regs[16] == 0xffffffebull);
	assert_false(c.eflags & (X86_EFLAGS_CF | X86_EFLAGS_OF));
	/* mov [rax], rax (XED test-00000) */
	c.regs[0] = 0x3000;
	assert_int_equal(RUN(&c, 0xd5, 0x08, 0x89, 0x00), 0);
	assert_true(ram64(0x3000) == 0x3000);
	/* popcnt r17d, r16d: decoded, outside the emulator (KVM does not emulate POPCNT) */
	assert_int_equal(RUN(&c, 0xf3, 0xd5, 0xd0, 0xb8, 0xc8), X86EMUL_UNHANDLEABLE);
	/* pextrw: SSE, outside the emulator */
	assert_int_equal(RUN(&c, 0x66, 0xd5, 0xcd, 0xc5, 0xdb, 0x08), X86EMUL_UNHANDLEABLE);
}

/* PUSHP/POPP (REX2.W on 50+r/58+r) behave as PUSH/POP; PUSH2/POP2 are EVEX: rejected. */
static void test_apx_ppx(void **state)
{
	struct x86_emulate_ctxt c;

	init(&c, 64);
	c.regs[0] = 0x1111;
	c.regs[16] = 0x1616;
	assert_int_equal(RUN(&c, 0xd5, 0x08, 0x50), 0); /* pushp rax: RSP 0x8000 -> 0x7ff8 */
	assert_true(c.regs[VCPU_REGS_RSP] == 0x7ff8 && ram64(0x7ff8) == 0x1111);
	assert_int_equal(RUN(&c, 0xd5, 0x18, 0x50), 0); /* pushp r16 */
	assert_true(c.regs[VCPU_REGS_RSP] == 0x7ff0 && ram64(0x7ff0) == 0x1616);
	assert_int_equal(RUN(&c, 0xd5, 0x08, 0x58), 0); /* popp rax = 0x1616 */
	assert_true(c.regs[0] == 0x1616 && c.regs[VCPU_REGS_RSP] == 0x7ff8);
	/* push2 rdi, rax / pop2 rdi, rax: EVEX map 4 -> NotImpl (v2 12/16) */
	assert_int_equal(RUN(&c, 0x62, 0xf4, 0x44, 0x18, 0xff, 0xf0), X86EMUL_UNHANDLEABLE);
	assert_int_equal(RUN(&c, 0x62, 0xf4, 0x44, 0x18, 0x8f, 0xc0), X86EMUL_UNHANDLEABLE);
	/* any other map-4 form (here an EVEX-promoted ADD) is rejected as well */
	assert_int_equal(RUN(&c, 0x62, 0xf4, 0x7c, 0x1c, 0x01, 0xc8), X86EMUL_UNHANDLEABLE);
	assert_true(c.regs[0] == 0x1616); /* nothing executed */
}

/* rex2_invalid() and NoRex2: #UD. */
static void test_rex2_ud(void **state)
{
	struct x86_emulate_ctxt c;

	init(&c, 64);
	c.regs[16] = 5;
	/* REX immediately before REX2 */
	assert_int_equal(RUN(&c, 0x48, 0xd5, 0x48, 0x89, 0xc0), X86EMUL_PROPAGATE_FAULT);
	assert_true(c.exception.valid && c.exception.vector == UD_VECTOR);
	assert_true(c.rip == 0x2000 && c.regs[0] == 0);
	/* CR4.OSXSAVE = 0 */
	c.cr4 = 0;
	assert_int_equal(RUN(&c, 0xd5, 0x48, 0x89, 0xc0), X86EMUL_PROPAGATE_FAULT);
	assert_int_equal(c.exception.vector, UD_VECTOR);
	/* XCR0.APX = 0 */
	c.cr4 = X86_CR4_OSXSAVE;
	c.xcr0 = XFEATURE_MASK_FP | XFEATURE_MASK_SSE;
	assert_int_equal(RUN(&c, 0xd5, 0x48, 0x89, 0xc0), X86EMUL_PROPAGATE_FAULT);
	assert_int_equal(c.exception.vector, UD_VECTOR);
	/* the same instruction with APX enabled runs */
	c.xcr0 |= XFEATURE_MASK_APX;
	assert_int_equal(RUN(&c, 0xd5, 0x48, 0x89, 0xc0), 0);
	assert_true(c.regs[0] == 5);
	/* opcodes reserved under REX2 (apx.md 1.2): Jcc rel8, MOVS, JMP rel32, 0F 80 */
	assert_int_equal(RUN(&c, 0xd5, 0x00, 0x74, 0x00), X86EMUL_PROPAGATE_FAULT);
	assert_int_equal(RUN(&c, 0xd5, 0x00, 0xa4), X86EMUL_PROPAGATE_FAULT);
	assert_int_equal(RUN(&c, 0xd5, 0x00, 0xe9, 0, 0, 0, 0), X86EMUL_PROPAGATE_FAULT);
	assert_int_equal(RUN(&c, 0xd5, 0x80, 0x80, 0, 0, 0, 0), X86EMUL_PROPAGATE_FAULT);
	assert_int_equal(c.exception.vector, UD_VECTOR);
	/* bytes that may not follow REX2.M0=0: REX, 0F, another REX2 */
	assert_int_equal(RUN(&c, 0xd5, 0x00, 0x48, 0x89, 0xc0), X86EMUL_PROPAGATE_FAULT);
	assert_int_equal(RUN(&c, 0xd5, 0x00, 0x0f, 0xaf, 0xc0), X86EMUL_PROPAGATE_FAULT);
	assert_int_equal(RUN(&c, 0xd5, 0x00, 0xd5, 0x00, 0x89), X86EMUL_PROPAGATE_FAULT);
	/* in 32-bit mode D5 is AAD: AL = AL + AH * 10 = 3 + 2*10 = 23, AH = 0 */
	init(&c, 32);
	c.regs[0] = 0x0203;
	assert_int_equal(RUN(&c, 0xd5, 0x0a), 0);
	assert_true((c.regs[0] & 0xffff) == 23);
}

/* JMPABS: RFC v1 14/20 (RIP := imm64) or the dropped behaviour (#UD). */
static void test_jmpabs(void **state)
{
	struct x86_emulate_ctxt c;

	init(&c, 64);
	assert_int_equal(RUN(&c, 0xd5, 0x00, 0xa1, 0x00, 0x10, 0, 0, 0, 0, 0, 0), 0);
	assert_true(c.rip == 0x1000);
	/* R4/X4/B4/R3/X3/B3 are ignored (Detours): payload 0x77 (W=0, M0=0) */
	assert_int_equal(RUN(&c, 0xd5, 0x77, 0xa1, 0x08, 0x07, 0x06, 0x05, 0x04, 0x7f, 0, 0), 0);
	assert_true(c.rip == 0x00007f0405060708ull); /* canonical: bits 63:47 are 0 */
	/* non-canonical target: #GP(0) (assign_eip_near), RIP unchanged */
	c.rip = 0x2000;
	assert_int_equal(RUN(&c, 0xd5, 0x00, 0xa1, 0, 0, 0, 0, 0, 0x80, 0, 0), X86EMUL_PROPAGATE_FAULT);
	assert_true(c.exception.vector == GP_VECTOR && c.exception.error_code == 0);
	assert_true(c.rip == 0x2000);
	/* W=1 and 66/67/F2/F3/F0 prefixes: #UD (apx.md 1.3) */
	assert_int_equal(RUN(&c, 0xd5, 0x08, 0xa1, 1, 0, 0, 0, 0, 0, 0, 0), X86EMUL_PROPAGATE_FAULT);
	assert_int_equal(c.exception.vector, UD_VECTOR);
	assert_int_equal(RUN(&c, 0x66, 0xd5, 0x00, 0xa1, 1, 0, 0, 0, 0, 0, 0, 0),
			 X86EMUL_PROPAGATE_FAULT);
	assert_int_equal(RUN(&c, 0xf3, 0xd5, 0x00, 0xa1, 1, 0, 0, 0, 0, 0, 0, 0),
			 X86EMUL_PROPAGATE_FAULT);
	/* dropped (v1 non-RFC / v2): the A0-AF row is NoRex2 -> #UD */
	c.jmpabs = X86_JMPABS_DROPPED;
	assert_int_equal(RUN(&c, 0xd5, 0x00, 0xa1, 0x00, 0x10, 0, 0, 0, 0, 0, 0),
			 X86EMUL_PROPAGATE_FAULT);
	assert_int_equal(c.exception.vector, UD_VECTOR);
	assert_true(c.rip == 0x2000);
	/* without REX2, A1 is MOV EAX, moffs32 (8-byte moffs in 64-bit mode) */
	memcpy(ram + 0x10, "\x78\x56\x34\x12", 4);
	assert_int_equal(RUN(&c, 0xa1, 0x10, 0x10, 0, 0, 0, 0, 0, 0), 0);
	assert_true(c.regs[0] == 0x12345678);
}

static void test_alu_flags(void **state)
{
	struct x86_emulate_ctxt c;

	init(&c, 64);
	/* add al, 1 with AL = 0x7f: 0x80, OF (pos + pos = neg), SF, AF (0xf + 1 carries
	 * out of bit 3), PF clear (0x80 has one bit set), CF clear, ZF clear */
	c.regs[0] = 0x7f;
	assert_int_equal(RUN(&c, 0x04, 0x01), 0);
	assert_true((c.regs[0] & 0xff) == 0x80);
	assert_int_equal(FL(&c), X86_EFLAGS_OF | X86_EFLAGS_SF | X86_EFLAGS_AF);
	/* sub eax, eax: 0, ZF PF, upper half of RAX cleared (32-bit write) */
	c.regs[0] = 0xdeadbeef00000001ull;
	assert_int_equal(RUN(&c, 0x29, 0xc0), 0);
	assert_true(c.regs[0] == 0);
	assert_int_equal(FL(&c), X86_EFLAGS_ZF | X86_EFLAGS_PF);
	/* cmp rax, 1 with RAX = 0: borrow -> CF, result -1: SF, AF, PF (0xff even), no OF */
	assert_int_equal(RUN(&c, 0x48, 0x83, 0xf8, 0x01), 0);
	assert_true(c.regs[0] == 0);
	assert_int_equal(FL(&c), X86_EFLAGS_CF | X86_EFLAGS_SF | X86_EFLAGS_AF | X86_EFLAGS_PF);
	/* adc: CF = 1 in, 0xffffffff + 0 + 1 = 0 with CF, ZF, PF, AF */
	c.regs[1] = 0xffffffff;
	c.regs[2] = 0;
	c.eflags |= X86_EFLAGS_CF;
	assert_int_equal(RUN(&c, 0x11, 0xd1), 0); /* adc ecx, edx */
	assert_true(c.regs[1] == 0);
	assert_int_equal(FL(&c), X86_EFLAGS_CF | X86_EFLAGS_ZF | X86_EFLAGS_PF | X86_EFLAGS_AF);
	/* inc preserves CF: inc ecx (FF C1) with CF set -> 1, CF still set */
	assert_int_equal(RUN(&c, 0xff, 0xc1), 0);
	assert_true(c.regs[1] == 1 && (c.eflags & X86_EFLAGS_CF));
	/* neg: 0 - 0x80 (byte) = 0x80, OF (the one overflow case), CF (src != 0), SF */
	c.regs[3] = 0x80;
	assert_int_equal(RUN(&c, 0xf6, 0xdb), 0); /* neg bl */
	assert_true((c.regs[3] & 0xff) == 0x80);
	assert_true(c.eflags & X86_EFLAGS_OF && c.eflags & X86_EFLAGS_CF && c.eflags & X86_EFLAGS_SF);
	/* AH as a byte register without REX, SPL with REX: add ah, 1 / add spl, 1 */
	c.regs[0] = 0x1200;
	assert_int_equal(RUN(&c, 0x80, 0xc4, 0x01), 0);
	assert_true(c.regs[0] == 0x1300);
	c.regs[4] = 0x8000;
	assert_int_equal(RUN(&c, 0x40, 0x80, 0xc4, 0x01), 0);
	assert_true(c.regs[4] == 0x8001);
	/* xor r20b? with REX2: xor r20b, r20b via 30 /r -> 0 (D5 50: R4 B4) */
	c.regs[20] = 0xffff;
	assert_int_equal(RUN(&c, 0xd5, 0x50, 0x30, 0xe4), 0);
	assert_true(c.regs[20] == 0xff00);
	/* test: and without writing, CF = OF = 0 */
	c.regs[0] = 0xf0;
	assert_int_equal(RUN(&c, 0xa8, 0x0f), 0);
	assert_true(c.regs[0] == 0xf0 && (c.eflags & X86_EFLAGS_ZF));
}

static void test_shifts(void **state)
{
	struct x86_emulate_ctxt c;

	init(&c, 64);
	/* shl eax, 1 with 0x80000000: 0, CF = 1 (the bit out), OF = MSB(r) ^ CF = 1, ZF PF */
	c.regs[0] = 0x80000000;
	assert_int_equal(RUN(&c, 0xd1, 0xe0), 0);
	assert_true(c.regs[0] == 0);
	assert_true((c.eflags & (X86_EFLAGS_CF | X86_EFLAGS_OF | X86_EFLAGS_ZF)) ==
		    (X86_EFLAGS_CF | X86_EFLAGS_OF | X86_EFLAGS_ZF));
	/* sar al, 7 with 0x80: 0xff, CF = bit 6 = 0 */
	c.regs[0] = 0x80;
	assert_int_equal(RUN(&c, 0xc0, 0xf8, 0x07), 0);
	assert_true((c.regs[0] & 0xff) == 0xff && !(c.eflags & X86_EFLAGS_CF));
	/* rol rax, 4: 0x8000000000000001 -> 0x18, CF = LSB = 0 */
	c.regs[0] = 0x8000000000000001ull;
	assert_int_equal(RUN(&c, 0x48, 0xc1, 0xc0, 0x04), 0);
	assert_true(c.regs[0] == 0x18 && !(c.eflags & X86_EFLAGS_CF));
	/* rcr bl, 1 with CF = 1, BL = 0x01: 0x80, CF = 1, OF = MSB(old)^CF = 0^1 = 1 */
	c.regs[3] = 0x01;
	c.eflags |= X86_EFLAGS_CF;
	assert_int_equal(RUN(&c, 0xd0, 0xdb), 0);
	assert_true((c.regs[3] & 0xff) == 0x80);
	assert_true((c.eflags & X86_EFLAGS_CF) && (c.eflags & X86_EFLAGS_OF));
	/* a masked count of 0 keeps the flags, yet a 32-bit register is zero-extended:
	 * shl edx, cl with CL = 32 (masked to 0) */
	c.regs[1] = 32;
	c.regs[2] = 0xffffffff00000005ull;
	c.eflags = X86_EFLAGS_FIXED | X86_EFLAGS_SF;
	assert_int_equal(RUN(&c, 0xd3, 0xe2), 0);
	assert_true(c.regs[2] == 5 && FL(&c) == X86_EFLAGS_SF);
	/* shld eax, ebx, 4: 0x12345678:0xabcdef01 -> 0x2345678a, CF = bit 28 of eax = 1 */
	c.regs[0] = 0x12345678;
	c.regs[3] = 0xabcdef01;
	assert_int_equal(RUN(&c, 0x0f, 0xa4, 0xd8, 0x04), 0);
	assert_true(c.regs[0] == 0x2345678a && (c.eflags & X86_EFLAGS_CF));
}

static void test_bits_mul_div(void **state)
{
	struct x86_emulate_ctxt c;
	u64 rip0;

	init(&c, 64);
	/* bts [rbx], rax with RAX = 67: the byte offset 67 >> 3 rounded to the operand size:
	 * (67 & ~63) / 8 = 8, so the qword at RBX + 8, bit 67 & 63 = 3 */
	c.regs[3] = 0x3000;
	c.regs[0] = 67;
	assert_int_equal(RUN(&c, 0x48, 0x0f, 0xab, 0x03), 0);
	assert_true(ram64(0x3008) == 8 && !(c.eflags & X86_EFLAGS_CF));
	assert_int_equal(RUN(&c, 0x48, 0x0f, 0xab, 0x03), 0); /* again: CF = the old bit = 1 */
	assert_true(c.eflags & X86_EFLAGS_CF);
	/* negative offset: RAX = -1 -> qword at RBX - 8, bit 63 */
	c.regs[0] = ~0ull;
	assert_int_equal(RUN(&c, 0x48, 0x0f, 0xab, 0x03), 0);
	assert_true(ram64(0x2ff8) == 0x8000000000000000ull);
	/* bsr ecx, eax with EAX = 0x00f00000: 23; bsf: 20; source 0: ZF, destination kept */
	c.regs[0] = 0x00f00000;
	assert_int_equal(RUN(&c, 0x0f, 0xbd, 0xc8), 0);
	assert_true(c.regs[1] == 23 && !(c.eflags & X86_EFLAGS_ZF));
	assert_int_equal(RUN(&c, 0x0f, 0xbc, 0xc8), 0);
	assert_true(c.regs[1] == 20);
	c.regs[0] = 0;
	assert_int_equal(RUN(&c, 0x0f, 0xbc, 0xc8), 0);
	assert_true(c.regs[1] == 20 && (c.eflags & X86_EFLAGS_ZF));
	/* mul rbx: 2^63 * 4 = 2^65 -> RDX = 2, RAX = 0, CF = OF = 1 */
	c.regs[0] = 1ull << 63;
	c.regs[3] = 4;
	assert_int_equal(RUN(&c, 0x48, 0xf7, 0xe3), 0);
	assert_true(c.regs[0] == 0 && c.regs[2] == 2);
	assert_true((c.eflags & (X86_EFLAGS_CF | X86_EFLAGS_OF)) == (X86_EFLAGS_CF | X86_EFLAGS_OF));
	/* div ebx: EDX:EAX = 2:0 / 4 = 0x80000000 rem 0 */
	c.regs[2] = 2;
	c.regs[0] = 0;
	assert_int_equal(RUN(&c, 0xf7, 0xf3), 0);
	assert_true(c.regs[0] == 0x80000000 && c.regs[2] == 0);
	/* div ebx with EDX = 4: quotient 2^32 does not fit -> #DE, registers unchanged */
	c.regs[2] = 4;
	rip0 = c.rip;
	assert_int_equal(RUN(&c, 0xf7, 0xf3), X86EMUL_PROPAGATE_FAULT);
	assert_int_equal(c.exception.vector, DE_VECTOR);
	assert_true(c.regs[2] == 4 && c.regs[0] == 0x80000000 && c.rip == rip0);
	/* idiv: -7 / 2 = -3 rem -1 (truncation toward zero), 16-bit: DX:AX */
	c.regs[0] = 0xfff9;
	c.regs[2] = 0xffff;
	c.regs[3] = 2;
	assert_int_equal(RUN(&c, 0x66, 0xf7, 0xfb), 0);
	assert_true((c.regs[0] & 0xffff) == 0xfffd && (c.regs[2] & 0xffff) == 0xffff);
	/* idiv of the most negative value by -1 overflows: #DE */
	c.regs[0] = 0x8000;
	c.regs[2] = 0xffff;
	c.regs[3] = 0xffff;
	assert_int_equal(RUN(&c, 0x66, 0xf7, 0xfb), X86EMUL_PROPAGATE_FAULT);
	assert_int_equal(c.exception.vector, DE_VECTOR);
}

static void test_xchg_cmpxchg(void **state)
{
	struct x86_emulate_ctxt c;

	init(&c, 64);
	/* cmpxchg [rbx], ecx: equal -> ZF, memory = ECX; else EAX = memory, ZF = 0 */
	c.regs[3] = 0x3000;
	memcpy(ram + 0x2000, "\x05\0\0\0", 4);
	c.regs[0] = 5;
	c.regs[1] = 9;
	assert_int_equal(RUN(&c, 0xf0, 0x0f, 0xb1, 0x0b), 0); /* lock cmpxchg */
	assert_true(ram[0x2000] == 9 && (c.eflags & X86_EFLAGS_ZF));
	assert_int_equal(RUN(&c, 0x0f, 0xb1, 0x0b), 0);
	assert_true(c.regs[0] == 9 && !(c.eflags & X86_EFLAGS_ZF));
	/* cmpxchg16b needs a 16-byte aligned operand: [rbx + 8] -> #GP(0) */
	assert_int_equal(RUN(&c, 0x48, 0x0f, 0xc7, 0x4b, 0x08), X86EMUL_PROPAGATE_FAULT);
	assert_true(c.exception.vector == GP_VECTOR);
	/* xadd: RDX = 3, [rbx] = 9 -> [rbx] = 12, RDX = 9 */
	c.regs[2] = 3;
	assert_int_equal(RUN(&c, 0x0f, 0xc1, 0x13), 0);
	assert_true(ram[0x2000] == 12 && c.regs[2] == 9);
	/* xchg r16, r17 through REX2 (87 /r, R4 and B4) */
	c.regs[16] = 16;
	c.regs[17] = 17;
	assert_int_equal(RUN(&c, 0xd5, 0x58, 0x87, 0xc1), 0);
	assert_true(c.regs[16] == 17 && c.regs[17] == 16);
	/* 90 is NOP (no zero-extension of RAX); 41 90 is xchg r8, rax */
	c.regs[0] = ~0ull;
	c.regs[8] = 8;
	assert_int_equal(RUN(&c, 0x90), 0);
	assert_true(c.regs[0] == ~0ull);
	assert_int_equal(RUN(&c, 0x49, 0x90), 0);
	assert_true(c.regs[0] == 8 && c.regs[8] == ~0ull);
}

static void test_strings(void **state)
{
	struct x86_emulate_ctxt c;

	init(&c, 64);
	for (int i = 0; i < 16; i++)
		ram[0x1000 + i] = i + 1;
	/* rep movsb, 16 bytes forward: RSI/RDI advance by 16, RCX = 0 */
	c.regs[VCPU_REGS_RSI] = 0x2000;
	c.regs[VCPU_REGS_RDI] = 0x3000;
	c.regs[VCPU_REGS_RCX] = 16;
	assert_int_equal(RUN(&c, 0xf3, 0xa4), 0);
	assert_int_equal(memcmp(ram + 0x1000, ram + 0x2000, 16), 0);
	assert_true(c.regs[VCPU_REGS_RSI] == 0x2010 && c.regs[VCPU_REGS_RDI] == 0x3010);
	assert_true(c.regs[VCPU_REGS_RCX] == 0 && c.rip == 0x2002 && c.iterations == 16);
	/* std; movsd backwards: RSI/RDI -= 4 */
	c.eflags |= X86_EFLAGS_DF;
	assert_int_equal(RUN(&c, 0xa5), 0);
	assert_true(c.regs[VCPU_REGS_RSI] == 0x200c && c.regs[VCPU_REGS_RDI] == 0x300c);
	c.eflags &= ~X86_EFLAGS_DF;
	/* repe cmpsb over 01 02 03 .. vs 01 02 FF: stops after the third byte, RCX = 10-3 */
	ram[0x2002] = 0xff;
	c.regs[VCPU_REGS_RSI] = 0x2000;
	c.regs[VCPU_REGS_RDI] = 0x3000;
	c.regs[VCPU_REGS_RCX] = 10;
	assert_int_equal(RUN(&c, 0xf3, 0xa6), 0);
	assert_true(c.regs[VCPU_REGS_RCX] == 7 && !(c.eflags & X86_EFLAGS_ZF));
	/* repne scasb for 0xff in 01 02 FF: found at the third, RCX = 10 - 3 = 7, ZF */
	c.regs[0] = 0xff;
	c.regs[VCPU_REGS_RDI] = 0x3000;
	c.regs[VCPU_REGS_RCX] = 10;
	assert_int_equal(RUN(&c, 0xf2, 0xae), 0);
	assert_true(c.regs[VCPU_REGS_RCX] == 7 && (c.eflags & X86_EFLAGS_ZF));
	/* rep stosq with RCX = 2000: returns after 976 iterations (RCX = 1024, a multiple of
	 * 1024) with RIP unchanged, then completes the remaining 1024 */
	c.rip = 0x2000;
	c.regs[0] = 0x5a5a5a5a5a5a5a5aull;
	c.regs[VCPU_REGS_RDI] = 0x1000;
	c.regs[VCPU_REGS_RCX] = 2000;
	assert_int_equal(RUN(&c, 0xf3, 0x48, 0xab), 0);
	assert_true(c.rep_pending && c.rip == 0x2000 && c.regs[VCPU_REGS_RCX] == 1024);
	assert_int_equal(c.iterations, 976);
	assert_int_equal(RUN(&c, 0xf3, 0x48, 0xab), 0);
	assert_true(!c.rep_pending && c.rip == 0x2003 && c.regs[VCPU_REGS_RCX] == 0);
	assert_true(c.regs[VCPU_REGS_RDI] == 0x1000 + 2000 * 8 && ram64(0x1000 + 1999 * 8) == c.regs[0]);
	/* a #PF in the middle: rep movsb of 8 bytes from 0x4ffc across the faulting page 0x5000:
	 * 4 iterations done, RSI = 0x5000, RCX = 4, RIP at the instruction */
	c.rip = 0x2000;
	fault_at = 0x5000;
	c.regs[VCPU_REGS_RSI] = 0x4ffc;
	c.regs[VCPU_REGS_RDI] = 0x3000;
	c.regs[VCPU_REGS_RCX] = 8;
	assert_int_equal(RUN(&c, 0xf3, 0xa4), X86EMUL_PROPAGATE_FAULT);
	assert_true(c.exception.vector == PF_VECTOR && c.exception.address == 0x5000);
	assert_true(c.regs[VCPU_REGS_RSI] == 0x5000 && c.regs[VCPU_REGS_RCX] == 4 && c.rip == 0x2000);
	/* 67: ECX/ESI/EDI; the upper halves are cleared by the 32-bit updates */
	fault_at = ~0ull;
	c.regs[VCPU_REGS_RSI] = 0xffffffff00002000ull;
	c.regs[VCPU_REGS_RDI] = 0xffffffff00003000ull;
	c.regs[VCPU_REGS_RCX] = 0xffffffff00000001ull;
	assert_int_equal(RUN(&c, 0x67, 0xf3, 0xa4), 0);
	assert_true(c.regs[VCPU_REGS_RSI] == 0x2001 && c.regs[VCPU_REGS_RCX] == 0);
	/* rep with RCX = 0: no access, retires */
	fault_at = 0x3000;
	assert_int_equal(RUN(&c, 0xf3, 0xa4), 0);
}

static void test_stack_branches(void **state)
{
	struct x86_emulate_ctxt c;

	init(&c, 64);
	/* call rel32 +0x10: pushes 0x2005, RIP = 0x2015 */
	assert_int_equal(RUN(&c, 0xe8, 0x10, 0, 0, 0), 0);
	assert_true(c.rip == 0x2015 && c.regs[VCPU_REGS_RSP] == 0x7ff8 && ram64(0x7ff8) == 0x2005);
	/* ret 8: RIP = 0x2005, RSP = 0x8000 + 8 */
	assert_int_equal(RUN(&c, 0xc2, 0x08, 0x00), 0);
	assert_true(c.rip == 0x2005 && c.regs[VCPU_REGS_RSP] == 0x8008);
	/* jcc: jz +2 not taken (ZF = 0), jnz taken */
	assert_int_equal(RUN(&c, 0x74, 0x02), 0);
	assert_true(c.rip == 0x2007);
	assert_int_equal(RUN(&c, 0x75, 0xfe), 0); /* jnz -2: to itself */
	assert_true(c.rip == 0x2007);
	/* jmp rax with a non-canonical target: #GP(0) */
	c.regs[0] = 0x0000800000000000ull;
	assert_int_equal(RUN(&c, 0xff, 0xe0), X86EMUL_PROPAGATE_FAULT);
	assert_true(c.exception.vector == GP_VECTOR && c.rip == 0x2007);
	/* call [rip + 0]: the target qword right after the instruction (fetched from RAM) */
	c.rip = 0x3000;
	memcpy(ram + 0x2006, "\x00\x40\0\0\0\0\0\0", 8);
	assert_int_equal(RUN(&c, 0xff, 0x15, 0, 0, 0, 0), 0);
	assert_true(c.rip == 0x4000 && ram64(c.regs[VCPU_REGS_RSP]) == 0x3006);
	/* pop [rsp]: the address is computed after the increment (SDM POP) */
	c.regs[VCPU_REGS_RSP] = 0x8000;
	memcpy(ram + 0x7000, "\x11\0\0\0\0\0\0\0", 8);
	assert_int_equal(RUN(&c, 0x8f, 0x04, 0x24), 0);
	assert_true(c.regs[VCPU_REGS_RSP] == 0x8008 && ram64(0x8008) == 0x11);
	/* push to an unmapped stack: the #PF leaves RSP unchanged */
	c.regs[VCPU_REGS_RSP] = 0x100;
	assert_int_equal(RUN(&c, 0x50), X86EMUL_PROPAGATE_FAULT);
	assert_true(c.exception.vector == PF_VECTOR && c.regs[VCPU_REGS_RSP] == 0x100);
	/* loop: RCX 2 -> 1, taken */
	c.rip = 0x2000;
	c.regs[1] = 2;
	assert_int_equal(RUN(&c, 0xe2, 0x10), 0);
	assert_true(c.regs[1] == 1 && c.rip == 0x2012);
	/* pushf / popf at CPL 3: IOPL and IF are not writable */
	c.cpl = 3;
	c.regs[VCPU_REGS_RSP] = 0x8000;
	c.eflags = X86_EFLAGS_FIXED | X86_EFLAGS_IF | X86_EFLAGS_CF;
	/* popped 0x30c1 = IOPL 3 | SF | ZF | CF (IF clear): SF ZF CF taken, IOPL and IF kept */
	memcpy(ram + 0x7000, "\xc1\x30\0\0\0\0\0\0", 8);
	assert_int_equal(RUN(&c, 0x9d), 0);
	assert_true(c.eflags == (X86_EFLAGS_FIXED | X86_EFLAGS_IF | X86_EFLAGS_CF | X86_EFLAGS_ZF |
				 X86_EFLAGS_SF));
}

static void test_mmio(void **state)
{
	struct x86_emulate_ctxt c;

	init(&c, 64);
	/* mov dword [rbx + 0x300], 0xcafe to the MMIO page (a LAPIC-like register) */
	c.regs[3] = MMIO_BASE;
	assert_int_equal(RUN(&c, 0xc7, 0x83, 0x00, 0x03, 0, 0, 0xfe, 0xca, 0, 0), 0);
	assert_true(mmio_writes == 1 && mmio_last_addr == MMIO_BASE + 0x300 && mmio_last_val == 0xcafe);
	/* movzx eax, word [rbx]: the low word of the MMIO read 0x7788 */
	assert_int_equal(RUN(&c, 0x0f, 0xb7, 0x03), 0);
	assert_true(c.regs[0] == 0x7788 && mmio_reads == 1);
	/* movsx r16, byte [rbx] through REX2 (0F BE with M0=1, R4 and W): 0x88 -> -120 */
	assert_int_equal(RUN(&c, 0xd5, 0xc8, 0xbe, 0x03), 0);
	assert_true(c.regs[16] == (u64)-120);
	/* fs: base applies in 64-bit mode */
	c.seg_base[VCPU_SREG_FS] = 0x3000;
	c.regs[0] = 0x42;
	assert_int_equal(RUN(&c, 0x64, 0x88, 0x04, 0x25, 0x10, 0, 0, 0), 0); /* mov fs:[0x10], al */
	assert_int_equal(ram[0x2010], 0x42);
	/* fetch through ops->fetch when no bytes are given: 48 89 d8 = mov rax, rbx */
	c.rip = 0x1100;
	memcpy(ram + 0x100, "\x48\x89\xd8", 3);
	assert_int_equal(x86_emulate_one(&c, NULL, 0), 0);
	assert_true(c.regs[0] == MMIO_BASE && c.rip == 0x1103);
}

static void test_legacy_modes(void **state)
{
	struct x86_emulate_ctxt c;

	init(&c, 32);
	/* 32-bit mode: inc ecx (41), push/pop with 4-byte stack slots */
	c.regs[1] = 0xffffffff;
	assert_int_equal(RUN(&c, 0x41), 0);
	assert_true(c.regs[1] == 0 && (c.eflags & X86_EFLAGS_ZF));
	c.regs[0] = 0xabcd;
	assert_int_equal(RUN(&c, 0x50), 0);
	assert_true(c.regs[VCPU_REGS_RSP] == 0x7ffc);
	/* D5 with REX2 meaning does not exist here; 62 with mod != 11 is BOUND: not emulated */
	assert_int_equal(RUN(&c, 0x62, 0x00), X86EMUL_UNHANDLEABLE);
	/* 16-bit mode, 16-bit addressing: mov ax, [bx+si+2] */
	init(&c, 16);
	c.regs[3] = 0x2000;
	c.regs[6] = 0x0100;
	memcpy(ram + 0x1102, "\x34\x12", 2);
	assert_int_equal(RUN(&c, 0x8b, 0x40, 0x02), 0);
	assert_true((c.regs[0] & 0xffff) == 0x1234);
	/* [bp] defaults to SS: with an SS base of 0x1000, mov ax, [bp+0] reads 0x1000 + BP */
	c.seg_base[VCPU_SREG_SS] = 0x1000;
	c.regs[5] = 0x1102;
	assert_int_equal(RUN(&c, 0x8b, 0x46, 0x00), 0);
	assert_true((c.regs[0] & 0xffff) == 0x1234);
}

/* Outside the emulator: system and I/O instructions, EVEX, VEX; and emulator glue. */
static void test_unhandleable(void **state)
{
	struct x86_emulate_ctxt c;

	init(&c, 64);
	assert_int_equal(RUN(&c, 0xf4), X86EMUL_UNHANDLEABLE);		  /* hlt */
	assert_int_equal(RUN(&c, 0xe4, 0x60), X86EMUL_UNHANDLEABLE);	  /* in al, 0x60 */
	assert_int_equal(RUN(&c, 0x0f, 0x30), X86EMUL_UNHANDLEABLE);	  /* wrmsr */
	assert_int_equal(RUN(&c, 0xc5, 0xf9, 0xfe, 0xc0), X86EMUL_UNHANDLEABLE); /* vpaddd */
	assert_int_equal(RUN(&c, 0x0f, 0x0b), X86EMUL_PROPAGATE_FAULT);	  /* ud2 */
	assert_int_equal(c.exception.vector, UD_VECTOR);
	/* x86_emulate_insn() after a failed decode does nothing */
	assert_int_equal(RUN(&c, 0xd5, 0x00, 0x74, 0x00), X86EMUL_PROPAGATE_FAULT);
	assert_int_equal(x86_emulate_insn(&c), X86EMUL_UNHANDLEABLE);
	/* truncated: no exception, an emulation failure */
	assert_int_equal(RUN(&c, 0x48, 0x89), X86EMUL_UNHANDLEABLE);
	assert_true(c.rip == 0x2000);
}

/*
 * The state_test flow: the guest runs mov r16, 0xcccccccc (here through the emulator, with
 * the register cache loaded from and written back to the vCPU), and R16 shows in the
 * XSAVE image's component 19 at offset 960.
 */
static void test_vcpu_xsave(void **state)
{
	struct x86_emulate_ctxt c;
	struct kvm_vcpu_apx v = { .long_mode = true };
	u8 xs[1088] = { 0 };
	u64 r16;

	init(&c, 64);
	v.regs[31] = 0x3131;
	emulator_load_gprs(&c, &v);
	assert_int_equal(RUN(&c, 0xd5, 0x18, 0xb8, 0xcc, 0xcc, 0xcc, 0xcc, 0, 0, 0, 0), 0);
	emulator_writeback_gprs(&c, &v);
	kvm_apx_save_xstate(&v, xs, sizeof(xs));
	memcpy(&r16, xs + 960, 8);
	assert_true(r16 == 0xccccccccull && kvm_gpr_read(&v, 31) == 0x3131);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apx_vectors),   cmocka_unit_test(test_apx_ppx),
		cmocka_unit_test(test_rex2_ud),	      cmocka_unit_test(test_jmpabs),
		cmocka_unit_test(test_alu_flags),     cmocka_unit_test(test_shifts),
		cmocka_unit_test(test_bits_mul_div),  cmocka_unit_test(test_xchg_cmpxchg),
		cmocka_unit_test(test_strings),	      cmocka_unit_test(test_stack_branches),
		cmocka_unit_test(test_mmio),	      cmocka_unit_test(test_legacy_modes),
		cmocka_unit_test(test_unhandleable), cmocka_unit_test(test_vcpu_xsave),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
