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
#include <linux/export.h>
#include <linux/file.h>

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
