// SPDX-License-Identifier: GPL-2.0
/*
 * Simulated host-physical memory for the s390 VSIE model (model machinery).
 *
 * One page-aligned arena holds every frame: frame 0 is never used (so that an hpa of 0
 * means "none", as ssca->osca == 0 does), then guest-2's memory, then the frames guest-1's
 * KVM allocates for itself (vsie pages, vsie_sca, ssca_block). Guest-2 frames are handed
 * out in a scrambled order (gfn g -> frame 1 + (5 g mod n), n a power of two), so that
 * consecutive guest pages are not adjacent in host memory, as with any real g1 backing:
 * code that adds a page-crossing offset to the first page's hpa gets a wrong address.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vsie_internal.h"

enum { FRAME_FREE, FRAME_HEAD, FRAME_TAIL, FRAME_GUEST };

static u64 roundup_pow2(u64 v)
{
	u64 p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

int s390_mem_init(struct s390_mem *m, u64 g2_pages, u64 host_pages)
{
	u64 n;

	memset(m, 0, sizeof(*m));
	if (g2_pages < 4 || g2_pages > (1ull << 20) || host_pages < 4 || host_pages > (1ull << 20))
		return -EINVAL;
	n = roundup_pow2(g2_pages);
	m->nr_gfns = n;
	m->host_first = 1 + n;
	m->nr_frames = 1 + n + host_pages;
	m->base = aligned_alloc(S390_PAGE_SIZE, m->nr_frames * S390_PAGE_SIZE);
	m->frame_state = calloc(m->nr_frames, 1);
	m->pin_count = calloc(m->nr_frames, sizeof(*m->pin_count));
	m->dirty = calloc(m->nr_frames, 1);
	m->gfn_to_pfn = calloc(n, sizeof(*m->gfn_to_pfn));
	if (!m->base || !m->frame_state || !m->pin_count || !m->dirty || !m->gfn_to_pfn) {
		s390_mem_free(m);
		return -ENOMEM;
	}
	memset(m->base, 0, m->nr_frames * S390_PAGE_SIZE);
	for (u64 g = 0; g < n; g++) {
		m->gfn_to_pfn[g] = 1 + ((g * 5) & (n - 1));
		m->frame_state[m->gfn_to_pfn[g]] = FRAME_GUEST;
	}
	return 0;
}

void s390_mem_free(struct s390_mem *m)
{
	free(m->base);
	free(m->frame_state);
	free(m->pin_count);
	free(m->dirty);
	free(m->gfn_to_pfn);
	memset(m, 0, sizeof(*m));
}

hpa_t s390_phys(const struct s390_kvm *kvm, const void *p)
{
	return p ? (hpa_t)((const u8 *)p - kvm->mem.base) : 0;
}

void *s390_virt(const struct s390_kvm *kvm, hpa_t hpa)
{
	if (!hpa || hpa >= kvm->mem.nr_frames * S390_PAGE_SIZE)
		return NULL;
	return kvm->mem.base + hpa;
}

int s390_gpa_to_hpa(const struct s390_kvm *kvm, gpa_t gpa, hpa_t *hpa)
{
	u64 gfn = gpa >> S390_PAGE_SHIFT;

	if (gfn >= kvm->mem.nr_gfns || kvm->mem.gfn_to_pfn[gfn] == ~0ull)
		return -EINVAL;
	*hpa = (kvm->mem.gfn_to_pfn[gfn] << S390_PAGE_SHIFT) | (gpa & ~S390_PAGE_MASK);
	return 0;
}

static int g2_access(struct s390_kvm *kvm, gpa_t gpa, void *buf, u64 len, bool write)
{
	while (len) {
		u64 chunk = min(len, S390_PAGE_SIZE - (gpa & ~S390_PAGE_MASK));
		hpa_t hpa;

		if (s390_gpa_to_hpa(kvm, gpa, &hpa))
			return -EFAULT;
		if (write)
			memcpy(kvm->mem.base + hpa, buf, chunk);
		else
			memcpy(buf, kvm->mem.base + hpa, chunk);
		gpa += chunk;
		buf = (u8 *)buf + chunk;
		len -= chunk;
	}
	return 0;
}

int s390_g2_read(struct s390_kvm *kvm, gpa_t gpa, void *dst, u64 len)
{
	return g2_access(kvm, gpa, dst, len, false);
}

int s390_g2_write(struct s390_kvm *kvm, gpa_t gpa, const void *src, u64 len)
{
	return g2_access(kvm, gpa, (void *)src, len, true);
}

void *s390_alloc_pages(struct s390_kvm *kvm, u64 nr)
{
	struct s390_mem *m = &kvm->mem;
	u64 run = 0;

	if (!nr)
		return NULL;
	if (m->fail_alloc_pages == nr) {
		m->fail_alloc_pages = 0;
		return NULL;
	}
	for (u64 f = m->host_first; f < m->nr_frames; f++) {
		run = m->frame_state[f] == FRAME_FREE ? run + 1 : 0;
		if (run == nr) {
			u64 first = f + 1 - nr;

			m->frame_state[first] = FRAME_HEAD;
			for (u64 i = 1; i < nr; i++)
				m->frame_state[first + i] = FRAME_TAIL;
			m->host_frames_in_use += nr;
			memset(m->base + first * S390_PAGE_SIZE, 0, nr * S390_PAGE_SIZE);
			return m->base + first * S390_PAGE_SIZE;
		}
	}
	return NULL;
}

/* free_page(0) / free_pages_exact(NULL) are no-ops, as in the kernel */
void s390_free_pages(struct s390_kvm *kvm, void *p, u64 nr)
{
	struct s390_mem *m = &kvm->mem;
	u64 first;

	if (!p)
		return;
	first = ((u8 *)p - m->base) >> S390_PAGE_SHIFT;
	for (u64 i = 0; i < nr; i++) {
		if (first + i < m->nr_frames && m->frame_state[first + i] != FRAME_FREE &&
		    m->frame_state[first + i] != FRAME_GUEST) {
			m->frame_state[first + i] = FRAME_FREE;
			m->host_frames_in_use--;
		}
	}
}

u64 s390_host_frames_in_use(const struct s390_kvm *kvm)
{
	return kvm->mem.host_frames_in_use;
}

u64 s390_pinned_pages(const struct s390_kvm *kvm)
{
	u64 n = 0;

	for (u64 f = 0; f < kvm->mem.nr_frames; f++)
		n += kvm->mem.pin_count[f];
	return n;
}
