// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	docs/netlink/lm.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "netlink-gen.h"

#include <uapi/linux/lm.h>
#include <linux/lm.h>
#include <linux/lm.h>
#include <linux/lm.h>

/* LM_NL_CMD_DEV_GET - do */
static const struct nla_policy lm_dev_get_nl_policy[LM_A_DEV_ID + 1] = {
	[LM_A_DEV_ID] = { .type = NLA_U32, },
};

/* LM_NL_CMD_FN_GET - do */
static const struct nla_policy lm_fn_get_do_nl_policy[LM_A_FN_INDEX + 1] = {
	[LM_A_FN_DEV_ID] = { .type = NLA_U32, },
	[LM_A_FN_INDEX] = { .type = NLA_U32, },
};

/* LM_NL_CMD_FN_GET - dump */
static const struct nla_policy lm_fn_get_dump_nl_policy[LM_A_FN_DEV_ID + 1] = {
	[LM_A_FN_DEV_ID] = { .type = NLA_U32, },
};

/* LM_NL_CMD_FN_SET - do */
static const struct nla_policy lm_fn_set_nl_policy[LM_A_FN_MEMORY + 1] = {
	[LM_A_FN_DEV_ID] = { .type = NLA_U32, },
	[LM_A_FN_INDEX] = { .type = NLA_U32, },
	[LM_A_FN_QUEUES] = { .type = NLA_U32, },
	[LM_A_FN_IRQS] = { .type = NLA_U32, },
	[LM_A_FN_MEMORY] = { .type = NLA_UINT, },
	[LM_A_FN_ONLINE] = NLA_POLICY_MAX(NLA_U8, 1),
	[LM_A_FN_MIGRATABLE] = NLA_POLICY_MAX(NLA_U8, 1),
};

/* LM_NL_CMD_FN_ATTACH - do */
static const struct nla_policy lm_fn_attach_nl_policy[LM_A_FN_INDEX + 1] = {
	[LM_A_FN_DEV_ID] = { .type = NLA_U32, },
	[LM_A_FN_INDEX] = { .type = NLA_U32, },
};

/* LM_NL_CMD_FN_DETACH - do */
static const struct nla_policy lm_fn_detach_nl_policy[LM_A_FN_INDEX + 1] = {
	[LM_A_FN_DEV_ID] = { .type = NLA_U32, },
	[LM_A_FN_INDEX] = { .type = NLA_U32, },
};

/* Ops table for lm */
const struct genl_split_ops lm_nl_ops[7] = {
	{
		.cmd		= LM_NL_CMD_DEV_GET,
		.doit		= lm_nl_dev_get_doit,
		.policy		= lm_dev_get_nl_policy,
		.maxattr	= LM_A_DEV_ID,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd	= LM_NL_CMD_DEV_GET,
		.dumpit	= lm_nl_dev_get_dumpit,
		.flags	= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= LM_NL_CMD_FN_GET,
		.doit		= lm_nl_fn_get_doit,
		.policy		= lm_fn_get_do_nl_policy,
		.maxattr	= LM_A_FN_INDEX,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= LM_NL_CMD_FN_GET,
		.dumpit		= lm_nl_fn_get_dumpit,
		.policy		= lm_fn_get_dump_nl_policy,
		.maxattr	= LM_A_FN_DEV_ID,
		.flags		= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= LM_NL_CMD_FN_SET,
		.doit		= lm_nl_fn_set_doit,
		.policy		= lm_fn_set_nl_policy,
		.maxattr	= LM_A_FN_MEMORY,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= LM_NL_CMD_FN_ATTACH,
		.doit		= lm_nl_fn_attach_doit,
		.policy		= lm_fn_attach_nl_policy,
		.maxattr	= LM_A_FN_INDEX,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= LM_NL_CMD_FN_DETACH,
		.doit		= lm_nl_fn_detach_doit,
		.policy		= lm_fn_detach_nl_policy,
		.maxattr	= LM_A_FN_INDEX,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
};

static const struct genl_multicast_group lm_nl_mcgrps[] = {
	[LM_NLGRP_MONITOR] = { "monitor", },
};
