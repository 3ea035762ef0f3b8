/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the /dev/rtrace selftests (dev_test, ioctl_test,
 * read_test, mmap_test, access_test): device setup, the test generator
 * module, and a minimal, bounds-checked stream walker (CRCs, sizes and seq
 * rules included), independent of the userspace library so the two check
 * each other.
 */
#ifndef _RTRACE_TEST_UTIL_H
#define _RTRACE_TEST_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <uapi/linux/rtrace.h>
#include <selftests/lib/rtrace_stream.h>

#define DEV_PATH	"/dev/rtrace"
#define GEN_DIR		"/sys/module/rtrace_test_gen/parameters/"
#define MOD_DIR		"/rtrace/modules/"

/* The call fails with errno @err (kselftest_harness.h's EXPECT_EQ). */
#define EXPECT_ERRNO(err, call) do {					\
	errno = 0;							\
	EXPECT_EQ(-1, (long)(call));					\
	EXPECT_EQ(err, errno) TH_LOG("errno %d (%s)", errno, strerror(errno)); \
} while (0)

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

/* Unload the modules that use rtrace's symbols (they hold it). */
static inline void rt_unload_holders(void)
{
	struct dirent *de;
	DIR *d = opendir("/sys/module/rtrace/holders");

	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			syscall(SYS_delete_module, de->d_name, O_NONBLOCK);
	closedir(d);
}

/* Write @n to a sysfs/debugfs/procfs file (a module parameter, a knob). */
static inline int rt_param_write(const char *path, unsigned long n)
{
	char buf[32];
	int fd, len, ret;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	len = snprintf(buf, sizeof(buf), "%lu", n);
	ret = write(fd, buf, len) == len ? 0 : -1;
	close(fd);
	return ret;
}

/* The number a sysfs/debugfs file holds, or -1. */
static inline long long rt_param_read(const char *path)
{
	char buf[32] = "";
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) <= 0)
		buf[0] = 0;
	close(fd);
	return buf[0] ? atoll(buf) : -1;
}

static inline int rt_gen_write(const char *knob, unsigned long n)
{
	char path[256];

	snprintf(path, sizeof(path), GEN_DIR "%s", knob);
	return rt_param_write(path, n);
}

static inline long long rt_gen_read(const char *knob)
{
	char path[256];

	snprintf(path, sizeof(path), GEN_DIR "%s", knob);
	return rt_param_read(path);
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

/* RESET that drops whatever a previous test left unread. */
static inline int rt_reset(int fd)
{
	return ioctl(fd, RTRACE_IOC_RESET, RTRACE_RESET_DISCARD_UNREAD) ? -errno : 0;
}

/* Reset, then configure with @subbuf x @nr per lane.  Return: 0 or -errno. */
static inline int rt_setup(int fd, uint32_t subbuf, unsigned int nr,
			   uint32_t flags)
{
	struct rtrace_config cfg;

	if (rt_reset(fd))
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
	uint64_t seq_gaps;		/* sub-buffers missing within a (cpu, lane) */
	uint64_t first_seq_gaps;	/* lanes whose first sub-buffer has seq > 0 */
	uint64_t nr_broken;		/* RTRACE_SB_BROKEN sub-buffers */
	int has_desc[2];		/* TEST (3 fields), TEST_RAW (raw) in table */
	const char *error;		/* NULL if the stream is well formed */
	/* state */
	uint64_t next_seq[RT_MAX_CPUS][RTRACE_NR_LANES];
	int seen[RT_MAX_CPUS][RTRACE_NR_LANES];
};

static inline uint64_t rt_test_val(uint64_t seq)
{
	return seq * 0x9e3779b97f4a7c15ULL;
}

/* Walk the records of one sub-buffer.  Return: 0 or -1 (w->error set). */
static inline int rt_walk_records(struct rt_walk *w, const uint8_t *p,
				  const uint8_t *end, uint32_t nr_events)
{
	struct rt_record r;
	uint32_t n = 0;
	uint64_t i;

	while (p < end) {
		w->error = rt_record_next(&p, end, &r);
		if (w->error)
			return -1;
		if (r.type == RTRACE_EV_TEST_RAW) {
			if (r.n != RTRACE_REC_RAW) {
				w->error = "test_raw record with varint arguments";
				return -1;
			}
			w->nr_test_raw++;
			for (i = 1; i < r.raw_len; i++)
				if ((uint8_t)(r.raw[i] - r.raw[0]) != (uint8_t)i)
					w->nr_bad_test++;
		} else if (r.type == RTRACE_EV_TEST) {
			w->nr_test++;
			if (r.n && r.n != RTRACE_REC_RAW && r.args[0] > w->max_test_seq)
				w->max_test_seq = r.args[0];
			if (r.n != 3 || r.args[2] != rt_test_val(r.args[0]))
				w->nr_bad_test++;
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
			/* What this kernel writes: version 2.0, today's sizes exactly. */
			if (h.version_major != RTRACE_ABI_VERSION_MAJOR ||
			    h.version_minor != RTRACE_ABI_VERSION_MINOR ||
			    h.size != sizeof(h) || h.event_table_offset != sizeof(h) ||
			    h.event_desc_size != sizeof(d) ||
			    h.hdr_size != sizeof(h) + h.nr_event_descs * sizeof(d) ||
			    h.hdr_size > (size_t)(end - p) ||
			    h.subbuf_hdr_size != sizeof(struct rtrace_subbuf_hdr) ||
			    h.subbuf_lost_offset != offsetof(struct rtrace_subbuf_hdr, lost) ||
			    h.nr_lost != RTRACE_NR_LOST || h.subbufs_per_lane < 2 ||
			    h.nr_lanes != RTRACE_NR_LANES || !h.nr_cpus ||
			    h.subbuf_size < 4096 || !h.page_size ||
			    (h.config_flags & ~RTRACE_CONFIG_OVERWRITE) ||
			    h.reserved[0] || h.reserved[1] || !h.session_id) {
				w->error = "bad stream header";
				return -1;
			}
			if (rt_unit_crc(p, h.hdr_size, offsetof(struct rtrace_stream_hdr, crc)) != h.crc) {
				w->error = "stream header CRC32C mismatch";
				return -1;
			}
			for (i = 0; i < h.nr_event_descs; i++) {
				memcpy(&d, p + sizeof(h) + i * sizeof(d), sizeof(d));
				if (d.id == RTRACE_EV_TEST && d.nr_fields == 3)
					w->has_desc[0] = 1;
				if (d.id == RTRACE_EV_TEST_RAW && d.nr_fields == RTRACE_REC_RAW)
					w->has_desc[1] = 1;
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
			if (sb.hdr_size != sizeof(sb)) {
				w->error = "bad sub-buffer header size";
				return -1;
			}
			if (sb.commit > w->hdr.subbuf_size - sizeof(sb) ||
			    sb.commit > (size_t)(end - p) - sizeof(sb)) {
				w->error = "bad commit";
				return -1;
			}
			if (rt_unit_crc(p, sizeof(sb) + sb.commit,
					offsetof(struct rtrace_subbuf_hdr, crc)) != sb.crc) {
				w->error = "sub-buffer CRC32C mismatch";
				return -1;
			}
			if (sb.cpu >= w->hdr.nr_cpus || sb.cpu >= RT_MAX_CPUS ||
			    sb.lane >= RTRACE_NR_LANES) {
				w->error = "bad cpu/lane";
				return -1;
			}
			if (sb.flags & ~(RTRACE_SB_FLUSHED | RTRACE_SB_BROKEN)) {
				w->error = "unknown sub-buffer flags";
				return -1;
			}
			if (sb.flags & RTRACE_SB_BROKEN)
				w->nr_broken++;
			if (w->seen[sb.cpu][sb.lane] &&
			    sb.seq < w->next_seq[sb.cpu][sb.lane]) {
				w->error = "sub-buffer seq went backwards";
				return -1;
			}
			if (w->seen[sb.cpu][sb.lane])
				w->seq_gaps += sb.seq - w->next_seq[sb.cpu][sb.lane];
			else if (sb.seq && !(w->hdr.flags & RTRACE_STREAM_RESUMED))
				w->first_seq_gaps++;
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

/*
 * A cursor over the records of a stream that rt_walk() accepted, in
 * stream order, each with its sub-buffer's header and its timestamp.
 */
struct rt_cursor {
	const uint8_t *p, *end;		/* the next unit */
	const uint8_t *q, *qend;	/* the next record of the current sub-buffer */
	struct rtrace_subbuf_hdr sb;	/* the current sub-buffer's header */
	uint64_t ts;			/* the last record's timestamp */
	const char *error;		/* why rt_cursor_next() gave -1 */
};

static inline void rt_cursor_init(struct rt_cursor *c, const uint8_t *buf, size_t len)
{
	memset(c, 0, sizeof(*c));
	c->p = buf;
	c->end = buf + len;
}

/* The next record into *@r.  Return: 1, 0 at the end, -1 (c->error set). */
static inline int rt_cursor_next(struct rt_cursor *c, struct rt_record *r)
{
	while (c->q >= c->qend) {
		uint32_t magic;

		if (c->p >= c->end)
			return 0;
		memcpy(&magic, c->p, 4);
		if (magic == RTRACE_STREAM_MAGIC) {
			struct rtrace_stream_hdr h;

			memcpy(&h, c->p, sizeof(h));
			c->p += h.hdr_size;
			continue;
		}
		memcpy(&c->sb, c->p, sizeof(c->sb));
		c->q = c->p + c->sb.hdr_size;
		c->qend = c->q + c->sb.commit;
		c->ts = c->sb.ts_base;
		c->p = c->qend;
	}
	c->error = rt_record_next(&c->q, c->qend, r);
	if (c->error)
		return -1;
	c->ts += r->delta;
	return 1;
}

/* Does a stream header of the stream describe @id as a raw event @name? */
static inline int rt_has_raw_desc(const uint8_t *buf, size_t len, uint32_t id, const char *name)
{
	const uint8_t *p = buf, *end = buf + len;

	while (p < end) {
		struct rtrace_subbuf_hdr sb;
		uint32_t magic;

		memcpy(&magic, p, 4);
		if (magic == RTRACE_STREAM_MAGIC) {
			struct rtrace_stream_hdr h;
			struct rtrace_event_desc d;
			uint32_t i;

			memcpy(&h, p, sizeof(h));
			for (i = 0; i < h.nr_event_descs; i++) {
				memcpy(&d, p + h.event_table_offset + i * h.event_desc_size, sizeof(d));
				if (d.id == id && d.nr_fields == RTRACE_REC_RAW && !strcmp(d.name, name))
					return 1;
			}
			p += h.hdr_size;
			continue;
		}
		memcpy(&sb, p, sizeof(sb));
		p += sb.hdr_size + sb.commit;
	}
	return 0;
}

/* Read the whole file at @path into a malloc()ed buffer. */
static inline uint8_t *rt_slurp(const char *path, size_t *len)
{
	uint8_t *buf = NULL;
	struct stat st;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	if (!fstat(fd, &st))
		buf = malloc(st.st_size + 1);
	if (!buf) {
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
