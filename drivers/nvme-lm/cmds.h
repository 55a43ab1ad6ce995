/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nvme-lm: encoding of the admin commands a migration controller sends and
 * decoding of the data structures it receives, as pure functions.
 *
 * Nothing here touches a device, allocates or sleeps, so the same file is
 * built into nvme-lm.ko and into a user-space test that checks every
 * encoding and decoding against byte images written from the NVM Express
 * Base Specification 2.1 (with TP4159, live migration) and libnvme's
 * nvme_lm_* definitions.
 *
 * Copyright (c) 2026 The lm authors
 */
#ifndef __NVME_LM_CMDS_H
#define __NVME_LM_CMDS_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/stddef.h>
#include <linux/types.h>

/* Admin command opcodes (Base 2.1, Figure 84). */
enum nvme_lm_opcode {
	NVME_LM_OPC_IDENTIFY = 0x06,
	NVME_LM_OPC_SET_FEATURES = 0x09,
	NVME_LM_OPC_VIRT_MGMT = 0x1c,
	NVME_LM_OPC_TRACK_SEND = 0x3d,
	NVME_LM_OPC_MIGRATION_SEND = 0x41,
	NVME_LM_OPC_MIGRATION_RECV = 0x42,
	NVME_LM_OPC_CTRL_DATA_QUEUE = 0x45,
};

/* Identify CNS values. */
enum nvme_lm_cns {
	NVME_LM_CNS_CTRL = 0x01,
	NVME_LM_CNS_PRI_CTRL_CAP = 0x14,
	NVME_LM_CNS_SEC_CTRL_LIST = 0x15,
	NVME_LM_CNS_CTRL_STATE_FMTS = 0x20,
};

#define NVME_LM_IDENTIFY_SIZE 4096
#define NVME_LM_SEC_LIST_MAX 127

/* Virtualization Management actions (CDW10 ACT) and resource types (RT). */
enum nvme_lm_virt_act {
	NVME_LM_VIRT_PRI_FLEX_ALLOC = 0x1,
	NVME_LM_VIRT_SEC_OFFLINE = 0x7,
	NVME_LM_VIRT_SEC_ASSIGN = 0x8,
	NVME_LM_VIRT_SEC_ONLINE = 0x9,
};

enum nvme_lm_virt_rt {
	NVME_LM_RT_VQ = 0,
	NVME_LM_RT_VI = 1,
};

/* Migration Send SEL, and STYPE of Suspend. */
enum nvme_lm_msend_sel {
	NVME_LM_MSEND_SUSPEND = 0,
	NVME_LM_MSEND_RESUME = 1,
	NVME_LM_MSEND_SET_STATE = 2,
};

enum nvme_lm_stype {
	NVME_LM_STYPE_NOTIFY = 0,
	NVME_LM_STYPE_SUSPEND = 1,
};

/* Sequence Indicator of Set Controller State (MOS bits 1:0). */
enum nvme_lm_seqind {
	NVME_LM_SEQIND_MIDDLE = 0,
	NVME_LM_SEQIND_FIRST = 1,
	NVME_LM_SEQIND_LAST = 2,
	NVME_LM_SEQIND_ENTIRE = 3,
};

/* Migration Receive SEL. */
#define NVME_LM_MRECV_GET_STATE 0
/* Migration Receive (Get Controller State) CQE dword 0: controller suspended */
#define NVME_LM_MRECV_CSUP 0x1

/* Controller Data Queue SEL, and the queue type of Create (MOS.QT). */
enum nvme_lm_cdq_sel {
	NVME_LM_CDQ_CREATE = 0,
	NVME_LM_CDQ_DELETE = 1,
};

#define NVME_LM_CDQ_QT_UDMQ 0

/* Track Send SEL and the Logging Action (MOS.LACT) of user data changes. */
#define NVME_LM_TRACK_SEL_LOG_UDC 0
enum nvme_lm_lact {
	NVME_LM_LACT_STOP = 0,
	NVME_LM_LACT_START = 1,
};

/* The Controller Data Queue feature. */
#define NVME_LM_FID_CTRL_DATA_QUEUE 0x21

/* Identify Controller OACS bits this driver needs. */
#define NVME_LM_OACS_VIRT_MGMT BIT(7)
#define NVME_LM_OACS_HMLMS BIT(11)

/* Identify Controller TRATTR bits. */
#define NVME_LM_TRATTR_THMCS BIT(0)
#define NVME_LM_TRATTR_TUDCS BIT(1)
#define NVME_LM_TRATTR_MRTLL BIT(2)

/**
 * struct nvme_lm_sqe - A submission queue entry (the Common Command Format)
 * @opcode: Opcode
 * @flags: FUSE and PSDT; 0 here (PRPs, not fused)
 * @cid: Command identifier
 * @nsid: Namespace identifier
 * @cdw2: Command dword 2
 * @cdw3: Command dword 3
 * @mptr: Metadata pointer
 * @prp1: PRP entry 1
 * @prp2: PRP entry 2
 * @cdw10: Command dword 10
 * @cdw11: Command dword 11
 * @cdw12: Command dword 12
 * @cdw13: Command dword 13
 * @cdw14: Command dword 14
 * @cdw15: Command dword 15
 */
struct nvme_lm_sqe {
	u8 opcode;
	u8 flags;
	__le16 cid;
	__le32 nsid;
	__le32 cdw2;
	__le32 cdw3;
	__le64 mptr;
	__le64 prp1;
	__le64 prp2;
	__le32 cdw10;
	__le32 cdw11;
	__le32 cdw12;
	__le32 cdw13;
	__le32 cdw14;
	__le32 cdw15;
};

static_assert(sizeof(struct nvme_lm_sqe) == 64);

/**
 * struct nvme_lm_cqe - A completion queue entry
 * @dw0: Command specific
 * @dw1: Command specific
 * @sqhd: Submission queue head pointer
 * @sqid: Submission queue identifier
 * @cid: Command identifier
 * @status: Phase tag (bit 0) and status field (bits 15:1)
 */
struct nvme_lm_cqe {
	__le32 dw0;
	__le32 dw1;
	__le16 sqhd;
	__le16 sqid;
	__le16 cid;
	__le16 status;
};

static_assert(sizeof(struct nvme_lm_cqe) == 16);

/*
 * A status, as kept by this driver: the CQE status field without the phase
 * tag (SC in bits 7:0, SCT in 10:8, CRD 12:11, MORE 13, DNR 14).
 */
#define NVME_LM_SC(status) ((status) & 0xff)
#define NVME_LM_SCT(status) (((status) >> 8) & 0x7)
#define NVME_LM_DNR 0x4000
#define NVME_LM_STATUS(sct, sc) (((sct) << 8) | (sc))

/* Status values (SCT << 8 | SC) the driver tells apart. */
enum nvme_lm_status {
	NVME_LM_SC_SUCCESS = 0x000,
	NVME_LM_SC_INVALID_OPCODE = 0x001,
	NVME_LM_SC_INVALID_FIELD = 0x002,
	NVME_LM_SC_DATA_XFER_ERROR = 0x004,
	NVME_LM_SC_INTERNAL = 0x006,
	NVME_LM_SC_ABORT_REQ = 0x007,
	NVME_LM_SC_INVALID_NS = 0x00b,
	NVME_LM_SC_CMD_SEQ_ERROR = 0x00c,
	NVME_LM_SC_CTRL_ID_INVALID = 0x11f,
	NVME_LM_SC_SEC_CTRL_STATE_INVALID = 0x120,
	NVME_LM_SC_CTRL_RES_NUM_INVALID = 0x121,
	NVME_LM_SC_RES_ID_INVALID = 0x122,
	NVME_LM_SC_INVALID_CDQ = 0x137,
	NVME_LM_SC_NOT_ENOUGH_RESOURCES = 0x138,
	NVME_LM_SC_CTRL_SUSPENDED = 0x139,
	NVME_LM_SC_CTRL_NOT_SUSPENDED = 0x13a,
	NVME_LM_SC_CDQ_FULL = 0x13b,
};

int nvme_lm_status_errno(u16 status);
const char *nvme_lm_status_name(u16 status);

/* Command encoders: each clears @c and fills every field it defines. */
void nvme_lm_cmd_identify(struct nvme_lm_sqe *c, u8 cns, u16 cntid);
void nvme_lm_cmd_virt_mgmt(struct nvme_lm_sqe *c, u8 act, u8 rt, u16 cntlid,
			   u16 nr);
void nvme_lm_cmd_suspend(struct nvme_lm_sqe *c, u16 cntlid, u8 stype,
			 bool dudmq);
void nvme_lm_cmd_resume(struct nvme_lm_sqe *c, u16 cntlid);
int nvme_lm_cmd_set_state(struct nvme_lm_sqe *c, u16 cntlid, u8 csvi,
			  u8 csuuidi, u8 seqind, u64 offset, u32 len);
int nvme_lm_cmd_get_state(struct nvme_lm_sqe *c, u16 cntlid, u8 csvi,
			  u8 csuuidi, u8 csuidxp, u64 offset, u32 len);
int nvme_lm_cmd_cdq_create(struct nvme_lm_sqe *c, u16 cntlid, u32 size);
void nvme_lm_cmd_cdq_delete(struct nvme_lm_sqe *c, u16 cdqid);
void nvme_lm_cmd_track_udc(struct nvme_lm_sqe *c, u8 lact, u16 cdqid);
void nvme_lm_cmd_cdq_set_head(struct nvme_lm_sqe *c, u16 cdqid, u32 head);

/* Completion dword 0 of Controller Data Queue (Create): the new CDQID. */
static inline u16 nvme_lm_cdq_create_id(u32 dw0)
{
	return dw0 & 0xffff;
}

#define NVME_LM_PAGE_SIZE 4096U
/* The most one PRP list page describes: the first page and 512 more. */
#define NVME_LM_PRP_MAX_LEN (NVME_LM_PAGE_SIZE * (NVME_LM_PAGE_SIZE / 8 + 1))

int nvme_lm_prp_setup(struct nvme_lm_sqe *c, u64 addr, u32 len,
		      __le64 *list, u64 list_addr);

/**
 * struct nvme_lm_id_ctrl - What the driver uses of Identify Controller
 * @vid: PCI vendor ID
 * @cntlid: Controller ID of the controller that answered
 * @oacs: Optional Admin Command Support
 * @mdts: Maximum Data Transfer Size, a power of two in CAP.MPSMIN units, 0
 *	for no limit
 * @trattr: Tracking Attributes (NVME_LM_TRATTR_*)
 * @mcudmq: Maximum Controller User Data Migration Queues
 * @mnsudmq: Maximum NVM Subsystem User Data Migration Queues
 * @mcmr: Maximum CDQ Memory Ranges
 * @nmcmr: NVM Subsystem Maximum CDQ Memory Ranges
 * @mcdqpc: Maximum Controller Data Queue PRP Count
 * @sn: Serial number, NUL terminated, trailing spaces removed
 * @mn: Model number, likewise
 * @fr: Firmware revision, likewise
 */
struct nvme_lm_id_ctrl {
	u16 vid;
	u16 cntlid;
	u16 oacs;
	u8 mdts;
	u8 trattr;
	u16 mcudmq;
	u16 mnsudmq;
	u16 mcmr;
	u16 nmcmr;
	u16 mcdqpc;
	char sn[21];
	char mn[41];
	char fr[9];
};

int nvme_lm_parse_id_ctrl(const void *buf, size_t len,
			  struct nvme_lm_id_ctrl *id);

/**
 * struct nvme_lm_pri_caps - Primary Controller Capabilities (CNS 14h)
 * @cntlid: Controller identifier of the primary controller
 * @portid: Port identifier
 * @crt: Controller Resource Types supported (bit 0 VQ, bit 1 VI)
 * @vqfrt: VQ Flexible Resources Total
 * @vqrfa: VQ Resources Flexible Assigned (to secondary controllers)
 * @vqrfap: VQ Resources Flexible Allocated to Primary
 * @vqprt: VQ Private Resources Total
 * @vqfrsm: VQ Flexible Resources Secondary Maximum
 * @vqgran: VQ Flexible Resource Preferred Granularity
 * @vifrt: VI Flexible Resources Total
 * @virfa: VI Resources Flexible Assigned
 * @virfap: VI Resources Flexible Allocated to Primary
 * @viprt: VI Private Resources Total
 * @vifrsm: VI Flexible Resources Secondary Maximum
 * @vigran: VI Flexible Resource Preferred Granularity
 */
struct nvme_lm_pri_caps {
	u16 cntlid;
	u16 portid;
	u8 crt;
	u32 vqfrt;
	u32 vqrfa;
	u16 vqrfap;
	u16 vqprt;
	u16 vqfrsm;
	u16 vqgran;
	u32 vifrt;
	u32 virfa;
	u16 virfap;
	u16 viprt;
	u16 vifrsm;
	u16 vigran;
};

#define NVME_LM_CRT_VQ 0x1
#define NVME_LM_CRT_VI 0x2

int nvme_lm_parse_pri_caps(const void *buf, size_t len,
			   struct nvme_lm_pri_caps *caps);

/**
 * struct nvme_lm_sec_ctrl - One Secondary Controller Entry (CNS 15h)
 * @scid: Secondary Controller Identifier
 * @pcid: Primary Controller Identifier
 * @online: Secondary Controller State bit 0: online
 * @vfn: Virtual Function Number, 0 when not a VF
 * @nvq: Number of VQ flexible resources assigned
 * @nvi: Number of VI flexible resources assigned
 */
struct nvme_lm_sec_ctrl {
	u16 scid;
	u16 pcid;
	bool online;
	u16 vfn;
	u16 nvq;
	u16 nvi;
};

int nvme_lm_parse_sec_list(const void *buf, size_t len,
			   struct nvme_lm_sec_ctrl *list, unsigned int max);

#define NVME_LM_STATE_FMTS_MAX_VERSIONS 255
#define NVME_LM_STATE_FMTS_MAX_UUIDS 255

/**
 * struct nvme_lm_state_fmts - Supported Controller State Formats (CNS 20h)
 * @nv: Number of NVMe controller state versions in @versions
 * @nuuid: Number of vendor specific formats in @uuids
 * @versions: The versions, in the controller's order: CSVI indexes them
 * @uuids: The vendor specific formats' UUIDs: CSUUIDI indexes them
 */
struct nvme_lm_state_fmts {
	u8 nv;
	u8 nuuid;
	u16 versions[NVME_LM_STATE_FMTS_MAX_VERSIONS];
	u8 uuids[NVME_LM_STATE_FMTS_MAX_UUIDS][16];
};

int nvme_lm_parse_state_fmts(const void *buf, size_t len,
			     struct nvme_lm_state_fmts *fmts);
int nvme_lm_state_fmts_find(const struct nvme_lm_state_fmts *fmts, u16 ver);

/* Sizes of the controller state data structures. */
#define NVME_LM_CS_HDR_SIZE 48
#define NVME_LM_NVMECS_HDR_SIZE 8
#define NVME_LM_CS_QUEUE_SIZE 24

/* Controller State Attributes (CSATTR) bit 0: the controller is suspended */
#define NVME_LM_CSATTR_SUSPENDED 0x1

/* I/O Submission Queue Attributes (IOSQA) and Completion (IOCQA). */
#define NVME_LM_IOSQA_PC 0x1
#define NVME_LM_IOSQA_PRIO(a) (((a) >> 1) & 0x3)
#define NVME_LM_IOCQA_PC 0x1
#define NVME_LM_IOCQA_IEN 0x2
#define NVME_LM_IOCQA_S0PT 0x4
#define NVME_LM_IOCQA_IV(a) (((a) >> 16) & 0xffff)

/**
 * struct nvme_lm_cs_sq - An I/O Submission Queue of the controller state
 * @prp1: IOSQPRP1
 * @qsize: IOSQQSIZE (0's based)
 * @qid: IOSQQID
 * @cqid: IOSQCQID
 * @attr: IOSQA
 * @head: IOSQHP
 * @tail: IOSQTP
 */
struct nvme_lm_cs_sq {
	u64 prp1;
	u16 qsize;
	u16 qid;
	u16 cqid;
	u16 attr;
	u16 head;
	u16 tail;
};

/**
 * struct nvme_lm_cs_cq - An I/O Completion Queue of the controller state
 * @prp1: IOCQPRP1
 * @qsize: IOCQQSIZE (0's based)
 * @qid: IOCQQID
 * @head: IOCQHP
 * @tail: IOCQTP
 * @attr: IOCQA
 */
struct nvme_lm_cs_cq {
	u64 prp1;
	u16 qsize;
	u16 qid;
	u16 head;
	u16 tail;
	u32 attr;
};

/**
 * struct nvme_lm_cs_info - What a controller state data structure holds
 * @ver: Version of the Controller State data structure (header VER)
 * @csattr: Controller State Attributes
 * @nvmecs_bytes: Size of the NVMe controller state, bytes
 * @vs_bytes: Size of the vendor specific state, bytes
 * @total_bytes: Size of the whole structure, header included
 * @nvmecs_ver: Version of the NVMe Controller State data structure
 * @niosq: Number of I/O Submission Queues
 * @niocq: Number of I/O Completion Queues
 */
struct nvme_lm_cs_info {
	u16 ver;
	u8 csattr;
	u64 nvmecs_bytes;
	u64 vs_bytes;
	u64 total_bytes;
	u16 nvmecs_ver;
	u16 niosq;
	u16 niocq;
};

int nvme_lm_parse_cs_header(const void *buf, size_t len,
			    struct nvme_lm_cs_info *info);
int nvme_lm_parse_cs(const void *buf, size_t len, unsigned int max_queues,
		     struct nvme_lm_cs_info *info);
void nvme_lm_cs_sq(const void *buf, unsigned int i, struct nvme_lm_cs_sq *sq);
void nvme_lm_cs_cq(const void *buf, const struct nvme_lm_cs_info *info,
		   unsigned int i, struct nvme_lm_cs_cq *cq);

/* A User Data Migration Queue entry (LBA Migration Queue Entry Type 0). */
#define NVME_LM_UDMQ_ENTRY_SIZE 32

/* LBA Change Information Attribute (LBACIR) of an entry. */
enum nvme_lm_lbacir {
	NVME_LM_LBACIR_RANGE = 0,
	NVME_LM_LBACIR_ALL = 1,
	NVME_LM_LBACIR_NONE = 2,
};

/**
 * struct nvme_lm_udc - One logged user data change
 * @nsid: Namespace
 * @nlb: Number of Logical Blocks field, as the controller wrote it
 * @slba: Starting LBA
 * @esa: Entry Sequence Attribute
 * @dlba: The LBAs were deallocated
 * @lbacir: &enum nvme_lm_lbacir
 */
struct nvme_lm_udc {
	u32 nsid;
	u32 nlb;
	u64 slba;
	u8 esa;
	bool dlba;
	u8 lbacir;
};

int nvme_lm_udmq_entry(const void *entry, bool phase, struct nvme_lm_udc *udc);

/**
 * struct nvme_lm_ring - The host's view of a controller data queue
 * @entries: Number of entries
 * @head: Next entry to consume
 * @phase: Phase tag that entries the controller has written carry now
 */
struct nvme_lm_ring {
	u32 entries;
	u32 head;
	bool phase;
};

int nvme_lm_udmq_pop(struct nvme_lm_ring *ring, const void *mem,
		     struct nvme_lm_udc *udc);
u32 nvme_lm_udmq_pending(const struct nvme_lm_ring *ring, const void *mem,
			 u32 max);

/*
 * The payload nvme-lm puts in the lm stream: chunks, each a header
 * (NVME_LM_CHUNK_HDR_SIZE bytes: type, length, offset, total, little
 * endian) and that many bytes. See "Payload format" in mig.c.
 */
enum nvme_lm_chunk_type {
	NVME_LM_CHUNK_DESC = 1,
	NVME_LM_CHUNK_STATE = 2,
	NVME_LM_CHUNK_UDC = 3,
};

#define NVME_LM_PAYLOAD_VERSION 1
#define NVME_LM_CHUNK_HDR_SIZE 24
#define NVME_LM_DESC_SIZE 8
#define NVME_LM_DESC_CHUNK (NVME_LM_CHUNK_HDR_SIZE + NVME_LM_DESC_SIZE)
#define NVME_LM_UDC_WIRE_SIZE 24

/**
 * struct nvme_lm_chunk - A chunk of payload, decoded
 * @type: &enum nvme_lm_chunk_type
 * @len: Bytes at @data
 * @offset: STATE: offset of the piece in the controller state; UDC: index
 *	of the first change in the session; DESC: 0
 * @total: STATE: size of the whole controller state; otherwise 0
 * @data: The chunk's bytes, inside the buffer it was decoded from
 */
struct nvme_lm_chunk {
	u32 type;
	u32 len;
	u64 offset;
	u64 total;
	const u8 *data;
};

void nvme_lm_put_chunk_hdr(void *buf, u32 type, u32 len, u64 offset,
			   u64 total);
void nvme_lm_put_desc(void *buf, u16 cs_ver);
void nvme_lm_put_udc(void *buf, const struct nvme_lm_udc *udc);
int nvme_lm_chunk_next(const void *buf, size_t len, struct nvme_lm_chunk *c);

/**
 * struct nvme_lm_rx - What a restore has received so far
 * @desc: The description
 * @udc: User data changes
 * @state_total: Size of the controller state the stream announced, 0
 *	before its first piece
 * @state_len: Bytes of it received, in order
 */
struct nvme_lm_rx {
	bool desc;
	u64 udc;
	u64 state_total;
	u64 state_len;
};

int nvme_lm_rx_chunk(struct nvme_lm_rx *rx, const struct nvme_lm_chunk *c,
		     u16 cs_ver, u64 max_state);

static inline bool nvme_lm_rx_complete(const struct nvme_lm_rx *rx)
{
	return rx->desc && rx->state_total && rx->state_len == rx->state_total;
}

#endif /* __NVME_LM_CMDS_H */
