/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtrace: the ring's RTRACE_DEBUG checks and injection points, inline in
 * the out-of-line writers (debug.c holds the rest).  A broken invariant
 * warns once and stops recording (rtrace_ring_fail()); nothing calls
 * BUG().  In a normal build every helper here is empty; the checks that
 * are always on live where they run (lane.c, reader.c).  Included by internal.h,
 * after the structures.
 */
#ifndef _RTRACE_RING_DEBUG_H
#define _RTRACE_RING_DEBUG_H

#ifdef RTRACE_DEBUG
extern rtrace_inject_fn rtrace_inject_hook;

void rtrace_debug_fail(struct rtrace_ring *ring, const char *what);

static __always_inline void rtrace_inject(enum rtrace_inject_point point)
{
	rtrace_inject_fn fn = READ_ONCE(rtrace_inject_hook);

	if (fn)
		fn(point);
}

/* Lane @l is now owned: it must nest LIFO over the owners before it. */
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
	/*
	 * Reserve the slot first: a nested owner arriving now uses the next.
	 * barrier() pairs with the one in rtrace_debug_pop() (same CPU).
	 */
	WRITE_ONCE(rc->depth, d + 1);
	barrier();
	rc->stack[d] = l;
}

/* Lane @l is released: it must be the last one owned. */
static __always_inline void rtrace_debug_pop(struct rtrace_ring *ring,
					     struct rtrace_cpu *rc, unsigned int l)
{
	u8 d = rc->depth;

	if (!d || rc->stack[d - 1] != l) {
		rtrace_debug_fail(ring, "nesting not LIFO");
		return;
	}
	rc->stack[d - 1] = 0xff;
	/* The slot is free before it is unreserved; pairs with rtrace_debug_push(). */
	barrier();
	WRITE_ONCE(rc->depth, d - 1);
}

static __always_inline bool rtrace_debug_broken(struct rtrace_ring *ring)
{
	return READ_ONCE(ring->broken);
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
#endif

#endif /* _RTRACE_RING_DEBUG_H */
