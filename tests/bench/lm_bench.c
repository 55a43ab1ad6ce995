// SPDX-License-Identifier: GPL-2.0
/*
 * Measurements of liblm against a baseline taken side by side in the same
 * guest, printed as ratios (absolute times under emulation mean little):
 *
 *   lm_bench copy MIB     save + restore of MIB of simulated state through
 *                         liblm (lm_fn_save() into a file in memory,
 *                         lm_fn_restore() from it), and lm_fn_migrate()
 *                         without PRE_COPY (nothing stored between),
 *                         against memcpy() of MIB
 *   lm_bench dump N M     per-function cost of a netlink dump of a device
 *                         of N functions against one of M
 *
 * Needs lm.ko and lm_sim.ko loaded (devices=0). Prints "key value" lines
 * for the script that runs it, after a human-readable line each.
 */
#include <sys/mman.h>

#include "../selftests/lm_util.h"
#include "liblm.h"

#define MIB (1ULL << 20)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "lm_bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

/* memcpy() of @bytes between two buffers the copy does not fault in. */
static double bench_memcpy(uint64_t bytes)
{
	char *src = malloc(bytes), *dst = malloc(bytes);
	double t, best = 0;
	int i;

	if (!src || !dst)
		die("malloc", -ENOMEM);
	memset(src, 0x5a, bytes);
	memset(dst, 0xa5, bytes);
	/* The best of three: what the memory can do, not what was in the way. */
	for (i = 0; i < 3; i++) {
		t = now_s();
		memcpy(dst, src, bytes);
		t = now_s() - t;
		if (!i || t < best)
			best = t;
	}
	if (memcmp(dst, src, 4096))
		die("memcpy", -EIO);
	free(src);
	free(dst);
	return best;
}

/*
 * A file in memory with its pages allocated ahead, so that writing the
 * stream into it costs a copy and not the allocation of a page per 4 KiB
 * (which an emulated guest makes expensive); a file system or a socket
 * would cost what they cost on top of both liblm and memcpy.
 */
static int stream_file(uint64_t size)
{
	int fd = memfd_create("lm-bench-stream", MFD_CLOEXEC);

	if (fd < 0)
		die("memfd_create", -errno);
	if (fallocate(fd, 0, 0, (off_t)size))
		die("fallocate", -errno);
	return fd;
}

static int cmd_copy(uint64_t mib)
{
	uint64_t bytes = mib * MIB, stream;
	struct lm_migrate_opts opts = { .flags = LM_MIGRATE_NO_PRECOPY };
	struct lm_migrate_result mres;
	struct lm_xfer_result sres, rres;
	double t_memcpy, t_save, t_restore, t_direct;
	struct lm_sim sim;
	struct lm_dev *dev;
	uint32_t id;
	int fd, ret;

	t_memcpy = bench_memcpy(bytes);
	printf("memcpy of %llu MiB: %.1f ms (%.0f MiB/s)\n",
	       (unsigned long long)mib, t_memcpy * 1e3, mib / t_memcpy);

	ret = lm_sim_new(&sim, 2, LM_ALL_CAPS, bytes);
	if (ret)
		die("creating a simulated device", ret);
	if ((ret = lm_sim_prepare_fn(&sim, 0, bytes)) ||
	    (ret = lm_sim_prepare_fn(&sim, 1, bytes)) ||
	    (ret = lm_sim_fill(&sim, 0, 4242)))
		die("preparing the functions", ret);
	id = (uint32_t)strtoul(sim.name + 2, NULL, 10);
	ret = lm_dev_open(id, &dev);
	if (ret)
		die("lm_dev_open", ret);
	ret = lm_dev_fn_data_size(dev, 0, &stream);
	if (ret)
		die("lm_dev_fn_data_size", ret);

	fd = stream_file(stream);
	t_save = now_s();
	ret = lm_fn_save(dev, 0, fd, NULL, NULL, &sres);
	t_save = now_s() - t_save;
	if (ret)
		die(sres.failed_step, ret);
	if (ftruncate(fd, (off_t)sres.bytes) || lseek(fd, 0, SEEK_SET))
		die("rewinding the stream", -errno);
	t_restore = now_s();
	ret = lm_fn_restore(dev, 1, fd, NULL, NULL, &rres);
	t_restore = now_s() - t_restore;
	if (ret)
		die(rres.failed_step, ret);
	close(fd);
	if (lm_sim_digest(&sim, 0) != lm_sim_digest(&sim, 1))
		die("save + restore: the states differ", -EIO);
	printf("lm_fn_save() of %llu MiB: %.1f ms; lm_fn_restore(): %.1f ms; %llu stream bytes\n",
	       (unsigned long long)mib, t_save * 1e3, t_restore * 1e3,
	       (unsigned long long)sres.bytes);
	printf("save + restore of %llu MiB through liblm: %.1f ms (%.0f MiB/s)\n",
	       (unsigned long long)mib, (t_save + t_restore) * 1e3,
	       mib / (t_save + t_restore));

	ret = lm_dev_fn_reset(dev, 1);
	if (ret)
		die("reset", ret);
	t_direct = now_s();
	ret = lm_fn_migrate(dev, 0, dev, 1, &opts, &mres);
	t_direct = now_s() - t_direct;
	if (ret)
		die(mres.failed_step, ret);
	if (lm_sim_digest(&sim, 0) != lm_sim_digest(&sim, 1))
		die("migrate: the states differ", -EIO);
	printf("lm_fn_migrate() of %llu MiB, no pre-copy, nothing stored between: %.1f ms (%.0f MiB/s)\n",
	       (unsigned long long)mib, t_direct * 1e3, mib / t_direct);

	printf("ratio_save_restore_memcpy %.2f\n", (t_save + t_restore) / t_memcpy);
	printf("ratio_migrate_memcpy %.2f\n", t_direct / t_memcpy);
	lm_dev_close(dev);
	lm_sim_destroy(&sim);
	return 0;
}

static int count_fn(const struct lm_fn_desc *desc, void *arg)
{
	(void)desc;
	(*(unsigned int *)arg)++;
	return 0;
}

/* Seconds per function of dumping a device of @nfns functions. */
static double dump_cost(struct lm_ctx *ctx, unsigned int nfns)
{
	unsigned int reps, i, seen;
	struct lm_sim sim;
	double t;
	uint32_t id;
	int ret;

	ret = lm_sim_new(&sim, nfns, LM_ALL_CAPS, 4096);
	if (ret)
		die("creating a simulated device", ret);
	id = (uint32_t)strtoul(sim.name + 2, NULL, 10);
	/* About as many functions dumped in all, whatever the size. */
	reps = 262144 / nfns;
	if (reps < 8)
		reps = 8;
	seen = 0;
	ret = lm_fn_list(ctx, id, count_fn, &seen);
	if (ret || seen != nfns)
		die("lm_fn_list", ret ?: -EPROTO);
	t = now_s();
	for (i = 0; i < reps; i++) {
		seen = 0;
		ret = lm_fn_list(ctx, id, count_fn, &seen);
		if (ret || seen != nfns)
			die("lm_fn_list", ret ?: -EPROTO);
	}
	t = now_s() - t;
	lm_sim_destroy(&sim);
	printf("dump of %u functions: %.3f ms, %.2f us per function (%u dumps)\n",
	       nfns, t / reps * 1e3, t / reps / nfns * 1e6, reps);
	return t / reps / nfns;
}

static int cmd_dump(unsigned int small, unsigned int big)
{
	struct lm_ctx *ctx;
	double c_small, c_big;
	int ret = lm_ctx_new(&ctx);

	if (ret)
		die("lm_ctx_new", ret);
	c_small = dump_cost(ctx, small);
	c_big = dump_cost(ctx, big);
	printf("per-function cost, %u / %u functions: %.2f\n", big, small,
	       c_big / c_small);
	printf("ratio_dump_per_fn %.2f\n", c_big / c_small);
	lm_ctx_free(ctx);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "copy"))
		return cmd_copy(strtoull(argv[2], NULL, 10));
	if (argc == 4 && !strcmp(argv[1], "dump"))
		return cmd_dump((unsigned int)strtoul(argv[2], NULL, 10),
				(unsigned int)strtoul(argv[3], NULL, 10));
	fprintf(stderr, "usage: lm_bench copy MIB | dump N M\n");
	return 2;
}
