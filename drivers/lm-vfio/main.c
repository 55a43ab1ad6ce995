// SPDX-License-Identifier: GPL-2.0
/*
 * lm-vfio-pci: the VFIO PCI variant driver of a controlled function.
 *
 * A VF whose controlling function is registered with the live-migration
 * core is handed to this driver (driver_override: it matches no device by
 * itself). It is vfio-pci for everything but migration, whose ops are the
 * core's VFIO calls one for one: the state machine, the data files and the
 * stream are the controlling function's, as through /dev/lmN, which refuses
 * to change the function while this driver has it.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <linux/lm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

/**
 * struct lm_vfio_dev - A VF handed to VFIO through this driver
 * @core: vfio-pci's device, first
 * @fn: The controlled function the VF is, claimed from probe to remove
 */
struct lm_vfio_dev {
	struct vfio_pci_core_device core;
	struct lm_fn *fn;
};

static struct lm_vfio_dev *lm_vfio_dev(struct vfio_device *vdev)
{
	return container_of(vdev, struct lm_vfio_dev, core.vdev);
}

static struct file *lm_vfio_set_state(struct vfio_device *vdev,
				      enum vfio_device_mig_state new_state)
{
	return lm_fn_vfio_set_state(lm_vfio_dev(vdev)->fn, new_state);
}

static int lm_vfio_get_state(struct vfio_device *vdev,
			     enum vfio_device_mig_state *curr_state)
{
	u32 state;
	int ret;

	ret = lm_fn_vfio_get_state(lm_vfio_dev(vdev)->fn, &state);
	if (!ret)
		*curr_state = state;
	return ret;
}

static int lm_vfio_data_size(struct vfio_device *vdev,
			     unsigned long *stop_copy_length)
{
	return lm_fn_vfio_data_size(lm_vfio_dev(vdev)->fn, stop_copy_length);
}

static const struct vfio_migration_ops lm_vfio_mig_ops = {
	.migration_set_state = lm_vfio_set_state,
	.migration_get_state = lm_vfio_get_state,
	.migration_get_data_size = lm_vfio_data_size,
};

static int lm_vfio_init_dev(struct vfio_device *vdev)
{
	struct lm_vfio_dev *ldev = lm_vfio_dev(vdev);
	struct pci_dev *pdev = to_pci_dev(vdev->dev);
	int ret;

	ret = vfio_pci_core_init_dev(vdev);
	if (ret)
		return ret;

	ldev->fn = lm_fn_get_pci(&pci_physfn(pdev)->dev,
				 pci_domain_nr(pdev->bus), pci_dev_id(pdev));
	if (!ldev->fn) {
		pci_err(pdev, "not a controlled function of a registered lm device\n");
		ret = -ENODEV;
		goto err_release;
	}
	ret = lm_fn_vfio_claim(ldev->fn);
	if (ret) {
		if (ret == -EPERM)
			pci_err(pdev, "function %u of %s is not migratable\n",
				ldev->fn->index, dev_name(&ldev->fn->lmdev->dev));
		else
			pci_err(pdev, "cannot take function %u of %s: %pe\n",
				ldev->fn->index, dev_name(&ldev->fn->lmdev->dev),
				ERR_PTR(ret));
		goto err_put;
	}

	/* enum lm_mig_caps has VFIO's values. */
	vdev->migration_flags = ldev->fn->lmdev->mig_caps &
				(VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P |
				 VFIO_MIGRATION_PRE_COPY);
	vdev->mig_ops = &lm_vfio_mig_ops;
	return 0;

err_put:
	lm_fn_put(ldev->fn);
	ldev->fn = NULL;
err_release:
	vfio_pci_core_release_dev(vdev);
	return ret;
}

static void lm_vfio_release_dev(struct vfio_device *vdev)
{
	struct lm_vfio_dev *ldev = lm_vfio_dev(vdev);

	if (ldev->fn) {
		lm_fn_vfio_release(ldev->fn);
		lm_fn_put(ldev->fn);
	}
	vfio_pci_core_release_dev(vdev);
}

static int lm_vfio_open_device(struct vfio_device *vdev)
{
	struct vfio_pci_core_device *core = &lm_vfio_dev(vdev)->core;
	int ret;

	ret = vfio_pci_core_enable(core);
	if (ret)
		return ret;
	vfio_pci_core_finish_enable(core);
	return 0;
}

static void lm_vfio_close_device(struct vfio_device *vdev)
{
	/* The user is gone: whatever it left of a migration goes too. */
	lm_fn_vfio_reset_done(lm_vfio_dev(vdev)->fn);
	vfio_pci_core_close_device(vdev);
}

static const struct vfio_device_ops lm_vfio_ops = {
	.name = "lm-vfio-pci",
	.init = lm_vfio_init_dev,
	.release = lm_vfio_release_dev,
	.open_device = lm_vfio_open_device,
	.close_device = lm_vfio_close_device,
	.ioctl = vfio_pci_core_ioctl,
	.device_feature = vfio_pci_core_ioctl_feature,
	.read = vfio_pci_core_read,
	.write = vfio_pci_core_write,
	.mmap = vfio_pci_core_mmap,
	.request = vfio_pci_core_request,
	.match = vfio_pci_core_match,
	.bind_iommufd = vfio_iommufd_physical_bind,
	.unbind_iommufd = vfio_iommufd_physical_unbind,
	.attach_ioas = vfio_iommufd_physical_attach_ioas,
	.detach_ioas = vfio_iommufd_physical_detach_ioas,
};

static int lm_vfio_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct lm_vfio_dev *ldev;
	int ret;

	if (!pdev->is_virtfn) {
		pci_err(pdev, "not a VF: lm-vfio-pci takes the VFs of a controlling function\n");
		return -EINVAL;
	}
	ldev = vfio_alloc_device(lm_vfio_dev, core.vdev, &pdev->dev,
				 &lm_vfio_ops);
	if (IS_ERR(ldev))
		return PTR_ERR(ldev);

	dev_set_drvdata(&pdev->dev, &ldev->core);
	ret = vfio_pci_core_register_device(&ldev->core);
	if (ret) {
		vfio_put_device(&ldev->core.vdev);
		return ret;
	}
	pci_info(pdev, "function %u of %s handed to VFIO\n", ldev->fn->index,
		 dev_name(&ldev->fn->lmdev->dev));
	return 0;
}

static void lm_vfio_remove(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *core = dev_get_drvdata(&pdev->dev);

	vfio_pci_core_unregister_device(core);
	vfio_put_device(&core->vdev);
}

/* An FLR of the VF: VFIO_DEVICE_RESET, or vfio-pci's on open and close. */
static void lm_vfio_reset_done(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *core = dev_get_drvdata(&pdev->dev);

	lm_fn_vfio_reset_done(lm_vfio_dev(&core->vdev)->fn);
}

static const struct pci_error_handlers lm_vfio_err_handlers = {
	.reset_done = lm_vfio_reset_done,
	.error_detected = vfio_pci_core_aer_err_detected,
};

/* Any device, but only when driver_override names this driver. */
static const struct pci_device_id lm_vfio_ids[] = {
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(PCI_ANY_ID, PCI_ANY_ID) },
	{}
};
MODULE_DEVICE_TABLE(pci, lm_vfio_ids);

static struct pci_driver lm_vfio_driver = {
	.name = "lm-vfio-pci",
	.id_table = lm_vfio_ids,
	.probe = lm_vfio_probe,
	.remove = lm_vfio_remove,
	.err_handler = &lm_vfio_err_handlers,
	.driver_managed_dma = true,
};
module_pci_driver(lm_vfio_driver);

MODULE_DESCRIPTION("VFIO PCI variant driver of the functions a live-migration controlling function controls");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(LM);
MODULE_IMPORT_NS(IOMMUFD);
