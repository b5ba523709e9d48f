// SPDX-License-Identifier: GPL-2.0
/*
 * [policy] yield = next-buddy: K Prateek Nayak's first question on the seed's v1 cover
 * letter (11 Nov 2025): "Is NEXT_BUDDY enabled?" — the base kernel's yield_to with
 * SCHED_FEAT(NEXT_BUDDY) on (kernel/sched/features.h; off by default in v6.18 and in
 * v6.19 final, 4f70f106bca1). With [host] kernel = v6.18 it is the old wakeup buddy of
 * check_preempt_wakeup_fair(); with v6.19 the deadline-aware one of e837456fdca8
 * (kernel/sched/fair.c). The policy overrides [sched] feature.NEXT_BUDDY.
 */
#include "kvmsim/sched.h"

static void next_buddy_init(struct sched_params *p)
{
	p->feat[__SCHED_FEAT_NEXT_BUDDY] = true;
}

const struct yield_policy_ops yield_policy_next_buddy = {
	.id = YIELD_NEXT_BUDDY,
	.init = next_buddy_init,
};
