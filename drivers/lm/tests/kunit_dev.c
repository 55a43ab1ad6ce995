// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the live-migration core: a driver that does nothing but
 * record what the core asks of it, for the tests to compare with what the
 * uAPI says the core must ask.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <linux/file.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/xxhash.h>

#include "lm_kunit.h"

static struct lm_kunit_dev *lm_kunit_dev(struct lm_fn *fn)
{
	return container_of(fn->lmdev, struct lm_kunit_dev, lm);
}

static int lm_kunit_fn_query(struct lm_fn *fn, struct lm_fn_attrs *attrs)
{
	*attrs = (struct lm_fn_attrs){ .online = true, .memory = SZ_1M };
	return 0;
}

static int lm_kunit_step(struct lm_fn *fn, enum lm_mig_state cur,
			 enum lm_mig_state next)
{
	struct lm_kunit_dev *kdev = lm_kunit_dev(fn);
	unsigned int i = kdev->nr_arcs;

	lockdep_assert_held(&fn->lock);
	if (i == ARRAY_SIZE(kdev->arcs))
		return -E2BIG;
	kdev->arcs[i][0] = cur;
	kdev->arcs[i][1] = next;
	kdev->nr_arcs++;
	if (kdev->fail_arc != i)
		return 0;
	if (kdev->fail_sets_error)
		lm_fn_set_error(fn);
	return -EIO;
}

static ssize_t lm_kunit_save(struct lm_fn *fn, void *buf, size_t len)
{
	struct lm_kunit_dev *kdev = lm_kunit_dev(fn);
	unsigned int call = kdev->save_calls++;
	size_t n, i;
	u8 *p = buf;

	lockdep_assert_held(&fn->lock);
	if (call == kdev->fail_save_call)
		return -EIO;
	if (kdev->save_next >= kdev->nr_save_sizes)
		return 0;
	n = min(kdev->save_sizes[kdev->save_next++], len);
	for (i = 0; i < n; i++)
		p[i] = lm_kunit_payload_byte(kdev->save_offset + i);
	kdev->save_offset += n;
	return n;
}

static int lm_kunit_restore(struct lm_fn *fn, const void *buf, size_t len)
{
	struct lm_kunit_dev *kdev = lm_kunit_dev(fn);
	unsigned int call = kdev->restore_calls++;
	size_t size;
	u8 *bigger;

	lockdep_assert_held(&fn->lock);
	if (call == kdev->fail_restore_call)
		return kdev->fail_restore_err;
	if (kdev->restored_len + len > kdev->restored_size) {
		size = max(2 * kdev->restored_size, kdev->restored_len + len);
		bigger = kvmalloc(size, GFP_KERNEL);
		if (!bigger)
			return -ENOMEM;
		if (kdev->restored_len)
			memcpy(bigger, kdev->restored, kdev->restored_len);
		kvfree(kdev->restored);
		kdev->restored = bigger;
		kdev->restored_size = size;
	}
	memcpy(kdev->restored + kdev->restored_len, buf, len);
	kdev->restored_len += len;
	return 0;
}

static int lm_kunit_precopy_info(struct lm_fn *fn, u64 *initial_bytes,
				 u64 *dirty_bytes)
{
	*initial_bytes = 0;
	*dirty_bytes = 0;
	return 0;
}

static int lm_kunit_data_size(struct lm_fn *fn, u64 *stop_copy_bytes)
{
	*stop_copy_bytes = 0;
	return 0;
}

static int lm_kunit_reset(struct lm_fn *fn)
{
	return 0;
}

static const struct lm_ops lm_kunit_ops = {
	.fn_query = lm_kunit_fn_query,
	.step = lm_kunit_step,
	.save = lm_kunit_save,
	.restore = lm_kunit_restore,
	.precopy_info = lm_kunit_precopy_info,
	.data_size = lm_kunit_data_size,
	.reset = lm_kunit_reset,
};

static void lm_kunit_dev_destroy(void *data)
{
	struct lm_kunit_dev *kdev = data;
	unsigned int i;

	for (i = 0; i < kdev->lm.num_fns; i++) {
		struct lm_fn *fn = lm_fn(&kdev->lm, i);

		scoped_guard(mutex, &fn->lock)
			lm_stream_end(fn);
	}
	kvfree(kdev->restored);
	/* The data files the tests dropped hold references of their own. */
	flush_delayed_fput();
	lm_put(&kdev->lm);
}

/**
 * lm_kunit_dev_create - A recording device for one test
 * @test: The test; the device goes away when it ends
 * @mig_caps: The device's &enum lm_mig_caps
 *
 * Return: the device, with LM_KUNIT_NUM_FNS functions in RUNNING. The test
 * fails at once if it cannot be created.
 */
struct lm_kunit_dev *lm_kunit_dev_create(struct kunit *test, u32 mig_caps)
{
	struct lm_kunit_dev *kdev;
	int ret;

	kdev = lm_alloc_device(NULL, &lm_kunit_ops, LM_KUNIT_NUM_FNS,
			       struct lm_kunit_dev, lm);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, kdev);
	kdev->test = test;
	kdev->lm.mig_caps = mig_caps;
	strscpy_pad(kdev->lm.compat, LM_KUNIT_COMPAT);
	kdev->fail_arc = -1;
	kdev->fail_restore_call = -1;
	kdev->fail_save_call = -1;
	ret = kunit_add_action_or_reset(test, lm_kunit_dev_destroy, kdev);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return kdev;
}

KUNIT_DEFINE_ACTION_WRAPPER(lm_kunit_kvfree, kvfree, const void *);

/**
 * lm_kunit_kvzalloc - Zeroed memory, of any size, freed when the test ends
 * @test: The test, which fails at once if there is no memory
 * @size: Bytes
 */
void *lm_kunit_kvzalloc(struct kunit *test, size_t size)
{
	void *p = kvzalloc(size, GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, p);
	ret = kunit_add_action_or_reset(test, lm_kunit_kvfree, p);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return p;
}

/*
 * Streams sealed the way include/uapi/linux/lm.h describes them, written
 * here rather than taken from the core so that the core's sealing and
 * parsing are checked against the documentation, not against themselves.
 */

/*
 * The header the test device's function 0 produces: driver "lm_kunit", key
 * LM_KUNIT_COMPAT; the checksum is lm_kunit_seal_header()'s to fill in.
 */
static void lm_kunit_header_init(struct lm_stream_header *h)
{
	*h = (struct lm_stream_header){
		.magic = cpu_to_le32(LM_STREAM_MAGIC),
		.version = cpu_to_le16(LM_STREAM_VERSION),
		.header_size = cpu_to_le16(sizeof(*h)),
	};
	strscpy_pad(h->driver, KBUILD_MODNAME);
	strscpy_pad(h->compat, LM_KUNIT_COMPAT);
}

/**
 * lm_kunit_seal_header - Recompute the checksum of a stream's header
 * @s: The stream
 */
void lm_kunit_seal_header(struct lm_kunit_stream *s)
{
	struct lm_stream_header *h = (void *)s->buf;

	h->checksum = cpu_to_le64(xxh64(h, offsetof(typeof(*h), checksum), 0));
}

/**
 * lm_kunit_record - The header of a record of a stream
 * @s: The stream
 * @i: The record, 0 to @s->nr_records (the END record)
 */
struct lm_record_header *lm_kunit_record(struct lm_kunit_stream *s,
					 unsigned int i)
{
	return (void *)(s->buf + s->rec[i]);
}

/**
 * lm_kunit_seal_record - Recompute the checksums of a record
 * @s: The stream
 * @i: The record, 0 to @s->nr_records; its length field must still be the
 *	one it was built with
 */
void lm_kunit_seal_record(struct lm_kunit_stream *s, unsigned int i)
{
	struct lm_record_header *r = lm_kunit_record(s, i);

	r->payload_checksum = cpu_to_le64(xxh64(r + 1, le64_to_cpu(r->length),
						0));
	r->checksum = cpu_to_le64(xxh64(r, offsetof(typeof(*r), checksum), 0));
}

/**
 * lm_kunit_stream_build - A valid stream from the test device's function 0
 * @test: The test, which owns the buffer
 * @s: The stream to build
 * @lens: The payload length of each DATA record, each at least 1
 * @nr: Number of DATA records, at most LM_KUNIT_MAX_RECORDS
 *
 * Payload byte i, counted across the records, is lm_kunit_payload_byte(i).
 */
void lm_kunit_stream_build(struct kunit *test, struct lm_kunit_stream *s,
			   const size_t *lens, unsigned int nr)
{
	struct lm_stream_end *end;
	struct lm_record_header *r;
	size_t len = sizeof(struct lm_stream_header), pos, j;
	u64 offset = 0;
	unsigned int i;

	KUNIT_ASSERT_LE(test, nr, LM_KUNIT_MAX_RECORDS);
	for (i = 0; i < nr; i++)
		len += sizeof(*r) + lens[i];
	len += sizeof(*r) + sizeof(*end);

	s->buf = lm_kunit_kvzalloc(test, len);
	s->len = len;
	s->nr_records = nr;

	lm_kunit_header_init((void *)s->buf);
	lm_kunit_seal_header(s);
	pos = sizeof(struct lm_stream_header);
	for (i = 0; i <= nr; i++) {
		s->rec[i] = pos;
		r = lm_kunit_record(s, i);
		r->seq = cpu_to_le32(i);
		if (i < nr) {
			r->type = cpu_to_le16(LM_RECORD_DATA);
			r->length = cpu_to_le64(lens[i]);
			for (j = 0; j < lens[i]; j++)
				((u8 *)(r + 1))[j] =
					lm_kunit_payload_byte(offset + j);
			offset += lens[i];
		} else {
			r->type = cpu_to_le16(LM_RECORD_END);
			r->length = cpu_to_le64(sizeof(*end));
			end = (void *)(r + 1);
			end->records = cpu_to_le64(nr);
			end->bytes = cpu_to_le64(offset);
		}
		lm_kunit_seal_record(s, i);
		pos += sizeof(*r) + le64_to_cpu(r->length);
	}
}

/**
 * lm_kunit_restore_session - Start a restore session on a function
 * @fn: A function of a test device, locked, with no session
 *
 * A session without a data file: the function holds the only reference,
 * dropped by lm_stream_end().
 *
 * Return: the session.
 */
struct lm_stream *lm_kunit_restore_session(struct lm_fn *fn)
{
	lockdep_assert_held(&fn->lock);
	WARN_ON(fn->stream);
	fn->stream = lm_stream_alloc(fn, false);
	return fn->stream;
}

/**
 * lm_kunit_feed - Write a stream to a restore session in pieces
 * @stream: The session
 * @buf: The bytes
 * @len: How many
 * @piece: Bytes per call of lm_stream_restore_from(), at least 1
 *
 * Return: @len, or the first error; a call that takes less than it was
 * given without an error is an error too (-EIO).
 */
ssize_t lm_kunit_feed(struct lm_stream *stream, const void *buf, size_t len,
		      size_t piece)
{
	size_t done = 0, n;
	struct iov_iter iter;
	struct kvec kvec;
	ssize_t ret;

	while (done < len) {
		n = min(piece, len - done);
		kvec = (struct kvec){ .iov_base = (void *)buf + done,
				      .iov_len = n };
		iov_iter_kvec(&iter, ITER_SOURCE, &kvec, 1, n);
		ret = lm_stream_restore_from(stream, &iter);
		if (ret < 0)
			return ret;
		if (ret != n)
			return -EIO;
		done += n;
	}
	return len;
}

MODULE_IMPORT_NS(LM);
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_DESCRIPTION("KUnit tests of the live-migration core");
MODULE_LICENSE("GPL");
