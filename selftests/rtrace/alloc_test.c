// SPDX-License-Identifier: GPL-2.0
/*
 * alloc_test: allocation failure and memory returned (issue 14, item 4).
 *
 *   - impossible_size: a ring larger than the RAM allows gets -ENOMEM,
 *     the session before it stays, and the device records afterwards.
 *   - injected_failures: on a kernel with fault injection (the debug
 *     kernel: CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, their debugfs
 *     knobs), CONFIGURE and START of a validation session fail their N-th
 *     slab, then page allocation, for every N until one goes through
 *     untouched, the failures aimed at this task only (task-filter,
 *     /proc/self/make-it-fail): each call succeeds or fails with -ENOMEM
 *     (START also -EINTR/-EAGAIN from kthread creation), the state stays
 *     one of the table's, and a clean session records afterwards.  The
 *     runner's kmemleak scan at the end of a debug-kernel boot then finds
 *     nothing of rtrace.  Prints `# faults: alloc_slab=N alloc_page=N`.
 *     Skipped on kernels without fault injection.
 *   - cycles_return_slab: 100 configure/start/stop/reset cycles, every
 *     10th a sched, irq and syscalls session (attaching tracepoints
 *     patches kernel text, which TCG survives only so often: source_test
 *     attaches them 100 times), every 10th in between the validation
 *     source, the others the in-kernel API alone (cycle_sources()), an
 *     rmmod and insmod after every 10th: after every cycle rtrace's own
 *     count of live allocations (parameter live_allocs) is exactly where
 *     that module instance started, and the unreclaimable slab
 *     (/proc/meminfo, after shrinking every cache) is within 256 KiB of
 *     where it started (the whole kernel's noise; kmemleak on the debug
 *     kernel is the exact check of the objects).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rtrace_test_harness.h"
#include "rtrace_test_util.h"

#define DEBUGFS		"/sys/kernel/debug"
#define BUF_SIZE	(8u << 20)

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

/* A short session of @sources: configure, start, stop, drain, walk. */
static int record_ok(struct __test_metadata *_metadata, int fd, uint64_t sources)
{
	static uint8_t buf[BUF_SIZE];
	struct rtrace_config cfg;
	struct rt_walk w;
	ssize_t got;

	if (rt_reset(fd))
		return -1;
	rt_config_init(&cfg, 16384, 8 * 16384);
	cfg.sources = sources;
	if (ioctl(fd, RTRACE_IOC_CONFIGURE, &cfg) || ioctl(fd, RTRACE_IOC_START)) {
		TH_LOG("session: %s", strerror(errno));
		return -1;
	}
	usleep(200000);
	if (ioctl(fd, RTRACE_IOC_STOP))
		return -1;
	got = rt_drain(fd, buf, sizeof(buf), 65536);
	if (got <= 0 || rt_walk(&w, buf, got)) {
		TH_LOG("drain %zd: %s", got, got > 0 ? w.error : strerror(-got));
		return -1;
	}
	if (!w.nr_records || w.seq_gaps || w.nr_broken) {
		TH_LOG("%llu records, %llu sub-buffers missing",
		       (unsigned long long)w.nr_records, (unsigned long long)w.seq_gaps);
		return -1;
	}
	return rt_reset(fd) ? -1 : 0;
}

static uint64_t val_or_kapi(int fd)
{
	struct rtrace_info info;

	if (rt_info(fd, &info))
		return RTRACE_SOURCE_KAPI;
	return info.sources_supported & RTRACE_SOURCE_VALIDATE ? RTRACE_SOURCE_VALIDATE :
								 RTRACE_SOURCE_KAPI;
}

FIXTURE(alloc) {
	int fd;
};

FIXTURE_SETUP(alloc)
{
	self->fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open: %s", strerror(errno));
	ASSERT_EQ(0, rt_reset(self->fd));
}

FIXTURE_TEARDOWN(alloc)
{
	if (self->fd >= 0) {
		ioctl(self->fd, RTRACE_IOC_STOP);
		rt_reset(self->fd);
		close(self->fd);
	}
}

TEST_F(alloc, impossible_size)
{
	struct rtrace_info info, after;
	struct rtrace_config cfg;
	uint64_t ram = (uint64_t)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);
	uint64_t lane = 1;

	/* a configured session that must survive the failed CONFIGUREs */
	ASSERT_EQ(0, rt_setup(self->fd, 4096, 4, 0));
	ASSERT_EQ(0, rt_info(self->fd, &info));
	/* the smallest power of two whose lanes need more than the RAM */
	while (lane * RTRACE_NR_LANES < ram)
		lane <<= 1;
	rt_config_init(&cfg, 1 << 20, lane);
	EXPECT_EQ(-1, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &cfg));
	EXPECT_EQ(ENOMEM, errno);
	/* a count of sub-buffers past 32 bits, and the largest lane there is */
	rt_config_init(&cfg, 4096, 1ULL << 62);
	EXPECT_EQ(-1, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &cfg));
	EXPECT_EQ(ENOMEM, errno);
	ASSERT_EQ(0, rt_info(self->fd, &after));
	EXPECT_EQ(RTRACE_STATE_CONFIGURED, after.state);
	EXPECT_EQ(info.session_id, after.session_id);
	EXPECT_EQ(0, record_ok(_metadata, self->fd, val_or_kapi(self->fd)));
}

/* ---- fault injection ---- */

struct inject {
	const char *dir;	/* debugfs directory of the facility */
	const char *name;	/* for the faults line */
	/*
	 * Space budget of one step: slab bytes (128: an object smaller than
	 * that next to another may be skipped; 64 took twice the steps, 520 s
	 * with the rest of the test on the debug kernel), or pages
	 * (1 << order: every page allocation).
	 */
	unsigned int unit;
	int times_fd;
};

static int have_fault_injection(void)
{
	if (access(DEBUGFS "/failslab/times", F_OK)) {
		mkdir(DEBUGFS, 0755);
		mount("debugfs", DEBUGFS, "debugfs", 0, NULL);
	}
	return !access(DEBUGFS "/failslab/times", F_OK) &&
	       !access(DEBUGFS "/fail_page_alloc/times", F_OK) &&
	       !access("/proc/self/make-it-fail", F_OK);
}

static int knob(const struct inject *in, const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), DEBUGFS "/%s/%s", in->dir, name);
	return write_str(path, val);
}

/* Aim @in at this task only, each call failing with probability 100 %. */
static int inject_setup(const struct inject *in)
{
	int ret = 0;

	ret |= knob(in, "task-filter", "Y");
	ret |= knob(in, "probability", "100");
	ret |= knob(in, "interval", "1");
	ret |= knob(in, "verbose", "0");
	ret |= knob(in, "ignore-gfp-wait", "N");
	ret |= knob(in, "times", "0");
	if (!strcmp(in->dir, "fail_page_alloc"))
		ret |= knob(in, "min-order", "0");
	return ret;
}

/*
 * Run @call with the @n-th allocation (counted by the space budget) of
 * this task failing.  Return: @call's result; *@hit whether it failed one.
 */
static int with_failure(const struct inject *in, unsigned int n, int fail_fd,
			int (*call)(int fd), int fd, int *hit)
{
	char v[128];
	int ret, err;

	snprintf(v, sizeof(v), "%u", n * in->unit);
	knob(in, "space", v);
	knob(in, "times", "1");
	if (write(fail_fd, "1", 1) != 1)
		return -EIO;
	ret = call(fd);
	err = errno;
	/* no allocation between the call and this: an open fd, a stack buffer */
	if (write(fail_fd, "0", 1) != 1)
		return -EIO;
	snprintf(v, sizeof(v), DEBUGFS "/%s/times", in->dir);
	*hit = rt_param_read(v) == 0;		/* the one failure was used */
	knob(in, "times", "0");
	errno = err;
	return ret;
}

#define LIVE_ALLOCS	"/sys/module/rtrace/parameters/live_allocs"

/* rtrace's own allocations now live (kmod/main.c), or -1. */
static long long live_allocs(void)
{
	return rt_param_read(LIVE_ALLOCS);
}

static int do_configure(int fd)
{
	struct rtrace_config cfg;

	rt_config_init(&cfg, 4096, 2 * 4096);
	cfg.sources = val_or_kapi(fd);
	return ioctl(fd, RTRACE_IOC_CONFIGURE, &cfg);
}

static int do_start(int fd)
{
	return ioctl(fd, RTRACE_IOC_START);
}

TEST_F_TIMEOUT(alloc, injected_failures, 600)
{
	struct inject in[2] = {
		{ .dir = "failslab", .name = "alloc_slab", .unit = 128 },
		{ .dir = "fail_page_alloc", .name = "alloc_page", .unit = 1 },
	};
	unsigned int hits[2] = { 0, 0 };
	long long live;
	int fail_fd, i;

	if (!have_fault_injection())
		SKIP(return, "no fault injection (failslab, fail_page_alloc) in this kernel");
	fail_fd = open("/proc/self/make-it-fail", O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fail_fd);
	for (i = 0; i < 2; i++) {
		int step;

		ASSERT_EQ(0, inject_setup(&in[i])) TH_LOG("%s knobs", in[i].dir);
		for (step = 0; step < 2; step++) {
			unsigned int n;
			int hit = 1;

			for (n = 1; hit && n < 2000; n++) {
				struct rtrace_info info;
				int ret;

				ASSERT_EQ(0, rt_reset(self->fd));
				if (step == 1)
					ASSERT_EQ(0, do_configure(self->fd));
				live = live_allocs();
				ret = with_failure(&in[i], n, fail_fd,
						   step ? do_start : do_configure, self->fd, &hit);
				hits[i] += hit;
				/* a failed call left none of its allocations behind */
				if (ret)
					EXPECT_EQ(live, live_allocs())
						TH_LOG("%s, failure %u of %s", in[i].dir, n,
						       step ? "START" : "CONFIGURE");
				EXPECT_TRUE(!ret || errno == ENOMEM ||
					    (step && (errno == EINTR || errno == EAGAIN)))
						TH_LOG("%s, failure %u of %s: %s", in[i].dir, n,
						       step ? "START" : "CONFIGURE", strerror(errno));
				if (!ret && !hit)
					break;	/* got through untouched: every failure tried */
				ASSERT_EQ(0, rt_info(self->fd, &info));
				/* a failed call changed nothing; one that went through did its job */
				EXPECT_EQ(step ? (ret ? RTRACE_STATE_CONFIGURED : RTRACE_STATE_RUNNING) :
						 (ret ? RTRACE_STATE_EMPTY : RTRACE_STATE_CONFIGURED),
					  info.state) TH_LOG("%s %u", in[i].dir, n);
				ioctl(self->fd, RTRACE_IOC_STOP);
			}
			TH_LOG("%s: %s went through after %u injected failures", in[i].dir,
			       step ? "START" : "CONFIGURE", n - 1);
			EXPECT_LT(1, n) TH_LOG("no allocation of %s failed", in[i].dir);
			EXPECT_GT(2000, n);
		}
		knob(&in[i], "task-filter", "N");
		/* the device works normally afterwards */
		EXPECT_EQ(0, record_ok(_metadata, self->fd, val_or_kapi(self->fd)));
	}
	close(fail_fd);
	printf("# faults: %s=%u %s=%u\n", in[0].name, hits[0], in[1].name, hits[1]);
}

/* ---- slab returned after cycles ---- */

/* Unreclaimable slab in KiB after every cache gave back its empty slabs. */
static long long sunreclaim_once(void)
{
	char line[128];
	long long kb = -1;
	glob_t g;
	size_t i;
	FILE *f;

	if (!glob("/sys/kernel/slab/*/shrink", 0, NULL, &g)) {
		for (i = 0; i < g.gl_pathc; i++)
			write_str(g.gl_pathv[i], "1");
		globfree(&g);
	}
	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SUnreclaim: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * The least of five readings 100 ms apart: RCU callbacks, lazily purged
 * vmap areas and per-CPU partial slabs make one reading wander by tens of
 * KiB either way (measured: 7488 to 7584 kB over 300 cycles, no trend).
 */
static long long sunreclaim_kb(void)
{
	long long kb, min = -1;
	int i;

	for (i = 0; i < 5; i++) {
		usleep(100000);
		kb = sunreclaim_once();
		if (kb >= 0 && (min < 0 || kb < min))
			min = kb;
	}
	return min;
}

static int reload(void)
{
	int fd;

	rt_unload_holders();
	if (syscall(SYS_delete_module, "rtrace", O_NONBLOCK))
		return -1;
	fd = open(MOD_DIR "rtrace.ko", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (syscall(SYS_finit_module, fd, "", 0)) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int one_cycle(int fd, int i, uint64_t events, uint64_t sources)
{
	struct rtrace_config cfg;

	rt_config_init(&cfg, 4096, 4 * 4096);
	cfg.sources = sources;
	cfg.events = events;
	cfg.flags = i & 1 ? RTRACE_CONFIG_OVERWRITE : 0;
	if (ioctl(fd, RTRACE_IOC_CONFIGURE, &cfg) || ioctl(fd, RTRACE_IOC_START))
		return -1;
	usleep(5000);
	if (i % 3 != 2 && ioctl(fd, RTRACE_IOC_STOP))
		return -1;
	return rt_reset(fd);
}

/*
 * Cycle @i's sources: the kernel's (@kernel) every tenth, the validation
 * source (kthreads, timers, NMIs) every tenth in between, else kapi
 * alone: on the debug kernel a validation START and STOP costs about a
 * second, and the debug kernel is where this test matters (kmemleak).
 */
static uint64_t cycle_sources(int fd, int i, uint64_t kernel)
{
	if (i % 10 == 0)
		return kernel;
	if (i % 10 == 5)
		return val_or_kapi(fd);
	return RTRACE_SOURCE_KAPI;
}

TEST_F_TIMEOUT(alloc, cycles_return_slab, 600)
{
	uint64_t want = RTRACE_SOURCE_SCHED | RTRACE_SOURCE_IRQ | RTRACE_SOURCE_SYSCALLS;
	struct rtrace_info info;
	long long before, after, live0, live;
	uint64_t sources;
	int i, bad = 0;

	ASSERT_EQ(0, rt_info(self->fd, &info));
	sources = info.sources_supported & want;
	if (!sources)
		sources = val_or_kapi(self->fd);
	/* warm up: the caches, kthreads and probes the first sessions make */
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, one_cycle(self->fd, i, 0, i ? val_or_kapi(self->fd) : sources));
	before = sunreclaim_kb();
	ASSERT_LT(0, before);
	live0 = live_allocs();
	ASSERT_LE(0, live0) TH_LOG("no %s", LIVE_ALLOCS);
	/* the count sees a session: the session, its buffers, ring and pages */
	{
		struct rtrace_config cfg;

		rt_config_init(&cfg, 4096, 4 * 4096);
		ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &cfg));
		live = live_allocs();
		ASSERT_EQ(0, rt_reset(self->fd));
		EXPECT_LE(live0 + 6, live) TH_LOG("a session: %lld allocations live, %lld before",
						  live, live0);
		EXPECT_EQ(live0, live_allocs());
	}
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, one_cycle(self->fd, i, 0, cycle_sources(self->fd, i, sources)))
			TH_LOG("cycle %d: %s", i, strerror(errno));
		/* rtrace's own count: back exactly where this module started */
		live = live_allocs();
		bad += live != live0;
		EXPECT_EQ(live0, live) TH_LOG("cycle %d: %lld allocations live, %lld before",
					     i, live, live0);
		if (i % 10 == 9) {
			close(self->fd);
			self->fd = -1;
			ASSERT_EQ(0, reload()) TH_LOG("rmmod/insmod: %s", strerror(errno));
			self->fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);
			ASSERT_LE(0, self->fd);
			live0 = live_allocs();
		}
	}
	after = sunreclaim_kb();
	printf("# slab: rtrace's live allocations back to their start after %d of 100 cycles\n",
	       100 - bad);
	printf("# slab: SUnreclaim %lld kB before, %lld kB after 100 cycles\n", before, after);
	/*
	 * The exact check is rtrace's own count above (and kmemleak on the
	 * debug kernel, the runner's scan at the end of the boot).  The
	 * whole kernel's reading wanders with what else the guest does:
	 * measured 2026-11-30 on cloud, -4 to +120 KiB over 100 cycles, the
	 * growth in shmem_inode_cache, radix_tree_node, dentry and
	 * kmalloc-4k, none of them rtrace's.  256 KiB still catches what
	 * rtrace makes the kernel keep (kthreads, probes, module text) at
	 * 2.6 KiB a cycle.
	 */
	EXPECT_GE(before + 256, after) TH_LOG("%lld kB more unreclaimable slab", after - before);
}

TEST_HARNESS_MAIN
