/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of the live-migration core: what the test files share.
 *
 * Copyright (c) 2026 The lm authors
 */
#ifndef __LM_KUNIT_H
#define __LM_KUNIT_H

#include <kunit/test.h>

#include "../lm_internal.h"

#define LM_KUNIT_COMPAT "lm_kunit-v1"
#define LM_KUNIT_NUM_FNS 2
#define LM_KUNIT_MAX_ARCS 16

/**
 * struct lm_kunit_dev - A device of a driver that records what it is asked
 * @lm: The core's device, never registered: the tests call the core's
 *	internals on it directly
 * @test: The test that owns it
 *
 * @arcs: The arcs &lm_ops.step was asked for, { cur, next } each
 * @nr_arcs: Entries in @arcs
 * @fail_arc: Index (in @arcs) of the arc whose step fails, or -1
 * @fail_sets_error: The failing step also calls lm_fn_set_error()
 *
 * @restored: The payload &lm_ops.restore accepted, records concatenated
 * @restored_len: Bytes in @restored
 * @restored_size: Allocated size of @restored
 * @restore_calls: Calls of &lm_ops.restore, failed ones included
 * @fail_restore_call: The call (from 0) of &lm_ops.restore that fails, or -1
 * @fail_restore_err: What it fails with
 *
 * @save_sizes: The payload lengths &lm_ops.save returns, one per call that
 *	returns payload; 0 (nothing for now, or the end) when it has returned
 *	the first @nr_save_sizes of them
 * @nr_save_sizes: Entries of @save_sizes available so far
 * @save_next: Entries of @save_sizes returned so far
 * @save_calls: Calls of &lm_ops.save so far
 * @save_offset: Payload bytes saved so far: byte i of the payload is
 *	lm_kunit_payload_byte(i)
 * @fail_save_call: The call of &lm_ops.save that fails with -EIO, or -1
 */
struct lm_kunit_dev {
	struct lm_device lm;
	struct kunit *test;

	u8 arcs[LM_KUNIT_MAX_ARCS][2];
	unsigned int nr_arcs;
	int fail_arc;
	bool fail_sets_error;

	u8 *restored;
	size_t restored_len;
	size_t restored_size;
	unsigned int restore_calls;
	int fail_restore_call;
	int fail_restore_err;

	const size_t *save_sizes;
	unsigned int nr_save_sizes;
	unsigned int save_next;
	unsigned int save_calls;
	u64 save_offset;
	int fail_save_call;
};

struct lm_kunit_dev *lm_kunit_dev_create(struct kunit *test, u32 mig_caps);
void *lm_kunit_kvzalloc(struct kunit *test, size_t size);

#define LM_KUNIT_MAX_RECORDS 8

/**
 * struct lm_kunit_stream - A stream the tests seal themselves
 * @buf: The stream
 * @len: Its length
 * @nr_records: DATA records in it
 * @rec: Offset of each record's header in @buf, DATA records first, then
 *	the END record's at @rec[@nr_records]
 */
struct lm_kunit_stream {
	u8 *buf;
	size_t len;
	unsigned int nr_records;
	size_t rec[LM_KUNIT_MAX_RECORDS + 1];
};

void lm_kunit_stream_build(struct kunit *test, struct lm_kunit_stream *s,
			   const size_t *lens, unsigned int nr);
void lm_kunit_seal_header(struct lm_kunit_stream *s);
void lm_kunit_seal_record(struct lm_kunit_stream *s, unsigned int i);
struct lm_record_header *lm_kunit_record(struct lm_kunit_stream *s,
					 unsigned int i);
struct lm_stream *lm_kunit_restore_session(struct lm_fn *fn);
ssize_t lm_kunit_feed(struct lm_stream *stream, const void *buf, size_t len,
		      size_t piece);

static inline u8 lm_kunit_payload_byte(u64 offset)
{
	return (u8)(offset * 131 + (offset >> 8) * 7 + 1);
}

#endif /* __LM_KUNIT_H */
