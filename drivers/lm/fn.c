// SPDX-License-Identifier: GPL-2.0
/*
 * Live-migration core: the ioctls on a device and its controlled functions,
 * the rules for changing a function that they share with the netlink
 * family, and the walk through the migration state machine.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <linux/capability.h>
#include <linux/export.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/netlink.h>
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

/**
 * lm_fn_query - What user space is told about a function
 * @fn: The function, locked, of a registered device
 * @status: Filled in
 *
 * The one source of LM_FN_INFO, of the netlink replies and of the change
 * notifications, so that they always agree.
 *
 * Return: 0, or the driver's -errno.
 */
int lm_fn_query(struct lm_fn *fn, struct lm_fn_status *status)
{
	lockdep_assert_held(&fn->lock);

	*status = (struct lm_fn_status){
		.state = fn->state,
		.migratable = fn->migratable,
		.vfio = fn->vfio,
	};
	return fn->lmdev->ops->fn_query(fn, &status->attrs);
}

int lm_ioctl_fn_info(struct lm_ucmd *ucmd)
{
	struct lm_fn_info *cmd = ucmd->cmd;
	struct lm_fn_status status;
	const struct lm_fn_attrs *attrs = &status.attrs;
	struct lm_fn *fn;
	int ret;

	/* Only flags is an input beside fn: a reused structure is fine. */
	if (cmd->flags)
		return -EOPNOTSUPP;
	fn = lm_ucmd_fn(ucmd, cmd->fn);
	if (!fn)
		return -ERANGE;

	scoped_guard(mutex, &fn->lock) {
		ret = lm_fn_query(fn, &status);
		if (ret)
			return ret;
	}
	cmd->mig_state = status.state;
	cmd->fn_flags = (attrs->online ? LM_FN_ONLINE : 0) |
			(status.migratable ? LM_FN_MIGRATABLE : 0) |
			(status.vfio ? LM_FN_VFIO : 0) |
			(attrs->pci ? LM_FN_PCI : 0);
	cmd->vf = attrs->vf;
	cmd->hw_id = attrs->hw_id;
	cmd->pci_domain = attrs->pci ? attrs->pci_domain : 0;
	cmd->pci_bdf = attrs->pci ? attrs->pci_bdf : 0;
	cmd->queues = attrs->queues;
	cmd->irqs = attrs->irqs;
	cmd->memory = attrs->memory;
	cmd->__reserved = 0;
	return lm_ucmd_respond(ucmd, sizeof(*cmd));
}

#define LM_PROV_ALL \
	(LM_PROV_QUEUES | LM_PROV_IRQS | LM_PROV_MEMORY | LM_PROV_ONLINE)
#define LM_PROV_RESOURCES (LM_PROV_QUEUES | LM_PROV_IRQS | LM_PROV_MEMORY)

/* Does @req ask for anything the function does not already have? */
static bool lm_prov_differs(const struct lm_prov_req *req,
			    const struct lm_fn_attrs *attrs)
{
	return ((req->flags & LM_PROV_ONLINE) && req->online != attrs->online) ||
	       ((req->flags & LM_PROV_QUEUES) && req->queues != attrs->queues) ||
	       ((req->flags & LM_PROV_IRQS) && req->irqs != attrs->irqs) ||
	       ((req->flags & LM_PROV_MEMORY) && req->memory != attrs->memory);
}

static bool lm_prov_equal(const struct lm_fn_attrs *a,
			  const struct lm_fn_attrs *b)
{
	return a->online == b->online && a->queues == b->queues &&
	       a->irqs == b->irqs && a->memory == b->memory;
}

/* Can the device do what @set asks at all? */
static int lm_fn_set_supported(struct lm_device *lmdev,
			       const struct lm_fn_setting *set,
			       struct netlink_ext_ack *extack)
{
	u32 unsupported = set->prov.flags & ~lmdev->prov_caps;

	if (unsupported & LM_PROV_QUEUES) {
		NL_SET_ERR_MSG(extack, "the device cannot provision queues");
		return -EOPNOTSUPP;
	}
	if (unsupported & LM_PROV_IRQS) {
		NL_SET_ERR_MSG(extack, "the device cannot provision irqs");
		return -EOPNOTSUPP;
	}
	if (unsupported & LM_PROV_MEMORY) {
		NL_SET_ERR_MSG(extack, "the device cannot provision memory");
		return -EOPNOTSUPP;
	}
	if (unsupported & LM_PROV_ONLINE) {
		NL_SET_ERR_MSG(extack,
			       "the device cannot take functions online or offline");
		return -EOPNOTSUPP;
	}
	if (set->set_migratable && !lmdev->mig_caps) {
		NL_SET_ERR_MSG(extack, "the device cannot migrate");
		return -EOPNOTSUPP;
	}
	if (!set->prov.flags && !set->set_migratable) {
		NL_SET_ERR_MSG(extack, "nothing to set");
		return -EINVAL;
	}
	return 0;
}

/*
 * Every rule of lm_fn_set(), checked on the function as each step will
 * find it, before any step is taken. @attrs gets what the driver reports
 * when provisioning or enabling needs it.
 */
static int lm_fn_set_check(struct lm_fn *fn, const struct lm_fn_setting *set,
			   bool disable, bool enable, struct lm_fn_attrs *attrs,
			   struct netlink_ext_ack *extack)
{
	const struct lm_prov_req *req = &set->prov;
	bool online;
	int ret;

	ret = lm_fn_set_supported(fn->lmdev, set, extack);
	if (ret)
		return ret;
	if (fn->vfio) {
		NL_SET_ERR_MSG(extack, "the function is handed to VFIO");
		return -EBUSY;
	}
	if (disable && fn->state != LM_MIG_STATE_RUNNING) {
		NL_SET_ERR_MSG(extack,
			       "migratable can only be disabled in the RUNNING state");
		return -EBUSY;
	}
	/* Provisioning comes after disabling, before enabling. */
	if (req->flags && fn->migratable && !disable) {
		NL_SET_ERR_MSG(extack,
			       "a migratable function cannot be provisioned: disable migratable first");
		return -EBUSY;
	}
	if (req->flags && fn->state != LM_MIG_STATE_RUNNING) {
		NL_SET_ERR_MSG(extack,
			       "a function cannot be provisioned outside the RUNNING state");
		return -EBUSY;
	}
	if (!req->flags && !enable)
		return 0;

	ret = fn->lmdev->ops->fn_query(fn, attrs);
	if (ret) {
		NL_SET_ERR_MSG(extack,
			       "the device failed to report the function");
		return ret;
	}
	if ((req->flags & LM_PROV_RESOURCES) && attrs->online &&
	    !((req->flags & LM_PROV_ONLINE) && !req->online)) {
		NL_SET_ERR_MSG(extack,
			       "resources of an online function cannot change: take it offline in the same request");
		return -EBUSY;
	}
	online = req->flags & LM_PROV_ONLINE ? req->online : attrs->online;
	if (enable && !online) {
		NL_SET_ERR_MSG(extack,
			       "migratable can only be enabled on an online function");
		return -EBUSY;
	}
	return 0;
}

static int lm_fn_apply_provision(struct lm_fn *fn,
				 const struct lm_prov_req *req,
				 const struct lm_fn_attrs *before, bool *changed,
				 struct netlink_ext_ack *extack)
{
	struct lm_fn_attrs after = {};
	int ret;

	ret = fn->lmdev->ops->provision(fn, req);
	if (!ret) {
		*changed |= lm_prov_differs(req, before);
		return 0;
	}

	switch (ret) {
	case -EINVAL:
		NL_SET_ERR_MSG(extack,
			       "the device cannot take these provisioning values");
		break;
	case -ENOSPC:
		NL_SET_ERR_MSG(extack,
			       "the controlling function has too few resources left");
		break;
	default:
		NL_SET_ERR_MSG(extack,
			       "the device failed to provision the function");
		break;
	}
	/* A device error part way may have left the function offline. */
	if (fn->lmdev->ops->fn_query(fn, &after) ||
	    !lm_prov_equal(before, &after))
		*changed = true;
	return ret;
}

static int lm_fn_apply_migratable(struct lm_fn *fn, bool enable,
				  bool *changed, struct netlink_ext_ack *extack)
{
	const struct lm_ops *ops = fn->lmdev->ops;
	int ret;

	if (ops->set_migratable) {
		ret = ops->set_migratable(fn, enable);
		if (ret) {
			NL_SET_ERR_MSG(extack,
				       "the device failed to change the migratable setting");
			return ret;
		}
	}
	fn->migratable = enable;
	*changed = true;
	return 0;
}

/**
 * lm_fn_set - Provision a function and change its migratable setting
 * @fn: The function, locked, of a registered device
 * @set: What to change
 * @changed: Set to true when the function changed, even if this fails
 * @extack: Where to say why a request is refused; NULL for the ioctls
 *
 * The rules of LM_FN_PROVISION and LM_FN_SET_MIGRATABLE, for those ioctls
 * and for the netlink family's fn-set alike. Every rule is checked before
 * anything changes; then disabling migration comes first, provisioning
 * next (the driver orders going offline before resource changes and going
 * online after them), enabling migration last. A driver failure stops
 * there, with what came before it applied.
 *
 * Return: 0 or -errno.
 */
int lm_fn_set(struct lm_fn *fn, const struct lm_fn_setting *set,
	      bool *changed, struct netlink_ext_ack *extack)
{
	struct lm_fn_attrs attrs = {};
	bool disable, enable;
	int ret;

	lockdep_assert_held(&fn->lock);

	disable = set->set_migratable && !set->migratable && fn->migratable;
	enable = set->set_migratable && set->migratable && !fn->migratable;
	ret = lm_fn_set_check(fn, set, disable, enable, &attrs, extack);
	if (ret)
		return ret;

	if (disable) {
		ret = lm_fn_apply_migratable(fn, false, changed, extack);
		if (ret)
			return ret;
	}
	if (set->prov.flags) {
		ret = lm_fn_apply_provision(fn, &set->prov, &attrs, changed,
					    extack);
		if (ret)
			return ret;
	}
	if (enable)
		return lm_fn_apply_migratable(fn, true, changed, extack);
	return 0;
}

/* The ioctls that change a function's setting, and their notification. */
static int lm_ucmd_fn_set(struct lm_ucmd *ucmd, u32 index,
			  const struct lm_fn_setting *set)
{
	struct lm_fn *fn = lm_ucmd_fn(ucmd, index);
	bool changed = false;
	int ret;

	if (!fn)
		return -ERANGE;

	guard(mutex)(&fn->lock);
	ret = lm_fn_set(fn, set, &changed, NULL);
	if (changed)
		lm_nl_fn_notify(fn);
	return ret;
}

int lm_ioctl_fn_provision(struct lm_ucmd *ucmd)
{
	struct lm_fn_provision *cmd = ucmd->cmd;
	struct lm_fn_setting set = {
		.prov = {
			.flags = cmd->flags,
			.queues = cmd->queues,
			.irqs = cmd->irqs,
			.online = cmd->online,
			.memory = cmd->memory,
		},
	};

	if (cmd->flags & ~LM_PROV_ALL)
		return -EOPNOTSUPP;
	/* A value for an attribute the request does not select is a mistake. */
	if ((!(cmd->flags & LM_PROV_QUEUES) && cmd->queues) ||
	    (!(cmd->flags & LM_PROV_IRQS) && cmd->irqs) ||
	    (!(cmd->flags & LM_PROV_MEMORY) && cmd->memory) ||
	    cmd->online > 1 || (!(cmd->flags & LM_PROV_ONLINE) && cmd->online))
		return -EINVAL;
	return lm_ucmd_fn_set(ucmd, cmd->fn, &set);
}

int lm_ioctl_fn_set_migratable(struct lm_ucmd *ucmd)
{
	struct lm_fn_migratable *cmd = ucmd->cmd;
	struct lm_fn_setting set = {
		.set_migratable = true,
		.migratable = cmd->enable,
	};

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->enable > 1)
		return -EINVAL;
	return lm_ucmd_fn_set(ucmd, cmd->fn, &set);
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

/* lm_fn_walk(), then one change notification for the state it ended in. */
int lm_fn_walk_notify(struct lm_fn *fn, enum lm_mig_state target,
		      struct file **filep)
{
	enum lm_mig_state start = fn->state;
	int ret;

	ret = lm_fn_walk(fn, target, filep);
	/* Once per request, for its end state: failed or not. */
	if (fn->state != start)
		lm_nl_fn_notify(fn);
	return ret;
}

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
			ret = lm_fn_walk_notify(fn, cmd->device_state, &filp);
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

/**
 * lm_fn_reset_locked - Reset a function's device state, ending any session
 * @fn: The function, locked, of a registered device that can migrate
 *
 * Return: 0 with @fn in RUNNING, or the driver's -errno with @fn in ERROR.
 */
int lm_fn_reset_locked(struct lm_fn *fn)
{
	int ret;

	lockdep_assert_held(&fn->lock);

	lm_stream_end(fn);
	ret = fn->lmdev->ops->reset(fn);
	fn->state = ret ? LM_MIG_STATE_ERROR : LM_MIG_STATE_RUNNING;
	/* Even RUNNING -> RUNNING: the device state and any session are gone. */
	lm_nl_fn_notify(fn);
	return ret;
}

int lm_ioctl_fn_reset(struct lm_ucmd *ucmd)
{
	struct lm_fn_reset *cmd = ucmd->cmd;
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
	return lm_fn_reset_locked(fn);
}
