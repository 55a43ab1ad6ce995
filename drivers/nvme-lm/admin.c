// SPDX-License-Identifier: GPL-2.0
/*
 * nvme-lm: the primary controller's admin path. One admin queue pair in
 * coherent DMA memory, command identifiers made of a slot and a generation,
 * completion by MSI-X (or MSI, INTx) or by polling, command timeouts that
 * reset the controller, and enabling, disabling and resetting it with the
 * CSTS.RDY handshake.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/module.h>
#include <linux/nvme.h>

#include "nvme_lm.h"

static unsigned int nvme_lm_admin_timeout = 10;
module_param_named(admin_timeout, nvme_lm_admin_timeout, uint, 0644);
MODULE_PARM_DESC(admin_timeout, "Admin command timeout in seconds (default 10)");

static bool nvme_lm_poll;
module_param_named(poll, nvme_lm_poll, bool, 0444);
MODULE_PARM_DESC(poll, "Poll for admin completions instead of using an interrupt");

#define NVME_LM_SQ_BYTES (NVME_LM_AQ_DEPTH * sizeof(struct nvme_lm_sqe))
#define NVME_LM_CQ_BYTES (NVME_LM_AQ_DEPTH * sizeof(struct nvme_lm_cqe))

static bool nvme_lm_csts_gone(u32 csts)
{
	return csts == ~0U;
}

static u32 nvme_lm_csts(struct nvme_lm_dev *nd)
{
	return readl(nd->bar + NVME_REG_CSTS);
}

/*
 * Consume the completions the controller posted. Called with the queue lock
 * held, from the interrupt handler or a polling submitter.
 */
static bool nvme_lm_process_cq(struct nvme_lm_dev *nd)
{
	struct nvme_lm_admin *aq = &nd->aq;
	bool found = false;

	lockdep_assert_held(&aq->lock);
	for (;;) {
		struct nvme_lm_cqe *cqe = &aq->cq[aq->cq_head];
		u16 status = le16_to_cpu(READ_ONCE(cqe->status));
		struct nvme_lm_req *req = NULL;
		unsigned int slot;
		u16 cid;

		if ((status & 1) != aq->cq_phase)
			break;
		/* The entry's other fields are read after its phase tag. */
		dma_rmb();
		found = true;
		cid = le16_to_cpu(cqe->cid);
		slot = cid & ((1 << NVME_LM_CID_SLOT_BITS) - 1);
		if (slot < NVME_LM_AQ_SLOTS)
			req = &aq->reqs[slot];
		if (!req || !req->busy || req->cid != cid) {
			dev_warn_ratelimited(nvme_lm_dev(nd),
					     "completion for unknown command id %#x\n",
					     cid);
		} else if (req->abandoned) {
			/* Its submitter is gone: free the slot here. */
			req->busy = false;
			req->abandoned = false;
			wake_up(&aq->wait);
		} else {
			req->status = status >> 1;
			req->dw0 = le32_to_cpu(cqe->dw0);
			complete(&req->done);
		}
		if (++aq->cq_head == NVME_LM_AQ_DEPTH) {
			aq->cq_head = 0;
			aq->cq_phase = !aq->cq_phase;
		}
	}
	if (found)
		writel(aq->cq_head, aq->cq_db);
	return found;
}

static irqreturn_t nvme_lm_irq(int irq, void *data)
{
	struct nvme_lm_dev *nd = data;
	bool found;

	spin_lock(&nd->aq.lock);
	found = nvme_lm_process_cq(nd);
	spin_unlock(&nd->aq.lock);
	return found ? IRQ_HANDLED : IRQ_NONE;
}

/* Can a submitter make progress: a free slot, or a final state? */
static bool nvme_lm_slot_ready(struct nvme_lm_admin *aq)
{
	bool ready = false;
	unsigned int i;

	spin_lock_irq(&aq->lock);
	if (aq->state == NVME_LM_CTRL_DEAD)
		ready = true;
	else if (aq->state == NVME_LM_CTRL_LIVE)
		for (i = 0; i < NVME_LM_AQ_SLOTS && !ready; i++)
			ready = !aq->reqs[i].busy;
	spin_unlock_irq(&aq->lock);
	return ready;
}

/* Take a free slot; -errno when the controller is not usable. */
static int nvme_lm_get_slot(struct nvme_lm_dev *nd, struct nvme_lm_req **reqp)
{
	struct nvme_lm_admin *aq = &nd->aq;
	unsigned long timeout = nvme_lm_admin_timeout * HZ;
	unsigned int i;
	long left;

	for (;;) {
		scoped_guard(spinlock_irq, &aq->lock) {
			if (aq->state == NVME_LM_CTRL_DEAD)
				return -ENODEV;
			if (aq->state == NVME_LM_CTRL_LIVE) {
				for (i = 0; i < NVME_LM_AQ_SLOTS; i++) {
					struct nvme_lm_req *req = &aq->reqs[i];

					if (req->busy)
						continue;
					req->busy = true;
					req->abandoned = false;
					req->err = 0;
					req->status = 0;
					req->dw0 = 0;
					aq->gen = (aq->gen + 1) &
						  (0xffff >> NVME_LM_CID_SLOT_BITS);
					req->cid = aq->gen << NVME_LM_CID_SLOT_BITS | i;
					reinit_completion(&req->done);
					*reqp = req;
					return 0;
				}
			}
		}
		/* No slot, or a reset in progress: wait, but not forever. */
		left = wait_event_timeout(aq->wait, nvme_lm_slot_ready(aq),
					  timeout);
		if (!left)
			return -EIO;
		timeout = left;
	}
}

static void nvme_lm_put_slot(struct nvme_lm_dev *nd, struct nvme_lm_req *req)
{
	scoped_guard(spinlock_irq, &nd->aq.lock)
		req->busy = false;
	wake_up(&nd->aq.wait);
}

/* Wait for @req; polls the completion queue when there is no interrupt. */
static bool nvme_lm_wait(struct nvme_lm_dev *nd, struct nvme_lm_req *req)
{
	unsigned long deadline = jiffies + nvme_lm_admin_timeout * HZ;

	if (nd->aq.irq >= 0)
		return wait_for_completion_timeout(&req->done,
						   nvme_lm_admin_timeout * HZ);
	for (;;) {
		scoped_guard(spinlock_irq, &nd->aq.lock)
			nvme_lm_process_cq(nd);
		if (try_wait_for_completion(&req->done))
			return true;
		if (time_after(jiffies, deadline))
			return false;
		usleep_range(50, 200);
	}
}

/**
 * nvme_lm_exec - Run one admin command and wait for it
 * @nd: The device
 * @cmd: The command; its identifier and data pointer are filled in here
 * @buf: The data buffer, or NULL
 * @dw0: Completion dword 0 on success, or NULL
 * @status: The completion's status field, phase tag removed, or NULL
 *
 * On a timeout the controller is reset before this returns, so that it no
 * longer owns @buf. May sleep.
 *
 * Return: 0 when the command completed (whatever its status), -ETIMEDOUT,
 * -ENODEV when the device is gone, -EIO when the command was aborted by a
 * reset of the controller.
 */
int nvme_lm_exec(struct nvme_lm_dev *nd, struct nvme_lm_sqe *cmd,
		 struct nvme_lm_dma *buf, u32 *dw0, u16 *status)
{
	struct nvme_lm_admin *aq = &nd->aq;
	struct nvme_lm_req *req;
	int ret;

	if (buf) {
		ret = nvme_lm_prp_setup(cmd, buf->dma, buf->len, buf->prp_list,
					buf->prp_dma);
		if (ret < 0)
			return ret;
	}
	ret = nvme_lm_get_slot(nd, &req);
	if (ret)
		return ret;

	scoped_guard(spinlock_irq, &aq->lock) {
		if (aq->state != NVME_LM_CTRL_LIVE) {
			ret = aq->state == NVME_LM_CTRL_DEAD ? -ENODEV : -EIO;
		} else {
			cmd->cid = cpu_to_le16(req->cid);
			memcpy(&aq->sq[aq->sq_tail], cmd, sizeof(*cmd));
			if (++aq->sq_tail == NVME_LM_AQ_DEPTH)
				aq->sq_tail = 0;
			/* writel() orders the entry before the doorbell. */
			writel(aq->sq_tail, aq->sq_db);
		}
	}
	if (ret) {
		nvme_lm_put_slot(nd, req);
		return ret;
	}

	if (!nvme_lm_wait(nd, req)) {
		bool gone = nvme_lm_csts_gone(nvme_lm_csts(nd));
		bool abandoned = false;

		scoped_guard(spinlock_irq, &aq->lock) {
			/* It may have completed since the wait gave up. */
			if (!completion_done(&req->done)) {
				req->abandoned = true;
				abandoned = true;
			}
		}
		if (abandoned) {
			dev_err(nvme_lm_dev(nd),
				"admin command %#x (cid %#x) timed out after %us%s\n",
				cmd->opcode, req->cid, nvme_lm_admin_timeout,
				gone ? ": device gone" : ", resetting the controller");
			/* The controller must let go of @buf before we return. */
			queue_work(system_unbound_wq, &nd->reset_work);
			flush_work(&nd->reset_work);
			return gone ? -ENODEV : -ETIMEDOUT;
		}
	}

	scoped_guard(spinlock_irq, &aq->lock) {
		ret = req->err;
		if (dw0)
			*dw0 = req->dw0;
		if (status)
			*status = req->status;
	}
	nvme_lm_put_slot(nd, req);
	return ret;
}

/**
 * nvme_lm_cmd - Run one admin command; report a failure in the kernel log
 * @nd: The device
 * @cmd: The command
 * @buf: The data buffer, or NULL
 * @dw0: Completion dword 0 on success, or NULL
 * @what: What the command does, for the log
 *
 * Return: 0, or the -errno of the failure: nvme_lm_status_errno() of a
 * failed status, or what nvme_lm_exec() returned.
 */
int nvme_lm_cmd(struct nvme_lm_dev *nd, struct nvme_lm_sqe *cmd,
		struct nvme_lm_dma *buf, u32 *dw0, const char *what)
{
	u16 status;
	int ret;

	ret = nvme_lm_exec(nd, cmd, buf, dw0, &status);
	if (ret) {
		dev_err(nvme_lm_dev(nd), "%s: command not completed: %pe\n",
			what, ERR_PTR(ret));
		return ret;
	}
	ret = nvme_lm_status_errno(status);
	if (ret)
		dev_err(nvme_lm_dev(nd),
			"%s failed: %s (status %#05x: sct %#x sc %#04x%s) -> %pe\n",
			what, nvme_lm_status_name(status), status & 0x7ff,
			NVME_LM_SCT(status), NVME_LM_SC(status),
			status & NVME_LM_DNR ? ", do not retry" : "",
			ERR_PTR(ret));
	return ret;
}

/**
 * nvme_lm_dma_alloc - Allocate a data buffer commands can transfer
 * @nd: The device
 * @buf: Filled in
 * @len: Bytes, at most NVME_LM_PRP_MAX_LEN
 *
 * Return: 0 or -ENOMEM, -EINVAL.
 */
int nvme_lm_dma_alloc(struct nvme_lm_dev *nd, struct nvme_lm_dma *buf,
		      size_t len)
{
	struct device *dev = nvme_lm_dev(nd);

	memset(buf, 0, sizeof(*buf));
	if (!len || len > NVME_LM_PRP_MAX_LEN)
		return -EINVAL;
	buf->cpu = dma_alloc_coherent(dev, len, &buf->dma, GFP_KERNEL);
	if (!buf->cpu)
		return -ENOMEM;
	buf->len = len;
	if (len > 2 * NVME_LM_PAGE_SIZE) {
		buf->prp_list = dma_alloc_coherent(dev, NVME_LM_PAGE_SIZE,
						   &buf->prp_dma, GFP_KERNEL);
		if (!buf->prp_list) {
			nvme_lm_dma_free(nd, buf);
			return -ENOMEM;
		}
	}
	return 0;
}

void nvme_lm_dma_free(struct nvme_lm_dev *nd, struct nvme_lm_dma *buf)
{
	struct device *dev = nvme_lm_dev(nd);

	if (buf->prp_list)
		dma_free_coherent(dev, NVME_LM_PAGE_SIZE, buf->prp_list,
				  buf->prp_dma);
	if (buf->cpu)
		dma_free_coherent(dev, buf->len, buf->cpu, buf->dma);
	memset(buf, 0, sizeof(*buf));
}

/**
 * nvme_lm_identify - Identify into @buf (NVME_LM_IDENTIFY_SIZE bytes)
 * @nd: The device
 * @cns: What to identify
 * @cntid: Controller identifier where a controller list starts, else 0
 * @buf: A buffer of NVME_LM_IDENTIFY_SIZE bytes
 *
 * Return: 0 or -errno, reported in the kernel log.
 */
int nvme_lm_identify(struct nvme_lm_dev *nd, u8 cns, u16 cntid,
		     struct nvme_lm_dma *buf)
{
	struct nvme_lm_sqe cmd;
	char what[48];

	snprintf(what, sizeof(what), "Identify (CNS %#04x, CNTID %#x)", cns,
		 cntid);
	memset(buf->cpu, 0, buf->len);
	nvme_lm_cmd_identify(&cmd, cns, cntid);
	return nvme_lm_cmd(nd, &cmd, buf, NULL, what);
}

/* Wait until CSTS.RDY is @rdy; CFS or a timeout fail. */
static int nvme_lm_wait_ready(struct nvme_lm_dev *nd, bool rdy)
{
	unsigned long deadline = jiffies +
				 msecs_to_jiffies(nd->ready_timeout_ms);
	u32 csts;

	for (;;) {
		csts = nvme_lm_csts(nd);
		if (nvme_lm_csts_gone(csts))
			return -ENODEV;
		if (!!(csts & NVME_CSTS_RDY) == rdy)
			return 0;
		if (rdy && (csts & NVME_CSTS_CFS)) {
			dev_err(nvme_lm_dev(nd),
				"controller fatal status while enabling (CSTS %#x)\n",
				csts);
			return -EIO;
		}
		if (time_after(jiffies, deadline)) {
			dev_err(nvme_lm_dev(nd),
				"controller not %s after %ums (CSTS %#x)\n",
				rdy ? "ready" : "disabled",
				nd->ready_timeout_ms, csts);
			return -ETIMEDOUT;
		}
		usleep_range(1000, 2000);
	}
}

/*
 * Give up every command in flight with @err; their submitters return it.
 * The controller no longer processes them (it is disabled or gone).
 */
static void nvme_lm_abort_all(struct nvme_lm_dev *nd, int err)
{
	struct nvme_lm_admin *aq = &nd->aq;
	unsigned int i;

	spin_lock_irq(&aq->lock);
	for (i = 0; i < NVME_LM_AQ_SLOTS; i++) {
		struct nvme_lm_req *req = &aq->reqs[i];

		if (!req->busy || completion_done(&req->done))
			continue;
		if (req->abandoned) {
			req->busy = false;
			req->abandoned = false;
			continue;
		}
		req->err = err;
		complete(&req->done);
	}
	spin_unlock_irq(&aq->lock);
	wake_up(&aq->wait);
}

static void nvme_lm_set_state(struct nvme_lm_dev *nd,
			      enum nvme_lm_ctrl_state state)
{
	scoped_guard(spinlock_irq, &nd->aq.lock) {
		/* A dead controller stays dead. */
		if (nd->aq.state != NVME_LM_CTRL_DEAD)
			nd->aq.state = state;
	}
	wake_up(&nd->aq.wait);
}

/* Clear CC.EN and wait for CSTS.RDY to follow; -ENODEV when gone. */
static int nvme_lm_disable_locked(struct nvme_lm_dev *nd, bool shutdown)
{
	u32 cc = readl(nd->bar + NVME_REG_CC);
	int ret;

	lockdep_assert_held(&nd->reset_lock);
	if (nvme_lm_csts_gone(nvme_lm_csts(nd)))
		return -ENODEV;
	if (shutdown && (cc & NVME_CC_ENABLE)) {
		unsigned long deadline = jiffies +
					 msecs_to_jiffies(nd->ready_timeout_ms);

		writel((cc & ~NVME_CC_SHN_MASK) | NVME_CC_SHN_NORMAL,
		       nd->bar + NVME_REG_CC);
		while ((nvme_lm_csts(nd) & NVME_CSTS_SHST_MASK) !=
		       NVME_CSTS_SHST_CMPLT) {
			if (time_after(jiffies, deadline)) {
				dev_warn(nvme_lm_dev(nd),
					 "shutdown not complete, disabling\n");
				break;
			}
			usleep_range(1000, 2000);
		}
		cc = readl(nd->bar + NVME_REG_CC);
	}
	writel(cc & ~(NVME_CC_ENABLE | NVME_CC_SHN_MASK), nd->bar + NVME_REG_CC);
	ret = nvme_lm_wait_ready(nd, false);
	return ret;
}

/* Program the admin queue and set CC.EN; the controller must be disabled. */
static int nvme_lm_enable_locked(struct nvme_lm_dev *nd)
{
	struct nvme_lm_admin *aq = &nd->aq;
	u32 aqa = (NVME_LM_AQ_DEPTH - 1) | (NVME_LM_AQ_DEPTH - 1) << 16;
	u32 css, cc;
	int ret;

	lockdep_assert_held(&nd->reset_lock);
	/* The admin command set alone is all a migration controller needs. */
	css = NVME_CAP_CSS(nd->cap) & NVME_CAP_CSS_NVM ? NVME_CC_CSS_NVM :
							 NVME_CC_CSS_MASK;

	scoped_guard(spinlock_irq, &aq->lock) {
		memset(aq->cq, 0, NVME_LM_CQ_BYTES);
		aq->sq_tail = 0;
		aq->cq_head = 0;
		aq->cq_phase = true;
	}
	writel(aqa, nd->bar + NVME_REG_AQA);
	lo_hi_writeq(aq->sq_dma, nd->bar + NVME_REG_ASQ);
	lo_hi_writeq(aq->cq_dma, nd->bar + NVME_REG_ACQ);

	cc = NVME_CC_ENABLE | css | NVME_CC_AMS_RR | NVME_CC_SHN_NONE |
	     NVME_CC_IOSQES | NVME_CC_IOCQES;
	/* MPS 0: 4 KiB memory pages. */
	writel(cc, nd->bar + NVME_REG_CC);
	ret = nvme_lm_wait_ready(nd, true);
	if (ret)
		return ret;
	nvme_lm_set_state(nd, NVME_LM_CTRL_LIVE);
	return 0;
}

/**
 * nvme_lm_ctrl_enable - Disable the controller if it is enabled, then
 *	enable it with the driver's admin queue
 * @nd: The device
 *
 * Return: 0 or -errno, reported in the kernel log.
 */
int nvme_lm_ctrl_enable(struct nvme_lm_dev *nd)
{
	int ret;

	guard(mutex)(&nd->reset_lock);
	ret = nvme_lm_disable_locked(nd, false);
	if (!ret)
		ret = nvme_lm_enable_locked(nd);
	if (ret == -ENODEV)
		nvme_lm_ctrl_kill(nd);
	return ret;
}

/**
 * nvme_lm_ctrl_disable - Stop the controller for good (unbind, removal)
 * @nd: The device
 * @shutdown: Notify a normal shutdown first (CC.SHN)
 *
 * Commands in flight fail with -ENODEV, as does every later one.
 */
void nvme_lm_ctrl_disable(struct nvme_lm_dev *nd, bool shutdown)
{
	scoped_guard(mutex, &nd->reset_lock) {
		nvme_lm_set_state(nd, NVME_LM_CTRL_DISABLED);
		nvme_lm_disable_locked(nd, shutdown);
	}
	nvme_lm_ctrl_kill(nd);
}

/**
 * nvme_lm_ctrl_quiesce - Disable the controller until it is enabled again
 * @nd: The device
 *
 * For a reset of the function (FLR): commands in flight fail with -EIO,
 * later ones wait for nvme_lm_ctrl_enable().
 */
void nvme_lm_ctrl_quiesce(struct nvme_lm_dev *nd)
{
	int ret;

	scoped_guard(mutex, &nd->reset_lock) {
		nvme_lm_set_state(nd, NVME_LM_CTRL_DISABLED);
		ret = nvme_lm_disable_locked(nd, false);
	}
	nvme_lm_abort_all(nd, ret == -ENODEV ? -ENODEV : -EIO);
}

/**
 * nvme_lm_ctrl_kill - Declare the controller gone
 * @nd: The device
 *
 * Every command in flight and every later one fails with -ENODEV. Used on
 * surprise removal, where nothing may wait for the device.
 */
void nvme_lm_ctrl_kill(struct nvme_lm_dev *nd)
{
	scoped_guard(spinlock_irq, &nd->aq.lock)
		nd->aq.state = NVME_LM_CTRL_DEAD;
	nvme_lm_abort_all(nd, -ENODEV);
}

/**
 * nvme_lm_ctrl_reset - Reset the controller (CC.EN 1 -> 0 -> 1)
 * @nd: The device
 *
 * Commands in flight fail with -EIO. A reset of the primary controller
 * takes every secondary controller offline; the caller re-provisions them.
 *
 * Return: 0, or -errno when the controller did not come back (it is then
 * dead).
 */
int nvme_lm_ctrl_reset(struct nvme_lm_dev *nd)
{
	int ret;

	guard(mutex)(&nd->reset_lock);
	scoped_guard(spinlock_irq, &nd->aq.lock) {
		if (nd->aq.state == NVME_LM_CTRL_DEAD)
			return -ENODEV;
		nd->aq.state = NVME_LM_CTRL_RESETTING;
	}
	ret = nvme_lm_disable_locked(nd, false);
	/* Disabled (or gone): nothing in flight will complete now. */
	nvme_lm_abort_all(nd, ret == -ENODEV ? -ENODEV : -EIO);
	if (!ret)
		ret = nvme_lm_enable_locked(nd);
	if (ret) {
		dev_err(nvme_lm_dev(nd), "controller reset failed: %pe\n",
			ERR_PTR(ret));
		nvme_lm_ctrl_kill(nd);
	}
	return ret;
}

/**
 * nvme_lm_reset_work - Reset the controller from a worker, then queue the
 *	re-provisioning of the secondary controllers
 * @work: &nvme_lm_dev.reset_work
 */
void nvme_lm_reset_work(struct work_struct *work)
{
	struct nvme_lm_dev *nd = container_of(work, struct nvme_lm_dev,
					      reset_work);

	if (!nvme_lm_ctrl_reset(nd))
		queue_work(system_unbound_wq, &nd->reprov_work);
}

/**
 * nvme_lm_admin_alloc - Allocate the admin queues and the interrupt
 * @nd: The device, BAR 0 mapped and CAP read
 *
 * Return: 0 or -errno.
 */
int nvme_lm_admin_alloc(struct nvme_lm_dev *nd)
{
	struct nvme_lm_admin *aq = &nd->aq;
	struct pci_dev *pdev = nd->pdev;
	unsigned int i;
	int ret;

	spin_lock_init(&aq->lock);
	init_waitqueue_head(&aq->wait);
	aq->state = NVME_LM_CTRL_DISABLED;
	aq->irq = -1;
	for (i = 0; i < NVME_LM_AQ_SLOTS; i++)
		init_completion(&aq->reqs[i].done);

	aq->sq = dma_alloc_coherent(&pdev->dev, NVME_LM_SQ_BYTES, &aq->sq_dma,
				    GFP_KERNEL);
	aq->cq = dma_alloc_coherent(&pdev->dev, NVME_LM_CQ_BYTES, &aq->cq_dma,
				    GFP_KERNEL);
	if (!aq->sq || !aq->cq) {
		ret = -ENOMEM;
		goto err_free;
	}
	aq->sq_db = nd->bar + NVME_REG_DBS;
	aq->cq_db = nd->bar + NVME_REG_DBS + nd->db_stride;

	if (nvme_lm_poll)
		return 0;
	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_ALL_TYPES);
	if (ret < 0) {
		dev_warn(&pdev->dev,
			 "no interrupt (%pe): polling for admin completions\n",
			 ERR_PTR(ret));
		return 0;
	}
	ret = request_irq(pci_irq_vector(pdev, 0), nvme_lm_irq, IRQF_SHARED,
			  "nvme-lm", nd);
	if (ret) {
		pci_free_irq_vectors(pdev);
		dev_warn(&pdev->dev,
			 "cannot request the interrupt (%pe): polling\n",
			 ERR_PTR(ret));
		return 0;
	}
	aq->irq = pci_irq_vector(pdev, 0);
	return 0;

err_free:
	nvme_lm_admin_free(nd);
	return ret;
}

/**
 * nvme_lm_admin_free - Free what nvme_lm_admin_alloc() allocated
 * @nd: The device, whose controller is disabled
 */
void nvme_lm_admin_free(struct nvme_lm_dev *nd)
{
	struct nvme_lm_admin *aq = &nd->aq;
	struct pci_dev *pdev = nd->pdev;

	if (aq->irq >= 0) {
		free_irq(aq->irq, nd);
		pci_free_irq_vectors(pdev);
		aq->irq = -1;
	}
	if (aq->cq)
		dma_free_coherent(&pdev->dev, NVME_LM_CQ_BYTES, aq->cq,
				  aq->cq_dma);
	if (aq->sq)
		dma_free_coherent(&pdev->dev, NVME_LM_SQ_BYTES, aq->sq,
				  aq->sq_dma);
	aq->cq = NULL;
	aq->sq = NULL;
}
