// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: in-kernel nesting test of the writer (test-only module).
 *
 * On one target CPU a kthread writes in a loop (task context) while an
 * hrtimer (hardirq), a tasklet it schedules (softirq) and NMIs (self-NMIs
 * from the hrtimer, plus NMIs sent from another CPU at random instants)
 * write on the same CPU.  A reader kthread drains the ring concurrently.
 * Every event names its producer and sequence number and carries a check
 * value; at the end every event must decode intact exactly once, the
 * in-band loss counts must equal the ring's counters, and each context pair
 * must have been observed interrupting a write in progress.
 *
 * mode=0: random nesting (every build).  mode=1 (RTRACE_DEBUG builds):
 * deterministic injection - at each labelled step of the writer the
 * injection hook raises a self-NMI (which writes from NMI context) or calls
 * the writer directly (same level: the spare lane).
 *
 * The test runs at module load; the result is the read-only parameter
 * "result" (first word ok, skip or fail), read by selftests/rtrace/nest_test.
 *
 * PREEMPT_RT: softirqs run in threads, in task context as far as
 * preempt_count is concerned, and cannot interrupt a preempt-disabled
 * writer; the softirq<-* and *<-softirq pairs are reported as n/a there.
 */
#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/delay.h>
#include <linux/random.h>
#include <linux/vmalloc.h>
#include <linux/bitmap.h>
#include "kmod/ring/ring.h"
#include "kmod/ring/internal.h"
#include "include/rtrace_emit.h"

static int mode;
module_param(mode, int, 0444);
MODULE_PARM_DESC(mode, "0 random nesting, 1 injection at each writer step (debug build)");
static int duration_ms = 3000;
module_param(duration_ms, int, 0444);
MODULE_PARM_DESC(duration_ms, "how long the random test writes");
static char result[512] = "not run";
module_param_string(result, result, sizeof(result), 0444);
MODULE_PARM_DESC(result, "ok|skip|fail, then details");

#define NR_PROD		5		/* task, softirq, hardirq, nmi, direct */
#define MAX_SEQ		BIT(22)
#define KMUL		0x9e3779b97f4a7c15ULL

struct prod {
	u32 attempts;
	u32 ok;
	u32 err_busy, err_full, err_other;
	unsigned long *written;		/* MAX_SEQ bits */
	unsigned long *decoded;
};

static struct prod prods[NR_PROD];
static unsigned int target_cpu;
static struct rtrace_ring *ring;
static atomic_t nmi_pending = ATOMIC_INIT(0);
static atomic_t nmi_seen = ATOMIC_INIT(0);
static bool stopping;
static u64 decode_bad, decode_dup, decode_unwritten, nr_read;
static u64 lane_lost[NR_CPUS > 64 ? 64 : NR_CPUS][RTRACE_NR_LANES][RTRACE_NR_LOST];
static u64 lane_read[NR_CPUS > 64 ? 64 : NR_CPUS][RTRACE_NR_LANES];
static u64 lane_next[NR_CPUS > 64 ? 64 : NR_CPUS][RTRACE_NR_LANES];
static bool lane_gap;
static u8 *rbuf;

/* Write event seq of producer @p through one of the three writers. */
static void produce(unsigned int p)
{
	struct prod *pr = &prods[p];
	u32 seq = pr->attempts;
	u64 a[3];
	int ret;

	if (seq >= MAX_SEQ)
		return;
	pr->attempts++;
	a[0] = p;
	a[1] = seq;
	a[2] = seq * KMUL + p;
	/*
	 * Marked before the write: another writer of the same lane (on
	 * PREEMPT_RT the tasklet thread shares the task lane) may publish
	 * the event to the reader before we return.
	 */
	__set_bit(seq, pr->written);
	switch (seq % 3) {
	case 0:
		ret = rtrace_emit3(RTRACE_EV_TEST, a[0], a[1], a[2]);
		break;
	case 1:
		ret = rtrace_emit(RTRACE_EV_TEST, 3, a);
		break;
	default:
		ret = rtrace_emit_raw(RTRACE_EV_TEST_RAW, a, sizeof(a));
		break;
	}
	if (ret)
		__clear_bit(seq, pr->written);
	if (!ret)
		pr->ok++;
	else if (ret == -EBUSY)
		pr->err_busy++;
	else if (ret == -ENOSPC)
		pr->err_full++;
	else
		pr->err_other++;
}

/* ---- decoding ------------------------------------------------------- */

static int get_varint(const u8 **p, const u8 *end, u64 *v)
{
	unsigned int shift = 0, i;
	u64 x = 0;

	for (i = 0; i < RTRACE_REC_MAX_VARINT; i++) {
		if (*p >= end)
			return -1;
		x |= (u64)(**p & 0x7f) << shift;
		if (!(*(*p)++ & 0x80)) {
			*v = x;
			return 0;
		}
		shift += 7;
	}
	return -1;
}

static void check_event(u64 a0, u64 a1, u64 a2)
{
	if (a0 >= NR_PROD || a1 >= MAX_SEQ || a2 != a1 * KMUL + a0) {
		decode_bad++;
		return;
	}
	if (!test_bit(a1, prods[a0].written))
		decode_unwritten++;
	else if (__test_and_set_bit(a1, prods[a0].decoded))
		decode_dup++;
}

static int decode_subbuf(const u8 *buf, size_t len)
{
	const struct rtrace_subbuf_hdr *hdr = (const void *)buf;
	const u8 *p = buf + sizeof(*hdr), *end = p + hdr->commit;
	unsigned int n = 0, i, nargs;
	u64 h, d, v, a[3];

	if (hdr->magic != RTRACE_SUBBUF_MAGIC || sizeof(*hdr) + hdr->commit != len)
		return -1;
	while (p < end) {
		if (get_varint(&p, end, &h) || get_varint(&p, end, &d))
			return -1;
		nargs = h & 15;
		if ((h >> 4) == RTRACE_EV_TEST_RAW && nargs == RTRACE_REC_RAW) {
			if (get_varint(&p, end, &v) || v != sizeof(a) || end - p < v)
				return -1;
			memcpy(a, p, sizeof(a));
			p += v;
		} else if ((h >> 4) == RTRACE_EV_TEST && nargs == 3) {
			for (i = 0; i < 3; i++)
				if (get_varint(&p, end, &a[i]))
					return -1;
		} else {
			return -1;
		}
		check_event(a[0], a[1], a[2]);
		n++;
	}
	return n == hdr->nr_events ? (int)n : -1;
}

/* Drain every lane of every CPU; returns sub-buffers read. */
static int drain(void)
{
	unsigned int cpu, l, c;
	int got = 0, n;
	ssize_t len;

	for_each_online_cpu(cpu) {
		if (cpu >= ARRAY_SIZE(lane_read))
			continue;
		for (l = 0; l < RTRACE_NR_LANES; l++) {
			while ((len = rtrace_ring_peek(ring, cpu, l, rbuf, PAGE_SIZE * 4)) > 0) {
				const struct rtrace_subbuf_hdr *hdr = (const void *)rbuf;

				n = decode_subbuf(rbuf, len);
				if (n < 0 || hdr->cpu != cpu || hdr->lane != l)
					decode_bad++;
				else
					lane_read[cpu][l] += n;
				if (hdr->seq != lane_next[cpu][l])
					lane_gap = true;
				lane_next[cpu][l] = hdr->seq + 1;
				for (c = 0; c < RTRACE_NR_LOST; c++)
					lane_lost[cpu][l][c] += hdr->lost[c];
				rtrace_ring_consume(ring, cpu, l);
				nr_read += n > 0 ? n : 0;
				got++;
			}
		}
	}
	return got;
}

/* ---- interrupt sources ------------------------------------------------ */

static struct hrtimer timer;
static struct tasklet_struct tasklet;
static unsigned int timer_ticks;

static int nest_nmi(unsigned int cmd, struct pt_regs *regs)
{
	if (smp_processor_id() != target_cpu || !atomic_xchg(&nmi_pending, 0))
		return NMI_DONE;
	atomic_inc(&nmi_seen);
	produce(3);
	return NMI_HANDLED;
}

static void nest_tasklet(struct tasklet_struct *t)
{
	int i;

	/* A burst, so hardirqs and NMIs find softirq writes in progress. */
	for (i = 0; i < 32; i++)
		produce(1);
}

static enum hrtimer_restart nest_timer(struct hrtimer *t)
{
	int i;

	if (READ_ONCE(stopping))
		return HRTIMER_NORESTART;
	/* Long enough that NMIs from the other CPU land inside. */
	for (i = 0; i < 48; i++)
		produce(2);
	if (++timer_ticks % 4 == 0) {
		atomic_set(&nmi_pending, 1);
		rtrace_send_nmi_self();
	}
	tasklet_schedule(&tasklet);
	hrtimer_forward_now(t, ns_to_ktime(40000 + get_random_u32_below(40000)));
	return HRTIMER_RESTART;
}

/* Another CPU sends NMIs to the target at random instants. */
static int nmi_sender(void *arg)
{
	while (!kthread_should_stop()) {
		if (!atomic_read(&nmi_pending)) {
			atomic_set(&nmi_pending, 1);
			rtrace_send_nmi(target_cpu);
		}
		udelay(2 + get_random_u32_below(15));
		cond_resched();
	}
	return 0;
}

static int reader(void *arg)
{
	while (!kthread_should_stop()) {
		drain();
		usleep_range(200, 400);
	}
	return 0;
}

/* ---- injection (RTRACE_DEBUG builds) ------------------------------------ */

static enum rtrace_inject_point inject_at;
static int inject_direct;
static struct task_struct *inject_task;
static unsigned int inject_fired[RTRACE_NR_INJ];
static bool in_hook;

static void nest_hook(enum rtrace_inject_point point)
{
	int spin;

	if (point != inject_at || current != inject_task || in_nmi() || in_hook)
		return;
	in_hook = true;
	inject_fired[point]++;
	if (inject_direct) {
		produce(4);
	} else {
		atomic_set(&nmi_pending, 1);
		rtrace_send_nmi_self();
		/* The NMI arrives before we go on: wait for it, bounded. */
		for (spin = 0; spin < 100000 && atomic_read(&nmi_pending); spin++)
			cpu_relax();
	}
	in_hook = false;
}

/* ---- the test ----------------------------------------------------------- */

/*
 * Has every context pair that can nest on this kernel been seen?  Whether
 * an NMI lands inside a short hardirq write is chance, so the random test
 * runs on past duration_ms (up to 2.5 times as long, well within the
 * test timeout of selftests/rtrace/rtrace_test_harness.h) until it has.
 */
static bool all_pairs_seen(void)
{
	u64 pairs[RTRACE_NR_LANES][RTRACE_NR_LANES];
	bool rt = IS_ENABLED(CONFIG_PREEMPT_RT);

	rtrace_ring_nest_pairs(ring, target_cpu, pairs);
	return pairs[0][2] && pairs[0][3] && pairs[2][3] &&
	       (rt || (pairs[0][1] && pairs[1][2] && pairs[1][3]));
}

static int writer(void *arg)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(duration_ms);
	unsigned long limit = jiffies + msecs_to_jiffies(duration_ms * 5 / 2);
	unsigned int i, p, m, r, before;

	if (mode == 0) {
		hrtimer_start(&timer, ns_to_ktime(50000), HRTIMER_MODE_REL_PINNED_HARD);
		while (prods[0].attempts < MAX_SEQ - 1 &&
		       (time_before(jiffies, deadline) ||
			(time_before(jiffies, limit) && !all_pairs_seen()))) {
			for (i = 0; i < 64; i++)
				produce(0);
			cond_resched();
		}
	} else {
		inject_task = current;
		for (p = 0; p < RTRACE_NR_INJ; p++) {
			for (m = 0; m < 2; m++) {
				before = inject_fired[p];
				inject_at = p;
				inject_direct = m;
				/*
				 * 1500 events, then more until the point has fired
				 * in this mode.  The switch points fire only when a
				 * sub-buffer fills, never while the ring is full: on
				 * a loaded host the reader fell behind and
				 * SWITCH_OPENING was not reached once.  So each
				 * further round first gives the reader a pause;
				 * at most 100 of them.
				 */
				for (r = 0; r <= 100 && (!r || inject_fired[p] == before); r++) {
					if (r)
						usleep_range(2000, 4000);
					for (i = 0; i < 1500; i++)
						produce(0);
					cond_resched();
				}
			}
		}
		inject_at = RTRACE_NR_INJ;
	}
	WRITE_ONCE(stopping, true);
	while (!kthread_should_stop())
		usleep_range(1000, 2000);
	return 0;
}

static const char *pair_str(char *buf, size_t len, u64 v, bool possible)
{
	if (!possible)
		return "n/a";
	snprintf(buf, len, "%llu", v);
	return buf;
}

/*
 * What a new ring's lane memory holds before anything is written: the
 * RTRACE_DEBUG pattern (rtrace_debug_poison()) in a debug build of
 * rtrace.ko, zeroes in a normal one.  Proves that leak_test's scan for
 * the pattern is not vacuous.  Counts 8-byte words of @cpu's lanes.
 */
static const char *fill_kind(struct rtrace_ring *ring, unsigned int cpu, u64 *pat, u64 *zero,
			     u64 *other)
{
	struct rtrace_cpu *rc = per_cpu_ptr(ring->cpus, cpu);
	unsigned int l;
	size_t i, n;

	*pat = *zero = *other = 0;
	for (l = 0; l < RTRACE_NR_LANES; l++) {
		const u64 *w = rc->lane[l].area.addr;

		if (!w)
			continue;
		n = (size_t)rc->lane[l].area.nr_pages * PAGE_SIZE / sizeof(u64);
		for (i = 0; i < n; i++) {
			if (w[i] == RTRACE_DEBUG_POISON)
				(*pat)++;
			else if (!w[i])
				(*zero)++;
			else
				(*other)++;
		}
	}
	/* a few words of sub-buffer headers may be written at creation */
	if (*pat && *pat >= 64 * (*zero + *other))
		return "pattern";
	if (!*pat && *zero >= 64 * *other)
		return "zero";
	return "mixed";
}

static int run(void)
{
	struct rtrace_ring_geom geom = {
		.subbuf_size = PAGE_SIZE * 4,
		.nr_subbufs = 16,
		.flags = 0,
	};
	struct task_struct *w, *rd = NULL, *snd = NULL;
	u64 pairs[RTRACE_NR_LANES][RTRACE_NR_LANES];
	bool rt = IS_ENABLED(CONFIG_PREEMPT_RT);
	struct rtrace_lane_stats st;
	unsigned int cpu, l, c, p, other = nr_cpu_ids;
	char b[6][24];
	int ret, errors = 0, len;
	u64 busy = 0, full = 0;
	u64 fill_pat, fill_zero, fill_other;
	const char *fill;
	bool fast;

	if (mode == 1 && rtrace_debug_set_inject(NULL) == -EOPNOTSUPP) {
		snprintf(result, sizeof(result), "skip: injection needs an RTRACE_DEBUG build");
		return 0;
	}
	target_cpu = num_online_cpus() > 1 ? 1 : 0;
	for_each_online_cpu(cpu)
		if (cpu != target_cpu && other == nr_cpu_ids)
			other = cpu;
	for (p = 0; p < NR_PROD; p++) {
		prods[p].written = vzalloc(BITS_TO_LONGS(MAX_SEQ) * sizeof(long));
		prods[p].decoded = vzalloc(BITS_TO_LONGS(MAX_SEQ) * sizeof(long));
		if (!prods[p].written || !prods[p].decoded)
			return -ENOMEM;
	}
	rbuf = vmalloc(PAGE_SIZE * 4);
	if (!rbuf)
		return -ENOMEM;
	ring = rtrace_ring_create(&geom);
	if (IS_ERR(ring))
		return PTR_ERR(ring);
	fill = fill_kind(ring, target_cpu, &fill_pat, &fill_zero, &fill_other);
	ret = rtrace_ring_attach(ring);
	if (ret) {
		rtrace_ring_destroy(ring);
		snprintf(result, sizeof(result), "skip: another rtrace session is attached");
		return 0;
	}
	/* Does this ring take the inline fast path of include/rtrace_wr.h? */
	fast = raw_cpu_ptr(READ_ONCE(rtrace_wr_cpus))->clock != 0;	/* not the idle state */
	ret = register_nmi_handler(NMI_LOCAL, nest_nmi, 0, "rtrace_nest");
	if (ret)
		goto out_detach;
	hrtimer_init(&timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	timer.function = nest_timer;
	tasklet_setup(&tasklet, nest_tasklet);
	if (mode == 1)
		rtrace_debug_set_inject(nest_hook);
	rtrace_ring_set_running(ring, true);

	w = kthread_create_on_cpu(writer, NULL, target_cpu, "rtrace_nest_w");
	if (IS_ERR(w)) {
		ret = PTR_ERR(w);
		goto out_nmi;
	}
	if (other < nr_cpu_ids) {
		rd = kthread_create_on_cpu(reader, NULL, other, "rtrace_nest_r");
		if (mode == 0)
			snd = kthread_create_on_cpu(nmi_sender, NULL, other, "rtrace_nest_n");
	} else {
		rd = kthread_create(reader, NULL, "rtrace_nest_r");
	}
	get_task_struct(w);
	wake_up_process(w);
	if (!IS_ERR_OR_NULL(rd))
		wake_up_process(rd);
	if (!IS_ERR_OR_NULL(snd))
		wake_up_process(snd);
	while (!READ_ONCE(stopping))
		msleep(20);
	if (!IS_ERR_OR_NULL(snd))
		kthread_stop(snd);
	hrtimer_cancel(&timer);
	tasklet_kill(&tasklet);
	kthread_stop(w);
	put_task_struct(w);
	if (!IS_ERR_OR_NULL(rd))
		kthread_stop(rd);
	if (mode == 1)
		rtrace_debug_set_inject(NULL);

	/* Stop (waits for writers), publish everything, read everything. */
	rtrace_ring_set_running(ring, false);
	do {
		drain();
	} while (rtrace_ring_flush(ring) > 0);
	drain();

	for_each_online_cpu(cpu) {
		if (cpu >= ARRAY_SIZE(lane_read))
			continue;
		for (l = 0; l < RTRACE_NR_LANES; l++) {
			rtrace_ring_stats(ring, cpu, l, &st);
			for (c = 0; c < RTRACE_NR_LOST; c++)
				if (st.lost[c] != lane_lost[cpu][l][c]) {
					pr_err("rtrace_nest: cpu %u lane %u cause %u: counted %llu, in-band %llu\n",
					       cpu, l, c, st.lost[c], lane_lost[cpu][l][c]);
					errors++;
				}
			if (st.written != lane_read[cpu][l]) {
				pr_err("rtrace_nest: cpu %u lane %u: written %llu, read %llu\n",
				       cpu, l, st.written, lane_read[cpu][l]);
				errors++;
			}
			busy += lane_lost[cpu][l][RTRACE_LOST_RECURSION];
			full += lane_lost[cpu][l][RTRACE_LOST_FULL];
		}
	}
	for (p = 0; p < NR_PROD; p++) {
		if (!bitmap_equal(prods[p].written, prods[p].decoded, MAX_SEQ)) {
			pr_err("rtrace_nest: producer %u: written and decoded events differ\n", p);
			errors++;
		}
		if (prods[p].err_other)
			errors++;
		busy -= prods[p].err_busy;
		full -= prods[p].err_full;
	}
	if (busy || full || lane_gap || decode_bad || decode_dup || decode_unwritten) {
		pr_err("rtrace_nest: busy %lld full %lld gap %d bad %llu dup %llu unwritten %llu\n",
		       (s64)busy, (s64)full, lane_gap, decode_bad, decode_dup, decode_unwritten);
		errors++;
	}
	rtrace_ring_nest_pairs(ring, target_cpu, pairs);

	if (mode == 0) {
		len = snprintf(result, sizeof(result),
			       "%s nesting: task<-softirq=%s task<-hardirq=%s task<-nmi=%s ",
			       errors ? "fail" : "ok",
			       pair_str(b[0], 24, pairs[0][1], !rt),
			       pair_str(b[1], 24, pairs[0][2], 1),
			       pair_str(b[2], 24, pairs[0][3], 1));
		len += snprintf(result + len, sizeof(result) - len,
				"softirq<-hardirq=%s softirq<-nmi=%s hardirq<-nmi=%s",
				pair_str(b[3], 24, pairs[1][2], !rt),
				pair_str(b[4], 24, pairs[1][3], !rt),
				pair_str(b[5], 24, pairs[2][3], 1));
	} else {
		len = snprintf(result, sizeof(result),
			       "%s inject: nmi-nested=%llu spare=%llu fired=",
			       errors ? "fail" : "ok", pairs[0][3], pairs[0][4]);
		for (p = 0; p < RTRACE_NR_INJ && len < sizeof(result); p++)
			len += snprintf(result + len, sizeof(result) - len, "%s%u",
					p ? "," : "", inject_fired[p]);
	}
	if (len < sizeof(result))
		snprintf(result + len, sizeof(result) - len,
			 " events=%llu read=%llu nmis=%d fast=%d debug=%d fill=%s words=%llu/%llu/%llu",
			 (u64)prods[0].attempts + prods[1].attempts + prods[2].attempts +
			 prods[3].attempts + prods[4].attempts, nr_read,
			 atomic_read(&nmi_seen), fast,
			 rtrace_debug_set_inject(NULL) == 0, fill, fill_pat, fill_zero, fill_other);
	ret = 0;
out_nmi:
	unregister_nmi_handler(NMI_LOCAL, "rtrace_nest");
out_detach:
	rtrace_ring_detach(ring);
	rtrace_ring_destroy(ring);
	return ret;
}

static int __init nest_init(void)
{
	unsigned int p;
	int ret;

	ret = run();
	vfree(rbuf);
	for (p = 0; p < NR_PROD; p++) {
		vfree(prods[p].written);
		vfree(prods[p].decoded);
	}
	pr_info("rtrace_nest: %s\n", result);
	return ret;
}

static void __exit nest_exit(void)
{
}

module_init(nest_init);
module_exit(nest_exit);
MODULE_LICENSE("GPL");
RTRACE_IMPORT_INTERNAL();
MODULE_DESCRIPTION("rtrace: in-kernel nesting test of the writer");
