/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lmctl: a progress bar on stderr for long transfers, and their
 * cancellation by SIGINT or SIGTERM.
 *
 * Copyright (c) 2026 The lm authors
 */
#ifndef LMCTL_PROGRESS_H
#define LMCTL_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

/**
 * struct progress - One transfer's bar
 * @bar: Drawn at all: stderr is a terminal
 * @drawn: Something is on the line, to be ended
 * @label: What is moving, at the start of the line
 * @last_ns: When it was last drawn
 * @done: Bytes moved, as last reported
 * @total: Bytes expected, as last reported; 0 when unknown
 */
struct progress {
	bool bar;
	bool drawn;
	const char *label;
	uint64_t last_ns;
	uint64_t done;
	uint64_t total;
};

/*
 * Start a transfer: draws nothing yet, and makes SIGINT and SIGTERM
 * interrupt blocking reads and writes so that progress_cb() can cancel.
 */
void progress_start(struct progress *p, const char *label);
/* An lm_progress_cb: draws, and returns 1 once a signal asked to stop. */
int progress_cb(uint64_t done, uint64_t total, void *arg);
/* End the line, restore the signals; true when a signal cancelled. */
bool progress_end(struct progress *p);

#endif /* LMCTL_PROGRESS_H */
