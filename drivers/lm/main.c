// SPDX-License-Identifier: GPL-2.0
/*
 * Live-migration core: registration of controlling functions, the registry
 * of devices by id, /dev/lmN and its ioctl dispatch.
 *
 * Copyright (c) 2026 The lm authors
 */
#define pr_fmt(fmt) "lm: " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "lm_internal.h"

enum {
	LM_MAX_DEVICES = 4096,
	LM_MAX_FNS = 1 << 20,
};

static dev_t lm_devt;

/*
 * Every device by id. An id is allocated with the device and holds a
 * reserved (NULL) entry, which lookups do not see, until the device is
 * freed; the entry is the device itself from registration to unregistration,
 * while its driver holds a reference. Lookups take their own reference under
 * the xarray's lock, so that the device cannot be freed under them.
 */
static DEFINE_XARRAY_ALLOC(lm_devices);

/**
 * lm_device_get - Find a registered device by id
 * @id: Its id
 *
 * Return: the device with a reference (lm_put() it), or NULL. It may be
 * unregistered by the time its registration_lock is taken: check its ops.
 */
struct lm_device *lm_device_get(unsigned long id)
{
	struct lm_device *lmdev;

	xa_lock(&lm_devices);
	lmdev = xa_load(&lm_devices, id);
	if (lmdev)
		get_device(&lmdev->dev);
	xa_unlock(&lm_devices);
	return lmdev;
}

/**
 * lm_device_published - Is the device in the registry?
 * @lmdev: The device, its registration_lock held
 *
 * True from the end of lm_register_device() until lm_unregister_device():
 * while the netlink family knows it and its monitors have been told.
 */
bool lm_device_published(const struct lm_device *lmdev)
{
	lockdep_assert_held(&lmdev->registration_lock);
	return xa_load(&lm_devices, lm_device_id(lmdev)) == lmdev;
}

/**
 * lm_device_get_next - Find the registered device with the lowest id from @id
 * @id: Where to start; set to the id found
 *
 * Return: as lm_device_get().
 */
struct lm_device *lm_device_get_next(unsigned long *id)
{
	struct lm_device *lmdev;

	xa_lock(&lm_devices);
	lmdev = xa_find(&lm_devices, id, ULONG_MAX, XA_PRESENT);
	if (lmdev)
		get_device(&lmdev->dev);
	xa_unlock(&lm_devices);
	return lmdev;
}

int lm_ucmd_respond(struct lm_ucmd *ucmd, size_t cmd_len)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, cmd_len)))
		return -EFAULT;
	return 0;
}

union lm_ucmd_buffer {
	struct lm_device_info device_info;
	struct lm_fn_info fn_info;
	struct lm_fn_provision fn_provision;
	struct lm_fn_migratable fn_migratable;
	struct lm_fn_mig_state fn_mig_state;
	struct lm_fn_data_size fn_data_size;
	struct lm_fn_reset fn_reset;
};

/**
 * struct lm_ioctl_op - One ioctl of /dev/lmN
 * @size: The kernel's size of its structure
 * @min_size: The smallest size user space may pass: the first version's
 * @ioctl_num: The ioctl number, to reject a matching nr of another type
 * @changes: Changes the device: needs an opener with CAP_SYS_ADMIN
 * @execute: The handler
 */
struct lm_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	bool changes;
	int (*execute)(struct lm_ucmd *ucmd);
};

#define IOCTL_OP(_ioctl, _fn, _struct, _last, _changes)                   \
	[_IOC_NR(_ioctl) - LM_CMD_BASE] = {                               \
		.size = sizeof(_struct) +                                 \
			BUILD_BUG_ON_ZERO(sizeof(union lm_ucmd_buffer) <  \
					  sizeof(_struct)),               \
		.min_size = offsetofend(_struct, _last),                  \
		.ioctl_num = _ioctl,                                      \
		.changes = _changes,                                      \
		.execute = _fn,                                           \
	}
static const struct lm_ioctl_op lm_ioctl_ops[] = {
	IOCTL_OP(LM_DEVICE_INFO, lm_ioctl_device_info, struct lm_device_info,
		 parent, false),
	IOCTL_OP(LM_FN_INFO, lm_ioctl_fn_info, struct lm_fn_info, memory,
		 false),
	IOCTL_OP(LM_FN_PROVISION, lm_ioctl_fn_provision,
		 struct lm_fn_provision, memory, true),
	IOCTL_OP(LM_FN_SET_MIGRATABLE, lm_ioctl_fn_set_migratable,
		 struct lm_fn_migratable, enable, true),
	IOCTL_OP(LM_FN_SET_STATE, lm_ioctl_fn_set_state,
		 struct lm_fn_mig_state, __reserved, true),
	IOCTL_OP(LM_FN_GET_STATE, lm_ioctl_fn_get_state,
		 struct lm_fn_mig_state, __reserved, false),
	IOCTL_OP(LM_FN_DATA_SIZE, lm_ioctl_fn_data_size,
		 struct lm_fn_data_size, stop_copy_length, false),
	IOCTL_OP(LM_FN_RESET, lm_ioctl_fn_reset, struct lm_fn_reset,
		 __reserved, true),
};

static long lm_fops_ioctl(struct file *filp, unsigned int cmd,
			  unsigned long arg)
{
	struct lm_device *lmdev = filp->private_data;
	const struct lm_ioctl_op *op;
	union lm_ucmd_buffer buf;
	struct lm_ucmd ucmd = {
		.lmdev = lmdev,
		.ubuffer = (void __user *)arg,
		.cmd = &buf,
	};
	unsigned int nr = _IOC_NR(cmd);
	int ret;

	if (_IOC_TYPE(cmd) != LM_TYPE || nr < LM_CMD_BASE ||
	    nr - LM_CMD_BASE >= ARRAY_SIZE(lm_ioctl_ops))
		return -ENOTTY;
	op = &lm_ioctl_ops[nr - LM_CMD_BASE];
	if (op->ioctl_num != cmd)
		return -ENOTTY;

	ret = get_user(ucmd.user_size, (u32 __user *)ucmd.ubuffer);
	if (ret)
		return ret;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	ret = copy_struct_from_user(&buf, op->size, ucmd.ubuffer,
				    ucmd.user_size);
	if (ret)
		return ret;

	/* The opener's credentials: a manager may hand the file to a VMM. */
	if (op->changes && !file_ns_capable(filp, &init_user_ns, CAP_SYS_ADMIN))
		return -EPERM;

	guard(rwsem_read)(&lmdev->registration_lock);
	if (!lmdev->ops)
		return -ENODEV;
	return op->execute(&ucmd);
}

static int lm_fops_open(struct inode *inode, struct file *filp)
{
	struct lm_device *lmdev =
		container_of(inode->i_cdev, struct lm_device, cdev);

	guard(rwsem_read)(&lmdev->registration_lock);
	if (!lmdev->ops)
		return -ENODEV;
	get_device(&lmdev->dev);
	filp->private_data = lmdev;
	return nonseekable_open(inode, filp);
}

static int lm_fops_release(struct inode *inode, struct file *filp)
{
	struct lm_device *lmdev = filp->private_data;

	put_device(&lmdev->dev);
	return 0;
}

static const struct file_operations lm_fops = {
	.owner = THIS_MODULE,
	.open = lm_fops_open,
	.release = lm_fops_release,
	.unlocked_ioctl = lm_fops_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static void lm_device_release(struct device *dev)
{
	struct lm_device *lmdev = container_of(dev, struct lm_device, dev);
	unsigned int i;

	for (i = 0; i < lmdev->num_fns; i++)
		mutex_destroy(&lmdev->fns[i].lock);
	kvfree(lmdev->fns);
	xa_erase(&lm_devices, MINOR(dev->devt));
	kfree(lmdev);
}

static char *lm_devnode(const struct device *dev, umode_t *mode)
{
	if (mode)
		*mode = 0600;
	return NULL;
}

static const struct class lm_class = {
	.name = "lm",
	.dev_release = lm_device_release,
	.devnode = lm_devnode,
	.dev_groups = lm_device_groups,
};

static int lm_alloc_fns(struct lm_device *lmdev, unsigned int num_fns)
{
	unsigned int i;

	lmdev->fns = kvcalloc(num_fns, sizeof(*lmdev->fns), GFP_KERNEL);
	if (!lmdev->fns)
		return -ENOMEM;
	for (i = 0; i < num_fns; i++) {
		struct lm_fn *fn = &lmdev->fns[i];

		fn->lmdev = lmdev;
		fn->index = i;
		fn->state = LM_MIG_STATE_RUNNING;
		mutex_init(&fn->lock);
		init_waitqueue_head(&fn->data_wait);
	}
	lmdev->num_fns = num_fns;
	return 0;
}

struct lm_device *_lm_alloc_device(struct device *parent,
				   const struct lm_ops *ops,
				   unsigned int num_fns, size_t size,
				   const char *driver_name)
{
	struct lm_device *lmdev __free(kfree) = NULL;
	u32 devnum;

	if (WARN_ON(size < sizeof(*lmdev) || !ops || !ops->fn_query ||
		    num_fns > LM_MAX_FNS))
		return NULL;

	lmdev = kzalloc(size, GFP_KERNEL);
	if (!lmdev)
		return NULL;

	if (xa_alloc(&lm_devices, &devnum, NULL,
		     XA_LIMIT(0, LM_MAX_DEVICES - 1), GFP_KERNEL))
		return NULL;

	if (lm_alloc_fns(lmdev, num_fns)) {
		xa_erase(&lm_devices, devnum);
		return NULL;
	}

	lmdev->dev.devt = lm_devt + devnum;
	lmdev->dev.class = &lm_class;
	lmdev->dev.parent = parent;
	lmdev->driver_name = driver_name;
	lmdev->ops = ops;
	init_rwsem(&lmdev->registration_lock);
	device_initialize(&lmdev->dev);
	/* From here on the release function frees everything. */
	if (dev_set_name(&lmdev->dev, "lm%u", devnum)) {
		put_device(&no_free_ptr(lmdev)->dev);
		return NULL;
	}
	return_ptr(lmdev);
}
EXPORT_SYMBOL_NS_GPL(_lm_alloc_device, LM);

static bool lm_ops_complete(const struct lm_device *lmdev)
{
	const struct lm_ops *ops = lmdev->ops;

	if (lmdev->mig_caps & ~(u32)(LM_MIG_STOP_COPY | LM_MIG_P2P |
				     LM_MIG_PRE_COPY))
		return false;
	if (lmdev->prov_caps & ~(u32)(LM_PROV_QUEUES | LM_PROV_IRQS |
				      LM_PROV_MEMORY | LM_PROV_ONLINE))
		return false;
	if (lmdev->prov_caps && !ops->provision)
		return false;
	if (!lmdev->mig_caps)
		return true;
	if (!(lmdev->mig_caps & LM_MIG_STOP_COPY) || !ops->step ||
	    !ops->save || !ops->restore || !ops->data_size || !ops->reset)
		return false;
	return !(lmdev->mig_caps & LM_MIG_PRE_COPY) || ops->precopy_info;
}

/**
 * lm_register_device - Make a controlling function visible to user space
 * @lmdev: Allocated with lm_alloc_device(), with mig_caps, prov_caps and
 *	compat filled in
 *
 * Creates /dev/lmN and the sysfs directory, then makes the device known to
 * the netlink family and announces it to the family's monitors. From the
 * moment this is called the ops may be called.
 *
 * Return: 0 or -errno; on failure the caller still owns its reference.
 */
int lm_register_device(struct lm_device *lmdev)
{
	void *old;
	int ret;

	if (WARN_ON(!lm_ops_complete(lmdev)))
		return -EINVAL;

	cdev_init(&lmdev->cdev, &lm_fops);
	lmdev->cdev.owner = THIS_MODULE;
	ret = cdev_device_add(&lmdev->cdev, &lmdev->dev);
	if (ret)
		return ret;

	/*
	 * Under the write lock, so that no change to a function is notified
	 * before the device is. Its id's entry is reserved: nothing to
	 * allocate, nothing to fail.
	 */
	scoped_guard(rwsem_write, &lmdev->registration_lock) {
		old = xa_store(&lm_devices, lm_device_id(lmdev), lmdev,
			       GFP_KERNEL);
		WARN_ON(xa_is_err(old) || old);
		lm_nl_dev_notify(lmdev, LM_NL_CMD_DEV_ADD_NTF);
	}
	return 0;
}
EXPORT_SYMBOL_NS_GPL(lm_register_device, LM);

/**
 * lm_unregister_device - Detach a controlling function from user space
 * @lmdev: Registered with lm_register_device()
 *
 * Waits for every running operation to finish, then fails every later one,
 * on /dev/lmN, on the data files and through the netlink family, with
 * -ENODEV, whatever user space still holds open. The family's monitors
 * hear of the removal after the last change to the device's functions. No
 * op is called once this returns: the driver may then tear down its
 * functions. The caller still has to lm_put() its reference.
 */
void lm_unregister_device(struct lm_device *lmdev)
{
	unsigned int i;

	down_write(&lmdev->registration_lock);
	/* Back to a reserved entry: the id stays taken until the release. */
	xa_store(&lm_devices, lm_device_id(lmdev), NULL, GFP_KERNEL);
	lmdev->ops = NULL;
	for (i = 0; i < lmdev->num_fns; i++) {
		struct lm_fn *fn = &lmdev->fns[i];

		scoped_guard(mutex, &fn->lock)
			lm_stream_end(fn);
		/* Pollers wake up to find the device gone. */
		wake_up_interruptible_all(&fn->data_wait);
	}
	/* While the device, its parent included, is still all there. */
	lm_nl_dev_notify(lmdev, LM_NL_CMD_DEV_DEL_NTF);
	up_write(&lmdev->registration_lock);

	/* Unlocked: removing the sysfs files waits for readers that lock. */
	cdev_device_del(&lmdev->cdev, &lmdev->dev);
}
EXPORT_SYMBOL_NS_GPL(lm_unregister_device, LM);

/**
 * lm_device_set_compat - Change the compatibility key of a device
 * @lmdev: The device
 * @compat: The new key; longer keys are truncated
 *
 * Streams started after this carry the new key; restores started after it
 * only accept streams with it. Not to be called from an &lm_ops callback,
 * which runs with the lock this takes held for read.
 */
void lm_device_set_compat(struct lm_device *lmdev, const char *compat)
{
	guard(rwsem_write)(&lmdev->registration_lock);
	strscpy_pad(lmdev->compat, compat);
}
EXPORT_SYMBOL_NS_GPL(lm_device_set_compat, LM);

/**
 * lm_fn_set_error - Say that a failed arc left the function broken
 * @fn: The function whose &lm_ops.step is failing
 *
 * Called from &lm_ops.step before it returns an error when the function is
 * in neither the old nor the new state: the core then moves it to ERROR,
 * from which only a reset recovers.
 */
void lm_fn_set_error(struct lm_fn *fn)
{
	lockdep_assert_held(&fn->lock);
	fn->error = true;
}
EXPORT_SYMBOL_NS_GPL(lm_fn_set_error, LM);

/**
 * lm_fn_data_ready - Tell pollers that a save session has more data
 * @fn: The function
 *
 * May be called from any context that may wake up a task, without locks.
 */
void lm_fn_data_ready(struct lm_fn *fn)
{
	wake_up_interruptible_all(&fn->data_wait);
}
EXPORT_SYMBOL_NS_GPL(lm_fn_data_ready, LM);

static int __init lm_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&lm_devt, 0, LM_MAX_DEVICES, "lm");
	if (ret)
		return ret;

	ret = class_register(&lm_class);
	if (ret)
		goto err_chrdev;

	ret = lm_nl_register();
	if (ret)
		goto err_class;
	return 0;

err_class:
	class_unregister(&lm_class);
err_chrdev:
	unregister_chrdev_region(lm_devt, LM_MAX_DEVICES);
	return ret;
}

static void __exit lm_exit(void)
{
	lm_nl_unregister();
	class_unregister(&lm_class);
	unregister_chrdev_region(lm_devt, LM_MAX_DEVICES);
	WARN_ON(!xa_empty(&lm_devices));
}

module_init(lm_init);
module_exit(lm_exit);

MODULE_DESCRIPTION("Live migration through the controlling function");
MODULE_LICENSE("GPL");
