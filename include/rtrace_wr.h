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
#include <asm/local64.h>
#include <asm/msr.h>
#endif
#include <uapi/linux/rtrace.h>

/*
 * The inline fast path
 * ====================
 *
 * The common write - a session recording on this CPU, the lane of the
 * caller's context level free, room in the open sub-buffer, a type below
 * 1024 - is done right here, in the caller, with no call: the type, the
 * argument count and (for raw events) the length are usually constants,
 * so the record header is a constant store.  If other lanes are busy (an
 * NMI in a task's write) the write is counted nested and goes on the same
 * way; the recursion drop (the lane and the spare lane busy) and the full
 * drop (rtrace_fast_full()) are counted here too.  Everything else - the
 * spare lane, a sub-buffer switch, not recording - calls the out-of-line
 * writer, which decides again from scratch (an interrupt in between
 * changes nothing: it completes first).
 * The fast path calls nothing but trace_clock_local() (notrace, and only
 * when the ring does not use the TSC) and, as any writer, the reschedule
 * of preempt_enable_notrace(); so it adds no traceable call to its caller.
 * A caller that may itself be reached from traced code should be notrace,
 * as any tracing probe is (scripts/check-writer --test checks two).
 *
 * Off means off: every writer, inline or not, first tests the static key
 * rtrace_wr_key (one patched no-op when on, a jump when off, as a disabled
 * tracepoint); the inline writers of rtrace_emit.h are macros that test it
 * before they evaluate their arguments.  It is on from the first start of
 * the attached ring until that ring is detached, so while no session has
 * ever recorded a call costs the jump and nothing else, and is not counted
 * anywhere; while a started session is stopped the writers go on to count
 * RTRACE_LOST_OFF (kmod/ring/ring.c, "The static key", has the ordering).
 *
 * The writer-owned state it uses is struct rtrace_wr_cpu, the first member
 * of the ring's per-CPU data (kmod/ring/ring.c documents the protocol).
 * rtrace_wr_cpus points at it while a ring is attached, and otherwise (and
 * always in debug builds of rtrace.ko, whose checks and injection points
 * live in the out-of-line writers) at an idle state whose busy byte
 * RTRACE_WR_SLOW is set and clock is 0, so it is never NULL; it is read
 * with preemption disabled, the RCU-sched read side that detaching waits
 * for.  Busy byte RTRACE_WR_SLOW is non-zero while this CPU does not
 * record, so "recording and nothing busy", the common case, is one load.
 */
union rtrace_wr_busy {
	u8 lane[8];		/* [0 .. RTRACE_NR_LANES - 1]: lane owned */
	u64 all;
};

#define RTRACE_WR_SLOW		7	/* busy byte: out-of-line writer only */
#define RTRACE_WR_OFF		6	/* busy byte: stopped (with RTRACE_WR_SLOW) */

/* Busy byte @l in a snapshot of union rtrace_wr_busy.all (no stack copy). */
static __always_inline u8 rtrace_busy_lane(u64 all, unsigned int l)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (u8)(all >> (56 - 8 * l));
#else
	return (u8)(all >> (8 * l));
#endif
}

/* busy.all with byte @l set to 1 and the others 0. */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define RTRACE_WR_BYTE(l)	(1ULL << (56 - 8 * (l)))
#else
#define RTRACE_WR_BYTE(l)	(1ULL << (8 * (l)))
#endif
/* The lane bytes of busy.all. */
#define RTRACE_WR_LANES		(RTRACE_WR_BYTE(RTRACE_NR_LANES) - 1)
/*
 * busy.all of a CPU whose started ring is stopped, no lane busy: writers
 * count RTRACE_LOST_OFF inline (rtrace_fast_busy()).
 */
#define RTRACE_WR_STOPPED	(RTRACE_WR_BYTE(RTRACE_WR_SLOW) | RTRACE_WR_BYTE(RTRACE_WR_OFF))

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
	/* Counted by writers that do not own the lane: local64_t. */
	local64_t lost_rec[RTRACE_NR_LANES];	/* RTRACE_LOST_RECURSION */
	local64_t lost_off[RTRACE_NR_LANES];	/* RTRACE_LOST_OFF */
	/* Nesting (rtrace_wr_count_nested()); [l]: owned by lane l's owner. */
	u64 nested[RTRACE_NR_LANES];		/* writes begun while others busy */
	u64 pairs[RTRACE_NR_LANES][RTRACE_NR_LANES];	/* [interrupting][interrupted] */
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

/*
 * Count (@d = 1) a write on lane @l, owned, that began while lanes @busy (a
 * busy.all snapshot without RTRACE_WR_SLOW, not 0) were busy: per lane,
 * and per (interrupting, interrupted) pair for the nesting test; or take
 * that count back (@d = -1: the inline path counted a nested write that it
 * then hands to the out-of-line writer, which counts it again).  Each busy
 * byte is 0 or 1, so each busy lane is one set bit: lowest first, one step
 * per busy lane (usually one).  nested[@l] and pairs[@l] belong to lane
 * @l's owner: plain stores.
 */
static __always_inline void rtrace_wr_count_nested(struct rtrace_wr_cpu *wc, unsigned long l,
						   u64 busy, s64 d)
{
	unsigned int b;

	WRITE_ONCE(wc->nested[l], wc->nested[l] + d);
	do {
		b = __builtin_ctzll(busy) / 8;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		b = 7 - b;
#endif
		WRITE_ONCE(wc->pairs[l][b], wc->pairs[l][b] + d);
		busy &= busy - 1;
	} while (busy);
}

/* rtrace_fast_begin(): not here, call the out-of-line writer. */
#define RTRACE_FAST_SLOW	1

/*
 * Lane @l, owned (taken while lanes @busy were busy, and then counted
 * nested), has no room: no sub-buffer open, or the open one is full.  A
 * lane of a discard-mode ring that the out-of-line writer found full,
 * with no sub-buffer open since, has full_at[l] = the reader's
 * consumed count then (lane.c sets and clears it); while that count has
 * not moved no slot can be free, so the event is dropped and counted right
 * here (RTRACE_LOST_FULL, into lost_full[l]; a nested one stays counted
 * nested, as the out-of-line writer would count it) instead of entering
 * the out-of-line writer to read the clock and retry the switch.  A stale
 * count only sends the write out of line, which claims afresh (no barrier:
 * nothing is written to a slot here) and counts the nesting itself, so it
 * is taken back here.  Release the lane either way.
 * Return: -ENOSPC if dropped, else RTRACE_FAST_SLOW.
 */
static __always_inline int rtrace_fast_full(struct rtrace_wr_cpu *wc, unsigned long l,
					    u64 busy)
{
	int ret = RTRACE_FAST_SLOW;

	if (READ_ONCE(*wc->consumed[l]) == wc->full_at[l]) {
		WRITE_ONCE(wc->lost_full[l], wc->lost_full[l] + 1);
		ret = -ENOSPC;
	} else if (unlikely(busy)) {
		rtrace_wr_count_nested(wc, l, busy, -1);
	}
	rtrace_fast_end(&wc->busy.lane[l]);
	return ret;
}

/*
 * The busy word @busy (a snapshot of busy.all) is not 0.
 *
 * Exactly RTRACE_WR_STOPPED: the started ring is stopped on this CPU
 * (rtrace_ring_set_running()), no lane busy; the event is counted right
 * here (RTRACE_LOST_OFF, into lost_off[] of the caller's level, a
 * local64_t: the out-of-line writer counts there too).  Any other byte
 * outside the lanes (not recording, recording broken, a start or stop in
 * progress): out of line, which decides from rc->on.
 *
 * Only lane bytes: if the lane of the caller's level is free, this write
 * interrupted a writer of a lower level (an NMI in a task's write): it
 * takes its lane and goes on inline, as the out-of-line writer would,
 * counted nested once it writes or drops (rtrace_wr_count_nested()).  If
 * that lane and the spare lane are both busy, the write interrupted
 * writers on both: it is dropped and counted right here
 * (RTRACE_LOST_RECURSION, into lost_rec[]), cheaper than storing it.  The
 * spare lane is left to the out-of-line writer.
 * Return: 0 with *@lp, the lane to take; -EBUSY or -ENODEV if dropped
 * (counted); RTRACE_FAST_SLOW for the out-of-line writer.
 */
static __always_inline int rtrace_fast_busy(struct rtrace_wr_cpu *wc, u64 busy,
					    unsigned long *lp)
{
	unsigned long l;

	if (unlikely(busy & ~RTRACE_WR_LANES)) {
		if (busy != RTRACE_WR_STOPPED)
			return RTRACE_FAST_SLOW;
		local64_inc(&wc->lost_off[RTRACE_REENTRANT ? rtrace_context_level() : 0]);
		return -ENODEV;
	}
	if (!RTRACE_REENTRANT)
		return RTRACE_FAST_SLOW;
	l = rtrace_context_level();
	if (!rtrace_busy_lane(busy, l)) {
		*lp = l;
		return 0;
	}
	if (!rtrace_busy_lane(busy, RTRACE_LANE_SPARE))
		return RTRACE_FAST_SLOW;
	local64_inc(&wc->lost_rec[l]);
	return -EBUSY;
}

/*
 * Own lane @l of this CPU before looking at it: an interrupt of the same
 * level (entry window) arriving after this store sees the byte and takes
 * the spare lane.  A plain store: the lane bytes matter only to writers on
 * this CPU, which run after it in program order (the busy word's rules:
 * kmod/ring/ring.c); an interrupt between the caller's load of the busy
 * word and this store has released its lanes again before we go on.  The
 * barrier() pairs with the barrier() of rtrace_fast_end().
 */
static __always_inline void rtrace_fast_take(struct rtrace_wr_cpu *wc, unsigned long l)
{
	if (RTRACE_REENTRANT) {
		WRITE_ONCE(wc->busy.lane[l], 1);
		barrier();
	}
}

/*
 * Preemption disabled.  Take this CPU's lane of the caller's context level
 * if the fast path may write there: this CPU recording, that lane free
 * (the spare lane is left to the out-of-line writer), @room bytes free.
 * Return: 0 with *@wcp and *@lp, this CPU's writer state and the lane,
 * owned (its busy byte set); RTRACE_FAST_SLOW for the out-of-line writer,
 * or -ENOSPC / -EBUSY / -ENODEV for an event dropped and counted
 * (rtrace_fast_full(), rtrace_fast_busy()), with nothing taken.
 */
static __always_inline int rtrace_fast_begin(size_t room, struct rtrace_wr_cpu **wcp,
					     unsigned long *lp)
{
	/* Never NULL: the idle state when no ring is attached. */
	struct rtrace_wr_cpu *wc = this_cpu_ptr(READ_ONCE(rtrace_wr_cpus));
	u64 busy = READ_ONCE(wc->busy.all);
	unsigned long l;
	int ret;

	if (likely(!busy)) {
		l = RTRACE_REENTRANT ? rtrace_context_level() : 0;
		rtrace_fast_take(wc, l);
	} else {
		/* A nested write, a recursion drop, or out of line. */
		ret = rtrace_fast_busy(wc, busy, &l);
		if (ret)
			return ret;
		rtrace_fast_take(wc, l);
		/* Here, not after the room check: no test on the common path. */
		rtrace_wr_count_nested(wc, l, busy, 1);
	}
	/* A NULL pos (nothing open) leaves end - pos == 0: no room. */
	if (unlikely((size_t)(wc->end[l] - wc->pos[l]) < room))
		return rtrace_fast_full(wc, l, busy);
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
