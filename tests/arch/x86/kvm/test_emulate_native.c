// SPDX-License-Identifier: GPL-2.0
/*
 * Differential test of x86_emulate_one() against native execution on this CPU (the
 * oracle for results and flags): X86_EMU_DIFFTEST_N random non-APX cases (default 20 000)
 * from emu_native.h; registers, the flags the SDM defines for each case, memory and
 * faults (#DE, #GP) must agree on every case. scripts/x86-emu-difftest runs 200 000.
 * Skipped on a non-x86-64 host.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "emu_native.h"

static void test_vs_native(void **state)
{
#if defined(__x86_64__)
	struct en_result r;
	const char *env = getenv("X86_EMU_DIFFTEST_N"), *seed = getenv("X86_EMU_DIFFTEST_SEED");
	unsigned long n = env ? strtoul(env, NULL, 0) : 20000;

	assert_int_equal(en_run(seed ? strtoull(seed, NULL, 0) : 1, n, &r, stdout), 0);
	en_print(stdout, &r);
	assert_int_equal(r.cases + r.skipped, n);
	/* the expected value is the CPU's: no disagreement on defined state */
	assert_int_equal(r.mismatch, 0);
	/* the generator only makes instructions the emulator covers */
	assert_int_equal(r.skipped, 0);
#else
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_vs_native) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
