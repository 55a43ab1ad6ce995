/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the lm selftests: simulated devices through lm_sim's
 * debugfs, and thin wrappers over the lm ioctls that return -errno.
 */
#ifndef LM_SELFTEST_UTIL_H
#define LM_SELFTEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
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

/* The path of a debugfs knob of the device (fn < 0) or of a function. */
static inline void lm_sim_path(char *path, size_t len, const struct lm_sim *sim,
			       int fn, const char *knob)
{
	if (fn < 0)
		snprintf(path, len, LM_SIM_DEBUGFS "/sim%d/%s", sim->id, knob);
	else
		snprintf(path, len, LM_SIM_DEBUGFS "/sim%d/fn%d/%s", sim->id,
			 fn, knob);
}

/* Write a string to a debugfs knob of the device (fn < 0) or a function. */
static inline int lm_sim_set(const struct lm_sim *sim, int fn, const char *knob,
			     const char *fmt, ...)
{
	char path[128], buf[128];
	va_list ap;
	ssize_t n;
	int fd, ret = 0;

	lm_sim_path(path, sizeof(path), sim, fn, knob);
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

	lm_sim_path(path, sizeof(path), sim, fn, knob);
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

/* Wrappers for the remaining ioctls, same conventions as above. */

static inline int lm_provision(int fd, uint32_t fn, uint32_t flags,
			       uint32_t queues, uint32_t irqs, uint32_t online,
			       uint64_t memory)
{
	struct lm_fn_provision prov = {
		.size = sizeof(prov),
		.flags = flags,
		.fn = fn,
		.queues = queues,
		.irqs = irqs,
		.online = online,
		.memory = memory,
	};

	return lm_ioctl(fd, LM_FN_PROVISION, &prov);
}

/* The STOP_COPY stream size estimate of a function; 0 or -errno. */
static inline int lm_data_size(int fd, uint32_t fn, uint64_t *length)
{
	struct lm_fn_data_size ds = { .size = sizeof(ds), .fn = fn };
	int ret = lm_ioctl(fd, LM_FN_DATA_SIZE, &ds);

	if (!ret)
		*length = ds.stop_copy_length;
	return ret;
}

/* Is FD_CLOEXEC set on fd? */
static inline bool lm_fd_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	return flags >= 0 && (flags & FD_CLOEXEC);
}

static inline uint64_t lm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Fill a function's state with lm_sim's pattern for seed. */
static inline int lm_sim_fill(const struct lm_sim *sim, int fn, uint64_t seed)
{
	return lm_sim_set(sim, fn, "fill", "%llu", (unsigned long long)seed);
}

/* Forget the arcs a function's driver was asked for so far. */
static inline int lm_sim_arcs_clear(const struct lm_sim *sim, int fn)
{
	return lm_sim_set(sim, fn, "arcs", "0");
}

/*
 * The single arcs the core asked of a function's driver since the last
 * read or clear, in order: arcs[i][0] -> arcs[i][1]. Reading clears them.
 * Returns their number (at most max) or -errno.
 */
static inline int lm_sim_arcs(const struct lm_sim *sim, int fn,
			      uint32_t arcs[][2], int max)
{
	char buf[1024], *p;
	unsigned int cur, next;
	int n = 0, len;
	ssize_t ret;

	ret = lm_sim_get(sim, fn, "arcs", buf, sizeof(buf));
	if (ret < 0)
		return ret;
	for (p = buf; sscanf(p, " %u>%u%n", &cur, &next, &len) == 2; p += len) {
		if (n == max)
			return -E2BIG;
		arcs[n][0] = cur;
		arcs[n][1] = next;
		n++;
	}
	return n;
}

/* Write all of buf to fd in pieces of at most chunk bytes; 0 or -errno. */
static inline int lm_write_all(int fd, const void *buf, size_t len,
			       size_t chunk)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len < chunk ? len : chunk);

		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * Read a save stream until EOF into a new buffer (*bufp, free() it);
 * its length or -errno.
 */
static inline ssize_t lm_read_stream(int data_fd, void **bufp)
{
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap), *bigger;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			bigger = realloc(buf, cap * 2);
			if (!bigger) {
				free(buf);
				return -ENOMEM;
			}
			buf = bigger;
			cap *= 2;
		}
		n = read(data_fd, buf + len, cap - len);
		if (n <= 0)
			break;
		len += n;
	}
	if (n < 0) {
		n = -errno;
		free(buf);
		return n;
	}
	*bufp = buf;
	return len;
}

/*
 * Save a migratable function in RUNNING: take it through STOP_COPY, read the
 * whole stream into *bufp (free() it) and return it to RUNNING. Returns the
 * stream length or -errno.
 */
static inline ssize_t lm_save_fn(int fd, uint32_t fn, void **bufp)
{
	ssize_t len;
	int data_fd, ret;

	ret = lm_set_state(fd, fn, LM_MIG_STATE_STOP_COPY, &data_fd);
	if (ret)
		return ret;
	if (data_fd < 0)
		return -EBADF;
	len = lm_read_stream(data_fd, bufp);
	close(data_fd);
	ret = lm_set_state(fd, fn, LM_MIG_STATE_RUNNING, NULL);
	if (ret && len >= 0) {
		free(*bufp);
		return ret;
	}
	return len;
}

/*
 * Run fn(arg) in a child process that has dropped to uid (and gid uid, no
 * supplementary groups), so with no capabilities. Returns what fn returned
 * (0..255, e.g. an errno), or -1 when the child could not drop privileges
 * or did not exit normally.
 */
static inline int lm_run_as(uid_t uid, int (*fn)(void *arg), void *arg)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
		    setresuid(uid, uid, uid))
			_exit(255);
		_exit(fn(arg) & 0xff);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) == 255)
		return -1;
	return WEXITSTATUS(status);
}

#define LM_NOBODY 65534

/* Where the project's modules are: $LM_MODULES, /lm/modules by default. */
static inline const char *lm_modules_dir(void)
{
	const char *dir = getenv("LM_MODULES");

	return dir && *dir ? dir : "/lm/modules";
}

static inline bool lm_module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

/* rmmod without waiting: -EWOULDBLOCK while the module is in use. */
static inline int lm_module_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

/* insmod $LM_MODULES/<name>.ko with params ("" for none); 0 or -errno. */
static inline int lm_module_load(const char *name, const char *params)
{
	char path[256];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s.ko", lm_modules_dir(), name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

/*
 * Migration streams: functions ready to migrate, a user-space check of the
 * stream envelope (include/uapi/linux/lm.h, "Migration data stream"), and
 * copying a save stream to a restore file through a fixed buffer.
 */
#include <endian.h>
#include <poll.h>

#include "xxh64.h"

/*
 * Give a function @bytes of memory and bring it online (it must be RUNNING
 * and not migratable): the change goes with taking it offline, since an
 * online function's resources cannot change, then it comes back online.
 */
static inline int lm_provision_memory(int fd, uint32_t fn, uint64_t bytes)
{
	int ret = lm_provision(fd, fn, LM_PROV_ONLINE | LM_PROV_MEMORY, 0, 0, 0,
			       bytes);

	return ret ?: lm_provision(fd, fn, LM_PROV_ONLINE, 0, 0, 1, 0);
}

/*
 * Make a function of a simulated device ready to migrate with @memory bytes
 * of state: provisioned and online, its background writer idle, migratable.
 */
static inline int lm_sim_prepare_fn(const struct lm_sim *sim, uint32_t fn,
				    uint64_t memory)
{
	struct lm_fn_info info;
	int ret = lm_fn_info(sim->fd, fn, &info);

	if (ret)
		return ret;
	if (info.memory != memory || !(info.fn_flags & LM_FN_ONLINE)) {
		ret = lm_provision_memory(sim->fd, fn, memory);
		if (ret)
			return ret;
	}
	ret = lm_sim_set(sim, fn, "busy", "0");
	if (ret)
		return ret;
	return lm_set_migratable(sim->fd, fn, true);
}

/* Write @len bytes of a function's state at @offset, as the device would. */
static inline int lm_sim_write_state(const struct lm_sim *sim, int fn,
				     uint64_t offset, const void *buf,
				     size_t len)
{
	char path[128];
	ssize_t n;
	int fd, ret = 0;

	snprintf(path, sizeof(path), LM_SIM_DEBUGFS "/sim%d/fn%d/state",
		 sim->id, fn);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = pwrite(fd, buf, len, offset);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

/* The device's compatibility key, without the newline; 0 or -errno. */
static inline int lm_sim_get_compat(const struct lm_sim *sim, char *buf,
				    size_t len)
{
	ssize_t n = lm_sim_get(sim, -1, "compat", buf, len);

	if (n < 0)
		return n;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* Take a migratable function in RUNNING through STOP to RESUMING. */
static inline int lm_restore_start(int fd, uint32_t fn, int *data_fd)
{
	int ret = lm_set_state(fd, fn, LM_MIG_STATE_STOP, NULL);

	if (!ret)
		ret = lm_set_state(fd, fn, LM_MIG_STATE_RESUMING, data_fd);
	if (!ret && *data_fd < 0)
		ret = -EBADF;
	return ret;
}

/* Commit a restore (RESUMING -> STOP) and run the function again. */
static inline int lm_restore_finish(int fd, uint32_t fn)
{
	int ret = lm_set_state(fd, fn, LM_MIG_STATE_STOP, NULL);

	return ret ?: lm_set_state(fd, fn, LM_MIG_STATE_RUNNING, NULL);
}

/*
 * Migrate function @src_fn of the device open on @src_fd into function
 * @dst_fn of the device open on @dst_fd (the same or another), both
 * migratable and in RUNNING: save in STOP_COPY, restore, both back in
 * RUNNING. Returns 0, or -errno of the first step that failed.
 */
static inline int lm_migrate(int src_fd, uint32_t src_fn, int dst_fd,
			     uint32_t dst_fn)
{
	void *stream = NULL;
	ssize_t len = lm_save_fn(src_fd, src_fn, &stream);
	int data_fd, ret;

	if (len < 0)
		return len;
	ret = lm_restore_start(dst_fd, dst_fn, &data_fd);
	if (!ret) {
		ret = lm_write_all(data_fd, stream, len, len);
		if (!ret)
			ret = lm_restore_finish(dst_fd, dst_fn);
		close(data_fd);
	}
	free(stream);
	return ret;
}

static inline int lm_precopy_info(int data_fd, struct lm_precopy_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return lm_ioctl(data_fd, LM_PRECOPY_INFO, info);
}

/*
 * Write a stream to a restore file in pieces of at most @piece bytes.
 * Returns 0, or -errno of the first write that failed; *@accepted is what
 * the file took before that.
 */
static inline int lm_write_pieces(int fd, const void *buf, size_t len,
				  size_t piece, size_t *accepted)
{
	const char *p = buf;
	size_t done = 0;
	ssize_t n;
	int ret = 0;

	while (done < len) {
		n = write(fd, p + done, len - done < piece ? len - done : piece);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			break;
		}
		done += n;
	}
	if (accepted)
		*accepted = done;
	return ret;
}

enum lm_check_phase {
	LM_CHECK_HEADER,
	LM_CHECK_RECORD_HEADER,
	LM_CHECK_PAYLOAD,
	LM_CHECK_DONE,
};

/* Where a record sits in a checked stream. */
struct lm_stream_record {
	uint64_t offset;	/* of its record header */
	uint64_t length;	/* of its payload */
	uint16_t type;
};

/*
 * A user-space reading of a stream as it passes, byte ranges of any size at
 * a time. The first defect found is kept in @err as the errno the header
 * documents for it (a restore of the same bytes must fail that way) and
 * described in @why; later bytes are then ignored.
 */
struct lm_stream_check {
	/*
	 * Expected producer; "" or -1: anything. A restore does not look at
	 * the producing function's index, so a wrong @fn is reported here as
	 * EPROTO only because the save side must get it right.
	 */
	char driver[LM_NAME_MAX];
	char compat[64];
	int fn;
	/* Record where each record sits, in @index. */
	bool keep_index;

	enum lm_check_phase phase;
	uint64_t offset;	/* stream bytes seen */
	union {
		struct lm_stream_header header;
		struct lm_record_header record;
	} unit;
	size_t unit_fill;
	struct lm_record_header rec;	/* of the payload being read */
	uint64_t payload_left;
	struct xxh64_state payload_sum;
	struct lm_stream_end end;
	uint32_t seq;		/* expected of the next record */
	uint64_t records;	/* DATA records seen whole */
	uint64_t bytes;		/* their payload */
	uint64_t payload_seen;	/* DATA payload bytes, whole records or not */

	struct lm_stream_record *index;
	size_t nr_index;

	int err;
	char why[160];
};

static inline void lm_stream_check_init(struct lm_stream_check *c)
{
	memset(c, 0, sizeof(*c));
	c->fn = -1;
}

/* Expect a stream produced by function @fn of @sim as it is now. */
static inline int lm_stream_check_expect(struct lm_stream_check *c,
					 const struct lm_sim *sim, int fn)
{
	struct lm_device_info info;
	int ret = lm_device_info(sim->fd, &info);

	if (ret)
		return ret;
	memcpy(c->driver, info.driver, sizeof(c->driver));
	c->driver[sizeof(c->driver) - 1] = 0;
	c->fn = fn;
	return lm_sim_get_compat(sim, c->compat, sizeof(c->compat));
}

static inline void lm_stream_check_fini(struct lm_stream_check *c)
{
	free(c->index);
	c->index = NULL;
	c->nr_index = 0;
}

static inline bool lm_stream_check_done(const struct lm_stream_check *c)
{
	return !c->err && c->phase == LM_CHECK_DONE;
}

static inline int lm_stream_check_fail(struct lm_stream_check *c, int err,
				       const char *fmt, ...)
{
	va_list ap;
	int n;

	c->err = err;
	n = snprintf(c->why, sizeof(c->why), "at %llu: ",
		     (unsigned long long)c->offset);
	va_start(ap, fmt);
	vsnprintf(c->why + n, sizeof(c->why) - n, fmt, ap);
	va_end(ap);
	return -err;
}

/* Is @field, a NUL padded string, exactly @want? */
static inline bool lm_stream_field_is(const char *field, size_t size,
				      const char *want)
{
	size_t len = strlen(want);
	size_t i;

	if (len >= size || memcmp(field, want, len))
		return false;
	for (i = len; i < size; i++)
		if (field[i])
			return false;
	return true;
}

static inline int lm_stream_check_header(struct lm_stream_check *c)
{
	const struct lm_stream_header *h = &c->unit.header;
	uint64_t sum = xxh64(h, offsetof(struct lm_stream_header, checksum), 0);

	if (le32toh(h->magic) != LM_STREAM_MAGIC)
		return lm_stream_check_fail(c, EPROTO, "magic %#x",
					    le32toh(h->magic));
	if (le16toh(h->version) != LM_STREAM_VERSION)
		return lm_stream_check_fail(c, EPROTONOSUPPORT, "version %u",
					    le16toh(h->version));
	if (le16toh(h->header_size) != sizeof(*h))
		return lm_stream_check_fail(c, EPROTO, "header_size %u",
					    le16toh(h->header_size));
	if (le64toh(h->checksum) != sum)
		return lm_stream_check_fail(c, EBADMSG, "header checksum");
	if (h->flags || h->reserved[0] || h->reserved[1])
		return lm_stream_check_fail(c, EPROTO, "header flags/reserved");
	if (c->driver[0] && !lm_stream_field_is(h->driver, sizeof(h->driver),
						c->driver))
		return lm_stream_check_fail(c, EXDEV, "driver %.32s",
					    h->driver);
	if (c->compat[0] && !lm_stream_field_is(h->compat, sizeof(h->compat),
						c->compat))
		return lm_stream_check_fail(c, EXDEV, "compat %.64s",
					    h->compat);
	if (c->fn >= 0 && le32toh(h->fn) != (uint32_t)c->fn)
		return lm_stream_check_fail(c, EPROTO, "fn %u, not %d",
					    le32toh(h->fn), c->fn);
	return 0;
}

static inline int lm_stream_check_record_header(struct lm_stream_check *c,
						uint64_t offset)
{
	const struct lm_record_header *r = &c->unit.record;
	uint64_t sum = xxh64(r, offsetof(struct lm_record_header, checksum), 0);
	uint64_t len = le64toh(r->length);
	uint16_t type = le16toh(r->type);

	if (le64toh(r->checksum) != sum)
		return lm_stream_check_fail(c, EBADMSG, "record header checksum");
	if (r->flags)
		return lm_stream_check_fail(c, EPROTO, "record flags %#x",
					    le16toh(r->flags));
	if (le32toh(r->seq) != c->seq)
		return lm_stream_check_fail(c, EPROTO, "record seq %u, not %u",
					    le32toh(r->seq), c->seq);
	if (type == LM_RECORD_DATA && len > LM_RECORD_MAX_PAYLOAD)
		return lm_stream_check_fail(c, EMSGSIZE, "record length %llu",
					    (unsigned long long)len);
	if (type == LM_RECORD_END && len != sizeof(struct lm_stream_end))
		return lm_stream_check_fail(c, EPROTO, "end length %llu",
					    (unsigned long long)len);
	if (type != LM_RECORD_DATA && type != LM_RECORD_END)
		return lm_stream_check_fail(c, EPROTO, "record type %u", type);

	if (c->keep_index) {
		struct lm_stream_record *index;

		index = realloc(c->index, (c->nr_index + 1) * sizeof(*index));
		if (!index)
			return lm_stream_check_fail(c, ENOMEM, "index");
		index[c->nr_index++] = (struct lm_stream_record){
			.offset = offset,
			.length = len,
			.type = type,
		};
		c->index = index;
	}
	c->rec = *r;
	c->payload_left = len;
	xxh64_init(&c->payload_sum, 0);
	c->phase = LM_CHECK_PAYLOAD;
	return 0;
}

static inline int lm_stream_check_record_end(struct lm_stream_check *c)
{
	uint64_t len = le64toh(c->rec.length);

	if (xxh64_digest(&c->payload_sum) != le64toh(c->rec.payload_checksum))
		return lm_stream_check_fail(c, EBADMSG, "payload checksum of seq %u",
					    c->seq);
	c->seq++;
	if (le16toh(c->rec.type) == LM_RECORD_DATA) {
		c->records++;
		c->bytes += len;
		c->phase = LM_CHECK_RECORD_HEADER;
		return 0;
	}
	if (le64toh(c->end.records) != c->records ||
	    le64toh(c->end.bytes) != c->bytes)
		return lm_stream_check_fail(c, EPROTO,
					    "end totals %llu/%llu, seen %llu/%llu",
					    (unsigned long long)le64toh(c->end.records),
					    (unsigned long long)le64toh(c->end.bytes),
					    (unsigned long long)c->records,
					    (unsigned long long)c->bytes);
	c->phase = LM_CHECK_DONE;
	return 0;
}

/* Check the next @len bytes of the stream; 0 or -errno of the defect. */
static inline int lm_stream_check_feed(struct lm_stream_check *c,
				       const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t unit, n;
	int ret;

	while (len && !c->err) {
		switch (c->phase) {
		case LM_CHECK_HEADER:
		case LM_CHECK_RECORD_HEADER:
			unit = c->phase == LM_CHECK_HEADER ?
				       sizeof(struct lm_stream_header) :
				       sizeof(struct lm_record_header);
			n = unit - c->unit_fill < len ? unit - c->unit_fill :
							len;
			memcpy((uint8_t *)&c->unit + c->unit_fill, p, n);
			c->unit_fill += n;
			if (c->unit_fill < unit)
				break;
			c->unit_fill = 0;
			if (c->phase == LM_CHECK_HEADER) {
				ret = lm_stream_check_header(c);
				c->phase = LM_CHECK_RECORD_HEADER;
			} else {
				ret = lm_stream_check_record_header(
					c, c->offset + n - unit);
			}
			if (ret)
				return ret;
			break;
		case LM_CHECK_PAYLOAD:
			n = c->payload_left < len ? c->payload_left : len;
			xxh64_update(&c->payload_sum, p, n);
			if (le16toh(c->rec.type) == LM_RECORD_END)
				memcpy((uint8_t *)&c->end +
					       sizeof(c->end) - c->payload_left,
				       p, n);
			else
				c->payload_seen += n;
			c->payload_left -= n;
			break;
		case LM_CHECK_DONE:
		default:
			return lm_stream_check_fail(c, EPROTO,
						    "bytes after the end record");
		}
		p += n;
		len -= n;
		c->offset += n;
		if (c->phase == LM_CHECK_PAYLOAD && !c->payload_left) {
			ret = lm_stream_check_record_end(c);
			if (ret)
				return ret;
		}
	}
	return -c->err;
}

/*
 * Copies a save stream, through one buffer of @chunk bytes, to a restore
 * file (@to, or -1 for none) and/or memory (@keep), checking it on the way.
 */
struct lm_pump {
	int from;
	int to;
	size_t chunk;
	bool keep;
	char *buf;
	struct lm_stream_check check;

	uint64_t bytes;		/* copied so far */
	bool eof;		/* read() returned 0 */
	int read_err;		/* errno of the read() that ended the last run */
	int write_err;		/* errno of a failed write to @to: copying ends */

	uint8_t *kept;		/* with @keep: the stream so far */
	size_t kept_size;
	size_t kept_alloc;
};

static inline int lm_pump_init(struct lm_pump *p, int from, int to,
			       size_t chunk)
{
	memset(p, 0, sizeof(*p));
	p->from = from;
	p->to = to;
	p->chunk = chunk;
	lm_stream_check_init(&p->check);
	p->buf = malloc(chunk);
	return p->buf ? 0 : -ENOMEM;
}

static inline void lm_pump_fini(struct lm_pump *p)
{
	lm_stream_check_fini(&p->check);
	free(p->buf);
	free(p->kept);
	p->buf = NULL;
	p->kept = NULL;
}

/*
 * Copy until read() returns 0 or fails, a write fails, or at least @limit
 * bytes (0: no limit) were copied by this call. Returns the bytes copied by
 * this call; @eof, @read_err and @write_err tell why it stopped.
 */
static inline uint64_t lm_pump_run(struct lm_pump *p, uint64_t limit)
{
	uint64_t copied = 0;
	ssize_t n;
	int ret;

	p->read_err = 0;
	while (!p->write_err && (!limit || copied < limit)) {
		n = read(p->from, p->buf, p->chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			p->read_err = errno;
			break;
		}
		if (!n) {
			p->eof = true;
			break;
		}
		lm_stream_check_feed(&p->check, p->buf, n);
		if (p->keep && p->kept_size + n > p->kept_alloc) {
			size_t alloc = 2 * (p->kept_size + n);
			uint8_t *kept = realloc(p->kept, alloc);

			if (!kept) {
				p->write_err = ENOMEM;
				break;
			}
			p->kept = kept;
			p->kept_alloc = alloc;
		}
		if (p->keep) {
			memcpy(p->kept + p->kept_size, p->buf, n);
			p->kept_size += n;
		}
		if (p->to >= 0) {
			ret = lm_write_all(p->to, p->buf, n, n);
			if (ret) {
				p->write_err = -ret;
				break;
			}
		}
		copied += n;
		p->bytes += n;
	}
	return copied;
}

#ifdef __KSELFTEST_HARNESS_H
/*
 * For tests on kselftest_harness.h (included before this file): create a
 * simulated device, or skip the test when lm_sim is not loaded (false).
 */
static inline bool lm_sim_create(struct __test_metadata *_metadata,
				 struct lm_sim *sim, unsigned int nfns,
				 unsigned int caps, uint64_t memory)
{
	int ret = lm_sim_new(sim, nfns, caps, memory);

	if (ret)
		sim->fd = -1;
	if (ret == -ENOENT)
		SKIP(return false, "no %s/new: lm_sim is not loaded",
		     LM_SIM_DEBUGFS);
	ASSERT_EQ(0, ret);
	return true;
}
#endif

/*
 * A stream around payloads of one's own, sealed the way the core seals
 * what it saves: @hdr (for instance the header of a stream the destination's
 * device saved, so that the driver and compatibility key are right), one
 * DATA record per payload, in sequence, then the end record with the
 * totals. Returns the stream (free() it), its length in *@len; NULL when
 * out of memory.
 */
static inline uint8_t *lm_stream_wrap(const struct lm_stream_header *hdr,
				      const void *const payloads[],
				      const size_t lens[], size_t nr,
				      size_t *len)
{
	struct lm_stream_end end = { .records = htole64(nr) };
	size_t total = sizeof(*hdr), off, i;
	struct lm_record_header r;
	uint64_t bytes = 0;
	uint8_t *b;

	for (i = 0; i < nr; i++) {
		total += sizeof(r) + lens[i];
		bytes += lens[i];
	}
	total += sizeof(r) + sizeof(end);
	end.bytes = htole64(bytes);
	b = malloc(total);
	if (!b)
		return NULL;
	memcpy(b, hdr, sizeof(*hdr));
	off = sizeof(*hdr);
	for (i = 0; i <= nr; i++) {
		const void *payload = i < nr ? payloads[i] : (const void *)&end;
		size_t n = i < nr ? lens[i] : sizeof(end);

		r = (struct lm_record_header){
			.type = htole16(i < nr ? LM_RECORD_DATA : LM_RECORD_END),
			.seq = htole32(i),
			.length = htole64(n),
			.payload_checksum = htole64(xxh64(payload, n, 0)),
		};
		r.checksum = htole64(xxh64(&r, offsetof(struct lm_record_header,
							 checksum), 0));
		memcpy(b + off, &r, sizeof(r));
		memcpy(b + off + sizeof(r), payload, n);
		off += sizeof(r) + n;
	}
	*len = total;
	return b;
}

#endif /* LM_SELFTEST_UTIL_H */
