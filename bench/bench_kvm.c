// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of issue 3: 2 VMs x 16 vCPUs on 16 host CPUs with a spinlock-heavy guest
 * (bench/kvm2x16.ini): events per second and simulated seconds per wall second
 * (target: at least 1 on one core), and peak memory for 5 s and 20 s simulated (each in
 * a child process: it must not grow with the simulated duration).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvmsim/host.h"
#include "kvmsim/kvm_report.h"

static double run(u64 duration, bool print)
{
	char err[SCN_ERR_MAX];
	struct scenario *s = scenario_load("bench/kvm2x16.ini", err);
	struct run_result r;
	double sps;

	if (!s) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	s->host.duration = duration;
	if (host_sim_run(s, NULL, &r, err)) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	sps = duration / 1e9 / r.wall_s;
	if (print)
		printf("2 VMs x 16 vCPUs on 16 CPUs, lockstress, %.0f s simulated: %llu events in "
		       "%.3f s: %.2f M events/s, %.2f simulated s per wall s (target >= 1: %s); "
		       "%llu PLE exits\n",
		       duration / 1e9, (unsigned long long)r.events, r.wall_s,
		       r.events / r.wall_s / 1e6, sps, sps >= 1 ? "met" : "NOT met",
		       (unsigned long long)(r.kvm->vms[0].c.ple_exits + r.kvm->vms[1].c.ple_exits));
	run_result_free(&r);
	scenario_free(s);
	return sps;
}

static long peak_kib(u64 duration)
{
	struct rusage ru;
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		run(duration, false);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	getrusage(RUSAGE_CHILDREN, &ru);
	return ru.ru_maxrss;
}

int main(void)
{
	long m5, m20;

	run(10 * NSEC_PER_SEC, true);
	m5 = peak_kib(5 * NSEC_PER_SEC);
	m20 = peak_kib(20 * NSEC_PER_SEC);
	printf("peak RSS: %ld KiB at 5 s, %ld KiB at 20 s (the second is the maximum over both "
	       "children, so flat means equal)\n", m5, m20);
	return 0;
}
