// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsim decode [--mode 64|32|16] [--json] [HEX...]: decode one instruction per argument,
 * or a byte stream (hex text) on stdin; print length, Intel text (formatter subset) and
 * fields, or the #UD reason.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmsim/cmd.h"
#include "kvmsim/json.h"
#include "kvmsim/x86_decode.h"

static int parse_hex(const char *s, u8 *out, size_t max)
{
	size_t n = 0;

	while (*s) {
		unsigned int v;

		if (isspace((unsigned char)*s) || *s == ',') {
			s++;
			continue;
		}
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
			s += 2;
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]) || n >= max)
			return -1;
		sscanf(s, "%2x", &v);
		out[n++] = v;
		s += 2;
	}
	return n;
}

/*
 * The json.h writer indents; the issue wants one object per line, so the document is
 * written to memory and printed with the newlines (and the indentation after them)
 * outside strings removed.
 */
static void print_one_line(const char *s)
{
	bool in_str = false, esc = false;

	for (; *s; s++) {
		if (in_str) {
			putchar(*s);
			if (esc)
				esc = false;
			else if (*s == '\\')
				esc = true;
			else if (*s == '"')
				in_str = false;
			continue;
		}
		if (*s == '\n') {
			while (s[1] == ' ')
				s++;
			continue;
		}
		if (*s == '"')
			in_str = true;
		putchar(*s);
	}
	putchar('\n');
}

static void show(const u8 *b, size_t n, int mode, bool json, u64 rip)
{
	struct x86_insn in;
	char text[128];

	insn_decode(&in, b, n, mode);
	if (x86_format_intel(&in, rip, text, sizeof(text)) < 0)
		snprintf(text, sizeof(text), "%s", in.valid ? "(not in formatter subset)" : "(bad)");
	if (json) {
		struct json j;
		char *doc = NULL;
		size_t doclen = 0;
		FILE *mf = open_memstream(&doc, &doclen);

		if (!mf)
			return;
		json_init(&j, mf);
		json_obj_begin(&j, NULL);
		json_u64(&j, "length", in.length);
		json_bool(&j, "valid", in.valid);
		json_str(&j, "ud_reason", x86_ud_reason_str(in.ud));
		json_str(&j, "text", text);
		json_u64(&j, "map", in.map);
		json_u64(&j, "opcode", in.opcode);
		json_str(&j, "encoding", in.enc == X86_ENC_REX2 ? "rex2" : in.enc == X86_ENC_VEX ? "vex" :
				       in.enc == X86_ENC_EVEX ? "evex" : "legacy");
		if (in.has_modrm) {
			json_u64(&j, "mod", in.mod);
			json_u64(&j, "reg", in.reg);
			json_u64(&j, "rm", in.rm);
		}
		json_u64(&j, "opsize", in.opsize);
		json_obj_end(&j);
		json_finish(&j);
		fclose(mf);
		print_one_line(doc);
		free(doc);
		return;
	}
	if (in.valid)
		printf("%u\t%s\tmap %u opcode %02x%s\n", in.length, text, in.map, in.opcode,
		       in.enc == X86_ENC_REX2 ? " rex2" : in.enc == X86_ENC_EVEX ? " evex" : "");
	else
		printf("%u\t#UD: %s\n", in.length, x86_ud_reason_str(in.ud));
}

static int decode_main(int argc, char **argv)
{
	int mode = 64, nhex = 0;
	bool json = false;
	u8 b[4096];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			printf("usage: kvmsim decode [--mode 64|32|16] [--json] [HEX...]\n"
			       "Decode one x86 instruction per HEX argument (or a hex byte stream on stdin).\n");
			return 0;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--mode") && i + 1 < argc) {
			mode = atoi(argv[++i]);
			if (mode != 16 && mode != 32 && mode != 64) {
				fprintf(stderr, "kvmsim decode: bad --mode '%s'\n", argv[i]);
				return EXIT_USAGE;
			}
		} else if (argv[i][0] == '-' && argv[i][1] == '-') {
			fprintf(stderr, "kvmsim decode: unknown option '%s'\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	for (int i = 1; i < argc; i++) {
		int n;

		if (!strcmp(argv[i], "--mode")) {
			i++;
			continue;
		}
		if (argv[i][0] == '-')
			continue;
		n = parse_hex(argv[i], b, 15);
		if (n < 0) {
			fprintf(stderr, "kvmsim decode: bad hex '%s'\n", argv[i]);
			return EXIT_USAGE;
		}
		show(b, n, mode, json, 0);
		nhex++;
	}
	if (!nhex) {
		static char line[16384];
		size_t total = 0;
		int n;

		while (fgets(line, sizeof(line), stdin)) {
			n = parse_hex(line, b + total, sizeof(b) - total);
			if (n < 0) {
				fprintf(stderr, "kvmsim decode: bad hex on stdin\n");
				return EXIT_RUNTIME;
			}
			total += n;
		}
		for (size_t off = 0; off < total;) {
			struct x86_insn in;

			insn_decode(&in, b + off, total - off, mode);
			show(b + off, total - off, mode, json, off);
			off += in.valid ? in.length : 1;
		}
	}
	return 0;
}

KVMSIM_COMMAND(decode_cmd, .name = "decode", .summary = "decode x86 instructions (REX2/APX)",
	       .run = decode_main);
