/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the tests of nvme-lm on an emulated NVMe controller share: sysfs,
 * the primary controller and its VFs, the stock nvme driver on a VF, the
 * kernel log, provisioning through /dev/lmN.
 */
#ifndef NVME_LM_TEST_UTIL_H
#define NVME_LM_TEST_UTIL_H

#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "lm_util.h"

#define PCI_DEVICES "/sys/bus/pci/devices"
#define NVME_DRIVER "/sys/bus/pci/drivers/nvme"
#define NVME_LM_DRIVER "/sys/bus/pci/drivers/nvme-lm"

static inline int sysfs_write(const char *path, const char *val)
{
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static inline int sysfs_writef(const char *val, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return sysfs_write(path, val);
}

/* Read a sysfs value, newline removed; bytes or -errno. */
static inline int sysfs_readf(char *buf, size_t len, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	ssize_t n;
	int fd;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return n;
}

static inline bool path_exists(const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return access(path, F_OK) == 0;
}

/* The primary controller: $NVME_LM_PF or the first function with SR-IOV. */
static inline int find_pf(char *bdf, size_t len)
{
	const char *env = getenv("NVME_LM_PF");
	struct dirent *de;
	DIR *dir;
	int ret = -ENODEV;

	if (env && *env) {
		snprintf(bdf, len, "%s", env);
		return 0;
	}
	dir = opendir(PCI_DEVICES);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' ||
		    !path_exists(PCI_DEVICES "/%s/sriov_totalvfs", de->d_name))
			continue;
		snprintf(bdf, len, "%s", de->d_name);
		ret = 0;
		break;
	}
	closedir(dir);
	return ret;
}

/* Open the lm device of @pf: /dev/lmN of /sys/bus/pci/devices/PF/lm/lmN. */
static inline int open_lm(const char *pf)
{
	char path[PATH_MAX];
	struct dirent *de;
	int fd = -ENOENT;
	DIR *dir;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/lm", pf);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, "lm", 2))
			continue;
		snprintf(path, sizeof(path), "/dev/%s", de->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
		break;
	}
	closedir(dir);
	return fd;
}

/* The BDF of VF @vfn (1-based) of @pf; 0 or -errno. */
static inline int vf_bdf(const char *pf, unsigned int vfn, char *bdf,
			 size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/virtfn%u", pf, vfn - 1);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = 0;
	snprintf(bdf, len, "%s", strrchr(target, '/') + 1);
	return 0;
}

static inline unsigned int bdf_value(const char *bdf)
{
	unsigned int dom, bus, dev, fn;

	if (sscanf(bdf, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4)
		return ~0U;
	return bus << 8 | dev << 3 | fn;
}

static inline bool bound(const char *bdf)
{
	return path_exists(PCI_DEVICES "/%s/driver", bdf);
}

static inline int unbind(const char *bdf)
{
	if (!bound(bdf))
		return 0;
	return sysfs_writef(bdf, PCI_DEVICES "/%s/driver/unbind", bdf);
}

/*
 * The namespace block device of the nvme controller on @bdf, waiting up to
 * @secs for the driver to probe and scan: "/dev/nvmeXnY".
 */
static inline int wait_blockdev(const char *bdf, char *dev, size_t len,
				int secs)
{
	char path[PATH_MAX];
	struct dirent *de, *ns;
	DIR *ctrls, *nss;
	int tenths;

	for (tenths = secs * 10; tenths > 0; tenths--) {
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/nvme", bdf);
		ctrls = opendir(path);
		while (ctrls && (de = readdir(ctrls))) {
			if (strncmp(de->d_name, "nvme", 4))
				continue;
			snprintf(path, sizeof(path), PCI_DEVICES "/%s/nvme/%s",
				 bdf, de->d_name);
			nss = opendir(path);
			while (nss && (ns = readdir(nss))) {
				if (strncmp(ns->d_name, de->d_name,
					    strlen(de->d_name)) ||
				    ns->d_name[strlen(de->d_name)] != 'n')
					continue;
				snprintf(dev, len, "/dev/%s", ns->d_name);
				if (access(dev, F_OK))
					continue;
				closedir(nss);
				closedir(ctrls);
				return 0;
			}
			if (nss)
				closedir(nss);
		}
		if (ctrls)
			closedir(ctrls);
		usleep(100000);
	}
	return -ETIMEDOUT;
}

/*
 * Bind the stock nvme driver to @bdf and find its namespace in @secs. With
 * sriov_drivers_autoprobe off a VF only binds to the driver it is
 * overridden to.
 */
static inline int nvme_attach_wait(const char *bdf, char *dev, size_t len,
				   int secs)
{
	int ret = sysfs_writef("nvme", PCI_DEVICES "/%s/driver_override", bdf);

	if (!ret)
		ret = sysfs_write(NVME_DRIVER "/bind", bdf);
	return ret ?: wait_blockdev(bdf, dev, len, secs);
}

static inline int nvme_attach(const char *bdf, char *dev, size_t len)
{
	return nvme_attach_wait(bdf, dev, len, 120);
}

static inline void fill(uint8_t *buf, size_t len, uint64_t seed)
{
	uint64_t *w = (uint64_t *)buf;
	size_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = lm_splitmix64(seed + i);
}

/* The kernel log from now on, to find what an action logged. */
struct kmsg {
	int fd;
};

static inline int kmsg_mark(struct kmsg *k)
{
	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0)
		return -errno;
	lseek(k->fd, 0, SEEK_END);
	return 0;
}

/* Lines since the mark that contain @needle (all lines with @from_start). */
static inline int kmsg_count(struct kmsg *k, const char *needle,
			     bool from_start)
{
	char rec[8192];
	int count = 0;
	ssize_t n;

	if (from_start)
		lseek(k->fd, 0, SEEK_SET);
	for (;;) {
		n = read(k->fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = 0;
		if (strstr(rec, needle))
			count++;
	}
	return count;
}

/* Wait up to @secs for a line containing @needle after what was read. */
static inline int kmsg_wait(struct kmsg *k, const char *needle, int secs)
{
	int tenths, count = 0;

	for (tenths = secs * 10; tenths > 0; tenths--) {
		count += kmsg_count(k, needle, false);
		if (count)
			break;
		usleep(100000);
	}
	return count;
}

static inline void kmsg_done(struct kmsg *k)
{
	if (k->fd >= 0)
		close(k->fd);
}

static inline int provision(int fd, uint32_t fn, uint32_t queues,
			    uint32_t irqs, uint32_t online)
{
	return lm_provision(fd, fn, LM_PROV_QUEUES | LM_PROV_IRQS |
				    LM_PROV_ONLINE,
			    queues, irqs, online, 0);
}

/*
 * Every VF unbound, every secondary controller offline and without
 * resources, VFs disabled.
 */
static inline int reset_all(const char *pf, int fd, unsigned int nfns)
{
	struct lm_fn_info info;
	char bdf[300];
	unsigned int i;
	int ret;

	for (i = 1; i <= nfns; i++)
		if (!vf_bdf(pf, i, bdf, sizeof(bdf)))
			unbind(bdf);
	for (i = 0; i < nfns; i++) {
		ret = lm_fn_info(fd, i, &info);
		if (ret)
			return ret;
		if (!(info.fn_flags & LM_FN_ONLINE) && !info.queues &&
		    !info.irqs)
			continue;
		ret = provision(fd, i, 0, 0, 0);
		if (ret)
			return ret;
	}
	return sysfs_writef("0", PCI_DEVICES "/%s/sriov_numvfs", pf);
}

#ifdef __KSELFTEST_HARNESS_H
/*
 * Where every device test starts: the primary controller's address in @pf,
 * its /dev/lmN open in *@fd (-1 where the test skips) and its info in
 * *@info, every secondary controller reset (reset_all()). Skips the test
 * when there is no controller with SR-IOV or nvme-lm does not have it.
 */
static inline bool nvme_lm_pf_open(struct __test_metadata *_metadata,
				   char *pf, size_t len, int *fd,
				   struct lm_device_info *info)
{
	*fd = -1;
	if (find_pf(pf, len))
		SKIP(return false, "no PCI function with SR-IOV");
	*fd = open_lm(pf);
	if (*fd == -ENOENT)
		SKIP(return false, "%s is not bound to nvme-lm", pf);
	ASSERT_LE(0, *fd);
	ASSERT_EQ(0, lm_device_info(*fd, info));
	ASSERT_EQ(0, reset_all(pf, *fd, info->num_fns));
	return true;
}
#endif

#endif /* NVME_LM_TEST_UTIL_H */
