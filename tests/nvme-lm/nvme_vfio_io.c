// SPDX-License-Identifier: GPL-2.0
/*
 * nvme_vfio_io: a small user-space NVMe driver over vfio-pci that keeps
 * verified I/O going on a VF's controller and, like a VM's guest driver
 * after a live migration, can continue it on another VF whose controller
 * was given the first one's state.
 *
 * All the memory the controller sees (admin and I/O queues, data buffers,
 * PRP lists) is one anonymous region mapped at one fixed IOVA in one type1
 * container. A second VF's group joins the same container, so the queues
 * and buffers keep their addresses when the I/O moves to it: that is what a
 * migrated controller's state refers to.
 *
 * Every logical block written carries a header (magic, seed, LBA,
 * generation, checksum over the block) and a payload derived from the seed,
 * the LBA and the generation; the last generation written to each LBA is
 * kept in memory, so every read checks the last write, and a final pass
 * reads back every LBA ever written.
 *
 * Controlled from a FIFO (--control), one command a line:
 *
 *   pause             stop submitting and stop touching the device: the
 *                     commands in flight stay in flight
 *   resume            go on with the same VF
 *   attach BDF        open BDF's device now (vfio-pci resets a function
 *                     when it is first opened: a destination must be
 *                     opened before its state is set)
 *   switch BDF --no-init
 *                     go on with BDF's controller as it is (its state came
 *                     from the current one's): ring its doorbells at the
 *                     positions the queues are at, collect the completions
 *                     of the commands in flight
 *   switch BDF --fresh
 *                     complete what is in flight, then initialise BDF's
 *                     controller and go on with it
 *   precopy           take the current VF to PRE_COPY through its VFIO
 *                     device (VFIO migration v2) and read its initial
 *                     image, I/O going on
 *   migrate BDF       paused: the current VF to STOP_COPY, its stream read
 *                     to the end, then stopped; BDF (attached) to
 *                     RESUMING, the stream written, and RUNNING: the VFIO
 *                     devices' own migration, as a VMM drives it (the VFs
 *                     on a VFIO variant driver with migration)
 *   status            rewrite the status file
 *   stop              complete what is in flight, read back and check every
 *                     LBA written, exit
 *
 * After each command the status file (--status) is replaced by one that
 * says how many commands were handled ("seq N"), the result of the last,
 * and the positions of the queues; at the end, once more with "state
 * exited" and "exit_code N".
 *
 * A migration from VF A to VF B, as tests/guest/nvme-vfio.sh drives it
 * (mig_stop_copy): start on A, "attach B" (B's reset comes now, before its
 * state is set), "pause", migrate the secondary controller from A to B
 * (lmctl fn migrate), "switch B --no-init", let it run, "stop". Switching
 * to a controller that is not enabled and ready is refused: it got no
 * state. A switch to the same VF without init (a second open of a device
 * open already, which vfio-pci does not reset) is the same path on a
 * controller that cannot migrate.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "blk_pattern.h"

#define PROG "nvme_vfio_io"

/* Controller registers (NVMe Base 2.1, 3.1.4) */
#define NVME_REG_CAP	0x00
#define NVME_REG_VS	0x08
#define NVME_REG_CC	0x14
#define NVME_REG_CSTS	0x1c
#define NVME_REG_AQA	0x24
#define NVME_REG_ASQ	0x28
#define NVME_REG_ACQ	0x30
#define NVME_REG_DBS	0x1000

#define NVME_CAP_MQES(cap)	((uint32_t)((cap) & 0xffff))
#define NVME_CAP_TO(cap)	((uint32_t)(((cap) >> 24) & 0xff))
#define NVME_CAP_DSTRD(cap)	((uint32_t)(((cap) >> 32) & 0xf))
#define NVME_CAP_CSS_NVM(cap)	(((cap) >> 37) & 1)
#define NVME_CAP_MPSMIN(cap)	((uint32_t)(((cap) >> 48) & 0xf))
#define NVME_CAP_MPSMAX(cap)	((uint32_t)(((cap) >> 52) & 0xf))

#define NVME_CC_EN		(1u << 0)
#define NVME_CC_CSS_NVM		(0u << 4)
#define NVME_CC_MPS_4K		(0u << 7)
#define NVME_CC_IOSQES		(6u << 16)	/* 64-byte entries */
#define NVME_CC_IOCQES		(4u << 20)	/* 16-byte entries */
#define NVME_CSTS_RDY		(1u << 0)
#define NVME_CSTS_CFS		(1u << 1)

/* Opcodes */
#define NVME_ADM_DELETE_SQ	0x00
#define NVME_ADM_CREATE_SQ	0x01
#define NVME_ADM_DELETE_CQ	0x04
#define NVME_ADM_CREATE_CQ	0x05
#define NVME_ADM_IDENTIFY	0x06
#define NVME_ADM_SET_FEATURES	0x09
#define NVME_CMD_WRITE		0x01
#define NVME_CMD_READ		0x02
#define NVME_FEAT_NUM_QUEUES	0x07
#define NVME_QUEUE_PHYS_CONTIG	(1u << 0)

#define PAGE_SZ		4096u
#define ADMIN_DEPTH	32u
#define IO_QID		1u
#define MAX_SLOTS	64u
#define MAX_VFS		4

struct nvme_sqe {
	uint8_t opc;
	uint8_t flags;
	uint16_t cid;
	uint32_t nsid;
	uint32_t cdw2, cdw3;
	uint64_t mptr;
	uint64_t prp1, prp2;
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};

struct nvme_cqe {
	uint32_t dw0, dw1;
	uint16_t sqhd, sqid;
	uint16_t cid;
	uint16_t status;	/* bit 0: phase tag */
};

_Static_assert(sizeof(struct nvme_sqe) == 64, "SQ entry size");
_Static_assert(sizeof(struct nvme_cqe) == 16, "CQ entry size");
_Static_assert(MAX_SLOTS <= 64, "a slot's index is the CID's low 6 bits");

/**
 * struct nvq - one submission queue and its completion queue, as the host
 * side of the controller state sees them
 * @qid: queue identifier (0: admin)
 * @depth: entries in each queue
 * @sq: the submission queue, in the DMA region
 * @cq: the completion queue, in the DMA region
 * @sq_iova: @sq's bus address
 * @cq_iova: @cq's bus address
 * @sq_tail: next SQ entry to fill (the last SQ tail doorbell value)
 * @sq_head: SQ head the controller last reported (SQHD)
 * @cq_head: next CQ entry to look at (the last CQ head doorbell value)
 * @phase: phase tag a new entry at @cq_head carries
 */
struct nvq {
	uint16_t qid;
	uint16_t depth;
	struct nvme_sqe *sq;
	volatile struct nvme_cqe *cq;
	uint64_t sq_iova;
	uint64_t cq_iova;
	uint16_t sq_tail;
	uint16_t sq_head;
	uint16_t cq_head;
	uint8_t phase;
};

/**
 * struct vf - one VF opened through VFIO
 * @bdf: its PCI address
 * @group: its IOMMU group number
 * @group_fd: the group, a member of the container
 * @fd: the device
 * @bar: BAR0 mapped, or NULL: registers through @fd at @bar_off
 * @bar_len: bytes of @bar mapped
 * @bar_off: BAR0's region offset in @fd
 * @cfg_off: the config region's offset in @fd
 */
struct vf {
	char bdf[32];
	int group;
	int group_fd;
	int fd;
	volatile uint8_t *bar;
	size_t bar_len;
	uint64_t bar_off;
	uint64_t cfg_off;
};

/**
 * struct io_slot - a command in flight on the I/O queue
 * @busy: in flight
 * @write: a write (else a read)
 * @tag: upper bits of the command identifier (the lower are the slot's
 *	 index), so a stale or repeated completion is recognised
 * @slba: first LBA
 * @nlb: number of LBAs
 * @gen: generation written (writes)
 * @expect: generation each LBA must have (reads), 0 for "never written"
 * @submitted_ms: when it was submitted, or when the I/O last resumed
 * @buf: data buffer in the DMA region
 * @buf_iova: its bus address
 * @prp_list: PRP list page for transfers of more than two pages
 * @prp_iova: its bus address
 */
struct io_slot {
	bool busy;
	bool write;
	uint16_t tag;
	uint64_t slba;
	uint32_t nlb;
	uint32_t gen;
	uint32_t *expect;
	uint64_t submitted_ms;
	uint8_t *buf;
	uint64_t buf_iova;
	uint64_t *prp_list;
	uint64_t prp_iova;
};

struct nvio {
	/* options */
	const char *control_path;
	const char *status_path;
	uint32_t seed;
	uint32_t qdepth;
	uint32_t outstanding_max;
	uint32_t max_xfer;
	uint64_t ios;
	uint64_t start_lba;
	uint64_t nlbas;
	uint32_t nsid;
	uint64_t iova;
	uint32_t timeout_ms;
	int64_t corrupt_lba;
	bool verbose;

	/* VFIO */
	int container;
	struct vf vfs[MAX_VFS];
	int nr_vfs;
	struct vf *cur;
	uint8_t *dma;
	size_t dma_len;

	/* the controller, as found at initialisation */
	uint64_t cap;
	uint32_t dstrd;
	uint32_t lba_size;
	uint64_t nsze;
	uint32_t mdts_bytes;
	uint16_t cntlid;
	struct nvq aq;
	struct nvq ioq;
	uint8_t *ident;
	uint64_t ident_iova;
	uint16_t admin_cid;

	/* I/O */
	struct io_slot slots[MAX_SLOTS];
	uint32_t outstanding;
	uint16_t next_tag;
	uint32_t *last_gen;
	uint8_t *lba_busy;
	uint32_t gen;
	uint64_t rng;

	/* control */
	int exit_code;
	int control_fd;
	char ctl_buf[512];
	size_t ctl_len;
	bool paused;
	bool stopping;
	uint64_t seq;
	char last_cmd[128];
	char last_result[256];

	/* a migration through the VFIO devices (precopy, migrate) */
	int mig_fd;
	uint8_t *mig_buf;
	size_t mig_len;
	size_t mig_cap;
	size_t mig_precopy;
	uint64_t mig_stop_ms;

	/* counts */
	uint64_t writes, reads, submitted;
	uint64_t blocks_checked, verify_blocks;
	uint64_t mismatches, errors, switches;
};

#define __printf(a, b) __attribute__((format(printf, a, b)))

static void msg(const char *fmt, ...) __printf(1, 2);
static void msg(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_us(long us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = us % 1000000 * 1000 };

	nanosleep(&ts, NULL);
}

/* --- Patterns: blk_pattern.h's, with this run's seed. */

static void fill_block(const struct nvio *io, uint8_t *blk, uint64_t lba,
		       uint32_t gen)
{
	blk_fill(blk, io->lba_size, io->seed, lba, gen);
}

/*
 * Check one block read from @lba against generation @gen: 0 if it is what
 * that write put there, else 1 with the reason printed.
 */
static int check_block(struct nvio *io, const uint8_t *blk, uint64_t lba,
		       uint32_t gen)
{
	struct blk_hdr hdr;
	const char *why = blk_check(blk, io->lba_size, io->seed, lba, gen, &hdr);

	if (!why)
		return 0;
	io->mismatches++;
	if (io->mismatches <= 16)
		msg("MISMATCH lba %" PRIu64 ": %s (expected generation %u seed %u; found magic 0x%08x seed %u lba %" PRIu64 " generation %u)",
		    lba, why, gen, io->seed, hdr.magic, hdr.seed, hdr.lba, hdr.gen);
	return 1;
}

/* --- VFIO */

static int region_info(int fd, uint32_t index, struct vfio_region_info **out)
{
	struct vfio_region_info *info = calloc(1, sizeof(*info));
	struct vfio_region_info *bigger;

	if (!info)
		return -ENOMEM;
	info->argsz = sizeof(*info);
	info->index = index;
	if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, info))
		goto fail;
	if (info->argsz > sizeof(*info)) {
		/* capabilities follow: ask again with room for them */
		bigger = realloc(info, info->argsz);
		if (!bigger) {
			free(info);
			return -ENOMEM;
		}
		info = bigger;
		if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, info))
			goto fail;
	}
	*out = info;
	return 0;
fail:
	free(info);
	return -errno;
}

/*
 * The part of BAR0 that can be mapped from offset 0: all of it, or the
 * sparse area that starts at 0 (vfio-pci keeps the MSI-X table out of the
 * mapping when interrupts are not remapped); 0 if none.
 */
static uint64_t bar0_mappable(const struct vfio_region_info *info)
{
	const struct vfio_info_cap_header *hdr;
	const struct vfio_region_info_cap_sparse_mmap *sparse;
	uint32_t off, i;

	if (!(info->flags & VFIO_REGION_INFO_FLAG_MMAP))
		return 0;
	if (!(info->flags & VFIO_REGION_INFO_FLAG_CAPS))
		return info->size;
	for (off = info->cap_offset; off; off = hdr->next) {
		hdr = (const void *)((const uint8_t *)info + off);
		if (hdr->id != VFIO_REGION_INFO_CAP_SPARSE_MMAP)
			continue;
		sparse = (const void *)hdr;
		for (i = 0; i < sparse->nr_areas; i++)
			if (sparse->areas[i].offset == 0)
				return sparse->areas[i].size;
		return 0;
	}
	return info->size;
}

static int vfio_group_of(const char *bdf)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = 0;
	return atoi(strrchr(target, '/') + 1);
}

static int cfg_read16(const struct vf *vf, uint32_t off, uint16_t *val)
{
	if (pread(vf->fd, val, 2, (off_t)(vf->cfg_off + off)) != 2)
		return -EIO;
	return 0;
}

static int cfg_write16(const struct vf *vf, uint32_t off, uint16_t val)
{
	if (pwrite(vf->fd, &val, 2, (off_t)(vf->cfg_off + off)) != 2)
		return -EIO;
	return 0;
}

static int container_init(struct nvio *io);

/* Memory decoding and bus mastering: what a guest driver turns on. */
static int vf_enable_master(const struct vf *vf)
{
	uint16_t cmd;

	if (cfg_read16(vf, PCI_COMMAND, &cmd) ||
	    cfg_write16(vf, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)) {
		msg("%s: config space: command register", vf->bdf);
		return -EIO;
	}
	return 0;
}

/*
 * Open @bdf's device in the container, its group joining it first unless
 * an open device shares it; the first group makes the container's IOMMU.
 * The first open of a device makes vfio-pci reset the function; a second
 * open of an open one does not.
 */
static struct vf *vf_attach(struct nvio *io, const char *bdf)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_region_info *info;
	struct vf *vf, *other;
	uint64_t mappable;
	int i, group, ret;

	if (io->nr_vfs == MAX_VFS) {
		msg("%s: too many devices open", bdf);
		return NULL;
	}
	group = vfio_group_of(bdf);
	if (group < 0) {
		msg("%s: no IOMMU group: %s (is the IOMMU on?)", bdf, strerror(-group));
		return NULL;
	}
	vf = &io->vfs[io->nr_vfs];
	memset(vf, 0, sizeof(*vf));
	snprintf(vf->bdf, sizeof(vf->bdf), "%s", bdf);
	vf->group = group;
	vf->group_fd = -1;
	vf->fd = -1;
	/* a group opens once: a second device of it shares the file */
	for (i = 0; i < io->nr_vfs; i++) {
		other = &io->vfs[i];
		if (other->group == group) {
			vf->group_fd = fcntl(other->group_fd, F_DUPFD_CLOEXEC, 0);
			break;
		}
	}
	if (vf->group_fd < 0) {
		char path[64];

		snprintf(path, sizeof(path), "/dev/vfio/%d", group);
		vf->group_fd = open(path, O_RDWR | O_CLOEXEC);
		if (vf->group_fd < 0) {
			msg("%s: %s: %s (is it bound to vfio-pci?)", bdf, path, strerror(errno));
			return NULL;
		}
		if (ioctl(vf->group_fd, VFIO_GROUP_GET_STATUS, &status) ||
		    !(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
			msg("%s: group %d is not viable: every device of it must be bound to vfio-pci",
			    bdf, group);
			goto close_group;
		}
		if (!(status.flags & VFIO_GROUP_FLAGS_CONTAINER_SET) &&
		    ioctl(vf->group_fd, VFIO_GROUP_SET_CONTAINER, &io->container)) {
			msg("%s: group %d into the container: %s", bdf, group, strerror(errno));
			goto close_group;
		}
		/* a device can be opened only once the container has an IOMMU */
		if (!io->dma && container_init(io))
			goto close_group;
	}
	vf->fd = ioctl(vf->group_fd, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (vf->fd < 0) {
		msg("%s: VFIO_GROUP_GET_DEVICE_FD: %s", bdf, strerror(errno));
		goto close_group;
	}

	ret = region_info(vf->fd, VFIO_PCI_CONFIG_REGION_INDEX, &info);
	if (ret) {
		msg("%s: config region: %s", bdf, strerror(-ret));
		goto close_dev;
	}
	vf->cfg_off = info->offset;
	free(info);

	ret = region_info(vf->fd, VFIO_PCI_BAR0_REGION_INDEX, &info);
	if (ret) {
		msg("%s: BAR0 region: %s", bdf, strerror(-ret));
		goto close_dev;
	}
	vf->bar_off = info->offset;
	mappable = bar0_mappable(info);
	if (info->size < NVME_REG_DBS + 16) {
		msg("%s: BAR0 is %llu bytes: no NVMe controller", bdf,
		    (unsigned long long)info->size);
		free(info);
		goto close_dev;
	}
	free(info);
	/* the doorbells of the two queues must be in the mapping */
	if (mappable >= NVME_REG_DBS + PAGE_SZ) {
		void *p = mmap(NULL, mappable, PROT_READ | PROT_WRITE, MAP_SHARED,
			       vf->fd, (off_t)vf->bar_off);

		if (p != MAP_FAILED) {
			vf->bar = p;
			vf->bar_len = mappable;
		}
	}
	if (!vf->bar)
		msg("%s: BAR0 not mappable: registers through read/write", bdf);
	/*
	 * Before the controller can run: a destination's resumes running
	 * when its state is set, as a VMM restores config space before the
	 * device runs.
	 */
	if (vf_enable_master(vf))
		goto unmap;
	io->nr_vfs++;
	return vf;

unmap:
	if (vf->bar)
		munmap((void *)vf->bar, vf->bar_len);

close_dev:
	close(vf->fd);
close_group:
	close(vf->group_fd);
	return NULL;
}

static void vf_close(struct nvio *io, struct vf *vf)
{
	int i = (int)(vf - io->vfs);

	if (vf->bar)
		munmap((void *)vf->bar, vf->bar_len);
	close(vf->fd);
	close(vf->group_fd);
	if (io->cur > vf)
		io->cur--;
	memmove(vf, vf + 1, sizeof(*vf) * (size_t)(io->nr_vfs - i - 1));
	io->nr_vfs--;
}

static struct vf *vf_find(struct nvio *io, const char *bdf)
{
	int i;

	for (i = 0; i < io->nr_vfs; i++)
		if (&io->vfs[i] != io->cur && !strcmp(io->vfs[i].bdf, bdf))
			return &io->vfs[i];
	return NULL;
}

/*
 * The container's IOMMU model, set once its first group is in it, and the
 * DMA region mapped once: a group joining later gets the same mappings.
 */
static int container_init(struct nvio *io)
{
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	void *p;

	if (ioctl(io->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
		msg("VFIO_SET_IOMMU: %s", strerror(errno));
		return -1;
	}
	p = mmap(NULL, io->dma_len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		msg("DMA region of %zu bytes: %s", io->dma_len, strerror(errno));
		return -1;
	}
	io->dma = p;
	memset(io->dma, 0, io->dma_len);
	map.vaddr = (uintptr_t)io->dma;
	map.iova = io->iova;
	map.size = io->dma_len;
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	if (ioctl(io->container, VFIO_IOMMU_MAP_DMA, &map)) {
		msg("VFIO_IOMMU_MAP_DMA at IOVA 0x%" PRIx64 ": %s", io->iova, strerror(errno));
		munmap(io->dma, io->dma_len);
		io->dma = NULL;
		return -1;
	}
	return 0;
}

static int vfio_setup(struct nvio *io, const char *bdf)
{
	io->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (io->container < 0) {
		msg("/dev/vfio/vfio: %s (is vfio-pci loaded?)", strerror(errno));
		return -1;
	}
	if (ioctl(io->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(io->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0) {
		msg("VFIO: no type1v2 IOMMU");
		return -1;
	}
	io->cur = vf_attach(io, bdf);
	return io->cur ? 0 : -1;
}

/* --- Registers, through the mapping or the region. */

static uint32_t reg_read32(const struct vf *vf, uint32_t off)
{
	uint32_t val = ~0u;

	if (vf->bar)
		return *(volatile const uint32_t *)(vf->bar + off);
	if (pread(vf->fd, &val, 4, (off_t)(vf->bar_off + off)) != 4)
		return ~0u;
	return val;
}

static void reg_write32(const struct vf *vf, uint32_t off, uint32_t val)
{
	if (vf->bar) {
		*(volatile uint32_t *)(vf->bar + off) = val;
		return;
	}
	if (pwrite(vf->fd, &val, 4, (off_t)(vf->bar_off + off)) != 4)
		msg("%s: register 0x%x: write failed", vf->bdf, off);
}

/* 64-bit registers as two dwords, low first, which every controller takes */
static uint64_t reg_read64(const struct vf *vf, uint32_t off)
{
	uint64_t lo = reg_read32(vf, off);

	return lo | (uint64_t)reg_read32(vf, off + 4) << 32;
}

static void reg_write64(const struct vf *vf, uint32_t off, uint64_t val)
{
	reg_write32(vf, off, (uint32_t)val);
	reg_write32(vf, off + 4, (uint32_t)(val >> 32));
}

static uint32_t sq_doorbell(const struct nvio *io, uint16_t qid)
{
	return NVME_REG_DBS + (2u * qid) * (4u << io->dstrd);
}

static uint32_t cq_doorbell(const struct nvio *io, uint16_t qid)
{
	return NVME_REG_DBS + (2u * qid + 1) * (4u << io->dstrd);
}

/* --- Queues */

static void nvq_init(struct nvio *io, struct nvq *q, uint16_t qid,
		     uint16_t depth, size_t sq_off, size_t cq_off)
{
	q->qid = qid;
	q->depth = depth;
	q->sq = (struct nvme_sqe *)(io->dma + sq_off);
	q->cq = (volatile struct nvme_cqe *)(io->dma + cq_off);
	q->sq_iova = io->iova + sq_off;
	q->cq_iova = io->iova + cq_off;
	q->sq_tail = 0;
	q->sq_head = 0;
	q->cq_head = 0;
	q->phase = 1;
	memset(q->sq, 0, (size_t)depth * sizeof(*q->sq));
	memset((void *)q->cq, 0, (size_t)depth * sizeof(*q->cq));
}

static void nvq_submit(struct nvio *io, struct nvq *q, const struct nvme_sqe *sqe)
{
	q->sq[q->sq_tail] = *sqe;
	q->sq_tail = (uint16_t)((q->sq_tail + 1) % q->depth);
	/* the entry must be in memory before the controller hears of it */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	reg_write32(io->cur, sq_doorbell(io, q->qid), q->sq_tail);
}

/* The next new completion, or false; its slot is released by nvq_pop(). */
static bool nvq_peek(struct nvq *q, struct nvme_cqe *cqe)
{
	volatile struct nvme_cqe *e = &q->cq[q->cq_head];

	if ((e->status & 1) != q->phase)
		return false;
	/* the rest of the entry only after its phase tag */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	cqe->dw0 = e->dw0;
	cqe->dw1 = e->dw1;
	cqe->sqhd = e->sqhd;
	cqe->sqid = e->sqid;
	cqe->cid = e->cid;
	cqe->status = e->status;
	return true;
}

static void nvq_pop(struct nvq *q, const struct nvme_cqe *cqe)
{
	q->sq_head = cqe->sqhd;
	if (++q->cq_head == q->depth) {
		q->cq_head = 0;
		q->phase ^= 1;
	}
}

static void nvq_ring_cq(struct nvio *io, struct nvq *q)
{
	reg_write32(io->cur, cq_doorbell(io, q->qid), q->cq_head);
}

static bool controller_failed(const struct nvio *io)
{
	uint32_t csts = reg_read32(io->cur, NVME_REG_CSTS);

	return csts == ~0u || (csts & NVME_CSTS_CFS);
}

/* One admin command, polled: 0, the NVMe status, or -ETIMEDOUT. */
static int admin_cmd(struct nvio *io, struct nvme_sqe *sqe, uint32_t *result)
{
	struct nvme_cqe cqe;
	uint64_t deadline = now_ms() + io->timeout_ms;
	uint16_t cid = io->admin_cid++;
	int status;

	sqe->cid = cid;
	nvq_submit(io, &io->aq, sqe);
	for (;;) {
		if (nvq_peek(&io->aq, &cqe))
			break;
		if (now_ms() > deadline) {
			msg("admin command 0x%02x: no completion in %u ms%s", sqe->opc,
			    io->timeout_ms, controller_failed(io) ? " (controller fatal status)" : "");
			return -ETIMEDOUT;
		}
		sleep_us(20);
	}
	nvq_pop(&io->aq, &cqe);
	nvq_ring_cq(io, &io->aq);
	if (cqe.cid != cid) {
		msg("admin command 0x%02x: completion for command %u, not %u",
		    sqe->opc, cqe.cid, cid);
		return -EPROTO;
	}
	status = cqe.status >> 1;
	if (status) {
		msg("admin command 0x%02x: status 0x%x (SCT %u SC 0x%02x)", sqe->opc,
		    status, (status >> 8) & 7, status & 0xff);
		return status;
	}
	if (result)
		*result = cqe.dw0;
	return 0;
}

static int wait_ready(struct nvio *io, bool ready)
{
	/* CAP.TO is in 500 ms units; emulation can be slower than that */
	uint64_t to = (uint64_t)(NVME_CAP_TO(io->cap) + 1) * 500 + io->timeout_ms;
	uint64_t deadline = now_ms() + to;
	uint32_t csts;

	for (;;) {
		csts = reg_read32(io->cur, NVME_REG_CSTS);
		if (csts == ~0u) {
			msg("%s: CSTS reads all ones: the function is gone", io->cur->bdf);
			return -ENODEV;
		}
		if (ready && (csts & NVME_CSTS_CFS)) {
			msg("%s: controller fatal status while enabling", io->cur->bdf);
			return -EIO;
		}
		if (!!(csts & NVME_CSTS_RDY) == ready)
			return 0;
		if (now_ms() > deadline) {
			msg("%s: CSTS.RDY not %d after %" PRIu64 " ms (CSTS 0x%x)",
			    io->cur->bdf, ready, to, csts);
			return -ETIMEDOUT;
		}
		sleep_us(1000);
	}
}

/* The DMA region's layout: fixed, so that every controller sees the same. */
#define DMA_ASQ		0
#define DMA_ACQ		(DMA_ASQ + PAGE_SZ)
#define DMA_IDENT	(DMA_ACQ + PAGE_SZ)
#define DMA_IOSQ	(DMA_IDENT + PAGE_SZ)

static size_t round_page(size_t n)
{
	return (n + PAGE_SZ - 1) / PAGE_SZ * PAGE_SZ;
}

static size_t dma_iocq(const struct nvio *io)
{
	return DMA_IOSQ + round_page(io->qdepth * sizeof(struct nvme_sqe));
}

static size_t dma_slots(const struct nvio *io)
{
	return dma_iocq(io) + round_page(io->qdepth * sizeof(struct nvme_cqe));
}

static size_t slot_size(const struct nvio *io)
{
	return round_page(io->max_xfer) + PAGE_SZ;
}

static void slots_init(struct nvio *io)
{
	uint32_t i;

	for (i = 0; i < io->outstanding_max; i++) {
		struct io_slot *s = &io->slots[i];
		size_t off = dma_slots(io) + i * slot_size(io);

		s->buf = io->dma + off;
		s->buf_iova = io->iova + off;
		off += round_page(io->max_xfer);
		s->prp_list = (uint64_t *)(io->dma + off);
		s->prp_iova = io->iova + off;
	}
}

static int identify(struct nvio *io, uint32_t cns, uint32_t nsid)
{
	struct nvme_sqe sqe = {
		.opc = NVME_ADM_IDENTIFY, .nsid = nsid, .prp1 = io->ident_iova,
		.cdw10 = cns,
	};

	memset(io->ident, 0, PAGE_SZ);
	return admin_cmd(io, &sqe, NULL);
}

/*
 * Reset and initialise the current controller from nothing: admin queue,
 * Identify, one polled I/O queue pair.
 */
static int nvme_init_fresh(struct nvio *io)
{
	struct vf *vf = io->cur;
	struct nvme_sqe sqe;
	uint32_t mqes, result, flbas, mdts, lba_size;
	uint64_t lbaf = 0;
	int ret;

	io->cap = reg_read64(vf, NVME_REG_CAP);
	if (io->cap == ~0ull) {
		msg("%s: CAP reads all ones", vf->bdf);
		return -ENODEV;
	}
	io->dstrd = NVME_CAP_DSTRD(io->cap);
	mqes = NVME_CAP_MQES(io->cap);
	msg("%s: CAP 0x%016" PRIx64 " (MQES %u DSTRD %u TO %u MPSMIN %u) VS 0x%08x",
	    vf->bdf, io->cap, mqes, io->dstrd, NVME_CAP_TO(io->cap),
	    NVME_CAP_MPSMIN(io->cap), reg_read32(vf, NVME_REG_VS));
	if (NVME_CAP_MPSMIN(io->cap) > 0 || !NVME_CAP_CSS_NVM(io->cap)) {
		msg("%s: no 4 KiB pages or no NVM command set", vf->bdf);
		return -EOPNOTSUPP;
	}
	if (io->qdepth > mqes + 1) {
		msg("%s: queue depth %u is more than CAP.MQES allows (%u)",
		    vf->bdf, io->qdepth, mqes + 1);
		return -EINVAL;
	}

	/* vfio-pci reset the function when it was opened; a second open did not */
	if (reg_read32(vf, NVME_REG_CC) & NVME_CC_EN)
		reg_write32(vf, NVME_REG_CC, 0);
	ret = wait_ready(io, false);
	if (ret)
		return ret;

	nvq_init(io, &io->aq, 0, ADMIN_DEPTH, DMA_ASQ, DMA_ACQ);
	nvq_init(io, &io->ioq, IO_QID, (uint16_t)io->qdepth, DMA_IOSQ, dma_iocq(io));
	io->ident = io->dma + DMA_IDENT;
	io->ident_iova = io->iova + DMA_IDENT;
	reg_write32(vf, NVME_REG_AQA, (ADMIN_DEPTH - 1) << 16 | (ADMIN_DEPTH - 1));
	reg_write64(vf, NVME_REG_ASQ, io->aq.sq_iova);
	reg_write64(vf, NVME_REG_ACQ, io->aq.cq_iova);
	reg_write32(vf, NVME_REG_CC, NVME_CC_IOCQES | NVME_CC_IOSQES |
		    NVME_CC_MPS_4K | NVME_CC_CSS_NVM | NVME_CC_EN);
	ret = wait_ready(io, true);
	if (ret)
		return ret;

	ret = identify(io, 1, 0);
	if (ret)
		return -EIO;
	memcpy(&io->cntlid, io->ident + 78, 2);
	mdts = io->ident[77];
	io->mdts_bytes = mdts ? PAGE_SZ << mdts : 0;
	if (io->mdts_bytes && io->max_xfer > io->mdts_bytes) {
		msg("%s: transfers of %u bytes are more than MDTS allows (%u)",
		    vf->bdf, io->max_xfer, io->mdts_bytes);
		return -EINVAL;
	}

	ret = identify(io, 0, io->nsid);
	if (ret)
		return -EIO;
	memcpy(&io->nsze, io->ident, 8);
	flbas = io->ident[26] & 0xf;
	memcpy(&lbaf, io->ident + 128 + 4 * flbas, 4);
	lba_size = 1u << ((lbaf >> 16) & 0xff);
	/* a second controller must see the namespace the first one wrote */
	if (io->lba_size && io->lba_size != lba_size) {
		msg("%s: namespace %u has blocks of %u bytes, not %u", vf->bdf,
		    io->nsid, lba_size, io->lba_size);
		return -EINVAL;
	}
	io->lba_size = lba_size;
	if (!io->nsze || io->lba_size < 512 || io->lba_size > io->max_xfer) {
		msg("%s: namespace %u: %" PRIu64 " blocks of %u bytes: not usable",
		    vf->bdf, io->nsid, io->nsze, io->lba_size);
		return -EINVAL;
	}
	if (!io->nlbas)
		io->nlbas = io->nsze - io->start_lba < 4096 ?
			    io->nsze - io->start_lba : 4096;
	if (io->start_lba + io->nlbas > io->nsze) {
		msg("%s: LBAs %" PRIu64 "+%" PRIu64 " beyond the namespace's %" PRIu64,
		    vf->bdf, io->start_lba, io->nlbas, io->nsze);
		return -EINVAL;
	}

	sqe = (struct nvme_sqe){ .opc = NVME_ADM_SET_FEATURES,
				 .cdw10 = NVME_FEAT_NUM_QUEUES, .cdw11 = 0 };
	ret = admin_cmd(io, &sqe, &result);
	if (ret)
		return -EIO;

	/* polled: no interrupt (IEN 0), so no vector to set up */
	sqe = (struct nvme_sqe){ .opc = NVME_ADM_CREATE_CQ, .prp1 = io->ioq.cq_iova,
				 .cdw10 = (uint32_t)(io->qdepth - 1) << 16 | IO_QID,
				 .cdw11 = NVME_QUEUE_PHYS_CONTIG };
	ret = admin_cmd(io, &sqe, NULL);
	if (ret)
		return -EIO;
	sqe = (struct nvme_sqe){ .opc = NVME_ADM_CREATE_SQ, .prp1 = io->ioq.sq_iova,
				 .cdw10 = (uint32_t)(io->qdepth - 1) << 16 | IO_QID,
				 .cdw11 = IO_QID << 16 | NVME_QUEUE_PHYS_CONTIG };
	ret = admin_cmd(io, &sqe, NULL);
	if (ret)
		return -EIO;
	msg("%s: controller %u ready: namespace %u of %" PRIu64 " blocks of %u bytes, I/O queue depth %u, MDTS %u",
	    vf->bdf, io->cntlid, io->nsid, io->nsze, io->lba_size, io->qdepth,
	    io->mdts_bytes);
	return 0;
}

/* --- I/O */

static void set_prps(const struct nvio *io, struct io_slot *s, struct nvme_sqe *sqe)
{
	uint32_t len = s->nlb * io->lba_size;
	uint32_t pages = (len + PAGE_SZ - 1) / PAGE_SZ, i;

	sqe->prp1 = s->buf_iova;
	if (pages == 1) {
		sqe->prp2 = 0;
	} else if (pages == 2) {
		sqe->prp2 = s->buf_iova + PAGE_SZ;
	} else {
		/* the buffer is page aligned: one list entry per further page */
		for (i = 1; i < pages; i++)
			s->prp_list[i - 1] = s->buf_iova + (uint64_t)i * PAGE_SZ;
		sqe->prp2 = s->prp_iova;
	}
}

static struct io_slot *free_slot(struct nvio *io, uint32_t *idx)
{
	uint32_t i;

	for (i = 0; i < io->outstanding_max; i++)
		if (!io->slots[i].busy) {
			*idx = i;
			return &io->slots[i];
		}
	return NULL;
}

/*
 * Submit a write or a read of LBAs [@slba, @slba + @nlb), none of them in
 * flight; the caller checked that a slot is free. A write writes the
 * pattern, or @data when given (which no read of this run then expects).
 */
static void submit_io(struct nvio *io, bool write, uint64_t slba, uint32_t nlb,
		      const uint8_t *data)
{
	struct nvme_sqe sqe = { 0 };
	struct io_slot *s;
	uint32_t idx, i;

	s = free_slot(io, &idx);
	s->busy = true;
	s->write = write;
	s->slba = slba;
	s->nlb = nlb;
	/* 10 bits of tag above 6 of slot, never CID FFFFh */
	s->tag = io->next_tag;
	io->next_tag = (uint16_t)((io->next_tag + 1) % 0x3ff);
	s->submitted_ms = now_ms();
	for (i = 0; i < nlb; i++)
		io->lba_busy[slba - io->start_lba + i] = 1;
	if (write && data) {
		s->gen = 0;
		memcpy(s->buf, data, (size_t)nlb * io->lba_size);
	} else if (write) {
		s->gen = ++io->gen;
		for (i = 0; i < nlb; i++)
			fill_block(io, s->buf + (size_t)i * io->lba_size, slba + i, s->gen);
	} else {
		for (i = 0; i < nlb; i++)
			s->expect[i] = io->last_gen[slba - io->start_lba + i];
		/* a block left from before must not pass for this read's */
		memset(s->buf, 0x5a, (size_t)nlb * io->lba_size);
	}
	sqe.opc = write ? NVME_CMD_WRITE : NVME_CMD_READ;
	sqe.cid = (uint16_t)(s->tag << 6 | idx);
	sqe.nsid = io->nsid;
	set_prps(io, s, &sqe);
	sqe.cdw10 = (uint32_t)slba;
	sqe.cdw11 = (uint32_t)(slba >> 32);
	sqe.cdw12 = nlb - 1;
	io->outstanding++;
	io->submitted++;
	if (io->verbose)
		msg("submit cid %u %s lba %" PRIu64 "+%u sq_tail %u", sqe.cid,
		    write ? "write" : "read", slba, nlb, io->ioq.sq_tail);
	nvq_submit(io, &io->ioq, &sqe);
}

/* A command completed with @status: what it wrote, what it read checked. */
static void complete_io(struct nvio *io, struct io_slot *s, int status)
{
	uint32_t i;

	if (status) {
		msg("%s lba %" PRIu64 "+%u: status 0x%x (SCT %u SC 0x%02x)",
		    s->write ? "write" : "read", s->slba, s->nlb, status,
		    (status >> 8) & 7, status & 0xff);
		io->errors++;
		/* what a failed write left there is unknown */
		for (i = 0; s->write && i < s->nlb; i++)
			io->last_gen[s->slba - io->start_lba + i] = 0;
	} else if (s->write) {
		io->writes++;
		/* generation 0 (--corrupt-lba's data): nothing to expect */
		for (i = 0; i < s->nlb; i++)
			io->last_gen[s->slba - io->start_lba + i] = s->gen;
	} else {
		io->reads++;
		for (i = 0; i < s->nlb; i++) {
			if (!s->expect[i])
				continue;
			io->blocks_checked++;
			check_block(io, s->buf + (size_t)i * io->lba_size,
				    s->slba + i, s->expect[i]);
		}
	}
	for (i = 0; i < s->nlb; i++)
		io->lba_busy[s->slba - io->start_lba + i] = 0;
	s->busy = false;
	io->outstanding--;
}

/* Reap the I/O queue's new completions: how many, or -1 on an error. */
static int reap(struct nvio *io)
{
	struct nvme_cqe cqe;
	struct io_slot *s;
	uint32_t idx;
	int n = 0, status;

	while (nvq_peek(&io->ioq, &cqe)) {
		nvq_pop(&io->ioq, &cqe);
		n++;
		idx = cqe.cid & 0x3f;
		s = idx < io->outstanding_max ? &io->slots[idx] : NULL;
		if (!s || !s->busy || s->tag != cqe.cid >> 6 || cqe.sqid != IO_QID) {
			msg("completion for no command in flight: cid %u sqid %u (CQ head %u phase %u)",
			    cqe.cid, cqe.sqid, io->ioq.cq_head, io->ioq.phase);
			io->errors++;
			continue;
		}
		status = cqe.status >> 1;
		complete_io(io, s, status);
	}
	if (n)
		nvq_ring_cq(io, &io->ioq);
	return io->errors ? -1 : n;
}

static int check_timeouts(struct nvio *io)
{
	uint64_t now = now_ms();
	uint32_t i;

	for (i = 0; i < io->outstanding_max; i++) {
		struct io_slot *s = &io->slots[i];

		if (!s->busy || now - s->submitted_ms < io->timeout_ms)
			continue;
		msg("timeout: %s lba %" PRIu64 "+%u (cid %u) not completed in %u ms; SQ tail %u head %u, CQ head %u phase %u%s",
		    s->write ? "write" : "read", s->slba, s->nlb, s->tag << 6 | i,
		    io->timeout_ms, io->ioq.sq_tail, io->ioq.sq_head, io->ioq.cq_head,
		    io->ioq.phase, controller_failed(io) ? "; controller fatal status" : "");
		io->errors++;
		return -1;
	}
	return 0;
}

/* Deadlines start again: a paused program is no slow controller. */
static void restart_deadlines(struct nvio *io)
{
	uint64_t now = now_ms();
	uint32_t i;

	for (i = 0; i < io->outstanding_max; i++)
		io->slots[i].submitted_ms = now;
}

/* Pick and submit one command of the mix; false if the LBAs picked were busy. */
static bool submit_random(struct nvio *io)
{
	uint32_t max_nlb = io->max_xfer / io->lba_size, nlb, i;
	uint64_t r = blk_rng_next(&io->rng), slba;
	bool write = r & 1;

	nlb = (uint32_t)((r >> 1) % max_nlb) + 1;
	if (nlb > io->nlbas)
		nlb = (uint32_t)io->nlbas;
	slba = (r >> 16) % (io->nlbas - nlb + 1);
	for (i = 0; i < nlb; i++)
		if (io->lba_busy[slba + i])
			return false;
	submit_io(io, write, io->start_lba + slba, nlb, NULL);
	return true;
}

/* Poll until nothing is in flight: 0, or -1 on an error or a timeout. */
static int drain(struct nvio *io)
{
	int n;

	while (io->outstanding) {
		n = reap(io);
		if (n < 0 || check_timeouts(io))
			return -1;
		if (!n)
			sleep_us(50);
	}
	return 0;
}

/* Read back every LBA written, as many reads in flight as allowed. */
static int full_verify(struct nvio *io)
{
	uint32_t max_nlb = io->max_xfer / io->lba_size, nlb;
	uint64_t lba = 0, before = io->blocks_checked;
	int n;

	while (lba < io->nlbas || io->outstanding) {
		while (lba < io->nlbas && io->outstanding < io->outstanding_max) {
			/* start where something was written */
			if (!io->last_gen[lba]) {
				lba++;
				continue;
			}
			nlb = io->nlbas - lba < max_nlb ? (uint32_t)(io->nlbas - lba) : max_nlb;
			submit_io(io, false, io->start_lba + lba, nlb, NULL);
			lba += nlb;
		}
		n = reap(io);
		if (n < 0 || check_timeouts(io))
			return -1;
		if (!n)
			sleep_us(50);
	}
	io->verify_blocks = io->blocks_checked - before;
	return 0;
}

/* --- Status and control */

static uint64_t lbas_written(const struct nvio *io)
{
	uint64_t i, n = 0;

	for (i = 0; i < io->nlbas; i++)
		n += !!io->last_gen[i];
	return n;
}

/* Some written LBA not in flight, for a test to corrupt; -1 if none. */
static int64_t written_lba(const struct nvio *io)
{
	uint64_t i;

	for (i = 0; i < io->nlbas; i++)
		if (io->last_gen[i] && !io->lba_busy[i])
			return (int64_t)(io->start_lba + i);
	return -1;
}

static void write_status(struct nvio *io, const char *state)
{
	char tmp[PATH_MAX];
	FILE *f;

	if (!io->status_path)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", io->status_path);
	f = fopen(tmp, "w");
	if (!f) {
		msg("%s: %s", tmp, strerror(errno));
		return;
	}
	fprintf(f, "state %s\nbdf %s\nseq %" PRIu64 "\ncommand %s\nresult %s\n",
		state, io->cur ? io->cur->bdf : "none", io->seq, io->last_cmd,
		io->last_result);
	fprintf(f, "admin_sq_tail %u\nadmin_cq_head %u\nadmin_cq_phase %u\n",
		io->aq.sq_tail, io->aq.cq_head, io->aq.phase);
	fprintf(f, "io_sq_tail %u\nio_sq_head %u\nio_cq_head %u\nio_cq_phase %u\n",
		io->ioq.sq_tail, io->ioq.sq_head, io->ioq.cq_head, io->ioq.phase);
	fprintf(f, "outstanding %u\nsubmitted %" PRIu64 "\nwrites %" PRIu64 "\nreads %" PRIu64 "\n",
		io->outstanding, io->submitted, io->writes, io->reads);
	fprintf(f, "blocks_checked %" PRIu64 "\nmismatches %" PRIu64 "\nerrors %" PRIu64 "\n",
		io->blocks_checked, io->mismatches, io->errors);
	fprintf(f, "lbas_written %" PRIu64 "\nwritten_lba %" PRId64 "\nswitches %" PRIu64 "\n",
		lbas_written(io), written_lba(io), io->switches);
	fprintf(f, "mig_bytes %zu\nmig_precopy_bytes %zu\nmig_stop_ms %" PRIu64 "\n",
		io->mig_len, io->mig_precopy, io->mig_stop_ms);
	if (io->exit_code >= 0)
		fprintf(f, "exit_code %d\n", io->exit_code);
	if (fclose(f) || rename(tmp, io->status_path))
		msg("%s: %s", io->status_path, strerror(errno));
}

/*
 * Continue on @bdf's controller as it is: its queues are where this side
 * left them, so the doorbells get the positions they had; commands in flight
 * complete into the same CQ memory, with the same phase.
 */
static int switch_no_init(struct nvio *io, const char *bdf, char *why, size_t len)
{
	struct vf *old = io->cur, *vf;
	uint64_t cap;
	uint32_t csts, cc;

	vf = vf_find(io, bdf);
	if (!vf) {
		if (strcmp(bdf, old->bdf))
			msg("%s: opened now, so vfio-pci reset it: attach a destination before its state is set",
			    bdf);
		vf = vf_attach(io, bdf);
		if (!vf) {
			snprintf(why, len, "cannot open %s", bdf);
			return -1;
		}
		old = io->cur;
	}
	cap = reg_read64(vf, NVME_REG_CAP);
	csts = reg_read32(vf, NVME_REG_CSTS);
	cc = reg_read32(vf, NVME_REG_CC);
	if (NVME_CAP_DSTRD(cap) != io->dstrd || NVME_CAP_MQES(cap) < io->qdepth - 1) {
		snprintf(why, len, "%s: CAP 0x%" PRIx64 " does not match the queues' 0x%" PRIx64,
			 bdf, cap, io->cap);
		return -1;
	}
	if (!(cc & NVME_CC_EN) || !(csts & NVME_CSTS_RDY) || (csts & NVME_CSTS_CFS)) {
		snprintf(why, len, "%s: controller not running (CC 0x%x CSTS 0x%x): was its state set?",
			 bdf, cc, csts);
		return -1;
	}
	io->cur = vf;
	/*
	 * The same values again: a controller whose state was set takes them
	 * as no change, one that lost a doorbell write since gets it now.
	 */
	reg_write32(vf, sq_doorbell(io, 0), io->aq.sq_tail);
	reg_write32(vf, cq_doorbell(io, 0), io->aq.cq_head);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	reg_write32(vf, sq_doorbell(io, IO_QID), io->ioq.sq_tail);
	reg_write32(vf, cq_doorbell(io, IO_QID), io->ioq.cq_head);
	msg("%s: continuing without init: admin SQ tail %u CQ head %u, I/O SQ tail %u CQ head %u phase %u, %u in flight",
	    bdf, io->aq.sq_tail, io->aq.cq_head, io->ioq.sq_tail,
	    io->ioq.cq_head, io->ioq.phase, io->outstanding);
	/*
	 * The last close of a device resets it, which the source of a
	 * migration is done with; a second open of the same one closes
	 * without.
	 */
	vf_close(io, old);
	restart_deadlines(io);
	io->switches++;
	return 0;
}

/*
 * Finish on the current controller, then start @bdf's from nothing: 0, -1
 * if nothing changed, -2 if the I/O cannot go on (the commands in flight
 * did not complete, or the new controller did not come up).
 */
static int switch_fresh(struct nvio *io, const char *bdf, char *why, size_t len)
{
	struct vf *old, *vf;

	restart_deadlines(io);
	if (drain(io)) {
		snprintf(why, len, "commands in flight did not complete on %s", io->cur->bdf);
		return -2;
	}
	old = io->cur;
	vf = vf_find(io, bdf);
	if (!vf) {
		vf = vf_attach(io, bdf);
		if (!vf) {
			snprintf(why, len, "cannot open %s", bdf);
			return -1;
		}
		old = io->cur;
	}
	io->cur = vf;
	if (nvme_init_fresh(io)) {
		snprintf(why, len, "%s: initialisation failed", bdf);
		return -2;
	}
	vf_close(io, old);
	io->switches++;
	return 0;
}

/* One control command; false if the run must end (an error of the device). */
/* VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE on @vf: 0 or -errno; a new data fd
 * in *@data_fd (-1 for none). */
static int mig_set_state(const struct vf *vf, uint32_t state, int *data_fd)
{
	uint64_t buf[(sizeof(struct vfio_device_feature) +
		      sizeof(struct vfio_device_feature_mig_state) + 7) / 8] = {};
	struct vfio_device_feature *f = (void *)buf;
	struct vfio_device_feature_mig_state *ms = (void *)f->data;

	f->argsz = sizeof(buf);
	f->flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE;
	ms->device_state = state;
	if (ioctl(vf->fd, VFIO_DEVICE_FEATURE, f))
		return -errno;
	*data_fd = ms->data_fd;
	return 0;
}

/*
 * Read the source's data fd into the migration buffer: to the end of the
 * stream (@to_end, STOP_COPY) or to its temporary end (ENOMSG, PRE_COPY).
 */
static int mig_read(struct nvio *io, bool to_end)
{
	uint8_t *bigger;
	ssize_t n;

	for (;;) {
		if (io->mig_len == io->mig_cap) {
			size_t cap = io->mig_cap ? io->mig_cap * 2 : 1 << 20;

			bigger = realloc(io->mig_buf, cap);
			if (!bigger)
				return -ENOMEM;
			io->mig_buf = bigger;
			io->mig_cap = cap;
		}
		n = read(io->mig_fd, io->mig_buf + io->mig_len,
			 io->mig_cap - io->mig_len);
		if (n > 0) {
			io->mig_len += n;
			continue;
		}
		if (n == 0)
			return to_end ? 0 : -EPROTO;
		if (errno == EINTR)
			continue;
		if (errno == ENOMSG && !to_end)
			return 0;
		return -errno;
	}
}

static void mig_end(struct nvio *io)
{
	if (io->mig_fd >= 0)
		close(io->mig_fd);
	io->mig_fd = -1;
}

/* "precopy": the current VF to PRE_COPY, its initial image read. */
static int mig_precopy(struct nvio *io, char *why, size_t len)
{
	struct vfio_precopy_info info = { .argsz = sizeof(info) };
	int ret;

	if (io->mig_fd >= 0) {
		snprintf(why, len, "a migration is under way");
		return -1;
	}
	io->mig_len = 0;
	ret = mig_set_state(io->cur, VFIO_DEVICE_STATE_PRE_COPY, &io->mig_fd);
	if (!ret && io->mig_fd < 0)
		ret = -EBADF;
	if (!ret && ioctl(io->mig_fd, VFIO_MIG_GET_PRECOPY_INFO, &info))
		ret = -errno;
	if (!ret && !info.initial_bytes)
		ret = -ENODATA;
	if (!ret)
		ret = mig_read(io, false);
	if (ret) {
		snprintf(why, len, "%s to PRE_COPY: %s", io->cur->bdf,
			 strerror(-ret));
		mig_end(io);
		return -1;
	}
	io->mig_precopy = io->mig_len;
	msg("precopy: %zu bytes of %s's initial image", io->mig_len,
	    io->cur->bdf);
	return 0;
}

/*
 * "migrate BDF", paused: the way a VMM moves a device at switch-over. The
 * current VF to STOP_COPY (from PRE_COPY if "precopy" came first), its
 * stream read to the end, the VF stopped; @bdf, opened already ("attach":
 * vfio-pci resets a device at its first open), to RESUMING, the stream
 * written, and RUNNING. "switch BDF --no-init" then goes on there.
 */
static int mig_migrate(struct nvio *io, const char *bdf, char *why, size_t len)
{
	struct vf *dst = vf_find(io, bdf);
	uint64_t start = now_ms();
	size_t off = 0;
	int fd = -1, ret;
	ssize_t n;

	if (!dst || dst == io->cur) {
		snprintf(why, len, "%s is not another attached VF", bdf);
		return -1;
	}
	if (io->mig_fd < 0)
		io->mig_len = 0;
	ret = mig_set_state(io->cur, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	if (ret) {
		snprintf(why, len, "%s to STOP_COPY: %s", io->cur->bdf,
			 strerror(-ret));
		mig_end(io);
		return -1;
	}
	if (io->mig_fd < 0)
		io->mig_fd = fd;
	else if (fd >= 0)
		close(fd);
	ret = mig_read(io, true);
	mig_end(io);
	if (!ret)
		ret = mig_set_state(io->cur, VFIO_DEVICE_STATE_STOP, &fd);
	if (ret) {
		snprintf(why, len, "saving %s: %s", io->cur->bdf, strerror(-ret));
		return -1;
	}

	ret = mig_set_state(dst, VFIO_DEVICE_STATE_RESUMING, &fd);
	if (!ret && fd < 0)
		ret = -EBADF;
	while (!ret && off < io->mig_len) {
		n = write(fd, io->mig_buf + off, io->mig_len - off);
		if (n < 0 && errno != EINTR)
			ret = -errno;
		else if (n > 0)
			off += n;
	}
	if (fd >= 0)
		close(fd);
	if (!ret)
		ret = mig_set_state(dst, VFIO_DEVICE_STATE_RUNNING, &fd);
	if (ret) {
		snprintf(why, len, "restoring %s: %s", bdf, strerror(-ret));
		return -1;
	}
	io->mig_stop_ms = now_ms() - start;
	msg("migrate: %zu stream bytes from %s to %s in %" PRIu64 " ms",
	    io->mig_len, io->cur->bdf, bdf, io->mig_stop_ms);
	return 0;
}

static bool handle_command(struct nvio *io, char *line)
{
	char *cmd, *arg, *arg2, *save = NULL;
	char why[256] = "";
	bool fatal = false;
	int ret = 0;

	cmd = strtok_r(line, " \t", &save);
	if (!cmd)
		return true;
	arg = strtok_r(NULL, " \t", &save);
	arg2 = strtok_r(NULL, " \t", &save);
	snprintf(io->last_cmd, sizeof(io->last_cmd), "%s%s%s%s%s", cmd,
		 arg ? " " : "", arg ? arg : "", arg2 ? " " : "", arg2 ? arg2 : "");
	msg("control: %s", io->last_cmd);

	if (!strcmp(cmd, "pause")) {
		io->paused = true;
	} else if (!strcmp(cmd, "resume")) {
		if (io->paused)
			restart_deadlines(io);
		io->paused = false;
	} else if (!strcmp(cmd, "stop")) {
		io->stopping = true;
		if (io->paused)
			restart_deadlines(io);
		io->paused = false;
	} else if (!strcmp(cmd, "status")) {
		/* nothing but the status file */
	} else if (!strcmp(cmd, "attach") && arg && !arg2) {
		if (!vf_attach(io, arg)) {
			snprintf(why, sizeof(why), "cannot open %s", arg);
			ret = -1;
		}
	} else if (!strcmp(cmd, "precopy") && !arg) {
		ret = mig_precopy(io, why, sizeof(why));
	} else if (!strcmp(cmd, "migrate") && arg && !arg2) {
		if (!io->paused) {
			snprintf(why, sizeof(why), "pause first");
			ret = -1;
		} else {
			ret = mig_migrate(io, arg, why, sizeof(why));
		}
	} else if (!strcmp(cmd, "switch") && arg && arg2 &&
		   (!strcmp(arg2, "--no-init") || !strcmp(arg2, "--fresh"))) {
		if (!io->paused) {
			snprintf(why, sizeof(why), "pause first");
			ret = -1;
		} else if (!strcmp(arg2, "--no-init")) {
			ret = switch_no_init(io, arg, why, sizeof(why));
		} else {
			ret = switch_fresh(io, arg, why, sizeof(why));
			fatal = ret == -2;
		}
		if (!ret)
			io->paused = false;
	} else {
		snprintf(why, sizeof(why),
			 "unknown command (pause, resume, attach BDF, precopy, migrate BDF, switch BDF --no-init|--fresh, status, stop)");
		ret = -1;
	}
	io->seq++;
	if (ret) {
		snprintf(io->last_result, sizeof(io->last_result), "error: %s", why);
		msg("control: %s: %s", io->last_cmd, io->last_result);
	} else {
		snprintf(io->last_result, sizeof(io->last_result), "ok");
	}
	write_status(io, io->paused ? "paused" : io->stopping ? "stopping" : "running");
	return !fatal;
}

/*
 * Read what came on the FIFO and act on every whole line; @wait blocks
 * until something comes (paused: nothing else to do). False to end the run.
 */
static bool poll_control(struct nvio *io, bool wait)
{
	struct pollfd pfd = { .fd = io->control_fd, .events = POLLIN };
	char *nl;
	ssize_t n;

	if (io->control_fd < 0)
		return true;
	if (poll(&pfd, 1, wait ? 1000 : 0) <= 0 || !(pfd.revents & POLLIN))
		return true;
	n = read(io->control_fd, io->ctl_buf + io->ctl_len,
		 sizeof(io->ctl_buf) - 1 - io->ctl_len);
	if (n <= 0)
		return true;
	io->ctl_len += (size_t)n;
	io->ctl_buf[io->ctl_len] = 0;
	while ((nl = strchr(io->ctl_buf, '\n'))) {
		size_t used = (size_t)(nl - io->ctl_buf) + 1;

		*nl = 0;
		if (!handle_command(io, io->ctl_buf))
			return false;
		memmove(io->ctl_buf, io->ctl_buf + used, io->ctl_len - used + 1);
		io->ctl_len -= used;
	}
	if (io->ctl_len == sizeof(io->ctl_buf) - 1)
		io->ctl_len = 0;	/* a line that long is no command */
	return true;
}

/* The I/O loop: until --ios commands completed, or "stop". */
static int run(struct nvio *io)
{
	int n, idle = 0;

	while (!io->stopping) {
		if (!poll_control(io, io->paused))
			return -1;
		if (io->paused)
			continue;
		if (io->control_fd < 0 && io->submitted >= io->ios)
			break;
		n = reap(io);
		if (n < 0)
			return -1;
		while (io->outstanding < io->outstanding_max &&
		       (io->control_fd >= 0 || io->submitted < io->ios))
			if (!submit_random(io))
				break;
		if (check_timeouts(io))
			return -1;
		/* spin a little, then let the other vCPU have the core */
		if (n)
			idle = 0;
		else if (++idle > 64)
			sleep_us(100);
	}
	return drain(io);
}

/*
 * --corrupt-lba: one bit of one block flipped, read-modify-write, as damage
 * from outside would do; the run that wrote the block must find it.
 */
static int corrupt(struct nvio *io)
{
	uint64_t lba = (uint64_t)io->corrupt_lba;
	uint8_t *blk;
	int ret = -1;

	if (lba < io->start_lba || lba >= io->start_lba + io->nlbas) {
		msg("--corrupt-lba %" PRIu64 " is not in LBAs %" PRIu64 "+%" PRIu64,
		    lba, io->start_lba, io->nlbas);
		return -1;
	}
	blk = malloc(io->lba_size);
	if (!blk)
		return -1;
	/* A command that failed (its status is printed) flipped nothing. */
	submit_io(io, false, lba, 1, NULL);
	if (drain(io) || io->errors)
		goto out;
	memcpy(blk, io->slots[0].buf, io->lba_size);
	blk[io->lba_size / 2] ^= 1;
	submit_io(io, true, lba, 1, blk);
	if (drain(io) || io->errors)
		goto out;
	msg("corrupted lba %" PRIu64 ": flipped bit 0 of byte %u", lba, io->lba_size / 2);
	ret = 0;
out:
	free(blk);
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [OPTIONS] BDF\n"
		"  Initialise the NVMe controller of VF BDF (bound to vfio-pci) and run\n"
		"  verified writes and reads on it; then read back every LBA written.\n"
		"  --fresh             initialise the controller (the default; the only way to\n"
		"                      start: continuing without init is \"switch BDF --no-init\")\n"
		"  --ios N             commands to run without --control (default 2000)\n"
		"  --control FIFO      run until \"stop\" comes on FIFO, one command a line:\n"
		"                      pause, resume, attach BDF, switch BDF --no-init,\n"
		"                      switch BDF --fresh, status, stop\n"
		"  --status FILE       replaced after each command: state, queue positions, counts\n"
		"  --qdepth N          I/O queue entries (default 64)\n"
		"  --outstanding N     commands in flight at most (default 16, at most %u)\n"
		"  --max-xfer BYTES    largest transfer (default 16384: PRP lists past 8 KiB)\n"
		"  --seed N            pattern and choice seed (default 1)\n"
		"  --start-lba N       first LBA used (default 0)\n"
		"  --lbas N            LBAs used (default 4096, at most the namespace)\n"
		"  --nsid N            namespace (default 1)\n"
		"  --iova ADDR         bus address of the DMA region (default 0x40000000)\n"
		"  --timeout-ms N      per command (default 30000)\n"
		"  --corrupt-lba LBA   flip one bit of block LBA and exit (a test of the checks)\n"
		"  --verbose           every command\n"
		"Exit status: 0 if every read checked out, 1 on a mismatch, an error status,\n"
		"a timeout or a failure, 2 for a wrong command line.\n", MAX_SLOTS);
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && *s && !*end && *s != '-';
}

int main(int argc, char **argv)
{
	enum { OPT_IOS = 256, OPT_CONTROL, OPT_STATUS, OPT_QDEPTH, OPT_OUTSTANDING,
	       OPT_MAX_XFER, OPT_SEED, OPT_START_LBA, OPT_LBAS, OPT_NSID, OPT_IOVA,
	       OPT_TIMEOUT, OPT_CORRUPT, OPT_FRESH, OPT_NO_INIT, OPT_VERBOSE, OPT_HELP };
	static const struct option opts[] = {
		{ "ios", required_argument, NULL, OPT_IOS },
		{ "control", required_argument, NULL, OPT_CONTROL },
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "qdepth", required_argument, NULL, OPT_QDEPTH },
		{ "outstanding", required_argument, NULL, OPT_OUTSTANDING },
		{ "max-xfer", required_argument, NULL, OPT_MAX_XFER },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "start-lba", required_argument, NULL, OPT_START_LBA },
		{ "lbas", required_argument, NULL, OPT_LBAS },
		{ "nsid", required_argument, NULL, OPT_NSID },
		{ "iova", required_argument, NULL, OPT_IOVA },
		{ "timeout-ms", required_argument, NULL, OPT_TIMEOUT },
		{ "corrupt-lba", required_argument, NULL, OPT_CORRUPT },
		{ "fresh", no_argument, NULL, OPT_FRESH },
		{ "no-init", no_argument, NULL, OPT_NO_INIT },
		{ "verbose", no_argument, NULL, OPT_VERBOSE },
		{ "help", no_argument, NULL, OPT_HELP },
		{ 0 }
	};
	static struct nvio nvio = {
		.seed = 1, .qdepth = 64, .outstanding_max = 16, .max_xfer = 16384,
		.ios = 2000, .nsid = 1, .iova = 0x40000000, .timeout_ms = 30000,
		.corrupt_lba = -1, .container = -1, .control_fd = -1, .exit_code = -1,
		.mig_fd = -1,
		.last_cmd = "none", .last_result = "ok",
	};
	struct nvio *io = &nvio;
	uint64_t v;
	int c, rc = 1;
	uint32_t i;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		const char *a = optarg;
		bool good = true;

		switch (c) {
		case OPT_CONTROL:
			io->control_path = a;
			continue;
		case OPT_STATUS:
			io->status_path = a;
			continue;
		case OPT_FRESH:
			continue;
		case OPT_NO_INIT:
			fprintf(stderr, PROG ": --no-init: a controller is continued without init only by \"switch BDF --no-init\" on --control, which knows where its queues are\n");
			return 2;
		case OPT_VERBOSE:
			io->verbose = true;
			continue;
		case OPT_HELP:
			usage(stdout);
			return 0;
		case '?':
			usage(stderr);
			return 2;
		default:
			break;
		}
		good = parse_u64(a, &v);
		switch (c) {
		case OPT_IOS:
			io->ios = v;
			break;
		case OPT_QDEPTH:
			good = good && v >= 2 && v <= 4096;
			io->qdepth = (uint32_t)v;
			break;
		case OPT_OUTSTANDING:
			good = good && v >= 1 && v <= MAX_SLOTS;
			io->outstanding_max = (uint32_t)v;
			break;
		case OPT_MAX_XFER:
			/* one PRP list page at most */
			good = good && v >= 512 && v <= PAGE_SZ * (PAGE_SZ / 8);
			io->max_xfer = (uint32_t)v;
			break;
		case OPT_SEED:
			good = good && v <= UINT32_MAX;
			io->seed = (uint32_t)v;
			break;
		case OPT_START_LBA:
			io->start_lba = v;
			break;
		case OPT_LBAS:
			good = good && v >= 1 && v <= (1u << 26);
			io->nlbas = v;
			break;
		case OPT_NSID:
			good = good && v >= 1 && v <= UINT32_MAX;
			io->nsid = (uint32_t)v;
			break;
		case OPT_IOVA:
			good = good && !(v % PAGE_SZ);
			io->iova = v;
			break;
		case OPT_TIMEOUT:
			good = good && v >= 1 && v <= UINT32_MAX;
			io->timeout_ms = (uint32_t)v;
			break;
		case OPT_CORRUPT:
			good = good && v <= INT64_MAX;
			io->corrupt_lba = (int64_t)v;
			break;
		default:
			good = false;
			break;
		}
		if (!good) {
			fprintf(stderr, PROG ": invalid value '%s'\n", a);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	if (io->outstanding_max > io->qdepth - 1) {
		fprintf(stderr, PROG ": --outstanding must be below --qdepth (an SQ holds depth - 1)\n");
		return 2;
	}
	if (io->control_path) {
		/* read-write, so that no writer closing makes it end of file */
		io->control_fd = open(io->control_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (io->control_fd < 0) {
			fprintf(stderr, PROG ": %s: %s\n", io->control_path, strerror(errno));
			return 1;
		}
	}
	io->rng = blk_mix64(io->seed) | 1;
	io->dma_len = dma_slots(io) + io->outstanding_max * slot_size(io);
	if (vfio_setup(io, argv[optind]) || nvme_init_fresh(io))
		goto out;
	io->last_gen = calloc(io->nlbas, sizeof(*io->last_gen));
	io->lba_busy = calloc(io->nlbas, 1);
	for (i = 0; i < io->outstanding_max; i++)
		io->slots[i].expect = calloc(io->max_xfer / io->lba_size,
					     sizeof(*io->slots[i].expect));
	if (!io->last_gen || !io->lba_busy) {
		msg("out of memory");
		goto out;
	}
	for (i = 0; i < io->outstanding_max; i++)
		if (!io->slots[i].expect) {
			msg("out of memory");
			goto out;
		}
	slots_init(io);
	if (io->corrupt_lba >= 0) {
		rc = corrupt(io) ? 1 : 0;
		goto out;
	}
	write_status(io, "running");
	if (run(io))
		msg("I/O failed: no final read-back");
	else if (full_verify(io))
		msg("the final read-back failed");
	msg("%s: writes %" PRIu64 " reads %" PRIu64 " blocks_checked %" PRIu64 " verify_blocks %" PRIu64 " lbas_written %" PRIu64 " mismatches %" PRIu64 " errors %" PRIu64 " switches %" PRIu64 ": %s",
	    io->cur->bdf, io->writes, io->reads, io->blocks_checked, io->verify_blocks,
	    lbas_written(io), io->mismatches, io->errors, io->switches,
	    io->mismatches || io->errors ? "FAIL" : "PASS");
	rc = io->mismatches || io->errors ? 1 : 0;
out:
	io->exit_code = rc;
	write_status(io, "exited");
	return rc;
}
