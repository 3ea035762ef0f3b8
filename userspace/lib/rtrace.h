/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * librtrace: drive /dev/rtrace sessions and decode the stream they produce.
 *
 * Naming: object__verb, objects are
 *   rtrace_session   an open /dev/rtrace: configure/start/stop/... and read
 *   rtrace_decoder   a byte stream (memory, file or pipe) decoded into events
 *   rtrace_varint    the record encoding's LEB128 codec (and zigzag)
 * Constructors return NULL and set errno; everything else returns 0 or a
 * positive count on success and -errno on failure.  Options structs begin
 * with a size_t sz member that the caller sets to sizeof() the struct it
 * was compiled with, so they can grow without breaking old callers.
 *
 * The stream format is fixed by uapi/linux/rtrace.h; this library reads it
 * with no other input.  The decoder survives any byte sequence: it never
 * reads outside the input, bounds every loop by the input size, and reports
 * the first problem it finds with its byte offset.
 */
#ifndef _RTRACE_LIB_H
#define _RTRACE_LIB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/rtrace.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- varint */

/**
 * rtrace_varint__encode() - encode @val as an unsigned LEB128 varint
 * @val: value
 * @out: at least RTRACE_REC_MAX_VARINT bytes
 *
 * Context: any.
 * Return: number of bytes written, 1..RTRACE_REC_MAX_VARINT.
 */
int rtrace_varint__encode(uint64_t val, uint8_t *out);

/**
 * rtrace_varint__decode() - decode one unsigned LEB128 varint
 * @p: bytes
 * @len: bytes available at @p
 * @val: the value, set on success only
 *
 * Context: any.
 * Return: bytes consumed (1..RTRACE_REC_MAX_VARINT), -ENODATA if @len ends
 * before the last byte, -EOVERFLOW if the encoding is longer than
 * RTRACE_REC_MAX_VARINT bytes or does not fit 64 bits.
 */
int rtrace_varint__decode(const uint8_t *p, size_t len, uint64_t *val);

/**
 * rtrace_varint__zigzag() - map a signed value to the unsigned S64 encoding
 * @v: signed value
 *
 * Context: any.
 * Return: (v << 1) ^ (v >> 63), as the emitter of an S64 field computes it.
 */
uint64_t rtrace_varint__zigzag(int64_t v);

/**
 * rtrace_varint__unzigzag() - inverse of rtrace_varint__zigzag()
 * @u: zigzag-encoded value
 *
 * Context: any.
 * Return: the signed value.
 */
int64_t rtrace_varint__unzigzag(uint64_t u);

/* ---------------------------------------------------------------- crc32c */

/**
 * rtrace_crc32c__update() - extend a CRC32C (Castagnoli) over @len bytes
 * @crc: CRC of the bytes before, 0 to start
 * @buf: bytes
 * @len: bytes at @buf
 *
 * The stream's CRC (uapi/linux/rtrace.h): reflected polynomial 0x82F63B78,
 * initial value and final XOR 0xFFFFFFFF, so that
 * rtrace_crc32c__update(rtrace_crc32c__update(0, a, n), b, m) is the CRC of
 * a followed by b, and the CRC of "123456789" is 0xE3069283.
 *
 * Context: any.
 * Return: the CRC of everything so far.
 */
uint32_t rtrace_crc32c__update(uint32_t crc, const void *buf, size_t len);

/* ----------------------------------------------------------- names etc. */

/**
 * rtrace_lane__name() - name of a context lane
 * @lane: RTRACE_LANE_*
 *
 * Context: any.
 * Return: "task", "softirq", "hardirq", "nmi", "spare", or "lane?" if out of range.
 */
const char *rtrace_lane__name(unsigned int lane);

/**
 * rtrace_lost__name() - name of a loss cause
 * @cause: RTRACE_LOST_*
 *
 * Context: any.
 * Return: "full", "recursion", "too_large", "off", "overwritten", or "?".
 */
const char *rtrace_lost__name(unsigned int cause);

/**
 * rtrace_clock__to_ns() - convert a stream timestamp to CLOCK_MONOTONIC ns
 * @hdr: the stream header of the session the timestamp belongs to
 * @cyc: timestamp in units of @hdr->clock
 *
 * Applies ns = clock_zero_ns + ((cyc - clock_zero_cyc) * clock_mult) >>
 * clock_shift with a 128-bit product; timestamps before clock_zero_cyc are
 * converted symmetrically (subtracted).  Arithmetic wraps modulo 2^64, it
 * never traps.
 *
 * Context: any.
 * Return: nanoseconds.
 */
uint64_t rtrace_clock__to_ns(const struct rtrace_stream_hdr *hdr, uint64_t cyc);

/* --------------------------------------------------------------- session */

struct rtrace_session;

/**
 * struct rtrace_session_opts - how to open the device
 * @sz: sizeof(struct rtrace_session_opts)
 * @path: device path, NULL for "/dev/rtrace"
 * @nonblock: open with O_NONBLOCK
 */
struct rtrace_session_opts {
	size_t sz;
	const char *path;
	int nonblock;
};

/**
 * struct rtrace_session_config - session geometry (wraps struct rtrace_config)
 * @sz: sizeof(struct rtrace_session_config)
 * @overwrite: non-zero for overwrite (flight recorder) mode, else discard
 * @lane_bytes: bytes of each (cpu, lane) ring
 * @subbuf_size: bytes of one sub-buffer, header included
 * @sources: RTRACE_SOURCE_* bits
 * @cpumask: bitmap of CPUs (unsigned long words), NULL for all CPUs
 * @cpumask_bytes: bytes at @cpumask
 * @discard_unread: non-zero to replace a session whose data was not read
 *	(RTRACE_CONFIG_DISCARD_UNREAD); without it that fails with -EBUSY
 * @events: kernel event types to record besides @sources' groups, bit per
 *	type id (rtrace_config.events); 0 for none
 * @pids: the PID filter's ids (rtrace_config.pids_ptr), NULL for none
 * @nr_pids: ids at @pids, at most RTRACE_PIDS_MAX
 * @pid_flags: RTRACE_PIDS_FOLLOW, RTRACE_PIDS_TGID
 */
struct rtrace_session_config {
	size_t sz;
	int overwrite;
	uint64_t lane_bytes;
	uint32_t subbuf_size;
	uint64_t sources;
	const unsigned long *cpumask;
	size_t cpumask_bytes;
	int discard_unread;
	uint64_t events;
	const uint32_t *pids;
	size_t nr_pids;
	uint32_t pid_flags;
};

/**
 * rtrace_session__open() - open /dev/rtrace
 * @opts: options, or NULL for defaults
 *
 * Context: process; needs CAP_PERFMON or CAP_SYS_ADMIN.
 * Return: a session, or NULL with errno set.
 */
struct rtrace_session *rtrace_session__open(const struct rtrace_session_opts *opts);

/**
 * rtrace_session__close() - close the device and free @s
 * @s: session, or NULL
 *
 * The device's session is not affected: it outlives the file.
 *
 * Context: process.
 */
void rtrace_session__close(struct rtrace_session *s);

/**
 * rtrace_session__fd() - the open file, for poll()/epoll
 * @s: session
 *
 * Context: any.
 * Return: the file descriptor (owned by @s).
 */
int rtrace_session__fd(const struct rtrace_session *s);

/**
 * rtrace_session__version() - RTRACE_IOC_GET_VERSION
 * @s: session
 * @version: set to the kernel's RTRACE_ABI_VERSION (major << 16 | minor)
 *
 * Context: process.
 * Return: 0 or -errno.
 */
int rtrace_session__version(struct rtrace_session *s, uint32_t *version);

/**
 * rtrace_session__info() - RTRACE_IOC_INFO: state and geometry of the session
 * @s: session
 * @info: filled in (the kernel zeroes what it does not know)
 *
 * Context: process.
 * Return: 0 or -errno.
 */
int rtrace_session__info(struct rtrace_session *s, struct rtrace_info *info);

/**
 * rtrace_session__configure() - RTRACE_IOC_CONFIGURE
 * @s: session
 * @cfg: geometry, mode, sources and CPUs
 *
 * Context: process.
 * Return: 0 or -errno (-EBUSY while running, mapped, or holding unread data
 * without @cfg->discard_unread; -EINVAL for bad geometry).
 */
int rtrace_session__configure(struct rtrace_session *s, const struct rtrace_session_config *cfg);

/**
 * rtrace_session__events() - RTRACE_IOC_EVENTS: the kernel's event table
 * @s: session
 * @descs: array to fill
 * @nr: in: capacity of @descs; out: entries the kernel has (only the
 *	smaller number is written)
 *
 * Names and fields of every event type the next session's stream header
 * will list (which of the kernel events this kernel has: rtrace_info's
 * events_available).  Needs no session.
 *
 * Context: process.
 * Return: 0 or -errno (-ENOTTY from a module without the ioctl).
 */
int rtrace_session__events(struct rtrace_session *s, struct rtrace_event_desc *descs,
			   uint32_t *nr);

/**
 * rtrace_session__start() - RTRACE_IOC_START: start recording
 * @s: session
 *
 * Context: process.
 * Return: 0 or -errno (-ENODATA if no session is configured).
 */
int rtrace_session__start(struct rtrace_session *s);

/**
 * rtrace_session__stop() - RTRACE_IOC_STOP: stop recording; readers drain, then see EOF
 * @s: session
 *
 * Context: process.
 * Return: 0 or -errno.
 */
int rtrace_session__stop(struct rtrace_session *s);

/**
 * rtrace_session__flush() - RTRACE_IOC_FLUSH: publish partly filled sub-buffers
 * @s: session
 *
 * Context: process.
 * Return: 0 or -errno.
 */
int rtrace_session__flush(struct rtrace_session *s);

/**
 * rtrace_session__snapshot() - RTRACE_IOC_SNAPSHOT: freeze and publish the newest data
 * @s: session
 *
 * Context: process.
 * Return: 0 or -errno.
 */
int rtrace_session__snapshot(struct rtrace_session *s);

/**
 * rtrace_session__reset() - RTRACE_IOC_RESET: drop the session and its buffers
 * @s: session
 * @flags: 0, or RTRACE_RESET_DISCARD_UNREAD to drop data no consumer has read
 *
 * Context: process.
 * Return: 0 or -errno (-EBUSY while mapped, or with unread data and no
 * RTRACE_RESET_DISCARD_UNREAD; a running session always counts as unread).
 */
int rtrace_session__reset(struct rtrace_session *s, unsigned long flags);

/**
 * rtrace_session__stats() - RTRACE_IOC_STATS, per (cpu, lane) counters
 * @s: session
 * @out: set to a malloc()ed array the caller frees with free()
 * @nr: set to the number of entries in @out
 *
 * Context: process.
 * Return: 0 or -errno.
 */
int rtrace_session__stats(struct rtrace_session *s, struct rtrace_lane_stats **out, size_t *nr);

/**
 * rtrace_session__read() - one read() of the stream
 * @s: session
 * @buf: destination
 * @len: bytes at @buf
 *
 * Context: process; blocks unless opened non-blocking.
 * Return: bytes read (0 at end of stream), or -errno (-EAGAIN, -EINTR, ...).
 */
ssize_t rtrace_session__read(struct rtrace_session *s, void *buf, size_t len);

/**
 * rtrace_session__mark() - write() one user marker into the running session
 * @s: session
 * @buf: the marker's bytes (any bytes; text is usual)
 * @len: bytes at @buf, 1 .. rtrace_info.marker_max
 *
 * Records one RTRACE_EV_MARKER event, whole or not at all ("User markers"
 * in uapi/linux/rtrace.h).
 *
 * Context: process.
 * Return: 0; -EINVAL (@len 0), -E2BIG (above marker_max), -ENODATA (no
 * running session, or it does not record on this CPU), -ENOSPC (ring full
 * in discard mode: counted as lost), -EFAULT, or another -errno.
 */
int rtrace_session__mark(struct rtrace_session *s, const void *buf, size_t len);

/**
 * typedef rtrace_read_fn - consumer of stream bytes in the read loop
 * @ctx: rtrace_read_loop_opts.ctx
 * @data: bytes read, whole records/sub-buffers as read() returned them
 * @len: bytes at @data
 *
 * Return: 0 to continue, non-zero to stop the loop (the value is returned
 * by rtrace_session__read_loop()).
 */
typedef int (*rtrace_read_fn)(void *ctx, const void *data, size_t len);

/**
 * typedef rtrace_tick_fn - periodic callback of the read loop (progress, status)
 * @ctx: rtrace_read_loop_opts.ctx
 *
 * Return: 0 to continue, non-zero to end the loop at once, without draining
 * (the value is returned by rtrace_session__read_loop()).
 */
typedef int (*rtrace_tick_fn)(void *ctx);

/**
 * struct rtrace_read_loop_opts - parameters of rtrace_session__read_loop()
 * @sz: sizeof(struct rtrace_read_loop_opts)
 * @fn: called with every chunk read
 * @ctx: passed to @fn
 * @buf_size: read buffer size, 0 for the larger of 1 MiB and the session's
 *	rtrace_info.read_min (a smaller buffer than read_min may not make progress)
 * @poll_ms: poll timeout between checks of @stop and @deadline_ns, 0 for 100
 * @stop: if non-NULL, the loop ends when *@stop becomes non-zero (set it
 *	from a signal handler)
 * @deadline_ns: CLOCK_MONOTONIC time at which the loop ends, 0 for none
 * @drain: when the loop ends for @stop or @deadline_ns, issue STOP and FLUSH
 *	and read what is left until the device has nothing more
 * @use_mmap: read through the mmap data area instead of read(): no user copy, @fn
 *	gets pointers into the mapped data area (valid during the call only)
 * @mmap_data_size: data area size for @use_mmap (a power of two), 0 for the
 *	smallest power of two >= max(1 MiB, 4 sub-buffers, the stream header)
 * @tick: if non-NULL, called with @ctx about every @tick_ms while the loop
 *	runs, whether data flows or not, the drain included (between two chunks
 *	passed to @fn, never during one)
 * @tick_ms: period of @tick, 0 for 1000; the loop checks it at least every
 *	@poll_ms, so a period shorter than that is late by up to @poll_ms
 */
struct rtrace_read_loop_opts {
	size_t sz;
	rtrace_read_fn fn;
	void *ctx;
	size_t buf_size;
	int poll_ms;
	volatile int *stop;
	uint64_t deadline_ns;
	int drain;
	int use_mmap;
	size_t mmap_data_size;
	rtrace_tick_fn tick;
	int tick_ms;
};

/**
 * rtrace_session__read_loop() - poll and read the stream until told to stop
 * @s: session
 * @opts: loop parameters
 *
 * Ends at end of stream (read() returning 0, or the mmap area's EOF flag),
 * when @opts->stop or @opts->deadline_ns says so, or when @opts->fn or
 * @opts->tick returns non-zero.  With @opts->use_mmap the file becomes the
 * session's mmap consumer (read() on it then fails with -EBUSY) until the loop returns.
 *
 * Context: process.
 * Return: 0, the non-zero value returned by @opts->fn or @opts->tick, or -errno.
 */
int rtrace_session__read_loop(struct rtrace_session *s, const struct rtrace_read_loop_opts *opts);

/* --------------------------------------------------------------- decoder */

/* Decoder error codes (struct rtrace_decode_error.code). */
enum rtrace_decode_code {
	RTRACE_DEC_OK = 0,
	RTRACE_DEC_TRUNCATED,		/* the input ends inside a header or sub-buffer */
	RTRACE_DEC_EMPTY,		/* no stream header at all */
	RTRACE_DEC_BAD_MAGIC,		/* neither stream nor sub-buffer magic */
	RTRACE_DEC_BAD_STREAM_HDR,	/* impossible stream header field */
	RTRACE_DEC_BAD_VERSION,		/* another major version than this library's */
	RTRACE_DEC_BAD_EVENT_TABLE,	/* malformed event description */
	RTRACE_DEC_BAD_SUBBUF_HDR,	/* impossible sub-buffer header field */
	RTRACE_DEC_BAD_COMMIT,		/* commit larger than a sub-buffer can hold */
	RTRACE_DEC_BAD_CPU,		/* cpu >= nr_cpus */
	RTRACE_DEC_BAD_LANE,		/* lane >= nr_lanes */
	RTRACE_DEC_BAD_SEQ,		/* seq not increasing, or a gap the mode rules out */
	RTRACE_DEC_BAD_VARINT,		/* varint over 10 bytes or over 64 bits */
	RTRACE_DEC_BAD_RECORD,		/* h == 0, bad type, args/raw beyond commit */
	RTRACE_DEC_BAD_NR_EVENTS,	/* records in a sub-buffer != nr_events */
	RTRACE_DEC_NOMEM,		/* allocation failed */
	RTRACE_DEC_BAD_CRC,		/* a unit's CRC32C does not match its bytes */
	RTRACE_DEC_BAD_TYPE,		/* type not in the event table, or n != its nr_fields */
	RTRACE_DEC_RING_BROKEN,		/* the kernel reported a broken ring (RTRACE_SB_BROKEN) */
	RTRACE_DEC_NR_CODES
};

/**
 * struct rtrace_decode_error - a problem found in the input
 * @code: enum rtrace_decode_code
 * @offset: byte offset in the input where the problem is
 * @msg: human-readable description (includes neither code name nor offset)
 */
struct rtrace_decode_error {
	int code;
	uint64_t offset;
	char msg[160];
};

/**
 * rtrace_decode_code__name() - short name of a decoder error code
 * @code: enum rtrace_decode_code
 *
 * Context: any.
 * Return: e.g. "truncated", "bad-magic"; "?" for unknown codes.
 */
const char *rtrace_decode_code__name(int code);

/**
 * struct rtrace_event_type - schema of one event type in a session
 * @id: event type
 * @nr_fields: number of arguments, or RTRACE_REC_RAW for raw payloads
 * @reserved: zero
 * @name: NUL-terminated
 * @fields: @nr_fields entries (none for raw); a field type this library
 *	does not know reads as RTRACE_FIELD_U64
 */
struct rtrace_event_type {
	uint32_t id;
	uint16_t nr_fields;
	uint16_t reserved;
	char name[RTRACE_EVENT_NAME_LEN + 1];
	struct {
		char name[RTRACE_FIELD_NAME_LEN + 1];
		uint8_t type;
	} fields[RTRACE_REC_MAX_ARGS];
};

/**
 * struct rtrace_event - one decoded record
 * @offset: byte offset of the record in the input
 * @session: index of the stream (0 for the first header, 1 after the next ...)
 * @cpu: CPU
 * @lane: RTRACE_LANE_*
 * @type: event type (h >> 4)
 * @ts: absolute timestamp in the session's clock units
 * @ts_ns: @ts converted to CLOCK_MONOTONIC nanoseconds
 * @nr_args: number of @args, or RTRACE_REC_RAW
 * @args: raw argument values (S64 fields still zigzag-encoded; see
 *	rtrace_event__arg_s64())
 * @raw: raw payload (points into the input) when @nr_args == RTRACE_REC_RAW
 * @raw_len: bytes at @raw
 * @desc: schema of @type; NULL only if the stream breaks the rule that
 *	every type is described (rtrace_decoder__error() then says so)
 * @seq: seq of the sub-buffer the record came from
 * @packet_offset: byte offset of that sub-buffer's header in the input
 *	(struct rtrace_packet.offset)
 */
struct rtrace_event {
	uint64_t offset;
	uint32_t session;
	uint32_t cpu;
	uint32_t lane;
	uint32_t type;
	uint64_t ts;
	uint64_t ts_ns;
	uint32_t nr_args;
	uint32_t raw_len;
	uint64_t args[RTRACE_REC_MAX_ARGS];
	const uint8_t *raw;
	const struct rtrace_event_type *desc;
	uint64_t seq;
	uint64_t packet_offset;
};

/**
 * rtrace_event__arg_s64() - argument @i of an S64 field
 * @ev: event
 * @i: argument index
 *
 * Context: any.
 * Return: the zigzag-decoded signed value (0 if @i is out of range).
 */
static inline int64_t rtrace_event__arg_s64(const struct rtrace_event *ev, unsigned int i)
{
	return rtrace_varint__unzigzag(i < RTRACE_REC_MAX_ARGS ? ev->args[i] : 0);
}

/* Longest task name the library keeps (longer ones are cut). */
#define RTRACE_COMM_MAX		63

/**
 * rtrace_event__task_name() - the contents of a task_name record
 * @ev: an event
 * @pid: out: the task's pid
 * @tgid: out: its thread group id
 * @comm: out: its name, NUL-terminated (cut to @comm_len - 1 bytes)
 * @comm_len: bytes at @comm (0: do not copy the name)
 *
 * Context: any.
 * Return: 1 if @ev is a task_name record (RTRACE_EV_TASK_NAME described as
 * "task_name", raw, at least RTRACE_TASK_NAME_MIN bytes), else 0.
 */
int rtrace_event__task_name(const struct rtrace_event *ev, uint32_t *pid, uint32_t *tgid,
			    char *comm, size_t comm_len);

/**
 * struct rtrace_lane_info - what the stream says about one (session, cpu, lane)
 * @session: stream index
 * @cpu: CPU
 * @lane: RTRACE_LANE_*
 * @subbufs: sub-buffers present
 * @first_seq: seq of the first one
 * @last_seq: seq of the last one
 * @seq_missing: sub-buffers overwritten before they were read (overwrite
 *	mode: seq gaps, and a first seq above 0 unless the stream was resumed)
 * @lost: sum of lost[] of its sub-buffers, by RTRACE_LOST_* cause
 * @events: records decoded so far (complete after iterating to the end)
 * @bytes: record bytes (sum of commit)
 * @lost_other: sum of lost[] of causes this library does not know (a newer minor's)
 * @broken: the kernel reported this lane's ring broken (RTRACE_SB_BROKEN)
 */
struct rtrace_lane_info {
	uint32_t session;
	uint32_t cpu;
	uint32_t lane;
	uint64_t subbufs;
	uint64_t first_seq;
	uint64_t last_seq;
	uint64_t seq_missing;
	uint64_t lost[RTRACE_NR_LOST];
	uint64_t events;
	uint64_t bytes;
	uint64_t lost_other;
	uint32_t broken;
};

/**
 * struct rtrace_packet - one sub-buffer of the stream, as exporters see it
 * @offset: byte offset of its header in the input
 * @session: stream index
 * @cpu: CPU
 * @lane: RTRACE_LANE_*
 * @flags: RTRACE_SB_* (unknown bits of a newer minor kept)
 * @seq: its seq
 * @seq_missing: sub-buffers of its lane overwritten between the previous
 *	one in the stream and this one
 * @ts_base: absolute clock value the first record's delta refers to
 * @ts_base_ns: @ts_base in CLOCK_MONOTONIC ns
 * @nr_events: records it holds (nr_events of the header)
 * @commit: record bytes
 * @lost: lost[] of the header, by RTRACE_LOST_* cause
 * @lost_other: sum of lost[] entries of causes this library does not know
 */
struct rtrace_packet {
	uint64_t offset;
	uint32_t session;
	uint32_t cpu;
	uint32_t lane;
	uint32_t flags;
	uint64_t seq;
	uint64_t seq_missing;
	uint64_t ts_base;
	uint64_t ts_base_ns;
	uint32_t nr_events;
	uint32_t commit;
	uint64_t lost[RTRACE_NR_LOST];
	uint64_t lost_other;
};

/* Iteration order of rtrace_decoder__next(). */
#define RTRACE_ORDER_MERGED	0	/* by timestamp across lanes, per session */
#define RTRACE_ORDER_STREAM	1	/* as stored: sub-buffer after sub-buffer */

/**
 * struct rtrace_decoder_opts - decoder options
 * @sz: sizeof(struct rtrace_decoder_opts)
 * @order: RTRACE_ORDER_*
 */
struct rtrace_decoder_opts {
	size_t sz;
	int order;
};

struct rtrace_decoder;

/**
 * rtrace_decoder__new() - decode a stream held in memory
 * @buf: the bytes; must stay valid and unchanged until rtrace_decoder__free()
 * @len: bytes at @buf
 * @opts: options, or NULL for defaults (merged order)
 *
 * Indexes every sub-buffer header up front (memory: about 40 bytes per
 * sub-buffer plus one cursor per lane); records are decoded lazily by
 * rtrace_decoder__next().  Problems in the input do not fail the
 * constructor: the stream decodes up to them and rtrace_decoder__error()
 * reports them.
 *
 * Context: process.
 * Return: a decoder, or NULL with errno set (ENOMEM, EINVAL for bad @opts).
 */
struct rtrace_decoder *rtrace_decoder__new(const void *buf, size_t len,
					   const struct rtrace_decoder_opts *opts);

/**
 * rtrace_decoder__open() - decode a file, or standard input for "-"
 * @path: file name, or "-"
 * @opts: options, or NULL for defaults
 *
 * Regular files are mapped; a pipe or other stream is first copied to an
 * unlinked temporary file (so memory stays bounded) and that is mapped.
 *
 * Context: process.
 * Return: a decoder, or NULL with errno set.
 */
struct rtrace_decoder *rtrace_decoder__open(const char *path, const struct rtrace_decoder_opts *opts);

/**
 * rtrace_decoder__free() - free a decoder
 * @dec: decoder, or NULL
 *
 * Also unmaps what rtrace_decoder__open() mapped; events and types it
 * returned become invalid.
 *
 * Context: process.
 */
void rtrace_decoder__free(struct rtrace_decoder *dec);

/**
 * rtrace_decoder__next() - the next event
 * @dec: decoder
 * @ev: filled in on success; pointers in it stay valid until the decoder
 *	is freed
 *
 * A record found corrupt ends its sub-buffer (the error is recorded and
 * iteration continues with the next sub-buffer); a corrupt or truncated
 * header ends the stream at that point.
 *
 * Context: process.
 * Return: 1 with an event, 0 at the end.
 */
int rtrace_decoder__next(struct rtrace_decoder *dec, struct rtrace_event *ev);

/**
 * rtrace_decoder__comm() - a task's name, as far as the decoder has got
 * @dec: decoder
 * @pid: a pid from an event (sched_switch's prev_pid, ...)
 * @tgid: out, if not NULL: the task's thread group id (set only when named)
 *
 * The decoder learns names from the task_name records it returns
 * (rtrace_decoder__next()): the snapshot at the session's start, and a
 * record at every fork, exec and rename.  The latest one returned wins,
 * which in RTRACE_ORDER_MERGED is the latest by timestamp, so a name
 * looked up while handling an event is the task's name at that time
 * (provided its record was not lost).  pid 0 is the idle task of every CPU
 * ("<idle>").
 *
 * Context: any.
 * Return: the name (valid until the next rtrace_decoder__next() or
 * rtrace_decoder__free()), or NULL if no record named @pid so far.
 */
const char *rtrace_decoder__comm(const struct rtrace_decoder *dec, uint32_t pid, uint32_t *tgid);

/**
 * rtrace_decoder__error() - the problem with the lowest offset found so far
 * @dec: decoder
 *
 * Complete only after rtrace_decoder__next() returned 0.
 *
 * Context: any.
 * Return: the error, with code RTRACE_DEC_OK if there is none.
 */
const struct rtrace_decode_error *rtrace_decoder__error(const struct rtrace_decoder *dec);

/**
 * rtrace_decoder__nr_errors() - number of problems found so far
 * @dec: decoder
 *
 * Context: any.
 * Return: the count; 0 means the input decoded entirely (once iterated to the end).
 */
uint64_t rtrace_decoder__nr_errors(const struct rtrace_decoder *dec);

/**
 * rtrace_decoder__valid_bytes() - length of the indexed prefix of the input
 * @dec: decoder
 *
 * Context: any.
 * Return: bytes up to the first header that was corrupt or cut (the input
 * length if there was none).
 */
uint64_t rtrace_decoder__valid_bytes(const struct rtrace_decoder *dec);

/**
 * rtrace_decoder__nr_sessions() - number of streams (stream headers) found
 * @dec: decoder
 *
 * Context: any.
 * Return: the count.
 */
unsigned int rtrace_decoder__nr_sessions(const struct rtrace_decoder *dec);

/**
 * rtrace_decoder__session() - stream header of session @idx
 * @dec: decoder
 * @idx: 0 .. rtrace_decoder__nr_sessions() - 1
 *
 * Context: any.
 * Return: the header (as read, table not included), or NULL if @idx is out of range.
 */
const struct rtrace_stream_hdr *rtrace_decoder__session(const struct rtrace_decoder *dec,
							unsigned int idx);

/**
 * rtrace_decoder__event_type() - schema of an event type in a session
 * @dec: decoder
 * @session: session index
 * @id: event type
 *
 * Context: any.
 * Return: the description, or NULL if none.
 */
const struct rtrace_event_type *rtrace_decoder__event_type(const struct rtrace_decoder *dec,
							   unsigned int session, uint32_t id);

/**
 * rtrace_decoder__nr_event_types() - number of event types of a session
 * @dec: decoder
 * @session: session index
 *
 * Context: any.
 * Return: the count (0 for an unknown session); see rtrace_decoder__event_type_at().
 */
unsigned int rtrace_decoder__nr_event_types(const struct rtrace_decoder *dec, unsigned int session);

/**
 * rtrace_decoder__event_type_at() - the @idx-th event type of a session, by id
 * @dec: decoder
 * @session: session index
 * @idx: 0 .. rtrace_decoder__nr_event_types() - 1
 *
 * Context: any.
 * Return: the description, or NULL if out of range.
 */
const struct rtrace_event_type *rtrace_decoder__event_type_at(const struct rtrace_decoder *dec,
							      unsigned int session, unsigned int idx);

/**
 * rtrace_decoder__nr_lanes() - number of (session, cpu, lane) with a sub-buffer
 * @dec: decoder
 *
 * Context: any.
 * Return: the count; see rtrace_decoder__lane().
 */
unsigned int rtrace_decoder__nr_lanes(const struct rtrace_decoder *dec);

/**
 * rtrace_decoder__lane() - loss accounting of one lane
 * @dec: decoder
 * @idx: 0 .. rtrace_decoder__nr_lanes() - 1, sorted by (session, cpu, lane)
 *
 * Context: any.
 * Return: the lane's counters, or NULL if @idx is out of range.
 */
const struct rtrace_lane_info *rtrace_decoder__lane(const struct rtrace_decoder *dec,
						    unsigned int idx);

/**
 * rtrace_decoder__totals() - sum of every lane's counters
 * @dec: decoder
 * @sum: filled in; session/cpu/lane/first_seq/last_seq are zero
 *
 * Context: any.
 */
void rtrace_decoder__totals(const struct rtrace_decoder *dec, struct rtrace_lane_info *sum);

/**
 * rtrace_decoder__nr_packets() - number of sub-buffers indexed
 * @dec: decoder
 *
 * Context: any.
 * Return: the count, in stream order; see rtrace_decoder__packet().
 */
size_t rtrace_decoder__nr_packets(const struct rtrace_decoder *dec);

/**
 * rtrace_decoder__packet() - the @idx-th sub-buffer of the stream
 * @dec: decoder
 * @idx: 0 .. rtrace_decoder__nr_packets() - 1, in stream order
 * @pkt: filled in
 *
 * Context: any.
 * Return: 0, or -ERANGE if @idx is out of range.
 */
int rtrace_decoder__packet(const struct rtrace_decoder *dec, size_t idx, struct rtrace_packet *pkt);

/* ---------------------------------------------------------------- verify */

/**
 * struct rtrace_verify_opts - options of rtrace_verify__run()
 * @sz: sizeof(struct rtrace_verify_opts)
 * @log: where each problem is described in one line ("verify: ..."), or NULL
 * @max_msgs: lines at most (0: 20); the counters of the result count them all
 */
struct rtrace_verify_opts {
	size_t sz;
	FILE *log;
	unsigned int max_msgs;
};

/**
 * struct rtrace_verify_result - what rtrace_verify__run() found
 * @events: records of the validation source read (events and summaries)
 * @other_events: records of other sources (the loss checks then become
 *	upper bounds: those sources may have lost events too)
 * @lost: events lost by RTRACE_LOST_* cause, every lane of every session
 * @lost_total: sum of @lost
 * @missing_events: events the generators attempted that are not in the
 *	stream (each must be counted in @lost)
 * @torn: records that are damaged (check value or layout) or do not decode
 * @nested: writes that began while another lane of their CPU was busy
 *	(sum of @pairs)
 * @pairs: pairs[a][b]: writes on lane b that began while lane a was busy,
 *	summed over the CPU summaries
 * @spare: records of the source on the spare lane
 * @cpus: (session, cpu) pairs verified
 * @lane_cpus: per lane, (session, cpu) pairs with records of the source on it
 * @failures: problems found; 0 means the capture is proven complete
 * @missing: CPUs whose missing events are not all counted lost
 * @duplicate: sequence numbers found twice
 * @bad_check: damaged records (check value, layout, sequence number range)
 * @wrong_cpu: records whose check value holds for another CPU
 * @wrong_lane: generators with records on a lane not theirs
 * @backwards: records with a timestamp before the previous one of their lane
 * @counters: counter mismatches: summaries missing, attempts != results,
 *	results != what the stream read and counted lost
 * @decode_errors: 1 if the stream itself does not decode
 */
struct rtrace_verify_result {
	uint64_t events;
	uint64_t other_events;
	uint64_t lost[RTRACE_NR_LOST];
	uint64_t lost_total;
	uint64_t missing_events;
	uint64_t torn;
	uint64_t nested;
	uint64_t pairs[RTRACE_NR_LANES][RTRACE_NR_LANES];
	uint64_t spare;
	uint64_t cpus;
	uint64_t lane_cpus[RTRACE_NR_LANES];
	uint64_t failures;
	uint64_t missing;
	uint64_t duplicate;
	uint64_t bad_check;
	uint64_t wrong_cpu;
	uint64_t wrong_lane;
	uint64_t backwards;
	uint64_t counters;
	uint64_t decode_errors;
};

/**
 * rtrace_verify__run() - prove a capture of the validation source complete
 * @dec: a decoder that has not been iterated yet (any order option)
 * @opts: options, or NULL
 * @res: filled in
 * Checks every record of RTRACE_SOURCE_VALIDATE and the in-band counters
 * (Documentation/abi.md, "The validation source"; the list is at the top
 * of lib/verify.c).  The capture must hold whole sessions that were
 * stopped and read to their end (the generators' summaries come last).
 * Context: process.
 * Return: 0 (then @res->failures says whether the capture passed), or
 * -errno (-ENOMEM, -EINVAL).
 */
int rtrace_verify__run(struct rtrace_decoder *dec, const struct rtrace_verify_opts *opts,
		       struct rtrace_verify_result *res);

/* -------------------------------------------------------------- exporters */

/**
 * struct rtrace_export_opts - what every exporter is given
 * @sz: sizeof(struct rtrace_export_opts)
 * @out: where to write (stdout if NULL)
 * @raw_ts: timestamps in clock units rather than CLOCK_MONOTONIC ns
 * @path: where an exporter with RTRACE_EXPORT_DIR writes (a directory it
 *	creates, or an empty one); the others ignore it
 */
struct rtrace_export_opts {
	size_t sz;
	FILE *out;
	int raw_ts;
	const char *path;
};

/* struct rtrace_exporter.flags */
#define RTRACE_EXPORT_DIR	0x1	/* writes files into rtrace_export_opts.path, not to out */
#define RTRACE_EXPORT_BINARY	0x2	/* writes binary data to out (not for a terminal) */

/**
 * struct rtrace_exporter - an output format, fed by the decoder
 * @name: what `rtrace decode --format` takes
 * @summary: one line for the list of formats
 * @begin: called once before anything else; may set *@priv to its state
 * @packet: called for every sub-buffer (empty ones included) before any of
 *	its events and after every event of its lane's previous sub-buffer
 * @event: called for every event, in the decoder's order
 * @end: called once at the end, also after a failure (free *@priv here)
 * @flags: RTRACE_EXPORT_*
 *
 * Every callback but @begin and @end may be NULL.  A non-zero return from
 * @begin, @packet or @event stops the export with that value.  A new format
 * is one file defining its struct rtrace_exporter and one row in
 * lib/exporters.h.
 */
struct rtrace_exporter {
	const char *name;
	const char *summary;
	int (*begin)(void **priv, struct rtrace_decoder *dec, const struct rtrace_export_opts *opts);
	int (*packet)(void *priv, const struct rtrace_packet *pkt);
	int (*event)(void *priv, const struct rtrace_event *ev);
	int (*end)(void *priv, struct rtrace_decoder *dec);
	unsigned int flags;
};

/**
 * rtrace_exporter__find() - an exporter of the library's table by name
 * @name: e.g. "text"
 *
 * Context: any.
 * Return: the exporter, or NULL if there is none of that name.
 */
const struct rtrace_exporter *rtrace_exporter__find(const char *name);

/**
 * rtrace_exporter__at() - the @idx-th exporter of the library's table
 * @idx: 0, 1, ...
 *
 * Context: any.
 * Return: the exporter, or NULL past the end of the table.
 */
const struct rtrace_exporter *rtrace_exporter__at(unsigned int idx);

/**
 * rtrace_decoder__export() - run the decoder to the end through exporters
 * @dec: a decoder that has not been iterated yet
 * @xs: exporters, each fed the same packets and events
 * @nr: number of @xs
 * @opts: options, or NULL for defaults
 *
 * Decoder errors do not stop the export (see rtrace_decoder__error()).
 *
 * Context: process.
 * Return: 0, the first non-zero value a callback returned, or -EINVAL.
 */
int rtrace_decoder__export(struct rtrace_decoder *dec, const struct rtrace_exporter *const *xs,
			   unsigned int nr, const struct rtrace_export_opts *opts);

#ifdef __cplusplus
}
#endif

#endif /* _RTRACE_LIB_H */
