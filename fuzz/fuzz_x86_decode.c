// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target for insn_decode() and x86_format_intel(): any bytes, every mode; the
 * decoder must not read past the input (the driver hands an exact-size copy, ASan checks)
 * and must keep its invariants (length <= 15, valid => length <= size).
 */
#include <stdlib.h>

#include "kvmsim/x86_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int modes[] = { 64, 32, 16 };
	struct x86_insn in;
	char text[128];

	for (size_t off = 0; off < size && off < 64; off++)
		for (int m = 0; m < 3; m++) {
			insn_decode(&in, data + off, size - off, modes[m]);
			if (in.length > X86_MAX_INSN_SIZE || (in.valid && in.length > size - off))
				abort();
			x86_format_intel(&in, 0x1000, text, sizeof(text));
		}
	return 0;
}
