// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the migration stream: the restore parser fed valid,
 * truncated, corrupted and hostile streams in pieces of every size, and the
 * save side's envelope read back by a parser of the tests' own.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/xxhash.h>

#include "lm_kunit.h"

#define HDR_SIZE sizeof(struct lm_stream_header)
#define REC_SIZE sizeof(struct lm_record_header)
#define END_SIZE sizeof(struct lm_stream_end)

/* A stream of a few records of awkward sizes. */
static const size_t lm_kunit_lens[] = { 1, 4096, 70001 };

/*
 * A restore session on function 0 of a test device. The function's lock is
 * taken around each call into the core, as the data file does, and never
 * held by a failing assertion, which ends the test's thread.
 */
struct lm_kunit_restore {
	struct lm_kunit_dev *kdev;
	struct lm_fn *fn;
	struct lm_stream *stream;
};

/* Forget what the session had and start a new one. */
static void lm_kunit_restore_again(struct kunit *test,
				   struct lm_kunit_restore *r)
{
	scoped_guard(mutex, &r->fn->lock) {
		lm_stream_end(r->fn);
		r->kdev->restored_len = 0;
		r->kdev->restore_calls = 0;
		r->kdev->fail_restore_call = -1;
		r->fn->state = LM_MIG_STATE_RESUMING;
		r->stream = lm_kunit_restore_session(r->fn);
	}
	KUNIT_ASSERT_NOT_NULL(test, r->stream);
}

static void lm_kunit_restore_start(struct kunit *test,
				   struct lm_kunit_restore *r)
{
	r->kdev = lm_kunit_dev_create(test, LM_MIG_STOP_COPY);
	r->fn = lm_fn(&r->kdev->lm, 0);
	lm_kunit_restore_again(test, r);
}

static ssize_t lm_kunit_restore_feed(struct lm_kunit_restore *r,
				     const void *buf, size_t len, size_t piece)
{
	guard(mutex)(&r->fn->lock);
	return lm_kunit_feed(r->stream, buf, len, piece);
}

static bool lm_kunit_restore_complete(struct lm_kunit_restore *r)
{
	guard(mutex)(&r->fn->lock);
	return lm_stream_restore_complete(r->fn);
}

/* Payload bytes the driver must have got: the first @len of the pattern. */
static void lm_kunit_expect_restored(struct kunit *test,
				     const struct lm_kunit_dev *kdev,
				     size_t len, const char *what)
{
	size_t i;

	KUNIT_EXPECT_EQ_MSG(test, kdev->restored_len, len, "%s", what);
	for (i = 0; i < min(len, kdev->restored_len); i++) {
		if (kdev->restored[i] != lm_kunit_payload_byte(i)) {
			KUNIT_FAIL(test, "%s: payload byte %zu differs", what, i);
			return;
		}
	}
}

static size_t lm_kunit_payload_total(const size_t *lens, unsigned int nr)
{
	size_t total = 0;
	unsigned int i;

	for (i = 0; i < nr; i++)
		total += lens[i];
	return total;
}

static const size_t lm_kunit_pieces[] = {
	1, 2, 3, 7, 31, 32, 33, HDR_SIZE - 1, HDR_SIZE, HDR_SIZE + 1, 4093,
	65537, SIZE_MAX,
};

static void lm_kunit_piece_desc(const size_t *piece, char *desc)
{
	if (*piece == SIZE_MAX)
		snprintf(desc, KUNIT_PARAM_DESC_SIZE, "whole");
	else
		snprintf(desc, KUNIT_PARAM_DESC_SIZE, "pieces of %zu", *piece);
}

KUNIT_ARRAY_PARAM(lm_kunit_pieces, lm_kunit_pieces, lm_kunit_piece_desc);

/*
 * A valid stream written in pieces of any size is taken whole: every byte
 * accepted, every record's payload passed on exactly once, in order, and
 * the session complete.
 */
static void lm_stream_valid_test(struct kunit *test)
{
	const size_t piece = *(const size_t *)test->param_value;
	struct lm_kunit_restore r;
	struct lm_kunit_stream s;

	lm_kunit_stream_build(test, &s, lm_kunit_lens,
			      ARRAY_SIZE(lm_kunit_lens));
	lm_kunit_restore_start(test, &r);
	KUNIT_EXPECT_EQ(test, lm_kunit_restore_feed(&r, s.buf, s.len, piece),
			(ssize_t)s.len);
	KUNIT_EXPECT_TRUE(test, lm_kunit_restore_complete(&r));
	KUNIT_EXPECT_EQ(test, r.kdev->restore_calls,
			ARRAY_SIZE(lm_kunit_lens));
	lm_kunit_expect_restored(test, r.kdev,
				 lm_kunit_payload_total(lm_kunit_lens,
							ARRAY_SIZE(lm_kunit_lens)),
				 "valid");
}

/* The same in random pieces, the split different every time. */
static void lm_stream_random_pieces_test(struct kunit *test)
{
	struct lm_kunit_restore r;
	struct lm_kunit_stream s;
	struct rnd_state rnd;
	unsigned int round;

	prandom_seed_state(&rnd, 0x6c6d);
	lm_kunit_stream_build(test, &s, lm_kunit_lens,
			      ARRAY_SIZE(lm_kunit_lens));
	lm_kunit_restore_start(test, &r);
	for (round = 0; round < 16; round++) {
		size_t done = 0, n;
		ssize_t ret = 0;

		lm_kunit_restore_again(test, &r);
		while (done < s.len && ret >= 0) {
			n = 1 + prandom_u32_state(&rnd) %
				(round < 8 ? 300 : 70000);
			n = min(n, s.len - done);
			ret = lm_kunit_restore_feed(&r, s.buf + done, n, n);
			done += n;
		}
		KUNIT_EXPECT_GE_MSG(test, ret, 0, "round %u", round);
		KUNIT_EXPECT_TRUE(test, lm_kunit_restore_complete(&r));
		KUNIT_EXPECT_EQ(test, r.kdev->restore_calls,
				ARRAY_SIZE(lm_kunit_lens));
	}
}

/* No DATA record at all is a valid (empty) state. */
static void lm_stream_empty_test(struct kunit *test)
{
	struct lm_kunit_restore r;
	struct lm_kunit_stream s;

	lm_kunit_stream_build(test, &s, NULL, 0);
	lm_kunit_restore_start(test, &r);
	KUNIT_EXPECT_EQ(test, lm_kunit_restore_feed(&r, s.buf, s.len, 1),
			(ssize_t)s.len);
	KUNIT_EXPECT_TRUE(test, lm_kunit_restore_complete(&r));
	KUNIT_EXPECT_EQ(test, r.kdev->restore_calls, 0);
}

/* A record of exactly LM_RECORD_MAX_PAYLOAD is accepted. */
static void lm_stream_max_record_test(struct kunit *test)
{
	const size_t lens[] = { LM_RECORD_MAX_PAYLOAD, 1 };
	struct lm_kunit_restore r;
	struct lm_kunit_stream s;

	lm_kunit_stream_build(test, &s, lens, ARRAY_SIZE(lens));
	lm_kunit_restore_start(test, &r);
	KUNIT_EXPECT_EQ(test, lm_kunit_restore_feed(&r, s.buf, s.len, SZ_1M),
			(ssize_t)s.len);
	KUNIT_EXPECT_TRUE(test, lm_kunit_restore_complete(&r));
	lm_kunit_expect_restored(test, r.kdev, LM_RECORD_MAX_PAYLOAD + 1,
				 "max record");
}

/* DATA records wholly inside the first @len bytes of @s. */
static unsigned int lm_kunit_records_within(const struct lm_kunit_stream *s,
					    size_t len, size_t *payload)
{
	unsigned int i;

	*payload = 0;
	for (i = 0; i < s->nr_records; i++) {
		const struct lm_record_header *rh = (void *)(s->buf + s->rec[i]);
		size_t end = s->rec[i] + REC_SIZE + le64_to_cpu(rh->length);

		if (end > len)
			break;
		*payload += le64_to_cpu(rh->length);
	}
	return i;
}

/*
 * Every proper prefix of a valid stream is taken without an error but does
 * not complete the session, and the driver has seen exactly the records
 * that arrived whole.
 */
static void lm_stream_truncated_test(struct kunit *test)
{
	const size_t lens[] = { 1, 100, 3 };
	struct lm_kunit_restore r;
	struct lm_kunit_stream s;
	size_t len, payload;
	unsigned int records;

	lm_kunit_stream_build(test, &s, lens, ARRAY_SIZE(lens));
	lm_kunit_restore_start(test, &r);
	for (len = 0; len < s.len; len++) {
		lm_kunit_restore_again(test, &r);
		KUNIT_EXPECT_EQ_MSG(test,
				    lm_kunit_restore_feed(&r, s.buf, len,
							  len % 5 + 1),
				    (ssize_t)len, "prefix of %zu bytes", len);
		KUNIT_EXPECT_FALSE_MSG(test, lm_kunit_restore_complete(&r),
				       "prefix of %zu bytes", len);
		records = lm_kunit_records_within(&s, len, &payload);
		KUNIT_EXPECT_EQ_MSG(test, r.kdev->restore_calls, records,
				    "prefix of %zu bytes", len);
		KUNIT_EXPECT_EQ(test, r.kdev->restored_len, payload);
	}
}

/*
 * The errno the uAPI documents for a stream damaged at byte @off: the
 * header's magic, version and size are checked before its checksum, so
 * damage there says what it hit; anywhere else the checksum that covers
 * the byte catches it.
 */
static int lm_kunit_damage_errno(size_t off)
{
	if (off < offsetofend(struct lm_stream_header, magic))
		return -EPROTO;
	if (off < offsetofend(struct lm_stream_header, version))
		return -EPROTONOSUPPORT;
	if (off < offsetofend(struct lm_stream_header, header_size))
		return -EPROTO;
	return -EBADMSG;
}

/*
 * A stream with any one byte damaged (each bit pattern flipped in turn) is
 * refused with the documented errno, and the driver never sees the record
 * the damage is in, nor any after it.
 */
static void lm_stream_corrupted_test(struct kunit *test)
{
	static const u8 flips[] = { 0x01, 0x80, 0xff };
	const size_t lens[] = { 1, 100, 3 };
	struct lm_kunit_restore r;
	struct lm_kunit_stream s;
	unsigned int f, records;
	size_t off, payload;

	lm_kunit_stream_build(test, &s, lens, ARRAY_SIZE(lens));
	lm_kunit_restore_start(test, &r);
	for (off = 0; off < s.len; off++) {
		for (f = 0; f < ARRAY_SIZE(flips); f++) {
			lm_kunit_restore_again(test, &r);
			s.buf[off] ^= flips[f];
			KUNIT_EXPECT_EQ_MSG(test,
					    lm_kunit_restore_feed(&r, s.buf,
								  s.len, 13),
					    (ssize_t)lm_kunit_damage_errno(off),
					    "byte %zu ^ %#x", off, flips[f]);
			s.buf[off] ^= flips[f];
			KUNIT_EXPECT_FALSE(test,
					   lm_kunit_restore_complete(&r));
			records = lm_kunit_records_within(&s, off, &payload);
			KUNIT_EXPECT_EQ_MSG(test, r.kdev->restore_calls,
					    records, "byte %zu ^ %#x", off,
					    flips[f]);
		}
	}
}

/*
 * A hostile stream: checksums all correct, content not. Each case changes
 * a valid stream of the records lm_kunit_lens and reseals what it touched.
 */
struct lm_kunit_hostile {
	const char *name;
	void (*mutate)(struct lm_kunit_stream *s);
	int err;
	/* DATA records the driver takes before the refusal. */
	unsigned int records;
};

static struct lm_stream_header *hdr(struct lm_kunit_stream *s)
{
	return (void *)s->buf;
}

static void bad_magic(struct lm_kunit_stream *s)
{
	hdr(s)->magic = cpu_to_le32(LM_STREAM_MAGIC + 1);
	lm_kunit_seal_header(s);
}

static void version_0(struct lm_kunit_stream *s)
{
	hdr(s)->version = 0;
	lm_kunit_seal_header(s);
}

static void version_next(struct lm_kunit_stream *s)
{
	hdr(s)->version = cpu_to_le16(LM_STREAM_VERSION + 1);
	lm_kunit_seal_header(s);
}

static void header_size_short(struct lm_kunit_stream *s)
{
	hdr(s)->header_size = cpu_to_le16(HDR_SIZE - 8);
	lm_kunit_seal_header(s);
}

static void header_size_long(struct lm_kunit_stream *s)
{
	hdr(s)->header_size = cpu_to_le16(HDR_SIZE + 8);
	lm_kunit_seal_header(s);
}

static void header_flags(struct lm_kunit_stream *s)
{
	hdr(s)->flags = cpu_to_le32(1U << 31);
	lm_kunit_seal_header(s);
}

static void header_reserved0(struct lm_kunit_stream *s)
{
	hdr(s)->reserved[0] = cpu_to_le64(1);
	lm_kunit_seal_header(s);
}

static void header_reserved1(struct lm_kunit_stream *s)
{
	hdr(s)->reserved[1] = cpu_to_le64(1ULL << 63);
	lm_kunit_seal_header(s);
}

static void other_driver(struct lm_kunit_stream *s)
{
	strscpy_pad(hdr(s)->driver, "lm_sim");
	lm_kunit_seal_header(s);
}

/* The right name, then garbage where the padding should be. */
static void driver_unpadded(struct lm_kunit_stream *s)
{
	hdr(s)->driver[sizeof(hdr(s)->driver) - 1] = 'x';
	lm_kunit_seal_header(s);
}

static void driver_longer(struct lm_kunit_stream *s)
{
	strscpy_pad(hdr(s)->driver, KBUILD_MODNAME "x");
	lm_kunit_seal_header(s);
}

static void other_compat(struct lm_kunit_stream *s)
{
	strscpy_pad(hdr(s)->compat, LM_KUNIT_COMPAT "-next");
	lm_kunit_seal_header(s);
}

static void compat_empty(struct lm_kunit_stream *s)
{
	memset(hdr(s)->compat, 0, sizeof(hdr(s)->compat));
	lm_kunit_seal_header(s);
}

static void record_flags(struct lm_kunit_stream *s)
{
	lm_kunit_record(s, 1)->flags = cpu_to_le16(1);
	lm_kunit_seal_record(s, 1);
}

static void seq_from_1(struct lm_kunit_stream *s)
{
	unsigned int i;

	for (i = 0; i <= s->nr_records; i++) {
		lm_kunit_record(s, i)->seq = cpu_to_le32(i + 1);
		lm_kunit_seal_record(s, i);
	}
}

static void seq_repeated(struct lm_kunit_stream *s)
{
	lm_kunit_record(s, 1)->seq = cpu_to_le32(0);
	lm_kunit_seal_record(s, 1);
}

static void seq_skipped(struct lm_kunit_stream *s)
{
	lm_kunit_record(s, 2)->seq = cpu_to_le32(3);
	lm_kunit_seal_record(s, 2);
}

static void type_0(struct lm_kunit_stream *s)
{
	lm_kunit_record(s, 1)->type = 0;
	lm_kunit_seal_record(s, 1);
}

static void type_3(struct lm_kunit_stream *s)
{
	lm_kunit_record(s, 1)->type = cpu_to_le16(3);
	lm_kunit_seal_record(s, 1);
}

static void type_u16_max(struct lm_kunit_stream *s)
{
	lm_kunit_record(s, 1)->type = cpu_to_le16(U16_MAX);
	lm_kunit_seal_record(s, 1);
}

/* A record header claiming @len payload bytes, its checksum redone. */
static void set_length(struct lm_kunit_stream *s, unsigned int i, u64 len)
{
	struct lm_record_header *rh = lm_kunit_record(s, i);

	rh->length = cpu_to_le64(len);
	rh->checksum = cpu_to_le64(xxh64(rh, offsetof(typeof(*rh), checksum),
					 0));
}

static void data_empty(struct lm_kunit_stream *s)
{
	set_length(s, 1, 0);
}

static void data_too_long(struct lm_kunit_stream *s)
{
	set_length(s, 1, LM_RECORD_MAX_PAYLOAD + 1);
}

static void data_huge(struct lm_kunit_stream *s)
{
	set_length(s, 1, U64_MAX);
}

static void data_as_end(struct lm_kunit_stream *s)
{
	/* An END record first: its length is that of a DATA record. */
	lm_kunit_record(s, 0)->type = cpu_to_le16(LM_RECORD_END);
	lm_kunit_seal_record(s, 0);
}

static void end_short(struct lm_kunit_stream *s)
{
	set_length(s, s->nr_records, END_SIZE - 1);
}

static void end_long(struct lm_kunit_stream *s)
{
	set_length(s, s->nr_records, END_SIZE + 1);
}

static struct lm_stream_end *end(struct lm_kunit_stream *s)
{
	return (void *)(lm_kunit_record(s, s->nr_records) + 1);
}

static void end_records_more(struct lm_kunit_stream *s)
{
	le64_add_cpu(&end(s)->records, 1);
	lm_kunit_seal_record(s, s->nr_records);
}

static void end_records_fewer(struct lm_kunit_stream *s)
{
	le64_add_cpu(&end(s)->records, -1);
	lm_kunit_seal_record(s, s->nr_records);
}

static void end_bytes_more(struct lm_kunit_stream *s)
{
	le64_add_cpu(&end(s)->bytes, 1);
	lm_kunit_seal_record(s, s->nr_records);
}

static void end_bytes_fewer(struct lm_kunit_stream *s)
{
	le64_add_cpu(&end(s)->bytes, -1);
	lm_kunit_seal_record(s, s->nr_records);
}

#define HOSTILE(_mutate, _err, _records) \
	{ .name = #_mutate, .mutate = _mutate, .err = _err, .records = _records }

static const struct lm_kunit_hostile lm_kunit_hostile[] = {
	HOSTILE(bad_magic, -EPROTO, 0),
	HOSTILE(version_0, -EPROTONOSUPPORT, 0),
	HOSTILE(version_next, -EPROTONOSUPPORT, 0),
	HOSTILE(header_size_short, -EPROTO, 0),
	HOSTILE(header_size_long, -EPROTO, 0),
	HOSTILE(header_flags, -EPROTO, 0),
	HOSTILE(header_reserved0, -EPROTO, 0),
	HOSTILE(header_reserved1, -EPROTO, 0),
	HOSTILE(other_driver, -EXDEV, 0),
	HOSTILE(driver_unpadded, -EXDEV, 0),
	HOSTILE(driver_longer, -EXDEV, 0),
	HOSTILE(other_compat, -EXDEV, 0),
	HOSTILE(compat_empty, -EXDEV, 0),
	HOSTILE(record_flags, -EPROTO, 1),
	HOSTILE(seq_from_1, -EPROTO, 0),
	HOSTILE(seq_repeated, -EPROTO, 1),
	HOSTILE(seq_skipped, -EPROTO, 2),
	HOSTILE(type_0, -EPROTO, 1),
	HOSTILE(type_3, -EPROTO, 1),
	HOSTILE(type_u16_max, -EPROTO, 1),
	HOSTILE(data_empty, -EPROTO, 1),
	HOSTILE(data_too_long, -EMSGSIZE, 1),
	HOSTILE(data_huge, -EMSGSIZE, 1),
	HOSTILE(data_as_end, -EPROTO, 0),
	HOSTILE(end_short, -EPROTO, 3),
	HOSTILE(end_long, -EPROTO, 3),
	HOSTILE(end_records_more, -EPROTO, 3),
	HOSTILE(end_records_fewer, -EPROTO, 3),
	HOSTILE(end_bytes_more, -EPROTO, 3),
	HOSTILE(end_bytes_fewer, -EPROTO, 3),
};

static void lm_kunit_hostile_desc(const struct lm_kunit_hostile *h,
				  char *desc)
{
	strscpy(desc, h->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(lm_kunit_hostile, lm_kunit_hostile, lm_kunit_hostile_desc);

/*
 * A stream whose checksums are right but whose content breaks a rule is
 * refused with the documented errno, whether written whole or a byte at a
 * time; the driver has taken only the records before the offending one.
 */
static void lm_stream_hostile_test(struct kunit *test)
{
	const struct lm_kunit_hostile *h = test->param_value;
	static const size_t pieces[] = { 1, 29, SIZE_MAX };
	struct lm_kunit_restore r;
	struct lm_kunit_stream s;
	size_t payload = 0;
	unsigned int i;

	lm_kunit_stream_build(test, &s, lm_kunit_lens,
			      ARRAY_SIZE(lm_kunit_lens));
	h->mutate(&s);
	for (i = 0; i < h->records; i++)
		payload += lm_kunit_lens[i];

	lm_kunit_restore_start(test, &r);
	for (i = 0; i < ARRAY_SIZE(pieces); i++) {
		lm_kunit_restore_again(test, &r);
		KUNIT_EXPECT_EQ_MSG(test,
				    lm_kunit_restore_feed(&r, s.buf, s.len,
							  pieces[i]),
				    (ssize_t)h->err, "pieces of %zu",
				    pieces[i]);
		KUNIT_EXPECT_FALSE(test, lm_kunit_restore_complete(&r));
		KUNIT_EXPECT_EQ(test, r.kdev->restore_calls, h->records);
		lm_kunit_expect_restored(test, r.kdev, payload, h->name);
	}
}

/* Anything after the END record is refused, a second stream included. */
static void lm_stream_after_end_test(struct kunit *test)
{
	struct lm_kunit_restore r;
	struct lm_kunit_stream s;

	lm_kunit_stream_build(test, &s, lm_kunit_lens,
			      ARRAY_SIZE(lm_kunit_lens));
	lm_kunit_restore_start(test, &r);
	KUNIT_ASSERT_EQ(test, lm_kunit_restore_feed(&r, s.buf, s.len, s.len),
			(ssize_t)s.len);
	KUNIT_EXPECT_EQ(test, lm_kunit_restore_feed(&r, s.buf, 1, 1),
			(ssize_t)-EPROTO);
	KUNIT_EXPECT_FALSE(test, lm_kunit_restore_complete(&r));

	lm_kunit_restore_again(test, &r);
	KUNIT_EXPECT_EQ(test, lm_kunit_restore_feed(&r, s.buf, s.len, s.len),
			(ssize_t)s.len);
	KUNIT_EXPECT_EQ(test, lm_kunit_restore_feed(&r, s.buf, s.len, s.len),
			(ssize_t)-EPROTO);
	KUNIT_EXPECT_EQ(test, r.kdev->restore_calls,
			ARRAY_SIZE(lm_kunit_lens));
}

/* The driver's refusal of a record ends the stream with its errno. */
static void lm_stream_driver_refuses_test(struct kunit *test)
{
	static const int errs[] = { -EMSGSIZE, -EINVAL, -ENOMEM };
	struct lm_kunit_restore r;
	struct lm_kunit_stream s;
	unsigned int i;

	lm_kunit_stream_build(test, &s, lm_kunit_lens,
			      ARRAY_SIZE(lm_kunit_lens));
	lm_kunit_restore_start(test, &r);
	for (i = 0; i < ARRAY_SIZE(errs); i++) {
		lm_kunit_restore_again(test, &r);
		r.kdev->fail_restore_call = 1;
		r.kdev->fail_restore_err = errs[i];
		KUNIT_EXPECT_EQ(test, lm_kunit_restore_feed(&r, s.buf, s.len, 64),
				(ssize_t)errs[i]);
		KUNIT_EXPECT_EQ(test, r.kdev->restore_calls, 2);
		KUNIT_EXPECT_FALSE(test, lm_kunit_restore_complete(&r));
	}
}

/*
 * Through the data file, as user space writes it: an error is sticky, so
 * nothing after a bad byte is taken, and an ended session refuses writes.
 */
static void lm_stream_file_sticky_test(struct kunit *test)
{
	struct lm_kunit_dev *kdev = lm_kunit_dev_create(test, LM_MIG_STOP_COPY);
	struct lm_fn *fn = lm_fn(&kdev->lm, 0);
	struct lm_kunit_stream s;
	struct file *filp;
	loff_t pos = 0;

	lm_kunit_stream_build(test, &s, lm_kunit_lens,
			      ARRAY_SIZE(lm_kunit_lens));
	scoped_guard(mutex, &fn->lock) {
		fn->state = LM_MIG_STATE_RESUMING;
		filp = lm_stream_file(fn, false);
		if (!IS_ERR(filp))
			lm_stream_attach(fn, filp);
	}
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, filp);

	/* The first record's payload is damaged. */
	s.buf[s.rec[0] + REC_SIZE] ^= 1;
	KUNIT_EXPECT_EQ(test, kernel_write(filp, s.buf, s.rec[1], &pos),
			(ssize_t)-EBADMSG);
	KUNIT_EXPECT_EQ(test, kernel_write(filp, s.buf + s.rec[1], 1, &pos),
			(ssize_t)-EBADMSG);
	KUNIT_EXPECT_EQ(test, kdev->restore_calls, 0);

	scoped_guard(mutex, &fn->lock) {
		KUNIT_EXPECT_FALSE(test, lm_stream_restore_complete(fn));
		lm_stream_end(fn);
	}
	KUNIT_EXPECT_EQ(test, kernel_write(filp, s.buf, 1, &pos),
			(ssize_t)-EINVAL);
	fput(filp);
}

/*
 * What the save side sends, as the documentation describes it: read back
 * by a parser of the test's own, fed to a restore session of another
 * function, which takes it whole.
 */
static void lm_kunit_check_saved(struct kunit *test, const u8 *buf, size_t len,
				 size_t payload)
{
	const struct lm_stream_header *h = (const void *)buf;
	char driver[LM_NAME_MAX] = {}, compat[64] = {};
	size_t pos = HDR_SIZE, data = 0;
	u32 seq = 0;

	KUNIT_ASSERT_GE(test, len, HDR_SIZE);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(h->magic), LM_STREAM_MAGIC);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(h->version), LM_STREAM_VERSION);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(h->header_size), HDR_SIZE);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(h->flags), 0);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(h->fn), 0);
	strscpy_pad(driver, KBUILD_MODNAME);
	strscpy_pad(compat, LM_KUNIT_COMPAT);
	KUNIT_EXPECT_MEMEQ(test, h->driver, driver, sizeof(driver));
	KUNIT_EXPECT_MEMEQ(test, h->compat, compat, sizeof(compat));
	KUNIT_EXPECT_EQ(test, le64_to_cpu(h->reserved[0]) |
				      le64_to_cpu(h->reserved[1]), 0);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(h->checksum),
			xxh64(h, offsetof(typeof(*h), checksum), 0));

	for (;;) {
		const struct lm_record_header *rh = (const void *)(buf + pos);
		u64 rlen;
		size_t i;

		KUNIT_ASSERT_LE(test, pos + REC_SIZE, len);
		rlen = le64_to_cpu(rh->length);
		KUNIT_ASSERT_LE(test, pos + REC_SIZE + rlen, len);
		KUNIT_EXPECT_EQ(test, le64_to_cpu(rh->checksum),
				xxh64(rh, offsetof(typeof(*rh), checksum), 0));
		KUNIT_EXPECT_EQ(test, le64_to_cpu(rh->payload_checksum),
				xxh64(rh + 1, rlen, 0));
		KUNIT_EXPECT_EQ(test, le16_to_cpu(rh->flags), 0);
		KUNIT_EXPECT_EQ(test, le32_to_cpu(rh->seq), seq);
		pos += REC_SIZE + rlen;
		seq++;
		if (le16_to_cpu(rh->type) == LM_RECORD_END) {
			const struct lm_stream_end *e = (const void *)(rh + 1);

			KUNIT_ASSERT_EQ(test, rlen, END_SIZE);
			KUNIT_EXPECT_EQ(test, le64_to_cpu(e->records), seq - 1);
			KUNIT_EXPECT_EQ(test, le64_to_cpu(e->bytes), data);
			break;
		}
		KUNIT_ASSERT_EQ(test, le16_to_cpu(rh->type), LM_RECORD_DATA);
		KUNIT_EXPECT_GT(test, rlen, 0);
		KUNIT_EXPECT_LE(test, rlen, LM_RECORD_MAX_PAYLOAD);
		for (i = 0; i < rlen; i++) {
			if (((const u8 *)(rh + 1))[i] !=
			    lm_kunit_payload_byte(data + i)) {
				KUNIT_FAIL(test, "payload byte %zu differs",
					   data + i);
				break;
			}
		}
		data += rlen;
	}
	KUNIT_EXPECT_EQ(test, pos, len);
	KUNIT_EXPECT_EQ(test, data, payload);
}

/*
 * Read a save session in pieces of @piece until it fails (@err) or ends
 * (@err 0); -ENOSPC if @buf is full first. Returns the bytes read.
 */
static size_t lm_kunit_drain(struct lm_stream *stream, u8 *buf, size_t size,
			     size_t piece, int *err)
{
	size_t done = 0, n;
	struct iov_iter iter;
	struct kvec kvec;
	ssize_t ret;

	for (;;) {
		n = min(piece, size - done);
		if (!n) {
			*err = -ENOSPC;
			return done;
		}
		kvec = (struct kvec){ .iov_base = buf + done, .iov_len = n };
		iov_iter_kvec(&iter, ITER_DEST, &kvec, 1, n);
		ret = lm_stream_save_to(stream, &iter);
		if (ret <= 0) {
			*err = ret;
			return done;
		}
		done += ret;
	}
}

/* Reads of a byte at a time over a MiB take too long under the checkers. */
static const size_t lm_kunit_save_pieces[] = { 31, 4093, 65537, SIZE_MAX };

KUNIT_ARRAY_PARAM(lm_kunit_save_pieces, lm_kunit_save_pieces,
		  lm_kunit_piece_desc);

/*
 * A save session of function 0 of @kdev in @state, reading what it produces
 * in pieces of @piece into @buf until an error or the end of the stream
 * (@err 0). Returns the bytes read.
 */
static size_t lm_kunit_read_save(struct lm_kunit_dev *kdev,
				 struct lm_stream *stream, u32 state, u8 *buf,
				 size_t size, size_t piece, int *err)
{
	struct lm_fn *fn = lm_fn(&kdev->lm, 0);

	guard(mutex)(&fn->lock);
	fn->state = state;
	if (!fn->stream)
		fn->stream = stream;
	return lm_kunit_drain(stream, buf, size, piece, err);
}

/*
 * STOP_COPY: the whole payload, cut into records no larger than what
 * save() returned, sealed and ended, in reads of any size; and what was
 * read restores on another function.
 */
static void lm_stream_save_test(struct kunit *test)
{
	const size_t piece = *(const size_t *)test->param_value;
	/* The largest save() the core asks for among them. */
	static const size_t sizes[] = { 10, LM_SAVE_CHUNK, 1, 4099 };
	struct lm_kunit_dev *kdev = lm_kunit_dev_create(test, LM_MIG_STOP_COPY);
	size_t payload = lm_kunit_payload_total(sizes, ARRAY_SIZE(sizes));
	size_t size = payload + HDR_SIZE + 8 * REC_SIZE + END_SIZE;
	struct lm_kunit_restore r = { .kdev = kdev, .fn = lm_fn(&kdev->lm, 1) };
	struct lm_stream *stream;
	size_t len;
	int err;
	u8 *buf;

	buf = lm_kunit_kvzalloc(test, size);
	kdev->save_sizes = sizes;
	kdev->nr_save_sizes = ARRAY_SIZE(sizes);
	stream = lm_stream_alloc(lm_fn(&kdev->lm, 0), true);
	KUNIT_ASSERT_NOT_NULL(test, stream);

	len = lm_kunit_read_save(kdev, stream, LM_MIG_STATE_STOP_COPY, buf,
				 size, piece, &err);
	KUNIT_EXPECT_EQ(test, err, 0);
	/* At the end, the end stays. */
	KUNIT_EXPECT_EQ(test, lm_kunit_read_save(kdev, stream,
						 LM_MIG_STATE_STOP_COPY,
						 buf + len, size - len, piece,
						 &err),
			0);
	KUNIT_EXPECT_EQ(test, err, 0);
	lm_kunit_check_saved(test, buf, len, payload);

	lm_kunit_restore_again(test, &r);
	KUNIT_EXPECT_EQ(test, lm_kunit_restore_feed(&r, buf, len, piece),
			(ssize_t)len);
	KUNIT_EXPECT_TRUE(test, lm_kunit_restore_complete(&r));
	lm_kunit_expect_restored(test, kdev, payload, "round trip");
}

/*
 * PRE_COPY: once the payload there is now has been read, reads fail with
 * ENOMSG and no END record comes; payload that comes later continues the
 * same stream, which STOP_COPY ends.
 */
static void lm_stream_precopy_test(struct kunit *test)
{
	static const size_t sizes[] = { 100, 200 };
	struct lm_kunit_dev *kdev =
		lm_kunit_dev_create(test, LM_MIG_STOP_COPY | LM_MIG_PRE_COPY);
	const size_t size = SZ_4K;
	struct lm_stream *stream;
	size_t len = 0, n;
	int err;
	u8 *buf;

	buf = kunit_kzalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	kdev->save_sizes = sizes;
	kdev->nr_save_sizes = 1;
	stream = lm_stream_alloc(lm_fn(&kdev->lm, 0), true);
	KUNIT_ASSERT_NOT_NULL(test, stream);

	n = lm_kunit_read_save(kdev, stream, LM_MIG_STATE_PRE_COPY, buf, size,
			       7, &err);
	KUNIT_EXPECT_EQ(test, err, -ENOMSG);
	KUNIT_EXPECT_EQ(test, n, HDR_SIZE + REC_SIZE + sizes[0]);
	len += n;
	n = lm_kunit_read_save(kdev, stream, LM_MIG_STATE_PRE_COPY,
			       buf + len, size - len, 7, &err);
	KUNIT_EXPECT_EQ(test, err, -ENOMSG);
	KUNIT_EXPECT_EQ(test, n, 0);

	kdev->nr_save_sizes = 2;
	n = lm_kunit_read_save(kdev, stream, LM_MIG_STATE_PRE_COPY,
			       buf + len, size - len, 7, &err);
	KUNIT_EXPECT_EQ(test, err, -ENOMSG);
	KUNIT_EXPECT_EQ(test, n, REC_SIZE + sizes[1]);
	len += n;

	n = lm_kunit_read_save(kdev, stream, LM_MIG_STATE_STOP_COPY,
			       buf + len, size - len, 7, &err);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, n, REC_SIZE + END_SIZE);
	len += n;
	lm_kunit_check_saved(test, buf, len, sizes[0] + sizes[1]);
}

/*
 * Through the data file: a save() error is returned after the bytes read
 * before it, then by every later read.
 */
static void lm_stream_save_error_test(struct kunit *test)
{
	static const size_t sizes[] = { 100, 100, 100 };
	struct lm_kunit_dev *kdev = lm_kunit_dev_create(test, LM_MIG_STOP_COPY);
	struct lm_fn *fn = lm_fn(&kdev->lm, 0);
	size_t first = HDR_SIZE + REC_SIZE + sizes[0];
	struct file *filp;
	loff_t pos = 0;
	u8 *buf;

	buf = kunit_kzalloc(test, SZ_4K, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	kdev->save_sizes = sizes;
	kdev->nr_save_sizes = ARRAY_SIZE(sizes);
	kdev->fail_save_call = 1;

	scoped_guard(mutex, &fn->lock) {
		fn->state = LM_MIG_STATE_STOP_COPY;
		filp = lm_stream_file(fn, true);
		if (!IS_ERR(filp))
			lm_stream_attach(fn, filp);
	}
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, filp);
	KUNIT_EXPECT_EQ(test, kernel_read(filp, buf, SZ_4K, &pos),
			(ssize_t)first);
	KUNIT_EXPECT_EQ(test, kernel_read(filp, buf, SZ_4K, &pos),
			(ssize_t)-EIO);
	KUNIT_EXPECT_EQ(test, kernel_read(filp, buf, SZ_4K, &pos),
			(ssize_t)-EIO);
	KUNIT_EXPECT_EQ(test, kdev->save_calls, 2);
	scoped_guard(mutex, &fn->lock)
		lm_stream_end(fn);
	KUNIT_EXPECT_EQ(test, kernel_read(filp, buf, SZ_4K, &pos),
			(ssize_t)-EINVAL);
	fput(filp);
}

static struct kunit_case lm_stream_test_cases[] = {
	KUNIT_CASE_PARAM(lm_stream_valid_test, lm_kunit_pieces_gen_params),
	KUNIT_CASE(lm_stream_random_pieces_test),
	KUNIT_CASE(lm_stream_empty_test),
	KUNIT_CASE_SLOW(lm_stream_max_record_test),
	KUNIT_CASE(lm_stream_truncated_test),
	KUNIT_CASE(lm_stream_corrupted_test),
	KUNIT_CASE_PARAM(lm_stream_hostile_test, lm_kunit_hostile_gen_params),
	KUNIT_CASE(lm_stream_after_end_test),
	KUNIT_CASE(lm_stream_driver_refuses_test),
	KUNIT_CASE(lm_stream_file_sticky_test),
	KUNIT_CASE_PARAM(lm_stream_save_test, lm_kunit_save_pieces_gen_params),
	KUNIT_CASE(lm_stream_precopy_test),
	KUNIT_CASE(lm_stream_save_error_test),
	{}
};

static struct kunit_suite lm_stream_test_suite = {
	.name = "lm_stream",
	.test_cases = lm_stream_test_cases,
};

kunit_test_suite(lm_stream_test_suite);
