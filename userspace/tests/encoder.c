// SPDX-License-Identifier: GPL-2.0
/*
 * Test-side stream encoder following uapi/linux/rtrace.h (see encoder.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoder.h"

void enc_free(struct enc *e)
{
	free(e->buf);
	memset(e, 0, sizeof(*e));
}

void enc_bytes(struct enc *e, const void *p, size_t n)
{
	if (!n)
		return;
	if (e->len + n > e->cap) {
		size_t cap = e->cap ? e->cap : 4096;

		while (cap < e->len + n)
			cap *= 2;
		e->buf = realloc(e->buf, cap);
		if (!e->buf) {
			perror("encoder");
			exit(99);
		}
		e->cap = cap;
	}
	memcpy(e->buf + e->len, p, n);
	e->len += n;
}

size_t enc_varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >>= 7)
		n++;
	return n;
}

size_t enc_varint(struct enc *e, uint64_t v)
{
	uint8_t b[16];
	size_t n = enc_varint_len(v), i;

	/* Group i holds bits 7i..7i+6; all but the last carry the 0x80 flag. */
	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(((v >> (7 * i)) & 0x7f) | (i + 1 < n ? 0x80 : 0));
	enc_bytes(e, b, n);
	return n;
}

uint32_t enc_crc32c(uint32_t crc, const void *p, size_t n)
{
	const uint8_t *b = p;
	int k;

	crc = ~crc;
	while (n--) {
		crc ^= *b++;
		for (k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
	}
	return ~crc;
}

static uint32_t get32(const struct enc *e, size_t off)
{
	uint32_t v;

	memcpy(&v, e->buf + off, sizeof(v));
	return v;
}

static void put32(struct enc *e, size_t off, uint32_t v)
{
	memcpy(e->buf + off, &v, sizeof(v));
}

/* The CRC of @len bytes at @off with the 4 bytes at @off + @crc_at taken as zero. */
static void seal_unit(struct enc *e, size_t off, size_t len, size_t crc_at)
{
	put32(e, off + crc_at, 0);
	put32(e, off + crc_at, enc_crc32c(0, e->buf + off, len));
}

size_t enc_stream_hdr(struct enc *e, const struct enc_stream *p)
{
	uint32_t esize = (uint32_t)sizeof(struct rtrace_event_desc) + p->extra_desc;
	struct rtrace_stream_hdr h;
	size_t off = e->len, i;
	static const uint8_t zero[4096];

	memset(&h, 0, sizeof(h));
	h.magic = RTRACE_STREAM_MAGIC;
	h.version_major = p->version_major ? p->version_major : RTRACE_ABI_VERSION_MAJOR;
	h.version_minor = p->version_minor;
	h.size = (uint32_t)sizeof(h) + p->extra_hdr;
	h.event_table_offset = h.size;
	h.hdr_size = h.event_table_offset + p->nr_descs * esize + p->extra_tail;
	h.flags = p->flags;
	h.config_flags = p->config_flags;
	h.nr_cpus = p->nr_cpus ? p->nr_cpus : 2;
	h.nr_lanes = p->nr_lanes ? p->nr_lanes : RTRACE_NR_LANES;
	h.page_size = 4096;
	h.subbuf_size = p->subbuf_size ? p->subbuf_size : 4096;
	h.subbufs_per_lane = p->subbufs_per_lane ? p->subbufs_per_lane : 4;
	h.nr_lost = RTRACE_NR_LOST + p->extra_lost;
	h.subbuf_lost_offset = (uint32_t)offsetof(struct rtrace_subbuf_hdr, lost) + p->extra_sb;
	h.subbuf_hdr_size = h.subbuf_lost_offset + 8 * h.nr_lost;
	h.clock = p->clock ? p->clock : RTRACE_CLOCK_LOCAL;
	h.clock_shift = p->clock_shift;
	h.clock_mult = p->clock_mult ? p->clock_mult : 1;
	h.clock_zero_cyc = p->clock_zero_cyc;
	h.clock_zero_ns = p->clock_zero_ns;
	h.session_id = p->session_id;
	h.nr_event_descs = p->nr_descs;
	h.event_desc_size = esize;
	enc_bytes(e, &h, sizeof(h));
	/* A newer writer's fields: non-zero, so a decoder that read them would notice. */
	for (i = 0; i < p->extra_hdr; i++)
		enc_bytes(e, "\xa5", 1);
	for (i = 0; i < p->nr_descs; i++) {
		enc_bytes(e, &p->descs[i], sizeof(p->descs[i]));
		enc_bytes(e, zero, p->extra_desc);
	}
	enc_bytes(e, zero, p->extra_tail);
	e->l.sb_hdr_size = h.subbuf_hdr_size;
	e->l.lost_offset = h.subbuf_lost_offset;
	e->l.nr_lost = h.nr_lost;
	seal_unit(e, off, h.hdr_size, offsetof(struct rtrace_stream_hdr, crc));
	return off;
}

void enc_sb_get(const struct enc *e, size_t off, struct rtrace_subbuf_hdr *h)
{
	memset(h, 0, sizeof(*h));
	memcpy(h, e->buf + off, offsetof(struct rtrace_subbuf_hdr, lost));
	if (e->l.lost_offset + sizeof(h->lost) <= e->l.sb_hdr_size)
		memcpy(h->lost, e->buf + off + e->l.lost_offset, sizeof(h->lost));
}

void enc_sb_put(struct enc *e, size_t off, const struct rtrace_subbuf_hdr *h)
{
	memcpy(e->buf + off, h, offsetof(struct rtrace_subbuf_hdr, lost));
	if (e->l.lost_offset + sizeof(h->lost) <= e->l.sb_hdr_size)
		memcpy(e->buf + off + e->l.lost_offset, h->lost, sizeof(h->lost));
	enc_seal(e, off);
}

void enc_seal(struct enc *e, size_t off)
{
	uint32_t magic, len;

	if (off + 16 > e->len)
		return;
	magic = get32(e, off);
	if (magic == RTRACE_STREAM_MAGIC) {
		len = get32(e, off + offsetof(struct rtrace_stream_hdr, hdr_size));
		if (len >= sizeof(struct rtrace_stream_hdr) && off + len <= e->len)
			seal_unit(e, off, len, offsetof(struct rtrace_stream_hdr, crc));
	} else if (magic == RTRACE_SUBBUF_MAGIC) {
		uint16_t hsz;

		memcpy(&hsz, e->buf + off + offsetof(struct rtrace_subbuf_hdr, hdr_size), 2);
		len = get32(e, off + offsetof(struct rtrace_subbuf_hdr, commit));
		if (hsz >= offsetof(struct rtrace_subbuf_hdr, lost) &&
		    (uint64_t)off + hsz + len <= e->len)
			seal_unit(e, off, hsz + len, offsetof(struct rtrace_subbuf_hdr, crc));
	}
}

void enc_seal_all(struct enc *e)
{
	size_t off = 0;

	while (off + 16 <= e->len) {
		uint32_t magic = get32(e, off), len;
		uint16_t hsz;

		enc_seal(e, off);
		if (magic == RTRACE_STREAM_MAGIC) {
			len = get32(e, off + offsetof(struct rtrace_stream_hdr, hdr_size));
		} else if (magic == RTRACE_SUBBUF_MAGIC) {
			memcpy(&hsz, e->buf + off + offsetof(struct rtrace_subbuf_hdr, hdr_size), 2);
			len = hsz + get32(e, off + offsetof(struct rtrace_subbuf_hdr, commit));
		} else {
			return;
		}
		if (!len || len > e->len - off)
			return;
		off += len;
	}
}

size_t enc_subbuf(struct enc *e, uint32_t cpu, uint8_t lane, uint64_t seq, uint64_t ts_base,
		  const uint64_t *lost, struct enc_rec *recs, size_t nr)
{
	return enc_subbuf_x(e, cpu, lane, seq, ts_base, lost, NULL, 0, recs, nr);
}

size_t enc_subbuf_x(struct enc *e, uint32_t cpu, uint8_t lane, uint64_t seq, uint64_t ts_base,
		    const uint64_t *lost, const uint64_t *lost_extra, uint8_t flags,
		    struct enc_rec *recs, size_t nr)
{
	struct rtrace_subbuf_hdr h;
	size_t off = e->len, i, j;
	uint64_t prev = ts_base, v;
	static const uint8_t zero[4096];

	if (!e->l.sb_hdr_size) {	/* no stream header yet: today's layout */
		e->l.sb_hdr_size = sizeof(h);
		e->l.lost_offset = offsetof(struct rtrace_subbuf_hdr, lost);
		e->l.nr_lost = RTRACE_NR_LOST;
	}
	memset(&h, 0, sizeof(h));
	h.magic = RTRACE_SUBBUF_MAGIC;
	h.hdr_size = (uint16_t)e->l.sb_hdr_size;
	h.nr_events = (uint32_t)nr;
	h.cpu = cpu;
	h.lane = lane;
	h.flags = flags;
	h.seq = seq;
	h.ts_base = ts_base;
	enc_bytes(e, &h, offsetof(struct rtrace_subbuf_hdr, lost));
	/* A future writer's fields before lost[]: non-zero. */
	for (i = offsetof(struct rtrace_subbuf_hdr, lost); i < e->l.lost_offset; i++)
		enc_bytes(e, "\x5a", 1);
	for (i = 0; i < e->l.nr_lost; i++) {
		v = i < RTRACE_NR_LOST ? (lost ? lost[i] : 0) :
		    (lost_extra ? lost_extra[i - RTRACE_NR_LOST] : 0);
		enc_bytes(e, &v, sizeof(v));
	}
	enc_bytes(e, zero, e->l.sb_hdr_size - (e->len - off));
	for (i = 0; i < nr; i++) {
		struct enc_rec *r = &recs[i];

		enc_varint(e, ((uint64_t)r->type << 4) | r->nargs);
		enc_varint(e, r->ts - prev);
		prev = r->ts;
		if (r->nargs == RTRACE_REC_RAW) {
			enc_varint(e, r->raw_len);
			enc_bytes(e, r->raw, r->raw_len);
		} else {
			for (j = 0; j < r->nargs; j++)
				enc_varint(e, r->args[j]);
		}
		r->end = e->len;
	}
	put32(e, off + offsetof(struct rtrace_subbuf_hdr, commit),
	      (uint32_t)(e->len - off - e->l.sb_hdr_size));
	enc_seal(e, off);
	return off;
}

void enc_desc(struct rtrace_event_desc *d, uint32_t id, const char *name, int nr_fields, ...)
{
	va_list ap;
	int i;

	memset(d, 0, sizeof(*d));
	d->id = id;
	d->nr_fields = (uint16_t)nr_fields;
	snprintf(d->name, sizeof(d->name), "%s", name);
	va_start(ap, nr_fields);
	for (i = 0; nr_fields != RTRACE_REC_RAW && i < nr_fields; i++) {
		const char *fname = va_arg(ap, const char *);

		snprintf(d->fields[i].name, sizeof(d->fields[i].name), "%s", fname);
		d->fields[i].type = (uint8_t)va_arg(ap, int);
	}
	va_end(ap);
}
