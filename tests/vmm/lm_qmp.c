// SPDX-License-Identifier: GPL-2.0
/*
 * lm_qmp: one QMP command to a QEMU, for the VM migration tests (busybox has
 * no client for a unix socket). It connects to QEMU's QMP socket, waiting
 * up to --wait seconds for it to appear, negotiates capabilities, sends
 *	{"execute": COMMAND, "arguments": ARGUMENTS}
 * and prints QEMU's answer (the "return" or "error" object, one line of
 * JSON), skipping the events that come before it.
 *
 * Exit status: 0 QEMU returned, 1 QEMU answered with an error, 2 bad usage,
 * no connection or no answer.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define PROG "lm_qmp"

struct conn {
	int fd;
	int timeout_ms;
	char buf[1 << 16];
	size_t len;
};

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000 };

	nanosleep(&ts, NULL);
}

static int qmp_connect(const char *path, int wait_s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, tries = wait_s * 10;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, PROG ": %s: path too long\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			break;
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			return fd;
		close(fd);
		if ((errno != ENOENT && errno != ECONNREFUSED) || tries-- <= 0)
			break;
		sleep_ms(100);
	}
	fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
	return -1;
}

/*
 * The next line QEMU sends, NUL-terminated without its end of line, in
 * @c->buf; its length is returned and consumed by the next call. -1 on
 * end of file, error or timeout.
 */
static ssize_t read_line(struct conn *c, size_t *consumed)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	char *nl;
	ssize_t n;

	if (*consumed) {
		memmove(c->buf, c->buf + *consumed, c->len - *consumed);
		c->len -= *consumed;
		*consumed = 0;
	}
	while (!(nl = memchr(c->buf, '\n', c->len))) {
		if (c->len == sizeof(c->buf) - 1) {
			fprintf(stderr, PROG ": a line of over %zu bytes\n", c->len);
			return -1;
		}
		n = poll(&pfd, 1, c->timeout_ms);
		if (n <= 0) {
			fprintf(stderr, PROG ": %s\n",
				n ? strerror(errno) : "no answer from QEMU");
			return -1;
		}
		n = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
		if (n <= 0) {
			fprintf(stderr, PROG ": %s\n",
				n ? strerror(errno) : "QEMU closed the connection");
			return -1;
		}
		c->len += n;
	}
	*consumed = nl - c->buf + 1;
	*nl = '\0';
	if (nl > c->buf && nl[-1] == '\r')
		nl[-1] = '\0';
	return nl - c->buf;
}

static int send_all(int fd, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;

	while (len) {
		n = write(fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, PROG ": write: %s\n", strerror(errno));
			return -1;
		}
		s += n;
		len -= n;
	}
	return 0;
}

/* Whether the JSON object @line starts with member @key (QEMU's form). */
static bool starts_with_member(const char *line, const char *key)
{
	size_t k = strlen(key);

	while (*line == ' ' || *line == '{')
		line++;
	return *line == '"' && !strncmp(line + 1, key, k) && line[1 + k] == '"';
}

/*
 * Send @request and wait for its answer: 0 for "return", 1 for "error",
 * -1 for no answer. The answer is printed if @print.
 */
static int transact(struct conn *c, const char *request, bool print)
{
	size_t consumed = 0;
	ssize_t n;
	int rc;

	if (send_all(c->fd, request))
		return -1;
	for (;;) {
		n = read_line(c, &consumed);
		if (n < 0)
			return -1;
		if (starts_with_member(c->buf, "return"))
			rc = 0;
		else if (starts_with_member(c->buf, "error"))
			rc = 1;
		else
			continue;	/* an event, or the greeting */
		if (print)
			printf("%s\n", c->buf);
		/* Anything after the answer is not ours. */
		c->len = 0;
		return rc;
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--wait SEC] [--timeout SEC] SOCKET COMMAND [ARGUMENTS_JSON]\n"
		"  --wait SEC     wait up to SEC for SOCKET to accept (default 0)\n"
		"  --timeout SEC  wait up to SEC for each answer (default 60)\n");
}

static int parse_sec(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 86400) {
		fprintf(stderr, PROG ": not a number of seconds: '%s'\n", s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	static struct conn c;
	int wait_s = 0, timeout_s = 60, i = 1, rc;
	const char *path, *cmd, *args = NULL;
	char *req;

	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
		if (i + 1 >= argc) {
			usage(stderr);
			return 2;
		}
		if (!strcmp(argv[i], "--wait")) {
			if (parse_sec(argv[i + 1], &wait_s))
				return 2;
		} else if (!strcmp(argv[i], "--timeout")) {
			if (parse_sec(argv[i + 1], &timeout_s) || !timeout_s)
				return 2;
		} else {
			usage(stderr);
			return 2;
		}
		i += 2;
	}
	if (argc - i < 2 || argc - i > 3) {
		usage(stderr);
		return 2;
	}
	path = argv[i];
	cmd = argv[i + 1];
	if (argc - i == 3)
		args = argv[i + 2];
	if (!*cmd || strpbrk(cmd, "\"\\")) {
		fprintf(stderr, PROG ": not a command name: '%s'\n", cmd);
		return 2;
	}

	c.timeout_ms = timeout_s * 1000;
	c.fd = qmp_connect(path, wait_s);
	if (c.fd < 0)
		return 2;
	if (transact(&c, "{\"execute\": \"qmp_capabilities\"}\n", false)) {
		fprintf(stderr, PROG ": capabilities negotiation failed\n");
		return 2;
	}
	if (asprintf(&req, "{\"execute\": \"%s\"%s%s}\n", cmd,
		     args ? ", \"arguments\": " : "", args ? args : "") < 0)
		return 2;
	rc = transact(&c, req, true);
	free(req);
	close(c.fd);
	return rc < 0 ? 2 : rc;
}
