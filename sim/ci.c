// SPDX-License-Identifier: GPL-2.0
/*
 * Student's t distribution and 95% confidence intervals (include/kvmsim/ci.h).
 *
 * CDF: for t >= 0, P(T <= t) = 1 - I_x(df/2, 1/2) / 2 with x = df / (df + t^2)
 * (Abramowitz & Stegun 26.7.1 with 26.5.27); I_x(a, b) by the continued fraction of
 * A&S 26.5.8 evaluated with the modified Lentz method, using the symmetry
 * I_x(a, b) = 1 - I_{1-x}(b, a) where x > (a + 1) / (a + b + 2) so that it converges fast.
 * Quantile: bisection on the monotone CDF to full double precision (about 100 steps;
 * it is called once per cell, so speed does not matter and no starting guess can fail).
 */
#include <math.h>

#include "kvmsim/ci.h"

static double nonzero(double v)
{
	const double tiny = 1e-300;

	return fabs(v) < tiny ? tiny : v;
}

/* One Lentz step with the coefficient @aa: updates d and c, returns the factor d * c. */
static double lentz(double aa, double *d, double *c)
{
	*d = 1 / nonzero(1 + aa * *d);
	*c = nonzero(1 + aa / *c);
	return *d * *c;
}

static double betacf(double a, double b, double x)
{
	const double eps = 1e-16;
	double qab = a + b, qap = a + 1, qam = a - 1;
	double c = 1, d = 1 / nonzero(1 - qab * x / qap), h = d;

	for (int m = 1; m <= 1000; m++) {
		int m2 = 2 * m;
		double del;

		h *= lentz(m * (b - m) * x / ((qam + m2) * (a + m2)), &d, &c);
		del = lentz(-(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)), &d, &c);
		h *= del;
		if (fabs(del - 1) < eps)
			break;
	}
	return h;
}

double reg_inc_beta(double a, double b, double x)
{
	double lnfront;

	if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1))
		return NAN;
	if (x == 0 || x == 1)
		return x;
	lnfront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
	if (x < (a + 1) / (a + b + 2))
		return exp(lnfront) * betacf(a, b, x) / a;
	return 1 - exp(lnfront) * betacf(b, a, 1 - x) / b;
}

double student_t_cdf(double t, double df)
{
	double tail;

	if (!(df > 0) || isnan(t))
		return NAN;
	if (isinf(t))
		return t > 0 ? 1 : 0;
	tail = 0.5 * reg_inc_beta(df / 2, 0.5, df / (df + t * t)); /* P(T > |t|) */
	return t >= 0 ? 1 - tail : tail;
}

double student_t_quantile(double p, double df)
{
	double lo, hi;

	if (!(df > 0) || !(p > 0) || !(p < 1))
		return NAN;
	if (p == 0.5)
		return 0;
	if (p < 0.5)
		return -student_t_quantile(1 - p, df);
	/* bracket: the quantile lies in (0, hi] with hi doubled until the CDF reaches p */
	lo = 0;
	hi = 1;
	while (student_t_cdf(hi, df) < p && hi < 1e300)
		hi *= 2;
	for (int i = 0; i < 2000 && hi - lo > 1e-15 * hi; i++) {
		double mid = lo + (hi - lo) / 2;

		if (student_t_cdf(mid, df) < p)
			lo = mid;
		else
			hi = mid;
	}
	return lo + (hi - lo) / 2;
}

void ci_mean95(const double *x, int n, struct ci_summary *out)
{
	double sum = 0, ss = 0;

	out->n = n;
	out->sd = out->half = NAN;
	if (n <= 0) {
		out->mean = NAN;
		return;
	}
	for (int i = 0; i < n; i++)
		sum += x[i];
	out->mean = sum / n;
	if (n < 2)
		return;
	for (int i = 0; i < n; i++)
		ss += (x[i] - out->mean) * (x[i] - out->mean);
	out->sd = sqrt(ss / (n - 1));
	out->half = student_t_quantile(0.975, n - 1) * out->sd / sqrt(n);
}

void ci_paired_gain(const double *policy, const double *base, int n, struct ci_summary *out)
{
	double g[n > 0 ? n : 1];
	int m = 0;

	for (int i = 0; i < n; i++)
		if (base[i] > 0)
			g[m++] = policy[i] / base[i] - 1;
	ci_mean95(g, m, out);
}

int ci_sign(const struct ci_summary *s)
{
	if (s->n < 2 || isnan(s->half))
		return 0;
	if (s->mean - s->half > 0)
		return 1;
	if (s->mean + s->half < 0)
		return -1;
	return 0;
}
