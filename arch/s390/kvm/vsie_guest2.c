// SPDX-License-Identifier: GPL-2.0
/*
 * Model machinery for the s390 VSIE model: guest-2 (a KVM guest that runs its own guest-3
 * configurations: it builds their SCA and SIE blocks in its memory and issues SIE), and
 * the machine's side of SIE with the VSIE interpretation extension (vsie_sigpif), i.e.
 * the firmware that follows guest-1's shadow SCA. The firmware model is this model's
 * assumption of what the cover letter describes ("firmware follows those pointers and
 * monitors modifications of the original SCA"), not a documented interface.
 */
#include <errno.h>
#include <string.h>

#include "vsie_internal.h"

static int read_scb(struct s390_kvm *kvm, gpa_t gpa, struct kvm_s390_sie_block *scb)
{
	return s390_g2_read(kvm, gpa, scb, sizeof(*scb));
}

static int write_scb(struct s390_kvm *kvm, gpa_t gpa, const struct kvm_s390_sie_block *scb)
{
	return s390_g2_write(kvm, gpa, scb, sizeof(*scb));
}

static u64 entry_off(bool esca, int cpu_nr)
{
	return esca ? offsetof(struct esca_block, cpu[0]) + (u64)cpu_nr * sizeof(struct esca_entry)
		    : offsetof(struct bsca_block, cpu[0]) + (u64)cpu_nr * sizeof(struct bsca_entry);
}

static u64 mcn_off(bool esca, int cpu_nr)
{
	return esca ? offsetof(struct esca_block, mcn) + (u64)(cpu_nr / 64) * 8
		    : offsetof(struct bsca_block, mcn);
}

static int set_mcn(struct s390_g3_config *cfg, int cpu_nr, bool on)
{
	gpa_t g = cfg->sca_gpa + mcn_off(cfg->esca, cpu_nr);
	u64 w;
	int rc = s390_g2_read(cfg->kvm, g, &w, sizeof(w));

	if (rc)
		return rc;
	if (on)
		w |= 1ull << (63 - cpu_nr % 64);
	else
		w &= ~(1ull << (63 - cpu_nr % 64));
	return s390_g2_write(cfg->kvm, g, &w, sizeof(w));
}

int s390_g3_create(struct s390_g3_config *cfg, struct s390_kvm *kvm, gpa_t sca_gpa, bool esca,
		   bool sigpi, int nr_cpus, gpa_t scb_base)
{
	static const u8 zero[sizeof(struct esca_block)];
	int rc;

	if (nr_cpus < 0 || nr_cpus > (esca ? KVM_S390_ESCA_CPU_SLOTS : KVM_S390_BSCA_CPU_SLOTS))
		return -EINVAL;
	memset(cfg, 0, sizeof(*cfg));
	cfg->kvm = kvm;
	cfg->sca_gpa = sca_gpa;
	cfg->esca = esca;
	cfg->sigpi = sigpi;
	rc = s390_g2_write(kvm, sca_gpa, zero,
			   esca ? sizeof(struct esca_block) : sizeof(struct bsca_block));
	if (rc)
		return rc;
	for (int n = 0; n < nr_cpus; n++) {
		rc = s390_g3_add_cpu(cfg, n, scb_base + 512ull * n);
		if (rc)
			return rc;
	}
	return 0;
}

/* guest-2 adds guest-3 CPU cpu_nr: a SIE block at scb_gpa, its SCA entry, its mcn bit */
int s390_g3_add_cpu(struct s390_g3_config *cfg, int cpu_nr, gpa_t scb_gpa)
{
	struct kvm_s390_sie_block scb;
	int rc;

	if (cpu_nr < 0 ||
	    cpu_nr >= (cfg->esca ? KVM_S390_ESCA_CPU_SLOTS : KVM_S390_BSCA_CPU_SLOTS) ||
	    (scb_gpa & 0x1ff) || cfg->scb_gpa[cpu_nr])
		return -EINVAL;
	memset(&scb, 0, sizeof(scb));
	scb.icpua = (s16)cpu_nr;
	scb.cpuflags = CPUSTAT_ZARCH;
	scb.prefix_ibc = (u32)cpu_nr << 13;
	scb.gpsw_mask = 0x0000000180000000ull;
	scb.gpsw_addr = 0x10000;
	if (cfg->esca)
		scb.ecb2 |= ECB2_ESCA;
	if (cfg->sigpi) {
		scb.eca |= ECA_SIGPI;
		scb.ecb |= ECB_SRSI;
	}
	write_scao(&scb, cfg->sca_gpa);
	rc = write_scb(cfg->kvm, scb_gpa, &scb);
	if (rc)
		return rc;
	rc = s390_g2_write(cfg->kvm, cfg->sca_gpa + entry_off(cfg->esca, cpu_nr) + 8, &scb_gpa, 8);
	if (rc)
		return rc;
	cfg->scb_gpa[cpu_nr] = scb_gpa;
	return set_mcn(cfg, cpu_nr, true);
}

int s390_g3_remove_cpu(struct s390_g3_config *cfg, int cpu_nr)
{
	u64 zero = 0;
	int rc;

	if (cpu_nr < 0 || cpu_nr >= KVM_S390_MAX_VSIE_VCPUS || !cfg->scb_gpa[cpu_nr])
		return -EINVAL;
	rc = set_mcn(cfg, cpu_nr, false);
	if (rc)
		return rc;
	cfg->scb_gpa[cpu_nr] = 0;
	return s390_g2_write(cfg->kvm, cfg->sca_gpa + entry_off(cfg->esca, cpu_nr) + 8, &zero, 8);
}

/*
 * guest-2 grows its configuration past 64 CPUs: it builds an ESCA at a new address with
 * the same valid CPUs, points every SIE block at it with ECB2_ESCA, and frees the BSCA
 * (the model zeroes it).
 */
int s390_g3_switch_to_esca(struct s390_g3_config *cfg, gpa_t new_sca_gpa)
{
	static const u8 zero[sizeof(struct esca_block)];
	struct s390_kvm *kvm = cfg->kvm;
	gpa_t old = cfg->sca_gpa;
	int rc;

	if (cfg->esca)
		return -EINVAL;
	rc = s390_g2_write(kvm, new_sca_gpa, zero, sizeof(struct esca_block));
	if (rc)
		return rc;
	cfg->esca = true;
	cfg->sca_gpa = new_sca_gpa;
	for (int n = 0; n < KVM_S390_BSCA_CPU_SLOTS; n++) {
		struct kvm_s390_sie_block scb;
		gpa_t g = cfg->scb_gpa[n];

		if (!g)
			continue;
		rc = read_scb(kvm, g, &scb);
		if (rc)
			return rc;
		scb.ecb2 |= ECB2_ESCA;
		write_scao(&scb, new_sca_gpa);
		rc = write_scb(kvm, g, &scb);
		if (!rc)
			rc = s390_g2_write(kvm, new_sca_gpa + entry_off(true, n) + 8, &g, 8);
		if (!rc)
			rc = set_mcn(cfg, n, true);
		if (rc)
			return rc;
	}
	return s390_g2_write(kvm, old, zero, sizeof(struct bsca_block));
}

int s390_g3_enter(struct s390_g3_config *cfg, int g2vcpu, int cpu_nr,
		  const struct s390_g3_action *action)
{
	struct s390_kvm_vcpu *vcpu;

	if (g2vcpu < 0 || g2vcpu >= cfg->kvm->online_vcpus || cpu_nr < 0 ||
	    cpu_nr >= KVM_S390_MAX_VSIE_VCPUS || !cfg->scb_gpa[cpu_nr])
		return -EINVAL;
	vcpu = &cfg->kvm->vcpus[g2vcpu];
	if (action)
		vcpu->g3_action = *action;
	else
		memset(&vcpu->g3_action, 0, sizeof(vcpu->g3_action));
	return kvm_s390_handle_vsie(vcpu, cfg->scb_gpa[cpu_nr]);
}

int s390_g3_read_entry(struct s390_g3_config *cfg, int cpu_nr, u8 *sigp_ctrl_c, u8 *scn, u64 *sda)
{
	u8 e[64];
	int rc = s390_g2_read(cfg->kvm, cfg->sca_gpa + entry_off(cfg->esca, cpu_nr), e,
			      cfg->esca ? sizeof(struct esca_entry) : sizeof(struct bsca_entry));

	if (rc)
		return rc;
	if (cfg->esca) {
		union esca_sigp_ctrl c;

		memcpy(&c, e, sizeof(c));
		*sigp_ctrl_c = c.c;
		*scn = c.scn;
	} else {
		union bsca_sigp_ctrl c;

		memcpy(&c, e + 1, sizeof(c));
		*sigp_ctrl_c = c.c;
		*scn = c.scn;
	}
	memcpy(sda, e + 8, sizeof(*sda));
	return 0;
}

/*
 * The machine running guest-3 from the shadow block (vsie_run's sie64a), model: the
 * guest-3 CPU issues the one SIGP of vcpu->g3_action. With SIGP interpretation in the
 * shadow block (ECA_SIGPI, osda set by shadow_sca), the firmware takes the shadow SCA at
 * the block's SCA origin, follows cpu[target].ssda to the target's shadow SIE block (SENSE
 * RUNNING STATUS: cc 0 running, 1 not) or cpu[target].ossea to the target's *original* SCA
 * entry in guest-2 memory (EXTERNAL CALL: sets sigp_ctrl c and scn = source CPU; cc 1 if
 * one is pending already). Anything else is a SIGP instruction intercept (ICPT_INST,
 * ipa 0xae00) that guest-1 reflects to guest-2: a VSIE exit.
 */
void s390_sie_run_g3(struct s390_kvm_vcpu *vcpu, struct vsie_page *vsie_page)
{
	struct s390_kvm *kvm = vcpu->kvm;
	struct kvm_s390_sie_block *scb_s = &vsie_page->scb_s;
	struct s390_g3_action *a = &vcpu->g3_action;
	struct s390_g3_result *r = &vcpu->g3_result;
	struct ssca_block *ssca;
	struct ssca_entry *e;

	if (!a->order)
		return;
	if (!(scb_s->eca & ECA_SIGPI) || !scb_s->osda || a->target >= KVM_S390_MAX_VSIE_VCPUS ||
	    (a->order == SIGP_SENSE_RUNNING && !(scb_s->ecb & ECB_SRSI)))
		goto intercept;
	ssca = s390_virt(kvm, ((u64)scb_s->scaoh << 32) | scb_s->scaol);
	if (!ssca || !ssca->osca)
		goto intercept;
	e = &ssca->cpu[a->target];
	if (!e->ssda || !e->ossea)
		goto intercept;
	r->ssda = e->ssda;
	r->ossea = e->ossea;
	if (a->order == SIGP_SENSE_RUNNING) {
		struct kvm_s390_sie_block *t = s390_virt(kvm, e->ssda);

		r->cc = (t->cpuflags & CPUSTAT_RUNNING) ? 0 : 1;
	} else if (a->order == SIGP_EXTERNAL_CALL) {
		u8 *orig = s390_virt(kvm, e->ossea);

		if (scb_s->ecb2 & ECB2_ESCA) {
			union esca_sigp_ctrl c;

			memcpy(&c, orig, sizeof(c));
			r->cc = c.c ? 1 : 0;
			if (!c.c) {
				c.c = 1;
				c.scn = (u8)scb_s->icpua;
				memcpy(orig, &c, sizeof(c));
			}
		} else {
			union bsca_sigp_ctrl c;

			memcpy(&c, orig + 1, sizeof(c));
			r->cc = c.c ? 1 : 0;
			if (!c.c) {
				c.c = 1;
				c.scn = (u8)scb_s->icpua & SIGP_CTRL_SCN_MASK;
				memcpy(orig + 1, &c, sizeof(c));
			}
		}
	} else {
		goto intercept;
	}
	r->interpreted = true;
	kvm->model.sigp_interpreted++;
	return;
intercept:
	scb_s->icptcode = ICPT_INST;
	scb_s->ipa = 0xae00;
	kvm->model.sigp_intercepted++;
}
