/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Subcommands of the kvmsim tool. Each tools/kvmsim/<name>.c registers itself with
 * KVMSIM_COMMAND(); main() finds them through the linker section, the way the kernel
 * collects initcalls, so adding a subcommand touches no shared table.
 */
#ifndef KVMSIM_CMD_H
#define KVMSIM_CMD_H

struct kvmsim_cmd {
	const char *name;
	const char *summary; /* one line for `kvmsim --help` */
	int (*run)(int argc, char **argv); /* argv[0] is the subcommand name; returns exit status */
};

#define KVMSIM_COMMAND(ident, ...)                                                           \
	static const struct kvmsim_cmd ident                                                 \
		__attribute__((used, section("kvmsim_cmds"), aligned(sizeof(void *)))) = {    \
			__VA_ARGS__}

/* Exit statuses, as architecture.md: 0 ok, 1 runtime error, 2 usage error. */
#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

#endif
