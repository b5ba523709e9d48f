/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differential test of insn_decode() (and x86_format_intel()) against the LLVM 19 MC
 * disassembler -- the library llvm-mc-19 runs -- through libLLVM's C API (llvm_oracle.h).
 * Used by test_decode_diff.c (fast slice in make check) and by make difftest (full run).
 */
#ifndef KVMSIM_TEST_X86_DIFFTEST_H
#define KVMSIM_TEST_X86_DIFFTEST_H

#include <stdio.h>
#include <string.h>

#include "kvmsim/x86_decode.h"
#include "llvm_oracle.h"
#include "x86_gen.h"

enum { DEV_JMPABS, DEV_REX2, DEV_BRANCH66, DEV_VEX_PREFIX, DEV_PREFIX_ONLY, DEV_EVEX_NF_PP,
       DEV_EVEX_RSVD, DEV_LOCK, DEV_INT1, DEV_REX2_MOVCR, DEV_SIB_BASE, DEV_TRUNC, DEV_PUSH2_RSP,
       DEV_REP16, DEV_NR };

struct difftest_result {
	unsigned long cases, valid_both, invalid_both, len_valid_agree;
	unsigned long dev[DEV_NR], deviations, mismatch;
	unsigned long text_compared, text_agree, text_mismatch, text_skipped;
	unsigned long rex2, evex4, vex;
};

/*
 * The llvm-mc deviations listed in docs/model/apx.md, each against a rule. Returns the
 * index into difftest_dev_names, or -1.
 */
static const char *const difftest_dev_names[DEV_NR] = {
	/* apx.md 1.3: REX2.W=1 or 66/67/F2/F3/F0 + JMPABS is #UD; llvm decodes jmpabs */
	[DEV_JMPABS] = "jmpabs",
	/* apx.md 1.2: opcodes reserved under REX2, and prefix bytes after REX2.M0=0, are #UD;
	 * llvm 19 decodes them (jcc, string ops, IN/OUT, "cs" ...) */
	[DEV_REX2] = "rex2-reserved",
	/* SDM Vol. 2 JMP/Jcc, Intel 64: near branches in 64-bit mode ignore 66 (rel32); llvm
	 * takes rel16 for 66 E9 and 66 0F 8x (but rel32 for 66 E8) */
	[DEV_BRANCH66] = "branch66",
	/* SDM Vol. 2 2.3.2 / 2.7.x: 66/F2/F3/LOCK/REX before VEX or EVEX is #UD; llvm accepts */
	[DEV_VEX_PREFIX] = "vex-legacy-prefix",
	/* llvm returns a prefix alone (lock, rep, xrelease ...) as a 1-2 byte "instruction"
	 * where the hardware decodes prefixes + instruction (SDM 2.1.1) */
	[DEV_PREFIX_ONLY] = "prefix-only",
	/* apx.md 1.5: promoted instructions take pp = none or 66 (16-bit, W=0); llvm accepts
	 * any pp and W=1+66 on {nf} forms only (it rejects the same without NF) */
	[DEV_EVEX_NF_PP] = "evex-nf-pp",
	/* apx.md 1.5 (XED EVAPX): map 4 needs aaa[1:0]=0, z=0, L'L=0; llvm ignores them */
	[DEV_EVEX_RSVD] = "evex-reserved",
	/* SDM Vol. 2 LOCK: #UD unless the instruction is a lockable read-modify-write with a
	 * memory destination; llvm prints "lock" + any instruction */
	[DEV_LOCK] = "lock",
	/* SDM Vol. 2 INT1 (F1, ICEBP) is a valid instruction; llvm 19 does not decode it */
	[DEV_INT1] = "int1",
	/* apx.md 1.2: 0F 20-23 are not in the REX2-reserved table and R4/B4 are ignored for
	 * non-GPR operands; llvm 19 rejects REX2 + MOV CR/DR (llvm issue #82557 area) [verify] */
	[DEV_REX2_MOVCR] = "rex2-mov-cr-dr",
	/* apx.md 1.2: SIB base 101 with mod=00 means "no base + disp32" by the low 3 bits, also
	 * for B4=1 (r21/r29); llvm 19 takes r21/r29 as a base without displacement */
	[DEV_SIB_BASE] = "sib-base-r21-r29",
	/* llvm's EVEX path accepts a buffer that ends inside the displacement (our contract:
	 * never read past the buffer, report truncation) */
	[DEV_TRUNC] = "llvm-truncated",
	/* apx.md 1.4 (binutils x86-64-apx-evex-promoted-bad.s): PUSH2/POP2 with RSP, and POP2
	 * with two equal registers, are #UD; llvm accepts them */
	[DEV_PUSH2_RSP] = "push2-pop2-rsp",
	/* SDM Vol. 2 2.1.1: F2/F3 on non-string instructions is ignored (reserved); llvm
	 * rejects or re-sizes some of them in 16/32-bit mode, and with 66 (66 F3 90) */
	[DEV_REP16] = "rep-legacy-mode",
};

static inline bool difftest_prefix_only(const char *t)
{
	static const char *const w[] = { "lock", "rep", "repne", "xacquire", "xrelease", "data16",
					 "addr32", "addr16", "data32", "cs", "ds", "es", "ss", "fs", "gs",
					 "notrack" };
	char buf[256], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", t);
	for (tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		bool ok = false;

		for (unsigned int i = 0; i < ARRAY_SIZE(w); i++)
			ok |= !strcmp(tok, w[i]);
		if (!ok)
			return false;
	}
	return true;
}

static inline int difftest_deviation(const struct x86_insn *in, unsigned long llvm_len, const char *lt)
{
	if (!llvm_len && in->valid) {
		if (in->map == 0 && in->opcode == 0xf1)
			return DEV_INT1;
		if (in->enc == X86_ENC_REX2 && in->map == 1 && (in->opcode & 0xfc) == 0x20)
			return DEV_REX2_MOVCR;
		if ((in->mode != 64 || (in->prefixes & X86_PFX_66)) && in->last_rep && in->map <= 1)
			return DEV_REP16;
		return -1;
	}
	if (!llvm_len)
		return -1;
	if (in->ud == X86_UD_JMPABS)
		return DEV_JMPABS;
	if ((in->enc == X86_ENC_VEX || in->enc == X86_ENC_EVEX) &&
	    (in->prefixes & (X86_PFX_66 | X86_PFX_F2 | X86_PFX_F3 | X86_PFX_LOCK)))
		return DEV_VEX_PREFIX;
	if (in->mode != 64 && in->last_rep && in->map == 1 && in->valid)
		return DEV_REP16;
	if (in->ud == X86_UD_REX2_RESERVED || in->ud == X86_UD_AFTER_REX2)
		return DEV_REX2;
	if (llvm_len <= in->length && difftest_prefix_only(lt))
		return DEV_PREFIX_ONLY;
	if (in->valid && in->has_sib && in->no_base && in->b4 && llvm_len == in->length - 4u)
		return DEV_SIB_BASE;
	if (in->ud == X86_UD_TRUNCATED && in->enc == X86_ENC_EVEX)
		return DEV_TRUNC;
	if (in->ud == X86_UD_APX_FORM && in->enc == X86_ENC_EVEX &&
	    (in->opcode == 0xff || in->opcode == 0x8f) &&
	    (in->vvvv == 4 || in->rm == 4 || in->vvvv == in->rm))
		return DEV_PUSH2_RSP;
	if (in->ud == X86_UD_VEX_PREFIX)
		return DEV_VEX_PREFIX;
	if (in->ud == X86_UD_LOCK)
		return DEV_LOCK;
	if (in->mode == 64 && in->valid && (in->prefixes & X86_PFX_66) && in->imm_kind == X86_IMM_REL &&
	    in->imm_size == 4 && in->enc == X86_ENC_LEGACY &&
	    ((in->map == 0 && in->opcode == 0xe9) || (in->map == 1 && (in->opcode & 0xf0) == 0x80)) &&
	    llvm_len == in->length - 2u)
		return DEV_BRANCH66;
	if (in->enc == X86_ENC_EVEX && in->map == 4 && in->ud == X86_UD_APX_FORM && in->evex_nf &&
	    (in->pp >= 2 || (in->pp == 1 && in->w)))
		return DEV_EVEX_NF_PP;
	if (in->enc == X86_ENC_EVEX && in->map == 4 && in->ud == X86_UD_EVEX_RESERVED)
		return DEV_EVEX_RSVD;
	return -1;
}

/* Normalises llvm's text: drops the leading tab, turns tabs into one space. */
static inline void difftest_norm(char *s)
{
	char *o = s, *p = s;

	while (*p == '\t' || *p == ' ')
		p++;
	for (; *p; p++) {
		char c = *p == '\t' ? ' ' : *p;

		if (c == ' ' && o > s && o[-1] == ' ')
			continue;
		*o++ = c;
	}
	while (o > s && o[-1] == ' ')
		o--;
	*o = 0;
}

static inline int difftest_run(struct llvm_oracle *o, u64 seed, unsigned long n, unsigned int show,
			       FILE *log, struct difftest_result *r)
{
	struct x86_gen g = { seed };

	memset(r, 0, sizeof(*r));
	for (unsigned long i = 0; i < n; i++) {
		u8 buf[16];
		unsigned int size;
		int mode = x86_gen_case(&g, buf, &size);
		struct x86_insn in;
		char ltext[256], mtext[256];
		size_t llen;
		int dev;

		insn_decode(&in, buf, size, mode);
		llen = llvm_oracle_decode(o, mode, buf, size, 0x1000, ltext, sizeof(ltext));
		r->cases++;
		r->rex2 += in.enc == X86_ENC_REX2;
		r->evex4 += in.enc == X86_ENC_EVEX && in.map == 4;
		r->vex += in.enc == X86_ENC_VEX;
		if (in.valid && llen == in.length) {
			r->valid_both++;
		} else if (!in.valid && !llen) {
			r->invalid_both++;
			continue;
		} else if ((dev = difftest_deviation(&in, llen, ltext)) >= 0) {
			r->dev[dev]++;
			r->deviations++;
			continue;
		} else {
			r->mismatch++;
			if (show && log) {
				show--;
				fprintf(log, "mismatch mode %d:", mode);
				for (unsigned int k = 0; k < size; k++)
					fprintf(log, " %02x", buf[k]);
				fprintf(log, "\n  kvmsim: %s len %u ud '%s'\n  llvm:   len %zu '%s'\n",
					in.valid ? "valid" : "invalid", in.length, x86_ud_reason_str(in.ud),
					llen, ltext);
			}
			continue;
		}
		/* valid in both with the same length: compare the text where covered */
		if (x86_format_intel(&in, 0x1000, mtext, sizeof(mtext)) < 0) {
			r->text_skipped++;
			continue;
		}
		difftest_norm(ltext);
		r->text_compared++;
		if (!strcmp(ltext, mtext)) {
			r->text_agree++;
		} else {
			r->text_mismatch++;
			if (show && log) {
				show--;
				fprintf(log, "text mode %d:", mode);
				for (unsigned int k = 0; k < in.length; k++)
					fprintf(log, " %02x", buf[k]);
				fprintf(log, "\n  kvmsim: '%s'\n  llvm:   '%s'\n", mtext, ltext);
			}
		}
	}
	return 0;
}

static inline void difftest_print(FILE *f, const struct difftest_result *r)
{
	fprintf(f,
		"difftest: %lu cases (%lu REX2, %lu EVEX map 4, %lu VEX): length+validity agree %lu "
		"(%lu valid, %lu invalid), listed llvm deviations %lu (",
		r->cases, r->rex2, r->evex4, r->vex, r->valid_both + r->invalid_both, r->valid_both,
		r->invalid_both, r->deviations);
	for (int i = 0; i < DEV_NR; i++)
		fprintf(f, "%s%s %lu", i ? ", " : "", difftest_dev_names[i], r->dev[i]);
	fprintf(f, "), mismatches %lu; text: %lu compared, %lu agree, %lu differ, %lu outside the "
		"formatter\n", r->mismatch, r->text_compared, r->text_agree, r->text_mismatch,
		r->text_skipped);
}

#endif
