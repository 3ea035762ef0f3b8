// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: the session - its state machine (the diagram in
 * uapi/linux/rtrace.h), the checks of a configuration, its creation and
 * lifetime, and when its ring runs and its sources are enabled
 * (kmod/sources/source.h).  The device as a whole: dev.h.
 */
#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/random.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/threads.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "dev.h"
#include "../events.h"
#include "../ring/ring.h"
#include "../sources/pids.h"
#include "../sources/source.h"

#define RDEV_MAX_CPUMASK	4096		/* bytes of a user CPU bitmap */

/* The RTRACE_SOURCE_* bits of the ABI; those without a source get -EOPNOTSUPP. */
#define RDEV_SOURCES_KNOWN	(RTRACE_SOURCE_KAPI | RTRACE_SOURCE_SCHED | \
				 RTRACE_SOURCE_IRQ | RTRACE_SOURCE_SYSCALLS | \
				 RTRACE_SOURCE_FAULTS | RTRACE_SOURCE_BLOCK | \
				 RTRACE_SOURCE_WORKQUEUE | RTRACE_SOURCE_VALIDATE | \
				 RTRACE_SOURCE_TASK_NAMES)
/* Sources that do not need task names; any other brings them along. */
#define RDEV_SOURCES_NO_NAMES	(RTRACE_SOURCE_KAPI | RTRACE_SOURCE_VALIDATE | \
				 RTRACE_SOURCE_TASK_NAMES)

struct rdev_device rdev;

/* Session lifetime */

static void rdev_session_free(struct kref *ref)
{
	struct rdev_session *s = container_of(ref, struct rdev_session, ref);

	if (s->ring)
		rtrace_ring_destroy(s->ring);
	rtrace_mem_count(-(!!s->data + !!s->ctrl + !!s->meta + !!s->bounce +
			   !!s->hdr_resumed + !!s->hdr + 1));
	vfree(s->data);
	free_page((unsigned long)s->ctrl);
	free_page((unsigned long)s->meta);
	kvfree(s->bounce);
	kfree(s->hdr_resumed);
	kfree(s->hdr);
	rtrace_pids_free(s->pids);
	free_cpumask_var(s->cpus);
	kfree(s);
}

void rdev_put(struct rdev_session *s)
{
	if (s)
		kref_put(&s->ref, rdev_session_free);
}

/* Called with rdev.lock held; takes a reference on the current session. */
struct rdev_session *rdev_get_locked(void)
{
	lockdep_assert_held(&rdev.lock);
	if (rdev.session)
		kref_get(&rdev.session->ref);
	return rdev.session;
}

/* A state change: readers and pollers re-evaluate. */
void rdev_changed_locked(void)
{
	lockdep_assert_held(&rdev.lock);
	WRITE_ONCE(rdev.gen, rdev.gen + 1);
	wake_up_interruptible_all(&rdev.wq);
}

static bool rdev_mapped(const struct rdev_session *s)
{
	return s && (s->ctrl_maps || s->data_maps);
}

/* Configuration */

static int rdev_check_geometry(const struct rtrace_config *cfg,
			       unsigned int nr_cpus, u32 *nr_subbufs)
{
	u64 nr, total;

	if (cfg->subbuf_size < PAGE_SIZE || cfg->subbuf_size > SZ_1M ||
	    !is_power_of_2(cfg->subbuf_size))
		return -EINVAL;
	if (!cfg->lane_bytes || cfg->lane_bytes % cfg->subbuf_size)
		return -EINVAL;
	nr = cfg->lane_bytes / cfg->subbuf_size;
	if (nr < 2 || !is_power_of_2(nr))
		return -EINVAL;
	/*
	 * Well-formed but more than half of the RAM: refuse before trying,
	 * so no request can push the machine into the OOM killer.
	 */
	if (nr > U32_MAX ||
	    check_mul_overflow(cfg->lane_bytes,
			       (u64)nr_cpus * RTRACE_NR_LANES, &total) ||
	    (total >> PAGE_SHIFT) > totalram_pages() / 2)
		return -ENOMEM;
	*nr_subbufs = nr;
	return 0;
}

static int rdev_read_cpumask(const struct rtrace_config *cfg,
			     struct cpumask *mask)
{
	unsigned long *bits;
	unsigned int nbits, cpu;
	int ret = 0;

	if (!cfg->cpumask_ptr) {
		if (cfg->cpumask_bytes)
			return -EINVAL;
		cpumask_copy(mask, cpu_possible_mask);
		return 0;
	}
	if (!cfg->cpumask_bytes || cfg->cpumask_bytes > RDEV_MAX_CPUMASK)
		return -EINVAL;

	/* Whole longs, zero-padded: the user bitmap is little-endian words. */
	bits = kzalloc(round_up(cfg->cpumask_bytes, sizeof(long)), GFP_KERNEL);
	if (!bits)
		return -ENOMEM;
	if (copy_from_user(bits, u64_to_user_ptr(cfg->cpumask_ptr),
			   cfg->cpumask_bytes)) {
		ret = -EFAULT;
		goto out;
	}
	nbits = cfg->cpumask_bytes * BITS_PER_BYTE;
	cpumask_clear(mask);
	for_each_set_bit(cpu, bits, nbits) {
		if (cpu >= nr_cpu_ids || !cpu_possible(cpu)) {
			ret = -EINVAL;
			goto out;
		}
		cpumask_set_cpu(cpu, mask);
	}
	if (cpumask_empty(mask))
		ret = -EINVAL;
out:
	kfree(bits);
	return ret;
}

/*
 * The PID filter of @cfg (uapi: above RTRACE_PIDS_FOLLOW): *@set stays NULL
 * without one.  Return: 0; -EINVAL for flags without ids, ids without a
 * pointer or a pointer without ids, unknown flags, an id 0 or above
 * PID_MAX_LIMIT; -E2BIG for more than RTRACE_PIDS_MAX ids; -EFAULT for an
 * unreadable array; -ENOMEM.
 */
static int rdev_read_pids(const struct rtrace_config *cfg, struct rtrace_pids **set)
{
	u32 *ids, i;
	int ret = 0;

	*set = NULL;
	if (!cfg->nr_pids)
		return cfg->pids_ptr || cfg->pid_flags ? -EINVAL : 0;
	if (!cfg->pids_ptr || (cfg->pid_flags & ~(RTRACE_PIDS_FOLLOW | RTRACE_PIDS_TGID)))
		return -EINVAL;
	if (cfg->nr_pids > RTRACE_PIDS_MAX)
		return -E2BIG;
	ids = memdup_user(u64_to_user_ptr(cfg->pids_ptr), cfg->nr_pids * sizeof(*ids));
	if (IS_ERR(ids))
		return PTR_ERR(ids);
	for (i = 0; i < cfg->nr_pids; i++) {
		if (!ids[i] || ids[i] > PID_MAX_LIMIT) {
			ret = -EINVAL;
			goto out;
		}
	}
	*set = rtrace_pids_create(ids, cfg->nr_pids, cfg->pid_flags);
	if (!*set)
		ret = -ENOMEM;
out:
	kfree(ids);
	return ret;
}

static int rdev_build_hdr(struct rdev_session *s)
{
	struct rtrace_stream_hdr *hdr;
	unsigned int nr;

	hdr = rtrace_events_table(sizeof(*hdr), &nr);
	if (!hdr)
		return -ENOMEM;
	s->hdr = hdr;
	s->hdr_size = sizeof(*hdr) + nr * sizeof(struct rtrace_event_desc);
	rtrace_ring_clock_info(s->ring, hdr);
	hdr->magic = RTRACE_STREAM_MAGIC;
	hdr->version_major = RTRACE_ABI_VERSION_MAJOR;
	hdr->version_minor = RTRACE_ABI_VERSION_MINOR;
	hdr->size = sizeof(*hdr);
	hdr->hdr_size = s->hdr_size;
	hdr->flags = 0;
	hdr->config_flags = s->cfg.flags;
	hdr->nr_cpus = nr_cpu_ids;
	hdr->nr_lanes = RTRACE_NR_LANES;
	hdr->page_size = PAGE_SIZE;
	hdr->subbuf_size = s->cfg.subbuf_size;
	hdr->subbufs_per_lane = s->nr_subbufs;
	hdr->subbuf_hdr_size = sizeof(struct rtrace_subbuf_hdr);
	hdr->subbuf_lost_offset = offsetof(struct rtrace_subbuf_hdr, lost);
	hdr->nr_lost = RTRACE_NR_LOST;
	hdr->event_table_offset = sizeof(*hdr);
	hdr->nr_event_descs = nr;
	hdr->event_desc_size = sizeof(struct rtrace_event_desc);
	hdr->session_id = s->id;
	hdr->crc = rtrace_unit_crc(s->hdr, s->hdr_size, offsetof(struct rtrace_stream_hdr, crc));
	return 0;
}

static struct rdev_session *rdev_session_create(const struct rtrace_config *cfg,
						const struct cpumask *cpus,
						u32 nr_subbufs, struct rtrace_pids *pids)
{
	struct rtrace_ring_geom geom = {
		.subbuf_size = cfg->subbuf_size,
		.nr_subbufs = nr_subbufs,
		.flags = cfg->flags,
		.cpumask = cpus,
	};
	struct rdev_session *s;
	int ret = -ENOMEM;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s) {
		rtrace_pids_free(pids);
		return ERR_PTR(-ENOMEM);
	}
	rtrace_mem_count(1);
	kref_init(&s->ref);
	s->cfg = *cfg;
	s->pids = pids;
	if (!zalloc_cpumask_var(&s->cpus, GFP_KERNEL))
		goto free_session;
	cpumask_copy(s->cpus, cpus);
	geom.cpumask = s->cpus;
	s->nr_subbufs = nr_subbufs;
	s->bounce = kvmalloc(cfg->subbuf_size, GFP_KERNEL);
	if (!s->bounce)
		goto put_session;
	rtrace_mem_count(1);
	rtrace_debug_poison(s->bounce, cfg->subbuf_size);
	/* Never 0: 0 means "no session" in rtrace_info. */
	s->id = get_random_u64() | 1;

	s->ring = rtrace_ring_create(&geom);
	if (IS_ERR(s->ring)) {
		ret = PTR_ERR(s->ring);
		s->ring = NULL;
		goto put_session;
	}
	ret = rdev_build_hdr(s);
	if (ret)
		goto put_session;
	return s;

free_session:
	rtrace_pids_free(s->pids);
	kfree(s);
	rtrace_mem_count(-1);
	return ERR_PTR(ret);
put_session:
	rdev_put(s);
	return ERR_PTR(ret);
}

/*
 * May the current session be replaced or dropped?  Not while mapped, nor,
 * unless @discard, while it holds unread data: while RUNNING, or with a
 * published sub-buffer (or a broken-ring report) no consumer has read
 * (uapi: the state diagram's "Unread data").  rdev.lock held.
 * Return: 0 or -EBUSY.
 */
static int rdev_replace_ok_locked(bool discard)
{
	struct rdev_session *s = rdev.session;

	lockdep_assert_held(&rdev.lock);
	if (rdev_mapped(s))
		return -EBUSY;
	if (!s || discard)
		return 0;
	if (rdev.state == RTRACE_STATE_RUNNING || READ_ONCE(s->broken_pending) ||
	    rtrace_ring_has_data(s->ring))
		return -EBUSY;
	return 0;
}

/**
 * rdev_configure() - CONFIGURE: check @cfg, create its session, install it
 * @ucfg: the caller's configuration, copied in
 *
 * Replaces a configured or stopped session (which goes when its last
 * reference does); refused while the session runs or is mapped, and while
 * it holds unread data unless @ucfg has RTRACE_CONFIG_DISCARD_UNREAD.
 *
 * Context: process context, rdev.lock not held.
 * Return: 0 or -errno (the old session stays).
 */
int rdev_configure(const struct rtrace_config *ucfg)
{
	struct rdev_session *s, *old = NULL;
	struct rtrace_config c = *ucfg, *cfg = &c;
	struct rtrace_pids *pids;
	cpumask_var_t cpus;
	u32 nr_subbufs;
	bool discard;
	int ret;

	if (cfg->reserved0 || cfg->reserved1)
		return -EINVAL;
	if (cfg->flags & ~(RTRACE_CONFIG_OVERWRITE | RTRACE_CONFIG_DISCARD_UNREAD))
		return -EINVAL;
	discard = cfg->flags & RTRACE_CONFIG_DISCARD_UNREAD;
	cfg->flags &= ~RTRACE_CONFIG_DISCARD_UNREAD;	/* an action, not a property */
	if ((!cfg->sources && !cfg->events) || (cfg->sources & ~RDEV_SOURCES_KNOWN) ||
	    (cfg->events & ~rtrace_tp_events(~0ULL, false)))
		return -EINVAL;
	if ((cfg->sources & ~rtrace_sources_supported()) ||
	    (cfg->events & ~rtrace_tp_events(~0ULL, true)))
		return -EOPNOTSUPP;
	/* The session's events: those asked for, and its groups' (info.events). */
	cfg->events |= rtrace_tp_events(cfg->sources, true);
	/* Kernel events name tasks by pid: their names come along. */
	if ((cfg->sources & ~RDEV_SOURCES_NO_NAMES) ||
	    (cfg->events & rtrace_tp_events(RDEV_SOURCES_KNOWN, false)))
		cfg->sources |= RTRACE_SOURCE_TASK_NAMES;

	if (!zalloc_cpumask_var(&cpus, GFP_KERNEL))
		return -ENOMEM;
	ret = rdev_read_cpumask(cfg, cpus);
	if (ret)
		goto free_cpus;
	ret = rdev_check_geometry(cfg, cpumask_weight(cpus), &nr_subbufs);
	if (ret)
		goto free_cpus;
	ret = rdev_read_pids(cfg, &pids);
	if (ret)
		goto free_cpus;

	/* Cheap refusals first, so a running session is not disturbed. */
	mutex_lock(&rdev.lock);
	ret = rdev.state == RTRACE_STATE_RUNNING ? -EBUSY : rdev_replace_ok_locked(discard);
	mutex_unlock(&rdev.lock);
	if (ret) {
		rtrace_pids_free(pids);
		goto free_cpus;
	}

	/* The session owns @pids from here, also on failure. */
	s = rdev_session_create(cfg, cpus, nr_subbufs, pids);
	if (IS_ERR(s)) {
		ret = PTR_ERR(s);
		goto free_cpus;
	}

	mutex_lock(&rdev.lock);
	ret = rdev.state == RTRACE_STATE_RUNNING ? -EBUSY : rdev_replace_ok_locked(discard);
	if (ret) {
		mutex_unlock(&rdev.lock);
		rdev_put(s);
		goto free_cpus;
	}
	old = rdev.session;
	if (old)
		rtrace_ring_detach(old->ring);
	ret = rtrace_ring_attach(s->ring);
	if (ret) {
		/* Another user of the ring API holds the writers. */
		if (old)
			WARN_ON_ONCE(rtrace_ring_attach(old->ring));
		mutex_unlock(&rdev.lock);
		rdev_put(s);
		goto free_cpus;
	}
	rdev.session = s;
	rdev.state = RTRACE_STATE_CONFIGURED;
	rdev_changed_locked();
	mutex_unlock(&rdev.lock);
	rdev_put(old);
free_cpus:
	free_cpumask_var(cpus);
	return ret;
}

/* The sources to enable: those asked for, and the groups of the events. */
static u64 rdev_sources(const struct rdev_session *s)
{
	return s->cfg.sources | rtrace_tp_sources(s->cfg.events);
}

/*
 * Start recording: the ring, then the session's sources, in the order
 * kmod/sources/source.h documents; rdev.lock held.  On failure nothing
 * runs.
 */
static int rdev_start_locked(struct rdev_session *s)
{
	int ret;

	lockdep_assert_held(&rdev.lock);
	rtrace_ring_set_running(s->ring, true);
	/* Only kernel events are filtered: no key to patch for the others. */
	ret = rtrace_pids_start(s->cfg.events ? s->pids : NULL);
	if (ret)
		goto stop_ring;
	ret = rtrace_sources_enable(rdev_sources(s), s->cfg.events);
	if (ret)
		goto stop_pids;
	return 0;

stop_pids:
	rtrace_pids_stop();
stop_ring:
	rtrace_ring_set_running(s->ring, false);
	return ret;
}

/*
 * Stop recording if the session runs: its sources, then the ring (which
 * returns once no write is in progress); rdev.lock held.
 */
static void rdev_halt_locked(struct rdev_session *s)
{
	lockdep_assert_held(&rdev.lock);
	if (rdev.state != RTRACE_STATE_RUNNING)
		return;
	rtrace_sources_disable(rdev_sources(s));
	rtrace_pids_stop();
	rtrace_ring_set_running(s->ring, false);
}

/**
 * rdev_stop_locked() - stop writing and publish everything (state STOPPED)
 *
 * Context: process context, rdev.lock held, a session installed.
 */
void rdev_stop_locked(void)
{
	struct rdev_session *s = rdev.session;

	/*
	 * Once halted no write is in progress, so the flush below publishes
	 * every committed event and nothing follows.
	 */
	rdev_halt_locked(s);
	rtrace_ring_flush(s->ring);
	rdev.state = RTRACE_STATE_STOPPED;
}

/**
 * rdev_control() - START, STOP, SNAPSHOT, FLUSH
 * @nr: _IOC_NR() of the ioctl
 *
 * Context: process context, rdev.lock not held.
 * Return: 0; -ENODATA without a session; -EBUSY for START while running;
 * -EIO for START of a session an integrity check found broken; the error
 * of a source that could not be enabled.
 */
int rdev_control(unsigned int nr)
{
	int ret = 0;

	mutex_lock(&rdev.lock);
	if (!rdev.session) {
		ret = -ENODATA;
		goto unlock;
	}
	switch (nr) {
	case _IOC_NR(RTRACE_IOC_START):
		if (rdev.state == RTRACE_STATE_RUNNING) {
			ret = -EBUSY;
			break;
		}
		if (rdev.session->broken || rtrace_ring_broken(rdev.session->ring)) {
			ret = -EIO;	/* its stream can no longer be complete */
			break;
		}
		ret = rdev_start_locked(rdev.session);
		if (ret)
			break;
		rdev.state = RTRACE_STATE_RUNNING;
		rdev.idle = 0;
		schedule_delayed_work(&rdev.work, msecs_to_jiffies(RDEV_WORK_MS));
		break;
	case _IOC_NR(RTRACE_IOC_STOP):
	case _IOC_NR(RTRACE_IOC_SNAPSHOT):
		rdev_stop_locked();
		break;
	case _IOC_NR(RTRACE_IOC_FLUSH):
		rtrace_ring_flush(rdev.session->ring);
		break;
	}
	rdev_changed_locked();
unlock:
	mutex_unlock(&rdev.lock);
	return ret;
}

/*
 * Stop the session's sources and writers, detach its ring and take it out
 * of the device (state EMPTY).  Return: the session (or NULL), for
 * rdev_put().
 */
static struct rdev_session *rdev_take_locked(void)
{
	struct rdev_session *s = rdev.session;

	lockdep_assert_held(&rdev.lock);
	if (s) {
		rdev_halt_locked(s);
		rtrace_ring_detach(s->ring);
	}
	rdev.session = NULL;
	rdev.state = RTRACE_STATE_EMPTY;
	return s;
}

/**
 * rdev_reset() - RESET: stop and free the session (state EMPTY)
 * @flags: RESET's argument: 0 or RTRACE_RESET_DISCARD_UNREAD
 *
 * Context: process context, rdev.lock not held.
 * Return: 0; -EINVAL for unknown @flags; -EBUSY while the session is
 * mapped, or holds unread data (a running session does) and @flags does
 * not say to discard it.
 */
int rdev_reset(unsigned long flags)
{
	struct rdev_session *s;
	int ret;

	if (flags & ~RTRACE_RESET_DISCARD_UNREAD)
		return -EINVAL;
	mutex_lock(&rdev.lock);
	ret = rdev_replace_ok_locked(flags & RTRACE_RESET_DISCARD_UNREAD);
	if (ret) {
		mutex_unlock(&rdev.lock);
		return ret;
	}
	s = rdev_take_locked();
	rdev_changed_locked();
	mutex_unlock(&rdev.lock);
	rdev_put(s);
	return 0;
}

/*
 * Flush a stopped session once per stop, unless it changed (so events
 * emitted while stopped, counted as lost, cannot keep a reader from EOF).
 * Return: sub-buffers published.
 */
int rdev_flush_stopped(struct rdev_session *s)
{
	int n = 0;

	mutex_lock(&rdev.lock);
	if (rdev.session == s && rdev.state == RTRACE_STATE_STOPPED &&
	    s->eof_flush_gen != rdev.gen) {
		s->eof_flush_gen = rdev.gen;
		n = rtrace_ring_flush(s->ring);
	}
	mutex_unlock(&rdev.lock);
	return n;
}

/**
 * rtrace_dev_init() - set up the device state before /dev/rtrace appears
 *
 * Context: module init.
 * Return: 0 or -errno.
 */
int rtrace_dev_init(void)
{
	int ret;

	/* The ABI's sizes are part of the ABI: the struct layouts must not drift. */
	BUILD_BUG_ON(sizeof(struct rtrace_subbuf_hdr) != 80);
	BUILD_BUG_ON(offsetof(struct rtrace_subbuf_hdr, lost) != 40);
	BUILD_BUG_ON(sizeof(struct rtrace_stream_hdr) != 128);
	BUILD_BUG_ON(sizeof(struct rtrace_event_desc) != 264);
	BUILD_BUG_ON(sizeof(struct rtrace_lane_stats) != RTRACE_LANE_STATS_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct rtrace_config) != RTRACE_CONFIG_SIZE_VER2);
	BUILD_BUG_ON(sizeof(struct rtrace_stats) != RTRACE_STATS_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct rtrace_info) != RTRACE_INFO_SIZE_VER3);
	BUILD_BUG_ON(sizeof(struct rtrace_events) != RTRACE_EVENTS_SIZE_VER0);

	mutex_init(&rdev.lock);
	mutex_init(&rdev.read_mutex);
	init_waitqueue_head(&rdev.wq);
	INIT_DELAYED_WORK(&rdev.work, rdev_work_fn);
	rdev.state = RTRACE_STATE_EMPTY;
	rtrace_crc32c_init();
	ret = rdev_marker_init();
	if (ret)
		return ret;
	return rtrace_sources_init();
}

/**
 * rtrace_dev_exit() - free the session after /dev/rtrace is gone
 *
 * No file is open (the module could not be unloaded otherwise), so nothing
 * maps or reads the session any more.
 *
 * Context: module exit.
 */
void rtrace_dev_exit(void)
{
	struct rdev_session *s;

	mutex_lock(&rdev.lock);
	s = rdev_take_locked();
	mutex_unlock(&rdev.lock);
	cancel_delayed_work_sync(&rdev.work);
	rdev_put(s);
}
