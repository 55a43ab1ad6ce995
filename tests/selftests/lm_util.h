/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the lm selftests: simulated devices through lm_sim's
 * debugfs, and thin wrappers over the lm ioctls that return -errno.
 */
#ifndef LM_SELFTEST_UTIL_H
#define LM_SELFTEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/lm.h>

#define LM_SIM_DEBUGFS "/sys/kernel/debug/lm_sim"
#define LM_ALL_CAPS (LM_MIG_STOP_COPY | LM_MIG_P2P | LM_MIG_PRE_COPY)

/* A simulated controlling function and an open /dev/lmN for it. */
struct lm_sim {
	int id;		/* K of /sys/kernel/debug/lm_sim/simK */
	char name[16];	/* lmN */
	int fd;		/* /dev/lmN, O_RDWR */
};

/* Create a simulated device; 0 or -errno. */
static inline int lm_sim_new(struct lm_sim *sim, unsigned int nfns,
			     unsigned int caps, uint64_t memory)
{
	char buf[64], path[64];
	ssize_t n;
	int fd, ret = 0;

	fd = open(LM_SIM_DEBUGFS "/new", O_RDWR);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%u %u %llu", nfns, caps,
		     (unsigned long long)memory);
	if (write(fd, buf, n) != n) {
		ret = -errno;
		goto out;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0) {
		ret = n < 0 ? -errno : -EIO;
		goto out;
	}
	buf[n] = 0;
	if (sscanf(buf, "sim%d %15s", &sim->id, sim->name) != 2) {
		ret = -EPROTO;
		goto out;
	}
	snprintf(path, sizeof(path), "/dev/%s", sim->name);
	sim->fd = open(path, O_RDWR | O_CLOEXEC);
	if (sim->fd < 0)
		ret = -errno;
out:
	close(fd);
	return ret;
}

/* Write a string to a debugfs knob of the device (fn < 0) or a function. */
static inline int lm_sim_set(const struct lm_sim *sim, int fn, const char *knob,
			     const char *fmt, ...)
{
	char path[128], buf[128];
	va_list ap;
	ssize_t n;
	int fd, ret = 0;

	if (fn < 0)
		snprintf(path, sizeof(path), LM_SIM_DEBUGFS "/sim%d/%s",
			 sim->id, knob);
	else
		snprintf(path, sizeof(path), LM_SIM_DEBUGFS "/sim%d/fn%d/%s",
			 sim->id, fn, knob);
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, n) != n)
		ret = -errno;
	close(fd);
	return ret;
}

/* Read a debugfs knob into buf (NUL terminated); bytes read or -errno. */
static inline ssize_t lm_sim_get(const struct lm_sim *sim, int fn,
				 const char *knob, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	if (fn < 0)
		snprintf(path, sizeof(path), LM_SIM_DEBUGFS "/sim%d/%s",
			 sim->id, knob);
	else
		snprintf(path, sizeof(path), LM_SIM_DEBUGFS "/sim%d/fn%d/%s",
			 sim->id, fn, knob);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = 0;
	close(fd);
	return n;
}

/* Remove the simulated device (a surprise removal); closes nothing. */
static inline int lm_sim_remove(const struct lm_sim *sim)
{
	return lm_sim_set(sim, -1, "remove", "1");
}

static inline void lm_sim_destroy(struct lm_sim *sim)
{
	lm_sim_remove(sim);
	if (sim->fd >= 0)
		close(sim->fd);
	sim->fd = -1;
}

/* The digest of a function's whole state, 0 on error. */
static inline uint64_t lm_sim_digest(const struct lm_sim *sim, int fn)
{
	char buf[32];

	if (lm_sim_get(sim, fn, "digest", buf, sizeof(buf)) <= 0)
		return 0;
	return strtoull(buf, NULL, 16);
}

/* One value of a function's stats file, or -1. */
static inline long long lm_sim_stat(const struct lm_sim *sim, int fn,
				    const char *key)
{
	char buf[512], *p;
	size_t klen = strlen(key);

	if (lm_sim_get(sim, fn, "stats", buf, sizeof(buf)) <= 0)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, klen) && p[klen] == ' ')
			return strtoll(p + klen + 1, NULL, 0);
	return -1;
}

/* lm_sim's fill pattern: 64-bit word i of the state is splitmix64(seed + i). */
static inline uint64_t lm_splitmix64(uint64_t x)
{
	uint64_t z = x + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline int lm_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

/* Request a migration state; *data_fd gets the new data file or -1. */
static inline int lm_set_state(int fd, uint32_t fn, uint32_t state,
			       int *data_fd)
{
	struct lm_fn_mig_state ms = {
		.size = sizeof(ms),
		.fn = fn,
		.device_state = state,
		.data_fd = -1,
	};
	int ret = lm_ioctl(fd, LM_FN_SET_STATE, &ms);

	if (data_fd)
		*data_fd = ret ? -1 : ms.data_fd;
	else if (!ret && ms.data_fd >= 0)
		close(ms.data_fd);
	return ret;
}

/* The function's migration state, or -errno. */
static inline int lm_get_state(int fd, uint32_t fn)
{
	struct lm_fn_mig_state ms = { .size = sizeof(ms), .fn = fn };
	int ret = lm_ioctl(fd, LM_FN_GET_STATE, &ms);

	return ret ? ret : (int)ms.device_state;
}

static inline int lm_set_migratable(int fd, uint32_t fn, bool enable)
{
	struct lm_fn_migratable m = {
		.size = sizeof(m),
		.fn = fn,
		.enable = enable,
	};

	return lm_ioctl(fd, LM_FN_SET_MIGRATABLE, &m);
}

static inline int lm_reset(int fd, uint32_t fn)
{
	struct lm_fn_reset r = { .size = sizeof(r), .fn = fn };

	return lm_ioctl(fd, LM_FN_RESET, &r);
}

static inline int lm_fn_info(int fd, uint32_t fn, struct lm_fn_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->fn = fn;
	return lm_ioctl(fd, LM_FN_INFO, info);
}

static inline int lm_device_info(int fd, struct lm_device_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return lm_ioctl(fd, LM_DEVICE_INFO, info);
}

/* Read a whole save stream until EOF (STOP_COPY); bytes or -errno. */
static inline ssize_t lm_read_all(int data_fd, int out_fd, size_t chunk)
{
	char *buf = malloc(chunk);
	ssize_t total = 0, n;

	if (!buf)
		return -ENOMEM;
	while ((n = read(data_fd, buf, chunk)) > 0) {
		if (out_fd >= 0 && write(out_fd, buf, n) != n) {
			n = -1;
			break;
		}
		total += n;
	}
	if (n < 0)
		total = -errno;
	free(buf);
	return total;
}

#endif /* LM_SELFTEST_UTIL_H */
