// SPDX-License-Identifier: GPL-2.0
/*
 * lm_sim: a simulated controlling function for the live-migration core.
 *
 * Each simulated device is a platform device registered with the core as
 * an lm device whose controlled functions hold real, paged, in-memory
 * state. Tests drive the devices through debugfs (see docs/lm-sim.rst):
 * create and surprise-remove devices, read, write, fill and hash the
 * state, make it busy, slow down quiesce and inject save or restore
 * failures, and watch the arcs the core asks for.
 *
 * Copyright (c) 2026 The lm authors
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kstrtox.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "lm_sim.h"

#define LM_SIM_ALL_CAPS (LM_MIG_STOP_COPY | LM_MIG_P2P | LM_MIG_PRE_COPY)
#define LM_SIM_MAX_LOAD_DEVICES 256

static unsigned int lm_sim_nr_devices = 1;
module_param_named(devices, lm_sim_nr_devices, uint, 0444);
MODULE_PARM_DESC(devices, "Devices created at load (default 1)");

static unsigned int lm_sim_nr_fns = 4;
module_param_named(fns, lm_sim_nr_fns, uint, 0444);
MODULE_PARM_DESC(fns, "Controlled functions per device (default 4)");

static unsigned long long lm_sim_memory = SZ_1M;
module_param_named(memory, lm_sim_memory, ullong, 0444);
MODULE_PARM_DESC(memory,
		 "State bytes per function, a multiple of the page size (default 1 MiB)");

static unsigned int lm_sim_caps = LM_SIM_ALL_CAPS;
module_param_named(caps, lm_sim_caps, uint, 0444);
MODULE_PARM_DESC(caps,
		 "Migration capabilities, enum lm_mig_caps; 0: provisioning only (default 7)");

static struct dentry *lm_sim_debugfs_root;

/*
 * Sim id -> device, for debugfs "remove", which must not dereference a
 * device that may be gone. An id is reserved (a NULL entry) while its
 * device is being created; whoever erases a device's entry destroys it.
 */
static DEFINE_XARRAY_ALLOC(lm_sim_devices);
static u32 lm_sim_next_id;

/* Without STOP_COPY there is no migration, and nothing else works. */
static bool lm_sim_caps_valid(u64 caps)
{
	return !caps ||
	       (!(caps & ~(u64)LM_SIM_ALL_CAPS) && (caps & LM_MIG_STOP_COPY));
}

static struct lm_sim_fn *lm_sim_file_fn(struct file *file)
{
	return file->private_data;
}

static ssize_t lm_sim_state_file_read(struct file *file, char __user *ubuf,
				      size_t count, loff_t *ppos)
{
	return lm_sim_state_read(lm_sim_file_fn(file), ubuf, count, ppos);
}

static ssize_t lm_sim_state_file_write(struct file *file,
				       const char __user *ubuf, size_t count,
				       loff_t *ppos)
{
	return lm_sim_state_write(lm_sim_file_fn(file), ubuf, count, ppos);
}

static const struct file_operations lm_sim_state_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = lm_sim_state_file_read,
	.write = lm_sim_state_file_write,
	.llseek = default_llseek,
};

static int lm_sim_fill_set(void *data, u64 seed)
{
	return lm_sim_state_fill(data, seed);
}
DEFINE_DEBUGFS_ATTRIBUTE(lm_sim_fill_fops, NULL, lm_sim_fill_set, "%llu\n");

static int lm_sim_digest_show(struct seq_file *s, void *unused)
{
	u64 digest;
	int ret;

	ret = lm_sim_state_digest(s->private, &digest);
	if (ret)
		return ret;
	seq_printf(s, "%016llx\n", digest);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lm_sim_digest);

static int lm_sim_busy_get(void *data, u64 *val)
{
	struct lm_sim_fn *sfn = data;

	guard(mutex)(&sfn->lock);
	*val = sfn->busy;
	return 0;
}

static int lm_sim_busy_set(void *data, u64 val)
{
	if (val > LM_SIM_MAX_BUSY)
		return -EINVAL;
	lm_sim_writer_set_busy(data, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(lm_sim_busy_fops, lm_sim_busy_get, lm_sim_busy_set,
			 "%llu\n");

static int lm_sim_quiesce_delay_get(void *data, u64 *val)
{
	struct lm_sim_fn *sfn = data;

	guard(mutex)(&sfn->lock);
	*val = sfn->quiesce_delay_ms;
	return 0;
}

static int lm_sim_quiesce_delay_set(void *data, u64 val)
{
	struct lm_sim_fn *sfn = data;

	if (val > LM_SIM_MAX_QUIESCE_DELAY_MS)
		return -EINVAL;
	guard(mutex)(&sfn->lock);
	sfn->quiesce_delay_ms = val;
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(lm_sim_quiesce_delay_fops, lm_sim_quiesce_delay_get,
			 lm_sim_quiesce_delay_set, "%llu\n");

static int lm_sim_fail_save_get(void *data, u64 *val)
{
	struct lm_sim_fn *sfn = data;

	guard(mutex)(&sfn->lock);
	*val = sfn->fail_save_at;
	return 0;
}

static int lm_sim_fail_save_set(void *data, u64 val)
{
	struct lm_sim_fn *sfn = data;

	if ((s64)val < -1)
		return -EINVAL;
	guard(mutex)(&sfn->lock);
	sfn->fail_save_at = val;
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE_SIGNED(lm_sim_fail_save_fops, lm_sim_fail_save_get,
				lm_sim_fail_save_set, "%lld\n");

static int lm_sim_fail_restore_get(void *data, u64 *val)
{
	struct lm_sim_fn *sfn = data;

	guard(mutex)(&sfn->lock);
	*val = sfn->fail_restore_at;
	return 0;
}

static int lm_sim_fail_restore_set(void *data, u64 val)
{
	struct lm_sim_fn *sfn = data;

	if ((s64)val < -1)
		return -EINVAL;
	guard(mutex)(&sfn->lock);
	sfn->fail_restore_at = val;
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE_SIGNED(lm_sim_fail_restore_fops,
				lm_sim_fail_restore_get,
				lm_sim_fail_restore_set, "%lld\n");

/* A full log is "s>n " per arc: it must fit seq_file's first buffer. */
static_assert(LM_SIM_MAX_ARCS * 4 + 1 <= PAGE_SIZE);

/*
 * Reading takes the log: show() runs once per open, as the output always
 * fits the first buffer seq_file gives it.
 */
static int lm_sim_arcs_show(struct seq_file *s, void *unused)
{
	struct lm_sim_fn *sfn = s->private;
	unsigned int i;

	guard(mutex)(&sfn->lock);
	for (i = 0; i < sfn->nr_arcs; i++)
		seq_printf(s, "%s%u>%u", i ? " " : "", sfn->arcs[i][0],
			   sfn->arcs[i][1]);
	seq_putc(s, '\n');
	sfn->nr_arcs = 0;
	return 0;
}

static ssize_t lm_sim_arcs_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	struct seq_file *s = file->private_data;
	struct lm_sim_fn *sfn = s->private;

	guard(mutex)(&sfn->lock);
	sfn->nr_arcs = 0;
	return count;
}
DEFINE_SHOW_STORE_ATTRIBUTE(lm_sim_arcs);

static int lm_sim_stats_show(struct seq_file *s, void *unused)
{
	struct lm_sim_fn *sfn = s->private;

	guard(mutex)(&sfn->lock);
	seq_printf(s, "pages_allocated %lu\n", sfn->nr_pages);
	seq_printf(s, "initial_pages %lu\n", lm_sim_track_initial(sfn));
	seq_printf(s, "dirty_pages %lu\n", lm_sim_track_dirty(sfn));
	seq_printf(s, "saved_bytes %llu\n", sfn->saved_bytes);
	seq_printf(s, "restored_bytes %llu\n", sfn->restored_bytes);
	seq_printf(s, "writer_running %d\n", sfn->writer_active);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lm_sim_stats);

/**
 * struct lm_sim_debugfs_file - A debugfs file of a device or function
 * @name: Its name
 * @mode: Its mode
 * @fops: Its operations
 * @unsafe: Created with debugfs_create_file_unsafe(): @fops come from
 *	DEFINE_DEBUGFS_ATTRIBUTE(), which protects itself against removal
 */
struct lm_sim_debugfs_file {
	const char *name;
	umode_t mode;
	const struct file_operations *fops;
	bool unsafe;
};

static const struct lm_sim_debugfs_file lm_sim_fn_files[] = {
	{ "state", 0600, &lm_sim_state_fops },
	{ "fill", 0200, &lm_sim_fill_fops, true },
	{ "digest", 0400, &lm_sim_digest_fops },
	{ "busy", 0600, &lm_sim_busy_fops, true },
	{ "quiesce_delay_ms", 0600, &lm_sim_quiesce_delay_fops, true },
	{ "fail_save_at", 0600, &lm_sim_fail_save_fops, true },
	{ "fail_restore_at", 0600, &lm_sim_fail_restore_fops, true },
	{ "arcs", 0600, &lm_sim_arcs_fops },
	{ "stats", 0400, &lm_sim_stats_fops },
};

/*
 * debugfs is all there is to drive a simulated device with: one that lacks
 * a file is of no use and may not even be removable, so a failure to
 * create one fails the device.
 */
static int lm_sim_debugfs_create(struct dentry *dir, void *data,
				 const struct lm_sim_debugfs_file *files,
				 unsigned int nr, struct dentry **dentries)
{
	struct dentry *dentry;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (files[i].unsafe)
			dentry = debugfs_create_file_unsafe(files[i].name,
							    files[i].mode, dir,
							    data,
							    files[i].fops);
		else
			dentry = debugfs_create_file(files[i].name,
						     files[i].mode, dir, data,
						     files[i].fops);
		if (IS_ERR(dentry))
			return PTR_ERR(dentry);
		if (dentries)
			dentries[i] = dentry;
	}
	return 0;
}

static int lm_sim_fn_debugfs_add(struct lm_sim_fn *sfn, struct dentry *parent)
{
	struct dentry *files[ARRAY_SIZE(lm_sim_fn_files)];
	struct dentry *dir;
	char name[16];
	int ret;

	snprintf(name, sizeof(name), "fn%u", sfn->fn->index);
	dir = debugfs_create_dir(name, parent);
	if (IS_ERR(dir))
		return PTR_ERR(dir);
	ret = lm_sim_debugfs_create(dir, sfn, lm_sim_fn_files,
				    ARRAY_SIZE(lm_sim_fn_files), files);
	if (ret)
		return ret;
	/* "state" is first: its size follows the state's. */
	lm_sim_state_set_file(sfn, files[0]);
	return 0;
}

static ssize_t lm_sim_compat_read(struct file *file, char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	struct lm_sim_dev *sim = file->private_data;
	char buf[sizeof(sim->lm.compat) + 1];
	int len;

	scoped_guard(mutex, &sim->compat_lock)
		len = scnprintf(buf, sizeof(buf), "%s\n", sim->lm.compat);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static ssize_t lm_sim_compat_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	struct lm_sim_dev *sim = file->private_data;
	char compat[sizeof(sim->lm.compat)];
	size_t len = count;

	/* One write of the whole key, an ending newline allowed. */
	if (*ppos || !count || count > sizeof(compat))
		return -EINVAL;
	if (copy_from_user(compat, ubuf, count))
		return -EFAULT;
	if (compat[len - 1] == '\n')
		len--;
	if (!len || len >= sizeof(compat) || memchr(compat, '\0', len))
		return -EINVAL;
	compat[len] = '\0';

	guard(mutex)(&sim->compat_lock);
	lm_device_set_compat(&sim->lm, compat);
	return count;
}

static const struct file_operations lm_sim_compat_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = lm_sim_compat_read,
	.write = lm_sim_compat_write,
	.llseek = default_llseek,
};

static int lm_sim_lm_show(struct seq_file *s, void *unused)
{
	struct lm_sim_dev *sim = s->private;

	seq_printf(s, "%s\n", dev_name(&sim->lm.dev));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lm_sim_lm);

static int lm_sim_remove(u32 id);

/*
 * Created "unsafe", with the device's id rather than the device as its
 * data: it removes its own directory, which debugfs would otherwise wait
 * for it to leave.
 */
static ssize_t lm_sim_remove_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	u32 id = (uintptr_t)file->private_data;
	bool remove;
	int ret;

	ret = kstrtobool_from_user(ubuf, count, &remove);
	if (ret)
		return ret;
	if (!remove)
		return -EINVAL;
	ret = lm_sim_remove(id);
	return ret ?: count;
}

static const struct file_operations lm_sim_remove_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = lm_sim_remove_write,
	.llseek = noop_llseek,
};

static const struct lm_sim_debugfs_file lm_sim_dev_files[] = {
	{ "compat", 0600, &lm_sim_compat_fops },
	{ "lm", 0400, &lm_sim_lm_fops },
};

/* sim->debugfs, a directory or an ERR_PTR, is the caller's to remove. */
static int lm_sim_debugfs_add(struct lm_sim_dev *sim)
{
	static const struct lm_sim_debugfs_file remove = {
		"remove", 0200, &lm_sim_remove_fops, true
	};
	unsigned int i;
	char name[16];
	int ret;

	snprintf(name, sizeof(name), "sim%u", sim->id);
	sim->debugfs = debugfs_create_dir(name, lm_sim_debugfs_root);
	if (IS_ERR(sim->debugfs))
		return PTR_ERR(sim->debugfs);
	ret = lm_sim_debugfs_create(sim->debugfs, (void *)(uintptr_t)sim->id,
				    &remove, 1, NULL);
	if (ret)
		return ret;
	ret = lm_sim_debugfs_create(sim->debugfs, sim, lm_sim_dev_files,
				    ARRAY_SIZE(lm_sim_dev_files), NULL);
	for (i = 0; !ret && i < sim->lm.num_fns; i++)
		ret = lm_sim_fn_debugfs_add(&sim->fns[i], sim->debugfs);
	return ret;
}

static int lm_sim_fns_init(struct lm_sim_dev *sim, u64 memory)
{
	unsigned int nfns = sim->lm.num_fns;
	unsigned int i;

	sim->fns = kvcalloc(nfns, sizeof(*sim->fns), GFP_KERNEL);
	if (!sim->fns)
		return -ENOMEM;

	for (i = 0; i < nfns; i++) {
		struct lm_sim_fn *sfn = &sim->fns[i];

		sfn->sim = sim;
		sfn->fn = lm_fn(&sim->lm, i);
		sfn->fn->drvdata = sfn;
		lm_sim_state_init(sfn, memory);
		sfn->fail_save_at = -1;
		sfn->fail_restore_at = -1;
		sfn->online = true;
		sfn->queues = LM_SIM_INITIAL_QUEUES;
		sfn->irqs = LM_SIM_INITIAL_IRQS;
	}
	sim->queues_used = (u64)LM_SIM_INITIAL_QUEUES * nfns;
	sim->irqs_used = (u64)LM_SIM_INITIAL_IRQS * nfns;
	return 0;
}

static void lm_sim_fns_destroy(struct lm_sim_dev *sim)
{
	unsigned int i;

	for (i = 0; i < sim->lm.num_fns; i++)
		lm_sim_state_destroy(&sim->fns[i]);
	kvfree(sim->fns);
}

/*
 * A device, registered with the core, but not yet findable by its id: the
 * caller lm_sim_publish()es it.
 */
static struct lm_sim_dev *lm_sim_create(unsigned int nfns, u32 caps,
					u64 memory)
{
	struct platform_device *pdev;
	struct lm_sim_dev *sim;
	u32 id;
	int ret;

	ret = xa_alloc_cyclic(&lm_sim_devices, &id, NULL, xa_limit_31b,
			      &lm_sim_next_id, GFP_KERNEL);
	if (ret < 0)
		return ERR_PTR(ret);

	pdev = platform_device_register_simple(KBUILD_MODNAME, id, NULL, 0);
	if (IS_ERR(pdev)) {
		ret = PTR_ERR(pdev);
		goto err_free_id;
	}

	sim = lm_alloc_device(&pdev->dev, &lm_sim_ops, nfns,
			      struct lm_sim_dev, lm);
	if (!sim) {
		ret = -ENOMEM;
		goto err_unregister_pdev;
	}
	sim->id = id;
	sim->pdev = pdev;
	mutex_init(&sim->pool_lock);
	mutex_init(&sim->compat_lock);
	sim->lm.mig_caps = caps;
	sim->lm.prov_caps = LM_PROV_QUEUES | LM_PROV_IRQS | LM_PROV_MEMORY |
			    LM_PROV_ONLINE;
	strscpy_pad(sim->lm.compat, LM_SIM_COMPAT_DEFAULT);

	ret = lm_sim_fns_init(sim, memory);
	if (ret)
		goto err_put_lm;

	/* Before registering: ops may run from then on, and need the file. */
	ret = lm_sim_debugfs_add(sim);
	if (ret)
		goto err_remove_debugfs;
	ret = lm_register_device(&sim->lm);
	if (ret)
		goto err_remove_debugfs;
	return sim;

err_remove_debugfs:
	debugfs_remove_recursive(sim->debugfs);
	lm_sim_fns_destroy(sim);
err_put_lm:
	mutex_destroy(&sim->compat_lock);
	mutex_destroy(&sim->pool_lock);
	lm_put(&sim->lm);
err_unregister_pdev:
	platform_device_unregister(pdev);
err_free_id:
	xa_erase(&lm_sim_devices, id);
	return ERR_PTR(ret);
}

/* Undo lm_sim_create(), whatever user space still holds open. */
static void lm_sim_destroy(struct lm_sim_dev *sim)
{
	struct platform_device *pdev = sim->pdev;

	/* First: from here on the core fails every user call with -ENODEV. */
	lm_unregister_device(&sim->lm);
	/* Waits for the debugfs handlers that are running. */
	debugfs_remove_recursive(sim->debugfs);
	lm_sim_fns_destroy(sim);
	mutex_destroy(&sim->compat_lock);
	mutex_destroy(&sim->pool_lock);
	lm_put(&sim->lm);
	platform_device_unregister(pdev);
}

static int lm_sim_publish(struct lm_sim_dev *sim)
{
	int ret;

	ret = xa_err(xa_store(&lm_sim_devices, sim->id, sim, GFP_KERNEL));
	if (ret) {
		u32 id = sim->id;

		lm_sim_destroy(sim);
		xa_erase(&lm_sim_devices, id);
	}
	return ret;
}

static int lm_sim_remove(u32 id)
{
	struct lm_sim_dev *sim = xa_load(&lm_sim_devices, id);

	/* Only one remover gets to erase it. */
	if (!sim || xa_cmpxchg(&lm_sim_devices, id, sim, NULL, 0) != sim)
		return -ENODEV;
	lm_sim_destroy(sim);
	return 0;
}

static void lm_sim_remove_all(void)
{
	struct lm_sim_dev *sim;
	unsigned long id;

	xa_for_each(&lm_sim_devices, id, sim)
		lm_sim_remove(id);
}

/**
 * struct lm_sim_new_file - An open debugfs "new" file
 * @lock: Protects @reply and @reply_len
 * @reply: What a read returns: "simK lmN\n" of the device the last write
 *	created
 * @reply_len: Bytes of @reply, 0 before a device is created
 */
struct lm_sim_new_file {
	/* Concurrent writes and reads of one open file. */
	struct mutex lock;
	char reply[48];
	size_t reply_len;
};

static int lm_sim_new_open(struct inode *inode, struct file *file)
{
	struct lm_sim_new_file *nf = kzalloc(sizeof(*nf), GFP_KERNEL);

	if (!nf)
		return -ENOMEM;
	mutex_init(&nf->lock);
	file->private_data = nf;
	return 0;
}

static int lm_sim_new_release(struct inode *inode, struct file *file)
{
	struct lm_sim_new_file *nf = file->private_data;

	mutex_destroy(&nf->lock);
	kfree(nf);
	return 0;
}

/* A number in decimal, or in hexadecimal after "0x". */
static int lm_sim_parse_u64(const char *s, u64 *val)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');

	return kstrtou64(s, hex ? 16 : 10, val);
}

/* "NFNS [CAPS [MEMORY]]" into @args, which holds the defaults. */
static int lm_sim_parse_new(char *buf, u64 args[3])
{
	unsigned int n = 0;
	char *token;

	while ((token = strsep(&buf, " \t\n"))) {
		if (!*token)
			continue;
		if (n == 3 || lm_sim_parse_u64(token, &args[n]))
			return -EINVAL;
		n++;
	}
	return n ? 0 : -EINVAL;
}

static ssize_t lm_sim_new_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct lm_sim_new_file *nf = file->private_data;
	u64 args[3] = { 0, lm_sim_caps, lm_sim_memory };
	struct lm_sim_dev *sim;
	int ret;

	if (count > 128)
		return -EINVAL;
	char *buf __free(kfree) = memdup_user_nul(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);

	ret = lm_sim_parse_new(buf, args);
	if (ret)
		return ret;
	if (!args[0] || args[0] > LM_SIM_MAX_FNS ||
	    !lm_sim_caps_valid(args[1]) || !lm_sim_memory_valid(args[2]))
		return -EINVAL;

	guard(mutex)(&nf->lock);
	sim = lm_sim_create(args[0], args[1], args[2]);
	if (IS_ERR(sim))
		return PTR_ERR(sim);
	/* While the device cannot be removed under us. */
	nf->reply_len = scnprintf(nf->reply, sizeof(nf->reply), "sim%u %s\n",
				  sim->id, dev_name(&sim->lm.dev));
	ret = lm_sim_publish(sim);
	if (ret) {
		nf->reply_len = 0;
		return ret;
	}
	return count;
}

static ssize_t lm_sim_new_read(struct file *file, char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct lm_sim_new_file *nf = file->private_data;

	guard(mutex)(&nf->lock);
	return simple_read_from_buffer(ubuf, count, ppos, nf->reply,
				       nf->reply_len);
}

static const struct file_operations lm_sim_new_fops = {
	.owner = THIS_MODULE,
	.open = lm_sim_new_open,
	.release = lm_sim_new_release,
	.read = lm_sim_new_read,
	.write = lm_sim_new_write,
	.llseek = default_llseek,
};

static int __init lm_sim_init(void)
{
	struct dentry *new;
	unsigned int i;
	int ret;

	if (!lm_sim_nr_fns || lm_sim_nr_fns > LM_SIM_MAX_FNS ||
	    lm_sim_nr_devices > LM_SIM_MAX_LOAD_DEVICES ||
	    !lm_sim_caps_valid(lm_sim_caps) ||
	    !lm_sim_memory_valid(lm_sim_memory)) {
		pr_err("invalid module parameters\n");
		return -EINVAL;
	}

	lm_sim_debugfs_root = debugfs_create_dir(KBUILD_MODNAME, NULL);
	for (i = 0; i < lm_sim_nr_devices; i++) {
		struct lm_sim_dev *sim = lm_sim_create(lm_sim_nr_fns,
						       lm_sim_caps,
						       lm_sim_memory);

		if (IS_ERR(sim)) {
			ret = PTR_ERR(sim);
			goto err_remove_devices;
		}
		ret = lm_sim_publish(sim);
		if (ret)
			goto err_remove_devices;
	}
	/*
	 * Last: nothing to undo once devices can be created at run time, and
	 * none was if the file could not be.
	 */
	new = debugfs_create_file("new", 0600, lm_sim_debugfs_root, NULL,
				  &lm_sim_new_fops);
	if (IS_ERR(new)) {
		ret = PTR_ERR(new);
		goto err_remove_devices;
	}
	return 0;

err_remove_devices:
	lm_sim_remove_all();
	debugfs_remove_recursive(lm_sim_debugfs_root);
	return ret;
}

static void __exit lm_sim_exit(void)
{
	lm_sim_remove_all();
	debugfs_remove_recursive(lm_sim_debugfs_root);
	xa_destroy(&lm_sim_devices);
}

module_init(lm_sim_init);
module_exit(lm_sim_exit);

MODULE_IMPORT_NS(LM);
MODULE_DESCRIPTION("Simulated controlling function for live migration");
MODULE_LICENSE("GPL");
