// SPDX-License-Identifier: GPL-2.0
/*
 * Live-migration core: the ioctls on a device and its controlled functions,
 * and the walk through the migration state machine.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <linux/capability.h>
#include <linux/export.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/uaccess.h>

#include "lm_internal.h"

static struct lm_fn *lm_ucmd_fn(struct lm_ucmd *ucmd, u32 index)
{
	return lm_fn(ucmd->lmdev, index);
}

/* The function a migration ioctl names, on a device that can migrate. */
static int lm_ucmd_mig_fn(struct lm_ucmd *ucmd, u32 index, struct lm_fn **fn)
{
	if (!ucmd->lmdev->mig_caps)
		return -EOPNOTSUPP;
	*fn = lm_ucmd_fn(ucmd, index);
	return *fn ? 0 : -ERANGE;
}

int lm_ioctl_device_info(struct lm_ucmd *ucmd)
{
	struct lm_device_info *cmd = ucmd->cmd;
	struct lm_device *lmdev = ucmd->lmdev;

	if (cmd->flags)
		return -EOPNOTSUPP;

	cmd->mig_caps = lmdev->mig_caps;
	cmd->prov_caps = lmdev->prov_caps;
	cmd->num_fns = lmdev->num_fns;
	cmd->stream_version = LM_STREAM_VERSION;
	strscpy_pad(cmd->driver, lmdev->driver_name);
	strscpy_pad(cmd->parent,
		    lmdev->dev.parent ? dev_name(lmdev->dev.parent) : "");
	return lm_ucmd_respond(ucmd, sizeof(*cmd));
}

int lm_ioctl_fn_info(struct lm_ucmd *ucmd)
{
	struct lm_fn_info *cmd = ucmd->cmd;
	struct lm_fn_attrs attrs = {};
	struct lm_fn *fn;
	int ret;

	/* Only flags is an input beside fn: a reused structure is fine. */
	if (cmd->flags)
		return -EOPNOTSUPP;
	fn = lm_ucmd_fn(ucmd, cmd->fn);
	if (!fn)
		return -ERANGE;

	scoped_guard(mutex, &fn->lock) {
		ret = ucmd->lmdev->ops->fn_query(fn, &attrs);
		if (ret)
			return ret;
		cmd->mig_state = fn->state;
		cmd->fn_flags = (attrs.online ? LM_FN_ONLINE : 0) |
				(fn->migratable ? LM_FN_MIGRATABLE : 0) |
				(fn->vfio ? LM_FN_VFIO : 0) |
				(attrs.pci ? LM_FN_PCI : 0);
	}
	cmd->vf = attrs.vf;
	cmd->hw_id = attrs.hw_id;
	cmd->pci_domain = attrs.pci ? attrs.pci_domain : 0;
	cmd->pci_bdf = attrs.pci ? attrs.pci_bdf : 0;
	cmd->queues = attrs.queues;
	cmd->irqs = attrs.irqs;
	cmd->memory = attrs.memory;
	cmd->__reserved = 0;
	return lm_ucmd_respond(ucmd, sizeof(*cmd));
}

#define LM_PROV_ALL \
	(LM_PROV_QUEUES | LM_PROV_IRQS | LM_PROV_MEMORY | LM_PROV_ONLINE)
#define LM_PROV_RESOURCES (LM_PROV_QUEUES | LM_PROV_IRQS | LM_PROV_MEMORY)

int lm_ioctl_fn_provision(struct lm_ucmd *ucmd)
{
	struct lm_fn_provision *cmd = ucmd->cmd;
	struct lm_device *lmdev = ucmd->lmdev;
	struct lm_fn_attrs attrs = {};
	struct lm_prov_req req;
	struct lm_fn *fn;
	int ret;

	if (cmd->flags & ~LM_PROV_ALL || cmd->flags & ~lmdev->prov_caps)
		return -EOPNOTSUPP;
	if (!cmd->flags)
		return -EINVAL;
	/* A value for an attribute the request does not select is a mistake. */
	if ((!(cmd->flags & LM_PROV_QUEUES) && cmd->queues) ||
	    (!(cmd->flags & LM_PROV_IRQS) && cmd->irqs) ||
	    (!(cmd->flags & LM_PROV_MEMORY) && cmd->memory) ||
	    cmd->online > 1 || (!(cmd->flags & LM_PROV_ONLINE) && cmd->online))
		return -EINVAL;
	fn = lm_ucmd_fn(ucmd, cmd->fn);
	if (!fn)
		return -ERANGE;

	req = (struct lm_prov_req){
		.flags = cmd->flags,
		.queues = cmd->queues,
		.irqs = cmd->irqs,
		.online = cmd->online,
		.memory = cmd->memory,
	};

	guard(mutex)(&fn->lock);
	if (fn->vfio || fn->migratable || fn->state != LM_MIG_STATE_RUNNING)
		return -EBUSY;
	ret = lmdev->ops->fn_query(fn, &attrs);
	if (ret)
		return ret;
	if ((req.flags & LM_PROV_RESOURCES) && attrs.online &&
	    !((req.flags & LM_PROV_ONLINE) && !req.online))
		return -EBUSY;
	return lmdev->ops->provision(fn, &req);
}

int lm_ioctl_fn_set_migratable(struct lm_ucmd *ucmd)
{
	struct lm_fn_migratable *cmd = ucmd->cmd;
	struct lm_device *lmdev = ucmd->lmdev;
	struct lm_fn_attrs attrs = {};
	struct lm_fn *fn;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->enable > 1)
		return -EINVAL;
	ret = lm_ucmd_mig_fn(ucmd, cmd->fn, &fn);
	if (ret)
		return ret;

	guard(mutex)(&fn->lock);
	if (fn->vfio)
		return -EBUSY;
	if (fn->migratable == cmd->enable)
		return 0;
	if (cmd->enable) {
		ret = lmdev->ops->fn_query(fn, &attrs);
		if (ret)
			return ret;
		if (!attrs.online)
			return -EBUSY;
	} else if (fn->state != LM_MIG_STATE_RUNNING) {
		return -EBUSY;
	}
	if (lmdev->ops->set_migratable) {
		ret = lmdev->ops->set_migratable(fn, cmd->enable);
		if (ret)
			return ret;
	}
	fn->migratable = cmd->enable;
	return 0;
}

/*
 * Does the arc from @cur to @next start a data session? Entering the saving
 * group from outside it starts a save session; entering RESUMING a restore.
 */
static bool lm_arc_opens_session(enum lm_mig_state cur, enum lm_mig_state next)
{
	if (next == LM_MIG_STATE_RESUMING)
		return true;
	return lm_mig_state_is_saving(next) && !lm_mig_state_is_saving(cur);
}

static bool lm_arc_ends_session(enum lm_mig_state cur, enum lm_mig_state next)
{
	if (cur == LM_MIG_STATE_RESUMING)
		return true;
	return lm_mig_state_is_saving(cur) && !lm_mig_state_is_saving(next);
}

/*
 * Take @fn to @target one arc at a time. At most one arc of any path opens
 * a session; its file is returned in @filep for the caller to install.
 */
VISIBLE_IF_KUNIT int lm_fn_walk(struct lm_fn *fn, enum lm_mig_state target,
				struct file **filep)
{
	const struct lm_ops *ops = fn->lmdev->ops;
	enum lm_mig_state cur, next;
	struct file *filp;
	int ret;

	lockdep_assert_held(&fn->lock);

	while (fn->state != target) {
		cur = fn->state;
		ret = lm_fsm_next_state(fn->lmdev->mig_caps, cur, target,
					&next);
		if (ret)
			return ret;

		/* The driver never sees the end of an incomplete stream. */
		if (cur == LM_MIG_STATE_RESUMING &&
		    !lm_stream_restore_complete(fn)) {
			lm_stream_end(fn);
			fn->state = LM_MIG_STATE_ERROR;
			return -ENODATA;
		}

		filp = NULL;
		if (lm_arc_opens_session(cur, next)) {
			if (WARN_ON(*filep))
				return -EINVAL;
			filp = lm_stream_file(fn, next != LM_MIG_STATE_RESUMING);
			if (IS_ERR(filp))
				return PTR_ERR(filp);
		}

		fn->error = false;
		ret = ops->step(fn, cur, next);
		if (ret) {
			/* Never attached: dropping it does not take fn->lock. */
			if (filp)
				fput(filp);
			if (fn->error) {
				lm_stream_end(fn);
				fn->state = LM_MIG_STATE_ERROR;
			}
			return ret;
		}

		if (lm_arc_ends_session(cur, next))
			lm_stream_end(fn);
		fn->state = next;
		if (filp) {
			lm_stream_attach(fn, filp);
			*filep = filp;
		}
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(lm_fn_walk);

int lm_ioctl_fn_set_state(struct lm_ucmd *ucmd)
{
	struct lm_fn_mig_state *cmd = ucmd->cmd;
	struct lm_device *lmdev = ucmd->lmdev;
	struct file *filp = NULL;
	struct lm_fn *fn;
	int fd, ret;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	ret = lm_ucmd_mig_fn(ucmd, cmd->fn, &fn);
	if (ret)
		return ret;
	if (!lm_fsm_valid_target(lmdev->mig_caps, cmd->device_state))
		return -EINVAL;

	/* Reserved first, so that no arc is taken for a file we cannot give. */
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;

	scoped_guard(mutex, &fn->lock) {
		if (fn->vfio)
			ret = -EBUSY;
		else if (!fn->migratable &&
			 cmd->device_state != LM_MIG_STATE_RUNNING)
			ret = -EBUSY;
		else
			ret = lm_fn_walk(fn, cmd->device_state, &filp);
		cmd->device_state = fn->state;
	}
	if (ret)
		goto err_fput;

	cmd->data_fd = filp ? fd : -1;
	ret = lm_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret)
		goto err_fput;
	if (filp)
		fd_install(fd, filp);
	else
		put_unused_fd(fd);
	return 0;

err_fput:
	if (filp)
		fput(filp);
	put_unused_fd(fd);
	return ret;
}

int lm_ioctl_fn_get_state(struct lm_ucmd *ucmd)
{
	struct lm_fn_mig_state *cmd = ucmd->cmd;
	struct lm_fn *fn;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	fn = lm_ucmd_fn(ucmd, cmd->fn);
	if (!fn)
		return -ERANGE;

	scoped_guard(mutex, &fn->lock)
		cmd->device_state = fn->state;
	cmd->data_fd = -1;
	return lm_ucmd_respond(ucmd, sizeof(*cmd));
}

int lm_ioctl_fn_data_size(struct lm_ucmd *ucmd)
{
	struct lm_fn_data_size *cmd = ucmd->cmd;
	struct lm_device *lmdev = ucmd->lmdev;
	struct lm_fn *fn;
	u64 payload;
	int ret;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	ret = lm_ucmd_mig_fn(ucmd, cmd->fn, &fn);
	if (ret)
		return ret;

	scoped_guard(mutex, &fn->lock) {
		if (fn->vfio)
			return -EBUSY;
		ret = lmdev->ops->data_size(fn, &payload);
		if (ret)
			return ret;
		cmd->stop_copy_length = lm_stream_size(fn, payload);
	}
	return lm_ucmd_respond(ucmd, sizeof(*cmd));
}

int lm_ioctl_fn_reset(struct lm_ucmd *ucmd)
{
	struct lm_fn_reset *cmd = ucmd->cmd;
	struct lm_device *lmdev = ucmd->lmdev;
	struct lm_fn *fn;
	int ret;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	ret = lm_ucmd_mig_fn(ucmd, cmd->fn, &fn);
	if (ret)
		return ret;

	guard(mutex)(&fn->lock);
	if (fn->vfio)
		return -EBUSY;
	lm_stream_end(fn);
	ret = lmdev->ops->reset(fn);
	fn->state = ret ? LM_MIG_STATE_ERROR : LM_MIG_STATE_RUNNING;
	return ret;
}
