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
#ifndef _RTRACE_EMIT_H
#define _RTRACE_EMIT_H

#include <uapi/linux/rtrace.h>
/* The inline fast path: internals, not API (see "The inline fast path" there). */
#include "rtrace_wr.h"

/* Out-of-line writers: every case, every check (kmod/ring/writer.c). */
int rtrace_emit(u16 type, unsigned int nargs, const u64 *args);
int __rtrace_emit_raw(u16 type, const void *data, u32 len);
int __rtrace_emit_regs(u32 type_nargs, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4);

/* Names and fields of event types in the stream header (kmod/events.c). */
int rtrace_events_register(const struct rtrace_event_desc *descs, unsigned int nr);

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
 * __rtrace_fast_regs() - the inline writer behind rtrace_emit_regs(), once
 * rtrace_wr_key is found on.  Not API: call rtrace_emit_regs().
 */
static __always_inline int __rtrace_fast_regs(u32 type_nargs, u64 a0, u64 a1, u64 a2,
					      u64 a3, u64 a4)
{
	unsigned int nargs = type_nargs >> 16;
	u32 type = type_nargs & 0xffff;
	u64 h = ((u64)type << 4) | nargs;
	struct rtrace_wr_cpu *wc = NULL;	/* set by rtrace_fast_begin() */
	unsigned long l = 0;
	u64 ts, delta;
	int ret;
	u8 *p;

	/* Type 1..1023 (h in two bytes), at most five arguments. */
	if (unlikely(type - 1 >= 0x3ff || nargs > RTRACE_EMIT_REGS_MAX))
		goto slow;
	preempt_disable_notrace();
	ret = rtrace_fast_begin(RTRACE_FAST_ROOM(nargs * RTRACE_REC_MAX_VARINT), &wc, &l);
	if (unlikely(ret))
		goto not_fast;
	p = wc->pos[l];
	ts = rtrace_fast_clock(wc, l, &delta);
	p = rtrace_put_varint14(p, h);
	p = rtrace_put_varint(p, delta);
	p = rtrace_put_regs(p, nargs, a0, a1, a2, a3, a4);
	rtrace_fast_commit(wc, l, p, ts);
	preempt_enable_notrace();
	return 0;

not_fast:
	preempt_enable_notrace();
	if (ret < 0)
		return ret;	/* dropped and counted */
slow:
	return __rtrace_emit_regs(type_nargs, a0, a1, a2, a3, a4);
}

/*
 * __rtrace_fast_raw() - the inline writer behind rtrace_emit_raw(), once
 * rtrace_wr_key is found on.  Not API: call rtrace_emit_raw().
 */
static __always_inline int __rtrace_fast_raw(u16 type, const void *data, u32 len)
{
	u64 h = ((u64)type << 4) | RTRACE_REC_RAW;
	const u8 *src = data;
	struct rtrace_wr_cpu *wc = NULL;	/* set by rtrace_fast_begin() */
	unsigned long l = 0;
	u64 ts, delta, a, b;
	int ret;
	u8 *p;

	/* Type 1..1023 (h in two bytes), 8..16 bytes (two moves, 1-byte len). */
	if (unlikely((u32)type - 1 >= 0x3ff || len - 8 > 8))
		goto slow;
	preempt_disable_notrace();
	ret = rtrace_fast_begin(RTRACE_FAST_ROOM(1 + 16), &wc, &l);
	if (unlikely(ret))
		goto not_fast;
	p = wc->pos[l];
	ts = rtrace_fast_clock(wc, l, &delta);
	p = rtrace_put_varint14(p, h);
	p = rtrace_put_varint(p, delta);
	*p++ = (u8)(len & 0x1f);	/* 8..16; the mask quiets sparse on constants */
	__builtin_memcpy(&a, src, 8);
	__builtin_memcpy(&b, src + len - 8, 8);
	__builtin_memcpy(p, &a, 8);
	__builtin_memcpy(p + len - 8, &b, 8);
	rtrace_fast_commit(wc, l, p + len, ts);
	preempt_enable_notrace();
	return 0;

not_fast:
	preempt_enable_notrace();
	if (ret < 0)
		return ret;	/* dropped and counted */
slow:
	return __rtrace_emit_raw(type, data, len);
}

/*
 * Off means off: the writers below are macros, so that while rtrace_wr_key
 * is off (no session has started) a call site costs the key's one patched
 * instruction and nothing else - its arguments are not even evaluated, as
 * a disabled tracepoint's.  Arguments must therefore not carry side
 * effects the caller relies on.
 */

/**
 * rtrace_emit_regs() - record an event with up to five register arguments
 * @type_nargs: RTRACE_TYPE_NARGS(type, n), n <= RTRACE_EMIT_REGS_MAX
 * @a0: argument 0 (used if n > 0)
 * @a1: argument 1 (used if n > 1)
 * @a2: argument 2 (used if n > 2)
 * @a3: argument 3 (used if n > 3)
 * @a4: argument 4 (used if n > 4)
 *
 * The payload stays in registers; the common case is written inline (see
 * "The inline fast path" in rtrace_wr.h), everything else by
 * __rtrace_emit_regs().  Usually called through rtrace_emit0() ..
 * rtrace_emit5().  A macro: the arguments are evaluated only once a
 * session has started (rtrace_wr_key on), so they must have no side
 * effects the caller relies on.
 *
 * Context: any, including NMI; preemption and interrupts may be on or off.
 * Return: as rtrace_emit(): -ENODEV without evaluating the arguments while
 * no session has started.
 */
#define rtrace_emit_regs(type_nargs, a0, a1, a2, a3, a4)			\
({										\
	int __rtrace_ret = -ENODEV;						\
										\
	if (rtrace_wr_on())							\
		__rtrace_ret = __rtrace_fast_regs(type_nargs, a0, a1, a2, a3, a4); \
	__rtrace_ret;								\
})

/**
 * rtrace_emit_raw() - record an event with a raw byte payload
 * @type: event type, from RTRACE_EV_FIRST_USER (0 is invalid)
 * @data: payload
 * @len: bytes at @data
 *
 * Payloads of 8 to 16 bytes are written inline in the common case (two
 * overlapping 8-byte moves); everything else by __rtrace_emit_raw().  A
 * macro, as rtrace_emit_regs(): the arguments are evaluated only once a
 * session has started.
 *
 * Context: any, including NMI; preemption and interrupts may be on or off.
 * Return: as rtrace_emit(); -E2BIG if the record exceeds a sub-buffer.
 */
#define rtrace_emit_raw(type, data, len)					\
({										\
	int __rtrace_ret = -ENODEV;						\
										\
	if (rtrace_wr_on())							\
		__rtrace_ret = __rtrace_fast_raw(type, data, len);		\
	__rtrace_ret;								\
})

/* Register-argument writers; context and return values as rtrace_emit_regs(). */
#define rtrace_emit0(type)							\
	rtrace_emit_regs(RTRACE_TYPE_NARGS(type, 0), 0, 0, 0, 0, 0)
#define rtrace_emit1(type, a0)							\
	rtrace_emit_regs(RTRACE_TYPE_NARGS(type, 1), a0, 0, 0, 0, 0)
#define rtrace_emit2(type, a0, a1)						\
	rtrace_emit_regs(RTRACE_TYPE_NARGS(type, 2), a0, a1, 0, 0, 0)
#define rtrace_emit3(type, a0, a1, a2)						\
	rtrace_emit_regs(RTRACE_TYPE_NARGS(type, 3), a0, a1, a2, 0, 0)
#define rtrace_emit4(type, a0, a1, a2, a3)					\
	rtrace_emit_regs(RTRACE_TYPE_NARGS(type, 4), a0, a1, a2, a3, 0)
#define rtrace_emit5(type, a0, a1, a2, a3, a4)					\
	rtrace_emit_regs(RTRACE_TYPE_NARGS(type, 5), a0, a1, a2, a3, a4)

#endif /* _RTRACE_EMIT_H */
