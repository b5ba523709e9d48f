/* SPDX-License-Identifier: GPL-2.0 */
/* dlopen wrapper around libLLVM-19's C disassembler API (llvm-c/Disassembler.h). */
#include <dlfcn.h>
#include <stdint.h>
#include <stddef.h>
#include <string.h>
typedef void *LLVMDisasmContextRef;
struct llvm_oracle {
	void *h;
	LLVMDisasmContextRef dc[3];
	size_t (*dis)(LLVMDisasmContextRef, uint8_t *, uint64_t, uint64_t, char *, size_t);
};
static int llvm_oracle_open(struct llvm_oracle *o)
{
	static const char *const libs[] = { "libLLVM.so.19.1", "libLLVM-19.so", "/usr/lib/llvm-19/lib/libLLVM.so.1" };
	static const char *const triples[] = { "i386-unknown-unknown-code16", "i386-unknown-unknown", "x86_64-unknown-unknown" };
	LLVMDisasmContextRef (*create)(const char *, void *, int, void *, void *);
	int (*setopt)(LLVMDisasmContextRef, uint64_t);
	void (*init)(void);
	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]) && !o->h; i++)
		o->h = dlopen(libs[i], RTLD_NOW | RTLD_LOCAL);
	if (!o->h)
		return -1;
	static const char *const inits[] = { "LLVMInitializeX86TargetInfo", "LLVMInitializeX86TargetMC", "LLVMInitializeX86Disassembler" };
	for (int i = 0; i < 3; i++) {
		*(void **)&init = dlsym(o->h, inits[i]);
		if (!init)
			return -1;
		init();
	}
	*(void **)&create = dlsym(o->h, "LLVMCreateDisasm");
	*(void **)&setopt = dlsym(o->h, "LLVMSetDisasmOptions");
	*(void **)&o->dis = dlsym(o->h, "LLVMDisasmInstruction");
	if (!create || !setopt || !o->dis)
		return -1;
	for (int i = 0; i < 3; i++) {
		o->dc[i] = create(triples[i], NULL, 0, NULL, NULL);
		if (!o->dc[i])
			return -1;
		setopt(o->dc[i], 4); /* LLVMDisassembler_Option_AsmPrinterVariant: Intel */
	}
	return 0;
}
/* mode 16/32/64; returns the length (0: invalid), text in out */
static size_t llvm_oracle_decode(struct llvm_oracle *o, int mode, const uint8_t *b, size_t n, uint64_t pc, char *out, size_t outsz)
{
	uint8_t tmp[32];
	size_t i;
	for (i = 0; i < n && i < sizeof(tmp); i++)
		tmp[i] = b[i];
	out[0] = 0;
	return o->dis(o->dc[mode == 16 ? 0 : mode == 32 ? 1 : 2], tmp, i, pc, out, outsz);
}
