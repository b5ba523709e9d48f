/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86 instruction emulator on top of insn_decode(): the scope of KVM's emulator for
 * general-purpose instructions (arch/x86/kvm/emulate.c, v6.18) with the APX series' changes
 * (32 GPRs, REX2 validity, JMPABS of RFC v1 14/20, EVEX rejected). A register file of 32
 * GPRs, RIP and RFLAGS; memory and MMIO through callbacks. See docs/model/apx.md for the
 * instruction list and the simplifications.
 */
#ifndef KVMSIM_X86_EMULATE_H
#define KVMSIM_X86_EMULATE_H

#include <errno.h>

#include "kvmsim/types.h"
#include "kvmsim/x86_decode.h"

#define NR_EMULATOR_GPRS 32 /* RFC v1 09/20: 16 -> 32 on x86-64 */

enum { VCPU_REGS_RAX, VCPU_REGS_RCX, VCPU_REGS_RDX, VCPU_REGS_RBX,
       VCPU_REGS_RSP, VCPU_REGS_RBP, VCPU_REGS_RSI, VCPU_REGS_RDI };

/* Segment registers in KVM's VCPU_SREG_* order. */
enum { VCPU_SREG_ES, VCPU_SREG_CS, VCPU_SREG_SS, VCPU_SREG_DS, VCPU_SREG_FS, VCPU_SREG_GS,
       NR_EMULATOR_SREGS };

#define X86_EFLAGS_CF BIT(0)
#define X86_EFLAGS_FIXED BIT(1)
#define X86_EFLAGS_PF BIT(2)
#define X86_EFLAGS_AF BIT(4)
#define X86_EFLAGS_ZF BIT(6)
#define X86_EFLAGS_SF BIT(7)
#define X86_EFLAGS_TF BIT(8)
#define X86_EFLAGS_IF BIT(9)
#define X86_EFLAGS_DF BIT(10)
#define X86_EFLAGS_OF BIT(11)
#define X86_EFLAGS_IOPL (3u << 12)
#define X86_EFLAGS_NT BIT(14)
#define X86_EFLAGS_RF BIT(16)
#define X86_EFLAGS_VM BIT(17)
#define X86_EFLAGS_AC BIT(18)
#define X86_EFLAGS_ID BIT(21)
#define X86_EFLAGS_ARITH                                                                  \
	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | X86_EFLAGS_ZF | X86_EFLAGS_SF |  \
	 X86_EFLAGS_OF)

#define X86_CR4_OSXSAVE BIT(18)

#define DE_VECTOR 0
#define UD_VECTOR 6
#define SS_VECTOR 12
#define GP_VECTOR 13
#define PF_VECTOR 14

/*
 * Return values, as negative errnos (DEVELOPERS.md) for KVM's X86EMUL_* codes:
 * CONTINUE = the instruction retired (or a REP string instruction paused, see
 * rep_pending); PROPAGATE_FAULT = ctxt->exception holds the exception to inject;
 * UNHANDLEABLE = outside the emulator (KVM: EMULATION_FAILED, an exit to userspace).
 */
#define X86EMUL_CONTINUE 0
#define X86EMUL_PROPAGATE_FAULT (-EFAULT)
#define X86EMUL_UNHANDLEABLE (-EOPNOTSUPP)

struct x86_exception {
	bool valid;
	u8 vector;
	bool error_code_valid;
	u16 error_code;
	u64 address; /* #PF: the faulting linear address */
};

struct x86_emulate_ctxt;

/*
 * Memory callbacks (KVM's x86_emulate_ops read_emulated/write_emulated/fetch), on linear
 * addresses, 1-16 bytes, little endian. Return 0, or a negative value: to raise a guest
 * exception (#PF ...) fill *fault (valid = true) and return X86EMUL_PROPAGATE_FAULT; any
 * other negative value is passed back from x86_emulate_insn() unchanged (e.g. an MMIO
 * access the model cannot complete).
 */
struct x86_emulate_ops {
	int (*read_emulated)(struct x86_emulate_ctxt *ctxt, u64 addr, void *val,
			     unsigned int bytes, struct x86_exception *fault);
	int (*write_emulated)(struct x86_emulate_ctxt *ctxt, u64 addr, const void *val,
			      unsigned int bytes, struct x86_exception *fault);
	/* instruction fetch (optional, used when x86_decode_insn() gets no bytes) */
	int (*fetch)(struct x86_emulate_ctxt *ctxt, u64 addr, void *val, unsigned int bytes,
		     struct x86_exception *fault);
};

/* JMPABS (apx.md 1.3): emulated as RFC v1 14/20, or dropped as in the later series (#UD). */
enum x86_jmpabs_mode { X86_JMPABS_EMULATE, X86_JMPABS_DROPPED };

struct x86_emulate_ctxt {
	const struct x86_emulate_ops *ops;
	void *opaque; /* for the callbacks */

	/* vCPU state */
	int mode; /* 64, 32 or 16 (X86EMUL_MODE_PROT64/PROT32/PROT16; real mode as 16) */
	u64 regs[NR_EMULATOR_GPRS];
	u64 rip;
	u64 eflags;
	u64 seg_base[NR_EMULATOR_SREGS]; /* in 64-bit mode only FS and GS bases apply */
	u64 cr4;			 /* X86_CR4_OSXSAVE gates REX2 */
	u64 xcr0;			 /* XFEATURE_MASK_APX gates REX2 (emul_egpr_enabled()) */
	u8 cpl;				 /* POPF: IOPL/IF writable at CPL 0 */
	enum x86_jmpabs_mode jmpabs;

	/* results */
	bool decoded; /* x86_decode_insn() succeeded: x86_emulate_insn() may run (again) */
	struct x86_insn insn;
	struct x86_exception exception;
	bool rep_pending; /* a REP string instruction returned before RCX reached 0 */
	u64 iterations;	  /* string iterations done by the last call */
};

/**
 * x86_decode_insn() - decode the instruction at ctxt->rip.
 * @insn: the bytes (as KVM gets them from the exit), or NULL to fetch through ops->fetch
 * @insn_len: bytes available in @insn
 *
 * Models x86_decode_insn() with the APX v2 checks: REX2 is #UD when a REX precedes it, when
 * CR4.OSXSAVE = 0 or XCR0.APX = 0 (rex2_invalid(), v2 11/16); the opcodes reserved under
 * REX2 are #UD (NoRex2, v2 10/16); EVEX is not emulated (v2 12/16); VEX neither.
 * Returns X86EMUL_CONTINUE, X86EMUL_PROPAGATE_FAULT (#UD or a fetch fault in
 * ctxt->exception) or X86EMUL_UNHANDLEABLE.
 */
int x86_decode_insn(struct x86_emulate_ctxt *ctxt, const u8 *insn, size_t insn_len);

/**
 * x86_emulate_insn() - execute the decoded instruction: registers, RIP and RFLAGS are
 * updated only when it retires (a REP string instruction commits each iteration and,
 * as KVM, returns every 1024 iterations with rep_pending set and RIP unchanged).
 */
int x86_emulate_insn(struct x86_emulate_ctxt *ctxt);

/* x86_emulate_one(): decode + emulate. */
int x86_emulate_one(struct x86_emulate_ctxt *ctxt, const u8 *insn, size_t insn_len);

/*
 * The register cache of the emulator filled from and written back to the vCPU's 32 GPRs
 * (RFC v1 09/20: emulator_read_gpr/emulator_write_gpr through _kvm_gpr_read/_kvm_gpr_write,
 * so the EGPRs are cached like the others). Raw values: no 32-bit truncation.
 */
struct kvm_vcpu_apx;
void emulator_load_gprs(struct x86_emulate_ctxt *ctxt, const struct kvm_vcpu_apx *vcpu);
void emulator_writeback_gprs(const struct x86_emulate_ctxt *ctxt, struct kvm_vcpu_apx *vcpu);

/* Condition code cc (0-15, as in Jcc) against flags; KVM test_cc(). */
bool x86_test_cc(unsigned int cc, u64 eflags);

#endif
