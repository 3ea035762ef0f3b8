/* SPDX-License-Identifier: GPL-2.0 */
/*
 * LTTng-UST tracepoints with the same payloads as rtrace's benchmark: the
 * 5-integer sched_switch-like event and a 16-byte raw payload.
 */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER rtrace_bench

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "./tp.h"

#if !defined(_RTRACE_BENCH_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define _RTRACE_BENCH_TP_H

#include <lttng/tracepoint.h>

LTTNG_UST_TRACEPOINT_EVENT(rtrace_bench, sched,
	LTTNG_UST_TP_ARGS(int, prev_pid, int, prev_prio, long, prev_state, int, next_pid,
			  int, next_prio),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int, prev_pid, prev_pid)
		lttng_ust_field_integer(int, prev_prio, prev_prio)
		lttng_ust_field_integer(long, prev_state, prev_state)
		lttng_ust_field_integer(int, next_pid, next_pid)
		lttng_ust_field_integer(int, next_prio, next_prio)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(rtrace_bench, raw16,
	LTTNG_UST_TP_ARGS(const unsigned char *, data),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_array(unsigned char, data, data, 16)
	)
)

#endif /* _RTRACE_BENCH_TP_H */

#include <lttng/tracepoint-event.h>
