// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of rtrace_verify__run() (lib/verify.c): synthetic captures of
 * the validation source, made with the independent test encoder and this
 * file's own implementation of the payloads of Documentation/abi.md ("The
 * validation source"): a correct one with losses of every cause must pass,
 * and each kind of defect (a sequence number missing or present twice, a
 * damaged record, a record on the wrong CPU or lane, a timestamp going
 * backwards, counters that do not add up, a summary missing) must fail
 * with its own counter.  Prints TAP 13.  Argument: optional name prefix.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rtrace.h"
#include "encoder.h"
#include "tap.h"

#define NCPU		2
#define NSEQ		12	/* sequenced attempts of each generator */
#define NUNSEQ		4	/* 2 without argument, 2 small raw */
#define MAXREC		64

/* Defects the builder can introduce. */
enum defect {
	D_NONE,
	D_MISSING,		/* a record dropped without a loss count */
	D_DUPLICATE,		/* a record written twice */
	D_BAD_CHECK,		/* a check value flipped */
	D_BAD_RAW,		/* a raw payload byte flipped */
	D_WRONG_CPU,		/* cpu 0's record in cpu 1's lane */
	D_WRONG_LANE,		/* a hardirq record on the softirq lane */
	D_BACKWARDS,		/* a lane's second sub-buffer starts earlier */
	D_COUNTER,		/* a generator claims one more success */
	D_LOST_COUNT,		/* a loss the generators do not know about */
	D_NO_SUMMARY,		/* cpu 1's CPU summary missing */
	D_UNSEQ_EXTRA,		/* one record without argument too many */
};

static const uint32_t val_nargs[8] = { 0, 1, 2, 3, 4, 5, 14, RTRACE_REC_RAW };

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

static uint64_t start(unsigned int kind, uint32_t cpu, uint64_t seq)
{
	return mix(mix(mix(0x5256414c49444154ULL, kind), cpu), seq);
}

struct lane_recs {
	struct enc_rec r[MAXREC];
	uint8_t raw[MAXREC][320];
	size_t n;
	uint64_t lost[RTRACE_NR_LOST];
};

static struct lane_recs lanes[NCPU][RTRACE_NR_LANES];
static uint64_t ts_now;

static struct enc_rec *add(uint32_t cpu, uint32_t lane, uint32_t type, uint8_t **raw)
{
	struct lane_recs *l = &lanes[cpu][lane];
	struct enc_rec *r = &l->r[l->n];

	memset(r, 0, sizeof(*r));
	r->type = type;
	r->nargs = val_nargs[type - RTRACE_EV_VAL_ARGS0];
	r->ts = ts_now += 10;
	*raw = l->raw[l->n];
	r->raw = *raw;
	l->n++;
	return r;
}

/* A sequenced event of @shape (1..5, 14 arguments; 16.. raw bytes) computed for @ccpu. */
static void seq_event(uint32_t cpu, uint32_t lane, unsigned int kind, uint32_t ccpu,
		      uint64_t seq, unsigned int shape)
{
	uint64_t h = start(kind, ccpu, seq), w;
	struct enc_rec *r;
	uint8_t *raw;
	unsigned int i, j;

	if (shape >= 16) {
		r = add(cpu, lane, RTRACE_EV_VAL_RAW, &raw);
		r->raw_len = shape;
		memset(raw, 0, shape);
		raw[0] = kind;
		for (i = 0; i < 8; i++)
			raw[8 + i] = (uint8_t)(seq >> (8 * i));
		h = mix(h, shape);
		for (i = 16; i < shape; i += 8) {
			w = 0;
			for (j = 0; j < 8 && i + j < shape; j++) {
				raw[i + j] = (uint8_t)(seq + (i + j) * 131);
				w |= (uint64_t)raw[i + j] << (8 * j);
			}
			h = mix(h, w);
		}
		for (i = 0; i < 4; i++)
			raw[4 + i] = (uint8_t)(h >> (8 * i));
		return;
	}
	if (shape == 1) {
		r = add(cpu, lane, RTRACE_EV_VAL_ARGS1, &raw);
		r->args[0] = seq << 24 | (uint64_t)kind << 20 | (h & 0xfffff);
		return;
	}
	r = add(cpu, lane, shape == 14 ? RTRACE_EV_VAL_ARGS14 : RTRACE_EV_VAL_ARGS0 + shape,
		&raw);
	r->args[0] = seq;
	for (i = 2; i < shape; i++) {
		r->args[i] = mix(seq, i) >> ((i * 9) % 64);
		h = mix(h, r->args[i]);
	}
	r->args[1] = kind | (h & 0xffffffff) << 2;
}

static void unseq_event(uint32_t cpu, uint32_t lane, unsigned int kind, unsigned int len)
{
	struct enc_rec *r;
	uint8_t *raw;
	unsigned int j;

	if (!len) {
		add(cpu, lane, RTRACE_EV_VAL_ARGS0, &raw);
		return;
	}
	r = add(cpu, lane, RTRACE_EV_VAL_RAW, &raw);
	r->raw_len = len;
	raw[0] = kind;
	for (j = 1; j < len; j++)
		raw[j] = (uint8_t)(kind * 16 + j);
}

static uint64_t summary_check(const void *rec, size_t len)
{
	const uint64_t *wp = rec;
	uint64_t h = 0x5256414c49444154ULL;
	size_t i;

	for (i = 0; i + 1 < len / 8; i++)
		h = mix(h, wp[i]);
	return h;
}

static void put_summary(uint32_t cpu, const void *rec, size_t len)
{
	struct enc_rec *r;
	uint8_t *raw;

	r = add(cpu, RTRACE_LANE_TASK, RTRACE_EV_VAL_RAW, &raw);
	memcpy(raw, rec, len);
	r->raw_len = len;
}

/*
 * The capture: per CPU, four generators (lane = kind), each NSEQ sequenced
 * and NUNSEQ unsequenced attempts; on every CPU the softirq generator's seq
 * 5 failed with ENOSPC (lost full on its lane); cpu 0's task generator
 * wrote seq 11 on the spare lane and its seq 12 recursed (EBUSY, lost
 * recursion); cpu 1's task seq 3 was overwritten (lost overwritten).
 */
static void build(struct enc *e, enum defect d)
{
	static const unsigned int shapes[NSEQ] = { 1, 2, 3, 4, 5, 14, 16, 40, 1, 2, 3, 300 };
	struct rtrace_event_desc descs[8];
	struct enc_stream p = { .nr_cpus = NCPU, .subbuf_size = 4096, .descs = descs,
				.nr_descs = 8 };
	struct rtrace_val_gen_summary gs;
	struct rtrace_val_cpu_summary cs;
	uint64_t res[NCPU][RTRACE_VAL_NR_RES];
	unsigned int k, i, cpu, l, split;
	uint64_t nseq, ok;
	size_t half;

	memset(lanes, 0, sizeof(lanes));
	memset(res, 0, sizeof(res));
	memset(e, 0, sizeof(*e));
	ts_now = 1000;
	for (i = 0; i < 8; i++) {
		memset(&descs[i], 0, sizeof(descs[i]));
		descs[i].id = RTRACE_EV_VAL_ARGS0 + i;
		descs[i].nr_fields = val_nargs[i];
		snprintf(descs[i].name, sizeof(descs[i].name), "val_%u", i);
		for (k = 0; i < 7 && k < val_nargs[i]; k++) {
			snprintf(descs[i].fields[k].name, sizeof(descs[i].fields[k].name), "f%u", k);
			descs[i].fields[k].type = RTRACE_FIELD_HEX;
		}
	}
	for (cpu = 0; cpu < NCPU; cpu++) {
		for (k = 0; k < RTRACE_VAL_NR_KINDS; k++) {
			nseq = NSEQ + (cpu == 0 && k == RTRACE_VAL_TASK);
			ok = NSEQ + NUNSEQ;
			for (i = 0; i < NSEQ; i++) {
				l = k;
				if (k == RTRACE_VAL_SOFTIRQ && i == 5) {
					ok--;
					res[cpu][RTRACE_VAL_RES_ENOSPC]++;
					lanes[cpu][l].lost[RTRACE_LOST_FULL]++;
					continue;
				}
				if (cpu == 1 && k == RTRACE_VAL_TASK && i == 3) {
					lanes[cpu][l].lost[RTRACE_LOST_OVERWRITTEN]++;
					continue;
				}
				if (d == D_MISSING && cpu == 1 && k == RTRACE_VAL_HARDIRQ && i == 7)
					continue;
				if (cpu == 0 && k == RTRACE_VAL_TASK && i == 11)
					l = RTRACE_LANE_SPARE;
				if (d == D_WRONG_LANE && cpu == 0 && k == RTRACE_VAL_HARDIRQ && i == 2)
					l = RTRACE_LANE_SOFTIRQ;
				if (d == D_WRONG_CPU && cpu == 0 && k == RTRACE_VAL_NMI && i == 4) {
					seq_event(1, RTRACE_LANE_NMI, k, 0, i, shapes[i]);
					continue;
				}
				seq_event(cpu, l, k, cpu, i, shapes[i]);
				if (d == D_DUPLICATE && cpu == 0 && k == RTRACE_VAL_NMI && i == 6)
					seq_event(cpu, l, k, cpu, i, shapes[i]);
			}
			if (cpu == 0 && k == RTRACE_VAL_TASK) {
				/* seq NSEQ: the recursion */
				res[cpu][RTRACE_VAL_RES_EBUSY]++;
				lanes[cpu][k].lost[RTRACE_LOST_RECURSION]++;
			}
			unseq_event(cpu, k, k, 0);
			unseq_event(cpu, k, k, 1);
			unseq_event(cpu, k, k, 0);
			unseq_event(cpu, k, k, 15);
			if (d == D_UNSEQ_EXTRA && cpu == 1 && k == 2)
				unseq_event(cpu, k, k, 0);
			if (d == D_COUNTER && cpu == 1 && k == RTRACE_VAL_SOFTIRQ)
				ok++;
			memset(&gs, 0, sizeof(gs));
			gs.tag = RTRACE_VAL_TAG_GEN;
			gs.kind = k;
			gs.lane = k;
			gs.cpu = cpu;
			gs.seq = nseq;
			gs.unseq = NUNSEQ;
			gs.ok = ok;
			if (k == RTRACE_VAL_SOFTIRQ)
				gs.res[RTRACE_VAL_RES_ENOSPC] = 1;
			if (cpu == 0 && k == RTRACE_VAL_TASK)
				gs.res[RTRACE_VAL_RES_EBUSY] = 1;
			if (d == D_COUNTER && cpu == 1 && k == RTRACE_VAL_SOFTIRQ)
				gs.res[RTRACE_VAL_RES_ENOSPC] = 0;
			gs.check = summary_check(&gs, sizeof(gs));
			put_summary(cpu, &gs, sizeof(gs));
		}
		memset(&cs, 0, sizeof(cs));
		cs.tag = RTRACE_VAL_TAG_CPU;
		cs.nr_kinds = RTRACE_VAL_NR_KINDS;
		cs.cpu = cpu;
		cs.written = RTRACE_VAL_NR_KINDS;
		cs.pairs[RTRACE_LANE_TASK][RTRACE_LANE_NMI] = 2;
		cs.pairs[RTRACE_LANE_TASK][RTRACE_LANE_SPARE] = cpu == 0;
		cs.check = summary_check(&cs, sizeof(cs));
		if (!(d == D_NO_SUMMARY && cpu == 1))
			put_summary(cpu, &cs, sizeof(cs));
	}
	if (d == D_LOST_COUNT)
		lanes[0][RTRACE_LANE_HARDIRQ].lost[RTRACE_LOST_FULL]++;
	if (d == D_BAD_CHECK)
		lanes[1][RTRACE_LANE_SOFTIRQ].r[2].args[1] ^= 1 << 4;
	if (d == D_BAD_RAW)
		lanes[0][RTRACE_LANE_HARDIRQ].raw[7][20] ^= 1;

	enc_stream_hdr(e, &p);
	for (cpu = 0; cpu < NCPU; cpu++) {
		for (l = 0; l < RTRACE_NR_LANES; l++) {
			struct lane_recs *lr = &lanes[cpu][l];

			if (!lr->n && !lr->lost[0] && !lr->lost[1] && !lr->lost[4])
				continue;
			split = d == D_BACKWARDS && cpu == 0 && l == RTRACE_LANE_HARDIRQ;
			if (!split) {
				enc_subbuf(e, cpu, l, 0, lr->n ? lr->r[0].ts : 0, lr->lost, lr->r, lr->n);
				continue;
			}
			/* The second half's timestamps moved before the first half's end. */
			half = lr->n / 2;
			enc_subbuf(e, cpu, l, 0, lr->r[0].ts, lr->lost, lr->r, half);
			for (i = half; i < lr->n; i++)
				lr->r[i].ts -= 200;
			enc_subbuf(e, cpu, l, 1, lr->r[half].ts, NULL, lr->r + half, lr->n - half);
		}
	}
}

static int run_verify(enum defect d, struct rtrace_verify_result *r)
{
	struct rtrace_verify_opts o = { .sz = sizeof(o), .log = stdout, .max_msgs = 5 };
	struct rtrace_decoder *dec;
	struct enc e;
	int ret;

	build(&e, d);
	dec = rtrace_decoder__new(e.buf, e.len, NULL);
	CHECK(dec);
	if (!dec) {
		enc_free(&e);
		return -1;
	}
	printf("# defect %d:\n", d);
	ret = rtrace_verify__run(dec, &o, r);
	CHECK_EQ(0, rtrace_decoder__nr_errors(dec));
	rtrace_decoder__free(dec);
	enc_free(&e);
	return ret;
}

static void test_ok(void)
{
	struct rtrace_verify_result r;

	CHECK_EQ(0, run_verify(D_NONE, &r));
	CHECK_EQ(0, r.failures);
	CHECK_EQ(NCPU, r.cpus);
	/* 4 generators x (NSEQ + NUNSEQ) + 5 summaries per CPU, minus the losses. */
	CHECK_EQ(NCPU * (4 * (NSEQ + NUNSEQ) + 5) - NCPU - 1, r.events);
	CHECK_EQ(NCPU, r.lost[RTRACE_LOST_FULL]);
	CHECK_EQ(1, r.lost[RTRACE_LOST_RECURSION]);
	CHECK_EQ(1, r.lost[RTRACE_LOST_OVERWRITTEN]);
	CHECK_EQ(NCPU + 2, r.lost_total);
	CHECK_EQ(NCPU + 2, r.missing_events);
	CHECK_EQ(0, r.torn);
	CHECK_EQ(1, r.spare);
	CHECK_EQ(2 * NCPU + 1, r.nested);
	CHECK_EQ(1, r.pairs[RTRACE_LANE_TASK][RTRACE_LANE_SPARE]);
	CHECK_EQ(NCPU, r.lane_cpus[RTRACE_LANE_TASK]);
	CHECK_EQ(NCPU, r.lane_cpus[RTRACE_LANE_NMI]);
	CHECK_EQ(1, r.lane_cpus[RTRACE_LANE_SPARE]);
}

/* Each defect fails, with its counter (and with no unrelated one where exact). */
static void test_missing(void)
{
	struct rtrace_verify_result r;

	CHECK_EQ(0, run_verify(D_MISSING, &r));
	CHECK(r.failures);
	CHECK(r.missing);
	/* The generator's success went neither to a record nor to a loss. */
	CHECK(r.counters);
	CHECK_EQ(0, r.duplicate + r.bad_check + r.wrong_cpu + r.wrong_lane + r.backwards);
}

static void test_duplicate(void)
{
	struct rtrace_verify_result r;

	CHECK_EQ(0, run_verify(D_DUPLICATE, &r));
	CHECK_EQ(1, r.duplicate);
	CHECK(r.failures);
	CHECK_EQ(0, r.bad_check + r.wrong_cpu + r.wrong_lane + r.backwards);
}

static void test_bad_check(void)
{
	struct rtrace_verify_result r;

	CHECK_EQ(0, run_verify(D_BAD_CHECK, &r));
	CHECK_EQ(1, r.bad_check);
	CHECK_EQ(1, r.torn);
	CHECK_EQ(0, r.wrong_cpu + r.duplicate + r.backwards);
	CHECK_EQ(0, run_verify(D_BAD_RAW, &r));
	CHECK_EQ(1, r.bad_check);
	CHECK_EQ(1, r.torn);
}

static void test_wrong_cpu(void)
{
	struct rtrace_verify_result r;

	CHECK_EQ(0, run_verify(D_WRONG_CPU, &r));
	CHECK_EQ(1, r.wrong_cpu);
	CHECK_EQ(0, r.bad_check);
	CHECK(r.failures);
}

static void test_wrong_lane(void)
{
	struct rtrace_verify_result r;

	CHECK_EQ(0, run_verify(D_WRONG_LANE, &r));
	CHECK_EQ(1, r.wrong_lane);
	CHECK_EQ(0, r.bad_check + r.wrong_cpu + r.counters + r.missing);
}

static void test_backwards(void)
{
	struct rtrace_verify_result r;

	CHECK_EQ(0, run_verify(D_BACKWARDS, &r));
	CHECK(r.backwards >= 1);
	CHECK_EQ(0, r.bad_check + r.wrong_cpu + r.counters + r.missing + r.duplicate);
}

static void test_counters(void)
{
	struct rtrace_verify_result r;

	CHECK_EQ(0, run_verify(D_COUNTER, &r));
	CHECK(r.counters);
	CHECK_EQ(0, r.bad_check + r.wrong_cpu + r.duplicate + r.backwards);
	CHECK_EQ(0, run_verify(D_LOST_COUNT, &r));
	CHECK(r.counters);
	CHECK(r.missing);
	CHECK_EQ(0, run_verify(D_NO_SUMMARY, &r));
	CHECK_EQ(1, r.counters);
	CHECK_EQ(0, run_verify(D_UNSEQ_EXTRA, &r));
	CHECK(r.counters);
}

/* Not a validation capture at all, and a stream that does not decode. */
static void test_other_inputs(void)
{
	struct rtrace_verify_result r;
	struct rtrace_decoder *dec;
	struct enc e;

	build(&e, D_NONE);
	dec = rtrace_decoder__new(e.buf, 200, NULL);
	CHECK(dec);
	CHECK_EQ(0, rtrace_verify__run(dec, NULL, &r));
	CHECK(r.failures);
	CHECK_EQ(1, r.decode_errors);
	rtrace_decoder__free(dec);
	dec = rtrace_decoder__new(e.buf, e.len, NULL);
	CHECK_EQ(-EINVAL, rtrace_verify__run(dec, NULL, NULL));
	rtrace_decoder__free(dec);
	enc_free(&e);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		tap_prefix = argv[1];
	printf("TAP version 13\n");
	TEST(test_ok);
	TEST(test_missing);
	TEST(test_duplicate);
	TEST(test_bad_check);
	TEST(test_wrong_cpu);
	TEST(test_wrong_lane);
	TEST(test_backwards);
	TEST(test_counters);
	TEST(test_other_inputs);
	return tap_finish();
}
