// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "lm" (docs/netlink/lm.yaml): what dev-get and
 * fn-get report against the ioctls, dumps that page through thousands of
 * functions, what the monitor group is told and in which order, fn-set and
 * every way it refuses a request (errno, extack, nothing changed), and who
 * may change anything.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <dirent.h>
#include <poll.h>
#include <sys/socket.h>
#include <linux/capability.h>
#include <linux/netlink.h>

#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/socket.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "kselftest_harness.h"

#include "lm_util.h"

#define NUM_FNS 4
#define FN_MEMORY (64 << 10)
#define SIM_QUEUES 2
#define SIM_IRQS 2
#define SIM_POOL (64 * NUM_FNS)
#define BIG_FNS 4096
#define NO_DEVICE 0xfffe

/* A netlink socket of the family, and the answer to one request on it. */

struct lmnl {
	struct nl_sock *sk;
	int family;
	int monitor;		/* the monitor group's id */
	/* A monitor's datagram, of which notifications are still to be read. */
	unsigned char *buf;
	struct nlmsghdr *next;
	int left;
};

struct lmnl_ans {
	int err;		/* 0 or -errno of the request */
	char msg[256];		/* the extack message, "" for none */
	int bad_attr;		/* type of the attribute it marks, or -1 */
	int miss_type;		/* the missing attribute it names, or -1 */
	unsigned int datagrams;	/* recv()s the answer took */
	unsigned int replies;	/* data messages in it */
};

static int lmnl_open(struct lmnl *nl)
{
	int one = 1, fd;

	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return -ENOMEM;
	if (genl_connect(nl->sk))
		return -EIO;
	fd = nl_socket_get_fd(nl->sk);
	/* Error messages and the marked attribute, without the request. */
	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)))
		return -errno;
	nl->family = genl_ctrl_resolve(nl->sk, LM_FAMILY_NAME);
	if (nl->family < 0)
		return -ENOENT;
	nl->monitor = genl_ctrl_resolve_grp(nl->sk, LM_FAMILY_NAME,
					    LM_MCGRP_MONITOR);
	return nl->monitor < 0 ? -ENOENT : 0;
}

static void lmnl_close(struct lmnl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	free(nl->buf);
	memset(nl, 0, sizeof(*nl));
}

static struct nl_msg *lmnl_req(struct lmnl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
				flags, cmd, LM_FAMILY_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/* The extack attributes that follow an error or the end of a dump. */
static void lmnl_ans_extack(struct lmnl_ans *ans, const struct nlmsghdr *req,
			    void *tlvs, int len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	uint32_t offs;

	if (len <= 0 || nla_parse(tb, NLMSGERR_ATTR_MAX, tlvs, len, NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(ans->msg, sizeof(ans->msg), "%.*s",
			 nla_len(tb[NLMSGERR_ATTR_MSG]),
			 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_MISS_TYPE])
		ans->miss_type = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
	if (tb[NLMSGERR_ATTR_OFFS]) {
		/* An offset into our request: the attribute that is there. */
		offs = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
		if (offs + sizeof(struct nlattr) <= req->nlmsg_len)
			ans->bad_attr = ((const struct nlattr *)
					 ((const char *)req + offs))->nla_type &
					NLA_TYPE_MASK;
	}
}

typedef void (*lmnl_reply_fn)(struct nlmsghdr *nlh, void *arg);

/*
 * Send @req (freed here) and take its answer: each data message to @fn,
 * until the ACK, the error or the end of the dump.
 */
static int lmnl_transact(struct lmnl *nl, struct nl_msg *req, lmnl_reply_fn fn,
			 void *arg, struct lmnl_ans *ans)
{
	struct nlmsghdr *hdr = nlmsg_hdr(req);
	struct sockaddr_nl peer;
	unsigned char *buf;
	bool done = false;
	int n;

	memset(ans, 0, sizeof(*ans));
	ans->bad_attr = -1;
	ans->miss_type = -1;
	if (nl_send_auto(nl->sk, req) < 0) {
		nlmsg_free(req);
		return ans->err = -EIO;
	}

	while (!done) {
		struct nlmsghdr *nlh;

		n = nl_recv(nl->sk, &peer, &buf, NULL);
		if (n <= 0) {
			ans->err = -EIO;
			break;
		}
		ans->datagrams++;
		for (nlh = (struct nlmsghdr *)buf; !done && nlmsg_ok(nlh, n);
		     nlh = nlmsg_next(nlh, &n)) {
			if (nlh->nlmsg_seq != hdr->nlmsg_seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = nlmsg_data(nlh);

				ans->err = e->error;
				if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
					lmnl_ans_extack(ans, hdr, e + 1,
							nlh->nlmsg_len -
							NLMSG_HDRLEN - sizeof(*e));
				done = true;
			} else if (nlh->nlmsg_type == NLMSG_DONE) {
				int *err = nlmsg_data(nlh);

				ans->err = *err;
				if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
					lmnl_ans_extack(ans, hdr, err + 1,
							nlh->nlmsg_len -
							NLMSG_HDRLEN - sizeof(*err));
				done = true;
			} else {
				ans->replies++;
				if (fn)
					fn(nlh, arg);
			}
		}
		free(buf);
	}
	nlmsg_free(req);
	return ans->err;
}

/* What dev-get and fn-get report, and which attributes were there. */

struct lmnl_dev {
	uint64_t present;	/* bit per attribute */
	bool malformed;		/* an attribute of the wrong size */
	uint32_t id, mig_caps, prov_caps, num_fns, stream_version;
	char parent[128], driver[128], compat[128];
};

struct lmnl_fn {
	uint8_t cmd;
	uint64_t present;
	bool malformed;
	uint32_t dev_id, index, state, vf, hw_id, pci_domain, pci_bdf, queues,
		 irqs;
	uint8_t online, migratable, vfio;
	uint64_t memory;
};

static bool lmnl_u32(struct nlattr *a, uint32_t *v, bool *malformed)
{
	if (!a)
		return false;
	if (nla_len(a) != 4)
		*malformed = true;
	else
		*v = nla_get_u32(a);
	return true;
}

static bool lmnl_u8(struct nlattr *a, uint8_t *v, bool *malformed)
{
	if (!a)
		return false;
	if (nla_len(a) != 1)
		*malformed = true;
	else
		*v = nla_get_u8(a);
	return true;
}

static bool lmnl_str(struct nlattr *a, char *buf, size_t len, bool *malformed)
{
	if (!a)
		return false;
	if (nla_len(a) < 1 || ((char *)nla_data(a))[nla_len(a) - 1])
		*malformed = true;
	else
		snprintf(buf, len, "%s", (char *)nla_data(a));
	return true;
}

static void lmnl_parse_dev(struct nlmsghdr *nlh, struct lmnl_dev *d)
{
	struct nlattr *tb[LM_A_DEV_MAX + 1];
	bool *bad = &d->malformed;

	memset(d, 0, sizeof(*d));
	if (genlmsg_parse(nlh, 0, tb, LM_A_DEV_MAX, NULL)) {
		d->malformed = true;
		return;
	}
#define DEV_ATTR(attr, ok) (d->present |= (uint64_t)(ok) << (attr))
	DEV_ATTR(LM_A_DEV_ID, lmnl_u32(tb[LM_A_DEV_ID], &d->id, bad));
	DEV_ATTR(LM_A_DEV_PARENT, lmnl_str(tb[LM_A_DEV_PARENT], d->parent,
					   sizeof(d->parent), bad));
	DEV_ATTR(LM_A_DEV_DRIVER, lmnl_str(tb[LM_A_DEV_DRIVER], d->driver,
					   sizeof(d->driver), bad));
	DEV_ATTR(LM_A_DEV_COMPAT, lmnl_str(tb[LM_A_DEV_COMPAT], d->compat,
					   sizeof(d->compat), bad));
	DEV_ATTR(LM_A_DEV_MIG_CAPS, lmnl_u32(tb[LM_A_DEV_MIG_CAPS],
					     &d->mig_caps, bad));
	DEV_ATTR(LM_A_DEV_PROV_CAPS, lmnl_u32(tb[LM_A_DEV_PROV_CAPS],
					      &d->prov_caps, bad));
	DEV_ATTR(LM_A_DEV_NUM_FNS, lmnl_u32(tb[LM_A_DEV_NUM_FNS], &d->num_fns,
					    bad));
	DEV_ATTR(LM_A_DEV_STREAM_VERSION,
		 lmnl_u32(tb[LM_A_DEV_STREAM_VERSION], &d->stream_version, bad));
#undef DEV_ATTR
}

static void lmnl_parse_fn(struct nlmsghdr *nlh, struct lmnl_fn *f)
{
	struct nlattr *tb[LM_A_FN_MAX + 1];
	bool *bad = &f->malformed;
	struct nlattr *mem;

	memset(f, 0, sizeof(*f));
	f->cmd = genlmsg_hdr(nlh)->cmd;
	if (genlmsg_parse(nlh, 0, tb, LM_A_FN_MAX, NULL)) {
		f->malformed = true;
		return;
	}
#define FN_ATTR(attr, ok) (f->present |= (uint64_t)(ok) << (attr))
	FN_ATTR(LM_A_FN_DEV_ID, lmnl_u32(tb[LM_A_FN_DEV_ID], &f->dev_id, bad));
	FN_ATTR(LM_A_FN_INDEX, lmnl_u32(tb[LM_A_FN_INDEX], &f->index, bad));
	FN_ATTR(LM_A_FN_STATE, lmnl_u32(tb[LM_A_FN_STATE], &f->state, bad));
	FN_ATTR(LM_A_FN_ONLINE, lmnl_u8(tb[LM_A_FN_ONLINE], &f->online, bad));
	FN_ATTR(LM_A_FN_MIGRATABLE, lmnl_u8(tb[LM_A_FN_MIGRATABLE],
					    &f->migratable, bad));
	FN_ATTR(LM_A_FN_VFIO, lmnl_u8(tb[LM_A_FN_VFIO], &f->vfio, bad));
	FN_ATTR(LM_A_FN_VF, lmnl_u32(tb[LM_A_FN_VF], &f->vf, bad));
	FN_ATTR(LM_A_FN_HW_ID, lmnl_u32(tb[LM_A_FN_HW_ID], &f->hw_id, bad));
	FN_ATTR(LM_A_FN_PCI_DOMAIN, lmnl_u32(tb[LM_A_FN_PCI_DOMAIN],
					     &f->pci_domain, bad));
	FN_ATTR(LM_A_FN_PCI_BDF, lmnl_u32(tb[LM_A_FN_PCI_BDF], &f->pci_bdf,
					  bad));
	FN_ATTR(LM_A_FN_QUEUES, lmnl_u32(tb[LM_A_FN_QUEUES], &f->queues, bad));
	FN_ATTR(LM_A_FN_IRQS, lmnl_u32(tb[LM_A_FN_IRQS], &f->irqs, bad));
#undef FN_ATTR
	/* A uint: 4 bytes when the value fits, else 8. */
	mem = tb[LM_A_FN_MEMORY];
	if (mem) {
		f->present |= 1ULL << LM_A_FN_MEMORY;
		if (nla_len(mem) == 4)
			f->memory = nla_get_u32(mem);
		else if (nla_len(mem) == 8)
			f->memory = nla_get_u64(mem);
		else
			f->malformed = true;
	}
}

#define BIT_ULL(n) (1ULL << (n))
#define DEV_ATTRS_ALL                                                     \
	(BIT_ULL(LM_A_DEV_ID) | BIT_ULL(LM_A_DEV_PARENT) |                \
	 BIT_ULL(LM_A_DEV_DRIVER) | BIT_ULL(LM_A_DEV_COMPAT) |            \
	 BIT_ULL(LM_A_DEV_MIG_CAPS) | BIT_ULL(LM_A_DEV_PROV_CAPS) |       \
	 BIT_ULL(LM_A_DEV_NUM_FNS) | BIT_ULL(LM_A_DEV_STREAM_VERSION))
/* A simulated function is no PCI function: no pci-domain, no pci-bdf. */
#define FN_ATTRS_SIM                                                      \
	(BIT_ULL(LM_A_FN_DEV_ID) | BIT_ULL(LM_A_FN_INDEX) |               \
	 BIT_ULL(LM_A_FN_STATE) | BIT_ULL(LM_A_FN_ONLINE) |               \
	 BIT_ULL(LM_A_FN_MIGRATABLE) | BIT_ULL(LM_A_FN_VFIO) |            \
	 BIT_ULL(LM_A_FN_VF) | BIT_ULL(LM_A_FN_HW_ID) |                   \
	 BIT_ULL(LM_A_FN_QUEUES) | BIT_ULL(LM_A_FN_IRQS) |                \
	 BIT_ULL(LM_A_FN_MEMORY))

/* Collects the replies of a dump or a get. */
struct lmnl_list {
	bool fns;
	size_t nr, cap;
	union {
		struct lmnl_dev *devs;
		struct lmnl_fn *fnl;
	};
};

static void lmnl_list_add(struct nlmsghdr *nlh, void *arg)
{
	struct lmnl_list *l = arg;
	size_t size = l->fns ? sizeof(struct lmnl_fn) : sizeof(struct lmnl_dev);
	void *p;

	if (l->nr == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		p = realloc(l->devs, l->cap * size);
		if (!p)
			abort();
		l->devs = p;
	}
	if (l->fns)
		lmnl_parse_fn(nlh, &l->fnl[l->nr++]);
	else
		lmnl_parse_dev(nlh, &l->devs[l->nr++]);
}

static void lmnl_list_free(struct lmnl_list *l)
{
	free(l->devs);
	memset(l, 0, sizeof(*l));
}

static int lmnl_dev_get(struct lmnl *nl, uint32_t id, struct lmnl_dev *dev,
			struct lmnl_ans *ans)
{
	struct nl_msg *req = lmnl_req(nl, LM_NL_CMD_DEV_GET, 0);
	struct lmnl_list l = {};
	int ret;

	nla_put_u32(req, LM_A_DEV_ID, id);
	ret = lmnl_transact(nl, req, lmnl_list_add, &l, ans);
	if (!ret && l.nr != 1)
		ret = -EPROTO;
	if (!ret)
		*dev = l.devs[0];
	lmnl_list_free(&l);
	return ret;
}

static int lmnl_fn_get(struct lmnl *nl, uint32_t dev_id, uint32_t index,
		       struct lmnl_fn *fn, struct lmnl_ans *ans)
{
	struct nl_msg *req = lmnl_req(nl, LM_NL_CMD_FN_GET, 0);
	struct lmnl_list l = { .fns = true };
	int ret;

	nla_put_u32(req, LM_A_FN_DEV_ID, dev_id);
	nla_put_u32(req, LM_A_FN_INDEX, index);
	ret = lmnl_transact(nl, req, lmnl_list_add, &l, ans);
	if (!ret && l.nr != 1)
		ret = -EPROTO;
	if (!ret)
		*fn = l.fnl[0];
	lmnl_list_free(&l);
	return ret;
}

/* A dump of functions, of one device (dev_id >= 0) or of all. */
static int lmnl_fn_dump(struct lmnl *nl, long long dev_id, struct lmnl_list *l,
			struct lmnl_ans *ans)
{
	struct nl_msg *req = lmnl_req(nl, LM_NL_CMD_FN_GET, NLM_F_DUMP);

	*l = (struct lmnl_list){ .fns = true };
	if (dev_id >= 0)
		nla_put_u32(req, LM_A_FN_DEV_ID, dev_id);
	return lmnl_transact(nl, req, lmnl_list_add, l, ans);
}

static int lmnl_dev_dump(struct lmnl *nl, struct lmnl_list *l,
			 struct lmnl_ans *ans)
{
	*l = (struct lmnl_list){ .fns = false };
	return lmnl_transact(nl, lmnl_req(nl, LM_NL_CMD_DEV_GET, NLM_F_DUMP),
			     lmnl_list_add, l, ans);
}

/* An fn-set; the attributes are given as (type, length, value) below. */
struct lmnl_attr {
	uint16_t type;
	uint16_t len;	/* 0 ends the list */
	uint64_t value;	/* little endian, as many bytes as len */
};

#define A_U8(t, v) { .type = (t), .len = 1, .value = (v) }
#define A_U16(t, v) { .type = (t), .len = 2, .value = (v) }
#define A_U32(t, v) { .type = (t), .len = 4, .value = (v) }
#define A_U64(t, v) { .type = (t), .len = 8, .value = (v) }

static struct nl_msg *lmnl_req_attrs(struct lmnl *nl, uint8_t cmd, int flags,
				     const struct lmnl_attr *attrs)
{
	struct nl_msg *req = lmnl_req(nl, cmd, flags);

	for (; attrs && attrs->len; attrs++)
		nla_put(req, attrs->type, attrs->len, &attrs->value);
	return req;
}

static int lmnl_fn_set(struct lmnl *nl, const struct lmnl_attr *attrs,
		       struct lmnl_ans *ans)
{
	return lmnl_transact(nl, lmnl_req_attrs(nl, LM_NL_CMD_FN_SET, 0, attrs),
			     NULL, NULL, ans);
}

/* The monitor: notifications as they come. */

/* The next notification within @timeout_ms; -EAGAIN when none came. */
static int lmnl_monitor_next(struct lmnl *mon, struct lmnl_fn *fn,
			     struct lmnl_dev *dev, int timeout_ms)
{
	struct pollfd pfd = { .fd = nl_socket_get_fd(mon->sk),
			      .events = POLLIN };
	struct sockaddr_nl peer;
	struct nlmsghdr *nlh;
	uint8_t cmd;

	/* Several notifications may share a datagram: keep the rest. */
	if (!mon->next || !nlmsg_ok(mon->next, mon->left)) {
		free(mon->buf);
		mon->buf = NULL;
		mon->next = NULL;
		if (poll(&pfd, 1, timeout_ms) != 1)
			return -EAGAIN;
		mon->left = nl_recv(mon->sk, &peer, &mon->buf, NULL);
		if (mon->left <= 0)
			return -EIO;
		mon->next = (struct nlmsghdr *)mon->buf;
		if (!nlmsg_ok(mon->next, mon->left))
			return -EPROTO;
	}
	nlh = mon->next;
	mon->next = nlmsg_next(mon->next, &mon->left);

	cmd = genlmsg_hdr(nlh)->cmd;
	if (cmd == LM_NL_CMD_FN_CHANGE_NTF) {
		lmnl_parse_fn(nlh, fn);
	} else {
		lmnl_parse_dev(nlh, dev);
		fn->cmd = cmd;
	}
	return cmd;
}

/* The next notification about device @id, skipping other devices'. */
static int lmnl_monitor_next_of(struct lmnl *mon, uint32_t id,
				struct lmnl_fn *fn, struct lmnl_dev *dev,
				int timeout_ms)
{
	int cmd;

	for (;;) {
		cmd = lmnl_monitor_next(mon, fn, dev, timeout_ms);
		if (cmd < 0)
			return cmd;
		if ((cmd == LM_NL_CMD_FN_CHANGE_NTF ? fn->dev_id : dev->id) ==
		    id)
			return cmd;
	}
}

/* Notifications are sent before the request returns: none is late. */
#define NTF_TIMEOUT_MS 2000

/* Expect the next notification of device @id to be a change of @index. */
static void expect_fn_ntf(struct __test_metadata *_metadata, struct lmnl *mon,
			  uint32_t id, uint32_t index, uint32_t state,
			  struct lmnl_fn *fn)
{
	struct lmnl_dev dev;

	ASSERT_EQ(LM_NL_CMD_FN_CHANGE_NTF,
		  lmnl_monitor_next_of(mon, id, fn, &dev, NTF_TIMEOUT_MS));
	ASSERT_FALSE(fn->malformed);
	ASSERT_EQ(FN_ATTRS_SIM, fn->present);
	EXPECT_EQ(index, fn->index);
	EXPECT_EQ(state, fn->state);
}

/* Expect that nothing about device @id is queued. */
static void expect_no_ntf(struct __test_metadata *_metadata, struct lmnl *mon,
			  uint32_t id)
{
	struct lmnl_dev dev;
	struct lmnl_fn fn;
	int cmd = lmnl_monitor_next_of(mon, id, &fn, &dev, 0);

	EXPECT_EQ(-EAGAIN, cmd)
	{
		TH_LOG("unexpected notification, cmd %d fn %u state %u", cmd,
		       fn.index, fn.state);
	}
}

/* Comparisons with the ioctls. */

static uint32_t sim_dev_id(const struct lm_sim *sim)
{
	return strtoul(sim->name + 2, NULL, 10);
}

static void expect_dev_matches(struct __test_metadata *_metadata,
			       const struct lmnl_dev *d, const struct lm_sim *sim)
{
	struct lm_device_info info;
	char compat[128];

	ASSERT_EQ(0, lm_device_info(sim->fd, &info));
	ASSERT_EQ(0, lm_sim_get_compat(sim, compat, sizeof(compat)));
	ASSERT_FALSE(d->malformed);
	EXPECT_EQ(DEV_ATTRS_ALL, d->present);
	EXPECT_EQ(sim_dev_id(sim), d->id);
	EXPECT_STREQ(info.parent, d->parent);
	EXPECT_STREQ(info.driver, d->driver);
	EXPECT_STREQ(compat, d->compat);
	EXPECT_EQ(info.mig_caps, d->mig_caps);
	EXPECT_EQ(info.prov_caps, d->prov_caps);
	EXPECT_EQ(info.num_fns, d->num_fns);
	EXPECT_EQ(info.stream_version, d->stream_version);
}

static void expect_fn_matches(struct __test_metadata *_metadata,
			      const struct lmnl_fn *f, const struct lm_sim *sim,
			      uint32_t index)
{
	struct lm_fn_info info;
	uint64_t want = FN_ATTRS_SIM;

	ASSERT_EQ(0, lm_fn_info(sim->fd, index, &info));
	ASSERT_FALSE(f->malformed);
	if (info.fn_flags & LM_FN_PCI)
		want |= BIT_ULL(LM_A_FN_PCI_DOMAIN) | BIT_ULL(LM_A_FN_PCI_BDF);
	EXPECT_EQ(want, f->present);
	EXPECT_EQ(sim_dev_id(sim), f->dev_id);
	EXPECT_EQ(index, f->index);
	EXPECT_EQ(info.mig_state, f->state);
	EXPECT_EQ(!!(info.fn_flags & LM_FN_ONLINE), f->online);
	EXPECT_EQ(!!(info.fn_flags & LM_FN_MIGRATABLE), f->migratable);
	EXPECT_EQ(!!(info.fn_flags & LM_FN_VFIO), f->vfio);
	EXPECT_EQ(info.vf, f->vf);
	EXPECT_EQ(info.hw_id, f->hw_id);
	EXPECT_EQ(info.pci_domain, f->pci_domain);
	EXPECT_EQ(info.pci_bdf, f->pci_bdf);
	EXPECT_EQ(info.queues, f->queues);
	EXPECT_EQ(info.irqs, f->irqs);
	EXPECT_EQ(info.memory, f->memory);
}

/* The NUM_FNS functions of @sim as LM_FN_INFO tells, to see what changed. */
static void snapshot(struct __test_metadata *_metadata,
		     const struct lm_sim *sim, struct lm_fn_info *infos)
{
	unsigned int i;

	for (i = 0; i < NUM_FNS; i++)
		ASSERT_EQ(0, lm_fn_info(sim->fd, i, &infos[i]));
}

static void expect_unchanged(struct __test_metadata *_metadata,
			     const struct lm_sim *sim,
			     const struct lm_fn_info *before)
{
	struct lm_fn_info now[NUM_FNS];
	unsigned int i;

	snapshot(_metadata, sim, now);
	for (i = 0; i < NUM_FNS; i++)
		EXPECT_EQ(0, memcmp(&before[i], &now[i], sizeof(now[i])))
		{
			TH_LOG("function %u changed", i);
		}
}

/* A simulated device, a socket for requests and one on the monitor group. */

FIXTURE(nl) {
	struct lmnl nl;
	struct lmnl mon;
	struct lm_sim sim;
	uint32_t id;
};

FIXTURE_SETUP(nl)
{
	struct lmnl_dev dev;
	struct lmnl_fn fn;

	self->sim.fd = -1;
	ASSERT_EQ(0, lmnl_open(&self->nl));
	ASSERT_EQ(0, lmnl_open(&self->mon));
	ASSERT_EQ(0, nl_socket_add_membership(self->mon.sk,
					      self->mon.monitor));
	if (!lm_sim_create(_metadata, &self->sim, NUM_FNS, LM_ALL_CAPS,
			   FN_MEMORY))
		return;
	self->id = sim_dev_id(&self->sim);
	/* The device's first word on the monitor: it is there. */
	ASSERT_EQ(LM_NL_CMD_DEV_ADD_NTF,
		  lmnl_monitor_next_of(&self->mon, self->id, &fn, &dev,
				       NTF_TIMEOUT_MS));
	expect_dev_matches(_metadata, &dev, &self->sim);
}

FIXTURE_TEARDOWN(nl)
{
	if (self->sim.fd >= 0)
		lm_sim_destroy(&self->sim);
	lmnl_close(&self->mon);
	lmnl_close(&self->nl);
}

TEST_F(nl, dev_get_do)
{
	struct lmnl_ans ans;
	struct lmnl_dev dev;

	ASSERT_EQ(0, lmnl_dev_get(&self->nl, self->id, &dev, &ans));
	expect_dev_matches(_metadata, &dev, &self->sim);
}

/* The compatibility key is reported as it changes. */
TEST_F(nl, dev_get_compat_follows)
{
	struct lmnl_ans ans;
	struct lmnl_dev dev;

	ASSERT_EQ(0, lm_sim_set(&self->sim, -1, "compat", "model-b"));
	ASSERT_EQ(0, lmnl_dev_get(&self->nl, self->id, &dev, &ans));
	EXPECT_STREQ("model-b", dev.compat);
	expect_dev_matches(_metadata, &dev, &self->sim);
}

/* The dump lists every device once, by id, as /sys/class/lm does. */
TEST_F(nl, dev_get_dump)
{
	unsigned int i, found = 0, in_sysfs = 0;
	struct lmnl_list l;
	struct lmnl_ans ans;
	struct dirent *de;
	char path[64];
	DIR *dir;

	ASSERT_EQ(0, lmnl_dev_dump(&self->nl, &l, &ans));
	for (i = 0; i < l.nr; i++) {
		ASSERT_FALSE(l.devs[i].malformed);
		if (i)
			EXPECT_LT(l.devs[i - 1].id, l.devs[i].id);
		snprintf(path, sizeof(path), "/sys/class/lm/lm%u",
			 l.devs[i].id);
		EXPECT_EQ(0, access(path, F_OK));
		if (l.devs[i].id == self->id) {
			expect_dev_matches(_metadata, &l.devs[i], &self->sim);
			found++;
		}
	}
	EXPECT_EQ(1, found);

	dir = opendir("/sys/class/lm");
	ASSERT_NE(NULL, dir);
	while ((de = readdir(dir)))
		in_sysfs += !strncmp(de->d_name, "lm", 2);
	closedir(dir);
	EXPECT_EQ(in_sysfs, l.nr);
	lmnl_list_free(&l);
}

/* fn-get tells what LM_FN_INFO tells, field for field, in every situation. */
TEST_F(nl, fn_get_do)
{
	struct lmnl_ans ans;
	struct lmnl_fn fn;
	int data_fd;
	uint32_t i;

	/* 1: offline, reprovisioned. 2: saving. 3: migratable, running. */
	ASSERT_EQ(0, lm_provision(self->sim.fd, 1,
				  LM_PROV_ONLINE | LM_PROV_QUEUES |
					  LM_PROV_IRQS | LM_PROV_MEMORY,
				  5, 3, 0, 2 * FN_MEMORY));
	ASSERT_EQ(0, lm_set_migratable(self->sim.fd, 2, true));
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 2, LM_MIG_STATE_STOP_COPY,
				  &data_fd));
	ASSERT_EQ(0, lm_set_migratable(self->sim.fd, 3, true));

	for (i = 0; i < NUM_FNS; i++) {
		ASSERT_EQ(0, lmnl_fn_get(&self->nl, self->id, i, &fn, &ans));
		EXPECT_EQ(LM_NL_CMD_FN_GET, fn.cmd);
		expect_fn_matches(_metadata, &fn, &self->sim, i);
	}
	ASSERT_EQ(0, lmnl_fn_get(&self->nl, self->id, 2, &fn, &ans));
	EXPECT_EQ(LM_MIG_STATE_STOP_COPY, fn.state);
	EXPECT_EQ(1, fn.migratable);
	ASSERT_EQ(0, lmnl_fn_get(&self->nl, self->id, 1, &fn, &ans));
	EXPECT_EQ(0, fn.online);
	EXPECT_EQ(5, fn.queues);
	EXPECT_EQ(2 * FN_MEMORY, fn.memory);
	close(data_fd);
}

/* Two devices: a dump of one has its functions only, in order. */
TEST_F(nl, fn_dump_filtered)
{
	struct lm_sim other = { .fd = -1 };
	struct lmnl_list l;
	struct lmnl_ans ans;
	uint32_t i;

	ASSERT_TRUE(lm_sim_create(_metadata, &other, 3, LM_ALL_CAPS,
				  FN_MEMORY));
	ASSERT_EQ(0, lmnl_fn_dump(&self->nl, self->id, &l, &ans));
	ASSERT_EQ(NUM_FNS, l.nr);
	for (i = 0; i < l.nr; i++) {
		EXPECT_EQ(i, l.fnl[i].index);
		expect_fn_matches(_metadata, &l.fnl[i], &self->sim, i);
	}
	lmnl_list_free(&l);

	ASSERT_EQ(0, lmnl_fn_dump(&self->nl, sim_dev_id(&other), &l, &ans));
	ASSERT_EQ(3, l.nr);
	for (i = 0; i < l.nr; i++)
		expect_fn_matches(_metadata, &l.fnl[i], &other, i);
	lmnl_list_free(&l);
	lm_sim_destroy(&other);
}

/* Without dev-id: every function of every device, by device, by index. */
TEST_F(nl, fn_dump_all)
{
	struct lm_sim other = { .fd = -1 };
	unsigned int ours = 0, theirs = 0;
	struct lmnl_list l;
	struct lmnl_ans ans;
	size_t i;

	ASSERT_TRUE(lm_sim_create(_metadata, &other, 3, LM_ALL_CAPS,
				  FN_MEMORY));
	ASSERT_EQ(0, lmnl_fn_dump(&self->nl, -1, &l, &ans));
	for (i = 0; i < l.nr; i++) {
		const struct lmnl_fn *f = &l.fnl[i];

		ASSERT_FALSE(f->malformed);
		if (i)
			EXPECT_TRUE(f[-1].dev_id < f->dev_id ||
				    (f[-1].dev_id == f->dev_id &&
				     f[-1].index + 1 == f->index));
		if (f->dev_id == self->id)
			EXPECT_EQ(ours++, f->index);
		if (f->dev_id == sim_dev_id(&other))
			EXPECT_EQ(theirs++, f->index);
	}
	EXPECT_EQ(NUM_FNS, ours);
	EXPECT_EQ(3, theirs);
	lmnl_list_free(&l);
	lm_sim_destroy(&other);
}

/*
 * The monitor hears of each request that changes a function once, after
 * it, with the function as it left it; in the order they were made.
 */
TEST_F(nl, ntf_migration)
{
	uint32_t id = self->id;
	int fd = self->sim.fd;
	void *stream = NULL;
	struct lmnl_fn fn;
	ssize_t len;
	int data_fd;

	ASSERT_EQ(0, lm_set_migratable(fd, 0, true));
	expect_fn_ntf(_metadata, &self->mon, id, 0, LM_MIG_STATE_RUNNING, &fn);
	EXPECT_EQ(1, fn.migratable);
	expect_fn_matches(_metadata, &fn, &self->sim, 0);

	/* RUNNING -> RUNNING_P2P -> PRE_COPY_P2P: one request, one word. */
	ASSERT_EQ(0, lm_sim_fill(&self->sim, 0, 7));
	ASSERT_EQ(0, lm_set_state(fd, 0, LM_MIG_STATE_PRE_COPY_P2P, &data_fd));
	expect_fn_ntf(_metadata, &self->mon, id, 0,
		      LM_MIG_STATE_PRE_COPY_P2P, &fn);
	expect_no_ntf(_metadata, &self->mon, id);
	/* Staying put changes nothing and says nothing. */
	ASSERT_EQ(0, lm_set_state(fd, 0, LM_MIG_STATE_PRE_COPY_P2P, NULL));
	expect_no_ntf(_metadata, &self->mon, id);
	ASSERT_EQ(0, lm_set_state(fd, 0, LM_MIG_STATE_STOP_COPY, NULL));
	expect_fn_ntf(_metadata, &self->mon, id, 0, LM_MIG_STATE_STOP_COPY,
		      &fn);
	len = lm_read_stream(data_fd, &stream);
	ASSERT_LT(0, len);
	close(data_fd);
	/* Reading the stream is no change of state. */
	expect_no_ntf(_metadata, &self->mon, id);
	ASSERT_EQ(0, lm_set_state(fd, 0, LM_MIG_STATE_RUNNING, NULL));
	expect_fn_ntf(_metadata, &self->mon, id, 0, LM_MIG_STATE_RUNNING, &fn);

	/* The other end: STOP, RESUMING, the stream, STOP, RUNNING. */
	ASSERT_EQ(0, lm_set_migratable(fd, 1, true));
	expect_fn_ntf(_metadata, &self->mon, id, 1, LM_MIG_STATE_RUNNING, &fn);
	ASSERT_EQ(0, lm_restore_start(fd, 1, &data_fd));
	expect_fn_ntf(_metadata, &self->mon, id, 1, LM_MIG_STATE_STOP, &fn);
	expect_fn_ntf(_metadata, &self->mon, id, 1, LM_MIG_STATE_RESUMING,
		      &fn);
	ASSERT_EQ(0, lm_write_all(data_fd, stream, len, len));
	close(data_fd);
	ASSERT_EQ(0, lm_restore_finish(fd, 1));
	expect_fn_ntf(_metadata, &self->mon, id, 1, LM_MIG_STATE_STOP, &fn);
	expect_fn_ntf(_metadata, &self->mon, id, 1, LM_MIG_STATE_RUNNING, &fn);
	expect_fn_matches(_metadata, &fn, &self->sim, 1);
	expect_no_ntf(_metadata, &self->mon, id);
	EXPECT_EQ(lm_sim_digest(&self->sim, 0), lm_sim_digest(&self->sim, 1));
	free(stream);
}

/* A failed request that changed the state is told; so is every reset. */
TEST_F(nl, ntf_failure_and_reset)
{
	uint32_t id = self->id;
	int fd = self->sim.fd;
	struct lmnl_fn fn;
	int data_fd;

	ASSERT_EQ(0, lm_set_migratable(fd, 1, true));
	expect_fn_ntf(_metadata, &self->mon, id, 1, LM_MIG_STATE_RUNNING, &fn);
	ASSERT_EQ(0, lm_set_state(fd, 1, LM_MIG_STATE_RESUMING, &data_fd));
	/* RUNNING -> RUNNING_P2P -> STOP -> RESUMING: once. */
	expect_fn_ntf(_metadata, &self->mon, id, 1, LM_MIG_STATE_RESUMING,
		      &fn);
	expect_no_ntf(_metadata, &self->mon, id);

	/* No stream: leaving RESUMING fails, into ERROR. */
	ASSERT_EQ(-ENODATA, lm_set_state(fd, 1, LM_MIG_STATE_RUNNING, NULL));
	expect_fn_ntf(_metadata, &self->mon, id, 1, LM_MIG_STATE_ERROR, &fn);
	/* Refused in ERROR, nothing changes, nothing is said. */
	ASSERT_EQ(-EINVAL, lm_set_state(fd, 1, LM_MIG_STATE_RUNNING, NULL));
	expect_no_ntf(_metadata, &self->mon, id);
	close(data_fd);

	ASSERT_EQ(0, lm_reset(fd, 1));
	expect_fn_ntf(_metadata, &self->mon, id, 1, LM_MIG_STATE_RUNNING, &fn);
	EXPECT_EQ(1, fn.migratable);
	/* A reset in RUNNING still resets the device: told too. */
	ASSERT_EQ(0, lm_reset(fd, 1));
	expect_fn_ntf(_metadata, &self->mon, id, 1, LM_MIG_STATE_RUNNING, &fn);
	/* A refused state request tells nothing. */
	ASSERT_EQ(-EBUSY, lm_set_state(fd, 0, LM_MIG_STATE_STOP, NULL));
	expect_no_ntf(_metadata, &self->mon, id);
}

/* Provisioning and migratable, by ioctl and by fn-set. */
TEST_F(nl, ntf_provisioning)
{
	uint32_t id = self->id;
	int fd = self->sim.fd;
	struct lmnl_ans ans;
	struct lmnl_fn fn;

	ASSERT_EQ(0, lm_provision(fd, 2, LM_PROV_ONLINE | LM_PROV_QUEUES, 9, 0,
				  0, 0));
	expect_fn_ntf(_metadata, &self->mon, id, 2, LM_MIG_STATE_RUNNING, &fn);
	EXPECT_EQ(0, fn.online);
	EXPECT_EQ(9, fn.queues);
	/* The same values again: no change, no word. */
	ASSERT_EQ(0, lm_provision(fd, 2, LM_PROV_ONLINE | LM_PROV_QUEUES, 9, 0,
				  0, 0));
	expect_no_ntf(_metadata, &self->mon, id);

	/* Resources, online and migratable in one fn-set: one word. */
	struct lmnl_attr all[] = {
		A_U32(LM_A_FN_DEV_ID, id), A_U32(LM_A_FN_INDEX, 2),
		A_U32(LM_A_FN_IRQS, 6), A_U8(LM_A_FN_ONLINE, 1),
		A_U8(LM_A_FN_MIGRATABLE, 1), {},
	};
	ASSERT_EQ(0, lmnl_fn_set(&self->nl, all, &ans));
	expect_fn_ntf(_metadata, &self->mon, id, 2, LM_MIG_STATE_RUNNING, &fn);
	EXPECT_EQ(1, fn.online);
	EXPECT_EQ(1, fn.migratable);
	EXPECT_EQ(6, fn.irqs);
	expect_fn_matches(_metadata, &fn, &self->sim, 2);
	expect_no_ntf(_metadata, &self->mon, id);

	ASSERT_EQ(0, lm_set_migratable(fd, 2, false));
	expect_fn_ntf(_metadata, &self->mon, id, 2, LM_MIG_STATE_RUNNING, &fn);
	EXPECT_EQ(0, fn.migratable);
	/* Already off: nothing. */
	ASSERT_EQ(0, lm_set_migratable(fd, 2, false));
	expect_no_ntf(_metadata, &self->mon, id);
	/* Refused (online, resources): nothing. */
	ASSERT_EQ(-EBUSY, lm_provision(fd, 2, LM_PROV_IRQS, 0, 1, 0, 0));
	expect_no_ntf(_metadata, &self->mon, id);

	/*
	 * Migratable off comes first; then the device refuses the memory. The
	 * request fails, what it did before stays, and is told.
	 */
	ASSERT_EQ(0, lm_set_migratable(fd, 2, true));
	expect_fn_ntf(_metadata, &self->mon, id, 2, LM_MIG_STATE_RUNNING, &fn);
	struct lmnl_attr partial[] = {
		A_U32(LM_A_FN_DEV_ID, id), A_U32(LM_A_FN_INDEX, 2),
		A_U8(LM_A_FN_MIGRATABLE, 0), A_U8(LM_A_FN_ONLINE, 0),
		A_U32(LM_A_FN_MEMORY, FN_MEMORY + 1), {},
	};
	ASSERT_EQ(-EINVAL, lmnl_fn_set(&self->nl, partial, &ans));
	EXPECT_STREQ("the device cannot take these provisioning values",
		     ans.msg);
	expect_fn_ntf(_metadata, &self->mon, id, 2, LM_MIG_STATE_RUNNING, &fn);
	EXPECT_EQ(0, fn.migratable);
	EXPECT_EQ(1, fn.online);
	EXPECT_EQ(FN_MEMORY, fn.memory);
	expect_fn_matches(_metadata, &fn, &self->sim, 2);
	expect_no_ntf(_metadata, &self->mon, id);
}

/* Removal: the last word about a device, after which it is gone. */
TEST_F(nl, ntf_remove)
{
	struct lmnl_ans ans;
	struct lmnl_dev dev;
	struct lmnl_fn fn;

	ASSERT_EQ(0, lm_set_migratable(self->sim.fd, 3, true));
	expect_fn_ntf(_metadata, &self->mon, self->id, 3,
		      LM_MIG_STATE_RUNNING, &fn);
	ASSERT_EQ(0, lm_sim_remove(&self->sim));
	ASSERT_EQ(LM_NL_CMD_DEV_DEL_NTF,
		  lmnl_monitor_next_of(&self->mon, self->id, &fn, &dev,
				       NTF_TIMEOUT_MS));
	ASSERT_FALSE(dev.malformed);
	EXPECT_EQ(DEV_ATTRS_ALL, dev.present);
	EXPECT_EQ(NUM_FNS, dev.num_fns);
	EXPECT_STREQ("lm_sim", dev.driver);
	expect_no_ntf(_metadata, &self->mon, self->id);

	EXPECT_EQ(-ENODEV, lmnl_dev_get(&self->nl, self->id, &dev, &ans));
	EXPECT_STREQ("no such device", ans.msg);
	EXPECT_EQ(LM_A_DEV_ID, ans.bad_attr);
	EXPECT_EQ(-ENODEV, lmnl_fn_get(&self->nl, self->id, 0, &fn, &ans));
	EXPECT_EQ(LM_A_FN_DEV_ID, ans.bad_attr);
	/* The open /dev/lmN sees it gone, and a change there tells nothing. */
	EXPECT_EQ(-ENODEV, lm_set_migratable(self->sim.fd, 3, false));
	expect_no_ntf(_metadata, &self->mon, self->id);
	close(self->sim.fd);
	self->sim.fd = -1;
}

/* fn-set does what LM_FN_PROVISION and LM_FN_SET_MIGRATABLE do. */
TEST_F(nl, fn_set_provision)
{
	struct lm_fn_info info;
	struct lmnl_ans ans;

	/* Offline before the change, in one request; memory as a u64. */
	struct lmnl_attr change[] = {
		A_U32(LM_A_FN_DEV_ID, self->id), A_U32(LM_A_FN_INDEX, 0),
		A_U8(LM_A_FN_ONLINE, 0), A_U32(LM_A_FN_QUEUES, 4),
		A_U32(LM_A_FN_IRQS, 3), A_U64(LM_A_FN_MEMORY, 2 * FN_MEMORY),
		{},
	};
	ASSERT_EQ(0, lmnl_fn_set(&self->nl, change, &ans));
	EXPECT_STREQ("", ans.msg);
	ASSERT_EQ(0, lm_fn_info(self->sim.fd, 0, &info));
	EXPECT_EQ(0, info.fn_flags & LM_FN_ONLINE);
	EXPECT_EQ(4, info.queues);
	EXPECT_EQ(3, info.irqs);
	EXPECT_EQ(2 * FN_MEMORY, info.memory);

	/* Online after the change; memory as a u32 this time. */
	struct lmnl_attr online[] = {
		A_U32(LM_A_FN_DEV_ID, self->id), A_U32(LM_A_FN_INDEX, 0),
		A_U32(LM_A_FN_MEMORY, FN_MEMORY), A_U8(LM_A_FN_ONLINE, 1),
		{},
	};
	ASSERT_EQ(0, lmnl_fn_set(&self->nl, online, &ans));
	ASSERT_EQ(0, lm_fn_info(self->sim.fd, 0, &info));
	EXPECT_EQ(LM_FN_ONLINE, info.fn_flags & LM_FN_ONLINE);
	EXPECT_EQ(FN_MEMORY, info.memory);

	/* The whole pool that is left can be given, as through the ioctl. */
	struct lmnl_attr pool[] = {
		A_U32(LM_A_FN_DEV_ID, self->id), A_U32(LM_A_FN_INDEX, 1),
		A_U8(LM_A_FN_ONLINE, 0),
		A_U32(LM_A_FN_QUEUES, SIM_POOL - 4 - 2 * SIM_QUEUES), {},
	};
	ASSERT_EQ(0, lmnl_fn_set(&self->nl, pool, &ans));
}

/* Migratable off first and on last, around provisioning. */
TEST_F(nl, fn_set_migratable_order)
{
	struct lm_fn_info info;
	struct lmnl_ans ans;

	ASSERT_EQ(0, lm_set_migratable(self->sim.fd, 0, true));
	/* Off, then offline and new resources: allowed in one request. */
	struct lmnl_attr off[] = {
		A_U32(LM_A_FN_DEV_ID, self->id), A_U32(LM_A_FN_INDEX, 0),
		A_U8(LM_A_FN_MIGRATABLE, 0), A_U8(LM_A_FN_ONLINE, 0),
		A_U32(LM_A_FN_QUEUES, 8), {},
	};
	ASSERT_EQ(0, lmnl_fn_set(&self->nl, off, &ans));
	ASSERT_EQ(0, lm_fn_info(self->sim.fd, 0, &info));
	EXPECT_EQ(0, info.fn_flags & (LM_FN_MIGRATABLE | LM_FN_ONLINE));
	EXPECT_EQ(8, info.queues);

	/* Online, then migratable on: allowed in one request. */
	struct lmnl_attr on[] = {
		A_U32(LM_A_FN_DEV_ID, self->id), A_U32(LM_A_FN_INDEX, 0),
		A_U8(LM_A_FN_MIGRATABLE, 1), A_U8(LM_A_FN_ONLINE, 1), {},
	};
	ASSERT_EQ(0, lmnl_fn_set(&self->nl, on, &ans));
	ASSERT_EQ(0, lm_fn_info(self->sim.fd, 0, &info));
	EXPECT_EQ(LM_FN_MIGRATABLE | LM_FN_ONLINE,
		  info.fn_flags & (LM_FN_MIGRATABLE | LM_FN_ONLINE));
	/* And migration works from there. */
	EXPECT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_STOP, NULL));
}

/*
 * Every refusal: the errno, an extack message that says why, the attribute
 * it marks or names as missing, and nothing changed nor notified.
 */

enum reject_setup {
	SETUP_NONE,
	SETUP_MIGRATABLE,	/* function 0 migratable */
	SETUP_OFFLINE,		/* function 0 offline */
	SETUP_STOPPED,		/* function 0 migratable, in STOP */
};

#define DEV_ID_HERE 0xffffffffU	/* replaced by the fixture's device id */

FIXTURE(reject) {
	struct lmnl nl;
	struct lmnl mon;
	struct lm_sim sim;
	uint32_t id;
};

FIXTURE_VARIANT(reject) {
	uint8_t cmd;
	bool dump;
	unsigned int caps;		/* of the device; LM_ALL_CAPS if 0 */
	bool prov_only;			/* a device with mig_caps 0 */
	enum reject_setup setup;
	struct lmnl_attr attrs[8];
	int err;
	const char *msg;		/* the extack message */
	int bad_attr;			/* or -1 */
	int miss_type;			/* or -1 */
};

#define FN_0 A_U32(LM_A_FN_DEV_ID, DEV_ID_HERE), A_U32(LM_A_FN_INDEX, 0)

FIXTURE_VARIANT_ADD(reject, dev_id_u16)
{
	.cmd = LM_NL_CMD_FN_SET,
	.attrs = { A_U16(LM_A_FN_DEV_ID, 0), A_U32(LM_A_FN_INDEX, 0),
		   A_U8(LM_A_FN_ONLINE, 1) },
	.err = -EINVAL, .msg = "invalid attribute length",
	.bad_attr = LM_A_FN_DEV_ID, .miss_type = -1,
};

FIXTURE_VARIANT_ADD(reject, online_u32)
{
	.cmd = LM_NL_CMD_FN_SET,
	.attrs = { FN_0, A_U32(LM_A_FN_ONLINE, 1) },
	.err = -EINVAL, .msg = "invalid attribute length",
	.bad_attr = LM_A_FN_ONLINE, .miss_type = -1,
};

FIXTURE_VARIANT_ADD(reject, memory_u16)
{
	.cmd = LM_NL_CMD_FN_SET,
	.attrs = { FN_0, A_U8(LM_A_FN_ONLINE, 0), A_U16(LM_A_FN_MEMORY, 4096) },
	.err = -EINVAL, .msg = "invalid attribute length",
	.bad_attr = LM_A_FN_MEMORY, .miss_type = -1,
};

FIXTURE_VARIANT_ADD(reject, online_2)
{
	.cmd = LM_NL_CMD_FN_SET,
	.attrs = { FN_0, A_U8(LM_A_FN_ONLINE, 2) },
	.err = -ERANGE, .msg = "integer out of range",
	.bad_attr = LM_A_FN_ONLINE, .miss_type = -1,
};

FIXTURE_VARIANT_ADD(reject, migratable_2)
{
	.cmd = LM_NL_CMD_FN_SET,
	.attrs = { FN_0, A_U8(LM_A_FN_MIGRATABLE, 2) },
	.err = -ERANGE, .msg = "integer out of range",
	.bad_attr = LM_A_FN_MIGRATABLE, .miss_type = -1,
};

/* Read-only attributes of a function are not for fn-set. */
FIXTURE_VARIANT_ADD(reject, state_not_settable)
{
	.cmd = LM_NL_CMD_FN_SET,
	.attrs = { FN_0, A_U32(LM_A_FN_STATE, LM_MIG_STATE_STOP) },
	.err = -EINVAL, .msg = "Unsupported attribute",
	.bad_attr = LM_A_FN_STATE, .miss_type = -1,
};

FIXTURE_VARIANT_ADD(reject, unknown_attr)
{
	.cmd = LM_NL_CMD_FN_SET,
	.attrs = { FN_0, A_U8(LM_A_FN_MAX + 1, 1) },
	.err = -EINVAL, .msg = "Unknown attribute type",
	.bad_attr = LM_A_FN_MAX + 1, .miss_type = -1,
};

FIXTURE_VARIANT_ADD(reject, unknown_dev_id)
{
	.cmd = LM_NL_CMD_FN_SET,
	.attrs = { A_U32(LM_A_FN_DEV_ID, NO_DEVICE), A_U32(LM_A_FN_INDEX, 0),
		   A_U8(LM_A_FN_ONLINE, 0) },
	.err = -ENODEV, .msg = "no such device",
	.bad_attr = LM_A_FN_DEV_ID, .miss_type = -1,
};

FIXTURE_VARIANT_ADD(reject, index_num_fns)
{
	.cmd = LM_NL_CMD_FN_SET,
	.attrs = { A_U32(LM_A_FN_DEV_ID, DEV_ID_HERE),
		   A_U32(LM_A_FN_INDEX, NUM_FNS), A_U8(LM_A_FN_ONLINE, 0) },
	.err = -ERANGE, .msg = "index is beyond the device's functions",
	.bad_attr = LM_A_FN_INDEX, .miss_type = -1,
};

FIXTURE_VARIANT_ADD(reject, index_max)
{
	.cmd = LM_NL_CMD_FN_SET,
	.attrs = { A_U32(LM_A_FN_DEV_ID, DEV_ID_HERE),
		   A_U32(LM_A_FN_INDEX, UINT32_MAX), A_U8(LM_A_FN_ONLINE, 0) },
	.err = -ERANGE, .msg = "index is beyond the device's functions",
	.bad_attr = LM_A_FN_INDEX, .miss_type = -1,
};

FIXTURE_VARIANT_ADD(reject, missing_dev_id)
{
	.cmd = LM_NL_CMD_FN_SET,
	.attrs = { A_U32(LM_A_FN_INDEX, 0), A_U8(LM_A_FN_ONLINE, 0) },
	.err = -EINVAL, .msg = "dev-id is required",
	.bad_attr = -1, .miss_type = LM_A_FN_DEV_ID,
};

FIXTURE_VARIANT_ADD(reject, missing_index)
{
	.cmd = LM_NL_CMD_FN_SET,
	.attrs = { A_U32(LM_A_FN_DEV_ID, DEV_ID_HERE),
		   A_U8(LM_A_FN_ONLINE, 0) },
	.err = -EINVAL, .msg = "index is required",
	.bad_attr = -1, .miss_type = LM_A_FN_INDEX,
};

FIXTURE_VARIANT_ADD(reject, nothing_to_set)
{
	.cmd = LM_NL_CMD_FN_SET,
	.attrs = { FN_0 },
	.err = -EINVAL, .msg = "nothing to set",
	.bad_attr = -1, .miss_type = -1,
};

FIXTURE_VARIANT_ADD(reject, resources_online)
{
	.cmd = LM_NL_CMD_FN_SET,
	.attrs = { FN_0, A_U32(LM_A_FN_QUEUES, 4) },
	.err = -EBUSY,
	.msg = "resources of an online function cannot change: take it offline in the same request",
	.bad_attr = -1, .miss_type = -1,
};

/* Staying online is no better. */
FIXTURE_VARIANT_ADD(reject, resources_stay_online)
{
	.cmd = LM_NL_CMD_FN_SET,
	.attrs = { FN_0, A_U32(LM_A_FN_IRQS, 4), A_U8(LM_A_FN_ONLINE, 1) },
	.err = -EBUSY,
	.msg = "resources of an online function cannot change: take it offline in the same request",
	.bad_attr = -1, .miss_type = -1,
};

/* The device checks the whole request before it takes the function offline. */
FIXTURE_VARIANT_ADD(reject, memory_unaligned)
{
	.cmd = LM_NL_CMD_FN_SET,
	.attrs = { FN_0, A_U8(LM_A_FN_ONLINE, 0),
		   A_U32(LM_A_FN_MEMORY, FN_MEMORY + 512) },
	.err = -EINVAL, .msg = "the device cannot take these provisioning values",
	.bad_attr = -1, .miss_type = -1,
};

FIXTURE_VARIANT_ADD(reject, memory_zero)
{
	.cmd = LM_NL_CMD_FN_SET,
	.attrs = { FN_0, A_U8(LM_A_FN_ONLINE, 0), A_U32(LM_A_FN_MEMORY, 0) },
	.err = -EINVAL, .msg = "the device cannot take these provisioning values",
	.bad_attr = -1, .miss_type = -1,
};

FIXTURE_VARIANT_ADD(reject, queues_beyond_pool)
{
	.cmd = LM_NL_CMD_FN_SET,
	.attrs = { FN_0, A_U8(LM_A_FN_ONLINE, 0),
		   A_U32(LM_A_FN_QUEUES, SIM_POOL - (NUM_FNS - 1) * SIM_QUEUES + 1) },
	.err = -ENOSPC, .msg = "the controlling function has too few resources left",
	.bad_attr = -1, .miss_type = -1,
};

FIXTURE_VARIANT_ADD(reject, provision_migratable)
{
	.cmd = LM_NL_CMD_FN_SET,
	.setup = SETUP_MIGRATABLE,
	.attrs = { FN_0, A_U8(LM_A_FN_ONLINE, 0) },
	.err = -EBUSY, .msg = "a migratable function cannot be provisioned: disable migratable first",
	.bad_attr = -1, .miss_type = -1,
};

/* Still migratable when provisioning comes: refused before enabling. */
FIXTURE_VARIANT_ADD(reject, provision_and_stay_migratable)
{
	.cmd = LM_NL_CMD_FN_SET,
	.setup = SETUP_MIGRATABLE,
	.attrs = { FN_0, A_U8(LM_A_FN_MIGRATABLE, 1), A_U8(LM_A_FN_ONLINE, 1) },
	.err = -EBUSY, .msg = "a migratable function cannot be provisioned: disable migratable first",
	.bad_attr = -1, .miss_type = -1,
};

FIXTURE_VARIANT_ADD(reject, migratable_offline)
{
	.cmd = LM_NL_CMD_FN_SET,
	.setup = SETUP_OFFLINE,
	.attrs = { FN_0, A_U8(LM_A_FN_MIGRATABLE, 1) },
	.err = -EBUSY, .msg = "migratable can only be enabled on an online function",
	.bad_attr = -1, .miss_type = -1,
};

/* Taking it offline would come first: refused before that happens. */
FIXTURE_VARIANT_ADD(reject, migratable_and_offline)
{
	.cmd = LM_NL_CMD_FN_SET,
	.attrs = { FN_0, A_U8(LM_A_FN_MIGRATABLE, 1), A_U8(LM_A_FN_ONLINE, 0) },
	.err = -EBUSY, .msg = "migratable can only be enabled on an online function",
	.bad_attr = -1, .miss_type = -1,
};

FIXTURE_VARIANT_ADD(reject, migratable_off_migrating)
{
	.cmd = LM_NL_CMD_FN_SET,
	.setup = SETUP_STOPPED,
	.attrs = { FN_0, A_U8(LM_A_FN_MIGRATABLE, 0) },
	.err = -EBUSY, .msg = "migratable can only be disabled in the RUNNING state",
	.bad_attr = -1, .miss_type = -1,
};

FIXTURE_VARIANT_ADD(reject, migratable_no_migration)
{
	.cmd = LM_NL_CMD_FN_SET,
	.prov_only = true,
	.attrs = { FN_0, A_U8(LM_A_FN_MIGRATABLE, 1) },
	.err = -EOPNOTSUPP, .msg = "the device cannot migrate",
	.bad_attr = -1, .miss_type = -1,
};

FIXTURE_VARIANT_ADD(reject, fn_get_missing_index)
{
	.cmd = LM_NL_CMD_FN_GET,
	.attrs = { A_U32(LM_A_FN_DEV_ID, DEV_ID_HERE) },
	.err = -EINVAL, .msg = "index is required",
	.bad_attr = -1, .miss_type = LM_A_FN_INDEX,
};

FIXTURE_VARIANT_ADD(reject, fn_get_index_num_fns)
{
	.cmd = LM_NL_CMD_FN_GET,
	.attrs = { A_U32(LM_A_FN_DEV_ID, DEV_ID_HERE),
		   A_U32(LM_A_FN_INDEX, NUM_FNS) },
	.err = -ERANGE, .msg = "index is beyond the device's functions",
	.bad_attr = LM_A_FN_INDEX, .miss_type = -1,
};

/* A get takes no value to set. */
FIXTURE_VARIANT_ADD(reject, fn_get_with_online)
{
	.cmd = LM_NL_CMD_FN_GET,
	.attrs = { FN_0, A_U8(LM_A_FN_ONLINE, 0) },
	.err = -EINVAL, .msg = "Unknown attribute type",
	.bad_attr = LM_A_FN_ONLINE, .miss_type = -1,
};

FIXTURE_VARIANT_ADD(reject, dev_get_missing_id)
{
	.cmd = LM_NL_CMD_DEV_GET,
	.attrs = { },
	.err = -EINVAL, .msg = "id is required",
	.bad_attr = -1, .miss_type = LM_A_DEV_ID,
};

FIXTURE_VARIANT_ADD(reject, dev_get_unknown_id)
{
	.cmd = LM_NL_CMD_DEV_GET,
	.attrs = { A_U32(LM_A_DEV_ID, NO_DEVICE) },
	.err = -ENODEV, .msg = "no such device",
	.bad_attr = LM_A_DEV_ID, .miss_type = -1,
};

/* Errors of a dump come with its end. */
FIXTURE_VARIANT_ADD(reject, fn_dump_unknown_dev_id)
{
	.cmd = LM_NL_CMD_FN_GET,
	.dump = true,
	.attrs = { A_U32(LM_A_FN_DEV_ID, NO_DEVICE) },
	.err = -ENODEV, .msg = "no such device",
	.bad_attr = LM_A_FN_DEV_ID, .miss_type = -1,
};

FIXTURE_VARIANT_ADD(reject, fn_dump_with_index)
{
	.cmd = LM_NL_CMD_FN_GET,
	.dump = true,
	.attrs = { FN_0 },
	.err = -EINVAL, .msg = "Unknown attribute type",
	.bad_attr = LM_A_FN_INDEX, .miss_type = -1,
};

FIXTURE_VARIANT_ADD(reject, dev_dump_with_id)
{
	.cmd = LM_NL_CMD_DEV_GET,
	.dump = true,
	.attrs = { A_U32(LM_A_DEV_ID, DEV_ID_HERE) },
	.err = -EINVAL, .msg = "the device dump takes no attributes",
	.bad_attr = LM_A_DEV_ID, .miss_type = -1,
};

/* Handing to VFIO: lm_sim's functions are no PCI functions. */
FIXTURE_VARIANT_ADD(reject, attach_not_pci)
{
	.cmd = LM_NL_CMD_FN_ATTACH,
	.setup = SETUP_MIGRATABLE,
	.attrs = { FN_0 },
	.err = -EOPNOTSUPP, .msg = "the function is not a PCI function",
	.bad_attr = -1, .miss_type = -1,
};

FIXTURE_VARIANT_ADD(reject, attach_missing_index)
{
	.cmd = LM_NL_CMD_FN_ATTACH,
	.attrs = { A_U32(LM_A_FN_DEV_ID, DEV_ID_HERE) },
	.err = -EINVAL, .msg = "index is required",
	.bad_attr = -1, .miss_type = LM_A_FN_INDEX,
};

FIXTURE_VARIANT_ADD(reject, attach_index_num_fns)
{
	.cmd = LM_NL_CMD_FN_ATTACH,
	.attrs = { A_U32(LM_A_FN_DEV_ID, DEV_ID_HERE),
		   A_U32(LM_A_FN_INDEX, NUM_FNS) },
	.err = -ERANGE, .msg = "index is beyond the device's functions",
	.bad_attr = LM_A_FN_INDEX, .miss_type = -1,
};

FIXTURE_VARIANT_ADD(reject, attach_unknown_dev_id)
{
	.cmd = LM_NL_CMD_FN_ATTACH,
	.attrs = { A_U32(LM_A_FN_DEV_ID, NO_DEVICE), A_U32(LM_A_FN_INDEX, 0) },
	.err = -ENODEV, .msg = "no such device",
	.bad_attr = LM_A_FN_DEV_ID, .miss_type = -1,
};

/* Only the function's name: anything else is refused by the policy. */
FIXTURE_VARIANT_ADD(reject, attach_with_queues)
{
	.cmd = LM_NL_CMD_FN_ATTACH,
	.attrs = { FN_0, A_U32(LM_A_FN_QUEUES, 4) },
	.err = -EINVAL, .msg = "Unknown attribute type",
	.bad_attr = LM_A_FN_QUEUES, .miss_type = -1,
};

FIXTURE_VARIANT_ADD(reject, detach_missing_dev_id)
{
	.cmd = LM_NL_CMD_FN_DETACH,
	.attrs = { A_U32(LM_A_FN_INDEX, 0) },
	.err = -EINVAL, .msg = "dev-id is required",
	.bad_attr = -1, .miss_type = LM_A_FN_DEV_ID,
};

FIXTURE_VARIANT_ADD(reject, detach_not_pci)
{
	.cmd = LM_NL_CMD_FN_DETACH,
	.attrs = { FN_0 },
	.err = -EOPNOTSUPP, .msg = "the function is not a PCI function",
	.bad_attr = -1, .miss_type = -1,
};

FIXTURE_SETUP(reject)
{
	int fd;

	self->sim.fd = -1;
	ASSERT_EQ(0, lmnl_open(&self->nl));
	ASSERT_EQ(0, lmnl_open(&self->mon));
	ASSERT_EQ(0, nl_socket_add_membership(self->mon.sk,
					      self->mon.monitor));
	if (!lm_sim_create(_metadata, &self->sim, NUM_FNS,
			   variant->prov_only ? 0 : LM_ALL_CAPS, FN_MEMORY))
		return;
	self->id = sim_dev_id(&self->sim);
	fd = self->sim.fd;

	switch (variant->setup) {
	case SETUP_NONE:
		break;
	case SETUP_MIGRATABLE:
		ASSERT_EQ(0, lm_set_migratable(fd, 0, true));
		break;
	case SETUP_OFFLINE:
		ASSERT_EQ(0, lm_provision(fd, 0, LM_PROV_ONLINE, 0, 0, 0, 0));
		break;
	case SETUP_STOPPED:
		ASSERT_EQ(0, lm_set_migratable(fd, 0, true));
		ASSERT_EQ(0, lm_set_state(fd, 0, LM_MIG_STATE_STOP, NULL));
		break;
	}
}

FIXTURE_TEARDOWN(reject)
{
	if (self->sim.fd >= 0)
		lm_sim_destroy(&self->sim);
	lmnl_close(&self->mon);
	lmnl_close(&self->nl);
}

TEST_F(reject, refused)
{
	struct lmnl_attr attrs[ARRAY_SIZE(variant->attrs)];
	struct lm_fn_info before[NUM_FNS];
	struct lmnl_dev dev;
	struct lmnl_ans ans;
	struct lmnl_fn fn;
	unsigned int i;
	int cmd;

	memcpy(attrs, variant->attrs, sizeof(attrs));
	/* LM_A_DEV_ID and LM_A_FN_DEV_ID are both 1: one placeholder. */
	for (i = 0; i < ARRAY_SIZE(attrs); i++)
		if (attrs[i].type == LM_A_FN_DEV_ID &&
		    attrs[i].value == DEV_ID_HERE)
			attrs[i].value = self->id;

	/* What the setup announced, then a clean slate. */
	while (lmnl_monitor_next(&self->mon, &fn, &dev, 0) >= 0)
		;
	snapshot(_metadata, &self->sim, before);

	lmnl_transact(&self->nl,
		      lmnl_req_attrs(&self->nl, variant->cmd,
				     variant->dump ? NLM_F_DUMP : 0, attrs),
		      NULL, NULL, &ans);
	EXPECT_EQ(variant->err, ans.err);
	EXPECT_STREQ(variant->msg, ans.msg);
	EXPECT_EQ(variant->bad_attr, ans.bad_attr);
	EXPECT_EQ(variant->miss_type, ans.miss_type);

	expect_unchanged(_metadata, &self->sim, before);
	cmd = lmnl_monitor_next(&self->mon, &fn, &dev, 0);
	EXPECT_EQ(-EAGAIN, cmd);
}

/* A device of thousands of functions pages through many messages. */

FIXTURE(big) {
	struct lmnl nl;
	struct lm_sim sim;
};

FIXTURE_SETUP(big)
{
	self->sim.fd = -1;
	ASSERT_EQ(0, lmnl_open(&self->nl));
	lm_sim_create(_metadata, &self->sim, BIG_FNS, LM_ALL_CAPS, 4096);
}

FIXTURE_TEARDOWN(big)
{
	if (self->sim.fd >= 0)
		lm_sim_destroy(&self->sim);
	lmnl_close(&self->nl);
}

TEST_F_TIMEOUT(big, dump_4096, 300)
{
	uint32_t id = sim_dev_id(&self->sim);
	struct lm_fn_info info;
	struct lmnl_list l;
	struct lmnl_ans ans;
	uint64_t start_ns, ns;
	struct timespec ts;
	unsigned int i, mine = 0;

	/* A few functions that differ, to see each one's own values. */
	ASSERT_EQ(0, lm_set_migratable(self->sim.fd, 1, true));
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 1, LM_MIG_STATE_STOP, NULL));
	ASSERT_EQ(0, lm_provision(self->sim.fd, BIG_FNS - 1,
				  LM_PROV_ONLINE | LM_PROV_QUEUES, 7, 0, 0, 0));

	clock_gettime(CLOCK_MONOTONIC, &ts);
	start_ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	ASSERT_EQ(0, lmnl_fn_dump(&self->nl, id, &l, &ans));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec - start_ns;

	/* Every function exactly once, in order, over many messages. */
	ASSERT_EQ(BIG_FNS, l.nr);
	for (i = 0; i < l.nr; i++) {
		ASSERT_FALSE(l.fnl[i].malformed);
		ASSERT_EQ(id, l.fnl[i].dev_id);
		ASSERT_EQ(i, l.fnl[i].index);
		ASSERT_EQ(i + 1, l.fnl[i].hw_id);
	}
	EXPECT_LT(1, ans.datagrams);
	TH_LOG("dump of %u functions: %u datagrams, %.1f ms, %.2f us per function",
	       BIG_FNS, ans.datagrams, ns / 1e6, ns / 1e3 / BIG_FNS);

	EXPECT_EQ(LM_MIG_STATE_STOP, l.fnl[1].state);
	EXPECT_EQ(1, l.fnl[1].migratable);
	EXPECT_EQ(0, l.fnl[BIG_FNS - 1].online);
	EXPECT_EQ(7, l.fnl[BIG_FNS - 1].queues);
	for (i = 0; i < BIG_FNS; i += BIG_FNS / 8 - 1)
		expect_fn_matches(_metadata, &l.fnl[i], &self->sim, i);
	ASSERT_EQ(0, lm_fn_info(self->sim.fd, BIG_FNS - 1, &info));
	lmnl_list_free(&l);

	/* The unfiltered dump pages through it too. */
	ASSERT_EQ(0, lmnl_fn_dump(&self->nl, -1, &l, &ans));
	for (i = 0; i < l.nr; i++)
		if (l.fnl[i].dev_id == id)
			ASSERT_EQ(mine++, l.fnl[i].index);
	EXPECT_EQ(BIG_FNS, mine);
	EXPECT_LT(1, ans.datagrams);
	lmnl_list_free(&l);
}

/* Who may do what: changes need CAP_NET_ADMIN, queries do not. */

struct who {
	uint32_t id;
	bool drop_net_admin;	/* drop CAP_NET_ADMIN, staying root */
};

static int drop_net_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_TO_INDEX(CAP_NET_ADMIN)].effective &= ~CAP_TO_MASK(CAP_NET_ADMIN);
	data[CAP_TO_INDEX(CAP_NET_ADMIN)].permitted &= ~CAP_TO_MASK(CAP_NET_ADMIN);
	data[CAP_TO_INDEX(CAP_NET_ADMIN)].inheritable &= ~CAP_TO_MASK(CAP_NET_ADMIN);
	return syscall(SYS_capset, &hdr, data);
}

/*
 * In the child: the queries work, fn-set gets its errno back. Returns that
 * errno, or 100 + the step that went wrong.
 */
static int who_child(void *arg)
{
	const struct who *who = arg;
	struct lmnl_ans ans;
	struct lmnl_list l;
	struct lmnl_dev dev;
	struct lmnl_fn fn;
	struct lmnl nl = {};
	struct lmnl_attr set[] = {
		A_U32(LM_A_FN_DEV_ID, who->id), A_U32(LM_A_FN_INDEX, 0),
		A_U8(LM_A_FN_ONLINE, 0), {},
	};

	if (who->drop_net_admin && drop_net_admin())
		return 101;
	/* The socket is opened without the privilege too. */
	if (lmnl_open(&nl))
		return 102;
	if (lmnl_dev_get(&nl, who->id, &dev, &ans) || dev.id != who->id)
		return 103;
	if (lmnl_fn_get(&nl, who->id, 0, &fn, &ans) || fn.index != 0)
		return 104;
	if (lmnl_fn_dump(&nl, who->id, &l, &ans) || l.nr != NUM_FNS)
		return 105;
	lmnl_list_free(&l);
	if (nl_socket_add_membership(nl.sk, nl.monitor))
		return 106;
	return -lmnl_fn_set(&nl, set, &ans);
}

FIXTURE(who) {
	struct lm_sim sim;
};

FIXTURE_VARIANT(who) {
	uid_t uid;
	bool drop_net_admin;
	int err;
};

FIXTURE_VARIANT_ADD(who, nobody) { .uid = LM_NOBODY, .err = EPERM };
FIXTURE_VARIANT_ADD(who, root_without_net_admin)
{
	.drop_net_admin = true, .err = EPERM,
};
/* The same child with the privilege: the change goes through. */
FIXTURE_VARIANT_ADD(who, root) { .err = 0 };

FIXTURE_SETUP(who)
{
	self->sim.fd = -1;
	lm_sim_create(_metadata, &self->sim, NUM_FNS, LM_ALL_CAPS, FN_MEMORY);
}

FIXTURE_TEARDOWN(who)
{
	if (self->sim.fd >= 0)
		lm_sim_destroy(&self->sim);
}

TEST_F(who, fn_set_needs_net_admin)
{
	struct who who = {
		.id = sim_dev_id(&self->sim),
		.drop_net_admin = variant->drop_net_admin,
	};
	struct lm_fn_info info;

	/* uid 0: root stays root, with its capabilities. */
	ASSERT_EQ(variant->err, lm_run_as(variant->uid, who_child, &who));
	ASSERT_EQ(0, lm_fn_info(self->sim.fd, 0, &info));
	/* Refused: still online. Allowed: taken offline. */
	EXPECT_EQ(variant->err ? LM_FN_ONLINE : 0,
		  info.fn_flags & LM_FN_ONLINE);
}

TEST_HARNESS_MAIN
