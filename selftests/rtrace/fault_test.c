// SPDX-License-Identifier: GPL-2.0
/*
 * fault_test: the machine disturbed while rtrace records.
 *
 *   - a CPU taken offline and back online in the middle of a session: every
 *     event written is read or counted lost, nothing from the offline CPU's
 *     lanes is stranded;
 *   - kprobes: every writer function (the one list: scripts/check-writer
 *     --list, compiled in by the Makefile) is in the kernel's kprobe blacklist and
 *     a kprobe on it is refused; kprobes on rtrace's non-writer functions
 *     fire while recording and change nothing in the stream;
 *   - the function tracer on every function of rtrace.ko while recording:
 *     the writers never show in its output.
 *
 * Each records rtrace_test_gen's events (task and hardirq context) and
 * checks the stream (read + lost == written, every TEST record intact).
 * A kernel without a feature (tracefs, kprobe events, a second CPU that can
 * go offline) SKIPs that test.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rtrace_test_harness.h"
#include "rtrace_test_util.h"

#ifndef RT_WRITER_FUNCS
#error "RT_WRITER_FUNCS comes from scripts/check-writer --list (selftests/rtrace/Makefile)"
#endif

#define TRACEFS		"/sys/kernel/tracing"
#define DEBUGFS		"/sys/kernel/debug"
#define BUF_SIZE	(16 << 20)

static int write_file(const char *path, const char *s, int append)
{
	int fd = open(path, O_WRONLY | (append ? O_APPEND : O_TRUNC));
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n, got = 0;

	if (fd < 0)
		return -errno;
	while ((size_t)got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	buf[got] = 0;
	close(fd);
	return (int)got;
}

static int have_tracefs(void)
{
	if (access(TRACEFS "/kprobe_events", F_OK) == 0)
		return 1;
	mkdir(TRACEFS, 0755);
	mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	return access(TRACEFS "/kprobe_events", F_OK) == 0;
}

static int have_debugfs(void)
{
	if (access(DEBUGFS "/kprobes/blacklist", F_OK) == 0)
		return 1;
	mount("debugfs", DEBUGFS, "debugfs", 0, NULL);
	return access(DEBUGFS "/kprobes/blacklist", F_OK) == 0;
}

FIXTURE(fault) {
	int fd;
	uint8_t *buf;
};

FIXTURE_SETUP(fault)
{
	ASSERT_EQ(0, rt_modprobe("rtrace_test_gen"));
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	self->buf = malloc(BUF_SIZE);
	ASSERT_NE(NULL, self->buf);
	/* 16 x 16 KiB per lane: room for every event below. */
	ASSERT_EQ(0, rt_setup(self->fd, 16384, 16, 0));
}

FIXTURE_TEARDOWN(fault)
{
	rt_reset(self->fd);
	close(self->fd);
	free(self->buf);
}

/*
 * Stop, drain and check: every TEST record intact, no sub-buffer missing,
 * read + lost == written (kernel counters), and at least @min TEST records.
 */
static void stop_and_check(struct __test_metadata *_metadata, int fd, uint8_t *buf,
			   uint64_t min)
{
	struct rt_totals t;
	struct rt_walk w;
	ssize_t len;

	ASSERT_EQ(0, ioctl(fd, RTRACE_IOC_STOP));
	len = rt_drain(fd, buf, BUF_SIZE, 1 << 20);
	ASSERT_LT(0, len) TH_LOG("drain: %zd", len);
	memset(&w, 0, sizeof(w));
	ASSERT_EQ(0, rt_walk(&w, buf, len)) TH_LOG("walk: %s", w.error);
	ASSERT_EQ(0, rt_stats(fd, &t));
	EXPECT_EQ(0, w.nr_bad_test);
	EXPECT_EQ(0, w.seq_gaps);
	EXPECT_EQ(0, w.nr_broken);
	EXPECT_EQ(t.written, w.nr_records) TH_LOG("written %llu, read %llu",
		(unsigned long long)t.written, (unsigned long long)w.nr_records);
	EXPECT_EQ(t.lost_all, w.lost_all);
	EXPECT_LE(min, w.nr_test) TH_LOG("%llu TEST records, wanted %llu",
		(unsigned long long)w.nr_test, (unsigned long long)min);
	TH_LOG("records %llu lost %llu", (unsigned long long)w.nr_records,
	       (unsigned long long)w.lost_all);
}

TEST_F(fault, cpu_offline_online_while_recording)
{
	const char *online = "/sys/devices/system/cpu/cpu1/online";
	char st[8] = "";
	long long before;

	if (access(online, W_OK))
		SKIP(return, "cpu1 cannot be taken offline here");
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	ASSERT_EQ(0, rt_gen_write("emit_irq", 200));	/* both CPUs */
	ASSERT_EQ(0, rt_gen_write("emit", 2000));
	ASSERT_EQ(0, write_file(online, "0", 0));
	read_file(online, st, sizeof(st));
	EXPECT_EQ('0', st[0]);
	before = rt_gen_read("ok");
	ASSERT_EQ(0, rt_gen_write("emit", 2000));	/* on cpu0 only now */
	ASSERT_EQ(0, rt_gen_write("emit_irq", 200));
	EXPECT_EQ(before + 2200, rt_gen_read("ok"));
	ASSERT_EQ(0, write_file(online, "1", 0));
	read_file(online, st, sizeof(st));
	EXPECT_EQ('1', st[0]);
	ASSERT_EQ(0, rt_gen_write("emit_irq", 200));	/* both again */
	ASSERT_EQ(0, rt_gen_write("emit", 2000));
	stop_and_check(_metadata, self->fd, self->buf, 6000);
}

/* The writer functions, from the one list (scripts/check-writer --list). */
static int for_each_writer(int (*fn)(const char *name, void *arg), void *arg)
{
	char list[] = RT_WRITER_FUNCS, *save = NULL, *name;
	int n = 0, ret;

	for (name = strtok_r(list, " \t\n", &save); name; name = strtok_r(NULL, " \t\n", &save)) {
		ret = fn(name, arg);
		if (ret)
			return ret;
		n++;
	}
	return n ? 0 : -ENOENT;
}

struct bl {
	struct __test_metadata *md;
	const char *blacklist;
	int missing;
};

static int check_blacklisted(const char *name, void *arg)
{
	struct bl *b = arg;
	char probe[256];
	const char *p = b->blacklist;
	size_t len = strlen(name);
	int found = 0, ret;

	/* Lines "0xstart-0xend\tsymbol[\t[module]]"; the symbol must match whole. */
	while ((p = strstr(p, name))) {
		if (p > b->blacklist && p[-1] == '\t' &&
		    (p[len] == '\n' || p[len] == '\t' || p[len] == ' ' || p[len] == 0)) {
			found = 1;
			break;
		}
		p += len;
	}
	if (!found) {
		b->missing++;
		fprintf(stderr, "# %s is not in the kprobe blacklist\n", name);
	}
	snprintf(probe, sizeof(probe), "p:rtrace_fault/w_%.40s %s", name, name);
	ret = write_file(TRACEFS "/kprobe_events", probe, 1);
	if (ret != -EINVAL) {
		b->missing++;
		fprintf(stderr, "# a kprobe on writer function %s: %s (want EINVAL)\n", name,
			ret ? strerror(-ret) : "accepted");
	}
	if (ret == 0) {
		snprintf(probe, sizeof(probe), "-:rtrace_fault/w_%.40s", name);
		write_file(TRACEFS "/kprobe_events", probe, 1);
	}
	return 0;
}

TEST_F(fault, kprobes_refused_on_every_writer_function)
{
	static char blacklist[1 << 20];
	struct bl b = { .md = _metadata, .blacklist = blacklist };

	if (!have_tracefs())
		SKIP(return, "no kprobe events in tracefs");
	if (!have_debugfs())
		SKIP(return, "no debugfs kprobes/blacklist");
	ASSERT_LT(0, read_file(DEBUGFS "/kprobes/blacklist", blacklist, sizeof(blacklist)));
	ASSERT_EQ(0, for_each_writer(check_blacklisted, &b));
	EXPECT_EQ(0, b.missing);
}

static long long kprobe_hits(const char *event)
{
	char prof[1 << 16], *line;

	if (read_file(TRACEFS "/kprobe_profile", prof, sizeof(prof)) < 0)
		return -1;
	line = strstr(prof, event);
	return line ? atoll(line + strlen(event)) : -1;
}

TEST_F(fault, kprobes_on_non_writer_functions_while_recording)
{
	/* Called by every flush and every STATS: not writers. */
	static const char * const probes[] = {
		"p:rtrace_fault/flush rtrace_ring_flush",
		"p:rtrace_fault/stats rtrace_ring_stats",
	};
	unsigned int i;
	int ret;

	if (!have_tracefs())
		SKIP(return, "no kprobe events in tracefs");
	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		ret = write_file(TRACEFS "/kprobe_events", probes[i], 1);
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", probes[i], strerror(-ret));
	}
	ASSERT_EQ(0, write_file(TRACEFS "/events/rtrace_fault/enable", "1", 0));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	ASSERT_EQ(0, rt_gen_write("emit", 3000));
	ASSERT_EQ(0, rt_gen_write("emit_irq", 200));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_FLUSH));
	stop_and_check(_metadata, self->fd, self->buf, 3400);
	EXPECT_LT(0, kprobe_hits("flush")) TH_LOG("the flush kprobe never fired");
	EXPECT_LT(0, kprobe_hits("stats")) TH_LOG("the stats kprobe never fired");
	write_file(TRACEFS "/events/rtrace_fault/enable", "0", 0);
	EXPECT_EQ(0, write_file(TRACEFS "/kprobe_events", "-:rtrace_fault/flush", 1));
	EXPECT_EQ(0, write_file(TRACEFS "/kprobe_events", "-:rtrace_fault/stats", 1));
}

/* Does the function tracer's output name @fn as a traced function or caller? */
static int traced(const char *trace, const char *fn)
{
	char a[128], b[128];

	snprintf(a, sizeof(a), ": %s <-", fn);
	snprintf(b, sizeof(b), "<-%s\n", fn);
	return strstr(trace, a) || strstr(trace, b);
}

struct tr {
	const char *trace;
	int seen;
};

static int writer_traced(const char *name, void *arg)
{
	struct tr *t = arg;

	if (traced(t->trace, name)) {
		fprintf(stderr, "# writer function %s shows in the function trace\n", name);
		t->seen++;
	}
	return 0;
}

/*
 * The function tracer on every function of rtrace.ko (filter ":mod:rtrace")
 * while it records: the traced ones (the device, the reader side) show in
 * ftrace's output, the writers (notrace) never do, and the stream is
 * intact.  Not every kernel function: under TCG that made a 2,100-event
 * burst take longer than the harness's 30 s.
 */
TEST_F_TIMEOUT(fault, function_tracer_on_rtrace_while_recording, 120)
{
	static char trace[4 << 20];
	struct tr t = { .trace = trace };
	int ret;

	if (!have_tracefs() || access(TRACEFS "/current_tracer", W_OK))
		SKIP(return, "no tracefs");
	ret = write_file(TRACEFS "/set_ftrace_filter", ":mod:rtrace", 0);
	ASSERT_EQ(0, ret) TH_LOG("set_ftrace_filter :mod:rtrace: %s", strerror(-ret));
	if (write_file(TRACEFS "/current_tracer", "function", 0)) {
		write_file(TRACEFS "/set_ftrace_filter", "", 0);
		SKIP(return, "no function tracer in this kernel");
	}
	write_file(TRACEFS "/trace", "", 0);
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	ASSERT_EQ(0, rt_gen_write("emit", 2000));
	ASSERT_EQ(0, rt_gen_write("emit_irq", 100));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_FLUSH));
	ASSERT_EQ(0, write_file(TRACEFS "/tracing_on", "0", 0));
	ASSERT_LT(0, read_file(TRACEFS "/trace", trace, sizeof(trace)));
	write_file(TRACEFS "/current_tracer", "nop", 0);
	write_file(TRACEFS "/set_ftrace_filter", "", 0);
	write_file(TRACEFS "/tracing_on", "1", 0);
	write_file(TRACEFS "/trace", "", 0);
	EXPECT_TRUE(traced(trace, "rtrace_ring_flush")) TH_LOG("rtrace_ring_flush not traced");
	EXPECT_EQ(0, for_each_writer(writer_traced, &t));
	EXPECT_EQ(0, t.seen);
	stop_and_check(_metadata, self->fd, self->buf, 2200);
}

TEST_HARNESS_MAIN
