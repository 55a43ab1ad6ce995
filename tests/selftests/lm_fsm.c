// SPDX-License-Identifier: GPL-2.0
/*
 * The migration state machine: every (from, to) request for every set of
 * migration capabilities, checked against VFIO's own walk of its table for
 * the result, the final state, the single arcs the driver was asked for and
 * whether a data file came back.
 *
 * Copyright (c) 2026 The lm authors
 */

#include "kselftest_harness.h"

#include "lm_util.h"

#define NUM_STATES (LM_MIG_STATE_PRE_COPY_P2P + 1)
#define FN_MEMORY (64 << 10)
#define FN 0		/* the function under test */
#define SOURCE_FN 1	/* saved once, for a stream FN can resume from */
#define MAX_ARCS 8

#define S(x) LM_MIG_STATE_##x

static const char *const state_names[NUM_STATES] = {
	[S(ERROR)] = "ERROR",
	[S(STOP)] = "STOP",
	[S(RUNNING)] = "RUNNING",
	[S(STOP_COPY)] = "STOP_COPY",
	[S(RESUMING)] = "RESUMING",
	[S(RUNNING_P2P)] = "RUNNING_P2P",
	[S(PRE_COPY)] = "PRE_COPY",
	[S(PRE_COPY_P2P)] = "PRE_COPY_P2P",
};

static const char *state_name(uint32_t state)
{
	return state < NUM_STATES ? state_names[state] : "(out of range)";
}

/*
 * The oracle: vfio_from_fsm_table and state_flags_table of
 * vfio_mig_get_next_state() in drivers/vfio/vfio_main.c (Linux 6.12),
 * transcribed entry for entry. vfio_next[cur][target] is the next state on
 * the way from cur to target when every optional state is supported.
 */
static const uint8_t vfio_next[NUM_STATES][NUM_STATES] = {
	[S(STOP)] = {
		[S(STOP)] = S(STOP),
		[S(RUNNING)] = S(RUNNING_P2P),
		[S(PRE_COPY)] = S(RUNNING_P2P),
		[S(PRE_COPY_P2P)] = S(RUNNING_P2P),
		[S(STOP_COPY)] = S(STOP_COPY),
		[S(RESUMING)] = S(RESUMING),
		[S(RUNNING_P2P)] = S(RUNNING_P2P),
		[S(ERROR)] = S(ERROR),
	},
	[S(RUNNING)] = {
		[S(STOP)] = S(RUNNING_P2P),
		[S(RUNNING)] = S(RUNNING),
		[S(PRE_COPY)] = S(PRE_COPY),
		[S(PRE_COPY_P2P)] = S(RUNNING_P2P),
		[S(STOP_COPY)] = S(RUNNING_P2P),
		[S(RESUMING)] = S(RUNNING_P2P),
		[S(RUNNING_P2P)] = S(RUNNING_P2P),
		[S(ERROR)] = S(ERROR),
	},
	[S(PRE_COPY)] = {
		[S(STOP)] = S(RUNNING),
		[S(RUNNING)] = S(RUNNING),
		[S(PRE_COPY)] = S(PRE_COPY),
		[S(PRE_COPY_P2P)] = S(PRE_COPY_P2P),
		[S(STOP_COPY)] = S(PRE_COPY_P2P),
		[S(RESUMING)] = S(RUNNING),
		[S(RUNNING_P2P)] = S(RUNNING),
		[S(ERROR)] = S(ERROR),
	},
	[S(PRE_COPY_P2P)] = {
		[S(STOP)] = S(RUNNING_P2P),
		[S(RUNNING)] = S(RUNNING_P2P),
		[S(PRE_COPY)] = S(PRE_COPY),
		[S(PRE_COPY_P2P)] = S(PRE_COPY_P2P),
		[S(STOP_COPY)] = S(STOP_COPY),
		[S(RESUMING)] = S(RUNNING_P2P),
		[S(RUNNING_P2P)] = S(RUNNING_P2P),
		[S(ERROR)] = S(ERROR),
	},
	[S(STOP_COPY)] = {
		[S(STOP)] = S(STOP),
		[S(RUNNING)] = S(STOP),
		[S(PRE_COPY)] = S(ERROR),
		[S(PRE_COPY_P2P)] = S(ERROR),
		[S(STOP_COPY)] = S(STOP_COPY),
		[S(RESUMING)] = S(STOP),
		[S(RUNNING_P2P)] = S(STOP),
		[S(ERROR)] = S(ERROR),
	},
	[S(RESUMING)] = {
		[S(STOP)] = S(STOP),
		[S(RUNNING)] = S(STOP),
		[S(PRE_COPY)] = S(STOP),
		[S(PRE_COPY_P2P)] = S(STOP),
		[S(STOP_COPY)] = S(STOP),
		[S(RESUMING)] = S(RESUMING),
		[S(RUNNING_P2P)] = S(STOP),
		[S(ERROR)] = S(ERROR),
	},
	[S(RUNNING_P2P)] = {
		[S(STOP)] = S(STOP),
		[S(RUNNING)] = S(RUNNING),
		[S(PRE_COPY)] = S(RUNNING),
		[S(PRE_COPY_P2P)] = S(PRE_COPY_P2P),
		[S(STOP_COPY)] = S(STOP),
		[S(RESUMING)] = S(STOP),
		[S(RUNNING_P2P)] = S(RUNNING_P2P),
		[S(ERROR)] = S(ERROR),
	},
	[S(ERROR)] = {
		[S(STOP)] = S(ERROR),
		[S(RUNNING)] = S(ERROR),
		[S(PRE_COPY)] = S(ERROR),
		[S(PRE_COPY_P2P)] = S(ERROR),
		[S(STOP_COPY)] = S(ERROR),
		[S(RESUMING)] = S(ERROR),
		[S(RUNNING_P2P)] = S(ERROR),
		[S(ERROR)] = S(ERROR),
	},
};

/* The capabilities each state needs; ERROR needs more than any device has. */
static const uint32_t vfio_state_caps[NUM_STATES] = {
	[S(STOP)] = LM_MIG_STOP_COPY,
	[S(RUNNING)] = LM_MIG_STOP_COPY,
	[S(PRE_COPY)] = LM_MIG_STOP_COPY | LM_MIG_PRE_COPY,
	[S(PRE_COPY_P2P)] = LM_MIG_STOP_COPY | LM_MIG_P2P | LM_MIG_PRE_COPY,
	[S(STOP_COPY)] = LM_MIG_STOP_COPY,
	[S(RESUMING)] = LM_MIG_STOP_COPY,
	[S(RUNNING_P2P)] = LM_MIG_STOP_COPY | LM_MIG_P2P,
	[S(ERROR)] = ~0U,
};

static bool state_supported(uint32_t caps, uint32_t state)
{
	return state < NUM_STATES &&
	       (vfio_state_caps[state] & caps) == vfio_state_caps[state];
}

static bool state_saving(uint32_t state)
{
	return state == S(PRE_COPY) || state == S(PRE_COPY_P2P) ||
	       state == S(STOP_COPY);
}

struct expectation {
	int ret;			/* 0 or -errno of the request */
	int nr_arcs;
	uint32_t arcs[MAX_ARCS][2];	/* the single arcs the driver sees */
	bool data_fd;			/* a new data file comes back */
};

/*
 * What a request from @from to @to must do on a device with @caps: walk
 * VFIO's table as vfio_mig_get_next_state() does, one arc per call, skipping
 * the states @caps lacks. VFIO checks both ends first (ERROR, an unknown or
 * unsupported state: EINVAL) and fails a step that lands on ERROR (EINVAL;
 * the header names no other errno for any of these refusals). Unlike VFIO's
 * loop, the skip stops at ERROR: ERROR is never supported, and skipping
 * over it would go round forever (STOP_COPY -> PRE_COPY).
 *
 * A data file comes back when an arc enters the saving group from outside
 * it, or enters RESUMING.
 */
static void expect_request(uint32_t caps, uint32_t from, uint32_t to,
			   struct expectation *e)
{
	uint32_t cur = from, next;

	memset(e, 0, sizeof(*e));
	if (!state_supported(caps, from) || !state_supported(caps, to)) {
		e->ret = -EINVAL;
		return;
	}
	while (cur != to) {
		next = vfio_next[cur][to];
		while (next != S(ERROR) && !state_supported(caps, next))
			next = vfio_next[next][to];
		if (next == S(ERROR) || e->nr_arcs == MAX_ARCS) {
			/* Never half way: every refusal is on the first arc. */
			e->ret = e->nr_arcs ? -EDOM : -EINVAL;
			e->nr_arcs = 0;
			return;
		}
		if (next == S(RESUMING) ||
		    (state_saving(next) && !state_saving(cur)))
			e->data_fd = true;
		e->arcs[e->nr_arcs][0] = cur;
		e->arcs[e->nr_arcs][1] = next;
		e->nr_arcs++;
		cur = next;
	}
}

static void format_arcs(char *buf, size_t len, uint32_t arcs[][2], int n)
{
	int i, off = 0;

	buf[0] = 0;
	for (i = 0; i < n && off < (int)len; i++)
		off += snprintf(buf + off, len - off, "%s%s>%s", i ? " " : "",
				state_name(arcs[i][0]), state_name(arcs[i][1]));
	if (!n)
		snprintf(buf, len, "(none)");
}

FIXTURE(fsm) {
	struct lm_sim sim;
	int fd;
	void *stream;	/* a whole stream of SOURCE_FN, for RESUMING */
	ssize_t stream_len;
};

FIXTURE_VARIANT(fsm) {
	uint32_t caps;
};

FIXTURE_VARIANT_ADD(fsm, stop_copy) { .caps = LM_MIG_STOP_COPY };
FIXTURE_VARIANT_ADD(fsm, p2p) { .caps = LM_MIG_STOP_COPY | LM_MIG_P2P };
FIXTURE_VARIANT_ADD(fsm, pre_copy)
{
	.caps = LM_MIG_STOP_COPY | LM_MIG_PRE_COPY,
};
FIXTURE_VARIANT_ADD(fsm, all) { .caps = LM_ALL_CAPS };

FIXTURE_SETUP(fsm)
{
	uint32_t from, to;

	self->sim.fd = -1;
	self->stream = NULL;

	/* The oracle itself: no request is refused half way. */
	for (from = 0; from < NUM_STATES; from++)
		for (to = 0; to < NUM_STATES; to++) {
			struct expectation e;

			expect_request(variant->caps, from, to, &e);
			ASSERT_NE(-EDOM, e.ret);
		}

	ASSERT_EQ(0, lm_sim_new(&self->sim, 2, variant->caps, FN_MEMORY));
	self->fd = self->sim.fd;
	/* Quiet devices: their state changes only by migration. */
	ASSERT_EQ(0, lm_sim_set(&self->sim, FN, "busy", "0"));
	ASSERT_EQ(0, lm_sim_set(&self->sim, SOURCE_FN, "busy", "0"));
	ASSERT_EQ(0, lm_set_migratable(self->fd, FN, true));
	ASSERT_EQ(0, lm_set_migratable(self->fd, SOURCE_FN, true));
	ASSERT_EQ(0, lm_sim_fill(&self->sim, SOURCE_FN, 42));
	self->stream_len = lm_save_fn(self->fd, SOURCE_FN, &self->stream);
	ASSERT_LT(0, self->stream_len);
}

FIXTURE_TEARDOWN(fsm)
{
	free(self->stream);
	lm_sim_destroy(&self->sim);
}

/*
 * Bring FN from a fresh RUNNING to @state through a request whose path
 * the other tests check; *data_fd gets the file of the session it is in.
 * ERROR is reached by leaving RESUMING with no stream written.
 */
static void reach_state(struct __test_metadata *_metadata,
			FIXTURE_DATA(fsm) *self, uint32_t state, int *data_fd)
{
	ASSERT_EQ(0, lm_reset(self->fd, FN));
	ASSERT_EQ(S(RUNNING), lm_get_state(self->fd, FN));
	if (state == S(ERROR)) {
		ASSERT_EQ(0, lm_set_state(self->fd, FN, S(RESUMING), data_fd));
		ASSERT_EQ(-ENODATA, lm_set_state(self->fd, FN, S(STOP), NULL));
		close(*data_fd);
		*data_fd = -1;
	} else {
		ASSERT_EQ(0, lm_set_state(self->fd, FN, state, data_fd));
	}
	ASSERT_EQ(state, lm_get_state(self->fd, FN));
}

/* Request @to of FN in @from and check everything against the oracle. */
static void check_request(struct __test_metadata *_metadata,
			  FIXTURE_DATA(fsm) *self, uint32_t caps, uint32_t from,
			  uint32_t to)
{
	struct lm_fn_mig_state ms = {
		.size = sizeof(ms),
		.fn = FN,
		.device_state = to,
		.data_fd = -2,
	};
	char want[256], seen[256];
	uint32_t arcs[MAX_ARCS][2];
	struct expectation e;
	int old_fd = -1, nr_arcs, ret;
	char byte;

	expect_request(caps, from, to, &e);
	reach_state(_metadata, self, from, &old_fd);
	if (from == S(RESUMING) && !e.ret && to != S(RESUMING)) {
		ASSERT_EQ(0, lm_write_all(old_fd, self->stream,
					  self->stream_len, 64 << 10));
	}
	ASSERT_EQ(0, lm_sim_arcs_clear(&self->sim, FN));

	ret = lm_ioctl(self->fd, LM_FN_SET_STATE, &ms);

	EXPECT_EQ(e.ret, ret)
	{
		TH_LOG("%s -> %s: returned %s", state_name(from),
		       state_name(to), strerror(-ret));
	}
	if (!ret) {
		EXPECT_EQ(to, ms.device_state);
		EXPECT_EQ(e.data_fd, ms.data_fd >= 0)
		{
			TH_LOG("%s -> %s: data_fd %d", state_name(from),
			       state_name(to), ms.data_fd);
		}
		if (ms.data_fd >= 0) {
			EXPECT_TRUE(lm_fd_cloexec(ms.data_fd));
			close(ms.data_fd);
		}
	} else {
		/* Not written back. */
		EXPECT_EQ(to, ms.device_state);
		EXPECT_EQ(-2, ms.data_fd);
	}
	EXPECT_EQ(e.ret ? from : to, lm_get_state(self->fd, FN))
	{
		TH_LOG("%s -> %s: ended in %s", state_name(from),
		       state_name(to),
		       state_name(lm_get_state(self->fd, FN)));
	}

	nr_arcs = lm_sim_arcs(&self->sim, FN, arcs, MAX_ARCS);
	ASSERT_LE(0, nr_arcs);
	format_arcs(want, sizeof(want), e.arcs, e.nr_arcs);
	format_arcs(seen, sizeof(seen), arcs, nr_arcs);
	EXPECT_STREQ(want, seen)
	{
		TH_LOG("%s -> %s: arcs", state_name(from), state_name(to));
	}

	/* The session of the file from before: kept, or ended. */
	if (!ret && old_fd >= 0 && from != to) {
		if (state_saving(from) && state_saving(to)) {
			EXPECT_LT(0, read(old_fd, &byte, 1))
			{
				TH_LOG("%s -> %s: old file lost its session",
				       state_name(from), state_name(to));
			}
		} else if (state_saving(from)) {
			EXPECT_EQ(-1, read(old_fd, &byte, 1));
			EXPECT_EQ(EINVAL, errno)
			{
				TH_LOG("%s -> %s: old file still reads",
				       state_name(from), state_name(to));
			}
		} else if (from == S(RESUMING)) {
			EXPECT_EQ(-1, write(old_fd, &byte, 1));
			EXPECT_EQ(EINVAL, errno)
			{
				TH_LOG("%s -> %s: old file still writes",
				       state_name(from), state_name(to));
			}
		}
	}
	if (old_fd >= 0)
		close(old_fd);
}

/*
 * Every request from @from. A state the caps lack cannot be a starting
 * point; check instead that a request to enter it is refused.
 */
static void check_from(struct __test_metadata *_metadata,
		       FIXTURE_DATA(fsm) *self, uint32_t caps, uint32_t from)
{
	uint32_t to;

	if (from != S(ERROR) && !state_supported(caps, from)) {
		check_request(_metadata, self, caps, S(RUNNING), from);
		check_request(_metadata, self, caps, S(STOP), from);
		return;
	}
	for (to = 0; to < NUM_STATES; to++)
		check_request(_metadata, self, caps, from, to);
}

TEST_F(fsm, from_error)
{
	check_from(_metadata, self, variant->caps, S(ERROR));
}

TEST_F(fsm, from_stop)
{
	check_from(_metadata, self, variant->caps, S(STOP));
}

TEST_F(fsm, from_running)
{
	check_from(_metadata, self, variant->caps, S(RUNNING));
}

TEST_F(fsm, from_stop_copy)
{
	check_from(_metadata, self, variant->caps, S(STOP_COPY));
}

TEST_F(fsm, from_resuming)
{
	check_from(_metadata, self, variant->caps, S(RESUMING));
}

TEST_F(fsm, from_running_p2p)
{
	check_from(_metadata, self, variant->caps, S(RUNNING_P2P));
}

TEST_F(fsm, from_pre_copy)
{
	check_from(_metadata, self, variant->caps, S(PRE_COPY));
}

TEST_F(fsm, from_pre_copy_p2p)
{
	check_from(_metadata, self, variant->caps, S(PRE_COPY_P2P));
}

/* State numbers beyond the enum, from a state with a path to everything. */
TEST_F(fsm, out_of_range_state)
{
	static const uint32_t bad[] = { NUM_STATES, 0x100, UINT32_MAX };
	uint32_t arcs[MAX_ARCS][2];
	unsigned int i;
	int data_fd;

	ASSERT_EQ(0, lm_set_state(self->fd, FN, S(STOP), NULL));
	ASSERT_EQ(0, lm_sim_arcs_clear(&self->sim, FN));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, lm_set_state(self->fd, FN, bad[i], &data_fd))
		{
			TH_LOG("state %#x", bad[i]);
		}
		EXPECT_EQ(-1, data_fd);
		EXPECT_EQ(S(STOP), lm_get_state(self->fd, FN));
	}
	ASSERT_EQ(0, lm_sim_arcs(&self->sim, FN, arcs, MAX_ARCS));
}

/*
 * Leaving RESUMING with the stream incomplete fails with ENODATA into ERROR
 * without asking the driver to commit anything; only a reset gets out, after
 * which the function works again.
 */
TEST_F(fsm, truncated_resume_error)
{
	uint32_t arcs[MAX_ARCS][2];
	int data_fd;

	ASSERT_EQ(0, lm_set_state(self->fd, FN, S(RESUMING), &data_fd));
	ASSERT_LE(0, data_fd);
	ASSERT_EQ(0, lm_write_all(data_fd, self->stream, self->stream_len - 1,
				  4096));
	ASSERT_EQ(0, lm_sim_arcs_clear(&self->sim, FN));
	ASSERT_EQ(-ENODATA, lm_set_state(self->fd, FN, S(RUNNING), NULL));
	ASSERT_EQ(S(ERROR), lm_get_state(self->fd, FN));
	ASSERT_EQ(0, lm_sim_arcs(&self->sim, FN, arcs, MAX_ARCS));
	close(data_fd);

	ASSERT_EQ(-EINVAL, lm_set_state(self->fd, FN, S(RUNNING), NULL));
	ASSERT_EQ(S(ERROR), lm_get_state(self->fd, FN));
	ASSERT_EQ(0, lm_reset(self->fd, FN));
	ASSERT_EQ(S(RUNNING), lm_get_state(self->fd, FN));
	ASSERT_EQ(0, lm_set_state(self->fd, FN, S(STOP_COPY), &data_fd));
	ASSERT_LE(0, data_fd);
	close(data_fd);
	ASSERT_EQ(0, lm_set_state(self->fd, FN, S(RUNNING), NULL));
}

/* A whole stream written through RESUMING becomes the function's state. */
TEST_F(fsm, resume_commits_state)
{
	int data_fd;

	ASSERT_NE(lm_sim_digest(&self->sim, SOURCE_FN),
		  lm_sim_digest(&self->sim, FN));
	ASSERT_EQ(0, lm_set_state(self->fd, FN, S(RESUMING), &data_fd));
	ASSERT_EQ(0, lm_write_all(data_fd, self->stream, self->stream_len,
				  4096));
	ASSERT_EQ(0, lm_set_state(self->fd, FN, S(RUNNING), NULL));
	close(data_fd);
	ASSERT_EQ(lm_sim_digest(&self->sim, SOURCE_FN),
		  lm_sim_digest(&self->sim, FN));
}

TEST_HARNESS_MAIN
