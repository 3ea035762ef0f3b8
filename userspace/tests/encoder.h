/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stream ENCODER written from uapi/linux/rtrace.h alone, independent of
 * the kernel's writer and of librtrace: the tests check the decoder against
 * the specification through it, and the fuzz seed corpus is made with it.
 */
#ifndef _RTRACE_TEST_ENCODER_H
#define _RTRACE_TEST_ENCODER_H

#include <stddef.h>
#include <stdint.h>
#include <linux/rtrace.h>

struct enc {
	uint8_t *buf;
	size_t len;
	size_t cap;
};

/* Parameters of a stream header; zero fields get sensible defaults. */
struct enc_stream {
	uint32_t nr_cpus;
	uint32_t nr_lanes;
	uint32_t subbuf_size;
	uint32_t clock;
	uint32_t clock_shift;
	uint64_t clock_mult;
	uint64_t clock_zero_cyc;
	uint64_t clock_zero_ns;
	uint64_t session_id;
	const struct rtrace_event_desc *descs;
	uint32_t nr_descs;
};

/* One record to encode: nargs 0..14 varint args, or RTRACE_REC_RAW with raw bytes. */
struct enc_rec {
	uint32_t type;
	uint32_t nargs;
	uint64_t args[RTRACE_REC_MAX_ARGS];
	const void *raw;
	size_t raw_len;
	uint64_t ts;		/* absolute; must not go below the previous one */
	size_t end;		/* out: offset just past the record in the stream */
};

void enc_free(struct enc *e);
void enc_bytes(struct enc *e, const void *p, size_t n);
/* Unsigned LEB128, written here independently of the library's codec. */
size_t enc_varint(struct enc *e, uint64_t v);
size_t enc_varint_len(uint64_t v);
/* Returns the offset of the header. */
size_t enc_stream_hdr(struct enc *e, const struct enc_stream *p);
/*
 * A sub-buffer with @nr records whose deltas are taken against @ts_base.
 * Returns the offset of its header; the header fields can be patched after.
 */
size_t enc_subbuf(struct enc *e, uint16_t cpu, uint8_t lane, uint64_t seq, uint64_t ts_base,
		  const uint64_t *lost, struct enc_rec *recs, size_t nr);
/*
 * Patch the sub-buffer header at @off (possibly unaligned in the stream):
 * ENC_SB_PATCH(e, off, h, h.cpu = 7) copies it out to h, runs the
 * statement, and copies it back.
 */
void enc_sb_get(const struct enc *e, size_t off, struct rtrace_subbuf_hdr *h);
void enc_sb_put(struct enc *e, size_t off, const struct rtrace_subbuf_hdr *h);
#define ENC_SB_PATCH(e, off, h, stmt) do {				\
		struct rtrace_subbuf_hdr h;				\
		enc_sb_get((e), (off), &h);				\
		stmt;							\
		enc_sb_put((e), (off), &h);				\
	} while (0)
/* An event description. */
void enc_desc(struct rtrace_event_desc *d, uint32_t id, const char *name, int nr_fields, ...);

/* Deterministic PRNG for the tests. */
static inline uint64_t enc_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

#endif /* _RTRACE_TEST_ENCODER_H */
