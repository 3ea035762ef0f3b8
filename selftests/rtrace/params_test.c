// SPDX-License-Identifier: GPL-2.0
/*
 * params_test: a session from insmod alone (kmod/dev/params.c).  Loading
 * rtrace.ko with sources=, events=, buffer_size=, subbuf_size=, mode= leaves
 * a RUNNING session of that geometry and those events, which a plain reader of /dev/rtrace
 * records (the task-name snapshot and a marker come back); without them
 * the module loads with no session; each bad parameter fails the load
 * with EINVAL and a kernel message naming it.  Reloads rtrace.ko, and
 * leaves it loaded without parameters.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "rtrace_test_harness.h"
#include "rtrace_test_util.h"

#define MOD_NAME	"rtrace"
#define MOD_PATH	"/rtrace/modules/rtrace.ko"
#define BIG		(8 << 20)

static int mod_insert(const char *params)
{
	int fd, ret;

	fd = open(MOD_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0);
	close(fd);
	return ret ? -errno : 0;
}

static void remove_holders(void)
{
	struct dirent *de;
	DIR *dir;

	dir = opendir("/sys/module/" MOD_NAME "/holders");
	if (!dir)
		return;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			syscall(SYS_delete_module, de->d_name, O_NONBLOCK);
	closedir(dir);
}

static int mod_remove(void)
{
	if (access("/sys/module/" MOD_NAME, F_OK))
		return 0;
	remove_holders();
	return syscall(SYS_delete_module, MOD_NAME, O_NONBLOCK) ? -errno : 0;
}

/* Load with @params and read the session's info.  Return: 0 or -errno. */
static int mod_insert_info(const char *params, struct rtrace_info *info)
{
	int fd, ret;

	ret = mod_insert(params);
	if (ret)
		return ret;
	fd = open(DEV_PATH, O_RDWR);
	if (fd < 0)
		return -errno;
	ret = rt_info(fd, info);
	close(fd);
	return ret;
}

/* Does the kernel log hold @text (after the last clear)? */
static int klog_has(const char *text)
{
	static char buf[1 << 20];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof(buf) - 1);

	if (n < 0)
		return 0;
	buf[n] = 0;
	return strstr(buf, text) != NULL;
}

FIXTURE(pm) {
	uint8_t *buf;
};

FIXTURE_SETUP(pm)
{
	self->buf = malloc(BIG);
	ASSERT_NE(NULL, self->buf);
	ASSERT_EQ(0, mod_remove()) TH_LOG("rmmod: %s", strerror(errno));
}

FIXTURE_TEARDOWN(pm)
{
	mod_remove();
	mod_insert("");
	free(self->buf);
}

TEST_F(pm, no_parameters_no_session)
{
	struct rtrace_info info;
	int fd;

	ASSERT_EQ(0, mod_insert(""));
	fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, rt_info(fd, &info));
	EXPECT_EQ(RTRACE_STATE_EMPTY, info.state);
	close(fd);
}

TEST_F(pm, insmod_then_read_records)
{
	struct rtrace_info info;
	struct rtrace_stream_hdr h;
	unsigned int names = 0, marks = 0;
	struct rt_cursor c;
	struct rt_record r;
	struct rt_walk w;
	int fd, ret;
	ssize_t n;

	ASSERT_EQ(0, mod_insert("sources=kapi,names buffer_size=64K subbuf_size=8K mode=overwrite"))
		TH_LOG("insmod: %s", strerror(errno));
	fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, rt_info(fd, &info));
	EXPECT_EQ(RTRACE_STATE_RUNNING, info.state);
	EXPECT_EQ(65536, info.lane_bytes);
	EXPECT_EQ(8192, info.subbuf_size);
	EXPECT_EQ(RTRACE_CONFIG_OVERWRITE, info.config_flags);
	EXPECT_EQ(RTRACE_SOURCE_KAPI | RTRACE_SOURCE_TASK_NAMES, info.sources);
	EXPECT_EQ(5, write(fd, "hello", 5));
	/* What cat does after a stop: read to end of file. */
	ASSERT_EQ(0, ioctl(fd, RTRACE_IOC_STOP));
	n = rt_drain(fd, self->buf, BIG, 1 << 20);
	close(fd);
	ASSERT_LT(0, n);
	ASSERT_EQ(0, rt_walk(&w, self->buf, n)) TH_LOG("%s", w.error);
	memcpy(&h, self->buf, sizeof(h));
	EXPECT_EQ(8192, h.subbuf_size);
	EXPECT_EQ(RTRACE_CONFIG_OVERWRITE, h.config_flags);
	/* The snapshot of the load and the marker are in it. */
	rt_cursor_init(&c, self->buf, n);
	while ((ret = rt_cursor_next(&c, &r)) > 0) {
		names += r.type == RTRACE_EV_TASK_NAME;
		marks += r.type == RTRACE_EV_MARKER && r.raw_len == 5 &&
			 !memcmp(r.raw, "hello", 5);
	}
	ASSERT_EQ(0, ret) TH_LOG("%s", c.error);
	EXPECT_LT(10, names);
	EXPECT_EQ(1, marks);
	EXPECT_TRUE(klog_has("rtrace: recording since load"));
}

TEST_F(pm, a_plain_cat_records)
{
	int st;

	ASSERT_EQ(0, mod_insert("sources=names"));
	/*
	 * Shell tools only: cat in the background, a marker from printf; the
	 * device publishes the partly filled sub-buffers after about a second
	 * of quiet with a reader waiting (polled for, up to 60 s: a loaded
	 * host delays it), then cat is killed.
	 */
	st = system("has() { rtrace decode /tmp/params_cat.rtr > /tmp/params_cat.txt 2>&1; "
		    "grep -q 'marker len=14 text=\"from the shell\"' /tmp/params_cat.txt && "
		    "grep -q 'task_name pid=1 tgid=1 comm=' /tmp/params_cat.txt; }; "
		    "cat /dev/rtrace > /tmp/params_cat.rtr & pid=$!; sleep 1; "
		    "printf 'from the shell' > /dev/rtrace; i=0; "
		    "while [ $i -lt 600 ] && ! has; do i=$((i + 1)); sleep 0.1; done; "
		    "kill $pid; wait $pid; has");
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("status %#x: see /tmp/params_cat.txt", st);
}

/*
 * events= selects kernel events by name, as rtrace -e does: loaded with
 * events=sched_switch, a plain cat of /dev/rtrace holds context switches
 * (with the task names that come along) and no system call, although
 * the test makes system calls while it records.
 */
TEST_F_TIMEOUT(pm, events_selects_kernel_events, 120)
{
	struct rtrace_info info;
	int ret, st;

	klogctl(5 /* SYSLOG_ACTION_CLEAR */, NULL, 0);
	ret = mod_insert_info("events=sched_switch buffer_size=256K", &info);
	ASSERT_EQ(0, ret) TH_LOG("insmod and info: %s", strerror(-ret));
	if (!(info.events_available & (1ULL << RTRACE_EV_SCHED_SWITCH)))
		SKIP(return, "this kernel has no sched_switch tracepoint");
	EXPECT_EQ(RTRACE_STATE_RUNNING, info.state);
	EXPECT_EQ(1ULL << RTRACE_EV_SCHED_SWITCH, info.events);
	EXPECT_EQ(RTRACE_SOURCE_KAPI | RTRACE_SOURCE_TASK_NAMES, info.sources);
	EXPECT_TRUE(klog_has("rtrace: recording since load"));
	/* cat to the end of the stream: rtrace stop makes it see EOF. */
	st = system("rm -f /tmp/params_ev.rtr; cat /dev/rtrace > /tmp/params_ev.rtr & pid=$!; "
		    "sleep 1; cat /proc/self/stat > /dev/null; sleep 1; "
		    "rtrace stop && wait $pid && "
		    "rtrace decode /tmp/params_ev.rtr > /tmp/params_ev.txt && "
		    "grep -q ' sched_switch prev_pid=' /tmp/params_ev.txt && "
		    "grep -q ' task_name pid=1 tgid=1 comm=' /tmp/params_ev.txt && "
		    "! grep -qE ' sys_(enter|exit) ' /tmp/params_ev.txt");
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("status %#x: see /tmp/params_ev.txt", st);

	/* Groups and events together, as -e takes them. */
	ASSERT_EQ(0, mod_remove());
	ret = mod_insert_info("events=sched_switch,syscalls sources=kapi", &info);
	ASSERT_EQ(0, ret) TH_LOG("insmod and info: %s", strerror(-ret));
	EXPECT_EQ(RTRACE_STATE_RUNNING, info.state);
	EXPECT_EQ(RTRACE_SOURCE_KAPI | RTRACE_SOURCE_SYSCALLS | RTRACE_SOURCE_TASK_NAMES,
		  info.sources);
	EXPECT_EQ((1ULL << RTRACE_EV_SCHED_SWITCH) |
		  (info.events_available & ((1ULL << RTRACE_EV_SYS_ENTER) |
					    (1ULL << RTRACE_EV_SYS_EXIT))), info.events);
}

struct bad_param {
	const char *params;
	int err;
	const char *message;
};

/* Each load fails with its errno, leaves no module, and the log names the culprit. */
static void expect_bad(struct __test_metadata *_metadata, const struct bad_param *bad,
		       unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		klogctl(5 /* SYSLOG_ACTION_CLEAR */, NULL, 0);
		EXPECT_EQ(-bad[i].err, mod_insert(bad[i].params)) TH_LOG("%s", bad[i].params);
		EXPECT_NE(0, access("/sys/module/" MOD_NAME, F_OK)) TH_LOG("%s loaded", bad[i].params);
		EXPECT_TRUE(klog_has(bad[i].message)) TH_LOG("no '%s' in the kernel log", bad[i].message);
		mod_remove();
	}
}

/* Each insmod of rtrace.ko takes seconds on the debug kernel (KASAN, TCG). */
TEST_F_TIMEOUT(pm, bad_parameters_fail_the_load, 300)
{
	static const struct bad_param bad[] = {
		{ "sources=kapi,bogus", EINVAL, "rtrace: sources=kapi,bogus: 'bogus' is not a source" },
		{ "sources=", EINVAL, "rtrace: sources=: no source named" },
		{ "buffer_size=12K", EINVAL, "rtrace: buffer_size=12K: must hold a power-of-two number" },
		{ "buffer_size=lots", EINVAL, "rtrace: buffer_size=lots: not a size" },
		{ "subbuf_size=3000", EINVAL, "rtrace: subbuf_size=3000: must be a power of two" },
		{ "subbuf_size=2M", EINVAL, "rtrace: subbuf_size=2M: must be a power of two" },
		{ "mode=sideways", EINVAL, "rtrace: mode=sideways: must be discard or overwrite" },
		{ "buffer_size=64G subbuf_size=1M", ENOMEM, "rtrace: buffer_size=64G: cannot allocate" },
	};

	expect_bad(_metadata, bad, sizeof(bad) / sizeof(bad[0]));
	/* sched is reserved until its source exists: named as unsupported. */
	klogctl(5, NULL, 0);
	if (mod_insert("sources=sched") == 0) {
		TH_LOG("this module supports sched");
	} else {
		EXPECT_TRUE(klog_has("rtrace: sources=sched: 'sched' is not supported"));
	}
}

TEST_F_TIMEOUT(pm, bad_events_fail_the_load, 300)
{
	static const struct bad_param bad[] = {
		{ "events=sched_switch,bogus", EINVAL,
		  "rtrace: events=sched_switch,bogus: 'bogus' is not an event or a group" },
		{ "events=sched_switch,,sys_enter", EINVAL,
		  "rtrace: events=sched_switch,,sys_enter: '' is not an event or a group" },
		{ "events=", EINVAL, "rtrace: events=: no event named" },
		{ "sources=kapi events=test", EINVAL,
		  "rtrace: events=test: 'test' is not an event or a group" },
	};

	expect_bad(_metadata, bad, sizeof(bad) / sizeof(bad[0]));
}

TEST_HARNESS_MAIN
