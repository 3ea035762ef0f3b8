// SPDX-License-Identifier: GPL-2.0
/*
 * module_test: rtrace.ko loads, /dev/rtrace is a root-only char device,
 * open/close works, rmmod is refused while the device is open, while a
 * reader is blocked in read() (its file closed by everyone else), while
 * the data area is mapped (every file closed) and while a client module
 * uses rtrace's symbols, and works once that is released; the module loads
 * again afterwards.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rtrace_test_harness.h"
#include "rtrace_test_util.h"

#define MOD_NAME	"rtrace"
#define MOD_PATH	"/rtrace/modules/rtrace.ko"

static int mod_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

static int mod_remove(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

static int mod_insert(const char *path)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, "", 0);
	close(fd);
	return ret;
}

/* Unload modules that use rtrace (test generators, benchmarks). */
static void remove_holders(void)
{
	struct dirent *de;
	DIR *dir;

	dir = opendir("/sys/module/" MOD_NAME "/holders");
	if (!dir)
		return;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			mod_remove(de->d_name);
	closedir(dir);
}

FIXTURE(module) {
	int fd;
};

FIXTURE_SETUP(module)
{
	self->fd = -1;
	if (!mod_loaded(MOD_NAME))
		ASSERT_EQ(0, mod_insert(MOD_PATH)) TH_LOG("insmod: %s", strerror(errno));
}

FIXTURE_TEARDOWN(module)
{
	if (self->fd >= 0)
		close(self->fd);
	/* Leave the module loaded for whatever runs next. */
	if (!mod_loaded(MOD_NAME))
		mod_insert(MOD_PATH);
}

TEST_F(module, loaded)
{
	ASSERT_TRUE(mod_loaded(MOD_NAME));
}

TEST_F(module, device_node)
{
	struct stat st;

	ASSERT_EQ(0, stat(DEV_PATH, &st)) TH_LOG("stat: %s", strerror(errno));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_gid);
}

TEST_F(module, open_close)
{
	self->fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open: %s", strerror(errno));
	EXPECT_EQ(0, close(self->fd));
	self->fd = -1;
}

TEST_F(module, rmmod_refused_while_open)
{
	struct stat st;

	remove_holders();
	self->fd = open(DEV_PATH, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open: %s", strerror(errno));

	errno = 0;
	EXPECT_EQ(-1, mod_remove(MOD_NAME));
	EXPECT_TRUE(errno == EBUSY || errno == EAGAIN)
		TH_LOG("rmmod while open: errno %d (%s)", errno, strerror(errno));
	EXPECT_TRUE(mod_loaded(MOD_NAME));
	EXPECT_EQ(0, stat(DEV_PATH, &st));

	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	ASSERT_EQ(0, mod_remove(MOD_NAME)) TH_LOG("rmmod after close: %s", strerror(errno));
	EXPECT_FALSE(mod_loaded(MOD_NAME));
	EXPECT_EQ(-1, stat(DEV_PATH, &st));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(module, reload)
{
	struct stat st;

	remove_holders();
	ASSERT_EQ(0, mod_remove(MOD_NAME)) TH_LOG("rmmod: %s", strerror(errno));
	ASSERT_EQ(0, mod_insert(MOD_PATH)) TH_LOG("insmod: %s", strerror(errno));
	ASSERT_TRUE(mod_loaded(MOD_NAME));
	ASSERT_EQ(0, stat(DEV_PATH, &st));
	self->fd = open(DEV_PATH, O_RDONLY | O_CLOEXEC);
	EXPECT_LE(0, self->fd) TH_LOG("open after reload: %s", strerror(errno));
}

/* rmmod must fail while something holds the module, and not unload it. */
#define EXPECT_RMMOD_REFUSED(what) do {					\
	errno = 0;							\
	EXPECT_EQ(-1, mod_remove(MOD_NAME)) TH_LOG("rmmod %s", what);	\
	EXPECT_TRUE(errno == EBUSY || errno == EAGAIN)			\
		TH_LOG("rmmod %s: errno %d (%s)", what, errno, strerror(errno)); \
	EXPECT_TRUE(mod_loaded(MOD_NAME));				\
} while (0)

/* A configured session (not started: a reader blocks), made from @fd. */
static int configure(int fd)
{
	return rt_setup(fd, 4096, 4, 0);
}

TEST_F(module, rmmod_refused_while_reader_blocked)
{
	int status, i;
	pid_t pid;

	remove_holders();
	self->fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, configure(self->fd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char buf[65536];
		int fd = open(DEV_PATH, O_RDONLY);

		/* the header, then it blocks: the session never starts */
		while (fd >= 0 && read(fd, buf, sizeof(buf)) > 0)
			;
		_exit(1);
	}
	close(self->fd);
	self->fd = -1;
	/* until the child is blocked: it is the consumer, and still there */
	for (i = 0; i < 200; i++) {
		struct rtrace_info info;
		int fd = open(DEV_PATH, O_RDONLY | O_CLOEXEC);

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, rt_info(fd, &info));
		close(fd);
		if (info.has_consumer)
			break;
		usleep(10000);
	}
	usleep(200000);
	ASSERT_EQ(0, waitpid(pid, &status, WNOHANG)) TH_LOG("the reader did not block");
	EXPECT_RMMOD_REFUSED("while a reader is blocked");

	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, mod_remove(MOD_NAME)) TH_LOG("rmmod after the reader: %s", strerror(errno));
	EXPECT_FALSE(mod_loaded(MOD_NAME));
}

TEST_F(module, rmmod_refused_while_mapped)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t len = pg + 2 * 65536;
	void *meta;

	remove_holders();
	self->fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, configure(self->fd));
	meta = mmap(NULL, len, PROT_READ, MAP_SHARED, self->fd, RTRACE_MMAP_PGOFF_META * pg);
	ASSERT_NE(MAP_FAILED, meta) TH_LOG("mmap: %s", strerror(errno));
	/* no file descriptor left: the mapping alone holds the file */
	close(self->fd);
	self->fd = -1;
	EXPECT_RMMOD_REFUSED("while the data area is mapped");

	ASSERT_EQ(0, munmap(meta, len));
	ASSERT_EQ(0, mod_remove(MOD_NAME)) TH_LOG("rmmod after munmap: %s", strerror(errno));
	EXPECT_FALSE(mod_loaded(MOD_NAME));
}

TEST_F(module, rmmod_refused_while_client_loaded)
{
	remove_holders();
	ASSERT_EQ(0, mod_insert(MOD_DIR "rtrace_test_gen.ko")) TH_LOG("insmod: %s",
								      strerror(errno));
	EXPECT_RMMOD_REFUSED("while rtrace_test_gen is loaded");

	ASSERT_EQ(0, mod_remove("rtrace_test_gen")) TH_LOG("rmmod gen: %s", strerror(errno));
	ASSERT_EQ(0, mod_remove(MOD_NAME)) TH_LOG("rmmod after the client: %s", strerror(errno));
	EXPECT_FALSE(mod_loaded(MOD_NAME));
}

TEST_HARNESS_MAIN
