// SPDX-License-Identifier: GPL-2.0
/*
 * nvme-lm: the secondary controllers. Enumeration (Identify CNS 14h and
 * 15h), provisioning through Virtualization Management in the order the
 * specification requires (offline before resources change, resources before
 * online, online only once the VF exists), SR-IOV enable and disable, and
 * re-provisioning after a reset of the primary controller, which takes every
 * secondary controller offline.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "nvme_lm.h"

static bool nvme_lm_release_flex = true;
module_param_named(release_primary_flex, nvme_lm_release_flex, bool, 0444);
MODULE_PARM_DESC(release_primary_flex,
		 "Give the primary controller's flexible resources to the secondary controllers at probe (default on)");

/* The most secondary controllers a primary can have (16-bit identifiers). */
#define NVME_LM_MAX_SECS 0xffff

static const char *const nvme_lm_virt_act_names[] = {
	[NVME_LM_VIRT_PRI_FLEX_ALLOC] = "Primary Flexible Allocation",
	[NVME_LM_VIRT_SEC_OFFLINE] = "Secondary Offline",
	[NVME_LM_VIRT_SEC_ASSIGN] = "Secondary Assign",
	[NVME_LM_VIRT_SEC_ONLINE] = "Secondary Online",
};

static int nvme_lm_virt_mgmt(struct nvme_lm_dev *nd, u8 act, u8 rt,
			     u16 cntlid, u16 nr)
{
	struct nvme_lm_sqe cmd;
	char what[96];

	if (act == NVME_LM_VIRT_PRI_FLEX_ALLOC || act == NVME_LM_VIRT_SEC_ASSIGN)
		snprintf(what, sizeof(what),
			 "Virtualization Management (%s, controller %#x, %u %s)",
			 nvme_lm_virt_act_names[act], cntlid, nr,
			 rt == NVME_LM_RT_VQ ? "VQ" : "VI");
	else
		snprintf(what, sizeof(what),
			 "Virtualization Management (%s, controller %#x)",
			 nvme_lm_virt_act_names[act], cntlid);
	nvme_lm_cmd_virt_mgmt(&cmd, act, rt, cntlid, nr);
	return nvme_lm_cmd(nd, &cmd, NULL, NULL, what);
}

/* Re-read the Primary Controller Capabilities into @nd->caps. */
static int nvme_lm_read_caps(struct nvme_lm_dev *nd, struct nvme_lm_dma *buf)
{
	int ret;

	ret = nvme_lm_identify(nd, NVME_LM_CNS_PRI_CTRL_CAP, 0, buf);
	if (ret)
		return ret;
	return nvme_lm_parse_pri_caps(buf->cpu, buf->len, &nd->caps);
}

/* Re-read the entry of @sec from the controller. */
static int nvme_lm_read_sec(struct nvme_lm_sec *sec, struct nvme_lm_dma *buf)
{
	struct nvme_lm_dev *nd = sec->nd;
	struct nvme_lm_sec_ctrl entry;
	int ret;

	ret = nvme_lm_identify(nd, NVME_LM_CNS_SEC_CTRL_LIST, sec->hw.scid, buf);
	if (ret)
		return ret;
	ret = nvme_lm_parse_sec_list(buf->cpu, buf->len, &entry, 1);
	if (ret < 0)
		return ret;
	if (!ret || entry.scid != sec->hw.scid) {
		dev_err(nvme_lm_dev(nd),
			"secondary controller %#x missing from the list\n",
			sec->hw.scid);
		return -EPROTO;
	}
	sec->hw = entry;
	return 0;
}

/* Refresh the capabilities and the entry of @sec; errors are logged. */
static int nvme_lm_refresh(struct nvme_lm_sec *sec)
{
	struct nvme_lm_dev *nd = sec->nd;
	struct nvme_lm_dma buf;
	int ret;

	ret = nvme_lm_dma_alloc(nd, &buf, NVME_LM_IDENTIFY_SIZE);
	if (ret)
		return ret;
	ret = nvme_lm_read_caps(nd, &buf);
	if (!ret)
		ret = nvme_lm_read_sec(sec, &buf);
	nvme_lm_dma_free(nd, &buf);
	return ret;
}

/* The VF of @sec when it exists; put it with pci_dev_put(). */
static struct pci_dev *nvme_lm_sec_vf(struct nvme_lm_sec *sec)
{
	struct pci_dev *pdev = sec->nd->pdev, *vf = NULL;
	u16 vfn = sec->hw.vfn;

	if (!vfn || vfn > pci_num_vf(pdev))
		return NULL;
	/* VFs carry their PF's vendor ID. */
	while ((vf = pci_get_device(pdev->vendor, PCI_ANY_ID, vf)))
		if (vf->is_virtfn && pci_physfn(vf) == pdev &&
		    pci_iov_vf_id(vf) == vfn - 1)
			return vf;
	return NULL;
}

/* Is the VF of @sec bound to a driver (which going offline would break)? */
static bool nvme_lm_sec_vf_bound(struct nvme_lm_sec *sec)
{
	struct pci_dev *vf = nvme_lm_sec_vf(sec);
	bool bound;

	if (!vf)
		return false;
	bound = READ_ONCE(vf->dev.driver);
	pci_dev_put(vf);
	return bound;
}

int nvme_lm_fn_query(struct lm_fn *fn, struct lm_fn_attrs *attrs)
{
	struct nvme_lm_sec *sec = fn->drvdata;
	struct nvme_lm_dev *nd = sec->nd;
	struct pci_dev *vf;

	guard(mutex)(&nd->prov_lock);
	*attrs = (struct lm_fn_attrs){
		.online = sec->hw.online,
		.vf = sec->hw.vfn,
		.hw_id = sec->hw.scid,
		.queues = sec->hw.nvq,
		.irqs = sec->hw.nvi,
	};
	vf = nvme_lm_sec_vf(sec);
	if (vf) {
		attrs->pci = true;
		attrs->pci_domain = pci_domain_nr(vf->bus);
		attrs->pci_bdf = PCI_DEVID(vf->bus->number, vf->devfn);
		pci_dev_put(vf);
	}
	return 0;
}

/*
 * Make sure the VF of @sec exists: a secondary controller of a VF can only
 * go online once the VF is enabled. VFs are enabled all at once, so that
 * every secondary controller can follow without a disable.
 */
static int nvme_lm_sriov_ensure(struct nvme_lm_sec *sec)
{
	struct nvme_lm_dev *nd = sec->nd;
	struct pci_dev *pdev = nd->pdev;
	int total, ret;

	lockdep_assert_held(&nd->prov_lock);
	if (!sec->hw.vfn || sec->hw.vfn <= pci_num_vf(pdev))
		return 0;
	if (pci_num_vf(pdev)) {
		dev_err(&pdev->dev,
			"secondary controller %#x is VF %u but only %d VFs are enabled; set sriov_numvfs to 0 first\n",
			sec->hw.scid, sec->hw.vfn, pci_num_vf(pdev));
		return -EBUSY;
	}
	total = pci_sriov_get_totalvfs(pdev);
	if (sec->hw.vfn > total) {
		dev_err(&pdev->dev,
			"secondary controller %#x is VF %u, beyond TotalVFs %d\n",
			sec->hw.scid, sec->hw.vfn, total);
		return -ENXIO;
	}
	ret = pci_enable_sriov(pdev, total);
	if (ret)
		dev_err(&pdev->dev, "cannot enable %d VFs: %pe\n", total,
			ERR_PTR(ret));
	return ret;
}

/* The flexible resources the pool can give @sec, counting its own as free */
static u32 nvme_lm_pool_free(struct nvme_lm_sec *sec, u8 rt)
{
	const struct nvme_lm_pri_caps *caps = &sec->nd->caps;
	u64 total, used;

	if (rt == NVME_LM_RT_VQ) {
		total = caps->vqfrt;
		used = (u64)caps->vqrfap + caps->vqrfa - sec->hw.nvq;
	} else {
		total = caps->vifrt;
		used = (u64)caps->virfap + caps->virfa - sec->hw.nvi;
	}
	return used >= total ? 0 : total - used;
}

/* Refuse a resource count the controller cannot take, before any change. */
static int nvme_lm_check_res(struct nvme_lm_sec *sec, u8 rt, u32 nr)
{
	const struct nvme_lm_pri_caps *caps = &sec->nd->caps;
	struct device *dev = nvme_lm_dev(sec->nd);
	const char *name = rt == NVME_LM_RT_VQ ? "VQ" : "VI";
	u16 max = rt == NVME_LM_RT_VQ ? caps->vqfrsm : caps->vifrsm;
	u16 gran = rt == NVME_LM_RT_VQ ? caps->vqgran : caps->vigran;
	u32 free = nvme_lm_pool_free(sec, rt);

	if (nr > max) {
		dev_err(dev,
			"secondary controller %#x: %u %s resources requested, at most %u per secondary controller\n",
			sec->hw.scid, nr, name, max);
		return -EINVAL;
	}
	if (gran > 1 && nr % gran) {
		dev_err(dev,
			"secondary controller %#x: %u %s resources requested, not a multiple of the granularity %u\n",
			sec->hw.scid, nr, name, gran);
		return -EINVAL;
	}
	if (nr > free) {
		dev_err(dev,
			"secondary controller %#x: %u %s resources requested, %u left in the pool\n",
			sec->hw.scid, nr, name, free);
		return -ENOSPC;
	}
	return 0;
}

/* Assign @nr resources of type @rt to @sec, which is offline. */
static int nvme_lm_assign(struct nvme_lm_sec *sec, u8 rt, u16 nr)
{
	return nvme_lm_virt_mgmt(sec->nd, NVME_LM_VIRT_SEC_ASSIGN, rt,
				 sec->hw.scid, nr);
}

/*
 * Apply a provisioning request to @sec in the specification's order:
 * offline, assign VQ, assign VI, enable the VF, online. @nvq and @nvi are
 * the resources wanted, @online the state wanted.
 */
static int nvme_lm_apply(struct nvme_lm_sec *sec, bool set_vq, u16 nvq,
			 bool set_vi, u16 nvi, bool set_online, bool online)
{
	struct nvme_lm_dev *nd = sec->nd;
	int ret;

	lockdep_assert_held(&nd->prov_lock);
	if (set_online && !online && sec->hw.online) {
		ret = nvme_lm_virt_mgmt(nd, NVME_LM_VIRT_SEC_OFFLINE, 0,
					sec->hw.scid, 0);
		if (ret)
			return ret;
		sec->hw.online = false;
	}
	if (set_vq) {
		ret = nvme_lm_assign(sec, NVME_LM_RT_VQ, nvq);
		if (ret)
			return ret;
	}
	if (set_vi) {
		ret = nvme_lm_assign(sec, NVME_LM_RT_VI, nvi);
		if (ret)
			return ret;
	}
	if (set_online && online && !sec->hw.online) {
		ret = nvme_lm_sriov_ensure(sec);
		if (ret)
			return ret;
		ret = nvme_lm_virt_mgmt(nd, NVME_LM_VIRT_SEC_ONLINE, 0,
					sec->hw.scid, 0);
		if (ret)
			return ret;
	}
	return 0;
}

int nvme_lm_provision(struct lm_fn *fn, const struct lm_prov_req *req)
{
	struct nvme_lm_sec *sec = fn->drvdata;
	struct nvme_lm_dev *nd = sec->nd;
	struct device *dev = nvme_lm_dev(nd);
	bool set_vq = req->flags & LM_PROV_QUEUES;
	bool set_vi = req->flags & LM_PROV_IRQS;
	bool set_online = req->flags & LM_PROV_ONLINE;
	u32 nvq, nvi;
	int ret, err;

	guard(mutex)(&nd->prov_lock);
	nvq = set_vq ? req->queues : sec->hw.nvq;
	nvi = set_vi ? req->irqs : sec->hw.nvi;

	/* Everything that can be refused is refused before any change. */
	if (set_vq) {
		ret = nvme_lm_check_res(sec, NVME_LM_RT_VQ, nvq);
		if (ret)
			return ret;
	}
	if (set_vi) {
		ret = nvme_lm_check_res(sec, NVME_LM_RT_VI, nvi);
		if (ret)
			return ret;
	}
	if (set_online && req->online && (nvq < 2 || nvi < 1)) {
		dev_err(dev,
			"secondary controller %#x cannot go online with %u VQ and %u VI resources: it needs at least 2 VQ (admin and one I/O queue) and 1 VI\n",
			sec->hw.scid, nvq, nvi);
		return -EINVAL;
	}
	if (set_online && req->online && !sec->hw.online && sec->hw.vfn &&
	    pci_num_vf(nd->pdev) && sec->hw.vfn > pci_num_vf(nd->pdev)) {
		dev_err(dev,
			"secondary controller %#x is VF %u but only %d VFs are enabled; set sriov_numvfs to 0 first\n",
			sec->hw.scid, sec->hw.vfn, pci_num_vf(nd->pdev));
		return -EBUSY;
	}
	if (set_online && !req->online && sec->hw.online &&
	    nvme_lm_sec_vf_bound(sec)) {
		dev_err(dev,
			"secondary controller %#x: its VF is bound to a driver; unbind it before taking the controller offline\n",
			sec->hw.scid);
		return -EBUSY;
	}

	ret = nvme_lm_apply(sec, set_vq, nvq, set_vi, nvi, set_online,
			    req->online);
	/* What the controller did, whether or not all of it worked. */
	err = nvme_lm_refresh(sec);
	sec->want_nvq = sec->hw.nvq;
	sec->want_nvi = sec->hw.nvi;
	sec->want_online = sec->hw.online;
	return ret ?: err;
}

/**
 * nvme_lm_sriov_configure - The PCI driver's sriov_configure
 * @pdev: The primary controller's function
 * @num_vfs: VFs to enable, or 0 to disable them all
 *
 * Disabling takes every secondary controller offline first (unless a VF is
 * bound to a driver: -EBUSY).
 *
 * Return: the number of VFs enabled, or -errno.
 */
int nvme_lm_sriov_configure(struct pci_dev *pdev, int num_vfs)
{
	struct nvme_lm_dev *nd = pci_get_drvdata(pdev);
	unsigned int i;
	int ret;

	guard(mutex)(&nd->prov_lock);
	if (num_vfs) {
		ret = pci_enable_sriov(pdev, num_vfs);
		return ret ?: num_vfs;
	}
	for (i = 0; i < nd->nr_secs; i++) {
		struct nvme_lm_sec *sec = &nd->secs[i];

		if (sec->hw.online && nvme_lm_sec_vf_bound(sec)) {
			pci_err(pdev,
				"VF %u (secondary controller %#x) is bound to a driver; unbind it before disabling VFs\n",
				sec->hw.vfn, sec->hw.scid);
			return -EBUSY;
		}
	}
	for (i = 0; i < nd->nr_secs; i++) {
		struct nvme_lm_sec *sec = &nd->secs[i];

		if (!sec->hw.vfn || !sec->hw.online)
			continue;
		ret = nvme_lm_apply(sec, false, 0, false, 0, true, false);
		nvme_lm_refresh(sec);
		sec->want_nvq = sec->hw.nvq;
		sec->want_nvi = sec->hw.nvi;
		sec->want_online = sec->hw.online;
		if (ret)
			return ret;
	}
	pci_disable_sriov(pdev);
	return 0;
}

/**
 * nvme_lm_reprovision - Give every secondary controller back what it was
 *	provisioned with, after a reset of the primary controller
 * @nd: The device, its controller enabled
 *
 * Return: 0, or the -errno of the first failure (every controller is still
 * tried; failures are logged).
 */
int nvme_lm_reprovision(struct nvme_lm_dev *nd)
{
	unsigned int i, restored = 0;
	int ret, first = 0;

	guard(mutex)(&nd->prov_lock);
	for (i = 0; i < nd->nr_secs; i++) {
		struct nvme_lm_sec *sec = &nd->secs[i];

		ret = nvme_lm_refresh(sec);
		if (!ret && !sec->want_nvq && !sec->want_nvi &&
		    !sec->want_online)
			continue;
		if (!ret && (sec->hw.nvq != sec->want_nvq ||
			     sec->hw.nvi != sec->want_nvi ||
			     sec->hw.online != sec->want_online)) {
			/* Resources change only while offline. */
			if (sec->hw.online)
				ret = nvme_lm_apply(sec, false, 0, false, 0,
						    true, false);
			if (!ret)
				ret = nvme_lm_apply(sec,
						    sec->hw.nvq != sec->want_nvq,
						    sec->want_nvq,
						    sec->hw.nvi != sec->want_nvi,
						    sec->want_nvi, true,
						    sec->want_online);
			nvme_lm_refresh(sec);
		}
		if (ret) {
			dev_err(nvme_lm_dev(nd),
				"secondary controller %#x not re-provisioned: %pe\n",
				sec->hw.scid, ERR_PTR(ret));
			first = first ?: ret;
			continue;
		}
		restored++;
	}
	if (restored)
		dev_info(nvme_lm_dev(nd),
			 "re-provisioned %u secondary controller%s after a controller reset\n",
			 restored, restored == 1 ? "" : "s");
	return first;
}

/**
 * nvme_lm_virt_mgmt_raw - Send one Virtualization Management command as
 *	given, for debugging
 * @nd: The device
 * @act: Action
 * @rt: Resource type
 * @cntlid: Controller
 * @nr: Number of resources
 *
 * Nothing is checked before the controller sees it; what the controller
 * did is read back into every secondary controller's entry after it.
 *
 * Return: 0 or the -errno of the controller's status (logged).
 */
int nvme_lm_virt_mgmt_raw(struct nvme_lm_dev *nd, u8 act, u8 rt, u16 cntlid,
			  u16 nr)
{
	unsigned int i;
	int ret;

	if (act >= ARRAY_SIZE(nvme_lm_virt_act_names) ||
	    !nvme_lm_virt_act_names[act] || rt > NVME_LM_RT_VI)
		return -EINVAL;
	guard(mutex)(&nd->prov_lock);
	ret = nvme_lm_virt_mgmt(nd, act, rt, cntlid, nr);
	for (i = 0; i < nd->nr_secs; i++) {
		struct nvme_lm_sec *sec = &nd->secs[i];

		nvme_lm_refresh(sec);
		sec->want_nvq = sec->hw.nvq;
		sec->want_nvi = sec->hw.nvi;
		sec->want_online = sec->hw.online;
	}
	return ret;
}

/**
 * nvme_lm_show_caps - Print the Primary Controller Capabilities, read again
 * @nd: The device
 * @m: Where to
 *
 * Return: 0 or -errno.
 */
int nvme_lm_show_caps(struct nvme_lm_dev *nd, struct seq_file *m)
{
	const struct nvme_lm_pri_caps *caps = &nd->caps;
	struct nvme_lm_dma buf;
	int ret;

	ret = nvme_lm_dma_alloc(nd, &buf, NVME_LM_IDENTIFY_SIZE);
	if (ret)
		return ret;
	guard(mutex)(&nd->prov_lock);
	ret = nvme_lm_read_caps(nd, &buf);
	nvme_lm_dma_free(nd, &buf);
	if (ret)
		return ret;
	seq_printf(m, "cntlid %u\ncrt %#x\n", caps->cntlid, caps->crt);
	seq_printf(m, "vqfrt %u\nvqrfa %u\nvqrfap %u\nvqprt %u\nvqfrsm %u\nvqgran %u\n",
		   caps->vqfrt, caps->vqrfa, caps->vqrfap, caps->vqprt,
		   caps->vqfrsm, caps->vqgran);
	seq_printf(m, "vifrt %u\nvirfa %u\nvirfap %u\nviprt %u\nvifrsm %u\nvigran %u\n",
		   caps->vifrt, caps->virfa, caps->virfap, caps->viprt,
		   caps->vifrsm, caps->vigran);
	return 0;
}

/**
 * nvme_lm_reprov_work - nvme_lm_reprovision() from a worker
 * @work: &nvme_lm_dev.reprov_work
 */
void nvme_lm_reprov_work(struct work_struct *work)
{
	struct nvme_lm_dev *nd = container_of(work, struct nvme_lm_dev,
					      reprov_work);

	nvme_lm_reprovision(nd);
}

/*
 * Give the primary controller's flexible resources to the pool of the
 * secondary controllers. The allocation takes effect at the next reset
 * other than a controller reset: a function level reset here, while no VF
 * exists.
 */
static int nvme_lm_release_primary_flex(struct nvme_lm_dev *nd,
					struct nvme_lm_dma *buf)
{
	struct pci_dev *pdev = nd->pdev;
	u16 vq = nd->caps.vqrfap, vi = nd->caps.virfap;
	int ret;

	if ((!vq && !vi) || !nvme_lm_release_flex)
		return 0;
	if (pci_num_vf(pdev)) {
		pci_warn(pdev,
			 "primary controller holds %u VQ and %u VI flexible resources, not released while VFs are enabled\n",
			 vq, vi);
		return 0;
	}
	pci_info(pdev,
		 "releasing the primary controller's %u VQ and %u VI flexible resources to the secondary controllers\n",
		 vq, vi);
	if (nd->caps.crt & NVME_LM_CRT_VQ) {
		ret = nvme_lm_virt_mgmt(nd, NVME_LM_VIRT_PRI_FLEX_ALLOC,
					NVME_LM_RT_VQ, nd->caps.cntlid, 0);
		if (ret)
			return ret;
	}
	if (nd->caps.crt & NVME_LM_CRT_VI) {
		ret = nvme_lm_virt_mgmt(nd, NVME_LM_VIRT_PRI_FLEX_ALLOC,
					NVME_LM_RT_VI, nd->caps.cntlid, 0);
		if (ret)
			return ret;
	}

	nvme_lm_ctrl_quiesce(nd);
	pci_save_state(pdev);
	ret = pcie_flr(pdev);
	pci_restore_state(pdev);
	if (ret) {
		pci_err(pdev, "function level reset failed: %pe\n",
			ERR_PTR(ret));
		return ret;
	}
	ret = nvme_lm_ctrl_enable(nd);
	if (ret)
		return ret;
	return nvme_lm_read_caps(nd, buf);
}

/*
 * Append the secondary controllers of this primary from @buf's list to
 * @all, which holds @nr of them and has room for NVME_LM_MAX_SECS.
 */
static int nvme_lm_collect(struct nvme_lm_dev *nd, struct nvme_lm_dma *buf,
			   struct nvme_lm_sec_ctrl *all, unsigned int *nr,
			   unsigned int *listed, u16 *last)
{
	struct nvme_lm_sec_ctrl *list = all + *nr;
	unsigned int room = NVME_LM_MAX_SECS - *nr, i, kept = 0;
	int num;

	num = nvme_lm_parse_sec_list(buf->cpu, buf->len, list, room);
	if (num < 0)
		return num;
	if (num > room)
		return -EPROTO;
	*listed = num;
	for (i = 0; i < num; i++) {
		if ((*nr || i) && list[i].scid <= *last) {
			dev_err(nvme_lm_dev(nd),
				"secondary controller list not in ascending order (%#x after %#x)\n",
				list[i].scid, *last);
			return -EPROTO;
		}
		*last = list[i].scid;
		/* Only this primary's; the list may name others' too. */
		if (list[i].pcid == nd->id.cntlid)
			list[kept++] = list[i];
	}
	*nr += kept;
	return 0;
}

/**
 * nvme_lm_prov_init - Read the primary's capabilities and enumerate its
 *	secondary controllers
 * @nd: The device, its controller enabled
 *
 * Return: 0 or -errno, reported in the kernel log.
 */
int nvme_lm_prov_init(struct nvme_lm_dev *nd)
{
	struct nvme_lm_sec_ctrl *all __free(kvfree) = NULL;
	unsigned int nr = 0, listed, i;
	struct nvme_lm_dma buf;
	u16 last = 0;
	int ret;

	ret = nvme_lm_dma_alloc(nd, &buf, NVME_LM_IDENTIFY_SIZE);
	if (ret)
		return ret;
	ret = nvme_lm_read_caps(nd, &buf);
	if (!ret)
		ret = nvme_lm_release_primary_flex(nd, &buf);
	if (ret)
		goto out;

	all = kvcalloc(NVME_LM_MAX_SECS, sizeof(*all), GFP_KERNEL);
	if (!all) {
		ret = -ENOMEM;
		goto out;
	}
	do {
		ret = nvme_lm_identify(nd, NVME_LM_CNS_SEC_CTRL_LIST,
				       nr ? last + 1 : 0, &buf);
		if (!ret)
			ret = nvme_lm_collect(nd, &buf, all, &nr, &listed, &last);
		if (ret)
			goto out;
	} while (listed == NVME_LM_SEC_LIST_MAX && last != 0xffff);

	nd->secs = kvcalloc(nr ?: 1, sizeof(*nd->secs), GFP_KERNEL);
	if (!nd->secs) {
		ret = -ENOMEM;
		goto out;
	}
	nd->nr_secs = nr;
	for (i = 0; i < nr; i++) {
		nd->secs[i].nd = nd;
		nd->secs[i].hw = all[i];
		nd->secs[i].want_nvq = all[i].nvq;
		nd->secs[i].want_nvi = all[i].nvi;
		nd->secs[i].want_online = all[i].online;
	}
	pci_info(nd->pdev,
		 "primary controller %#x: %u secondary controllers; flexible resources %u VQ (%u per secondary), %u VI (%u per secondary)\n",
		 nd->caps.cntlid, nr, nd->caps.vqfrt, nd->caps.vqfrsm,
		 nd->caps.vifrt, nd->caps.vifrsm);
out:
	nvme_lm_dma_free(nd, &buf);
	return ret;
}

/**
 * nvme_lm_prov_teardown - Disable the VFs before the driver lets go
 * @nd: The device, unregistered from the core
 *
 * VFs assigned to a guest are left alone (with a warning): disabling them
 * would pull devices from under it.
 */
void nvme_lm_prov_teardown(struct nvme_lm_dev *nd)
{
	struct pci_dev *pdev = nd->pdev;

	if (!pci_num_vf(pdev))
		return;
	if (pci_vfs_assigned(pdev)) {
		pci_warn(pdev,
			 "VFs are assigned to a guest: they stay, and stop working as the primary controller is disabled\n");
		return;
	}
	/*
	 * Without prov_lock: nothing provisions any more (the core calls no
	 * op once unregistered, the works are cancelled, sriov_configure is
	 * serialized with remove by the device lock). Disabling the VFs
	 * unbinds their drivers, which may wait for a VFIO user, whose close
	 * resets its function under the function's lock, which is taken
	 * before prov_lock.
	 */
	pci_disable_sriov(pdev);
}
