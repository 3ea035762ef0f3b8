// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace_bench: cost per event of rtrace's writer, ftrace's ring buffer and a floor.
 *
 * Not part of rtrace.ko and not on any production path: a separate module
 * that, when "run" is written to /proc/rtrace_bench, times tight loops of
 * writes in task context (interrupts off, so the timer does not land in the
 * figure), in hardirq context (a hard irq_work raised on this CPU) and in
 * NMI context (a self-NMI), and then serves the results as text lines:
 *
 *   result <impl> <payload> <ctx> <median ns/event x1000> <min> <max> <reps>
 *   bytes <impl> <payload> <bytes per event>
 *
 * Implementations:
 *   rtrace      rtrace_emit_raw() / rtrace_emit5() into the active session
 *   ftrace_rsv  ring_buffer_lock_reserve() + copy + ring_buffer_unlock_commit()
 *   ftrace_wr   ring_buffer_write() of a stack copy
 *   floor_tsc   rdtsc + plain per-CPU stores of the same bytes
 *   floor_local trace_clock_local() + plain per-CPU stores of the same bytes
 *   empty       the loop with its argument computation and nothing else
 *
 * Every figure is (loop time - empty loop time) / iterations, median of
 * several repetitions.  Under QEMU's icount mode one nanosecond of guest
 * time is one guest instruction, so the figures are instruction counts;
 * under plain TCG they are emulated time and only ratios mean anything
 * (../shared/MEASURING.md).
 *
 * Nested cost (context nmi_nested): the NMI-context loop is run once more
 * while the interrupted task is in the middle of a write.  For ftrace the
 * task holds an uncommitted reservation on the same CPU buffer.  For rtrace
 * the task lane is marked busy, as an interrupted task-level write leaves
 * it, by rtrace_bench_hold_task_lane(): that function exists only in the
 * benchmark builds of rtrace.ko (-DRTRACE_BENCH, built by bench/run into
 * build/<kernel>-bench/) and is found with symbol_get(), so every NMI write
 * takes the real nested path (busy lanes seen, rtrace_note_nested()).
 * Against a normal rtrace.ko the rtrace nmi_nested figure is not reported.
 *
 * Machinery cost: bench/run also loads a build of rtrace.ko with
 * -DRTRACE_BENCH_NO_REENTRANCY (fixed task lane, no busy byte, spare lane
 * or nesting accounting; unsafe, bench only) and reports its rtrace
 * figures as rtrace_nolane, so rtrace_tsc - rtrace_nolane is what lane
 * selection and the recursion guard cost.
 */
#include <linux/module.h>
#include <linux/ring_buffer.h>
#include <linux/irq_work.h>
#include <linux/delay.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/timekeeping.h>
#include <linux/trace_clock.h>
#include <linux/uaccess.h>
#include <linux/percpu.h>
#include <asm/apic.h>
#include <asm/nmi.h>
#include <asm/msr.h>

#include "../kmod/ring/ring.h"
#include "../include/rtrace_emit.h"
#include <uapi/linux/rtrace.h>

static unsigned int iters = 4096;
module_param(iters, uint, 0644);
MODULE_PARM_DESC(iters, "writes per timed loop");

static unsigned int reps = 7;
module_param(reps, uint, 0644);
MODULE_PARM_DESC(reps, "timed loops per figure (the median is reported)");

enum { IMPL_EMPTY, IMPL_RTRACE, IMPL_FTRACE_RSV, IMPL_FTRACE_WR, IMPL_FLOOR_TSC,
	IMPL_FLOOR_LOCAL, NR_IMPL };
enum { PL_RAW16, PL_SCHED, NR_PL };
enum { CTX_TASK, CTX_HARDIRQ, CTX_NMI, CTX_NMI_NESTED, NR_CTX };

static const char * const impl_name[NR_IMPL] = {
	"empty", "rtrace", "ftrace_rsv", "ftrace_wr", "floor_tsc", "floor_local",
};

static const char * const pl_name[NR_PL] = { "raw16", "sched" };
static const char * const ctx_name[NR_CTX] = { "task", "hardirq", "nmi", "nmi_nested" };

/* ftrace's sched_switch entry without the two comm[16] arrays. */
struct bench_sched_entry {
	u16 type;
	u8 flags;
	u8 preempt_count;
	s32 pid;
	s32 prev_pid;
	s32 prev_prio;
	s64 prev_state;
	s32 next_pid;
	s32 next_prio;
};

/*
 * A sched_switch-like event: type 2 keeps the record header one byte, as
 * the upcoming sched source's will (uapi reserves 1..7 for it).  Nothing
 * decodes the benchmark's stream.
 */
#define BENCH_EV_SCHED	2
#define FLOOR_BYTES	(64 * 1024)

struct bench_floor {
	u64 pos;
	u8 *buf;			/* FLOOR_BYTES, node-local */
};

static DEFINE_PER_CPU(struct bench_floor, bench_floor);
static struct trace_buffer *bench_rb;

/* One timed job, handed to whichever context runs it. */
struct bench_job {
	int impl;
	int pl;
	u64 ns;
	bool nested;
};

static struct bench_job *bench_cur;
static int (*bench_hold)(bool hold);	/* rtrace_bench_hold_task_lane() */
static int bench_nmi_armed;
static int bench_nmi_done;

/* Results: per impl, payload, context, the median, min and max in ns x1000 per event. */
static u64 res_med[NR_IMPL][NR_PL][NR_CTX];
static u64 res_min[NR_IMPL][NR_PL][NR_CTX];
static u64 res_max[NR_IMPL][NR_PL][NR_CTX];
static u64 res_bytes[NR_IMPL][NR_PL];
static bool bench_have_results;
static DEFINE_MUTEX(bench_mutex);

static const u8 bench_raw[16] __aligned(8) = {
	0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
};

/*
 * A value the compiler cannot see through.  The writers are inlined into
 * the loops, and a real tracepoint's arguments and payload are not known
 * at compile time: without this the compiler would know each argument's
 * varint length, or turn the payload into immediates.
 */
static __always_inline u64 bench_val(u64 v)
{
	OPTIMIZER_HIDE_VAR(v);
	return v;
}

/* Argument values of iteration i: pids in the thousands, prio ~120. */
#define PREV_PID(i)	bench_val(1000 + ((i) & 2047))
#define PREV_PRIO(i)	bench_val(120 + ((i) & 3))
#define PREV_STATE(i)	bench_val((i) & 1)
#define NEXT_PID(i)	bench_val(3000 + ((i) & 1023))
#define NEXT_PRIO(i)	bench_val(120 - ((i) & 7))
/* The raw payload, through a pointer the compiler cannot see through. */
#define BENCH_RAW	((const u8 *)bench_val((unsigned long)bench_raw))

static __always_inline void bench_keep(u64 a, u64 b, u64 c, u64 d, u64 e)
{
	asm volatile("" : : "r"(a), "r"(b), "r"(c), "r"(d), "r"(e));
}

static __always_inline void floor_store(u64 ts, const void *p, unsigned int len)
{
	struct bench_floor *f = this_cpu_ptr(&bench_floor);
	u64 pos = f->pos;
	u8 *dst;

	if (pos + 8 + len > FLOOR_BYTES)
		pos = 0;
	dst = f->buf + pos;
	*(u64 *)dst = ts;
	memcpy(dst + 8, p, len);
	f->pos = pos + 8 + len;
}

static __always_inline void floor_sched(u64 ts, unsigned int i)
{
	struct bench_floor *f = this_cpu_ptr(&bench_floor);
	u64 pos = f->pos;
	struct bench_sched_entry *e;

	if (pos + 8 + sizeof(*e) > FLOOR_BYTES)
		pos = 0;
	*(u64 *)(f->buf + pos) = ts;
	e = (struct bench_sched_entry *)(f->buf + pos + 8);
	e->prev_pid = PREV_PID(i);
	e->prev_prio = PREV_PRIO(i);
	e->prev_state = PREV_STATE(i);
	e->next_pid = NEXT_PID(i);
	e->next_prio = NEXT_PRIO(i);
	f->pos = pos + 8 + sizeof(*e);
}

static __always_inline void ftrace_fill(struct bench_sched_entry *e, unsigned int i)
{
	e->type = 1;
	e->flags = 0;
	e->preempt_count = 0;
	e->pid = 0;
	e->prev_pid = PREV_PID(i);
	e->prev_prio = PREV_PRIO(i);
	e->prev_state = PREV_STATE(i);
	e->next_pid = NEXT_PID(i);
	e->next_prio = NEXT_PRIO(i);
}

/* One written event of each loop, by iteration number; inlined into the loop. */
static __always_inline void body_empty_raw(unsigned int i)
{
	bench_keep((u64)BENCH_RAW, i, 0, 0, 0);
}

static __always_inline void body_empty_sched(unsigned int i)
{
	bench_keep(PREV_PID(i), PREV_PRIO(i), PREV_STATE(i), NEXT_PID(i), NEXT_PRIO(i));
}

static __always_inline void body_rtrace_raw(unsigned int i)
{
	rtrace_emit_raw(RTRACE_EV_TEST_RAW, BENCH_RAW, 16);
}

static __always_inline void body_rtrace_sched(unsigned int i)
{
	rtrace_emit5(BENCH_EV_SCHED, PREV_PID(i), PREV_PRIO(i), PREV_STATE(i),
		     NEXT_PID(i), NEXT_PRIO(i));
}

static __always_inline void body_ftrace_rsv_raw(unsigned int i)
{
	struct ring_buffer_event *ev = ring_buffer_lock_reserve(bench_rb, 16);

	if (ev) {
		memcpy(ring_buffer_event_data(ev), BENCH_RAW, 16);
		rtrace_rb_unlock_commit(bench_rb, ev);
	}
}

static __always_inline void body_ftrace_rsv_sched(unsigned int i)
{
	struct ring_buffer_event *ev;

	ev = ring_buffer_lock_reserve(bench_rb, sizeof(struct bench_sched_entry));
	if (ev) {
		ftrace_fill(ring_buffer_event_data(ev), i);
		rtrace_rb_unlock_commit(bench_rb, ev);
	}
}

static __always_inline void body_ftrace_wr_raw(unsigned int i)
{
	ring_buffer_write(bench_rb, 16, (void *)BENCH_RAW);
}

static __always_inline void body_ftrace_wr_sched(unsigned int i)
{
	struct bench_sched_entry e;

	ftrace_fill(&e, i);
	ring_buffer_write(bench_rb, sizeof(e), &e);
}

static __always_inline void body_floor_tsc_raw(unsigned int i)
{
	floor_store(rdtsc(), BENCH_RAW, 16);
}

static __always_inline void body_floor_tsc_sched(unsigned int i)
{
	floor_sched(rdtsc(), i);
}

static __always_inline void body_floor_local_raw(unsigned int i)
{
	floor_store(trace_clock_local(), BENCH_RAW, 16);
}

static __always_inline void body_floor_local_sched(unsigned int i)
{
	floor_sched(trace_clock_local(), i);
}

/* loop_NAME(n): time n iterations of body_NAME(). */
#define BENCH_LOOP(name)					\
static noinline u64 loop_##name(unsigned int n)			\
{								\
	unsigned int i;						\
	u64 t0, t1;						\
								\
	t0 = ktime_get_mono_fast_ns();				\
	for (i = 0; i < n; i++)					\
		body_##name(i);					\
	t1 = ktime_get_mono_fast_ns();				\
	return t1 - t0;						\
}

BENCH_LOOP(empty_raw)
BENCH_LOOP(empty_sched)
BENCH_LOOP(rtrace_raw)
BENCH_LOOP(rtrace_sched)
BENCH_LOOP(ftrace_rsv_raw)
BENCH_LOOP(ftrace_rsv_sched)
BENCH_LOOP(ftrace_wr_raw)
BENCH_LOOP(ftrace_wr_sched)
BENCH_LOOP(floor_tsc_raw)
BENCH_LOOP(floor_tsc_sched)
BENCH_LOOP(floor_local_raw)
BENCH_LOOP(floor_local_sched)

typedef u64 (*bench_loop_fn)(unsigned int n);

static const bench_loop_fn bench_loops[NR_IMPL][NR_PL] = {
	[IMPL_EMPTY] = { loop_empty_raw, loop_empty_sched },
	[IMPL_RTRACE] = { loop_rtrace_raw, loop_rtrace_sched },
	[IMPL_FTRACE_RSV] = { loop_ftrace_rsv_raw, loop_ftrace_rsv_sched },
	[IMPL_FTRACE_WR] = { loop_ftrace_wr_raw, loop_ftrace_wr_sched },
	[IMPL_FLOOR_TSC] = { loop_floor_tsc_raw, loop_floor_tsc_sched },
	[IMPL_FLOOR_LOCAL] = { loop_floor_local_raw, loop_floor_local_sched },
};

static void bench_run_job(struct bench_job *job)
{
	job->ns = bench_loops[job->impl][job->pl](iters);
}

/* NMI context: the loop runs inside our own self-NMI. */
static int bench_nmi_handler(unsigned int type, struct pt_regs *regs)
{
	if (!READ_ONCE(bench_nmi_armed))
		return NMI_DONE;
	WRITE_ONCE(bench_nmi_armed, 0);
	bench_run_job(bench_cur);
	WRITE_ONCE(bench_nmi_done, 1);
	return NMI_HANDLED;
}

static int bench_fire_nmi(void)
{
	unsigned long spins = 0;

	WRITE_ONCE(bench_nmi_done, 0);
	WRITE_ONCE(bench_nmi_armed, 1);
	apic->send_IPI_self(NMI_VECTOR);
	while (!READ_ONCE(bench_nmi_done)) {
		cpu_relax();
		if (++spins > 2000000000UL) {
			WRITE_ONCE(bench_nmi_armed, 0);
			return -ETIMEDOUT;
		}
	}
	return 0;
}

/* Hardirq context: a hard irq_work (hardirq even on PREEMPT_RT). */
static int bench_irq_done;

static void bench_irq_work_fn(struct irq_work *w)
{
	bench_run_job(bench_cur);
	WRITE_ONCE(bench_irq_done, 1);
}

static struct irq_work bench_irq_work = IRQ_WORK_INIT_HARD(bench_irq_work_fn);

static int bench_once(struct bench_job *job, int ctx)
{
	unsigned long flags;
	int ret = 0;

	bench_cur = job;
	switch (ctx) {
	case CTX_TASK:
		local_irq_save(flags);
		bench_run_job(job);
		local_irq_restore(flags);
		break;
	case CTX_HARDIRQ:
		preempt_disable();
		WRITE_ONCE(bench_irq_done, 0);
		irq_work_queue(&bench_irq_work);
		while (!READ_ONCE(bench_irq_done))
			cpu_relax();
		preempt_enable();
		break;
	case CTX_NMI:
		preempt_disable();
		ret = bench_fire_nmi();
		preempt_enable();
		break;
	case CTX_NMI_NESTED:
		preempt_disable();
		if (job->impl == IMPL_FTRACE_RSV || job->impl == IMPL_FTRACE_WR) {
			/* The interrupted task holds an uncommitted reservation. */
			struct ring_buffer_event *ev;

			ev = ring_buffer_lock_reserve(bench_rb, 16);
			ret = bench_fire_nmi();
			if (ev)
				rtrace_rb_unlock_commit(bench_rb, ev);
		} else if (job->impl == IMPL_RTRACE) {
			/* The interrupted task is inside an rtrace write. */
			ret = bench_hold(true);
			if (!ret) {
				ret = bench_fire_nmi();
				bench_hold(false);
			}
		} else {
			ret = bench_fire_nmi();
		}
		preempt_enable();
		break;
	}
	return ret;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static int bench_measure(int impl, int pl, int ctx, u64 *samples)
{
	struct bench_job job = { .impl = impl, .pl = pl };
	unsigned int r;
	int ret;

	/* Warm-up: caches, the ring's first sub-buffer switches. */
	ret = bench_once(&job, ctx);
	if (ret)
		return ret;
	for (r = 0; r < reps; r++) {
		ret = bench_once(&job, ctx);
		if (ret)
			return ret;
		samples[r] = job.ns;
		cond_resched();
	}
	sort(samples, reps, sizeof(u64), cmp_u64, NULL);
	return 0;
}

static int bench_run_all(void)
{
	u64 *samples, *empty;
	int impl, pl, ctx, ret = 0;
	unsigned int r;

	samples = kcalloc(reps, sizeof(u64), GFP_KERNEL);
	empty = kcalloc(reps, sizeof(u64), GFP_KERNEL);
	if (!samples || !empty) {
		ret = -ENOMEM;
		goto out;
	}
	for (ctx = 0; ctx < NR_CTX; ctx++) {
		for (pl = 0; pl < NR_PL; pl++) {
			ret = bench_measure(IMPL_EMPTY, pl, ctx == CTX_NMI_NESTED ? CTX_NMI : ctx,
					    empty);
			if (ret)
				goto out;
			for (impl = 0; impl < NR_IMPL; impl++) {
				if (ctx == CTX_NMI_NESTED && impl == IMPL_RTRACE && !bench_hold) {
					res_med[impl][pl][ctx] = U64_MAX;
					continue;
				}
				ret = bench_measure(impl, pl, ctx, samples);
				if (ret)
					goto out;
				for (r = 0; r < reps; r++)
					samples[r] = samples[r] > empty[r] ?
						(samples[r] - empty[r]) * 1000 / iters : 0;
				sort(samples, reps, sizeof(u64), cmp_u64, NULL);
				res_med[impl][pl][ctx] = samples[reps / 2];
				res_min[impl][pl][ctx] = samples[0];
				res_max[impl][pl][ctx] = samples[reps - 1];
			}
		}
	}
	bench_have_results = true;
out:
	kfree(empty);
	kfree(samples);
	return ret;
}

/*
 * Density: sched_switch-like events with realistic values (pids in the
 * thousands, a few microseconds apart), emitted in task context.  The
 * bytes per event are read back from the session's counters (rtrace stats)
 * by bench/run, so they are what the real writer stored.
 */
static unsigned int density_events = 2000;
module_param(density_events, uint, 0644);
MODULE_PARM_DESC(density_events, "events emitted by the density pass");

static void bench_density(void)
{
	u32 x = 12345;
	unsigned int i;

	for (i = 0; i < density_events; i++) {
		u32 prev, next;

		x = x * 1103515245 + 12345;
		prev = 1000 + (x >> 8) % 9000;
		x = x * 1103515245 + 12345;
		next = 1000 + (x >> 8) % 9000;
		rtrace_emit5(BENCH_EV_SCHED, prev, 120 + (x & 15), x >> 31, next,
			     100 + ((x >> 4) & 39));
		udelay(2 + (x & 3));
	}
}

/* Density of the raw 16-byte event, same pacing as bench_density(). */
static void bench_density_raw(void)
{
	unsigned int i;

	for (i = 0; i < density_events; i++) {
		rtrace_emit_raw(RTRACE_EV_TEST_RAW, bench_raw, 16);
		udelay(2 + (i & 3));
	}
}

static int bench_show(struct seq_file *m, void *v)
{
	int impl, pl, ctx;

	mutex_lock(&bench_mutex);
	if (!bench_have_results) {
		seq_puts(m, "# no results: write \"run\" to this file\n");
		goto out;
	}
	seq_printf(m, "config iters %u reps %u\n", iters, reps);
	for (impl = 1; impl < NR_IMPL; impl++)
		for (pl = 0; pl < NR_PL; pl++)
			for (ctx = 0; ctx < NR_CTX; ctx++)
				if (res_med[impl][pl][ctx] != U64_MAX)
					seq_printf(m, "result %s %s %s %llu %llu %llu %u\n",
						   impl_name[impl], pl_name[pl], ctx_name[ctx],
						   res_med[impl][pl][ctx], res_min[impl][pl][ctx],
						   res_max[impl][pl][ctx], reps);
	for (impl = 1; impl < NR_IMPL; impl++)
		for (pl = 0; pl < NR_PL; pl++)
			if (res_bytes[impl][pl])
				seq_printf(m, "bytes %s %s %llu\n", impl_name[impl],
					   pl_name[pl], res_bytes[impl][pl]);
out:
	mutex_unlock(&bench_mutex);
	return 0;
}

static int bench_open(struct inode *inode, struct file *file)
{
	return single_open(file, bench_show, NULL);
}

static ssize_t bench_write(struct file *file, const char __user *ubuf, size_t len,
			   loff_t *ppos)
{
	char cmd[16] = {};
	int ret;

	if (len >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	if (!reps || reps > 101 || !iters)
		return -EINVAL;
	mutex_lock(&bench_mutex);
	if (!strcmp(strim(cmd), "run")) {
		ret = bench_run_all();
	} else if (!strcmp(strim(cmd), "density")) {
		bench_density();
		ret = 0;
	} else if (!strcmp(strim(cmd), "density_raw")) {
		bench_density_raw();
		ret = 0;
	} else {
		ret = -EINVAL;
	}
	mutex_unlock(&bench_mutex);
	return ret ? ret : len;
}

static const struct proc_ops bench_proc_ops = {
	.proc_open = bench_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
	.proc_write = bench_write,
};

/*
 * Bytes ftrace's ring buffer stores for a payload of @len: a 4-byte event
 * header whose type_len holds the length in words (payloads up to 112
 * bytes, 4-byte alignment on x86_64), not counting the occasional 8-byte
 * time-extend event.
 */
static u64 rb_bytes(unsigned int len)
{
	return 4 + ALIGN(len, 4);
}

static void bench_floor_free(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		kvfree(per_cpu(bench_floor, cpu).buf);
		per_cpu(bench_floor, cpu).buf = NULL;
	}
}

static int bench_floor_alloc(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		per_cpu(bench_floor, cpu).buf = kvzalloc_node(FLOOR_BYTES, GFP_KERNEL,
							      cpu_to_node(cpu));
		if (!per_cpu(bench_floor, cpu).buf) {
			bench_floor_free();
			return -ENOMEM;
		}
	}
	return 0;
}

static int __init bench_init(void)
{
	int ret;

	ret = bench_floor_alloc();
	if (ret)
		return ret;

	/* ftrace's default: overwrite mode, like rtrace's bench session. */
	bench_rb = ring_buffer_alloc(1 << 20, RB_FL_OVERWRITE);
	if (!bench_rb) {
		ret = -ENOMEM;
		goto err_floor;
	}
	res_bytes[IMPL_FTRACE_RSV][PL_RAW16] = rb_bytes(16);
	res_bytes[IMPL_FTRACE_RSV][PL_SCHED] = rb_bytes(sizeof(struct bench_sched_entry));
	ret = register_nmi_handler(NMI_LOCAL, bench_nmi_handler, 0, "rtrace_bench");
	if (ret)
		goto err_rb;
	/* NULL unless rtrace.ko is a benchmark build (-DRTRACE_BENCH). */
	bench_hold = symbol_get(rtrace_bench_hold_task_lane);
	if (!proc_create("rtrace_bench", 0600, NULL, &bench_proc_ops)) {
		ret = -ENOMEM;
		goto err_nmi;
	}
	return 0;

err_nmi:
	if (bench_hold)
		symbol_put(rtrace_bench_hold_task_lane);
	unregister_nmi_handler(NMI_LOCAL, "rtrace_bench");
err_rb:
	ring_buffer_free(bench_rb);
err_floor:
	bench_floor_free();
	return ret;
}

static void __exit bench_exit(void)
{
	remove_proc_entry("rtrace_bench", NULL);
	if (bench_hold)
		symbol_put(rtrace_bench_hold_task_lane);
	unregister_nmi_handler(NMI_LOCAL, "rtrace_bench");
	irq_work_sync(&bench_irq_work);
	ring_buffer_free(bench_rb);
	bench_floor_free();
}

module_init(bench_init);
module_exit(bench_exit);
MODULE_LICENSE("GPL");
RTRACE_IMPORT_INTERNAL();
MODULE_DESCRIPTION("rtrace writer benchmark against ftrace's ring buffer");
