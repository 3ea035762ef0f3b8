// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: the ring's RTRACE_DEBUG support - the failure path of the
 * invariant checks (debug.h) and the injection hook of the tests.
 */
#include "internal.h"

#ifdef RTRACE_DEBUG
rtrace_inject_fn rtrace_inject_hook;

/*
 * An invariant is broken: warn once, stop recording into @ring.  Debug
 * builds only: unlike the always-on checks, this warns from the writer.
 */
notrace void rtrace_debug_fail(struct rtrace_ring *ring, const char *what)
{
	WARN_ONCE(1, "rtrace: %s; recording disabled\n", what);
	rtrace_ring_fail(ring, what);
}

NOKPROBE_SYMBOL(rtrace_debug_fail);
#endif

/**
 * rtrace_debug_set_inject() - install the writer's injection hook
 * @fn: called at each enum rtrace_inject_point of every write, or NULL
 *
 * Testing only.  The hook runs inside the writer with preemption disabled,
 * in the writer's context; it may emit (a nested write) or raise a self-NMI.
 * Returns once no writer still runs the previous hook.
 *
 * Context: process context, sleeps.
 * Return: 0, or -EOPNOTSUPP unless the module was built with RTRACE_DEBUG.
 */
int rtrace_debug_set_inject(rtrace_inject_fn fn)
{
#ifdef RTRACE_DEBUG
	WRITE_ONCE(rtrace_inject_hook, fn);
	/* Writers are preempt-disabled sections: RCU-sched readers. */
	synchronize_rcu();
	return 0;
#else
	return -EOPNOTSUPP;
#endif
}
EXPORT_SYMBOL_RTRACE_INTERNAL(rtrace_debug_set_inject);
