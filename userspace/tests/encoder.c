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

size_t enc_stream_hdr(struct enc *e, const struct enc_stream *p)
{
	struct rtrace_stream_hdr h;
	size_t off = e->len;

	memset(&h, 0, sizeof(h));
	h.magic = RTRACE_STREAM_MAGIC;
	h.hdr_size = (uint32_t)(sizeof(h) + p->nr_descs * sizeof(struct rtrace_event_desc));
	h.abi_version = RTRACE_ABI_VERSION;
	h.nr_cpus = p->nr_cpus ? p->nr_cpus : 2;
	h.page_size = 4096;
	h.subbuf_size = p->subbuf_size ? p->subbuf_size : 4096;
	h.nr_lanes = p->nr_lanes ? p->nr_lanes : RTRACE_NR_LANES;
	h.clock = p->clock ? p->clock : RTRACE_CLOCK_LOCAL;
	h.clock_shift = p->clock_shift;
	h.clock_mult = p->clock_mult ? p->clock_mult : 1;
	h.clock_zero_cyc = p->clock_zero_cyc;
	h.clock_zero_ns = p->clock_zero_ns;
	h.session_id = p->session_id;
	h.nr_event_descs = p->nr_descs;
	h.event_desc_size = sizeof(struct rtrace_event_desc);
	enc_bytes(e, &h, sizeof(h));
	if (p->nr_descs)
		enc_bytes(e, p->descs, p->nr_descs * sizeof(struct rtrace_event_desc));
	return off;
}

void enc_sb_get(const struct enc *e, size_t off, struct rtrace_subbuf_hdr *h)
{
	memcpy(h, e->buf + off, sizeof(*h));
}

void enc_sb_put(struct enc *e, size_t off, const struct rtrace_subbuf_hdr *h)
{
	memcpy(e->buf + off, h, sizeof(*h));
}

size_t enc_subbuf(struct enc *e, uint16_t cpu, uint8_t lane, uint64_t seq, uint64_t ts_base,
		  const uint64_t *lost, struct enc_rec *recs, size_t nr)
{
	struct rtrace_subbuf_hdr h;
	size_t off = e->len, i, j;
	uint64_t prev = ts_base;

	memset(&h, 0, sizeof(h));
	h.magic = RTRACE_SUBBUF_MAGIC;
	h.nr_events = (uint32_t)nr;
	h.cpu = cpu;
	h.lane = lane;
	h.seq = seq;
	h.ts_base = ts_base;
	if (lost)
		memcpy(h.lost, lost, sizeof(h.lost));
	enc_bytes(e, &h, sizeof(h));
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
	ENC_SB_PATCH(e, off, x, x.commit = (uint32_t)(e->len - off - sizeof(h)));
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
