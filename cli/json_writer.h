/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lmctl: a small streaming JSON writer.
 *
 * Copyright (c) 2026 The lm authors
 */
#ifndef LMCTL_JSON_WRITER_H
#define LMCTL_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json_writer;

struct json_writer *jsonw_new(FILE *f, bool pretty);
/* Ends what is still open, writes a newline and frees the writer. */
void jsonw_destroy(struct json_writer **self);

void jsonw_start_object(struct json_writer *self);
void jsonw_end_object(struct json_writer *self);
void jsonw_start_array(struct json_writer *self);
void jsonw_end_array(struct json_writer *self);
/* The name of the next value, inside an object. */
void jsonw_name(struct json_writer *self, const char *name);

void jsonw_string(struct json_writer *self, const char *value);
void jsonw_uint(struct json_writer *self, uint64_t value);
void jsonw_int(struct json_writer *self, int64_t value);
void jsonw_float(struct json_writer *self, double value);
void jsonw_bool(struct json_writer *self, bool value);
void jsonw_null(struct json_writer *self);

#endif /* LMCTL_JSON_WRITER_H */
