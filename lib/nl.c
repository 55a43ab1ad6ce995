// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * liblm: the "lm" generic netlink family (docs/netlink/lm.yaml) through
 * libnl-genl-3: requests, their extended acks, dumps and the monitor group.
 *
 * libnl builds and parses the messages; the replies are read here, so that
 * the kernel's errno and extended-ack message reach the caller unchanged
 * (libnl's own receive path turns the errno into one of its codes).
 *
 * Copyright (c) 2026 The lm authors
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "private.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define LM_ERRMSG_MAX 256

/**
 * struct lm_ctx - A connection to the "lm" family
 * @sk: Socket of the requests
 * @mon: Socket of the monitor group, NULL before lm_monitor_start()
 * @family: The family's id
 * @monitor_grp: The id of its monitor group, or -errno of looking it up
 * @req: The last request, for naming the attribute an extended ack
 *       points at
 * @req_len: Its length
 * @buf: Receive buffer
 * @buf_size: Its size
 * @errmsg: What the kernel said about the last request that failed
 */
struct lm_ctx {
	struct nl_sock *sk;
	struct nl_sock *mon;
	int family;
	int monitor_grp;
	void *req;
	size_t req_len;
	void *buf;
	size_t buf_size;
	char errmsg[LM_ERRMSG_MAX];
};

/* The attribute names of the spec, for messages about them. */
static const char *const lm_dev_attr_names[] = {
	[LM_A_DEV_ID] = "id",
	[LM_A_DEV_PARENT] = "parent",
	[LM_A_DEV_DRIVER] = "driver",
	[LM_A_DEV_COMPAT] = "compat",
	[LM_A_DEV_MIG_CAPS] = "mig-caps",
	[LM_A_DEV_PROV_CAPS] = "prov-caps",
	[LM_A_DEV_NUM_FNS] = "num-fns",
	[LM_A_DEV_STREAM_VERSION] = "stream-version",
};

static const char *const lm_fn_attr_names[] = {
	[LM_A_FN_DEV_ID] = "dev-id",
	[LM_A_FN_INDEX] = "index",
	[LM_A_FN_STATE] = "state",
	[LM_A_FN_ONLINE] = "online",
	[LM_A_FN_MIGRATABLE] = "migratable",
	[LM_A_FN_VFIO] = "vfio",
	[LM_A_FN_VF] = "vf",
	[LM_A_FN_HW_ID] = "hw-id",
	[LM_A_FN_PCI_DOMAIN] = "pci-domain",
	[LM_A_FN_PCI_BDF] = "pci-bdf",
	[LM_A_FN_QUEUES] = "queues",
	[LM_A_FN_IRQS] = "irqs",
	[LM_A_FN_MEMORY] = "memory",
};

/* A libnl error code as the errno it stands for. */
static int lm_nl_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case 0:
		return 0;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_INTR:
		return -EINTR;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
	case NLE_PROTO_MISMATCH:
		return -EPROTONOSUPPORT;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_BAD_SOCK:
		return -EBADF;
	default:
		return -EIO;
	}
}

static int lm_nl_socket(struct nl_sock **skp)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1;
	int ret;

	if (!sk)
		return -ENOMEM;
	ret = genl_connect(sk);
	if (ret) {
		nl_socket_free(sk);
		return lm_nl_errno(ret);
	}
	/*
	 * Extended acks carry the kernel's reason; with capped acks they
	 * follow the error at once, without an echo of the request.
	 * Kernels without them just say less.
	 */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one,
		   sizeof(one));
	*skp = sk;
	return 0;
}

int lm_ctx_new(struct lm_ctx **ctxp)
{
	struct lm_ctx *ctx = calloc(1, sizeof(*ctx));
	int ret;

	if (!ctx)
		return -ENOMEM;
	ret = lm_nl_socket(&ctx->sk);
	if (ret) {
		free(ctx);
		return ret;
	}
	/*
	 * Both through libnl's own requests, before the first of ours: libnl
	 * counts the sequence numbers it expects on the socket, and only its
	 * receive path advances them.
	 */
	ctx->family = genl_ctrl_resolve(ctx->sk, LM_FAMILY_NAME);
	if (ctx->family < 0) {
		ret = lm_nl_errno(ctx->family);
		lm_ctx_free(ctx);
		return ret;
	}
	ctx->monitor_grp = genl_ctrl_resolve_grp(ctx->sk, LM_FAMILY_NAME,
						 LM_MCGRP_MONITOR);
	if (ctx->monitor_grp < 0)
		ctx->monitor_grp = lm_nl_errno(ctx->monitor_grp);
	*ctxp = ctx;
	return 0;
}

void lm_ctx_free(struct lm_ctx *ctx)
{
	if (!ctx)
		return;
	nl_socket_free(ctx->sk);
	if (ctx->mon)
		nl_socket_free(ctx->mon);
	free(ctx->req);
	free(ctx->buf);
	free(ctx);
}

const char *lm_ctx_errmsg(const struct lm_ctx *ctx)
{
	return ctx->errmsg;
}

/*
 * Receive one datagram into ctx->buf, whatever its size; its length or
 * -errno (-EAGAIN with @flags MSG_DONTWAIT and nothing queued).
 */
static ssize_t lm_nl_recv(struct lm_ctx *ctx, int fd, int flags)
{
	ssize_t n;
	void *buf;

	for (;;) {
		n = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC | flags);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if ((size_t)n > ctx->buf_size) {
			buf = realloc(ctx->buf, (size_t)n);
			if (!buf)
				return -ENOMEM;
			ctx->buf = buf;
			ctx->buf_size = (size_t)n;
		}
		n = recv(fd, ctx->buf, ctx->buf_size, flags);
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 ? -errno : n;
	}
}

/* The name of attribute @type of the set that command @cmd uses. */
static const char *lm_nl_attr_name(uint8_t cmd, unsigned int type)
{
	if (cmd == LM_NL_CMD_DEV_GET) {
		if (type < LM_ARRAY_SIZE(lm_dev_attr_names) &&
		    lm_dev_attr_names[type])
			return lm_dev_attr_names[type];
	} else if (type < LM_ARRAY_SIZE(lm_fn_attr_names) &&
		   lm_fn_attr_names[type]) {
		return lm_fn_attr_names[type];
	}
	return NULL;
}

/* The type of the attribute at byte @offs of the last request, or -1. */
static int lm_nl_req_attr_at(const struct lm_ctx *ctx, uint32_t offs)
{
	const struct nlattr *nla;

	if (!ctx->req || offs < NLMSG_HDRLEN + GENL_HDRLEN ||
	    (size_t)offs + sizeof(*nla) > ctx->req_len)
		return -1;
	nla = (const struct nlattr *)((const char *)ctx->req + offs);
	return nla->nla_type & NLA_TYPE_MASK;
}

/*
 * Keep what an error's extended ack says: its message, and which
 * attribute it is about (the one at an offset of the request, or one that
 * is missing).
 */
static void lm_nl_extack(struct lm_ctx *ctx, const struct nlmsghdr *nlh,
			 const void *tlvs, int len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};
	const struct genlmsghdr *req_genl;
	const char *name = NULL;
	char msg[LM_ERRMSG_MAX] = "";
	uint8_t cmd = 0;
	int type = -1;
	bool missing = false;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || len <= 0)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)tlvs, len, NULL))
		return;
	if (ctx->req && ctx->req_len >= NLMSG_HDRLEN + GENL_HDRLEN) {
		req_genl = (const struct genlmsghdr *)((const char *)ctx->req +
						       NLMSG_HDRLEN);
		cmd = req_genl->cmd;
	}
	if (tb[NLMSGERR_ATTR_MSG] && nla_len(tb[NLMSGERR_ATTR_MSG]) > 0)
		snprintf(msg, sizeof(msg), "%.*s",
			 (int)strnlen(nla_data(tb[NLMSGERR_ATTR_MSG]),
				      (size_t)nla_len(tb[NLMSGERR_ATTR_MSG])),
			 (const char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_MISS_TYPE] &&
	    nla_len(tb[NLMSGERR_ATTR_MISS_TYPE]) >= 4) {
		type = (int)nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
		missing = true;
	} else if (tb[NLMSGERR_ATTR_OFFS] &&
		   nla_len(tb[NLMSGERR_ATTR_OFFS]) >= 4) {
		type = lm_nl_req_attr_at(ctx, nla_get_u32(tb[NLMSGERR_ATTR_OFFS]));
	}
	if (type >= 0)
		name = lm_nl_attr_name(cmd, (unsigned int)type);

	if (missing && msg[0])
		snprintf(ctx->errmsg, sizeof(ctx->errmsg),
			 "%s (missing attribute %s)", msg, name ?: "?");
	else if (missing)
		snprintf(ctx->errmsg, sizeof(ctx->errmsg),
			 "missing attribute %s", name ?: "?");
	else if (msg[0] && name)
		snprintf(ctx->errmsg, sizeof(ctx->errmsg),
			 "%s (attribute %s)", msg, name);
	else
		snprintf(ctx->errmsg, sizeof(ctx->errmsg), "%s", msg);
}

/* An NLMSG_ERROR: 0 for an ack, else the errno, with its extended ack. */
static int lm_nl_error(struct lm_ctx *ctx, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	int len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)sizeof(*e);
	const char *tlvs = (const char *)(e + 1);

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
		return -EPROTO;
	if (!e->error)
		return 0;
	/* Without a capped ack the request's payload comes first. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		int echo = (int)NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;

		tlvs += echo;
		len -= echo;
	}
	lm_nl_extack(ctx, nlh, tlvs, len);
	return e->error < 0 ? e->error : -e->error;
}

/* An NLMSG_DONE: 0, or the errno a dump ended with, with its extended ack. */
static int lm_nl_done(struct lm_ctx *ctx, const struct nlmsghdr *nlh)
{
	int err;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(int))
		return 0;
	memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
	if (!err)
		return 0;
	lm_nl_extack(ctx, nlh, (const char *)NLMSG_DATA(nlh) + sizeof(int),
		     (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)sizeof(int));
	return err < 0 ? err : -err;
}

typedef int (*lm_nl_parse_fn)(struct lm_ctx *ctx, struct nlmsghdr *nlh,
			      void *arg);

/*
 * Send @msg (freed here) and read its answer to the end: the ack of a do
 * request, NLMSG_DONE of a dump, or an error. @parse sees each reply
 * message until it returns non-zero; the rest of a dump is still read, so
 * that the next request starts on an empty socket.
 *
 * Return: what @parse returned when it stopped, else 0 or -errno of the
 * kernel (with ctx->errmsg) or of the socket.
 */
static int lm_nl_transact(struct lm_ctx *ctx, struct nl_msg *msg,
			  lm_nl_parse_fn parse, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	bool dump = nlh->nlmsg_flags & NLM_F_DUMP;
	int fd = nl_socket_get_fd(ctx->sk);
	uint32_t port, seq;
	int ret = 0, stop = 0;
	bool done = false;
	ssize_t n;
	void *req;

	ctx->errmsg[0] = 0;
	nl_complete_msg(ctx->sk, msg);
	/* A dump ends with NLMSG_DONE; an ack would only follow it. */
	if (dump)
		nlh->nlmsg_flags &= ~NLM_F_ACK;
	seq = nlh->nlmsg_seq;
	port = nl_socket_get_local_port(ctx->sk);

	req = realloc(ctx->req, nlh->nlmsg_len);
	if (req) {
		memcpy(req, nlh, nlh->nlmsg_len);
		ctx->req = req;
		ctx->req_len = nlh->nlmsg_len;
	}
	n = nl_send(ctx->sk, msg);
	nlmsg_free(msg);
	if (n < 0)
		return lm_nl_errno((int)n);

	while (!done) {
		n = lm_nl_recv(ctx, fd, 0);
		if (n < 0)
			return (int)n;
		for (nlh = ctx->buf; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != port)
				continue;
			switch (nlh->nlmsg_type) {
			case NLMSG_NOOP:
				continue;
			case NLMSG_ERROR:
				ret = lm_nl_error(ctx, nlh);
				done = true;
				break;
			case NLMSG_DONE:
				ret = lm_nl_done(ctx, nlh);
				done = true;
				break;
			case NLMSG_OVERRUN:
				ret = -EOVERFLOW;
				done = true;
				break;
			default:
				if (!stop && parse)
					stop = parse(ctx, nlh, arg);
				continue;
			}
			break;
		}
	}
	if (ret)
		return ret;
	if (stop)
		return stop;
	return 0;
}

static struct nl_msg *lm_nl_msg(struct lm_ctx *ctx, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, ctx->family, 0, flags,
			 cmd, LM_FAMILY_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* The attributes of a reply or notification of family lm. */
static int lm_nl_attrs(struct nlmsghdr *nlh, struct nlattr **tb, int max,
		       uint8_t *cmd)
{
	struct genlmsghdr *g;

	if (!genlmsg_valid_hdr(nlh, 0))
		return -EPROTO;
	g = nlmsg_data(nlh);
	if (cmd)
		*cmd = g->cmd;
	if (nla_parse(tb, max, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0),
		      NULL))
		return -EPROTO;
	return 0;
}

/* Attribute accessors that check the size before they read. */
static uint32_t lm_nla_u32(const struct nlattr *nla)
{
	return nla && nla_len(nla) >= 4 ? nla_get_u32(nla) : 0;
}

static bool lm_nla_flag_u8(const struct nlattr *nla)
{
	return nla && nla_len(nla) >= 1 && nla_get_u8(nla);
}

/* An attribute of type "uint": 4 or 8 bytes. */
static uint64_t lm_nla_uint(const struct nlattr *nla)
{
	if (!nla)
		return 0;
	if (nla_len(nla) == 8)
		return nla_get_u64(nla);
	return nla_len(nla) == 4 ? nla_get_u32(nla) : 0;
}

static void lm_nla_string(char *dst, size_t size, const struct nlattr *nla)
{
	size_t len = 0;

	if (nla && nla_len(nla) > 0)
		len = strnlen(nla_data(nla), (size_t)nla_len(nla));
	if (len >= size)
		len = size - 1;
	memset(dst, 0, size);
	if (len)
		memcpy(dst, nla_data(nla), len);
}

static int lm_nl_dev_desc(struct nlmsghdr *nlh, struct lm_dev_desc *desc,
			  uint8_t *cmd)
{
	struct nlattr *tb[LM_A_DEV_MAX + 1] = {};
	int ret = lm_nl_attrs(nlh, tb, LM_A_DEV_MAX, cmd);

	if (ret)
		return ret;
	if (!tb[LM_A_DEV_ID] || nla_len(tb[LM_A_DEV_ID]) < 4)
		return -EPROTO;
	memset(desc, 0, sizeof(*desc));
	desc->id = lm_nla_u32(tb[LM_A_DEV_ID]);
	lm_nla_string(desc->parent, sizeof(desc->parent), tb[LM_A_DEV_PARENT]);
	lm_nla_string(desc->driver, sizeof(desc->driver), tb[LM_A_DEV_DRIVER]);
	lm_nla_string(desc->compat, sizeof(desc->compat), tb[LM_A_DEV_COMPAT]);
	desc->mig_caps = lm_nla_u32(tb[LM_A_DEV_MIG_CAPS]);
	desc->prov_caps = lm_nla_u32(tb[LM_A_DEV_PROV_CAPS]);
	desc->num_fns = lm_nla_u32(tb[LM_A_DEV_NUM_FNS]);
	desc->stream_version = lm_nla_u32(tb[LM_A_DEV_STREAM_VERSION]);
	return 0;
}

static int lm_nl_fn_desc(struct nlmsghdr *nlh, struct lm_fn_desc *desc,
			 uint8_t *cmd)
{
	struct nlattr *tb[LM_A_FN_MAX + 1] = {};
	int ret = lm_nl_attrs(nlh, tb, LM_A_FN_MAX, cmd);

	if (ret)
		return ret;
	if (!tb[LM_A_FN_DEV_ID] || nla_len(tb[LM_A_FN_DEV_ID]) < 4 ||
	    !tb[LM_A_FN_INDEX] || nla_len(tb[LM_A_FN_INDEX]) < 4)
		return -EPROTO;
	memset(desc, 0, sizeof(*desc));
	desc->dev_id = lm_nla_u32(tb[LM_A_FN_DEV_ID]);
	desc->index = lm_nla_u32(tb[LM_A_FN_INDEX]);
	desc->state = lm_nla_u32(tb[LM_A_FN_STATE]);
	desc->online = lm_nla_flag_u8(tb[LM_A_FN_ONLINE]);
	desc->migratable = lm_nla_flag_u8(tb[LM_A_FN_MIGRATABLE]);
	desc->vfio = lm_nla_flag_u8(tb[LM_A_FN_VFIO]);
	desc->pci = tb[LM_A_FN_PCI_DOMAIN] && tb[LM_A_FN_PCI_BDF];
	desc->vf = lm_nla_u32(tb[LM_A_FN_VF]);
	desc->hw_id = lm_nla_u32(tb[LM_A_FN_HW_ID]);
	desc->pci_domain = lm_nla_u32(tb[LM_A_FN_PCI_DOMAIN]);
	desc->pci_bdf = lm_nla_u32(tb[LM_A_FN_PCI_BDF]);
	desc->queues = lm_nla_u32(tb[LM_A_FN_QUEUES]);
	desc->irqs = lm_nla_u32(tb[LM_A_FN_IRQS]);
	desc->memory = lm_nla_uint(tb[LM_A_FN_MEMORY]);
	return 0;
}

/* A do request's one reply, kept in @arg; a second one is an error. */
struct lm_nl_one {
	void *desc;
	bool seen;
};

static int lm_nl_parse_dev_one(struct lm_ctx *ctx, struct nlmsghdr *nlh,
			       void *arg)
{
	struct lm_nl_one *one = arg;
	int ret;

	(void)ctx;
	if (one->seen)
		return -EPROTO;
	ret = lm_nl_dev_desc(nlh, one->desc, NULL);
	one->seen = !ret;
	return ret;
}

int lm_dev_get(struct lm_ctx *ctx, uint32_t id,
	       struct lm_dev_desc *desc)
{
	struct lm_nl_one one = { .desc = desc };
	struct nl_msg *msg = lm_nl_msg(ctx, LM_NL_CMD_DEV_GET, 0);
	int ret;

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, LM_A_DEV_ID, id)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	ret = lm_nl_transact(ctx, msg, lm_nl_parse_dev_one, &one);
	if (!ret && !one.seen)
		ret = -EPROTO;
	return ret;
}

struct lm_nl_dev_walk {
	lm_dev_cb cb;
	void *arg;
};

static int lm_nl_parse_dev_each(struct lm_ctx *ctx, struct nlmsghdr *nlh,
				void *arg)
{
	struct lm_nl_dev_walk *walk = arg;
	struct lm_dev_desc desc;
	int ret;

	(void)ctx;
	ret = lm_nl_dev_desc(nlh, &desc, NULL);
	return ret ?: walk->cb(&desc, walk->arg);
}

int lm_dev_list(struct lm_ctx *ctx, lm_dev_cb cb, void *arg)
{
	struct lm_nl_dev_walk walk = { .cb = cb, .arg = arg };
	struct nl_msg *msg = lm_nl_msg(ctx, LM_NL_CMD_DEV_GET, NLM_F_DUMP);

	if (!msg)
		return -ENOMEM;
	return lm_nl_transact(ctx, msg, lm_nl_parse_dev_each, &walk);
}

static int lm_nl_parse_fn_one(struct lm_ctx *ctx, struct nlmsghdr *nlh,
			      void *arg)
{
	struct lm_nl_one *one = arg;
	int ret;

	(void)ctx;
	if (one->seen)
		return -EPROTO;
	ret = lm_nl_fn_desc(nlh, one->desc, NULL);
	one->seen = !ret;
	return ret;
}

/* A request @cmd on one function: its dev-id and index put; NULL if no memory. */
static struct nl_msg *lm_nl_fn_msg(struct lm_ctx *ctx, uint8_t cmd,
				   uint32_t dev_id, uint32_t index)
{
	struct nl_msg *msg = lm_nl_msg(ctx, cmd, 0);

	if (msg && (nla_put_u32(msg, LM_A_FN_DEV_ID, dev_id) ||
		    nla_put_u32(msg, LM_A_FN_INDEX, index))) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

int lm_fn_get(struct lm_ctx *ctx, uint32_t dev_id, uint32_t index,
	      struct lm_fn_desc *desc)
{
	struct lm_nl_one one = { .desc = desc };
	struct nl_msg *msg = lm_nl_fn_msg(ctx, LM_NL_CMD_FN_GET, dev_id, index);
	int ret;

	if (!msg)
		return -ENOMEM;
	ret = lm_nl_transact(ctx, msg, lm_nl_parse_fn_one, &one);
	if (!ret && !one.seen)
		ret = -EPROTO;
	return ret;
}

struct lm_nl_fn_walk {
	lm_fn_cb cb;
	void *arg;
};

static int lm_nl_parse_fn_each(struct lm_ctx *ctx, struct nlmsghdr *nlh,
			       void *arg)
{
	struct lm_nl_fn_walk *walk = arg;
	struct lm_fn_desc desc;
	int ret;

	(void)ctx;
	ret = lm_nl_fn_desc(nlh, &desc, NULL);
	return ret ?: walk->cb(&desc, walk->arg);
}

int lm_fn_list(struct lm_ctx *ctx, uint32_t dev_id, lm_fn_cb cb,
	       void *arg)
{
	struct lm_nl_fn_walk walk = { .cb = cb, .arg = arg };
	struct nl_msg *msg = lm_nl_msg(ctx, LM_NL_CMD_FN_GET, NLM_F_DUMP);

	if (!msg)
		return -ENOMEM;
	if (dev_id != LM_DEV_ANY && nla_put_u32(msg, LM_A_FN_DEV_ID, dev_id)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return lm_nl_transact(ctx, msg, lm_nl_parse_fn_each, &walk);
}

#define LM_CFG_ALL (LM_CFG_QUEUES | LM_CFG_IRQS | LM_CFG_MEMORY | \
		    LM_CFG_ONLINE | LM_CFG_MIGRATABLE)

int lm_fn_set(struct lm_ctx *ctx, uint32_t dev_id, uint32_t index,
	      const struct lm_fn_cfg *cfg)
{
	struct nl_msg *msg;
	int ret = 0;

	ctx->errmsg[0] = 0;
	if (!cfg->flags || (cfg->flags & ~(uint32_t)LM_CFG_ALL))
		return -EINVAL;
	msg = lm_nl_fn_msg(ctx, LM_NL_CMD_FN_SET, dev_id, index);
	if (!msg)
		return -ENOMEM;
	if (cfg->flags & LM_CFG_QUEUES)
		ret |= nla_put_u32(msg, LM_A_FN_QUEUES, cfg->queues);
	if (cfg->flags & LM_CFG_IRQS)
		ret |= nla_put_u32(msg, LM_A_FN_IRQS, cfg->irqs);
	if (cfg->flags & LM_CFG_MEMORY)
		ret |= nla_put_u64(msg, LM_A_FN_MEMORY, cfg->memory);
	if (cfg->flags & LM_CFG_ONLINE)
		ret |= nla_put_u8(msg, LM_A_FN_ONLINE, cfg->online);
	if (cfg->flags & LM_CFG_MIGRATABLE)
		ret |= nla_put_u8(msg, LM_A_FN_MIGRATABLE, cfg->migratable);
	if (ret) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return lm_nl_transact(ctx, msg, NULL, NULL);
}

static int lm_nl_fn_request(struct lm_ctx *ctx, uint8_t cmd, uint32_t dev_id,
			    uint32_t index)
{
	struct nl_msg *msg = lm_nl_fn_msg(ctx, cmd, dev_id, index);

	return msg ? lm_nl_transact(ctx, msg, NULL, NULL) : -ENOMEM;
}

int lm_fn_attach(struct lm_ctx *ctx, uint32_t dev_id, uint32_t index)
{
	return lm_nl_fn_request(ctx, LM_NL_CMD_FN_ATTACH, dev_id, index);
}

int lm_fn_detach(struct lm_ctx *ctx, uint32_t dev_id, uint32_t index)
{
	return lm_nl_fn_request(ctx, LM_NL_CMD_FN_DETACH, dev_id, index);
}

int lm_monitor_start(struct lm_ctx *ctx)
{
	int ret;

	ctx->errmsg[0] = 0;
	if (ctx->mon)
		return 0;
	if (ctx->monitor_grp < 0)
		return ctx->monitor_grp;
	ret = lm_nl_socket(&ctx->mon);
	if (ret)
		return ret;
	/* Notifications are not answers: they carry no sequence number. */
	nl_socket_disable_seq_check(ctx->mon);
	/* A burst (a device of thousands of functions) should fit. */
	nl_socket_set_buffer_size(ctx->mon, 4 << 20, 0);
	ret = nl_socket_add_membership(ctx->mon, ctx->monitor_grp);
	if (ret) {
		nl_socket_free(ctx->mon);
		ctx->mon = NULL;
		return lm_nl_errno(ret);
	}
	return 0;
}

int lm_monitor_fd(const struct lm_ctx *ctx)
{
	return ctx->mon ? nl_socket_get_fd(ctx->mon) : -EINVAL;
}

static int lm_nl_event(struct nlmsghdr *nlh, struct lm_event *ev)
{
	struct genlmsghdr *g;

	if (!genlmsg_valid_hdr(nlh, 0))
		return -EPROTO;
	g = nlmsg_data(nlh);
	switch (g->cmd) {
	case LM_NL_CMD_DEV_ADD_NTF:
	case LM_NL_CMD_DEV_DEL_NTF:
		ev->type = g->cmd == LM_NL_CMD_DEV_ADD_NTF ? LM_EVENT_DEV_ADD :
							    LM_EVENT_DEV_DEL;
		return lm_nl_dev_desc(nlh, &ev->dev, NULL);
	case LM_NL_CMD_FN_CHANGE_NTF:
		ev->type = LM_EVENT_FN_CHANGE;
		return lm_nl_fn_desc(nlh, &ev->fn, NULL);
	default:
		return 1;
	}
}

int lm_monitor_read(struct lm_ctx *ctx, bool nonblock,
		    lm_event_cb cb, void *arg)
{
	struct lm_event ev;
	struct nlmsghdr *nlh;
	ssize_t n;
	int ret;

	if (!ctx->mon)
		return -EINVAL;
	n = lm_nl_recv(ctx, nl_socket_get_fd(ctx->mon),
		       nonblock ? MSG_DONTWAIT : 0);
	if (n < 0)
		return n == -EWOULDBLOCK ? -EAGAIN : (int)n;
	for (nlh = ctx->buf; NLMSG_OK(nlh, n); nlh = NLMSG_NEXT(nlh, n)) {
		if (nlh->nlmsg_type != ctx->family)
			continue;
		memset(&ev, 0, sizeof(ev));
		ret = lm_nl_event(nlh, &ev);
		if (ret > 0)
			continue;
		if (ret < 0)
			return ret;
		ret = cb(&ev, arg);
		if (ret)
			return ret;
	}
	return 0;
}
