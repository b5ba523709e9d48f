// SPDX-License-Identifier: GPL-2.0
/*
 * cpulist parsing, as the kernel's bitmap_parselist() (lib/bitmap-str.c) for the forms
 * N, N-M and N-M:stride-free lists separated by commas.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "kvmsim/cpumask.h"

int cpumask_nth(int n, const struct cpumask *m)
{
	for (int c = 0; c < NR_CPUS; c++)
		if (cpumask_test_cpu(c, m) && n-- == 0)
			return c;
	return -1;
}

static int number(const char **p, long *v)
{
	char *end;

	while (**p == ' ' || **p == '\t')
		(*p)++;
	if (!isdigit((unsigned char)**p))
		return -EINVAL;
	*v = strtol(*p, &end, 10);
	*p = end;
	while (**p == ' ' || **p == '\t')
		(*p)++;
	return 0;
}

int cpulist_parse(const char *s, struct cpumask *m, int *bad)
{
	const char *p = s;
	struct cpumask tmp;

	if (bad)
		*bad = -1;
	cpumask_clear(&tmp);
	for (;;) {
		long a, b;

		if (number(&p, &a))
			return -EINVAL;
		b = a;
		if (*p == '-') {
			p++;
			if (number(&p, &b) || b < a)
				return -EINVAL;
		}
		if (b >= NR_CPUS) {
			long first = a >= NR_CPUS ? a : b;

			/* Clamp, not truncate: 2^32 must not read back as CPU 0. */
			if (bad)
				*bad = first > INT_MAX ? INT_MAX : (int)first;
			return -ERANGE;
		}
		for (long c = a; c <= b; c++)
			cpumask_set_cpu((int)c, &tmp);
		if (*p == '\0')
			break;
		if (*p != ',')
			return -EINVAL;
		p++;
	}
	*m = tmp;
	return 0;
}
