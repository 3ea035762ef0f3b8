// SPDX-License-Identifier: GPL-2.0
/*
 * tp_load: the workloads of the tracepoint benchmark (bench/tp.sh, run in
 * the test VM under icount), timed from userspace.
 *
 *   tp_load LABEL pingpong|getppid|getppid0 ITERS REPS [--ftrace INSTANCE] [--rtrace DEV]
 *
 * pingpong: two processes pass one byte back and forth through two pipes,
 * ITERS round trips per timed loop (two context switches each on one CPU);
 * getppid: ITERS getppid() system calls (a sys_enter and a sys_exit each);
 * getppid0: the same with all six argument registers zero.
 * One untimed warm-up loop, then REPS timed loops; for each it prints
 *
 *   tp LABEL WORKLOAD ITERS NS EVENTS
 *
 * NS is CLOCK_MONOTONIC across the loop: under QEMU's -icount shift=0,sleep=off
 * one guest nanosecond is one guest instruction, so NS counts every instruction
 * the (single) vCPU ran during the loop, interrupts and other tasks included.
 * EVENTS is what the tracer recorded during the loop, read from its own
 * counters right before and after (outside the timed part): the tracefs
 * instance's per_cpu/cpuN/stats "entries" + "overrun" (--ftrace), or the sum
 * of "written" over every (cpu, lane) of RTRACE_IOC_STATS (--rtrace), minus
 * the events that reading the counters itself causes (the system calls of one
 * reading, after its snapshot and before the next one's: measured once by two
 * readings back to back); -1 with neither.  A tracer's cost per event is then
 * (NS - NS of the same loop with nothing enabled) / EVENTS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

#include <linux/rtrace.h>

static const char *ftrace_dir;
static int rtrace_fd = -1;

static void die(const char *what)
{
	fprintf(stderr, "tp_load: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* entries + overrun of one tracefs per-CPU stats file; -1 if it does not exist */
static long long ftrace_cpu_events(int cpu)
{
	char path[512], line[128];
	long long n = 0, v;
	FILE *f;

	snprintf(path, sizeof(path), "%s/per_cpu/cpu%d/stats", ftrace_dir, cpu);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "entries: %lld", &v) == 1 || sscanf(line, "overrun: %lld", &v) == 1)
			n += v;
	fclose(f);
	return n;
}

static long long events_now(void)
{
	long long n = 0, c;
	int cpu;

	if (ftrace_dir) {
		for (cpu = 0; (c = ftrace_cpu_events(cpu)) >= 0; cpu++)
			n += c;
		if (cpu == 0)
			die("ftrace per_cpu stats");
		return n;
	}
	if (rtrace_fd >= 0) {
		static struct rtrace_lane_stats e[1024];
		struct rtrace_stats st = {
			.size = sizeof(st),
			.entry_size = sizeof(e[0]),
			.entries_ptr = (uintptr_t)e,
			.nr_entries = 1024,
		};
		unsigned int i;

		if (ioctl(rtrace_fd, RTRACE_IOC_STATS, &st))
			die("RTRACE_IOC_STATS");
		for (i = 0; i < st.nr_entries && i < 1024; i++)
			n += e[i].written;
		return n;
	}
	return -1;
}

static int to_child[2], to_parent[2];

static void pingpong_child(void)
{
	char c;

	close(to_child[1]);
	close(to_parent[0]);
	while (read(to_child[0], &c, 1) == 1)
		if (write(to_parent[1], &c, 1) != 1)
			break;
	_exit(0);
}

static void pingpong(long iters)
{
	char c = 'x';
	long i;

	for (i = 0; i < iters; i++)
		if (write(to_child[1], &c, 1) != 1 || read(to_parent[0], &c, 1) != 1)
			die("ping-pong");
}

static void getppid_loop(long iters)
{
	long i;

	for (i = 0; i < iters; i++)
		syscall(SYS_getppid);
}

/*
 * getppid() with every argument register zero (x86-64): what a system call's
 * arguments cost a tracer that encodes them by size, against the loop above,
 * whose argument registers hold whatever the caller left there.
 */
static void getppid0_loop(long iters)
{
	long i, ret;

	for (i = 0; i < iters; i++)
		asm volatile("xor %%edi, %%edi; xor %%esi, %%esi; xor %%edx, %%edx;"
			     "xor %%r10d, %%r10d; xor %%r8d, %%r8d; xor %%r9d, %%r9d; syscall"
			     : "=a" (ret) : "0" ((long)SYS_getppid)
			     : "rdi", "rsi", "rdx", "r10", "r8", "r9", "rcx", "r11", "memory");
}

int main(int argc, char **argv)
{
	void (*loop)(long iters);
	const char *label, *work;
	pid_t child = -1;
	long iters, reps, r;
	long long self;
	int i;

	if (argc < 5) {
		fprintf(stderr, "usage: tp_load LABEL pingpong|getppid|getppid0 ITERS REPS [--ftrace INSTANCE] [--rtrace DEV]\n");
		return 2;
	}
	label = argv[1];
	work = argv[2];
	iters = atol(argv[3]);
	reps = atol(argv[4]);
	if (iters <= 0 || reps <= 0) {
		fprintf(stderr, "tp_load: ITERS and REPS must be positive\n");
		return 2;
	}
	for (i = 5; i < argc; i++) {
		if (!strcmp(argv[i], "--ftrace") && i + 1 < argc) {
			ftrace_dir = argv[++i];
		} else if (!strcmp(argv[i], "--rtrace") && i + 1 < argc) {
			rtrace_fd = open(argv[++i], O_RDONLY);
			if (rtrace_fd < 0)
				die(argv[i]);
		} else {
			fprintf(stderr, "tp_load: unknown argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (!strcmp(work, "pingpong")) {
		if (pipe(to_child) || pipe(to_parent))
			die("pipe");
		child = fork();
		if (child < 0)
			die("fork");
		if (child == 0)
			pingpong_child();
		close(to_child[0]);
		close(to_parent[1]);
		loop = pingpong;
	} else if (!strcmp(work, "getppid")) {
		loop = getppid_loop;
	} else if (!strcmp(work, "getppid0")) {
		loop = getppid0_loop;
	} else {
		fprintf(stderr, "tp_load: unknown workload '%s'\n", work);
		return 2;
	}

	loop(iters);	/* warm-up: page cache, pipe buffers, the child's first run */
	self = events_now();
	self = events_now() - self;
	for (r = 0; r < reps; r++) {
		long long e0, e1;
		uint64_t t0, t1;

		e0 = events_now();
		t0 = now_ns();
		loop(iters);
		t1 = now_ns();
		e1 = events_now();
		printf("tp %s %s %ld %llu %lld\n", label, work, iters,
		       (unsigned long long)(t1 - t0), e0 < 0 ? -1 : e1 - e0 - self);
	}
	if (child > 0) {
		close(to_child[1]);
		waitpid(child, NULL, 0);
	}
	return 0;
}
