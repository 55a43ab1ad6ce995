// SPDX-License-Identifier: GPL-2.0
/*
 * Live-migration core: the generic netlink family "lm".
 *
 * The family is specified in docs/netlink/lm.yaml; its policies and op
 * table are generated from there into netlink-gen.c. Here are the family,
 * the handlers the op table names and the notifications of the "monitor"
 * group. Every read of a function takes the locks the ioctls take: the
 * device's registration_lock for read, then the function's lock.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <net/genetlink.h>

#include "lm_internal.h"
#include "netlink-gen.h"

/*
 * The generator emits its group table only as part of a family structure
 * of its own, which it generates for "genetlink" specs but not for
 * "genetlink-c" ones like ours (their table stays a static of
 * netlink-gen.c): this is the family's, indexed by the generated group ids
 * and named by the uAPI, which scripts/ynl-gen.sh --check holds to the
 * spec.
 */
static const struct genl_multicast_group lm_nl_groups[] = {
	[LM_NLGRP_MONITOR] = { .name = LM_MCGRP_MONITOR },
};

/*
 * Controlling functions belong to the host, not to a network namespace:
 * the family exists in the initial one only, like the devices' nodes in
 * the host's /dev. Every command is validated strictly (resv_start_op is
 * 0). The handlers take the locks they need, so they run in parallel.
 */
static struct genl_family lm_nl_family __ro_after_init = {
	.name = LM_FAMILY_NAME,
	.version = LM_FAMILY_VERSION,
	.netnsok = false,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.split_ops = lm_nl_ops,
	.n_split_ops = ARRAY_SIZE(lm_nl_ops),
	.mcgrps = lm_nl_groups,
	.n_mcgrps = ARRAY_SIZE(lm_nl_groups),
};

/**
 * struct lm_nl_dump_ctx - Where a dump goes on in its next message
 * @dev_id: The device being dumped (dev-get: the next one)
 * @index: fn-get: the next function of that device
 */
struct lm_nl_dump_ctx {
	unsigned long dev_id;
	u32 index;
};

static struct lm_nl_dump_ctx *lm_nl_dump_ctx(struct netlink_callback *cb)
{
	NL_ASSERT_DUMP_CTX_FITS(struct lm_nl_dump_ctx);
	return (struct lm_nl_dump_ctx *)cb->ctx;
}

/* The function a request names: both attributes, or -EINVAL saying which. */
static int lm_nl_require_fn(struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, LM_A_FN_DEV_ID)) {
		NL_SET_ERR_MSG(info->extack, "dev-id is required");
		return -EINVAL;
	}
	if (GENL_REQ_ATTR_CHECK(info, LM_A_FN_INDEX)) {
		NL_SET_ERR_MSG(info->extack, "index is required");
		return -EINVAL;
	}
	return 0;
}

static void lm_nl_device_unlock(struct lm_device *lmdev)
{
	if (!lmdev)
		return;
	up_read(&lmdev->registration_lock);
	lm_put(lmdev);
}

DEFINE_FREE(lm_nl_device_unlock, struct lm_device *, lm_nl_device_unlock(_T));

/*
 * The registered device whose id is the request's @attr (present), with a
 * reference and its registration_lock held for read; NULL if there is none.
 */
static struct lm_device *lm_nl_device_lock(struct genl_info *info, u32 attr)
{
	struct nlattr *id = info->attrs[attr];
	struct lm_device *lmdev;

	lmdev = lm_device_get(nla_get_u32(id));
	if (lmdev) {
		down_read(&lmdev->registration_lock);
		if (lmdev->ops)
			return lmdev;
		lm_nl_device_unlock(lmdev);
	}
	NL_SET_ERR_MSG_ATTR(info->extack, id, "no such device");
	return NULL;
}

/* The function the request's index names, or NULL, said in the extack. */
static struct lm_fn *lm_nl_fn(struct genl_info *info, struct lm_device *lmdev)
{
	struct nlattr *index = info->attrs[LM_A_FN_INDEX];
	struct lm_fn *fn = lm_fn(lmdev, nla_get_u32(index));

	if (!fn)
		NL_SET_ERR_MSG_ATTR(info->extack, index,
				    "index is beyond the device's functions");
	return fn;
}

static size_t lm_nl_dev_size(const struct lm_device *lmdev)
{
	const struct device *parent = lmdev->dev.parent;

	return nla_total_size(sizeof(u32)) * 5 +
	       nla_total_size(parent ? strlen(dev_name(parent)) + 1 : 0) +
	       nla_total_size(strlen(lmdev->driver_name) + 1) +
	       nla_total_size(sizeof(lmdev->compat) + 1);
}

/* The dev-get reply: the device's registration_lock is held. */
static int lm_nl_dev_fill(struct sk_buff *msg, struct lm_device *lmdev,
			  u32 portid, u32 seq, int flags, u8 cmd)
{
	const struct device *parent = lmdev->dev.parent;
	char compat[sizeof(lmdev->compat) + 1] = {};
	void *hdr;

	lockdep_assert_held(&lmdev->registration_lock);
	/* The key is NUL padded, not necessarily terminated. */
	memcpy(compat, lmdev->compat, sizeof(lmdev->compat));

	hdr = genlmsg_put(msg, portid, seq, &lm_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(msg, LM_A_DEV_ID, lm_device_id(lmdev)) ||
	    (parent &&
	     nla_put_string(msg, LM_A_DEV_PARENT, dev_name(parent))) ||
	    nla_put_string(msg, LM_A_DEV_DRIVER, lmdev->driver_name) ||
	    nla_put_string(msg, LM_A_DEV_COMPAT, compat) ||
	    nla_put_u32(msg, LM_A_DEV_MIG_CAPS, lmdev->mig_caps) ||
	    nla_put_u32(msg, LM_A_DEV_PROV_CAPS, lmdev->prov_caps) ||
	    nla_put_u32(msg, LM_A_DEV_NUM_FNS, lmdev->num_fns) ||
	    nla_put_u32(msg, LM_A_DEV_STREAM_VERSION, LM_STREAM_VERSION)) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

static size_t lm_nl_fn_size(void)
{
	/* dev-id, index, state, vf, hw-id, pci-domain, pci-bdf, queues, irqs */
	return nla_total_size(sizeof(u32)) * 9 +
	       /* online, migratable, vfio */
	       nla_total_size(sizeof(u8)) * 3 +
	       /* memory */
	       nla_total_size(sizeof(u64));
}

/* The fn-get reply: the function is locked, its device registered. */
static int lm_nl_fn_fill(struct sk_buff *msg, struct lm_fn *fn, u32 portid,
			 u32 seq, int flags, u8 cmd,
			 struct netlink_ext_ack *extack)
{
	struct lm_fn_status status;
	const struct lm_fn_attrs *attrs = &status.attrs;
	void *hdr;
	int ret;

	ret = lm_fn_query(fn, &status);
	if (ret) {
		NL_SET_ERR_MSG(extack,
			       "the device failed to report the function");
		return ret;
	}

	hdr = genlmsg_put(msg, portid, seq, &lm_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(msg, LM_A_FN_DEV_ID, lm_device_id(fn->lmdev)) ||
	    nla_put_u32(msg, LM_A_FN_INDEX, fn->index) ||
	    nla_put_u32(msg, LM_A_FN_STATE, status.state) ||
	    nla_put_u8(msg, LM_A_FN_ONLINE, attrs->online) ||
	    nla_put_u8(msg, LM_A_FN_MIGRATABLE, status.migratable) ||
	    nla_put_u8(msg, LM_A_FN_VFIO, status.vfio) ||
	    nla_put_u32(msg, LM_A_FN_VF, attrs->vf) ||
	    nla_put_u32(msg, LM_A_FN_HW_ID, attrs->hw_id) ||
	    (attrs->pci &&
	     (nla_put_u32(msg, LM_A_FN_PCI_DOMAIN, attrs->pci_domain) ||
	      nla_put_u32(msg, LM_A_FN_PCI_BDF, attrs->pci_bdf))) ||
	    nla_put_u32(msg, LM_A_FN_QUEUES, attrs->queues) ||
	    nla_put_u32(msg, LM_A_FN_IRQS, attrs->irqs) ||
	    nla_put_uint(msg, LM_A_FN_MEMORY, attrs->memory)) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

int lm_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, LM_A_DEV_ID)) {
		NL_SET_ERR_MSG(info->extack, "id is required");
		return -EINVAL;
	}

	struct lm_device *lmdev __free(lm_nl_device_unlock) =
		lm_nl_device_lock(info, LM_A_DEV_ID);
	if (!lmdev)
		return -ENODEV;

	msg = genlmsg_new(lm_nl_dev_size(lmdev), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	ret = lm_nl_dev_fill(msg, lmdev, info->snd_portid, info->snd_seq, 0,
			     LM_NL_CMD_DEV_GET);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

int lm_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct lm_nl_dump_ctx *ctx = lm_nl_dump_ctx(cb);
	struct lm_device *lmdev;
	int ret = 0;

	/*
	 * The dump takes no attributes, but genetlink only rejects them for
	 * split ops that have a policy: refuse them here, rather than let a
	 * request that meant to name a device list them all.
	 */
	if (nlmsg_attrlen(cb->nlh, GENL_HDRLEN)) {
		NL_SET_ERR_MSG_ATTR(cb->extack,
				    nlmsg_attrdata(cb->nlh, GENL_HDRLEN),
				    "the device dump takes no attributes");
		return -EINVAL;
	}

	for (; (lmdev = lm_device_get_next(&ctx->dev_id)); ctx->dev_id++) {
		scoped_guard(rwsem_read, &lmdev->registration_lock) {
			if (lmdev->ops)
				ret = lm_nl_dev_fill(skb, lmdev,
						     NETLINK_CB(cb->skb).portid,
						     cb->nlh->nlmsg_seq,
						     NLM_F_MULTI,
						     LM_NL_CMD_DEV_GET);
		}
		lm_put(lmdev);
		/* -EMSGSIZE: this device opens the next message. */
		if (ret)
			return ret;
	}
	return 0;
}

int lm_nl_fn_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	struct lm_fn *fn;
	int ret;

	ret = lm_nl_require_fn(info);
	if (ret)
		return ret;

	struct lm_device *lmdev __free(lm_nl_device_unlock) =
		lm_nl_device_lock(info, LM_A_FN_DEV_ID);
	if (!lmdev)
		return -ENODEV;
	fn = lm_nl_fn(info, lmdev);
	if (!fn)
		return -ERANGE;

	msg = genlmsg_new(lm_nl_fn_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	scoped_guard(mutex, &fn->lock)
		ret = lm_nl_fn_fill(msg, fn, info->snd_portid, info->snd_seq,
				    0, LM_NL_CMD_FN_GET, info->extack);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/*
 * The functions of one device from ctx->index on. -ENODEV: it is being
 * unregistered; -EMSGSIZE: the message is full, ctx->index goes first in
 * the next one.
 */
static int lm_nl_fn_dump_device(struct sk_buff *skb,
				struct netlink_callback *cb,
				struct lm_device *lmdev,
				struct lm_nl_dump_ctx *ctx)
{
	struct lm_fn *fn;
	int ret;

	guard(rwsem_read)(&lmdev->registration_lock);
	if (!lmdev->ops)
		return -ENODEV;

	for (; ctx->index < lmdev->num_fns; ctx->index++) {
		fn = &lmdev->fns[ctx->index];
		scoped_guard(mutex, &fn->lock)
			ret = lm_nl_fn_fill(skb, fn, NETLINK_CB(cb->skb).portid,
					    cb->nlh->nlmsg_seq, NLM_F_MULTI,
					    LM_NL_CMD_FN_GET, cb->extack);
		if (ret)
			return ret;
	}
	return 0;
}

int lm_nl_fn_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr *dev_id = genl_info_dump(cb)->attrs[LM_A_FN_DEV_ID];
	struct lm_nl_dump_ctx *ctx = lm_nl_dump_ctx(cb);
	struct lm_device *lmdev;
	int ret;

	if (dev_id) {
		lmdev = lm_device_get(nla_get_u32(dev_id));
		ret = lmdev ? lm_nl_fn_dump_device(skb, cb, lmdev, ctx) :
			      -ENODEV;
		lm_put(lmdev);
		if (ret == -ENODEV)
			NL_SET_ERR_MSG_ATTR(cb->extack, dev_id, "no such device");
		return ret;
	}

	for (; (lmdev = lm_device_get_next(&ctx->dev_id));
	     ctx->dev_id++, ctx->index = 0) {
		ret = lm_nl_fn_dump_device(skb, cb, lmdev, ctx);
		lm_put(lmdev);
		/* A device going away mid-dump is left out. */
		if (ret && ret != -ENODEV)
			return ret;
	}
	return 0;
}

int lm_nl_fn_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct lm_fn_setting set = {};
	bool changed = false;
	struct lm_fn *fn;
	int ret;

	ret = lm_nl_require_fn(info);
	if (ret)
		return ret;

	struct lm_device *lmdev __free(lm_nl_device_unlock) =
		lm_nl_device_lock(info, LM_A_FN_DEV_ID);
	if (!lmdev)
		return -ENODEV;
	fn = lm_nl_fn(info, lmdev);
	if (!fn)
		return -ERANGE;

	if (tb[LM_A_FN_QUEUES]) {
		set.prov.flags |= LM_PROV_QUEUES;
		set.prov.queues = nla_get_u32(tb[LM_A_FN_QUEUES]);
	}
	if (tb[LM_A_FN_IRQS]) {
		set.prov.flags |= LM_PROV_IRQS;
		set.prov.irqs = nla_get_u32(tb[LM_A_FN_IRQS]);
	}
	if (tb[LM_A_FN_MEMORY]) {
		set.prov.flags |= LM_PROV_MEMORY;
		set.prov.memory = nla_get_uint(tb[LM_A_FN_MEMORY]);
	}
	if (tb[LM_A_FN_ONLINE]) {
		set.prov.flags |= LM_PROV_ONLINE;
		set.prov.online = nla_get_u8(tb[LM_A_FN_ONLINE]);
	}
	if (tb[LM_A_FN_MIGRATABLE]) {
		set.set_migratable = true;
		set.migratable = nla_get_u8(tb[LM_A_FN_MIGRATABLE]);
	}

	guard(mutex)(&fn->lock);
	ret = lm_fn_set(fn, &set, &changed, info->extack);
	if (changed)
		lm_nl_fn_notify(fn);
	return ret;
}

/* FN_ATTACH and FN_DETACH: no lock held, the variant driver takes them. */
static int lm_nl_fn_vfio(struct genl_info *info, bool attach)
{
	struct nlattr *index = info->attrs[LM_A_FN_INDEX];
	struct lm_device *lmdev;
	int ret;

	ret = lm_nl_require_fn(info);
	if (ret)
		return ret;
	lmdev = lm_device_get(nla_get_u32(info->attrs[LM_A_FN_DEV_ID]));
	if (!lmdev) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[LM_A_FN_DEV_ID],
				    "no such device");
		return -ENODEV;
	}
	/* num_fns is fixed at allocation. */
	if (nla_get_u32(index) >= lmdev->num_fns) {
		NL_SET_ERR_MSG_ATTR(info->extack, index,
				    "index is beyond the device's functions");
		ret = -ERANGE;
	} else {
		ret = lm_fn_vfio_attach(lmdev, nla_get_u32(index), attach,
					info->extack);
	}
	lm_put(lmdev);
	return ret;
}

int lm_nl_fn_attach_doit(struct sk_buff *skb, struct genl_info *info)
{
	return lm_nl_fn_vfio(info, true);
}

int lm_nl_fn_detach_doit(struct sk_buff *skb, struct genl_info *info)
{
	return lm_nl_fn_vfio(info, false);
}

static bool lm_nl_monitored(void)
{
	return genl_has_listeners(&lm_nl_family, &init_net, LM_NLGRP_MONITOR);
}

/* A notification could not be built: its listeners learn they missed one. */
static void lm_nl_notify_lost(void)
{
	genl_set_err(&lm_nl_family, &init_net, 0, LM_NLGRP_MONITOR, -ENOBUFS);
}

/**
 * lm_nl_dev_notify - Tell the monitors that a device came or goes
 * @lmdev: The device, its registration_lock held for write
 * @cmd: LM_NL_CMD_DEV_ADD_NTF or LM_NL_CMD_DEV_DEL_NTF
 *
 * Under the write lock, so that the notifications of its functions, sent
 * under the read lock, come between the two.
 */
void lm_nl_dev_notify(struct lm_device *lmdev, u8 cmd)
{
	struct sk_buff *msg;

	lockdep_assert_held_write(&lmdev->registration_lock);

	if (!lm_nl_monitored())
		return;
	msg = genlmsg_new(lm_nl_dev_size(lmdev), GFP_KERNEL);
	if (!msg || lm_nl_dev_fill(msg, lmdev, 0, 0, 0, cmd)) {
		nlmsg_free(msg);
		lm_nl_notify_lost();
		return;
	}
	genlmsg_multicast(&lm_nl_family, msg, 0, LM_NLGRP_MONITOR,
			  GFP_KERNEL);
}

/**
 * lm_nl_fn_notify - Tell the monitors how a function is after a change
 * @fn: The function, locked, of a registered device
 *
 * Called once at the end of each request that changed the function's
 * migration state, provisioning or migratable setting, whether it
 * succeeded or not; under the function's lock, so that the notifications
 * of one function are in the order of its changes. Nothing is sent for a
 * device whose registration has not been announced yet: the announcement,
 * which comes later, tells its state.
 */
void lm_nl_fn_notify(struct lm_fn *fn)
{
	struct sk_buff *msg;

	lockdep_assert_held(&fn->lock);

	if (!lm_nl_monitored() || !lm_device_published(fn->lmdev))
		return;
	msg = genlmsg_new(lm_nl_fn_size(), GFP_KERNEL);
	if (!msg || lm_nl_fn_fill(msg, fn, 0, 0, 0, LM_NL_CMD_FN_CHANGE_NTF,
				  NULL)) {
		nlmsg_free(msg);
		lm_nl_notify_lost();
		return;
	}
	genlmsg_multicast(&lm_nl_family, msg, 0, LM_NLGRP_MONITOR,
			  GFP_KERNEL);
}

int __init lm_nl_register(void)
{
	return genl_register_family(&lm_nl_family);
}

void lm_nl_unregister(void)
{
	genl_unregister_family(&lm_nl_family);
}
