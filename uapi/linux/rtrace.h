/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * rtrace: the user/kernel ABI of /dev/rtrace, version 2.
 *
 * Everything userspace must know to drive a session and decode what it
 * reads lives in this header (Documentation/abi.md explains the rules
 * behind it).  Rules kept throughout: only __u8/__u16/__u32/__u64 and fixed
 * arrays of them, natural alignment, little-endian in the stream, no
 * pointers (user addresses travel as __u64), no enums or bitfields in
 * structs.
 *
 * Growth
 * ------
 * Structs passed to ioctls begin with a __u32 size: the caller sets it to
 * sizeof() the struct as it was compiled.  The kernel accepts any size from
 * the struct's _SIZE_VER0 upwards (copy_struct_from_user semantics: bytes it
 * does not know must be zero, bytes the caller did not pass read as zero),
 * so old binaries keep working when a struct grows.  Reserved fields must
 * be zero (-EINVAL otherwise).  The ioctl number encodes the VER0 size; the
 * kernel matches on type and number only and takes the size from the struct.
 *
 * Every header in the stream states its own size, and every array sits at
 * the end of its struct with its offset and count stated, the way perf's
 * mmap page and perf_event_attr do, so a minor version can grow any of them:
 *
 *   stream header      stream_hdr.size bytes; the event table starts at
 *                      stream_hdr.event_table_offset; the unit (header,
 *                      table and anything a newer writer adds) is
 *                      stream_hdr.hdr_size bytes
 *   event description  stream_hdr.event_desc_size bytes apart
 *   sub-buffer header  subbuf_hdr.hdr_size bytes (== stream_hdr.subbuf_hdr_size);
 *                      records start right after it; lost[] has
 *                      stream_hdr.nr_lost entries at byte
 *                      stream_hdr.subbuf_lost_offset of the header
 *   lane statistics    lost[] has lane_stats.nr_lost entries at byte
 *                      lane_stats.lost_offset of each entry
 *
 * A decoder reads the fields it knows at their offsets, skips the bytes it
 * does not know, and names only the loss causes, flags and field types it
 * knows (the others still count).  Minor versions only add: fields at the
 * end of a header (or before an array, which then moves), loss causes,
 * flags, field types, event descriptions.  Anything else is a new major
 * version, which a decoder refuses with a clear message.  Writers zero
 * what they reserve; decoders ignore reserved bytes.
 *
 * The stream
 * ----------
 * read() on /dev/rtrace returns a self-describing byte stream of units.
 * Every unit begins with a __u32 magic and states its own length:
 *
 *   struct rtrace_stream_hdr, event table     hdr.hdr_size bytes, once per session
 *   { struct rtrace_subbuf_hdr; records }     sb.hdr_size + sb.commit bytes, ...
 *
 * Several sessions concatenate (a new stream header starts each one).
 * A stream cut at a unit boundary decodes entirely.
 *
 * The first 16 bytes of a stream header keep their place and meaning in
 * every major version (magic, version_major, version_minor, size,
 * hdr_size), so any decoder can tell a stream it cannot read from garbage.
 *
 * Integrity: every unit carries a CRC32C (Castagnoli: polynomial 0x1EDC6F41,
 * reflected, i.e. 0x82F63B78 in the shift-right form; initial value
 * 0xFFFFFFFF, final XOR 0xFFFFFFFF; the check value of the nine ASCII bytes
 * "123456789" is 0xE3069283):
 *   - stream_hdr.crc over the hdr_size bytes of the unit, the crc field
 *     taken as zero;
 *   - subbuf_hdr.crc over the hdr_size bytes of the header, the crc field
 *     taken as zero, followed by the commit bytes of records.
 * The kernel computes them on the reader side (read() and the mmap copy),
 * never in the writers.  A unit whose CRC does not match was damaged after
 * it left the kernel: a decoder must not decode its records.
 *
 * Sequence numbers.  The sub-buffers of a (cpu, lane) are numbered 0, 1, 2,
 * ... (seq) in the order they were opened, and a stream carries them in
 * increasing seq order.  In a stream:
 *   - discard mode (config_flags without RTRACE_CONFIG_OVERWRITE): the
 *     writer drops events, never sub-buffers, so a lane's seqs are
 *     consecutive and its first is 0.  Any gap is corruption.
 *   - overwrite mode: a gap of k sub-buffers before sub-buffer S (or a
 *     first S > 0, k = S) means they were overwritten before the reader got
 *     them.  S's slot overwrote sub-buffer S - subbufs_per_lane, so S
 *     carries at least floor(k / subbufs_per_lane) lost events in total
 *     (its lost[] forwards those of the overwritten chain, see below);
 *     less is corruption.
 *   - RTRACE_STREAM_RESUMED in stream_hdr.flags: an earlier consumer
 *     (another file) read part of this session, so a lane's first
 *     sub-buffer in this stream may have any seq; the rules above apply
 *     from it on.
 *
 * Loss accounting.  Every event an emitter offered and the ring did not
 * keep is counted by cause (RTRACE_LOST_*) and reported in-band in lost[]
 * of a sub-buffer header of its (cpu, lane):
 *   - lost[] of sub-buffer S counts the losses noted on the lane after
 *     sub-buffer S - 1 was opened and before S got its first record (or
 *     was published, if it has none: a flush publishes an empty sub-buffer
 *     just to report losses).
 *   - Overwrite mode adds two things: opening S may overwrite the unread
 *     sub-buffer S - subbufs_per_lane, whose nr_events S counts as
 *     RTRACE_LOST_OVERWRITTEN; and the lost[] that the overwritten one
 *     carried would vanish with it, so S carries them again.  Consecutive
 *     sub-buffers of a ring that keeps overwriting therefore show large,
 *     similar counts (each forwards the chain before it).  No loss is ever
 *     counted twice in a stream: the sum over a lane's sub-buffers is exact,
 *     a single sub-buffer's count is not a measure of the gap before it.
 * Once a session was stopped and the consumer got end of file, for every
 * (cpu, lane):
 *   records read + sum(lost[OVERWRITTEN])         == lane_stats.written
 *   lane_stats.written + sum(lost[other causes])  == events emitted
 *
 * Records
 * -------
 * The commit bytes after a sub-buffer header hold nr_events records, each a
 * sequence of unsigned LEB128 varints (7 bits per byte, low groups first,
 * high bit set on every byte but the last, at most 10 bytes, at most 64
 * significant bits):
 *
 *   h      = (type << 4) | n
 *   delta  = timestamp - previous timestamp in this sub-buffer
 *            (the first record's delta is against subbuf_hdr.ts_base)
 *   if n <= RTRACE_REC_MAX_ARGS: n varint arguments (each a __u64)
 *   if n == RTRACE_REC_RAW:      a varint length, then that many bytes
 *
 * Every record's type is described in the stream's event table, and its n
 * is that description's nr_fields (0..RTRACE_REC_MAX_ARGS varint arguments,
 * or RTRACE_REC_RAW for a raw payload).  Type 0 is never written: h == 0 is
 * corruption.  A record never straddles two sub-buffers.  Signed arguments
 * are zigzag-encoded by the emitter (RTRACE_FIELD_S64).  Timestamps never go
 * backwards within a sub-buffer (delta >= 0 by construction; the sum wraps
 * modulo 2^64 like the writer's arithmetic).
 *
 * Timestamps are in units of the session's clock (stream_hdr.clock).  For
 * every clock, convert to CLOCK_MONOTONIC nanoseconds with
 *
 *   ns = clock_zero_ns + (((cyc - clock_zero_cyc) * clock_mult) >> clock_shift)
 *
 * with a signed difference and a 128-bit intermediate product.  For
 * RTRACE_CLOCK_LOCAL, mult is 1 and shift 0 because the values are already
 * nanoseconds, but of the kernel's local clock, not of CLOCK_MONOTONIC:
 * clock_zero_cyc and clock_zero_ns differ, and the offset still applies.
 * Both pairs are taken once, when the session is configured; no record
 * re-synchronizes them.
 */
#ifndef _UAPI_LINUX_RTRACE_H
#define _UAPI_LINUX_RTRACE_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* A decoder refuses another major version; any minor of its major is readable. */
#define RTRACE_ABI_VERSION_MAJOR	2
#define RTRACE_ABI_VERSION_MINOR	1
/* RTRACE_IOC_GET_VERSION: major << 16 | minor */
#define RTRACE_ABI_VERSION		((RTRACE_ABI_VERSION_MAJOR << 16) | \
					 RTRACE_ABI_VERSION_MINOR)

#define RTRACE_STREAM_MAGIC		0x43525452U	/* "RTRC" little-endian */
#define RTRACE_SUBBUF_MAGIC		0x42535452U	/* "RTSB" little-endian */

/*
 * Context lanes: each CPU has one ring per lane, each with one writer at a
 * time.  Major version 2 has exactly RTRACE_NR_LANES (stream_hdr.nr_lanes).
 */
#define RTRACE_LANE_TASK		0
#define RTRACE_LANE_SOFTIRQ		1
#define RTRACE_LANE_HARDIRQ		2
#define RTRACE_LANE_NMI			3
#define RTRACE_LANE_SPARE		4	/* interrupt-entry window, see design */
#define RTRACE_NR_LANES			5

/*
 * Why an event was not recorded: indexes of lost[] (sub-buffer headers and
 * lane statistics).  A minor version may add causes at the end.
 */
#define RTRACE_LOST_FULL		0	/* discard mode, no free sub-buffer */
#define RTRACE_LOST_RECURSION		1	/* lane (and spare lane) busy on this CPU */
#define RTRACE_LOST_TOO_LARGE		2	/* record larger than a sub-buffer can hold */
#define RTRACE_LOST_OFF			3	/* emitted while stopped after a start */
#define RTRACE_LOST_OVERWRITTEN		4	/* overwrite mode: recycled before it was read */
#define RTRACE_NR_LOST			5

/* Clocks (stream_hdr.clock). */
#define RTRACE_CLOCK_TSC		1	/* raw TSC, constant and synchronized */
#define RTRACE_CLOCK_LOCAL		2	/* trace_clock_local(), nanoseconds */

/* Record encoding. */
#define RTRACE_REC_MAX_ARGS		14
#define RTRACE_REC_RAW			15
#define RTRACE_REC_MAX_VARINT		10

/*
 * Event types.  The kernel's table of builtin event descriptions is the
 * only one: a decoder learns every type, builtins included, from the
 * stream's event table.
 *
 *   0        RTRACE_EV_INVALID, never written
 *   1        reserved
 *   2..7     the hottest kernel events (a record's h is one byte only for
 *            types 0..7): RTRACE_EV_SCHED_SWITCH .. _IRQ_HANDLER_EXIT
 *   8, 9     the test modules' events (selftests/kmod)
 *   10       RTRACE_EV_TASK_NAME (raw, struct rtrace_task_name below)
 *   11       RTRACE_EV_MARKER, a user marker written with write() (raw:
 *            the written bytes, see "User markers" below)
 *   12..15   reserved for rtrace
 *   16..47   the other kernel events (tracepoint sources)
 *   48..63   reserved for rtrace (48..55: the validation source, below)
 *   64..     rtrace_emit() callers (RTRACE_EV_FIRST_USER .. RTRACE_EV_MAX)
 *
 * The kernel events are the kernel's tracepoints of the same name; their
 * fields are in the stream's event table (and Documentation/abi.md).  Each
 * can be selected by id (rtrace_config.events) or with its group
 * (rtrace_config.sources); RTRACE_IOC_INFO says which this kernel has.
 */
#define RTRACE_EV_INVALID		0
#define RTRACE_EV_SCHED_SWITCH		2
#define RTRACE_EV_SCHED_WAKEUP		3
#define RTRACE_EV_SYS_ENTER		4
#define RTRACE_EV_SYS_EXIT		5
#define RTRACE_EV_IRQ_HANDLER_ENTRY	6
#define RTRACE_EV_IRQ_HANDLER_EXIT	7
#define RTRACE_EV_TEST			8	/* test modules: args are test-defined */
#define RTRACE_EV_TEST_RAW		9	/* test modules: raw payload */
#define RTRACE_EV_TASK_NAME		10	/* "task_name": a task's pid, tgid and comm */
#define RTRACE_EV_MARKER		11	/* "marker": the bytes of one write() */
#define RTRACE_EV_SCHED_WAKEUP_NEW	16
#define RTRACE_EV_SCHED_MIGRATE_TASK	17
#define RTRACE_EV_SCHED_PROCESS_FORK	18
#define RTRACE_EV_SCHED_PROCESS_EXEC	19
#define RTRACE_EV_SCHED_PROCESS_EXIT	20
#define RTRACE_EV_SOFTIRQ_ENTRY		21
#define RTRACE_EV_SOFTIRQ_EXIT		22
#define RTRACE_EV_SOFTIRQ_RAISE		23
#define RTRACE_EV_LOCAL_TIMER_ENTRY	24
#define RTRACE_EV_LOCAL_TIMER_EXIT	25
#define RTRACE_EV_NMI_HANDLER		26
#define RTRACE_EV_PAGE_FAULT_USER	27
#define RTRACE_EV_PAGE_FAULT_KERNEL	28
#define RTRACE_EV_BLOCK_RQ_ISSUE	29
#define RTRACE_EV_BLOCK_RQ_COMPLETE	30
#define RTRACE_EV_WORKQUEUE_EXECUTE_START 31
#define RTRACE_EV_WORKQUEUE_EXECUTE_END	32
#define RTRACE_EV_KERNEL_LAST		47	/* last id of the kernel-event range */
#define RTRACE_EV_FIRST_USER		64	/* first id for rtrace_emit() callers */
#define RTRACE_EV_MAX			0xffff

/*
 * The validation source's events (RTRACE_SOURCE_VALIDATE): one type per
 * argument shape of the writer API.  Their arguments and payloads, the
 * check value and the summary records are specified in
 * Documentation/abi.md, "The validation source"; `rtrace verify` checks them.
 */
#define RTRACE_EV_VAL_ARGS0		48	/* no argument */
#define RTRACE_EV_VAL_ARGS1		49	/* 1 argument: seq, kind, check */
#define RTRACE_EV_VAL_ARGS2		50	/* n arguments: seq, kind | check << 2, filler */
#define RTRACE_EV_VAL_ARGS3		51
#define RTRACE_EV_VAL_ARGS4		52
#define RTRACE_EV_VAL_ARGS5		53
#define RTRACE_EV_VAL_ARGS14		54	/* rtrace_emit(), RTRACE_REC_MAX_ARGS arguments */
#define RTRACE_EV_VAL_RAW		55	/* raw: events and summary records, by tag */

/* Generators (kinds) of the validation source: the context they emit from. */
#define RTRACE_VAL_TASK			0	/* a kthread bound to each CPU */
#define RTRACE_VAL_SOFTIRQ		1	/* a soft hrtimer per CPU */
#define RTRACE_VAL_HARDIRQ		2	/* a hard hrtimer per CPU */
#define RTRACE_VAL_NMI			3	/* self-NMIs and cross-CPU NMIs */
#define RTRACE_VAL_NR_KINDS		4

/* First byte of an RTRACE_EV_VAL_RAW payload (0..3: an event of that kind). */
#define RTRACE_VAL_TAG_GEN		0x80	/* struct rtrace_val_gen_summary */
#define RTRACE_VAL_TAG_CPU		0x81	/* struct rtrace_val_cpu_summary */

/* Results of a validation write by errno (the res[] arrays below). */
#define RTRACE_VAL_RES_EBUSY		0	/* RTRACE_LOST_RECURSION */
#define RTRACE_VAL_RES_ENOSPC		1	/* RTRACE_LOST_FULL */
#define RTRACE_VAL_RES_E2BIG		2	/* RTRACE_LOST_TOO_LARGE */
#define RTRACE_VAL_RES_ENODEV		3	/* RTRACE_LOST_OFF */
#define RTRACE_VAL_RES_OTHER		4	/* any other error: a bug */
#define RTRACE_VAL_NR_RES		5

/**
 * struct rtrace_val_gen_summary - counters of one generator (raw payload)
 * @tag: RTRACE_VAL_TAG_GEN
 * @kind: RTRACE_VAL_*
 * @lane: the lane of the generator's context on this kernel (its events
 *	are on it, or on RTRACE_LANE_SPARE)
 * @reserved: zero
 * @cpu: CPU the generator emits on
 * @seq: sequenced events attempted: their seqs are 0 .. @seq - 1
 * @unseq: unsequenced events attempted (no argument, raw under 16 bytes)
 * @ok: writes that returned 0
 * @res: failed writes by errno, RTRACE_VAL_RES_*
 * @check: check value of the words before it (Documentation/abi.md)
 *
 * Cumulative from the session's first START; written at every STOP.
 */
struct rtrace_val_gen_summary {
	__u8 tag;
	__u8 kind;
	__u8 lane;
	__u8 reserved;
	__u32 cpu;
	__u64 seq;
	__u64 unseq;
	__u64 ok;
	__u64 res[RTRACE_VAL_NR_RES];
	__u64 check;
};

/**
 * struct rtrace_val_cpu_summary - one CPU's summary, after its generators'
 * @tag: RTRACE_VAL_TAG_CPU
 * @nr_kinds: RTRACE_VAL_NR_KINDS
 * @reserved: zero
 * @cpu: the CPU
 * @written: summary records of this CPU written before this one
 * @res: failed summary writes of this CPU by errno, RTRACE_VAL_RES_*
 * @pairs: pairs[a][b]: writes on lane b of this CPU that began while lane
 *	a was busy (what rtrace_lane_stats.nested sums)
 * @check: check value of the words before it
 */
struct rtrace_val_cpu_summary {
	__u8 tag;
	__u8 nr_kinds;
	__u16 reserved;
	__u32 cpu;
	__u64 written;
	__u64 res[RTRACE_VAL_NR_RES];
	__u64 pairs[RTRACE_NR_LANES][RTRACE_NR_LANES];
	__u64 check;
};

/* rtrace_subbuf_hdr.flags */
#define RTRACE_SB_FLUSHED		0x01	/* published before it was full */
#define RTRACE_SB_BROKEN		0x02	/* the lane's ring was found broken (below) */

/**
 * struct rtrace_subbuf_hdr - header of every sub-buffer in the stream
 * @magic: RTRACE_SUBBUF_MAGIC
 * @hdr_size: bytes of this header, == stream_hdr.subbuf_hdr_size; the
 *	records start right after it
 * @lane: RTRACE_LANE_*, < stream_hdr.nr_lanes
 * @flags: RTRACE_SB_*
 * @commit: bytes of records that follow the header, at most
 *	stream_hdr.subbuf_size - @hdr_size
 * @nr_events: number of records in those bytes
 * @cpu: CPU whose lane this is, < stream_hdr.nr_cpus
 * @crc: CRC32C of this header (this field taken as zero) and the records
 * @seq: per (cpu, lane) sequence number (see "Sequence numbers" above)
 * @ts_base: absolute clock value that the first record's delta refers to
 * @lost: events lost on this (cpu, lane), by RTRACE_LOST_* cause (see
 *	"Loss accounting" above); stream_hdr.nr_lost entries at byte
 *	stream_hdr.subbuf_lost_offset, always the last member
 *
 * RTRACE_SB_BROKEN: an always-on integrity check of the kernel found a
 * header or a claim of this lane that cannot be right (at a sub-buffer
 * switch or on the reader side).  It warned once and stopped the session;
 * this sub-buffer takes the place of the broken one (same seq), carries no
 * records (commit and nr_events 0) and is the lane's last in the session.
 * What the broken sub-buffer held is lost without a count.  A decoder
 * reports it as an error at this sub-buffer's offset; lane_stats and
 * rtrace_info report it too (RTRACE_LANE_STATS_BROKEN, RTRACE_INFO_BROKEN).
 */
struct rtrace_subbuf_hdr {
	__u32 magic;
	__u16 hdr_size;
	__u8 lane;
	__u8 flags;
	__u32 commit;
	__u32 nr_events;
	__u32 cpu;
	__u32 crc;
	__u64 seq;
	__u64 ts_base;
	__u64 lost[RTRACE_NR_LOST];
};

/* rtrace_stream_hdr.flags */
#define RTRACE_STREAM_RESUMED		0x01	/* an earlier consumer read part of the session */

/**
 * struct rtrace_stream_hdr - first unit of a session's stream
 * @magic: RTRACE_STREAM_MAGIC
 * @version_major: RTRACE_ABI_VERSION_MAJOR of the writer; a decoder refuses
 *	any other major
 * @version_minor: RTRACE_ABI_VERSION_MINOR of the writer; a decoder reads
 *	any minor (it skips what it does not know)
 * @size: bytes of this struct as the writer knows it (at least 128)
 * @hdr_size: bytes of the whole unit: this header, the event table and
 *	anything a newer writer puts between or after them; the next unit
 *	starts @hdr_size bytes after @magic
 * @crc: CRC32C of the @hdr_size bytes of the unit, this field taken as zero
 * @flags: RTRACE_STREAM_*
 * @config_flags: RTRACE_CONFIG_* the session was configured with
 *	(RTRACE_CONFIG_OVERWRITE decides the seq rules)
 * @nr_cpus: number of possible CPU ids (cpu < nr_cpus in every sub-buffer)
 * @nr_lanes: RTRACE_NR_LANES (lane < nr_lanes in every sub-buffer)
 * @page_size: kernel page size
 * @subbuf_size: bytes of one sub-buffer in the ring, header included; a
 *	sub-buffer unit in the stream is at most this long
 * @subbufs_per_lane: sub-buffers in each lane's ring (lane_bytes / subbuf_size)
 * @subbuf_hdr_size: bytes of every sub-buffer header of this session
 * @subbuf_lost_offset: byte offset of lost[] in a sub-buffer header
 * @nr_lost: entries of lost[] in a sub-buffer header (>= RTRACE_NR_LOST)
 * @event_table_offset: byte offset of the event table from @magic
 * @nr_event_descs: entries in the event table
 * @event_desc_size: bytes from one entry to the next (at least
 *	sizeof(struct rtrace_event_desc))
 * @clock: RTRACE_CLOCK_*
 * @clock_shift: see the conversion formula at the top of this file
 * @clock_mult: see the conversion formula at the top of this file
 * @clock_zero_cyc: clock value at the instant of @clock_zero_ns
 * @clock_zero_ns: CLOCK_MONOTONIC nanoseconds at the instant of @clock_zero_cyc
 * @session_id: changes on every configure, so concatenated streams separate
 * @reserved: zero
 *
 * Every offset and size is a multiple of 8; the table lies within the unit.
 */
struct rtrace_stream_hdr {
	__u32 magic;
	__u16 version_major;
	__u16 version_minor;
	__u32 size;
	__u32 hdr_size;
	__u32 crc;
	__u32 flags;
	__u32 config_flags;
	__u32 nr_cpus;
	__u32 nr_lanes;
	__u32 page_size;
	__u32 subbuf_size;
	__u32 subbufs_per_lane;
	__u32 subbuf_hdr_size;
	__u32 subbuf_lost_offset;
	__u32 nr_lost;
	__u32 event_table_offset;
	__u32 nr_event_descs;
	__u32 event_desc_size;
	__u32 clock;
	__u32 clock_shift;
	__u64 clock_mult;
	__u64 clock_zero_cyc;
	__u64 clock_zero_ns;
	__u64 session_id;
	__u64 reserved[2];
};

/* Field types of struct rtrace_event_field.type (a decoder shows unknown ones as U64). */
#define RTRACE_FIELD_U64		1	/* unsigned decimal */
#define RTRACE_FIELD_S64		2	/* zigzag-encoded signed */
#define RTRACE_FIELD_HEX		3	/* unsigned, shown in hex */

#define RTRACE_EVENT_NAME_LEN		32
#define RTRACE_FIELD_NAME_LEN		15

/**
 * struct rtrace_event_field - one argument of an event type
 * @name: NUL-terminated unless all RTRACE_FIELD_NAME_LEN bytes are used
 * @type: RTRACE_FIELD_*, never 0
 */
struct rtrace_event_field {
	char name[RTRACE_FIELD_NAME_LEN];
	__u8 type;
};

/**
 * struct rtrace_event_desc - schema of one event type (stream event table)
 * @id: event type, the record's h >> 4; 1..RTRACE_EV_MAX, once per table
 * @nr_fields: number of varint arguments (0..RTRACE_REC_MAX_ARGS), or
 *	RTRACE_REC_RAW for a raw payload; every record of this type has
 *	n == @nr_fields
 * @flags: reserved, zero
 * @name: NUL-terminated unless all RTRACE_EVENT_NAME_LEN bytes are used
 * @fields: for varint events, the first @nr_fields entries describe the
 *	arguments in order and the rest are zero; for raw events all are zero
 *	(the payload's layout is the event's own)
 */
struct rtrace_event_desc {
	__u32 id;
	__u16 nr_fields;
	__u16 flags;
	char name[RTRACE_EVENT_NAME_LEN];
	struct rtrace_event_field fields[RTRACE_REC_MAX_ARGS];
};

/*
 * Event sources (rtrace_config.sources): groups of events.  A kernel-event
 * group selects every event of the group that this kernel has (its
 * tracepoint exists); CONFIGURE refuses with -EOPNOTSUPP a group of which
 * this kernel has none (rtrace_info.sources_supported says which it has).
 * RTRACE_SOURCE_VALIDATE is a test source.
 */
#define RTRACE_SOURCE_KAPI		(1ULL << 0)	/* rtrace_emit() from other modules */
#define RTRACE_SOURCE_SCHED		(1ULL << 1)	/* sched_* */
#define RTRACE_SOURCE_IRQ		(1ULL << 2)	/* irq, softirq, local_timer, nmi */
#define RTRACE_SOURCE_SYSCALLS		(1ULL << 3)	/* sys_enter, sys_exit */
#define RTRACE_SOURCE_FAULTS		(1ULL << 4)	/* page_fault_user, _kernel */
#define RTRACE_SOURCE_BLOCK		(1ULL << 5)	/* block_rq_issue, _complete */
#define RTRACE_SOURCE_WORKQUEUE		(1ULL << 6)	/* workqueue_execute_start, _end */
#define RTRACE_SOURCE_TASK_NAMES	(1ULL << 8)	/* task_name records, see below */
#define RTRACE_SOURCE_VALIDATE		(1ULL << 16)	/* test generators, `rtrace verify` */

/**
 * struct rtrace_task_name - payload of a RTRACE_EV_TASK_NAME record (raw)
 * @pid: the task's pid (the kernel's global id of the thread, as in
 *	sched_switch's prev_pid/next_pid), little-endian
 * @tgid: its thread group id (the process id), little-endian
 * @comm: its name: the payload's remaining len - RTRACE_TASK_NAME_MIN
 *	bytes (0..15 on today's kernels), not NUL-terminated
 *
 * Written by RTRACE_SOURCE_TASK_NAMES: once for every thread that exists
 * when the session starts (also on every START after a STOP), and when a
 * task is created (the child of sched_process_fork), execs
 * (sched_process_exec) or is renamed (task_rename).  A pid's name is the
 * comm of its latest record by timestamp.  CONFIGURE adds the bit to a
 * session that selects any source other than RTRACE_SOURCE_KAPI and
 * RTRACE_SOURCE_VALIDATE.
 * A decoder must accept a comm of any length (a kernel with longer task
 * names writes longer payloads); the payload is never shorter than
 * RTRACE_TASK_NAME_MIN.
 */
struct rtrace_task_name {
	__u32 pid;
	__u32 tgid;
	char comm[16];
};

#define RTRACE_TASK_NAME_MIN		8	/* pid and tgid */

/* rtrace_config.flags */
#define RTRACE_CONFIG_OVERWRITE		(1U << 0)	/* flight recorder: keep newest */
#define RTRACE_CONFIG_DISCARD_UNREAD	(1U << 1)	/* replace a session with unread data */

/*
 * The PID filter (rtrace_config.pids_ptr, nr_pids, pid_flags).  With a
 * filter, a kernel event of the tracepoint sources is recorded only if a
 * task it belongs to is in the set: the tasks its pid fields name
 * (sched_switch: prev or next; sched_wakeup, _wakeup_new, _migrate_task,
 * _process_exec, _process_exit: the task; sched_process_fork: the parent)
 * or, for an event without one, the current task when it is written in
 * task context.  Events written in interrupt context without a pid field,
 * the irq group's events (interrupts belong to a CPU, not to a task), task
 * names, markers and the module API's events always pass.  A filtered-out
 * event is not written and not counted anywhere (it is not lost: it was
 * not asked for).  Ids are the kernel's global ids (init pid namespace),
 * as in the stream's pid fields: a thread's pid, or with RTRACE_PIDS_TGID
 * a process id (tgid) that matches all of its threads.  With
 * RTRACE_PIDS_FOLLOW every task (thread or process) that a task of the set
 * creates joins it (sched_process_fork; with RTRACE_PIDS_TGID only new
 * processes add an id).  The set holds at most RTRACE_PIDS_MAX ids,
 * followed ones included; ids never leave it during the session (a
 * recycled pid would match).  A child that finds it full is not added and
 * is counted in rtrace_info.pids_full.  Documentation/abi.md, "The PID
 * filter".
 */
#define RTRACE_PIDS_FOLLOW		(1U << 0)	/* children join the set */
#define RTRACE_PIDS_TGID		(1U << 1)	/* ids are process ids (tgid) */
#define RTRACE_PIDS_MAX			4096		/* ids in the set, at most */

/**
 * struct rtrace_config - session geometry and sources (RTRACE_IOC_CONFIGURE)
 * @size: sizeof(struct rtrace_config) as known to the caller
 * @flags: RTRACE_CONFIG_*; RTRACE_CONFIG_DISCARD_UNREAD acts on this call
 *	only and is not part of the new session's config_flags
 * @lane_bytes: bytes of each lane's ring (per CPU, per lane); a multiple of
 *	@subbuf_size holding a power-of-two number (at least 2) of sub-buffers
 * @subbuf_size: bytes of one sub-buffer, header included; a power of two
 *	from the page size to 1 MiB
 * @reserved0: must be zero
 * @sources: RTRACE_SOURCE_* bits to enable
 * @cpumask_ptr: user address of a CPU bitmap (unsigned long words), or 0 for all
 * @cpumask_bytes: bytes at @cpumask_ptr
 * @reserved1: must be zero
 * @events: kernel events to record besides the groups of @sources: bit N
 *	selects event type N (RTRACE_EV_SCHED_SWITCH ..; since
 *	RTRACE_CONFIG_SIZE_VER1).  A bit that is not a kernel event of this
 *	module (rtrace_info.events_supported) is -EINVAL, one this kernel
 *	lacks (not in rtrace_info.events_available) -EOPNOTSUPP.  @sources
 *	may be 0 if @events is not.
 * @pids_ptr: user address of @nr_pids __u32 task ids, the PID filter
 *	(since RTRACE_CONFIG_SIZE_VER2); 0 with @nr_pids 0: no filter
 * @nr_pids: ids at @pids_ptr, 1 .. RTRACE_PIDS_MAX (0: no filter)
 * @pid_flags: RTRACE_PIDS_*; must be 0 without a filter
 *
 * The session records the union of @sources' events and @events
 * (rtrace_info.events says which, once configured).
 */
struct rtrace_config {
	__u32 size;
	__u32 flags;
	__u64 lane_bytes;
	__u32 subbuf_size;
	__u32 reserved0;
	__u64 sources;
	__u64 cpumask_ptr;
	__u32 cpumask_bytes;
	__u32 reserved1;
	__u64 events;
	__u64 pids_ptr;
	__u32 nr_pids;
	__u32 pid_flags;
};

#define RTRACE_CONFIG_SIZE_VER0		48
#define RTRACE_CONFIG_SIZE_VER1		56	/* adds events */
#define RTRACE_CONFIG_SIZE_VER2		72	/* adds pids_ptr, nr_pids, pid_flags */

/* rtrace_lane_stats.flags */
#define RTRACE_LANE_STATS_BROKEN	0x0001	/* see RTRACE_SB_BROKEN */

/**
 * struct rtrace_lane_stats - counters of one (cpu, lane)
 * @cpu: CPU id
 * @lane: RTRACE_LANE_*
 * @flags: RTRACE_LANE_STATS_*
 * @nr_lost: entries of @lost the kernel filled (RTRACE_NR_LOST of the
 *	kernel, fewer if the caller's entry_size cannot hold them)
 * @lost_offset: byte offset of @lost in the entry
 * @written: events recorded
 * @bytes: bytes of records written
 * @nested: writes that interrupted another write in progress on this CPU
 * @subbufs_written: sub-buffers published
 * @subbufs_read: sub-buffers consumed by the reader
 * @lost: events not recorded, by RTRACE_LOST_* cause; always the last
 *	member (a newer kernel's fixed fields go before it and move it: read
 *	it at @lost_offset)
 */
struct rtrace_lane_stats {
	__u32 cpu;
	__u16 lane;
	__u16 flags;
	__u32 nr_lost;
	__u32 lost_offset;
	__u64 written;
	__u64 bytes;
	__u64 nested;
	__u64 subbufs_written;
	__u64 subbufs_read;
	__u64 lost[RTRACE_NR_LOST];
};

#define RTRACE_LANE_STATS_SIZE_VER0	96

/**
 * struct rtrace_stats - request for per-lane counters (RTRACE_IOC_STATS)
 * @size: sizeof(struct rtrace_stats) as known to the caller
 * @entry_size: sizeof(struct rtrace_lane_stats) as known to the caller,
 *	at least RTRACE_LANE_STATS_SIZE_VER0
 * @entries_ptr: user address of an array of entries
 * @nr_entries: in: capacity of the array; out: entries the kernel has
 *	(nr_cpus * RTRACE_NR_LANES); only min(in, out) entries are written
 * @reserved: must be zero
 */
struct rtrace_stats {
	__u32 size;
	__u32 entry_size;
	__u64 entries_ptr;
	__u32 nr_entries;
	__u32 reserved;
};

#define RTRACE_STATS_SIZE_VER0		24

/*
 * Session states (struct rtrace_info.state).  One global session belongs to
 * the device, not to a file: any opener may drive it and it outlives the
 * file that configured it.  This is the only copy of the state diagram;
 * Documentation/abi.md has the table of every ioctl in every state.
 *
 *                     +------------- CONFIGURE (*) --------------------+
 *                     v                                                  |
 *   EMPTY --CONFIGURE--> CONFIGURED --START--> RUNNING --STOP, SNAPSHOT--> STOPPED
 *                       |  ^     |               ^  |                     ^  |
 *                       +--+     |               |  +--integrity check----+  |
 *                    CONFIGURE   |               +---------START-------------+
 *                                +--------STOP, SNAPSHOT------------------>+
 *
 *   any state --RESET (*)--> EMPTY (writers stopped, buffers freed; in EMPTY a no-op)
 *
 * START from STOPPED continues the same session and the same stream;
 * CONFIGURE always makes a new session (a new stream header, session_id).
 *
 * (*) Unread data: while the session is RUNNING, or holds a published
 * sub-buffer that no consumer has read, CONFIGURE and RESET fail with
 * -EBUSY unless the caller discards it explicitly (RTRACE_CONFIG_DISCARD_UNREAD
 * in rtrace_config.flags; RTRACE_RESET_DISCARD_UNREAD as RESET's argument).
 * Nothing recorded disappears without the caller saying so.
 *
 * Also -EBUSY: CONFIGURE while RUNNING, CONFIGURE or RESET while any part
 * of the buffers is mapped.  Control ioctls on an EMPTY device fail with
 * -ENODATA (RESET excepted).  An always-on integrity check that finds the
 * ring broken stops a RUNNING session as STOP does (RTRACE_SB_BROKEN);
 * START of such a session fails with -EIO.
 */
#define RTRACE_STATE_EMPTY		0
#define RTRACE_STATE_CONFIGURED		1
#define RTRACE_STATE_RUNNING		2
#define RTRACE_STATE_STOPPED		3

/* RTRACE_IOC_RESET's argument (an integer, not a pointer) */
#define RTRACE_RESET_DISCARD_UNREAD	(1UL << 0)

/* rtrace_info.flags */
#define RTRACE_INFO_UNREAD		0x01	/* published sub-buffers are unread */
#define RTRACE_INFO_BROKEN		0x02	/* an integrity check stopped the session */

/**
 * struct rtrace_info - device and session facts (RTRACE_IOC_INFO)
 * @size: in: sizeof(struct rtrace_info) as known to the caller (at least
 *	RTRACE_INFO_SIZE_VER0, at most 4096); the kernel fills that many
 *	bytes, zeroing what it does not know
 * @state: RTRACE_STATE_*
 * @session_id: stream_hdr.session_id of the current session, 0 if EMPTY
 * @lane_bytes: configured bytes per lane, 0 if EMPTY
 * @nr_cpus: number of possible CPU ids
 * @nr_lanes: RTRACE_NR_LANES
 * @subbuf_size: configured sub-buffer size, 0 if EMPTY
 * @hdr_size: bytes of the stream header unit a reader gets first
 * @read_min: smallest read() buffer that always makes progress:
 *	max(@hdr_size, @subbuf_size)
 * @page_size: kernel page size (the mmap unit)
 * @config_flags: RTRACE_CONFIG_* of the session
 * @has_consumer: 1 if a file is the session's consumer (read or mmap)
 * @sources: RTRACE_SOURCE_* bits of the session
 * @sources_supported: RTRACE_SOURCE_* bits this kernel module implements
 * @flags: RTRACE_INFO_* (since RTRACE_INFO_SIZE_VER1)
 * @marker_max: largest write() that records a marker in this session
 *	(RTRACE_MARKER_MAX(@subbuf_size)), 0 if EMPTY; zero from a kernel
 *	older than ABI 2.1 (it was reserved)
 * @events: the kernel events the session records, bit per event type
 *	(its rtrace_config.events and the available events of its sources);
 *	0 if EMPTY (since RTRACE_INFO_SIZE_VER2, as the two below)
 * @events_supported: the kernel event types this module implements, bit
 *	per type (their names and fields: RTRACE_IOC_EVENTS)
 * @events_available: those of them whose tracepoint this kernel has
 * @nr_pids: ids in the session's PID filter now (followed children
 *	included), 0 without a filter (since RTRACE_INFO_SIZE_VER3, as the
 *	two below)
 * @pid_flags: the session's RTRACE_PIDS_* flags
 * @pids_full: children of filtered tasks that could not join the set
 *	because it held RTRACE_PIDS_MAX ids (their events are not recorded)
 */
struct rtrace_info {
	__u32 size;
	__u32 state;
	__u64 session_id;
	__u64 lane_bytes;
	__u32 nr_cpus;
	__u32 nr_lanes;
	__u32 subbuf_size;
	__u32 hdr_size;
	__u32 read_min;
	__u32 page_size;
	__u32 config_flags;
	__u32 has_consumer;
	__u64 sources;
	__u64 sources_supported;
	__u32 flags;
	__u32 marker_max;
	__u64 events;
	__u64 events_supported;
	__u64 events_available;
	__u32 nr_pids;
	__u32 pid_flags;
	__u64 pids_full;
};

#define RTRACE_INFO_SIZE_VER0		72
#define RTRACE_INFO_SIZE_VER1		80	/* adds flags */
#define RTRACE_INFO_SIZE_VER2		104	/* adds events, _supported, _available */
#define RTRACE_INFO_SIZE_VER3		120	/* adds nr_pids, pid_flags, pids_full */

/**
 * struct rtrace_events - request for the event table (RTRACE_IOC_EVENTS)
 * @size: sizeof(struct rtrace_events) as known to the caller
 * @desc_size: sizeof(struct rtrace_event_desc) as known to the caller, at
 *	least 264; the kernel zeroes the bytes of each entry it does not know
 * @descs_ptr: user address of an array of entries
 * @nr_descs: in: capacity of the array; out: entries the kernel has (the
 *	table the next CONFIGURE puts into its stream header); only
 *	min(in, out) entries are written
 * @reserved: must be zero
 *
 * Works in every state, without a session.
 */
struct rtrace_events {
	__u32 size;
	__u32 desc_size;
	__u64 descs_ptr;
	__u32 nr_descs;
	__u32 reserved;
};

#define RTRACE_EVENTS_SIZE_VER0		24

/*
 * mmap: a zero-syscall reader
 * ---------------------------
 * The consumer maps two areas of the device (both MAP_SHARED, offsets in
 * pages):
 *
 *   offset RTRACE_MMAP_PGOFF_CTRL (0), one page, PROT_READ|PROT_WRITE:
 *	struct rtrace_mmap_ctrl, the only thing userspace may write.
 *   offset RTRACE_MMAP_PGOFF_META (1), PROT_READ only, length
 *	page_size + 2 * D: one page of struct rtrace_mmap_meta, then the D
 *	data bytes mapped twice back to back, so any unit that wraps the end
 *	of the data area is still contiguous in the mapping.
 *
 * The caller chooses D by the length of its first mapping of the session:
 * D = (length - page_size) / 2 must be a power of two, a multiple of the
 * page size, at least 2 * subbuf_size, at least info.hdr_size and at most
 * 256 MiB (-EINVAL otherwise).  Later mappings of the same session must use
 * the same D.
 *
 * The data area carries exactly the byte stream read() would return, CRCs
 * included, copied in by the kernel from the per-CPU lanes one unit at a
 * time, and only when the unit fits whole into the free space
 * D - (produced - consumed).  Byte number N of the stream is at
 * data[N % D].  The kernel refills the area when the consumer calls poll()
 * (which also blocks until data is there), on FLUSH/STOP/SNAPSHOT, and from
 * its periodic reader work.
 *
 * Protocol and memory ordering:
 *
 *   p = __atomic_load_n(&meta->produced, __ATOMIC_ACQUIRE);
 *	pairs with the kernel's smp_store_release() of produced after it
 *	copied the bytes (the mmap copy path of the device)
 *   process data[ctrl->consumed % D ...] up to p
 *   __atomic_store_n(&ctrl->consumed, p, __ATOMIC_RELEASE);
 *	pairs with the kernel's smp_load_acquire() of consumed before it
 *	overwrites those bytes
 *
 * The kernel treats ctrl->consumed as untrusted: a value outside
 * [previous consumed, produced] is ignored.  Lying only loses the liar's
 * own data.  Refused: writes to the read-only area, mprotect() upgrades,
 * mremap() (-EINVAL; growing one fails earlier, in the mm, with -EFAULT,
 * because the area may not expand) and partial munmap(); the buffers cannot
 * be reconfigured or reset while either area is mapped (-EBUSY).  A file
 * that maps the data area is the consumer: read() on it returns -EBUSY
 * while mapped.  write() records a user marker (below).
 */
#define RTRACE_MMAP_MAGIC		0x4d4d5452U	/* "RTMM" little-endian */
#define RTRACE_MMAP_PGOFF_CTRL		0
#define RTRACE_MMAP_PGOFF_META		1

/* rtrace_mmap_meta.flags */
#define RTRACE_MMAP_EOF			0x01	/* session stopped, all data copied */

/**
 * struct rtrace_mmap_meta - first page of the read-only mapping
 * @magic: RTRACE_MMAP_MAGIC
 * @meta_size: sizeof(struct rtrace_mmap_meta) of the kernel
 * @data_offset: byte offset of the data area from the start of this page
 * @data_size: D, bytes of the data area (mapped twice)
 * @produced: stream bytes written so far (load with acquire semantics)
 * @session_id: session whose stream the area carries
 * @flags: RTRACE_MMAP_* (EOF: nothing more will come, the same as read()
 *	returning 0)
 * @reserved: zero
 */
struct rtrace_mmap_meta {
	__u32 magic;
	__u32 meta_size;
	__u64 data_offset;
	__u64 data_size;
	__u64 produced;
	__u64 session_id;
	__u32 flags;
	__u32 reserved;
};

/**
 * struct rtrace_mmap_ctrl - the writable page
 * @consumed: stream bytes the consumer has finished with (store with
 *	release semantics); untrusted by the kernel
 */
struct rtrace_mmap_ctrl {
	__u64 consumed;
};

/*
 * User markers
 * ------------
 * write(fd, buf, len) on /dev/rtrace records one RTRACE_EV_MARKER event
 * whose raw payload is the len bytes at buf, stamped on the session's
 * clock when the kernel writes it, in the writer's task context (the task
 * lane of the CPU it runs on).  Any opener may write (the device's open
 * already demands CAP_PERFMON); the session's sources do not matter.
 * A marker is all or nothing: it is never split and never half written.
 *
 *   recorded                       returns len, the whole count
 *   a length of 0                  -EINVAL, nothing recorded
 *   len > RTRACE_MARKER_MAX(subbuf_size) (rtrace_info.marker_max)
 *                                  -E2BIG, nothing recorded or counted
 *   buf not readable               -EFAULT, nothing recorded or counted
 *   no session, or not RUNNING, or the session does not record on the
 *   CPU the writer runs on (rtrace_config.cpumask)
 *                                  -ENODATA, nothing recorded or counted
 *   discard mode and the lane is full
 *                                  -ENOSPC; the marker is counted as
 *                                  RTRACE_LOST_FULL like any dropped event
 *
 * The limit: a record never straddles two sub-buffers, and a marker of
 * len bytes takes at most len + RTRACE_MARKER_OVERHEAD bytes after the
 * sub-buffer header (2 bytes of type, 1 of delta in a fresh sub-buffer,
 * at most 3 of length), so with the header of this ABI (80 bytes):
 *   RTRACE_MARKER_MAX(4096) == 4010, RTRACE_MARKER_MAX(65536) == 65450.
 */
#define RTRACE_MARKER_OVERHEAD		6
#define RTRACE_MARKER_MAX(subbuf_size) \
	((subbuf_size) - sizeof(struct rtrace_subbuf_hdr) - RTRACE_MARKER_OVERHEAD)

#define RTRACE_IOC_MAGIC		0xE7

#define RTRACE_IOC_GET_VERSION	_IOR(RTRACE_IOC_MAGIC, 0x00, __u32)
#define RTRACE_IOC_CONFIGURE	_IOW(RTRACE_IOC_MAGIC, 0x01, struct rtrace_config)
#define RTRACE_IOC_START	_IO(RTRACE_IOC_MAGIC, 0x02)
#define RTRACE_IOC_STOP		_IO(RTRACE_IOC_MAGIC, 0x03)
#define RTRACE_IOC_FLUSH	_IO(RTRACE_IOC_MAGIC, 0x04)
#define RTRACE_IOC_SNAPSHOT	_IO(RTRACE_IOC_MAGIC, 0x05)
/* argument: 0 or RTRACE_RESET_DISCARD_UNREAD (other bits: -EINVAL) */
#define RTRACE_IOC_RESET	_IO(RTRACE_IOC_MAGIC, 0x06)
#define RTRACE_IOC_STATS	_IOWR(RTRACE_IOC_MAGIC, 0x07, struct rtrace_stats)
#define RTRACE_IOC_INFO		_IOWR(RTRACE_IOC_MAGIC, 0x08, struct rtrace_info)
#define RTRACE_IOC_EVENTS	_IOWR(RTRACE_IOC_MAGIC, 0x09, struct rtrace_events)

#endif /* _UAPI_LINUX_RTRACE_H */
