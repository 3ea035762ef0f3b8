// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: task names (RTRACE_SOURCE_TASK_NAMES) - the names of tasks,
 * written once per name instead of in every event that names a task.
 *
 * Kernel events carry pids only (sched_switch: prev_pid, next_pid).  This
 * source writes a RTRACE_EV_TASK_NAME record (struct rtrace_task_name:
 * pid, tgid, comm) for
 *
 *   - every task that exists when a session starts (a snapshot, as
 *     LTTng's state dump does), and
 *   - every task that is created (sched_process_fork: the child), that
 *     execs (sched_process_exec) or that renames itself (task_rename:
 *     prctl(PR_SET_NAME), writes to /proc/PID/comm, and exec itself).
 *
 * A decoder keeps pid -> comm, the latest record by timestamp winning.
 * The PID filter (pids.h) does not apply to these records: they name the
 * other task of a sched_switch the filter keeps, and are rare.
 *
 * When it is on: CONFIGURE adds RTRACE_SOURCE_TASK_NAMES to a session that
 * selects any source other than RTRACE_SOURCE_KAPI and _VALIDATE (kernel events name
 * tasks by pid); a session may also select it on its own.
 *
 * Attaching
 * =========
 * The three tracepoints are found by name at load, and their probes
 * registered when the source is enabled (START), before the snapshot, so
 * that no task created or renamed meanwhile is missed; ->disable()
 * unregisters them and waits with tracepoint_synchronize_unregister()
 * until no probe runs (source.h).  While no session runs nothing is
 * registered.  The probes are a table of struct rtrace_tp_probe attached
 * with the calls of tracepoints.c, as the tracepoint sources' are.
 *
 * The snapshot
 * ============
 * ->enable() walks every thread under rcu_read_lock() in process context
 * (rdev.lock held) and writes one record per thread through the normal
 * writer, on the task lane of the CPU it runs on.  A big system may not
 * fit: in discard mode a record that finds the lane full is dropped and
 * counted as RTRACE_LOST_FULL like any event (and the kernel log says how
 * many names the snapshot lost).  A snapshot record and a rename racing
 * with it may come in either order: the decoder's latest-wins rule then
 * may keep the old name until the task's next record.
 *
 * Probes run in the tracepoints' contexts (task context; task_rename with
 * the task's alloc_lock held), are notrace and NOKPROBE, read only the
 * task they are given, and write with the inline writer.
 */
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/tracepoint.h>

#include <trace/events/sched.h>
#include <trace/events/task.h>

#include <rtrace_emit.h>
#include "source.h"
#include "../compat/compat.h"

/*
 * The record: struct rtrace_task_name, comm cut at its NUL.
 * Return: as rtrace_emit_raw().
 */
static __always_inline int names_emit(const struct task_struct *t, const char *comm)
{
	struct rtrace_task_name rec;
	unsigned int n;

	BUILD_BUG_ON(sizeof(rec.comm) < TASK_COMM_LEN - 1);
	put_unaligned_le32(t->pid, &rec.pid);
	put_unaligned_le32(t->tgid, &rec.tgid);
	/* comm is NUL-terminated within TASK_COMM_LEN; a racing rename may cut it. */
	for (n = 0; n < TASK_COMM_LEN - 1; n++) {
		char c = READ_ONCE(comm[n]);

		if (!c)
			break;
		rec.comm[n] = c;
	}
	return rtrace_emit_raw(RTRACE_EV_TASK_NAME, &rec, RTRACE_TASK_NAME_MIN + n);
}

static notrace void names_probe_fork(void *data, struct task_struct *parent,
				     struct task_struct *child)
{
	names_emit(child, child->comm);
}

NOKPROBE_SYMBOL(names_probe_fork);

static notrace void names_probe_exec(void *data, struct task_struct *p, pid_t old_pid,
				     struct linux_binprm *bprm)
{
	names_emit(p, p->comm);
}

NOKPROBE_SYMBOL(names_probe_exec);

/* Called before the new name is copied into task->comm: write the new one. */
static notrace void names_probe_rename(void *data, struct task_struct *task, const char *comm)
{
	names_emit(task, comm);
}

NOKPROBE_SYMBOL(names_probe_rename);

/* Each probe's prototype is its tracepoint's (checked at build time only). */
static void __maybe_unused names_check_protos(void)
{
	BUILD_BUG_ON(!sizeof(register_trace_sched_process_fork(names_probe_fork, NULL)));
	BUILD_BUG_ON(!sizeof(register_trace_sched_process_exec(names_probe_exec, NULL)));
	BUILD_BUG_ON(!sizeof(register_trace_task_rename(names_probe_rename, NULL)));
}

/* The tracepoints this source attaches to (struct rtrace_tp_probe). */
static struct rtrace_tp_probe names_tps[] = {
	{ .tp_name = "sched_process_fork", .probe = names_probe_fork },
	{ .tp_name = "sched_process_exec", .probe = names_probe_exec },
	{ .tp_name = "task_rename", .probe = names_probe_rename },
};

static int names_init(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names_tps); i++)
		rtrace_tp_probe_find(&names_tps[i]);
	return 0;
}

static void names_disable(void)
{
	bool any = false;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names_tps); i++)
		any |= rtrace_tp_probe_detach(&names_tps[i]);
	/* No probe runs once this returns (source.h). */
	if (any)
		tracepoint_synchronize_unregister();
}

/* One record per thread that exists now.  Return: records dropped. */
static unsigned int names_snapshot(unsigned int *total)
{
	struct task_struct *g, *t;
	unsigned int lost = 0;

	*total = 0;
	rcu_read_lock();
	for_each_process_thread(g, t) {
		lost += names_emit(t, t->comm) != 0;
		(*total)++;
	}
	rcu_read_unlock();
	return lost;
}

static int names_enable(u64 events)
{
	unsigned int i, lost, total;
	int ret;

	for (i = 0; i < ARRAY_SIZE(names_tps); i++) {
		if (!names_tps[i].tp)
			pr_warn("rtrace: task names: this kernel has no tracepoint %s\n",
				names_tps[i].tp_name);
		ret = rtrace_tp_probe_attach(&names_tps[i]);
		if (ret) {
			names_disable();
			return ret;
		}
	}
	lost = names_snapshot(&total);
	if (lost)
		pr_info("rtrace: task names: the snapshot lost %u of %u names (ring full: a larger buffer keeps them)\n",
			lost, total);
	return 0;
}

static const struct rtrace_event_desc names_events[] = {
	{
		.id = RTRACE_EV_TASK_NAME,
		.nr_fields = RTRACE_REC_RAW,
		.name = "task_name",
	},
};

const struct rtrace_source rtrace_source_names = {
	.name		= "task_names",
	.bit		= RTRACE_SOURCE_TASK_NAMES,
	.events		= names_events,
	.nr_events	= ARRAY_SIZE(names_events),
	.init		= names_init,
	.enable		= names_enable,
	.disable	= names_disable,
};
