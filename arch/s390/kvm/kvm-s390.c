// SPDX-License-Identifier: GPL-2.0
/*
 * arch/s390/kvm/kvm-s390.c (v6.18 + RFC v2 patch 4), reduced to what VSIE needs: VM
 * creation with the CPU features offered to guest-2 and the vsie_sigpif decision, and
 * drivers/s390/char/sclp_early.c's detection of the facility.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vsie_internal.h"

/*
 * Models the byte-134 part of sclp_early_facilities_detect() (RFC v2 patch 4):
 * diag318 0x80, diag320 0x04, iplcc 0x02, and the new vsie_sigpif 0x01.
 */
void sclp_early_detect_byte_134(struct s390_sclp *sclp, u8 byte_134)
{
	sclp->has_diag318 = !!(byte_134 & 0x80);
	sclp->has_diag320 = !!(byte_134 & 0x04);
	sclp->has_iplcc = !!(byte_134 & 0x02);
	sclp->has_vsie_sigpif = !!(byte_134 & 0x01);
}

/* Models kvm_s390_inject_program_int() into guest-2: the model records the code. */
void kvm_s390_inject_program_int(struct s390_kvm_vcpu *vcpu, u8 code)
{
	vcpu->pgm_code = code;
}

/*
 * Models kvm_arch_init_vm() and kvm_s390_cpu_feat_init() (v6.18 + RFC v2 patches 4 and 7),
 * reduced: the CPU features offered to guest-2 are SIEF2, 64BSCAO when the machine has
 * them, and SIGPIF when it has vsie_sigpif (patch 7 drops the old "cannot easily shadow
 * the SCA because of the ipte lock" restriction); kvm->arch.use_vsie_sigpif =
 * sclp.has_vsie_sigpif. The module parameters are copied into the VM (the kernel reads
 * the globals at use).
 */
int s390_kvm_create_vm(struct s390_kvm **out, const struct s390_kvm_config *cfg)
{
	struct s390_kvm *kvm;
	int rc;

	if (cfg->nr_vcpus < 1 || cfg->nr_vcpus > S390_G2_MAX_VCPUS)
		return -EINVAL;
	kvm = calloc(1, sizeof(*kvm));
	if (!kvm)
		return -ENOMEM;
	rc = s390_mem_init(&kvm->mem, cfg->g2_pages, cfg->host_pages);
	if (rc) {
		free(kvm);
		return rc;
	}
	kvm->sclp = cfg->sclp;
	if (kvm->sclp.has_sief2)
		kvm->arch.cpu_feat |= 1ul << KVM_S390_VM_CPU_FEAT_SIEF2;
	if (kvm->sclp.has_64bscao)
		kvm->arch.cpu_feat |= 1ul << KVM_S390_VM_CPU_FEAT_64BSCAO;
	if (kvm->sclp.has_vsie_sigpif)
		kvm->arch.cpu_feat |= 1ul << KVM_S390_VM_CPU_FEAT_SIGPIF;
	kvm->arch.use_vsie_sigpif = kvm->sclp.has_vsie_sigpif;
	kvm->vsie_shadow_scb_max = cfg->vsie_shadow_scb_max;
	kvm->vsie_shadow_sca_max = cfg->vsie_shadow_sca_max;
	kvm->rfc_defects = cfg->rfc_defects;
	kvm->online_vcpus = cfg->nr_vcpus;
	for (int i = 0; i < cfg->nr_vcpus; i++) {
		kvm->vcpus[i].kvm = kvm;
		kvm->vcpus[i].id = i;
		kvm->vcpus[i].prefix = 0x2000ull * (1 + i); /* 8K-aligned lowcore pairs */
	}
	kvm_s390_vsie_init(kvm);
	*out = kvm;
	return 0;
}

/* Models kvm_arch_destroy_vm() -> kvm_s390_vsie_destroy(), then frees the memory. */
void s390_kvm_destroy_vm(struct s390_kvm *kvm)
{
	if (!kvm)
		return;
	kvm_s390_vsie_destroy(kvm);
	s390_mem_free(&kvm->mem);
	free(kvm);
}
