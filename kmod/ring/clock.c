// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: the clock of a ring - the TSC when the kernel trusts it, else
 * trace_clock_local() - and what the stream header says about it (the
 * design: "Clock" in ring.c).  The writers read it with
 * rtrace_read_clock() of include/rtrace_wr.h.
 */
#include "internal.h"

static char *rtrace_clock_param = "auto";
module_param_named(clock, rtrace_clock_param, charp, 0644);
MODULE_PARM_DESC(clock, "session clock: auto (TSC if trusted), tsc, local");

/*
 * Choose the clock of a new ring (module parameter clock=, the TSC only if
 * the kernel trusts it) and take the (clock, CLOCK_MONOTONIC) pair of the
 * stream header.
 */
void rtrace_ring_clock_init(struct rtrace_ring *ring)
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
