// SPDX-License-Identifier: GPL-2.0
/* vmx_get_insn_info_field() on both layouts, vmx_get_exit_qual_gpr() (apx.md 2.1, 2.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kvmsim/vmx_insn_info.h"

static void test_layouts(void **state)
{
	/* extended: reg1 = 29 at 20:16, index 20 at 28:24, base 31 at 36:32, reg2 17 at 44:40,
	 * scale 3, asize 2 (64-bit) at 3:2, seg 5 (gs) at 9:7 */
	u64 e = 29ull << 16 | 20ull << 24 | 31ull << 32 | 17ull << 40 | 3 | 2 << 2 | 5 << 7;
	/* legacy: reg1 13 at 6:3, base 12 at 26:23, reg2 9 at 31:28, is_reg at 10 */
	u64 l = 13 << 3 | 12u << 23 | 9u << 28 | 1 << 10;

	assert_int_equal(vmx_get_insn_info_field(e, true, II_REG1), 29);
	assert_int_equal(vmx_get_insn_info_field(e, true, II_INDEX), 20);
	assert_int_equal(vmx_get_insn_info_field(e, true, II_BASE), 31);
	assert_int_equal(vmx_get_insn_info_field(e, true, II_REG2), 17);
	assert_int_equal(vmx_get_insn_info_field(e, true, II_SCALE), 3);
	assert_int_equal(vmx_get_insn_info_field(e, true, II_ASIZE), 2);
	assert_int_equal(vmx_get_insn_info_field(e, true, II_SEG), 5);
	assert_int_equal(vmx_get_insn_info_field(l, false, II_REG1), 13);
	assert_int_equal(vmx_get_insn_info_field(l, false, II_BASE), 12);
	assert_int_equal(vmx_get_insn_info_field(l, false, II_REG2), 9);
	assert_int_equal(vmx_get_insn_info_field(l, false, II_IS_REG), 1);
}

static void test_exit_qual(void **state)
{
	/* GPR 20 = 0b10100: bits 11:8 = 0100, bit 12 = 1 -> qual 0x1400 */
	assert_int_equal(vmx_get_exit_qual_gpr(0x1400, true), 20);
	/* without APX the old 4-bit field: 4 (bit 12 may be garbage on older CPUs) */
	assert_int_equal(vmx_get_exit_qual_gpr(0x1400, false), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_layouts),
					    cmocka_unit_test(test_exit_qual) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
