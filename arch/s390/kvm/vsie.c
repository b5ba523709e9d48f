// SPDX-License-Identifier: GPL-2.0
/*
 * arch/s390/kvm/vsie.c: VSIE with the shadow SCA of "[PATCH RFC v2 00/11] KVM: s390: Add
 * VSIE SIGP Interpretation (vsie_sigpif)" (Christoph Schlameuss, 10 Nov 2025) on v6.18.
 *
 * What is modeled: the SCA origin helpers (patch 1), validate_scao (3), the shadow SCA
 * structures (5), pin_guest_pages (6), get_vsie_sca / init_ssca / shadow_sca (7), CPU
 * add/remove through mcn changes (8), the BSCA -> ESCA switch (9), the module parameters
 * (10) and the stat counters (11), with the three defects found in the RFC selectable
 * (kvm->rfc_defects; 0 = corrected). What is not: the gmap shadow, satellite blocks other
 * than the SCA (pin_blocks), the crypto/facility shadows, interrupts, locking (the model is
 * single-threaded: mutex, ssca_lock and RCU are no-ops). See docs/model/s390-vsie.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vsie_internal.h"

/* ---- layout assertions: the architecture's sizes and offsets ---- */
#define ASSERT_OFF(t, f, o) _Static_assert(offsetof(struct t, f) == (o), #t "." #f)
_Static_assert(sizeof(union bsca_sigp_ctrl) == 1, "bsca_sigp_ctrl");
_Static_assert(sizeof(union esca_sigp_ctrl) == 2, "esca_sigp_ctrl");
_Static_assert(sizeof(struct bsca_entry) == 32, "bsca_entry");
_Static_assert(sizeof(struct esca_entry) == 64, "esca_entry");
ASSERT_OFF(bsca_entry, sigp_ctrl, 1);
ASSERT_OFF(bsca_entry, sda, 8);
ASSERT_OFF(esca_entry, sigp_ctrl, 0);
ASSERT_OFF(esca_entry, sda, 8);
_Static_assert(sizeof(struct bsca_block) == 2112, "bsca_block");
ASSERT_OFF(bsca_block, mcn, 48);
ASSERT_OFF(bsca_block, utility, 56);
ASSERT_OFF(bsca_block, cpu, 64);
_Static_assert(sizeof(struct esca_block) == 16128, "esca_block");
ASSERT_OFF(esca_block, utility, 56);
ASSERT_OFF(esca_block, mcn, 64);
ASSERT_OFF(esca_block, cpu, 256);
_Static_assert(sizeof(struct ssca_entry) == 32, "ssca_entry");
ASSERT_OFF(ssca_entry, ssda, 8);
ASSERT_OFF(ssca_entry, ossea, 16);
_Static_assert(sizeof(struct ssca_block) == 8256, "ssca_block");
ASSERT_OFF(ssca_block, osca, 0);
ASSERT_OFF(ssca_block, cpu, 64);
_Static_assert(sizeof(struct kvm_s390_sie_block) == 512, "sie_block");
_Static_assert(_Alignof(struct kvm_s390_sie_block) == 512, "sie_block alignment");
ASSERT_OFF(kvm_s390_sie_block, icpua, 0x46);
ASSERT_OFF(kvm_s390_sie_block, eca, 0x4c);
ASSERT_OFF(kvm_s390_sie_block, icptcode, 0x50);
ASSERT_OFF(kvm_s390_sie_block, ipa, 0x56);
ASSERT_OFF(kvm_s390_sie_block, ipb, 0x58);
ASSERT_OFF(kvm_s390_sie_block, scaoh, 0x5c);
ASSERT_OFF(kvm_s390_sie_block, ecb, 0x61);
ASSERT_OFF(kvm_s390_sie_block, ecb2, 0x62);
ASSERT_OFF(kvm_s390_sie_block, scaol, 0x64);
ASSERT_OFF(kvm_s390_sie_block, mso, 0x80);
ASSERT_OFF(kvm_s390_sie_block, gpsw_mask, 0x90);
ASSERT_OFF(kvm_s390_sie_block, crycbd, 0xfc);
ASSERT_OFF(kvm_s390_sie_block, gcr, 0x100);
ASSERT_OFF(kvm_s390_sie_block, fac, 0x1a0);
ASSERT_OFF(kvm_s390_sie_block, cbrlo, 0x1b8);
ASSERT_OFF(kvm_s390_sie_block, osda, 0x1c0);
ASSERT_OFF(kvm_s390_sie_block, ecd, 0x1c8);
ASSERT_OFF(kvm_s390_sie_block, pp, 0x1de);
ASSERT_OFF(kvm_s390_sie_block, itdba, 0x1e8);
ASSERT_OFF(kvm_s390_sie_block, gvrd, 0x1f8);
_Static_assert(sizeof(struct vsie_page) == S390_PAGE_SIZE, "vsie_page is one page");
ASSERT_OFF(vsie_page, mcck_info, 0x200);
ASSERT_OFF(vsie_page, scb_o, 0x218);
ASSERT_OFF(vsie_page, sca_gpa, 0x230);
ASSERT_OFF(vsie_page, scb_gpa, 0x258);
ASSERT_OFF(vsie_page, flags, 0x260);
ASSERT_OFF(vsie_page, sca, 0x268);
ASSERT_OFF(vsie_page, crycb, 0x700);
ASSERT_OFF(vsie_page, fac, 0x800);
_Static_assert(sizeof(struct vsie_sca) <= S390_PAGE_SIZE, "vsie_sca fits a page");
/* "ESCA: 4 pages, up to 5 if not page aligned" */
_Static_assert((S390_PAGE_SIZE - 1 + sizeof(struct esca_block) + S390_PAGE_SIZE - 1) /
		       S390_PAGE_SIZE ==
		   KVM_S390_MAX_SCA_PAGES,
	       "KVM_S390_MAX_SCA_PAGES");

#define SSCA_PAGES	((sizeof(struct ssca_block) + S390_PAGE_SIZE - 1) / S390_PAGE_SIZE)
#define SCB_GPA_INVALID (~0ull)

static inline bool test_bit_ul(int nr, const unsigned long *w)
{
	return *w & (1ul << nr);
}

static inline void set_bit_ul(int nr, unsigned long *w)
{
	*w |= 1ul << nr;
}

static inline void clear_bit_ul(int nr, unsigned long *w)
{
	*w &= ~(1ul << nr);
}

static void vsie_warn(struct s390_kvm *kvm)
{
	kvm->model.warnings++;
}

/* ---- the radix trees, as a linear map ---- */

static void *radix_lookup(const struct vsie_radix *r, u64 key)
{
	for (unsigned int i = 0; i < r->nr; i++)
		if (r->keys[i] == key)
			return r->items[i];
	return NULL;
}

static int radix_insert(struct vsie_radix *r, u64 key, void *item)
{
	if (radix_lookup(r, key))
		return -EEXIST;
	if (r->nr == r->cap) {
		unsigned int cap = r->cap ? 2 * r->cap : 64;
		u64 *k = realloc(r->keys, cap * sizeof(*k));
		void **it;

		if (!k)
			return -ENOMEM;
		r->keys = k;
		it = realloc(r->items, cap * sizeof(*it));
		if (!it)
			return -ENOMEM;
		r->items = it;
		r->cap = cap;
	}
	r->keys[r->nr] = key;
	r->items[r->nr++] = item;
	return 0;
}

static void radix_delete(struct vsie_radix *r, u64 key)
{
	for (unsigned int i = 0; i < r->nr; i++) {
		if (r->keys[i] == key) {
			r->keys[i] = r->keys[--r->nr];
			r->items[i] = r->items[r->nr];
			return;
		}
	}
}

static void radix_free(struct vsie_radix *r)
{
	free(r->keys);
	free(r->items);
	memset(r, 0, sizeof(*r));
}

/* ---- patch 1: SCA origin helpers ---- */

/*
 * Models read_scao() (RFC v2 patch 1): scaol & ~0xf, plus scaoh << 32 only when the VM
 * has the 64-bit SCA origin feature. (Reviewers noted the value is a g2 gpa when read
 * from the original block but an hpa in the shadow; the model only reads originals.)
 */
u64 read_scao(const struct s390_kvm *kvm, const struct kvm_s390_sie_block *scb)
{
	u64 sca = scb->scaol & ~0xfull;

	if (test_kvm_cpu_feat(kvm, KVM_S390_VM_CPU_FEAT_64BSCAO))
		sca |= (u64)scb->scaoh << 32;
	return sca;
}

/* Models write_scao() (RFC v2 patch 1). */
void write_scao(struct kvm_s390_sie_block *scb, u64 addr)
{
	scb->scaoh = (u32)(addr >> 32);
	scb->scaol = (u32)addr;
}

/* Models set_validity_icpt() (vsie.c, v6.18). */
int set_validity_icpt(struct kvm_s390_sie_block *scb, u16 reason_code)
{
	scb->ipa = 0x1000;
	scb->ipb = ((u32)reason_code) << 16;
	scb->icptcode = ICPT_VALIDITY;
	return 1;
}

static bool sie_uses_esca(const struct kvm_s390_sie_block *scb)
{
	return scb->ecb2 & ECB2_ESCA;
}

/*
 * Models validate_scao() (RFC v2 patch 3): 0x0038 below 8K, 0x0011 in guest-2's prefix
 * area, 0x003b when the SCA header (up to cpu[0]) crosses a page; the intercept goes into
 * the shadow block (copied back to guest-2 by unshadow_scb()).
 */
int validate_scao(struct s390_kvm_vcpu *vcpu, struct kvm_s390_sie_block *scb,
		  struct kvm_s390_sie_block *scb_s, gpa_t gpa)
{
	u64 offset;

	if (gpa < 2 * S390_PAGE_SIZE)
		return set_validity_icpt(scb_s, 0x0038U);
	if ((gpa & ~0x1fffull) == vcpu->prefix)
		return set_validity_icpt(scb_s, 0x0011U);
	if (sie_uses_esca(scb))
		offset = offsetof(struct esca_block, cpu[0]) - 1;
	else
		offset = offsetof(struct bsca_block, cpu[0]) - 1;
	if ((gpa & S390_PAGE_MASK) != ((gpa + offset) & S390_PAGE_MASK))
		return set_validity_icpt(scb_s, 0x003bU);
	return 0;
}

/* ---- patch 6: pinning guest pages ---- */

/*
 * Models pin_guest_page() (vsie.c, v6.18): gfn_to_page(), hpa = page_to_phys(page) +
 * (gpa & ~PAGE_MASK); -EINVAL without a page.
 */
int pin_guest_page(struct s390_kvm *kvm, gpa_t gpa, hpa_t *hpa)
{
	int rc = s390_gpa_to_hpa(kvm, gpa, hpa);

	if (rc)
		return -EINVAL;
	kvm->mem.pin_count[*hpa >> S390_PAGE_SHIFT]++;
	return 0;
}

/* Models unpin_guest_page(): kvm_release_page_dirty() + mark_page_dirty(). */
void unpin_guest_page(struct s390_kvm *kvm, gpa_t gpa, hpa_t hpa)
{
	u64 pfn = hpa >> S390_PAGE_SHIFT;

	if (pfn >= kvm->mem.nr_frames || !kvm->mem.pin_count[pfn]) {
		vsie_warn(kvm);
		return;
	}
	kvm->mem.pin_count[pfn]--;
	kvm->mem.dirty[pfn] = 1;
}

/*
 * Models pin_guest_pages() (RFC v2 patch 6): each page gpa + i * PAGE_SIZE is pinned on
 * its own (guest-2 pages need not be contiguous in guest-1); returns nr_pages, or unpins
 * what was pinned and returns -EFAULT.
 */
int pin_guest_pages(struct s390_kvm *kvm, gpa_t gpa, unsigned int nr_pages,
		    struct kvm_address_pair *addr)
{
	for (unsigned int i = 0; i < nr_pages; i++) {
		gpa_t g = gpa + (u64)i * S390_PAGE_SIZE;
		hpa_t h;

		if (pin_guest_page(kvm, g, &h)) {
			unpin_guest_pages(kvm, addr, i);
			return -EFAULT;
		}
		addr[i].gpa = g;
		addr[i].hpa = h;
	}
	return (int)nr_pages;
}

/* Models unpin_guest_pages() (RFC v2 patch 6): release each page and zero the pairs. */
void unpin_guest_pages(struct s390_kvm *kvm, struct kvm_address_pair *addr, unsigned int nr_pages)
{
	for (unsigned int i = 0; i < nr_pages; i++) {
		unpin_guest_page(kvm, addr[i].gpa, addr[i].hpa);
		addr[i].gpa = 0;
		addr[i].hpa = 0;
	}
}

/* ---- patches 7 and 10: when to shadow ---- */

/*
 * Models use_vsie_sigpif() (RFC v2 patches 7 and 10): the machine has vsie_sigpif and
 * the vsie_shadow_sca_max module parameter is not 0 ("0 to disable sca shadowing").
 */
bool use_vsie_sigpif(const struct s390_kvm *kvm)
{
	return kvm->arch.use_vsie_sigpif && kvm->vsie_shadow_sca_max != 0;
}

/* Models use_vsie_sigpif_for() (RFC v2 patch 7): and guest-2 enabled SIGPI + SRSI. */
static bool use_vsie_sigpif_for(const struct s390_kvm *kvm, const struct vsie_page *vsie_page)
{
	return use_vsie_sigpif(kvm) && (vsie_page->scb_o->eca & ECA_SIGPI) &&
	       (vsie_page->scb_o->ecb & ECB_SRSI);
}

/* min(max(online_vcpus, param), 256): the caps of patch 10 */
static int vsie_limit(const struct s390_kvm *kvm, unsigned int param)
{
	int n = max(kvm->online_vcpus, (int)min(param, (unsigned int)KVM_S390_MAX_VSIE_VCPUS));

	return min(n, KVM_S390_MAX_VSIE_VCPUS);
}

/* ---- vsie pages ---- */

static bool try_get_vsie_page(struct vsie_page *vsie_page)
{
	if (test_bit_ul(VSIE_PAGE_IN_USE, &vsie_page->flags))
		return false;
	set_bit_ul(VSIE_PAGE_IN_USE, &vsie_page->flags);
	return true;
}

static void put_vsie_page(struct vsie_page *vsie_page)
{
	clear_bit_ul(VSIE_PAGE_IN_USE, &vsie_page->flags);
}

static struct vsie_page *alloc_vsie_page(struct s390_kvm *kvm)
{
	struct vsie_page *vsie_page = s390_alloc_pages(kvm, 1);

	if (vsie_page)
		vsie_page->scb_gpa = SCB_GPA_INVALID;
	return vsie_page;
}

/* RFC: the original SIE block stays pinned while the vsie_page caches it (lazy unpin). */
static void vsie_page_unpin_scb(struct s390_kvm *kvm, struct vsie_page *vsie_page)
{
	if (!test_bit_ul(VSIE_PAGE_PINNED, &vsie_page->flags))
		return;
	unpin_guest_page(kvm, vsie_page->scb_gpa, s390_phys(kvm, vsie_page->scb_o));
	clear_bit_ul(VSIE_PAGE_PINNED, &vsie_page->flags);
	vsie_page->scb_o = NULL;
}

/* Unpin, drop from addr_to_page and free a vsie page that nobody uses any more. */
static void release_vsie_page(struct s390_kvm *kvm, struct vsie_page *vsie_page)
{
	if (test_bit_ul(VSIE_PAGE_IN_USE, &vsie_page->flags)) {
		vsie_warn(kvm);
		return;
	}
	if (vsie_page->scb_gpa != SCB_GPA_INVALID &&
	    radix_lookup(&kvm->arch.vsie.addr_to_page, vsie_page->scb_gpa >> 9) == vsie_page)
		radix_delete(&kvm->arch.vsie.addr_to_page, vsie_page->scb_gpa >> 9);
	vsie_page_unpin_scb(kvm, vsie_page);
	s390_free_pages(kvm, vsie_page, 1);
}

/*
 * Models get_vsie_page() (vsie.c v6.18 + RFC v2 patches 7 and 10): look up addr_to_page
 * by the block's address; else allocate while page_count < min(max(online_vcpus,
 * vsie_shadow_scb_max), 256), else reuse a free cached page (the kernel spins until one is
 * free; the model gives up after one round with -EBUSY). RFC: the original block is pinned
 * here (VSIE_PAGE_PINNED, unpinned lazily on reuse/destroy) and sca_gpa is read from it on
 * every entry. Returns the page; NULL with *rc = 0 on double use (kernel: "simply do
 * nothing"), 1 when a program interruption was injected (pin failure, if inject), or < 0.
 */
static struct vsie_page *get_vsie_page(struct s390_kvm_vcpu *vcpu, gpa_t addr, bool inject, int *rc)
{
	struct s390_kvm *kvm = vcpu->kvm;
	struct kvm_s390_vsie *vsie = &kvm->arch.vsie;
	struct vsie_page *vsie_page;
	hpa_t hpa;
	int nr, i;

	*rc = 0;
	vsie_page = radix_lookup(&vsie->addr_to_page, addr >> 9);
	if (vsie_page) {
		if (try_get_vsie_page(vsie_page)) {
			if (vsie_page->scb_gpa == addr)
				goto out_sca;
			put_vsie_page(vsie_page);
		}
	}

	nr = vsie_limit(kvm, kvm->vsie_shadow_scb_max);
	if (vsie->page_count < nr) {
		vsie_page = alloc_vsie_page(kvm);
		if (!vsie_page) {
			*rc = -ENOMEM;
			return NULL;
		}
		set_bit_ul(VSIE_PAGE_IN_USE, &vsie_page->flags);
		vsie->pages[vsie->page_count++] = vsie_page;
	} else {
		for (i = 0; i < vsie->page_count; i++) {
			vsie_page = vsie->pages[vsie->next];
			if (try_get_vsie_page(vsie_page))
				break;
			vsie->next = (vsie->next + 1) % vsie->page_count;
		}
		if (i == vsie->page_count) {
			*rc = -EBUSY;
			return NULL;
		}
		if (vsie_page->scb_gpa != SCB_GPA_INVALID)
			radix_delete(&vsie->addr_to_page, vsie_page->scb_gpa >> 9);
		vsie_page_unpin_scb(kvm, vsie_page);
	}
	vsie_page->scb_gpa = SCB_GPA_INVALID;
	if (radix_insert(&vsie->addr_to_page, addr >> 9, vsie_page)) {
		put_vsie_page(vsie_page);
		return NULL;
	}
	vsie_page->scb_gpa = addr;
	memset(&vsie_page->scb_s, 0, sizeof(vsie_page->scb_s));
	vsie_page->fault_addr = 0;
	vsie_page->scb_s.ihcpu = 0xffffU;

	/* pin_scb(), moved here by the RFC */
	if (pin_guest_page(kvm, addr, &hpa)) {
		radix_delete(&vsie->addr_to_page, addr >> 9);
		vsie_page->scb_gpa = SCB_GPA_INVALID;
		put_vsie_page(vsie_page);
		if (inject) {
			kvm_s390_inject_program_int(vcpu, PGM_ADDRESSING);
			*rc = 1;
		} else {
			*rc = -EFAULT;
		}
		return NULL;
	}
	set_bit_ul(VSIE_PAGE_PINNED, &vsie_page->flags);
	vsie_page->scb_o = s390_virt(kvm, hpa);
out_sca:
	vsie_page->sca_gpa = read_scao(kvm, vsie_page->scb_o);
	return vsie_page;
}

/* ---- patch 7: vsie_sca ---- */

/*
 * Registers vsie_page as guest-3 CPU icpua's page in sca (pages[icpua]). "If the block
 * uses an SCA, the vsie_page moves into the vsie_sca and an empty page replaces it in
 * arch.vsie.pages[]" (RFC v2 patch 7). A page that was registered for the same CPU before
 * (the CPU's block moved) is released.
 */
static int vsie_sca_add_page(struct s390_kvm *kvm, struct vsie_sca *sca,
			     struct vsie_page *vsie_page)
{
	struct kvm_s390_vsie *vsie = &kvm->arch.vsie;
	int nr = vsie_page->scb_o->icpua;
	struct vsie_page *old;

	if (nr < 0 || nr >= KVM_S390_MAX_VSIE_VCPUS)
		return -EINVAL;
	old = sca->pages[nr];
	if (old == vsie_page) {
		vsie_page->sca = sca;
		return 0;
	}
	if (!test_bit_ul(VSIE_PAGE_IN_SCA, &vsie_page->flags)) {
		struct vsie_page *fresh = alloc_vsie_page(kvm);
		int i;

		if (!fresh)
			return -ENOMEM;
		for (i = 0; i < vsie->page_count; i++)
			if (vsie->pages[i] == vsie_page)
				break;
		if (i == vsie->page_count) {
			s390_free_pages(kvm, fresh, 1);
			vsie_warn(kvm);
			return -EINVAL;
		}
		vsie->pages[i] = fresh;
		set_bit_ul(VSIE_PAGE_IN_SCA, &vsie_page->flags);
	} else if (vsie_page->sca && vsie_page->sca != sca) {
		struct vsie_sca *prev = vsie_page->sca;

		for (int i = 0; i < KVM_S390_MAX_VSIE_VCPUS; i++) {
			if (prev->pages[i] == vsie_page) {
				prev->pages[i] = NULL;
				prev->page_count--;
			}
		}
	}
	if (old) {
		sca->pages[nr] = NULL;
		sca->page_count--;
		if (old->sca == sca)
			old->sca = NULL;
		release_vsie_page(kvm, old);
	}
	sca->pages[nr] = vsie_page;
	sca->page_count++;
	vsie_page->sca = sca;
	return 0;
}

static void unpin_sca(struct s390_kvm *kvm, struct vsie_sca *sca)
{
	if (!test_bit_ul(VSIE_SCA_PINNED, &sca->flags))
		return;
	unpin_guest_pages(kvm, sca->sca_o_pages, sca->sca_o_nr_pages);
	sca->sca_o_nr_pages = 0;
	clear_bit_ul(VSIE_SCA_PINNED, &sca->flags);
}

/*
 * Models pin_sca() (RFC v2 patch 7): an ESCA pins KVM_S390_MAX_SCA_PAGES (5) pages, a
 * BSCA 1 page, or 2 if (sca_gpa & ~PAGE_MASK) + sizeof(struct bsca_block) > PAGE_SIZE.
 */
static int pin_sca(struct s390_kvm *kvm, struct vsie_sca *sca)
{
	unsigned int nr;
	int rc;

	if (test_bit_ul(VSIE_SCA_ESCA, &sca->flags))
		nr = KVM_S390_MAX_SCA_PAGES;
	else if ((sca->sca_gpa & ~S390_PAGE_MASK) + sizeof(struct bsca_block) > S390_PAGE_SIZE)
		nr = 2;
	else
		nr = 1;
	rc = pin_guest_pages(kvm, sca->sca_gpa, nr, sca->sca_o_pages);
	if (rc != (int)nr)
		return -EFAULT;
	sca->sca_o_nr_pages = nr;
	set_bit_ul(VSIE_SCA_PINNED, &sca->flags);
	return 0;
}

/*
 * Models get_sca_entry_addr() (RFC v2 patch 7): offset = offsetof(esca/bsca_block,
 * cpu[n]), page pn = ((sca_gpa & ~PAGE_MASK) + offset) >> PAGE_SHIFT. Each pinned pair's
 * hpa carries sca_gpa's in-page offset (pin_guest_page adds it), so the entry's hpa is the
 * frame of sca_o_pages[pn] plus the entry's own in-page offset. (The spec's paraphrase,
 * "sca_o_pages[pn].hpa + offset", would be pn pages too far for pn > 0: see the docs.)
 */
void get_sca_entry_addr(const struct vsie_sca *sca, int cpu_nr, gpa_t *gpa, hpa_t *hpa)
{
	u64 offset =
	    test_bit_ul(VSIE_SCA_ESCA, &sca->flags)
		? offsetof(struct esca_block, cpu[0]) + (u64)cpu_nr * sizeof(struct esca_entry)
		: offsetof(struct bsca_block, cpu[0]) + (u64)cpu_nr * sizeof(struct bsca_entry);
	u64 pn = ((sca->sca_gpa & ~S390_PAGE_MASK) + offset) >> S390_PAGE_SHIFT;

	*gpa = sca->sca_gpa + offset;
	*hpa = (sca->sca_o_pages[pn].hpa & S390_PAGE_MASK) +
	       ((sca->sca_gpa + offset) & ~S390_PAGE_MASK);
}

/* The original SCA's mcn: ESCA 4 words, BSCA 1 word (the header is in page 0). */
static void read_sca_mcn(struct s390_kvm *kvm, const struct vsie_sca *sca, u64 mcn[4])
{
	const u8 *hdr = s390_virt(kvm, sca->sca_o_pages[0].hpa);

	memset(mcn, 0, 4 * sizeof(u64));
	if (test_bit_ul(VSIE_SCA_ESCA, &sca->flags))
		memcpy(mcn, hdr + offsetof(struct esca_block, mcn), 4 * sizeof(u64));
	else
		memcpy(mcn, hdr + offsetof(struct bsca_block, mcn), sizeof(u64));
}

/* Models sca_mcn_equals() (RFC v2 patch 8): live mcn vs the snapshot. */
static bool sca_mcn_equals(struct s390_kvm *kvm, const struct vsie_sca *sca)
{
	u64 mcn[4];

	read_sca_mcn(kvm, sca, mcn);
	if (test_bit_ul(VSIE_SCA_ESCA, &sca->flags))
		return !memcmp(mcn, sca->mcn, sizeof(mcn));
	return mcn[0] == sca->mcn[0];
}

/*
 * Models get_existing_vsie_sca() (RFC v2 patch 7, stat of patch 11): a hit in
 * osca_to_sca takes a reference and counts vsie_shadow_sca_reuse.
 */
static struct vsie_sca *get_existing_vsie_sca(struct s390_kvm *kvm, gpa_t sca_addr)
{
	struct vsie_sca *sca = radix_lookup(&kvm->arch.vsie.osca_to_sca, sca_addr);

	if (sca) {
		sca->ref_count++;
		kvm->stat.vsie_shadow_sca_reuse++;
	}
	return sca;
}

/* Drop the old identity of a vsie_sca: unpin, untree, release its pages, clear it. */
static void vsie_sca_recycle(struct s390_kvm *kvm, struct vsie_sca *sca)
{
	struct ssca_block *ssca = sca->ssca;

	unpin_sca(kvm, sca);
	if (sca->sca_gpa && radix_lookup(&kvm->arch.vsie.osca_to_sca, sca->sca_gpa) == sca)
		radix_delete(&kvm->arch.vsie.osca_to_sca, sca->sca_gpa);
	for (int i = 0; i < KVM_S390_MAX_VSIE_VCPUS; i++) {
		struct vsie_page *p = sca->pages[i];

		if (!p)
			continue;
		sca->pages[i] = NULL;
		if (p->sca == sca)
			p->sca = NULL;
		release_vsie_page(kvm, p);
	}
	memset(sca, 0, sizeof(*sca));
	sca->ssca = ssca;
	if (ssca)
		memset(ssca, 0, sizeof(*ssca));
}

/*
 * Models get_free_existing_vsie_sca() (RFC v2 patch 7): find a vsie_sca nobody references
 * (ref_count 0 -> 1). The RFC's loop condition is "i >= sca_count", which never holds once
 * a vsie_sca exists: the loop never runs and the function always fails (-EFAULT), the
 * "reuse of sca allocation ... does hang" of the cover letter (VSIE_RFC_REUSE_LOOP). The
 * corrected loop scans round-robin from sca_next.
 */
static struct vsie_sca *get_free_existing_vsie_sca(struct s390_kvm *kvm)
{
	struct kvm_s390_vsie *vsie = &kvm->arch.vsie;
	int i;

	if (kvm->rfc_defects & VSIE_RFC_REUSE_LOOP) {
		/* as written; bounded so that sca_count == 0 cannot run away in the model */
		for (i = 0; i >= vsie->sca_count && i < vsie->sca_count; i++)
			if (vsie->scas[i] && vsie->scas[i]->ref_count == 0)
				goto found;
		return NULL;
	}
	for (int n = 0; n < vsie->sca_count; n++) {
		i = (vsie->sca_next + n) % vsie->sca_count;
		if (vsie->scas[i]->ref_count == 0) {
			vsie->sca_next = (i + 1) % vsie->sca_count;
			goto found;
		}
	}
	return NULL;
found:
	vsie->scas[i]->ref_count = 1;
	return vsie->scas[i];
}

/*
 * Models get_vsie_sca() (RFC v2 patches 7, 9, 10, 11). Returns 0 with *out referenced,
 * 1 with a validity intercept in the shadow block, or a negative errno.
 *
 *  - validate_scao();
 *  - patch 9: the vsie_page already has a vsie_sca for another address (guest-2 replaced
 *    the BSCA by an ESCA): reuse that object (WARN if still referenced), unpin the old SCA
 *    and set ssca->osca = 0 so that init_ssca() runs again;
 *  - lookup in osca_to_sca (hit: ref++, vsie_shadow_sca_reuse++);
 *  - else preallocate a vsie_sca (+ ssca_block when SCA shadowing is on) while sca_count <
 *    min(max(online_vcpus, vsie_shadow_sca_max), 256), or reuse a free one;
 *  - initialise: sca_gpa, VSIE_SCA_ESCA from the original block, pages[icpua], pin_sca()
 *    (failure: validity 0x0034), ref_count = 1, insert (vsie_shadow_sca_create++).
 *
 * VSIE_RFC_SCA_COUNT: patch 7 stores the new object at scas[sca_count] without
 * incrementing sca_count. VSIE_RFC_FREE_WRONG: on ssca allocation failure the RFC frees
 * "sca" (NULL here, a no-op) instead of "sca_new", leaking it.
 */
static int get_vsie_sca(struct s390_kvm_vcpu *vcpu, struct vsie_page *vsie_page, gpa_t sca_addr,
			struct vsie_sca **out)
{
	struct s390_kvm *kvm = vcpu->kvm;
	struct kvm_s390_vsie *vsie = &kvm->arch.vsie;
	struct kvm_s390_sie_block *scb_o = vsie_page->scb_o;
	struct kvm_s390_sie_block *scb_s = &vsie_page->scb_s;
	struct vsie_sca *sca = NULL, *sca_new = NULL;
	int rc, max_sca;

	rc = validate_scao(vcpu, scb_o, scb_s, sca_addr);
	if (rc)
		return rc;

	if (vsie_page->sca && vsie_page->sca->sca_gpa != sca_addr) {
		sca = vsie_page->sca;
		if (sca->ref_count != 0)
			vsie_warn(kvm);
		unpin_sca(kvm, sca);
		if (sca->sca_gpa && radix_lookup(&vsie->osca_to_sca, sca->sca_gpa) == sca)
			radix_delete(&vsie->osca_to_sca, sca->sca_gpa);
		if (sca->ssca)
			sca->ssca->osca = 0;
		/* another object may already shadow the new address (other CPU came first) */
		if (radix_lookup(&vsie->osca_to_sca, sca_addr)) {
			sca->sca_gpa = 0;
			sca = get_existing_vsie_sca(kvm, sca_addr);
			goto out;
		}
		goto init;
	}

	sca = get_existing_vsie_sca(kvm, sca_addr);
	if (sca)
		goto out;

	max_sca = vsie_limit(kvm, kvm->vsie_shadow_sca_max);
	if (vsie->sca_count < max_sca) {
		sca_new = s390_alloc_pages(kvm, 1);
		if (!sca_new)
			return -ENOMEM;
		if (use_vsie_sigpif(kvm)) {
			sca_new->ssca = s390_alloc_pages(kvm, SSCA_PAGES);
			if (!sca_new->ssca) {
				if (kvm->rfc_defects & VSIE_RFC_FREE_WRONG)
					s390_free_pages(kvm, sca, 1);
				else
					s390_free_pages(kvm, sca_new, 1);
				return -ENOMEM;
			}
		}
	}

	/* down_write(&kvm->arch.vsie.ssca_lock): no concurrent insert in the model */
	if (sca_new) {
		vsie->scas[vsie->sca_count] = sca_new;
		if (!(kvm->rfc_defects & VSIE_RFC_SCA_COUNT))
			vsie->sca_count++;
		kvm->stat.vsie_shadow_sca++;
		sca = sca_new;
	} else {
		sca = get_free_existing_vsie_sca(kvm);
		if (!sca) {
			kvm->model.reuse_failed++;
			return -EFAULT;
		}
		vsie_sca_recycle(kvm, sca);
	}
init:
	sca->sca_gpa = sca_addr;
	if (sie_uses_esca(scb_o))
		set_bit_ul(VSIE_SCA_ESCA, &sca->flags);
	else
		clear_bit_ul(VSIE_SCA_ESCA, &sca->flags);
	rc = vsie_sca_add_page(kvm, sca, vsie_page);
	if (!rc)
		rc = pin_sca(kvm, sca);
	if (rc) {
		sca->ref_count = 0;
		sca->sca_gpa = 0;
		set_validity_icpt(scb_s, 0x0034U);
		return -EIO;
	}
	sca->ref_count = 1;
	if (radix_insert(&vsie->osca_to_sca, sca_addr, sca))
		vsie_warn(kvm);
	kvm->stat.vsie_shadow_sca_create++;
out:
	*out = sca;
	return 0;
}

/* Models put_vsie_sca() (RFC v2 patch 7). */
static void put_vsie_sca(struct vsie_sca *sca)
{
	sca->ref_count--;
}

/*
 * Models shadow_scb() (vsie.c v6.18 + RFC v2 patch 7), reduced to the fields the model
 * uses: the intercept fields are cleared, icpua / prefix / PSW copied, and ECB2_ESCA copied
 * (new in the RFC). Execution controls and satellite blocks are not modeled.
 */
static int shadow_scb(struct s390_kvm_vcpu *vcpu, struct vsie_page *vsie_page)
{
	struct kvm_s390_sie_block *scb_s = &vsie_page->scb_s;
	struct kvm_s390_sie_block *scb_o = vsie_page->scb_o;

	scb_s->icptcode = 0;
	scb_s->icptstatus = 0;
	scb_s->ipa = 0;
	scb_s->ipb = 0;
	scb_s->eca = 0;
	scb_s->ecb = 0;
	scb_s->ecb2 = 0;
	scb_s->osda = 0;
	write_scao(scb_s, 0);
	scb_s->cpuflags = CPUSTAT_ZARCH;
	scb_s->icpua = scb_o->icpua;
	scb_s->prefix_ibc = scb_o->prefix_ibc;
	scb_s->gpsw_mask = scb_o->gpsw_mask;
	scb_s->gpsw_addr = scb_o->gpsw_addr;
	scb_s->ecb2 |= scb_o->ecb2 & ECB2_ESCA;
	vcpu->kvm->stat.vsie_shadow_scb++;
	return 0;
}

/* Models unshadow_scb() (vsie.c v6.18), reduced: intercept and PSW back to guest-2. */
static void unshadow_scb(struct s390_kvm_vcpu *vcpu, struct vsie_page *vsie_page)
{
	struct kvm_s390_sie_block *scb_s = &vsie_page->scb_s;
	struct kvm_s390_sie_block *scb_o = vsie_page->scb_o;

	scb_o->icptcode = scb_s->icptcode;
	scb_o->icptstatus = scb_s->icptstatus;
	scb_o->ipa = scb_s->ipa;
	scb_o->ipb = scb_s->ipb;
	scb_o->gpsw_mask = scb_s->gpsw_mask;
	scb_o->gpsw_addr = scb_s->gpsw_addr;
	if (scb_s->icptcode == ICPT_VALIDITY) {
		vcpu->kvm->model.validity++;
		vcpu->kvm->model.last_validity_code = scb_s->ipb >> 16;
	}
}

/*
 * Models get_vsie_page_cpu_nr() (RFC v2 patch 7): the vsie_page of another guest-3 CPU
 * of the configuration, shadowed, with ECA_SIGPI / ECB_SRSI copied from its original.
 */
static int get_vsie_page_cpu_nr(struct s390_kvm_vcpu *vcpu, gpa_t sda, struct vsie_page **out)
{
	struct vsie_page *vsie_page;
	int rc;

	if (!sda || (sda & 0x1ff))
		return -EINVAL;
	vsie_page = get_vsie_page(vcpu, sda, false, &rc);
	if (!vsie_page)
		return rc ? rc : -EBUSY;
	rc = shadow_scb(vcpu, vsie_page);
	if (!rc) {
		vsie_page->scb_s.eca |= vsie_page->scb_o->eca & ECA_SIGPI;
		vsie_page->scb_s.ecb |= vsie_page->scb_o->ecb & ECB_SRSI;
	}
	put_vsie_page(vsie_page);
	*out = vsie_page;
	return rc;
}

/*
 * Models init_ssca() (RFC v2 patches 7 and 8): snapshot mcn, then for each valid CPU
 * (MSB-first bits; 256 slots for an ESCA, 64 for a BSCA) read its SIE block address from
 * the original entry, get (and shadow) its vsie_page, and fill the shadow entry:
 * ssda = phys(&vsie_page->scb_s), ossea = hpa of the original entry; finally osca = hpa
 * of the original SCA. On error the entries are cleared (osca stays 0). The model also
 * clears the entries before refilling, so that a removed CPU loses its entry.
 */
static int init_ssca(struct s390_kvm_vcpu *vcpu, struct vsie_page *vsie_page, struct vsie_sca *sca)
{
	struct s390_kvm *kvm = vcpu->kvm;
	struct ssca_block *ssca = sca->ssca;
	bool esca = test_bit_ul(VSIE_SCA_ESCA, &sca->flags);
	int slots = esca ? KVM_S390_MAX_VSIE_VCPUS : KVM_S390_BSCA_CPU_SLOTS;
	int rc = 0;

	kvm->model.init_ssca++;
	memset(ssca, 0, sizeof(*ssca));
	read_sca_mcn(kvm, sca, sca->mcn);
	for (int cpu_nr = 0; cpu_nr < slots; cpu_nr++) {
		struct vsie_page *vp;
		gpa_t entry_gpa;
		hpa_t entry_hpa;
		u64 sda;

		if (!sca_mcn_test(sca->mcn, cpu_nr))
			continue;
		if (esca && cpu_nr >= KVM_S390_ESCA_CPU_SLOTS) {
			/* mcn bits beyond the ESCA's 248 entries: no entry to read (model guard) */
			vsie_warn(kvm);
			continue;
		}
		get_sca_entry_addr(sca, cpu_nr, &entry_gpa, &entry_hpa);
		memcpy(&sda, (u8 *)s390_virt(kvm, entry_hpa) + offsetof(struct bsca_entry, sda),
		       sizeof(sda));
		if (sda == vsie_page->scb_gpa) {
			vp = vsie_page;
		} else {
			rc = get_vsie_page_cpu_nr(vcpu, sda, &vp);
			if (rc)
				goto err;
		}
		rc = vsie_sca_add_page(kvm, sca, vp);
		if (rc)
			goto err;
		ssca->cpu[cpu_nr].ssda = s390_phys(kvm, &vp->scb_s);
		ssca->cpu[cpu_nr].ossea = entry_hpa;
	}
	ssca->osca = sca->sca_o_pages[0].hpa;
	return 0;
err:
	memset(ssca->cpu, 0, sizeof(ssca->cpu));
	ssca->osca = 0;
	return rc;
}

/*
 * Models shadow_sca() (RFC v2 patches 7 and 8), on every VSIE entry: register the page in
 * the vsie_sca; with SCA shadowing usable for this block, (re)build the shadow SCA when it
 * is new or mcn changed, copy ECA_SIGPI / ECB_SRSI, point osda at the original block and
 * the shadow block's SCA origin at the *shadow* SCA. Otherwise the shadow block uses the
 * original SCA (its pinned hpa), as pin_blocks() did before the series; the model does
 * that also when init_ssca() failed.
 */
static int shadow_sca(struct s390_kvm_vcpu *vcpu, struct vsie_page *vsie_page, struct vsie_sca *sca)
{
	struct s390_kvm *kvm = vcpu->kvm;
	struct kvm_s390_sie_block *scb_s = &vsie_page->scb_s;
	struct kvm_s390_sie_block *scb_o = vsie_page->scb_o;
	struct ssca_block *ssca = sca->ssca;
	int rc;

	rc = vsie_sca_add_page(kvm, sca, vsie_page);
	if (rc)
		return rc;
	if (ssca && use_vsie_sigpif_for(kvm, vsie_page)) {
		if (!ssca->osca || !sca_mcn_equals(kvm, sca))
			init_ssca(vcpu, vsie_page, sca);
		if (ssca->osca) {
			scb_s->eca |= scb_o->eca & ECA_SIGPI;
			scb_s->ecb |= scb_o->ecb & ECB_SRSI;
			scb_s->osda = s390_phys(kvm, scb_o);
			write_scao(scb_s, s390_phys(kvm, ssca));
			return 0;
		}
	}
	write_scao(scb_s, sca->sca_o_pages[0].hpa);
	return 0;
}

static void register_shadow_scb(struct s390_kvm_vcpu *vcpu, struct vsie_page *vsie_page)
{
	vcpu->vsie_block = &vsie_page->scb_s;
	vsie_page->scb_s.cpuflags |= CPUSTAT_RUNNING;
}

static void unregister_shadow_scb(struct s390_kvm_vcpu *vcpu)
{
	if (vcpu->vsie_block)
		vcpu->vsie_block->cpuflags &= ~CPUSTAT_RUNNING;
	vcpu->vsie_block = NULL;
}

/*
 * Models kvm_s390_handle_vsie() (vsie.c v6.18 as reordered by RFC v2 patch 7):
 * get_vsie_page -> (SCA) get_vsie_sca -> shadow_scb -> shadow_sca -> pin_blocks ->
 * register -> vsie_run -> unregister -> unpin_blocks -> unshadow_scb -> put_vsie_sca ->
 * put_vsie_page. vsie_run() is the firmware model (s390_sie_run_g3). A validity intercept
 * from get_vsie_sca() is copied back to guest-2 (the handler returns 0); other errors are
 * returned (they fail guest-2's KVM_RUN).
 */
int kvm_s390_handle_vsie(struct s390_kvm_vcpu *vcpu, gpa_t scb_addr)
{
	struct s390_kvm *kvm = vcpu->kvm;
	struct vsie_page *vsie_page;
	struct vsie_sca *sca = NULL;
	int rc;

	vcpu->stat.instruction_sie++;
	kvm->model.vsie_entries++;
	vcpu->pgm_code = 0;
	memset(&vcpu->g3_result, 0, sizeof(vcpu->g3_result));
	if (!test_kvm_cpu_feat(kvm, KVM_S390_VM_CPU_FEAT_SIEF2))
		return -EOPNOTSUPP;
	if (scb_addr & 0x1ffull) {
		kvm_s390_inject_program_int(vcpu, PGM_SPECIFICATION);
		return 0;
	}

	vsie_page = get_vsie_page(vcpu, scb_addr, true, &rc);
	if (!vsie_page)
		return rc < 0 ? rc : 0;

	if (vsie_page->sca_gpa) {
		rc = get_vsie_sca(vcpu, vsie_page, vsie_page->sca_gpa, &sca);
		if (rc == -EIO && vsie_page->scb_s.icptcode == ICPT_VALIDITY)
			rc = 1;
		if (rc) {
			sca = NULL;
			if (rc > 0)
				unshadow_scb(vcpu, vsie_page);
			goto out_put;
		}
	}
	rc = shadow_scb(vcpu, vsie_page);
	if (rc)
		goto out_put_sca;
	if (sca) {
		rc = shadow_sca(vcpu, vsie_page, sca);
		if (rc)
			goto out_unshadow;
	}
	register_shadow_scb(vcpu, vsie_page);
	s390_sie_run_g3(vcpu, vsie_page); /* vsie_run() */
	unregister_shadow_scb(vcpu);
out_unshadow:
	unshadow_scb(vcpu, vsie_page);
out_put_sca:
	if (sca)
		put_vsie_sca(sca);
out_put:
	put_vsie_page(vsie_page);
	return rc < 0 ? rc : 0;
}

/* Models kvm_s390_vsie_init(). */
void kvm_s390_vsie_init(struct s390_kvm *kvm)
{
	memset(&kvm->arch.vsie, 0, sizeof(kvm->arch.vsie));
}

/*
 * Models kvm_s390_vsie_destroy() (RFC v2 patch 7): unpin and free every cached vsie page,
 * every vsie_sca (its pinned SCA pages, its pages, its ssca) and the radix entries. Only
 * scas[0 .. sca_count) are known: with VSIE_RFC_SCA_COUNT the others leak, as in the RFC.
 */
void kvm_s390_vsie_destroy(struct s390_kvm *kvm)
{
	struct kvm_s390_vsie *vsie = &kvm->arch.vsie;

	for (int i = 0; i < vsie->page_count; i++) {
		if (vsie->pages[i]) {
			put_vsie_page(vsie->pages[i]);
			release_vsie_page(kvm, vsie->pages[i]);
		}
	}
	for (int i = 0; i < vsie->sca_count; i++) {
		struct vsie_sca *sca = vsie->scas[i];
		struct ssca_block *ssca;

		for (int c = 0; c < KVM_S390_MAX_VSIE_VCPUS; c++)
			if (sca->pages[c])
				put_vsie_page(sca->pages[c]);
		vsie_sca_recycle(kvm, sca);
		ssca = sca->ssca;
		s390_free_pages(kvm, ssca, SSCA_PAGES);
		s390_free_pages(kvm, sca, 1);
	}
	radix_free(&vsie->addr_to_page);
	radix_free(&vsie->osca_to_sca);
	memset(vsie, 0, sizeof(*vsie));
}

struct vsie_sca *s390_vsie_sca_lookup(struct s390_kvm *kvm, gpa_t sca_gpa)
{
	return radix_lookup(&kvm->arch.vsie.osca_to_sca, sca_gpa);
}

struct vsie_page *s390_vsie_page_lookup(struct s390_kvm *kvm, gpa_t scb_gpa)
{
	struct vsie_page *p = radix_lookup(&kvm->arch.vsie.addr_to_page, scb_gpa >> 9);

	return p && p->scb_gpa == scb_gpa ? p : NULL;
}
