// SPDX-License-Identifier: GPL-2.0
/*
 * Command-line values of `kvmsim iova` (drivers/vfio/iova_parse.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kvmsim/vfio_iova.h"

static void test_parse_u64(void **state)
{
	u64 v = 7;

	assert_int_equal(iova_parse_u64("0", &v), 0);
	assert_int_equal(v, 0);
	/* a leading 0 is decimal, not octal */
	assert_int_equal(iova_parse_u64("0100", &v), 0);
	assert_int_equal(v, 100);
	assert_int_equal(iova_parse_u64("0xFedCba", &v), 0);
	assert_int_equal(v, 0xfedcba);
	/* 2^64 - 1 = 18446744073709551615 fits, + 1 does not */
	assert_int_equal(iova_parse_u64("18446744073709551615", &v), 0);
	assert_int_equal(v, ~0ull);
	assert_int_equal(iova_parse_u64("18446744073709551616", &v), -ERANGE);
	assert_int_equal(iova_parse_u64("0x10000000000000000", &v), -ERANGE);
	v = 7;
	assert_int_equal(iova_parse_u64("", &v), -EINVAL);
	assert_int_equal(iova_parse_u64("0x", &v), -EINVAL);
	assert_int_equal(iova_parse_u64(" 1", &v), -EINVAL);
	assert_int_equal(iova_parse_u64("1 ", &v), -EINVAL);
	assert_int_equal(iova_parse_u64("-1", &v), -EINVAL);
	assert_int_equal(iova_parse_u64("12a", &v), -EINVAL);
	assert_int_equal(v, 7); /* untouched on error */
}

static void test_parse_size(void **state)
{
	u64 v = 7;

	assert_int_equal(iova_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(iova_parse_size("4K", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(iova_parse_size("4k", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(iova_parse_size("2MiB", &v), 0);
	assert_int_equal(v, 2ull << 20);
	assert_int_equal(iova_parse_size("1G", &v), 0);
	assert_int_equal(v, 1ull << 30);
	/* 8E = 2^63; 16E = 2^64 overflows */
	assert_int_equal(iova_parse_size("8E", &v), 0);
	assert_int_equal(v, 1ull << 63);
	assert_int_equal(iova_parse_size("16E", &v), -ERANGE);
	/* hex takes no suffix: 0x1B is 27, 0x1E is 30 */
	assert_int_equal(iova_parse_size("0x1B", &v), 0);
	assert_int_equal(v, 27);
	assert_int_equal(iova_parse_size("0x1E", &v), 0);
	assert_int_equal(v, 30);
	v = 7;
	assert_int_equal(iova_parse_size("0", &v), -EINVAL);
	assert_int_equal(iova_parse_size("0K", &v), -EINVAL);
	assert_int_equal(iova_parse_size("K", &v), -EINVAL);
	assert_int_equal(iova_parse_size("KiB", &v), -EINVAL);
	assert_int_equal(iova_parse_size("4KB", &v), -EINVAL);
	assert_int_equal(iova_parse_size("4iB", &v), -EINVAL);
	assert_int_equal(iova_parse_size("4X", &v), -EINVAL);
	assert_int_equal(iova_parse_size("", &v), -EINVAL);
	assert_int_equal(v, 7);
}

static void test_parse_range(void **state)
{
	struct iommu_iova_range r = {1, 2};

	assert_int_equal(iova_parse_range("0-0x7fffffffff", &r), 0);
	assert_int_equal(r.start, 0);
	assert_int_equal(r.last, (1ull << 39) - 1);
	assert_int_equal(iova_parse_range("5-5", &r), 0);
	assert_int_equal(r.start, 5);
	assert_int_equal(r.last, 5);
	assert_int_equal(iova_parse_range("0xfef00000-18446744073709551615", &r), 0);
	assert_int_equal(r.last, ~0ull);
	r = (struct iommu_iova_range){1, 2};
	assert_int_equal(iova_parse_range("6-5", &r), -EINVAL);
	assert_int_equal(iova_parse_range("5", &r), -EINVAL);
	assert_int_equal(iova_parse_range("-5", &r), -EINVAL);
	assert_int_equal(iova_parse_range("5-", &r), -EINVAL);
	assert_int_equal(iova_parse_range("1-2-3", &r), -EINVAL);
	assert_int_equal(iova_parse_range("1--2", &r), -EINVAL);
	assert_int_equal(iova_parse_range("0x-1", &r), -EINVAL);
	assert_int_equal(iova_parse_range("1-0x10000000000000000", &r), -ERANGE);
	assert_int_equal(r.start, 1);
	assert_int_equal(r.last, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_u64),
	    cmocka_unit_test(test_parse_size),
	    cmocka_unit_test(test_parse_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
