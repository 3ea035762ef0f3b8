// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: /dev/rtrace, the session state machine and the reader side.
 *
 * One session belongs to the device, not to a file.  Any privileged opener
 * may configure, start, stop or reset it, and it lives on after the file
 * that configured it is closed, so that
 *
 *	rtrace start; cat /dev/rtrace > f; rtrace stop
 *
 * works.  The data of a session is read by one consumer at a time: the
 * first file that read()s or mmap()s becomes the consumer until it is
 * closed; other files get -EBUSY for read and mmap but may still use every
 * control ioctl.
 *
 *	EMPTY --CONFIGURE--> CONFIGURED --START--> RUNNING --STOP--> STOPPED
 *	  ^                     ^                     ^                 |
 *	  |                     +------CONFIGURE------)-----------------+
 *	  +------RESET (any)                          +------START------+
 *
 * Locks, outermost first:
 *
 *	rdev.read_mutex	the reader side of the ring (peek/consume, the
 *			round-robin cursor, the bounce buffer and the mmap
 *			data area); held across copy_to_user(), so it
 *			nests outside mmap_lock.
 *	mmap_lock	(taken by the mm for mmap/munmap/page faults)
 *	rdev.lock	the state, the session pointer, the consumer and
 *			the event table; never held across a user copy, so
 *			mmap() may take it under mmap_lock.
 *
 * A session is reference counted: readers, ioctls that copy to or from
 * userspace and mappings take a reference under rdev.lock and drop
 * rdev.lock before touching user memory.  RESET and CONFIGURE only unhook
 * the session; its ring is destroyed when the last reference goes.
 *
 * Nothing here runs in the writers' context.  Readers are woken by a
 * periodic work item (rdev_work_fn()) that polls rtrace_ring_has_data()
 * while a session runs, and by the control ioctls; the writer fast path
 * and NMI handlers never issue a wake-up.
 */
#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/poll.h>
#include <linux/random.h>
#include <linux/security.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "rtrace_dev.h"
#include "rtrace_ring.h"

/* Period of the reader-side work while a session runs. */
#define RDEV_WORK_MS		20
/* Flush partly filled sub-buffers after this many idle periods (~1 s). */
#define RDEV_AUTOFLUSH_IDLE	50

#define RDEV_MAX_EVENT_DESCS	64
#define RDEV_MAX_STRUCT		PAGE_SIZE	/* largest size a caller may claim */
#define RDEV_MAX_CPUMASK	4096		/* bytes of a user CPU bitmap */
#define RDEV_MAX_MMAP_DATA	SZ_256M

#define RDEV_SOURCES_KNOWN	(RTRACE_SOURCE_KAPI | RTRACE_SOURCE_SCHED | \
				 RTRACE_SOURCE_IRQ | RTRACE_SOURCE_SYSCALLS)
#define RDEV_SOURCES_SUPPORTED	RTRACE_SOURCE_KAPI

/**
 * struct rdev_session - one configured session
 * @ref: references: the device (while installed), readers, mappings
 * @ring: the per-CPU lanes
 * @cfg: the configuration it was created from
 * @cpus: CPUs with lanes
 * @id: stream_hdr.session_id
 * @hdr: stream header followed by the event table
 * @hdr_size: bytes at @hdr
 * @bounce: one sub-buffer, for peeks (rdev.read_mutex)
 * @meta: mmap meta page, or NULL
 * @ctrl: mmap control page (user-writable), or NULL
 * @data: mmap data area, or NULL
 * @data_size: bytes at @data
 * @produced: stream bytes copied into @data (rdev.read_mutex)
 * @consumed: last sane value of @ctrl->consumed (rdev.read_mutex)
 * @mmap_hdr_done: the stream header went into @data (rdev.read_mutex)
 * @ctrl_maps: live vmas of the control page (rdev.lock)
 * @data_maps: live vmas of the meta page and data area (rdev.lock)
 * @eof_flush_gen: rdev.gen of the last flush at end of data (rdev.lock)
 */
struct rdev_session {
	struct kref ref;
	struct rtrace_ring *ring;
	struct rtrace_config cfg;
	cpumask_var_t cpus;
	u64 id;
	void *hdr;
	u32 hdr_size;
	void *bounce;
	struct rtrace_mmap_meta *meta;
	struct rtrace_mmap_ctrl *ctrl;
	void *data;
	u64 data_size;
	u64 produced;
	u64 consumed;
	bool mmap_hdr_done;
	unsigned int ctrl_maps;
	unsigned int data_maps;
	unsigned long eof_flush_gen;
};

static bool rdev_mapped(const struct rdev_session *s)
{
	return s && (s->ctrl_maps || s->data_maps);
}

/**
 * struct rdev_file - per-open-file state
 * @hdr_id: session id whose stream header this file has read
 * @data_mapped: this file maps a data area
 */
struct rdev_file {
	u64 hdr_id;
	bool data_mapped;
};

/* The device: locking rules in the comment at the top of this file. */
static struct {
	struct mutex lock;		/* state, session, consumer, descs */
	struct mutex read_mutex;	/* reader side: peek/consume, rr, mmap */
	u32 state;
	unsigned long gen;
	struct rdev_session *session;
	struct file *consumer;
	wait_queue_head_t wq;
	struct delayed_work work;
	unsigned int idle;
	unsigned int rr_cpu;
	unsigned int rr_lane;
	unsigned int nr_descs;
	struct rtrace_event_desc descs[RDEV_MAX_EVENT_DESCS];
} rdev;

static const struct rtrace_event_desc rdev_builtin_events[] = {
	{
		.id = RTRACE_EV_CLOCK_SYNC,
		.nr_fields = 2,
		.name = "clock_sync",
		.fields = {
			{ .name = "clock", .type = RTRACE_FIELD_U64 },
			{ .name = "mono_ns", .type = RTRACE_FIELD_U64 },
		},
	},
	{
		.id = RTRACE_EV_TEST,
		.nr_fields = 3,
		.name = "test",
		.fields = {
			{ .name = "seq", .type = RTRACE_FIELD_U64 },
			{ .name = "cpu", .type = RTRACE_FIELD_U64 },
			{ .name = "val", .type = RTRACE_FIELD_HEX },
		},
	},
	{
		.id = RTRACE_EV_TEST_RAW,
		.nr_fields = RTRACE_REC_RAW,
		.name = "test_raw",
	},
};

/* Session lifetime */

static void rdev_session_free(struct kref *ref)
{
	struct rdev_session *s = container_of(ref, struct rdev_session, ref);

	if (s->ring)
		rtrace_ring_destroy(s->ring);
	vfree(s->data);
	free_page((unsigned long)s->ctrl);
	free_page((unsigned long)s->meta);
	kvfree(s->bounce);
	kfree(s->hdr);
	free_cpumask_var(s->cpus);
	kfree(s);
}

static void rdev_put(struct rdev_session *s)
{
	if (s)
		kref_put(&s->ref, rdev_session_free);
}

/* Called with rdev.lock held; takes a reference on the current session. */
static struct rdev_session *rdev_get_locked(void)
{
	lockdep_assert_held(&rdev.lock);
	if (rdev.session)
		kref_get(&rdev.session->ref);
	return rdev.session;
}

/* A state change: readers and pollers re-evaluate. */
static void rdev_changed_locked(void)
{
	lockdep_assert_held(&rdev.lock);
	WRITE_ONCE(rdev.gen, rdev.gen + 1);
	wake_up_interruptible_all(&rdev.wq);
}

/* Control */

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

static int rdev_build_hdr(struct rdev_session *s)
{
	struct rtrace_stream_hdr *hdr;
	unsigned int nr;

	mutex_lock(&rdev.lock);
	nr = rdev.nr_descs;
	s->hdr_size = sizeof(*hdr) + nr * sizeof(struct rtrace_event_desc);
	s->hdr = kzalloc(s->hdr_size, GFP_KERNEL);
	if (!s->hdr) {
		mutex_unlock(&rdev.lock);
		return -ENOMEM;
	}
	memcpy(s->hdr + sizeof(*hdr), rdev.descs, nr * sizeof(rdev.descs[0]));
	mutex_unlock(&rdev.lock);

	hdr = s->hdr;
	rtrace_ring_clock_info(s->ring, hdr);
	hdr->magic = RTRACE_STREAM_MAGIC;
	hdr->hdr_size = s->hdr_size;
	hdr->abi_version = RTRACE_ABI_VERSION;
	hdr->flags = s->cfg.flags;
	hdr->nr_cpus = nr_cpu_ids;
	hdr->page_size = PAGE_SIZE;
	hdr->subbuf_size = s->cfg.subbuf_size;
	hdr->nr_lanes = RTRACE_NR_LANES;
	hdr->session_id = s->id;
	hdr->nr_event_descs = nr;
	hdr->event_desc_size = sizeof(struct rtrace_event_desc);
	return 0;
}

static struct rdev_session *rdev_session_create(const struct rtrace_config *cfg,
						const struct cpumask *cpus,
						u32 nr_subbufs)
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
	if (!s)
		return ERR_PTR(-ENOMEM);
	kref_init(&s->ref);
	s->cfg = *cfg;
	if (!zalloc_cpumask_var(&s->cpus, GFP_KERNEL))
		goto free_session;
	cpumask_copy(s->cpus, cpus);
	geom.cpumask = s->cpus;
	s->bounce = kvmalloc(cfg->subbuf_size, GFP_KERNEL);
	if (!s->bounce)
		goto put_session;
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
	kfree(s);
	return ERR_PTR(ret);
put_session:
	rdev_put(s);
	return ERR_PTR(ret);
}

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

static int rdev_configure(struct rtrace_config __user *uarg)
{
	struct rdev_session *s, *old = NULL;
	struct rtrace_config cfg;
	cpumask_var_t cpus;
	u32 nr_subbufs;
	int ret;

	ret = rdev_copy_sized(&cfg, sizeof(cfg), uarg, RTRACE_CONFIG_SIZE_VER0);
	if (ret)
		return ret;
	if (cfg.reserved0 || cfg.reserved1)
		return -EINVAL;
	if (cfg.flags & ~RTRACE_CONFIG_OVERWRITE)
		return -EINVAL;
	if (!cfg.sources || (cfg.sources & ~RDEV_SOURCES_KNOWN))
		return -EINVAL;
	if (cfg.sources & ~RDEV_SOURCES_SUPPORTED)
		return -EOPNOTSUPP;

	if (!zalloc_cpumask_var(&cpus, GFP_KERNEL))
		return -ENOMEM;
	ret = rdev_read_cpumask(&cfg, cpus);
	if (ret)
		goto free_cpus;
	ret = rdev_check_geometry(&cfg, cpumask_weight(cpus), &nr_subbufs);
	if (ret)
		goto free_cpus;

	/* Cheap refusals first, so a running session is not disturbed. */
	mutex_lock(&rdev.lock);
	ret = rdev.state == RTRACE_STATE_RUNNING ||
	      rdev_mapped(rdev.session) ? -EBUSY : 0;
	mutex_unlock(&rdev.lock);
	if (ret)
		goto free_cpus;

	s = rdev_session_create(&cfg, cpus, nr_subbufs);
	if (IS_ERR(s)) {
		ret = PTR_ERR(s);
		goto free_cpus;
	}

	mutex_lock(&rdev.lock);
	if (rdev.state == RTRACE_STATE_RUNNING || rdev_mapped(rdev.session)) {
		mutex_unlock(&rdev.lock);
		rdev_put(s);
		ret = -EBUSY;
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

/* Stop writing and publish everything; rdev.lock held. */
static void rdev_stop_locked(void)
{
	struct rdev_session *s = rdev.session;

	lockdep_assert_held(&rdev.lock);
	/*
	 * set_running(false) returns once no write is in progress, so the
	 * flush below publishes every committed event and nothing follows.
	 */
	if (rdev.state == RTRACE_STATE_RUNNING)
		rtrace_ring_set_running(s->ring, false);
	rtrace_ring_flush(s->ring);
	rdev.state = RTRACE_STATE_STOPPED;
}

static int rdev_control(unsigned int nr)
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
		rtrace_ring_set_running(rdev.session->ring, true);
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
 * Stop the session's writers, detach its ring and take it out of the
 * device (state EMPTY).  Return: the session (or NULL), for rdev_put().
 */
static struct rdev_session *rdev_take_locked(void)
{
	struct rdev_session *s = rdev.session;

	lockdep_assert_held(&rdev.lock);
	if (s) {
		if (rdev.state == RTRACE_STATE_RUNNING)
			rtrace_ring_set_running(s->ring, false);
		rtrace_ring_detach(s->ring);
	}
	rdev.session = NULL;
	rdev.state = RTRACE_STATE_EMPTY;
	return s;
}

static int rdev_reset(void)
{
	struct rdev_session *s;

	mutex_lock(&rdev.lock);
	if (rdev_mapped(rdev.session)) {
		mutex_unlock(&rdev.lock);
		return -EBUSY;
	}
	s = rdev_take_locked();
	rdev_changed_locked();
	mutex_unlock(&rdev.lock);
	rdev_put(s);
	return 0;
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
	if (req.entry_size < sizeof(st) || req.entry_size > RDEV_MAX_STRUCT)
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
		st.reserved = 0;
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
	info.sources_supported = RDEV_SOURCES_SUPPORTED;
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
	}
	mutex_unlock(&rdev.lock);

	if (copy_to_user(uarg, &info, min_t(u32, size, sizeof(info))))
		return -EFAULT;
	if (size > sizeof(info) &&
	    clear_user((u8 __user *)uarg + sizeof(info), size - sizeof(info)))
		return -EFAULT;
	return 0;
}

/* The direction bits of @cmd must be those of the ioctl it names. */
static bool rdev_dir_ok(unsigned int cmd, unsigned int ref)
{
	return _IOC_DIR(cmd) == _IOC_DIR(ref);
}

static long rdev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
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
		return rdev_configure(uarg);
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
		return rdev_reset();
	case _IOC_NR(RTRACE_IOC_STATS):
		if (!rdev_dir_ok(cmd, RTRACE_IOC_STATS))
			return -ENOTTY;
		return rdev_stats(uarg);
	case _IOC_NR(RTRACE_IOC_INFO):
		if (!rdev_dir_ok(cmd, RTRACE_IOC_INFO))
			return -ENOTTY;
		return rdev_info(uarg);
	}
	return -ENOTTY;
}

/* Reading */

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

/*
 * The ring found a sub-buffer whose header cannot be right (its own debug
 * checks say why).  Skip it rather than return -EIO forever; the gap shows
 * in the lane's seq numbers.  rdev.read_mutex held.
 */
static void rdev_drop_corrupt(struct rdev_session *s, unsigned int cpu,
			      unsigned int lane)
{
	pr_warn_ratelimited("rtrace: corrupt sub-buffer on cpu %u lane %u skipped\n",
			    cpu, lane);
	rtrace_ring_consume(s->ring, cpu, lane);
	rdev_rr_next();
}

/*
 * Copy the stream header (if this file has not had it for this session)
 * and then whole sub-buffers into @ubuf.  rdev.read_mutex held.
 * Return: bytes copied, 0 if nothing is published, or -errno if nothing
 * was copied and something went wrong.
 */
static ssize_t rdev_read_units(struct rdev_file *rf, struct rdev_session *s,
			       char __user *ubuf, size_t count)
{
	unsigned int idle = 0, nr = nr_cpu_ids * RTRACE_NR_LANES;
	size_t copied = 0;
	ssize_t n;

	if (rf->hdr_id != s->id) {
		if (count < s->hdr_size)
			return -EINVAL;
		if (copy_to_user(ubuf, s->hdr, s->hdr_size))
			return -EFAULT;
		rf->hdr_id = s->id;
		copied = s->hdr_size;
	}

	while (idle < nr && copied < count) {
		unsigned int cpu = rdev.rr_cpu, lane = rdev.rr_lane;

		if (!cpumask_test_cpu(cpu, s->cpus)) {
			rdev_rr_next();
			idle++;
			continue;
		}
		n = rtrace_ring_peek(s->ring, cpu, lane, s->bounce,
				     min_t(size_t, count - copied,
					   s->cfg.subbuf_size));
		if (n == -EAGAIN) {
			rdev_rr_next();
			idle++;
			continue;
		}
		if (n == -ENOSPC)	/* next read starts with this lane */
			return copied ? copied : -EINVAL;
		if (n == -EIO) {
			rdev_drop_corrupt(s, cpu, lane);
			continue;
		}
		if (n < 0)
			return copied ? copied : n;
		if (copy_to_user(ubuf + copied, s->bounce, n))
			return copied ? copied : -EFAULT;
		/* Only now: a fault or a signal above lost nothing. */
		rtrace_ring_consume(s->ring, cpu, lane);
		copied += n;
		rdev_rr_next();
		idle = 0;
	}
	return copied;
}

/*
 * Flush a stopped session once per stop, unless it changed (so events
 * emitted while stopped, counted as lost, cannot keep a reader from EOF).
 * Return: sub-buffers published.
 */
static int rdev_flush_stopped(struct rdev_session *s)
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

/* mmap: the consumer's data area */

/* Copy @len bytes of stream into the data area at stream offset @pos. */
static void rdev_mmap_put(struct rdev_session *s, u64 pos, const void *src,
			  size_t len)
{
	size_t off = pos & (s->data_size - 1);
	size_t first = min_t(size_t, len, s->data_size - off);

	memcpy(s->data + off, src, first);
	memcpy(s->data, src + first, len - first);
}

/*
 * Move whole units from the lanes into the mapped data area while they fit.
 * rdev.read_mutex held.  Return: true if the area has unread bytes.
 */
static bool rdev_mmap_fill(struct rdev_session *s, u32 state)
{
	unsigned int idle = 0, nr = nr_cpu_ids * RTRACE_NR_LANES;
	u64 c, space;
	ssize_t n;

	lockdep_assert_held(&rdev.read_mutex);
	if (!s->data)
		return false;
	/*
	 * Untrusted: only a value between what we last accepted and what we
	 * produced is taken.  The acquire pairs with the consumer's release
	 * store after it finished reading those bytes.
	 */
	c = s->ctrl ? smp_load_acquire(&s->ctrl->consumed) : s->consumed;
	if (c >= s->consumed && c <= s->produced)
		s->consumed = c;

	if (!s->mmap_hdr_done) {
		if (s->data_size - (s->produced - s->consumed) < s->hdr_size)
			goto publish;
		rdev_mmap_put(s, s->produced, s->hdr, s->hdr_size);
		s->produced += s->hdr_size;
		s->mmap_hdr_done = true;
	}

	while (idle < nr) {
		unsigned int cpu = rdev.rr_cpu, lane = rdev.rr_lane;

		space = s->data_size - (s->produced - s->consumed);
		if (space < sizeof(struct rtrace_subbuf_hdr))
			break;
		if (!cpumask_test_cpu(cpu, s->cpus)) {
			rdev_rr_next();
			idle++;
			continue;
		}
		n = rtrace_ring_peek(s->ring, cpu, lane, s->bounce,
				     min_t(u64, space, s->cfg.subbuf_size));
		if (n == -EAGAIN) {
			rdev_rr_next();
			idle++;
			continue;
		}
		if (n == -EIO) {
			rdev_drop_corrupt(s, cpu, lane);
			continue;
		}
		if (n < 0)	/* -ENOSPC: wait for the consumer */
			break;
		rdev_mmap_put(s, s->produced, s->bounce, n);
		rtrace_ring_consume(s->ring, cpu, lane);
		s->produced += n;
		rdev_rr_next();
		idle = 0;
	}

publish:
	/* Pairs with the consumer's acquire load of produced (uapi header). */
	smp_store_release(&s->meta->produced, s->produced);
	if (state == RTRACE_STATE_STOPPED && s->mmap_hdr_done &&
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
	if (!s->ctrl)
		s->ctrl = (void *)get_zeroed_page(GFP_KERNEL);
	if (!s->ctrl)
		return -ENOMEM;
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

	if (!s->meta)
		s->meta = (void *)get_zeroed_page(GFP_KERNEL);
	if (!s->meta)
		return -ENOMEM;
	if (!s->data)
		s->data = vmalloc_user(d);
	if (!s->data)
		return -ENOMEM;	/* the meta page goes with the session */
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

static int rdev_mmap(struct file *file, struct vm_area_struct *vma)
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
	} else if (rf->hdr_id != s->id || rtrace_ring_has_data(s->ring)) {
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
static void rdev_work_fn(struct work_struct *work)
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
	return 0;
}

const struct file_operations rtrace_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= rdev_open,
	.release	= rdev_release,
	.read		= rdev_read,
	.poll		= rdev_poll,
	.mmap		= rdev_mmap,
	.unlocked_ioctl	= rdev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

/**
 * rtrace_dev_register_events() - add event types to the stream's schema table
 * @descs: descriptions; copied, the caller may free them
 * @nr: number of entries at @descs
 *
 * Sessions configured after the call list the new types in their stream
 * header.  An id already in the table is replaced.
 *
 * Context: process context, may sleep.
 * Return: 0, or -ENOSPC if the table is full, -EINVAL for a bad entry.
 */
int rtrace_dev_register_events(const struct rtrace_event_desc *descs,
			       unsigned int nr)
{
	unsigned int i, j;
	int ret = 0;

	mutex_lock(&rdev.lock);
	for (i = 0; i < nr; i++) {
		const struct rtrace_event_desc *d = &descs[i];

		if (!d->id || d->id > RTRACE_EV_MAX ||
		    (d->nr_fields > RTRACE_REC_MAX_ARGS &&
		     d->nr_fields != RTRACE_REC_RAW)) {
			ret = -EINVAL;
			break;
		}
		for (j = 0; j < rdev.nr_descs; j++)
			if (rdev.descs[j].id == d->id)
				break;
		if (j == RDEV_MAX_EVENT_DESCS) {
			ret = -ENOSPC;
			break;
		}
		rdev.descs[j] = *d;
		if (j == rdev.nr_descs)
			rdev.nr_descs++;
	}
	mutex_unlock(&rdev.lock);
	return ret;
}

/**
 * rtrace_dev_init() - set up the device state before /dev/rtrace appears
 *
 * Context: module init.
 * Return: 0 or -errno.
 */
int rtrace_dev_init(void)
{
	/* The ABI's sizes are part of the ABI: the struct layouts must not drift. */
	BUILD_BUG_ON(sizeof(struct rtrace_subbuf_hdr) != 72);
	BUILD_BUG_ON(sizeof(struct rtrace_stream_hdr) != 80);
	BUILD_BUG_ON(sizeof(struct rtrace_event_desc) != 264);
	BUILD_BUG_ON(sizeof(struct rtrace_lane_stats) != 88);
	BUILD_BUG_ON(sizeof(struct rtrace_config) != RTRACE_CONFIG_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct rtrace_stats) != RTRACE_STATS_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct rtrace_info) != RTRACE_INFO_SIZE_VER0);

	mutex_init(&rdev.lock);
	mutex_init(&rdev.read_mutex);
	init_waitqueue_head(&rdev.wq);
	INIT_DELAYED_WORK(&rdev.work, rdev_work_fn);
	rdev.state = RTRACE_STATE_EMPTY;
	return rtrace_dev_register_events(rdev_builtin_events,
					  ARRAY_SIZE(rdev_builtin_events));
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
