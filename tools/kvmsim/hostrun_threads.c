// SPDX-License-Identifier: GPL-2.0
/*
 * The real-machine runner behind kvmsim hostrun and kvmsim compare: one pthread per
 * scenario task, with its nice value (setpriority on the thread id), its affinity
 * (sched_setaffinity) and its cgroup (cgroup v1 cpu.shares, or v2 cpu.weight), created
 * under a private directory kvmsim-PID and removed afterwards, also on SIGINT/SIGTERM.
 *
 * Metrics, over the measured interval (warmup .. duration):
 * - runtime: the thread's CPU clock (pthread_getcpuclockid), read by the main thread;
 * - nr_switches: voluntary + involuntary context switches from /proc/self/task/TID/status;
 * - wait latency: every thread reads CLOCK_MONOTONIC in its loop; a gap larger than
 *   GAP_NS (200 us; interrupts and VM exits of this virtual machine take ~30 us) between two reads
 * while the thread is runnable (burning, or inside sched_yield()) is one wait; for a periodic task
 * the wakeup latency is the time from the timer's expiry to the first read after clock_nanosleep()
 * (timer slack set to 1 ns). Interrupt time above GAP_NS is counted as wait too (it is small next
 * to ms slices).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kvmsim/hostrun.h"

#define GAP_NS	      200000ull /* a clock gap above this is a wait; below: interrupts, VM exits */
#define SHIELD_SHARES 262144ull /* MAX_SHARES: the scenario's root against the machine */

struct hr_thread {
	pthread_t th;
	const struct scn_task *t;
	char name[SCN_NAME_MAX + 16];
	const char *cgdir; /* tasks file directory, or NULL */
	atomic_int tid;
	atomic_int ready; /* 1 set up, -errno failed */
	struct hist wait;
	clockid_t clk;
	u64 cpu0, cpu1, sw0, sw1;
	bool started;
	bool nice_failed;
};

struct hr_ctx {
	const struct scenario *s;
	struct hr_thread *th;
	int nr;
	char top[256];	     /* private cgroup directory, "" when none */
	char (*cgpath)[512]; /* per scenario cgroup */
	bool v2;
	atomic_int go, stop, measuring;
};

static u64 now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (u64)ts.tv_sec * NSEC_PER_SEC + (u64)ts.tv_nsec;
}

static int write_file(const char *dir, const char *file, const char *val)
{
	char p[600];
	FILE *f;
	int r = 0;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	f = fopen(p, "w");
	if (!f)
		return -errno;
	if (fputs(val, f) < 0)
		r = -errno;
	if (fclose(f) && !r)
		r = -errno;
	return r;
}

/* Burn @run of this thread's CPU time, recording runnable gaps. */
static void burn(struct hr_ctx *c, struct hr_thread *me, u64 run, u64 *last)
{
	u64 end = run ? now_ns(CLOCK_THREAD_CPUTIME_ID) + run : 0;

	while (!atomic_load_explicit(&c->stop, memory_order_relaxed)) {
		u64 t = now_ns(CLOCK_MONOTONIC);

		if (t - *last > GAP_NS && atomic_load_explicit(&c->measuring, memory_order_relaxed))
			hist_record(&me->wait, t - *last);
		*last = t;
		if (run && now_ns(CLOCK_THREAD_CPUTIME_ID) >= end)
			return;
	}
}

struct hr_arg {
	struct hr_ctx *c;
	struct hr_thread *me;
};

static void *task_main(void *arg)
{
	struct hr_ctx *c = ((struct hr_arg *)arg)->c;
	struct hr_thread *me = ((struct hr_arg *)arg)->me;
	const struct scn_task *t = me->t;
	pid_t tid = (pid_t)syscall(SYS_gettid);
	int r = 0;
	u64 last;

	free(arg);
	atomic_store(&me->tid, tid);
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	if (t->has_cpus) {
		cpu_set_t set;

		CPU_ZERO(&set);
		for (int cpu = 0; cpu < CPU_SETSIZE && cpu < NR_CPUS; cpu++)
			if (cpumask_test_cpu(cpu, &t->cpus))
				CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			r = -errno;
	}
	if (!r && setpriority(PRIO_PROCESS, (id_t)tid, t->nice)) {
		if (errno == EACCES || errno == EPERM)
			me->nice_failed = true; /* reported by the main thread; runs at its nice */
		else
			r = -errno;
	}
	if (!r && me->cgdir) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%d\n", tid);
		r = write_file(me->cgdir, c->v2 ? "cgroup.threads" : "tasks", buf);
	}
	pthread_getcpuclockid(pthread_self(), &me->clk);
	atomic_store(&me->ready, r ? r : 1);
	while (!atomic_load(&c->go) && !atomic_load(&c->stop))
		usleep(1000);
	if (r)
		return NULL;
	last = now_ns(CLOCK_MONOTONIC);
	while (!atomic_load_explicit(&c->stop, memory_order_relaxed)) {
		switch (t->behavior) {
		case TASK_HOG:
			burn(c, me, 0, &last);
			break;
		case TASK_PERIODIC: {
			u64 target;
			struct timespec ts;

			burn(c, me, t->run, &last);
			target = now_ns(CLOCK_MONOTONIC) + t->sleep;
			ts.tv_sec = (time_t)(target / NSEC_PER_SEC);
			ts.tv_nsec = (long)(target % NSEC_PER_SEC);
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
				;
			last = now_ns(CLOCK_MONOTONIC);
			if (last > target && atomic_load(&c->measuring))
				hist_record(&me->wait, last - target);
			break;
		}
		case TASK_YIELD_LOOP:
			burn(c, me, t->run, &last);
			sched_yield();
			break;
		default:
			return NULL;
		}
	}
	return NULL;
}

static u64 ctxt_switches(pid_t tid)
{
	char p[64], line[128];
	unsigned long long v, sum = 0;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/self/task/%d/status", tid);
	f = fopen(p, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1 ||
		    sscanf(line, "nonvoluntary_ctxt_switches: %llu", &v) == 1)
			sum += v;
	fclose(f);
	return sum;
}

static void remove_cgroups(struct hr_ctx *c)
{
	if (!c->top[0])
		return;
	/* children before parents: deepest paths first */
	for (int pass = 0; pass < 8; pass++)
		for (int i = 0; i < c->s->nr_cgroups; i++)
			if (c->cgpath[i][0] && !rmdir(c->cgpath[i]))
				c->cgpath[i][0] = '\0';
	rmdir(c->top);
	c->top[0] = '\0';
}

static int make_cgroup(struct hr_ctx *c, int i, char *err)
{
	const struct scn_cgroup *cg = &c->s->cgroups[i];
	const char *parent = c->top;
	char val[32];
	int r;

	if (c->cgpath[i][0])
		return 0;
	if (cg->parent[0])
		for (int k = 0; k < c->s->nr_cgroups; k++)
			if (!strcmp(c->s->cgroups[k].name, cg->parent)) {
				r = make_cgroup(c, k, err);
				if (r)
					return r;
				parent = c->cgpath[k];
			}
	snprintf(c->cgpath[i], sizeof(c->cgpath[i]), "%s/%s", parent, cg->name);
	if (mkdir(c->cgpath[i], 0755) && errno != EEXIST) {
		r = -errno;
		snprintf(err, SCN_ERR_MAX, "hostrun: mkdir %s: %s", c->cgpath[i], strerror(-r));
		c->cgpath[i][0] = '\0';
		return r;
	}
	if (c->v2)
		snprintf(val, sizeof(val), "%llu\n",
			 (unsigned long long)(cg->shares * 100 + 512) / 1024 ?: 1);
	else
		snprintf(val, sizeof(val), "%llu\n", (unsigned long long)cg->shares);
	r = write_file(c->cgpath[i], c->v2 ? "cpu.weight" : "cpu.shares", val);
	if (r)
		snprintf(err, SCN_ERR_MAX, "hostrun: [cgroup %s] shares = %llu: %s", cg->name,
			 (unsigned long long)cg->shares, strerror(-r));
	return r;
}

/* Find the cpu controller: v1 /sys/fs/cgroup/cpu, else v2 with "cpu" in cgroup.controllers. */
static int find_cpu_controller(struct hr_ctx *c, char *base, size_t n)
{
	struct stat st;
	char line[256] = "";
	FILE *f;

	if (!stat("/sys/fs/cgroup/cpu/cpu.shares", &st)) {
		snprintf(base, n, "/sys/fs/cgroup/cpu");
		c->v2 = false;
		return 0;
	}
	f = fopen("/sys/fs/cgroup/cgroup.controllers", "r");
	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
		if (strstr(line, "cpu ") || strstr(line, "cpu\n")) {
			snprintf(base, n, "/sys/fs/cgroup");
			c->v2 = true;
			return 0;
		}
	}
	return -ENOENT;
}

static int setup_cgroups(struct hr_ctx *c, const struct hostrun_opts *o, char *err)
{
	char base[128];
	int r;

	if (find_cpu_controller(c, base, sizeof(base))) {
		if (o->notes)
			fprintf(o->notes,
				"hostrun: no cpu cgroup controller: running without cgroups "
				"(cgroup shares not applied)\n");
		return 1;
	}
	if (geteuid() != 0) {
		if (o->notes)
			fprintf(o->notes,
				"hostrun: not root: cannot create cgroups under %s "
				"(cgroup shares not applied)\n",
				base);
		return 1;
	}
	snprintf(c->top, sizeof(c->top), "%s/kvmsim-%d", base, (int)getpid());
	if (mkdir(c->top, 0755)) {
		r = -errno;
		if (o->notes)
			fprintf(o->notes, "hostrun: mkdir %s: %s: running without cgroups\n",
				c->top, strerror(-r));
		c->top[0] = '\0';
		return 1;
	}
	if (c->v2)
		write_file(base, "cgroup.subtree_control", "+cpu\n");
	{
		char val[32];

		snprintf(val, sizeof(val), "%llu\n",
			 c->v2 ? 10000ull : (o->no_shield ? 1024ull : SHIELD_SHARES));
		if (!o->no_shield)
			write_file(c->top, c->v2 ? "cpu.weight" : "cpu.shares", val);
	}
	if (c->v2)
		write_file(c->top, "cgroup.subtree_control", "+cpu\n");
	for (int i = 0; i < c->s->nr_cgroups; i++) {
		r = make_cgroup(c, i, err);
		if (r)
			return r;
		if (c->v2)
			write_file(c->cgpath[i], "cgroup.subtree_control", "+cpu\n");
	}
	return 0;
}

/* Sleep until @deadline (CLOCK_MONOTONIC ns) or a SIGINT/SIGTERM: returns -EINTR then. */
static int wait_until(u64 deadline, const sigset_t *sigs)
{
	for (;;) {
		u64 t = now_ns(CLOCK_MONOTONIC);
		struct timespec ts;

		if (t >= deadline)
			return 0;
		ts.tv_sec = (time_t)((deadline - t) / NSEC_PER_SEC);
		ts.tv_nsec = (long)((deadline - t) % NSEC_PER_SEC);
		if (sigtimedwait(sigs, NULL, &ts) > 0)
			return -EINTR;
	}
}

int hostrun_threads(const struct scenario *s, const struct hostrun_opts *o, struct run_result *out,
		    char *err)
{
	struct hostrun_opts dflt = {0};
	struct hr_ctx c = {0};
	sigset_t sigs, old;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct timespec w0, w1;
	u64 t0, tw = 0, te = 0;
	int n = 0, r = 0, k;

	if (!o)
		o = &dflt;
	memset(out, 0, sizeof(*out));
	if (s->host.cpus > ncpu) {
		snprintf(err, SCN_ERR_MAX,
			 "%s: [host] cpus = %d but this machine has %ld online CPUs: refused",
			 s->path, s->host.cpus, ncpu);
		return -EINVAL;
	}
	for (int i = 0; i < s->nr_tasks; i++) {
		const struct scn_task *t = &s->tasks[i];

		if (t->behavior == TASK_YIELD_TO) {
			snprintf(
			    err, SCN_ERR_MAX,
			    "%s:%d: [task %s] behavior = yield-to cannot run on the real machine "
			    "(yield_to() is a kernel-internal call): refused",
			    s->path, t->line, t->name);
			return -EOPNOTSUPP;
		}
		if (t->has_cpus)
			for (int cpu = 0; cpu < NR_CPUS; cpu++)
				if (cpumask_test_cpu(cpu, &t->cpus) && cpu >= ncpu) {
					snprintf(err, SCN_ERR_MAX,
						 "%s:%d: [task %s] cpus: CPU %d is not online here "
						 "(%ld CPUs): refused",
						 s->path, t->cpus_line, t->name, cpu, ncpu);
					return -EINVAL;
				}
		n += t->count;
	}
	c.s = s;
	c.nr = n;
	c.th = calloc((size_t)n + 1, sizeof(*c.th));
	c.cgpath = calloc((size_t)s->nr_cgroups + 1, sizeof(*c.cgpath));
	if (!c.th || !c.cgpath) {
		free(c.th);
		free(c.cgpath);
		snprintf(err, SCN_ERR_MAX, "hostrun: out of memory");
		return -ENOMEM;
	}
	/* SIGINT/SIGTERM are taken by sigtimedwait() in this thread; the task threads inherit the
	 * mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, &old);

	if (!o->no_cgroups) {
		r = setup_cgroups(&c, o, err);
		if (r < 0)
			goto out;
		r = 0;
	} else if (o->notes) {
		fprintf(o->notes, "hostrun: --no-cgroups: cgroup shares not applied\n");
	}
	if (!c.top[0] && s->nr_cgroups && o->notes)
		fprintf(o->notes,
			"hostrun: %d cgroup(s) of the scenario are not applied: every task "
			"runs in the caller's cgroup\n",
			s->nr_cgroups);

	k = 0;
	for (int i = 0; i < s->nr_tasks; i++) {
		const struct scn_task *t = &s->tasks[i];

		for (int j = 0; j < t->count; j++, k++) {
			struct hr_thread *th = &c.th[k];

			th->t = t;
			if (t->count > 1)
				snprintf(th->name, sizeof(th->name), "%.63s.%d", t->name, j);
			else
				snprintf(th->name, sizeof(th->name), "%s", t->name);
			if (c.top[0]) {
				th->cgdir = c.top;
				for (int g = 0; g < s->nr_cgroups; g++)
					if (t->cgroup[0] && !strcmp(s->cgroups[g].name, t->cgroup))
						th->cgdir = c.cgpath[g];
			}
		}
	}
	for (k = 0; k < n; k++) {
		struct hr_arg *a = malloc(sizeof(*a));

		if (!a) {
			r = -ENOMEM;
			snprintf(err, SCN_ERR_MAX, "hostrun: out of memory");
			goto stop;
		}
		a->c = &c;
		a->me = &c.th[k];
		r = -pthread_create(&c.th[k].th, NULL, task_main, a);
		if (r) {
			free(a);
			snprintf(err, SCN_ERR_MAX, "hostrun: pthread_create: %s", strerror(-r));
			goto stop;
		}
		c.th[k].started = true;
	}
	for (k = 0; k < n; k++) {
		while (!atomic_load(&c.th[k].ready))
			usleep(200);
		r = atomic_load(&c.th[k].ready);
		if (r < 0) {
			snprintf(err, SCN_ERR_MAX,
				 "hostrun: [task %s] setting nice %d / affinity / cgroup: %s%s",
				 c.th[k].t->name, c.th[k].t->nice, strerror(-r),
				 r == -EACCES || r == -EPERM
				     ? " (negative nice needs root or CAP_SYS_NICE)"
				     : "");
			goto stop;
		}
		r = 0;
		if (c.th[k].nice_failed && o->notes)
			fprintf(o->notes,
				"hostrun: [task %s] nice = %d not applied (needs root or "
				"CAP_SYS_NICE): it runs at the caller's nice\n",
				c.th[k].name, c.th[k].t->nice);
	}
	clock_gettime(CLOCK_MONOTONIC, &w0);
	t0 = now_ns(CLOCK_MONOTONIC);
	atomic_store(&c.go, 1);
	r = wait_until(t0 + s->host.warmup, &sigs);
	if (r)
		goto stop;
	for (k = 0; k < n; k++) {
		c.th[k].cpu0 = now_ns(c.th[k].clk);
		c.th[k].sw0 = ctxt_switches(c.th[k].tid);
	}
	tw = now_ns(CLOCK_MONOTONIC);
	atomic_store(&c.measuring, 1);
	r = wait_until(t0 + s->host.duration, &sigs);
	if (r)
		goto stop;
	for (k = 0; k < n; k++) {
		c.th[k].cpu1 = now_ns(c.th[k].clk);
		c.th[k].sw1 = ctxt_switches(c.th[k].tid);
	}
	te = now_ns(CLOCK_MONOTONIC);
	atomic_store(&c.measuring, 0);
stop:
	atomic_store(&c.stop, 1);
	for (k = 0; k < n; k++)
		if (c.th[k].started)
			pthread_join(c.th[k].th, NULL);
	clock_gettime(CLOCK_MONOTONIC, &w1);
	if (!r) {
		u64 measured = te - tw;

		out->source = "host";
		out->sim_ns = measured;
		out->events = 0;
		out->wall_s = (double)(w1.tv_sec - w0.tv_sec) + (w1.tv_nsec - w0.tv_nsec) / 1e9;
		out->nr_tasks = n;
		out->tasks = calloc((size_t)n + 1, sizeof(*out->tasks));
		if (!out->tasks) {
			out->nr_tasks = 0;
			r = -ENOMEM;
			snprintf(err, SCN_ERR_MAX, "hostrun: out of memory");
		}
		for (k = 0; out->tasks && k < n; k++) {
			struct task_result *tr = &out->tasks[k];
			struct hr_thread *th = &c.th[k];

			snprintf(tr->name, sizeof(tr->name), "%s", th->name);
			snprintf(tr->cgroup, sizeof(tr->cgroup), "%s", th->t->cgroup);
			tr->runtime_ns = th->cpu1 - th->cpu0;
			tr->cpu_share = measured ? (double)tr->runtime_ns / (double)measured : 0;
			tr->fair_share = -1;
			tr->wait_p50_ns = hist_percentile(&th->wait, 50);
			tr->wait_p99_ns = hist_percentile(&th->wait, 99);
			tr->wait_max_ns = th->wait.max;
			tr->nr_switches = th->sw1 - th->sw0;
		}
	} else if (r == -EINTR) {
		snprintf(err, SCN_ERR_MAX,
			 "hostrun: interrupted: threads stopped, cgroups removed");
	}
	for (k = 0; k < n; k++)
		hist_free(&c.th[k].wait);
out:
	remove_cgroups(&c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	free(c.th);
	free(c.cgpath);
	return r;
}
