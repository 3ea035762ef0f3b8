/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stream ENCODER written from uapi/linux/rtrace.h alone, independent of
 * the kernel's writer and of librtrace (it has its own bitwise CRC32C): the
 * tests check the decoder against the specification through it, and the
 * fuzz seed corpus is made with it.  It can also play a "future" writer of
 * a later minor version: larger stream header, sub-buffer headers and event
 * descriptions, and more loss causes, exactly as the uapi's growth rules
 * allow.
 */
#ifndef _RTRACE_TEST_ENCODER_H
#define _RTRACE_TEST_ENCODER_H

#include <stddef.h>
#include <stdint.h>
#include <linux/rtrace.h>

/* Layout of the current session's sub-buffers (set by enc_stream_hdr()). */
struct enc_layout {
	uint32_t sb_hdr_size;
	uint32_t lost_offset;
	uint32_t nr_lost;
};

struct enc {
	uint8_t *buf;
	size_t len;
	size_t cap;
	struct enc_layout l;
};

/* Parameters of a stream header; zero fields get sensible defaults. */
struct enc_stream {
	uint32_t nr_cpus;
	uint32_t nr_lanes;
	uint32_t subbuf_size;
	uint32_t subbufs_per_lane;
	uint32_t clock;
	uint32_t clock_shift;
	uint64_t clock_mult;
	uint64_t clock_zero_cyc;
	uint64_t clock_zero_ns;
	uint64_t session_id;
	uint32_t flags;		/* RTRACE_STREAM_* */
	uint32_t config_flags;	/* RTRACE_CONFIG_* */
	const struct rtrace_event_desc *descs;
	uint32_t nr_descs;
	/* A future writer: bytes a later minor adds (multiples of 8), and more causes. */
	uint16_t version_major;	/* 0: RTRACE_ABI_VERSION_MAJOR */
	uint16_t version_minor;
	uint32_t extra_hdr;	/* after struct rtrace_stream_hdr, before the table */
	uint32_t extra_tail;	/* after the table, inside the unit */
	uint32_t extra_desc;	/* after each struct rtrace_event_desc */
	uint32_t extra_sb;	/* in each sub-buffer header, before lost[] */
	uint32_t extra_lost;	/* loss causes beyond RTRACE_NR_LOST */
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
/* CRC32C, bitwise, from the uapi's definition. */
uint32_t enc_crc32c(uint32_t crc, const void *p, size_t n);
/* Returns the offset of the header. */
size_t enc_stream_hdr(struct enc *e, const struct enc_stream *p);
/*
 * A sub-buffer with @nr records whose deltas are taken against @ts_base;
 * @lost has RTRACE_NR_LOST entries (or NULL), @lost_extra the future
 * writer's extra causes (or NULL).  Returns the offset of its header; the
 * header fields can be patched after (ENC_SB_PATCH reseals the CRC).
 */
size_t enc_subbuf(struct enc *e, uint32_t cpu, uint8_t lane, uint64_t seq, uint64_t ts_base,
		  const uint64_t *lost, struct enc_rec *recs, size_t nr);
size_t enc_subbuf_x(struct enc *e, uint32_t cpu, uint8_t lane, uint64_t seq, uint64_t ts_base,
		    const uint64_t *lost, const uint64_t *lost_extra, uint8_t flags,
		    struct enc_rec *recs, size_t nr);
/*
 * Patch the sub-buffer header at @off (possibly unaligned in the stream):
 * ENC_SB_PATCH(e, off, h, h.cpu = 7) copies the fields up to lost[] out to
 * h, runs the statement, copies them back and recomputes the CRC, so the
 * decoder meets the patched value and not a CRC mismatch.
 */
void enc_sb_get(const struct enc *e, size_t off, struct rtrace_subbuf_hdr *h);
void enc_sb_put(struct enc *e, size_t off, const struct rtrace_subbuf_hdr *h);
#define ENC_SB_PATCH(e, off, h, stmt) do {				\
		struct rtrace_subbuf_hdr h;				\
		enc_sb_get((e), (off), &h);				\
		stmt;							\
		enc_sb_put((e), (off), &h);				\
	} while (0)
/* Recompute the CRC of the unit at @off / of every unit (after patching bytes). */
void enc_seal(struct enc *e, size_t off);
void enc_seal_all(struct enc *e);
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
