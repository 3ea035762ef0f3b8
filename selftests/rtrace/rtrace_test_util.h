/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the /dev/rtrace selftests (dev_test, ioctl_test,
 * read_test, mmap_test, access_test): device setup, the test generator
 * module, and a minimal, bounds-checked stream walker, independent of the
 * userspace library so the two check each other.
 */
#ifndef _RTRACE_TEST_UTIL_H
#define _RTRACE_TEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uapi/linux/rtrace.h>

#define DEV_PATH	"/dev/rtrace"
#define GEN_DIR		"/sys/module/rtrace_test_gen/parameters/"
#define MOD_DIR		"/rtrace/modules/"

/* Load a module from /rtrace/modules unless it is loaded already. */
static inline int rt_modprobe(const char *name)
{
	char path[256], cmd[512];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	if (access(path, F_OK) == 0)
		return 0;
	snprintf(cmd, sizeof(cmd), "insmod " MOD_DIR "%s.ko", name);
	return system(cmd) == 0 ? 0 : -1;
}

static inline int rt_gen_write(const char *knob, unsigned long n)
{
	char path[256], buf[32];
	int fd, len, ret;

	snprintf(path, sizeof(path), GEN_DIR "%s", knob);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	len = snprintf(buf, sizeof(buf), "%lu", n);
	ret = write(fd, buf, len) == len ? 0 : -1;
	close(fd);
	return ret;
}

static inline long long rt_gen_read(const char *knob)
{
	char path[256], buf[32] = "";
	int fd;

	snprintf(path, sizeof(path), GEN_DIR "%s", knob);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) <= 0)
		buf[0] = 0;
	close(fd);
	return buf[0] ? atoll(buf) : -1;
}

static inline void rt_config_init(struct rtrace_config *cfg, uint32_t subbuf,
				  uint64_t lane_bytes)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->size = sizeof(*cfg);
	cfg->subbuf_size = subbuf;
	cfg->lane_bytes = lane_bytes;
	cfg->sources = RTRACE_SOURCE_KAPI;
}

/* Reset, then configure with @subbuf x @nr per lane.  Return: 0 or -errno. */
static inline int rt_setup(int fd, uint32_t subbuf, unsigned int nr,
			   uint32_t flags)
{
	struct rtrace_config cfg;

	if (ioctl(fd, RTRACE_IOC_RESET))
		return -errno;
	rt_config_init(&cfg, subbuf, (uint64_t)subbuf * nr);
	cfg.flags = flags;
	return ioctl(fd, RTRACE_IOC_CONFIGURE, &cfg) ? -errno : 0;
}

static inline int rt_info(int fd, struct rtrace_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, RTRACE_IOC_INFO, info) ? -errno : 0;
}

/* Totals of RTRACE_IOC_STATS over every (cpu, lane). */
struct rt_totals {
	uint64_t written;
	uint64_t lost[RTRACE_NR_LOST];
	uint64_t lost_all;
	uint64_t subbufs_written;
	uint64_t subbufs_read;
};

static inline int rt_stats(int fd, struct rt_totals *t)
{
	struct rtrace_lane_stats st[1024];
	struct rtrace_stats req = {
		.size = sizeof(req),
		.entry_size = sizeof(st[0]),
		.entries_ptr = (uintptr_t)st,
		.nr_entries = 1024,
	};
	unsigned int i, c;

	memset(t, 0, sizeof(*t));
	if (ioctl(fd, RTRACE_IOC_STATS, &req))
		return -errno;
	for (i = 0; i < req.nr_entries && i < 1024; i++) {
		t->written += st[i].written;
		for (c = 0; c < RTRACE_NR_LOST; c++) {
			t->lost[c] += st[i].lost[c];
			t->lost_all += st[i].lost[c];
		}
		t->subbufs_written += st[i].subbufs_written;
		t->subbufs_read += st[i].subbufs_read;
	}
	return 0;
}

/* ---- stream walker ---- */

#define RT_MAX_CPUS	64

struct rt_walk {
	/* results */
	struct rtrace_stream_hdr hdr;
	uint64_t nr_subbufs;
	uint64_t nr_records;
	uint64_t nr_test;		/* RTRACE_EV_TEST records */
	uint64_t nr_test_raw;		/* RTRACE_EV_TEST_RAW records */
	uint64_t nr_bad_test;		/* TEST records whose val != f(seq) */
	uint64_t max_test_seq;		/* largest seq of a TEST record */
	uint64_t lost[RTRACE_NR_LOST];	/* in-band, summed over sub-buffers */
	uint64_t lost_all;
	uint64_t seq_gaps;		/* seq discontinuities within a (cpu, lane) */
	int has_desc[3];		/* CLOCK_SYNC, TEST, TEST_RAW in table */
	const char *error;		/* NULL if the stream is well formed */
	/* state */
	uint64_t next_seq[RT_MAX_CPUS][RTRACE_NR_LANES];
	int seen[RT_MAX_CPUS][RTRACE_NR_LANES];
};

static inline int rt_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	unsigned int shift = 0, i;

	*v = 0;
	for (i = 0; i < RTRACE_REC_MAX_VARINT; i++, shift += 7) {
		if (*p >= end)
			return -1;
		*v |= (uint64_t)(**p & 0x7f) << shift;
		if (!(*(*p)++ & 0x80))
			return 0;
	}
	return -1;
}

static inline uint64_t rt_test_val(uint64_t seq)
{
	return seq * 0x9e3779b97f4a7c15ULL;
}

/* Walk the records of one sub-buffer.  Return: 0 or -1 (w->error set). */
static inline int rt_walk_records(struct rt_walk *w, const uint8_t *p,
				  const uint8_t *end, uint32_t nr_events)
{
	uint64_t h, delta, args[RTRACE_REC_MAX_ARGS], len, i;
	uint32_t n = 0;

	while (p < end) {
		unsigned int type, nargs;

		if (rt_varint(&p, end, &h) || !h) {
			w->error = "bad record header";
			return -1;
		}
		type = h >> 4;
		nargs = h & 15;
		if (rt_varint(&p, end, &delta)) {
			w->error = "bad delta";
			return -1;
		}
		if (nargs == RTRACE_REC_RAW) {
			if (rt_varint(&p, end, &len) || len > (uint64_t)(end - p)) {
				w->error = "bad raw length";
				return -1;
			}
			if (type == RTRACE_EV_TEST_RAW) {
				w->nr_test_raw++;
				for (i = 1; i < len; i++)
					if ((uint8_t)(p[i] - p[0]) != (uint8_t)i)
						w->nr_bad_test++;
			}
			p += len;
		} else {
			for (i = 0; i < nargs; i++)
				if (rt_varint(&p, end, &args[i])) {
					w->error = "bad argument";
					return -1;
				}
			if (type == RTRACE_EV_TEST) {
				w->nr_test++;
				if (nargs && args[0] > w->max_test_seq)
					w->max_test_seq = args[0];
				if (nargs != 3 || args[2] != rt_test_val(args[0]))
					w->nr_bad_test++;
			}
		}
		n++;
	}
	if (n != nr_events) {
		w->error = "nr_events does not match the records";
		return -1;
	}
	w->nr_records += n;
	return 0;
}

/*
 * Walk a stream (or several concatenated ones).  A stream that ends in the
 * middle of a unit is an error: read() never returns half of one.
 */
static inline int rt_walk(struct rt_walk *w, const uint8_t *buf, size_t len)
{
	const uint8_t *p = buf, *end = buf + len;
	int have_hdr = 0;

	memset(w, 0, sizeof(*w));
	while (p < end) {
		uint32_t magic;

		if ((size_t)(end - p) < 4) {
			w->error = "truncated magic";
			return -1;
		}
		memcpy(&magic, p, 4);
		if (magic == RTRACE_STREAM_MAGIC) {
			struct rtrace_stream_hdr h;
			struct rtrace_event_desc d;
			uint32_t i;

			if ((size_t)(end - p) < sizeof(h)) {
				w->error = "truncated stream header";
				return -1;
			}
			memcpy(&h, p, sizeof(h));
			if (h.abi_version != RTRACE_ABI_VERSION ||
			    h.event_desc_size != sizeof(d) ||
			    h.hdr_size != sizeof(h) + h.nr_event_descs * sizeof(d) ||
			    h.hdr_size > (size_t)(end - p) ||
			    h.nr_lanes != RTRACE_NR_LANES || !h.nr_cpus ||
			    h.subbuf_size < 4096 || !h.page_size ||
			    !h.session_id) {
				w->error = "bad stream header";
				return -1;
			}
			for (i = 0; i < h.nr_event_descs; i++) {
				memcpy(&d, p + sizeof(h) + i * sizeof(d), sizeof(d));
				if (d.id == RTRACE_EV_CLOCK_SYNC)
					w->has_desc[0] = 1;
				if (d.id == RTRACE_EV_TEST)
					w->has_desc[1] = 1;
				if (d.id == RTRACE_EV_TEST_RAW)
					w->has_desc[2] = 1;
			}
			if (have_hdr && h.session_id == w->hdr.session_id) {
				w->error = "repeated stream header";
				return -1;
			}
			if (have_hdr)
				memset(w->seen, 0, sizeof(w->seen));
			w->hdr = h;
			have_hdr = 1;
			p += h.hdr_size;
		} else if (magic == RTRACE_SUBBUF_MAGIC) {
			struct rtrace_subbuf_hdr sb;
			unsigned int c;

			if (!have_hdr) {
				w->error = "sub-buffer before the stream header";
				return -1;
			}
			if ((size_t)(end - p) < sizeof(sb)) {
				w->error = "truncated sub-buffer header";
				return -1;
			}
			memcpy(&sb, p, sizeof(sb));
			if (sb.commit > w->hdr.subbuf_size - sizeof(sb) ||
			    sb.commit > (size_t)(end - p) - sizeof(sb)) {
				w->error = "bad commit";
				return -1;
			}
			if (sb.cpu >= w->hdr.nr_cpus || sb.cpu >= RT_MAX_CPUS ||
			    sb.lane >= RTRACE_NR_LANES) {
				w->error = "bad cpu/lane";
				return -1;
			}
			if (w->seen[sb.cpu][sb.lane] &&
			    sb.seq != w->next_seq[sb.cpu][sb.lane])
				w->seq_gaps++;
			if (w->seen[sb.cpu][sb.lane] &&
			    sb.seq < w->next_seq[sb.cpu][sb.lane]) {
				w->error = "sub-buffer seq went backwards";
				return -1;
			}
			w->seen[sb.cpu][sb.lane] = 1;
			w->next_seq[sb.cpu][sb.lane] = sb.seq + 1;
			for (c = 0; c < RTRACE_NR_LOST; c++) {
				w->lost[c] += sb.lost[c];
				w->lost_all += sb.lost[c];
			}
			p += sizeof(sb);
			if (rt_walk_records(w, p, p + sb.commit, sb.nr_events))
				return -1;
			p += sb.commit;
			w->nr_subbufs++;
		} else {
			w->error = "bad magic";
			return -1;
		}
	}
	if (!have_hdr) {
		w->error = "no stream header";
		return -1;
	}
	return 0;
}

/* Read the whole file at @path into a malloc()ed buffer. */
static inline uint8_t *rt_slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !(buf = malloc(st.st_size + 1))) {
		close(fd);
		return NULL;
	}
	*len = 0;
	while (*len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + *len, st.st_size - *len);

		if (n <= 0)
			break;
		*len += n;
	}
	close(fd);
	return buf;
}

/* Drain a consumer fd into @buf until EOF.  Return: bytes or -errno. */
static inline ssize_t rt_drain(int fd, uint8_t *buf, size_t cap, size_t chunk)
{
	size_t len = 0;

	while (len + chunk <= cap) {
		ssize_t n = read(fd, buf + len, chunk);

		if (n < 0)
			return -errno;
		if (n == 0)
			return len;
		len += n;
	}
	return -ENOSPC;
}

#endif /* _RTRACE_TEST_UTIL_H */
