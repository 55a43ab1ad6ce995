// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctls of /dev/lmN and of a data file: the general format rules every
 * ioctl follows (size, flags, reserved fields, function index, bad pointers,
 * unknown numbers), what the queries report, the provisioning and
 * migratable rules, the simple state requests and who may do what.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <stddef.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "kselftest_harness.h"

#include "lm_util.h"

#define NUM_FNS 4
#define FN_MEMORY (64 << 10)
#define SIM_QUEUES 2
#define SIM_IRQS 2
#define SIM_POOL (64 * NUM_FNS)
#define PRECOPY_FN 1

/* Any structure of the ABI; every one starts with size and flags. */
union lm_any_cmd {
	struct {
		__u32 size;
		__u32 flags;
	} hdr;
	struct lm_device_info device_info;
	struct lm_fn_info fn_info;
	struct lm_fn_provision provision;
	struct lm_fn_migratable migratable;
	struct lm_fn_mig_state mig_state;
	struct lm_fn_data_size data_size;
	struct lm_fn_reset reset;
	struct lm_precopy_info precopy_info;
};

#define NO_FIELD ((size_t)-1)

/*
 * One ioctl and a request for it that succeeds on function 0 of a fresh
 * device; every rule below breaks exactly one thing in that request.
 */
struct ioctl_desc {
	unsigned long cmd;
	size_t size;		/* the structure, which is its first version */
	__u32 known_flags;	/* the flags a valid request may carry */
	size_t fn_offset;	/* of the function index, or NO_FIELD */
	size_t reserved_offset;	/* of a __u32 that must be 0, or NO_FIELD */
	bool on_data_fd;	/* an ioctl of the data file, not /dev/lmN */
	bool writes_back;	/* has output fields */
	union lm_any_cmd valid;
};

/* The valid request of each ioctl: a zeroed structure, except as noted. */
#define REQUEST(_member, ...) \
	.size = sizeof(((union lm_any_cmd *)0)->_member), \
	.valid._member = { \
		.size = sizeof(((union lm_any_cmd *)0)->_member), \
		__VA_ARGS__ \
	}

static const struct ioctl_desc desc_device_info = {
	.cmd = LM_DEVICE_INFO,
	REQUEST(device_info),
	.fn_offset = NO_FIELD,
	.reserved_offset = NO_FIELD,
	.writes_back = true,
};

static const struct ioctl_desc desc_fn_info = {
	.cmd = LM_FN_INFO,
	REQUEST(fn_info),
	.fn_offset = offsetof(struct lm_fn_info, fn),
	/* Its __reserved is an output: a reused structure may carry anything. */
	.reserved_offset = NO_FIELD,
	.writes_back = true,
};

/* Bringing an online function online changes nothing, and is allowed. */
static const struct ioctl_desc desc_provision = {
	.cmd = LM_FN_PROVISION,
	REQUEST(provision, .flags = LM_PROV_ONLINE, .online = 1),
	.known_flags = LM_PROV_QUEUES | LM_PROV_IRQS | LM_PROV_MEMORY |
		       LM_PROV_ONLINE,
	.fn_offset = offsetof(struct lm_fn_provision, fn),
	.reserved_offset = NO_FIELD,
};

static const struct ioctl_desc desc_set_migratable = {
	.cmd = LM_FN_SET_MIGRATABLE,
	REQUEST(migratable, .enable = 1),
	.fn_offset = offsetof(struct lm_fn_migratable, fn),
	.reserved_offset = NO_FIELD,
};

/* RUNNING -> RUNNING is the one request a non-migratable function takes. */
static const struct ioctl_desc desc_set_state = {
	.cmd = LM_FN_SET_STATE,
	REQUEST(mig_state, .device_state = LM_MIG_STATE_RUNNING,
		.data_fd = -1),
	.fn_offset = offsetof(struct lm_fn_mig_state, fn),
	.reserved_offset = offsetof(struct lm_fn_mig_state, __reserved),
	.writes_back = true,
};

static const struct ioctl_desc desc_get_state = {
	.cmd = LM_FN_GET_STATE,
	REQUEST(mig_state),
	.fn_offset = offsetof(struct lm_fn_mig_state, fn),
	.reserved_offset = offsetof(struct lm_fn_mig_state, __reserved),
	.writes_back = true,
};

static const struct ioctl_desc desc_data_size = {
	.cmd = LM_FN_DATA_SIZE,
	REQUEST(data_size),
	.fn_offset = offsetof(struct lm_fn_data_size, fn),
	.reserved_offset = offsetof(struct lm_fn_data_size, __reserved),
	.writes_back = true,
};

static const struct ioctl_desc desc_reset = {
	.cmd = LM_FN_RESET,
	REQUEST(reset),
	.fn_offset = offsetof(struct lm_fn_reset, fn),
	.reserved_offset = offsetof(struct lm_fn_reset, __reserved),
};

static const struct ioctl_desc desc_precopy_info = {
	.cmd = LM_PRECOPY_INFO,
	REQUEST(precopy_info),
	.fn_offset = NO_FIELD,
	.reserved_offset = NO_FIELD,
	.on_data_fd = true,
	.writes_back = true,
};

/*
 * A fresh device, and a data file of function PRECOPY_FN in PRE_COPY (the
 * one state in which LM_PRECOPY_INFO works); requests go to function 0.
 * @fd is the file the ioctl under test goes to, @other_fd the other kind.
 */
struct ioctl_env {
	struct lm_sim sim;
	int data_fd;
	int fd;
	int other_fd;
	long page_size;
	char *pages;	/* two pages, the second PROT_NONE */
};

static void ioctl_env_setup(struct __test_metadata *_metadata,
			    struct ioctl_env *env,
			    const struct ioctl_desc *desc)
{
	env->sim.fd = -1;
	env->data_fd = -1;
	env->pages = MAP_FAILED;
	ASSERT_EQ(0, lm_sim_new(&env->sim, NUM_FNS, LM_ALL_CAPS, FN_MEMORY));
	ASSERT_EQ(0, lm_set_migratable(env->sim.fd, PRECOPY_FN, true));
	ASSERT_EQ(0, lm_set_state(env->sim.fd, PRECOPY_FN,
				  LM_MIG_STATE_PRE_COPY, &env->data_fd));
	ASSERT_LE(0, env->data_fd);
	env->fd = desc->on_data_fd ? env->data_fd : env->sim.fd;
	env->other_fd = desc->on_data_fd ? env->sim.fd : env->data_fd;

	env->page_size = sysconf(_SC_PAGESIZE);
	env->pages = mmap(NULL, 2 * env->page_size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, env->pages);
	ASSERT_EQ(0, mprotect(env->pages + env->page_size, env->page_size,
			      PROT_NONE));
}

static void ioctl_env_teardown(struct ioctl_env *env)
{
	if (env->pages != MAP_FAILED)
		munmap(env->pages, 2 * env->page_size);
	if (env->data_fd >= 0)
		close(env->data_fd);
	lm_sim_destroy(&env->sim);
}

/*
 * The valid request, and room after it for the fields a newer version of
 * its structure might have: they start at desc->size, which may be inside
 * the union.
 */
struct extended_cmd {
	union lm_any_cmd cmd;
	__u64 room[2];
};

static void set_trailing(struct extended_cmd *buf,
			 const struct ioctl_desc *desc, __u64 value)
{
	memcpy((char *)buf + desc->size, &value, sizeof(value));
}

static __u64 get_trailing(const struct extended_cmd *buf,
			  const struct ioctl_desc *desc)
{
	__u64 value;

	memcpy(&value, (const char *)buf + desc->size, sizeof(value));
	return value;
}

static void set_u32(void *cmd, size_t offset, __u32 value)
{
	memcpy((char *)cmd + offset, &value, sizeof(value));
}

/* ioctl() as 0 or the errno it failed with. */
static int ioctl_errno(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

/* Rules that apply to every ioctl. */

FIXTURE(ioctl_rules) {
	struct ioctl_env env;
};

FIXTURE_VARIANT(ioctl_rules) {
	const struct ioctl_desc *desc;
};

FIXTURE_VARIANT_ADD(ioctl_rules, device_info) { .desc = &desc_device_info };
FIXTURE_VARIANT_ADD(ioctl_rules, fn_info) { .desc = &desc_fn_info };
FIXTURE_VARIANT_ADD(ioctl_rules, fn_provision) { .desc = &desc_provision };
FIXTURE_VARIANT_ADD(ioctl_rules, fn_set_migratable)
{
	.desc = &desc_set_migratable,
};
FIXTURE_VARIANT_ADD(ioctl_rules, fn_set_state) { .desc = &desc_set_state };
FIXTURE_VARIANT_ADD(ioctl_rules, fn_get_state) { .desc = &desc_get_state };
FIXTURE_VARIANT_ADD(ioctl_rules, fn_data_size) { .desc = &desc_data_size };
FIXTURE_VARIANT_ADD(ioctl_rules, fn_reset) { .desc = &desc_reset };
FIXTURE_VARIANT_ADD(ioctl_rules, precopy_info)
{
	.desc = &desc_precopy_info,
};

FIXTURE_SETUP(ioctl_rules)
{
	ioctl_env_setup(_metadata, &self->env, variant->desc);
}

FIXTURE_TEARDOWN(ioctl_rules)
{
	ioctl_env_teardown(&self->env);
}

/* The request itself works: the other rules test one change each. */
TEST_F(ioctl_rules, valid)
{
	struct extended_cmd buf = { .cmd = variant->desc->valid };
	const __u64 canary = 0x5a5a5a5a5a5a5a5aULL;

	/* Beyond the size given, the kernel neither reads nor writes. */
	set_trailing(&buf, variant->desc, canary);
	ASSERT_EQ(0, ioctl_errno(self->env.fd, variant->desc->cmd, &buf));
	ASSERT_EQ(canary, get_trailing(&buf, variant->desc));
}

TEST_F(ioctl_rules, size_short)
{
	struct extended_cmd buf = { .cmd = variant->desc->valid };

	buf.cmd.hdr.size = variant->desc->size - 1;
	EXPECT_EQ(EINVAL, ioctl_errno(self->env.fd, variant->desc->cmd, &buf));
	buf.cmd.hdr.size = offsetof(union lm_any_cmd, hdr.flags);
	EXPECT_EQ(EINVAL, ioctl_errno(self->env.fd, variant->desc->cmd, &buf));
	buf.cmd.hdr.size = 0;
	EXPECT_EQ(EINVAL, ioctl_errno(self->env.fd, variant->desc->cmd, &buf));
}

TEST_F(ioctl_rules, size_long_nonzero)
{
	struct extended_cmd buf;
	unsigned int i;

	/* Any one non-zero byte of the eight. */
	for (i = 0; i < 64; i += 8) {
		buf = (struct extended_cmd){ .cmd = variant->desc->valid };
		buf.cmd.hdr.size = variant->desc->size + sizeof(__u64);
		set_trailing(&buf, variant->desc, 1ULL << i);
		EXPECT_EQ(E2BIG, ioctl_errno(self->env.fd, variant->desc->cmd,
					     &buf))
		{
			TH_LOG("trailing bytes %#llx", 1ULL << i);
		}
	}
}

TEST_F(ioctl_rules, size_long_zero)
{
	struct extended_cmd buf = { .cmd = variant->desc->valid };

	buf.cmd.hdr.size = variant->desc->size + sizeof(__u64);
	ASSERT_EQ(0, ioctl_errno(self->env.fd, variant->desc->cmd, &buf));
	ASSERT_EQ(0, get_trailing(&buf, variant->desc));
}

TEST_F(ioctl_rules, unknown_flags)
{
	struct extended_cmd buf;
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		if (variant->desc->known_flags & (1U << bit))
			continue;
		buf = (struct extended_cmd){ .cmd = variant->desc->valid };
		buf.cmd.hdr.flags |= 1U << bit;
		EXPECT_EQ(EOPNOTSUPP, ioctl_errno(self->env.fd,
						  variant->desc->cmd, &buf))
		{
			TH_LOG("flags %#x", buf.cmd.hdr.flags);
		}
	}
}

TEST_F(ioctl_rules, bad_pointer)
{
	char *last = self->env.pages + self->env.page_size;
	__u32 size = variant->desc->size;

	EXPECT_EQ(EFAULT, ioctl_errno(self->env.fd, variant->desc->cmd, NULL));
	/* Nothing readable at all. */
	EXPECT_EQ(EFAULT, ioctl_errno(self->env.fd, variant->desc->cmd, last));
	/* Only the size is readable; the rest is in the PROT_NONE page. */
	memcpy(last - sizeof(size), &size, sizeof(size));
	EXPECT_EQ(EFAULT, ioctl_errno(self->env.fd, variant->desc->cmd,
				      last - sizeof(size)));
	/* Readable but not writable: the answer cannot be given. */
	if (variant->desc->writes_back) {
		memcpy(self->env.pages, &variant->desc->valid,
		       variant->desc->size);
		ASSERT_EQ(0, mprotect(self->env.pages, self->env.page_size,
				      PROT_READ));
		EXPECT_EQ(EFAULT, ioctl_errno(self->env.fd, variant->desc->cmd,
					      self->env.pages));
	}
}

/*
 * The same number under another type, another encoding of it, and the ioctl
 * on the other kind of file are all numbers this file does not have.
 */
TEST_F(ioctl_rules, unknown_number)
{
	unsigned long nr = _IOC_NR(variant->desc->cmd);
	struct extended_cmd buf = { .cmd = variant->desc->valid };

	EXPECT_EQ(ENOTTY, ioctl_errno(self->env.fd, _IO(LM_TYPE + 1, nr),
				      &buf));
	EXPECT_EQ(ENOTTY, ioctl_errno(self->env.fd,
				      _IOWR(LM_TYPE, nr, union lm_any_cmd),
				      &buf));
	EXPECT_EQ(ENOTTY, ioctl_errno(self->env.other_fd, variant->desc->cmd,
				      &buf));
}

/* Rules for the ioctls that address a function. */

FIXTURE(ioctl_fn_rules) {
	struct ioctl_env env;
};

FIXTURE_VARIANT(ioctl_fn_rules) {
	const struct ioctl_desc *desc;
};

FIXTURE_VARIANT_ADD(ioctl_fn_rules, fn_info) { .desc = &desc_fn_info };
FIXTURE_VARIANT_ADD(ioctl_fn_rules, fn_provision) { .desc = &desc_provision };
FIXTURE_VARIANT_ADD(ioctl_fn_rules, fn_set_migratable)
{
	.desc = &desc_set_migratable,
};
FIXTURE_VARIANT_ADD(ioctl_fn_rules, fn_set_state) { .desc = &desc_set_state };
FIXTURE_VARIANT_ADD(ioctl_fn_rules, fn_get_state) { .desc = &desc_get_state };
FIXTURE_VARIANT_ADD(ioctl_fn_rules, fn_data_size) { .desc = &desc_data_size };
FIXTURE_VARIANT_ADD(ioctl_fn_rules, fn_reset) { .desc = &desc_reset };

FIXTURE_SETUP(ioctl_fn_rules)
{
	ioctl_env_setup(_metadata, &self->env, variant->desc);
}

FIXTURE_TEARDOWN(ioctl_fn_rules)
{
	ioctl_env_teardown(&self->env);
}

TEST_F(ioctl_fn_rules, fn_num_fns)
{
	struct extended_cmd buf = { .cmd = variant->desc->valid };

	set_u32(&buf, variant->desc->fn_offset, NUM_FNS);
	ASSERT_EQ(ERANGE, ioctl_errno(self->env.fd, variant->desc->cmd, &buf));
}

TEST_F(ioctl_fn_rules, fn_max)
{
	struct extended_cmd buf = { .cmd = variant->desc->valid };

	set_u32(&buf, variant->desc->fn_offset, UINT32_MAX);
	ASSERT_EQ(ERANGE, ioctl_errno(self->env.fd, variant->desc->cmd, &buf));
}

/* The last function is in range. */
TEST_F(ioctl_fn_rules, fn_last)
{
	struct extended_cmd buf = { .cmd = variant->desc->valid };

	set_u32(&buf, variant->desc->fn_offset, NUM_FNS - 1);
	ASSERT_EQ(0, ioctl_errno(self->env.fd, variant->desc->cmd, &buf));
}

/* Rules for the structures with a reserved field. */

FIXTURE(ioctl_reserved_rules) {
	struct ioctl_env env;
};

FIXTURE_VARIANT(ioctl_reserved_rules) {
	const struct ioctl_desc *desc;
};

FIXTURE_VARIANT_ADD(ioctl_reserved_rules, fn_set_state)
{
	.desc = &desc_set_state,
};
FIXTURE_VARIANT_ADD(ioctl_reserved_rules, fn_get_state)
{
	.desc = &desc_get_state,
};
FIXTURE_VARIANT_ADD(ioctl_reserved_rules, fn_data_size)
{
	.desc = &desc_data_size,
};
FIXTURE_VARIANT_ADD(ioctl_reserved_rules, fn_reset) { .desc = &desc_reset };

FIXTURE_SETUP(ioctl_reserved_rules)
{
	ioctl_env_setup(_metadata, &self->env, variant->desc);
}

FIXTURE_TEARDOWN(ioctl_reserved_rules)
{
	ioctl_env_teardown(&self->env);
}

TEST_F(ioctl_reserved_rules, reserved_nonzero)
{
	struct extended_cmd buf;
	unsigned int bit;

	for (bit = 0; bit < 32; bit += 31) {
		buf = (struct extended_cmd){ .cmd = variant->desc->valid };
		set_u32(&buf, variant->desc->reserved_offset, 1U << bit);
		EXPECT_EQ(EOPNOTSUPP, ioctl_errno(self->env.fd,
						  variant->desc->cmd, &buf))
		{
			TH_LOG("__reserved %#x", 1U << bit);
		}
	}
}

/* What the queries report, and the rules of the changing ioctls. */

FIXTURE(lm_dev) {
	struct lm_sim sim;
	int fd;
};

FIXTURE_SETUP(lm_dev)
{
	self->sim.fd = -1;
	ASSERT_EQ(0, lm_sim_new(&self->sim, NUM_FNS, LM_ALL_CAPS, FN_MEMORY));
	self->fd = self->sim.fd;
}

FIXTURE_TEARDOWN(lm_dev)
{
	lm_sim_destroy(&self->sim);
}

TEST_F(lm_dev, device_info)
{
	struct lm_device_info info;

	ASSERT_EQ(0, lm_device_info(self->fd, &info));
	ASSERT_EQ(sizeof(info), info.size);
	ASSERT_EQ(0, info.flags);
	ASSERT_EQ(NUM_FNS, info.num_fns);
	ASSERT_EQ(LM_ALL_CAPS, info.mig_caps);
	ASSERT_EQ(LM_PROV_QUEUES | LM_PROV_IRQS | LM_PROV_MEMORY |
		  LM_PROV_ONLINE, info.prov_caps);
	ASSERT_EQ(LM_STREAM_VERSION, info.stream_version);
	ASSERT_NE(NULL, memchr(info.driver, 0, sizeof(info.driver)));
	ASSERT_STREQ("lm_sim", info.driver);
	ASSERT_NE(NULL, memchr(info.parent, 0, sizeof(info.parent)));
	ASSERT_NE(0, info.parent[0]);
}

TEST_F(lm_dev, fn_info)
{
	struct lm_fn_info info[NUM_FNS];
	int i, j;

	for (i = 0; i < NUM_FNS; i++) {
		ASSERT_EQ(0, lm_fn_info(self->fd, i, &info[i]));
		ASSERT_EQ(sizeof(info[i]), info[i].size);
		ASSERT_EQ(0, info[i].flags);
		ASSERT_EQ(i, info[i].fn);
		ASSERT_EQ(LM_FN_ONLINE, info[i].fn_flags);
		ASSERT_EQ(LM_MIG_STATE_RUNNING, info[i].mig_state);
		ASSERT_EQ(SIM_QUEUES, info[i].queues);
		ASSERT_EQ(SIM_IRQS, info[i].irqs);
		ASSERT_EQ(FN_MEMORY, info[i].memory);
		ASSERT_EQ(0, info[i].__reserved);
		ASSERT_GE(NUM_FNS, info[i].vf);
	}
	/* Each function has its own identity. */
	for (i = 0; i < NUM_FNS; i++)
		for (j = i + 1; j < NUM_FNS; j++) {
			EXPECT_NE(info[i].hw_id, info[j].hw_id);
			if (info[i].vf) {
				EXPECT_NE(info[i].vf, info[j].vf);
			}
		}
}

/*
 * A structure reused from an earlier call still carries that call's outputs;
 * they are overwritten, not refused.
 */
TEST_F(lm_dev, fn_info_reused_structure)
{
	struct lm_fn_info info, again;

	ASSERT_EQ(0, lm_set_migratable(self->fd, 0, true));
	ASSERT_EQ(0, lm_fn_info(self->fd, 0, &info));
	ASSERT_EQ(LM_FN_ONLINE | LM_FN_MIGRATABLE, info.fn_flags);

	again = info;
	again.fn = 1;
	again.__reserved = 0xffffffff;
	ASSERT_EQ(0, lm_ioctl(self->fd, LM_FN_INFO, &again));
	ASSERT_EQ(1, again.fn);
	ASSERT_EQ(LM_FN_ONLINE, again.fn_flags);
	ASSERT_EQ(0, again.__reserved);
	ASSERT_EQ(LM_MIG_STATE_RUNNING, again.mig_state);
}

/* The migratable flag and the state show in FN_INFO. */
TEST_F(lm_dev, fn_info_follows_changes)
{
	struct lm_fn_info info;

	ASSERT_EQ(0, lm_set_migratable(self->fd, 1, true));
	ASSERT_EQ(0, lm_set_state(self->fd, 1, LM_MIG_STATE_STOP, NULL));
	ASSERT_EQ(0, lm_fn_info(self->fd, 1, &info));
	ASSERT_EQ(LM_FN_ONLINE | LM_FN_MIGRATABLE, info.fn_flags);
	ASSERT_EQ(LM_MIG_STATE_STOP, info.mig_state);
	ASSERT_EQ(0, lm_fn_info(self->fd, 0, &info));
	ASSERT_EQ(LM_FN_ONLINE, info.fn_flags);
	ASSERT_EQ(LM_MIG_STATE_RUNNING, info.mig_state);
}

/* Numbers that belong to no ioctl at all, on both kinds of file. */
TEST_F(lm_dev, unassigned_numbers)
{
	static const unsigned int nrs[] = {
		0, LM_CMD_BASE - 1, LM_CMD_FN_RESET + 1,
		LM_CMD_PRECOPY_INFO - 1, LM_CMD_PRECOPY_INFO + 1, 0xff,
	};
	union lm_any_cmd buf = { .hdr = { .size = sizeof(buf) } };
	unsigned int i;
	int data_fd;

	ASSERT_EQ(0, lm_set_migratable(self->fd, 0, true));
	ASSERT_EQ(0, lm_set_state(self->fd, 0, LM_MIG_STATE_PRE_COPY,
				  &data_fd));
	ASSERT_LE(0, data_fd);
	for (i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++) {
		EXPECT_EQ(ENOTTY, ioctl_errno(self->fd, _IO(LM_TYPE, nrs[i]),
					      &buf))
		{
			TH_LOG("/dev/lmN nr %#x", nrs[i]);
		}
		EXPECT_EQ(ENOTTY, ioctl_errno(data_fd, _IO(LM_TYPE, nrs[i]),
					      &buf))
		{
			TH_LOG("data file nr %#x", nrs[i]);
		}
	}
	ASSERT_EQ(0, close(data_fd));
}

/* Provisioning. */

/* Assert function fn's provisioning. */
static void expect_prov(struct __test_metadata *_metadata, int fd, int fn,
			bool online, __u32 queues, __u32 irqs, __u64 memory)
{
	struct lm_fn_info info;

	ASSERT_EQ(0, lm_fn_info(fd, fn, &info));
	EXPECT_EQ(online, !!(info.fn_flags & LM_FN_ONLINE));
	EXPECT_EQ(queues, info.queues);
	EXPECT_EQ(irqs, info.irqs);
	EXPECT_EQ(memory, info.memory);
}

static int take_offline(int fd, int fn)
{
	return lm_provision(fd, fn, LM_PROV_ONLINE, 0, 0, 0, 0);
}

TEST_F(lm_dev, prov_change_online_ebusy)
{
	EXPECT_EQ(-EBUSY, lm_provision(self->fd, 0, LM_PROV_QUEUES, 4, 0, 0, 0));
	EXPECT_EQ(-EBUSY, lm_provision(self->fd, 0, LM_PROV_IRQS, 0, 4, 0, 0));
	EXPECT_EQ(-EBUSY, lm_provision(self->fd, 0, LM_PROV_MEMORY, 0, 0, 0,
				       2 * FN_MEMORY));
	/* Keeping it online while changing is no better. */
	EXPECT_EQ(-EBUSY, lm_provision(self->fd, 0,
				       LM_PROV_QUEUES | LM_PROV_ONLINE, 4, 0,
				       1, 0));
	expect_prov(_metadata, self->fd, 0, true, SIM_QUEUES, SIM_IRQS,
		    FN_MEMORY);
}

/* Going offline comes before the change, in the same request. */
TEST_F(lm_dev, prov_offline_and_change)
{
	ASSERT_EQ(0, lm_provision(self->fd, 0,
				  LM_PROV_QUEUES | LM_PROV_IRQS |
					  LM_PROV_MEMORY | LM_PROV_ONLINE,
				  4, 3, 0, 2 * FN_MEMORY));
	expect_prov(_metadata, self->fd, 0, false, 4, 3, 2 * FN_MEMORY);
	/* The other functions are untouched. */
	expect_prov(_metadata, self->fd, 1, true, SIM_QUEUES, SIM_IRQS,
		    FN_MEMORY);
}

/* Going online comes after the change, in the same request. */
TEST_F(lm_dev, prov_change_and_online)
{
	ASSERT_EQ(0, take_offline(self->fd, 0));
	expect_prov(_metadata, self->fd, 0, false, SIM_QUEUES, SIM_IRQS,
		    FN_MEMORY);
	ASSERT_EQ(0, lm_provision(self->fd, 0,
				  LM_PROV_QUEUES | LM_PROV_IRQS |
					  LM_PROV_MEMORY | LM_PROV_ONLINE,
				  6, 5, 1, 4 * FN_MEMORY));
	expect_prov(_metadata, self->fd, 0, true, 6, 5, 4 * FN_MEMORY);
}

TEST_F(lm_dev, prov_change_offline)
{
	ASSERT_EQ(0, take_offline(self->fd, 0));
	ASSERT_EQ(0, lm_provision(self->fd, 0, LM_PROV_QUEUES, 1, 0, 0, 0));
	ASSERT_EQ(0, lm_provision(self->fd, 0, LM_PROV_IRQS, 0, 7, 0, 0));
	ASSERT_EQ(0, lm_provision(self->fd, 0, LM_PROV_MEMORY, 0, 0, 0, 4096));
	expect_prov(_metadata, self->fd, 0, false, 1, 7, 4096);
}

TEST_F(lm_dev, prov_no_flags_einval)
{
	ASSERT_EQ(-EINVAL, lm_provision(self->fd, 0, 0, 0, 0, 0, 0));
}

TEST_F(lm_dev, prov_online_einval)
{
	EXPECT_EQ(-EINVAL, lm_provision(self->fd, 0, LM_PROV_ONLINE, 0, 0, 2,
					0));
	EXPECT_EQ(-EINVAL, lm_provision(self->fd, 0, LM_PROV_ONLINE, 0, 0,
					UINT32_MAX, 0));
	expect_prov(_metadata, self->fd, 0, true, SIM_QUEUES, SIM_IRQS,
		    FN_MEMORY);
}

TEST_F(lm_dev, prov_memory_einval)
{
	ASSERT_EQ(0, take_offline(self->fd, 0));
	EXPECT_EQ(-EINVAL, lm_provision(self->fd, 0, LM_PROV_MEMORY, 0, 0, 0,
					0));
	EXPECT_EQ(-EINVAL, lm_provision(self->fd, 0, LM_PROV_MEMORY, 0, 0, 0,
					4097));
	EXPECT_EQ(-EINVAL, lm_provision(self->fd, 0, LM_PROV_MEMORY, 0, 0, 0,
					FN_MEMORY + 512));
	expect_prov(_metadata, self->fd, 0, false, SIM_QUEUES, SIM_IRQS,
		    FN_MEMORY);
}

/* More than the device's pool has left, even counting this function's. */
TEST_F(lm_dev, prov_queues_enospc)
{
	ASSERT_EQ(0, take_offline(self->fd, 0));
	EXPECT_EQ(-ENOSPC, lm_provision(self->fd, 0, LM_PROV_QUEUES,
					SIM_POOL - (NUM_FNS - 1) * SIM_QUEUES + 1,
					0, 0, 0));
	EXPECT_EQ(-ENOSPC, lm_provision(self->fd, 0, LM_PROV_QUEUES,
					UINT32_MAX, 0, 0, 0));
	expect_prov(_metadata, self->fd, 0, false, SIM_QUEUES, SIM_IRQS,
		    FN_MEMORY);
}

TEST_F(lm_dev, prov_irqs_enospc)
{
	ASSERT_EQ(0, take_offline(self->fd, 0));
	EXPECT_EQ(-ENOSPC, lm_provision(self->fd, 0, LM_PROV_IRQS, 0,
					SIM_POOL - (NUM_FNS - 1) * SIM_IRQS + 1,
					0, 0));
	expect_prov(_metadata, self->fd, 0, false, SIM_QUEUES, SIM_IRQS,
		    FN_MEMORY);
}

/* What the pool has left can be given: ENOSPC above is about the pool. */
TEST_F(lm_dev, prov_queues_whole_pool)
{
	__u32 left = SIM_POOL - (NUM_FNS - 1) * SIM_QUEUES;

	ASSERT_EQ(0, take_offline(self->fd, 0));
	ASSERT_EQ(0, lm_provision(self->fd, 0, LM_PROV_QUEUES, left, 0, 0, 0));
	expect_prov(_metadata, self->fd, 0, false, left, SIM_IRQS, FN_MEMORY);
	/* Now nothing is left for anyone else. */
	ASSERT_EQ(0, take_offline(self->fd, 1));
	ASSERT_EQ(-ENOSPC, lm_provision(self->fd, 1, LM_PROV_QUEUES,
					SIM_QUEUES + 1, 0, 0, 0));
}

TEST_F(lm_dev, prov_migratable_ebusy)
{
	ASSERT_EQ(0, lm_set_migratable(self->fd, 0, true));
	EXPECT_EQ(-EBUSY, take_offline(self->fd, 0));
	EXPECT_EQ(-EBUSY, lm_provision(self->fd, 0, LM_PROV_ONLINE, 0, 0, 1,
				       0));
	expect_prov(_metadata, self->fd, 0, true, SIM_QUEUES, SIM_IRQS,
		    FN_MEMORY);
	/* Once no longer migratable it can be provisioned again. */
	ASSERT_EQ(0, lm_set_migratable(self->fd, 0, false));
	ASSERT_EQ(0, take_offline(self->fd, 0));
}

/* The migratable setting. */

TEST_F(lm_dev, migratable_enable_disable)
{
	struct lm_fn_info info;

	ASSERT_EQ(0, lm_set_migratable(self->fd, 2, true));
	ASSERT_EQ(0, lm_fn_info(self->fd, 2, &info));
	ASSERT_EQ(LM_FN_MIGRATABLE, info.fn_flags & LM_FN_MIGRATABLE);
	/* Setting it again changes nothing and is no error. */
	ASSERT_EQ(0, lm_set_migratable(self->fd, 2, true));
	ASSERT_EQ(0, lm_set_migratable(self->fd, 2, false));
	ASSERT_EQ(0, lm_fn_info(self->fd, 2, &info));
	ASSERT_EQ(0, info.fn_flags & LM_FN_MIGRATABLE);
	ASSERT_EQ(0, lm_set_migratable(self->fd, 2, false));
}

TEST_F(lm_dev, migratable_enable_einval)
{
	struct lm_fn_migratable m = {
		.size = sizeof(m),
		.fn = 0,
		.enable = 2,
	};
	struct lm_fn_info info;

	ASSERT_EQ(-EINVAL, lm_ioctl(self->fd, LM_FN_SET_MIGRATABLE, &m));
	ASSERT_EQ(0, lm_fn_info(self->fd, 0, &info));
	ASSERT_EQ(0, info.fn_flags & LM_FN_MIGRATABLE);
}

TEST_F(lm_dev, migratable_offline_ebusy)
{
	struct lm_fn_info info;

	ASSERT_EQ(0, take_offline(self->fd, 0));
	ASSERT_EQ(-EBUSY, lm_set_migratable(self->fd, 0, true));
	ASSERT_EQ(0, lm_fn_info(self->fd, 0, &info));
	ASSERT_EQ(0, info.fn_flags & LM_FN_MIGRATABLE);
}

TEST_F(lm_dev, migratable_required_ebusy)
{
	static const __u32 states[] = {
		LM_MIG_STATE_STOP, LM_MIG_STATE_STOP_COPY,
		LM_MIG_STATE_RESUMING, LM_MIG_STATE_RUNNING_P2P,
		LM_MIG_STATE_PRE_COPY, LM_MIG_STATE_PRE_COPY_P2P,
	};
	unsigned int i;
	int data_fd;

	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		EXPECT_EQ(-EBUSY, lm_set_state(self->fd, 0, states[i],
					       &data_fd))
		{
			TH_LOG("RUNNING -> %u", states[i]);
		}
		EXPECT_EQ(-1, data_fd);
		EXPECT_EQ(LM_MIG_STATE_RUNNING, lm_get_state(self->fd, 0));
	}
	/* Staying in RUNNING asks nothing of migration. */
	ASSERT_EQ(0, lm_set_state(self->fd, 0, LM_MIG_STATE_RUNNING, &data_fd));
	ASSERT_EQ(-1, data_fd);
}

TEST_F(lm_dev, migratable_disable_not_running_ebusy)
{
	struct lm_fn_info info;

	ASSERT_EQ(0, lm_set_migratable(self->fd, 0, true));
	ASSERT_EQ(0, lm_set_state(self->fd, 0, LM_MIG_STATE_STOP, NULL));
	ASSERT_EQ(-EBUSY, lm_set_migratable(self->fd, 0, false));
	ASSERT_EQ(0, lm_fn_info(self->fd, 0, &info));
	ASSERT_EQ(LM_FN_MIGRATABLE, info.fn_flags & LM_FN_MIGRATABLE);
	ASSERT_EQ(LM_MIG_STATE_STOP, info.mig_state);
	ASSERT_EQ(0, lm_set_state(self->fd, 0, LM_MIG_STATE_RUNNING, NULL));
	ASSERT_EQ(0, lm_set_migratable(self->fd, 0, false));
}

/* Migration state requests. */

TEST_F(lm_dev, get_state)
{
	struct lm_fn_mig_state ms = {
		.size = sizeof(ms),
		.fn = 1,
		.device_state = LM_MIG_STATE_STOP_COPY,
		.data_fd = 1234,
	};

	ASSERT_EQ(0, lm_ioctl(self->fd, LM_FN_GET_STATE, &ms));
	ASSERT_EQ(LM_MIG_STATE_RUNNING, ms.device_state);
	ASSERT_EQ(-1, ms.data_fd);
	ASSERT_EQ(1, ms.fn);
}

/* RUNNING -> STOP enters no session: no data file. */
TEST_F(lm_dev, set_state_stop_no_fd)
{
	struct lm_fn_mig_state ms = {
		.size = sizeof(ms),
		.fn = 0,
		.device_state = LM_MIG_STATE_STOP,
		.data_fd = 1234,
	};

	ASSERT_EQ(0, lm_set_migratable(self->fd, 0, true));
	ASSERT_EQ(0, lm_ioctl(self->fd, LM_FN_SET_STATE, &ms));
	ASSERT_EQ(LM_MIG_STATE_STOP, ms.device_state);
	ASSERT_EQ(-1, ms.data_fd);
	ASSERT_EQ(LM_MIG_STATE_STOP, lm_get_state(self->fd, 0));
}

/* STOP -> STOP_COPY gives a read file for the stream, close-on-exec. */
TEST_F(lm_dev, set_state_stop_copy_fd)
{
	struct lm_stream_header hdr;
	int data_fd;

	ASSERT_EQ(0, lm_set_migratable(self->fd, 0, true));
	ASSERT_EQ(0, lm_set_state(self->fd, 0, LM_MIG_STATE_STOP, NULL));
	ASSERT_EQ(0, lm_set_state(self->fd, 0, LM_MIG_STATE_STOP_COPY,
				  &data_fd));
	ASSERT_LE(0, data_fd);
	ASSERT_TRUE(lm_fd_cloexec(data_fd));
	ASSERT_EQ(LM_MIG_STATE_STOP_COPY, lm_get_state(self->fd, 0));
	ASSERT_EQ(sizeof(hdr), read(data_fd, &hdr, sizeof(hdr)));
	ASSERT_EQ(LM_STREAM_MAGIC, hdr.magic);
	ASSERT_EQ(LM_STREAM_VERSION, hdr.version);
	ASSERT_EQ(0, close(data_fd));
}

/* STOP -> RESUMING gives a write file, close-on-exec. */
TEST_F(lm_dev, set_state_resuming_fd)
{
	int data_fd;

	ASSERT_EQ(0, lm_set_migratable(self->fd, 0, true));
	ASSERT_EQ(0, lm_set_state(self->fd, 0, LM_MIG_STATE_STOP, NULL));
	ASSERT_EQ(0, lm_set_state(self->fd, 0, LM_MIG_STATE_RESUMING,
				  &data_fd));
	ASSERT_LE(0, data_fd);
	ASSERT_TRUE(lm_fd_cloexec(data_fd));
	ASSERT_EQ(LM_MIG_STATE_RESUMING, lm_get_state(self->fd, 0));
	ASSERT_EQ(0, close(data_fd));
}

/* A failed request leaves the structure as it was. */
TEST_F(lm_dev, set_state_failure_not_written_back)
{
	struct lm_fn_mig_state ms = {
		.size = sizeof(ms),
		.fn = 0,
		.device_state = LM_MIG_STATE_STOP,
		.data_fd = 1234,
	};

	ASSERT_EQ(-EBUSY, lm_ioctl(self->fd, LM_FN_SET_STATE, &ms));
	ASSERT_EQ(LM_MIG_STATE_STOP, ms.device_state);
	ASSERT_EQ(1234, ms.data_fd);
}

/* Leaving the saving group ends the session of the data file. */
TEST_F(lm_dev, save_session_ends)
{
	char byte;
	int data_fd;

	ASSERT_EQ(0, lm_set_migratable(self->fd, 0, true));
	ASSERT_EQ(0, lm_set_state(self->fd, 0, LM_MIG_STATE_STOP_COPY,
				  &data_fd));
	ASSERT_LE(0, data_fd);
	ASSERT_EQ(1, read(data_fd, &byte, 1));
	ASSERT_EQ(0, lm_set_state(self->fd, 0, LM_MIG_STATE_STOP, NULL));
	ASSERT_EQ(-1, read(data_fd, &byte, 1));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(0, close(data_fd));
}

TEST_F(lm_dev, data_size)
{
	uint64_t length, envelope = sizeof(struct lm_stream_header) +
				    2 * sizeof(struct lm_record_header) +
				    sizeof(struct lm_stream_end);

	/* Written all over: pages never written may not be sent at all. */
	ASSERT_EQ(0, lm_sim_fill(&self->sim, 0, 1));
	ASSERT_EQ(0, lm_set_migratable(self->fd, 0, true));
	ASSERT_EQ(0, lm_data_size(self->fd, 0, &length));
	ASSERT_LE(FN_MEMORY + envelope, length);
	ASSERT_EQ(0, lm_set_state(self->fd, 0, LM_MIG_STATE_STOP, NULL));
	ASSERT_EQ(0, lm_data_size(self->fd, 0, &length));
	ASSERT_LE(FN_MEMORY + envelope, length);
}

/* RESET returns to RUNNING and keeps provisioning and the migratable bit. */
TEST_F(lm_dev, reset_from_stop)
{
	struct lm_fn_info info;

	ASSERT_EQ(0, lm_set_migratable(self->fd, 0, true));
	ASSERT_EQ(0, lm_set_state(self->fd, 0, LM_MIG_STATE_STOP, NULL));
	ASSERT_EQ(0, lm_reset(self->fd, 0));
	ASSERT_EQ(LM_MIG_STATE_RUNNING, lm_get_state(self->fd, 0));
	ASSERT_EQ(0, lm_fn_info(self->fd, 0, &info));
	ASSERT_EQ(LM_FN_ONLINE | LM_FN_MIGRATABLE, info.fn_flags);
	ASSERT_EQ(SIM_QUEUES, info.queues);
	ASSERT_EQ(SIM_IRQS, info.irqs);
	ASSERT_EQ(FN_MEMORY, info.memory);
	/* And the function migrates again. */
	ASSERT_EQ(0, lm_set_state(self->fd, 0, LM_MIG_STATE_STOP, NULL));
}

/* RESET ends a data session too. */
TEST_F(lm_dev, reset_ends_session)
{
	char byte = 0;
	int data_fd;

	ASSERT_EQ(0, lm_set_migratable(self->fd, 0, true));
	ASSERT_EQ(0, lm_set_state(self->fd, 0, LM_MIG_STATE_RESUMING,
				  &data_fd));
	ASSERT_LE(0, data_fd);
	ASSERT_EQ(0, lm_reset(self->fd, 0));
	ASSERT_EQ(LM_MIG_STATE_RUNNING, lm_get_state(self->fd, 0));
	ASSERT_EQ(-1, write(data_fd, &byte, 1));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(0, close(data_fd));
}

/* Permissions. */

/* One ioctl, run by a child that dropped to nobody. */
struct unprivileged_op {
	const char *path;	/* opened O_RDWR by the child, if fd < 0 */
	int fd;
	unsigned long cmd;
	union lm_any_cmd arg;
};

/* The errno of the open or of the ioctl, or 0. */
static int run_unprivileged_op(void *data)
{
	struct unprivileged_op *op = data;
	int fd = op->fd;

	if (fd < 0) {
		fd = open(op->path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return errno;
		if (!op->cmd)
			return 0;
	}
	return ioctl(fd, op->cmd, &op->arg) ? errno : 0;
}

static int as_nobody(const char *path, int fd, unsigned long cmd,
		     const void *arg)
{
	struct unprivileged_op op = { .path = path, .fd = fd, .cmd = cmd };

	if (arg)
		memcpy(&op.arg, arg, sizeof(op.arg));
	return lm_run_as(LM_NOBODY, run_unprivileged_op, &op);
}

static void dev_path(const struct lm_sim *sim, char *path, size_t len)
{
	snprintf(path, len, "/dev/%s", sim->name);
}

TEST_F(lm_dev, perm_default_mode_eacces)
{
	struct stat st;
	char path[64];

	dev_path(&self->sim, path, sizeof(path));
	ASSERT_EQ(0, stat(path, &st));
	ASSERT_EQ(0600, st.st_mode & 07777);
	ASSERT_EQ(EACCES, as_nobody(path, -1, 0, NULL));
}

/* With the file mode opened up, the queries work for anyone. */
TEST_F(lm_dev, perm_unprivileged_queries)
{
	union lm_any_cmd dev = { .device_info = { .size = sizeof(dev.device_info) } };
	union lm_any_cmd info = { .fn_info = { .size = sizeof(info.fn_info),
					       .fn = 1 } };
	union lm_any_cmd state = { .mig_state = { .size = sizeof(state.mig_state),
						  .fn = 1 } };
	union lm_any_cmd size = { .data_size = { .size = sizeof(size.data_size),
						 .fn = 1 } };
	char path[64];

	dev_path(&self->sim, path, sizeof(path));
	ASSERT_EQ(0, chmod(path, 0666));
	ASSERT_EQ(0, lm_set_migratable(self->fd, 1, true));
	ASSERT_EQ(0, as_nobody(path, -1, 0, NULL));
	EXPECT_EQ(0, as_nobody(path, -1, LM_DEVICE_INFO, &dev));
	EXPECT_EQ(0, as_nobody(path, -1, LM_FN_INFO, &info));
	EXPECT_EQ(0, as_nobody(path, -1, LM_FN_GET_STATE, &state));
	EXPECT_EQ(0, as_nobody(path, -1, LM_FN_DATA_SIZE, &size));
}

/* ... but nothing that changes a function, and nothing changes. */
TEST_F(lm_dev, perm_unprivileged_changes_eperm)
{
	union lm_any_cmd prov = {
		.provision = { .size = sizeof(prov.provision), .fn = 1,
			       .flags = LM_PROV_ONLINE, .online = 0 },
	};
	union lm_any_cmd mig = {
		.migratable = { .size = sizeof(mig.migratable), .fn = 1,
				.enable = 1 },
	};
	union lm_any_cmd state = {
		.mig_state = { .size = sizeof(state.mig_state), .fn = 0,
			       .device_state = LM_MIG_STATE_RUNNING },
	};
	union lm_any_cmd reset = {
		.reset = { .size = sizeof(reset.reset), .fn = 0 },
	};
	struct lm_fn_info info;
	char path[64];

	dev_path(&self->sim, path, sizeof(path));
	ASSERT_EQ(0, chmod(path, 0666));
	/* fn 0 stopped by root, fn 1 online and not migratable. */
	ASSERT_EQ(0, lm_set_migratable(self->fd, 0, true));
	ASSERT_EQ(0, lm_set_state(self->fd, 0, LM_MIG_STATE_STOP, NULL));

	EXPECT_EQ(EPERM, as_nobody(path, -1, LM_FN_PROVISION, &prov));
	EXPECT_EQ(EPERM, as_nobody(path, -1, LM_FN_SET_MIGRATABLE, &mig));
	EXPECT_EQ(EPERM, as_nobody(path, -1, LM_FN_SET_STATE, &state));
	EXPECT_EQ(EPERM, as_nobody(path, -1, LM_FN_RESET, &reset));

	ASSERT_EQ(0, lm_fn_info(self->fd, 1, &info));
	EXPECT_EQ(LM_FN_ONLINE, info.fn_flags);
	ASSERT_EQ(0, lm_fn_info(self->fd, 0, &info));
	EXPECT_EQ(LM_FN_ONLINE | LM_FN_MIGRATABLE, info.fn_flags);
	EXPECT_EQ(LM_MIG_STATE_STOP, info.mig_state);
}

/* A file opened by root keeps root's rights in an unprivileged task. */
TEST_F(lm_dev, perm_opener_credentials)
{
	union lm_any_cmd prov = {
		.provision = { .size = sizeof(prov.provision), .fn = 1,
			       .flags = LM_PROV_QUEUES | LM_PROV_ONLINE,
			       .queues = 3, .online = 0 },
	};
	union lm_any_cmd mig = {
		.migratable = { .size = sizeof(mig.migratable), .fn = 0,
				.enable = 1 },
	};
	union lm_any_cmd state = {
		.mig_state = { .size = sizeof(state.mig_state), .fn = 0,
			       .device_state = LM_MIG_STATE_STOP },
	};
	union lm_any_cmd reset = {
		.reset = { .size = sizeof(reset.reset), .fn = 0 },
	};
	struct lm_fn_info info;

	/* The mode stays 0600: the child could not open it itself. */
	ASSERT_EQ(0, as_nobody(NULL, self->fd, LM_FN_PROVISION, &prov));
	ASSERT_EQ(0, as_nobody(NULL, self->fd, LM_FN_SET_MIGRATABLE, &mig));
	ASSERT_EQ(0, as_nobody(NULL, self->fd, LM_FN_SET_STATE, &state));

	ASSERT_EQ(0, lm_fn_info(self->fd, 1, &info));
	EXPECT_EQ(0, info.fn_flags & LM_FN_ONLINE);
	EXPECT_EQ(3, info.queues);
	ASSERT_EQ(0, lm_fn_info(self->fd, 0, &info));
	EXPECT_EQ(LM_FN_ONLINE | LM_FN_MIGRATABLE, info.fn_flags);
	EXPECT_EQ(LM_MIG_STATE_STOP, info.mig_state);

	ASSERT_EQ(0, as_nobody(NULL, self->fd, LM_FN_RESET, &reset));
	ASSERT_EQ(LM_MIG_STATE_RUNNING, lm_get_state(self->fd, 0));
}

/* A device that provisions but cannot migrate. */

FIXTURE(prov_only) {
	struct lm_sim sim;
	int fd;
};

FIXTURE_SETUP(prov_only)
{
	self->sim.fd = -1;
	ASSERT_EQ(0, lm_sim_new(&self->sim, 2, 0, FN_MEMORY));
	self->fd = self->sim.fd;
}

FIXTURE_TEARDOWN(prov_only)
{
	lm_sim_destroy(&self->sim);
}

TEST_F(prov_only, device_info)
{
	struct lm_device_info info;

	ASSERT_EQ(0, lm_device_info(self->fd, &info));
	ASSERT_EQ(0, info.mig_caps);
	ASSERT_EQ(LM_PROV_QUEUES | LM_PROV_IRQS | LM_PROV_MEMORY |
		  LM_PROV_ONLINE, info.prov_caps);
	ASSERT_EQ(2, info.num_fns);
}

TEST_F(prov_only, provision)
{
	ASSERT_EQ(0, lm_provision(self->fd, 0,
				  LM_PROV_QUEUES | LM_PROV_ONLINE, 4, 0, 0,
				  0));
	expect_prov(_metadata, self->fd, 0, false, 4, SIM_IRQS, FN_MEMORY);
	ASSERT_EQ(0, lm_provision(self->fd, 0, LM_PROV_ONLINE, 0, 0, 1, 0));
	expect_prov(_metadata, self->fd, 0, true, 4, SIM_IRQS, FN_MEMORY);
}

TEST_F(prov_only, fn_info)
{
	struct lm_fn_info info;

	ASSERT_EQ(0, lm_fn_info(self->fd, 1, &info));
	ASSERT_EQ(LM_FN_ONLINE, info.fn_flags);
	ASSERT_EQ(LM_MIG_STATE_RUNNING, info.mig_state);
	ASSERT_EQ(LM_MIG_STATE_RUNNING, lm_get_state(self->fd, 1));
}

TEST_F(prov_only, set_migratable_eopnotsupp)
{
	ASSERT_EQ(-EOPNOTSUPP, lm_set_migratable(self->fd, 0, true));
	ASSERT_EQ(-EOPNOTSUPP, lm_set_migratable(self->fd, 0, false));
}

/*
 * The header names EOPNOTSUPP only for SET_MIGRATABLE; for the other
 * migration ioctls this follows its errno table ("a capability the device
 * does not have").
 */
TEST_F(prov_only, migration_eopnotsupp)
{
	uint64_t length;
	int data_fd;

	EXPECT_EQ(-EOPNOTSUPP, lm_set_state(self->fd, 0, LM_MIG_STATE_STOP,
					    &data_fd));
	EXPECT_EQ(-1, data_fd);
	EXPECT_EQ(-EOPNOTSUPP, lm_data_size(self->fd, 0, &length));
	EXPECT_EQ(-EOPNOTSUPP, lm_reset(self->fd, 0));
	EXPECT_EQ(LM_MIG_STATE_RUNNING, lm_get_state(self->fd, 0));
}

TEST_HARNESS_MAIN
