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

/*
 * xcr0_cpuid_test's checks against the exposure model: the supported XCR0 passes
 * __kvm_set_xcr, supported | any other bit #GPs, APX supported => no BNDREGS/BNDCSR;
 * CPUID.(7,1).EDX[21] and leaf 0x29 exactly when APX is supported (RFC 18-19/20).
 */
static void test_cpuid_exposure(void **state)
{
	/* an APX host: FP SSE YMM AVX-512 XTILE APX, NCI/NDD/NF, max leaf 0x2a */
	struct kvm_apx_host h = { .host_xcr0 = 0x7 | XFEATURE_MASK_AVX512 | XFEATURE_MASK_XTILE |
					       XFEATURE_MASK_APX | BIT_ULL(9) /* PKRU */,
				  .apx_f = true, .nci_ndd_nf = true, .host_max_leaf = 0x2a };
	struct kvm_cpuid_entry2 e;
	u64 sup = kvm_apx_supported_xcr0(&h);

	/* PKRU (bit 9) is not in KVM_SUPPORTED_XCR0 here: masked off */
	assert_true(sup == (0x7 | XFEATURE_MASK_AVX512 | XFEATURE_MASK_XTILE | XFEATURE_MASK_APX));
	assert_int_equal(__kvm_set_xcr(sup, sup), 0);
	for (int i = 0; i < 64; i++)
		if (!(sup & BIT_ULL(i)))
			assert_int_equal(__kvm_set_xcr(sup, sup | BIT_ULL(i)), -EINVAL);
	assert_false(sup & (XFEATURE_MASK_BNDREGS | XFEATURE_MASK_BNDCSR)); /* ASSERT_XFEATURE_CONFLICT */
	assert_int_equal(kvm_apx_get_cpuid(&h, 7, 1, &e), 0);
	assert_true(e.edx == BIT(21));
	assert_int_equal(kvm_apx_get_cpuid(&h, 0x29, 0, &e), 0);
	assert_true(e.eax == 0 && e.ebx == 1 && e.ecx == 0 && e.edx == 0);
	assert_int_equal(kvm_apx_get_cpuid(&h, 0, 0, &e), 0);
	assert_int_equal(e.eax, 0x29); /* min(host 0x2a, KVM 0x29) */
	assert_int_equal(kvm_apx_get_cpuid(&h, 0xd, 19, &e), 0);
	assert_true(e.eax == 128 && e.ebx == 960); /* the selftest reads the offset from EBX */
	assert_int_equal(kvm_apx_get_cpuid(&h, 0xd, 0, &e), 0);
	assert_true(((u64)e.edx << 32 | e.eax) == sup);
	assert_int_equal(kvm_apx_get_cpuid(&h, 0x80000001, 0, &e), -ENOENT);

	/* SVM: APX cleared from XCR0 and from both CPUID places */
	h.svm = true;
	assert_false(kvm_apx_supported_xcr0(&h) & XFEATURE_MASK_APX);
	kvm_apx_get_cpuid(&h, 7, 1, &e);
	assert_int_equal(e.edx, 0);
	kvm_apx_get_cpuid(&h, 0x29, 0, &e);
	assert_int_equal(e.ebx, 0);
	kvm_apx_get_cpuid(&h, 0xd, 19, &e);
	assert_int_equal(e.ebx, 0);
	/* a pre-APX host (max leaf 0x24, no APX): leaf 0x29 zero; XSETBV(APX) #GPs */
	h = (struct kvm_apx_host){ .host_xcr0 = 0x1f, .host_max_leaf = 0x24 };
	sup = kvm_apx_supported_xcr0(&h);
	assert_true(sup == 0x1f); /* FP SSE YMM BNDREGS BNDCSR */
	assert_int_equal(__kvm_set_xcr(sup, sup | XFEATURE_MASK_APX), -EINVAL);
	kvm_apx_get_cpuid(&h, 0, 0, &e);
	assert_int_equal(e.eax, 0x24);
	kvm_apx_get_cpuid(&h, 0x29, 0, &e);
	assert_int_equal(e.ebx, 0);
	/* a CPU that enumerates both MPX and APX: the host runs without XSAVE */
	h = (struct kvm_apx_host){ .host_xcr0 = 0x1f | XFEATURE_MASK_APX, .apx_f = true };
	assert_true(kvm_apx_supported_xcr0(&h) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gpr),
		cmocka_unit_test(test_xsave_roundtrip),
		cmocka_unit_test(test_xcr0),
		cmocka_unit_test(test_cpuid_exposure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
