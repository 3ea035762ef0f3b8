// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: the reentrant per-CPU, per-context-lane ring buffer and its writer.
 *
 * Design
 * ======
 *
 * Every CPU has RTRACE_NR_LANES lanes, one per context level plus a spare:
 *
 *        CPU n:  busy[] = { task, softirq, hardirq, nmi, spare }   (one byte each)
 *
 *        lane:   +---------+---------+---------+---------+
 *                | sub 0   | sub 1   | sub 2   | sub 3   |   nr_subbufs slots
 *                +---------+---------+---------+---------+
 *                  ^ consumed (reader)   ^ produced == seq of the open one
 *                  (seq % nr_subbufs = slot)        ^ pos (write position)
 *
 *        sub-buffer: [struct rtrace_subbuf_hdr][record][record]...[free]
 *
 * A writer picks the lane of its context level from preempt_count (task,
 * softirq, hardirq, NMI).  An interrupt can only nest a *higher* level on
 * top of a lower one, so at any instant a lane has at most one writer and
 * nested writers on the same CPU always finish before the writer they
 * interrupted resumes (LIFO).  That is the whole reentrancy argument: a
 * lane is owned by setting its busy byte with a plain store, the owner
 * reserves, encodes and commits with plain loads and stores, and clears
 * the byte.  No atomic read-modify-write, no retry loop, no lock.
 *
 * Two cases break "one level, one writer", and both are caught by the busy
 * byte (which the nested writer sees, since it runs on the same CPU after
 * the store in program order):
 *   - the interrupt-entry window: an interrupt whose handler has not yet
 *     raised preempt_count (or tracing code in the entry path) looks like
 *     the context it interrupted;
 *   - same-level recursion (e.g. a traced function called by the writer's
 *     own caller, an NMI inside an NMI handler's tracing).
 * Such a writer takes the spare lane.  If the spare lane is busy too the
 * event is counted as RTRACE_LOST_RECURSION (never a deadlock, never a
 * corrupted record).
 *
 * The common write is not in this file: include/rtrace.h writes it inline
 * in the caller (no lane busy, room, recording; see "The inline fast path"
 * there) on the writer state that starts each CPU's struct rtrace_cpu
 * (struct rtrace_wr_cpu: the busy word, the clock, and per lane pos, end,
 * last_ts and nr_events, as arrays indexed by lane), following exactly the
 * protocol above.  Everything else comes here, to __rtrace_emit_raw() and
 * __rtrace_emit_regs(), which decide again from scratch.
 *
 * Sub-buffers.  The open sub-buffer of a lane is written in place.  A record
 * that does not fit closes it (commit, nr_events), publishes it with the one
 * ordering point of the write side, smp_store_release(&lane->produced), and
 * opens the next slot:
 *   - discard mode: only if the reader consumed it (produced - consumed <
 *     nr_subbufs); otherwise the event is dropped (RTRACE_LOST_FULL) and the
 *     next write tries again;
 *   - overwrite mode: if the ring is full, the writer takes the oldest
 *     unread sub-buffer away from the reader by advancing consumed with one
 *     cmpxchg() and counts its events as RTRACE_LOST_OVERWRITTEN.  A reader
 *     copying a sub-buffer first *pins* it (consumed |= RTRACE_PINNED, by
 *     cmpxchg); the writer never steals a pinned sub-buffer, it drops the
 *     new event instead (RTRACE_LOST_FULL).  So a copy is never torn and no
 *     event is both read and counted lost, which makes the accounting exact
 *     (the seqcount alternative - bump seq, let the reader retry - can count
 *     an event read and overwritten at once).
 *
 * Every loss is counted per CPU x lane x cause and reported in-band: the
 * header of the next sub-buffer opened on that lane carries lost[] since the
 * previous header, so for every (cpu, lane), once the ring is stopped,
 * flushed and drained:
 *
 *     records read + sum(hdr.lost[OVERWRITTEN])     == stats.written
 *     stats.written + sum(hdr.lost[other causes])   == events emitted
 *
 * Losses counted while the lane is not owned (RTRACE_LOST_RECURSION: the
 * owner is the writer we interrupted; RTRACE_LOST_OFF) use local64_t, an
 * interrupt-safe single-instruction increment; the owner reports the
 * difference to what it reported before.
 *
 * Clock.  RTRACE_CLOCK_TSC (raw rdtsc, one instruction) when the kernel
 * trusts the TSC (constant, nonstop, not marked unstable); otherwise
 * RTRACE_CLOCK_LOCAL (trace_clock_local(), ns).  Chosen when the ring is
 * created (module parameter clock=auto|tsc|local).  Records carry deltas
 * against the previous record of the same sub-buffer; each header carries
 * an absolute ts_base.  The stream header gets mult/shift (from tsc_khz)
 * and a (cyc, CLOCK_MONOTONIC ns) pair taken at creation, so userspace
 * converts with the formula in uapi/linux/rtrace.h.  No CLOCK_SYNC record is
 * emitted: the pair in the stream header is enough because the TSC is only
 * chosen when it is constant-rate.  Limits: cross-CPU comparison assumes the
 * TSCs are synchronized (the kernel's own assumption once it trusts them);
 * unsynchronized TSCs only skew the cross-CPU merge, never the order within
 * a (cpu, lane), whose deltas are clamped to be non-negative.
 *
 * Memory-ordering table
 * =====================
 *
 *   writer (this CPU)                          pairs with
 *   -----------------------------------------  ---------------------------------
 *   busy byte store; barrier()                 nested writers on this CPU only:
 *   (rtrace_lane_take, rtrace_fast_begin)      program order, no SMP barrier
 *                                              (rtrace_lane_release,
 *                                              rtrace_fast_end: barrier() first)
 *   hdr + records stores;                      smp_load_acquire(&lane->produced)
 *   smp_store_release(&lane->produced)         in rtrace_ring_peek() and
 *   (rtrace_lane_close)                        rtrace_ring_has_data()
 *   smp_load_acquire(&lane->consumed)          smp_store_release(&lane->consumed)
 *   (rtrace_lane_open, discard mode)           in rtrace_ring_consume()
 *   cmpxchg(&lane->consumed) steal             cmpxchg(&lane->consumed) pin in
 *   (rtrace_lane_open, overwrite mode)         rtrace_ring_peek(); release in
 *                                              rtrace_ring_consume()
 *   hdr->seq store; smp_wmb(); rest of hdr     mmap readers of overwrite mode
 *   (rtrace_lane_open)                         (seq re-check after their copy)
 *   rcu_assign_pointer(rtrace_active)          rcu_dereference_raw() in the
 *   (rtrace_ring_attach)                       writer; preempt-disabled section
 *                                              = RCU-sched reader, waited for by
 *                                              synchronize_rcu() in detach/stop
 *   smp_store_release(&rtrace_wr_cpus)         READ_ONCE() (address dependency)
 *   (rtrace_ring_attach)                       in rtrace_fast_begin(), inline in
 *                                              the caller (include/rtrace.h);
 *                                              same RCU-sched rule as above
 */
#include "rtrace_ring.h"
#include "../include/rtrace.h"

#define RTRACE_PINNED		BIT_ULL(63)
#ifdef RTRACE_DEBUG
#define RTRACE_DEBUG_ON		1
#else
#define RTRACE_DEBUG_ON		0
#endif
/*
 * The unit tests count entries into the out-of-line writers (the shim
 * defines this), to prove the common case never gets there.
 */
#ifndef rtrace_unit_count_slow
#define rtrace_unit_count_slow()	do { } while (0)
#endif
/* Largest h (20 bits: 3 bytes) plus largest delta (10 bytes). */
#define RTRACE_REC_HDR_MAX	(3 + RTRACE_REC_MAX_VARINT)

/* The lane bytes of union rtrace_wr_busy.all, without RTRACE_WR_SLOW. */
#define RTRACE_BUSY_LANES	(~0ULL >> (64 - 8 * RTRACE_NR_LANES))
static_assert(RTRACE_WR_SLOW >= RTRACE_NR_LANES);

struct rtrace_lane {
	/*
	 * Writer state, owned by whoever holds the busy byte: the hot part
	 * (pos, end, last_ts, nr_events) is in the CPU's struct rtrace_wr_cpu,
	 * which the inline fast path of include/rtrace.h also writes.
	 */
	struct rtrace_wr_cpu *wc;	/* this lane's is entry [lane_id] */
	u32 lane_id;
	struct rtrace_subbuf_hdr *hdr;	/* the open sub-buffer */
	u8 *data;			/* nr_subbufs * subbuf_size bytes */
	u64 produced;			/* published; seq of the open one */
	u64 written;			/* records in published sub-buffers */
	u64 bytes;			/* record bytes in published sub-buffers */
	u64 nested;			/* writes that began while another lane was busy */
	u64 lost[RTRACE_NR_LOST];	/* owner-counted losses, totals */
	u64 reported[RTRACE_NR_LOST];	/* losses already put in a header */
	local64_t lost_rec;		/* RTRACE_LOST_RECURSION, not owner-counted */
	local64_t lost_off;		/* RTRACE_LOST_OFF, not owner-counted */
	struct rtrace_area area;
	/* Reader state, on its own cache line. */
	u64 consumed ____cacheline_aligned_in_smp;
	u64 subbufs_read;
};

struct rtrace_cpu {
	struct rtrace_wr_cpu w;		/* first: rtrace_wr_cpus points here */
	u8 on;				/* recording on this CPU */
#ifdef RTRACE_DEBUG
	u8 depth;			/* LIFO check: owners stacked on this CPU */
	u8 stack[8];
#endif
	unsigned int cpu;
	/* pairs[interrupting][interrupted], owned by the interrupting lane */
	u64 pairs[RTRACE_NR_LANES][RTRACE_NR_LANES];
	struct rtrace_lane lane[RTRACE_NR_LANES];
};

struct rtrace_ring {
	struct rtrace_cpu __percpu *cpus;
	u32 subbuf_size;
	u32 subbuf_shift;
	u32 nr_subbufs;
	u32 payload;			/* subbuf_size - header */
	bool overwrite;
	bool running;
	bool broken;			/* RTRACE_DEBUG invariant violated */
	u32 clock;
	u32 clock_shift;
	u64 clock_mult;
	u64 clock_zero_cyc;
	u64 clock_zero_ns;
	struct cpumask cpumask;
};

/* The ring writers record into; RCU-sched protected (see the table). */
static struct rtrace_ring __rcu *rtrace_active;
/*
 * The writer state of the attached ring (&ring->cpus->w) for the inline
 * fast path of include/rtrace.h; NULL while none is attached, and in debug
 * builds.  Set with rtrace_active and read like it (see the table).
 */
struct rtrace_wr_cpu __percpu *rtrace_wr_cpus;
EXPORT_SYMBOL_GPL(rtrace_wr_cpus);
static DEFINE_MUTEX(rtrace_attach_mutex);

static char *rtrace_clock_param = "auto";
module_param_named(clock, rtrace_clock_param, charp, 0644);
MODULE_PARM_DESC(clock, "session clock: auto (TSC if trusted), tsc, local");

/* ---------------------------------------------------------------------
 * Debug build: invariant checks and injection points.
 */
#ifdef RTRACE_DEBUG
static rtrace_inject_fn rtrace_inject_hook;

static notrace void rtrace_debug_fail(struct rtrace_ring *ring, const char *what)
{
	WARN_ONCE(1, "rtrace: %s; recording disabled\n", what);
	WRITE_ONCE(ring->broken, true);
}

static __always_inline void rtrace_inject(enum rtrace_inject_point point)
{
	rtrace_inject_fn fn = READ_ONCE(rtrace_inject_hook);

	if (fn)
		fn(point);
}

static __always_inline void rtrace_debug_push(struct rtrace_ring *ring,
					      struct rtrace_cpu *rc, unsigned int l)
{
	u8 d = rc->depth;

	if (preemptible())
		rtrace_debug_fail(ring, "writer preemptible");
	if (d >= ARRAY_SIZE(rc->stack)) {
		rtrace_debug_fail(ring, "nesting too deep");
		return;
	}
	/* Reserve the slot first: a nested owner arriving now uses the next. */
	WRITE_ONCE(rc->depth, d + 1);
	barrier();
	rc->stack[d] = l;
}

static __always_inline void rtrace_debug_pop(struct rtrace_ring *ring,
					     struct rtrace_cpu *rc, unsigned int l)
{
	u8 d = rc->depth;

	if (!d || rc->stack[d - 1] != l) {
		rtrace_debug_fail(ring, "nesting not LIFO");
		return;
	}
	rc->stack[d - 1] = 0xff;
	barrier();
	WRITE_ONCE(rc->depth, d - 1);
}

static __always_inline bool rtrace_debug_broken(struct rtrace_ring *ring)
{
	return READ_ONCE(ring->broken);
}

static __always_inline void rtrace_debug_check_hdr(struct rtrace_ring *ring,
						   struct rtrace_lane *lane)
{
	struct rtrace_subbuf_hdr *hdr = lane->hdr;
	u8 *pos = lane->wc->pos[lane->lane_id];

	if (hdr->magic != RTRACE_SUBBUF_MAGIC || hdr->seq != lane->produced ||
	    hdr->lane != lane->lane_id || pos > lane->wc->end[lane->lane_id] ||
	    pos < (u8 *)(hdr + 1))
		rtrace_debug_fail(ring, "sub-buffer header canary");
}
#else
static __always_inline void rtrace_inject(enum rtrace_inject_point point) {}
static __always_inline void rtrace_debug_push(struct rtrace_ring *ring,
					      struct rtrace_cpu *rc, unsigned int l) {}
static __always_inline void rtrace_debug_pop(struct rtrace_ring *ring,
					     struct rtrace_cpu *rc, unsigned int l) {}
static __always_inline bool rtrace_debug_broken(struct rtrace_ring *ring)
{
	return false;
}

static __always_inline void rtrace_debug_check_hdr(struct rtrace_ring *ring,
						   struct rtrace_lane *lane) {}
#endif

/**
 * rtrace_debug_set_inject() - install the writer's injection hook
 * @fn: called at each enum rtrace_inject_point of every write, or NULL
 *
 * Testing only.  The hook runs inside the writer with preemption disabled,
 * in the writer's context; it may emit (a nested write) or raise a self-NMI.
 *
 * Context: process context.
 * Return: 0, or -EOPNOTSUPP unless the module was built with RTRACE_DEBUG.
 */
int rtrace_debug_set_inject(rtrace_inject_fn fn)
{
#ifdef RTRACE_DEBUG
	WRITE_ONCE(rtrace_inject_hook, fn);
	synchronize_rcu();
	return 0;
#else
	return -EOPNOTSUPP;
#endif
}
EXPORT_SYMBOL_GPL(rtrace_debug_set_inject);

/* ---------------------------------------------------------------------
 * Encoding.
 */
static __always_inline unsigned int rtrace_vlen(u64 v)
{
	unsigned int n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
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

/* ---------------------------------------------------------------------
 * Lanes: taking, opening, closing.  All run with preemption disabled, by
 * the lane's owner.
 */
static __always_inline struct rtrace_subbuf_hdr *
rtrace_slot(const struct rtrace_ring *ring, const struct rtrace_lane *lane, u64 seq)
{
	return (struct rtrace_subbuf_hdr *)(lane->data +
		((size_t)(seq & (ring->nr_subbufs - 1)) << ring->subbuf_shift));
}

static __always_inline u64 rtrace_lost_total(struct rtrace_lane *lane, unsigned int c)
{
	if (c == RTRACE_LOST_RECURSION)
		return local64_read(&lane->lost_rec);
	if (c == RTRACE_LOST_OFF)
		return local64_read(&lane->lost_off);
	return READ_ONCE(lane->lost[c]);
}

static __always_inline void rtrace_lost(struct rtrace_lane *lane, unsigned int c)
{
	WRITE_ONCE(lane->lost[c], lane->lost[c] + 1);
}

/*
 * Finalize the open sub-buffer and hand it to the reader.
 */
static notrace void rtrace_lane_close(struct rtrace_ring *ring,
				      struct rtrace_lane *lane, u8 flags)
{
	struct rtrace_subbuf_hdr *hdr = lane->hdr;
	u32 commit = lane->wc->pos[lane->lane_id] - (u8 *)(hdr + 1);

	rtrace_debug_check_hdr(ring, lane);
	hdr->commit = commit;
	hdr->nr_events = lane->wc->nr_events[lane->lane_id];
	hdr->flags |= flags;
	WRITE_ONCE(lane->written, lane->written + lane->wc->nr_events[lane->lane_id]);
	WRITE_ONCE(lane->bytes, lane->bytes + commit);
	WRITE_ONCE(lane->wc->pos[lane->lane_id], NULL);
	lane->wc->end[lane->lane_id] = NULL;
	lane->wc->nr_events[lane->lane_id] = 0;
	rtrace_inject(RTRACE_INJ_SWITCH_CLOSED);
	/*
	 * Header and records are complete before the reader can see the
	 * sub-buffer: pairs with smp_load_acquire(&lane->produced) in
	 * rtrace_ring_peek() and rtrace_ring_has_data().
	 */
	smp_store_release(&lane->produced, lane->produced + 1);
	rtrace_inject(RTRACE_INJ_SWITCH_PUBLISHED);
}

NOKPROBE_SYMBOL(rtrace_lane_close);

/*
 * Claim the next slot for sequence number lane->produced.  Discard mode:
 * only a consumed slot.  Overwrite mode: the oldest unread one is taken
 * from the reader unless the reader has pinned it.
 * Return: true if the slot is ours.
 */
static __always_inline bool rtrace_lane_claim(struct rtrace_ring *ring,
					      struct rtrace_lane *lane)
{
	u64 seq = lane->produced, c, old;
	unsigned int tries;

	/*
	 * The reader's copy of the slot is complete before we write it:
	 * pairs with smp_store_release(&lane->consumed) in
	 * rtrace_ring_consume().
	 */
	c = smp_load_acquire(&lane->consumed);
	if (likely(seq - (c & ~RTRACE_PINNED) < ring->nr_subbufs))
		return true;
	if (!ring->overwrite)
		goto full;
	for (tries = 0; tries < 3; tries++) {
		if (c & RTRACE_PINNED)
			goto full;
		/*
		 * Steal the oldest (seq c == seq - nr_subbufs, whose slot we
		 * want).  Fully ordered; pairs with the pinning cmpxchg() in
		 * rtrace_ring_peek(): exactly one of the two succeeds.
		 */
		old = cmpxchg(&lane->consumed, c, c + 1);
		if (old == c) {
			struct rtrace_subbuf_hdr *victim = rtrace_slot(ring, lane, c);
			unsigned int i;

			WRITE_ONCE(lane->lost[RTRACE_LOST_OVERWRITTEN],
				   lane->lost[RTRACE_LOST_OVERWRITTEN] +
				   victim->nr_events);
			/*
			 * The losses the victim's header reported vanish with
			 * it: report them again in the next header, so the
			 * in-band counts stay exact.
			 */
			for (i = 0; i < RTRACE_NR_LOST; i++)
				lane->reported[i] -= victim->lost[i];
			return true;
		}
		c = old;
		if (seq - (c & ~RTRACE_PINNED) < ring->nr_subbufs)
			return true;	/* the reader consumed it meanwhile */
	}
full:
	return false;
}

/*
 * Open the next sub-buffer of @lane with base timestamp @ts; the losses
 * counted since the previous header go into the new one.
 * Return: true on success, false if the ring is full (not counted: the
 * caller counts RTRACE_LOST_FULL when an event is lost).
 */
static notrace bool rtrace_lane_open(struct rtrace_ring *ring, struct rtrace_cpu *rc,
				     struct rtrace_lane *lane, u64 ts)
{
	struct rtrace_subbuf_hdr *hdr;
	unsigned int c;
	u64 total;

	if (!rtrace_lane_claim(ring, lane))
		return false;
	hdr = rtrace_slot(ring, lane, lane->produced);
	/*
	 * An mmap reader validating a copy in overwrite mode re-reads seq
	 * after copying; the new seq is visible before any other byte of
	 * the slot changes.  Pairs with that reader's smp_rmb().
	 */
	WRITE_ONCE(hdr->seq, lane->produced);
	/* seq before the rest; pairs with the mmap reader's smp_rmb() */
	smp_wmb();
	hdr->magic = RTRACE_SUBBUF_MAGIC;
	hdr->commit = 0;
	hdr->nr_events = 0;
	rtrace_inject(RTRACE_INJ_SWITCH_OPENING);
	hdr->cpu = rc->cpu;
	hdr->lane = lane->lane_id;
	hdr->flags = 0;
	hdr->ts_base = ts;
	for (c = 0; c < RTRACE_NR_LOST; c++) {
		total = rtrace_lost_total(lane, c);
		hdr->lost[c] = total - lane->reported[c];
		lane->reported[c] = total;
	}
	lane->hdr = hdr;
	lane->wc->end[lane->lane_id] = (u8 *)hdr + ring->subbuf_size;
	lane->wc->nr_events[lane->lane_id] = 0;
	lane->wc->last_ts[lane->lane_id] = ts;
	WRITE_ONCE(lane->wc->pos[lane->lane_id], (u8 *)(hdr + 1));
	return true;
}

NOKPROBE_SYMBOL(rtrace_lane_open);

/* Busy byte of lane @l in a snapshot of union rtrace_wr_busy.all. */
static __always_inline u8 rtrace_busy_lane(u64 all, unsigned int l)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (u8)(all >> (56 - 8 * l));
#else
	return (u8)(all >> (8 * l));
#endif
}

/*
 * Own lane @l of this CPU.  Only writers on this CPU look at the byte, and
 * they run after this store in program order (an interrupt arriving before
 * it completes its own write before we continue), so a plain store
 * suffices; barrier() keeps the compiler from moving lane accesses above
 * it.  Pairs with the barrier() in rtrace_lane_release().
 */
static __always_inline void rtrace_lane_take(struct rtrace_ring *ring,
					     struct rtrace_cpu *rc, unsigned int l)
{
	WRITE_ONCE(rc->w.busy.lane[l], 1);
	barrier();
	rtrace_debug_push(ring, rc, l);
}

/* Lane state complete (barrier()) before another writer may own it. */
static __always_inline void rtrace_lane_release(struct rtrace_ring *ring,
						struct rtrace_cpu *rc, unsigned int l)
{
	rtrace_debug_pop(ring, rc, l);
	barrier();
	WRITE_ONCE(rc->w.busy.lane[l], 0);
}

/*
 * Slow part of a reservation: the record (@fixed bytes plus its delta) does
 * not surely fit.  Switch sub-buffers if needed.
 * Return: 0 with lane->wc->pos[lane->lane_id] ready, or -E2BIG / -ENOSPC (counted).
 */
static noinline notrace int rtrace_lane_room(struct rtrace_ring *ring, struct rtrace_cpu *rc,
					     struct rtrace_lane *lane, u64 ts, size_t fixed)
{
	if (unlikely(fixed + 1 > ring->payload)) {
		rtrace_lost(lane, RTRACE_LOST_TOO_LARGE);
		return -E2BIG;
	}
	if (lane->wc->pos[lane->lane_id]) {
		struct rtrace_wr_cpu *wc = lane->wc;
		unsigned int l = lane->lane_id;

		if ((size_t)(wc->end[l] - wc->pos[l]) >= fixed + rtrace_vlen(ts - wc->last_ts[l]))
			return 0;
		rtrace_lane_close(ring, lane, 0);
	}
	if (!rtrace_lane_open(ring, rc, lane, ts)) {
		/* A write lost its event; a flush finding no room (below) did not. */
		rtrace_lost(lane, RTRACE_LOST_FULL);
		return -ENOSPC;
	}
	return 0;
}

NOKPROBE_SYMBOL(rtrace_lane_room);

/*
 * Note a write that began while other lanes of this CPU were busy: per
 * lane, and per (interrupted, interrupting) pair for the nesting test.
 */
static noinline notrace void rtrace_note_nested(struct rtrace_cpu *rc,
						unsigned int l, u64 busy_all)
{
	unsigned int b;

	WRITE_ONCE(rc->lane[l].nested, rc->lane[l].nested + 1);
	/* Only the busy lanes (usually one), lowest byte first. */
	while (busy_all) {
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		b = (63 - __builtin_clzll(busy_all)) / 8;
		busy_all &= ~(0xffULL << (8 * b));
		b = 7 - b;
#else
		b = __builtin_ctzll(busy_all) / 8;
		busy_all &= ~(0xffULL << (8 * b));
#endif
		WRITE_ONCE(rc->pairs[l][b], rc->pairs[l][b] + 1);
	}
}

NOKPROBE_SYMBOL(rtrace_note_nested);

/*
 * Take a lane of this CPU for a write: the lane of the context level, or
 * the spare lane if that is busy.  Preemption must be disabled.  A macro
 * over the caller's locals (ring, rc, lane, l, ts, ret), so the owner's
 * state stays in registers: nothing is passed by address, nothing spills.
 * Sets ret to 0 with the lane owned and the timestamp taken; -ENODEV if no
 * ring is recording, -EBUSY on recursion (counted).
 */
#define rtrace_wr_begin() do {					\
	unsigned int __ctx;						\
	u64 __busy;							\
									\
	/* preempt_disable_notrace() is the RCU-sched read side. */	\
	ring = rcu_dereference_raw(rtrace_active);			\
	ret = -ENODEV;							\
	if (unlikely(!ring))						\
		break;							\
	rc = this_cpu_ptr(ring->cpus);					\
	__ctx = RTRACE_REENTRANT ? rtrace_context_level() : 0;		\
	if (unlikely(!READ_ONCE(rc->on) || rtrace_debug_broken(ring))) {	\
		local64_inc(&rc->lane[__ctx].lost_off);			\
		break;							\
	}								\
	__busy = RTRACE_REENTRANT ?					\
		 READ_ONCE(rc->w.busy.all) & RTRACE_BUSY_LANES : 0;		\
	l = __ctx;							\
	if (unlikely(__busy) && rtrace_busy_lane(__busy, l)) {		\
		l = RTRACE_LANE_SPARE;					\
		if (rtrace_busy_lane(__busy, l)) {			\
			local64_inc(&rc->lane[__ctx].lost_rec);		\
			ret = -EBUSY;					\
			break;						\
		}							\
	}								\
	rtrace_inject(RTRACE_INJ_LANE_PICKED);				\
	if (RTRACE_REENTRANT)						\
		rtrace_lane_take(ring, rc, l);				\
	lane = &rc->lane[l];						\
	if (unlikely(__busy))						\
		rtrace_note_nested(rc, l, __busy);			\
	rtrace_inject(RTRACE_INJ_BUSY_SET);				\
	ts = rtrace_clock_after(ring->clock, rc->w.last_ts[l]);		\
	rtrace_inject(RTRACE_INJ_CLOCK_READ);				\
	ret = 0;							\
} while (0)

/* The record ends at @p: make it part of the sub-buffer. */
static __always_inline void rtrace_wr_commit(struct rtrace_lane *lane, u8 *p, u64 ts)
{
	rtrace_inject(RTRACE_INJ_BEFORE_COMMIT);
	rtrace_wr_store(lane->wc, lane->lane_id, p, ts);
}

/* ---------------------------------------------------------------------
 * The exported writers.
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
	struct rtrace_ring *ring;
	struct rtrace_lane *lane;
	struct rtrace_cpu *rc;
	unsigned int l;
	u64 ts;
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
	rtrace_wr_begin();
	if (unlikely(ret))
		goto out;
	p = rc->w.pos[l];
	if (unlikely((size_t)(rc->w.end[l] - p) <
		     RTRACE_REC_HDR_MAX + nargs * RTRACE_REC_MAX_VARINT)) {
		fixed = rtrace_vlen(h);
		for (i = 0; i < nargs; i++)
			fixed += rtrace_vlen(args[i]);
		ret = rtrace_lane_room(ring, rc, lane, ts, fixed);
		if (ret)
			goto release;
		p = rc->w.pos[l];
	}
	p = rtrace_put_varint(p, h);
	p = rtrace_put_varint(p, ts - rc->w.last_ts[l]);
	rtrace_inject(RTRACE_INJ_MID_ENCODE);
	for (i = 0; i < nargs; i++)
		p = rtrace_put_varint(p, args[i]);
	rtrace_wr_commit(lane, p, ts);
release:
	if (RTRACE_REENTRANT)
		rtrace_lane_release(ring, rc, l);
	rtrace_inject(RTRACE_INJ_BUSY_CLEARED);
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
 * rtrace_emit_regs() (include/rtrace.h), which does the common case inline
 * and calls this for the rest.
 *
 * Context: any, including NMI; preemption and interrupts may be on or off.
 * Return: as rtrace_emit().
 */
int notrace __rtrace_emit_regs(u32 type_nargs, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4)
{
	unsigned int nargs = type_nargs >> 16;
	u16 type = (u16)type_nargs;
	struct rtrace_ring *ring;
	struct rtrace_lane *lane;
	struct rtrace_cpu *rc;
	unsigned int l;
	u64 ts;
	size_t fixed;
	int ret;
	u8 *p;
	u64 h;

	rtrace_unit_count_slow();
	if (unlikely(!type || nargs > RTRACE_EMIT_REGS_MAX))
		return -EINVAL;
	h = ((u64)type << 4) | nargs;
	preempt_disable_notrace();
	rtrace_wr_begin();
	if (unlikely(ret))
		goto out;
	p = rc->w.pos[l];
	if (unlikely((size_t)(rc->w.end[l] - p) <
		     RTRACE_REC_HDR_MAX + RTRACE_EMIT_REGS_MAX * RTRACE_REC_MAX_VARINT)) {
		fixed = rtrace_vlen(h);
		fixed += nargs > 0 ? rtrace_vlen(a0) : 0;
		fixed += nargs > 1 ? rtrace_vlen(a1) : 0;
		fixed += nargs > 2 ? rtrace_vlen(a2) : 0;
		fixed += nargs > 3 ? rtrace_vlen(a3) : 0;
		fixed += nargs > 4 ? rtrace_vlen(a4) : 0;
		ret = rtrace_lane_room(ring, rc, lane, ts, fixed);
		if (ret)
			goto release;
		p = rc->w.pos[l];
	}
	p = rtrace_put_varint(p, h);
	p = rtrace_put_varint(p, ts - rc->w.last_ts[l]);
	rtrace_inject(RTRACE_INJ_MID_ENCODE);
	p = rtrace_put_regs(p, nargs, a0, a1, a2, a3, a4);
	rtrace_wr_commit(lane, p, ts);
release:
	if (RTRACE_REENTRANT)
		rtrace_lane_release(ring, rc, l);
	rtrace_inject(RTRACE_INJ_BUSY_CLEARED);
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

/**
 * __rtrace_emit_raw() - the out-of-line writer behind rtrace_emit_raw()
 * @type: event type, from RTRACE_EV_FIRST_USER (0 is invalid)
 * @data: payload
 * @len: bytes at @data
 *
 * Every case and every check, as __rtrace_emit_regs().  Call
 * rtrace_emit_raw() (include/rtrace.h), which does the common case inline.
 *
 * Context: any, including NMI; preemption and interrupts may be on or off.
 * Return: as rtrace_emit(); -E2BIG if the record exceeds a sub-buffer.
 */
int rtrace_raw_notrace __rtrace_emit_raw(u16 type, const void *data, u32 len)
{
	u64 h = ((u64)type << 4) | RTRACE_REC_RAW;
	struct rtrace_ring *ring;
	struct rtrace_lane *lane;
	struct rtrace_cpu *rc;
	unsigned int l;
	u64 ts;
	int ret;
	u8 *p;

	rtrace_unit_count_slow();
	if (unlikely(!type))
		return -EINVAL;
	preempt_disable_notrace();
	rtrace_wr_begin();
	if (unlikely(ret))
		goto out;
	p = rc->w.pos[l];
	if (unlikely((size_t)(rc->w.end[l] - p) <
		     RTRACE_REC_HDR_MAX + 5 + (size_t)len)) {
		ret = rtrace_lane_room(ring, rc, lane, ts,
				       rtrace_vlen(h) + rtrace_vlen(len) + (size_t)len);
		if (ret)
			goto release;
		p = rc->w.pos[l];
	}
	p = rtrace_put_varint(p, h);
	p = rtrace_put_varint(p, ts - rc->w.last_ts[l]);
	p = rtrace_put_varint(p, len);
	rtrace_inject(RTRACE_INJ_MID_ENCODE);
	p = rtrace_put_bytes(p, data, len);
	rtrace_wr_commit(lane, p, ts);
release:
	if (RTRACE_REENTRANT)
		rtrace_lane_release(ring, rc, l);
	rtrace_inject(RTRACE_INJ_BUSY_CLEARED);
out:
	preempt_enable_notrace();
	return ret;
}
EXPORT_SYMBOL_GPL(__rtrace_emit_raw);
NOKPROBE_SYMBOL(__rtrace_emit_raw);

#ifdef RTRACE_BENCH
/**
 * rtrace_bench_hold_task_lane() - mark this CPU's task lane busy or free
 * @hold: true to mark it busy, false to free it again
 *
 * BENCHMARK ONLY, compiled only with -DRTRACE_BENCH (bench/run's own build
 * directories).  While the task lane is held, writes from higher contexts
 * on this CPU take the nested path (busy lanes seen, rtrace_note_nested()),
 * as if they had interrupted a task-level write, so the benchmark can time
 * a real nested write.  Task-level writes meanwhile take the spare lane.
 *
 * Context: preemption disabled, no task-level write in progress on this
 * CPU; the caller frees the lane before it enables preemption again.
 * Return: 0, or -ENODEV if no ring is attached.
 */
int rtrace_bench_hold_task_lane(bool hold)
{
	struct rtrace_ring *ring = rcu_dereference_raw(rtrace_active);
	struct rtrace_cpu *rc;

	if (!ring)
		return -ENODEV;
	rc = this_cpu_ptr(ring->cpus);
	if (hold)
		rtrace_lane_take(ring, rc, RTRACE_LANE_TASK);
	else
		rtrace_lane_release(ring, rc, RTRACE_LANE_TASK);
	return 0;
}
EXPORT_SYMBOL_GPL(rtrace_bench_hold_task_lane);
#endif

/* ---------------------------------------------------------------------
 * Flush: publish partly filled sub-buffers (and pending losses).
 */
struct rtrace_flush_arg {
	struct rtrace_ring *ring;
	atomic_t published;
};

static __always_inline bool rtrace_lane_pending(struct rtrace_lane *lane)
{
	unsigned int c;

	for (c = 0; c < RTRACE_NR_LOST; c++)
		if (rtrace_lost_total(lane, c) != lane->reported[c])
			return true;
	return false;
}

static __always_inline bool rtrace_hdr_has_lost(const struct rtrace_subbuf_hdr *hdr)
{
	unsigned int c;

	for (c = 0; c < RTRACE_NR_LOST; c++)
		if (hdr->lost[c])
			return true;
	return false;
}

/*
 * Publish what @lane holds.  An open sub-buffer without records also takes
 * the losses counted since it was opened (they still precede its first
 * record); losses counted after a record go into the header of a new,
 * empty sub-buffer, so that a drained, stopped ring has reported all.
 */
static notrace int rtrace_flush_lane(struct rtrace_ring *ring, struct rtrace_cpu *rc,
				     struct rtrace_lane *lane)
{
	struct rtrace_subbuf_hdr *hdr = lane->hdr;
	u64 nr = lane->wc->nr_events[lane->lane_id];
	int published = 0;
	unsigned int c;
	u64 total;

	if (lane->wc->pos[lane->lane_id] && !nr) {
		for (c = 0; c < RTRACE_NR_LOST; c++) {
			total = rtrace_lost_total(lane, c);
			hdr->lost[c] += total - lane->reported[c];
			lane->reported[c] = total;
		}
	}
	if (lane->wc->pos[lane->lane_id] && (nr || rtrace_hdr_has_lost(hdr))) {
		rtrace_lane_close(ring, lane, RTRACE_SB_FLUSHED);
		published++;
	}
	if (!lane->wc->pos[lane->lane_id] && rtrace_lane_pending(lane) &&
	    rtrace_lane_open(ring, rc, lane, rtrace_read_clock(ring->clock))) {
		rtrace_lane_close(ring, lane, RTRACE_SB_FLUSHED);
		published++;
	}
	return published;
}

/* Runs on the lanes' CPU (IPI), or anywhere once no writer can run. */
static notrace void rtrace_flush_cpu(struct rtrace_ring *ring, struct rtrace_cpu *rc,
				     atomic_t *published)
{
	unsigned int l;

	for (l = 0; l < RTRACE_NR_LANES; l++) {
		/* A lane in the middle of a write is left to its writer. */
		if (READ_ONCE(rc->w.busy.lane[l]))
			continue;
		rtrace_lane_take(ring, rc, l);
		atomic_add(rtrace_flush_lane(ring, rc, &rc->lane[l]), published);
		rtrace_lane_release(ring, rc, l);
	}
}

static void rtrace_flush_ipi(void *info)
{
	struct rtrace_flush_arg *arg = info;

	rtrace_flush_cpu(arg->ring, this_cpu_ptr(arg->ring->cpus), &arg->published);
}

/**
 * rtrace_ring_flush() - publish every non-empty open sub-buffer
 * @ring: the ring
 *
 * While recording, runs on each CPU by IPI and skips lanes in the middle of
 * a write; once stopped (rtrace_ring_set_running(ring, false) returned), it
 * runs directly and publishes everything.  A lane with losses not yet
 * reported in any header gets a (possibly empty) sub-buffer carrying them,
 * if a slot is free.  Callers serialise flushes.
 *
 * Context: process context, may sleep.
 * Return: number of sub-buffers published.
 */
int rtrace_ring_flush(struct rtrace_ring *ring)
{
	struct rtrace_flush_arg arg = { .ring = ring };
	unsigned int cpu;

	if (READ_ONCE(ring->running)) {
		on_each_cpu_mask(&ring->cpumask, rtrace_flush_ipi, &arg, true);
	} else {
		/* No writer runs (see rtrace_ring_set_running()). */
		for_each_cpu(cpu, &ring->cpumask) {
			preempt_disable();
			rtrace_flush_cpu(ring, per_cpu_ptr(ring->cpus, cpu), &arg.published);
			preempt_enable();
		}
	}
	return atomic_read(&arg.published);
}
EXPORT_SYMBOL_GPL(rtrace_ring_flush);

/* ---------------------------------------------------------------------
 * Reader side.
 */
static struct rtrace_lane *rtrace_reader_lane(struct rtrace_ring *ring,
					      unsigned int cpu, unsigned int lane)
{
	if (cpu >= nr_cpu_ids || lane >= RTRACE_NR_LANES ||
	    !cpumask_test_cpu(cpu, &ring->cpumask))
		return NULL;
	return &per_cpu_ptr(ring->cpus, cpu)->lane[lane];
}

/**
 * rtrace_ring_peek() - copy the oldest unread sub-buffer of a lane
 * @ring: the ring
 * @cpu: CPU
 * @lane: RTRACE_LANE_*
 * @buf: kernel buffer for header + records
 * @len: bytes at @buf
 *
 * In overwrite mode the sub-buffer is pinned until rtrace_ring_consume():
 * the writer will not overwrite it (it drops new events instead), so the
 * copy is never torn and a second peek returns the same sub-buffer.  One
 * reader at a time (callers serialise).
 *
 * Context: any context that may not race with another reader.
 * Return: bytes copied (sizeof(struct rtrace_subbuf_hdr) + hdr.commit);
 * -EAGAIN if nothing is published; -ENOSPC if @len is too small (the
 * sub-buffer stays in place); -EINVAL for a bad cpu/lane.
 */
ssize_t rtrace_ring_peek(struct rtrace_ring *ring, unsigned int cpu,
			 unsigned int lane, void *buf, size_t len)
{
	struct rtrace_lane *ln = rtrace_reader_lane(ring, cpu, lane);
	struct rtrace_subbuf_hdr *hdr;
	u64 c, p, old;
	size_t n;

	if (!ln)
		return -EINVAL;
	c = READ_ONCE(ln->consumed);
	if (!(c & RTRACE_PINNED)) {
		for (;;) {
			/*
			 * The sub-buffer's contents are visible once produced
			 * says so: pairs with smp_store_release() in
			 * rtrace_lane_close().
			 */
			p = smp_load_acquire(&ln->produced);
			if (c == p)
				return -EAGAIN;
			if (!ring->overwrite)
				break;
			/*
			 * Pin it against the writer's steal; pairs with the
			 * cmpxchg() in rtrace_lane_claim().
			 */
			old = cmpxchg(&ln->consumed, c, c | RTRACE_PINNED);
			if (old == c)
				break;
			c = old;	/* stolen: try the next oldest */
		}
	}
	hdr = rtrace_slot(ring, ln, c & ~RTRACE_PINNED);
	n = sizeof(*hdr) + READ_ONCE(hdr->commit);
	if (n > ring->subbuf_size)
		return -EIO;
	if (n > len)
		return -ENOSPC;
	memcpy(buf, hdr, n);
	return n;
}
EXPORT_SYMBOL_GPL(rtrace_ring_peek);

/**
 * rtrace_ring_consume() - mark the sub-buffer returned by peek as read
 * @ring: the ring
 * @cpu: CPU
 * @lane: RTRACE_LANE_*
 *
 * Context: as rtrace_ring_peek(), after a successful peek of the same lane.
 */
void rtrace_ring_consume(struct rtrace_ring *ring, unsigned int cpu,
			 unsigned int lane)
{
	struct rtrace_lane *ln = rtrace_reader_lane(ring, cpu, lane);
	u64 c;

	if (!ln)
		return;
	c = READ_ONCE(ln->consumed);
	if (ring->overwrite ? !(c & RTRACE_PINNED) :
	    c == smp_load_acquire(&ln->produced))	/* see rtrace_lane_close() */
		return;
	WRITE_ONCE(ln->subbufs_read, ln->subbufs_read + 1);
	/*
	 * Our copy is complete before the writer may reuse the slot: pairs
	 * with smp_load_acquire(&lane->consumed) in rtrace_lane_claim().
	 * While pinned, only the reader changes consumed.
	 */
	smp_store_release(&ln->consumed, (c & ~RTRACE_PINNED) + 1);
}
EXPORT_SYMBOL_GPL(rtrace_ring_consume);

/**
 * rtrace_ring_has_data() - is any sub-buffer published and unread?
 * @ring: the ring
 *
 * Context: any.
 * Return: true if rtrace_ring_peek() would find something.
 */
bool rtrace_ring_has_data(struct rtrace_ring *ring)
{
	struct rtrace_lane *ln;
	unsigned int cpu, l;

	for_each_cpu(cpu, &ring->cpumask) {
		for (l = 0; l < RTRACE_NR_LANES; l++) {
			ln = &per_cpu_ptr(ring->cpus, cpu)->lane[l];
			/* Pairs with smp_store_release() in rtrace_lane_close(). */
			if (smp_load_acquire(&ln->produced) !=
			    (READ_ONCE(ln->consumed) & ~RTRACE_PINNED))
				return true;
		}
	}
	return false;
}
EXPORT_SYMBOL_GPL(rtrace_ring_has_data);

/**
 * rtrace_ring_stats() - counters of one (cpu, lane)
 * @ring: the ring
 * @cpu: CPU
 * @lane: RTRACE_LANE_*
 * @st: filled in; written and bytes include the open sub-buffer
 *
 * Exact once the ring is stopped; approximate while writers run.
 *
 * Context: any.
 */
void rtrace_ring_stats(struct rtrace_ring *ring, unsigned int cpu,
		       unsigned int lane, struct rtrace_lane_stats *st)
{
	struct rtrace_lane *ln;
	unsigned int c;
	u8 *pos;

	memset(st, 0, sizeof(*st));
	st->cpu = cpu;
	st->lane = lane;
	if (cpu >= nr_cpu_ids || lane >= RTRACE_NR_LANES)
		return;
	ln = &per_cpu_ptr(ring->cpus, cpu)->lane[lane];
	st->written = READ_ONCE(ln->written);
	st->bytes = READ_ONCE(ln->bytes);
	pos = READ_ONCE(ln->wc->pos[ln->lane_id]);
	if (pos) {
		st->written += READ_ONCE(ln->wc->nr_events[ln->lane_id]);
		st->bytes += pos - (u8 *)(READ_ONCE(ln->hdr) + 1);
	}
	for (c = 0; c < RTRACE_NR_LOST; c++)
		st->lost[c] = rtrace_lost_total(ln, c);
	st->nested = READ_ONCE(ln->nested);
	/* Pairs with smp_store_release() in rtrace_lane_close(). */
	st->subbufs_written = smp_load_acquire(&ln->produced);
	st->subbufs_read = READ_ONCE(ln->subbufs_read);
}
EXPORT_SYMBOL_GPL(rtrace_ring_stats);

/**
 * rtrace_ring_nest_pairs() - nesting observed on a CPU, by lane pair
 * @ring: the ring
 * @cpu: CPU
 * @pairs: out: pairs[a][b] = writes on lane b that began while lane a was
 *	busy (b interrupted a)
 *
 * Context: any; exact once the ring is stopped.
 */
void rtrace_ring_nest_pairs(struct rtrace_ring *ring, unsigned int cpu,
			    u64 pairs[RTRACE_NR_LANES][RTRACE_NR_LANES])
{
	struct rtrace_cpu *rc;
	unsigned int a, b;

	memset(pairs, 0, sizeof(u64) * RTRACE_NR_LANES * RTRACE_NR_LANES);
	if (cpu >= nr_cpu_ids)
		return;
	rc = per_cpu_ptr(ring->cpus, cpu);
	for (a = 0; a < RTRACE_NR_LANES; a++)
		for (b = 0; b < RTRACE_NR_LANES; b++)
			pairs[a][b] = READ_ONCE(rc->pairs[b][a]);
}
EXPORT_SYMBOL_GPL(rtrace_ring_nest_pairs);

/**
 * rtrace_ring_clock_info() - the ring's clock, for the stream header
 * @ring: the ring
 * @hdr: clock, clock_shift, clock_mult, clock_zero_cyc, clock_zero_ns set
 *
 * Context: any.
 */
void rtrace_ring_clock_info(struct rtrace_ring *ring, struct rtrace_stream_hdr *hdr)
{
	hdr->clock = ring->clock;
	hdr->clock_shift = ring->clock_shift;
	hdr->clock_mult = ring->clock_mult;
	hdr->clock_zero_cyc = ring->clock_zero_cyc;
	hdr->clock_zero_ns = ring->clock_zero_ns;
}
EXPORT_SYMBOL_GPL(rtrace_ring_clock_info);

/* ---------------------------------------------------------------------
 * Lifetime.
 */
static void rtrace_ring_clock_init(struct rtrace_ring *ring)
{
	bool tsc = rtrace_tsc_usable();
	unsigned long flags;
	u32 mult, shift;
	u64 c0, c1;

	if (sysfs_streq(rtrace_clock_param, "local"))
		tsc = false;
	else if (sysfs_streq(rtrace_clock_param, "tsc"))
		tsc = tsc_khz != 0;
	local_irq_save(flags);
	if (tsc) {
		c0 = rtrace_read_tsc();
		ring->clock_zero_ns = ktime_get_mono_fast_ns();
		c1 = rtrace_read_tsc();
		ring->clock_zero_cyc = c0 + (c1 - c0) / 2;
	} else {
		ring->clock_zero_cyc = trace_clock_local();
		ring->clock_zero_ns = ktime_get_mono_fast_ns();
	}
	local_irq_restore(flags);
	if (tsc) {
		/* The reader uses a 128-bit product: favour precision. */
		clocks_calc_mult_shift(&mult, &shift, (u32)tsc_khz, USEC_PER_SEC, 600);
		ring->clock = RTRACE_CLOCK_TSC;
		ring->clock_mult = mult;
		ring->clock_shift = shift;
	} else {
		ring->clock = RTRACE_CLOCK_LOCAL;
		ring->clock_mult = 1;
		ring->clock_shift = 0;
	}
}

/**
 * rtrace_ring_create() - allocate a ring
 * @geom: geometry: subbuf_size a power of two from PAGE_SIZE to 1 MiB,
 *	nr_subbufs a power of two >= 2, flags, CPUs
 *
 * Memory is node-local and allocated without OOM kill or warning.  The
 * ring does not record until attached and set running.
 *
 * Context: process context, may sleep.
 * Return: the ring, or ERR_PTR(-EINVAL) for a bad geometry,
 * ERR_PTR(-ENOMEM).
 */
struct rtrace_ring *rtrace_ring_create(const struct rtrace_ring_geom *geom)
{
	struct rtrace_ring *ring;
	struct rtrace_cpu *rc;
	unsigned int cpu, l;
	size_t bytes;

	if (!is_power_of_2(geom->subbuf_size) || geom->subbuf_size < PAGE_SIZE ||
	    geom->subbuf_size > (1U << 20) || !is_power_of_2(geom->nr_subbufs) ||
	    geom->nr_subbufs < 2 || geom->nr_subbufs > (1U << 20))
		return ERR_PTR(-EINVAL);
	bytes = (size_t)geom->subbuf_size * geom->nr_subbufs;

	ring = kzalloc(sizeof(*ring), GFP_KERNEL | __GFP_NOWARN);
	if (!ring)
		return ERR_PTR(-ENOMEM);
	ring->cpus = alloc_percpu_gfp(struct rtrace_cpu, GFP_KERNEL | __GFP_NOWARN);
	if (!ring->cpus)
		goto free_ring;
	ring->subbuf_size = geom->subbuf_size;
	ring->subbuf_shift = ilog2(geom->subbuf_size);
	ring->nr_subbufs = geom->nr_subbufs;
	ring->payload = geom->subbuf_size - sizeof(struct rtrace_subbuf_hdr);
	ring->overwrite = !!(geom->flags & RTRACE_CONFIG_OVERWRITE);
	cpumask_and(&ring->cpumask, geom->cpumask ? geom->cpumask : cpu_possible_mask,
		    cpu_possible_mask);

	for_each_possible_cpu(cpu) {
		rc = per_cpu_ptr(ring->cpus, cpu);
		rc->cpu = cpu;
		rc->w.busy.lane[RTRACE_WR_SLOW] = 1;
		for (l = 0; l < RTRACE_NR_LANES; l++) {
			rc->lane[l].lane_id = l;
			rc->lane[l].wc = &rc->w;
		}
	}
	for_each_cpu(cpu, &ring->cpumask) {
		rc = per_cpu_ptr(ring->cpus, cpu);
		for (l = 0; l < RTRACE_NR_LANES; l++) {
			if (rtrace_area_alloc(&rc->lane[l].area, bytes, cpu_to_node(cpu)))
				goto free_areas;
			rc->lane[l].data = rc->lane[l].area.addr;
		}
	}
	rtrace_ring_clock_init(ring);
	for_each_possible_cpu(cpu)
		per_cpu_ptr(ring->cpus, cpu)->w.clock = ring->clock;
	return ring;

free_areas:
	rtrace_ring_destroy(ring);
	return ERR_PTR(-ENOMEM);
free_ring:
	kfree(ring);
	return ERR_PTR(-ENOMEM);
}
EXPORT_SYMBOL_GPL(rtrace_ring_create);

/**
 * rtrace_ring_destroy() - free a ring
 * @ring: a ring that is not attached (or NULL)
 *
 * Context: process context, may sleep.
 */
void rtrace_ring_destroy(struct rtrace_ring *ring)
{
	unsigned int cpu, l;

	if (IS_ERR_OR_NULL(ring))
		return;
	for_each_possible_cpu(cpu)
		for (l = 0; l < RTRACE_NR_LANES; l++)
			rtrace_area_free(&per_cpu_ptr(ring->cpus, cpu)->lane[l].area);
	free_percpu(ring->cpus);
	kfree(ring);
}
EXPORT_SYMBOL_GPL(rtrace_ring_destroy);

/**
 * rtrace_ring_attach() - make @ring the ring every writer records into
 * @ring: the ring
 *
 * Context: process context.
 * Return: 0, or -EBUSY if another ring is attached.
 */
int rtrace_ring_attach(struct rtrace_ring *ring)
{
	int ret = 0;

	mutex_lock(&rtrace_attach_mutex);
	if (rcu_access_pointer(rtrace_active))
		ret = -EBUSY;
	else
		rcu_assign_pointer(rtrace_active, ring);
	/* Debug builds: checks and injection live in the out-of-line writers. */
	if (!ret && !RTRACE_DEBUG_ON)
		/* Ring complete first; pairs with READ_ONCE() in rtrace_fast_begin(). */
		smp_store_release(&rtrace_wr_cpus, &ring->cpus->w);
	mutex_unlock(&rtrace_attach_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(rtrace_ring_attach);

/**
 * rtrace_ring_detach() - stop writers from finding @ring
 * @ring: the ring (nothing happens if another ring is attached)
 *
 * Returns once no writer can still be using @ring.
 *
 * Context: process context, sleeps.
 */
void rtrace_ring_detach(struct rtrace_ring *ring)
{
	mutex_lock(&rtrace_attach_mutex);
	if (rcu_access_pointer(rtrace_active) == ring) {
		WRITE_ONCE(rtrace_wr_cpus, NULL);
		RCU_INIT_POINTER(rtrace_active, NULL);
	}
	mutex_unlock(&rtrace_attach_mutex);
	/* Writers are preempt-disabled sections: RCU-sched readers. */
	synchronize_rcu();
}
EXPORT_SYMBOL_GPL(rtrace_ring_detach);

/**
 * rtrace_ring_set_running() - start or stop recording
 * @ring: the ring
 * @running: true to record
 *
 * Stopping waits until no write is in progress on any CPU, so the caller
 * may then flush, read and compute exact statistics.
 *
 * Context: process context; sleeps when stopping.
 */
void rtrace_ring_set_running(struct rtrace_ring *ring, bool running)
{
	unsigned int cpu;

	WRITE_ONCE(ring->running, running);
	for_each_cpu(cpu, &ring->cpumask) {
		WRITE_ONCE(per_cpu_ptr(ring->cpus, cpu)->on, running);
		WRITE_ONCE(per_cpu_ptr(ring->cpus, cpu)->w.busy.lane[RTRACE_WR_SLOW], !running);
	}
	if (!running)
		synchronize_rcu();
}
EXPORT_SYMBOL_GPL(rtrace_ring_set_running);
