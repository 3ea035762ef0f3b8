/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtrace: the PID filter of the tracepoint sources - which tasks' events a
 * session records (rtrace_config.pids_ptr, nr_pids, pid_flags; the rules
 * are in uapi/linux/rtrace.h above RTRACE_PIDS_FOLLOW).
 *
 * The set
 * =======
 * An open-addressing hash set of __u32 ids, RTRACE_PIDS_SLOTS slots (twice
 * RTRACE_PIDS_MAX, so at most half full and a lookup always meets an empty
 * slot), linear probing, 0 marks an empty slot (0 is never a valid id).
 * Ids are only ever added during a session, never removed: a slot goes
 * from 0 to its id once and then never changes, so a lookup that reads
 * each slot once (READ_ONCE) and stops at the first 0 is correct against
 * any concurrent insert, on any CPU and in any context, NMI included: it
 * takes no lock and writes nothing.
 *
 * Inserts (pids.c: the follow probe on sched_process_fork) reserve room
 * with atomic_add_unless() on @nr, then claim the first empty slot of the
 * id's probe sequence with cmpxchg(); an insert that meets its own id
 * there (another insert of the same id won) gives its reservation back.
 *
 * Ordering.  A child joins the set in its parent's sched_process_fork,
 * before kernel_clone() wakes it (wake_up_new_task()).  The cmpxchg() that
 * stores the id is fully ordered; it pairs with the child's runqueue lock:
 * the parent takes it after the store to enqueue the child, the CPU that
 * first runs the child takes it before, so every event of the child reads
 * its id (the same chain that makes the child see its own task_struct).
 * The parent's own later events (sched_wakeup_new of the child) are in
 * program order after the store.
 *
 * Cost.  With no filter a probe pays one static branch (a nop).  With one:
 * in_task() for events without a pid field (a per-CPU read), the id's
 * hash (a multiply and a shift), and one slot read for a hit in an
 * uncrowded set (at most half full: 1.5 expected reads for a hit, 2.5 for
 * a miss under linear probing; Documentation/design.md).
 */
#ifndef _RTRACE_PIDS_H
#define _RTRACE_PIDS_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/jump_label.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <uapi/linux/rtrace.h>

#define RTRACE_PIDS_BITS	13
#define RTRACE_PIDS_SLOTS	BIT(RTRACE_PIDS_BITS)

/**
 * struct rtrace_pids - a session's PID filter
 * @flags: RTRACE_PIDS_*
 * @nr: ids in the set (at most RTRACE_PIDS_MAX)
 * @full: children that could not join because the set was full
 * @slots: the ids, 0 for an empty slot
 */
struct rtrace_pids {
	u32 flags;
	atomic_t nr;
	atomic64_t full;
	u32 slots[RTRACE_PIDS_SLOTS];
};

DECLARE_STATIC_KEY_FALSE(rtrace_pids_key);
extern struct rtrace_pids *rtrace_pids_cur;

static __always_inline u32 rtrace_pids_hash(u32 id)
{
	return (id * 0x61c88647U) >> (32 - RTRACE_PIDS_BITS);
}

/*
 * Is @id in @set?  Any context; see "The set" above.  Id 0 (the idle
 * tasks) is never in it: the empty test comes first.
 */
static __always_inline bool rtrace_pids_has(const struct rtrace_pids *set, u32 id)
{
	u32 i = rtrace_pids_hash(id), v;

	for (;;) {
		v = READ_ONCE(set->slots[i]);
		if (!v)
			return false;
		if (v == id)
			return true;
		i = (i + 1) & (RTRACE_PIDS_SLOTS - 1);
	}
}

/* The id of @t that the set holds: its pid, or its tgid. */
static __always_inline u32 rtrace_pids_id(const struct rtrace_pids *set,
					  const struct task_struct *t)
{
	return set->flags & RTRACE_PIDS_TGID ? t->tgid : t->pid;
}

/* The set of the running session if it has a filter, else NULL. */
static __always_inline const struct rtrace_pids *rtrace_pids_get(void)
{
	if (!static_branch_unlikely(&rtrace_pids_key))
		return NULL;
	/* Set before the key was enabled and the probes registered (pids.c). */
	return READ_ONCE(rtrace_pids_cur);
}

/**
 * rtrace_pids_skip() - should the event of task @t be left out?
 * @t: the task the event names
 *
 * Context: any (a probe).
 * Return: true if a filter is on and @t is not in it.
 */
static __always_inline bool rtrace_pids_skip(const struct task_struct *t)
{
	const struct rtrace_pids *set = rtrace_pids_get();

	return set && !rtrace_pids_has(set, rtrace_pids_id(set, t));
}

/**
 * rtrace_pids_skip2() - should the event of tasks @a and @b be left out?
 * @a: a task the event names
 * @b: the other one
 *
 * Context: any (a probe).
 * Return: true if a filter is on and neither task is in it.
 */
static __always_inline bool rtrace_pids_skip2(const struct task_struct *a,
					      const struct task_struct *b)
{
	const struct rtrace_pids *set = rtrace_pids_get();

	return set && !rtrace_pids_has(set, rtrace_pids_id(set, a)) &&
	       !rtrace_pids_has(set, rtrace_pids_id(set, b));
}

/**
 * rtrace_pids_skip_current() - should an event without a pid field be left out?
 *
 * Its task is the current one in task context; in interrupt context it
 * belongs to no task and always passes.
 *
 * Context: any (a probe).
 * Return: true if a filter is on, the caller runs in task context and the
 * current task is not in the filter.
 */
static __always_inline bool rtrace_pids_skip_current(void)
{
	const struct rtrace_pids *set = rtrace_pids_get();

	return set && in_task() && !rtrace_pids_has(set, rtrace_pids_id(set, current));
}

/* pids.c: the session code's calls. */
struct rtrace_pids *rtrace_pids_create(const u32 *ids, u32 nr, u32 flags);
void rtrace_pids_free(struct rtrace_pids *set);
int rtrace_pids_start(struct rtrace_pids *set);
void rtrace_pids_stop(void);

#endif /* _RTRACE_PIDS_H */
