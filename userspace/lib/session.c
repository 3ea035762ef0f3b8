// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * librtrace: session control through the /dev/rtrace ioctls, and the read loop.
 *
 * The stream read() returns is documented in uapi/linux/rtrace.h: the device
 * hands out the stream header whole, then whole sub-buffers, so what the read
 * loop passes on can be appended to a file as is and decodes later.  read()
 * returns 0 once the session is stopped and drained (poll says EPOLLHUP),
 * which ends the loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

struct rtrace_session {
	int fd;
};

struct rtrace_session *rtrace_session__open(const struct rtrace_session_opts *opts)
{
	const char *path = "/dev/rtrace";
	int flags = O_RDWR | O_CLOEXEC;	/* the mmap consumer maps a writable page */
	struct rtrace_session *s;

	if (!opts_valid(opts, sizeof(*opts))) {
		errno = EINVAL;
		return NULL;
	}
	if (OPTS_HAS(opts, path) && opts->path)
		path = opts->path;
	if (OPTS_HAS(opts, nonblock) && opts->nonblock)
		flags |= O_NONBLOCK;

	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->fd = open(path, flags);
	if (s->fd < 0 && errno == EACCES)	/* read-only access is enough but for mmap */
		s->fd = open(path, (flags & ~O_RDWR) | O_RDONLY);
	if (s->fd < 0) {
		int err = errno;

		free(s);
		errno = err;
		return NULL;
	}
	return s;
}

void rtrace_session__close(struct rtrace_session *s)
{
	if (!s)
		return;
	close(s->fd);
	free(s);
}

int rtrace_session__fd(const struct rtrace_session *s)
{
	return s->fd;
}

static int session_ioctl(struct rtrace_session *s, unsigned long cmd, void *arg)
{
	int ret;

	do {
		ret = ioctl(s->fd, cmd, arg);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : ret;
}

int rtrace_session__version(struct rtrace_session *s, uint32_t *version)
{
	__u32 v = 0;
	int ret;

	ret = session_ioctl(s, RTRACE_IOC_GET_VERSION, &v);
	if (ret < 0)
		return ret;
	*version = v;
	return 0;
}

int rtrace_session__info(struct rtrace_session *s, struct rtrace_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return session_ioctl(s, RTRACE_IOC_INFO, info);
}

int rtrace_session__configure(struct rtrace_session *s, const struct rtrace_session_config *cfg)
{
	struct rtrace_config c;

	if (!cfg || !opts_valid(cfg, sizeof(*cfg)) || !OPTS_HAS(cfg, cpumask_bytes))
		return -EINVAL;
	if (cfg->cpumask_bytes > UINT32_MAX || cfg->subbuf_size == 0)
		return -EINVAL;

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.flags = cfg->overwrite ? RTRACE_CONFIG_OVERWRITE : 0;
	if (OPTS_HAS(cfg, discard_unread) && cfg->discard_unread)
		c.flags |= RTRACE_CONFIG_DISCARD_UNREAD;
	c.lane_bytes = cfg->lane_bytes;
	c.subbuf_size = cfg->subbuf_size;
	c.sources = cfg->sources;
	if (OPTS_HAS(cfg, events))
		c.events = cfg->events;
	if (OPTS_HAS(cfg, pid_flags)) {
		if (cfg->nr_pids > UINT32_MAX)
			return -E2BIG;
		c.pids_ptr = (uintptr_t)cfg->pids;
		c.nr_pids = (uint32_t)cfg->nr_pids;
		c.pid_flags = cfg->pid_flags;
	}
	if (cfg->cpumask) {
		c.cpumask_ptr = (uintptr_t)cfg->cpumask;
		c.cpumask_bytes = (uint32_t)cfg->cpumask_bytes;
	}
	return session_ioctl(s, RTRACE_IOC_CONFIGURE, &c);
}

int rtrace_session__events(struct rtrace_session *s, struct rtrace_event_desc *descs,
			   uint32_t *nr)
{
	struct rtrace_events req;
	int ret;

	if (!nr || (*nr && !descs))
		return -EINVAL;
	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.desc_size = sizeof(*descs);
	req.descs_ptr = (uintptr_t)descs;
	req.nr_descs = *nr;
	ret = session_ioctl(s, RTRACE_IOC_EVENTS, &req);
	if (!ret)
		*nr = req.nr_descs;
	return ret;
}

int rtrace_session__start(struct rtrace_session *s)
{
	return session_ioctl(s, RTRACE_IOC_START, NULL);
}

int rtrace_session__stop(struct rtrace_session *s)
{
	return session_ioctl(s, RTRACE_IOC_STOP, NULL);
}

int rtrace_session__flush(struct rtrace_session *s)
{
	return session_ioctl(s, RTRACE_IOC_FLUSH, NULL);
}

int rtrace_session__snapshot(struct rtrace_session *s)
{
	return session_ioctl(s, RTRACE_IOC_SNAPSHOT, NULL);
}

int rtrace_session__reset(struct rtrace_session *s, unsigned long flags)
{
	/* RESET takes an integer argument, not a pointer. */
	return session_ioctl(s, RTRACE_IOC_RESET, (void *)(uintptr_t)flags);
}

/*
 * lost[] is where the entry says (a newer kernel's fixed fields go before it):
 * move it to where this library's struct has it.
 */
static void stats_normalize(struct rtrace_lane_stats *e)
{
	size_t at = offsetof(struct rtrace_lane_stats, lost);
	uint64_t lost[RTRACE_NR_LOST] = { 0 };
	uint32_t n = e->nr_lost < RTRACE_NR_LOST ? e->nr_lost : RTRACE_NR_LOST;

	if (e->lost_offset == at)
		return;
	if (e->lost_offset >= at && e->lost_offset % 8 == 0 &&
	    (uint64_t)e->lost_offset + 8ull * n <= sizeof(*e))
		memcpy(lost, (uint8_t *)e + e->lost_offset, 8ull * n);
	else
		n = 0;
	memcpy(e->lost, lost, sizeof(lost));
	e->lost_offset = (uint32_t)at;
	e->nr_lost = n;
}

int rtrace_session__stats(struct rtrace_session *s, struct rtrace_lane_stats **out, size_t *nr)
{
	struct rtrace_lane_stats *ent = NULL;
	struct rtrace_stats st;
	__u32 cap = 0;
	int tries, ret;

	/*
	 * Ask for the count first, then fetch; retry if the kernel's count
	 * grew in between (it does not today, but nothing promises that).
	 */
	for (tries = 0; tries < 4; tries++) {
		memset(&st, 0, sizeof(st));
		st.size = sizeof(st);
		st.entry_size = sizeof(*ent);
		st.entries_ptr = (uintptr_t)ent;
		st.nr_entries = cap;
		ret = session_ioctl(s, RTRACE_IOC_STATS, &st);
		if (ret < 0)
			goto err_free;
		if (st.nr_entries <= cap) {
			for (__u32 i = 0; i < st.nr_entries; i++)
				stats_normalize(&ent[i]);
			*out = ent;
			*nr = st.nr_entries;
			return 0;
		}
		free(ent);
		cap = st.nr_entries;
		ent = calloc(cap, sizeof(*ent));
		if (!ent)
			return -ENOMEM;
	}
	ret = -EAGAIN;
err_free:
	free(ent);
	return ret;
}

ssize_t rtrace_session__read(struct rtrace_session *s, void *buf, size_t len)
{
	ssize_t n = read(s->fd, buf, len);

	return n < 0 ? -errno : n;
}

int rtrace_session__mark(struct rtrace_session *s, const void *buf, size_t len)
{
	ssize_t n = write(s->fd, buf, len);

	if (n < 0)
		return -errno;
	/* A marker is all or nothing: a short count would be a kernel bug. */
	return (size_t)n == len ? 0 : -EIO;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Call o->tick when its period is over; *next is when it is due (0 before
 * the first call: due one period after the loop starts).
 * Return: 0, or what the tick returned to end the loop.
 */
static int loop_tick(const struct rtrace_read_loop_opts *o, uint64_t *next)
{
	uint64_t now, period = (uint64_t)o->tick_ms * 1000000ull;

	if (!o->tick)
		return 0;
	now = now_ns();
	if (!*next)
		*next = now + period;
	if (now < *next)
		return 0;
	*next = now + period;
	return o->tick(o->ctx);
}

/* Read until the device has nothing more (non-blocking). */
static int read_drain(struct rtrace_session *s, const struct rtrace_read_loop_opts *o,
		      void *buf, size_t len, uint64_t *next_tick)
{
	int flags = fcntl(s->fd, F_GETFL);
	int ret = 0;

	if (flags < 0)
		return -errno;
	if (!(flags & O_NONBLOCK) && fcntl(s->fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	for (;;) {
		ssize_t n = rtrace_session__read(s, buf, len);

		if (n == -EINTR)
			continue;
		if (n == -EAGAIN || n == 0)
			break;
		if (n < 0) {
			ret = (int)n;
			break;
		}
		ret = o->fn(o->ctx, buf, (size_t)n);
		if (!ret)
			ret = loop_tick(o, next_tick);
		if (ret)
			break;
	}
	if (!(flags & O_NONBLOCK))
		fcntl(s->fd, F_SETFL, flags);
	return ret;
}

static int loop_should_end(const struct rtrace_read_loop_opts *o)
{
	return (o->stop && *o->stop) || (o->deadline_ns && now_ns() >= o->deadline_ns);
}

/*
 * The mmap consumer (protocol in uapi/linux/rtrace.h): the kernel copies the
 * stream into a data area of D bytes mapped twice back to back, so the
 * unread bytes [consumed, produced) are always contiguous at
 * data + consumed % D.  poll() makes the kernel refill the area.
 */
static int mmap_loop(struct rtrace_session *s, struct rtrace_read_loop_opts *o)
{
	struct rtrace_mmap_ctrl *ctrl;
	struct rtrace_mmap_meta *meta;
	struct rtrace_info info;
	const uint8_t *data;
	uint64_t consumed, d, need, next_tick = 0;
	size_t pg, len;
	int ret, stopping = 0, idle = 0;

	ret = rtrace_session__info(s, &info);
	if (ret)
		return ret;
	pg = info.page_size ? info.page_size : (size_t)sysconf(_SC_PAGESIZE);
	d = o->mmap_data_size;
	if (!d) {
		need = 4ull * info.subbuf_size;
		if (need < info.hdr_size)
			need = info.hdr_size;
		for (d = 1 << 20; d < need; d <<= 1)
			;
	}
	if (d & (d - 1) || d > SIZE_MAX / 4)
		return -EINVAL;
	len = pg + 2 * (size_t)d;

	ctrl = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd,
		    (off_t)RTRACE_MMAP_PGOFF_CTRL * (off_t)pg);
	if (ctrl == MAP_FAILED)
		return -errno;
	meta = mmap(NULL, len, PROT_READ, MAP_SHARED, s->fd, (off_t)RTRACE_MMAP_PGOFF_META * (off_t)pg);
	if (meta == MAP_FAILED) {
		ret = -errno;
		goto out_ctrl;
	}
	if (meta->magic != RTRACE_MMAP_MAGIC || meta->data_size != d || meta->data_offset != pg) {
		ret = -EPROTO;
		goto out_meta;
	}
	data = (const uint8_t *)meta + meta->data_offset;
	consumed = __atomic_load_n(&ctrl->consumed, __ATOMIC_RELAXED);

	for (;;) {
		struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
		uint64_t p;
		int r;

		ret = loop_tick(o, &next_tick);
		if (ret)
			break;
		if (!stopping && loop_should_end(o)) {
			if (!o->drain)
				break;
			/* The kernel refills the area on STOP/FLUSH; read until EOF. */
			rtrace_session__stop(s);
			rtrace_session__flush(s);
			stopping = 1;
		}
		/*
		 * Pairs with the kernel's smp_store_release() of produced after it
		 * copied the bytes (kmod/dev/mmap.c, rdev_mmap_fill()).
		 */
		p = __atomic_load_n(&meta->produced, __ATOMIC_ACQUIRE);
		if (p != consumed) {
			if (p - consumed > d) {
				ret = -EPROTO;
				break;
			}
			ret = o->fn(o->ctx, data + consumed % d, (size_t)(p - consumed));
			if (ret)
				break;
			consumed = p;
			/*
			 * Pairs with the kernel's smp_load_acquire() of consumed before
			 * it reuses those bytes (rdev_mmap_fill()).
			 */
			__atomic_store_n(&ctrl->consumed, consumed, __ATOMIC_RELEASE);
			idle = 0;
			continue;
		}
		/* EOF is set after the last produced store: load it, then produced again. */
		if (__atomic_load_n(&meta->flags, __ATOMIC_ACQUIRE) & RTRACE_MMAP_EOF &&
		    __atomic_load_n(&meta->produced, __ATOMIC_ACQUIRE) == consumed)
			break;
		r = poll(&pfd, 1, o->poll_ms);
		if (r < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		if (r > 0 && pfd.revents & (POLLERR | POLLNVAL)) {
			ret = -EIO;
			break;
		}
		/* Draining and nothing for ~10 s: the kernel will not set EOF. */
		if (stopping && r == 0 && ++idle * (long)o->poll_ms > 10000) {
			ret = -ETIMEDOUT;
			break;
		}
	}
out_meta:
	munmap(meta, len);
out_ctrl:
	munmap(ctrl, pg);
	return ret;
}

int rtrace_session__read_loop(struct rtrace_session *s, const struct rtrace_read_loop_opts *opts)
{
	struct rtrace_read_loop_opts o;
	uint64_t next_tick = 0;
	void *buf;
	int ret = 0;

	if (!opts || !opts_valid(opts, sizeof(*opts)) || !OPTS_HAS(opts, fn) || !opts->fn)
		return -EINVAL;
	memset(&o, 0, sizeof(o));
	memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	if (!o.buf_size) {
		struct rtrace_info info;

		o.buf_size = 1 << 20;
		if (!rtrace_session__info(s, &info) && info.read_min > o.buf_size)
			o.buf_size = info.read_min;
	}
	if (o.poll_ms <= 0)
		o.poll_ms = 100;
	if (o.tick_ms <= 0)
		o.tick_ms = 1000;
	if (o.use_mmap)
		return mmap_loop(s, &o);

	buf = malloc(o.buf_size);
	if (!buf)
		return -ENOMEM;

	for (;;) {
		struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
		ssize_t n;
		int r;

		ret = loop_tick(&o, &next_tick);
		if (ret)
			break;
		if (loop_should_end(&o)) {
			if (o.drain) {
				/* Errors of STOP/FLUSH show up as a short capture, not here. */
				rtrace_session__stop(s);
				rtrace_session__flush(s);
				ret = read_drain(s, &o, buf, o.buf_size, &next_tick);
			}
			break;
		}
		r = poll(&pfd, 1, o.poll_ms);
		if (r < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		if (r <= 0)
			continue;
		if (pfd.revents & (POLLERR | POLLNVAL)) {
			ret = -EIO;
			break;
		}
		n = rtrace_session__read(s, buf, o.buf_size);
		if (n == -EINTR || n == -EAGAIN)
			continue;
		if (n < 0) {
			ret = (int)n;
			break;
		}
		if (n == 0)	/* end of stream (e.g. the session was stopped) */
			break;
		ret = o.fn(o.ctx, buf, (size_t)n);
		if (ret)
			break;
	}
	free(buf);
	return ret;
}
