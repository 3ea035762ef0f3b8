// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: the kernel's tracepoints as event sources (RTRACE_SOURCE_SCHED,
 * _IRQ, _SYSCALLS, _FAULTS, _BLOCK, _WORKQUEUE).
 *
 * One table, rtrace_tps[]: each entry names a tracepoint of the kernel, the
 * rtrace event type it becomes (id, name, fields: what every stream header
 * lists), its source group and its probe.  Adding a tracepoint is adding a
 * probe and an entry (and its id in uapi/linux/rtrace.h and a line in
 * Documentation/abi.md; scripts/check-writer finds the probe by itself).
 *
 * Finding and attaching
 * =====================
 * rtrace is out of tree, so the register_trace_<name>() helpers of the
 * trace headers cannot be used (they reference __tracepoint_<name>, which
 * the kernel exports for few tracepoints).  At load, rtrace_tps_init()
 * walks the kernel's tracepoints with for_each_kernel_tracepoint() and
 * keeps the struct tracepoint of each entry; an entry whose tracepoint is
 * missing on this kernel is unavailable (RTRACE_IOC_INFO's
 * events_available), which is not an error.  The trace headers are still
 * included, so that each probe's prototype is checked against the
 * tracepoint's at build time (rtrace_tps_check_protos()).
 *
 * ->enable() of a session that starts registers the probe of each selected,
 * available entry with tracepoint_probe_register(); ->disable() unregisters
 * them all, then calls tracepoint_synchronize_unregister() (SRCU and RCU
 * grace periods), so that no probe still runs when it returns and the
 * session code may stop and free the ring (source.h).  While no session
 * runs no probe is registered, so every tracepoint's static key stays off:
 * the kernel pays nothing for rtrace being loaded.
 *
 * Probes
 * ======
 * A probe runs in the context of its tracepoint: task context with or
 * without preemption (sys_enter), with the runqueue lock held and
 * interrupts off (sched_switch), in hard and soft interrupts, in NMI
 * (nmi_handler, page faults of an NMI handler).  So every probe is notrace
 * and NOKPROBE, reads only its arguments (task fields under the
 * tracepoint's own guarantees, no pointer chasing beyond what the kernel's
 * own TP_fast_assign does), and writes with the inline writer of
 * include/rtrace_emit.h, which never sleeps, locks or allocates and has a
 * lane per context.  scripts/check-writer checks that each probe calls
 * nothing but the writers.  A probe does not test whether its event is
 * selected: only selected events have a registered probe.
 *
 * The PID filter (pids.h) is each probe's first statement, one static
 * branch when no filter is set: the sched probes test the tasks their
 * fields name, the probes of events without a pid field the current task
 * (in task context only), and the irq group's probes test nothing.
 */
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/interrupt.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/sched.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>
#include <asm/syscall.h>

#include <trace/events/sched.h>
#include <trace/events/irq.h>
#include <trace/events/syscalls.h>
#include <trace/events/block.h>
#include <trace/events/workqueue.h>
#include <trace/events/nmi.h>
#include <asm/trace/exceptions.h>
#include <asm/trace/irq_vectors.h>

#include <rtrace_emit.h>
#include "pids.h"
#include "source.h"
#include "../events.h"

/**
 * struct rtrace_tp - one kernel tracepoint as an rtrace event type
 * @p: the tracepoint and its probe, and whether it is found and attached
 * @source: the RTRACE_SOURCE_* group it belongs to
 * @desc: the event type it writes (id, name, fields)
 */
struct rtrace_tp {
	struct rtrace_tp_probe p;
	u64 source;
	struct rtrace_event_desc desc;
};

#define U	RTRACE_FIELD_U64
#define S	RTRACE_FIELD_S64
#define X	RTRACE_FIELD_HEX

/* ---- probes ---- */

/*
 * prev_state as ftrace reports it: TASK_REPORT_MAX if preempted, else the
 * bit of the task's reported state (0: running).
 */
static __always_inline unsigned int rtrace_switch_state(bool preempt, unsigned int state,
							struct task_struct *p)
{
	unsigned int i;

	if (preempt)
		return TASK_REPORT_MAX;
	i = __task_state_index(state, p->exit_state);
	return i ? 1U << (i - 1) : 0;
}

static notrace void rtrace_probe_sched_switch(void *data, bool preempt,
					      struct task_struct *prev,
					      struct task_struct *next,
					      unsigned int prev_state)
{
	if (rtrace_pids_skip2(prev, next))
		return;
	rtrace_emit5(RTRACE_EV_SCHED_SWITCH, prev->pid, prev->prio,
		     rtrace_switch_state(preempt, prev_state, prev),
		     next->pid, next->prio);
}

NOKPROBE_SYMBOL(rtrace_probe_sched_switch);

static notrace void rtrace_probe_sched_wakeup(void *data, struct task_struct *p)
{
	if (rtrace_pids_skip(p))
		return;
	rtrace_emit3(RTRACE_EV_SCHED_WAKEUP, p->pid, p->prio, task_cpu(p));
}

NOKPROBE_SYMBOL(rtrace_probe_sched_wakeup);

static notrace void rtrace_probe_sched_wakeup_new(void *data, struct task_struct *p)
{
	if (rtrace_pids_skip(p))
		return;
	rtrace_emit3(RTRACE_EV_SCHED_WAKEUP_NEW, p->pid, p->prio, task_cpu(p));
}

NOKPROBE_SYMBOL(rtrace_probe_sched_wakeup_new);

static notrace void rtrace_probe_sched_migrate_task(void *data, struct task_struct *p,
						    int dest_cpu)
{
	if (rtrace_pids_skip(p))
		return;
	rtrace_emit4(RTRACE_EV_SCHED_MIGRATE_TASK, p->pid, p->prio, task_cpu(p),
		     dest_cpu);
}

NOKPROBE_SYMBOL(rtrace_probe_sched_migrate_task);

static notrace void rtrace_probe_sched_process_fork(void *data,
						    struct task_struct *parent,
						    struct task_struct *child)
{
	if (rtrace_pids_skip(parent))
		return;
	rtrace_emit2(RTRACE_EV_SCHED_PROCESS_FORK, parent->pid, child->pid);
}

NOKPROBE_SYMBOL(rtrace_probe_sched_process_fork);

static notrace void rtrace_probe_sched_process_exec(void *data, struct task_struct *p,
						    pid_t old_pid,
						    struct linux_binprm *bprm)
{
	if (rtrace_pids_skip(p))
		return;
	rtrace_emit2(RTRACE_EV_SCHED_PROCESS_EXEC, p->pid, old_pid);
}

NOKPROBE_SYMBOL(rtrace_probe_sched_process_exec);

static notrace void rtrace_probe_sched_process_exit(void *data, struct task_struct *p)
{
	if (rtrace_pids_skip(p))
		return;
	rtrace_emit2(RTRACE_EV_SCHED_PROCESS_EXIT, p->pid, p->prio);
}

NOKPROBE_SYMBOL(rtrace_probe_sched_process_exit);

static notrace void rtrace_probe_irq_handler_entry(void *data, int irq,
						   struct irqaction *action)
{
	rtrace_emit1(RTRACE_EV_IRQ_HANDLER_ENTRY, irq);
}

NOKPROBE_SYMBOL(rtrace_probe_irq_handler_entry);

static notrace void rtrace_probe_irq_handler_exit(void *data, int irq,
						  struct irqaction *action, int ret)
{
	rtrace_emit2(RTRACE_EV_IRQ_HANDLER_EXIT, irq, ret);
}

NOKPROBE_SYMBOL(rtrace_probe_irq_handler_exit);

static notrace void rtrace_probe_softirq_entry(void *data, unsigned int vec_nr)
{
	rtrace_emit1(RTRACE_EV_SOFTIRQ_ENTRY, vec_nr);
}

NOKPROBE_SYMBOL(rtrace_probe_softirq_entry);

static notrace void rtrace_probe_softirq_exit(void *data, unsigned int vec_nr)
{
	rtrace_emit1(RTRACE_EV_SOFTIRQ_EXIT, vec_nr);
}

NOKPROBE_SYMBOL(rtrace_probe_softirq_exit);

static notrace void rtrace_probe_softirq_raise(void *data, unsigned int vec_nr)
{
	rtrace_emit1(RTRACE_EV_SOFTIRQ_RAISE, vec_nr);
}

NOKPROBE_SYMBOL(rtrace_probe_softirq_raise);

static notrace void rtrace_probe_local_timer_entry(void *data, int vector)
{
	rtrace_emit1(RTRACE_EV_LOCAL_TIMER_ENTRY, vector);
}

NOKPROBE_SYMBOL(rtrace_probe_local_timer_entry);

static notrace void rtrace_probe_local_timer_exit(void *data, int vector)
{
	rtrace_emit1(RTRACE_EV_LOCAL_TIMER_EXIT, vector);
}

NOKPROBE_SYMBOL(rtrace_probe_local_timer_exit);

static notrace void rtrace_probe_nmi_handler(void *data, void *handler, s64 delta_ns,
					     int handled)
{
	rtrace_emit3(RTRACE_EV_NMI_HANDLER, (unsigned long)handler, rtrace_zigzag(delta_ns),
		     handled);
}

NOKPROBE_SYMBOL(rtrace_probe_nmi_handler);

static notrace void rtrace_probe_sys_enter(void *data, struct pt_regs *regs, long id)
{
	unsigned long a[6];
	u64 args[7];
	unsigned int i;

	if (rtrace_pids_skip_current())
		return;
	syscall_get_arguments(current, regs, a);
	args[0] = id;
	for (i = 0; i < 6; i++)
		args[i + 1] = a[i];
	rtrace_emit(RTRACE_EV_SYS_ENTER, 7, args);
}

NOKPROBE_SYMBOL(rtrace_probe_sys_enter);

static notrace void rtrace_probe_sys_exit(void *data, struct pt_regs *regs, long ret)
{
	if (rtrace_pids_skip_current())
		return;
	rtrace_emit2(RTRACE_EV_SYS_EXIT, syscall_get_nr(current, regs), rtrace_zigzag(ret));
}

NOKPROBE_SYMBOL(rtrace_probe_sys_exit);

static notrace void rtrace_probe_page_fault_user(void *data, unsigned long address,
						 struct pt_regs *regs,
						 unsigned long error_code)
{
	if (rtrace_pids_skip_current())
		return;
	rtrace_emit3(RTRACE_EV_PAGE_FAULT_USER, address, instruction_pointer(regs),
		     error_code);
}

NOKPROBE_SYMBOL(rtrace_probe_page_fault_user);

static notrace void rtrace_probe_page_fault_kernel(void *data, unsigned long address,
						   struct pt_regs *regs,
						   unsigned long error_code)
{
	if (rtrace_pids_skip_current())
		return;
	rtrace_emit3(RTRACE_EV_PAGE_FAULT_KERNEL, address, instruction_pointer(regs),
		     error_code);
}

NOKPROBE_SYMBOL(rtrace_probe_page_fault_kernel);

/* The request's disk as a dev_t, 0 for none (as the block tracepoints do). */
static __always_inline u64 rtrace_rq_dev(struct request *rq)
{
	return rq->q->disk ? disk_devt(rq->q->disk) : 0;
}

static notrace void rtrace_probe_block_rq_issue(void *data, struct request *rq)
{
	if (rtrace_pids_skip_current())
		return;
	rtrace_emit4(RTRACE_EV_BLOCK_RQ_ISSUE, rtrace_rq_dev(rq),
		     blk_rq_is_passthrough(rq) ? 0 : blk_rq_pos(rq),
		     blk_rq_is_passthrough(rq) ? 0 : blk_rq_sectors(rq),
		     blk_rq_bytes(rq));
}

NOKPROBE_SYMBOL(rtrace_probe_block_rq_issue);

static notrace void rtrace_probe_block_rq_complete(void *data, struct request *rq,
						   blk_status_t error,
						   unsigned int nr_bytes)
{
	if (rtrace_pids_skip_current())
		return;
	rtrace_emit4(RTRACE_EV_BLOCK_RQ_COMPLETE, rtrace_rq_dev(rq),
		     blk_rq_is_passthrough(rq) ? 0 : blk_rq_pos(rq),
		     nr_bytes >> SECTOR_SHIFT, (__force u8)error);
}

NOKPROBE_SYMBOL(rtrace_probe_block_rq_complete);

static notrace void rtrace_probe_workqueue_execute_start(void *data,
							 struct work_struct *work)
{
	if (rtrace_pids_skip_current())
		return;
	rtrace_emit2(RTRACE_EV_WORKQUEUE_EXECUTE_START, (unsigned long)work,
		     (unsigned long)work->func);
}

NOKPROBE_SYMBOL(rtrace_probe_workqueue_execute_start);

static notrace void rtrace_probe_workqueue_execute_end(void *data, struct work_struct *work,
						       work_func_t function)
{
	if (rtrace_pids_skip_current())
		return;
	rtrace_emit2(RTRACE_EV_WORKQUEUE_EXECUTE_END, (unsigned long)work,
		     (unsigned long)function);
}

NOKPROBE_SYMBOL(rtrace_probe_workqueue_execute_end);

/*
 * Each probe's prototype against its tracepoint's, at build time: the
 * register_trace_<name>() helpers take a probe of exactly the tracepoint's
 * type.  Inside sizeof nothing is evaluated or referenced.  A tracepoint
 * whose prototype differs between kernels gets its probe's parameters from
 * compat.h.
 */
#define RTRACE_TP_CHECK(_tp) \
	BUILD_BUG_ON(!sizeof(register_trace_##_tp(rtrace_probe_##_tp, NULL)))

static void __maybe_unused rtrace_tps_check_protos(void)
{
	RTRACE_TP_CHECK(sched_switch);
	RTRACE_TP_CHECK(sched_wakeup);
	RTRACE_TP_CHECK(sched_wakeup_new);
	RTRACE_TP_CHECK(sched_migrate_task);
	RTRACE_TP_CHECK(sched_process_fork);
	RTRACE_TP_CHECK(sched_process_exec);
	RTRACE_TP_CHECK(sched_process_exit);
	RTRACE_TP_CHECK(irq_handler_entry);
	RTRACE_TP_CHECK(irq_handler_exit);
	RTRACE_TP_CHECK(softirq_entry);
	RTRACE_TP_CHECK(softirq_exit);
	RTRACE_TP_CHECK(softirq_raise);
	RTRACE_TP_CHECK(local_timer_entry);
	RTRACE_TP_CHECK(local_timer_exit);
	RTRACE_TP_CHECK(nmi_handler);
	RTRACE_TP_CHECK(sys_enter);
	RTRACE_TP_CHECK(sys_exit);
	RTRACE_TP_CHECK(page_fault_user);
	RTRACE_TP_CHECK(page_fault_kernel);
	RTRACE_TP_CHECK(block_rq_issue);
	RTRACE_TP_CHECK(block_rq_complete);
	RTRACE_TP_CHECK(workqueue_execute_start);
	RTRACE_TP_CHECK(workqueue_execute_end);
}

#undef RTRACE_TP_CHECK

/* ---- the table ---- */

#define RTRACE_TP(_tp, _src, _id, _n, ...)				\
	{								\
		.p.tp_name = #_tp,					\
		.p.probe = rtrace_probe_##_tp,				\
		.source = _src,						\
		.desc = {						\
			.id = _id,					\
			.nr_fields = _n,				\
			.name = #_tp,					\
			.fields = { __VA_ARGS__ },			\
		},							\
	}
#define F(_name, _type)	{ .name = _name, .type = _type }

/* Constant but for each entry's @p.tp and @p.on (struct rtrace_tp_probe). */
static struct rtrace_tp rtrace_tps[] = {
	RTRACE_TP(sched_switch, RTRACE_SOURCE_SCHED, RTRACE_EV_SCHED_SWITCH, 5,
		  F("prev_pid", U), F("prev_prio", U), F("prev_state", X),
		  F("next_pid", U), F("next_prio", U)),
	RTRACE_TP(sched_wakeup, RTRACE_SOURCE_SCHED, RTRACE_EV_SCHED_WAKEUP, 3,
		  F("pid", U), F("prio", U), F("target_cpu", U)),
	RTRACE_TP(sched_wakeup_new, RTRACE_SOURCE_SCHED, RTRACE_EV_SCHED_WAKEUP_NEW, 3,
		  F("pid", U), F("prio", U), F("target_cpu", U)),
	RTRACE_TP(sched_migrate_task, RTRACE_SOURCE_SCHED, RTRACE_EV_SCHED_MIGRATE_TASK, 4,
		  F("pid", U), F("prio", U), F("orig_cpu", U), F("dest_cpu", U)),
	RTRACE_TP(sched_process_fork, RTRACE_SOURCE_SCHED, RTRACE_EV_SCHED_PROCESS_FORK, 2,
		  F("parent_pid", U), F("child_pid", U)),
	RTRACE_TP(sched_process_exec, RTRACE_SOURCE_SCHED, RTRACE_EV_SCHED_PROCESS_EXEC, 2,
		  F("pid", U), F("old_pid", U)),
	RTRACE_TP(sched_process_exit, RTRACE_SOURCE_SCHED, RTRACE_EV_SCHED_PROCESS_EXIT, 2,
		  F("pid", U), F("prio", U)),
	RTRACE_TP(irq_handler_entry, RTRACE_SOURCE_IRQ, RTRACE_EV_IRQ_HANDLER_ENTRY, 1,
		  F("irq", U)),
	RTRACE_TP(irq_handler_exit, RTRACE_SOURCE_IRQ, RTRACE_EV_IRQ_HANDLER_EXIT, 2,
		  F("irq", U), F("ret", U)),
	RTRACE_TP(softirq_entry, RTRACE_SOURCE_IRQ, RTRACE_EV_SOFTIRQ_ENTRY, 1,
		  F("vec", U)),
	RTRACE_TP(softirq_exit, RTRACE_SOURCE_IRQ, RTRACE_EV_SOFTIRQ_EXIT, 1,
		  F("vec", U)),
	RTRACE_TP(softirq_raise, RTRACE_SOURCE_IRQ, RTRACE_EV_SOFTIRQ_RAISE, 1,
		  F("vec", U)),
	RTRACE_TP(local_timer_entry, RTRACE_SOURCE_IRQ, RTRACE_EV_LOCAL_TIMER_ENTRY, 1,
		  F("vector", U)),
	RTRACE_TP(local_timer_exit, RTRACE_SOURCE_IRQ, RTRACE_EV_LOCAL_TIMER_EXIT, 1,
		  F("vector", U)),
	RTRACE_TP(nmi_handler, RTRACE_SOURCE_IRQ, RTRACE_EV_NMI_HANDLER, 3,
		  F("handler", X), F("delta_ns", S), F("handled", U)),
	RTRACE_TP(sys_enter, RTRACE_SOURCE_SYSCALLS, RTRACE_EV_SYS_ENTER, 7,
		  F("id", U), F("arg0", X), F("arg1", X), F("arg2", X),
		  F("arg3", X), F("arg4", X), F("arg5", X)),
	RTRACE_TP(sys_exit, RTRACE_SOURCE_SYSCALLS, RTRACE_EV_SYS_EXIT, 2,
		  F("id", U), F("ret", S)),
	RTRACE_TP(page_fault_user, RTRACE_SOURCE_FAULTS, RTRACE_EV_PAGE_FAULT_USER, 3,
		  F("address", X), F("ip", X), F("error_code", X)),
	RTRACE_TP(page_fault_kernel, RTRACE_SOURCE_FAULTS, RTRACE_EV_PAGE_FAULT_KERNEL, 3,
		  F("address", X), F("ip", X), F("error_code", X)),
	RTRACE_TP(block_rq_issue, RTRACE_SOURCE_BLOCK, RTRACE_EV_BLOCK_RQ_ISSUE, 4,
		  F("dev", U), F("sector", U), F("nr_sector", U), F("bytes", U)),
	RTRACE_TP(block_rq_complete, RTRACE_SOURCE_BLOCK, RTRACE_EV_BLOCK_RQ_COMPLETE, 4,
		  F("dev", U), F("sector", U), F("nr_sector", U), F("error", U)),
	RTRACE_TP(workqueue_execute_start, RTRACE_SOURCE_WORKQUEUE,
		  RTRACE_EV_WORKQUEUE_EXECUTE_START, 2,
		  F("work", X), F("function", X)),
	RTRACE_TP(workqueue_execute_end, RTRACE_SOURCE_WORKQUEUE,
		  RTRACE_EV_WORKQUEUE_EXECUTE_END, 2,
		  F("work", X), F("function", X)),
};

#undef F
#undef RTRACE_TP
#undef U
#undef S
#undef X

/* ---- attaching probes (for every source with tracepoints: source.h) ---- */

static void rtrace_tp_match(struct tracepoint *tp, void *priv)
{
	struct rtrace_tp_probe *p = priv;

	if (!strcmp(tp->name, p->tp_name))
		p->tp = tp;
}

/**
 * rtrace_tp_probe_find() - find the kernel's tracepoint of a probe
 * @p: the probe; its @tp is set, or NULL if this kernel lacks it
 *
 * Context: process context, at module load or under rdev.lock.
 * Return: whether the kernel has the tracepoint.
 */
bool rtrace_tp_probe_find(struct rtrace_tp_probe *p)
{
	p->tp = NULL;
	for_each_kernel_tracepoint(rtrace_tp_match, p);
	return p->tp;
}

/**
 * rtrace_tp_probe_attach() - register a probe on its tracepoint
 * @p: the probe, found by rtrace_tp_probe_find(), not registered
 *
 * A probe whose tracepoint this kernel lacks is left off (not an error).
 *
 * Context: process context, may sleep; rdev.lock held (->enable()).
 * Return: 0, or the error of tracepoint_probe_register_prio() (which the
 * kernel log names).
 */
int rtrace_tp_probe_attach(struct rtrace_tp_probe *p)
{
	int ret;

	if (!p->tp)
		return 0;
	ret = tracepoint_probe_register_prio(p->tp, p->probe, NULL,
					     p->prio ?: TRACEPOINT_DEFAULT_PRIO);
	if (ret) {
		pr_warn("rtrace: cannot attach to tracepoint %s: %d\n", p->tp_name, ret);
		return ret;
	}
	p->on = true;
	return 0;
}

/**
 * rtrace_tp_probe_detach() - unregister a probe if it is registered
 * @p: the probe
 *
 * The probe may still be running when this returns: once every probe of
 * the source is detached, the caller waits for them with
 * tracepoint_synchronize_unregister() (SRCU and RCU grace periods: probes
 * run under the tracepoint's RCU-sched and, for faultable tracepoints,
 * SRCU read side) before the session may stop and free the ring.
 *
 * Context: process context, may sleep; rdev.lock held (->disable()).
 * Return: whether it was registered (then the caller must wait as above).
 */
bool rtrace_tp_probe_detach(struct rtrace_tp_probe *p)
{
	if (!p->on)
		return false;
	/* Fails only if not registered, or without memory for the new
	 * probe array, in which case the kernel's unregister falls back
	 * to a stub: the probe is not called either way.
	 */
	WARN_ON_ONCE(tracepoint_probe_unregister(p->tp, p->probe, NULL));
	p->on = false;
	return true;
}

/* ---- the tracepoint sources ---- */

/* The ids of the available entries, bit per id (all ids are below 64). */
static u64 rtrace_tp_avail;

/* Find the tracepoints and register the event types (module load). */
static int rtrace_tps_init(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(rtrace_tps); i++) {
		struct rtrace_tp *e = &rtrace_tps[i];

		BUILD_BUG_ON(RTRACE_EV_KERNEL_LAST >= 64);
		if (WARN_ON(!e->desc.id || e->desc.id > RTRACE_EV_KERNEL_LAST))
			return -EINVAL;
		ret = rtrace_events_register(&e->desc, 1);
		if (ret)
			return ret;
		if (rtrace_tp_probe_find(&e->p))
			rtrace_tp_avail |= BIT_ULL(e->desc.id);
		else
			pr_info("rtrace: this kernel has no tracepoint %s: event unavailable\n",
				e->p.tp_name);
	}
	return 0;
}

/**
 * rtrace_tp_events() - the event ids of tracepoint groups
 * @sources: RTRACE_SOURCE_* bits
 * @available: only those whose tracepoint this kernel has
 *
 * Context: any (after module init).
 * Return: bit per event id of the entries of @sources' groups.
 */
u64 rtrace_tp_events(u64 sources, bool available)
{
	u64 ids = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rtrace_tps); i++)
		if (rtrace_tps[i].source & sources)
			ids |= BIT_ULL(rtrace_tps[i].desc.id);
	return available ? ids & rtrace_tp_avail : ids;
}

/**
 * rtrace_tp_sources() - the groups the given event ids belong to
 * @events: bit per event id
 *
 * Context: any.
 * Return: the RTRACE_SOURCE_* bits of the entries in @events.
 */
u64 rtrace_tp_sources(u64 events)
{
	u64 src = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rtrace_tps); i++)
		if (events & BIT_ULL(rtrace_tps[i].desc.id))
			src |= rtrace_tps[i].source;
	return src;
}

/**
 * rtrace_tp_event_id() - the id of a kernel event by name
 * @name: the event's name, as rtrace list prints it (need not end in NUL)
 * @len: its length
 *
 * Context: any.
 * Return: the event's id, or 0 if no kernel event has that name.
 */
u32 rtrace_tp_event_id(const char *name, size_t len)
{
	const struct rtrace_event_desc *d;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rtrace_tps); i++) {
		d = &rtrace_tps[i].desc;
		if (strnlen(d->name, sizeof(d->name)) == len && !strncmp(d->name, name, len))
			return d->id;
	}
	return 0;
}

/* Every group with at least one tracepoint on this kernel. */
static u64 rtrace_tps_supported(void)
{
	return rtrace_tp_sources(rtrace_tp_avail);
}

static void rtrace_tps_disable(void)
{
	bool any = false;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rtrace_tps); i++)
		any |= rtrace_tp_probe_detach(&rtrace_tps[i].p);
	/* No probe runs once this returns (rtrace_tp_probe_detach()). */
	if (any)
		tracepoint_synchronize_unregister();
}

/*
 * Attach last entry first, detach first entry first: the table lists each
 * entry event before its exit (irq_handler_entry, _exit), so exits are
 * attached before their entries and detached after them, and a recorded
 * entry is not left without its exit by the attaching itself (an exit
 * without its entry at the very start or end of a session remains
 * possible: its handler was running when the session started or stopped).
 */
static int rtrace_tps_enable(u64 events)
{
	unsigned int i = ARRAY_SIZE(rtrace_tps);
	int ret;

	while (i--) {
		if (!(events & BIT_ULL(rtrace_tps[i].desc.id)))
			continue;
		ret = rtrace_tp_probe_attach(&rtrace_tps[i].p);
		if (ret) {
			rtrace_tps_disable();
			return ret;
		}
	}
	return 0;
}

const struct rtrace_source rtrace_source_tracepoints = {
	.name		= "tracepoints",
	.bit		= RTRACE_SOURCE_SCHED | RTRACE_SOURCE_IRQ | RTRACE_SOURCE_SYSCALLS |
			  RTRACE_SOURCE_FAULTS | RTRACE_SOURCE_BLOCK | RTRACE_SOURCE_WORKQUEUE,
	.init		= rtrace_tps_init,
	.supported	= rtrace_tps_supported,
	.enable		= rtrace_tps_enable,
	.disable	= rtrace_tps_disable,
};
