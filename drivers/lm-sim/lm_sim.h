/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lm_sim: a simulated controlling function for the live-migration core.
 *
 * Copyright (c) 2026 The lm authors
 */
#ifndef __LM_SIM_H
#define __LM_SIM_H

#include <linux/align.h>
#include <linux/lm.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#define LM_SIM_COMPAT_DEFAULT "lm_sim-v1"
#define LM_SIM_MAX_FNS 4096
#define LM_SIM_MAX_MEMORY SZ_16G
/* Queues and irqs in a device's pool, per function. */
#define LM_SIM_POOL_PER_FN 64
#define LM_SIM_INITIAL_QUEUES 2
#define LM_SIM_INITIAL_IRQS 2
/* How often the writer changes the state of a running function. */
#define LM_SIM_WRITER_PERIOD_MS 10
/* Arcs a function remembers for its debugfs "arcs" file. */
#define LM_SIM_MAX_ARCS 128
/* Bounds of the debugfs knobs. */
#define LM_SIM_MAX_BUSY SZ_64K
#define LM_SIM_MAX_QUIESCE_DELAY_MS 60000

/**
 * enum lm_sim_session - The data session a function's state is part of
 * @LM_SIM_SESSION_NONE: None
 * @LM_SIM_SESSION_SAVE: Saving, from entering PRE_COPY, PRE_COPY_P2P or
 *	STOP_COPY until leaving them
 * @LM_SIM_SESSION_RESTORE: Restoring, in RESUMING
 */
enum lm_sim_session {
	LM_SIM_SESSION_NONE,
	LM_SIM_SESSION_SAVE,
	LM_SIM_SESSION_RESTORE,
};

struct dentry;
struct lm_sim_dev;
struct platform_device;

/**
 * struct lm_sim_fn - One simulated controlled function
 * @sim: The device it belongs to
 * @fn: The core's function; its lock serializes every lm_ops callback
 * @state_file: The debugfs "state" file, whose size follows @memory; NULL
 *	if debugfs could not create it
 *
 * @lock: Protects the state against the concurrent writer and debugfs: the
 *	insertion of @pages, @nr_pages, the allocation of @initial and @dirty,
 *	@saving, @writer_active, @writer_seq, @saved_bytes, @restored_bytes,
 *	the knobs and @arcs. @memory changes, and pages are freed, only in
 *	lm_ops callbacks and with @lock held, so a callback may read @memory
 *	and copy pages without @lock. Taken inside the core's function lock;
 *	never held while waiting for the writer.
 * @memory: Size of the state in bytes, a non-zero multiple of PAGE_SIZE
 * @pages: The state, page index -> page (its kernel address); a page that
 *	was never written is absent and reads as zeros
 * @nr_pages: Pages in @pages
 * @spare: Restore: the pages the state had before the session (linked by
 *	their &page.lru), reused for the pages it receives, in lm_ops
 *	callbacks only; freed when it ends
 * @initial: Pages of the save session's initial image not saved yet
 * @dirty: Pages written since they were last saved. Both bitmaps are
 *	allocated, in one piece, with the first page or save session; a bit
 *	is set after the page's content is written and cleared before the
 *	content is copied, so a write racing with the saver re-dirties it.
 * @initial_left: Bits set in @initial; changed only in lm_ops callbacks
 * @saving: A save session is open: writes wake up the data file's pollers
 *
 * @writer: The simulated device's own activity: rewrites @busy pages every
 *	LM_SIM_WRITER_PERIOD_MS while @writer_active
 * @writer_active: The function is in a running state (RUNNING, RUNNING_P2P,
 *	PRE_COPY, PRE_COPY_P2P); the writer is queued only with @busy too
 * @writer_seq: Count of the writer's page rewrites: picks each page and
 *	its new content
 *
 * @busy: Knob: pages the writer rewrites per period, 0 for a quiet device
 * @quiesce_delay_ms: Knob: extra time every arc that stops the device takes
 * @fail_save_at: Knob: session payload offset whose save() fails, or -1
 * @fail_restore_at: Knob: session payload offset whose restore() fails, or
 *	-1
 *
 * @session: Which data session is open. This and the fields down to
 *	@src_memory are used only by lm_ops callbacks, under the core's
 *	function lock.
 * @desc_done: The session's description chunk was saved, or restored
 * @initial_next: Save: bit of @initial where the next search starts
 * @dirty_next: Save: bit of @dirty where the next search starts
 * @src_memory: Restore: the state size the stream declared
 * @saved_bytes: Payload bytes of the last (or current) save session
 * @restored_bytes: Payload bytes of the last (or current) restore session
 *
 * @online: Provisioned online; provisioning fields change in lm_ops
 *	callbacks only, @queues and @irqs also under the device's pool_lock
 * @queues: Queues taken from the device's pool
 * @irqs: Interrupt vectors taken from the device's pool
 *
 * @arcs: The arcs step() was asked for since the log was last read,
 *	oldest first, each as { cur, next }; the oldest are dropped beyond
 *	LM_SIM_MAX_ARCS
 * @nr_arcs: Entries in @arcs
 */
struct lm_sim_fn {
	struct lm_sim_dev *sim;
	struct lm_fn *fn;
	struct dentry *state_file;

	/* The state against the writer and debugfs; see above for what. */
	struct mutex lock;
	u64 memory;
	struct xarray pages;
	unsigned long nr_pages;
	struct list_head spare;
	unsigned long *initial;
	unsigned long *dirty;
	unsigned long initial_left;
	bool saving;

	struct delayed_work writer;
	bool writer_active;
	u64 writer_seq;

	u32 busy;
	u32 quiesce_delay_ms;
	s64 fail_save_at;
	s64 fail_restore_at;

	enum lm_sim_session session;
	bool desc_done;
	unsigned long initial_next;
	unsigned long dirty_next;
	u64 src_memory;
	u64 saved_bytes;
	u64 restored_bytes;

	bool online;
	u32 queues;
	u32 irqs;

	u8 arcs[LM_SIM_MAX_ARCS][2];
	unsigned int nr_arcs;
};

/**
 * struct lm_sim_dev - One simulated controlling function
 * @lm: The core's device; first, as lm_alloc_device() requires
 * @id: K of debugfs "simK", also the id of @pdev
 * @pdev: The platform device that stands for the controlling function
 * @debugfs: The device's debugfs directory
 * @pool_lock: Protects @queues_used and @irqs_used, and with them the
 *	functions' &lm_sim_fn.queues and &lm_sim_fn.irqs, which they sum
 * @queues_used: Queues given to functions, out of LM_SIM_POOL_PER_FN each
 * @irqs_used: Interrupt vectors given to functions, likewise
 * @compat_lock: Serializes changes of the compatibility key, so that
 *	debugfs reads the key the core has last been given
 * @fns: The functions, &lm_device.num_fns of them
 */
struct lm_sim_dev {
	struct lm_device lm;
	u32 id;
	struct platform_device *pdev;
	struct dentry *debugfs;

	/* Resource accounting across the functions. */
	struct mutex pool_lock;
	u64 queues_used;
	u64 irqs_used;

	/* Key changes against key reads. */
	struct mutex compat_lock;

	struct lm_sim_fn *fns;
};

static inline u64 lm_sim_pool_size(const struct lm_sim_dev *sim)
{
	return (u64)LM_SIM_POOL_PER_FN * sim->lm.num_fns;
}

static inline unsigned long lm_sim_npages(const struct lm_sim_fn *sfn)
{
	return sfn->memory >> PAGE_SHIFT;
}

static inline bool lm_sim_memory_valid(u64 memory)
{
	return memory && memory <= LM_SIM_MAX_MEMORY &&
	       IS_ALIGNED(memory, PAGE_SIZE);
}

/* state.c */
void lm_sim_state_init(struct lm_sim_fn *sfn, u64 memory);
void lm_sim_state_destroy(struct lm_sim_fn *sfn);
void lm_sim_state_clear(struct lm_sim_fn *sfn);
void lm_sim_state_set_file(struct lm_sim_fn *sfn, struct dentry *file);
void lm_sim_state_resize(struct lm_sim_fn *sfn, u64 memory);
void lm_sim_state_restore_begin(struct lm_sim_fn *sfn);
void lm_sim_state_restore_end(struct lm_sim_fn *sfn);
int lm_sim_state_restore(struct lm_sim_fn *sfn, u64 offset, const void *src,
			 size_t len);
ssize_t lm_sim_state_read(struct lm_sim_fn *sfn, char __user *ubuf,
			  size_t count, loff_t *ppos);
ssize_t lm_sim_state_write(struct lm_sim_fn *sfn, const char __user *ubuf,
			   size_t count, loff_t *ppos);
int lm_sim_state_fill(struct lm_sim_fn *sfn, u64 seed);
int lm_sim_state_digest(struct lm_sim_fn *sfn, u64 *digest);

int lm_sim_track_begin(struct lm_sim_fn *sfn);
void lm_sim_track_end(struct lm_sim_fn *sfn);
const void *lm_sim_track_take(struct lm_sim_fn *sfn, bool initial,
			      unsigned long *index);
void lm_sim_track_untake(struct lm_sim_fn *sfn, bool initial,
			 unsigned long index);
unsigned long lm_sim_track_initial(struct lm_sim_fn *sfn);
unsigned long lm_sim_track_dirty(struct lm_sim_fn *sfn);

void lm_sim_writer_start(struct lm_sim_fn *sfn);
void lm_sim_writer_stop(struct lm_sim_fn *sfn);
void lm_sim_writer_set_busy(struct lm_sim_fn *sfn, u32 busy);

/* mig.c */
extern const struct lm_ops lm_sim_ops;

#endif /* __LM_SIM_H */
