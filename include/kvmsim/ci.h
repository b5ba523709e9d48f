/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Confidence intervals for kvmsim reproduce: Student's t distribution (CDF through the
 * regularized incomplete beta function, quantile by inversion) and the mean of a sample
 * with its two-sided 95% interval, including the paired gain of one policy over a
 * baseline (one ratio per seed).
 */
#ifndef KVMSIM_CI_H
#define KVMSIM_CI_H

/* I_x(a, b) for a, b > 0 and 0 <= x <= 1; NaN outside. */
double reg_inc_beta(double a, double b, double x);
/* P(T <= t) for T ~ Student t with @df > 0 degrees of freedom (df need not be whole). */
double student_t_cdf(double t, double df);
/* The t with P(T <= t) = @p, 0 < p < 1; NaN outside or for df <= 0. */
double student_t_quantile(double p, double df);

struct ci_summary {
	int n;
	double mean;
	double sd; /* sample standard deviation (n - 1); NaN when n < 2 */
	double
	    half; /* half-width of the 95% interval: t(0.975, n-1) * sd / sqrt(n); NaN when n < 2 */
};

/* Mean and 95% interval of @x[0..n). n = 0 gives mean NaN. */
void ci_mean95(const double *x, int n, struct ci_summary *out);
/*
 * Paired gain: g[i] = policy[i] / base[i] - 1 for each seed, summarized by ci_mean95.
 * Pairs with base[i] <= 0 are skipped (n counts the pairs used).
 */
void ci_paired_gain(const double *policy, const double *base, int n, struct ci_summary *out);
/* -1 significantly below 0, +1 significantly above, 0 the interval contains 0 (or n < 2). */
int ci_sign(const struct ci_summary *s);

#endif
