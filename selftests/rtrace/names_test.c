// SPDX-License-Identifier: GPL-2.0
/*
 * names_test: task names (RTRACE_SOURCE_TASK_NAMES, struct rtrace_task_name
 * in uapi/linux/rtrace.h).  A process that exists before the session
 * starts is named by the snapshot; a child created during the session is
 * named at fork, and again by its new name after prctl(PR_SET_NAME), which
 * is its latest record by timestamp; a child that execs is named after the
 * program.  Every START snapshots again.  A snapshot that does not fit the
 * ring (discard mode, nobody reading) loses names, and every lost one is
 * counted (RTRACE_LOST_FULL).  Kernel-event sources bring names along.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "rtrace_test_harness.h"
#include "rtrace_test_util.h"

#define BIG		(16 << 20)
#define MAX_NAMES	100000

struct name_rec {
	uint64_t ts;
	uint32_t pid;
	uint32_t tgid;
	char comm[32];
};

static struct name_rec recs[MAX_NAMES];
static unsigned int nr_recs;
static struct rt_walk walk;

/* Collect every task_name record of a stream.  Return: 0 or -1. */
static int collect(const uint8_t *buf, size_t len, int *has_desc)
{
	struct rt_cursor c;
	struct rt_record r;
	int ret;

	nr_recs = 0;
	*has_desc = 0;
	if (rt_walk(&walk, buf, len))
		return -1;
	*has_desc = rt_has_raw_desc(buf, len, RTRACE_EV_TASK_NAME, "task_name");
	rt_cursor_init(&c, buf, len);
	while ((ret = rt_cursor_next(&c, &r)) > 0) {
		struct name_rec *n = &recs[nr_recs];

		if (r.type != RTRACE_EV_TASK_NAME)
			continue;
		if (r.n != RTRACE_REC_RAW || r.raw_len < RTRACE_TASK_NAME_MIN ||
		    r.raw_len > RTRACE_TASK_NAME_MIN + 15 || nr_recs == MAX_NAMES)
			return -1;
		n->ts = c.ts;
		memcpy(&n->pid, r.raw, 4);
		memcpy(&n->tgid, r.raw + 4, 4);
		memset(n->comm, 0, sizeof(n->comm));
		memcpy(n->comm, r.raw + 8, r.raw_len - 8);
		nr_recs++;
	}
	return ret;
}

/* The latest record of @pid by timestamp, or NULL; *@count: its records. */
static const struct name_rec *latest(uint32_t pid, unsigned int *count)
{
	const struct name_rec *best = NULL;
	unsigned int i;

	*count = 0;
	for (i = 0; i < nr_recs; i++) {
		if (recs[i].pid != pid)
			continue;
		(*count)++;
		if (!best || recs[i].ts >= best->ts)
			best = &recs[i];
	}
	return best;
}

/* Is there a record of @pid with @comm? */
static int has(uint32_t pid, const char *comm)
{
	unsigned int i;

	for (i = 0; i < nr_recs; i++)
		if (recs[i].pid == pid && !strcmp(recs[i].comm, comm))
			return 1;
	return 0;
}

FIXTURE(nm) {
	int fd;
	uint8_t *buf;
};

FIXTURE_SETUP(nm)
{
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", DEV_PATH, strerror(errno));
	ASSERT_EQ(0, rt_reset(self->fd));
	self->buf = malloc(BIG);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(nm)
{
	rt_reset(self->fd);
	close(self->fd);
	free(self->buf);
}

static int configure(int fd, uint32_t subbuf, unsigned int nr, uint64_t sources)
{
	struct rtrace_config cfg;

	rt_config_init(&cfg, subbuf, (uint64_t)subbuf * nr);
	cfg.sources = sources;
	return ioctl(fd, RTRACE_IOC_CONFIGURE, &cfg) ? -errno : 0;
}

static ssize_t stop_and_drain(int fd, uint8_t *buf)
{
	if (ioctl(fd, RTRACE_IOC_STOP))
		return -errno;
	return rt_drain(fd, buf, BIG, 1 << 20);
}

/*
 * A child that names itself @name, says so, then waits for its pipe to
 * close.  Returns once the name is set: a fixed wait for it lost the race
 * on a loaded host, and the rename then landed inside the session.
 */
static pid_t sleeper(const char *name, int *wfd)
{
	int p[2], done[2];
	pid_t pid;
	char c = 0;

	if (pipe(p))
		return -1;
	if (pipe(done)) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	pid = fork();
	if (!pid) {
		close(p[1]);
		close(done[0]);
		prctl(PR_SET_NAME, name);
		write(done[1], &c, 1);
		read(p[0], &c, 1);
		_exit(0);
	}
	close(p[0]);
	close(done[1]);
	if (pid < 0 || read(done[0], &c, 1) != 1) {
		close(p[1]);
		close(done[0]);
		return -1;
	}
	close(done[0]);
	*wfd = p[1];
	return pid;
}

TEST_F(nm, snapshot_fork_rename_exec)
{
	const struct name_rec *r;
	unsigned int count;
	int has_desc, wfd, st;
	pid_t pre, child, execer;
	ssize_t n;

	pre = sleeper("rt_pre_exist", &wfd);
	ASSERT_LT(0, pre);
	ASSERT_EQ(0, configure(self->fd, 4096, 64, RTRACE_SOURCE_KAPI | RTRACE_SOURCE_TASK_NAMES));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));

	child = fork();
	if (!child) {
		prctl(PR_SET_NAME, "rt_child_nm");
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &st, 0));
	execer = fork();
	if (!execer) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	ASSERT_EQ(execer, waitpid(execer, &st, 0));
	EXPECT_EQ(0, st);

	n = stop_and_drain(self->fd, self->buf);
	close(wfd);
	waitpid(pre, &st, 0);
	ASSERT_LT(0, n);
	ASSERT_EQ(0, collect(self->buf, n, &has_desc)) TH_LOG("%s", walk.error ?: "task_name");
	EXPECT_EQ(1, has_desc);
	EXPECT_EQ(0, walk.lost_all);
	TH_LOG("%u task_name records", nr_recs);

	/* The snapshot: the process from before, init, this test. */
	r = latest(pre, &count);
	ASSERT_NE(NULL, r);
	EXPECT_STREQ("rt_pre_exist", r->comm);
	EXPECT_EQ((uint32_t)pre, r->tgid);
	EXPECT_EQ(1, count);
	EXPECT_NE(NULL, latest(1, &count));
	ASSERT_NE(NULL, latest(getpid(), &count));

	/* Forked with the parent's name, renamed: the latest is the new name. */
	r = latest(child, &count);
	ASSERT_NE(NULL, r);
	EXPECT_STREQ("rt_child_nm", r->comm);
	EXPECT_EQ((uint32_t)child, r->tgid);
	EXPECT_LE(2, count);
	EXPECT_EQ(1, has(child, latest(getpid(), &count)->comm));

	/* exec: named after the program. */
	r = latest(execer, &count);
	ASSERT_NE(NULL, r);
	EXPECT_STREQ("true", r->comm);
}

static void *idle_thread(void *arg)
{
	int fd = *(int *)arg;
	char c;

	read(fd, &c, 1);
	return NULL;
}

/* 1200 threads to create: slow in a loaded TCG guest. */
TEST_F_TIMEOUT(nm, start_again_snapshots_again_and_losses_are_counted, 600)
{
	enum { NR_THREADS = 1200 };
	static pthread_t th[NR_THREADS];
	pthread_attr_t attr;
	struct rt_totals t;
	unsigned int i, count, mine = 0;
	int p[2], has_desc;
	ssize_t n;

	/*
	 * Small rings, nobody reading: 1200 threads' names (about 30 KiB) do
	 * not fit in 8 KiB per CPU.
	 */
	ASSERT_EQ(0, pipe(p));
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	for (i = 0; i < NR_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&th[i], &attr, idle_thread, &p[0]));
	ASSERT_EQ(0, configure(self->fd, 4096, 2, RTRACE_SOURCE_TASK_NAMES));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	ASSERT_EQ(0, rt_stats(self->fd, &t));
	EXPECT_LT(0, t.lost[RTRACE_LOST_FULL]);
	EXPECT_LE(NR_THREADS, t.written + t.lost[RTRACE_LOST_FULL]);
	TH_LOG("snapshot: %llu written, %llu lost",
	       (unsigned long long)t.written, (unsigned long long)t.lost[RTRACE_LOST_FULL]);
	n = stop_and_drain(self->fd, self->buf);
	ASSERT_LT(0, n);
	ASSERT_EQ(0, collect(self->buf, n, &has_desc)) TH_LOG("%s", walk.error ?: "task_name");
	EXPECT_EQ(t.written, nr_recs);
	EXPECT_EQ(t.lost[RTRACE_LOST_FULL], walk.lost[RTRACE_LOST_FULL]);
	close(p[1]);
	for (i = 0; i < NR_THREADS; i++)
		pthread_join(th[i], NULL);

	/* Room enough: START, STOP, START snapshots twice. */
	ASSERT_EQ(0, configure(self->fd, 4096, 64, RTRACE_SOURCE_TASK_NAMES));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	n = stop_and_drain(self->fd, self->buf);
	ASSERT_LT(0, n);
	ASSERT_EQ(0, collect(self->buf, n, &has_desc)) TH_LOG("%s", walk.error ?: "task_name");
	EXPECT_EQ(0, walk.lost_all);
	latest(getpid(), &count);
	EXPECT_EQ(2, count);
	for (i = 0; i < nr_recs; i++)
		mine += recs[i].tgid == (uint32_t)getpid();
	EXPECT_EQ(2, mine);
}

TEST_F(nm, kernel_sources_bring_names)
{
	struct rtrace_info info;

	ASSERT_EQ(0, configure(self->fd, 4096, 4, RTRACE_SOURCE_TASK_NAMES));
	ASSERT_EQ(0, rt_info(self->fd, &info));
	EXPECT_EQ(RTRACE_SOURCE_TASK_NAMES, info.sources);
	EXPECT_TRUE(info.sources_supported & RTRACE_SOURCE_TASK_NAMES);
	ASSERT_EQ(0, configure(self->fd, 4096, 4, RTRACE_SOURCE_KAPI));
	ASSERT_EQ(0, rt_info(self->fd, &info));
	EXPECT_EQ(RTRACE_SOURCE_KAPI, info.sources);
	if (!(info.sources_supported & RTRACE_SOURCE_SCHED))
		SKIP(return, "this module has no sched source yet");
	ASSERT_EQ(0, configure(self->fd, 4096, 4, RTRACE_SOURCE_SCHED));
	ASSERT_EQ(0, rt_info(self->fd, &info));
	EXPECT_EQ(RTRACE_SOURCE_SCHED | RTRACE_SOURCE_TASK_NAMES, info.sources);
}

TEST_HARNESS_MAIN
