// SPDX-License-Identifier: GPL-2.0
/*
 * Native benchmark: the userspace build of rtrace's ring core (kmod/ring/
 * with selftests/unit's shim) against a floor and LTTng-UST.
 *
 * Prints "host result <writer> <payload> <ns per event>" lines, medians of
 * REPS loops of ITERS writes minus the empty loop, then ratios.  With
 * --lttng the LTTng-UST tracepoints are timed too; bench/host/run wraps
 * this program in a live LTTng session (overwrite channel) so those
 * tracepoints really record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kmod/ring/ring.h"
#include "include/rtrace_emit.h"

#ifdef RTRACE_BENCH_LTTNG
#include "tp.h"
#endif

/*
 * A sched_switch-like event: type 2 keeps the record header one byte, as
 * the upcoming sched source's will (uapi reserves 1..7 for it).  Nothing
 * decodes the benchmark's stream.
 */
#define BENCH_EV_SCHED	2
#define ITERS	(1u << 20)
#define REPS	7

enum { PL_RAW16, PL_SCHED, NR_PL };
static const char * const pl_name[NR_PL] = { "raw16", "sched" };

static const unsigned char payload[16] __attribute__((aligned(8))) = {
	0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
};

#define PREV_PID(i)	(1000 + ((i) & 2047))
#define PREV_PRIO(i)	(120 + ((i) & 3))
#define PREV_STATE(i)	((i) & 1)
#define NEXT_PID(i)	(3000 + ((i) & 1023))
#define NEXT_PRIO(i)	(120 - ((i) & 7))

/* The floor: the same clock read plus plain stores of the same bytes. */
#define FLOOR_BYTES	(64 * 1024)
static unsigned char floor_buf[FLOOR_BYTES] __attribute__((aligned(64)));
static size_t floor_pos;

static inline u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

static inline void keep(u64 a, u64 b, u64 c, u64 d, u64 e)
{
	__asm__ volatile("" : : "r"(a), "r"(b), "r"(c), "r"(d), "r"(e));
}

static inline void floor_raw(u64 ts)
{
	size_t pos = floor_pos;

	if (pos + 24 > FLOOR_BYTES)
		pos = 0;
	memcpy(floor_buf + pos, &ts, 8);
	memcpy(floor_buf + pos + 8, payload, 16);
	floor_pos = pos + 24;
}

static inline void floor_sched(u64 ts, unsigned int i)
{
	size_t pos = floor_pos;
	int v[6] = { PREV_PID(i), PREV_PRIO(i), PREV_STATE(i), NEXT_PID(i), NEXT_PRIO(i), 0 };

	if (pos + 32 > FLOOR_BYTES)
		pos = 0;
	memcpy(floor_buf + pos, &ts, 8);
	memcpy(floor_buf + pos + 8, v, 24);
	floor_pos = pos + 32;
}

#define LOOP(name, body)					\
static noinline u64 name(unsigned int n)			\
{								\
	unsigned int i;						\
	u64 t0 = now_ns();					\
								\
	for (i = 0; i < n; i++) {				\
		body;						\
	}							\
	return now_ns() - t0;					\
}

LOOP(loop_empty_raw, keep((u64)(unsigned long)payload, i, 0, 0, 0))
LOOP(loop_empty_sched, keep(PREV_PID(i), PREV_PRIO(i), PREV_STATE(i), NEXT_PID(i),
			    NEXT_PRIO(i)))
LOOP(loop_rtrace_raw, rtrace_emit_raw(RTRACE_EV_TEST_RAW, payload, 16))
LOOP(loop_rtrace_sched, rtrace_emit5(BENCH_EV_SCHED, PREV_PID(i), PREV_PRIO(i),
				     PREV_STATE(i), NEXT_PID(i), NEXT_PRIO(i)))
LOOP(loop_floor_tsc_raw, floor_raw(__rdtsc()))
LOOP(loop_floor_tsc_sched, floor_sched(__rdtsc(), i))
LOOP(loop_floor_mono_raw, floor_raw(now_ns()))
LOOP(loop_floor_mono_sched, floor_sched(now_ns(), i))
#ifdef RTRACE_BENCH_LTTNG
LOOP(loop_lttng_raw, lttng_ust_tracepoint(rtrace_bench, raw16, payload))
LOOP(loop_lttng_sched, lttng_ust_tracepoint(rtrace_bench, sched, PREV_PID(i), PREV_PRIO(i),
					    PREV_STATE(i), NEXT_PID(i), NEXT_PRIO(i)))
#endif

typedef u64 (*loop_fn)(unsigned int n);

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median over REPS of (loop - empty loop) in ns per event. */
static double measure(loop_fn fn, loop_fn empty)
{
	double s[REPS];
	int r;

	fn(ITERS / 8);
	for (r = 0; r < REPS; r++) {
		u64 e = empty(ITERS), t = fn(ITERS);

		s[r] = t > e ? (double)(t - e) / ITERS : 0;
	}
	qsort(s, REPS, sizeof(s[0]), cmp_double);
	return s[REPS / 2];
}

static struct rtrace_ring *ring_up(void)
{
	struct rtrace_ring_geom g = {
		.subbuf_size = 64 * 1024,
		.nr_subbufs = 16,
		.flags = RTRACE_CONFIG_OVERWRITE,
		.cpumask = NULL,
	};
	struct rtrace_ring *ring = rtrace_ring_create(&g);

	if (IS_ERR(ring) || rtrace_ring_attach(ring)) {
		fprintf(stderr, "bench_host: cannot create the ring\n");
		exit(1);
	}
	rtrace_ring_set_running(ring, true);
	return ring;
}

static void ring_down(struct rtrace_ring *ring)
{
	rtrace_ring_set_running(ring, false);
	rtrace_ring_detach(ring);
	rtrace_ring_destroy(ring);
}

int main(int argc, char **argv)
{
	static const loop_fn empty[NR_PL] = { loop_empty_raw, loop_empty_sched };
	static const loop_fn rt[NR_PL] = { loop_rtrace_raw, loop_rtrace_sched };
	static const loop_fn ftsc[NR_PL] = { loop_floor_tsc_raw, loop_floor_tsc_sched };
	static const loop_fn fmono[NR_PL] = { loop_floor_mono_raw, loop_floor_mono_sched };
#ifdef RTRACE_BENCH_LTTNG
	static const loop_fn lt[NR_PL] = { loop_lttng_raw, loop_lttng_sched };
#endif
	double r_tsc[NR_PL], r_mono[NR_PL], f_tsc[NR_PL], f_mono[NR_PL], l[NR_PL];
	bool lttng = argc > 1 && !strcmp(argv[1], "--lttng");
	struct rtrace_ring *ring;
	int p;

	shim_init(1);
	for (p = 0; p < NR_PL; p++) {
		shim_tsc_usable = true;
		ring = ring_up();
		r_tsc[p] = measure(rt[p], empty[p]);
		ring_down(ring);
		shim_tsc_usable = false;
		ring = ring_up();
		r_mono[p] = measure(rt[p], empty[p]);
		ring_down(ring);
		f_tsc[p] = measure(ftsc[p], empty[p]);
		f_mono[p] = measure(fmono[p], empty[p]);
		l[p] = 0;
#ifdef RTRACE_BENCH_LTTNG
		if (lttng)
			l[p] = measure(lt[p], empty[p]);
#endif
	}
	printf("## Host, natively (userspace build of the ring core), ns per event\n\n```\n");
	for (p = 0; p < NR_PL; p++) {
		printf("host result rtrace_tsc %s %.2f\n", pl_name[p], r_tsc[p]);
		printf("host result rtrace_mono %s %.2f\n", pl_name[p], r_mono[p]);
		printf("host result floor_tsc %s %.2f\n", pl_name[p], f_tsc[p]);
		printf("host result floor_mono %s %.2f\n", pl_name[p], f_mono[p]);
		if (l[p] > 0)
			printf("host result lttng_ust %s %.2f\n", pl_name[p], l[p]);
	}
	for (p = 0; p < NR_PL; p++) {
		if (f_tsc[p] > 0)
			printf("ratio host_rtrace_tsc_%s/floor_tsc = %.2f\n", pl_name[p],
			       r_tsc[p] / f_tsc[p]);
		if (f_mono[p] > 0)
			printf("ratio host_rtrace_mono_%s/floor_mono = %.2f\n", pl_name[p],
			       r_mono[p] / f_mono[p]);
		if (l[p] > 0)
			printf("ratio host_rtrace_tsc_%s/lttng_ust = %.2f\n", pl_name[p],
			       r_tsc[p] / l[p]);
	}
	if (!lttng)
		printf("# lttng_ust: not measured (no live LTTng session)\n");
	printf("```\n");
	return 0;
}
