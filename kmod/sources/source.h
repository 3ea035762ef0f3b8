/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtrace: event sources - what produces the events of a session, turned on
 * and off by the session code (kmod/dev/session.c).
 *
 * Adding a source: a file kmod/sources/<name>.c that defines
 * "const struct rtrace_source rtrace_source_<name>", and its row
 * RTRACE_SOURCE(<name>) in table.h (kmod/Kbuild builds every file of
 * kmod/sources/; Documentation/design.md, "Adding a source, an exporter or
 * a subcommand", has the whole walk).  The device then reports its bit in
 * rtrace_info.sources_supported, accepts it in rtrace_config.sources, and
 * every stream header lists its event types.
 *
 * When the session code calls a source
 * ====================================
 *
 * A session's ring is attached (writers find it) from CONFIGURE until the
 * session is replaced, RESET or the module unloads; the sources selected in
 * its rtrace_config.sources are enabled only while it runs:
 *
 *   START:  rtrace_ring_set_running(ring, true), then ->enable() of each
 *           selected source in table order, with the session's event set
 *           (rtrace_info.events: the kernel event types to record).  If one fails, those already
 *           enabled are disabled in reverse order, the ring is stopped
 *           again and START fails with that error (state unchanged).
 *   STOP and SNAPSHOT of a running session, RESET of one, module exit
 *   with one (CONFIGURE refuses to replace a running session):
 *           ->disable() of each selected source in reverse table order,
 *           then rtrace_ring_set_running(ring, false) (which waits for
 *           writes in progress), then the flush (STOP, SNAPSHOT) or
 *           rtrace_ring_detach() (RESET, replacement, exit).
 *
 * So a source writes only into a running ring (nothing is counted as
 * RTRACE_LOST_OFF because of the order), and once ->disable() returns the
 * ring may stop and go away: ->disable() must not return while one of the
 * source's probes may still be running (for tracepoints:
 * tracepoint_probe_unregister(), then tracepoint_synchronize_unregister()).
 *
 * Context of ->enable() and ->disable(): process context, may sleep,
 * interrupts on, no spinlock held; the device's rdev.lock (a mutex) is
 * held, which serialises every call with every state change.  They may
 * take global locks (tracepoints_mutex, cpus_read_lock()), but must not
 * touch user memory or call back into the device.  ->disable() cannot fail.
 *
 * A probe writes with the API of include/rtrace_emit.h, like any module.
 */
#ifndef _RTRACE_SOURCE_H
#define _RTRACE_SOURCE_H

#include <linux/types.h>
#include <uapi/linux/rtrace.h>

struct tracepoint;

/**
 * struct rtrace_source - one event source
 * @name: short name, for messages
 * @bit: its RTRACE_SOURCE_* bit (several for a source that implements
 *	several groups; the session selects it if any is set)
 * @events: descriptions of the event types it writes, registered at load
 * @nr_events: entries at @events
 * @init: optional, at module load before @events are registered (e.g. find
 *	the kernel's tracepoints, register event types itself).
 *	Return: 0 or -errno (fails the load).
 * @supported: optional: the bits of @bit this kernel can serve (default:
 *	all); CONFIGURE refuses the others with -EOPNOTSUPP
 * @enable: start writing events; NULL if there is nothing to start.
 *	@events: the session's kernel event types, bit per type id (a source
 *	that has no per-event choice ignores it).  Return: 0 or -errno.
 * @disable: stop, and return only when no probe is still writing; NULL if
 *	there is nothing to stop
 */
struct rtrace_source {
	const char *name;
	u64 bit;
	const struct rtrace_event_desc *events;
	unsigned int nr_events;
	int (*init)(void);
	u64 (*supported)(void);
	int (*enable)(u64 events);
	void (*disable)(void);
};

/* The sources (one file each), one per row of table.h. */
#define RTRACE_SOURCE(_name) extern const struct rtrace_source rtrace_source_##_name;
#include "table.h"
#undef RTRACE_SOURCE

/**
 * struct rtrace_tp_probe - a probe on one of the kernel's tracepoints
 * @tp_name: the tracepoint's name
 * @probe: the probe: (void *data, then the tracepoint's TP_PROTO)
 * @prio: its priority among the tracepoint's probes (higher runs first;
 *	0: TRACEPOINT_DEFAULT_PRIO, as tracepoint_probe_register())
 * @tp: the tracepoint, set by rtrace_tp_probe_find() (NULL: this kernel
 *	lacks it)
 * @on: the probe is registered
 *
 * Every source that attaches to tracepoints keeps its probes in a table of
 * these (tracepoints.c, names.c, pids.c) and attaches them with the calls below;
 * @tp and @on are written at load and by ->enable() and ->disable() only
 * (rdev.lock held).
 */
struct rtrace_tp_probe {
	const char *tp_name;
	void *probe;
	int prio;
	struct tracepoint *tp;
	bool on;
};

/* tracepoints.c: attaching probes, for every source (kernel-doc there). */
bool rtrace_tp_probe_find(struct rtrace_tp_probe *p);
int rtrace_tp_probe_attach(struct rtrace_tp_probe *p);
bool rtrace_tp_probe_detach(struct rtrace_tp_probe *p);

/* sources.c: the session code's calls, over the table. */
u64 rtrace_sources_supported(void);
int rtrace_sources_init(void);
int rtrace_sources_enable(u64 mask, u64 events);
void rtrace_sources_disable(u64 mask);

/* tracepoints.c: the kernel events, bit per type id. */
u64 rtrace_tp_events(u64 sources, bool available);
u64 rtrace_tp_sources(u64 events);
u32 rtrace_tp_event_id(const char *name, size_t len);

#endif /* _RTRACE_SOURCE_H */
