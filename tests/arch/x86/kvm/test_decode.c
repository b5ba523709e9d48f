// SPDX-License-Identifier: GPL-2.0
/*
 * insn_decode(): every byte vector of ../shared/spec/apx.md section 6, and the #UD rules
 * of apx.md 1.2-1.5. Expected values are derived in the comments from the REX2 payload
 * layout (M0 R4 X4 B4 W R3 X3 B3) and the EVEX APX layout of apx.md 1.2 / 1.5.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kvmsim/x86_decode.h"

static struct x86_insn dec(const u8 *b, size_t n)
{
	struct x86_insn in;

	insn_decode(&in, b, n, 64);
	return in;
}

#define DEC(...)                                                        \
	({                                                              \
		static const u8 _b[] = { __VA_ARGS__ };                 \
		dec(_b, sizeof(_b));                                    \
	})

static void test_mov_egpr(void **state)
{
	struct x86_insn in;

	/* D5 48 89 C0: payload 0x48 = R4=1 W=1; ModRM C0 reg=0 -> 16+0 = r16, rm = rax: mov rax, r16 */
	in = DEC(0xd5, 0x48, 0x89, 0xc0);
	assert_true(in.valid);
	assert_int_equal(in.length, 4);
	assert_int_equal(in.enc, X86_ENC_REX2);
	assert_int_equal(in.map, 0);
	assert_int_equal(in.opcode, 0x89);
	assert_int_equal(in.reg, 16);
	assert_int_equal(in.rm, 0);
	assert_int_equal(in.opsize, 8);
	/* D5 4C 89 F8: 0x4C = R4 W R3 -> reg = 16+8+7 (F8: reg=7) = 31, rm 0: mov rax, r31 */
	in = DEC(0xd5, 0x4c, 0x89, 0xf8);
	assert_true(in.valid);
	assert_int_equal(in.reg, 31);
	assert_int_equal(in.rm, 0);
	/* D5 18 89 C0: 0x18 = B4 W -> rm = 16: mov r16, rax; D5 19 89 C7: B4 W B3, rm 7 -> 31 */
	in = DEC(0xd5, 0x18, 0x89, 0xc0);
	assert_int_equal(in.rm, 16);
	assert_int_equal(in.reg, 0);
	in = DEC(0xd5, 0x19, 0x89, 0xc7);
	assert_int_equal(in.rm, 31);
	/* D5 18 B8 imm32: B8+r with W=1 takes imm64 (8 bytes) -> 3 + 8 = 11 bytes, opreg = 16 */
	in = DEC(0xd5, 0x18, 0xb8, 0xcc, 0xcc, 0xcc, 0xcc, 0, 0, 0, 0);
	assert_true(in.valid);
	assert_int_equal(in.length, 11);
	assert_int_equal(in.opreg, 16);
	assert_int_equal(in.imm, 0xccccccccull);
	/* D5 08 89 00: W=1, mov [rax], rax: mod 0 rm 0 -> base 0, 4 bytes */
	in = DEC(0xd5, 0x08, 0x89, 0x00);
	assert_true(in.valid);
	assert_int_equal(in.length, 4);
	assert_int_equal(in.mod, 0);
	assert_int_equal(in.base, 0);
}

static void test_lea_addressing(void **state)
{
	struct x86_insn in;

	/* D5 40 8D 00: R4 -> reg 16 (lea r16d,[rax]); D5 44 8D 38: R4 R3 reg 7 -> 31 */
	in = DEC(0xd5, 0x40, 0x8d, 0x00);
	assert_true(in.valid);
	assert_int_equal(in.reg, 16);
	assert_int_equal(in.opsize, 4);
	in = DEC(0xd5, 0x44, 0x8d, 0x38);
	assert_int_equal(in.reg, 31);
	/* D5 10 8D 04 24: B4; SIB 24 base 100 | B4 -> 20 (r20); index 100 with X4=0 -> none */
	in = DEC(0xd5, 0x10, 0x8d, 0x04, 0x24);
	assert_true(in.valid);
	assert_int_equal(in.length, 5);
	assert_int_equal(in.base, 20);
	assert_true(in.no_index);
	/* D5 10 8D 45 00: mod 01 rm 101 | B4 -> r21 with disp8 0 (not RIP: mod != 0) */
	in = DEC(0xd5, 0x10, 0x8d, 0x45, 0x00);
	assert_int_equal(in.length, 5);
	assert_int_equal(in.base, 21);
	assert_int_equal(in.disp_size, 1);
	assert_false(in.rip_rel);
	/* D5 20 8D 04 25 disp32: X4=1, SIB index 100 -> 20 = r20 is an index (apx.md 1.2);
	 * base 101 with mod 00 -> no base, disp32: 5 + 4 = 9 bytes */
	in = DEC(0xd5, 0x20, 0x8d, 0x04, 0x25, 0, 0, 0, 0);
	assert_true(in.valid);
	assert_int_equal(in.length, 9);
	assert_false(in.no_index);
	assert_int_equal(in.index, 20);
	assert_true(in.no_base);
}

static void test_map1_and_mandatory_prefixes(void **state)
{
	struct x86_insn in;

	/* D5 C0 AF C0: M0=1 R4 -> map 1 (0F) AF = imul, reg 16 rm 0 */
	in = DEC(0xd5, 0xc0, 0xaf, 0xc0);
	assert_true(in.valid);
	assert_int_equal(in.map, 1);
	assert_int_equal(in.opcode, 0xaf);
	assert_int_equal(in.reg, 16);
	/* F3 D5 D0 B8 C8: F3 before REX2 keeps its mandatory role: popcnt (0F B8 needs F3);
	 * payload D0 = M0 R4 B4; C8 reg 1 -> 17, rm 0 -> 16 */
	in = DEC(0xf3, 0xd5, 0xd0, 0xb8, 0xc8);
	assert_true(in.valid);
	assert_int_equal(in.length, 5);
	assert_int_equal(in.reg, 17);
	assert_int_equal(in.rm, 16);
	/* without F3, 0F B8 is not POPCNT (JMPE): #UD */
	in = DEC(0xd5, 0xd0, 0xb8, 0xc8);
	assert_false(in.valid);
	/* 66 D5 CD C5 DB 08: pextrw (0F C5 /r ib); CD = M0 R4 W R3 B3; DB reg 3 -> 16+8+3 = 27 */
	in = DEC(0x66, 0xd5, 0xcd, 0xc5, 0xdb, 0x08);
	assert_true(in.valid);
	assert_int_equal(in.length, 6);
	assert_int_equal(in.reg, 27);
	assert_int_equal(in.imm, 8);
}

static void test_jmpabs(void **state)
{
	struct x86_insn in;
	static const u8 pfx[] = { 0x66, 0x67, 0xf2, 0xf3, 0xf0 };

	/* D5 00 A1 imm64: 3 + 8 = 11 bytes, target = imm64 = 1 (apx.md 1.3) */
	in = DEC(0xd5, 0x00, 0xa1, 1, 0, 0, 0, 0, 0, 0, 0);
	assert_true(in.valid);
	assert_true(in.jmpabs);
	assert_int_equal(in.length, 11);
	assert_int_equal(in.imm, 1);
	/* the other payload bits are ignored: D5 77 A1 (R4 X4 B4 R3 X3 B3, W=0) is still jmpabs */
	in = DEC(0xd5, 0x77, 0xa1, 1, 0, 0, 0, 0, 0, 0, 0);
	assert_true(in.jmpabs);
	/* W=1: #UD */
	in = DEC(0xd5, 0x08, 0xa1, 1, 0, 0, 0, 0, 0, 0, 0);
	assert_false(in.valid);
	assert_int_equal(in.ud, X86_UD_JMPABS);
	/* 66/67/F2/F3/F0 before it: #UD */
	for (unsigned int i = 0; i < ARRAY_SIZE(pfx); i++) {
		u8 b[] = { pfx[i], 0xd5, 0x00, 0xa1, 1, 0, 0, 0, 0, 0, 0, 0 };

		in = dec(b, sizeof(b));
		assert_false(in.valid);
		assert_int_equal(in.ud, X86_UD_JMPABS);
	}
	/* a segment prefix is not listed as invalid ([verify] in apx.md): accepted */
	in = DEC(0x2e, 0xd5, 0x00, 0xa1, 1, 0, 0, 0, 0, 0, 0, 0);
	assert_true(in.valid);
}

static void test_ppx_push2_pop2(void **state)
{
	struct x86_insn in;

	/* D5 08 50: pushp rax (W=1 on 50+r); D5 18 50: B4 -> r16; D5 08 58 popp rax */
	in = DEC(0xd5, 0x08, 0x50);
	assert_true(in.valid);
	assert_true(in.ppx);
	assert_int_equal(in.opreg, 0);
	in = DEC(0xd5, 0x18, 0x50);
	assert_int_equal(in.opreg, 16);
	in = DEC(0xd5, 0x08, 0x58);
	assert_true(in.ppx);
	/* 62 F4 44 18 FF F0: map 4, P1 44 -> W0 vvvv=~1000=0111 = 7 (rdi), P2 18: ND=1, V'=1;
	 * FF /6 mod 3 rm 0 -> push2 rdi, rax */
	in = DEC(0x62, 0xf4, 0x44, 0x18, 0xff, 0xf0);
	assert_true(in.valid);
	assert_int_equal(in.map, 4);
	assert_int_equal(in.vvvv, 7);
	assert_int_equal(in.rm, 0);
	assert_int_equal(in.length, 6);
	in = DEC(0x62, 0xf4, 0x44, 0x18, 0x8f, 0xc0); /* pop2 rdi, rax */
	assert_true(in.valid);
	/* ND=0 (P2 08): #UD; pop2 rax, rax (vvvv 0 = rm 0: P1 7C): #UD; rsp (rm 4): #UD */
	in = DEC(0x62, 0xf4, 0x44, 0x08, 0xff, 0xf0);
	assert_int_equal(in.ud, X86_UD_APX_FORM);
	in = DEC(0x62, 0xf4, 0x7c, 0x18, 0x8f, 0xc0);
	assert_int_equal(in.ud, X86_UD_APX_FORM);
	in = DEC(0x62, 0xf4, 0x44, 0x18, 0xff, 0xf4);
	assert_int_equal(in.ud, X86_UD_APX_FORM);
}

static void test_rex_before_rex2(void **state)
{
	/* 4x D5 ..: #UD for every REX byte (spec 3.1.2.1) */
	for (unsigned int r = 0x40; r <= 0x4f; r++) {
		u8 b[] = { r, 0xd5, 0x48, 0x89, 0xc0 };
		struct x86_insn in = dec(b, sizeof(b));

		assert_false(in.valid);
		assert_int_equal(in.ud, X86_UD_REX_BEFORE_REX2);
	}
	/* a REX separated from REX2 by a legacy prefix is ignored: 48 66 D5 48 89 C0 is valid */
	struct x86_insn in = DEC(0x48, 0x66, 0xd5, 0x48, 0x89, 0xc0);

	assert_true(in.valid);
}

static void test_rex2_reserved_opcodes(void **state)
{
	/*
	 * M0=0: 40-4F, 70-7F, A0, A2-AF, E0-EF, 0F, C4, C5, 62, D5 (and legacy prefixes) #UD;
	 * M0=1: 30-37, 38, 3A, 80-8F, 0F #UD (apx.md 1.2 table). Other opcodes decode.
	 */
	for (unsigned int m0 = 0; m0 < 2; m0++) {
		for (unsigned int op = 0; op < 256; op++) {
			u8 b[15] = { 0xd5, m0 << 7, op, 0xc0 };
			struct x86_insn in;
			bool reserved;

			insn_decode(&in, b, sizeof(b), 64);
			if (!m0)
				reserved = (op >= 0x40 && op <= 0x4f) || (op >= 0x70 && op <= 0x7f) ||
					   (op >= 0xa0 && op <= 0xaf && op != 0xa1) ||
					   (op >= 0xe0 && op <= 0xef) || op == 0x0f || op == 0xc4 ||
					   op == 0xc5 || op == 0x62 || op == 0xd5 || op == 0x26 ||
					   op == 0x2e || op == 0x36 || op == 0x3e || op == 0x64 ||
					   op == 0x65 || op == 0x66 || op == 0x67 || op == 0xf0 ||
					   op == 0xf2 || op == 0xf3;
			else
				reserved = (op >= 0x30 && op <= 0x37) || op == 0x38 || op == 0x3a ||
					   (op >= 0x80 && op <= 0x8f) || op == 0x0f;
			if (reserved) {
				assert_false(in.valid);
				assert_true(in.ud == X86_UD_REX2_RESERVED || in.ud == X86_UD_AFTER_REX2);
			} else {
				assert_true(in.ud != X86_UD_REX2_RESERVED && in.ud != X86_UD_AFTER_REX2);
			}
		}
	}
	/* legacy prefix bytes after REX2.M0=0: #UD; with M0=1, D5 is PMULLW (0F D5) */
	struct x86_insn in = DEC(0xd5, 0x00, 0x66, 0x89, 0xc0);

	assert_int_equal(in.ud, X86_UD_AFTER_REX2);
	in = DEC(0xd5, 0x80, 0xd5, 0xc0);
	assert_true(in.valid);
	/* D5 C5 20 EF: M0=1 0F 20 (mov r, cr) with R4: decodes (R4 ignored for CRs), 4 bytes */
	in = DEC(0xd5, 0xc5, 0x20, 0xef);
	assert_true(in.valid);
	assert_int_equal(in.length, 4);
}

static void test_modes_and_limits(void **state)
{
	struct x86_insn in;
	static const u8 aad[] = { 0xd5, 0x0a };
	static const u8 long_insn[16] = { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
					  0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90, 0x90 };
	static const u8 ok15[15] = { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
				     0x66, 0x66, 0x66, 0x66, 0x66, 0x90 };

	/* in 32-bit mode D5 is AAD imm8: 2 bytes */
	assert_int_equal(insn_decode(&in, aad, sizeof(aad), 32), 0);
	assert_int_equal(in.length, 2);
	/* 14 prefixes + 90 = 15 bytes: valid; 15 prefixes + 90 = 16: too long */
	assert_int_equal(insn_decode(&in, ok15, sizeof(ok15), 64), 0);
	assert_int_equal(in.length, 15);
	assert_int_equal(insn_decode(&in, long_insn + 0, 16, 64), 0); /* also 14 + 90 */
	{
		u8 b[16];

		for (int i = 0; i < 15; i++)
			b[i] = 0x66;
		b[15] = 0x90;
		assert_int_equal(insn_decode(&in, b, 16, 64), -EINVAL);
		assert_int_equal(in.ud, X86_UD_TOO_LONG);
	}
	/* truncation: D5 48 89 without ModRM */
	in = DEC(0xd5, 0x48, 0x89);
	assert_int_equal(in.ud, X86_UD_TRUNCATED);
	/* EVEX map 4 outside 64-bit mode: 62 F4 in 32-bit with mod=11 byte is EVEX, map 4 #UD */
	{
		static const u8 e[] = { 0x62, 0xf4, 0x7c, 0x18, 0x01, 0xc0 };

		insn_decode(&in, e, sizeof(e), 32);
		assert_false(in.valid);
	}
	/* REX2 in 32-bit mode does not exist: D5 48 = AAD 0x48 */
	{
		static const u8 e[] = { 0xd5, 0x48 };

		assert_int_equal(insn_decode(&in, e, sizeof(e), 32), 0);
		assert_int_equal(in.enc, X86_ENC_LEGACY);
	}
}

static void test_evex_ndd_nf(void **state)
{
	struct x86_insn in;

	/* 62 F4 7C 18 01 C0: map 4 ADD, ND=1 vvvv=0 (P1 7C: ~1111) -> add eax, eax, eax; 6 bytes */
	in = DEC(0x62, 0xf4, 0x7c, 0x18, 0x01, 0xc0);
	assert_true(in.valid);
	assert_int_equal(in.evex_nd, 1);
	/* {nf} (P2 0C: NF=1, ND=0) add: valid; {nf} adc (11): #UD (ADC writes flags it reads) */
	in = DEC(0x62, 0xf4, 0x7c, 0x0c, 0x01, 0xc0);
	assert_true(in.valid);
	assert_int_equal(in.evex_nf, 1);
	in = DEC(0x62, 0xf4, 0x7c, 0x0c, 0x11, 0xc0);
	assert_int_equal(in.ud, X86_UD_APX_FORM);
	/* ND=0 with vvvv != 0 (P1 44): #UD */
	in = DEC(0x62, 0xf4, 0x44, 0x08, 0x01, 0xc0);
	assert_int_equal(in.ud, X86_UD_APX_FORM);
	/* 66 (pp=01, P1 7D) selects 16-bit operands: add ax, ax with imm16 for 81 /0 */
	in = DEC(0x62, 0xf4, 0x7d, 0x08, 0x81, 0xc0, 0x34, 0x12);
	assert_true(in.valid);
	assert_int_equal(in.opsize, 2);
	assert_int_equal(in.length, 8);
	/* aaa[1:0] != 0 (P2 09): #UD (apx.md 1.5, XED EVAPX) */
	in = DEC(0x62, 0xf4, 0x7c, 0x09, 0x01, 0xc0);
	assert_int_equal(in.ud, X86_UD_EVEX_RESERVED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mov_egpr),
		cmocka_unit_test(test_lea_addressing),
		cmocka_unit_test(test_map1_and_mandatory_prefixes),
		cmocka_unit_test(test_jmpabs),
		cmocka_unit_test(test_ppx_push2_pop2),
		cmocka_unit_test(test_rex_before_rex2),
		cmocka_unit_test(test_rex2_reserved_opcodes),
		cmocka_unit_test(test_modes_and_limits),
		cmocka_unit_test(test_evex_ndd_nf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
