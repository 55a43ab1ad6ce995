// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl: list, provision, save, restore, migrate and monitor the functions
 * of live-migration controlling functions.
 *
 *	lmctl [OPTIONS] OBJECT { COMMAND | help }
 *
 * Copyright (c) 2026 The lm authors
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "lmctl.h"

static void usage(FILE *f)
{
	fputs("Usage: lmctl [ OPTIONS ] OBJECT { COMMAND | help }\n"
	      "       lmctl help\n"
	      "where  OBJECT := { dev | fn | monitor }\n"
	      "       OPTIONS := { -j[son] | -p[retty] | -V[ersion] | -h[elp] }\n"
	      "A device (PF) is lmN or its PCI address; a function is PF/FN.\n",
	      f);
}

static int cmd_help(struct lmctl *lc)
{
	(void)lc;
	usage(stdout);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct lmctl *lc);
} objects[] = {
	{ "dev", cmd_dev },
	{ "fn", cmd_fn },
	{ "monitor", cmd_monitor },
	{ "help", cmd_help },
};

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lmctl lc = {};
	const char *object;
	unsigned int i;
	int opt, ret;

	/* A reader that goes away fails a write; it must not kill lmctl. */
	signal(SIGPIPE, SIG_IGN);

	while ((opt = getopt_long(argc, argv, "+jpVh", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			lc.json = true;
			break;
		case 'p':
			lc.json = true;
			lc.pretty = true;
			break;
		case 'V':
			printf("lmctl %s\n", lm_lib_version());
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	lc.argc = argc - optind;
	lc.argv = argv + optind;

	object = lmctl_next(&lc);
	if (!object) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < ARRAY_SIZE(objects); i++)
		if (!strcmp(object, objects[i].name))
			break;
	if (i == ARRAY_SIZE(objects))
		return lmctl_err(EXIT_USAGE, "unknown object '%s': try 'lmctl help'",
				 object);
	ret = objects[i].fn(&lc);
	lm_ctx_free(lc.ctx);
	if (fflush(stdout) && !ret)
		ret = lmctl_err(EXIT_FAIL, "writing the output: %m");
	return ret;
}
