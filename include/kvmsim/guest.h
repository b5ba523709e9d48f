/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest kernel model (workloads.md "How to model a guest"): threads on vCPUs with a
 * per-vCPU guest runqueue, idle -> HLT, reschedule and call-function IPIs, user/kernel
 * mode, PV qspinlock and the unfair test-and-set lock, futex mutex/condvar/semaphore
 * with optimistic spinning, smp_call_function_many with wait, TLB shootdown.
 *
 * A workload is a program for each guest thread: a state machine that, each time the
 * thread's previous operation has completed, says what the thread does next
 * (struct guest_op). The guest kernel executes the operation on the thread's vCPU, and
 * guest time only passes while that vCPU runs on a host CPU. docs/model/guest.md.
 */
#ifndef KVMSIM_GUEST_H
#define KVMSIM_GUEST_H

#include "kvmsim/scenario.h"
#include "kvmsim/sim.h"
#include "kvmsim/stats.h"
#include "kvmsim/types.h"

struct guest;
struct guest_cpu;
struct guest_thread;
struct kvm;

/* What a guest thread does next. */
enum guest_op_kind {
	GOP_COMPUTE,		/* run for ns of guest CPU time, in user or kernel mode */
	GOP_SPIN_LOCK,		/* spin_lock(obj): PV qspinlock or TAS per guest.pv_spinlock */
	GOP_SPIN_UNLOCK,	/* spin_unlock(obj) */
	GOP_MUTEX_LOCK,		/* futex/mutex lock(obj) with optimistic spinning */
	GOP_MUTEX_UNLOCK,
	GOP_COND_WAIT,		/* cond_wait(obj, mutex obj2): the mutex must be held */
	GOP_COND_SIGNAL,	/* wake one waiter of cond obj */
	GOP_COND_BROADCAST,
	GOP_SEM_WAIT,		/* down(obj) */
	GOP_SEM_POST,		/* up(obj) */
	GOP_SMP_CALL,		/* smp_call_function_many to n other vCPUs running this mm,
				   handler of ns each, wait = csd_lock_wait */
	GOP_TLB_SHOOTDOWN,	/* flush_tlb_mm_range: call-function IPIs + wait to the vCPUs
				   running this thread's mm (PV TLB flush skips preempted ones) */
	GOP_SLEEP,		/* block for ns of wall time (hrtimer), e.g. an I/O wait */
	GOP_WORK,		/* n units of work done (the score); takes no time */
	GOP_EXIT,		/* the thread ends */
};

struct guest_op {
	enum guest_op_kind kind;
	bool kernel;		/* GOP_COMPUTE: kernel mode (CPL 0) */
	u64 ns;
	int obj, obj2;		/* lock / cond / semaphore ids from guest_*_create() */
	int n;
};

/* A workload: the programs of a VM's guest threads ([vm] workload = NAME). */
struct guest_workload {
	const char *name;
	const char *summary;
	/*
	 * Parse @v's workload.KEY values (guest_wl_*), create objects and threads.
	 * Errors: "FILE:LINE: [vm NAME] workload.KEY = VALUE: reason" in @err, -EINVAL.
	 */
	int (*init)(struct guest *g, const struct scn_vm *v, const char *path, char *err);
	/* Fill @op with @t's next operation (called when the previous one completed). */
	void (*next_op)(struct guest *g, struct guest_thread *t, struct guest_op *op);
	void (*destroy)(struct guest *g);
};

/* The workloads (guest/workloads/), by name; NULL if unknown. */
const struct guest_workload *guest_workload_find(const char *name);
/* For --help: the list, in table order. */
extern const struct guest_workload *const guest_workloads[];

struct guest_thread {
	int id;			/* index in guest->threads */
	char name[32];
	int mm;			/* address space (process) id: TLB shootdown targets */
	struct guest_cpu *cpu;	/* the vCPU it runs or last ran on */
	void *wl;		/* the workload's per-thread data */
	int pc;			/* the workload's state for this thread */
	u64 arg;		/* free for the workload */
	struct rng rng;		/* this thread's stream */

	/* the guest kernel's state: workloads read, never write */
	struct guest_op op;	/* the operation being executed */
	int state;		/* enum guest_thread_state (guest/internal.h) */
	int gstage;		/* progress within op; 0: the next op is due */
	u64 left;		/* ns of the current compute / handler left */
	int nr_spinlocks;	/* spinlocks held: lock-holder preemption */
	struct guest_thread *next_wait, *prev_wait; /* wait queues, run queue */
	u64 wait_start;
	bool exited;
};

/*
 * Workload-side API. Objects are created in init(); ids are small integers.
 */
int guest_spinlock_create(struct guest *g);
int guest_mutex_create(struct guest *g, bool kernel);	/* kernel: mutex_optimistic_spin in CPL 0 */
int guest_cond_create(struct guest *g);
int guest_sem_create(struct guest *g, int count);
/* A thread that starts on vCPU @cpu (-1: round robin) in address space @mm. */
struct guest_thread *guest_thread_create(struct guest *g, const char *name, int cpu, int mm);
int guest_nr_vcpus(const struct guest *g);
/* The VM's workload data pointer and RNG. */
void *guest_wl_data(struct guest *g);
void guest_set_wl_data(struct guest *g, void *data);
struct rng *guest_rng(struct guest *g);

/*
 * workload.KEY parsing: each takes the default, returns 0 or -EINVAL with the message
 * in @err. guest_wl_check_keys() rejects keys not in @known (NULL-terminated).
 */
int guest_wl_u64(const struct scn_vm *v, const char *path, const char *key, u64 lo, u64 hi,
		 u64 *out, char *err);
int guest_wl_duration(const struct scn_vm *v, const char *path, const char *key, u64 lo,
		      u64 *out, char *err);
int guest_wl_double(const struct scn_vm *v, const char *path, const char *key, double lo,
		    double hi, double *out, char *err);
/* One of @choices (NULL-terminated): *out is its index. */
int guest_wl_enum(const struct scn_vm *v, const char *path, const char *key,
		  const char *const *choices, int *out, char *err);
int guest_wl_check_keys(const struct scn_vm *v, const char *path, const char *const *known,
			char *err);

#endif
