// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: the reader side of the ring - copying out published sub-buffers
 * (peek), handing their slots back to the writer (consume), and the
 * counters.  One reader at a time; the device serialises (kmod/dev/).
 * The barriers pair with the writer's in lane.c (table in ring.c).
 */
#include "internal.h"

static struct rtrace_lane *rtrace_reader_lane(struct rtrace_ring *ring,
					      unsigned int cpu, unsigned int lane)
{
	if (cpu >= nr_cpu_ids || lane >= RTRACE_NR_LANES ||
	    !cpumask_test_cpu(cpu, &ring->cpumask))
		return NULL;
	return &per_cpu_ptr(ring->cpus, cpu)->lane[lane];
}

/*
 * Always-on check of a published header before the reader copies it: the
 * writer that opened and closed it wrote exactly these values
 * (rtrace_lane_open(), rtrace_lane_close()).
 */
static bool rtrace_hdr_sane(struct rtrace_ring *ring, const struct rtrace_subbuf_hdr *hdr,
			    u64 seq, unsigned int cpu, unsigned int lane)
{
	u32 commit = READ_ONCE(hdr->commit);

	return READ_ONCE(hdr->magic) == RTRACE_SUBBUF_MAGIC &&
	       READ_ONCE(hdr->hdr_size) == sizeof(*hdr) &&
	       READ_ONCE(hdr->seq) == seq && READ_ONCE(hdr->cpu) == cpu &&
	       READ_ONCE(hdr->lane) == lane && commit <= ring->payload &&
	       READ_ONCE(hdr->nr_events) <= commit / 2;
}

/*
 * The reader found sub-buffer @seq of a lane broken: warn once, fence the
 * lane off (nothing more is read from it), and put in @buf the header that
 * reports it in band (RTRACE_SB_BROKEN, no records, the same seq).
 * Return: -EIO.
 */
static ssize_t rtrace_reader_broken(struct rtrace_lane *ln, const struct rtrace_subbuf_hdr *hdr,
				    u64 seq, unsigned int cpu, unsigned int lane,
				    void *buf, size_t len)
{
	struct rtrace_subbuf_hdr rep = {
		.magic = RTRACE_SUBBUF_MAGIC,
		.hdr_size = sizeof(rep),
		.lane = lane,
		.flags = RTRACE_SB_BROKEN,
		.cpu = cpu,
		.seq = seq,
	};

	WARN_ONCE(1, "rtrace: cpu %u lane %u: sub-buffer %llu is broken (magic 0x%x seq %llu commit %u)\n",
		  cpu, lane, seq, READ_ONCE(hdr->magic), READ_ONCE(hdr->seq),
		  READ_ONCE(hdr->commit));
	WRITE_ONCE(ln->broken, true);
	if (len >= sizeof(rep))
		memcpy(buf, &rep, sizeof(rep));
	return -EIO;
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
 * -EAGAIN if nothing is published (or the lane was found broken before);
 * -ENOSPC if @len is too small (the sub-buffer stays in place); -EINVAL
 * for a bad cpu/lane; -EIO if the header cannot be right (always checked):
 * the lane is then fenced off, @buf holds the RTRACE_SB_BROKEN header that
 * reports it (if @len allows), and the caller consumes the broken one.
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
	if (READ_ONCE(ln->broken))
		return -EAGAIN;
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
	if (!rtrace_hdr_sane(ring, hdr, c & ~RTRACE_PINNED, cpu, lane))
		return rtrace_reader_broken(ln, hdr, c & ~RTRACE_PINNED, cpu, lane, buf, len);
	if (n > len)
		return -ENOSPC;
	memcpy(buf, hdr, n);
	return n;
}
EXPORT_SYMBOL_RTRACE_INTERNAL(rtrace_ring_peek);

/**
 * rtrace_ring_broken() - did an always-on check stop recording into @ring?
 * @ring: the ring
 *
 * A writer that finds a broken header at a sub-buffer switch stops the
 * ring without a word (rtrace_ring_fail(), lane.c); this is where it is
 * said: the first call that finds the ring broken warns, once per ring,
 * with what failed.  The device calls it from its worker and its read
 * paths and stops the session (kmod/dev/).
 *
 * Context: process context.
 * Return: true if the ring is broken.
 */
bool rtrace_ring_broken(struct rtrace_ring *ring)
{
	/* Pairs with the cmpxchg() of the reason in rtrace_ring_fail(). */
	if (!smp_load_acquire(&ring->broken))
		return false;
	if (!xchg(&ring->broken_warned, true))
		WARN(1, "rtrace: %s; recording stopped\n", READ_ONCE(ring->broken_why));
	return true;
}
EXPORT_SYMBOL_RTRACE_INTERNAL(rtrace_ring_broken);

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
EXPORT_SYMBOL_RTRACE_INTERNAL(rtrace_ring_consume);

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
			if (READ_ONCE(ln->broken))	/* fenced off, see rtrace_ring_peek() */
				continue;
			/* Pairs with smp_store_release() in rtrace_lane_close(). */
			if (smp_load_acquire(&ln->produced) !=
			    (READ_ONCE(ln->consumed) & ~RTRACE_PINNED))
				return true;
		}
	}
	return false;
}

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
	st->nr_lost = RTRACE_NR_LOST;
	st->lost_offset = offsetof(struct rtrace_lane_stats, lost);
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
	st->nested = READ_ONCE(ln->wc->nested[ln->lane_id]);
	/* Pairs with smp_store_release() in rtrace_lane_close(). */
	st->subbufs_written = smp_load_acquire(&ln->produced);
	st->subbufs_read = READ_ONCE(ln->subbufs_read);
	if (READ_ONCE(ln->broken) || READ_ONCE(ln->wr_broken))
		st->flags |= RTRACE_LANE_STATS_BROKEN;
}
EXPORT_SYMBOL_RTRACE_INTERNAL(rtrace_ring_stats);

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
			pairs[a][b] = READ_ONCE(rc->w.pairs[b][a]);
}
EXPORT_SYMBOL_RTRACE_INTERNAL(rtrace_ring_nest_pairs);
