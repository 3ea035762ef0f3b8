/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtrace_bench's own ftrace events: the benchmark's payloads as real
 * ftrace events, written through a tracefs instance whose trace_clock
 * bench/guest.sh sets (local or x86-tsc), so ftrace is measured on the
 * clock rtrace uses, with the same payload and context.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM rtrace_bench

#if !defined(_RTRACE_BENCH_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _RTRACE_BENCH_TRACE_H

#include <linux/tracepoint.h>

/* The sched_switch fields without the comms (struct bench_sched_entry). */
TRACE_EVENT(rtrace_bench_sched,
	TP_PROTO(int prev_pid, int prev_prio, long prev_state, int next_pid, int next_prio),
	TP_ARGS(prev_pid, prev_prio, prev_state, next_pid, next_prio),
	TP_STRUCT__entry(
		__field(int, prev_pid)
		__field(int, prev_prio)
		__field(long, prev_state)
		__field(int, next_pid)
		__field(int, next_prio)
	),
	TP_fast_assign(
		__entry->prev_pid = prev_pid;
		__entry->prev_prio = prev_prio;
		__entry->prev_state = prev_state;
		__entry->next_pid = next_pid;
		__entry->next_prio = next_prio;
	),
	TP_printk("prev_pid=%d prev_prio=%d prev_state=%ld next_pid=%d next_prio=%d",
		  __entry->prev_pid, __entry->prev_prio, __entry->prev_state,
		  __entry->next_pid, __entry->next_prio)
);

/* 16 opaque bytes. */
TRACE_EVENT(rtrace_bench_raw16,
	TP_PROTO(const u8 *data),
	TP_ARGS(data),
	TP_STRUCT__entry(
		__array(u8, data, 16)
	),
	TP_fast_assign(
		memcpy(__entry->data, data, 16);
	),
	TP_printk("data=%*ph", 16, __entry->data)
);

/* A page fault's fields (page_fault_kernel): two addresses and a code. */
TRACE_EVENT(rtrace_bench_addr,
	TP_PROTO(unsigned long address, unsigned long ip, unsigned long error_code),
	TP_ARGS(address, ip, error_code),
	TP_STRUCT__entry(
		__field(unsigned long, address)
		__field(unsigned long, ip)
		__field(unsigned long, error_code)
	),
	TP_fast_assign(
		__entry->address = address;
		__entry->ip = ip;
		__entry->error_code = error_code;
	),
	TP_printk("address=0x%lx ip=0x%lx error_code=0x%lx",
		  __entry->address, __entry->ip, __entry->error_code)
);

#endif /* _RTRACE_BENCH_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE rtrace_bench_trace
#include <trace/define_trace.h>
