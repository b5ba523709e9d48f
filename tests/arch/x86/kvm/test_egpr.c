// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_gpr_read/write for 32 registers, the XSAVE APX component round trip (the apx_test
 * selftest's values 0xabcd+n / 0xbcde+n) and __kvm_set_xcr (xcr0_cpuid_test checks + the
 * APX/MPX conflict).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kvmsim/x86_apx.h"

static void test_gpr(void **state)
{
	struct kvm_vcpu_apx v = { .long_mode = true };

	kvm_gpr_write(&v, 31, 0x1122334455667788ull);
	assert_true(kvm_gpr_read(&v, 31) == 0x1122334455667788ull);
	/* outside 64-bit mode: read truncates to the low 32 bits 0x55667788 */
	v.long_mode = false;
	assert_true(kvm_gpr_read(&v, 31) == 0x55667788ull);
	kvm_gpr_write(&v, 16, ~0ull); /* written value truncated: 0xffffffff */
	v.long_mode = true;
	assert_true(kvm_gpr_read(&v, 16) == 0xffffffffull);
	assert_true(kvm_gpr_read(&v, 32) == 0);
}

static void test_xsave_roundtrip(void **state)
{
	struct kvm_vcpu_apx v = { .long_mode = true }, w = { .long_mode = true };
	u8 xs[4096] = { 0 };
	u64 r;

	for (int n = 0; n < 16; n++)
		kvm_gpr_write(&v, 16 + n, 0xabcd + n);
	kvm_apx_save_xstate(&v, xs, sizeof(xs));
	/* R16 at 960, R31 at 960 + 15*8 = 1080 */
	memcpy(&r, xs + 960, 8);
	assert_true(r == 0xabcd);
	memcpy(&r, xs + 1080, 8);
	assert_true(r == 0xabcd + 15);
	for (int n = 0; n < 16; n++) {
		r = 0xbcde + n;
		memcpy(xs + 960 + 8 * n, &r, 8);
	}
	kvm_apx_load_xstate(&w, xs, sizeof(xs));
	for (int n = 0; n < 16; n++)
		assert_true(kvm_gpr_read(&w, 16 + n) == 0xbcdeull + n);
}

static void test_xcr0(void **state)
{
	/* supported: FP SSE YMM AVX-512 XTILE APX (no MPX, as an APX host: apx.md 1.1) */
	u64 sup = 0x7 | XFEATURE_MASK_AVX512 | XFEATURE_MASK_XTILE | XFEATURE_MASK_APX;

	assert_int_equal(__kvm_set_xcr(sup, XFEATURE_MASK_FP), 0);
	assert_int_equal(__kvm_set_xcr(sup, sup), 0);
	for (int i = 0; i < 64; i++)
		if (!(sup & BIT_ULL(i)))
			assert_int_equal(__kvm_set_xcr(sup, sup | BIT_ULL(i)), -EINVAL);
	assert_int_equal(__kvm_set_xcr(sup, XFEATURE_MASK_FP | XFEATURE_MASK_YMM), -EINVAL);
	assert_int_equal(__kvm_set_xcr(sup, 0x7 | BIT_ULL(5)), -EINVAL);
	assert_int_equal(__kvm_set_xcr(sup, 0x3 | BIT_ULL(17)), -EINVAL);
	/* APX together with BNDREGS|BNDCSR: #GP even if both were "supported" */
	assert_int_equal(__kvm_set_xcr(~0ull, 0x3 | 0x18 | XFEATURE_MASK_APX), -EINVAL);
	assert_int_equal(__kvm_set_xcr(~0ull, 0x3 | XFEATURE_MASK_APX), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gpr),
		cmocka_unit_test(test_xsave_roundtrip),
		cmocka_unit_test(test_xcr0),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
