/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtrace: the interface of the per-CPU, per-lane ring buffer (kmod/ring/,
 * design in ring.c) to the rest of the module (device, sources) and to
 * rtrace's own test and benchmark modules, which get these symbols from
 * the RTRACE_INTERNAL namespace (RTRACE_IMPORT_INTERNAL()).
 *
 * The API for other modules is include/rtrace_emit.h.
 */
#ifndef _RTRACE_RING_H
#define _RTRACE_RING_H

#include "env.h"
#include <uapi/linux/rtrace.h>

struct rtrace_ring;

/**
 * struct rtrace_ring_geom - geometry of a ring, validated by the caller
 * @subbuf_size: bytes per sub-buffer, header included; power of two,
 *	PAGE_SIZE .. 1 MiB
 * @nr_subbufs: sub-buffers per lane, power of two, >= 2
 * @flags: RTRACE_CONFIG_* (RTRACE_CONFIG_OVERWRITE selects overwrite mode)
 * @cpumask: CPUs that get lanes; events on other CPUs are not recorded
 */
struct rtrace_ring_geom {
	u32 subbuf_size;
	u32 nr_subbufs;
	u32 flags;
	const struct cpumask *cpumask;
};

/*
 * Lifetime (process context, may sleep).  create returns ERR_PTR(-EINVAL)
 * for a bad geometry or ERR_PTR(-ENOMEM), never NULL.
 */
struct rtrace_ring *rtrace_ring_create(const struct rtrace_ring_geom *geom);
void rtrace_ring_destroy(struct rtrace_ring *ring);

/*
 * Making a ring the target of writers.  Writers find the ring through an
 * RCU-sched protected pointer; rtrace_ring_detach() waits until no writer
 * can still be using the ring (synchronize_rcu()).  attach returns -EBUSY
 * if another ring is attached (one active ring at a time).
 * set_running(ring, false) also waits until no write is in progress, so a
 * flush after it publishes everything and stats are exact.
 */
int rtrace_ring_attach(struct rtrace_ring *ring);
void rtrace_ring_detach(struct rtrace_ring *ring);
void rtrace_ring_set_running(struct rtrace_ring *ring, bool running);

/*
 * Publish every non-empty current sub-buffer so a reader can consume it.
 * Safe while writers run (runs on each CPU by IPI; a lane interrupted in
 * the middle of a write is left for the writer to publish).
 * Return: number of sub-buffers published.
 */
int rtrace_ring_flush(struct rtrace_ring *ring);

/*
 * Reader side: one reader at a time (the caller serialises).
 *
 * rtrace_ring_peek() finds the oldest published, unconsumed sub-buffer of
 * (cpu, lane) and copies header + records into @buf (at most @len bytes;
 * -ENOSPC if the sub-buffer does not fit, -EAGAIN if there is none).  In
 * overwrite mode the sub-buffer is pinned first, so the writer cannot
 * recycle it during the copy (it drops new events instead) until
 * rtrace_ring_consume().  A header that cannot be right gives -EIO and the
 * RTRACE_SB_BROKEN header that reports it (the kernel-doc at the function).
 * Return: bytes copied (sizeof(hdr) + hdr.commit).
 *
 * rtrace_ring_consume() then marks it read, so the writer may reuse it.
 * Peek without consume leaves it in place (a failed copy_to_user loses
 * nothing).
 */
ssize_t rtrace_ring_peek(struct rtrace_ring *ring, unsigned int cpu,
			 unsigned int lane, void *buf, size_t len);
void rtrace_ring_consume(struct rtrace_ring *ring, unsigned int cpu,
			 unsigned int lane);
/* Is any sub-buffer published and unconsumed? Cheap, lockless. */
bool rtrace_ring_has_data(struct rtrace_ring *ring);
bool rtrace_ring_broken(struct rtrace_ring *ring);

/* Counters of one (cpu, lane). */
void rtrace_ring_stats(struct rtrace_ring *ring, unsigned int cpu,
		       unsigned int lane, struct rtrace_lane_stats *st);

/*
 * Nesting observed on @cpu: pairs[a][b] = writes on lane b that began while
 * lane a was busy (b interrupted a).  For the nesting test and stats.
 */
void rtrace_ring_nest_pairs(struct rtrace_ring *ring, unsigned int cpu,
			    u64 pairs[RTRACE_NR_LANES][RTRACE_NR_LANES]);

/* Clock of the ring, for the stream header. */
void rtrace_ring_clock_info(struct rtrace_ring *ring,
			    struct rtrace_stream_hdr *hdr);

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
 * RTRACE_DEBUG builds fill the memory that is not zeroed by design (each
 * lane's pages, the reader's bounce buffer) with this 64-bit pattern,
 * little-endian from the start of the buffer, so that any byte of it that
 * reached userspace without being written shows: leak_test scans all it
 * reads and maps for 8 consecutive bytes of the pattern.  Normal builds
 * zero the lanes and do not fill the bounce buffer (nothing reads from it
 * that was not copied in).
 */
#define RTRACE_DEBUG_POISON	0x9bd7a53ec1e46f28ULL

static inline void rtrace_debug_poison(void *p, size_t len)
{
#ifdef RTRACE_DEBUG
	u64 v = RTRACE_DEBUG_POISON;
	size_t i;

	for (i = 0; i + sizeof(v) <= len; i += sizeof(v))
		memcpy(p + i, &v, sizeof(v));
	memcpy(p + i, &v, len - i);
#endif
}

/*
 * Benchmark builds only (-DRTRACE_BENCH, bench/run): not exported by a
 * normal rtrace.ko; the benchmark gets it with symbol_get().
 */
int rtrace_bench_hold_lanes(unsigned int lanes, bool hold);

#endif /* _RTRACE_RING_H */
