// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl: text or JSON output from the same calls.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <inttypes.h>
#include <stdio.h>

#include "json_print.h"
#include "json_writer.h"

/* The formats are the callers' string constants, each with one conversion. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

static struct json_writer *jw;

static bool text_out(enum output_type t)
{
	return !jw && (t & PRINT_FP);
}

static bool json_out(enum output_type t)
{
	return jw && (t & PRINT_JSON);
}

void new_json_obj(bool json, bool pretty)
{
	if (!json)
		return;
	jw = jsonw_new(stdout, pretty);
	if (!jw) {
		perror("lmctl: json writer");
		return;
	}
	jsonw_start_object(jw);
}

void delete_json_obj(void)
{
	if (jw) {
		jsonw_end_object(jw);
		jsonw_destroy(&jw);
	}
	fflush(stdout);
}

bool is_json_context(void)
{
	return jw;
}

void open_json_object(const char *name)
{
	if (!jw)
		return;
	if (name)
		jsonw_name(jw, name);
	jsonw_start_object(jw);
}

void close_json_object(void)
{
	if (jw)
		jsonw_end_object(jw);
}

void open_json_array(const char *name)
{
	if (!jw)
		return;
	if (name)
		jsonw_name(jw, name);
	jsonw_start_array(jw);
}

void close_json_array(void)
{
	if (jw)
		jsonw_end_array(jw);
}

/* Inside an array, values have no key. */
static void json_key(const char *key)
{
	if (key)
		jsonw_name(jw, key);
}

void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *value)
{
	if (json_out(t)) {
		json_key(key);
		jsonw_string(jw, value);
	} else if (text_out(t)) {
		printf(fmt, value);
	}
}

void print_uint(enum output_type t, const char *key, const char *fmt,
		uint64_t value)
{
	if (json_out(t)) {
		json_key(key);
		jsonw_uint(jw, value);
	} else if (text_out(t)) {
		printf(fmt, (unsigned long long)value);
	}
}

void print_on_off(enum output_type t, const char *key, const char *fmt,
		  bool value)
{
	if (json_out(t)) {
		json_key(key);
		jsonw_bool(jw, value);
	} else if (text_out(t)) {
		printf(fmt, value ? "on" : "off");
	}
}

void format_size(char *buf, size_t len, uint64_t bytes)
{
	static const char suffix[] = "KMGTPE";
	int i = -1;

	while (bytes && !(bytes & 1023) && i < 5) {
		bytes >>= 10;
		i++;
	}
	if (i < 0)
		snprintf(buf, len, "%" PRIu64, bytes);
	else
		snprintf(buf, len, "%" PRIu64 "%c", bytes, suffix[i]);
}

void format_bytes(char *buf, size_t len, uint64_t bytes)
{
	static const char suffix[] = "KMGTPE";
	double v = (double)bytes;
	int i = -1;

	if (bytes < 1024) {
		snprintf(buf, len, "%" PRIu64, bytes);
		return;
	}
	while (v >= 1024 && i < 5) {
		v /= 1024;
		i++;
	}
	snprintf(buf, len, "%.1f%c", v, suffix[i]);
}

void print_size(enum output_type t, const char *key, const char *fmt,
		uint64_t bytes)
{
	char buf[32];

	if (json_out(t)) {
		json_key(key);
		jsonw_uint(jw, bytes);
	} else if (text_out(t)) {
		format_size(buf, sizeof(buf), bytes);
		printf(fmt, buf);
	}
}

void print_bytes(enum output_type t, const char *key, const char *fmt,
		 uint64_t bytes)
{
	char buf[32];

	if (json_out(t)) {
		json_key(key);
		jsonw_uint(jw, bytes);
	} else if (text_out(t)) {
		format_bytes(buf, sizeof(buf), bytes);
		printf(fmt, buf);
	}
}

void print_duration(enum output_type t, const char *key, const char *fmt,
		    uint64_t ns)
{
	if (json_out(t)) {
		json_key(key);
		jsonw_uint(jw, ns / 1000);
	} else if (text_out(t)) {
		printf(fmt, (double)ns / 1e6);
	}
}

void print_flags(enum output_type t, const char *key, const char *fmt,
		 const char *const names[], unsigned int nr_names,
		 uint64_t mask)
{
	char buf[256];
	unsigned int i;
	size_t len = 0;

	if (json_out(t)) {
		json_key(key);
		jsonw_start_array(jw);
		for (i = 0; i < nr_names && i < 64; i++)
			if ((mask & (1ULL << i)) && names[i])
				jsonw_string(jw, names[i]);
		jsonw_end_array(jw);
		return;
	}
	if (!text_out(t))
		return;
	buf[0] = 0;
	for (i = 0; i < nr_names && i < 64; i++) {
		if (!(mask & (1ULL << i)) || !names[i])
			continue;
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
					len ? "," : "", names[i]);
		if (len >= sizeof(buf))
			break;
	}
	printf(fmt, len ? buf : "none");
}

void print_nl(void)
{
	if (!jw)
		putchar('\n');
}
