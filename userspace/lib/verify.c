// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * librtrace: verify a capture of the validation source (RTRACE_SOURCE_VALIDATE;
 * its formats are in Documentation/abi.md, "The validation source").
 *
 * Per session and CPU, from the records and the in-band loss counts alone:
 *   - every record of the source decodes and its check value holds (one
 *     that holds only for another CPU is on the wrong CPU);
 *   - no sequence number of a generator appears twice, none is at or
 *     beyond the generator's count of attempts;
 *   - each generator's records lie on its own lane or the spare lane;
 *   - timestamps never go backwards within a (cpu, lane);
 *   - the summaries are there, and their counters add up: attempts ==
 *     returned 0 + failed by errno; records read + lost[OVERWRITTEN] ==
 *     writes that returned 0; lost[FULL, RECURSION, TOO_LARGE, OFF] ==
 *     failures with ENOSPC, EBUSY, E2BIG, ENODEV; so every event attempted
 *     is read once or counted lost (the CPU is the unit: a CPU's spare lane
 *     takes any of its generators' records, so its losses belong to all).
 * Records of other sources make the counts upper bounds (they may have
 * lost events too); the result says so.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "internal.h"

#define VAL_CHECK_SEED		0x5256414c49444154ULL
#define VAL_MAX_SEQ		(1ULL << 32)	/* a larger one is not believed */

struct vgen {
	uint8_t *seen;			/* bitmap of sequence numbers */
	uint64_t cap;			/* bits at @seen */
	uint64_t nseen;
	uint64_t unseq_read;
	uint64_t max_seq_plus1;
	uint32_t lanes;			/* lanes its records were found on */
	int have;
	struct rtrace_val_gen_summary sum;
};

struct vcpu {
	struct vgen gen[RTRACE_VAL_NR_KINDS];
	uint64_t read;			/* records of the source */
	uint64_t args0_read;		/* records without argument (kind unknown) */
	uint32_t args0_lanes;
	uint64_t other;			/* records of other sources */
	uint32_t lanes;			/* lanes with records of the source */
	uint64_t last_ts[RTRACE_NR_LANES];
	uint8_t have_ts[RTRACE_NR_LANES];
	uint64_t lost[RTRACE_NR_LOST];
	int have_cs;
	struct rtrace_val_cpu_summary cs;
};

struct vsession {
	uint32_t nr_cpus;
	struct vcpu *cpus;
};

struct vctx {
	const struct rtrace_verify_opts *opts;
	struct rtrace_verify_result *res;
	unsigned int nr_sessions;
	struct vsession *s;
	unsigned int msgs;
};

static uint64_t val_mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

static uint64_t val_start(unsigned int kind, uint32_t cpu, uint64_t seq)
{
	return val_mix(val_mix(val_mix(VAL_CHECK_SEED, kind), cpu), seq);
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t summary_check(const void *rec, size_t len)
{
	const uint8_t *p = rec;
	uint64_t h = VAL_CHECK_SEED;
	size_t i;

	for (i = 0; i + 1 < len / 8; i++)
		h = val_mix(h, le64(p + 8 * i));
	return h;
}

static const char *kind_name(unsigned int k)
{
	static const char * const n[] = { "task", "softirq", "hardirq", "nmi" };

	return k < RTRACE_VAL_NR_KINDS ? n[k] : "kind?";
}

__attribute__((format(printf, 3, 4)))
static void vfail(struct vctx *v, uint64_t *counter, const char *fmt, ...)
{
	FILE *log = OPTS_HAS(v->opts, log) ? v->opts->log : NULL;
	unsigned int max = OPTS_HAS(v->opts, max_msgs) && v->opts->max_msgs ?
			   v->opts->max_msgs : 20;
	va_list ap;

	(*counter)++;
	v->res->failures++;
	if (!log)
		return;
	if (v->msgs < max) {
		fputs("verify: ", log);
		va_start(ap, fmt);
		vfprintf(log, fmt, ap);
		va_end(ap);
		fputc('\n', log);
	} else if (v->msgs == max) {
		fputs("verify: ... (further problems not shown)\n", log);
	}
	v->msgs++;
}

/* Record sequence number @seq of generator @g; 0, or -ENOMEM. */
static int gen_see(struct vctx *v, struct vgen *g, uint32_t sess, uint32_t cpu,
		   unsigned int kind, uint64_t seq)
{
	uint64_t cap;
	uint8_t *n;

	if (seq >= VAL_MAX_SEQ) {
		vfail(v, &v->res->bad_check, "session %u cpu %u %s: seq %llu out of range",
		      sess, cpu, kind_name(kind), (unsigned long long)seq);
		return 0;
	}
	if (seq >= g->cap) {
		cap = g->cap ? g->cap : 4096;
		while (cap <= seq)
			cap *= 2;
		n = realloc(g->seen, cap / 8);
		if (!n)
			return -ENOMEM;
		memset(n + g->cap / 8, 0, (cap - g->cap) / 8);
		g->seen = n;
		g->cap = cap;
	}
	if (g->seen[seq / 8] & (1u << (seq % 8))) {
		vfail(v, &v->res->duplicate, "session %u cpu %u %s: seq %llu recorded twice",
		      sess, cpu, kind_name(kind), (unsigned long long)seq);
		return 0;
	}
	g->seen[seq / 8] |= 1u << (seq % 8);
	g->nseen++;
	if (seq + 1 > g->max_seq_plus1)
		g->max_seq_plus1 = seq + 1;
	return 0;
}

/*
 * The check value of a sequenced record, for CPU @cpu.  @ev's payload is
 * decoded into *@kind and *@seq.  Return: 1 if it holds, 0 if not, -1 if
 * the record cannot be one of the source's at all.
 */
static int val_record_check(const struct rtrace_event *ev, uint32_t cpu, unsigned int *kind,
			    uint64_t *seq)
{
	uint64_t h, w;
	uint32_t i, j;

	if (ev->type == RTRACE_EV_VAL_ARGS1) {
		*seq = ev->args[0] >> 24;
		*kind = (ev->args[0] >> 20) & 0xf;
		if (*kind >= RTRACE_VAL_NR_KINDS)
			return -1;
		return (val_start(*kind, cpu, *seq) & 0xfffff) == (ev->args[0] & 0xfffff);
	}
	if (ev->type != RTRACE_EV_VAL_RAW) {
		*seq = ev->args[0];
		*kind = ev->args[1] & 3;
		if (ev->args[1] >> 34)
			return -1;
		h = val_start(*kind, cpu, *seq);
		for (i = 2; i < ev->nr_args; i++)
			h = val_mix(h, ev->args[i]);
		return (h & 0xffffffff) == ev->args[1] >> 2;
	}
	/* A sequenced raw event: at least 16 bytes, tag < RTRACE_VAL_NR_KINDS. */
	*kind = ev->raw[0];
	*seq = le64(ev->raw + 8);
	if (ev->raw[1] || ev->raw[2] || ev->raw[3])
		return -1;
	h = val_mix(val_start(*kind, cpu, *seq), ev->raw_len);
	for (i = 16; i < ev->raw_len; i += 8) {
		w = 0;
		for (j = 0; j < 8 && i + j < ev->raw_len; j++)
			w |= (uint64_t)ev->raw[i + j] << (8 * j);
		h = val_mix(h, w);
	}
	return (uint32_t)h == le32(ev->raw + 4);
}

/* Is @ev a record of the validation source, by type and shape? */
static int val_type(const struct rtrace_event *ev)
{
	static const uint32_t nargs[] = { 0, 1, 2, 3, 4, 5, RTRACE_REC_MAX_ARGS, RTRACE_REC_RAW };

	if (ev->type < RTRACE_EV_VAL_ARGS0 || ev->type > RTRACE_EV_VAL_RAW)
		return 0;
	return ev->nr_args == nargs[ev->type - RTRACE_EV_VAL_ARGS0];
}

static void val_summary(struct vctx *v, struct vcpu *c, const struct rtrace_event *ev)
{
	struct rtrace_val_gen_summary gs;
	struct rtrace_val_cpu_summary cs;
	uint64_t n;

	if (ev->raw[0] == RTRACE_VAL_TAG_GEN && ev->raw_len == sizeof(gs)) {
		memcpy(&gs, ev->raw, sizeof(gs));
		if (summary_check(ev->raw, sizeof(gs)) != gs.check ||
		    gs.kind >= RTRACE_VAL_NR_KINDS || gs.lane >= RTRACE_NR_LANES) {
			vfail(v, &v->res->bad_check, "session %u cpu %u: a generator summary is damaged (offset %llu)",
			      ev->session, ev->cpu, (unsigned long long)ev->offset);
			return;
		}
		if (gs.cpu != ev->cpu) {
			vfail(v, &v->res->wrong_cpu, "session %u: summary of cpu %u %s found on cpu %u",
			      ev->session, gs.cpu, kind_name(gs.kind), ev->cpu);
			return;
		}
		/* Cumulative: the latest (most attempts) counts. */
		n = gs.seq + gs.unseq;
		if (!c->gen[gs.kind].have ||
		    n >= c->gen[gs.kind].sum.seq + c->gen[gs.kind].sum.unseq) {
			c->gen[gs.kind].sum = gs;
			c->gen[gs.kind].have = 1;
		}
		return;
	}
	if (ev->raw[0] == RTRACE_VAL_TAG_CPU && ev->raw_len == sizeof(cs)) {
		memcpy(&cs, ev->raw, sizeof(cs));
		if (summary_check(ev->raw, sizeof(cs)) != cs.check) {
			vfail(v, &v->res->bad_check, "session %u cpu %u: the CPU summary is damaged (offset %llu)",
			      ev->session, ev->cpu, (unsigned long long)ev->offset);
			return;
		}
		if (cs.cpu != ev->cpu) {
			vfail(v, &v->res->wrong_cpu, "session %u: summary of cpu %u found on cpu %u",
			      ev->session, cs.cpu, ev->cpu);
			return;
		}
		if (!c->have_cs || cs.written >= c->cs.written) {
			c->cs = cs;
			c->have_cs = 1;
		}
		return;
	}
	vfail(v, &v->res->bad_check, "session %u cpu %u: raw record with tag 0x%x and %u bytes (offset %llu)",
	      ev->session, ev->cpu, ev->raw[0], ev->raw_len, (unsigned long long)ev->offset);
}

static int val_event(struct vctx *v, const struct rtrace_event *ev)
{
	struct vsession *s = &v->s[ev->session];
	struct vcpu *c = &s->cpus[ev->cpu];
	unsigned int kind, k2;
	uint32_t other, j;
	uint64_t seq;
	int ok;

	if (ev->lane < RTRACE_NR_LANES) {
		if (c->have_ts[ev->lane] && ev->ts < c->last_ts[ev->lane])
			vfail(v, &v->res->backwards,
			      "session %u cpu %u %s lane: timestamp %llu after %llu (offset %llu)",
			      ev->session, ev->cpu, rtrace_lane__name(ev->lane),
			      (unsigned long long)ev->ts, (unsigned long long)c->last_ts[ev->lane],
			      (unsigned long long)ev->offset);
		c->last_ts[ev->lane] = ev->ts;
		c->have_ts[ev->lane] = 1;
	}
	if (!val_type(ev)) {
		c->other++;
		v->res->other_events++;
		return 0;
	}
	c->read++;
	v->res->events++;
	if (ev->lane < RTRACE_NR_LANES)
		c->lanes |= 1u << ev->lane;
	if (ev->lane == RTRACE_LANE_SPARE)
		v->res->spare++;
	if (ev->type == RTRACE_EV_VAL_ARGS0) {
		c->args0_read++;
		c->args0_lanes |= 1u << ev->lane;
		return 0;
	}
	if (ev->type == RTRACE_EV_VAL_RAW) {
		if (!ev->raw_len) {
			vfail(v, &v->res->bad_check, "session %u cpu %u: empty raw record (offset %llu)",
			      ev->session, ev->cpu, (unsigned long long)ev->offset);
			return 0;
		}
		if (ev->raw[0] >= 0x80) {
			val_summary(v, c, ev);
			return 0;
		}
		kind = ev->raw[0];
		if (kind >= RTRACE_VAL_NR_KINDS) {
			vfail(v, &v->res->bad_check, "session %u cpu %u: raw record of kind %u (offset %llu)",
			      ev->session, ev->cpu, kind, (unsigned long long)ev->offset);
			return 0;
		}
		if (ev->raw_len < 16) {
			for (j = 1; j < ev->raw_len; j++)
				if (ev->raw[j] != (uint8_t)(kind * 16 + j))
					break;
			if (j < ev->raw_len) {
				vfail(v, &v->res->bad_check, "session %u cpu %u %s: small raw record damaged (offset %llu)",
				      ev->session, ev->cpu, kind_name(kind),
				      (unsigned long long)ev->offset);
				return 0;
			}
			c->gen[kind].unseq_read++;
			c->gen[kind].lanes |= 1u << ev->lane;
			return 0;
		}
	}
	ok = val_record_check(ev, ev->cpu, &kind, &seq);
	if (ok < 0) {
		vfail(v, &v->res->bad_check, "session %u cpu %u: %s record is not the source's (offset %llu)",
		      ev->session, ev->cpu, ev->desc ? ev->desc->name : "?",
		      (unsigned long long)ev->offset);
		return 0;
	}
	if (!ok) {
		/* Right for another CPU: on the wrong CPU; else damaged. */
		for (other = 0; other < s->nr_cpus; other++)
			if (other != ev->cpu && val_record_check(ev, other, &k2, &seq) == 1)
				break;
		if (other < s->nr_cpus)
			vfail(v, &v->res->wrong_cpu,
			      "session %u: %s seq %llu of cpu %u found on cpu %u (offset %llu)",
			      ev->session, kind_name(kind), (unsigned long long)seq, other, ev->cpu,
			      (unsigned long long)ev->offset);
		else
			vfail(v, &v->res->bad_check,
			      "session %u cpu %u %s: check value fails for seq %llu (offset %llu)",
			      ev->session, ev->cpu, kind_name(kind), (unsigned long long)seq,
			      (unsigned long long)ev->offset);
		return 0;
	}
	c->gen[kind].lanes |= 1u << ev->lane;
	return gen_see(v, &c->gen[kind], ev->session, ev->cpu, kind, seq);
}

static const unsigned int res_cause[RTRACE_VAL_NR_RES] = {
	[RTRACE_VAL_RES_EBUSY] = RTRACE_LOST_RECURSION,
	[RTRACE_VAL_RES_ENOSPC] = RTRACE_LOST_FULL,
	[RTRACE_VAL_RES_E2BIG] = RTRACE_LOST_TOO_LARGE,
	[RTRACE_VAL_RES_ENODEV] = RTRACE_LOST_OFF,
	[RTRACE_VAL_RES_OTHER] = RTRACE_NR_LOST,
};

/* @a == @b, or @a <= @b when other sources share the losses. */
static int count_ok(uint64_t a, uint64_t b, int bound)
{
	return bound ? a <= b : a == b;
}

/* The end-of-session checks of one CPU. */
static void val_cpu_end(struct vctx *v, uint32_t sess, uint32_t cpu, struct vcpu *c)
{
	uint64_t ok = 0, res[RTRACE_VAL_NR_RES] = { 0 }, missing = 0, lost = 0, att, r;
	int bound = c->other > 0;
	uint32_t args0_lanes = 1u << RTRACE_LANE_SPARE;
	unsigned int k, i;
	struct vgen *g;

	if (!c->read && !c->have_cs)
		return;
	v->res->cpus++;
	for (i = 0; i < RTRACE_NR_LANES; i++)
		v->res->lane_cpus[i] += (c->lanes >> i) & 1;
	if (!c->have_cs) {
		vfail(v, &v->res->counters,
		      "session %u cpu %u: no CPU summary (was the session stopped, and read to its end?)",
		      sess, cpu);
		return;
	}
	for (i = 0; i < RTRACE_NR_LANES; i++)
		for (k = 0; k < RTRACE_NR_LANES; k++)
			v->res->pairs[i][k] += c->cs.pairs[i][k];
	for (k = 0; k < RTRACE_VAL_NR_KINDS; k++) {
		g = &c->gen[k];
		if (!g->have) {
			vfail(v, &v->res->counters, "session %u cpu %u %s: no generator summary",
			      sess, cpu, kind_name(k));
			continue;
		}
		att = g->sum.seq + g->sum.unseq;
		r = g->sum.ok;
		for (i = 0; i < RTRACE_VAL_NR_RES; i++) {
			r += g->sum.res[i];
			res[i] += g->sum.res[i];
		}
		ok += g->sum.ok;
		if (att != r)
			vfail(v, &v->res->counters,
			      "session %u cpu %u %s: %llu attempts but %llu results",
			      sess, cpu, kind_name(k), (unsigned long long)att, (unsigned long long)r);
		if (g->sum.res[RTRACE_VAL_RES_OTHER])
			vfail(v, &v->res->counters,
			      "session %u cpu %u %s: %llu writes failed with an unexpected errno",
			      sess, cpu, kind_name(k),
			      (unsigned long long)g->sum.res[RTRACE_VAL_RES_OTHER]);
		if (g->max_seq_plus1 > g->sum.seq)
			vfail(v, &v->res->counters,
			      "session %u cpu %u %s: seq %llu recorded, but only %llu attempted",
			      sess, cpu, kind_name(k), (unsigned long long)(g->max_seq_plus1 - 1),
			      (unsigned long long)g->sum.seq);
		else
			missing += g->sum.seq - g->nseen;
		if (g->unseq_read > g->sum.unseq)
			vfail(v, &v->res->counters,
			      "session %u cpu %u %s: %llu small raw records, more than attempted",
			      sess, cpu, kind_name(k), (unsigned long long)g->unseq_read);
		if (g->lanes & ~(1u << g->sum.lane | 1u << RTRACE_LANE_SPARE))
			vfail(v, &v->res->wrong_lane,
			      "session %u cpu %u %s: records on lanes 0x%x, its lane is %s",
			      sess, cpu, kind_name(k), g->lanes, rtrace_lane__name(g->sum.lane));
		if (att)
			args0_lanes |= 1u << g->sum.lane;
	}
	if (c->args0_lanes & ~args0_lanes)
		vfail(v, &v->res->wrong_lane,
		      "session %u cpu %u: records without argument on lanes 0x%x, generators' lanes 0x%x",
		      sess, cpu, c->args0_lanes, args0_lanes);
	for (i = 0; i < RTRACE_VAL_NR_RES; i++)
		res[i] += c->cs.res[i];
	if (res[RTRACE_VAL_RES_OTHER])
		vfail(v, &v->res->counters, "session %u cpu %u: summary writes failed unexpectedly",
		      sess, cpu);
	/* Every write that returned 0 was read or overwritten (+1: the CPU summary read). */
	if (!count_ok(ok + c->cs.written + 1, c->read + c->lost[RTRACE_LOST_OVERWRITTEN], bound) ||
	    (bound && ok + c->cs.written + 1 < c->read))
		vfail(v, &v->res->counters,
		      "session %u cpu %u: %llu writes returned 0, but %llu records read + %llu overwritten",
		      sess, cpu, (unsigned long long)(ok + c->cs.written + 1),
		      (unsigned long long)c->read,
		      (unsigned long long)c->lost[RTRACE_LOST_OVERWRITTEN]);
	for (i = 0; i < RTRACE_VAL_NR_RES; i++) {
		if (res_cause[i] >= RTRACE_NR_LOST)
			continue;
		if (!count_ok(res[i], c->lost[res_cause[i]], bound))
			vfail(v, &v->res->counters,
			      "session %u cpu %u: generators saw %llu writes fail for %s, the stream counts %llu lost",
			      sess, cpu, (unsigned long long)res[i], rtrace_lost__name(res_cause[i]),
			      (unsigned long long)c->lost[res_cause[i]]);
	}
	/*
	 * Every sequence number, and every unsequenced event, present or
	 * counted lost.  Records without argument do not say their kind: the
	 * unsequenced events are counted per CPU.
	 */
	att = c->args0_read;
	r = 0;
	for (k = 0; k < RTRACE_VAL_NR_KINDS; k++) {
		if (!c->gen[k].have)
			continue;
		r += c->gen[k].sum.unseq;
		att += c->gen[k].unseq_read;
	}
	if (att > r)
		vfail(v, &v->res->counters,
		      "session %u cpu %u: %llu unsequenced records read, %llu attempted",
		      sess, cpu, (unsigned long long)att, (unsigned long long)r);
	else
		missing += r - att;
	for (i = 0; i < RTRACE_NR_LOST; i++)
		lost += c->lost[i];
	r = 0;
	for (i = 0; i < RTRACE_VAL_NR_RES; i++)
		r += c->cs.res[i];
	v->res->missing_events += missing;
	if (!count_ok(missing + r, lost, bound))
		vfail(v, &v->res->missing,
		      "session %u cpu %u: %llu events missing, the stream counts %llu lost",
		      sess, cpu, (unsigned long long)missing,
		      (unsigned long long)(lost >= r ? lost - r : 0));
}

int rtrace_verify__run(struct rtrace_decoder *dec, const struct rtrace_verify_opts *opts,
		       struct rtrace_verify_result *res)
{
	const struct rtrace_stream_hdr *h;
	const struct rtrace_lane_info *li;
	struct vctx v = { .opts = opts, .res = res };
	struct rtrace_event ev;
	unsigned int i, k;
	uint32_t c;
	int ret = 0;

	if (!dec || !res || !opts_valid(opts, sizeof(*opts)))
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	v.nr_sessions = rtrace_decoder__nr_sessions(dec);
	v.s = calloc(v.nr_sessions ? v.nr_sessions : 1, sizeof(*v.s));
	if (!v.s)
		return -ENOMEM;
	for (i = 0; i < v.nr_sessions; i++) {
		h = rtrace_decoder__session(dec, i);
		v.s[i].nr_cpus = h->nr_cpus;
		v.s[i].cpus = calloc(h->nr_cpus ? h->nr_cpus : 1, sizeof(struct vcpu));
		if (!v.s[i].cpus) {
			ret = -ENOMEM;
			goto out;
		}
		if (h->flags & RTRACE_STREAM_RESUMED)
			vfail(&v, &res->counters,
			      "session %u: another consumer read part of it (resumed): nothing to prove", i);
	}
	while (rtrace_decoder__next(dec, &ev) == 1) {
		if (ev.session >= v.nr_sessions || ev.cpu >= v.s[ev.session].nr_cpus)
			continue;
		ret = val_event(&v, &ev);
		if (ret)
			goto out;
	}
	res->torn = rtrace_decoder__nr_errors(dec) + res->bad_check;
	if (rtrace_decoder__nr_errors(dec))
		vfail(&v, &res->decode_errors, "the stream does not decode: %s at offset %llu",
		      rtrace_decoder__error(dec)->msg,
		      (unsigned long long)rtrace_decoder__error(dec)->offset);
	for (i = 0; i < rtrace_decoder__nr_lanes(dec); i++) {
		li = rtrace_decoder__lane(dec, i);
		if (li->session >= v.nr_sessions || li->cpu >= v.s[li->session].nr_cpus)
			continue;
		for (k = 0; k < RTRACE_NR_LOST; k++) {
			v.s[li->session].cpus[li->cpu].lost[k] += li->lost[k];
			res->lost[k] += li->lost[k];
		}
	}
	for (i = 0; i < v.nr_sessions; i++)
		for (c = 0; c < v.s[i].nr_cpus; c++)
			val_cpu_end(&v, i, c, &v.s[i].cpus[c]);
	if (!res->events && !res->failures)
		vfail(&v, &res->counters, "no record of the validation source (record with --sources validate)");
	for (i = 0; i < RTRACE_NR_LANES; i++)
		for (k = 0; k < RTRACE_NR_LANES; k++)
			res->nested += res->pairs[i][k];
	for (k = 0; k < RTRACE_NR_LOST; k++)
		res->lost_total += res->lost[k];
out:
	for (i = 0; i < v.nr_sessions; i++) {
		if (!v.s[i].cpus)
			continue;
		for (c = 0; c < v.s[i].nr_cpus; c++)
			for (k = 0; k < RTRACE_VAL_NR_KINDS; k++)
				free(v.s[i].cpus[c].gen[k].seen);
		free(v.s[i].cpus);
	}
	free(v.s);
	return ret;
}
