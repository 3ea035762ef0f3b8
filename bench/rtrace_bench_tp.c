// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace_bench_tp: the floor of a tracer on a kernel tracepoint (make bench).
 *
 * Not part of rtrace.ko and never loaded in production: while loaded it
 * registers a probe that does nothing on the tracepoints named by the
 * parameter tp ("sched_switch", or "syscalls" for raw_syscalls' sys_enter
 * and sys_exit), and unregisters it when unloaded.  bench/tp.sh times its
 * workloads with it loaded: the cost above "nothing enabled" is what any
 * tracer pays for the tracepoint being on (the static key taken, the
 * probe call through the tracepoint's function array, for syscalls the
 * entry and exit slow path that TIF_SYSCALL_TRACEPOINT forces), before its
 * probe does any work.  rtrace's and ftrace's added cost minus this floor
 * is their probes' own.
 */
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

static char *tp = "sched_switch";
module_param(tp, charp, 0444);
MODULE_PARM_DESC(tp, "tracepoints to probe: sched_switch or syscalls");

/* Empty probes, each with its tracepoint's prototype. */
static notrace void bench_tp_sched_switch(void *data, bool preempt, struct task_struct *prev,
					  struct task_struct *next, unsigned int prev_state)
{
}

NOKPROBE_SYMBOL(bench_tp_sched_switch);

static notrace void bench_tp_sys(void *data, struct pt_regs *regs, long id_or_ret)
{
}

NOKPROBE_SYMBOL(bench_tp_sys);

static struct {
	const char *name;
	void *probe;
	struct tracepoint *tp;
	bool registered;
} bench_tps[2];

static void bench_tp_find(struct tracepoint *t, void *priv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bench_tps); i++)
		if (bench_tps[i].name && !strcmp(t->name, bench_tps[i].name))
			bench_tps[i].tp = t;
}

static void bench_tp_unregister(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bench_tps); i++)
		if (bench_tps[i].registered)
			tracepoint_probe_unregister(bench_tps[i].tp, bench_tps[i].probe,
						    NULL);
	tracepoint_synchronize_unregister();
}

static int __init bench_tp_init(void)
{
	unsigned int i;
	int ret;

	if (!strcmp(tp, "sched_switch")) {
		bench_tps[0].name = "sched_switch";
		bench_tps[0].probe = bench_tp_sched_switch;
	} else if (!strcmp(tp, "syscalls")) {
		bench_tps[0].name = "sys_enter";
		bench_tps[0].probe = bench_tp_sys;
		bench_tps[1].name = "sys_exit";
		bench_tps[1].probe = bench_tp_sys;
	} else {
		pr_err("rtrace_bench_tp: tp=%s: want sched_switch or syscalls\n", tp);
		return -EINVAL;
	}
	for_each_kernel_tracepoint(bench_tp_find, NULL);
	for (i = 0; i < ARRAY_SIZE(bench_tps); i++) {
		if (!bench_tps[i].name)
			continue;
		ret = -ENOENT;
		if (bench_tps[i].tp)
			ret = tracepoint_probe_register(bench_tps[i].tp, bench_tps[i].probe, NULL);
		if (ret) {
			pr_err("rtrace_bench_tp: cannot probe %s: %d\n", bench_tps[i].name, ret);
			bench_tp_unregister();
			return ret;
		}
		bench_tps[i].registered = true;
	}
	return 0;
}

static void __exit bench_tp_exit(void)
{
	bench_tp_unregister();
}

module_init(bench_tp_init);
module_exit(bench_tp_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rtrace benchmark: an empty probe on kernel tracepoints (make bench)");
