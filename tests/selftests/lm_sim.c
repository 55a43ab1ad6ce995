// SPDX-License-Identifier: GPL-2.0
/*
 * lm_sim, the simulated controlling function, against its own contract
 * (docs/lm-sim.rst): the debugfs files that create, inspect, disturb and
 * remove devices; the state, its dirty tracking and the background writer;
 * the payload save() produces; and restore() given hostile payloads inside
 * valid stream envelopes, which it must refuse with the documented errno
 * before writing any of the record.
 *
 * The payload format is the DOC comment of drivers/lm-sim/mig.c; the
 * envelope around it is include/uapi/linux/lm.h. Every crafted stream is
 * checked in user space (struct lm_stream_check) before it is written: the
 * core accepts it, so whatever is refused is refused by the driver.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <stddef.h>
#include <sys/stat.h>

#include "kselftest_harness.h"

#include "lm_util.h"

#define PAGE_SZ 4096UL
#define SZ_64K (64UL << 10)
#define SZ_1M (1UL << 20)
#define SZ_16G (16ULL << 30)

#define HDR_SZ sizeof(struct lm_stream_header)
#define REC_SZ sizeof(struct lm_record_header)

#define COPY_CHUNK SZ_1M
#define SEED_SRC 81985529216486895ULL
#define SEED_OTHER 842150450084839175ULL

/* lm_sim's payload (drivers/lm-sim/mig.c, "Payload format"), little endian. */
struct sim_chunk {
	uint64_t offset;
	uint32_t len;
	uint32_t flags;
};

#define SIM_CHUNK_DESC 1U
#define CHUNK_SZ sizeof(struct sim_chunk)
#define DESC_CHUNK_SZ (CHUNK_SZ + sizeof(uint64_t))
#define PAGE_CHUNK_SZ (CHUNK_SZ + PAGE_SZ)

_Static_assert(sizeof(struct sim_chunk) == 16, "lm_sim_chunk is 16 bytes");

/* The payload of a save of @pages pages: the description, a chunk each. */
static uint64_t payload_of(uint64_t pages)
{
	return DESC_CHUNK_SZ + pages * PAGE_CHUNK_SZ;
}

/*
 * At most what the core adds around @payload bytes in a stream: a header,
 * the end record, and a record header per record, records being at least
 * LM_SAVE_MIN_LEN (64 KiB, include/linux/lm.h) but the last. Less than a
 * page chunk for the sizes used here, so page counts come out exact.
 */
static uint64_t framing_max(uint64_t payload)
{
	return HDR_SZ + REC_SZ * (payload / SZ_64K + 2) +
	       sizeof(struct lm_stream_end);
}

static void knob_path(char *path, size_t len, const struct lm_sim *sim,
		      int fn, const char *knob)
{
	if (fn < 0)
		snprintf(path, len, LM_SIM_DEBUGFS "/sim%d/%s", sim->id, knob);
	else
		snprintf(path, len, LM_SIM_DEBUGFS "/sim%d/fn%d/%s", sim->id,
			 fn, knob);
}

/* Open a debugfs file of a device (@fn < 0) or function; fd or -errno. */
static int knob_open(const struct lm_sim *sim, int fn, const char *knob,
		     int flags)
{
	char path[128];
	int fd;

	knob_path(path, sizeof(path), sim, fn, knob);
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* A debugfs file reads exactly @want. */
static void expect_knob(struct __test_metadata *_metadata,
			const struct lm_sim *sim, int fn, const char *knob,
			const char *want)
{
	char buf[256];

	ASSERT_LT(0, lm_sim_get(sim, fn, knob, buf, sizeof(buf)))
		TH_LOG("%s", knob);
	ASSERT_STREQ(want, buf) TH_LOG("%s", knob);
}

/* XXH64 of @memory bytes of zeros: the digest of a state never written. */
static uint64_t zeros_digest(uint64_t memory)
{
	static const uint8_t zeros[PAGE_SZ];
	struct xxh64_state sum;
	uint64_t off;

	xxh64_init(&sum, 0);
	for (off = 0; off < memory; off += PAGE_SZ)
		xxh64_update(&sum, zeros, PAGE_SZ);
	return xxh64_digest(&sum);
}

/* Read a function's whole state through its state file into @buf. */
static void read_state(struct __test_metadata *_metadata,
		       const struct lm_sim *sim, int fn, void *buf,
		       uint64_t memory)
{
	uint64_t off = 0;
	ssize_t n;
	int fd = knob_open(sim, fn, "state", O_RDONLY);

	ASSERT_LE(0, fd);
	while (off < memory) {
		n = pread(fd, (char *)buf + off, memory - off, off);
		ASSERT_LT(0, n) TH_LOG("state ends at %llu of %llu",
				       (unsigned long long)off,
				       (unsigned long long)memory);
		off += n;
	}
	close(fd);
}

/* The fill pattern, word by word, in @memory bytes at @buf. */
static bool is_pattern(const void *buf, uint64_t memory, uint64_t seed)
{
	const uint64_t *w = buf;
	uint64_t i;

	for (i = 0; i < memory / 8; i++)
		if (le64toh(w[i]) != lm_splitmix64(seed + i))
			return false;
	return true;
}

static void expect_stat(struct __test_metadata *_metadata,
			const struct lm_sim *sim, int fn, const char *key,
			long long want)
{
	ASSERT_EQ(want, lm_sim_stat(sim, fn, key)) TH_LOG("stats %s", key);
}

/*
 * Save a function in RUNNING through STOP_COPY into @pump, which keeps the
 * stream and the place of each record; the stream must be whole and well
 * formed. The function runs again afterwards.
 */
static void save_stream(struct __test_metadata *_metadata,
			const struct lm_sim *sim, int fn, struct lm_pump *pump)
{
	int data_fd;

	ASSERT_EQ(0, lm_set_state(sim->fd, fn, LM_MIG_STATE_STOP_COPY,
				  &data_fd));
	ASSERT_LE(0, data_fd);
	ASSERT_EQ(0, lm_pump_init(pump, data_fd, -1, COPY_CHUNK));
	ASSERT_EQ(0, lm_stream_check_expect(&pump->check, sim, fn));
	pump->keep = true;
	pump->check.keep_index = true;
	lm_pump_run(pump, 0);
	close(data_fd);
	ASSERT_EQ(0, pump->read_err);
	ASSERT_EQ(0, pump->write_err);
	ASSERT_TRUE(pump->eof);
	ASSERT_EQ(0, pump->check.err) TH_LOG("%s", pump->check.why);
	ASSERT_TRUE(lm_stream_check_done(&pump->check));
	ASSERT_EQ(0, lm_set_state(sim->fd, fn, LM_MIG_STATE_RUNNING, NULL));
}

/* Restore a whole stream held in memory, commit it and run the function. */
static void restore_stream(struct __test_metadata *_metadata,
			   const struct lm_sim *sim, int fn, const void *stream,
			   size_t len)
{
	size_t accepted;
	int data_fd;

	ASSERT_EQ(0, lm_restore_start(sim->fd, fn, &data_fd));
	ASSERT_EQ(0, lm_write_pieces(data_fd, stream, len, COPY_CHUNK,
				     &accepted))
		TH_LOG("refused after %zu of %zu bytes", accepted, len);
	close(data_fd);
	ASSERT_EQ(0, lm_restore_finish(sim->fd, fn));
}

/* The module parameter @name of the loaded lm_sim. */
static unsigned long long sim_param(struct __test_metadata *_metadata,
				    const char *name)
{
	char path[96], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/lm_sim/parameters/%s", name);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd) TH_LOG("%s", path);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ASSERT_LT(0, n);
	buf[n] = 0;
	return strtoull(buf, NULL, 0);
}

/*
 * debugfs "new": each write of "NFNS [CAPS [MEMORY]]" creates a device and
 * replies "simK lmN"; bad input creates nothing.
 */
FIXTURE(new_ok)
{
	struct lm_sim sim;
	int new_fd;
};

FIXTURE_VARIANT(new_ok)
{
	const char *input;
	unsigned int nfns;
	int caps;		/* -1: the module's default */
	long long memory;	/* -1: the module's default */
};

FIXTURE_VARIANT_ADD(new_ok, nfns_only)
{
	.input = "3", .nfns = 3, .caps = -1, .memory = -1,
};

FIXTURE_VARIANT_ADD(new_ok, hex_memory_newline)
{
	.input = "2 7 0x400000\n", .nfns = 2, .caps = 7, .memory = 0x400000,
};

FIXTURE_VARIANT_ADD(new_ok, all_hex)
{
	.input = "0x2 0x3 0x2000", .nfns = 2, .caps = 3, .memory = 8192,
};

FIXTURE_VARIANT_ADD(new_ok, provisioning_only)
{
	.input = "1 0", .nfns = 1, .caps = 0, .memory = -1,
};

FIXTURE_VARIANT_ADD(new_ok, pre_copy_no_p2p)
{
	.input = "2 5 4096", .nfns = 2, .caps = 5, .memory = 4096,
};

FIXTURE_VARIANT_ADD(new_ok, largest_memory)
{
	.input = "1 1 17179869184", .nfns = 1, .caps = 1, .memory = SZ_16G,
};

FIXTURE_VARIANT_ADD(new_ok, most_functions)
{
	.input = "4096 1 4096", .nfns = 4096, .caps = 1, .memory = 4096,
};

FIXTURE_SETUP(new_ok)
{
	self->sim.id = -1;
	self->sim.fd = -1;
	self->new_fd = open(LM_SIM_DEBUGFS "/new", O_RDWR | O_CLOEXEC);
	if (self->new_fd < 0 && errno == ENOENT)
		SKIP(return, "lm_sim is not loaded");
	ASSERT_LE(0, self->new_fd);
}

FIXTURE_TEARDOWN(new_ok)
{
	lm_sim_destroy(&self->sim);
	close(self->new_fd);
}

TEST_F(new_ok, creates)
{
	unsigned long long memory = variant->memory >= 0 ?
		(unsigned long long)variant->memory :
		sim_param(_metadata, "memory");
	unsigned int caps = variant->caps >= 0 ? (unsigned int)variant->caps :
		(unsigned int)sim_param(_metadata, "caps");
	size_t len = strlen(variant->input);
	struct lm_device_info dev;
	struct lm_fn_info info;
	char reply[64], want[64], path[64];
	unsigned int id, lm;
	ssize_t n;

	ASSERT_EQ((ssize_t)len, write(self->new_fd, variant->input, len));
	n = read(self->new_fd, reply, sizeof(reply) - 1);
	ASSERT_LT(0, n);
	reply[n] = 0;
	ASSERT_EQ(2, sscanf(reply, "sim%u lm%u", &id, &lm)) TH_LOG("%s", reply);
	snprintf(want, sizeof(want), "sim%u lm%u\n", id, lm);
	ASSERT_STREQ(want, reply);
	self->sim.id = id;
	snprintf(self->sim.name, sizeof(self->sim.name), "lm%u", lm);
	snprintf(path, sizeof(path), "/dev/lm%u", lm);
	self->sim.fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->sim.fd);

	snprintf(want, sizeof(want), "lm%u\n", lm);
	expect_knob(_metadata, &self->sim, -1, "lm", want);
	ASSERT_EQ(0, lm_device_info(self->sim.fd, &dev));
	ASSERT_STREQ("lm_sim", dev.driver);
	/* Its parent is the platform device lm_sim.K. */
	snprintf(want, sizeof(want), "lm_sim.%u", id);
	ASSERT_STREQ(want, dev.parent);
	snprintf(path, sizeof(path), "/sys/bus/platform/devices/lm_sim.%u", id);
	ASSERT_EQ(0, access(path, F_OK));
	ASSERT_EQ(variant->nfns, dev.num_fns);
	ASSERT_EQ(caps, dev.mig_caps);
	ASSERT_EQ(LM_PROV_QUEUES | LM_PROV_IRQS | LM_PROV_MEMORY |
		  LM_PROV_ONLINE, dev.prov_caps);
	ASSERT_EQ(0, lm_fn_info(self->sim.fd, variant->nfns - 1, &info));
	ASSERT_EQ(memory, info.memory);
	/* A directory per function, and no more. */
	knob_path(path, sizeof(path), &self->sim, variant->nfns - 1, "stats");
	ASSERT_EQ(0, access(path, R_OK));
	knob_path(path, sizeof(path), &self->sim, variant->nfns, "stats");
	ASSERT_EQ(-1, access(path, F_OK));
	ASSERT_EQ(ENOENT, errno);
}

/* One open "new" file, for several writes. */
FIXTURE(new_file)
{
	struct lm_sim sim;
	int new_fd;
};

FIXTURE_SETUP(new_file)
{
	self->sim.id = -1;
	self->sim.fd = -1;
	self->new_fd = open(LM_SIM_DEBUGFS "/new", O_RDWR | O_CLOEXEC);
	if (self->new_fd < 0 && errno == ENOENT)
		SKIP(return, "lm_sim is not loaded");
	ASSERT_LE(0, self->new_fd);
}

FIXTURE_TEARDOWN(new_file)
{
	lm_sim_destroy(&self->sim);
	close(self->new_fd);
}

/* A second write creates a second device; its reply needs a seek to 0. */
TEST_F(new_file, reply_per_write)
{
	char reply[64];
	unsigned int id1, id2, lm;
	struct lm_sim second = { .id = -1, .fd = -1 };
	ssize_t n;

	ASSERT_EQ(1, write(self->new_fd, "1", 1));
	n = read(self->new_fd, reply, sizeof(reply) - 1);
	ASSERT_LT(0, n);
	reply[n] = 0;
	ASSERT_EQ(2, sscanf(reply, "sim%u lm%u", &id1, &lm));
	self->sim.id = id1;
	/* The whole reply was read. */
	ASSERT_EQ(0, read(self->new_fd, reply, sizeof(reply)));

	ASSERT_EQ(1, write(self->new_fd, "1", 1));
	ASSERT_EQ(0, lseek(self->new_fd, 0, SEEK_SET));
	n = read(self->new_fd, reply, sizeof(reply) - 1);
	ASSERT_LT(0, n);
	reply[n] = 0;
	ASSERT_EQ(2, sscanf(reply, "sim%u lm%u", &id2, &lm));
	second.id = id2;
	lm_sim_remove(&second);
	/* Ids count up, and are not reused. */
	ASSERT_EQ(id1 + 1, id2);
}

FIXTURE(new_bad)
{
	struct lm_sim before, after;
	int new_fd;
};

FIXTURE_VARIANT(new_bad)
{
	const char *input;
};

FIXTURE_VARIANT_ADD(new_bad, blank) { .input = " \n" };
FIXTURE_VARIANT_ADD(new_bad, zero_fns) { .input = "0" };
FIXTURE_VARIANT_ADD(new_bad, too_many_fns) { .input = "4097" };
FIXTURE_VARIANT_ADD(new_bad, not_a_number) { .input = "abc" };
FIXTURE_VARIANT_ADD(new_bad, trailing_garbage) { .input = "1x" };
FIXTURE_VARIANT_ADD(new_bad, negative) { .input = "-1" };
FIXTURE_VARIANT_ADD(new_bad, bare_0x) { .input = "0x" };
FIXTURE_VARIANT_ADD(new_bad, beyond_64_bits)
{
	.input = "99999999999999999999999",
};
FIXTURE_VARIANT_ADD(new_bad, unknown_caps) { .input = "1 8" };
FIXTURE_VARIANT_ADD(new_bad, p2p_without_stop_copy) { .input = "1 2" };
FIXTURE_VARIANT_ADD(new_bad, pre_copy_without_stop_copy) { .input = "1 4" };
FIXTURE_VARIANT_ADD(new_bad, memory_zero) { .input = "1 7 0" };
FIXTURE_VARIANT_ADD(new_bad, memory_unaligned) { .input = "1 7 4095" };
FIXTURE_VARIANT_ADD(new_bad, memory_beyond_16g) { .input = "1 7 17179873280" };
FIXTURE_VARIANT_ADD(new_bad, four_numbers) { .input = "1 7 4096 4" };

FIXTURE_SETUP(new_bad)
{
	self->after.id = -1;
	self->after.fd = -1;
	self->new_fd = -1;
	if (!lm_sim_create(_metadata, &self->before, 1, LM_MIG_STOP_COPY,
			   PAGE_SZ))
		return;
	self->new_fd = open(LM_SIM_DEBUGFS "/new", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->new_fd);
}

FIXTURE_TEARDOWN(new_bad)
{
	lm_sim_destroy(&self->after);
	lm_sim_destroy(&self->before);
	close(self->new_fd);
}

TEST_F(new_bad, einval_creates_nothing)
{
	size_t len = strlen(variant->input);
	char reply[64];

	ASSERT_EQ(-1, write(self->new_fd, variant->input, len));
	ASSERT_EQ(EINVAL, errno);
	/* No reply, and no device took an id. */
	ASSERT_EQ(0, read(self->new_fd, reply, sizeof(reply)));
	ASSERT_EQ(0, lm_sim_new(&self->after, 1, LM_MIG_STOP_COPY, PAGE_SZ));
	ASSERT_EQ(self->before.id + 1, self->after.id);
}

/* The device's own files, and what a function reports. */
#define DEV_FNS 4
#define DEV_MEMORY (64 * PAGE_SZ)

FIXTURE(sim_dev)
{
	struct lm_sim sim;
};

FIXTURE_SETUP(sim_dev)
{
	lm_sim_create(_metadata, &self->sim, DEV_FNS, LM_ALL_CAPS, DEV_MEMORY);
}

FIXTURE_TEARDOWN(sim_dev)
{
	lm_sim_destroy(&self->sim);
}

TEST_F(sim_dev, lm_names_the_device)
{
	char want[24];

	snprintf(want, sizeof(want), "%s\n", self->sim.name);
	expect_knob(_metadata, &self->sim, -1, "lm", want);
}

/* Root only: each file's mode as documented. */
TEST_F(sim_dev, file_modes)
{
	static const struct {
		int fn;
		const char *name;
		mode_t mode;
	} files[] = {
		{ -1, "remove", 0200 }, { -1, "compat", 0600 },
		{ -1, "lm", 0400 }, { 0, "state", 0600 }, { 0, "fill", 0200 },
		{ 0, "digest", 0400 }, { 0, "busy", 0600 },
		{ 0, "quiesce_delay_ms", 0600 }, { 0, "fail_save_at", 0600 },
		{ 0, "fail_restore_at", 0600 }, { 0, "arcs", 0600 },
		{ 0, "stats", 0400 },
	};
	char path[128];
	struct stat st;
	size_t i;

	ASSERT_EQ(0, stat(LM_SIM_DEBUGFS "/new", &st));
	ASSERT_EQ(0600, st.st_mode & 07777);
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		knob_path(path, sizeof(path), &self->sim, files[i].fn,
			  files[i].name);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s", path);
		EXPECT_EQ(files[i].mode, st.st_mode & 07777) TH_LOG("%s", path);
		EXPECT_EQ(0, st.st_uid) TH_LOG("%s", path);
	}
}

TEST_F(sim_dev, compat_default)
{
	struct lm_device_info info;

	expect_knob(_metadata, &self->sim, -1, "compat", "lm_sim-v1\n");
	ASSERT_EQ(0, lm_device_info(self->sim.fd, &info));
	ASSERT_STREQ("lm_sim", info.driver);
}

TEST_F(sim_dev, compat_set_drops_newline)
{
	ASSERT_EQ(0, lm_sim_set(&self->sim, -1, "compat", "other key\n"));
	expect_knob(_metadata, &self->sim, -1, "compat", "other key\n");
	ASSERT_EQ(0, lm_sim_set(&self->sim, -1, "compat", "third"));
	expect_knob(_metadata, &self->sim, -1, "compat", "third\n");
}

TEST_F(sim_dev, compat_longest)
{
	char key[80];

	memset(key, 'k', 63);
	strcpy(key + 63, "\n");
	ASSERT_EQ(0, lm_sim_set(&self->sim, -1, "compat", "%s", key));
	expect_knob(_metadata, &self->sim, -1, "compat", key);
}

/* Streams started after a change carry the new key. */
TEST_F(sim_dev, compat_in_streams)
{
	struct lm_pump pump;

	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 0, DEV_MEMORY));
	ASSERT_EQ(0, lm_sim_set(&self->sim, -1, "compat", "lm_sim-test"));
	/* lm_stream_check_expect() takes the key from the compat file. */
	save_stream(_metadata, &self->sim, 0, &pump);
	ASSERT_STREQ("lm_sim-test", pump.check.compat);
	lm_pump_fini(&pump);
}

TEST_F(sim_dev, fn_info)
{
	struct lm_fn_info info;
	int fn;

	for (fn = 0; fn < DEV_FNS; fn++) {
		ASSERT_EQ(0, lm_fn_info(self->sim.fd, fn, &info));
		EXPECT_EQ(fn + 1, info.vf);
		EXPECT_EQ(fn + 1, info.hw_id);
		EXPECT_EQ(LM_FN_ONLINE, info.fn_flags);
		EXPECT_EQ(0, info.pci_domain);
		EXPECT_EQ(0, info.pci_bdf);
		EXPECT_EQ(2, info.queues);
		EXPECT_EQ(2, info.irqs);
		EXPECT_EQ(DEV_MEMORY, info.memory);
	}
}

/* Changing a function's memory zeroes its state; the state file follows. */
TEST_F(sim_dev, prov_memory_zeroes_state)
{
	char path[128], byte;
	struct stat st;
	int fd;

	ASSERT_EQ(0, lm_sim_fill(&self->sim, 0, SEED_SRC));
	ASSERT_EQ(0, lm_provision_memory(self->sim.fd, 0, 2 * DEV_MEMORY));
	expect_stat(_metadata, &self->sim, 0, "pages_allocated", 0);
	ASSERT_EQ(zeros_digest(2 * DEV_MEMORY), lm_sim_digest(&self->sim, 0));
	knob_path(path, sizeof(path), &self->sim, 0, "state");
	ASSERT_EQ(0, stat(path, &st));
	ASSERT_EQ(2 * DEV_MEMORY, st.st_size);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, pread(fd, &byte, 1, 2 * DEV_MEMORY - 1));
	ASSERT_EQ(0, pread(fd, &byte, 1, 2 * DEV_MEMORY));
	close(fd);
}

TEST_F(sim_dev, prov_same_memory_keeps_state)
{
	uint64_t want;

	ASSERT_EQ(0, lm_sim_fill(&self->sim, 0, SEED_SRC));
	want = lm_sim_digest(&self->sim, 0);
	ASSERT_EQ(0, lm_provision(self->sim.fd, 0,
				  LM_PROV_ONLINE | LM_PROV_MEMORY, 0, 0, 0,
				  DEV_MEMORY));
	ASSERT_EQ(0, lm_provision(self->sim.fd, 0, LM_PROV_ONLINE, 0, 0, 1, 0));
	ASSERT_EQ(want, lm_sim_digest(&self->sim, 0));
}

/* A request is checked whole: a refused one does not zero the state. */
TEST_F(sim_dev, prov_refused_changes_nothing)
{
	struct lm_fn_info info;
	uint64_t want;

	ASSERT_EQ(0, lm_sim_fill(&self->sim, 0, SEED_SRC));
	want = lm_sim_digest(&self->sim, 0);
	ASSERT_EQ(0, lm_provision(self->sim.fd, 0, LM_PROV_ONLINE, 0, 0, 0, 0));
	/* Too many queues, with a memory change that alone would do. */
	ASSERT_EQ(-ENOSPC, lm_provision(self->sim.fd, 0,
					LM_PROV_QUEUES | LM_PROV_MEMORY,
					64 * DEV_FNS, 0, 0, 2 * DEV_MEMORY));
	/* Bad memory, with a queue change that alone would do. */
	ASSERT_EQ(-EINVAL, lm_provision(self->sim.fd, 0,
					LM_PROV_QUEUES | LM_PROV_MEMORY, 4, 0,
					0, DEV_MEMORY + 512));
	ASSERT_EQ(0, lm_fn_info(self->sim.fd, 0, &info));
	ASSERT_EQ(2, info.queues);
	ASSERT_EQ(DEV_MEMORY, info.memory);
	ASSERT_EQ(want, lm_sim_digest(&self->sim, 0));
}

/* A quiet device: running, with nothing changing its state. */
TEST_F(sim_dev, quiet_by_default)
{
	uint64_t want;

	expect_knob(_metadata, &self->sim, 0, "busy", "0\n");
	expect_stat(_metadata, &self->sim, 0, "writer_running", 1);
	ASSERT_EQ(0, lm_sim_fill(&self->sim, 0, SEED_SRC));
	want = lm_sim_digest(&self->sim, 0);
	usleep(200 * 1000);
	ASSERT_EQ(want, lm_sim_digest(&self->sim, 0));
	expect_stat(_metadata, &self->sim, 1, "pages_allocated", 0);
}

/* A busy writer rewrites pages anywhere, allocating them, dirtying them. */
TEST_F(sim_dev, busy_writes_pages)
{
	uint64_t start = lm_now_ms();
	long long pages = 0;

	ASSERT_EQ(0, lm_sim_set(&self->sim, 0, "busy", "8"));
	while (lm_now_ms() - start < 5000 && pages < 8) {
		usleep(20 * 1000);
		pages = lm_sim_stat(&self->sim, 0, "pages_allocated");
	}
	ASSERT_LE(8, pages);
	ASSERT_LE(8, lm_sim_stat(&self->sim, 0, "dirty_pages"));
	ASSERT_NE(zeros_digest(DEV_MEMORY), lm_sim_digest(&self->sim, 0));
}

/* STOP -> RESUMING zeroes the state; STOP alone keeps it. */
TEST_F(sim_dev, resuming_zeroes_state)
{
	uint64_t want;
	int data_fd;

	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 1, DEV_MEMORY));
	ASSERT_EQ(0, lm_sim_fill(&self->sim, 1, SEED_SRC));
	want = lm_sim_digest(&self->sim, 1);
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 1, LM_MIG_STATE_STOP, NULL));
	ASSERT_EQ(want, lm_sim_digest(&self->sim, 1));
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 1, LM_MIG_STATE_RESUMING,
				  &data_fd));
	expect_stat(_metadata, &self->sim, 1, "pages_allocated", 0);
	ASSERT_EQ(zeros_digest(DEV_MEMORY), lm_sim_digest(&self->sim, 1));
	close(data_fd);
	ASSERT_EQ(0, lm_reset(self->sim.fd, 1));
}

/* Reset zeroes the state and runs the function again. */
TEST_F(sim_dev, reset_zeroes_state)
{
	int data_fd;

	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 0, DEV_MEMORY));
	ASSERT_EQ(0, lm_sim_fill(&self->sim, 0, SEED_SRC));
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_PRE_COPY,
				  &data_fd));
	expect_stat(_metadata, &self->sim, 0, "initial_pages",
		    DEV_MEMORY / PAGE_SZ);
	ASSERT_EQ(0, lm_reset(self->sim.fd, 0));
	close(data_fd);
	ASSERT_EQ(LM_MIG_STATE_RUNNING, lm_get_state(self->sim.fd, 0));
	expect_stat(_metadata, &self->sim, 0, "pages_allocated", 0);
	expect_stat(_metadata, &self->sim, 0, "initial_pages", 0);
	expect_stat(_metadata, &self->sim, 0, "dirty_pages", 0);
	expect_stat(_metadata, &self->sim, 0, "writer_running", 1);
	ASSERT_EQ(zeros_digest(DEV_MEMORY), lm_sim_digest(&self->sim, 0));
}

/* Reset keeps the knobs and the provisioning, and the writer runs again. */
TEST_F(sim_dev, reset_keeps_knobs)
{
	uint64_t start, zeros = zeros_digest(DEV_MEMORY);
	struct lm_fn_info info;

	ASSERT_EQ(0, lm_provision(self->sim.fd, 0,
				  LM_PROV_ONLINE | LM_PROV_QUEUES, 5, 0, 0, 0));
	ASSERT_EQ(0, lm_provision(self->sim.fd, 0, LM_PROV_ONLINE, 0, 0, 1, 0));
	ASSERT_EQ(0, lm_set_migratable(self->sim.fd, 0, true));
	ASSERT_EQ(0, lm_sim_set(&self->sim, 0, "quiesce_delay_ms", "7"));
	ASSERT_EQ(0, lm_sim_set(&self->sim, 0, "fail_save_at", "123456789"));
	ASSERT_EQ(0, lm_sim_set(&self->sim, 0, "fail_restore_at", "987654321"));
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_STOP, NULL));
	ASSERT_EQ(0, lm_sim_set(&self->sim, 0, "busy", "3"));

	ASSERT_EQ(0, lm_reset(self->sim.fd, 0));
	expect_knob(_metadata, &self->sim, 0, "busy", "3\n");
	expect_knob(_metadata, &self->sim, 0, "quiesce_delay_ms", "7\n");
	expect_knob(_metadata, &self->sim, 0, "fail_save_at", "123456789\n");
	expect_knob(_metadata, &self->sim, 0, "fail_restore_at", "987654321\n");
	ASSERT_EQ(0, lm_fn_info(self->sim.fd, 0, &info));
	ASSERT_EQ(5, info.queues);
	ASSERT_EQ(LM_FN_ONLINE | LM_FN_MIGRATABLE, info.fn_flags);
	expect_stat(_metadata, &self->sim, 0, "writer_running", 1);
	start = lm_now_ms();
	while (lm_sim_digest(&self->sim, 0) == zeros &&
	       lm_now_ms() - start < 5000)
		usleep(20 * 1000);
	ASSERT_NE(zeros, lm_sim_digest(&self->sim, 0))
		TH_LOG("the writer did not run after the reset");
}

/*
 * A stream without a description, which no lm_sim stream lacks: the core
 * takes it whole, the commit is refused and the function stays in
 * RESUMING; the failed arc is logged like any other.
 */
TEST_F(sim_dev, commit_without_description)
{
	struct lm_stream_header hdr;
	struct lm_pump good;
	uint32_t arcs[8][2];
	uint8_t *stream;
	size_t len;
	int data_fd;

	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 0, DEV_MEMORY));
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 1, DEV_MEMORY));
	ASSERT_EQ(0, lm_sim_fill(&self->sim, 0, SEED_SRC));
	save_stream(_metadata, &self->sim, 0, &good);
	memcpy(&hdr, good.kept, sizeof(hdr));
	stream = lm_stream_wrap(&hdr, NULL, NULL, 0, &len);
	ASSERT_NE(NULL, stream);

	ASSERT_EQ(0, lm_restore_start(self->sim.fd, 1, &data_fd));
	ASSERT_EQ(0, lm_sim_arcs_clear(&self->sim, 1));
	ASSERT_EQ(0, lm_write_pieces(data_fd, stream, len, len, NULL));
	ASSERT_EQ(-EINVAL, lm_set_state(self->sim.fd, 1, LM_MIG_STATE_STOP,
					NULL));
	ASSERT_EQ(LM_MIG_STATE_RESUMING, lm_get_state(self->sim.fd, 1));
	ASSERT_EQ(1, lm_sim_arcs(&self->sim, 1, arcs, 8));
	ASSERT_EQ(LM_MIG_STATE_RESUMING, arcs[0][0]);
	ASSERT_EQ(LM_MIG_STATE_STOP, arcs[0][1]);
	close(data_fd);
	free(stream);

	/* Reset, and a stream with a description commits. */
	ASSERT_EQ(0, lm_reset(self->sim.fd, 1));
	restore_stream(_metadata, &self->sim, 1, good.kept, good.kept_size);
	ASSERT_EQ(lm_sim_digest(&self->sim, 0), lm_sim_digest(&self->sim, 1));
	lm_pump_fini(&good);
}

/* A second removal, through a file opened before the first. */
TEST_F(sim_dev, remove_twice_enodev)
{
	int fd = knob_open(&self->sim, -1, "remove", O_WRONLY);

	ASSERT_LE(0, fd);
	ASSERT_EQ(1, write(fd, "1", 1));
	ASSERT_EQ(-1, write(fd, "1", 1));
	ASSERT_EQ(ENODEV, errno);
	close(fd);
}

/*
 * The compatibility key: one write of 1 to 63 bytes at offset 0, a final
 * newline dropped, no NUL; anything else is refused and changes nothing.
 */
FIXTURE(compat_bad)
{
	struct lm_sim sim;
};

FIXTURE_VARIANT(compat_bad)
{
	const char *data;
	size_t len;
	off_t offset;
};

FIXTURE_VARIANT_ADD(compat_bad, only_newline) { .data = "\n", .len = 1 };
FIXTURE_VARIANT_ADD(compat_bad, sixty_four_bytes)
{
	.data = "0123456789012345678901234567890123456789"
		"012345678901234567890123",
	.len = 64,
};
FIXTURE_VARIANT_ADD(compat_bad, sixty_four_and_newline)
{
	.data = "0123456789012345678901234567890123456789"
		"012345678901234567890123\n",
	.len = 65,
};
FIXTURE_VARIANT_ADD(compat_bad, nul_inside) { .data = "ab\0cd", .len = 5 };
FIXTURE_VARIANT_ADD(compat_bad, not_at_offset_0)
{
	.data = "key", .len = 3, .offset = 1,
};

FIXTURE_SETUP(compat_bad)
{
	lm_sim_create(_metadata, &self->sim, 1, LM_MIG_STOP_COPY, PAGE_SZ);
}

FIXTURE_TEARDOWN(compat_bad)
{
	lm_sim_destroy(&self->sim);
}

TEST_F(compat_bad, einval_unchanged)
{
	int fd = knob_open(&self->sim, -1, "compat", O_WRONLY);

	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, pwrite(fd, variant->data, variant->len, variant->offset));
	ASSERT_EQ(EINVAL, errno);
	close(fd);
	expect_knob(_metadata, &self->sim, -1, "compat", "lm_sim-v1\n");
}

/*
 * The numeric knobs of a function: default, range, and what they refuse
 * (EINVAL; ERANGE for a number that does not fit 64 bits, signed ones for
 * the signed knobs), which leaves their value alone. Numbers go as
 * kstrtoull()/kstrtoll() base 0 take them.
 */
FIXTURE(knob)
{
	struct lm_sim sim;
};

FIXTURE_VARIANT(knob)
{
	const char *name;
	const char *dflt;	/* as read */
	const char *max;	/* accepted */
	const char *above;	/* refused with @above_err */
	int above_err;
	const char *below;	/* EINVAL */
};

FIXTURE_VARIANT_ADD(knob, busy)
{
	.name = "busy", .dflt = "0", .max = "65536", .above = "65537",
	.above_err = EINVAL, .below = "-1",
};

FIXTURE_VARIANT_ADD(knob, quiesce_delay_ms)
{
	.name = "quiesce_delay_ms", .dflt = "0", .max = "60000",
	.above = "60001", .above_err = EINVAL, .below = "-1",
};

FIXTURE_VARIANT_ADD(knob, fail_save_at)
{
	.name = "fail_save_at", .dflt = "-1", .max = "9223372036854775807",
	.above = "9223372036854775808", .above_err = ERANGE, .below = "-2",
};

FIXTURE_VARIANT_ADD(knob, fail_restore_at)
{
	.name = "fail_restore_at", .dflt = "-1", .max = "9223372036854775807",
	.above = "9223372036854775808", .above_err = ERANGE, .below = "-2",
};

FIXTURE_SETUP(knob)
{
	lm_sim_create(_metadata, &self->sim, 1, LM_ALL_CAPS, PAGE_SZ);
}

FIXTURE_TEARDOWN(knob)
{
	lm_sim_destroy(&self->sim);
}

static void expect_knob_value(struct __test_metadata *_metadata,
			      const struct lm_sim *sim, const char *knob,
			      const char *value)
{
	char want[32];

	snprintf(want, sizeof(want), "%s\n", value);
	expect_knob(_metadata, sim, 0, knob, want);
}

TEST_F(knob, default_value)
{
	expect_knob_value(_metadata, &self->sim, variant->name, variant->dflt);
}

TEST_F(knob, range)
{
	ASSERT_EQ(0, lm_sim_set(&self->sim, 0, variant->name, "%s",
				variant->max));
	expect_knob_value(_metadata, &self->sim, variant->name, variant->max);
	ASSERT_EQ(0, lm_sim_set(&self->sim, 0, variant->name, "%s\n",
				variant->dflt));
	expect_knob_value(_metadata, &self->sim, variant->name, variant->dflt);
}

TEST_F(knob, bases)
{
	ASSERT_EQ(0, lm_sim_set(&self->sim, 0, variant->name, "0x10"));
	expect_knob_value(_metadata, &self->sim, variant->name, "16");
	ASSERT_EQ(0, lm_sim_set(&self->sim, 0, variant->name, "010"));
	expect_knob_value(_metadata, &self->sim, variant->name, "8");
}

TEST_F(knob, above_range)
{
	ASSERT_EQ(0, lm_sim_set(&self->sim, 0, variant->name, "5"));
	ASSERT_EQ(-variant->above_err, lm_sim_set(&self->sim, 0, variant->name,
						  "%s", variant->above));
	expect_knob_value(_metadata, &self->sim, variant->name, "5");
}

TEST_F(knob, below_range_einval)
{
	ASSERT_EQ(0, lm_sim_set(&self->sim, 0, variant->name, "5"));
	ASSERT_EQ(-EINVAL, lm_sim_set(&self->sim, 0, variant->name, "%s",
				      variant->below));
	expect_knob_value(_metadata, &self->sim, variant->name, "5");
}

TEST_F(knob, garbage_einval)
{
	ASSERT_EQ(0, lm_sim_set(&self->sim, 0, variant->name, "5"));
	ASSERT_EQ(-EINVAL, lm_sim_set(&self->sim, 0, variant->name, "abc"));
	ASSERT_EQ(-EINVAL, lm_sim_set(&self->sim, 0, variant->name, "12abc"));
	expect_knob_value(_metadata, &self->sim, variant->name, "5");
}

TEST_F(knob, beyond_64_bits_erange)
{
	ASSERT_EQ(0, lm_sim_set(&self->sim, 0, variant->name, "5"));
	ASSERT_EQ(-ERANGE, lm_sim_set(&self->sim, 0, variant->name,
				      "99999999999999999999"));
	expect_knob_value(_metadata, &self->sim, variant->name, "5");
}

/* The state file, fill and digest. */
#define STATE_MEMORY (64 * PAGE_SZ)

FIXTURE(state)
{
	struct lm_sim sim;
	uint8_t *buf;
};

FIXTURE_SETUP(state)
{
	self->buf = malloc(STATE_MEMORY);
	ASSERT_NE(NULL, self->buf);
	lm_sim_create(_metadata, &self->sim, 1, LM_ALL_CAPS, STATE_MEMORY);
}

FIXTURE_TEARDOWN(state)
{
	lm_sim_destroy(&self->sim);
	free(self->buf);
}

TEST_F(state, never_written_is_zeros)
{
	uint64_t i;

	read_state(_metadata, &self->sim, 0, self->buf, STATE_MEMORY);
	for (i = 0; i < STATE_MEMORY; i++)
		ASSERT_EQ(0, self->buf[i])
			TH_LOG("byte %llu", (unsigned long long)i);
	ASSERT_EQ(zeros_digest(STATE_MEMORY), lm_sim_digest(&self->sim, 0));
	expect_stat(_metadata, &self->sim, 0, "pages_allocated", 0);
}

TEST_F(state, fill_pattern)
{
	ASSERT_EQ(0, lm_sim_fill(&self->sim, 0, SEED_SRC));
	read_state(_metadata, &self->sim, 0, self->buf, STATE_MEMORY);
	ASSERT_TRUE(is_pattern(self->buf, STATE_MEMORY, SEED_SRC));
	ASSERT_EQ(xxh64(self->buf, STATE_MEMORY, 0),
		  lm_sim_digest(&self->sim, 0));
	expect_stat(_metadata, &self->sim, 0, "pages_allocated",
		    STATE_MEMORY / PAGE_SZ);
	expect_stat(_metadata, &self->sim, 0, "dirty_pages",
		    STATE_MEMORY / PAGE_SZ);
}

/* The seed is a 64-bit number in decimal, 0x hexadecimal or 0 octal. */
TEST_F(state, fill_seed_bases)
{
	ASSERT_EQ(0, lm_sim_set(&self->sim, 0, "fill", "0x10"));
	read_state(_metadata, &self->sim, 0, self->buf, STATE_MEMORY);
	ASSERT_TRUE(is_pattern(self->buf, STATE_MEMORY, 16));
	ASSERT_EQ(0, lm_sim_set(&self->sim, 0, "fill", "010"));
	read_state(_metadata, &self->sim, 0, self->buf, STATE_MEMORY);
	ASSERT_TRUE(is_pattern(self->buf, STATE_MEMORY, 8));
	ASSERT_EQ(0, lm_sim_set(&self->sim, 0, "fill", "18446744073709551615"));
	read_state(_metadata, &self->sim, 0, self->buf, STATE_MEMORY);
	ASSERT_TRUE(is_pattern(self->buf, STATE_MEMORY, UINT64_MAX));
}

TEST_F(state, fill_garbage_einval)
{
	ASSERT_EQ(-EINVAL, lm_sim_set(&self->sim, 0, "fill", "seed"));
	ASSERT_EQ(-EINVAL, lm_sim_set(&self->sim, 0, "fill", "-1"));
	expect_stat(_metadata, &self->sim, 0, "pages_allocated", 0);
}

/* A write allocates and dirties only the pages it touches. */
TEST_F(state, write_allocates_pages)
{
	static const char bytes[] = "across a page boundary";
	uint64_t at = 3 * PAGE_SZ - 6;

	ASSERT_EQ(0, lm_sim_write_state(&self->sim, 0, at, bytes,
					sizeof(bytes)));
	expect_stat(_metadata, &self->sim, 0, "pages_allocated", 2);
	expect_stat(_metadata, &self->sim, 0, "dirty_pages", 2);
	read_state(_metadata, &self->sim, 0, self->buf, STATE_MEMORY);
	ASSERT_EQ(0, memcmp(self->buf + at, bytes, sizeof(bytes)));
	memset(self->buf + at, 0, sizeof(bytes));
	ASSERT_EQ(zeros_digest(STATE_MEMORY),
		  xxh64(self->buf, STATE_MEMORY, 0));
	memcpy(self->buf + at, bytes, sizeof(bytes));
	ASSERT_EQ(xxh64(self->buf, STATE_MEMORY, 0),
		  lm_sim_digest(&self->sim, 0));
}

TEST_F(state, size_and_end)
{
	char buf[16];
	struct stat st;
	int fd = knob_open(&self->sim, 0, "state", O_RDWR);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &st));
	ASSERT_EQ(STATE_MEMORY, st.st_size);
	ASSERT_EQ(0, pread(fd, buf, sizeof(buf), STATE_MEMORY));
	ASSERT_EQ(4, pread(fd, buf, sizeof(buf), STATE_MEMORY - 4));
	/* A write at or beyond the end has no room; one across is cut. */
	ASSERT_EQ(-1, pwrite(fd, "x", 1, STATE_MEMORY));
	ASSERT_EQ(ENOSPC, errno);
	ASSERT_EQ(-1, pwrite(fd, "x", 1, STATE_MEMORY + PAGE_SZ));
	ASSERT_EQ(ENOSPC, errno);
	ASSERT_EQ(4, pwrite(fd, "abcdefgh", 8, STATE_MEMORY - 4));
	ASSERT_EQ(4, pread(fd, buf, sizeof(buf), STATE_MEMORY - 4));
	ASSERT_EQ(0, memcmp(buf, "abcd", 4));
	close(fd);
	expect_stat(_metadata, &self->sim, 0, "pages_allocated", 1);
}

/*
 * A function of the largest size, 16 GiB, with one page written at its
 * very end: the one page is all a stream carries, at its 64-bit offset,
 * and restores there.
 */
FIXTURE(largest_state)
{
	struct lm_sim sim;
};

FIXTURE_SETUP(largest_state)
{
	if (!lm_sim_create(_metadata, &self->sim, 2, LM_MIG_STOP_COPY, SZ_16G))
		return;
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 0, SZ_16G));
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 1, SZ_16G));
}

FIXTURE_TEARDOWN(largest_state)
{
	lm_sim_destroy(&self->sim);
}

TEST_F(largest_state, last_page_of_16g)
{
	uint8_t page[PAGE_SZ], back[PAGE_SZ];
	struct lm_pump pump;
	int fd;

	memset(page, 0x5a, sizeof(page));
	ASSERT_EQ(0, lm_sim_write_state(&self->sim, 0, SZ_16G - PAGE_SZ, page,
					PAGE_SZ));
	expect_stat(_metadata, &self->sim, 0, "pages_allocated", 1);
	save_stream(_metadata, &self->sim, 0, &pump);
	ASSERT_EQ(payload_of(1), pump.check.bytes);
	expect_stat(_metadata, &self->sim, 0, "saved_bytes", payload_of(1));

	restore_stream(_metadata, &self->sim, 1, pump.kept, pump.kept_size);
	lm_pump_fini(&pump);
	expect_stat(_metadata, &self->sim, 1, "pages_allocated", 1);
	expect_stat(_metadata, &self->sim, 1, "restored_bytes", payload_of(1));
	fd = knob_open(&self->sim, 1, "state", O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)PAGE_SZ, pread(fd, back, PAGE_SZ, SZ_16G - PAGE_SZ));
	close(fd);
	ASSERT_EQ(0, memcmp(page, back, PAGE_SZ));
}

/*
 * The writer runs exactly in RUNNING, RUNNING_P2P, PRE_COPY and
 * PRE_COPY_P2P; once an arc out of them returns, the state changes no
 * more, however busy the device is.
 */
#define WRITER_MEMORY (64 * PAGE_SZ)

FIXTURE(writer)
{
	struct lm_sim sim;
	int data_fd;
};

FIXTURE_VARIANT(writer)
{
	uint32_t state;
	bool runs;
};

FIXTURE_VARIANT_ADD(writer, running)
{
	.state = LM_MIG_STATE_RUNNING, .runs = true,
};

FIXTURE_VARIANT_ADD(writer, running_p2p)
{
	.state = LM_MIG_STATE_RUNNING_P2P, .runs = true,
};

FIXTURE_VARIANT_ADD(writer, pre_copy)
{
	.state = LM_MIG_STATE_PRE_COPY, .runs = true,
};

FIXTURE_VARIANT_ADD(writer, pre_copy_p2p)
{
	.state = LM_MIG_STATE_PRE_COPY_P2P, .runs = true,
};

FIXTURE_VARIANT_ADD(writer, stop)
{
	.state = LM_MIG_STATE_STOP, .runs = false,
};

FIXTURE_VARIANT_ADD(writer, stop_copy)
{
	.state = LM_MIG_STATE_STOP_COPY, .runs = false,
};

FIXTURE_VARIANT_ADD(writer, resuming)
{
	.state = LM_MIG_STATE_RESUMING, .runs = false,
};

FIXTURE_SETUP(writer)
{
	self->data_fd = -1;
	if (!lm_sim_create(_metadata, &self->sim, 1, LM_ALL_CAPS,
			   WRITER_MEMORY))
		return;
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 0, WRITER_MEMORY));
	ASSERT_EQ(0, lm_sim_fill(&self->sim, 0, SEED_SRC));
	ASSERT_EQ(0, lm_sim_set(&self->sim, 0, "busy", "4"));
}

FIXTURE_TEARDOWN(writer)
{
	if (self->data_fd >= 0)
		close(self->data_fd);
	lm_sim_destroy(&self->sim);
}

TEST_F(writer, runs_in_running_states_only)
{
	uint64_t before, start;

	if (variant->state == LM_MIG_STATE_RESUMING)
		ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_STOP,
					  NULL));
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, variant->state,
				  &self->data_fd));
	before = lm_sim_digest(&self->sim, 0);
	expect_stat(_metadata, &self->sim, 0, "writer_running", variant->runs);
	if (!variant->runs) {
		usleep(200 * 1000);
		ASSERT_EQ(before, lm_sim_digest(&self->sim, 0))
			TH_LOG("the state changed after the arc returned");
		return;
	}
	start = lm_now_ms();
	while (lm_sim_digest(&self->sim, 0) == before &&
	       lm_now_ms() - start < 5000)
		usleep(20 * 1000);
	ASSERT_NE(before, lm_sim_digest(&self->sim, 0))
		TH_LOG("a busy running device changed nothing");
}

/*
 * quiesce_delay_ms: every arc that stops the device (to STOP or STOP_COPY
 * from a running state) sleeps that long first; no other arc does. The
 * sleep counts jiffies, which in an emulated guest may run a little fast
 * against CLOCK_MONOTONIC: allow a quarter, and take any arc that lasts
 * less than half the delay for one that did not sleep.
 */
#define QUIESCE_MS 500

FIXTURE(quiesce_delay)
{
	struct lm_sim sim;
	int data_fd;
};

FIXTURE_VARIANT(quiesce_delay)
{
	uint32_t from, to;
	bool stops;
};

FIXTURE_VARIANT_ADD(quiesce_delay, running_to_stop)
{
	.from = LM_MIG_STATE_RUNNING, .to = LM_MIG_STATE_STOP, .stops = true,
};

FIXTURE_VARIANT_ADD(quiesce_delay, running_p2p_to_stop)
{
	.from = LM_MIG_STATE_RUNNING_P2P, .to = LM_MIG_STATE_STOP,
	.stops = true,
};

FIXTURE_VARIANT_ADD(quiesce_delay, pre_copy_to_stop_copy)
{
	.from = LM_MIG_STATE_PRE_COPY, .to = LM_MIG_STATE_STOP_COPY,
	.stops = true,
};

FIXTURE_VARIANT_ADD(quiesce_delay, running_to_running_p2p)
{
	.from = LM_MIG_STATE_RUNNING, .to = LM_MIG_STATE_RUNNING_P2P,
	.stops = false,
};

FIXTURE_VARIANT_ADD(quiesce_delay, running_to_pre_copy)
{
	.from = LM_MIG_STATE_RUNNING, .to = LM_MIG_STATE_PRE_COPY,
	.stops = false,
};

FIXTURE_VARIANT_ADD(quiesce_delay, stop_to_running)
{
	.from = LM_MIG_STATE_STOP, .to = LM_MIG_STATE_RUNNING, .stops = false,
};

FIXTURE_VARIANT_ADD(quiesce_delay, stop_to_resuming)
{
	.from = LM_MIG_STATE_STOP, .to = LM_MIG_STATE_RESUMING, .stops = false,
};

FIXTURE_SETUP(quiesce_delay)
{
	self->data_fd = -1;
	if (!lm_sim_create(_metadata, &self->sim, 1, LM_ALL_CAPS, PAGE_SZ))
		return;
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 0, PAGE_SZ));
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, variant->from,
				  &self->data_fd));
	ASSERT_EQ(0, lm_sim_set(&self->sim, 0, "quiesce_delay_ms", "%d",
				QUIESCE_MS));
}

FIXTURE_TEARDOWN(quiesce_delay)
{
	if (self->data_fd >= 0)
		close(self->data_fd);
	lm_sim_destroy(&self->sim);
}

TEST_F(quiesce_delay, delay)
{
	int data_fd = -1;
	uint64_t start = lm_now_ms(), took;

	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, variant->to, &data_fd));
	took = lm_now_ms() - start;
	if (data_fd >= 0)
		close(data_fd);
	if (variant->stops) {
		ASSERT_LE(QUIESCE_MS * 3 / 4, took);
		expect_stat(_metadata, &self->sim, 0, "writer_running", 0);
	} else {
		ASSERT_GT(QUIESCE_MS / 2, took);
	}
}

/*
 * The arcs file: every arc step() was asked for, failed ones included, as
 * "CUR>NEXT" separated by spaces; reading takes them, writing forgets
 * them, and only the last 128 are kept. A STOP_COPY-only device takes
 * RUNNING <-> STOP in one arc.
 */
FIXTURE(arcs)
{
	struct lm_sim sim;
};

FIXTURE_SETUP(arcs)
{
	if (!lm_sim_create(_metadata, &self->sim, 1, LM_MIG_STOP_COPY, PAGE_SZ))
		return;
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 0, PAGE_SZ));
	ASSERT_EQ(0, lm_sim_arcs_clear(&self->sim, 0));
}

FIXTURE_TEARDOWN(arcs)
{
	lm_sim_destroy(&self->sim);
}

TEST_F(arcs, empty)
{
	expect_knob(_metadata, &self->sim, 0, "arcs", "\n");
}

TEST_F(arcs, format_and_read_takes)
{
	char buf[64];
	int fd;

	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_STOP, NULL));
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_RUNNING, NULL));
	fd = knob_open(&self->sim, 0, "arcs", O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(8, read(fd, buf, sizeof(buf)));
	ASSERT_EQ(0, memcmp(buf, "2>1 1>2\n", 8));
	/* Once per open. */
	ASSERT_EQ(0, read(fd, buf, sizeof(buf)));
	close(fd);
	expect_knob(_metadata, &self->sim, 0, "arcs", "\n");
}

TEST_F(arcs, write_forgets)
{
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_STOP, NULL));
	ASSERT_EQ(0, lm_sim_set(&self->sim, 0, "arcs", "anything"));
	expect_knob(_metadata, &self->sim, 0, "arcs", "\n");
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_RUNNING, NULL));
	expect_knob(_metadata, &self->sim, 0, "arcs", "1>2\n");
}

TEST_F(arcs, keeps_last_128)
{
	uint32_t arcs[200][2];
	int i;

	/* 140 arcs: 2>1 1>2 ... */
	for (i = 0; i < 70; i++) {
		ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_STOP,
					  NULL));
		ASSERT_EQ(0, lm_set_state(self->sim.fd, 0,
					  LM_MIG_STATE_RUNNING, NULL));
	}
	ASSERT_EQ(128, lm_sim_arcs(&self->sim, 0, arcs, 200));
	for (i = 0; i < 128; i++) {
		ASSERT_EQ(i % 2 ? LM_MIG_STATE_STOP : LM_MIG_STATE_RUNNING,
			  arcs[i][0]);
		ASSERT_EQ(i % 2 ? LM_MIG_STATE_RUNNING : LM_MIG_STATE_STOP,
			  arcs[i][1]);
	}
}

/*
 * The payload save() produces, read back from the stream: the description
 * first in the session, with the state's size, then one page per chunk at
 * page-aligned offsets, no chunk across records; for a quiet function each
 * page that exists exactly once, and together the state. The stats count
 * the pages of the initial image and the bytes.
 */
#define SAVE_MEMORY (96 * PAGE_SZ)
#define SAVE_PAGES 80UL	/* written, of SAVE_MEMORY / PAGE_SZ */

FIXTURE(save_format)
{
	struct lm_sim sim;
	uint8_t *image;
};

FIXTURE_VARIANT(save_format)
{
	bool pre_copy;
};

FIXTURE_VARIANT_ADD(save_format, stop_copy) { .pre_copy = false };
FIXTURE_VARIANT_ADD(save_format, pre_copy) { .pre_copy = true };

FIXTURE_SETUP(save_format)
{
	uint64_t i;
	uint8_t page[PAGE_SZ];

	self->image = calloc(1, SAVE_MEMORY);
	ASSERT_NE(NULL, self->image);
	if (!lm_sim_create(_metadata, &self->sim, 1, LM_ALL_CAPS, SAVE_MEMORY))
		return;
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 0, SAVE_MEMORY));
	/* Pages 0 to 75 but every 6th, then the last 16. */
	for (i = 0; i < SAVE_PAGES; i++) {
		uint64_t index = i < 64 ? i + i / 5 :
				 SAVE_MEMORY / PAGE_SZ - (SAVE_PAGES - i);

		memset(page, (int)(i + 1), sizeof(page));
		ASSERT_EQ(0, lm_sim_write_state(&self->sim, 0, index * PAGE_SZ,
						page, PAGE_SZ));
	}
	ASSERT_EQ(SAVE_PAGES, lm_sim_stat(&self->sim, 0, "pages_allocated"));
}

FIXTURE_TEARDOWN(save_format)
{
	lm_sim_destroy(&self->sim);
	free(self->image);
}

TEST_F(save_format, payload)
{
	const struct lm_stream_check *c;
	struct lm_precopy_info info;
	uint64_t pages = 0, payload = 0, size;
	uint8_t seen[SAVE_MEMORY / PAGE_SZ] = {};
	struct lm_pump pump;
	bool desc = false;
	size_t r, pos;
	int data_fd;

	ASSERT_EQ(0, lm_data_size(self->sim.fd, 0, &size));
	ASSERT_LE(payload_of(SAVE_PAGES), size);
	ASSERT_GE(payload_of(SAVE_PAGES) + framing_max(payload_of(SAVE_PAGES)),
		  size);

	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0,
				  variant->pre_copy ? LM_MIG_STATE_PRE_COPY :
						      LM_MIG_STATE_STOP_COPY,
				  &data_fd));
	expect_stat(_metadata, &self->sim, 0, "initial_pages", SAVE_PAGES);
	expect_stat(_metadata, &self->sim, 0, "dirty_pages", 0);
	ASSERT_EQ(0, lm_data_size(self->sim.fd, 0, &size));
	ASSERT_LE(payload_of(SAVE_PAGES), size);
	ASSERT_GE(payload_of(SAVE_PAGES) + framing_max(payload_of(SAVE_PAGES)),
		  size);
	ASSERT_EQ(0, lm_pump_init(&pump, data_fd, -1, COPY_CHUNK));
	ASSERT_EQ(0, lm_stream_check_expect(&pump.check, &self->sim, 0));
	pump.keep = true;
	pump.check.keep_index = true;
	if (variant->pre_copy) {
		ASSERT_EQ(0, lm_precopy_info(data_fd, &info));
		ASSERT_LE(payload_of(SAVE_PAGES), info.initial_bytes);
		ASSERT_GE(payload_of(SAVE_PAGES) +
				  framing_max(payload_of(SAVE_PAGES)),
			  info.initial_bytes);
		ASSERT_EQ(0, info.dirty_bytes);
		lm_pump_run(&pump, 0);
		ASSERT_EQ(ENOMSG, pump.read_err);
		expect_stat(_metadata, &self->sim, 0, "initial_pages", 0);
		ASSERT_EQ(0, lm_set_state(self->sim.fd, 0,
					  LM_MIG_STATE_STOP_COPY, NULL));
	}
	lm_pump_run(&pump, 0);
	close(data_fd);
	ASSERT_TRUE(pump.eof);
	ASSERT_EQ(0, pump.check.err) TH_LOG("%s", pump.check.why);
	ASSERT_TRUE(lm_stream_check_done(&pump.check));
	expect_stat(_metadata, &self->sim, 0, "initial_pages", 0);

	c = &pump.check;
	for (r = 0; r < c->nr_index; r++) {
		const uint8_t *rec = pump.kept + c->index[r].offset + REC_SZ;
		uint64_t len = c->index[r].length;

		if (c->index[r].type != LM_RECORD_DATA)
			continue;
		payload += len;
		for (pos = 0; pos < len;) {
			struct sim_chunk ch;
			uint64_t offset;
			uint32_t clen, flags;

			ASSERT_LE(pos + CHUNK_SZ, len) TH_LOG("record %zu", r);
			memcpy(&ch, rec + pos, sizeof(ch));
			offset = le64toh(ch.offset);
			clen = le32toh(ch.len);
			flags = le32toh(ch.flags);
			pos += CHUNK_SZ;
			ASSERT_LE(pos + clen, len)
				TH_LOG("a chunk across records, record %zu", r);
			if (!desc) {
				uint64_t memory;

				ASSERT_EQ(SIM_CHUNK_DESC, flags);
				ASSERT_EQ(0, offset);
				ASSERT_EQ(sizeof(memory), clen);
				memcpy(&memory, rec + pos, sizeof(memory));
				ASSERT_EQ(SAVE_MEMORY, le64toh(memory));
				desc = true;
			} else {
				ASSERT_EQ(0, flags)
					TH_LOG("record %zu at %zu", r, pos);
				ASSERT_EQ(PAGE_SZ, clen);
				ASSERT_EQ(0, offset % PAGE_SZ);
				ASSERT_GT(SAVE_MEMORY, offset);
				ASSERT_EQ(0, seen[offset / PAGE_SZ]++)
					TH_LOG("page %llu sent twice",
					       (unsigned long long)offset /
						       PAGE_SZ);
				memcpy(self->image + offset, rec + pos,
				       PAGE_SZ);
				pages++;
			}
			pos += clen;
		}
	}
	ASSERT_TRUE(desc);
	ASSERT_EQ(SAVE_PAGES, pages);
	ASSERT_EQ(payload_of(SAVE_PAGES), payload);
	expect_stat(_metadata, &self->sim, 0, "saved_bytes", payload);
	ASSERT_EQ(xxh64(self->image, SAVE_MEMORY, 0),
		  lm_sim_digest(&self->sim, 0));
	lm_pump_fini(&pump);
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_RUNNING, NULL));
}

/*
 * Dirty tracking in a pre-copy session: pages written after the initial
 * image was sent are sent again, counted in dirty_pages and in the dirty
 * bytes; a quiet function leaves STOP_COPY nothing but the end record.
 */
FIXTURE(dirty)
{
	struct lm_sim sim;
	struct lm_pump pump;
	int data_fd;
};

FIXTURE_SETUP(dirty)
{
	self->data_fd = -1;
	if (!lm_sim_create(_metadata, &self->sim, 1, LM_ALL_CAPS, SAVE_MEMORY))
		return;
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 0, SAVE_MEMORY));
	ASSERT_EQ(0, lm_sim_fill(&self->sim, 0, SEED_SRC));
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_PRE_COPY,
				  &self->data_fd));
	ASSERT_EQ(0, lm_pump_init(&self->pump, self->data_fd, -1, COPY_CHUNK));
	ASSERT_EQ(0, lm_stream_check_expect(&self->pump.check, &self->sim, 0));
	/* The initial image. */
	lm_pump_run(&self->pump, 0);
	ASSERT_EQ(ENOMSG, self->pump.read_err);
	ASSERT_EQ(payload_of(SAVE_MEMORY / PAGE_SZ),
		  self->pump.check.payload_seen);
}

FIXTURE_TEARDOWN(dirty)
{
	lm_pump_fini(&self->pump);
	if (self->data_fd >= 0)
		close(self->data_fd);
	lm_sim_destroy(&self->sim);
}

TEST_F(dirty, rewritten_pages_sent_again)
{
	struct pollfd pfd = { .fd = self->data_fd, .events = POLLIN };
	struct lm_precopy_info info;
	uint8_t page[PAGE_SZ];
	uint64_t before = self->pump.check.payload_seen;
	int i;

	expect_stat(_metadata, &self->sim, 0, "dirty_pages", 0);
	ASSERT_EQ(0, poll(&pfd, 1, 0));
	memset(page, 0x77, sizeof(page));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, lm_sim_write_state(&self->sim, 0,
						(i * 7 + 1) * PAGE_SZ, page,
						PAGE_SZ));
	/* One page twice: it is still one page to send. */
	ASSERT_EQ(0, lm_sim_write_state(&self->sim, 0, PAGE_SZ, page, 8));
	expect_stat(_metadata, &self->sim, 0, "dirty_pages", 3);
	ASSERT_EQ(0, lm_precopy_info(self->data_fd, &info));
	ASSERT_EQ(0, info.initial_bytes);
	ASSERT_LE(3 * PAGE_CHUNK_SZ, info.dirty_bytes);
	ASSERT_GE(3 * PAGE_CHUNK_SZ + framing_max(3 * PAGE_CHUNK_SZ),
		  info.dirty_bytes);
	ASSERT_EQ(1, poll(&pfd, 1, 1000));

	lm_pump_run(&self->pump, 0);
	ASSERT_EQ(ENOMSG, self->pump.read_err);
	ASSERT_EQ(0, self->pump.check.err) TH_LOG("%s", self->pump.check.why);
	ASSERT_EQ(3 * PAGE_CHUNK_SZ, self->pump.check.payload_seen - before);
	expect_stat(_metadata, &self->sim, 0, "dirty_pages", 0);
}

TEST_F(dirty, quiet_stop_copy_sends_nothing)
{
	uint64_t before = self->pump.check.payload_seen;
	long long saved = lm_sim_stat(&self->sim, 0, "saved_bytes");

	ASSERT_EQ((long long)before, saved);
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_STOP_COPY,
				  NULL));
	lm_pump_run(&self->pump, 0);
	ASSERT_TRUE(self->pump.eof);
	ASSERT_TRUE(lm_stream_check_done(&self->pump.check))
		TH_LOG("%s", self->pump.check.why);
	ASSERT_EQ(before, self->pump.check.payload_seen);
	expect_stat(_metadata, &self->sim, 0, "saved_bytes", saved);
}

/*
 * Fault injection: the save() or restore() that reaches the armed payload
 * offset fails with EIO and takes (writes) nothing; the knob disarms. An
 * offset never reached stays armed. fn 0 is the source, fn 1 the
 * destination.
 */
#define FAULT_MEMORY (2 * SZ_1M)
#define FAULT_PAGES (FAULT_MEMORY / PAGE_SZ)

static bool fault_setup(struct __test_metadata *_metadata, struct lm_sim *sim)
{
	if (!lm_sim_create(_metadata, sim, 2, LM_MIG_STOP_COPY, FAULT_MEMORY))
		return false;
	ASSERT_EQ(0, lm_sim_prepare_fn(sim, 0, FAULT_MEMORY));
	ASSERT_EQ(0, lm_sim_prepare_fn(sim, 1, FAULT_MEMORY));
	ASSERT_EQ(0, lm_sim_fill(sim, 0, SEED_SRC));
	return true;
}

FIXTURE(fail_save)
{
	struct lm_sim sim;
	int data_fd;
};

FIXTURE_VARIANT(fail_save)
{
	long long at;	/* payload offset */
};

FIXTURE_VARIANT_ADD(fail_save, first_record) { .at = 0 };
FIXTURE_VARIANT_ADD(fail_save, second_record) { .at = SZ_1M + 100 };
FIXTURE_VARIANT_ADD(fail_save, never_reached) { .at = 4 * FAULT_MEMORY };

FIXTURE_SETUP(fail_save)
{
	self->data_fd = -1;
	fault_setup(_metadata, &self->sim);
}

FIXTURE_TEARDOWN(fail_save)
{
	if (self->data_fd >= 0)
		close(self->data_fd);
	lm_sim_destroy(&self->sim);
}

TEST_F(fail_save, eio_takes_nothing)
{
	char armed[32];
	uint64_t sent, sent_pages = 0;
	struct lm_pump pump;

	ASSERT_EQ(0, lm_sim_set(&self->sim, 0, "fail_save_at", "%lld",
				variant->at));
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_STOP_COPY,
				  &self->data_fd));
	ASSERT_EQ(0, lm_pump_init(&pump, self->data_fd, -1, COPY_CHUNK));
	ASSERT_EQ(0, lm_stream_check_expect(&pump.check, &self->sim, 0));
	lm_pump_run(&pump, 0);
	lm_pump_fini(&pump);
	ASSERT_EQ(0, pump.check.err) TH_LOG("%s", pump.check.why);
	sent = pump.check.bytes;
	expect_stat(_metadata, &self->sim, 0, "saved_bytes", sent);
	if ((uint64_t)variant->at >= payload_of(FAULT_PAGES)) {
		ASSERT_TRUE(pump.eof);
		ASSERT_EQ(payload_of(FAULT_PAGES), sent);
		snprintf(armed, sizeof(armed), "%lld\n", variant->at);
		expect_knob(_metadata, &self->sim, 0, "fail_save_at", armed);
		return;
	}
	ASSERT_EQ(EIO, pump.read_err);
	ASSERT_GE((uint64_t)variant->at, sent);
	ASSERT_LT((uint64_t)variant->at, sent + SZ_1M);
	expect_knob(_metadata, &self->sim, 0, "fail_save_at", "-1\n");
	/* The failed save() took nothing: what was not sent is still due. */
	if (sent)
		sent_pages = (sent - DESC_CHUNK_SZ) / PAGE_CHUNK_SZ;
	expect_stat(_metadata, &self->sim, 0, "initial_pages",
		    FAULT_PAGES - sent_pages);
}

FIXTURE(fail_restore)
{
	struct lm_sim sim;
	struct lm_pump good;
	int data_fd;
};

FIXTURE_VARIANT(fail_restore)
{
	long long at;	/* payload offset */
};

FIXTURE_VARIANT_ADD(fail_restore, first_record) { .at = 0 };
FIXTURE_VARIANT_ADD(fail_restore, second_record) { .at = SZ_1M + 100 };
FIXTURE_VARIANT_ADD(fail_restore, never_reached) { .at = 4 * FAULT_MEMORY };

FIXTURE_SETUP(fail_restore)
{
	self->data_fd = -1;
	if (!fault_setup(_metadata, &self->sim))
		return;
	save_stream(_metadata, &self->sim, 0, &self->good);
}

FIXTURE_TEARDOWN(fail_restore)
{
	if (self->data_fd >= 0)
		close(self->data_fd);
	lm_pump_fini(&self->good);
	lm_sim_destroy(&self->sim);
}

TEST_F(fail_restore, eio_writes_nothing)
{
	const struct lm_stream_check *c = &self->good.check;
	uint64_t accepted = 0, pages = 0, refused_len = 0;
	size_t i, done = 0, end;
	char armed[32];
	int ret = 0;

	ASSERT_EQ(0, lm_sim_set(&self->sim, 1, "fail_restore_at", "%lld",
				variant->at));
	ASSERT_EQ(0, lm_restore_start(self->sim.fd, 1, &self->data_fd));
	/* Record by record, the header with the first. */
	for (i = 0; i < c->nr_index; i++) {
		end = c->index[i].offset + REC_SZ + c->index[i].length;
		ret = lm_write_pieces(self->data_fd, self->good.kept + done,
				      end - done, end - done, NULL);
		if (ret) {
			refused_len = c->index[i].length;
			break;
		}
		if (c->index[i].type == LM_RECORD_DATA) {
			accepted += c->index[i].length;
			pages += (c->index[i].length -
				  (i ? 0 : DESC_CHUNK_SZ)) / PAGE_CHUNK_SZ;
		}
		done = end;
	}
	expect_stat(_metadata, &self->sim, 1, "restored_bytes", accepted);
	expect_stat(_metadata, &self->sim, 1, "pages_allocated", pages);
	if ((uint64_t)variant->at >= payload_of(FAULT_PAGES)) {
		ASSERT_EQ(0, ret);
		ASSERT_EQ(0, lm_restore_finish(self->sim.fd, 1));
		ASSERT_EQ(lm_sim_digest(&self->sim, 0),
			  lm_sim_digest(&self->sim, 1));
		snprintf(armed, sizeof(armed), "%lld\n", variant->at);
		expect_knob(_metadata, &self->sim, 1, "fail_restore_at", armed);
		return;
	}
	ASSERT_EQ(-EIO, ret);
	ASSERT_GE((uint64_t)variant->at, accepted);
	ASSERT_LT((uint64_t)variant->at, accepted + refused_len);
	expect_knob(_metadata, &self->sim, 1, "fail_restore_at", "-1\n");
	ASSERT_EQ(LM_MIG_STATE_RESUMING, lm_get_state(self->sim.fd, 1));
}

/* remove: "1" or "y" removes the device at once; other input is refused. */
FIXTURE(remove_input)
{
	struct lm_sim sim;
};

FIXTURE_VARIANT(remove_input)
{
	const char *input;
	int err;
};

FIXTURE_VARIANT_ADD(remove_input, one) { .input = "1" };
FIXTURE_VARIANT_ADD(remove_input, y) { .input = "y\n" };
FIXTURE_VARIANT_ADD(remove_input, zero) { .input = "0", .err = EINVAL };
FIXTURE_VARIANT_ADD(remove_input, n) { .input = "n", .err = EINVAL };
FIXTURE_VARIANT_ADD(remove_input, garbage) { .input = "abc", .err = EINVAL };

FIXTURE_SETUP(remove_input)
{
	lm_sim_create(_metadata, &self->sim, 1, LM_MIG_STOP_COPY, PAGE_SZ);
}

FIXTURE_TEARDOWN(remove_input)
{
	lm_sim_destroy(&self->sim);
}

TEST_F(remove_input, removes_or_einval)
{
	struct lm_device_info info;
	char path[96];

	ASSERT_EQ(-variant->err,
		  lm_sim_set(&self->sim, -1, "remove", "%s", variant->input));
	knob_path(path, sizeof(path), &self->sim, -1, "lm");
	if (variant->err) {
		ASSERT_EQ(0, access(path, R_OK));
		ASSERT_EQ(0, lm_device_info(self->sim.fd, &info));
		return;
	}
	ASSERT_EQ(-1, access(path, F_OK));
	ASSERT_EQ(ENOENT, errno);
	ASSERT_EQ(-ENODEV, lm_device_info(self->sim.fd, &info));
}

/*
 * A debugfs file still open when its device is removed fails with EIO
 * from then on (remove itself: ENODEV, there is no device left).
 */
FIXTURE(removed_file)
{
	struct lm_sim sim;
	int fd;
};

FIXTURE_VARIANT(removed_file)
{
	int fn;			/* -1: a file of the device */
	const char *name;
	const char *write;	/* written, else read */
	int err;
};

#define REMOVED_READ(_fn, _name) \
	FIXTURE_VARIANT_ADD(removed_file, read_##_name) \
	{ .fn = _fn, .name = #_name, .err = EIO }
#define REMOVED_WRITE(_fn, _name, _data) \
	FIXTURE_VARIANT_ADD(removed_file, write_##_name) \
	{ .fn = _fn, .name = #_name, .write = _data, .err = EIO }

REMOVED_READ(-1, compat);
REMOVED_WRITE(-1, compat, "key");
REMOVED_READ(-1, lm);
REMOVED_READ(0, state);
REMOVED_WRITE(0, state, "bytes");
REMOVED_WRITE(0, fill, "1");
REMOVED_READ(0, digest);
REMOVED_READ(0, busy);
REMOVED_WRITE(0, busy, "1");
REMOVED_READ(0, quiesce_delay_ms);
REMOVED_WRITE(0, quiesce_delay_ms, "1");
REMOVED_READ(0, fail_save_at);
REMOVED_WRITE(0, fail_save_at, "1");
REMOVED_READ(0, fail_restore_at);
REMOVED_WRITE(0, fail_restore_at, "1");
REMOVED_READ(0, arcs);
REMOVED_WRITE(0, arcs, "0");
REMOVED_READ(0, stats);

FIXTURE_VARIANT_ADD(removed_file, write_remove)
{
	.fn = -1, .name = "remove", .write = "1", .err = ENODEV,
};

FIXTURE_SETUP(removed_file)
{
	self->fd = -1;
	if (!lm_sim_create(_metadata, &self->sim, 1, LM_ALL_CAPS, PAGE_SZ))
		return;
	ASSERT_EQ(0, lm_sim_fill(&self->sim, 0, SEED_SRC));
	self->fd = knob_open(&self->sim, variant->fn, variant->name,
			     variant->write ? O_WRONLY : O_RDONLY);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(removed_file)
{
	if (self->fd >= 0)
		close(self->fd);
	lm_sim_destroy(&self->sim);
}

TEST_F(removed_file, fails)
{
	char buf[64];

	ASSERT_EQ(0, lm_sim_remove(&self->sim));
	if (variant->write) {
		ASSERT_EQ(-1, write(self->fd, variant->write,
				    strlen(variant->write)));
	} else {
		ASSERT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	}
	ASSERT_EQ(variant->err, errno);
}

/*
 * Crafted payloads in valid envelopes. A device of two functions: fn 0 is
 * filled and saved once, for a header the destination accepts and a good
 * stream; fn 1, the destination, has state of its own before each restore.
 *
 * A payload is built record by record; the model is what the destination's
 * state must be once the records before the refused one (all of them, for
 * a payload that is accepted) are in: zeros, then the pages they carry.
 */
#define DST_MEMORY (64 * PAGE_SZ)
#define DST_PAGES (DST_MEMORY / PAGE_SZ)
#define MAX_RECORDS 4
#define RECORD_ROOM (8 * PAGE_CHUNK_SZ)

struct payload {
	uint8_t *rec[MAX_RECORDS];
	size_t len[MAX_RECORDS];
	size_t nr;		/* records begun */
	int counted;		/* records before it change the state */
	bool overflow;		/* more than RECORD_ROOM was written */
	uint64_t memory;	/* of the destination */
	uint8_t model[DST_MEMORY];
	bool present[DST_PAGES];
	uint64_t serial;	/* makes every page's content new */
};

static void pl_bytes(struct payload *p, const void *data, size_t n)
{
	size_t r = p->nr - 1;

	if (p->len[r] + n > RECORD_ROOM) {
		p->overflow = true;
		return;
	}
	memcpy(p->rec[r] + p->len[r], data, n);
	p->len[r] += n;
}

/* A chunk header, nothing after it. */
static void pl_chunk(struct payload *p, uint64_t offset, uint32_t len,
		     uint32_t flags)
{
	struct sim_chunk c = {
		.offset = htole64(offset),
		.len = htole32(len),
		.flags = htole32(flags),
	};

	pl_bytes(p, &c, sizeof(c));
}

/* @n bytes of content never seen before; no chunk header. */
static void pl_content(struct payload *p, uint8_t *dst, size_t n)
{
	uint64_t word;
	size_t i;

	for (i = 0; i < n; i += sizeof(word)) {
		word = htole64(lm_splitmix64(p->serial++));
		memcpy(dst + i, &word,
		       n - i < sizeof(word) ? n - i : sizeof(word));
	}
}

static void pl_body(struct payload *p, size_t n)
{
	uint8_t buf[2 * PAGE_SZ];

	pl_content(p, buf, n);
	pl_bytes(p, buf, n);
}

static void pl_desc(struct payload *p, uint64_t memory)
{
	uint64_t le = htole64(memory);

	pl_chunk(p, 0, sizeof(le), SIM_CHUNK_DESC);
	pl_bytes(p, &le, sizeof(le));
}

/* A chunk of @n pages at @offset, which the model takes if it counts. */
static void pl_pages(struct payload *p, uint64_t offset, unsigned int n)
{
	uint8_t buf[2 * PAGE_SZ];
	unsigned int i;

	pl_chunk(p, offset, n * PAGE_SZ, 0);
	pl_content(p, buf, n * PAGE_SZ);
	pl_bytes(p, buf, n * PAGE_SZ);
	if ((int)p->nr - 1 >= p->counted || offset % PAGE_SZ ||
	    offset >= p->memory || n * PAGE_SZ > p->memory - offset)
		return;
	memcpy(p->model + offset, buf, n * PAGE_SZ);
	for (i = 0; i < n; i++)
		p->present[offset / PAGE_SZ + i] = true;
}

static void pl_record(struct payload *p)
{
	if (p->nr == MAX_RECORDS) {
		p->overflow = true;
		return;
	}
	p->nr++;
}

struct crafted_variant {
	void (*build)(struct payload *p);
	int err;	/* 0: accepted */
	int refused;	/* the record refused with @err */
};

struct crafted_env {
	struct lm_sim sim;
	struct lm_pump good;
	struct payload *pl;
	uint8_t *stream;
	size_t len;
	struct lm_stream_check check;	/* of @stream */
	uint64_t src_digest;
};

static void payload_env_setup(struct __test_metadata *_metadata,
			      struct crafted_env *env,
			      const struct crafted_variant *variant)
{
	const void *payloads[MAX_RECORDS];
	struct lm_stream_header hdr;
	struct payload *p;
	size_t r;

	lm_stream_check_init(&env->check);
	env->pl = p = calloc(1, sizeof(*p));
	ASSERT_NE(NULL, p);
	if (!lm_sim_create(_metadata, &env->sim, 2, LM_MIG_STOP_COPY,
			   DST_MEMORY))
		return;
	ASSERT_EQ(0, lm_sim_prepare_fn(&env->sim, 0, DST_MEMORY));
	ASSERT_EQ(0, lm_sim_prepare_fn(&env->sim, 1, DST_MEMORY));
	ASSERT_EQ(0, lm_sim_fill(&env->sim, 0, SEED_SRC));
	ASSERT_EQ(0, lm_sim_fill(&env->sim, 1, SEED_OTHER));
	save_stream(_metadata, &env->sim, 0, &env->good);
	env->src_digest = lm_sim_digest(&env->sim, 0);
	memcpy(&hdr, env->good.kept, sizeof(hdr));

	p->memory = DST_MEMORY;
	p->counted = variant->err ? variant->refused : MAX_RECORDS;
	for (r = 0; r < MAX_RECORDS; r++) {
		p->rec[r] = malloc(RECORD_ROOM);
		ASSERT_NE(NULL, p->rec[r]);
	}
	p->nr = 1;
	variant->build(p);
	ASSERT_FALSE(p->overflow);
	for (r = 0; r < p->nr; r++) {
		ASSERT_LT(0, p->len[r]) TH_LOG("record %zu is empty", r);
		payloads[r] = p->rec[r];
	}
	if (variant->err) {
		ASSERT_GT((int)p->nr, variant->refused);
	}
	env->stream = lm_stream_wrap(&hdr, payloads, p->len, p->nr, &env->len);
	ASSERT_NE(NULL, env->stream);

	/* The envelope is faultless: the core hands every record on. */
	ASSERT_EQ(0, lm_stream_check_expect(&env->check, &env->sim, 1));
	env->check.fn = -1;
	env->check.keep_index = true;
	ASSERT_EQ(0, lm_stream_check_feed(&env->check, env->stream, env->len))
		TH_LOG("%s", env->check.why);
	ASSERT_TRUE(lm_stream_check_done(&env->check));
	ASSERT_EQ(p->nr + 1, env->check.nr_index);
}

static void payload_env_teardown(struct crafted_env *env)
{
	size_t r;

	lm_sim_destroy(&env->sim);
	lm_pump_fini(&env->good);
	lm_stream_check_fini(&env->check);
	free(env->stream);
	if (env->pl)
		for (r = 0; r < MAX_RECORDS; r++)
			free(env->pl->rec[r]);
	free(env->pl);
}

/*
 * Restore the crafted stream into fn 1 a record at a time, the header with
 * the first. Returns 0 or the -errno of the first write refused, and in
 * *@at the record it carried; the data file stays open in *@data_fd.
 */
static int write_crafted(struct __test_metadata *_metadata,
			 struct crafted_env *env, int *data_fd, size_t *at)
{
	const struct lm_stream_check *c = &env->check;
	size_t i, done = 0, end;
	int ret;

	ASSERT_EQ(0, lm_restore_start(env->sim.fd, 1, data_fd));
	for (i = 0; i < c->nr_index; i++) {
		end = c->index[i].offset + REC_SZ + c->index[i].length;
		ret = lm_write_pieces(*data_fd, env->stream + done, end - done,
				      end - done, NULL);
		if (ret) {
			*at = i;
			return ret;
		}
		done = end;
	}
	*at = i;
	return 0;
}

/* fn 1 holds the model, and took the payload of @records records. */
static void expect_model(struct __test_metadata *_metadata,
			 struct crafted_env *env, size_t records)
{
	uint64_t bytes = 0, pages = 0;
	size_t r, i;

	for (r = 0; r < records; r++)
		bytes += env->pl->len[r];
	for (i = 0; i < DST_PAGES; i++)
		pages += env->pl->present[i];
	expect_stat(_metadata, &env->sim, 1, "restored_bytes", bytes);
	expect_stat(_metadata, &env->sim, 1, "pages_allocated", pages);
	ASSERT_EQ(xxh64(env->pl->model, DST_MEMORY, 0),
		  lm_sim_digest(&env->sim, 1));
}

#define PAYLOAD(_fixture, _name, _err, _refused, ...)		\
	static void build_##_fixture##_##_name(struct payload *p)	\
	{								\
		const uint64_t mem __attribute__((unused)) = p->memory; \
		__VA_ARGS__;						\
	}								\
	FIXTURE_VARIANT_ADD(_fixture, _name)				\
	{								\
		.v = {							\
			.build = build_##_fixture##_##_name,		\
			.err = _err,					\
			.refused = _refused,				\
		},							\
	}

/* Payloads restore() must take, as the saver would never write them. */
FIXTURE(crafted)
{
	struct crafted_env env;
};

FIXTURE_VARIANT(crafted)
{
	struct crafted_variant v;
};

#define ACCEPTED(_name, ...) PAYLOAD(crafted, _name, 0, 0, __VA_ARGS__)

ACCEPTED(description_only, pl_desc(p, mem));
ACCEPTED(one_page, pl_desc(p, mem); pl_pages(p, 0, 1));
ACCEPTED(run_of_pages, pl_desc(p, mem); pl_pages(p, PAGE_SZ, 2));
ACCEPTED(last_page, pl_desc(p, mem); pl_pages(p, mem - PAGE_SZ, 1));
ACCEPTED(run_to_the_end, pl_desc(p, mem); pl_pages(p, mem - 2 * PAGE_SZ, 2));
ACCEPTED(smaller_source,
	 pl_desc(p, mem / 2); pl_pages(p, mem / 2 - PAGE_SZ, 1));
ACCEPTED(page_twice_last_wins,
	 pl_desc(p, mem); pl_pages(p, 3 * PAGE_SZ, 1);
	 pl_pages(p, 3 * PAGE_SZ, 1));
ACCEPTED(description_alone_in_a_record,
	 pl_desc(p, mem); pl_record(p); pl_pages(p, 0, 1));
ACCEPTED(across_records,
	 pl_desc(p, mem); pl_pages(p, 5 * PAGE_SZ, 1); pl_record(p);
	 pl_pages(p, 5 * PAGE_SZ, 1); pl_pages(p, 0, 2); pl_record(p);
	 pl_pages(p, mem - PAGE_SZ, 1));

FIXTURE_SETUP(crafted)
{
	payload_env_setup(_metadata, &self->env, &variant->v);
}

FIXTURE_TEARDOWN(crafted)
{
	payload_env_teardown(&self->env);
}

TEST_F(crafted, accepted)
{
	size_t at;
	int data_fd;

	ASSERT_EQ(0, write_crafted(_metadata, &self->env, &data_fd, &at))
		TH_LOG("record %zu refused", at);
	close(data_fd);
	ASSERT_EQ(0, lm_restore_finish(self->env.sim.fd, 1));
	expect_model(_metadata, &self->env, self->env.pl->nr);
}

/*
 * Hostile payloads: restore() refuses the record with the documented errno
 * (EINVAL malformed, EMSGSIZE beyond the destination) and writes none of
 * it; the records before it stay written; the function stays in RESUMING
 * and is usable again after LM_FN_RESET.
 */
FIXTURE(hostile_payload)
{
	struct crafted_env env;
};

FIXTURE_VARIANT(hostile_payload)
{
	struct crafted_variant v;
};

#define HOSTILE(_name, _err, _refused, ...) \
	PAYLOAD(hostile_payload, _name, _err, _refused, __VA_ARGS__)

/* The description: first, once, offset 0, len 8, memory sane. */
HOSTILE(data_before_description, EINVAL, 0, pl_pages(p, 0, 1));
HOSTILE(description_memory_zero, EINVAL, 0, pl_desc(p, 0));
HOSTILE(description_memory_unaligned, EINVAL, 0, pl_desc(p, mem / 2 + 512));
HOSTILE(description_offset_nonzero, EINVAL, 0,
	pl_chunk(p, PAGE_SZ, 8, SIM_CHUNK_DESC);
	{ uint64_t le = htole64(mem); pl_bytes(p, &le, 8); });
HOSTILE(description_len_16, EINVAL, 0,
	pl_chunk(p, 0, 16, SIM_CHUNK_DESC);
	{ uint64_t le[2] = { htole64(mem), 0 }; pl_bytes(p, le, 16); });
HOSTILE(description_len_4, EINVAL, 0,
	pl_chunk(p, 0, 4, SIM_CHUNK_DESC);
	{ uint32_t le = htole32(mem); pl_bytes(p, &le, 4); });
HOSTILE(description_with_unknown_flag, EINVAL, 0,
	pl_chunk(p, 0, 8, SIM_CHUNK_DESC | 2);
	{ uint64_t le = htole64(mem); pl_bytes(p, &le, 8); }
	pl_pages(p, 0, 1));
HOSTILE(second_description, EINVAL, 0,
	pl_desc(p, mem); pl_pages(p, 0, 1); pl_desc(p, mem));
HOSTILE(second_description_next_record, EINVAL, 1,
	pl_desc(p, mem); pl_pages(p, 0, 1); pl_record(p);
	pl_pages(p, PAGE_SZ, 1); pl_desc(p, mem));
HOSTILE(description_body_cut, EINVAL, 0,
	pl_chunk(p, 0, 8, SIM_CHUNK_DESC);
	{ uint32_t le = htole32(mem); pl_bytes(p, &le, 4); });
HOSTILE(description_larger_than_destination, EMSGSIZE, 0,
	pl_desc(p, 2 * mem); pl_pages(p, 0, 1));
HOSTILE(description_one_page_too_large, EMSGSIZE, 0,
	pl_desc(p, mem + PAGE_SZ));
HOSTILE(description_memory_huge, EMSGSIZE, 0,
	pl_desc(p, UINT64_MAX - PAGE_SZ + 1));

/* Data chunks: whole pages, in the record, in the state. */
HOSTILE(data_len_zero, EINVAL, 0,
	pl_desc(p, mem); pl_pages(p, 0, 1); pl_chunk(p, PAGE_SZ, 0, 0));
HOSTILE(data_len_not_pages, EINVAL, 0,
	pl_desc(p, mem); pl_pages(p, 0, 1); pl_chunk(p, PAGE_SZ, 100, 0);
	pl_body(p, 100));
HOSTILE(data_len_page_and_a_half, EINVAL, 0,
	pl_desc(p, mem); pl_pages(p, 0, 1);
	pl_chunk(p, PAGE_SZ, PAGE_SZ + PAGE_SZ / 2, 0);
	pl_body(p, PAGE_SZ + PAGE_SZ / 2));
HOSTILE(data_offset_unaligned, EINVAL, 0,
	pl_desc(p, mem); pl_pages(p, 0, 1);
	pl_chunk(p, PAGE_SZ + 512, PAGE_SZ, 0); pl_body(p, PAGE_SZ));
HOSTILE(unknown_flags, EINVAL, 0,
	pl_desc(p, mem); pl_pages(p, 0, 1); pl_chunk(p, PAGE_SZ, PAGE_SZ, 2);
	pl_body(p, PAGE_SZ));
HOSTILE(chunk_header_cut, EINVAL, 0,
	pl_desc(p, mem); pl_pages(p, 0, 1); pl_body(p, CHUNK_SZ / 2));
HOSTILE(chunk_body_cut, EINVAL, 0,
	pl_desc(p, mem); pl_pages(p, 0, 1);
	pl_chunk(p, PAGE_SZ, 2 * PAGE_SZ, 0); pl_body(p, PAGE_SZ));
HOSTILE(chunk_spans_records, EINVAL, 0,
	pl_desc(p, mem); pl_pages(p, 0, 1); pl_chunk(p, PAGE_SZ, PAGE_SZ, 0);
	pl_record(p); pl_body(p, PAGE_SZ));
HOSTILE(chunk_len_wraps_32_bits, EINVAL, 0,
	pl_desc(p, mem); pl_pages(p, 0, 1);
	pl_chunk(p, PAGE_SZ, UINT32_MAX - PAGE_SZ + 1, 0); pl_body(p, PAGE_SZ));
HOSTILE(beyond_described, EINVAL, 0,
	pl_desc(p, mem / 2); pl_pages(p, 0, 1); pl_pages(p, mem / 2, 1));
HOSTILE(run_across_described_end, EINVAL, 0,
	pl_desc(p, mem / 2); pl_pages(p, 0, 1);
	pl_pages(p, mem / 2 - PAGE_SZ, 2));
HOSTILE(beyond_described_next_record, EINVAL, 1,
	pl_desc(p, mem / 2); pl_pages(p, 0, 1); pl_record(p);
	pl_pages(p, PAGE_SZ, 1); pl_pages(p, mem / 2, 1));
HOSTILE(offset_at_the_end, EMSGSIZE, 0,
	pl_desc(p, mem); pl_pages(p, 0, 1); pl_pages(p, mem, 1));
HOSTILE(offset_far_beyond, EMSGSIZE, 0,
	pl_desc(p, mem); pl_pages(p, 0, 1); pl_pages(p, 1ULL << 40, 1));
HOSTILE(offset_wraps_64_bits, EMSGSIZE, 0,
	pl_desc(p, mem); pl_pages(p, 0, 1); pl_pages(p, -PAGE_SZ, 2));
HOSTILE(run_across_the_end, EMSGSIZE, 0,
	pl_desc(p, mem); pl_pages(p, 0, 1); pl_pages(p, mem - PAGE_SZ, 2));
HOSTILE(offset_at_the_end_next_record, EMSGSIZE, 1,
	pl_desc(p, mem); pl_pages(p, 0, 1); pl_record(p);
	pl_pages(p, PAGE_SZ, 1); pl_pages(p, mem, 1));

FIXTURE_SETUP(hostile_payload)
{
	payload_env_setup(_metadata, &self->env, &variant->v);
}

FIXTURE_TEARDOWN(hostile_payload)
{
	payload_env_teardown(&self->env);
}

/* Write the stream: the refused record fails, and every write after it. */
static int write_hostile(struct __test_metadata *_metadata,
			 struct crafted_env *env,
			 const struct crafted_variant *v)
{
	size_t at;
	int data_fd, ret;

	ret = write_crafted(_metadata, env, &data_fd, &at);
	ASSERT_EQ(-v->err, ret)
		TH_LOG("refused at record %zu of %zu (%zu: none refused)", at,
		       env->check.nr_index, env->check.nr_index);
	ASSERT_EQ(v->refused, at);
	ASSERT_EQ(-1, write(data_fd, env->stream + env->check.index[at].offset,
			    REC_SZ));
	ASSERT_EQ(v->err, errno);
	ASSERT_EQ(LM_MIG_STATE_RESUMING, lm_get_state(env->sim.fd, 1));
	return data_fd;
}

TEST_F(hostile_payload, refused)
{
	int data_fd = write_hostile(_metadata, &self->env, &variant->v);

	/* Nothing of the refused record, all of those before it. */
	expect_model(_metadata, &self->env, variant->v.refused);
	close(data_fd);
}

TEST_F(hostile_payload, reset_recovers)
{
	int data_fd = write_hostile(_metadata, &self->env, &variant->v);

	ASSERT_EQ(0, lm_reset(self->env.sim.fd, 1));
	close(data_fd);
	ASSERT_EQ(LM_MIG_STATE_RUNNING, lm_get_state(self->env.sim.fd, 1));
	expect_stat(_metadata, &self->env.sim, 1, "pages_allocated", 0);
	expect_stat(_metadata, &self->env.sim, 1, "writer_running", 1);
	restore_stream(_metadata, &self->env.sim, 1, self->env.good.kept,
		       self->env.good.kept_size);
	ASSERT_EQ(self->env.src_digest, lm_sim_digest(&self->env.sim, 1));
	expect_stat(_metadata, &self->env.sim, 1, "restored_bytes",
		    self->env.good.check.bytes);
}

TEST_HARNESS_MAIN
