/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lmctl: output that is text or JSON from the same calls. Each field is
 * printed by one call that knows both renderings, so they cannot drift:
 * the JSON key and value, and the text format and value.
 *
 * Copyright (c) 2026 The lm authors
 */
#ifndef LMCTL_JSON_PRINT_H
#define LMCTL_JSON_PRINT_H

#include <stdbool.h>
#include <stdint.h>

/* Which rendering a call prints in: text only, JSON only, or both. */
enum output_type {
	PRINT_FP = 1,
	PRINT_JSON = 2,
	PRINT_ANY = PRINT_FP | PRINT_JSON,
};

/*
 * Start a document on stdout: with @json one JSON value (an object, the
 * calls fill it), else text.
 */
void new_json_obj(bool json, bool pretty);
/* End the document: closes the JSON value and flushes stdout. */
void delete_json_obj(void);
bool is_json_context(void);

/* @name NULL: an object inside an array, or the document's own. */
void open_json_object(const char *name);
void close_json_object(void);
void open_json_array(const char *name);
void close_json_array(void);

/*
 * The text renderings take a printf format with one conversion: %s for
 * strings, on/off, sizes, bytes and flags, %llu for print_uint(), a %f
 * for print_duration().
 */
void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *value);
void print_uint(enum output_type t, const char *key, const char *fmt,
		uint64_t value);
/* Text "on"/"off" through %s, JSON true/false. */
void print_on_off(enum output_type t, const char *key, const char *fmt,
		  bool value);
/* A size in bytes: JSON the number, text exact with a K/M/G/T suffix. */
void print_size(enum output_type t, const char *key, const char *fmt,
		uint64_t bytes);
/* An amount moved in bytes: JSON the number, text rounded (12.3M). */
void print_bytes(enum output_type t, const char *key, const char *fmt,
		 uint64_t bytes);
/* A duration: JSON whole microseconds, text milliseconds (12.3). */
void print_duration(enum output_type t, const char *key, const char *fmt,
		    uint64_t ns);
/*
 * A bit mask by names: JSON an array of the names of the bits set, text
 * the names joined by commas, or "none".
 */
void print_flags(enum output_type t, const char *key, const char *fmt,
		 const char *const names[], unsigned int nr_names,
		 uint64_t mask);
/* Text only: a line break (JSON has none to give). */
void print_nl(void);

/* The text of a size as print_size() renders it. */
void format_size(char *buf, size_t len, uint64_t bytes);
/* The text of an amount as print_bytes() renders it. */
void format_bytes(char *buf, size_t len, uint64_t bytes);

#endif /* LMCTL_JSON_PRINT_H */
