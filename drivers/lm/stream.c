// SPDX-License-Identifier: GPL-2.0
/*
 * Live-migration core: the data files of save and restore sessions, and the
 * stream envelope around the driver's payload.
 *
 * A save session produces one unit at a time into a buffer: the stream
 * header, then one record per save() call, then the end record. A restore
 * session collects each unit in full, checks it, and only then hands a
 * record's payload to the driver.
 *
 * Both also splice. A save buffer is a folio when one can be had, and
 * splice() passes its pages on by reference; a restore session that finds
 * a payload whole and in order in such a folio checks it and hands it to
 * the driver there, without copying it.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <linux/anon_inodes.h>
#include <linux/export.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/pipe_fs_i.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/splice.h>
#include <linux/uio.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xxhash.h>
#include <uapi/linux/vfio.h>

#include "lm_internal.h"

enum lm_restore_phase {
	LM_RESTORE_HEADER,
	LM_RESTORE_RECORD_HEADER,
	LM_RESTORE_PAYLOAD,
	LM_RESTORE_DONE,
};

/**
 * struct lm_stream - One data session of a function
 * @kref: Held by the data file and by the function while the session is
 *	its current one (&lm_fn.stream)
 * @fn: The function; its device outlives the stream (we hold a reference)
 * @save: A save session, else a restore session
 * @error: Sticky error: once set every read or write returns it
 * @seq: Sequence number of the next record
 * @records: DATA records produced or accepted
 * @bytes: Their payload bytes
 * @buf: Save: the unit being read out, LM_SAVE_UNIT bytes. Restore: a
 *	record's payload, when it is collected by copying
 * @buf_size: Restore: allocated size of @buf
 * @folio: Save: the folio @buf is, when it is one; pipes may hold its pages
 * @spare: Save: the folio before @folio, kept for reuse once pipes let go
 * @pos: Save: next byte of @buf to read. Restore: payload bytes collected
 * @len: Save: bytes of @buf that are valid. Restore: the record's length
 * @header_sent: Save: the stream header has been produced
 * @end_sent: Save: the end record has been produced; after it, EOF
 * @phase: Restore: what the next bytes are
 * @unit: Restore: the header or record header being collected
 * @unit_fill: Restore: bytes of @unit collected
 * @rec: Restore: the record header of the payload being collected
 * @zc: Restore: the save buffer's folio the payload collected so far lies
 *	in, by reference, when it came from a pipe in order
 * @zc_payload: Restore: where in @zc the payload starts
 *
 * Everything but @kref and @fn is protected by the function's lock, which
 * every file operation takes after checking that the device is registered.
 */
struct lm_stream {
	struct kref kref;
	struct lm_fn *fn;
	bool save;
	int error;
	u32 seq;
	u64 records;
	u64 bytes;
	void *buf;
	size_t buf_size;
	struct folio *folio;
	struct folio *spare;
	size_t pos;
	size_t len;

	bool header_sent;
	bool end_sent;

	enum lm_restore_phase phase;
	union {
		struct lm_stream_header header;
		struct lm_record_header record;
	} unit;
	size_t unit_fill;
	struct lm_record_header rec;
	struct folio *zc;
	const void *zc_payload;
};

/*
 * Tags the folios of save buffers in &folio.private. Their bytes never
 * change once a pipe holds their pages (a session writes a new folio while
 * anyone else holds a reference to its old one), so a restore session may
 * check a payload there and then pass it to the driver as it is.
 */
static const u8 lm_stream_folio_tag;

/* The checksum of a header: XXH64 of its bytes before its checksum field. */
#define lm_xxh64_before(ptr, type, field) xxh64(ptr, offsetof(type, field), 0)

static void lm_stream_zc_put(struct lm_stream *stream)
{
	if (stream->zc)
		folio_put(stream->zc);
	stream->zc = NULL;
	stream->zc_payload = NULL;
}

/* Collect the payload taken by reference so far in the buffer after all. */
static void lm_stream_zc_flush(struct lm_stream *stream)
{
	if (!stream->zc)
		return;
	memcpy(stream->buf, stream->zc_payload, stream->pos);
	lm_stream_zc_put(stream);
}

static void lm_stream_free(struct kref *kref)
{
	struct lm_stream *stream = container_of(kref, struct lm_stream, kref);

	lm_stream_zc_put(stream);
	if (stream->spare)
		folio_put(stream->spare);
	if (stream->folio)
		folio_put(stream->folio);
	else
		kvfree(stream->buf);
	put_device(&stream->fn->lmdev->dev);
	kfree(stream);
}

static void lm_stream_put(struct lm_stream *stream)
{
	kref_put(&stream->kref, lm_stream_free);
}

static u64 lm_records_size(u64 payload_bytes)
{
	return payload_bytes + DIV_ROUND_UP_ULL(payload_bytes, LM_SAVE_CHUNK) *
				       sizeof(struct lm_record_header);
}

/**
 * lm_stream_size - Stream bytes still to come for a payload of a given size
 * @fn: The function, locked
 * @payload_bytes: Driver payload still to be saved
 *
 * Return: what the stream adds around @payload_bytes: the bytes an open save
 * session has produced but not yet delivered, or else a header; the records
 * the core cuts the payload into; the end record.
 */
u64 lm_stream_size(struct lm_fn *fn, u64 payload_bytes)
{
	const struct lm_stream *stream = fn->stream;
	u64 size = lm_records_size(payload_bytes) +
		   sizeof(struct lm_record_header) +
		   sizeof(struct lm_stream_end);

	lockdep_assert_held(&fn->lock);

	if (stream && stream->save && stream->header_sent)
		return size + stream->len - stream->pos;
	return size + sizeof(struct lm_stream_header);
}

static void lm_record_seal(struct lm_record_header *rec, u16 type, u32 seq,
			   const void *payload, size_t len)
{
	*rec = (struct lm_record_header){
		.type = cpu_to_le16(type),
		.seq = cpu_to_le32(seq),
		.length = cpu_to_le64(len),
		.payload_checksum = cpu_to_le64(xxh64(payload, len, 0)),
	};
	rec->checksum = cpu_to_le64(lm_xxh64_before(rec, struct lm_record_header,
						    checksum));
}

static void lm_stream_seal_header(struct lm_stream_header *hdr,
				  const struct lm_fn *fn)
{
	const struct lm_device *lmdev = fn->lmdev;
	u64 sum;

	*hdr = (struct lm_stream_header){
		.magic = cpu_to_le32(LM_STREAM_MAGIC),
		.version = cpu_to_le16(LM_STREAM_VERSION),
		.header_size = cpu_to_le16(sizeof(*hdr)),
		.fn = cpu_to_le32(fn->index),
	};
	strscpy_pad(hdr->driver, lmdev->driver_name);
	memcpy(hdr->compat, lmdev->compat, sizeof(hdr->compat));
	sum = lm_xxh64_before(hdr, struct lm_stream_header, checksum);
	hdr->checksum = cpu_to_le64(sum);
}

/*
 * A buffer for the next unit of a save session: the current one unless a
 * pipe still holds pages of it, else the one before if no pipe does. Two
 * are enough when the reader drains its pipe as it goes; a new one costs
 * an allocation, cleared first where the kernel clears them all. A folio
 * when one can be had, so that splice can pass it on; memory that never
 * moves into a pipe otherwise.
 */
static int lm_stream_save_buf(struct lm_stream *stream)
{
	struct folio *folio;

	if (stream->folio) {
		if (folio_ref_count(stream->folio) == 1)
			return 0;
		swap(stream->folio, stream->spare);
		if (stream->folio && folio_ref_count(stream->folio) == 1) {
			stream->buf = folio_address(stream->folio);
			return 0;
		}
		if (stream->folio)
			folio_put(stream->folio);
		stream->folio = NULL;
		stream->buf = NULL;
	} else if (stream->buf) {
		return 0;
	}

	folio = folio_alloc(GFP_KERNEL_ACCOUNT | __GFP_NORETRY | __GFP_NOWARN,
			    get_order(LM_SAVE_UNIT));
	if (folio) {
		folio->private = (void *)&lm_stream_folio_tag;
		stream->folio = folio;
		stream->buf = folio_address(folio);
		return 0;
	}
	stream->buf = kvmalloc(LM_SAVE_UNIT, GFP_KERNEL_ACCOUNT);
	return stream->buf ? 0 : -ENOMEM;
}

/* Check that the device is registered and @stream is the current session. */
static int lm_stream_check(struct lm_stream *stream)
{
	struct lm_fn *fn = stream->fn;

	lockdep_assert_held(&fn->lmdev->registration_lock);
	lockdep_assert_held(&fn->lock);

	if (!fn->lmdev->ops)
		return -ENODEV;
	if (fn->stream != stream)
		return -EINVAL;
	return stream->error;
}

/* The next unit of a save stream into the buffer; 0 when there is none. */
static int lm_stream_produce(struct lm_stream *stream)
{
	struct lm_fn *fn = stream->fn;
	struct lm_device *lmdev = fn->lmdev;
	struct lm_record_header *rec;
	struct lm_stream_end *end;
	ssize_t n;

	stream->pos = 0;
	stream->len = 0;
	n = lm_stream_save_buf(stream);
	if (n)
		return n;
	rec = stream->buf;
	end = stream->buf + sizeof(*rec);

	if (!stream->header_sent) {
		lm_stream_seal_header(stream->buf, fn);
		stream->header_sent = true;
		stream->len = sizeof(struct lm_stream_header);
		return 1;
	}
	if (stream->end_sent)
		return 0;

	n = lmdev->ops->save(fn, stream->buf + sizeof(*rec), LM_SAVE_CHUNK);
	if (n < 0)
		return n;
	if (WARN_ON(n > LM_SAVE_CHUNK))
		return -EIO;
	if (n) {
		lm_record_seal(rec, LM_RECORD_DATA, stream->seq++, rec + 1, n);
		stream->records++;
		stream->bytes += n;
		stream->len = sizeof(*rec) + n;
		return 1;
	}

	/* Nothing more for now while running; in STOP_COPY, nothing more. */
	if (lm_mig_state_is_precopy(fn->state))
		return 0;

	end->records = cpu_to_le64(stream->records);
	end->bytes = cpu_to_le64(stream->bytes);
	lm_record_seal(rec, LM_RECORD_END, stream->seq++, end, sizeof(*end));
	stream->end_sent = true;
	stream->len = sizeof(*rec) + sizeof(*end);
	return 1;
}

/*
 * Make sure the save buffer has bytes to hand out, producing the next unit
 * once it is drained: 1 when it has, 0 when there is nothing for now or any
 * more, or when a fatal signal stops a transfer that moved @done bytes;
 * -errno, which stays the session's.
 */
static int lm_stream_save_ready(struct lm_stream *stream, ssize_t done)
{
	int ret;

	if (stream->pos < stream->len)
		return 1;
	if (done && fatal_signal_pending(current))
		return 0;
	ret = lm_stream_produce(stream);
	/* What was read stays read; the error is next. */
	if (ret < 0)
		stream->error = ret;
	return ret;
}

/* What a transfer out of a save session that moved @done bytes returns. */
static ssize_t lm_stream_save_done(struct lm_stream *stream, ssize_t done)
{
	if (!done && !stream->end_sent &&
	    lm_mig_state_is_precopy(stream->fn->state))
		return -ENOMSG;
	return done;
}

/* Fill @to from a save session; bytes, -ENOMSG at a temporary end, -errno. */
VISIBLE_IF_KUNIT ssize_t lm_stream_save_to(struct lm_stream *stream,
					   struct iov_iter *to)
{
	ssize_t done = 0;
	size_t n, copied;
	int ret;

	while (iov_iter_count(to)) {
		ret = lm_stream_save_ready(stream, done);
		if (ret < 0)
			return done ?: ret;
		if (!ret)
			break;
		n = min(iov_iter_count(to), stream->len - stream->pos);
		copied = copy_to_iter(stream->buf + stream->pos, n, to);
		stream->pos += copied;
		done += copied;
		if (copied < n)
			return done ?: -EFAULT;
	}
	return lm_stream_save_done(stream, done);
}
EXPORT_SYMBOL_IF_KUNIT(lm_stream_save_to);

static ssize_t lm_stream_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct lm_stream *stream = iocb->ki_filp->private_data;
	struct lm_fn *fn = stream->fn;
	int ret;

	/* Save files are opened read-only: the VFS keeps writers out. */
	guard(rwsem_read)(&fn->lmdev->registration_lock);
	guard(mutex)(&fn->lock);
	ret = lm_stream_check(stream);
	if (ret)
		return ret;
	return lm_stream_save_to(stream, to);
}

/*
 * Pass the next bytes of a save session into @pipe by reference, a page at
 * most per pipe buffer. *@copy is set when the unit is in memory that
 * cannot go into a pipe, and nothing was passed: the caller copies then.
 */
static ssize_t lm_stream_splice_save(struct lm_stream *stream,
				     struct pipe_inode_info *pipe, size_t len,
				     bool *copy)
{
	struct pipe_buffer buf;
	ssize_t done = 0;
	size_t off, n;
	int ret;

	while (len) {
		ret = lm_stream_save_ready(stream, done);
		if (ret < 0)
			return done ?: ret;
		if (!ret)
			break;
		if (!stream->folio) {
			*copy = !done;
			return done;
		}
		if (pipe_full(pipe->head, pipe->tail, pipe->max_usage))
			break;

		off = stream->pos;
		n = min3(len, stream->len - off, PAGE_SIZE - offset_in_page(off));
		buf = (struct pipe_buffer){
			.ops = &nosteal_pipe_buf_ops,
			.page = folio_page(stream->folio, off >> PAGE_SHIFT),
			.offset = offset_in_page(off),
			.len = n,
		};
		folio_get(stream->folio);
		ret = add_to_pipe(pipe, &buf);
		if (ret < 0)
			return done ?: ret;
		stream->pos += n;
		done += n;
		len -= n;
	}
	return lm_stream_save_done(stream, done);
}

static ssize_t lm_stream_splice_read(struct file *in, loff_t *ppos,
				     struct pipe_inode_info *pipe, size_t len,
				     unsigned int flags)
{
	struct lm_stream *stream = in->private_data;
	struct lm_fn *fn = stream->fn;
	bool copy = false;
	ssize_t ret;

	scoped_guard(rwsem_read, &fn->lmdev->registration_lock) {
		guard(mutex)(&fn->lock);
		ret = lm_stream_check(stream);
		if (ret)
			return ret;
		ret = lm_stream_splice_save(stream, pipe, len, &copy);
	}
	/* Through read_iter(), which takes the locks again. */
	if (copy)
		return copy_splice_read(in, ppos, pipe, len, flags);
	return ret;
}

static int lm_stream_check_header(struct lm_stream *stream)
{
	const struct lm_stream_header *hdr = &stream->unit.header;
	struct lm_device *lmdev = stream->fn->lmdev;
	char driver[LM_NAME_MAX] = {};

	if (le32_to_cpu(hdr->magic) != LM_STREAM_MAGIC)
		return -EPROTO;
	if (le16_to_cpu(hdr->version) != LM_STREAM_VERSION)
		return -EPROTONOSUPPORT;
	if (le16_to_cpu(hdr->header_size) != sizeof(*hdr))
		return -EPROTO;
	if (le64_to_cpu(hdr->checksum) !=
	    lm_xxh64_before(hdr, struct lm_stream_header, checksum))
		return -EBADMSG;
	if (hdr->flags || hdr->reserved[0] || hdr->reserved[1])
		return -EPROTO;

	strscpy_pad(driver, lmdev->driver_name);
	if (memcmp(hdr->driver, driver, sizeof(driver)) ||
	    memcmp(hdr->compat, lmdev->compat, sizeof(hdr->compat)))
		return -EXDEV;
	return 0;
}

static int lm_stream_check_record_header(struct lm_stream *stream)
{
	const struct lm_record_header *rec = &stream->unit.record;
	u64 len = le64_to_cpu(rec->length);
	void *buf;

	if (le64_to_cpu(rec->checksum) !=
	    lm_xxh64_before(rec, struct lm_record_header, checksum))
		return -EBADMSG;
	if (rec->flags || le32_to_cpu(rec->seq) != stream->seq)
		return -EPROTO;

	switch (le16_to_cpu(rec->type)) {
	case LM_RECORD_DATA:
		if (!len)
			return -EPROTO;
		if (len > LM_RECORD_MAX_PAYLOAD)
			return -EMSGSIZE;
		break;
	case LM_RECORD_END:
		if (len != sizeof(struct lm_stream_end))
			return -EPROTO;
		break;
	default:
		return -EPROTO;
	}

	if (len > stream->buf_size) {
		buf = kvmalloc(len, GFP_KERNEL_ACCOUNT);
		if (!buf)
			return -ENOMEM;
		kvfree(stream->buf);
		stream->buf = buf;
		stream->buf_size = len;
	}
	stream->rec = *rec;
	stream->len = len;
	stream->pos = 0;
	return 0;
}

static int lm_stream_take_record(struct lm_stream *stream,
				 const void *payload)
{
	const struct lm_record_header *rec = &stream->rec;
	const struct lm_stream_end *end = payload;
	struct lm_fn *fn = stream->fn;
	int ret;

	if (le64_to_cpu(rec->payload_checksum) != xxh64(payload, stream->len, 0))
		return -EBADMSG;
	stream->seq++;

	if (le16_to_cpu(rec->type) == LM_RECORD_END) {
		if (le64_to_cpu(end->records) != stream->records ||
		    le64_to_cpu(end->bytes) != stream->bytes)
			return -EPROTO;
		stream->phase = LM_RESTORE_DONE;
		return 0;
	}

	ret = fn->lmdev->ops->restore(fn, payload, stream->len);
	if (ret)
		return ret;
	stream->records++;
	stream->bytes += stream->len;
	stream->phase = LM_RESTORE_RECORD_HEADER;
	return 0;
}

/* A whole payload: check it, then pass it on where it is. */
static int lm_stream_accept_record(struct lm_stream *stream)
{
	int ret;

	ret = lm_stream_take_record(stream,
				    stream->zc ? stream->zc_payload : stream->buf);
	lm_stream_zc_put(stream);
	return ret;
}

/* @n more payload bytes collected: the record is taken once it is whole. */
static ssize_t lm_stream_took(struct lm_stream *stream, size_t n)
{
	int ret;

	stream->pos += n;
	if (stream->pos == stream->len) {
		ret = lm_stream_accept_record(stream);
		if (ret)
			return ret;
	}
	return n;
}

/* Take what the current phase needs from @from; bytes taken or -errno. */
static ssize_t lm_stream_consume(struct lm_stream *stream,
				 struct iov_iter *from)
{
	size_t count = iov_iter_count(from);
	enum lm_restore_phase next;
	size_t unit_size, n;
	int ret;

	switch (stream->phase) {
	case LM_RESTORE_HEADER:
	case LM_RESTORE_RECORD_HEADER:
		unit_size = stream->phase == LM_RESTORE_HEADER ?
				    sizeof(struct lm_stream_header) :
				    sizeof(struct lm_record_header);
		n = min(count, unit_size - stream->unit_fill);
		if (!copy_from_iter_full((u8 *)&stream->unit + stream->unit_fill,
					 n, from))
			return -EFAULT;
		stream->unit_fill += n;
		if (stream->unit_fill < unit_size)
			return n;
		stream->unit_fill = 0;
		if (stream->phase == LM_RESTORE_HEADER) {
			ret = lm_stream_check_header(stream);
			next = LM_RESTORE_RECORD_HEADER;
		} else {
			ret = lm_stream_check_record_header(stream);
			next = LM_RESTORE_PAYLOAD;
		}
		if (ret)
			return ret;
		stream->phase = next;
		return n;

	case LM_RESTORE_PAYLOAD:
		lm_stream_zc_flush(stream);
		n = min(count, stream->len - stream->pos);
		if (!copy_from_iter_full(stream->buf + stream->pos, n, from))
			return -EFAULT;
		return lm_stream_took(stream, n);

	case LM_RESTORE_DONE:
	default:
		return -EPROTO;
	}
}

/* Feed @from to a restore session; bytes taken or -errno. */
VISIBLE_IF_KUNIT ssize_t lm_stream_restore_from(struct lm_stream *stream,
						struct iov_iter *from)
{
	ssize_t done = 0, n;

	while (iov_iter_count(from)) {
		if (done && fatal_signal_pending(current))
			break;
		n = lm_stream_consume(stream, from);
		if (n < 0) {
			/* A bad stream stays bad: nothing after it is taken. */
			if (n != -EFAULT)
				stream->error = n;
			return n;
		}
		done += n;
	}
	return done;
}
EXPORT_SYMBOL_IF_KUNIT(lm_stream_restore_from);

/* @buf's folio when it is a save buffer's, whose bytes never change. */
static struct folio *lm_stream_own_folio(const struct pipe_buffer *buf)
{
	struct folio *folio = page_folio(buf->page);

	if (buf->ops != &nosteal_pipe_buf_ops ||
	    folio->private != &lm_stream_folio_tag)
		return NULL;
	return folio;
}

/*
 * Take payload bytes at @p in any pipe buffer's page by copying them: a
 * page at a time when they come as whole pages (a file's do), a copy of
 * constant size being the fastest there is.
 */
static ssize_t lm_stream_take_copy(struct lm_stream *stream, const void *p,
				   size_t count)
{
	size_t n = min(count, stream->len - stream->pos);

	lm_stream_zc_flush(stream);
	if (n >= PAGE_SIZE) {
		n = PAGE_SIZE;
		memcpy(stream->buf + stream->pos, p, PAGE_SIZE);
	} else {
		memcpy(stream->buf + stream->pos, p, n);
	}
	return lm_stream_took(stream, n);
}

/*
 * Take payload bytes at @p in a save buffer's @folio: by reference while
 * they continue the payload where it lies, else by copying it all.
 */
static ssize_t lm_stream_take_own(struct lm_stream *stream,
				  struct folio *folio, const void *p,
				  size_t count)
{
	if (!stream->zc && !stream->pos) {
		folio_get(folio);
		stream->zc = folio;
		stream->zc_payload = p;
	} else if (folio != stream->zc ||
		   p != stream->zc_payload + stream->pos) {
		return lm_stream_take_copy(stream, p, count);
	}
	return lm_stream_took(stream, min(count, stream->len - stream->pos));
}

/* splice_from_pipe() actor: one pipe buffer into a restore session. */
static int lm_stream_pipe_to_restore(struct pipe_inode_info *pipe,
				     struct pipe_buffer *buf,
				     struct splice_desc *sd)
{
	struct lm_stream *stream = sd->u.file->private_data;
	struct folio *own = lm_stream_own_folio(buf);
	struct lm_fn *fn = stream->fn;
	struct iov_iter iter;
	size_t done = 0;
	struct kvec kv;
	ssize_t n = 0;
	void *base;

	guard(rwsem_read)(&fn->lmdev->registration_lock);
	guard(mutex)(&fn->lock);
	n = lm_stream_check(stream);
	if (n)
		return n;

	base = kmap_local_page(buf->page);
	while (done < sd->len) {
		kv.iov_base = base + buf->offset + done;
		kv.iov_len = sd->len - done;
		/* Save buffers are never highmem: their address lasts. */
		if (own && stream->phase == LM_RESTORE_PAYLOAD &&
		    (stream->zc || !stream->pos)) {
			n = lm_stream_take_own(stream, own, kv.iov_base,
					       kv.iov_len);
		} else if (stream->phase == LM_RESTORE_PAYLOAD) {
			n = lm_stream_take_copy(stream, kv.iov_base,
						kv.iov_len);
		} else {
			iov_iter_kvec(&iter, ITER_SOURCE, &kv, 1, kv.iov_len);
			n = lm_stream_consume(stream, &iter);
		}
		if (n < 0) {
			stream->error = n;
			break;
		}
		done += n;
	}
	kunmap_local(base);
	return done ?: n;
}

static ssize_t lm_stream_splice_write(struct pipe_inode_info *pipe,
				      struct file *out, loff_t *ppos,
				      size_t len, unsigned int flags)
{
	struct splice_desc sd = {
		.total_len = len,
		.flags = flags,
		.u.file = out,
	};
	ssize_t ret;

	pipe_lock(pipe);
	ret = __splice_from_pipe(pipe, &sd, lm_stream_pipe_to_restore);
	pipe_unlock(pipe);
	return ret;
}

static ssize_t lm_stream_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct lm_stream *stream = iocb->ki_filp->private_data;
	struct lm_fn *fn = stream->fn;
	int ret;

	/* Restore files are opened write-only: the VFS keeps readers out. */
	guard(rwsem_read)(&fn->lmdev->registration_lock);
	guard(mutex)(&fn->lock);
	ret = lm_stream_check(stream);
	if (ret)
		return ret;
	return lm_stream_restore_from(stream, from);
}

/* struct vfio_precopy_info is struct lm_precopy_info, field by field. */
static_assert(sizeof(struct vfio_precopy_info) == sizeof(struct lm_precopy_info));
static_assert(offsetof(struct vfio_precopy_info, argsz) ==
	      offsetof(struct lm_precopy_info, size));
static_assert(offsetof(struct vfio_precopy_info, flags) ==
	      offsetof(struct lm_precopy_info, flags));
static_assert(offsetof(struct vfio_precopy_info, initial_bytes) ==
	      offsetof(struct lm_precopy_info, initial_bytes));
static_assert(offsetof(struct vfio_precopy_info, dirty_bytes) ==
	      offsetof(struct lm_precopy_info, dirty_bytes));

static long lm_stream_ioctl(struct file *filp, unsigned int cmd,
			    unsigned long arg)
{
	struct lm_stream *stream = filp->private_data;
	struct lm_fn *fn = stream->fn;
	void __user *uarg = (void __user *)arg;
	struct lm_precopy_info info;
	u64 initial, dirty, pending;
	u32 user_size;
	int ret;

	/* VFIO's, for the data files a VFIO variant driver hands out. */
	if (cmd != LM_PRECOPY_INFO && cmd != VFIO_MIG_GET_PRECOPY_INFO)
		return -ENOTTY;

	ret = get_user(user_size, (u32 __user *)uarg);
	if (ret)
		return ret;
	if (user_size < offsetofend(struct lm_precopy_info, dirty_bytes))
		return -EINVAL;
	ret = copy_struct_from_user(&info, sizeof(info), uarg, user_size);
	if (ret)
		return ret;
	if (info.flags)
		return -EOPNOTSUPP;

	scoped_guard(rwsem_read, &fn->lmdev->registration_lock) {
		guard(mutex)(&fn->lock);
		ret = lm_stream_check(stream);
		if (ret)
			return ret;
		if (!stream->save || !lm_mig_state_is_precopy(fn->state))
			return -EINVAL;
		ret = fn->lmdev->ops->precopy_info(fn, &initial, &dirty);
		if (ret)
			return ret;
		pending = stream->len - stream->pos;
		if (!stream->header_sent)
			pending += sizeof(struct lm_stream_header);
	}

	info.initial_bytes = lm_records_size(initial);
	info.dirty_bytes = lm_records_size(dirty);
	/* Bytes already produced belong to whatever is still being sent. */
	if (initial)
		info.initial_bytes += pending;
	else
		info.dirty_bytes += pending;
	if (copy_to_user(uarg, &info, min_t(size_t, user_size, sizeof(info))))
		return -EFAULT;
	return 0;
}

static __poll_t lm_stream_poll(struct file *filp, poll_table *wait)
{
	struct lm_stream *stream = filp->private_data;
	struct lm_fn *fn = stream->fn;
	u64 initial, dirty;

	poll_wait(filp, &fn->data_wait, wait);

	guard(rwsem_read)(&fn->lmdev->registration_lock);
	guard(mutex)(&fn->lock);
	if (lm_stream_check(stream))
		return EPOLLERR;
	if (!stream->save)
		return EPOLLOUT | EPOLLWRNORM;
	if (stream->pos < stream->len || !stream->header_sent ||
	    !lm_mig_state_is_precopy(fn->state))
		return EPOLLIN | EPOLLRDNORM;
	if (fn->lmdev->ops->precopy_info(fn, &initial, &dirty))
		return EPOLLERR;
	return initial || dirty ? EPOLLIN | EPOLLRDNORM : 0;
}

static int lm_stream_release(struct inode *inode, struct file *filp)
{
	lm_stream_put(filp->private_data);
	return 0;
}

static const struct file_operations lm_stream_fops = {
	.owner = THIS_MODULE,
	.read_iter = lm_stream_read_iter,
	.write_iter = lm_stream_write_iter,
	.splice_read = lm_stream_splice_read,
	.splice_write = lm_stream_splice_write,
	.unlocked_ioctl = lm_stream_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.poll = lm_stream_poll,
	.release = lm_stream_release,
};

/* A new session of @fn, not yet attached; it holds a device reference. */
VISIBLE_IF_KUNIT struct lm_stream *lm_stream_alloc(struct lm_fn *fn, bool save)
{
	struct lm_stream *stream;

	stream = kzalloc(sizeof(*stream), GFP_KERNEL_ACCOUNT);
	if (!stream)
		return NULL;
	kref_init(&stream->kref);
	stream->fn = fn;
	stream->save = save;
	if (save && lm_stream_save_buf(stream)) {
		kfree(stream);
		return NULL;
	}
	get_device(&fn->lmdev->dev);
	return stream;
}
EXPORT_SYMBOL_IF_KUNIT(lm_stream_alloc);

/**
 * lm_stream_file - A data file for a new session of @fn
 * @fn: The function, locked
 * @save: A save session, else a restore session
 *
 * The file is not yet @fn's session: lm_stream_attach() makes it so once
 * the arc that opens the session succeeded. Until then the caller may fput()
 * it while holding @fn's lock.
 *
 * Return: the file or an ERR_PTR.
 */
struct file *lm_stream_file(struct lm_fn *fn, bool save)
{
	struct lm_stream *stream;
	struct file *filp;

	lockdep_assert_held(&fn->lock);

	stream = lm_stream_alloc(fn, save);
	if (!stream)
		return ERR_PTR(-ENOMEM);

	filp = anon_inode_getfile("[lm-data]", &lm_stream_fops, stream,
				  save ? O_RDONLY : O_WRONLY);
	if (IS_ERR(filp)) {
		lm_stream_put(stream);
		return filp;
	}
	stream_open(filp->f_inode, filp);
	return filp;
}
EXPORT_SYMBOL_IF_KUNIT(lm_stream_file);

/**
 * lm_stream_attach - Make a data file the current session of its function
 * @fn: The function, locked, with no session
 * @filp: From lm_stream_file() for @fn
 */
void lm_stream_attach(struct lm_fn *fn, struct file *filp)
{
	struct lm_stream *stream = filp->private_data;

	lockdep_assert_held(&fn->lock);
	WARN_ON(fn->stream || stream->fn != fn);

	kref_get(&stream->kref);
	fn->stream = stream;
}
EXPORT_SYMBOL_IF_KUNIT(lm_stream_attach);

/**
 * lm_stream_end - End the current data session of a function, if any
 * @fn: The function, locked
 *
 * Its file stays open, but every later operation on it fails.
 */
void lm_stream_end(struct lm_fn *fn)
{
	struct lm_stream *stream = fn->stream;

	lockdep_assert_held(&fn->lock);

	if (!stream)
		return;
	fn->stream = NULL;
	/*
	 * Every caller holds a device reference of its own (an open /dev/lmN
	 * or the driver's), so this put never frees the lock we hold.
	 */
	lm_stream_put(stream);
	wake_up_interruptible_all(&fn->data_wait);
}
EXPORT_SYMBOL_IF_KUNIT(lm_stream_end);

/**
 * lm_stream_restore_complete - Did the restore session get a whole stream?
 * @fn: The function, locked, in RESUMING
 */
bool lm_stream_restore_complete(struct lm_fn *fn)
{
	struct lm_stream *stream = fn->stream;

	lockdep_assert_held(&fn->lock);
	return stream && !stream->save && !stream->error &&
	       stream->phase == LM_RESTORE_DONE;
}
EXPORT_SYMBOL_IF_KUNIT(lm_stream_restore_complete);
