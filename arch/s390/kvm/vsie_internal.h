/* SPDX-License-Identifier: GPL-2.0 */
/* Private helpers of the s390 VSIE model (arch/s390/kvm/). */
#ifndef KVMSIM_S390_VSIE_INTERNAL_H
#define KVMSIM_S390_VSIE_INTERNAL_H

#include "kvmsim/s390_vsie.h"

int s390_mem_init(struct s390_mem *m, u64 g2_pages, u64 host_pages);
void s390_mem_free(struct s390_mem *m);
/* alloc_pages_exact / __get_free_page over the host frames: zeroed, page aligned */
void *s390_alloc_pages(struct s390_kvm *kvm, u64 nr);
void s390_free_pages(struct s390_kvm *kvm, void *p, u64 nr);
void kvm_s390_inject_program_int(struct s390_kvm_vcpu *vcpu, u8 code);

#endif
