// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: the ioctls of /dev/rtrace - copying the sized structs in and out
 * (they grow the way perf_event_attr does: a leading size, a zero tail)
 * and the dispatch; the control itself is in session.c.
 */
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "dev.h"
#include "../events.h"
#include "../ring/ring.h"
#include "../sources/pids.h"
#include "../sources/source.h"

#define RDEV_MAX_STRUCT		PAGE_SIZE	/* largest size a caller may claim */

/*
 * Copy in an ioctl struct that begins with its __u32 size (the uapi's sized
 * structs): a size below @min_size is -EINVAL, above RDEV_MAX_STRUCT -E2BIG,
 * and copy_struct_from_user() rejects a non-zero tail the kernel does not
 * know (-E2BIG) and zero-fills what an older caller did not pass.
 */
static int rdev_copy_sized(void *dst, size_t ksize, const void __user *uarg, u32 min_size)
{
	u32 size;

	if (get_user(size, (const u32 __user *)uarg))
		return -EFAULT;
	if (size < min_size)
		return -EINVAL;
	if (size > RDEV_MAX_STRUCT)
		return -E2BIG;
	return copy_struct_from_user(dst, ksize, uarg, size);
}

/* CONFIGURE: copy the configuration in; rdev_configure() checks the rest. */
static int rdev_configure_user(struct rtrace_config __user *uarg)
{
	struct rtrace_config cfg;
	int ret;

	ret = rdev_copy_sized(&cfg, sizeof(cfg), uarg, RTRACE_CONFIG_SIZE_VER0);
	if (ret)
		return ret;
	return rdev_configure(&cfg);
}

static int rdev_stats(struct rtrace_stats __user *uarg)
{
	struct rtrace_lane_stats st;
	struct rdev_session *s;
	struct rtrace_stats req;
	u32 total, i, n;
	u8 __user *dst;
	int ret;

	ret = rdev_copy_sized(&req, sizeof(req), uarg, RTRACE_STATS_SIZE_VER0);
	if (ret)
		return ret;
	if (req.reserved)
		return -EINVAL;
	if (req.entry_size < RTRACE_LANE_STATS_SIZE_VER0 || req.entry_size > RDEV_MAX_STRUCT)
		return -EINVAL;
	if (req.nr_entries && !req.entries_ptr)
		return -EFAULT;

	mutex_lock(&rdev.lock);
	s = rdev_get_locked();
	mutex_unlock(&rdev.lock);
	if (!s)
		return -ENODATA;

	total = nr_cpu_ids * RTRACE_NR_LANES;
	n = min(req.nr_entries, total);
	dst = u64_to_user_ptr(req.entries_ptr);
	for (i = 0; i < n; i++, dst += req.entry_size) {
		memset(&st, 0, sizeof(st));
		if (cpumask_test_cpu(i / RTRACE_NR_LANES, s->cpus))
			rtrace_ring_stats(s->ring, i / RTRACE_NR_LANES,
					  i % RTRACE_NR_LANES, &st);
		st.cpu = i / RTRACE_NR_LANES;
		st.lane = i % RTRACE_NR_LANES;
		st.nr_lost = RTRACE_NR_LOST;
		st.lost_offset = offsetof(struct rtrace_lane_stats, lost);
		if (copy_to_user(dst, &st, sizeof(st)) ||
		    clear_user(dst + sizeof(st), req.entry_size - sizeof(st))) {
			ret = -EFAULT;
			goto put;
		}
	}
	if (put_user(total, &uarg->nr_entries))
		ret = -EFAULT;
put:
	rdev_put(s);
	return ret;
}

static int rdev_info(struct rtrace_info __user *uarg)
{
	struct rtrace_info info = { };
	struct rdev_session *s;
	u32 size;

	if (get_user(size, &uarg->size))
		return -EFAULT;
	if (size < RTRACE_INFO_SIZE_VER0)
		return -EINVAL;
	if (size > RDEV_MAX_STRUCT)
		return -E2BIG;

	info.size = sizeof(info);
	info.nr_cpus = nr_cpu_ids;
	info.nr_lanes = RTRACE_NR_LANES;
	info.page_size = PAGE_SIZE;
	info.sources_supported = rtrace_sources_supported();
	info.events_supported = rtrace_tp_events(~0ULL, false);
	info.events_available = rtrace_tp_events(~0ULL, true);
	mutex_lock(&rdev.lock);
	s = rdev.session;
	info.state = rdev.state;
	info.has_consumer = !!rdev.consumer;
	if (s) {
		info.session_id = s->id;
		info.lane_bytes = s->cfg.lane_bytes;
		info.subbuf_size = s->cfg.subbuf_size;
		info.hdr_size = s->hdr_size;
		info.read_min = max(s->hdr_size, s->cfg.subbuf_size);
		info.config_flags = s->cfg.flags;
		info.sources = s->cfg.sources;
		info.marker_max = rdev_marker_max(s);
		info.events = s->cfg.events;
		if (s->pids) {
			info.nr_pids = atomic_read(&s->pids->nr);
			info.pid_flags = s->pids->flags;
			info.pids_full = atomic64_read(&s->pids->full);
		}
		if (READ_ONCE(s->broken_pending) || rtrace_ring_has_data(s->ring))
			info.flags |= RTRACE_INFO_UNREAD;
		if (s->broken || rtrace_ring_broken(s->ring))
			info.flags |= RTRACE_INFO_BROKEN;
	}
	mutex_unlock(&rdev.lock);

	if (copy_to_user(uarg, &info, min_t(u32, size, sizeof(info))))
		return -EFAULT;
	if (size > sizeof(info) &&
	    clear_user((u8 __user *)uarg + sizeof(info), size - sizeof(info)))
		return -EFAULT;
	return 0;
}

/* EVENTS: the event table, as the next stream header will list it. */
static int rdev_events(struct rtrace_events __user *uarg)
{
	struct rtrace_events req;
	struct rtrace_event_desc *tab;
	u8 __user *dst;
	unsigned int nr, i, n;
	int ret;

	ret = rdev_copy_sized(&req, sizeof(req), uarg, RTRACE_EVENTS_SIZE_VER0);
	if (ret)
		return ret;
	if (req.reserved)
		return -EINVAL;
	if (req.desc_size < sizeof(*tab) || req.desc_size > RDEV_MAX_STRUCT)
		return -EINVAL;
	if (req.nr_descs && !req.descs_ptr)
		return -EFAULT;

	tab = rtrace_events_table(0, &nr);
	if (!tab)
		return -ENOMEM;
	n = min(req.nr_descs, nr);
	dst = u64_to_user_ptr(req.descs_ptr);
	for (i = 0; i < n; i++, dst += req.desc_size) {
		if (copy_to_user(dst, &tab[i], sizeof(*tab)) ||
		    clear_user(dst + sizeof(*tab), req.desc_size - sizeof(*tab))) {
			ret = -EFAULT;
			goto free;
		}
	}
	if (put_user(nr, &uarg->nr_descs))
		ret = -EFAULT;
free:
	kfree(tab);
	rtrace_mem_count(-1);
	return ret;
}

/* The direction bits of @cmd must be those of the ioctl it names. */
static bool rdev_dir_ok(unsigned int cmd, unsigned int ref)
{
	return _IOC_DIR(cmd) == _IOC_DIR(ref);
}

long rdev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	unsigned int nr = _IOC_NR(cmd);

	/* Type and number name the ioctl; the size bits are not trusted. */
	if (_IOC_TYPE(cmd) != RTRACE_IOC_MAGIC)
		return -ENOTTY;

	switch (nr) {
	case _IOC_NR(RTRACE_IOC_GET_VERSION):
		if (!rdev_dir_ok(cmd, RTRACE_IOC_GET_VERSION))
			return -ENOTTY;
		return put_user((u32)RTRACE_ABI_VERSION, (u32 __user *)uarg);
	case _IOC_NR(RTRACE_IOC_CONFIGURE):
		if (!rdev_dir_ok(cmd, RTRACE_IOC_CONFIGURE))
			return -ENOTTY;
		return rdev_configure_user(uarg);
	case _IOC_NR(RTRACE_IOC_START):
	case _IOC_NR(RTRACE_IOC_STOP):
	case _IOC_NR(RTRACE_IOC_FLUSH):
	case _IOC_NR(RTRACE_IOC_SNAPSHOT):
		if (!rdev_dir_ok(cmd, RTRACE_IOC_START))
			return -ENOTTY;
		return rdev_control(nr);
	case _IOC_NR(RTRACE_IOC_RESET):
		if (!rdev_dir_ok(cmd, RTRACE_IOC_RESET))
			return -ENOTTY;
		return rdev_reset(arg);
	case _IOC_NR(RTRACE_IOC_STATS):
		if (!rdev_dir_ok(cmd, RTRACE_IOC_STATS))
			return -ENOTTY;
		return rdev_stats(uarg);
	case _IOC_NR(RTRACE_IOC_INFO):
		if (!rdev_dir_ok(cmd, RTRACE_IOC_INFO))
			return -ENOTTY;
		return rdev_info(uarg);
	case _IOC_NR(RTRACE_IOC_EVENTS):
		if (!rdev_dir_ok(cmd, RTRACE_IOC_EVENTS))
			return -ENOTTY;
		return rdev_events(uarg);
	}
	return -ENOTTY;
}
