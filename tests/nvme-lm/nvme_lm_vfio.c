// SPDX-License-Identifier: GPL-2.0
/*
 * lm-vfio-pci on the emulated NVMe controller with live migration: two
 * secondary controllers' VFs handed to VFIO through the variant driver and
 * migrated through their VFIO devices the way a VMM does (VFIO migration
 * v2), while /dev/lmN refuses to change them; the arcs and their data
 * files, the precopy ioctl, hostile streams on the VFIO data file, resets,
 * and the controlling function going away under an open VFIO device.
 *
 * Needs lm-vfio-pci loaded, vfio-pci's type1 IOMMU, each VF in an IOMMU
 * group of its own (tests/guest/nvme-vfio.sh).
 *
 * Copyright (c) 2026 The lm authors
 */
#include <linux/vfio.h>
#include <pthread.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "nvme_util.h"

#define MIG_VQ 2
#define MIG_VI 1
#define VARIANT "lm-vfio-pci"
#define VARIANT_DIR "/sys/bus/pci/drivers/" VARIANT

/* One VFIO_DEVICE_FEATURE call: @flags, then @len bytes of @data. */
static int vfio_feature(int dev, uint32_t flags, void *data, size_t len)
{
	uint64_t buf[8] = {};
	struct vfio_device_feature *f = (void *)buf;

	if (sizeof(*f) + len > sizeof(buf))
		return -EINVAL;
	f->argsz = sizeof(*f) + len;
	f->flags = flags;
	memcpy(f->data, data, len);
	if (ioctl(dev, VFIO_DEVICE_FEATURE, f))
		return -errno;
	memcpy(data, f->data, len);
	return 0;
}

/* Set the VF's migration state; its new data file, or -1, in *@data_fd. */
static int mig_set(int dev, uint32_t state, int *data_fd)
{
	struct vfio_device_feature_mig_state s = { .device_state = state };
	int ret;

	ret = vfio_feature(dev, VFIO_DEVICE_FEATURE_SET |
			   VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &s, sizeof(s));
	if (!ret && data_fd)
		*data_fd = s.data_fd;
	else if (!ret && s.data_fd >= 0)
		close(s.data_fd);
	return ret;
}

/* The VF's migration state, or -errno. */
static int mig_get(int dev)
{
	struct vfio_device_feature_mig_state s = {};
	int ret;

	ret = vfio_feature(dev, VFIO_DEVICE_FEATURE_GET |
			   VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &s, sizeof(s));
	return ret ?: (int)s.device_state;
}

static int precopy_info(int data_fd, struct vfio_precopy_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	return ioctl(data_fd, VFIO_MIG_GET_PRECOPY_INFO, info) ? -errno : 0;
}

/* Hand VF @bdf to the variant driver (0 or -errno). */
static int bind_variant(const char *bdf)
{
	int ret;

	ret = unbind(bdf);
	if (!ret)
		ret = sysfs_writef(VARIANT, PCI_DEVICES "/%s/driver_override",
				   bdf);
	if (!ret)
		ret = sysfs_write(VARIANT_DIR "/bind", bdf);
	return ret;
}

static void unbind_variant(const char *bdf)
{
	unbind(bdf);
	sysfs_writef("\n", PCI_DEVICES "/%s/driver_override", bdf);
}

/* The IOMMU group number of @bdf, or -errno. */
static int iommu_group(const char *bdf)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/iommu_group", bdf);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = 0;
	return atoi(strrchr(target, '/') + 1);
}

/*
 * Two migratable secondary controllers, 0 and 1, their VFs bound to the
 * variant driver, both groups in one type1 container, both devices open.
 */
FIXTURE(vfio) {
	char pf[300];
	int fd;
	struct lm_device_info info;
	char vf[2][300];
	int container;
	int group[2];
	int dev[2];
};

/* Open VF @i's VFIO device (its group is in the container). */
static int open_dev(FIXTURE_DATA(vfio) *self, int i)
{
	int dev = ioctl(self->group[i], VFIO_GROUP_GET_DEVICE_FD, self->vf[i]);

	return dev < 0 ? -errno : dev;
}

FIXTURE_SETUP(vfio)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];
	int i, g;

	self->container = -1;
	for (i = 0; i < 2; i++)
		self->group[i] = self->dev[i] = -1;
	if (!nvme_lm_pf_open(_metadata, self->pf, sizeof(self->pf), &self->fd,
			     &self->info))
		return;
	if (!(self->info.mig_caps & LM_MIG_STOP_COPY))
		SKIP(return, "the controller has no live migration");
	if (!path_exists(VARIANT_DIR))
		SKIP(return, "%s is not loaded", VARIANT);

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, provision(self->fd, i, MIG_VQ, MIG_VI, 1));
		ASSERT_EQ(0, lm_set_migratable(self->fd, i, true));
		ASSERT_EQ(0, vf_bdf(self->pf, i + 1, self->vf[i],
				    sizeof(self->vf[i])));
		ASSERT_EQ(0, bind_variant(self->vf[i]));
	}

	self->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->container);
	for (i = 0; i < 2; i++) {
		g = iommu_group(self->vf[i]);
		ASSERT_LE(0, g);
		snprintf(path, sizeof(path), "/dev/vfio/%d", g);
		self->group[i] = open(path, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, self->group[i]) TH_LOG("%s: %m", path);
		ASSERT_EQ(0, ioctl(self->group[i], VFIO_GROUP_GET_STATUS,
				   &status));
		ASSERT_TRUE(status.flags & VFIO_GROUP_FLAGS_VIABLE);
		ASSERT_EQ(0, ioctl(self->group[i], VFIO_GROUP_SET_CONTAINER,
				   &self->container));
		if (!i)
			ASSERT_EQ(0, ioctl(self->container, VFIO_SET_IOMMU,
					   VFIO_TYPE1v2_IOMMU));
		self->dev[i] = open_dev(self, i);
		ASSERT_LE(0, self->dev[i]);
	}
}

FIXTURE_TEARDOWN(vfio)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (self->dev[i] >= 0)
			close(self->dev[i]);
		if (self->group[i] >= 0)
			close(self->group[i]);
	}
	if (self->container >= 0)
		close(self->container);
	if (self->fd < 0)
		return;
	for (i = 0; i < 2; i++) {
		if (self->vf[i][0])
			unbind_variant(self->vf[i]);
		lm_reset(self->fd, i);
		lm_set_migratable(self->fd, i, false);
	}
	reset_all(self->pf, self->fd, self->info.num_fns);
	close(self->fd);
}

/* VFIO says what the controlling function can; lm says VFIO has them. */
TEST_F(vfio, claimed)
{
	struct vfio_device_feature_migration mig = {};
	struct vfio_device_feature_mig_data_size size = {};
	struct lm_fn_info fi;
	uint64_t len;
	int i;

	ASSERT_EQ(0, vfio_feature(self->dev[0], VFIO_DEVICE_FEATURE_GET |
				  VFIO_DEVICE_FEATURE_MIGRATION,
				  &mig, sizeof(mig)));
	ASSERT_EQ(self->info.mig_caps, mig.flags);
	ASSERT_EQ(VFIO_DEVICE_STATE_RUNNING, mig_get(self->dev[0]));
	ASSERT_EQ(0, vfio_feature(self->dev[0], VFIO_DEVICE_FEATURE_GET |
				  VFIO_DEVICE_FEATURE_MIG_DATA_SIZE,
				  &size, sizeof(size)));
	ASSERT_LT(sizeof(struct lm_stream_header), size.stop_copy_length);

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, lm_fn_info(self->fd, i, &fi));
		ASSERT_TRUE(fi.fn_flags & LM_FN_VFIO);
	}
	/* Every changing request on /dev/lmN: busy. */
	ASSERT_EQ(-EBUSY, lm_set_state(self->fd, 0, LM_MIG_STATE_STOP, NULL));
	ASSERT_EQ(-EBUSY, lm_data_size(self->fd, 0, &len));
	ASSERT_EQ(-EBUSY, lm_reset(self->fd, 0));
	ASSERT_EQ(-EBUSY, lm_set_migratable(self->fd, 0, false));
	ASSERT_EQ(-EBUSY, provision(self->fd, 0, 0, 0, 0));
	ASSERT_EQ(LM_MIG_STATE_RUNNING, lm_get_state(self->fd, 0));

	/* Given back when the VF leaves the driver. */
	close(self->dev[0]);
	self->dev[0] = -1;
	unbind_variant(self->vf[0]);
	ASSERT_EQ(0, lm_fn_info(self->fd, 0, &fi));
	ASSERT_FALSE(fi.fn_flags & LM_FN_VFIO);
	ASSERT_EQ(0, lm_set_state(self->fd, 0, LM_MIG_STATE_STOP, NULL));
	ASSERT_EQ(0, lm_set_state(self->fd, 0, LM_MIG_STATE_RUNNING, NULL));
}

/* A VF whose function is not migratable is refused at probe. */
TEST_F(vfio, not_migratable_refused)
{
	close(self->dev[1]);
	self->dev[1] = -1;
	close(self->group[1]);
	self->group[1] = -1;
	unbind_variant(self->vf[1]);
	ASSERT_EQ(0, lm_set_migratable(self->fd, 1, false));
	ASSERT_NE(0, bind_variant(self->vf[1]));
	ASSERT_FALSE(bound(self->vf[1]));
	ASSERT_EQ(0, lm_set_migratable(self->fd, 1, true));
	ASSERT_EQ(0, bind_variant(self->vf[1]));
}

/*
 * The arcs VFIO v2 has, through the VFIO device: a data file exactly when
 * the saving group is entered from outside it or RESUMING is, kept while
 * moving inside the group, dead once it is left.
 */
TEST_F(vfio, arcs)
{
	bool p2p = self->info.mig_caps & LM_MIG_P2P;
	bool pre = self->info.mig_caps & LM_MIG_PRE_COPY;
	int dev = self->dev[0], data_fd, other;
	char byte;

	if (pre) {
		ASSERT_EQ(0, mig_set(dev, VFIO_DEVICE_STATE_PRE_COPY,
				     &data_fd));
		ASSERT_LE(0, data_fd);
		if (p2p) {
			ASSERT_EQ(0, mig_set(dev, VFIO_DEVICE_STATE_PRE_COPY_P2P,
					     &other));
			ASSERT_EQ(-1, other);
		}
		/* No way back into PRE_COPY from STOP_COPY. */
		ASSERT_EQ(0, mig_set(dev, VFIO_DEVICE_STATE_STOP_COPY, &other));
		ASSERT_EQ(-1, other);
		ASSERT_EQ(-EINVAL, mig_set(dev, VFIO_DEVICE_STATE_PRE_COPY,
					   NULL));
		ASSERT_EQ(VFIO_DEVICE_STATE_STOP_COPY, mig_get(dev));
		ASSERT_EQ(0, mig_set(dev, VFIO_DEVICE_STATE_STOP, &other));
		ASSERT_EQ(-1, other);
		/* The session ended with the saving group. */
		ASSERT_EQ(-1, read(data_fd, &byte, 1));
		ASSERT_EQ(EINVAL, errno);
		close(data_fd);
	} else {
		ASSERT_EQ(0, mig_set(dev, VFIO_DEVICE_STATE_STOP, &other));
		ASSERT_EQ(-1, other);
	}

	if (p2p) {
		ASSERT_EQ(0, mig_set(dev, VFIO_DEVICE_STATE_RUNNING_P2P,
				     &other));
		ASSERT_EQ(-1, other);
		ASSERT_EQ(VFIO_DEVICE_STATE_RUNNING_P2P, mig_get(dev));
	}
	ASSERT_EQ(0, mig_set(dev, VFIO_DEVICE_STATE_STOP_COPY, &data_fd));
	ASSERT_LE(0, data_fd);
	close(data_fd);
	ASSERT_EQ(0, mig_set(dev, VFIO_DEVICE_STATE_RUNNING, &other));
	ASSERT_EQ(-1, other);
	/* And lm sees every state VFIO set. */
	ASSERT_EQ(LM_MIG_STATE_RUNNING, lm_get_state(self->fd, 0));

	/* Not states: refused, nothing moves. */
	ASSERT_EQ(-EINVAL, mig_set(dev, VFIO_DEVICE_STATE_ERROR, NULL));
	ASSERT_EQ(-EINVAL, mig_set(dev, 8, NULL));
	ASSERT_EQ(VFIO_DEVICE_STATE_RUNNING, mig_get(dev));
}

/* Save on VF A through VFIO, restore on VF B through VFIO. */
TEST_F(vfio, stop_copy_to_other_vf)
{
	struct vfio_device_feature_mig_data_size size = {};
	struct vfio_precopy_info pi;
	int data_fd, ret;
	void *stream = NULL;
	ssize_t len;

	ASSERT_EQ(0, vfio_feature(self->dev[0], VFIO_DEVICE_FEATURE_GET |
				  VFIO_DEVICE_FEATURE_MIG_DATA_SIZE,
				  &size, sizeof(size)));
	ASSERT_EQ(0, mig_set(self->dev[0], VFIO_DEVICE_STATE_STOP_COPY,
			     &data_fd));
	ASSERT_TRUE(lm_fd_cloexec(data_fd));
	/* Not in PRE_COPY: no precopy information. */
	ASSERT_EQ(-EINVAL, precopy_info(data_fd, &pi));
	len = lm_read_stream(data_fd, &stream);
	ASSERT_LT(0, len);
	TH_LOG("%zd stream bytes, %llu estimated", len,
	       (unsigned long long)size.stop_copy_length);
	/* The end is final: read() keeps returning 0. */
	ASSERT_EQ(0, read(data_fd, &ret, 1));
	close(data_fd);
	ASSERT_EQ(0, mig_set(self->dev[0], VFIO_DEVICE_STATE_STOP, NULL));

	ASSERT_EQ(0, mig_set(self->dev[1], VFIO_DEVICE_STATE_STOP, NULL));
	ASSERT_EQ(0, mig_set(self->dev[1], VFIO_DEVICE_STATE_RESUMING,
			     &data_fd));
	ASSERT_LE(0, data_fd);
	ASSERT_EQ(0, lm_write_all(data_fd, stream, len, 4096));
	ret = mig_set(self->dev[1], VFIO_DEVICE_STATE_RUNNING, NULL);
	close(data_fd);
	free(stream);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(VFIO_DEVICE_STATE_RUNNING, mig_get(self->dev[1]));
	ASSERT_EQ(0, mig_set(self->dev[0], VFIO_DEVICE_STATE_RUNNING, NULL));
}

/* VFIO_MIG_GET_PRECOPY_INFO on the data file, as QEMU asks it. */
TEST_F(vfio, precopy_info)
{
	struct vfio_precopy_info pi;
	size_t total = 0;
	char buf[4096];
	int data_fd;
	ssize_t n;

	if (!(self->info.mig_caps & LM_MIG_PRE_COPY))
		SKIP(return, "the controller has no PRE_COPY");
	ASSERT_EQ(0, mig_set(self->dev[0], VFIO_DEVICE_STATE_PRE_COPY,
			     &data_fd));
	ASSERT_EQ(0, precopy_info(data_fd, &pi));
	ASSERT_LT(0, pi.initial_bytes);
	/* The initial image, to its temporary end. */
	while ((n = read(data_fd, buf, sizeof(buf))) > 0)
		total += n;
	ASSERT_EQ(-1, n);
	ASSERT_EQ(ENOMSG, errno);
	ASSERT_LE(pi.initial_bytes, total);
	ASSERT_EQ(0, precopy_info(data_fd, &pi));
	ASSERT_EQ(0, pi.initial_bytes);
	ASSERT_EQ(0, pi.dirty_bytes);
	/* A short argsz is refused. */
	pi.argsz = 8;
	ASSERT_EQ(-1, ioctl(data_fd, VFIO_MIG_GET_PRECOPY_INFO, &pi));
	ASSERT_EQ(EINVAL, errno);

	/* Then the rest in STOP_COPY, on the same file, to its end. */
	ASSERT_EQ(0, mig_set(self->dev[0], VFIO_DEVICE_STATE_STOP_COPY, NULL));
	while ((n = read(data_fd, buf, sizeof(buf))) > 0)
		total += n;
	ASSERT_EQ(0, n);
	close(data_fd);
	ASSERT_EQ(0, mig_set(self->dev[0], VFIO_DEVICE_STATE_RUNNING, NULL));
}

/*
 * Hostile streams written to the VFIO data file: the core's errnos; the
 * destination is left in ERROR or where it was, and VFIO_DEVICE_RESET (an
 * FLR of the VF) brings it back to RUNNING, where it migrates again.
 */
TEST_F(vfio, hostile_streams)
{
	struct lm_stream_header hdr;
	const void *payloads[1];
	size_t lens[1], flen;
	uint8_t *bad, *foreign;
	int data_fd, ret;
	void *stream = NULL;
	ssize_t len;

	ASSERT_EQ(0, mig_set(self->dev[0], VFIO_DEVICE_STATE_STOP_COPY,
			     &data_fd));
	len = lm_read_stream(data_fd, &stream);
	close(data_fd);
	ASSERT_LT((ssize_t)(sizeof(hdr) + sizeof(struct lm_record_header)),
		  len);
	ASSERT_EQ(0, mig_set(self->dev[0], VFIO_DEVICE_STATE_RUNNING, NULL));

	/* A flipped bit in the first record's payload: its checksum fails. */
	bad = malloc(len);
	ASSERT_NE(NULL, bad);
	memcpy(bad, stream, len);
	bad[sizeof(hdr) + sizeof(struct lm_record_header)] ^= 0x10;
	ASSERT_EQ(0, mig_set(self->dev[1], VFIO_DEVICE_STATE_RESUMING,
			     &data_fd));
	ASSERT_EQ(-EBADMSG, lm_write_all(data_fd, bad, len, len));
	close(data_fd);
	/* The stream never completed: leaving RESUMING fails into ERROR. */
	ASSERT_EQ(-ENODATA, mig_set(self->dev[1], VFIO_DEVICE_STATE_STOP,
				    NULL));
	ASSERT_EQ(VFIO_DEVICE_STATE_ERROR, mig_get(self->dev[1]));
	ASSERT_EQ(-EINVAL, mig_set(self->dev[1], VFIO_DEVICE_STATE_RUNNING,
				   NULL));
	ASSERT_EQ(0, ioctl(self->dev[1], VFIO_DEVICE_RESET));
	ASSERT_EQ(VFIO_DEVICE_STATE_RUNNING, mig_get(self->dev[1]));
	ASSERT_EQ(LM_MIG_STATE_RUNNING, lm_get_state(self->fd, 1));

	/* Cut short. */
	ASSERT_EQ(0, mig_set(self->dev[1], VFIO_DEVICE_STATE_RESUMING,
			     &data_fd));
	ASSERT_EQ(0, lm_write_all(data_fd, stream, len - 1, len));
	close(data_fd);
	ASSERT_EQ(-ENODATA, mig_set(self->dev[1], VFIO_DEVICE_STATE_STOP,
				    NULL));
	ASSERT_EQ(0, ioctl(self->dev[1], VFIO_DEVICE_RESET));

	/* Another device model's stream (compatibility key): refused. */
	memcpy(&hdr, stream, sizeof(hdr));
	hdr.compat[0] ^= 1;
	hdr.checksum = htole64(xxh64(&hdr, offsetof(struct lm_stream_header,
						     checksum), 0));
	payloads[0] = (uint8_t *)stream + sizeof(hdr) +
		      sizeof(struct lm_record_header);
	lens[0] = le64toh(((struct lm_record_header *)
			   ((uint8_t *)stream + sizeof(hdr)))->length);
	foreign = lm_stream_wrap(&hdr, payloads, lens, 1, &flen);
	ASSERT_NE(NULL, foreign);
	ASSERT_EQ(0, mig_set(self->dev[1], VFIO_DEVICE_STATE_RESUMING,
			     &data_fd));
	ret = lm_write_all(data_fd, foreign, flen, flen);
	close(data_fd);
	free(foreign);
	ASSERT_EQ(-EXDEV, ret);
	ASSERT_EQ(-ENODATA, mig_set(self->dev[1], VFIO_DEVICE_STATE_STOP,
				    NULL));
	ASSERT_EQ(0, ioctl(self->dev[1], VFIO_DEVICE_RESET));

	/* After all that, the real stream goes in. */
	ASSERT_EQ(0, mig_set(self->dev[1], VFIO_DEVICE_STATE_RESUMING,
			     &data_fd));
	ASSERT_EQ(0, lm_write_all(data_fd, stream, len, len));
	close(data_fd);
	ASSERT_EQ(0, mig_set(self->dev[1], VFIO_DEVICE_STATE_RUNNING, NULL));
	free(bad);
	free(stream);
}

/* Closing the VFIO device ends what its user left: RUNNING, no session. */
TEST_F(vfio, close_resets)
{
	int data_fd;
	char byte;

	ASSERT_EQ(0, mig_set(self->dev[0], VFIO_DEVICE_STATE_STOP_COPY,
			     &data_fd));
	close(self->dev[0]);
	self->dev[0] = -1;
	ASSERT_EQ(LM_MIG_STATE_RUNNING, lm_get_state(self->fd, 0));
	ASSERT_EQ(-1, read(data_fd, &byte, 1));
	ASSERT_EQ(EINVAL, errno);
	close(data_fd);
	self->dev[0] = open_dev(self, 0);
	ASSERT_LE(0, self->dev[0]);
	ASSERT_EQ(VFIO_DEVICE_STATE_RUNNING, mig_get(self->dev[0]));
}

struct unbind_arg {
	const char *pf;
	int ret;
};

static void *unbind_pf(void *p)
{
	struct unbind_arg *a = p;

	a->ret = unbind(a->pf);
	return NULL;
}

/*
 * The controlling function unbound while a VFIO device of its VF is open:
 * the unbind waits for the VFIO user, whose migration requests meanwhile
 * fail with ENODEV; nothing crashes, and the controller comes back.
 */
TEST_F(vfio, pf_unbind_under_open_device)
{
	struct unbind_arg a = { .pf = self->pf };
	char lmdir[PATH_MAX];
	pthread_t t;
	int i;

	close(self->fd);
	self->fd = -1;
	close(self->dev[1]);
	self->dev[1] = -1;
	snprintf(lmdir, sizeof(lmdir), PCI_DEVICES "/%s/lm", self->pf);
	ASSERT_EQ(0, pthread_create(&t, NULL, unbind_pf, &a));
	for (i = 0; i < 200 && path_exists("%s", lmdir); i++)
		usleep(50 * 1000);
	ASSERT_FALSE(path_exists("%s", lmdir));
	ASSERT_EQ(-ENODEV, mig_set(self->dev[0], VFIO_DEVICE_STATE_STOP,
				   NULL));
	ASSERT_EQ(-ENODEV, mig_get(self->dev[0]));

	close(self->dev[0]);
	self->dev[0] = -1;
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(0, a.ret);

	/* nvme-lm takes the controller again (driver_override is kept). */
	ASSERT_EQ(0, sysfs_write("/sys/bus/pci/drivers/nvme-lm/bind",
				 self->pf));
	self->fd = open_lm(self->pf);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, lm_device_info(self->fd, &self->info));
}

TEST_HARNESS_MAIN
