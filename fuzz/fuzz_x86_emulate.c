// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target for x86_decode_insn() + x86_emulate_insn(): the input gives the vCPU
 * configuration (mode, CR4.OSXSAVE, XCR0.APX, JMPABS mode, CPL), the 32 GPRs and RFLAGS,
 * and the bytes of guest memory the instructions are fetched from; up to 16 instructions
 * run, following RIP. Memory accesses wrap into a 64 KiB buffer; linear addresses with
 * bit 16 set raise #PF, with bit 17 set fail as an unhandled MMIO access (-EIO). Checked:
 * no crash or out-of-bounds access (ASan), the return value is one of the documented
 * ones, an exception is reported exactly with X86EMUL_PROPAGATE_FAULT, the instruction is
 * at most 15 bytes, and a faulting non-string instruction leaves registers and RFLAGS as
 * they were.
 */
#include <stdlib.h>
#include <string.h>

#include "kvmsim/x86_apx.h"
#include "kvmsim/x86_emulate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MEM 65536
static u8 mem[MEM];

static int acc(u64 la, void *v, unsigned int n, bool w, struct x86_exception *f)
{
	if (la & BIT_ULL(16)) {
		f->valid = true;
		f->vector = PF_VECTOR;
		f->address = la;
		return X86EMUL_PROPAGATE_FAULT;
	}
	if (la & BIT_ULL(17))
		return -EIO;
	for (unsigned int i = 0; i < n; i++) {
		u8 *p = &mem[(la + i) & (MEM - 1)];

		if (w)
			*p = ((const u8 *)v)[i];
		else
			((u8 *)v)[i] = *p;
	}
	return 0;
}

static int rd(struct x86_emulate_ctxt *c, u64 la, void *v, unsigned int n, struct x86_exception *f)
{
	if (n > 16)
		abort();
	return acc(la, v, n, false, f);
}

static int wr(struct x86_emulate_ctxt *c, u64 la, const void *v, unsigned int n,
	      struct x86_exception *f)
{
	if (n > 16)
		abort();
	return acc(la, (void *)v, n, true, f);
}

static const struct x86_emulate_ops ops = { .read_emulated = rd, .write_emulated = wr,
					    .fetch = rd };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int modes[] = { 64, 32, 16, 64 };
	struct x86_emulate_ctxt c;
	size_t off = 0;
	u8 cfg;

	if (size < 2)
		return 0;
	memset(&c, 0, sizeof(c));
	cfg = data[off++];
	c.ops = &ops;
	c.mode = modes[cfg & 3];
	c.cr4 = (cfg & 4) ? 0 : X86_CR4_OSXSAVE;
	c.xcr0 = XFEATURE_MASK_FP | ((cfg & 8) ? 0 : XFEATURE_MASK_APX);
	c.jmpabs = (cfg & 16) ? X86_JMPABS_DROPPED : X86_JMPABS_EMULATE;
	c.cpl = (cfg >> 5) & 3;
	/* registers: one byte each selects a pattern */
	for (int i = 0; i < NR_EMULATOR_GPRS && off < size; i++) {
		u8 b = data[off++];

		c.regs[i] = (b & 0x80) ? ~0ull << (b & 63) : (u64)b * 0x0101010101ull;
	}
	c.eflags = X86_EFLAGS_FIXED | (off < size ? (data[off++] & 0xd5) | 0 : 0);
	if (off < size && (data[off++] & 1))
		c.eflags |= X86_EFLAGS_DF;
	memset(mem, 0xcc, sizeof(mem));
	memcpy(mem, data + off, size - off < MEM ? size - off : MEM);
	c.rip = 0;

	for (int n = 0; n < 16; n++) {
		u64 regs[NR_EMULATOR_GPRS], fl = c.eflags;
		int rc;

		memcpy(regs, c.regs, sizeof(regs));
		rc = x86_decode_insn(&c, (n & 1) ? NULL : mem + (c.rip & (MEM - 1)),
				     MEM - (c.rip & (MEM - 1)));
		if (c.insn.length > X86_MAX_INSN_SIZE)
			abort();
		if (!rc) {
			rc = x86_emulate_insn(&c);
			if (rc && rc != X86EMUL_PROPAGATE_FAULT && rc != X86EMUL_UNHANDLEABLE &&
			    rc != -EIO)
				abort();
		} else if (rc != X86EMUL_PROPAGATE_FAULT && rc != X86EMUL_UNHANDLEABLE) {
			abort();
		}
		if ((rc == X86EMUL_PROPAGATE_FAULT) != c.exception.valid)
			abort();
		if (rc && c.insn.valid && !(c.insn.map == 0 && ((c.insn.opcode >= 0xa4 &&
								 c.insn.opcode <= 0xa7) ||
								(c.insn.opcode >= 0xaa &&
								 c.insn.opcode <= 0xaf))) &&
		    (memcmp(regs, c.regs, sizeof(regs)) || fl != c.eflags))
			abort();
		if (rc)
			break;
	}
	return 0;
}
