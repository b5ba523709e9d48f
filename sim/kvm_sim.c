// SPDX-License-Identifier: GPL-2.0
/*
 * The VMs of a scenario on the simulated host: a cgroup per VM (and per vCPU with
 * vcpu_cgroups), a host task per vCPU whose task_ops are the vCPU thread's KVM_RUN loop,
 * the LAPICs with the seed's IPI-tracking hooks, the guest kernels; and the per-VM and
 * per-vCPU results.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "guest/internal.h"
#include "kvmsim/kvm_host.h"

/* The policy's knob defaults (vcpu-scheduling-series.md 1.2; docs/model/policies.md). */
void kvm_params_resolve(struct kvm_params *p, const struct scenario *s)
{
	enum yield_policy y = s->policy.yield;
	bool kvm_part = y == YIELD_SEED_V1 || y == YIELD_SEED_V1_KVM || y == YIELD_SEED_V2;

	memset(p, 0, sizeof(*p));
	p->s = s->kvm;
	p->policy = y;
	p->seed = s->host.seed;
	if (p->s.last_boosted_vcpu_fix == SCN_KNOB_DEFAULT)
		p->s.last_boosted_vcpu_fix = s->host.kernel == KERNEL_V6_19 || kvm_part;
	if (p->s.ipi_tracking_enabled == SCN_KNOB_DEFAULT)
		p->s.ipi_tracking_enabled = kvm_part || y == YIELD_ISHIGURO;
	if (p->s.enable_relaxed_boost == SCN_KNOB_DEFAULT)
		p->s.enable_relaxed_boost = kvm_part;
	/* patch 9's candidate tiers go with the tracking they rank by (docs/model/kvm.md) */
	p->seed_candidates = kvm_part && p->s.ipi_tracking_enabled;
	p->ishiguro_ipi_boost = y == YIELD_ISHIGURO && p->s.ipi_tracking_enabled;
}

/* The vCPU thread's side of the scheduler: its KVM_RUN loop. */
static void vcpu_switched_in(struct task_struct *p)
{
	struct kvm_vcpu *vcpu = p->ops_data;

	kvm_sched_in(vcpu, p->cpu);
	if (vcpu->run_state == VCPU_RUN_BLOCKED)
		kvm_vcpu_halt_done(vcpu);	/* woken from kvm_vcpu_block() */
	else if (vcpu->run_state == VCPU_RUN_POLL)
		kvm_vcpu_poll_resume(vcpu);
	else
		guest_cpu_enter(vcpu->gcpu);
}

static void vcpu_switched_out(struct task_struct *p)
{
	struct kvm_vcpu *vcpu = p->ops_data;

	if (vcpu->run_state == VCPU_RUN_GUEST && vcpu->gcpu->running)
		guest_cpu_leave(vcpu->gcpu);
	kvm_sched_out(vcpu);
}

static void vcpu_rq_enqueued(struct task_struct *p)
{
	struct kvm_vcpu *vcpu = p->ops_data;

	if (vcpu->run_state == VCPU_RUN_POLL)
		kvm_vcpu_poll_resume(vcpu);	/* single_task_running() is false now */
}

static const struct task_ops vcpu_task_ops = {
	.switched_in = vcpu_switched_in,
	.switched_out = vcpu_switched_out,
	.rq_enqueued = vcpu_rq_enqueued,
};

static void ipi_hook(void *opaque, struct kvm_lapic *src, struct kvm_lapic *dst,
		     const struct kvm_lapic_irq *irq)
{
	struct kvm *kvm = opaque;

	(void)irq;
	if (kvm->params->s.ipi_tracking_enabled)
		kvm_track_ipi_communication(kvm->vcpus[src->vcpu_idx], kvm->vcpus[dst->vcpu_idx]);
}

static void eoi_hook(void *opaque, struct kvm_lapic *apic, int vector)
{
	struct kvm *kvm = opaque;

	(void)vector;
	kvm_clear_ipi_on_eoi(kvm->vcpus[apic->vcpu_idx]);
}

static struct task_group *find_group(struct host *h, const char *name)
{
	for (int i = 0; i < h->nr_tgs; i++)
		if (!strcmp(h->tgs[i]->name, name))
			return h->tgs[i];
	return NULL;
}

static int create_vcpu(struct kvm *kvm, int i, const struct scn_vm *v)
{
	struct host *h = kvm->host;
	struct kvm_vcpu *vcpu = calloc(1, sizeof(*vcpu));
	struct task_group *tg = kvm->tg;
	struct cpumask mask, *cpus = NULL;

	if (!vcpu)
		return -ENOMEM;
	kvm->vcpus[i] = vcpu;
	vcpu->kvm = kvm;
	vcpu->vcpu_idx = i;
	snprintf(vcpu->name, sizeof(vcpu->name), "%.60s.vcpu%d", kvm->name, i);
	if (v->vcpu_cgroups) {
		tg = sched_create_group(h, vcpu->name, kvm->tg, 1024);
		if (!tg)
			return -ENOMEM;
	}
	if (v->pin_1to1) {
		cpumask_clear(&mask);
		cpumask_set_cpu(i % h->nr_cpus, &mask);
		cpus = &mask;
	} else if (v->has_cpus) {
		cpus = (struct cpumask *)&v->cpus;
	}
	vcpu->task = sched_create_task(h, vcpu->name, tg, v->nice, cpus);
	if (!vcpu->task)
		return -ENOMEM;
	vcpu->task->ops = &vcpu_task_ops;
	vcpu->task->ops_data = vcpu;
	vcpu->wants_to_run = true;	/* inside KVM_RUN for the whole run */
	vcpu->run_state = VCPU_RUN_GUEST;
	vcpu->ipi_context = (struct ipi_context){-1, -1, false, 0};
	kvm_ple_vcpu_init(vcpu);
	kvm_vcpu_poll_init(vcpu);
	if (kvm_create_lapic(&vcpu->apic, &kvm->apic_map, i))
		return -EINVAL;
	kvm_lapic_guest_enable(&vcpu->apic);
	kvm_lapic_set_x2apic(&vcpu->apic, true);
	vcpu->apic.apicv_active = kvm->params->s.enable_apicv;
	return 0;
}

static struct kvm *create_vm(struct host *h, const struct scenario *s, const struct scn_vm *v,
			     int copy, struct kvm_params *params, char *err)
{
	struct kvm *kvm = calloc(1, sizeof(*kvm));
	struct task_group *parent = v->parent[0] ? find_group(h, v->parent) : NULL;

	if (!kvm)
		goto nomem;
	if (v->count > 1)
		snprintf(kvm->name, sizeof(kvm->name), "%.60s.%d", v->name, copy);
	else
		snprintf(kvm->name, sizeof(kvm->name), "%s", v->name);
	kvm->host = h;
	kvm->params = params;
	kvm->spec = v;
	kvm->last_boosted_vcpu = 0;
	kvm->online_vcpus = v->vcpus;
	kvm->vcpus = calloc((size_t)v->vcpus, sizeof(*kvm->vcpus));
	kvm->tg = sched_create_group(h, kvm->name, parent, v->shares);
	if (!kvm->vcpus || !kvm->tg)
		goto nomem;
	kvm_apic_map_init(&kvm->apic_map);
	kvm->apic_map.ipi_hook = ipi_hook;
	kvm->apic_map.eoi_hook = eoi_hook;
	kvm->apic_map.hook_opaque = kvm;
	for (int i = 0; i < v->vcpus; i++)
		if (create_vcpu(kvm, i, v))
			goto nomem;
	kvm->guest = guest_create(kvm, v, &params->s, s->path, err);
	if (!kvm->guest) {
		kvm_destroy_vms(&kvm, 1);
		return NULL;
	}
	return kvm;
nomem:
	snprintf(err, SCN_ERR_MAX, "%s: out of memory", s->path);
	if (kvm)
		kvm_destroy_vms(&kvm, 1);
	return NULL;
}

int kvm_create_vms(struct host *h, const struct scenario *s, struct kvm_params *params,
		   struct kvm ***vms, int *nr_vms, char *err)
{
	int n = 0;

	*vms = NULL;
	*nr_vms = 0;
	for (int i = 0; i < s->nr_vms; i++)
		n += s->vms[i].count;
	if (!n)
		return 0;
	*vms = calloc((size_t)n, sizeof(**vms));
	if (!*vms) {
		snprintf(err, SCN_ERR_MAX, "%s: out of memory", s->path);
		return -ENOMEM;
	}
	for (int i = 0; i < s->nr_vms; i++)
		for (int k = 0; k < s->vms[i].count; k++) {
			struct kvm *kvm = create_vm(h, s, &s->vms[i], k, params, err);

			if (!kvm)
				return -EINVAL;
			kvm->index = *nr_vms;
			(*vms)[(*nr_vms)++] = kvm;
		}
	for (int i = 0; i < *nr_vms; i++)
		guest_start((*vms)[i]->guest);
	return 0;
}

void kvm_destroy_vms(struct kvm **vms, int nr_vms)
{
	for (int i = 0; i < nr_vms; i++) {
		struct kvm *kvm = vms[i];

		if (!kvm)
			continue;
		guest_destroy(kvm->guest);
		for (int k = 0; k < kvm->online_vcpus && kvm->vcpus; k++) {
			if (!kvm->vcpus[k])
				continue;
			hist_free(&kvm->vcpus[k]->ipi_latency);
			free(kvm->vcpus[k]);
		}
		hist_free(&kvm->lock_hold);
		hist_free(&kvm->lock_wait);
		free(kvm->vcpus);
		free(kvm);
	}
}

static void start_fn(struct sim *sim, struct sim_event *ev)
{
	struct kvm_vcpu *vcpu = ev->obj;

	(void)sim;
	wake_up_new_task(vcpu->task);
}

/*
 * The vCPU threads come up at random times in the first vcpu_start_spread, as a guest's
 * CPUs come online during boot. Without the spread every VM's vCPUs would start in lock
 * step and the host's aligned ticks would gang-schedule them (docs/model/kvm.md).
 */
void kvm_start_vms(struct kvm **vms, int nr_vms)
{
	for (int i = 0; i < nr_vms; i++) {
		struct kvm *kvm = vms[i];
		u64 spread = kvm->params->s.vcpu_start_spread;

		for (int k = 0; k < kvm->online_vcpus; k++) {
			struct kvm_vcpu *vcpu = kvm->vcpus[k];
			struct sim *sim = kvm->host->sim;
			struct rng r;

			rng_init(&r, kvm->params->seed, hash_name(vcpu->name));
			sim_schedule(sim, sim_event_alloc(sim, start_fn, vcpu, 0),
				     spread ? rng_below(&r, spread) : 0);
		}
	}
}

void kvm_warmup(struct kvm **vms, int nr_vms)
{
	for (int i = 0; i < nr_vms; i++) {
		struct kvm *kvm = vms[i];

		kvm->guest->measuring = true;
		for (int k = 0; k < kvm->online_vcpus; k++)
			kvm->vcpus[k]->c_at_warmup = kvm->vcpus[k]->c;
	}
}

#define FOR_EACH_COUNTER(X)                                                                  \
	X(work) X(halt_ns) X(spin_ns) X(ple_exits) X(on_spin) X(yield[0]) X(yield[1])        \
	X(yield[2]) X(pv_yield_attempted) X(pv_yield_successful) X(halts)                    \
	X(halt_poll_success) X(wakeups) X(ipis_sent) X(ipis_received) X(lhp_events) X(kicks)

static void counters_sub(struct kvm_counters *d, const struct kvm_counters *a,
			 const struct kvm_counters *b)
{
#define SUB(f) d->f = a->f - b->f;
	FOR_EACH_COUNTER(SUB)
#undef SUB
}

static void counters_add(struct kvm_counters *d, const struct kvm_counters *a)
{
#define ADD(f) d->f += a->f;
	FOR_EACH_COUNTER(ADD)
	ADD(run_ns) ADD(wait_ns) ADD(steal_ns)
#undef ADD
}

/* Jain's index (sum x)^2 / (n sum x^2) */
static double jain(const double *x, int n)
{
	double s = 0, s2 = 0;

	for (int i = 0; i < n; i++) {
		s += x[i];
		s2 += x[i] * x[i];
	}
	return n && s2 > 0 ? s * s / (n * s2) : 0;
}

int kvm_collect(struct kvm **vms, int nr_vms, u64 measured, struct kvm_run_result *out)
{
	int nv = 0, j = 0;
	double *xv, *xc;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < nr_vms; i++)
		nv += vms[i]->online_vcpus;
	out->vms = calloc((size_t)nr_vms, sizeof(*out->vms));
	out->vcpus = calloc((size_t)nv, sizeof(*out->vcpus));
	xv = calloc((size_t)nr_vms + 1, sizeof(*xv));
	xc = calloc((size_t)nv + 1, sizeof(*xc));
	if (!out->vms || !out->vcpus || !xv || !xc) {
		free(xv);
		free(xc);
		kvm_run_result_free(out);
		return -ENOMEM;
	}
	out->nr_vms = nr_vms;
	out->nr_vcpus = nv;
	for (int i = 0; i < nr_vms; i++) {
		struct kvm *kvm = vms[i];
		struct vm_result *vr = &out->vms[i];
		struct hist lat = {0};

		snprintf(vr->name, sizeof(vr->name), "%s", kvm->name);
		snprintf(vr->workload, sizeof(vr->workload), "%s", kvm->spec->workload);
		vr->nr_vcpus = kvm->online_vcpus;
		for (int k = 0; k < kvm->online_vcpus; k++, j++) {
			struct kvm_vcpu *vcpu = kvm->vcpus[k];
			struct task_struct *p = vcpu->task;
			struct vcpu_result *cr = &out->vcpus[j];

			snprintf(cr->name, sizeof(cr->name), "%s", vcpu->name);
			cr->vm = i;
			counters_sub(&cr->c, &vcpu->c, &vcpu->c_at_warmup);
			cr->c.run_ns = p->se.sum_exec_runtime - p->runtime_at_warmup;
			cr->c.wait_ns = p->wait.sum;
			cr->c.steal_ns = p->wait.sum;
			cr->ipi_latency_p50_ns = hist_percentile(&vcpu->ipi_latency, 50);
			cr->ipi_latency_p99_ns = hist_percentile(&vcpu->ipi_latency, 99);
			hist_merge(&lat, &vcpu->ipi_latency);
			counters_add(&vr->c, &cr->c);
			xc[j] = (double)cr->c.run_ns;
		}
		vr->throughput = (double)vr->c.work * 1e9 / (double)measured;
		vr->cpu_share = (double)vr->c.run_ns / (double)measured;
		vr->ipi_latency_p50_ns = hist_percentile(&lat, 50);
		vr->ipi_latency_p99_ns = hist_percentile(&lat, 99);
		vr->lock_hold_p50_ns = hist_percentile(&kvm->lock_hold, 50);
		vr->lock_hold_p99_ns = hist_percentile(&kvm->lock_hold, 99);
		vr->lock_wait_p50_ns = hist_percentile(&kvm->lock_wait, 50);
		vr->lock_wait_p99_ns = hist_percentile(&kvm->lock_wait, 99);
		hist_free(&lat);
		/* CPU time per cpu.shares: equal for every VM when the split is fair */
		xv[i] = vr->cpu_share / (double)kvm->spec->shares;
	}
	out->jain_vms = jain(xv, nr_vms);
	out->jain_vcpus = jain(xc, nv);
	free(xv);
	free(xc);
	return 0;
}
