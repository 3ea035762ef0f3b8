// SPDX-License-Identifier: GPL-2.0
/*
 * access_test: who may open /dev/rtrace, and when the module may go.
 *
 * Opening needs CAP_PERFMON or CAP_SYS_ADMIN (checked at open), no other
 * capability will do, and CAP_PERFMON alone runs a whole session; without
 * them the open is refused whether or not a session runs and is mapped,
 * also through the privileged opener's /proc/PID/fd.  The node is 0600
 * root.  rmmod is refused while the device is open, mapped, or a
 * reader is blocked in read(); a session with no file left does not keep
 * the module.  The module is loaded again at the end of each test.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <grp.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "rtrace_test_harness.h"
#include "rtrace_test_util.h"

static int drop_all_caps(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = { { 0 } };

	return syscall(SYS_capset, &hdr, data);
}

/* Keep only @cap (in all three sets). */
static int keep_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = { { 0 } };

	data[cap / 32].effective = 1U << (cap % 32);
	data[cap / 32].permitted = 1U << (cap % 32);
	return syscall(SYS_capset, &hdr, data);
}

/* Run @fn in a child; return its exit status (or 255 if it died). */
static int in_child(int (*fn)(int), int arg)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(arg));
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 255;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

/* Child: exit 0 if open fails with @err after dropping capabilities. */
static int open_without_caps(int err)
{
	int fd;

	if (drop_all_caps())
		return 10;
	fd = open(DEV_PATH, O_RDONLY);
	return fd < 0 && errno == err ? 0 : 1;
}

/* Child: exit 0 if open works with only @cap. */
static int open_with_cap(int cap)
{
	int fd;

	if (keep_cap(cap))
		return 10;
	fd = open(DEV_PATH, O_RDWR);
	if (fd < 0)
		return 1;
	/* The file keeps working after the caps are gone: checked at open. */
	if (drop_all_caps())
		return 11;
	return ioctl(fd, RTRACE_IOC_RESET, 0) ? 2 : 0;
}

static int open_as_nobody(int err)
{
	int fd;

	if (setgid(65534) || setuid(65534))
		return 10;
	fd = open(DEV_PATH, O_RDONLY);
	return fd < 0 && errno == err ? 0 : 1;
}

TEST(open_needs_capabilities)
{
	EXPECT_EQ(0, in_child(open_without_caps, EPERM));
	EXPECT_EQ(0, in_child(open_as_nobody, EACCES));
#ifdef CAP_PERFMON
	EXPECT_EQ(0, in_child(open_with_cap, CAP_PERFMON));
#else
	EXPECT_EQ(0, in_child(open_with_cap, 38));
#endif
	EXPECT_EQ(0, in_child(open_with_cap, CAP_SYS_ADMIN));
}

/* Child: with only @cap (not CAP_PERFMON or CAP_SYS_ADMIN), uid 0: EPERM. */
static int open_with_other_cap(int cap)
{
	int fd;

	if (keep_cap(cap))
		return 10;
	fd = open(DEV_PATH, O_RDWR);
	return fd < 0 && errno == EPERM ? 0 : 1;
}

/* Nothing less: no other capability opens the device on its own. */
TEST(no_other_capability_is_enough)
{
	int cap, last = 40, st;
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");

	if (f) {
		if (fscanf(f, "%d", &last) != 1)
			last = 40;
		fclose(f);
	}
	for (cap = 0; cap <= last; cap++) {
		if (cap == CAP_SYS_ADMIN || cap == 38)	/* CAP_PERFMON */
			continue;
		st = in_child(open_with_other_cap, cap);
		EXPECT_EQ(0, st) TH_LOG("capability %d alone: child status %d", cap, st);
	}
}

/*
 * Child with only CAP_PERFMON: the whole interface works - configure,
 * record, read and decode, map both areas, reset.
 */
static int session_with_perfmon(int unused)
{
	static uint8_t buf[1 << 20];
	long pg = getpagesize();
	struct rtrace_info info;
	struct rt_walk w;
	void *ctrl, *meta;
	ssize_t len;
	int fd;

	if (keep_cap(38))
		return 10;
	fd = open(DEV_PATH, O_RDWR);
	if (fd < 0)
		return 1;
	if (rt_setup(fd, 4096, 8, 0) || rt_info(fd, &info) ||
	    ioctl(fd, RTRACE_IOC_START))
		return 2;
	if (rt_gen_write("emit", 500) || ioctl(fd, RTRACE_IOC_STOP))
		return 3;
	len = rt_drain(fd, buf, sizeof(buf), info.read_min);
	if (len <= 0 || rt_walk(&w, buf, len) || w.nr_test != 500)
		return 4;
	if (rt_setup(fd, 4096, 4, 0))
		return 5;
	close(fd);
	fd = open(DEV_PATH, O_RDWR);
	if (fd < 0)
		return 6;
	ctrl = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	meta = mmap(NULL, pg + 2 * 16384, PROT_READ, MAP_SHARED, fd, pg);
	if (ctrl == MAP_FAILED || meta == MAP_FAILED)
		return 7;
	if (*(uint32_t *)meta != RTRACE_MMAP_MAGIC)
		return 8;
	munmap(meta, pg + 2 * 16384);
	munmap(ctrl, pg);
	return rt_reset(fd) ? 9 : 0;
}

TEST(perfmon_alone_is_enough)
{
	ASSERT_EQ(0, rt_modprobe("rtrace_test_gen"));
	EXPECT_EQ(0, in_child(session_with_perfmon, 0));
}

/* Child: nobody, trying the privileged parent's descriptor @fd via /proc. */
static int open_parent_fd_as_nobody(int fd)
{
	char path[64];
	int nfd;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", getppid(), fd);
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return 10;
	nfd = open(path, O_RDWR);
	return nfd < 0 && (errno == EACCES || errno == EPERM) ? 0 : 1;
}

/* Refused with a session too: running, mapped, with a reader. */
TEST(refused_with_a_session)
{
	long pg = getpagesize();
	size_t len = pg + 2 * 16384;
	void *ctrl, *meta;
	int fd;

	fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, rt_setup(fd, 4096, 4, 0));
	ASSERT_EQ(0, ioctl(fd, RTRACE_IOC_START));
	ctrl = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, ctrl);
	meta = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, pg);
	ASSERT_NE(MAP_FAILED, meta);

	EXPECT_EQ(0, in_child(open_without_caps, EPERM));
	EXPECT_EQ(0, in_child(open_as_nobody, EACCES));
	EXPECT_EQ(0, in_child(open_parent_fd_as_nobody, fd));

	munmap(meta, len);
	munmap(ctrl, pg);
	EXPECT_EQ(0, rt_reset(fd));
	close(fd);
}

/* ---- module lifetime ---- */

static int rm_rtrace(void)
{
	return syscall(SYS_delete_module, "rtrace", O_NONBLOCK);
}

static int loaded(void)
{
	return access("/sys/module/rtrace", F_OK) == 0;
}

FIXTURE(mod) {
	int fd;
};

FIXTURE_SETUP(mod)
{
	rt_unload_holders();
	ASSERT_TRUE(loaded());
	self->fd = -1;
}

FIXTURE_TEARDOWN(mod)
{
	if (self->fd >= 0)
		close(self->fd);
	if (!loaded())
		system("insmod " MOD_DIR "rtrace.ko");
	ASSERT_TRUE(loaded());
	rt_modprobe("rtrace_test_gen");
}

#define EXPECT_RMMOD_REFUSED() do {					\
	errno = 0;							\
	EXPECT_EQ(-1, rm_rtrace());					\
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY)		\
		TH_LOG("errno %d (%s)", errno, strerror(errno));	\
	EXPECT_TRUE(loaded());						\
} while (0)

TEST_F(mod, rmmod_refused_while_open)
{
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	EXPECT_RMMOD_REFUSED();
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(0, rm_rtrace()) TH_LOG("rmmod: %s", strerror(errno));
	EXPECT_FALSE(loaded());
}

TEST_F(mod, rmmod_refused_while_mapped)
{
	long pg = getpagesize();
	void *ctrl;

	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, rt_setup(self->fd, 4096, 2, 0));
	ctrl = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, ctrl);
	close(self->fd);
	self->fd = -1;
	EXPECT_RMMOD_REFUSED();
	munmap(ctrl, pg);
	EXPECT_EQ(0, rm_rtrace()) TH_LOG("rmmod: %s", strerror(errno));
}

static void *block_in_read(void *arg)
{
	char buf[65536];
	int fd = *(int *)arg;

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	return NULL;
}

TEST_F(mod, rmmod_refused_while_blocked_in_read)
{
	pthread_t t;
	int fd2;

	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, rt_setup(self->fd, 4096, 2, 0));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	ASSERT_EQ(0, pthread_create(&t, NULL, block_in_read, &self->fd));
	usleep(200000);
	EXPECT_RMMOD_REFUSED();
	/* STOP from another file wakes the reader with EOF. */
	fd2 = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, ioctl(fd2, RTRACE_IOC_STOP));
	close(fd2);
	pthread_join(t, NULL);
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(0, rm_rtrace()) TH_LOG("rmmod: %s", strerror(errno));
}

/* A running session with no file open does not pin the module. */
TEST_F(mod, rmmod_with_running_session)
{
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, rt_setup(self->fd, 4096, 4, 0));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(0, rm_rtrace()) TH_LOG("rmmod: %s", strerror(errno));
	EXPECT_FALSE(loaded());
}

#define GROUP	1234

/* Child: become uid 65534 in group @in_group (or not), with only CAP_PERFMON. */
static int open_as_member(int in_group)
{
	gid_t g = GROUP;
	int fd;

	if (prctl(PR_SET_KEEPCAPS, 1) || setgroups(in_group ? 1 : 0, &g) ||
	    setgid(in_group ? GROUP : 65534) || setuid(65534))
		return 10;
	if (keep_cap(38))	/* CAP_PERFMON */
		return 11;
	fd = open(DEV_PATH, O_RDWR);
	if (in_group)
		return fd >= 0 ? 0 : 1;
	return fd < 0 && errno == EACCES ? 0 : 2;
}

/* Same, in the group but without any capability: EPERM at open. */
static int open_as_member_without_caps(int unused)
{
	gid_t g = GROUP;
	int fd;

	if (setgroups(1, &g) || setgid(GROUP) || setuid(65534))
		return 10;
	fd = open(DEV_PATH, O_RDWR);
	return fd < 0 && errno == EPERM ? 0 : 1;
}

/* group=N: the node is 0660 root:N, and members with CAP_PERFMON may open. */
TEST_F(mod, group_parameter)
{
	struct stat st;

	ASSERT_EQ(0, rm_rtrace()) TH_LOG("rmmod: %s", strerror(errno));
	ASSERT_EQ(0, system("insmod " MOD_DIR "rtrace.ko group=1234"));
	ASSERT_EQ(0, stat(DEV_PATH, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0660, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(GROUP, st.st_gid);
	EXPECT_EQ(0, in_child(open_as_member, 1));
	EXPECT_EQ(0, in_child(open_as_member, 0));
	EXPECT_EQ(0, in_child(open_as_member_without_caps, 0));

	/* Back to the default: root only again. */
	ASSERT_EQ(0, rm_rtrace()) TH_LOG("rmmod: %s", strerror(errno));
	ASSERT_EQ(0, system("insmod " MOD_DIR "rtrace.ko"));
	ASSERT_EQ(0, stat(DEV_PATH, &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_gid);
}

TEST_HARNESS_MAIN
