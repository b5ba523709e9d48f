// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the command-line values of `kvmsim iova` (drivers/vfio/iova_parse.c): the input is
 * text, split at blanks and newlines into words. Words that parse as START-LAST become
 * ranges, words that parse as sizes become allocations. The ranges are normalized and, when
 * valid, every allocator serves the powers-of-two sizes; each IOVA must be aligned, inside
 * one range and clear of the others (abort() otherwise, so the fuzzer reports it).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kvmsim/vfio_iova.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RANGES 16
#define MAX_ALLOCS 32

static bool inside(const struct iommu_iova_range *r, u32 n, iova_t iova, u64 size)
{
	for (u32 i = 0; i < n; i++)
		if (iova >= r[i].start && iova <= r[i].last && size - 1 <= r[i].last - iova)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iommu_iova_range ranges[MAX_RANGES];
	u64 sizes[MAX_ALLOCS];
	u32 nr = 0, ns = 0;
	char word[96];
	size_t i = 0;

	while (i < size) {
		size_t len = 0;

		while (i < size && (data[i] == ' ' || data[i] == '\n' || data[i] == '\t'))
			i++;
		while (i < size && data[i] != ' ' && data[i] != '\n' && data[i] != '\t') {
			if (len < sizeof(word) - 1)
				word[len++] = (char)data[i];
			i++;
		}
		word[len] = '\0';
		if (!len)
			continue;
		/* the parsers take C strings: an embedded NUL just ends the word early */
		struct iommu_iova_range r;
		u64 v;

		if (!iova_parse_range(word, &r)) {
			if (r.start > r.last)
				abort();
			if (nr < MAX_RANGES)
				ranges[nr++] = r;
		} else if (!iova_parse_size(word, &v)) {
			if (!v)
				abort();
			if (ns < MAX_ALLOCS)
				sizes[ns++] = v;
		}
		(void)iova_parse_u64(word, &v);
	}
	if (!nr || iova_ranges_normalize(ranges, nr, NULL))
		return 0;

	for (int kind = IOVA_ALLOC_SERIES; kind <= IOVA_ALLOC_REUSE; kind++) {
		struct iova_any_allocator a;
		iova_t got[MAX_ALLOCS];
		u64 gsz[MAX_ALLOCS];
		u32 ng = 0;

		if (iova_any_init(&a, kind, ranges, nr))
			abort();
		for (u32 k = 0; k < ns; k++) {
			iova_t iova;
			int rc = iova_any_alloc(&a, sizes[k], &iova);

			if (sizes[k] & (sizes[k] - 1)) {
				if (rc != -EINVAL)
					abort();
				continue;
			}
			if (rc)
				continue;
			if ((iova & (sizes[k] - 1)) || !inside(ranges, nr, iova, sizes[k]))
				abort();
			for (u32 g = 0; g < ng; g++)
				if (!(got[g] + (gsz[g] - 1) < iova ||
				      iova + (sizes[k] - 1) < got[g]))
					abort();
			got[ng] = iova;
			gsz[ng++] = sizes[k];
		}
		iova_any_cleanup(&a);
	}
	return 0;
}
