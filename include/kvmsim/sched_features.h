/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The modeled scheduler features, with the kernel's names and v6.18 defaults
 * (kernel/sched/features.h). Each is a scenario key: [sched] feature.NAME = 0|1.
 * Features the kernel has but the model does not use are not accepted as keys.
 */
SCHED_FEAT(PLACE_LAG, true)
SCHED_FEAT(PLACE_DEADLINE_INITIAL, true)
SCHED_FEAT(PLACE_REL_DEADLINE, true)
SCHED_FEAT(RUN_TO_PARITY, true)
SCHED_FEAT(PREEMPT_SHORT, true)
SCHED_FEAT(NEXT_BUDDY, false)
SCHED_FEAT(PICK_BUDDY, true)
SCHED_FEAT(CACHE_HOT_BUDDY, true)
SCHED_FEAT(WAKEUP_PREEMPTION, true)
SCHED_FEAT(DELAY_DEQUEUE, true)
SCHED_FEAT(DELAY_ZERO, true)
/*
 * The seed series v3 (June 2026): lag credit to the yield_to buddy. Only consulted under
 * [policy] yield = lag-credit-v3 (kernel/sched/yield_lag_credit_v3.c).
 */
SCHED_FEAT(YIELD_TO_LAG_CREDIT, true)
