// SPDX-License-Identifier: GPL-2.0
/*
 * nvme-lm: migration of secondary controllers with NVMe live migration
 * (Host Managed Live Migration, TP4159, NVM Express Base 2.1): Suspend and
 * Resume, Get and Set Controller State (Migration Receive and Send) in the
 * NVMe controller state format the controller reports (Identify CNS 20h),
 * and logging of user data changes into a User Data Migration Queue (a
 * Controller Data Queue in kernel memory, started and stopped with Track
 * Send) while the function is in PRE_COPY.
 *
 * The lm core wraps the payload produced here in its stream envelope.
 * Every callback runs under the core's lock of its function, which is what
 * serializes &struct nvme_lm_mig.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include "nvme_lm.h"

/* The NVMe Controller State data structure version this driver knows. */
#define NVME_LM_CS_VERSION 0

static unsigned int nvme_lm_state_xfer;
module_param_named(state_xfer, nvme_lm_state_xfer, uint, 0644);
MODULE_PARM_DESC(state_xfer,
		 "largest piece of a controller state one Migration Send or Receive moves, bytes, a multiple of 4 (0: as much as the controller takes)");

/* Entries of a User Data Migration Queue. */
#define NVME_LM_UDMQ_ENTRIES 4096
static_assert(NVME_LM_UDMQ_ENTRIES * NVME_LM_UDMQ_ENTRY_SIZE <=
	      NVME_LM_MAX_XFER);

/**
 * DOC: Payload format
 *
 * The payload of each record is a sequence of chunks, each a header of
 * NVME_LM_CHUNK_HDR_SIZE bytes (type, length, offset, total; little endian,
 * see nvme_lm_put_chunk_hdr()) followed by its length of bytes; a chunk
 * never spans two records. A session starts with a description
 * (NVME_LM_CHUNK_DESC: payload format version and NVMe Controller State
 * version). In PRE_COPY, user data changes the controller logged follow
 * (NVME_LM_CHUNK_UDC, NVME_LM_UDC_WIRE_SIZE bytes each, numbered on by the
 * offset). After the stop comes the controller state exactly as Get
 * Controller State returned it (NVME_LM_CHUNK_STATE, in order, each piece at
 * its offset in a state of the announced total). nvme_lm_rx_chunk() is the
 * receiving side's check of all this.
 */

static int nvme_lm_msend(struct nvme_lm_sec *sec, struct nvme_lm_sqe *cmd,
			 struct nvme_lm_dma *buf, const char *op)
{
	char what[64];

	snprintf(what, sizeof(what), "Migration Send (%s, controller %#x)", op,
		 sec->hw.scid);
	return nvme_lm_cmd(sec->nd, cmd, buf, NULL, what);
}

static int nvme_lm_suspend(struct nvme_lm_sec *sec)
{
	struct nvme_lm_sqe cmd;
	int ret;

	nvme_lm_cmd_suspend(&cmd, sec->hw.scid, NVME_LM_STYPE_SUSPEND, false);
	ret = nvme_lm_msend(sec, &cmd, NULL, "Suspend");
	if (!ret)
		sec->mig.suspended = true;
	return ret;
}

/*
 * Resume @sec; a controller that is not suspended is fine with @lenient:
 * it runs already, as after a function level reset (a VF's user closing
 * it, vfio-pci resetting it) while the core thought it stopped.
 */
static int nvme_lm_resume(struct nvme_lm_sec *sec, bool lenient)
{
	struct nvme_lm_sqe cmd;
	u16 status;
	int ret;

	nvme_lm_cmd_resume(&cmd, sec->hw.scid);
	if (lenient) {
		ret = nvme_lm_exec(sec->nd, &cmd, NULL, NULL, &status);
		if (!ret && (status & 0x7ff) == NVME_LM_SC_CTRL_NOT_SUSPENDED)
			status = 0;
		if (!ret && status)
			ret = nvme_lm_cmd(sec->nd, &cmd, NULL, NULL,
					  "Migration Send (Resume)");
	} else {
		ret = nvme_lm_msend(sec, &cmd, NULL, "Resume");
	}
	if (!ret)
		sec->mig.suspended = false;
	return ret;
}

/* The bytes of a controller state one command moves. */
static u32 nvme_lm_state_piece(struct nvme_lm_dev *nd)
{
	u32 limit = READ_ONCE(nvme_lm_state_xfer) & ~3U;

	return limit && limit < nd->max_xfer ? limit : nd->max_xfer;
}

/* Read @len bytes of the state of @sec at @offset into @buf. */
static int nvme_lm_get_state_piece(struct nvme_lm_sec *sec,
				   struct nvme_lm_dma *buf, u64 offset,
				   u32 len, u32 *dw0)
{
	struct nvme_lm_dev *nd = sec->nd;
	struct nvme_lm_dma piece = *buf;
	struct nvme_lm_sqe cmd;
	char what[80];
	int ret;

	ret = nvme_lm_cmd_get_state(&cmd, sec->hw.scid, nd->csvi, nd->csuuidi,
				    0, offset, len);
	if (ret)
		return ret;
	piece.len = len;
	snprintf(what, sizeof(what),
		 "Migration Receive (Get Controller State, controller %#x, offset %llu)",
		 sec->hw.scid, offset);
	return nvme_lm_cmd(nd, &cmd, &piece, dw0, what);
}

/* Read the whole state of the suspended @sec into a new buffer. */
static int nvme_lm_get_state(struct nvme_lm_sec *sec)
{
	struct nvme_lm_dev *nd = sec->nd;
	struct nvme_lm_mig *mig = &sec->mig;
	u32 step = nvme_lm_state_piece(nd);
	struct nvme_lm_cs_info info;
	struct nvme_lm_dma buf;
	u32 len, dw0 = 0;
	u64 off;
	void *state;
	int ret;

	ret = nvme_lm_dma_alloc(nd, &buf, nd->max_xfer);
	if (ret)
		return ret;
	/* The header first: it tells how much there is to read. */
	len = NVME_LM_CS_HDR_SIZE;
	ret = nvme_lm_get_state_piece(sec, &buf, 0, len, &dw0);
	if (ret)
		goto out;
	if (!(dw0 & NVME_LM_MRECV_CSUP))
		dev_warn(nvme_lm_dev(nd),
			 "controller %#x state read while not suspended\n",
			 sec->hw.scid);
	ret = nvme_lm_parse_cs_header(buf.cpu, len, &info);
	if (!ret && info.total_bytes > NVME_LM_MAX_STATE)
		ret = -EMSGSIZE;
	if (ret) {
		dev_err(nvme_lm_dev(nd),
			"controller %#x returned a state this driver cannot hold: %pe\n",
			sec->hw.scid, ERR_PTR(ret));
		goto out;
	}
	state = kvmalloc(info.total_bytes, GFP_KERNEL);
	if (!state) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(state, buf.cpu, len);
	for (off = len; off < info.total_bytes; off += len) {
		len = min_t(u64, step, info.total_bytes - off);
		ret = nvme_lm_get_state_piece(sec, &buf, off, len, NULL);
		if (ret) {
			kvfree(state);
			goto out;
		}
		memcpy(state + off, buf.cpu, len);
	}
	ret = nvme_lm_parse_cs(state, info.total_bytes,
			       sec->hw.nvq ? sec->hw.nvq - 1 : 0, &info);
	if (ret) {
		dev_err(nvme_lm_dev(nd),
			"controller %#x returned an inconsistent state: %pe\n",
			sec->hw.scid, ERR_PTR(ret));
		kvfree(state);
		goto out;
	}
	mig->state = state;
	mig->state_len = info.total_bytes;
	mig->state_sent = 0;
out:
	nvme_lm_dma_free(nd, &buf);
	return ret;
}

/* Hand the received state to the suspended @sec (RESUMING -> STOP). */
static int nvme_lm_set_state(struct nvme_lm_sec *sec)
{
	struct nvme_lm_dev *nd = sec->nd;
	struct nvme_lm_mig *mig = &sec->mig;
	u32 step = nvme_lm_state_piece(nd);
	struct nvme_lm_cs_info info;
	struct nvme_lm_dma buf;
	struct nvme_lm_sqe cmd;
	u64 off;
	u32 len;
	u8 seq;
	int ret;

	if (!nvme_lm_rx_complete(&mig->rx) || !mig->rbuf) {
		dev_err(nvme_lm_dev(nd),
			"controller %#x: the stream held no complete controller state\n",
			sec->hw.scid);
		return -EINVAL;
	}
	ret = nvme_lm_parse_cs(mig->rbuf, mig->rx.state_len,
			       sec->hw.nvq ? sec->hw.nvq - 1 : 0, &info);
	if (ret) {
		dev_err(nvme_lm_dev(nd),
			"controller %#x: received state refused: %s\n",
			sec->hw.scid,
			ret == -EMSGSIZE ? "more I/O queues than the controller has VQ resources" :
					   "inconsistent controller state");
		return ret;
	}
	ret = nvme_lm_dma_alloc(nd, &buf, nd->max_xfer);
	if (ret)
		return ret;
	for (off = 0; off < mig->rx.state_len; off += len) {
		struct nvme_lm_dma piece = buf;
		bool last;

		len = min_t(u64, step, mig->rx.state_len - off);
		last = off + len == mig->rx.state_len;
		if (!off)
			seq = last ? NVME_LM_SEQIND_ENTIRE : NVME_LM_SEQIND_FIRST;
		else
			seq = last ? NVME_LM_SEQIND_LAST : NVME_LM_SEQIND_MIDDLE;
		memcpy(buf.cpu, mig->rbuf + off, len);
		piece.len = len;
		ret = nvme_lm_cmd_set_state(&cmd, sec->hw.scid, nd->csvi,
					    nd->csuuidi, seq, off, len);
		if (!ret)
			ret = nvme_lm_msend(sec, &cmd, &piece,
					    "Set Controller State");
		if (ret)
			break;
	}
	nvme_lm_dma_free(nd, &buf);
	if (!ret && mig->rx.udc)
		dev_info(nvme_lm_dev(nd),
			 "controller %#x: state restored, %llu user data changes were logged at the source\n",
			 sec->hw.scid, mig->rx.udc);
	return ret;
}

static void nvme_lm_restore_end(struct nvme_lm_sec *sec)
{
	kvfree(sec->mig.rbuf);
	sec->mig.rbuf = NULL;
	sec->mig.rx = (struct nvme_lm_rx){};
	sec->mig.state_set = false;
}

static void nvme_lm_save_end(struct nvme_lm_sec *sec)
{
	kvfree(sec->mig.state);
	sec->mig.state = NULL;
	sec->mig.state_len = 0;
	sec->mig.state_sent = 0;
	sec->mig.desc_sent = false;
	sec->mig.udc_saved = 0;
}

/* Stop logging into the queue of @sec; it stays to be drained. */
static int nvme_lm_udc_stop(struct nvme_lm_sec *sec)
{
	struct nvme_lm_cdq *cdq = sec->mig.cdq;
	struct nvme_lm_sqe cmd;
	int ret;

	if (!cdq || !cdq->logging)
		return 0;
	nvme_lm_cmd_track_udc(&cmd, NVME_LM_LACT_STOP, cdq->cdqid);
	ret = nvme_lm_cmd(sec->nd, &cmd, NULL, NULL,
			  "Track Send (stop logging user data changes)");
	if (!ret)
		cdq->logging = false;
	return ret;
}

/* Log into the queue of @sec again after nvme_lm_udc_stop(). */
static int nvme_lm_udc_restart(struct nvme_lm_sec *sec)
{
	struct nvme_lm_cdq *cdq = sec->mig.cdq;
	struct nvme_lm_sqe cmd;
	int ret;

	if (!cdq || cdq->logging)
		return 0;
	nvme_lm_cmd_track_udc(&cmd, NVME_LM_LACT_START, cdq->cdqid);
	ret = nvme_lm_cmd(sec->nd, &cmd, NULL, NULL,
			  "Track Send (start logging user data changes)");
	if (!ret)
		cdq->logging = true;
	return ret;
}

/* Stop logging and delete the queue of @sec. */
static void nvme_lm_udc_destroy(struct nvme_lm_sec *sec)
{
	struct nvme_lm_cdq *cdq = sec->mig.cdq;
	struct nvme_lm_dev *nd = sec->nd;
	struct nvme_lm_sqe cmd;

	if (!cdq)
		return;
	nvme_lm_udc_stop(sec);
	nvme_lm_cmd_cdq_delete(&cmd, cdq->cdqid);
	if (nvme_lm_cmd(nd, &cmd, NULL, NULL, "Controller Data Queue (Delete)")) {
		/* The controller may still write it: never free it. */
		dev_warn(nvme_lm_dev(nd),
			 "controller data queue %#x of controller %#x kept: it could not be deleted\n",
			 cdq->cdqid, sec->hw.scid);
	} else {
		nvme_lm_dma_free(nd, &cdq->mem);
		kfree(cdq);
	}
	sec->mig.cdq = NULL;
}

/* Create the User Data Migration Queue of @sec and start logging into it. */
static int nvme_lm_udc_start(struct nvme_lm_sec *sec)
{
	struct nvme_lm_dev *nd = sec->nd;
	struct nvme_lm_cdq *cdq;
	struct nvme_lm_sqe cmd;
	u32 dw0;
	int ret;

	cdq = kzalloc(sizeof(*cdq), GFP_KERNEL);
	if (!cdq)
		return -ENOMEM;
	ret = nvme_lm_dma_alloc(nd, &cdq->mem,
				NVME_LM_UDMQ_ENTRIES * NVME_LM_UDMQ_ENTRY_SIZE);
	if (ret)
		goto err_free;
	/* Zeroed memory: no entry carries phase tag 1 before it is written. */
	memset(cdq->mem.cpu, 0, cdq->mem.len);
	cdq->ring = (struct nvme_lm_ring){
		.entries = NVME_LM_UDMQ_ENTRIES,
		.phase = true,
	};
	ret = nvme_lm_cmd_cdq_create(&cmd, sec->hw.scid, cdq->mem.len / 4);
	if (ret)
		goto err_dma;
	/* Physically contiguous: PRP1 alone points at the queue. */
	cmd.prp1 = cpu_to_le64(cdq->mem.dma);
	ret = nvme_lm_cmd(nd, &cmd, NULL, &dw0,
			  "Controller Data Queue (Create User Data Migration Queue)");
	if (ret)
		goto err_dma;
	cdq->cdqid = nvme_lm_cdq_create_id(dw0);
	sec->mig.cdq = cdq;

	nvme_lm_cmd_track_udc(&cmd, NVME_LM_LACT_START, cdq->cdqid);
	ret = nvme_lm_cmd(nd, &cmd, NULL, NULL,
			  "Track Send (start logging user data changes)");
	if (ret) {
		nvme_lm_udc_destroy(sec);
		return ret;
	}
	cdq->logging = true;
	return 0;

err_dma:
	nvme_lm_dma_free(nd, &cdq->mem);
err_free:
	kfree(cdq);
	return ret;
}

/*
 * Move logged changes from the queue of @sec into a UDC chunk in @buf (at
 * most @len bytes) and tell the controller how far the host has read.
 * Returns the chunk's size, 0 when there is nothing, or -errno.
 */
static ssize_t nvme_lm_udc_drain(struct nvme_lm_sec *sec, void *buf,
				 size_t len)
{
	struct nvme_lm_cdq *cdq = sec->mig.cdq;
	struct nvme_lm_sqe cmd;
	struct nvme_lm_udc udc;
	size_t room, n = 0;
	int ret;

	if (!cdq || len < NVME_LM_CHUNK_HDR_SIZE + NVME_LM_UDC_WIRE_SIZE)
		return 0;
	room = (len - NVME_LM_CHUNK_HDR_SIZE) / NVME_LM_UDC_WIRE_SIZE;
	while (n < room) {
		ret = nvme_lm_udmq_pop(&cdq->ring, cdq->mem.cpu, &udc);
		if (ret == -EAGAIN)
			break;
		if (ret) {
			dev_err(nvme_lm_dev(sec->nd),
				"controller %#x logged a malformed user data change\n",
				sec->hw.scid);
			return ret;
		}
		nvme_lm_put_udc(buf + NVME_LM_CHUNK_HDR_SIZE +
				n++ * NVME_LM_UDC_WIRE_SIZE, &udc);
	}
	if (!n)
		return 0;
	nvme_lm_cmd_cdq_set_head(&cmd, cdq->cdqid, cdq->ring.head);
	ret = nvme_lm_cmd(sec->nd, &cmd, NULL, NULL,
			  "Set Features (Controller Data Queue head)");
	if (ret)
		return ret;
	nvme_lm_put_chunk_hdr(buf, NVME_LM_CHUNK_UDC, n * NVME_LM_UDC_WIRE_SIZE,
			      sec->mig.udc_saved, 0);
	sec->mig.udc_saved += n;
	return NVME_LM_CHUNK_HDR_SIZE + n * NVME_LM_UDC_WIRE_SIZE;
}

static int nvme_lm_step(struct lm_fn *fn, enum lm_mig_state cur,
			enum lm_mig_state next)
{
	struct nvme_lm_sec *sec = fn->drvdata;
	int ret;

	switch (cur << 4 | next) {
	case LM_MIG_STATE_RUNNING << 4 | LM_MIG_STATE_STOP:
		return nvme_lm_suspend(sec);
	case LM_MIG_STATE_STOP << 4 | LM_MIG_STATE_RUNNING:
		return nvme_lm_resume(sec, true);
	case LM_MIG_STATE_RUNNING << 4 | LM_MIG_STATE_PRE_COPY:
		return nvme_lm_udc_start(sec);
	case LM_MIG_STATE_PRE_COPY << 4 | LM_MIG_STATE_RUNNING:
		nvme_lm_udc_destroy(sec);
		nvme_lm_save_end(sec);
		return 0;
	case LM_MIG_STATE_PRE_COPY << 4 | LM_MIG_STATE_STOP_COPY:
		ret = nvme_lm_suspend(sec);
		if (ret)
			return ret;
		ret = nvme_lm_udc_stop(sec);
		if (!ret)
			ret = nvme_lm_get_state(sec);
		/* Back to PRE_COPY, logging again, or to ERROR. */
		if (ret && (nvme_lm_resume(sec, false) ||
			    nvme_lm_udc_restart(sec)))
			lm_fn_set_error(fn);
		return ret;
	case LM_MIG_STATE_STOP << 4 | LM_MIG_STATE_STOP_COPY:
		return nvme_lm_get_state(sec);
	case LM_MIG_STATE_STOP_COPY << 4 | LM_MIG_STATE_STOP:
		nvme_lm_udc_destroy(sec);
		nvme_lm_save_end(sec);
		return 0;
	case LM_MIG_STATE_STOP << 4 | LM_MIG_STATE_RESUMING:
		nvme_lm_restore_end(sec);
		return 0;
	case LM_MIG_STATE_RESUMING << 4 | LM_MIG_STATE_STOP:
		/*
		 * The controller normally took the state already, on the
		 * write that completed it. On failure the function stays in
		 * RESUMING, state kept.
		 */
		ret = sec->mig.state_set ? 0 : nvme_lm_set_state(sec);
		if (!ret)
			nvme_lm_restore_end(sec);
		return ret;
	default:
		WARN_ONCE(1, "nvme-lm: unexpected arc %u -> %u\n", cur, next);
		return -EINVAL;
	}
}

static ssize_t nvme_lm_save(struct lm_fn *fn, void *buf, size_t len)
{
	struct nvme_lm_sec *sec = fn->drvdata;
	struct nvme_lm_mig *mig = &sec->mig;
	size_t done = 0, n;
	ssize_t ret;

	if (!mig->desc_sent) {
		nvme_lm_put_desc(buf, sec->nd->cs_ver);
		done = NVME_LM_DESC_CHUNK;
		mig->desc_sent = true;
	}
	/* Changes logged so far come before the state. */
	ret = nvme_lm_udc_drain(sec, buf + done, len - done);
	if (ret < 0)
		return ret;
	done += ret;
	if (ret || !mig->state)
		return done;

	if (mig->state_sent < mig->state_len &&
	    len - done > NVME_LM_CHUNK_HDR_SIZE) {
		n = min(len - done - NVME_LM_CHUNK_HDR_SIZE,
			mig->state_len - mig->state_sent);
		nvme_lm_put_chunk_hdr(buf + done, NVME_LM_CHUNK_STATE, n,
				      mig->state_sent, mig->state_len);
		memcpy(buf + done + NVME_LM_CHUNK_HDR_SIZE,
		       mig->state + mig->state_sent, n);
		mig->state_sent += n;
		done += NVME_LM_CHUNK_HDR_SIZE + n;
	}
	return done;
}

static int nvme_lm_restore(struct lm_fn *fn, const void *buf, size_t len)
{
	struct nvme_lm_sec *sec = fn->drvdata;
	struct nvme_lm_mig *mig = &sec->mig;
	struct nvme_lm_chunk c;
	int n, ret;

	while (len) {
		n = nvme_lm_chunk_next(buf, len, &c);
		if (n < 0)
			return n;
		ret = nvme_lm_rx_chunk(&mig->rx, &c, sec->nd->cs_ver,
				       NVME_LM_MAX_STATE);
		if (ret)
			return ret;
		if (c.type == NVME_LM_CHUNK_STATE) {
			if (!mig->rbuf) {
				mig->rbuf = kvmalloc(mig->rx.state_total,
						     GFP_KERNEL);
				if (!mig->rbuf)
					return -ENOMEM;
			}
			memcpy(mig->rbuf + c.offset, c.data, c.len);
		}
		buf += n;
		len -= n;
	}

	/*
	 * The state comes last in the stream: give it to the controller as
	 * soon as it is whole, so that a destination that cannot take it
	 * refuses it on the write that completes it. A VMM that leaves
	 * RESUMING only when it starts the VM (QEMU) could no longer fail
	 * the migration then, and the source would have stopped for good.
	 */
	if (!mig->state_set && mig->rbuf && nvme_lm_rx_complete(&mig->rx)) {
		ret = nvme_lm_set_state(sec);
		if (ret)
			return ret;
		mig->state_set = true;
	}
	return 0;
}

static int nvme_lm_precopy_info(struct lm_fn *fn, u64 *initial_bytes,
				u64 *dirty_bytes)
{
	struct nvme_lm_sec *sec = fn->drvdata;
	struct nvme_lm_cdq *cdq = sec->mig.cdq;
	u32 pending;

	*initial_bytes = sec->mig.desc_sent ? 0 : NVME_LM_DESC_CHUNK;
	*dirty_bytes = 0;
	if (cdq) {
		pending = nvme_lm_udmq_pending(&cdq->ring, cdq->mem.cpu,
					       cdq->ring.entries);
		if (pending)
			*dirty_bytes = NVME_LM_CHUNK_HDR_SIZE +
				       pending * NVME_LM_UDC_WIRE_SIZE;
	}
	return 0;
}

static int nvme_lm_data_size(struct lm_fn *fn, u64 *stop_copy_bytes)
{
	struct nvme_lm_sec *sec = fn->drvdata;
	struct nvme_lm_mig *mig = &sec->mig;
	u64 queues = sec->hw.nvq ? sec->hw.nvq - 1 : 0;
	u64 initial, dirty;

	nvme_lm_precopy_info(fn, &initial, &dirty);
	if (mig->state)
		*stop_copy_bytes = initial + dirty + NVME_LM_CHUNK_HDR_SIZE +
				   mig->state_len - mig->state_sent;
	else
		/* Before the stop: the NVMe state of every queue it may have. */
		*stop_copy_bytes = initial + dirty + NVME_LM_CHUNK_HDR_SIZE +
				   NVME_LM_CS_HDR_SIZE + NVME_LM_NVMECS_HDR_SIZE +
				   2 * queues * NVME_LM_CS_QUEUE_SIZE;
	return 0;
}

static int nvme_lm_reset(struct lm_fn *fn)
{
	struct nvme_lm_sec *sec = fn->drvdata;
	bool online;

	nvme_lm_udc_destroy(sec);
	nvme_lm_save_end(sec);
	nvme_lm_restore_end(sec);
	/*
	 * An offline controller cannot be suspended, and refuses a Resume
	 * (Invalid Secondary Controller State): there is nothing to undo.
	 */
	scoped_guard(mutex, &sec->nd->prov_lock)
		online = sec->hw.online;
	if (!online) {
		sec->mig.suspended = false;
		return 0;
	}
	return nvme_lm_resume(sec, true);
}

const struct lm_ops nvme_lm_ops = {
	.fn_query = nvme_lm_fn_query,
	.provision = nvme_lm_provision,
	.step = nvme_lm_step,
	.save = nvme_lm_save,
	.restore = nvme_lm_restore,
	.precopy_info = nvme_lm_precopy_info,
	.data_size = nvme_lm_data_size,
	.reset = nvme_lm_reset,
};

/**
 * nvme_lm_mig_init - Find out whether and how the controller migrates its
 *	secondary controllers
 * @nd: The device, Identify Controller read
 *
 * A controller without Host Managed Live Migration, or without an NVMe
 * controller state format this driver knows, is registered for
 * provisioning only; the reason goes to the kernel log once.
 *
 * Return: the &enum lm_mig_caps to register with, or -errno.
 */
int nvme_lm_mig_init(struct nvme_lm_dev *nd)
{
	struct nvme_lm_state_fmts *fmts __free(kfree) = NULL;
	struct device *dev = nvme_lm_dev(nd);
	struct nvme_lm_dma buf;
	int ret, csvi;

	if (!(nd->id.oacs & NVME_LM_OACS_HMLMS)) {
		dev_info(dev,
			 "live migration unavailable: the controller does not support Host Managed Live Migration (Identify Controller OACS bit 11 is clear); secondary controllers can be provisioned but not migrated\n");
		return 0;
	}
	fmts = kzalloc(sizeof(*fmts), GFP_KERNEL);
	if (!fmts)
		return -ENOMEM;
	ret = nvme_lm_dma_alloc(nd, &buf, NVME_LM_IDENTIFY_SIZE);
	if (ret)
		return ret;
	ret = nvme_lm_identify(nd, NVME_LM_CNS_CTRL_STATE_FMTS, 0, &buf);
	if (!ret)
		ret = nvme_lm_parse_state_fmts(buf.cpu, buf.len, fmts);
	nvme_lm_dma_free(nd, &buf);
	if (ret) {
		dev_info(dev,
			 "live migration unavailable: the Supported Controller State Formats cannot be read (%pe)\n",
			 ERR_PTR(ret));
		return 0;
	}
	csvi = nvme_lm_state_fmts_find(fmts, NVME_LM_CS_VERSION);
	if (csvi < 0) {
		dev_info(dev,
			 "live migration unavailable: the controller offers %u NVMe controller state formats, none of version %u\n",
			 fmts->nv, NVME_LM_CS_VERSION);
		return 0;
	}
	nd->hmlms = true;
	nd->csvi = csvi;
	nd->cs_ver = NVME_LM_CS_VERSION;
	/*
	 * The NVMe controller state holds the I/O queues only. What else a
	 * secondary controller needs to go on where it stopped (its
	 * registers, its admin queue) is in the controller's own vendor
	 * specific format: take it when the controller lists one, as the
	 * state then travels between controllers of one model only (the
	 * compatibility key names the format).
	 */
	if (fmts->nuuid) {
		nd->csuuidi = 1;
		memcpy(nd->cs_uuid, fmts->uuids[0], sizeof(nd->cs_uuid));
	}
	nd->udc = (nd->id.trattr & NVME_LM_TRATTR_TUDCS) && nd->id.mcudmq;
	if (nd->csuuidi)
		dev_info(dev,
			 "live migration: controller state format version %u (index %d) with vendor specific format %pUb, user data change logging %s\n",
			 nd->cs_ver, csvi, nd->cs_uuid,
			 nd->udc ? "supported" : "not supported");
	else
		dev_info(dev,
			 "live migration: controller state format version %u (index %d), user data change logging %s\n",
			 nd->cs_ver, csvi, nd->udc ? "supported" : "not supported");
	return LM_MIG_STOP_COPY | (nd->udc ? LM_MIG_PRE_COPY : 0);
}

/**
 * nvme_lm_mig_teardown - Drop what migration sessions hold
 * @nd: The device, unregistered from the core, controller still enabled
 */
void nvme_lm_mig_teardown(struct nvme_lm_dev *nd)
{
	unsigned int i;

	for (i = 0; i < nd->nr_secs; i++) {
		struct nvme_lm_sec *sec = &nd->secs[i];

		nvme_lm_udc_destroy(sec);
		nvme_lm_save_end(sec);
		nvme_lm_restore_end(sec);
	}
}
