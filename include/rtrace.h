/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtrace: the in-kernel API for other modules - emit events into the
 * active rtrace session from any context (task, softirq, hardirq, NMI).
 *
 * Every function here may be called with interrupts on or off, from NMI
 * context, and recursively (from an interrupt that hit another emit on the
 * same CPU).  None sleeps, allocates, takes a lock or waits for another
 * CPU.  Events go to the current CPU's lane of the calling context; see
 * Documentation/design.md.
 *
 * Record encoding (uapi/linux/rtrace.h): type, timestamp delta, then the
 * arguments as unsigned LEB128 varints, so small values are cheap; encode
 * signed values with rtrace_zigzag().
 */
#ifndef _RTRACE_H
#define _RTRACE_H

#ifdef __KERNEL__
#include <linux/types.h>
#endif

int rtrace_emit(u16 type, unsigned int nargs, const u64 *args);
int rtrace_emit_raw(u16 type, const void *data, u32 len);
int rtrace_emit_regs(u32 type_nargs, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4);

/* Maximum number of arguments of rtrace_emit_regs(). */
#define RTRACE_EMIT_REGS_MAX	5

/* Pack type and argument count for rtrace_emit_regs(). */
#define RTRACE_TYPE_NARGS(type, n)	((u32)(u16)(type) | ((u32)(n) << 16))

/**
 * rtrace_zigzag() - map a signed value to an unsigned one with small magnitude
 * @v: signed value
 *
 * Context: any.
 * Return: 0, -1, 1, -2, ... mapped to 0, 1, 2, 3, ...
 */
static inline u64 rtrace_zigzag(s64 v)
{
	return ((u64)v << 1) ^ (u64)(v >> 63);
}

/*
 * Register-argument fast paths: the payload never goes through memory.
 * Context and return values as for rtrace_emit_regs().
 */
static inline int rtrace_emit0(u16 type)
{
	return rtrace_emit_regs(RTRACE_TYPE_NARGS(type, 0), 0, 0, 0, 0, 0);
}

static inline int rtrace_emit1(u16 type, u64 a0)
{
	return rtrace_emit_regs(RTRACE_TYPE_NARGS(type, 1), a0, 0, 0, 0, 0);
}

static inline int rtrace_emit2(u16 type, u64 a0, u64 a1)
{
	return rtrace_emit_regs(RTRACE_TYPE_NARGS(type, 2), a0, a1, 0, 0, 0);
}

static inline int rtrace_emit3(u16 type, u64 a0, u64 a1, u64 a2)
{
	return rtrace_emit_regs(RTRACE_TYPE_NARGS(type, 3), a0, a1, a2, 0, 0);
}

static inline int rtrace_emit4(u16 type, u64 a0, u64 a1, u64 a2, u64 a3)
{
	return rtrace_emit_regs(RTRACE_TYPE_NARGS(type, 4), a0, a1, a2, a3, 0);
}

static inline int rtrace_emit5(u16 type, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4)
{
	return rtrace_emit_regs(RTRACE_TYPE_NARGS(type, 5), a0, a1, a2, a3, a4);
}

/*
 * Testing (RTRACE_DEBUG builds only): a hook called at each labelled step
 * of the writer, from inside the writer, so a test can perform a nested
 * write (directly, or by raising a self-NMI) at exactly that point.
 */
enum rtrace_inject_point {
	RTRACE_INJ_LANE_PICKED,		/* lane chosen, busy flag not yet set */
	RTRACE_INJ_BUSY_SET,		/* lane owned, clock not yet read */
	RTRACE_INJ_CLOCK_READ,		/* timestamp taken, nothing encoded */
	RTRACE_INJ_MID_ENCODE,		/* type and delta encoded, arguments not */
	RTRACE_INJ_BEFORE_COMMIT,	/* record encoded, write position not moved */
	RTRACE_INJ_SWITCH_CLOSED,	/* full sub-buffer finalized, not published */
	RTRACE_INJ_SWITCH_PUBLISHED,	/* published, next one not yet opened */
	RTRACE_INJ_SWITCH_OPENING,	/* next header half written */
	RTRACE_INJ_BUSY_CLEARED,	/* lane released, preemption still off */
	RTRACE_NR_INJ
};

typedef void (*rtrace_inject_fn)(enum rtrace_inject_point point);

int rtrace_debug_set_inject(rtrace_inject_fn fn);

/*
 * Benchmark builds only (-DRTRACE_BENCH, bench/run): not exported by a
 * normal rtrace.ko; get it with symbol_get().
 */
int rtrace_bench_hold_task_lane(bool hold);

#endif /* _RTRACE_H */
