// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_test: every /dev/rtrace ioctl, with good and bad sizes, flags,
 * reserved bits, directions and states.
 */
#include <stddef.h>
#include <sys/mman.h>
#include <time.h>

#include "rtrace_test_harness.h"
#include "rtrace_test_util.h"

FIXTURE(ioc) {
	int fd;
	struct rtrace_config cfg;
};

FIXTURE_SETUP(ioc)
{
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", DEV_PATH, strerror(errno));
	ASSERT_EQ(0, rt_reset(self->fd));
	rt_config_init(&self->cfg, 4096, 4 * 4096);
}

FIXTURE_TEARDOWN(ioc)
{
	rt_reset(self->fd);
	close(self->fd);
}

static int configure(int fd, struct rtrace_config *cfg)
{
	return ioctl(fd, RTRACE_IOC_CONFIGURE, cfg);
}

TEST_F(ioc, get_version)
{
	__u32 v = 0;

	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_GET_VERSION, &v));
	EXPECT_EQ(RTRACE_ABI_VERSION, v);
	/* The size bits are not part of the match... */
	v = 0;
	ASSERT_EQ(0, ioctl(self->fd, _IOR(RTRACE_IOC_MAGIC, 0x00, __u64), &v));
	EXPECT_EQ(RTRACE_ABI_VERSION, v);
	/* ...but the direction bits are, and the pointer is checked. */
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IOW(RTRACE_IOC_MAGIC, 0x00, __u32), &v));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IO(RTRACE_IOC_MAGIC, 0x00)));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, RTRACE_IOC_GET_VERSION, NULL));
}

TEST_F(ioc, unknown_ioctls)
{
	unsigned int nr;

	for (nr = 0x09; nr < 0x100; nr++)
		EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IO(RTRACE_IOC_MAGIC, nr)));
	/* Right number, wrong magic. */
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IO('T', 0x02)));
	/* Wrong directions on every known number. */
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IOR(RTRACE_IOC_MAGIC, 0x01,
						  struct rtrace_config), &self->cfg));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IOR(RTRACE_IOC_MAGIC, 0x02, int), &nr));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IOW(RTRACE_IOC_MAGIC, 0x03, int), &nr));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IOWR(RTRACE_IOC_MAGIC, 0x04, int), &nr));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IOR(RTRACE_IOC_MAGIC, 0x05, int), &nr));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IOR(RTRACE_IOC_MAGIC, 0x06, int), &nr));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IOW(RTRACE_IOC_MAGIC, 0x07,
						  struct rtrace_stats), &nr));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IOR(RTRACE_IOC_MAGIC, 0x08,
						  struct rtrace_info), &nr));
}

TEST_F(ioc, configure_good)
{
	struct rtrace_info info;

	ASSERT_EQ(0, configure(self->fd, &self->cfg));
	ASSERT_EQ(0, rt_info(self->fd, &info));
	EXPECT_EQ(RTRACE_STATE_CONFIGURED, info.state);
	EXPECT_EQ(4096, info.subbuf_size);
	EXPECT_EQ(4 * 4096, info.lane_bytes);
	EXPECT_EQ(RTRACE_SOURCE_KAPI, info.sources);
	EXPECT_LE(sizeof(struct rtrace_stream_hdr), info.hdr_size);
	EXPECT_LE(info.hdr_size, info.read_min);
	EXPECT_LE(info.subbuf_size, info.read_min);
	EXPECT_EQ(RTRACE_NR_LANES, info.nr_lanes);
	/* Reconfiguring a configured (not running) session is fine. */
	self->cfg.subbuf_size = 8192;
	self->cfg.lane_bytes = 8 * 8192;
	self->cfg.flags = RTRACE_CONFIG_OVERWRITE;
	ASSERT_EQ(0, configure(self->fd, &self->cfg));
	ASSERT_EQ(0, rt_info(self->fd, &info));
	EXPECT_EQ(8192, info.subbuf_size);
	EXPECT_EQ(RTRACE_CONFIG_OVERWRITE, info.config_flags);
}

TEST_F(ioc, configure_sizes)
{
	struct {
		struct rtrace_config cfg;
		__u8 tail[64];
	} big;

	EXPECT_ERRNO(EFAULT, ioctl(self->fd, RTRACE_IOC_CONFIGURE, NULL));
	self->cfg.size = 0;
	EXPECT_ERRNO(EINVAL, configure(self->fd, &self->cfg));
	self->cfg.size = RTRACE_CONFIG_SIZE_VER0 - 1;
	EXPECT_ERRNO(EINVAL, configure(self->fd, &self->cfg));
	self->cfg.size = 1 << 20;
	EXPECT_ERRNO(E2BIG, configure(self->fd, &self->cfg));

	/* A newer caller's larger struct: zero tail accepted... */
	memset(&big, 0, sizeof(big));
	big.cfg = self->cfg;
	big.cfg.size = sizeof(big);
	EXPECT_EQ(0, configure(self->fd, &big.cfg));
	/* ...a non-zero byte the kernel does not know is not. */
	big.tail[63] = 1;
	EXPECT_ERRNO(E2BIG, configure(self->fd, &big.cfg));
	big.tail[63] = 0;
	big.tail[0] = 0x80;
	EXPECT_ERRNO(E2BIG, configure(self->fd, &big.cfg));
	/* The VER0 size is the struct's size today. */
	self->cfg.size = RTRACE_CONFIG_SIZE_VER0;
	EXPECT_EQ(0, configure(self->fd, &self->cfg));
}

TEST_F(ioc, configure_reserved_flags_sources)
{
	struct rtrace_config c;
	unsigned int bit;

	c = self->cfg;
	c.reserved0 = 1;
	EXPECT_ERRNO(EINVAL, configure(self->fd, &c));
	c = self->cfg;
	c.reserved1 = 0x80000000;
	EXPECT_ERRNO(EINVAL, configure(self->fd, &c));
	/* DISCARD_UNREAD (bit 1) is an action of the call, not a session flag. */
	c = self->cfg;
	c.flags = RTRACE_CONFIG_DISCARD_UNREAD;
	EXPECT_EQ(0, configure(self->fd, &c));
	for (bit = 2; bit < 32; bit++) {
		c = self->cfg;
		c.flags = 1U << bit;
		EXPECT_ERRNO(EINVAL, configure(self->fd, &c));
	}
	c = self->cfg;
	c.sources = 0;
	EXPECT_ERRNO(EINVAL, configure(self->fd, &c));
	for (bit = 7; bit < 64; bit++) {
		if ((1ULL << bit) == RTRACE_SOURCE_VALIDATE ||
		    (1ULL << bit) == RTRACE_SOURCE_TASK_NAMES)
			continue;
		c = self->cfg;
		c.sources = RTRACE_SOURCE_KAPI | (1ULL << bit);
		EXPECT_ERRNO(EINVAL, configure(self->fd, &c));
	}
	/* Defined groups: configured, or refused if this kernel has none of its events. */
	c = self->cfg;
	c.sources |= RTRACE_SOURCE_SCHED | RTRACE_SOURCE_IRQ | RTRACE_SOURCE_SYSCALLS |
		     RTRACE_SOURCE_FAULTS | RTRACE_SOURCE_BLOCK | RTRACE_SOURCE_WORKQUEUE;
	if (configure(self->fd, &c))
		EXPECT_EQ(EOPNOTSUPP, errno);
}

TEST_F(ioc, configure_geometry)
{
	static const struct { __u32 subbuf; __u64 lane; int err; } cases[] = {
		{ 0, 4 * 4096, EINVAL },
		{ 2048, 4 * 2048, EINVAL },		/* below a page */
		{ 4096 + 512, 4 * 4608, EINVAL },	/* not a power of two */
		{ 2 << 20, 4ULL << 21, EINVAL },	/* above 1 MiB */
		{ 4096, 0, EINVAL },
		{ 4096, 4096, EINVAL },			/* one sub-buffer */
		{ 4096, 3 * 4096, EINVAL },		/* not a power of two */
		{ 4096, 4 * 4096 + 1, EINVAL },		/* not a multiple */
		{ 4096, 1ULL << 62, ENOMEM },		/* absurd */
		{ 1 << 20, 1ULL << 40, ENOMEM },	/* absurd */
		{ 4096, ~0ULL << 12, EINVAL },		/* count not a power of two */
	};
	struct timespec t0, t1;
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rtrace_config c = self->cfg;

		c.subbuf_size = cases[i].subbuf;
		c.lane_bytes = cases[i].lane;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		errno = 0;
		EXPECT_EQ(-1, configure(self->fd, &c));
		EXPECT_EQ(cases[i].err, errno) TH_LOG("case %u: errno %d", i, errno);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		/* Information only: no timed assertion. */
		TH_LOG("case %u: %ld ms", i, (long)((t1.tv_sec - t0.tv_sec) * 1000 +
						     (t1.tv_nsec - t0.tv_nsec) / 1000000));
	}
	/* The device is still usable: nothing was half set up. */
	EXPECT_EQ(0, configure(self->fd, &self->cfg));
}

TEST_F(ioc, configure_cpumask)
{
	unsigned long mask[4] = { 0 };
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	struct rtrace_config c;

	c = self->cfg;
	c.cpumask_bytes = 8;		/* bytes without a pointer */
	EXPECT_ERRNO(EINVAL, configure(self->fd, &c));
	c = self->cfg;
	c.cpumask_ptr = 16;		/* unmapped */
	c.cpumask_bytes = 8;
	EXPECT_ERRNO(EFAULT, configure(self->fd, &c));
	c = self->cfg;
	c.cpumask_ptr = (uintptr_t)mask;
	c.cpumask_bytes = sizeof(mask);
	EXPECT_ERRNO(EINVAL, configure(self->fd, &c));	/* empty */
	c.cpumask_bytes = 0;
	EXPECT_ERRNO(EINVAL, configure(self->fd, &c));
	c.cpumask_bytes = 1 << 20;
	EXPECT_ERRNO(EINVAL, configure(self->fd, &c));
	c.cpumask_bytes = sizeof(mask);
	mask[3] = 1UL << 63;		/* CPU 255: not possible here */
	EXPECT_ERRNO(EINVAL, configure(self->fd, &c));
	mask[3] = 0;
	mask[0] = 1;			/* CPU 0 only */
	EXPECT_EQ(0, configure(self->fd, &c));
	/* One byte is enough for CPU 0. */
	c.cpumask_bytes = 1;
	EXPECT_EQ(0, configure(self->fd, &c));
	if (ncpu > 1) {
		mask[0] = 2;
		EXPECT_EQ(0, configure(self->fd, &c));
	}
}

TEST_F(ioc, state_machine)
{
	struct rtrace_info info;
	struct rt_totals t;

	/* EMPTY */
	EXPECT_ERRNO(ENODATA, ioctl(self->fd, RTRACE_IOC_START));
	EXPECT_ERRNO(ENODATA, ioctl(self->fd, RTRACE_IOC_STOP));
	EXPECT_ERRNO(ENODATA, ioctl(self->fd, RTRACE_IOC_FLUSH));
	EXPECT_ERRNO(ENODATA, ioctl(self->fd, RTRACE_IOC_SNAPSHOT));
	EXPECT_EQ(-ENODATA, rt_stats(self->fd, &t));
	EXPECT_EQ(0, ioctl(self->fd, RTRACE_IOC_RESET, 0));
	ASSERT_EQ(0, rt_info(self->fd, &info));
	EXPECT_EQ(RTRACE_STATE_EMPTY, info.state);
	EXPECT_EQ(0, info.session_id);

	/* CONFIGURED */
	ASSERT_EQ(0, configure(self->fd, &self->cfg));
	EXPECT_EQ(0, ioctl(self->fd, RTRACE_IOC_FLUSH));
	EXPECT_EQ(0, rt_stats(self->fd, &t));

	/* RUNNING: geometry is frozen */
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	EXPECT_ERRNO(EBUSY, ioctl(self->fd, RTRACE_IOC_START));
	EXPECT_ERRNO(EBUSY, configure(self->fd, &self->cfg));
	EXPECT_EQ(0, ioctl(self->fd, RTRACE_IOC_FLUSH));
	ASSERT_EQ(0, rt_info(self->fd, &info));
	EXPECT_EQ(RTRACE_STATE_RUNNING, info.state);

	/* STOPPED, again and again */
	EXPECT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	EXPECT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	EXPECT_EQ(0, ioctl(self->fd, RTRACE_IOC_SNAPSHOT));
	ASSERT_EQ(0, rt_info(self->fd, &info));
	EXPECT_EQ(RTRACE_STATE_STOPPED, info.state);
	/* START resumes; SNAPSHOT freezes */
	EXPECT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	EXPECT_EQ(0, ioctl(self->fd, RTRACE_IOC_SNAPSHOT));
	ASSERT_EQ(0, rt_info(self->fd, &info));
	EXPECT_EQ(RTRACE_STATE_STOPPED, info.state);
	/* CONFIGURE from STOPPED makes a new session */
	EXPECT_EQ(0, configure(self->fd, &self->cfg));
	/* RESET while running: unread by definition, so only with the discard flag */
	EXPECT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	EXPECT_ERRNO(EBUSY, ioctl(self->fd, RTRACE_IOC_RESET, 0));
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, RTRACE_IOC_RESET, 2UL));
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, RTRACE_IOC_RESET, ~0UL));
	EXPECT_EQ(0, ioctl(self->fd, RTRACE_IOC_RESET, RTRACE_RESET_DISCARD_UNREAD));
	ASSERT_EQ(0, rt_info(self->fd, &info));
	EXPECT_EQ(RTRACE_STATE_EMPTY, info.state);
	/* STOP without START is allowed: CONFIGURED -> STOPPED */
	ASSERT_EQ(0, configure(self->fd, &self->cfg));
	EXPECT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	ASSERT_EQ(0, rt_info(self->fd, &info));
	EXPECT_EQ(RTRACE_STATE_STOPPED, info.state);
}

TEST_F(ioc, stats)
{
	struct rtrace_lane_stats st[8 * RTRACE_NR_LANES];
	struct {
		struct rtrace_stats req;
		__u8 tail[16];
	} big;
	struct rtrace_stats req;
	struct {
		struct rtrace_lane_stats st;
		__u64 extra[3];
	} wide[RTRACE_NR_LANES];
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	unsigned int i;

	ASSERT_EQ(0, configure(self->fd, &self->cfg));

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.entry_size = sizeof(st[0]);
	/* Ask how many. */
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STATS, &req));
	EXPECT_LE(ncpu * RTRACE_NR_LANES, req.nr_entries);
	EXPECT_EQ(0, req.nr_entries % RTRACE_NR_LANES);

	/* Fill some. */
	memset(st, 0xff, sizeof(st));
	req.entries_ptr = (uintptr_t)st;
	req.nr_entries = RTRACE_NR_LANES + 2;
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STATS, &req));
	for (i = 0; i < RTRACE_NR_LANES + 2; i++) {
		EXPECT_EQ(i / RTRACE_NR_LANES, st[i].cpu);
		EXPECT_EQ(i % RTRACE_NR_LANES, st[i].lane);
		EXPECT_EQ(0, st[i].flags);
		EXPECT_EQ(RTRACE_NR_LOST, st[i].nr_lost);
		EXPECT_EQ(offsetof(struct rtrace_lane_stats, lost), st[i].lost_offset);
		EXPECT_EQ(0, st[i].written);
	}
	/* Untouched beyond nr_entries. */
	EXPECT_EQ(0xffffffffu, st[RTRACE_NR_LANES + 2].cpu);

	/* A caller with larger entries gets zeros in what it added. */
	memset(wide, 0xff, sizeof(wide));
	req.entry_size = sizeof(wide[0]);
	req.entries_ptr = (uintptr_t)wide;
	req.nr_entries = RTRACE_NR_LANES;
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STATS, &req));
	EXPECT_EQ(0, wide[1].extra[0] | wide[1].extra[2]);
	EXPECT_EQ(1, wide[1].st.lane);

	/* Bad requests. */
	req.entry_size = sizeof(st[0]) - 8;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, RTRACE_IOC_STATS, &req));
	req.entry_size = 1 << 20;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, RTRACE_IOC_STATS, &req));
	req.entry_size = sizeof(st[0]);
	req.entries_ptr = 16;
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, RTRACE_IOC_STATS, &req));
	req.entries_ptr = 0;
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, RTRACE_IOC_STATS, &req));
	req.entries_ptr = (uintptr_t)st;
	req.reserved = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, RTRACE_IOC_STATS, &req));
	req.reserved = 0;
	req.size = RTRACE_STATS_SIZE_VER0 - 4;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, RTRACE_IOC_STATS, &req));
	req.size = 1 << 20;
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, RTRACE_IOC_STATS, &req));
	memset(&big, 0, sizeof(big));
	big.req = req;
	big.req.size = sizeof(big);
	big.req.nr_entries = 1;
	EXPECT_EQ(0, ioctl(self->fd, RTRACE_IOC_STATS, &big.req));
	big.tail[3] = 1;
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, RTRACE_IOC_STATS, &big.req));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, RTRACE_IOC_STATS, NULL));
}

TEST_F(ioc, info_sizes)
{
	struct {
		struct rtrace_info info;
		__u8 tail[40];
	} big;
	struct rtrace_info info;

	memset(&info, 0, sizeof(info));
	info.size = RTRACE_INFO_SIZE_VER0 - 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, RTRACE_IOC_INFO, &info));
	info.size = 1 << 20;
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, RTRACE_IOC_INFO, &info));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, RTRACE_IOC_INFO, NULL));
	memset(&big, 0xff, sizeof(big));
	big.info.size = sizeof(big);
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_INFO, &big.info));
	EXPECT_EQ(sizeof(info), big.info.size);
	EXPECT_EQ(0, big.tail[0] | big.tail[39]);
	EXPECT_EQ(0, big.info.flags);
	/* An older caller's VER0 struct still works (it just gets no flags). */
	memset(&info, 0xff, sizeof(info));
	info.size = RTRACE_INFO_SIZE_VER0;
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_INFO, &info));
	EXPECT_EQ(0xffffffffu, info.flags);
	EXPECT_EQ(RTRACE_INFO_SIZE_VER3, sizeof(info));
	EXPECT_EQ(RTRACE_NR_LANES, big.info.nr_lanes);
	EXPECT_EQ(getpagesize(), big.info.page_size);
	EXPECT_NE(0, big.info.sources_supported & RTRACE_SOURCE_KAPI);
}

/* Control ioctls work from a file that is not the consumer. */
TEST_F(ioc, control_from_second_file)
{
	char buf[65536];
	int fd2;

	ASSERT_EQ(0, configure(self->fd, &self->cfg));
	ASSERT_LT(0, read(self->fd, buf, sizeof(buf)));	/* consumer */
	fd2 = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, ioctl(fd2, RTRACE_IOC_START));
	EXPECT_EQ(0, ioctl(fd2, RTRACE_IOC_FLUSH));
	EXPECT_EQ(0, ioctl(fd2, RTRACE_IOC_STOP));
	EXPECT_ERRNO(EBUSY, read(fd2, buf, sizeof(buf)));
	close(fd2);
}

TEST_HARNESS_MAIN
