// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: native unit tests of the ring core (the files of kmod/ring/, compiled
 * unchanged against rtrace_unit_shim.h and linked in).  Prints TAP.
 *
 * Signal handlers stand for interrupts: SIGUSR1 = softirq, SIGUSR2 =
 * hardirq, SIGRTMIN = NMI (their sa_masks give the kernel's nesting
 * order), SIGRTMIN+1 = the interrupt-entry window (writes without raising
 * the context level).  A sender thread fires them at random instants of
 * the main thread's write loop.  The ThreadSanitizer build runs the
 * concurrent-reader tests instead (TSan defers asynchronous signals).
 */
#include <signal.h>
#include <unistd.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

/* White-box: the test sees the ring's internals. */
#include "kmod/ring/internal.h"
#include <selftests/lib/rtrace_stream.h>

#if defined(__SANITIZE_THREAD__)
#define TSAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TSAN_BUILD 1
#endif
#endif

static int tap_n, tap_failed;
static const char *variant = "";

#define CHECK(cond, fmt, ...) do {					\
	if (!(cond)) {							\
		printf("# %s:%d: check failed: %s: " fmt "\n", __FILE__,	\
		       __LINE__, #cond, ##__VA_ARGS__);			\
		return -1;						\
	}								\
} while (0)

static void tap(int ok, const char *name)
{
	tap_n++;
	if (!ok)
		tap_failed++;
	printf("%sok %d - %s%s\n", ok ? "" : "not ", tap_n, variant, name);
	fflush(stdout);
}

#define EV_TYPE		(RTRACE_EV_FIRST_USER + 5)
#define NR_PROD		5		/* task, softirq, hardirq, nmi, window */
#define MAX_SEQ		(1 << 20)
#define KMUL		0x9e3779b97f4a7c15ULL

/* ---- decoding ---------------------------------------------------------- */

struct ev {
	u16 type;
	u8 n;
	u64 ts;
	u64 args[RTRACE_REC_MAX_ARGS];
	const u8 *raw;
	u32 rawlen;
};

typedef int (*ev_fn)(const struct rtrace_subbuf_hdr *hdr, const struct ev *ev, void *arg);

/* Decode one sub-buffer copy; every byte must belong to a record. */
static int decode_subbuf(const void *buf, size_t len, ev_fn fn, void *arg)
{
	const struct rtrace_subbuf_hdr *hdr = buf;
	const u8 *p, *end;
	struct rt_record r;
	unsigned int i, n = 0;
	struct ev ev;
	u64 ts;

	if (len < sizeof(*hdr) || hdr->magic != RTRACE_SUBBUF_MAGIC ||
	    hdr->hdr_size != sizeof(*hdr) || hdr->hdr_size + hdr->commit != len)
		return -1;
	p = (const u8 *)buf + hdr->hdr_size;
	end = p + hdr->commit;
	ts = hdr->ts_base;
	while (p < end) {
		if (rt_record_next(&p, end, &r))
			return -1;
		memset(&ev, 0, sizeof(ev));
		ev.type = (u16)r.type;
		ev.n = r.n;
		ts += r.delta;
		ev.ts = ts;
		if (r.n == RTRACE_REC_RAW) {
			ev.raw = r.raw;
			ev.rawlen = (u32)r.raw_len;
		} else {
			for (i = 0; i < r.n; i++)
				ev.args[i] = r.args[i];
		}
		if (fn && fn(hdr, &ev, arg))
			return -1;
		n++;
	}
	if (n != hdr->nr_events)
		return -1;
	return (int)n;
}

/* Per-lane reading state and totals. */
struct lane_read {
	u64 next_seq;
	u64 records;
	u64 lost[RTRACE_NR_LOST];
	u64 subbufs;
	bool gap;
};

struct reader {
	struct rtrace_ring *ring;
	struct lane_read lr[8][RTRACE_NR_LANES];
	ev_fn fn;
	void *arg;
	int errors;
	u8 *buf;
	size_t buflen;
};

static void reader_init(struct reader *r, struct rtrace_ring *ring, ev_fn fn, void *arg)
{
	memset(r, 0, sizeof(*r));
	r->ring = ring;
	r->fn = fn;
	r->arg = arg;
	r->buflen = ring->subbuf_size;
	r->buf = malloc(r->buflen);
}

/* Drain every lane; returns sub-buffers read. */
static int reader_drain(struct reader *r)
{
	unsigned int cpu, l, c;
	int got = 0, n;
	ssize_t len;

	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		for (l = 0; l < RTRACE_NR_LANES; l++) {
			struct lane_read *lr = &r->lr[cpu][l];

			while ((len = rtrace_ring_peek(r->ring, cpu, l, r->buf, r->buflen)) > 0) {
				const struct rtrace_subbuf_hdr *hdr = (void *)r->buf;

				n = decode_subbuf(r->buf, len, r->fn, r->arg);
				if (n < 0 || hdr->cpu != cpu || hdr->lane != l) {
					printf("# corrupt sub-buffer cpu %u lane %u seq %llu\n",
					       cpu, l, (unsigned long long)hdr->seq);
					r->errors++;
				} else {
					lr->records += n;
				}
				if (hdr->seq != lr->next_seq)
					lr->gap = true;
				if (hdr->seq < lr->next_seq) {
					printf("# seq went back on cpu %u lane %u\n", cpu, l);
					r->errors++;
				}
				lr->next_seq = hdr->seq + 1;
				for (c = 0; c < RTRACE_NR_LOST; c++)
					lr->lost[c] += hdr->lost[c];
				lr->subbufs++;
				rtrace_ring_consume(r->ring, cpu, l);
				got++;
			}
		}
	}
	return got;
}

/* Stop, flush, drain; then check in-band accounting against the counters. */
static int reader_finish(struct reader *r, bool overwrite)
{
	struct rtrace_lane_stats st;
	unsigned int cpu, l, c;

	rtrace_ring_set_running(r->ring, false);
	do {
		reader_drain(r);
	} while (rtrace_ring_flush(r->ring) > 0);
	reader_drain(r);
	CHECK(!r->errors, "%d corrupt sub-buffers", r->errors);
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		for (l = 0; l < RTRACE_NR_LANES; l++) {
			struct lane_read *lr = &r->lr[cpu][l];

			rtrace_ring_stats(r->ring, cpu, l, &st);
			for (c = 0; c < RTRACE_NR_LOST; c++)
				CHECK(lr->lost[c] == st.lost[c],
				      "cpu %u lane %u cause %u: in-band %llu, counted %llu",
				      cpu, l, c, (unsigned long long)lr->lost[c],
				      (unsigned long long)st.lost[c]);
			CHECK(lr->records + lr->lost[RTRACE_LOST_OVERWRITTEN] == st.written,
			      "cpu %u lane %u: read %llu + overwritten %llu != written %llu",
			      cpu, l, (unsigned long long)lr->records,
			      (unsigned long long)lr->lost[RTRACE_LOST_OVERWRITTEN],
			      (unsigned long long)st.written);
			CHECK(overwrite || !lr->gap, "cpu %u lane %u: seq gap in discard mode",
			      cpu, l);
			CHECK(st.subbufs_read == lr->subbufs, "subbufs_read");
		}
	}
	return 0;
}

static struct rtrace_ring *make_ring(u32 subbuf, u32 nr, bool overwrite)
{
	struct rtrace_ring_geom g = {
		.subbuf_size = subbuf,
		.nr_subbufs = nr,
		.flags = overwrite ? RTRACE_CONFIG_OVERWRITE : 0,
		.cpumask = NULL,
	};
	struct rtrace_ring *ring = rtrace_ring_create(&g);

	if (IS_ERR(ring))
		return NULL;
	if (rtrace_ring_attach(ring)) {
		rtrace_ring_destroy(ring);
		return NULL;
	}
	rtrace_ring_set_running(ring, true);
	return ring;
}

static void drop_ring(struct rtrace_ring *ring)
{
	rtrace_ring_set_running(ring, false);
	rtrace_ring_detach(ring);
	rtrace_ring_destroy(ring);
}

/* ---- producers: events that prove their own integrity ----------------- */

struct prod {
	u64 attempts;
	u64 ok;
	u64 err[5];			/* ENODEV EBUSY ENOSPC E2BIG other */
	u8 *done;			/* MAX_SEQ: 1 written, 2 decoded */
};

static struct prod prods[8][NR_PROD];	/* [cpu][producer] */
static u64 decode_dups, decode_bad, decode_unwritten;

static int err_index(int ret)
{
	switch (ret) {
	case -ENODEV: return 0;
	case -EBUSY: return 1;
	case -ENOSPC: return 2;
	case -E2BIG: return 3;
	default: return 4;
	}
}

/* Emit event seq of producer @p on the calling "CPU", by one of three APIs. */
static void produce(unsigned int p)
{
	struct prod *pr = &prods[shim_cpu][p];
	u64 seq = pr->attempts++, a[3];
	int ret;

	if (seq >= MAX_SEQ)
		return;
	a[0] = p | ((u64)shim_cpu << 8);
	a[1] = seq;
	a[2] = seq * KMUL + p;
	switch (seq % 3) {
	case 0:
		ret = rtrace_emit3(EV_TYPE, a[0], a[1], a[2]);
		break;
	case 1:
		ret = rtrace_emit(EV_TYPE, 3, a);
		break;
	default:
		ret = rtrace_emit_raw(EV_TYPE, a, sizeof(a));
		break;
	}
	if (ret) {
		pr->err[err_index(ret)]++;
	} else {
		pr->ok++;
		pr->done[seq] = 1;
	}
}

static int check_event(const struct rtrace_subbuf_hdr *hdr, const struct ev *ev, void *arg)
{
	u64 a[3], cpu, p;

	(void)arg;
	if (ev->type != EV_TYPE)
		return 0;
	if (ev->n == RTRACE_REC_RAW) {
		if (ev->rawlen != sizeof(a))
			goto bad;
		memcpy(a, ev->raw, sizeof(a));
	} else if (ev->n == 3) {
		memcpy(a, ev->args, sizeof(a));
	} else {
		goto bad;
	}
	p = a[0] & 0xff;
	cpu = a[0] >> 8;
	if (p >= NR_PROD || cpu != hdr->cpu || a[1] >= MAX_SEQ || a[2] != a[1] * KMUL + p)
		goto bad;
	if (prods[cpu][p].done[a[1]] == 2) {
		decode_dups++;
	} else if (prods[cpu][p].done[a[1]] != 1) {
		decode_unwritten++;
	} else {
		prods[cpu][p].done[a[1]] = 2;
	}
	return 0;
bad:
	decode_bad++;
	return -1;
}

static void prods_reset(void)
{
	unsigned int c, p;

	for (c = 0; c < 8; c++)
		for (p = 0; p < NR_PROD; p++) {
			free(prods[c][p].done);
			memset(&prods[c][p], 0, sizeof(prods[c][p]));
			prods[c][p].done = calloc(MAX_SEQ, 1);
		}
	decode_dups = decode_bad = decode_unwritten = 0;
}

/*
 * After reader_finish(): every event decoded intact, none twice, none that
 * was not written; in discard mode every written event was read; losses by
 * return code match the in-band counts.
 */
static int prods_check(struct reader *r, bool overwrite)
{
	u64 ok = 0, read = 0, unread = 0, err[5] = { 0 }, lost[RTRACE_NR_LOST] = { 0 };
	unsigned int cpu, p, l, c, i;

	CHECK(!decode_bad && !decode_dups && !decode_unwritten,
	      "bad %llu dups %llu unwritten %llu", (unsigned long long)decode_bad,
	      (unsigned long long)decode_dups, (unsigned long long)decode_unwritten);
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		for (p = 0; p < NR_PROD; p++) {
			struct prod *pr = &prods[cpu][p];

			ok += pr->ok;
			for (i = 0; i < 5; i++)
				err[i] += pr->err[i];
			for (i = 0; i < MAX_SEQ && i < pr->attempts; i++) {
				read += pr->done[i] == 2;
				unread += pr->done[i] == 1;
			}
		}
		for (l = 0; l < RTRACE_NR_LANES; l++)
			for (c = 0; c < RTRACE_NR_LOST; c++)
				lost[c] += r->lr[cpu][l].lost[c];
	}
	CHECK(err[4] == 0 && err[0] == 0 && err[3] == 0, "unexpected errors");
	CHECK(err[1] == lost[RTRACE_LOST_RECURSION], "EBUSY %llu vs lost %llu",
	      (unsigned long long)err[1], (unsigned long long)lost[RTRACE_LOST_RECURSION]);
	CHECK(err[2] == lost[RTRACE_LOST_FULL], "ENOSPC %llu vs lost %llu",
	      (unsigned long long)err[2], (unsigned long long)lost[RTRACE_LOST_FULL]);
	CHECK(unread == lost[RTRACE_LOST_OVERWRITTEN], "unread %llu vs overwritten %llu",
	      (unsigned long long)unread, (unsigned long long)lost[RTRACE_LOST_OVERWRITTEN]);
	CHECK(overwrite || unread == 0, "discard mode lost %llu written events",
	      (unsigned long long)unread);
	CHECK(read + unread == ok, "read+unread != ok");
	return 0;
}

#ifndef TSAN_BUILD
/* ---- signals as interrupts ---------------------------------------------- */

static int sig_soft, sig_hard, sig_nmi, sig_window;

static void irq_handler(int sig)
{
	int saved = shim_ctx, level, save_errno = errno, i;

	if (sig == sig_window) {
		/* Entry window: the context level has not been raised yet. */
		produce(4);
		errno = save_errno;
		return;
	}
	level = sig == sig_soft ? 1 : sig == sig_hard ? 2 : 3;
	__atomic_store_n(&shim_ctx, level, __ATOMIC_RELAXED);
	barrier();
	/* Lower levels write bursts, so that higher ones interrupt them. */
	for (i = level == 1 ? 12 : level == 2 ? 4 : 1; i > 0; i--)
		produce((unsigned int)level);
	barrier();
	__atomic_store_n(&shim_ctx, saved, __ATOMIC_RELAXED);
	errno = save_errno;
}

static void install_handlers(void)
{
	struct sigaction sa;
	int sigs[4], i, j;

	sig_soft = SIGUSR1;
	sig_hard = SIGUSR2;
	sig_nmi = SIGRTMIN;
	sig_window = SIGRTMIN + 1;
	sigs[0] = sig_soft;
	sigs[1] = sig_hard;
	sigs[2] = sig_nmi;
	sigs[3] = sig_window;
	for (i = 0; i < 4; i++) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = irq_handler;
		sigemptyset(&sa.sa_mask);
		/* A level masks itself and the levels below; NMI masks all. */
		for (j = 0; j <= (i == 3 ? 3 : i); j++)
			if (i != 3 || j == 3)
				sigaddset(&sa.sa_mask, sigs[j]);
		if (i == 2)
			for (j = 0; j < 4; j++)
				sigaddset(&sa.sa_mask, sigs[j]);
		sigaction(sigs[i], &sa, NULL);
	}
}

/*
 * POSIX timers aimed at the main thread are the interrupt sources: they
 * fire on the main thread's own CPU (or kick it), so the signal lands at a
 * random instruction even on a loaded machine; zero timer slack keeps them
 * from being coalesced into stacked (non-nested) deliveries.
 */
static timer_t timers[4];

static u64 now_ns(void)
{
	return ktime_get_mono_fast_ns();
}

static void timers_start(bool on)
{
	static const long period_ns[4] = { 47000, 61000, 79000, 97000 };
	int sigs[4] = { sig_soft, sig_hard, sig_nmi, sig_window };
	struct itimerspec its;
	struct sigevent sev;
	int i;

	prctl(PR_SET_TIMERSLACK, 1UL);
	for (i = 0; i < 4; i++) {
		if (on) {
			memset(&sev, 0, sizeof(sev));
			sev.sigev_notify = SIGEV_THREAD_ID;
			sev.sigev_signo = sigs[i];
			sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
			timer_create(CLOCK_MONOTONIC, &sev, &timers[i]);
		}
		memset(&its, 0, sizeof(its));
		if (on) {
			its.it_value.tv_nsec = period_ns[i];
			its.it_interval.tv_nsec = period_ns[i];
		}
		timer_settime(timers[i], 0, &its, NULL);
		if (!on)
			timer_delete(timers[i]);
	}
}

/* Random nesting: the task loop writes while "interrupts" write on top. */
static int test_signals(bool overwrite, u64 duration_ns)
{
	struct rtrace_ring *ring;
	struct reader r;
	u64 pairs[RTRACE_NR_LANES][RTRACE_NR_LANES], i;
	sigset_t all, old;
	int ret;

	prods_reset();
	ring = make_ring(4096, 8, overwrite);
	CHECK(ring, "ring");
	reader_init(&r, ring, check_event, NULL);
	timers_start(true);
	duration_ns += now_ns();
	for (i = 0; prods[0][0].attempts < MAX_SEQ - 1; i++) {
		produce(0);
		if (i % 64 == 0) {
			reader_drain(&r);
			if (now_ns() > duration_ns)
				break;
		}
	}
	/* Signals still pending are delivered by now or blocked from here. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	timers_start(false);
	ret = reader_finish(&r, overwrite);
	if (!ret)
		ret = prods_check(&r, overwrite);
	rtrace_ring_nest_pairs(ring, 0, pairs);
	printf("# nesting: task<-softirq=%llu task<-hardirq=%llu task<-nmi=%llu "
	       "softirq<-hardirq=%llu softirq<-nmi=%llu hardirq<-nmi=%llu "
	       "spare=%llu recursion=%llu\n",
	       (unsigned long long)pairs[0][1], (unsigned long long)pairs[0][2],
	       (unsigned long long)pairs[0][3], (unsigned long long)pairs[1][2],
	       (unsigned long long)pairs[1][3], (unsigned long long)pairs[2][3],
	       (unsigned long long)(pairs[0][4] + pairs[1][4] + pairs[2][4] + pairs[3][4]),
	       (unsigned long long)r.lr[0][0].lost[RTRACE_LOST_RECURSION]);
	if (!ret && !(pairs[0][1] && pairs[0][2] && pairs[0][3] && pairs[1][2] &&
		      pairs[1][3] && pairs[2][3] && pairs[0][4]))
		printf("# some nesting pairs never happened\n"), ret = -1;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	CHECK(shim_warnings == 0, "warnings");
	free(r.buf);
	drop_ring(ring);
	return ret;
}
#endif

/* ---- sizes, varints, wraparound ----------------------------------------- */

static u8 pattern(u32 len, u32 i)
{
	return (u8)(len * 31 + i * 7 + 1);
}

static int size_ok;
static int check_size_event(const struct rtrace_subbuf_hdr *hdr, const struct ev *ev, void *arg)
{
	u32 i, *expect = arg;

	(void)hdr;
	if (ev->n != RTRACE_REC_RAW || ev->rawlen != *expect)
		return -1;
	for (i = 0; i < ev->rawlen; i++)
		if (ev->raw[i] != pattern(ev->rawlen, i))
			return -1;
	size_ok++;
	return 0;
}

/* Every raw size from 0 up to and past the largest that fits. */
static int test_sizes(u32 subbuf)
{
	struct rtrace_ring *ring = make_ring(subbuf, 4, false);
	u32 len, i, payload = subbuf - sizeof(struct rtrace_subbuf_hdr), expect;
	u32 hlen = rtrace_vlen(((u64)EV_TYPE << 4) | RTRACE_REC_RAW);
	u8 *data = malloc(subbuf);
	struct reader r;
	int ret;

	CHECK(ring, "ring");
	reader_init(&r, ring, check_size_event, &expect);
	for (len = 0; len <= payload; len++) {
		bool fits = hlen + rtrace_vlen(len) + len + 1 <= payload;

		for (i = 0; i < len; i++)
			data[i] = pattern(len, i);
		expect = len;
		size_ok = 0;
		ret = rtrace_emit_raw(EV_TYPE, data, len);
		CHECK(ret == (fits ? 0 : -E2BIG), "len %u ret %d", len, ret);
		rtrace_ring_set_running(ring, false);
		rtrace_ring_flush(ring);
		reader_drain(&r);
		rtrace_ring_set_running(ring, true);
		CHECK(!r.errors && size_ok == (fits ? 1 : 0), "len %u decoded %d", len, size_ok);
	}
	ret = reader_finish(&r, false);
	CHECK(r.lr[0][0].lost[RTRACE_LOST_TOO_LARGE] > 0, "no too-large loss");
	free(data);
	free(r.buf);
	drop_ring(ring);
	return ret;
}

static u64 varint_vals[200];
static unsigned int varint_n, varint_seen;

static int check_varint_event(const struct rtrace_subbuf_hdr *hdr, const struct ev *ev, void *arg)
{
	unsigned int i;

	(void)hdr;
	(void)arg;
	for (i = 0; i < ev->n; i++)
		if (varint_seen >= varint_n || ev->args[i] != varint_vals[varint_seen++])
			return -1;
	return 0;
}

/* Values of every varint length, through all three writers. */
static int test_varints(void)
{
	struct rtrace_ring *ring = make_ring(4096, 4, false);
	struct reader r;
	unsigned int k, i;
	int ret;

	CHECK(ring, "ring");
	varint_n = varint_seen = 0;
	for (k = 0; k < 64; k++) {
		varint_vals[varint_n++] = (1ULL << k) - 1;
		varint_vals[varint_n++] = 1ULL << k;
	}
	varint_vals[varint_n++] = ~0ULL;
	reader_init(&r, ring, check_varint_event, NULL);
	for (i = 0; i + 5 <= varint_n; i += 5) {
		CHECK(rtrace_emit5(EV_TYPE, varint_vals[i], varint_vals[i + 1], varint_vals[i + 2],
				   varint_vals[i + 3], varint_vals[i + 4]) == 0, "emit5");
	}
	CHECK(rtrace_emit(EV_TYPE, varint_n - i, &varint_vals[i]) == 0, "emit tail");
	CHECK(rtrace_emit(EV_TYPE, RTRACE_REC_MAX_ARGS + 1, varint_vals) == -EINVAL, "nargs");
	CHECK(rtrace_emit(0, 0, NULL) == -EINVAL, "type 0");
	CHECK(rtrace_emit_regs(RTRACE_TYPE_NARGS(EV_TYPE, 6), 0, 0, 0, 0, 0) == -EINVAL, "regs n");
	ret = reader_finish(&r, false);
	CHECK(varint_seen == varint_n, "decoded %u of %u", varint_seen, varint_n);
	free(r.buf);
	drop_ring(ring);
	return ret;
}

/* Off, no ring, not attached: counted as LOST_OFF, reported in-band. */
static int test_off(void)
{
	struct rtrace_ring *ring;
	struct reader r;
	int ret, i;

	CHECK(rtrace_emit0(EV_TYPE) == -ENODEV, "no ring");
	ring = make_ring(4096, 2, false);
	CHECK(ring, "ring");
	rtrace_ring_set_running(ring, false);
	for (i = 0; i < 10; i++)
		CHECK(rtrace_emit1(EV_TYPE, i) == -ENODEV, "off");
	rtrace_ring_set_running(ring, true);
	CHECK(rtrace_emit1(EV_TYPE, 1) == 0, "on");
	reader_init(&r, ring, NULL, NULL);
	ret = reader_finish(&r, false);
	CHECK(r.lr[0][0].lost[RTRACE_LOST_OFF] == 10, "off lost %llu",
	      (unsigned long long)r.lr[0][0].lost[RTRACE_LOST_OFF]);
	CHECK(r.lr[0][0].records == 1, "records");
	CHECK(rtrace_ring_attach(ring) == -EBUSY, "second attach");
	free(r.buf);
	drop_ring(ring);
	return ret;
}

/*
 * Off means off: until the attached ring's first start, and after it is
 * detached, no writer enters the out-of-line writers and nothing is
 * counted; a stopped ring counts RTRACE_LOST_OFF exactly, inline.
 */
static int test_key(void)
{
	static const u8 payload[16] = "0123456789abcdef";
	struct rtrace_ring_geom g = { .subbuf_size = 4096, .nr_subbufs = 4 };
	struct rtrace_ring *ring = rtrace_ring_create(&g);
	unsigned long slow;
	struct reader r;
	int ret, i;

	CHECK(!IS_ERR(ring), "ring");
	CHECK(rtrace_ring_attach(ring) == 0, "attach");
	CHECK(!static_branch_likely(&rtrace_wr_key), "key on before the first start");
	slow = shim_slow_count();
	for (i = 0; i < 10; i++) {
		CHECK(rtrace_emit2(EV_TYPE, i, i) == -ENODEV, "configured: emit2");
		CHECK(rtrace_emit_raw(EV_TYPE, payload, 16) == -ENODEV, "configured: raw");
	}
	CHECK(shim_slow_count() == slow,
	      "configured, not started: %lu writes out of line",
	      shim_slow_count() - slow);
	rtrace_ring_set_running(ring, true);
	rtrace_ring_set_running(ring, false);
	CHECK(static_branch_likely(&rtrace_wr_key), "key off while stopped");
	slow = shim_slow_count();
	for (i = 0; i < 7; i++)
		CHECK(rtrace_emit1(EV_TYPE, i) == -ENODEV, "stopped");
	for (i = 0; i < 5; i++)
		CHECK(rtrace_emit_raw(EV_TYPE, payload, 16) == -ENODEV, "stopped: raw");
	slow = shim_slow_count() - slow;
#ifdef RTRACE_DEBUG
	CHECK(slow == 12, "debug build: %lu of 12 stopped writes out of line", slow);
#else
	/* Counted inline (busy word RTRACE_WR_STOPPED). */
	CHECK(slow == 0, "%lu of 12 stopped writes out of line", slow);
#endif
	rtrace_ring_set_running(ring, true);
	rtrace_ring_set_running(ring, true);	/* one reference per ring */
	CHECK(rtrace_emit1(EV_TYPE, 1) == 0, "running");
	reader_init(&r, ring, NULL, NULL);
	ret = reader_finish(&r, false);
	CHECK(r.lr[0][0].lost[RTRACE_LOST_OFF] == 12, "stopped: lost_off %llu of 12",
	      (unsigned long long)r.lr[0][0].lost[RTRACE_LOST_OFF]);
	CHECK(r.lr[0][0].records == 1, "records");
	free(r.buf);
	drop_ring(ring);
	CHECK(__atomic_load_n(&rtrace_wr_key.enabled, __ATOMIC_RELAXED) == 0,
	      "key count %d after detach", rtrace_wr_key.enabled);
	slow = shim_slow_count();
	CHECK(rtrace_emit1(EV_TYPE, 1) == -ENODEV, "detached");
	CHECK(shim_slow_count() == slow,
	      "detached: out of line");
	return ret;
}

/*
 * A cheap drop: a discard-mode lane found full drops every further event
 * without retrying the switch (inline, not out of line, but in debug
 * builds) until the reader consumes; too large a record is dropped too.
 * Every drop is counted exactly, in-band and in the statistics.
 */
static int test_drop(void)
{
	static u8 big[8192];
	struct rtrace_ring *ring;
	unsigned long slow;
	u64 stored = 0, dropped = 0;
	struct reader r;
	int ret, i;

	ring = make_ring(4096, 2, false);
	CHECK(ring, "ring");
	while ((ret = rtrace_emit3(EV_TYPE, stored, 1000, 100000)) == 0)
		stored++;
	CHECK(ret == -ENOSPC, "full: %d", ret);
	dropped++;
	slow = shim_slow_count();
	for (i = 0; i < 1000; i++) {
		CHECK(rtrace_emit3(EV_TYPE, i, 1000, 100000) == -ENOSPC, "drop regs");
		CHECK(rtrace_emit_raw(EV_TYPE, big, 16) == -ENOSPC, "drop raw");
		dropped += 2;
	}
	slow = shim_slow_count() - slow;
#ifdef RTRACE_DEBUG
	CHECK(slow == 2000, "debug build: %lu of 2000 drops out of line", slow);
#else
	CHECK(slow == 0, "%lu of 2000 drops out of line", slow);
#endif
	CHECK(rtrace_emit_raw(EV_TYPE, big, sizeof(big)) == -E2BIG, "too large");
	CHECK(rtrace_emit_raw(EV_TYPE, big, 4096 - 80) == -E2BIG, "too large by the header");
	reader_init(&r, ring, NULL, NULL);
	CHECK(reader_drain(&r) > 0, "drained");
	CHECK(rtrace_emit3(EV_TYPE, stored, 1000, 100000) == 0, "stored again once consumed");
	stored++;
	ret = reader_finish(&r, false);
	CHECK(r.lr[0][0].lost[RTRACE_LOST_FULL] == dropped, "lost full %llu of %llu",
	      (unsigned long long)r.lr[0][0].lost[RTRACE_LOST_FULL],
	      (unsigned long long)dropped);
	CHECK(r.lr[0][0].lost[RTRACE_LOST_TOO_LARGE] == 2, "too large %llu",
	      (unsigned long long)r.lr[0][0].lost[RTRACE_LOST_TOO_LARGE]);
	CHECK(r.lr[0][0].records == stored, "records %llu of %llu",
	      (unsigned long long)r.lr[0][0].records, (unsigned long long)stored);
	free(r.buf);
	drop_ring(ring);
	return ret;
}

/*
 * The common case takes the inline fast path of include/rtrace_wr.h, with
 * either clock: only the first write of a lane and the sub-buffer switches
 * enter the out-of-line writers.  Debug builds check every write there.
 */
static int test_fast_path(bool tsc)
{
	static const u8 payload[16] = "0123456789abcdef";
	const unsigned int n = 4000;
	struct rtrace_ring *ring;
	unsigned long long subbufs;
	unsigned long slow;
	struct reader r;
	unsigned int i;
	int ret;

	shim_tsc_usable = tsc;
	ring = make_ring(4096, 64, false);
	shim_tsc_usable = true;
	CHECK(ring, "ring");
	CHECK(ring->clock == (tsc ? RTRACE_CLOCK_TSC : RTRACE_CLOCK_LOCAL), "clock");
	slow = shim_slow_count();
	for (i = 0; i < n; i += 2) {
		CHECK(rtrace_emit_raw(EV_TYPE, payload, sizeof(payload)) == 0, "raw");
		CHECK(rtrace_emit3(EV_TYPE, i, 1000 + i, 100000 + i) == 0, "emit3");
	}
	slow = shim_slow_count() - slow;
	reader_init(&r, ring, NULL, NULL);
	ret = reader_finish(&r, false);
	CHECK(r.lr[0][0].records == n, "records %llu of %u",
	      (unsigned long long)r.lr[0][0].records, n);
	subbufs = r.lr[0][0].subbufs;
	printf("# %s clock: %lu of %u writes out of line, %llu sub-buffers\n",
	       tsc ? "tsc" : "local", slow, n, (unsigned long long)subbufs);
	free(r.buf);
	drop_ring(ring);
#ifdef RTRACE_DEBUG
	CHECK(slow == n, "debug build: %lu of %u writes out of line", slow, n);
#else
	/*
	 * Only near the end of a sub-buffer: the first write, and per
	 * sub-buffer the writes the worst-case room check sends out of line
	 * (the exact size may still fit) plus the switch; nothing else.
	 */
	CHECK(slow <= 3 * subbufs + 1, "%lu writes out of line for %llu sub-buffers",
	      slow, (unsigned long long)subbufs);
#endif
	return ret;
}

/*
 * The nested write and the recursion drop take the inline path too: an
 * "NMI" writing while the task lane is held writes inline on its own lane,
 * counted nested, per pair; a task-level write while the task lane and
 * the spare lane are held is dropped inline as recursion; a raw record
 * surely too large is dropped before a lane is taken.  All counted
 * exactly (out of line in debug builds, which check every write there).
 */
static int test_nested_inline(void)
{
	static u8 big[16384];
	const unsigned int n = 2000;
	u64 pairs[RTRACE_NR_LANES][RTRACE_NR_LANES];
	struct rtrace_lane_stats st;
	struct rtrace_ring *ring;
	struct rtrace_cpu *rc;
	unsigned long slow_nest, slow_rec;
	unsigned long long subbufs;
	struct reader r;
	unsigned int i;
	int ret;

	ring = make_ring(4096, 64, false);
	CHECK(ring, "ring");
	preempt_disable_notrace();
	rc = this_cpu_ptr(ring->cpus);
	rtrace_lane_take(ring, rc, RTRACE_LANE_TASK);
	__atomic_store_n(&shim_ctx, 3, __ATOMIC_RELAXED);
	slow_nest = shim_slow_count();
	for (i = 0; i < n; i += 2) {
		CHECK(rtrace_emit3(EV_TYPE, i, 1000 + i, 100000 + i) == 0, "nested emit3");
		CHECK(rtrace_emit_raw(EV_TYPE, big, 16) == 0, "nested raw");
	}
	slow_nest = shim_slow_count() - slow_nest;
	__atomic_store_n(&shim_ctx, 0, __ATOMIC_RELAXED);
	rtrace_lane_take(ring, rc, RTRACE_LANE_SPARE);
	slow_rec = shim_slow_count();
	for (i = 0; i < n; i += 2) {
		CHECK(rtrace_emit3(EV_TYPE, i, 1, 2) == -EBUSY, "recursion emit3");
		CHECK(rtrace_emit_raw(EV_TYPE, big, 16) == -EBUSY, "recursion raw");
	}
	slow_rec = shim_slow_count() - slow_rec;
	rtrace_lane_release(ring, rc, RTRACE_LANE_SPARE);
	rtrace_lane_release(ring, rc, RTRACE_LANE_TASK);
	preempt_enable_notrace();
	CHECK(rtrace_emit_raw(EV_TYPE, big, sizeof(big)) == -E2BIG, "too large");
	rtrace_ring_nest_pairs(ring, 0, pairs);
	rtrace_ring_stats(ring, 0, 3, &st);
	reader_init(&r, ring, NULL, NULL);
	ret = reader_finish(&r, false);
	subbufs = r.lr[0][3].subbufs;
	printf("# nested: %lu of %u writes out of line, %llu sub-buffers; recursion: %lu of %u\n",
	       slow_nest, n, subbufs, slow_rec, n);
	CHECK(r.lr[0][3].records == n, "nmi lane records %llu of %u",
	      (unsigned long long)r.lr[0][3].records, n);
	CHECK(st.nested == n, "nested %llu of %u", (unsigned long long)st.nested, n);
	CHECK(pairs[0][3] == n, "pairs task<-nmi %llu of %u", (unsigned long long)pairs[0][3], n);
	CHECK(r.lr[0][0].lost[RTRACE_LOST_RECURSION] == n, "recursion %llu of %u",
	      (unsigned long long)r.lr[0][0].lost[RTRACE_LOST_RECURSION], n);
	CHECK(r.lr[0][0].lost[RTRACE_LOST_TOO_LARGE] == 1, "too large %llu",
	      (unsigned long long)r.lr[0][0].lost[RTRACE_LOST_TOO_LARGE]);
	free(r.buf);
	drop_ring(ring);
#ifdef RTRACE_DEBUG
	CHECK(slow_nest == n && slow_rec == n, "debug build: %lu and %lu of %u out of line",
	      slow_nest, slow_rec, n);
#else
	/* The first write of the lane and the switches, as test_fast_path(). */
	CHECK(slow_nest <= 3 * subbufs + 1, "%lu nested writes out of line for %llu sub-buffers",
	      slow_nest, subbufs);
	CHECK(slow_rec == 0, "%lu of %u recursion drops out of line", slow_rec, n);
#endif
	return ret;
}

/* Discard and overwrite without a reader, then with one: wraparound. */
static int test_fill(bool overwrite, bool drain_every)
{
	struct rtrace_ring *ring;
	struct reader r;
	unsigned int i;
	int ret;

	prods_reset();
	ring = make_ring(4096, 4, overwrite);
	CHECK(ring, "ring");
	reader_init(&r, ring, check_event, NULL);
	for (i = 0; i < 50000; i++) {
		produce(0);
		if (drain_every && i % 50 == 0)
			reader_drain(&r);
	}
	ret = reader_finish(&r, overwrite);
	if (!ret)
		ret = prods_check(&r, overwrite);
	if (!ret && drain_every)
		CHECK(r.lr[0][0].subbufs > 40, "wrapped %llu times",
		      (unsigned long long)r.lr[0][0].subbufs);
	if (!ret && !drain_every && !overwrite)
		CHECK(r.lr[0][0].lost[RTRACE_LOST_FULL] > 0, "no full losses");
	if (!ret && !drain_every && overwrite)
		CHECK(r.lr[0][0].lost[RTRACE_LOST_OVERWRITTEN] > 0 &&
		      r.lr[0][0].lost[RTRACE_LOST_FULL] == 0, "overwrite accounting");
	free(r.buf);
	drop_ring(ring);
	return ret;
}

/* Overwrite mode: a pinned (peeked) sub-buffer is never overwritten. */
static int test_pin(void)
{
	struct rtrace_ring *ring;
	struct reader r;
	u8 *a, *b;
	ssize_t la, lb;
	unsigned int i;
	int ret;

	prods_reset();
	ring = make_ring(4096, 4, true);
	CHECK(ring, "ring");
	a = malloc(4096);
	b = malloc(4096);
	for (i = 0; i < 2000; i++)
		produce(0);
	la = rtrace_ring_peek(ring, 0, 0, a, 4096);
	CHECK(la > 0, "peek");
	for (i = 0; i < 20000; i++)
		produce(0);
	lb = rtrace_ring_peek(ring, 0, 0, b, 4096);
	CHECK(la == lb && !memcmp(a, b, la), "pinned sub-buffer changed");
	CHECK(rtrace_ring_peek(ring, 0, 0, b, 10) == -ENOSPC, "short buffer");
	CHECK(ring->cpus->lane[0].lost[RTRACE_LOST_FULL] > 0, "writer dropped while pinned");
	reader_init(&r, ring, check_event, NULL);
	/* Account for the pinned one as the reader's. */
	ret = decode_subbuf(a, la, check_event, NULL);
	CHECK(ret > 0, "decode pinned");
	r.lr[0][0].records += ret;
	r.lr[0][0].next_seq = ((struct rtrace_subbuf_hdr *)a)->seq;
	for (i = 0; i < RTRACE_NR_LOST; i++)
		r.lr[0][0].lost[i] += ((struct rtrace_subbuf_hdr *)a)->lost[i];
	rtrace_ring_consume(ring, 0, 0);
	r.lr[0][0].subbufs++;
	ret = reader_finish(&r, true);
	if (!ret)
		ret = prods_check(&r, true);
	free(a);
	free(b);
	free(r.buf);
	drop_ring(ring);
	return ret;
}

/*
 * The reader's always-on check: a published header that cannot be right
 * gives -EIO with the RTRACE_SB_BROKEN header reporting it, the lane is
 * fenced off (no data, no more peeks) and flagged in its stats.
 */
static int reader_broken(struct rtrace_ring *ring, u8 *buf)
{
	struct rtrace_subbuf_hdr *slot, rep;
	struct rtrace_lane_stats st;
	unsigned int i;
	ssize_t n;

	for (i = 0; i < 1000; i++)
		CHECK(rtrace_emit3(EV_TYPE, i, 1, 2) == 0, "emit");
	CHECK(rtrace_ring_flush(ring) > 0, "flush");
	n = rtrace_ring_peek(ring, 0, 0, buf, 4096);
	CHECK(n > 0, "first peek %zd", n);
	rtrace_ring_consume(ring, 0, 0);
	/* Break the next published one. */
	slot = rtrace_slot(ring, &ring->cpus->lane[0], 1);
	slot->commit = 1 << 20;
	n = rtrace_ring_peek(ring, 0, 0, buf, 4096);
	CHECK(n == -EIO, "broken peek %zd", n);
	memcpy(&rep, buf, sizeof(rep));
	CHECK(rep.magic == RTRACE_SUBBUF_MAGIC && rep.hdr_size == sizeof(rep) &&
	      rep.flags == RTRACE_SB_BROKEN && rep.seq == 1 && rep.cpu == 0 && rep.lane == 0 &&
	      rep.commit == 0 && rep.nr_events == 0, "report header");
	rtrace_ring_consume(ring, 0, 0);
	CHECK(rtrace_ring_peek(ring, 0, 0, buf, 4096) == -EAGAIN, "lane fenced off");
	CHECK(!rtrace_ring_has_data(ring), "no data from a broken lane");
	rtrace_ring_stats(ring, 0, 0, &st);
	CHECK(st.flags & RTRACE_LANE_STATS_BROKEN, "stats flag");
	CHECK(st.nr_lost == RTRACE_NR_LOST &&
	      st.lost_offset == offsetof(struct rtrace_lane_stats, lost), "stats layout");
	return 0;
}

static int test_reader_broken(bool overwrite)
{
	struct rtrace_ring *ring = make_ring(4096, 4, overwrite);
	u8 *buf = malloc(4096);
	int ret;

	CHECK(ring && buf, "ring");
	ret = reader_broken(ring, buf);
	shim_warnings = 0;	/* the one WARN_ONCE of the check is expected */
	free(buf);
	drop_ring(ring);
	return ret;
}

/*
 * The writer's always-on check at a sub-buffer switch (production build
 * too): a scribbled open header (@kind 0), an event count its bytes cannot
 * hold (1) or a write position outside the slot (2) stops recording on
 * every CPU without a word from the writer; the switch publishes the
 * RTRACE_SB_BROKEN report in the slot's place, the lane's last; the reader
 * side warns once (rtrace_ring_broken()); the ring cannot be restarted.
 */
static int test_writer_broken(bool overwrite, int kind)
{
	struct rtrace_ring *ring = make_ring(4096, 4, overwrite);
	struct rtrace_lane *ln;
	struct rtrace_subbuf_hdr rep;
	struct rtrace_lane_stats st;
	u8 *buf = malloc(4096);
	unsigned int i;
	int ret = 0, r = 0;
	ssize_t n;

	CHECK(ring && buf, "ring");
	shim_warnings = 0;
	ln = &ring->cpus->lane[0];
	for (i = 0; i < 10; i++)
		CHECK(rtrace_emit2(EV_TYPE, i, i) == 0, "emit");
	CHECK(ln->wc->pos[0], "open sub-buffer");
	if (kind == 0)
		ln->hdr->magic ^= 1;
	else if (kind == 1)
		ln->wc->nr_events[0] = 1 << 20;
	else
		ln->wc->end[0] += 64;
	for (i = 0; i < 1000 && !r; i++)
		r = rtrace_emit2(EV_TYPE, i, i);
	CHECK(r == -ENODEV, "the switch stopped recording: %d after %u", r, i);
	CHECK(rtrace_emit2(EV_TYPE, 1, 2) == -ENODEV, "still stopped");
	CHECK(shim_warnings == 0, "the writer printed (%d)", shim_warnings);
	CHECK(ring->cpus->on == 0 && SHIM_PCPU_STRIDE(ring->cpus) &&
	      ((struct rtrace_cpu *)((char *)ring->cpus + SHIM_PCPU_STRIDE(ring->cpus)))->on == 0,
	      "every CPU off");
	CHECK(rtrace_ring_broken(ring) && shim_warnings == 1, "reader side warns once");
	CHECK(rtrace_ring_broken(ring) && shim_warnings == 1, "and only once");
	rtrace_ring_set_running(ring, true);
	CHECK(rtrace_emit2(EV_TYPE, 1, 2) == -ENODEV, "a broken ring does not restart");
	rtrace_ring_set_running(ring, false);
	rtrace_ring_flush(ring);
	rtrace_ring_stats(ring, 0, 0, &st);
	CHECK(st.flags & RTRACE_LANE_STATS_BROKEN, "stats flag");
	CHECK(st.written == 0, "the broken sub-buffer's events are not counted written");
	n = rtrace_ring_peek(ring, 0, 0, buf, 4096);
	CHECK(n == (ssize_t)sizeof(rep), "report peeked: %zd", n);
	memcpy(&rep, buf, sizeof(rep));
	CHECK(rep.magic == RTRACE_SUBBUF_MAGIC && rep.hdr_size == sizeof(rep) &&
	      rep.flags == RTRACE_SB_BROKEN && rep.seq == 0 && rep.cpu == 0 && rep.lane == 0 &&
	      rep.commit == 0 && rep.nr_events == 0, "report header");
	rtrace_ring_consume(ring, 0, 0);
	CHECK(rtrace_ring_peek(ring, 0, 0, buf, 4096) == -EAGAIN, "the report is the lane's last");
	shim_warnings = 0;
	free(buf);
	drop_ring(ring);
	return ret;
}

/* ---- debug build: injection at every labelled step, invariant checks ---- */
#ifdef RTRACE_DEBUG
static enum rtrace_inject_point inject_at;
static int inject_mode;		/* 0 "hardirq" signal, 1 direct same-level call */
static unsigned int inject_fired[RTRACE_NR_INJ];
static int in_hook;

static void hook(enum rtrace_inject_point point)
{
	if (point != inject_at || in_hook)
		return;
	in_hook = 1;
	inject_fired[point]++;
#ifndef TSAN_BUILD
	if (inject_mode == 0)
		raise(SIGUSR2);
	else
#endif
		produce(4);
	in_hook = 0;
}

static int test_inject(enum rtrace_inject_point point, int mode)
{
	struct rtrace_ring *ring;
	u64 pairs[RTRACE_NR_LANES][RTRACE_NR_LANES];
	struct reader r;
	unsigned int i;
	int ret;

	prods_reset();
	ring = make_ring(4096, 8, false);
	CHECK(ring, "ring");
	reader_init(&r, ring, check_event, NULL);
	inject_at = point;
	inject_mode = mode;
	memset(inject_fired, 0, sizeof(inject_fired));
	rtrace_debug_set_inject(hook);
	for (i = 0; i < 3000; i++) {
		produce(0);
		if (i % 100 == 0)
			reader_drain(&r);
	}
	rtrace_debug_set_inject(NULL);
	ret = reader_finish(&r, false);
	if (!ret)
		ret = prods_check(&r, false);
	rtrace_ring_nest_pairs(ring, 0, pairs);
	if (!ret)
		CHECK(inject_fired[point] > 0, "label %d never reached", point);
	/* Before the busy byte is set a nested write is not nested. */
	if (!ret && point != RTRACE_INJ_LANE_PICKED && point != RTRACE_INJ_BUSY_CLEARED)
		CHECK(mode ? pairs[0][4] > 0 : pairs[0][2] > 0, "nesting not seen");
	CHECK(shim_warnings == 0, "warnings");
	free(r.buf);
	drop_ring(ring);
	return ret;
}

static void corrupt_hook(enum rtrace_inject_point point)
{
	struct rtrace_cpu *rc;

	if (point != RTRACE_INJ_BEFORE_COMMIT || in_hook)
		return;
	rc = this_cpu_ptr(rcu_dereference_raw(rtrace_active)->cpus);
	if (inject_mode == 0)
		rc->lane[0].hdr->magic ^= 1;		/* header canary */
	else
		rc->stack[rc->depth - 1] = 3;		/* not LIFO */
	in_hook = 1;
}

/* A broken invariant warns once and stops recording. */
static int test_debug_violation(int mode)
{
	struct rtrace_ring *ring = make_ring(4096, 4, false);
	unsigned int i;
	int ret = 0, last = 0;

	CHECK(ring, "ring");
	shim_warnings = 0;
	in_hook = 0;
	inject_mode = mode;
	rtrace_debug_set_inject(corrupt_hook);
	for (i = 0; i < 1000; i++)
		last = rtrace_emit2(EV_TYPE, i, i);
	rtrace_debug_set_inject(NULL);
	/* The canary is the switch's always-on check: the reader side warns. */
	if (mode == 0)
		CHECK(rtrace_ring_broken(ring), "not found broken");
	CHECK(shim_warnings == 1, "warnings %d", shim_warnings);
	CHECK(last == -ENODEV, "still recording");
	shim_warnings = 0;
	in_hook = 0;
	drop_ring(ring);
	return ret;
}
#endif

#ifdef TSAN_BUILD
/* ---- concurrent reader (ThreadSanitizer) ------------------------------- */
static volatile int writers_done;

static void *writer_thread(void *arg)
{
	unsigned int i;

	shim_cpu = (int)(long)arg;
	for (i = 0; i < 200000; i++)
		produce(i % 7 == 0 ? 1 : 0);
	return NULL;
}

static void *reader_thread(void *arg)
{
	struct reader *r = arg;

	while (!__atomic_load_n(&writers_done, __ATOMIC_ACQUIRE)) {
		if (rtrace_ring_has_data(r->ring))
			reader_drain(r);
		else
			sched_yield();
	}
	return NULL;
}

static int test_concurrent(bool overwrite)
{
	struct rtrace_ring *ring;
	pthread_t w[2], rd;
	struct reader r;
	int ret;
	long i;

	prods_reset();
	ring = make_ring(4096, 8, overwrite);
	CHECK(ring, "ring");
	reader_init(&r, ring, check_event, NULL);
	writers_done = 0;
	pthread_create(&rd, NULL, reader_thread, &r);
	for (i = 0; i < 2; i++)
		pthread_create(&w[i], NULL, writer_thread, (void *)i);
	for (i = 0; i < 2; i++)
		pthread_join(w[i], NULL);
	__atomic_store_n(&writers_done, 1, __ATOMIC_RELEASE);
	pthread_join(rd, NULL);
	ret = reader_finish(&r, overwrite);
	if (!ret)
		ret = prods_check(&r, overwrite);
	printf("# %s: read %llu sub-buffers on cpu 0\n", overwrite ? "overwrite" : "discard",
	       (unsigned long long)r.lr[0][0].subbufs);
	free(r.buf);
	drop_ring(ring);
	return ret;
}
#endif

int main(int argc, char **argv)
{
	static const char * const inj_names[] = {
		"lane-picked", "busy-set", "clock-read", "mid-encode", "before-commit",
		"switch-closed", "switch-published", "switch-opening", "busy-cleared",
	};
	char name[128];
	int i, m;

	if (argc > 1)
		variant = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	shim_init(2);
	printf("TAP version 13\n");
#ifdef TSAN_BUILD
	tap(test_concurrent(false) == 0, "concurrent reader, two writers, discard");
	tap(test_concurrent(true) == 0, "concurrent reader, two writers, overwrite");
#else
	tap(test_off() == 0, "off / no ring / second attach counted and reported");
	tap(test_key() == 0, "off means off: not started or detached, nothing entered or counted");
	tap(test_drop() == 0, "a full discard lane drops inline until read; too large dropped; counted");
	tap(test_varints() == 0, "varints of every length through all writers");
	tap(test_fast_path(true) == 0, "common case inline, TSC clock (out of line in debug)");
	tap(test_fast_path(false) == 0, "common case inline, local clock (out of line in debug)");
	tap(test_nested_inline() == 0, "nested write and recursion drop inline, counted exactly");
	tap(test_sizes(4096) == 0, "every raw size up to the limit (4 KiB sub-buffers)");
	tap(test_sizes(8192) == 0, "every raw size up to the limit (8 KiB sub-buffers)");
	tap(test_fill(false, false) == 0, "discard mode full: newest dropped, counted");
	tap(test_fill(true, false) == 0, "overwrite mode full: oldest recycled, counted");
	tap(test_fill(false, true) == 0, "discard mode wraparound with reader");
	tap(test_fill(true, true) == 0, "overwrite mode wraparound with reader");
	tap(test_pin() == 0, "overwrite mode: peeked sub-buffer pinned, accounting exact");
	tap(test_reader_broken(false) == 0, "reader finds a broken header: reported, lane fenced (discard)");
	tap(test_reader_broken(true) == 0, "reader finds a broken header: reported, lane fenced (overwrite)");
	tap(test_writer_broken(false, 0) == 0, "switch finds a scribbled header: stopped, reported (discard)");
	tap(test_writer_broken(true, 0) == 0, "switch finds a scribbled header: stopped, reported (overwrite)");
	tap(test_writer_broken(false, 1) == 0, "switch finds more events than bytes: stopped, reported");
	tap(test_writer_broken(true, 2) == 0, "switch finds the write end moved: stopped, reported");
	install_handlers();
	tap(test_signals(false, 1500000000ULL) == 0, "nested writes from signals, discard mode");
	tap(test_signals(true, 1500000000ULL) == 0, "nested writes from signals, overwrite mode");
#ifdef RTRACE_DEBUG
	for (i = 0; i < RTRACE_NR_INJ; i++) {
		for (m = 0; m < 2; m++) {
			snprintf(name, sizeof(name), "inject %s write at %s",
				 m ? "same-level" : "hardirq", inj_names[i]);
			tap(test_inject(i, m) == 0, name);
		}
	}
	tap(test_debug_violation(0) == 0, "debug: header canary violation warns once, stops");
	tap(test_debug_violation(1) == 0, "debug: non-LIFO nesting warns once, stops");
#endif
#endif
	(void)name;
	(void)i;
	(void)m;
	(void)inj_names;
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
