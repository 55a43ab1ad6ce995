// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * liblm: moving a function's state: save to a descriptor, restore from
 * one, and migrate from one function into another.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "private.h"

/*
 * The stream moves in pieces of this size, a record of the core's at a
 * time: through a pipe of this size with splice(), so that no byte passes
 * through user space and the kernel passes the pages of a save session on
 * by reference; through a buffer of this size where one end cannot splice.
 */
#define LM_XFER_CHUNK (1U << 20)

#define LM_MIGRATE_MAX_ROUNDS 30
#define LM_MIGRATE_CONVERGE_BYTES (1ULL << 20)

/**
 * struct lm_pump - Copies a stream from one descriptor to another
 * @in: Read from
 * @out: Written to
 * @pipe: Between @in and @out while they splice; -1 before the first
 *	piece, and once one of them could not
 * @no_splice: One of them could not splice: read() and write() from then on
 * @buf: LM_XFER_CHUNK bytes, allocated once read() and write() are used
 * @done: Bytes copied so far, by every lm_pump_run() call
 * @total: Expected total for @progress, 0 when unknown
 * @progress: The caller's progress callback, or NULL
 * @arg: Its argument
 * @read_step: Names a failed read in &lm_pump.failed_step
 * @write_step: Names a failed write
 * @failed_step: Set to @read_step or @write_step when one fails
 */
struct lm_pump {
	int in;
	int out;
	int pipe[2];
	bool no_splice;
	char *buf;
	uint64_t done;
	uint64_t total;
	lm_progress_cb progress;
	void *arg;
	const char *read_step;
	const char *write_step;
	const char *failed_step;
};

/* Tell the caller; -ECANCELED when it wants the transfer to stop. */
static int lm_pump_report(struct lm_pump *p)
{
	if (p->progress && p->progress(p->done, p->total, p->arg))
		return -ECANCELED;
	return 0;
}

static int lm_pump_write(struct lm_pump *p, const char *buf, size_t len)
{
	ssize_t n;
	int ret;

	while (len) {
		n = write(p->out, buf, len);
		if (n < 0 && errno == EINTR) {
			ret = lm_pump_report(p);
			if (ret)
				return ret;
			continue;
		}
		if (n <= 0) {
			p->failed_step = p->write_step;
			return n < 0 ? -errno : -EIO;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void lm_pump_close_pipe(struct lm_pump *p)
{
	if (p->pipe[0] >= 0) {
		close(p->pipe[0]);
		close(p->pipe[1]);
	}
	p->pipe[0] = p->pipe[1] = -1;
}

/* Through the buffer from now on. */
static int lm_pump_stop_splicing(struct lm_pump *p)
{
	p->no_splice = true;
	if (!p->buf)
		p->buf = malloc(LM_XFER_CHUNK);
	if (!p->buf) {
		p->failed_step = "allocating memory";
		return -ENOMEM;
	}
	return 0;
}

/*
 * Move the @len bytes in the pipe to the output. When the output cannot
 * splice they go through the buffer, and so does everything after them.
 */
static int lm_pump_splice_out(struct lm_pump *p, size_t len)
{
	ssize_t n;
	int ret;

	while (len) {
		n = splice(p->pipe[0], NULL, p->out, NULL, len, SPLICE_F_MOVE);
		if (n < 0 && errno == EINTR) {
			ret = lm_pump_report(p);
			if (ret)
				return ret;
			continue;
		}
		if (n < 0 && errno == EINVAL)
			break;
		if (n <= 0) {
			p->failed_step = p->write_step;
			return n < 0 ? -errno : -EIO;
		}
		len -= (size_t)n;
	}
	if (!len)
		return 0;

	ret = lm_pump_stop_splicing(p);
	while (!ret && len) {
		n = read(p->pipe[0], p->buf, len);
		if (n <= 0) {
			p->failed_step = p->write_step;
			return n < 0 ? -errno : -EIO;
		}
		ret = lm_pump_write(p, p->buf, (size_t)n);
		len -= (size_t)n;
	}
	lm_pump_close_pipe(p);
	return ret;
}

/* A failed read of the input; EINTR and ENOMSG are not failures. */
static ssize_t lm_pump_read_error(struct lm_pump *p, int err)
{
	if (err != EINTR && err != ENOMSG)
		p->failed_step = p->read_step;
	return -err;
}

/*
 * One piece of at most LM_XFER_CHUNK bytes through the pipe: bytes moved,
 * 0 at the end of the input, -errno, or -ENOTSUP when the input cannot
 * splice (nothing was moved then).
 */
static ssize_t lm_pump_splice(struct lm_pump *p)
{
	ssize_t n;
	int ret;

	if (p->pipe[0] < 0) {
		if (pipe2(p->pipe, O_CLOEXEC))
			return -ENOTSUP;
		/* Room for a whole record, where the system allows it. */
		fcntl(p->pipe[1], F_SETPIPE_SZ, LM_XFER_CHUNK);
	}
	n = splice(p->in, NULL, p->pipe[1], NULL, LM_XFER_CHUNK, SPLICE_F_MOVE);
	if (n < 0 && errno == EINVAL) {
		lm_pump_close_pipe(p);
		return -ENOTSUP;
	}
	if (n < 0)
		return lm_pump_read_error(p, errno);
	ret = lm_pump_splice_out(p, (size_t)n);
	return ret ?: n;
}

/* One piece through the buffer, as lm_pump_splice() returns. */
static ssize_t lm_pump_copy(struct lm_pump *p)
{
	ssize_t n;
	int ret;

	n = read(p->in, p->buf, LM_XFER_CHUNK);
	if (n < 0)
		return lm_pump_read_error(p, errno);
	if (!n)
		return 0;
	ret = lm_pump_write(p, p->buf, (size_t)n);
	return ret ?: n;
}

/*
 * Copy until the end of the input (returns 0), a temporary end of a
 * PRE_COPY stream (ENOMSG: returns 1), or @limit bytes copied by this call
 * (0: no limit; returns 2). *@moved gets what this call copied.
 */
static int lm_pump_run(struct lm_pump *p, uint64_t limit, uint64_t *moved)
{
	ssize_t n;
	int ret;

	*moved = 0;
	for (;;) {
		if (limit && *moved >= limit)
			return 2;
		n = -ENOTSUP;
		if (!p->no_splice) {
			n = lm_pump_splice(p);
			if (n == -ENOTSUP) {
				ret = lm_pump_stop_splicing(p);
				if (ret)
					return ret;
			}
		}
		if (n == -ENOTSUP)
			n = lm_pump_copy(p);
		if (n == -EINTR) {
			ret = lm_pump_report(p);
			if (ret)
				return ret;
			continue;
		}
		if (n == -ENOMSG)
			return 1;
		if (n <= 0)
			return (int)n;
		*moved += (uint64_t)n;
		p->done += (uint64_t)n;
		ret = lm_pump_report(p);
		if (ret)
			return ret;
	}
}

static void lm_pump_init(struct lm_pump *p, lm_progress_cb progress,
			 void *arg)
{
	memset(p, 0, sizeof(*p));
	p->in = -1;
	p->out = -1;
	p->pipe[0] = p->pipe[1] = -1;
	p->progress = progress;
	p->arg = arg;
}

static void lm_pump_fini(struct lm_pump *p)
{
	lm_pump_close_pipe(p);
	free(p->buf);
}

/* States a save or restore may start from, and the function returns to. */
static bool lm_state_is_quiet(uint32_t state)
{
	return state == LM_MIG_STATE_RUNNING ||
	       state == LM_MIG_STATE_RUNNING_P2P ||
	       state == LM_MIG_STATE_STOP;
}

/*
 * The start of a save or a restore of one function: its pump, and its
 * state, which must be one that no data session is open in.
 */
static int lm_xfer_begin(struct lm_dev *dev, uint32_t fn, struct lm_pump *p,
			 lm_progress_cb progress, void *arg, uint32_t *orig,
			 const char **failed_step)
{
	int ret;

	lm_pump_init(p, progress, arg);
	ret = lm_dev_fn_get_state(dev, fn, orig);
	if (ret) {
		*failed_step = "reading the function's state";
		return ret;
	}
	if (!lm_state_is_quiet(*orig)) {
		*failed_step = "checking the function's state";
		return -EBUSY;
	}
	return 0;
}

static void lm_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int lm_fn_save(struct lm_dev *dev, uint32_t fn, int out_fd,
	       lm_progress_cb progress, void *arg,
	       struct lm_xfer_result *result)
{
	struct lm_xfer_result res = {};
	uint32_t orig, state;
	struct lm_pump p;
	uint64_t t0, moved;
	int data_fd = -1;
	int ret, undo;

	ret = lm_xfer_begin(dev, fn, &p, progress, arg, &orig,
			    &res.failed_step);
	if (ret)
		goto out;
	ret = lm_dev_fn_data_size(dev, fn, &p.total);
	if (ret) {
		res.failed_step = "estimating the stream's size";
		goto out;
	}

	t0 = lm_clock_ns();
	ret = lm_dev_fn_set_state(dev, fn, LM_MIG_STATE_STOP_COPY, &data_fd);
	if (!ret && data_fd < 0)
		ret = -EPROTO;
	if (ret) {
		res.failed_step = "entering STOP_COPY";
		goto restore_state;
	}

	p.in = data_fd;
	p.out = out_fd;
	p.read_step = "reading the function's stream";
	p.write_step = "writing the output";
	ret = lm_pump_report(&p) ?: lm_pump_run(&p, 0, &moved);
	/* A STOP_COPY stream has no temporary end. */
	if (ret > 0) {
		p.failed_step = p.read_step;
		ret = -EPROTO;
	}
	res.failed_step = p.failed_step;
	lm_close(&data_fd);

restore_state:
	/* Leaving STOP_COPY keeps the device state; so does a failed save. */
	undo = 0;
	if (lm_dev_fn_get_state(dev, fn, &state) || state != orig)
		undo = lm_dev_fn_set_state(dev, fn, orig, NULL);
	if (!ret && undo) {
		ret = undo;
		res.failed_step = "returning to the original state";
	}
	res.duration_ns = lm_clock_ns() - t0;
out:
	res.bytes = p.done;
	res.total = p.total;
	if (!ret)
		res.failed_step = NULL;
	else if (!res.failed_step)
		res.failed_step = "allocating memory";
	if (result)
		*result = res;
	lm_pump_fini(&p);
	return ret;
}

/* What is left to read of @fd when it is a regular file; 0: unknown. */
static uint64_t lm_fd_remaining(int fd)
{
	struct stat st;
	off_t pos;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return 0;
	pos = lseek(fd, 0, SEEK_CUR);
	if (pos < 0 || pos > st.st_size)
		return 0;
	return (uint64_t)(st.st_size - pos);
}

/*
 * Put back a function that a failed restore or migration moved: reset it
 * once it has entered RESUMING (its state is gone then), else return it to
 * @orig, which keeps its device state.
 */
static void lm_fn_recover(struct lm_dev *dev, uint32_t fn, uint32_t orig,
			  bool resumed)
{
	uint32_t state;

	if (resumed)
		lm_dev_fn_reset(dev, fn);
	else if (!lm_dev_fn_get_state(dev, fn, &state) && state != orig)
		lm_dev_fn_set_state(dev, fn, orig, NULL);
}

int lm_fn_restore(struct lm_dev *dev, uint32_t fn, int in_fd,
		  lm_progress_cb progress, void *arg,
		  struct lm_xfer_result *result)
{
	struct lm_xfer_result res = {};
	bool resumed = false;
	struct lm_pump p;
	uint64_t t0 = 0, moved;
	int data_fd = -1;
	uint32_t orig;
	int ret;

	ret = lm_xfer_begin(dev, fn, &p, progress, arg, &orig,
			    &res.failed_step);
	if (ret)
		goto out;
	p.total = lm_fd_remaining(in_fd);

	t0 = lm_clock_ns();
	ret = lm_dev_fn_set_state(dev, fn, LM_MIG_STATE_RESUMING, &data_fd);
	if (!ret && data_fd < 0)
		ret = -EPROTO;
	if (ret) {
		res.failed_step = "entering RESUMING";
		goto recover;
	}
	resumed = true;

	p.in = in_fd;
	p.out = data_fd;
	p.read_step = "reading the input";
	p.write_step = "writing the stream to the function";
	ret = lm_pump_report(&p) ?: lm_pump_run(&p, 0, &moved);
	if (ret) {
		res.failed_step = p.failed_step;
		goto recover;
	}
	ret = lm_dev_fn_set_state(dev, fn, LM_MIG_STATE_RUNNING, NULL);
	if (ret)
		res.failed_step = "leaving RESUMING";

recover:
	lm_close(&data_fd);
	if (ret)
		lm_fn_recover(dev, fn, orig, resumed);
	res.duration_ns = lm_clock_ns() - t0;
out:
	res.bytes = p.done;
	res.total = p.total;
	if (!ret)
		res.failed_step = NULL;
	else if (!res.failed_step)
		res.failed_step = "allocating memory";
	if (result)
		*result = res;
	lm_pump_fini(&p);
	return ret;
}

/**
 * struct lm_migration - One run of lm_fn_migrate()
 * @src: Source device
 * @src_fn: Source function
 * @src_orig: Its state at the start
 * @dst: Destination device
 * @dst_fn: Destination function
 * @dst_orig: Its state at the start
 * @dst_resumed: The destination entered RESUMING: its state is gone
 * @opts: The options, defaults filled in
 * @pump: Source data file to destination data file
 * @res: The result so far
 */
struct lm_migration {
	struct lm_dev *src;
	uint32_t src_fn;
	uint32_t src_orig;
	struct lm_dev *dst;
	uint32_t dst_fn;
	uint32_t dst_orig;
	bool dst_resumed;
	struct lm_migrate_opts opts;
	struct lm_pump pump;
	struct lm_migrate_result res;
};

static int lm_migrate_fail(struct lm_migration *m, int ret, const char *step)
{
	if (!m->res.failed_step)
		m->res.failed_step = step;
	return ret;
}

/*
 * PRE_COPY rounds while the source runs. Each round sends what the data
 * file has now, at most what LM_PRECOPY_INFO counted at its start, since a
 * busy device may refill it as fast as it is read.
 */
static int lm_migrate_precopy(struct lm_migration *m)
{
	struct lm_migrate_round r = {};
	uint64_t prev = 0, t;
	int ret;

	for (r.round = 1; r.round <= m->opts.max_rounds; r.round++) {
		t = lm_clock_ns();
		ret = lm_data_precopy_info(m->pump.in, &r.initial_bytes,
					   &r.dirty_bytes);
		if (ret)
			return lm_migrate_fail(m, ret,
					       "source: LM_PRECOPY_INFO");
		ret = lm_pump_run(&m->pump, r.initial_bytes + r.dirty_bytes,
				  &r.bytes);
		if (ret < 0)
			return lm_migrate_fail(m, ret, m->pump.failed_step);
		if (ret == 0)
			return lm_migrate_fail(m, -EPROTO,
					       "source: end of a PRE_COPY stream");
		r.duration_ns = lm_clock_ns() - t;
		m->res.rounds = r.round;
		m->res.precopy_bytes += r.bytes;
		if (m->opts.round)
			m->opts.round(&r, m->opts.arg);
		if (r.bytes <= m->opts.converge_bytes)
			break;
		if (r.round > 2 && r.bytes >= prev)
			break;
		prev = r.bytes;
	}
	return 0;
}

static int lm_migrate_run(struct lm_migration *m)
{
	bool precopy = !(m->opts.flags & LM_MIGRATE_NO_PRECOPY) &&
		       (m->src->info.mig_caps & LM_MIG_PRE_COPY) &&
		       m->src_orig == LM_MIG_STATE_RUNNING;
	uint64_t t0, t_stop, moved;
	int save_fd = -1, restore_fd = -1;
	int ret;

	t0 = lm_clock_ns();
	ret = lm_dev_fn_set_state(m->dst, m->dst_fn, LM_MIG_STATE_RESUMING,
				  &restore_fd);
	if (!ret && restore_fd < 0)
		ret = -EPROTO;
	if (ret) {
		ret = lm_migrate_fail(m, ret, "destination: entering RESUMING");
		goto out;
	}
	m->dst_resumed = true;
	m->pump.out = restore_fd;

	if (precopy) {
		ret = lm_dev_fn_set_state(m->src, m->src_fn,
					  LM_MIG_STATE_PRE_COPY, &save_fd);
		if (!ret && save_fd < 0)
			ret = -EPROTO;
		if (ret) {
			ret = lm_migrate_fail(m, ret,
					      "source: entering PRE_COPY");
			goto out;
		}
		m->pump.in = save_fd;
		ret = lm_migrate_precopy(m);
		if (ret)
			goto out;
		t_stop = lm_clock_ns();
		ret = lm_dev_fn_set_state(m->src, m->src_fn,
					  LM_MIG_STATE_STOP_COPY, NULL);
	} else {
		t_stop = lm_clock_ns();
		ret = lm_dev_fn_set_state(m->src, m->src_fn,
					  LM_MIG_STATE_STOP_COPY, &save_fd);
		if (!ret && save_fd < 0)
			ret = -EPROTO;
		m->pump.in = save_fd;
	}
	if (ret) {
		ret = lm_migrate_fail(m, ret, "source: entering STOP_COPY");
		goto out;
	}

	ret = lm_pump_run(&m->pump, 0, &moved);
	m->res.stop_copy_bytes = moved;
	if (ret > 0)
		ret = lm_migrate_fail(m, -EPROTO,
				      "source: temporary end in STOP_COPY");
	if (ret) {
		ret = lm_migrate_fail(m, ret, m->pump.failed_step);
		goto out;
	}
	ret = lm_dev_fn_set_state(m->src, m->src_fn, LM_MIG_STATE_STOP, NULL);
	if (ret) {
		ret = lm_migrate_fail(m, ret, "source: leaving STOP_COPY");
		goto out;
	}
	ret = lm_dev_fn_set_state(m->dst, m->dst_fn, LM_MIG_STATE_RUNNING,
				  NULL);
	if (ret) {
		ret = lm_migrate_fail(m, ret, "destination: leaving RESUMING");
		goto out;
	}
	m->res.downtime_ns = lm_clock_ns() - t_stop;
	m->res.duration_ns = lm_clock_ns() - t0;
out:
	lm_close(&save_fd);
	lm_close(&restore_fd);
	return ret;
}

int lm_fn_migrate(struct lm_dev *src, uint32_t src_fn,
		  struct lm_dev *dst, uint32_t dst_fn,
		  const struct lm_migrate_opts *opts,
		  struct lm_migrate_result *result)
{
	struct lm_migration m = {
		.src = src,
		.src_fn = src_fn,
		.dst = dst,
		.dst_fn = dst_fn,
	};
	int ret;

	if (opts)
		m.opts = *opts;
	if (!m.opts.max_rounds)
		m.opts.max_rounds = LM_MIGRATE_MAX_ROUNDS;
	if (!m.opts.converge_bytes)
		m.opts.converge_bytes = LM_MIGRATE_CONVERGE_BYTES;

	lm_pump_init(&m.pump, m.opts.progress, m.opts.arg);
	m.pump.read_step = "source: reading its stream";
	m.pump.write_step = "destination: writing the stream";

	if (src->id == dst->id && src_fn == dst_fn) {
		ret = lm_migrate_fail(&m, -EINVAL,
				      "source and destination are one function");
		goto out;
	}
	ret = lm_dev_fn_get_state(src, src_fn, &m.src_orig);
	if (ret) {
		lm_migrate_fail(&m, ret, "source: reading its state");
		goto out;
	}
	ret = lm_dev_fn_get_state(dst, dst_fn, &m.dst_orig);
	if (ret) {
		lm_migrate_fail(&m, ret, "destination: reading its state");
		goto out;
	}
	if (m.src_orig != LM_MIG_STATE_RUNNING &&
	    m.src_orig != LM_MIG_STATE_STOP) {
		ret = lm_migrate_fail(&m, -EBUSY,
				      "source: not in RUNNING or STOP");
		goto out;
	}
	if (!lm_state_is_quiet(m.dst_orig)) {
		ret = lm_migrate_fail(&m, -EBUSY,
				      "destination: migrating already");
		goto out;
	}

	ret = lm_migrate_run(&m);
	if (ret) {
		lm_fn_recover(dst, dst_fn, m.dst_orig, m.dst_resumed);
		lm_fn_recover(src, src_fn, m.src_orig, false);
	}
out:
	if (!ret)
		m.res.failed_step = NULL;
	if (result)
		*result = m.res;
	lm_pump_fini(&m.pump);
	return ret;
}
