// SPDX-License-Identifier: GPL-2.0
/*
 * The LAPIC of arch/x86/kvm/lapic.c against the architecture (SDM vol. 3 ch. 11) and
 * the v6.18 kernel's semantics. Expected values are derived in comments; property tests
 * draw inputs from a fixed-seed splitmix64 and compare with independent oracles.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kvmsim/lapic.h"

static u64 rng = 0x9e3779b97f4a7c15ull;

static u64 rnd(void)
{
	u64 z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#define NV 8

struct vm {
	struct kvm_apic_map map;
	struct kvm_lapic apic[NV];
};

static void vm_init(struct vm *vm, int n, bool apicv)
{
	kvm_apic_map_init(&vm->map);
	for (int i = 0; i < n; i++) {
		assert_int_equal(kvm_create_lapic(&vm->apic[i], &vm->map, i), 0);
		vm->apic[i].apicv_active = apicv;
		kvm_apic_update_apicv(&vm->apic[i]);
		kvm_lapic_guest_enable(&vm->apic[i]);
	}
}

static struct kvm_lapic_irq fixed(u32 vector, u32 dest, u16 dest_mode, u32 shorthand)
{
	return (struct kvm_lapic_irq){.vector = vector,
				      .delivery_mode = APIC_DM_FIXED,
				      .dest_mode = dest_mode,
				      .level = true,
				      .trig_mode = 0,
				      .shorthand = shorthand,
				      .dest_id = dest};
}

/* apic_find_highest_vector() equals a naive scan from 255 down, on random bitmaps. */
static void test_highest_vector_property(void **state)
{
	for (int it = 0; it < 2000; it++) {
		u32 bm[APIC_VEC_WORDS];
		int naive = -1;

		for (int w = 0; w < APIC_VEC_WORDS; w++)
			bm[w] = (rnd() & 3) ? 0 : (u32)rnd() >> (rnd() % 32);
		for (int v = 255; v >= 0 && naive < 0; v--)
			if (bm[v / 32] >> (v % 32) & 1)
				naive = v;
		assert_int_equal(apic_find_highest_vector(bm), naive);
	}
}

/*
 * PPR (SDM 11.8.3.1): PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV & 0xF0, where ISRV
 * is the highest in-service vector (0 if none). A vector is deliverable iff its class
 * (vector[7:4]) is above PPR[7:4] — checked through kvm_apic_has_interrupt().
 */
static void test_ppr_and_deliverability_property(void **state)
{
	for (int it = 0; it < 2000; it++) {
		struct vm vm;
		struct kvm_lapic *a = &vm.apic[0];
		int isrv = 0, irrv = -1;
		u32 tpr = (u32)(rnd() & 0xff), want_ppr, ppr;

		vm_init(&vm, 1, false);
		/* in-service vectors restored as by kvm_apic_set_state(): bits, then recount */
		for (int k = rnd() % 3; k > 0; k--) {
			int v = 16 + (int)(rnd() % 240);

			apic_set_vector(v, a->isr);
			isrv = max(isrv, v);
		}
		kvm_apic_update_apicv(a);
		for (int k = rnd() % 3; k > 0; k--) {
			int v = 16 + (int)(rnd() % 240);

			kvm_lapic_set_irr(v, a);
			irrv = max(irrv, v);
		}
		kvm_lapic_set_tpr(a, tpr);
		want_ppr = (tpr & 0xf0) >= ((u32)isrv & 0xf0) ? tpr : ((u32)isrv & 0xf0);
		assert_int_equal(kvm_lapic_reg_read(a, APIC_PROCPRI, &ppr), 0);
		assert_int_equal(ppr, want_ppr);
		if (irrv >= 0 && ((u32)irrv & 0xf0) > (want_ppr & 0xf0))
			assert_int_equal(kvm_apic_has_interrupt(a), irrv);
		else
			assert_int_equal(kvm_apic_has_interrupt(a), -1);
	}
}

/*
 * Acknowledge and EOI: raise a random set of vectors, then alternate "inject at VM
 * entry" (kvm_cpu_get_interrupt) and EOI as a guest does, nesting when allowed. Taken
 * vectors are always the highest pending one above PPR; each EOI clears the highest
 * in-service vector (the one the guest is handling, a LIFO). At the end all are taken
 * exactly once and ISR/IRR are empty.
 */
static void test_inject_eoi_property(void **state)
{
	for (int it = 0; it < 500; it++) {
		struct vm vm;
		struct kvm_lapic *a = &vm.apic[0];
		bool raised[256] = {0};
		int stack[256], depth = 0, taken = 0, nraised = 0;

		vm_init(&vm, 1, false);
		for (int k = 1 + rnd() % 6; k > 0; k--) {
			int v = 32 + (int)(rnd() % 224);
			struct kvm_lapic_irq irq =
			    fixed((u32)v, 0, APIC_DEST_PHYSICAL, APIC_DEST_NOSHORT);

			assert_int_equal(kvm_irq_delivery_to_apic(&vm.map, NULL, &irq, NULL), 1);
			if (!raised[v])
				nraised++;
			raised[v] = true;
		}
		for (int step = 0; step < 64 && (taken < nraised || depth); step++) {
			int expect = -1, v;

			for (int x = 255; x >= 0; x--)
				if (raised[x]) {
					expect = x;
					break;
				}
			if (expect >= 0 && depth &&
			    ((u32)expect & 0xf0) <= ((u32)stack[depth - 1] & 0xf0))
				expect = -1; /* blocked by PPR (ISRV class) */
			if (expect >= 0 && (rnd() & 1)) {
				v = kvm_cpu_get_interrupt(a);
				assert_int_equal(v, expect);
				raised[v] = false;
				stack[depth++] = v;
				taken++;
			} else if (depth) {
				assert_int_equal(apic_set_eoi(a), stack[--depth]);
			}
		}
		assert_int_equal(taken, nraised);
		assert_int_equal(depth, 0);
		assert_int_equal(apic_find_highest_vector(a->isr), -1);
		assert_int_equal(apic_find_highest_vector(a->irr), -1);
	}
}

/*
 * Destinations against an oracle written from the SDM (11.6.2): physical = ID match or
 * 0xFF broadcast; logical flat = (LDR[31:24] & MDA) != 0; logical cluster = same high
 * nibble and low nibbles intersect; shorthands self / all-including / all-excluding.
 */
static bool oracle_match(const struct kvm_lapic *t, const struct kvm_lapic *src, u32 sh, u32 dest,
			 u16 mode)
{
	u32 lid = t->ldr >> 24;

	if (sh == APIC_DEST_SELF)
		return t == src;
	if (sh == APIC_DEST_ALLINC)
		return true;
	if (sh == APIC_DEST_ALLBUT)
		return t != src;
	if (dest == 0xff)
		return true;
	if (mode == APIC_DEST_PHYSICAL)
		return dest == t->id;
	if (t->dfr == APIC_DFR_FLAT)
		return (lid & dest) != 0;
	return (lid >> 4) == (dest >> 4) && (lid & dest & 0xf);
}

static void test_destination_property(void **state)
{
	static const u32 shorthands[] = {APIC_DEST_NOSHORT, APIC_DEST_SELF, APIC_DEST_ALLINC,
					 APIC_DEST_ALLBUT};

	for (int it = 0; it < 3000; it++) {
		struct vm vm;
		bool cluster = rnd() & 1;
		int src = (int)(rnd() % NV);
		u32 sh = shorthands[rnd() % 4], dest = (u32)(rnd() & 0xff);
		u16 mode = (rnd() & 1) ? APIC_DEST_LOGICAL : APIC_DEST_PHYSICAL;
		struct kvm_lapic_irq irq;
		struct kvm_apic_delivery out;
		int expect = 0, r;

		if (rnd() % 4 == 0)
			dest = rnd() & 1 ? 0xff : (u32)(rnd() % NV);
		vm_init(&vm, NV, false);
		for (int i = 0; i < NV; i++) {
			u32 lid = cluster ? (u32)(((rnd() % 3) << 4) | (1u << (rnd() % 4)))
					  : (u32)(rnd() & 0xff);

			kvm_lapic_reg_write(&vm.apic[i], APIC_DFR,
					    cluster ? APIC_DFR_CLUSTER : APIC_DFR_FLAT, NULL);
			kvm_lapic_reg_write(&vm.apic[i], APIC_LDR, lid << 24, NULL);
		}
		irq = fixed(0x40, dest, mode, sh);
		r = kvm_irq_delivery_to_apic(&vm.map, &vm.apic[src], &irq, &out);
		for (int i = 0; i < NV; i++) {
			bool m = oracle_match(&vm.apic[i], &vm.apic[src], sh, dest, mode);

			assert_int_equal(
			    kvm_apic_match_dest(&vm.apic[i], &vm.apic[src], (int)sh, dest, mode),
			    m);
			assert_int_equal(apic_test_vector(0x40, vm.apic[i].irr), m);
			expect += m;
		}
		/* kvm_irq_delivery_to_apic: -1 if no vCPU matched, else the count */
		assert_int_equal(r, expect ? expect : -1);
		assert_int_equal(out.nr, expect);
	}
}

/* x2APIC: 32-bit physical IDs, broadcast 0xffffffff, cluster LDR = (id>>4)<<16 | 1<<(id&15). */
static void test_x2apic_destinations(void **state)
{
	struct vm vm;
	struct kvm_apic_delivery out;

	vm_init(&vm, NV, false);
	for (int i = 0; i < NV; i++)
		kvm_lapic_set_x2apic(&vm.apic[i], true);
	/* vCPU 5: LDR = (0 << 16) | 1 << 5 = 0x20; logical dest 0x00000024 hits 2 and 5 */
	assert_int_equal(vm.apic[5].ldr, 0x20);
	assert_int_equal(
	    kvm_x2apic_icr_write(&vm.apic[0], (0x24ull << 32) | APIC_DEST_LOGICAL | 0x50, &out), 0);
	assert_int_equal(out.nr, 2);
	assert_int_equal(out.vcpu[0], 2);
	assert_int_equal(out.vcpu[1], 5);
	/* physical broadcast 0xffffffff hits all 8 */
	assert_int_equal(kvm_x2apic_icr_write(&vm.apic[0], (0xffffffffull << 32) | 0x51, &out), 0);
	assert_int_equal(out.nr, NV);
	/* LDR and DFR are read-only in x2APIC mode */
	assert_int_equal(kvm_lapic_reg_write(&vm.apic[0], APIC_LDR, 0, NULL), -EINVAL);
	assert_int_equal(kvm_lapic_reg_write(&vm.apic[0], APIC_DFR, 0, NULL), -EINVAL);
	/* SELF_IPI */
	assert_int_equal(kvm_lapic_reg_write(&vm.apic[3], APIC_SELF_IPI, 0x77, &out), 0);
	assert_int_equal(out.nr, 1);
	assert_int_equal(out.vcpu[0], 3);
}

/*
 * Lowest priority. With vector hashing (default) the target is the (vector % n)-th of
 * the n matching vCPUs in index order: flat logical 0xFF (all 8), vector 0x43 = 67,
 * 67 % 8 = 3 -> vCPU 3. Without hashing, the lowest apic_arb_prio, first on ties; each
 * LOWEST acceptance increments the target's arb_prio, so 8 deliveries rotate 0..7.
 */
static void test_lowest_priority(void **state)
{
	struct vm vm;
	struct kvm_apic_delivery out;
	struct kvm_lapic_irq irq;

	vm_init(&vm, NV, false);
	irq = fixed(0x43, 0xff, APIC_DEST_LOGICAL, APIC_DEST_NOSHORT);
	irq.delivery_mode = APIC_DM_LOWEST;
	assert_int_equal(kvm_irq_delivery_to_apic(&vm.map, NULL, &irq, &out), 1);
	assert_int_equal(out.nr, 1);
	assert_int_equal(out.vcpu[0], 3);

	vm_init(&vm, NV, false);
	vm.map.vector_hashing = false;
	for (int k = 0; k < NV; k++) {
		irq = fixed(0x43, 0xff, APIC_DEST_LOGICAL, APIC_DEST_NOSHORT);
		irq.delivery_mode = APIC_DM_LOWEST;
		assert_int_equal(kvm_irq_delivery_to_apic(&vm.map, NULL, &irq, &out), 1);
		assert_int_equal(out.vcpu[0], k);
	}
	/* physical broadcast + lowest priority is turned into fixed: all 8 */
	irq = fixed(0x44, 0xff, APIC_DEST_PHYSICAL, APIC_DEST_NOSHORT);
	irq.delivery_mode = APIC_DM_LOWEST;
	assert_int_equal(kvm_irq_delivery_to_apic(&vm.map, NULL, &irq, &out), NV);
}

/*
 * Exit-based vs posted delivery (vmx_deliver_interrupt): APICv off -> IRR + KVM_REQ_EVENT
 * + kick. APICv on, target IN_GUEST_MODE -> PIR + ON + notification IPI; a second vector
 * finds ON already set -> nothing sent; not in the guest -> wake. The running target's
 * CPU then takes the highest PIR vector without an exit, the next after EOI.
 */
static void test_posted_vs_exit(void **state)
{
	struct vm vm;
	struct kvm_apic_delivery out;
	struct kvm_lapic_irq irq;
	bool exited;

	vm_init(&vm, 2, false);
	irq = fixed(0x50, 1, APIC_DEST_PHYSICAL, APIC_DEST_NOSHORT);
	kvm_irq_delivery_to_apic(&vm.map, &vm.apic[0], &irq, &out);
	assert_int_equal(out.kick[0], KVM_APIC_KICK);
	assert_true(vm.apic[1].req_event);
	assert_true(apic_test_vector(0x50, vm.apic[1].irr));
	assert_false(kvm_arch_dy_has_pending_interrupt(&vm.apic[1]));
	assert_int_equal(kvm_apic_vcpu_entry(&vm.apic[1], true), 0x50);
	assert_int_equal(kvm_apic_guest_eoi(&vm.apic[1], &exited), 0x50);
	assert_true(exited); /* trapped EOI without APICv */

	vm_init(&vm, 2, true);
	vm.apic[1].in_guest_mode = true;
	irq = fixed(0x50, 1, APIC_DEST_PHYSICAL, APIC_DEST_NOSHORT);
	kvm_irq_delivery_to_apic(&vm.map, &vm.apic[0], &irq, &out);
	assert_int_equal(out.kick[0], KVM_APIC_POSTED_IPI);
	assert_false(vm.apic[1].req_event);
	assert_true(kvm_arch_dy_has_pending_interrupt(&vm.apic[1]));
	irq = fixed(0x60, 1, APIC_DEST_PHYSICAL, APIC_DEST_NOSHORT);
	kvm_irq_delivery_to_apic(&vm.map, &vm.apic[0], &irq, &out);
	assert_int_equal(out.kick[0], KVM_APIC_POSTED_COALESCED);
	assert_int_equal(kvm_apic_guest_poll(&vm.apic[1], true), 0x60);
	assert_int_equal(kvm_apic_guest_poll(&vm.apic[1], true), -1); /* 0x50 below PPR 0x60 */
	assert_int_equal(kvm_apic_guest_eoi(&vm.apic[1], &exited), 0x60);
	assert_false(exited); /* virtualized EOI */
	assert_int_equal(kvm_apic_guest_poll(&vm.apic[1], true), 0x50);

	vm.apic[1].in_guest_mode = false;
	irq = fixed(0x70, 1, APIC_DEST_PHYSICAL, APIC_DEST_NOSHORT);
	kvm_irq_delivery_to_apic(&vm.map, &vm.apic[0], &irq, &out);
	assert_int_equal(out.kick[0], KVM_APIC_WAKE);
}

struct hooks {
	int ipis, eois, last_src, last_dst, last_eoi;
};

static void ipi_hook(void *opaque, struct kvm_lapic *src, struct kvm_lapic *dst,
		     const struct kvm_lapic_irq *irq)
{
	struct hooks *h = opaque;

	h->ipis++;
	h->last_src = src->vcpu_idx;
	h->last_dst = dst->vcpu_idx;
}

static void eoi_hook(void *opaque, struct kvm_lapic *apic, int vector)
{
	struct hooks *h = opaque;

	h->eois++;
	h->last_eoi = vector;
}

/*
 * The IPI-tracking hook fires only for a LAPIC-originated fixed IPI without shorthand
 * accepted by exactly one other vCPU (vcpu-scheduling-series.md 1.2). The EOI hook
 * fires for the trapped EOI and for an EOI-induced exit, not for a virtualized EOI.
 */
static void test_hooks(void **state)
{
	struct vm vm;
	struct hooks h = {0};
	struct kvm_lapic_irq irq;
	bool exited;

	vm_init(&vm, 4, false);
	vm.map.ipi_hook = ipi_hook;
	vm.map.eoi_hook = eoi_hook;
	vm.map.hook_opaque = &h;

	/* xAPIC ICR write: ICR2 dest 2, ICR fixed physical vector 0xfd from vCPU 1 */
	kvm_lapic_reg_write(&vm.apic[1], APIC_ICR2, 2u << 24, NULL);
	kvm_lapic_reg_write(&vm.apic[1], APIC_ICR, 0xfd, NULL);
	assert_int_equal(h.ipis, 1);
	assert_int_equal(h.last_src, 1);
	assert_int_equal(h.last_dst, 2);
	/* not tracked: self IPI, shorthand all-but-self, broadcast, NMI, two targets, no src */
	kvm_lapic_reg_write(&vm.apic[1], APIC_ICR2, 1u << 24, NULL);
	kvm_lapic_reg_write(&vm.apic[1], APIC_ICR, 0xfd, NULL);
	kvm_lapic_reg_write(&vm.apic[1], APIC_ICR, APIC_DEST_ALLBUT | 0xfd, NULL);
	kvm_lapic_reg_write(&vm.apic[1], APIC_ICR2, 0xffu << 24, NULL);
	kvm_lapic_reg_write(&vm.apic[1], APIC_ICR, 0xfd, NULL);
	kvm_lapic_reg_write(&vm.apic[1], APIC_ICR2, 3u << 24, NULL);
	kvm_lapic_reg_write(&vm.apic[1], APIC_ICR, APIC_DM_NMI, NULL);
	/* logical flat: LDR of vCPU i is BIT(i): 0x0c = vCPUs 2 and 3 */
	kvm_lapic_reg_write(&vm.apic[1], APIC_ICR2, 0x0cu << 24, NULL);
	kvm_lapic_reg_write(&vm.apic[1], APIC_ICR, APIC_DEST_LOGICAL | 0xfc, NULL);
	irq = fixed(0xfb, 3, APIC_DEST_PHYSICAL, APIC_DEST_NOSHORT);
	kvm_irq_delivery_to_apic(&vm.map, NULL, &irq, NULL);
	/* all-but-self that only vCPU 0 accepts (2 and 3 software-disabled): one target,
	 * but a shorthand, so not tracked */
	kvm_lapic_reg_write(&vm.apic[2], APIC_SPIV, 0xff, NULL);
	kvm_lapic_reg_write(&vm.apic[3], APIC_SPIV, 0xff, NULL);
	{
		struct kvm_apic_delivery out;

		kvm_lapic_reg_write(&vm.apic[1], APIC_ICR, APIC_DEST_ALLBUT | 0xfa, &out);
		assert_int_equal(out.nr, 1);
		assert_int_equal(out.vcpu[0], 0);
	}
	kvm_lapic_reg_write(&vm.apic[2], APIC_SPIV, 0x1ff, NULL);
	kvm_lapic_reg_write(&vm.apic[3], APIC_SPIV, 0x1ff, NULL);
	assert_int_equal(h.ipis, 1);
	assert_int_equal(vm.apic[3].nmi_pending, 1);

	/* vCPU 2: 0xfd then trapped EOI -> hook with 0xfd */
	assert_int_equal(kvm_apic_vcpu_entry(&vm.apic[2], true), 0xfd);
	assert_int_equal(kvm_apic_guest_eoi(&vm.apic[2], &exited), 0xfd);
	assert_int_equal(h.eois, 1);
	assert_int_equal(h.last_eoi, 0xfd);
	/* EOI with an empty ISR: no hook */
	kvm_lapic_reg_write(&vm.apic[0], APIC_EOI, 0, NULL);
	assert_int_equal(h.eois, 1);

	/* APICv: virtualized EOI -> no hook; vector in the EOI-exit bitmap -> hook */
	kvm_lapic_reset(&vm.apic[0]); /* drop the broadcasts vCPU 0 received above */
	kvm_lapic_guest_enable(&vm.apic[0]);
	vm.apic[0].apicv_active = true;
	kvm_apic_update_apicv(&vm.apic[0]);
	vm.apic[0].eoi_exit_bitmap[0x90 >> 6] |= BIT_ULL(0x90 & 63);
	vm.apic[0].in_guest_mode = true;
	irq = fixed(0x80, 0, APIC_DEST_PHYSICAL, APIC_DEST_NOSHORT);
	kvm_irq_delivery_to_apic(&vm.map, NULL, &irq, NULL);
	assert_int_equal(kvm_apic_guest_poll(&vm.apic[0], true), 0x80);
	assert_int_equal(kvm_apic_guest_eoi(&vm.apic[0], &exited), 0x80);
	assert_false(exited);
	assert_int_equal(h.eois, 1);
	irq = fixed(0x90, 0, APIC_DEST_PHYSICAL, APIC_DEST_NOSHORT);
	kvm_irq_delivery_to_apic(&vm.map, NULL, &irq, NULL);
	assert_int_equal(kvm_apic_guest_poll(&vm.apic[0], true), 0x90);
	assert_int_equal(kvm_apic_guest_eoi(&vm.apic[0], &exited), 0x90);
	assert_true(exited);
	assert_int_equal(h.eois, 2);
	assert_int_equal(h.last_eoi, 0x90);
}

/*
 * Acceptance rules of __apic_accept_irq: a software-disabled APIC (SVR bit 8 clear)
 * refuses fixed interrupts; a level-triggered deassert is ignored; a level-triggered
 * assert sets TMR; REMRD (the PV kick) sets pv_unhalted; INIT/SIPI are recorded.
 */
static void test_accept_rules(void **state)
{
	struct vm vm;
	struct kvm_lapic_irq irq;
	struct kvm_apic_delivery out;

	vm_init(&vm, 2, false);
	kvm_lapic_reg_write(&vm.apic[1], APIC_SPIV, 0xff, NULL);
	irq = fixed(0x41, 1, APIC_DEST_PHYSICAL, APIC_DEST_NOSHORT);
	assert_int_equal(kvm_irq_delivery_to_apic(&vm.map, &vm.apic[0], &irq, &out), 0);
	assert_int_equal(out.nr, 0);
	kvm_lapic_reg_write(&vm.apic[1], APIC_SPIV, 0x1ff, NULL);

	irq.trig_mode = 1;
	irq.level = false;
	assert_int_equal(kvm_apic_set_irq(&vm.apic[1], &irq, NULL), 0);
	irq.level = true;
	assert_int_equal(kvm_apic_set_irq(&vm.apic[1], &irq, NULL), 1);
	assert_true(apic_test_vector(0x41, vm.apic[1].tmr));

	kvm_lapic_reg_write(&vm.apic[0], APIC_ICR2, 1u << 24, NULL);
	kvm_lapic_reg_write(&vm.apic[0], APIC_ICR, APIC_DM_REMRD, &out);
	assert_int_equal(out.nr, 1);
	assert_int_equal(out.kick[0], KVM_APIC_KICK);
	assert_true(vm.apic[1].pv_unhalted);
	kvm_lapic_reg_write(&vm.apic[0], APIC_ICR, APIC_DM_INIT | APIC_INT_ASSERT, NULL);
	kvm_lapic_reg_write(&vm.apic[0], APIC_ICR, APIC_DM_STARTUP | 0x9a, NULL);
	assert_true(vm.apic[1].init_pending);
	assert_int_equal(vm.apic[1].sipi_vector, 0x9a);
	/* unknown register */
	assert_int_equal(kvm_lapic_reg_write(&vm.apic[0], 0x3e0, 0, NULL), -EINVAL);
	/* a second LAPIC for the same vCPU index */
	{
		struct kvm_lapic spare;

		assert_int_equal(kvm_create_lapic(&spare, &vm.map, 0), -EEXIST);
		assert_int_equal(kvm_create_lapic(&spare, &vm.map, KVM_APIC_MAX_VCPUS), -EINVAL);
		assert_ptr_equal(vm.map.apic[0], &vm.apic[0]);
	}
}

/*
 * PV send-IPI (KVM_HC_SEND_IPI): bit i of the low bitmap is APIC ID min + i, of the high
 * one min + 64 + i (64-bit guest). min = 1, low = 0b101 -> IDs 1 and 3; high bit 0 ->
 * ID 65, absent. Count 2, in ID order. A 32-bit guest: high bit 1 -> ID min + 32 + 1.
 * Logical or shorthand ICRs are refused. The IPI hook is not called on this path.
 */
static void test_pv_send_ipi(void **state)
{
	struct vm vm;
	struct hooks h = {0};
	struct kvm_apic_delivery out;

	vm_init(&vm, NV, false);
	vm.map.ipi_hook = ipi_hook;
	vm.map.hook_opaque = &h;
	assert_int_equal(kvm_pv_send_ipi(&vm.map, 0x5, 0x1, 1, 0xf7, true, &out), 2);
	assert_int_equal(out.nr, 2);
	assert_int_equal(out.vcpu[0], 1);
	assert_int_equal(out.vcpu[1], 3);
	assert_true(apic_test_vector(0xf7, vm.apic[3].irr));
	assert_int_equal(h.ipis, 0);
	/* 32-bit: min 0, high bitmap bit 1 -> APIC ID 33: absent; low bit 7 -> ID 7 */
	assert_int_equal(kvm_pv_send_ipi(&vm.map, 0x80, 0x2, 0, 0xf6, false, &out), 1);
	assert_int_equal(out.vcpu[0], 7);
	assert_int_equal(kvm_pv_send_ipi(&vm.map, 1, 0, 0, APIC_DEST_LOGICAL | 0xf6, true, &out),
			 -EINVAL);
	assert_int_equal(kvm_pv_send_ipi(&vm.map, 1, 0, 0, APIC_DEST_ALLINC | 0xf6, true, &out),
			 -EINVAL);
	assert_ptr_equal(kvm_apic_map_phys(&vm.map, 5), &vm.apic[5]);
	assert_null(kvm_apic_map_phys(&vm.map, 99));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_highest_vector_property),
	    cmocka_unit_test(test_ppr_and_deliverability_property),
	    cmocka_unit_test(test_inject_eoi_property),
	    cmocka_unit_test(test_destination_property),
	    cmocka_unit_test(test_x2apic_destinations),
	    cmocka_unit_test(test_lowest_priority),
	    cmocka_unit_test(test_posted_vs_exit),
	    cmocka_unit_test(test_hooks),
	    cmocka_unit_test(test_accept_rules),
	    cmocka_unit_test(test_pv_send_ipi),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
