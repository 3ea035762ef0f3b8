// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: the PID filter of the kernel event sources (rtrace_config.pids_ptr,
 * nr_pids, pid_flags; kmod/sources/pids.[ch]), in a real kernel.
 *
 * Children are forked before CONFIGURE and held on a pipe, so their pids
 * can be put into the filter; START lets them run.  Each test records, reads
 * the whole stream back (CRCs, sequence numbers, and no event counted lost:
 * filtered events are not losses) and counts what came through:
 *   - two children make known numbers of getppid(): with one of them in the
 *     set only its calls appear, exactly; its sched_switch events (prev or
 *     next), its wakeups and its exit, nobody else's; interrupts still
 *     appear.  The same workload unfiltered shows both (so the test can fail);
 *   - follow: a filtered child forks a grandchild that makes N getppid():
 *     they appear with RTRACE_PIDS_FOLLOW, not without; the set grows by one;
 *   - RTRACE_PIDS_TGID: a process id matches the process's threads, a
 *     thread id does not;
 *   - a full set: the grandchild cannot join, rtrace_info.pids_full says so;
 *   - bad configurations get their documented errno and leave the session.
 *
 * Needs rtrace.ko loaded.  Run as:
 *   filter_test                 (the harness)
 *   filter_test --getppid N     N getppid() calls, then exit (vm_cli.sh's workload)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rtrace_test_harness.h"
#include "rtrace_test_util.h"
#include "rtrace_test_cap.h"

#define N_A		37	/* getppid() calls of child A */
#define N_B		53	/* ... of child B */
#define N_G		29	/* ... of a grandchild or a thread */

/* ---- children held until the session records ---- */

typedef void (*child_fn)(void);

struct kid {
	pid_t pid;
	int go;		/* write end: a byte lets the child run */
};

static void getppids(int n)
{
	int i;

	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
}

/* Fork a child that runs @fn once released by kid_go(), then exits. */
static int kid_spawn(struct kid *k, child_fn fn)
{
	struct timespec ts = { 0, 30 * 1000 * 1000 };
	int p[2];
	char c;

	if (pipe(p))
		return -1;
	k->pid = fork();
	if (k->pid < 0)
		return -1;
	if (!k->pid) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(1);
		fn();
		/* A timer interrupt while the session still runs. */
		nanosleep(&ts, NULL);
		_exit(0);
	}
	close(p[0]);
	k->go = p[1];
	return 0;
}

static int kid_go_wait(struct kid *k)
{
	int st;

	if (write(k->go, "g", 1) != 1)
		return -1;
	close(k->go);
	if (waitpid(k->pid, &st, 0) != k->pid)
		return -1;
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -1;
}

static void child_a(void)
{
	getppids(N_A);
}

static void child_b(void)
{
	getppids(N_B);
}

/* A child that forks a grandchild making N_G getppid() and waits for it. */
static void child_forks(void)
{
	pid_t g = fork();
	int st;

	if (!g) {
		getppids(N_G);
		_exit(0);
	}
	if (g < 0 || waitpid(g, &st, 0) != g)
		_exit(1);
}

static void *thread_fn(void *arg)
{
	getppids(N_G);
	return NULL;
}

/* A child whose second thread makes N_G getppid(). */
static void child_threads(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, thread_fn, NULL) || pthread_join(t, NULL))
		_exit(1);
}

static struct kid kids[2];
static int nr_kids;
static int kids_failed;

/* The workload: release the children, wait for them. */
static void wl_kids(void *arg)
{
	int i;

	for (i = 0; i < nr_kids; i++)
		kids_failed |= kid_go_wait(&kids[i]) != 0;
}

/* ---- counting ---- */

struct counts {
	unsigned int getppid_enter;	/* sys_enter of getppid, anyone's */
	unsigned int getppid_exit;	/* sys_exit of getppid */
	unsigned int switches, switches_other;	/* of the filtered task, of nobody in it */
	unsigned int wakeups, wakeups_other;
	unsigned int exits, exits_other;
	unsigned int forks;		/* sched_process_fork with parent @pid */
	unsigned int irqs;		/* any event of the irq group */
};

static int is_irq_event(uint32_t t)
{
	return t == RTRACE_EV_IRQ_HANDLER_ENTRY || t == RTRACE_EV_IRQ_HANDLER_EXIT ||
	       (t >= RTRACE_EV_SOFTIRQ_ENTRY && t <= RTRACE_EV_NMI_HANDLER);
}

/* Count @c's events; "of the filtered task" means naming @pid. */
static void count(const struct cap *c, uint64_t pid, struct counts *n)
{
	size_t i;

	memset(n, 0, sizeof(*n));
	for (i = 0; i < c->nr; i++) {
		const struct ev *e = &c->ev[i];

		switch (e->type) {
		case RTRACE_EV_SYS_ENTER:
			n->getppid_enter += e->a[0] == SYS_getppid;
			break;
		case RTRACE_EV_SYS_EXIT:
			n->getppid_exit += e->a[0] == SYS_getppid;
			break;
		case RTRACE_EV_SCHED_SWITCH:
			if (e->a[0] == pid || e->a[3] == pid)
				n->switches++;
			else
				n->switches_other++;
			break;
		case RTRACE_EV_SCHED_WAKEUP:
			if (e->a[0] == pid)
				n->wakeups++;
			else
				n->wakeups_other++;
			break;
		case RTRACE_EV_SCHED_PROCESS_EXIT:
			if (e->a[0] == pid)
				n->exits++;
			else
				n->exits_other++;
			break;
		case RTRACE_EV_SCHED_PROCESS_FORK:
			n->forks += e->a[0] == pid;
			break;
		default:
			n->irqs += is_irq_event(e->type);
		}
	}
}

FIXTURE(flt) {
	int fd;
	struct cap c;
	struct rtrace_config cfg;
	uint32_t ids[RTRACE_PIDS_MAX];
};

FIXTURE_SETUP(flt)
{
	uint64_t want = EV(RTRACE_EV_SYS_ENTER) | EV(RTRACE_EV_SYS_EXIT) |
			EV(RTRACE_EV_SCHED_SWITCH) | EV(RTRACE_EV_SCHED_WAKEUP) |
			EV(RTRACE_EV_SCHED_PROCESS_EXIT) | EV(RTRACE_EV_SCHED_PROCESS_FORK);

	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", DEV_PATH, strerror(errno));
	memset(&self->c, 0, sizeof(self->c));
	if ((avail_events(self->fd) & want) != want)
		SKIP(return, "sched/syscall tracepoints missing on this kernel");
	/* The irq group too, where this kernel has it: interrupts pass the filter. */
	cap_config(&self->cfg, 0, want | (avail_events(self->fd) &
					  (EV(RTRACE_EV_LOCAL_TIMER_ENTRY) |
					   EV(RTRACE_EV_LOCAL_TIMER_EXIT))));
	nr_kids = 0;
	kids_failed = 0;
}

FIXTURE_TEARDOWN(flt)
{
	rt_reset(self->fd);
	close(self->fd);
	free(self->c.ev);
}

/* Spawn the children (held), configure with @nr ids of self->ids, record. */
static int record_kids(struct __test_metadata *_metadata, FIXTURE_DATA(flt) *self,
		       child_fn *fns, int n, uint32_t nr, uint32_t flags, struct cap *c)
{
	int i;

	nr_kids = n;
	for (i = 0; i < n; i++)
		if (kid_spawn(&kids[i], fns[i]))
			return -1;
	for (i = 0; i < (int)nr; i++)
		if (!self->ids[i])
			self->ids[i] = kids[i].pid;	/* 0: the i-th child */
	self->cfg.nr_pids = nr;
	self->cfg.pids_ptr = nr ? (uintptr_t)self->ids : 0;
	self->cfg.pid_flags = flags;
	return cap_record_cfg(self->fd, &self->cfg, wl_kids, NULL, c);
}

/* One child in the set, the other not: only the first one's events. */
TEST_F(flt, only_chosen_task)
{
	child_fn fns[2] = { child_a, child_b };
	struct rtrace_info info;
	struct counts n;

	/* Control: unfiltered, both children's calls are there. */
	ASSERT_EQ(0, record_kids(_metadata, self, fns, 2, 0, 0, &self->c));
	ASSERT_EQ(NULL, self->c.error) TH_LOG("stream: %s", self->c.error);
	ASSERT_EQ(0, kids_failed);
	count(&self->c, kids[0].pid, &n);
	EXPECT_LE(N_A + N_B, n.getppid_enter);
	EXPECT_LT(0, n.switches_other);

	memset(self->ids, 0, sizeof(self->ids));
	ASSERT_EQ(0, record_kids(_metadata, self, fns, 2, 1, 0, &self->c));
	ASSERT_EQ(NULL, self->c.error) TH_LOG("stream: %s", self->c.error);
	ASSERT_EQ(0, kids_failed);
	count(&self->c, kids[0].pid, &n);
	TH_LOG("getppid %u/%u, switches %u (other %u), wakeups %u (other %u), exits %u (other %u), irq %u",
	       n.getppid_enter, n.getppid_exit, n.switches, n.switches_other, n.wakeups,
	       n.wakeups_other, n.exits, n.exits_other, n.irqs);
	/* A's calls, all of them, and nobody else's (B's, the machine's). */
	EXPECT_EQ(N_A, n.getppid_enter);
	EXPECT_EQ(N_A, n.getppid_exit);
	/* sched_switch: A is prev or next; sched_wakeup: A is woken; its exit. */
	EXPECT_LE(2, n.switches);	/* switched in after its pipe read, out at exit */
	EXPECT_EQ(0, n.switches_other);	/* the idle tasks (pid 0) included */
	EXPECT_LE(1, n.wakeups);	/* woken from the pipe read */
	EXPECT_EQ(0, n.wakeups_other);
	EXPECT_EQ(1, n.exits);
	EXPECT_EQ(0, n.exits_other);
	/* Interrupts belong to the CPU: they pass (A slept 30 ms on a timer). */
	if (self->cfg.events & EV(RTRACE_EV_LOCAL_TIMER_ENTRY))
		EXPECT_LT(0, n.irqs);
	ASSERT_EQ(0, rt_info(self->fd, &info));
	EXPECT_EQ(1, info.nr_pids);
	EXPECT_EQ(0, info.pid_flags);
	EXPECT_EQ(0, info.pids_full);
}

/* A filtered child's own child: in with RTRACE_PIDS_FOLLOW, out without. */
TEST_F(flt, follow_children)
{
	child_fn fns[1] = { child_forks };
	struct rtrace_info info;
	struct counts n;

	memset(self->ids, 0, sizeof(self->ids));
	ASSERT_EQ(0, record_kids(_metadata, self, fns, 1, 1, RTRACE_PIDS_FOLLOW, &self->c));
	ASSERT_EQ(NULL, self->c.error) TH_LOG("stream: %s", self->c.error);
	ASSERT_EQ(0, kids_failed);
	count(&self->c, kids[0].pid, &n);
	EXPECT_EQ(N_G, n.getppid_enter);
	EXPECT_EQ(N_G, n.getppid_exit);
	EXPECT_EQ(1, n.forks);
	ASSERT_EQ(0, rt_info(self->fd, &info));
	EXPECT_EQ(2, info.nr_pids);	/* the child and the grandchild */
	EXPECT_EQ(RTRACE_PIDS_FOLLOW, info.pid_flags);
	EXPECT_EQ(0, info.pids_full);

	memset(self->ids, 0, sizeof(self->ids));
	ASSERT_EQ(0, record_kids(_metadata, self, fns, 1, 1, 0, &self->c));
	ASSERT_EQ(NULL, self->c.error) TH_LOG("stream: %s", self->c.error);
	ASSERT_EQ(0, kids_failed);
	count(&self->c, kids[0].pid, &n);
	EXPECT_EQ(0, n.getppid_enter);
	EXPECT_EQ(1, n.forks);		/* the parent's event: it is in the set */
	ASSERT_EQ(0, rt_info(self->fd, &info));
	EXPECT_EQ(1, info.nr_pids);
}

/* RTRACE_PIDS_TGID: a process id matches its threads; a thread id does not. */
TEST_F(flt, tgid_matches_threads)
{
	child_fn fns[1] = { child_threads };
	struct counts n;

	memset(self->ids, 0, sizeof(self->ids));
	ASSERT_EQ(0, record_kids(_metadata, self, fns, 1, 1, RTRACE_PIDS_TGID, &self->c));
	ASSERT_EQ(NULL, self->c.error) TH_LOG("stream: %s", self->c.error);
	ASSERT_EQ(0, kids_failed);
	count(&self->c, kids[0].pid, &n);
	EXPECT_EQ(N_G, n.getppid_enter);

	memset(self->ids, 0, sizeof(self->ids));
	ASSERT_EQ(0, record_kids(_metadata, self, fns, 1, 1, 0, &self->c));
	ASSERT_EQ(NULL, self->c.error) TH_LOG("stream: %s", self->c.error);
	ASSERT_EQ(0, kids_failed);
	count(&self->c, kids[0].pid, &n);
	EXPECT_EQ(0, n.getppid_enter);

	/* A thread created by a task of the set follows it. */
	memset(self->ids, 0, sizeof(self->ids));
	ASSERT_EQ(0, record_kids(_metadata, self, fns, 1, 1, RTRACE_PIDS_FOLLOW, &self->c));
	ASSERT_EQ(NULL, self->c.error) TH_LOG("stream: %s", self->c.error);
	ASSERT_EQ(0, kids_failed);
	count(&self->c, kids[0].pid, &n);
	EXPECT_EQ(N_G, n.getppid_enter);
}

/* A full set: the grandchild is not added, and the count says so. */
TEST_F(flt, full_set_is_counted)
{
	child_fn fns[1] = { child_forks };
	struct rtrace_info info;
	struct counts n;
	uint32_t i;

	/* The child and RTRACE_PIDS_MAX - 1 ids above any pid the VM hands out. */
	self->ids[0] = 0;
	for (i = 1; i < RTRACE_PIDS_MAX; i++)
		self->ids[i] = 4194304 - i;
	ASSERT_EQ(0, record_kids(_metadata, self, fns, 1, RTRACE_PIDS_MAX, RTRACE_PIDS_FOLLOW,
				 &self->c));
	ASSERT_EQ(NULL, self->c.error) TH_LOG("stream: %s", self->c.error);
	ASSERT_EQ(0, kids_failed);
	count(&self->c, kids[0].pid, &n);
	EXPECT_EQ(0, n.getppid_enter);
	EXPECT_EQ(1, n.forks);
	ASSERT_EQ(0, rt_info(self->fd, &info));
	EXPECT_EQ(RTRACE_PIDS_MAX, info.nr_pids);
	EXPECT_EQ(1, info.pids_full);
}

/* Bad configurations: their errno, and the session as it was. */
TEST_F(flt, bad_config)
{
	struct rtrace_config c = self->cfg;
	struct rtrace_info before, after;
	uint32_t i;
	uint32_t ids[2] = { (uint32_t)getpid(), (uint32_t)getpid() };
	struct {
		struct rtrace_config cfg;
		uint8_t tail[8];
	} big;

	ASSERT_EQ(0, rt_reset(self->fd));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &c));
	ASSERT_EQ(0, rt_info(self->fd, &before));
	EXPECT_EQ(0, before.nr_pids);

	c.pids_ptr = (uintptr_t)self->ids;
	c.nr_pids = RTRACE_PIDS_MAX + 1;		/* too many */
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &c));
	c.nr_pids = 0xffffffff;
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &c));
	c.nr_pids = 1;
	c.pids_ptr = 0;					/* ids without a pointer */
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &c));
	c.pids_ptr = (uintptr_t)ids;
	c.nr_pids = 0;					/* a pointer without ids */
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &c));
	c.pids_ptr = 0;
	c.pid_flags = RTRACE_PIDS_FOLLOW;		/* flags without a filter */
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &c));
	c.pids_ptr = (uintptr_t)ids;
	c.nr_pids = 1;
	c.pid_flags = 1U << 2;				/* unknown flag */
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &c));
	c.pid_flags = 1U << 31;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &c));
	c.pid_flags = 0;
	ids[0] = 0;					/* id 0 */
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &c));
	ids[0] = 4194305;				/* above PID_MAX_LIMIT */
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &c));
	ids[0] = (uint32_t)-1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &c));
	c.pids_ptr = 16;				/* unreadable */
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &c));
	c.pids_ptr = (uintptr_t)ids;
	c.reserved1 = 1;				/* the reserved fields still count */
	ids[0] = (uint32_t)getpid();
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &c));
	c.reserved1 = 0;

	/* Nothing of it touched the session. */
	ASSERT_EQ(0, rt_info(self->fd, &after));
	EXPECT_EQ(before.session_id, after.session_id);
	EXPECT_EQ(RTRACE_STATE_CONFIGURED, after.state);
	EXPECT_EQ(0, after.nr_pids);

	/* Good ones: duplicates count once; an older caller's size has no filter. */
	c.nr_pids = 2;
	c.pid_flags = RTRACE_PIDS_FOLLOW | RTRACE_PIDS_TGID;
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &c));
	ASSERT_EQ(0, rt_info(self->fd, &after));
	EXPECT_EQ(1, after.nr_pids);
	EXPECT_EQ(RTRACE_PIDS_FOLLOW | RTRACE_PIDS_TGID, after.pid_flags);
	c.size = RTRACE_CONFIG_SIZE_VER1;
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &c));
	ASSERT_EQ(0, rt_info(self->fd, &after));
	EXPECT_EQ(0, after.nr_pids);
	EXPECT_EQ(0, after.pid_flags);
	/* A newer caller's zero tail is fine with a filter too. */
	memset(&big, 0, sizeof(big));
	big.cfg = c;
	big.cfg.size = sizeof(big);
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &big.cfg));
	ASSERT_EQ(0, rt_info(self->fd, &after));
	EXPECT_EQ(1, after.nr_pids);
	/* Exactly RTRACE_PIDS_MAX ids are accepted. */
	for (i = 0; i < RTRACE_PIDS_MAX; i++)
		self->ids[i] = i + 1;
	c.size = sizeof(c);
	c.pids_ptr = (uintptr_t)self->ids;
	c.nr_pids = RTRACE_PIDS_MAX;
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &c));
	ASSERT_EQ(0, rt_info(self->fd, &after));
	EXPECT_EQ(RTRACE_PIDS_MAX, after.nr_pids);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--getppid")) {
		getppids(atoi(argv[2]));
		return 0;
	}
	return test_harness_run(argc, argv);
}
