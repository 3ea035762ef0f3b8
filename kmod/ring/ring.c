// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: the reentrant per-CPU, per-context-lane ring buffer and its writer.
 *
 * Design
 * ======
 *
 * Every CPU has RTRACE_NR_LANES lanes, one per context level plus a spare:
 *
 *        CPU n:  busy[] = { task, softirq, hardirq, nmi, spare }   (one byte each)
 *
 *        lane:   +---------+---------+---------+---------+
 *                | sub 0   | sub 1   | sub 2   | sub 3   |   nr_subbufs slots
 *                +---------+---------+---------+---------+
 *                  ^ consumed (reader)   ^ produced == seq of the open one
 *                  (seq % nr_subbufs = slot)        ^ pos (write position)
 *
 *        sub-buffer: [struct rtrace_subbuf_hdr][record][record]...[free]
 *
 * A writer picks the lane of its context level from preempt_count (task,
 * softirq, hardirq, NMI).  An interrupt can only nest a *higher* level on
 * top of a lower one, so at any instant a lane has at most one writer and
 * nested writers on the same CPU always finish before the writer they
 * interrupted resumes (LIFO).  That is the whole reentrancy argument: a
 * lane is owned by setting its busy byte with a plain store, the owner
 * reserves, encodes and commits with plain loads and stores, and clears
 * the byte.  No atomic read-modify-write, no retry loop, no lock.
 *
 * Two cases break "one level, one writer", and both are caught by the busy
 * byte (which the nested writer sees, since it runs on the same CPU after
 * the store in program order):
 *   - the interrupt-entry window: an interrupt whose handler has not yet
 *     raised preempt_count (or tracing code in the entry path) looks like
 *     the context it interrupted;
 *   - same-level recursion (e.g. a traced function called by the writer's
 *     own caller, an NMI inside an NMI handler's tracing).
 * Such a writer takes the spare lane.  If the spare lane is busy too the
 * event is counted as RTRACE_LOST_RECURSION (never a deadlock, never a
 * corrupted record).
 *
 * The common write is not in this directory: include/rtrace_wr.h writes it
 * inline in the caller (its level's lane free, room, recording; see "The
 * inline fast path" there; it also counts the recursion, full-ring and
 * stopped drops) on the writer state that starts each CPU's struct rtrace_cpu
 * (struct rtrace_wr_cpu: the busy word, the clock, and per lane pos, end,
 * last_ts and nr_events, as arrays indexed by lane), following exactly the
 * protocol above.  Everything else comes to the out-of-line writers of
 * writer.c, __rtrace_emit_raw() and __rtrace_emit_regs(), which decide
 * again from scratch.
 *
 * The busy word.  Its lane bytes are read and written only by writers on
 * their own CPU (and by a flush, which runs there by IPI, or once no
 * writer can run).  Bytes RTRACE_WR_SLOW and RTRACE_WR_OFF are the
 * exception: another CPU stores them in rtrace_ring_set_running(), SLOW to
 * send this CPU's writers out of line while it does not record, OFF (set
 * and cleared with it) to let the inline writer count RTRACE_LOST_OFF
 * itself when it finds exactly both set and no lane busy
 * (RTRACE_WR_STOPPED; rtrace_ring_fail() sets SLOW alone).  A writer that
 * read the word before those stores may still finish its write on the
 * fast path; set_running(false) waits for such writes (synchronize_rcu()),
 * and set_running(true) needs no wait (a writer that still sees both bytes
 * set counts RTRACE_LOST_OFF, as an event emitted before the start; one
 * that sees one byte of the two goes out of line, which reads rc->on and
 * either records or counts RTRACE_LOST_OFF).
 *
 * The static key.  rtrace_wr_key is the first test of every writer, inline
 * or not (include/rtrace_wr.h, rtrace_wr_on()): off, a write is a jump and
 * a return, and counts nothing.  A ring takes one reference of the key at
 * its first rtrace_ring_set_running(true) and drops it when detached (or
 * destroyed), both in process context with no spinlock held (the key's
 * updates take cpus_read_lock() and jump_label_mutex, and sleep):
 *   - start: the key goes on *before* rc->on and byte RTRACE_WR_SLOW, so a
 *     writer that sees the ring recording has passed the key, and one that
 *     passed the key while the ring was not yet recording goes out of line
 *     and counts RTRACE_LOST_OFF: once a session has started, every event
 *     is recorded or counted;
 *   - detach: the key goes off *before* the ring pointers are cleared and
 *     synchronize_rcu() waits.  A writer that saw the key on is an
 *     RCU-sched reader: it finds the ring still attached (and records or
 *     counts into it) or finds none (rtrace_active NULL, rtrace_wr_cpus
 *     the idle state), and detaching waits for it either way.
 * So "off" covers exactly: no ring attached, or a ring attached and never
 * started (CONFIGURED); a stopped ring counts RTRACE_LOST_OFF as before.
 * static_branch_inc() returns once every CPU executes the new code (the
 * text patching synchronises all CPUs), which is what "before" means.
 *
 * Sub-buffers.  The open sub-buffer of a lane is written in place.  A record
 * that does not fit closes it (commit, nr_events), publishes it with the one
 * ordering point of the write side, smp_store_release(&lane->produced), and
 * opens the next slot:
 *   - discard mode: only if the reader consumed it (produced - consumed <
 *     nr_subbufs); otherwise the event is dropped (RTRACE_LOST_FULL) and the
 *     next write tries again;
 *   - overwrite mode: if the ring is full, the writer takes the oldest
 *     unread sub-buffer away from the reader by advancing consumed with one
 *     cmpxchg() and counts its events as RTRACE_LOST_OVERWRITTEN.  A reader
 *     copying a sub-buffer first *pins* it (consumed |= RTRACE_PINNED, by
 *     cmpxchg); the writer never steals a pinned sub-buffer, it drops the
 *     new event instead (RTRACE_LOST_FULL).  So a copy is never torn and no
 *     event is both read and counted lost, which makes the accounting exact
 *     (the seqcount alternative - bump seq, let the reader retry - can count
 *     an event read and overwritten at once).
 *
 * Every loss is counted per CPU x lane x cause and reported in-band: the
 * header of the next sub-buffer opened on that lane carries lost[] since the
 * previous header (in overwrite mode also what the sub-buffer it overwrote
 * held and reported: the uapi's "Loss accounting"), so for every (cpu,
 * lane), once the ring is stopped, flushed and drained:
 *
 *     records read + sum(hdr.lost[OVERWRITTEN])     == stats.written
 *     stats.written + sum(hdr.lost[other causes])   == events emitted
 *
 * Losses counted while the lane is not owned (RTRACE_LOST_RECURSION: the
 * owner is the writer we interrupted; RTRACE_LOST_OFF; a raw record surely
 * too large, RTRACE_LOST_TOO_LARGE, dropped before a lane is taken) use
 * local64_t, an interrupt-safe single-instruction increment, inline or out
 * of line alike; the owner reports the difference to what it reported
 * before.
 *
 * Clock.  RTRACE_CLOCK_TSC (raw rdtsc, one instruction) when the kernel
 * trusts the TSC (constant, nonstop, not marked unstable); otherwise
 * RTRACE_CLOCK_LOCAL (trace_clock_local(), ns).  Chosen when the ring is
 * created (module parameter clock=auto|tsc|local).  Records carry deltas
 * against the previous record of the same sub-buffer; each header carries
 * an absolute ts_base.  The stream header gets mult/shift (from tsc_khz)
 * and a (cyc, CLOCK_MONOTONIC ns) pair taken at creation, so userspace
 * converts with the formula in uapi/linux/rtrace.h (clock.c).  No clock
 * sync record exists: the pair in the stream header is enough because the
 * TSC is only chosen when it is constant-rate.  Limits: cross-CPU comparison assumes the
 * TSCs are synchronized (the kernel's own assumption once it trusts them);
 * unsynchronized TSCs only skew the cross-CPU merge, never the order within
 * a (cpu, lane), whose deltas are clamped to be non-negative.
 *
 * Memory-ordering table
 * =====================
 *
 *   writer (this CPU)                          pairs with
 *   -----------------------------------------  ---------------------------------
 *   busy byte store; barrier()                 nested writers on this CPU only:
 *   (rtrace_lane_take, rtrace_fast_begin)      program order, no SMP barrier
 *                                              (rtrace_lane_release,
 *                                              rtrace_fast_end: barrier() first)
 *   READ_ONCE(busy.all), READ_ONCE(rc->on)     WRITE_ONCE() of bytes RTRACE_WR_SLOW/OFF
 *   (rtrace_fast_begin, rtrace_wr_begin)       and of rc->on by another CPU in
 *                                              rtrace_ring_set_running(), then
 *                                              synchronize_rcu() when stopping
 *   hdr + records stores;                      smp_load_acquire(&lane->produced)
 *   smp_store_release(&lane->produced)         in rtrace_ring_peek() and
 *   (rtrace_lane_close)                        rtrace_ring_has_data()
 *   smp_load_acquire(&lane->consumed)          smp_store_release(&lane->consumed)
 *   (rtrace_lane_claim, discard mode)          in rtrace_ring_consume()
 *   cmpxchg(&lane->consumed) steal             cmpxchg(&lane->consumed) pin in
 *   (rtrace_lane_claim, overwrite mode)        rtrace_ring_peek(); release in
 *                                              rtrace_ring_consume()
 *   rcu_assign_pointer(rtrace_active)          rcu_dereference_raw() in
 *   (rtrace_ring_attach)                       rtrace_wr_begin(); preempt-disabled section
 *                                              = RCU-sched reader, waited for by
 *                                              synchronize_rcu() in detach/stop
 *   smp_store_release(&rtrace_wr_cpus)         READ_ONCE() (address dependency)
 *   (rtrace_ring_attach)                       in rtrace_fast_begin(), inline in
 *                                              the caller (include/rtrace_wr.h);
 *                                              same RCU-sched rule as above
 *   static_branch_inc(&rtrace_wr_key) before   rtrace_wr_on() in every writer;
 *   rc->on (set_running); static_branch_dec()  text patching synchronises every
 *   before clearing the pointers (detach)      CPU ("The static key" above)
 *
 * Nothing else orders the slots.  A reader copies a sub-buffer only once
 * produced says it is published, and a writer reopens a slot only once
 * consumed says it was read (discard) or after its steal won against the
 * reader's pin (overwrite), so no reader ever looks at a slot while it is
 * written.  The mmap area of /dev/rtrace is a copy filled by the kernel
 * from rtrace_ring_peek() (kmod/dev/mmap.c): lanes are never mapped.
 */
#include "internal.h"

/* The ring writers record into; RCU-sched protected (see the table). */
struct rtrace_ring __rcu *rtrace_active;
/*
 * The writer state of no ring: busy byte RTRACE_WR_SLOW set (out of line),
 * clock 0, never written.
 */
static DEFINE_PER_CPU(struct rtrace_wr_cpu, rtrace_wr_idle) = {
	.busy = { .lane = { [RTRACE_WR_SLOW] = 1 } },
};

/*
 * The writer state of the attached ring (&ring->cpus->w) for the inline
 * fast path of include/rtrace_wr.h; the idle state while none is attached,
 * and in debug builds.  Set with rtrace_active and read like it (see the
 * table).
 */
struct rtrace_wr_cpu __percpu *rtrace_wr_cpus = &rtrace_wr_idle;
EXPORT_SYMBOL_GPL(rtrace_wr_cpus);
/* Every writer's first test ("The static key" above). */
DEFINE_STATIC_KEY_FALSE(rtrace_wr_key);
EXPORT_SYMBOL_GPL(rtrace_wr_key);
/* Serialises attach and detach. */
static DEFINE_MUTEX(rtrace_attach_mutex);

/**
 * rtrace_ring_create() - allocate a ring
 * @geom: geometry: subbuf_size a power of two from PAGE_SIZE to 1 MiB,
 *	nr_subbufs a power of two >= 2, flags, CPUs
 *
 * Memory is node-local and allocated without OOM kill or warning.  The
 * ring does not record until attached and set running.
 *
 * Context: process context, may sleep.
 * Return: the ring, or ERR_PTR(-EINVAL) for a bad geometry,
 * ERR_PTR(-ENOMEM).
 */
struct rtrace_ring *rtrace_ring_create(const struct rtrace_ring_geom *geom)
{
	struct rtrace_ring *ring;
	struct rtrace_cpu *rc;
	unsigned int cpu, l;
	size_t bytes;

	if (!is_power_of_2(geom->subbuf_size) || geom->subbuf_size < PAGE_SIZE ||
	    geom->subbuf_size > (1U << 20) || !is_power_of_2(geom->nr_subbufs) ||
	    geom->nr_subbufs < 2 || geom->nr_subbufs > (1U << 20))
		return ERR_PTR(-EINVAL);
	bytes = (size_t)geom->subbuf_size * geom->nr_subbufs;

	ring = kzalloc(sizeof(*ring), GFP_KERNEL | __GFP_NOWARN);
	if (!ring)
		return ERR_PTR(-ENOMEM);
	ring->cpus = alloc_percpu_gfp(struct rtrace_cpu, GFP_KERNEL | __GFP_NOWARN);
	if (!ring->cpus)
		goto free_ring;
	rtrace_mem_count(2);
	ring->subbuf_size = geom->subbuf_size;
	ring->subbuf_shift = ilog2(geom->subbuf_size);
	ring->nr_subbufs = geom->nr_subbufs;
	ring->payload = geom->subbuf_size - sizeof(struct rtrace_subbuf_hdr);
	ring->overwrite = !!(geom->flags & RTRACE_CONFIG_OVERWRITE);
	cpumask_and(&ring->cpumask, geom->cpumask ? geom->cpumask : cpu_possible_mask,
		    cpu_possible_mask);

	for_each_possible_cpu(cpu) {
		rc = per_cpu_ptr(ring->cpus, cpu);
		rc->cpu = cpu;
		rc->w.busy.lane[RTRACE_WR_SLOW] = 1;
		for (l = 0; l < RTRACE_NR_LANES; l++) {
			rc->lane[l].lane_id = l;
			rc->lane[l].wc = &rc->w;
			rc->w.full_at[l] = ~0ULL;
			rc->w.consumed[l] = &rc->lane[l].consumed;
		}
	}
	for_each_cpu(cpu, &ring->cpumask) {
		rc = per_cpu_ptr(ring->cpus, cpu);
		for (l = 0; l < RTRACE_NR_LANES; l++) {
			if (rtrace_area_alloc(&rc->lane[l].area, bytes, cpu_to_node(cpu)))
				goto free_areas;
			rc->lane[l].data = rc->lane[l].area.addr;
		}
	}
	rtrace_ring_clock_init(ring);
	for_each_possible_cpu(cpu)
		per_cpu_ptr(ring->cpus, cpu)->w.clock = ring->clock;
	return ring;

free_areas:
	rtrace_ring_destroy(ring);
	return ERR_PTR(-ENOMEM);
free_ring:
	kfree(ring);
	return ERR_PTR(-ENOMEM);
}
EXPORT_SYMBOL_RTRACE_INTERNAL(rtrace_ring_create);

/* Drop @ring's reference of rtrace_wr_key, if it holds one; may sleep. */
static void rtrace_ring_unkey(struct rtrace_ring *ring)
{
	if (ring->keyed) {
		ring->keyed = false;
		static_branch_dec(&rtrace_wr_key);
	}
}

/**
 * rtrace_ring_destroy() - free a ring
 * @ring: a ring that is not attached (or NULL)
 *
 * Context: process context, may sleep.
 */
void rtrace_ring_destroy(struct rtrace_ring *ring)
{
	unsigned int cpu, l;

	if (IS_ERR_OR_NULL(ring))
		return;
	rtrace_ring_unkey(ring);
	for_each_possible_cpu(cpu)
		for (l = 0; l < RTRACE_NR_LANES; l++)
			rtrace_area_free(&per_cpu_ptr(ring->cpus, cpu)->lane[l].area);
	free_percpu(ring->cpus);
	kfree(ring);
	rtrace_mem_count(-2);
}
EXPORT_SYMBOL_RTRACE_INTERNAL(rtrace_ring_destroy);

/**
 * rtrace_ring_attach() - make @ring the ring every writer records into
 * @ring: the ring
 *
 * Context: process context.
 * Return: 0, or -EBUSY if another ring is attached.
 */
int rtrace_ring_attach(struct rtrace_ring *ring)
{
	int ret = 0;

	mutex_lock(&rtrace_attach_mutex);
	if (rcu_access_pointer(rtrace_active))
		ret = -EBUSY;
	else
		rcu_assign_pointer(rtrace_active, ring);
	/* Debug builds: checks and injection live in the out-of-line writers. */
	if (!ret && !RTRACE_DEBUG_ON)
		/* Ring complete first; pairs with READ_ONCE() in rtrace_fast_begin(). */
		smp_store_release(&rtrace_wr_cpus, &ring->cpus->w);
	mutex_unlock(&rtrace_attach_mutex);
	return ret;
}
EXPORT_SYMBOL_RTRACE_INTERNAL(rtrace_ring_attach);

/**
 * rtrace_ring_detach() - stop writers from finding @ring
 * @ring: the ring (nothing happens if another ring is attached)
 *
 * Returns once no writer can still be using @ring.  Turns rtrace_wr_key
 * off first if @ring turned it on ("The static key" above).
 *
 * Context: process context, sleeps, no spinlock held; callers serialise
 * it with rtrace_ring_set_running() on @ring.
 */
void rtrace_ring_detach(struct rtrace_ring *ring)
{
	rtrace_ring_unkey(ring);
	mutex_lock(&rtrace_attach_mutex);
	if (rcu_access_pointer(rtrace_active) == ring) {
		WRITE_ONCE(rtrace_wr_cpus, &rtrace_wr_idle);
		RCU_INIT_POINTER(rtrace_active, NULL);
	}
	mutex_unlock(&rtrace_attach_mutex);
	/* Writers are preempt-disabled sections: RCU-sched readers. */
	synchronize_rcu();
}
EXPORT_SYMBOL_RTRACE_INTERNAL(rtrace_ring_detach);

/**
 * rtrace_ring_set_running() - start or stop recording
 * @ring: the ring
 * @running: true to record
 *
 * Stopping waits until no write is in progress on any CPU, so the caller
 * may then flush, read and compute exact statistics.  A ring that an
 * always-on check found broken (rtrace_ring_fail()) is not started again.
 * The first start turns rtrace_wr_key on, before the CPUs record ("The
 * static key" above).
 *
 * Context: process context, may sleep, no spinlock held; callers
 * serialise calls on @ring (and with rtrace_ring_detach()).
 */
void rtrace_ring_set_running(struct rtrace_ring *ring, bool running)
{
	unsigned int cpu;

	if (running && READ_ONCE(ring->broken))
		return;
	if (running && !ring->keyed) {
		/* Returns once every CPU runs the patched writers. */
		static_branch_inc(&rtrace_wr_key);
		ring->keyed = true;
	}
	WRITE_ONCE(ring->running, running);
	/*
	 * From this CPU into every CPU's busy word: bytes RTRACE_WR_SLOW and
	 * RTRACE_WR_OFF only (see "The busy word" above).  Writers read these with READ_ONCE()
	 * in rtrace_fast_begin() and rtrace_wr_begin(); one that missed the
	 * stop is waited for below.
	 */
	for_each_cpu(cpu, &ring->cpumask) {
		struct rtrace_cpu *rc = per_cpu_ptr(ring->cpus, cpu);

		WRITE_ONCE(rc->on, running);
		WRITE_ONCE(rc->w.busy.lane[RTRACE_WR_SLOW], !running);
		WRITE_ONCE(rc->w.busy.lane[RTRACE_WR_OFF], !running);
	}
	/* Writers are preempt-disabled sections: RCU-sched readers. */
	if (!running)
		synchronize_rcu();
}
EXPORT_SYMBOL_RTRACE_INTERNAL(rtrace_ring_set_running);
