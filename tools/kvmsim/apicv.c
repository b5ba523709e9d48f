// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsim apicv: the changelog scenarios of "KVM: VMX: configure SVI during runtime
 * APICv activation" replayed step by step, and a bounded exhaustive explorer of the
 * APICv model (arch/x86/kvm/vmx/apicv.c). See docs/model/apicv-svi.md.
 */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmsim/apicv.h"
#include "kvmsim/cmd.h"
#include "kvmsim/json.h"
#include "kvmsim/parse.h"

/* ---------------------------------------------------------------------------------
 * Scenarios
 */

static const struct apicv_scenario_step scenario1[] = {
    {APICV_EV_RAISE, 236, "timer vector 236 raised, APICv inhibited: IRR, KVM_REQ_EVENT"},
    {APICV_EV_INJECT, 0, "kvm_check_and_inject_events: IRR->ISR, VM_ENTRY_INTR_INFO = 236"},
    {APICV_EV_ENTRY, 0, "VM entry injects 236"},
    {APICV_EV_EXIT, 0, "the guest handler started; VM exit before its EOI"},
    {APICV_EV_ACTIVATE, 0, "inhibit cleared: KVM_REQ_APICV_UPDATE"},
    {APICV_EV_INJECT, 0, "__kvm_vcpu_update_apicv: APICv active"},
    {APICV_EV_ENTRY, 0, "VM entry with virtual-interrupt delivery"},
    {APICV_EV_EOI, 0, "guest EOI for 236, virtualized: the CPU clears vISR[SVI]"},
    {APICV_EV_RAISE, 236, "next timer tick: posted, 236"},
    {APICV_EV_RAISE, 37, "another interrupt: posted, 37"},
};

static const struct apicv_scenario_step scenario2[] = {
    {APICV_EV_RAISE, 236, "timer vector 236 raised, APICv inhibited: IRR, KVM_REQ_EVENT"},
    {APICV_EV_INJECT, 0, "kvm_check_and_inject_events: IRR->ISR, VM_ENTRY_INTR_INFO = 236"},
    {APICV_EV_ENTRY, 0, "VM entry starts delivering 236"},
    {APICV_EV_EXIT_BEFORE_DELIVERY, 0,
     "VM exit before delivery: IDT_VECTORING_INFO = 236, kvm_queue_interrupt"},
    {APICV_EV_ACTIVATE, 0, "inhibit cleared: KVM_REQ_APICV_UPDATE"},
    {APICV_EV_INJECT, 0, "APICv activated; 236 re-injected via VM_ENTRY_INTR_INFO"},
    {APICV_EV_ENTRY, 0, "VM entry delivers 236 (legacy injection)"},
    {APICV_EV_EOI, 0, "guest EOI for 236, virtualized: the CPU clears vISR[SVI]"},
    {APICV_EV_RAISE, 236, "next timer tick: posted, 236"},
    {APICV_EV_RAISE, 37, "another interrupt: posted, 37"},
};

static const struct apicv_scenario_step scenario3[] = {
    {APICV_EV_RAISE, 236, "timer vector 236 raised, APICv inhibited: IRR, KVM_REQ_EVENT"},
    {APICV_EV_INJECT, 0, "kvm_check_and_inject_events: IRR->ISR, VM_ENTRY_INTR_INFO = 236"},
    {APICV_EV_ENTRY, 0, "VM entry injects 236"},
    {APICV_EV_NESTED_ENTRY, 0, "L1 (handling 236) executes VMLAUNCH: vmcs02 loaded"},
    {APICV_EV_ENTRY, 0, "VM entry into L2"},
    {APICV_EV_EXIT, 0, "L2 exits to L0"},
    {APICV_EV_ACTIVATE, 0, "inhibit cleared while L2 is active"},
    {APICV_EV_INJECT, 0, "__kvm_vcpu_update_apicv in guest mode: vmcs01 updates deferred"},
    {APICV_EV_ENTRY, 0, "VM entry into L2"},
    {APICV_EV_NESTED_EXIT, 0, "L2 exits to L1: __nested_vmx_vmexit applies the deferrals"},
    {APICV_EV_INJECT, 0, "pending requests (KVM_REQ_APICV_UPDATE with request)"},
    {APICV_EV_ENTRY, 0, "VM entry into L1"},
    {APICV_EV_EOI, 0, "L1 EOI for 236"},
    {APICV_EV_RAISE, 236, "next timer tick, 236"},
    {APICV_EV_RAISE, 37, "another interrupt, 37"},
};

int apicv_scenario(int n, const struct apicv_scenario_step **steps, int *nr)
{
	switch (n) {
	case 1:
		*steps = scenario1;
		*nr = ARRAY_SIZE(scenario1);
		return 0;
	case 2:
		*steps = scenario2;
		*nr = ARRAY_SIZE(scenario2);
		return 0;
	case 3:
		*steps = scenario3;
		*nr = ARRAY_SIZE(scenario3);
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * The liveness drain: from a state, no new interrupts and no APICv changes; the guest
 * EOIs what it handles, L2 exits to L1, KVM enters and injects. Deterministic:
 * running with work for the guest -> EOI; running L2 -> nested exit; running with
 * nothing to do but pending vectors -> VM exit; outside -> inject if a request is
 * pending, else enter. Ends quiescent (checks ISR empty and nothing lost) or after
 * APICV_DRAIN_STEPS without getting there (a vector is never delivered).
 */
#define APICV_DRAIN_STEPS 48

static int drain_pick(const struct vmx_apicv_vcpu *v)
{
	if (v->running) {
		if (v->guest_mode)
			return APICV_EV_NESTED_EXIT;
		if (v->delivering || v->guest_depth)
			return APICV_EV_EOI;
		return APICV_EV_EXIT;
	}
	if (v->apic.req_event || v->req_apicv_update)
		return APICV_EV_INJECT;
	return APICV_EV_ENTRY;
}

struct key {
	u64 a, b;
};

static struct key hash_state(const struct vmx_apicv_vcpu *v);

/* An ISR bit set that the guest is not handling is stuck; one missing was lost. */
static int isr_violation(const struct vmx_apicv_vcpu *v)
{
	u32 expect[APIC_VEC_WORDS];

	vmx_apicv_expected_isr(v, expect);
	for (int i = 0; i < APIC_VEC_WORDS; i++)
		if (v->apic.isr[i] & ~expect[i])
			return APICV_VIOLATION_STUCK;
	return APICV_VIOLATION_ISR;
}

static int drain(struct vmx_apicv_vcpu *v, struct apicv_step_rec *trace, int *len, int max,
		 bool stop_on_isr)
{
	struct key seen[APICV_DRAIN_STEPS];
	bool cycle = false;

	for (int i = 0; i < APICV_DRAIN_STEPS && !cycle; i++) {
		int ev;

		if (vmx_apicv_quiescent(v)) {
			if (apic_find_highest_vector(v->apic.isr) != -1)
				return APICV_VIOLATION_STUCK;
			if (v->outstanding != 0)
				return APICV_VIOLATION_LOST;
			return APICV_OK;
		}
		ev = drain_pick(v);
		if (vmx_apicv_step(v, ev, 0))
			return APICV_VIOLATION_LOST;
		if (trace && *len < max)
			trace[(*len)++] = (struct apicv_step_rec){(u8)ev, 0, true};
		if (stop_on_isr && !vmx_apicv_isr_consistent(v))
			return isr_violation(v);
		/* the drain is deterministic: a repeated state is a livelock */
		seen[i] = hash_state(v);
		for (int k = 0; k < i; k++)
			if (seen[k].a == seen[i].a && seen[k].b == seen[i].b)
				cycle = true;
	}
	if (!v->guest_depth && apic_find_highest_vector(v->apic.isr) != -1)
		return APICV_VIOLATION_STUCK;
	return APICV_VIOLATION_LOST;
}

const char *apicv_violation_name(int v)
{
	switch (v) {
	case APICV_OK:
		return "none";
	case APICV_VIOLATION_ISR:
		return "isr-mismatch";
	case APICV_VIOLATION_LOST:
		return "vector-never-delivered";
	case APICV_VIOLATION_STUCK:
		return "stuck-isr";
	default:
		return "?";
	}
}

/* ---------------------------------------------------------------------------------
 * Explorer: breadth-first over distinct states, so the first violation found has the
 * shortest explored prefix. States are deduplicated by a 128-bit hash of their bytes
 * (after canonicalizing fields that carry no meaning in the current state).
 */

static void canon(struct vmx_apicv_vcpu *v)
{
	if (!v->delivering)
		v->delivering_vec = 0;
	if (!v->interrupt.injected)
		v->interrupt.nr = 0;
	for (int i = v->guest_depth; i < APICV_GUEST_STACK; i++)
		v->guest_stack[i] = 0;
	if (!v->guest_mode)
		memset(&v->vmcs02, 0, sizeof(v->vmcs02));
}

static struct key hash_state(const struct vmx_apicv_vcpu *v)
{
	const unsigned char *p = (const unsigned char *)v;
	u64 a = 0x243F6A8885A308D3ull, b = 0x13198A2E03707344ull;

	for (size_t i = 0; i < sizeof(*v); i += 8) {
		u64 w = 0;

		memcpy(&w, p + i, sizeof(*v) - i < 8 ? sizeof(*v) - i : 8);
		a = (a ^ w) * 0x9E3779B97F4A7C15ull;
		a ^= a >> 29;
		b = (b + w) * 0xC2B2AE3D27D4EB4Full;
		b ^= b >> 31;
	}
	a ^= b >> 7;
	if (!a && !b)
		a = 1; /* 0/0 marks an empty slot */
	return (struct key){a, b};
}

struct set {
	struct key *slot;
	u64 cap, n;
};

static int set_insert(struct set *s, struct key k)
{
	if ((s->n + 1) * 2 > s->cap) {
		u64 ncap = s->cap ? s->cap * 2 : 1 << 16;
		struct key *ns = calloc(ncap, sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		for (u64 i = 0; i < s->cap; i++) {
			struct key o = s->slot[i];

			if (!o.a && !o.b)
				continue;
			for (u64 j = o.a & (ncap - 1);; j = (j + 1) & (ncap - 1))
				if (!ns[j].a && !ns[j].b) {
					ns[j] = o;
					break;
				}
		}
		free(s->slot);
		s->slot = ns;
		s->cap = ncap;
	}
	for (u64 j = k.a & (s->cap - 1);; j = (j + 1) & (s->cap - 1)) {
		if (!s->slot[j].a && !s->slot[j].b) {
			s->slot[j] = k;
			s->n++;
			return 1;
		}
		if (s->slot[j].a == k.a && s->slot[j].b == k.b)
			return 0;
	}
}

struct node {
	struct vmx_apicv_vcpu s;
	u32 id;
};

struct vec_nodes {
	struct node *v;
	size_t n, cap;
};

static int nodes_push(struct vec_nodes *q, const struct vmx_apicv_vcpu *s, u32 id)
{
	if (q->n == q->cap) {
		size_t ncap = q->cap ? q->cap * 2 : 1024;
		struct node *nv = realloc(q->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		q->v = nv;
		q->cap = ncap;
	}
	memcpy(&q->v[q->n].s, s, sizeof(*s));
	q->v[q->n].id = id;
	q->n++;
	return 0;
}

struct parents {
	u32 *parent;
	u16 *code;
	size_t n, cap;
};

static int parents_push(struct parents *p, u32 parent, u16 code)
{
	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 4096;
		u32 *np = realloc(p->parent, ncap * sizeof(*np));
		u16 *nc;

		if (!np)
			return -ENOMEM;
		p->parent = np;
		nc = realloc(p->code, ncap * sizeof(*nc));
		if (!nc)
			return -ENOMEM;
		p->code = nc;
		p->cap = ncap;
	}
	p->parent[p->n] = parent;
	p->code[p->n] = code;
	p->n++;
	return 0;
}

void apicv_explore_opts_default(struct apicv_explore_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->fix = APICV_SVI_FIX_NONE;
	o->nested_refresh = APICV_NESTED_REFRESH_REQUEST;
	o->depth = 12;
	o->nr_vectors = 2;
	o->vectors[0] = 236;
	o->vectors[1] = 37;
	o->nested = true;
	o->apicv_on = false;
}

/* Record the explored path to node id, then the drain from its state. */
static void record(const struct parents *p, u32 id, const struct vmx_apicv_vcpu *s, int viol,
		   struct apicv_explore_result *res)
{
	int n = 0;
	struct apicv_step_rec rev[APICV_MAX_DEPTH + 1];
	struct vmx_apicv_vcpu t;

	for (u32 i = id; i != 0 && n <= APICV_MAX_DEPTH; i = p->parent[i]) {
		u16 c = p->code[i];

		rev[n++] = (struct apicv_step_rec){(u8)(c & 0xff), (u8)(c >> 8), false};
	}
	res->trace_len = 0;
	for (int i = n - 1; i >= 0; i--)
		res->trace[res->trace_len++] = rev[i];
	res->trace_explored = res->trace_len;
	res->violation = viol;
	memcpy(&t, s, sizeof(t));
	if (vmx_apicv_isr_consistent(s))
		drain(&t, res->trace, &res->trace_len, APICV_MAX_TRACE, true);
	memcpy(&res->final, &t, sizeof(t));
}

static int check_state(const struct vmx_apicv_vcpu *s)
{
	struct vmx_apicv_vcpu t;

	if (!vmx_apicv_isr_consistent(s))
		return isr_violation(s);
	memcpy(&t, s, sizeof(t));
	return drain(&t, NULL, NULL, 0, true);
}

int apicv_explore(const struct apicv_explore_opts *o, struct apicv_explore_result *res)
{
	struct set seen = {0};
	struct vec_nodes cur = {0}, next = {0};
	struct parents par = {0};
	struct vmx_apicv_vcpu *init, *t;
	int ret = 0, viol;

	memset(res, 0, sizeof(*res));
	if (o->depth < 0 || o->depth > APICV_MAX_DEPTH || o->nr_vectors < 1 ||
	    o->nr_vectors > APICV_MAX_VECTORS)
		return -EINVAL;
	for (int i = 0; i < o->nr_vectors; i++)
		if (o->vectors[i] < 16 || o->vectors[i] > 255)
			return -EINVAL;
	if (o->eoi_exit_vector && (o->eoi_exit_vector < 16 || o->eoi_exit_vector > 255))
		return -EINVAL;
	init = calloc(1, sizeof(*init));
	t = calloc(1, sizeof(*t));
	if (!init || !t) {
		ret = -ENOMEM;
		goto out;
	}
	vmx_apicv_vcpu_init(init, o->fix, o->nested_refresh, o->apicv_on);
	if (o->eoi_exit_vector) {
		u64 bm[4] = {0};

		bm[o->eoi_exit_vector >> 6] |= BIT_ULL(o->eoi_exit_vector & 63);
		vmx_load_eoi_exitmap(init, bm);
	}
	canon(init);
	if (set_insert(&seen, hash_state(init)) < 0 || parents_push(&par, 0, 0) ||
	    nodes_push(&cur, init, 0)) {
		ret = -ENOMEM;
		goto out;
	}
	res->states = 1;
	viol = check_state(init);
	if (viol) {
		record(&par, 0, init, viol, res);
		goto out;
	}
	for (int d = 1; d <= o->depth; d++) {
		next.n = 0;
		for (size_t i = 0; i < cur.n; i++) {
			for (int ev = 0; ev < APICV_EV_NR; ev++) {
				int nv = ev == APICV_EV_RAISE ? o->nr_vectors : 1;

				if (!o->nested &&
				    (ev == APICV_EV_NESTED_ENTRY || ev == APICV_EV_NESTED_EXIT))
					continue;
				for (int k = 0; k < nv; k++) {
					int vec = ev == APICV_EV_RAISE ? o->vectors[k] : 0;
					int r;

					memcpy(t, &cur.v[i].s, sizeof(*t));
					if (vmx_apicv_step(t, ev, vec))
						continue;
					canon(t);
					res->transitions++;
					r = set_insert(&seen, hash_state(t));
					if (r < 0) {
						ret = r;
						goto out;
					}
					if (!r)
						continue;
					if (parents_push(&par, cur.v[i].id,
							 (u16)(ev | (vec << 8))) ||
					    nodes_push(&next, t, (u32)(par.n - 1))) {
						ret = -ENOMEM;
						goto out;
					}
					res->states++;
					viol = check_state(t);
					if (viol) {
						record(&par, (u32)(par.n - 1), t, viol, res);
						res->depth_done = d - 1;
						goto out;
					}
				}
			}
		}
		res->depth_done = d;
		{
			struct vec_nodes tmp = cur;

			cur = next;
			next = tmp;
		}
		if (!cur.n) {
			res->exhausted = true;
			break;
		}
	}
out:
	free(seen.slot);
	free(cur.v);
	free(next.v);
	free(par.parent);
	free(par.code);
	free(init);
	free(t);
	return ret;
}

/* ---------------------------------------------------------------------------------
 * The command
 */

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: kvmsim apicv scenario1|scenario2|scenario3 [OPTIONS]\n"
	    "       kvmsim apicv explore [OPTIONS] [--depth N] [--vectors LIST] [--no-nested]\n"
	    "                            [--apicv-on] [--eoi-exit V]\n\n"
	    "VMX APICv runtime activation and SVI (\"KVM: VMX: configure SVI during runtime\n"
	    "APICv activation\"). scenario1/2 replay the changelog's two scenarios and print\n"
	    "the LAPIC after each step as QEMU's `info lapic` does; scenario3 (alias nested)\n"
	    "activates APICv while L2 runs. explore checks every interleaving of the model's\n"
	    "events up to --depth (default 12) against: ISR = vectors the guest handles + the\n"
	    "one being injected, and, from every state, that letting the guest EOI everything\n"
	    "leaves ISR and IRR empty with no vector lost.\n\n"
	    "options:\n"
	    "  --fix none|v2|sean          [kvm] apicv_svi_fix (default none)\n"
	    "  --scenario FILE             read [kvm] apicv_svi_fix / apicv_nested_refresh\n"
	    "  --set kvm.KEY=VALUE         set one of those two keys\n"
	    "  --nested-refresh request|direct\n"
	    "                              [kvm] apicv_nested_refresh (default request = v6.18)\n"
	    "  --depth N                   explorer depth, 0..%d (default 12)\n"
	    "  --vectors LIST              vectors raised by the explorer (default 236,37)\n"
	    "  --no-nested                 leave nested entry/exit out of the explorer\n"
	    "  --apicv-on                  start with APICv active (default: inhibited)\n"
	    "  --eoi-exit V                set vector V in the EOI-exit bitmap (EOI-induced "
	    "exits)\n"
	    "  --json                      machine-readable output\n",
	    APICV_MAX_DEPTH);
}

static void json_vecs(struct json *j, const char *key, const u32 *bm)
{
	json_arr_begin(j, key);
	for (int i = 0; i < APIC_VECTORS; i++)
		if (apic_test_vector(i, bm))
			json_u64(j, NULL, (u64)i);
	json_arr_end(j);
}

static void json_state(struct json *j, const struct vmx_apicv_vcpu *v)
{
	u32 irr[APIC_VEC_WORDS];

	for (int i = 0; i < APIC_VEC_WORDS; i++)
		irr[i] = v->apic.irr[i] | v->apic.pir[i];
	json_vecs(j, "isr", v->apic.isr);
	json_vecs(j, "irr", irr);
	json_u64(j, "ppr", v->apic.ppr);
	json_u64(j, "rvi", vmcs_rvi(&v->vmcs01));
	json_u64(j, "svi", vmcs_svi(&v->vmcs01));
	json_bool(j, "apicv_active", v->apic.apicv_active);
	json_bool(j, "vid", v->vmcs01.secondary_exec_ctrl & SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY);
	json_bool(j, "guest_mode", v->guest_mode);
	json_bool(j, "in_guest", v->running);
	json_arr_begin(j, "guest_handling");
	for (int i = 0; i < v->guest_depth; i++)
		json_u64(j, NULL, v->guest_stack[i]);
	json_arr_end(j);
}

struct opts {
	int fix, refresh, depth, eoi_exit;
	bool json, nested, apicv_on;
	int nr_vectors;
	int vectors[APICV_MAX_VECTORS];
};

/* [kvm] apicv_svi_fix / apicv_nested_refresh, from a scenario file or --set kvm.KEY=V. */
static int set_kvm_key(struct opts *o, const char *key, const char *val, char *err, size_t n)
{
	if (!strcmp(key, "apicv_svi_fix")) {
		if (apicv_parse_fix(val, &o->fix)) {
			snprintf(err, n, "kvm.apicv_svi_fix: '%s': expected none, v2 or sean", val);
			return -EINVAL;
		}
	} else if (!strcmp(key, "apicv_nested_refresh")) {
		if (apicv_parse_nested_refresh(val, &o->refresh)) {
			snprintf(err, n,
				 "kvm.apicv_nested_refresh: '%s': expected request or direct", val);
			return -EINVAL;
		}
	}
	/* other [kvm] keys belong to other models */
	return 0;
}

struct ini_ctx {
	struct opts *o;
	char err[160];
};

static int apicv_ini_handler(void *user, const char *section, const char *name, const char *value)
{
	struct ini_ctx *c = user;

	if (strcmp(section, "kvm"))
		return 1;
	return set_kvm_key(c->o, name, value, c->err, sizeof(c->err)) ? 0 : 1;
}

static int parse_vectors(const char *s, struct opts *o)
{
	char buf[128], *save = NULL, *tok;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	o->nr_vectors = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		u64 v;

		if (o->nr_vectors == APICV_MAX_VECTORS || parse_u64(tok, &v) || v < 16 || v > 255)
			return -EINVAL;
		for (int i = 0; i < o->nr_vectors; i++)
			if (o->vectors[i] == (int)v)
				return -EINVAL;
		o->vectors[o->nr_vectors++] = (int)v;
	}
	return o->nr_vectors ? 0 : -EINVAL;
}

static const char *result_word(int viol)
{
	return viol == APICV_OK ? "clean" : apicv_violation_name(viol);
}

static int run_scenario(int n, const struct opts *o)
{
	const struct apicv_scenario_step *steps;
	struct vmx_apicv_vcpu *v = calloc(1, sizeof(*v));
	struct apicv_step_rec tr[APICV_MAX_TRACE];
	struct json j;
	int nr, len = 0, viol, first_bad = 0;

	if (!v)
		return EXIT_RUNTIME;
	apicv_scenario(n, &steps, &nr);
	vmx_apicv_vcpu_init(v, o->fix, o->refresh, false);
	if (o->json) {
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_u64(&j, "scenario", (u64)n);
		json_str(&j, "apicv_svi_fix", apicv_fix_name(o->fix));
		json_str(&j, "apicv_nested_refresh", apicv_nested_refresh_name(o->refresh));
		json_arr_begin(&j, "steps");
	} else {
		printf("scenario %d (apicv_svi_fix = %s, apicv_nested_refresh = %s)\n\n", n,
		       apicv_fix_name(o->fix), apicv_nested_refresh_name(o->refresh));
		printf("initial\n");
		vmx_apicv_dump(stdout, v);
	}
	for (int i = 0; i < nr; i++) {
		int r = vmx_apicv_step(v, steps[i].ev, steps[i].vector);
		bool ok = vmx_apicv_isr_consistent(v);

		if (!ok && !first_bad)
			first_bad = i + 1;
		if (o->json) {
			json_obj_begin(&j, NULL);
			json_u64(&j, "step", (u64)i + 1);
			json_str(&j, "event", apicv_event_names[steps[i].ev]);
			if (steps[i].ev == APICV_EV_RAISE)
				json_u64(&j, "vector", steps[i].vector);
			json_str(&j, "what", steps[i].what);
			json_bool(&j, "applied", r == 0);
			json_bool(&j, "isr_consistent", ok);
			json_state(&j, v);
			json_obj_end(&j);
			continue;
		}
		printf("\nstep %d: %s", i + 1, apicv_event_names[steps[i].ev]);
		if (steps[i].ev == APICV_EV_RAISE)
			printf(" %u", steps[i].vector);
		printf(" -- %s%s\n", steps[i].what,
		       r ? " [not enabled in this state: skipped]" : "");
		vmx_apicv_dump(stdout, v);
		if (!ok)
			printf("!! ISR does not match the vectors the guest is handling\n");
	}
	viol = drain(v, tr, &len, APICV_MAX_TRACE, false);
	if (first_bad && viol == APICV_OK)
		viol = APICV_VIOLATION_ISR;
	if (o->json) {
		json_arr_end(&j);
		json_arr_begin(&j, "drain");
		for (int i = 0; i < len; i++)
			json_str(&j, NULL, apicv_event_names[tr[i].ev]);
		json_arr_end(&j);
		json_obj_begin(&j, "final");
		json_state(&j, v);
		json_obj_end(&j);
		json_str(&j, "result", result_word(viol));
		json_u64(&j, "first_inconsistent_step", (u64)first_bad);
		json_obj_end(&j);
		json_finish(&j);
	} else {
		printf("\nthen the guest EOIs whatever it handles, KVM runs it (%d steps):", len);
		for (int i = 0; i < len; i++)
			printf(" %s", apicv_event_names[tr[i].ev]);
		printf("\nfinal\n");
		vmx_apicv_dump(stdout, v);
		printf("\nresult: %s\n",
		       viol == APICV_OK ? "clean: ISR and IRR empty, nothing lost"
		       : viol == APICV_VIOLATION_LOST
			   ? "vector-never-delivered: IRR never drains"
			   : "stuck-isr: an ISR bit the guest EOI'd is still set");
	}
	free(v);
	return 0;
}

static void print_trace(const struct apicv_explore_result *r)
{
	for (int i = 0; i < r->trace_len; i++) {
		const struct apicv_step_rec *s = &r->trace[i];

		printf("  %2d. %s%s", i + 1, s->drain ? "(drain) " : "", apicv_event_names[s->ev]);
		if (s->ev == APICV_EV_RAISE)
			printf(" %u", s->vector);
		printf("\n");
	}
}

static int run_explore(const struct opts *o)
{
	struct apicv_explore_opts eo;
	struct apicv_explore_result *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return EXIT_RUNTIME;
	apicv_explore_opts_default(&eo);
	eo.fix = o->fix;
	eo.nested_refresh = o->refresh;
	eo.depth = o->depth;
	eo.nested = o->nested;
	eo.apicv_on = o->apicv_on;
	eo.eoi_exit_vector = o->eoi_exit;
	if (o->nr_vectors) {
		eo.nr_vectors = o->nr_vectors;
		memcpy(eo.vectors, o->vectors, sizeof(eo.vectors));
	}
	ret = apicv_explore(&eo, r);
	if (ret) {
		fprintf(stderr, "kvmsim apicv: explore: %s\n", strerror(-ret));
		free(r);
		return EXIT_RUNTIME;
	}
	if (o->json) {
		struct json j;

		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_str(&j, "apicv_svi_fix", apicv_fix_name(eo.fix));
		json_str(&j, "apicv_nested_refresh", apicv_nested_refresh_name(eo.nested_refresh));
		json_u64(&j, "depth", (u64)eo.depth);
		json_bool(&j, "nested", eo.nested);
		json_bool(&j, "apicv_on", eo.apicv_on);
		json_u64(&j, "eoi_exit_vector", (u64)eo.eoi_exit_vector);
		json_arr_begin(&j, "vectors");
		for (int i = 0; i < eo.nr_vectors; i++)
			json_u64(&j, NULL, (u64)eo.vectors[i]);
		json_arr_end(&j);
		json_u64(&j, "states", r->states);
		json_u64(&j, "transitions", r->transitions);
		json_u64(&j, "depth_done", (u64)r->depth_done);
		json_bool(&j, "exhausted", r->exhausted);
		json_str(&j, "violation", apicv_violation_name(r->violation));
		if (r->violation) {
			json_u64(&j, "counterexample_depth", (u64)r->trace_explored);
			json_arr_begin(&j, "trace");
			for (int i = 0; i < r->trace_len; i++) {
				json_obj_begin(&j, NULL);
				json_str(&j, "event", apicv_event_names[r->trace[i].ev]);
				if (r->trace[i].ev == APICV_EV_RAISE)
					json_u64(&j, "vector", r->trace[i].vector);
				json_bool(&j, "drain", r->trace[i].drain);
				json_obj_end(&j);
			}
			json_arr_end(&j);
			json_obj_begin(&j, "final");
			json_state(&j, &r->final);
			json_obj_end(&j);
		}
		json_obj_end(&j);
		json_finish(&j);
	} else {
		printf("apicv explore: apicv_svi_fix = %s, apicv_nested_refresh = %s, depth %d, "
		       "vectors",
		       apicv_fix_name(eo.fix), apicv_nested_refresh_name(eo.nested_refresh),
		       eo.depth);
		for (int i = 0; i < eo.nr_vectors; i++)
			printf("%s%d", i ? "," : " ", eo.vectors[i]);
		printf(", nested %s, APICv initially %s\n", eo.nested ? "on" : "off",
		       eo.apicv_on ? "active" : "inhibited");
		printf("states explored: %llu (transitions %llu), complete to depth %d%s\n",
		       (unsigned long long)r->states, (unsigned long long)r->transitions,
		       r->depth_done,
		       r->exhausted ? " (all reachable states: no new state beyond it)" : "");
		if (!r->violation) {
			printf("no violation\n");
		} else {
			printf("violation: %s; shortest counterexample: %d events (+%d drain "
			       "steps)\n",
			       apicv_violation_name(r->violation), r->trace_explored,
			       r->trace_len - r->trace_explored);
			print_trace(r);
			printf("state at the violation:\n");
			vmx_apicv_dump(stdout, &r->final);
		}
	}
	free(r);
	return 0;
}

static int cmd_apicv(int argc, char **argv)
{
	struct opts o = {.fix = 0, .refresh = 0, .depth = 12, .nested = true};
	const char *what;
	int scen = 0;

	if (argc < 2) {
		fprintf(stderr, "kvmsim apicv: missing subcommand (scenario1|scenario2|scenario3|"
				"explore, see --help)\n");
		return EXIT_USAGE;
	}
	what = argv[1];
	if (!strcmp(what, "--help") || !strcmp(what, "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(what, "scenario1"))
		scen = 1;
	else if (!strcmp(what, "scenario2"))
		scen = 2;
	else if (!strcmp(what, "scenario3") || !strcmp(what, "nested"))
		scen = 3;
	else if (strcmp(what, "explore")) {
		fprintf(stderr, "kvmsim apicv: unknown subcommand '%s'\n", what);
		return EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		bool needs = !strcmp(a, "--fix") || !strcmp(a, "--nested-refresh") ||
			     !strcmp(a, "--scenario") || !strcmp(a, "--set") ||
			     (!scen && (!strcmp(a, "--depth") || !strcmp(a, "--vectors") ||
					!strcmp(a, "--eoi-exit")));

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		}
		if (needs) {
			if (i + 1 >= argc) {
				fprintf(stderr, "kvmsim apicv: %s needs a value\n", a);
				return EXIT_USAGE;
			}
			val = argv[++i];
		}
		if (!strcmp(a, "--fix")) {
			if (apicv_parse_fix(val, &o.fix)) {
				fprintf(stderr,
					"kvmsim apicv: --fix '%s': expected none, v2 or sean\n",
					val);
				return EXIT_USAGE;
			}
		} else if (!strcmp(a, "--nested-refresh")) {
			if (apicv_parse_nested_refresh(val, &o.refresh)) {
				fprintf(stderr,
					"kvmsim apicv: --nested-refresh '%s': expected request "
					"or direct\n",
					val);
				return EXIT_USAGE;
			}
		} else if (!strcmp(a, "--scenario")) {
			struct ini_ctx c = {.o = &o};
			int line = ini_parse(val, apicv_ini_handler, &c);

			if (line < 0) {
				fprintf(stderr, "%s: cannot read scenario file\n", val);
				return EXIT_RUNTIME;
			}
			if (line > 0) {
				fprintf(stderr, "%s:%d: %s\n", val, line,
					c.err[0] ? c.err : "malformed line");
				return EXIT_USAGE;
			}
		} else if (!strcmp(a, "--set")) {
			char err[160];

			if (strncmp(val, "kvm.", 4) || !strchr(val, '=')) {
				fprintf(stderr,
					"kvmsim apicv: --set '%s': expected kvm.KEY=VALUE\n", val);
				return EXIT_USAGE;
			} else {
				char key[64];
				const char *eq = strchr(val, '=');
				size_t kl = (size_t)(eq - val - 4);

				if (kl >= sizeof(key)) {
					fprintf(stderr, "kvmsim apicv: --set '%s': key too long\n",
						val);
					return EXIT_USAGE;
				}
				memcpy(key, val + 4, kl);
				key[kl] = 0;
				if (strcmp(key, "apicv_svi_fix") &&
				    strcmp(key, "apicv_nested_refresh")) {
					fprintf(stderr,
						"kvmsim apicv: --set '%s': unknown key kvm.%s\n",
						val, key);
					return EXIT_USAGE;
				}
				if (set_kvm_key(&o, key, eq + 1, err, sizeof(err))) {
					fprintf(stderr, "kvmsim apicv: --set: %s\n", err);
					return EXIT_USAGE;
				}
			}
		} else if (!strcmp(a, "--json")) {
			o.json = true;
		} else if (!scen && !strcmp(a, "--depth")) {
			u64 d;

			if (parse_u64(val, &d) || d > APICV_MAX_DEPTH) {
				fprintf(stderr, "kvmsim apicv: --depth '%s': expected 0..%d\n", val,
					APICV_MAX_DEPTH);
				return EXIT_USAGE;
			}
			o.depth = (int)d;
		} else if (!scen && !strcmp(a, "--vectors")) {
			if (parse_vectors(val, &o)) {
				fprintf(stderr,
					"kvmsim apicv: --vectors '%s': expected 1..%d distinct "
					"vectors 16..255, comma-separated\n",
					val, APICV_MAX_VECTORS);
				return EXIT_USAGE;
			}
		} else if (!scen && !strcmp(a, "--eoi-exit")) {
			u64 e;

			if (parse_u64(val, &e) || e < 16 || e > 255) {
				fprintf(stderr,
					"kvmsim apicv: --eoi-exit '%s': expected a vector "
					"16..255\n",
					val);
				return EXIT_USAGE;
			}
			o.eoi_exit = (int)e;
		} else if (!scen && !strcmp(a, "--no-nested")) {
			o.nested = false;
		} else if (!scen && !strcmp(a, "--apicv-on")) {
			o.apicv_on = true;
		} else {
			fprintf(stderr, "kvmsim apicv: unknown option '%s'\n", a);
			return EXIT_USAGE;
		}
	}
	return scen ? run_scenario(scen, &o) : run_explore(&o);
}

KVMSIM_COMMAND(apicv_cmd, .name = "apicv",
	       .summary = "VMX APICv/SVI: changelog scenarios and exhaustive exploration",
	       .run = cmd_apicv);
