/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host scheduler model: the fair class (EEVDF) with group scheduling, as in Linux
 * v6.18 / v6.19 kernel/sched/{fair.c,core.c,syscalls.c,pelt.c,sched.h}. Field and
 * function names follow the kernel; docs/model/sched.md lists what is simplified.
 *
 * All weights are in the unscaled domain (scale_load_down(): nice 0 == 1024), which is
 * what every EEVDF computation uses.
 */
#ifndef KVMSIM_SCHED_H
#define KVMSIM_SCHED_H

#include <stdio.h>

#include "kvmsim/cpumask.h"
#include "kvmsim/scenario.h"
#include "kvmsim/sim.h"
#include "kvmsim/stats.h"
#include "kvmsim/types.h"

#define NICE_0_LOAD 1024ul
#define MIN_SHARES 2ul
#define MAX_SHARES (1ul << 18)
#define WMULT_CONST (~0u)
#define WMULT_SHIFT 32

/* enqueue/dequeue flags (kernel/sched/sched.h) */
#define DEQUEUE_SLEEP 0x01
#define DEQUEUE_SAVE 0x02
#define DEQUEUE_MOVE 0x04
#define DEQUEUE_SPECIAL 0x10
#define DEQUEUE_DELAYED 0x200
#define ENQUEUE_WAKEUP 0x01
#define ENQUEUE_RESTORE 0x02
#define ENQUEUE_MOVE 0x04
#define ENQUEUE_INITIAL 0x80
#define ENQUEUE_MIGRATED 0x40
#define ENQUEUE_DELAYED 0x200

/* wake flags */
#define WF_SYNC 0x10
#define WF_FORK 0x04
/* model: woken from the task running on the target CPU (task context, not an interrupt) */
#define WF_TASK_CTX 0x1000

struct load_weight {
	unsigned long weight;
	u32 inv_weight;
};

/* PELT-like load average of a cfs_rq's load.weight (kernel/sched/pelt.c). */
struct sched_avg {
	u64 last_update_time;
	u32 period_contrib;	/* ns into the current 1024 us period */
	u64 partial;		/* weight * ns accumulated in the current period */
	u64 load_avg_fp;	/* load_avg << PELT_FP_SHIFT */
};

#define PELT_FP_SHIFT 16

struct cfs_rq;
struct rq;
struct task_group;
struct task_struct;
struct host;

struct sched_entity {
	struct load_weight load;
	/* the timeline: a treap keyed by deadline (ties: enqueue order), augmented with the
	 * subtree minimum vruntime, standing in for the kernel's augmented rbtree */
	struct sched_entity *tl, *tr;
	u64 tprio, tseq, tkey;
	u64 min_vruntime;	/* of the subtree */

	u64 deadline;
	u64 vruntime;
	s64 vlag;
	u64 vprot;		/* a union with vlag in v6.17+; kept apart here, see docs */
	u64 slice;

	u64 exec_start;
	u64 sum_exec_runtime;
	u64 prev_sum_exec_runtime;

	bool on_rq;
	bool sched_delayed;
	bool rel_deadline;

	int depth;
	struct sched_entity *parent;
	struct cfs_rq *cfs_rq;	/* the queue this entity is (to be) queued on */
	struct cfs_rq *my_q;	/* the queue this group entity owns; NULL for tasks */
	struct task_struct *task; /* NULL for group entities */
};

struct cfs_rq {
	struct load_weight load;	/* sum of queued entities (curr and delayed included) */
	unsigned int nr_queued;		/* entities on this level */
	unsigned int h_nr_queued;	/* tasks in the subtree, delayed included */
	unsigned int h_nr_runnable;	/* tasks in the subtree, delayed excluded */

	s64 avg_vruntime;		/* sum over the tree of (v_i - v0) * w_i */
	u64 avg_load;			/* sum over the tree of w_i */
	u64 min_vruntime;		/* v0 for v6.18 */
	u64 zero_vruntime;		/* v0 for v6.19 */

	struct sched_entity *root;	/* the timeline (curr is not in it) */
	struct sched_entity *curr, *next;

	struct sched_avg avg;
	u64 tg_load_avg_contrib;

	struct rq *rq;
	struct task_group *tg;
	u64 tseq;			/* enqueue counter for the timeline's tie order */
};

struct task_group {
	char name[SCN_NAME_MAX];
	unsigned long shares;
	struct task_group *parent;
	int depth;			/* of its entities: children of root are 0 */
	struct sched_entity **se;	/* per CPU; NULL for the root group */
	struct cfs_rq **cfs_rq;		/* per CPU */
	u64 load_avg;			/* sum of the per-CPU tg_load_avg_contrib */
	/* statistics */
	u64 runtime_at_warmup;
};

enum task_state {
	TASK_RUNNING,
	TASK_INTERRUPTIBLE,
};

/* What a task does when it runs: the host-task behaviours, and later vCPU threads. */
struct task_ops {
	/* @p has just been switched in on its CPU. */
	void (*switched_in)(struct task_struct *p);
	/* @p is being switched out (preempted, blocked or yielded). */
	void (*switched_out)(struct task_struct *p);
	/* Optional: another task was enqueued on the CPU @p runs on. Must not schedule. */
	void (*rq_enqueued)(struct task_struct *p);
};

struct task_struct {
	char name[SCN_NAME_MAX + 16];
	int id;
	struct sched_entity se;
	struct task_group *tg;
	int nice;
	struct cpumask cpus_mask;
	int nr_cpus_allowed;
	enum task_state __state;
	int cpu;			/* the CPU it is queued on / ran on last */
	bool on_cpu;
	struct host *host;

	const struct task_ops *ops;
	void *ops_data;

	/* statistics */
	u64 runnable_since;		/* start of the current runnable-but-not-running spell */
	bool waiting;
	struct hist wait;
	u64 nr_switches;
	u64 runtime_at_warmup;
	u64 nr_switches_at_warmup;
	u64 last_ran;			/* for cache-hotness in balancing */

	/*
	 * The task's place in rq->cfs_tasks (kernel: se.group_node), the list the load balancer
	 * walks from its tail: fair.c adds a task at the head when it is enqueued and moves it
	 * there when it is picked. Kept as a stamp: the larger, the nearer the head.
	 */
	u64 cfs_tasks_seq;
};

/*
 * The sched domain of the load balancer (include/linux/sched/topology.h; sd_init() in
 * kernel/sched/topology.c). The model builds one level spanning every CPU, with one group
 * per CPU: what a machine whose CPUs share a last-level cache and have no SMT siblings gets
 * (the MC level). Each CPU has its own copy, as in the kernel.
 */
struct sched_domain {
	unsigned int flags;		/* SD_* (kernel/sched/balance.c) */
	int span_weight;
	u64 min_interval, max_interval;	/* ns; the kernel's are ms: sd_weight, 2 * sd_weight */
	u64 balance_interval;		/* ns, backs off from min_interval to max_interval */
	unsigned int busy_factor;
	unsigned int imbalance_pct;
	unsigned int cache_nice_tries;
	unsigned int nr_balance_failed;
	u64 last_balance;		/* jiffies */
	/* statistics */
	u64 lb_count, lb_failed, lb_gained, alb_pushed;
};

/* Per-rq counters of the yield_to policies (kernel/sched/yield_*.c); 0 under baseline. */
struct yield_policy_stats {
	u64 calls;		/* yield_to_task_fair() with a queued target */
	u64 rate_limited;	/* debooster / v3 resched: skipped by the 6 ms limit */
	u64 rejected;		/* debooster: failed validation or LCA checks */
	u64 applied;		/* a vruntime/lag change was made */
	u64 debounced;		/* debooster: the reverse-pair debounce lowered the penalty */
	u64 penalty_ns;		/* debooster: sum of the penalties applied (virtual ns) */
	u64 credit_ns;		/* v3: sum of the lag credited (virtual ns) */
};

struct rq {
	int cpu;
	struct host *host;
	struct cfs_rq cfs;
	struct task_struct *curr;	/* NULL: idle */
	unsigned int nr_running;	/* fair tasks queued, delayed ones included */
	u64 clock, clock_task;
	bool need_resched;		/* TIF_NEED_RESCHED of curr */
	bool need_resched_lazy;		/* TIF_NEED_RESCHED_LAZY of curr */

	struct sim_event tick;
	struct sim_event resched;	/* a pending reschedule (IPI or return from interrupt) */

	/* the load balancer (kernel/sched/balance.c) */
	struct sched_domain sd;
	u64 next_balance;		/* jiffies */
	bool active_balance;		/* an active balance is queued on this CPU's stopper */
	int push_cpu;
	struct sim_event active_balance_work;
	struct sched_avg util_avg;	/* PELT average of the CPU's busy time (util_avg) */
	u64 util_busy_ns;		/* busy time at util_avg's last update */

	u64 idle_ns, idle_since;
	u64 trace_since;
	u64 nr_switches;

	/*
	 * The seed's vCPU debooster, v1 patch 1 (kernel/sched/sched.h): the rate limit's
	 * last call and the last recorded (yielder, target) pair. Task ids stand in for pids
	 * (-1: none).
	 */
	u64 yield_deboost_last_time_ns;
	int yield_deboost_last_src_pid;
	int yield_deboost_last_dst_pid;
	u64 yield_deboost_last_pair_time_ns;
	/* lag-credit-v3: the last forced resched (its 6 ms rate limit) */
	u64 yield_lag_credit_last_resched_ns;
	struct yield_policy_stats ystats;
};

/* Sysctls and features of the model (from [host] and [sched]). */
struct sched_params {
	enum sched_kernel kernel;
	enum preempt_model preempt;
	int hz;
	u64 tick_nsec;
	u64 normalized_sysctl_sched_base_slice;
	u64 sysctl_sched_base_slice;	/* scaled by the CPU count */
	u64 sysctl_sched_migration_cost;
	u64 balance_interval;
	bool feat[__SCHED_FEAT_NR];

	/* [policy] yield and its scheduler-side knobs (kernel/sched/yield_policy.c) */
	enum yield_policy yield_policy;
	unsigned int sysctl_sched_vcpu_debooster_enabled; /* resolved: 0 or 1 */
	u64 yield_deboost_rate_limit_ns;	/* 6 ms as posted; 0: no limit (tests only) */
	u64 yield_deboost_debounce_ns;		/* 600 us as posted */
};

#define sched_feat(h, x) ((h)->params.feat[__SCHED_FEAT_##x])

struct sched_check_stats {
	u64 checks;
	u64 lag_checks;
	u64 pick_checks;
};

struct host {
	struct sim *sim;
	struct sched_params params;
	int nr_cpus;
	struct rq *rqs;
	struct task_group root_task_group;
	struct task_group **tgs;
	int nr_tgs;
	struct task_struct **tasks;
	int nr_tasks;
	u64 warmup_end;
	bool warmed_up;
	u64 tprio_state;		/* splitmix state for treap priorities */
	u64 cfs_tasks_seq;		/* the last task_struct.cfs_tasks_seq given out */
	int this_cpu;			/* the CPU handling the current event, -1: none */

	bool check;
	struct sched_check_stats check_stats;
	FILE *trace;
	bool trace_first;
	int (*check_fail)(struct host *h, const char *what); /* default: abort() */
};

/* kernel/sched/core.c */
extern const int sched_prio_to_weight[40];
int host_init(struct host *h, struct sim *sim, const struct scenario *s);
void host_destroy(struct host *h);
struct task_group *sched_create_group(struct host *h, const char *name, struct task_group *parent,
				      unsigned long shares);
struct task_struct *sched_create_task(struct host *h, const char *name, struct task_group *tg,
				      int nice, const struct cpumask *cpus);
void wake_up_new_task(struct task_struct *p);
int try_to_wake_up(struct task_struct *p, int wake_flags);
void resched_curr(struct rq *rq);
void wakeup_preempt(struct rq *rq, struct task_struct *p, int wake_flags);
void resched_curr_lazy(struct rq *rq);
void __schedule(struct rq *rq);
/* The running task @p blocks (sets its state and calls schedule()). */
void sched_block_current(struct task_struct *p);
void update_rq_clock(struct rq *rq);
void activate_task(struct rq *rq, struct task_struct *p, int flags);
void deactivate_task(struct rq *rq, struct task_struct *p, int flags);
void set_task_cpu(struct task_struct *p, int cpu);
static inline struct rq *task_rq(struct task_struct *p)
{
	return &p->host->rqs[p->cpu];
}
static inline bool task_on_cpu(struct rq *rq, struct task_struct *p)
{
	return rq->curr == p;
}
static inline bool task_is_running(struct task_struct *p)
{
	return p->__state == TASK_RUNNING;
}
static inline bool task_on_rq_queued(struct task_struct *p)
{
	return p->se.on_rq;
}

/* kernel/sched/syscalls.c */
void do_sched_yield(struct task_struct *curr);
int yield_to(struct task_struct *curr, struct task_struct *p, bool preempt);

/* kernel/sched/fair.c */
u64 __calc_delta(u64 delta_exec, unsigned long weight, struct load_weight *lw);
u64 calc_delta_fair(u64 delta, struct sched_entity *se);
u64 avg_vruntime(struct cfs_rq *cfs_rq);
int entity_eligible(struct cfs_rq *cfs_rq, struct sched_entity *se);
int vruntime_eligible(struct cfs_rq *cfs_rq, u64 vruntime);
void update_curr(struct cfs_rq *cfs_rq);
struct sched_entity *__pick_eevdf(struct cfs_rq *cfs_rq, bool protect);
struct sched_entity *__pick_first_entity(struct cfs_rq *cfs_rq);
bool protect_slice(struct sched_entity *se);
void set_next_buddy(struct sched_entity *se);
void clear_buddies(struct cfs_rq *cfs_rq, struct sched_entity *se);
void enqueue_task_fair(struct rq *rq, struct task_struct *p, int flags);
bool dequeue_task_fair(struct rq *rq, struct task_struct *p, int flags);
struct task_struct *pick_next_task_fair(struct rq *rq, struct task_struct *prev);
void put_prev_task_fair(struct rq *rq, struct task_struct *prev);
void task_tick_fair(struct rq *rq, struct task_struct *curr);
void check_preempt_wakeup_fair(struct rq *rq, struct task_struct *p, int wake_flags);
void yield_task_fair(struct rq *rq);
bool yield_to_task_fair(struct rq *rq, struct task_struct *p);
void find_matching_se(struct sched_entity **se, struct sched_entity **pse);
void reweight_entity(struct cfs_rq *cfs_rq, struct sched_entity *se, unsigned long weight);
void update_cfs_group(struct sched_entity *se);
long calc_group_shares(struct cfs_rq *cfs_rq);
unsigned long scale_load_down_weight(int nice);
static inline struct cfs_rq *cfs_rq_of(struct sched_entity *se)
{
	return se->cfs_rq;
}
static inline struct cfs_rq *group_cfs_rq(struct sched_entity *se)
{
	return se->my_q;
}
static inline bool entity_is_task(struct sched_entity *se)
{
	return se->task != NULL;
}
#define for_each_sched_entity(se) for (; se; se = (se)->parent)
static inline struct host *cfs_host(struct cfs_rq *cfs_rq)
{
	return cfs_rq->rq->host;
}

/*
 * fair.c internals that the yield_to policies (kernel/sched/yield_*.c) use, as the
 * series' patches use them from inside fair.c.
 */
void update_min_vruntime(struct cfs_rq *cfs_rq);
void place_entity(struct cfs_rq *cfs_rq, struct sched_entity *se, int flags);
void __enqueue_entity(struct cfs_rq *cfs_rq, struct sched_entity *se);
void __dequeue_entity(struct cfs_rq *cfs_rq, struct sched_entity *se);
void cancel_protect_slice(struct sched_entity *se);
s64 entity_lag_limit(struct cfs_rq *cfs_rq, struct sched_entity *se);
/* The base kernel's yield_task_fair() / yield_to_task_fair(), before any policy. */
void __yield_task_fair(struct rq *rq);
bool __yield_to_task_fair(struct rq *rq, struct task_struct *p);

/*
 * kernel/sched/yield_policy.c: the [policy] yield designs that live in the scheduler.
 * Each policy's file says where it comes from and which kernel function it changes;
 * docs/model/policies.md gives the exact rules.
 */
struct yield_policy_ops {
	enum yield_policy id;
	/* replaces yield_to_task_fair() (called with a queued target); NULL: the base's */
	bool (*yield_to_task)(struct rq *rq, struct task_struct *p);
	/* replaces yield_task_fair() (sched_yield and yield_to); NULL: the base's */
	void (*yield_task)(struct rq *rq);
	/* adjusts the sysctls and features at start-up; NULL: nothing */
	void (*init)(struct sched_params *p);
	bool has_debooster;	/* the seed's sched part: [sched] vcpu_debooster_enabled applies */
};

const struct yield_policy_ops *yield_policy_ops_of(enum yield_policy id);
/* Resolve [policy] yield and the scheduler knobs into @p (from host_init()). */
void sched_yield_policy_init(struct sched_params *p, const struct scenario *s);
/* The per-rq state of the policies (from host_init()). */
void init_rq_yield(struct rq *rq);

extern const struct yield_policy_ops yield_policy_seed_v1;
extern const struct yield_policy_ops yield_policy_seed_v1_sched;
extern const struct yield_policy_ops yield_policy_seed_v2;
extern const struct yield_policy_ops yield_policy_lag_credit_v3;
extern const struct yield_policy_ops yield_policy_prateek;
extern const struct yield_policy_ops yield_policy_ishiguro;
extern const struct yield_policy_ops yield_policy_borntraeger;
extern const struct yield_policy_ops yield_policy_segall_swap;
extern const struct yield_policy_ops yield_policy_next_buddy;

/* fair.c: list_add()/list_move() of se.group_node to the head of rq->cfs_tasks */
static inline void cfs_tasks_add_head(struct task_struct *p)
{
	p->cfs_tasks_seq = ++p->host->cfs_tasks_seq;
}

/* kernel/sched/pelt.c */
void ___update_load_avg(u64 now, struct sched_avg *sa, unsigned long load);
void update_cfs_rq_load_avg(u64 now, struct cfs_rq *cfs_rq);
void cfs_rq_move_load_avg(struct cfs_rq *cfs_rq, long delta);
u64 cfs_rq_load_avg(struct cfs_rq *cfs_rq);
void update_tg_load_avg(struct cfs_rq *cfs_rq);
u64 decay_load(u64 val, u64 n);

/* kernel/sched/balance.c */
int select_task_rq_fair(struct task_struct *p, int prev_cpu, int wake_flags);
void sched_init_domains(struct host *h);
void sched_balance_trigger(struct rq *rq);
int sched_balance_newidle(struct rq *rq);

/* kernel/sched/debug.c: the invariant checker (--check) */
void sched_check_rq(struct rq *rq, const char *where);
void sched_check_lag_after_place(struct cfs_rq *cfs_rq, struct sched_entity *se);
void sched_check_pick(struct cfs_rq *cfs_rq, struct sched_entity *picked, bool buddy);
void sched_check_failed(struct host *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Chrome trace events (sim/trace.c) */
void trace_begin(struct host *h);
void trace_switch(struct rq *rq, struct task_struct *prev, struct task_struct *next);
void trace_end(struct host *h);

#endif
