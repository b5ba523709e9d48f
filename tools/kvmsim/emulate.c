// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsim emulate [options] HEX: run one x86 instruction through the emulator
 * (arch/x86/kvm/emulate.c) against a register state given on the command line, and print
 * the outcome (retired, exception, or not emulated), RIP, RFLAGS, the registers that
 * changed and the memory written. Memory not given with --mem reads as zero.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmsim/cmd.h"
#include "kvmsim/json.h"
#include "kvmsim/parse.h"
#include "kvmsim/x86_apx.h"
#include "kvmsim/x86_emulate.h"

#define EMU_MAX_BYTES 65536
#define EMU_MAX_ITER (1u << 20) /* REP iterations before giving up */

struct emu_byte {
	u64 addr;
	u8 val;
	bool written;
};

struct emu_mem {
	struct emu_byte b[EMU_MAX_BYTES];
	unsigned int n;
	u64 fault_page; /* ~0: none */
	unsigned int reads, writes;
};

static struct emu_mem emem;

static struct emu_byte *emu_find(u64 addr, bool create)
{
	for (unsigned int i = 0; i < emem.n; i++)
		if (emem.b[i].addr == addr)
			return &emem.b[i];
	if (!create || emem.n == EMU_MAX_BYTES)
		return NULL;
	emem.b[emem.n] = (struct emu_byte){ .addr = addr };
	return &emem.b[emem.n++];
}

static int emu_access(u64 la, void *val, unsigned int bytes, bool write, struct x86_exception *f)
{
	if (emem.fault_page != ~0ull && ((la & ~0xfffull) == emem.fault_page ||
					 ((la + bytes - 1) & ~0xfffull) == emem.fault_page)) {
		f->valid = true;
		f->vector = PF_VECTOR;
		f->error_code_valid = true;
		f->error_code = write ? 2 : 0;
		f->address = la;
		return X86EMUL_PROPAGATE_FAULT;
	}
	for (unsigned int i = 0; i < bytes; i++) {
		struct emu_byte *b = emu_find(la + i, write);

		if (write) {
			if (!b)
				return -ENOMEM;
			b->val = ((const u8 *)val)[i];
			b->written = true;
		} else {
			((u8 *)val)[i] = b ? b->val : 0;
		}
	}
	if (write)
		emem.writes++;
	else
		emem.reads++;
	return 0;
}

static int emu_read(struct x86_emulate_ctxt *c, u64 la, void *v, unsigned int n,
		    struct x86_exception *f)
{
	return emu_access(la, v, n, false, f);
}

static int emu_write(struct x86_emulate_ctxt *c, u64 la, const void *v, unsigned int n,
		     struct x86_exception *f)
{
	return emu_access(la, (void *)v, n, true, f);
}

static const struct x86_emulate_ops emu_ops = { .read_emulated = emu_read,
						.write_emulated = emu_write,
						.fetch = emu_read };

static int byte_cmp(const void *a, const void *b)
{
	u64 x = ((const struct emu_byte *)a)->addr, y = ((const struct emu_byte *)b)->addr;

	return x < y ? -1 : x > y;
}

/* The written bytes as runs of consecutive addresses: calls fn(addr, hex) per run. */
static void written_runs(void (*fn)(void *arg, u64 addr, const char *hex), void *arg)
{
	static struct emu_byte w[EMU_MAX_BYTES];
	static char hex[2 * 256 + 1];
	unsigned int nw = 0, len = 0;
	u64 start = 0;

	for (unsigned int i = 0; i < emem.n; i++)
		if (emem.b[i].written)
			w[nw++] = emem.b[i];
	qsort(w, nw, sizeof(w[0]), byte_cmp);
	for (unsigned int i = 0; i < nw; i++) {
		if (len && (w[i].addr != start + len / 2 || len == sizeof(hex) - 1)) {
			fn(arg, start, hex);
			len = 0;
		}
		if (!len)
			start = w[i].addr;
		len += sprintf(hex + len, "%02x", w[i].val);
	}
	if (len)
		fn(arg, start, hex);
}

static void run_json(void *arg, u64 addr, const char *hex)
{
	struct json *j = arg;

	json_obj_begin(j, NULL);
	json_u64(j, "addr", addr);
	json_str(j, "bytes", hex);
	json_obj_end(j);
}

static void run_text(void *arg, u64 addr, const char *hex)
{
	printf("mem     [%#llx] = %s\n", (unsigned long long)addr, hex);
}

static int hex_bytes(const char *s, u8 *out, size_t max)
{
	size_t n = 0;

	while (*s) {
		unsigned int v;

		if (*s == ' ' || *s == ',' || *s == ':') {
			s++;
			continue;
		}
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
			s += 2;
		if (n >= max || sscanf(s, "%2x", &v) != 1 || !s[1] || s[1] == ' ')
			return -1;
		if (!strchr("0123456789abcdefABCDEF", s[0]) || !strchr("0123456789abcdefABCDEF", s[1]))
			return -1;
		out[n++] = v;
		s += 2;
	}
	return n;
}

static int reg_by_name(const char *name)
{
	for (int r = 0; r < NR_EMULATOR_GPRS; r++)
		if (!strcmp(name, x86_gpr_name(r, 8, true)))
			return r;
	if (name[0] == 'r') {
		char *end;
		long v = strtol(name + 1, &end, 10);

		if (!*end && end != name + 1 && v >= 0 && v < NR_EMULATOR_GPRS)
			return v;
	}
	return -1;
}

static const char *vec_name(u8 v)
{
	switch (v) {
	case DE_VECTOR: return "#DE";
	case UD_VECTOR: return "#UD";
	case SS_VECTOR: return "#SS";
	case GP_VECTOR: return "#GP";
	case PF_VECTOR: return "#PF";
	}
	return "#?";
}

static void flags_str(u64 f, char *buf)
{
	static const struct { u64 bit; const char *n; } fl[] = {
		{ X86_EFLAGS_CF, "CF" }, { X86_EFLAGS_PF, "PF" }, { X86_EFLAGS_AF, "AF" },
		{ X86_EFLAGS_ZF, "ZF" }, { X86_EFLAGS_SF, "SF" }, { X86_EFLAGS_TF, "TF" },
		{ X86_EFLAGS_IF, "IF" }, { X86_EFLAGS_DF, "DF" }, { X86_EFLAGS_OF, "OF" },
	};

	buf[0] = 0;
	for (size_t i = 0; i < ARRAY_SIZE(fl); i++)
		if (f & fl[i].bit) {
			if (buf[0])
				strcat(buf, " ");
			strcat(buf, fl[i].n);
		}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kvmsim emulate [--mode 64|32|16] [--json] [--REG VALUE]... [--rip VALUE]\n"
		"                      [--rflags VALUE] [--mem ADDR=HEX]... [--fault-page ADDR]\n"
		"                      [--no-osxsave] [--no-apx] [--jmpabs emulate|dropped]\n"
		"                      [--cpl N] [--seg-base SEG=VALUE] HEX\n"
		"Run one x86 instruction (hex bytes) through the emulator against the given state:\n"
		"REG is rax..r15, r16..r31 (or r0..r31); memory not given with --mem reads as 0;\n"
		"--fault-page makes accesses to that 4 KiB page raise #PF. Defaults: 64-bit mode,\n"
		"CR4.OSXSAVE=1, XCR0=FP|SSE|APX, JMPABS emulated (RFC v1), CPL 0, RFLAGS 0x2.\n");
}

static int bad(const char *what, const char *arg)
{
	fprintf(stderr, "kvmsim emulate: bad %s '%s'\n", what, arg);
	return EXIT_USAGE;
}

static int emulate_main(int argc, char **argv)
{
	struct x86_emulate_ctxt c = { 0 };
	u64 start[NR_EMULATOR_GPRS], rip0, fl0, v;
	const char *hex = NULL;
	bool json = false;
	u8 insn[X86_MAX_INSN_SIZE];
	int n, rc, r;
	u64 iter = 0;

	memset(&emem, 0, sizeof(emem));
	emem.fault_page = ~0ull;
	c.ops = &emu_ops;
	c.mode = 64;
	c.eflags = X86_EFLAGS_FIXED;
	c.cr4 = X86_CR4_OSXSAVE;
	c.xcr0 = XFEATURE_MASK_FP | XFEATURE_MASK_SSE | XFEATURE_MASK_APX;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--no-osxsave")) {
			c.cr4 &= ~(u64)X86_CR4_OSXSAVE;
		} else if (!strcmp(a, "--no-apx")) {
			c.xcr0 &= ~XFEATURE_MASK_APX;
		} else if (a[0] == '-' && a[1] == '-') {
			if (!val)
				return bad("option (missing value)", a);
			i++;
			if (!strcmp(a, "--mode")) {
				if (parse_u64(val, &v) || (v != 16 && v != 32 && v != 64))
					return bad("--mode", val);
				c.mode = v;
			} else if (!strcmp(a, "--rip")) {
				if (parse_u64(val, &c.rip))
					return bad("--rip", val);
			} else if (!strcmp(a, "--rflags")) {
				if (parse_u64(val, &v))
					return bad("--rflags", val);
				c.eflags = v | X86_EFLAGS_FIXED;
			} else if (!strcmp(a, "--cpl")) {
				if (parse_u64(val, &v) || v > 3)
					return bad("--cpl", val);
				c.cpl = v;
			} else if (!strcmp(a, "--jmpabs")) {
				if (!strcmp(val, "emulate"))
					c.jmpabs = X86_JMPABS_EMULATE;
				else if (!strcmp(val, "dropped"))
					c.jmpabs = X86_JMPABS_DROPPED;
				else
					return bad("--jmpabs", val);
			} else if (!strcmp(a, "--fault-page")) {
				if (parse_u64(val, &v))
					return bad("--fault-page", val);
				emem.fault_page = v & ~0xfffull;
			} else if (!strcmp(a, "--mem")) {
				char addr[64];
				const char *eq = strchr(val, '=');
				u8 bytes[256];
				int nb;

				if (!eq || (size_t)(eq - val) >= sizeof(addr))
					return bad("--mem", val);
				memcpy(addr, val, eq - val);
				addr[eq - val] = 0;
				nb = hex_bytes(eq + 1, bytes, sizeof(bytes));
				if (parse_u64(addr, &v) || nb <= 0)
					return bad("--mem", val);
				for (int k = 0; k < nb; k++) {
					struct emu_byte *b = emu_find(v + k, true);

					if (!b)
						return bad("--mem (too many bytes)", val);
					b->val = bytes[k];
				}
			} else if (!strcmp(a, "--seg-base")) {
				static const char *const segs[] = { "es", "cs", "ss", "ds", "fs", "gs" };
				const char *eq = strchr(val, '=');
				int s = -1;

				for (int k = 0; eq && k < NR_EMULATOR_SREGS; k++)
					if ((size_t)(eq - val) == 2 && !strncmp(val, segs[k], 2))
						s = k;
				if (s < 0 || parse_u64(eq + 1, &c.seg_base[s]))
					return bad("--seg-base", val);
			} else if ((r = reg_by_name(a + 2)) >= 0) {
				if (parse_u64(val, &c.regs[r]))
					return bad(a, val);
			} else {
				fprintf(stderr, "kvmsim emulate: unknown option '%s'\n", a);
				return EXIT_USAGE;
			}
		} else if (!hex) {
			hex = a;
		} else {
			return bad("extra argument", a);
		}
	}
	if (!hex) {
		fprintf(stderr, "kvmsim emulate: missing instruction bytes (HEX)\n");
		return EXIT_USAGE;
	}
	n = hex_bytes(hex, insn, sizeof(insn));
	if (n <= 0)
		return bad("hex", hex);

	memcpy(start, c.regs, sizeof(start));
	rip0 = c.rip;
	fl0 = c.eflags;
	rc = x86_decode_insn(&c, insn, n);
	if (!rc) {
		do {
			rc = x86_emulate_insn(&c);
			iter += c.iterations;
		} while (!rc && c.rep_pending && iter < EMU_MAX_ITER);
	}

	const char *outcome = rc == 0 ? (c.rep_pending ? "paused" : "retired") :
			      rc == X86EMUL_PROPAGATE_FAULT ? "exception" :
			      rc == X86EMUL_UNHANDLEABLE ? "unhandleable" : "error";
	char text[128], fls[64];

	if (x86_format_intel(&c.insn, rip0, text, sizeof(text)) < 0) {
		if (c.insn.valid)
			snprintf(text, sizeof(text), "(map %u opcode %02x)", c.insn.map, c.insn.opcode);
		else
			snprintf(text, sizeof(text), "(bad: %s)", x86_ud_reason_str(c.insn.ud));
	}
	flags_str(c.eflags, fls);

	if (json) {
		struct json j;

		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_str(&j, "outcome", outcome);
		json_s64(&j, "rc", rc);
		json_u64(&j, "length", c.insn.length);
		json_str(&j, "text", text);
		if (rc == X86EMUL_PROPAGATE_FAULT) {
			json_obj_begin(&j, "exception");
			json_str(&j, "vector", vec_name(c.exception.vector));
			if (c.exception.error_code_valid)
				json_u64(&j, "error_code", c.exception.error_code);
			if (c.exception.vector == PF_VECTOR)
				json_u64(&j, "address", c.exception.address);
			json_obj_end(&j);
		}
		json_u64(&j, "rip", c.rip);
		json_u64(&j, "rflags", c.eflags);
		json_str(&j, "flags", fls);
		json_u64(&j, "iterations", iter);
		json_obj_begin(&j, "changed");
		for (r = 0; r < NR_EMULATOR_GPRS; r++)
			if (c.regs[r] != start[r])
				json_u64(&j, x86_gpr_name(r, 8, true), c.regs[r]);
		json_obj_end(&j);
		json_arr_begin(&j, "memory_written");
		written_runs(run_json, &j);
		json_arr_end(&j);
		json_obj_end(&j);
		json_finish(&j);
	} else {
		printf("%s", outcome);
		if (rc == X86EMUL_PROPAGATE_FAULT) {
			printf(" %s", vec_name(c.exception.vector));
			if (c.exception.error_code_valid)
				printf("(%u)", c.exception.error_code);
			if (c.exception.vector == PF_VECTOR)
				printf(" at %#llx", (unsigned long long)c.exception.address);
		} else if (rc && rc != X86EMUL_UNHANDLEABLE) {
			printf(" (%s)", strerror(-rc));
		}
		printf("\t%u bytes\t%s\n", c.insn.length, text);
		printf("rip     %#llx%s\n", (unsigned long long)c.rip, c.rip == rip0 ? " (unchanged)" : "");
		printf("rflags  %#llx [%s]%s\n", (unsigned long long)c.eflags, fls,
		       c.eflags == fl0 ? " (unchanged)" : "");
		if (iter)
			printf("iterations %llu\n", (unsigned long long)iter);
		for (r = 0; r < NR_EMULATOR_GPRS; r++)
			if (c.regs[r] != start[r])
				printf("%-7s %#llx (was %#llx)\n", x86_gpr_name(r, 8, true),
				       (unsigned long long)c.regs[r], (unsigned long long)start[r]);
		written_runs(run_text, NULL);
	}
	return rc == 0 || rc == X86EMUL_PROPAGATE_FAULT || rc == X86EMUL_UNHANDLEABLE ? 0 :
											 EXIT_RUNTIME;
}

KVMSIM_COMMAND(emulate_cmd, .name = "emulate",
	       .summary = "run one x86 instruction through the emulator (APX/REX2)",
	       .run = emulate_main);
