/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nvme-lm: the NVMe controlling-function driver.
 *
 * nvme-lm drives an NVMe primary controller as the migration controller of
 * its secondary controllers: it owns the primary's admin queue (and no I/O
 * queues, no block devices), registers the secondary controllers with the
 * live-migration core as controlled functions, provisions them through
 * Virtualization Management and, when the controller supports NVMe live
 * migration (TP4159), suspends, resumes, saves and restores them.
 *
 * Copyright (c) 2026 The lm authors
 */
#ifndef __NVME_LM_H
#define __NVME_LM_H

#include <linux/completion.h>
#include <linux/lm.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "cmds.h"

#define NVME_LM_AQ_DEPTH 32
/* A full queue is one entry short of its depth: head == tail means empty. */
#define NVME_LM_AQ_SLOTS (NVME_LM_AQ_DEPTH - 1)
#define NVME_LM_CID_SLOT_BITS 5
static_assert(NVME_LM_AQ_SLOTS < 1 << NVME_LM_CID_SLOT_BITS);

/* The largest data transfer of one command, whatever MDTS allows. */
#define NVME_LM_MAX_XFER SZ_128K
static_assert(NVME_LM_MAX_XFER <= NVME_LM_PRP_MAX_LEN);

/* The most controller state a restore accepts. */
#define NVME_LM_MAX_STATE SZ_16M

/**
 * enum nvme_lm_ctrl_state - State of the primary controller's admin path
 * @NVME_LM_CTRL_DISABLED: Not enabled (probe, or between disable and enable)
 * @NVME_LM_CTRL_LIVE: Enabled: commands are accepted
 * @NVME_LM_CTRL_RESETTING: Being reset: submitters wait for the end
 * @NVME_LM_CTRL_DEAD: Gone or failed for good: every command fails -ENODEV
 */
enum nvme_lm_ctrl_state {
	NVME_LM_CTRL_DISABLED,
	NVME_LM_CTRL_LIVE,
	NVME_LM_CTRL_RESETTING,
	NVME_LM_CTRL_DEAD,
};

/**
 * struct nvme_lm_req - One admin command slot; the slot index is the low
 *	bits of the command identifier
 * @done: Completed when the command completes or is given up
 * @cid: The command identifier in flight in this slot
 * @busy: The slot is taken
 * @abandoned: Its submitter gave up waiting (timeout): the slot is freed by
 *	the next controller disable, not by the submitter
 * @err: 0, or -errno when the command did not complete (aborted by a reset,
 *	device gone)
 * @status: Status field of the completion, phase tag removed
 * @dw0: Dword 0 of the completion
 */
struct nvme_lm_req {
	struct completion done;
	u16 cid;
	bool busy;
	bool abandoned;
	int err;
	u16 status;
	u32 dw0;
};

/**
 * struct nvme_lm_admin - The primary controller's admin queue pair
 * @sq: Submission queue, in coherent DMA memory
 * @sq_dma: Its bus address
 * @cq: Completion queue, in coherent DMA memory
 * @cq_dma: Its bus address
 * @sq_db: SQ 0 tail doorbell
 * @cq_db: CQ 0 head doorbell
 * @irq: Linux IRQ of the completion interrupt, or -1 when polled
 *
 * @lock: Protects everything below: the queue positions, the slots and
 *	@state. Taken from the interrupt handler.
 * @sq_tail: Next free submission queue entry
 * @cq_head: Next completion queue entry to look at
 * @cq_phase: Phase tag of entries the controller writes in this pass
 * @gen: Generation counter, the high bits of command identifiers
 * @reqs: The slots
 * @state: &enum nvme_lm_ctrl_state
 * @wait: Woken when a slot frees or @state changes
 */
struct nvme_lm_admin {
	struct nvme_lm_sqe *sq;
	dma_addr_t sq_dma;
	struct nvme_lm_cqe *cq;
	dma_addr_t cq_dma;
	u32 __iomem *sq_db;
	u32 __iomem *cq_db;
	int irq;

	/* Queue positions, slots and state, against the interrupt handler. */
	spinlock_t lock;
	u16 sq_tail;
	u16 cq_head;
	bool cq_phase;
	u16 gen;
	struct nvme_lm_req reqs[NVME_LM_AQ_SLOTS];
	enum nvme_lm_ctrl_state state;
	wait_queue_head_t wait;
};

/**
 * struct nvme_lm_dma - A physically contiguous buffer a command transfers
 * @cpu: Kernel address
 * @dma: Bus address
 * @len: Bytes
 * @prp_list: PRP list page when @len spans more than two pages, else NULL
 * @prp_dma: Its bus address
 */
struct nvme_lm_dma {
	void *cpu;
	dma_addr_t dma;
	size_t len;
	__le64 *prp_list;
	dma_addr_t prp_dma;
};

/**
 * struct nvme_lm_cdq - A User Data Migration Queue of a secondary controller
 * @mem: The queue, in coherent DMA memory the kernel owns
 * @ring: The host's position in it
 * @cdqid: Its identifier
 * @logging: Track Send started logging into it
 */
struct nvme_lm_cdq {
	struct nvme_lm_dma mem;
	struct nvme_lm_ring ring;
	u16 cdqid;
	bool logging;
};

/**
 * struct nvme_lm_mig - Migration session of one secondary controller; used
 *	only by lm_ops callbacks, which the core serializes per function
 * @suspended: The driver suspended the controller (Migration Send Suspend)
 * @state: Save: the controller state read at the stop, or NULL
 * @state_len: Save: bytes in @state
 * @state_sent: Save: bytes of @state already in the stream
 * @desc_sent: Save: the description chunk is in the stream
 * @cdq: The User Data Migration Queue while logging, or NULL
 * @udc_saved: Save: user data changes put in the stream
 * @rbuf: Restore: the controller state received so far, or NULL
 * @rx: Restore: what was received, see nvme_lm_rx_chunk()
 * @state_set: Restore: the controller took @rbuf (Set Controller State)
 */
struct nvme_lm_mig {
	bool suspended;
	void *state;
	size_t state_len;
	size_t state_sent;
	bool desc_sent;
	struct nvme_lm_cdq *cdq;
	u64 udc_saved;
	void *rbuf;
	struct nvme_lm_rx rx;
	bool state_set;
};

struct nvme_lm_dev;

/**
 * struct nvme_lm_sec - One secondary controller, a controlled function
 * @nd: Its device
 * @fn: The core's function
 * @hw: The controller's last reported entry, under &nvme_lm_dev.prov_lock
 * @want_nvq: VQ resources last provisioned, re-applied after a reset of
 *	the primary controller; under &nvme_lm_dev.prov_lock
 * @want_nvi: VI resources likewise
 * @want_online: Brought online likewise
 * @mig: Migration session, under the core's function lock
 */
struct nvme_lm_sec {
	struct nvme_lm_dev *nd;
	struct lm_fn *fn;
	struct nvme_lm_sec_ctrl hw;
	u16 want_nvq;
	u16 want_nvi;
	bool want_online;
	struct nvme_lm_mig mig;
};

/**
 * struct nvme_lm_dev - A primary controller driven by nvme-lm
 * @lm: The core's device, allocated once the secondary controllers are
 *	counted; it outlives this structure while user space holds it open
 * @pdev: The PCI function
 * @bar: BAR 0
 * @cap: Controller Capabilities register
 * @db_stride: Doorbell stride in bytes
 * @ready_timeout_ms: CAP.TO in milliseconds
 * @aq: The admin queue pair
 * @id: Identify Controller of the primary
 * @max_xfer: Largest data transfer of one command, bytes
 * @registered: Registered with the core
 * @debugfs: The device's debugfs directory
 *
 * @reset_lock: Serializes enabling, disabling and resetting the controller
 * @reset_work: Resets the controller (after a timeout, a fatal status or
 *	a request), then queues @reprov_work
 * @reprov_work: Re-provisions the secondary controllers after a reset
 *
 * @prov_lock: Protects @caps, the &nvme_lm_sec.hw and want fields of every
 *	secondary, and the SR-IOV enable state; held across each sequence of
 *	Virtualization Management commands. Taken inside the core's function
 *	locks and inside the PCI device lock, never the other way round.
 * @caps: Primary Controller Capabilities
 *
 * @hmlms: The controller supports Host Managed Live Migration
 * @csvi: Controller State Version Index of the state format used
 * @cs_ver: NVMe Controller State version of that format
 * @csuuidi: Controller State UUID Index: 1 for the controller's own vendor
 *	specific format when it lists one, else 0 (the NVMe state alone)
 * @cs_uuid: The UUID of that vendor specific format
 * @udc: User data change logging (TRATTR.TUDCS and a User Data Migration
 *	Queue per controller) is supported
 *
 * @nr_secs: Number of secondary controllers, fixed at probe
 * @secs: The secondary controllers, ordered by identifier
 */
struct nvme_lm_dev {
	struct lm_device *lm;
	struct pci_dev *pdev;
	void __iomem *bar;
	u64 cap;
	u32 db_stride;
	unsigned int ready_timeout_ms;
	struct nvme_lm_admin aq;
	struct nvme_lm_id_ctrl id;
	u32 max_xfer;
	bool registered;
	struct dentry *debugfs;

	/* Enable, disable and reset against each other. */
	struct mutex reset_lock;
	struct work_struct reset_work;
	struct work_struct reprov_work;

	/* Provisioning state; see above for what. */
	struct mutex prov_lock;
	struct nvme_lm_pri_caps caps;

	bool hmlms;
	u8 csvi;
	u16 cs_ver;
	u8 csuuidi;
	u8 cs_uuid[16];
	bool udc;

	unsigned int nr_secs;
	struct nvme_lm_sec *secs;
};

static inline struct device *nvme_lm_dev(struct nvme_lm_dev *nd)
{
	return &nd->pdev->dev;
}

/* admin.c */
int nvme_lm_admin_alloc(struct nvme_lm_dev *nd);
void nvme_lm_admin_free(struct nvme_lm_dev *nd);
int nvme_lm_ctrl_enable(struct nvme_lm_dev *nd);
void nvme_lm_ctrl_disable(struct nvme_lm_dev *nd, bool shutdown);
void nvme_lm_ctrl_quiesce(struct nvme_lm_dev *nd);
void nvme_lm_ctrl_kill(struct nvme_lm_dev *nd);
int nvme_lm_ctrl_reset(struct nvme_lm_dev *nd);
void nvme_lm_reset_work(struct work_struct *work);
int nvme_lm_exec(struct nvme_lm_dev *nd, struct nvme_lm_sqe *cmd,
		 struct nvme_lm_dma *buf, u32 *dw0, u16 *status);
int nvme_lm_cmd(struct nvme_lm_dev *nd, struct nvme_lm_sqe *cmd,
		struct nvme_lm_dma *buf, u32 *dw0, const char *what);
int nvme_lm_dma_alloc(struct nvme_lm_dev *nd, struct nvme_lm_dma *buf,
		      size_t len);
void nvme_lm_dma_free(struct nvme_lm_dev *nd, struct nvme_lm_dma *buf);
int nvme_lm_identify(struct nvme_lm_dev *nd, u8 cns, u16 cntid,
		     struct nvme_lm_dma *buf);

/* prov.c */
int nvme_lm_prov_init(struct nvme_lm_dev *nd);
void nvme_lm_prov_teardown(struct nvme_lm_dev *nd);
int nvme_lm_fn_query(struct lm_fn *fn, struct lm_fn_attrs *attrs);
int nvme_lm_provision(struct lm_fn *fn, const struct lm_prov_req *req);
int nvme_lm_sriov_configure(struct pci_dev *pdev, int num_vfs);
void nvme_lm_reprov_work(struct work_struct *work);
int nvme_lm_reprovision(struct nvme_lm_dev *nd);
int nvme_lm_virt_mgmt_raw(struct nvme_lm_dev *nd, u8 act, u8 rt, u16 cntlid,
			  u16 nr);
struct seq_file;
int nvme_lm_show_caps(struct nvme_lm_dev *nd, struct seq_file *m);

/* mig.c */
int nvme_lm_mig_init(struct nvme_lm_dev *nd);
void nvme_lm_mig_teardown(struct nvme_lm_dev *nd);
extern const struct lm_ops nvme_lm_ops;

#endif /* __NVME_LM_H */
