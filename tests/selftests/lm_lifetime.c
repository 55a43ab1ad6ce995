// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime and concurrency: a device that goes away (surprise removal,
 * module unload) under open files and running I/O, functions of one device
 * migrating at the same time, and no device-wide lock held across a slow
 * driver call.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <pthread.h>
#include <time.h>

#include "kselftest_harness.h"

#include "lm_util.h"

#define MiB (1 << 20)

/* Every ioctl of /dev/lmN, with arguments it would otherwise accept. */
static void expect_device_gone(struct __test_metadata *_metadata, int fd)
{
	struct lm_device_info dev = { .size = sizeof(dev) };
	struct lm_fn_info info = { .size = sizeof(info) };
	struct lm_fn_provision prov = {
		.size = sizeof(prov),
		.flags = LM_PROV_ONLINE,
		.online = 1,
	};
	struct lm_fn_migratable mig = { .size = sizeof(mig), .enable = 1 };
	struct lm_fn_mig_state set = {
		.size = sizeof(set),
		.device_state = LM_MIG_STATE_RUNNING,
	};
	struct lm_fn_mig_state get = { .size = sizeof(get) };
	struct lm_fn_data_size size = { .size = sizeof(size) };
	struct lm_fn_reset reset = { .size = sizeof(reset) };

	EXPECT_EQ(-ENODEV, lm_ioctl(fd, LM_DEVICE_INFO, &dev));
	EXPECT_EQ(-ENODEV, lm_ioctl(fd, LM_FN_INFO, &info));
	EXPECT_EQ(-ENODEV, lm_ioctl(fd, LM_FN_PROVISION, &prov));
	EXPECT_EQ(-ENODEV, lm_ioctl(fd, LM_FN_SET_MIGRATABLE, &mig));
	EXPECT_EQ(-ENODEV, lm_ioctl(fd, LM_FN_SET_STATE, &set));
	EXPECT_EQ(-ENODEV, lm_ioctl(fd, LM_FN_GET_STATE, &get));
	EXPECT_EQ(-ENODEV, lm_ioctl(fd, LM_FN_DATA_SIZE, &size));
	EXPECT_EQ(-ENODEV, lm_ioctl(fd, LM_FN_RESET, &reset));
}

/* A save (@save) or restore data file whose device is gone. */
static void expect_data_file_gone(struct __test_metadata *_metadata,
				  int data_fd, bool save)
{
	struct lm_precopy_info info = { .size = sizeof(info) };
	char buf[4096] = {};

	if (save) {
		EXPECT_EQ(-1, read(data_fd, buf, sizeof(buf)));
	} else {
		EXPECT_EQ(-1, write(data_fd, buf, sizeof(buf)));
	}
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-ENODEV, lm_ioctl(data_fd, LM_PRECOPY_INFO, &info));
}

/* Read exactly len bytes of a save stream; 0 or -errno. */
static int read_some(int data_fd, size_t len)
{
	char buf[64 << 10];

	while (len) {
		ssize_t n = read(data_fd, buf,
				 len < sizeof(buf) ? len : sizeof(buf));

		if (n < 0)
			return -errno;
		if (!n)
			return -ENODATA;
		len -= n;
	}
	return 0;
}

/* Surprise removal in the middle of a save or a restore stream. */

#define REMOVAL_MEMORY (16 * MiB)

FIXTURE(removal) {
	struct lm_sim sim;
	int data_fd;
	void *stream;
};

FIXTURE_VARIANT(removal) {
	bool save;
};

FIXTURE_VARIANT_ADD(removal, save) { .save = true };
FIXTURE_VARIANT_ADD(removal, restore) { .save = false };

FIXTURE_SETUP(removal)
{
	ssize_t len;

	self->sim.fd = -1;
	self->data_fd = -1;
	self->stream = NULL;
	ASSERT_EQ(0, lm_sim_new(&self->sim, 2, LM_MIG_STOP_COPY,
				REMOVAL_MEMORY));
	ASSERT_EQ(0, lm_set_migratable(self->sim.fd, 0, true));
	ASSERT_EQ(0, lm_set_migratable(self->sim.fd, 1, true));
	ASSERT_EQ(0, lm_sim_fill(&self->sim, 0, 7));

	if (variant->save) {
		ASSERT_EQ(0, lm_set_state(self->sim.fd, 0,
					  LM_MIG_STATE_STOP_COPY,
					  &self->data_fd));
		ASSERT_EQ(0, read_some(self->data_fd, MiB));
	} else {
		len = lm_save_fn(self->sim.fd, 0, &self->stream);
		ASSERT_LT(REMOVAL_MEMORY, len);
		ASSERT_EQ(0, lm_set_state(self->sim.fd, 1,
					  LM_MIG_STATE_RESUMING,
					  &self->data_fd));
		ASSERT_EQ(0, lm_write_all(self->data_fd, self->stream, len / 2,
					  64 << 10));
	}
	ASSERT_LE(0, self->data_fd);
}

FIXTURE_TEARDOWN(removal)
{
	if (self->data_fd >= 0)
		close(self->data_fd);
	lm_sim_destroy(&self->sim);
	free(self->stream);
}

TEST_F_TIMEOUT(removal, mid_stream, 60)
{
	ASSERT_EQ(0, lm_sim_remove(&self->sim));
	expect_device_gone(_metadata, self->sim.fd);
	expect_data_file_gone(_metadata, self->data_fd, variant->save);
	/* It stays gone. */
	expect_data_file_gone(_metadata, self->data_fd, variant->save);
	ASSERT_EQ(0, close(self->data_fd));
	self->data_fd = -1;
	ASSERT_EQ(0, close(self->sim.fd));
	self->sim.fd = -1;
}

/* Unloading the driver module with files open. */

FIXTURE(module) {
	struct lm_sim sim;
	int data_fd;
};

FIXTURE_SETUP(module)
{
	char path[256];

	self->sim.fd = -1;
	self->data_fd = -1;
	/* Reloading needs the module file, which only the VM rig provides. */
	snprintf(path, sizeof(path), "%s/lm_sim.ko", lm_modules_dir());
	if (access(path, R_OK))
		SKIP(return, "no %s to reload lm_sim from (set LM_MODULES)",
		     path);
	ASSERT_TRUE(lm_module_loaded("lm"));
	ASSERT_TRUE(lm_module_loaded("lm_sim"));
}

/* Whatever happened, leave both modules loaded for the next program. */
FIXTURE_TEARDOWN(module)
{
	if (self->data_fd >= 0)
		close(self->data_fd);
	if (self->sim.fd >= 0)
		lm_sim_destroy(&self->sim);
	if (!lm_module_loaded("lm"))
		lm_module_load("lm", "");
	if (!lm_module_loaded("lm_sim"))
		lm_module_load("lm_sim", "devices=0");
}

TEST_F_TIMEOUT(module, unload_with_files_open, 60)
{
	struct lm_device_info info;
	struct lm_sim fresh;

	ASSERT_EQ(0, lm_sim_new(&self->sim, 2, LM_MIG_STOP_COPY, MiB));
	ASSERT_EQ(0, lm_sim_fill(&self->sim, 0, 3));
	ASSERT_EQ(0, lm_set_migratable(self->sim.fd, 0, true));
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_STOP_COPY,
				  &self->data_fd));
	ASSERT_EQ(0, read_some(self->data_fd, 4096));

	/* The driver goes: the files do not keep it. */
	ASSERT_EQ(0, lm_module_unload("lm_sim"));
	ASSERT_FALSE(lm_module_loaded("lm_sim"));
	expect_device_gone(_metadata, self->sim.fd);
	expect_data_file_gone(_metadata, self->data_fd, true);

	/* The core stays while its files are open. */
	ASSERT_EQ(-EWOULDBLOCK, lm_module_unload("lm"));
	ASSERT_TRUE(lm_module_loaded("lm"));

	ASSERT_EQ(0, close(self->data_fd));
	self->data_fd = -1;
	ASSERT_EQ(0, close(self->sim.fd));
	self->sim.fd = -1;

	/* And the driver comes back to a working core. */
	ASSERT_EQ(0, lm_module_load("lm_sim", "devices=0"));
	fresh.fd = -1;
	ASSERT_EQ(0, lm_sim_new(&fresh, 1, LM_MIG_STOP_COPY, MiB));
	EXPECT_EQ(0, lm_device_info(fresh.fd, &info));
	EXPECT_EQ(1, info.num_fns);
	EXPECT_EQ(0, lm_set_migratable(fresh.fd, 0, true));
	EXPECT_EQ(0, lm_set_state(fresh.fd, 0, LM_MIG_STATE_STOP, NULL));
	EXPECT_EQ(0, lm_set_state(fresh.fd, 0, LM_MIG_STATE_RUNNING, NULL));
	lm_sim_destroy(&fresh);
}

/* Removal while threads stream in and out. */

#define RACE_MEMORY (16 * MiB)
#define RACE_CHUNK (64 << 10)
#define JOIN_TIMEOUT_S 30

/*
 * One thread reading a save file or writing a restore file to its end.
 * Past @slow_after bytes it goes on a byte per call: the stream is then
 * still flowing when the removal lands, however fast the kernel is, and
 * the removal races with as many calls as can be.
 */
struct stream_io {
	pthread_t thread;
	int fd;
	const char *stream;	/* restore: what to write */
	size_t len;
	size_t slow_after;
	size_t done;		/* bytes so far, read atomically */
	int err;		/* 0: reached the end; else the errno */
	bool finished;
};

static void *stream_reader(void *data)
{
	struct stream_io *io = data;
	char *buf = malloc(RACE_CHUNK);
	size_t done = 0;
	ssize_t n;

	io->err = ENOMEM;
	while (buf) {
		n = read(io->fd, buf, done < io->slow_after ? RACE_CHUNK : 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			io->err = n ? errno : 0;
			break;
		}
		done += n;
		__atomic_store_n(&io->done, done, __ATOMIC_RELAXED);
	}
	free(buf);
	__atomic_store_n(&io->finished, true, __ATOMIC_RELEASE);
	return NULL;
}

static void *stream_writer(void *data)
{
	struct stream_io *io = data;
	size_t done = 0, n;
	ssize_t ret;

	io->err = 0;
	while (done < io->len) {
		n = io->len - done < RACE_CHUNK ? io->len - done : RACE_CHUNK;
		if (done >= io->slow_after)
			n = 1;
		ret = write(io->fd, io->stream + done, n);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret <= 0) {
			io->err = ret ? errno : EIO;
			break;
		}
		done += ret;
		__atomic_store_n(&io->done, done, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&io->finished, true, __ATOMIC_RELEASE);
	return NULL;
}

static bool stream_io_past(struct stream_io *io, size_t bytes)
{
	return __atomic_load_n(&io->finished, __ATOMIC_ACQUIRE) ||
	       __atomic_load_n(&io->done, __ATOMIC_RELAXED) >= bytes;
}

/* Join a thread, but not forever; 0 or the pthread errno (ETIMEDOUT). */
static int join_within(pthread_t thread, int seconds)
{
	struct timespec deadline;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += seconds;
	return pthread_timedjoin_np(thread, NULL, &deadline);
}

FIXTURE(race) {
	struct lm_sim sim;
	void *stream;
	ssize_t stream_len;
	struct stream_io reader, writer;
};

/* How far both streams are when the device goes. */
FIXTURE_VARIANT(race) {
	size_t remove_after;
};

FIXTURE_VARIANT_ADD(race, early) { .remove_after = 1 };
FIXTURE_VARIANT_ADD(race, late) { .remove_after = RACE_MEMORY / 2 };

FIXTURE_SETUP(race)
{
	int fn;

	self->sim.fd = -1;
	self->stream = NULL;
	self->reader.fd = -1;
	self->writer.fd = -1;
	ASSERT_EQ(0, lm_sim_new(&self->sim, 3, LM_MIG_STOP_COPY, RACE_MEMORY));
	for (fn = 0; fn < 3; fn++) {
		ASSERT_EQ(0, lm_set_migratable(self->sim.fd, fn, true));
		ASSERT_EQ(0, lm_sim_fill(&self->sim, fn, 100 + fn));
	}
	/* fn 1 resumes fn 2's state while fn 0 is saved. */
	self->stream_len = lm_save_fn(self->sim.fd, 2, &self->stream);
	ASSERT_LT(RACE_MEMORY, self->stream_len);
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_STOP_COPY,
				  &self->reader.fd));
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 1, LM_MIG_STATE_RESUMING,
				  &self->writer.fd));
	self->writer.stream = self->stream;
	self->writer.len = self->stream_len;
}

FIXTURE_TEARDOWN(race)
{
	if (self->reader.fd >= 0)
		close(self->reader.fd);
	if (self->writer.fd >= 0)
		close(self->writer.fd);
	lm_sim_destroy(&self->sim);
	free(self->stream);
}

TEST_F_TIMEOUT(race, remove_during_io, 120)
{
	uint64_t deadline = lm_now_ms() + JOIN_TIMEOUT_S * 1000;
	char byte;

	self->reader.slow_after = variant->remove_after;
	self->writer.slow_after = variant->remove_after;
	ASSERT_EQ(0, pthread_create(&self->reader.thread, NULL, stream_reader,
				    &self->reader));
	ASSERT_EQ(0, pthread_create(&self->writer.thread, NULL, stream_writer,
				    &self->writer));
	while (!stream_io_past(&self->reader, variant->remove_after) ||
	       !stream_io_past(&self->writer, variant->remove_after)) {
		ASSERT_GT(deadline, lm_now_ms())
		{
			TH_LOG("no progress: read %zu, written %zu",
			       self->reader.done, self->writer.done);
		}
		usleep(1000);
	}
	ASSERT_EQ(0, lm_sim_remove(&self->sim));

	ASSERT_EQ(0, join_within(self->reader.thread, JOIN_TIMEOUT_S))
	{
		TH_LOG("the reader hangs after the removal");
	}
	ASSERT_EQ(0, join_within(self->writer.thread, JOIN_TIMEOUT_S))
	{
		TH_LOG("the writer hangs after the removal");
	}
	/* Either the stream ended before the removal, or the removal ended it. */
	EXPECT_TRUE(!self->reader.err || self->reader.err == ENODEV)
	{
		TH_LOG("reader: %s after %zu bytes", strerror(self->reader.err),
		       self->reader.done);
	}
	EXPECT_TRUE(!self->writer.err || self->writer.err == ENODEV)
	{
		TH_LOG("writer: %s after %zu bytes", strerror(self->writer.err),
		       self->writer.done);
	}
	/* Else the removal raced with nothing, and this proved nothing. */
	EXPECT_TRUE(self->reader.err == ENODEV || self->writer.err == ENODEV)
	{
		TH_LOG("both streams ended before the removal");
	}
	EXPECT_EQ(-1, read(self->reader.fd, &byte, 1));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-1, write(self->writer.fd, &byte, 1));
	EXPECT_EQ(ENODEV, errno);
	expect_device_gone(_metadata, self->sim.fd);
}

/* Functions of one device migrating at the same time. */

#define PAIRS 4
#define CONCURRENT_MEMORY (8 * MiB)
#define PUMP_CHUNK (256 << 10)

/* Migrate src to dst of the same device, the stream going straight across. */
struct migration {
	pthread_t thread;
	int fd;
	uint32_t src, dst;
	pthread_barrier_t *start;
	int err;		/* 0, or the errno of @step */
	const char *step;
};

static int migrate(struct migration *m)
{
	int save_fd = -1, restore_fd = -1, ret;
	char *buf = malloc(PUMP_CHUNK);
	ssize_t n;

	ret = buf ? 0 : -ENOMEM;
	m->step = "buffer";
	if (!ret) {
		m->step = "source to STOP_COPY";
		ret = lm_set_state(m->fd, m->src, LM_MIG_STATE_STOP_COPY,
				   &save_fd);
	}
	if (!ret) {
		m->step = "destination to RESUMING";
		ret = lm_set_state(m->fd, m->dst, LM_MIG_STATE_RESUMING,
				   &restore_fd);
	}
	while (!ret) {
		m->step = "read";
		n = read(save_fd, buf, PUMP_CHUNK);
		if (n <= 0) {
			ret = n ? -errno : 0;
			break;
		}
		m->step = "write";
		ret = lm_write_all(restore_fd, buf, n, n);
	}
	if (!ret) {
		m->step = "destination to RUNNING";
		ret = lm_set_state(m->fd, m->dst, LM_MIG_STATE_RUNNING, NULL);
	}
	if (!ret) {
		m->step = "source to STOP";
		ret = lm_set_state(m->fd, m->src, LM_MIG_STATE_STOP, NULL);
	}
	if (save_fd >= 0)
		close(save_fd);
	if (restore_fd >= 0)
		close(restore_fd);
	free(buf);
	return -ret;
}

static void *migration_thread(void *data)
{
	struct migration *m = data;

	pthread_barrier_wait(m->start);
	m->err = migrate(m);
	return NULL;
}

FIXTURE(concurrent) {
	struct lm_sim sim;
	uint64_t digest[2 * PAIRS];
};

FIXTURE_SETUP(concurrent)
{
	int fn;

	self->sim.fd = -1;
	ASSERT_EQ(0, lm_sim_new(&self->sim, 2 * PAIRS, LM_ALL_CAPS,
				CONCURRENT_MEMORY));
	for (fn = 0; fn < 2 * PAIRS; fn++) {
		/* A quiet device: the state changes only by migration. */
		ASSERT_EQ(0, lm_sim_set(&self->sim, fn, "busy", "0"));
		ASSERT_EQ(0, lm_sim_fill(&self->sim, fn, 0x5eed0000 + fn));
		ASSERT_EQ(0, lm_set_migratable(self->sim.fd, fn, true));
		self->digest[fn] = lm_sim_digest(&self->sim, fn);
		ASSERT_NE(0, self->digest[fn]);
	}
	for (fn = 0; fn < 2 * PAIRS; fn += 2) {
		ASSERT_NE(self->digest[fn], self->digest[fn + 1]);
	}
}

FIXTURE_TEARDOWN(concurrent)
{
	lm_sim_destroy(&self->sim);
}

TEST_F_TIMEOUT(concurrent, pairs_migrate_at_once, 120)
{
	struct migration m[PAIRS];
	pthread_barrier_t start;
	int i;

	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, PAIRS));
	for (i = 0; i < PAIRS; i++) {
		m[i] = (struct migration){
			.fd = self->sim.fd,
			.src = 2 * i,
			.dst = 2 * i + 1,
			.start = &start,
		};
		ASSERT_EQ(0, pthread_create(&m[i].thread, NULL,
					    migration_thread, &m[i]));
	}
	for (i = 0; i < PAIRS; i++) {
		ASSERT_EQ(0, join_within(m[i].thread, 100));
	}
	pthread_barrier_destroy(&start);

	for (i = 0; i < PAIRS; i++) {
		EXPECT_EQ(0, m[i].err)
		{
			TH_LOG("fn %u -> fn %u: %s: %s", m[i].src, m[i].dst,
			       m[i].step, strerror(m[i].err));
		}
		EXPECT_EQ(self->digest[m[i].src],
			  lm_sim_digest(&self->sim, m[i].dst));
		EXPECT_EQ(self->digest[m[i].src],
			  lm_sim_digest(&self->sim, m[i].src));
		EXPECT_EQ(LM_MIG_STATE_STOP, lm_get_state(self->sim.fd,
							  m[i].src));
		EXPECT_EQ(LM_MIG_STATE_RUNNING, lm_get_state(self->sim.fd,
							     m[i].dst));
	}
}

/* No lock of the whole device is held across one function's slow arc. */

#define QUIESCE_FNS 8
#define QUIESCE_DELAY_MS 2000
#define QUERY_THREADS 4
#define QUERY_ROUNDS 20

struct slow_request {
	pthread_t thread;
	int fd;
	int ret;
	uint64_t elapsed_ms;
	bool started, done;
};

static void *slow_request_thread(void *data)
{
	struct slow_request *r = data;
	uint64_t start;

	__atomic_store_n(&r->started, true, __ATOMIC_RELEASE);
	start = lm_now_ms();
	r->ret = lm_set_state(r->fd, 0, LM_MIG_STATE_STOP, NULL);
	r->elapsed_ms = lm_now_ms() - start;
	__atomic_store_n(&r->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Queries of every other function, and of the device. */
struct queries {
	pthread_t thread;
	int fd;
	int errors;
	int first_err;
};

static void *queries_thread(void *data)
{
	struct lm_device_info dev;
	struct lm_fn_info info;
	struct queries *q = data;
	int round, fn, ret;

	for (round = 0; round < QUERY_ROUNDS; round++) {
		for (fn = 1; fn < QUIESCE_FNS; fn++) {
			ret = lm_fn_info(q->fd, fn, &info);
			if (!ret) {
				ret = lm_get_state(q->fd, fn);
				ret = ret < 0 ? ret : 0;
			}
			if (ret && !q->errors++)
				q->first_err = -ret;
		}
		ret = lm_device_info(q->fd, &dev);
		if (ret && !q->errors++)
			q->first_err = -ret;
	}
	return NULL;
}

FIXTURE(quiesce) {
	struct lm_sim sim;
};

FIXTURE_SETUP(quiesce)
{
	int fn;

	self->sim.fd = -1;
	/* STOP_COPY only: RUNNING -> STOP is one arc, the one that stops. */
	ASSERT_EQ(0, lm_sim_new(&self->sim, QUIESCE_FNS, LM_MIG_STOP_COPY,
				64 << 10));
	for (fn = 0; fn < QUIESCE_FNS; fn++) {
		ASSERT_EQ(0, lm_set_migratable(self->sim.fd, fn, true));
	}
	ASSERT_EQ(0, lm_sim_set(&self->sim, 0, "quiesce_delay_ms", "%d",
				QUIESCE_DELAY_MS));
}

FIXTURE_TEARDOWN(quiesce)
{
	lm_sim_destroy(&self->sim);
}

TEST_F_TIMEOUT(quiesce, no_device_wide_lock, 60)
{
	struct slow_request slow = { .fd = self->sim.fd };
	struct queries q[QUERY_THREADS];
	uint64_t start, elapsed;
	bool slow_done;
	int i;

	ASSERT_EQ(0, pthread_create(&slow.thread, NULL, slow_request_thread,
				    &slow));
	while (!__atomic_load_n(&slow.started, __ATOMIC_ACQUIRE))
		usleep(1000);
	/* Well inside fn 0's request by now. */
	usleep(200 * 1000);

	start = lm_now_ms();
	for (i = 0; i < QUERY_THREADS; i++) {
		q[i] = (struct queries){ .fd = self->sim.fd };
		ASSERT_EQ(0, pthread_create(&q[i].thread, NULL, queries_thread,
					    &q[i]));
	}
	/* A migration request of another function goes through as well. */
	EXPECT_EQ(0, lm_set_state(self->sim.fd, 1, LM_MIG_STATE_STOP, NULL));
	EXPECT_EQ(0, lm_set_state(self->sim.fd, 1, LM_MIG_STATE_RUNNING, NULL));
	for (i = 0; i < QUERY_THREADS; i++) {
		ASSERT_EQ(0, join_within(q[i].thread, 30));
	}
	elapsed = lm_now_ms() - start;
	slow_done = __atomic_load_n(&slow.done, __ATOMIC_ACQUIRE);

	EXPECT_FALSE(slow_done)
	{
		TH_LOG("fn 0's request ended first: the others waited for it");
	}
	EXPECT_GT(1000, elapsed);
	for (i = 0; i < QUERY_THREADS; i++) {
		EXPECT_EQ(0, q[i].errors)
		{
			TH_LOG("thread %d: %d errors, first %s", i,
			       q[i].errors, strerror(q[i].first_err));
		}
	}

	ASSERT_EQ(0, join_within(slow.thread, 30));
	EXPECT_EQ(0, slow.ret);
	/* Else the delay never happened and the above proves nothing. */
	EXPECT_LE(QUIESCE_DELAY_MS * 3 / 4, slow.elapsed_ms);
	EXPECT_EQ(LM_MIG_STATE_STOP, lm_get_state(self->sim.fd, 0));
}

TEST_HARNESS_MAIN
