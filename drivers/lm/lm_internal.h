/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live-migration core: what the core's files share.
 *
 * Copyright (c) 2026 The lm authors
 */
#ifndef __LM_INTERNAL_H
#define __LM_INTERNAL_H

#include <kunit/visibility.h>
#include <linux/lm.h>
#include <linux/sizes.h>
#include <linux/uio.h>

/*
 * A save session produces one unit at a time into a buffer of this size, a
 * record header and its payload: the payload bytes the core asks of a
 * driver's save() per record are what is left.
 */
#define LM_SAVE_UNIT SZ_1M
#define LM_SAVE_CHUNK (LM_SAVE_UNIT - sizeof(struct lm_record_header))
static_assert(LM_SAVE_CHUNK >= LM_SAVE_MIN_LEN);

/**
 * struct lm_ucmd - One ioctl call on /dev/lmN, copied in
 * @lmdev: The device, registered: its registration_lock is held for read
 * @ubuffer: The user's structure
 * @user_size: Its size as the user gave it
 * @cmd: The kernel copy, zero extended to the kernel's size
 */
struct lm_ucmd {
	struct lm_device *lmdev;
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

int lm_ucmd_respond(struct lm_ucmd *ucmd, size_t cmd_len);

struct netlink_ext_ack;

/* The id of a device: N of /dev/lmN, its minor, its netlink dev-id. */
static inline u32 lm_device_id(const struct lm_device *lmdev)
{
	return MINOR(lmdev->dev.devt);
}

/**
 * struct lm_fn_status - A function as user space is told about it
 * @attrs: What its driver reports
 * @state: Its migration state
 * @migratable: Migration is enabled
 * @vfio: It is handed to VFIO
 */
struct lm_fn_status {
	struct lm_fn_attrs attrs;
	enum lm_mig_state state;
	bool migratable;
	bool vfio;
};

/**
 * struct lm_fn_setting - A request to provision a function and to change
 *	its migratable setting
 * @prov: The provisioning to apply; @prov.flags is 0 for none
 * @set_migratable: Change the migratable setting, to @migratable
 * @migratable: The new setting, with @set_migratable
 */
struct lm_fn_setting {
	struct lm_prov_req prov;
	bool set_migratable;
	bool migratable;
};

/* main.c: the registered devices, by id */
struct lm_device *lm_device_get(unsigned long id);
struct lm_device *lm_device_get_next(unsigned long *id);
bool lm_device_published(const struct lm_device *lmdev);

/* fn.c */
int lm_fn_query(struct lm_fn *fn, struct lm_fn_status *status);
int lm_fn_set(struct lm_fn *fn, const struct lm_fn_setting *set,
	      bool *changed, struct netlink_ext_ack *extack);
int lm_ioctl_device_info(struct lm_ucmd *ucmd);
int lm_ioctl_fn_info(struct lm_ucmd *ucmd);
int lm_ioctl_fn_provision(struct lm_ucmd *ucmd);
int lm_ioctl_fn_set_migratable(struct lm_ucmd *ucmd);
int lm_ioctl_fn_set_state(struct lm_ucmd *ucmd);
int lm_ioctl_fn_get_state(struct lm_ucmd *ucmd);
int lm_ioctl_fn_data_size(struct lm_ucmd *ucmd);
int lm_ioctl_fn_reset(struct lm_ucmd *ucmd);
int lm_fn_reset_locked(struct lm_fn *fn);
int lm_fn_walk_notify(struct lm_fn *fn, enum lm_mig_state target,
		      struct file **filep);

/* vfio.c */
int lm_fn_vfio_attach(struct lm_device *lmdev, u32 index, bool attach,
		      struct netlink_ext_ack *extack);

/* fsm.c */
bool lm_fsm_valid_target(u32 caps, u32 state);
int lm_fsm_next_state(u32 caps, enum lm_mig_state cur,
		      enum lm_mig_state target, enum lm_mig_state *next);

/* stream.c */
struct file *lm_stream_file(struct lm_fn *fn, bool save);
void lm_stream_attach(struct lm_fn *fn, struct file *filp);
void lm_stream_end(struct lm_fn *fn);
bool lm_stream_restore_complete(struct lm_fn *fn);
u64 lm_stream_size(struct lm_fn *fn, u64 payload_bytes);

/* netlink.c */
int lm_nl_register(void);
void lm_nl_unregister(void);
void lm_nl_dev_notify(struct lm_device *lmdev, u8 cmd);
void lm_nl_fn_notify(struct lm_fn *fn);

/* sysfs.c */
extern const struct attribute_group *lm_device_groups[];

#if IS_ENABLED(CONFIG_KUNIT)
/* Internals the KUnit tests (tests/) drive directly. */
int lm_fn_walk(struct lm_fn *fn, enum lm_mig_state target,
	       struct file **filep);
struct lm_stream *lm_stream_alloc(struct lm_fn *fn, bool save);
ssize_t lm_stream_save_to(struct lm_stream *stream, struct iov_iter *to);
ssize_t lm_stream_restore_from(struct lm_stream *stream,
			       struct iov_iter *from);
#endif

#endif /* __LM_INTERNAL_H */
