// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: the PID filter - building a session's set, switching it on and
 * off around the sources, and following children (RTRACE_PIDS_FOLLOW).
 * The set and its lookup: pids.h.
 *
 * Lifetime.  CONFIGURE builds the set (rtrace_pids_create()); the session
 * owns it and frees it with itself.  START calls rtrace_pids_start()
 * before it enables the sources: rtrace_pids_cur points at the set, the
 * static key turns the probes' checks on, and with RTRACE_PIDS_FOLLOW the
 * follow probe is registered on sched_process_fork.  STOP (and RESET,
 * exit) calls rtrace_pids_stop() after the sources are disabled, so no
 * probe of a source still reads the set; it unregisters the follow probe
 * and waits until it cannot run any more before the key goes off and the
 * pointer is cleared.  Children followed during a run stay in the set for
 * the next START of the same session.  All of it runs under the device's
 * rdev.lock (kmod/sources/source.h: the context of ->enable()).
 */
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/threads.h>
#include <linux/tracepoint.h>

#include <trace/events/sched.h>

#include "pids.h"
#include "source.h"
#include "../ring/env.h"

DEFINE_STATIC_KEY_FALSE(rtrace_pids_key);
struct rtrace_pids *rtrace_pids_cur;

/*
 * Add @id to @set unless it is there.  Any context (cmpxchg only).
 * Return: false if the set is full.
 */
static __always_inline bool pids_add(struct rtrace_pids *set, u32 id)
{
	u32 i = rtrace_pids_hash(id), v;

	if (!atomic_add_unless(&set->nr, 1, RTRACE_PIDS_MAX))
		return false;
	for (;;) {
		/* Fully ordered: pairs with the child's runqueue lock (pids.h). */
		v = cmpxchg(&set->slots[i], 0, id);
		if (!v)
			return true;
		if (v == id) {
			atomic_dec(&set->nr);	/* already there */
			return true;
		}
		i = (i + 1) & (RTRACE_PIDS_SLOTS - 1);
	}
}

/*
 * sched_process_fork, in the parent's context before the child runs: a
 * child of a task of the set joins it.  With RTRACE_PIDS_TGID a new
 * thread has its parent's id already; a new process adds its own.
 * Registered ahead of every other probe of the tracepoint, so that the
 * fork event and the child's name record already see the child.
 */
static notrace void rtrace_pids_probe_fork(void *data, struct task_struct *parent,
					   struct task_struct *child)
{
	struct rtrace_pids *set = READ_ONCE(rtrace_pids_cur);
	u32 p, c;

	if (!set)
		return;
	p = rtrace_pids_id(set, parent);
	c = rtrace_pids_id(set, child);
	if (p == c || !rtrace_pids_has(set, p) || rtrace_pids_has(set, c))
		return;
	if (!pids_add(set, c))
		atomic64_inc(&set->full);
}

NOKPROBE_SYMBOL(rtrace_pids_probe_fork);

static void __maybe_unused pids_check_protos(void)
{
	BUILD_BUG_ON(!sizeof(register_trace_sched_process_fork(rtrace_pids_probe_fork, NULL)));
}

/**
 * rtrace_pids_create() - build a session's set
 * @ids: the caller's ids (checked: none is 0 or above PID_MAX_LIMIT)
 * @nr: entries at @ids, 1 .. RTRACE_PIDS_MAX
 * @flags: RTRACE_PIDS_* (checked)
 *
 * Duplicates are kept once.
 *
 * Context: process context.
 * Return: the set, or NULL without memory.
 */
struct rtrace_pids *rtrace_pids_create(const u32 *ids, u32 nr, u32 flags)
{
	struct rtrace_pids *set;
	u32 i;

	BUILD_BUG_ON(RTRACE_PIDS_SLOTS < 2 * RTRACE_PIDS_MAX);
	set = kvzalloc(sizeof(*set), GFP_KERNEL);
	if (!set)
		return NULL;
	rtrace_mem_count(1);
	set->flags = flags;
	for (i = 0; i < nr; i++)
		WARN_ON_ONCE(!pids_add(set, ids[i]));
	return set;
}

/**
 * rtrace_pids_free() - free a set of rtrace_pids_create()
 * @set: the set, or NULL
 *
 * Context: process context; no probe may use @set any more.
 */
void rtrace_pids_free(struct rtrace_pids *set)
{
	if (!set)
		return;
	kvfree(set);
	rtrace_mem_count(-1);
}

/* The follow probe, ahead of the default priority: before the fork and name probes. */
static struct rtrace_tp_probe pids_fork = {
	.tp_name = "sched_process_fork",
	.probe = rtrace_pids_probe_fork,
	.prio = TRACEPOINT_DEFAULT_PRIO + 1,
};

/**
 * rtrace_pids_start() - switch the filter of a session that starts on
 * @set: its set, NULL for no filter
 *
 * Context: process context, rdev.lock held, before the sources are enabled.
 * Return: 0; -EOPNOTSUPP if RTRACE_PIDS_FOLLOW is asked and this kernel
 * has no sched_process_fork; the error of its registration.
 */
int rtrace_pids_start(struct rtrace_pids *set)
{
	int ret;

	if (!set)
		return 0;
	WRITE_ONCE(rtrace_pids_cur, set);
	if (set->flags & RTRACE_PIDS_FOLLOW) {
		if (!pids_fork.tp && !rtrace_tp_probe_find(&pids_fork)) {
			ret = -EOPNOTSUPP;
			goto clear;
		}
		ret = rtrace_tp_probe_attach(&pids_fork);
		if (ret)
			goto clear;
	}
	/*
	 * The key's patching synchronises every CPU (text_poke_sync()), and
	 * the sources register their probes after it: a probe that sees the
	 * key on sees rtrace_pids_cur.
	 */
	static_branch_enable(&rtrace_pids_key);
	return 0;
clear:
	WRITE_ONCE(rtrace_pids_cur, NULL);
	return ret;
}

/**
 * rtrace_pids_stop() - switch the filter off
 *
 * Returns once the follow probe cannot run any more; the set may then be
 * freed.  A no-op without a filter.
 *
 * Context: process context, rdev.lock held, after the sources were disabled.
 */
void rtrace_pids_stop(void)
{
	if (!READ_ONCE(rtrace_pids_cur))
		return;
	if (rtrace_tp_probe_detach(&pids_fork))
		tracepoint_synchronize_unregister();
	static_branch_disable(&rtrace_pids_key);
	WRITE_ONCE(rtrace_pids_cur, NULL);
}
