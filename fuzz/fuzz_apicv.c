// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the VMX APICv model (arch/x86/kvm/vmx/apicv.c) with arbitrary event sequences.
 * Byte 0 picks the configuration (fix, nested refresh, initial APICv state, an EOI-exit
 * vector); then each pair of bytes is one event and, for raise, a vector (16..255). Under
 * every configuration no sequence may crash or overflow the guest's stack; under v2 and
 * sean with the direct nested refresh the ISR invariant (ISR = vectors the guest handles +
 * the one being injected, and no vector received more often than raised) must hold after
 * every event — the exhaustive explorer proves it for two or three vectors, this tries all
 * 240. (Under none, or with v6.18's request, violations are expected: the model's bugs.)
 * abort() on a violation so the fuzzer reports it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kvmsim/apicv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vmx_apicv_vcpu v;
	int fix, refresh;
	bool strict;

	if (size < 1)
		return 0;
	fix = data[0] % 3;
	refresh = (data[0] >> 2) & 1;
	strict = fix != APICV_SVI_FIX_NONE && refresh == APICV_NESTED_REFRESH_DIRECT;
	vmx_apicv_vcpu_init(&v, fix, refresh, (data[0] >> 3) & 1);
	if (data[0] & 0x10) {
		u64 bm[4] = {0};
		int e = 16 + (data[0] >> 5) * 30;

		bm[e >> 6] |= BIT_ULL(e & 63);
		vmx_load_eoi_exitmap(&v, bm);
	}
	for (size_t i = 1; i + 1 < size && i < 4097; i += 2) {
		int ev = data[i] % APICV_EV_NR;
		int vec = 16 + data[i + 1] % 240;

		vmx_apicv_step(&v, (enum apicv_event)ev, vec);
		if (v.guest_depth > APICV_GUEST_STACK)
			abort();
		if (strict && !vmx_apicv_isr_consistent(&v))
			abort();
	}
	return 0;
}
