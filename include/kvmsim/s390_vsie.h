/* SPDX-License-Identifier: GPL-2.0 */
/*
 * s390 KVM: VSIE (guest-2 running guest-3 through guest-1's KVM) with SIGP interpretation,
 * i.e. the shadow SCA of Christoph Schlameuss' "[PATCH RFC v2 00/11] KVM: s390: Add VSIE
 * SIGP Interpretation (vsie_sigpif)" (10 Nov 2025) on top of arch/s390/kvm/vsie.c (v6.18).
 *
 * Layouts are the architecture's (arch/s390/include/asm/kvm_host_types.h): sizes and
 * offsets are asserted in arch/s390/kvm/vsie.c. Values are stored in the model's (host)
 * byte order; byte-sized MSB-first bitfields are declared so that their bits land where
 * s390 puts them (bsca_sigp_ctrl.c is 0x80). The kernel objects that live in host memory
 * (vsie pages, vsie_sca, ssca_block) and guest-2's memory are all carved from one
 * simulated "host physical" arena, so that host-physical addresses (hpa) are real offsets
 * the firmware model can follow. See docs/model/s390-vsie.md.
 *
 * The VM/vCPU types are named s390_kvm / s390_kvm_vcpu (not kvm / kvm_vcpu) because the
 * library links every architecture's model together.
 */
#ifndef KVMSIM_S390_VSIE_H
#define KVMSIM_S390_VSIE_H

#include "kvmsim/types.h"

#if __SIZEOF_POINTER__ != 8
#error "the vsie_page layout assumes 64-bit pointers, as on s390x"
#endif

#define S390_PAGE_SHIFT 12
#define S390_PAGE_SIZE	(1ull << S390_PAGE_SHIFT)
#define S390_PAGE_MASK	(~(S390_PAGE_SIZE - 1))

typedef u64 gpa_t;
typedef u64 hpa_t;

/* ---- architecture structures (kvm_host_types.h) ---- */

#define KVM_S390_BSCA_CPU_SLOTS 64
#define KVM_S390_ESCA_CPU_SLOTS 248
#define KVM_S390_MAX_VSIE_VCPUS 256
#define KVM_S390_MAX_SCA_PAGES	5
#define SIGP_CTRL_C		0x80
#define SIGP_CTRL_SCN_MASK	0x3f

union ipte_control {
	u64 val; /* k:1 kh:31 kg:32, MSB first */
};
#define IPTE_CONTROL_K (1ull << 63)

union sca_utility {
	u32 val; /* mtcr:1, MSB first */
};
#define SCA_UTILITY_MTCR 0x80000000u

union bsca_sigp_ctrl {
	u8 value;
	struct {
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		u8 c : 1;
		u8 r : 1;
		u8 scn : 6;
#else
		u8 scn : 6;
		u8 r : 1;
		u8 c : 1;
#endif
	};
};

union esca_sigp_ctrl {
	u16 value;
	struct {
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		u8 c : 1;
		u8 reserved : 7;
#else
		u8 reserved : 7;
		u8 c : 1;
#endif
		u8 scn;
	};
};

struct bsca_entry {
	u8 reserved0;
	union bsca_sigp_ctrl sigp_ctrl;
	u16 reserved[3];
	u64 sda;
	u64 reserved2[2];
};

struct esca_entry {
	union esca_sigp_ctrl sigp_ctrl;
	u16 reserved1[3];
	u64 sda;
	u64 reserved2[6];
};

struct bsca_block {
	union ipte_control ipte_control;
	u64 reserved[5];
	u64 mcn;
	union sca_utility utility;
	u8 reserved2[4];
	struct bsca_entry cpu[KVM_S390_BSCA_CPU_SLOTS];
};

struct esca_block {
	union ipte_control ipte_control;
	u64 reserved1[6];
	union sca_utility utility;
	u8 reserved2[4];
	u64 mcn[4];
	u64 reserved3[20];
	struct esca_entry cpu[KVM_S390_ESCA_CPU_SLOTS];
};

/* RFC patch 5: the shadow SCA guest-1 builds for the firmware (ssda/ossea/osca are hpa) */
struct ssca_entry {
	u64 reserved1;
	u64 ssda;  /* host-physical address of the *shadow* SIE block */
	u64 ossea; /* host-physical address of the *original* SCA entry */
	u64 reserved2;
};

struct ssca_block {
	u64 osca; /* host-physical address of the original SCA */
	u64 reserved08[7];
	struct ssca_entry cpu[KVM_S390_MAX_VSIE_VCPUS];
};

/* cpuflags */
#define CPUSTAT_STOPPED 0x80000000u
#define CPUSTAT_RUNNING 0x00800000u
#define CPUSTAT_ZARCH	0x00000800u

#define ECA_SIGPI	0x10000000u
#define ECB_SRSI	0x04
#define ECB2_ESCA	0x04
#define ESCA_SCAOL_MASK ~0x3fU

#define ICPT_INST     0x04
#define ICPT_VALIDITY 0x20

/* struct kvm_s390_sie_block: 512 bytes, 512-aligned, packed (pp sits at 0x1de) */
struct kvm_s390_sie_block {
	u32 cpuflags;	    /* 0x0000 atomic_t */
	u32 prefix_ibc;	    /* 0x0004 :1 prefix:18 :1 ibc:12 (one word in the model) */
	u8 reserved08[4];   /* 0x0008 */
	u32 prog0c;	    /* 0x000c */
	u8 reserved10[16];  /* 0x0010 pv_handle_cpu / pv_handle_config */
	u32 prog20;	    /* 0x0020 */
	u8 reserved24[4];   /* 0x0024 */
	u64 cputm;	    /* 0x0028 */
	u64 ckc;	    /* 0x0030 */
	u64 epoch;	    /* 0x0038 */
	u32 svcc;	    /* 0x0040 */
	u16 lctl;	    /* 0x0044 */
	s16 icpua;	    /* 0x0046 */
	u32 ictl;	    /* 0x0048 */
	u32 eca;	    /* 0x004c */
	u8 icptcode;	    /* 0x0050 */
	u8 icptstatus;	    /* 0x0051 */
	u16 ihcpu;	    /* 0x0052 */
	u8 reserved54;	    /* 0x0054 */
	u8 iictl;	    /* 0x0055 */
	u16 ipa;	    /* 0x0056 */
	u32 ipb;	    /* 0x0058 */
	u32 scaoh;	    /* 0x005c */
	u8 fpf;		    /* 0x0060 */
	u8 ecb;		    /* 0x0061 */
	u8 ecb2;	    /* 0x0062 */
	u8 ecb3;	    /* 0x0063 */
	u32 scaol;	    /* 0x0064 */
	u8 sdf;		    /* 0x0068 */
	u8 epdx;	    /* 0x0069 */
	u8 cpnc;	    /* 0x006a */
	u8 reserved6b;	    /* 0x006b */
	u32 todpr;	    /* 0x006c */
	u32 gd;		    /* 0x0070 */
	u8 reserved74[12];  /* 0x0074 */
	u64 mso;	    /* 0x0080 */
	u64 msl;	    /* 0x0088 */
	u64 gpsw_mask;	    /* 0x0090 psw_t */
	u64 gpsw_addr;	    /* 0x0098 */
	u64 gg14;	    /* 0x00a0 */
	u64 gg15;	    /* 0x00a8 */
	u8 reservedb0[8];   /* 0x00b0 */
	u8 hpid;	    /* 0x00b8 */
	u8 reservedb9[7];   /* 0x00b9 */
	u64 mcic;	    /* 0x00c0 eiparams / extcpuaddr / eic */
	u32 reservedc8;	    /* 0x00c8 */
	u32 edc;	    /* 0x00cc pgmilc / iprcc */
	u64 faddr;	    /* 0x00d0 dxc / mcn / perc / peratmid */
	u64 peraddr;	    /* 0x00d8 */
	u8 eai;		    /* 0x00e0 */
	u8 peraid;	    /* 0x00e1 */
	u8 oai;		    /* 0x00e2 */
	u8 armid;	    /* 0x00e3 */
	u8 reservede4[4];   /* 0x00e4 */
	u64 tecmc;	    /* 0x00e8 subchannel_id / subchannel_nr / io_int_parm */
	u32 io_int_word;    /* 0x00f0 */
	u8 reservedf4[8];   /* 0x00f4 */
	u32 crycbd;	    /* 0x00fc */
	u64 gcr[16];	    /* 0x0100 */
	u64 gbea;	    /* 0x0180 */
	u8 reserved188[8];  /* 0x0188 */
	u64 sdnxo;	    /* 0x0190 */
	u8 reserved198[8];  /* 0x0198 */
	u32 fac;	    /* 0x01a0 */
	u8 reserved1a4[20]; /* 0x01a4 */
	u64 cbrlo;	    /* 0x01b8 */
	u64 osda;	    /* 0x01c0 RFC patch 5: original state description address */
	u32 ecd;	    /* 0x01c8 */
	u8 reserved1cc[18]; /* 0x01cc */
	u64 pp;		    /* 0x01de */
	u8 reserved1e6[2];  /* 0x01e6 */
	u64 itdba;	    /* 0x01e8 */
	u64 riccbd;	    /* 0x01f0 */
	u64 gvrd;	    /* 0x01f8 */
} __attribute__((packed, aligned(512)));

/* UAPI CPU feature bits (arch/s390/include/uapi/asm/kvm.h) */
#define KVM_S390_VM_CPU_FEAT_ESOP    0
#define KVM_S390_VM_CPU_FEAT_SIEF2   1
#define KVM_S390_VM_CPU_FEAT_64BSCAO 2
#define KVM_S390_VM_CPU_FEAT_SIIF    3
#define KVM_S390_VM_CPU_FEAT_GPERE   4
#define KVM_S390_VM_CPU_FEAT_GSLS    5
#define KVM_S390_VM_CPU_FEAT_IB	     6
#define KVM_S390_VM_CPU_FEAT_CEI     7
#define KVM_S390_VM_CPU_FEAT_IBS     8
#define KVM_S390_VM_CPU_FEAT_SKEY    9
#define KVM_S390_VM_CPU_FEAT_CMMA    10
#define KVM_S390_VM_CPU_FEAT_PFMFI   11
#define KVM_S390_VM_CPU_FEAT_SIGPIF  12
#define KVM_S390_VM_CPU_FEAT_KSS     13

#define PGM_ADDRESSING	  0x05
#define PGM_SPECIFICATION 0x06

#define SIGP_EXTERNAL_CALL 0x02
#define SIGP_SENSE_RUNNING 0x15

/* ---- guest-1 KVM objects ---- */

struct kvm_address_pair {
	gpa_t gpa;
	hpa_t hpa;
};

struct mcck_volatile_info {
	u64 mcic;
	u64 failing_storage_address;
	u32 ext_damage_code;
	u32 reserved;
};

struct vsie_sca;

/* vsie_page flags */
#define VSIE_PAGE_IN_USE 0
#define VSIE_PAGE_PINNED 1 /* RFC: scb_o pinned when handed out, unpinned lazily */
#define VSIE_PAGE_IN_SCA 8 /* model: the page moved from arch.vsie.pages[] into a vsie_sca */

/* struct vsie_page (vsie.c): exactly one page */
struct vsie_page {
	struct kvm_s390_sie_block scb_s;     /* 0x0000 */
	struct mcck_volatile_info mcck_info; /* 0x0200 */
	struct kvm_s390_sie_block *scb_o;    /* 0x0218 */
	void *gmap;			     /* 0x0220 */
	unsigned long fault_addr;	     /* 0x0228 */
	gpa_t sca_gpa;			     /* 0x0230 */
	gpa_t itdba_gpa;		     /* 0x0238 */
	gpa_t gvrd_gpa;			     /* 0x0240 */
	gpa_t riccbd_gpa;		     /* 0x0248 */
	gpa_t sdnx_gpa;			     /* 0x0250 */
	gpa_t scb_gpa;			     /* 0x0258 */
	unsigned long flags;		     /* 0x0260 */
	struct vsie_sca *sca;		     /* 0x0268 RFC patch 7 */
	u8 reserved[0x0700 - 0x0270];	     /* 0x0270 */
	u8 crycb[0x100];		     /* 0x0700 struct kvm_s390_crypto_cb */
	u8 fac[2048];			     /* 0x0800 S390_ARCH_FAC_LIST_SIZE_BYTE */
};

/* vsie_sca flags */
#define VSIE_SCA_ESCA	0
#define VSIE_SCA_PINNED 1

/* struct vsie_sca (RFC patch 7): one page */
struct vsie_sca {
	gpa_t sca_gpa;
	int ref_count; /* atomic_t */
	unsigned long flags;
	int sca_o_nr_pages;
	struct kvm_address_pair sca_o_pages[KVM_S390_MAX_SCA_PAGES];
	u64 mcn[4]; /* snapshot of the original SCA's mcn */
	struct ssca_block *ssca;
	int page_count;
	struct vsie_page *pages[KVM_S390_MAX_VSIE_VCPUS]; /* by guest-3 CPU number (icpua) */
};

/* The model's radix tree: key -> item, linear (see docs). */
struct vsie_radix {
	u64 *keys;
	void **items;
	unsigned int nr, cap;
};

struct kvm_s390_vsie {
	/* mutex and ssca_lock (rw_semaphore): the model is single-threaded */
	struct vsie_radix addr_to_page; /* key: scb gpa >> 9 */
	struct vsie_radix osca_to_sca;	/* key: original SCA g2 address */
	int page_count;
	int next;
	struct vsie_page *pages[KVM_S390_MAX_VSIE_VCPUS];
	int sca_count;
	int sca_next;
	struct vsie_sca *scas[KVM_S390_MAX_VSIE_VCPUS];
};

/* The machine (SCLP facilities of guest-1's configuration) */
struct s390_sclp {
	bool has_sief2;
	bool has_64bscao;
	bool has_esca;
	bool has_sigpif;
	bool has_vsie_sigpif; /* RFC patch 4: byte 134 bit 0x01 */
	bool has_diag318;
	bool has_diag320;
	bool has_iplcc;
};

/* Models the byte-134 part of sclp_early_facilities_detect() (RFC patch 4). */
void sclp_early_detect_byte_134(struct s390_sclp *sclp, u8 byte_134);

/* The RFC's code defects (selectable; the corrected model is the default: 0) */
#define VSIE_RFC_REUSE_LOOP BIT(0) /* get_free_existing_vsie_sca loops "i >= sca_count" */
#define VSIE_RFC_SCA_COUNT  BIT(1) /* patch 7 does not increment sca_count */
#define VSIE_RFC_FREE_WRONG BIT(2) /* ssca allocation failure frees sca, not sca_new */
/* the posted series as a whole (patch 11 adds sca_count++) */
#define VSIE_RFC_V2 (VSIE_RFC_REUSE_LOOP | VSIE_RFC_FREE_WRONG)
/* the state after patch 7 alone */
#define VSIE_RFC_V2_P7 (VSIE_RFC_REUSE_LOOP | VSIE_RFC_SCA_COUNT | VSIE_RFC_FREE_WRONG)

/* kvm_vm_stat (RFC patch 11) */
struct kvm_s390_vm_stat {
	u64 vsie_shadow_scb;
	u64 vsie_shadow_sca;
	u64 vsie_shadow_sca_create;
	u64 vsie_shadow_sca_reuse;
};

/* Simulated host-physical memory: frame 0 reserved, guest-2 frames, then host frames. */
struct s390_mem {
	u8 *base;
	u64 nr_frames;
	u8 *frame_state; /* 0 free, 1 host allocation head, 2 host allocation tail, 3 guest */
	u32 *pin_count;
	u8 *dirty;
	u64 nr_gfns;
	u64 *gfn_to_pfn; /* ~0ull: not backed (a hole) */
	u64 host_first;	 /* first host frame */
	u64 host_frames_in_use;
	u64 fail_alloc_pages; /* fault injection: fail the next allocation of this many pages */
};

#define S390_G2_MAX_VCPUS 64

struct s390_kvm;

/* A guest-3 action the machine performs during vsie_run (model of the firmware) */
struct s390_g3_action {
	u8 order; /* 0: none, SIGP_EXTERNAL_CALL, SIGP_SENSE_RUNNING */
	u16 target;
};

struct s390_g3_result {
	bool interpreted; /* handled by the firmware without a VSIE exit */
	int cc;		  /* SIGP condition code when interpreted */
	hpa_t ssda;	  /* shadow SIE block the firmware followed */
	hpa_t ossea;	  /* original SCA entry the firmware followed */
};

struct s390_kvm_vcpu {
	struct s390_kvm *kvm;
	int id;
	u64 prefix;  /* kvm_s390_get_prefix(): guest-2 prefix (8K aligned) */
	u8 pgm_code; /* last program interruption injected into guest-2 (0 = none) */
	struct kvm_s390_sie_block *vsie_block; /* register_shadow_scb() */
	struct s390_g3_action g3_action;
	struct s390_g3_result g3_result;
	struct {
		u64 instruction_sie;
	} stat;
};

struct s390_kvm_config {
	int nr_vcpus;	/* guest-2 vCPUs (online_vcpus) */
	u64 g2_pages;	/* guest-2 memory in pages (rounded up to a power of two) */
	u64 host_pages; /* host frames for guest-1's own allocations */
	struct s390_sclp sclp;
	unsigned int vsie_shadow_scb_max; /* module parameters (RFC patch 10), default 0 */
	unsigned int vsie_shadow_sca_max;
	unsigned int rfc_defects;
};

/* The model's own counters */
struct s390_vsie_model_stat {
	u64 vsie_entries;
	u64 validity;
	u64 last_validity_code;
	u64 init_ssca;
	u64 sigp_interpreted;
	u64 sigp_intercepted;
	u64 warnings;
	u64 reuse_failed; /* get_free_existing_vsie_sca() found nothing */
};

struct s390_kvm {
	struct s390_mem mem;
	struct s390_sclp sclp;
	struct {
		unsigned long cpu_feat; /* offered to guest-2 */
		bool use_vsie_sigpif;
		struct kvm_s390_vsie vsie;
	} arch;
	int online_vcpus;
	struct s390_kvm_vcpu vcpus[S390_G2_MAX_VCPUS];
	unsigned int vsie_shadow_scb_max;
	unsigned int vsie_shadow_sca_max;
	unsigned int rfc_defects;
	struct kvm_s390_vm_stat stat;
	struct s390_vsie_model_stat model;
};

/* memory */
hpa_t s390_phys(const struct s390_kvm *kvm, const void *p);
void *s390_virt(const struct s390_kvm *kvm, hpa_t hpa);
/* gfn_to_page + offset: 0 and *hpa, or -EINVAL (no page) */
int s390_gpa_to_hpa(const struct s390_kvm *kvm, gpa_t gpa, hpa_t *hpa);
/* guest-2 accesses (may cross pages) */
int s390_g2_read(struct s390_kvm *kvm, gpa_t gpa, void *dst, u64 len);
int s390_g2_write(struct s390_kvm *kvm, gpa_t gpa, const void *src, u64 len);
u64 s390_host_frames_in_use(const struct s390_kvm *kvm);
u64 s390_pinned_pages(const struct s390_kvm *kvm);

/* VM lifecycle (kvm_arch_init_vm / kvm_arch_destroy_vm, reduced) */
int s390_kvm_create_vm(struct s390_kvm **out, const struct s390_kvm_config *cfg);
void s390_kvm_destroy_vm(struct s390_kvm *kvm);
static inline bool test_kvm_cpu_feat(const struct s390_kvm *kvm, int feat)
{
	return kvm->arch.cpu_feat & (1ul << feat);
}

/* vsie.c mirror */
u64 read_scao(const struct s390_kvm *kvm, const struct kvm_s390_sie_block *scb);
void write_scao(struct kvm_s390_sie_block *scb, u64 addr);
int set_validity_icpt(struct kvm_s390_sie_block *scb, u16 reason_code);
int validate_scao(struct s390_kvm_vcpu *vcpu, struct kvm_s390_sie_block *scb,
		  struct kvm_s390_sie_block *scb_s, gpa_t gpa);
int pin_guest_page(struct s390_kvm *kvm, gpa_t gpa, hpa_t *hpa);
void unpin_guest_page(struct s390_kvm *kvm, gpa_t gpa, hpa_t hpa);
int pin_guest_pages(struct s390_kvm *kvm, gpa_t gpa, unsigned int nr_pages,
		    struct kvm_address_pair *addr);
void unpin_guest_pages(struct s390_kvm *kvm, struct kvm_address_pair *addr, unsigned int nr_pages);
bool use_vsie_sigpif(const struct s390_kvm *kvm);
int kvm_s390_handle_vsie(struct s390_kvm_vcpu *vcpu, gpa_t scb_addr);
void kvm_s390_vsie_init(struct s390_kvm *kvm);
void kvm_s390_vsie_destroy(struct s390_kvm *kvm);
/* lookups for tests and the tool */
struct vsie_sca *s390_vsie_sca_lookup(struct s390_kvm *kvm, gpa_t sca_gpa);
struct vsie_page *s390_vsie_page_lookup(struct s390_kvm *kvm, gpa_t scb_gpa);
/* get_sca_entry_addr(): gpa and hpa of the original SCA's entry cpu_nr */
void get_sca_entry_addr(const struct vsie_sca *sca, int cpu_nr, gpa_t *gpa, hpa_t *hpa);
static inline bool sca_mcn_test(const u64 *mcn, int nr)
{
	return mcn[nr / 64] & (1ull << (63 - nr % 64));
}

/* ---- guest-2 (model machinery, arch/s390/kvm/vsie_guest2.c) ---- */

/* A guest-3 configuration guest-2 runs: its SCA and one SIE block per CPU */
struct s390_g3_config {
	struct s390_kvm *kvm;
	gpa_t sca_gpa;
	bool esca;
	bool sigpi;				/* ECA_SIGPI + ECB_SRSI in the guest-3 SIE blocks */
	gpa_t scb_gpa[KVM_S390_MAX_VSIE_VCPUS]; /* 0: no CPU */
};

int s390_g3_create(struct s390_g3_config *cfg, struct s390_kvm *kvm, gpa_t sca_gpa, bool esca,
		   bool sigpi, int nr_cpus, gpa_t scb_base);
int s390_g3_add_cpu(struct s390_g3_config *cfg, int cpu_nr, gpa_t scb_gpa);
int s390_g3_remove_cpu(struct s390_g3_config *cfg, int cpu_nr);
/* guest-2 replaces the BSCA by a new ESCA at new_sca_gpa (> 64 CPUs) */
int s390_g3_switch_to_esca(struct s390_g3_config *cfg, gpa_t new_sca_gpa);
/* guest-2 vCPU g2vcpu executes SIE for guest-3 CPU cpu_nr, with an optional action */
int s390_g3_enter(struct s390_g3_config *cfg, int g2vcpu, int cpu_nr,
		  const struct s390_g3_action *action);
/* the original SCA entry of cpu_nr as guest-2 sees it */
int s390_g3_read_entry(struct s390_g3_config *cfg, int cpu_nr, u8 *sigp_ctrl_c, u8 *scn, u64 *sda);

/* The machine's SIE with vsie_sigpif (model of the firmware): see vsie_guest2.c */
void s390_sie_run_g3(struct s390_kvm_vcpu *vcpu, struct vsie_page *vsie_page);

#endif
