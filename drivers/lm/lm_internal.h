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

/* Payload bytes the core asks of a driver's save() per record. */
#define LM_SAVE_CHUNK SZ_1M
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

/* fn.c */
int lm_ioctl_device_info(struct lm_ucmd *ucmd);
int lm_ioctl_fn_info(struct lm_ucmd *ucmd);
int lm_ioctl_fn_provision(struct lm_ucmd *ucmd);
int lm_ioctl_fn_set_migratable(struct lm_ucmd *ucmd);
int lm_ioctl_fn_set_state(struct lm_ucmd *ucmd);
int lm_ioctl_fn_get_state(struct lm_ucmd *ucmd);
int lm_ioctl_fn_data_size(struct lm_ucmd *ucmd);
int lm_ioctl_fn_reset(struct lm_ucmd *ucmd);

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
