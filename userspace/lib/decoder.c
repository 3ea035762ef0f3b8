// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * librtrace: the stream decoder.
 *
 * Input: the bytes read() returned from /dev/rtrace, possibly several
 * streams concatenated (each starts with its own stream header), possibly
 * cut anywhere, possibly garbage.  The format is uapi/linux/rtrace.h's:
 *
 *   stream_hdr  event_desc[nr]  { subbuf_hdr  records[commit] } ...
 *   stream_hdr  event_desc[nr]  { subbuf_hdr  records[commit] } ...   (next session)
 *
 * Two passes:
 *
 *  1. dec_index() walks the headers only, validating each against the
 *     bytes left and against its stream header, and stores one small entry
 *     per sub-buffer.  The first header that is corrupt or cut ends the
 *     usable input; a sub-buffer cut inside its records is kept with the
 *     bytes that are there, so the stream decodes up to the cut.
 *     The entries are then sorted by (session, cpu, lane, offset), which
 *     gives each lane's sub-buffers in stream (= seq) order; seq gaps and
 *     the lost[] counters are summed per lane here.
 *
 *  2. rtrace_decoder__next() decodes records lazily with one cursor per lane
 *     and a binary min-heap keyed by (timestamp, cpu, lane): the k-way merge
 *     of a session's lanes.  Sessions are merged one after the other.  In
 *     RTRACE_ORDER_STREAM a single cursor walks sub-buffers in file order.
 *
 * Memory is bounded by the input: one 24-byte entry and one 4-byte index per
 * sub-buffer (a sub-buffer header is 72 bytes), one lane record and cursor
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

#define SB_HDR_SIZE	sizeof(struct rtrace_subbuf_hdr)
#define STREAM_HDR_SIZE	sizeof(struct rtrace_stream_hdr)
#define MIN_RECORD	2	/* h and delta, one byte each at least */

_Static_assert(sizeof(struct rtrace_subbuf_hdr) == 72, "subbuf header layout");
_Static_assert(sizeof(struct rtrace_stream_hdr) == 80, "stream header layout");
_Static_assert(sizeof(struct rtrace_event_desc) == 264, "event desc layout");

/* One indexed sub-buffer. */
struct dec_sb {
	uint64_t off;		/* of its header in the input */
	uint32_t session;
	uint32_t avail;		/* record bytes present (< commit if cut) */
	uint16_t cpu;
	uint8_t lane;
	uint8_t partial;	/* the input ends inside its records */
	uint32_t lane_idx;	/* index in dec->lanes */
};

struct dec_session {
	struct rtrace_stream_hdr hdr;
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

	struct rtrace_decode_error err;
	uint64_t nr_errors;
	uint64_t valid_bytes;
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

/* rtrace's reserved types, described here when a table lacks them. */
static const struct {
	uint32_t id;
	uint16_t nr_fields;
	const char *name;
	const char *fields[2];
	uint8_t types[2];
} builtin_types[] = {
	{ RTRACE_EV_CLOCK_SYNC, 2, "clock_sync", { "cyc", "mono_ns" },
	  { RTRACE_FIELD_U64, RTRACE_FIELD_U64 } },
	{ RTRACE_EV_TEST, 0, "test", { NULL }, { 0 } },
	{ RTRACE_EV_TEST_RAW, RTRACE_REC_RAW, "test_raw", { NULL }, { 0 } },
};

static int add_builtin_types(struct dec_session *s, size_t *cap)
{
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(builtin_types); i++) {
		struct rtrace_event_type *t;

		for (j = 0; j < s->nr_types; j++)
			if (s->types[j].id == builtin_types[i].id)
				break;
		if (j < s->nr_types)
			continue;
		if (grow((void **)&s->types, cap, s->nr_types + 1, sizeof(*t)))
			return -ENOMEM;
		t = &s->types[s->nr_types++];
		memset(t, 0, sizeof(*t));
		t->id = builtin_types[i].id;
		t->nr_fields = builtin_types[i].nr_fields;
		t->builtin = 1;
		snprintf(t->name, sizeof(t->name), "%s", builtin_types[i].name);
		for (j = 0; j < builtin_types[i].nr_fields && j < 2; j++) {
			snprintf(t->fields[j].name, sizeof(t->fields[j].name), "%s",
				 builtin_types[i].fields[j]);
			t->fields[j].type = builtin_types[i].types[j];
		}
	}
	return 0;
}

/* Parse the event table of @s at @p (@nr entries of @esize bytes, bounds checked by the caller). */
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
		if (d.flags) {
			dec_error(dec, RTRACE_DEC_BAD_EVENT_TABLE, eoff,
				  "event %u: reserved flags 0x%x are not zero", d.id, d.flags);
			return -EINVAL;
		}
		for (f = 0; d.nr_fields != RTRACE_REC_RAW && f < d.nr_fields; f++) {
			uint8_t ft = d.fields[f].type;

			if (ft < RTRACE_FIELD_U64 || ft > RTRACE_FIELD_HEX) {
				dec_error(dec, RTRACE_DEC_BAD_EVENT_TABLE, eoff,
					  "event %u field %u: unknown type %u", d.id, f, ft);
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
			copy_name(t->fields[f].name, d.fields[f].name, RTRACE_FIELD_NAME_LEN);
			t->fields[f].type = d.fields[f].type;
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
	if (add_builtin_types(s, &cap))
		return -ENOMEM;
	if (s->nr_types)
		qsort(s->types, s->nr_types, sizeof(*s->types), type_cmp);
	return 0;
}

/* A stream header at @off. Return: its bytes (header + table), or -errno. */
static int64_t parse_stream_hdr(struct rtrace_decoder *dec, uint64_t off)
{
	size_t left = dec->len - off;
	struct rtrace_stream_hdr h;
	struct dec_session *s;
	uint64_t table;
	int ret;

	if (left < STREAM_HDR_SIZE) {
		dec_error(dec, RTRACE_DEC_TRUNCATED, off,
			  "stream header needs %zu bytes, only %zu left", STREAM_HDR_SIZE, left);
		return -EINVAL;
	}
	memcpy(&h, dec->buf + off, sizeof(h));
	if (h.abi_version != RTRACE_ABI_VERSION) {
		dec_error(dec, RTRACE_DEC_BAD_VERSION, off,
			  "stream ABI version %u, this decoder knows %u", h.abi_version,
			  RTRACE_ABI_VERSION);
		return -EINVAL;
	}
	table = (uint64_t)h.nr_event_descs * h.event_desc_size;
	if (h.nr_event_descs && h.event_desc_size < sizeof(struct rtrace_event_desc)) {
		dec_error(dec, RTRACE_DEC_BAD_STREAM_HDR, off,
			  "event_desc_size %u smaller than struct rtrace_event_desc (%zu)",
			  h.event_desc_size, sizeof(struct rtrace_event_desc));
		return -EINVAL;
	}
	if (h.hdr_size < STREAM_HDR_SIZE || table > h.hdr_size - STREAM_HDR_SIZE) {
		dec_error(dec, RTRACE_DEC_BAD_STREAM_HDR, off,
			  "hdr_size %u cannot hold the %zu-byte header and %u event descriptions of %u bytes",
			  h.hdr_size, STREAM_HDR_SIZE, h.nr_event_descs, h.event_desc_size);
		return -EINVAL;
	}
	if (h.nr_cpus == 0 || h.nr_cpus > 65536) {
		dec_error(dec, RTRACE_DEC_BAD_STREAM_HDR, off,
			  "nr_cpus %u out of range 1..65536", h.nr_cpus);
		return -EINVAL;
	}
	if (h.nr_lanes == 0 || h.nr_lanes > 256) {
		dec_error(dec, RTRACE_DEC_BAD_STREAM_HDR, off,
			  "nr_lanes %u out of range 1..256", h.nr_lanes);
		return -EINVAL;
	}
	if (h.subbuf_size <= SB_HDR_SIZE) {
		dec_error(dec, RTRACE_DEC_BAD_STREAM_HDR, off,
			  "subbuf_size %u cannot hold a %zu-byte sub-buffer header",
			  h.subbuf_size, SB_HDR_SIZE);
		return -EINVAL;
	}
	if ((h.clock != RTRACE_CLOCK_TSC && h.clock != RTRACE_CLOCK_LOCAL) ||
	    h.clock_shift > 63 || h.clock_mult == 0) {
		dec_error(dec, RTRACE_DEC_BAD_STREAM_HDR, off,
			  "clock %u with mult %llu shift %u is not a usable clock", h.clock,
			  (unsigned long long)h.clock_mult, h.clock_shift);
		return -EINVAL;
	}
	if (h.hdr_size > left) {
		dec_error(dec, RTRACE_DEC_TRUNCATED, off,
			  "stream header and event table need %u bytes, only %zu left",
			  h.hdr_size, left);
		return -EINVAL;
	}

	if (dec->nr_sessions == UINT32_MAX ||
	    grow((void **)&dec->sessions, &dec->cap_sessions, dec->nr_sessions + 1, sizeof(*s)))
		return -ENOMEM;
	s = &dec->sessions[dec->nr_sessions];
	memset(s, 0, sizeof(*s));
	s->hdr = h;
	ret = parse_event_table(dec, s, off + STREAM_HDR_SIZE, h.nr_event_descs,
				h.event_desc_size);
	if (ret) {
		free(s->types);
		s->types = NULL;
		return ret;
	}
	dec->nr_sessions++;
	return h.hdr_size;
}

/* A sub-buffer at @off. Return: its bytes (header + commit), or -errno. */
static int64_t parse_subbuf(struct rtrace_decoder *dec, uint64_t off)
{
	const struct dec_session *s = &dec->sessions[dec->nr_sessions - 1];
	size_t left = dec->len - off;
	struct rtrace_subbuf_hdr h;
	struct dec_sb *sb;

	if (left < SB_HDR_SIZE) {
		dec_error(dec, RTRACE_DEC_TRUNCATED, off,
			  "sub-buffer header needs %zu bytes, only %zu left", SB_HDR_SIZE, left);
		return -EINVAL;
	}
	memcpy(&h, dec->buf + off, sizeof(h));
	if (h.commit > s->hdr.subbuf_size - SB_HDR_SIZE) {
		dec_error(dec, RTRACE_DEC_BAD_COMMIT, off,
			  "commit %u larger than a %u-byte sub-buffer can hold", h.commit,
			  s->hdr.subbuf_size);
		return -EINVAL;
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
	if (grow((void **)&dec->sbs, &dec->cap_sbs, dec->nr_sbs + 1, sizeof(*sb)))
		return -ENOMEM;
	sb = &dec->sbs[dec->nr_sbs++];
	memset(sb, 0, sizeof(*sb));
	sb->off = off;
	sb->session = dec->nr_sessions - 1;
	sb->cpu = h.cpu;
	sb->lane = h.lane;
	sb->avail = h.commit;
	if (h.commit > left - SB_HDR_SIZE) {
		/* Keep what is there: complete records before the cut decode. */
		sb->avail = (uint32_t)(left - SB_HDR_SIZE);
		sb->partial = 1;
		dec_error(dec, RTRACE_DEC_TRUNCATED, off,
			  "sub-buffer of %u record bytes cut after %u", h.commit, sb->avail);
		return -EINVAL;
	}
	return (int64_t)(SB_HDR_SIZE + h.commit);
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

/* Group sub-buffers by lane and do the per-lane loss accounting. */
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
		struct rtrace_subbuf_hdr h;

		memcpy(&h, dec->buf + sb->off, sizeof(h));
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
			if (dec->sessions[sb->session].nr_lanes == 0)
				dec->sessions[sb->session].first_lane = dec->nr_lanes - 1;
			dec->sessions[sb->session].nr_lanes++;
		} else if (h.seq <= prev_seq) {
			dec_error(dec, RTRACE_DEC_BAD_SEQ, sb->off,
				  "cpu %u lane %s: seq %llu follows seq %llu", sb->cpu,
				  rtrace_lane__name(sb->lane), (unsigned long long)h.seq,
				  (unsigned long long)prev_seq);
		} else {
			li->seq_missing = sat_add(li->seq_missing, h.seq - prev_seq - 1);
		}
		prev_seq = h.seq;
		sb->lane_idx = dec->nr_lanes - 1;
		li->last_seq = h.seq;
		li->subbufs++;
		li->bytes += sb->avail;
		for (c = 0; c < RTRACE_NR_LOST; c++)
			li->lost[c] = sat_add(li->lost[c], h.lost[c]);
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
 * an error (the rest of the sub-buffer is then skipped).
 */
static int parse_record(struct rtrace_decoder *dec, struct dec_cursor *c)
{
	const struct dec_session *s = &dec->sessions[c->sb->session];
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

	c->ts += delta;		/* wraps like the writer's u64 arithmetic */
	ev->offset = off;
	ev->session = c->sb->session;
	ev->cpu = c->sb->cpu;
	ev->lane = c->sb->lane;
	ev->type = (uint32_t)type;
	ev->ts = c->ts;
	ev->ts_ns = rtrace_clock__to_ns(&s->hdr, c->ts);
	ev->nr_args = n;
	ev->desc = find_type(s, (uint32_t)type);
	ev->seq = c->hdr.seq;
	c->p = p;
	return 0;
}

/* Move @c to its next event. Return: 1 if c->ev holds one, 0 at the end. */
static int cursor_next(struct rtrace_decoder *dec, struct dec_cursor *c)
{
	for (;;) {
		if (!c->in_sb) {
			size_t idx;

			if (c->pos >= c->end)
				return 0;
			idx = c->list ? c->list[c->pos] : c->pos;
			c->pos++;
			c->sb = &dec->sbs[idx];
			memcpy(&c->hdr, dec->buf + c->sb->off, sizeof(c->hdr));
			c->p = dec->buf + c->sb->off + SB_HDR_SIZE;
			c->rec_end = c->p + c->sb->avail;
			c->ts = c->hdr.ts_base;
			c->nr_seen = 0;
			c->in_sb = 1;
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

/* Heap order: timestamp, then cpu, then lane (deterministic ties). */
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

	if (dec->done)
		return 0;
	if (dec->order == RTRACE_ORDER_STREAM) {
		if (!cursor_next(dec, &dec->cursors[0])) {
			dec->done = 1;
			return 0;
		}
		*ev = dec->cursors[0].ev;
		return 1;
	}
	if (!dec->heap_n && !merge_load_session(dec)) {
		dec->done = 1;
		return 0;
	}
	c = dec->heap[0];
	*ev = c->ev;
	if (!cursor_next(dec, c))
		dec->heap[0] = dec->heap[--dec->heap_n];
	if (dec->heap_n)
		heap_down(dec, 0);
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
	if (dec->map)
		munmap(dec->map, dec->map_len);
	free(dec);
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
		for (c = 0; c < RTRACE_NR_LOST; c++)
			sum->lost[c] = sat_add(sum->lost[c], l->lost[c]);
	}
}
