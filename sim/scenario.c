// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario loader: INI through inih (ini_parse_stream), with a reader that counts lines
 * so every error names FILE:LINE, and that registers section headers itself so that a
 * section without keys (e.g. "[cgroup a]") still exists.
 */
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmsim/parse.h"
#include "kvmsim/scenario.h"

static const char *const feat_names[] = {
#define SCHED_FEAT(name, enabled) #name,
#include "kvmsim/sched_features.h"
#undef SCHED_FEAT
};

static const bool feat_defaults[] = {
#define SCHED_FEAT(name, enabled) enabled,
#include "kvmsim/sched_features.h"
#undef SCHED_FEAT
};

static const char *const behavior_names[] = {
	[TASK_HOG] = "hog",
	[TASK_PERIODIC] = "periodic",
	[TASK_YIELD_LOOP] = "yield-loop",
	[TASK_YIELD_TO] = "yield-to",
};

static const char *const policy_names[] = {
	[YIELD_BASELINE] = "baseline",
	[YIELD_SEED_V1] = "seed-v1",
	[YIELD_SEED_V1_SCHED] = "seed-v1-sched",
	[YIELD_SEED_V1_KVM] = "seed-v1-kvm",
	[YIELD_SEED_V2] = "seed-v2",
	[YIELD_LAG_CREDIT_V3] = "lag-credit-v3",
	[YIELD_PRATEEK] = "prateek",
	[YIELD_ISHIGURO] = "ishiguro",
	[YIELD_BORNTRAEGER] = "borntraeger",
	[YIELD_SEGALL_SWAP] = "segall-swap",
	[YIELD_NEXT_BUDDY] = "next-buddy",
};

const char *yield_policy_name(enum yield_policy p)
{
	return policy_names[p];
}

int yield_policy_from_name(const char *name)
{
	for (unsigned i = 0; i < ARRAY_SIZE(policy_names); i++)
		if (!strcmp(name, policy_names[i]))
			return (int)i;
	return -1;
}

const char *task_behavior_name(enum task_behavior b)
{
	return behavior_names[b];
}

const char *sched_feat_name(int idx)
{
	return feat_names[idx];
}

void scenario_defaults(struct scenario *s)
{
	memset(s, 0, sizeof(*s));
	s->host.cpus = 1;
	s->host.hz = 250;
	s->host.kernel = KERNEL_V6_18;
	s->host.preempt = PREEMPT_MODEL_NONE;
	s->host.duration = 10 * NSEC_PER_SEC;
	s->host.warmup = 0;
	s->host.seed = 1;
	s->host.balance_interval_ns = 4 * NSEC_PER_MSEC;
	s->sched.base_slice_ns = 700000;
	s->sched.tunable_scaling = SCHED_TUNABLESCALING_LOG;
	s->sched.migration_cost_ns = 500000;
	for (int i = 0; i < __SCHED_FEAT_NR; i++)
		s->sched.features[i] = feat_defaults[i];
	s->sched.vcpu_debooster_enabled = SCN_KNOB_DEFAULT;
	s->policy.yield = YIELD_BASELINE;
	/* kvm_intel / kvm_amd / kvm module defaults: kvm-directed-yield.md B.5, B.6 */
	s->kvm.pause_exit = KVM_PAUSE_VMX_PLE;
	s->kvm.ple_gap = 128;
	s->kvm.ple_window = 4096;
	s->kvm.ple_window_grow = 2;
	s->kvm.ple_window_shrink = 0;
	s->kvm.ple_window_max = UINT32_MAX;
	s->kvm.pause_filter_thresh = 128;
	s->kvm.pause_filter_count = 3000;
	s->kvm.pause_filter_count_grow = 2;
	s->kvm.pause_filter_count_shrink = 0;
	s->kvm.pause_filter_count_max = UINT16_MAX;
	s->kvm.halt_poll_ns = 200000;
	s->kvm.halt_poll_ns_grow = 2;
	s->kvm.halt_poll_ns_grow_start = 10000;
	s->kvm.halt_poll_ns_shrink = 2;
	s->kvm.enable_apicv = true;
	s->kvm.enable_ipiv = false;
	s->kvm.last_boosted_vcpu_fix = SCN_KNOB_DEFAULT;
	s->kvm.ipi_tracking_enabled = SCN_KNOB_DEFAULT;
	s->kvm.ipi_window_ns = 50 * NSEC_PER_MSEC;
	s->kvm.enable_relaxed_boost = SCN_KNOB_DEFAULT;
	/* host CPU costs: docs/model/kvm.md gives the sources */
	s->kvm.tsc_khz = 3000000;
	s->kvm.pause_cycles = 140;
	s->kvm.vmexit_ns = 500;
	s->kvm.hypercall_ns = 600;
	s->kvm.vcpu_start_spread = 10 * NSEC_PER_MSEC;
}

/* The defaults of a [vm] section's guest (docs/model/guest.md gives the sources). */
static void guest_defaults(struct scn_guest *g)
{
	g->pv_spinlock = true;
	g->pv_sched_yield = true;
	g->pv_tlb_flush = true;
	g->pv_send_ipi = true;
	g->haltpoll = false;
	g->hz = 250;
	g->ctxsw_ns = 2000;
	g->ipi_handler_ns = 1000;
	g->wakeup_ns = 500;
}

enum section_kind { SEC_NONE, SEC_HOST, SEC_SCHED, SEC_CGROUP, SEC_TASK, SEC_POLICY, SEC_KVM, SEC_VM };

struct loader {
	struct scenario *s;
	FILE *f;
	int line;
	enum section_kind kind;
	int index;		/* current cgroup / task */
	char *err;
	const char *where;	/* file name, or "--set" */
};

static int fail(struct loader *ld, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ld->line > 0)
		n = snprintf(ld->err, SCN_ERR_MAX, "%s:%d: ", ld->where, ld->line);
	else
		n = snprintf(ld->err, SCN_ERR_MAX, "%s: ", ld->where);
	va_start(ap, fmt);
	vsnprintf(ld->err + n, SCN_ERR_MAX - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The line to remember for the key being set (see SCN_LINE_SET). */
static int key_line(const struct loader *ld)
{
	return ld->line > 0 ? ld->line : SCN_LINE_SET;
}

/* fail() at a remembered key line; a key from --set is reported as "--set". */
#define fail_at(ld, key_line_, fmt, ...)                                                     \
	({                                                                                   \
		int saved_line_ = (ld)->line;                                                \
		const char *saved_where_ = (ld)->where;                                      \
		int r_;                                                                      \
		(ld)->line = (key_line_) > 0 ? (key_line_) : 0;                              \
		if ((key_line_) == SCN_LINE_SET)                                             \
			(ld)->where = "--set";                                               \
		r_ = fail(ld, fmt, ##__VA_ARGS__);                                           \
		(ld)->line = saved_line_;                                                    \
		(ld)->where = saved_where_;                                                  \
		r_;                                                                          \
	})

static void copy_name(char *dst, const char *src)
{
	snprintf(dst, SCN_NAME_MAX, "%s", src);
}

static int find_cgroup(const struct scenario *s, const char *name)
{
	for (int i = 0; i < s->nr_cgroups; i++)
		if (!strcmp(s->cgroups[i].name, name))
			return i;
	return -1;
}

static int find_vm(const struct scenario *s, const char *name)
{
	for (int i = 0; i < s->nr_vms; i++)
		if (!strcmp(s->vms[i].name, name))
			return i;
	return -1;
}

static int find_task(const struct scenario *s, const char *name)
{
	for (int i = 0; i < s->nr_tasks; i++)
		if (!strcmp(s->tasks[i].name, name))
			return i;
	return -1;
}

static bool valid_name(const char *n)
{
	if (!*n || strlen(n) >= SCN_NAME_MAX)
		return false;
	for (; *n; n++)
		if (!(*n == '-' || *n == '_' || (*n >= '0' && *n <= '9') || (*n >= 'a' && *n <= 'z') ||
		      (*n >= 'A' && *n <= 'Z')))
			return false;
	return true;
}

/* "[kind name]" → select (creating if needed) the section. */
static int begin_section(struct loader *ld, const char *header)
{
	char kind[32] = "", name[SCN_NAME_MAX + 1] = "", extra[8] = "";
	struct scenario *s = ld->s;
	int n = sscanf(header, "%31s %64s %7s", kind, name, extra);

	if (n == 3)
		return fail(ld, "[%s]: a section is [KIND] or [KIND NAME]", header);
	if (!strcmp(kind, "host") || !strcmp(kind, "sched") || !strcmp(kind, "policy") ||
	    !strcmp(kind, "kvm")) {
		if (n != 1)
			return fail(ld, "[%s]: section [%s] takes no name", header, kind);
		ld->kind = kind[0] == 'h' ? SEC_HOST : kind[0] == 's' ? SEC_SCHED
			 : kind[0] == 'p' ? SEC_POLICY : SEC_KVM;
		return 0;
	}
	if (!strcmp(kind, "vm")) {
		int i;

		if (n != 2 || !valid_name(name))
			return fail(ld, "[%s]: section [vm NAME] needs a name of letters, digits, '-' "
					"and '_'", header);
		i = find_vm(s, name);
		if (i < 0) {
			struct scn_vm *v = realloc(s->vms, (s->nr_vms + 1) * sizeof(*v));

			if (!v)
				return fail(ld, "out of memory");
			s->vms = v;
			i = s->nr_vms++;
			memset(&v[i], 0, sizeof(v[i]));
			copy_name(v[i].name, name);
			v[i].count = 1;
			v[i].vcpus = 1;
			v[i].shares = 1024;
			copy_name(v[i].workload, "idle");
			guest_defaults(&v[i].guest);
			v[i].line = ld->line;
		}
		ld->kind = SEC_VM;
		ld->index = i;
		return 0;
	}
	if (!strcmp(kind, "cgroup") || !strcmp(kind, "task")) {
		if (n != 2 || !valid_name(name))
			return fail(ld, "[%s]: section [%s NAME] needs a name of letters, digits, '-' "
					"and '_'", header, kind);
		if (kind[0] == 'c') {
			int i = find_cgroup(s, name);

			if (i < 0) {
				struct scn_cgroup *c = realloc(s->cgroups, (s->nr_cgroups + 1) * sizeof(*c));

				if (!c)
					return fail(ld, "out of memory");
				s->cgroups = c;
				i = s->nr_cgroups++;
				memset(&c[i], 0, sizeof(c[i]));
				copy_name(c[i].name, name);
				c[i].shares = 1024;
				c[i].line = ld->line;
			}
			ld->kind = SEC_CGROUP;
			ld->index = i;
		} else {
			int i = find_task(s, name);

			if (i < 0) {
				struct scn_task *t = realloc(s->tasks, (s->nr_tasks + 1) * sizeof(*t));

				if (!t)
					return fail(ld, "out of memory");
				s->tasks = t;
				i = s->nr_tasks++;
				memset(&t[i], 0, sizeof(t[i]));
				copy_name(t[i].name, name);
				t[i].behavior = TASK_HOG;
				t[i].run = 2 * NSEC_PER_MSEC;
				t[i].sleep = 8 * NSEC_PER_MSEC;
				t[i].period = 1 * NSEC_PER_MSEC;
				t[i].count = 1;
				t[i].line = ld->line;
			}
			ld->kind = SEC_TASK;
			ld->index = i;
		}
		return 0;
	}
	return fail(ld, "[%s]: unknown section (known: host, sched, policy, kvm, cgroup NAME, "
			"task NAME, vm NAME)", header);
}

#define BAD(fmt, ...) fail(ld, "[%s] %s = %s: " fmt, sec, key, val, ##__VA_ARGS__)

static int set_duration(struct loader *ld, const char *sec, const char *key, const char *val,
			u64 *out, u64 lo)
{
	u64 v;

	if (parse_duration_ns(val, &v))
		return BAD("expected a duration (a number with ns, us, ms or s)");
	if (v < lo)
		return BAD("must be at least %llu ns", (unsigned long long)lo);
	*out = v;
	return 0;
}

static int set_int(struct loader *ld, const char *sec, const char *key, const char *val, int *out,
		   s64 lo, s64 hi)
{
	s64 v;

	if (parse_s64(val, &v))
		return BAD("expected an integer");
	if (v < lo || v > hi)
		return BAD("must be in %lld..%lld", (long long)lo, (long long)hi);
	*out = (int)v;
	return 0;
}

static int host_key(struct loader *ld, const char *sec, const char *key, const char *val)
{
	struct scn_host *h = &ld->s->host;
	u64 v;

	if (!strcmp(key, "cpus"))
		return set_int(ld, sec, key, val, &h->cpus, 1, NR_CPUS);
	if (!strcmp(key, "hz"))
		return set_int(ld, sec, key, val, &h->hz, 100, 1000);
	if (!strcmp(key, "duration")) {
		h->duration_line = key_line(ld);
		return set_duration(ld, sec, key, val, &h->duration, 1);
	}
	if (!strcmp(key, "warmup")) {
		h->warmup_line = key_line(ld);
		return set_duration(ld, sec, key, val, &h->warmup, 0);
	}
	if (!strcmp(key, "balance_interval")) {
		h->balance_interval_set = true;
		return set_duration(ld, sec, key, val, &h->balance_interval_ns, 0);
	}
	if (!strcmp(key, "seed")) {
		if (parse_u64(val, &v))
			return BAD("expected an unsigned integer");
		h->seed = v;
		return 0;
	}
	if (!strcmp(key, "kernel")) {
		if (!strcmp(val, "v6.18"))
			h->kernel = KERNEL_V6_18;
		else if (!strcmp(val, "v6.19"))
			h->kernel = KERNEL_V6_19;
		else
			return BAD("expected v6.18 or v6.19");
		return 0;
	}
	if (!strcmp(key, "preempt")) {
		static const char *const m[] = {"none", "voluntary", "full", "lazy"};

		for (unsigned i = 0; i < ARRAY_SIZE(m); i++)
			if (!strcmp(val, m[i])) {
				h->preempt = (enum preempt_model)i;
				return 0;
			}
		return BAD("expected none, voluntary, full or lazy");
	}
	return fail(ld, "[%s] %s: unknown key (known: cpus, hz, kernel, preempt, duration, warmup, "
			"seed, balance_interval)", sec, key);
}

static int sched_key(struct loader *ld, const char *sec, const char *key, const char *val)
{
	struct scn_sched *sc = &ld->s->sched;
	bool b;

	if (!strcmp(key, "base_slice_ns")) {
		if (set_duration(ld, sec, key, val, &sc->base_slice_ns, 100000))
			return -EINVAL;
		sc->base_slice_set = true;
		return 0;
	}
	if (!strcmp(key, "migration_cost_ns"))
		return set_duration(ld, sec, key, val, &sc->migration_cost_ns, 0);
	if (!strcmp(key, "tunable_scaling")) {
		static const char *const m[] = {"none", "log", "linear"};

		for (unsigned i = 0; i < ARRAY_SIZE(m); i++)
			if (!strcmp(val, m[i]) || (val[0] == '0' + (int)i && !val[1])) {
				sc->tunable_scaling = (enum tunable_scaling)i;
				return 0;
			}
		return BAD("expected none, log or linear (0, 1, 2)");
	}
	if (!strcmp(key, "vcpu_debooster_enabled"))
		return set_int(ld, sec, key, val, &sc->vcpu_debooster_enabled, 0, 1);
	if (!strncmp(key, "feature.", 8)) {
		for (int i = 0; i < __SCHED_FEAT_NR; i++)
			if (!strcmp(key + 8, feat_names[i])) {
				if (parse_bool(val, &b))
					return BAD("expected 0 or 1");
				sc->features[i] = b;
				return 0;
			}
		return fail(ld, "[%s] %s: unknown or unmodeled sched feature '%s'", sec, key, key + 8);
	}
	return fail(ld, "[%s] %s: unknown key (known: base_slice_ns, tunable_scaling, "
			"migration_cost_ns, vcpu_debooster_enabled, feature.NAME)", sec, key);
}

static int policy_key(struct loader *ld, const char *sec, const char *key, const char *val)
{
	if (!strcmp(key, "yield")) {
		int p = yield_policy_from_name(val);

		if (p < 0)
			return BAD("unknown policy (known: baseline, seed-v1, seed-v1-sched, "
				   "seed-v1-kvm, seed-v2, lag-credit-v3, prateek, ishiguro, borntraeger, "
				   "segall-swap, next-buddy)");
		ld->s->policy.yield = (enum yield_policy)p;
		return 0;
	}
	return fail(ld, "[%s] %s: unknown key (known: yield)", sec, key);
}

static int set_u64(struct loader *ld, const char *sec, const char *key, const char *val, u64 *out,
		   u64 lo, u64 hi)
{
	u64 v;

	if (parse_u64(val, &v))
		return BAD("expected an unsigned integer");
	if (v < lo || v > hi)
		return BAD("must be in %llu..%llu", (unsigned long long)lo, (unsigned long long)hi);
	*out = v;
	return 0;
}

static int set_bool(struct loader *ld, const char *sec, const char *key, const char *val,
		    bool *out)
{
	if (parse_bool(val, out))
		return BAD("expected 0 or 1");
	return 0;
}

static int kvm_key(struct loader *ld, const char *sec, const char *key, const char *val)
{
	struct scn_kvm *k = &ld->s->kvm;
	static const struct {
		const char *name;
		size_t off;
		u64 lo, hi;
		bool duration;
	} nums[] = {
#define NUM(f, lo, hi) {#f, offsetof(struct scn_kvm, f), lo, hi, false}
#define DUR(f, lo) {#f, offsetof(struct scn_kvm, f), lo, UINT64_MAX, true}
		NUM(ple_gap, 0, UINT32_MAX),
		NUM(ple_window, 1, UINT32_MAX),
		NUM(ple_window_grow, 0, UINT32_MAX),
		NUM(ple_window_shrink, 0, UINT32_MAX),
		NUM(ple_window_max, 1, UINT32_MAX),
		NUM(pause_filter_thresh, 0, UINT16_MAX),
		NUM(pause_filter_count, 0, UINT16_MAX),
		NUM(pause_filter_count_grow, 0, UINT16_MAX),
		NUM(pause_filter_count_shrink, 0, UINT16_MAX),
		NUM(pause_filter_count_max, 1, UINT16_MAX),
		NUM(tsc_khz, 1000, 100000000),
		NUM(pause_cycles, 1, 100000),
		NUM(halt_poll_ns_grow, 0, 1000),
		NUM(halt_poll_ns_shrink, 0, 1000),
		DUR(halt_poll_ns, 0),
		DUR(halt_poll_ns_grow_start, 0),
		DUR(ipi_window_ns, 0),
		DUR(vmexit_ns, 0),
		DUR(hypercall_ns, 0),
		DUR(vcpu_start_spread, 0),
#undef NUM
#undef DUR
	};
	static const struct {
		const char *name;
		size_t off;
	} knobs[] = {
		{"last_boosted_vcpu_fix", offsetof(struct scn_kvm, last_boosted_vcpu_fix)},
		{"ipi_tracking_enabled", offsetof(struct scn_kvm, ipi_tracking_enabled)},
		{"enable_relaxed_boost", offsetof(struct scn_kvm, enable_relaxed_boost)},
	};

	for (unsigned i = 0; i < ARRAY_SIZE(nums); i++)
		if (!strcmp(key, nums[i].name)) {
			u64 *out = (u64 *)((char *)k + nums[i].off);

			if (nums[i].duration)
				return set_duration(ld, sec, key, val, out, nums[i].lo);
			return set_u64(ld, sec, key, val, out, nums[i].lo, nums[i].hi);
		}
	for (unsigned i = 0; i < ARRAY_SIZE(knobs); i++)
		if (!strcmp(key, knobs[i].name))
			return set_int(ld, sec, key, val, (int *)((char *)k + knobs[i].off), 0, 1);
	if (!strcmp(key, "enable_apicv"))
		return set_bool(ld, sec, key, val, &k->enable_apicv);
	if (!strcmp(key, "enable_ipiv"))
		return set_bool(ld, sec, key, val, &k->enable_ipiv);
	if (!strcmp(key, "arch")) {
		if (!strcmp(val, "vmx"))
			k->pause_exit = KVM_PAUSE_VMX_PLE;
		else if (!strcmp(val, "svm"))
			k->pause_exit = KVM_PAUSE_SVM_FILTER;
		else
			return BAD("expected vmx or svm");
		return 0;
	}
	if (!strcmp(key, "apicv_svi_fix")) {
		static const char *const m[] = {"none", "v2", "sean"};

		for (unsigned i = 0; i < ARRAY_SIZE(m); i++)
			if (!strcmp(val, m[i])) {
				k->apicv_svi_fix = (int)i;
				return 0;
			}
		return BAD("expected none, v2 or sean");
	}
	return fail(ld, "[%s] %s: unknown key (known: arch, ple_gap, ple_window, ple_window_grow, "
			"ple_window_shrink, ple_window_max, pause_filter_*, tsc_khz, pause_cycles, "
			"halt_poll_ns*, enable_apicv, enable_ipiv, apicv_svi_fix, last_boosted_vcpu_fix, "
			"ipi_tracking_enabled, ipi_window_ns, enable_relaxed_boost, vmexit_ns, "
			"hypercall_ns, vcpu_start_spread)", sec, key);
}

static int guest_key(struct loader *ld, const char *sec, const char *key, const char *val,
		     struct scn_guest *g)
{
	const char *k = key + 6; /* after "guest." */

	if (!strcmp(k, "pv_spinlock"))
		return set_bool(ld, sec, key, val, &g->pv_spinlock);
	if (!strcmp(k, "pv_sched_yield"))
		return set_bool(ld, sec, key, val, &g->pv_sched_yield);
	if (!strcmp(k, "pv_tlb_flush"))
		return set_bool(ld, sec, key, val, &g->pv_tlb_flush);
	if (!strcmp(k, "pv_send_ipi"))
		return set_bool(ld, sec, key, val, &g->pv_send_ipi);
	if (!strcmp(k, "haltpoll"))
		return set_bool(ld, sec, key, val, &g->haltpoll);
	if (!strcmp(k, "hz"))
		return set_int(ld, sec, key, val, &g->hz, 100, 1000);
	if (!strcmp(k, "ctxsw_ns"))
		return set_duration(ld, sec, key, val, &g->ctxsw_ns, 0);
	if (!strcmp(k, "ipi_handler_ns"))
		return set_duration(ld, sec, key, val, &g->ipi_handler_ns, 0);
	if (!strcmp(k, "wakeup_ns"))
		return set_duration(ld, sec, key, val, &g->wakeup_ns, 0);
	return fail(ld, "[%s] %s: unknown guest key (known: guest.pv_spinlock, guest.pv_sched_yield, "
			"guest.pv_tlb_flush, guest.pv_send_ipi, guest.haltpoll, guest.hz, "
			"guest.ctxsw_ns, guest.ipi_handler_ns, guest.wakeup_ns)", sec, key);
}

static int vm_key(struct loader *ld, const char *sec, const char *key, const char *val)
{
	struct scn_vm *v = &ld->s->vms[ld->index];
	u64 w;
	int bad;

	if (!strcmp(key, "vcpus"))
		return set_int(ld, sec, key, val, &v->vcpus, 1, KVM_MAX_VCPUS_MODEL);
	if (!strcmp(key, "count"))
		return set_int(ld, sec, key, val, &v->count, 1, 64);
	if (!strcmp(key, "nice"))
		return set_int(ld, sec, key, val, &v->nice, -20, 19);
	if (!strcmp(key, "shares"))
		return set_u64(ld, sec, key, val, &v->shares, 2, 1u << 18);
	if (!strcmp(key, "weight")) {
		if (set_u64(ld, sec, key, val, &w, 1, 10000))
			return -EINVAL;
		v->shares = max((w * 1024 + 50) / 100, 2);
		return 0;
	}
	if (!strcmp(key, "parent")) {
		if (!valid_name(val))
			return BAD("expected a cgroup name");
		copy_name(v->parent, val);
		v->parent_line = key_line(ld);
		return 0;
	}
	if (!strcmp(key, "vcpu_cgroups"))
		return set_bool(ld, sec, key, val, &v->vcpu_cgroups);
	if (!strcmp(key, "cpus")) {
		int r;

		v->cpus_line = key_line(ld);
		if (!strcmp(val, "pin")) {
			v->pin_1to1 = true;
			v->has_cpus = false;
			return 0;
		}
		r = cpulist_parse(val, &v->cpus, &bad);
		if (r == -ERANGE)
			return BAD("CPU %d out of range", bad);
		if (r)
			return BAD("expected a CPU list such as 0-3,8, or pin");
		v->has_cpus = true;
		v->pin_1to1 = false;
		return 0;
	}
	if (!strcmp(key, "workload")) {
		if (!valid_name(val))
			return BAD("expected a workload name");
		copy_name(v->workload, val);
		return 0;
	}
	if (!strncmp(key, "guest.", 6))
		return guest_key(ld, sec, key, val, &v->guest);
	if (!strncmp(key, "workload.", 9) && key[9]) {
		struct scn_kv *kv;
		int i;

		if (strlen(key + 9) >= SCN_NAME_MAX || strlen(val) >= sizeof(kv->val))
			return BAD("key or value too long");
		for (i = 0; i < v->nr_wl; i++)
			if (!strcmp(v->wl[i].key, key + 9))
				break;
		if (i == v->nr_wl) {
			kv = realloc(v->wl, (v->nr_wl + 1) * sizeof(*kv));
			if (!kv)
				return fail(ld, "out of memory");
			v->wl = kv;
			v->nr_wl++;
		}
		copy_name(v->wl[i].key, key + 9);
		snprintf(v->wl[i].val, sizeof(v->wl[i].val), "%s", val);
		v->wl[i].line = key_line(ld);
		return 0;
	}
	return fail(ld, "[%s] %s: unknown key (known: vcpus, count, nice, shares, weight, parent, "
			"vcpu_cgroups, cpus, workload, workload.KEY, guest.KEY)", sec, key);
}

static int cgroup_key(struct loader *ld, const char *sec, const char *key, const char *val)
{
	struct scn_cgroup *c = &ld->s->cgroups[ld->index];
	u64 v;

	if (!strcmp(key, "shares")) {
		/* cpu.shares range: MIN_SHARES 2 .. MAX_SHARES 2^18 */
		if (parse_u64(val, &v))
			return BAD("expected an integer");
		if (v < 2 || v > (1u << 18))
			return BAD("must be in 2..262144 (cpu.shares)");
		c->shares = v;
		return 0;
	}
	if (!strcmp(key, "weight")) {
		/* cgroup v2 cpu.weight 1..10000, sched_weight_from_cgroup(): w * 1024 / 100 */
		if (parse_u64(val, &v))
			return BAD("expected an integer");
		if (v < 1 || v > 10000)
			return BAD("must be in 1..10000 (cpu.weight)");
		c->shares = (v * 1024 + 50) / 100;
		if (c->shares < 2)
			c->shares = 2;
		return 0;
	}
	if (!strcmp(key, "parent")) {
		if (!valid_name(val))
			return BAD("expected a cgroup name");
		copy_name(c->parent, val);
		c->parent_line = key_line(ld);
		return 0;
	}
	return fail(ld, "[%s] %s: unknown key (known: shares, weight, parent)", sec, key);
}

static int task_key(struct loader *ld, const char *sec, const char *key, const char *val)
{
	struct scn_task *t = &ld->s->tasks[ld->index];
	int bad;

	if (!strcmp(key, "cgroup")) {
		if (!valid_name(val))
			return BAD("expected a cgroup name");
		copy_name(t->cgroup, val);
		t->cgroup_line = key_line(ld);
		return 0;
	}
	if (!strcmp(key, "nice"))
		return set_int(ld, sec, key, val, &t->nice, -20, 19);
	if (!strcmp(key, "count"))
		return set_int(ld, sec, key, val, &t->count, 1, 4096);
	if (!strcmp(key, "cpus")) {
		int r = cpulist_parse(val, &t->cpus, &bad);

		if (r == -ERANGE)
			return BAD("CPU %d out of range", bad);
		if (r)
			return BAD("expected a CPU list such as 0-3,8");
		t->has_cpus = true;
		t->cpus_line = key_line(ld);
		return 0;
	}
	if (!strcmp(key, "behavior") || !strcmp(key, "behaviour")) {
		for (unsigned i = 0; i < ARRAY_SIZE(behavior_names); i++)
			if (!strcmp(val, behavior_names[i])) {
				t->behavior = (enum task_behavior)i;
				return 0;
			}
		return BAD("expected hog, periodic, yield-loop or yield-to");
	}
	if (!strcmp(key, "run"))
		return set_duration(ld, sec, key, val, &t->run, 1000);
	if (!strcmp(key, "sleep"))
		return set_duration(ld, sec, key, val, &t->sleep, 1000);
	if (!strcmp(key, "period"))
		return set_duration(ld, sec, key, val, &t->period, 1000);
	if (!strcmp(key, "target")) {
		if (!valid_name(val) && !strchr(val, '.'))
			return BAD("expected a task name");
		copy_name(t->target, val);
		t->target_line = key_line(ld);
		return 0;
	}
	return fail(ld, "[%s] %s: unknown key (known: cgroup, nice, cpus, behavior, run, sleep, "
			"period, target, count)", sec, key);
}

static int handler(void *user, const char *section, const char *key, const char *val)
{
	struct loader *ld = user;

	switch (ld->kind) {
	case SEC_HOST:
		return !host_key(ld, section, key, val);
	case SEC_SCHED:
		return !sched_key(ld, section, key, val);
	case SEC_CGROUP:
		return !cgroup_key(ld, section, key, val);
	case SEC_TASK:
		return !task_key(ld, section, key, val);
	case SEC_POLICY:
		return !policy_key(ld, section, key, val);
	case SEC_KVM:
		return !kvm_key(ld, section, key, val);
	case SEC_VM:
		return !vm_key(ld, section, key, val);
	default:
		fail(ld, "%s = %s: key outside any section", key, val);
		return 0;
	}
}

/* fgets for inih that counts lines and opens sections itself. */
static char *reader(char *buf, int size, void *stream)
{
	struct loader *ld = stream;
	char *p;
	size_t n;

	if (ld->err[0])
		return NULL;	/* stop after the first error */
	if (!fgets(buf, size, ld->f))
		return NULL;
	ld->line++;
	n = strlen(buf);
	if (n == (size_t)size - 1 && buf[n - 1] != '\n' && !feof(ld->f)) {
		fail(ld, "line longer than %d characters", size - 2);
		return NULL;
	}
	for (p = buf; *p == ' ' || *p == '\t'; p++)
		;
	if (*p == '[') {
		char *end = strchr(p, ']');
		char header[128];

		if (!end) {
			fail(ld, "section header without ']'");
			return NULL;
		}
		snprintf(header, sizeof(header), "%.*s", (int)(end - p - 1), p + 1);
		if (begin_section(ld, header))
			return NULL;
	}
	return buf;
}

static int validate(struct loader *ld)
{
	const struct scenario *s = ld->s;

	for (int i = 0; i < s->nr_cgroups; i++) {
		const struct scn_cgroup *c = &s->cgroups[i];
		int depth = 0;

		if (c->parent[0] && find_cgroup(s, c->parent) < 0)
			return fail_at(ld, c->parent_line, "[cgroup %s] parent = %s: no such cgroup",
				       c->name, c->parent);
		for (int p = i; p >= 0 && s->cgroups[p].parent[0]; p = find_cgroup(s, s->cgroups[p].parent))
			if (++depth > s->nr_cgroups)
				return fail_at(ld, c->parent_line,
					       "[cgroup %s] parent: the cgroups form a cycle", c->name);
	}
	for (int i = 0; i < s->nr_tasks; i++) {
		const struct scn_task *t = &s->tasks[i];

		if (t->cgroup[0] && find_cgroup(s, t->cgroup) < 0)
			return fail_at(ld, t->cgroup_line, "[task %s] cgroup = %s: no such cgroup",
				       t->name, t->cgroup);
		if (t->has_cpus) {
			for (int c = s->host.cpus; c < NR_CPUS; c++)
				if (cpumask_test_cpu(c, &t->cpus))
					return fail_at(ld, t->cpus_line,
						       "[task %s] cpus: CPU %d out of range (the host has "
						       "%d CPUs: 0-%d)", t->name, c, s->host.cpus,
						       s->host.cpus - 1);
			if (!cpumask_weight(&t->cpus))
				return fail_at(ld, t->cpus_line, "[task %s] cpus: empty CPU list", t->name);
		}
		if (t->behavior == TASK_YIELD_TO) {
			bool found = false;

			if (!t->target[0])
				return fail_at(ld, t->line, "[task %s] behavior = yield-to needs target = TASK",
					       t->name);
			for (int k = 0; k < s->nr_tasks && !found; k++) {
				const struct scn_task *o = &s->tasks[k];
				size_t n = strlen(o->name);

				if (!strcmp(o->name, t->target))
					found = o->count == 1;
				else if (!strncmp(o->name, t->target, n) && t->target[n] == '.') {
					char *end;
					long idx = strtol(t->target + n + 1, &end, 10);

					found = !*end && idx >= 0 && idx < o->count;
				}
			}
			if (!found)
				return fail_at(ld, t->target_line, "[task %s] target = %s: no such task (a "
					       "task with count > 1 is named NAME.INDEX)", t->name, t->target);
		}
	}
	for (int i = 0; i < s->nr_vms; i++) {
		const struct scn_vm *v = &s->vms[i];

		if (v->parent[0] && find_cgroup(s, v->parent) < 0)
			return fail_at(ld, v->parent_line, "[vm %s] parent = %s: no such cgroup", v->name,
				       v->parent);
		if (v->has_cpus)
			for (int c = s->host.cpus; c < NR_CPUS; c++)
				if (cpumask_test_cpu(c, &v->cpus))
					return fail_at(ld, v->cpus_line,
						       "[vm %s] cpus: CPU %d out of range (the host has "
						       "%d CPUs: 0-%d)", v->name, c, s->host.cpus,
						       s->host.cpus - 1);
		if (v->has_cpus && !cpumask_weight(&v->cpus))
			return fail_at(ld, v->cpus_line, "[vm %s] cpus: empty CPU list", v->name);
		for (int k = 0; k < s->nr_cgroups; k++)
			if (!strncmp(s->cgroups[k].name, v->name, strlen(v->name)) &&
			    (s->cgroups[k].name[strlen(v->name)] == '\0' ||
			     s->cgroups[k].name[strlen(v->name)] == '.'))
				return fail_at(ld, v->line, "[vm %s]: the VM's cgroup would clash with "
					       "[cgroup %s]", v->name, s->cgroups[k].name);
	}
	if (s->host.warmup >= s->host.duration) {
		/* Point at the later of the two keys: the one that made them conflict. */
		int line = s->host.warmup_line;

		if (s->host.duration_line == SCN_LINE_SET ||
		    (line != SCN_LINE_SET && s->host.duration_line > line))
			line = s->host.duration_line;
		return fail_at(ld, line, "[host] warmup (%llu ns) must be shorter than duration "
			       "(%llu ns)", (unsigned long long)s->host.warmup,
			       (unsigned long long)s->host.duration);
	}
	return 0;
}

int scenario_validate(const struct scenario *s, char *err)
{
	struct loader ld = {.s = (struct scenario *)s, .err = err, .where = s->path};

	err[0] = '\0';
	return validate(&ld);
}

struct scenario *scenario_load(const char *path, char *err)
{
	struct scenario *s = malloc(sizeof(*s));
	struct loader ld = {.s = s, .err = err, .where = path};
	int r;

	err[0] = '\0';
	if (!s) {
		snprintf(err, SCN_ERR_MAX, "%s: out of memory", path);
		return NULL;
	}
	scenario_defaults(s);
	snprintf(s->path, sizeof(s->path), "%s", path);
	ld.f = fopen(path, "r");
	if (!ld.f) {
		snprintf(err, SCN_ERR_MAX, "%s: cannot open: %s", path, strerror(errno));
		free(s);
		return NULL;
	}
	r = ini_parse_stream(reader, &ld, handler, &ld);
	fclose(ld.f);
	if (!err[0] && r != 0) {
		ld.line = r > 0 ? r : ld.line;
		fail(&ld, "syntax error (expected [SECTION] or KEY = VALUE)");
	}
	if (!err[0])
		validate(&ld);
	if (err[0]) {
		scenario_free(s);
		return NULL;
	}
	return s;
}

/* Strip blanks at both ends in place, as inih does for file keys and values. */
static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

int scenario_set(struct scenario *s, const char *assignment, char *err)
{
	char buf[512], *eq, *key, *sec, *name = NULL;
	char header[600];
	struct loader ld = {.s = s, .err = err, .where = "--set"};
	int nr_vms = s->nr_vms;
	int r;

	err[0] = '\0';
	snprintf(buf, sizeof(buf), "%s", assignment);
	eq = strchr(buf, '=');
	if (!eq) {
		fail(&ld, "%s: expected SECTION.KEY=VALUE", assignment);
		return -EINVAL;
	}
	*eq = '\0';
	sec = trim(buf);
	key = strchr(buf, '.');
	if (!key) {
		fail(&ld, "%s: expected SECTION.KEY=VALUE", assignment);
		return -EINVAL;
	}
	*key++ = '\0';
	if (!strcmp(sec, "cgroup") || !strcmp(sec, "task") || !strcmp(sec, "vm")) {
		name = key;
		key = strchr(key, '.');
		if (!key) {
			fail(&ld, "%s: expected %s.NAME.KEY=VALUE", assignment, sec);
			return -EINVAL;
		}
		*key++ = '\0';
		name = trim(name);
		if ((sec[0] == 'c' ? find_cgroup(s, name) : sec[0] == 't' ? find_task(s, name)
		     : find_vm(s, name)) < 0) {
			fail(&ld, "%s: no [%s %s] in the scenario", assignment, sec, name);
			return -EINVAL;
		}
		snprintf(header, sizeof(header), "%s %s", sec, name);
	} else {
		snprintf(header, sizeof(header), "%s", sec);
	}
	if (begin_section(&ld, header))
		return -EINVAL;
	if (s->nr_vms != nr_vms) {	/* --set does not create VMs */
		s->nr_vms = nr_vms;
		fail(&ld, "%s: no [%s] in the scenario", assignment, header);
		return -EINVAL;
	}
	r = handler(&ld, header, trim(key), trim(eq + 1));
	return r ? 0 : -EINVAL;
}

void scenario_free(struct scenario *s)
{
	if (!s)
		return;
	free(s->cgroups);
	free(s->tasks);
	for (int i = 0; i < s->nr_vms; i++)
		free(s->vms[i].wl);
	free(s->vms);
	free(s);
}
