// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of sim/ci.c: Student's t CDF and quantiles against closed forms (df = 1: Cauchy,
 * df = 2) and published table values, the incomplete beta against closed forms, and the
 * paired-gain interval against a hand computation.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "kvmsim/ci.h"

#define assert_close(a, b, tol)                                                                    \
	do {                                                                                       \
		double a_ = (a), b_ = (b);                                                         \
		if (!(fabs(a_ - b_) <= (tol)))                                                     \
			fail_msg("%s = %.12g, expected %.12g (tol %g)", #a, a_, b_,                \
				 (double)(tol));                                                   \
	} while (0)

/*
 * I_x(1, 1) = x (the uniform CDF); I_x(a, 1) = x^a; I_x(1, b) = 1 - (1 - x)^b;
 * I_x(1/2, 1/2) = (2/pi) asin(sqrt(x)) (the arcsine distribution).
 */
static void test_inc_beta_closed_forms(void **state)
{
	for (double x = 0; x <= 1.0001; x += 0.05) {
		double xc = fmin(x, 1);

		assert_close(reg_inc_beta(1, 1, xc), xc, 1e-13);
		assert_close(reg_inc_beta(3, 1, xc), pow(xc, 3), 1e-13);
		assert_close(reg_inc_beta(1, 4.5, xc), 1 - pow(1 - xc, 4.5), 1e-13);
		assert_close(reg_inc_beta(0.5, 0.5, xc), 2 / M_PI * asin(sqrt(xc)), 1e-12);
	}
	assert_true(isnan(reg_inc_beta(0, 1, 0.5)));
	assert_true(isnan(reg_inc_beta(1, 1, 1.5)));
}

/*
 * df = 1 is the Cauchy distribution: F(t) = 1/2 + atan(t)/pi, q(p) = tan(pi (p - 1/2)).
 * df = 2: F(t) = 1/2 + t / (2 sqrt(2 + t^2)), q(p) = (2p - 1) / sqrt(2 p (1 - p)).
 */
static void test_t_closed_forms(void **state)
{
	for (double t = -20; t <= 20; t += 0.37) {
		assert_close(student_t_cdf(t, 1), 0.5 + atan(t) / M_PI, 1e-13);
		assert_close(student_t_cdf(t, 2), 0.5 + t / (2 * sqrt(2 + t * t)), 1e-13);
	}
	for (double p = 0.01; p < 0.995; p += 0.0137) {
		double q1 = tan(M_PI * (p - 0.5)), q2 = (2 * p - 1) / sqrt(2 * p * (1 - p));

		assert_close(student_t_quantile(p, 1), q1, 1e-10 * fmax(1, fabs(q1)));
		assert_close(student_t_quantile(p, 2), q2, 1e-10 * fmax(1, fabs(q2)));
	}
	assert_close(student_t_quantile(0.5, 7), 0, 0);
}

/*
 * Two-sided 95% critical values t(0.975, df) from the standard tables (e.g. NIST/SEMATECH
 * e-Handbook 1.3.6.7.2, to 3 decimals; more digits from R's qt()), and t(0.95, df).
 * df = 1e6 from the Cornish-Fisher expansion q = z + (z^3 + z) / (4 df), z = 1.95996398:
 * 1.95996398 + 9.4891 / 4e6 = 1.9599664.
 */
static void test_t_table(void **state)
{
	static const struct {
		double df, p, q;
	} tab[] = {
	    {1, 0.975, 12.7062047}, {2, 0.975, 4.3026527},   {3, 0.975, 3.1824463},
	    {4, 0.975, 2.7764451},  {5, 0.975, 2.5705818},   {6, 0.975, 2.4469119},
	    {9, 0.975, 2.2621572},  {10, 0.975, 2.2281389},  {19, 0.975, 2.0930241},
	    {29, 0.975, 2.0452296}, {30, 0.975, 2.0422725},  {100, 0.975, 1.9839715},
	    {1, 0.95, 6.3137515},   {4, 0.95, 2.1318468},    {10, 0.95, 1.8124611},
	    {4, 0.995, 4.6040949},  {1e6, 0.975, 1.9599664},
	};

	for (unsigned i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		assert_close(student_t_quantile(tab[i].p, tab[i].df), tab[i].q, 5e-7);
		assert_close(student_t_quantile(1 - tab[i].p, tab[i].df), -tab[i].q, 5e-7);
		assert_close(student_t_cdf(tab[i].q, tab[i].df), tab[i].p, 1e-7);
	}
	assert_true(isnan(student_t_quantile(0, 3)));
	assert_true(isnan(student_t_quantile(1, 3)));
	assert_true(isnan(student_t_quantile(0.9, 0)));
}

/*
 * Paired gains by hand: policy {110, 120, 105} over base {100, 100, 100} gives
 * g = {0.10, 0.20, 0.05}, mean 0.35/3 = 0.116667; deviations -0.016667, 0.083333,
 * -0.066667, squares sum 0.000278 + 0.006944 + 0.004444 = 0.011667, / 2 = 0.005833,
 * sd = 0.076376; half = 4.3026527 * 0.076376 / sqrt(3) = 0.189727.
 */
static void test_paired_gain(void **state)
{
	const double pol[] = {110, 120, 105}, base[] = {100, 100, 100};
	struct ci_summary s;

	ci_paired_gain(pol, base, 3, &s);
	assert_int_equal(s.n, 3);
	assert_close(s.mean, 0.35 / 3, 1e-12);
	assert_close(s.sd, 0.0763763, 1e-6);
	assert_close(s.half, 0.189727, 1e-5);
	assert_int_equal(ci_sign(&s), 0); /* 0.117 - 0.190 < 0 */

	/* the pairing matters: base {100, 200} policy {110, 220} is +10% twice, sd 0 */
	ci_paired_gain((const double[]){110, 220}, (const double[]){100, 200}, 2, &s);
	assert_close(s.mean, 0.1, 1e-12);
	assert_close(s.half, 0, 1e-12);
	assert_int_equal(ci_sign(&s), 1);

	/* a regression: {-0.05, -0.06, -0.04}: mean -0.05, sd 0.01, half 0.0248 */
	ci_paired_gain((const double[]){95, 94, 96}, (const double[]){100, 100, 100}, 3, &s);
	assert_close(s.half, 4.3026527 * 0.01 / sqrt(3), 1e-9);
	assert_int_equal(ci_sign(&s), -1);

	/* one seed: no interval; a zero baseline is skipped */
	ci_paired_gain((const double[]){2, 5}, (const double[]){1, 0}, 2, &s);
	assert_int_equal(s.n, 1);
	assert_close(s.mean, 1, 1e-12);
	assert_true(isnan(s.half));
	assert_int_equal(ci_sign(&s), 0);
	ci_mean95(NULL, 0, &s);
	assert_true(isnan(s.mean));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_inc_beta_closed_forms),
	    cmocka_unit_test(test_t_closed_forms),
	    cmocka_unit_test(test_t_table),
	    cmocka_unit_test(test_paired_gain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
