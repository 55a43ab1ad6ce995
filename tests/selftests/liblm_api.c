// SPDX-License-Identifier: GPL-2.0
/*
 * liblm's API against the real kernel and simulated devices: naming and
 * opening devices, the ioctl wrappers, save, restore and migrate with
 * their failure paths (the function is always put back, the caller learns
 * which step failed), and the netlink half: discovery, provisioning with
 * the kernel's extended-ack messages, and the monitor group.
 *
 * Linked with liblm.so like any user of the library.
 */
#include <poll.h>
#include <sys/mman.h>

#include "kselftest_harness.h"

#include "lm_util.h"
#include "liblm.h"

#define MIB (1ULL << 20)
#define SEED 0x5eed1234ULL

/* lmN -> N */
static uint32_t sim_lm_id(const struct lm_sim *sim)
{
	return (uint32_t)strtoul(sim->name + 2, NULL, 10);
}

static int memfd(void)
{
	return memfd_create("lm-stream", MFD_CLOEXEC);
}

static uint64_t fd_size(int fd)
{
	off_t end = lseek(fd, 0, SEEK_END);

	return end < 0 ? 0 : (uint64_t)end;
}

/* Progress callbacks: record, and cancel on request. */
struct progress_log {
	unsigned int calls;
	uint64_t last_done;
	uint64_t last_total;
	bool backwards;
	unsigned int cancel_at;	/* 0: never */
};

static int log_progress(uint64_t done, uint64_t total, void *arg)
{
	struct progress_log *log = arg;

	if (done < log->last_done)
		log->backwards = true;
	log->last_done = done;
	log->last_total = total;
	log->calls++;
	return log->cancel_at && log->calls >= log->cancel_at;
}

static bool stream_is_valid(int fd, const struct lm_sim *sim, int fn)
{
	struct lm_stream_check c;
	char buf[65536];
	ssize_t n;
	bool ok;

	lm_stream_check_init(&c);
	if (lm_stream_check_expect(&c, sim, fn))
		return false;
	if (lseek(fd, 0, SEEK_SET))
		return false;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		lm_stream_check_feed(&c, buf, (size_t)n);
	ok = n == 0 && lm_stream_check_done(&c);
	lm_stream_check_fini(&c);
	lseek(fd, 0, SEEK_SET);
	return ok;
}

static uint32_t fn_state(struct lm_dev *dev, uint32_t fn)
{
	uint32_t state = UINT32_MAX;

	lm_dev_fn_get_state(dev, fn, &state);
	return state;
}

TEST(state_names)
{
	uint32_t s, back;

	for (s = LM_MIG_STATE_ERROR; s <= LM_MIG_STATE_PRE_COPY_P2P; s++) {
		ASSERT_EQ(0, lm_mig_state_parse(lm_mig_state_name(s), &back));
		ASSERT_EQ(s, back);
	}
	ASSERT_STREQ("pre_copy", lm_mig_state_name(LM_MIG_STATE_PRE_COPY));
	ASSERT_STREQ("unknown", lm_mig_state_name(8));
	ASSERT_EQ(-EINVAL, lm_mig_state_parse("PRE_COPY", &back));
	ASSERT_EQ(-EINVAL, lm_mig_state_parse("", &back));
	ASSERT_EQ(-EINVAL, lm_mig_state_parse(NULL, &back));
	ASSERT_NE(NULL, lm_lib_version());
}

TEST(lookup_malformed)
{
	uint32_t id = 12345;

	ASSERT_EQ(-EINVAL, lm_lookup(NULL, &id));
	ASSERT_EQ(-EINVAL, lm_lookup("", &id));
	ASSERT_EQ(-EINVAL, lm_lookup("lm", &id));
	ASSERT_EQ(-EINVAL, lm_lookup("lm01", &id));
	ASSERT_EQ(-ENOENT, lm_lookup("lm-1", &id));
	ASSERT_EQ(-EINVAL, lm_lookup("lm1x", &id));
	ASSERT_EQ(-EINVAL, lm_lookup("lm4294967296", &id));
	ASSERT_EQ(-ENOENT, lm_lookup("lm4294967295", &id));
	ASSERT_EQ(-ENOENT, lm_lookup("0000:ff:1f.7", &id));
	ASSERT_EQ(-ENOENT, lm_lookup("ff:1f.7", &id));
	ASSERT_EQ(-ENOENT, lm_lookup("no-such-parent", &id));
	ASSERT_EQ(12345, id);
}

TEST(open_missing)
{
	struct lm_dev *dev = NULL;

	ASSERT_EQ(-ENOENT, lm_dev_open(4095, &dev));
	ASSERT_EQ(NULL, dev);
	lm_dev_close(NULL);
}

FIXTURE(sim)
{
	struct lm_sim sim;
	struct lm_dev *dev;
	uint32_t id;
};

FIXTURE_VARIANT(sim)
{
	unsigned int caps;
	uint64_t memory;
};

/* Every test on a device that can pre-copy, and on one that cannot. */
FIXTURE_VARIANT_ADD(sim, precopy)
{
	.caps = LM_ALL_CAPS,
	.memory = 4 * MIB,
};

FIXTURE_VARIANT_ADD(sim, stop_copy_only)
{
	.caps = LM_MIG_STOP_COPY,
	.memory = 4 * MIB,
};

FIXTURE_SETUP(sim)
{
	self->dev = NULL;
	if (!lm_sim_create(_metadata, &self->sim, 4, variant->caps,
			   variant->memory))
		return;
	self->id = sim_lm_id(&self->sim);
	/* fn0 and fn1 migratable; fn2 and fn3 not. */
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 0, variant->memory));
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 1, variant->memory));
	ASSERT_EQ(0, lm_sim_fill(&self->sim, 0, SEED));
	ASSERT_EQ(0, lm_dev_open(self->id, &self->dev));
}

FIXTURE_TEARDOWN(sim)
{
	lm_dev_close(self->dev);
	if (self->sim.fd >= 0)
		lm_sim_destroy(&self->sim);
}

TEST_F(sim, lookup)
{
	char parent[32];
	uint32_t id = UINT32_MAX;

	ASSERT_EQ(0, lm_lookup(self->sim.name, &id));
	ASSERT_EQ(self->id, id);
	snprintf(parent, sizeof(parent), "lm_sim.%d", self->sim.id);
	id = UINT32_MAX;
	ASSERT_EQ(0, lm_lookup(parent, &id));
	ASSERT_EQ(self->id, id);
}

TEST_F(sim, open_info)
{
	const struct lm_device_info *info = lm_dev_info(self->dev);
	struct lm_fn_info fi;

	ASSERT_EQ(self->id, lm_dev_id(self->dev));
	ASSERT_TRUE(lm_fd_cloexec(lm_dev_fd(self->dev)));
	ASSERT_STREQ("lm_sim", info->driver);
	ASSERT_EQ(4, info->num_fns);
	ASSERT_EQ(variant->caps, info->mig_caps);
	ASSERT_EQ(LM_STREAM_VERSION, info->stream_version);

	ASSERT_EQ(0, lm_dev_fn_info(self->dev, 3, &fi));
	ASSERT_EQ(3, fi.fn);
	ASSERT_EQ(4, fi.vf);
	ASSERT_EQ(variant->memory, fi.memory);
	ASSERT_EQ(LM_MIG_STATE_RUNNING, fi.mig_state);
	ASSERT_EQ(-ERANGE, lm_dev_fn_info(self->dev, 4, &fi));
}

TEST_F(sim, set_state)
{
	int data_fd = 12345;
	uint32_t state;
	uint64_t bytes;

	/* Not migratable: RUNNING only, and nothing moves. */
	ASSERT_EQ(-EBUSY, lm_dev_fn_set_state(self->dev, 2, LM_MIG_STATE_STOP,
					      &data_fd));
	ASSERT_EQ(-1, data_fd);
	ASSERT_EQ(LM_MIG_STATE_RUNNING, fn_state(self->dev, 2));
	ASSERT_EQ(-EINVAL, lm_dev_fn_set_state(self->dev, 0, 8, NULL));
	ASSERT_EQ(-ERANGE, lm_dev_fn_get_state(self->dev, 4, &state));

	ASSERT_EQ(0, lm_dev_fn_set_state(self->dev, 0, LM_MIG_STATE_STOP_COPY,
					 &data_fd));
	ASSERT_LE(0, data_fd);
	ASSERT_TRUE(lm_fd_cloexec(data_fd));
	ASSERT_EQ(LM_MIG_STATE_STOP_COPY, fn_state(self->dev, 0));
	/* STOP_COPY is no PRE_COPY state. */
	ASSERT_EQ(-EINVAL, lm_data_precopy_info(data_fd, NULL, NULL));
	ASSERT_EQ(0, lm_dev_fn_data_size(self->dev, 0, &bytes));
	ASSERT_LE(variant->memory, bytes);
	close(data_fd);
	/* NULL: a data file the move opens is closed at once. */
	ASSERT_EQ(0, lm_dev_fn_set_state(self->dev, 0, LM_MIG_STATE_RUNNING,
					 NULL));
	/* Reset empties the state: like fn2's, never written. */
	ASSERT_EQ(0, lm_dev_fn_reset(self->dev, 0));
	ASSERT_EQ(lm_sim_digest(&self->sim, 2), lm_sim_digest(&self->sim, 0));
	ASSERT_EQ(-ERANGE, lm_dev_fn_reset(self->dev, 4));
}

TEST_F(sim, precopy_info)
{
	uint64_t initial = 0, dirty = 1;
	int data_fd, null_fd;

	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, null_fd);
	ASSERT_EQ(-ENOTTY, lm_data_precopy_info(null_fd, &initial, &dirty));
	close(null_fd);
	ASSERT_EQ(-ENOTTY, lm_data_precopy_info(lm_dev_fd(self->dev), NULL,
						NULL));
	if (!(variant->caps & LM_MIG_PRE_COPY)) {
		ASSERT_EQ(-EINVAL, lm_dev_fn_set_state(self->dev, 0,
						       LM_MIG_STATE_PRE_COPY,
						       &data_fd));
		return;
	}
	ASSERT_EQ(0, lm_dev_fn_set_state(self->dev, 0, LM_MIG_STATE_PRE_COPY,
					 &data_fd));
	ASSERT_EQ(0, lm_data_precopy_info(data_fd, &initial, &dirty));
	ASSERT_LE(variant->memory, initial);
	ASSERT_EQ(0, dirty);
	close(data_fd);
	ASSERT_EQ(0, lm_dev_fn_set_state(self->dev, 0, LM_MIG_STATE_RUNNING,
					 NULL));
}

TEST_F(sim, save_restore)
{
	struct progress_log log = {};
	struct lm_xfer_result res;
	uint64_t digest = lm_sim_digest(&self->sim, 0);
	int fd = memfd();

	ASSERT_LE(0, fd);
	ASSERT_NE(digest, lm_sim_digest(&self->sim, 1));

	ASSERT_EQ(0, lm_fn_save(self->dev, 0, fd, log_progress, &log, &res));
	ASSERT_EQ(NULL, res.failed_step);
	ASSERT_EQ(fd_size(fd), res.bytes);
	ASSERT_LE(variant->memory, res.bytes);
	/* The estimate LM_FN_DATA_SIZE gave is what came. */
	ASSERT_EQ(res.bytes, res.total);
	ASSERT_LT(1, log.calls);
	ASSERT_FALSE(log.backwards);
	ASSERT_EQ(res.bytes, log.last_done);
	/* Back where it was, with the state it had. */
	ASSERT_EQ(LM_MIG_STATE_RUNNING, fn_state(self->dev, 0));
	ASSERT_EQ(digest, lm_sim_digest(&self->sim, 0));
	ASSERT_TRUE(stream_is_valid(fd, &self->sim, 0));

	memset(&log, 0, sizeof(log));
	ASSERT_EQ(0, lm_fn_restore(self->dev, 1, fd, log_progress, &log, &res));
	ASSERT_EQ(NULL, res.failed_step);
	ASSERT_EQ(fd_size(fd), res.bytes);
	ASSERT_EQ(res.bytes, res.total);
	ASSERT_EQ(res.bytes, log.last_done);
	ASSERT_EQ(LM_MIG_STATE_RUNNING, fn_state(self->dev, 1));
	ASSERT_EQ(digest, lm_sim_digest(&self->sim, 1));
	close(fd);
}

/* From a pipe the total is unknown, and the stream still goes through. */
TEST_F(sim, restore_from_pipe)
{
	struct progress_log log = {};
	struct lm_xfer_result res;
	int fd = memfd(), p[2];
	pid_t pid;
	int status;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, lm_fn_save(self->dev, 0, fd, NULL, NULL, NULL));
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char buf[4096];
		ssize_t n;

		close(p[0]);
		lseek(fd, 0, SEEK_SET);
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (write(p[1], buf, (size_t)n) != n)
				_exit(1);
		_exit(n ? 1 : 0);
	}
	close(p[1]);
	ASSERT_EQ(0, lm_fn_restore(self->dev, 1, p[0], log_progress, &log,
				   &res));
	close(p[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(0, res.total);
	ASSERT_EQ(0, log.last_total);
	ASSERT_EQ(fd_size(fd), res.bytes);
	ASSERT_EQ(lm_sim_digest(&self->sim, 0), lm_sim_digest(&self->sim, 1));
	close(fd);
}

/* Write the saved stream of fn0, changed by @damage, to a new memfd. */
static int damaged_stream(struct __test_metadata *_metadata,
			  FIXTURE_DATA(sim) *self,
			  void (*damage)(uint8_t *buf, size_t *len))
{
	uint8_t *buf;
	size_t len;
	int fd = memfd();

	EXPECT_LE(0, fd);
	EXPECT_EQ(0, lm_fn_save(self->dev, 0, fd, NULL, NULL, NULL));
	len = fd_size(fd);
	buf = malloc(len);
	EXPECT_NE(NULL, buf);
	EXPECT_EQ((ssize_t)len, pread(fd, buf, len, 0));
	damage(buf, &len);
	EXPECT_EQ(0, ftruncate(fd, 0));
	EXPECT_EQ((ssize_t)len, pwrite(fd, buf, len, 0));
	lseek(fd, 0, SEEK_SET);
	free(buf);
	return fd;
}

static void flip_payload_byte(uint8_t *buf, size_t *len)
{
	buf[sizeof(struct lm_stream_header) + sizeof(struct lm_record_header) +
	    100] ^= 0x40;
	(void)len;
}

static void cut_end_record(uint8_t *buf, size_t *len)
{
	(void)buf;
	*len -= sizeof(struct lm_record_header) + sizeof(struct lm_stream_end);
}

static void cut_all(uint8_t *buf, size_t *len)
{
	(void)buf;
	*len = 0;
}

/*
 * A refused restore names the step, and leaves the destination running
 * and able to take the good stream next.
 */
static void check_recovers(struct __test_metadata *_metadata,
			   FIXTURE_DATA(sim) *self, int bad_fd, int err,
			   const char *step)
{
	struct lm_xfer_result res;
	int good = memfd();

	ASSERT_EQ(err, lm_fn_restore(self->dev, 1, bad_fd, NULL, NULL, &res));
	ASSERT_STREQ(step, res.failed_step);
	ASSERT_EQ(LM_MIG_STATE_RUNNING, fn_state(self->dev, 1));

	ASSERT_LE(0, good);
	ASSERT_EQ(0, lm_fn_save(self->dev, 0, good, NULL, NULL, NULL));
	lseek(good, 0, SEEK_SET);
	ASSERT_EQ(0, lm_fn_restore(self->dev, 1, good, NULL, NULL, &res));
	ASSERT_EQ(lm_sim_digest(&self->sim, 0), lm_sim_digest(&self->sim, 1));
	close(good);
}

TEST_F(sim, restore_corrupt)
{
	int fd = damaged_stream(_metadata, self, flip_payload_byte);

	check_recovers(_metadata, self, fd, -EBADMSG,
		       "writing the stream to the function");
	close(fd);
}

TEST_F(sim, restore_truncated)
{
	int fd = damaged_stream(_metadata, self, cut_end_record);

	check_recovers(_metadata, self, fd, -ENODATA, "leaving RESUMING");
	close(fd);
}

TEST_F(sim, restore_empty)
{
	int fd = damaged_stream(_metadata, self, cut_all);

	check_recovers(_metadata, self, fd, -ENODATA, "leaving RESUMING");
	close(fd);
}

TEST_F(sim, restore_other_compat)
{
	int fd = memfd();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, lm_fn_save(self->dev, 0, fd, NULL, NULL, NULL));
	lseek(fd, 0, SEEK_SET);
	ASSERT_EQ(0, lm_sim_set(&self->sim, -1, "compat", "lm_sim-other"));
	check_recovers(_metadata, self, fd, -EXDEV,
		       "writing the stream to the function");
	close(fd);
}

TEST_F(sim, restore_unreadable_input)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);
	check_recovers(_metadata, self, fd, -EBADF, "reading the input");
	close(fd);
}

TEST_F(sim, restore_not_migratable)
{
	struct lm_xfer_result res;
	uint64_t digest = lm_sim_digest(&self->sim, 2);
	int fd = memfd();

	ASSERT_EQ(0, lm_fn_save(self->dev, 0, fd, NULL, NULL, NULL));
	lseek(fd, 0, SEEK_SET);
	ASSERT_EQ(-EBUSY, lm_fn_restore(self->dev, 2, fd, NULL, NULL, &res));
	ASSERT_STREQ("entering RESUMING", res.failed_step);
	/* Never entered RESUMING: the state is untouched. */
	ASSERT_EQ(digest, lm_sim_digest(&self->sim, 2));
	ASSERT_EQ(LM_MIG_STATE_RUNNING, fn_state(self->dev, 2));
	close(fd);
}

TEST_F(sim, save_not_migratable)
{
	struct lm_xfer_result res;
	int fd = memfd();

	ASSERT_EQ(-EBUSY, lm_fn_save(self->dev, 2, fd, NULL, NULL, &res));
	ASSERT_STREQ("entering STOP_COPY", res.failed_step);
	ASSERT_EQ(0, fd_size(fd));
	ASSERT_EQ(LM_MIG_STATE_RUNNING, fn_state(self->dev, 2));
	close(fd);
}

TEST_F(sim, save_bad_output)
{
	struct lm_xfer_result res;
	uint64_t digest = lm_sim_digest(&self->sim, 0);
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);
	ASSERT_EQ(-EBADF, lm_fn_save(self->dev, 0, fd, NULL, NULL, &res));
	ASSERT_STREQ("writing the output", res.failed_step);
	ASSERT_EQ(LM_MIG_STATE_RUNNING, fn_state(self->dev, 0));
	ASSERT_EQ(digest, lm_sim_digest(&self->sim, 0));
	close(fd);
	/* And it can be saved after. */
	fd = memfd();
	ASSERT_EQ(0, lm_fn_save(self->dev, 0, fd, NULL, NULL, &res));
	close(fd);
}

TEST_F(sim, save_closed_pipe)
{
	struct lm_xfer_result res;
	int p[2];

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(-EPIPE, lm_fn_save(self->dev, 0, p[1], NULL, NULL, &res));
	ASSERT_STREQ("writing the output", res.failed_step);
	ASSERT_EQ(LM_MIG_STATE_RUNNING, fn_state(self->dev, 0));
	close(p[1]);
}

TEST_F(sim, save_from_stop)
{
	uint64_t digest = lm_sim_digest(&self->sim, 0);
	int fd = memfd();

	ASSERT_EQ(0, lm_dev_fn_set_state(self->dev, 0, LM_MIG_STATE_STOP,
					 NULL));
	ASSERT_EQ(0, lm_fn_save(self->dev, 0, fd, NULL, NULL, NULL));
	ASSERT_EQ(LM_MIG_STATE_STOP, fn_state(self->dev, 0));
	ASSERT_EQ(digest, lm_sim_digest(&self->sim, 0));
	/* A function in a save session already is migrating: refused. */
	ASSERT_EQ(0, lm_dev_fn_set_state(self->dev, 0, LM_MIG_STATE_STOP_COPY,
					 NULL));
	ASSERT_EQ(-EBUSY, lm_fn_save(self->dev, 0, fd, NULL, NULL, NULL));
	ASSERT_EQ(LM_MIG_STATE_STOP_COPY, fn_state(self->dev, 0));
	ASSERT_EQ(-EBUSY, lm_fn_restore(self->dev, 0, fd, NULL, NULL, NULL));
	ASSERT_EQ(0, lm_dev_fn_set_state(self->dev, 0, LM_MIG_STATE_RUNNING,
					 NULL));
	close(fd);
}

TEST_F(sim, cancel)
{
	struct progress_log log = { .cancel_at = 2 };
	struct lm_xfer_result res;
	uint64_t digest = lm_sim_digest(&self->sim, 0);
	int fd = memfd();

	ASSERT_EQ(-ECANCELED, lm_fn_save(self->dev, 0, fd, log_progress, &log,
					 &res));
	ASSERT_EQ(LM_MIG_STATE_RUNNING, fn_state(self->dev, 0));
	ASSERT_EQ(digest, lm_sim_digest(&self->sim, 0));

	/* A whole stream this time, with nothing of the cancelled one. */
	ASSERT_EQ(0, ftruncate(fd, 0));
	lseek(fd, 0, SEEK_SET);
	ASSERT_EQ(0, lm_fn_save(self->dev, 0, fd, NULL, NULL, NULL));
	lseek(fd, 0, SEEK_SET);
	memset(&log, 0, sizeof(log));
	log.cancel_at = 2;
	ASSERT_EQ(-ECANCELED, lm_fn_restore(self->dev, 1, fd, log_progress,
					    &log, &res));
	ASSERT_EQ(LM_MIG_STATE_RUNNING, fn_state(self->dev, 1));
	close(fd);
}

struct round_log {
	unsigned int rounds;
	uint64_t bytes;
	bool out_of_order;
};

static void log_round(const struct lm_migrate_round *r, void *arg)
{
	struct round_log *log = arg;

	if (r->round != log->rounds + 1)
		log->out_of_order = true;
	log->rounds = r->round;
	log->bytes += r->bytes;
}

TEST_F(sim, migrate_busy)
{
	struct round_log log = {};
	struct lm_migrate_opts opts = { .round = log_round, .arg = &log };
	struct lm_migrate_result res;

	/* The source rewrites pages all along: PRE_COPY sends them again. */
	ASSERT_EQ(0, lm_sim_set(&self->sim, 0, "busy", "16"));
	ASSERT_EQ(0, lm_fn_migrate(self->dev, 0, self->dev, 1, &opts, &res));
	ASSERT_EQ(NULL, res.failed_step);
	ASSERT_EQ(LM_MIG_STATE_STOP, fn_state(self->dev, 0));
	ASSERT_EQ(LM_MIG_STATE_RUNNING, fn_state(self->dev, 1));
	/* Stopped, the source is what the destination got. */
	ASSERT_EQ(lm_sim_digest(&self->sim, 0), lm_sim_digest(&self->sim, 1));
	ASSERT_FALSE(log.out_of_order);
	ASSERT_EQ(res.rounds, log.rounds);
	ASSERT_EQ(res.precopy_bytes, log.bytes);
	ASSERT_LT(0, res.stop_copy_bytes);
	ASSERT_LT(0, res.downtime_ns);
	ASSERT_LE(res.downtime_ns, res.duration_ns);
	if (variant->caps & LM_MIG_PRE_COPY) {
		ASSERT_LE(1, res.rounds);
		ASSERT_LE(variant->memory, res.precopy_bytes);
		ASSERT_GT(res.precopy_bytes, res.stop_copy_bytes);
	} else {
		ASSERT_EQ(0, res.rounds);
		ASSERT_EQ(0, res.precopy_bytes);
		ASSERT_LE(variant->memory, res.stop_copy_bytes);
	}
	ASSERT_EQ(0, lm_dev_fn_set_state(self->dev, 0, LM_MIG_STATE_RUNNING,
					 NULL));
}

TEST_F(sim, migrate_no_precopy)
{
	struct lm_migrate_opts opts = { .flags = LM_MIGRATE_NO_PRECOPY };
	struct lm_migrate_result res;

	ASSERT_EQ(0, lm_fn_migrate(self->dev, 0, self->dev, 1, &opts, &res));
	ASSERT_EQ(0, res.rounds);
	ASSERT_EQ(0, res.precopy_bytes);
	ASSERT_LE(variant->memory, res.stop_copy_bytes);
	ASSERT_EQ(lm_sim_digest(&self->sim, 0), lm_sim_digest(&self->sim, 1));
}

/* A source in STOP migrates too, without PRE_COPY: it does not run. */
TEST_F(sim, migrate_stopped_source)
{
	struct lm_migrate_result res;

	ASSERT_EQ(0, lm_dev_fn_set_state(self->dev, 0, LM_MIG_STATE_STOP,
					 NULL));
	ASSERT_EQ(0, lm_fn_migrate(self->dev, 0, self->dev, 1, NULL, &res));
	ASSERT_EQ(0, res.rounds);
	ASSERT_EQ(LM_MIG_STATE_STOP, fn_state(self->dev, 0));
	ASSERT_EQ(lm_sim_digest(&self->sim, 0), lm_sim_digest(&self->sim, 1));
}

TEST_F(sim, migrate_to_itself)
{
	struct lm_migrate_result res;

	ASSERT_EQ(-EINVAL, lm_fn_migrate(self->dev, 0, self->dev, 0, NULL,
					 &res));
	ASSERT_STREQ("source and destination are one function",
		     res.failed_step);
	ASSERT_EQ(LM_MIG_STATE_RUNNING, fn_state(self->dev, 0));
}

TEST_F(sim, migrate_bad_functions)
{
	struct lm_migrate_result res;
	uint64_t src = lm_sim_digest(&self->sim, 0);
	uint64_t dst = lm_sim_digest(&self->sim, 2);

	ASSERT_EQ(-ERANGE, lm_fn_migrate(self->dev, 0, self->dev, 4, NULL,
					 &res));
	ASSERT_STREQ("destination: reading its state", res.failed_step);
	ASSERT_EQ(-ERANGE, lm_fn_migrate(self->dev, 9, self->dev, 1, NULL,
					 &res));
	ASSERT_STREQ("source: reading its state", res.failed_step);

	/* Destination not migratable: nothing moved, nothing lost. */
	ASSERT_EQ(-EBUSY, lm_fn_migrate(self->dev, 0, self->dev, 2, NULL,
					&res));
	ASSERT_STREQ("destination: entering RESUMING", res.failed_step);
	ASSERT_EQ(LM_MIG_STATE_RUNNING, fn_state(self->dev, 0));
	ASSERT_EQ(LM_MIG_STATE_RUNNING, fn_state(self->dev, 2));
	ASSERT_EQ(src, lm_sim_digest(&self->sim, 0));
	ASSERT_EQ(dst, lm_sim_digest(&self->sim, 2));

	/* Source not migratable: the destination is reset, running. */
	ASSERT_EQ(-EBUSY, lm_fn_migrate(self->dev, 2, self->dev, 1, NULL,
					&res));
	ASSERT_STREQ(variant->caps & LM_MIG_PRE_COPY ?
			     "source: entering PRE_COPY" :
			     "source: entering STOP_COPY",
		     res.failed_step);
	ASSERT_EQ(LM_MIG_STATE_RUNNING, fn_state(self->dev, 1));
	ASSERT_EQ(LM_MIG_STATE_RUNNING, fn_state(self->dev, 2));
	ASSERT_EQ(dst, lm_sim_digest(&self->sim, 2));
}

/* A destination of another compatibility refuses the stream. */
TEST_F(sim, migrate_incompatible)
{
	struct lm_migrate_result res;
	struct lm_sim other;
	struct lm_dev *dst;
	uint64_t digest = lm_sim_digest(&self->sim, 0);

	ASSERT_TRUE(lm_sim_create(_metadata, &other, 1, variant->caps,
				  variant->memory));
	ASSERT_EQ(0, lm_sim_prepare_fn(&other, 0, variant->memory));
	ASSERT_EQ(0, lm_sim_set(&other, -1, "compat", "lm_sim-v2"));
	ASSERT_EQ(0, lm_dev_open(sim_lm_id(&other), &dst));

	ASSERT_EQ(-EXDEV, lm_fn_migrate(self->dev, 0, dst, 0, NULL, &res));
	ASSERT_STREQ("destination: writing the stream", res.failed_step);
	ASSERT_EQ(LM_MIG_STATE_RUNNING, fn_state(self->dev, 0));
	ASSERT_EQ(digest, lm_sim_digest(&self->sim, 0));
	ASSERT_EQ(LM_MIG_STATE_RUNNING, fn_state(dst, 0));

	/* Same key: across two devices it goes. */
	ASSERT_EQ(0, lm_sim_set(&other, -1, "compat", "lm_sim-v1"));
	ASSERT_EQ(0, lm_fn_migrate(self->dev, 0, dst, 0, NULL, &res));
	ASSERT_EQ(digest, lm_sim_digest(&other, 0));
	lm_dev_close(dst);
	lm_sim_destroy(&other);
}

TEST_F(sim, device_gone)
{
	struct lm_xfer_result res;
	struct lm_fn_info fi;
	uint32_t state;
	int fd = memfd();

	ASSERT_EQ(0, lm_sim_remove(&self->sim));
	ASSERT_EQ(-ENODEV, lm_dev_fn_info(self->dev, 0, &fi));
	ASSERT_EQ(-ENODEV, lm_dev_fn_get_state(self->dev, 0, &state));
	ASSERT_EQ(-ENODEV, lm_fn_save(self->dev, 0, fd, NULL, NULL, &res));
	ASSERT_STREQ("reading the function's state", res.failed_step);
	ASSERT_EQ(-ENOENT, lm_lookup(self->sim.name, &state));
	close(fd);
}

/* The netlink half: skipped where the family is not registered. */

FIXTURE(nl)
{
	struct lm_sim sim;
	struct lm_ctx *ctx;
	uint32_t id;
};

FIXTURE_SETUP(nl)
{
	int ret;

	self->ctx = NULL;
	self->sim.fd = -1;
	ret = lm_ctx_new(&self->ctx);
	if (ret == -ENOENT)
		SKIP(return, "the lm netlink family is not registered");
	ASSERT_EQ(0, ret);
	if (!lm_sim_create(_metadata, &self->sim, 4, LM_ALL_CAPS, MIB))
		return;
	self->id = sim_lm_id(&self->sim);
}

FIXTURE_TEARDOWN(nl)
{
	lm_ctx_free(self->ctx);
	if (self->sim.fd >= 0)
		lm_sim_destroy(&self->sim);
}

TEST_F(nl, dev_get)
{
	struct lm_device_info info;
	struct lm_dev_desc d;
	char compat[64];

	ASSERT_EQ(0, lm_dev_get(self->ctx, self->id, &d));
	ASSERT_STREQ("", lm_ctx_errmsg(self->ctx));
	ASSERT_EQ(0, lm_device_info(self->sim.fd, &info));
	ASSERT_EQ(self->id, d.id);
	ASSERT_STREQ(info.parent, d.parent);
	ASSERT_STREQ(info.driver, d.driver);
	ASSERT_EQ(0, lm_sim_get_compat(&self->sim, compat, sizeof(compat)));
	ASSERT_STREQ(compat, d.compat);
	ASSERT_EQ(info.mig_caps, d.mig_caps);
	ASSERT_EQ(info.prov_caps, d.prov_caps);
	ASSERT_EQ(info.num_fns, d.num_fns);
	ASSERT_EQ(info.stream_version, d.stream_version);
}

TEST_F(nl, dev_get_unknown)
{
	struct lm_dev_desc d;
	int ret = lm_dev_get(self->ctx, 4095, &d);

	ASSERT_GT(0, ret);
	TH_LOG("unknown device: %s: %s", strerror(-ret),
	       lm_ctx_errmsg(self->ctx));
	ASSERT_NE(0, lm_ctx_errmsg(self->ctx)[0]);
	/* The message is the last request's: a success clears it. */
	ASSERT_EQ(0, lm_dev_get(self->ctx, self->id, &d));
	ASSERT_STREQ("", lm_ctx_errmsg(self->ctx));
}

struct dev_count {
	uint32_t id;
	unsigned int seen;
	unsigned int all;
};

static int count_dev(const struct lm_dev_desc *d, void *arg)
{
	struct dev_count *c = arg;

	c->all++;
	c->seen += d->id == c->id;
	return 0;
}

TEST_F(nl, dev_list)
{
	struct dev_count c = { .id = self->id };

	ASSERT_EQ(0, lm_dev_list(self->ctx, count_dev, &c));
	ASSERT_EQ(1, c.seen);
	ASSERT_LE(1, c.all);
}

TEST_F(nl, fn_get)
{
	struct lm_fn_desc d;
	struct lm_fn_info fi;
	uint32_t i;

	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, lm_fn_get(self->ctx, self->id, i, &d));
		ASSERT_EQ(0, lm_fn_info(self->sim.fd, i, &fi));
		ASSERT_EQ(self->id, d.dev_id);
		ASSERT_EQ(i, d.index);
		ASSERT_EQ(fi.mig_state, d.state);
		ASSERT_EQ(!!(fi.fn_flags & LM_FN_ONLINE), d.online);
		ASSERT_EQ(!!(fi.fn_flags & LM_FN_MIGRATABLE), d.migratable);
		ASSERT_EQ(!!(fi.fn_flags & LM_FN_VFIO), d.vfio);
		ASSERT_EQ(!!(fi.fn_flags & LM_FN_PCI), d.pci);
		ASSERT_EQ(fi.vf, d.vf);
		ASSERT_EQ(fi.hw_id, d.hw_id);
		ASSERT_EQ(fi.queues, d.queues);
		ASSERT_EQ(fi.irqs, d.irqs);
		ASSERT_EQ(fi.memory, d.memory);
	}
	ASSERT_EQ(-ERANGE, lm_fn_get(self->ctx, self->id, 4, &d));
	TH_LOG("index out of range: %s", lm_ctx_errmsg(self->ctx));
	ASSERT_NE(0, lm_ctx_errmsg(self->ctx)[0]);
	ASSERT_GT(0, lm_fn_get(self->ctx, 4095, 0, &d));
}

struct fn_count {
	uint32_t dev_id;
	unsigned int seen;
	uint32_t next;
	bool out_of_order;
	unsigned int stop_after;
};

static int count_fn(const struct lm_fn_desc *d, void *arg)
{
	struct fn_count *c = arg;

	if (d->dev_id != c->dev_id)
		return 0;
	if (d->index != c->next)
		c->out_of_order = true;
	c->next = d->index + 1;
	c->seen++;
	return c->stop_after && c->seen == c->stop_after ? 42 : 0;
}

TEST_F(nl, fn_list)
{
	struct fn_count c = { .dev_id = self->id };
	struct lm_dev_desc d;

	ASSERT_EQ(0, lm_fn_list(self->ctx, self->id, count_fn, &c));
	ASSERT_EQ(4, c.seen);
	ASSERT_FALSE(c.out_of_order);

	memset(&c, 0, sizeof(c));
	c.dev_id = self->id;
	ASSERT_EQ(0, lm_fn_list(self->ctx, LM_DEV_ANY, count_fn, &c));
	ASSERT_EQ(4, c.seen);

	/* A callback ends the walk; the context is fine after. */
	memset(&c, 0, sizeof(c));
	c.dev_id = self->id;
	c.stop_after = 2;
	ASSERT_EQ(42, lm_fn_list(self->ctx, self->id, count_fn, &c));
	ASSERT_EQ(2, c.seen);
	ASSERT_EQ(0, lm_dev_get(self->ctx, self->id, &d));
	ASSERT_EQ(self->id, d.id);

	ASSERT_GT(0, lm_fn_list(self->ctx, 4095, count_fn, &c));
}

/*
 * Thousands of functions: the dump goes on across messages. Creating and
 * dumping them takes tens of seconds on a debug kernel under emulation, more
 * than the harness's default timeout, as lm_netlink's big.dump_4096 does.
 */
TEST_F_TIMEOUT(nl, fn_list_4096, 300)
{
	struct fn_count c = {};
	struct lm_sim big;

	ASSERT_TRUE(lm_sim_create(_metadata, &big, 4096, LM_ALL_CAPS, 4096));
	c.dev_id = sim_lm_id(&big);
	ASSERT_EQ(0, lm_fn_list(self->ctx, c.dev_id, count_fn, &c));
	ASSERT_EQ(4096, c.seen);
	ASSERT_FALSE(c.out_of_order);
	lm_sim_destroy(&big);
}

TEST_F(nl, fn_set_provision)
{
	struct lm_fn_cfg off = { .flags = LM_CFG_ONLINE, .online = false };
	struct lm_fn_cfg cfg = {
		.flags = LM_CFG_QUEUES | LM_CFG_IRQS | LM_CFG_MEMORY |
			 LM_CFG_ONLINE,
		.queues = 7,
		.irqs = 5,
		.memory = 2 * MIB,
		.online = true,
	};
	struct lm_fn_desc d;
	struct lm_fn_info fi;

	/* Resources of an online function: refused, with the reason. */
	ASSERT_EQ(-EBUSY, lm_fn_set(self->ctx, self->id, 2, &cfg));
	TH_LOG("online: %s", lm_ctx_errmsg(self->ctx));
	ASSERT_NE(0, lm_ctx_errmsg(self->ctx)[0]);
	ASSERT_EQ(0, lm_fn_info(self->sim.fd, 2, &fi));
	ASSERT_EQ(2, fi.queues);

	ASSERT_EQ(0, lm_fn_set(self->ctx, self->id, 2, &off));
	ASSERT_EQ(0, lm_fn_set(self->ctx, self->id, 2, &cfg));
	ASSERT_EQ(0, lm_fn_get(self->ctx, self->id, 2, &d));
	ASSERT_EQ(7, d.queues);
	ASSERT_EQ(5, d.irqs);
	ASSERT_EQ(2 * MIB, d.memory);
	ASSERT_TRUE(d.online);
	ASSERT_EQ(0, lm_fn_info(self->sim.fd, 2, &fi));
	ASSERT_EQ(7, fi.queues);
	ASSERT_EQ(5, fi.irqs);
	ASSERT_EQ(2 * MIB, fi.memory);

	/* Beyond 32 bits, both ways. */
	cfg = (struct lm_fn_cfg){ .flags = LM_CFG_MEMORY | LM_CFG_ONLINE,
				  .memory = 5ULL << 30 };
	ASSERT_EQ(0, lm_fn_set(self->ctx, self->id, 2, &cfg));
	ASSERT_EQ(0, lm_fn_get(self->ctx, self->id, 2, &d));
	ASSERT_EQ(5ULL << 30, d.memory);
	ASSERT_FALSE(d.online);
	ASSERT_EQ(0, lm_fn_info(self->sim.fd, 2, &fi));
	ASSERT_EQ(5ULL << 30, fi.memory);
}

TEST_F(nl, fn_set_refused)
{
	struct lm_fn_cfg off = { .flags = LM_CFG_ONLINE, .online = false };
	struct lm_fn_cfg cfg = { .flags = LM_CFG_MEMORY, .memory = 12345 };

	ASSERT_EQ(-EINVAL, lm_fn_set(self->ctx, self->id, 0,
				     &(struct lm_fn_cfg){}));
	ASSERT_EQ(-EINVAL, lm_fn_set(self->ctx, self->id, 0,
				     &(struct lm_fn_cfg){ .flags = 1 << 5 }));

	ASSERT_EQ(0, lm_fn_set(self->ctx, self->id, 3, &off));
	/* Not a multiple of the page size. */
	ASSERT_EQ(-EINVAL, lm_fn_set(self->ctx, self->id, 3, &cfg));
	TH_LOG("memory 12345: %s", lm_ctx_errmsg(self->ctx));
	/* More queues than the pool has. */
	cfg = (struct lm_fn_cfg){ .flags = LM_CFG_QUEUES, .queues = 100000 };
	ASSERT_EQ(-ENOSPC, lm_fn_set(self->ctx, self->id, 3, &cfg));
	TH_LOG("queues 100000: %s", lm_ctx_errmsg(self->ctx));
	ASSERT_NE(0, lm_ctx_errmsg(self->ctx)[0]);
	/* Out of range. */
	ASSERT_EQ(-ERANGE, lm_fn_set(self->ctx, self->id, 4, &off));
	ASSERT_NE(0, lm_ctx_errmsg(self->ctx)[0]);
	/* Migration of an offline function. */
	cfg = (struct lm_fn_cfg){ .flags = LM_CFG_MIGRATABLE,
				  .migratable = true };
	ASSERT_EQ(-EBUSY, lm_fn_set(self->ctx, self->id, 3, &cfg));
	TH_LOG("migratable while offline: %s", lm_ctx_errmsg(self->ctx));
	ASSERT_NE(0, lm_ctx_errmsg(self->ctx)[0]);
}

TEST_F(nl, fn_set_migratable)
{
	struct lm_fn_cfg on = { .flags = LM_CFG_MIGRATABLE, .migratable = true };
	struct lm_fn_cfg off = { .flags = LM_CFG_MIGRATABLE };
	struct lm_fn_desc d;

	ASSERT_EQ(-EBUSY, lm_set_state(self->sim.fd, 1, LM_MIG_STATE_STOP,
				       NULL));
	ASSERT_EQ(0, lm_fn_set(self->ctx, self->id, 1, &on));
	ASSERT_EQ(0, lm_fn_get(self->ctx, self->id, 1, &d));
	ASSERT_TRUE(d.migratable);
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 1, LM_MIG_STATE_STOP, NULL));
	ASSERT_EQ(0, lm_fn_get(self->ctx, self->id, 1, &d));
	ASSERT_EQ(LM_MIG_STATE_STOP, d.state);
	/* Only in RUNNING. */
	ASSERT_EQ(-EBUSY, lm_fn_set(self->ctx, self->id, 1, &off));
	ASSERT_NE(0, lm_ctx_errmsg(self->ctx)[0]);
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 1, LM_MIG_STATE_RUNNING, NULL));
	ASSERT_EQ(0, lm_fn_set(self->ctx, self->id, 1, &off));
	ASSERT_EQ(0, lm_fn_get(self->ctx, self->id, 1, &d));
	ASSERT_FALSE(d.migratable);
}

static int fn_set_unprivileged(void *arg)
{
	struct lm_fn_cfg cfg = { .flags = LM_CFG_MIGRATABLE, .migratable = true };
	uint32_t id = *(uint32_t *)arg;
	struct lm_fn_desc d;
	struct lm_ctx *ctx;
	int ret;

	if (lm_ctx_new(&ctx))
		return 100;
	/* Reading is for everyone. */
	ret = lm_fn_get(ctx, id, 0, &d);
	if (!ret)
		ret = -lm_fn_set(ctx, id, 0, &cfg);
	else
		ret = 101;
	lm_ctx_free(ctx);
	return ret;
}

TEST_F(nl, fn_set_unprivileged)
{
	struct lm_fn_desc d;

	ASSERT_EQ(EPERM, lm_run_as(LM_NOBODY, fn_set_unprivileged, &self->id));
	ASSERT_EQ(0, lm_fn_get(self->ctx, self->id, 0, &d));
	ASSERT_FALSE(d.migratable);
}

/*
 * Handing a function to VFIO needs a PCI function, which lm_sim's are not:
 * refused with the reason, as are a detach of a function VFIO does not
 * have, a function beyond the device's, a device that is not there, and a
 * caller without privilege; nothing changes.
 */
static int fn_attach_unprivileged(void *arg)
{
	uint32_t id = *(uint32_t *)arg;
	struct lm_ctx *ctx;
	int ret;

	if (lm_ctx_new(&ctx))
		return 100;
	ret = -lm_fn_attach(ctx, id, 0);
	lm_ctx_free(ctx);
	return ret;
}

TEST_F(nl, fn_attach_refused)
{
	struct lm_fn_cfg on = { .flags = LM_CFG_MIGRATABLE, .migratable = true };
	struct lm_fn_desc d;

	ASSERT_EQ(0, lm_fn_set(self->ctx, self->id, 0, &on));
	ASSERT_EQ(-EOPNOTSUPP, lm_fn_attach(self->ctx, self->id, 0));
	TH_LOG("attach: %s", lm_ctx_errmsg(self->ctx));
	ASSERT_NE(NULL, strstr(lm_ctx_errmsg(self->ctx), "not a PCI function"));
	ASSERT_EQ(-EOPNOTSUPP, lm_fn_detach(self->ctx, self->id, 0));
	ASSERT_EQ(-ERANGE, lm_fn_attach(self->ctx, self->id, 4));
	ASSERT_NE(0, lm_ctx_errmsg(self->ctx)[0]);
	ASSERT_EQ(-ENODEV, lm_fn_attach(self->ctx, 4095, 0));
	ASSERT_NE(0, lm_ctx_errmsg(self->ctx)[0]);
	ASSERT_EQ(EPERM, lm_run_as(LM_NOBODY, fn_attach_unprivileged,
				   &self->id));
	ASSERT_EQ(0, lm_fn_get(self->ctx, self->id, 0, &d));
	ASSERT_FALSE(d.vfio);
	ASSERT_TRUE(d.migratable);
	ASSERT_EQ(LM_MIG_STATE_RUNNING, d.state);
	/* No PCI function, so no IOMMU group. */
	ASSERT_EQ(-ENODEV, lm_fn_iommu_group(&d));
}

/* Events as a monitor sees them, in order. */
struct event_log {
	uint32_t dev_id;
	unsigned int n;
	struct lm_event ev[64];
};

static int log_event(const struct lm_event *ev, void *arg)
{
	struct event_log *log = arg;

	if (ev->type == LM_EVENT_FN_CHANGE && ev->fn.dev_id != log->dev_id)
		return 0;
	if (log->n < 64)
		log->ev[log->n++] = *ev;
	return 0;
}

/* Read events until none comes for @quiet_ms. */
static int drain_events(struct lm_ctx *ctx, struct event_log *log,
			int quiet_ms)
{
	struct pollfd pfd = { .fd = lm_monitor_fd(ctx), .events = POLLIN };
	int ret;

	while (poll(&pfd, 1, quiet_ms) > 0) {
		ret = lm_monitor_read(ctx, true, log_event, log);
		if (ret && ret != -EAGAIN)
			return ret;
	}
	return 0;
}

TEST_F(nl, monitor_before_start)
{
	ASSERT_EQ(-EINVAL, lm_monitor_fd(self->ctx));
	ASSERT_EQ(-EINVAL, lm_monitor_read(self->ctx, true, log_event, NULL));
}

TEST_F(nl, monitor_fn_changes)
{
	struct lm_fn_cfg on = { .flags = LM_CFG_MIGRATABLE, .migratable = true };
	struct lm_fn_cfg off = { .flags = LM_CFG_MIGRATABLE };
	struct lm_fn_cfg q = { .flags = LM_CFG_ONLINE };
	struct event_log log = { .dev_id = self->id };
	unsigned int i;

	ASSERT_EQ(0, lm_monitor_start(self->ctx));
	ASSERT_EQ(0, lm_monitor_start(self->ctx));
	ASSERT_EQ(-EAGAIN, lm_monitor_read(self->ctx, true, log_event, &log));

	ASSERT_EQ(0, lm_fn_set(self->ctx, self->id, 1, &on));
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 1, LM_MIG_STATE_STOP, NULL));
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 1, LM_MIG_STATE_RUNNING, NULL));
	ASSERT_EQ(0, lm_fn_set(self->ctx, self->id, 1, &off));
	ASSERT_EQ(0, lm_fn_set(self->ctx, self->id, 2, &q));
	ASSERT_EQ(0, drain_events(self->ctx, &log, 500));

	for (i = 0; i < log.n; i++)
		TH_LOG("event %u: fn %u state %s migratable %d online %d", i,
		       log.ev[i].fn.index, lm_mig_state_name(log.ev[i].fn.state),
		       log.ev[i].fn.migratable, log.ev[i].fn.online);
	ASSERT_EQ(5, log.n);
	ASSERT_EQ(LM_EVENT_FN_CHANGE, log.ev[0].type);
	ASSERT_EQ(1, log.ev[0].fn.index);
	ASSERT_TRUE(log.ev[0].fn.migratable);
	ASSERT_EQ(LM_MIG_STATE_STOP, log.ev[1].fn.state);
	ASSERT_EQ(LM_MIG_STATE_RUNNING, log.ev[2].fn.state);
	ASSERT_FALSE(log.ev[3].fn.migratable);
	ASSERT_EQ(2, log.ev[4].fn.index);
	ASSERT_FALSE(log.ev[4].fn.online);
}

TEST_F(nl, monitor_devices)
{
	struct event_log log = { .dev_id = UINT32_MAX };
	struct lm_sim other;
	uint32_t id;

	ASSERT_EQ(0, lm_monitor_start(self->ctx));
	ASSERT_TRUE(lm_sim_create(_metadata, &other, 2, LM_ALL_CAPS, MIB));
	id = sim_lm_id(&other);
	lm_sim_destroy(&other);
	ASSERT_EQ(0, drain_events(self->ctx, &log, 500));
	ASSERT_EQ(2, log.n);
	ASSERT_EQ(LM_EVENT_DEV_ADD, log.ev[0].type);
	ASSERT_EQ(id, log.ev[0].dev.id);
	ASSERT_EQ(2, log.ev[0].dev.num_fns);
	ASSERT_STREQ("lm_sim", log.ev[0].dev.driver);
	ASSERT_EQ(LM_EVENT_DEV_DEL, log.ev[1].type);
	ASSERT_EQ(id, log.ev[1].dev.id);
}

/* A migration as the monitor tells it: each function's states in order. */
TEST_F(nl, monitor_migration)
{
	struct lm_fn_cfg on = { .flags = LM_CFG_MIGRATABLE, .migratable = true };
	static const uint32_t src_states[] = {
		LM_MIG_STATE_PRE_COPY, LM_MIG_STATE_STOP_COPY, LM_MIG_STATE_STOP,
	};
	static const uint32_t dst_states[] = {
		LM_MIG_STATE_RESUMING, LM_MIG_STATE_RUNNING,
	};
	struct event_log log = { .dev_id = self->id };
	struct lm_migrate_result res;
	unsigned int i, s = 0, d = 0;
	struct lm_dev *dev;

	ASSERT_EQ(0, lm_fn_set(self->ctx, self->id, 0, &on));
	ASSERT_EQ(0, lm_fn_set(self->ctx, self->id, 1, &on));
	ASSERT_EQ(0, lm_dev_open(self->id, &dev));
	ASSERT_EQ(0, lm_monitor_start(self->ctx));
	ASSERT_EQ(0, lm_fn_migrate(dev, 0, dev, 1, NULL, &res));
	ASSERT_EQ(0, drain_events(self->ctx, &log, 500));
	lm_dev_close(dev);

	/* The states each function reported, as a subsequence in order. */
	for (i = 0; i < log.n; i++) {
		const struct lm_fn_desc *f = &log.ev[i].fn;

		TH_LOG("event %u: fn %u %s", i, f->index,
		       lm_mig_state_name(f->state));
		if (f->index == 0 && s < 3 && f->state == src_states[s])
			s++;
		if (f->index == 1 && d < 2 && f->state == dst_states[d])
			d++;
	}
	ASSERT_EQ(3, s);
	ASSERT_EQ(2, d);
}

TEST_HARNESS_MAIN
