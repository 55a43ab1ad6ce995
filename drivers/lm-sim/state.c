// SPDX-License-Identifier: GPL-2.0
/*
 * lm_sim: the device state of a simulated function, its dirty tracking, and
 * the background writer that plays the running device.
 *
 * The state is an xarray of pages, allocated when first written, so that a
 * function of several GiB costs nothing until it is used and never needs a
 * large allocation. Dirty tracking follows what a device with page-granular
 * dirty logging does: a writer sets a page's dirty bit after changing its
 * content, the saver clears the bit before copying the content, so a page
 * that changes while it is copied is sent again.
 *
 * Copyright (c) 2026 The lm authors
 */
#include <linux/bitmap.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/xxhash.h>

#include "lm_sim.h"

#define LM_SIM_WORDS_PER_PAGE (PAGE_SIZE / sizeof(u64))

/* The fill pattern's generator; tests compute the same in user space. */
static u64 lm_sim_splitmix64(u64 x)
{
	u64 z = x + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void lm_sim_writer_fn(struct work_struct *work);

void lm_sim_state_init(struct lm_sim_fn *sfn, u64 memory)
{
	mutex_init(&sfn->lock);
	xa_init(&sfn->pages);
	INIT_LIST_HEAD(&sfn->spare);
	INIT_DELAYED_WORK(&sfn->writer, lm_sim_writer_fn);
	sfn->memory = memory;
	/* Functions start in RUNNING. */
	sfn->writer_active = true;
}

static int lm_sim_track_alloc(struct lm_sim_fn *sfn)
{
	size_t words = BITS_TO_LONGS(lm_sim_npages(sfn));
	unsigned long *bits;

	lockdep_assert_held(&sfn->lock);
	if (sfn->initial)
		return 0;
	bits = kvcalloc(2 * words, sizeof(*bits), GFP_KERNEL_ACCOUNT);
	if (!bits)
		return -ENOMEM;
	sfn->initial = bits;
	sfn->dirty = bits + words;
	return 0;
}

static void lm_sim_spare_free(struct lm_sim_fn *sfn)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, &sfn->spare, lru) {
		list_del(&page->lru);
		__free_page(page);
		cond_resched();
	}
}

/*
 * Zeroes the state: frees every page, or with @keep makes it a spare, and
 * frees the tracking bitmaps.
 */
static void lm_sim_pages_drop(struct lm_sim_fn *sfn, bool keep)
{
	unsigned long index;
	void *page;

	lockdep_assert_held(&sfn->lock);
	xa_for_each(&sfn->pages, index, page) {
		if (keep)
			list_add(&virt_to_page(page)->lru, &sfn->spare);
		else
			free_page((unsigned long)page);
		cond_resched();
	}
	xa_destroy(&sfn->pages);
	sfn->nr_pages = 0;
	if (!keep)
		lm_sim_spare_free(sfn);

	kvfree(sfn->initial);
	sfn->initial = NULL;
	sfn->dirty = NULL;
	WRITE_ONCE(sfn->initial_left, 0);
}

static void lm_sim_pages_free(struct lm_sim_fn *sfn)
{
	lm_sim_pages_drop(sfn, false);
}

/*
 * The page at @index; one that was never written is allocated, with the
 * PAGE_SIZE bytes at @src if given, else zeroed.
 */
static void *lm_sim_page_get_new(struct lm_sim_fn *sfn, unsigned long index,
				 const void *src)
{
	void *page;
	int ret;

	lockdep_assert_held(&sfn->lock);
	page = xa_load(&sfn->pages, index);
	if (page)
		return page;

	/* A written page may be dirtied, so it needs the bitmaps. */
	if (lm_sim_track_alloc(sfn))
		return NULL;
	/*
	 * A page about to be overwritten whole is not cleared first, and a
	 * restore reuses the pages the state had.
	 */
	if (src) {
		struct page *spare = list_first_entry_or_null(&sfn->spare,
							      struct page, lru);

		if (spare) {
			list_del(&spare->lru);
			page = page_address(spare);
		} else {
			page = (void *)__get_free_page(GFP_KERNEL_ACCOUNT);
		}
		if (page)
			memcpy(page, src, PAGE_SIZE);
	} else {
		page = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	}
	if (!page)
		return NULL;
	ret = xa_err(xa_store(&sfn->pages, index, page, GFP_KERNEL_ACCOUNT));
	if (ret) {
		free_page((unsigned long)page);
		return NULL;
	}
	sfn->nr_pages++;
	return page;
}

/* The page at @index, allocated (zeroed) if it was never written. */
static void *lm_sim_page_get(struct lm_sim_fn *sfn, unsigned long index)
{
	return lm_sim_page_get_new(sfn, index, NULL);
}

/* Called once the content of the page at @index has changed. */
static void lm_sim_page_written(struct lm_sim_fn *sfn, unsigned long index)
{
	lockdep_assert_held(&sfn->lock);
	/* Pairs with test_and_clear_bit() in lm_sim_track_take(). */
	smp_mb__before_atomic();
	set_bit(index, sfn->dirty);
}

void lm_sim_state_destroy(struct lm_sim_fn *sfn)
{
	lm_sim_writer_stop(sfn);
	scoped_guard(mutex, &sfn->lock)
		lm_sim_pages_free(sfn);
	mutex_destroy(&sfn->lock);
}

/**
 * lm_sim_state_clear - Zero a function's state
 * @sfn: The function, with no save session open
 *
 * Only for lm_ops callbacks: the saver copies pages without @sfn->lock,
 * relying on the core's function lock to keep them from being freed.
 */
void lm_sim_state_clear(struct lm_sim_fn *sfn)
{
	guard(mutex)(&sfn->lock);
	lm_sim_pages_free(sfn);
}

static void lm_sim_state_file_resize(struct lm_sim_fn *sfn)
{
	struct inode *inode;

	if (!sfn->state_file)
		return;
	inode = d_inode(sfn->state_file);
	inode_lock(inode);
	i_size_write(inode, sfn->memory);
	inode_unlock(inode);
}

/**
 * lm_sim_state_set_file - Give a function its debugfs "state" file
 * @sfn: The function
 * @file: The file's dentry
 *
 * The file's size follows the state's, for tools that look at it.
 */
void lm_sim_state_set_file(struct lm_sim_fn *sfn, struct dentry *file)
{
	sfn->state_file = file;
	lm_sim_state_file_resize(sfn);
}

/**
 * lm_sim_state_resize - Change the size of a function's state
 * @sfn: The function, with no data session open
 * @memory: The new size, valid for lm_sim_memory_valid()
 *
 * Zeroes the state. Only for lm_ops callbacks, like lm_sim_state_clear().
 */
void lm_sim_state_resize(struct lm_sim_fn *sfn, u64 memory)
{
	scoped_guard(mutex, &sfn->lock) {
		lm_sim_pages_free(sfn);
		sfn->memory = memory;
	}
	lm_sim_state_file_resize(sfn);
}

/**
 * lm_sim_state_restore_begin - Zero the state for a restore session
 * @sfn: The function, with no data session open
 *
 * Like lm_sim_state_clear(), but the pages are kept as spares, which the
 * pages the session receives reuse: a device's memory is there to be
 * overwritten, and the kernel may clear every page it allocates.
 */
void lm_sim_state_restore_begin(struct lm_sim_fn *sfn)
{
	guard(mutex)(&sfn->lock);
	lm_sim_pages_drop(sfn, true);
}

/**
 * lm_sim_state_restore_end - Free the spares a restore session left
 * @sfn: The function, leaving RESUMING
 */
void lm_sim_state_restore_end(struct lm_sim_fn *sfn)
{
	guard(mutex)(&sfn->lock);
	lm_sim_spare_free(sfn);
}

/**
 * lm_sim_state_restore - Write restored pages into the state
 * @sfn: The function, in a restore session, with @sfn->lock held
 * @offset: Byte offset, page aligned
 * @src: The pages' content
 * @len: Bytes, a multiple of PAGE_SIZE; @offset + @len within the state
 *
 * Return: 0 or -ENOMEM.
 */
int lm_sim_state_restore(struct lm_sim_fn *sfn, u64 offset, const void *src,
			 size_t len)
{
	unsigned long index = offset >> PAGE_SHIFT;
	size_t done;

	lockdep_assert_held(&sfn->lock);
	for (done = 0; done < len; done += PAGE_SIZE, index++) {
		void *page = xa_load(&sfn->pages, index);

		if (page) {
			memcpy(page, src + done, PAGE_SIZE);
			continue;
		}
		if (!lm_sim_page_get_new(sfn, index, src + done))
			return -ENOMEM;
	}
	return 0;
}

/**
 * lm_sim_state_read - Read the state, for debugfs
 * @sfn: The function
 * @ubuf: Where to
 * @count: Bytes wanted
 * @ppos: Offset in the state, advanced by what was read
 *
 * Return: bytes read, 0 at the end of the state, or -errno.
 */
ssize_t lm_sim_state_read(struct lm_sim_fn *sfn, char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	loff_t pos = *ppos;
	size_t done = 0;

	if (pos < 0)
		return -EINVAL;

	guard(mutex)(&sfn->lock);
	if (pos >= sfn->memory || !count)
		return 0;
	count = min_t(u64, count, sfn->memory - pos);

	while (done < count) {
		size_t offset = offset_in_page(pos);
		size_t n = min_t(size_t, count - done, PAGE_SIZE - offset);
		const void *page = xa_load(&sfn->pages, pos >> PAGE_SHIFT);
		unsigned long left;

		if (page)
			left = copy_to_user(ubuf + done, page + offset, n);
		else
			left = clear_user(ubuf + done, n);
		done += n - left;
		pos += n - left;
		if (left || fatal_signal_pending(current))
			break;
		cond_resched();
	}

	*ppos = pos;
	return done ?: -EFAULT;
}

/**
 * lm_sim_state_write - Write the state, for debugfs, like the device would
 * @sfn: The function
 * @ubuf: What to write
 * @count: Bytes to write
 * @ppos: Offset in the state, advanced by what was written
 *
 * The pages written become dirty, and a save session is told about them.
 *
 * Return: bytes written, or -errno: -ENOSPC at the end of the state.
 */
ssize_t lm_sim_state_write(struct lm_sim_fn *sfn, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	loff_t pos = *ppos;
	size_t done = 0;
	bool saving;
	int ret = 0;

	if (pos < 0)
		return -EINVAL;
	if (!count)
		return 0;

	scoped_guard(mutex, &sfn->lock) {
		if (pos >= sfn->memory)
			return -ENOSPC;
		count = min_t(u64, count, sfn->memory - pos);

		while (done < count) {
			unsigned long index = pos >> PAGE_SHIFT;
			size_t offset = offset_in_page(pos);
			size_t n = min_t(size_t, count - done,
					 PAGE_SIZE - offset);
			void *page = lm_sim_page_get(sfn, index);
			unsigned long left;

			if (!page) {
				ret = -ENOMEM;
				break;
			}
			left = copy_from_user(page + offset, ubuf + done, n);
			/* Even a partial copy may have changed the page. */
			lm_sim_page_written(sfn, index);
			done += n - left;
			pos += n - left;
			if (left) {
				ret = -EFAULT;
				break;
			}
			if (fatal_signal_pending(current))
				break;
			cond_resched();
		}
		saving = sfn->saving;
	}

	if (done && saving)
		lm_fn_data_ready(sfn->fn);
	*ppos = pos;
	return done ?: ret;
}

/**
 * lm_sim_state_fill - Fill the whole state with the test pattern
 * @sfn: The function
 * @seed: The pattern's seed
 *
 * Little-endian 64-bit word i of the state becomes splitmix64(@seed + i).
 * Every page becomes dirty, and a save session is told about them.
 *
 * Return: 0, -ENOMEM or -EINTR (with the state partly filled).
 */
int lm_sim_state_fill(struct lm_sim_fn *sfn, u64 seed)
{
	unsigned long index;
	bool saving;
	int ret = 0;

	scoped_guard(mutex, &sfn->lock) {
		for (index = 0; index < lm_sim_npages(sfn); index++) {
			u64 x = seed + (u64)index * LM_SIM_WORDS_PER_PAGE;
			__le64 *page = lm_sim_page_get(sfn, index);
			unsigned int i;

			if (!page) {
				ret = -ENOMEM;
				break;
			}
			for (i = 0; i < LM_SIM_WORDS_PER_PAGE; i++)
				page[i] = cpu_to_le64(lm_sim_splitmix64(x + i));
			lm_sim_page_written(sfn, index);
			if (fatal_signal_pending(current)) {
				ret = -EINTR;
				break;
			}
			cond_resched();
		}
		saving = sfn->saving;
	}

	if (saving)
		lm_fn_data_ready(sfn->fn);
	return ret;
}

/**
 * lm_sim_state_digest - Hash the whole state
 * @sfn: The function
 * @digest: Output: XXH64, seed 0, of the state's bytes, zero pages included
 *
 * Return: 0 or -EINTR.
 */
int lm_sim_state_digest(struct lm_sim_fn *sfn, u64 *digest)
{
	const void *zeros = page_address(ZERO_PAGE(0));
	struct xxh64_state state;
	unsigned long index;

	xxh64_reset(&state, 0);
	guard(mutex)(&sfn->lock);
	for (index = 0; index < lm_sim_npages(sfn); index++) {
		const void *page = xa_load(&sfn->pages, index);

		xxh64_update(&state, page ?: zeros, PAGE_SIZE);
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	*digest = xxh64_digest(&state);
	return 0;
}

/**
 * lm_sim_track_begin - Start tracking for a save session
 * @sfn: The function
 *
 * Every page there is becomes part of the initial image, none is dirty.
 *
 * Return: 0 or -ENOMEM.
 */
int lm_sim_track_begin(struct lm_sim_fn *sfn)
{
	unsigned long npages = lm_sim_npages(sfn);
	unsigned long index;
	void *page;
	int ret;

	guard(mutex)(&sfn->lock);
	/* Now, so that the saver never sees them appear. */
	ret = lm_sim_track_alloc(sfn);
	if (ret)
		return ret;

	/* Writers set bits only under @lock, and the saver is not running. */
	bitmap_zero(sfn->dirty, npages);
	bitmap_zero(sfn->initial, npages);
	xa_for_each(&sfn->pages, index, page) {
		__set_bit(index, sfn->initial);
		cond_resched();
	}
	WRITE_ONCE(sfn->initial_left, sfn->nr_pages);
	sfn->initial_next = 0;
	sfn->dirty_next = 0;
	sfn->saving = true;
	return 0;
}

void lm_sim_track_end(struct lm_sim_fn *sfn)
{
	guard(mutex)(&sfn->lock);
	sfn->saving = false;
	if (sfn->initial)
		bitmap_zero(sfn->initial, lm_sim_npages(sfn));
	WRITE_ONCE(sfn->initial_left, 0);
}

/**
 * lm_sim_track_take - Take the next page to save
 * @sfn: The function, in a save session; called by the saver only
 * @initial: Take it from the initial image (then it is no longer dirty
 *	either), else from the dirty pages
 * @index: Output: the page's index
 *
 * Searches on from where the last search stopped, wrapping around once,
 * so that pages dirtied again and again do not starve the others.
 *
 * Return: the page, whose content the caller copies at once, or NULL when
 * none is marked.
 */
const void *lm_sim_track_take(struct lm_sim_fn *sfn, bool initial,
			      unsigned long *index)
{
	unsigned long *bits = initial ? sfn->initial : sfn->dirty;
	unsigned long *next = initial ? &sfn->initial_next : &sfn->dirty_next;
	unsigned long npages = lm_sim_npages(sfn);
	unsigned long start = *next, i = start;
	bool wrapped = false;
	const void *page;

	for (;;) {
		i = find_next_bit(bits, npages, i);
		if (i >= npages) {
			if (wrapped || !start)
				return NULL;
			wrapped = true;
			i = 0;
			continue;
		}
		*next = i + 1;

		/*
		 * Value-returning atomics are fully ordered: the copy the
		 * caller makes next sees the content written before the bit
		 * was set, and a write after the bit is cleared sets it again.
		 */
		if (!test_and_clear_bit(i, bits)) {
			i++;
			continue;
		}
		if (initial) {
			WRITE_ONCE(sfn->initial_left, sfn->initial_left - 1);
			test_and_clear_bit(i, sfn->dirty);
		}
		/* Present: pages are marked once written, freed only later. */
		page = xa_load(&sfn->pages, i);
		if (page) {
			*index = i;
			return page;
		}
		i++;
	}
}

/**
 * lm_sim_track_untake - Put back a page lm_sim_track_take() gave
 * @sfn: The function, in a save session; called by the saver only
 * @initial: It came from the initial image
 * @index: The page's index
 */
void lm_sim_track_untake(struct lm_sim_fn *sfn, bool initial,
			 unsigned long index)
{
	if (initial) {
		set_bit(index, sfn->initial);
		WRITE_ONCE(sfn->initial_left, sfn->initial_left + 1);
		sfn->initial_next = min(sfn->initial_next, index);
	} else {
		set_bit(index, sfn->dirty);
		sfn->dirty_next = min(sfn->dirty_next, index);
	}
}

/* Pages of the initial image not saved yet. */
unsigned long lm_sim_track_initial(struct lm_sim_fn *sfn)
{
	return READ_ONCE(sfn->initial_left);
}

/*
 * Pages to save again because they changed after they were saved; those
 * still in the initial image are counted there. The bitmaps must stay
 * allocated meanwhile: hold @sfn->lock or be in a save session.
 */
unsigned long lm_sim_track_dirty(struct lm_sim_fn *sfn)
{
	if (!sfn->dirty)
		return 0;
	return bitmap_weight_andnot(sfn->dirty, sfn->initial,
				    lm_sim_npages(sfn));
}

static void lm_sim_writer_queue(struct lm_sim_fn *sfn)
{
	lockdep_assert_held(&sfn->lock);
	if (sfn->writer_active && sfn->busy)
		queue_delayed_work(system_unbound_wq, &sfn->writer,
				   msecs_to_jiffies(LM_SIM_WRITER_PERIOD_MS));
}

/*
 * One period of device activity: rewrite @busy pages picked at random, each
 * with a value that differs on every rewrite.
 */
static void lm_sim_writer_tick(struct lm_sim_fn *sfn)
{
	u32 npages = lm_sim_npages(sfn);
	u32 i;

	lockdep_assert_held(&sfn->lock);
	for (i = 0; i < sfn->busy; i++) {
		u64 value = lm_sim_splitmix64(sfn->writer_seq++);
		unsigned long index = reciprocal_scale((u32)value, npages);
		u64 *page = lm_sim_page_get(sfn, index);

		if (!page)
			return;
		memset64(page, value, LM_SIM_WORDS_PER_PAGE);
		lm_sim_page_written(sfn, index);
		cond_resched();
	}
}

static void lm_sim_writer_fn(struct work_struct *work)
{
	struct lm_sim_fn *sfn =
		container_of(to_delayed_work(work), struct lm_sim_fn, writer);
	bool saving;

	scoped_guard(mutex, &sfn->lock) {
		/* Stopped, or made quiet, since it was queued. */
		if (!sfn->writer_active || !sfn->busy)
			return;
		lm_sim_writer_tick(sfn);
		lm_sim_writer_queue(sfn);
		saving = sfn->saving;
	}
	if (saving)
		lm_fn_data_ready(sfn->fn);
}

/* The function enters a running state. */
void lm_sim_writer_start(struct lm_sim_fn *sfn)
{
	guard(mutex)(&sfn->lock);
	sfn->writer_active = true;
	lm_sim_writer_queue(sfn);
}

/*
 * The function leaves the running states: once this returns, the writer
 * changes nothing until lm_sim_writer_start().
 */
void lm_sim_writer_stop(struct lm_sim_fn *sfn)
{
	scoped_guard(mutex, &sfn->lock)
		sfn->writer_active = false;
	/* Without @lock, which the writer takes; it cannot requeue itself. */
	cancel_delayed_work_sync(&sfn->writer);
}

void lm_sim_writer_set_busy(struct lm_sim_fn *sfn, u32 busy)
{
	guard(mutex)(&sfn->lock);
	sfn->busy = busy;
	lm_sim_writer_queue(sfn);
}
