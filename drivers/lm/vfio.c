// SPDX-License-Identifier: GPL-2.0
/*
 * Live-migration core: what a VFIO variant driver of a controlled function
 * calls. While VFIO has a function, its migration is driven through the
 * VFIO device: the variant driver's migration ops are these calls one for
 * one, so the arcs, the data files and the stream in them are those of
 * /dev/lmN, which refuses to change the function meanwhile (EBUSY). None of
 * this depends on VFIO: the variant driver is the module that does.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <linux/device.h>
#include <linux/export.h>
#include <linux/file.h>
#include <linux/kmod.h>
#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/pci.h>

#include "lm_internal.h"

/* The function of @lmdev that its driver reports at @pci_domain/@pci_bdf. */
static struct lm_fn *lm_device_find_pci(struct lm_device *lmdev,
					u32 pci_domain, u32 pci_bdf)
{
	struct lm_fn_attrs attrs;
	unsigned int i;
	int ret;

	guard(rwsem_read)(&lmdev->registration_lock);
	if (!lmdev->ops)
		return NULL;
	for (i = 0; i < lmdev->num_fns; i++) {
		struct lm_fn *fn = &lmdev->fns[i];

		memset(&attrs, 0, sizeof(attrs));
		mutex_lock(&fn->lock);
		ret = lmdev->ops->fn_query(fn, &attrs);
		mutex_unlock(&fn->lock);
		if (!ret && attrs.pci && attrs.pci_domain == pci_domain &&
		    attrs.pci_bdf == pci_bdf)
			return fn;
	}
	return NULL;
}

/**
 * lm_fn_get_pci - Find the controlled function that is a PCI function
 * @parent: The controlling function's device (a VF's pci_physfn())
 * @pci_domain: The function's PCI domain
 * @pci_bdf: Its bus << 8 | devfn
 *
 * Return: the function, with a reference on its device that lm_fn_put()
 * drops, or NULL when no registered device under @parent has it.
 */
struct lm_fn *lm_fn_get_pci(struct device *parent, u32 pci_domain,
			    u32 pci_bdf)
{
	struct lm_device *lmdev;
	unsigned long id = 0;
	struct lm_fn *fn;

	while ((lmdev = lm_device_get_next(&id))) {
		if (lmdev->dev.parent == parent) {
			fn = lm_device_find_pci(lmdev, pci_domain, pci_bdf);
			if (fn)
				return fn;
		}
		lm_put(lmdev);
		id++;
	}
	return NULL;
}
EXPORT_SYMBOL_NS_GPL(lm_fn_get_pci, LM);

/**
 * lm_fn_put - Drop the reference of lm_fn_get_pci()
 * @fn: The function, or NULL
 */
void lm_fn_put(struct lm_fn *fn)
{
	if (fn)
		lm_put(fn->lmdev);
}
EXPORT_SYMBOL_NS_GPL(lm_fn_put, LM);

/**
 * lm_fn_vfio_claim - Hand a function to VFIO
 * @fn: The function
 *
 * From then on /dev/lmN and the netlink family refuse to change it (EBUSY)
 * and report it as handed to VFIO, until lm_fn_vfio_release().
 *
 * Return: 0; -ENODEV when its device is gone; -EPERM when the function is
 * not migratable; -EBUSY when VFIO has it already, or when it is not in
 * RUNNING (a migration through /dev/lmN is under way).
 */
int lm_fn_vfio_claim(struct lm_fn *fn)
{
	struct lm_device *lmdev = fn->lmdev;

	guard(rwsem_read)(&lmdev->registration_lock);
	if (!lmdev->ops)
		return -ENODEV;
	guard(mutex)(&fn->lock);
	if (fn->vfio)
		return -EBUSY;
	if (!fn->migratable)
		return -EPERM;
	if (fn->state != LM_MIG_STATE_RUNNING || fn->stream)
		return -EBUSY;
	fn->vfio = true;
	lm_nl_fn_notify(fn);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(lm_fn_vfio_claim, LM);

/**
 * lm_fn_vfio_release - Take a function back from VFIO
 * @fn: The function, claimed by lm_fn_vfio_claim()
 *
 * A function left outside RUNNING, or with a data session, is reset first.
 */
void lm_fn_vfio_release(struct lm_fn *fn)
{
	struct lm_device *lmdev = fn->lmdev;

	guard(rwsem_read)(&lmdev->registration_lock);
	guard(mutex)(&fn->lock);
	if (WARN_ON(!fn->vfio))
		return;
	fn->vfio = false;
	if (!lmdev->ops)
		return;
	if (fn->state != LM_MIG_STATE_RUNNING || fn->stream)
		lm_fn_reset_locked(fn);
	else
		lm_nl_fn_notify(fn);
}
EXPORT_SYMBOL_NS_GPL(lm_fn_vfio_release, LM);

/**
 * lm_fn_vfio_set_state - VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, set
 * @fn: The function, claimed
 * @target: The state to move to, a &enum vfio_device_mig_state value
 *
 * The walk of LM_FN_SET_STATE.
 *
 * Return: the new data file for VFIO to install, NULL when the request
 * opened no session, or an ERR_PTR: -ENODEV when the device is gone,
 * -EINVAL for a target the function cannot take, else the driver's.
 */
struct file *lm_fn_vfio_set_state(struct lm_fn *fn, u32 target)
{
	struct lm_device *lmdev = fn->lmdev;
	struct file *filp = NULL;
	int ret;

	guard(rwsem_read)(&lmdev->registration_lock);
	if (!lmdev->ops)
		return ERR_PTR(-ENODEV);
	if (!lm_fsm_valid_target(lmdev->mig_caps, target))
		return ERR_PTR(-EINVAL);
	scoped_guard(mutex, &fn->lock) {
		if (WARN_ON(!fn->vfio))
			return ERR_PTR(-EINVAL);
		ret = lm_fn_walk_notify(fn, target, &filp);
	}
	if (ret) {
		if (filp)
			fput(filp);
		return ERR_PTR(ret);
	}
	return filp;
}
EXPORT_SYMBOL_NS_GPL(lm_fn_vfio_set_state, LM);

/**
 * lm_fn_vfio_get_state - VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, get
 * @fn: The function, claimed
 * @state: Its &enum vfio_device_mig_state
 *
 * Return: 0, or -ENODEV when the device is gone.
 */
int lm_fn_vfio_get_state(struct lm_fn *fn, u32 *state)
{
	struct lm_device *lmdev = fn->lmdev;

	guard(rwsem_read)(&lmdev->registration_lock);
	if (!lmdev->ops)
		return -ENODEV;
	guard(mutex)(&fn->lock);
	*state = fn->state;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(lm_fn_vfio_get_state, LM);

/**
 * lm_fn_vfio_data_size - VFIO_DEVICE_FEATURE_MIG_DATA_SIZE
 * @fn: The function, claimed
 * @stop_copy_length: Stream bytes a move to STOP_COPY would produce
 *
 * The estimate of LM_FN_DATA_SIZE.
 *
 * Return: 0, -ENODEV when the device is gone, or the driver's -errno.
 */
int lm_fn_vfio_data_size(struct lm_fn *fn, unsigned long *stop_copy_length)
{
	struct lm_device *lmdev = fn->lmdev;
	u64 payload;
	int ret;

	guard(rwsem_read)(&lmdev->registration_lock);
	if (!lmdev->ops)
		return -ENODEV;
	guard(mutex)(&fn->lock);
	ret = lmdev->ops->data_size(fn, &payload);
	if (ret)
		return ret;
	*stop_copy_length = lm_stream_size(fn, payload);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(lm_fn_vfio_data_size, LM);

/**
 * lm_fn_vfio_reset_done - The function was reset through its PCI function
 * @fn: The function, claimed
 *
 * After an FLR (VFIO_DEVICE_RESET, VFIO's open and close of the device):
 * the device runs again from reset, so any session ends and the function
 * is back in RUNNING, its driver's tracking reset with it.
 */
void lm_fn_vfio_reset_done(struct lm_fn *fn)
{
	struct lm_device *lmdev = fn->lmdev;

	guard(rwsem_read)(&lmdev->registration_lock);
	if (!lmdev->ops)
		return;
	guard(mutex)(&fn->lock);
	if (fn->state != LM_MIG_STATE_RUNNING || fn->stream)
		lm_fn_reset_locked(fn);
}
EXPORT_SYMBOL_NS_GPL(lm_fn_vfio_reset_done, LM);

/* The VFIO variant driver, once its module registered it. */
static DEFINE_MUTEX(lm_vfio_driver_lock);
static struct pci_driver *lm_vfio_driver;

#define LM_VFIO_DRIVER "lm-vfio-pci"

/**
 * lm_vfio_register_driver - The VFIO variant driver offers itself
 * @drv: Its PCI driver, registered, named "lm-vfio-pci"
 *
 * LM_NL_CMD_FN_ATTACH binds VFs to it from then on.
 *
 * Return: 0, or -EBUSY when another one is registered.
 */
int lm_vfio_register_driver(struct pci_driver *drv)
{
	guard(mutex)(&lm_vfio_driver_lock);
	if (lm_vfio_driver)
		return -EBUSY;
	lm_vfio_driver = drv;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(lm_vfio_register_driver, LM);

/**
 * lm_vfio_unregister_driver - The VFIO variant driver goes away
 * @drv: As registered
 */
void lm_vfio_unregister_driver(struct pci_driver *drv)
{
	guard(mutex)(&lm_vfio_driver_lock);
	if (lm_vfio_driver == drv)
		lm_vfio_driver = NULL;
}
EXPORT_SYMBOL_NS_GPL(lm_vfio_unregister_driver, LM);

/* The variant driver with a reference on its module, loading it if need be. */
static struct pci_driver *lm_vfio_driver_get(void)
{
	struct pci_driver *drv;
	int tries;

	for (tries = 0; tries < 2; tries++) {
		scoped_guard(mutex, &lm_vfio_driver_lock) {
			drv = lm_vfio_driver;
			if (drv && try_module_get(drv->driver.owner))
				return drv;
		}
		if (tries || request_module(LM_VFIO_DRIVER))
			break;
	}
	return NULL;
}

/*
 * The PCI function of @lmdev's function @index, after the checks of an
 * attach (@attach) or a detach; a reference on it, or an ERR_PTR.
 */
static struct pci_dev *lm_fn_vfio_pdev(struct lm_device *lmdev, u32 index,
				       bool attach,
				       struct netlink_ext_ack *extack)
{
	struct lm_fn_attrs attrs = {};
	struct pci_dev *pdev;
	struct lm_fn *fn;
	int ret;

	scoped_guard(rwsem_read, &lmdev->registration_lock) {
		if (!lmdev->ops) {
			NL_SET_ERR_MSG(extack, "no such device");
			return ERR_PTR(-ENODEV);
		}
		fn = lm_fn(lmdev, index);
		if (!fn) {
			NL_SET_ERR_MSG(extack,
				       "index is beyond the device's functions");
			return ERR_PTR(-ERANGE);
		}
		guard(mutex)(&fn->lock);
		ret = lmdev->ops->fn_query(fn, &attrs);
		if (ret) {
			NL_SET_ERR_MSG(extack,
				       "the device failed to report the function");
			return ERR_PTR(ret);
		}
		if (!attrs.pci) {
			NL_SET_ERR_MSG(extack,
				       "the function is not a PCI function");
			return ERR_PTR(-EOPNOTSUPP);
		}
		if (!attach && !fn->vfio) {
			NL_SET_ERR_MSG(extack,
				       "the function is not handed to VFIO");
			return ERR_PTR(-EINVAL);
		}
		if (attach && fn->vfio) {
			NL_SET_ERR_MSG(extack,
				       "the function is handed to VFIO already");
			return ERR_PTR(-EBUSY);
		}
		if (attach && !fn->migratable) {
			NL_SET_ERR_MSG(extack,
				       "only a migratable function can be handed to VFIO");
			return ERR_PTR(-EBUSY);
		}
		if (attach && fn->state != LM_MIG_STATE_RUNNING) {
			NL_SET_ERR_MSG(extack,
				       "a function can be handed to VFIO only in the RUNNING state");
			return ERR_PTR(-EBUSY);
		}
	}

	pdev = pci_get_domain_bus_and_slot(attrs.pci_domain,
					   PCI_BUS_NUM(attrs.pci_bdf),
					   attrs.pci_bdf & 0xff);
	if (!pdev) {
		NL_SET_ERR_MSG(extack,
			       "the function's PCI function is not there (are its VFs enabled?)");
		return ERR_PTR(-ENODEV);
	}
	return pdev;
}

/* @pdev's driver_override to @name, or cleared for "". */
static int lm_vfio_set_override(struct pci_dev *pdev, const char *name)
{
#ifdef LM_HAVE_DEVICE_DRIVER_OVERRIDE
	return device_set_driver_override(&pdev->dev, name);
#else
	return driver_set_override(&pdev->dev, &pdev->driver_override, name,
				   strlen(name));
#endif
}

/* Bind @pdev to @drv through driver_override. */
static int lm_vfio_bind(struct pci_dev *pdev, struct pci_driver *drv,
			struct netlink_ext_ack *extack)
{
	const char *name = drv->driver.name;
	int ret;

	/* Someone else's VF: left as it is (a race is refused below). */
	if (READ_ONCE(pdev->dev.driver)) {
		NL_SET_ERR_MSG_FMT(extack,
				   "%s is bound to a driver: unbind it first",
				   pci_name(pdev));
		return -EBUSY;
	}
	ret = lm_vfio_set_override(pdev, name);
	if (ret)
		return ret;
	ret = device_driver_attach(&drv->driver, &pdev->dev);
	if (ret == -EBUSY) {
		NL_SET_ERR_MSG_FMT(extack,
				   "%s is bound to a driver: unbind it first",
				   pci_name(pdev));
	} else if (!ret && pdev->dev.driver != &drv->driver) {
		ret = -EIO;
	} else if (ret) {
		NL_SET_ERR_MSG_FMT(extack,
				   "%s refused %s (%d): see the kernel log",
				   name, pci_name(pdev), ret);
	}
	if (ret)
		lm_vfio_set_override(pdev, "");
	return ret;
}

/**
 * lm_fn_vfio_attach - LM_NL_CMD_FN_ATTACH and LM_NL_CMD_FN_DETACH
 * @lmdev: The device, with a reference
 * @index: The function
 * @attach: Hand it to VFIO, else take it back
 * @extack: Where refusals are explained
 *
 * Called with no lock held: the variant driver's probe and remove take the
 * function's.
 *
 * Return: 0 or -errno, see the uAPI header.
 */
int lm_fn_vfio_attach(struct lm_device *lmdev, u32 index, bool attach,
		      struct netlink_ext_ack *extack)
{
	struct pci_driver *drv;
	struct pci_dev *pdev;
	int ret = 0;

	pdev = lm_fn_vfio_pdev(lmdev, index, attach, extack);
	if (IS_ERR(pdev))
		return PTR_ERR(pdev);

	if (attach) {
		drv = lm_vfio_driver_get();
		if (!drv) {
			NL_SET_ERR_MSG(extack,
				       LM_VFIO_DRIVER " is not available");
			ret = -EOPNOTSUPP;
		} else {
			ret = lm_vfio_bind(pdev, drv, extack);
			module_put(drv->driver.owner);
		}
	} else {
		/* Waits for the VFIO device's user to close it. */
		device_release_driver(&pdev->dev);
		lm_vfio_set_override(pdev, "");
	}
	pci_dev_put(pdev);
	return ret;
}
