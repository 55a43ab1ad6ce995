// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl: a progress bar on stderr for long transfers.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json_print.h"
#include "progress.h"

#define BAR_WIDTH 30
#define REDRAW_NS 100000000ULL

static volatile sig_atomic_t stop_signal;
static struct sigaction old_int, old_term;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void progress_start(struct progress *p, const char *label)
{
	/* No SA_RESTART: a blocked read or write returns EINTR. */
	struct sigaction sa = { .sa_handler = on_stop_signal };

	memset(p, 0, sizeof(*p));
	p->bar = isatty(STDERR_FILENO);
	p->label = label;
	stop_signal = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
}

static void draw(struct progress *p, uint64_t done, uint64_t total)
{
	char d[32], t[32], bar[BAR_WIDTH + 1];
	unsigned int pct, fill;

	format_bytes(d, sizeof(d), done);
	if (!total) {
		fprintf(stderr, "\r%s %s", p->label, d);
	} else {
		/* The total is an estimate: never show more than all of it. */
		pct = done >= total ? 100 : (unsigned int)(done * 100 / total);
		fill = pct * BAR_WIDTH / 100;
		memset(bar, '#', fill);
		memset(bar + fill, '.', BAR_WIDTH - fill);
		bar[BAR_WIDTH] = 0;
		format_bytes(t, sizeof(t), total);
		fprintf(stderr, "\r%s [%s] %3u%% %s/%s", p->label, bar, pct, d,
			t);
	}
	fflush(stderr);
	p->drawn = true;
}

int progress_cb(uint64_t done, uint64_t total, void *arg)
{
	struct progress *p = arg;
	uint64_t now;

	if (stop_signal)
		return 1;
	if (!p->bar)
		return 0;
	p->done = done;
	p->total = total;
	now = now_ns();
	if (p->drawn && now - p->last_ns < REDRAW_NS)
		return 0;
	p->last_ns = now;
	draw(p, done, total);
	return 0;
}

bool progress_end(struct progress *p)
{
	if (p->drawn) {
		/* The last state, which the throttle may have skipped. */
		draw(p, p->done, p->total);
		fputc('\n', stderr);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return stop_signal;
}
