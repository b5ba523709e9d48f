/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Value parsers shared by the scenario loader and the command lines. Each returns 0 or
 * a negative errno (-EINVAL malformed, -ERANGE out of range) and writes *out only on
 * success, so a caller can name the key and keep its old value.
 */
#ifndef KVMSIM_PARSE_H
#define KVMSIM_PARSE_H

#include "kvmsim/types.h"

/* Decimal, or hexadecimal with 0x; surrounding blanks allowed; nothing else. */
int parse_u64(const char *s, u64 *out);
int parse_s64(const char *s, s64 *out);
/* 0/1, true/false, yes/no, on/off. */
int parse_bool(const char *s, bool *out);
/* A duration: an integer (or decimal fraction) with ns, us, ms or s; bare = ns. */
int parse_duration_ns(const char *s, u64 *out);
/* A finite double. */
int parse_double(const char *s, double *out);

#endif
