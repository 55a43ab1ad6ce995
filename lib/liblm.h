/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * liblm: live migration through the controlling function, from user space.
 *
 * Copyright (c) 2026 The lm authors
 */
#ifndef _LIBLM_H
#define _LIBLM_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/lm.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * DOC: Overview
 *
 * liblm wraps the two user interfaces of the live-migration core:
 *
 *  - the generic netlink family "lm" (through libnl-genl-3), for discovery
 *    (lm_dev_get(), lm_dev_list(), lm_fn_get(), lm_fn_list()), provisioning
 *    (lm_fn_set()) and monitoring (lm_monitor_start()), on a &struct lm_ctx;
 *  - the character device /dev/lmN, for migration (state changes, data
 *    files, PRECOPY_INFO, saving, restoring, migrating), on a
 *    &struct lm_dev.
 *
 * Devices are named by their id, the N of /dev/lmN. lm_lookup() turns a
 * user's name for a device ("lmN", or its parent device: a PCI address such
 * as 0000:01:00.0) into that id.
 *
 * Every function that can fail returns 0 (or a documented non-negative
 * value) on success and a negative errno on failure, and never prints.
 * The errnos are those of the kernel interface (include/uapi/linux/lm.h),
 * passed on unchanged, plus those documented at each function.
 *
 * Error messages: when the kernel refuses a netlink request it usually says
 * why in an extended-ack message. liblm keeps the message of the last
 * request made on a context; lm_ctx_errmsg() returns it. The character
 * device has no such channel: its errno is the whole answer, and the
 * transfer helpers (lm_fn_save(), lm_fn_restore(), lm_fn_migrate()) say in
 * their result which step failed.
 *
 * Threads: a &struct lm_ctx is used by one thread at a time. A
 * &struct lm_dev may be shared between threads; each function of a device
 * serializes its requests in the kernel.
 *
 * Signals: the transfer helpers write to file descriptors the caller
 * gives; a caller that writes to pipes or sockets should ignore SIGPIPE
 * so that a vanished reader fails the transfer with -EPIPE instead of
 * killing the process.
 */

/**
 * lm_lib_version() - The version of liblm in use
 *
 * Return: a string such as "1.0.0".
 */
const char *lm_lib_version(void);

/**
 * lm_mig_state_name() - The name of a migration state
 * @state: An &enum lm_mig_state
 *
 * Return: "error", "stop", "running", "stop_copy", "resuming",
 * "running_p2p", "pre_copy" or "pre_copy_p2p"; "unknown" for any other
 * value.
 */
const char *lm_mig_state_name(uint32_t state);

/**
 * lm_mig_state_parse() - The migration state of a name
 * @name: A name as lm_mig_state_name() returns it
 * @state: Output: the state
 *
 * Return: 0, or -EINVAL for a name that is no state.
 */
int lm_mig_state_parse(const char *name, uint32_t *state);

/**
 * lm_lookup() - The id of a device named the way a user names it
 * @name: "lmN" (N decimal, no sign or leading zeros), or the name of the
 *        device's parent: for a PCI controlling function its address,
 *        "0000:01:00.0", where "01:00.0" stands for domain 0000
 * @id: Output: N of /dev/lmN
 *
 * Looks in sysfs (/sys/class/lm), so it needs neither netlink nor access
 * to the device nodes.
 *
 * Return: 0; -EINVAL for an empty @name or a malformed "lm..." name;
 * -ENOENT when no registered device has that name or parent;
 * -errno of reading sysfs.
 */
int lm_lookup(const char *name, uint32_t *id);

/* Generic netlink: discovery, provisioning, monitoring. */

/**
 * struct lm_ctx - A connection to the "lm" generic netlink family
 *
 * Opaque; made by lm_ctx_new(), freed by lm_ctx_free().
 */
struct lm_ctx;

/**
 * lm_ctx_new() - Connect to the "lm" generic netlink family
 * @ctxp: Output: the new context
 *
 * Return: 0; -ENOENT when the family is not registered (lm.ko is not
 * loaded, or the kernel's core has no netlink family); -ENOMEM; -errno of
 * the socket.
 */
int lm_ctx_new(struct lm_ctx **ctxp);

/**
 * lm_ctx_free() - Close a context and free it
 * @ctx: The context, or NULL
 */
void lm_ctx_free(struct lm_ctx *ctx);

/**
 * lm_ctx_errmsg() - Why the kernel refused the last request on a context
 * @ctx: The context
 *
 * The text of the kernel's extended ack for the last request made on @ctx
 * that failed, or a description of what it reported missing. Valid until
 * the next request on @ctx.
 *
 * Return: the message; "" when the last request succeeded or the kernel
 * said nothing beyond its errno.
 */
const char *lm_ctx_errmsg(const struct lm_ctx *ctx);

/**
 * struct lm_dev_desc - A device as the netlink family describes it
 * @id: N of /dev/lmN
 * @parent: Name of the controlling function's device (a PCI address)
 * @driver: Its driver
 * @compat: Compatibility key: streams move only between equal keys
 * @mig_caps: &enum lm_mig_caps; 0 for a device that only provisions
 * @prov_caps: &enum lm_prov_flags the device can provision
 * @num_fns: Number of controlled functions, indexed from 0
 * @stream_version: Version of the migration data stream format
 * @__reserved: 0; room for later attributes
 */
struct lm_dev_desc {
	uint32_t id;
	char parent[LM_PARENT_MAX];
	char driver[LM_NAME_MAX];
	char compat[64];
	uint32_t mig_caps;
	uint32_t prov_caps;
	uint32_t num_fns;
	uint32_t stream_version;
	uint64_t __reserved[4];
};

/**
 * struct lm_fn_desc - A function as the netlink family describes it
 * @dev_id: Id of the device controlling it
 * @index: Its index in the device
 * @state: Migration state, &enum lm_mig_state
 * @online: Provisioned and usable
 * @migratable: Migration is enabled
 * @vfio: Handed to VFIO
 * @pci: Exists as a PCI function at @pci_domain and @pci_bdf
 * @vf: 1-based SR-IOV VF number, 0 when it has none
 * @hw_id: Identifier in the controlling function's namespace
 * @pci_domain: PCI domain, with @pci
 * @pci_bdf: PCI bus << 8 | devfn, with @pci
 * @queues: Provisioned queues
 * @irqs: Provisioned interrupt vectors
 * @memory: Provisioned device memory, bytes
 * @__reserved: 0; room for later attributes
 */
struct lm_fn_desc {
	uint32_t dev_id;
	uint32_t index;
	uint32_t state;
	bool online;
	bool migratable;
	bool vfio;
	bool pci;
	uint32_t vf;
	uint32_t hw_id;
	uint32_t pci_domain;
	uint32_t pci_bdf;
	uint32_t queues;
	uint32_t irqs;
	uint64_t memory;
	uint64_t __reserved[4];
};

/**
 * lm_dev_get() - Describe one device
 * @ctx: The context
 * @id: The device's id
 * @desc: Output: its description
 *
 * Return: 0 or -errno of the kernel (for instance -ENODEV for an unknown
 * id), with lm_ctx_errmsg() telling why; -EPROTO for a reply that lacks an
 * attribute every reply has.
 */
int lm_dev_get(struct lm_ctx *ctx, uint32_t id, struct lm_dev_desc *desc);

/**
 * typedef lm_dev_cb - Called for each device of a dump
 * @desc: The device; valid during the call
 * @arg: The caller's argument
 *
 * Return: 0 to go on; anything else ends the dump, and the function that
 * called it returns that value.
 */
typedef int (*lm_dev_cb)(const struct lm_dev_desc *desc, void *arg);

/**
 * lm_dev_list() - Describe every device
 * @ctx: The context
 * @cb: Called once per device, in the kernel's order (by id)
 * @arg: Passed to @cb
 *
 * Return: 0 when every device was seen; what @cb returned when it ended
 * the dump; -errno of the kernel or of the reply's parsing.
 */
int lm_dev_list(struct lm_ctx *ctx, lm_dev_cb cb, void *arg);

/**
 * lm_fn_get() - Describe one function
 * @ctx: The context
 * @dev_id: The device's id
 * @index: The function's index
 * @desc: Output: its description
 *
 * Return: 0 or -errno of the kernel (-ENODEV for an unknown device,
 * -ERANGE for an index beyond the device's functions), with
 * lm_ctx_errmsg() telling why.
 */
int lm_fn_get(struct lm_ctx *ctx, uint32_t dev_id, uint32_t index,
	      struct lm_fn_desc *desc);

/**
 * typedef lm_fn_cb - Called for each function of a dump
 * @desc: The function; valid during the call
 * @arg: The caller's argument
 *
 * Return: 0 to go on; anything else ends the dump, and the function that
 * called it returns that value.
 */
typedef int (*lm_fn_cb)(const struct lm_fn_desc *desc, void *arg);

/* lm_fn_list(): every device's functions. */
#define LM_DEV_ANY UINT32_MAX

/**
 * lm_fn_list() - Describe the functions of one device or of all
 * @ctx: The context
 * @dev_id: A device's id, or LM_DEV_ANY for every device's
 * @cb: Called once per function, by device, then by index
 * @arg: Passed to @cb
 *
 * The kernel answers in as many messages as it takes: thousands of
 * functions are fine.
 *
 * Return: as lm_dev_list().
 */
int lm_fn_list(struct lm_ctx *ctx, uint32_t dev_id, lm_fn_cb cb, void *arg);

/**
 * enum lm_fn_cfg_flags - Which members of &struct lm_fn_cfg to apply
 * @LM_CFG_QUEUES: &lm_fn_cfg.queues
 * @LM_CFG_IRQS: &lm_fn_cfg.irqs
 * @LM_CFG_MEMORY: &lm_fn_cfg.memory
 * @LM_CFG_ONLINE: &lm_fn_cfg.online
 * @LM_CFG_MIGRATABLE: &lm_fn_cfg.migratable
 */
enum lm_fn_cfg_flags {
	LM_CFG_QUEUES = 1 << 0,
	LM_CFG_IRQS = 1 << 1,
	LM_CFG_MEMORY = 1 << 2,
	LM_CFG_ONLINE = 1 << 3,
	LM_CFG_MIGRATABLE = 1 << 4,
};

/**
 * struct lm_fn_cfg - A change to a function's provisioning or migratability
 * @flags: &enum lm_fn_cfg_flags: the members to apply; at least one
 * @queues: Queues to assign
 * @irqs: Interrupt vectors to assign
 * @memory: Device memory to assign, bytes
 * @online: Bring the function online (true) or take it offline
 * @migratable: Enable (true) or disable migration of the function
 */
struct lm_fn_cfg {
	uint32_t flags;
	uint32_t queues;
	uint32_t irqs;
	uint64_t memory;
	bool online;
	bool migratable;
};

/**
 * lm_fn_set() - Provision a function, or enable or disable its migration
 * @ctx: The context
 * @dev_id: The device's id
 * @index: The function's index
 * @cfg: What to change
 *
 * One request: the kernel applies going offline first, then the resource
 * changes, then going online; migratable last when enabling, first when
 * disabling; and checks all of it before it changes anything. Needs
 * CAP_NET_ADMIN.
 *
 * Return: 0; -EINVAL when @cfg->flags is 0 or has unknown bits (nothing is
 * sent); otherwise -errno of the kernel with lm_ctx_errmsg() telling why:
 * -EPERM without privilege, -EBUSY (resources of an online function, a
 * migrating or migratable function), -ENOSPC (beyond what the device has
 * left), -EOPNOTSUPP (an attribute the device cannot provision), -EINVAL,
 * -ERANGE, -ENODEV.
 */
int lm_fn_set(struct lm_ctx *ctx, uint32_t dev_id, uint32_t index,
	      const struct lm_fn_cfg *cfg);

/**
 * lm_fn_attach() - Hand a function to VFIO
 * @ctx: The context
 * @dev_id: The device's id
 * @index: The function's index
 *
 * The kernel binds the function's PCI function (a VF) to the VFIO variant
 * driver lm-vfio-pci: its VFIO device, /dev/vfio/GROUP of the VF's IOMMU
 * group, then drives the function's migration (VFIO migration v2), and the
 * device's own migration requests on it fail with -EBUSY until
 * lm_fn_detach(). Needs CAP_NET_ADMIN. Since version 1.1.
 *
 * Return: 0, or -errno of the kernel with lm_ctx_errmsg() telling why:
 * -EBUSY (not migratable, not in RUNNING, handed to VFIO already, the VF
 * bound to a driver), -EOPNOTSUPP (not a PCI function, no lm-vfio-pci),
 * -ENODEV (no such device, the VF is not there), -ERANGE, -EPERM.
 */
int lm_fn_attach(struct lm_ctx *ctx, uint32_t dev_id, uint32_t index);

/**
 * lm_fn_detach() - Take a function back from VFIO
 * @ctx: The context
 * @dev_id: The device's id
 * @index: The function's index
 *
 * The kernel unbinds the function's VF from lm-vfio-pci, waiting until its
 * VFIO device is closed; a function its VFIO user left outside RUNNING is
 * reset. Needs CAP_NET_ADMIN. Since version 1.1.
 *
 * Return: 0, or -errno of the kernel with lm_ctx_errmsg() telling why:
 * -EINVAL when it is not handed to VFIO, -ENODEV, -ERANGE, -EPERM.
 */
int lm_fn_detach(struct lm_ctx *ctx, uint32_t dev_id, uint32_t index);

/**
 * lm_fn_iommu_group() - The IOMMU group of a function's PCI function
 * @desc: The function, as lm_fn_get() describes it
 *
 * What a VMM opens after lm_fn_attach() is /dev/vfio/GROUP. Read from sysfs.
 * Since version 1.1.
 *
 * Return: the group number; -ENODEV when the function is not a PCI
 * function, -ENOENT when its PCI function is in no IOMMU group (or not
 * there), -EPROTO when sysfs says something else.
 */
int lm_fn_iommu_group(const struct lm_fn_desc *desc);

/**
 * enum lm_event_type - What a monitor event reports
 * @LM_EVENT_DEV_ADD: A device was registered; &lm_event.dev is valid
 * @LM_EVENT_DEV_DEL: A device was unregistered; &lm_event.dev is valid
 * @LM_EVENT_FN_CHANGE: A function's migration state, provisioning or
 *                      migratable setting changed; &lm_event.fn is valid
 */
enum lm_event_type {
	LM_EVENT_DEV_ADD = 1,
	LM_EVENT_DEV_DEL,
	LM_EVENT_FN_CHANGE,
};

/**
 * struct lm_event - A notification of the "monitor" multicast group
 * @type: &enum lm_event_type
 * @dev: The device, for the device events
 * @fn: The function as it is after the change, for LM_EVENT_FN_CHANGE
 */
struct lm_event {
	enum lm_event_type type;
	union {
		struct lm_dev_desc dev;
		struct lm_fn_desc fn;
	};
};

/**
 * typedef lm_event_cb - Called for each monitor event
 * @event: The event; valid during the call
 * @arg: The caller's argument
 *
 * Return: 0 to go on; anything else makes lm_monitor_read() return it.
 */
typedef int (*lm_event_cb)(const struct lm_event *event, void *arg);

/**
 * lm_monitor_start() - Subscribe a context to the monitor group
 * @ctx: The context
 *
 * Events are then queued on a socket of their own (lm_monitor_fd()), apart
 * from the context's requests, from the moment this returns. Calling it
 * again does nothing.
 *
 * Return: 0, -ENOENT when the family has no monitor group, -errno.
 */
int lm_monitor_start(struct lm_ctx *ctx);

/**
 * lm_monitor_fd() - The file descriptor to poll for monitor events
 * @ctx: A context on which lm_monitor_start() succeeded
 *
 * Return: a descriptor that polls readable when lm_monitor_read() has
 * events to deliver, or -EINVAL before lm_monitor_start().
 */
int lm_monitor_fd(const struct lm_ctx *ctx);

/**
 * lm_monitor_read() - Deliver queued monitor events
 * @ctx: A context on which lm_monitor_start() succeeded
 * @cb: Called for each event, in the order the kernel sent them
 * @arg: Passed to @cb
 *
 * Waits for the next batch of events unless @nonblock, delivers the
 * events of that batch and returns. Events of an unknown type are skipped.
 *
 * Return: 0; what @cb returned when it was not 0; -EAGAIN with @nonblock
 * when nothing was queued; -ENOBUFS when events were lost because the
 * socket's queue overflowed (the caller should describe everything anew
 * and go on reading); -EINVAL before lm_monitor_start(); -errno.
 */
int lm_monitor_read(struct lm_ctx *ctx, bool nonblock, lm_event_cb cb,
		    void *arg);

/* The character device: migration. */

/**
 * struct lm_dev - An open /dev/lmN
 *
 * Opaque; made by lm_dev_open(), freed by lm_dev_close().
 */
struct lm_dev;

/**
 * lm_dev_open() - Open a device's character device
 * @id: N of /dev/lmN
 * @devp: Output: the open device
 *
 * Opens /dev/lmN read-write (the migration ioctls need it, and the file
 * must be opened with CAP_SYS_ADMIN to change anything) and reads its
 * LM_DEVICE_INFO.
 *
 * Return: 0; -ENOENT when there is no such device; -ENOMEM; -errno of
 * open() or of LM_DEVICE_INFO.
 */
int lm_dev_open(uint32_t id, struct lm_dev **devp);

/**
 * lm_dev_close() - Close a device and free it
 * @dev: The device, or NULL
 *
 * Data files returned by lm_dev_fn_set_state() stay open: they are the
 * caller's.
 */
void lm_dev_close(struct lm_dev *dev);

/**
 * lm_dev_id() - N of /dev/lmN of an open device
 * @dev: The device
 */
uint32_t lm_dev_id(const struct lm_dev *dev);

/**
 * lm_dev_fd() - The file descriptor of an open device, for the ioctls of
 * include/uapi/linux/lm.h that liblm does not wrap
 * @dev: The device
 */
int lm_dev_fd(const struct lm_dev *dev);

/**
 * lm_dev_info() - What the device said at lm_dev_open()
 * @dev: The device
 *
 * Return: its LM_DEVICE_INFO, valid until lm_dev_close().
 */
const struct lm_device_info *lm_dev_info(const struct lm_dev *dev);

/**
 * lm_dev_fn_info() - ioctl(LM_FN_INFO)
 * @dev: The device
 * @fn: The function's index
 * @info: Output
 *
 * Return: 0 or -errno of the ioctl (-ERANGE for @fn beyond the device's
 * functions, -ENODEV once the device is gone).
 */
int lm_dev_fn_info(struct lm_dev *dev, uint32_t fn, struct lm_fn_info *info);

/**
 * lm_dev_fn_set_state() - ioctl(LM_FN_SET_STATE)
 * @dev: The device
 * @fn: The function's index
 * @state: The &enum lm_mig_state to move to
 * @data_fd: Output, or NULL: the data file the move opened (the caller
 *           closes it), or -1 when it opened none. With NULL, a data file
 *           the move opened is closed at once (its session stays until
 *           the function leaves the saving group or RESUMING).
 *
 * Return: 0 or -errno of the ioctl; on failure the function is in its
 * original state, one along the way, or ERROR (lm_dev_fn_get_state()).
 */
int lm_dev_fn_set_state(struct lm_dev *dev, uint32_t fn, uint32_t state,
			int *data_fd);

/**
 * lm_dev_fn_get_state() - ioctl(LM_FN_GET_STATE)
 * @dev: The device
 * @fn: The function's index
 * @state: Output: its &enum lm_mig_state
 *
 * Return: 0 or -errno of the ioctl.
 */
int lm_dev_fn_get_state(struct lm_dev *dev, uint32_t fn, uint32_t *state);

/**
 * lm_dev_fn_data_size() - ioctl(LM_FN_DATA_SIZE)
 * @dev: The device
 * @fn: The function's index
 * @bytes: Output: estimate of the stream bytes a move to STOP_COPY from
 *         the current state would produce
 *
 * Return: 0 or -errno of the ioctl.
 */
int lm_dev_fn_data_size(struct lm_dev *dev, uint32_t fn, uint64_t *bytes);

/**
 * lm_dev_fn_reset() - ioctl(LM_FN_RESET)
 * @dev: The device
 * @fn: The function's index
 *
 * Resets the function's device state and returns it to RUNNING from any
 * migration state; provisioning and migratability are kept.
 *
 * Return: 0 or -errno of the ioctl.
 */
int lm_dev_fn_reset(struct lm_dev *dev, uint32_t fn);

/**
 * lm_data_precopy_info() - ioctl(LM_PRECOPY_INFO) on a data file
 * @data_fd: A save data file of a function in PRE_COPY or PRE_COPY_P2P
 * @initial_bytes: Output, or NULL: stream bytes of the initial image not
 *                 read yet
 * @dirty_bytes: Output, or NULL: stream bytes of state changed since it
 *               was read
 *
 * Return: 0 or -errno of the ioctl (-EINVAL outside PRE_COPY, -ENOTTY for
 * a descriptor that is no data file).
 */
int lm_data_precopy_info(int data_fd, uint64_t *initial_bytes,
			 uint64_t *dirty_bytes);

/**
 * typedef lm_progress_cb - Progress of a transfer
 * @done: Stream bytes moved so far
 * @total: Stream bytes expected in all, 0 when unknown; an estimate that
 *         @done may pass
 * @arg: The caller's argument
 *
 * Called after each piece of the stream, and when a blocking read or
 * write was interrupted by a signal.
 *
 * Return: 0 to go on; anything else cancels the transfer, which then
 * fails with -ECANCELED after cleaning up as for any failure.
 */
typedef int (*lm_progress_cb)(uint64_t done, uint64_t total, void *arg);

/**
 * struct lm_xfer_result - What lm_fn_save() or lm_fn_restore() did
 * @bytes: Stream bytes moved
 * @total: The size the stream was expected to have, 0 when unknown
 * @duration_ns: Time from the first state change to the last
 * @failed_step: NULL on success; else a static description of the step
 *               that failed, such as "reading the input"
 */
struct lm_xfer_result {
	uint64_t bytes;
	uint64_t total;
	uint64_t duration_ns;
	const char *failed_step;
};

/**
 * lm_fn_save() - Save a function's state to a file descriptor
 * @dev: The device
 * @fn: The function's index; migratable, in RUNNING, RUNNING_P2P or STOP
 * @out_fd: Where the stream goes: a file, pipe, socket...
 * @progress: Called as the stream goes, or NULL
 * @arg: Passed to @progress
 * @result: Output, or NULL
 *
 * Stops the function (STOP_COPY), writes its whole stream to @out_fd and
 * returns it to the state it was in, with its device state as it was.
 * The function does not run between the two: that is the downtime of a
 * save. The stream moves with splice(2) where @out_fd takes it, so that it
 * does not pass through user space, else with read() and write().
 *
 * Return: 0; -EBUSY when the function is not migratable or is migrating;
 * -errno of the state changes, of reading the data file or of writing
 * @out_fd; -ECANCELED when @progress asked. On failure the function is
 * returned to its original state when the kernel allows it.
 */
int lm_fn_save(struct lm_dev *dev, uint32_t fn, int out_fd,
	       lm_progress_cb progress, void *arg,
	       struct lm_xfer_result *result);

/**
 * lm_fn_restore() - Restore a function's state from a file descriptor
 * @dev: The device
 * @fn: The function's index; migratable, in RUNNING, RUNNING_P2P or STOP
 * @in_fd: Where the stream comes from, read to its end
 * @progress: Called as the stream goes, or NULL
 * @arg: Passed to @progress
 * @result: Output, or NULL
 *
 * Takes the function to RESUMING, writes everything read from @in_fd to
 * it and, at the end of the input, runs the function (RUNNING). The
 * expected total is the remaining size of @in_fd when it is a regular
 * file, else unknown.
 *
 * Return: 0; -EBUSY when the function is not migratable or is migrating;
 * -errno of reading @in_fd or of the state changes; the errno the core
 * gives a stream it refuses (-EPROTO, -EPROTONOSUPPORT, -EXDEV, -EBADMSG,
 * -EMSGSIZE, and -ENODATA for a stream that ended early); -ECANCELED when
 * @progress asked. A failure once the function entered RESUMING resets it
 * (lm_dev_fn_reset()): it runs again with an empty state, ready for
 * another attempt; a failure before leaves it in its original state.
 */
int lm_fn_restore(struct lm_dev *dev, uint32_t fn, int in_fd,
		  lm_progress_cb progress, void *arg,
		  struct lm_xfer_result *result);

/**
 * enum lm_migrate_flags - Options of lm_fn_migrate()
 * @LM_MIGRATE_NO_PRECOPY: Stop the source at once and send its whole state
 *                         then (stop-and-copy), even when the device can
 *                         pre-copy
 */
enum lm_migrate_flags {
	LM_MIGRATE_NO_PRECOPY = 1 << 0,
};

/**
 * struct lm_migrate_round - One PRE_COPY round, for &lm_migrate_opts.round
 * @round: 1 for the first round
 * @initial_bytes: LM_PRECOPY_INFO's initial bytes when the round began
 * @dirty_bytes: LM_PRECOPY_INFO's dirty bytes when the round began
 * @bytes: Stream bytes the round sent
 * @duration_ns: How long it took
 */
struct lm_migrate_round {
	uint32_t round;
	uint64_t initial_bytes;
	uint64_t dirty_bytes;
	uint64_t bytes;
	uint64_t duration_ns;
};

/**
 * struct lm_migrate_opts - How lm_fn_migrate() migrates
 * @flags: &enum lm_migrate_flags
 * @max_rounds: Most PRE_COPY rounds before stopping the source whatever
 *              they achieve; 0 for the default, 30
 * @converge_bytes: A round that sends at most this many bytes ends the
 *                  PRE_COPY phase; 0 for the default, 1 MiB
 * @round: Called after each PRE_COPY round, or NULL
 * @progress: Called as the stream goes (@total unknown), or NULL
 * @arg: Passed to @round and @progress
 *
 * PRE_COPY also ends once a round after the second sends no fewer bytes
 * than the one before: the device changes its state as fast as it is
 * sent, and more rounds would not shorten the downtime.
 */
struct lm_migrate_opts {
	uint32_t flags;
	uint32_t max_rounds;
	uint64_t converge_bytes;
	void (*round)(const struct lm_migrate_round *round, void *arg);
	lm_progress_cb progress;
	void *arg;
};

/**
 * struct lm_migrate_result - What lm_fn_migrate() did
 * @rounds: PRE_COPY rounds; 0 for a stop-and-copy migration
 * @precopy_bytes: Stream bytes sent while the source ran
 * @stop_copy_bytes: Stream bytes sent while it was stopped
 * @downtime_ns: From the request that stopped the source to the
 *               destination running
 * @duration_ns: From the destination entering RESUMING to it running
 * @failed_step: NULL on success; else a static description of the step
 *               that failed, such as "destination: entering RESUMING"
 */
struct lm_migrate_result {
	uint32_t rounds;
	uint64_t precopy_bytes;
	uint64_t stop_copy_bytes;
	uint64_t downtime_ns;
	uint64_t duration_ns;
	const char *failed_step;
};

/**
 * lm_fn_migrate() - Migrate a function into another, on this host
 * @src: The source's device
 * @src_fn: The source function; migratable, in RUNNING (or STOP: then
 *          without PRE_COPY)
 * @dst: The destination's device (@src again for a function of the same
 *       device)
 * @dst_fn: The destination function; migratable, in RUNNING or STOP, with
 *          the source's compatibility key
 * @opts: How, or NULL for the defaults
 * @result: Output, or NULL
 *
 * Takes the destination to RESUMING, then, when the device can pre-copy
 * and @opts allows it, streams the source's state in PRE_COPY rounds while
 * it runs (each round sends what the data file has, up to what
 * LM_PRECOPY_INFO said at its start) until they converge; then stops the
 * source (STOP_COPY), sends the rest and runs the destination. The source
 * is left in STOP with the state that was migrated; moving it to RUNNING
 * runs it again.
 *
 * Return: 0; -EINVAL when source and destination are the same function;
 * -errno of the failing step, which @result names; -ECANCELED when
 * @opts->progress asked. On failure the source is returned to the state it
 * was in, with its device state, and the destination is reset (empty and
 * RUNNING) once it had entered RESUMING, else returned to its state.
 */
int lm_fn_migrate(struct lm_dev *src, uint32_t src_fn, struct lm_dev *dst,
		  uint32_t dst_fn, const struct lm_migrate_opts *opts,
		  struct lm_migrate_result *result);

#ifdef __cplusplus
}
#endif

#endif /* _LIBLM_H */
