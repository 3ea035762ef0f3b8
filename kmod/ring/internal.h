/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtrace: what the files of the ring share - its data structures and the
 * helpers every part uses.  The design and the memory-ordering table are
 * at the top of ring.c.
 *
 *   ring.c    design; create, destroy, attach, detach, start/stop
 *   lane.c    a lane's sub-buffers: claim, open, close, switch; flush
 *   writer.c  the out-of-line writers (the inline ones: rtrace_wr.h)
 *   reader.c  peek, consume, statistics
 *   clock.c   the session clock
 *   debug.c   RTRACE_DEBUG invariant checks and injection points (debug.h)
 *   area.c    a lane's memory
 */
#ifndef _RTRACE_RING_INTERNAL_H
#define _RTRACE_RING_INTERNAL_H

#include "ring.h"
#include "../../include/rtrace_emit.h"

#define RTRACE_PINNED		BIT_ULL(63)	/* in lane->consumed: reader copying */
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
#define RTRACE_BUSY_LANES	RTRACE_WR_LANES
static_assert(RTRACE_WR_SLOW >= RTRACE_NR_LANES && RTRACE_WR_OFF >= RTRACE_NR_LANES);

/**
 * struct rtrace_lane - one lane of one CPU
 * @wc: the CPU's writer state; this lane's is entry [@lane_id] of its arrays
 *	(pos, end, last_ts, nr_events: the hot part, which the inline fast
 *	path of include/rtrace_wr.h also writes)
 * @lane_id: RTRACE_LANE_*
 * @hdr: header of the open sub-buffer
 * @data: nr_subbufs * subbuf_size bytes
 * @produced: sub-buffers published; the seq of the open one
 * @written: records in published sub-buffers
 * @bytes: record bytes in published sub-buffers
 * @lost: owner-counted losses, totals per cause
 * @reported: losses already put in a header, per cause
 * @lost_big: RTRACE_LOST_TOO_LARGE, counted without owning the lane (the
 *	out-of-line raw writer drops a record surely too large before it
 *	takes a lane); RTRACE_LOST_RECURSION and RTRACE_LOST_OFF, counted
 *	without owning the lane too, are wc->lost_rec[] and wc->lost_off[]
 * @area: the memory behind @data
 * @consumed: reader: sub-buffers consumed, | RTRACE_PINNED while one is
 *	being copied (overwrite mode); on its own cache line
 * @subbufs_read: reader: sub-buffers consumed by rtrace_ring_consume()
 * @broken: reader: a published header here could not be right; the lane
 *	is fenced off (rtrace_ring_peek())
 * @wr_broken: writer: the always-on check at a sub-buffer switch found
 *	this lane's open header broken; the sub-buffer published in its place
 *	is the RTRACE_SB_BROKEN report, the lane's last (rtrace_lane_close())
 *
 * Writer fields are owned by whoever holds the lane's busy byte.
 */
struct rtrace_lane {
	struct rtrace_wr_cpu *wc;
	u32 lane_id;
	struct rtrace_subbuf_hdr *hdr;
	u8 *data;
	u64 produced;
	u64 written;
	u64 bytes;
	u64 lost[RTRACE_NR_LOST];
	u64 reported[RTRACE_NR_LOST];
	local64_t lost_big;
	struct rtrace_area area;
	u64 consumed ____cacheline_aligned_in_smp;
	u64 subbufs_read;
	bool broken;
	bool wr_broken;
};

/**
 * struct rtrace_cpu - the lanes of one CPU
 * @w: the writer state of the inline fast path; first, so that
 *	rtrace_wr_cpus can point at it
 * @on: recording on this CPU
 * @depth: RTRACE_DEBUG: lane owners stacked on this CPU (LIFO check)
 * @stack: RTRACE_DEBUG: their lanes
 * @cpu: the CPU
 * @lane: the lanes
 */
struct rtrace_cpu {
	struct rtrace_wr_cpu w;
	u8 on;
#ifdef RTRACE_DEBUG
	u8 depth;
	u8 stack[8];
#endif
	unsigned int cpu;
	struct rtrace_lane lane[RTRACE_NR_LANES];
};

/**
 * struct rtrace_ring - a ring: the lanes of every recorded CPU
 * @cpus: per-CPU lanes
 * @subbuf_size: bytes per sub-buffer, header included
 * @subbuf_shift: log2(@subbuf_size)
 * @nr_subbufs: sub-buffers per lane
 * @payload: @subbuf_size minus the header
 * @overwrite: overwrite mode (else discard)
 * @running: recording (rtrace_ring_set_running())
 * @broken: an always-on check at a sub-buffer switch (or an RTRACE_DEBUG
 *	invariant) failed; nothing more is recorded (rtrace_ring_fail())
 * @broken_why: what failed, for the reader's warning
 * @broken_warned: rtrace_ring_broken() has warned
 * @keyed: holds a reference of rtrace_wr_key (started, not yet detached)
 * @clock: RTRACE_CLOCK_* (clock.c, as the fields below)
 * @clock_shift: stream header's clock_shift
 * @clock_mult: stream header's clock_mult
 * @clock_zero_cyc: clock value at @clock_zero_ns
 * @clock_zero_ns: CLOCK_MONOTONIC at creation
 * @cpumask: CPUs with lanes
 */
struct rtrace_ring {
	struct rtrace_cpu __percpu *cpus;
	u32 subbuf_size;
	u32 subbuf_shift;
	u32 nr_subbufs;
	u32 payload;
	bool overwrite;
	bool running;
	bool broken;
	bool broken_warned;
	const char *broken_why;
	bool keyed;
	u32 clock;
	u32 clock_shift;
	u64 clock_mult;
	u64 clock_zero_cyc;
	u64 clock_zero_ns;
	struct cpumask cpumask;
};

/* The ring writers record into; RCU-sched protected (ring.c's table). */
extern struct rtrace_ring __rcu *rtrace_active;

void rtrace_ring_fail(struct rtrace_ring *ring, const char *why);

#include "debug.h"

/* Bytes of @v as a varint. */
static __always_inline unsigned int rtrace_vlen(u64 v)
{
	unsigned int n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* Header of the slot of sequence number @seq. */
static __always_inline struct rtrace_subbuf_hdr *
rtrace_slot(const struct rtrace_ring *ring, const struct rtrace_lane *lane, u64 seq)
{
	return (struct rtrace_subbuf_hdr *)(lane->data +
		((size_t)(seq & (ring->nr_subbufs - 1)) << ring->subbuf_shift));
}

/* Losses of cause @c so far, owner-counted or not. */
static __always_inline u64 rtrace_lost_total(struct rtrace_lane *lane, unsigned int c)
{
	if (c == RTRACE_LOST_RECURSION)	/* the inline writer counts there too */
		return local64_read(&lane->wc->lost_rec[lane->lane_id]);
	if (c == RTRACE_LOST_TOO_LARGE)
		return READ_ONCE(lane->lost[c]) + local64_read(&lane->lost_big);
	if (c == RTRACE_LOST_OFF)	/* the inline writer counts there too */
		return local64_read(&lane->wc->lost_off[lane->lane_id]);
	if (c == RTRACE_LOST_FULL)	/* the drop fast path's share too */
		return READ_ONCE(lane->lost[c]) + READ_ONCE(lane->wc->lost_full[lane->lane_id]);
	return READ_ONCE(lane->lost[c]);
}

/* Count a loss of cause @c; the lane's owner only. */
static __always_inline void rtrace_lost(struct rtrace_lane *lane, unsigned int c)
{
	WRITE_ONCE(lane->lost[c], lane->lost[c] + 1);
}

/*
 * Own lane @l of this CPU: a plain store, then barrier() so the compiler
 * moves no lane access above it.  The writers that must see the byte run
 * on this CPU after it in program order (an interrupt arriving before it
 * completes its own write before we continue).  Pairs with the barrier()
 * in rtrace_lane_release().  (Other CPUs touch only byte RTRACE_WR_SLOW of
 * the word; ring.c, "The busy word".)
 */
static __always_inline void rtrace_lane_take(struct rtrace_ring *ring,
					     struct rtrace_cpu *rc, unsigned int l)
{
	WRITE_ONCE(rc->w.busy.lane[l], 1);
	barrier();
	rtrace_debug_push(ring, rc, l);
}

/*
 * Lane state complete (barrier()) before another writer may own it; pairs
 * with the barrier() in rtrace_lane_take().
 */
static __always_inline void rtrace_lane_release(struct rtrace_ring *ring,
						struct rtrace_cpu *rc, unsigned int l)
{
	rtrace_debug_pop(ring, rc, l);
	barrier();
	WRITE_ONCE(rc->w.busy.lane[l], 0);
}

/* lane.c */
int rtrace_lane_room(struct rtrace_ring *ring, struct rtrace_cpu *rc,
		     struct rtrace_lane *lane, u64 ts, size_t fixed);

/* clock.c */
void rtrace_ring_clock_init(struct rtrace_ring *ring);

#endif /* _RTRACE_RING_INTERNAL_H */
