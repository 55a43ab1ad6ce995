// SPDX-License-Identifier: GPL-2.0
/*
 * nvme-lm: the PCI driver of an NVMe primary controller acting as the
 * migration controller of its secondary controllers.
 *
 * The driver matches no device by itself: an administrator hands it a
 * primary controller with driver_override (or new_id), see
 * docs/nvme-lm.rst. It then owns that controller's admin queue, creates no
 * I/O queue and no block device, and registers the secondary controllers
 * with the live-migration core as the controlled functions of /dev/lmN.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/module.h>
#include <linux/nvme.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "nvme_lm.h"

static struct dentry *nvme_lm_debugfs_root;

/**
 * struct nvme_lm_lmdev - The lm device of a primary controller
 * @lm: The core's device, first as lm_alloc_device() requires
 *
 * Its functions' drvdata point at the &struct nvme_lm_sec they stand for.
 */
struct nvme_lm_lmdev {
	struct lm_device lm;
};

static int nvme_lm_map(struct nvme_lm_dev *nd)
{
	struct pci_dev *pdev = nd->pdev;

	nd->bar = pcim_iomap_region(pdev, 0, "nvme-lm");
	if (IS_ERR(nd->bar))
		return PTR_ERR(nd->bar);
	if (pci_resource_len(pdev, 0) < NVME_REG_DBS + 2 * sizeof(u32)) {
		pci_err(pdev, "BAR 0 too small for the admin doorbells\n");
		return -ENODEV;
	}
	nd->cap = lo_hi_readq(nd->bar + NVME_REG_CAP);
	if (nd->cap == ~0ULL)
		return -ENODEV;
	nd->db_stride = 4 << NVME_CAP_STRIDE(nd->cap);
	if (pci_resource_len(pdev, 0) < NVME_REG_DBS + 2 * nd->db_stride) {
		pci_err(pdev, "BAR 0 too small for the admin doorbells\n");
		return -ENODEV;
	}
	nd->ready_timeout_ms = (NVME_CAP_TIMEOUT(nd->cap) + 1) * 500;
	if (NVME_CAP_MPSMIN(nd->cap)) {
		pci_err(pdev,
			"controller needs memory pages of %u bytes; this driver uses 4096\n",
			1U << (12 + NVME_CAP_MPSMIN(nd->cap)));
		return -ENODEV;
	}
	return 0;
}

static int nvme_lm_read_id(struct nvme_lm_dev *nd)
{
	struct nvme_lm_dma buf;
	u64 xfer;
	int ret;

	ret = nvme_lm_dma_alloc(nd, &buf, NVME_LM_IDENTIFY_SIZE);
	if (ret)
		return ret;
	ret = nvme_lm_identify(nd, NVME_LM_CNS_CTRL, 0, &buf);
	if (!ret)
		ret = nvme_lm_parse_id_ctrl(buf.cpu, buf.len, &nd->id);
	nvme_lm_dma_free(nd, &buf);
	if (ret)
		return ret;
	if (!(nd->id.oacs & NVME_LM_OACS_VIRT_MGMT)) {
		pci_err(nd->pdev,
			"controller %#x does not support Virtualization Management: not a primary controller\n",
			nd->id.cntlid);
		return -ENODEV;
	}
	xfer = nd->id.mdts ? (u64)NVME_LM_PAGE_SIZE << min(nd->id.mdts, 20) :
			     NVME_LM_MAX_XFER;
	nd->max_xfer = min_t(u64, xfer, NVME_LM_MAX_XFER);
	return 0;
}

/*
 * debugfs virt_mgmt: write "ACT RT CNTLID NR" to send that Virtualization
 * Management command unchecked; the write fails with the errno of the
 * controller's status, which the kernel log decodes.
 */
static ssize_t nvme_lm_virt_mgmt_write(struct file *file,
				       const char __user *ubuf, size_t count,
				       loff_t *ppos)
{
	struct nvme_lm_dev *nd = file->private_data;
	unsigned int act, rt, cntlid, nr;
	char buf[64];
	int ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%i %i %i %i", &act, &rt, &cntlid, &nr) != 4 ||
	    act > 0xf || rt > 0x7 || cntlid > 0xffff || nr > 0xffff)
		return -EINVAL;
	ret = nvme_lm_virt_mgmt_raw(nd, act, rt, cntlid, nr);
	return ret ?: count;
}

static const struct file_operations nvme_lm_virt_mgmt_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = nvme_lm_virt_mgmt_write,
};

/*
 * debugfs admin_cmd: write "OPCODE [CDW10 [CDW11]]" to run an admin command
 * that transfers no data (opcode bits 1:0 clear) on the primary controller;
 * the write fails with the errno of its status, which the kernel log
 * decodes. A command the controller does not complete (Asynchronous Event
 * Request) exercises the timeout, which resets the controller.
 */
static ssize_t nvme_lm_admin_cmd_write(struct file *file,
				       const char __user *ubuf, size_t count,
				       loff_t *ppos)
{
	struct nvme_lm_dev *nd = file->private_data;
	unsigned int opc, cdw10 = 0, cdw11 = 0;
	struct nvme_lm_sqe cmd = {};
	char buf[64];
	int ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%i %i %i", &opc, &cdw10, &cdw11) < 1 || opc > 0xff ||
	    opc & 0x3)
		return -EINVAL;
	cmd.opcode = opc;
	cmd.cdw10 = cpu_to_le32(cdw10);
	cmd.cdw11 = cpu_to_le32(cdw11);
	ret = nvme_lm_cmd(nd, &cmd, NULL, NULL, "debugfs admin command");
	return ret ?: count;
}

static const struct file_operations nvme_lm_admin_cmd_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = nvme_lm_admin_cmd_write,
};

/* debugfs primary_caps: the Primary Controller Capabilities, read afresh. */
static int nvme_lm_primary_caps_show(struct seq_file *m, void *unused)
{
	return nvme_lm_show_caps(m->private, m);
}
DEFINE_SHOW_ATTRIBUTE(nvme_lm_primary_caps);

static void nvme_lm_free(struct nvme_lm_dev *nd)
{
	kvfree(nd->secs);
	kfree(nd);
}

/* Register the secondary controllers with the core as /dev/lmN. */
static int nvme_lm_register(struct nvme_lm_dev *nd, u32 mig_caps)
{
	struct nvme_lm_lmdev *lmd;
	unsigned int i;
	char compat[64];
	int ret;

	lmd = lm_alloc_device(&nd->pdev->dev, &nvme_lm_ops, nd->nr_secs,
			      struct nvme_lm_lmdev, lm);
	if (!lmd)
		return -ENOMEM;
	nd->lm = &lmd->lm;
	for (i = 0; i < nd->nr_secs; i++) {
		nd->secs[i].fn = lm_fn(nd->lm, i);
		nd->secs[i].fn->drvdata = &nd->secs[i];
	}
	nd->lm->mig_caps = mig_caps;
	nd->lm->prov_caps = LM_PROV_ONLINE |
			    (nd->caps.crt & NVME_LM_CRT_VQ ? LM_PROV_QUEUES : 0) |
			    (nd->caps.crt & NVME_LM_CRT_VI ? LM_PROV_IRQS : 0);
	/* States move only between the same model and state format. */
	if (nd->csuuidi)
		snprintf(compat, sizeof(compat), "nvme-lm/%04x/%s/cs%u/%8phN",
			 nd->id.vid, nd->id.mn, nd->cs_ver, nd->cs_uuid);
	else
		snprintf(compat, sizeof(compat), "nvme-lm/%04x/%s/cs%u",
			 nd->id.vid, nd->id.mn, nd->cs_ver);
	strscpy_pad(nd->lm->compat, compat);

	ret = lm_register_device(nd->lm);
	if (ret) {
		lm_put(nd->lm);
		nd->lm = NULL;
		return ret;
	}
	nd->registered = true;
	pci_info(nd->pdev, "%s: %u secondary controllers, migration %s\n",
		 dev_name(&nd->lm->dev), nd->nr_secs,
		 mig_caps ? "supported" : "unavailable");
	return 0;
}

static int nvme_lm_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct nvme_lm_dev *nd;
	int ret, mig_caps;

	if (pdev->is_virtfn) {
		pci_info(pdev,
			 "a VF is a secondary controller, not a primary: not taken\n");
		return -ENODEV;
	}
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	pci_set_master(pdev);
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;

	nd = kzalloc(sizeof(*nd), GFP_KERNEL);
	if (!nd)
		return -ENOMEM;
	nd->pdev = pdev;
	mutex_init(&nd->reset_lock);
	mutex_init(&nd->prov_lock);
	INIT_WORK(&nd->reset_work, nvme_lm_reset_work);
	INIT_WORK(&nd->reprov_work, nvme_lm_reprov_work);

	ret = nvme_lm_map(nd);
	if (ret)
		goto err_free;
	ret = nvme_lm_admin_alloc(nd);
	if (ret)
		goto err_free;
	ret = nvme_lm_ctrl_enable(nd);
	if (ret)
		goto err_admin;
	ret = nvme_lm_read_id(nd);
	if (ret)
		goto err_disable;
	ret = nvme_lm_prov_init(nd);
	if (ret)
		goto err_disable;
	mig_caps = nvme_lm_mig_init(nd);
	if (mig_caps < 0) {
		ret = mig_caps;
		goto err_sriov;
	}

	pci_set_drvdata(pdev, nd);
	ret = nvme_lm_register(nd, mig_caps);
	if (ret)
		goto err_sriov;
	nd->debugfs = debugfs_create_dir(pci_name(pdev), nvme_lm_debugfs_root);
	debugfs_create_file("virt_mgmt", 0200, nd->debugfs, nd,
			    &nvme_lm_virt_mgmt_fops);
	debugfs_create_file("primary_caps", 0400, nd->debugfs, nd,
			    &nvme_lm_primary_caps_fops);
	debugfs_create_file("admin_cmd", 0200, nd->debugfs, nd,
			    &nvme_lm_admin_cmd_fops);
	return 0;

err_sriov:
	nvme_lm_prov_teardown(nd);
err_disable:
	nvme_lm_ctrl_disable(nd, false);
err_admin:
	cancel_work_sync(&nd->reset_work);
	cancel_work_sync(&nd->reprov_work);
	nvme_lm_admin_free(nd);
err_free:
	nvme_lm_free(nd);
	return ret;
}

static void nvme_lm_remove(struct pci_dev *pdev)
{
	struct nvme_lm_dev *nd = pci_get_drvdata(pdev);

	/* Surprise removal: nothing may wait for the device any more. */
	if (!pci_device_is_present(pdev))
		nvme_lm_ctrl_kill(nd);

	debugfs_remove_recursive(nd->debugfs);

	lm_unregister_device(nd->lm);
	cancel_work_sync(&nd->reset_work);
	cancel_work_sync(&nd->reprov_work);
	nvme_lm_mig_teardown(nd);
	nvme_lm_prov_teardown(nd);
	nvme_lm_ctrl_disable(nd, true);
	nvme_lm_admin_free(nd);
	lm_put(nd->lm);
	nvme_lm_free(nd);
}

static void nvme_lm_shutdown(struct pci_dev *pdev)
{
	struct nvme_lm_dev *nd = pci_get_drvdata(pdev);

	nvme_lm_ctrl_disable(nd, true);
}

/* A function level reset from the PCI core (sysfs "reset", error recovery). */
static void nvme_lm_reset_prepare(struct pci_dev *pdev)
{
	struct nvme_lm_dev *nd = pci_get_drvdata(pdev);

	cancel_work_sync(&nd->reset_work);
	cancel_work_sync(&nd->reprov_work);
	nvme_lm_ctrl_quiesce(nd);
}

static void nvme_lm_reset_done(struct pci_dev *pdev)
{
	struct nvme_lm_dev *nd = pci_get_drvdata(pdev);

	if (nvme_lm_ctrl_enable(nd)) {
		pci_err(pdev, "controller did not come back after reset\n");
		return;
	}
	nvme_lm_reprovision(nd);
}

static const struct pci_error_handlers nvme_lm_err_handlers = {
	.reset_prepare = nvme_lm_reset_prepare,
	.reset_done = nvme_lm_reset_done,
};

/*
 * reset_controller: write anything to reset the primary controller
 * (CC.EN 1 -> 0 -> 1). It takes every secondary controller offline; they
 * are re-provisioned before the write returns.
 */
static ssize_t reset_controller_store(struct device *dev,
				      struct device_attribute *attr,
				      const char *buf, size_t count)
{
	struct nvme_lm_dev *nd = pci_get_drvdata(to_pci_dev(dev));
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	cancel_work_sync(&nd->reprov_work);
	ret = nvme_lm_ctrl_reset(nd);
	if (ret)
		return ret;
	ret = nvme_lm_reprovision(nd);
	return ret ?: count;
}
static DEVICE_ATTR_WO(reset_controller);

static struct attribute *nvme_lm_attrs[] = {
	&dev_attr_reset_controller.attr,
	NULL,
};

static const struct attribute_group nvme_lm_group = {
	.name = "nvme_lm",
	.attrs = nvme_lm_attrs,
};

static const struct attribute_group *nvme_lm_groups[] = {
	&nvme_lm_group,
	NULL,
};

/*
 * No ID table: nothing matches by default, devices are handed over with
 * driver_override or new_id (which takes any ID only without a table).
 */
static struct pci_driver nvme_lm_driver = {
	.name = "nvme-lm",
	.probe = nvme_lm_probe,
	.remove = nvme_lm_remove,
	.shutdown = nvme_lm_shutdown,
	.sriov_configure = nvme_lm_sriov_configure,
	.err_handler = &nvme_lm_err_handlers,
	.dev_groups = nvme_lm_groups,
};

static int __init nvme_lm_init(void)
{
	int ret;

	nvme_lm_debugfs_root = debugfs_create_dir("nvme-lm", NULL);
	ret = pci_register_driver(&nvme_lm_driver);
	if (ret)
		debugfs_remove_recursive(nvme_lm_debugfs_root);
	return ret;
}

static void __exit nvme_lm_exit(void)
{
	pci_unregister_driver(&nvme_lm_driver);
	debugfs_remove_recursive(nvme_lm_debugfs_root);
}

module_init(nvme_lm_init);
module_exit(nvme_lm_exit);

MODULE_DESCRIPTION("NVMe primary controller as the migration controller of its secondary controllers");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(LM);
