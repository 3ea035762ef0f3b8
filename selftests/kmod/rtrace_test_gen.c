// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace_test_gen: emits test events through the exported rtrace API, for
 * the device selftests.  Test-only: never loaded outside the VM runner.
 *
 * Knobs under /sys/module/rtrace_test_gen/parameters/ (write a count):
 *
 *	emit	  N events RTRACE_EV_TEST (seq, cpu, val) from task context
 *	emit_raw  N events RTRACE_EV_TEST_RAW from task context; event seq
 *		  carries 1 + seq % 64 bytes, byte i = (seq + i) & 0xff
 *	emit_irq  N RTRACE_EV_TEST events on every online CPU from hardirq
 *		  context (an IPI)
 *
 * val is rtrace_test_gen_val(seq), so a reader can check every argument.
 * Read-only counters: ok (emits that returned 0), failed (emits that
 * returned an error, e.g. session stopped or buffer full), seq (next seq).
 */
#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/smp.h>

#include <rtrace_emit.h>
#include <uapi/linux/rtrace.h>

#define RTRACE_TEST_GEN_MAX	BIT(24)

static atomic64_t gen_seq = ATOMIC64_INIT(0);
static atomic64_t gen_ok = ATOMIC64_INIT(0);
static atomic64_t gen_failed = ATOMIC64_INIT(0);

static u64 rtrace_test_gen_val(u64 seq)
{
	return seq * 0x9e3779b97f4a7c15ULL;
}

static void gen_count(int ret)
{
	atomic64_inc(ret ? &gen_failed : &gen_ok);
}

static void gen_one(void)
{
	u64 seq = atomic64_inc_return(&gen_seq) - 1;

	gen_count(rtrace_emit3(RTRACE_EV_TEST, seq, raw_smp_processor_id(),
			       rtrace_test_gen_val(seq)));
}

static void gen_one_raw(void)
{
	u64 seq = atomic64_inc_return(&gen_seq) - 1;
	u8 buf[64];
	u32 i, len = 1 + seq % 64;

	for (i = 0; i < len; i++)
		buf[i] = (seq + i) & 0xff;
	gen_count(rtrace_emit_raw(RTRACE_EV_TEST_RAW, buf, len));
}

static void gen_ipi(void *arg)
{
	unsigned int i, n = *(unsigned int *)arg;

	for (i = 0; i < n; i++)
		gen_one();
}

static int gen_parse(const char *val, unsigned int *n)
{
	int ret = kstrtouint(val, 0, n);

	if (ret)
		return ret;
	return *n > RTRACE_TEST_GEN_MAX ? -EINVAL : 0;
}

static int gen_set_emit(const char *val, const struct kernel_param *kp)
{
	unsigned int i, n;
	int ret = gen_parse(val, &n);

	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		gen_one();
		if (!(i & 1023))
			cond_resched();
	}
	return 0;
}

static int gen_set_emit_raw(const char *val, const struct kernel_param *kp)
{
	unsigned int i, n;
	int ret = gen_parse(val, &n);

	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		gen_one_raw();
		if (!(i & 1023))
			cond_resched();
	}
	return 0;
}

static int gen_set_emit_irq(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int ret = gen_parse(val, &n);

	if (ret)
		return ret;
	if (n > 4096)
		return -EINVAL;	/* bounded time with interrupts off */
	on_each_cpu(gen_ipi, &n, 1);
	return 0;
}

static int gen_get_counter(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(kp->arg));
}

static const struct kernel_param_ops gen_emit_ops = {
	.set = gen_set_emit,
};

static const struct kernel_param_ops gen_emit_raw_ops = {
	.set = gen_set_emit_raw,
};

static const struct kernel_param_ops gen_emit_irq_ops = {
	.set = gen_set_emit_irq,
};

static const struct kernel_param_ops gen_counter_ops = {
	.get = gen_get_counter,
};

module_param_cb(emit, &gen_emit_ops, NULL, 0200);
MODULE_PARM_DESC(emit, "write N: emit N test events from task context");
module_param_cb(emit_raw, &gen_emit_raw_ops, NULL, 0200);
MODULE_PARM_DESC(emit_raw, "write N: emit N raw test events");
module_param_cb(emit_irq, &gen_emit_irq_ops, NULL, 0200);
MODULE_PARM_DESC(emit_irq, "write N: emit N test events per CPU from hardirq");
module_param_cb(ok, &gen_counter_ops, &gen_ok, 0400);
MODULE_PARM_DESC(ok, "emits that succeeded");
module_param_cb(failed, &gen_counter_ops, &gen_failed, 0400);
MODULE_PARM_DESC(failed, "emits that returned an error");
module_param_cb(seq, &gen_counter_ops, &gen_seq, 0400);
MODULE_PARM_DESC(seq, "sequence number of the next event");

MODULE_DESCRIPTION("rtrace test event generator (selftests only)");
MODULE_LICENSE("GPL");
