// SPDX-License-Identifier: GPL-2.0
/*
 * The workload registry ([vm] workload = NAME) and the workload.KEY parsers.
 */
#include <errno.h>
#include <string.h>

#include "guest/internal.h"
#include "kvmsim/parse.h"

extern const struct guest_workload guest_wl_idle;
extern const struct guest_workload guest_wl_lockstress;
extern const struct guest_workload guest_wl_ipistress;
extern const struct guest_workload guest_wl_dbench;
extern const struct guest_workload guest_wl_dedup;
extern const struct guest_workload guest_wl_vips;
extern const struct guest_workload guest_wl_blackscholes;
extern const struct guest_workload guest_wl_ferret;
extern const struct guest_workload guest_wl_kbuild;

/* One line per workload (guest/workloads/NAME.c). */
const struct guest_workload *const guest_workloads[] = {
	&guest_wl_idle,
	&guest_wl_lockstress,
	&guest_wl_ipistress,
	&guest_wl_dbench,
	&guest_wl_dedup,
	&guest_wl_vips,
	&guest_wl_blackscholes,
	&guest_wl_ferret,
	&guest_wl_kbuild,
	NULL,
};

const struct guest_workload *guest_workload_find(const char *name)
{
	for (int i = 0; guest_workloads[i]; i++)
		if (!strcmp(guest_workloads[i]->name, name))
			return guest_workloads[i];
	return NULL;
}

static const struct scn_kv *find_kv(const struct scn_vm *v, const char *key)
{
	for (int i = 0; i < v->nr_wl; i++)
		if (!strcmp(v->wl[i].key, key))
			return &v->wl[i];
	return NULL;
}

static int bad(const struct scn_vm *v, const char *path, const struct scn_kv *kv, char *err,
	       const char *why)
{
	if (kv->line > 0)
		snprintf(err, SCN_ERR_MAX, "%.100s:%d: [vm %.48s] workload.%.48s = %.48s: %.200s", path, kv->line,
			 v->name, kv->key, kv->val, why);
	else
		snprintf(err, SCN_ERR_MAX, "--set: [vm %.48s] workload.%.48s = %.48s: %.200s", v->name, kv->key,
			 kv->val, why);
	return -EINVAL;
}

int guest_wl_u64(const struct scn_vm *v, const char *path, const char *key, u64 lo, u64 hi,
		 u64 *out, char *err)
{
	const struct scn_kv *kv = find_kv(v, key);
	char why[96];
	u64 x;

	if (!kv)
		return 0;
	if (parse_u64(kv->val, &x))
		return bad(v, path, kv, err, "expected an unsigned integer");
	if (x < lo || x > hi) {
		snprintf(why, sizeof(why), "must be in %llu..%llu", (unsigned long long)lo,
			 (unsigned long long)hi);
		return bad(v, path, kv, err, why);
	}
	*out = x;
	return 0;
}

int guest_wl_duration(const struct scn_vm *v, const char *path, const char *key, u64 lo,
		      u64 *out, char *err)
{
	const struct scn_kv *kv = find_kv(v, key);
	char why[96];
	u64 x;

	if (!kv)
		return 0;
	if (parse_duration_ns(kv->val, &x))
		return bad(v, path, kv, err, "expected a duration (a number with ns, us, ms or s)");
	if (x < lo) {
		snprintf(why, sizeof(why), "must be at least %llu ns", (unsigned long long)lo);
		return bad(v, path, kv, err, why);
	}
	*out = x;
	return 0;
}

int guest_wl_double(const struct scn_vm *v, const char *path, const char *key, double lo,
		    double hi, double *out, char *err)
{
	const struct scn_kv *kv = find_kv(v, key);
	char why[96];
	double x;

	if (!kv)
		return 0;
	if (parse_double(kv->val, &x))
		return bad(v, path, kv, err, "expected a number");
	if (x < lo || x > hi) {
		snprintf(why, sizeof(why), "must be in %g..%g", lo, hi);
		return bad(v, path, kv, err, why);
	}
	*out = x;
	return 0;
}

int guest_wl_enum(const struct scn_vm *v, const char *path, const char *key,
		  const char *const *choices, int *out, char *err)
{
	const struct scn_kv *kv = find_kv(v, key);
	char why[160];
	int n;

	if (!kv)
		return 0;
	for (int i = 0; choices[i]; i++)
		if (!strcmp(kv->val, choices[i])) {
			*out = i;
			return 0;
		}
	n = snprintf(why, sizeof(why), "expected");
	for (int i = 0; choices[i] && n < (int)sizeof(why); i++)
		n += snprintf(why + n, sizeof(why) - (size_t)n, "%s %s", i ? "," : "", choices[i]);
	return bad(v, path, kv, err, why);
}

int guest_wl_check_keys(const struct scn_vm *v, const char *path, const char *const *known,
			char *err)
{
	for (int i = 0; i < v->nr_wl; i++) {
		int k;

		for (k = 0; known[k]; k++)
			if (!strcmp(v->wl[i].key, known[k]))
				break;
		if (!known[k]) {
			char why[256];
			int n = snprintf(why, sizeof(why), "unknown key for workload %s (known:",
					 v->workload);

			for (k = 0; known[k] && n < (int)sizeof(why); k++)
				n += snprintf(why + n, sizeof(why) - (size_t)n, "%s %s", k ? "," : "",
					      known[k]);
			if (n < (int)sizeof(why))
				snprintf(why + n, sizeof(why) - (size_t)n, ")");
			return bad(v, path, &v->wl[i], err, why);
		}
	}
	return 0;
}
