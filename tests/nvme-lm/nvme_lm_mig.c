// SPDX-License-Identifier: GPL-2.0
/*
 * nvme-lm migrating the secondary controllers of an emulated NVMe
 * controller with Host Managed Live Migration (the project's QEMU,
 * qemu/patches/): the migration capabilities it registers with, a save
 * that suspends and resumes a secondary controller under the stock nvme
 * driver without it noticing, a restore into another secondary controller,
 * user data change logging in PRE_COPY (exactly the LBAs written while it
 * is on, across wraps of the queue, and how the log ends when the queue
 * fills up), and hostile controller states: those nvme-lm refuses itself
 * and those it passes on and the controller refuses, each with its errno
 * on the write that completes the state and a kernel log line, the
 * destination usable afterwards.
 *
 * Run by tests/guest/nvme-mig.sh with the primary controller bound to
 * nvme-lm and the stock nvme driver loaded; $NVME_LM_PF names it.
 */
#include "kselftest_harness.h"
#include "nvme_util.h"
#include "xxh64.h"

/* Two secondary controllers of 3 I/O queue pairs and 2 vectors each. */
#define MIG_VQ 4
#define MIG_VI 2
#define BLOCK 4096

/* nvme-lm's payload: chunks (drivers/nvme-lm/cmds.h) */
#define CHUNK_HDR 24
#define CHUNK_DESC 1
#define CHUNK_STATE 2
#define CHUNK_UDC 3
#define UDC_SIZE 24
#define UDMQ_ENTRIES 4096

/* The controller state: header, NVMe controller state, vendor part. */
#define CS_HDR 48
#define NVMECS_HDR 8
#define CS_QUEUE 24

static uint16_t get16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v);
	put32(p + 4, v >> 32);
}

/*
 * The complete records of @buf (a stream from its header on) from @off, 0
 * for the first: their payloads appended to *@payload; where the next one
 * starts returned.
 */
static size_t stream_records(const uint8_t *buf, size_t len, size_t off,
			     uint8_t **payload, size_t *plen, bool *end)
{
	const struct lm_stream_header *h = (const void *)buf;

	if (!off) {
		if (len < sizeof(*h))
			return 0;
		off = le16toh(h->header_size);
	}
	while (off + sizeof(struct lm_record_header) <= len) {
		const struct lm_record_header *r = (const void *)(buf + off);
		uint64_t n = le64toh(r->length);

		if (off + sizeof(*r) + n > len)
			break;
		if (le16toh(r->type) == LM_RECORD_END) {
			*end = true;
		} else {
			*payload = realloc(*payload, *plen + n);
			memcpy(*payload + *plen, buf + off + sizeof(*r), n);
			*plen += n;
		}
		off += sizeof(*r) + n;
	}
	return off;
}

/* The payload of a whole saved stream; its length, or -EPROTO. */
static ssize_t stream_payload(const uint8_t *buf, size_t len,
			      uint8_t **payload)
{
	size_t plen = 0;
	bool end = false;

	*payload = NULL;
	if (stream_records(buf, len, 0, payload, &plen, &end) != len || !end) {
		free(*payload);
		return -EPROTO;
	}
	return plen;
}

/* A stream with the header of @orig and @payload in one record. */
static uint8_t *stream_build(const uint8_t *orig, const uint8_t *payload,
			     size_t plen, size_t *len)
{
	const struct lm_stream_header *h = (const void *)orig;
	size_t hs = le16toh(h->header_size);
	struct lm_record_header r = {};
	struct lm_stream_end e;
	uint8_t *s, *p;

	*len = hs + 2 * sizeof(r) + plen + sizeof(e);
	s = malloc(*len);
	memcpy(s, orig, hs);
	p = s + hs;

	r.type = htole16(LM_RECORD_DATA);
	r.seq = htole32(0);
	r.length = htole64(plen);
	r.payload_checksum = htole64(xxh64(payload, plen, 0));
	r.checksum = htole64(xxh64(&r, offsetof(typeof(r), checksum), 0));
	memcpy(p, &r, sizeof(r));
	memcpy(p + sizeof(r), payload, plen);
	p += sizeof(r) + plen;

	e.records = htole64(1);
	e.bytes = htole64(plen);
	r.type = htole16(LM_RECORD_END);
	r.seq = htole32(1);
	r.length = htole64(sizeof(e));
	r.payload_checksum = htole64(xxh64(&e, sizeof(e), 0));
	r.checksum = htole64(xxh64(&r, offsetof(typeof(r), checksum), 0));
	memcpy(p, &r, sizeof(r));
	memcpy(p + sizeof(r), &e, sizeof(e));
	return s;
}

/* The controller state in a payload, its pieces joined; its length. */
static ssize_t payload_state(const uint8_t *pl, size_t len, uint8_t **state)
{
	size_t off = 0, slen = 0;

	*state = NULL;
	while (off + CHUNK_HDR <= len) {
		uint32_t type = get32(pl + off), n = get32(pl + off + 4);

		if (off + CHUNK_HDR + n > len)
			break;
		if (type == CHUNK_STATE) {
			*state = realloc(*state, slen + n);
			memcpy(*state + slen, pl + off + CHUNK_HDR, n);
			slen += n;
		}
		off += CHUNK_HDR + n;
	}
	return *state ? (ssize_t)slen : -ENOENT;
}

/* The payload's description chunk, then @state as one chunk. */
static uint8_t *payload_with_state(const uint8_t *pl, const uint8_t *state,
				   size_t slen, size_t *len)
{
	size_t desc = CHUNK_HDR + get32(pl + 4);
	uint8_t *out = malloc(desc + CHUNK_HDR + slen);

	memcpy(out, pl, desc);
	memset(out + desc, 0, CHUNK_HDR);
	put32(out + desc, CHUNK_STATE);
	put32(out + desc + 4, slen);
	put64(out + desc + 16, slen);
	memcpy(out + desc + CHUNK_HDR, state, slen);
	*len = desc + CHUNK_HDR + slen;
	return out;
}

/* One user data change of a UDC chunk. */
struct udc {
	uint32_t nsid;
	uint32_t nlb;
	uint64_t slba;
	uint8_t esa;
	uint8_t dlba;
	uint8_t lbacir;
};

/* Append the changes of the UDC chunks of @pl to @v (@n of them so far). */
static void payload_udcs(const uint8_t *pl, size_t len, struct udc **v,
			 size_t *n)
{
	size_t off = 0, i;

	while (off + CHUNK_HDR <= len) {
		uint32_t type = get32(pl + off), clen = get32(pl + off + 4);

		if (off + CHUNK_HDR + clen > len)
			break;
		if (type == CHUNK_UDC) {
			for (i = 0; i < clen / UDC_SIZE; i++) {
				const uint8_t *e = pl + off + CHUNK_HDR +
						   i * UDC_SIZE;

				*v = realloc(*v, (*n + 1) * sizeof(**v));
				(*v)[(*n)++] = (struct udc){
					.nsid = get32(e),
					.nlb = get32(e + 4),
					.slba = get64(e + 8),
					.esa = e[16],
					.dlba = e[17],
					.lbacir = e[18],
				};
			}
		}
		off += CHUNK_HDR + clen;
	}
}

/*
 * A PRE_COPY session: what its data file gave so far, the payload of the
 * whole records in it and the changes they hold.
 */
struct session {
	int data_fd;
	uint8_t *buf;
	size_t len;
	size_t parsed;
	uint8_t *payload;
	size_t plen;
	struct udc *udc;
	size_t nudc;
	bool end;
};

/* Read the data file until it has nothing more for now (ENOMSG). */
static int session_drain(struct session *s)
{
	size_t before = s->plen;
	ssize_t n;

	for (;;) {
		s->buf = realloc(s->buf, s->len + (1 << 20));
		n = read(s->data_fd, s->buf + s->len, 1 << 20);
		if (n < 0 && errno == ENOMSG)
			break;
		if (n < 0)
			return -errno;
		if (!n)
			break;
		s->len += n;
	}
	s->parsed = stream_records(s->buf, s->len, s->parsed, &s->payload,
				   &s->plen, &s->end);
	payload_udcs(s->payload + before, s->plen - before, &s->udc,
		     &s->nudc);
	return 0;
}

static void session_free(struct session *s)
{
	if (s->data_fd >= 0)
		close(s->data_fd);
	free(s->buf);
	free(s->payload);
	free(s->udc);
	memset(s, 0, sizeof(*s));
	s->data_fd = -1;
}

/* Write one block of pattern @seed at block @blk of @fd (O_DIRECT). */
static int write_block(int fd, uint64_t blk, uint64_t seed)
{
	static uint8_t buf[BLOCK] __attribute__((aligned(BLOCK)));

	fill(buf, BLOCK, seed ^ blk);
	return pwrite(fd, buf, BLOCK, blk * BLOCK) == BLOCK ? 0 : -EIO;
}

static int read_block(int fd, uint64_t blk)
{
	static uint8_t buf[BLOCK] __attribute__((aligned(BLOCK)));

	return pread(fd, buf, BLOCK, blk * BLOCK) == BLOCK ? 0 : -EIO;
}

/* A block number of a deterministic spread over the first 32 MiB. */
static uint64_t spread(uint64_t i)
{
	return lm_splitmix64(i) % (32 * (1 << 20) / BLOCK);
}

/*
 * What every test starts from: two secondary controllers online with
 * MIG_VQ queues and MIG_VI vectors, migratable, their VFs unbound.
 */
struct mig_env {
	char pf[300];
	int fd;
	struct lm_device_info info;
	char vf[2][300];
	unsigned int lba_size;
};

static void mig_env_setup(struct __test_metadata *_metadata, struct mig_env *self)
{
	int i;

	if (!nvme_lm_pf_open(_metadata, self->pf, sizeof(self->pf), &self->fd,
			     &self->info))
		return;
	if (!(self->info.mig_caps & LM_MIG_STOP_COPY))
		SKIP(return, "the controller has no live migration");
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, provision(self->fd, i, MIG_VQ, MIG_VI, 1));
		ASSERT_EQ(0, lm_set_migratable(self->fd, i, true));
		ASSERT_EQ(0, vf_bdf(self->pf, i + 1, self->vf[i],
				    sizeof(self->vf[i])));
	}
}

static void mig_env_teardown(struct mig_env *self)
{
	if (self->fd < 0)
		return;
	lm_reset(self->fd, 0);
	lm_reset(self->fd, 1);
	lm_set_migratable(self->fd, 0, false);
	lm_set_migratable(self->fd, 1, false);
	reset_all(self->pf, self->fd, self->info.num_fns);
	close(self->fd);
}

FIXTURE(mig) {
	struct mig_env e;
};

FIXTURE_SETUP(mig)
{
	mig_env_setup(_metadata, &self->e);
}

FIXTURE_TEARDOWN(mig)
{
	mig_env_teardown(&self->e);
}

/* The stock nvme driver on VF @i: its namespace opened O_DIRECT. */
static int attach_vf(struct __test_metadata *_metadata,
		     struct mig_env *self, int i)
{
	char dev[300], path[PATH_MAX];
	int fd;

	if (nvme_attach(self->vf[i], dev, sizeof(dev)))
		return -ENODEV;
	snprintf(path, sizeof(path), "/sys/block/%s/queue/logical_block_size",
		 strrchr(dev, '/') + 1);
	if (sysfs_readf(path, sizeof(path), "%s", path) > 0)
		self->lba_size = atoi(path);
	fd = open(dev, O_RDWR | O_DIRECT | O_CLOEXEC);
	TH_LOG("VF %s is %s, %u-byte blocks", self->vf[i], dev,
	       self->lba_size);
	return fd < 0 ? -errno : fd;
}

TEST_F(mig, caps)
{
	struct mig_env *e = &self->e;
	struct kmsg k;

	EXPECT_EQ(LM_MIG_STOP_COPY | LM_MIG_PRE_COPY, e->info.mig_caps);
	ASSERT_EQ(0, kmsg_mark(&k));
	EXPECT_EQ(1, kmsg_count(&k,
		"live migration: controller state format version 0 (index 0) with vendor specific format",
		true));
	kmsg_done(&k);
}

/*
 * Saving a secondary controller the stock nvme driver is using suspends it
 * and resumes it; I/O goes on and what was written stays.
 */
/*
 * A reset of a function whose controller is offline: nothing to resume (the
 * controller refuses a Resume), and the function stays usable in RUNNING,
 * not stuck in ERROR.
 */
TEST_F(mig, reset_offline)
{
	struct lm_fn_info fi;

	ASSERT_EQ(0, lm_set_migratable(self->e.fd, 0, false));
	ASSERT_EQ(0, provision(self->e.fd, 0, 0, 0, 0));
	ASSERT_EQ(0, lm_fn_info(self->e.fd, 0, &fi));
	ASSERT_FALSE(fi.fn_flags & LM_FN_ONLINE);
	ASSERT_EQ(0, lm_reset(self->e.fd, 0));
	ASSERT_EQ(LM_MIG_STATE_RUNNING, lm_get_state(self->e.fd, 0));
	ASSERT_EQ(0, lm_reset(self->e.fd, 0));
	ASSERT_EQ(0, provision(self->e.fd, 0, MIG_VQ, MIG_VI, 1));
	ASSERT_EQ(0, lm_set_migratable(self->e.fd, 0, true));
}

TEST_F_TIMEOUT(mig, save_under_nvme_driver, 600)
{
	struct mig_env *e = &self->e;
	uint8_t *stream, *payload, *state;
	ssize_t len, plen, slen;
	uint64_t i;
	int fd;

	fd = attach_vf(_metadata, e, 0);
	ASSERT_LE(0, fd);
	for (i = 0; i < 64; i++)
		ASSERT_EQ(0, write_block(fd, i, 11));

	len = lm_save_fn(e->fd, 0, (void **)&stream);
	ASSERT_LT(0, len);
	EXPECT_EQ(LM_MIG_STATE_RUNNING, lm_get_state(e->fd, 0));
	/* The compatibility key names the vendor specific state format. */
	TH_LOG("compat %.64s", ((struct lm_stream_header *)stream)->compat);
	EXPECT_NE(NULL, strstr(((struct lm_stream_header *)stream)->compat,
			       "/cs0/"));
	plen = stream_payload(stream, len, &payload);
	ASSERT_LT(0, plen);
	slen = payload_state(payload, plen, &state);
	ASSERT_LT(CS_HDR + NVMECS_HDR, slen);
	/* The nvme driver has I/O queues, in pairs. */
	TH_LOG("controller state %zd bytes, %u I/O SQs, %u I/O CQs", slen,
	       get16(state + CS_HDR + 2), get16(state + CS_HDR + 4));
	EXPECT_LE(1, get16(state + CS_HDR + 2));
	EXPECT_EQ(get16(state + CS_HDR + 2), get16(state + CS_HDR + 4));
	/* Saved while suspended: CSATTR bit 0. */
	EXPECT_EQ(1, state[2] & 1);

	for (i = 64; i < 128; i++)
		ASSERT_EQ(0, write_block(fd, i, 11));
	for (i = 0; i < 128; i++)
		ASSERT_EQ(0, read_block(fd, i));
	close(fd);
	free(state);
	free(payload);
	free(stream);
}

/*
 * User data change logging: exactly the blocks written while the function
 * is in PRE_COPY, in order; nothing before, between or after sessions;
 * reads never; the queue wraps (more changes than it has entries, drained
 * as they come).
 */
TEST_F_TIMEOUT(mig, udc_exact, 1200)
{
	struct mig_env *e = &self->e;
	struct session s = { .data_fd = -1 };
	uint64_t i, n = 0, expect_blk[3 * 1800];
	unsigned int lbas;
	int fd, round;
	size_t j;

	fd = attach_vf(_metadata, e, 0);
	ASSERT_LE(0, fd);
	ASSERT_NE(0, e->lba_size);
	lbas = BLOCK / e->lba_size;

	/* Written before: not logged. */
	for (i = 0; i < 32; i++)
		ASSERT_EQ(0, write_block(fd, 1000 + i, 1));

	ASSERT_EQ(0, lm_set_state(e->fd, 0, LM_MIG_STATE_PRE_COPY,
				  &s.data_fd));
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 1800; i++, n++) {
			expect_blk[n] = spread(n);
			ASSERT_EQ(0, write_block(fd, expect_blk[n], 2));
			/* Reads are not changes. */
			if (!(i % 16))
				ASSERT_EQ(0, read_block(fd, spread(n + 7)));
		}
		ASSERT_EQ(0, session_drain(&s));
		TH_LOG("round %d: %zu changes logged", round, s.nudc);
	}
	ASSERT_EQ(n, s.nudc);
	for (j = 0; j < s.nudc && j < n; j++) {
		EXPECT_EQ(1, s.udc[j].nsid);
		EXPECT_EQ(expect_blk[j] * lbas, s.udc[j].slba);
		/* NLB as in the command: 0's based. */
		EXPECT_EQ(lbas - 1, s.udc[j].nlb);
		EXPECT_EQ(0, s.udc[j].lbacir);
		EXPECT_EQ(0, s.udc[j].esa);
		if (s.udc[j].slba != expect_blk[j] * lbas)
			break;
	}

	/* Back to RUNNING ends the session and the logging. */
	ASSERT_EQ(0, lm_set_state(e->fd, 0, LM_MIG_STATE_RUNNING, NULL));
	session_free(&s);
	for (i = 0; i < 32; i++)
		ASSERT_EQ(0, write_block(fd, 2000 + i, 3));

	/* A new session logs only what is written during it. */
	ASSERT_EQ(0, lm_set_state(e->fd, 0, LM_MIG_STATE_PRE_COPY,
				  &s.data_fd));
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, write_block(fd, 3000 + 2 * i, 4));
	ASSERT_EQ(0, session_drain(&s));
	ASSERT_EQ(5, s.nudc);
	for (j = 0; j < s.nudc; j++)
		EXPECT_EQ((3000 + 2 * j) * lbas, s.udc[j].slba);
	ASSERT_EQ(0, lm_set_state(e->fd, 0, LM_MIG_STATE_RUNNING, NULL));
	session_free(&s);
	close(fd);
}

/*
 * More changes than the queue holds before the host drains it: the log
 * ends with an entry naming every LBA as changed (the reason: the queue
 * filled up), and nothing after it.
 */
TEST_F_TIMEOUT(mig, udc_queue_full, 1200)
{
	struct mig_env *e = &self->e;
	struct session s = { .data_fd = -1 };
	unsigned int lbas;
	uint64_t i;
	int fd;

	fd = attach_vf(_metadata, e, 0);
	ASSERT_LE(0, fd);
	lbas = BLOCK / e->lba_size;
	ASSERT_EQ(0, lm_set_state(e->fd, 0, LM_MIG_STATE_PRE_COPY,
				  &s.data_fd));
	for (i = 0; i < UDMQ_ENTRIES + 100; i++)
		ASSERT_EQ(0, write_block(fd, i, 5));
	ASSERT_EQ(0, session_drain(&s));
	/* One entry stays free: a full queue has its tail just behind. */
	ASSERT_EQ(UDMQ_ENTRIES - 1, s.nudc);
	EXPECT_EQ((UDMQ_ENTRIES - 3) * lbas, s.udc[UDMQ_ENTRIES - 3].slba);
	EXPECT_EQ(1, s.udc[s.nudc - 1].lbacir);
	EXPECT_EQ(2, s.udc[s.nudc - 1].esa);
	/* Nothing more once it ended. */
	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, write_block(fd, i, 6));
	ASSERT_EQ(0, session_drain(&s));
	EXPECT_EQ(UDMQ_ENTRIES - 1, s.nudc);
	ASSERT_EQ(0, lm_set_state(e->fd, 0, LM_MIG_STATE_RUNNING, NULL));
	session_free(&s);
	close(fd);
}

/*
 * A hostile controller state, made from a real one with valid envelope
 * checksums: where nvme-lm catches it, and where the controller does.
 */
FIXTURE(hostile) {
	struct mig_env e;
};

FIXTURE_SETUP(hostile)
{
	mig_env_setup(_metadata, &self->e);
}

FIXTURE_TEARDOWN(hostile)
{
	mig_env_teardown(&self->e);
}

FIXTURE_VARIANT(hostile) {
	const char *what;
	void (*mutate)(uint8_t *state, size_t *len);
	int err;
	const char *log;
};

static uint8_t *sq0(uint8_t *st)
{
	return st + CS_HDR + NVMECS_HDR;
}

static uint8_t *cq0(uint8_t *st)
{
	return sq0(st) + get16(st + CS_HDR + 2) * CS_QUEUE;
}

static uint8_t *vendor(uint8_t *st)
{
	return st + CS_HDR + get32(st + 16) * 4;
}

static void cut_tail(uint8_t *st, size_t *len)
{
	*len -= 8;
}

static void many_queues(uint8_t *st, size_t *len)
{
	put16(st + CS_HDR + 2, 200);
}

static void foreign_version(uint8_t *st, size_t *len)
{
	put16(st + CS_HDR, 7);
}

static void vendor_magic(uint8_t *st, size_t *len)
{
	vendor(st)[0] ^= 0xff;
}

static void qid_beyond(uint8_t *st, size_t *len)
{
	put16(sq0(st) + 10, MIG_VQ + 5);
}

static void vector_beyond(uint8_t *st, size_t *len)
{
	put32(cq0(st) + 16, get32(cq0(st) + 16) | (MIG_VI + 3) << 16);
}

static void unaligned_queue(uint8_t *st, size_t *len)
{
	put64(sq0(st), get64(sq0(st)) + 64);
}

static void huge_queue(uint8_t *st, size_t *len)
{
	put16(sq0(st) + 8, 0xfffe);
}

FIXTURE_VARIANT_ADD(hostile, truncated) {
	.what = "truncated", .mutate = cut_tail, .err = -EINVAL,
	.log = "received state refused: inconsistent controller state",
};

FIXTURE_VARIANT_ADD(hostile, too_many_queues) {
	.what = "more queues than resources", .mutate = many_queues,
	.err = -EMSGSIZE,
	.log = "more I/O queues than the controller has VQ resources",
};

FIXTURE_VARIANT_ADD(hostile, foreign_format) {
	.what = "another NVMe state version", .mutate = foreign_version,
	.err = -EINVAL, .log = "failed: Invalid Field in Command",
};

FIXTURE_VARIANT_ADD(hostile, vendor_part) {
	.what = "a foreign vendor specific part", .mutate = vendor_magic,
	.err = -EINVAL, .log = "failed: Invalid Field in Command",
};

FIXTURE_VARIANT_ADD(hostile, queue_id_beyond) {
	.what = "a queue identifier beyond the VQ resources",
	.mutate = qid_beyond, .err = -ENOSPC,
	.log = "failed: Not Enough Resources",
};

FIXTURE_VARIANT_ADD(hostile, vector_beyond) {
	.what = "an interrupt vector beyond the VI resources",
	.mutate = vector_beyond, .err = -ENOSPC,
	.log = "failed: Not Enough Resources",
};

FIXTURE_VARIANT_ADD(hostile, unaligned) {
	.what = "a queue not page aligned", .mutate = unaligned_queue,
	.err = -EINVAL, .log = "failed: Invalid Field in Command",
};

FIXTURE_VARIANT_ADD(hostile, queue_too_large) {
	.what = "a queue larger than the controller's maximum",
	.mutate = huge_queue, .err = -EINVAL,
	.log = "failed: Invalid Field in Command",
};

TEST_F_TIMEOUT(hostile, restore, 600)
{
	struct mig_env *e = &self->e;
	uint8_t *stream, *payload, *state, *bad_pl, *bad;
	size_t bad_plen, bad_len, slen_m;
	ssize_t len, plen, slen;
	int fd, data_fd, ret;
	char dev[300];
	struct kmsg k;

	/* A real state: a secondary controller the nvme driver uses. */
	fd = attach_vf(_metadata, e, 0);
	ASSERT_LE(0, fd);
	len = lm_save_fn(e->fd, 0, (void **)&stream);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, write_block(fd, 1, 9));
	close(fd);
	ASSERT_EQ(0, unbind(e->vf[0]));

	plen = stream_payload(stream, len, &payload);
	ASSERT_LT(0, plen);
	slen = payload_state(payload, plen, &state);
	ASSERT_LT(CS_HDR, slen);
	slen_m = slen;
	variant->mutate(state, &slen_m);
	bad_pl = payload_with_state(payload, state, slen_m, &bad_plen);
	bad = stream_build(stream, bad_pl, bad_plen, &bad_len);

	ASSERT_EQ(0, kmsg_mark(&k));
	ASSERT_EQ(0, lm_restore_start(e->fd, 1, &data_fd));
	/*
	 * The envelope is sound, so the state is refused only once it is
	 * whole: by the write that completes it, which a VMM still loading
	 * the migration stream sees as the destination's refusal.
	 */
	ret = lm_write_all(data_fd, bad, bad_len, bad_len);
	TH_LOG("%s: %s", variant->what, strerror(-ret));
	EXPECT_EQ(variant->err, ret);
	EXPECT_LE(1, kmsg_wait(&k, variant->log, 5));
	EXPECT_EQ(LM_MIG_STATE_RESUMING, lm_get_state(e->fd, 1));
	/* The stream stays refused: leaving RESUMING finds it incomplete. */
	EXPECT_EQ(-ENODATA, lm_set_state(e->fd, 1, LM_MIG_STATE_STOP, NULL));
	EXPECT_EQ(LM_MIG_STATE_ERROR, lm_get_state(e->fd, 1));
	close(data_fd);

	/* The destination is reset and works. */
	ASSERT_EQ(0, lm_reset(e->fd, 1));
	EXPECT_EQ(LM_MIG_STATE_RUNNING, lm_get_state(e->fd, 1));
	ASSERT_EQ(0, nvme_attach(e->vf[1], dev, sizeof(dev)));
	fd = open(dev, O_RDWR | O_DIRECT | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, write_block(fd, 2, 10));
	EXPECT_EQ(0, read_block(fd, 1));
	close(fd);

	kmsg_done(&k);
	free(bad);
	free(bad_pl);
	free(state);
	free(payload);
	free(stream);
}

TEST_HARNESS_MAIN
