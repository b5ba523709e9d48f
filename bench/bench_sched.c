// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of issue 2: events per second of (a) the bare event queue (a hold model:
 * pop the earliest of 64 queued events and reschedule it at a pseudo-random later time)
 * and (b) a host-only scenario of 16 pCPUs with 64 tasks in 4 cgroups (hogs and periodic
 * tasks) over 10 simulated seconds, their ratio (b)/(a), and peak memory of the scenario
 * run for 10 s and 60 s simulated (each in a child process, from getrusage()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kvmsim/host.h"
#include "kvmsim/sim.h"

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

struct hold {
	struct sim_event ev;
	struct rng r;
};

static void hold_fn(struct sim *sim, struct sim_event *ev)
{
	struct hold *h = ev->obj;

	sim_schedule(sim, ev, sim->now + 1 + rng_below(&h->r, 1000000));
}

static double bare_queue(void)
{
	struct sim sim;
	struct hold hs[64];
	double t0, t1;

	sim_init(&sim);
	for (int i = 0; i < 64; i++) {
		rng_init(&hs[i].r, 1, (u64)i);
		sim_event_init(&hs[i].ev, hold_fn, &hs[i]);
		sim_schedule(&sim, &hs[i].ev, rng_below(&hs[i].r, 1000000));
	}
	t0 = now_s();
	sim_run_until(&sim, 200ull * NSEC_PER_SEC); /* ~12.8 M events */
	t1 = now_s();
	printf("(a) bare event queue: %llu events in %.3f s: %.2f M events/s\n",
	       (unsigned long long)sim.nr_events, t1 - t0, sim.nr_events / (t1 - t0) / 1e6);
	{
		double r = sim.nr_events / (t1 - t0);

		sim_destroy(&sim);
		return r;
	}
}

static struct scenario *scenario(u64 duration)
{
	char err[SCN_ERR_MAX];
	struct scenario *s = scenario_load("bench/host16x64.ini", err);

	if (!s) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	s->host.duration = duration;
	return s;
}

static double host_run(u64 duration, bool print)
{
	struct scenario *s = scenario(duration);
	struct run_result r;
	char err[SCN_ERR_MAX];
	double eps;

	if (host_sim_run(s, NULL, &r, err)) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	eps = r.events / r.wall_s;
	if (print)
		printf("(b) 16 pCPUs, 64 tasks, 4 cgroups, %.0f s simulated: %llu events in %.3f s: "
		       "%.2f M events/s (%.1f simulated s per wall s)\n",
		       duration / 1e9, (unsigned long long)r.events, r.wall_s, eps / 1e6,
		       duration / 1e9 / r.wall_s);
	run_result_free(&r);
	scenario_free(s);
	return eps;
}

static long peak_kib(u64 duration)
{
	struct rusage ru;
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		host_run(duration, false);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	getrusage(RUSAGE_CHILDREN, &ru);
	return ru.ru_maxrss;
}

int main(void)
{
	double a = bare_queue();
	double b = host_run(10 * NSEC_PER_SEC, true);
	long m10, m60;

	printf("ratio (b)/(a): %.3f; target (b) >= 5 M events/s: %s\n", b / a,
	       b >= 5e6 ? "met" : "NOT met");
	m10 = peak_kib(10 * NSEC_PER_SEC);
	m60 = peak_kib(60 * NSEC_PER_SEC); /* RUSAGE_CHILDREN is the max over children so far */
	printf("peak RSS: 10 s simulated %ld KiB, 60 s simulated %ld KiB (%.1f%% more)\n", m10, m60,
	       100.0 * (double)(m60 - m10) / (double)m10);
	return 0;
}
