// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the scenario loader (sim/scenario.c): the input is a scenario file. It is written
 * to a temporary file and loaded with scenario_load(); a scenario that loads is validated
 * again and freed. Then each line of the input is applied to a default scenario as a
 * --set assignment (scenario_set()), followed by scenario_validate(). Checked: no crash,
 * no hang, no leak (ASan), and the error contract of include/kvmsim/scenario.h: a load
 * either returns a scenario with an empty message, or NULL with a message that starts
 * with the file's name; a --set error starts with "--set". abort() otherwise.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmsim/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void remove_tmp(void)
{
	unlink(path);
}

/* One temporary file for the whole run, rewritten for each input. */
static FILE *tmp_file(void)
{
	if (!path[0]) {
		int fd;

		/* tmpfs when there is one: a disk file costs milliseconds per input */
		snprintf(path, sizeof(path), "/dev/shm/fuzz_scenario.XXXXXX");
		fd = mkstemp(path);
		if (fd < 0) {
			snprintf(path, sizeof(path), "/tmp/fuzz_scenario.XXXXXX");
			fd = mkstemp(path);
		}
		if (fd < 0)
			abort();
		close(fd);
		atexit(remove_tmp);
	}
	return fopen(path, "wb");
}

static void check_set_lines(const uint8_t *data, size_t size)
{
	struct scenario *s = malloc(sizeof(*s));
	char line[1024], err[SCN_ERR_MAX];
	size_t i = 0;
	int nlines = 0;

	if (!s)
		abort();
	scenario_defaults(s);
	snprintf(s->path, sizeof(s->path), "fuzz");
	while (i < size && nlines++ < 64) {
		size_t n = 0;

		while (i < size && data[i] != '\n') {
			if (n < sizeof(line) - 1)
				line[n++] = data[i] ? (char)data[i] : ' ';
			i++;
		}
		i++;
		line[n] = '\0';
		if (scenario_set(s, line, err)) {
			if (strncmp(err, "--set", 5))
				abort();
		} else if (err[0]) {
			abort();
		}
	}
	(void)scenario_validate(s, err);
	scenario_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[SCN_ERR_MAX];
	struct scenario *s;
	FILE *f = tmp_file();

	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	s = scenario_load(path, err);
	if (s) {
		if (err[0])
			abort();
		if (scenario_validate(s, err))
			abort(); /* scenario_load() validated it already */
		scenario_free(s);
	} else if (strncmp(err, path, strlen(path))) {
		abort();
	}
	check_set_lines(data, size);
	return 0;
}
