// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: a lane's sub-buffers - claiming a slot, filling and closing its
 * header, switching when a record does not fit, and the flush that
 * publishes partly filled sub-buffers.  Everything here runs with
 * preemption disabled, by the lane's owner (its busy byte set), except
 * rtrace_ring_flush(), which takes the lanes itself.  Design and
 * memory-ordering table: ring.c.
 */
#include "internal.h"

/*
 * The sub-buffer header
 * =====================
 *
 * Filled in two steps, here only: rtrace_hdr_open() when the slot is
 * claimed (everything but the totals) and rtrace_hdr_close() when it is
 * published.  rtrace_hdr_report_lost() adds the losses counted since the
 * previous header; a flush calls it again on an open, empty sub-buffer.
 */
static __always_inline void rtrace_hdr_report_lost(struct rtrace_lane *lane,
						   struct rtrace_subbuf_hdr *hdr)
{
	unsigned int c;
	u64 total;

	for (c = 0; c < RTRACE_NR_LOST; c++) {
		total = rtrace_lost_total(lane, c);
		hdr->lost[c] += total - lane->reported[c];
		lane->reported[c] = total;
	}
}

static __always_inline void rtrace_hdr_open(struct rtrace_subbuf_hdr *hdr,
					    struct rtrace_cpu *rc,
					    struct rtrace_lane *lane, u64 ts)
{
	hdr->seq = lane->produced;
	hdr->magic = RTRACE_SUBBUF_MAGIC;
	hdr->hdr_size = sizeof(*hdr);
	hdr->crc = 0;		/* the reader's, computed on its copy */
	hdr->commit = 0;
	hdr->nr_events = 0;
	rtrace_inject(RTRACE_INJ_SWITCH_OPENING);
	hdr->cpu = rc->cpu;
	hdr->lane = lane->lane_id;
	hdr->flags = 0;
	hdr->ts_base = ts;
	memset(hdr->lost, 0, sizeof(hdr->lost));
	rtrace_hdr_report_lost(lane, hdr);
}

static __always_inline void rtrace_hdr_close(struct rtrace_subbuf_hdr *hdr, u32 commit,
					     u64 nr_events, u8 flags)
{
	hdr->commit = commit;
	hdr->nr_events = nr_events;
	hdr->flags |= flags;
}

/**
 * rtrace_ring_fail() - stop recording into @ring: an always-on check failed
 * @ring: the ring
 * @why: what failed (a string constant), for the reader's warning
 *
 * Sends every CPU's writers out of line (their RTRACE_WR_SLOW byte, as
 * rtrace_ring_set_running() does) and turns recording off there, so the
 * next events count as RTRACE_LOST_OFF.  It does not print: it runs inside
 * a writer, maybe in NMI context, where the write path calls nothing
 * traceable (scripts/check-writer).  The reader side warns, once, when it
 * finds the ring broken (rtrace_ring_broken()), and the device stops the
 * session.  A broken ring stays stopped (rtrace_ring_set_running()).
 *
 * Context: any, preemption disabled or not.
 */
notrace void rtrace_ring_fail(struct rtrace_ring *ring, const char *why)
{
	unsigned int cpu;

	/*
	 * The reason is set before the flag: cmpxchg() is fully ordered;
	 * pairs with smp_load_acquire(&ring->broken) in rtrace_ring_broken().
	 */
	cmpxchg(&ring->broken_why, NULL, why);
	WRITE_ONCE(ring->broken, true);
	/* Open-coded for_each_cpu(): no call out of the writer. */
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		struct rtrace_cpu *rc;

		if (!cpumask_test_cpu(cpu, &ring->cpumask))
			continue;
		rc = per_cpu_ptr(ring->cpus, cpu);
		WRITE_ONCE(rc->on, 0);
		WRITE_ONCE(rc->w.busy.lane[RTRACE_WR_SLOW], 1);
	}
}

NOKPROBE_SYMBOL(rtrace_ring_fail);

/*
 * The always-on check of the sub-buffer switch (the slow path only; the
 * inline fast path checks nothing): the open header still holds what
 * rtrace_hdr_open() wrote and the write position lies inside its slot.
 * A scribble over the header, a lost or doubled claim, or a write position
 * run past the end shows here before the reader can trust it.
 * Return: NULL, or what is wrong.
 */
static __always_inline const char *rtrace_hdr_check(struct rtrace_ring *ring,
						    struct rtrace_lane *lane,
						    struct rtrace_subbuf_hdr *hdr,
						    const u8 *pos)
{
	const u8 *end = lane->wc->end[lane->lane_id];

	if (hdr != rtrace_slot(ring, lane, lane->produced))
		return "open sub-buffer is not the lane's next slot";
	if (hdr->magic != RTRACE_SUBBUF_MAGIC || hdr->hdr_size != sizeof(*hdr) ||
	    hdr->seq != lane->produced || hdr->lane != lane->lane_id)
		return "sub-buffer header overwritten";
	if (end != (const u8 *)hdr + ring->subbuf_size || pos < (const u8 *)(hdr + 1) ||
	    pos > end)
		return "write position outside its sub-buffer";
	if (lane->wc->nr_events[lane->lane_id] > (u64)(pos - (const u8 *)(hdr + 1)) / 2)
		return "more events than record bytes";
	return NULL;
}

/*
 * Finalize the open sub-buffer and hand it to the reader.  If the check
 * above fails, the ring is stopped (rtrace_ring_fail()) and what goes to
 * the reader in the slot's place is the RTRACE_SB_BROKEN report (no
 * records), the lane's last sub-buffer; see the uapi.
 */
static notrace void rtrace_lane_close(struct rtrace_ring *ring, struct rtrace_cpu *rc,
				      struct rtrace_lane *lane, u8 flags)
{
	struct rtrace_subbuf_hdr *hdr = lane->hdr;
	u8 *pos = lane->wc->pos[lane->lane_id];
	u32 commit = pos - (u8 *)(hdr + 1);
	const char *why = rtrace_hdr_check(ring, lane, hdr, pos);

	if (unlikely(why)) {
		rtrace_ring_fail(ring, why);
		WRITE_ONCE(lane->wr_broken, true);
		hdr = rtrace_slot(ring, lane, lane->produced);
		memset(hdr, 0, sizeof(*hdr));
		hdr->magic = RTRACE_SUBBUF_MAGIC;
		hdr->hdr_size = sizeof(*hdr);
		hdr->lane = lane->lane_id;
		hdr->cpu = rc->cpu;
		hdr->seq = lane->produced;
		commit = 0;
		lane->wc->nr_events[lane->lane_id] = 0;
		flags = RTRACE_SB_BROKEN;
	}
	rtrace_hdr_close(hdr, commit, lane->wc->nr_events[lane->lane_id], flags);
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
	if (!ring->overwrite) {
		/*
		 * Full until the reader consumes: writers drop without
		 * retrying while consumed stays c (rtrace_fast_full(),
		 * rtrace_wr_full()); rtrace_lane_open() clears it.
		 */
		lane->wc->full_at[lane->lane_id] = c;
		goto full;
	}
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
 *
 * No barrier orders the header stores: no reader looks at the slot until
 * rtrace_lane_close() publishes it (the claim above made sure the reader
 * is done with its previous contents; the table in ring.c).
 *
 * Return: true on success, false if the ring is full (not counted: the
 * caller counts RTRACE_LOST_FULL when an event is lost).
 */
static notrace bool rtrace_lane_open(struct rtrace_ring *ring, struct rtrace_cpu *rc,
				     struct rtrace_lane *lane, u64 ts)
{
	struct rtrace_subbuf_hdr *hdr;

	if (!rtrace_lane_claim(ring, lane))
		return false;
	lane->wc->full_at[lane->lane_id] = ~0ULL;
	hdr = rtrace_slot(ring, lane, lane->produced);
	rtrace_hdr_open(hdr, rc, lane, ts);
	lane->hdr = hdr;
	lane->wc->end[lane->lane_id] = (u8 *)hdr + ring->subbuf_size;
	lane->wc->nr_events[lane->lane_id] = 0;
	lane->wc->last_ts[lane->lane_id] = ts;
	WRITE_ONCE(lane->wc->pos[lane->lane_id], (u8 *)(hdr + 1));
	return true;
}

NOKPROBE_SYMBOL(rtrace_lane_open);

/*
 * Slow part of a reservation, for the out-of-line writers: the record
 * (@fixed bytes plus its delta) does not surely fit.  Switch sub-buffers
 * if needed.
 * Return: 0 with lane->wc->pos[lane->lane_id] ready, or -E2BIG / -ENOSPC,
 * or -ENODEV if the switch found the lane broken (all counted).
 */
noinline notrace int rtrace_lane_room(struct rtrace_ring *ring, struct rtrace_cpu *rc,
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
		rtrace_lane_close(ring, rc, lane, 0);
		if (unlikely(lane->wr_broken)) {
			/* Nothing more on this lane (rtrace_lane_close()). */
			local64_inc(&lane->wc->lost_off[lane->lane_id]);
			return -ENODEV;
		}
	}
	if (!rtrace_lane_open(ring, rc, lane, ts)) {
		/* A write lost its event; a flush finding no room (below) did not. */
		rtrace_lost(lane, RTRACE_LOST_FULL);
		return -ENOSPC;
	}
	return 0;
}

NOKPROBE_SYMBOL(rtrace_lane_room);

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

	if (lane->wr_broken)	/* its report was its last sub-buffer */
		return 0;
	if (lane->wc->pos[lane->lane_id] && !nr)
		rtrace_hdr_report_lost(lane, hdr);
	if (lane->wc->pos[lane->lane_id] && (nr || rtrace_hdr_has_lost(hdr))) {
		rtrace_lane_close(ring, rc, lane, RTRACE_SB_FLUSHED);
		published++;
	}
	if (!lane->wc->pos[lane->lane_id] && rtrace_lane_pending(lane) &&
	    rtrace_lane_open(ring, rc, lane, rtrace_read_clock(ring->clock))) {
		rtrace_lane_close(ring, rc, lane, RTRACE_SB_FLUSHED);
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
		/*
		 * A lane in the middle of a write is left to its writer.  By
		 * IPI this CPU's interrupted writers stored the byte before
		 * (program order); once stopped, no writer runs.
		 */
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
EXPORT_SYMBOL_RTRACE_INTERNAL(rtrace_ring_flush);
