/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Capture helpers of the kernel-event selftests (source_test, filter_test):
 * configure a session, run a workload, read the whole stream back, check
 * it (CRCs, sequence numbers, no loss: rtrace_test_util.h's walker) and
 * decode its records, independently of librtrace, sorted by CPU and time,
 * each task-lane record attributed to the task the CPU's last recorded
 * sched_switch switched to.
 */
#ifndef _RTRACE_TEST_CAP_H
#define _RTRACE_TEST_CAP_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* CPU_SET */
#endif
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "rtrace_test_util.h"

#define CAP_BYTES	(96u << 20)
#define MAX_EVENTS	(4u << 20)

#define EV(id)		(1ULL << (id))

struct ev {
	uint32_t cpu;
	uint8_t lane;
	uint32_t type, n;
	uint64_t ts;
	uint64_t seq;		/* position in the stream */
	uint64_t a[RTRACE_REC_MAX_ARGS];
	int pid;		/* task-lane records: the task running, -1 if unknown */
};

struct cap {
	struct ev *ev;
	size_t nr;
	uint32_t nr_cpus;
	struct rtrace_event_desc desc[128];
	uint32_t nr_desc;
	const char *error;
};

static inline uint64_t zz(uint64_t v)	/* zigzag back to signed, as a u64 */
{
	return (v >> 1) ^ -(v & 1);
}

static inline const struct rtrace_event_desc *cap_desc(const struct cap *c, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < c->nr_desc; i++)
		if (c->desc[i].id == id)
			return &c->desc[i];
	return NULL;
}

static inline int ev_cmp(const void *x, const void *y)
{
	const struct ev *a = x, *b = y;

	if (a->cpu != b->cpu)
		return a->cpu < b->cpu ? -1 : 1;
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	/* same CPU and time: keep the stream order */
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Decode a (checked) stream into c->ev, sorted by CPU then time. */
static inline int cap_decode(struct cap *c, const uint8_t *buf, size_t len)
{
	const uint8_t *p = buf, *end = buf + len;
	int cur[RT_MAX_CPUS];
	size_t i;

	c->nr = 0;
	while (p < end) {
		uint32_t magic;

		memcpy(&magic, p, 4);
		if (magic == RTRACE_STREAM_MAGIC) {
			struct rtrace_stream_hdr h;

			memcpy(&h, p, sizeof(h));
			c->nr_cpus = h.nr_cpus;
			c->nr_desc = h.nr_event_descs < 128 ? h.nr_event_descs : 128;
			memcpy(c->desc, p + h.event_table_offset, c->nr_desc * sizeof(c->desc[0]));
			p += h.hdr_size;
		} else {
			struct rtrace_subbuf_hdr sb;
			const uint8_t *r, *rend;
			uint64_t ts;

			memcpy(&sb, p, sizeof(sb));
			r = p + sb.hdr_size;
			rend = r + sb.commit;
			ts = sb.ts_base;
			while (r < rend) {
				struct rt_record rec;
				struct ev *e;

				c->error = rt_record_next(&r, rend, &rec);
				if (c->error)
					return -1;
				if (c->nr == MAX_EVENTS) {
					c->error = "too many events";
					return -1;
				}
				ts += rec.delta;
				e = &c->ev[c->nr++];
				e->cpu = sb.cpu;
				e->lane = sb.lane;
				e->type = rec.type;
				e->n = rec.n;
				e->ts = ts;
				e->seq = c->nr - 1;
				memcpy(e->a, rec.args, sizeof(e->a));
				e->pid = -1;
			}
			p += sb.hdr_size + sb.commit;
		}
	}
	qsort(c->ev, c->nr, sizeof(c->ev[0]), ev_cmp);
	/* Who runs: the next_pid of the CPU's last sched_switch. */
	for (i = 0; i < RT_MAX_CPUS; i++)
		cur[i] = -1;
	for (i = 0; i < c->nr; i++) {
		struct ev *e = &c->ev[i];

		if (e->cpu >= RT_MAX_CPUS || e->lane != RTRACE_LANE_TASK)
			continue;
		if (e->type == RTRACE_EV_SCHED_SWITCH) {
			cur[e->cpu] = (int)e->a[3];
			continue;
		}
		e->pid = cur[e->cpu];
	}
	return 0;
}

typedef void (*workload_fn)(void *arg);

static inline void cap_config(struct rtrace_config *cfg, uint64_t sources, uint64_t events)
{
	rt_config_init(cfg, 64 << 10, 4 << 20);
	cfg->sources = sources;
	cfg->events = events;
}

/*
 * Configure @cfg (from cap_config(), then as the test wants it), run @fn,
 * stop, read the whole stream, check it and decode it into @c.
 * Return: 0, or -errno of the first ioctl that failed (c->error for
 * stream problems: reported by the caller).
 */
static inline int cap_record_cfg(int fd, const struct rtrace_config *cfg,
				 workload_fn fn, void *arg, struct cap *c)
{
	static uint8_t *buf;
	struct rt_walk *w;
	ssize_t len;

	c->error = NULL;
	if (!buf)
		buf = malloc(CAP_BYTES);
	if (!c->ev)
		c->ev = malloc(MAX_EVENTS * sizeof(c->ev[0]));
	w = malloc(sizeof(*w));
	if (!buf || !c->ev || !w)
		return -ENOMEM;
	if (rt_reset(fd))
		return -errno;
	if (ioctl(fd, RTRACE_IOC_CONFIGURE, cfg) || ioctl(fd, RTRACE_IOC_START))
		return -errno;
	fn(arg);
	if (ioctl(fd, RTRACE_IOC_STOP))
		return -errno;
	len = rt_drain(fd, buf, CAP_BYTES, 1 << 20);
	if (len < 0)
		return (int)len;
	if (rt_walk(w, buf, len)) {
		c->error = w->error;
	} else if (w->lost_all || w->seq_gaps || w->first_seq_gaps) {
		c->error = "events lost";
		fprintf(stderr, "# lost %llu (full %llu, recursion %llu, off %llu)\n",
			(unsigned long long)w->lost_all,
			(unsigned long long)w->lost[RTRACE_LOST_FULL],
			(unsigned long long)w->lost[RTRACE_LOST_RECURSION],
			(unsigned long long)w->lost[RTRACE_LOST_OFF]);
	} else {
		cap_decode(c, buf, len);
	}
	free(w);
	return 0;
}

/* Record @events (and @sources) on @cpumask (0: all) around @fn, as cap_record_cfg(). */
static inline int cap_record(int fd, uint64_t sources, uint64_t events, uint64_t cpumask,
			     workload_fn fn, void *arg, struct cap *c)
{
	struct rtrace_config cfg;

	cap_config(&cfg, sources, events);
	if (cpumask) {
		cfg.cpumask_ptr = (uintptr_t)&cpumask;
		cfg.cpumask_bytes = sizeof(cpumask);
	}
	return cap_record_cfg(fd, &cfg, fn, arg, c);
}

static inline uint64_t avail_events(int fd)
{
	struct rtrace_info info;

	return rt_info(fd, &info) ? 0 : info.events_available;
}

static inline void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static inline int nr_cpus(void)
{
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

#endif /* _RTRACE_TEST_CAP_H */
