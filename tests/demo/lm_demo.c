// SPDX-License-Identifier: GPL-2.0
/*
 * The demo: live-migrate a busy simulated function into another one through
 * /dev/lmN, the way a VMM would drive it: PRE_COPY rounds while it runs,
 * then STOP_COPY, restore, resume. Prints each round, the stop-copy time and
 * whether the destination's state matches the source's.
 *
 * Usage: lm_demo [MEMORY_MIB [BUSY_PAGES]]
 */
#include <poll.h>
#include <time.h>

#include "../selftests/lm_util.h"

#define CHUNK (1 << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "lm_demo: %s: %s\n", what, strerror(-err));
	exit(1);
}

/*
 * Copy what the save file has now into the restore file: until the
 * temporary end (ENOMSG) in PRE_COPY, until EOF in STOP_COPY.
 */
static long long pump(int save_fd, int restore_fd, char *buf)
{
	long long total = 0;
	ssize_t n, w, off;

	for (;;) {
		n = read(save_fd, buf, CHUNK);
		if (n == 0 || (n < 0 && errno == ENOMSG))
			return total;
		if (n < 0)
			die("read", -errno);
		for (off = 0; off < n; off += w) {
			w = write(restore_fd, buf + off, n - off);
			if (w < 0)
				die("write", -errno);
		}
		total += n;
	}
}

static struct lm_precopy_info precopy_info(int fd)
{
	struct lm_precopy_info info = { .size = sizeof(info) };
	int ret = lm_ioctl(fd, LM_PRECOPY_INFO, &info);

	if (ret)
		die("LM_PRECOPY_INFO", ret);
	return info;
}

int main(int argc, char **argv)
{
	unsigned long long mib = argc > 1 ? strtoull(argv[1], NULL, 0) : 256;
	unsigned int busy = argc > 2 ? strtoul(argv[2], NULL, 0) : 64;
	uint64_t memory = mib << 20, src_digest, dst_digest;
	int save_fd, restore_fd, ret, round;
	struct lm_precopy_info info;
	double t0, t_stop, t_done;
	long long bytes, total = 0;
	struct lm_sim sim;
	char *buf;

	buf = malloc(CHUNK);
	if (!buf)
		die("malloc", -ENOMEM);

	ret = lm_sim_new(&sim, 2, LM_ALL_CAPS, memory);
	if (ret)
		die("creating a simulated device", ret);
	printf("device /dev/%s: 2 functions of %llu MiB each\n", sim.name, mib);

	ret = lm_sim_set(&sim, 0, "fill", "%u", 12345);
	if (ret)
		die("fill", ret);
	ret = lm_sim_set(&sim, 0, "busy", "%u", busy);
	if (ret)
		die("busy", ret);
	printf("fn0: state filled, the device rewrites %u pages every 10 ms\n",
	       busy);

	if ((ret = lm_set_migratable(sim.fd, 0, true)) ||
	    (ret = lm_set_migratable(sim.fd, 1, true)))
		die("LM_FN_SET_MIGRATABLE", ret);

	ret = lm_set_state(sim.fd, 1, LM_MIG_STATE_RESUMING, &restore_fd);
	if (ret)
		die("fn1 -> RESUMING", ret);
	t0 = now();
	ret = lm_set_state(sim.fd, 0, LM_MIG_STATE_PRE_COPY, &save_fd);
	if (ret)
		die("fn0 -> PRE_COPY", ret);

	/* Rounds while the function runs, until what changes per round is small. */
	for (round = 1; round <= 30; round++) {
		info = precopy_info(save_fd);
		bytes = pump(save_fd, restore_fd, buf);
		total += bytes;
		printf("pre-copy round %2d: initial %10llu dirty %10llu -> sent %10lld bytes\n",
		       round, (unsigned long long)info.initial_bytes,
		       (unsigned long long)info.dirty_bytes, bytes);
		if (round > 1 && bytes < (long long)(memory / 64))
			break;
		usleep(20000);
	}

	/* Downtime: from stopping the source to the destination running. */
	t_stop = now();
	ret = lm_set_state(sim.fd, 0, LM_MIG_STATE_STOP_COPY, NULL);
	if (ret)
		die("fn0 -> STOP_COPY", ret);
	bytes = pump(save_fd, restore_fd, buf);
	total += bytes;
	ret = lm_set_state(sim.fd, 1, LM_MIG_STATE_RUNNING, NULL);
	if (ret)
		die("fn1 -> RUNNING", ret);
	t_done = now();

	src_digest = lm_sim_digest(&sim, 0);
	/* The destination runs too, but its device is quiet: busy is 0. */
	dst_digest = lm_sim_digest(&sim, 1);

	printf("stop-copy: %lld bytes, downtime %.1f ms (whole migration %.2f s, %lld bytes streamed)\n",
	       bytes, (t_done - t_stop) * 1e3, t_done - t0, total);
	printf("state digest: source %016llx destination %016llx: %s\n",
	       (unsigned long long)src_digest, (unsigned long long)dst_digest,
	       src_digest == dst_digest ? "MATCH" : "MISMATCH");

	close(save_fd);
	close(restore_fd);
	lm_sim_destroy(&sim);
	free(buf);
	return src_digest == dst_digest && src_digest ? 0 : 1;
}
