// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the migration state machine: the transition table and the
 * walk through it, for every pair of states and every set of capabilities,
 * against an oracle written from the uAPI's words rather than from the
 * core's table.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <linux/file.h>
#include <linux/fs.h>

#include "lm_kunit.h"

#define S(x) LM_MIG_STATE_##x
#define LM_KUNIT_NUM_STATES 8
#define SC LM_MIG_STOP_COPY
#define P2P LM_MIG_P2P
#define PRE LM_MIG_PRE_COPY

/*
 * The oracle.
 *
 * The arcs a driver implements, with the capabilities that make a device
 * use each (@needs, with STOP_COPY always) and those with which it takes
 * another way (@excludes): the list in the comment of VFIO's
 * vfio_mig_get_next_state(), which include/uapi/linux/lm.h adopts.
 */
static const struct {
	u8 cur, next;
	u32 needs, excludes;
} lm_kunit_arcs[] = {
	{ S(STOP), S(STOP_COPY), 0, 0 },
	{ S(STOP_COPY), S(STOP), 0, 0 },
	{ S(STOP), S(RESUMING), 0, 0 },
	{ S(RESUMING), S(STOP), 0, 0 },
	{ S(RUNNING), S(STOP), 0, P2P },
	{ S(STOP), S(RUNNING), 0, P2P },
	{ S(RUNNING), S(RUNNING_P2P), P2P, 0 },
	{ S(RUNNING_P2P), S(RUNNING), P2P, 0 },
	{ S(RUNNING_P2P), S(STOP), P2P, 0 },
	{ S(STOP), S(RUNNING_P2P), P2P, 0 },
	{ S(RUNNING), S(PRE_COPY), PRE, 0 },
	{ S(PRE_COPY), S(RUNNING), PRE, 0 },
	{ S(PRE_COPY), S(STOP_COPY), PRE, P2P },
	{ S(PRE_COPY), S(PRE_COPY_P2P), PRE | P2P, 0 },
	{ S(PRE_COPY_P2P), S(PRE_COPY), PRE | P2P, 0 },
	{ S(PRE_COPY_P2P), S(RUNNING_P2P), PRE | P2P, 0 },
	{ S(RUNNING_P2P), S(PRE_COPY_P2P), PRE | P2P, 0 },
	{ S(PRE_COPY_P2P), S(STOP_COPY), PRE | P2P, 0 },
};

static bool oracle_arc(u32 caps, u32 cur, u32 next)
{
	unsigned int i;

	if (!(caps & SC))
		return false;
	for (i = 0; i < ARRAY_SIZE(lm_kunit_arcs); i++)
		if (lm_kunit_arcs[i].cur == cur && lm_kunit_arcs[i].next == next)
			return (caps & lm_kunit_arcs[i].needs) ==
				       lm_kunit_arcs[i].needs &&
			       !(caps & lm_kunit_arcs[i].excludes);
	return false;
}

/* The states a device with @caps has: those some arc of it touches. */
static bool oracle_state(u32 caps, u32 state)
{
	u32 other;

	for (other = 0; other < LM_KUNIT_NUM_STATES; other++)
		if (oracle_arc(caps, state, other) ||
		    oracle_arc(caps, other, state))
			return true;
	return false;
}

static bool oracle_saving(u32 state)
{
	return state == S(PRE_COPY) || state == S(PRE_COPY_P2P) ||
	       state == S(STOP_COPY);
}

/*
 * A path of @n arcs may leave the saving group only on its first arc and
 * enter it only on its last.
 */
static bool oracle_path_allowed(const u8 *path, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		bool from = oracle_saving(path[i]);
		bool to = oracle_saving(path[i + 1]);

		if (from && !to && i != 0)
			return false;
		if (!from && to && i != n - 1)
			return false;
	}
	return true;
}

struct oracle_search {
	u32 caps;
	u32 target;
	u8 path[LM_KUNIT_NUM_STATES];
	int best;
	int nr_best;
	u8 best_path[LM_KUNIT_NUM_STATES];
};

/* Every simple path from path[0..n] on; the shortest allowed ones count. */
static void oracle_search(struct oracle_search *o, int n)
{
	u32 next;
	int i;

	if (o->path[n] == o->target) {
		if (!oracle_path_allowed(o->path, n))
			return;
		if (o->best < 0 || n < o->best) {
			o->best = n;
			o->nr_best = 0;
			memcpy(o->best_path, o->path, n + 1);
		}
		if (n == o->best)
			o->nr_best++;
		return;
	}
	for (next = 0; next < LM_KUNIT_NUM_STATES; next++) {
		if (!oracle_arc(o->caps, o->path[n], next))
			continue;
		for (i = 0; i <= n; i++)
			if (o->path[i] == next)
				break;
		if (i <= n)
			continue;
		o->path[n + 1] = next;
		oracle_search(o, n + 1);
	}
}

/*
 * The arcs the uAPI prescribes from @cur to @target: "the shortest path
 * that leaves the saving group at most at its start and enters it at most
 * at its end", over the arcs of a device with @caps. Returns the number of
 * arcs, with the states along the way in @path[0..n]; -1 when there is no
 * such path; -2 when several are equally short, an ambiguity the uAPI must
 * not have.
 */
static int oracle_path(u32 caps, u32 cur, u32 target, u8 *path)
{
	struct oracle_search o = { .caps = caps, .target = target, .best = -1 };

	/*
	 * Leaving STOP_COPY for a PRE_COPY state is refused by name: it would
	 * leave the saving group at the start and enter it at the end, but
	 * the uAPI (like VFIO's) lists it among the requests refused.
	 */
	if (cur == S(STOP_COPY) &&
	    (target == S(PRE_COPY) || target == S(PRE_COPY_P2P)))
		return -1;
	o.path[0] = cur;
	oracle_search(&o, 0);
	if (o.best < 0)
		return -1;
	if (o.nr_best > 1)
		return -2;
	memcpy(path, o.best_path, o.best + 1);
	return o.best;
}

/* The capability sets with which a device can migrate. */
static const u32 lm_kunit_caps[] = { SC, SC | P2P, SC | PRE, SC | P2P | PRE };

static void lm_kunit_caps_desc(const u32 *caps, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "caps=%s%s%s",
		 *caps & SC ? "stop_copy" : "", *caps & P2P ? "+p2p" : "",
		 *caps & PRE ? "+pre_copy" : "");
}

KUNIT_ARRAY_PARAM(lm_kunit_caps, lm_kunit_caps, lm_kunit_caps_desc);

/* Which states can be asked for, with every capability set and beyond. */
static void lm_fsm_valid_target_test(struct kunit *test)
{
	static const u32 beyond[] = { 8, 9, 255, 256, U32_MAX };
	u32 caps, state;
	unsigned int i;

	for (caps = 0; caps <= (SC | P2P | PRE); caps++) {
		for (state = 0; state < LM_KUNIT_NUM_STATES; state++)
			KUNIT_EXPECT_EQ_MSG(test,
					    lm_fsm_valid_target(caps, state),
					    state != S(ERROR) &&
						    oracle_state(caps, state),
					    "caps %#x state %u", caps, state);
		for (i = 0; i < ARRAY_SIZE(beyond); i++)
			KUNIT_EXPECT_FALSE_MSG(test,
					       lm_fsm_valid_target(caps,
								   beyond[i]),
					       "caps %#x state %u", caps,
					       beyond[i]);
	}
}

/*
 * From every state (ERROR included) to every state that can be asked for,
 * the arcs lm_fsm_next_state() leads through are the oracle's path, and
 * a request without a path is refused before any arc is taken.
 */
static void lm_fsm_next_state_test(struct kunit *test)
{
	const u32 caps = *(const u32 *)test->param_value;
	u8 want[LM_KUNIT_NUM_STATES];
	u32 cur, target;

	for (cur = 0; cur < LM_KUNIT_NUM_STATES; cur++) {
		if (cur != S(ERROR) && !oracle_state(caps, cur))
			continue;
		for (target = 0; target < LM_KUNIT_NUM_STATES; target++) {
			enum lm_mig_state state = cur, next;
			int n, arcs = 0, ret = 0;

			if (!lm_fsm_valid_target(caps, target))
				continue;
			n = oracle_path(caps, cur, target, want);
			KUNIT_ASSERT_NE_MSG(test, n, -2,
					    "%u -> %u: the rule is ambiguous",
					    cur, target);

			while (state != target && arcs < LM_KUNIT_NUM_STATES) {
				ret = lm_fsm_next_state(caps, state, target,
							&next);
				if (ret)
					break;
				arcs++;
				if (n >= 0 && arcs <= n)
					KUNIT_EXPECT_EQ_MSG(test, next,
							    want[arcs],
							    "%u -> %u: arc %d",
							    cur, target, arcs);
				state = next;
			}
			if (n < 0) {
				KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL,
						    "%u -> %u has no path",
						    cur, target);
				KUNIT_EXPECT_EQ_MSG(test, arcs, 0,
						    "%u -> %u: refused late",
						    cur, target);
			} else {
				KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%u -> %u",
						    cur, target);
				KUNIT_EXPECT_EQ_MSG(test, arcs, n,
						    "%u -> %u: path length",
						    cur, target);
			}
		}
	}
}

/*
 * Put function 0 of @kdev, locked, in @state as if it got there by itself:
 * with a save session in the saving states, and in RESUMING with a restore
 * session that has received the whole stream @empty, so that it may be
 * left. No assertion here: it would end the test with the lock held.
 */
static bool lm_kunit_enter(struct kunit *test, struct lm_kunit_dev *kdev,
			   struct lm_fn *fn, u32 state,
			   const struct lm_kunit_stream *empty)
{
	lockdep_assert_held(&fn->lock);
	lm_stream_end(fn);
	fn->state = state;
	kdev->nr_arcs = 0;
	kdev->fail_arc = -1;
	kdev->fail_sets_error = false;
	if (oracle_saving(state)) {
		fn->stream = lm_stream_alloc(fn, true);
	} else if (state == S(RESUMING)) {
		if (lm_kunit_restore_session(fn))
			lm_kunit_feed(fn->stream, empty->buf, empty->len,
				      empty->len);
		KUNIT_EXPECT_TRUE(test, lm_stream_restore_complete(fn));
		return lm_stream_restore_complete(fn);
	} else {
		return true;
	}
	KUNIT_EXPECT_NOT_NULL(test, fn->stream);
	return fn->stream;
}

/* Does an arc open a data session: into the saving group, or RESUMING? */
static bool oracle_opens_session(u32 cur, u32 next)
{
	return next == S(RESUMING) ||
	       (oracle_saving(next) && !oracle_saving(cur));
}

/*
 * lm_fn_walk() from every state to every state that can be asked for: the
 * driver is asked for exactly the oracle's arcs, in order, one at a time;
 * the function ends in the target; a data file comes back when an arc
 * opened a session, and it is the function's session; moving inside the
 * saving group keeps the session; a refused request takes no arc.
 */
static void lm_fsm_walk_test(struct kunit *test)
{
	const u32 caps = *(const u32 *)test->param_value;
	struct lm_kunit_dev *kdev = lm_kunit_dev_create(test, caps);
	struct lm_fn *fn = lm_fn(&kdev->lm, 0);
	u8 want[LM_KUNIT_NUM_STATES];
	struct lm_kunit_stream empty;
	u32 cur, target;

	lm_kunit_stream_build(test, &empty, NULL, 0);
	for (cur = 0; cur < LM_KUNIT_NUM_STATES; cur++) {
		if (!oracle_state(caps, cur))
			continue;
		for (target = 0; target < LM_KUNIT_NUM_STATES; target++) {
			struct lm_stream *before;
			struct file *filp = NULL;
			bool opens = false;
			int n, i, ret;

			if (!lm_fsm_valid_target(caps, target))
				continue;
			n = oracle_path(caps, cur, target, want);
			KUNIT_ASSERT_NE(test, n, -2);

			guard(mutex)(&fn->lock);
			if (!lm_kunit_enter(test, kdev, fn, cur, &empty))
				continue;
			before = fn->stream;
			ret = lm_fn_walk(fn, target, &filp);

			if (n < 0) {
				KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL,
						    "%u -> %u", cur, target);
				KUNIT_EXPECT_EQ_MSG(test, kdev->nr_arcs, 0,
						    "%u -> %u", cur, target);
				KUNIT_EXPECT_EQ_MSG(test, fn->state, cur,
						    "%u -> %u", cur, target);
				KUNIT_EXPECT_PTR_EQ(test, fn->stream, before);
				KUNIT_EXPECT_NULL(test, filp);
				continue;
			}

			KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%u -> %u", cur,
					    target);
			KUNIT_EXPECT_EQ_MSG(test, fn->state, target,
					    "%u -> %u", cur, target);
			KUNIT_EXPECT_EQ_MSG(test, kdev->nr_arcs, n,
					    "%u -> %u: arcs", cur, target);
			for (i = 0; i < n && i < kdev->nr_arcs; i++) {
				KUNIT_EXPECT_EQ_MSG(test, kdev->arcs[i][0],
						    want[i], "%u -> %u: arc %d",
						    cur, target, i);
				KUNIT_EXPECT_EQ_MSG(test, kdev->arcs[i][1],
						    want[i + 1],
						    "%u -> %u: arc %d", cur,
						    target, i);
				opens |= oracle_opens_session(want[i],
							      want[i + 1]);
			}

			KUNIT_EXPECT_EQ_MSG(test, !!filp, opens,
					    "%u -> %u: data file", cur, target);
			KUNIT_EXPECT_EQ_MSG(test, !!fn->stream,
					    oracle_saving(target) ||
						    target == S(RESUMING),
					    "%u -> %u: session", cur, target);
			if (filp)
				KUNIT_EXPECT_PTR_EQ(test, fn->stream,
						    (struct lm_stream *)
							    filp->private_data);
			if (oracle_saving(cur) && oracle_saving(target))
				KUNIT_EXPECT_PTR_EQ(test, fn->stream, before);
			if (filp)
				fput(filp);
		}
	}
}

/*
 * An arc that fails leaves the function where the arcs before it took it,
 * without the session the failing arc would have opened; one that also
 * says the function is broken leaves it in ERROR without any session.
 */
static void lm_fsm_walk_failure_test(struct kunit *test)
{
	const u32 caps = *(const u32 *)test->param_value;
	struct lm_kunit_dev *kdev = lm_kunit_dev_create(test, caps);
	struct lm_fn *fn = lm_fn(&kdev->lm, 0);
	u8 want[LM_KUNIT_NUM_STATES];
	struct lm_kunit_stream empty;
	u32 cur, target;
	int broken;

	lm_kunit_stream_build(test, &empty, NULL, 0);
	for (cur = 0; cur < LM_KUNIT_NUM_STATES; cur++) {
		if (!oracle_state(caps, cur))
			continue;
		for (target = 0; target < LM_KUNIT_NUM_STATES; target++) {
			int n, k;

			if (!lm_fsm_valid_target(caps, target))
				continue;
			n = oracle_path(caps, cur, target, want);
			for (k = 0; k < n; k++) {
				for (broken = 0; broken <= 1; broken++) {
					struct file *filp = NULL;
					bool session;
					int ret;

					guard(mutex)(&fn->lock);
					if (!lm_kunit_enter(test, kdev, fn, cur,
							    &empty))
						continue;
					kdev->fail_arc = k;
					kdev->fail_sets_error = broken;
					ret = lm_fn_walk(fn, target, &filp);

					KUNIT_EXPECT_EQ_MSG(test, ret, -EIO,
							    "%u -> %u, arc %d fails",
							    cur, target, k);
					KUNIT_EXPECT_EQ(test, kdev->nr_arcs,
							k + 1);
					KUNIT_EXPECT_NULL(test, filp);
					KUNIT_EXPECT_EQ_MSG(test, fn->state,
							    broken ? S(ERROR) :
								     want[k],
							    "%u -> %u, arc %d fails",
							    cur, target, k);
					session = !broken &&
						  (oracle_saving(want[k]) ||
						   want[k] == S(RESUMING));
					KUNIT_EXPECT_EQ_MSG(test,
							    !!fn->stream,
							    session,
							    "%u -> %u, arc %d fails",
							    cur, target, k);
				}
			}
		}
	}
}

/*
 * Leaving RESUMING before a whole stream arrived fails with ENODATA and
 * leaves the function in ERROR, without the driver being asked to commit.
 */
static void lm_fsm_walk_incomplete_restore_test(struct kunit *test)
{
	struct lm_kunit_dev *kdev = lm_kunit_dev_create(test, SC);
	struct lm_fn *fn = lm_fn(&kdev->lm, 0);
	struct lm_kunit_stream s;
	size_t prefixes[3];
	unsigned int i;

	lm_kunit_stream_build(test, &s, (const size_t[]){ 100 }, 1);
	prefixes[0] = 0;
	prefixes[1] = sizeof(struct lm_stream_header);
	prefixes[2] = s.len - 1;

	for (i = 0; i < ARRAY_SIZE(prefixes); i++) {
		struct file *filp = NULL;
		struct lm_stream *stream;

		guard(mutex)(&fn->lock);
		lm_stream_end(fn);
		fn->state = S(RESUMING);
		stream = lm_kunit_restore_session(fn);
		if (!stream) {
			KUNIT_FAIL(test, "no restore session");
			continue;
		}
		KUNIT_EXPECT_EQ(test, lm_kunit_feed(stream, s.buf, prefixes[i],
						    7),
				(ssize_t)prefixes[i]);
		kdev->nr_arcs = 0;

		KUNIT_EXPECT_EQ_MSG(test, lm_fn_walk(fn, S(RUNNING), &filp),
				    -ENODATA, "after %zu bytes", prefixes[i]);
		KUNIT_EXPECT_EQ(test, fn->state, S(ERROR));
		KUNIT_EXPECT_NULL(test, fn->stream);
		KUNIT_EXPECT_EQ(test, kdev->nr_arcs, 0);
		KUNIT_EXPECT_NULL(test, filp);
	}
}

static struct kunit_case lm_fsm_test_cases[] = {
	KUNIT_CASE(lm_fsm_valid_target_test),
	KUNIT_CASE_PARAM(lm_fsm_next_state_test, lm_kunit_caps_gen_params),
	KUNIT_CASE_PARAM(lm_fsm_walk_test, lm_kunit_caps_gen_params),
	KUNIT_CASE_PARAM(lm_fsm_walk_failure_test, lm_kunit_caps_gen_params),
	KUNIT_CASE(lm_fsm_walk_incomplete_restore_test),
	{}
};

static struct kunit_suite lm_fsm_test_suite = {
	.name = "lm_fsm",
	.test_cases = lm_fsm_test_cases,
};

kunit_test_suite(lm_fsm_test_suite);
