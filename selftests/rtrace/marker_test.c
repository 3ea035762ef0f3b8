// SPDX-License-Identifier: GPL-2.0
/*
 * marker_test: user markers, write() on /dev/rtrace ("User markers" in
 * uapi/linux/rtrace.h).  Three markers come back in order with their
 * bytes; the limit is RTRACE_MARKER_MAX() exactly (a marker of that size
 * is recorded whole, one byte more gives -E2BIG); -EINVAL for length 0,
 * -EFAULT for an unmapped or NULL buffer, -ENODATA with no session, a
 * configured or stopped one, or from a CPU the session does not record;
 * -ENOSPC when the ring is full in discard mode, each such marker counted
 * as lost (RTRACE_LOST_FULL) and none in the stream half written.  A
 * refused write changes no counter and leaves nothing in the stream.
 *
 * The test pins itself to CPU 0, so every marker goes to CPU 0's task
 * lane, where stream order is time order.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/mman.h>

#include "rtrace_test_harness.h"
#include "rtrace_test_util.h"

#define BIG		(8 << 20)
#define MAX_MARKS	256

struct mark {
	uint32_t cpu;
	uint32_t lane;
	uint64_t ts;
	size_t len;
	uint8_t bytes[70000];
};

struct marks {
	unsigned int nr;
	int has_desc;		/* the table describes type 11 as raw "marker" */
	struct rt_walk w;	/* the generic checks of the whole stream */
	struct mark m[MAX_MARKS];
};

static struct marks found;
static void *volatile null_buf;	/* NULL the compiler cannot see */

/* Every marker of a stream, in stream order.  Return: 0 or -1. */
static int collect(const uint8_t *buf, size_t len, struct marks *out)
{
	struct rt_cursor c;
	struct rt_record r;
	int ret;

	memset(out, 0, offsetof(struct marks, m));
	if (rt_walk(&out->w, buf, len))
		return -1;
	out->has_desc = rt_has_raw_desc(buf, len, RTRACE_EV_MARKER, "marker");
	rt_cursor_init(&c, buf, len);
	while ((ret = rt_cursor_next(&c, &r)) > 0) {
		if (r.type != RTRACE_EV_MARKER)
			continue;
		if (r.n != RTRACE_REC_RAW || out->nr == MAX_MARKS ||
		    r.raw_len > sizeof(out->m[0].bytes))
			return -1;
		out->m[out->nr].cpu = c.sb.cpu;
		out->m[out->nr].lane = c.sb.lane;
		out->m[out->nr].ts = c.ts;
		out->m[out->nr].len = r.raw_len;
		memcpy(out->m[out->nr].bytes, r.raw, r.raw_len);
		out->nr++;
	}
	return ret;
}

FIXTURE(mk) {
	int fd;
	uint8_t *buf;
	struct rtrace_info info;
};

FIXTURE_SETUP(mk)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", DEV_PATH, strerror(errno));
	ASSERT_EQ(0, rt_setup(self->fd, 4096, 8, 0));
	ASSERT_EQ(0, rt_info(self->fd, &self->info));
	self->buf = malloc(BIG);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(mk)
{
	rt_reset(self->fd);
	close(self->fd);
	free(self->buf);
}

/* Stop, then read the whole stream into self->buf. */
static ssize_t stop_and_drain(int fd, uint8_t *buf)
{
	if (ioctl(fd, RTRACE_IOC_STOP))
		return -errno;
	return rt_drain(fd, buf, BIG, 1 << 20);
}

TEST_F(mk, limit_is_stated)
{
	EXPECT_EQ(4096 - 80 - 6, self->info.marker_max);
	EXPECT_EQ(4010, RTRACE_MARKER_MAX(4096));
	EXPECT_EQ(self->info.marker_max, RTRACE_MARKER_MAX(self->info.subbuf_size));
	ASSERT_EQ(0, rt_setup(self->fd, 65536, 4, 0));
	ASSERT_EQ(0, rt_info(self->fd, &self->info));
	EXPECT_EQ(65450, self->info.marker_max);
	ASSERT_EQ(0, rt_reset(self->fd));
	ASSERT_EQ(0, rt_info(self->fd, &self->info));
	EXPECT_EQ(0, self->info.marker_max);
}

TEST_F(mk, three_markers_in_order_with_their_bytes)
{
	static const char bin[] = "tab\there \"q\" \\ nl\n\x01\xff end";
	char *big = malloc(self->info.marker_max);
	const char *txt[3] = { "phase 1 begins", bin, big };
	size_t len[3] = { strlen(txt[0]), sizeof(bin) - 1, self->info.marker_max };
	unsigned int i;
	ssize_t n;

	ASSERT_NE(NULL, big);
	for (i = 0; i < self->info.marker_max; i++)
		big[i] = (char)(i * 7 + 3);
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ((ssize_t)len[i], write(self->fd, txt[i], len[i]))
			TH_LOG("marker %u: %s", i, strerror(errno));
		/* Something between markers: a sub-buffer switch for the last. */
		usleep(1000);
	}
	n = stop_and_drain(self->fd, self->buf);
	ASSERT_LT(0, n);
	ASSERT_EQ(0, collect(self->buf, n, &found)) TH_LOG("%s", found.w.error ?: "marker");
	EXPECT_EQ(1, found.has_desc);
	ASSERT_EQ(3, found.nr);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0, found.m[i].cpu);
		EXPECT_EQ(RTRACE_LANE_TASK, found.m[i].lane);
		EXPECT_EQ(len[i], found.m[i].len);
		EXPECT_EQ(0, memcmp(txt[i], found.m[i].bytes, len[i])) TH_LOG("marker %u", i);
		if (i)
			EXPECT_LT(found.m[i - 1].ts, found.m[i].ts);
	}
	EXPECT_EQ(0, found.w.lost_all);
	free(big);
}

TEST_F(mk, bad_writes_record_and_count_nothing)
{
	struct rt_totals before, after;
	char *big = calloc(1, self->info.marker_max + 1);
	void *unmapped;
	ssize_t n;

	ASSERT_NE(NULL, big);
	unmapped = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, unmapped);
	ASSERT_EQ(0, munmap(unmapped, 4096));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	ASSERT_EQ(0, rt_stats(self->fd, &before));

	EXPECT_ERRNO(E2BIG, write(self->fd, big, self->info.marker_max + 1));
	EXPECT_ERRNO(E2BIG, write(self->fd, big, 1 << 20));
	EXPECT_ERRNO(EINVAL, write(self->fd, "x", 0));
	EXPECT_ERRNO(EFAULT, write(self->fd, unmapped, 16));
	EXPECT_ERRNO(EFAULT, write(self->fd, null_buf, 16));

	ASSERT_EQ(0, rt_stats(self->fd, &after));
	EXPECT_EQ(before.written, after.written);
	EXPECT_EQ(before.lost_all, after.lost_all);
	EXPECT_EQ(1, write(self->fd, "k", 1));
	n = stop_and_drain(self->fd, self->buf);
	ASSERT_LT(0, n);
	ASSERT_EQ(0, collect(self->buf, n, &found));
	ASSERT_EQ(1, found.nr);
	EXPECT_EQ(1, found.m[0].len);
	EXPECT_EQ('k', found.m[0].bytes[0]);
	EXPECT_EQ(0, found.w.lost_all);
	free(big);
}

TEST_F(mk, no_running_session)
{
	struct rt_totals t;

	/* Configured, not started. */
	EXPECT_ERRNO(ENODATA, write(self->fd, "a", 1));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	EXPECT_EQ(1, write(self->fd, "b", 1));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	/* Stopped. */
	EXPECT_ERRNO(ENODATA, write(self->fd, "c", 1));
	ASSERT_EQ(0, rt_stats(self->fd, &t));
	EXPECT_EQ(1, t.written);
	EXPECT_EQ(0, t.lost_all);
	/* No session at all. */
	ASSERT_EQ(0, rt_reset(self->fd));
	EXPECT_ERRNO(ENODATA, write(self->fd, "d", 1));
	/* A file opened read-only cannot write (the VFS says so). */
	{
		int ro = open(DEV_PATH, O_RDONLY);

		ASSERT_LE(0, ro);
		EXPECT_ERRNO(EBADF, write(ro, "e", 1));
		close(ro);
	}
}

TEST_F(mk, cpu_outside_the_session)
{
	struct rtrace_config cfg;
	unsigned long mask = 2;		/* CPU 1 only; we run on CPU 0 */
	struct rt_totals t;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs");
	ASSERT_EQ(0, rt_reset(self->fd));
	rt_config_init(&cfg, 4096, 4096 * 8);
	cfg.cpumask_ptr = (uintptr_t)&mask;
	cfg.cpumask_bytes = sizeof(mask);
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &cfg));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	EXPECT_ERRNO(ENODATA, write(self->fd, "cpu0", 4));
	ASSERT_EQ(0, rt_stats(self->fd, &t));
	EXPECT_EQ(0, t.written);
	EXPECT_EQ(0, t.lost_all);
}

TEST_F(mk, full_ring_counts_dropped_markers)
{
	char *big = malloc(self->info.marker_max);
	unsigned int i, ok = 0, dropped = 0;
	struct rt_totals t;
	ssize_t n;

	ASSERT_NE(NULL, big);
	/* Two sub-buffers, nobody reading: the third marker finds no room. */
	ASSERT_EQ(0, rt_setup(self->fd, 4096, 2, 0));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	for (i = 0; i < 6; i++) {
		memset(big, 'a' + i, self->info.marker_max);
		n = write(self->fd, big, self->info.marker_max);
		if (n == (ssize_t)self->info.marker_max) {
			ok++;
		} else {
			EXPECT_EQ(-1, n);
			EXPECT_EQ(ENOSPC, errno);
			dropped++;
		}
	}
	EXPECT_EQ(2, ok);
	EXPECT_EQ(4, dropped);
	ASSERT_EQ(0, rt_stats(self->fd, &t));
	EXPECT_EQ(ok, t.written);
	EXPECT_EQ(dropped, t.lost[RTRACE_LOST_FULL]);
	n = stop_and_drain(self->fd, self->buf);
	ASSERT_LT(0, n);
	ASSERT_EQ(0, collect(self->buf, n, &found)) TH_LOG("%s", found.w.error ?: "marker");
	/* Whole markers only, the first ones, and the drops reported in-band. */
	ASSERT_EQ(ok, found.nr);
	for (i = 0; i < found.nr; i++) {
		EXPECT_EQ(self->info.marker_max, found.m[i].len);
		memset(big, 'a' + i, self->info.marker_max);
		EXPECT_EQ(0, memcmp(big, found.m[i].bytes, found.m[i].len));
	}
	EXPECT_EQ(dropped, found.w.lost[RTRACE_LOST_FULL]);
	free(big);
}

TEST_F(mk, overwrite_mode_keeps_the_newest)
{
	char buf[2000];
	unsigned int i;
	ssize_t n;

	ASSERT_EQ(0, rt_setup(self->fd, 4096, 2, RTRACE_CONFIG_OVERWRITE));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	for (i = 0; i < 20; i++) {
		memset(buf, 'A' + i, sizeof(buf));
		ASSERT_EQ((ssize_t)sizeof(buf), write(self->fd, buf, sizeof(buf)));
	}
	n = stop_and_drain(self->fd, self->buf);
	ASSERT_LT(0, n);
	ASSERT_EQ(0, collect(self->buf, n, &found)) TH_LOG("%s", found.w.error ?: "marker");
	ASSERT_LT(0, found.nr);
	/* The last marker written is the last in the stream, whole. */
	EXPECT_EQ(sizeof(buf), found.m[found.nr - 1].len);
	EXPECT_EQ('A' + 19, found.m[found.nr - 1].bytes[0]);
	EXPECT_EQ('A' + 19, found.m[found.nr - 1].bytes[sizeof(buf) - 1]);
}

TEST_HARNESS_MAIN
