// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of librtrace: the varint codec, zigzag, clock conversion, and
 * the decoder on streams made by the independent test encoder (encoder.c):
 * valid streams, merge order, concatenated sessions, cuts at every offset,
 * and every class of corruption with its error code and offset.
 * Prints TAP 13.  Argument: optional prefix for the test names.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rtrace.h"
#include "encoder.h"
#include "tap.h"

#define SB()	sizeof(struct rtrace_subbuf_hdr)
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------ helpers */

struct decoded {
	struct rtrace_decoder *dec;
	struct rtrace_event ev[256];
	size_t n;
	struct rtrace_decode_error err;
};

/* Decode @e fully in @order; the decoder stays open in d->dec. */
static void decode_all(struct decoded *d, const struct enc *e, int order)
{
	struct rtrace_decoder_opts o = { .sz = sizeof(o), .order = order };
	struct rtrace_event ev;

	d->n = 0;
	d->dec = rtrace_decoder__new(e->buf, e->len, &o);
	CHECK(d->dec);
	if (!d->dec)
		return;
	while (rtrace_decoder__next(d->dec, &ev) == 1) {
		if (d->n < ARRAY_LEN(d->ev))
			d->ev[d->n] = ev;
		d->n++;
	}
	d->err = *rtrace_decoder__error(d->dec);
}

static void decoded_free(struct decoded *d)
{
	rtrace_decoder__free(d->dec);
	d->dec = NULL;
}

/* The standard test table: every type a test record uses is described. */
#define T_ONE	(RTRACE_EV_FIRST_USER + 2)	/* one U64 field */
#define T_WIDE	(RTRACE_EV_FIRST_USER + 3)	/* fourteen fields */
#define NDESCS	5

static struct rtrace_event_desc g_descs[NDESCS];

static void std_descs(void)
{
	enc_desc(&g_descs[0], RTRACE_EV_FIRST_USER, "sched_switch", 5,
		 "prev_pid", RTRACE_FIELD_U64, "prev_prio", RTRACE_FIELD_S64,
		 "prev_state", RTRACE_FIELD_HEX, "next_pid", RTRACE_FIELD_U64,
		 "next_prio", RTRACE_FIELD_S64);
	enc_desc(&g_descs[1], RTRACE_EV_FIRST_USER + 1, "blob", RTRACE_REC_RAW);
	enc_desc(&g_descs[2], RTRACE_EV_TEST, "test", 0);
	enc_desc(&g_descs[3], T_ONE, "one", 1, "a", RTRACE_FIELD_U64);
	enc_desc(&g_descs[4], T_WIDE, "wide", 14, "f0", RTRACE_FIELD_U64, "f1", RTRACE_FIELD_U64,
		 "f2", RTRACE_FIELD_U64, "f3", RTRACE_FIELD_U64, "f4", RTRACE_FIELD_U64,
		 "f5", RTRACE_FIELD_U64, "f6", RTRACE_FIELD_U64, "f7", RTRACE_FIELD_U64,
		 "f8", RTRACE_FIELD_U64, "f9", RTRACE_FIELD_U64, "f10", RTRACE_FIELD_U64,
		 "f11", RTRACE_FIELD_U64, "f12", RTRACE_FIELD_U64, "f13", RTRACE_FIELD_HEX);
}

static size_t std_hdr_flags(struct enc *e, uint64_t session_id, uint32_t config_flags,
			    uint32_t flags)
{
	struct enc_stream p = { .nr_cpus = 4, .subbuf_size = 4096, .session_id = session_id,
				.descs = g_descs, .nr_descs = NDESCS, .subbufs_per_lane = 4,
				.config_flags = config_flags, .flags = flags };

	return enc_stream_hdr(e, &p);
}

static size_t std_hdr(struct enc *e, uint64_t session_id)
{
	return std_hdr_flags(e, session_id, 0, 0);
}

static struct enc_rec rec_args(uint32_t type, uint64_t ts, unsigned int n, ...)
{
	struct enc_rec r;
	va_list ap;
	unsigned int i;

	memset(&r, 0, sizeof(r));
	r.type = type;
	r.ts = ts;
	r.nargs = n;
	va_start(ap, n);
	for (i = 0; i < n; i++)
		r.args[i] = va_arg(ap, uint64_t);
	va_end(ap);
	return r;
}

/* --------------------------------------------------------------- varint */

static void test_varint_roundtrip(void)
{
	static const uint64_t vals[] = {
		0, 1, 127, 128, 255, 300, 16383, 16384, (1ull << 21) - 1, 1ull << 21,
		(1ull << 28), (1ull << 35) - 1, (1ull << 49), (1ull << 56) - 1, 1ull << 56,
		(1ull << 63) - 1, 1ull << 63, UINT64_MAX,
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(vals); i++) {
		struct enc e = { 0 };
		uint8_t out[RTRACE_REC_MAX_VARINT];
		uint64_t v = 12345;
		int n;

		/* Library encoder agrees byte for byte with the independent one. */
		enc_varint(&e, vals[i]);
		n = rtrace_varint__encode(vals[i], out);
		CHECK_EQ(n, e.len);
		CHECK(!memcmp(out, e.buf, e.len));
		CHECK(n >= 1 && n <= RTRACE_REC_MAX_VARINT);
		/* Decodes back from exactly its bytes, and not from one fewer. */
		CHECK_EQ(rtrace_varint__decode(e.buf, e.len, &v), e.len);
		CHECK_EQ(v, vals[i]);
		CHECK_EQ(rtrace_varint__decode(e.buf, e.len - 1, &v), -ENODATA);
		enc_free(&e);
	}
	CHECK_EQ(rtrace_varint__encode(UINT64_MAX, (uint8_t[10]){ 0 }), 10);
}

static void test_varint_malformed(void)
{
	uint8_t b[12];
	uint64_t v = 7;

	/* 10 bytes, the last carrying bit 63 only: the largest legal encoding. */
	memset(b, 0x80, 9);
	b[9] = 0x01;
	CHECK_EQ(rtrace_varint__decode(b, 10, &v), 10);
	CHECK_EQ(v, 1ull << 63);
	/* 10th byte with bits beyond 63. */
	b[9] = 0x02;
	CHECK_EQ(rtrace_varint__decode(b, 10, &v), -EOVERFLOW);
	/* 11 bytes: continuation flag on the 10th. */
	memset(b, 0x80, 11);
	b[11] = 0;
	CHECK_EQ(rtrace_varint__decode(b, 12, &v), -EOVERFLOW);
	b[9] = 0x81;
	CHECK_EQ(rtrace_varint__decode(b, 12, &v), -EOVERFLOW);
	/* Truncated: continuation flag on the last byte available. */
	CHECK_EQ(rtrace_varint__decode(b, 3, &v), -ENODATA);
	CHECK_EQ(rtrace_varint__decode(b, 0, &v), -ENODATA);
	/* Not minimal but legal: 0x80 0x00 is 0. */
	b[0] = 0x80;
	b[1] = 0x00;
	CHECK_EQ(rtrace_varint__decode(b, 2, &v), 2);
	CHECK_EQ(v, 0);
	CHECK_EQ(v, 0);
}

static void test_zigzag(void)
{
	static const int64_t vals[] = { 0, -1, 1, -2, 2, 63, -64, INT64_MAX, INT64_MIN, -1000 };
	size_t i;

	CHECK_EQ(rtrace_varint__zigzag(0), 0);
	CHECK_EQ(rtrace_varint__zigzag(-1), 1);
	CHECK_EQ(rtrace_varint__zigzag(1), 2);
	CHECK_EQ(rtrace_varint__zigzag(-2), 3);
	CHECK_EQ(rtrace_varint__zigzag(INT64_MAX), UINT64_MAX - 1);
	CHECK_EQ(rtrace_varint__zigzag(INT64_MIN), UINT64_MAX);
	for (i = 0; i < ARRAY_LEN(vals); i++)
		CHECK(rtrace_varint__unzigzag(rtrace_varint__zigzag(vals[i])) == vals[i]);
}

static void test_clock_to_ns(void)
{
	struct rtrace_stream_hdr h = { 0 };

	/* LOCAL: already nanoseconds. */
	h.clock = RTRACE_CLOCK_LOCAL;
	h.clock_mult = 1;
	h.clock_zero_cyc = 1000;
	h.clock_zero_ns = 1000;
	CHECK_EQ(rtrace_clock__to_ns(&h, 123456789), 123456789);
	CHECK_EQ(rtrace_clock__to_ns(&h, 10), 10);	/* before zero */

	/* TSC at 2.5 GHz: mult/2^shift = 0.4 ns per cycle; product needs > 64 bits. */
	h.clock = RTRACE_CLOCK_TSC;
	h.clock_shift = 32;
	h.clock_mult = (uint64_t)(0.4 * 4294967296.0);	/* 1717986918 */
	h.clock_zero_cyc = 1ull << 40;
	h.clock_zero_ns = 5000000000ull;
	CHECK_EQ(rtrace_clock__to_ns(&h, h.clock_zero_cyc), 5000000000ull);
	CHECK_EQ(rtrace_clock__to_ns(&h, h.clock_zero_cyc + 2500000000ull),
		 5000000000ull + (uint64_t)(((unsigned __int128)2500000000ull * 1717986918u) >> 32));
	/* 2^44 cycles * mult overflows 64 bits: 2^44 * 0.4 ~= 7036874417766 ns. */
	CHECK_EQ(rtrace_clock__to_ns(&h, h.clock_zero_cyc + (1ull << 44)),
		 5000000000ull + (uint64_t)(((unsigned __int128)(1ull << 44) * 1717986918u) >> 32));
	CHECK(rtrace_clock__to_ns(&h, h.clock_zero_cyc + (1ull << 44)) > 5000000000ull +
	      7036874000000ull);
	/* Before clock zero: subtracted. */
	CHECK_EQ(rtrace_clock__to_ns(&h, h.clock_zero_cyc - 1000), 5000000000ull - 399);
}

/* ---------------------------------------------------------- valid streams */

static void test_decode_basic(void)
{
	static const uint8_t blob[5] = { 1, 2, 3, 0xfe, 0xff };
	uint64_t lost[RTRACE_NR_LOST] = { 3, 1, 0, 0, 2 };
	struct enc_rec r0[3], r1[1];
	struct decoded d;
	struct enc e = { 0 };
	const struct rtrace_lane_info *li;
	struct rtrace_lane_info tot;

	std_descs();
	std_hdr(&e, 42);
	r0[0] = rec_args(RTRACE_EV_FIRST_USER, 1000, 5, 4321ull, rtrace_varint__zigzag(-20),
			 0x1ull, 1234ull, rtrace_varint__zigzag(120));
	r0[1] = rec_args(RTRACE_EV_FIRST_USER + 1, 1500, 0);
	r0[1].nargs = RTRACE_REC_RAW;
	r0[1].raw = blob;
	r0[1].raw_len = sizeof(blob);
	r0[2] = rec_args(RTRACE_EV_TEST, 1500, 0);
	r1[0] = rec_args(T_WIDE, 1200, 14, 1ull, 2ull, 3ull, 4ull, 5ull, 6ull, 7ull, 8ull, 9ull,
			 10ull, 11ull, 12ull, 13ull, UINT64_MAX);
	enc_subbuf(&e, 0, RTRACE_LANE_TASK, 0, 900, lost, r0, 3);
	enc_subbuf(&e, 1, RTRACE_LANE_NMI, 0, 1100, NULL, r1, 1);

	decode_all(&d, &e, RTRACE_ORDER_MERGED);
	CHECK_EQ(d.err.code, RTRACE_DEC_OK);
	CHECK_EQ(d.n, 4);
	CHECK_EQ(rtrace_decoder__nr_sessions(d.dec), 1);
	CHECK_EQ(rtrace_decoder__session(d.dec, 0)->session_id, 42);
	CHECK_EQ(rtrace_decoder__valid_bytes(d.dec), e.len);
	/* Merged: 1000 (cpu0), 1200 (cpu1), 1500 (cpu0) x2. */
	CHECK_EQ(d.ev[0].ts, 1000);
	CHECK_EQ(d.ev[0].cpu, 0);
	CHECK(d.ev[0].desc && !strcmp(d.ev[0].desc->name, "sched_switch"));
	CHECK_EQ(d.ev[0].nr_args, 5);
	CHECK_EQ(d.ev[0].args[0], 4321);
	CHECK(rtrace_event__arg_s64(&d.ev[0], 1) == -20);
	CHECK(rtrace_event__arg_s64(&d.ev[0], 4) == 120);
	CHECK(d.ev[0].desc && d.ev[0].desc->fields[2].type == RTRACE_FIELD_HEX);
	CHECK_EQ(d.ev[0].offset, sizeof(struct rtrace_stream_hdr) + NDESCS * sizeof(g_descs[0]) + SB());
	CHECK_EQ(d.ev[0].packet_offset, sizeof(struct rtrace_stream_hdr) + NDESCS * sizeof(g_descs[0]));
	CHECK_EQ(d.ev[1].ts, 1200);
	CHECK_EQ(d.ev[1].cpu, 1);
	CHECK_EQ(d.ev[1].lane, RTRACE_LANE_NMI);
	CHECK_EQ(d.ev[1].type, T_WIDE);
	CHECK(d.ev[1].desc && d.ev[1].desc->fields[13].type == RTRACE_FIELD_HEX);
	CHECK_EQ(d.ev[1].nr_args, 14);
	CHECK_EQ(d.ev[1].args[13], UINT64_MAX);
	CHECK_EQ(d.ev[2].nr_args, RTRACE_REC_RAW);
	CHECK_EQ(d.ev[2].raw_len, 5);
	CHECK(d.ev[2].raw && !memcmp(d.ev[2].raw, blob, 5));
	CHECK(d.ev[2].desc && !strcmp(d.ev[2].desc->name, "blob"));
	CHECK_EQ(d.ev[3].type, RTRACE_EV_TEST);
	CHECK_EQ(d.ev[3].nr_args, 0);
	CHECK_EQ(d.ev[3].ts_ns, 1500);

	CHECK_EQ(rtrace_decoder__nr_lanes(d.dec), 2);
	li = rtrace_decoder__lane(d.dec, 0);
	CHECK(li && li->cpu == 0 && li->lane == RTRACE_LANE_TASK);
	CHECK(li && li->events == 3 && li->lost[RTRACE_LOST_FULL] == 3 &&
	      li->lost[RTRACE_LOST_OVERWRITTEN] == 2);
	CHECK(rtrace_decoder__lane(d.dec, 2) == NULL);
	rtrace_decoder__totals(d.dec, &tot);
	CHECK_EQ(tot.events, 4);
	CHECK_EQ(tot.subbufs, 2);
	CHECK_EQ(tot.lost[RTRACE_LOST_RECURSION], 1);
	/* Event table: exactly what the stream describes, no builtins of the library's own. */
	CHECK_EQ(rtrace_decoder__nr_event_types(d.dec, 0), NDESCS);
	CHECK(rtrace_decoder__event_type(d.dec, 0, RTRACE_EV_TEST_RAW) == NULL);
	CHECK(rtrace_decoder__event_type(d.dec, 1, RTRACE_EV_TEST) == NULL);
	decoded_free(&d);

	/* Stream order: as stored. */
	decode_all(&d, &e, RTRACE_ORDER_STREAM);
	CHECK_EQ(d.n, 4);
	CHECK_EQ(d.ev[0].ts, 1000);
	CHECK_EQ(d.ev[1].ts, 1500);
	CHECK_EQ(d.ev[2].ts, 1500);
	CHECK_EQ(d.ev[3].ts, 1200);
	CHECK_EQ(d.err.code, RTRACE_DEC_OK);
	decoded_free(&d);
	enc_free(&e);
}

static void test_header_only_and_empty(void)
{
	struct decoded d;
	struct enc e = { 0 };

	decode_all(&d, &e, RTRACE_ORDER_MERGED);
	CHECK_EQ(d.n, 0);
	CHECK_EQ(d.err.code, RTRACE_DEC_EMPTY);
	decoded_free(&d);

	std_descs();
	std_hdr(&e, 1);
	decode_all(&d, &e, RTRACE_ORDER_MERGED);
	CHECK_EQ(d.n, 0);
	CHECK_EQ(d.err.code, RTRACE_DEC_OK);
	CHECK_EQ(rtrace_decoder__nr_errors(d.dec), 0);
	decoded_free(&d);
	enc_free(&e);
}

/*
 * Random streams: nr_cpus x lanes, several sub-buffers per lane written in a
 * random interleaving.  Merged order must be sorted by (ts, cpu, lane), keep
 * each lane's own order, and hold every event once.
 */
static void test_merge_order(void)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	int round;

	for (round = 0; round < 20; round++) {
		uint64_t lane_ts[4][RTRACE_NR_LANES] = { { 0 } };
		uint64_t lane_seq[4][RTRACE_NR_LANES] = { { 0 } };
		uint64_t lane_sb[4][RTRACE_NR_LANES] = { { 0 } };
		uint64_t total = 0, prev_key = 0, i;
		struct enc e = { 0 };
		struct enc_stream p = { .nr_cpus = 4, .subbuf_size = 1 << 16, .session_id = 7,
					.descs = g_descs, .nr_descs = NDESCS };
		struct rtrace_decoder *dec;
		struct rtrace_event ev;
		int nsb = 1 + (int)(enc_rand(&seed) % 40), sbi, ok = 1;
		uint64_t last_in_lane[4][RTRACE_NR_LANES];

		std_descs();
		enc_stream_hdr(&e, &p);
		for (sbi = 0; sbi < nsb; sbi++) {
			unsigned int cpu = (unsigned int)(enc_rand(&seed) % 4);
			unsigned int lane = (unsigned int)(enc_rand(&seed) % RTRACE_NR_LANES);
			size_t nr = (size_t)(enc_rand(&seed) % 30), k;
			struct enc_rec recs[30];
			uint64_t base = lane_ts[cpu][lane] + enc_rand(&seed) % 1000;

			lane_ts[cpu][lane] = base;
			for (k = 0; k < nr; k++) {
				/* Equal timestamps happen too: small deltas incl. 0. */
				lane_ts[cpu][lane] += enc_rand(&seed) % 5 ? enc_rand(&seed) % 3000 : 0;
				/* arg0 = (cpu, lane, index in lane) to check per-lane order. */
				recs[k] = rec_args(T_ONE, lane_ts[cpu][lane], 1,
						   ((uint64_t)cpu << 40) | ((uint64_t)lane << 32) |
						   (lane_seq[cpu][lane]++));
			}
			enc_subbuf(&e, cpu, (uint8_t)lane, lane_sb[cpu][lane]++, base, NULL, recs, nr);
			total += nr;
		}
		memset(last_in_lane, 0xff, sizeof(last_in_lane));
		dec = rtrace_decoder__new(e.buf, e.len, NULL);
		CHECK(dec);
		if (!dec) {
			enc_free(&e);
			continue;
		}
		for (i = 0; rtrace_decoder__next(dec, &ev) == 1; i++) {
			uint64_t idx = ev.args[0] & 0xffffffffu;
			uint64_t *last = &last_in_lane[ev.cpu][ev.lane];

			if (i && ev.ts < prev_key)
				ok = 0;
			prev_key = ev.ts;
			if ((ev.args[0] >> 40) != ev.cpu || ((ev.args[0] >> 32) & 0xff) != ev.lane)
				ok = 0;
			if (*last != UINT64_MAX && idx != *last + 1)
				ok = 0;
			if (*last == UINT64_MAX && idx != 0)
				ok = 0;
			*last = idx;
		}
		CHECK(ok);
		CHECK_EQ(i, total);
		CHECK_EQ(rtrace_decoder__error(dec)->code, RTRACE_DEC_OK);
		rtrace_decoder__free(dec);
		enc_free(&e);
	}
}

static void test_merge_ties(void)
{
	struct enc_rec a[2], b[2];
	struct decoded d;
	struct enc e = { 0 };

	std_descs();
	std_hdr(&e, 1);
	a[0] = rec_args(RTRACE_EV_TEST, 100, 0);
	a[1] = rec_args(RTRACE_EV_TEST, 100, 0);
	b[0] = rec_args(RTRACE_EV_TEST, 100, 0);
	b[1] = rec_args(RTRACE_EV_TEST, 100, 0);
	enc_subbuf(&e, 1, 0, 0, 100, NULL, a, 2);
	enc_subbuf(&e, 0, 2, 0, 100, NULL, b, 2);
	decode_all(&d, &e, RTRACE_ORDER_MERGED);
	CHECK_EQ(d.n, 4);
	/* Equal timestamps: cpu 0 before cpu 1. */
	CHECK(d.ev[0].cpu == 0 && d.ev[1].cpu == 0 && d.ev[2].cpu == 1 && d.ev[3].cpu == 1);
	decoded_free(&d);
	enc_free(&e);
}

static void test_concatenated_sessions(void)
{
	struct enc_rec r[2];
	struct decoded d;
	struct enc e = { 0 };
	uint64_t lost[RTRACE_NR_LOST] = { 0, 0, 0, 5, 0 };

	std_descs();
	std_hdr(&e, 100);
	r[0] = rec_args(T_ONE, 5000, 1, 1ull);
	r[1] = rec_args(T_ONE, 6000, 1, 2ull);
	enc_subbuf(&e, 0, 0, 0, 5000, NULL, r, 2);
	/* Second session: its clock restarts lower; it must still come after. */
	std_hdr(&e, 101);
	r[0] = rec_args(T_ONE, 10, 1, 3ull);
	r[1] = rec_args(T_ONE, 20, 1, 4ull);
	enc_subbuf(&e, 1, 0, 0, 0, lost, r, 1);
	enc_subbuf(&e, 0, 0, 0, 0, NULL, r + 1, 1);	/* seq 0 again: new session */
	decode_all(&d, &e, RTRACE_ORDER_MERGED);
	CHECK_EQ(d.err.code, RTRACE_DEC_OK);
	CHECK_EQ(rtrace_decoder__nr_sessions(d.dec), 2);
	CHECK_EQ(rtrace_decoder__session(d.dec, 1)->session_id, 101);
	CHECK_EQ(d.n, 4);
	CHECK(d.ev[0].args[0] == 1 && d.ev[1].args[0] == 2 && d.ev[2].args[0] == 3 &&
	      d.ev[3].args[0] == 4);
	CHECK(d.ev[0].session == 0 && d.ev[2].session == 1 && d.ev[3].session == 1);
	CHECK_EQ(rtrace_decoder__nr_lanes(d.dec), 3);
	CHECK(rtrace_decoder__lane(d.dec, 1)->session == 1 &&
	      rtrace_decoder__lane(d.dec, 1)->cpu == 0 &&
	      rtrace_decoder__lane(d.dec, 2)->lost[RTRACE_LOST_OFF] == 5);
	decoded_free(&d);
	enc_free(&e);
}

/*
 * Overwrite mode: sub-buffers 3, 4, 7, 8, 12 of one lane: 3 + 2 + 3 = 8
 * missing (the first three were overwritten too), no error; resumed by a
 * second consumer, the first three are not missing.
 */
static void test_seq_gaps(void)
{
	static const uint64_t seqs[] = { 3, 4, 7, 8, 12 };
	struct enc_rec r = rec_args(RTRACE_EV_TEST, 1, 0);
	uint64_t lost[RTRACE_NR_LOST] = { 0, 0, 0, 0, 10 };
	struct decoded d;
	struct enc e = { 0 };
	const struct rtrace_lane_info *li;
	size_t i;

	std_descs();
	std_hdr_flags(&e, 1, RTRACE_CONFIG_OVERWRITE, 0);
	for (i = 0; i < ARRAY_LEN(seqs); i++)
		enc_subbuf(&e, 2, 1, seqs[i], 0, lost, &r, 1);
	decode_all(&d, &e, RTRACE_ORDER_MERGED);
	CHECK_EQ(d.err.code, RTRACE_DEC_OK);
	CHECK_EQ(d.n, 5);
	li = rtrace_decoder__lane(d.dec, 0);
	CHECK(li != NULL);
	if (li) {
		CHECK_EQ(li->first_seq, 3);
		CHECK_EQ(li->last_seq, 12);
		CHECK_EQ(li->seq_missing, 8);
		CHECK_EQ(li->lost[RTRACE_LOST_OVERWRITTEN], 50);
		CHECK_EQ(li->subbufs, 5);
	}
	decoded_free(&d);
	enc_free(&e);

	std_hdr_flags(&e, 1, RTRACE_CONFIG_OVERWRITE, RTRACE_STREAM_RESUMED);
	for (i = 0; i < ARRAY_LEN(seqs); i++)
		enc_subbuf(&e, 2, 1, seqs[i], 0, lost, &r, 1);
	decode_all(&d, &e, RTRACE_ORDER_MERGED);
	CHECK_EQ(d.err.code, RTRACE_DEC_OK);
	li = rtrace_decoder__lane(d.dec, 0);
	CHECK(li && li->seq_missing == 5);
	decoded_free(&d);
	enc_free(&e);
}

/* A small stream, its record boundaries and sub-buffer boundaries. */
struct sample {
	struct enc e;
	size_t rec_end[64];
	size_t nr_recs;
	size_t sb_end[16];
	size_t nr_sbs;
	size_t hdr_end;
};

static void make_sample(struct sample *s)
{
	static const char raw[] = "0123456789abcdefghij";
	struct enc_rec r[6];
	int sb, k;

	memset(s, 0, sizeof(*s));
	std_descs();
	std_hdr(&s->e, 9);
	s->hdr_end = s->e.len;
	for (sb = 0; sb < 4; sb++) {
		for (k = 0; k < 6; k++) {
			r[k] = rec_args(RTRACE_EV_FIRST_USER, 100000 + sb * 1000 + k * 37, 5,
					1000ull + k, 120ull, 1ull << 40, 300000ull + k, 1ull);
			if (k == 3) {
				r[k].type = RTRACE_EV_FIRST_USER + 1;
				r[k].nargs = RTRACE_REC_RAW;
				r[k].raw = raw;
				r[k].raw_len = sizeof(raw) - 1;
			}
		}
		enc_subbuf(&s->e, (uint16_t)(sb & 1), 0, (uint64_t)(sb / 2), 100000 + sb * 1000,
			   NULL, r, 6);
		for (k = 0; k < 6; k++)
			s->rec_end[s->nr_recs++] = r[k].end;
		s->sb_end[s->nr_sbs++] = s->e.len;
	}
}

/*
 * Cut the sample at every length: never a crash; at a sub-buffer boundary
 * no error and every event before it; elsewhere a "truncated" error and
 * exactly the records that end before the cut (in stream order).
 */
static void test_truncate_everywhere(void)
{
	struct sample s;
	size_t cut, bad = 0, bad_err = 0;

	make_sample(&s);
	for (cut = 0; cut <= s.e.len; cut++) {
		struct rtrace_decoder_opts o = { .sz = sizeof(o), .order = RTRACE_ORDER_STREAM };
		struct rtrace_decoder *dec = rtrace_decoder__new(s.e.buf, cut, &o);
		struct rtrace_event ev;
		size_t n = 0, want = 0, i;
		int boundary = cut == s.hdr_end;
		int code;

		if (!dec) {
			bad++;
			continue;
		}
		while (rtrace_decoder__next(dec, &ev) == 1)
			n++;
		for (i = 0; i < s.nr_recs; i++)
			want += s.rec_end[i] <= cut;
		for (i = 0; i < s.nr_sbs; i++)
			boundary |= cut == s.sb_end[i];
		code = rtrace_decoder__error(dec)->code;
		if (n != want)
			bad++;
		if (boundary ? code != RTRACE_DEC_OK :
		    code != (cut ? RTRACE_DEC_TRUNCATED : RTRACE_DEC_EMPTY))
			bad_err++;
		if (!boundary && rtrace_decoder__nr_errors(dec) != 1)
			bad_err++;
		rtrace_decoder__free(dec);
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(bad_err, 0);
	enc_free(&s.e);
}

/* ------------------------------------------------------------ corruption */

/* Decode @e; expect error @code at @off, and @nev events. */
static void expect_error(const struct enc *e, int code, uint64_t off, size_t nev, const char *what)
{
	struct decoded d;
	int order;

	for (order = RTRACE_ORDER_MERGED; order <= RTRACE_ORDER_STREAM; order++) {
		decode_all(&d, e, order);
		if (d.err.code != code || d.err.offset != off || d.n != nev) {
			printf("# %s (order %d): got %s at %llu (%s), %zu events; want %s at %llu, %zu events\n",
			       what, order, rtrace_decode_code__name(d.err.code),
			       (unsigned long long)d.err.offset, d.err.msg, d.n,
			       rtrace_decode_code__name(code), (unsigned long long)off, nev);
			tap_cur_failed = 1;
		}
		decoded_free(&d);
	}
}

static void sample_copy(struct enc *dst, const struct sample *s, size_t len)
{
	memset(dst, 0, sizeof(*dst));
	enc_bytes(dst, s->e.buf, len);
}

static void test_corrupt_magic(void)
{
	struct sample s;
	struct enc e;

	make_sample(&s);
	/* Stream magic. */
	sample_copy(&e, &s, s.e.len);
	e.buf[0] ^= 1;
	expect_error(&e, RTRACE_DEC_BAD_MAGIC, 0, 0, "stream magic");
	enc_free(&e);
	/* Third sub-buffer's magic: the first two decode. */
	sample_copy(&e, &s, s.e.len);
	e.buf[s.sb_end[1]] ^= 0x10;
	expect_error(&e, RTRACE_DEC_BAD_MAGIC, s.sb_end[1], 12, "subbuf magic");
	enc_free(&e);
	/* A sub-buffer with no stream header before it. */
	sample_copy(&e, &s, 0);
	enc_bytes(&e, s.e.buf + s.hdr_end, s.e.len - s.hdr_end);
	expect_error(&e, RTRACE_DEC_BAD_MAGIC, 0, 0, "subbuf first");
	enc_free(&e);
	/* Stray bytes after the last sub-buffer. */
	sample_copy(&e, &s, s.e.len);
	enc_bytes(&e, "xy", 2);
	expect_error(&e, RTRACE_DEC_TRUNCATED, s.e.len, 24, "stray bytes");
	enc_free(&e);
	enc_free(&s.e);
}

static void test_corrupt_stream_hdr(void)
{
	struct rtrace_stream_hdr *h;
	struct sample s;
	struct enc e;

	make_sample(&s);
#define HDR_CASE(field, val, code, what) do {				\
		sample_copy(&e, &s, s.e.len);				\
		h = (struct rtrace_stream_hdr *)e.buf;			\
		h->field = (val);					\
		enc_seal(&e, 0);					\
		expect_error(&e, (code), 0, 0, what);			\
		enc_free(&e);						\
	} while (0)
	HDR_CASE(version_major, 1, RTRACE_DEC_BAD_VERSION, "abi version 1");
	HDR_CASE(version_major, 3, RTRACE_DEC_BAD_VERSION, "abi version 3");
	HDR_CASE(hdr_size, 120, RTRACE_DEC_BAD_STREAM_HDR, "hdr_size below size");
	HDR_CASE(hdr_size, 128 + 3 * 264, RTRACE_DEC_BAD_STREAM_HDR, "hdr_size < table");
	HDR_CASE(hdr_size, 0xfffffff8u, RTRACE_DEC_TRUNCATED, "hdr_size beyond input");
	HDR_CASE(hdr_size, 0xffffffffu, RTRACE_DEC_BAD_STREAM_HDR, "hdr_size not aligned");
	HDR_CASE(size, 120, RTRACE_DEC_BAD_STREAM_HDR, "size below the known header");
	HDR_CASE(event_table_offset, 120, RTRACE_DEC_BAD_STREAM_HDR, "table inside the header");
	HDR_CASE(nr_event_descs, 0x7fffffffu, RTRACE_DEC_BAD_STREAM_HDR, "huge nr_event_descs");
	HDR_CASE(event_desc_size, 100, RTRACE_DEC_BAD_STREAM_HDR, "short event_desc_size");
	HDR_CASE(nr_cpus, 0, RTRACE_DEC_BAD_STREAM_HDR, "nr_cpus 0");
	HDR_CASE(nr_lanes, 1000, RTRACE_DEC_BAD_STREAM_HDR, "nr_lanes 1000");
	HDR_CASE(nr_lanes, 250, RTRACE_DEC_BAD_STREAM_HDR, "nr_lanes 250");
	HDR_CASE(nr_lanes, 4, RTRACE_DEC_BAD_STREAM_HDR, "nr_lanes 4");
	HDR_CASE(nr_lost, 4, RTRACE_DEC_BAD_STREAM_HDR, "nr_lost 4");
	HDR_CASE(nr_lost, 7, RTRACE_DEC_BAD_STREAM_HDR, "nr_lost beyond the header");
	HDR_CASE(subbuf_hdr_size, 72, RTRACE_DEC_BAD_STREAM_HDR, "subbuf_hdr_size 72");
	HDR_CASE(subbuf_lost_offset, 32, RTRACE_DEC_BAD_STREAM_HDR, "lost[] over known fields");
	HDR_CASE(subbufs_per_lane, 1, RTRACE_DEC_BAD_STREAM_HDR, "one sub-buffer per lane");
	HDR_CASE(subbuf_size, 80, RTRACE_DEC_BAD_STREAM_HDR, "subbuf_size 80");
	HDR_CASE(clock, 0, RTRACE_DEC_BAD_STREAM_HDR, "clock 0");
	HDR_CASE(clock_shift, 64, RTRACE_DEC_BAD_STREAM_HDR, "clock_shift 64");
	HDR_CASE(clock_mult, 0, RTRACE_DEC_BAD_STREAM_HDR, "clock_mult 0");
#undef HDR_CASE
	/* Cut inside the event table. */
	sample_copy(&e, &s, s.hdr_end - 1);
	expect_error(&e, RTRACE_DEC_TRUNCATED, 0, 0, "cut in table");
	enc_free(&e);
	/* Damaged at rest: the CRC catches a changed name byte. */
	sample_copy(&e, &s, s.e.len);
	e.buf[sizeof(struct rtrace_stream_hdr) + 8] ^= 0x20;
	expect_error(&e, RTRACE_DEC_BAD_CRC, 0, 0, "stream header crc");
	enc_free(&e);
	enc_free(&s.e);
}

static void test_corrupt_event_table(void)
{
	struct rtrace_event_desc *d;
	struct sample s;
	struct enc e;
	size_t t0 = sizeof(struct rtrace_stream_hdr), dsz = sizeof(*d);

	make_sample(&s);
#define DESC_CASE(i, stmt, off, what) do {				\
		sample_copy(&e, &s, s.e.len);				\
		d = (struct rtrace_event_desc *)(e.buf + t0 + (i) * dsz);	\
		stmt;							\
		enc_seal(&e, 0);					\
		expect_error(&e, RTRACE_DEC_BAD_EVENT_TABLE, (off), 0, what);	\
		enc_free(&e);						\
	} while (0)
	DESC_CASE(1, d->id = 0, t0 + dsz, "desc id 0");
	DESC_CASE(2, d->id = 0x10000, t0 + 2 * dsz, "desc id > max");
	DESC_CASE(0, d->nr_fields = 16, t0, "nr_fields 16");
	DESC_CASE(0, d->fields[4].type = 0, t0, "field type 0");
	DESC_CASE(3, d->id = RTRACE_EV_FIRST_USER, t0, "duplicate id");
#undef DESC_CASE
	/* Unterminated, unprintable names are cut and made printable. */
	{
		struct decoded dd;

		sample_copy(&e, &s, s.e.len);
		d = (struct rtrace_event_desc *)(e.buf + t0);
		memset(d->name, 'A', sizeof(d->name));
		d->name[3] = '\n';
		memset(d->fields[0].name, 'B', sizeof(d->fields[0].name));
		d->fields[1].type = 9;	/* a newer minor's field type: shown as U64 */
		d->flags = 1;		/* reserved: ignored */
		enc_seal(&e, 0);
		decode_all(&dd, &e, RTRACE_ORDER_MERGED);
		CHECK_EQ(dd.err.code, RTRACE_DEC_OK);
		CHECK(dd.n > 0 && dd.ev[0].desc && strlen(dd.ev[0].desc->name) == 32 &&
		      dd.ev[0].desc->name[3] == '?' &&
		      strlen(dd.ev[0].desc->fields[0].name) == RTRACE_FIELD_NAME_LEN &&
		      dd.ev[0].desc->fields[1].type == RTRACE_FIELD_U64);
		decoded_free(&dd);
		enc_free(&e);
	}
	enc_free(&s.e);
}

static void test_corrupt_subbuf_hdr(void)
{
	struct sample s;
	struct enc e;
	size_t sb2;

	make_sample(&s);
	sb2 = s.sb_end[0];	/* header of the second sub-buffer */
#define SB_CASE(stmt, code, nev, what) do {				\
		sample_copy(&e, &s, s.e.len);				\
		ENC_SB_PATCH(&e, sb2, h, stmt);				\
		expect_error(&e, (code), sb2, (nev), what);		\
		enc_free(&e);						\
	} while (0)
	SB_CASE(h.commit = 0xfffffff0u, RTRACE_DEC_BAD_COMMIT, 6, "huge commit");
	SB_CASE(h.commit = 4096 - SB() + 1, RTRACE_DEC_BAD_COMMIT, 6, "commit > subbuf");
	SB_CASE(h.hdr_size = SB() + 8, RTRACE_DEC_BAD_SUBBUF_HDR, 6, "hdr_size != stream's");
	SB_CASE(h.flags = RTRACE_SB_BROKEN, RTRACE_DEC_BAD_SUBBUF_HDR, 6, "broken with records");
	SB_CASE(h.cpu = 4, RTRACE_DEC_BAD_CPU, 6, "cpu == nr_cpus");
	SB_CASE(h.cpu = 0xffff, RTRACE_DEC_BAD_CPU, 6, "cpu 65535");
	SB_CASE(h.lane = RTRACE_NR_LANES, RTRACE_DEC_BAD_LANE, 6, "lane == nr_lanes");
	SB_CASE(h.nr_events = h.commit, RTRACE_DEC_BAD_SUBBUF_HDR, 6, "nr_events > commit/2");
	/* Header fine, record count wrong: all 6 records decode, then the error. */
	SB_CASE(h.nr_events = 5, RTRACE_DEC_BAD_NR_EVENTS, 24, "nr_events 5 of 6");
	/* Damaged at rest: a record byte (a varint that still parses) or a header byte. */
	sample_copy(&e, &s, s.e.len);
	e.buf[s.rec_end[7] - 1] ^= 0x01;
	expect_error(&e, RTRACE_DEC_BAD_CRC, sb2, 18, "record byte flipped");
	enc_free(&e);
	sample_copy(&e, &s, s.e.len);
	e.buf[sb2 + offsetof(struct rtrace_subbuf_hdr, ts_base)] ^= 0x40;
	expect_error(&e, RTRACE_DEC_BAD_CRC, sb2, 18, "ts_base flipped");
	enc_free(&e);
	/* commit shortened by one byte: the 6th record now runs past the commit. */
	sample_copy(&e, &s, s.e.len);
	ENC_SB_PATCH(&e, sb2, x, x.commit -= 1);
	/* Its last byte is now left over before the next header: bad magic there too. */
	expect_error(&e, RTRACE_DEC_BAD_RECORD, s.rec_end[10], 11, "commit one short");
	enc_free(&e);
#undef SB_CASE
	enc_free(&s.e);
}

static void test_corrupt_seq(void)
{
	struct enc_rec r = rec_args(RTRACE_EV_TEST, 1, 0);
	uint64_t one[RTRACE_NR_LOST] = { 0, 0, 0, 0, 1 };
	struct enc e = { 0 };
	size_t off;

	std_descs();
	std_hdr(&e, 1);
	enc_subbuf(&e, 0, 0, 0, 0, NULL, &r, 1);
	enc_subbuf(&e, 0, 0, 1, 0, NULL, &r, 1);
	enc_subbuf(&e, 1, 0, 0, 0, NULL, &r, 1);
	off = enc_subbuf(&e, 0, 0, 1, 0, NULL, &r, 1);	/* same seq again */
	/* Reported, and the sub-buffer still decodes. */
	expect_error(&e, RTRACE_DEC_BAD_SEQ, off, 4, "seq repeated");
	ENC_SB_PATCH(&e, off, x, x.seq = 0);
	expect_error(&e, RTRACE_DEC_BAD_SEQ, off, 4, "seq backwards");
	/* Discard mode loses events, never sub-buffers: any gap is corruption. */
	ENC_SB_PATCH(&e, off, x, x.seq = 3);
	expect_error(&e, RTRACE_DEC_BAD_SEQ, off, 4, "discard-mode gap");
	ENC_SB_PATCH(&e, off, x, x.seq = 1000000000000ull);
	expect_error(&e, RTRACE_DEC_BAD_SEQ, off, 4, "discard-mode gap of 10^12");
	enc_free(&e);

	std_hdr(&e, 1);
	off = enc_subbuf(&e, 0, 0, 2, 0, NULL, &r, 1);
	expect_error(&e, RTRACE_DEC_BAD_SEQ, off, 1, "discard-mode first seq 2");
	enc_free(&e);
	/* ... unless an earlier consumer read the first ones. */
	std_hdr_flags(&e, 1, 0, RTRACE_STREAM_RESUMED);
	enc_subbuf(&e, 0, 0, 2, 0, NULL, &r, 1);
	enc_subbuf(&e, 0, 0, 3, 0, NULL, &r, 1);
	expect_error(&e, RTRACE_DEC_OK, 0, 2, "resumed first seq 2");
	enc_free(&e);

	/* Overwrite mode: a gap of k needs k / subbufs_per_lane (4) losses in the next one. */
	std_hdr_flags(&e, 1, RTRACE_CONFIG_OVERWRITE, 0);
	enc_subbuf(&e, 0, 0, 0, 0, NULL, &r, 1);
	enc_subbuf(&e, 0, 0, 4, 0, NULL, &r, 1);	/* 3 missing: fine with none */
	off = enc_subbuf(&e, 0, 0, 9, 0, one, &r, 1);	/* 4 missing: one loss, fine */
	expect_error(&e, RTRACE_DEC_OK, 0, 3, "overwrite gaps");
	ENC_SB_PATCH(&e, off, x, x.seq = 1000000000000ull);
	expect_error(&e, RTRACE_DEC_BAD_SEQ, off, 3, "overwrite gap of 10^12 with 1 lost");
	ENC_SB_PATCH(&e, off, x, x.seq = 9; x.lost[RTRACE_LOST_OVERWRITTEN] = 0);
	expect_error(&e, RTRACE_DEC_BAD_SEQ, off, 3, "overwrite gap of 4 with no loss");
	enc_free(&e);
}

/* A sub-buffer with hand-made record bytes. */
static size_t raw_subbuf(struct enc *e, const uint8_t *rec, size_t len, uint32_t nr_events)
{
	struct enc_rec ok = rec_args(T_ONE, 50, 1, 77ull);
	size_t off = enc_subbuf(e, 0, 0, 0, 0, NULL, &ok, 1);

	enc_bytes(e, rec, len);
	ENC_SB_PATCH(e, off, x, x.commit += (uint32_t)len; x.nr_events = nr_events);
	return e->len - len;	/* offset of @rec */
}

static void test_corrupt_records(void)
{
	static const struct {
		const char *what;
		uint8_t rec[16];
		size_t len;
		int code;
	} cases[] = {
		{ "h == 0", { 0x00, 0x01 }, 2, RTRACE_DEC_BAD_RECORD },
		{ "h == 0 non-minimal", { 0x80, 0x00, 0x01 }, 3, RTRACE_DEC_BAD_RECORD },
		{ "type 0 with args", { 0x02, 0x01, 0x05, 0x06 }, 4, RTRACE_DEC_BAD_RECORD },
		{ "type > 0xffff", { 0x80, 0x80, 0x80, 0x08, 0x00 }, 5, RTRACE_DEC_BAD_RECORD },
		{ "truncated h varint", { 0x81, 0x81 }, 2, RTRACE_DEC_BAD_RECORD },
		{ "truncated delta", { 0x81, 0x04, 0xff }, 3, RTRACE_DEC_BAD_RECORD },
		{ "args beyond commit", { 0x85, 0x04, 0x00, 0x01, 0x02 }, 5, RTRACE_DEC_BAD_RECORD },
		{ "14 args, 1 present", { 0x8e, 0x04, 0x00, 0x01 }, 4, RTRACE_DEC_BAD_RECORD },
		{ "raw length beyond commit", { 0x9f, 0x04, 0x00, 0x05, 1, 2, 3, 4 }, 8,
		  RTRACE_DEC_BAD_RECORD },
		{ "raw length huge", { 0x9f, 0x04, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f }, 8,
		  RTRACE_DEC_BAD_RECORD },
		{ "overlong varint", { 0x81, 0x04, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
		  0x80, 0x80, 0x00 }, 13, RTRACE_DEC_BAD_VARINT },
		{ "varint over 64 bits", { 0x81, 0x04, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff, 0x7f }, 12, RTRACE_DEC_BAD_VARINT },
		{ "truncated raw length", { 0x9f, 0x04, 0x00, 0x80 }, 4, RTRACE_DEC_BAD_RECORD },
	};
	size_t i;

	std_descs();
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		struct enc_rec good = rec_args(RTRACE_EV_TEST, 70, 0);
		struct enc e = { 0 };
		size_t off;

		std_hdr(&e, 1);
		off = raw_subbuf(&e, cases[i].rec, cases[i].len, 2);
		/* A good sub-buffer after the bad one still decodes. */
		enc_subbuf(&e, 1, 0, 0, 60, NULL, &good, 1);
		expect_error(&e, cases[i].code, off, 2, cases[i].what);
		enc_free(&e);
	}
}

/* Mutate a valid stream many times: no crash, no leak (under ASan/valgrind), bounded output. */
static void test_mutations(void)
{
	uint64_t seed = 12345;
	struct sample s;
	int it;

	make_sample(&s);
	for (it = 0; it < 3000; it++) {
		struct enc e;
		struct rtrace_decoder *dec;
		struct rtrace_event ev;
		int k, nm = 1 + (int)(enc_rand(&seed) % 8);
		size_t n = 0, len;

		sample_copy(&e, &s, s.e.len);
		e.l = s.e.l;
		for (k = 0; k < nm; k++) {
			size_t pos = enc_rand(&seed) % e.len;

			switch (enc_rand(&seed) % 4) {
			case 0:
				e.buf[pos] ^= (uint8_t)(1 << (enc_rand(&seed) % 8));
				break;
			case 1:
				e.buf[pos] = (uint8_t)enc_rand(&seed);
				break;
			case 2:
				e.buf[pos] = (uint8_t)(enc_rand(&seed) % 2 ? 0xff : 0);
				break;
			default:
				e.len = pos + 1;
				break;
			}
		}
		/* Half of them resealed, so the record parser meets the damage. */
		if (it & 2)
			enc_seal_all(&e);
		len = e.len;
		dec = rtrace_decoder__new(e.buf, len,
					  &(struct rtrace_decoder_opts){ .sz = sizeof(struct rtrace_decoder_opts),
									 .order = (int)(it & 1) });
		CHECK(dec);
		if (dec) {
			while (rtrace_decoder__next(dec, &ev) == 1) {
				n++;
				CHECK(ev.nr_args <= RTRACE_REC_RAW);
				CHECK(ev.raw_len <= len);
				CHECK(!ev.raw || (ev.raw >= e.buf && ev.raw + ev.raw_len <= e.buf + len));
			}
			/* Each record takes 2 bytes at least. */
			CHECK(n <= len / 2);
			CHECK(rtrace_decoder__next(dec, &ev) == 0);
			rtrace_decoder__free(dec);
		}
		enc_free(&e);
	}
	enc_free(&s.e);
}

static void test_opts_and_open(void)
{
	struct {
		struct rtrace_decoder_opts o;
		uint64_t extra;
	} big = { { .sz = sizeof(big), .order = RTRACE_ORDER_MERGED }, 0 };
	struct rtrace_decoder_opts bad = { .sz = sizeof(bad), .order = 5 };
	char path[] = "/tmp/rtrace-test-XXXXXX";
	struct rtrace_decoder *dec;
	struct rtrace_event ev;
	struct sample s;
	int fd, pfd[2], n;
	pid_t pid;

	make_sample(&s);
	/* A bigger opts struct from a newer caller: fine while the tail is zero. */
	dec = rtrace_decoder__new(s.e.buf, s.e.len, &big.o);
	CHECK(dec);
	rtrace_decoder__free(dec);
	big.extra = 1;
	errno = 0;
	CHECK(rtrace_decoder__new(s.e.buf, s.e.len, &big.o) == NULL && errno == EINVAL);
	errno = 0;
	CHECK(rtrace_decoder__new(s.e.buf, s.e.len, &bad) == NULL && errno == EINVAL);
	errno = 0;
	CHECK(rtrace_decoder__new(NULL, 5, NULL) == NULL && errno == EINVAL);
	errno = 0;
	CHECK(rtrace_decoder__open("/nonexistent/x", NULL) == NULL && errno == ENOENT);

	/* From a regular file. */
	fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK(write(fd, s.e.buf, s.e.len) == (ssize_t)s.e.len);
	close(fd);
	dec = rtrace_decoder__open(path, NULL);
	CHECK(dec);
	for (n = 0; dec && rtrace_decoder__next(dec, &ev) == 1; n++)
		;
	CHECK_EQ(n, 24);
	rtrace_decoder__free(dec);
	unlink(path);

	/* From a pipe on stdin ("-"): spilled to a temporary file. */
	CHECK(pipe(pfd) == 0);
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		if (write(pfd[1], s.e.buf, s.e.len) != (ssize_t)s.e.len)
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	{
		int saved = dup(0);

		dup2(pfd[0], 0);
		close(pfd[0]);
		dec = rtrace_decoder__open("-", NULL);
		dup2(saved, 0);
		close(saved);
	}
	waitpid(pid, NULL, 0);
	CHECK(dec);
	for (n = 0; dec && rtrace_decoder__next(dec, &ev) == 1; n++)
		;
	CHECK_EQ(n, 24);
	CHECK(dec && rtrace_decoder__error(dec)->code == RTRACE_DEC_OK);
	rtrace_decoder__free(dec);
	enc_free(&s.e);
}

/* ------------------------------------------------------ v2 additions */

static void test_crc32c(void)
{
	static const char check[] = "123456789";
	uint8_t buf[1027];
	uint32_t c;
	size_t i, n;

	CHECK_EQ(rtrace_crc32c__update(0, check, 9), 0xE3069283u);
	CHECK_EQ(enc_crc32c(0, check, 9), 0xE3069283u);
	CHECK_EQ(rtrace_crc32c__update(0, NULL, 0), 0);
	/* Chaining, every alignment and length against the encoder's bitwise CRC. */
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	for (i = 0; i < 16; i++) {
		for (n = 0; n + i <= sizeof(buf); n += 1 + n / 3) {
			uint32_t want = enc_crc32c(0, buf + i, n);

			if (rtrace_crc32c__update(0, buf + i, n) != want)
				tap_cur_failed = 1;
			c = rtrace_crc32c__update(0, buf + i, n / 2);
			if (rtrace_crc32c__update(c, buf + i + n / 2, n - n / 2) != want)
				tap_cur_failed = 1;
		}
	}
}

/*
 * A writer of a later minor version: every header larger, fields this
 * decoder does not know (non-zero), a sixth loss cause.  Today's decoder
 * decodes it all; a different major is refused, with a message saying so.
 */
static void test_future_writer(void)
{
	struct enc_stream p = { .nr_cpus = 2, .session_id = 5, .descs = g_descs,
				.nr_descs = NDESCS, .version_minor = 7, .extra_hdr = 40,
				.extra_tail = 24, .extra_desc = 56, .extra_sb = 24, .extra_lost = 2 };
	uint64_t lost[RTRACE_NR_LOST] = { 1, 2, 3, 4, 0 }, extra[2] = { 10, 20 };
	const struct rtrace_lane_info *li;
	struct rtrace_lane_info tot;
	struct rtrace_packet pkt;
	struct enc_rec r[2];
	struct enc e = { 0 };
	struct decoded d;

	std_descs();
	enc_stream_hdr(&e, &p);
	r[0] = rec_args(T_ONE, 100, 1, 11ull);
	r[1] = rec_args(RTRACE_EV_FIRST_USER, 150, 5, 1ull, 2ull, 3ull, 4ull, 5ull);
	enc_subbuf_x(&e, 1, RTRACE_LANE_SOFTIRQ, 0, 90, lost, extra, 0, r, 2);
	r[0] = rec_args(T_ONE, 120, 1, 12ull);
	enc_subbuf_x(&e, 0, RTRACE_LANE_TASK, 0, 110, NULL, NULL, RTRACE_SB_FLUSHED | 0x80, r, 1);
	decode_all(&d, &e, RTRACE_ORDER_MERGED);
	if (d.err.code)
		printf("# %s at %llu: %s\n", rtrace_decode_code__name(d.err.code),
		       (unsigned long long)d.err.offset, d.err.msg);
	CHECK_EQ(d.err.code, RTRACE_DEC_OK);
	CHECK_EQ(d.n, 3);
	CHECK(d.ev[0].ts == 100 && d.ev[0].args[0] == 11 && d.ev[0].desc &&
	      !strcmp(d.ev[0].desc->name, "one"));
	CHECK(d.ev[1].ts == 120 && d.ev[1].cpu == 0 && d.ev[1].args[0] == 12);
	CHECK(d.ev[2].ts == 150 && d.ev[2].args[4] == 5 && d.ev[2].desc &&
	      !strcmp(d.ev[2].desc->name, "sched_switch"));
	CHECK_EQ(rtrace_decoder__session(d.dec, 0)->version_minor, 7);
	li = rtrace_decoder__lane(d.dec, 0);
	CHECK(li && li->cpu == 0);
	li = rtrace_decoder__lane(d.dec, 1);
	CHECK(li && li->cpu == 1 && li->lost[RTRACE_LOST_FULL] == 1 &&
	      li->lost[RTRACE_LOST_OFF] == 4 && li->lost_other == 30);
	rtrace_decoder__totals(d.dec, &tot);
	CHECK_EQ(tot.lost_other, 30);
	CHECK_EQ(rtrace_decoder__nr_packets(d.dec), 2);
	CHECK(rtrace_decoder__packet(d.dec, 1, &pkt) == 0 && pkt.flags == (RTRACE_SB_FLUSHED | 0x80) &&
	      pkt.nr_events == 1 && pkt.ts_base == 110);
	CHECK(rtrace_decoder__packet(d.dec, 2, &pkt) == -ERANGE);
	decoded_free(&d);

	/* Another major: refused at offset 0 with a message naming both versions. */
	((struct rtrace_stream_hdr *)e.buf)->version_major = 3;
	decode_all(&d, &e, RTRACE_ORDER_MERGED);
	CHECK_EQ(d.err.code, RTRACE_DEC_BAD_VERSION);
	CHECK_EQ(d.err.offset, 0);
	CHECK_EQ(d.n, 0);
	CHECK(strstr(d.err.msg, "3.7") && strstr(d.err.msg, "major version 2"));
	decoded_free(&d);
	enc_free(&e);
}

/* Types must be described, and n must be the description's. */
static void test_schema_rules(void)
{
	struct enc_rec r[3];
	struct enc e = { 0 };
	size_t off;

	std_descs();
	std_hdr(&e, 1);
	r[0] = rec_args(T_ONE, 10, 1, 1ull);
	r[1] = rec_args(200, 20, 1, 2ull);	/* not described */
	r[2] = rec_args(T_ONE, 30, 1, 3ull);
	off = enc_subbuf(&e, 0, 0, 0, 0, NULL, r, 3);
	/* Reported at the record, which is still returned (its bytes are sound). */
	expect_error(&e, RTRACE_DEC_BAD_TYPE, off + SB() + 4, 3, "undescribed type");
	enc_free(&e);

	std_hdr(&e, 1);
	r[1] = rec_args(T_ONE, 20, 2, 2ull, 3ull);	/* one field described */
	off = enc_subbuf(&e, 0, 0, 0, 0, NULL, r, 3);
	expect_error(&e, RTRACE_DEC_BAD_TYPE, off + SB() + 4, 3, "argument count");
	enc_free(&e);

	std_hdr(&e, 1);
	r[1] = rec_args(RTRACE_EV_FIRST_USER + 1, 20, 0);	/* raw described, varint record */
	off = enc_subbuf(&e, 0, 0, 0, 0, NULL, r, 3);
	expect_error(&e, RTRACE_DEC_BAD_TYPE, off + SB() + 4, 3, "varint record of a raw type");
	enc_free(&e);
}

/* RTRACE_SB_BROKEN: an empty sub-buffer reporting the kernel's integrity check. */
static void test_ring_broken(void)
{
	struct enc_rec r = rec_args(T_ONE, 10, 1, 1ull);
	const struct rtrace_lane_info *li;
	struct enc e = { 0 };
	struct decoded d;
	size_t off;

	std_descs();
	std_hdr(&e, 1);
	enc_subbuf(&e, 0, 0, 0, 0, NULL, &r, 1);
	off = enc_subbuf_x(&e, 0, 0, 1, 0, NULL, NULL, RTRACE_SB_BROKEN, NULL, 0);
	enc_subbuf(&e, 1, 0, 0, 0, NULL, &r, 1);
	expect_error(&e, RTRACE_DEC_RING_BROKEN, off, 2, "ring broken");
	decode_all(&d, &e, RTRACE_ORDER_MERGED);
	li = rtrace_decoder__lane(d.dec, 0);
	CHECK(li && li->broken && li->subbufs == 2);
	decoded_free(&d);
	enc_free(&e);
}

struct xrec {
	char log[2048];
	size_t len;
	int begun, ended;
	unsigned int packets, events;
};

static int x_begin(void **priv, struct rtrace_decoder *dec, const struct rtrace_export_opts *o)
{
	static struct xrec *cur;

	(void)dec;
	cur = (struct xrec *)o->out;	/* the test's own channel */
	cur->begun++;
	*priv = cur;
	return 0;
}

static int x_packet(void *priv, const struct rtrace_packet *p)
{
	struct xrec *x = priv;

	x->packets++;
	x->len += snprintf(x->log + x->len, sizeof(x->log) - x->len, "P%u/%u/%llu ", p->cpu,
			   p->lane, (unsigned long long)p->seq);
	return 0;
}

static int x_event(void *priv, const struct rtrace_event *ev)
{
	struct xrec *x = priv;

	x->events++;
	x->len += snprintf(x->log + x->len, sizeof(x->log) - x->len, "E%u/%llu ", ev->cpu,
			   (unsigned long long)ev->ts);
	return x->events == 100;	/* a non-zero return stops the export */
}

static int x_end(void *priv, struct rtrace_decoder *dec)
{
	(void)dec;
	((struct xrec *)priv)->ended++;
	return 0;
}

/*
 * Exporters: every packet (empty ones too) before its events and after its
 * lane's previous events; the text exporter prints what decode always did.
 */
static void test_exporters(void)
{
	static const struct rtrace_exporter rec = {
		.name = "rec", .begin = x_begin, .packet = x_packet, .event = x_event, .end = x_end,
	};
	const struct rtrace_exporter *xs[1] = { &rec };
	uint64_t lost[RTRACE_NR_LOST] = { 0, 0, 0, 7, 0 };
	struct rtrace_export_opts o = { .sz = sizeof(o) };
	struct enc_rec r[2];
	struct rtrace_decoder *dec;
	struct enc e = { 0 };
	struct xrec x;
	char *text = NULL;
	size_t tlen = 0;
	FILE *f;

	std_descs();
	std_hdr(&e, 1);
	r[0] = rec_args(T_ONE, 10, 1, 1ull);
	r[1] = rec_args(T_ONE, 40, 1, 2ull);
	enc_subbuf(&e, 0, 0, 0, 0, NULL, r, 2);
	enc_subbuf(&e, 0, 0, 1, 50, lost, NULL, 0);	/* losses only */
	r[0] = rec_args(T_ONE, 20, 1, 3ull);
	enc_subbuf(&e, 1, 0, 0, 0, NULL, r, 1);

	memset(&x, 0, sizeof(x));
	o.out = (FILE *)&x;
	dec = rtrace_decoder__new(e.buf, e.len, NULL);
	CHECK(dec && rtrace_decoder__export(dec, xs, 1, &o) == 0);
	CHECK(x.begun == 1 && x.ended == 1 && x.packets == 3 && x.events == 3);
	CHECK(!strcmp(x.log, "P0/0/0 P1/0/0 E0/10 E1/20 E0/40 P0/0/1 "));
	if (strcmp(x.log, "P0/0/0 P1/0/0 E0/10 E1/20 E0/40 P0/0/1 "))
		printf("# got '%s'\n", x.log);
	/* Once only. */
	CHECK(dec && rtrace_decoder__export(dec, xs, 1, &o) == -EINVAL);
	rtrace_decoder__free(dec);

	/* The table: text first; unknown names are not found. */
	CHECK(rtrace_exporter__at(0) == rtrace_exporter__find("text"));
	CHECK(rtrace_exporter__find("nope") == NULL);
	f = open_memstream(&text, &tlen);
	CHECK(f != NULL);
	xs[0] = rtrace_exporter__find("text");
	o.out = f;
	dec = rtrace_decoder__new(e.buf, e.len, NULL);
	CHECK(dec && rtrace_decoder__export(dec, xs, 1, &o) == 0);
	fclose(f);
	CHECK(text && !strcmp(text, "10 0 task one a=1\n20 1 task one a=3\n40 0 task one a=2\n"));
	free(text);
	rtrace_decoder__free(dec);
	enc_free(&e);
}

static struct enc_rec rec_raw(uint32_t type, uint64_t ts, const void *raw, size_t len)
{
	struct enc_rec r;

	memset(&r, 0, sizeof(r));
	r.type = type;
	r.ts = ts;
	r.nargs = RTRACE_REC_RAW;
	r.raw = raw;
	r.raw_len = len;
	return r;
}

/*
 * Task names and markers: the decoder learns pid -> comm from task_name
 * records, latest by timestamp across CPUs; the text exporter shows names
 * next to pid fields (the last record before the event, else the first
 * after it: a pre-scan) and markers as escaped text.
 */
static void test_task_names_and_markers(void)
{
	static const uint8_t old_name[] = { 100, 0, 0, 0, 99, 0, 0, 0, 'o', 'l', 'd' };
	static const uint8_t new_name[] = { 100, 0, 0, 0, 99, 0, 0, 0, 'n', '"', 'w' };
	static const uint8_t other[] = { 0x34, 0x12, 0, 0, 0x34, 0x12, 0, 0, 'c', 'a', 't' };
	static const uint8_t short_rec[] = { 1, 2, 3 };
	static const uint8_t mark[] = { 'h', 'i', ' ', '\\', '\n', 0x01, 0xff };
	struct rtrace_event_desc d[3];
	struct enc_stream p = { .nr_cpus = 2, .subbuf_size = 4096, .session_id = 5,
				.descs = d, .nr_descs = 3, .subbufs_per_lane = 4 };
	struct rtrace_export_opts o = { .sz = sizeof(o) };
	const struct rtrace_exporter *xs[1] = { rtrace_exporter__find("text") };
	struct rtrace_decoder *dec;
	struct rtrace_event ev;
	struct enc_rec r[5];
	struct enc e = { 0 };
	uint32_t tgid = 0;
	char *text = NULL;
	size_t tlen = 0;
	FILE *f;

	enc_desc(&d[0], RTRACE_EV_TASK_NAME, "task_name", RTRACE_REC_RAW);
	enc_desc(&d[1], RTRACE_EV_MARKER, "marker", RTRACE_REC_RAW);
	enc_desc(&d[2], RTRACE_EV_FIRST_USER, "sw", 2, "prev_pid", RTRACE_FIELD_U64,
		 "next_pid", RTRACE_FIELD_U64);
	enc_stream_hdr(&e, &p);
	/*
	 * CPU 0: a switch at 2, before any name record (named by the first
	 * record after it: 0x1234's at 5 on CPU 1; pid 7 never), the old name
	 * at 10, a switch at 30 and 50.
	 */
	r[0] = rec_args(RTRACE_EV_FIRST_USER, 2, 2, 0x1234ull, 7ull);
	r[1] = rec_raw(RTRACE_EV_TASK_NAME, 10, old_name, sizeof(old_name));
	r[2] = rec_args(RTRACE_EV_FIRST_USER, 30, 2, 100ull, 0x1234ull);
	r[3] = rec_args(RTRACE_EV_FIRST_USER, 50, 2, 0ull, 100ull);
	r[4] = rec_raw(RTRACE_EV_MARKER, 60, mark, sizeof(mark));
	enc_subbuf(&e, 0, 0, 0, 0, NULL, r, 5);
	/* CPU 1: the other task at 5, the rename at 40, a short record at 45. */
	r[0] = rec_raw(RTRACE_EV_TASK_NAME, 5, other, sizeof(other));
	r[1] = rec_raw(RTRACE_EV_TASK_NAME, 40, new_name, sizeof(new_name));
	r[2] = rec_raw(RTRACE_EV_TASK_NAME, 45, short_rec, sizeof(short_rec));
	enc_subbuf(&e, 1, 0, 0, 0, NULL, r, 3);

	f = open_memstream(&text, &tlen);
	CHECK(f != NULL);
	o.out = f;
	dec = rtrace_decoder__new(e.buf, e.len, NULL);
	CHECK(dec && rtrace_decoder__export(dec, xs, 1, &o) == 0);
	fclose(f);
	CHECK(text && !strcmp(text,
		"2 0 task sw prev_pid=4660(cat) next_pid=7\n"
		"5 1 task task_name pid=4660 tgid=4660 comm=\"cat\"\n"
		"10 0 task task_name pid=100 tgid=99 comm=\"old\"\n"
		"30 0 task sw prev_pid=100(old) next_pid=4660(cat)\n"
		"40 1 task task_name pid=100 tgid=99 comm=\"n\\\"w\"\n"
		"45 1 task task_name len=3 data=010203\n"
		"50 0 task sw prev_pid=0(<idle>) next_pid=100(n\\\"w)\n"
		"60 0 task marker len=7 text=\"hi \\\\\\n\\x01\\xff\"\n"));
	free(text);
	/* At the end: the latest names; unknown pids have none. */
	CHECK(!strcmp(rtrace_decoder__comm(dec, 100, &tgid), "n\"w") && tgid == 99);
	CHECK(!strcmp(rtrace_decoder__comm(dec, 0x1234, NULL), "cat"));
	CHECK(rtrace_decoder__comm(dec, 7, NULL) == NULL);
	rtrace_decoder__free(dec);

	/* Not a task name: another type, or a table that names type 10 otherwise. */
	memset(&ev, 0, sizeof(ev));
	ev.type = RTRACE_EV_TASK_NAME;
	ev.nr_args = RTRACE_REC_RAW;
	ev.raw = other;
	ev.raw_len = sizeof(other);
	ev.desc = NULL;
	CHECK(!rtrace_event__task_name(&ev, &tgid, &tgid, NULL, 0));
	enc_free(&e);
}

static void test_names(void)
{
	CHECK(!strcmp(rtrace_lane__name(RTRACE_LANE_NMI), "nmi"));
	CHECK(!strcmp(rtrace_lane__name(99), "lane?"));
	CHECK(!strcmp(rtrace_lost__name(RTRACE_LOST_RECURSION), "recursion"));
	CHECK(!strcmp(rtrace_decode_code__name(RTRACE_DEC_BAD_SEQ), "bad-seq"));
	CHECK(!strcmp(rtrace_decode_code__name(-1), "?"));
}

int main(int argc, char **argv)
{
	if (argc > 1)
		tap_prefix = argv[1];
	printf("TAP version 13\n");
	TEST(test_varint_roundtrip);
	TEST(test_varint_malformed);
	TEST(test_zigzag);
	TEST(test_clock_to_ns);
	TEST(test_names);
	TEST(test_decode_basic);
	TEST(test_header_only_and_empty);
	TEST(test_merge_order);
	TEST(test_merge_ties);
	TEST(test_concatenated_sessions);
	TEST(test_seq_gaps);
	TEST(test_truncate_everywhere);
	TEST(test_corrupt_magic);
	TEST(test_corrupt_stream_hdr);
	TEST(test_corrupt_event_table);
	TEST(test_corrupt_subbuf_hdr);
	TEST(test_corrupt_seq);
	TEST(test_corrupt_records);
	TEST(test_mutations);
	TEST(test_opts_and_open);
	TEST(test_crc32c);
	TEST(test_future_writer);
	TEST(test_schema_rules);
	TEST(test_ring_broken);
	TEST(test_exporters);
	TEST(test_task_names_and_markers);
	return tap_finish();
}
