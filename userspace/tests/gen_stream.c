// SPDX-License-Identifier: GPL-2.0
/*
 * gen_stream: write rtrace streams with the independent test encoder.
 *
 *   gen_stream sample FILE [SEED [NR_SUBBUFS]]   a valid stream: 2 CPUs, every lane,
 *                                                sched_switch-like, raw and test events
 *   gen_stream concat FILE                       two sessions back to back
 *   gen_stream future FILE                       a later minor version's writer
 *   gen_stream corpus DIR                        the fuzzer's seed corpus
 *
 * Output is deterministic for a given SEED.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoder.h"

static struct rtrace_event_desc descs[5];

static void make_descs(void)
{
	enc_desc(&descs[0], RTRACE_EV_FIRST_USER, "sched_switch", 5,
		 "prev_pid", RTRACE_FIELD_U64, "prev_prio", RTRACE_FIELD_S64,
		 "prev_state", RTRACE_FIELD_HEX, "next_pid", RTRACE_FIELD_U64,
		 "next_prio", RTRACE_FIELD_S64);
	enc_desc(&descs[1], RTRACE_EV_FIRST_USER + 1, "blob", RTRACE_REC_RAW);
	enc_desc(&descs[2], RTRACE_EV_TEST, "test", 2, "a", RTRACE_FIELD_U64,
		 "b", RTRACE_FIELD_HEX);
	enc_desc(&descs[3], RTRACE_EV_TEST_RAW, "test_raw", RTRACE_REC_RAW);
	enc_desc(&descs[4], RTRACE_EV_FIRST_USER + 2, "triple", 3, "a", RTRACE_FIELD_U64,
		 "b", RTRACE_FIELD_U64, "c", RTRACE_FIELD_HEX);
}

/*
 * Append one session: @nsb sub-buffers spread over 2 CPUs and every lane.
 * Odd session ids are overwrite-mode sessions with occasional seq gaps
 * (sub-buffers overwritten before they were read).
 */
static void gen_session(struct enc *e, uint64_t seed, int nsb, uint64_t session_id, int tsc)
{
	struct enc_stream p = { .nr_cpus = 2, .subbuf_size = 4096, .session_id = session_id,
				.descs = descs, .nr_descs = 5 };
	int overwrite = session_id & 1;
	uint64_t ts[2][RTRACE_NR_LANES], seq[2][RTRACE_NR_LANES] = { { 0 } };
	static const uint8_t payload[16] = "0123456789abcdef";
	int i, k, c, l;

	if (tsc) {
		p.clock = RTRACE_CLOCK_TSC;
		p.clock_mult = 1717986918u;	/* 0.4 ns per cycle */
		p.clock_shift = 32;
		p.clock_zero_cyc = 1000000;
		p.clock_zero_ns = 50000000000ull;
	}
	for (c = 0; c < 2; c++)
		for (l = 0; l < RTRACE_NR_LANES; l++)
			ts[c][l] = 1000000 + enc_rand(&seed) % 1000;
	if (overwrite)
		p.config_flags = RTRACE_CONFIG_OVERWRITE;
	enc_stream_hdr(e, &p);
	for (i = 0; i < nsb; i++) {
		struct enc_rec r[24];
		uint64_t lost[RTRACE_NR_LOST] = { 0 };
		size_t nr = 1 + enc_rand(&seed) % 24;
		uint64_t base;

		c = (int)(enc_rand(&seed) % 2);
		l = (int)(enc_rand(&seed) % RTRACE_NR_LANES);
		base = ts[c][l];
		if (enc_rand(&seed) % 4 == 0)
			lost[enc_rand(&seed) % RTRACE_NR_LOST] = enc_rand(&seed) % 50;
		for (k = 0; k < (int)nr; k++) {
			struct enc_rec *x = &r[k];

			memset(x, 0, sizeof(*x));
			ts[c][l] += enc_rand(&seed) % 5000;
			x->ts = ts[c][l];
			switch (enc_rand(&seed) % 4) {
			case 0:
				x->type = RTRACE_EV_FIRST_USER;
				x->nargs = 5;
				x->args[0] = 1000 + enc_rand(&seed) % 9000;
				x->args[1] = (enc_rand(&seed) % 140) << 1;	/* zigzag >= 0 */
				x->args[2] = enc_rand(&seed) % 3;
				x->args[3] = 1000 + enc_rand(&seed) % 9000;
				x->args[4] = ((enc_rand(&seed) % 20) << 1) | 1;	/* negative */
				break;
			case 1:
				x->type = RTRACE_EV_FIRST_USER + 1;
				x->nargs = RTRACE_REC_RAW;
				x->raw = payload;
				x->raw_len = enc_rand(&seed) % sizeof(payload);
				break;
			case 2:
				x->type = RTRACE_EV_TEST;
				x->nargs = 2;
				x->args[0] = enc_rand(&seed);
				x->args[1] = enc_rand(&seed) >> (enc_rand(&seed) % 64);
				break;
			default:
				x->type = RTRACE_EV_FIRST_USER + 2;
				x->nargs = 3;
				x->args[0] = 1;
				x->args[1] = 300;
				x->args[2] = 1ull << 62;
				break;
			}
		}
		/* Overwrite mode: an occasional sub-buffer overwritten before it was read. */
		seq[c][l] += 1 + (overwrite && enc_rand(&seed) % 8 == 0);
		enc_subbuf(e, (uint16_t)c, (uint8_t)l, seq[c][l] - 1, base, lost, r, nr);
	}
}

/*
 * A session as a later minor version's writer would write it: every header
 * larger, fields this decoder does not know, a sixth loss cause.
 */
static void gen_future(struct enc *e, uint64_t seed)
{
	struct enc_stream p = { .nr_cpus = 2, .session_id = 77, .descs = descs, .nr_descs = 5,
				.version_minor = 3, .extra_hdr = 24, .extra_tail = 16,
				.extra_desc = 32, .extra_sb = 16, .extra_lost = 1 };
	uint64_t lost[RTRACE_NR_LOST] = { 1, 0, 0, 2, 0 }, extra[1] = { 5 };
	struct enc_rec r[3];
	int k;

	enc_stream_hdr(e, &p);
	for (k = 0; k < 3; k++) {
		memset(&r[k], 0, sizeof(r[k]));
		r[k].type = RTRACE_EV_FIRST_USER;
		r[k].nargs = 5;
		r[k].args[0] = enc_rand(&seed) % 1000;
		r[k].args[1] = 4;
		r[k].args[3] = 7;
		r[k].ts = 100 + 10 * k;
	}
	enc_subbuf_x(e, 0, RTRACE_LANE_TASK, 0, 90, lost, extra, 0, r, 3);
	enc_subbuf_x(e, 1, RTRACE_LANE_HARDIRQ, 0, 95, NULL, NULL, 0, r, 2);
}

static int write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "gen_stream: %s: %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}

static int write_seed(const char *dir, const char *name, const void *buf, size_t len)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return write_file(path, buf, len);
}

static int gen_corpus(const char *dir)
{
	struct enc e = { 0 }, t = { 0 };
	size_t hdr_end, sb;
	int ret = 0;

	/* Valid: one small session, LOCAL clock; TSC clock; two sessions. */
	gen_session(&e, 1, 3, 1, 0);
	ret |= write_seed(dir, "valid-small", e.buf, e.len);
	enc_free(&e);
	gen_session(&e, 2, 6, 2, 1);
	ret |= write_seed(dir, "valid-tsc", e.buf, e.len);
	enc_free(&e);
	gen_session(&e, 3, 2, 3, 0);
	gen_session(&e, 4, 2, 4, 1);
	ret |= write_seed(dir, "valid-concat", e.buf, e.len);
	enc_free(&e);
	/* Header only. */
	enc_stream_hdr(&e, &(struct enc_stream){ .descs = descs, .nr_descs = 5 });
	hdr_end = e.len;
	ret |= write_seed(dir, "header-only", e.buf, e.len);
	enc_free(&e);

	/* Corrupt variants of a small valid stream. */
	gen_session(&e, 5, 2, 5, 0);
	sb = hdr_end;	/* first sub-buffer header */
	enc_bytes(&t, e.buf, e.len - 5);	/* inside the last sub-buffer */
	ret |= write_seed(dir, "cut-middle", t.buf, t.len);
	enc_free(&t);
	enc_bytes(&t, e.buf, e.len);
	ENC_SB_PATCH(&t, sb, h, h.commit = 0xffff0000u);
	ret |= write_seed(dir, "huge-commit", t.buf, t.len);
	enc_free(&t);
	enc_bytes(&t, e.buf, e.len);
	ENC_SB_PATCH(&t, sb, h, h.cpu = 7);
	ret |= write_seed(dir, "bad-cpu", t.buf, t.len);
	enc_free(&t);
	enc_bytes(&t, e.buf, e.len);
	t.buf[sb + sizeof(struct rtrace_subbuf_hdr)] = 0;	/* first record's h = 0 */
	enc_seal_all(&t);
	ret |= write_seed(dir, "h-zero", t.buf, t.len);
	enc_free(&t);
	enc_bytes(&t, e.buf, e.len);
	memset(t.buf + sb + sizeof(struct rtrace_subbuf_hdr), 0xff, 12);	/* overlong varint */
	enc_seal_all(&t);
	ret |= write_seed(dir, "overlong-varint", t.buf, t.len);
	enc_free(&t);
	enc_bytes(&t, e.buf, e.len);
	((struct rtrace_stream_hdr *)t.buf)->nr_event_descs = 0xffffff;
	enc_seal(&t, 0);
	ret |= write_seed(dir, "huge-table", t.buf, t.len);
	enc_free(&t);
	enc_bytes(&t, e.buf, e.len);
	t.buf[e.len - 3] ^= 0x10;	/* damaged at rest: the CRC says so */
	ret |= write_seed(dir, "bad-crc", t.buf, t.len);
	enc_free(&t);
	enc_free(&e);

	/* A future writer: larger headers and descriptions, one more loss cause. */
	gen_future(&e, 6);
	ret |= write_seed(dir, "future-minor", e.buf, e.len);
	enc_free(&e);
	enc_free(&e);
	return ret;
}

int main(int argc, char **argv)
{
	struct enc e = { 0 };
	int ret;

	make_descs();
	if (argc >= 3 && !strcmp(argv[1], "sample")) {
		uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 0) : 1;
		int nsb = argc > 4 ? atoi(argv[4]) : 20;

		gen_session(&e, seed ? seed : 1, nsb, seed, 0);
	} else if (argc == 3 && !strcmp(argv[1], "concat")) {
		gen_session(&e, 11, 5, 11, 0);
		gen_session(&e, 12, 5, 12, 1);
	} else if (argc == 3 && !strcmp(argv[1], "future")) {
		gen_future(&e, 6);
	} else if (argc == 3 && !strcmp(argv[1], "corpus")) {
		return gen_corpus(argv[2]);
	} else {
		fprintf(stderr, "usage: gen_stream sample FILE [SEED [NR_SUBBUFS]] | concat FILE | future FILE | corpus DIR\n");
		return 2;
	}
	ret = write_file(argv[2], e.buf, e.len);
	enc_free(&e);
	return ret;
}
