/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the KVM-layer tests: a host and its VMs built from scenario text, with
 * the yield_to seam and the event trace of struct kvm_params, not yet run.
 */
#ifndef TESTS_KVM_TEST_H
#define TESTS_KVM_TEST_H

#include <errno.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "guest/internal.h"
#include "kvmsim/kvm_host.h"

#define KT_MAX_EVENTS 4096

struct kvm_test {
	struct sim sim;
	struct host h;
	struct scenario *s;
	struct kvm_params p;
	struct kvm **vms;
	int nr_vms;
	/* yield_to seam: results to return in turn (the last one repeats), and the calls */
	int results[32], nr_results, next_result;
	int tried[64], nr_tried;
	/* trace */
	struct kvm_trace_event ev[KT_MAX_EVENTS];
	int nr_ev;
};

static int kt_yield_to(void *opaque, struct kvm_vcpu *me, struct kvm_vcpu *target)
{
	struct kvm_test *t = opaque;
	int r = t->results[t->next_result < t->nr_results ? t->next_result : t->nr_results - 1];

	(void)me;
	if (t->next_result < t->nr_results)
		t->next_result++;
	if (t->nr_tried < 64)
		t->tried[t->nr_tried++] = target->vcpu_idx;
	return r;
}

static void kt_trace(void *opaque, const struct kvm_trace_event *e)
{
	struct kvm_test *t = opaque;

	if (t->nr_ev < KT_MAX_EVENTS)
		t->ev[t->nr_ev++] = *e;
}

/* Build from @ini; @seam: install the yield_to seam (results set later with kt_results). */
static inline void kt_init(struct kvm_test *t, const char *ini, bool seam)
{
	char path[] = "/tmp/kvmsim-kvm-test-XXXXXX", err[SCN_ERR_MAX];
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	memset(t, 0, sizeof(*t));
	fputs(ini, f);
	fclose(f);
	t->s = scenario_load(path, err);
	unlink(path);
	if (!t->s)
		fail_msg("%s", err);
	assert_int_equal(sim_init(&t->sim), 0);
	assert_int_equal(host_init(&t->h, &t->sim, t->s), 0);
	t->h.check = true;
	kvm_params_resolve(&t->p, t->s);
	t->p.opaque = t;
	t->p.trace = kt_trace;
	if (seam)
		t->p.yield_to_hook = kt_yield_to;
	if (kvm_create_vms(&t->h, t->s, &t->p, &t->vms, &t->nr_vms, err))
		fail_msg("%s", err);
}

static inline void kt_results(struct kvm_test *t, int n, const int *r)
{
	memcpy(t->results, r, (size_t)n * sizeof(*r));
	t->nr_results = n;
	t->next_result = 0;
	t->nr_tried = 0;
}

/* Start every vCPU thread and run until @ns. */
static inline void kt_run(struct kvm_test *t, u64 ns)
{
	if (!t->sim.now)
		for (int i = 0; i < t->h.nr_tasks; i++)
			wake_up_new_task(t->h.tasks[i]);
	sim_run_until(&t->sim, ns);
}

static inline void kt_destroy(struct kvm_test *t)
{
	kvm_destroy_vms(t->vms, t->nr_vms);
	free(t->vms);
	host_destroy(&t->h);
	sim_destroy(&t->sim);
	scenario_free(t->s);
}

/* Mark vCPU @v of VM 0 as a candidate: preempted (or not), ready, in kernel (or not). */
static inline struct kvm_vcpu *kt_cand(struct kvm_test *t, int v, bool preempted, bool in_kernel)
{
	struct kvm_vcpu *c = t->vms[0]->vcpus[v];

	c->ready = true;
	c->preempted = preempted;
	c->preempted_in_kernel = in_kernel;
	return c;
}

#endif
