/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * rtrace: the user/kernel ABI of /dev/rtrace.
 *
 * Everything userspace must know to drive a session and decode what it
 * reads lives in this header and nowhere else.  Rules kept throughout:
 * only __u8/__u16/__u32/__u64 and fixed arrays of them, natural alignment,
 * no pointers (user addresses travel as __u64), no enums or bitfields in
 * structs, every reserved field must be zero and is rejected otherwise.
 *
 * Structs passed to ioctls begin with a __u32 size: the caller sets it to
 * sizeof() the struct as it was compiled.  The kernel accepts any size from
 * the struct's _SIZE_VER0 upwards (copy_struct_from_user semantics: bytes it
 * does not know must be zero, bytes the caller did not pass read as zero),
 * so old binaries keep working when a struct grows.  The ioctl number
 * encodes the VER0 size; the kernel matches on type and number only and
 * takes the size from the struct.
 *
 * The stream
 * ----------
 * read() on /dev/rtrace returns a self-describing byte stream:
 *
 *   struct rtrace_stream_hdr          once per session, at the first read
 *   struct rtrace_event_desc[n]       the event schema table (hdr.nr_event_descs)
 *   { struct rtrace_subbuf_hdr; __u8 records[hdr.commit]; } ...
 *
 * A stream cut at a sub-buffer boundary still decodes.  Sub-buffers of one
 * (cpu, lane) appear in increasing seq order; a gap in seq means sub-buffers
 * were overwritten (overwrite mode) and is also counted in lost[].
 *
 * read() rules (Documentation/abi.md has the details):
 *  - The first file that reads (or maps the data area) becomes the session's
 *    consumer; read() or mmap() from any other file fails with -EBUSY until
 *    the consumer is closed.  Control ioctls work from every file.
 *  - A consumer's first read of a session returns the stream header and
 *    event table, whole: a buffer smaller than that fails with -EINVAL.
 *    When a new session is configured, the consumer gets a new header.
 *  - Then whole sub-buffers (header + commit bytes), as many as fit,
 *    round-robin over (cpu, lane).  A buffer too small for the next one
 *    returns what fit so far, or -EINVAL if nothing did.  A buffer of at
 *    least rtrace_info.read_min bytes always makes progress.
 *  - Blocking while the session is CONFIGURED or RUNNING and nothing is
 *    published; -EAGAIN with O_NONBLOCK; 0 (end of file) once STOPPED and
 *    drained, or when no session exists.  Signals: -ERESTARTSYS/-EINTR.
 *  - A sub-buffer is consumed only after copy_to_user() succeeded: -EFAULT,
 *    a signal or a killed reader lose nothing.
 *  - poll(): EPOLLIN when read() would return data, EPOLLHUP when it would
 *    return 0.  Wake-ups come from a periodic reader-side work item (which
 *    also flushes partly filled sub-buffers about once a second while a
 *    reader waits), never from the writers.
 *
 * Records
 * -------
 * A record is a sequence of unsigned LEB128 varints (7 bits per byte, low
 * groups first, high bit set on every byte but the last, at most 10 bytes):
 *
 *   h      = (type << 4) | n
 *   delta  = timestamp - previous timestamp in this sub-buffer
 *            (the first record's delta is against subbuf_hdr.ts_base)
 *   if n <= RTRACE_REC_MAX_ARGS: n varint arguments (each a __u64)
 *   if n == RTRACE_REC_RAW:      a varint length, then that many bytes
 *
 * Types below RTRACE_EV_FIRST_USER are reserved for rtrace itself.  Type 0
 * is never written: a decoder seeing h == 0 has found corruption.  A record
 * never straddles two sub-buffers.  Signed arguments are zigzag-encoded by
 * the emitter (see the event table's field types).
 *
 * Timestamps are in units of the session's clock (stream_hdr.clock).  To
 * convert to CLOCK_MONOTONIC nanoseconds:
 *
 *   ns = clock_zero_ns + (((cyc - clock_zero_cyc) * clock_mult) >> clock_shift)
 *
 * with a 128-bit intermediate product; for RTRACE_CLOCK_LOCAL mult is 1 and
 * shift 0 (the values already are nanoseconds of the kernel's local clock).
 */
#ifndef _UAPI_LINUX_RTRACE_H
#define _UAPI_LINUX_RTRACE_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define RTRACE_ABI_VERSION		1

#define RTRACE_STREAM_MAGIC		0x43525452U	/* "RTRC" little-endian */
#define RTRACE_SUBBUF_MAGIC		0x42535452U	/* "RTSB" little-endian */

/* Context lanes: each CPU has one ring per lane, each with one writer at a time. */
#define RTRACE_LANE_TASK		0
#define RTRACE_LANE_SOFTIRQ		1
#define RTRACE_LANE_HARDIRQ		2
#define RTRACE_LANE_NMI			3
#define RTRACE_LANE_SPARE		4	/* interrupt-entry window, see design */
#define RTRACE_NR_LANES			5

/* Why an event was not recorded: indexes of rtrace_subbuf_hdr.lost[]. */
#define RTRACE_LOST_FULL		0	/* discard mode, no free sub-buffer */
#define RTRACE_LOST_RECURSION		1	/* lane (and spare lane) busy on this CPU */
#define RTRACE_LOST_TOO_LARGE		2	/* record larger than a sub-buffer can hold */
#define RTRACE_LOST_OFF			3	/* emitted while the session was not running */
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
 * Event types.  0..RTRACE_EV_FIRST_USER-1 are rtrace's own.  A record's h
 * is one byte only for types 0..7, so those are kept for the hottest
 * kernel events (the event-source modules emit them; their field layouts
 * come with the stream's event table like every other type's).
 */
#define RTRACE_EV_INVALID		0
#define RTRACE_EV_CLOCK_SYNC		1	/* args: clock value, CLOCK_MONOTONIC ns */
/* RTRACE_EV_SCHED_SWITCH args: prev_pid, prev_prio, prev_state, next_pid, next_prio */
#define RTRACE_EV_SCHED_SWITCH		2
#define RTRACE_EV_SCHED_WAKEUP		3
#define RTRACE_EV_IRQ_ENTRY		4
#define RTRACE_EV_IRQ_EXIT		5
#define RTRACE_EV_SYS_ENTER		6
#define RTRACE_EV_SYS_EXIT		7
#define RTRACE_EV_TEST			8	/* test module: args are test-defined */
#define RTRACE_EV_TEST_RAW		9	/* test module: raw payload */
#define RTRACE_EV_FIRST_USER		64	/* first id for rtrace_emit() callers */
#define RTRACE_EV_MAX			0xffff

/**
 * struct rtrace_subbuf_hdr - header of every sub-buffer, in memory and in the stream
 * @magic: RTRACE_SUBBUF_MAGIC
 * @commit: bytes of records that follow the header
 * @nr_events: number of records in those bytes
 * @cpu: CPU whose lane this is
 * @lane: RTRACE_LANE_*
 * @flags: RTRACE_SB_* flags
 * @seq: per (cpu, lane) sequence number, 0 for the lane's first sub-buffer
 * @ts_base: absolute clock value that the first record's delta refers to
 * @lost: events lost on this (cpu, lane) after the previous sub-buffer was
 *	opened and before this one was, by RTRACE_LOST_* cause
 */
struct rtrace_subbuf_hdr {
	__u32 magic;
	__u32 commit;
	__u32 nr_events;
	__u16 cpu;
	__u8 lane;
	__u8 flags;
	__u64 seq;
	__u64 ts_base;
	__u64 lost[RTRACE_NR_LOST];
};

#define RTRACE_SB_FLUSHED		0x01	/* published before it was full */

/**
 * struct rtrace_stream_hdr - first bytes of a stream
 * @magic: RTRACE_STREAM_MAGIC
 * @hdr_size: bytes of this header plus the event table that follows it
 * @abi_version: RTRACE_ABI_VERSION of the writer
 * @flags: RTRACE_CONFIG_* flags of the session
 * @nr_cpus: number of possible CPU ids (cpu < nr_cpus in every sub-buffer)
 * @page_size: kernel page size
 * @subbuf_size: bytes of one sub-buffer in memory, header included
 * @nr_lanes: RTRACE_NR_LANES
 * @clock: RTRACE_CLOCK_*
 * @clock_shift: see the conversion formula at the top of this file
 * @clock_mult: see the conversion formula at the top of this file
 * @clock_zero_cyc: clock value at the instant of @clock_zero_ns
 * @clock_zero_ns: CLOCK_MONOTONIC nanoseconds at the instant of @clock_zero_cyc
 * @session_id: changes on every configure, so concatenated streams separate
 * @nr_event_descs: entries of struct rtrace_event_desc after this header
 * @event_desc_size: sizeof(struct rtrace_event_desc) of the writer
 */
struct rtrace_stream_hdr {
	__u32 magic;
	__u32 hdr_size;
	__u32 abi_version;
	__u32 flags;
	__u32 nr_cpus;
	__u32 page_size;
	__u32 subbuf_size;
	__u32 nr_lanes;
	__u32 clock;
	__u32 clock_shift;
	__u64 clock_mult;
	__u64 clock_zero_cyc;
	__u64 clock_zero_ns;
	__u64 session_id;
	__u32 nr_event_descs;
	__u32 event_desc_size;
};

/* Field types of struct rtrace_event_field.type. */
#define RTRACE_FIELD_U64		1	/* unsigned decimal */
#define RTRACE_FIELD_S64		2	/* zigzag-encoded signed */
#define RTRACE_FIELD_HEX		3	/* unsigned, shown in hex */

#define RTRACE_EVENT_NAME_LEN		32
#define RTRACE_FIELD_NAME_LEN		15

/**
 * struct rtrace_event_field - one argument of an event type
 * @name: NUL-terminated name
 * @type: RTRACE_FIELD_*
 */
struct rtrace_event_field {
	char name[RTRACE_FIELD_NAME_LEN];
	__u8 type;
};

/**
 * struct rtrace_event_desc - schema of one event type
 * @id: event type, the record's h >> 4
 * @nr_fields: number of varint arguments, or RTRACE_REC_RAW for a raw payload
 * @flags: reserved, zero
 * @name: NUL-terminated name
 * @fields: the first @nr_fields entries describe the arguments in order
 */
struct rtrace_event_desc {
	__u32 id;
	__u16 nr_fields;
	__u16 flags;
	char name[RTRACE_EVENT_NAME_LEN];
	struct rtrace_event_field fields[RTRACE_REC_MAX_ARGS];
};

/* Event sources (rtrace_config.sources). */
#define RTRACE_SOURCE_KAPI		(1ULL << 0)	/* rtrace_emit() from other modules */
#define RTRACE_SOURCE_SCHED		(1ULL << 1)
#define RTRACE_SOURCE_IRQ		(1ULL << 2)
#define RTRACE_SOURCE_SYSCALLS		(1ULL << 3)

/* rtrace_config.flags */
#define RTRACE_CONFIG_OVERWRITE		(1U << 0)	/* flight recorder: keep newest */

/**
 * struct rtrace_config - session geometry and sources (RTRACE_IOC_CONFIGURE)
 * @size: sizeof(struct rtrace_config) as known to the caller
 * @flags: RTRACE_CONFIG_*
 * @lane_bytes: bytes of each lane's ring (per CPU, per lane); a multiple of
 *	@subbuf_size holding at least two sub-buffers
 * @subbuf_size: bytes of one sub-buffer, header included; a power of two
 *	from the page size to 1 MiB
 * @reserved0: must be zero
 * @sources: RTRACE_SOURCE_* bits to enable
 * @cpumask_ptr: user address of a CPU bitmap (unsigned long words), or 0 for all
 * @cpumask_bytes: bytes at @cpumask_ptr
 * @reserved1: must be zero
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
};

#define RTRACE_CONFIG_SIZE_VER0		48

/**
 * struct rtrace_lane_stats - counters of one (cpu, lane)
 * @cpu: CPU id
 * @lane: RTRACE_LANE_*
 * @reserved: zero
 * @written: events recorded
 * @lost: events not recorded, by RTRACE_LOST_* cause
 * @bytes: bytes of records written
 * @nested: writes that interrupted another write in progress on this CPU
 * @subbufs_written: sub-buffers published
 * @subbufs_read: sub-buffers consumed by the reader
 */
struct rtrace_lane_stats {
	__u32 cpu;
	__u16 lane;
	__u16 reserved;
	__u64 written;
	__u64 lost[RTRACE_NR_LOST];
	__u64 bytes;
	__u64 nested;
	__u64 subbufs_written;
	__u64 subbufs_read;
};

/**
 * struct rtrace_stats - request for per-lane counters (RTRACE_IOC_STATS)
 * @size: sizeof(struct rtrace_stats) as known to the caller
 * @entry_size: sizeof(struct rtrace_lane_stats) as known to the caller
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
 * file that configured it.
 *
 *   EMPTY --CONFIGURE--> CONFIGURED --START--> RUNNING --STOP/SNAPSHOT--> STOPPED
 *                          ^  |                   ^                         |
 *                          |  +-------STOP--------)------------------------>|
 *                          |                      +---------START-----------+
 *                          +----------------------CONFIGURE-----------------+
 *   any state --RESET--> EMPTY (buffers freed)
 *
 * CONFIGURE or RESET while RUNNING, or while the buffers are mapped, fail
 * with -EBUSY.  Control ioctls on an EMPTY device fail with -ENODATA.
 */
#define RTRACE_STATE_EMPTY		0
#define RTRACE_STATE_CONFIGURED		1
#define RTRACE_STATE_RUNNING		2
#define RTRACE_STATE_STOPPED		3

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
 * @hdr_size: bytes of stream header plus event table a reader gets first
 * @read_min: smallest read() buffer that always makes progress:
 *	max(@hdr_size, @subbuf_size)
 * @page_size: kernel page size (the mmap unit)
 * @config_flags: RTRACE_CONFIG_* of the session
 * @has_consumer: 1 if a file is the session's consumer (read or mmap)
 * @sources: RTRACE_SOURCE_* bits of the session
 * @sources_supported: RTRACE_SOURCE_* bits this kernel module implements
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
};

#define RTRACE_INFO_SIZE_VER0		72

/*
 * mmap: a zero-syscall reader
 * ---------------------------
 * The consumer maps two areas of the device (both MAP_SHARED, offsets in
 * pages):
 *
 *   offset RTRACE_MMAP_PGOFF_CTRL (0), one page, PROT_READ|PROT_WRITE:
 *	struct rtrace_mmap_ctrl, the only thing userspace may write.
 *   offset RTRACE_MMAP_PGOFF_META (1), PROT_READ only, length
 *	page_size + 2 * D, where D (the data size) is a power of two, a
 *	multiple of the page size, at least 2 * subbuf_size and at least
 *	info.hdr_size:
 *	one page of struct rtrace_mmap_meta, then the D data bytes mapped
 *	twice back to back, so any unit that wraps the end of the data
 *	area is still contiguous in the mapping.
 *
 * The data area carries exactly the byte stream read() would return
 * (stream header and event table, then whole sub-buffers), copied in by the
 * kernel from the per-CPU lanes: the kernel copies one unit at a time, and
 * only when it fits whole into the free space D - (produced - consumed).
 * Byte number N of the stream is at data[N % D].  The kernel refills the
 * area when the consumer calls poll() (which also blocks until data is
 * there), on FLUSH/STOP/SNAPSHOT, and from its periodic reader work.
 *
 * Protocol and memory ordering:
 *
 *   p = __atomic_load_n(&meta->produced, __ATOMIC_ACQUIRE);
 *	pairs with the kernel's smp_store_release() of produced after it
 *	copied the bytes (rtrace_dev.c, rdev_mmap_fill())
 *   process data[ctrl->consumed % D ...] up to p
 *   __atomic_store_n(&ctrl->consumed, p, __ATOMIC_RELEASE);
 *	pairs with the kernel's smp_load_acquire() of consumed before it
 *	overwrites those bytes
 *
 * The kernel treats ctrl->consumed as untrusted: a value outside
 * [previous consumed, produced] is ignored.  Lying only loses the liar's
 * own data.  Writes to the read-only area, mprotect() upgrades, mremap()
 * and partial munmap() are refused; the buffers cannot be reconfigured or
 * reset while either area is mapped (-EBUSY).  A file that maps the data
 * area is the consumer: read() on it returns -EBUSY while mapped.
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

#define RTRACE_IOC_MAGIC		0xE7

#define RTRACE_IOC_GET_VERSION	_IOR(RTRACE_IOC_MAGIC, 0x00, __u32)
#define RTRACE_IOC_CONFIGURE	_IOW(RTRACE_IOC_MAGIC, 0x01, struct rtrace_config)
#define RTRACE_IOC_START	_IO(RTRACE_IOC_MAGIC, 0x02)
#define RTRACE_IOC_STOP		_IO(RTRACE_IOC_MAGIC, 0x03)
#define RTRACE_IOC_FLUSH	_IO(RTRACE_IOC_MAGIC, 0x04)
#define RTRACE_IOC_SNAPSHOT	_IO(RTRACE_IOC_MAGIC, 0x05)
#define RTRACE_IOC_RESET	_IO(RTRACE_IOC_MAGIC, 0x06)
#define RTRACE_IOC_STATS	_IOWR(RTRACE_IOC_MAGIC, 0x07, struct rtrace_stats)
#define RTRACE_IOC_INFO		_IOWR(RTRACE_IOC_MAGIC, 0x08, struct rtrace_info)

#endif /* _UAPI_LINUX_RTRACE_H */
