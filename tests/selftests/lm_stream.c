// SPDX-License-Identifier: GPL-2.0
/*
 * The migration data stream (include/uapi/linux/lm.h, "Migration data
 * stream"): state saved from one function and restored into another arrives
 * byte-exact whatever its size and however the stream is cut; a damaged or
 * foreign stream is refused with the errno the header documents and leaves
 * the destination usable; a driver failure on either side is reported and
 * recovered from; a data file outlives its session only to fail.
 *
 * Every stream that passes through a test is also read in user space
 * (struct lm_stream_check) and must be well formed.
 */
#include <poll.h>

#include "kselftest_harness.h"

#include "lm_util.h"

#define PAGE_SZ 4096UL
#define SZ_64K (64UL << 10)
#define SZ_1M (1UL << 20)
#define SZ_1G (1UL << 30)

/* Big streams pass from the save to the restore file through this much. */
#define COPY_CHUNK SZ_1M

#define SEED_SRC 81985529216486895ULL
#define SEED_BIG 1234605616436508552ULL
#define SEED_BYSTANDER 842150450084839175ULL

#define HDR_SZ sizeof(struct lm_stream_header)
#define REC_SZ sizeof(struct lm_record_header)

/* Give a function state that a restore has to replace. */
static void scribble(struct __test_metadata *_metadata,
		     const struct lm_sim *sim, int fn, uint64_t memory)
{
	uint8_t page[PAGE_SZ];

	memset(page, 0xa5, sizeof(page));
	ASSERT_EQ(0, lm_sim_write_state(sim, fn, 0, page, sizeof(page)));
	if (memory >= 2 * PAGE_SZ) {
		ASSERT_EQ(0, lm_sim_write_state(sim, fn, memory - PAGE_SZ, page,
						sizeof(page)));
	}
}

/* Restore a whole stream held in memory, written in pieces of @piece. */
static void restore_stream(struct __test_metadata *_metadata,
			   const struct lm_sim *sim, int fn, const void *stream,
			   size_t len, size_t piece)
{
	size_t accepted;
	int data_fd;

	ASSERT_EQ(0, lm_restore_start(sim->fd, fn, &data_fd));
	ASSERT_EQ(0, lm_write_pieces(data_fd, stream, len, piece, &accepted))
		TH_LOG("refused after %zu of %zu bytes", accepted, len);
	ASSERT_EQ(0, lm_restore_finish(sim->fd, fn));
	close(data_fd);
}

/*
 * Save a migratable function in RUNNING through STOP_COPY, reading pieces of
 * @piece bytes, into @pump (which keeps the stream and the place of each
 * record), then run it again. The stream must be whole and well formed.
 */
static void save_stream(struct __test_metadata *_metadata,
			const struct lm_sim *sim, int fn, size_t piece,
			struct lm_pump *pump)
{
	int data_fd;

	ASSERT_EQ(0, lm_set_state(sim->fd, fn, LM_MIG_STATE_STOP_COPY,
				  &data_fd));
	ASSERT_LE(0, data_fd);
	ASSERT_EQ(0, lm_pump_init(pump, data_fd, -1, piece));
	ASSERT_EQ(0, lm_stream_check_expect(&pump->check, sim, fn));
	pump->keep = true;
	pump->check.keep_index = true;
	lm_pump_run(pump, 0);
	ASSERT_EQ(0, pump->read_err);
	ASSERT_EQ(0, pump->write_err);
	ASSERT_TRUE(pump->eof);
	ASSERT_EQ(0, pump->check.err) TH_LOG("%s", pump->check.why);
	ASSERT_TRUE(lm_stream_check_done(&pump->check));
	close(data_fd);
	ASSERT_EQ(0, lm_set_state(sim->fd, fn, LM_MIG_STATE_RUNNING, NULL));
}

/*
 * Migrate @src_fn of @src to @dst_fn of @dst, both migratable in RUNNING,
 * streaming through a fixed buffer; both run again afterwards. The pump,
 * with its check of the stream, stays for the caller to look at.
 */
static void migrate(struct __test_metadata *_metadata, const struct lm_sim *src,
		    int src_fn, const struct lm_sim *dst, int dst_fn,
		    struct lm_pump *pump)
{
	int save_fd, restore_fd;
	char byte;

	ASSERT_EQ(0, lm_restore_start(dst->fd, dst_fn, &restore_fd));
	ASSERT_EQ(0, lm_set_state(src->fd, src_fn, LM_MIG_STATE_STOP_COPY,
				  &save_fd));
	ASSERT_LE(0, save_fd);
	ASSERT_EQ(0, lm_pump_init(pump, save_fd, restore_fd, COPY_CHUNK));
	ASSERT_EQ(0, lm_stream_check_expect(&pump->check, src, src_fn));
	lm_pump_run(pump, 0);
	ASSERT_EQ(0, pump->write_err)
		TH_LOG("restore refused the stream at %llu bytes",
		       (unsigned long long)pump->bytes);
	ASSERT_EQ(0, pump->read_err);
	ASSERT_TRUE(pump->eof);
	ASSERT_EQ(0, pump->check.err) TH_LOG("%s", pump->check.why);
	ASSERT_TRUE(lm_stream_check_done(&pump->check));
	/* In STOP_COPY the end of the stream is final. */
	ASSERT_EQ(0, read(save_fd, &byte, 1));

	ASSERT_EQ(0, lm_restore_finish(dst->fd, dst_fn));
	ASSERT_EQ(0, lm_set_state(src->fd, src_fn, LM_MIG_STATE_RUNNING, NULL));
	close(restore_fd);
	close(save_fd);
}

/* XXH64 of a state of @memory bytes filled with @seed. */
static uint64_t pattern_digest(uint64_t memory, uint64_t seed)
{
	struct xxh64_state sum;
	uint64_t i, word;

	xxh64_init(&sum, 0);
	for (i = 0; i < memory / 8; i++) {
		word = htole64(lm_splitmix64(seed + i));
		xxh64_update(&sum, &word, sizeof(word));
	}
	return xxh64_digest(&sum);
}

/*
 * Compare a function's state, read through its state file in chunks, word
 * by word with the fill pattern of @seed (or zeros), and the digest lm_sim
 * reports with XXH64 of the same bytes.
 */
static void check_pattern(struct __test_metadata *_metadata,
			  const struct lm_sim *sim, int fn, uint64_t memory,
			  bool filled, uint64_t seed)
{
	uint64_t *buf = malloc(COPY_CHUNK), off = 0, i, want;
	struct xxh64_state sum;
	char path[128];
	ssize_t n;
	int fd;

	ASSERT_NE(NULL, buf);
	snprintf(path, sizeof(path), LM_SIM_DEBUGFS "/sim%d/fn%d/state",
		 sim->id, fn);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	xxh64_init(&sum, 0);
	while (off < memory) {
		n = pread(fd, buf, COPY_CHUNK, off);
		ASSERT_LT(0, n) TH_LOG("state ends at %llu of %llu",
				       (unsigned long long)off,
				       (unsigned long long)memory);
		ASSERT_EQ(0, n % 8);
		xxh64_update(&sum, buf, n);
		for (i = 0; i < (uint64_t)n / 8; i++) {
			want = filled ? lm_splitmix64(seed + off / 8 + i) : 0;
			ASSERT_EQ(want, le64toh(buf[i]))
				TH_LOG("word %llu of the state",
				       (unsigned long long)(off / 8 + i));
		}
		off += n;
	}
	ASSERT_EQ(0, pread(fd, buf, 8, off));
	close(fd);
	free(buf);
	EXPECT_EQ(xxh64_digest(&sum), lm_sim_digest(sim, fn))
		TH_LOG("the digest file is not XXH64 of the state file");
}

/* Checks of the user-space tools themselves; they need no device. */
FIXTURE(user_space)
{
};

FIXTURE_SETUP(user_space)
{
}

FIXTURE_TEARDOWN(user_space)
{
}

TEST_F(user_space, xxh64_vectors)
{
	ASSERT_EQ(0, xxh64_selftest());
}

/*
 * Round trip: fn 0 of a device saved in STOP_COPY and restored into fn 1,
 * which had state of its own.
 */
FIXTURE(roundtrip)
{
	struct lm_sim sim;
};

FIXTURE_VARIANT(roundtrip)
{
	uint64_t memory;
	bool filled;	/* else never written: zeros, of which nothing is sent */
};

FIXTURE_VARIANT_ADD(roundtrip, never_written)
{
	.memory = SZ_1M,
	.filled = false,
};

FIXTURE_VARIANT_ADD(roundtrip, size_4k)
{
	.memory = PAGE_SZ,
	.filled = true,
};

FIXTURE_VARIANT_ADD(roundtrip, size_1m_3pages)
{
	.memory = SZ_1M + 3 * PAGE_SZ,
	.filled = true,
};

FIXTURE_VARIANT_ADD(roundtrip, size_64m)
{
	.memory = 64 * SZ_1M,
	.filled = true,
};

FIXTURE_VARIANT_ADD(roundtrip, size_1g)
{
	.memory = SZ_1G,
	.filled = true,
};

FIXTURE_SETUP(roundtrip)
{
	if (!lm_sim_create(_metadata, &self->sim, 2, LM_MIG_STOP_COPY,
			   variant->memory))
		return;
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 0, variant->memory));
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 1, variant->memory));
	if (variant->filled) {
		ASSERT_EQ(0, lm_sim_fill(&self->sim, 0, SEED_SRC));
	}
	scribble(_metadata, &self->sim, 1, variant->memory);
}

FIXTURE_TEARDOWN(roundtrip)
{
	lm_sim_destroy(&self->sim);
}

TEST_F_TIMEOUT(roundtrip, byte_exact, 900)
{
	uint64_t want = lm_sim_digest(&self->sim, 0);
	struct lm_pump pump;

	ASSERT_NE(0ULL, want);
	migrate(_metadata, &self->sim, 0, &self->sim, 1, &pump);
	if (variant->filled) {
		ASSERT_LE(variant->memory, pump.check.bytes);
	} else {
		ASSERT_GT(PAGE_SZ, pump.check.bytes)
			TH_LOG("never-written pages are not sent");
	}
	lm_pump_fini(&pump);

	ASSERT_EQ(want, lm_sim_digest(&self->sim, 1));
	ASSERT_EQ(want, lm_sim_digest(&self->sim, 0));
	check_pattern(_metadata, &self->sim, 1, variant->memory,
		      variant->filled, SEED_SRC);
}

/*
 * A stream read and written in pieces of any size, down to a byte at a
 * time, restores the same state: the digest of the pattern, whatever the
 * piece.
 */
FIXTURE(segments)
{
	struct lm_sim sim;
};

FIXTURE_VARIANT(segments)
{
	size_t piece;
};

FIXTURE_VARIANT_ADD(segments, bytes)
{
	.piece = 1,
};

FIXTURE_VARIANT_ADD(segments, by_7)
{
	.piece = 7,
};

FIXTURE_VARIANT_ADD(segments, by_4093)
{
	.piece = 4093,
};

FIXTURE_VARIANT_ADD(segments, by_65537)
{
	.piece = 65537,
};

FIXTURE_VARIANT_ADD(segments, by_1m)
{
	.piece = SZ_1M,
};

FIXTURE_SETUP(segments)
{
	if (!lm_sim_create(_metadata, &self->sim, 2, LM_MIG_STOP_COPY, SZ_64K))
		return;
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 0, SZ_64K));
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 1, SZ_64K));
	ASSERT_EQ(0, lm_sim_fill(&self->sim, 0, SEED_SRC));
	scribble(_metadata, &self->sim, 1, SZ_64K);
}

FIXTURE_TEARDOWN(segments)
{
	lm_sim_destroy(&self->sim);
}

TEST_F(segments, restore)
{
	uint64_t want = pattern_digest(SZ_64K, SEED_SRC);
	struct lm_pump pump;

	EXPECT_EQ(want, lm_sim_digest(&self->sim, 0));
	save_stream(_metadata, &self->sim, 0, variant->piece, &pump);
	restore_stream(_metadata, &self->sim, 1, pump.kept, pump.kept_size,
		       variant->piece);
	lm_pump_fini(&pump);
	ASSERT_EQ(lm_sim_digest(&self->sim, 0), lm_sim_digest(&self->sim, 1));
	ASSERT_EQ(want, lm_sim_digest(&self->sim, 1));
}

/*
 * Damaged and foreign streams. Each damage names the errno a restore meets
 * it with. Stream damage is made to a copy of a good stream; where a change
 * would also break a checksum that the case is not about, the checksum is
 * made right again. "device" damage is in the destination or the source,
 * not in the bytes.
 */
#define STREAM_DAMAGE(X)			\
	X(bad_magic, EPROTO)			\
	X(unknown_version, EPROTONOSUPPORT)	\
	X(header_size, EPROTO)			\
	X(header_flags, EPROTO)			\
	X(header_reserved, EPROTO)		\
	X(header_checksum, EBADMSG)		\
	X(header_byte, EBADMSG)			\
	X(other_driver, EXDEV)			\
	X(other_compat, EXDEV)			\
	X(record_checksum, EBADMSG)		\
	X(record_header_byte, EBADMSG)		\
	X(record_flags, EPROTO)			\
	X(payload_byte, EBADMSG)		\
	X(unknown_type, EPROTO)			\
	X(oversized_record, EMSGSIZE)		\
	X(dropped_record, EPROTO)		\
	X(duplicated_record, EPROTO)		\
	X(byte_after_end, EPROTO)		\
	X(record_after_end, EPROTO)		\
	X(end_records, EPROTO)			\
	X(end_bytes, EPROTO)

#define DEVICE_DAMAGE(X)			\
	X(destination_compat, EXDEV)		\
	X(state_too_large, EMSGSIZE)		\
	X(truncated, 0)

enum damage {
#define DAMAGE_ENUM(name, err) DAMAGE_##name,
	STREAM_DAMAGE(DAMAGE_ENUM)
	DEVICE_DAMAGE(DAMAGE_ENUM)
#undef DAMAGE_ENUM
};

static const struct {
	const char *name;
	int err;
	bool in_stream;
} damages[] = {
#define DAMAGE_DESC(_name, _err) [DAMAGE_##_name] = { #_name, _err, true },
	STREAM_DAMAGE(DAMAGE_DESC)
#undef DAMAGE_DESC
#define DAMAGE_DESC(_name, _err) [DAMAGE_##_name] = { #_name, _err, false },
	DEVICE_DAMAGE(DAMAGE_DESC)
#undef DAMAGE_DESC
};

/* A damaged copy of a stream. */
struct damaged {
	uint8_t *bytes;
	size_t len;
	/* The damage is complete at this offset: the error comes no later. */
	size_t limit;
};

static void seal_header(uint8_t *stream)
{
	struct lm_stream_header h;

	memcpy(&h, stream, sizeof(h));
	h.checksum = htole64(xxh64(&h, offsetof(typeof(h), checksum), 0));
	memcpy(stream, &h, sizeof(h));
}

/* Seal the record header at @at, and first its payload checksum if asked. */
static void seal_record(uint8_t *at, bool payload)
{
	struct lm_record_header r;

	memcpy(&r, at, sizeof(r));
	if (payload)
		r.payload_checksum = htole64(xxh64(at + sizeof(r),
						   le64toh(r.length), 0));
	r.checksum = htole64(xxh64(&r, offsetof(typeof(r), checksum), 0));
	memcpy(at, &r, sizeof(r));
}

static uint64_t record_size(const struct lm_stream_record *rec)
{
	return REC_SZ + rec->length;
}

/*
 * Apply stream damage @d to @stream of @len bytes, whose records are at
 * @index (the end record last). Returns false when the stream is too poor
 * for it (no DATA record with payload).
 */
static bool damage_stream(enum damage d, const uint8_t *stream, size_t len,
			  const struct lm_stream_record *index, size_t nr,
			  struct damaged *out)
{
	const struct lm_stream_record *end = &index[nr - 1], *rec = &index[0];
	const struct lm_stream_record *mid = &index[(nr - 1) / 2];
	struct lm_stream_header *h;
	struct lm_record_header r;
	struct lm_stream_end e;
	uint8_t *b;
	size_t at;

	if (nr < 2 || rec->type != LM_RECORD_DATA || !rec->length)
		return false;
	/* Room for one more copy of any record. */
	b = malloc(2 * len + 1);
	if (!b)
		return false;
	memcpy(b, stream, len);
	h = (struct lm_stream_header *)b;
	out->bytes = b;
	out->len = len;
	out->limit = HDR_SZ;
	memcpy(&r, b + rec->offset, sizeof(r));

	switch (d) {
	case DAMAGE_bad_magic:
		h->magic ^= htole32(0xff);
		seal_header(b);
		break;
	case DAMAGE_unknown_version:
		h->version = htole16(LM_STREAM_VERSION + 1);
		seal_header(b);
		break;
	case DAMAGE_header_size:
		h->header_size = htole16(HDR_SZ + 8);
		seal_header(b);
		break;
	case DAMAGE_header_flags:
		h->flags = htole32(1);
		seal_header(b);
		break;
	case DAMAGE_header_reserved:
		h->reserved[1] = htole64(1);
		seal_header(b);
		break;
	case DAMAGE_header_checksum:
		b[offsetof(struct lm_stream_header, checksum) + 3] ^= 0x10;
		break;
	case DAMAGE_header_byte:
		/* The producing function's index: informational only. */
		b[offsetof(struct lm_stream_header, fn)] ^= 0x01;
		break;
	case DAMAGE_other_driver:
		memset(h->driver, 0, sizeof(h->driver));
		strcpy(h->driver, "lm_other");
		seal_header(b);
		break;
	case DAMAGE_other_compat:
		at = strnlen(h->compat, sizeof(h->compat));
		h->compat[at ? at - 1 : 0] ^= 0x01;
		seal_header(b);
		break;
	case DAMAGE_record_checksum:
		b[rec->offset + offsetof(struct lm_record_header, checksum)] ^= 1;
		out->limit = rec->offset + record_size(rec);
		break;
	case DAMAGE_record_header_byte:
		b[rec->offset +
		  offsetof(struct lm_record_header, payload_checksum)] ^= 0x80;
		out->limit = rec->offset + record_size(rec);
		break;
	case DAMAGE_record_flags:
		r.flags = htole16(1);
		memcpy(b + rec->offset, &r, sizeof(r));
		seal_record(b + rec->offset, false);
		out->limit = rec->offset + record_size(rec);
		break;
	case DAMAGE_payload_byte:
		b[rec->offset + REC_SZ + rec->length / 2] ^= 0x01;
		out->limit = rec->offset + record_size(rec);
		break;
	case DAMAGE_unknown_type:
		r.type = htole16(0x7f);
		memcpy(b + rec->offset, &r, sizeof(r));
		seal_record(b + rec->offset, false);
		out->limit = rec->offset + record_size(rec);
		break;
	case DAMAGE_oversized_record:
		/* Refused on its header: the payload that follows is short. */
		r.length = htole64(LM_RECORD_MAX_PAYLOAD + 1ULL);
		memcpy(b + rec->offset, &r, sizeof(r));
		seal_record(b + rec->offset, false);
		out->limit = rec->offset + REC_SZ;
		break;
	case DAMAGE_dropped_record:
		/* The record after it comes with a sequence number too high. */
		at = mid->offset + record_size(mid);
		memmove(b + mid->offset, b + at, len - at);
		out->len = len - record_size(mid);
		out->limit = mid->offset + record_size(mid + 1);
		break;
	case DAMAGE_duplicated_record:
		at = mid->offset + record_size(mid);
		memmove(b + at + record_size(mid), b + at, len - at);
		memcpy(b + at, stream + mid->offset, record_size(mid));
		out->len = len + record_size(mid);
		out->limit = at + record_size(mid);
		break;
	case DAMAGE_byte_after_end:
		b[len] = 0;
		out->len = len + 1;
		out->limit = out->len;
		break;
	case DAMAGE_record_after_end:
		/* A faultless DATA record, next in sequence, but too late. */
		memcpy(b + len, stream + rec->offset, record_size(rec));
		memcpy(&r, b + len, sizeof(r));
		r.seq = htole32(le32toh(r.seq) + nr);
		memcpy(b + len, &r, sizeof(r));
		seal_record(b + len, false);
		out->len = len + record_size(rec);
		out->limit = out->len;
		break;
	case DAMAGE_end_records:
	case DAMAGE_end_bytes:
		memcpy(&e, b + end->offset + REC_SZ, sizeof(e));
		if (d == DAMAGE_end_records)
			e.records = htole64(le64toh(e.records) + 1);
		else
			e.bytes = htole64(le64toh(e.bytes) - 1);
		memcpy(b + end->offset + REC_SZ, &e, sizeof(e));
		seal_record(b + end->offset, true);
		out->limit = len;
		break;
	default:
		free(b);
		return false;
	}
	return true;
}

/* A stream like a driver's: header, DATA records of @lens bytes, end. */
static uint8_t *build_stream(const char *driver, const char *compat,
			     const size_t *lens, size_t nr, size_t *len)
{
	struct lm_stream_header h = {
		.magic = htole32(LM_STREAM_MAGIC),
		.version = htole16(LM_STREAM_VERSION),
		.header_size = htole16(HDR_SZ),
	};
	struct lm_stream_end e = { .records = htole64(nr) };
	struct lm_record_header r;
	size_t total = HDR_SZ + REC_SZ + sizeof(e), i, j, off;
	uint8_t *b;

	for (i = 0; i < nr; i++)
		total += REC_SZ + lens[i];
	b = malloc(total);
	if (!b)
		return NULL;
	strncpy(h.driver, driver, sizeof(h.driver) - 1);
	strncpy(h.compat, compat, sizeof(h.compat) - 1);
	memcpy(b, &h, sizeof(h));
	seal_header(b);
	off = HDR_SZ;
	for (i = 0; i <= nr; i++) {
		r = (struct lm_record_header){
			.type = htole16(i < nr ? LM_RECORD_DATA : LM_RECORD_END),
			.seq = htole32(i),
			.length = htole64(i < nr ? lens[i] : sizeof(e)),
		};
		memcpy(b + off, &r, sizeof(r));
		if (i < nr) {
			for (j = 0; j < lens[i]; j++)
				b[off + REC_SZ + j] = (uint8_t)(i * 31 + j);
			e.bytes = htole64(le64toh(e.bytes) + lens[i]);
		} else {
			memcpy(b + off + REC_SZ, &e, sizeof(e));
		}
		seal_record(b + off, true);
		off += REC_SZ + le64toh(r.length);
	}
	*len = total;
	return b;
}

/*
 * The user-space check finds every stream damage with the errno the kernel
 * must give, no later than where the damage is complete, fed all at once or
 * a byte at a time: the damage the kernel tests below use is what it claims.
 */
TEST_F(user_space, stream_check)
{
	static const size_t lens[] = { 4096, 100, 7 };
	struct lm_stream_check whole, bytes;
	struct damaged bad;
	uint8_t *good;
	size_t len, i;
	int d;

	good = build_stream("lm_sim", "lm_sim-v1", lens, 3, &len);
	ASSERT_NE(NULL, good);
	lm_stream_check_init(&whole);
	strcpy(whole.driver, "lm_sim");
	strcpy(whole.compat, "lm_sim-v1");
	whole.keep_index = true;
	ASSERT_EQ(0, lm_stream_check_feed(&whole, good, len))
		TH_LOG("%s", whole.why);
	ASSERT_TRUE(lm_stream_check_done(&whole));
	ASSERT_EQ(4U, whole.nr_index);
	ASSERT_EQ(3U, whole.records);
	ASSERT_EQ(4203U, whole.bytes);

	for (d = 0; d < (int)ARRAY_SIZE(damages); d++) {
		if (!damages[d].in_stream)
			continue;
		ASSERT_TRUE(damage_stream(d, good, len, whole.index,
					  whole.nr_index, &bad));
		lm_stream_check_init(&bytes);
		strcpy(bytes.driver, "lm_sim");
		strcpy(bytes.compat, "lm_sim-v1");
		for (i = 0; i < bad.len && !bytes.err; i++)
			lm_stream_check_feed(&bytes, bad.bytes + i, 1);
		EXPECT_EQ(damages[d].err, bytes.err)
			TH_LOG("%s: %s", damages[d].name, bytes.why);
		EXPECT_GE(bad.limit, i) TH_LOG("%s", damages[d].name);
		free(bad.bytes);
	}
	lm_stream_check_fini(&whole);
	free(good);
}

/*
 * src: fn 0 the source, fn 1 a source with twice the state the destination
 * can hold. dst: fn 0 the destination, fn 1 a bystander that must not
 * notice anything.
 */
FIXTURE(hostile)
{
	struct lm_sim src, dst;
	struct lm_pump good;		/* saved from src fn 0 */
	struct damaged bad;
	uint64_t src_digest, bystander_digest;
	char compat[64];
};

FIXTURE_VARIANT(hostile)
{
	enum damage damage;
};

#define HOSTILE_VARIANT(_name, _err)                 \
	FIXTURE_VARIANT_ADD(hostile, _name)          \
	{                                            \
		.damage = DAMAGE_##_name,            \
	};
STREAM_DAMAGE(HOSTILE_VARIANT)
DEVICE_DAMAGE(HOSTILE_VARIANT)
#undef HOSTILE_VARIANT

FIXTURE_SETUP(hostile)
{
	struct lm_pump big;
	size_t len;

	if (!lm_sim_create(_metadata, &self->src, 2, LM_MIG_STOP_COPY, SZ_1M) ||
	    !lm_sim_create(_metadata, &self->dst, 2, LM_MIG_STOP_COPY, SZ_1M))
		return;
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->src, 0, SZ_1M));
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->src, 1, 2 * SZ_1M));
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->dst, 0, SZ_1M));
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->dst, 1, SZ_1M));
	ASSERT_EQ(0, lm_sim_fill(&self->src, 0, SEED_SRC));
	ASSERT_EQ(0, lm_sim_fill(&self->src, 1, SEED_BIG));
	ASSERT_EQ(0, lm_sim_fill(&self->dst, 1, SEED_BYSTANDER));
	scribble(_metadata, &self->dst, 0, SZ_1M);
	ASSERT_EQ(0, lm_sim_get_compat(&self->dst, self->compat,
				       sizeof(self->compat)));

	save_stream(_metadata, &self->src, 0, COPY_CHUNK, &self->good);
	self->src_digest = lm_sim_digest(&self->src, 0);
	self->bystander_digest = lm_sim_digest(&self->dst, 1);

	len = self->good.kept_size;
	switch (variant->damage) {
	case DAMAGE_destination_compat:
	case DAMAGE_truncated:
		self->bad.bytes = malloc(len);
		ASSERT_NE(NULL, self->bad.bytes);
		memcpy(self->bad.bytes, self->good.kept, len);
		self->bad.len = variant->damage == DAMAGE_truncated ? len / 2 :
								       len;
		self->bad.limit = HDR_SZ;
		if (variant->damage == DAMAGE_destination_compat) {
			ASSERT_EQ(0, lm_sim_set(&self->dst, -1, "compat",
						"%s-other", self->compat));
		}
		break;
	case DAMAGE_state_too_large:
		save_stream(_metadata, &self->src, 1, COPY_CHUNK, &big);
		self->bad.bytes = big.kept;
		self->bad.len = big.kept_size;
		self->bad.limit = big.kept_size;
		big.kept = NULL;
		lm_pump_fini(&big);
		break;
	default:
		ASSERT_TRUE(damage_stream(variant->damage, self->good.kept, len,
					  self->good.check.index,
					  self->good.check.nr_index,
					  &self->bad))
			TH_LOG("a stream without DATA payload");
	}
}

FIXTURE_TEARDOWN(hostile)
{
	free(self->bad.bytes);
	lm_pump_fini(&self->good);
	lm_sim_destroy(&self->src);
	lm_sim_destroy(&self->dst);
}

/*
 * Write the damaged stream to a restore of dst fn 0: the write that meets
 * the damage fails with its errno, and so does every later one. Returns the
 * data file, still in RESUMING.
 */
static int write_damaged(struct __test_metadata *_metadata,
			 FIXTURE_DATA(hostile) *self, enum damage d)
{
	size_t accepted;
	int data_fd, ret;

	ASSERT_EQ(0, lm_restore_start(self->dst.fd, 0, &data_fd));
	ret = lm_write_pieces(data_fd, self->bad.bytes, self->bad.len, PAGE_SZ,
			      &accepted);
	ASSERT_EQ(-damages[d].err, ret)
		TH_LOG("%s: accepted %zu of %zu bytes", damages[d].name,
		       accepted, self->bad.len);
	if (damages[d].err) {
		ASSERT_GE(self->bad.limit, accepted)
			TH_LOG("the damage was complete at %zu", self->bad.limit);
		ASSERT_EQ(-1, write(data_fd, self->good.kept, 1));
		ASSERT_EQ(damages[d].err, errno);
		ASSERT_EQ(-1, write(data_fd, self->bad.bytes + accepted,
				    self->bad.len - accepted));
		ASSERT_EQ(damages[d].err, errno);
	}
	ASSERT_EQ(LM_MIG_STATE_RESUMING, lm_get_state(self->dst.fd, 0));
	return data_fd;
}

/*
 * dst fn 0 is back in RUNNING: it kept its provisioning, takes a good
 * stream, and nothing else was touched.
 */
static void check_recovered(struct __test_metadata *_metadata,
			    FIXTURE_DATA(hostile) *self, enum damage d)
{
	struct lm_fn_info info;

	if (d == DAMAGE_destination_compat)
		ASSERT_EQ(0, lm_sim_set(&self->dst, -1, "compat", "%s",
					self->compat));
	ASSERT_EQ(LM_MIG_STATE_RUNNING, lm_get_state(self->dst.fd, 0));
	ASSERT_EQ(0, lm_fn_info(self->dst.fd, 0, &info));
	ASSERT_EQ(SZ_1M, info.memory);
	ASSERT_EQ((uint32_t)(LM_FN_ONLINE | LM_FN_MIGRATABLE),
		  info.fn_flags & (LM_FN_ONLINE | LM_FN_MIGRATABLE));

	restore_stream(_metadata, &self->dst, 0, self->good.kept,
		       self->good.kept_size, COPY_CHUNK);
	ASSERT_EQ(self->src_digest, lm_sim_digest(&self->dst, 0));

	ASSERT_EQ(LM_MIG_STATE_RUNNING, lm_get_state(self->src.fd, 0));
	ASSERT_EQ(self->src_digest, lm_sim_digest(&self->src, 0));
	ASSERT_EQ(LM_MIG_STATE_RUNNING, lm_get_state(self->dst.fd, 1));
	ASSERT_EQ(self->bystander_digest, lm_sim_digest(&self->dst, 1));
}

/* Leaving RESUMING after the damage fails and leaves ERROR; reset recovers. */
TEST_F(hostile, leave_then_reset)
{
	int data_fd = write_damaged(_metadata, self, variant->damage);

	ASSERT_EQ(-ENODATA, lm_set_state(self->dst.fd, 0, LM_MIG_STATE_STOP,
					 NULL));
	ASSERT_EQ(LM_MIG_STATE_ERROR, lm_get_state(self->dst.fd, 0));
	/* It did leave RESUMING, for ERROR: the session is over. */
	ASSERT_EQ(-1, write(data_fd, self->good.kept, 1));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(0, lm_reset(self->dst.fd, 0));
	close(data_fd);
	check_recovered(_metadata, self, variant->damage);
}

/* LM_FN_RESET straight from RESUMING recovers and ends the session. */
TEST_F(hostile, reset_in_resuming)
{
	int data_fd = write_damaged(_metadata, self, variant->damage);

	ASSERT_EQ(0, lm_reset(self->dst.fd, 0));
	ASSERT_EQ(-1, write(data_fd, self->good.kept, 1));
	ASSERT_EQ(EINVAL, errno);
	close(data_fd);
	check_recovered(_metadata, self, variant->damage);
}

/*
 * The damaged stream spliced into the restore from a pipe of user pages
 * (vmsplice): the splice that meets the damage fails with its errno, or,
 * when it took bytes before it, the next one does; reset recovers.
 */
TEST_F(hostile, spliced)
{
	size_t done = 0;
	int p[2], data_fd, err = 0;
	ssize_t n, m;
	struct iovec iov;

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, lm_restore_start(self->dst.fd, 0, &data_fd));
	while (!err && done < self->bad.len) {
		iov.iov_base = self->bad.bytes + done;
		iov.iov_len = self->bad.len - done;
		n = vmsplice(p[1], &iov, 1, 0);
		ASSERT_LT(0, n);
		while (n > 0) {
			m = splice(p[0], NULL, data_fd, NULL, n, 0);
			if (m < 0) {
				err = errno;
				break;
			}
			ASSERT_LT(0, m);
			n -= m;
			done += m;
		}
	}
	ASSERT_EQ(damages[variant->damage].err, err)
		TH_LOG("%s: accepted %zu of %zu bytes",
		       damages[variant->damage].name, done, self->bad.len);
	if (err)
		ASSERT_GE(self->bad.limit, done);
	ASSERT_EQ(LM_MIG_STATE_RESUMING, lm_get_state(self->dst.fd, 0));
	close(p[0]);
	close(p[1]);
	ASSERT_EQ(0, lm_reset(self->dst.fd, 0));
	close(data_fd);
	check_recovered(_metadata, self, variant->damage);
}

/*
 * Splice between data files: a restore takes payload that lies in the
 * saving session's own pages by reference, still checked. fn 0 saves,
 * fn 1 restores.
 */
#define SPLICE_STATE (4 * SZ_1M)

FIXTURE(spliced)
{
	struct lm_sim sim;
	int pipe[2];
	int save_fd, restore_fd;
	uint64_t digest;
};

FIXTURE_SETUP(spliced)
{
	self->pipe[0] = self->pipe[1] = -1;
	self->save_fd = self->restore_fd = -1;
	if (!lm_sim_create(_metadata, &self->sim, 2, LM_MIG_STOP_COPY,
			   SPLICE_STATE))
		return;
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 0, SPLICE_STATE));
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 1, SPLICE_STATE));
	ASSERT_EQ(0, lm_sim_fill(&self->sim, 0, SEED_SRC));
	scribble(_metadata, &self->sim, 1, SPLICE_STATE);
	self->digest = lm_sim_digest(&self->sim, 0);
	ASSERT_EQ(0, pipe(self->pipe));
	/* Room for a whole record. */
	ASSERT_LE(SZ_1M, fcntl(self->pipe[1], F_SETPIPE_SZ, SZ_1M));
	ASSERT_EQ(0, lm_restore_start(self->sim.fd, 1, &self->restore_fd));
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_STOP_COPY,
				  &self->save_fd));
}

FIXTURE_TEARDOWN(spliced)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (self->pipe[i] >= 0)
			close(self->pipe[i]);
	}
	if (self->save_fd >= 0)
		close(self->save_fd);
	if (self->restore_fd >= 0)
		close(self->restore_fd);
	lm_sim_destroy(&self->sim);
}

/* Move what the pipe holds into the restore; 0 or the errno that stopped it. */
static int spliced_drain(FIXTURE_DATA(spliced) *self, size_t len)
{
	ssize_t n;

	while (len) {
		n = splice(self->pipe[0], NULL, self->restore_fd, NULL, len, 0);
		if (n < 0)
			return errno;
		if (!n)
			return EIO;
		len -= n;
	}
	return 0;
}

/* The rest of the stream, save to pipe to restore; then both run again. */
static void spliced_finish(struct __test_metadata *_metadata,
			   FIXTURE_DATA(spliced) *self)
{
	ssize_t n;

	for (;;) {
		n = splice(self->save_fd, NULL, self->pipe[1], NULL, SZ_1M, 0);
		ASSERT_LE(0, n);
		if (!n)
			break;
		ASSERT_EQ(0, spliced_drain(self, n));
	}
	ASSERT_EQ(0, lm_restore_finish(self->sim.fd, 1));
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_RUNNING, NULL));
	ASSERT_EQ(self->digest, lm_sim_digest(&self->sim, 1));
	ASSERT_EQ(self->digest, lm_sim_digest(&self->sim, 0));
}

/*
 * The stream header through the pipe, then the first record's header read
 * out of it into @rec: the pipe holds the rest of the first record, in
 * the saving session's pages.
 */
static void spliced_first_record(struct __test_metadata *_metadata,
				 FIXTURE_DATA(spliced) *self,
				 struct lm_record_header *rec)
{
	ASSERT_EQ(HDR_SZ, splice(self->save_fd, NULL, self->pipe[1], NULL,
				 HDR_SZ, 0));
	ASSERT_EQ(0, spliced_drain(self, HDR_SZ));
	ASSERT_LT(REC_SZ + PAGE_SZ, splice(self->save_fd, NULL, self->pipe[1],
					   NULL, SZ_1M, 0));
	ASSERT_EQ(REC_SZ, read(self->pipe[0], rec, REC_SZ));
	ASSERT_EQ(LM_RECORD_DATA, le16toh(rec->type));
}

TEST_F(spliced, whole_stream)
{
	spliced_finish(_metadata, self);
}

/*
 * A record header that forges the payload's checksum, written by the user
 * before the saving session's own payload pages are spliced: the payload
 * is refused (EBADMSG) and the destination recovers by reset.
 */
TEST_F(spliced, forged_checksum)
{
	struct lm_record_header rec;
	int err;

	spliced_first_record(_metadata, self, &rec);
	rec.payload_checksum ^= htole64(1);
	seal_record((uint8_t *)&rec, false);
	ASSERT_EQ(REC_SZ, write(self->restore_fd, &rec, REC_SZ));
	err = spliced_drain(self, le64toh(rec.length));
	/* A splice that took bytes before the damage returns them first. */
	if (!err)
		err = spliced_drain(self, 1) ?: EIO;
	ASSERT_EQ(EBADMSG, err);
	ASSERT_EQ(LM_MIG_STATE_RESUMING, lm_get_state(self->sim.fd, 1));
	ASSERT_EQ(0, lm_reset(self->sim.fd, 1));
	ASSERT_EQ(LM_MIG_STATE_RUNNING, lm_get_state(self->sim.fd, 1));
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_RUNNING, NULL));
	ASSERT_EQ(self->digest, lm_sim_digest(&self->sim, 0));
}

/*
 * A payload that starts by reference and goes on by write(): the restore
 * collects it whole after all, and the stream goes through.
 */
TEST_F(spliced, payload_split)
{
	struct lm_record_header rec;
	size_t rest;
	char *buf;

	spliced_first_record(_metadata, self, &rec);
	ASSERT_EQ(REC_SZ, write(self->restore_fd, &rec, REC_SZ));
	ASSERT_EQ(0, spliced_drain(self, PAGE_SZ));
	rest = le64toh(rec.length) - PAGE_SZ;
	buf = malloc(rest);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ((ssize_t)rest, read(self->pipe[0], buf, rest));
	ASSERT_EQ(0, lm_write_pieces(self->restore_fd, buf, rest, rest, NULL));
	free(buf);
	spliced_finish(_metadata, self);
}

/*
 * Driver failures, armed in lm_sim to fail once with EIO at a payload
 * offset halfway through the state. fn 0 is the source, fn 1 the
 * destination.
 */
#define FAIL_STATE (4 * SZ_1M)
#define FAIL_AT (FAIL_STATE / 2 + 12345)

static bool failure_setup(struct __test_metadata *_metadata,
			  struct lm_sim *sim)
{
	if (!lm_sim_create(_metadata, sim, 2, LM_MIG_STOP_COPY, FAIL_STATE))
		return false;
	ASSERT_EQ(0, lm_sim_prepare_fn(sim, 0, FAIL_STATE));
	ASSERT_EQ(0, lm_sim_prepare_fn(sim, 1, FAIL_STATE));
	ASSERT_EQ(0, lm_sim_fill(sim, 0, SEED_SRC));
	return true;
}

FIXTURE(save_failure)
{
	struct lm_sim sim;
};

FIXTURE_VARIANT(save_failure)
{
	bool reset;	/* recover with LM_FN_RESET, else back to RUNNING */
};

FIXTURE_VARIANT_ADD(save_failure, back_to_running)
{
	.reset = false,
};

FIXTURE_VARIANT_ADD(save_failure, reset)
{
	.reset = true,
};

FIXTURE_SETUP(save_failure)
{
	failure_setup(_metadata, &self->sim);
}

FIXTURE_TEARDOWN(save_failure)
{
	lm_sim_destroy(&self->sim);
}

TEST_F(save_failure, recovers)
{
	uint64_t want = lm_sim_digest(&self->sim, 0);
	struct lm_pump pump;
	int data_fd;
	char byte;

	ASSERT_EQ(0, lm_sim_set(&self->sim, 0, "fail_save_at", "%lu", FAIL_AT));
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_STOP_COPY,
				  &data_fd));
	ASSERT_LE(0, data_fd);
	ASSERT_EQ(0, lm_pump_init(&pump, data_fd, -1, COPY_CHUNK));
	ASSERT_EQ(0, lm_stream_check_expect(&pump.check, &self->sim, 0));
	lm_pump_run(&pump, 0);
	ASSERT_EQ(EIO, pump.read_err);
	ASSERT_FALSE(pump.eof);
	/* What came before the failure is a stream without an end. */
	ASSERT_EQ(0, pump.check.err) TH_LOG("%s", pump.check.why);
	ASSERT_FALSE(lm_stream_check_done(&pump.check));
	ASSERT_GE(FAIL_AT, pump.check.payload_seen);
	lm_pump_fini(&pump);
	/* No stream goes on past a hole in it. */
	ASSERT_EQ(-1, read(data_fd, &byte, 1));
	ASSERT_EQ(EIO, errno);
	EXPECT_EQ(LM_MIG_STATE_STOP_COPY, lm_get_state(self->sim.fd, 0));

	if (variant->reset) {
		ASSERT_EQ(0, lm_reset(self->sim.fd, 0));
	} else {
		ASSERT_EQ(0, lm_set_state(self->sim.fd, 0,
					  LM_MIG_STATE_RUNNING, NULL));
	}
	ASSERT_EQ(LM_MIG_STATE_RUNNING, lm_get_state(self->sim.fd, 0));
	ASSERT_EQ(-1, read(data_fd, &byte, 1));
	ASSERT_EQ(EINVAL, errno);
	close(data_fd);
	/*
	 * Returning to RUNNING keeps the state; a reset resets it, so the
	 * function gets the same state again before the new save.
	 */
	if (!variant->reset) {
		ASSERT_EQ(want, lm_sim_digest(&self->sim, 0));
	} else {
		ASSERT_EQ(0, lm_sim_fill(&self->sim, 0, SEED_SRC));
		ASSERT_EQ(want, lm_sim_digest(&self->sim, 0));
	}

	migrate(_metadata, &self->sim, 0, &self->sim, 1, &pump);
	lm_pump_fini(&pump);
	ASSERT_EQ(want, lm_sim_digest(&self->sim, 1));
}

FIXTURE(restore_failure)
{
	struct lm_sim sim;
};

FIXTURE_VARIANT(restore_failure)
{
	bool leave;	/* try to leave RESUMING (ERROR) before the reset */
};

FIXTURE_VARIANT_ADD(restore_failure, reset)
{
	.leave = false,
};

FIXTURE_VARIANT_ADD(restore_failure, leave_then_reset)
{
	.leave = true,
};

FIXTURE_SETUP(restore_failure)
{
	failure_setup(_metadata, &self->sim);
}

FIXTURE_TEARDOWN(restore_failure)
{
	lm_sim_destroy(&self->sim);
}

TEST_F(restore_failure, recovers)
{
	uint64_t want = lm_sim_digest(&self->sim, 0), payload = 0;
	size_t accepted, limit = 0, i;
	struct lm_stream_record *rec;
	struct lm_pump good;
	int data_fd, ret;

	save_stream(_metadata, &self->sim, 0, COPY_CHUNK, &good);
	/* The failure is met in the record that carries payload byte FAIL_AT. */
	for (i = 0; i < good.check.nr_index && !limit; i++) {
		rec = &good.check.index[i];
		payload += rec->length;
		if (rec->type == LM_RECORD_DATA && payload > FAIL_AT)
			limit = rec->offset + record_size(rec);
	}
	ASSERT_NE(0U, limit);

	ASSERT_EQ(0, lm_sim_set(&self->sim, 1, "fail_restore_at", "%lu",
				FAIL_AT));
	ASSERT_EQ(0, lm_restore_start(self->sim.fd, 1, &data_fd));
	ret = lm_write_pieces(data_fd, good.kept, good.kept_size, PAGE_SZ,
			      &accepted);
	ASSERT_EQ(-EIO, ret);
	ASSERT_GE(limit, accepted);
	ASSERT_EQ(-1, write(data_fd, good.kept + accepted, 1));
	ASSERT_EQ(EIO, errno);
	ASSERT_EQ(LM_MIG_STATE_RESUMING, lm_get_state(self->sim.fd, 1));

	if (variant->leave) {
		ASSERT_EQ(-ENODATA, lm_set_state(self->sim.fd, 1,
						 LM_MIG_STATE_STOP, NULL));
		ASSERT_EQ(LM_MIG_STATE_ERROR, lm_get_state(self->sim.fd, 1));
	}
	ASSERT_EQ(0, lm_reset(self->sim.fd, 1));
	ASSERT_EQ(LM_MIG_STATE_RUNNING, lm_get_state(self->sim.fd, 1));
	ASSERT_EQ(-1, write(data_fd, good.kept, 1));
	ASSERT_EQ(EINVAL, errno);
	close(data_fd);

	restore_stream(_metadata, &self->sim, 1, good.kept, good.kept_size,
		       COPY_CHUNK);
	lm_pump_fini(&good);
	ASSERT_EQ(want, lm_sim_digest(&self->sim, 1));
	ASSERT_EQ(want, lm_sim_digest(&self->sim, 0));
}

/*
 * Data files used the wrong way round or after their session. fn 0 of an
 * all-capabilities device is the source, fn 1 the destination; @good is a
 * whole stream of fn 0.
 */
FIXTURE(data_fd)
{
	struct lm_sim sim;
	struct lm_pump good;
};

FIXTURE_SETUP(data_fd)
{
	if (!lm_sim_create(_metadata, &self->sim, 2, LM_ALL_CAPS, SZ_64K))
		return;
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 0, SZ_64K));
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 1, SZ_64K));
	ASSERT_EQ(0, lm_sim_fill(&self->sim, 0, SEED_SRC));
	save_stream(_metadata, &self->sim, 0, COPY_CHUNK, &self->good);
}

FIXTURE_TEARDOWN(data_fd)
{
	lm_pump_fini(&self->good);
	lm_sim_destroy(&self->sim);
}

/*
 * The header leaves open how a file that only reads (writes) refuses the
 * other direction; either errno tells the VMM it made a mistake.
 */
static bool wrong_way_errno(int err)
{
	return err == EINVAL || err == EBADF;
}

TEST_F(data_fd, save_cannot_be_written)
{
	int data_fd;

	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_STOP_COPY,
				  &data_fd));
	ASSERT_EQ(-1, write(data_fd, self->good.kept, self->good.kept_size));
	ASSERT_TRUE(wrong_way_errno(errno)) TH_LOG("errno %d", errno);
	close(data_fd);

	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_RUNNING, NULL));
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_PRE_COPY,
				  &data_fd));
	ASSERT_EQ(-1, write(data_fd, self->good.kept, self->good.kept_size));
	ASSERT_TRUE(wrong_way_errno(errno)) TH_LOG("errno %d", errno);
	close(data_fd);
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_RUNNING, NULL));
}

TEST_F(data_fd, restore_cannot_be_read)
{
	char buf[64];
	int data_fd;

	ASSERT_EQ(0, lm_restore_start(self->sim.fd, 1, &data_fd));
	ASSERT_EQ(-1, read(data_fd, buf, sizeof(buf)));
	ASSERT_TRUE(wrong_way_errno(errno)) TH_LOG("errno %d", errno);
	/* Refusing the read did not disturb the restore. */
	ASSERT_EQ(0, lm_write_pieces(data_fd, self->good.kept,
				     self->good.kept_size, COPY_CHUNK, NULL));
	ASSERT_EQ(0, lm_restore_finish(self->sim.fd, 1));
	close(data_fd);
	ASSERT_EQ(lm_sim_digest(&self->sim, 0), lm_sim_digest(&self->sim, 1));
}

TEST_F(data_fd, precopy_info_in_stop_copy)
{
	struct lm_precopy_info info;
	int data_fd;

	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_STOP_COPY,
				  &data_fd));
	ASSERT_EQ(-EINVAL, lm_precopy_info(data_fd, &info));
	close(data_fd);
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_RUNNING, NULL));

	/* A file opened in PRE_COPY refuses it too once in STOP_COPY. */
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_PRE_COPY,
				  &data_fd));
	ASSERT_EQ(0, lm_precopy_info(data_fd, &info));
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_STOP_COPY,
				  NULL));
	ASSERT_EQ(-EINVAL, lm_precopy_info(data_fd, &info));
	close(data_fd);
}

TEST_F(data_fd, precopy_info_in_resuming)
{
	struct lm_precopy_info info;
	int data_fd;

	ASSERT_EQ(0, lm_restore_start(self->sim.fd, 1, &data_fd));
	ASSERT_EQ(-EINVAL, lm_precopy_info(data_fd, &info));
	close(data_fd);
}

/* In STOP_COPY the end is final: read() keeps returning 0, poll() says so. */
TEST_F(data_fd, end_is_final)
{
	struct pollfd pfd = { .events = POLLIN };
	char buf[64];

	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_STOP_COPY,
				  &pfd.fd));
	ASSERT_LE(0, lm_read_all(pfd.fd, -1, 4096));
	ASSERT_EQ(0, read(pfd.fd, buf, sizeof(buf)));
	ASSERT_EQ(0, read(pfd.fd, buf, sizeof(buf)));
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	ASSERT_TRUE(pfd.revents & POLLIN);
	close(pfd.fd);
}

/*
 * A session ends when its function leaves the saving group or RESUMING, or
 * is reset; its data file then fails every read, write and LM_PRECOPY_INFO
 * with EINVAL, and the function starts new sessions as usual.
 */
FIXTURE(ended_session)
{
	struct lm_sim sim;
	struct lm_pump good;
};

FIXTURE_VARIANT(ended_session)
{
	uint32_t open_in;	/* the state that opened the data file */
	uint32_t leave_to;	/* the state that ended it; ERROR: reset */
	bool whole;		/* the whole stream passes first */
};

FIXTURE_VARIANT_ADD(ended_session, stop_copy_to_running)
{
	.open_in = LM_MIG_STATE_STOP_COPY,
	.leave_to = LM_MIG_STATE_RUNNING,
	.whole = true,
};

FIXTURE_VARIANT_ADD(ended_session, stop_copy_to_stop_midway)
{
	.open_in = LM_MIG_STATE_STOP_COPY,
	.leave_to = LM_MIG_STATE_STOP,
	.whole = false,
};

FIXTURE_VARIANT_ADD(ended_session, stop_copy_reset)
{
	.open_in = LM_MIG_STATE_STOP_COPY,
	.leave_to = LM_MIG_STATE_ERROR,
	.whole = false,
};

FIXTURE_VARIANT_ADD(ended_session, pre_copy_to_running)
{
	.open_in = LM_MIG_STATE_PRE_COPY,
	.leave_to = LM_MIG_STATE_RUNNING,
	.whole = false,
};

FIXTURE_VARIANT_ADD(ended_session, pre_copy_p2p_to_running_p2p)
{
	.open_in = LM_MIG_STATE_PRE_COPY_P2P,
	.leave_to = LM_MIG_STATE_RUNNING_P2P,
	.whole = false,
};

FIXTURE_VARIANT_ADD(ended_session, pre_copy_reset)
{
	.open_in = LM_MIG_STATE_PRE_COPY,
	.leave_to = LM_MIG_STATE_ERROR,
	.whole = false,
};

FIXTURE_VARIANT_ADD(ended_session, resuming_to_stop)
{
	.open_in = LM_MIG_STATE_RESUMING,
	.leave_to = LM_MIG_STATE_STOP,
	.whole = true,
};

FIXTURE_VARIANT_ADD(ended_session, resuming_reset)
{
	.open_in = LM_MIG_STATE_RESUMING,
	.leave_to = LM_MIG_STATE_ERROR,
	.whole = false,
};

FIXTURE_SETUP(ended_session)
{
	if (!lm_sim_create(_metadata, &self->sim, 2, LM_ALL_CAPS, SZ_64K))
		return;
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 0, SZ_64K));
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 1, SZ_64K));
	ASSERT_EQ(0, lm_sim_fill(&self->sim, 0, SEED_SRC));
	save_stream(_metadata, &self->sim, 0, COPY_CHUNK, &self->good);
}

FIXTURE_TEARDOWN(ended_session)
{
	lm_pump_fini(&self->good);
	lm_sim_destroy(&self->sim);
}

TEST_F(ended_session, fails_einval)
{
	bool restore = variant->open_in == LM_MIG_STATE_RESUMING;
	size_t half = self->good.kept_size / 2;
	struct lm_precopy_info info;
	int fn = restore ? 1 : 0, data_fd;
	struct lm_pump pump;
	char buf[64];

	if (restore) {
		ASSERT_EQ(0, lm_restore_start(self->sim.fd, fn, &data_fd));
		ASSERT_EQ(0, lm_write_pieces(data_fd, self->good.kept,
					     variant->whole ?
						     self->good.kept_size :
						     half,
					     COPY_CHUNK, NULL));
	} else {
		ASSERT_EQ(0, lm_set_state(self->sim.fd, fn, variant->open_in,
					  &data_fd));
		ASSERT_LE(0, data_fd);
		if (variant->whole) {
			ASSERT_LE(0, lm_read_all(data_fd, -1, 4096));
		} else {
			ASSERT_EQ((ssize_t)sizeof(buf),
				  read(data_fd, buf, sizeof(buf)));
		}
	}

	if (variant->leave_to == LM_MIG_STATE_ERROR) {
		ASSERT_EQ(0, lm_reset(self->sim.fd, fn));
	} else {
		ASSERT_EQ(0, lm_set_state(self->sim.fd, fn, variant->leave_to,
					  NULL));
	}

	if (restore) {
		ASSERT_EQ(-1, write(data_fd, self->good.kept + half, 1));
	} else {
		ASSERT_EQ(-1, read(data_fd, buf, sizeof(buf)));
	}
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-EINVAL, lm_precopy_info(data_fd, &info));
	close(data_fd);

	/* A new session is whole. */
	if (restore) {
		ASSERT_EQ(0, lm_reset(self->sim.fd, fn));
		restore_stream(_metadata, &self->sim, fn, self->good.kept,
			       self->good.kept_size, COPY_CHUNK);
		ASSERT_EQ(lm_sim_digest(&self->sim, 0),
			  lm_sim_digest(&self->sim, 1));
	} else {
		ASSERT_EQ(0, lm_reset(self->sim.fd, fn));
		save_stream(_metadata, &self->sim, fn, COPY_CHUNK, &pump);
		lm_pump_fini(&pump);
	}
}

TEST_HARNESS_MAIN
