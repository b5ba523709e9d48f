// SPDX-License-Identifier: GPL-2.0
/* vmx_get_insn_info_field() on both layouts, vmx_get_exit_qual_gpr() (apx.md 2.1, 2.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "kvmsim/vmx_insn_info.h"
#include "kvmsim/x86_apx.h"

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

/* get_vmx_mem_address() with both layouts; the extended one reaches R16-R31. */
static void test_mem_address(void **state)
{
	struct kvm_vcpu_apx v = { .long_mode = true };
	u64 seg[6] = { 0, 0, 0, 0, 0x10000, 0x20000 }, la;
	u8 vec = 0;
	/* extended: scale 3 (x8), asize 2 (64-bit), seg 3 (ds), index r20, base r29 */
	u64 e = 3 | 2 << 2 | 3 << 7 | 20ull << 24 | 29ull << 32;
	/* legacy: scale 1 (x2), asize 2, seg 5 (gs), index 3 (rbx), base 12 (r12) */
	u64 l = 1 | 2 << 7 | 5 << 15 | 3u << 18 | 12u << 23;

	v.regs[20] = 0x10;
	v.regs[29] = 0x1000;
	/* 0x1000 + 0x10 * 8 + disp 0x20 = 0x10a0 (DS base ignored in 64-bit mode) */
	assert_int_equal(get_vmx_mem_address(&v, seg, 0x20, e, true, &la, &vec), 0);
	assert_true(la == 0x10a0);
	v.regs[3] = 4;
	v.regs[12] = 0x500;
	/* gs base 0x20000 + 0x500 + 4 * 2 + disp -8 (0xfff...f8) = 0x20500 */
	assert_int_equal(get_vmx_mem_address(&v, seg, (u64)-8, l, false, &la, &vec), 0);
	assert_true(la == 0x20500);
	/* base invalid + index invalid: the displacement alone */
	assert_int_equal(get_vmx_mem_address(&v, seg, 0x1234, e | 1 << 10 | 1 << 11, true, &la,
					     &vec), 0);
	assert_true(la == 0x1234);
	/* a register operand: #UD */
	assert_int_equal(get_vmx_mem_address(&v, seg, 0, e | 1 << 4, true, &la, &vec), -EFAULT);
	assert_int_equal(vec, 6);
	/* non-canonical: #GP(0), or #SS(0) with SS (seg 2) */
	v.regs[29] = 0x0000800000000000ull;
	assert_int_equal(get_vmx_mem_address(&v, seg, 0, e, true, &la, &vec), -EFAULT);
	assert_int_equal(vec, 13);
	assert_int_equal(get_vmx_mem_address(&v, seg, 0, (e & ~(7ull << 7)) | 2 << 7, true, &la,
					     &vec), -EFAULT);
	assert_int_equal(vec, 12);
	/* 32-bit address size in 32-bit mode: displacement sign-extended, sum truncated:
	 * EBX + disp = 0xfffffff0 + 0x20 = 0x1_00000010 -> 0x10, plus DS base 0x100 */
	v.long_mode = false;
	v.regs[3] = 0xfffffff0;
	seg[3] = 0x100;
	l = 1 << 7 | 3 << 15 | 3u << 23 | 1u << 22; /* asize 1, ds, base rbx, no index */
	assert_int_equal(get_vmx_mem_address(&v, seg, 0x20, l, false, &la, &vec), 0);
	assert_true(la == 0x110);
}

/* vmcs12.extended_instruction_info (offset 336) is copied only for an APX L1. */
static void test_nested_field(void **state)
{
	u8 vmcs12[4096] = { 0 };
	u64 v;

	nested_vmx_copy_ext_insn_info(vmcs12, sizeof(vmcs12), 0x1122334455667788ull, false);
	memcpy(&v, vmcs12 + 336, 8);
	assert_true(v == 0);
	nested_vmx_copy_ext_insn_info(vmcs12, sizeof(vmcs12), 0x1122334455667788ull, true);
	memcpy(&v, vmcs12 + 336, 8);
	assert_true(v == 0x1122334455667788ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_layouts),
					    cmocka_unit_test(test_exit_qual),
					    cmocka_unit_test(test_mem_address),
					    cmocka_unit_test(test_nested_field) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
