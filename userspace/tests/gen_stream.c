// SPDX-License-Identifier: GPL-2.0
/*
 * gen_stream: write rtrace streams with the independent test encoder.
 *
 *   gen_stream sample FILE [SEED [NR_SUBBUFS]]   a valid stream: 2 CPUs, every lane,
 *                                                sched_switch-like, raw and test events
 *   gen_stream concat FILE                       two sessions back to back
 *   gen_stream future FILE                       a later minor version's writer
 *   gen_stream kernel FILE [SEED [NR_PER_LANE]]  kernel-like events under the names and
 *                                                fields of the shared conventions:
 *                                                sched_switch, sched_wakeup, sys_enter/exit,
 *                                                irq_handler_*, softirq_*, task_name records,
 *                                                markers, a module event and losses
 *   gen_stream corpus DIR                        the fuzzer's seed corpus
 *
 * Output is deterministic for a given SEED.
 */
#include <errno.h>
#include <stdarg.h>
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

/* ------------------------------------------------------- kernel-like events */

enum {
	K_SWITCH = 2, K_WAKEUP = 3, K_SYS_ENTER = 4, K_SYS_EXIT = 5, K_IRQ_ENTRY = 6,
	K_IRQ_EXIT = 7, K_TASK_NAME = 10, K_MARKER = 11, K_SOFTIRQ_ENTRY = 16,
	K_SOFTIRQ_EXIT = 17, K_FORK = 18, K_EXEC = 19, K_MODULE = RTRACE_EV_FIRST_USER
};

static const struct { uint32_t pid, tgid; const char *comm; } k_tasks[] = {
	{ 1, 1, "systemd" }, { 100, 100, "bash" }, { 200, 200, "make" },
	{ 201, 200, "make-worker-one" }, { 300, 300, "cc1" },
};

/* A marker and a name that are not plain ASCII: UTF-8, a backslash, invalid bytes. */
static const char k_odd_marker[] = "caf\xc3\xa9 \\ \xff\xfe \"end\"";
static const char k_odd_comm[] = "w\xc3\xa9ird\x01\xff";
static const uint8_t k_blob[] = { 0x00, 0xff, 0x7f, 0x80, 0x5c, 0x22, 0x0a };

static void k_rec(struct enc_rec *r, uint64_t ts, uint32_t type, int n, ...)
{
	va_list ap;
	int i;

	memset(r, 0, sizeof(*r));
	r->ts = ts;
	r->type = type;
	r->nargs = (uint32_t)n;
	va_start(ap, n);
	for (i = 0; i < n; i++)
		r->args[i] = va_arg(ap, uint64_t);
	va_end(ap);
}

/*
 * A task_name record as the kernel writes it (raw: pid and tgid little-endian
 * 32-bit, then the comm without its NUL).  The payload must live until the
 * sub-buffer is encoded: a ring of buffers, more than one sub-buffer needs.
 */
static void k_name(struct enc_rec *r, uint64_t ts, uint32_t pid, uint32_t tgid, const char *comm)
{
	static uint8_t pool[64][8 + 16];
	static unsigned int next;
	uint8_t *p = pool[next++ % 64];
	size_t n = strlen(comm) < 16 ? strlen(comm) : 16;
	int i;

	for (i = 0; i < 4; i++) {
		p[i] = (uint8_t)(pid >> (8 * i));
		p[4 + i] = (uint8_t)(tgid >> (8 * i));
	}
	memcpy(p + 8, comm, n);
	memset(r, 0, sizeof(*r));
	r->ts = ts;
	r->type = K_TASK_NAME;
	r->nargs = RTRACE_REC_RAW;
	r->raw = p;
	r->raw_len = 8 + n;
}

static void k_marker(struct enc_rec *r, uint64_t ts, const char *text)
{
	memset(r, 0, sizeof(*r));
	r->ts = ts;
	r->type = K_MARKER;
	r->nargs = RTRACE_REC_RAW;
	r->raw = text;
	r->raw_len = strlen(text);
}

/* Sub-buffer @i of CPU @c's task lane: names, markers, switches, syscalls, wakeups. */
static size_t k_task(struct enc_rec *r, uint64_t ts, int c, int i, int per_lane, uint64_t *seed,
		     uint64_t *cur, uint64_t *lost)
{
	static const char *const markers[] = { "phase 1: build", "phase 2: ping-pong", "phase 3" };
	size_t n = 0;
	int k;

	for (k = 0; i == 0 && c == 0 && k < 5; k++)
		if (k_tasks[k].pid != 300)
			k_name(&r[n++], ts += 10, k_tasks[k].pid, k_tasks[k].tgid, k_tasks[k].comm);
	if (i == per_lane / 2 && c == 1) {
		k_rec(&r[n++], ts += 10, K_FORK, 2, (uint64_t)200, (uint64_t)300);
		k_name(&r[n++], ts += 10, 300, 300, "cc1");
		k_rec(&r[n++], ts += 10, K_EXEC, 2, (uint64_t)200, (uint64_t)200);
		k_name(&r[n++], ts += 10, 200, 200, "make-exec");
	}
	if (i % 3 == 0)
		k_marker(&r[n++], ts += 100, markers[(i / 3) % 3]);
	if (i == 1 && c == 0) {
		k_marker(&r[n++], ts += 100, k_odd_marker);
		k_name(&r[n++], ts += 10, 400, 400, k_odd_comm);
		memset(&r[n], 0, sizeof(r[n]));
		r[n].ts = ts += 10;
		r[n].type = RTRACE_EV_TEST_RAW;
		r[n].nargs = RTRACE_REC_RAW;
		r[n].raw = k_blob;
		r[n++].raw_len = sizeof(k_blob);
		k_rec(&r[n++], ts += 100, K_SWITCH, 5, *cur, (uint64_t)(120 << 1), (uint64_t)0,
		      (uint64_t)400, (uint64_t)(120 << 1));
		*cur = 400;
	}
	for (k = 0; k < 6; k++) {
		uint64_t next = k_tasks[enc_rand(seed) % 5].pid, nr;

		if (enc_rand(seed) % 5 == 0)
			next = 0;
		if (next == *cur)
			continue;
		k_rec(&r[n++], ts += 1000 + enc_rand(seed) % 5000, K_SWITCH, 5, *cur,
		      (uint64_t)(120 << 1), enc_rand(seed) % 3, next, (uint64_t)(120 << 1));
		*cur = next;
		if (next && enc_rand(seed) % 2) {
			nr = enc_rand(seed) % 300;
			k_rec(&r[n++], ts += 200, K_SYS_ENTER, 7, nr << 1, (uint64_t)3,
			      (uint64_t)0x7ffd1000, (uint64_t)4096, (uint64_t)0, (uint64_t)0,
			      (uint64_t)0);
			k_rec(&r[n++], ts += 800, K_SYS_EXIT, 2, nr << 1,
			      (uint64_t)((enc_rand(seed) % 2) ? 4096 << 1 : (11 << 1) - 1));
		}
		if (enc_rand(seed) % 4 == 0)
			k_rec(&r[n++], ts += 50, K_WAKEUP, 3, (uint64_t)k_tasks[enc_rand(seed) % 5].pid,
			      (uint64_t)(120 << 1), (uint64_t)(1 - c));
		if (enc_rand(seed) % 4 == 0)
			k_rec(&r[n++], ts += 30, K_MODULE, 2, (uint64_t)i, (uint64_t)((5 << 1) | 1));
	}
	if (c == 0 && i == per_lane / 3) {
		lost[RTRACE_LOST_FULL] = 7;
		lost[RTRACE_LOST_RECURSION] = 2;
	}
	return n;
}

/* Sub-buffer @i of CPU @c's softirq or hardirq lane. */
static size_t k_irq(struct enc_rec *r, uint64_t ts, int c, int i, int l, uint64_t *seed,
		    uint64_t *lost)
{
	size_t n = 0;
	int k;

	if (l == RTRACE_LANE_SOFTIRQ && c == 1 && i == 1) {
		lost[RTRACE_LOST_FULL] = 4;	/* an empty, flushed one */
		return 0;
	}
	if (l == RTRACE_LANE_HARDIRQ && c == 1 && i == 0)
		lost[RTRACE_LOST_FULL] = 5;	/* before the lane's first record */
	for (k = 0; k < (l == RTRACE_LANE_SOFTIRQ ? 3 : 4); k++) {
		uint64_t v = l == RTRACE_LANE_SOFTIRQ ? enc_rand(seed) % 10 : 16 + enc_rand(seed) % 8;

		if (l == RTRACE_LANE_SOFTIRQ) {
			k_rec(&r[n++], ts += 2000, K_SOFTIRQ_ENTRY, 1, v);
			k_rec(&r[n++], ts += 300, K_SOFTIRQ_EXIT, 1, v);
		} else {
			k_rec(&r[n++], ts += 1500, K_IRQ_ENTRY, 1, v);
			k_rec(&r[n++], ts += 100, K_IRQ_EXIT, 2, v, (uint64_t)2);
		}
	}
	return n;
}

/*
 * One session of kernel-like events on 2 CPUs: the task lane switches
 * between the tasks of k_tasks (and idle), makes syscalls, writes markers
 * and module events; the hardirq and softirq lanes take interrupts.  Task
 * names are recorded at the start, except cc1's, recorded later on the other
 * CPU, and make is renamed half-way.  Some sub-buffers carry losses, among
 * them a lane's first and an empty one.
 */
static void gen_kernel(struct enc *e, uint64_t seed, int per_lane)
{
	static struct rtrace_event_desc kd[14];
	struct enc_stream p = { .nr_cpus = 2, .subbuf_size = 4096, .session_id = 42,
				.descs = kd, .nr_descs = 14 };
	uint64_t ts0 = 5000000000ull, seq[2][RTRACE_NR_LANES] = { { 0 } }, cur[2] = { 0, 0 };
	int c, l, i;

	enc_desc(&kd[0], K_SWITCH, "sched_switch", 5, "prev_pid", RTRACE_FIELD_U64,
		 "prev_prio", RTRACE_FIELD_S64, "prev_state", RTRACE_FIELD_U64,
		 "next_pid", RTRACE_FIELD_U64, "next_prio", RTRACE_FIELD_S64);
	enc_desc(&kd[1], K_WAKEUP, "sched_wakeup", 3, "pid", RTRACE_FIELD_U64,
		 "prio", RTRACE_FIELD_S64, "target_cpu", RTRACE_FIELD_U64);
	enc_desc(&kd[2], K_SYS_ENTER, "sys_enter", 7, "id", RTRACE_FIELD_S64,
		 "arg0", RTRACE_FIELD_HEX, "arg1", RTRACE_FIELD_HEX, "arg2", RTRACE_FIELD_HEX,
		 "arg3", RTRACE_FIELD_HEX, "arg4", RTRACE_FIELD_HEX, "arg5", RTRACE_FIELD_HEX);
	enc_desc(&kd[3], K_SYS_EXIT, "sys_exit", 2, "id", RTRACE_FIELD_S64,
		 "ret", RTRACE_FIELD_S64);
	enc_desc(&kd[4], K_IRQ_ENTRY, "irq_handler_entry", 1, "irq", RTRACE_FIELD_U64);
	enc_desc(&kd[5], K_IRQ_EXIT, "irq_handler_exit", 2, "irq", RTRACE_FIELD_U64,
		 "ret", RTRACE_FIELD_S64);
	enc_desc(&kd[6], K_TASK_NAME, "task_name", RTRACE_REC_RAW);
	enc_desc(&kd[7], K_MARKER, "marker", RTRACE_REC_RAW);
	enc_desc(&kd[8], K_SOFTIRQ_ENTRY, "softirq_entry", 1, "vec", RTRACE_FIELD_U64);
	enc_desc(&kd[9], K_SOFTIRQ_EXIT, "softirq_exit", 1, "vec", RTRACE_FIELD_U64);
	enc_desc(&kd[10], K_MODULE, "mymod_work", 2, "item", RTRACE_FIELD_U64,
		 "delta", RTRACE_FIELD_S64);
	enc_desc(&kd[11], RTRACE_EV_TEST_RAW, "test_raw", RTRACE_REC_RAW);
	enc_desc(&kd[12], K_FORK, "sched_process_fork", 2, "parent_pid", RTRACE_FIELD_U64,
		 "child_pid", RTRACE_FIELD_U64);
	enc_desc(&kd[13], K_EXEC, "sched_process_exec", 2, "pid", RTRACE_FIELD_U64,
		 "old_pid", RTRACE_FIELD_U64);
	enc_stream_hdr(e, &p);
	for (i = 0; i < per_lane; i++) {
		for (c = 0; c < 2; c++) {
			for (l = 0; l < 3; l++) {
				uint64_t lost[RTRACE_NR_LOST] = { 0 };
				uint64_t base = ts0 + (uint64_t)i * 1000000 + (uint64_t)(c * 7 + l * 3);
				struct enc_rec r[64];
				size_t n;

				if (l == RTRACE_LANE_TASK)
					n = k_task(r, base, c, i, per_lane, &seed, &cur[c], lost);
				else
					n = k_irq(r, base, c, i, l, &seed, lost);
				enc_subbuf(e, (uint32_t)c, (uint8_t)l, seq[c][l]++, base, lost, r, n);
			}
		}
	}
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
	} else if (argc >= 3 && !strcmp(argv[1], "kernel")) {
		uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 0) : 1;
		int per_lane = argc > 4 ? atoi(argv[4]) : 6;

		gen_kernel(&e, seed ? seed : 1, per_lane > 0 ? per_lane : 1);
	} else if (argc == 3 && !strcmp(argv[1], "future")) {
		gen_future(&e, 6);
	} else if (argc == 3 && !strcmp(argv[1], "corpus")) {
		return gen_corpus(argv[2]);
	} else {
		fprintf(stderr, "usage: gen_stream sample FILE [SEED [NR_SUBBUFS]] | concat FILE | future FILE |\n"
			"       kernel FILE [SEED [NR_PER_LANE]] | corpus DIR\n");
		return 2;
	}
	ret = write_file(argv[2], e.buf, e.len);
	enc_free(&e);
	return ret;
}
