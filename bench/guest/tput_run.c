// SPDX-License-Identifier: GPL-2.0
/*
 * tput_run: runs one command (bench/tput.sh: an `rtrace record`) and prints
 * what it cost, for the reader-cost and throughput benchmark (bench/tput.sh,
 * run in the test VM with one vCPU under -icount shift=0,sleep=off, where a
 * guest nanosecond of CPU time is a guest instruction).
 *
 *   tput_run COMMAND [ARGS...]
 *
 * prints, on stdout, after COMMAND exits:
 *
 *   tput_cost STATUS CHILD_NS KWORKER_NS WALL_NS
 *
 * CHILD_NS: the child's user + system CPU time from wait4()'s rusage.  The
 * kernel scales the sampled user/system split so that the sum is the task's
 * sum_exec_runtime (cputime_adjust()), so the sum is exact to the microsecond
 * (the rusage unit: 1000 instructions here), not to a 4 ms tick.
 * KWORKER_NS: the CPU time every kworker thread ran while COMMAND ran (the sum
 * of /proc/PID/task/TID/schedstat's first field over threads named kworker*,
 * after minus before): rtrace.ko's reader-side worker refills a mapped data
 * area from there, so that copy is the mmap reader's cost too.  On an idle
 * guest other kworkers add little; it is an upper bound.
 * WALL_NS: CLOCK_MONOTONIC across the run (every instruction of the vCPU).
 * STATUS: COMMAND's exit status (128 + signal if killed).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Sum of schedstat run time (ns) over every thread whose comm starts with kworker. */
static uint64_t kworker_ns(void)
{
	DIR *proc = opendir("/proc");
	struct dirent *p;
	uint64_t sum = 0;

	if (!proc) {
		perror("tput_run: /proc");
		exit(1);
	}
	while ((p = readdir(proc))) {
		char path[300], comm[64];
		unsigned long long ns;
		FILE *f;

		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		/* kthreads have one thread: the process entry is enough */
		snprintf(path, sizeof(path), "/proc/%s/comm", p->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = 0;
		fclose(f);
		if (strncmp(comm, "kworker", 7))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/schedstat", p->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &ns) == 1)
			sum += ns;
		fclose(f);
	}
	closedir(proc);
	return sum;
}

int main(int argc, char **argv)
{
	uint64_t k0, k1, t0, t1, child;
	struct rusage ru;
	int status, st;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: tput_run COMMAND [ARGS...]\n");
		return 2;
	}
	k0 = kworker_ns();
	t0 = now_ns();
	pid = fork();
	if (pid < 0) {
		perror("tput_run: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		fprintf(stderr, "tput_run: %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) != pid) {
		perror("tput_run: wait4");
		return 1;
	}
	t1 = now_ns();
	k1 = kworker_ns();
	child = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
		(uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
	st = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	printf("tput_cost %d %llu %llu %llu\n", st, (unsigned long long)child,
	       (unsigned long long)(k1 > k0 ? k1 - k0 : 0), (unsigned long long)(t1 - t0));
	return st;
}
