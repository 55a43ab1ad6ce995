// SPDX-License-Identifier: GPL-2.0
/*
 * lm_sim: the lm_ops of the simulated functions: provisioning, the
 * migration arcs, and the payload that carries their state.
 *
 * Every callback runs under the core's lock of its function, which is what
 * serializes the session fields of &struct lm_sim_fn.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <linux/delay.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include "lm_sim.h"

/**
 * DOC: Payload format
 *
 * The payload of each record of a stream is a sequence of chunks, each a
 * &struct lm_sim_chunk followed by &lm_sim_chunk.len bytes. A chunk never
 * spans two records. The first chunk of a session is the description
 * (LM_SIM_CHUNK_DESC), which lets the destination refuse state larger than
 * its own before it writes anything; every other chunk carries whole pages
 * of state at &lm_sim_chunk.offset. Pages that were never written are not
 * sent: the destination starts from zeros. A page may be sent more than
 * once in a session (changed after it was sent); the last copy wins.
 */

/* The chunk is a &struct lm_sim_desc. */
#define LM_SIM_CHUNK_DESC BIT(0)

/**
 * struct lm_sim_chunk - Header of a piece of payload
 * @offset: Data: byte offset in the state, page aligned. Description: 0
 * @len: Bytes after the header: data, a non-zero multiple of PAGE_SIZE;
 *	description, sizeof(struct lm_sim_desc)
 * @flags: 0 for data, LM_SIM_CHUNK_DESC for the description
 */
struct lm_sim_chunk {
	__le64 offset;
	__le32 len;
	__le32 flags;
};

/**
 * struct lm_sim_desc - What the saving function was
 * @memory: Size of its state in bytes
 */
struct lm_sim_desc {
	__le64 memory;
};

#define LM_SIM_DESC_CHUNK_SIZE \
	(sizeof(struct lm_sim_chunk) + sizeof(struct lm_sim_desc))
#define LM_SIM_PAGE_CHUNK_SIZE (sizeof(struct lm_sim_chunk) + PAGE_SIZE)
/* Every save() can make progress: the core offers at least this much. */
static_assert(LM_SIM_DESC_CHUNK_SIZE + LM_SIM_PAGE_CHUNK_SIZE <= LM_SAVE_MIN_LEN);

static int lm_sim_fn_query(struct lm_fn *fn, struct lm_fn_attrs *attrs)
{
	struct lm_sim_fn *sfn = fn->drvdata;

	*attrs = (struct lm_fn_attrs){
		.online = sfn->online,
		.vf = fn->index + 1,
		.hw_id = fn->index + 1,
		.queues = sfn->queues,
		.irqs = sfn->irqs,
		.memory = sfn->memory,
	};
	return 0;
}

/* Give @sfn @queues and @irqs from the device's pool, or nothing. */
static int lm_sim_pool_assign(struct lm_sim_fn *sfn, u32 queues, u32 irqs)
{
	struct lm_sim_dev *sim = sfn->sim;
	u64 queues_used, irqs_used;

	guard(mutex)(&sim->pool_lock);
	queues_used = sim->queues_used - sfn->queues + queues;
	irqs_used = sim->irqs_used - sfn->irqs + irqs;
	if (queues_used > lm_sim_pool_size(sim) ||
	    irqs_used > lm_sim_pool_size(sim))
		return -ENOSPC;
	sim->queues_used = queues_used;
	sim->irqs_used = irqs_used;
	sfn->queues = queues;
	sfn->irqs = irqs;
	return 0;
}

static int lm_sim_provision(struct lm_fn *fn, const struct lm_prov_req *req)
{
	struct lm_sim_fn *sfn = fn->drvdata;
	int ret;

	/* Everything that can fail first: a request applies whole or not. */
	if ((req->flags & LM_PROV_MEMORY) && !lm_sim_memory_valid(req->memory))
		return -EINVAL;
	if (req->flags & (LM_PROV_QUEUES | LM_PROV_IRQS)) {
		ret = lm_sim_pool_assign(sfn,
					 req->flags & LM_PROV_QUEUES ?
						 req->queues : sfn->queues,
					 req->flags & LM_PROV_IRQS ?
						 req->irqs : sfn->irqs);
		if (ret)
			return ret;
	}

	if ((req->flags & LM_PROV_MEMORY) && req->memory != sfn->memory)
		lm_sim_state_resize(sfn, req->memory);
	if (req->flags & LM_PROV_ONLINE)
		sfn->online = req->online;
	return 0;
}

/**
 * struct lm_sim_arc - One arc of VFIO migration v2
 * @cur: From this state
 * @next: To this one
 * @needs: &enum lm_mig_caps a device must have to be asked for it
 * @excludes: &enum lm_mig_caps with which a device is never asked for it
 *	(the core takes another way)
 */
struct lm_sim_arc {
	u8 cur;
	u8 next;
	u8 needs;
	u8 excludes;
};

#define LM_SIM_ARC(_cur, _next, _needs, _excludes)                        \
	{ .cur = LM_MIG_STATE_##_cur, .next = LM_MIG_STATE_##_next,       \
	  .needs = LM_MIG_STOP_COPY | (_needs), .excludes = (_excludes) }

/*
 * The arcs vfio_mig_get_next_state() makes a driver carry out. Checking
 * them here rather than trusting the core is the point of a simulator.
 */
static const struct lm_sim_arc lm_sim_arcs[] = {
	LM_SIM_ARC(STOP, STOP_COPY, 0, 0),
	LM_SIM_ARC(STOP_COPY, STOP, 0, 0),
	LM_SIM_ARC(STOP, RESUMING, 0, 0),
	LM_SIM_ARC(RESUMING, STOP, 0, 0),
	LM_SIM_ARC(RUNNING, STOP, 0, LM_MIG_P2P),
	LM_SIM_ARC(STOP, RUNNING, 0, LM_MIG_P2P),
	LM_SIM_ARC(RUNNING, RUNNING_P2P, LM_MIG_P2P, 0),
	LM_SIM_ARC(RUNNING_P2P, RUNNING, LM_MIG_P2P, 0),
	LM_SIM_ARC(RUNNING_P2P, STOP, LM_MIG_P2P, 0),
	LM_SIM_ARC(STOP, RUNNING_P2P, LM_MIG_P2P, 0),
	LM_SIM_ARC(RUNNING, PRE_COPY, LM_MIG_PRE_COPY, 0),
	LM_SIM_ARC(PRE_COPY, RUNNING, LM_MIG_PRE_COPY, 0),
	LM_SIM_ARC(PRE_COPY, STOP_COPY, LM_MIG_PRE_COPY, LM_MIG_P2P),
	LM_SIM_ARC(PRE_COPY, PRE_COPY_P2P, LM_MIG_PRE_COPY | LM_MIG_P2P, 0),
	LM_SIM_ARC(PRE_COPY_P2P, PRE_COPY, LM_MIG_PRE_COPY | LM_MIG_P2P, 0),
	LM_SIM_ARC(PRE_COPY_P2P, RUNNING_P2P, LM_MIG_PRE_COPY | LM_MIG_P2P, 0),
	LM_SIM_ARC(RUNNING_P2P, PRE_COPY_P2P, LM_MIG_PRE_COPY | LM_MIG_P2P, 0),
	LM_SIM_ARC(PRE_COPY_P2P, STOP_COPY, LM_MIG_PRE_COPY | LM_MIG_P2P, 0),
};

static bool lm_sim_arc_valid(u32 caps, enum lm_mig_state cur,
			     enum lm_mig_state next)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lm_sim_arcs); i++) {
		const struct lm_sim_arc *arc = &lm_sim_arcs[i];

		if (arc->cur == cur && arc->next == next)
			return (caps & arc->needs) == arc->needs &&
			       !(caps & arc->excludes);
	}
	return false;
}

static void lm_sim_arc_log(struct lm_sim_fn *sfn, enum lm_mig_state cur,
			   enum lm_mig_state next)
{
	guard(mutex)(&sfn->lock);
	if (sfn->nr_arcs == LM_SIM_MAX_ARCS) {
		memmove(sfn->arcs[0], sfn->arcs[1],
			sizeof(sfn->arcs) - sizeof(sfn->arcs[0]));
		sfn->nr_arcs--;
	}
	sfn->arcs[sfn->nr_arcs][0] = cur;
	sfn->arcs[sfn->nr_arcs][1] = next;
	sfn->nr_arcs++;
}

static int lm_sim_save_begin(struct lm_sim_fn *sfn)
{
	int ret = lm_sim_track_begin(sfn);

	if (ret)
		return ret;
	scoped_guard(mutex, &sfn->lock)
		sfn->saved_bytes = 0;
	sfn->session = LM_SIM_SESSION_SAVE;
	sfn->desc_done = false;
	return 0;
}

static void lm_sim_save_end(struct lm_sim_fn *sfn)
{
	lm_sim_track_end(sfn);
	sfn->session = LM_SIM_SESSION_NONE;
}

static void lm_sim_restore_begin(struct lm_sim_fn *sfn)
{
	lm_sim_state_restore_begin(sfn);
	scoped_guard(mutex, &sfn->lock)
		sfn->restored_bytes = 0;
	sfn->session = LM_SIM_SESSION_RESTORE;
	sfn->desc_done = false;
	sfn->src_memory = 0;
}

/* Stop the device, taking as long as the knob says a quiesce takes. */
static void lm_sim_quiesce(struct lm_sim_fn *sfn)
{
	u32 delay_ms;

	scoped_guard(mutex, &sfn->lock)
		delay_ms = sfn->quiesce_delay_ms;
	if (delay_ms)
		msleep(delay_ms);
	lm_sim_writer_stop(sfn);
}

static int lm_sim_step(struct lm_fn *fn, enum lm_mig_state cur,
		       enum lm_mig_state next)
{
	struct lm_sim_fn *sfn = fn->drvdata;
	int ret;

	lm_sim_arc_log(sfn, cur, next);
	if (!lm_sim_arc_valid(fn->lmdev->mig_caps, cur, next))
		return -EINVAL;

	/* What can fail comes first, so that a failed arc changes nothing. */
	if (cur == LM_MIG_STATE_RESUMING) {
		/* Our streams always describe the state; this one did not. */
		if (!sfn->desc_done)
			return -EINVAL;
		sfn->session = LM_SIM_SESSION_NONE;
		lm_sim_state_restore_end(sfn);
	}
	if (!lm_mig_state_is_saving(cur) && lm_mig_state_is_saving(next)) {
		ret = lm_sim_save_begin(sfn);
		if (ret)
			return ret;
	}

	if (lm_mig_state_is_running(cur) && !lm_mig_state_is_running(next))
		lm_sim_quiesce(sfn);
	else if (!lm_mig_state_is_running(cur) && lm_mig_state_is_running(next))
		lm_sim_writer_start(sfn);

	if (lm_mig_state_is_saving(cur) && !lm_mig_state_is_saving(next))
		lm_sim_save_end(sfn);
	if (next == LM_MIG_STATE_RESUMING)
		lm_sim_restore_begin(sfn);
	return 0;
}

static size_t lm_sim_put_chunk(void *buf, u64 offset, u32 flags,
			       const void *data, u32 len)
{
	struct lm_sim_chunk *chunk = buf;

	put_unaligned_le64(offset, &chunk->offset);
	put_unaligned_le32(len, &chunk->len);
	put_unaligned_le32(flags, &chunk->flags);
	if (data)
		memcpy(chunk + 1, data, len);
	return sizeof(*chunk) + len;
}

/*
 * A failed save() must not lose the pages it took, so that the session
 * can go on: put back the @from_initial pages taken from the initial image
 * and the rest taken from the dirty ones, all recorded in @buf.
 */
static void lm_sim_save_unwind(struct lm_sim_fn *sfn, const void *buf,
			       size_t len, bool desc, size_t from_initial)
{
	size_t pos = 0, i;

	if (desc) {
		sfn->desc_done = false;
		pos = LM_SIM_DESC_CHUNK_SIZE;
	}
	for (i = 0; pos < len; pos += LM_SIM_PAGE_CHUNK_SIZE, i++) {
		const struct lm_sim_chunk *chunk = buf + pos;

		lm_sim_track_untake(sfn, i < from_initial,
				    get_unaligned_le64(&chunk->offset) >>
					    PAGE_SHIFT);
	}
}

/*
 * PRE_COPY: the pages of the initial image first, then those dirtied since
 * they were sent; 0 once neither has any (more may come). STOP_COPY: the
 * same, until nothing is left, which ends the stream.
 */
static ssize_t lm_sim_save(struct lm_fn *fn, void *buf, size_t len)
{
	struct lm_sim_fn *sfn = fn->drvdata;
	size_t pos = 0, from_initial = 0;
	bool desc = false, fail;

	if (sfn->session != LM_SIM_SESSION_SAVE)
		return -EINVAL;

	if (!sfn->desc_done) {
		struct lm_sim_desc desc_chunk = {
			.memory = cpu_to_le64(sfn->memory),
		};

		pos += lm_sim_put_chunk(buf, 0, LM_SIM_CHUNK_DESC, &desc_chunk,
					sizeof(desc_chunk));
		sfn->desc_done = true;
		desc = true;
	}

	while (len - pos >= LM_SIM_PAGE_CHUNK_SIZE) {
		bool initial = lm_sim_track_initial(sfn);
		unsigned long index;
		const void *page;

		page = lm_sim_track_take(sfn, initial, &index);
		if (!page && initial) {
			initial = false;
			page = lm_sim_track_take(sfn, false, &index);
		}
		if (!page)
			break;
		/* A page at a time: a copy of constant size is the fastest. */
		pos += lm_sim_put_chunk(buf + pos, (u64)index << PAGE_SHIFT, 0,
					NULL, PAGE_SIZE);
		memcpy(buf + pos - PAGE_SIZE, page, PAGE_SIZE);
		from_initial += initial;
	}

	scoped_guard(mutex, &sfn->lock) {
		fail = pos && sfn->fail_save_at >= 0 &&
		       (u64)sfn->fail_save_at < sfn->saved_bytes + pos;
		if (fail)
			sfn->fail_save_at = -1;
		else
			sfn->saved_bytes += pos;
	}
	if (fail) {
		lm_sim_save_unwind(sfn, buf, pos, desc, from_initial);
		return -EIO;
	}
	return pos;
}

/*
 * Go through the chunks of one record, checking each against what the
 * session has seen and against the destination, and with @apply write
 * them into the state. The record is hostile: the core vouches only that
 * it arrived as sent.
 */
static int lm_sim_restore_chunks(struct lm_sim_fn *sfn, const void *buf,
				 size_t len, bool apply)
{
	bool desc_done = sfn->desc_done;
	u64 src_memory = sfn->src_memory;
	size_t pos = 0;
	int ret;

	while (pos < len) {
		const struct lm_sim_chunk *chunk = buf + pos;
		const void *data;
		u64 offset;
		u32 clen;

		if (len - pos < sizeof(*chunk))
			return -EINVAL;
		offset = get_unaligned_le64(&chunk->offset);
		clen = get_unaligned_le32(&chunk->len);
		pos += sizeof(*chunk);
		if (clen > len - pos)
			return -EINVAL;
		data = buf + pos;
		pos += clen;

		switch (get_unaligned_le32(&chunk->flags)) {
		case LM_SIM_CHUNK_DESC: {
			const struct lm_sim_desc *desc = data;

			if (desc_done || offset || clen != sizeof(*desc))
				return -EINVAL;
			src_memory = get_unaligned_le64(&desc->memory);
			if (!src_memory || !IS_ALIGNED(src_memory, PAGE_SIZE))
				return -EINVAL;
			if (src_memory > sfn->memory)
				return -EMSGSIZE;
			desc_done = true;
			break;
		}
		case 0:
			if (!desc_done || !clen || !IS_ALIGNED(clen, PAGE_SIZE) ||
			    !IS_ALIGNED(offset, PAGE_SIZE))
				return -EINVAL;
			if (offset >= sfn->memory || clen > sfn->memory - offset)
				return -EMSGSIZE;
			/* Within the destination, but not what was described. */
			if (offset >= src_memory || clen > src_memory - offset)
				return -EINVAL;
			if (apply) {
				ret = lm_sim_state_restore(sfn, offset, data,
							   clen);
				if (ret)
					return ret;
			}
			break;
		default:
			return -EINVAL;
		}
	}

	if (apply) {
		sfn->desc_done = desc_done;
		sfn->src_memory = src_memory;
	}
	return 0;
}

static int lm_sim_restore(struct lm_fn *fn, const void *buf, size_t len)
{
	struct lm_sim_fn *sfn = fn->drvdata;
	int ret;

	if (sfn->session != LM_SIM_SESSION_RESTORE)
		return -EINVAL;

	guard(mutex)(&sfn->lock);
	if (sfn->fail_restore_at >= 0 &&
	    (u64)sfn->fail_restore_at < sfn->restored_bytes + len) {
		sfn->fail_restore_at = -1;
		return -EIO;
	}
	/* All of the record is checked before any of it is written. */
	ret = lm_sim_restore_chunks(sfn, buf, len, false);
	if (ret)
		return ret;
	ret = lm_sim_restore_chunks(sfn, buf, len, true);
	if (ret)
		return ret;
	sfn->restored_bytes += len;
	return 0;
}

static int lm_sim_precopy_info(struct lm_fn *fn, u64 *initial_bytes,
			       u64 *dirty_bytes)
{
	struct lm_sim_fn *sfn = fn->drvdata;

	if (sfn->session != LM_SIM_SESSION_SAVE)
		return -EINVAL;
	*initial_bytes = (u64)lm_sim_track_initial(sfn) * LM_SIM_PAGE_CHUNK_SIZE;
	if (!sfn->desc_done)
		*initial_bytes += LM_SIM_DESC_CHUNK_SIZE;
	*dirty_bytes = (u64)lm_sim_track_dirty(sfn) * LM_SIM_PAGE_CHUNK_SIZE;
	return 0;
}

static int lm_sim_data_size(struct lm_fn *fn, u64 *stop_copy_bytes)
{
	struct lm_sim_fn *sfn = fn->drvdata;
	u64 desc = LM_SIM_DESC_CHUNK_SIZE;
	u64 pages;

	if (sfn->session == LM_SIM_SESSION_SAVE) {
		pages = lm_sim_track_initial(sfn) + lm_sim_track_dirty(sfn);
		if (sfn->desc_done)
			desc = 0;
	} else {
		guard(mutex)(&sfn->lock);
		pages = sfn->nr_pages;
	}
	*stop_copy_bytes = desc + pages * LM_SIM_PAGE_CHUNK_SIZE;
	return 0;
}

static int lm_sim_reset(struct lm_fn *fn)
{
	struct lm_sim_fn *sfn = fn->drvdata;

	lm_sim_writer_stop(sfn);
	if (sfn->session == LM_SIM_SESSION_SAVE)
		lm_sim_track_end(sfn);
	sfn->session = LM_SIM_SESSION_NONE;
	lm_sim_state_clear(sfn);
	lm_sim_writer_start(sfn);
	return 0;
}

const struct lm_ops lm_sim_ops = {
	.fn_query = lm_sim_fn_query,
	.provision = lm_sim_provision,
	.step = lm_sim_step,
	.save = lm_sim_save,
	.restore = lm_sim_restore,
	.precopy_info = lm_sim_precopy_info,
	.data_size = lm_sim_data_size,
	.reset = lm_sim_reset,
};
