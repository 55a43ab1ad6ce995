/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	docs/netlink/lm.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_LM_GEN_H
#define _LINUX_LM_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/lm.h>
#include <linux/lm.h>
#include <linux/lm.h>
#include <linux/lm.h>

/* Ops table for lm */
extern const struct genl_split_ops lm_nl_ops[7];

int lm_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info);
int lm_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int lm_nl_fn_get_doit(struct sk_buff *skb, struct genl_info *info);
int lm_nl_fn_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int lm_nl_fn_set_doit(struct sk_buff *skb, struct genl_info *info);
int lm_nl_fn_attach_doit(struct sk_buff *skb, struct genl_info *info);
int lm_nl_fn_detach_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	LM_NLGRP_MONITOR,
};

#endif /* _LINUX_LM_GEN_H */
