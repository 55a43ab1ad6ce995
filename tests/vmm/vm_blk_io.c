// SPDX-License-Identifier: GPL-2.0
/*
 * vm_blk_io: the workload of the VM that the VM migration tests move from
 * one QEMU to another. It runs inside that VM on its block device (the
 * stock nvme driver on the passed-through VF) and keeps verified I/O going:
 * a first pass writes every block of a region, then random writes and
 * verifying reads, one at a time with O_DIRECT, until told to stop; then
 * it reads every block back. The last generation written to each block is
 * kept in this program's memory, which migrates with the VM, so a block
 * whose write was acknowledged before, during or after the migration and
 * then lost, or written twice, or damaged, fails the check (the pattern of
 * tests/nvme-lm/blk_pattern.h).
 *
 * Commands come from a terminal or FIFO (--control, a line each):
 *	stop	read back every block and exit
 * Every --interval a progress line says how far it got; an I/O that takes
 * longer than --slow-ms is reported when it completes.
 *
 * Exit status: 0 all checks passed, 1 a check failed, 2 bad usage or setup.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "../nvme-lm/blk_pattern.h"

#define PROG "vm_blk_io"
#define BLK_SIZE 4096u

struct run {
	const char *dev;
	int fd;
	int ctl;
	uint32_t seed;
	uint64_t blocks;
	uint32_t *gen;		/* last generation written, per block */
	uint8_t *buf;
	uint64_t rng;
	uint64_t writes, reads, errors, mismatches;
	uint64_t max_us, slow_us;
	char line[64];
	size_t line_len;
};

#define __printf(a, b) __attribute__((format(printf, a, b)))

static void msg(const char *fmt, ...) __printf(1, 2);
static void msg(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void took(struct run *r, const char *what, uint64_t blk, uint64_t t0)
{
	uint64_t us = now_us() - t0;

	if (us > r->max_us)
		r->max_us = us;
	if (r->slow_us && us > r->slow_us)
		msg("slow %s of block %" PRIu64 ": %" PRIu64 " ms", what, blk,
		    us / 1000);
}

/* Write the next generation of block @blk. */
static void write_block(struct run *r, uint64_t blk)
{
	uint32_t gen = r->gen[blk] + 1;
	uint64_t t0 = now_us();
	ssize_t n;

	blk_fill(r->buf, BLK_SIZE, r->seed, blk, gen);
	n = pwrite(r->fd, r->buf, BLK_SIZE, (off_t)(blk * BLK_SIZE));
	took(r, "write", blk, t0);
	r->writes++;
	if (n != (ssize_t)BLK_SIZE) {
		r->errors++;
		if (r->errors <= 16)
			msg("I/O ERROR writing block %" PRIu64 ": %s", blk,
			    n < 0 ? strerror(errno) : "short write");
		/* What the block holds now is unknown: stop checking it. */
		r->gen[blk] = UINT32_MAX;
		return;
	}
	r->gen[blk] = gen;
}

/* Read block @blk and check it against the last write. */
static void read_block(struct run *r, uint64_t blk)
{
	struct blk_hdr hdr;
	uint64_t t0 = now_us();
	const char *why;
	ssize_t n;

	n = pread(r->fd, r->buf, BLK_SIZE, (off_t)(blk * BLK_SIZE));
	took(r, "read", blk, t0);
	r->reads++;
	if (n != (ssize_t)BLK_SIZE) {
		r->errors++;
		if (r->errors <= 16)
			msg("I/O ERROR reading block %" PRIu64 ": %s", blk,
			    n < 0 ? strerror(errno) : "short read");
		return;
	}
	if (r->gen[blk] == UINT32_MAX)
		return;
	why = blk_check(r->buf, BLK_SIZE, r->seed, blk, r->gen[blk], &hdr);
	if (!why)
		return;
	r->mismatches++;
	if (r->mismatches <= 16)
		msg("MISMATCH block %" PRIu64 ": %s (expected generation %u; found magic 0x%08x lba %" PRIu64 " generation %u)",
		    blk, why, r->gen[blk], hdr.magic, hdr.lba, hdr.gen);
}

/* A whole command line from the control terminal: true for "stop". */
static bool stop_asked(struct run *r)
{
	struct pollfd pfd = { .fd = r->ctl, .events = POLLIN };
	char c;

	if (r->ctl < 0)
		return false;
	while (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN)) {
		if (read(r->ctl, &c, 1) != 1)
			return false;
		if (c == '\r' || c == '\n') {
			r->line[r->line_len] = '\0';
			r->line_len = 0;
			if (!strcmp(r->line, "stop"))
				return true;
			if (r->line[0])
				msg("unknown command '%s'", r->line);
			continue;
		}
		if (r->line_len < sizeof(r->line) - 1)
			r->line[r->line_len++] = c;
	}
	return false;
}

/* The control terminal in raw mode, so that a line is read as it comes. */
static int open_control(const char *path)
{
	struct termios t;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return -1;
	if (isatty(fd) && !tcgetattr(fd, &t)) {
		t.c_lflag &= ~(ICANON | ECHO);
		t.c_cc[VMIN] = 0;
		t.c_cc[VTIME] = 0;
		tcsetattr(fd, TCSANOW, &t);
	}
	return fd;
}

static void progress(const struct run *r)
{
	msg("progress writes %" PRIu64 " reads %" PRIu64 " errors %" PRIu64
	    " mismatches %" PRIu64, r->writes, r->reads, r->errors,
	    r->mismatches);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [options] BLOCK_DEVICE\n"
		"  --blocks N      blocks of %u bytes from the start (default 2048)\n"
		"  --seed N        pattern seed (default: from the clock)\n"
		"  --control PATH  read commands (\"stop\") from PATH\n"
		"  --interval MS   progress line every MS (default 1000)\n"
		"  --slow-ms MS    report an I/O slower than MS (default 1000, 0: never)\n",
		BLK_SIZE);
}

/* A number of option @name, at most @max: 0, or -1 with a message. */
static int parse_u64(const char *name, const char *s, uint64_t max,
		     uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v > max) {
		fprintf(stderr, PROG ": --%s: not a number up to %" PRIu64 ": '%s'\n",
			name, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "blocks", required_argument, NULL, 'b' },
		{ "seed", required_argument, NULL, 's' },
		{ "control", required_argument, NULL, 'c' },
		{ "interval", required_argument, NULL, 'i' },
		{ "slow-ms", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct run r = { .ctl = -1, .blocks = 2048, .slow_us = 1000000 };
	uint64_t v, interval_us = 1000000, next, blk, seed = 0;
	const char *control = NULL;
	bool have_seed = false;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (parse_u64("blocks", optarg, 1u << 24, &r.blocks) || !r.blocks)
				goto bad;
			break;
		case 's':
			if (parse_u64("seed", optarg, UINT32_MAX, &seed))
				goto bad;
			have_seed = true;
			break;
		case 'c':
			control = optarg;
			break;
		case 'i':
			if (parse_u64("interval", optarg, 3600000, &v) || !v)
				goto bad;
			interval_us = v * 1000;
			break;
		case 'w':
			if (parse_u64("slow-ms", optarg, 3600000, &v))
				goto bad;
			r.slow_us = v * 1000;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	r.dev = argv[optind];
	r.seed = have_seed ? (uint32_t)seed : (uint32_t)now_us();
	r.rng = blk_mix64(r.seed) | 1;

	r.fd = open(r.dev, O_RDWR | O_DIRECT);
	if (r.fd < 0) {
		fprintf(stderr, PROG ": %s: %s\n", r.dev, strerror(errno));
		return 2;
	}
	if (control) {
		r.ctl = open_control(control);
		if (r.ctl < 0) {
			fprintf(stderr, PROG ": %s: %s\n", control, strerror(errno));
			return 2;
		}
	}
	r.gen = calloc(r.blocks, sizeof(*r.gen));
	if (!r.gen || posix_memalign((void **)&r.buf, BLK_SIZE, BLK_SIZE)) {
		fprintf(stderr, PROG ": out of memory\n");
		return 2;
	}

	for (blk = 0; blk < r.blocks; blk++)
		write_block(&r, blk);
	msg("running: %" PRIu64 " blocks of %u bytes on %s, seed %u",
	    r.blocks, BLK_SIZE, r.dev, r.seed);

	next = now_us() + interval_us;
	while (!stop_asked(&r)) {
		uint64_t x = blk_rng_next(&r.rng);

		blk = (x >> 8) % r.blocks;
		if (x % 3)
			write_block(&r, blk);
		else
			read_block(&r, blk);
		if (now_us() >= next) {
			progress(&r);
			next = now_us() + interval_us;
		}
	}

	progress(&r);
	v = r.mismatches;
	for (blk = 0; blk < r.blocks; blk++)
		read_block(&r, blk);
	msg("read back %" PRIu64 " blocks: %" PRIu64 " mismatches", r.blocks,
	    r.mismatches - v);
	msg("writes %" PRIu64 " reads %" PRIu64 " errors %" PRIu64
	    " mismatches %" PRIu64 " max_io_ms %" PRIu64 ": %s", r.writes,
	    r.reads, r.errors, r.mismatches, r.max_us / 1000,
	    r.errors || r.mismatches ? "FAIL" : "PASS");
	return r.errors || r.mismatches ? 1 : 0;

bad:
	usage(stderr);
	return 2;
}
