/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Live migration through the controlling function.
 *
 * Copyright (c) 2026 The lm authors
 */
#ifndef _UAPI_LINUX_LM_H
#define _UAPI_LINUX_LM_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define LM_TYPE 0xBC

/**
 * DOC: General ioctl format
 *
 * Every controlling function registered with the live-migration core appears
 * as a character device ``/dev/lmN``. Its controlled functions ("fn") are
 * addressed by index, 0 to &lm_device_info.num_fns - 1, in each ioctl.
 *
 * The ioctl interface follows a general format to allow for extensibility.
 * Each ioctl is passed a structure pointer as the argument providing the size
 * of the structure in the first u32. The kernel checks that any structure
 * space beyond what it understands is 0. This allows userspace to use the
 * backward compatible portion while consistently using the newer, larger,
 * structures.
 *
 * Every structure also carries a ``flags`` word; bits the kernel does not
 * know are rejected, as are non-zero reserved input fields. Zero is always
 * the default behaviour, so a structure built by older userspace means the
 * same thing to a newer kernel. Output fields are ignored on input, so a
 * structure may be reused from an earlier call.
 *
 * ioctls use a standard meaning for common errnos:
 *
 *  - ENOTTY: The ioctl number itself is not supported at all
 *  - E2BIG: The ioctl number is supported, but the provided structure has
 *    non-zero in a part the kernel does not understand.
 *  - EOPNOTSUPP: The ioctl number is supported, and the structure is
 *    understood, however a known field has a value the kernel does not
 *    understand or support (an unknown flag, a non-zero reserved field, a
 *    capability the device does not have).
 *  - EINVAL: Everything about the ioctl was understood, but a field is not
 *    correct (including a ``size`` smaller than the first version of the
 *    structure).
 *  - ERANGE: The function index is beyond &lm_device_info.num_fns.
 *  - ENODEV: The controlling function has been unregistered (driver unbound,
 *    module unloaded, device removed); every later call on this file, and on
 *    any data file opened from it, fails this way.
 *  - EBUSY: The function is in a state that forbids the request: it is
 *    handed to VFIO, it is migrating, or it must first be taken offline.
 *  - EPERM: The file was opened without CAP_SYS_ADMIN and the ioctl changes
 *    something.
 *  - EOPNOTSUPP also answers the migration ioctls (LM_FN_SET_MIGRATABLE,
 *    LM_FN_SET_STATE, LM_FN_DATA_SIZE, LM_FN_RESET) on a device without
 *    migration support (&lm_device_info.mig_caps == 0); LM_FN_GET_STATE
 *    still works there and reports RUNNING.
 *  - ENOMEM: Out of memory.
 *  - EFAULT: The structure or a pointer in it is not accessible.
 *
 * Other errnos carry the meaning documented at each ioctl; the errors of the
 * migration data stream are listed in "Migration data stream" below.
 */

/**
 * DOC: Permissions
 *
 * Opening ``/dev/lmN`` is governed by the file mode (root only by default).
 * Queries (LM_DEVICE_INFO, LM_FN_INFO, LM_FN_GET_STATE, LM_FN_DATA_SIZE) are
 * allowed on any open file. Everything that changes a function requires that
 * the file was opened by a task with CAP_SYS_ADMIN; the check uses the
 * credentials of the opener, so a privileged manager may open the device and
 * pass the file to a less privileged VMM.
 */

enum {
	LM_CMD_BASE = 0x80,
	LM_CMD_DEVICE_INFO = LM_CMD_BASE,
	LM_CMD_FN_INFO,
	LM_CMD_FN_PROVISION,
	LM_CMD_FN_SET_MIGRATABLE,
	LM_CMD_FN_SET_STATE,
	LM_CMD_FN_GET_STATE,
	LM_CMD_FN_DATA_SIZE,
	LM_CMD_FN_RESET,
	LM_CMD_PRECOPY_INFO = LM_CMD_BASE + 0x20,
};

#define LM_NAME_MAX 32
#define LM_PARENT_MAX 64

/**
 * enum lm_mig_caps - Migration capabilities of a controlling function
 * @LM_MIG_STOP_COPY: The functions support STOP, STOP_COPY, RESUMING and
 *                    RUNNING: the mandatory part of migration.
 * @LM_MIG_P2P: The functions support the RUNNING_P2P quiescent state (and
 *              PRE_COPY_P2P with @LM_MIG_PRE_COPY).
 * @LM_MIG_PRE_COPY: The functions support PRE_COPY: their state can be
 *                   streamed while they run, with dirty tracking.
 *
 * The values are those of VFIO_MIGRATION_STOP_COPY, VFIO_MIGRATION_P2P and
 * VFIO_MIGRATION_PRE_COPY, so a VMM can pass them on unchanged.
 */
enum lm_mig_caps {
	LM_MIG_STOP_COPY = 1 << 0,
	LM_MIG_P2P = 1 << 1,
	LM_MIG_PRE_COPY = 1 << 2,
};

/**
 * enum lm_prov_flags - Provisioning attributes
 * @LM_PROV_QUEUES: &lm_fn_provision.queues is valid
 * @LM_PROV_IRQS: &lm_fn_provision.irqs is valid
 * @LM_PROV_MEMORY: &lm_fn_provision.memory is valid
 * @LM_PROV_ONLINE: &lm_fn_provision.online is valid
 *
 * Used as the request mask of &struct lm_fn_provision and, in
 * &lm_device_info.prov_caps, to say which attributes a controlling function
 * can provision at all.
 */
enum lm_prov_flags {
	LM_PROV_QUEUES = 1 << 0,
	LM_PROV_IRQS = 1 << 1,
	LM_PROV_MEMORY = 1 << 2,
	LM_PROV_ONLINE = 1 << 3,
};

/**
 * struct lm_device_info - ioctl(LM_DEVICE_INFO)
 * @size: sizeof(struct lm_device_info)
 * @flags: Must be 0
 * @mig_caps: Output: the &enum lm_mig_caps of all functions of this device;
 *            0 when the device can provision but not migrate
 * @prov_caps: Output: the &enum lm_prov_flags this device can provision
 * @num_fns: Output: number of controlled functions, indexed from 0
 * @stream_version: Output: the &lm_stream_header.version this kernel
 *                  produces and accepts
 * @driver: Output: name of the controlling function's driver, NUL terminated
 * @parent: Output: name of the controlling function's device (for a PCI
 *          function its address, ``0000:01:00.0``), NUL terminated
 */
struct lm_device_info {
	__u32 size;
	__u32 flags;
	__aligned_u64 mig_caps;
	__aligned_u64 prov_caps;
	__u32 num_fns;
	__u32 stream_version;
	char driver[LM_NAME_MAX];
	char parent[LM_PARENT_MAX];
};

#define LM_DEVICE_INFO _IO(LM_TYPE, LM_CMD_DEVICE_INFO)

/**
 * enum lm_fn_flags - State of a controlled function
 * @LM_FN_ONLINE: The function is provisioned and online (usable by a host
 *                or guest driver)
 * @LM_FN_MIGRATABLE: Migration is enabled for the function
 *                    (LM_FN_SET_MIGRATABLE)
 * @LM_FN_VFIO: The function is handed to VFIO; migration is driven through
 *              the VFIO device and the migration ioctls here return EBUSY
 * @LM_FN_PCI: The function exists as a PCI function and
 *             &lm_fn_info.pci_domain and &lm_fn_info.pci_bdf locate it
 */
enum lm_fn_flags {
	LM_FN_ONLINE = 1 << 0,
	LM_FN_MIGRATABLE = 1 << 1,
	LM_FN_VFIO = 1 << 2,
	LM_FN_PCI = 1 << 3,
};

/**
 * struct lm_fn_info - ioctl(LM_FN_INFO)
 * @size: sizeof(struct lm_fn_info)
 * @flags: Must be 0
 * @fn: Input: function index
 * @fn_flags: Output: &enum lm_fn_flags
 * @mig_state: Output: current &enum lm_mig_state
 * @vf: Output: 1-based SR-IOV VF number of the function, 0 if it has none
 * @hw_id: Output: the function's identifier in the controlling function's
 *         own namespace (NVMe: the secondary controller identifier)
 * @pci_domain: Output: PCI domain of the function with LM_FN_PCI, else 0
 * @pci_bdf: Output: PCI bus << 8 | devfn of the function with LM_FN_PCI,
 *           else 0
 * @queues: Output: provisioned queues (NVMe: VQ resources)
 * @irqs: Output: provisioned interrupt vectors (NVMe: VI resources)
 * @__reserved: Output: 0
 * @memory: Output: provisioned device memory (the size of the function's
 *          migratable state for devices where that is configurable), bytes
 */
struct lm_fn_info {
	__u32 size;
	__u32 flags;
	__u32 fn;
	__u32 fn_flags;
	__u32 mig_state;
	__u32 vf;
	__u32 hw_id;
	__u32 pci_domain;
	__u32 pci_bdf;
	__u32 queues;
	__u32 irqs;
	__u32 __reserved;
	__aligned_u64 memory;
};

#define LM_FN_INFO _IO(LM_TYPE, LM_CMD_FN_INFO)

/**
 * struct lm_fn_provision - ioctl(LM_FN_PROVISION)
 * @size: sizeof(struct lm_fn_provision)
 * @flags: Which of the fields below to apply, &enum lm_prov_flags; at least
 *         one. A flag the device does not have in
 *         &lm_device_info.prov_caps fails with EOPNOTSUPP. A field whose
 *         flag is not set must be 0 (EINVAL).
 * @fn: Input: function index
 * @queues: Input: queues to assign, with LM_PROV_QUEUES
 * @irqs: Input: interrupt vectors to assign, with LM_PROV_IRQS
 * @online: Input: 1 to bring the function online, 0 to take it offline,
 *          with LM_PROV_ONLINE
 * @memory: Input: device memory to assign in bytes, with LM_PROV_MEMORY
 *
 * Resources can only be changed while the function is offline: a request
 * that changes resources of an online function without also taking it
 * offline fails with EBUSY. When one request both changes resources and
 * sets @online, the order is the one the device needs: going offline comes
 * before the resource change, going online after it. A function that is
 * migratable, handed to VFIO or not in RUNNING cannot be provisioned
 * (EBUSY). Values the device cannot satisfy fail with EINVAL (malformed) or
 * ENOSPC (more than the controlling function has left, counting what the
 * function itself holds now as free), and are refused before anything is
 * changed. A device error while applying a valid request may leave the
 * function offline; LM_FN_INFO tells.
 */
struct lm_fn_provision {
	__u32 size;
	__u32 flags;
	__u32 fn;
	__u32 queues;
	__u32 irqs;
	__u32 online;
	__aligned_u64 memory;
};

#define LM_FN_PROVISION _IO(LM_TYPE, LM_CMD_FN_PROVISION)

/**
 * struct lm_fn_migratable - ioctl(LM_FN_SET_MIGRATABLE)
 * @size: sizeof(struct lm_fn_migratable)
 * @flags: Must be 0
 * @fn: Input: function index
 * @enable: Input: 1 to enable migration of the function, 0 to disable it
 *
 * A function must be migratable before its migration state can leave
 * RUNNING. Enabling requires the function to be online (EBUSY otherwise);
 * disabling requires it to be in RUNNING (EBUSY otherwise). A device
 * without migration support (&lm_device_info.mig_caps == 0) fails with
 * EOPNOTSUPP.
 */
struct lm_fn_migratable {
	__u32 size;
	__u32 flags;
	__u32 fn;
	__u32 enable;
};

#define LM_FN_SET_MIGRATABLE _IO(LM_TYPE, LM_CMD_FN_SET_MIGRATABLE)

/**
 * enum lm_mig_state - Migration state of a controlled function
 * @LM_MIG_STATE_ERROR: The function failed a transition and could not
 *                      return to a valid state; only LM_FN_RESET leaves it
 * @LM_MIG_STATE_STOP: Not running, state does not change
 * @LM_MIG_STATE_RUNNING: Fully operational (the state after reset)
 * @LM_MIG_STATE_STOP_COPY: STOP, and the data file streams the final state
 * @LM_MIG_STATE_RESUMING: Not running, and the data file accepts a stream
 * @LM_MIG_STATE_RUNNING_P2P: Running but initiating no peer-to-peer DMA
 * @LM_MIG_STATE_PRE_COPY: Running, and the data file streams its state
 *                         while it runs
 * @LM_MIG_STATE_PRE_COPY_P2P: PRE_COPY while in the P2P quiescent state
 *
 * The states, their values and every arc between them are those of VFIO
 * migration v2 (``enum vfio_device_mig_state``, see include/uapi/linux/vfio.h
 * for the meaning of each arc). A request to move between two states that
 * are not joined by one arc is carried out as the sequence of arcs VFIO
 * takes (vfio_mig_get_next_state()): the shortest path that leaves the
 * saving group (PRE_COPY, PRE_COPY_P2P, STOP_COPY) at most at its start and
 * enters it at most at its end, skipping states outside the device's
 * &lm_device_info.mig_caps. Refused with EINVAL: a state number out of
 * range, ERROR, a state outside mig_caps, STOP_COPY -> PRE_COPY,
 * STOP_COPY -> PRE_COPY_P2P, and any request made in ERROR.
 */
enum lm_mig_state {
	LM_MIG_STATE_ERROR = 0,
	LM_MIG_STATE_STOP = 1,
	LM_MIG_STATE_RUNNING = 2,
	LM_MIG_STATE_STOP_COPY = 3,
	LM_MIG_STATE_RESUMING = 4,
	LM_MIG_STATE_RUNNING_P2P = 5,
	LM_MIG_STATE_PRE_COPY = 6,
	LM_MIG_STATE_PRE_COPY_P2P = 7,
};

/**
 * struct lm_fn_mig_state - ioctl(LM_FN_SET_STATE) and ioctl(LM_FN_GET_STATE)
 * @size: sizeof(struct lm_fn_mig_state)
 * @flags: Must be 0
 * @fn: Input: function index
 * @device_state: Input for LM_FN_SET_STATE: the &enum lm_mig_state to move
 *                to. Output: the state the function is in.
 * @data_fd: Output: a new data file (O_CLOEXEC) when the request entered a
 *           saving state from outside the saving group (read it for the
 *           stream) or entered RESUMING (write the stream to it); -1
 *           otherwise. Moving between saving states keeps the data file
 *           already open.
 * @__reserved: Must be 0
 *
 * A function that is not migratable can only be asked for RUNNING (EBUSY
 * otherwise). On failure of LM_FN_SET_STATE the structure is not written
 * back. The function is then in its original state, in a state along the
 * way (the arcs before the failing one took effect), or in ERROR;
 * LM_FN_GET_STATE tells which. Leaving RESUMING before a whole stream was
 * written fails with ENODATA and leaves the function in ERROR.
 *
 * A save data file is read-only and a restore data file write-only (EBADF
 * otherwise). Leaving the saving group or RESUMING ends the data file's
 * session: later reads, writes and ioctls on it fail with EINVAL; it still
 * has to be closed.
 */
struct lm_fn_mig_state {
	__u32 size;
	__u32 flags;
	__u32 fn;
	__u32 device_state;
	__s32 data_fd;
	__u32 __reserved;
};

#define LM_FN_SET_STATE _IO(LM_TYPE, LM_CMD_FN_SET_STATE)
#define LM_FN_GET_STATE _IO(LM_TYPE, LM_CMD_FN_GET_STATE)

/**
 * struct lm_fn_data_size - ioctl(LM_FN_DATA_SIZE)
 * @size: sizeof(struct lm_fn_data_size)
 * @flags: Must be 0
 * @fn: Input: function index
 * @__reserved: Must be 0
 * @stop_copy_length: Output: estimate of the stream bytes a move to
 *                    STOP_COPY from the current state would produce,
 *                    envelope included
 *
 * The counterpart of VFIO_DEVICE_FEATURE_MIG_DATA_SIZE.
 */
struct lm_fn_data_size {
	__u32 size;
	__u32 flags;
	__u32 fn;
	__u32 __reserved;
	__aligned_u64 stop_copy_length;
};

#define LM_FN_DATA_SIZE _IO(LM_TYPE, LM_CMD_FN_DATA_SIZE)

/**
 * struct lm_fn_reset - ioctl(LM_FN_RESET)
 * @size: sizeof(struct lm_fn_reset)
 * @flags: Must be 0
 * @fn: Input: function index
 * @__reserved: Must be 0
 *
 * Reset the function's device state and return it to RUNNING from any
 * migration state, ERROR included, ending any data file session. The
 * counterpart of VFIO_DEVICE_RESET for a migrating function; provisioning
 * and the migratable setting are kept. Allowed whether or not the function
 * is migratable, as is LM_FN_DATA_SIZE.
 */
struct lm_fn_reset {
	__u32 size;
	__u32 flags;
	__u32 fn;
	__u32 __reserved;
};

#define LM_FN_RESET _IO(LM_TYPE, LM_CMD_FN_RESET)

/**
 * struct lm_precopy_info - ioctl(LM_PRECOPY_INFO) on a data file
 * @size: sizeof(struct lm_precopy_info)
 * @flags: Must be 0
 * @initial_bytes: Output: stream bytes of the initial image not read yet
 * @dirty_bytes: Output: stream bytes of state changed since it was read
 *
 * Valid only while the function is in PRE_COPY or PRE_COPY_P2P (EINVAL
 * otherwise), with the semantics of VFIO_MIG_GET_PRECOPY_INFO: when both
 * values are 0 the stream has reached a temporary end and read() fails with
 * ENOMSG until the function changes more state; poll() reports the data
 * file readable again when it has. In STOP_COPY the end of stream is final
 * and read() returns 0.
 */
struct lm_precopy_info {
	__u32 size;
	__u32 flags;
	__aligned_u64 initial_bytes;
	__aligned_u64 dirty_bytes;
};

#define LM_PRECOPY_INFO _IO(LM_TYPE, LM_CMD_PRECOPY_INFO)

/**
 * DOC: Migration data stream
 *
 * The bytes read from a saving data file, and the only bytes a RESUMING data
 * file accepts, form one stream. The core wraps the driver's opaque device
 * state in an envelope it produces and checks itself; all integers are
 * little endian and every checksum is XXH64 with seed 0:
 *
 *  - one &struct lm_stream_header,
 *  - any number of records, each a &struct lm_record_header followed by
 *    &lm_record_header.length payload bytes (LM_RECORD_DATA),
 *  - one LM_RECORD_END record whose payload is a &struct lm_stream_end.
 *
 * A restore is checked before the driver sees any of it: the header (magic,
 * version, size, then checksum, then flags and reserved fields, then the
 * producing driver and compatibility key) before the first record, each
 * record in full (header checksum, then flags, sequence number, type and
 * length; then the payload checksum) before its payload is passed on, the
 * totals at the end. DATA records carry at least one byte; flags and
 * reserved fields are 0. A data file may be written in pieces of any size,
 * a byte at a time included. The errors:
 *
 *  - EPROTO: not an lm stream (bad magic), a malformed header or record
 *    header (wrong size, non-zero flags or reserved fields, an empty DATA
 *    record), an unknown record type, a record out of sequence, bytes after
 *    the end record, or totals that do not match the records.
 *  - EPROTONOSUPPORT: a stream format version this kernel does not know.
 *  - EXDEV: produced by another driver, or by a function whose
 *    compatibility key differs from the destination's.
 *  - EBADMSG: a header or payload checksum does not match.
 *  - EMSGSIZE: a record larger than LM_RECORD_MAX_PAYLOAD, or device state
 *    larger than the destination function can hold.
 *  - ENODATA: RESUMING was left before the end record (a truncated stream).
 *
 * After an error the data file refuses further writes with the same errno
 * and the function stays in RESUMING: leaving it then fails (ENODATA, the
 * function goes to ERROR) and LM_FN_RESET returns it to RUNNING, ready for
 * another attempt. The function's provisioning and the other functions are
 * untouched.
 *
 * A save fails the same way: once read() returned an error (the driver's,
 * e.g. EIO) every later read returns it, since a stream with a hole cannot
 * go on. The function stays in its saving state; moving it back to RUNNING
 * keeps its device state and a new save session starts from scratch, while
 * LM_FN_RESET also resets the device state.
 *
 * Data files also splice(2), both ways. A save file passes the pages its
 * stream was produced into by reference, and never writes them again; a
 * restore file that receives a record's payload in order in such pages
 * checks it there and hands it to the driver without copying it. Bytes from
 * any other pipe buffer (a file's, vmsplice(2)'d user memory) are copied
 * first, as write() copies them, and every check above applies to both.
 *
 * Once the session has ended (the function left the saving group or
 * RESUMING, was reset, or the device is gone) that takes precedence: reads,
 * writes and ioctls fail with EINVAL (ENODEV for a device gone), and poll()
 * reports EPOLLERR. Otherwise a save file polls readable when read() would
 * not fail with ENOMSG (always in STOP_COPY, EOF included) and a restore
 * file polls writable.
 */

#define LM_STREAM_MAGIC 0x54534d4cU /* "LMST" */
#define LM_STREAM_VERSION 1
#define LM_RECORD_MAX_PAYLOAD (16U << 20)

/**
 * struct lm_stream_header - Start of every migration data stream
 * @magic: LM_STREAM_MAGIC
 * @version: LM_STREAM_VERSION
 * @header_size: sizeof(struct lm_stream_header) of @version
 * @flags: None defined, 0
 * @fn: Index of the function that produced the stream (informational)
 * @driver: Producing driver, NUL padded
 * @compat: The producing function's compatibility key, defined by the
 *          driver (device model, state format); NUL padded. A stream is
 *          only accepted by a function with the same key.
 * @reserved: 0
 * @checksum: XXH64 of the bytes of the header before this field
 */
struct lm_stream_header {
	__le32 magic;
	__le16 version;
	__le16 header_size;
	__le32 flags;
	__le32 fn;
	char driver[LM_NAME_MAX];
	char compat[64];
	__le64 reserved[2];
	__le64 checksum;
};

/**
 * enum lm_record_type - Record types of the migration data stream
 * @LM_RECORD_DATA: Opaque device state for the driver
 * @LM_RECORD_END: The last record; payload is &struct lm_stream_end
 */
enum lm_record_type {
	LM_RECORD_DATA = 1,
	LM_RECORD_END = 2,
};

/**
 * struct lm_record_header - Header of each record of the stream
 * @type: &enum lm_record_type
 * @flags: None defined, 0
 * @seq: Sequence number of the record in its stream, from 0
 * @length: Payload bytes following this header
 * @payload_checksum: XXH64 of the payload
 * @checksum: XXH64 of the bytes of the header before this field
 */
struct lm_record_header {
	__le16 type;
	__le16 flags;
	__le32 seq;
	__le64 length;
	__le64 payload_checksum;
	__le64 checksum;
};

/**
 * struct lm_stream_end - Payload of the LM_RECORD_END record
 * @records: Number of LM_RECORD_DATA records before it
 * @bytes: Sum of their payload lengths
 */
struct lm_stream_end {
	__le64 records;
	__le64 bytes;
};

/**
 * DOC: Generic netlink family "lm"
 *
 * Discovery, provisioning and monitoring without opening a device: the
 * family's specification is docs/netlink/lm.yaml. The family exists in the
 * initial network namespace only, as the devices belong to the host.
 * Devices are named by LM_A_DEV_ID, the N of /dev/lmN; functions by
 * LM_A_FN_DEV_ID and LM_A_FN_INDEX. A dump of functions, of one device
 * (LM_A_FN_DEV_ID given) or of all, takes as many messages as it needs, in
 * the order of device id and index.
 *
 * LM_NL_CMD_FN_SET needs CAP_NET_ADMIN (EPERM otherwise) and applies the
 * rules of LM_FN_PROVISION and LM_FN_SET_MIGRATABLE, with the same errnos;
 * each attribute present is a value to set (LM_FN_PROVISION's flags are the
 * attributes given). Every rule is checked before anything changes; then
 * migratable is disabled first, provisioning applied (going offline before
 * resource changes, online after them) and migratable enabled last. A
 * device failure stops the request where it happens.
 *
 * LM_NL_CMD_FN_ATTACH hands a function to VFIO: the kernel binds its PCI
 * function (a VF) to the VFIO PCI variant driver lm-vfio-pci, loading it
 * if needed; the VF's VFIO device (/dev/vfio/GROUP, its IOMMU group in
 * sysfs) then drives the function's migration with VFIO migration v2,
 * through the same state machine and data stream as LM_FN_SET_STATE, and
 * the function reports LM_FN_VFIO. Refused with EOPNOTSUPP for a function
 * that is not a PCI function or when lm-vfio-pci is not available, EBUSY
 * when it is not migratable, not in RUNNING, handed to VFIO already, or its
 * PCI function is bound to a driver, ENODEV when that PCI function is not
 * there (its VF not enabled). LM_NL_CMD_FN_DETACH unbinds it again, waiting
 * until the VFIO device is closed; the function is reset if its VFIO user
 * left it outside RUNNING. EINVAL when it is not handed to VFIO. Both need
 * CAP_NET_ADMIN.
 *
 * Every refusal carries an extack message. The errnos, besides those of the
 * ioctls: EINVAL for a missing LM_A_FN_DEV_ID or LM_A_FN_INDEX (and
 * LM_A_DEV_ID of a get), an attribute of the wrong type or length, or one
 * the command does not take; ERANGE for an attribute value out of its range
 * (online or migratable above 1) and for an index beyond the device's
 * functions; ENODEV for a device id that names no registered device. The
 * offending attribute is marked in the extack.
 *
 * The "monitor" multicast group carries LM_NL_CMD_DEV_ADD_NTF once a device
 * is registered and LM_NL_CMD_DEV_DEL_NTF when it is unregistered (both the
 * reply of LM_NL_CMD_DEV_GET), and LM_NL_CMD_FN_CHANGE_NTF (the reply of
 * LM_NL_CMD_FN_GET) in between. A function change notification is sent
 * once for each request, by ioctl or by netlink, that changed the function's
 * migration state, provisioning or migratable setting, and tells the
 * function as the request left it: a LM_FN_SET_STATE walking several arcs
 * notifies once, with its final state; a failed request notifies if it
 * changed anything (a walk that took some arcs, ENODATA leaving RESUMING for
 * ERROR); every LM_FN_RESET carried out notifies, even in RUNNING. The
 * notifications of one function come in the order of its changes, and
 * those of a device after its LM_NL_CMD_DEV_ADD_NTF and before its
 * LM_NL_CMD_DEV_DEL_NTF. A listener whose socket could not take a
 * notification, or for which one could not be built, gets ENOBUFS from its
 * next receive: it should dump again.
 */

#define LM_FAMILY_NAME "lm"
#define LM_FAMILY_VERSION 1
#define LM_MCGRP_MONITOR "monitor"

enum lm_a_dev {
	LM_A_DEV_ID = 1,
	LM_A_DEV_PARENT,
	LM_A_DEV_DRIVER,
	LM_A_DEV_COMPAT,
	LM_A_DEV_MIG_CAPS,
	LM_A_DEV_PROV_CAPS,
	LM_A_DEV_NUM_FNS,
	LM_A_DEV_STREAM_VERSION,

	__LM_A_DEV_MAX,
	LM_A_DEV_MAX = (__LM_A_DEV_MAX - 1)
};

enum lm_a_fn {
	LM_A_FN_DEV_ID = 1,
	LM_A_FN_INDEX,
	LM_A_FN_STATE,
	LM_A_FN_ONLINE,
	LM_A_FN_MIGRATABLE,
	LM_A_FN_VFIO,
	LM_A_FN_VF,
	LM_A_FN_HW_ID,
	LM_A_FN_PCI_DOMAIN,
	LM_A_FN_PCI_BDF,
	LM_A_FN_QUEUES,
	LM_A_FN_IRQS,
	LM_A_FN_MEMORY,

	__LM_A_FN_MAX,
	LM_A_FN_MAX = (__LM_A_FN_MAX - 1)
};

enum lm_nl_cmd {
	LM_NL_CMD_DEV_GET = 1,
	LM_NL_CMD_DEV_ADD_NTF,
	LM_NL_CMD_DEV_DEL_NTF,
	LM_NL_CMD_FN_GET,
	LM_NL_CMD_FN_SET,
	LM_NL_CMD_FN_CHANGE_NTF,
	LM_NL_CMD_FN_ATTACH,
	LM_NL_CMD_FN_DETACH,

	__LM_NL_CMD_MAX,
	LM_NL_CMD_MAX = (__LM_NL_CMD_MAX - 1)
};

#endif /* _UAPI_LINUX_LM_H */
