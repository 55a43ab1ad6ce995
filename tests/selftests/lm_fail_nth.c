// SPDX-License-Identifier: GPL-2.0
/*
 * Fault-injection sweep, in the style of iommufd's fail_nth test: each call
 * that allocates or reaches the driver is made once per N = 1, 2, ... with
 * the Nth fault-injection point it passes failing (kmalloc and friends
 * through failslab, page allocations through fail_page_alloc), until a run
 * in which the call passed fewer than N points. Each time the call must
 * either succeed or fail cleanly (ENOMEM), the function must keep its state
 * unless the uAPI says otherwise, and it and the device must stay usable: a
 * full migration afterwards gives a byte-exact copy. The suite that runs
 * this (tests/suites/fail-nth.sh) has kmemleak look for what it lost.
 *
 * The kernel needs CONFIG_FAULT_INJECTION, FAILSLAB, FAIL_PAGE_ALLOC and
 * FAULT_INJECTION_DEBUG_FS (the test rig's debug kernel); elsewhere every
 * test skips.
 *
 * A new case is a TEST_FAIL_NTH(): its body prepares what the call needs
 * (that part never fails), makes the call between fail_nth_begin() and
 * fail_nth_end(), and checks the outcome with the helpers below. For a
 * netlink command, the call is the send of the request and the receipt of
 * its answer; preparing the socket belongs before fail_nth_begin().
 *
 * Copyright (c) 2026 The lm authors
 */
#include <dirent.h>
#include <sys/prctl.h>

#include "kselftest_harness.h"

#include "lm_util.h"

/*
 * The name the calling thread takes while faults are injected into it: the
 * VM rig does not count the allocation-failure warnings of a task of this
 * name (tests/vm/init).
 */
#define FAULT_INJECTOR "lm-fault-inject"
#define FAIL_NTH_MAX 2000
#define MEMORY (16 * 4096)
#define SEED 0x6c6d2d666e
#define DEBUGFS "/sys/kernel/debug"

static const char *fault_injection_missing;

static int write_file(const char *path, const char *val)
{
	ssize_t len = strlen(val);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Make every allocation a fault-injection point, sleeping ones and page
 * allocations of any order included, and keep the log quiet: the rig
 * reads it for real bugs. fail-nth itself is per task, so nothing fails
 * outside the calls under test.
 */
static __attribute__((constructor)) void setup_fault_injection(void)
{
	static const char *const settings[][2] = {
		{ DEBUGFS "/failslab/ignore-gfp-wait", "N" },
		{ DEBUGFS "/failslab/verbose", "0" },
		{ DEBUGFS "/fail_page_alloc/ignore-gfp-wait", "N" },
		{ DEBUGFS "/fail_page_alloc/ignore-gfp-highmem", "N" },
		{ DEBUGFS "/fail_page_alloc/min-order", "0" },
		{ DEBUGFS "/fail_page_alloc/verbose", "0" },
	};
	char path[64];
	unsigned int i;

	snprintf(path, sizeof(path), "/proc/self/task/%d/fail-nth", gettid());
	if (access(path, F_OK)) {
		fault_injection_missing =
			"no fail-nth: the kernel lacks CONFIG_FAULT_INJECTION";
		return;
	}
	for (i = 0; i < ARRAY_SIZE(settings); i++) {
		if (write_file(settings[i][0], settings[i][1])) {
			fault_injection_missing =
				"no failslab or fail_page_alloc in debugfs";
			return;
		}
	}
}

/* The sweep of one call. */
struct fail_nth {
	int fd;			/* /proc/self/task/TID/fail-nth */
	unsigned int n;		/* the point that fails */
	bool injected;		/* the call reached it */
};

/* Fail the Nth fault-injection point from here on. */
static void fail_nth_begin(struct __test_metadata *_metadata,
			   struct fail_nth *nth)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", nth->n);

	ASSERT_EQ(0, prctl(PR_SET_NAME, FAULT_INJECTOR));
	ASSERT_EQ(len, pwrite(nth->fd, buf, len, 0));
}

/*
 * Stop injecting; nth->injected says whether the call reached the Nth
 * point (the counter ran down to 0, as fail-nth reads then).
 */
static void fail_nth_end(struct __test_metadata *_metadata,
			 struct fail_nth *nth)
{
	char buf[16] = {};

	ASSERT_LT(0, pread(nth->fd, buf, sizeof(buf) - 1, 0));
	ASSERT_EQ(1, pwrite(nth->fd, "0", 1, 0));
	ASSERT_EQ(0, prctl(PR_SET_NAME, "lm_fail_nth"));
	nth->injected = !strcmp(buf, "0\n");
}

/*
 * The fixture: a simulated device with two functions ready to migrate,
 * the first filled with a known state.
 */
FIXTURE(fail_nth) {
	struct lm_sim sim;
	uint64_t digest;	/* of function 0's state */
	int data_fd;		/* a data file the case opened */
	void *stream;		/* a saved stream of function 0 */
	ssize_t stream_len;
	struct lm_sim created;	/* a device the case created */
};

FIXTURE_SETUP(fail_nth)
{
	self->sim.fd = -1;
	self->created.fd = -1;
	self->data_fd = -1;
	self->stream = NULL;
	if (fault_injection_missing)
		SKIP(return, "%s", fault_injection_missing);
	ASSERT_TRUE(lm_sim_create(_metadata, &self->sim, 2, LM_ALL_CAPS,
				  MEMORY));
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 0, MEMORY));
	ASSERT_EQ(0, lm_sim_prepare_fn(&self->sim, 1, MEMORY));
	ASSERT_EQ(0, lm_sim_fill(&self->sim, 0, SEED));
	self->digest = lm_sim_digest(&self->sim, 0);
	ASSERT_NE(0, self->digest);
}

FIXTURE_TEARDOWN(fail_nth)
{
	if (self->data_fd >= 0)
		close(self->data_fd);
	free(self->stream);
	if (self->created.fd >= 0)
		lm_sim_destroy(&self->created);
	if (self->sim.fd >= 0)
		lm_sim_destroy(&self->sim);
}

/*
 * TEST_FAIL_NTH(name) { body } sweeps the call the body makes between
 * fail_nth_begin() and fail_nth_end(): the body runs on a fresh fixture for
 * N = 1, 2, ... until the call no longer reaches the Nth point, which it
 * must then have survived (the body checks that).
 */
#define TEST_FAIL_NTH(name)                                                  \
	static void sweep_##name(struct __test_metadata *_metadata,       \
				    FIXTURE_DATA(fail_nth) *self,            \
				    struct fail_nth *nth);                   \
	TEST_F_TIMEOUT(fail_nth, name, 3600)                                 \
	{                                                                    \
		char path[64];                                               \
		struct fail_nth nth = {};                                    \
                                                                             \
		snprintf(path, sizeof(path), "/proc/self/task/%d/fail-nth",  \
			 gettid());                                          \
		nth.fd = open(path, O_RDWR | O_CLOEXEC);                     \
		ASSERT_LE(0, nth.fd);                                        \
		for (nth.n = 1;; nth.n++) {                                  \
			ASSERT_GT(FAIL_NTH_MAX, nth.n);                      \
			if (nth.n > 1) {                                     \
				fail_nth_teardown(_metadata, self, variant); \
				fail_nth_setup(_metadata, self, variant);    \
			}                                                    \
			sweep_##name(_metadata, self, &nth);                \
			if (!nth.injected)                                   \
				break;                                       \
		}                                                            \
		close(nth.fd);                                               \
		printf("# %s: %u fault-injection points\n", #name,           \
		       nth.n - 1);                                           \
	}                                                                    \
	static void sweep_##name(struct __test_metadata *_metadata,       \
				    FIXTURE_DATA(fail_nth) *self,            \
				    struct fail_nth *nth)

/*
 * The outcome of the call: success, or (only when a fault was injected)
 * ENOMEM, or @also when not 0.
 */
static void expect_clean_or(struct __test_metadata *_metadata,
			    const struct fail_nth *nth, int ret, int also)
{
	if (!ret)
		return;
	ASSERT_TRUE(nth->injected)
		TH_LOG("failed with %d without a fault injected", ret);
	if (also && ret == also)
		return;
	ASSERT_EQ(-ENOMEM, ret) TH_LOG("fault at point %u", nth->n);
}

static void expect_clean(struct __test_metadata *_metadata,
			 const struct fail_nth *nth, int ret)
{
	expect_clean_or(_metadata, nth, ret, 0);
}

/* Bring a function back to RUNNING, by a reset if it has to. */
static void recover_fn(struct __test_metadata *_metadata,
		       const struct lm_sim *sim, uint32_t fn)
{
	if (lm_get_state(sim->fd, fn) == LM_MIG_STATE_RUNNING)
		return;
	if (lm_set_state(sim->fd, fn, LM_MIG_STATE_RUNNING, NULL))
		ASSERT_EQ(0, lm_reset(sim->fd, fn));
	ASSERT_EQ(LM_MIG_STATE_RUNNING, lm_get_state(sim->fd, fn));
}

/*
 * The device still works: both functions back in RUNNING, and function 0's
 * state (when it must still be @digest) migrates byte for byte into
 * function 1 and back.
 */
static void expect_usable(struct __test_metadata *_metadata,
			  const struct lm_sim *sim, uint64_t digest)
{
	uint64_t now;

	recover_fn(_metadata, sim, 0);
	recover_fn(_metadata, sim, 1);
	now = lm_sim_digest(sim, 0);
	if (digest)
		ASSERT_EQ(digest, now) TH_LOG("function 0 lost its state");
	ASSERT_EQ(0, lm_migrate(sim->fd, 0, sim->fd, 1));
	ASSERT_EQ(now, lm_sim_digest(sim, 1));
	ASSERT_EQ(0, lm_sim_fill(sim, 1, SEED + 1));
	now = lm_sim_digest(sim, 1);
	ASSERT_EQ(0, lm_migrate(sim->fd, 1, sim->fd, 0));
	ASSERT_EQ(now, lm_sim_digest(sim, 0));
}

/*
 * A state request that failed left the function where the uAPI allows:
 * where it was, somewhere along the way (@along, -1 terminated), or ERROR.
 * Its device state survives unless it went to ERROR.
 */
static bool expect_state_after_failure(struct __test_metadata *_metadata,
				       const struct lm_sim *sim, uint32_t fn,
				       const int *along)
{
	int state = lm_get_state(sim->fd, fn);
	bool allowed = false;

	if (state == LM_MIG_STATE_ERROR)
		return false;
	for (; *along >= 0; along++)
		allowed |= state == *along;
	EXPECT_TRUE(allowed)
		TH_LOG("function %u in state %d after a failure", fn, state);
	return true;
}

/* A state request of function 0 under injection: the data file, or -errno. */
static int set_state_injected(struct __test_metadata *_metadata,
			      FIXTURE_DATA(fail_nth) *self,
			      struct fail_nth *nth, uint32_t fn, uint32_t state)
{
	int data_fd, ret;

	fail_nth_begin(_metadata, nth);
	ret = lm_set_state(self->sim.fd, fn, state, &data_fd);
	fail_nth_end(_metadata, nth);
	expect_clean(_metadata, nth, ret);
	if (!ret && data_fd >= 0)
		self->data_fd = data_fd;
	return ret;
}

/* RUNNING -> STOP_COPY: the save session's file and the driver's tracking. */
TEST_FAIL_NTH(set_state_stop_copy)
{
	static const int along[] = { LM_MIG_STATE_RUNNING,
				     LM_MIG_STATE_RUNNING_P2P,
				     LM_MIG_STATE_STOP, -1 };
	bool kept = true;

	if (set_state_injected(_metadata, self, nth, 0, LM_MIG_STATE_STOP_COPY))
		kept = expect_state_after_failure(_metadata, &self->sim, 0,
						  along);
	else
		ASSERT_LE(0, self->data_fd);
	expect_usable(_metadata, &self->sim, kept ? self->digest : 0);
}

/* RUNNING -> PRE_COPY: the same, with the function still running. */
TEST_FAIL_NTH(set_state_pre_copy)
{
	static const int along[] = { LM_MIG_STATE_RUNNING, -1 };
	bool kept = true;

	if (set_state_injected(_metadata, self, nth, 0, LM_MIG_STATE_PRE_COPY))
		kept = expect_state_after_failure(_metadata, &self->sim, 0,
						  along);
	else
		ASSERT_LE(0, self->data_fd);
	expect_usable(_metadata, &self->sim, kept ? self->digest : 0);
}

/* PRE_COPY -> STOP_COPY: the session goes on, nothing new is needed. */
TEST_FAIL_NTH(set_state_pre_copy_to_stop_copy)
{
	static const int along[] = { LM_MIG_STATE_PRE_COPY,
				     LM_MIG_STATE_PRE_COPY_P2P, -1 };
	bool kept = true;

	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_PRE_COPY,
				  &self->data_fd));
	if (set_state_injected(_metadata, self, nth, 0, LM_MIG_STATE_STOP_COPY))
		kept = expect_state_after_failure(_metadata, &self->sim, 0,
						  along);
	expect_usable(_metadata, &self->sim, kept ? self->digest : 0);
}

/* RUNNING -> RESUMING: the restore session's file, the driver's clearing. */
TEST_FAIL_NTH(set_state_resuming)
{
	static const int along[] = { LM_MIG_STATE_RUNNING,
				     LM_MIG_STATE_RUNNING_P2P,
				     LM_MIG_STATE_STOP, -1 };

	if (set_state_injected(_metadata, self, nth, 1, LM_MIG_STATE_RESUMING))
		expect_state_after_failure(_metadata, &self->sim, 1, along);
	else
		ASSERT_LE(0, self->data_fd);
	expect_usable(_metadata, &self->sim, self->digest);
}

/* RESUMING -> RUNNING with a whole stream: the commit. */
TEST_FAIL_NTH(set_state_resuming_commit)
{
	static const int along[] = { LM_MIG_STATE_RESUMING,
				     LM_MIG_STATE_STOP,
				     LM_MIG_STATE_RUNNING_P2P, -1 };
	ssize_t len = lm_save_fn(self->sim.fd, 0, &self->stream);

	ASSERT_LT(MEMORY, len);
	ASSERT_EQ(0, lm_restore_start(self->sim.fd, 1, &self->data_fd));
	ASSERT_EQ(0, lm_write_all(self->data_fd, self->stream, len, len));
	if (set_state_injected(_metadata, self, nth, 1, LM_MIG_STATE_RUNNING)) {
		expect_state_after_failure(_metadata, &self->sim, 1, along);
	} else {
		ASSERT_EQ(self->digest, lm_sim_digest(&self->sim, 1));
	}
	expect_usable(_metadata, &self->sim, self->digest);
}

/*
 * Reading the whole save stream in one call: what was read and what
 * follows make one valid stream, or the save fails for good.
 */
TEST_FAIL_NTH(data_read)
{
	struct lm_stream_check check;
	size_t size = 2 * MEMORY;
	char *buf = malloc(size);
	ssize_t n, more;
	int ret;

	ASSERT_NE(NULL, buf);
	/* Faults in the buffer's pages are not the kernel's allocations. */
	memset(buf, 0, size);
	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_STOP_COPY,
				  &self->data_fd));
	fail_nth_begin(_metadata, nth);
	n = read(self->data_fd, buf, size);
	ret = n < 0 ? -errno : 0;
	fail_nth_end(_metadata, nth);
	expect_clean(_metadata, nth, ret);
	if (ret) {
		ASSERT_EQ(-1, read(self->data_fd, buf, size));
		ASSERT_EQ(-ret, errno);
	} else {
		while ((size_t)n < size &&
		       (more = read(self->data_fd, buf + n, size - n)) > 0)
			n += more;
		lm_stream_check_init(&check);
		ASSERT_EQ(0, lm_stream_check_expect(&check, &self->sim, 0));
		ASSERT_EQ(0, lm_stream_check_feed(&check, buf, n))
			TH_LOG("%s", check.why);
		ASSERT_TRUE(lm_stream_check_done(&check));
		lm_stream_check_fini(&check);
	}
	free(buf);
	/* A save, failed or not, leaves the state as it was. */
	expect_usable(_metadata, &self->sim, self->digest);
}

/* Writing a whole stream in one call: records, and the pages they fill. */
TEST_FAIL_NTH(data_write)
{
	ssize_t len = lm_save_fn(self->sim.fd, 0, &self->stream);
	ssize_t n;
	int ret;

	ASSERT_LT(MEMORY, len);
	ASSERT_EQ(0, lm_restore_start(self->sim.fd, 1, &self->data_fd));
	fail_nth_begin(_metadata, nth);
	n = write(self->data_fd, self->stream, len);
	ret = n < 0 ? -errno : 0;
	fail_nth_end(_metadata, nth);
	expect_clean(_metadata, nth, ret);
	if (!ret) {
		ASSERT_EQ(len, n);
		ASSERT_EQ(0, lm_restore_finish(self->sim.fd, 1));
		ASSERT_EQ(self->digest, lm_sim_digest(&self->sim, 1));
	} else {
		/* The stream is refused for good; leaving finds it short. */
		ASSERT_EQ(-1, write(self->data_fd, self->stream, 1));
		ASSERT_EQ(ENOMEM, errno);
		ASSERT_EQ(-ENODATA, lm_set_state(self->sim.fd, 1,
						 LM_MIG_STATE_STOP, NULL));
		ASSERT_EQ(LM_MIG_STATE_ERROR, lm_get_state(self->sim.fd, 1));
	}
	expect_usable(_metadata, &self->sim, self->digest);
}

/* Provisioning: offline, new resources and memory, back online. */
TEST_FAIL_NTH(provision)
{
	struct lm_fn_info info;
	int ret;

	ASSERT_EQ(0, lm_set_migratable(self->sim.fd, 1, false));
	ASSERT_EQ(0, lm_provision(self->sim.fd, 1, LM_PROV_ONLINE, 0, 0, 0, 0));
	fail_nth_begin(_metadata, nth);
	ret = lm_provision(self->sim.fd, 1,
			   LM_PROV_QUEUES | LM_PROV_IRQS | LM_PROV_MEMORY, 4, 3,
			   0, 2 * MEMORY);
	fail_nth_end(_metadata, nth);
	expect_clean(_metadata, nth, ret);
	ASSERT_EQ(0, lm_fn_info(self->sim.fd, 1, &info));
	if (!ret) {
		ASSERT_EQ(4, info.queues);
		ASSERT_EQ(3, info.irqs);
		ASSERT_EQ(2 * MEMORY, info.memory);
	}
	/* Back to the size of function 0, which migrates into it. */
	ASSERT_EQ(0, lm_provision(self->sim.fd, 1, LM_PROV_MEMORY, 0, 0, 0,
				  MEMORY));
	ASSERT_EQ(0, lm_provision(self->sim.fd, 1, LM_PROV_ONLINE, 0, 0, 1, 0));
	ASSERT_EQ(0, lm_set_migratable(self->sim.fd, 1, true));
	expect_usable(_metadata, &self->sim, self->digest);
}

/* Migration enabled on a function that had it disabled. */
TEST_FAIL_NTH(set_migratable)
{
	int ret;

	ASSERT_EQ(0, lm_set_migratable(self->sim.fd, 1, false));
	fail_nth_begin(_metadata, nth);
	ret = lm_set_migratable(self->sim.fd, 1, true);
	fail_nth_end(_metadata, nth);
	expect_clean(_metadata, nth, ret);
	if (ret)
		ASSERT_EQ(0, lm_set_migratable(self->sim.fd, 1, true));
	expect_usable(_metadata, &self->sim, self->digest);
}

/* A reset in the middle of a save session. */
TEST_FAIL_NTH(reset)
{
	int ret;

	ASSERT_EQ(0, lm_set_state(self->sim.fd, 0, LM_MIG_STATE_STOP_COPY,
				  &self->data_fd));
	fail_nth_begin(_metadata, nth);
	ret = lm_reset(self->sim.fd, 0);
	fail_nth_end(_metadata, nth);
	expect_clean(_metadata, nth, ret);
	/* A reset clears the device state, whatever else happened. */
	expect_usable(_metadata, &self->sim, 0);
}

/* Opening /dev/lmN. */
TEST_FAIL_NTH(open_device)
{
	char path[32];
	int fd, ret;

	snprintf(path, sizeof(path), "/dev/%s", self->sim.name);
	fail_nth_begin(_metadata, nth);
	fd = open(path, O_RDWR | O_CLOEXEC);
	ret = fd < 0 ? -errno : 0;
	fail_nth_end(_metadata, nth);
	expect_clean(_metadata, nth, ret);
	if (fd >= 0) {
		ASSERT_EQ(0, lm_migrate(fd, 0, fd, 1));
		close(fd);
	}
	expect_usable(_metadata, &self->sim, self->digest);
}

/* How many lm devices there are. */
static int count_lm_devices(void)
{
	DIR *dir = opendir("/sys/class/lm");
	struct dirent *d;
	int n = 0;

	if (!dir)
		return -errno;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

/* A simulated device created (lm_sim's debugfs "new"): all of it, or none. */
TEST_FAIL_NTH(sim_create)
{
	static const char request[] = "2 7 65536";
	int before = count_lm_devices();
	char reply[64] = {}, path[32];
	int fd, ret = 0;

	ASSERT_EQ(MEMORY, 65536);
	ASSERT_LT(0, before);
	fd = open(LM_SIM_DEBUGFS "/new", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	fail_nth_begin(_metadata, nth);
	if (write(fd, request, strlen(request)) < 0)
		ret = -errno;
	fail_nth_end(_metadata, nth);
	if (!ret)
		ASSERT_LT(0, read(fd, reply, sizeof(reply) - 1));
	close(fd);
	/*
	 * The driver core registers a platform device whose name could not
	 * be allocated, and then fails it with EINVAL.
	 */
	expect_clean_or(_metadata, nth, ret, -EINVAL);
	if (ret) {
		ASSERT_EQ(before, count_lm_devices());
	} else {
		ASSERT_EQ(2, sscanf(reply, "sim%d %15s", &self->created.id,
				    self->created.name));
		snprintf(path, sizeof(path), "/dev/%s", self->created.name);
		self->created.fd = open(path, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, self->created.fd);
		ASSERT_EQ(before + 1, count_lm_devices());
		ASSERT_EQ(0, lm_sim_prepare_fn(&self->created, 0, MEMORY));
		ASSERT_EQ(0, lm_sim_prepare_fn(&self->created, 1, MEMORY));
		ASSERT_EQ(0, lm_sim_fill(&self->created, 0, SEED));
		expect_usable(_metadata, &self->created, self->digest);
	}
	expect_usable(_metadata, &self->sim, self->digest);
}

/* A simulated device removed under an open file: removal cannot fail. */
TEST_FAIL_NTH(sim_remove)
{
	int before = count_lm_devices();
	char path[128];
	ssize_t n;
	int fd;

	ASSERT_EQ(0, lm_sim_new(&self->created, 2, LM_ALL_CAPS, MEMORY));
	ASSERT_EQ(0, lm_set_migratable(self->created.fd, 0, true));
	ASSERT_EQ(0, lm_set_state(self->created.fd, 0, LM_MIG_STATE_STOP_COPY,
				  &self->data_fd));
	lm_sim_path(path, sizeof(path), &self->created, -1, "remove");
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	fail_nth_begin(_metadata, nth);
	n = write(fd, "1", 1);
	fail_nth_end(_metadata, nth);
	close(fd);
	ASSERT_EQ(1, n);
	ASSERT_EQ(before, count_lm_devices());
	ASSERT_EQ(-ENODEV, lm_set_state(self->created.fd, 0,
					LM_MIG_STATE_RUNNING, NULL));
	close(self->created.fd);
	self->created.fd = -1;
	expect_usable(_metadata, &self->sim, self->digest);
}

TEST_HARNESS_MAIN
