/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtrace: the writer state and the inline fast path behind the API of
 * rtrace_emit.h.  Not an API: shared by the inline writers (compiled into
 * the calling module) and rtrace.ko's ring (kmod/ring/), which must agree
 * on every layout here; a module that includes it must be rebuilt with
 * rtrace.ko.  The protocol is documented in kmod/ring/ring.c.
 */
#ifndef _RTRACE_WR_H
#define _RTRACE_WR_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/preempt.h>
#include <linux/percpu.h>
#include <linux/jump_label.h>
#include <linux/trace_clock.h>
#include <asm/msr.h>
#endif
#include <uapi/linux/rtrace.h>

/*
 * The inline fast path
 * ====================
 *
 * The common write - a session recording on this CPU, no lane of this CPU
 * busy (so nothing to nest, nothing to account), room in the open
 * sub-buffer, a type below 1024 - is done right here, in the caller, with
 * no call: the type, the argument count and (for raw events) the length
 * are usually constants, so the record header is a constant store.
 * Everything else calls the out-of-line writer, which decides again from
 * scratch (an interrupt in between changes nothing: it completes first).
 * The fast path calls nothing but trace_clock_local() (notrace, and only
 * when the ring does not use the TSC) and, as any writer, the reschedule
 * of preempt_enable_notrace(); so it adds no traceable call to its caller.
 * A caller that may itself be reached from traced code should be notrace,
 * as any tracing probe is (scripts/check-writer --test checks two).
 *
 * Off means off: every writer, inline or not, first tests the static key
 * rtrace_wr_key (one patched no-op when on, a jump when off, as a disabled
 * tracepoint).  It is on from the first start of the attached ring until
 * that ring is detached, so while no session has ever recorded a call
 * costs the jump and nothing else, and is not counted anywhere; while a
 * started session is stopped the writers go on to count RTRACE_LOST_OFF
 * (kmod/ring/ring.c, "The static key", has the ordering).
 *
 * The writer-owned state it uses is struct rtrace_wr_cpu, the first member
 * of the ring's per-CPU data (kmod/ring/ring.c documents the protocol).
 * rtrace_wr_cpus points at it while a ring is attached, and otherwise (and
 * always in debug builds of rtrace.ko, whose checks and injection points
 * live in the out-of-line writers) at an idle state whose busy byte
 * RTRACE_WR_SLOW is set and clock is 0, so it is never NULL; it is read
 * with preemption disabled, the RCU-sched read side that detaching waits
 * for.  Busy byte RTRACE_WR_SLOW is non-zero while this CPU does not
 * record, so "recording and nothing busy" is one load.
 */
union rtrace_wr_busy {
	u8 lane[8];		/* [0 .. RTRACE_NR_LANES - 1]: lane owned */
	u64 all;
};

#define RTRACE_WR_SLOW		7	/* busy byte: out-of-line writer only */

/*
 * Lane l's state is entry [l] of each array, so one index register
 * addresses its busy byte and (scaled by 8) all of its state.
 */
struct rtrace_wr_cpu {
	union rtrace_wr_busy busy;
	u64 clock;				/* RTRACE_CLOCK_* of the ring */
	u8 *pos[RTRACE_NR_LANES];		/* next record byte; NULL: none open */
	u8 *end[RTRACE_NR_LANES];		/* end of the open sub-buffer */
	u64 last_ts[RTRACE_NR_LANES];		/* the next delta refers to it */
	u64 nr_events[RTRACE_NR_LANES];		/* records in the open sub-buffer */
	/* The drop path (rtrace_fast_full()); cold. */
	u64 full_at[RTRACE_NR_LANES];		/* *consumed when found full; ~0: not */
	const u64 *consumed[RTRACE_NR_LANES];	/* the reader's count of the lane */
	u64 lost_full[RTRACE_NR_LANES];		/* RTRACE_LOST_FULL counted here */
};

extern struct rtrace_wr_cpu __percpu *rtrace_wr_cpus;

/* On from the attached ring's first start until it is detached (ring.c). */
DECLARE_STATIC_KEY_FALSE(rtrace_wr_key);

/*
 * May a writer record or count anything?  One patched instruction: a
 * no-op while on, a jump to the caller's "off" code while off.
 */
static __always_inline bool rtrace_wr_on(void)
{
	return static_branch_likely(&rtrace_wr_key);
}

/*
 * RTRACE_BENCH_NO_REENTRANCY: UNSAFE, BENCHMARK ONLY (bench/run builds it
 * into its own build directory, rtrace.ko and rtrace_bench.ko alike, to
 * measure what the reentrancy machinery costs): every write goes to the
 * task lane with no context level, no busy byte, no spare lane and no
 * nesting accounting, so any interrupt that writes corrupts the lane.
 */
#ifdef RTRACE_BENCH_NO_REENTRANCY
#define RTRACE_REENTRANT	0
#else
#define RTRACE_REENTRANT	1
#endif

#ifdef __KERNEL__
/*
 * Context level by the highest set bit of the preempt_count bits that
 * tell contexts apart, plus one (see rtrace_context_level()): none is
 * task, the softirq bit softirq, a hardirq bit hardirq, an NMI bit NMI.
 */
static const u8 rtrace_level_table[NMI_SHIFT + NMI_BITS + 1] __maybe_unused = {
	[SOFTIRQ_SHIFT + 1] = 1,
	[HARDIRQ_SHIFT + 1 ... HARDIRQ_SHIFT + HARDIRQ_BITS] = 2,
	[NMI_SHIFT + 1 ... NMI_SHIFT + NMI_BITS] = 3,
};

/*
 * Context level of the caller (0 task, 1 softirq, 2 hardirq, 3 NMI), as
 * interrupt_context_level(), without a branch and in the same handful of
 * instructions in every context: the highest set bit of the NMI, hardirq
 * and serving-softirq bits of preempt_count, then one table load.  BSR
 * leaves its destination alone for a zero source, so -1 (no bit: task)
 * indexes entry 0; the kernel's fls64() relies on the same behaviour.
 */
static __always_inline unsigned int rtrace_context_level(void)
{
	unsigned long pc = preempt_count() & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET);
	long bit;

	/*
	 * The -1 inside the asm: as an input the compiler hoists it out of
	 * a caller's loop into a register, which a call (the local clock)
	 * then clobbers.
	 */
	asm("movq $-1, %0\n\tbsrq %1, %0" : "=&r" (bit) : "rm" (pc));
	return rtrace_level_table[bit + 1];
}

static __always_inline u64 rtrace_read_tsc(void)
{
	return rdtsc();
}
#endif /* __KERNEL__ (the unit-test shim provides both otherwise) */

/*
 * Room the fast path wants in the open sub-buffer: a two-byte type (types
 * below 1024), the largest delta, @payload bytes.
 */
#define RTRACE_FAST_ROOM(payload)	(2 + RTRACE_REC_MAX_VARINT + (payload))

/*
 * Release a lane taken by rtrace_fast_begin(): its state is complete
 * (barrier()) before another writer may own it.  Pairs with the barrier()
 * of rtrace_fast_begin().
 */
static __always_inline void rtrace_fast_end(u8 *busy)
{
	if (RTRACE_REENTRANT) {
		barrier();
		WRITE_ONCE(*busy, 0);
	}
}

/* rtrace_fast_begin(): not here, call the out-of-line writer. */
#define RTRACE_FAST_SLOW	1

/*
 * Lane @l, owned, has no room: no sub-buffer open, or the open one is
 * full.  A lane of a discard-mode ring that the out-of-line writer found
 * full, with no sub-buffer open since, has full_at[l] = the reader's
 * consumed count then (lane.c sets and clears it); while that count has
 * not moved no slot can be free, so the event is dropped and counted right
 * here (RTRACE_LOST_FULL, into lost_full[l]) instead of entering the
 * out-of-line writer to read the clock and retry the switch.  A stale
 * count only sends the write out of line, which claims afresh (no barrier:
 * nothing is written to a slot here).  Release the lane either way.
 * Return: -ENOSPC if dropped, else RTRACE_FAST_SLOW.
 */
static __always_inline int rtrace_fast_full(struct rtrace_wr_cpu *wc, unsigned long l)
{
	int ret = RTRACE_FAST_SLOW;

	if (READ_ONCE(*wc->consumed[l]) == wc->full_at[l]) {
		WRITE_ONCE(wc->lost_full[l], wc->lost_full[l] + 1);
		ret = -ENOSPC;
	}
	rtrace_fast_end(&wc->busy.lane[l]);
	return ret;
}

/*
 * Preemption disabled.  Take this CPU's lane of the caller's context level
 * if the fast path may write there: @room bytes free, nothing busy.
 * Return: 0 with *@wcp and *@lp, this CPU's writer state and the lane,
 * owned (its busy byte set); RTRACE_FAST_SLOW for the out-of-line writer,
 * or -ENOSPC for an event dropped and counted (rtrace_fast_full()), with
 * nothing taken.
 */
static __always_inline int rtrace_fast_begin(size_t room, struct rtrace_wr_cpu **wcp,
					     unsigned long *lp)
{
	/* Never NULL: the idle state when no ring is attached. */
	struct rtrace_wr_cpu *wc = this_cpu_ptr(READ_ONCE(rtrace_wr_cpus));
	unsigned long l;

	/* Not recording (RTRACE_WR_SLOW) or a lane busy: nested write. */
	if (unlikely(READ_ONCE(wc->busy.all)))
		return RTRACE_FAST_SLOW;
	l = RTRACE_REENTRANT ? rtrace_context_level() : 0;
	if (RTRACE_REENTRANT) {
		/*
		 * Own the lane before looking at it: an interrupt of the same
		 * level (entry window) arriving after this store sees the byte
		 * and takes the spare lane.  A plain store: the lane bytes
		 * matter only to writers on this CPU, which run after it in
		 * program order (the busy word's rules: kmod/ring/ring.c).
		 * The barrier() pairs with the barrier() of rtrace_fast_end().
		 */
		WRITE_ONCE(wc->busy.lane[l], 1);
		barrier();
	}
	/* A NULL pos (nothing open) leaves end - pos == 0: no room. */
	if (unlikely((size_t)(wc->end[l] - wc->pos[l]) < room))
		return rtrace_fast_full(wc, l);
	*wcp = wc;
	*lp = l;
	return 0;
}

/* Read the clock @clock (RTRACE_CLOCK_*): the TSC, else trace_clock_local(). */
static __always_inline u64 rtrace_read_clock(u64 clock)
{
	if (likely(clock == RTRACE_CLOCK_TSC))
		return rtrace_read_tsc();
	return trace_clock_local();
}

/*
 * Read @clock, never behind @last, the lane's last timestamp: deltas are
 * unsigned, a lane's clock must not go backwards.
 */
static __always_inline u64 rtrace_clock_after(u64 clock, u64 last)
{
	u64 ts = rtrace_read_clock(clock);

	if (unlikely(ts < last))
		ts = last;
	return ts;
}

/*
 * The ring's clock for lane @l (the TSC, one instruction; else
 * trace_clock_local(), notrace), as rtrace_clock_after().
 * Return: the timestamp; *@delta its distance from the last one.
 */
static __always_inline u64 rtrace_fast_clock(const struct rtrace_wr_cpu *wc, unsigned long l,
					     u64 *delta)
{
	u64 last = wc->last_ts[l];
	u64 ts = rtrace_clock_after(wc->clock, last);

	*delta = ts - last;
	return ts;
}

/* The record of lane @l ends at @p: make it part of the sub-buffer. */
static __always_inline void rtrace_wr_store(struct rtrace_wr_cpu *wc, unsigned long l,
					    u8 *p, u64 ts)
{
	wc->pos[l] = p;
	wc->nr_events[l]++;
	wc->last_ts[l] = ts;
}

/* As rtrace_wr_store(), then release the lane taken by rtrace_fast_begin(). */
static __always_inline void rtrace_fast_commit(struct rtrace_wr_cpu *wc, unsigned long l,
					       u8 *p, u64 ts)
{
	rtrace_wr_store(wc, l, p, ts);
	rtrace_fast_end(&wc->busy.lane[l]);
}

/* Unsigned LEB128 (uapi/linux/rtrace.h); one and two bytes without a loop. */
static __always_inline u8 *rtrace_put_varint(u8 *p, u64 v)
{
	if (likely(v < 0x80)) {
		*p = (u8)v;
		return p + 1;
	}
	if (likely(v < 0x4000)) {
		p[0] = (u8)v | 0x80;
		p[1] = (u8)(v >> 7);
		return p + 2;
	}
	while (v >= 0x80) {
		*p++ = (u8)v | 0x80;
		v >>= 7;
	}
	*p++ = (u8)v;
	return p;
}

/*
 * @v < 2^14: one or two bytes.  The masks cost nothing (byte stores) and
 * keep sparse quiet when @v is a constant above 0xff (a type from 16 on).
 */
static __always_inline u8 *rtrace_put_varint14(u8 *p, u64 v)
{
	if (v < 0x80) {
		*p = (u8)(v & 0x7f);
		return p + 1;
	}
	p[0] = (u8)(v & 0x7f) | 0x80;
	p[1] = (u8)((v >> 7) & 0x7f);
	return p + 2;
}

/* The first @nargs (at most five) of @a0 .. @a4, as varints. */
static __always_inline u8 *rtrace_put_regs(u8 *p, unsigned int nargs, u64 a0, u64 a1,
					   u64 a2, u64 a3, u64 a4)
{
	if (nargs > 0)
		p = rtrace_put_varint(p, a0);
	if (nargs > 1)
		p = rtrace_put_varint(p, a1);
	if (nargs > 2)
		p = rtrace_put_varint(p, a2);
	if (nargs > 3)
		p = rtrace_put_varint(p, a3);
	if (nargs > 4)
		p = rtrace_put_varint(p, a4);
	return p;
}

#endif /* _RTRACE_WR_H */
