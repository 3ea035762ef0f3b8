// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace_bench: cost per event of rtrace's writer, ftrace's ring buffer and a floor.
 *
 * Not part of rtrace.ko and not on any production path: a separate module
 * that, when "run" is written to /proc/rtrace_bench, times tight loops of
 * writes in task context (interrupts off, so the timer does not land in the
 * figure), in hardirq context (a hard irq_work raised on this CPU) and in
 * NMI context (a self-NMI), and then serves the results as text lines:
 *
 *   result <impl> <payload> <ctx> <median ns/event x1000> <min> <max> <reps>
 *   bytes <impl> <payload> <bytes per event>
 *
 * Implementations:
 *   rtrace      rtrace_emit_raw() / rtrace_emit5() into the active session
 *   ftrace_rsv  ring_buffer_lock_reserve() + copy + ring_buffer_unlock_commit()
 *   ftrace_wr   ring_buffer_write() of a stack copy
 *   floor_tsc   rdtsc + plain per-CPU stores of the same bytes
 *   floor_local trace_clock_local() + plain per-CPU stores of the same bytes
 *   ftrace_ev   the same payload as a real ftrace event of this module
 *               (rtrace_bench_trace.h), enabled only in the tracefs instance
 *               "rtrace_bench", whose trace_clock bench/guest.sh sets to local
 *               or x86-tsc: ftrace on the clock rtrace uses
 *   empty       the loop with its argument computation and nothing else
 *
 * Payloads: raw16 (16 opaque bytes) and sched (sched_switch's five
 * integers, pids below 16384) back to back in every context; in task
 * context only, the realistic shapes: bigpid (sched, pids above 2^17),
 * addr (a page fault: two kernel addresses and an error code), each also
 * with about 200 and 20000 instructions of other work between events
 * (_g200, _g20k: timestamps that far apart); huge, rtrace only, a raw
 * record larger than any sub-buffer (always dropped: the cost of the
 * "too large" drop); addr8, rtrace only, the addr shape written as a
 * fixed 8-byte field type would write it (bench_emit_addr8(): a measured
 * estimate for Documentation/design.md, not a stream format).
 *
 * Commands (write to /proc/rtrace_bench): "run" measures everything;
 * "rtrace" only rtrace (stopped, full-ring passes of bench/guest.sh);
 * "off" only rtrace, against the bare loop (below: the passes with no
 * session started); "tsc" rtrace, ftrace_ev and floor_tsc (the TSC pass).
 *
 * Every figure is (loop time - empty loop time) / iterations, median of
 * several repetitions.  For "off" the baseline is the bare loop instead:
 * the loop, its gap and nothing else, no argument computed.  While no
 * session has started, the writers of rtrace_emit.h (macros) skip their
 * arguments along with everything else, so what a call site then costs
 * is the off loop minus the bare loop.  Under QEMU's icount mode one nanosecond of guest
 * time is one guest instruction, so the figures are instruction counts;
 * under plain TCG they are emulated time and only ratios mean anything
 * (../shared/MEASURING.md).
 *
 * Nested cost (context nmi_nested): the NMI-context loop is run once more
 * while the interrupted task is in the middle of a write.  For ftrace the
 * task holds an uncommitted reservation on the same CPU buffer.  For rtrace
 * the task lane is marked busy, as an interrupted task-level write leaves
 * it, by rtrace_bench_hold_lanes(): that function exists only in the
 * benchmark builds of rtrace.ko (-DRTRACE_BENCH, built by bench/run into
 * build/<kernel>-bench/) and is found with symbol_get(), so every NMI write
 * takes the real nested path (busy lanes seen, rtrace_note_nested()).
 * Against a normal rtrace.ko the rtrace nmi_nested figure is not reported.
 *
 * Recursion drop (context task_rec): the task loop while the task lane and
 * the spare lane are both held, so every write is dropped as recursion
 * (RTRACE_LOST_RECURSION); benchmark builds only, like nmi_nested.
 *
 * Machinery cost: bench/run also loads a build of rtrace.ko with
 * -DRTRACE_BENCH_NO_REENTRANCY (fixed task lane, no busy byte, spare lane
 * or nesting accounting; unsafe, bench only) and reports its rtrace
 * figures as rtrace_nolane, so rtrace_tsc - rtrace_nolane is what lane
 * selection and the recursion guard cost.
 */
#include <linux/module.h>
#include <linux/ring_buffer.h>
#include <linux/irq_work.h>
#include <linux/delay.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/timekeeping.h>
#include <linux/trace_clock.h>
#include <linux/uaccess.h>
#include <linux/percpu.h>
#include <asm/apic.h>
#include <asm/nmi.h>
#include <asm/msr.h>

#include <linux/sizes.h>
#include <linux/vmalloc.h>

#include "../kmod/compat/compat.h"
#include "../kmod/ring/ring.h"
#include "../include/rtrace_emit.h"
#include <uapi/linux/rtrace.h>

#define CREATE_TRACE_POINTS
#include "rtrace_bench_trace.h"

static unsigned int iters = 4096;
module_param(iters, uint, 0644);
MODULE_PARM_DESC(iters, "writes per timed loop");

static unsigned int reps = 7;
module_param(reps, uint, 0644);
MODULE_PARM_DESC(reps, "timed loops per figure (the median is reported)");

enum { IMPL_EMPTY, IMPL_RTRACE, IMPL_FTRACE_RSV, IMPL_FTRACE_WR, IMPL_FLOOR_TSC,
	IMPL_FLOOR_LOCAL, IMPL_FTRACE_EV, NR_IMPL };
enum { PL_RAW16, PL_SCHED, PL_BIGPID, PL_ADDR, PL_BIGPID_G200, PL_BIGPID_G20K,
	PL_ADDR_G200, PL_ADDR_G20K, PL_HUGE, PL_ADDR8, NR_PL };
enum { CTX_TASK, CTX_HARDIRQ, CTX_NMI, CTX_NMI_NESTED, CTX_TASK_REC, NR_CTX };

static const char * const impl_name[NR_IMPL] = {
	"empty", "rtrace", "ftrace_rsv", "ftrace_wr", "floor_tsc", "floor_local", "ftrace_ev",
};

static const char * const pl_name[NR_PL] = {
	"raw16", "sched", "bigpid", "addr", "bigpid_g200", "bigpid_g20k", "addr_g200",
	"addr_g20k", "huge", "addr8",
};

static const char * const ctx_name[NR_CTX] = {
	"task", "hardirq", "nmi", "nmi_nested", "task_rec",
};

/* Which implementations a command measures (bench_write()). */
#define WHAT_ALL	(~0U)
#define WHAT_RTRACE	(BIT(IMPL_EMPTY) | BIT(IMPL_RTRACE))
#define WHAT_TSC	(WHAT_RTRACE | BIT(IMPL_FTRACE_EV) | BIT(IMPL_FLOOR_TSC))

/* "off": IMPL_EMPTY's loops are the bare ones (bench_run_job()). */
static bool bench_bare;

/* Loop iterations of a payload: iters >> shift (the 20000-gap shapes are long). */
static unsigned int pl_shift(int pl)
{
	return pl == PL_BIGPID_G20K || pl == PL_ADDR_G20K ? 3 : 0;
}

/* page_fault_kernel's entry: two addresses and the error code. */
struct bench_addr_entry {
	u16 type;
	u8 flags;
	u8 preempt_count;
	s32 pid;
	u64 address;
	u64 ip;
	u64 error_code;
};

/* ftrace's sched_switch entry without the two comm[16] arrays. */
struct bench_sched_entry {
	u16 type;
	u8 flags;
	u8 preempt_count;
	s32 pid;
	s32 prev_pid;
	s32 prev_prio;
	s64 prev_state;
	s32 next_pid;
	s32 next_prio;
};

/*
 * A sched_switch-like event: type 2 keeps the record header one byte, as
 * the upcoming sched source's will (uapi reserves 1..7 for it).  Nothing
 * decodes the benchmark's stream.
 */
#define BENCH_EV_SCHED	2
/* The page-fault-like event: a two-byte header, as A's other kernel events. */
#define BENCH_EV_ADDR	16
#define FLOOR_BYTES	(64 * 1024)
/* Larger than any sub-buffer's payload (at most 1 MiB minus the header). */
#define HUGE_BYTES	SZ_1M

struct bench_floor {
	u64 pos;
	u8 *buf;			/* FLOOR_BYTES, node-local */
};

static DEFINE_PER_CPU(struct bench_floor, bench_floor);
static struct trace_buffer *bench_rb;

/* One timed job, handed to whichever context runs it. */
struct bench_job {
	int impl;
	int pl;
	u64 ns;
	bool nested;
};

static struct bench_job *bench_cur;
static int (*bench_hold)(unsigned int lanes, bool hold);	/* rtrace_bench_hold_lanes() */
static u8 *bench_huge;			/* HUGE_BYTES */
static int bench_nmi_armed;
static int bench_nmi_done;

/* Results: per impl, payload, context, the median, min and max in ns x1000 per event. */
static u64 res_med[NR_IMPL][NR_PL][NR_CTX];
static u64 res_min[NR_IMPL][NR_PL][NR_CTX];
static u64 res_max[NR_IMPL][NR_PL][NR_CTX];
static u64 res_bytes[NR_IMPL][NR_PL];
static bool bench_have_results;
static DEFINE_MUTEX(bench_mutex);

static const u8 bench_raw[16] __aligned(8) = {
	0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
};

/*
 * A value the compiler cannot see through.  The writers are inlined into
 * the loops, and a real tracepoint's arguments and payload are not known
 * at compile time: without this the compiler would know each argument's
 * varint length, or turn the payload into immediates.
 */
static __always_inline u64 bench_val(u64 v)
{
	OPTIMIZER_HIDE_VAR(v);
	return v;
}

/* Argument values of iteration i: pids in the thousands, prio ~120. */
#define PREV_PID(i)	bench_val(1000 + ((i) & 2047))
#define PREV_PRIO(i)	bench_val(120 + ((i) & 3))
#define PREV_STATE(i)	bench_val((i) & 1)
#define NEXT_PID(i)	bench_val(3000 + ((i) & 1023))
#define NEXT_PRIO(i)	bench_val(120 - ((i) & 7))
/* bigpid: pids between 2^17 and 2^21 (pid_max is 4194304 on large hosts). */
#define BIG_PREV_PID(i)	bench_val(150000 + ((i) & 4095) * 37)
#define BIG_NEXT_PID(i)	bench_val(300000 + ((i) & 1023) * 13)
/* addr: a direct-map address, a kernel text address, an error code. */
#define FAULT_ADDR(i)	bench_val(0xffff888100000000ULL + ((u64)((i) & 65535) << 12))
#define FAULT_IP(i)	bench_val(0xffffffff81000000ULL + ((i) & 4095) * 16)
#define FAULT_CODE(i)	bench_val((i) & 7)
/* The raw payload, through a pointer the compiler cannot see through. */
#define BENCH_RAW	((const u8 *)bench_val((unsigned long)bench_raw))

/*
 * Other work between two events: about 3 instructions per step (the same
 * in the empty loop, so subtracted), so 67 and 6667 steps keep events
 * about 200 and 20000 instructions apart, plus the write itself.
 */
#define GAP200		67
#define GAP20K		6667

static __always_inline void bench_gap(unsigned int n)
{
	unsigned int k;

	for (k = 0; k < n; k++)
		asm volatile("");
}

static __always_inline void bench_keep(u64 a, u64 b, u64 c, u64 d, u64 e)
{
	asm volatile("" : : "r"(a), "r"(b), "r"(c), "r"(d), "r"(e));
}

static __always_inline void floor_store(u64 ts, const void *p, unsigned int len)
{
	struct bench_floor *f = this_cpu_ptr(&bench_floor);
	u64 pos = f->pos;
	u8 *dst;

	if (pos + 8 + len > FLOOR_BYTES)
		pos = 0;
	dst = f->buf + pos;
	*(u64 *)dst = ts;
	memcpy(dst + 8, p, len);
	f->pos = pos + 8 + len;
}

static __always_inline void floor_sched(u64 ts, unsigned int i)
{
	struct bench_floor *f = this_cpu_ptr(&bench_floor);
	u64 pos = f->pos;
	struct bench_sched_entry *e;

	if (pos + 8 + sizeof(*e) > FLOOR_BYTES)
		pos = 0;
	*(u64 *)(f->buf + pos) = ts;
	e = (struct bench_sched_entry *)(f->buf + pos + 8);
	e->prev_pid = PREV_PID(i);
	e->prev_prio = PREV_PRIO(i);
	e->prev_state = PREV_STATE(i);
	e->next_pid = NEXT_PID(i);
	e->next_prio = NEXT_PRIO(i);
	f->pos = pos + 8 + sizeof(*e);
}

static __always_inline void floor_bigpid(u64 ts, unsigned int i)
{
	struct bench_floor *f = this_cpu_ptr(&bench_floor);
	u64 pos = f->pos;
	struct bench_sched_entry *e;

	if (pos + 8 + sizeof(*e) > FLOOR_BYTES)
		pos = 0;
	*(u64 *)(f->buf + pos) = ts;
	e = (struct bench_sched_entry *)(f->buf + pos + 8);
	e->prev_pid = BIG_PREV_PID(i);
	e->prev_prio = PREV_PRIO(i);
	e->prev_state = PREV_STATE(i);
	e->next_pid = BIG_NEXT_PID(i);
	e->next_prio = NEXT_PRIO(i);
	f->pos = pos + 8 + sizeof(*e);
}

static __always_inline void floor_addr(u64 ts, unsigned int i)
{
	struct bench_floor *f = this_cpu_ptr(&bench_floor);
	u64 pos = f->pos;
	u64 *e;

	if (pos + 32 > FLOOR_BYTES)
		pos = 0;
	e = (u64 *)(f->buf + pos);
	e[0] = ts;
	e[1] = FAULT_ADDR(i);
	e[2] = FAULT_IP(i);
	e[3] = FAULT_CODE(i);
	f->pos = pos + 32;
}

static __always_inline void ftrace_fill_bigpid(struct bench_sched_entry *e, unsigned int i)
{
	e->type = 1;
	e->flags = 0;
	e->preempt_count = 0;
	e->pid = 0;
	e->prev_pid = BIG_PREV_PID(i);
	e->prev_prio = PREV_PRIO(i);
	e->prev_state = PREV_STATE(i);
	e->next_pid = BIG_NEXT_PID(i);
	e->next_prio = NEXT_PRIO(i);
}

static __always_inline void ftrace_fill_addr(struct bench_addr_entry *e, unsigned int i)
{
	e->type = 1;
	e->flags = 0;
	e->preempt_count = 0;
	e->pid = 0;
	e->address = FAULT_ADDR(i);
	e->ip = FAULT_IP(i);
	e->error_code = FAULT_CODE(i);
}

static __always_inline void ftrace_fill(struct bench_sched_entry *e, unsigned int i)
{
	e->type = 1;
	e->flags = 0;
	e->preempt_count = 0;
	e->pid = 0;
	e->prev_pid = PREV_PID(i);
	e->prev_prio = PREV_PRIO(i);
	e->prev_state = PREV_STATE(i);
	e->next_pid = NEXT_PID(i);
	e->next_prio = NEXT_PRIO(i);
}

/* One written event of each loop, by iteration number; inlined into the loop. */
static __always_inline void body_empty_raw(unsigned int i)
{
	bench_keep((u64)BENCH_RAW, i, 0, 0, 0);
}

static __always_inline void body_empty_sched(unsigned int i)
{
	bench_keep(PREV_PID(i), PREV_PRIO(i), PREV_STATE(i), NEXT_PID(i), NEXT_PRIO(i));
}

static __always_inline void body_rtrace_raw(unsigned int i)
{
	rtrace_emit_raw(RTRACE_EV_TEST_RAW, BENCH_RAW, 16);
}

static __always_inline void body_rtrace_sched(unsigned int i)
{
	rtrace_emit5(BENCH_EV_SCHED, PREV_PID(i), PREV_PRIO(i), PREV_STATE(i),
		     NEXT_PID(i), NEXT_PRIO(i));
}

static __always_inline void body_ftrace_rsv_raw(unsigned int i)
{
	struct ring_buffer_event *ev = ring_buffer_lock_reserve(bench_rb, 16);

	if (ev) {
		memcpy(ring_buffer_event_data(ev), BENCH_RAW, 16);
		rtrace_rb_unlock_commit(bench_rb, ev);
	}
}

static __always_inline void body_ftrace_rsv_sched(unsigned int i)
{
	struct ring_buffer_event *ev;

	ev = ring_buffer_lock_reserve(bench_rb, sizeof(struct bench_sched_entry));
	if (ev) {
		ftrace_fill(ring_buffer_event_data(ev), i);
		rtrace_rb_unlock_commit(bench_rb, ev);
	}
}

static __always_inline void body_ftrace_wr_raw(unsigned int i)
{
	ring_buffer_write(bench_rb, 16, (void *)BENCH_RAW);
}

static __always_inline void body_ftrace_wr_sched(unsigned int i)
{
	struct bench_sched_entry e;

	ftrace_fill(&e, i);
	ring_buffer_write(bench_rb, sizeof(e), &e);
}

static __always_inline void body_floor_tsc_raw(unsigned int i)
{
	floor_store(rdtsc(), BENCH_RAW, 16);
}

static __always_inline void body_floor_tsc_sched(unsigned int i)
{
	floor_sched(rdtsc(), i);
}

static __always_inline void body_floor_local_raw(unsigned int i)
{
	floor_store(trace_clock_local(), BENCH_RAW, 16);
}

static __always_inline void body_floor_local_sched(unsigned int i)
{
	floor_sched(trace_clock_local(), i);
}

static __always_inline void body_ftrace_ev_raw(unsigned int i)
{
	trace_rtrace_bench_raw16(BENCH_RAW);
}

static __always_inline void body_ftrace_ev_sched(unsigned int i)
{
	trace_rtrace_bench_sched(PREV_PID(i), PREV_PRIO(i), PREV_STATE(i), NEXT_PID(i),
				 NEXT_PRIO(i));
}

/* The realistic shapes (task context). */
static __always_inline void body_empty_bigpid(unsigned int i)
{
	bench_keep(BIG_PREV_PID(i), PREV_PRIO(i), PREV_STATE(i), BIG_NEXT_PID(i),
		   NEXT_PRIO(i));
}

static __always_inline void body_rtrace_bigpid(unsigned int i)
{
	rtrace_emit5(BENCH_EV_SCHED, BIG_PREV_PID(i), PREV_PRIO(i), PREV_STATE(i),
		     BIG_NEXT_PID(i), NEXT_PRIO(i));
}

static __always_inline void body_ftrace_rsv_bigpid(unsigned int i)
{
	struct ring_buffer_event *ev;

	ev = ring_buffer_lock_reserve(bench_rb, sizeof(struct bench_sched_entry));
	if (ev) {
		ftrace_fill_bigpid(ring_buffer_event_data(ev), i);
		rtrace_rb_unlock_commit(bench_rb, ev);
	}
}

static __always_inline void body_ftrace_wr_bigpid(unsigned int i)
{
	struct bench_sched_entry e;

	ftrace_fill_bigpid(&e, i);
	ring_buffer_write(bench_rb, sizeof(e), &e);
}

static __always_inline void body_floor_tsc_bigpid(unsigned int i)
{
	floor_bigpid(rdtsc(), i);
}

static __always_inline void body_floor_local_bigpid(unsigned int i)
{
	floor_bigpid(trace_clock_local(), i);
}

static __always_inline void body_ftrace_ev_bigpid(unsigned int i)
{
	trace_rtrace_bench_sched(BIG_PREV_PID(i), PREV_PRIO(i), PREV_STATE(i),
				 BIG_NEXT_PID(i), NEXT_PRIO(i));
}

static __always_inline void body_empty_addr(unsigned int i)
{
	bench_keep(FAULT_ADDR(i), FAULT_IP(i), FAULT_CODE(i), 0, 0);
}

static __always_inline void body_rtrace_addr(unsigned int i)
{
	rtrace_emit3(BENCH_EV_ADDR, FAULT_ADDR(i), FAULT_IP(i), FAULT_CODE(i));
}

static __always_inline void body_ftrace_rsv_addr(unsigned int i)
{
	struct ring_buffer_event *ev;

	ev = ring_buffer_lock_reserve(bench_rb, sizeof(struct bench_addr_entry));
	if (ev) {
		ftrace_fill_addr(ring_buffer_event_data(ev), i);
		rtrace_rb_unlock_commit(bench_rb, ev);
	}
}

static __always_inline void body_ftrace_wr_addr(unsigned int i)
{
	struct bench_addr_entry e;

	ftrace_fill_addr(&e, i);
	ring_buffer_write(bench_rb, sizeof(e), &e);
}

static __always_inline void body_floor_tsc_addr(unsigned int i)
{
	floor_addr(rdtsc(), i);
}

static __always_inline void body_floor_local_addr(unsigned int i)
{
	floor_addr(trace_clock_local(), i);
}

static __always_inline void body_ftrace_ev_addr(unsigned int i)
{
	trace_rtrace_bench_addr(FAULT_ADDR(i), FAULT_IP(i), FAULT_CODE(i));
}

/* The bare loop ("off"): the same for every payload. */
static __always_inline void body_bare(unsigned int i)
{
	asm volatile("");
}

#define body_bare_raw		body_bare
#define body_bare_sched		body_bare
#define body_bare_bigpid	body_bare
#define body_bare_addr		body_bare

/*
 * addr8, rtrace only: a measured estimate of a fixed 8-byte field type
 * (not in the stream format; Documentation/design.md, "Real inputs").  The
 * addr record as it would be written: the two addresses as 8-byte
 * little-endian stores, the error code a varint, by the inline fast path
 * of rtrace_wr.h, as rtrace_emit_regs() writes (the same key, lane, clock
 * and commit); anything the fast path leaves (the sub-buffer switch, once
 * per few thousand events) goes to the real out-of-line writer with
 * varints.  Nothing decodes the benchmark's stream.
 */
static __always_inline int bench_emit_addr8(u64 addr, u64 ip, u64 code)
{
	struct rtrace_wr_cpu *wc = NULL;
	unsigned long l = 0;
	u64 ts, delta;
	int ret;
	u8 *p;

	if (!rtrace_wr_on())
		return -ENODEV;
	preempt_disable_notrace();
	ret = rtrace_fast_begin(RTRACE_FAST_ROOM(16 + RTRACE_REC_MAX_VARINT), &wc, &l);
	if (unlikely(ret)) {
		preempt_enable_notrace();
		if (ret < 0)
			return ret;
		return __rtrace_emit_regs(RTRACE_TYPE_NARGS(BENCH_EV_ADDR, 3), addr, ip, code,
					  0, 0);
	}
	p = wc->pos[l];
	ts = rtrace_fast_clock(wc, l, &delta);
	p = rtrace_put_varint14(p, (BENCH_EV_ADDR << 4) | 3);
	p = rtrace_put_varint(p, delta);
	put_unaligned_le64(addr, p);
	put_unaligned_le64(ip, p + 8);
	p = rtrace_put_varint(p + 16, code);
	rtrace_fast_commit(wc, l, p, ts);
	preempt_enable_notrace();
	return 0;
}

static __always_inline void body_rtrace_addr8(unsigned int i)
{
	bench_emit_addr8(FAULT_ADDR(i), FAULT_IP(i), FAULT_CODE(i));
}

/* huge: rtrace only, always dropped as too large. */
static __always_inline void body_empty_huge(unsigned int i)
{
	bench_keep((u64)bench_huge, i, 0, 0, 0);
}

static __always_inline void body_rtrace_huge(unsigned int i)
{
	rtrace_emit_raw(RTRACE_EV_TEST_RAW, (const u8 *)bench_val((unsigned long)bench_huge),
			HUGE_BYTES);
}

/* loop_NAME(n): time n iterations of body_NAME(). */
#define BENCH_LOOP(name)					\
static noinline u64 loop_##name(unsigned int n)			\
{								\
	unsigned int i;						\
	u64 t0, t1;						\
								\
	t0 = ktime_get_mono_fast_ns();				\
	for (i = 0; i < n; i++)					\
		body_##name(i);					\
	t1 = ktime_get_mono_fast_ns();				\
	return t1 - t0;						\
}

/* loop_NAME_gGAP(n): the same with bench_gap(GAP) after each event. */
#define BENCH_LOOP_GAP(name, gap)				\
static noinline u64 loop_##name##_g##gap(unsigned int n)	\
{								\
	unsigned int i;						\
	u64 t0, t1;						\
								\
	t0 = ktime_get_mono_fast_ns();				\
	for (i = 0; i < n; i++) {				\
		body_##name(i);					\
		bench_gap(GAP##gap);				\
	}							\
	t1 = ktime_get_mono_fast_ns();				\
	return t1 - t0;						\
}

BENCH_LOOP(empty_raw)
BENCH_LOOP(empty_sched)
BENCH_LOOP(empty_bigpid)
BENCH_LOOP_GAP(empty_bigpid, 200)
BENCH_LOOP_GAP(empty_bigpid, 20K)
BENCH_LOOP(empty_addr)
BENCH_LOOP_GAP(empty_addr, 200)
BENCH_LOOP_GAP(empty_addr, 20K)
BENCH_LOOP(rtrace_raw)
BENCH_LOOP(rtrace_sched)
BENCH_LOOP(rtrace_bigpid)
BENCH_LOOP_GAP(rtrace_bigpid, 200)
BENCH_LOOP_GAP(rtrace_bigpid, 20K)
BENCH_LOOP(rtrace_addr)
BENCH_LOOP_GAP(rtrace_addr, 200)
BENCH_LOOP_GAP(rtrace_addr, 20K)
BENCH_LOOP(ftrace_rsv_raw)
BENCH_LOOP(ftrace_rsv_sched)
BENCH_LOOP(ftrace_rsv_bigpid)
BENCH_LOOP_GAP(ftrace_rsv_bigpid, 200)
BENCH_LOOP_GAP(ftrace_rsv_bigpid, 20K)
BENCH_LOOP(ftrace_rsv_addr)
BENCH_LOOP_GAP(ftrace_rsv_addr, 200)
BENCH_LOOP_GAP(ftrace_rsv_addr, 20K)
BENCH_LOOP(ftrace_wr_raw)
BENCH_LOOP(ftrace_wr_sched)
BENCH_LOOP(ftrace_wr_bigpid)
BENCH_LOOP_GAP(ftrace_wr_bigpid, 200)
BENCH_LOOP_GAP(ftrace_wr_bigpid, 20K)
BENCH_LOOP(ftrace_wr_addr)
BENCH_LOOP_GAP(ftrace_wr_addr, 200)
BENCH_LOOP_GAP(ftrace_wr_addr, 20K)
BENCH_LOOP(floor_tsc_raw)
BENCH_LOOP(floor_tsc_sched)
BENCH_LOOP(floor_tsc_bigpid)
BENCH_LOOP_GAP(floor_tsc_bigpid, 200)
BENCH_LOOP_GAP(floor_tsc_bigpid, 20K)
BENCH_LOOP(floor_tsc_addr)
BENCH_LOOP_GAP(floor_tsc_addr, 200)
BENCH_LOOP_GAP(floor_tsc_addr, 20K)
BENCH_LOOP(floor_local_raw)
BENCH_LOOP(floor_local_sched)
BENCH_LOOP(floor_local_bigpid)
BENCH_LOOP_GAP(floor_local_bigpid, 200)
BENCH_LOOP_GAP(floor_local_bigpid, 20K)
BENCH_LOOP(floor_local_addr)
BENCH_LOOP_GAP(floor_local_addr, 200)
BENCH_LOOP_GAP(floor_local_addr, 20K)
BENCH_LOOP(ftrace_ev_raw)
BENCH_LOOP(ftrace_ev_sched)
BENCH_LOOP(ftrace_ev_bigpid)
BENCH_LOOP_GAP(ftrace_ev_bigpid, 200)
BENCH_LOOP_GAP(ftrace_ev_bigpid, 20K)
BENCH_LOOP(ftrace_ev_addr)
BENCH_LOOP_GAP(ftrace_ev_addr, 200)
BENCH_LOOP_GAP(ftrace_ev_addr, 20K)
BENCH_LOOP(empty_huge)
BENCH_LOOP(rtrace_huge)
BENCH_LOOP(rtrace_addr8)
BENCH_LOOP(bare_raw)
BENCH_LOOP(bare_sched)
BENCH_LOOP(bare_bigpid)
BENCH_LOOP_GAP(bare_bigpid, 200)
BENCH_LOOP_GAP(bare_bigpid, 20K)
BENCH_LOOP(bare_addr)
BENCH_LOOP_GAP(bare_addr, 200)
BENCH_LOOP_GAP(bare_addr, 20K)

typedef u64 (*bench_loop_fn)(unsigned int n);

#define BENCH_ROW(impl) {						\
	loop_##impl##_raw, loop_##impl##_sched, loop_##impl##_bigpid,	\
	loop_##impl##_addr, loop_##impl##_bigpid_g200,			\
	loop_##impl##_bigpid_g20K, loop_##impl##_addr_g200,		\
	loop_##impl##_addr_g20K, NULL }

static const bench_loop_fn bench_loops[NR_IMPL][NR_PL] = {
	[IMPL_EMPTY] = BENCH_ROW(empty),
	[IMPL_RTRACE] = BENCH_ROW(rtrace),
	[IMPL_FTRACE_RSV] = BENCH_ROW(ftrace_rsv),
	[IMPL_FTRACE_WR] = BENCH_ROW(ftrace_wr),
	[IMPL_FLOOR_TSC] = BENCH_ROW(floor_tsc),
	[IMPL_FLOOR_LOCAL] = BENCH_ROW(floor_local),
	[IMPL_FTRACE_EV] = BENCH_ROW(ftrace_ev),
};

/* Is (impl, payload, context) measured?  The shapes: task context only. */
static bool bench_valid(int impl, int pl, int ctx)
{
	if (pl == PL_HUGE || pl == PL_ADDR8)
		return (impl == IMPL_EMPTY || impl == IMPL_RTRACE) && ctx == CTX_TASK;
	if (ctx == CTX_TASK_REC)
		return (impl == IMPL_EMPTY || impl == IMPL_RTRACE) && pl <= PL_SCHED;
	if (ctx == CTX_NMI_NESTED && impl == IMPL_FTRACE_EV)
		return false;	/* no reservation to hold in the instance */
	return pl <= PL_SCHED || ctx == CTX_TASK;
}

static const bench_loop_fn bench_bare_loops[NR_PL] = BENCH_ROW(bare);

static void bench_run_job(struct bench_job *job)
{
	bench_loop_fn fn = bench_loops[job->impl][job->pl];

	if (job->impl == IMPL_EMPTY && bench_bare)
		fn = job->pl == PL_HUGE ? loop_bare_raw :
		     job->pl == PL_ADDR8 ? loop_bare_addr : bench_bare_loops[job->pl];
	else if (job->pl == PL_HUGE)
		fn = job->impl == IMPL_RTRACE ? loop_rtrace_huge : loop_empty_huge;
	else if (job->pl == PL_ADDR8)
		fn = job->impl == IMPL_RTRACE ? loop_rtrace_addr8 : loop_empty_addr;
	job->ns = fn(iters >> pl_shift(job->pl));
}

/* NMI context: the loop runs inside our own self-NMI. */
static int bench_nmi_handler(unsigned int type, struct pt_regs *regs)
{
	if (!READ_ONCE(bench_nmi_armed))
		return NMI_DONE;
	WRITE_ONCE(bench_nmi_armed, 0);
	bench_run_job(bench_cur);
	WRITE_ONCE(bench_nmi_done, 1);
	return NMI_HANDLED;
}

static int bench_fire_nmi(void)
{
	unsigned long spins = 0;

	WRITE_ONCE(bench_nmi_done, 0);
	WRITE_ONCE(bench_nmi_armed, 1);
	apic->send_IPI_self(NMI_VECTOR);
	while (!READ_ONCE(bench_nmi_done)) {
		cpu_relax();
		if (++spins > 2000000000UL) {
			WRITE_ONCE(bench_nmi_armed, 0);
			return -ETIMEDOUT;
		}
	}
	return 0;
}

/* Hardirq context: a hard irq_work (hardirq even on PREEMPT_RT). */
static int bench_irq_done;

static void bench_irq_work_fn(struct irq_work *w)
{
	bench_run_job(bench_cur);
	WRITE_ONCE(bench_irq_done, 1);
}

static struct irq_work bench_irq_work = IRQ_WORK_INIT_HARD(bench_irq_work_fn);

static int bench_once(struct bench_job *job, int ctx)
{
	unsigned long flags;
	int ret = 0;

	bench_cur = job;
	switch (ctx) {
	case CTX_TASK:
		local_irq_save(flags);
		bench_run_job(job);
		local_irq_restore(flags);
		break;
	case CTX_TASK_REC:
		/* Task lane and spare lane busy: every write is a recursion drop. */
		local_irq_save(flags);
		if (job->impl == IMPL_RTRACE)
			ret = bench_hold(BIT(RTRACE_LANE_TASK) | BIT(RTRACE_LANE_SPARE), true);
		if (!ret)
			bench_run_job(job);
		if (job->impl == IMPL_RTRACE && !ret)
			bench_hold(BIT(RTRACE_LANE_TASK) | BIT(RTRACE_LANE_SPARE), false);
		local_irq_restore(flags);
		break;
	case CTX_HARDIRQ:
		preempt_disable();
		WRITE_ONCE(bench_irq_done, 0);
		irq_work_queue(&bench_irq_work);
		while (!READ_ONCE(bench_irq_done))
			cpu_relax();
		preempt_enable();
		break;
	case CTX_NMI:
		preempt_disable();
		ret = bench_fire_nmi();
		preempt_enable();
		break;
	case CTX_NMI_NESTED:
		preempt_disable();
		if (job->impl == IMPL_FTRACE_RSV || job->impl == IMPL_FTRACE_WR) {
			/* The interrupted task holds an uncommitted reservation. */
			struct ring_buffer_event *ev;

			ev = ring_buffer_lock_reserve(bench_rb, 16);
			ret = bench_fire_nmi();
			if (ev)
				rtrace_rb_unlock_commit(bench_rb, ev);
		} else if (job->impl == IMPL_RTRACE) {
			/* The interrupted task is inside an rtrace write. */
			ret = bench_hold(BIT(RTRACE_LANE_TASK), true);
			if (!ret) {
				ret = bench_fire_nmi();
				bench_hold(BIT(RTRACE_LANE_TASK), false);
			}
		} else {
			ret = bench_fire_nmi();
		}
		preempt_enable();
		break;
	}
	return ret;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static int bench_measure(int impl, int pl, int ctx, u64 *samples)
{
	struct bench_job job = { .impl = impl, .pl = pl };
	unsigned int r;
	int ret;

	/* Warm-up: caches, the ring's first sub-buffer switches. */
	ret = bench_once(&job, ctx);
	if (ret)
		return ret;
	for (r = 0; r < reps; r++) {
		ret = bench_once(&job, ctx);
		if (ret)
			return ret;
		samples[r] = job.ns;
		cond_resched();
	}
	sort(samples, reps, sizeof(u64), cmp_u64, NULL);
	return 0;
}

/* Is (@impl, @pl, @ctx) measured by a command measuring @what? */
static bool bench_wanted(unsigned int what, int impl, int pl, int ctx)
{
	if (!(what & BIT(impl)) || !bench_valid(impl, pl, ctx))
		return false;
	/* A held lane needs a benchmark build of rtrace.ko. */
	return impl != IMPL_RTRACE || bench_hold ||
	       (ctx != CTX_NMI_NESTED && ctx != CTX_TASK_REC);
}

/* Measure the implementations in @what (WHAT_*). */
static int bench_run_all(unsigned int what)
{
	u64 *samples, *empty;
	int impl, pl, ctx, ret = 0;
	unsigned int r;

	samples = kcalloc(reps, sizeof(u64), GFP_KERNEL);
	empty = kcalloc(reps, sizeof(u64), GFP_KERNEL);
	if (!samples || !empty) {
		ret = -ENOMEM;
		goto out;
	}
	for (impl = 0; impl < NR_IMPL; impl++)
		for (pl = 0; pl < NR_PL; pl++)
			for (ctx = 0; ctx < NR_CTX; ctx++)
				res_med[impl][pl][ctx] = U64_MAX;
	for (ctx = 0; ctx < NR_CTX; ctx++) {
		for (pl = 0; pl < NR_PL; pl++) {
			bool any = false;

			for (impl = 1; impl < NR_IMPL; impl++)
				any |= bench_wanted(what, impl, pl, ctx);
			if (!any)
				continue;
			ret = bench_measure(IMPL_EMPTY, pl, ctx == CTX_NMI_NESTED ? CTX_NMI : ctx,
					    empty);
			if (ret)
				goto out;
			for (impl = 1; impl < NR_IMPL; impl++) {
				if (!bench_wanted(what, impl, pl, ctx))
					continue;
				ret = bench_measure(impl, pl, ctx, samples);
				if (ret)
					goto out;
				for (r = 0; r < reps; r++)
					samples[r] = samples[r] > empty[r] ?
						(samples[r] - empty[r]) * 1000 /
						(iters >> pl_shift(pl)) : 0;
				sort(samples, reps, sizeof(u64), cmp_u64, NULL);
				res_med[impl][pl][ctx] = samples[reps / 2];
				res_min[impl][pl][ctx] = samples[0];
				res_max[impl][pl][ctx] = samples[reps - 1];
			}
		}
	}
	bench_have_results = true;
out:
	kfree(empty);
	kfree(samples);
	return ret;
}

/*
 * Density: sched_switch-like events with realistic values (pids in the
 * thousands, a few microseconds apart), emitted in task context.  The
 * bytes per event are read back from the session's counters (rtrace stats)
 * by bench/run, so they are what the real writer stored.
 */
static unsigned int density_events = 2000;
module_param(density_events, uint, 0644);
MODULE_PARM_DESC(density_events, "events emitted by the density pass");

static void bench_density(void)
{
	u32 x = 12345;
	unsigned int i;

	for (i = 0; i < density_events; i++) {
		u32 prev, next;

		x = x * 1103515245 + 12345;
		prev = 1000 + (x >> 8) % 9000;
		x = x * 1103515245 + 12345;
		next = 1000 + (x >> 8) % 9000;
		rtrace_emit5(BENCH_EV_SCHED, prev, 120 + (x & 15), x >> 31, next,
			     100 + ((x >> 4) & 39));
		udelay(2 + (x & 3));
	}
}

/* Density of the raw 16-byte event, same pacing as bench_density(). */
static void bench_density_raw(void)
{
	unsigned int i;

	for (i = 0; i < density_events; i++) {
		rtrace_emit_raw(RTRACE_EV_TEST_RAW, bench_raw, 16);
		udelay(2 + (i & 3));
	}
}

static int bench_show(struct seq_file *m, void *v)
{
	int impl, pl, ctx;

	mutex_lock(&bench_mutex);
	if (!bench_have_results) {
		seq_puts(m, "# no results: write \"run\" to this file\n");
		goto out;
	}
	seq_printf(m, "config iters %u reps %u\n", iters, reps);
	for (impl = 1; impl < NR_IMPL; impl++)
		for (pl = 0; pl < NR_PL; pl++)
			for (ctx = 0; ctx < NR_CTX; ctx++)
				if (res_med[impl][pl][ctx] != U64_MAX &&
				    bench_valid(impl, pl, ctx))
					seq_printf(m, "result %s %s %s %llu %llu %llu %u\n",
						   impl_name[impl], pl_name[pl], ctx_name[ctx],
						   res_med[impl][pl][ctx], res_min[impl][pl][ctx],
						   res_max[impl][pl][ctx], reps);
	for (impl = 1; impl < NR_IMPL; impl++)
		for (pl = 0; pl < NR_PL; pl++)
			if (res_bytes[impl][pl])
				seq_printf(m, "bytes %s %s %llu\n", impl_name[impl],
					   pl_name[pl], res_bytes[impl][pl]);
out:
	mutex_unlock(&bench_mutex);
	return 0;
}

static int bench_open(struct inode *inode, struct file *file)
{
	return single_open(file, bench_show, NULL);
}

static ssize_t bench_write(struct file *file, const char __user *ubuf, size_t len,
			   loff_t *ppos)
{
	char cmd[16] = {};
	int ret;

	if (len >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	if (!reps || reps > 101 || !iters)
		return -EINVAL;
	mutex_lock(&bench_mutex);
	if (!strcmp(strim(cmd), "run")) {
		ret = bench_run_all(WHAT_ALL);
	} else if (!strcmp(strim(cmd), "rtrace")) {
		ret = bench_run_all(WHAT_RTRACE);
	} else if (!strcmp(strim(cmd), "off")) {
		bench_bare = true;
		ret = bench_run_all(WHAT_RTRACE);
		bench_bare = false;
	} else if (!strcmp(strim(cmd), "tsc")) {
		ret = bench_run_all(WHAT_TSC);
	} else if (!strcmp(strim(cmd), "density")) {
		bench_density();
		ret = 0;
	} else if (!strcmp(strim(cmd), "density_raw")) {
		bench_density_raw();
		ret = 0;
	} else {
		ret = -EINVAL;
	}
	mutex_unlock(&bench_mutex);
	return ret ? ret : len;
}

static const struct proc_ops bench_proc_ops = {
	.proc_open = bench_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
	.proc_write = bench_write,
};

/*
 * Bytes ftrace's ring buffer stores for a payload of @len: a 4-byte event
 * header whose type_len holds the length in words (payloads up to 112
 * bytes, 4-byte alignment on x86_64), not counting the occasional 8-byte
 * time-extend event.
 */
static u64 rb_bytes(unsigned int len)
{
	return 4 + ALIGN(len, 4);
}

static void bench_floor_free(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		kvfree(per_cpu(bench_floor, cpu).buf);
		per_cpu(bench_floor, cpu).buf = NULL;
	}
}

static int bench_floor_alloc(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		per_cpu(bench_floor, cpu).buf = kvzalloc_node(FLOOR_BYTES, GFP_KERNEL,
							      cpu_to_node(cpu));
		if (!per_cpu(bench_floor, cpu).buf) {
			bench_floor_free();
			return -ENOMEM;
		}
	}
	return 0;
}

static int __init bench_init(void)
{
	int ret;

	ret = bench_floor_alloc();
	if (ret)
		return ret;
	bench_huge = vzalloc(HUGE_BYTES);
	if (!bench_huge) {
		ret = -ENOMEM;
		goto err_floor;
	}

	/* ftrace's default: overwrite mode, like rtrace's bench session. */
	bench_rb = ring_buffer_alloc(1 << 20, RB_FL_OVERWRITE);
	if (!bench_rb) {
		ret = -ENOMEM;
		goto err_floor;
	}
	res_bytes[IMPL_FTRACE_RSV][PL_RAW16] = rb_bytes(16);
	res_bytes[IMPL_FTRACE_RSV][PL_SCHED] = rb_bytes(sizeof(struct bench_sched_entry));
	ret = register_nmi_handler(NMI_LOCAL, bench_nmi_handler, 0, "rtrace_bench");
	if (ret)
		goto err_rb;
	/* NULL unless rtrace.ko is a benchmark build (-DRTRACE_BENCH). */
	bench_hold = symbol_get(rtrace_bench_hold_lanes);
	if (!proc_create("rtrace_bench", 0600, NULL, &bench_proc_ops)) {
		ret = -ENOMEM;
		goto err_nmi;
	}
	return 0;

err_nmi:
	if (bench_hold)
		symbol_put(rtrace_bench_hold_lanes);
	unregister_nmi_handler(NMI_LOCAL, "rtrace_bench");
err_rb:
	ring_buffer_free(bench_rb);
err_floor:
	vfree(bench_huge);
	bench_floor_free();
	return ret;
}

static void __exit bench_exit(void)
{
	remove_proc_entry("rtrace_bench", NULL);
	if (bench_hold)
		symbol_put(rtrace_bench_hold_lanes);
	unregister_nmi_handler(NMI_LOCAL, "rtrace_bench");
	irq_work_sync(&bench_irq_work);
	ring_buffer_free(bench_rb);
	vfree(bench_huge);
	bench_floor_free();
}

module_init(bench_init);
module_exit(bench_exit);
MODULE_LICENSE("GPL");
RTRACE_IMPORT_INTERNAL();
MODULE_DESCRIPTION("rtrace writer benchmark against ftrace's ring buffer");
