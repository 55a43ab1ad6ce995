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

struct migration {
	int rounds;
	long long stop_copy_bytes;
	long long total_bytes;
	double downtime;
	double duration;
};

/*
 * Migrate @src into @dst while @src runs. With @precopy, stream rounds
 * while it runs until what changed per round is small, then stop it;
 * without, stop it at once and send everything. Downtime runs from the
 * request that stops the source to the destination running.
 */
static struct migration migrate(int fd, unsigned int src, unsigned int dst,
				uint64_t memory, bool precopy, char *buf)
{
	struct migration m = {};
	struct lm_precopy_info info;
	int save_fd, restore_fd, ret;
	double t0, t_stop;
	long long bytes;

	ret = lm_set_state(fd, dst, LM_MIG_STATE_RESUMING, &restore_fd);
	if (ret)
		die("destination -> RESUMING", ret);
	t0 = now();

	if (precopy) {
		ret = lm_set_state(fd, src, LM_MIG_STATE_PRE_COPY, &save_fd);
		if (ret)
			die("source -> PRE_COPY", ret);
		for (m.rounds = 1; m.rounds <= 30; m.rounds++) {
			info = precopy_info(save_fd);
			bytes = pump(save_fd, restore_fd, buf);
			m.total_bytes += bytes;
			printf("  pre-copy round %2d: initial %10llu dirty %9llu -> sent %10lld bytes\n",
			       m.rounds, (unsigned long long)info.initial_bytes,
			       (unsigned long long)info.dirty_bytes, bytes);
			if (m.rounds > 1 && bytes < (long long)(memory / 64))
				break;
			/* What a VMM does meanwhile: send guest memory. */
			usleep(20000);
		}
		t_stop = now();
		ret = lm_set_state(fd, src, LM_MIG_STATE_STOP_COPY, NULL);
	} else {
		t_stop = now();
		ret = lm_set_state(fd, src, LM_MIG_STATE_STOP_COPY, &save_fd);
	}
	if (ret)
		die("source -> STOP_COPY", ret);

	m.stop_copy_bytes = pump(save_fd, restore_fd, buf);
	m.total_bytes += m.stop_copy_bytes;
	ret = lm_set_state(fd, dst, LM_MIG_STATE_RUNNING, NULL);
	if (ret)
		die("destination -> RUNNING", ret);
	m.downtime = now() - t_stop;
	m.duration = now() - t0;
	close(save_fd);
	close(restore_fd);
	return m;
}

/* Compare the stopped source with the destination, then run the source. */
static bool states_match(struct lm_sim *sim, unsigned int src, unsigned int dst)
{
	uint64_t src_digest = lm_sim_digest(sim, src);
	uint64_t dst_digest = lm_sim_digest(sim, dst);
	int ret;

	printf("  state digest: source %016llx destination %016llx: %s\n",
	       (unsigned long long)src_digest, (unsigned long long)dst_digest,
	       src_digest == dst_digest ? "MATCH" : "MISMATCH");
	ret = lm_set_state(sim->fd, src, LM_MIG_STATE_RUNNING, NULL);
	if (ret)
		die("source -> RUNNING", ret);
	return src_digest && src_digest == dst_digest;
}

static void report(const char *how, const struct migration *m)
{
	printf("  %s: stop-copy %lld bytes, downtime %.1f ms; whole migration %.2f s, %lld bytes\n",
	       how, m->stop_copy_bytes, m->downtime * 1e3, m->duration,
	       m->total_bytes);
}

int main(int argc, char **argv)
{
	unsigned long long mib = argc > 1 ? strtoull(argv[1], NULL, 0) : 256;
	unsigned int busy = argc > 2 ? strtoul(argv[2], NULL, 0) : 64;
	uint64_t memory = mib << 20;
	struct migration pre, plain;
	bool ok = true;
	struct lm_sim sim;
	char *buf;
	int ret;

	buf = malloc(CHUNK);
	if (!buf)
		die("malloc", -ENOMEM);

	ret = lm_sim_new(&sim, 2, LM_ALL_CAPS, memory);
	if (ret)
		die("creating a simulated device", ret);
	printf("device /dev/%s: 2 functions of %llu MiB each\n", sim.name, mib);

	ret = lm_sim_set(&sim, 0, "fill", "%u", 12345);
	if (!ret)
		ret = lm_sim_set(&sim, 0, "busy", "%u", busy);
	if (ret)
		die("setting up fn0", ret);
	printf("fn0: state filled, its device rewrites %u pages every 10 ms\n",
	       busy);
	if ((ret = lm_set_migratable(sim.fd, 0, true)) ||
	    (ret = lm_set_migratable(sim.fd, 1, true)))
		die("LM_FN_SET_MIGRATABLE", ret);

	printf("\nfn0 -> fn1 with PRE_COPY while fn0 runs:\n");
	pre = migrate(sim.fd, 0, 1, memory, true, buf);
	report("pre-copy", &pre);
	ok &= states_match(&sim, 0, 1);

	/* fn1 goes back to an empty state to receive again. */
	ret = lm_reset(sim.fd, 1);
	if (ret)
		die("LM_FN_RESET fn1", ret);
	printf("\nfn0 -> fn1 again, stopping fn0 at once (no pre-copy):\n");
	plain = migrate(sim.fd, 0, 1, memory, false, buf);
	report("stop-and-copy", &plain);
	ok &= states_match(&sim, 0, 1);

	printf("\ndowntime with pre-copy %.1f ms, without %.1f ms (%.0fx less)\n",
	       pre.downtime * 1e3, plain.downtime * 1e3,
	       plain.downtime / (pre.downtime > 0 ? pre.downtime : 1e-6));

	lm_sim_destroy(&sim);
	free(buf);
	return ok ? 0 : 1;
}
