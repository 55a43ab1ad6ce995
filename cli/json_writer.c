// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl: a small streaming JSON writer. Values are written as they come;
 * the writer only remembers, per open object or array, whether a comma is
 * due, and how deep it is for pretty printing.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <inttypes.h>
#include <stdlib.h>

#include "json_writer.h"

#define JSONW_MAX_DEPTH 32

struct json_writer {
	FILE *f;
	bool pretty;
	unsigned int depth;
	/* Per level: a value was written at it, so the next needs a comma. */
	bool sep[JSONW_MAX_DEPTH];
	/* Per level: what closes it, '}' or ']'. */
	char closer[JSONW_MAX_DEPTH];
	/* jsonw_name() wrote a name: the value follows on the same line. */
	bool named;
};

struct json_writer *jsonw_new(FILE *f, bool pretty)
{
	struct json_writer *self = calloc(1, sizeof(*self));

	if (!self)
		return NULL;
	self->f = f;
	self->pretty = pretty;
	return self;
}

static void jsonw_indent(struct json_writer *self)
{
	unsigned int i;

	for (i = 0; i < self->depth; i++)
		fputs("    ", self->f);
}

/* Before any value, or a name: the comma and the line break it needs. */
static void jsonw_eor(struct json_writer *self)
{
	if (self->named) {
		self->named = false;
		return;
	}
	if (self->depth && self->sep[self->depth])
		fputc(',', self->f);
	if (self->depth && self->pretty) {
		fputc('\n', self->f);
		jsonw_indent(self);
	}
	self->sep[self->depth] = true;
}

static void jsonw_open(struct json_writer *self, char c)
{
	jsonw_eor(self);
	fputc(c, self->f);
	/* lmctl nests a few levels; deeper would be a bug of its own. */
	if (self->depth + 1 < JSONW_MAX_DEPTH)
		self->depth++;
	self->sep[self->depth] = false;
	self->closer[self->depth] = c == '{' ? '}' : ']';
}

static void jsonw_close(struct json_writer *self)
{
	char c = self->closer[self->depth];
	bool empty = !self->sep[self->depth];

	if (self->depth)
		self->depth--;
	if (self->pretty && !empty) {
		fputc('\n', self->f);
		jsonw_indent(self);
	}
	fputc(c, self->f);
}

void jsonw_start_object(struct json_writer *self)
{
	jsonw_open(self, '{');
}

void jsonw_end_object(struct json_writer *self)
{
	jsonw_close(self);
}

void jsonw_start_array(struct json_writer *self)
{
	jsonw_open(self, '[');
}

void jsonw_end_array(struct json_writer *self)
{
	jsonw_close(self);
}

static void jsonw_puts(struct json_writer *self, const char *s)
{
	const unsigned char *p;

	fputc('"', self->f);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", self->f);
			break;
		case '\\':
			fputs("\\\\", self->f);
			break;
		case '\n':
			fputs("\\n", self->f);
			break;
		case '\r':
			fputs("\\r", self->f);
			break;
		case '\t':
			fputs("\\t", self->f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(self->f, "\\u%04x", *p);
			else
				fputc(*p, self->f);
		}
	}
	fputc('"', self->f);
}

void jsonw_name(struct json_writer *self, const char *name)
{
	jsonw_eor(self);
	jsonw_puts(self, name);
	fputs(self->pretty ? ": " : ":", self->f);
	self->named = true;
}

void jsonw_string(struct json_writer *self, const char *value)
{
	jsonw_eor(self);
	jsonw_puts(self, value);
}

void jsonw_uint(struct json_writer *self, uint64_t value)
{
	jsonw_eor(self);
	fprintf(self->f, "%" PRIu64, value);
}

void jsonw_int(struct json_writer *self, int64_t value)
{
	jsonw_eor(self);
	fprintf(self->f, "%" PRId64, value);
}

void jsonw_float(struct json_writer *self, double value)
{
	jsonw_eor(self);
	fprintf(self->f, "%.6g", value);
}

void jsonw_bool(struct json_writer *self, bool value)
{
	jsonw_eor(self);
	fputs(value ? "true" : "false", self->f);
}

void jsonw_null(struct json_writer *self)
{
	jsonw_eor(self);
	fputs("null", self->f);
}

void jsonw_destroy(struct json_writer **self)
{
	if (!*self)
		return;
	while ((*self)->depth)
		jsonw_close(*self);
	fputc('\n', (*self)->f);
	fflush((*self)->f);
	free(*self);
	*self = NULL;
}
