/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lmctl: what the objects' files share: the command line, handles, errors.
 *
 * Copyright (c) 2026 The lm authors
 */
#ifndef LMCTL_H
#define LMCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "liblm.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit statuses: the request failed; the command line is wrong. */
#define EXIT_FAIL 1
#define EXIT_USAGE 2

/**
 * struct lmctl - One run of lmctl
 * @json: -j: JSON output
 * @pretty: -p: indented JSON
 * @argc: Arguments left
 * @argv: The next one
 * @ctx: The netlink context, once lmctl_ctx() made it
 */
struct lmctl {
	bool json;
	bool pretty;
	int argc;
	char **argv;
	struct lm_ctx *ctx;
};

/**
 * struct lmctl_handle - A device (PF) or function (PF/FN) named on the
 * command line
 * @dev_id: N of /dev/lmN
 * @has_fn: /FN was given
 * @fn: FN
 * @name: The handle as lmctl prints it: "lmN" or "lmN/FN"
 */
struct lmctl_handle {
	uint32_t dev_id;
	bool has_fn;
	uint32_t fn;
	char name[32];
};

/* What a handle argument must name. */
enum lmctl_handle_kind {
	HANDLE_DEV,		/* PF */
	HANDLE_FN,		/* PF/FN */
	HANDLE_DEV_OR_FN,	/* PF or PF/FN */
};

int cmd_dev(struct lmctl *lc);
int cmd_fn(struct lmctl *lc);
int cmd_monitor(struct lmctl *lc);

/* The command line, one word at a time. */
static inline const char *lmctl_peek(const struct lmctl *lc)
{
	return lc->argc > 0 ? lc->argv[0] : NULL;
}

static inline const char *lmctl_next(struct lmctl *lc)
{
	if (lc->argc <= 0)
		return NULL;
	lc->argc--;
	return *lc->argv++;
}

/* Is the next word "help" (and nothing follows)? */
bool lmctl_wants_help(const struct lmctl *lc);

/* Messages on stderr, prefixed with "lmctl: "; the return value is @ret. */
int lmctl_err(int ret, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * A request the kernel or the system refused: "lmctl: WHAT: strerror",
 * then ": " and the kernel's message when the netlink context has one.
 * Returns EXIT_FAIL.
 */
int lmctl_fail(struct lmctl *lc, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The netlink context, connected on first use; NULL after an error message. */
struct lm_ctx *lmctl_ctx(struct lmctl *lc);

/* Parse a handle; 0, or an exit status after an error message. */
int lmctl_parse_handle(const char *arg, enum lmctl_handle_kind kind,
		       struct lmctl_handle *h);
/* The next word as a handle; missing is a usage error. */
int lmctl_next_handle(struct lmctl *lc, const char *what,
		      enum lmctl_handle_kind kind, struct lmctl_handle *h);
/* Open the character device of a handle; 0 or an exit status. */
int lmctl_open_dev(const struct lmctl_handle *h, struct lm_dev **devp);

/*
 * The character device answers with an errno alone: where lmctl can see
 * the reason behind it, ": REASON" in @buf, else "". Returns @buf.
 */
const char *lmctl_dev_reason(const struct lm_dev *dev, int err, char *buf,
			     size_t size);

/* "KEY VALUE" parsers: 0, or EXIT_USAGE after an error message. */
int lmctl_parse_u32(const char *key, const char *arg, uint32_t *val);
int lmctl_parse_size(const char *key, const char *arg, uint64_t *val);
int lmctl_parse_on_off(const char *key, const char *arg, bool *val);
/* The value after KEY; missing is a usage error. */
int lmctl_next_value(struct lmctl *lc, const char *key, const char **val);
/* An unknown word where a keyword is expected. */
int lmctl_unknown(const char *where, const char *word, const char *help);

#endif /* LMCTL_H */
