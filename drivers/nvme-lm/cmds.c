// SPDX-License-Identifier: GPL-2.0
/*
 * nvme-lm: encoding of the admin commands and decoding of the data
 * structures of virtualization management and live migration.
 *
 * Field positions follow the NVM Express Base Specification 2.1 and were
 * cross-checked against libnvme's definitions (enum nvme_lm_cdq_fields,
 * nvme_lm_track_send_fields, nvme_lm_migration_send_fields,
 * nvme_lm_migration_recv_fields, nvme_lm_queue_attributes, struct
 * nvme_lm_controller_state_data_header, nvme_lm_nvme_controller_state_data,
 * nvme_lm_io_submission_queue_data, nvme_lm_io_completion_queue_data,
 * nvme_primary_ctrl_cap, nvme_secondary_ctrl and nvme_id_ctrl), including the
 * one asymmetry libnvme encodes: NUMD of Migration Send counts dwords, NUMD
 * of Migration Receive is 0's based.
 *
 * Every decoder checks the length it is given and every count it reads
 * before it uses them: the data comes from a device, or from a migration
 * stream that came from another machine.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <linux/math.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include <linux/wordpart.h>
#include <asm/byteorder.h>

#include "cmds.h"

static u16 rd16(const u8 *p, size_t off)
{
	return p[off] | (u16)p[off + 1] << 8;
}

static u32 rd32(const u8 *p, size_t off)
{
	return rd16(p, off) | (u32)rd16(p, off + 2) << 16;
}

static u64 rd64(const u8 *p, size_t off)
{
	return rd32(p, off) | (u64)rd32(p, off + 4) << 32;
}

static void wr16(u8 *p, size_t off, u16 v)
{
	p[off] = v;
	p[off + 1] = v >> 8;
}

static void wr32(u8 *p, size_t off, u32 v)
{
	wr16(p, off, v);
	wr16(p, off + 2, v >> 16);
}

static void wr64(u8 *p, size_t off, u64 v)
{
	wr32(p, off, v);
	wr32(p, off + 4, v >> 32);
}

/*
 * Read a 128-bit little-endian count; -EOVERFLOW when it does not fit in 64
 * bits, which no structure this driver can hold reaches.
 */
static int rd128(const u8 *p, size_t off, u64 *val)
{
	if (rd64(p, off + 8))
		return -EOVERFLOW;
	*val = rd64(p, off);
	return 0;
}

/* A fixed-width ASCII field: copied NUL terminated, trailing spaces gone. */
static void rdstr(char *dst, const u8 *p, size_t off, size_t width)
{
	size_t n = width;

	memcpy(dst, p + off, width);
	while (n && (dst[n - 1] == ' ' || dst[n - 1] == '\0'))
		n--;
	dst[n] = '\0';
}

/**
 * nvme_lm_status_errno - The errno a failed command's status stands for
 * @status: Status field without the phase tag (SCT << 8 | SC, flags above)
 *
 * Return: 0 for success, else a negative errno: -EOPNOTSUPP for a command
 * the controller does not implement, -EINVAL for a field it refused, -EBUSY
 * for a secondary controller in the wrong state, -ENOSPC for resources
 * the pool cannot give, -ENXIO for an unknown controller, -EIO otherwise.
 */
int nvme_lm_status_errno(u16 status)
{
	switch (status & 0x7ff) {
	case NVME_LM_SC_SUCCESS:
		return 0;
	case NVME_LM_SC_INVALID_OPCODE:
		return -EOPNOTSUPP;
	case NVME_LM_SC_INVALID_FIELD:
	case NVME_LM_SC_INVALID_NS:
	case NVME_LM_SC_CTRL_RES_NUM_INVALID:
	case NVME_LM_SC_INVALID_CDQ:
		return -EINVAL;
	case NVME_LM_SC_CTRL_ID_INVALID:
		return -ENXIO;
	case NVME_LM_SC_SEC_CTRL_STATE_INVALID:
	case NVME_LM_SC_CMD_SEQ_ERROR:
	case NVME_LM_SC_CTRL_SUSPENDED:
	case NVME_LM_SC_CTRL_NOT_SUSPENDED:
		return -EBUSY;
	case NVME_LM_SC_RES_ID_INVALID:
	case NVME_LM_SC_NOT_ENOUGH_RESOURCES:
	case NVME_LM_SC_CDQ_FULL:
		return -ENOSPC;
	default:
		return -EIO;
	}
}

/**
 * nvme_lm_status_name - The specification's name of a status
 * @status: Status field without the phase tag
 *
 * Return: a constant string; "Unknown Status" for values not listed here.
 */
const char *nvme_lm_status_name(u16 status)
{
	switch (status & 0x7ff) {
	case NVME_LM_SC_SUCCESS:
		return "Successful Completion";
	case NVME_LM_SC_INVALID_OPCODE:
		return "Invalid Command Opcode";
	case NVME_LM_SC_INVALID_FIELD:
		return "Invalid Field in Command";
	case NVME_LM_SC_DATA_XFER_ERROR:
		return "Data Transfer Error";
	case NVME_LM_SC_INTERNAL:
		return "Internal Error";
	case NVME_LM_SC_ABORT_REQ:
		return "Command Abort Requested";
	case NVME_LM_SC_INVALID_NS:
		return "Invalid Namespace or Format";
	case NVME_LM_SC_CMD_SEQ_ERROR:
		return "Command Sequence Error";
	case NVME_LM_SC_CTRL_ID_INVALID:
		return "Invalid Controller Identifier";
	case NVME_LM_SC_SEC_CTRL_STATE_INVALID:
		return "Invalid Secondary Controller State";
	case NVME_LM_SC_CTRL_RES_NUM_INVALID:
		return "Invalid Number of Controller Resources";
	case NVME_LM_SC_RES_ID_INVALID:
		return "Invalid Resource Identifier";
	case NVME_LM_SC_INVALID_CDQ:
		return "Invalid Controller Data Queue";
	case NVME_LM_SC_NOT_ENOUGH_RESOURCES:
		return "Not Enough Resources";
	case NVME_LM_SC_CTRL_SUSPENDED:
		return "Controller Suspended";
	case NVME_LM_SC_CTRL_NOT_SUSPENDED:
		return "Controller Not Suspended";
	case NVME_LM_SC_CDQ_FULL:
		return "Controller Data Queue Full";
	default:
		return "Unknown Status";
	}
}

static void nvme_lm_cmd_init(struct nvme_lm_sqe *c, u8 opcode)
{
	memset(c, 0, sizeof(*c));
	c->opcode = opcode;
}

/**
 * nvme_lm_cmd_identify - Identify, without a namespace
 * @c: The entry to fill
 * @cns: Controller or Namespace Structure (CDW10 bits 7:0)
 * @cntid: Controller Identifier (CDW10 bits 31:16): where a controller list
 *	starts
 *
 * The data buffer (4096 bytes) is the caller's to set up.
 */
void nvme_lm_cmd_identify(struct nvme_lm_sqe *c, u8 cns, u16 cntid)
{
	nvme_lm_cmd_init(c, NVME_LM_OPC_IDENTIFY);
	c->cdw10 = cpu_to_le32(cns | (u32)cntid << 16);
}

/**
 * nvme_lm_cmd_virt_mgmt - Virtualization Management
 * @c: The entry to fill
 * @act: Action (CDW10 bits 3:0), &enum nvme_lm_virt_act
 * @rt: Resource Type (CDW10 bits 10:8), &enum nvme_lm_virt_rt
 * @cntlid: Controller Identifier (CDW10 bits 31:16)
 * @nr: Number of Controller Resources (CDW11 bits 15:0)
 */
void nvme_lm_cmd_virt_mgmt(struct nvme_lm_sqe *c, u8 act, u8 rt, u16 cntlid,
			   u16 nr)
{
	nvme_lm_cmd_init(c, NVME_LM_OPC_VIRT_MGMT);
	c->cdw10 = cpu_to_le32((act & 0xf) | (u32)(rt & 0x7) << 8 |
			       (u32)cntlid << 16);
	c->cdw11 = cpu_to_le32(nr);
}

/**
 * nvme_lm_cmd_suspend - Migration Send, Suspend
 * @c: The entry to fill
 * @cntlid: Controller to suspend (CDW11 bits 15:0)
 * @stype: Suspend Type (CDW11 bits 23:16), &enum nvme_lm_stype
 * @dudmq: Delete the controller's User Data Migration Queue (CDW11 bit 31)
 */
void nvme_lm_cmd_suspend(struct nvme_lm_sqe *c, u16 cntlid, u8 stype,
			 bool dudmq)
{
	nvme_lm_cmd_init(c, NVME_LM_OPC_MIGRATION_SEND);
	c->cdw10 = cpu_to_le32(NVME_LM_MSEND_SUSPEND);
	c->cdw11 = cpu_to_le32(cntlid | (u32)stype << 16 |
			       (dudmq ? 1U << 31 : 0));
}

/**
 * nvme_lm_cmd_resume - Migration Send, Resume
 * @c: The entry to fill
 * @cntlid: Controller to resume (CDW11 bits 15:0)
 */
void nvme_lm_cmd_resume(struct nvme_lm_sqe *c, u16 cntlid)
{
	nvme_lm_cmd_init(c, NVME_LM_OPC_MIGRATION_SEND);
	c->cdw10 = cpu_to_le32(NVME_LM_MSEND_RESUME);
	c->cdw11 = cpu_to_le32(cntlid);
}

/**
 * nvme_lm_cmd_set_state - Migration Send, Set Controller State
 * @c: The entry to fill
 * @cntlid: Controller whose state is set (CDW11 bits 15:0)
 * @csvi: Controller State Version Index (CDW11 bits 23:16)
 * @csuuidi: Controller State UUID Index (CDW11 bits 31:24)
 * @seqind: Sequence Indicator (CDW10 bits 17:16), &enum nvme_lm_seqind
 * @offset: Byte offset of this piece in the state (CDW12, CDW13)
 * @len: Bytes in this piece: NUMD (CDW15) is @len / 4, not 0's based
 *
 * Return: 0, or -EINVAL for a length that is 0 or not whole dwords, or a
 * sequence indicator out of range.
 */
int nvme_lm_cmd_set_state(struct nvme_lm_sqe *c, u16 cntlid, u8 csvi,
			  u8 csuuidi, u8 seqind, u64 offset, u32 len)
{
	if (!len || len % 4 || seqind > NVME_LM_SEQIND_ENTIRE)
		return -EINVAL;
	nvme_lm_cmd_init(c, NVME_LM_OPC_MIGRATION_SEND);
	c->cdw10 = cpu_to_le32(NVME_LM_MSEND_SET_STATE | (u32)seqind << 16);
	c->cdw11 = cpu_to_le32(cntlid | (u32)csvi << 16 | (u32)csuuidi << 24);
	c->cdw12 = cpu_to_le32(lower_32_bits(offset));
	c->cdw13 = cpu_to_le32(upper_32_bits(offset));
	c->cdw15 = cpu_to_le32(len / 4);
	return 0;
}

/**
 * nvme_lm_cmd_get_state - Migration Receive, Get Controller State
 * @c: The entry to fill
 * @cntlid: Controller whose state is read (CDW11 bits 15:0)
 * @csvi: Controller State Version Index (CDW10 bits 23:16, MOS bits 7:0)
 * @csuuidi: Controller State UUID Index (CDW11 bits 23:16)
 * @csuidxp: Controller State UUID Index Parameter (CDW11 bits 31:24)
 * @offset: Byte offset into the state (CDW12, CDW13)
 * @len: Bytes to transfer: NUMD (CDW15) is @len / 4 - 1, 0's based
 *
 * Return: 0, or -EINVAL for a length that is 0 or not whole dwords.
 */
int nvme_lm_cmd_get_state(struct nvme_lm_sqe *c, u16 cntlid, u8 csvi,
			  u8 csuuidi, u8 csuidxp, u64 offset, u32 len)
{
	if (!len || len % 4)
		return -EINVAL;
	nvme_lm_cmd_init(c, NVME_LM_OPC_MIGRATION_RECV);
	c->cdw10 = cpu_to_le32(NVME_LM_MRECV_GET_STATE | (u32)csvi << 16);
	c->cdw11 = cpu_to_le32(cntlid | (u32)csuuidi << 16 |
			       (u32)csuidxp << 24);
	c->cdw12 = cpu_to_le32(lower_32_bits(offset));
	c->cdw13 = cpu_to_le32(upper_32_bits(offset));
	c->cdw15 = cpu_to_le32(len / 4 - 1);
	return 0;
}

/**
 * nvme_lm_cmd_cdq_create - Controller Data Queue, Create, as a User Data
 *	Migration Queue in physically contiguous memory
 * @c: The entry to fill; PRP1 is the caller's to set
 * @cntlid: Controller whose user data changes the queue logs (CQS, CDW11
 *	bits 31:16)
 * @size: Size of the queue in dwords (CDQSIZE, CDW12)
 *
 * Return: 0, or -EINVAL for a size of 0.
 */
int nvme_lm_cmd_cdq_create(struct nvme_lm_sqe *c, u16 cntlid, u32 size)
{
	if (!size)
		return -EINVAL;
	nvme_lm_cmd_init(c, NVME_LM_OPC_CTRL_DATA_QUEUE);
	c->cdw10 = cpu_to_le32(NVME_LM_CDQ_CREATE |
			       (u32)NVME_LM_CDQ_QT_UDMQ << 16);
	/* PC (bit 0): the queue memory is physically contiguous. */
	c->cdw11 = cpu_to_le32(1 | (u32)cntlid << 16);
	c->cdw12 = cpu_to_le32(size);
	return 0;
}

/**
 * nvme_lm_cmd_cdq_delete - Controller Data Queue, Delete
 * @c: The entry to fill
 * @cdqid: The queue (CDW11 bits 15:0)
 */
void nvme_lm_cmd_cdq_delete(struct nvme_lm_sqe *c, u16 cdqid)
{
	nvme_lm_cmd_init(c, NVME_LM_OPC_CTRL_DATA_QUEUE);
	c->cdw10 = cpu_to_le32(NVME_LM_CDQ_DELETE);
	c->cdw11 = cpu_to_le32(cdqid);
}

/**
 * nvme_lm_cmd_track_udc - Track Send, Log User Data Changes
 * @c: The entry to fill
 * @lact: Logging Action (MOS bits 3:0, CDW10 bits 19:16), &enum
 *	nvme_lm_lact
 * @cdqid: The User Data Migration Queue (CDW11 bits 15:0)
 */
void nvme_lm_cmd_track_udc(struct nvme_lm_sqe *c, u8 lact, u16 cdqid)
{
	nvme_lm_cmd_init(c, NVME_LM_OPC_TRACK_SEND);
	c->cdw10 = cpu_to_le32(NVME_LM_TRACK_SEL_LOG_UDC |
			       (u32)(lact & 0xf) << 16);
	c->cdw11 = cpu_to_le32(cdqid);
}

/**
 * nvme_lm_cmd_cdq_set_head - Set Features, Controller Data Queue: report
 *	the entries consumed
 * @c: The entry to fill
 * @cdqid: The queue (CDW11 bits 15:0); the Tail Pointer Trigger (ETPT, bit
 *	31) stays disabled
 * @head: New Head Pointer, an entry index (CDW12)
 */
void nvme_lm_cmd_cdq_set_head(struct nvme_lm_sqe *c, u16 cdqid, u32 head)
{
	nvme_lm_cmd_init(c, NVME_LM_OPC_SET_FEATURES);
	c->cdw10 = cpu_to_le32(NVME_LM_FID_CTRL_DATA_QUEUE);
	c->cdw11 = cpu_to_le32(cdqid);
	c->cdw12 = cpu_to_le32(head);
}

/**
 * nvme_lm_prp_setup - Point a command at a physically contiguous buffer
 * @c: The command
 * @addr: Bus address of the buffer
 * @len: Its length in bytes, non-zero
 * @list: A PRP list page the caller owns, used when the buffer spans more
 *	than two memory pages; may be NULL when it cannot
 * @list_addr: Bus address of @list, page aligned
 *
 * Memory pages are NVME_LM_PAGE_SIZE (CC.MPS 0).
 *
 * Return: the number of PRP list entries written, or -EINVAL when @len is
 * 0, the buffer needs a list and there is none, or more than one list page.
 */
int nvme_lm_prp_setup(struct nvme_lm_sqe *c, u64 addr, u32 len,
		      __le64 *list, u64 list_addr)
{
	u32 first = NVME_LM_PAGE_SIZE - (addr & (NVME_LM_PAGE_SIZE - 1));
	u32 rest, n, i;

	if (!len)
		return -EINVAL;
	c->prp1 = cpu_to_le64(addr);
	c->prp2 = 0;
	if (len <= first)
		return 0;
	rest = len - first;
	if (rest <= NVME_LM_PAGE_SIZE) {
		c->prp2 = cpu_to_le64(addr + first);
		return 0;
	}
	n = DIV_ROUND_UP(rest, NVME_LM_PAGE_SIZE);
	if (!list || list_addr & (NVME_LM_PAGE_SIZE - 1) ||
	    n > NVME_LM_PAGE_SIZE / sizeof(*list))
		return -EINVAL;
	for (i = 0; i < n; i++)
		list[i] = cpu_to_le64(addr + first + (u64)i * NVME_LM_PAGE_SIZE);
	c->prp2 = cpu_to_le64(list_addr);
	return n;
}

/**
 * nvme_lm_parse_id_ctrl - Decode what the driver uses of Identify Controller
 * @buf: The 4096 bytes the controller returned
 * @len: Bytes in @buf
 * @id: Filled in
 *
 * Return: 0, or -EINVAL when @len is short of a whole structure.
 */
int nvme_lm_parse_id_ctrl(const void *buf, size_t len,
			  struct nvme_lm_id_ctrl *id)
{
	const u8 *p = buf;

	if (len < NVME_LM_IDENTIFY_SIZE)
		return -EINVAL;
	memset(id, 0, sizeof(*id));
	id->vid = rd16(p, 0);
	rdstr(id->sn, p, 4, 20);
	rdstr(id->mn, p, 24, 40);
	rdstr(id->fr, p, 64, 8);
	id->mdts = p[77];
	id->cntlid = rd16(p, 78);
	id->oacs = rd16(p, 256);
	id->trattr = p[576];
	id->mcudmq = rd16(p, 578);
	id->mnsudmq = rd16(p, 580);
	id->mcmr = rd16(p, 582);
	id->nmcmr = rd16(p, 584);
	id->mcdqpc = rd16(p, 586);
	return 0;
}

/**
 * nvme_lm_parse_pri_caps - Decode Primary Controller Capabilities
 * @buf: The 4096 bytes of CNS 14h
 * @len: Bytes in @buf
 * @caps: Filled in
 *
 * Return: 0, or -EINVAL when @len is short of a whole structure.
 */
int nvme_lm_parse_pri_caps(const void *buf, size_t len,
			   struct nvme_lm_pri_caps *caps)
{
	const u8 *p = buf;

	if (len < NVME_LM_IDENTIFY_SIZE)
		return -EINVAL;
	*caps = (struct nvme_lm_pri_caps){
		.cntlid = rd16(p, 0),
		.portid = rd16(p, 2),
		.crt = p[4],
		.vqfrt = rd32(p, 32),
		.vqrfa = rd32(p, 36),
		.vqrfap = rd16(p, 40),
		.vqprt = rd16(p, 42),
		.vqfrsm = rd16(p, 44),
		.vqgran = rd16(p, 46),
		.vifrt = rd32(p, 64),
		.virfa = rd32(p, 68),
		.virfap = rd16(p, 72),
		.viprt = rd16(p, 74),
		.vifrsm = rd16(p, 76),
		.vigran = rd16(p, 78),
	};
	return 0;
}

/**
 * nvme_lm_parse_sec_list - Decode a Secondary Controller List
 * @buf: The 4096 bytes of CNS 15h
 * @len: Bytes in @buf
 * @list: Filled with up to @max entries, in the controller's order
 * @max: Room in @list
 *
 * Return: the number of entries the controller reported (which may exceed
 * @max: the rest were not decoded), -EINVAL when @len is short of a whole
 * list, -EPROTO when the count is more than a list can hold.
 */
int nvme_lm_parse_sec_list(const void *buf, size_t len,
			   struct nvme_lm_sec_ctrl *list, unsigned int max)
{
	const u8 *p = buf;
	unsigned int num, i;

	if (len < NVME_LM_IDENTIFY_SIZE)
		return -EINVAL;
	num = p[0];
	if (num > NVME_LM_SEC_LIST_MAX)
		return -EPROTO;
	for (i = 0; i < num && i < max; i++) {
		const u8 *e = p + 32 + 32 * i;

		list[i] = (struct nvme_lm_sec_ctrl){
			.scid = rd16(e, 0),
			.pcid = rd16(e, 2),
			.online = e[4] & 0x1,
			.vfn = rd16(e, 8),
			.nvq = rd16(e, 10),
			.nvi = rd16(e, 12),
		};
	}
	return num;
}

/**
 * nvme_lm_parse_state_fmts - Decode Supported Controller State Formats
 * @buf: The data of CNS 20h
 * @len: Bytes in @buf
 * @fmts: Filled in
 *
 * The structure is the Number of Versions (byte 0), the Number of UUIDs
 * (byte 1), that many 2-byte NVMe controller state versions from byte 2,
 * then that many 16-byte UUIDs of vendor specific formats.
 *
 * Return: 0, or -EPROTO when the counts run past @len.
 */
int nvme_lm_parse_state_fmts(const void *buf, size_t len,
			     struct nvme_lm_state_fmts *fmts)
{
	const u8 *p = buf;
	size_t uuids;
	unsigned int i;

	if (len < 2)
		return -EPROTO;
	fmts->nv = p[0];
	fmts->nuuid = p[1];
	uuids = 2 + 2 * (size_t)fmts->nv;
	if (uuids + 16 * (size_t)fmts->nuuid > len)
		return -EPROTO;
	for (i = 0; i < fmts->nv; i++)
		fmts->versions[i] = rd16(p, 2 + 2 * i);
	for (i = 0; i < fmts->nuuid; i++)
		memcpy(fmts->uuids[i], p + uuids + 16 * i, 16);
	return 0;
}

/**
 * nvme_lm_state_fmts_find - The index of a controller state version
 * @fmts: Decoded formats
 * @ver: The NVMe controller state version wanted
 *
 * Return: the Controller State Version Index to use, or -ENOENT.
 */
int nvme_lm_state_fmts_find(const struct nvme_lm_state_fmts *fmts, u16 ver)
{
	unsigned int i;

	for (i = 0; i < fmts->nv; i++)
		if (fmts->versions[i] == ver)
			return i;
	return -ENOENT;
}

/**
 * nvme_lm_parse_cs_header - Decode the header of a Controller State
 * @buf: The start of the state
 * @len: Bytes in @buf, at least the header's
 * @info: Filled in, but for the NVMe controller state header's fields
 *
 * Return: 0, -EINVAL when @len is short of the header, -EOVERFLOW when the
 * sizes it declares cannot be held.
 */
int nvme_lm_parse_cs_header(const void *buf, size_t len,
			    struct nvme_lm_cs_info *info)
{
	const u8 *p = buf;
	u64 nvmecss, vss;

	if (len < NVME_LM_CS_HDR_SIZE)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->ver = rd16(p, 0);
	info->csattr = p[2];
	if (rd128(p, 16, &nvmecss) || rd128(p, 32, &vss))
		return -EOVERFLOW;
	/* Dwords to bytes, and the total, must not wrap. */
	if (check_mul_overflow(nvmecss, (u64)4, &info->nvmecs_bytes) ||
	    check_mul_overflow(vss, (u64)4, &info->vs_bytes) ||
	    check_add_overflow(info->nvmecs_bytes, info->vs_bytes,
			       &info->total_bytes) ||
	    check_add_overflow(info->total_bytes, (u64)NVME_LM_CS_HDR_SIZE,
			       &info->total_bytes))
		return -EOVERFLOW;
	return 0;
}

/**
 * nvme_lm_parse_cs - Decode and check a whole Controller State
 * @buf: The state
 * @len: Its length, which must be exactly what the header declares
 * @max_queues: The most I/O submission (and completion) queues the
 *	controller that takes the state can have
 * @info: Filled in
 *
 * Checks that the NVMe controller state holds its queue lists, that every
 * queue identifier is non-zero and used once per kind, that every
 * submission queue names a completion queue of the state, and that head
 * and tail pointers lie inside their queues. The cost is quadratic in the
 * number of queues, which @max_queues bounds.
 *
 * Return: 0, -EINVAL for an inconsistent state, -EMSGSIZE for more queues
 * than @max_queues, -EOVERFLOW for sizes that cannot be held.
 */
int nvme_lm_parse_cs(const void *buf, size_t len, unsigned int max_queues,
		     struct nvme_lm_cs_info *info)
{
	const u8 *p = buf;
	unsigned int i, j;
	u64 queues;
	int ret;

	ret = nvme_lm_parse_cs_header(buf, len, info);
	if (ret)
		return ret;
	if (info->total_bytes != len ||
	    info->nvmecs_bytes < NVME_LM_NVMECS_HDR_SIZE)
		return -EINVAL;
	info->nvmecs_ver = rd16(p, NVME_LM_CS_HDR_SIZE);
	info->niosq = rd16(p, NVME_LM_CS_HDR_SIZE + 2);
	info->niocq = rd16(p, NVME_LM_CS_HDR_SIZE + 4);
	if (info->niosq > max_queues || info->niocq > max_queues)
		return -EMSGSIZE;
	queues = (u64)info->niosq + info->niocq;
	if (NVME_LM_NVMECS_HDR_SIZE + queues * NVME_LM_CS_QUEUE_SIZE >
	    info->nvmecs_bytes)
		return -EINVAL;

	for (i = 0; i < info->niocq; i++) {
		struct nvme_lm_cs_cq cq, other;

		nvme_lm_cs_cq(buf, info, i, &cq);
		if (!cq.qid || !cq.qsize || cq.head > cq.qsize ||
		    cq.tail > cq.qsize)
			return -EINVAL;
		for (j = 0; j < i; j++) {
			nvme_lm_cs_cq(buf, info, j, &other);
			if (other.qid == cq.qid)
				return -EINVAL;
		}
	}
	for (i = 0; i < info->niosq; i++) {
		struct nvme_lm_cs_sq sq, other;
		struct nvme_lm_cs_cq cq;
		bool found = false;

		nvme_lm_cs_sq(buf, i, &sq);
		if (!sq.qid || !sq.qsize || sq.head > sq.qsize ||
		    sq.tail > sq.qsize)
			return -EINVAL;
		for (j = 0; j < i; j++) {
			nvme_lm_cs_sq(buf, j, &other);
			if (other.qid == sq.qid)
				return -EINVAL;
		}
		for (j = 0; j < info->niocq && !found; j++) {
			nvme_lm_cs_cq(buf, info, j, &cq);
			found = cq.qid == sq.cqid;
		}
		if (!found)
			return -EINVAL;
	}
	return 0;
}

/**
 * nvme_lm_cs_sq - Decode the I/O Submission Queue @i of a checked state
 * @buf: A state nvme_lm_parse_cs() accepted
 * @i: Index, below &nvme_lm_cs_info.niosq
 * @sq: Filled in
 */
void nvme_lm_cs_sq(const void *buf, unsigned int i, struct nvme_lm_cs_sq *sq)
{
	const u8 *e = (const u8 *)buf + NVME_LM_CS_HDR_SIZE +
		      NVME_LM_NVMECS_HDR_SIZE + (size_t)i * NVME_LM_CS_QUEUE_SIZE;

	*sq = (struct nvme_lm_cs_sq){
		.prp1 = rd64(e, 0),
		.qsize = rd16(e, 8),
		.qid = rd16(e, 10),
		.cqid = rd16(e, 12),
		.attr = rd16(e, 14),
		.head = rd16(e, 16),
		.tail = rd16(e, 18),
	};
}

/**
 * nvme_lm_cs_cq - Decode the I/O Completion Queue @i of a checked state
 * @buf: A state nvme_lm_parse_cs() accepted
 * @info: What it decoded
 * @i: Index, below &nvme_lm_cs_info.niocq
 * @cq: Filled in
 */
void nvme_lm_cs_cq(const void *buf, const struct nvme_lm_cs_info *info,
		   unsigned int i, struct nvme_lm_cs_cq *cq)
{
	const u8 *e = (const u8 *)buf + NVME_LM_CS_HDR_SIZE +
		      NVME_LM_NVMECS_HDR_SIZE +
		      ((size_t)info->niosq + i) * NVME_LM_CS_QUEUE_SIZE;

	*cq = (struct nvme_lm_cs_cq){
		.prp1 = rd64(e, 0),
		.qsize = rd16(e, 8),
		.qid = rd16(e, 10),
		.head = rd16(e, 12),
		.tail = rd16(e, 14),
		.attr = rd32(e, 16),
	};
}

/**
 * nvme_lm_udmq_entry - Decode a User Data Migration Queue entry
 * @entry: NVME_LM_UDMQ_ENTRY_SIZE bytes of queue memory
 * @phase: The phase tag an entry written in this pass carries
 * @udc: Filled in when the entry is valid
 *
 * Return: 0, -EAGAIN when the controller has not written the entry yet
 * (its phase tag is not @phase), -EPROTO for a reserved LBACIR value.
 */
int nvme_lm_udmq_entry(const void *entry, bool phase, struct nvme_lm_udc *udc)
{
	const u8 *e = entry;
	u8 attr = e[31];

	if ((attr & 0x1) != phase)
		return -EAGAIN;
	if (attr >> 6 > NVME_LM_LBACIR_NONE)
		return -EPROTO;
	*udc = (struct nvme_lm_udc){
		.nsid = rd32(e, 0),
		.nlb = rd32(e, 4),
		.slba = rd64(e, 8),
		.esa = (attr >> 1) & 0x7,
		.dlba = attr & 0x20,
		.lbacir = attr >> 6,
	};
	return 0;
}

/**
 * nvme_lm_udmq_pop - Consume the next entry of a User Data Migration Queue
 * @ring: The host's position; advanced, and its phase flipped on wrap
 * @mem: The queue memory, @ring->entries entries
 * @udc: Filled in with the entry
 *
 * Return: as nvme_lm_udmq_entry(); @ring moves only on 0.
 */
int nvme_lm_udmq_pop(struct nvme_lm_ring *ring, const void *mem,
		     struct nvme_lm_udc *udc)
{
	const u8 *e = (const u8 *)mem + (size_t)ring->head *
					       NVME_LM_UDMQ_ENTRY_SIZE;
	int ret;

	if (!ring->entries || ring->head >= ring->entries)
		return -EINVAL;
	ret = nvme_lm_udmq_entry(e, ring->phase, udc);
	if (ret)
		return ret;
	if (++ring->head == ring->entries) {
		ring->head = 0;
		ring->phase = !ring->phase;
	}
	return 0;
}

/**
 * nvme_lm_udmq_pending - Count the entries ready to be consumed
 * @ring: The host's position, not changed
 * @mem: The queue memory
 * @max: Stop counting here
 *
 * Return: the number of consecutive written entries from the head, at most
 * @max and at most the queue's size.
 */
u32 nvme_lm_udmq_pending(const struct nvme_lm_ring *ring, const void *mem,
			 u32 max)
{
	struct nvme_lm_ring walk = *ring;
	struct nvme_lm_udc udc;
	u32 n = 0;

	while (n < max && n < ring->entries &&
	       nvme_lm_udmq_pop(&walk, mem, &udc) == 0)
		n++;
	return n;
}

/**
 * nvme_lm_put_chunk_hdr - Write a chunk header
 * @buf: NVME_LM_CHUNK_HDR_SIZE bytes
 * @type: &enum nvme_lm_chunk_type (bytes 3:0)
 * @len: Bytes after the header (bytes 7:4)
 * @offset: Bytes 15:8
 * @total: Bytes 23:16
 */
void nvme_lm_put_chunk_hdr(void *buf, u32 type, u32 len, u64 offset,
			   u64 total)
{
	wr32(buf, 0, type);
	wr32(buf, 4, len);
	wr64(buf, 8, offset);
	wr64(buf, 16, total);
}

/**
 * nvme_lm_put_desc - Write the description chunk, header included
 * @buf: NVME_LM_DESC_CHUNK bytes
 * @cs_ver: NVMe Controller State version of the state that follows
 *
 * The description: the payload format version (bytes 1:0), @cs_ver (bytes
 * 3:2), 4 reserved bytes.
 */
void nvme_lm_put_desc(void *buf, u16 cs_ver)
{
	u8 *d = (u8 *)buf + NVME_LM_CHUNK_HDR_SIZE;

	nvme_lm_put_chunk_hdr(buf, NVME_LM_CHUNK_DESC, NVME_LM_DESC_SIZE, 0, 0);
	memset(d, 0, NVME_LM_DESC_SIZE);
	wr16(d, 0, NVME_LM_PAYLOAD_VERSION);
	wr16(d, 2, cs_ver);
}

/**
 * nvme_lm_put_udc - Write one user data change of a UDC chunk
 * @buf: NVME_LM_UDC_WIRE_SIZE bytes
 * @udc: The change: NSID (bytes 3:0), NLB (7:4), SLBA (15:8), ESA (16),
 *	DLBA (17), LBACIR (18); bytes 23:19 reserved
 */
void nvme_lm_put_udc(void *buf, const struct nvme_lm_udc *udc)
{
	u8 *p = buf;

	memset(p, 0, NVME_LM_UDC_WIRE_SIZE);
	wr32(p, 0, udc->nsid);
	wr32(p, 4, udc->nlb);
	wr64(p, 8, udc->slba);
	p[16] = udc->esa;
	p[17] = udc->dlba;
	p[18] = udc->lbacir;
}

/**
 * nvme_lm_chunk_next - Decode the chunk at the start of @buf
 * @buf: Payload
 * @len: Bytes left in it
 * @c: Filled in; @c->data points into @buf
 *
 * Return: the bytes the chunk takes, header included, or -EINVAL when the
 * header or the length it declares runs past @len.
 */
int nvme_lm_chunk_next(const void *buf, size_t len, struct nvme_lm_chunk *c)
{
	const u8 *p = buf;

	if (len < NVME_LM_CHUNK_HDR_SIZE)
		return -EINVAL;
	*c = (struct nvme_lm_chunk){
		.type = rd32(p, 0),
		.len = rd32(p, 4),
		.offset = rd64(p, 8),
		.total = rd64(p, 16),
		.data = p + NVME_LM_CHUNK_HDR_SIZE,
	};
	if (c->len > len - NVME_LM_CHUNK_HDR_SIZE)
		return -EINVAL;
	return NVME_LM_CHUNK_HDR_SIZE + c->len;
}

/**
 * nvme_lm_rx_chunk - Check a received chunk against what came before
 * @rx: The restore so far; updated when the chunk is accepted
 * @c: The chunk
 * @cs_ver: The NVMe Controller State version the destination uses
 * @max_state: The largest controller state the destination takes
 *
 * The description comes first, once, of this payload version and state
 * version, its reserved bytes 0. User data changes come in whole entries,
 * numbered on. The controller state comes in order, in pieces of one
 * announced total. A STATE chunk that is accepted is to be copied at
 * @c->offset of a buffer of @rx->state_total bytes.
 *
 * Return: 0, -EMSGSIZE for a state larger than @max_state, -EINVAL for
 * anything else out of place.
 */
int nvme_lm_rx_chunk(struct nvme_lm_rx *rx, const struct nvme_lm_chunk *c,
		     u16 cs_ver, u64 max_state)
{
	if (!rx->desc && c->type != NVME_LM_CHUNK_DESC)
		return -EINVAL;

	switch (c->type) {
	case NVME_LM_CHUNK_DESC:
		if (rx->desc || c->len != NVME_LM_DESC_SIZE || c->offset ||
		    c->total || rd16(c->data, 0) != NVME_LM_PAYLOAD_VERSION ||
		    rd16(c->data, 2) != cs_ver || rd32(c->data, 4))
			return -EINVAL;
		rx->desc = true;
		return 0;
	case NVME_LM_CHUNK_UDC:
		if (!c->len || c->len % NVME_LM_UDC_WIRE_SIZE ||
		    c->offset != rx->udc || c->total)
			return -EINVAL;
		rx->udc += c->len / NVME_LM_UDC_WIRE_SIZE;
		return 0;
	case NVME_LM_CHUNK_STATE:
		if (!c->len)
			return -EINVAL;
		if (c->total > max_state)
			return -EMSGSIZE;
		if (!rx->state_total &&
		    (c->offset || c->total < NVME_LM_CS_HDR_SIZE))
			return -EINVAL;
		if ((rx->state_total && c->total != rx->state_total) ||
		    c->offset != rx->state_len || c->len > c->total - c->offset)
			return -EINVAL;
		rx->state_total = c->total;
		rx->state_len += c->len;
		return 0;
	default:
		return -EINVAL;
	}
}
