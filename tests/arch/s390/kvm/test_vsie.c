// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the s390 VSIE shadow-SCA model (arch/s390/kvm/vsie.c) against the RFC v2
 * semantics in ../shared/spec/s390-vsie.md. Expected addresses are derived independently
 * of vsie.c: through the guest-2 memory map (s390_gpa_to_hpa) and the architecture's
 * offsets (BSCA entries at 64 + 32 n, ESCA entries at 256 + 64 n).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kvmsim/s390_vsie.h"

#define SCA_A 0x100000ull /* page 256 */
#define SCA_B 0x110000ull
#define SCA_C 0x120000ull
#define SCB_A 0x200000ull
#define SCB_B 0x210000ull
#define SCB_C 0x220000ull

/* the layout, once more at compile time here: sizes and offsets of the architecture */
_Static_assert(sizeof(struct bsca_block) == 2112 && offsetof(struct bsca_block, mcn) == 48 &&
		   offsetof(struct bsca_block, cpu) == 64,
	       "bsca");
_Static_assert(sizeof(struct esca_block) == 16128 && offsetof(struct esca_block, mcn) == 64 &&
		   offsetof(struct esca_block, cpu) == 256,
	       "esca");
_Static_assert(sizeof(struct ssca_block) == 8256 && offsetof(struct ssca_block, cpu) == 64, "ssca");
_Static_assert(sizeof(struct kvm_s390_sie_block) == 512 &&
		   offsetof(struct kvm_s390_sie_block, osda) == 0x1c0,
	       "sie block");

static struct s390_kvm *vm(unsigned int defects, unsigned int sca_max, int nr_vcpus)
{
	struct s390_kvm_config cfg = {
	    .nr_vcpus = nr_vcpus,
	    .g2_pages = 1024,
	    .host_pages = 1024,
	    .sclp = {.has_sief2 = true,
		     .has_64bscao = true,
		     .has_esca = true,
		     .has_sigpif = true,
		     .has_vsie_sigpif = true},
	    .vsie_shadow_sca_max = sca_max,
	    .rfc_defects = defects,
	};
	struct s390_kvm *kvm;

	assert_int_equal(s390_kvm_create_vm(&kvm, &cfg), 0);
	return kvm;
}

static hpa_t hpa_of(struct s390_kvm *kvm, gpa_t gpa)
{
	hpa_t h;

	assert_int_equal(s390_gpa_to_hpa(kvm, gpa, &h), 0);
	return h;
}

static gpa_t entry_gpa(const struct s390_g3_config *cfg, int n)
{
	return cfg->sca_gpa + (cfg->esca ? 256 + 64ull * n : 64 + 32ull * n);
}

/*
 * Every valid CPU n of cfg has ssca->cpu[n].ssda = the hpa of the shadow block of the
 * vsie_page caching n's original block, and ossea = the hpa of n's entry in guest-2's SCA;
 * every other entry is empty; osca = hpa of the SCA. Returns the number of entries.
 */
static int check_shadow(struct s390_kvm *kvm, const struct s390_g3_config *cfg)
{
	struct vsie_sca *sca = s390_vsie_sca_lookup(kvm, cfg->sca_gpa);
	struct ssca_block *ssca;
	int n, count = 0;

	assert_non_null(sca);
	ssca = sca->ssca;
	assert_non_null(ssca);
	assert_int_equal(ssca->osca, hpa_of(kvm, cfg->sca_gpa));
	assert_int_equal(!!(sca->flags & (1ul << VSIE_SCA_ESCA)), cfg->esca);
	for (n = 0; n < KVM_S390_MAX_VSIE_VCPUS; n++) {
		if (!cfg->scb_gpa[n]) {
			assert_int_equal(ssca->cpu[n].ssda, 0);
			assert_int_equal(ssca->cpu[n].ossea, 0);
			continue;
		}
		struct vsie_page *vp = s390_vsie_page_lookup(kvm, cfg->scb_gpa[n]);

		assert_non_null(vp);
		assert_int_equal(ssca->cpu[n].ssda, s390_phys(kvm, &vp->scb_s));
		assert_int_equal(ssca->cpu[n].ossea, hpa_of(kvm, entry_gpa(cfg, n)));
		assert_ptr_equal(vp->scb_o, s390_virt(kvm, hpa_of(kvm, cfg->scb_gpa[n])));
		assert_int_equal(vp->scb_s.icpua, n);
		assert_ptr_equal(sca->pages[n], vp);
		count++;
	}
	return count;
}

/* The entering CPU's shadow block points at the shadow SCA and at its original block. */
static void check_entering(struct s390_kvm *kvm, const struct s390_g3_config *cfg, int n)
{
	struct vsie_sca *sca = s390_vsie_sca_lookup(kvm, cfg->sca_gpa);
	struct vsie_page *vp = s390_vsie_page_lookup(kvm, cfg->scb_gpa[n]);

	assert_non_null(vp);
	assert_int_equal(((u64)vp->scb_s.scaoh << 32) | vp->scb_s.scaol, s390_phys(kvm, sca->ssca));
	assert_int_equal(vp->scb_s.osda, hpa_of(kvm, cfg->scb_gpa[n]));
	assert_true(vp->scb_s.eca & ECA_SIGPI);
	assert_true(vp->scb_s.ecb & ECB_SRSI);
	assert_ptr_equal(vp->sca, sca);
	assert_int_equal(sca->ref_count, 0); /* put after the entry */
}

static void test_layout(void **state)
{
	union bsca_sigp_ctrl b = {.value = 0};
	union esca_sigp_ctrl e = {.value = 0};
	u8 raw[2];

	/* MSB-first bitfields: c is 0x80 of its byte, scn the low 6 bits (BSCA) */
	b.c = 1;
	assert_int_equal(b.value, SIGP_CTRL_C);
	b.value = 0;
	b.scn = 0x3f;
	assert_int_equal(b.value, SIGP_CTRL_SCN_MASK);
	e.c = 1;
	e.scn = 7;
	memcpy(raw, &e, 2);
	assert_int_equal(raw[0], 0x80);
	assert_int_equal(raw[1], 7);
	assert_int_equal(sizeof(struct vsie_page), 4096);
	assert_int_equal(offsetof(struct vsie_page, sca), 0x268);
	assert_int_equal(offsetof(struct kvm_s390_sie_block, scaoh), 0x5c);
	assert_int_equal(offsetof(struct kvm_s390_sie_block, scaol), 0x64);
	assert_int_equal(offsetof(struct kvm_s390_sie_block, icpua), 0x46);
	assert_int_equal(offsetof(struct kvm_s390_sie_block, ecb2), 0x62);
	assert_int_equal(offsetof(struct kvm_s390_sie_block, pp), 0x1de);
}

/* read_scao: scaol & ~0xf, | scaoh << 32 only with 64BSCAO; write_scao splits. */
static void test_scao_helpers(void **state)
{
	struct s390_kvm *kvm = vm(0, 1, 2);
	struct kvm_s390_sie_block scb = {0};

	write_scao(&scb, 0x0000000123456789ull);
	assert_int_equal(scb.scaoh, 0x1);
	assert_int_equal(scb.scaol, 0x23456789);
	assert_int_equal(read_scao(kvm, &scb), 0x0000000123456780ull);
	kvm->arch.cpu_feat &= ~(1ul << KVM_S390_VM_CPU_FEAT_64BSCAO);
	assert_int_equal(read_scao(kvm, &scb), 0x23456780ull);
	assert_int_equal(set_validity_icpt(&scb, 0x003b), 1);
	assert_int_equal(scb.icptcode, 0x20);
	assert_int_equal(scb.ipa, 0x1000);
	assert_int_equal(scb.ipb, 0x003b0000);
	s390_kvm_destroy_vm(kvm);
}

/* sclp byte 134: 0x01 is vsie_sigpif; offered as CPU feature 12 and used by the VM. */
static void test_sclp_detection(void **state)
{
	struct s390_sclp s = {0};
	struct s390_kvm *kvm = vm(0, 1, 1);

	sclp_early_detect_byte_134(&s, 0x83);
	assert_true(s.has_diag318);
	assert_true(s.has_iplcc);
	assert_true(s.has_vsie_sigpif);
	assert_false(s.has_diag320);
	sclp_early_detect_byte_134(&s, 0x80);
	assert_false(s.has_vsie_sigpif);
	assert_true(test_kvm_cpu_feat(kvm, KVM_S390_VM_CPU_FEAT_SIGPIF));
	assert_int_equal(KVM_S390_VM_CPU_FEAT_SIGPIF, 12);
	assert_true(use_vsie_sigpif(kvm));
	kvm->vsie_shadow_sca_max = 0; /* "0 to disable sca shadowing" */
	assert_false(use_vsie_sigpif(kvm));
	s390_kvm_destroy_vm(kvm);
}

/*
 * pin_guest_pages pins page by page (gpa + i * 4K), recording each page's own hpa (the
 * frames are not adjacent); a hole on the 3rd page unpins the first two and fails.
 */
static void test_pin_guest_pages(void **state)
{
	struct s390_kvm *kvm = vm(0, 1, 1);
	struct kvm_address_pair p[3];
	gpa_t g = 0x100800;

	assert_int_equal(pin_guest_pages(kvm, g, 3, p), 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(p[i].gpa, g + 4096ull * i);
		assert_int_equal(p[i].hpa, hpa_of(kvm, g + 4096ull * i));
	}
	assert_true(p[1].hpa != p[0].hpa + 4096); /* scrambled backing */
	assert_int_equal(s390_pinned_pages(kvm), 3);
	unpin_guest_pages(kvm, p, 3);
	assert_int_equal(s390_pinned_pages(kvm), 0);
	assert_int_equal(p[0].hpa, 0);
	kvm->mem.gfn_to_pfn[(g >> 12) + 2] = ~0ull; /* hole */
	assert_int_equal(pin_guest_pages(kvm, g, 3, p), -EFAULT);
	assert_int_equal(s390_pinned_pages(kvm), 0);
	s390_kvm_destroy_vm(kvm);
}

/*
 * BSCA, 4 CPUs, page aligned: entering CPU 0 creates one vsie_sca with a shadow SCA whose
 * entries 0..3 point at the 4 CPUs' shadow blocks and at entries 64 + 32 n of the SCA.
 * Counters: vsie_shadow_sca 1, create 1, reuse 0; shadow_scb: CPU 0 + 3 others = 4.
 */
static void test_bsca_shadow_entries(void **state)
{
	struct s390_kvm *kvm = vm(0, 1, 2);
	struct s390_g3_config cfg;

	assert_int_equal(s390_g3_create(&cfg, kvm, SCA_A, false, true, 4, SCB_A), 0);
	assert_int_equal(s390_g3_enter(&cfg, 0, 0, NULL), 0);
	assert_int_equal(check_shadow(kvm, &cfg), 4);
	check_entering(kvm, &cfg, 0);
	assert_int_equal(kvm->stat.vsie_shadow_sca, 1);
	assert_int_equal(kvm->stat.vsie_shadow_sca_create, 1);
	assert_int_equal(kvm->stat.vsie_shadow_sca_reuse, 0);
	assert_int_equal(kvm->stat.vsie_shadow_scb, 4);
	assert_int_equal(s390_vsie_sca_lookup(kvm, SCA_A)->sca_o_nr_pages, 1);
	/* CPU 2 enters next: radix hit (reuse 1), no new shadow, same entries */
	assert_int_equal(s390_g3_enter(&cfg, 1, 2, NULL), 0);
	assert_int_equal(kvm->stat.vsie_shadow_sca_reuse, 1);
	assert_int_equal(kvm->stat.vsie_shadow_sca, 1);
	assert_int_equal(kvm->model.init_ssca, 1);
	assert_int_equal(check_shadow(kvm, &cfg), 4);
	check_entering(kvm, &cfg, 2);
	s390_kvm_destroy_vm(kvm);
}

/* ESCA, 5 CPUs: entries at 256 + 64 n; an ESCA pins 5 pages. */
static void test_esca_shadow_entries(void **state)
{
	struct s390_kvm *kvm = vm(0, 1, 2);
	struct s390_g3_config cfg;

	assert_int_equal(s390_g3_create(&cfg, kvm, SCA_A, true, true, 5, SCB_A), 0);
	assert_int_equal(s390_g3_enter(&cfg, 0, 3, NULL), 0);
	assert_int_equal(check_shadow(kvm, &cfg), 5);
	check_entering(kvm, &cfg, 3);
	assert_int_equal(s390_vsie_sca_lookup(kvm, SCA_A)->sca_o_nr_pages, 5);
	assert_int_equal(s390_vsie_sca_lookup(kvm, SCA_A)->ssca->cpu[4].ossea,
			 hpa_of(kvm, SCA_A + 256 + 64 * 4));
	s390_kvm_destroy_vm(kvm);
}

/*
 * A BSCA at page offset 0xc00 straddles a page: 0xc00 + 2112 = 0x1440 > 0x1000, so 2
 * pages are pinned. Entry n is at 0xc00 + 64 + 32 n: n < 30 on the first page (0xc40 +
 * 32 * 30 = 0x1000), n >= 30 on the second. The second page's frame is not adjacent, so
 * for n >= 30 the right ossea differs from "hpa of the SCA + offset"; the test checks both.
 * An external call from CPU 0 to CPU 40 lands in guest-2's entry 40 (c = 1, scn = 0).
 */
static void test_bsca_straddling_page(void **state)
{
	struct s390_kvm *kvm = vm(0, 1, 2);
	struct s390_g3_config cfg;
	struct s390_g3_action a = {.order = SIGP_EXTERNAL_CALL, .target = 40};
	gpa_t sca = SCA_A + 0xc00;
	u8 c, scn;
	u64 sda;

	assert_int_equal(s390_g3_create(&cfg, kvm, sca, false, true, 64, SCB_A), 0);
	assert_int_equal(s390_g3_enter(&cfg, 0, 0, &a), 0);
	assert_int_equal(check_shadow(kvm, &cfg), 64);
	assert_int_equal(s390_vsie_sca_lookup(kvm, sca)->sca_o_nr_pages, 2);
	assert_true(s390_vsie_sca_lookup(kvm, sca)->ssca->cpu[40].ossea !=
		    hpa_of(kvm, sca) + 64 + 32 * 40);
	assert_int_equal(s390_vsie_sca_lookup(kvm, sca)->ssca->cpu[29].ossea,
			 hpa_of(kvm, sca) + 64 + 32 * 29);
	assert_true(kvm->vcpus[0].g3_result.interpreted);
	assert_int_equal(kvm->vcpus[0].g3_result.cc, 0);
	assert_int_equal(s390_g3_read_entry(&cfg, 40, &c, &scn, &sda), 0);
	assert_int_equal(c, 1);
	assert_int_equal(scn, 0);
	assert_int_equal(sda, SCB_A + 512 * 40);
	assert_int_equal(s390_g3_read_entry(&cfg, 39, &c, &scn, &sda), 0);
	assert_int_equal(c, 0);
	/* a second external call to 40 finds one pending: cc 1 */
	assert_int_equal(s390_g3_enter(&cfg, 1, 5, &a), 0);
	assert_int_equal(kvm->vcpus[1].g3_result.cc, 1);
	/* sense running status of CPU 7 follows ssda to 7's shadow block: not running, cc 1 */
	a.order = SIGP_SENSE_RUNNING;
	a.target = 7;
	assert_int_equal(s390_g3_enter(&cfg, 0, 0, &a), 0);
	assert_true(kvm->vcpus[0].g3_result.interpreted);
	assert_int_equal(kvm->vcpus[0].g3_result.ssda,
			 s390_phys(kvm, &s390_vsie_page_lookup(kvm, cfg.scb_gpa[7])->scb_s));
	assert_int_equal(kvm->vcpus[0].g3_result.cc, 1);
	assert_int_equal(kvm->model.sigp_intercepted, 0);
	s390_kvm_destroy_vm(kvm);
}

/*
 * validate_scao: below 8K -> 0x0038; inside the entering guest-2 vCPU's prefix area
 * (vCPU 0: 0x2000..0x3fff) -> 0x0011; BSCA header crossing (page offset 0xfd0: 0xfd0 + 63
 * = 0x100f) -> 0x003b; ESCA header at 0xf40 (+255 = 0x103f) -> 0x003b but at 0xf00
 * (+255 = 0xfff) accepted; an SCA whose second page is a hole -> pin failure 0x0034.
 * guest-2 sees icptcode 0x20, ipa 0x1000, ipb = code << 16.
 */
static void test_validity_codes(void **state)
{
	static const struct {
		gpa_t sca;
		bool esca;
		u16 code;
	} cases[] = {
	    {0x1000, false, 0x0038},	   {0x2100, false, 0x0011},  {SCA_A + 0xfd0, false, 0x003b},
	    {SCA_A + 0xf40, true, 0x003b}, {SCA_A + 0xf00, true, 0}, {SCA_B + 0xc00, false, 0x0034},
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		struct s390_kvm *kvm = vm(0, 1, 2);
		struct s390_g3_config cfg;
		struct kvm_s390_sie_block scb;

		if (cases[i].code == 0x0034)
			kvm->mem.gfn_to_pfn[(SCA_B >> 12) + 1] = ~0ull;
		/* build the SCA elsewhere; only the SIE blocks' origin matters */
		assert_int_equal(s390_g3_create(&cfg, kvm, SCA_C, cases[i].esca, true, 2, SCB_A),
				 0);
		for (int n = 0; n < 2; n++) {
			assert_int_equal(s390_g2_read(kvm, cfg.scb_gpa[n], &scb, sizeof(scb)), 0);
			write_scao(&scb, cases[i].sca);
			assert_int_equal(s390_g2_write(kvm, cfg.scb_gpa[n], &scb, sizeof(scb)), 0);
		}
		if (cases[i].code == 0 || cases[i].code == 0x0034) {
			/* a real SCA there: header and entries */
			struct s390_g3_config real;

			if (cases[i].code == 0)
				assert_int_equal(
				    s390_g3_create(&real, kvm, cases[i].sca, true, true, 2, SCB_A),
				    0);
		}
		assert_int_equal(s390_g3_enter(&cfg, 0, 0, NULL), 0);
		assert_int_equal(s390_g2_read(kvm, cfg.scb_gpa[0], &scb, sizeof(scb)), 0);
		if (cases[i].code) {
			assert_int_equal(scb.icptcode, ICPT_VALIDITY);
			assert_int_equal(scb.ipa, 0x1000);
			assert_int_equal(scb.ipb, (u32)cases[i].code << 16);
			assert_int_equal(kvm->model.validity, 1);
			assert_int_equal(kvm->stat.vsie_shadow_sca_create, 0);
		} else {
			assert_int_equal(scb.icptcode, 0);
			assert_int_equal(kvm->stat.vsie_shadow_sca_create, 1);
		}
		kvm_s390_vsie_destroy(kvm);
		assert_int_equal(s390_pinned_pages(kvm), 0);
		s390_kvm_destroy_vm(kvm);
	}
}

/*
 * CPU hotplug: mcn changes re-run init_ssca on the next entry (P8). Add CPU 4 -> entry 4
 * appears; remove CPU 2 -> entry 2 empties; an entry without mcn change does not re-init.
 */
static void test_mcn_change_reshadows(void **state)
{
	struct s390_kvm *kvm = vm(0, 1, 2);
	struct s390_g3_config cfg;

	assert_int_equal(s390_g3_create(&cfg, kvm, SCA_A, false, true, 4, SCB_A), 0);
	assert_int_equal(s390_g3_enter(&cfg, 0, 0, NULL), 0);
	assert_int_equal(kvm->model.init_ssca, 1);
	assert_int_equal(s390_g3_enter(&cfg, 0, 1, NULL), 0);
	assert_int_equal(kvm->model.init_ssca, 1);

	assert_int_equal(s390_g3_add_cpu(&cfg, 4, SCB_A + 512 * 4), 0);
	assert_int_equal(s390_g3_enter(&cfg, 0, 0, NULL), 0);
	assert_int_equal(kvm->model.init_ssca, 2);
	assert_int_equal(check_shadow(kvm, &cfg), 5);
	/* the snapshot: bits 0..4 MSB-first = 0xf8 << 56 */
	assert_int_equal(s390_vsie_sca_lookup(kvm, SCA_A)->mcn[0], 0xf800000000000000ull);

	assert_int_equal(s390_g3_remove_cpu(&cfg, 2), 0);
	assert_int_equal(s390_g3_enter(&cfg, 1, 4, NULL), 0);
	assert_int_equal(kvm->model.init_ssca, 3);
	assert_int_equal(check_shadow(kvm, &cfg), 4);
	check_entering(kvm, &cfg, 4);
	assert_int_equal(s390_vsie_sca_lookup(kvm, SCA_A)->mcn[0], 0xd800000000000000ull);
	/* one vsie_sca throughout */
	assert_int_equal(kvm->stat.vsie_shadow_sca, 1);
	assert_int_equal(kvm->stat.vsie_shadow_sca_create, 1);
	s390_kvm_destroy_vm(kvm);
}

/*
 * BSCA -> ESCA switch (P9): guest-2 runs 64 CPUs on a BSCA, then moves to an ESCA at a new
 * address (and, next, adds CPU 64). The next entry finds its vsie_page's vsie_sca at the old
 * address: the same object and the same ssca are reused, the old SCA unpinned, init_ssca re-run
 * (osca -> new SCA, entries -> ESCA entries, 65 of them), create 2, vsie_shadow_sca 1.
 */
static void test_esca_switch_reinitializes(void **state)
{
	struct s390_kvm *kvm = vm(0, 1, 2);
	struct s390_g3_config cfg;
	struct vsie_sca *sca;
	struct ssca_block *ssca;
	hpa_t old_frame = hpa_of(kvm, SCA_A) >> 12;

	assert_int_equal(s390_g3_create(&cfg, kvm, SCA_A, false, true, 64, SCB_A), 0);
	assert_int_equal(s390_g3_enter(&cfg, 0, 0, NULL), 0);
	sca = s390_vsie_sca_lookup(kvm, SCA_A);
	ssca = sca->ssca;
	assert_int_equal(check_shadow(kvm, &cfg), 64);
	assert_int_equal(kvm->mem.pin_count[old_frame], 1);

	/* the switch alone: mcn[0] is unchanged, only osca = 0 forces init_ssca */
	assert_int_equal(s390_g3_switch_to_esca(&cfg, SCA_B), 0);
	assert_int_equal(s390_g3_enter(&cfg, 0, 0, NULL), 0);
	assert_int_equal(check_shadow(kvm, &cfg), 64);
	assert_int_equal(kvm->model.init_ssca, 2);
	assert_int_equal(s390_g3_add_cpu(&cfg, 64, SCB_A + 512 * 64), 0);
	assert_int_equal(s390_g3_enter(&cfg, 0, 0, NULL), 0);
	assert_int_equal(kvm->model.init_ssca, 3);
	assert_null(s390_vsie_sca_lookup(kvm, SCA_A));
	assert_ptr_equal(s390_vsie_sca_lookup(kvm, SCA_B), sca);
	assert_ptr_equal(sca->ssca, ssca);
	assert_int_equal(kvm->mem.pin_count[old_frame], 0);
	assert_int_equal(sca->sca_o_nr_pages, 5);
	assert_int_equal(check_shadow(kvm, &cfg), 65);
	check_entering(kvm, &cfg, 0);
	assert_true(s390_vsie_page_lookup(kvm, cfg.scb_gpa[0])->scb_s.ecb2 & ECB2_ESCA);
	assert_int_equal(kvm->stat.vsie_shadow_sca, 1);
	assert_int_equal(kvm->stat.vsie_shadow_sca_create, 2);
	assert_int_equal(kvm->model.warnings, 0);
	/* CPU 64 enters from the other guest-2 vCPU: hit, entries unchanged */
	assert_int_equal(s390_g3_enter(&cfg, 1, 64, NULL), 0);
	assert_int_equal(check_shadow(kvm, &cfg), 65);
	s390_kvm_destroy_vm(kvm);
}

/*
 * Reuse. online_vcpus 2, vsie_shadow_sca_max 1: max_sca = min(max(2, 1), 256) = 2.
 * Configurations A and B get new vsie_scas; C finds sca_count == max_sca and reuses the
 * free one round-robin from sca_next = 0, i.e. A's: A's address leaves the tree, C works.
 * Counters: vsie_shadow_sca 2, create 3. RFC variant: the reuse loop never iterates
 * (0 >= 2 is false) -> -EFAULT on every try: guest-2's KVM_RUN fails, no progress.
 */
static void three_configs(struct s390_kvm *kvm, struct s390_g3_config cfg[3])
{
	assert_int_equal(s390_g3_create(&cfg[0], kvm, SCA_A, false, true, 2, SCB_A), 0);
	assert_int_equal(s390_g3_create(&cfg[1], kvm, SCA_B, false, true, 2, SCB_B), 0);
	assert_int_equal(s390_g3_create(&cfg[2], kvm, SCA_C, false, true, 2, SCB_C), 0);
}

static void test_reuse_corrected(void **state)
{
	struct s390_kvm *kvm = vm(0, 1, 2);
	struct s390_g3_config cfg[3];
	struct vsie_sca *a;

	three_configs(kvm, cfg);
	assert_int_equal(s390_g3_enter(&cfg[0], 0, 0, NULL), 0);
	a = s390_vsie_sca_lookup(kvm, SCA_A);
	assert_int_equal(s390_g3_enter(&cfg[1], 1, 0, NULL), 0);
	assert_int_equal(kvm->arch.vsie.sca_count, 2);
	assert_int_equal(s390_g3_enter(&cfg[2], 0, 1, NULL), 0);
	assert_int_equal(kvm->arch.vsie.sca_count, 2);
	assert_null(s390_vsie_sca_lookup(kvm, SCA_A));
	assert_ptr_equal(s390_vsie_sca_lookup(kvm, SCA_C), a);
	assert_int_equal(check_shadow(kvm, &cfg[2]), 2);
	check_entering(kvm, &cfg[2], 1);
	assert_int_equal(check_shadow(kvm, &cfg[1]), 2);
	assert_int_equal(kvm->stat.vsie_shadow_sca, 2);
	assert_int_equal(kvm->stat.vsie_shadow_sca_create, 3);
	/* A comes back: reuses the next free one (B's) */
	assert_int_equal(s390_g3_enter(&cfg[0], 1, 1, NULL), 0);
	assert_int_equal(check_shadow(kvm, &cfg[0]), 2);
	assert_null(s390_vsie_sca_lookup(kvm, SCA_B));
	assert_int_equal(kvm->model.reuse_failed, 0);
	/* the shadows of A's old pages were released: only live pins remain, none after destroy */
	kvm_s390_vsie_destroy(kvm);
	assert_int_equal(s390_pinned_pages(kvm), 0);
	assert_int_equal(s390_host_frames_in_use(kvm), 0);
	s390_kvm_destroy_vm(kvm);
}

static void test_reuse_rfc_fails(void **state)
{
	struct s390_kvm *kvm = vm(VSIE_RFC_V2, 1, 2);
	struct s390_g3_config cfg[3];

	three_configs(kvm, cfg);
	assert_int_equal(s390_g3_enter(&cfg[0], 0, 0, NULL), 0);
	assert_int_equal(s390_g3_enter(&cfg[1], 1, 0, NULL), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(s390_g3_enter(&cfg[2], 0, 1, NULL), -EFAULT);
	assert_int_equal(kvm->model.reuse_failed, 3);
	assert_null(s390_vsie_sca_lookup(kvm, SCA_C));
	/* configurations that have a vsie_sca keep working */
	assert_int_equal(s390_g3_enter(&cfg[0], 0, 1, NULL), 0);
	assert_int_equal(check_shadow(kvm, &cfg[0]), 2);
	s390_kvm_destroy_vm(kvm);
}

/*
 * Patch 7 alone (no sca_count++): sca_count stays 0 < max_sca, so every new SCA allocates
 * another vsie_sca into scas[0]: 3 configurations -> vsie_shadow_sca 3, sca_count 0, and
 * after destroy the untracked objects stay allocated and their SCA pages pinned.
 */
static void test_rfc_sca_count_defect(void **state)
{
	struct s390_kvm *kvm = vm(VSIE_RFC_V2_P7, 1, 2);
	struct s390_g3_config cfg[3];

	three_configs(kvm, cfg);
	for (int i = 0; i < 3; i++)
		assert_int_equal(s390_g3_enter(&cfg[i], 0, 0, NULL), 0);
	assert_int_equal(kvm->arch.vsie.sca_count, 0);
	assert_int_equal(kvm->stat.vsie_shadow_sca, 3);
	assert_int_equal(kvm->model.reuse_failed, 0);
	kvm_s390_vsie_destroy(kvm);
	assert_true(s390_pinned_pages(kvm) > 0);
	assert_true(s390_host_frames_in_use(kvm) > 0);
	s390_kvm_destroy_vm(kvm);
}

/*
 * ssca allocation failure (the 3-page alloc_pages_exact): -ENOMEM either way; the
 * corrected model frees sca_new (no frame left behind), the RFC frees "sca" (NULL) and
 * leaks sca_new: exactly one frame more in use.
 */
static void test_rfc_free_wrong_defect(void **state)
{
	u64 in_use[2];

	for (int v = 0; v < 2; v++) {
		struct s390_kvm *kvm = vm(v ? VSIE_RFC_FREE_WRONG : 0, 1, 2);
		struct s390_g3_config cfg;
		u64 before;

		assert_int_equal(s390_g3_create(&cfg, kvm, SCA_A, false, true, 2, SCB_A), 0);
		/* the vsie_page is allocated first; then fail the ssca */
		before = s390_host_frames_in_use(kvm);
		kvm->mem.fail_alloc_pages = 3;
		assert_int_equal(s390_g3_enter(&cfg, 0, 0, NULL), -ENOMEM);
		in_use[v] = s390_host_frames_in_use(kvm) - before;
		/* it works once memory is there again */
		assert_int_equal(s390_g3_enter(&cfg, 0, 0, NULL), 0);
		assert_int_equal(check_shadow(kvm, &cfg), 2);
		s390_kvm_destroy_vm(kvm);
	}
	/* corrected: only the vsie page (1 frame) stays; RFC: + the leaked vsie_sca frame */
	assert_int_equal(in_use[0], 1);
	assert_int_equal(in_use[1], 2);
}

/*
 * Without SCA shadowing (vsie_shadow_sca_max = 0, the posted default, or no vsie_sigpif
 * on the machine, or guest-2 not enabling SIGPI): no ssca; the shadow block's SCA origin is
 * the hpa of the original SCA, no ECA_SIGPI; the firmware intercepts SIGP (VSIE exit).
 */
static void test_no_shadowing(void **state)
{
	for (int v = 0; v < 3; v++) {
		struct s390_kvm *kvm = vm(0, v == 0 ? 0 : 1, 2);
		struct s390_g3_config cfg;
		struct s390_g3_action a = {.order = SIGP_EXTERNAL_CALL, .target = 1};
		struct vsie_page *vp;

		if (v == 1)
			kvm->arch.use_vsie_sigpif = false;
		assert_int_equal(s390_g3_create(&cfg, kvm, SCA_A, false, v != 2, 2, SCB_A), 0);
		assert_int_equal(s390_g3_enter(&cfg, 0, 0, &a), 0);
		vp = s390_vsie_page_lookup(kvm, cfg.scb_gpa[0]);
		assert_int_equal(((u64)vp->scb_s.scaoh << 32) | vp->scb_s.scaol,
				 hpa_of(kvm, SCA_A));
		assert_false(vp->scb_s.eca & ECA_SIGPI);
		assert_int_equal(vp->scb_s.osda, 0);
		if (v < 2)
			assert_null(s390_vsie_sca_lookup(kvm, SCA_A)->ssca);
		assert_false(kvm->vcpus[0].g3_result.interpreted);
		assert_int_equal(kvm->model.sigp_intercepted, 1);
		s390_kvm_destroy_vm(kvm);
	}
}

/*
 * Page cache cap (patch 10): min(max(online_vcpus, vsie_shadow_scb_max), 256). SIE blocks
 * without an SCA stay in arch.vsie.pages[]: 2 vCPUs, param 3 -> 3 pages for 5 blocks.
 * A misaligned block address is a specification exception for guest-2.
 */
static void test_page_cache_cap(void **state)
{
	struct s390_kvm *kvm = vm(0, 1, 2);
	struct kvm_s390_sie_block scb = {.icpua = 0};

	kvm->vsie_shadow_scb_max = 3;
	for (int i = 0; i < 5; i++) {
		scb.icpua = (s16)i;
		assert_int_equal(s390_g2_write(kvm, SCB_A + 512 * i, &scb, sizeof(scb)), 0);
		assert_int_equal(kvm_s390_handle_vsie(&kvm->vcpus[0], SCB_A + 512 * i), 0);
	}
	assert_int_equal(kvm->arch.vsie.page_count, 3);
	assert_int_equal(s390_pinned_pages(kvm), 3);
	assert_int_equal(kvm_s390_handle_vsie(&kvm->vcpus[1], SCB_A + 0x100), 0);
	assert_int_equal(kvm->vcpus[1].pgm_code, PGM_SPECIFICATION);
	kvm_s390_vsie_destroy(kvm);
	assert_int_equal(s390_pinned_pages(kvm), 0);
	assert_int_equal(s390_host_frames_in_use(kvm), 0);
	s390_kvm_destroy_vm(kvm);
}

/* No leak: a full run (hotplug, switch, reuse) leaves nothing pinned or allocated. */
static void test_destroy_releases_everything(void **state)
{
	struct s390_kvm *kvm = vm(0, 1, 2);
	struct s390_g3_config cfg[3];

	three_configs(kvm, cfg);
	for (int i = 0; i < 3; i++)
		assert_int_equal(s390_g3_enter(&cfg[i], i & 1, 0, NULL), 0);
	assert_int_equal(s390_g3_add_cpu(&cfg[2], 5, SCB_C + 512 * 5), 0);
	assert_int_equal(s390_g3_enter(&cfg[2], 0, 5, NULL), 0);
	assert_int_equal(s390_g3_switch_to_esca(&cfg[2], 0x130000), 0);
	assert_int_equal(s390_g3_enter(&cfg[2], 1, 1, NULL), 0);
	assert_int_equal(check_shadow(kvm, &cfg[2]), 3);
	assert_int_equal(kvm->model.warnings, 0);
	kvm_s390_vsie_destroy(kvm);
	assert_int_equal(s390_pinned_pages(kvm), 0);
	assert_int_equal(s390_host_frames_in_use(kvm), 0);
	s390_kvm_destroy_vm(kvm);
}

static u64 rnd(u64 *x)
{
	/* xorshift64 */
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * Property: in the corrected model, any interleaving of entries (from either guest-2 vCPU,
 * with or without an EXTERNAL CALL), CPU hotplug, BSCA -> ESCA switches and three
 * configurations competing for max_sca = 2 vsie_scas keeps every entry successful, the
 * entered configuration's shadow entries exact (check_shadow), external calls landing in
 * the target's original entry, no model warning, and nothing pinned or allocated after
 * destroy. Fixed seeds: deterministic.
 */
static void test_random_sequences(void **state)
{
	for (u64 seed = 1; seed <= 6; seed++) {
		struct s390_kvm *kvm = vm(0, 1, 2);
		struct s390_g3_config cfg[3];
		u64 x = seed * 0x9e3779b97f4a7c15ull;

		for (int k = 0; k < 3; k++) {
			gpa_t off = (rnd(&x) % 0xfc) << 4; /* 16-aligned, header within the page */

			assert_int_equal(
			    s390_g3_create(&cfg[k], kvm, 0x100000 + 0x10000ull * k + off, false,
					   true, 1 + (int)(rnd(&x) % 6), 0x200000 + 0x20000ull * k),
			    0);
		}
		for (int step = 0; step < 300; step++) {
			struct s390_g3_config *c = &cfg[rnd(&x) % 3];
			int op = (int)(rnd(&x) % 10), n, slots = c->esca ? 80 : 64;
			int valid[KVM_S390_MAX_VSIE_VCPUS], nv = 0;

			for (n = 0; n < KVM_S390_MAX_VSIE_VCPUS; n++)
				if (c->scb_gpa[n])
					valid[nv++] = n;
			if (op == 0 && nv < slots) { /* add */
				do
					n = (int)(rnd(&x) % slots);
				while (c->scb_gpa[n]);
				gpa_t base = 0x200000 + 0x20000ull * (c - cfg);

				assert_int_equal(s390_g3_add_cpu(c, n, base + 512ull * n), 0);
			} else if (op == 1 && nv > 1) { /* remove */
				assert_int_equal(s390_g3_remove_cpu(c, valid[rnd(&x) % nv]), 0);
			} else if (op == 2 && !c->esca) { /* switch */
				gpa_t esca =
				    (c->sca_gpa & ~0xffffull) + 0x8000 + ((rnd(&x) % 0x3c) << 6);

				assert_int_equal(s390_g3_switch_to_esca(c, esca), 0);
			} else { /* enter */
				struct s390_g3_action a = {0};
				int cpu = valid[rnd(&x) % nv], tgt = valid[rnd(&x) % nv];
				u8 pend, scn;
				u64 sda;

				if (rnd(&x) % 2) {
					a.order = SIGP_EXTERNAL_CALL;
					a.target = (u16)tgt;
				}
				int g2 = (int)(rnd(&x) % 2);

				assert_int_equal(s390_g3_enter(c, g2, cpu, &a), 0);
				assert_int_equal(check_shadow(kvm, c), nv);
				check_entering(kvm, c, cpu);
				if (a.order) {
					assert_true(kvm->vcpus[g2].g3_result.interpreted);
					assert_int_equal(
					    s390_g3_read_entry(c, tgt, &pend, &scn, &sda), 0);
					assert_int_equal(pend, 1);
					assert_int_equal(scn, cpu & (c->esca ? 0xff : 0x3f));
					assert_int_equal(sda, c->scb_gpa[tgt]);
					/* guest-2 delivers the external call: clears the entry's
					 * control */
					{
						u8 zero[2] = {0, 0};
						gpa_t e =
						    c->sca_gpa + (c->esca ? 256 + 64ull * tgt
									  : 64 + 32ull * tgt + 1);

						assert_int_equal(
						    s390_g2_write(kvm, e, zero, c->esca ? 2 : 1),
						    0);
					}
				}
			}
		}
		assert_int_equal(kvm->model.warnings, 0);
		assert_int_equal(kvm->model.reuse_failed, 0);
		assert_true(kvm->arch.vsie.sca_count <= 2);
		/* the sequence did exercise reuse and re-initialisation */
		assert_true(kvm->stat.vsie_shadow_sca_create > 3);
		assert_true(kvm->model.init_ssca > 10);
		print_message("seed %d: create %llu reuse %llu init_ssca %llu interpreted %llu\n",
			      (int)seed, (unsigned long long)kvm->stat.vsie_shadow_sca_create,
			      (unsigned long long)kvm->stat.vsie_shadow_sca_reuse,
			      (unsigned long long)kvm->model.init_ssca,
			      (unsigned long long)kvm->model.sigp_interpreted);
		kvm_s390_vsie_destroy(kvm);
		assert_int_equal(s390_pinned_pages(kvm), 0);
		assert_int_equal(s390_host_frames_in_use(kvm), 0);
		s390_kvm_destroy_vm(kvm);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout),
	    cmocka_unit_test(test_scao_helpers),
	    cmocka_unit_test(test_sclp_detection),
	    cmocka_unit_test(test_pin_guest_pages),
	    cmocka_unit_test(test_bsca_shadow_entries),
	    cmocka_unit_test(test_esca_shadow_entries),
	    cmocka_unit_test(test_bsca_straddling_page),
	    cmocka_unit_test(test_validity_codes),
	    cmocka_unit_test(test_mcn_change_reshadows),
	    cmocka_unit_test(test_esca_switch_reinitializes),
	    cmocka_unit_test(test_reuse_corrected),
	    cmocka_unit_test(test_reuse_rfc_fails),
	    cmocka_unit_test(test_rfc_sca_count_defect),
	    cmocka_unit_test(test_rfc_free_wrong_defect),
	    cmocka_unit_test(test_no_shadowing),
	    cmocka_unit_test(test_page_cache_cap),
	    cmocka_unit_test(test_destroy_releases_everything),
	    cmocka_unit_test(test_random_sequences),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
