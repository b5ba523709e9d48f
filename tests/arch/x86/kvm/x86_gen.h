/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differential corpus generator: deterministic random x86 instructions from a seed,
 * covering legacy, REX, REX2 (maps 0 and 1, including every byte the APX rules reserve),
 * VEX (BMI1/BMI2 and a few AVX integer ops) and extended EVEX map 4 (APX), in 64-, 32-
 * and 16-bit modes, followed by random tail bytes so that length decisions show. The
 * opcode space is the one docs/model/apx.md says the decoder models.
 */
#ifndef KVMSIM_TEST_X86_GEN_H
#define KVMSIM_TEST_X86_GEN_H

#include <string.h>

#include "kvmsim/types.h"

struct x86_gen {
	u64 s;
};

static inline u64 gen_next(struct x86_gen *g)
{
	u64 z = (g->s += 0x9e3779b97f4a7c15ull); /* splitmix64 */

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline unsigned int gen_below(struct x86_gen *g, unsigned int n)
{
	return gen_next(g) % n;
}

/* map-1 opcodes in the corpus: the general-purpose and system ones */
static const u8 gen_map1_ops[] = {
	0x00, 0x02, 0x03, 0x05, 0x06, 0x07, 0x08, 0x0b, 0x0d, 0x18, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x37,
	0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d,
	0x4e, 0x4f, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b,
	0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
	0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa8, 0xa9,
	0xab, 0xac, 0xad, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xba,
	0xbb, 0xbc, 0xbd, 0xbe, 0xbf, 0xc0, 0xc1, 0xc3, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd,
	0xce, 0xcf, 0x04, 0x0a, 0x0c, 0x24, 0x25, 0x26, 0x27, 0x36, 0x38, 0x3a, 0x0f, 0x39,
	0x3b, 0xa6, 0xa7, 0xff,
};

static const u8 gen_map4_ops[] = {
	0x00, 0x01, 0x02, 0x03, 0x08, 0x09, 0x0a, 0x0b, 0x10, 0x11, 0x12, 0x13, 0x18, 0x19,
	0x1a, 0x1b, 0x20, 0x21, 0x22, 0x23, 0x28, 0x29, 0x2a, 0x2b, 0x30, 0x31, 0x32, 0x33,
	0x24, 0x2c, 0xa5, 0xad, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
	0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x69, 0x6b, 0xaf, 0x80, 0x81, 0x83, 0xc0, 0xc1,
	0xd0, 0xd1, 0xd2, 0xd3, 0xf6, 0xf7, 0xfe, 0xff, 0x8f,
};

static const u8 gen_map2_ops[] = { 0x00, 0x01, 0x04, 0x0b, 0x10, 0x17, 0x1c, 0x20, 0x25, 0x29,
				   0x37, 0x40, 0x41, 0xf0, 0xf1, 0xf6 };
static const u8 gen_map3_ops[] = { 0x0f, 0x08, 0x0e, 0x14, 0x17, 0x20, 0x22, 0x40, 0x44, 0x63 };
static const u8 gen_vex_ops[][3] = {
	/* map, opcode, pp */
	{ 2, 0xf2, 0 }, { 2, 0xf3, 0 }, { 2, 0xf5, 0 }, { 2, 0xf5, 2 }, { 2, 0xf5, 3 },
	{ 2, 0xf6, 3 }, { 2, 0xf7, 0 }, { 2, 0xf7, 1 }, { 2, 0xf7, 2 }, { 2, 0xf7, 3 },
	{ 3, 0xf0, 3 }, { 1, 0xfe, 1 }, { 1, 0xef, 1 }, { 1, 0xd4, 1 },
};

static const u8 gen_legacy_pfx[] = { 0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x3e, 0x26, 0x64, 0x65, 0x36 };

/* Appends ModRM (with reg forced when reg >= 0) and any SIB/displacement-looking bytes: the
 * tail bytes are random anyway. */
static inline unsigned int gen_modrm(struct x86_gen *g, u8 *p, int reg)
{
	u8 m = gen_next(g);

	if (reg >= 0)
		m = (m & 0xc7) | reg << 3;
	p[0] = m;
	return 1;
}

/* Fills buf[15] with one case; returns the mode (16/32/64). */
static inline int x86_gen_case(struct x86_gen *g, u8 *buf, unsigned int *size)
{
	unsigned int n = 0, k = gen_below(g, 100), npfx;
	int mode = k < 85 ? 64 : k < 96 ? 32 : 16;
	u8 op;

	for (int i = 0; i < 15; i++)
		buf[i] = gen_next(g);
	*size = 15;
	if (gen_below(g, 50) == 0)
		*size = gen_below(g, 15); /* truncated buffers */

	npfx = gen_below(g, 4) == 0 ? 1 + gen_below(g, 2) : 0;
	for (unsigned int i = 0; i < npfx; i++)
		buf[n++] = gen_legacy_pfx[gen_below(g, gen_below(g, 3) ? 4 : ARRAY_SIZE(gen_legacy_pfx))];

	k = gen_below(g, 100);
	if (mode == 64 && k < 35) {
		/* REX2 */
		if (gen_below(g, 30) == 0)
			buf[n++] = 0x40 | gen_below(g, 16); /* REX right before REX2: #UD */
		buf[n++] = 0xd5;
		buf[n] = gen_next(g);
		if (gen_below(g, 2)) {
			buf[n++] &= 0x7f; /* M0 = 0: any map-0 byte */
			op = gen_next(g);
			if (gen_below(g, 8) == 0) {
				op = 0xa1; /* JMPABS */
				if (gen_below(g, 2))
					buf[n - 1] &= ~8;
			}
			buf[n++] = op;
			if (op == 0x8f)
				n += gen_modrm(g, buf + n, 0);
		} else {
			buf[n++] |= 0x80;
			op = gen_map1_ops[gen_below(g, ARRAY_SIZE(gen_map1_ops))];
			buf[n++] = op;
			if (op >= 0x20 && op <= 0x23)
				buf[n] |= 0xc0;
		}
		return mode;
	}
	if (mode == 64 && k < 60) {
		/* extended EVEX, map 4 */
		u8 p0 = gen_next(g), p1 = gen_next(g), p2 = gen_next(g);

		p0 = (p0 & 0xf8) | 4;
		if (gen_below(g, 4))
			p1 = (p1 & ~3) | gen_below(g, 2);
		if (gen_below(g, 4)) {
			p2 &= ~(0xe0 | 3); /* z = 0, L'L = 0, aaa[1:0] = 0 */
		}
		if (!(p2 & 0x10) && gen_below(g, 5)) {
			p1 |= 0x78; /* ND = 0: vvvv unused */
			p2 |= 0x08;
		}
		if (gen_below(g, 4) == 0)
			n = 0; /* most EVEX cases without legacy prefixes */
		buf[n++] = 0x62;
		buf[n++] = p0;
		buf[n++] = p1;
		buf[n++] = p2;
		op = gen_map4_ops[gen_below(g, ARRAY_SIZE(gen_map4_ops))];
		buf[n++] = op;
		if (op == 0xff && gen_below(g, 3) == 0)
			buf[n] = (buf[n] & 0x3f) | 0xf0; /* PUSH2 */
		if (op == 0x8f && gen_below(g, 2))
			buf[n] = (buf[n] & 0x07) | 0xc0; /* POP2 */
		if ((op == 0xf6 || op == 0xf7) && ((buf[n] >> 3) & 7) < 2)
			buf[n] |= 0x10; /* CTEST: not modelled */
		if ((op & 0xfc) == 0x80 && ((buf[n] >> 3) & 7) == 7)
			buf[n] &= ~0x08; /* CCMP: not modelled */
		return mode;
	}
	if (k < 66) {
		/* VEX */
		const u8 *v = gen_vex_ops[gen_below(g, ARRAY_SIZE(gen_vex_ops))];
		u8 p1 = gen_next(g);

		if (gen_below(g, 3))
			n = 0;
		if (gen_below(g, 3))
			p1 &= ~4; /* L = 0 */
		p1 = (p1 & ~3) | v[2];
		if (v[0] == 1 && gen_below(g, 2)) {
			buf[n++] = 0xc5;
			buf[n++] = p1;
		} else {
			buf[n++] = 0xc4;
			buf[n++] = (gen_next(g) & 0xe0) | v[0];
			buf[n++] = p1;
		}
		buf[n++] = v[1];
		if (mode != 64)
			buf[n - 3 + (buf[n - 3] == 0xc5)] |= 0xc0;
		return mode;
	}
	if (mode == 64 && gen_below(g, 3) == 0)
		buf[n++] = 0x40 | gen_below(g, 16);
	k = gen_below(g, 100);
	if (k < 60) {
		/* any map-0 opcode byte; prefixes, VEX/EVEX/REX2 bytes are generated above */
		do
			op = gen_next(g);
		while (op == 0x26 || op == 0x2e || op == 0x36 || op == 0x3e || (op & 0xfc) == 0x64 ||
		       op == 0xf0 || op == 0xf2 || op == 0xf3 || op == 0xc4 || op == 0xc5 ||
		       op == 0x62 || (mode == 64 && ((op & 0xf0) == 0x40 || op == 0xd5)));
		/* not modelled: AMD XOP (8F /1-7), forced to 8F /0 */
		buf[n++] = op;
		if (op == 0x8f)
			n += gen_modrm(g, buf + n, 0);
		if (op == 0x0f) {
			op = gen_map1_ops[gen_below(g, ARRAY_SIZE(gen_map1_ops))];
			if (op == 0x38 || op == 0x3a || op == 0x0f)
				op = 0xa2;
			buf[n++] = op;
			if (op >= 0x20 && op <= 0x23)
				buf[n] |= 0xc0;
		}
	} else if (k < 90) {
		buf[n++] = 0x0f;
		op = gen_map1_ops[gen_below(g, ARRAY_SIZE(gen_map1_ops))];
		if (op == 0x38 || op == 0x3a || op == 0x0f)
			op = 0xa2;
		buf[n++] = op;
		if (op >= 0x20 && op <= 0x23)
			buf[n] |= 0xc0;
	} else {
		/* 0F38 / 0F3A (32/64-bit): mandatory prefixes only as the instruction defines them */
		bool m2 = k < 95;

		if (mode == 16)
			mode = 32;
		op = m2 ? gen_map2_ops[gen_below(g, ARRAY_SIZE(gen_map2_ops))] :
			  gen_map3_ops[gen_below(g, ARRAY_SIZE(gen_map3_ops))];
		n = 0;
		if (mode == 64 && gen_below(g, 3) == 0)
			buf[n++] = 0x66;
		else if (gen_below(g, 2))
			buf[n++] = m2 && op == 0xf6 ? 0xf3 : m2 && op >= 0xf0 ? 0xf2 : 0x66;
		if (mode == 64 && gen_below(g, 3) == 0)
			buf[n++] = 0x40 | gen_below(g, 16);
		buf[n++] = 0x0f;
		buf[n++] = m2 ? 0x38 : 0x3a;
		buf[n++] = op;
	}
	return mode;
}

#endif
