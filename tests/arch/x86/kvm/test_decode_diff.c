// SPDX-License-Identifier: GPL-2.0
/*
 * Differential test of insn_decode() against LLVM 19's MC disassembler (the library
 * llvm-mc-19 runs), fast slice: X86_DIFFTEST_N cases (default 20000) from the committed
 * generator x86_gen.h. Length and validity must agree on every case except the listed
 * llvm-mc deviations (difftest.h, docs/model/apx.md); the formatted text must agree
 * wherever x86_format_intel() covers the instruction. `make difftest` runs 200 000 cases.
 * Skipped when libLLVM-19 is not installed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "difftest.h"

static void test_vs_llvm(void **state)
{
	struct llvm_oracle o;
	struct difftest_result r;
	const char *env = getenv("X86_DIFFTEST_N");
	unsigned long n = env ? strtoul(env, NULL, 0) : 20000;

	if (llvm_oracle_open(&o))
		skip();
	difftest_run(&o, 1, n, 40, stdout, &r);
	difftest_print(stdout, &r);
	assert_int_equal(r.cases, n);
	/* the expected value is the oracle's: zero unexplained disagreements */
	assert_int_equal(r.mismatch, 0);
	assert_int_equal(r.text_mismatch, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_vs_llvm) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
