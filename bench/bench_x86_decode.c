// SPDX-License-Identifier: GPL-2.0
/*
 * Decode throughput of insn_decode() over the .text section of the largest shared library
 * on the machine, side by side with Zydis 4.0 (libzydis-dev) in full-decode mode
 * (ZydisDecoderDecodeFull: instruction + all operands). Zydis is loaded with dlopen so the
 * build needs no extra link flag. Both decode the same bytes linearly (on an invalid byte,
 * both skip one byte). Prints "decode: kvmsim X MB/s, zydis Y MB/s, ratio R".
 */
#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <Zydis/Zydis.h>

#include "kvmsim/x86_decode.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static int largest_so(char *path, size_t n)
{
	static const char *const dirs[] = { "/usr/lib/x86_64-linux-gnu", "/usr/lib" };
	off_t best = 0;

	for (unsigned int i = 0; i < ARRAY_SIZE(dirs); i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *e;

		while (d && (e = readdir(d))) {
			char p[1024];
			struct stat st;

			if (!strstr(e->d_name, ".so"))
				continue;
			snprintf(p, sizeof(p), "%s/%s", dirs[i], e->d_name);
			if (lstat(p, &st) || !S_ISREG(st.st_mode) || st.st_size <= best)
				continue;
			best = st.st_size;
			snprintf(path, n, "%s", p);
		}
		if (d)
			closedir(d);
	}
	return best ? 0 : -1;
}

static u8 *load_text(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	Elf64_Ehdr eh;
	Elf64_Shdr *sh;
	char *names;
	u8 *text = NULL;

	if (!f || fread(&eh, sizeof(eh), 1, f) != 1)
		return NULL;
	sh = calloc(eh.e_shnum, sizeof(*sh));
	fseek(f, eh.e_shoff, SEEK_SET);
	if (fread(sh, sizeof(*sh), eh.e_shnum, f) != eh.e_shnum)
		return NULL;
	names = malloc(sh[eh.e_shstrndx].sh_size);
	fseek(f, sh[eh.e_shstrndx].sh_offset, SEEK_SET);
	if (fread(names, 1, sh[eh.e_shstrndx].sh_size, f) != sh[eh.e_shstrndx].sh_size)
		return NULL;
	for (int i = 0; i < eh.e_shnum; i++)
		if (!strcmp(names + sh[i].sh_name, ".text")) {
			text = malloc(sh[i].sh_size);
			fseek(f, sh[i].sh_offset, SEEK_SET);
			*len = fread(text, 1, sh[i].sh_size, f);
		}
	free(names);
	free(sh);
	fclose(f);
	return text;
}

int main(void)
{
	char path[1024];
	size_t len = 0, count = 0, zcount = 0;
	u8 *text;
	double t0, tk, tz = 0;
	void *h;
	ZyanStatus (*zinit)(ZydisDecoder *, ZydisMachineMode, ZydisStackWidth);
	ZyanStatus (*zfull)(const ZydisDecoder *, const void *, ZyanUSize, ZydisDecodedInstruction *,
			    ZydisDecodedOperand *);

	if (largest_so(path, sizeof(path)) || !(text = load_text(path, &len)) || !len) {
		fprintf(stderr, "bench_x86_decode: no shared library .text found\n");
		return 1;
	}
	t0 = now();
	for (size_t off = 0; off < len;) {
		struct x86_insn in;

		insn_decode(&in, text + off, len - off, 64);
		off += in.valid ? in.length : 1;
		count++;
	}
	tk = now() - t0;
	h = dlopen("libZydis.so.4.0", RTLD_NOW);
	if (!h)
		h = dlopen("libZydis.so", RTLD_NOW);
	*(void **)&zinit = h ? dlsym(h, "ZydisDecoderInit") : NULL;
	*(void **)&zfull = h ? dlsym(h, "ZydisDecoderDecodeFull") : NULL;
	if (zinit && zfull) {
		ZydisDecoder dec;
		ZydisDecodedInstruction zi;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];

		zinit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
		t0 = now();
		for (size_t off = 0; off < len;) {
			if (ZYAN_SUCCESS(zfull(&dec, text + off, len - off, &zi, ops)))
				off += zi.length;
			else
				off++;
			zcount++;
		}
		tz = now() - t0;
	}
	printf("input: %s .text, %zu bytes; kvmsim %zu decode steps, zydis %zu\n", path, len, count,
	       zcount);
	if (tz > 0)
		printf("decode: kvmsim %.1f MB/s, zydis %.1f MB/s, ratio %.2f\n", len / tk / 1e6,
		       len / tz / 1e6, tz / tk);
	else
		printf("decode: kvmsim %.1f MB/s, zydis unavailable\n", len / tk / 1e6);
	return 0;
}
