// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * librtrace: the stream decoder.
 *
 * Input: the bytes read() returned from /dev/rtrace, possibly several
 * streams concatenated (each starts with its own stream header), possibly
 * cut anywhere, possibly garbage.  The format is uapi/linux/rtrace.h's, ABI
 * major version 2, any minor:
 *
 *   stream_hdr  event_desc[nr]  { subbuf_hdr  records[commit] } ...
 *   stream_hdr  event_desc[nr]  { subbuf_hdr  records[commit] } ...   (next session)
 *
 * Every size comes from the stream (stream_hdr.size, hdr_size,
 * event_table_offset, event_desc_size, subbuf_hdr_size, subbuf_lost_offset,
 * nr_lost), never from sizeof(): a newer minor's larger headers decode, the
 * bytes this library does not know are skipped.
 *
 * Two passes:
 *
 *  1. dec_index() walks the units, validating each header against the
 *     bytes left and against its stream header and checking every unit's
 *     CRC32C, and stores one small entry per sub-buffer.  The first header
 *     that is impossible or cut ends the usable input; a sub-buffer whose
 *     CRC does not match is reported and left out (its records are never
 *     decoded); a sub-buffer cut inside its records is kept with the bytes
 *     that are there, so the stream decodes up to the cut.
 *     The entries are then sorted by (session, cpu, lane, offset), which
 *     gives each lane's sub-buffers in stream (= seq) order; the seq rules
 *     of the session's mode are checked and the lost[] counters summed per
 *     lane here.
 *
 *  2. rtrace_decoder__next() decodes records lazily with one cursor per lane
 *     and a binary min-heap keyed by (timestamp, cpu, lane): the k-way merge
 *     of a session's lanes.  Sessions are merged one after the other.  In
 *     RTRACE_ORDER_STREAM a single cursor walks sub-buffers in file order.
 *
 * Memory is bounded by the input: one 40-byte entry and one 4-byte index per
 * sub-buffer (a sub-buffer header is at least 80 bytes), one lane record and cursor
 * per lane present, one event type per table entry.  Every loop advances
 * through the input or through those arrays, so it ends.  Records are never
 * copied: raw payloads point into the input.
 */
#define _GNU_SOURCE	/* qsort_r, O_TMPFILE */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define MIN_RECORD	2	/* h and delta, one byte each at least */
/* The fixed part of a sub-buffer header this library knows: everything before lost[]. */
#define SB_FIXED	offsetof(struct rtrace_subbuf_hdr, lost)
/* Sanity bounds on what a stream header may claim. */
#define MAX_NR_CPUS	65536
#define MAX_NR_LOST	64
#define MAX_SB_HDR	4096

/*
 * A fuzzer cannot forge CRCs: its builds (libFuzzer's convention) check
 * them but go on, so that the mutations reach the checks behind them.
 */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define CRC_MISMATCH(a, b)	((a) != (b) && 0)
#else
#define CRC_MISMATCH(a, b)	((a) != (b))
#endif

_Static_assert(sizeof(struct rtrace_subbuf_hdr) == 80, "subbuf header layout");
_Static_assert(offsetof(struct rtrace_subbuf_hdr, lost) == 40, "subbuf header layout");
_Static_assert(sizeof(struct rtrace_stream_hdr) == 128, "stream header layout");
_Static_assert(sizeof(struct rtrace_event_desc) == 264, "event desc layout");

/* One indexed sub-buffer. */
struct dec_sb {
	uint64_t off;		/* of its header in the input */
	uint64_t seq_missing;	/* overwritten sub-buffers before it in its lane */
	uint32_t session;
	uint32_t avail;		/* record bytes present (< commit if cut) */
	uint32_t cpu;
	uint32_t lane_idx;	/* index in dec->lanes */
	uint8_t lane;
	uint8_t partial;	/* the input ends inside its records */
};

struct dec_session {
	struct rtrace_stream_hdr hdr;	/* the fields this library knows */
	struct rtrace_event_type *types;	/* sorted by id */
	unsigned int nr_types;
	unsigned int first_lane;
	unsigned int nr_lanes;
};

struct dec_cursor {
	const uint32_t *list;	/* sub-buffer indices, NULL for 0, 1, 2, ... */
	size_t pos;
	size_t end;
	int in_sb;
	const struct dec_sb *sb;
	struct rtrace_subbuf_hdr hdr;
	const uint8_t *p;
	const uint8_t *rec_end;
	uint32_t nr_seen;
	uint64_t ts;
	struct rtrace_event ev;
};

/* Called when a cursor enters a sub-buffer (rtrace_decoder__export()). */
typedef int (*dec_packet_fn)(struct rtrace_decoder *dec, const struct dec_sb *sb, void *ctx);

struct rtrace_decoder {
	const uint8_t *buf;
	size_t len;
	void *map;		/* owned mapping, from rtrace_decoder__open() */
	size_t map_len;
	int order;

	struct dec_session *sessions;
	unsigned int nr_sessions;
	size_t cap_sessions;

	struct dec_sb *sbs;
	size_t nr_sbs;
	size_t cap_sbs;
	uint32_t *by_lane;	/* sb indices sorted by (session, cpu, lane, off) */
	size_t *lane_start;	/* lane i's sub-buffers are by_lane[lane_start[i] ...] */

	struct rtrace_lane_info *lanes;
	unsigned int nr_lanes;

	struct dec_cursor *cursors;	/* per lane (merged) or one (stream) */
	struct dec_cursor **heap;
	unsigned int heap_n;
	unsigned int next_session;	/* merged: next session to load */
	int done;
	int started;
	int advance;		/* merged: heap[0]'s event was returned, move it on */

	dec_packet_fn packet_fn;
	void *packet_ctx;
	int packet_ret;

	struct rtrace_decode_error err;
	uint64_t nr_errors;
	uint64_t valid_bytes;

	struct dec_names *names;	/* pid -> comm learned so far (names.c) */
};

__attribute__((format(printf, 4, 5)))
static void dec_error(struct rtrace_decoder *dec, int code, uint64_t off, const char *fmt, ...)
{
	va_list ap;

	dec->nr_errors++;
	if (dec->err.code != RTRACE_DEC_OK && dec->err.offset <= off)
		return;
	dec->err.code = code;
	dec->err.offset = off;
	va_start(ap, fmt);
	vsnprintf(dec->err.msg, sizeof(dec->err.msg), fmt, ap);
	va_end(ap);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* Grow *@arr (of @size-byte elements) so that it holds at least @need. */
static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / size)
			return -ENOMEM;
		ncap *= 2;
	}
	p = realloc(*arr, ncap * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* Copy a fixed-size name, NUL-terminate it, and make it printable. */
static void copy_name(char *dst, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i < n && src[i]; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
	}
	dst[i] = '\0';
}

static int type_cmp(const void *a, const void *b)
{
	const struct rtrace_event_type *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static const struct rtrace_event_type *find_type(const struct dec_session *s, uint32_t id)
{
	struct rtrace_event_type key = { .id = id };

	if (!s->nr_types)
		return NULL;
	return bsearch(&key, s->types, s->nr_types, sizeof(key), type_cmp);
}

/*
 * CRC32C of a unit of @len bytes at @off whose own crc field is at byte
 * @crc_at of it: that field is taken as zero.
 */
static uint32_t unit_crc(const struct rtrace_decoder *dec, uint64_t off, size_t len, size_t crc_at)
{
	static const uint8_t zero[4];
	uint32_t crc;

	crc = rtrace_crc32c__update(0, dec->buf + off, crc_at);
	crc = rtrace_crc32c__update(crc, zero, sizeof(zero));
	return rtrace_crc32c__update(crc, dec->buf + off + crc_at + 4, len - crc_at - 4);
}

/* Parse the event table of @s at @off (@nr entries of @esize bytes, bounds checked by the caller). */
static int parse_event_table(struct rtrace_decoder *dec, struct dec_session *s, uint64_t off,
			     uint32_t nr, uint32_t esize)
{
	size_t cap = 0;
	uint32_t i, f;

	for (i = 0; i < nr; i++) {
		uint64_t eoff = off + (uint64_t)i * esize;
		struct rtrace_event_desc d;
		struct rtrace_event_type *t;

		/* esize >= sizeof(d) was checked: extra bytes are a newer writer's. */
		memcpy(&d, dec->buf + eoff, sizeof(d));
		if (d.id == RTRACE_EV_INVALID || d.id > RTRACE_EV_MAX) {
			dec_error(dec, RTRACE_DEC_BAD_EVENT_TABLE, eoff,
				  "event description %u: id %u out of range 1..%u", i, d.id,
				  RTRACE_EV_MAX);
			return -EINVAL;
		}
		if (d.nr_fields > RTRACE_REC_MAX_ARGS && d.nr_fields != RTRACE_REC_RAW) {
			dec_error(dec, RTRACE_DEC_BAD_EVENT_TABLE, eoff,
				  "event %u: nr_fields %u is neither 0..%u nor raw (%u)", d.id,
				  d.nr_fields, RTRACE_REC_MAX_ARGS, RTRACE_REC_RAW);
			return -EINVAL;
		}
		for (f = 0; d.nr_fields != RTRACE_REC_RAW && f < d.nr_fields; f++) {
			if (!d.fields[f].type) {
				dec_error(dec, RTRACE_DEC_BAD_EVENT_TABLE, eoff,
					  "event %u field %u: type 0", d.id, f);
				return -EINVAL;
			}
		}
		if (grow((void **)&s->types, &cap, s->nr_types + 1, sizeof(*t)))
			return -ENOMEM;
		t = &s->types[s->nr_types];
		memset(t, 0, sizeof(*t));
		t->id = d.id;
		t->nr_fields = d.nr_fields;
		copy_name(t->name, d.name, RTRACE_EVENT_NAME_LEN);
		for (f = 0; d.nr_fields != RTRACE_REC_RAW && f < d.nr_fields; f++) {
			uint8_t ft = d.fields[f].type;

			copy_name(t->fields[f].name, d.fields[f].name, RTRACE_FIELD_NAME_LEN);
			/* A newer minor's field type is still a varint: show it unsigned. */
			t->fields[f].type = ft <= RTRACE_FIELD_HEX ? ft : RTRACE_FIELD_U64;
		}
		s->nr_types++;
	}
	if (s->nr_types)
		qsort(s->types, s->nr_types, sizeof(*s->types), type_cmp);
	for (i = 1; i < s->nr_types; i++) {
		if (s->types[i].id == s->types[i - 1].id) {
			dec_error(dec, RTRACE_DEC_BAD_EVENT_TABLE, off,
				  "event %u described twice", s->types[i].id);
			return -EINVAL;
		}
	}
	return 0;
}

/* Is @v a multiple of 8 within [@lo, @hi]? */
static int aligned_in(uint64_t v, uint64_t lo, uint64_t hi)
{
	return !(v & 7) && v >= lo && v <= hi;
}

/* Check the fields of a stream header that decide how to read the rest. Return: 0 or -EINVAL. */
static int check_stream_hdr(struct rtrace_decoder *dec, uint64_t off,
			    const struct rtrace_stream_hdr *h)
{
	uint64_t table = (uint64_t)h->nr_event_descs * h->event_desc_size;

#define BAD(...) do {							\
		dec_error(dec, RTRACE_DEC_BAD_STREAM_HDR, off, __VA_ARGS__);	\
		return -EINVAL;						\
	} while (0)
	if (!aligned_in(h->event_table_offset, h->size, h->hdr_size) ||
	    table > h->hdr_size - h->event_table_offset)
		BAD("event table of %u x %u bytes at %u does not fit the %u-byte unit",
		    h->nr_event_descs, h->event_desc_size, h->event_table_offset, h->hdr_size);
	if (h->nr_event_descs && !aligned_in(h->event_desc_size, sizeof(struct rtrace_event_desc),
					     h->hdr_size))
		BAD("event_desc_size %u: not a multiple of 8 of at least %zu", h->event_desc_size,
		    sizeof(struct rtrace_event_desc));
	if (h->nr_cpus == 0 || h->nr_cpus > MAX_NR_CPUS)
		BAD("nr_cpus %u out of range 1..%u", h->nr_cpus, MAX_NR_CPUS);
	if (h->nr_lanes != RTRACE_NR_LANES)
		BAD("nr_lanes %u: major version %u has exactly %u lanes", h->nr_lanes,
		    RTRACE_ABI_VERSION_MAJOR, RTRACE_NR_LANES);
	if (h->nr_lost < RTRACE_NR_LOST || h->nr_lost > MAX_NR_LOST)
		BAD("nr_lost %u out of range %u..%u", h->nr_lost, RTRACE_NR_LOST, MAX_NR_LOST);
	if (!aligned_in(h->subbuf_hdr_size, sizeof(struct rtrace_subbuf_hdr), MAX_SB_HDR) ||
	    !aligned_in(h->subbuf_lost_offset, SB_FIXED, h->subbuf_hdr_size) ||
	    (uint64_t)h->nr_lost * 8 > h->subbuf_hdr_size - h->subbuf_lost_offset)
		BAD("sub-buffer header of %u bytes cannot hold %u lost[] entries at %u",
		    h->subbuf_hdr_size, h->nr_lost, h->subbuf_lost_offset);
	if (h->subbuf_size <= h->subbuf_hdr_size)
		BAD("subbuf_size %u cannot hold a %u-byte sub-buffer header", h->subbuf_size,
		    h->subbuf_hdr_size);
	if (h->subbufs_per_lane < 2)
		BAD("subbufs_per_lane %u: a lane has at least 2", h->subbufs_per_lane);
	if (h->clock == 0 || h->clock_shift > 63 || h->clock_mult == 0)
		BAD("clock %u with mult %llu shift %u is not a usable clock", h->clock,
		    (unsigned long long)h->clock_mult, h->clock_shift);
#undef BAD
	return 0;
}

/* A stream header at @off. Return: its bytes (header + table), or -errno. */
static int64_t parse_stream_hdr(struct rtrace_decoder *dec, uint64_t off)
{
	size_t left = dec->len - off;
	struct rtrace_stream_hdr h;
	struct dec_session *s;
	uint32_t crc;
	int ret;

	/* The first 16 bytes mean the same in every major version. */
	if (left < 16) {
		dec_error(dec, RTRACE_DEC_TRUNCATED, off,
			  "stream header cut after %zu bytes", left);
		return -EINVAL;
	}
	memset(&h, 0, sizeof(h));
	memcpy(&h, dec->buf + off, 16);
	if (h.version_major != RTRACE_ABI_VERSION_MAJOR) {
		dec_error(dec, RTRACE_DEC_BAD_VERSION, off,
			  "stream ABI version %u.%u: this decoder reads major version %u only (any minor)",
			  h.version_major, h.version_minor, RTRACE_ABI_VERSION_MAJOR);
		return -EINVAL;
	}
	if (!aligned_in(h.size, sizeof(h), h.hdr_size) || (h.hdr_size & 7)) {
		dec_error(dec, RTRACE_DEC_BAD_STREAM_HDR, off,
			  "header size %u / unit size %u: need a multiple of 8 of at least %zu, within the unit",
			  h.size, h.hdr_size, sizeof(h));
		return -EINVAL;
	}
	if (h.hdr_size > left) {
		dec_error(dec, RTRACE_DEC_TRUNCATED, off,
			  "stream header and event table need %u bytes, only %zu left",
			  h.hdr_size, left);
		return -EINVAL;
	}
	memcpy(&h, dec->buf + off, sizeof(h));
	crc = unit_crc(dec, off, h.hdr_size, offsetof(struct rtrace_stream_hdr, crc));
	if (CRC_MISMATCH(crc, h.crc)) {
		dec_error(dec, RTRACE_DEC_BAD_CRC, off,
			  "stream header: CRC32C 0x%08x of its %u bytes, the header says 0x%08x",
			  crc, h.hdr_size, h.crc);
		return -EINVAL;
	}
	if (check_stream_hdr(dec, off, &h))
		return -EINVAL;

	if (dec->nr_sessions == UINT32_MAX ||
	    grow((void **)&dec->sessions, &dec->cap_sessions, dec->nr_sessions + 1, sizeof(*s)))
		return -ENOMEM;
	s = &dec->sessions[dec->nr_sessions];
	memset(s, 0, sizeof(*s));
	s->hdr = h;
	ret = parse_event_table(dec, s, off + h.event_table_offset, h.nr_event_descs,
				h.event_desc_size);
	if (ret) {
		free(s->types);
		s->types = NULL;
		return ret;
	}
	dec->nr_sessions++;
	return h.hdr_size;
}

/*
 * The header of sub-buffer @sb as this library knows it: the fixed fields,
 * lost[] from where the stream says it is; @other gets the sum of the
 * causes it does not know (may be NULL).
 */
static void read_sb_hdr(const struct rtrace_decoder *dec, const struct dec_session *s,
			uint64_t off, struct rtrace_subbuf_hdr *h, uint64_t *other)
{
	const uint8_t *lost = dec->buf + off + s->hdr.subbuf_lost_offset;
	uint32_t c;

	memcpy(h, dec->buf + off, SB_FIXED);
	memcpy(h->lost, lost, sizeof(h->lost));
	if (!other)
		return;
	*other = 0;
	for (c = RTRACE_NR_LOST; c < s->hdr.nr_lost; c++) {
		uint64_t v;

		memcpy(&v, lost + 8 * c, sizeof(v));
		*other = sat_add(*other, v);
	}
}

/* A sub-buffer at @off. Return: its bytes (header + commit), or -errno. */
static int64_t parse_subbuf(struct rtrace_decoder *dec, uint64_t off)
{
	const struct dec_session *s = &dec->sessions[dec->nr_sessions - 1];
	uint32_t hsz = s->hdr.subbuf_hdr_size, crc;
	size_t left = dec->len - off;
	struct rtrace_subbuf_hdr h;
	struct dec_sb *sb;

	if (left < hsz) {
		dec_error(dec, RTRACE_DEC_TRUNCATED, off,
			  "sub-buffer header needs %u bytes, only %zu left", hsz, left);
		return -EINVAL;
	}
	read_sb_hdr(dec, s, off, &h, NULL);
	if (h.hdr_size != hsz) {
		dec_error(dec, RTRACE_DEC_BAD_SUBBUF_HDR, off,
			  "sub-buffer header size %u, the stream header says %u", h.hdr_size, hsz);
		return -EINVAL;
	}
	if (h.commit > s->hdr.subbuf_size - hsz) {
		dec_error(dec, RTRACE_DEC_BAD_COMMIT, off,
			  "commit %u larger than a %u-byte sub-buffer can hold", h.commit,
			  s->hdr.subbuf_size);
		return -EINVAL;
	}
	if (h.commit > left - hsz) {
		/* Keep what is there: complete records before the cut decode. */
		if (grow((void **)&dec->sbs, &dec->cap_sbs, dec->nr_sbs + 1, sizeof(*sb)))
			return -ENOMEM;
		sb = &dec->sbs[dec->nr_sbs++];
		memset(sb, 0, sizeof(*sb));
		sb->off = off;
		sb->session = dec->nr_sessions - 1;
		sb->cpu = h.cpu < s->hdr.nr_cpus ? h.cpu : 0;
		sb->lane = h.lane < s->hdr.nr_lanes ? h.lane : 0;
		sb->avail = (uint32_t)(left - hsz);
		sb->partial = 1;
		dec_error(dec, RTRACE_DEC_TRUNCATED, off,
			  "sub-buffer of %u record bytes cut after %u", h.commit, sb->avail);
		return -EINVAL;
	}
	/* The CRC first: a damaged header must not be explained by its fields. */
	crc = unit_crc(dec, off, hsz + h.commit, offsetof(struct rtrace_subbuf_hdr, crc));
	if (CRC_MISMATCH(crc, h.crc)) {
		dec_error(dec, RTRACE_DEC_BAD_CRC, off,
			  "sub-buffer: CRC32C 0x%08x of its %u bytes, the header says 0x%08x",
			  crc, hsz + h.commit, h.crc);
		return (int64_t)hsz + h.commit;	/* left out; the next unit may be fine */
	}
	if (h.nr_events > h.commit / MIN_RECORD) {
		dec_error(dec, RTRACE_DEC_BAD_SUBBUF_HDR, off,
			  "nr_events %u cannot fit in %u record bytes", h.nr_events, h.commit);
		return -EINVAL;
	}
	if (h.cpu >= s->hdr.nr_cpus) {
		dec_error(dec, RTRACE_DEC_BAD_CPU, off, "cpu %u >= nr_cpus %u", h.cpu,
			  s->hdr.nr_cpus);
		return -EINVAL;
	}
	if (h.lane >= s->hdr.nr_lanes) {
		dec_error(dec, RTRACE_DEC_BAD_LANE, off, "lane %u >= nr_lanes %u", h.lane,
			  s->hdr.nr_lanes);
		return -EINVAL;
	}
	if ((h.flags & RTRACE_SB_BROKEN) && (h.commit || h.nr_events)) {
		dec_error(dec, RTRACE_DEC_BAD_SUBBUF_HDR, off,
			  "a broken-ring report carries %u record bytes", h.commit);
		return -EINVAL;
	}
	if (h.flags & RTRACE_SB_BROKEN)
		dec_error(dec, RTRACE_DEC_RING_BROKEN, off,
			  "the kernel found the ring of cpu %u lane %s broken at seq %llu and stopped the session",
			  h.cpu, rtrace_lane__name(h.lane), (unsigned long long)h.seq);
	if (grow((void **)&dec->sbs, &dec->cap_sbs, dec->nr_sbs + 1, sizeof(*sb)))
		return -ENOMEM;
	sb = &dec->sbs[dec->nr_sbs++];
	memset(sb, 0, sizeof(*sb));
	sb->off = off;
	sb->session = dec->nr_sessions - 1;
	sb->cpu = h.cpu;
	sb->lane = h.lane;
	sb->avail = h.commit;
	return (int64_t)hsz + h.commit;
}

/* Pass 1: index every header. Return: 0, or -ENOMEM. */
static int dec_index(struct rtrace_decoder *dec)
{
	uint64_t off = 0;

	if (dec->len == 0) {
		dec_error(dec, RTRACE_DEC_EMPTY, 0, "the input is empty: no stream header");
		return 0;
	}
	while (off < dec->len) {
		size_t left = dec->len - off;
		uint32_t magic;
		int64_t n;

		if (left < sizeof(magic)) {
			dec_error(dec, RTRACE_DEC_TRUNCATED, off,
				  "%zu stray bytes at the end, not even a magic", left);
			break;
		}
		memcpy(&magic, dec->buf + off, sizeof(magic));
		if (magic == RTRACE_STREAM_MAGIC) {
			n = parse_stream_hdr(dec, off);
		} else if (magic == RTRACE_SUBBUF_MAGIC && dec->nr_sessions) {
			n = parse_subbuf(dec, off);
		} else if (magic == RTRACE_SUBBUF_MAGIC) {
			dec_error(dec, RTRACE_DEC_BAD_MAGIC, off,
				  "sub-buffer before any stream header");
			break;
		} else {
			dec_error(dec, RTRACE_DEC_BAD_MAGIC, off,
				  "magic 0x%08x is neither a stream (0x%08x) nor a sub-buffer (0x%08x)",
				  magic, RTRACE_STREAM_MAGIC, RTRACE_SUBBUF_MAGIC);
			break;
		}
		if (n == -ENOMEM)
			return -ENOMEM;
		if (n < 0)
			break;
		off += (uint64_t)n;
	}
	dec->valid_bytes = off;
	return 0;
}

static int sb_lane_cmp(const void *a, const void *b, void *arg)
{
	const struct dec_sb *sbs = arg;
	const struct dec_sb *x = &sbs[*(const uint32_t *)a];
	const struct dec_sb *y = &sbs[*(const uint32_t *)b];

	if (x->session != y->session)
		return x->session < y->session ? -1 : 1;
	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	if (x->lane != y->lane)
		return x->lane < y->lane ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/*
 * The seq rules of uapi/linux/rtrace.h: sub-buffer @sb (header @h, losses
 * @lost_sum in total) follows seq @prev of its lane (@first: it is the
 * lane's first in the stream).  Return: the sub-buffers overwritten before
 * it, after recording an error if the mode rules the gap out.
 */
static uint64_t check_seq(struct rtrace_decoder *dec, const struct dec_session *s,
			  const struct dec_sb *sb, const struct rtrace_subbuf_hdr *h,
			  uint64_t lost_sum, int first, uint64_t prev)
{
	int overwrite = s->hdr.config_flags & RTRACE_CONFIG_OVERWRITE;
	uint64_t gap;

	if (first && (s->hdr.flags & RTRACE_STREAM_RESUMED))
		return 0;	/* an earlier consumer read what came before */
	if (!first && h->seq <= prev) {
		dec_error(dec, RTRACE_DEC_BAD_SEQ, sb->off,
			  "cpu %u lane %s: seq %llu follows seq %llu", sb->cpu,
			  rtrace_lane__name(sb->lane), (unsigned long long)h->seq,
			  (unsigned long long)prev);
		return 0;
	}
	gap = first ? h->seq : h->seq - prev - 1;
	if (!gap)
		return 0;
	if (!overwrite) {
		dec_error(dec, RTRACE_DEC_BAD_SEQ, sb->off,
			  "cpu %u lane %s: seq %llu after %s%llu in a discard-mode stream, where no sub-buffer can go missing",
			  sb->cpu, rtrace_lane__name(sb->lane), (unsigned long long)h->seq,
			  first ? "the start, expected " : "", (unsigned long long)(first ? 0 : prev));
		return 0;
	}
	if (gap / s->hdr.subbufs_per_lane > lost_sum) {
		dec_error(dec, RTRACE_DEC_BAD_SEQ, sb->off,
			  "cpu %u lane %s: %llu sub-buffers missing before seq %llu, but it reports only %llu lost events (a ring of %u overwrites one per %u)",
			  sb->cpu, rtrace_lane__name(sb->lane), (unsigned long long)gap,
			  (unsigned long long)h->seq, (unsigned long long)lost_sum,
			  s->hdr.subbufs_per_lane, s->hdr.subbufs_per_lane);
		return 0;
	}
	return gap;
}

/* Group sub-buffers by lane, check the seq rules and do the per-lane loss accounting. */
static int dec_build_lanes(struct rtrace_decoder *dec)
{
	struct rtrace_lane_info *li = NULL;
	uint64_t prev_seq = 0;
	size_t i, cap = 0;
	unsigned int c;

	if (!dec->nr_sbs)
		return 0;
	if (dec->nr_sbs > UINT32_MAX)
		return -ENOMEM;
	dec->by_lane = calloc(dec->nr_sbs, sizeof(*dec->by_lane));
	if (!dec->by_lane)
		return -ENOMEM;
	for (i = 0; i < dec->nr_sbs; i++)
		dec->by_lane[i] = (uint32_t)i;
	qsort_r(dec->by_lane, dec->nr_sbs, sizeof(*dec->by_lane), sb_lane_cmp, dec->sbs);

	for (i = 0; i < dec->nr_sbs; i++) {
		struct dec_sb *sb = &dec->sbs[dec->by_lane[i]];
		struct dec_session *s = &dec->sessions[sb->session];
		struct rtrace_subbuf_hdr h;
		uint64_t other, sum;
		int first = 0;

		read_sb_hdr(dec, s, sb->off, &h, &other);
		if (!li || li->session != sb->session || li->cpu != sb->cpu ||
		    li->lane != sb->lane) {
			if (grow((void **)&dec->lanes, &cap, dec->nr_lanes + 1, sizeof(*li)))
				return -ENOMEM;
			li = &dec->lanes[dec->nr_lanes++];
			memset(li, 0, sizeof(*li));
			li->session = sb->session;
			li->cpu = sb->cpu;
			li->lane = sb->lane;
			li->first_seq = h.seq;
			if (s->nr_lanes == 0)
				s->first_lane = dec->nr_lanes - 1;
			s->nr_lanes++;
			first = 1;
		}
		sum = other;
		for (c = 0; c < RTRACE_NR_LOST; c++)
			sum = sat_add(sum, h.lost[c]);
		if (!sb->partial)
			sb->seq_missing = check_seq(dec, s, sb, &h, sum, first, prev_seq);
		li->seq_missing = sat_add(li->seq_missing, sb->seq_missing);
		prev_seq = h.seq;
		sb->lane_idx = dec->nr_lanes - 1;
		li->last_seq = h.seq;
		li->subbufs++;
		li->bytes += sb->avail;
		for (c = 0; c < RTRACE_NR_LOST; c++)
			li->lost[c] = sat_add(li->lost[c], h.lost[c]);
		li->lost_other = sat_add(li->lost_other, other);
		if (h.flags & RTRACE_SB_BROKEN)
			li->broken = 1;
	}
	return 0;
}

static void cursor_init(struct dec_cursor *c, const uint32_t *list, size_t start, size_t end)
{
	memset(c, 0, sizeof(*c));
	c->list = list;
	c->pos = start;
	c->end = end;
}

/*
 * Decode the record at c->p into c->ev.  Return: 0, or -1 after recording
 * an error (the rest of the sub-buffer is then skipped).  A record whose
 * type is not described, or whose n is not its description's, is reported
 * and still returned: its bytes are what the kernel wrote (the CRC says
 * so), only the emitter broke the schema.
 */
static int parse_record(struct rtrace_decoder *dec, struct dec_cursor *c)
{
	const struct dec_session *s = &dec->sessions[c->sb->session];
	const struct rtrace_event_type *t;
	const uint8_t *p = c->p;
	uint64_t off = (uint64_t)(p - dec->buf);
	struct rtrace_event *ev = &c->ev;
	uint64_t h, delta, type, len;
	unsigned int n, i;
	int r;

#define LEFT()	((size_t)(c->rec_end - p))
	/* A record running into the cut of a truncated input is not a second error. */
#define CUT_OR(code, ...) do {						\
		if (!(c->sb->partial && r == -ENODATA))			\
			dec_error(dec, (code), off, __VA_ARGS__);	\
		return -1;						\
	} while (0)
#define VARINT_ERR(what) do {						\
		if (r == -ENODATA)					\
			CUT_OR(RTRACE_DEC_BAD_RECORD, "%s runs past the end of the sub-buffer", what); \
		CUT_OR(RTRACE_DEC_BAD_VARINT, "%s: varint longer than %d bytes or over 64 bits", \
		       what, RTRACE_REC_MAX_VARINT);			\
	} while (0)

	r = rtrace_varint__decode(p, LEFT(), &h);
	if (r < 0)
		VARINT_ERR("record header");
	p += r;
	if (h == 0)
		CUT_OR(RTRACE_DEC_BAD_RECORD, "record header h == 0");
	type = h >> 4;
	n = (unsigned int)(h & 0xf);
	if (type == RTRACE_EV_INVALID || type > RTRACE_EV_MAX)
		CUT_OR(RTRACE_DEC_BAD_RECORD, "event type %llu out of range 1..%u",
		       (unsigned long long)type, RTRACE_EV_MAX);
	r = rtrace_varint__decode(p, LEFT(), &delta);
	if (r < 0)
		VARINT_ERR("timestamp delta");
	p += r;

	memset(ev, 0, sizeof(*ev));
	if (n <= RTRACE_REC_MAX_ARGS) {
		for (i = 0; i < n; i++) {
			r = rtrace_varint__decode(p, LEFT(), &ev->args[i]);
			if (r == -ENODATA)
				CUT_OR(RTRACE_DEC_BAD_RECORD,
				       "argument %u of %u runs past the end of the sub-buffer", i, n);
			if (r < 0)
				VARINT_ERR("argument");
			p += r;
		}
	} else {
		r = rtrace_varint__decode(p, LEFT(), &len);
		if (r < 0)
			VARINT_ERR("raw length");
		p += r;
		if (len > LEFT()) {
			r = c->sb->partial ? -ENODATA : 0;
			CUT_OR(RTRACE_DEC_BAD_RECORD,
			       "raw length %llu beyond the %zu record bytes left",
			       (unsigned long long)len, LEFT());
		}
		ev->raw = p;
		ev->raw_len = (uint32_t)len;
		p += len;
	}
#undef VARINT_ERR
#undef CUT_OR
#undef LEFT

	t = find_type(s, (uint32_t)type);
	if (!t)
		dec_error(dec, RTRACE_DEC_BAD_TYPE, off,
			  "event type %llu is not in the stream's event table",
			  (unsigned long long)type);
	else if (t->nr_fields != n)
		dec_error(dec, RTRACE_DEC_BAD_TYPE, off,
			  "event %s (%u) is described with %u%s fields, the record has %u%s",
			  t->name, t->id, t->nr_fields == RTRACE_REC_RAW ? 0 : t->nr_fields,
			  t->nr_fields == RTRACE_REC_RAW ? " (raw)" : "",
			  n == RTRACE_REC_RAW ? 0 : n, n == RTRACE_REC_RAW ? " (raw)" : "");
	c->ts += delta;		/* wraps like the writer's u64 arithmetic */
	ev->offset = off;
	ev->session = c->sb->session;
	ev->cpu = c->sb->cpu;
	ev->lane = c->sb->lane;
	ev->type = (uint32_t)type;
	ev->ts = c->ts;
	ev->ts_ns = rtrace_clock__to_ns(&s->hdr, c->ts);
	ev->nr_args = n;
	ev->desc = t;
	ev->seq = c->hdr.seq;
	ev->packet_offset = c->sb->off;
	c->p = p;
	return 0;
}

/* Move @c to its next event. Return: 1 if c->ev holds one, 0 at the end. */
static int cursor_next(struct rtrace_decoder *dec, struct dec_cursor *c)
{
	for (;;) {
		if (!c->in_sb) {
			const struct dec_session *s;
			size_t idx;

			if (c->pos >= c->end)
				return 0;
			idx = c->list ? c->list[c->pos] : c->pos;
			c->pos++;
			c->sb = &dec->sbs[idx];
			s = &dec->sessions[c->sb->session];
			read_sb_hdr(dec, s, c->sb->off, &c->hdr, NULL);
			c->p = dec->buf + c->sb->off + s->hdr.subbuf_hdr_size;
			c->rec_end = c->p + c->sb->avail;
			c->ts = c->hdr.ts_base;
			c->nr_seen = 0;
			c->in_sb = 1;
			if (dec->packet_fn && !dec->packet_ret)
				dec->packet_ret = dec->packet_fn(dec, c->sb, dec->packet_ctx);
		}
		if (c->p >= c->rec_end) {
			if (c->nr_seen != c->hdr.nr_events && !c->sb->partial)
				dec_error(dec, RTRACE_DEC_BAD_NR_EVENTS, c->sb->off,
					  "sub-buffer says %u records, holds %u", c->hdr.nr_events,
					  c->nr_seen);
			c->in_sb = 0;
			continue;
		}
		if (parse_record(dec, c)) {
			c->in_sb = 0;
			continue;
		}
		c->nr_seen++;
		dec->lanes[c->sb->lane_idx].events++;
		return 1;
	}
}

static int cursor_less(const struct dec_cursor *a, const struct dec_cursor *b)
{
	if (a->ev.ts != b->ev.ts)
		return a->ev.ts < b->ev.ts;
	if (a->ev.cpu != b->ev.cpu)
		return a->ev.cpu < b->ev.cpu;
	return a->ev.lane < b->ev.lane;
}

static void heap_down(struct rtrace_decoder *dec, unsigned int i)
{
	struct dec_cursor **h = dec->heap;

	for (;;) {
		unsigned int l = 2 * i + 1, r = l + 1, m = i;
		struct dec_cursor *t;

		if (l < dec->heap_n && cursor_less(h[l], h[m]))
			m = l;
		if (r < dec->heap_n && cursor_less(h[r], h[m]))
			m = r;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* Load the lanes of the next session into the heap. Return: 0 if none is left. */
static int merge_load_session(struct rtrace_decoder *dec)
{
	while (dec->next_session < dec->nr_sessions) {
		const struct dec_session *s = &dec->sessions[dec->next_session++];
		unsigned int l, i;

		dec->heap_n = 0;
		for (l = s->first_lane; l < s->first_lane + s->nr_lanes; l++) {
			struct dec_cursor *c = &dec->cursors[l];
			size_t start = dec->lane_start[l];

			cursor_init(c, dec->by_lane, start, start + dec->lanes[l].subbufs);
			if (cursor_next(dec, c))
				dec->heap[dec->heap_n++] = c;
		}
		for (i = dec->heap_n / 2; i-- > 0;)
			heap_down(dec, i);
		if (dec->heap_n)
			return 1;
	}
	return 0;
}

int rtrace_decoder__next(struct rtrace_decoder *dec, struct rtrace_event *ev)
{
	struct dec_cursor *c;

	dec->started = 1;
	if (dec->done)
		return 0;
	if (dec->order == RTRACE_ORDER_STREAM) {
		if (!cursor_next(dec, &dec->cursors[0])) {
			dec->done = 1;
			return 0;
		}
		*ev = dec->cursors[0].ev;
		dec_names_note(&dec->names, ev);
		return 1;
	}
	/*
	 * The cursor whose event we returned last moves on only now, so that
	 * a sub-buffer it enters is announced (rtrace_decoder__export()) after
	 * the caller has dealt with that event.
	 */
	if (dec->advance) {
		dec->advance = 0;
		c = dec->heap[0];
		if (!cursor_next(dec, c))
			dec->heap[0] = dec->heap[--dec->heap_n];
		if (dec->heap_n)
			heap_down(dec, 0);
	}
	if (!dec->heap_n && !merge_load_session(dec)) {
		dec->done = 1;
		return 0;
	}
	*ev = dec->heap[0]->ev;
	dec->advance = 1;
	dec_names_note(&dec->names, ev);
	return 1;
}

static struct rtrace_decoder *dec_setup(struct rtrace_decoder *dec)
{
	unsigned int i, max_lanes = 0;
	size_t start = 0;

	if (dec_index(dec) || dec_build_lanes(dec))
		return NULL;
	if (dec->order == RTRACE_ORDER_STREAM) {
		dec->cursors = calloc(1, sizeof(*dec->cursors));
		if (!dec->cursors)
			return NULL;
		cursor_init(&dec->cursors[0], NULL, 0, dec->nr_sbs);
		return dec;
	}
	for (i = 0; i < dec->nr_sessions; i++)
		if (dec->sessions[i].nr_lanes > max_lanes)
			max_lanes = dec->sessions[i].nr_lanes;
	dec->cursors = calloc(dec->nr_lanes ? dec->nr_lanes : 1, sizeof(*dec->cursors));
	dec->heap = calloc(max_lanes ? max_lanes : 1, sizeof(*dec->heap));
	dec->lane_start = calloc(dec->nr_lanes ? dec->nr_lanes : 1, sizeof(*dec->lane_start));
	if (!dec->cursors || !dec->heap || !dec->lane_start)
		return NULL;
	/* lanes[] and by_lane[] are in the same order: lane i's run starts after lane i-1's. */
	for (i = 0; i < dec->nr_lanes; i++) {
		dec->lane_start[i] = start;
		start += dec->lanes[i].subbufs;
	}
	return dec;
}

struct rtrace_decoder *rtrace_decoder__new(const void *buf, size_t len,
					   const struct rtrace_decoder_opts *opts)
{
	struct rtrace_decoder *dec;

	if (!opts_valid(opts, sizeof(*opts)) || (!buf && len)) {
		errno = EINVAL;
		return NULL;
	}
	dec = calloc(1, sizeof(*dec));
	if (!dec)
		return NULL;
	dec->buf = buf;
	dec->len = len;
	if (OPTS_HAS(opts, order))
		dec->order = opts->order;
	if (dec->order != RTRACE_ORDER_MERGED && dec->order != RTRACE_ORDER_STREAM) {
		free(dec);
		errno = EINVAL;
		return NULL;
	}
	if (!dec_setup(dec)) {
		rtrace_decoder__free(dec);
		errno = ENOMEM;
		return NULL;
	}
	return dec;
}

/* Copy a non-seekable input into an unlinked temporary file. Return: its fd or -errno. */
static int spill_to_tmpfile(int in)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	char buf[65536];
	int fd, err;

	if (!dir || !*dir)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(path, sizeof(path), "%s/rtrace-decode.XXXXXX", dir);
		fd = mkstemp(path);
		if (fd < 0)
			return -errno;
		unlink(path);
	}
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf)), w = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto err_close;
		if (n == 0)
			return fd;
		while (w < n) {
			ssize_t m = write(fd, buf + w, (size_t)(n - w));

			if (m < 0 && errno == EINTR)
				continue;
			if (m < 0)
				goto err_close;
			w += m;
		}
	}
err_close:
	err = errno;
	close(fd);
	return -err;
}

struct rtrace_decoder *rtrace_decoder__open(const char *path, const struct rtrace_decoder_opts *opts)
{
	struct rtrace_decoder *dec;
	void *map = NULL;
	struct stat st;
	int fd, err;

	if (!path) {
		errno = EINVAL;
		return NULL;
	}
	if (!strcmp(path, "-"))
		fd = dup(STDIN_FILENO);
	else
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0)
		goto err_close;
	if (!S_ISREG(st.st_mode)) {
		int tmp = spill_to_tmpfile(fd);

		if (tmp < 0) {
			errno = -tmp;
			goto err_close;
		}
		close(fd);
		fd = tmp;
		if (fstat(fd, &st) < 0)
			goto err_close;
	}
	if ((uint64_t)st.st_size > SIZE_MAX) {
		errno = EFBIG;
		goto err_close;
	}
	if (st.st_size > 0) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED)
			goto err_close;
	}
	close(fd);
	dec = rtrace_decoder__new(map, (size_t)st.st_size, opts);
	if (!dec) {
		err = errno;
		if (map)
			munmap(map, (size_t)st.st_size);
		errno = err;
		return NULL;
	}
	dec->map = map;
	dec->map_len = (size_t)st.st_size;
	return dec;

err_close:
	err = errno;
	close(fd);
	errno = err;
	return NULL;
}

void rtrace_decoder__free(struct rtrace_decoder *dec)
{
	unsigned int i;

	if (!dec)
		return;
	for (i = 0; i < dec->nr_sessions; i++)
		free(dec->sessions[i].types);
	free(dec->sessions);
	free(dec->sbs);
	free(dec->by_lane);
	free(dec->lane_start);
	free(dec->lanes);
	free(dec->cursors);
	free(dec->heap);
	dec_names_free(dec->names);
	if (dec->map)
		munmap(dec->map, dec->map_len);
	free(dec);
}

const char *rtrace_decoder__comm(const struct rtrace_decoder *dec, uint32_t pid, uint32_t *tgid)
{
	if (!pid)
		return "<idle>";
	return dec_names_get(dec->names, pid, tgid);
}

const struct rtrace_decode_error *rtrace_decoder__error(const struct rtrace_decoder *dec)
{
	return &dec->err;
}

uint64_t rtrace_decoder__nr_errors(const struct rtrace_decoder *dec)
{
	return dec->nr_errors;
}

uint64_t rtrace_decoder__valid_bytes(const struct rtrace_decoder *dec)
{
	return dec->valid_bytes;
}

unsigned int rtrace_decoder__nr_sessions(const struct rtrace_decoder *dec)
{
	return dec->nr_sessions;
}

const struct rtrace_stream_hdr *rtrace_decoder__session(const struct rtrace_decoder *dec,
							unsigned int idx)
{
	return idx < dec->nr_sessions ? &dec->sessions[idx].hdr : NULL;
}

const struct rtrace_event_type *rtrace_decoder__event_type(const struct rtrace_decoder *dec,
							   unsigned int session, uint32_t id)
{
	return session < dec->nr_sessions ? find_type(&dec->sessions[session], id) : NULL;
}

unsigned int rtrace_decoder__nr_event_types(const struct rtrace_decoder *dec, unsigned int session)
{
	return session < dec->nr_sessions ? dec->sessions[session].nr_types : 0;
}

const struct rtrace_event_type *rtrace_decoder__event_type_at(const struct rtrace_decoder *dec,
							      unsigned int session, unsigned int idx)
{
	if (session >= dec->nr_sessions || idx >= dec->sessions[session].nr_types)
		return NULL;
	return &dec->sessions[session].types[idx];
}

unsigned int rtrace_decoder__nr_lanes(const struct rtrace_decoder *dec)
{
	return dec->nr_lanes;
}

const struct rtrace_lane_info *rtrace_decoder__lane(const struct rtrace_decoder *dec,
						    unsigned int idx)
{
	return idx < dec->nr_lanes ? &dec->lanes[idx] : NULL;
}

void rtrace_decoder__totals(const struct rtrace_decoder *dec, struct rtrace_lane_info *sum)
{
	unsigned int i, c;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < dec->nr_lanes; i++) {
		const struct rtrace_lane_info *l = &dec->lanes[i];

		sum->subbufs = sat_add(sum->subbufs, l->subbufs);
		sum->seq_missing = sat_add(sum->seq_missing, l->seq_missing);
		sum->events = sat_add(sum->events, l->events);
		sum->bytes = sat_add(sum->bytes, l->bytes);
		sum->lost_other = sat_add(sum->lost_other, l->lost_other);
		sum->broken |= l->broken;
		for (c = 0; c < RTRACE_NR_LOST; c++)
			sum->lost[c] = sat_add(sum->lost[c], l->lost[c]);
	}
}

size_t rtrace_decoder__nr_packets(const struct rtrace_decoder *dec)
{
	return dec->nr_sbs;
}

static void fill_packet(const struct rtrace_decoder *dec, const struct dec_sb *sb,
			struct rtrace_packet *pkt)
{
	const struct dec_session *s = &dec->sessions[sb->session];
	struct rtrace_subbuf_hdr h;

	read_sb_hdr(dec, s, sb->off, &h, &pkt->lost_other);
	pkt->offset = sb->off;
	pkt->session = sb->session;
	pkt->cpu = sb->cpu;
	pkt->lane = sb->lane;
	pkt->flags = h.flags;
	pkt->seq = h.seq;
	pkt->seq_missing = sb->seq_missing;
	pkt->ts_base = h.ts_base;
	pkt->ts_base_ns = rtrace_clock__to_ns(&s->hdr, h.ts_base);
	pkt->nr_events = h.nr_events;
	pkt->commit = sb->avail;
	memcpy(pkt->lost, h.lost, sizeof(pkt->lost));
}

const uint8_t *dec_input(const struct rtrace_decoder *dec, size_t *len)
{
	*len = dec->len;
	return dec->buf;
}

int rtrace_decoder__packet(const struct rtrace_decoder *dec, size_t idx, struct rtrace_packet *pkt)
{
	if (idx >= dec->nr_sbs)
		return -ERANGE;
	fill_packet(dec, &dec->sbs[idx], pkt);
	return 0;
}

struct export_run {
	const struct rtrace_exporter *const *xs;
	void **priv;
	unsigned int nr;
};

/* A cursor entered @sb: every exporter hears of the packet before its events. */
static int export_packet(struct rtrace_decoder *dec, const struct dec_sb *sb, void *ctx)
{
	struct export_run *run = ctx;
	struct rtrace_packet pkt;
	unsigned int i;
	int ret;

	fill_packet(dec, sb, &pkt);
	for (i = 0; i < run->nr; i++) {
		if (!run->xs[i]->packet)
			continue;
		ret = run->xs[i]->packet(run->priv[i], &pkt);
		if (ret)
			return ret;
	}
	return 0;
}

int rtrace_decoder__export(struct rtrace_decoder *dec, const struct rtrace_exporter *const *xs,
			   unsigned int nr, const struct rtrace_export_opts *opts)
{
	struct rtrace_export_opts o = { .sz = sizeof(o), .out = stdout };
	struct export_run run = { .xs = xs, .nr = nr };
	struct rtrace_event ev;
	unsigned int i, begun;
	int ret = 0, r;

	if (!opts_valid(opts, sizeof(*opts)) || dec->started || (nr && !xs))
		return -EINVAL;
	if (OPTS_HAS(opts, out) && opts->out)
		o.out = opts->out;
	if (OPTS_HAS(opts, raw_ts))
		o.raw_ts = opts->raw_ts;
	if (OPTS_HAS(opts, path))
		o.path = opts->path;
	for (i = 0; i < nr; i++)
		if (!xs[i] || !xs[i]->begin || !xs[i]->end)
			return -EINVAL;
	run.priv = calloc(nr ? nr : 1, sizeof(*run.priv));
	if (!run.priv)
		return -ENOMEM;
	for (begun = 0; begun < nr; begun++) {
		ret = xs[begun]->begin(&run.priv[begun], dec, &o);
		if (ret)
			goto end;
	}
	dec->packet_fn = export_packet;
	dec->packet_ctx = &run;
	while (!ret && !dec->packet_ret && rtrace_decoder__next(dec, &ev) == 1) {
		for (i = 0; i < nr && !ret; i++)
			if (xs[i]->event)
				ret = xs[i]->event(run.priv[i], &ev);
	}
	if (!ret)
		ret = dec->packet_ret;
	dec->packet_fn = NULL;
end:
	for (i = 0; i < begun; i++) {
		r = xs[i]->end(run.priv[i], dec);
		if (!ret)
			ret = r;
	}
	free(run.priv);
	return ret;
}
