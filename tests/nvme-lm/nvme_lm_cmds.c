// SPDX-License-Identifier: GPL-2.0
/*
 * nvme-lm: every command encoding and every data structure decoding of
 * drivers/nvme-lm/cmds.c, checked against byte images written from the
 * layouts of the NVM Express Base Specification 2.1 (with TP4159) and
 * libnvme's nvme_lm_* definitions. The images name each byte by its offset
 * in the structure, independently of how cmds.c computes it.
 *
 * cmds.c is built unchanged, with tests/nvme-lm/shim standing in for the
 * kernel headers it includes.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "kselftest_harness.h"

#include "cmds.h"

/* A submission queue entry as the 64 bytes the controller reads. */
#define SQE(...) ((const uint8_t[64]){ __VA_ARGS__ })

static void put16(uint8_t *p, size_t off, uint16_t v)
{
	p[off] = v;
	p[off + 1] = v >> 8;
}

static void put32(uint8_t *p, size_t off, uint32_t v)
{
	put16(p, off, v);
	put16(p, off + 2, v >> 16);
}

static void put64(uint8_t *p, size_t off, uint64_t v)
{
	put32(p, off, v);
	put32(p, off + 4, v >> 32);
}

/* The offset of the first byte where @got differs from @want, or -1. */
static int first_diff(const uint8_t *want, const void *got, size_t len)
{
	const uint8_t *g = got;
	size_t i;

	for (i = 0; i < len; i++)
		if (want[i] != g[i])
			return i;
	return -1;
}

/* Compare an encoded entry with an image; name the first wrong byte. */
#define EXPECT_SQE(c, img)                                                   \
	do {                                                                 \
		const uint8_t *_want = (img);                                \
		const uint8_t *_got = (const uint8_t *)(c);                  \
		int _bad = first_diff(_want, _got, 64);                      \
		EXPECT_EQ(-1, _bad)                                          \
			TH_LOG("byte %d of the command: %#04x, not %#04x",   \
			       _bad, _got[_bad], _want[_bad]);               \
	} while (0)

TEST(identify_secondary_list)
{
	struct nvme_lm_sqe c;

	memset(&c, 0xa5, sizeof(c));
	nvme_lm_cmd_identify(&c, NVME_LM_CNS_SEC_CTRL_LIST, 0x1234);
	/* CDW10 (bytes 43:40): CNS 15h in bits 7:0, CNTID in bits 31:16. */
	EXPECT_SQE(&c, SQE([0] = 0x06, [40] = 0x15, [42] = 0x34, [43] = 0x12));
}

TEST(identify_primary_caps_and_state_formats)
{
	struct nvme_lm_sqe c;

	nvme_lm_cmd_identify(&c, NVME_LM_CNS_PRI_CTRL_CAP, 0);
	EXPECT_SQE(&c, SQE([0] = 0x06, [40] = 0x14));
	nvme_lm_cmd_identify(&c, NVME_LM_CNS_CTRL_STATE_FMTS, 0);
	EXPECT_SQE(&c, SQE([0] = 0x06, [40] = 0x20));
	nvme_lm_cmd_identify(&c, NVME_LM_CNS_CTRL, 0);
	EXPECT_SQE(&c, SQE([0] = 0x06, [40] = 0x01));
}

TEST(virt_mgmt_actions)
{
	struct nvme_lm_sqe c;

	/* ACT bits 3:0, RT bits 10:8, CNTLID 31:16; NR in CDW11 15:0. */
	nvme_lm_cmd_virt_mgmt(&c, NVME_LM_VIRT_SEC_ASSIGN, NVME_LM_RT_VI,
			      0x0102, 0x0304);
	EXPECT_SQE(&c, SQE([0] = 0x1c, [40] = 0x08, [41] = 0x01, [42] = 0x02,
			   [43] = 0x01, [44] = 0x04, [45] = 0x03));
	nvme_lm_cmd_virt_mgmt(&c, NVME_LM_VIRT_SEC_ASSIGN, NVME_LM_RT_VQ, 2, 6);
	EXPECT_SQE(&c, SQE([0] = 0x1c, [40] = 0x08, [42] = 0x02, [44] = 0x06));
	nvme_lm_cmd_virt_mgmt(&c, NVME_LM_VIRT_SEC_ONLINE, 0, 3, 0);
	EXPECT_SQE(&c, SQE([0] = 0x1c, [40] = 0x09, [42] = 0x03));
	nvme_lm_cmd_virt_mgmt(&c, NVME_LM_VIRT_SEC_OFFLINE, 0, 3, 0);
	EXPECT_SQE(&c, SQE([0] = 0x1c, [40] = 0x07, [42] = 0x03));
	nvme_lm_cmd_virt_mgmt(&c, NVME_LM_VIRT_PRI_FLEX_ALLOC, NVME_LM_RT_VQ,
			      0x41, 0);
	EXPECT_SQE(&c, SQE([0] = 0x1c, [40] = 0x01, [42] = 0x41));
}

TEST(migration_send_suspend)
{
	struct nvme_lm_sqe c;

	/* SEL 0 in CDW10; CDW11: CNTLID 15:0, STYPE 23:16, DUDMQ bit 31. */
	nvme_lm_cmd_suspend(&c, 0x1234, NVME_LM_STYPE_SUSPEND, true);
	EXPECT_SQE(&c, SQE([0] = 0x41, [44] = 0x34, [45] = 0x12, [46] = 0x01,
			   [47] = 0x80));
	nvme_lm_cmd_suspend(&c, 0x0007, NVME_LM_STYPE_NOTIFY, false);
	EXPECT_SQE(&c, SQE([0] = 0x41, [44] = 0x07));
}

TEST(migration_send_resume)
{
	struct nvme_lm_sqe c;

	nvme_lm_cmd_resume(&c, 0xbeef);
	EXPECT_SQE(&c, SQE([0] = 0x41, [40] = 0x01, [44] = 0xef, [45] = 0xbe));
}

TEST(migration_send_set_state)
{
	struct nvme_lm_sqe c;

	/*
	 * SEL 2, SEQIND in CDW10 bits 17:16 (MOS 1:0); CDW11: CNTLID 15:0,
	 * CSVI 23:16, CSUUIDI 31:24; offset in CDW12 (low) and CDW13 (high);
	 * NUMD in CDW15 counts dwords (libnvme: len / 4).
	 */
	ASSERT_EQ(0, nvme_lm_cmd_set_state(&c, 0x0203, 0x04, 0x05,
					   NVME_LM_SEQIND_FIRST,
					   0x1122334455667788ULL, 4096));
	EXPECT_SQE(&c, SQE([0] = 0x41, [40] = 0x02, [42] = 0x01,
			   [44] = 0x03, [45] = 0x02, [46] = 0x04, [47] = 0x05,
			   [48] = 0x88, [49] = 0x77, [50] = 0x66, [51] = 0x55,
			   [52] = 0x44, [53] = 0x33, [54] = 0x22, [55] = 0x11,
			   [61] = 0x04));
	ASSERT_EQ(0, nvme_lm_cmd_set_state(&c, 1, 0, 0, NVME_LM_SEQIND_ENTIRE,
					   0, 48));
	EXPECT_SQE(&c, SQE([0] = 0x41, [40] = 0x02, [42] = 0x03, [44] = 0x01,
			   [60] = 12));
	ASSERT_EQ(0, nvme_lm_cmd_set_state(&c, 1, 0, 0, NVME_LM_SEQIND_LAST,
					   8, 4));
	EXPECT_SQE(&c, SQE([0] = 0x41, [40] = 0x02, [42] = 0x02, [44] = 0x01,
			   [48] = 8, [60] = 1));
	ASSERT_EQ(0, nvme_lm_cmd_set_state(&c, 1, 0, 0, NVME_LM_SEQIND_MIDDLE,
					   8, 4));
	EXPECT_SQE(&c, SQE([0] = 0x41, [40] = 0x02, [44] = 0x01, [48] = 8,
			   [60] = 1));

	EXPECT_EQ(-EINVAL, nvme_lm_cmd_set_state(&c, 1, 0, 0, 0, 0, 0));
	EXPECT_EQ(-EINVAL, nvme_lm_cmd_set_state(&c, 1, 0, 0, 0, 0, 6));
	EXPECT_EQ(-EINVAL, nvme_lm_cmd_set_state(&c, 1, 0, 0, 4, 0, 8));
}

TEST(migration_receive_get_state)
{
	struct nvme_lm_sqe c;

	/*
	 * SEL 0, CSVI in MOS 7:0 (CDW10 23:16); CDW11: CNTLID 15:0, CSUUIDI
	 * 23:16, CSUIDXP 31:24; NUMD in CDW15 is 0's based.
	 */
	ASSERT_EQ(0, nvme_lm_cmd_get_state(&c, 0x0a0b, 0x0c, 0x0d, 0x0e,
					   0x100000000ULL | 0x200, 4096));
	EXPECT_SQE(&c, SQE([0] = 0x42, [42] = 0x0c,
			   [44] = 0x0b, [45] = 0x0a, [46] = 0x0d, [47] = 0x0e,
			   [49] = 0x02, [52] = 0x01,
			   [60] = 0xff, [61] = 0x03));
	ASSERT_EQ(0, nvme_lm_cmd_get_state(&c, 1, 0, 0, 0, 0, 4));
	EXPECT_SQE(&c, SQE([0] = 0x42, [44] = 0x01));

	EXPECT_EQ(-EINVAL, nvme_lm_cmd_get_state(&c, 1, 0, 0, 0, 0, 0));
	EXPECT_EQ(-EINVAL, nvme_lm_cmd_get_state(&c, 1, 0, 0, 0, 0, 4095));
}

TEST(controller_data_queue)
{
	struct nvme_lm_sqe c;

	/*
	 * Create: SEL 0, QT (MOS 7:0) 0 = User Data Migration Queue; CDW11
	 * bit 0 PC, CQS (the controller) 31:16; CDQSIZE in dwords in CDW12.
	 */
	ASSERT_EQ(0, nvme_lm_cmd_cdq_create(&c, 0x0102, 0x8000));
	EXPECT_SQE(&c, SQE([0] = 0x45, [44] = 0x01, [46] = 0x02, [47] = 0x01,
			   [49] = 0x80));
	EXPECT_EQ(-EINVAL, nvme_lm_cmd_cdq_create(&c, 1, 0));

	/* Delete: SEL 1, CDQID in CDW11 15:0. */
	nvme_lm_cmd_cdq_delete(&c, 0x5566);
	EXPECT_SQE(&c, SQE([0] = 0x45, [40] = 0x01, [44] = 0x66, [45] = 0x55));

	/* The new queue's identifier is completion dword 0 bits 15:0. */
	EXPECT_EQ(0x1234, nvme_lm_cdq_create_id(0xabcd1234));
}

TEST(track_send_log_user_data_changes)
{
	struct nvme_lm_sqe c;

	/* SEL 0; LACT in MOS 3:0 (CDW10 19:16); CDQID in CDW11. */
	nvme_lm_cmd_track_udc(&c, NVME_LM_LACT_START, 0x0042);
	EXPECT_SQE(&c, SQE([0] = 0x3d, [42] = 0x01, [44] = 0x42));
	nvme_lm_cmd_track_udc(&c, NVME_LM_LACT_STOP, 0x0042);
	EXPECT_SQE(&c, SQE([0] = 0x3d, [44] = 0x42));
}

TEST(set_features_cdq_head)
{
	struct nvme_lm_sqe c;

	/* FID 21h; CDW11 CDQID 15:0, ETPT bit 31 clear; HP in CDW12. */
	nvme_lm_cmd_cdq_set_head(&c, 0x0007, 0x00012345);
	EXPECT_SQE(&c, SQE([0] = 0x09, [40] = 0x21, [44] = 0x07,
			   [48] = 0x45, [49] = 0x23, [50] = 0x01));
}

TEST(prp_setup)
{
	__le64 list[NVME_LM_PAGE_SIZE / 8];
	struct nvme_lm_sqe c;

	memset(&c, 0, sizeof(c));
	/* One page: PRP1 alone. */
	EXPECT_EQ(0, nvme_lm_prp_setup(&c, 0x10000, 4096, NULL, 0));
	EXPECT_EQ(0x10000, le64toh(c.prp1));
	EXPECT_EQ(0, c.prp2);
	/* Two pages: PRP2 is the second page. */
	EXPECT_EQ(0, nvme_lm_prp_setup(&c, 0x10000, 8192, NULL, 0));
	EXPECT_EQ(0x11000, le64toh(c.prp2));
	/* An offset into the first page moves where the second starts. */
	EXPECT_EQ(0, nvme_lm_prp_setup(&c, 0x10800, 4096, NULL, 0));
	EXPECT_EQ(0x10800, le64toh(c.prp1));
	EXPECT_EQ(0x11000, le64toh(c.prp2));
	/* More: PRP2 points at a list of the pages after the first. */
	EXPECT_EQ(-EINVAL, nvme_lm_prp_setup(&c, 0x10000, 3 * 4096, NULL, 0));
	EXPECT_EQ(2, nvme_lm_prp_setup(&c, 0x10000, 3 * 4096, list, 0x80000));
	EXPECT_EQ(0x80000, le64toh(c.prp2));
	EXPECT_EQ(0x11000, le64toh(list[0]));
	EXPECT_EQ(0x12000, le64toh(list[1]));
	EXPECT_EQ(512, nvme_lm_prp_setup(&c, 0, NVME_LM_PRP_MAX_LEN, list,
					 0x80000));
	EXPECT_EQ(512 * 4096, le64toh(list[511]));
	EXPECT_EQ(-EINVAL, nvme_lm_prp_setup(&c, 0, NVME_LM_PRP_MAX_LEN + 1,
					     list, 0x80000));
	EXPECT_EQ(-EINVAL, nvme_lm_prp_setup(&c, 0, 3 * 4096, list, 0x80008));
	EXPECT_EQ(-EINVAL, nvme_lm_prp_setup(&c, 0, 0, NULL, 0));
}

TEST(status_errno_and_names)
{
	EXPECT_EQ(0, nvme_lm_status_errno(0));
	EXPECT_EQ(-EOPNOTSUPP, nvme_lm_status_errno(0x001));
	EXPECT_EQ(-EINVAL, nvme_lm_status_errno(0x002 | NVME_LM_DNR));
	/* Virtualization Management, command specific (SCT 1). */
	EXPECT_EQ(-ENXIO, nvme_lm_status_errno(0x11f));
	EXPECT_EQ(-EBUSY, nvme_lm_status_errno(0x120));
	EXPECT_EQ(-EINVAL, nvme_lm_status_errno(0x121));
	EXPECT_EQ(-ENOSPC, nvme_lm_status_errno(0x122));
	/* Live migration, command specific. */
	EXPECT_EQ(-EINVAL, nvme_lm_status_errno(0x137));
	EXPECT_EQ(-ENOSPC, nvme_lm_status_errno(0x138));
	EXPECT_EQ(-EBUSY, nvme_lm_status_errno(0x139));
	EXPECT_EQ(-EBUSY, nvme_lm_status_errno(0x13a));
	EXPECT_EQ(-ENOSPC, nvme_lm_status_errno(0x13b));
	EXPECT_EQ(-EIO, nvme_lm_status_errno(0x006));
	/* The same SC in another SCT is another status. */
	EXPECT_EQ(-EIO, nvme_lm_status_errno(0x020));
	EXPECT_EQ(-EIO, nvme_lm_status_errno(0x220));

	EXPECT_STREQ("Invalid Secondary Controller State",
		     nvme_lm_status_name(0x120 | NVME_LM_DNR));
	EXPECT_STREQ("Controller Not Suspended", nvme_lm_status_name(0x13a));
	EXPECT_STREQ("Controller Data Queue Full", nvme_lm_status_name(0x13b));
	EXPECT_STREQ("Unknown Status", nvme_lm_status_name(0x7ff));
}

TEST(decode_identify_controller)
{
	uint8_t buf[NVME_LM_IDENTIFY_SIZE] = {};
	struct nvme_lm_id_ctrl id;

	put16(buf, 0, 0x1b36);
	memcpy(buf + 4, "lmpf                ", 20);
	memcpy(buf + 24, "QEMU NVMe Ctrl", 14);
	memset(buf + 38, ' ', 26);
	memcpy(buf + 64, "10.0.2  ", 8);
	buf[77] = 7;				/* MDTS */
	put16(buf, 78, 0x0041);			/* CNTLID */
	put16(buf, 256, 0x0880);		/* OACS: VMS, HMLMS */
	buf[576] = 0x03;			/* TRATTR: THMCS, TUDCS */
	put16(buf, 578, 0x0011);		/* MCUDMQ */
	put16(buf, 580, 0x0022);		/* MNSUDMQ */
	put16(buf, 582, 0x0033);		/* MCMR */
	put16(buf, 584, 0x0044);		/* NMCMR */
	put16(buf, 586, 0x0055);		/* MCDQPC */

	ASSERT_EQ(0, nvme_lm_parse_id_ctrl(buf, sizeof(buf), &id));
	EXPECT_EQ(0x1b36, id.vid);
	EXPECT_STREQ("lmpf", id.sn);
	EXPECT_STREQ("QEMU NVMe Ctrl", id.mn);
	EXPECT_STREQ("10.0.2", id.fr);
	EXPECT_EQ(7, id.mdts);
	EXPECT_EQ(0x41, id.cntlid);
	EXPECT_TRUE(id.oacs & NVME_LM_OACS_HMLMS);
	EXPECT_TRUE(id.oacs & NVME_LM_OACS_VIRT_MGMT);
	EXPECT_EQ(NVME_LM_TRATTR_THMCS | NVME_LM_TRATTR_TUDCS, id.trattr);
	EXPECT_EQ(0x11, id.mcudmq);
	EXPECT_EQ(0x22, id.mnsudmq);
	EXPECT_EQ(0x33, id.mcmr);
	EXPECT_EQ(0x44, id.nmcmr);
	EXPECT_EQ(0x55, id.mcdqpc);

	/* OACS bit 11 clear: no Host Managed Live Migration. */
	put16(buf, 256, 0x0080);
	ASSERT_EQ(0, nvme_lm_parse_id_ctrl(buf, sizeof(buf), &id));
	EXPECT_FALSE(id.oacs & NVME_LM_OACS_HMLMS);
	EXPECT_EQ(-EINVAL, nvme_lm_parse_id_ctrl(buf, 4095, &id));
}

TEST(decode_primary_controller_capabilities)
{
	uint8_t buf[NVME_LM_IDENTIFY_SIZE] = {};
	struct nvme_lm_pri_caps caps;

	put16(buf, 0, 0x0001);		/* CNTLID */
	put16(buf, 2, 0x0002);		/* PORTID */
	buf[4] = 0x03;			/* CRT: VQ, VI */
	put32(buf, 32, 12);		/* VQFRT */
	put32(buf, 36, 5);		/* VQRFA */
	put16(buf, 40, 1);		/* VQRFAP */
	put16(buf, 42, 3);		/* VQPRT */
	put16(buf, 44, 6);		/* VQFRSM */
	put16(buf, 46, 1);		/* VQGRAN */
	put32(buf, 64, 8);		/* VIFRT */
	put32(buf, 68, 2);		/* VIRFA */
	put16(buf, 72, 4);		/* VIRFAP */
	put16(buf, 74, 1);		/* VIPRT */
	put16(buf, 76, 0x0104);		/* VIFRSM */
	put16(buf, 78, 2);		/* VIGRAN */

	ASSERT_EQ(0, nvme_lm_parse_pri_caps(buf, sizeof(buf), &caps));
	EXPECT_EQ(1, caps.cntlid);
	EXPECT_EQ(2, caps.portid);
	EXPECT_EQ(3, caps.crt);
	EXPECT_EQ(12, caps.vqfrt);
	EXPECT_EQ(5, caps.vqrfa);
	EXPECT_EQ(1, caps.vqrfap);
	EXPECT_EQ(3, caps.vqprt);
	EXPECT_EQ(6, caps.vqfrsm);
	EXPECT_EQ(1, caps.vqgran);
	EXPECT_EQ(8, caps.vifrt);
	EXPECT_EQ(2, caps.virfa);
	EXPECT_EQ(4, caps.virfap);
	EXPECT_EQ(1, caps.viprt);
	EXPECT_EQ(0x104, caps.vifrsm);
	EXPECT_EQ(2, caps.vigran);
	EXPECT_EQ(-EINVAL, nvme_lm_parse_pri_caps(buf, 80, &caps));
}

TEST(decode_secondary_controller_list)
{
	uint8_t buf[NVME_LM_IDENTIFY_SIZE] = {};
	struct nvme_lm_sec_ctrl list[3];
	int i;

	buf[0] = 3;			/* NUMID */
	for (i = 0; i < 3; i++) {
		uint8_t *e = buf + 32 + 32 * i;

		put16(e, 0, 0x10 + i);	/* SCID */
		put16(e, 2, 0x0001);	/* PCID */
		e[4] = i == 1;		/* SCS bit 0: online */
		e[5] = 0xfe;		/* reserved, ignored */
		put16(e, 8, i + 1);	/* VFN */
		put16(e, 10, 2 * i);	/* NVQ */
		put16(e, 12, i);	/* NVI */
	}
	ASSERT_EQ(3, nvme_lm_parse_sec_list(buf, sizeof(buf), list, 3));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0x10 + i, list[i].scid);
		EXPECT_EQ(1, list[i].pcid);
		EXPECT_EQ(i == 1, list[i].online);
		EXPECT_EQ(i + 1, list[i].vfn);
		EXPECT_EQ(2 * i, list[i].nvq);
		EXPECT_EQ(i, list[i].nvi);
	}
	/* Fewer decoded than listed: the count is still the controller's. */
	memset(list, 0, sizeof(list));
	EXPECT_EQ(3, nvme_lm_parse_sec_list(buf, sizeof(buf), list, 1));
	EXPECT_EQ(0x10, list[0].scid);
	EXPECT_EQ(0, list[1].scid);
	/* A count beyond 127 entries is malformed. */
	buf[0] = 128;
	EXPECT_EQ(-EPROTO, nvme_lm_parse_sec_list(buf, sizeof(buf), list, 3));
	EXPECT_EQ(-EINVAL, nvme_lm_parse_sec_list(buf, 1024, list, 3));
}

TEST(decode_supported_controller_state_formats)
{
	static struct nvme_lm_state_fmts fmts;
	uint8_t buf[NVME_LM_IDENTIFY_SIZE] = {};

	buf[0] = 2;			/* NV */
	buf[1] = 1;			/* NUUID */
	put16(buf, 2, 0x0001);
	put16(buf, 4, 0x0000);
	memset(buf + 6, 0x5a, 16);	/* the vendor specific format's UUID */
	ASSERT_EQ(0, nvme_lm_parse_state_fmts(buf, sizeof(buf), &fmts));
	EXPECT_EQ(2, fmts.nv);
	EXPECT_EQ(1, fmts.nuuid);
	EXPECT_EQ(1, fmts.versions[0]);
	EXPECT_EQ(0, fmts.versions[1]);
	EXPECT_EQ(0x5a, fmts.uuids[0][0]);
	EXPECT_EQ(0x5a, fmts.uuids[0][15]);
	/* The index of a version is what CSVI carries. */
	EXPECT_EQ(1, nvme_lm_state_fmts_find(&fmts, 0));
	EXPECT_EQ(0, nvme_lm_state_fmts_find(&fmts, 1));
	EXPECT_EQ(-ENOENT, nvme_lm_state_fmts_find(&fmts, 2));
	/* Counts that run past the data are refused. */
	EXPECT_EQ(-EPROTO, nvme_lm_parse_state_fmts(buf, 21, &fmts));
	EXPECT_EQ(0, nvme_lm_parse_state_fmts(buf, 22, &fmts));
	buf[0] = 255;
	buf[1] = 255;
	EXPECT_EQ(-EPROTO, nvme_lm_parse_state_fmts(buf, sizeof(buf), &fmts));
	EXPECT_EQ(-EPROTO, nvme_lm_parse_state_fmts(buf, 1, &fmts));
}

/*
 * A controller state of @nsq submission and @ncq completion queues, laid
 * out as the specification's Controller State data structure: a 48-byte
 * header (VER, CSATTR, NVMECSS and VSS in dwords as 128-bit values), then
 * the NVMe Controller State (8-byte header, 24-byte queue entries), then
 * @vs bytes of vendor specific state.
 */
static size_t make_state(uint8_t *buf, unsigned int nsq, unsigned int ncq,
			 size_t vs)
{
	size_t nvmecs = 8 + 24 * (nsq + ncq);
	unsigned int i;

	memset(buf, 0, 48 + nvmecs + vs);
	put16(buf, 0, 0);			/* VER */
	buf[2] = NVME_LM_CSATTR_SUSPENDED;	/* CSATTR */
	put64(buf, 16, nvmecs / 4);		/* NVMECSS */
	put64(buf, 32, vs / 4);			/* VSS */
	put16(buf, 48, 0);			/* NVMe CS VER */
	put16(buf, 50, nsq);			/* NIOSQ */
	put16(buf, 52, ncq);			/* NIOCQ */
	for (i = 0; i < nsq; i++) {
		uint8_t *e = buf + 56 + 24 * i;

		put64(e, 0, 0x100000 + 0x1000 * i);	/* IOSQPRP1 */
		put16(e, 8, 63);			/* IOSQQSIZE */
		put16(e, 10, i + 1);			/* IOSQQID */
		put16(e, 12, (i % ncq) + 1);		/* IOSQCQID */
		put16(e, 14, 0x0005);			/* IOSQA: PC, prio 2 */
		put16(e, 16, 3);			/* IOSQHP */
		put16(e, 18, 7);			/* IOSQTP */
	}
	for (i = 0; i < ncq; i++) {
		uint8_t *e = buf + 56 + 24 * (nsq + i);

		put64(e, 0, 0x200000 + 0x1000 * i);	/* IOCQPRP1 */
		put16(e, 8, 127);			/* IOCQQSIZE */
		put16(e, 10, i + 1);			/* IOCQQID */
		put16(e, 12, 5);			/* IOCQHP */
		put16(e, 14, 9);			/* IOCQTP */
		put32(e, 16, 0x00030007);		/* IOCQA: IV 3, S0PT, IEN, PC */
	}
	return 48 + nvmecs + vs;
}

TEST(decode_controller_state)
{
	static uint8_t buf[4096];
	struct nvme_lm_cs_info info;
	struct nvme_lm_cs_sq sq;
	struct nvme_lm_cs_cq cq;
	size_t len = make_state(buf, 3, 2, 16);

	ASSERT_EQ(0, nvme_lm_parse_cs(buf, len, 8, &info));
	EXPECT_EQ(0, info.ver);
	EXPECT_EQ(NVME_LM_CSATTR_SUSPENDED, info.csattr);
	EXPECT_EQ(8 + 24 * 5, info.nvmecs_bytes);
	EXPECT_EQ(16, info.vs_bytes);
	EXPECT_EQ(len, info.total_bytes);
	EXPECT_EQ(3, info.niosq);
	EXPECT_EQ(2, info.niocq);

	nvme_lm_cs_sq(buf, 2, &sq);
	EXPECT_EQ(0x102000, sq.prp1);
	EXPECT_EQ(63, sq.qsize);
	EXPECT_EQ(3, sq.qid);
	EXPECT_EQ(1, sq.cqid);
	EXPECT_TRUE(sq.attr & NVME_LM_IOSQA_PC);
	EXPECT_EQ(2, NVME_LM_IOSQA_PRIO(sq.attr));
	EXPECT_EQ(3, sq.head);
	EXPECT_EQ(7, sq.tail);

	nvme_lm_cs_cq(buf, &info, 1, &cq);
	EXPECT_EQ(0x201000, cq.prp1);
	EXPECT_EQ(127, cq.qsize);
	EXPECT_EQ(2, cq.qid);
	EXPECT_EQ(5, cq.head);
	EXPECT_EQ(9, cq.tail);
	EXPECT_TRUE(cq.attr & NVME_LM_IOCQA_PC);
	EXPECT_TRUE(cq.attr & NVME_LM_IOCQA_IEN);
	EXPECT_TRUE(cq.attr & NVME_LM_IOCQA_S0PT);
	EXPECT_EQ(3, NVME_LM_IOCQA_IV(cq.attr));

	/* The header alone decodes from its first 48 bytes. */
	ASSERT_EQ(0, nvme_lm_parse_cs_header(buf, 48, &info));
	EXPECT_EQ(len, info.total_bytes);
	EXPECT_EQ(-EINVAL, nvme_lm_parse_cs_header(buf, 47, &info));
}

TEST(refuse_bad_controller_state)
{
	static uint8_t buf[4096];
	struct nvme_lm_cs_info info;
	size_t len;

	/* Length other than the header declares. */
	len = make_state(buf, 2, 2, 0);
	EXPECT_EQ(-EINVAL, nvme_lm_parse_cs(buf, len - 4, 8, &info));
	EXPECT_EQ(-EINVAL, nvme_lm_parse_cs(buf, len + 4, 8, &info));
	/* More queues than the destination can have. */
	EXPECT_EQ(-EMSGSIZE, nvme_lm_parse_cs(buf, len, 1, &info));
	/* Queue lists larger than the NVMe controller state. */
	len = make_state(buf, 2, 2, 0);
	put16(buf, 50, 3);
	EXPECT_EQ(-EINVAL, nvme_lm_parse_cs(buf, len, 8, &info));
	/* Duplicate submission queue identifier. */
	len = make_state(buf, 2, 2, 0);
	put16(buf + 56 + 24, 10, 1);
	EXPECT_EQ(-EINVAL, nvme_lm_parse_cs(buf, len, 8, &info));
	/* Duplicate completion queue identifier. */
	len = make_state(buf, 2, 2, 0);
	put16(buf + 56 + 24 * 3, 10, 1);
	EXPECT_EQ(-EINVAL, nvme_lm_parse_cs(buf, len, 8, &info));
	/* A submission queue on a completion queue the state lacks. */
	len = make_state(buf, 2, 2, 0);
	put16(buf + 56, 12, 9);
	EXPECT_EQ(-EINVAL, nvme_lm_parse_cs(buf, len, 8, &info));
	/* Queue identifier 0 (the admin queue) is not an I/O queue. */
	len = make_state(buf, 2, 2, 0);
	put16(buf + 56, 10, 0);
	EXPECT_EQ(-EINVAL, nvme_lm_parse_cs(buf, len, 8, &info));
	/* A head pointer outside its queue. */
	len = make_state(buf, 2, 2, 0);
	put16(buf + 56, 16, 64);
	EXPECT_EQ(-EINVAL, nvme_lm_parse_cs(buf, len, 8, &info));
	/* A tail pointer outside its completion queue. */
	len = make_state(buf, 2, 2, 0);
	put16(buf + 56 + 24 * 2, 14, 128);
	EXPECT_EQ(-EINVAL, nvme_lm_parse_cs(buf, len, 8, &info));
	/* No room for the NVMe controller state header. */
	len = make_state(buf, 0, 0, 0);
	put64(buf, 16, 1);
	EXPECT_EQ(-EINVAL, nvme_lm_parse_cs(buf, 52, 8, &info));
	/* Sizes beyond 64 bits. */
	len = make_state(buf, 1, 1, 0);
	put64(buf, 24, 1);
	EXPECT_EQ(-EOVERFLOW, nvme_lm_parse_cs(buf, len, 8, &info));
	len = make_state(buf, 1, 1, 0);
	put64(buf, 32, 1ULL << 62);
	EXPECT_EQ(-EOVERFLOW, nvme_lm_parse_cs(buf, len, 8, &info));
}

/* One LBA Migration Queue Entry Type 0 (32 bytes). */
static void make_udc(uint8_t *e, uint32_t nsid, uint32_t nlb, uint64_t slba,
		     uint8_t attr)
{
	memset(e, 0, 32);
	put32(e, 0, nsid);
	put32(e, 4, nlb);
	put64(e, 8, slba);
	e[31] = attr;
}

TEST(decode_user_data_migration_queue_entry)
{
	struct nvme_lm_udc udc;
	uint8_t e[32];

	/* Phase 1, ESA 5 (bits 3:1), DLBA (bit 5), LBACIR 1 (bits 7:6). */
	make_udc(e, 1, 7, 0x123456789aULL, 0x01 | 5 << 1 | 0x20 | 1 << 6);
	ASSERT_EQ(0, nvme_lm_udmq_entry(e, true, &udc));
	EXPECT_EQ(1, udc.nsid);
	EXPECT_EQ(7, udc.nlb);
	EXPECT_EQ(0x123456789aULL, udc.slba);
	EXPECT_EQ(5, udc.esa);
	EXPECT_TRUE(udc.dlba);
	EXPECT_EQ(NVME_LM_LBACIR_ALL, udc.lbacir);
	/* The wrong phase: not written yet. */
	EXPECT_EQ(-EAGAIN, nvme_lm_udmq_entry(e, false, &udc));
	/* LBACIR 3 is reserved. */
	e[31] = 0x01 | 3 << 6;
	EXPECT_EQ(-EPROTO, nvme_lm_udmq_entry(e, true, &udc));
}

TEST(user_data_migration_queue_ring)
{
	struct nvme_lm_ring ring = { .entries = 4, .phase = true };
	uint8_t mem[4 * 32] = {};
	struct nvme_lm_udc udc;
	int i;

	EXPECT_EQ(0, nvme_lm_udmq_pending(&ring, mem, 16));
	EXPECT_EQ(-EAGAIN, nvme_lm_udmq_pop(&ring, mem, &udc));
	for (i = 0; i < 3; i++)
		make_udc(mem + 32 * i, 1, i, 100 * i, 0x01);
	EXPECT_EQ(3, nvme_lm_udmq_pending(&ring, mem, 16));
	EXPECT_EQ(2, nvme_lm_udmq_pending(&ring, mem, 2));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, nvme_lm_udmq_pop(&ring, mem, &udc));
		EXPECT_EQ(100 * i, udc.slba);
	}
	EXPECT_EQ(3, ring.head);
	EXPECT_TRUE(ring.phase);
	/* The last slot, then the wrap: the phase flips. */
	make_udc(mem + 96, 1, 3, 300, 0x01);
	ASSERT_EQ(0, nvme_lm_udmq_pop(&ring, mem, &udc));
	EXPECT_EQ(0, ring.head);
	EXPECT_FALSE(ring.phase);
	/* Old entries (phase 1) are not new ones in the second pass. */
	EXPECT_EQ(0, nvme_lm_udmq_pending(&ring, mem, 16));
	make_udc(mem, 2, 0, 400, 0x00);
	EXPECT_EQ(1, nvme_lm_udmq_pending(&ring, mem, 16));
	ASSERT_EQ(0, nvme_lm_udmq_pop(&ring, mem, &udc));
	EXPECT_EQ(2, udc.nsid);
	EXPECT_EQ(400, udc.slba);
	/* From the head to the end; the wrap flips the phase, so not further. */
	for (i = 0; i < 4; i++)
		make_udc(mem + 32 * i, 1, 0, 0, 0x00);
	EXPECT_EQ(3, nvme_lm_udmq_pending(&ring, mem, 100));
	/* A full queue counts its size. */
	ring = (struct nvme_lm_ring){ .entries = 4, .phase = false };
	EXPECT_EQ(4, nvme_lm_udmq_pending(&ring, mem, 100));
}

TEST(payload_encoding)
{
	struct nvme_lm_udc udc = {
		.nsid = 0x01020304, .nlb = 0x0a0b0c0d,
		.slba = 0x1112131415161718ULL, .esa = 5, .dlba = true,
		.lbacir = NVME_LM_LBACIR_NONE,
	};
	uint8_t buf[64];

	/* Chunk header: type 3:0, length 7:4, offset 15:8, total 23:16. */
	memset(buf, 0xee, sizeof(buf));
	nvme_lm_put_chunk_hdr(buf, NVME_LM_CHUNK_STATE, 0x100, 0x2000,
			      0x123456789ULL);
	EXPECT_EQ(-1, first_diff((const uint8_t[24]){
				 [0] = 2, [5] = 0x01, [9] = 0x20,
				 [16] = 0x89, [17] = 0x67, [18] = 0x45,
				 [19] = 0x23, [20] = 0x01 }, buf, 24));
	EXPECT_EQ(0xee, buf[24]);

	/* Description chunk: payload version 1:0, state version 3:2. */
	memset(buf, 0xee, sizeof(buf));
	nvme_lm_put_desc(buf, 0x0102);
	EXPECT_EQ(-1, first_diff((const uint8_t[32]){
				 [0] = 1, [4] = 8, [24] = 1,
				 [26] = 0x02, [27] = 0x01 }, buf, 32));
	EXPECT_EQ(0xee, buf[32]);

	/* One user data change. */
	memset(buf, 0xee, sizeof(buf));
	nvme_lm_put_udc(buf, &udc);
	EXPECT_EQ(-1, first_diff((const uint8_t[24]){
				 0x04, 0x03, 0x02, 0x01, 0x0d, 0x0c, 0x0b, 0x0a,
				 0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11,
				 5, 1, 2 }, buf, 24));
}

TEST(payload_decoding)
{
	struct nvme_lm_chunk c;
	uint8_t buf[64] = {};

	nvme_lm_put_chunk_hdr(buf, NVME_LM_CHUNK_UDC, 24, 7, 0);
	ASSERT_EQ(48, nvme_lm_chunk_next(buf, 48, &c));
	EXPECT_EQ(NVME_LM_CHUNK_UDC, c.type);
	EXPECT_EQ(24, c.len);
	EXPECT_EQ(7, c.offset);
	EXPECT_EQ(0, c.total);
	EXPECT_EQ(buf + 24, c.data);
	ASSERT_EQ(48, nvme_lm_chunk_next(buf, 64, &c));
	/* A chunk running past what is there, a header cut short. */
	EXPECT_EQ(-EINVAL, nvme_lm_chunk_next(buf, 47, &c));
	EXPECT_EQ(-EINVAL, nvme_lm_chunk_next(buf, 23, &c));
	nvme_lm_put_chunk_hdr(buf, NVME_LM_CHUNK_UDC, 0xffffffff, 0, 0);
	EXPECT_EQ(-EINVAL, nvme_lm_chunk_next(buf, 64, &c));
}

/* Feed one chunk of @type to @rx; the result of nvme_lm_rx_chunk(). */
static int rx(struct nvme_lm_rx *r, uint32_t type, uint32_t len,
	      uint64_t offset, uint64_t total, const uint8_t *data)
{
	struct nvme_lm_chunk c = {
		.type = type, .len = len, .offset = offset, .total = total,
		.data = data,
	};

	return nvme_lm_rx_chunk(r, &c, 0, 1 << 20);
}

TEST(payload_restore_checks)
{
	uint8_t desc[32], bad[8], zeros[64] = {};
	struct nvme_lm_rx r = {};

	nvme_lm_put_desc(desc, 0);
	/* Nothing before the description. */
	EXPECT_EQ(-EINVAL, rx(&r, NVME_LM_CHUNK_STATE, 48, 0, 48, zeros));
	EXPECT_EQ(-EINVAL, rx(&r, NVME_LM_CHUNK_UDC, 24, 0, 0, zeros));
	/* A description of another payload or state version, or reserved set. */
	memcpy(bad, desc + 24, 8);
	bad[0] = 2;
	EXPECT_EQ(-EINVAL, rx(&r, NVME_LM_CHUNK_DESC, 8, 0, 0, bad));
	memcpy(bad, desc + 24, 8);
	bad[2] = 1;
	EXPECT_EQ(-EINVAL, rx(&r, NVME_LM_CHUNK_DESC, 8, 0, 0, bad));
	memcpy(bad, desc + 24, 8);
	bad[7] = 1;
	EXPECT_EQ(-EINVAL, rx(&r, NVME_LM_CHUNK_DESC, 8, 0, 0, bad));
	EXPECT_EQ(-EINVAL, rx(&r, NVME_LM_CHUNK_DESC, 4, 0, 0, desc + 24));
	EXPECT_EQ(-EINVAL, rx(&r, NVME_LM_CHUNK_DESC, 8, 1, 0, desc + 24));
	EXPECT_FALSE(r.desc);
	ASSERT_EQ(0, rx(&r, NVME_LM_CHUNK_DESC, 8, 0, 0, desc + 24));
	EXPECT_EQ(-EINVAL, rx(&r, NVME_LM_CHUNK_DESC, 8, 0, 0, desc + 24));

	/* User data changes: whole entries, numbered on. */
	EXPECT_EQ(-EINVAL, rx(&r, NVME_LM_CHUNK_UDC, 25, 0, 0, zeros));
	EXPECT_EQ(-EINVAL, rx(&r, NVME_LM_CHUNK_UDC, 0, 0, 0, zeros));
	EXPECT_EQ(-EINVAL, rx(&r, NVME_LM_CHUNK_UDC, 24, 1, 0, zeros));
	ASSERT_EQ(0, rx(&r, NVME_LM_CHUNK_UDC, 48, 0, 0, zeros));
	ASSERT_EQ(0, rx(&r, NVME_LM_CHUNK_UDC, 24, 2, 0, zeros));
	EXPECT_EQ(3, r.udc);

	/* The state: starts at 0, at least a header, at most the limit. */
	EXPECT_EQ(-EINVAL, rx(&r, NVME_LM_CHUNK_STATE, 8, 8, 64, zeros));
	EXPECT_EQ(-EINVAL, rx(&r, NVME_LM_CHUNK_STATE, 8, 0, 44, zeros));
	EXPECT_EQ(-EMSGSIZE, rx(&r, NVME_LM_CHUNK_STATE, 8, 0, (1 << 20) + 4,
				zeros));
	EXPECT_EQ(-EINVAL, rx(&r, NVME_LM_CHUNK_STATE, 0, 0, 64, zeros));
	ASSERT_EQ(0, rx(&r, NVME_LM_CHUNK_STATE, 16, 0, 64, zeros));
	EXPECT_EQ(64, r.state_total);
	EXPECT_FALSE(nvme_lm_rx_complete(&r));
	/* In order, of one total, not past it. */
	EXPECT_EQ(-EINVAL, rx(&r, NVME_LM_CHUNK_STATE, 16, 32, 64, zeros));
	EXPECT_EQ(-EINVAL, rx(&r, NVME_LM_CHUNK_STATE, 16, 0, 64, zeros));
	EXPECT_EQ(-EINVAL, rx(&r, NVME_LM_CHUNK_STATE, 16, 16, 68, zeros));
	EXPECT_EQ(-EINVAL, rx(&r, NVME_LM_CHUNK_STATE, 52, 16, 64, zeros));
	ASSERT_EQ(0, rx(&r, NVME_LM_CHUNK_STATE, 48, 16, 64, zeros));
	EXPECT_TRUE(nvme_lm_rx_complete(&r));
	EXPECT_EQ(-EINVAL, rx(&r, NVME_LM_CHUNK_STATE, 4, 64, 64, zeros));
	/* Unknown chunks. */
	EXPECT_EQ(-EINVAL, rx(&r, 0, 8, 0, 0, zeros));
	EXPECT_EQ(-EINVAL, rx(&r, 4, 8, 0, 0, zeros));
}

TEST(structure_sizes)
{
	EXPECT_EQ(64, sizeof(struct nvme_lm_sqe));
	EXPECT_EQ(16, sizeof(struct nvme_lm_cqe));
	EXPECT_EQ(40, offsetof(struct nvme_lm_sqe, cdw10));
	EXPECT_EQ(60, offsetof(struct nvme_lm_sqe, cdw15));
	EXPECT_EQ(24, offsetof(struct nvme_lm_sqe, prp1));
	EXPECT_EQ(14, offsetof(struct nvme_lm_cqe, status));
}

TEST_HARNESS_MAIN
