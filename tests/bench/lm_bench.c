// SPDX-License-Identifier: GPL-2.0
/*
 * Measurements of liblm against a baseline taken side by side in the same
 * guest, printed as ratios (absolute times under emulation mean little):
 *
 *   lm_bench copy MIB     save + restore of MIB of simulated state through
 *                         liblm (lm_fn_save() into a file in memory,
 *                         lm_fn_restore() from it), and lm_fn_migrate()
 *                         without PRE_COPY (nothing stored between),
 *                         against memcpy() of MIB; then each pass over the
 *                         bytes alone
 *   lm_bench migrate MIB  one lm_fn_migrate() of MIB into a function holding
 *                         state, nothing else timed (for a profiler)
 *   lm_bench parallel MIB N...
 *                         N simultaneous lm_fn_migrate() between different
 *                         functions of one device, MIB each, against N = 1
 *   lm_bench dump N M     per-function cost of a netlink dump of a device
 *                         of N functions against one of M
 *
 * Needs lm.ko and lm_sim.ko loaded (devices=0). Prints "key value" lines
 * for the script that runs it, after a human-readable line each.
 */
#include <pthread.h>
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

/* Seconds of a save of @fn whose stream goes nowhere: to /dev/null. */
static double pass_save_null(struct lm_dev *dev, uint32_t fn)
{
	struct lm_xfer_result res;
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	double t;
	int ret;

	if (fd < 0)
		die("/dev/null", -errno);
	t = now_s();
	ret = lm_fn_save(dev, fn, fd, NULL, NULL, &res);
	t = now_s() - t;
	if (ret)
		die(res.failed_step, ret);
	close(fd);
	return t;
}

/* Seconds of a save of @fn read() into a buffer of 1 MiB and dropped. */
static double pass_save_read(struct lm_dev *dev, uint32_t fn)
{
	ssize_t n;
	double t;
	int fd, ret;

	t = now_s();
	ret = lm_dev_fn_set_state(dev, fn, LM_MIG_STATE_STOP_COPY, &fd);
	if (ret)
		die("entering STOP_COPY", ret);
	n = lm_read_all(fd, -1, MIB);
	if (n < 0)
		die("reading the stream", n);
	close(fd);
	ret = lm_dev_fn_set_state(dev, fn, LM_MIG_STATE_RUNNING, NULL);
	t = now_s() - t;
	if (ret)
		die("leaving STOP_COPY", ret);
	return t;
}

/* Seconds of a restore of @fn with write() from @stream in memory. */
static double pass_restore_write(struct lm_dev *dev, uint32_t fn,
				 const char *stream, uint64_t len)
{
	double t;
	int fd, ret;

	t = now_s();
	ret = lm_dev_fn_set_state(dev, fn, LM_MIG_STATE_RESUMING, &fd);
	if (ret)
		die("entering RESUMING", ret);
	ret = lm_write_pieces(fd, stream, len, MIB, NULL);
	if (ret)
		die("writing the stream", ret);
	close(fd);
	ret = lm_dev_fn_set_state(dev, fn, LM_MIG_STATE_RUNNING, NULL);
	t = now_s() - t;
	if (ret)
		die("leaving RESUMING", ret);
	return t;
}

/* Seconds of @len bytes written into a file in memory and read back. */
static double pass_file(const char *bytes, uint64_t len)
{
	int fd = stream_file(len);
	ssize_t n;
	double t;
	int ret;

	t = now_s();
	ret = lm_write_pieces(fd, bytes, len, MIB, NULL);
	if (ret)
		die("writing the file", ret);
	if (lseek(fd, 0, SEEK_SET))
		die("rewinding the file", -errno);
	n = lm_read_all(fd, -1, MIB);
	t = now_s() - t;
	if (n < 0)
		die("reading the file", n);
	close(fd);
	return t;
}

static void print_pass(const char *what, uint64_t mib, double t,
		       double t_memcpy)
{
	printf("  %-58s %8.1f ms %6.0f MiB/s %5.2fx\n", what, t * 1e3, mib / t,
	       t_memcpy / t);
}

/*
 * Give the destination, fn 1, a state of its own to be overwritten (a
 * device's memory is there), or none at all (@empty: lm_sim then allocates
 * each page as it arrives).
 */
static void dest_prepare(struct lm_dev *dev, const struct lm_sim *sim,
			 bool empty)
{
	int ret = lm_dev_fn_reset(dev, 1);

	if (!ret && !empty)
		ret = lm_sim_fill(sim, 1, 777);
	if (ret)
		die("preparing the destination", ret);
}

/* Seconds of lm_fn_migrate() of fn 0 into fn 1, checked. */
static double timed_migrate(struct lm_dev *dev, const struct lm_sim *sim)
{
	struct lm_migrate_opts opts = { .flags = LM_MIGRATE_NO_PRECOPY };
	struct lm_migrate_result res;
	double t;
	int ret;

	t = now_s();
	ret = lm_fn_migrate(dev, 0, dev, 1, &opts, &res);
	t = now_s() - t;
	if (ret)
		die(res.failed_step, ret);
	if (lm_sim_digest(sim, 0) != lm_sim_digest(sim, 1))
		die("migrate: the states differ", -EIO);
	return t;
}

/* fn 0's whole stream, read into memory; its length in *@len. */
static char *stream_in_memory(struct lm_dev *dev, uint64_t size, uint64_t *len)
{
	char *stream = malloc(size);
	ssize_t n;
	int fd, ret;

	if (!stream)
		die("malloc", -ENOMEM);
	ret = lm_dev_fn_set_state(dev, 0, LM_MIG_STATE_STOP_COPY, &fd);
	if (ret)
		die("entering STOP_COPY", ret);
	for (*len = 0; *len < size; *len += (uint64_t)n) {
		n = read(fd, stream + *len, size - *len);
		if (n <= 0)
			die("reading the stream", n < 0 ? -errno : -EIO);
	}
	close(fd);
	ret = lm_dev_fn_set_state(dev, 0, LM_MIG_STATE_RUNNING, NULL);
	if (ret)
		die("leaving STOP_COPY", ret);
	return stream;
}

static int cmd_copy(uint64_t mib)
{
	uint64_t bytes = mib * MIB, size, len;
	struct lm_xfer_result sres, rres;
	double t_memcpy, t_save, t_restore, t_direct, t_empty;
	double t_null, t_read, t_write, t_file;
	struct lm_sim sim;
	struct lm_dev *dev;
	char *stream;
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
	ret = lm_dev_fn_data_size(dev, 0, &size);
	if (ret)
		die("lm_dev_fn_data_size", ret);

	/* Through a file in memory. */
	dest_prepare(dev, &sim, false);
	fd = stream_file(size);
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

	/* Straight from one function into the other. */
	dest_prepare(dev, &sim, false);
	t_direct = timed_migrate(dev, &sim);
	dest_prepare(dev, &sim, true);
	t_empty = timed_migrate(dev, &sim);

	/* Each pass alone. */
	t_null = pass_save_null(dev, 0);
	t_read = pass_save_read(dev, 0);
	stream = stream_in_memory(dev, sres.bytes, &len);
	dest_prepare(dev, &sim, false);
	t_write = pass_restore_write(dev, 1, stream, len);
	if (lm_sim_digest(&sim, 0) != lm_sim_digest(&sim, 1))
		die("restore by write(): the states differ", -EIO);
	/* Room for the file: the restored copy of the state goes. */
	dest_prepare(dev, &sim, true);
	t_file = pass_file(stream, len);
	free(stream);

	/*
	 * As throughputs against memcpy() (above 1: faster than the memcpy).
	 * The direct path is the save without its output plus the restore
	 * from the saving session's own pages; the file path adds the file.
	 */
	printf("where the time goes, each pass alone (throughput, x memcpy):\n");
	print_pass("memcpy() of the state, the baseline", mib, t_memcpy,
		   t_memcpy);
	print_pass("save, stream dropped (driver copy + checksum)", mib, t_null,
		   t_memcpy);
	print_pass("save read() into 1 MiB (+ copy to user space)", mib, t_read,
		   t_memcpy);
	print_pass("copy to user space alone (read() - dropped)", mib,
		   t_read - t_null, t_memcpy);
	print_pass("restore from the saver's pages (migrate - save)", mib,
		   t_direct - t_null, t_memcpy);
	print_pass("the same into a function with no pages (allocated)", mib,
		   t_empty - t_null, t_memcpy);
	print_pass("restore write() from memory (copy in + checksum + driver)",
		   mib, t_write, t_memcpy);
	print_pass("the file: stream written to memfd and read back", mib,
		   t_file, t_memcpy);
	print_pass("migrate, direct (lm_fn_migrate)", mib, t_direct, t_memcpy);
	print_pass("migrate, direct, into a function with no pages", mib,
		   t_empty, t_memcpy);
	print_pass("save into the file + restore from it", mib,
		   t_save + t_restore, t_memcpy);

	printf("ratio_save_restore_memcpy %.2f\n", t_memcpy / (t_save + t_restore));
	printf("ratio_migrate_memcpy %.2f\n", t_memcpy / t_direct);
	printf("ratio_migrate_empty_memcpy %.2f\n", t_memcpy / t_empty);
	lm_dev_close(dev);
	lm_sim_destroy(&sim);
	return 0;
}

/*
 * Tell "perf record --control fifo:CTL,ACK" (started with -D -1) to record
 * or stop, when LM_BENCH_PERF_CTL and LM_BENCH_PERF_ACK name its fifos.
 */
static void profile_control(const char *cmd)
{
	const char *ctl = getenv("LM_BENCH_PERF_CTL");
	const char *ack = getenv("LM_BENCH_PERF_ACK");
	char reply[16];
	FILE *f;

	if (!ctl || !ack)
		return;
	f = fopen(ctl, "w");
	if (!f || fprintf(f, "%s\n", cmd) < 0 || fclose(f))
		die("the profiler's control fifo", -errno);
	f = fopen(ack, "r");
	if (!f || !fgets(reply, sizeof(reply), f))
		die("the profiler's ack fifo", -EIO);
	fclose(f);
}

static int cmd_migrate(uint64_t mib)
{
	struct lm_migrate_opts opts = { .flags = LM_MIGRATE_NO_PRECOPY };
	struct lm_migrate_result res;
	struct lm_sim sim;
	struct lm_dev *dev;
	double t;
	int ret;

	ret = lm_sim_new(&sim, 2, LM_ALL_CAPS, mib * MIB);
	if (ret)
		die("creating a simulated device", ret);
	if ((ret = lm_sim_prepare_fn(&sim, 0, mib * MIB)) ||
	    (ret = lm_sim_prepare_fn(&sim, 1, mib * MIB)) ||
	    (ret = lm_sim_fill(&sim, 0, 4242)))
		die("preparing the functions", ret);
	ret = lm_dev_open((uint32_t)strtoul(sim.name + 2, NULL, 10), &dev);
	if (ret)
		die("lm_dev_open", ret);
	dest_prepare(dev, &sim, false);
	profile_control("enable");
	t = now_s();
	ret = lm_fn_migrate(dev, 0, dev, 1, &opts, &res);
	t = now_s() - t;
	profile_control("disable");
	if (ret)
		die(res.failed_step, ret);
	if (lm_sim_digest(&sim, 0) != lm_sim_digest(&sim, 1))
		die("migrate: the states differ", -EIO);
	printf("lm_fn_migrate() of %llu MiB: %.1f ms\n", (unsigned long long)mib,
	       t * 1e3);
	lm_dev_close(dev);
	lm_sim_destroy(&sim);
	return 0;
}

/* One thread of cmd_parallel(): migrates fn 2i to 2i + 1 and back. */
struct par_job {
	uint32_t id;
	uint32_t fn;
	unsigned int reps;
	int ret;
	const char *step;
	pthread_barrier_t *start;
};

static void *par_run(void *arg)
{
	struct lm_migrate_opts opts = { .flags = LM_MIGRATE_NO_PRECOPY };
	struct par_job *job = arg;
	struct lm_migrate_result res;
	struct lm_dev *dev;
	unsigned int i;

	job->ret = lm_dev_open(job->id, &dev);
	pthread_barrier_wait(job->start);
	if (job->ret) {
		job->step = "lm_dev_open";
		return NULL;
	}
	for (i = 0; i < job->reps && !job->ret; i++) {
		uint32_t a = job->fn + (i & 1), b = job->fn + !(i & 1);

		job->ret = lm_fn_migrate(dev, a, dev, b, &opts, &res);
		job->step = res.failed_step;
	}
	lm_dev_close(dev);
	return NULL;
}

/* Seconds for @n simultaneous migrations of @mib each, @reps times. */
static double par_round(unsigned int n, uint64_t mib, unsigned int reps)
{
	struct par_job *jobs = calloc(n, sizeof(*jobs));
	pthread_t *threads = calloc(n, sizeof(*threads));
	pthread_barrier_t start;
	struct lm_sim sim;
	unsigned int i;
	double t;
	int ret;

	if (!jobs || !threads)
		die("calloc", -ENOMEM);
	ret = lm_sim_new(&sim, 2 * n, LM_ALL_CAPS, mib * MIB);
	if (ret)
		die("creating a simulated device", ret);
	for (i = 0; i < 2 * n; i++) {
		ret = lm_sim_prepare_fn(&sim, i, mib * MIB);
		if (!ret && !(i & 1))
			ret = lm_sim_fill(&sim, i, 4242 + i);
		if (ret)
			die("preparing the functions", ret);
	}
	pthread_barrier_init(&start, NULL, n + 1);
	for (i = 0; i < n; i++) {
		jobs[i] = (struct par_job){
			.id = (uint32_t)strtoul(sim.name + 2, NULL, 10),
			.fn = 2 * i,
			.reps = reps,
			.start = &start,
		};
		if (pthread_create(&threads[i], NULL, par_run, &jobs[i]))
			die("pthread_create", -EAGAIN);
	}
	pthread_barrier_wait(&start);
	t = now_s();
	for (i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	t = now_s() - t;
	for (i = 0; i < n; i++) {
		if (jobs[i].ret)
			die(jobs[i].step ?: "migrating", jobs[i].ret);
		if (lm_sim_digest(&sim, 2 * i) != lm_sim_digest(&sim, 2 * i + 1))
			die("parallel migrate: the states differ", -EIO);
	}
	pthread_barrier_destroy(&start);
	lm_sim_destroy(&sim);
	free(jobs);
	free(threads);
	return t;
}

static int cmd_parallel(uint64_t mib, int argc, char **argv)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	double base = 0, t, rate;
	unsigned int n, reps;
	int i;

	printf("N simultaneous migrations of %llu MiB each, between different functions of one device; %ld guest CPUs\n",
	       (unsigned long long)mib, cpus);
	printf("  %4s %6s %12s %10s %6s\n", "N", "MiB", "MiB/s (all)", "x N = 1",
	       "CPUs");
	for (i = 0; i < argc; i++) {
		n = (unsigned int)strtoul(argv[i], NULL, 10);
		if (!n)
			die("N", -EINVAL);
		/* About the same bytes at every N, so each takes a while. */
		reps = (unsigned int)(256 / (n * mib));
		if (reps < 2)
			reps = 2;
		t = par_round(n, mib, reps);
		rate = (double)n * reps * mib / t;
		if (!i)
			base = rate;
		printf("  %4u %6llu %12.0f %10.2f %6ld\n", n,
		       (unsigned long long)n * reps * mib, rate, rate / base, cpus);
		printf("ratio_parallel_%u %.2f\n", n, rate / base);
	}
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
	if (argc == 3 && !strcmp(argv[1], "migrate"))
		return cmd_migrate(strtoull(argv[2], NULL, 10));
	if (argc >= 4 && !strcmp(argv[1], "parallel"))
		return cmd_parallel(strtoull(argv[2], NULL, 10), argc - 3,
				    argv + 3);
	if (argc == 4 && !strcmp(argv[1], "dump"))
		return cmd_dump((unsigned int)strtoul(argv[2], NULL, 10),
				(unsigned int)strtoul(argv[3], NULL, 10));
	fprintf(stderr, "usage: lm_bench copy MIB | migrate MIB | parallel MIB N... | dump N M\n");
	return 2;
}
