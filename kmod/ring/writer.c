// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: the out-of-line writers - every write the inline fast path of
 * include/rtrace_wr.h leaves to rtrace.ko: nested writes, the spare lane,
 * sub-buffer switches, losses, the trace_clock_local() clock, and every
 * RTRACE_DEBUG check.  The protocol is in ring.c; the writer state lives
 * in registers (struct rtrace_wr is scalarised once rtrace_wr_begin() is
 * inlined, and the slow paths get scalars, never its address).
 */
#include "internal.h"

/**
 * struct rtrace_wr - one out-of-line write in progress
 * @ring: the ring it writes into
 * @rc: this CPU's lanes
 * @l: the lane it owns, RTRACE_LANE_*
 * @ts: the record's timestamp
 */
struct rtrace_wr {
	struct rtrace_ring *ring;
	struct rtrace_cpu *rc;
	unsigned int l;
	u64 ts;
};

/* The out-of-line writers' nesting count (rtrace_wr_count_nested()). */
static noinline notrace void rtrace_note_nested(struct rtrace_cpu *rc,
						unsigned int l, u64 busy_all)
{
	rtrace_wr_count_nested(&rc->w, l, busy_all, 1);
}

NOKPROBE_SYMBOL(rtrace_note_nested);

/*
 * Take a lane of this CPU for a write: the lane of the context level, or
 * the spare lane if that is busy.  Preemption must be disabled.  The
 * caller drops what it must (rtrace_wr_full(), too large) before
 * rtrace_wr_clock().
 * Return: 0 with *@w set but for the timestamp, the lane owned; -ENODEV
 * if no ring is recording on this CPU, -EBUSY on recursion (both counted
 * while rtrace_wr_key is on: RTRACE_LOST_OFF, RTRACE_LOST_RECURSION).  On
 * error nothing is owned.
 */
static __always_inline int rtrace_wr_begin(struct rtrace_wr *w)
{
	struct rtrace_ring *ring;
	struct rtrace_cpu *rc;
	unsigned int ctx, l;
	u64 busy;

	/* Off (nothing ever started, or detaching): nothing to count. */
	if (!rtrace_wr_on())
		return -ENODEV;
	/* preempt_disable_notrace() is the RCU-sched read side (ring.c's table). */
	ring = rcu_dereference_raw(rtrace_active);
	if (unlikely(!ring))
		return -ENODEV;
	rc = this_cpu_ptr(ring->cpus);
	ctx = RTRACE_REENTRANT ? rtrace_context_level() : 0;
	/* Pairs with rtrace_ring_set_running() (ring.c's table). */
	if (unlikely(!READ_ONCE(rc->on) || rtrace_debug_broken(ring))) {
		local64_inc(&rc->w.lost_off[ctx]);
		return -ENODEV;
	}
	busy = RTRACE_REENTRANT ? READ_ONCE(rc->w.busy.all) & RTRACE_BUSY_LANES : 0;
	l = ctx;
	if (unlikely(busy) && rtrace_busy_lane(busy, l)) {
		l = RTRACE_LANE_SPARE;
		if (rtrace_busy_lane(busy, l)) {
			local64_inc(&rc->w.lost_rec[ctx]);
			return -EBUSY;
		}
	}
	rtrace_inject(RTRACE_INJ_LANE_PICKED);
	if (RTRACE_REENTRANT)
		rtrace_lane_take(ring, rc, l);
	if (unlikely(busy))
		rtrace_note_nested(rc, l, busy);
	rtrace_inject(RTRACE_INJ_BUSY_SET);
	w->ring = ring;
	w->rc = rc;
	w->l = l;
	return 0;
}

/*
 * The record may not fit (rtrace_wr_fits() said no), before the clock is
 * read: drop it if the lane is full in discard mode and the reader has
 * consumed nothing since the out-of-line writer found it so
 * (RTRACE_LOST_FULL; rtrace_fast_full() in include/rtrace_wr.h is the
 * inline twin of this test).  Return: 0, or -ENOSPC, counted.
 */
static __always_inline int rtrace_wr_full(const struct rtrace_wr *w)
{
	struct rtrace_wr_cpu *wc = &w->rc->w;

	if (unlikely(!wc->pos[w->l]) && READ_ONCE(*wc->consumed[w->l]) == wc->full_at[w->l]) {
		rtrace_lost(&w->rc->lane[w->l], RTRACE_LOST_FULL);
		return -ENOSPC;
	}
	return 0;
}

/* Take the record's timestamp on the lane's clock (after rtrace_wr_full()). */
static __always_inline void rtrace_wr_clock(struct rtrace_wr *w)
{
	w->ts = rtrace_clock_after(w->ring->clock, w->rc->w.last_ts[w->l]);
	rtrace_inject(RTRACE_INJ_CLOCK_READ);
}

/*
 * Is there room for a record of at most @worst bytes after its type and
 * delta in the open sub-buffer?  The fast check; near the end of a
 * sub-buffer the caller computes the exact size for rtrace_wr_room().
 */
static __always_inline bool rtrace_wr_fits(const struct rtrace_wr *w, size_t worst)
{
	return likely((size_t)(w->rc->w.end[w->l] - w->rc->w.pos[w->l]) >=
		      RTRACE_REC_HDR_MAX + worst);
}

/*
 * Make room for @fixed bytes plus the delta, switching sub-buffers if
 * needed (lane.c).  Return: 0, or -E2BIG / -ENOSPC / -ENODEV (counted).
 */
static __always_inline int rtrace_wr_room(const struct rtrace_wr *w, size_t fixed)
{
	return rtrace_lane_room(w->ring, w->rc, &w->rc->lane[w->l], w->ts, fixed);
}

/* Encode type-and-count @h and the delta. Return: where the payload goes. */
static __always_inline u8 *rtrace_wr_head(const struct rtrace_wr *w, u64 h)
{
	u8 *p = w->rc->w.pos[w->l];

	p = rtrace_put_varint(p, h);
	return rtrace_put_varint(p, w->ts - w->rc->w.last_ts[w->l]);
}

/* The record ends at @p: make it part of the sub-buffer. */
static __always_inline void rtrace_wr_commit(const struct rtrace_wr *w, u8 *p)
{
	rtrace_inject(RTRACE_INJ_BEFORE_COMMIT);
	rtrace_wr_store(&w->rc->w, w->l, p, w->ts);
}

/* Release the lane taken by rtrace_wr_begin(). */
static __always_inline void rtrace_wr_end(const struct rtrace_wr *w)
{
	if (RTRACE_REENTRANT)
		rtrace_lane_release(w->ring, w->rc, w->l);
	rtrace_inject(RTRACE_INJ_BUSY_CLEARED);
}

static __always_inline u8 *rtrace_put_bytes(u8 *p, const u8 *src, u32 len)
{
	/* Short payloads: two overlapping unaligned moves, no call. */
	if (len >= 8 && len <= 16) {
		u64 a = get_unaligned((const u64 *)src);
		u64 b = get_unaligned((const u64 *)(src + len - 8));

		put_unaligned(a, (u64 *)p);
		put_unaligned(b, (u64 *)(p + len - 8));
	} else if (len < 8) {
		u32 i;

		for (i = 0; i < len; i++)
			p[i] = src[i];
	} else {
		memcpy(p, src, len);
	}
	return p + len;
}

/*
 * A raw payload of at most this many bytes fits any sub-buffer (the
 * smallest is a page; a record adds at most 3 + 5 + 10 bytes to it), so
 * only a longer one needs rtrace_raw_drop_big().
 */
#define RTRACE_RAW_FITS_ANY	(PAGE_SIZE - sizeof(struct rtrace_subbuf_hdr) - 18)

/*
 * Is a raw record of @len bytes surely too large for the recording ring's
 * sub-buffers (its type, length and delta take at least a byte each)?
 * Then it is dropped before any lane is taken or the clock read, counted
 * (RTRACE_LOST_TOO_LARGE) in the lane of the caller's context level
 * without owning it (lane->lost_big, a local64_t), so the drop costs less
 * than a stored record.  Off, stopped or not recording on this CPU: false,
 * for rtrace_wr_begin() to decide and count.  A record near the limit is
 * sized exactly by the writer.  Return: true if dropped and counted.
 */
static __always_inline bool rtrace_raw_drop_big(u32 len)
{
	struct rtrace_ring *ring;
	struct rtrace_cpu *rc;
	bool dropped = false;

	if (!rtrace_wr_on())
		return false;
	/* The RCU-sched read side (ring.c's table), and this CPU's lanes. */
	preempt_disable_notrace();
	ring = rcu_dereference_raw(rtrace_active);
	if (unlikely(!ring) || (size_t)len + 3 <= ring->payload)
		goto out;
	rc = this_cpu_ptr(ring->cpus);
	/* Pairs with rtrace_ring_set_running() (ring.c's table). */
	if (!READ_ONCE(rc->on) || rtrace_debug_broken(ring))
		goto out;
	local64_inc(&rc->lane[RTRACE_REENTRANT ? rtrace_context_level() : 0].lost_big);
	dropped = true;
out:
	preempt_enable_notrace();
	return dropped;
}

/* ---------------------------------------------------------------------
 * The exported writers: the same steps (begin, room, head, payload,
 * commit, end) around their own payload.  (One body with the payload in a
 * struct cost five zeroed stack slots and reloads per write.)
 */

/**
 * rtrace_emit() - record an event with integer arguments
 * @type: event type, from RTRACE_EV_FIRST_USER (0 is invalid)
 * @nargs: number of arguments, at most RTRACE_REC_MAX_ARGS
 * @args: the arguments (varint-encoded; zigzag signed values first)
 *
 * Context: any, including NMI; preemption and interrupts may be on or off.
 * Return: 0 if recorded; -ENODEV if no session is recording on this CPU;
 * -EBUSY on recursion (lane and spare lane busy); -ENOSPC if the ring is
 * full (discard mode); -E2BIG if the record exceeds a sub-buffer;
 * -EINVAL for type 0 or too many arguments.  Every failure but -EINVAL is
 * counted as a loss of its cause.
 */
int notrace rtrace_emit(u16 type, unsigned int nargs, const u64 *args)
{
	struct rtrace_wr w __uninitialized;
	unsigned int i;
	size_t fixed;
	int ret;
	u8 *p;
	u64 h;

	rtrace_unit_count_slow();
	if (unlikely(!type || nargs > RTRACE_REC_MAX_ARGS))
		return -EINVAL;
	h = ((u64)type << 4) | nargs;
	preempt_disable_notrace();
	ret = rtrace_wr_begin(&w);
	if (unlikely(ret))
		goto out;
	/* At most 3 + 10 + 14 * 10 bytes: never too large. */
	if (unlikely(!rtrace_wr_fits(&w, nargs * RTRACE_REC_MAX_VARINT))) {
		ret = rtrace_wr_full(&w);
		if (ret)
			goto release;
		rtrace_wr_clock(&w);
		fixed = rtrace_vlen(h);
		for (i = 0; i < nargs; i++)
			fixed += rtrace_vlen(args[i]);
		ret = rtrace_wr_room(&w, fixed);
		if (ret)
			goto release;
	} else {
		rtrace_wr_clock(&w);
	}
	p = rtrace_wr_head(&w, h);
	rtrace_inject(RTRACE_INJ_MID_ENCODE);
	for (i = 0; i < nargs; i++)
		p = rtrace_put_varint(p, args[i]);
	rtrace_wr_commit(&w, p);
release:
	rtrace_wr_end(&w);
out:
	preempt_enable_notrace();
	return ret;
}
EXPORT_SYMBOL_GPL(rtrace_emit);
NOKPROBE_SYMBOL(rtrace_emit);

/**
 * __rtrace_emit_regs() - the out-of-line writer behind rtrace_emit_regs()
 * @type_nargs: RTRACE_TYPE_NARGS(type, n), n <= RTRACE_EMIT_REGS_MAX
 * @a0: argument 0 (used if n > 0)
 * @a1: argument 1 (used if n > 1)
 * @a2: argument 2 (used if n > 2)
 * @a3: argument 3 (used if n > 3)
 * @a4: argument 4 (used if n > 4)
 *
 * Every case and every check: nested writes, the spare lane, sub-buffer
 * switches, losses, the trace_clock_local() clock, debug builds.  Call
 * rtrace_emit_regs() (include/rtrace_emit.h), which does the common case
 * inline and calls this for the rest.
 *
 * Context: any, including NMI; preemption and interrupts may be on or off.
 * Return: as rtrace_emit().
 */
int notrace __rtrace_emit_regs(u32 type_nargs, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4)
{
	unsigned int nargs = type_nargs >> 16;
	u16 type = (u16)type_nargs;
	struct rtrace_wr w __uninitialized;
	size_t fixed;
	int ret;
	u8 *p;
	u64 h;

	rtrace_unit_count_slow();
	if (unlikely(!type || nargs > RTRACE_EMIT_REGS_MAX))
		return -EINVAL;
	h = ((u64)type << 4) | nargs;
	preempt_disable_notrace();
	ret = rtrace_wr_begin(&w);
	if (unlikely(ret))
		goto out;
	/* At most 3 + 10 + 5 * 10 bytes: never too large. */
	if (unlikely(!rtrace_wr_fits(&w, RTRACE_EMIT_REGS_MAX * RTRACE_REC_MAX_VARINT))) {
		ret = rtrace_wr_full(&w);
		if (ret)
			goto release;
		rtrace_wr_clock(&w);
		fixed = rtrace_vlen(h);
		fixed += nargs > 0 ? rtrace_vlen(a0) : 0;
		fixed += nargs > 1 ? rtrace_vlen(a1) : 0;
		fixed += nargs > 2 ? rtrace_vlen(a2) : 0;
		fixed += nargs > 3 ? rtrace_vlen(a3) : 0;
		fixed += nargs > 4 ? rtrace_vlen(a4) : 0;
		ret = rtrace_wr_room(&w, fixed);
		if (ret)
			goto release;
	} else {
		rtrace_wr_clock(&w);
	}
	p = rtrace_wr_head(&w, h);
	rtrace_inject(RTRACE_INJ_MID_ENCODE);
	p = rtrace_put_regs(p, nargs, a0, a1, a2, a3, a4);
	rtrace_wr_commit(&w, p);
release:
	rtrace_wr_end(&w);
out:
	preempt_enable_notrace();
	return ret;
}
EXPORT_SYMBOL_GPL(__rtrace_emit_regs);
NOKPROBE_SYMBOL(__rtrace_emit_regs);

/*
 * RTRACE_TEST_DROP_NOTRACE builds one writer without notrace, so the test
 * of scripts/check-writer can prove the check rejects it.
 */
#ifdef RTRACE_TEST_DROP_NOTRACE
#define rtrace_raw_notrace
#else
#define rtrace_raw_notrace notrace
#endif

/* __rtrace_emit_raw() once a surely too large record is out of the way. */
static noinline notrace int rtrace_emit_raw_body(u16 type, const void *data, u32 len)
{
	u64 h = ((u64)type << 4) | RTRACE_REC_RAW;
	struct rtrace_wr w __uninitialized;
	int ret;
	u8 *p;

	if (unlikely(!type))
		return -EINVAL;
	preempt_disable_notrace();
	ret = rtrace_wr_begin(&w);
	if (unlikely(ret))
		goto out;
	if (unlikely(!rtrace_wr_fits(&w, 5 + (size_t)len))) {
		/*
		 * Too large for this ring's sub-buffers, sized exactly (h and
		 * len take at most 3 + 5 bytes, the delta at least 1); the
		 * surely too large were dropped by __rtrace_emit_raw().
		 */
		if (unlikely((size_t)len + 3 + 5 + 1 > w.ring->payload) &&
		    rtrace_vlen(h) + rtrace_vlen(len) + (size_t)len + 1 > w.ring->payload) {
			rtrace_lost(&w.rc->lane[w.l], RTRACE_LOST_TOO_LARGE);
			ret = -E2BIG;
			goto release;
		}
		ret = rtrace_wr_full(&w);
		if (ret)
			goto release;
		rtrace_wr_clock(&w);
		ret = rtrace_wr_room(&w, rtrace_vlen(h) + rtrace_vlen(len) + (size_t)len);
		if (ret)
			goto release;
	} else {
		rtrace_wr_clock(&w);
	}
	p = rtrace_wr_head(&w, h);
	p = rtrace_put_varint(p, len);
	rtrace_inject(RTRACE_INJ_MID_ENCODE);
	p = rtrace_put_bytes(p, data, len);
	rtrace_wr_commit(&w, p);
release:
	rtrace_wr_end(&w);
out:
	preempt_enable_notrace();
	return ret;
}

NOKPROBE_SYMBOL(rtrace_emit_raw_body);

/**
 * __rtrace_emit_raw() - the out-of-line writer behind rtrace_emit_raw()
 * @type: event type, from RTRACE_EV_FIRST_USER (0 is invalid)
 * @data: payload
 * @len: bytes at @data
 *
 * Every case and every check, as __rtrace_emit_regs().  Call
 * rtrace_emit_raw() (include/rtrace_emit.h), which does the common case
 * inline.
 *
 * Context: any, including NMI; preemption and interrupts may be on or off.
 * Return: as rtrace_emit(); -E2BIG if the record exceeds a sub-buffer.
 */
int rtrace_raw_notrace __rtrace_emit_raw(u16 type, const void *data, u32 len)
{
	rtrace_unit_count_slow();
	/*
	 * Before the body's frame (six saved registers): the too-large drop
	 * then costs less than storing a record.
	 */
	if (unlikely(len > RTRACE_RAW_FITS_ANY) && type && rtrace_raw_drop_big(len))
		return -E2BIG;
	return rtrace_emit_raw_body(type, data, len);
}
EXPORT_SYMBOL_GPL(__rtrace_emit_raw);
NOKPROBE_SYMBOL(__rtrace_emit_raw);

#ifdef RTRACE_BENCH
/**
 * rtrace_bench_hold_lanes() - mark lanes of this CPU busy or free
 * @lanes: mask of BIT(RTRACE_LANE_*)
 * @hold: true to mark them busy, false to free them again
 *
 * BENCHMARK ONLY, compiled only with -DRTRACE_BENCH (bench/run's own build
 * directories).  While the task lane is held, writes from higher contexts
 * on this CPU take the nested path (busy lanes seen, rtrace_note_nested()),
 * as if they had interrupted a task-level write, so the benchmark can time
 * a real nested write; task-level writes meanwhile take the spare lane,
 * or, with the spare lane held too, are dropped as recursion.
 *
 * Context: preemption disabled, no write in progress on this CPU; the
 * caller frees the lanes before it enables preemption again.
 * Return: 0, or -ENODEV if no ring is attached.
 */
int rtrace_bench_hold_lanes(unsigned int lanes, bool hold)
{
	/* Preemption disabled by the caller: an RCU-sched reader (ring.c). */
	struct rtrace_ring *ring = rcu_dereference_raw(rtrace_active);
	struct rtrace_cpu *rc;
	unsigned int l;

	if (!ring)
		return -ENODEV;
	rc = this_cpu_ptr(ring->cpus);
	/* Taken lowest first, released in the reverse order. */
	for (l = 0; l < RTRACE_NR_LANES; l++) {
		if (hold && (lanes & BIT(l)))
			rtrace_lane_take(ring, rc, l);
		if (!hold && (lanes & BIT(RTRACE_NR_LANES - 1 - l)))
			rtrace_lane_release(ring, rc, RTRACE_NR_LANES - 1 - l);
	}
	return 0;
}
EXPORT_SYMBOL_RTRACE_INTERNAL(rtrace_bench_hold_lanes);
#endif
