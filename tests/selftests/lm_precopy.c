// SPDX-License-Identifier: GPL-2.0
/*
 * Pre-copy (include/uapi/linux/lm.h, LM_PRECOPY_INFO and LM_FN_DATA_SIZE):
 * a function's state streamed in rounds while it runs. The initial image
 * and then what changed drain to a temporary end (ENOMSG, with poll()
 * waking up on the next change), the rounds converge once the device is
 * quiet, STOP_COPY sends only what is left and ends for good, and all the
 * rounds together restore the state the source stopped with.
 *
 * fn 0 of each device is the source, fn 1 the destination; the stream goes
 * from one to the other through a fixed buffer as it is read, and is
 * checked in user space on the way.
 */
#include <poll.h>
#include <stddef.h>

#include "kselftest_harness.h"

#include "lm_util.h"

#define PAGE_SZ 4096UL
#define SZ_64K (64UL << 10)
#define SZ_1M (1UL << 20)

#define COPY_CHUNK SZ_1M
#define SEED_SRC 81985529216486895ULL

/*
 * The stream carries a page of state in a page of payload plus whatever
 * the driver and the envelope add: allow this much per page, and per round.
 */
#define PAGE_OVERHEAD 256UL
#define ROUND_OVERHEAD 4096UL

/* A pre-copy round that only closes the stream: "small". */
#define SMALL_STREAM SZ_64K

#define QUIET_STATE (64 * SZ_1M)
#define DIRTY_PAGES 16UL
#define LATE_PAGES 4UL

/* Is @bytes about the stream of @state bytes: at least it, under 5% more? */
static bool about_stream_of(uint64_t bytes, uint64_t state)
{
	return bytes >= state && bytes < state + state / 20;
}

/* Upper bound of the stream bytes of @pages changed pages. */
static uint64_t pages_stream_max(uint64_t pages)
{
	return pages * (PAGE_SZ + PAGE_OVERHEAD) + ROUND_OVERHEAD;
}

/*
 * Rewrite @n pages spread over the state of @memory bytes, as the device
 * would, each with content it did not have: @round makes it new.
 */
static void change_pages(struct __test_metadata *_metadata,
			 const struct lm_sim *sim, int fn, uint64_t memory,
			 unsigned long n, unsigned int round)
{
	uint8_t page[PAGE_SZ];
	unsigned long i;

	for (i = 0; i < n; i++) {
		memset(page, (int)(0x11 * round + i), sizeof(page));
		ASSERT_EQ(0, lm_sim_write_state(sim, fn,
						i * (memory / n / PAGE_SZ) *
							PAGE_SZ,
						page, sizeof(page)));
	}
}

/* Create a device of two functions of @memory, fn 0 filled; false: skip. */
static bool devices_setup(struct __test_metadata *_metadata,
			  struct lm_sim *sim, unsigned int caps,
			  uint64_t memory)
{
	if (!lm_sim_create(_metadata, sim, 2, caps, memory))
		return false;
	ASSERT_EQ(0, lm_sim_prepare_fn(sim, 0, memory));
	ASSERT_EQ(0, lm_sim_prepare_fn(sim, 1, memory));
	ASSERT_EQ(0, lm_sim_fill(sim, 0, SEED_SRC));
	return true;
}

/*
 * Start copying the stream of @data_fd, a save file of fn 0, to a restore
 * of fn 1 (@pump->to).
 */
static void pump_start(struct __test_metadata *_metadata,
		       const struct lm_sim *sim, int data_fd,
		       struct lm_pump *pump)
{
	int restore_fd;

	ASSERT_LE(0, data_fd);
	ASSERT_EQ(0, lm_restore_start(sim->fd, 1, &restore_fd));
	ASSERT_EQ(0, lm_pump_init(pump, data_fd, restore_fd, COPY_CHUNK));
	ASSERT_EQ(0, lm_stream_check_expect(&pump->check, sim, 0));
}

static void pump_ok(struct __test_metadata *_metadata,
		    const struct lm_pump *pump)
{
	ASSERT_EQ(0, pump->write_err)
		TH_LOG("the restore refused the stream at %llu bytes",
		       (unsigned long long)pump->bytes);
	ASSERT_EQ(0, pump->check.err) TH_LOG("%s", pump->check.why);
}

/*
 * Read a pre-copy round to its temporary end, which read() reports with
 * ENOMSG, never 0. Returns the bytes of the round.
 */
static uint64_t drain(struct __test_metadata *_metadata, struct lm_pump *pump)
{
	uint64_t n = lm_pump_run(pump, 0);

	pump_ok(_metadata, pump);
	ASSERT_FALSE(pump->eof) TH_LOG("read() returned 0 in pre-copy");
	ASSERT_EQ(ENOMSG, pump->read_err);
	return n;
}

/*
 * The rest of the stream in STOP_COPY: it ends with read() returning 0,
 * never ENOMSG, and is whole. Commits the restore. Returns the bytes read.
 */
static uint64_t finish(struct __test_metadata *_metadata,
		       const struct lm_sim *sim, struct lm_pump *pump)
{
	uint64_t n = lm_pump_run(pump, 0);
	char byte;

	pump_ok(_metadata, pump);
	ASSERT_EQ(0, pump->read_err);
	ASSERT_TRUE(pump->eof);
	ASSERT_TRUE(lm_stream_check_done(&pump->check));
	ASSERT_EQ(0, read(pump->from, &byte, 1));
	ASSERT_EQ(0, lm_restore_finish(sim->fd, 1));
	close(pump->to);
	close(pump->from);
	lm_pump_fini(pump);
	return n;
}

static void info(struct __test_metadata *_metadata, int data_fd,
		 struct lm_precopy_info *pi)
{
	ASSERT_EQ(0, lm_precopy_info(data_fd, pi));
}

/* A quiet function: the rounds carry exactly what changed. */
FIXTURE(precopy)
{
	struct lm_sim sim;
};

FIXTURE_SETUP(precopy)
{
	devices_setup(_metadata, &self->sim, LM_ALL_CAPS, QUIET_STATE);
}

FIXTURE_TEARDOWN(precopy)
{
	lm_sim_destroy(&self->sim);
}

TEST_F_TIMEOUT(precopy, quiet_rounds, 300)
{
	struct lm_precopy_info pi;
	uint64_t initial, n, want;
	struct lm_pump pump;
	struct pollfd pfd;
	int data_fd;
	char byte;

	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_PRE_COPY,
				  &data_fd));
	ASSERT_EQ(LM_MIG_STATE_PRE_COPY, lm_get_state(self->sim.fd, 0));
	pump_start(_metadata, &self->sim, data_fd, &pump);
	pfd = (struct pollfd){ .fd = data_fd, .events = POLLIN };

	/* The initial image: the whole state, nothing dirty yet. */
	info(_metadata, data_fd, &pi);
	ASSERT_TRUE(about_stream_of(pi.initial_bytes, QUIET_STATE))
		TH_LOG("initial_bytes %llu", (unsigned long long)pi.initial_bytes);
	ASSERT_EQ(0ULL, pi.dirty_bytes);
	initial = pi.initial_bytes;

	/* It counts down as it is read... */
	n = lm_pump_run(&pump, QUIET_STATE / 2);
	pump_ok(_metadata, &pump);
	ASSERT_EQ(0, pump.read_err);
	info(_metadata, data_fd, &pi);
	ASSERT_GT(initial, pi.initial_bytes);
	ASSERT_GE(initial - n + initial / 100, pi.initial_bytes);
	ASSERT_LE(initial - n - initial / 100, pi.initial_bytes);
	ASSERT_EQ(0ULL, pi.dirty_bytes);

	/* ...to the temporary end. */
	n += drain(_metadata, &pump);
	ASSERT_LE(QUIET_STATE, n);
	ASSERT_GE(initial + initial / 100, n);
	info(_metadata, data_fd, &pi);
	ASSERT_EQ(0ULL, pi.initial_bytes);
	ASSERT_EQ(0ULL, pi.dirty_bytes);
	ASSERT_EQ(-1, read(data_fd, &byte, 1));
	ASSERT_EQ(ENOMSG, errno);
	ASSERT_EQ(0, poll(&pfd, 1, 0));

	/* A change of state makes the file readable, for that much. */
	change_pages(_metadata, &self->sim, 0, QUIET_STATE, DIRTY_PAGES, 1);
	ASSERT_EQ(1, poll(&pfd, 1, 5000));
	ASSERT_TRUE(pfd.revents & POLLIN);
	info(_metadata, data_fd, &pi);
	ASSERT_EQ(0ULL, pi.initial_bytes);
	ASSERT_LE(DIRTY_PAGES * PAGE_SZ, pi.dirty_bytes);
	ASSERT_GE(pages_stream_max(DIRTY_PAGES), pi.dirty_bytes);
	n = drain(_metadata, &pump);
	ASSERT_LE(DIRTY_PAGES * PAGE_SZ, n);
	ASSERT_GE(pages_stream_max(DIRTY_PAGES), n);
	info(_metadata, data_fd, &pi);
	ASSERT_EQ(0ULL, pi.initial_bytes);
	ASSERT_EQ(0ULL, pi.dirty_bytes);
	ASSERT_EQ(-1, read(data_fd, &byte, 1));
	ASSERT_EQ(ENOMSG, errno);

	/* Pages changed after the last round go with STOP_COPY. */
	change_pages(_metadata, &self->sim, 0, QUIET_STATE, LATE_PAGES, 2);
	want = lm_sim_digest(&self->sim, 0);
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_STOP_COPY,
				  &data_fd));
	ASSERT_EQ(-1, data_fd) TH_LOG("a new data file for the same session");
	n = finish(_metadata, &self->sim, &pump);
	ASSERT_LE(LATE_PAGES * PAGE_SZ, n);
	ASSERT_GT(SMALL_STREAM, n);

	ASSERT_EQ(want, lm_sim_digest(&self->sim, 1));
	ASSERT_EQ(want, lm_sim_digest(&self->sim, 0));
}

/*
 * LM_FN_DATA_SIZE, the stream a move to STOP_COPY would produce from the
 * current state: everything from RUNNING, only what is left in pre-copy.
 */
TEST_F_TIMEOUT(precopy, data_size, 300)
{
	struct lm_pump pump;
	uint64_t size, n;
	int data_fd;

	/* Never-written state is not sent. */
	ASSERT_EQ(0, lm_data_size(self->sim.fd, 1, &size));
	ASSERT_GT(SMALL_STREAM, size);

	ASSERT_EQ(0, lm_data_size(self->sim.fd, 0, &size));
	ASSERT_TRUE(about_stream_of(size, QUIET_STATE))
		TH_LOG("stop_copy_length %llu", (unsigned long long)size);

	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_PRE_COPY,
				  &data_fd));
	ASSERT_EQ(0, lm_data_size(self->sim.fd, 0, &size));
	ASSERT_TRUE(about_stream_of(size, QUIET_STATE))
		TH_LOG("stop_copy_length %llu", (unsigned long long)size);
	pump_start(_metadata, &self->sim, data_fd, &pump);
	drain(_metadata, &pump);
	ASSERT_EQ(0, lm_data_size(self->sim.fd, 0, &size));
	ASSERT_GT(SMALL_STREAM, size);

	change_pages(_metadata, &self->sim, 0, QUIET_STATE, DIRTY_PAGES, 1);
	ASSERT_EQ(0, lm_data_size(self->sim.fd, 0, &size));
	ASSERT_LE(DIRTY_PAGES * PAGE_SZ, size);
	ASSERT_GE(pages_stream_max(DIRTY_PAGES), size);

	/* The estimate was right: STOP_COPY sends about that much. */
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_STOP_COPY,
				  NULL));
	n = finish(_metadata, &self->sim, &pump);
	ASSERT_LE(DIRTY_PAGES * PAGE_SZ, n);
	ASSERT_GE(size + ROUND_OVERHEAD, n);
	ASSERT_EQ(lm_sim_digest(&self->sim, 0), lm_sim_digest(&self->sim, 1));

	/* Back in RUNNING, a new migration would send everything again. */
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_RUNNING, NULL));
	ASSERT_EQ(0, lm_data_size(self->sim.fd, 0, &size));
	ASSERT_TRUE(about_stream_of(size, QUIET_STATE))
		TH_LOG("stop_copy_length %llu", (unsigned long long)size);
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_STOP_COPY,
				  &data_fd));
	pump_start(_metadata, &self->sim, data_fd, &pump);
	n = finish(_metadata, &self->sim, &pump);
	ASSERT_LE(size - size / 100, n);
	ASSERT_GE(size + size / 100, n);
}

/*
 * A busy device keeps changing state while it is streamed; once it is
 * quiet the rounds converge to nothing. The variant stops it without
 * letting it become quiet first.
 */
#define BUSY_STATE (16 * SZ_1M)
#define BUSY_PAGES 32
#define BUSY_ROUNDS 6
#define QUIET_ROUNDS 5

FIXTURE(precopy_busy)
{
	struct lm_sim sim;
};

FIXTURE_VARIANT(precopy_busy)
{
	bool quiet_before_stop;
};

FIXTURE_VARIANT_ADD(precopy_busy, converges)
{
	.quiet_before_stop = true,
};

FIXTURE_VARIANT_ADD(precopy_busy, stopped_busy)
{
	.quiet_before_stop = false,
};

FIXTURE_SETUP(precopy_busy)
{
	if (!devices_setup(_metadata, &self->sim, LM_ALL_CAPS, BUSY_STATE))
		return;
	ASSERT_EQ(0, lm_sim_set(&self->sim, 0, "busy", "%d", BUSY_PAGES));
}

FIXTURE_TEARDOWN(precopy_busy)
{
	lm_sim_destroy(&self->sim);
}

TEST_F_TIMEOUT(precopy_busy, rounds, 300)
{
	uint64_t max_dirty = 0, n, want;
	struct lm_precopy_info pi;
	struct lm_pump pump;
	bool converged = false;
	int data_fd, round;

	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_PRE_COPY,
				  &data_fd));
	pump_start(_metadata, &self->sim, data_fd, &pump);

	/*
	 * Rounds of at most a state's worth each: a device this busy need
	 * not let a round reach its temporary end.
	 */
	for (round = 0; round < BUSY_ROUNDS; round++) {
		lm_pump_run(&pump, BUSY_STATE);
		pump_ok(_metadata, &pump);
		ASSERT_FALSE(pump.eof);
		ASSERT_TRUE(!pump.read_err || pump.read_err == ENOMSG)
			TH_LOG("read() failed with %d", pump.read_err);
		usleep(20000);
		info(_metadata, data_fd, &pi);
		if (pi.dirty_bytes > max_dirty)
			max_dirty = pi.dirty_bytes;
	}
	ASSERT_LT(0ULL, max_dirty) TH_LOG("a busy device dirtied nothing");

	if (variant->quiet_before_stop) {
		ASSERT_EQ(0, lm_sim_set(&self->sim, 0, "busy", "0"));
		for (round = 0; round < QUIET_ROUNDS && !converged; round++) {
			drain(_metadata, &pump);
			usleep(30000);
			info(_metadata, data_fd, &pi);
			converged = !pi.initial_bytes && !pi.dirty_bytes;
		}
		ASSERT_TRUE(converged)
			TH_LOG("still %llu dirty bytes after %d quiet rounds",
			       (unsigned long long)pi.dirty_bytes, round);
		/* And it stays converged. */
		usleep(50000);
		info(_metadata, data_fd, &pi);
		ASSERT_EQ(0ULL, pi.dirty_bytes);
		drain(_metadata, &pump);
	}

	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_STOP_COPY,
				  &data_fd));
	ASSERT_EQ(-1, data_fd);
	/* Stopped is stopped, however busy the device was. */
	want = lm_sim_digest(&self->sim, 0);
	usleep(50000);
	ASSERT_EQ(want, lm_sim_digest(&self->sim, 0));

	n = finish(_metadata, &self->sim, &pump);
	if (variant->quiet_before_stop) {
		ASSERT_GT(SMALL_STREAM, n);
	} else {
		ASSERT_GE(pages_stream_max(BUSY_STATE / PAGE_SZ), n);
	}
	ASSERT_EQ(want, lm_sim_digest(&self->sim, 1));
}

/*
 * Ways through the saving group from RUNNING to STOP_COPY. The first state
 * of the saving group opens the data file, the next ones keep it; in each
 * pre-copy state some pages change and the round is drained. The arcs the
 * driver is asked for on the first request are checked.
 */
#define PATH_STATE (4 * SZ_1M)

FIXTURE(precopy_path)
{
	struct lm_sim sim;
};

FIXTURE_VARIANT(precopy_path)
{
	uint32_t caps;
	uint32_t steps[4];	/* requested in turn; the last is STOP_COPY */
	uint32_t first_arcs[2][2];
	int nr_first_arcs;
};

FIXTURE_VARIANT_ADD(precopy_path, pre_copy_without_p2p)
{
	.caps = LM_MIG_STOP_COPY | LM_MIG_PRE_COPY,
	.steps = { LM_MIG_STATE_PRE_COPY, LM_MIG_STATE_STOP_COPY },
	.first_arcs = { { LM_MIG_STATE_RUNNING, LM_MIG_STATE_PRE_COPY } },
	.nr_first_arcs = 1,
};

FIXTURE_VARIANT_ADD(precopy_path, pre_copy)
{
	.caps = LM_ALL_CAPS,
	.steps = { LM_MIG_STATE_PRE_COPY, LM_MIG_STATE_STOP_COPY },
	.first_arcs = { { LM_MIG_STATE_RUNNING, LM_MIG_STATE_PRE_COPY } },
	.nr_first_arcs = 1,
};

FIXTURE_VARIANT_ADD(precopy_path, pre_copy_p2p)
{
	.caps = LM_ALL_CAPS,
	.steps = { LM_MIG_STATE_PRE_COPY_P2P, LM_MIG_STATE_STOP_COPY },
	.first_arcs = {
		{ LM_MIG_STATE_RUNNING, LM_MIG_STATE_RUNNING_P2P },
		{ LM_MIG_STATE_RUNNING_P2P, LM_MIG_STATE_PRE_COPY_P2P },
	},
	.nr_first_arcs = 2,
};

FIXTURE_VARIANT_ADD(precopy_path, pre_copy_then_p2p)
{
	.caps = LM_ALL_CAPS,
	.steps = { LM_MIG_STATE_PRE_COPY, LM_MIG_STATE_PRE_COPY_P2P,
		   LM_MIG_STATE_STOP_COPY },
	.first_arcs = { { LM_MIG_STATE_RUNNING, LM_MIG_STATE_PRE_COPY } },
	.nr_first_arcs = 1,
};

FIXTURE_VARIANT_ADD(precopy_path, p2p_then_pre_copy)
{
	.caps = LM_ALL_CAPS,
	.steps = { LM_MIG_STATE_PRE_COPY_P2P, LM_MIG_STATE_PRE_COPY,
		   LM_MIG_STATE_STOP_COPY },
	.first_arcs = {
		{ LM_MIG_STATE_RUNNING, LM_MIG_STATE_RUNNING_P2P },
		{ LM_MIG_STATE_RUNNING_P2P, LM_MIG_STATE_PRE_COPY_P2P },
	},
	.nr_first_arcs = 2,
};

FIXTURE_VARIANT_ADD(precopy_path, running_p2p_first)
{
	.caps = LM_ALL_CAPS,
	.steps = { LM_MIG_STATE_RUNNING_P2P, LM_MIG_STATE_PRE_COPY_P2P,
		   LM_MIG_STATE_STOP_COPY },
	.first_arcs = { { LM_MIG_STATE_RUNNING, LM_MIG_STATE_RUNNING_P2P } },
	.nr_first_arcs = 1,
};

FIXTURE_SETUP(precopy_path)
{
	devices_setup(_metadata, &self->sim, variant->caps, PATH_STATE);
}

FIXTURE_TEARDOWN(precopy_path)
{
	lm_sim_destroy(&self->sim);
}

static bool is_precopy(uint32_t state)
{
	return state == LM_MIG_STATE_PRE_COPY ||
	       state == LM_MIG_STATE_PRE_COPY_P2P;
}

TEST_F(precopy_path, restores)
{
	uint32_t arcs[8][2], state;
	struct lm_precopy_info pi;
	struct lm_pump pump;
	int i, fd, data_fd = -1;
	uint64_t want;

	ASSERT_EQ(0, lm_sim_arcs_clear(&self->sim, 0));
	for (i = 0; (state = variant->steps[i]) != LM_MIG_STATE_STOP_COPY;
	     i++) {
		ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, state, &fd));
		ASSERT_EQ((int)state, lm_get_state(self->sim.fd, 0));
		if (!i) {
			ASSERT_EQ(variant->nr_first_arcs,
				  lm_sim_arcs(&self->sim, 0, arcs, 8));
			ASSERT_EQ(0, memcmp(arcs, variant->first_arcs,
					    variant->nr_first_arcs *
						    sizeof(arcs[0])));
		}
		if (!is_precopy(state) || data_fd >= 0) {
			ASSERT_EQ(-1, fd);
		} else {
			data_fd = fd;
			pump_start(_metadata, &self->sim, data_fd, &pump);
		}
		/* Device activity in any running state reaches the stream. */
		change_pages(_metadata, &self->sim, 0, PATH_STATE, 4, i + 1);
		if (is_precopy(state)) {
			info(_metadata, data_fd, &pi);
			drain(_metadata, &pump);
		}
	}
	ASSERT_LE(0, data_fd);

	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_STOP_COPY,
				  &fd));
	ASSERT_EQ(-1, fd);
	want = lm_sim_digest(&self->sim, 0);
	finish(_metadata, &self->sim, &pump);
	ASSERT_EQ(want, lm_sim_digest(&self->sim, 1));
}

/*
 * Leaving pre-copy for RUNNING ends the session; the next PRE_COPY starts a
 * fresh stream, the whole state again, that restores on its own.
 */
#define SMALL_STATE (4 * SZ_1M)

FIXTURE(precopy_small)
{
	struct lm_sim sim;
};

FIXTURE_SETUP(precopy_small)
{
	devices_setup(_metadata, &self->sim, LM_ALL_CAPS, SMALL_STATE);
}

FIXTURE_TEARDOWN(precopy_small)
{
	lm_sim_destroy(&self->sim);
}

TEST_F(precopy_small, restart)
{
	struct lm_precopy_info pi;
	struct lm_pump first, pump;
	int old_fd, data_fd;
	uint64_t want;
	char byte;

	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_PRE_COPY,
				  &old_fd));
	ASSERT_LE(0, old_fd);
	ASSERT_EQ(0, lm_pump_init(&first, old_fd, -1, COPY_CHUNK));
	lm_pump_run(&first, SMALL_STATE / 2);
	ASSERT_EQ(0, first.check.err);
	lm_pump_fini(&first);

	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_RUNNING, NULL));
	ASSERT_EQ(-1, read(old_fd, &byte, 1));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-EINVAL, lm_precopy_info(old_fd, &pi));

	/* Changed between the sessions: the new stream must carry it. */
	change_pages(_metadata, &self->sim, 0, SMALL_STATE, 8, 1);
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_PRE_COPY,
				  &data_fd));
	pump_start(_metadata, &self->sim, data_fd, &pump);
	info(_metadata, data_fd, &pi);
	ASSERT_TRUE(about_stream_of(pi.initial_bytes, SMALL_STATE))
		TH_LOG("initial_bytes %llu", (unsigned long long)pi.initial_bytes);
	ASSERT_EQ(0ULL, pi.dirty_bytes);
	/* The old file stays dead next to the new one. */
	ASSERT_EQ(-1, read(old_fd, &byte, 1));
	ASSERT_EQ(EINVAL, errno);
	close(old_fd);

	drain(_metadata, &pump);
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_STOP_COPY,
				  NULL));
	want = lm_sim_digest(&self->sim, 0);
	finish(_metadata, &self->sim, &pump);
	ASSERT_EQ(want, lm_sim_digest(&self->sim, 1));
}

/* LM_PRECOPY_INFO follows the size rules of every lm ioctl. */
TEST_F(precopy_small, info_size)
{
	struct {
		struct lm_precopy_info info;
		uint64_t extra;
	} cmd;
	size_t min_size = offsetof(struct lm_precopy_info, dirty_bytes) +
			  sizeof(cmd.info.dirty_bytes);
	int data_fd;

	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_PRE_COPY,
				  &data_fd));
	ASSERT_LE(0, data_fd);

	memset(&cmd, 0, sizeof(cmd));
	cmd.info.size = min_size - 1;
	ASSERT_EQ(-EINVAL, lm_ioctl(data_fd, LM_PRECOPY_INFO, &cmd));

	cmd.info.size = sizeof(cmd);
	cmd.extra = 1;
	ASSERT_EQ(-E2BIG, lm_ioctl(data_fd, LM_PRECOPY_INFO, &cmd));

	/* Zero beyond what the kernel knows is fine, and left alone. */
	cmd.extra = 0;
	ASSERT_EQ(0, lm_ioctl(data_fd, LM_PRECOPY_INFO, &cmd));
	ASSERT_EQ(0ULL, cmd.extra);
	ASSERT_LE(SMALL_STATE, cmd.info.initial_bytes);

	memset(&cmd, 0, sizeof(cmd));
	cmd.info.size = sizeof(cmd.info);
	cmd.info.flags = 1;
	ASSERT_EQ(-EOPNOTSUPP, lm_ioctl(data_fd, LM_PRECOPY_INFO, &cmd));

	ASSERT_EQ(-EFAULT, lm_ioctl(data_fd, LM_PRECOPY_INFO, NULL));
	cmd.info.flags = 0;
	ASSERT_EQ(-ENOTTY, lm_ioctl(data_fd, _IO(LM_TYPE, LM_CMD_PRECOPY_INFO + 1),
				    &cmd));
	close(data_fd);
}

TEST_HARNESS_MAIN
