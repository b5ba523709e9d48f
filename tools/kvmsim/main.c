// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsim: dispatch to the subcommands registered with KVMSIM_COMMAND().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmsim/cmd.h"
#include "kvmsim/version.h"

/* weak: the tool still links while no subcommand is registered */
extern const struct kvmsim_cmd __start_kvmsim_cmds[] __attribute__((weak));
extern const struct kvmsim_cmd __stop_kvmsim_cmds[] __attribute__((weak));

static int cmp_cmd(const void *a, const void *b)
{
	return strcmp((*(const struct kvmsim_cmd *const *)a)->name,
		      (*(const struct kvmsim_cmd *const *)b)->name);
}

static void usage(FILE *f)
{
	size_t n = __stop_kvmsim_cmds - __start_kvmsim_cmds;
	const struct kvmsim_cmd *sorted[n ? n : 1];

	for (size_t i = 0; i < n; i++)
		sorted[i] = &__start_kvmsim_cmds[i];
	qsort(sorted, n, sizeof(sorted[0]), cmp_cmd);
	fprintf(f, "usage: kvmsim COMMAND [ARGS...]\n\n"
		   "A deterministic user-space model of a KVM host.\n\ncommands:\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-14s %s\n", sorted[i]->name, sorted[i]->summary);
	fprintf(f, "\n`kvmsim COMMAND --help` describes one command. --version prints the version.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("kvmsim %s\n", KVMSIM_VERSION);
		return 0;
	}
	for (const struct kvmsim_cmd *c = __start_kvmsim_cmds; c < __stop_kvmsim_cmds; c++)
		if (!strcmp(c->name, argv[1]))
			return c->run(argc - 1, argv + 1);
	fprintf(stderr, "kvmsim: unknown command '%s' (see kvmsim --help)\n", argv[1]);
	return EXIT_USAGE;
}
