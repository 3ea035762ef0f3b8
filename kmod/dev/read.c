// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: reading /dev/rtrace - open and release, read(), poll(), the
 * reader-side worker that wakes readers and refills a mapped data area,
 * and rdev_pump(), the one copy path from the ring to a reader.
 */
#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "dev.h"
#include "../ring/ring.h"

/*
 * Become the consumer (or be it already) and take a reference on the
 * session.  Return: 0 with *@sp set (NULL when there is no session),
 * -EBUSY if another file is the consumer.
 */
static int rdev_claim(struct file *file, struct rdev_session **sp,
		      u32 *state, unsigned long *gen)
{
	int ret = 0;

	mutex_lock(&rdev.lock);
	if (rdev.consumer && rdev.consumer != file) {
		ret = -EBUSY;
	} else {
		rdev.consumer = file;
		*sp = rdev_get_locked();
		*state = rdev.state;
		*gen = rdev.gen;
	}
	mutex_unlock(&rdev.lock);
	return ret;
}

/* Advance the round-robin cursor over (cpu, lane); rdev.read_mutex held. */
static void rdev_rr_next(void)
{
	if (++rdev.rr_lane < RTRACE_NR_LANES)
		return;
	rdev.rr_lane = 0;
	if (++rdev.rr_cpu >= nr_cpu_ids)
		rdev.rr_cpu = 0;
}

/**
 * rdev_stream_hdr() - the stream header unit a new consumer gets
 * @s: the session
 *
 * @s->hdr, or once a consumer has consumed sub-buffers of the session, a
 * copy flagged RTRACE_STREAM_RESUMED with its own CRC (built on first use).
 * A mapper has consumed what it released through the control page; what
 * it left unreleased goes to the next read() consumer from its first unit
 * (rdev_mmap_leftover()), so that stream is not resumed.
 *
 * Context: process context, rdev.read_mutex held.
 * Return: @s->hdr_size bytes, or NULL if out of memory.
 */
const void *rdev_stream_hdr(struct rdev_session *s)
{
	struct rtrace_stream_hdr *h;

	lockdep_assert_held(&rdev.read_mutex);
	if (!s->any_read && !rdev_mmap_released(s))
		return s->hdr;
	if (!s->hdr_resumed) {
		h = kmemdup(s->hdr, s->hdr_size, GFP_KERNEL);
		if (!h)
			return NULL;
		rtrace_mem_count(1);
		h->flags |= RTRACE_STREAM_RESUMED;
		h->crc = rtrace_unit_crc(h, s->hdr_size, offsetof(struct rtrace_stream_hdr, crc));
		s->hdr_resumed = h;
	}
	return s->hdr_resumed;
}

/*
 * A sub-buffer peeked into the bounce buffer (@n bytes) gets its CRC32C
 * here, on the reader's copy: the writers never compute it.
 */
static void rdev_seal_subbuf(void *buf, size_t n)
{
	struct rtrace_subbuf_hdr *h = buf;

	h->crc = 0;
	h->crc = rtrace_unit_crc(buf, n, offsetof(struct rtrace_subbuf_hdr, crc));
}

/*
 * The ring's always-on check found a sub-buffer whose header cannot be
 * right and fenced its lane off; s->bounce holds the RTRACE_SB_BROKEN
 * header that reports it.  Keep that for the stream (rdev_pump() sends it
 * before anything else), drop the broken sub-buffer and stop the session:
 * its data can no longer be complete.  rdev.read_mutex held.
 */
static void rdev_ring_broken(struct rdev_session *s, unsigned int cpu, unsigned int lane)
{
	memcpy(&s->broken_rep, s->bounce, sizeof(s->broken_rep));
	rdev_seal_subbuf(&s->broken_rep, sizeof(s->broken_rep));
	WRITE_ONCE(s->broken_pending, true);
	rtrace_ring_consume(s->ring, cpu, lane);
	rdev_rr_next();

	mutex_lock(&rdev.lock);
	rdev_broken_locked(s);
	mutex_unlock(&rdev.lock);
}

/*
 * An always-on check found @s's ring broken (the reader's check above, or
 * a writer's at a sub-buffer switch: rtrace_ring_broken()): mark it, stop
 * it if it runs (STOP's path: what the other lanes hold stays readable),
 * and wake readers.  rdev.lock held.
 */
void rdev_broken_locked(struct rdev_session *s)
{
	lockdep_assert_held(&rdev.lock);
	s->broken = true;
	if (rdev.session == s && rdev.state == RTRACE_STATE_RUNNING)
		rdev_stop_locked();
	rdev_changed_locked();
}

/*
 * The copy path of the reader side, for read() and the mmap data area
 * alike: whole sub-buffers from the lanes, round robin over (cpu, lane)
 * from the cursor, each peeked into the session's bounce buffer, sealed
 * with its CRC32C, handed to @put and only then consumed (a failed @put
 * loses nothing), until @room bytes are used or a whole round finds
 * nothing.  A pending broken-ring report goes first.  rdev.read_mutex held.
 * Return: bytes moved; *@err the reason it stopped early (-ENOSPC: the
 * next sub-buffer does not fit in what is left of @room; the error of
 * @put or of the ring), or 0.
 */
size_t rdev_pump(struct rdev_session *s, size_t room, rdev_put_fn put, void *dst, int *err)
{
	unsigned int idle = 0, nr = nr_cpu_ids * RTRACE_NR_LANES;
	size_t moved = 0;
	ssize_t n;
	int ret;

	lockdep_assert_held(&rdev.read_mutex);
	*err = 0;
	while (idle < nr && moved < room) {
		unsigned int cpu = rdev.rr_cpu, lane = rdev.rr_lane;

		if (s->broken_pending) {
			n = sizeof(s->broken_rep);
			ret = (size_t)n > room - moved ? -ENOSPC : put(s, dst, &s->broken_rep, n);
			if (ret) {
				*err = ret;
				break;
			}
			WRITE_ONCE(s->broken_pending, false);
			moved += n;
			continue;
		}
		if (!cpumask_test_cpu(cpu, s->cpus)) {
			rdev_rr_next();
			idle++;
			continue;
		}
		n = rtrace_ring_peek(s->ring, cpu, lane, s->bounce, s->cfg.subbuf_size);
		if (n == -EAGAIN) {
			rdev_rr_next();
			idle++;
			continue;
		}
		if (n == -EIO) {
			rdev_ring_broken(s, cpu, lane);
			continue;
		}
		if (n >= 0 && (size_t)n > room - moved)
			n = -ENOSPC;
		if (n < 0) {	/* -ENOSPC: the next read starts with this lane */
			*err = n;
			break;
		}
		rdev_seal_subbuf(s->bounce, n);
		ret = put(s, dst, s->bounce, n);
		if (ret) {
			*err = ret;
			break;
		}
		rtrace_ring_consume(s->ring, cpu, lane);
		moved += n;
		rdev_rr_next();
		idle = 0;
		/* A writer's broken-lane report (rtrace_lane_close()): stop now. */
		if ((((struct rtrace_subbuf_hdr *)s->bounce)->flags & RTRACE_SB_BROKEN) &&
		    rtrace_ring_broken(s->ring)) {
			mutex_lock(&rdev.lock);
			rdev_broken_locked(s);
			mutex_unlock(&rdev.lock);
		}
	}
	return moved;
}

/* rdev_pump()'s @put for read(): @dst is the user cursor (char __user **). */
static int rdev_put_user(struct rdev_session *s, void *dst, const void *unit, size_t len)
{
	char __user **ubuf = dst;

	if (copy_to_user(*ubuf, unit, len))
		return -EFAULT;
	*ubuf += len;
	s->any_read = true;
	return 0;
}

/*
 * Copy the stream header (if this file has not had it for this session),
 * then what a mapper left in the data area, then whole sub-buffers from
 * the lanes into @ubuf.  rdev.read_mutex held.
 * Return: bytes copied, 0 if nothing is published, or -errno if nothing
 * was copied and something went wrong.
 */
static ssize_t rdev_read_units(struct rdev_file *rf, struct rdev_session *s,
			       char __user *ubuf, size_t count)
{
	size_t copied = 0;
	int err;

	if (rf->hdr_id != s->id) {
		const void *hdr = rdev_stream_hdr(s);

		if (!hdr)
			return -ENOMEM;
		if (count < s->hdr_size)
			return -EINVAL;
		if (copy_to_user(ubuf, hdr, s->hdr_size))
			return -EFAULT;
		rf->hdr_id = s->id;
		copied = s->hdr_size;
		ubuf += copied;
	}
	/* What a mapper left unreleased in the data area comes first. */
	copied += rdev_mmap_leftover(s, &ubuf, count - copied, &err);
	if (!err)
		copied += rdev_pump(s, count - copied, rdev_put_user, &ubuf, &err);
	if (!copied && err)
		return err == -ENOSPC ? -EINVAL : err;
	return copied;
}

static ssize_t rdev_read(struct file *file, char __user *ubuf, size_t count,
			 loff_t *ppos)
{
	struct rdev_file *rf = file->private_data;
	struct rdev_session *s;
	unsigned long gen;
	ssize_t ret;
	u32 state;

	if (!count)
		return 0;
	for (;;) {
		ret = rdev_claim(file, &s, &state, &gen);
		if (ret)
			return ret;
		if (!s)
			return 0;	/* no session: end of file */

		if (mutex_lock_interruptible(&rdev.read_mutex)) {
			rdev_put(s);
			return -ERESTARTSYS;
		}
		if (READ_ONCE(rf->data_mapped))
			ret = -EBUSY;
		else
			ret = rdev_read_units(rf, s, ubuf, count);
		mutex_unlock(&rdev.read_mutex);
		if (ret)
			break;

		/*
		 * Nothing published.  STOP flushed everything, but a lane
		 * whose ring was full then could not report its losses in
		 * band: now that the reader made room, flush once more so
		 * they get a sub-buffer.  Nothing new: drained, EOF.
		 */
		if (state == RTRACE_STATE_STOPPED) {
			if (rdev_flush_stopped(s) > 0) {
				rdev_put(s);
				continue;
			}
			break;
		}
		if (file->f_flags & O_NONBLOCK) {
			ret = -EAGAIN;
			break;
		}
		/*
		 * Pairs with rdev_changed_locked() and rdev_work_fn(): both
		 * change what the condition reads before they wake the
		 * queue, and wait_event orders the check after queueing.
		 */
		ret = wait_event_interruptible(rdev.wq,
					       READ_ONCE(rdev.gen) != gen ||
					       rtrace_ring_has_data(s->ring));
		rdev_put(s);
		if (ret)
			return ret;
	}
	rdev_put(s);
	return ret;
}

static __poll_t rdev_poll(struct file *file, poll_table *pt)
{
	struct rdev_file *rf = file->private_data;
	struct rdev_session *s;
	__poll_t mask = 0;
	u32 state;

	poll_wait(file, &rdev.wq, pt);

	mutex_lock(&rdev.lock);
	if (rdev.consumer && rdev.consumer != file) {
		mutex_unlock(&rdev.lock);
		return EPOLLERR;
	}
	s = rdev_get_locked();
	state = rdev.state;
	mutex_unlock(&rdev.lock);
	if (!s)
		return EPOLLHUP;

	if (READ_ONCE(rf->data_mapped) && s->data) {
		mutex_lock(&rdev.read_mutex);
		if (rdev_mmap_fill(s, state))
			mask = EPOLLIN | EPOLLRDNORM;
		else if (READ_ONCE(s->meta->flags) & RTRACE_MMAP_EOF)
			mask = EPOLLHUP;
		mutex_unlock(&rdev.read_mutex);
	} else if (rf->hdr_id != s->id || READ_ONCE(s->broken_pending) ||
		   rtrace_ring_has_data(s->ring) || rdev_mmap_has_leftover(s)) {
		mask = EPOLLIN | EPOLLRDNORM;
	} else if (state == RTRACE_STATE_STOPPED) {
		mask = EPOLLHUP;
	}
	rdev_put(s);
	return mask;
}

/*
 * The reader side's clock: while a session runs, wake readers when data
 * got published, refill a mapped data area, and after about a second of
 * quiet publish partly filled sub-buffers for a waiting reader.
 */
void rdev_work_fn(struct work_struct *work)
{
	struct rdev_session *s;
	bool waiting, mapped;
	u32 state;

	mutex_lock(&rdev.lock);
	s = rdev_get_locked();
	state = rdev.state;
	if (!s || state != RTRACE_STATE_RUNNING) {
		mutex_unlock(&rdev.lock);
		rdev_put(s);
		return;
	}
	if (rtrace_ring_broken(s->ring)) {	/* a writer found it broken */
		rdev_broken_locked(s);
		mutex_unlock(&rdev.lock);
		rdev_put(s);
		return;
	}
	mapped = s->data_maps;
	waiting = wq_has_sleeper(&rdev.wq);
	if (rtrace_ring_has_data(s->ring)) {
		rdev.idle = 0;
	} else if ((waiting || mapped) && ++rdev.idle >= RDEV_AUTOFLUSH_IDLE) {
		rdev.idle = 0;
		rtrace_ring_flush(s->ring);
	}
	schedule_delayed_work(&rdev.work, msecs_to_jiffies(RDEV_WORK_MS));
	mutex_unlock(&rdev.lock);

	if (mapped) {
		mutex_lock(&rdev.read_mutex);
		rdev_mmap_fill(s, state);
		mutex_unlock(&rdev.read_mutex);
	}
	if (waiting && (mapped || rtrace_ring_has_data(s->ring)))
		wake_up_interruptible_poll(&rdev.wq, EPOLLIN | EPOLLRDNORM);
	rdev_put(s);
}

/* Open and release */

static int rdev_open(struct inode *inode, struct file *file)
{
	struct rdev_file *rf;
	int ret;

	if (!perfmon_capable())
		return -EPERM;
	/*
	 * The stream shows what the kernel does, as tracefs does: refused
	 * under lockdown=confidentiality for the same reason.
	 */
	ret = security_locked_down(LOCKDOWN_TRACEFS);
	if (ret)
		return ret;
	rf = kzalloc(sizeof(*rf), GFP_KERNEL);
	if (!rf)
		return -ENOMEM;
	rtrace_mem_count(1);
	file->private_data = rf;
	return nonseekable_open(inode, file);
}

static int rdev_release(struct inode *inode, struct file *file)
{
	mutex_lock(&rdev.lock);
	if (rdev.consumer == file)
		rdev.consumer = NULL;
	mutex_unlock(&rdev.lock);
	kfree(file->private_data);
	rtrace_mem_count(-1);
	return 0;
}

const struct file_operations rtrace_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= rdev_open,
	.release	= rdev_release,
	.read		= rdev_read,
	.write		= rdev_write,
	.poll		= rdev_poll,
	.mmap		= rdev_mmap,
	.unlocked_ioctl	= rdev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};
