// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: user markers - write() on /dev/rtrace records the written bytes
 * as one RTRACE_EV_MARKER event (the rules and errnos: "User markers" in
 * uapi/linux/rtrace.h).
 *
 * The bytes are copied in first, with no lock held (a page fault may
 * take mmap_lock, which nests outside rdev.lock, dev.h).  The event is
 * then written under rdev.lock, with preemption disabled around the CPU
 * check and the write: a session that is RUNNING under rdev.lock cannot
 * stop before the write is done (STOP, RESET and the sources all take
 * rdev.lock), so a marker never ends up counted as RTRACE_LOST_OFF, and
 * the CPU checked is the CPU written on.
 */
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <rtrace_emit.h>

#include "dev.h"
#include "../events.h"

static const struct rtrace_event_desc rdev_marker_desc = {
	.id = RTRACE_EV_MARKER,
	.nr_fields = RTRACE_REC_RAW,
	.name = "marker",
};

/**
 * rdev_marker_max() - the largest marker a session records
 * @s: the session
 *
 * Context: any.
 * Return: RTRACE_MARKER_MAX() of the session's sub-buffer size.
 */
u32 rdev_marker_max(const struct rdev_session *s)
{
	return RTRACE_MARKER_MAX(s->cfg.subbuf_size);
}

/*
 * Is @s the device's session, and running?  rdev.lock held.
 */
static bool rdev_marker_running_locked(const struct rdev_session *s)
{
	lockdep_assert_held(&rdev.lock);
	return rdev.session == s && rdev.state == RTRACE_STATE_RUNNING &&
	       !READ_ONCE(s->broken);
}

/* Write the marker on this CPU if the session records here. */
static int rdev_marker_emit(struct rdev_session *s, const void *buf, u32 len)
{
	int ret;

	preempt_disable();
	if (!cpumask_test_cpu(smp_processor_id(), s->cpus))
		ret = -ENODATA;
	else
		ret = __rtrace_emit_raw(RTRACE_EV_MARKER, buf, len);
	preempt_enable();
	/* -ENODEV: the ring stopped itself (integrity check): not running. */
	return ret == -ENODEV ? -ENODATA : ret;
}

/**
 * rdev_write() - write(): record one user marker
 * @file: the device file
 * @ubuf: the marker's bytes
 * @len: their number
 * @ppos: ignored (the device is not seekable)
 *
 * Context: process context, rdev.lock not held.
 * Return: @len, or -errno as "User markers" in uapi/linux/rtrace.h lists.
 */
ssize_t rdev_write(struct file *file, const char __user *ubuf, size_t len,
		   loff_t *ppos)
{
	struct rdev_session *s;
	void *buf;
	int ret;

	if (!len)
		return -EINVAL;
	mutex_lock(&rdev.lock);
	s = rdev.state == RTRACE_STATE_RUNNING ? rdev_get_locked() : NULL;
	mutex_unlock(&rdev.lock);
	if (!s)
		return -ENODATA;
	if (len > rdev_marker_max(s)) {
		ret = -E2BIG;
		goto put;
	}
	buf = kvmalloc(len, GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;
		goto put;
	}
	if (copy_from_user(buf, ubuf, len)) {
		ret = -EFAULT;
		goto free;
	}
	mutex_lock(&rdev.lock);
	if (rdev_marker_running_locked(s))
		ret = rdev_marker_emit(s, buf, len);
	else
		ret = -ENODATA;
	mutex_unlock(&rdev.lock);
free:
	kvfree(buf);
put:
	rdev_put(s);
	return ret ? ret : (ssize_t)len;
}

/**
 * rdev_marker_init() - describe the marker event in the stream's table
 *
 * Context: module init.
 * Return: 0 or -errno.
 */
int rdev_marker_init(void)
{
	return rtrace_events_register(&rdev_marker_desc, 1);
}
