// SPDX-License-Identifier: GPL-2.0
/*
 * The x86 instruction emulator: general-purpose instructions on a register file of 32
 * GPRs, RIP and RFLAGS, with memory and MMIO through callbacks.
 *
 * Models arch/x86/kvm/emulate.c (v6.18: x86_decode_insn(), x86_emulate_insn(), the em_*()
 * handlers and the fastop arithmetic) with the APX series (RFC v1 09-16/20, v2 09-12/16):
 * NR_EMULATOR_GPRS = 32, 5-bit register numbers from REX2, rex2_invalid(), NoRex2 opcodes,
 * JMPABS (RFC v1 14/20, switchable to the later "dropped" behaviour), EVEX rejected.
 *
 * Differences from KVM: decoding is insn_decode() (decode.c) instead of the opcode tables
 * (every decoder #UD becomes a guest #UD); flags are computed in C instead of by fastop
 * (KVM executes the host instruction, so undefined flags are the host CPU's; here they
 * are fixed choices, listed in docs/model/apx.md); no segment limits or access rights
 * (segment bases only), no paging (the callbacks see linear addresses), no alignment
 * checks except CMPXCHG16B; CPL is a field. Out of scope (X86EMUL_UNHANDLEABLE): I/O,
 * segment loads, far branches, system instructions, x87/SSE/AVX, VEX, EVEX.
 */
#include <errno.h>
#include <string.h>

#include "kvmsim/x86_apx.h"
#include "kvmsim/x86_emulate.h"

_Static_assert(NR_EMULATOR_GPRS == NR_VCPU_GPRS, "emulator and vCPU register files");

enum { OP_NONE, OP_REG, OP_MEM, OP_IMM };

/* KVM's struct operand, reduced. */
struct operand {
	int type;
	unsigned int bytes;
	unsigned int reg; /* OP_REG: 0-31 */
	bool high;	  /* OP_REG: AH/CH/DH/BH */
	u64 ea;		  /* OP_MEM: effective address (before the segment base) */
	int seg;	  /* OP_MEM: VCPU_SREG_* */
	u64 val;
};

static inline u64 mask_of(unsigned int bytes)
{
	return bytes >= 8 ? ~0ull : (1ull << (bytes * 8)) - 1;
}

static inline u64 sext(u64 v, unsigned int bytes)
{
	switch (bytes) {
	case 1: return (u64)(s64)(s8)v;
	case 2: return (u64)(s64)(s16)v;
	case 4: return (u64)(s64)(s32)v;
	}
	return v;
}

static inline u64 msb(u64 v, unsigned int bytes)
{
	return v >> (bytes * 8 - 1) & 1;
}

static int emulate_exception(struct x86_emulate_ctxt *ctxt, u8 vec, bool has_err, u16 err)
{
	ctxt->exception.valid = true;
	ctxt->exception.vector = vec;
	ctxt->exception.error_code_valid = has_err;
	ctxt->exception.error_code = err;
	return X86EMUL_PROPAGATE_FAULT;
}

static int emulate_ud(struct x86_emulate_ctxt *ctxt)
{
	return emulate_exception(ctxt, UD_VECTOR, false, 0);
}

static int emulate_gp(struct x86_emulate_ctxt *ctxt, u16 err)
{
	return emulate_exception(ctxt, GP_VECTOR, true, err);
}

static int emulate_de(struct x86_emulate_ctxt *ctxt)
{
	return emulate_exception(ctxt, DE_VECTOR, false, 0);
}

/* ----------------------------------------------------------------------------------- */
/* Registers                                                                             */

/* A REX or REX2 prefix makes byte registers 4-7 SPL..DIL instead of AH..BH. */
static bool has_rex(const struct x86_emulate_ctxt *ctxt)
{
	return ctxt->insn.rex || ctxt->insn.enc == X86_ENC_REX2;
}

static void op_set_reg(struct x86_emulate_ctxt *ctxt, struct operand *op, unsigned int reg,
		       unsigned int bytes)
{
	op->type = OP_REG;
	op->bytes = bytes;
	op->high = bytes == 1 && !has_rex(ctxt) && reg >= 4 && reg < 8;
	op->reg = op->high ? reg - 4 : reg;
}

static u64 read_reg_op(const struct x86_emulate_ctxt *ctxt, const struct operand *op)
{
	u64 v = ctxt->regs[op->reg];

	if (op->high)
		return v >> 8 & 0xff;
	return v & mask_of(op->bytes);
}

/* KVM write_register_operand(): 8/16-bit writes merge, 32-bit writes zero-extend. */
static void write_reg(struct x86_emulate_ctxt *ctxt, unsigned int reg, bool high, u64 val,
		      unsigned int bytes)
{
	u64 *r = &ctxt->regs[reg];

	if (high)
		*r = (*r & ~0xff00ull) | (val & 0xff) << 8;
	else if (bytes == 1)
		*r = (*r & ~0xffull) | (val & 0xff);
	else if (bytes == 2)
		*r = (*r & ~0xffffull) | (val & 0xffff);
	else if (bytes == 4)
		*r = (u32)val;
	else
		*r = val;
}

/* KVM assign_register() for address-size registers (RSI/RDI/RCX/RSP updates). */
static void assign_register(u64 *reg, u64 val, unsigned int bytes)
{
	if (bytes == 2)
		*reg = (*reg & ~0xffffull) | (val & 0xffff);
	else if (bytes == 4)
		*reg = (u32)val;
	else
		*reg = val;
}

/* ----------------------------------------------------------------------------------- */
/* Memory                                                                                */

static bool is_noncanonical(u64 la)
{
	return (u64)((s64)(la << 16) >> 16) != la; /* 48-bit linear addresses */
}

/* KVM __linearize(), reduced: segment base, canonical check in 64-bit mode. */
static int linearize(struct x86_emulate_ctxt *ctxt, int seg, u64 ea, u64 *la)
{
	if (ctxt->mode == 64) {
		u64 a = ea + (seg == VCPU_SREG_FS || seg == VCPU_SREG_GS ? ctxt->seg_base[seg] : 0);

		if (is_noncanonical(a))
			return emulate_exception(ctxt, seg == VCPU_SREG_SS ? SS_VECTOR : GP_VECTOR,
						 true, 0);
		*la = a;
		return 0;
	}
	*la = (u32)(ctxt->seg_base[seg] + ea);
	return 0;
}

static int mem_rw(struct x86_emulate_ctxt *ctxt, int seg, u64 ea, void *val, unsigned int bytes,
		  bool write)
{
	struct x86_exception fault = { 0 };
	u64 la;
	int rc;

	rc = linearize(ctxt, seg, ea, &la);
	if (rc)
		return rc;
	if (!ctxt->ops)
		return X86EMUL_UNHANDLEABLE;
	if (write)
		rc = ctxt->ops->write_emulated ? ctxt->ops->write_emulated(ctxt, la, val, bytes, &fault)
					       : X86EMUL_UNHANDLEABLE;
	else
		rc = ctxt->ops->read_emulated ? ctxt->ops->read_emulated(ctxt, la, val, bytes, &fault)
					      : X86EMUL_UNHANDLEABLE;
	if (rc && fault.valid) {
		ctxt->exception = fault;
		return X86EMUL_PROPAGATE_FAULT;
	}
	return rc < 0 ? rc : 0;
}

static int read_mem(struct x86_emulate_ctxt *ctxt, int seg, u64 ea, u64 *val, unsigned int bytes)
{
	u8 b[8] = { 0 };
	int rc = mem_rw(ctxt, seg, ea, b, bytes, false);

	*val = 0;
	if (!rc)
		for (unsigned int i = 0; i < bytes; i++)
			*val |= (u64)b[i] << (8 * i);
	return rc;
}

static int write_mem(struct x86_emulate_ctxt *ctxt, int seg, u64 ea, u64 val, unsigned int bytes)
{
	u8 b[8];

	for (unsigned int i = 0; i < bytes; i++)
		b[i] = val >> (8 * i);
	return mem_rw(ctxt, seg, ea, b, bytes, true);
}

static unsigned int ad_bytes(const struct x86_emulate_ctxt *ctxt)
{
	return ctxt->insn.adsize;
}

static u64 address_mask(const struct x86_emulate_ctxt *ctxt, u64 v)
{
	return v & mask_of(ad_bytes(ctxt));
}

static int prefix_seg(const struct x86_emulate_ctxt *ctxt, int dflt)
{
	switch (ctxt->insn.seg) {
	case 0x26: return VCPU_SREG_ES;
	case 0x2e: return VCPU_SREG_CS;
	case 0x36: return VCPU_SREG_SS;
	case 0x3e: return VCPU_SREG_DS;
	case 0x64: return VCPU_SREG_FS;
	case 0x65: return VCPU_SREG_GS;
	}
	return dflt;
}

static u64 next_rip(const struct x86_emulate_ctxt *ctxt)
{
	u64 r = ctxt->rip + ctxt->insn.length;

	return ctxt->mode == 64 ? r : (u32)r;
}

/*
 * The ModRM memory operand: KVM decode_modrm() (16-bit forms, SIB, RIP-relative) with
 * 5-bit base and index numbers (RFC v1 12/20). Default segment SS for RSP/RBP bases.
 */
static void modrm_ea(const struct x86_emulate_ctxt *ctxt, u64 *ea, int *seg)
{
	const struct x86_insn *in = &ctxt->insn;
	const u64 *r = ctxt->regs;
	int dseg = VCPU_SREG_DS;
	u64 a;

	if (in->adsize == 2) {
		static const s8 base16[8] = { 3, 3, 5, 5, -1, -1, 5, 3 };  /* BX BX BP BP - - BP BX */
		static const s8 index16[8] = { 6, 7, 6, 7, 6, 7, -1, -1 }; /* SI DI SI DI SI DI */
		unsigned int rm3 = in->modrm & 7;

		a = (u64)(s64)in->disp;
		if (!(in->mod == 0 && rm3 == 6)) {
			if (base16[rm3] >= 0)
				a += r[base16[rm3]];
			if (base16[rm3] == 5)
				dseg = VCPU_SREG_SS;
		}
		if (index16[rm3] >= 0)
			a += r[index16[rm3]];
		*ea = a & 0xffff;
		*seg = prefix_seg(ctxt, dseg);
		return;
	}
	a = (u64)(s64)in->disp;
	if (in->rip_rel) {
		a += next_rip(ctxt);
	} else {
		if (!in->no_base) {
			a += r[in->base];
			if (in->base == VCPU_REGS_RSP || in->base == VCPU_REGS_RBP)
				dseg = VCPU_SREG_SS;
		}
		if (!in->no_index)
			a += r[in->index] << in->scale;
	}
	*ea = address_mask(ctxt, a);
	*seg = prefix_seg(ctxt, dseg);
}

/* The r/m operand (register when mod = 3). */
static void op_rm(struct x86_emulate_ctxt *ctxt, struct operand *op, unsigned int bytes)
{
	memset(op, 0, sizeof(*op));
	if (ctxt->insn.mod == 3) {
		op_set_reg(ctxt, op, ctxt->insn.rm, bytes);
		return;
	}
	op->type = OP_MEM;
	op->bytes = bytes;
	modrm_ea(ctxt, &op->ea, &op->seg);
}

static void op_reg(struct x86_emulate_ctxt *ctxt, struct operand *op, unsigned int reg,
		   unsigned int bytes)
{
	memset(op, 0, sizeof(*op));
	op_set_reg(ctxt, op, reg, bytes);
}

static int op_read(struct x86_emulate_ctxt *ctxt, struct operand *op)
{
	switch (op->type) {
	case OP_REG:
		op->val = read_reg_op(ctxt, op);
		return 0;
	case OP_MEM:
		return read_mem(ctxt, op->seg, op->ea, &op->val, op->bytes);
	}
	return 0;
}

static int op_write(struct x86_emulate_ctxt *ctxt, struct operand *op, u64 val)
{
	switch (op->type) {
	case OP_REG:
		write_reg(ctxt, op->reg, op->high, val, op->bytes);
		return 0;
	case OP_MEM:
		return write_mem(ctxt, op->seg, op->ea, val, op->bytes);
	}
	return 0;
}

/* ----------------------------------------------------------------------------------- */
/* Flags (KVM: fastop, i.e. the host instruction; here computed)                        */

#define FL_ARITH X86_EFLAGS_ARITH

static u64 flags_szp(u64 r, unsigned int bytes)
{
	u64 f = 0;

	r &= mask_of(bytes);
	if (!r)
		f |= X86_EFLAGS_ZF;
	if (msb(r, bytes))
		f |= X86_EFLAGS_SF;
	if (!__builtin_parity((unsigned int)(r & 0xff)))
		f |= X86_EFLAGS_PF;
	return f;
}

static u64 set_arith(u64 eflags, u64 f)
{
	return (eflags & ~FL_ARITH) | f;
}

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

static u64 do_add(u64 a, u64 b, unsigned int cin, unsigned int bytes, u64 *eflags)
{
	u64 m = mask_of(bytes), r;
	u64 f;

	a &= m;
	b &= m;
	r = (a + b + cin) & m;
	f = flags_szp(r, bytes);
	if (cin ? r <= a : r < a)
		f |= X86_EFLAGS_CF;
	if (msb((a ^ r) & (b ^ r), bytes))
		f |= X86_EFLAGS_OF;
	if ((a ^ b ^ r) & 0x10)
		f |= X86_EFLAGS_AF;
	*eflags = set_arith(*eflags, f);
	return r;
}

static u64 do_sub(u64 a, u64 b, unsigned int cin, unsigned int bytes, u64 *eflags)
{
	u64 m = mask_of(bytes), r;
	u64 f;

	a &= m;
	b &= m;
	r = (a - b - cin) & m;
	f = flags_szp(r, bytes);
	if (cin ? a <= b : a < b)
		f |= X86_EFLAGS_CF;
	if (msb((a ^ b) & (a ^ r), bytes))
		f |= X86_EFLAGS_OF;
	if ((a ^ b ^ r) & 0x10)
		f |= X86_EFLAGS_AF;
	*eflags = set_arith(*eflags, f);
	return r;
}

/* Logic operations: CF = OF = 0; AF is undefined (0 here). */
static u64 do_logic(u64 r, unsigned int bytes, u64 *eflags)
{
	r &= mask_of(bytes);
	*eflags = set_arith(*eflags, flags_szp(r, bytes));
	return r;
}

/* The eight ALU operations of 00-3F / grp1 (ModRM.reg order). */
static u64 alu(int op, u64 a, u64 b, unsigned int bytes, u64 *eflags)
{
	unsigned int cf = *eflags & X86_EFLAGS_CF;

	switch (op) {
	case ALU_ADD: return do_add(a, b, 0, bytes, eflags);
	case ALU_OR: return do_logic(a | b, bytes, eflags);
	case ALU_ADC: return do_add(a, b, cf, bytes, eflags);
	case ALU_SBB: return do_sub(a, b, cf, bytes, eflags);
	case ALU_AND: return do_logic(a & b, bytes, eflags);
	case ALU_SUB:
	case ALU_CMP: return do_sub(a, b, 0, bytes, eflags);
	default: return do_logic(a ^ b, bytes, eflags);
	}
}

/* INC/DEC: as ADD/SUB 1 with CF preserved. */
static u64 do_incdec(u64 a, bool dec, unsigned int bytes, u64 *eflags)
{
	u64 cf = *eflags & X86_EFLAGS_CF, r;

	r = dec ? do_sub(a, 1, 0, bytes, eflags) : do_add(a, 1, 0, bytes, eflags);
	*eflags = (*eflags & ~X86_EFLAGS_CF) | cf;
	return r;
}

enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };

/*
 * Group 2 (SDM ROL/ROR/RCL/RCR/SAL/SAR/SHL/SHR pseudo-code). The count is masked to 5 bits
 * (6 with 64-bit operands); a masked count of 0 changes nothing. Undefined outputs, fixed
 * here: OF for counts > 1 is computed with the count-1 formula on the result; AF = 0 for
 * shifts; CF for SHL/SHR counts >= the width is the bit the shift would give (0 past it).
 */
static u64 do_shift(int op, u64 a, u64 count, unsigned int bytes, u64 *eflags)
{
	unsigned int bits = bytes * 8, cnt = count & (bytes == 8 ? 63 : 31), c;
	u64 m = mask_of(bytes), r = a & m, f = *eflags, cf = f & X86_EFLAGS_CF;

	a &= m;
	if (!cnt)
		return a;
	switch (op) {
	case SH_ROL:
		c = cnt % bits;
		if (c)
			r = ((a << c) | (a >> (bits - c))) & m;
		cf = r & 1;
		f = (f & ~(X86_EFLAGS_CF | X86_EFLAGS_OF)) | cf |
		    ((msb(r, bytes) ^ cf) ? X86_EFLAGS_OF : 0);
		break;
	case SH_ROR:
		c = cnt % bits;
		if (c)
			r = ((a >> c) | (a << (bits - c))) & m;
		cf = msb(r, bytes);
		f = (f & ~(X86_EFLAGS_CF | X86_EFLAGS_OF)) | cf |
		    ((msb(r, bytes) ^ (r >> (bits - 2) & 1)) ? X86_EFLAGS_OF : 0);
		break;
	case SH_RCL:
	case SH_RCR: {
		unsigned __int128 v, wm;
		unsigned int w = bits + 1;

		c = bytes < 4 ? cnt % w : cnt;
		if (op == SH_RCR) /* OF from the operand before the rotation (SDM RCR) */
			f = (f & ~X86_EFLAGS_OF) | ((msb(a, bytes) ^ cf) ? X86_EFLAGS_OF : 0);
		if (!c)
			break;
		wm = ((unsigned __int128)1 << w) - 1;
		v = (unsigned __int128)cf << bits | a;
		if (op == SH_RCL)
			v = ((v << c) | (v >> (w - c))) & wm;
		else
			v = ((v >> c) | (v << (w - c))) & wm;
		r = (u64)v & m;
		cf = (u64)(v >> bits) & 1;
		f = (f & ~X86_EFLAGS_CF) | cf;
		if (op == SH_RCL)
			f = (f & ~X86_EFLAGS_OF) | ((msb(r, bytes) ^ cf) ? X86_EFLAGS_OF : 0);
		break;
	}
	case SH_SHL:
	case SH_SAL:
		r = cnt >= bits ? 0 : (a << cnt) & m;
		cf = cnt <= bits ? (a >> (bits - cnt)) & 1 : 0;
		f = set_arith(f, flags_szp(r, bytes) | cf |
				 ((msb(r, bytes) ^ cf) ? X86_EFLAGS_OF : 0));
		break;
	case SH_SHR:
		r = cnt >= bits ? 0 : a >> cnt;
		cf = cnt <= bits ? (a >> (cnt - 1)) & 1 : 0;
		f = set_arith(f, flags_szp(r, bytes) | cf | (msb(a, bytes) ? X86_EFLAGS_OF : 0));
		break;
	case SH_SAR: {
		s64 sa = (s64)sext(a, bytes);

		r = (u64)(sa >> (cnt >= bits ? bits - 1 : cnt)) & m;
		cf = (u64)(sa >> (cnt - 1 >= bits ? bits - 1 : cnt - 1)) & 1;
		f = set_arith(f, flags_szp(r, bytes) | cf);
		break;
	}
	}
	*eflags = f;
	return r;
}

/*
 * SHLD/SHRD (SDM): count masked to 5/6 bits, 0 = no change. A count larger than a 16-bit
 * operand is undefined; here the operands are then treated as a 32-bit dst:src:dst
 * pattern (as Intel CPUs are reported to do). AF = 0, OF as for count 1.
 */
static u64 do_shxd(bool right, u64 a, u64 b, u64 count, unsigned int bytes, u64 *eflags)
{
	unsigned int bits = bytes * 8, cnt = count & (bytes == 8 ? 63 : 31);
	u64 m = mask_of(bytes), r, cf;

	a &= m;
	b &= m;
	if (!cnt)
		return a;
	if (bytes == 2 && cnt > 16) {
		u64 x = a << 32 | b << 16 | a; /* 48-bit pattern, shifted as a 32-bit quantity */

		if (right) {
			r = (x >> cnt) & m;
			cf = x >> (cnt - 1) & 1;
		} else {
			r = (x >> (32 - cnt)) & m;
			cf = x >> (32 - cnt + 16) & 1;
		}
	} else if (right) {
		r = ((a >> cnt) | (cnt < bits ? b << (bits - cnt) : 0)) & m;
		if (cnt == bits)
			r = b;
		cf = a >> (cnt - 1) & 1;
	} else {
		r = ((cnt < bits ? a << cnt : 0) | (b >> (bits - cnt))) & m;
		cf = a >> (bits - cnt) & 1;
	}
	*eflags = set_arith(*eflags, flags_szp(r, bytes) | cf |
					     ((msb(r, bytes) ^ msb(a, bytes)) ? X86_EFLAGS_OF : 0));
	return r;
}

bool x86_test_cc(unsigned int cc, u64 f)
{
	bool cf = f & X86_EFLAGS_CF, zf = f & X86_EFLAGS_ZF, sf = f & X86_EFLAGS_SF;
	bool of = f & X86_EFLAGS_OF, pf = f & X86_EFLAGS_PF, r;

	switch ((cc >> 1) & 7) {
	case 0: r = of; break;
	case 1: r = cf; break;
	case 2: r = zf; break;
	case 3: r = cf || zf; break;
	case 4: r = sf; break;
	case 5: r = pf; break;
	case 6: r = sf != of; break;
	default: r = zf || sf != of; break;
	}
	return (cc & 1) ? !r : r;
}

/* ----------------------------------------------------------------------------------- */
/* Stack and branches                                                                    */

static unsigned int stack_size(const struct x86_emulate_ctxt *ctxt)
{
	return ctxt->mode == 64 ? 8 : ctxt->mode == 32 ? 4 : 2; /* SS.B follows the mode */
}

/* KVM em_push() / push(): RSP -= size, write [SS:RSP]. */
static int em_push(struct x86_emulate_ctxt *ctxt, u64 val, unsigned int bytes)
{
	unsigned int ss = stack_size(ctxt);
	u64 rsp = (ctxt->regs[VCPU_REGS_RSP] - bytes) & mask_of(ss);
	int rc;

	rc = write_mem(ctxt, VCPU_SREG_SS, rsp, val, bytes);
	if (rc)
		return rc;
	assign_register(&ctxt->regs[VCPU_REGS_RSP], rsp, ss);
	return 0;
}

/* KVM emulate_pop(): read [SS:RSP], RSP += size. */
static int em_pop(struct x86_emulate_ctxt *ctxt, u64 *val, unsigned int bytes)
{
	unsigned int ss = stack_size(ctxt);
	u64 rsp = ctxt->regs[VCPU_REGS_RSP] & mask_of(ss);
	int rc;

	rc = read_mem(ctxt, VCPU_SREG_SS, rsp, val, bytes);
	if (rc)
		return rc;
	assign_register(&ctxt->regs[VCPU_REGS_RSP], rsp + bytes, ss);
	return 0;
}

/*
 * KVM assign_eip_near() / assign_eip(): the target truncated to the operand size, #GP(0)
 * if non-canonical in 64-bit mode (segment limits are not modelled).
 */
static int assign_eip(struct x86_emulate_ctxt *ctxt, u64 dst, unsigned int bytes, u64 *rip)
{
	if (ctxt->mode == 64 && bytes == 8) {
		if (is_noncanonical(dst))
			return emulate_gp(ctxt, 0);
		*rip = dst;
		return 0;
	}
	*rip = dst & mask_of(bytes);
	return 0;
}

/* ----------------------------------------------------------------------------------- */
/* String instructions (KVM: em_movs/em_cmp/em_stos/em_lods + the rep loop in          */
/* x86_emulate_insn())                                                                   */

static int string_one(struct x86_emulate_ctxt *ctxt, u8 op, unsigned int bytes)
{
	u64 *rsi = &ctxt->regs[VCPU_REGS_RSI], *rdi = &ctxt->regs[VCPU_REGS_RDI];
	unsigned int ab = ad_bytes(ctxt);
	s64 step = (ctxt->eflags & X86_EFLAGS_DF) ? -(s64)bytes : (s64)bytes;
	int sseg = prefix_seg(ctxt, VCPU_SREG_DS);
	u64 s = 0, d = 0, acc = ctxt->regs[VCPU_REGS_RAX] & mask_of(bytes);
	int rc = 0;

	switch (op & 0xfe) {
	case 0xa4: /* MOVS */
		rc = read_mem(ctxt, sseg, address_mask(ctxt, *rsi), &s, bytes);
		if (!rc)
			rc = write_mem(ctxt, VCPU_SREG_ES, address_mask(ctxt, *rdi), s, bytes);
		if (rc)
			return rc;
		assign_register(rsi, *rsi + step, ab);
		assign_register(rdi, *rdi + step, ab);
		break;
	case 0xa6: /* CMPS: [rsi] - [rdi] */
		rc = read_mem(ctxt, sseg, address_mask(ctxt, *rsi), &s, bytes);
		if (!rc)
			rc = read_mem(ctxt, VCPU_SREG_ES, address_mask(ctxt, *rdi), &d, bytes);
		if (rc)
			return rc;
		do_sub(s, d, 0, bytes, &ctxt->eflags);
		assign_register(rsi, *rsi + step, ab);
		assign_register(rdi, *rdi + step, ab);
		break;
	case 0xaa: /* STOS */
		rc = write_mem(ctxt, VCPU_SREG_ES, address_mask(ctxt, *rdi), acc, bytes);
		if (rc)
			return rc;
		assign_register(rdi, *rdi + step, ab);
		break;
	case 0xac: /* LODS */
		rc = read_mem(ctxt, sseg, address_mask(ctxt, *rsi), &s, bytes);
		if (rc)
			return rc;
		write_reg(ctxt, VCPU_REGS_RAX, false, s, bytes);
		assign_register(rsi, *rsi + step, ab);
		break;
	case 0xae: /* SCAS: acc - [rdi] */
		rc = read_mem(ctxt, VCPU_SREG_ES, address_mask(ctxt, *rdi), &d, bytes);
		if (rc)
			return rc;
		do_sub(acc, d, 0, bytes, &ctxt->eflags);
		assign_register(rdi, *rdi + step, ab);
		break;
	}
	return 0;
}

/*
 * REP: RCX (address size) = 0 retires without an access; after each iteration RCX is
 * decremented, REPE/REPNE stop CMPS/SCAS on ZF (F2 on MOVS/STOS/LODS repeats like F3);
 * registers are committed per iteration, so a fault leaves the completed iterations
 * and RIP at the instruction. As KVM (string_insn_completed() + "re-enter guest after
 * each 1024 iteration"), the loop returns with RIP unchanged when RCX & 0x3ff becomes 0.
 */
static int em_string(struct x86_emulate_ctxt *ctxt, unsigned int bytes)
{
	const struct x86_insn *in = &ctxt->insn;
	u64 *rcx = &ctxt->regs[VCPU_REGS_RCX];
	unsigned int ab = ad_bytes(ctxt);
	bool rep = in->prefixes & (X86_PFX_F2 | X86_PFX_F3);
	bool cond = (in->opcode & 0xfe) == 0xa6 || (in->opcode & 0xfe) == 0xae;
	int rc;

	ctxt->rep_pending = false;
	if (!rep) {
		rc = string_one(ctxt, in->opcode, bytes);
		ctxt->iterations = !rc;
		return rc;
	}
	for (;;) {
		if (!(*rcx & mask_of(ab)))
			return 0;
		rc = string_one(ctxt, in->opcode, bytes);
		if (rc)
			return rc;
		ctxt->iterations++;
		assign_register(rcx, *rcx - 1, ab);
		if (cond) {
			bool zf = ctxt->eflags & X86_EFLAGS_ZF;

			if (in->last_rep == 0xf3 ? !zf : zf)
				return 0;
		}
		if ((*rcx & mask_of(ab)) && !(*rcx & 0x3ff)) {
			ctxt->rep_pending = true;
			return 0;
		}
	}
}

/* ----------------------------------------------------------------------------------- */
/* Multiply and divide (KVM: em_mul_ex/em_imul_ex/em_div_ex/em_idiv_ex, fastop)          */

static int em_muldiv(struct x86_emulate_ctxt *ctxt, int op, u64 src, unsigned int bytes)
{
	u64 *rax = &ctxt->regs[VCPU_REGS_RAX], *rdx = &ctxt->regs[VCPU_REGS_RDX];
	u64 m = mask_of(bytes);
	unsigned int bits = bytes * 8;
	unsigned __int128 ua, uq, ur;
	__int128 sa, sq, sr;
	u64 lo, hi, f;
	bool ovf;

	src &= m;
	if (bytes == 1) {
		ua = *rax & 0xffff;
	} else {
		ua = ((unsigned __int128)(*rdx & m) << bits) | (*rax & m);
	}
	switch (op) {
	case 4: /* MUL */
	case 5: /* IMUL */
		if (op == 4) {
			ua = (unsigned __int128)(*rax & m) * src;
			lo = (u64)ua & m;
			hi = (u64)(ua >> bits) & m;
			ovf = hi != 0;
		} else {
			sa = (__int128)(s64)sext(*rax, bytes) * (s64)sext(src, bytes);
			lo = (u64)sa & m;
			hi = (u64)(sa >> bits) & m;
			ovf = (__int128)(s64)sext(lo, bytes) != sa;
		}
		/* CF = OF = high half significant; SF ZF PF from the low half, AF = 0 (undefined) */
		f = flags_szp(lo, bytes) | (ovf ? X86_EFLAGS_CF | X86_EFLAGS_OF : 0);
		ctxt->eflags = set_arith(ctxt->eflags, f);
		if (bytes == 1) {
			write_reg(ctxt, VCPU_REGS_RAX, false, hi << 8 | lo, 2);
		} else {
			write_reg(ctxt, VCPU_REGS_RAX, false, lo, bytes);
			write_reg(ctxt, VCPU_REGS_RDX, false, hi, bytes);
		}
		return 0;
	case 6: /* DIV: #DE on zero or a quotient that does not fit */
		if (!src)
			return emulate_de(ctxt);
		uq = ua / src;
		ur = ua % src;
		if (uq > m)
			return emulate_de(ctxt);
		lo = (u64)uq;
		hi = (u64)ur;
		break;
	default: { /* IDIV */
		s64 d = (s64)sext(src, bytes);
		__int128 lim = (__int128)1 << (bits - 1);

		if (!d)
			return emulate_de(ctxt);
		if (bytes == 1)
			sa = (s16)(*rax & 0xffff);
		else if (bytes == 8)
			sa = (__int128)ua;
		else
			sa = (__int128)(s64)sext((u64)ua, bytes * 2);
		if (bytes == 8 && sa == (__int128)((unsigned __int128)1 << 127) && d == -1)
			return emulate_de(ctxt);
		sq = sa / d;
		sr = sa % d;
		if (sq >= lim || sq < -lim)
			return emulate_de(ctxt);
		lo = (u64)sq & m;
		hi = (u64)sr & m;
		break;
	}
	}
	/* DIV/IDIV: flags undefined, left unchanged */
	if (bytes == 1) {
		write_reg(ctxt, VCPU_REGS_RAX, false, hi << 8 | lo, 2);
	} else {
		write_reg(ctxt, VCPU_REGS_RAX, false, lo, bytes);
		write_reg(ctxt, VCPU_REGS_RDX, false, hi, bytes);
	}
	return 0;
}

/* IMUL r, r/m(, imm): CF = OF = truncation; flags as one-operand IMUL. */
static u64 do_imul2(u64 a, u64 b, unsigned int bytes, u64 *eflags)
{
	__int128 p = (__int128)(s64)sext(a, bytes) * (s64)sext(b, bytes);
	u64 lo = (u64)p & mask_of(bytes);
	bool ovf = (__int128)(s64)sext(lo, bytes) != p;

	*eflags = set_arith(*eflags,
			    flags_szp(lo, bytes) | (ovf ? X86_EFLAGS_CF | X86_EFLAGS_OF : 0));
	return lo;
}

/* ----------------------------------------------------------------------------------- */
/* Decode                                                                                */

static bool emul_egpr_enabled(const struct x86_emulate_ctxt *ctxt)
{
	return ctxt->xcr0 & XFEATURE_MASK_APX; /* RFC v1 17/20 */
}

int x86_decode_insn(struct x86_emulate_ctxt *ctxt, const u8 *insn, size_t insn_len)
{
	struct x86_insn *in = &ctxt->insn;
	u8 buf[X86_MAX_INSN_SIZE];
	struct x86_exception fault = { 0 };
	size_t n = 0;
	int mode = ctxt->mode, rc;

	memset(&ctxt->exception, 0, sizeof(ctxt->exception));
	ctxt->rep_pending = false;
	ctxt->iterations = 0;
	ctxt->decoded = false;
	if (mode != 16 && mode != 32 && mode != 64)
		return X86EMUL_UNHANDLEABLE;
	if (!insn) {
		/* __do_insn_fetch_bytes(): byte by byte so that a fault past the end of a short
		 * instruction does not matter */
		u64 base = mode == 64 ? 0 : ctxt->seg_base[VCPU_SREG_CS];

		if (!ctxt->ops || !ctxt->ops->fetch)
			return X86EMUL_UNHANDLEABLE;
		for (; n < sizeof(buf); n++) {
			u64 la = mode == 64 ? ctxt->rip + n : (u32)(base + ctxt->rip + n);

			if (mode == 64 && is_noncanonical(la))
				break;
			rc = ctxt->ops->fetch(ctxt, la, &buf[n], 1, &fault);
			if (rc)
				break;
		}
		insn = buf;
		insn_len = n;
	}
	rc = insn_decode(in, insn, insn_len, mode);

	/* EVEX (and VEX) are not emulated: NotImpl, i.e. an emulation failure (v2 12/16). */
	if (in->enc == X86_ENC_EVEX || in->enc == X86_ENC_VEX)
		return X86EMUL_UNHANDLEABLE;
	if (rc == -ENODATA) {
		if (fault.valid) {
			ctxt->exception = fault;
			return X86EMUL_PROPAGATE_FAULT;
		}
		return X86EMUL_UNHANDLEABLE;
	}
	/* rex2_invalid() (v2 11/16): REX right before REX2, CR4.OSXSAVE = 0, XCR0.APX = 0 */
	if (in->enc == X86_ENC_REX2 || in->ud == X86_UD_REX_BEFORE_REX2) {
		if (in->ud == X86_UD_REX_BEFORE_REX2 || !(ctxt->cr4 & X86_CR4_OSXSAVE) ||
		    !emul_egpr_enabled(ctxt))
			return emulate_ud(ctxt);
	}
	if (in->ud == X86_UD_TOO_LONG)
		return emulate_gp(ctxt, 0);
	if (rc)
		return emulate_ud(ctxt); /* Undefined / No64 / NoRex2 / Lock */
	/* JMPABS (REX2 A1): RFC v1 14/20 emulated it; later versions keep A0-AF NoRex2. */
	if (in->jmpabs && ctxt->jmpabs == X86_JMPABS_DROPPED)
		return emulate_ud(ctxt);
	ctxt->decoded = true;
	return X86EMUL_CONTINUE;
}

/* ----------------------------------------------------------------------------------- */
/* Execute                                                                               */

/* Operand size of byte/full forms: the low opcode bit selects the full size. */
static unsigned int bw(const struct x86_insn *in, u8 op)
{
	return (op & 1) ? in->opsize : 1;
}

/* Immediate sign-extended to the operand size (Iz/Ib). */
static u64 imm_sx(const struct x86_insn *in, unsigned int bytes)
{
	return sext(in->imm, in->imm_size) & mask_of(bytes);
}

/* rel8/rel32 branch to next_rip + rel, truncated to the operand size. */
static int jmp_rel(struct x86_emulate_ctxt *ctxt, u64 *rip)
{
	const struct x86_insn *in = &ctxt->insn;

	return assign_eip(ctxt, next_rip(ctxt) + sext(in->imm, in->imm_size), in->opsize, rip);
}

static int em_map0(struct x86_emulate_ctxt *ctxt, u64 *rip)
{
	struct x86_insn *in = &ctxt->insn;
	u8 op = in->opcode;
	unsigned int sz = in->opsize, r3 = in->modrm >> 3 & 7;
	struct operand dst, src;
	u64 v, t;
	int rc;

	/* 00-3F: ALU Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev / AL,Ib / rAX,Iz */
	if (op < 0x40 && (op & 7) < 6) {
		int aop = op >> 3;
		unsigned int b = bw(in, op);

		switch (op & 7) {
		case 0: case 1:
			op_rm(ctxt, &dst, b);
			op_reg(ctxt, &src, in->reg, b);
			break;
		case 2: case 3:
			op_reg(ctxt, &dst, in->reg, b);
			op_rm(ctxt, &src, b);
			break;
		default:
			op_reg(ctxt, &dst, VCPU_REGS_RAX, b);
			src.type = OP_IMM;
			src.val = imm_sx(in, b);
			break;
		}
		if ((rc = op_read(ctxt, &src)) || (rc = op_read(ctxt, &dst)))
			return rc;
		v = alu(aop, dst.val, src.val, b, &ctxt->eflags);
		return aop == ALU_CMP ? 0 : op_write(ctxt, &dst, v);
	}
	switch (op) {
	case 0x40 ... 0x4f: /* INC/DEC r (16/32-bit modes) */
		op_reg(ctxt, &dst, op & 7, sz);
		op_read(ctxt, &dst);
		return op_write(ctxt, &dst, do_incdec(dst.val, op & 8, sz, &ctxt->eflags));
	case 0x50 ... 0x57: /* PUSH r (PUSHP with REX2.W: a hint) */
		return em_push(ctxt, ctxt->regs[in->opreg] & mask_of(sz), sz);
	case 0x58 ... 0x5f: /* POP r */
		rc = em_pop(ctxt, &v, sz);
		if (!rc)
			write_reg(ctxt, in->opreg, false, v, sz);
		return rc;
	case 0x63: /* MOVSXD Gv, Ed (64-bit mode; ARPL elsewhere) */
		if (ctxt->mode != 64)
			return X86EMUL_UNHANDLEABLE;
		op_rm(ctxt, &src, sz == 2 ? 2 : 4);
		if ((rc = op_read(ctxt, &src)))
			return rc;
		write_reg(ctxt, in->reg, false, sext(src.val, src.bytes), sz);
		return 0;
	case 0x68: case 0x6a: /* PUSH Iz / Ib */
		return em_push(ctxt, imm_sx(in, sz), sz);
	case 0x69: case 0x6b: /* IMUL Gv, Ev, Iz/Ib */
		op_rm(ctxt, &src, sz);
		if ((rc = op_read(ctxt, &src)))
			return rc;
		v = do_imul2(src.val, imm_sx(in, sz), sz, &ctxt->eflags);
		write_reg(ctxt, in->reg, false, v, sz);
		return 0;
	case 0x70 ... 0x7f: /* Jcc rel8 */
		return x86_test_cc(op, ctxt->eflags) ? jmp_rel(ctxt, rip) : 0;
	case 0x80 ... 0x83: { /* grp1 Eb/Ev, Ib/Iz */
		unsigned int b = (op & 1) ? sz : 1;

		op_rm(ctxt, &dst, b);
		if ((rc = op_read(ctxt, &dst)))
			return rc;
		v = alu(r3, dst.val, imm_sx(in, b), b, &ctxt->eflags);
		return r3 == ALU_CMP ? 0 : op_write(ctxt, &dst, v);
	}
	case 0x84: case 0x85: /* TEST Eb,Gb / Ev,Gv */
		op_rm(ctxt, &dst, bw(in, op));
		op_reg(ctxt, &src, in->reg, bw(in, op));
		if ((rc = op_read(ctxt, &dst)))
			return rc;
		op_read(ctxt, &src);
		do_logic(dst.val & src.val, dst.bytes, &ctxt->eflags);
		return 0;
	case 0x86: case 0x87: /* XCHG Eb,Gb / Ev,Gv (memory: implicitly locked) */
		op_rm(ctxt, &dst, bw(in, op));
		op_reg(ctxt, &src, in->reg, bw(in, op));
		if ((rc = op_read(ctxt, &dst)))
			return rc;
		op_read(ctxt, &src);
		if ((rc = op_write(ctxt, &dst, src.val)))
			return rc;
		return op_write(ctxt, &src, dst.val);
	case 0x88: case 0x89: /* MOV Eb,Gb / Ev,Gv */
		op_rm(ctxt, &dst, bw(in, op));
		op_reg(ctxt, &src, in->reg, bw(in, op));
		op_read(ctxt, &src);
		return op_write(ctxt, &dst, src.val);
	case 0x8a: case 0x8b: /* MOV Gb,Eb / Gv,Ev */
		op_reg(ctxt, &dst, in->reg, bw(in, op));
		op_rm(ctxt, &src, bw(in, op));
		if ((rc = op_read(ctxt, &src)))
			return rc;
		return op_write(ctxt, &dst, src.val);
	case 0x8d: { /* LEA Gv, M: the offset, truncated or zero-extended to the operand size */
		int seg;

		modrm_ea(ctxt, &v, &seg);
		write_reg(ctxt, in->reg, false, v, sz);
		return 0;
	}
	case 0x8f: { /* POP Ev: the address is computed after RSP is incremented (SDM POP) */
		u64 old_rsp = ctxt->regs[VCPU_REGS_RSP];

		rc = em_pop(ctxt, &v, sz);
		if (rc)
			return rc;
		op_rm(ctxt, &dst, sz);
		rc = op_write(ctxt, &dst, v);
		if (rc)
			ctxt->regs[VCPU_REGS_RSP] = old_rsp;
		return rc;
	}
	case 0x90 ... 0x97: /* XCHG rAX, r; 90 without REX.B/REX2.B is NOP (also F3 90 PAUSE) */
		if (in->opreg == 0)
			return 0;
		v = ctxt->regs[in->opreg];
		write_reg(ctxt, in->opreg, false, ctxt->regs[VCPU_REGS_RAX], sz);
		write_reg(ctxt, VCPU_REGS_RAX, false, v, sz);
		return 0;
	case 0x98: /* CBW/CWDE/CDQE */
		write_reg(ctxt, VCPU_REGS_RAX, false, sext(ctxt->regs[VCPU_REGS_RAX], sz / 2), sz);
		return 0;
	case 0x99: /* CWD/CDQ/CQO */
		write_reg(ctxt, VCPU_REGS_RDX, false,
			  msb(ctxt->regs[VCPU_REGS_RAX], sz) ? ~0ull : 0, sz);
		return 0;
	case 0x9c: /* PUSHF: VM and RF read as 0 */
		return em_push(ctxt, ctxt->eflags & ~(u64)(X86_EFLAGS_VM | X86_EFLAGS_RF) &
					     mask_of(sz), sz);
	case 0x9d: { /* POPF (KVM emulate_popf(), protected mode) */
		u64 change = X86_EFLAGS_ARITH | X86_EFLAGS_TF | X86_EFLAGS_DF | X86_EFLAGS_NT |
			     X86_EFLAGS_AC | X86_EFLAGS_ID;

		rc = em_pop(ctxt, &v, sz);
		if (rc)
			return rc;
		if (ctxt->cpl == 0)
			change |= X86_EFLAGS_IOPL | X86_EFLAGS_IF;
		else if (ctxt->cpl <= ((ctxt->eflags & X86_EFLAGS_IOPL) >> 12))
			change |= X86_EFLAGS_IF;
		change &= mask_of(sz);
		ctxt->eflags = ((ctxt->eflags & ~change) | (v & change)) | X86_EFLAGS_FIXED;
		return 0;
	}
	case 0x9e: /* SAHF: SF ZF AF PF CF from AH */
		v = ctxt->regs[VCPU_REGS_RAX] >> 8 &
		    (X86_EFLAGS_SF | X86_EFLAGS_ZF | X86_EFLAGS_AF | X86_EFLAGS_PF | X86_EFLAGS_CF);
		ctxt->eflags = (ctxt->eflags & ~0xd5ull) | v;
		return 0;
	case 0x9f: /* LAHF */
		write_reg(ctxt, VCPU_REGS_RAX, true, (ctxt->eflags & 0xd5) | X86_EFLAGS_FIXED, 1);
		return 0;
	case 0xa0 ... 0xa3: { /* MOV AL/rAX <-> moffs; under REX2 A1 is JMPABS */
		unsigned int b = bw(in, op);
		int seg = prefix_seg(ctxt, VCPU_SREG_DS);

		if (in->jmpabs) /* RFC v1 14/20: SrcImm64 | NearBranch, assign_eip_near() */
			return assign_eip(ctxt, in->imm, 8, rip);
		if (op & 2)
			return write_mem(ctxt, seg, in->imm & mask_of(in->adsize),
					 ctxt->regs[VCPU_REGS_RAX] & mask_of(b), b);
		rc = read_mem(ctxt, seg, in->imm & mask_of(in->adsize), &v, b);
		if (!rc)
			write_reg(ctxt, VCPU_REGS_RAX, false, v, b);
		return rc;
	}
	case 0xa4 ... 0xa7: case 0xaa ... 0xaf: /* MOVS CMPS STOS LODS SCAS */
		return em_string(ctxt, bw(in, op));
	case 0xa8: case 0xa9: /* TEST AL/rAX, Ib/Iz */
		do_logic(ctxt->regs[VCPU_REGS_RAX] & imm_sx(in, bw(in, op)), bw(in, op),
			 &ctxt->eflags);
		return 0;
	case 0xb0 ... 0xb7: /* MOV r8, Ib */
		op_reg(ctxt, &dst, in->opreg, 1);
		return op_write(ctxt, &dst, in->imm);
	case 0xb8 ... 0xbf: /* MOV r, Iv (imm64 with REX.W/REX2.W) */
		write_reg(ctxt, in->opreg, false, in->imm, sz);
		return 0;
	case 0xc0: case 0xc1: case 0xd0 ... 0xd3: { /* grp2 */
		unsigned int b = bw(in, op);

		op_rm(ctxt, &dst, b);
		if ((rc = op_read(ctxt, &dst)))
			return rc;
		t = op <= 0xc1 ? in->imm : op <= 0xd1 ? 1 : ctxt->regs[VCPU_REGS_RCX] & 0xff;
		/* written back also for a masked count of 0: a 32-bit register is then still
		 * zero-extended (the CPU and KVM's fastop writeback do so) */
		v = do_shift(r3, dst.val, t, b, &ctxt->eflags);
		return op_write(ctxt, &dst, v);
	}
	case 0xc2: case 0xc3: /* RET (imm16) */
		rc = em_pop(ctxt, &v, sz);
		if (rc)
			return rc;
		rc = assign_eip(ctxt, v, sz, rip);
		if (rc)
			return rc;
		if (op == 0xc2)
			assign_register(&ctxt->regs[VCPU_REGS_RSP],
					ctxt->regs[VCPU_REGS_RSP] + in->imm, stack_size(ctxt));
		return 0;
	case 0xc6: case 0xc7: /* MOV Eb/Ev, Ib/Iz (XABORT/XBEGIN: not emulated) */
		if (r3)
			return X86EMUL_UNHANDLEABLE;
		op_rm(ctxt, &dst, bw(in, op));
		return op_write(ctxt, &dst, imm_sx(in, bw(in, op)));
	case 0xc9: /* LEAVE */
		assign_register(&ctxt->regs[VCPU_REGS_RSP], ctxt->regs[VCPU_REGS_RBP],
				stack_size(ctxt));
		rc = em_pop(ctxt, &v, sz);
		if (!rc)
			write_reg(ctxt, VCPU_REGS_RBP, false, v, sz);
		return rc;
	case 0xd4: case 0xd5: { /* AAM / AAD (16/32-bit modes) */
		u64 al = ctxt->regs[VCPU_REGS_RAX] & 0xff, ah = ctxt->regs[VCPU_REGS_RAX] >> 8 & 0xff;
		u8 base = in->imm;

		if (op == 0xd4) {
			if (!base)
				return emulate_de(ctxt);
			ah = al / base;
			al %= base;
		} else {
			al = (al + ah * base) & 0xff;
			ah = 0;
		}
		write_reg(ctxt, VCPU_REGS_RAX, false, ah << 8 | al, 2);
		ctxt->eflags = set_arith(ctxt->eflags, flags_szp(al, 1));
		return 0;
	}
	case 0xe0 ... 0xe2: { /* LOOPNE/LOOPE/LOOP: RCX (address size) -= 1 */
		u64 *rcx = &ctxt->regs[VCPU_REGS_RCX];
		bool zf = ctxt->eflags & X86_EFLAGS_ZF, jump;

		assign_register(rcx, *rcx - 1, ad_bytes(ctxt));
		jump = (*rcx & mask_of(ad_bytes(ctxt))) != 0;
		if (op == 0xe0)
			jump = jump && !zf;
		else if (op == 0xe1)
			jump = jump && zf;
		return jump ? jmp_rel(ctxt, rip) : 0;
	}
	case 0xe3: /* JrCXZ */
		return (ctxt->regs[VCPU_REGS_RCX] & mask_of(ad_bytes(ctxt))) ? 0 : jmp_rel(ctxt, rip);
	case 0xe8: /* CALL rel: the target is checked before the push (KVM em_call()) */
		rc = jmp_rel(ctxt, rip);
		if (rc)
			return rc;
		return em_push(ctxt, next_rip(ctxt) & mask_of(sz), sz);
	case 0xe9: case 0xeb: /* JMP rel */
		return jmp_rel(ctxt, rip);
	case 0xf5: /* CMC */
		ctxt->eflags ^= X86_EFLAGS_CF;
		return 0;
	case 0xf6: case 0xf7: { /* grp3 */
		unsigned int b = bw(in, op);

		op_rm(ctxt, &dst, b);
		if ((rc = op_read(ctxt, &dst)))
			return rc;
		switch (r3) {
		case 0: /* TEST Ib/Iz */
			do_logic(dst.val & imm_sx(in, b), b, &ctxt->eflags);
			return 0;
		case 2: /* NOT: no flags */
			return op_write(ctxt, &dst, ~dst.val);
		case 3: /* NEG: 0 - x, CF = (x != 0) */
			return op_write(ctxt, &dst, do_sub(0, dst.val, 0, b, &ctxt->eflags));
		default:
			return em_muldiv(ctxt, r3, dst.val, b);
		}
	}
	case 0xf8: case 0xf9: /* CLC / STC */
		ctxt->eflags = (ctxt->eflags & ~X86_EFLAGS_CF) | (op & 1);
		return 0;
	case 0xfc: case 0xfd: /* CLD / STD */
		ctxt->eflags = (ctxt->eflags & ~X86_EFLAGS_DF) | ((op & 1) ? X86_EFLAGS_DF : 0);
		return 0;
	case 0xfe: case 0xff: { /* grp4 / grp5 */
		unsigned int b = bw(in, op);

		switch (r3) {
		case 0: case 1: /* INC/DEC */
			op_rm(ctxt, &dst, b);
			if ((rc = op_read(ctxt, &dst)))
				return rc;
			return op_write(ctxt, &dst, do_incdec(dst.val, r3, b, &ctxt->eflags));
		case 2: case 4: /* CALL/JMP near indirect */
			op_rm(ctxt, &src, sz);
			if ((rc = op_read(ctxt, &src)))
				return rc;
			rc = assign_eip(ctxt, src.val, sz, rip);
			if (rc || r3 == 4)
				return rc;
			return em_push(ctxt, next_rip(ctxt) & mask_of(sz), sz);
		case 6: /* PUSH Ev */
			op_rm(ctxt, &src, sz);
			if ((rc = op_read(ctxt, &src)))
				return rc;
			return em_push(ctxt, src.val, sz);
		}
		return X86EMUL_UNHANDLEABLE; /* far CALL/JMP */
	}
	}
	return X86EMUL_UNHANDLEABLE;
}

static int em_map1(struct x86_emulate_ctxt *ctxt, u64 *rip)
{
	struct x86_insn *in = &ctxt->insn;
	u8 op = in->opcode;
	unsigned int sz = in->opsize, r3 = in->modrm >> 3 & 7;
	struct operand dst, src;
	u64 v;
	int rc;

	switch (op) {
	case 0x0b: /* UD2 */
		return emulate_ud(ctxt);
	case 0x0d: case 0x18 ... 0x1f: /* PREFETCH, hint NOPs, NOP Ev: no access */
		return 0;
	case 0x40 ... 0x4f: /* CMOVcc: the source is always read; a 32-bit destination is
			     * written (zero-extended) even when the condition is false (em_cmov) */
		op_reg(ctxt, &dst, in->reg, sz);
		op_rm(ctxt, &src, sz);
		if ((rc = op_read(ctxt, &src)))
			return rc;
		op_read(ctxt, &dst);
		if (x86_test_cc(op, ctxt->eflags))
			return op_write(ctxt, &dst, src.val);
		return sz == 4 ? op_write(ctxt, &dst, dst.val) : 0;
	case 0x80 ... 0x8f: /* Jcc rel32 */
		return x86_test_cc(op, ctxt->eflags) ? jmp_rel(ctxt, rip) : 0;
	case 0x90 ... 0x9f: /* SETcc Eb */
		op_rm(ctxt, &dst, 1);
		return op_write(ctxt, &dst, x86_test_cc(op, ctxt->eflags));
	case 0xa3: case 0xab: case 0xb3: case 0xbb: /* BT BTS BTR BTC Ev, Gv */
	case 0xba: {				    /* grp8 Ev, Ib (/4-/7) */
		int bop = op == 0xba ? r3 - 4 : (op >> 3) & 3;
		u64 bit;

		op_rm(ctxt, &dst, sz);
		if (op == 0xba) {
			bit = in->imm & (sz * 8 - 1);
		} else {
			bit = ctxt->regs[in->reg] & mask_of(sz);
			if (dst.type == OP_MEM) {
				/* fetch_bit_operand(): the signed bit offset moves the address */
				s64 sv = (s64)sext(bit, sz) & ~(s64)(sz * 8 - 1);

				dst.ea = address_mask(ctxt, dst.ea + (sv >> 3));
			}
			bit &= sz * 8 - 1;
		}
		if ((rc = op_read(ctxt, &dst)))
			return rc;
		/* CF = the bit; ZF unchanged; OF SF AF PF undefined (unchanged here) */
		ctxt->eflags = (ctxt->eflags & ~X86_EFLAGS_CF) | (dst.val >> bit & 1);
		switch (bop) {
		case 0: return 0;
		case 1: v = dst.val | BIT_ULL(bit); break;
		case 2: v = dst.val & ~BIT_ULL(bit); break;
		default: v = dst.val ^ BIT_ULL(bit); break;
		}
		return op_write(ctxt, &dst, v);
	}
	case 0xa4: case 0xa5: case 0xac: case 0xad: /* SHLD/SHRD Ev, Gv, Ib/CL */
		op_rm(ctxt, &dst, sz);
		op_reg(ctxt, &src, in->reg, sz);
		if ((rc = op_read(ctxt, &dst)))
			return rc;
		op_read(ctxt, &src);
		v = (op & 1) ? ctxt->regs[VCPU_REGS_RCX] & 0xff : in->imm;
		return op_write(ctxt, &dst, do_shxd(op >= 0xac, dst.val, src.val, v, sz,
						    &ctxt->eflags));
	case 0xaf: /* IMUL Gv, Ev */
		op_rm(ctxt, &src, sz);
		if ((rc = op_read(ctxt, &src)))
			return rc;
		v = do_imul2(ctxt->regs[in->reg], src.val, sz, &ctxt->eflags);
		write_reg(ctxt, in->reg, false, v, sz);
		return 0;
	case 0xb0: case 0xb1: { /* CMPXCHG Eb/Ev, Gb/Gv (em_cmpxchg) */
		unsigned int b = bw(in, op);
		u64 acc = ctxt->regs[VCPU_REGS_RAX] & mask_of(b);

		op_rm(ctxt, &dst, b);
		op_reg(ctxt, &src, in->reg, b);
		if ((rc = op_read(ctxt, &dst)))
			return rc;
		op_read(ctxt, &src);
		do_sub(acc, dst.val, 0, b, &ctxt->eflags);
		if (ctxt->eflags & X86_EFLAGS_ZF)
			return op_write(ctxt, &dst, src.val);
		/* not equal: memory is written back with its own value (a locked cycle),
		 * the accumulator gets the destination */
		if (dst.type == OP_MEM && (rc = op_write(ctxt, &dst, dst.val)))
			return rc;
		write_reg(ctxt, VCPU_REGS_RAX, false, dst.val, b);
		return 0;
	}
	case 0xb6: case 0xb7: case 0xbe: case 0xbf: /* MOVZX / MOVSX Gv, Eb/Ew */
		op_rm(ctxt, &src, (op & 1) ? 2 : 1);
		if ((rc = op_read(ctxt, &src)))
			return rc;
		v = op >= 0xbe ? sext(src.val, src.bytes) : src.val;
		write_reg(ctxt, in->reg, false, v, sz);
		return 0;
	case 0xbc: case 0xbd: /* BSF / BSR (TZCNT/LZCNT with F3: not emulated) */
		if (in->last_rep == 0xf3)
			return X86EMUL_UNHANDLEABLE;
		op_rm(ctxt, &src, sz);
		if ((rc = op_read(ctxt, &src)))
			return rc;
		/* ZF = (src == 0), destination unchanged then (AMD; Intel "undefined");
		 * CF OF SF AF PF undefined: unchanged */
		if (!src.val) {
			ctxt->eflags |= X86_EFLAGS_ZF;
			return 0;
		}
		ctxt->eflags &= ~X86_EFLAGS_ZF;
		v = op == 0xbc ? (u64)__builtin_ctzll(src.val) : (u64)(63 - __builtin_clzll(src.val));
		write_reg(ctxt, in->reg, false, v, sz);
		return 0;
	case 0xc0: case 0xc1: { /* XADD Eb/Ev, Gb/Gv */
		unsigned int b = bw(in, op);

		op_rm(ctxt, &dst, b);
		op_reg(ctxt, &src, in->reg, b);
		if ((rc = op_read(ctxt, &dst)))
			return rc;
		op_read(ctxt, &src);
		v = do_add(dst.val, src.val, 0, b, &ctxt->eflags);
		if ((rc = op_write(ctxt, &src, dst.val)))
			return rc;
		return op_write(ctxt, &dst, v);
	}
	case 0xc7: { /* CMPXCHG8B / CMPXCHG16B m (em_cmpxchg8b) */
		unsigned int half = in->w ? 8 : 4;
		u64 lo, hi;
		int seg;
		u64 ea;

		if (r3 != 1 || in->mod == 3)
			return X86EMUL_UNHANDLEABLE;
		modrm_ea(ctxt, &ea, &seg);
		if (half == 8 && (ea & 15))
			return emulate_gp(ctxt, 0);
		if ((rc = read_mem(ctxt, seg, ea, &lo, half)) ||
		    (rc = read_mem(ctxt, seg, ea + half, &hi, half)))
			return rc;
		if (lo == (ctxt->regs[VCPU_REGS_RAX] & mask_of(half)) &&
		    hi == (ctxt->regs[VCPU_REGS_RDX] & mask_of(half))) {
			if ((rc = write_mem(ctxt, seg, ea, ctxt->regs[VCPU_REGS_RBX], half)) ||
			    (rc = write_mem(ctxt, seg, ea + half, ctxt->regs[VCPU_REGS_RCX], half)))
				return rc;
			ctxt->eflags |= X86_EFLAGS_ZF;
			return 0;
		}
		if ((rc = write_mem(ctxt, seg, ea, lo, half)) ||
		    (rc = write_mem(ctxt, seg, ea + half, hi, half)))
			return rc;
		write_reg(ctxt, VCPU_REGS_RAX, false, lo, half);
		write_reg(ctxt, VCPU_REGS_RDX, false, hi, half);
		ctxt->eflags &= ~X86_EFLAGS_ZF;
		return 0;
	}
	case 0xc8 ... 0xcf: /* BSWAP r (16-bit: undefined, the low word cleared here) */
		v = ctxt->regs[in->opreg];
		if (sz == 8)
			v = __builtin_bswap64(v);
		else if (sz == 4)
			v = __builtin_bswap32((u32)v);
		else
			v = 0;
		write_reg(ctxt, in->opreg, false, v, sz);
		return 0;
	}
	return X86EMUL_UNHANDLEABLE;
}

int x86_emulate_insn(struct x86_emulate_ctxt *ctxt)
{
	struct x86_insn *in = &ctxt->insn;
	u64 saved_regs[NR_EMULATOR_GPRS], saved_flags = ctxt->eflags, rip;
	bool string = in->map == 0 && ((in->opcode >= 0xa4 && in->opcode <= 0xa7) ||
				       (in->opcode >= 0xaa && in->opcode <= 0xaf));
	int rc;

	memset(&ctxt->exception, 0, sizeof(ctxt->exception));
	ctxt->rep_pending = false;
	ctxt->iterations = 0;
	if (!ctxt->decoded || !in->valid || in->enc == X86_ENC_VEX || in->enc == X86_ENC_EVEX)
		return X86EMUL_UNHANDLEABLE;
	memcpy(saved_regs, ctxt->regs, sizeof(saved_regs));
	rip = next_rip(ctxt);
	if (in->map == 0)
		rc = em_map0(ctxt, &rip);
	else if (in->map == 1)
		rc = em_map1(ctxt, &rip);
	else
		rc = X86EMUL_UNHANDLEABLE;

	if (string && !in->jmpabs) {
		/* per-iteration commit: RIP stays at the instruction unless it completed */
		if (!rc && !ctxt->rep_pending)
			ctxt->rip = rip;
		return rc;
	}
	if (rc) {
		/* faulting instructions do not retire: registers and flags as before
		 * (memory written before the fault stays, as in KVM) */
		memcpy(ctxt->regs, saved_regs, sizeof(saved_regs));
		ctxt->eflags = saved_flags;
		return rc;
	}
	ctxt->rip = rip;
	ctxt->eflags |= X86_EFLAGS_FIXED;
	return X86EMUL_CONTINUE;
}

int x86_emulate_one(struct x86_emulate_ctxt *ctxt, const u8 *insn, size_t insn_len)
{
	int rc = x86_decode_insn(ctxt, insn, insn_len);

	return rc ? rc : x86_emulate_insn(ctxt);
}

void emulator_load_gprs(struct x86_emulate_ctxt *ctxt, const struct kvm_vcpu_apx *vcpu)
{
	memcpy(ctxt->regs, vcpu->regs, sizeof(ctxt->regs));
}

void emulator_writeback_gprs(const struct x86_emulate_ctxt *ctxt, struct kvm_vcpu_apx *vcpu)
{
	memcpy(vcpu->regs, ctxt->regs, sizeof(vcpu->regs));
}
