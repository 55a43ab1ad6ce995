// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * liblm: devices by name, /dev/lmN and its ioctls.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "private.h"

#define LM_SYSFS_CLASS "/sys/class/lm"

static const char *const lm_state_names[] = {
	[LM_MIG_STATE_ERROR] = "error",
	[LM_MIG_STATE_STOP] = "stop",
	[LM_MIG_STATE_RUNNING] = "running",
	[LM_MIG_STATE_STOP_COPY] = "stop_copy",
	[LM_MIG_STATE_RESUMING] = "resuming",
	[LM_MIG_STATE_RUNNING_P2P] = "running_p2p",
	[LM_MIG_STATE_PRE_COPY] = "pre_copy",
	[LM_MIG_STATE_PRE_COPY_P2P] = "pre_copy_p2p",
};

const char *lm_lib_version(void)
{
	return LIBLM_VERSION;
}

const char *lm_mig_state_name(uint32_t state)
{
	if (state >= LM_ARRAY_SIZE(lm_state_names))
		return "unknown";
	return lm_state_names[state];
}

int lm_mig_state_parse(const char *name, uint32_t *state)
{
	uint32_t i;

	if (!name)
		return -EINVAL;
	for (i = 0; i < LM_ARRAY_SIZE(lm_state_names); i++) {
		if (!strcmp(name, lm_state_names[i])) {
			*state = i;
			return 0;
		}
	}
	return -EINVAL;
}

void lm_strlcpy_pad(char *dst, const char *src, size_t size)
{
	size_t len = strnlen(src, size - 1);

	memcpy(dst, src, len);
	memset(dst + len, 0, size - len);
}

int lm_parse_id(const char *s, uint32_t *val)
{
	unsigned long long v = 0;
	const char *p;

	if (!*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long long)(*p - '0');
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	*val = (uint32_t)v;
	return 0;
}

/* The last component of what the symbolic link @path points to, in @buf. */
static int lm_link_base(const char *path, char *buf, size_t size)
{
	char link[PATH_MAX];
	const char *base;
	size_t len;
	ssize_t n;

	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = 0;
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	len = strlen(base);
	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(buf, base, len + 1);
	return 0;
}

/* The parent of /sys/class/lm/@name: the basename of its "device" link. */
static int lm_sysfs_parent(const char *name, char *buf, size_t size)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), LM_SYSFS_CLASS "/%s/device", name);
	return lm_link_base(path, buf, size);
}

/*
 * "BB:DD.F" stands for "0000:BB:DD.F"; anything else is looked up as
 * written.
 */
static void lm_normalize_parent(const char *name, char *buf, size_t size)
{
	unsigned int bus, dev, fn;
	int end = 0;

	if (sscanf(name, "%2x:%2x.%1x%n", &bus, &dev, &fn, &end) == 3 &&
	    end == (int)strlen(name) && end == 7)
		snprintf(buf, size, "0000:%s", name);
	else
		snprintf(buf, size, "%s", name);
}

int lm_lookup(const char *name, uint32_t *id)
{
	char want[LM_PARENT_MAX + 8], parent[PATH_MAX];
	struct dirent *de;
	uint32_t n;
	DIR *dir;
	int ret;

	if (!name || !*name)
		return -EINVAL;
	if (!strncmp(name, "lm", 2) && name[2] >= '0' && name[2] <= '9') {
		char path[64];

		ret = lm_parse_id(name + 2, &n);
		if (ret)
			return -EINVAL;
		snprintf(path, sizeof(path), LM_SYSFS_CLASS "/lm%u", n);
		if (access(path, F_OK))
			return errno == ENOENT ? -ENOENT : -errno;
		*id = n;
		return 0;
	}
	if (!strncmp(name, "lm", 2) && !name[2])
		return -EINVAL;

	lm_normalize_parent(name, want, sizeof(want));
	dir = opendir(LM_SYSFS_CLASS);
	if (!dir)
		return errno == ENOENT ? -ENOENT : -errno;
	ret = -ENOENT;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, "lm", 2) ||
		    lm_parse_id(de->d_name + 2, &n))
			continue;
		if (lm_sysfs_parent(de->d_name, parent, sizeof(parent)))
			continue;
		if (!strcmp(parent, want)) {
			*id = n;
			ret = 0;
			break;
		}
	}
	closedir(dir);
	return ret;
}

static int lm_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

int lm_dev_open(uint32_t id, struct lm_dev **devp)
{
	struct lm_dev *dev;
	char path[32];
	int ret;

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->id = id;
	snprintf(path, sizeof(path), "/dev/lm%u", id);
	dev->fd = open(path, O_RDWR | O_CLOEXEC);
	if (dev->fd < 0) {
		ret = -errno;
		free(dev);
		return ret;
	}
	dev->info.size = sizeof(dev->info);
	ret = lm_ioctl(dev->fd, LM_DEVICE_INFO, &dev->info);
	if (ret) {
		lm_dev_close(dev);
		return ret;
	}
	*devp = dev;
	return 0;
}

void lm_dev_close(struct lm_dev *dev)
{
	if (!dev)
		return;
	close(dev->fd);
	free(dev);
}

uint32_t lm_dev_id(const struct lm_dev *dev)
{
	return dev->id;
}

int lm_dev_fd(const struct lm_dev *dev)
{
	return dev->fd;
}

const struct lm_device_info *lm_dev_info(const struct lm_dev *dev)
{
	return &dev->info;
}

int lm_dev_fn_info(struct lm_dev *dev, uint32_t fn,
		   struct lm_fn_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->fn = fn;
	return lm_ioctl(dev->fd, LM_FN_INFO, info);
}

int lm_dev_fn_set_state(struct lm_dev *dev, uint32_t fn,
			uint32_t state, int *data_fd)
{
	struct lm_fn_mig_state ms = {
		.size = sizeof(ms),
		.fn = fn,
		.device_state = state,
		.data_fd = -1,
	};
	int ret = lm_ioctl(dev->fd, LM_FN_SET_STATE, &ms);

	if (data_fd)
		*data_fd = ret ? -1 : ms.data_fd;
	else if (!ret && ms.data_fd >= 0)
		close(ms.data_fd);
	return ret;
}

int lm_dev_fn_get_state(struct lm_dev *dev, uint32_t fn,
			uint32_t *state)
{
	struct lm_fn_mig_state ms = { .size = sizeof(ms), .fn = fn };
	int ret = lm_ioctl(dev->fd, LM_FN_GET_STATE, &ms);

	if (!ret)
		*state = ms.device_state;
	return ret;
}

int lm_dev_fn_data_size(struct lm_dev *dev, uint32_t fn,
			uint64_t *bytes)
{
	struct lm_fn_data_size ds = { .size = sizeof(ds), .fn = fn };
	int ret = lm_ioctl(dev->fd, LM_FN_DATA_SIZE, &ds);

	if (!ret)
		*bytes = ds.stop_copy_length;
	return ret;
}

int lm_dev_fn_reset(struct lm_dev *dev, uint32_t fn)
{
	struct lm_fn_reset r = { .size = sizeof(r), .fn = fn };

	return lm_ioctl(dev->fd, LM_FN_RESET, &r);
}

int lm_data_precopy_info(int data_fd, uint64_t *initial_bytes,
			 uint64_t *dirty_bytes)
{
	struct lm_precopy_info info = { .size = sizeof(info) };
	int ret = lm_ioctl(data_fd, LM_PRECOPY_INFO, &info);

	if (ret)
		return ret;
	if (initial_bytes)
		*initial_bytes = info.initial_bytes;
	if (dirty_bytes)
		*dirty_bytes = info.dirty_bytes;
	return 0;
}

int lm_fn_iommu_group(const struct lm_fn_desc *desc)
{
	char path[PATH_MAX], base[64], *end;
	long group;
	int ret;

	if (!desc->pci)
		return -ENODEV;
	snprintf(path, sizeof(path),
		 "/sys/bus/pci/devices/%04x:%02x:%02x.%x/iommu_group",
		 desc->pci_domain, (desc->pci_bdf >> 8) & 0xff,
		 (desc->pci_bdf >> 3) & 0x1f, desc->pci_bdf & 7);
	ret = lm_link_base(path, base, sizeof(base));
	if (ret)
		return ret == -ENAMETOOLONG ? -EPROTO : ret;
	errno = 0;
	group = strtol(base, &end, 10);
	if (errno || end == base || *end || group < 0 || group > INT32_MAX)
		return -EPROTO;
	return (int)group;
}
