// SPDX-License-Identifier: GPL-2.0
/*
 * lockdown_test: /dev/rtrace refuses new opens under lockdown=confidentiality.
 *
 * The stream shows what the kernel does, as tracefs does, so rtrace asks
 * security_locked_down(LOCKDOWN_TRACEFS) at open.  Raising the lockdown level
 * cannot be undone before a reboot (and blocks loading unsigned modules), so
 * run_all never runs this program by itself: make check runs it explicitly as
 * the last command of each VM boot.  Skipped where the kernel has no lockdown
 * LSM (the debug kernel's small config).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "rtrace_test_harness.h"

#define LOCKDOWN	"/sys/kernel/security/lockdown"
#define LEVEL		"confidentiality"

TEST(open_refused_under_confidentiality)
{
	char level[128] = { 0 };
	int lfd, fd, early;

	/* Already mounted is fine; missing securityfs means no lockdown file. */
	mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL);
	lfd = open(LOCKDOWN, O_RDWR);
	if (lfd < 0)
		SKIP(return, "no lockdown LSM in this kernel: %s", strerror(errno));
	ASSERT_LT(0, read(lfd, level, sizeof(level) - 1));
	TH_LOG("lockdown levels: %s", level);
	ASSERT_EQ(NULL, strstr(level, "[" LEVEL "]")) TH_LOG("already locked down");

	early = open("/dev/rtrace", O_RDWR);
	ASSERT_LE(0, early) TH_LOG("open before lockdown: %s", strerror(errno));

	ASSERT_EQ((ssize_t)strlen(LEVEL), write(lfd, LEVEL, strlen(LEVEL)))
		TH_LOG("raising lockdown: %s", strerror(errno));
	close(lfd);

	errno = 0;
	fd = open("/dev/rtrace", O_RDWR);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EPERM, errno) TH_LOG("open under lockdown: %s", strerror(errno));
	if (fd >= 0)
		close(fd);

	/* A file opened before the lockdown still answers (as tracefs files do). */
	EXPECT_EQ(0, close(early));
}

TEST_HARNESS_MAIN
