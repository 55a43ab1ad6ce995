/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live-migration core: the API for controlling-function drivers.
 *
 * Copyright (c) 2026 The lm authors
 */
#ifndef __LINUX_LM_H
#define __LINUX_LM_H

#include <linux/cdev.h>
#include <linux/cleanup.h>
#include <linux/device.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/sizes.h>
#include <linux/wait.h>
#include <uapi/linux/lm.h>

struct lm_device;
struct lm_fn;
struct lm_stream;

/**
 * lm_mig_state_is_saving - Is @state one that shares a save session?
 * @state: A migration state
 *
 * PRE_COPY, PRE_COPY_P2P and STOP_COPY: the "saving group" of VFIO v2.
 */
static inline bool lm_mig_state_is_saving(enum lm_mig_state state)
{
	return state == LM_MIG_STATE_PRE_COPY ||
	       state == LM_MIG_STATE_PRE_COPY_P2P ||
	       state == LM_MIG_STATE_STOP_COPY;
}

/**
 * lm_mig_state_is_precopy - Is @state one of the PRE_COPY states?
 * @state: A migration state
 */
static inline bool lm_mig_state_is_precopy(enum lm_mig_state state)
{
	return state == LM_MIG_STATE_PRE_COPY ||
	       state == LM_MIG_STATE_PRE_COPY_P2P;
}

/**
 * lm_mig_state_is_running - Does the device run, and change state, in @state?
 * @state: A migration state
 *
 * RUNNING, RUNNING_P2P (only peer-to-peer DMA is quiesced) and the two
 * PRE_COPY states.
 */
static inline bool lm_mig_state_is_running(enum lm_mig_state state)
{
	return state == LM_MIG_STATE_RUNNING ||
	       state == LM_MIG_STATE_RUNNING_P2P ||
	       lm_mig_state_is_precopy(state);
}

/**
 * struct lm_fn_attrs - What a driver reports about one controlled function
 * @online: The function is provisioned and usable
 * @pci: The function exists as a PCI function at @pci_domain/@pci_bdf
 * @vf: 1-based SR-IOV VF number, 0 if none
 * @hw_id: Identifier in the controlling function's namespace
 * @pci_domain: PCI domain, with @pci
 * @pci_bdf: bus << 8 | devfn, with @pci
 * @queues: Provisioned queues
 * @irqs: Provisioned interrupt vectors
 * @memory: Provisioned device memory, bytes
 */
struct lm_fn_attrs {
	bool online;
	bool pci;
	u32 vf;
	u32 hw_id;
	u32 pci_domain;
	u32 pci_bdf;
	u32 queues;
	u32 irqs;
	u64 memory;
};

/**
 * struct lm_prov_req - A validated provisioning request
 * @flags: &enum lm_prov_flags: which of the fields below to apply; only
 *         flags in &lm_device.prov_caps
 * @queues: With LM_PROV_QUEUES
 * @irqs: With LM_PROV_IRQS
 * @online: With LM_PROV_ONLINE
 * @memory: With LM_PROV_MEMORY
 */
struct lm_prov_req {
	u32 flags;
	u32 queues;
	u32 irqs;
	bool online;
	u64 memory;
};

/**
 * struct lm_ops - Operations of a controlling-function driver
 *
 * Every callback taking a &struct lm_fn is called with that function's lock
 * held, so callbacks for one function never run concurrently, while
 * callbacks for different functions of one device may. Callbacks may sleep.
 * None is called after lm_unregister_device() has returned.
 *
 * @fn_query: Required. Fill @attrs with the function's identity and
 *	provisioning.
 * @provision: Required when &lm_device.prov_caps is not 0. Apply @req in
 *	the order the device needs (offline before resource changes, online
 *	after them). The core has checked that only supported attributes are
 *	set, that the function is in RUNNING, not migratable and not handed to
 *	VFIO, and that resources only change while the function is or goes
 *	offline. Return -EINVAL for values the device cannot take, -ENOSPC
 *	when the controlling function has too few resources left.
 * @set_migratable: Optional. Prepare the function for migration (@enable)
 *	or stop doing so. Called only when the setting changes.
 * @step: Required when &lm_device.mig_caps is not 0. Carry out the single
 *	VFIO-v2 arc from @cur to @next. Only arcs allowed by the device's
 *	mig_caps are ever requested. Entering PRE_COPY, PRE_COPY_P2P or
 *	STOP_COPY from outside those states starts a save session, whose
 *	payload @save produces from then on; STOP -> RESUMING starts a restore
 *	session, fed through @restore; RESUMING -> STOP ends it after the core
 *	checked the stream is whole, and the driver commits the state here.
 *	On failure the function stays in @cur, unless the driver called
 *	lm_fn_set_error() because it could not get back there.
 * @save: Required with mig_caps. Copy up to @len bytes of the function's
 *	state into @buf, which the core wraps in one record; @len is at least
 *	LM_SAVE_MIN_LEN. Return the number of bytes, 0 when there is nothing
 *	more (in PRE_COPY states: nothing for now; in STOP_COPY: the state is
 *	complete), or -errno.
 * @restore: Required with mig_caps. Consume one record of payload produced
 *	by @save on a compatible function, already checked by the core.
 *	Return -EMSGSIZE when it holds more than the function can, -EINVAL
 *	when the content is inconsistent; the error fails the user's write().
 *	Refuse here what can be refused here: a VMM may leave RESUMING only
 *	when it starts the VM, too late to fail the migration.
 * @precopy_info: Required with LM_MIG_PRE_COPY. Payload bytes of the
 *	initial image not yet saved, and of state changed since it was saved.
 *	Also called from poll(), so it must be cheap and must not wait for
 *	the device.
 * @data_size: Required with mig_caps. Estimated payload bytes a move to
 *	STOP_COPY from the current state would produce.
 * @reset: Required with mig_caps. Reset the function's device state and
 *	leave it running, from any migration state; provisioning is kept.
 */
#define LM_SAVE_MIN_LEN SZ_64K

struct lm_ops {
	int (*fn_query)(struct lm_fn *fn, struct lm_fn_attrs *attrs);
	int (*provision)(struct lm_fn *fn, const struct lm_prov_req *req);
	int (*set_migratable)(struct lm_fn *fn, bool enable);
	int (*step)(struct lm_fn *fn, enum lm_mig_state cur,
		    enum lm_mig_state next);
	ssize_t (*save)(struct lm_fn *fn, void *buf, size_t len);
	int (*restore)(struct lm_fn *fn, const void *buf, size_t len);
	int (*precopy_info)(struct lm_fn *fn, u64 *initial_bytes,
			    u64 *dirty_bytes);
	int (*data_size)(struct lm_fn *fn, u64 *stop_copy_bytes);
	int (*reset)(struct lm_fn *fn);
};

/**
 * struct lm_fn - A controlled function, as the core tracks it
 * @lmdev: The device it belongs to
 * @index: Its index, 0 to &lm_device.num_fns - 1
 * @drvdata: For the driver
 * @lock: Serializes everything done to this function: its migration state,
 *	its data session and every driver callback for it
 * @state: Current &enum lm_mig_state, under @lock
 * @migratable: Migration enabled, under @lock
 * @vfio: Handed to VFIO, under @lock
 * @error: Set by lm_fn_set_error() during @step, under @lock
 * @stream: The data session open on this function, if any, under @lock
 * @data_wait: Woken when a save session may have more data
 */
struct lm_fn {
	struct lm_device *lmdev;
	unsigned int index;
	void *drvdata;

	/* private to the core */
	struct mutex lock;
	enum lm_mig_state state;
	bool migratable;
	bool vfio;
	bool error;
	struct lm_stream *stream;
	wait_queue_head_t data_wait;
};

/**
 * struct lm_device - One registered controlling function
 * @dev: The class device, ``lmN``; its parent is the controlling function
 * @cdev: ``/dev/lmN``
 * @num_fns: Number of controlled functions, fixed at allocation
 * @mig_caps: &enum lm_mig_caps, set by the driver before registering
 * @prov_caps: &enum lm_prov_flags, set by the driver before registering
 * @compat: Compatibility key, set by the driver before registering and
 *	changed only with lm_device_set_compat(): streams are accepted only
 *	between functions with equal keys (device model, state format). The
 *	driver may read it from its callbacks, which run with
 *	@registration_lock held for read.
 * @driver_name: The driver's module name
 * @registration_lock: Protects @ops: held for read by every user-facing
 *	operation, for write by unregister, which sets @ops to NULL. Also
 *	held for write while the device is published to, and withdrawn from,
 *	the netlink family, so that no change to a function is notified
 *	outside of that
 * @ops: The driver's operations, NULL once unregistered
 * @fns: The controlled functions
 *
 * Drivers embed it at offset 0 of their own device structure and allocate
 * it with lm_alloc_device(). The core frees nothing of the driver's: what
 * the driver allocated for its functions it frees after
 * lm_unregister_device(), before the last lm_put().
 */
struct lm_device {
	struct device dev;
	struct cdev cdev;
	unsigned int num_fns;
	u32 mig_caps;
	u32 prov_caps;
	char compat[64];
	const char *driver_name;

	/* private to the core */
	struct rw_semaphore registration_lock;
	const struct lm_ops *ops;
	struct lm_fn *fns;
};

struct lm_device *_lm_alloc_device(struct device *parent,
				   const struct lm_ops *ops,
				   unsigned int num_fns, size_t size,
				   const char *driver_name);

/**
 * lm_alloc_device - Allocate a driver structure embedding a &struct lm_device
 * @parent: The controlling function's device
 * @ops: The driver's operations
 * @num_fns: Number of controlled functions
 * @drv_struct: The driver's structure type
 * @member: Name of its &struct lm_device member, which must be first
 *
 * Return: the driver structure, or NULL. Release it with lm_put() (or
 * __free(lm)) once it is unregistered or if registration fails.
 */
#define lm_alloc_device(parent, ops, num_fns, drv_struct, member)          \
	container_of(_lm_alloc_device(parent, ops, num_fns,                 \
				      sizeof(drv_struct) +                  \
					      BUILD_BUG_ON_ZERO(offsetof(   \
						      drv_struct, member)), \
				      KBUILD_MODNAME),                      \
		     drv_struct, member)

static inline void lm_put(struct lm_device *lmdev)
{
	if (lmdev)
		put_device(&lmdev->dev);
}

DEFINE_FREE(lm, struct lm_device *, lm_put(_T));

int lm_register_device(struct lm_device *lmdev);
void lm_unregister_device(struct lm_device *lmdev);

void lm_device_set_compat(struct lm_device *lmdev, const char *compat);
void lm_fn_set_error(struct lm_fn *fn);
void lm_fn_data_ready(struct lm_fn *fn);

/*
 * For a VFIO variant driver of a controlled function (drivers/lm/vfio.c).
 * The states are &enum vfio_device_mig_state values, the same as
 * &enum lm_mig_state's.
 */
struct lm_fn *lm_fn_get_pci(struct device *parent, u32 pci_domain,
			    u32 pci_bdf);
void lm_fn_put(struct lm_fn *fn);
int lm_fn_vfio_claim(struct lm_fn *fn);
void lm_fn_vfio_release(struct lm_fn *fn);
struct file *lm_fn_vfio_set_state(struct lm_fn *fn, u32 target);
int lm_fn_vfio_get_state(struct lm_fn *fn, u32 *state);
int lm_fn_vfio_data_size(struct lm_fn *fn, unsigned long *stop_copy_length);
void lm_fn_vfio_reset_done(struct lm_fn *fn);

struct pci_driver;
int lm_vfio_register_driver(struct pci_driver *drv);
void lm_vfio_unregister_driver(struct pci_driver *drv);

static inline struct lm_fn *lm_fn(struct lm_device *lmdev, unsigned int index)
{
	return index < lmdev->num_fns ? &lmdev->fns[index] : NULL;
}

#endif /* __LINUX_LM_H */
