/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer shared by every subcommand, so that all --json output
 * has one shape: two-space indentation, keys in the order written, integers as JSON
 * integers, doubles with a fixed "%.17g"-free format ("%.6f" trimmed) for determinism.
 */
#ifndef KVMSIM_JSON_H
#define KVMSIM_JSON_H

#include <stdio.h>

#include "kvmsim/types.h"

#define JSON_MAX_DEPTH 32

struct json {
	FILE *f;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *f);
/* key is NULL inside arrays and for the top-level value. */
void json_obj_begin(struct json *j, const char *key);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j, const char *key);
void json_arr_end(struct json *j);
void json_str(struct json *j, const char *key, const char *v);
void json_u64(struct json *j, const char *key, u64 v);
void json_s64(struct json *j, const char *key, s64 v);
void json_double(struct json *j, const char *key, double v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
/* Ends the document with a newline. */
void json_finish(struct json *j);

#endif
