// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl monitor: the notifications of the "monitor" group as they come.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "json_print.h"
#include "lmctl.h"
#include "print.h"

enum {
	MON_DEV = 1 << 0,
	MON_FN = 1 << 1,
	MON_ALL = MON_DEV | MON_FN,
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

static void monitor_usage(void)
{
	fputs("Usage: lmctl monitor [ all | OBJECT-LIST ]\n"
	      "       lmctl monitor help\n"
	      "OBJECT-LIST := { dev | fn } [ OBJECT-LIST ]\n",
	      stdout);
}

struct monitor {
	const struct lmctl *lc;
	unsigned int objects;
};

static int print_event(const struct lm_event *ev, void *arg)
{
	struct monitor *mon = arg;
	const char *name;

	switch (ev->type) {
	case LM_EVENT_DEV_ADD:
	case LM_EVENT_DEV_DEL:
		if (!(mon->objects & MON_DEV))
			return 0;
		name = ev->type == LM_EVENT_DEV_ADD ? "add" : "del";
		break;
	case LM_EVENT_FN_CHANGE:
		if (!(mon->objects & MON_FN))
			return 0;
		name = "change";
		break;
	default:
		return 0;
	}

	/* One line per event: a text line, or a JSON object. */
	new_json_obj(mon->lc->json, mon->lc->pretty);
	if (ev->type == LM_EVENT_FN_CHANGE) {
		print_string(PRINT_ANY, "event", "[fn,%s] ", name);
		open_json_object("fn");
		print_fn(&ev->fn);
	} else {
		print_string(PRINT_ANY, "event", "[dev,%s] ", name);
		open_json_object("dev");
		print_dev(&ev->dev);
	}
	close_json_object();
	delete_json_obj();
	return 0;
}

int cmd_monitor(struct lmctl *lc)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct monitor mon = { .lc = lc };
	struct pollfd pfd;
	const char *word;
	struct lm_ctx *ctx;
	int ret;

	while ((word = lmctl_next(lc))) {
		if (!strcmp(word, "help")) {
			monitor_usage();
			return 0;
		}
		if (!strcmp(word, "all"))
			mon.objects |= MON_ALL;
		else if (!strcmp(word, "dev"))
			mon.objects |= MON_DEV;
		else if (!strcmp(word, "fn"))
			mon.objects |= MON_FN;
		else
			return lmctl_unknown("monitor", word, "lmctl monitor help");
	}
	if (!mon.objects)
		mon.objects = MON_ALL;

	ctx = lmctl_ctx(lc);
	if (!ctx)
		return EXIT_FAIL;
	ret = lm_monitor_start(ctx);
	if (ret)
		return lmctl_fail(lc, ret, "monitor");

	/* No SA_RESTART: poll() returns, and lmctl ends cleanly. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	pfd.fd = lm_monitor_fd(ctx);
	pfd.events = POLLIN;
	while (!stop) {
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return lmctl_err(EXIT_FAIL, "monitor: poll: %m");
		}
		do {
			ret = lm_monitor_read(ctx, true, print_event, &mon);
		} while (!ret && !stop);
		if (ret == -ENOBUFS) {
			fflush(stdout);
			lmctl_err(0, "monitor: events were lost: the receive queue overflowed");
			continue;
		}
		if (ret && ret != -EAGAIN)
			return lmctl_fail(lc, ret, "monitor");
	}
	return 0;
}
