// SPDX-License-Identifier: GPL-2.0
/*
 * Report formats for the KVM layer's results (include/kvmsim/kvm_report.h): the per-VM
 * table, and the vms[] / vcpus[] arrays of `kvmsim run --json`.
 */
#include <stdlib.h>

#include "kvmsim/json.h"
#include "kvmsim/kvm_report.h"

void kvm_report_table(FILE *f, const struct kvm_run_result *k)
{
	fprintf(f, "\n%-14s %-10s %12s %7s %10s %9s %9s %9s %10s %10s %9s %7s\n", "vm", "workload",
		"throughput", "cpus", "ple_exits", "yield_ok", "yield_0", "esrch", "ipi_p50",
		"ipi_p99", "spin%", "lhp");
	for (int i = 0; i < k->nr_vms; i++) {
		const struct vm_result *v = &k->vms[i];
		double run = v->c.run_ns ? (double)v->c.run_ns : 1;

		fprintf(f, "%-14s %-10s %12.1f %7.2f %10llu %9llu %9llu %9llu %8.1fus %8.1fus %8.2f%% %7llu\n",
			v->name, v->workload, v->throughput, v->cpu_share,
			(unsigned long long)v->c.ple_exits,
			(unsigned long long)v->c.yield[YIELD_OK],
			(unsigned long long)v->c.yield[YIELD_FAIL],
			(unsigned long long)v->c.yield[YIELD_ESRCH], v->ipi_latency_p50_ns / 1e3,
			v->ipi_latency_p99_ns / 1e3, 100.0 * (double)v->c.spin_ns / run,
			(unsigned long long)v->c.lhp_events);
	}
	fprintf(f, "Jain index over VMs %.4f, over vCPUs %.4f\n", k->jain_vms, k->jain_vcpus);
}

static void counters_json(struct json *j, const struct kvm_counters *c)
{
	json_u64(j, "work", c->work);
	json_u64(j, "run_ns", c->run_ns);
	json_u64(j, "wait_ns", c->wait_ns);
	json_u64(j, "halt_ns", c->halt_ns);
	json_u64(j, "spin_ns", c->spin_ns);
	json_u64(j, "ple_exits", c->ple_exits);
	json_u64(j, "on_spin", c->on_spin);
	json_u64(j, "yield_attempts", c->yield[0] + c->yield[1] + c->yield[2]);
	json_u64(j, "yield_success", c->yield[YIELD_OK]);
	json_u64(j, "yield_esrch", c->yield[YIELD_ESRCH]);
	json_u64(j, "yield_fail", c->yield[YIELD_FAIL]);
	json_u64(j, "pv_yield_attempted", c->pv_yield_attempted);
	json_u64(j, "pv_yield_successful", c->pv_yield_successful);
	json_u64(j, "halts", c->halts);
	json_u64(j, "halt_poll_success", c->halt_poll_success);
	json_u64(j, "wakeups", c->wakeups);
	json_u64(j, "ipis", c->ipis_sent);
	json_u64(j, "ipis_received", c->ipis_received);
	json_u64(j, "kicks", c->kicks);
	json_u64(j, "lhp_events", c->lhp_events);
	json_u64(j, "steal_ns", c->steal_ns);
}

void kvm_report_json(struct json *j, const struct kvm_run_result *k)
{
	json_arr_begin(j, "vms");
	for (int i = 0; i < k->nr_vms; i++) {
		const struct vm_result *v = &k->vms[i];

		json_obj_begin(j, NULL);
		json_str(j, "name", v->name);
		json_str(j, "workload", v->workload);
		json_u64(j, "vcpus", (u64)v->nr_vcpus);
		json_double(j, "throughput", v->throughput);
		json_double(j, "cpu_share", v->cpu_share);
		counters_json(j, &v->c);
		json_u64(j, "ipi_latency_p50_ns", v->ipi_latency_p50_ns);
		json_u64(j, "ipi_latency_p99_ns", v->ipi_latency_p99_ns);
		json_u64(j, "lock_hold_p50_ns", v->lock_hold_p50_ns);
		json_u64(j, "lock_hold_p99_ns", v->lock_hold_p99_ns);
		json_u64(j, "lock_wait_p50_ns", v->lock_wait_p50_ns);
		json_u64(j, "lock_wait_p99_ns", v->lock_wait_p99_ns);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_arr_begin(j, "vcpus");
	for (int i = 0; i < k->nr_vcpus; i++) {
		const struct vcpu_result *c = &k->vcpus[i];

		json_obj_begin(j, NULL);
		json_str(j, "name", c->name);
		json_str(j, "vm", k->vms[c->vm].name);
		counters_json(j, &c->c);
		json_u64(j, "ipi_latency_p50_ns", c->ipi_latency_p50_ns);
		json_u64(j, "ipi_latency_p99_ns", c->ipi_latency_p99_ns);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_double(j, "jain_vms", k->jain_vms);
	json_double(j, "jain_vcpus", k->jain_vcpus);
}

void kvm_report_csv(FILE *f, const struct kvm_run_result *k)
{
	fprintf(f, "vm,workload,vcpus,throughput,cpu_share,ple_exits,yield_success,yield_fail,"
		   "yield_esrch,halts,ipis,ipi_latency_p50_ns,ipi_latency_p99_ns,spin_ns,lhp_events\n");
	for (int i = 0; i < k->nr_vms; i++) {
		const struct vm_result *v = &k->vms[i];

		fprintf(f, "%s,%s,%d,%.6f,%.6f,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu\n",
			v->name, v->workload, v->nr_vcpus, v->throughput, v->cpu_share,
			(unsigned long long)v->c.ple_exits, (unsigned long long)v->c.yield[YIELD_OK],
			(unsigned long long)v->c.yield[YIELD_FAIL],
			(unsigned long long)v->c.yield[YIELD_ESRCH], (unsigned long long)v->c.halts,
			(unsigned long long)v->c.ipis_sent, (unsigned long long)v->ipi_latency_p50_ns,
			(unsigned long long)v->ipi_latency_p99_ns, (unsigned long long)v->c.spin_ns,
			(unsigned long long)v->c.lhp_events);
	}
}

void kvm_run_result_free(struct kvm_run_result *k)
{
	if (!k)
		return;
	free(k->vms);
	free(k->vcpus);
	k->vms = NULL;
	k->vcpus = NULL;
	k->nr_vms = k->nr_vcpus = 0;
}
