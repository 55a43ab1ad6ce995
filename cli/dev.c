// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl dev: the controlling functions.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <stdio.h>
#include <string.h>

#include "json_print.h"
#include "lmctl.h"
#include "print.h"

static void dev_usage(void)
{
	fputs("Usage: lmctl dev show [ PF ]\n"
	      "       lmctl dev help\n"
	      "PF := { lmN | PCI address }\n",
	      stdout);
}

static int dev_show_one(const struct lm_dev_desc *desc, void *arg)
{
	(void)arg;
	print_dev(desc);
	return 0;
}

static int cmd_dev_show(struct lmctl *lc)
{
	struct lmctl_handle h;
	struct lm_dev_desc desc;
	struct lm_ctx *ctx;
	bool one = false;
	int ret;

	if (lmctl_wants_help(lc)) {
		dev_usage();
		return 0;
	}
	if (lmctl_peek(lc)) {
		ret = lmctl_next_handle(lc, "dev show", HANDLE_DEV, &h);
		if (ret)
			return ret;
		one = true;
	}
	if (lmctl_peek(lc))
		return lmctl_unknown("dev show", lmctl_peek(lc),
				     "lmctl dev help");
	ctx = lmctl_ctx(lc);
	if (!ctx)
		return EXIT_FAIL;

	if (one) {
		ret = lm_dev_get(ctx, h.dev_id, &desc);
		if (ret)
			return lmctl_fail(lc, ret, "dev show %s", h.name);
	}
	new_json_obj(lc->json, lc->pretty);
	open_json_object("dev");
	if (one)
		ret = dev_show_one(&desc, NULL);
	else
		ret = lm_dev_list(ctx, dev_show_one, NULL);
	close_json_object();
	delete_json_obj();
	if (ret)
		return lmctl_fail(lc, ret, "dev show");
	return 0;
}

int cmd_dev(struct lmctl *lc)
{
	const char *cmd = lmctl_next(lc);

	if (!cmd || !strcmp(cmd, "show") || !strcmp(cmd, "list"))
		return cmd_dev_show(lc);
	if (!strcmp(cmd, "help")) {
		dev_usage();
		return 0;
	}
	return lmctl_unknown("dev", cmd, "lmctl dev help");
}
