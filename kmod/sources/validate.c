// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: the validation source (RTRACE_SOURCE_VALIDATE) - generators that
 * write checkable events from every context, so that `rtrace verify` can
 * prove a capture complete: every event present once or counted as lost.
 *
 * Generators (per CPU of the session, one of each kind):
 *
 *   task      a kthread bound to the CPU: a burst, then a sleep of one period
 *   softirq   a soft hrtimer (HRTIMER_MODE_REL_PINNED_SOFT): a burst per period
 *   hardirq   a hard hrtimer (..._PINNED_HARD, hard interrupt context on
 *             PREEMPT_RT too): a burst per period
 *   nmi       the hard hrtimer raises a self-NMI every period and, every
 *             fourth period, an NMI on the next CPU of the session; the NMI
 *             handler writes a burst on the CPU it runs on
 *   window    every 16th task burst, the kthread plays the interrupt-entry
 *             window: it owns its CPU's task lane as if a task-level write
 *             were in progress and writes at task level (the writer takes
 *             the spare lane), then owns the spare lane too and writes again
 *             (RTRACE_LOST_RECURSION).  Its writes count as the task
 *             generator's; they use at most VAL_SPARE_BUDGET bytes of the
 *             spare lane per session, so that lane keeps room for the
 *             summaries (below).
 *
 * Each generator cycles through every argument shape of the API: no
 * argument, 1..5 register arguments, rtrace_emit() with 14, and raw
 * payloads from 1 byte to the largest that fits a sub-buffer (at most
 * VAL_RAW_CAP), plus now and then one byte too many (-E2BIG,
 * RTRACE_LOST_TOO_LARGE).  Every event but the smallest (no argument, raw
 * under 16 bytes) carries the generator's kind, a sequence number and a
 * check value over kind, CPU, sequence number and payload.  Each generator
 * counts its attempts and their results by errno; the formats are in
 * Documentation/abi.md, "The validation source".
 *
 * Summaries: when the session stops, ->disable() stops the timers, waits
 * for NMIs in flight, and then each CPU's kthread writes one
 * struct rtrace_val_gen_summary per kind and one struct
 * rtrace_val_cpu_summary on its own CPU (task lane, or the spare lane when
 * the task lane is full), before the session code's final flush.  The
 * counters are cumulative over the session's STARTs.
 *
 * Configuration: module parameters of rtrace.ko, read at each START
 * (/sys/module/rtrace/parameters/validate_*): validate_gens (bit mask,
 * VAL_GEN_*), validate_period_us, validate_burst.
 *
 * PREEMPT_RT: nothing here sleeps or takes a lock in the timers or the NMI
 * handler; soft hrtimers run in a thread there, whose writes have the task
 * level (summary field lane says so).
 */
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/kthread.h>
#include <linux/hrtimer.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/vmalloc.h>
#include <linux/percpu.h>
#include <linux/cpumask.h>
#include <linux/cpu.h>
#include <linux/atomic.h>

#include "source.h"
#include "../ring/internal.h"
#include "../arch/x86.h"

/* validate_gens bits */
#define VAL_GEN_TASK		BIT(RTRACE_VAL_TASK)
#define VAL_GEN_SOFTIRQ		BIT(RTRACE_VAL_SOFTIRQ)
#define VAL_GEN_HARDIRQ		BIT(RTRACE_VAL_HARDIRQ)
#define VAL_GEN_NMI		BIT(RTRACE_VAL_NMI)
#define VAL_GEN_CROSS		BIT(4)	/* NMIs sent to the next CPU */
#define VAL_GEN_WINDOW		BIT(5)	/* spare lane and recursion */
#define VAL_GEN_ALL		0x3f

#define VAL_RAW_CAP		65536	/* largest raw payload written */
#define VAL_RAW_SLACK		64	/* buffer bytes beyond the largest payload */
#define VAL_SPARE_BUDGET	1024	/* spare-lane bytes of window writes per session */
#define VAL_SPARE_REC		32	/* the most one window write takes */
#define VAL_MAX_BURST		256
#define VAL_PUT_TRIES		8

static unsigned int val_gens_param = VAL_GEN_ALL;
module_param_named(validate_gens, val_gens_param, uint, 0644);
MODULE_PARM_DESC(validate_gens,
		 "validation source generators: 1 task, 2 softirq, 4 hardirq, 8 nmi, 16 cross-CPU nmi, 32 spare lane and recursion (default 63)");
static unsigned int val_period_param = 1000;
module_param_named(validate_period_us, val_period_param, uint, 0644);
MODULE_PARM_DESC(validate_period_us,
		 "validation source: microseconds between two bursts of a generator (10..1000000, default 1000)");
static unsigned int val_burst_param = 4;
module_param_named(validate_burst, val_burst_param, uint, 0644);
MODULE_PARM_DESC(validate_burst, "validation source: events per burst (1..256, default 4)");

/**
 * struct val_gen - one generator's counters (written only from its context)
 * @seq: sequenced events attempted
 * @unseq: unsequenced events attempted
 * @ok: writes that returned 0
 * @res: failed writes by errno, RTRACE_VAL_RES_*
 * @lane: context level of its last write
 * @buf: raw payloads
 */
struct val_gen {
	u64 seq;
	u64 unseq;
	u64 ok;
	u64 res[RTRACE_VAL_NR_RES];
	u8 lane;
	u8 *buf;
};

/**
 * struct val_cpu - the generators of one CPU
 * @gen: by kind
 * @hard: hardirq and NMI generators' timer
 * @soft: softirq generator's timer
 * @nmi_pending: 1 from sending an NMI to the end of its handler's burst
 * @task: the kthread (task generator, window, summaries)
 * @started: completed once the kthread runs and started the timers
 * @ticks: periods of @hard
 * @spare_bytes: spare-lane bytes of window writes this session
 * @written: summary records written this session
 * @res: failed summary writes by errno
 */
struct val_cpu {
	struct val_gen gen[RTRACE_VAL_NR_KINDS];
	struct hrtimer hard;
	struct hrtimer soft;
	atomic_t nmi_pending;
	struct task_struct *task;
	struct completion started;
	u64 ticks;
	u64 spare_bytes;
	u64 written;
	u64 res[RTRACE_VAL_NR_RES];
};

static DEFINE_PER_CPU(struct val_cpu, val_cpus);

/* The state of a START .. STOP; rdev.lock serialises enable and disable. */
static struct {
	struct rtrace_ring *ring;	/* stable until disable returns */
	u64 ring_id;			/* ring->clock_zero_ns: a new session resets */
	struct cpumask cpus;		/* CPUs with generators */
	unsigned int gens;
	unsigned int burst;
	u64 period_ns;
	u32 near_raw;			/* largest raw payload written */
	u32 big_raw;			/* > this is refused (-E2BIG) */
	u32 buf_size;
	bool too_large;			/* write -E2BIG payloads too */
	bool stopping;
	bool nmi_registered;
} val;

/* The check value's mixing step (Documentation/abi.md). */
static inline u64 val_mix(u64 h, u64 v)
{
	h ^= v;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

#define VAL_CHECK_SEED		0x5256414c49444154ULL	/* "RVALIDAT" */

static inline u64 val_check_start(unsigned int kind, unsigned int cpu, u64 seq)
{
	return val_mix(val_mix(val_mix(VAL_CHECK_SEED, kind), cpu), seq);
}

/* Filler argument @i of sequence number @seq: values of every varint length. */
static inline u64 val_filler(u64 seq, unsigned int i)
{
	return val_mix(seq, i) >> ((i * 9) % 64);
}

static unsigned int val_res(int ret)
{
	switch (ret) {
	case -EBUSY:
		return RTRACE_VAL_RES_EBUSY;
	case -ENOSPC:
		return RTRACE_VAL_RES_ENOSPC;
	case -E2BIG:
		return RTRACE_VAL_RES_E2BIG;
	case -ENODEV:
		return RTRACE_VAL_RES_ENODEV;
	default:
		return RTRACE_VAL_RES_OTHER;
	}
}

static void val_count(struct val_gen *g, int ret)
{
	if (!ret)
		g->ok++;
	else
		g->res[val_res(ret)]++;
	g->lane = rtrace_context_level();
}

/* A sequenced event of @nargs (1..5, 14) arguments. */
static int val_emit_args(unsigned int kind, unsigned int cpu, u64 seq, unsigned int nargs)
{
	u64 h = val_check_start(kind, cpu, seq);
	u64 a[RTRACE_REC_MAX_ARGS];
	unsigned int i;

	if (nargs == 1)
		return rtrace_emit1(RTRACE_EV_VAL_ARGS1,
				    seq << 24 | (u64)kind << 20 | (h & 0xfffff));
	a[0] = seq;
	for (i = 2; i < nargs; i++) {
		a[i] = val_filler(seq, i);
		h = val_mix(h, a[i]);
	}
	a[1] = kind | (h & 0xffffffff) << 2;
	switch (nargs) {
	case 2:
		return rtrace_emit2(RTRACE_EV_VAL_ARGS2, a[0], a[1]);
	case 3:
		return rtrace_emit3(RTRACE_EV_VAL_ARGS3, a[0], a[1], a[2]);
	case 4:
		return rtrace_emit4(RTRACE_EV_VAL_ARGS4, a[0], a[1], a[2], a[3]);
	case 5:
		return rtrace_emit5(RTRACE_EV_VAL_ARGS5, a[0], a[1], a[2], a[3], a[4]);
	default:
		return rtrace_emit(RTRACE_EV_VAL_ARGS14, RTRACE_REC_MAX_ARGS, a);
	}
}

/* A raw event of @len bytes (sequenced from 16 bytes on). */
static int val_emit_raw(u8 *buf, unsigned int kind, unsigned int cpu, u64 seq, u32 len)
{
	u64 h, w;
	u32 i, j;

	buf[0] = kind;
	if (len < 16) {
		for (i = 1; i < len; i++)
			buf[i] = kind * 16 + i;
		return rtrace_emit_raw(RTRACE_EV_VAL_RAW, buf, len);
	}
	buf[1] = 0;
	buf[2] = 0;
	buf[3] = 0;
	for (i = 0; i < 8; i++)
		buf[8 + i] = seq >> (8 * i);
	h = val_mix(val_check_start(kind, cpu, seq), len);
	for (i = 16; i < len; i += 8) {
		w = 0;
		for (j = 0; j < 8 && i + j < len; j++) {
			buf[i + j] = (u8)(seq + (i + j) * 131);
			w |= (u64)buf[i + j] << (8 * j);
		}
		h = val_mix(h, w);
	}
	for (i = 0; i < 4; i++)
		buf[4 + i] = h >> (8 * i);
	return rtrace_emit_raw(RTRACE_EV_VAL_RAW, buf, len);
}

/* Raw payload length of attempt @n (@n % 16 in 7..13): small to near a sub-buffer. */
static u32 val_raw_len(u64 n)
{
	u64 r = n / 16, x = val_mix(n, 7);
	u32 near = val.near_raw;

	switch (n % 16) {
	case 7:
		return 1 + r % 15;
	case 8:
		return 16 + r % 16;
	case 9:
		return min_t(u32, near, 32 + x % 224);
	case 10:
		return min_t(u32, near, 256 + x % 768);
	case 11:
		return near <= 1024 ? near : 1024 + x % (near - 1023);
	case 12:
		return near - r % 32;
	default:
		return val.big_raw + 1 + r % 16;
	}
}

/* One event of generator @kind of this CPU, of the next shape in its cycle. */
static void val_one(struct val_cpu *vc, unsigned int kind, unsigned int cpu)
{
	struct val_gen *g = &vc->gen[kind];
	u64 n = g->seq + g->unseq, r = n / 16;
	int ret;

	switch (n % 16) {
	case 0:
		g->unseq++;
		ret = rtrace_emit0(RTRACE_EV_VAL_ARGS0);
		break;
	case 1 ... 5:
		ret = val_emit_args(kind, cpu, g->seq++, n % 16);
		break;
	case 6:
	case 15:
		ret = val_emit_args(kind, cpu, g->seq++, RTRACE_REC_MAX_ARGS);
		break;
	case 7:
		g->unseq++;
		ret = val_emit_raw(g->buf, kind, cpu, 0, val_raw_len(n));
		break;
	case 8 ... 10:
		ret = val_emit_raw(g->buf, kind, cpu, g->seq++, val_raw_len(n));
		break;
	case 11:
	case 12:
		/* Large payloads: one cycle in 4 (11) and in 8 (12). */
		if (r % (n % 16 == 11 ? 4 : 8))
			ret = val_emit_args(kind, cpu, g->seq++, 4);
		else
			ret = val_emit_raw(g->buf, kind, cpu, g->seq++, val_raw_len(n));
		break;
	case 13:
		if (val.too_large && r % 8 == 0)
			ret = val_emit_raw(g->buf, kind, cpu, g->seq++, val_raw_len(n));
		else
			ret = val_emit_args(kind, cpu, g->seq++, 3);
		break;
	default:
		ret = val_emit_args(kind, cpu, g->seq++, 2);
		break;
	}
	val_count(g, ret);
}

static void val_burst(struct val_cpu *vc, unsigned int kind, unsigned int cpu)
{
	unsigned int i;

	for (i = 0; i < val.burst; i++)
		val_one(vc, kind, cpu);
}

static int val_nmi(unsigned int cmd, struct pt_regs *regs)
{
	struct val_cpu *vc = this_cpu_ptr(&val_cpus);

	if (!atomic_read(&vc->nmi_pending))
		return NMI_DONE;
	val_burst(vc, RTRACE_VAL_NMI, smp_processor_id());
	/* The burst is complete; pairs with the acquire in val_stop(). */
	atomic_set_release(&vc->nmi_pending, 0);
	return NMI_HANDLED;
}

/* Raise an NMI on @cpu unless one is pending there. */
static void val_send_nmi(unsigned int cpu, bool self)
{
	struct val_cpu *vc = per_cpu_ptr(&val_cpus, cpu);

	if (atomic_cmpxchg(&vc->nmi_pending, 0, 1))
		return;
	if (self)
		rtrace_send_nmi_self();
	else
		rtrace_send_nmi(cpu);
}

static enum hrtimer_restart val_hard_fn(struct hrtimer *t)
{
	struct val_cpu *vc = this_cpu_ptr(&val_cpus);
	unsigned int cpu = smp_processor_id(), next;

	if (READ_ONCE(val.stopping))
		return HRTIMER_NORESTART;
	if (val.gens & VAL_GEN_HARDIRQ)
		val_burst(vc, RTRACE_VAL_HARDIRQ, cpu);
	if (val.gens & VAL_GEN_NMI)
		val_send_nmi(cpu, true);
	if ((val.gens & VAL_GEN_CROSS) && ++vc->ticks % 4 == 0) {
		next = cpumask_next(cpu, &val.cpus);
		if (next >= nr_cpu_ids)
			next = cpumask_first(&val.cpus);
		if (next != cpu && next < nr_cpu_ids)
			val_send_nmi(next, false);
	}
	hrtimer_forward_now(t, ns_to_ktime(val.period_ns));
	return HRTIMER_RESTART;
}

static enum hrtimer_restart val_soft_fn(struct hrtimer *t)
{
	struct val_cpu *vc = this_cpu_ptr(&val_cpus);

	if (READ_ONCE(val.stopping))
		return HRTIMER_NORESTART;
	val_burst(vc, RTRACE_VAL_SOFTIRQ, smp_processor_id());
	hrtimer_forward_now(t, ns_to_ktime(val.period_ns));
	return HRTIMER_RESTART;
}

/*
 * Own this CPU's task lane (and the spare lane too if @both), as an
 * interrupted task-level write would.  Preemption disabled; nothing owns
 * the lanes (no task-level write can be in progress here).
 * Return: this CPU's lanes, or NULL if they cannot be owned now.
 */
static struct rtrace_cpu *val_hold(bool both)
{
	struct rtrace_cpu *rc = this_cpu_ptr(val.ring->cpus);

	if (!READ_ONCE(rc->on) || READ_ONCE(rc->w.busy.lane[RTRACE_LANE_TASK]) ||
	    READ_ONCE(rc->w.busy.lane[RTRACE_LANE_SPARE]))
		return NULL;
	rtrace_lane_take(val.ring, rc, RTRACE_LANE_TASK);
	if (both)
		rtrace_lane_take(val.ring, rc, RTRACE_LANE_SPARE);
	return rc;
}

static void val_unhold(struct rtrace_cpu *rc, bool both)
{
	if (both)
		rtrace_lane_release(val.ring, rc, RTRACE_LANE_SPARE);
	rtrace_lane_release(val.ring, rc, RTRACE_LANE_TASK);
}

/* The interrupt-entry window: a write on the spare lane, then one that recurses. */
static void val_window(struct val_cpu *vc, unsigned int cpu)
{
	struct val_gen *g = &vc->gen[RTRACE_VAL_TASK];
	struct rtrace_cpu *rc;

	if (vc->spare_bytes + 2 * VAL_SPARE_REC > VAL_SPARE_BUDGET)
		return;
	preempt_disable();
	rc = val_hold(false);
	if (rc) {
		vc->spare_bytes += VAL_SPARE_REC;
		val_count(g, val_emit_args(RTRACE_VAL_TASK, cpu, g->seq++, 2));
		rtrace_lane_take(val.ring, rc, RTRACE_LANE_SPARE);
		val_count(g, val_emit_args(RTRACE_VAL_TASK, cpu, g->seq++, 2));
		val_unhold(rc, true);
	}
	preempt_enable();
}

/* The check value of a summary: over its u64 words before the last. */
static u64 val_summary_check(const void *rec, size_t len)
{
	const u64 *w = rec;
	u64 h = VAL_CHECK_SEED;
	size_t i;

	for (i = 0; i + 1 < len / 8; i++)
		h = val_mix(h, w[i]);
	return h;
}

/*
 * Write one summary record from this CPU's kthread: task lane, else the
 * spare lane (whose room the window budget kept); a few tries, counted.
 * @cs: the CPU summary to refresh before each try (its counters include
 * the failed tries of itself), or NULL.
 */
static void val_put(struct val_cpu *vc, void *rec, size_t len,
		    struct rtrace_val_cpu_summary *cs)
{
	struct rtrace_cpu *rc;
	unsigned int t, r;
	int ret;

	for (t = 0; t < VAL_PUT_TRIES; t++) {
		if (cs) {
			cs->written = vc->written;
			for (r = 0; r < RTRACE_VAL_NR_RES; r++)
				cs->res[r] = vc->res[r];
			cs->check = val_summary_check(cs, sizeof(*cs));
		}
		preempt_disable();
		if (t % 2 == 0) {
			ret = rtrace_emit_raw(RTRACE_EV_VAL_RAW, rec, len);
		} else {
			rc = val_hold(false);
			ret = rc ? rtrace_emit_raw(RTRACE_EV_VAL_RAW, rec, len) : -EAGAIN;
			if (rc)
				val_unhold(rc, false);
		}
		preempt_enable();
		if (!ret) {
			vc->written++;
			return;
		}
		if (ret != -EAGAIN)
			vc->res[val_res(ret)]++;
		if (ret == -ENODEV)
			break;
		if (t % 2)
			usleep_range(1000, 2000);
	}
}

/* After the other generators stopped: this CPU's summaries, on this CPU. */
static void val_summaries(struct val_cpu *vc, unsigned int cpu)
{
	static const u8 home[RTRACE_VAL_NR_KINDS] = {
		RTRACE_LANE_TASK, RTRACE_LANE_SOFTIRQ, RTRACE_LANE_HARDIRQ, RTRACE_LANE_NMI,
	};
	struct rtrace_val_gen_summary gs;
	struct rtrace_val_cpu_summary cs;
	struct val_gen *g;
	unsigned int k;

	for (k = 0; k < RTRACE_VAL_NR_KINDS; k++) {
		g = &vc->gen[k];
		memset(&gs, 0, sizeof(gs));
		gs.tag = RTRACE_VAL_TAG_GEN;
		gs.kind = k;
		gs.lane = g->seq + g->unseq ? g->lane : home[k];
		gs.cpu = cpu;
		gs.seq = g->seq;
		gs.unseq = g->unseq;
		gs.ok = g->ok;
		memcpy(gs.res, g->res, sizeof(gs.res));
		gs.check = val_summary_check(&gs, sizeof(gs));
		val_put(vc, &gs, sizeof(gs), NULL);
	}
	memset(&cs, 0, sizeof(cs));
	cs.tag = RTRACE_VAL_TAG_CPU;
	cs.nr_kinds = RTRACE_VAL_NR_KINDS;
	cs.cpu = cpu;
	rtrace_ring_nest_pairs(val.ring, cpu, cs.pairs);
	val_put(vc, &cs, sizeof(cs), &cs);
}

static int val_thread(void *arg)
{
	unsigned int cpu = (unsigned long)arg;
	struct val_cpu *vc = per_cpu_ptr(&val_cpus, cpu);
	unsigned long us = div_u64(val.period_ns, NSEC_PER_USEC);
	unsigned int n = 0;

	/* Pinned timers start on the CPU they are to run on: this one. */
	if (val.gens & (VAL_GEN_HARDIRQ | VAL_GEN_NMI | VAL_GEN_CROSS))
		hrtimer_start(&vc->hard, ns_to_ktime(val.period_ns), HRTIMER_MODE_REL_PINNED_HARD);
	if (val.gens & VAL_GEN_SOFTIRQ)
		hrtimer_start(&vc->soft, ns_to_ktime(val.period_ns), HRTIMER_MODE_REL_PINNED_SOFT);
	complete(&vc->started);
	while (!kthread_should_stop()) {
		if (val.gens & VAL_GEN_TASK) {
			/* Bound, but the check value names the CPU: no migration mid-burst. */
			preempt_disable();
			val_burst(vc, RTRACE_VAL_TASK, cpu);
			preempt_enable();
			if ((val.gens & VAL_GEN_WINDOW) && ++n % 16 == 0)
				val_window(vc, cpu);
		}
		usleep_range(us, us + us / 4 + 1);
	}
	val_summaries(vc, cpu);
	return 0;
}

/* Stop every generator and write the summaries (also after a partial start). */
static void val_stop(void)
{
	struct val_cpu *vc;
	unsigned int cpu, i, k;

	WRITE_ONCE(val.stopping, true);
	for_each_cpu(cpu, &val.cpus) {
		vc = per_cpu_ptr(&val_cpus, cpu);
		hrtimer_cancel(&vc->hard);
		hrtimer_cancel(&vc->soft);
	}
	/* NMIs in flight: their handler clears pending when its burst is done. */
	for_each_cpu(cpu, &val.cpus) {
		vc = per_cpu_ptr(&val_cpus, cpu);
		for (i = 0; i < 500 && atomic_read_acquire(&vc->nmi_pending); i++)
			usleep_range(1000, 2000);
		if (atomic_read(&vc->nmi_pending))
			pr_warn("rtrace: validate: an NMI sent to CPU %u never arrived\n", cpu);
	}
	if (val.nmi_registered) {
		unregister_nmi_handler(NMI_LOCAL, "rtrace_validate");
		val.nmi_registered = false;
	}
	for_each_cpu(cpu, &val.cpus) {
		vc = per_cpu_ptr(&val_cpus, cpu);
		if (vc->task) {
			kthread_stop(vc->task);
			put_task_struct(vc->task);
			vc->task = NULL;
		}
		atomic_set(&vc->nmi_pending, 0);
		for (k = 0; k < RTRACE_VAL_NR_KINDS; k++) {
			rtrace_mem_count(-!!vc->gen[k].buf);
			vfree(vc->gen[k].buf);
			vc->gen[k].buf = NULL;
		}
	}
	cpumask_clear(&val.cpus);
	WRITE_ONCE(val.stopping, false);
	val.ring = NULL;
}

/* Geometry of the raw payloads for a ring of @payload record bytes per sub-buffer. */
static void val_geometry(u32 payload)
{
	/* A raw record is h (2 bytes), delta (1 in a new sub-buffer), len, payload. */
	u32 max = payload - 3 - 2;

	if (max >= 16384)
		max = payload - 3 - 3;
	val.big_raw = max;
	val.near_raw = min_t(u32, max, VAL_RAW_CAP);
	val.buf_size = val.near_raw + VAL_RAW_SLACK;
	/* -E2BIG payloads only where they fit the buffer (len <= big_raw + 16). */
	val.too_large = val.big_raw + 16 < val.buf_size;
}

static int val_start_cpu(unsigned int cpu)
{
	struct val_cpu *vc = per_cpu_ptr(&val_cpus, cpu);
	struct task_struct *t = NULL;
	unsigned int k;

	for (k = 0; k < RTRACE_VAL_NR_KINDS; k++) {
		vc->gen[k].buf = vzalloc(val.buf_size);
		if (!vc->gen[k].buf)
			goto free_bufs;
		rtrace_mem_count(1);
	}
	hrtimer_init(&vc->hard, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	vc->hard.function = val_hard_fn;
	hrtimer_init(&vc->soft, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_SOFT);
	vc->soft.function = val_soft_fn;
	atomic_set(&vc->nmi_pending, 0);
	init_completion(&vc->started);
	t = kthread_create_on_cpu(val_thread, (void *)(unsigned long)cpu, cpu, "rtrace_val/%u");
	if (IS_ERR(t)) {
		k = RTRACE_VAL_NR_KINDS;
		goto free_bufs;
	}
	get_task_struct(t);
	vc->task = t;
	wake_up_process(t);
	/* The thread has run (kthread_stop() would skip a thread that never did). */
	wait_for_completion(&vc->started);
	return 0;

free_bufs:
	while (k--) {
		vfree(vc->gen[k].buf);
		vc->gen[k].buf = NULL;
		rtrace_mem_count(-1);
	}
	return t ? PTR_ERR(t) : -ENOMEM;
}

static int val_enable(u64 events)
{
	struct rtrace_ring *ring;
	struct val_cpu *vc;
	unsigned int cpu;
	int ret = 0;

	/* rdev.lock is held: the ring cannot be detached before ->disable(). */
	rcu_read_lock_sched();
	ring = rcu_dereference_sched(rtrace_active);
	rcu_read_unlock_sched();
	if (!ring)
		return -ENODEV;
	val.ring = ring;
	if (val.ring_id != ring->clock_zero_ns) {
		/* A new session: counters start again. */
		val.ring_id = ring->clock_zero_ns;
		for_each_possible_cpu(cpu) {
			vc = per_cpu_ptr(&val_cpus, cpu);
			memset(vc->gen, 0, sizeof(vc->gen));
			vc->spare_bytes = 0;
			vc->written = 0;
			memset(vc->res, 0, sizeof(vc->res));
			vc->ticks = 0;
		}
	}
	val.gens = READ_ONCE(val_gens_param) & VAL_GEN_ALL;
	val.burst = clamp_t(unsigned int, READ_ONCE(val_burst_param), 1, VAL_MAX_BURST);
	val.period_ns = (u64)clamp_t(unsigned int, READ_ONCE(val_period_param), 10, 1000000) *
			NSEC_PER_USEC;
	val_geometry(ring->payload);
	if (val.gens & (VAL_GEN_NMI | VAL_GEN_CROSS)) {
		ret = register_nmi_handler(NMI_LOCAL, val_nmi, 0, "rtrace_validate");
		if (ret)
			goto fail;
		val.nmi_registered = true;
	}
	cpus_read_lock();
	for_each_cpu_and(cpu, &ring->cpumask, cpu_online_mask) {
		ret = val_start_cpu(cpu);
		if (per_cpu_ptr(&val_cpus, cpu)->task)
			cpumask_set_cpu(cpu, &val.cpus);
		if (ret)
			break;
	}
	cpus_read_unlock();
	if (ret)
		goto fail;
	return 0;

fail:
	val_stop();
	return ret;
}

static void val_disable(void)
{
	val_stop();
}

#define VAL_FIELD(n, t)	{ .name = n, .type = RTRACE_FIELD_##t }

static const struct rtrace_event_desc val_events[] = {
	{ .id = RTRACE_EV_VAL_ARGS0, .nr_fields = 0, .name = "val_args0" },
	{ .id = RTRACE_EV_VAL_ARGS1, .nr_fields = 1, .name = "val_args1",
	  .fields = { VAL_FIELD("seq_kind_check", HEX) } },
	{ .id = RTRACE_EV_VAL_ARGS2, .nr_fields = 2, .name = "val_args2",
	  .fields = { VAL_FIELD("seq", U64), VAL_FIELD("kind_check", HEX) } },
	{ .id = RTRACE_EV_VAL_ARGS3, .nr_fields = 3, .name = "val_args3",
	  .fields = { VAL_FIELD("seq", U64), VAL_FIELD("kind_check", HEX),
		      VAL_FIELD("f2", HEX) } },
	{ .id = RTRACE_EV_VAL_ARGS4, .nr_fields = 4, .name = "val_args4",
	  .fields = { VAL_FIELD("seq", U64), VAL_FIELD("kind_check", HEX),
		      VAL_FIELD("f2", HEX), VAL_FIELD("f3", HEX) } },
	{ .id = RTRACE_EV_VAL_ARGS5, .nr_fields = 5, .name = "val_args5",
	  .fields = { VAL_FIELD("seq", U64), VAL_FIELD("kind_check", HEX),
		      VAL_FIELD("f2", HEX), VAL_FIELD("f3", HEX), VAL_FIELD("f4", HEX) } },
	{ .id = RTRACE_EV_VAL_ARGS14, .nr_fields = RTRACE_REC_MAX_ARGS, .name = "val_args14",
	  .fields = { VAL_FIELD("seq", U64), VAL_FIELD("kind_check", HEX),
		      VAL_FIELD("f2", HEX), VAL_FIELD("f3", HEX), VAL_FIELD("f4", HEX),
		      VAL_FIELD("f5", HEX), VAL_FIELD("f6", HEX), VAL_FIELD("f7", HEX),
		      VAL_FIELD("f8", HEX), VAL_FIELD("f9", HEX), VAL_FIELD("f10", HEX),
		      VAL_FIELD("f11", HEX), VAL_FIELD("f12", HEX), VAL_FIELD("f13", HEX) } },
	{ .id = RTRACE_EV_VAL_RAW, .nr_fields = RTRACE_REC_RAW, .name = "val_raw" },
};

const struct rtrace_source rtrace_source_validate = {
	.name		= "validate",
	.bit		= RTRACE_SOURCE_VALIDATE,
	.events		= val_events,
	.nr_events	= ARRAY_SIZE(val_events),
	.enable		= val_enable,
	.disable	= val_disable,
};
