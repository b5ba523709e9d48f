// SPDX-License-Identifier: GPL-2.0
/*
 * Replay-and-mutate driver for the fuzz targets, so that `make check` runs a short,
 * deterministic slice of every target without libFuzzer (`make fuzz` runs libFuzzer).
 *
 *   fuzz_X [--quick] [FILE...]
 *
 * Runs each FILE (default: every file in fuzz/corpus/fuzz_X/), then a fixed number of
 * inputs made by mutating them (bit flips, byte sets, truncation, splices) from a fixed
 * seed: same binary, same inputs.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT 65536
#define MAX_SEEDS 256

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct input {
	uint8_t *data;
	size_t size;
};

static int load(const char *path, struct input *in)
{
	FILE *f = fopen(path, "rb");

	if (!f)
		return -1;
	in->data = malloc(FUZZ_MAX_INPUT);
	in->size = fread(in->data, 1, FUZZ_MAX_INPUT, f);
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	struct input seeds[MAX_SEEDS];
	int nseeds = 0, rounds = 20000;
	const char *base = strrchr(argv[0], '/');
	char dir[512];
	uint8_t *buf = malloc(FUZZ_MAX_INPUT);

	base = base ? base + 1 : argv[0];
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			rounds = 5000;
		else if (nseeds < MAX_SEEDS && !load(argv[i], &seeds[nseeds]))
			nseeds++;
	}
	if (!nseeds) {
		DIR *d;
		struct dirent *e;
		char *names[MAX_SEEDS];
		int n = 0;

		snprintf(dir, sizeof(dir), "fuzz/corpus/%s", base);
		d = opendir(dir);
		while (d && (e = readdir(d)) && n < MAX_SEEDS)
			if (e->d_name[0] != '.')
				names[n++] = strdup(e->d_name);
		if (d)
			closedir(d);
		/* readdir order is not stable: sort for determinism */
		for (int i = 0; i < n; i++)
			for (int k = i + 1; k < n; k++)
				if (strcmp(names[i], names[k]) > 0) {
					char *t = names[i];
					names[i] = names[k];
					names[k] = t;
				}
		for (int i = 0; i < n; i++) {
			char path[1024];

			snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
			if (!load(path, &seeds[nseeds]))
				nseeds++;
			free(names[i]);
		}
	}
	for (int i = 0; i < nseeds; i++)
		LLVMFuzzerTestOneInput(seeds[i].data, seeds[i].size);
	for (int r = 0; r < rounds; r++) {
		size_t size;

		if (nseeds && next() % 8) {
			const struct input *s = &seeds[next() % nseeds];
			int muts = 1 + next() % 8;

			size = s->size;
			memcpy(buf, s->data, size);
			while (muts--) {
				uint64_t m = next();

				switch (m % 5) {
				case 0:
					if (size)
						buf[next() % size] ^= 1u << (m >> 8) % 8;
					break;
				case 1:
					if (size)
						buf[next() % size] = (uint8_t)(m >> 16);
					break;
				case 2:
					if (size)
						size = next() % size;
					break;
				case 3: {
					const struct input *o = &seeds[next() % nseeds];
					size_t at = size ? next() % size : 0, n = o->size ? next() % o->size : 0;

					if (at + n > FUZZ_MAX_INPUT)
						n = FUZZ_MAX_INPUT - at;
					memcpy(buf + at, o->data, n);
					if (at + n > size)
						size = at + n;
					break;
				}
				default:
					if (size < FUZZ_MAX_INPUT)
						buf[size++] = (uint8_t)(m >> 24);
				}
			}
		} else {
			size = next() % 64;
			for (size_t i = 0; i < size; i++)
				buf[i] = (uint8_t)next();
		}
		/* a copy of exactly `size` bytes, so ASan catches any read past the input */
		uint8_t *in = malloc(size ? size : 1);
		memcpy(in, buf, size);
		LLVMFuzzerTestOneInput(in, size);
		free(in);
	}
	printf("%s: %d seed inputs, %d mutated inputs, no crash\n", base, nseeds, rounds);
	for (int i = 0; i < nseeds; i++)
		free(seeds[i].data);
	free(buf);
	return 0;
}
