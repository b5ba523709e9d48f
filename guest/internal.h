/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest kernel model's internals, shared by guest/ files (not by workloads, which use
 * include/kvmsim/guest.h). docs/model/guest.md describes the model.
 */
#ifndef KVMSIM_GUEST_INTERNAL_H
#define KVMSIM_GUEST_INTERNAL_H

#include "kvmsim/guest.h"
#include "kvmsim/kvm_host.h"

/* x86 vectors (arch/x86/include/asm/irq_vectors.h) */
#define RESCHEDULE_VECTOR 0xfd
#define CALL_FUNCTION_VECTOR 0xfc
#define LOCAL_TIMER_VECTOR 0xec

/* kernel/locking/qspinlock_paravirt.h */
#define SPIN_THRESHOLD (1u << 15)
#define PV_PREV_CHECK_MASK 0xff

enum guest_thread_state {
	GT_RUNNABLE,	/* on its vCPU's guest run queue */
	GT_RUNNING,	/* its vCPU's curr */
	GT_BLOCKED,	/* on a wait queue or a timer */
	GT_EXITED,
};

/* What curr is doing inside its operation. */
enum guest_sub {
	SUB_NONE,	/* between operations */
	SUB_COMPUTE,	/* t->left ns of compute */
	SUB_SPIN,	/* spinning (PAUSE loop, kernel mode) on gc->spin_kind */
	SUB_PV_HALT,	/* pv_wait(): halted until kicked */
};

enum guest_spin_kind {
	SPIN_TAS,	/* virt_spin_lock(): test-and-set loop */
	SPIN_QNODE,	/* PV qspinlock, queued, not head: pv_wait_node() */
	SPIN_QHEAD,	/* PV qspinlock, queue head: pv_wait_head_or_lock() */
	SPIN_CSD,	/* csd_lock_wait() for every target */
	SPIN_MUTEX,	/* mutex_optimistic_spin() / futex spinning */
};

struct guest_waitq {
	struct guest_thread *head, *tail;
};

struct guest_spinlock {
	struct guest_thread *owner;
	/* waiters in arrival order: for PV the MCS queue (first = queue head), for TAS the
	 * set of spinners */
	struct guest_waitq wq;
	bool pending;		/* _Q_PENDING_VAL: the head spins, no stealing */
	bool slow;		/* _Q_SLOW_VAL: the head is halted and hashed */
	bool pv;		/* PV qspinlock, else the test-and-set lock */
	u64 acquired_at;
};

struct guest_mutex {
	struct guest_thread *owner;
	bool kernel;		/* optimistic spinning in CPL 0 */
	struct guest_waitq sleepers;
	struct guest_waitq spinners;
};

struct guest_cond {
	struct guest_waitq waiters;
};

struct guest_sem {
	int count;
	struct guest_waitq waiters;
};

/* A call-function request queued on a target (call_single_data). */
struct guest_csd {
	struct guest_thread *sender;
	u64 handler_ns;
	bool flush_tlb;
};

struct guest_cpu {
	struct guest *g;
	int idx;
	struct kvm_vcpu *vcpu;
	struct guest_thread *curr;	/* NULL: idle */
	struct guest_waitq rq;		/* runnable threads (FIFO) */
	int nr_rq;

	bool running;			/* in guest mode on a host CPU: guest time passes */
	u64 seg_start;
	struct sim_event ev;		/* the next boundary, or a poke */

	u64 stall_left;			/* host work of an exit before the guest resumes */
	bool entry_pending;		/* inject at the end of the stall (vcpu_enter_guest) */
	bool exit_requested;		/* kvm_vcpu_kick of a vCPU in guest mode (APICv off) */

	bool in_irq;
	int irq_vector;
	u64 irq_left;
	int irq_csds;			/* csds taken by the running handler */
	u64 ovh_left;			/* guest kernel overhead (context switch, wakeup) */

	int sub;			/* enum guest_sub of curr */
	int spin_kind;
	void *spin_obj;
	u64 spin_ns;			/* this spin's length so far (guest time) */
	u64 ple_ns;			/* continuous PAUSE loop since the last exit / break */
	u64 slice_left;			/* guest timeslice of curr */
	bool need_resched;
	bool halted;			/* executed HLT (idle or pv_wait) and not yet resumed */

	/* call-function queue */
	struct guest_csd *csd;
	int nr_csd, cap_csd;
	int csd_wait_left;		/* sender side: targets that have not run the handler */
	u64 ipi_sent_at[2];		/* per vector class (resched, call): oldest unhandled */
	u32 tlb_flush_pending;		/* PV TLB flush deferred to the next entry */
};

struct guest {
	struct kvm *kvm;
	const struct guest_workload *wl;
	void *wl_data;
	struct rng rng;
	const struct scn_guest *feat;
	const struct scn_kvm *kp;
	struct guest_cpu *cpus;
	int nr_cpus;
	struct guest_thread **threads;
	int nr_threads, cap_threads;
	int next_cpu;			/* round robin for guest_thread_create(-1) */
	struct guest_spinlock *spinlocks;
	int nr_spinlocks;
	struct guest_mutex *mutexes;
	int nr_mutexes;
	struct guest_cond *conds;
	int nr_conds;
	struct guest_sem *sems;
	int nr_sems;
	u64 work;
	bool measuring;
	u64 spin_threshold_ns;		/* SPIN_THRESHOLD PAUSE loops */
	u64 spin_early_ns;		/* PV_PREV_CHECK_MASK + 1 loops */
};

/* guest/core.c */
struct guest *guest_create(struct kvm *kvm, const struct scn_vm *v, const struct scn_kvm *kp,
			   const char *path, char *err);
void guest_destroy(struct guest *g);
void guest_start(struct guest *g);
u64 guest_now(const struct guest *g);
void guest_cpu_poke(struct guest_cpu *gc);
/* KVM: the vCPU enters guest mode (after sched_in, a halt wakeup, or an exit). */
void guest_cpu_enter(struct guest_cpu *gc);
/* KVM: the vCPU leaves guest mode (sched_out). */
void guest_cpu_leave(struct guest_cpu *gc);
/* KVM: an exit's host work of @ns runs before the guest resumes, then the entry injects. */
void guest_cpu_stall(struct guest_cpu *gc, u64 ns);
/* KVM: a halt ended (woken or poll succeeded): the guest resumes after HLT. */
void guest_cpu_unhalt(struct guest_cpu *gc);
bool guest_cpu_in_kernel(const struct guest_cpu *gc);
/* threads */
void guest_wake_thread(struct guest_cpu *waker, struct guest_thread *t);
void guest_block_curr(struct guest_cpu *gc);
void guest_spin_begin(struct guest_cpu *gc, int kind, void *obj);
void guest_spin_end(struct guest_cpu *gc);
void guest_op_done(struct guest_cpu *gc);
u64 guest_pause_loops_ns(const struct guest *g, u64 loops);
void waitq_push(struct guest_waitq *q, struct guest_thread *t);
struct guest_thread *waitq_pop(struct guest_waitq *q);
bool waitq_remove(struct guest_waitq *q, struct guest_thread *t);

/* guest/spinlock.c */
void guest_spin_lock(struct guest_cpu *gc, struct guest_spinlock *l);
void guest_spin_unlock(struct guest_cpu *gc, struct guest_spinlock *l);
/* curr spins on a lock: re-check (lock freed, head-ship); true when it got the lock */
bool guest_spin_lock_recheck(struct guest_cpu *gc);
/* curr's spin reached SPIN_THRESHOLD (PV): pv_wait */
void guest_spin_lock_threshold(struct guest_cpu *gc);
u64 guest_spin_lock_threshold_ns(struct guest_cpu *gc);
/* curr was halted in pv_wait and the vCPU resumed */
void guest_pv_wait_return(struct guest_cpu *gc);

/* guest/futex.c */
void guest_mutex_lock(struct guest_cpu *gc, struct guest_mutex *m);
void guest_mutex_unlock(struct guest_cpu *gc, struct guest_mutex *m);
bool guest_mutex_spin_recheck(struct guest_cpu *gc);
void guest_mutex_owner_preempted(struct guest *g, struct guest_thread *owner);
void guest_cond_wait(struct guest_cpu *gc, struct guest_cond *c, struct guest_mutex *m);
void guest_cond_signal(struct guest_cpu *gc, struct guest_cond *c, bool all);
void guest_sem_wait(struct guest_cpu *gc, struct guest_sem *s);
void guest_sem_post(struct guest_cpu *gc, struct guest_sem *s);

/* guest/smp.c */
void guest_send_ipi(struct guest_cpu *from, struct guest_cpu *to, int vector);
/* The guest's LAPIC timer fires on @gc (an hrtimer: GOP_SLEEP's end). */
void guest_timer_irq(struct guest_cpu *gc);
void guest_smp_call(struct guest_cpu *gc, int n, u64 handler_ns, bool tlb);
/* the IPI handler for @vector starts on gc: returns its length */
u64 guest_irq_begin(struct guest_cpu *gc, int vector);
void guest_irq_end(struct guest_cpu *gc);

#endif
