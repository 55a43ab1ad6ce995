// SPDX-License-Identifier: GPL-2.0
/*
 * Live-migration core: sysfs attributes of /sys/class/lm/lmN.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <linux/sysfs.h>

#include "lm_internal.h"

static struct lm_device *to_lm_device(struct device *dev)
{
	return container_of(dev, struct lm_device, dev);
}

static ssize_t driver_name_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", to_lm_device(dev)->driver_name);
}
static DEVICE_ATTR_RO(driver_name);

static ssize_t num_fns_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%u\n", to_lm_device(dev)->num_fns);
}
static DEVICE_ATTR_RO(num_fns);

static ssize_t mig_caps_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	u32 caps = to_lm_device(dev)->mig_caps;
	int len = 0;

	if (!caps)
		return sysfs_emit(buf, "none\n");
	if (caps & LM_MIG_STOP_COPY)
		len += sysfs_emit_at(buf, len, "stop_copy ");
	if (caps & LM_MIG_P2P)
		len += sysfs_emit_at(buf, len, "p2p ");
	if (caps & LM_MIG_PRE_COPY)
		len += sysfs_emit_at(buf, len, "pre_copy ");
	buf[len - 1] = '\n';
	return len;
}
static DEVICE_ATTR_RO(mig_caps);

static ssize_t compat_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct lm_device *lmdev = to_lm_device(dev);

	guard(rwsem_read)(&lmdev->registration_lock);
	return sysfs_emit(buf, "%.*s\n", (int)sizeof(lmdev->compat),
			  lmdev->compat);
}
static DEVICE_ATTR_RO(compat);

static struct attribute *lm_device_attrs[] = {
	&dev_attr_driver_name.attr,
	&dev_attr_num_fns.attr,
	&dev_attr_mig_caps.attr,
	&dev_attr_compat.attr,
	NULL,
};

static const struct attribute_group lm_device_group = {
	.attrs = lm_device_attrs,
};

const struct attribute_group *lm_device_groups[] = {
	&lm_device_group,
	NULL,
};
