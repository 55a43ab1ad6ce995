// SPDX-License-Identifier: GPL-2.0
/*
 * nvme-lm against an emulated NVMe controller with SR-IOV: enumeration of
 * the secondary controllers, provisioning through /dev/lmN, real I/O by the
 * stock nvme driver through the VFs that come online, offline and
 * re-provisioning, resets of the primary controller, refused requests,
 * migration on a controller without live migration, and the end of the
 * driver under open files.
 *
 * The guest script (tests/guest/nvme.sh) binds the primary controller to
 * nvme-lm, loads the stock nvme driver after it and turns off the automatic
 * probing of VFs. The primary is $NVME_LM_PF, else the first PCI function
 * with SR-IOV. Each test starts from every VF unbound, every secondary
 * controller offline without resources, and no VF enabled.
 */
#include "kselftest_harness.h"
#include "nvme_util.h"

#define IO_OFFSET (4 << 20)
#define IO_LEN (1 << 20)

/* What the emulated controller is configured with (tests/suites/nvme.sh) */
#define NR_SECS 4
#define VQ_TOTAL 12
#define VQ_PER_SEC 6
#define VI_PER_SEC 4

/* Write the pattern of @seed to @dev (O_DIRECT); 0 or -errno. */
static int write_pattern(const char *dev, uint64_t seed)
{
	void *buf;
	int fd, ret = 0;

	if (posix_memalign(&buf, 4096, IO_LEN))
		return -ENOMEM;
	fill(buf, IO_LEN, seed);
	fd = open(dev, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
	} else {
		if (pwrite(fd, buf, IO_LEN, IO_OFFSET) != IO_LEN || fsync(fd))
			ret = -EIO;
		close(fd);
	}
	free(buf);
	return ret;
}

/* Read @dev back: 0 when it holds the pattern of @seed, -EILSEQ if not. */
static int check_pattern(const char *dev, uint64_t seed)
{
	void *buf, *want;
	int fd, ret = 0;

	if (posix_memalign(&buf, 4096, IO_LEN) ||
	    posix_memalign(&want, 4096, IO_LEN))
		return -ENOMEM;
	fill(want, IO_LEN, seed);
	fd = open(dev, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
	} else {
		if (pread(fd, buf, IO_LEN, IO_OFFSET) != IO_LEN)
			ret = -EIO;
		else if (memcmp(buf, want, IO_LEN))
			ret = -EILSEQ;
		close(fd);
	}
	free(buf);
	free(want);
	return ret;
}

FIXTURE(nvme) {
	char pf[300];
	int fd;
	struct lm_device_info info;
};

FIXTURE_SETUP(nvme)
{
	nvme_lm_pf_open(_metadata, self->pf, sizeof(self->pf), &self->fd,
			&self->info);
}

FIXTURE_TEARDOWN(nvme)
{
	if (self->fd >= 0) {
		reset_all(self->pf, self->fd, self->info.num_fns);
		close(self->fd);
	}
}

TEST_F(nvme, enumerate)
{
	struct lm_fn_info info;
	uint32_t ids[NR_SECS];
	unsigned int i, j;

	EXPECT_STREQ("nvme_lm", self->info.driver);
	EXPECT_STREQ(self->pf, self->info.parent);
	EXPECT_EQ(NR_SECS, self->info.num_fns);
	EXPECT_EQ(LM_PROV_QUEUES | LM_PROV_IRQS | LM_PROV_ONLINE,
		  self->info.prov_caps);
	EXPECT_EQ(0, self->info.mig_caps);
	for (i = 0; i < self->info.num_fns && i < NR_SECS; i++) {
		ASSERT_EQ(0, lm_fn_info(self->fd, i, &info));
		/* Secondary controllers in identifier order: VF 1, 2, ... */
		EXPECT_EQ(i + 1, info.vf);
		EXPECT_NE(0, info.hw_id);
		EXPECT_EQ(0, info.fn_flags);
		EXPECT_EQ(0, info.queues);
		EXPECT_EQ(0, info.irqs);
		EXPECT_EQ(0, info.pci_bdf);
		EXPECT_EQ(LM_MIG_STATE_RUNNING, info.mig_state);
		ids[i] = info.hw_id;
		for (j = 0; j < i; j++)
			EXPECT_NE(ids[j], ids[i]);
	}
}

TEST_F(nvme, fn_out_of_range)
{
	struct lm_fn_info info;

	EXPECT_EQ(-ERANGE, lm_fn_info(self->fd, self->info.num_fns, &info));
	EXPECT_EQ(-ERANGE, lm_fn_info(self->fd, UINT32_MAX, &info));
	EXPECT_EQ(-ERANGE, provision(self->fd, self->info.num_fns, 2, 1, 1));
	EXPECT_EQ(-ERANGE, lm_provision(self->fd, 0x10000, LM_PROV_ONLINE,
					0, 0, 1, 0));
}

TEST_F(nvme, refuse_bad_values)
{
	struct lm_fn_info info;
	struct kmsg k;

	ASSERT_EQ(0, kmsg_mark(&k));
	/* More than a secondary controller may have. */
	EXPECT_EQ(-EINVAL, provision(self->fd, 0, VQ_PER_SEC + 1, 1, 0));
	EXPECT_EQ(1, kmsg_count(&k, "at most 6 per secondary controller",
				false));
	EXPECT_EQ(-EINVAL, provision(self->fd, 0, 2, VI_PER_SEC + 1, 0));
	EXPECT_EQ(-EINVAL, provision(self->fd, 0, 0x10000, 1, 0));
	/* Too little to go online: an admin and an I/O queue, a vector. */
	EXPECT_EQ(-EINVAL, provision(self->fd, 0, 1, 1, 1));
	EXPECT_EQ(-EINVAL, provision(self->fd, 0, 2, 0, 1));
	EXPECT_EQ(-EINVAL, lm_provision(self->fd, 0, LM_PROV_ONLINE, 0, 0, 1,
					0));
	EXPECT_EQ(1, kmsg_count(&k, "cannot go online with 0 VQ and 0 VI",
				false));
	/* What the core refuses: no attribute, an unsupported one. */
	EXPECT_EQ(-EINVAL, lm_provision(self->fd, 0, 0, 0, 0, 0, 0));
	EXPECT_EQ(-EOPNOTSUPP, lm_provision(self->fd, 0, LM_PROV_MEMORY, 0, 0,
					    0, 4096));
	EXPECT_EQ(-EINVAL, lm_provision(self->fd, 0, LM_PROV_ONLINE, 0, 0, 2,
					0));
	kmsg_done(&k);

	/* Nothing changed. */
	ASSERT_EQ(0, lm_fn_info(self->fd, 0, &info));
	EXPECT_EQ(0, info.fn_flags);
	EXPECT_EQ(0, info.queues);
	EXPECT_EQ(0, info.irqs);
}

TEST_F(nvme, pool_exhausted)
{
	struct lm_fn_info info;
	struct kmsg k;

	ASSERT_EQ(0, provision(self->fd, 0, VQ_PER_SEC, 1, 0));
	ASSERT_EQ(0, provision(self->fd, 1, VQ_PER_SEC, 1, 0));
	/* The pool of VQ_TOTAL is spent. */
	ASSERT_EQ(0, kmsg_mark(&k));
	EXPECT_EQ(-ENOSPC, provision(self->fd, 2, 2, 1, 0));
	EXPECT_EQ(1, kmsg_count(&k, "2 VQ resources requested, 0 left in the pool",
				false));
	kmsg_done(&k);
	ASSERT_EQ(0, lm_fn_info(self->fd, 2, &info));
	EXPECT_EQ(0, info.queues);
	/* A function's own resources count as free for it. */
	EXPECT_EQ(0, provision(self->fd, 1, VQ_PER_SEC - 2, 1, 0));
	EXPECT_EQ(0, provision(self->fd, 2, 2, 1, 0));
	ASSERT_EQ(0, lm_fn_info(self->fd, 2, &info));
	EXPECT_EQ(2, info.queues);
	EXPECT_EQ(1, info.irqs);
}

TEST_F(nvme, device_errors_decoded)
{
	char path[PATH_MAX], cmd[64];
	struct lm_fn_info info;
	struct kmsg k;

	snprintf(path, sizeof(path), "/sys/kernel/debug/nvme-lm/%s/virt_mgmt",
		 self->pf);
	ASSERT_EQ(0, provision(self->fd, 0, 2, 1, 1));
	ASSERT_EQ(0, lm_fn_info(self->fd, 0, &info));

	/* Resources of an online secondary controller: the controller says no. */
	ASSERT_EQ(0, kmsg_mark(&k));
	snprintf(cmd, sizeof(cmd), "8 0 %u 3", info.hw_id);
	EXPECT_EQ(-EBUSY, sysfs_write(path, cmd));
	EXPECT_EQ(1, kmsg_count(&k, "Secondary Assign, controller 0x1, 3 VQ) failed: Invalid Secondary Controller State (status 0x120: sct 0x1 sc 0x20, do not retry) -> -EBUSY",
				false));
	/* No such controller. */
	EXPECT_EQ(-ENXIO, sysfs_write(path, "9 0 0x99 0"));
	EXPECT_EQ(1, kmsg_count(&k, "Secondary Online, controller 0x99) failed: Invalid Controller Identifier (status 0x11f: sct 0x1 sc 0x1f",
				false));
	/* Not a command the driver knows how to name: refused before. */
	EXPECT_EQ(-EINVAL, sysfs_write(path, "5 0 1 0"));
	EXPECT_EQ(-EINVAL, sysfs_write(path, "8 0 1"));
	kmsg_done(&k);

	/* Nothing changed. */
	ASSERT_EQ(0, lm_fn_info(self->fd, 0, &info));
	EXPECT_EQ(LM_FN_ONLINE | LM_FN_PCI, info.fn_flags);
	EXPECT_EQ(2, info.queues);
	EXPECT_EQ(1, info.irqs);
}

/* One value of debugfs primary_caps (read afresh by the driver), or -1. */
static long primary_cap(const char *pf, const char *key)
{
	char path[PATH_MAX], buf[1024], *p;
	size_t klen = strlen(key);
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/debug/nvme-lm/%s/primary_caps",
		 pf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, klen) && p[klen] == ' ')
			return strtol(p + klen + 1, NULL, 0);
	return -1;
}

TEST_F_TIMEOUT(nvme, primary_flexible_release, 600)
{
	char path[PATH_MAX], cmd[64];
	long cntlid;
	struct kmsg k;

	ASSERT_EQ(VQ_TOTAL, primary_cap(self->pf, "vqfrt"));
	ASSERT_EQ(0, primary_cap(self->pf, "vqrfap"));
	ASSERT_EQ(0, primary_cap(self->pf, "virfap"));
	cntlid = primary_cap(self->pf, "cntlid");
	ASSERT_LE(0, cntlid);

	/* Flexible resources for the primary: they count after a reset. */
	snprintf(path, sizeof(path), "/sys/kernel/debug/nvme-lm/%s/virt_mgmt",
		 self->pf);
	snprintf(cmd, sizeof(cmd), "1 0 %ld 4", cntlid);
	ASSERT_EQ(0, sysfs_write(path, cmd));
	snprintf(cmd, sizeof(cmd), "1 1 %ld 2", cntlid);
	ASSERT_EQ(0, sysfs_write(path, cmd));
	EXPECT_EQ(0, primary_cap(self->pf, "vqrfap"));
	ASSERT_EQ(0, sysfs_writef("1", PCI_DEVICES "/%s/reset", self->pf));
	EXPECT_EQ(4, primary_cap(self->pf, "vqrfap"));
	EXPECT_EQ(2, primary_cap(self->pf, "virfap"));
	/* The pool of the secondary controllers shrank by as much. */
	ASSERT_EQ(0, provision(self->fd, 0, VQ_PER_SEC, 1, 0));
	EXPECT_EQ(-ENOSPC, provision(self->fd, 1, VQ_PER_SEC, 1, 0));
	ASSERT_EQ(0, reset_all(self->pf, self->fd, self->info.num_fns));

	/* A new probe gives them back to the secondary controllers. */
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, lm_module_unload("nvme_lm"));
	ASSERT_EQ(0, kmsg_mark(&k));
	ASSERT_EQ(0, lm_module_load("nvme-lm", ""));
	EXPECT_EQ(1, kmsg_count(&k, "releasing the primary controller's 4 VQ and 2 VI flexible resources to the secondary controllers",
				false));
	kmsg_done(&k);
	self->fd = open_lm(self->pf);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(0, primary_cap(self->pf, "vqrfap"));
	EXPECT_EQ(0, primary_cap(self->pf, "virfap"));
	EXPECT_EQ(0, provision(self->fd, 0, VQ_PER_SEC, 1, 0));
	EXPECT_EQ(0, provision(self->fd, 1, VQ_PER_SEC, 1, 0));
}

/* Wait up to @secs for function @fn to have @flags; 0 or -ETIMEDOUT. */
static int wait_fn_flags(int fd, uint32_t fn, uint32_t flags, int secs)
{
	struct lm_fn_info info;
	int tenths;

	for (tenths = secs * 10; tenths > 0; tenths--) {
		if (!lm_fn_info(fd, fn, &info) && info.fn_flags == flags)
			return 0;
		usleep(100000);
	}
	return -ETIMEDOUT;
}

TEST_F_TIMEOUT(nvme, admin_timeout_resets, 600)
{
	char path[PATH_MAX], old[16];
	struct kmsg k, k_reprovisioned;
	int ret;

	snprintf(path, sizeof(path), "/sys/kernel/debug/nvme-lm/%s/admin_cmd",
		 self->pf);
	ASSERT_EQ(0, provision(self->fd, 0, 2, 1, 1));
	ASSERT_LT(0, sysfs_readf(old, sizeof(old),
				 "/sys/module/nvme_lm/parameters/admin_timeout"));
	ASSERT_EQ(0, sysfs_write("/sys/module/nvme_lm/parameters/admin_timeout",
				 "2"));

	/*
	 * An Asynchronous Event Request completes only on an event: never.
	 * Reading the log consumes it, and the re-provisioning line may come
	 * before the time-out line is looked for: a reader of its own.
	 */
	ASSERT_EQ(0, kmsg_mark(&k));
	ASSERT_EQ(0, kmsg_mark(&k_reprovisioned));
	ret = sysfs_write(path, "0x0c");
	sysfs_write("/sys/module/nvme_lm/parameters/admin_timeout", old);
	EXPECT_EQ(-ETIMEDOUT, ret);
	EXPECT_EQ(1, kmsg_count(&k, "timed out after 2s, resetting the controller",
				false));
	/*
	 * The reset took the secondary controller offline; it comes back, and
	 * the driver says so once it is done, which may be after the function
	 * shows online again.
	 */
	EXPECT_EQ(0, wait_fn_flags(self->fd, 0, LM_FN_ONLINE | LM_FN_PCI, 30));
	EXPECT_EQ(1, kmsg_wait(&k_reprovisioned,
			       "re-provisioned 1 secondary controller after a controller reset",
			       30));
	kmsg_done(&k_reprovisioned);
	kmsg_done(&k);

	/* The admin path works on: a command the controller refuses. */
	EXPECT_EQ(-EOPNOTSUPP, sysfs_write(path, "0xfc"));
	EXPECT_EQ(-EINVAL, sysfs_write(path, "0x06"));
	EXPECT_EQ(0, provision(self->fd, 1, 2, 1, 1));
}

TEST_F(nvme, online_vf)
{
	struct lm_fn_info info;
	char bdf[300], num[16];

	ASSERT_EQ(0, provision(self->fd, 0, 2, 1, 1));
	ASSERT_EQ(0, lm_fn_info(self->fd, 0, &info));
	EXPECT_EQ(LM_FN_ONLINE | LM_FN_PCI, info.fn_flags);
	EXPECT_EQ(2, info.queues);
	EXPECT_EQ(1, info.irqs);
	/* Going online enabled the VFs, and the function says where it is. */
	ASSERT_LT(0, sysfs_readf(num, sizeof(num), PCI_DEVICES "/%s/sriov_numvfs",
				 self->pf));
	EXPECT_EQ(NR_SECS, atoi(num));
	ASSERT_EQ(0, vf_bdf(self->pf, 1, bdf, sizeof(bdf)));
	EXPECT_EQ(bdf_value(bdf), info.pci_bdf);
	/* The other functions have a VF too, still offline. */
	ASSERT_EQ(0, lm_fn_info(self->fd, 1, &info));
	EXPECT_EQ(LM_FN_PCI, info.fn_flags);
	ASSERT_EQ(0, vf_bdf(self->pf, 2, bdf, sizeof(bdf)));
	EXPECT_EQ(bdf_value(bdf), info.pci_bdf);
	/* Online again is nothing to do. */
	EXPECT_EQ(0, lm_provision(self->fd, 0, LM_PROV_ONLINE, 0, 0, 1, 0));
}

TEST_F(nvme, resources_locked_while_online)
{
	struct lm_fn_info info;

	ASSERT_EQ(0, provision(self->fd, 0, 2, 1, 1));
	EXPECT_EQ(-EBUSY, lm_provision(self->fd, 0, LM_PROV_QUEUES, 3, 0, 0, 0));
	EXPECT_EQ(-EBUSY, lm_provision(self->fd, 0, LM_PROV_IRQS, 0, 2, 0, 0));
	/* With going offline in the same request, it is fine. */
	EXPECT_EQ(0, provision(self->fd, 0, 3, 2, 0));
	ASSERT_EQ(0, lm_fn_info(self->fd, 0, &info));
	EXPECT_EQ(LM_FN_PCI, info.fn_flags);
	EXPECT_EQ(3, info.queues);
	EXPECT_EQ(2, info.irqs);
}

TEST_F_TIMEOUT(nvme, io_through_vf, 600)
{
	char vf1[300], vf2[300], dev1[300], dev2[300];

	ASSERT_EQ(0, provision(self->fd, 0, 2, 1, 1));
	ASSERT_EQ(0, vf_bdf(self->pf, 1, vf1, sizeof(vf1)));
	ASSERT_EQ(0, nvme_attach(vf1, dev1, sizeof(dev1)));
	TH_LOG("VF %s is %s", vf1, dev1);
	ASSERT_EQ(0, write_pattern(dev1, 1));
	ASSERT_EQ(0, check_pattern(dev1, 1));

	/* After a new probe of the VF, the data is still there. */
	ASSERT_EQ(0, unbind(vf1));
	ASSERT_EQ(0, nvme_attach(vf1, dev1, sizeof(dev1)));
	EXPECT_EQ(0, check_pattern(dev1, 1));

	/* Another VF reads the shared namespace, and writes it. */
	ASSERT_EQ(0, provision(self->fd, 1, 3, 2, 1));
	ASSERT_EQ(0, vf_bdf(self->pf, 2, vf2, sizeof(vf2)));
	ASSERT_EQ(0, nvme_attach(vf2, dev2, sizeof(dev2)));
	TH_LOG("VF %s is %s", vf2, dev2);
	EXPECT_EQ(0, check_pattern(dev2, 1));
	ASSERT_EQ(0, write_pattern(dev2, 2));
	EXPECT_EQ(0, check_pattern(dev1, 2));
	/* And a wrong pattern is told apart: the check can fail. */
	EXPECT_EQ(-EILSEQ, check_pattern(dev1, 1));
}

TEST_F_TIMEOUT(nvme, offline_and_reprovision, 600)
{
	struct lm_fn_info info;
	char vf[300], dev[300];
	struct kmsg k;

	ASSERT_EQ(0, provision(self->fd, 0, 2, 1, 1));
	ASSERT_EQ(0, vf_bdf(self->pf, 1, vf, sizeof(vf)));
	ASSERT_EQ(0, nvme_attach(vf, dev, sizeof(dev)));
	ASSERT_EQ(0, write_pattern(dev, 3));

	/* Not from under the driver of the VF. */
	ASSERT_EQ(0, kmsg_mark(&k));
	EXPECT_EQ(-EBUSY, lm_provision(self->fd, 0, LM_PROV_ONLINE, 0, 0, 0,
				       0));
	EXPECT_EQ(1, kmsg_count(&k, "its VF is bound to a driver", false));
	kmsg_done(&k);
	ASSERT_EQ(0, lm_fn_info(self->fd, 0, &info));
	EXPECT_TRUE(info.fn_flags & LM_FN_ONLINE);

	ASSERT_EQ(0, unbind(vf));
	ASSERT_EQ(0, lm_provision(self->fd, 0, LM_PROV_ONLINE, 0, 0, 0, 0));
	ASSERT_EQ(0, lm_fn_info(self->fd, 0, &info));
	EXPECT_FALSE(info.fn_flags & LM_FN_ONLINE);
	/* An offline VF does not come up under the nvme driver. */
	EXPECT_NE(0, nvme_attach_wait(vf, dev, sizeof(dev), 15));
	unbind(vf);

	/* Re-provisioned differently, online again, same data. */
	ASSERT_EQ(0, provision(self->fd, 0, 4, 2, 1));
	ASSERT_EQ(0, lm_fn_info(self->fd, 0, &info));
	EXPECT_EQ(LM_FN_ONLINE | LM_FN_PCI, info.fn_flags);
	EXPECT_EQ(4, info.queues);
	EXPECT_EQ(2, info.irqs);
	ASSERT_EQ(0, nvme_attach(vf, dev, sizeof(dev)));
	EXPECT_EQ(0, check_pattern(dev, 3));
}

/* Check functions 0 and 1 are back as provisioned, then do I/O on VF 1. */
static void check_restored(struct __test_metadata *_metadata,
			   FIXTURE_DATA(nvme) *self, uint64_t seed)
{
	struct lm_fn_info info;
	char vf[300], dev[300];

	ASSERT_EQ(0, lm_fn_info(self->fd, 0, &info));
	EXPECT_EQ(LM_FN_ONLINE | LM_FN_PCI, info.fn_flags);
	EXPECT_EQ(2, info.queues);
	EXPECT_EQ(1, info.irqs);
	ASSERT_EQ(0, lm_fn_info(self->fd, 1, &info));
	EXPECT_EQ(LM_FN_PCI, info.fn_flags);
	EXPECT_EQ(3, info.queues);
	EXPECT_EQ(2, info.irqs);
	ASSERT_EQ(0, lm_fn_info(self->fd, 2, &info));
	EXPECT_EQ(LM_FN_PCI, info.fn_flags);
	EXPECT_EQ(0, info.queues);

	ASSERT_EQ(0, vf_bdf(self->pf, 1, vf, sizeof(vf)));
	ASSERT_EQ(0, nvme_attach(vf, dev, sizeof(dev)));
	ASSERT_EQ(0, write_pattern(dev, seed));
	EXPECT_EQ(0, check_pattern(dev, seed));
}

TEST_F_TIMEOUT(nvme, controller_reset_reprovisions, 600)
{
	struct kmsg k;

	ASSERT_EQ(0, provision(self->fd, 0, 2, 1, 1));
	ASSERT_EQ(0, provision(self->fd, 1, 3, 2, 0));
	ASSERT_EQ(0, kmsg_mark(&k));
	ASSERT_EQ(0, sysfs_writef("1", PCI_DEVICES "/%s/nvme_lm/reset_controller",
				  self->pf));
	EXPECT_EQ(1, kmsg_count(&k, "re-provisioned 2 secondary controllers after a controller reset",
				false));
	kmsg_done(&k);
	check_restored(_metadata, self, 4);
}

TEST_F_TIMEOUT(nvme, function_reset_reprovisions, 600)
{
	struct kmsg k;

	ASSERT_EQ(0, provision(self->fd, 0, 2, 1, 1));
	ASSERT_EQ(0, provision(self->fd, 1, 3, 2, 0));
	ASSERT_EQ(0, kmsg_mark(&k));
	ASSERT_EQ(0, sysfs_writef("1", PCI_DEVICES "/%s/reset", self->pf));
	EXPECT_EQ(1, kmsg_count(&k, "re-provisioned 2 secondary controllers after a controller reset",
				false));
	kmsg_done(&k);
	check_restored(_metadata, self, 5);
}

TEST_F(nvme, migration_unsupported)
{
	struct lm_fn_mig_state ms = { .size = sizeof(ms) };
	uint64_t len;
	struct kmsg k;
	int probes;

	ASSERT_EQ(0, provision(self->fd, 0, 2, 1, 1));
	EXPECT_EQ(-EOPNOTSUPP, lm_set_migratable(self->fd, 0, true));
	EXPECT_EQ(-EOPNOTSUPP, lm_set_state(self->fd, 0, LM_MIG_STATE_STOP,
					    NULL));
	EXPECT_EQ(-EOPNOTSUPP, lm_set_state(self->fd, 0,
					    LM_MIG_STATE_STOP_COPY, NULL));
	EXPECT_EQ(-EOPNOTSUPP, lm_data_size(self->fd, 0, &len));
	EXPECT_EQ(-EOPNOTSUPP, lm_reset(self->fd, 0));
	ASSERT_EQ(0, lm_ioctl(self->fd, LM_FN_GET_STATE, &ms));
	EXPECT_EQ(LM_MIG_STATE_RUNNING, ms.device_state);
	EXPECT_EQ(-1, ms.data_fd);

	/* The reason was logged once per probe, at the probe. */
	ASSERT_EQ(0, kmsg_mark(&k));
	probes = kmsg_count(&k, "secondary controllers, migration unavailable",
			    true);
	EXPECT_LT(0, probes);
	EXPECT_EQ(probes,
		  kmsg_count(&k, "live migration unavailable: the controller does not support Host Managed Live Migration (Identify Controller OACS bit 11 is clear)",
			     true));
	kmsg_done(&k);
}

TEST_F_TIMEOUT(nvme, sriov_disable_while_bound, 600)
{
	struct lm_fn_info info;
	char vf[300], dev[300];

	ASSERT_EQ(0, provision(self->fd, 0, 2, 1, 1));
	ASSERT_EQ(0, vf_bdf(self->pf, 1, vf, sizeof(vf)));
	ASSERT_EQ(0, nvme_attach(vf, dev, sizeof(dev)));
	EXPECT_EQ(-EBUSY, sysfs_writef("0", PCI_DEVICES "/%s/sriov_numvfs",
				       self->pf));
	ASSERT_EQ(0, unbind(vf));
	ASSERT_EQ(0, sysfs_writef("0", PCI_DEVICES "/%s/sriov_numvfs",
				  self->pf));
	/* Disabling took the secondary controllers offline first. */
	ASSERT_EQ(0, lm_fn_info(self->fd, 0, &info));
	EXPECT_EQ(0, info.fn_flags);
	EXPECT_FALSE(path_exists(PCI_DEVICES "/%s", vf));
	/* sriov_numvfs enables VFs without bringing anything online. */
	ASSERT_EQ(0, sysfs_writef("2", PCI_DEVICES "/%s/sriov_numvfs",
				  self->pf));
	ASSERT_EQ(0, lm_fn_info(self->fd, 1, &info));
	EXPECT_EQ(LM_FN_PCI, info.fn_flags);
	ASSERT_EQ(0, lm_fn_info(self->fd, 2, &info));
	EXPECT_EQ(0, info.fn_flags);
	/* VF 3 does not exist: its controller cannot go online. */
	EXPECT_EQ(-EBUSY, provision(self->fd, 2, 2, 1, 1));
	EXPECT_EQ(0, provision(self->fd, 1, 2, 1, 1));
}

/* Bind @pf to nvme-lm again and wait for its lm device. */
static int rebind_nvme_lm(const char *pf)
{
	int fd, tenths, ret;

	ret = sysfs_writef("nvme-lm", PCI_DEVICES "/%s/driver_override", pf);
	if (!ret && !bound(pf))
		ret = sysfs_write(NVME_LM_DRIVER "/bind", pf);
	if (ret)
		return ret;
	for (tenths = 100; tenths > 0; tenths--) {
		fd = open_lm(pf);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		usleep(100000);
	}
	return -ETIMEDOUT;
}

TEST_F_TIMEOUT(nvme, unbind_with_open_files, 600)
{
	struct lm_fn_info info;
	char vf[300], dev[300];
	int fd2, mig_fd;

	ASSERT_EQ(0, provision(self->fd, 0, 2, 1, 1));
	ASSERT_EQ(0, vf_bdf(self->pf, 1, vf, sizeof(vf)));
	ASSERT_EQ(0, nvme_attach(vf, dev, sizeof(dev)));
	fd2 = open_lm(self->pf);
	ASSERT_LE(0, fd2);
	mig_fd = open(dev, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, mig_fd);
	close(mig_fd);

	ASSERT_EQ(0, sysfs_write(NVME_LM_DRIVER "/unbind", self->pf));
	/* Every open file fails from now on, and nothing else happens. */
	EXPECT_EQ(-ENODEV, lm_fn_info(self->fd, 0, &info));
	EXPECT_EQ(-ENODEV, lm_device_info(fd2, &self->info));
	EXPECT_EQ(-ENODEV, provision(fd2, 0, 2, 1, 0));
	EXPECT_EQ(-ENODEV, lm_set_migratable(self->fd, 0, true));
	/* The VFs went with the driver. */
	EXPECT_FALSE(path_exists(PCI_DEVICES "/%s", vf));
	close(fd2);
	close(self->fd);
	self->fd = -1;

	ASSERT_EQ(0, rebind_nvme_lm(self->pf));
	self->fd = open_lm(self->pf);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, lm_device_info(self->fd, &self->info));
	ASSERT_EQ(0, lm_fn_info(self->fd, 0, &info));
	EXPECT_EQ(0, info.fn_flags);
	EXPECT_EQ(NR_SECS, self->info.num_fns);
}

TEST_F_TIMEOUT(nvme, unload_with_open_files, 600)
{
	struct lm_fn_info info;

	ASSERT_EQ(0, provision(self->fd, 0, 2, 1, 1));
	/* The driver goes while a file is open on its device. */
	ASSERT_EQ(0, lm_module_unload("nvme_lm"));
	EXPECT_EQ(-ENODEV, lm_fn_info(self->fd, 0, &info));
	EXPECT_EQ(-ENODEV, provision(self->fd, 0, 2, 1, 0));
	close(self->fd);
	self->fd = -1;

	ASSERT_EQ(0, lm_module_load("nvme-lm", ""));
	self->fd = open_lm(self->pf);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, lm_fn_info(self->fd, 0, &info));
	EXPECT_EQ(0, info.fn_flags);
}

TEST_F_TIMEOUT(nvme, give_pf_back_to_nvme, 600)
{
	char vf[300], dev[300];

	/* Data written through a VF... */
	ASSERT_EQ(0, provision(self->fd, 0, 2, 1, 1));
	ASSERT_EQ(0, vf_bdf(self->pf, 1, vf, sizeof(vf)));
	ASSERT_EQ(0, nvme_attach(vf, dev, sizeof(dev)));
	ASSERT_EQ(0, write_pattern(dev, 6));
	ASSERT_EQ(0, unbind(vf));
	close(self->fd);
	self->fd = -1;

	/* ...is read by the stock nvme driver on the primary controller. */
	ASSERT_EQ(0, sysfs_write(NVME_LM_DRIVER "/unbind", self->pf));
	ASSERT_EQ(0, sysfs_writef("\n", PCI_DEVICES "/%s/driver_override",
				  self->pf));
	ASSERT_EQ(0, nvme_attach(self->pf, dev, sizeof(dev)));
	TH_LOG("primary controller %s is %s under nvme", self->pf, dev);
	EXPECT_EQ(0, check_pattern(dev, 6));

	/* And back to nvme-lm. */
	ASSERT_EQ(0, unbind(self->pf));
	ASSERT_EQ(0, rebind_nvme_lm(self->pf));
	self->fd = open_lm(self->pf);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, lm_device_info(self->fd, &self->info));
}

TEST_HARNESS_MAIN
