// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: the kernel tracepoint sources (kmod/sources/tracepoints.c) and
 * event selection (rtrace_config.events), in a real kernel.
 *
 * Each test records a known workload with a chosen set of events, reads
 * the stream back, checks it (CRCs, sequence numbers, no loss) and decodes
 * it independently of librtrace:
 *   - a child's fork, exec, exactly N getppid() and one write() with known
 *     arguments (sys_enter/sys_exit, attributed through sched_switch) and
 *     its exit;
 *   - a pipe ping-pong: sched_switch and sched_wakeup of both tasks;
 *   - hard and soft interrupts nest properly per CPU;
 *   - the CPU mask keeps other CPUs out;
 *   - every available event shows up with the fields of its description;
 *   - 100 start/stop/reset cycles with events firing on every CPU, then
 *     rmmod: no probe stays registered and every tracepoint's static key
 *     is off again (rtrace_test_tpkeys.ko reads the kernel's tracepoints);
 *   - bad selections: unknown and unavailable events get their errno and
 *     leave the session as it was.
 *
 * Needs rtrace.ko loaded; loads rtrace_test_tpkeys.ko.  Run as:
 *   source_test                 (the harness)
 *   source_test --child N FD    (internal: the exec'd child of "syscalls")
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rtrace_test_harness.h"
#include "rtrace_test_util.h"
#include "rtrace_test_cap.h"

#define TPKEYS		"/sys/module/rtrace_test_tpkeys/parameters/on"
#define RTRACE_KO	MOD_DIR "rtrace.ko"
#define KNOWN_FD	77
#define NR_GETPPID	37

static const char known_buf[] = "rtrace-known";	/* the child's write() */

FIXTURE(src) {
	int fd;
	struct cap c;
};

FIXTURE_SETUP(src)
{
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", DEV_PATH, strerror(errno));
	memset(&self->c, 0, sizeof(self->c));
}

FIXTURE_TEARDOWN(src)
{
	rt_reset(self->fd);
	close(self->fd);
	free(self->c.ev);
}

/* ---- a child's system calls ---- */

static pid_t child_pid;

static void wl_child(void *arg)
{
	char n[16], fd[16];
	int st;

	snprintf(n, sizeof(n), "%d", NR_GETPPID);
	snprintf(fd, sizeof(fd), "%d", KNOWN_FD);
	child_pid = fork();
	if (!child_pid) {
		execl("/proc/self/exe", "source_test", "--child", n, fd, (char *)NULL);
		_exit(127);
	}
	waitpid(child_pid, &st, 0);
}

TEST_F(src, child_syscalls)
{
	uint64_t want = EV(RTRACE_EV_SCHED_SWITCH) | EV(RTRACE_EV_SCHED_PROCESS_FORK) |
			EV(RTRACE_EV_SCHED_PROCESS_EXEC) | EV(RTRACE_EV_SCHED_PROCESS_EXIT) |
			EV(RTRACE_EV_SYS_ENTER) | EV(RTRACE_EV_SYS_EXIT);
	uint64_t t_fork = 0, t_exec = 0, t_exit = 0, t_first = 0, t_last = 0;
	unsigned int enter = 0, exit_ok = 0, exit_bad = 0, wr_enter = 0, wr_exit = 0;
	unsigned int nfork = 0, nexec = 0, nexit = 0;
	int nul = open("/dev/null", O_WRONLY);
	struct cap *c = &self->c;
	size_t i;

	if ((avail_events(self->fd) & want) != want)
		SKIP(return, "sched/syscall tracepoints missing on this kernel");
	ASSERT_EQ(KNOWN_FD, dup2(nul, KNOWN_FD));
	close(nul);
	ASSERT_EQ(0, cap_record(self->fd, 0, want, 0, wl_child, NULL, c));
	close(KNOWN_FD);
	ASSERT_EQ(NULL, c->error) TH_LOG("stream: %s", c->error);

	for (i = 0; i < c->nr; i++) {
		struct ev *e = &c->ev[i];

		switch (e->type) {
		case RTRACE_EV_SCHED_PROCESS_FORK:
			if (e->a[1] == (uint64_t)child_pid) {
				nfork++;
				EXPECT_EQ((uint64_t)getpid(), e->a[0]);
				t_fork = e->ts;
			}
			break;
		case RTRACE_EV_SCHED_PROCESS_EXEC:
			if (e->a[0] == (uint64_t)child_pid) {
				nexec++;
				EXPECT_EQ((uint64_t)child_pid, e->a[1]);
				t_exec = e->ts;
			}
			break;
		case RTRACE_EV_SCHED_PROCESS_EXIT:
			if (e->a[0] == (uint64_t)child_pid) {
				nexit++;
				t_exit = e->ts;
			}
			break;
		case RTRACE_EV_SYS_ENTER:
			if (e->pid != child_pid)
				break;
			ASSERT_EQ(7, e->n);
			if (e->a[0] == SYS_getppid) {
				enter++;
				if (!t_first)
					t_first = e->ts;
				t_last = e->ts;
			}
			if (e->a[0] == SYS_write && e->a[1] == KNOWN_FD) {
				wr_enter++;
				EXPECT_EQ((uintptr_t)known_buf, e->a[2]);
				EXPECT_EQ(sizeof(known_buf) - 1, e->a[3]);
			}
			break;
		case RTRACE_EV_SYS_EXIT:
			if (e->pid != child_pid)
				break;
			ASSERT_EQ(2, e->n);
			if (e->a[0] == SYS_getppid) {
				if (zz(e->a[1]) == (uint64_t)getpid())
					exit_ok++;
				else
					exit_bad++;
			}
			if (e->a[0] == SYS_write && zz(e->a[1]) == sizeof(known_buf) - 1)
				wr_exit++;
			break;
		}
	}
	EXPECT_EQ(1, nfork);
	EXPECT_EQ(1, nexec);
	EXPECT_EQ(1, nexit);
	EXPECT_EQ(NR_GETPPID, enter);
	EXPECT_EQ(NR_GETPPID, exit_ok);
	EXPECT_EQ(0, exit_bad);
	EXPECT_EQ(1, wr_enter);
	EXPECT_EQ(1, wr_exit);
	EXPECT_LT(t_fork, t_exec);
	EXPECT_LT(t_exec, t_first);
	EXPECT_LT(t_last, t_exit);
}

/* ---- pipe ping-pong ---- */

#define PINGPONG	300
static pid_t pp_a, pp_b;

static void wl_pingpong(void *arg)
{
	int ab[2], ba[2], i, st;
	char x = 0;

	if (pipe(ab) || pipe(ba))
		return;
	pp_a = getpid();
	pp_b = fork();
	if (!pp_b) {
		for (i = 0; i < PINGPONG; i++)
			if (read(ab[0], &x, 1) != 1 || write(ba[1], &x, 1) != 1)
				_exit(1);
		_exit(0);
	}
	for (i = 0; i < PINGPONG; i++)
		if (write(ab[1], &x, 1) != 1 || read(ba[0], &x, 1) != 1)
			break;
	waitpid(pp_b, &st, 0);
	close(ab[0]);
	close(ab[1]);
	close(ba[0]);
	close(ba[1]);
}

TEST_F(src, pipe_pingpong)
{
	uint64_t want = EV(RTRACE_EV_SCHED_SWITCH) | EV(RTRACE_EV_SCHED_WAKEUP);
	unsigned int sw_out[2] = { 0 }, sw_in[2] = { 0 }, wk[2] = { 0 }, blocked = 0;
	struct cap *c = &self->c;
	size_t i;

	if ((avail_events(self->fd) & want) != want)
		SKIP(return, "sched tracepoints missing");
	/* Both on one CPU: every round trip switches between them. */
	pin(0);
	ASSERT_EQ(0, cap_record(self->fd, 0, want, 0, wl_pingpong, NULL, c));
	ASSERT_EQ(NULL, c->error) TH_LOG("stream: %s", c->error);
	for (i = 0; i < c->nr; i++) {
		struct ev *e = &c->ev[i];
		int k;

		for (k = 0; k < 2; k++) {
			uint64_t pid = k ? pp_b : pp_a;

			if (e->type == RTRACE_EV_SCHED_SWITCH) {
				ASSERT_EQ(5, e->n);
				if (e->a[0] == pid) {
					sw_out[k]++;
					/* blocked in read(): TASK_INTERRUPTIBLE */
					blocked += e->a[2] == 1;
				}
				sw_in[k] += e->a[3] == pid;
			} else if (e->type == RTRACE_EV_SCHED_WAKEUP) {
				ASSERT_EQ(3, e->n);
				if (e->a[0] == pid) {
					wk[k]++;
					EXPECT_EQ(0, e->a[2]);	/* pinned to CPU 0 */
				}
			}
		}
	}
	TH_LOG("switches out %u/%u in %u/%u, wakeups %u/%u, blocked in read %u",
	       sw_out[0], sw_out[1], sw_in[0], sw_in[1], wk[0], wk[1], blocked);
	EXPECT_LE(PINGPONG, sw_out[0]);
	EXPECT_LE(PINGPONG, sw_out[1]);
	EXPECT_LE(PINGPONG, sw_in[0]);
	EXPECT_LE(PINGPONG, sw_in[1]);
	/*
	 * A task that blocks is woken once; one that wakes its peer and is
	 * preempted by it is not (it never slept): each round trip blocks
	 * one of them at least.
	 */
	EXPECT_LE(PINGPONG, wk[0] + wk[1]);
	EXPECT_LE(PINGPONG, blocked);
	/*
	 * About one wakeup per blocking switch.  Not exactly: on PREEMPT_RT a
	 * task also blocks on (and is woken from) sleeping spinlocks, and
	 * single-threaded TCG schedules the two vCPUs differently (seen:
	 * 310 wakeups for 305 blocking switches); 5% leeway.
	 */
	EXPECT_GE(3 + (int)blocked / 20, abs((int)(wk[0] + wk[1]) - (int)blocked));
}

/* ---- interrupts ---- */

static volatile int spin_stop;

static void *spin(void *arg)
{
	struct timespec ts = { 0, 200000 };

	pin((int)(long)arg);
	while (!spin_stop)
		nanosleep(&ts, NULL);
	return NULL;
}

/* Both CPUs (or all) busy with short sleeps for @ms: timer interrupts. */
static void wl_timers(void *arg)
{
	pthread_t t[RT_MAX_CPUS];
	long i, n = nr_cpus() < RT_MAX_CPUS ? nr_cpus() : RT_MAX_CPUS;

	spin_stop = 0;
	for (i = 0; i < n; i++)
		pthread_create(&t[i], NULL, spin, (void *)i);
	usleep(arg ? (long)(uintptr_t)arg * 1000 : 500000);
	spin_stop = 1;
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

static int is_entry(uint32_t t)
{
	return t == RTRACE_EV_IRQ_HANDLER_ENTRY || t == RTRACE_EV_LOCAL_TIMER_ENTRY ||
	       t == RTRACE_EV_SOFTIRQ_ENTRY;
}

static uint32_t exit_of(uint32_t t)
{
	return t == RTRACE_EV_IRQ_HANDLER_ENTRY ? RTRACE_EV_IRQ_HANDLER_EXIT :
	       t == RTRACE_EV_LOCAL_TIMER_ENTRY ? RTRACE_EV_LOCAL_TIMER_EXIT :
	       RTRACE_EV_SOFTIRQ_EXIT;
}

TEST_F(src, irq_nesting)
{
	uint64_t want = EV(RTRACE_EV_IRQ_HANDLER_ENTRY) | EV(RTRACE_EV_IRQ_HANDLER_EXIT) |
			EV(RTRACE_EV_LOCAL_TIMER_ENTRY) | EV(RTRACE_EV_LOCAL_TIMER_EXIT) |
			EV(RTRACE_EV_SOFTIRQ_ENTRY) | EV(RTRACE_EV_SOFTIRQ_EXIT);
	unsigned int pairs[3] = { 0 }, bad = 0, depth_max = 0;
	struct cap *c = &self->c;
	struct ev *stack[RT_MAX_CPUS][2][8];
	unsigned int depth[RT_MAX_CPUS][2] = { { 0 } };
	int started[RT_MAX_CPUS][2] = { { 0 } };
	size_t last_entry[RT_MAX_CPUS][2] = { { 0 } };
	size_t i;

	want &= avail_events(self->fd);
	if (!(want & EV(RTRACE_EV_LOCAL_TIMER_ENTRY)) && !(want & EV(RTRACE_EV_IRQ_HANDLER_ENTRY)))
		SKIP(return, "no irq or local_timer tracepoints");
	ASSERT_EQ(0, cap_record(self->fd, 0, want, 0, wl_timers, NULL, c));
	ASSERT_EQ(NULL, c->error) TH_LOG("stream: %s", c->error);
	for (i = 0; i < c->nr; i++)
		if (c->ev[i].cpu < RT_MAX_CPUS && is_entry(c->ev[i].type))
			last_entry[c->ev[i].cpu][c->ev[i].type == RTRACE_EV_SOFTIRQ_ENTRY] = i;
	for (i = 0; i < c->nr; i++) {
		struct ev *e = &c->ev[i];
		unsigned int k, *d;

		if (!(want & EV(e->type)) || e->cpu >= RT_MAX_CPUS)
			continue;
		/* hard interrupts (and their spare-lane window), soft interrupts */
		k = e->type == RTRACE_EV_SOFTIRQ_ENTRY || e->type == RTRACE_EV_SOFTIRQ_EXIT;
		/*
		 * Hard interrupts in the hardirq lane (or the spare one);
		 * softirqs in the softirq lane, or the task lane where they
		 * run in task context (PREEMPT_RT: preempt_count has no
		 * softirq bits there).
		 */
		if (k) {
			EXPECT_TRUE(e->lane == RTRACE_LANE_SOFTIRQ || e->lane == RTRACE_LANE_TASK ||
				    e->lane == RTRACE_LANE_SPARE) TH_LOG("lane %u", e->lane);
		} else {
			EXPECT_TRUE(e->lane == RTRACE_LANE_HARDIRQ || e->lane == RTRACE_LANE_SPARE)
				TH_LOG("lane %u", e->lane);
		}
		d = &depth[e->cpu][k];
		if (is_entry(e->type)) {
			started[e->cpu][k] = 1;
			if (*d < 8)
				stack[e->cpu][k][*d] = e;
			(*d)++;
			if (*d > depth_max)
				depth_max = *d;
			continue;
		}
		if (!*d) {
			/*
			 * An exit without its entry: the interrupt began before
			 * the entry probe was attached, or after it was detached
			 * (detaching goes in table order, entries first); so only
			 * before the first or after the last entry on this CPU.
			 */
			if (started[e->cpu][k] && i < last_entry[e->cpu][k]) {
				bad++;
				TH_LOG("cpu %u: %s exit %llu without an entry", e->cpu,
				       k ? "softirq" : "hardirq", (unsigned long long)e->a[0]);
			}
			continue;
		}
		(*d)--;
		if (*d < 8) {
			struct ev *en = stack[e->cpu][k][*d];

			if (exit_of(en->type) != e->type || en->a[0] != e->a[0] ||
			    en->ts > e->ts) {
				bad++;
				TH_LOG("cpu %u: entry type %u (%llu) closed by type %u (%llu)",
				       e->cpu, en->type, (unsigned long long)en->a[0], e->type,
				       (unsigned long long)e->a[0]);
				continue;
			}
			pairs[e->type == RTRACE_EV_IRQ_HANDLER_EXIT ? 0 :
			      e->type == RTRACE_EV_LOCAL_TIMER_EXIT ? 1 : 2]++;
		}
	}
	TH_LOG("pairs: irq_handler %u, local_timer %u, softirq %u; max depth %u",
	       pairs[0], pairs[1], pairs[2], depth_max);
	EXPECT_EQ(0, bad);
	EXPECT_LE(10, pairs[0] + pairs[1]);
	if (want & EV(RTRACE_EV_SOFTIRQ_ENTRY))
		EXPECT_LE(1, pairs[2]);
	/* hard interrupts do not nest on x86 (handlers run with IRQs off) */
	EXPECT_GE(2, depth_max);
}

/* ---- CPU mask ---- */

static void *getppid_loop(void *arg)
{
	int i;

	pin((int)(long)arg);
	for (i = 0; i < 2000; i++)
		syscall(SYS_getppid);
	return NULL;
}

static void wl_both_cpus(void *arg)
{
	pthread_t t[2];
	long i;

	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, getppid_loop, (void *)i);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
}

TEST_F(src, cpumask)
{
	uint64_t want = EV(RTRACE_EV_SYS_ENTER) | EV(RTRACE_EV_SYS_EXIT);
	unsigned int on[2] = { 0 };
	struct cap *c = &self->c;
	size_t i;

	if (nr_cpus() < 2)
		SKIP(return, "needs two CPUs");
	if ((avail_events(self->fd) & want) != want)
		SKIP(return, "syscall tracepoints missing");
	ASSERT_EQ(0, cap_record(self->fd, 0, want, 1ULL << 1, wl_both_cpus, NULL, c));
	ASSERT_EQ(NULL, c->error) TH_LOG("stream: %s", c->error);
	for (i = 0; i < c->nr; i++)
		if (c->ev[i].type == RTRACE_EV_SYS_ENTER && c->ev[i].a[0] == SYS_getppid)
			on[c->ev[i].cpu ? 1 : 0]++;
	TH_LOG("getppid on CPU 0: %u, CPU 1: %u", on[0], on[1]);
	EXPECT_EQ(0, on[0]);
	EXPECT_LE(2000, on[1]);
}

/* ---- every event, with the fields of its description ---- */

static void wl_everything(void *arg)
{
	char path[] = "/tmp/source_test.XXXXXX";
	long pg = sysconf(_SC_PAGESIZE);
	int fd, i, st;
	pid_t p;
	char *m;

	/* page faults: fresh anonymous pages */
	m = mmap(NULL, 64 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m != MAP_FAILED) {
		for (i = 0; i < 64; i++)
			m[i * pg] = 1;
		*(uint64_t *)arg = (uintptr_t)m;
		/* a kernel fault on user memory: read() into a fresh page */
		munmap(m, 64 * pg);
	}
	m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fd = open("/proc/self/stat", O_RDONLY);
	if (m != MAP_FAILED && fd >= 0 && read(fd, m, 64) < 0)
		st = 0;
	if (fd >= 0)
		close(fd);
	/* migrations: move this task between CPUs while it runs */
	for (i = 0; i < 4; i++)
		pin(i & 1 && nr_cpus() > 1);
	/* fork, exec, exit */
	p = fork();
	if (!p) {
		pin(nr_cpus() > 1 ? 1 : 0);
		execl("/bin/true", "true", (char *)NULL);
		_exit(0);
	}
	waitpid(p, &st, 0);
	/* workqueue: a tmpfs file synced is not enough everywhere; timers
	 * and vmstat work run within the sleep below anyway
	 */
	fd = mkstemp(path);
	if (fd >= 0) {
		if (write(fd, path, sizeof(path)) < 0)
			st = 0;
		fsync(fd);
		close(fd);
		unlink(path);
	}
	/* block: a direct write to the end of a virtio disk if there is one */
	fd = open("/dev/vda", O_RDWR | O_DIRECT);
	if (fd >= 0) {
		void *b = NULL;
		off_t end = lseek(fd, 0, SEEK_END);

		if (end > (1 << 20) && !posix_memalign(&b, 4096, 4096)) {
			memset(b, 0, 4096);
			if (pwrite(fd, b, 4096, end - (1 << 20)) < 0)
				st = 0;
			fsync(fd);
		}
		free(b);
		close(fd);
	}
	/* NMIs: sysrq 'l' backtraces every CPU through an NMI IPI on x86 */
	fd = open("/proc/sysrq-trigger", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "l", 1) < 0)
			st = 0;
		close(fd);
	}
	wl_timers((void *)(uintptr_t)1000);
}

TEST_F_TIMEOUT(src, every_event, 120)
{
	uint64_t avail = avail_events(self->fd), seen = 0, faults_in_map = 0, map = 0;
	struct rtrace_info info;
	struct cap *c = &self->c;
	int have_disk = access("/dev/vda", F_OK) == 0;
	unsigned int id;
	size_t i;

	ASSERT_EQ(0, rt_info(self->fd, &info));
	ASSERT_NE(0, info.events_supported);
	ASSERT_EQ(0, avail & ~info.events_supported);
	ASSERT_EQ(0, cap_record(self->fd, 0, avail, 0, wl_everything, &map, c));
	ASSERT_EQ(NULL, c->error) TH_LOG("stream: %s", c->error);
	for (i = 0; i < c->nr; i++) {
		const struct rtrace_event_desc *d = cap_desc(c, c->ev[i].type);

		ASSERT_NE(NULL, d) TH_LOG("type %u not in the event table", c->ev[i].type);
		ASSERT_EQ(d->nr_fields, c->ev[i].n) TH_LOG("%s", d->name);
		if (c->ev[i].type < 64)
			seen |= EV(c->ev[i].type);
		if (c->ev[i].type == RTRACE_EV_PAGE_FAULT_USER &&
		    c->ev[i].a[0] >= map && c->ev[i].a[0] < map + (64 << 12))
			faults_in_map++;
	}
	for (id = 1; id < 64; id++) {
		const struct rtrace_event_desc *d = cap_desc(c, id);
		const char *skip = NULL;

		if (!(info.events_supported & EV(id)))
			continue;
		ASSERT_NE(NULL, d) TH_LOG("event %u not in the stream's table", id);
		if (!(avail & EV(id))) {
			TH_LOG("%s: unavailable on this kernel", d->name);
			continue;
		}
		if (id == RTRACE_EV_NMI_HANDLER && access("/proc/sysrq-trigger", W_OK))
			skip = "no /proc/sysrq-trigger to send NMIs with";
		if ((id == RTRACE_EV_BLOCK_RQ_ISSUE || id == RTRACE_EV_BLOCK_RQ_COMPLETE) &&
		    !have_disk)
			skip = "no disk in this VM";
		/* device interrupts: the virtio disk's, if there is one */
		if ((id == RTRACE_EV_IRQ_HANDLER_ENTRY || id == RTRACE_EV_IRQ_HANDLER_EXIT) &&
		    !have_disk)
			skip = "no device interrupt source without a disk";
		if (skip) {
			TH_LOG("%s: %s (seen: %s)", d->name, skip, seen & EV(id) ? "yes" : "no");
			continue;
		}
		EXPECT_TRUE(seen & EV(id)) TH_LOG("%s: no event recorded", d->name);
	}
	EXPECT_LE(64, faults_in_map);
}

/* ---- attach/detach cycles, no probe left ---- */

/* Lines of the tpkeys module's list that name one of rtrace's tracepoints. */
static int probes_on(const struct cap *names, char *out, size_t len)
{
	char buf[8192], *line, *save = NULL;
	int fd, n, found = 0;
	uint32_t i;

	fd = open(TPKEYS, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	out[0] = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t l = strcspn(line, " ");

		for (i = 0; i < names->nr_desc; i++) {
			const char *nm = names->desc[i].name;

			if (names->desc[i].id >= 64 || strlen(nm) != l || strncmp(nm, line, l))
				continue;
			found++;
			strncat(out, line, len - strlen(out) - 2);
			strcat(out, ";");
		}
	}
	return found;
}

static int tracefs_enabled(const char *ev)
{
	char path[128], v = '?';
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s/enable", ev);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	if (read(fd, &v, 1) != 1)
		v = '?';
	close(fd);
	return v == '1';
}

static void *busy(void *arg)
{
	pin((int)(long)arg);
	while (!spin_stop) {
		syscall(SYS_getppid);
		sched_yield();
	}
	return NULL;
}

/*
 * Events on every CPU for @us microseconds: one busy thread per CPU, all
 * gone again on return.  Only while the session runs: a CPU that runs the
 * code whose static key another CPU patches (attach, detach) is what
 * QEMU's TCG does not survive (design.md), so the CPUs are quiet then.
 */
static void fire_everywhere(long us)
{
	long n = nr_cpus() < RT_MAX_CPUS ? nr_cpus() : RT_MAX_CPUS, j;
	pthread_t t[RT_MAX_CPUS];

	spin_stop = 0;
	for (j = 0; j < n; j++)
		pthread_create(&t[j], NULL, busy, (void *)j);
	usleep(us);
	spin_stop = 1;
	for (j = 0; j < n; j++)
		pthread_join(t[j], NULL);
}

/* The (@i modulo their number)-th set bit of @mask. */
static uint64_t nth_bit(uint64_t mask, int i)
{
	int n = __builtin_popcountll(mask), k;

	if (!n)
		return 0;
	for (k = i % n; k; k--)
		mask &= mask - 1;
	return mask & -mask;
}

static int mod_insert(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, "", 0);
	close(fd);
	return ret;
}

/* Read the event table through RTRACE_IOC_EVENTS into @c->desc. */
static int get_table(int fd, struct cap *c)
{
	struct rtrace_events req = {
		.size = sizeof(req), .desc_size = sizeof(c->desc[0]),
		.descs_ptr = (uintptr_t)c->desc, .nr_descs = 128,
	};

	if (ioctl(fd, RTRACE_IOC_EVENTS, &req))
		return -errno;
	c->nr_desc = req.nr_descs < 128 ? req.nr_descs : 128;
	return 0;
}

TEST_F_TIMEOUT(src, cycles_leave_no_probe, 900)
{
	struct rtrace_config cfg;
	uint64_t avail = avail_events(self->fd);
	uint64_t hot = avail & (EV(RTRACE_EV_SCHED_SWITCH) | EV(RTRACE_EV_SYS_ENTER) |
				EV(RTRACE_EV_SYS_EXIT));
	struct rtrace_info info;
	uint64_t written = 0;
	struct rt_totals tot;
	char on[4096];
	int i;

	ASSERT_EQ(0, rt_modprobe("rtrace_test_tpkeys"));
	ASSERT_EQ(0, get_table(self->fd, &self->c));
	ASSERT_EQ(0, probes_on(&self->c, on, sizeof(on))) TH_LOG("before: %s", on);

	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, rt_reset(self->fd));
		rt_config_init(&cfg, 4096, 4 * 4096);
		/*
		 * The first cycle attaches everything; the others the events the
		 * busy threads fire and one more, in turn: attaching patches
		 * kernel text, which QEMU's TCG survives only so often
		 * (design.md), and the rmmod below attaches all of them again.
		 */
		cfg.events = i ? hot | nth_bit(avail, i) : avail;
		cfg.flags = i & 1 ? RTRACE_CONFIG_OVERWRITE : 0;
		ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &cfg)) TH_LOG("%d", i);
		ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START)) TH_LOG("%d: %s", i, strerror(errno));
		if (i == 0) {
			/* the check below can fail: now every probe is on */
			EXPECT_LE(__builtin_popcountll(avail), probes_on(&self->c, on, sizeof(on)))
				TH_LOG("running: %s", on);
		}
		fire_everywhere(3000);
		ASSERT_EQ(0, rt_stats(self->fd, &tot));
		written += tot.written;
		switch (i % 3) {
		case 0:	/* stop, then reset */
			ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
			break;
		case 1:	/* stop, start again, snapshot */
			ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
			ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
			ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_SNAPSHOT));
			break;
		default: /* reset while running */
			break;
		}
		if (i % 3 != 2)
			ASSERT_EQ(0, probes_on(&self->c, on, sizeof(on))) TH_LOG("%d stopped: %s", i, on);
		ASSERT_EQ(0, rt_reset(self->fd));
		ASSERT_EQ(0, probes_on(&self->c, on, sizeof(on))) TH_LOG("%d reset: %s", i, on);
	}
	TH_LOG("100 cycles, %llu events written", (unsigned long long)written);
	EXPECT_LE(100 * 100, written);
	/* ftrace's own switches were never touched */
	EXPECT_NE(1, tracefs_enabled("sched/sched_switch"));
	EXPECT_NE(1, tracefs_enabled("raw_syscalls/sys_enter"));

	/* A running session, then rmmod: the module's exit detaches. */
	rt_config_init(&cfg, 4096, 4 * 4096);
	cfg.events = avail;
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &cfg));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	fire_everywhere(20000);
	ASSERT_EQ(0, rt_info(self->fd, &info));
	EXPECT_EQ(RTRACE_STATE_RUNNING, info.state);
	close(self->fd);
	self->fd = -1;
	rt_unload_holders();	/* e.g. rtrace_test_gen, loaded by earlier tests */
	ASSERT_EQ(0, syscall(SYS_delete_module, "rtrace", O_NONBLOCK))
		TH_LOG("rmmod: %s", strerror(errno));
	EXPECT_EQ(0, probes_on(&self->c, on, sizeof(on))) TH_LOG("after rmmod: %s", on);
	ASSERT_EQ(0, mod_insert(RTRACE_KO)) TH_LOG("insmod: %s", strerror(errno));
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
}

/* ---- bad selections ---- */

TEST_F(src, bad_selection)
{
	struct rtrace_info before, after;
	struct rtrace_config cfg;
	uint64_t avail = avail_events(self->fd), missing;
	struct rtrace_info info;
	unsigned int bit;

	ASSERT_EQ(0, rt_info(self->fd, &info));
	missing = info.events_supported & ~avail;
	/* A running session that the refusals must leave alone. */
	rt_config_init(&cfg, 4096, 4 * 4096);
	cfg.events = EV(RTRACE_EV_SCHED_SWITCH) & avail;
	ASSERT_EQ(0, rt_reset(self->fd));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &cfg));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	ASSERT_EQ(0, rt_info(self->fd, &before));
	EXPECT_EQ(cfg.events, before.events);

	for (bit = 0; bit < 64; bit++) {
		if (info.events_supported & EV(bit))
			continue;
		rt_config_init(&cfg, 4096, 4 * 4096);
		cfg.events = EV(bit);
		cfg.flags = RTRACE_CONFIG_DISCARD_UNREAD;
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &cfg));
		EXPECT_EQ(EINVAL, errno) TH_LOG("event bit %u", bit);
	}
	if (missing) {
		rt_config_init(&cfg, 4096, 4 * 4096);
		cfg.events = EV(__builtin_ctzll(missing));
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &cfg));
		EXPECT_EQ(EOPNOTSUPP, errno);
	} else {
		TH_LOG("this kernel has every event: no unavailable one to try");
	}
	/* sources and events both empty */
	rt_config_init(&cfg, 4096, 4 * 4096);
	cfg.sources = 0;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &cfg));
	EXPECT_EQ(EINVAL, errno);
	/* an unknown source group */
	rt_config_init(&cfg, 4096, 4 * 4096);
	cfg.sources = 1ULL << 62;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &cfg));
	EXPECT_EQ(EINVAL, errno);
	/* a good selection while running: -EBUSY, as before */
	rt_config_init(&cfg, 4096, 4 * 4096);
	cfg.events = avail;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &cfg));
	EXPECT_EQ(EBUSY, errno);

	ASSERT_EQ(0, rt_info(self->fd, &after));
	EXPECT_EQ(before.session_id, after.session_id);
	EXPECT_EQ(RTRACE_STATE_RUNNING, after.state);
	EXPECT_EQ(before.events, after.events);
}

TEST_F(src, events_ioctl)
{
	struct rtrace_event_desc d[130];
	struct rtrace_events req;
	struct rtrace_info info;
	unsigned int i, found = 0;

	ASSERT_EQ(0, rt_info(self->fd, &info));
	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.desc_size = sizeof(d[0]);
	req.descs_ptr = (uintptr_t)d;
	req.nr_descs = 0;
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_EVENTS, &req));
	ASSERT_LE(__builtin_popcountll(info.events_supported), req.nr_descs);
	ASSERT_GE(128, req.nr_descs);
	req.nr_descs = 128;
	memset(d, 0xaa, sizeof(d));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_EVENTS, &req));
	for (i = 0; i < req.nr_descs; i++)
		if (d[i].id < 64 && (info.events_supported & EV(d[i].id)))
			found++;
	EXPECT_EQ(__builtin_popcountll(info.events_supported), found);
	/* what it did not fill stays */
	EXPECT_EQ(0xaaaaaaaa, d[req.nr_descs].id);
	/* bad requests */
	req.reserved = 1;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, RTRACE_IOC_EVENTS, &req));
	EXPECT_EQ(EINVAL, errno);
	req.reserved = 0;
	req.desc_size = 100;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, RTRACE_IOC_EVENTS, &req));
	EXPECT_EQ(EINVAL, errno);
	req.desc_size = sizeof(d[0]);
	req.descs_ptr = 8;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, RTRACE_IOC_EVENTS, &req));
	EXPECT_EQ(EFAULT, errno);
}

/* The exec'd child of child_syscalls: N getppid(), one known write(). */
static int child_main(int argc, char **argv)
{
	int i, n = atoi(argv[2]), fd = atoi(argv[3]);

	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	if (write(fd, known_buf, sizeof(known_buf) - 1) < 0)
		return 1;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--child"))
		return child_main(argc, argv);
	return test_harness_run(argc, argv);
}
