// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: mmap of /dev/rtrace - the control page (the consumer's position,
 * written by userspace), the meta page and the data area, mapped twice in
 * a row so a unit never wraps for the reader.  The data area is a copy
 * that the kernel fills from the ring with rdev_pump() (from poll() and
 * the worker); the lanes themselves are never mapped.  The protocol a
 * consumer follows is in uapi/linux/rtrace.h.
 */
#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/vmalloc.h>

#include "dev.h"
#include "../compat/compat.h"
#include "../ring/ring.h"

#define RDEV_MAX_MMAP_DATA	SZ_256M

/* Copy @len bytes of stream into the data area, at stream offset s->produced. */
static void rdev_mmap_put(struct rdev_session *s, const void *src, size_t len)
{
	size_t off = s->produced & (s->data_size - 1);
	size_t first = min_t(size_t, len, s->data_size - off);

	memcpy(s->data + off, src, first);
	memcpy(s->data, src + first, len - first);
	s->produced += len;
}

/* rdev_pump()'s @put for the data area (@dst unused: the session knows). */
static int rdev_mmap_put_unit(struct rdev_session *s, void *dst, const void *unit, size_t len)
{
	rdev_mmap_put(s, unit, len);
	return 0;
}

/* Copy @len stream bytes at stream offset @pos out of the data area. */
static void rdev_mmap_get(struct rdev_session *s, void *dst, u64 pos, size_t len)
{
	size_t off = pos & (s->data_size - 1);
	size_t first = min_t(size_t, len, s->data_size - off);

	memcpy(dst, s->data + off, first);
	memcpy(dst + first, s->data, len - first);
}

/*
 * Take @s->ctrl->consumed.  Untrusted: only a value between what we last
 * accepted and what we produced is taken.  rdev.read_mutex held.
 */
static void rdev_mmap_sync_consumed(struct rdev_session *s)
{
	u64 c;

	/*
	 * The acquire pairs with the consumer's release store after it
	 * finished reading those bytes (the mmap protocol of
	 * uapi/linux/rtrace.h).
	 */
	c = s->ctrl ? smp_load_acquire(&s->ctrl->consumed) : s->consumed;
	if (c >= s->consumed && c <= s->produced)
		s->consumed = c;
}

/*
 * Move whole units from the lanes into the mapped data area while they fit.
 * rdev.read_mutex held.  Return: true if the area has unread bytes.
 */
bool rdev_mmap_fill(struct rdev_session *s, u32 state)
{
	int err;

	lockdep_assert_held(&rdev.read_mutex);
	if (!s->data)
		return false;
	rdev_mmap_sync_consumed(s);
	if (!s->mmap_hdr_done) {
		const void *hdr = rdev_stream_hdr(s);

		if (!hdr || s->data_size - (s->produced - s->consumed) < s->hdr_size)
			goto publish;
		rdev_mmap_put(s, hdr, s->hdr_size);
		s->mmap_hdr_done = true;
		s->mmap_hdr_end = s->produced;
	}
	/* Stops at -ENOSPC: the rest waits for the consumer. */
	rdev_pump(s, s->data_size - (s->produced - s->consumed), rdev_mmap_put_unit, NULL, &err);

publish:
	/* Pairs with the consumer's acquire load of produced (uapi header). */
	smp_store_release(&s->meta->produced, s->produced);
	if (state == RTRACE_STATE_STOPPED && s->mmap_hdr_done && !s->broken_pending &&
	    !rtrace_ring_has_data(s->ring)) {
		/* As in rdev_read(): one more flush for losses, then EOF. */
		if (rdev_flush_stopped(s) > 0)
			return rdev_mmap_fill(s, state);
		/*
		 * After the last produced store: a consumer that sees EOF
		 * with an acquire load also sees the final produced.
		 */
		smp_store_release(&s->meta->flags, RTRACE_MMAP_EOF);
	}
	return s->produced != s->consumed;
}

/**
 * rdev_mmap_leftover() - hand a read() consumer what a mapper left
 * @s: the session
 * @ubuf: user cursor, advanced by what was copied
 * @room: bytes left at *@ubuf
 * @err: set to -ENOSPC (the next unit does not fit), -EFAULT, or 0
 *
 * Units the kernel copied into the data area leave the lanes then; a
 * mapper that went away before releasing them (killed mid-copy, say)
 * would lose them for the next consumer if that one used read().  So
 * read() takes them first, whole, in stream order, and releases them
 * through @s->consumed and the control page (a later mapper continues
 * after them).  A stream header among them is dropped: the reader got
 * its own.  The data area is written only by the kernel (the mapping is
 * read-only), so its unit headers are trusted.
 *
 * Context: process context, rdev.read_mutex held, no data area mapped.
 * Return: bytes copied.
 */
size_t rdev_mmap_leftover(struct rdev_session *s, char __user **ubuf, size_t room, int *err)
{
	struct rtrace_subbuf_hdr h;
	size_t moved = 0, len;

	lockdep_assert_held(&rdev.read_mutex);
	*err = 0;
	if (!s->data)
		return 0;
	rdev_mmap_sync_consumed(s);
	while (s->consumed < s->produced) {
		rdev_mmap_get(s, &h, s->consumed, sizeof(h.magic));
		if (h.magic == RTRACE_STREAM_MAGIC) {
			s->consumed += s->hdr_size;
			continue;
		}
		rdev_mmap_get(s, &h, s->consumed, sizeof(h));
		len = h.hdr_size + h.commit;
		if (len > s->cfg.subbuf_size || len > s->produced - s->consumed) {
			*err = -EIO;	/* cannot happen: the kernel wrote it */
			break;
		}
		if (len > room - moved) {
			*err = -ENOSPC;
			break;
		}
		rdev_mmap_get(s, s->bounce, s->consumed, len);
		if (copy_to_user(*ubuf, s->bounce, len)) {
			*err = -EFAULT;
			break;
		}
		*ubuf += len;
		moved += len;
		s->consumed += len;
	}
	if (s->ctrl)
		WRITE_ONCE(s->ctrl->consumed, s->consumed);
	return moved;
}

/**
 * rdev_mmap_has_leftover() - does the data area hold units nobody released?
 * @s: the session
 *
 * What rdev_mmap_leftover() would hand a read() consumer; for poll().
 *
 * Context: process context, takes rdev.read_mutex.
 * Return: true if it does.
 */
bool rdev_mmap_has_leftover(struct rdev_session *s)
{
	bool ret;

	if (!READ_ONCE(s->data))
		return false;
	mutex_lock(&rdev.read_mutex);
	rdev_mmap_sync_consumed(s);
	ret = s->consumed != s->produced;
	mutex_unlock(&rdev.read_mutex);
	return ret;
}

/**
 * rdev_mmap_released() - has a mapper released sub-buffers of the session?
 * @s: the session
 *
 * Released means gone for good: the mapper moved @ctrl->consumed past
 * them.  Units it only received stay for rdev_mmap_leftover().
 *
 * Context: process context, rdev.read_mutex held.
 * Return: true if the data area's consumer released anything after the
 * stream header.
 */
bool rdev_mmap_released(struct rdev_session *s)
{
	lockdep_assert_held(&rdev.read_mutex);
	if (!s->data || !s->mmap_hdr_done)
		return false;
	rdev_mmap_sync_consumed(s);
	return s->consumed > s->mmap_hdr_end;
}

/* rdev.lock held, and mmap_lock (which nests outside it). */
static void rdev_vm_account_locked(struct vm_area_struct *vma, int delta)
{
	struct rdev_session *s = vma->vm_private_data;
	struct rdev_file *rf = vma->vm_file->private_data;

	lockdep_assert_held(&rdev.lock);
	if (vma->vm_pgoff == RTRACE_MMAP_PGOFF_META) {
		s->data_maps += delta;
		WRITE_ONCE(rf->data_mapped, s->data_maps != 0);
	} else {
		s->ctrl_maps += delta;
	}
}

static void rdev_vm_account(struct vm_area_struct *vma, int delta)
{
	mutex_lock(&rdev.lock);
	rdev_vm_account_locked(vma, delta);
	mutex_unlock(&rdev.lock);
}

static void rdev_vm_open(struct vm_area_struct *vma)
{
	struct rdev_session *s = vma->vm_private_data;

	kref_get(&s->ref);
	rdev_vm_account(vma, 1);
}

static void rdev_vm_close(struct vm_area_struct *vma)
{
	rdev_vm_account(vma, -1);
	rdev_put(vma->vm_private_data);
}

static int rdev_vm_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	return -EINVAL;
}

static int rdev_vm_mremap(struct vm_area_struct *vma)
{
	return -EINVAL;
}

static const struct vm_operations_struct rdev_vm_ops = {
	.open		= rdev_vm_open,
	.close		= rdev_vm_close,
	.may_split	= rdev_vm_may_split,
	.mremap		= rdev_vm_mremap,
};

static int rdev_mmap_insert(struct vm_area_struct *vma, unsigned long addr,
			    void *kaddr, size_t len, bool vmalloced)
{
	size_t off;
	int ret;

	for (off = 0; off < len; off += PAGE_SIZE) {
		struct page *page = vmalloced ? vmalloc_to_page(kaddr + off) :
						virt_to_page(kaddr + off);

		ret = vm_insert_page(vma, addr + off, page);
		if (ret)
			return ret;
	}
	return 0;
}

static int rdev_mmap_ctrl(struct vm_area_struct *vma, struct rdev_session *s)
{
	if (vma->vm_end - vma->vm_start != PAGE_SIZE)
		return -EINVAL;
	if (s->ctrl_maps)
		return -EBUSY;
	if (!s->ctrl) {
		s->ctrl = (void *)get_zeroed_page(GFP_KERNEL);
		if (!s->ctrl)
			return -ENOMEM;
		rtrace_mem_count(1);
	}
	return rdev_mmap_insert(vma, vma->vm_start, s->ctrl, PAGE_SIZE, false);
}

static int rdev_mmap_meta(struct vm_area_struct *vma, struct rdev_session *s)
{
	size_t len = vma->vm_end - vma->vm_start;
	u64 d;
	int ret;

	if (vma->vm_flags & (VM_WRITE | VM_EXEC))
		return -EPERM;
	if (len < 3 * PAGE_SIZE || (len - PAGE_SIZE) % 2)
		return -EINVAL;
	d = (len - PAGE_SIZE) / 2;
	if (!is_power_of_2(d) || d < 2ULL * s->cfg.subbuf_size ||
	    d < s->hdr_size || d > RDEV_MAX_MMAP_DATA)
		return -EINVAL;
	if (s->data_maps)
		return -EBUSY;
	/* Allocated once per session, then mapped again as it was. */
	if (s->data && s->data_size != d)
		return -EINVAL;

	if (!s->meta) {
		s->meta = (void *)get_zeroed_page(GFP_KERNEL);
		if (!s->meta)
			return -ENOMEM;
		rtrace_mem_count(1);
	}
	if (!s->data) {
		s->data = vmalloc_user(d);
		if (!s->data)
			return -ENOMEM;	/* the meta page goes with the session */
		rtrace_mem_count(1);
	}
	s->data_size = d;
	s->meta->magic = RTRACE_MMAP_MAGIC;
	s->meta->meta_size = sizeof(*s->meta);
	s->meta->data_offset = PAGE_SIZE;
	s->meta->data_size = d;
	s->meta->session_id = s->id;

	rtrace_vm_flags_mod(vma, 0, VM_MAYWRITE);
	ret = rdev_mmap_insert(vma, vma->vm_start, s->meta, PAGE_SIZE, false);
	if (!ret)
		ret = rdev_mmap_insert(vma, vma->vm_start + PAGE_SIZE,
				       s->data, d, true);
	if (!ret)
		ret = rdev_mmap_insert(vma, vma->vm_start + PAGE_SIZE + d,
				       s->data, d, true);
	return ret;
}

int rdev_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct rdev_session *s;
	int ret;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;

	mutex_lock(&rdev.lock);
	s = rdev.session;
	if (!s) {
		ret = -ENODATA;
		goto unlock;
	}
	if (rdev.consumer && rdev.consumer != file) {
		ret = -EBUSY;
		goto unlock;
	}
	rtrace_vm_flags_mod(vma, VM_DONTEXPAND | VM_DONTCOPY | VM_DONTDUMP,
			    VM_MAYEXEC);
	switch (vma->vm_pgoff) {
	case RTRACE_MMAP_PGOFF_CTRL:
		ret = rdev_mmap_ctrl(vma, s);
		break;
	case RTRACE_MMAP_PGOFF_META:
		ret = rdev_mmap_meta(vma, s);
		break;
	default:
		ret = -EINVAL;
	}
	/*
	 * On failure the pages stay with the session (freed with it) and
	 * the mm zaps what was inserted; the vma never existed for us.
	 */
	if (ret)
		goto unlock;
	rdev.consumer = file;
	vma->vm_ops = &rdev_vm_ops;
	vma->vm_private_data = s;
	kref_get(&s->ref);
	rdev_vm_account_locked(vma, 1);
unlock:
	mutex_unlock(&rdev.lock);
	return ret;
}
