// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * librtrace: the "perfetto" exporter, Perfetto's native protobuf trace
 * (a Trace message: a stream of TracePacket) for ui.perfetto.dev and
 * trace_processor.  The messages and field numbers used are those of
 * lib/perfetto_trace.proto, a subset of Perfetto's public protos.
 *
 * What becomes what (Documentation/export.md has the details):
 *   - kernel events Perfetto knows as ftrace events (sched_switch,
 *     sched_wakeup, sched_wakeup_new, sched_waking, sched_process_fork,
 *     sched_process_exit,
 *     irq_handler_entry/exit, softirq_entry/exit/raise, sys_enter/exit) go
 *     into one FtraceEventBundle per CPU, so that the UI builds its CPU
 *     scheduling tracks, thread states, interrupt and syscall slices; the
 *     comm fields come from the task_name records (export_tasks.c) and each
 *     event's pid is the task running on its CPU (the next_pid of the CPU's
 *     last sched_switch: the stream does not record it per event);
 *   - task names also become one ProcessTree at the start (the task_name
 *     records themselves are not repeated as instants);
 *   - every other event (markers, rtrace_emit() events, events Perfetto has
 *     no ftrace message for) becomes a TrackEvent instant on a track per
 *     CPU, named by the event (a marker by its text), its fields as debug
 *     annotations;
 *   - a sub-buffer that reports losses adds an instant "rtrace: N events
 *     lost" on its CPU's track and sets lost_events in the CPU's next bundle.
 *
 * The encoder is protozero's idea in a few lines: varints, length-delimited
 * fields, and nested messages whose length is reserved as a 4-byte
 * redundant varint and patched when the message ends (no copy).
 */
#include <stdlib.h>

#include "internal.h"

/* ---------------------------------------------------------------- encoder */

#define PB_VARINT	0
#define PB_LEN		2
#define PB_NEST_BYTES	4	/* a nested message is < 2^28 bytes */

struct pb {
	uint8_t *b;
	size_t len, cap;
	int err;
};

static void pb_put(struct pb *p, const void *src, size_t n)
{
	if (p->err || !n)
		return;
	if (p->len + n > p->cap) {
		size_t cap = p->cap ? p->cap : 4096;
		uint8_t *b;

		while (cap < p->len + n)
			cap *= 2;
		b = realloc(p->b, cap);
		if (!b) {
			p->err = -ENOMEM;
			return;
		}
		p->b = b;
		p->cap = cap;
	}
	memcpy(p->b + p->len, src, n);
	p->len += n;
}

static void pb_varint(struct pb *p, uint64_t v)
{
	uint8_t b[10];
	int n = rtrace_varint__encode(v, b);

	pb_put(p, b, (size_t)n);
}

static void pb_tag(struct pb *p, uint32_t field, unsigned int wire)
{
	pb_varint(p, ((uint64_t)field << 3) | wire);
}

/* A varint field: uintN, and intN as its two's complement in 64 bits (protobuf's rule). */
static void pb_u64(struct pb *p, uint32_t field, uint64_t v)
{
	pb_tag(p, field, PB_VARINT);
	pb_varint(p, v);
}

static void pb_bytes(struct pb *p, uint32_t field, const void *s, size_t n)
{
	pb_tag(p, field, PB_LEN);
	pb_varint(p, n);
	pb_put(p, s, n);
}

static void pb_str(struct pb *p, uint32_t field, const char *s)
{
	pb_bytes(p, field, s, strlen(s));
}

/* Open a nested message: returns where its length goes (pb_end() patches it). */
static size_t pb_begin(struct pb *p, uint32_t field)
{
	static const uint8_t zero[PB_NEST_BYTES];

	pb_tag(p, field, PB_LEN);
	pb_put(p, zero, PB_NEST_BYTES);
	return p->len - PB_NEST_BYTES;
}

static void pb_end(struct pb *p, size_t at)
{
	size_t n = p->len - at - PB_NEST_BYTES;
	int i;

	if (p->err)
		return;
	if (n >> (7 * PB_NEST_BYTES)) {
		p->err = -EFBIG;
		return;
	}
	for (i = 0; i < PB_NEST_BYTES; i++)
		p->b[at + i] = (uint8_t)(((n >> (7 * i)) & 0x7f) |
					 (i < PB_NEST_BYTES - 1 ? 0x80 : 0));
}

/* ------------------------------------------------------ Perfetto's fields */

/* Trace, TracePacket */
#define F_TRACE_PACKET			1
#define F_PKT_FTRACE_EVENTS		1
#define F_PKT_PROCESS_TREE		2
#define F_PKT_TIMESTAMP			8
#define F_PKT_SEQ_ID			10
#define F_PKT_TRACK_EVENT		11
#define F_PKT_SEQ_FLAGS			13
#define F_PKT_SYSTEM_INFO		45
#define F_PKT_TRACK_DESCRIPTOR		60
#define SEQ_INCREMENTAL_STATE_CLEARED	1
/* FtraceEventBundle, FtraceEvent */
#define F_BUNDLE_CPU			1
#define F_BUNDLE_EVENT			2
#define F_BUNDLE_LOST			3
#define F_FTRACE_TIMESTAMP		1
#define F_FTRACE_PID			2
/* ProcessTree */
#define F_PT_PROCESS			1
#define F_PT_THREAD			2
#define F_PROC_PID			1
#define F_PROC_CMDLINE			3
#define F_THREAD_TID			1
#define F_THREAD_NAME			2
#define F_THREAD_TGID			3
/* SystemInfo, Utsname */
#define F_SI_UTSNAME			1
#define F_SI_PAGE_SIZE			6
#define F_SI_NUM_CPUS			8
#define F_UTS_SYSNAME			1
#define F_UTS_MACHINE			4
/* TrackDescriptor, TrackEvent, DebugAnnotation */
#define F_TD_UUID			1
#define F_TD_NAME			2
#define F_TE_DEBUG			4
#define F_TE_TYPE			9
#define F_TE_TRACK_UUID			11
#define F_TE_NAME			23
#define TE_TYPE_INSTANT			3
#define F_DA_UINT			3
#define F_DA_INT			4
#define F_DA_STRING			6
#define F_DA_NAME			10

#define PF_SEQ_ID			1
#define PF_TRACK_UUID_BASE		0x7274726163650000ull	/* "rtrace" */
#define PF_BUNDLE_MAX			(64 * 1024)

/* How a proto field of an ftrace event is filled. */
enum pf_how {
	PF_END = 0,
	PF_I32,		/* the rtrace field @src, as int32 */
	PF_I64,		/* ... as int64 */
	PF_U32,		/* ... as uint32 */
	PF_COMM,	/* the name of the task whose pid is field @src */
	PF_TGID,	/* the tgid of the task whose pid is field @src */
	PF_ONE,		/* the constant 1 (sched_wakeup's success) */
	PF_ARGS,	/* repeated: fields args0.., arg0.. in order */
};

#define PF_MAX_FIELDS	8

struct pf_map {
	const char *name;
	uint32_t field;		/* in FtraceEvent's oneof */
	const char *pid_from;	/* the field that names the running task, if any */
	struct {
		uint32_t num;
		enum pf_how how;
		const char *src;
	} f[PF_MAX_FIELDS];
};

#define WAKEUP_FIELDS { { 1, PF_COMM, "pid" }, { 2, PF_I32, "pid" }, { 3, PF_I32, "prio" }, \
			{ 4, PF_ONE, NULL }, { 5, PF_I32, "target_cpu" } }

static const struct pf_map pf_maps[] = {
	{ "sched_switch", 4, "prev_pid",
	  { { 1, PF_COMM, "prev_pid" }, { 2, PF_I32, "prev_pid" }, { 3, PF_I32, "prev_prio" },
	    { 4, PF_I64, "prev_state" }, { 5, PF_COMM, "next_pid" }, { 6, PF_I32, "next_pid" },
	    { 7, PF_I32, "next_prio" } } },
	{ "sched_wakeup", 17, NULL, WAKEUP_FIELDS },
	{ "sched_waking", 20, NULL, WAKEUP_FIELDS },
	{ "sched_wakeup_new", 114, NULL, WAKEUP_FIELDS },
	{ "sched_process_fork", 239, NULL,
	  { { 1, PF_COMM, "parent_pid" }, { 2, PF_I32, "parent_pid" }, { 3, PF_COMM, "child_pid" },
	    { 4, PF_I32, "child_pid" } } },
	{ "sched_process_exit", 238, NULL,
	  { { 1, PF_COMM, "pid" }, { 2, PF_I32, "pid" }, { 3, PF_TGID, "pid" },
	    { 4, PF_I32, "prio" } } },
	{ "irq_handler_entry", 36, NULL, { { 1, PF_I32, "irq" } } },
	{ "irq_handler_exit", 37, NULL, { { 1, PF_I32, "irq" }, { 2, PF_I32, "ret" } } },
	{ "softirq_entry", 24, NULL, { { 1, PF_U32, "vec" } } },
	{ "softirq_exit", 25, NULL, { { 1, PF_U32, "vec" } } },
	{ "softirq_raise", 26, NULL, { { 1, PF_U32, "vec" } } },
	{ "sys_enter", 329, NULL, { { 1, PF_I64, "id" }, { 2, PF_ARGS, NULL } } },
	{ "sys_exit", 330, NULL, { { 1, PF_I64, "id" }, { 2, PF_I64, "ret" } } },
};

#define PF_KIND_TRACK	0xff	/* not an ftrace event: a TrackEvent */

struct pf_cpu {
	struct pb bundle;	/* FtraceEventBundle being filled */
	unsigned int nr;	/* events in it */
	int lost;		/* losses since the last bundle */
	int have_cur;
	uint64_t cur;		/* pid running, from the last sched_switch */
	int track;		/* its TrackDescriptor was written */
};

struct pf_state {
	FILE *out;
	struct xtasks *tasks;
	struct pb pkt;
	uint32_t session;
	unsigned int nr_cpus;
	struct pf_cpu *cpus;
	uint8_t **kinds;	/* per session: event type -> pf_maps index or PF_KIND_TRACK */
	unsigned int nr_sessions;
	int seq_started;
	char *scratch;		/* text of a marker, hex of a raw payload */
	size_t scratch_cap;
};

static int pf_scratch(struct pf_state *st, size_t n)
{
	char *p;

	if (n <= st->scratch_cap)
		return 0;
	p = realloc(st->scratch, n);
	if (!p)
		return -ENOMEM;
	st->scratch = p;
	st->scratch_cap = n;
	return 0;
}

static int pf_write_packet(struct pf_state *st)
{
	struct pb hdr = { 0 };
	int ret;

	if (st->pkt.err) {
		ret = st->pkt.err;
		st->pkt.err = 0;
		st->pkt.len = 0;
		return ret;
	}
	pb_tag(&hdr, F_TRACE_PACKET, PB_LEN);
	pb_varint(&hdr, st->pkt.len);
	ret = hdr.err;
	if (!ret && (fwrite(hdr.b, 1, hdr.len, st->out) != hdr.len ||
		     fwrite(st->pkt.b, 1, st->pkt.len, st->out) != st->pkt.len))
		ret = -EIO;
	free(hdr.b);
	st->pkt.len = 0;
	return ret;
}

static int pf_flush_cpu(struct pf_state *st, unsigned int cpu)
{
	struct pf_cpu *c = &st->cpus[cpu];
	size_t at;

	if (!c->nr && !c->lost)
		return 0;
	at = pb_begin(&st->pkt, F_PKT_FTRACE_EVENTS);
	pb_u64(&st->pkt, F_BUNDLE_CPU, cpu);
	if (c->bundle.err)
		st->pkt.err = c->bundle.err;
	pb_put(&st->pkt, c->bundle.b, c->bundle.len);
	if (c->lost)
		pb_u64(&st->pkt, F_BUNDLE_LOST, 1);
	pb_end(&st->pkt, at);
	c->bundle.len = 0;
	c->bundle.err = 0;
	c->nr = 0;
	c->lost = 0;
	return pf_write_packet(st);
}

static int pf_flush_all(struct pf_state *st)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < st->nr_cpus && !ret; i++)
		ret = pf_flush_cpu(st, i);
	return ret;
}

static void pf_process_tree(struct pf_state *st, uint64_t ts)
{
	size_t i, n = xtasks__nr(st->tasks), at, p;
	char name[XTASK_NAME_BUF];

	if (!n)
		return;
	pb_u64(&st->pkt, F_PKT_TIMESTAMP, ts);
	at = pb_begin(&st->pkt, F_PKT_PROCESS_TREE);
	for (i = 0; i < n; i++) {
		const struct xtask *t = xtasks__at(st->tasks, i);
		const struct xtask *leader;

		if (!t->pid)
			continue;
		xtext(name, (const uint8_t *)t->comm, strlen(t->comm));
		if (t->pid == t->tgid) {
			p = pb_begin(&st->pkt, F_PT_PROCESS);
			pb_u64(&st->pkt, F_PROC_PID, t->tgid);
			pb_str(&st->pkt, F_PROC_CMDLINE, name);
			pb_end(&st->pkt, p);
		} else {
			leader = xtasks__find(st->tasks, t->session, t->tgid, ts);
			if (!leader) {	/* a process known by a thread only */
				p = pb_begin(&st->pkt, F_PT_PROCESS);
				pb_u64(&st->pkt, F_PROC_PID, t->tgid);
				pb_end(&st->pkt, p);
			}
		}
		p = pb_begin(&st->pkt, F_PT_THREAD);
		pb_u64(&st->pkt, F_THREAD_TID, t->pid);
		pb_str(&st->pkt, F_THREAD_NAME, name);
		pb_u64(&st->pkt, F_THREAD_TGID, t->tgid);
		pb_end(&st->pkt, p);
	}
	pb_end(&st->pkt, at);
}

static void pf_free(struct pf_state *st)
{
	unsigned int i;

	if (!st)
		return;
	for (i = 0; i < st->nr_cpus; i++)
		free(st->cpus[i].bundle.b);
	free(st->cpus);
	for (i = 0; i < st->nr_sessions; i++)
		free(st->kinds ? st->kinds[i] : NULL);
	free(st->kinds);
	free(st->pkt.b);
	free(st->scratch);
	xtasks__free(st->tasks);
	free(st);
}

static int pf_setup(struct pf_state *st, struct rtrace_decoder *dec)
{
	const struct rtrace_stream_hdr *h;
	struct rtrace_packet pkt;
	uint64_t first = UINT64_MAX;
	unsigned int s, i, k;
	size_t at, u, n;

	st->tasks = xtasks__scan(dec);
	if (!st->tasks)
		return -ENOMEM;
	st->nr_sessions = rtrace_decoder__nr_sessions(dec);
	st->kinds = calloc(st->nr_sessions ? st->nr_sessions : 1, sizeof(*st->kinds));
	if (!st->kinds)
		return -ENOMEM;
	for (s = 0; s < st->nr_sessions; s++) {
		h = rtrace_decoder__session(dec, s);
		if (h->nr_cpus > st->nr_cpus)
			st->nr_cpus = h->nr_cpus;
		st->kinds[s] = malloc(RTRACE_EV_MAX + 1);
		if (!st->kinds[s])
			return -ENOMEM;
		memset(st->kinds[s], PF_KIND_TRACK, RTRACE_EV_MAX + 1);
		for (i = 0; i < rtrace_decoder__nr_event_types(dec, s); i++) {
			const struct rtrace_event_type *d;

			d = rtrace_decoder__event_type_at(dec, s, i);
			for (k = 0; k < ARRAY_SIZE(pf_maps); k++)
				if (d->id <= RTRACE_EV_MAX && d->nr_fields <= RTRACE_REC_MAX_ARGS &&
				    !strcmp(d->name, pf_maps[k].name))
					st->kinds[s][d->id] = (uint8_t)k;
		}
	}
	st->cpus = calloc(st->nr_cpus ? st->nr_cpus : 1, sizeof(*st->cpus));
	if (!st->cpus)
		return -ENOMEM;

	n = rtrace_decoder__nr_packets(dec);
	for (u = 0; u < n; u++)
		if (!rtrace_decoder__packet(dec, u, &pkt) && pkt.ts_base_ns < first)
			first = pkt.ts_base_ns;
	if (first == UINT64_MAX)
		first = 0;
	/* What the machine was: rtrace runs on x86-64 (kmod/arch/x86.h). */
	h = rtrace_decoder__session(dec, 0);
	if (h) {
		at = pb_begin(&st->pkt, F_PKT_SYSTEM_INFO);
		u = pb_begin(&st->pkt, F_SI_UTSNAME);
		pb_str(&st->pkt, F_UTS_SYSNAME, "Linux");
		pb_str(&st->pkt, F_UTS_MACHINE, "x86_64");
		pb_end(&st->pkt, u);
		pb_u64(&st->pkt, F_SI_PAGE_SIZE, h->page_size);
		pb_u64(&st->pkt, F_SI_NUM_CPUS, h->nr_cpus);
		pb_end(&st->pkt, at);
		if (pf_write_packet(st))
			return -EIO;
	}
	pf_process_tree(st, first);
	return st->pkt.len ? pf_write_packet(st) : 0;
}

static int pf_begin(void **priv, struct rtrace_decoder *dec, const struct rtrace_export_opts *opts)
{
	struct pf_state *st = calloc(1, sizeof(*st));
	int ret;

	if (!st)
		return -ENOMEM;
	st->out = opts->out;
	ret = pf_setup(st, dec);
	if (ret) {
		pf_free(st);	/* end() is not called when begin() fails */
		return ret;
	}
	*priv = st;
	return 0;
}

static uint64_t pf_track_uuid(uint32_t session, unsigned int cpu)
{
	return PF_TRACK_UUID_BASE + ((uint64_t)session << 20) + cpu;
}

/* Start a TrackEvent packet on the CPU's track, describing the track first if new. */
static int pf_track_packet(struct pf_state *st, uint32_t session, unsigned int cpu, uint64_t ts)
{
	uint64_t uuid = pf_track_uuid(session, cpu);
	char name[64];
	size_t at;
	int ret;

	if (!st->cpus[cpu].track) {
		st->cpus[cpu].track = 1;
		pb_u64(&st->pkt, F_PKT_SEQ_ID, PF_SEQ_ID);
		if (!st->seq_started) {
			st->seq_started = 1;
			pb_u64(&st->pkt, F_PKT_SEQ_FLAGS, SEQ_INCREMENTAL_STATE_CLEARED);
		}
		at = pb_begin(&st->pkt, F_PKT_TRACK_DESCRIPTOR);
		pb_u64(&st->pkt, F_TD_UUID, uuid);
		if (session)
			snprintf(name, sizeof(name), "rtrace cpu %u (session %u)", cpu, session);
		else
			snprintf(name, sizeof(name), "rtrace cpu %u", cpu);
		pb_str(&st->pkt, F_TD_NAME, name);
		pb_end(&st->pkt, at);
		ret = pf_write_packet(st);
		if (ret)
			return ret;
	}
	pb_u64(&st->pkt, F_PKT_TIMESTAMP, ts);
	pb_u64(&st->pkt, F_PKT_SEQ_ID, PF_SEQ_ID);
	if (!st->seq_started) {
		st->seq_started = 1;
		pb_u64(&st->pkt, F_PKT_SEQ_FLAGS, SEQ_INCREMENTAL_STATE_CLEARED);
	}
	return 0;
}

static void pf_annotation_u64(struct pb *p, const char *name, uint64_t v)
{
	size_t at = pb_begin(p, F_TE_DEBUG);

	pb_str(p, F_DA_NAME, name);
	pb_u64(p, F_DA_UINT, v);
	pb_end(p, at);
}

static int pf_session(struct pf_state *st, uint32_t session)
{
	unsigned int i;
	int ret;

	if (session == st->session)
		return 0;
	ret = pf_flush_all(st);
	st->session = session;
	for (i = 0; i < st->nr_cpus; i++) {
		st->cpus[i].have_cur = 0;
		st->cpus[i].track = 0;
	}
	return ret;
}

static int pf_packet(void *priv, const struct rtrace_packet *pkt)
{
	struct pf_state *st = priv;
	uint64_t total = pkt->lost_other;
	size_t at;
	unsigned int i;
	char name[64];
	int ret;

	if (pkt->cpu >= st->nr_cpus)
		return 0;
	for (i = 0; i < RTRACE_NR_LOST; i++)
		total += pkt->lost[i];
	if (!total)
		return 0;
	ret = pf_session(st, pkt->session);
	if (ret)
		return ret;
	st->cpus[pkt->cpu].lost = 1;
	ret = pf_track_packet(st, pkt->session, pkt->cpu, pkt->ts_base_ns);
	if (ret)
		return ret;
	at = pb_begin(&st->pkt, F_PKT_TRACK_EVENT);
	pb_u64(&st->pkt, F_TE_TYPE, TE_TYPE_INSTANT);
	pb_u64(&st->pkt, F_TE_TRACK_UUID, pf_track_uuid(pkt->session, pkt->cpu));
	snprintf(name, sizeof(name), "rtrace: %llu events lost", (unsigned long long)total);
	pb_str(&st->pkt, F_TE_NAME, name);
	for (i = 0; i < RTRACE_NR_LOST; i++)
		if (pkt->lost[i])
			pf_annotation_u64(&st->pkt, rtrace_lost__name(i), pkt->lost[i]);
	if (pkt->lost_other)
		pf_annotation_u64(&st->pkt, "other", pkt->lost_other);
	pf_annotation_u64(&st->pkt, "lane", pkt->lane);
	pb_end(&st->pkt, at);
	return pf_write_packet(st);
}

static void pf_ftrace_field(const struct pf_state *st, struct pb *b, const struct rtrace_event *ev,
			    const struct pf_map *m, unsigned int k)
{
	const struct rtrace_event_type *d = ev->desc;
	int src = m->f[k].src ? xdesc__field(d, m->f[k].src) : -1;
	char buf[XTASK_NAME_BUF], name[16];
	const struct xtask *t;
	int64_t v = xev__arg(ev, src);
	int i, j;

	if (m->f[k].src && src < 0)
		return;	/* the stream's event has no such field */
	switch (m->f[k].how) {
	case PF_I32:
		pb_u64(b, m->f[k].num, (uint64_t)(int64_t)(int32_t)v);
		break;
	case PF_I64:
		pb_u64(b, m->f[k].num, (uint64_t)v);
		break;
	case PF_U32:
		pb_u64(b, m->f[k].num, (uint32_t)v);
		break;
	case PF_COMM:
		pb_str(b, m->f[k].num, xtasks__name(st->tasks, ev, (uint64_t)v, buf));
		break;
	case PF_TGID:
		t = xtasks__find(st->tasks, ev->session, (uint64_t)v, ev->ts_ns);
		if (t)
			pb_u64(b, m->f[k].num, (uint64_t)(int64_t)(int32_t)t->tgid);
		break;
	case PF_ONE:
		pb_u64(b, m->f[k].num, 1);
		break;
	case PF_ARGS:
		for (i = 0; i < 6; i++) {
			snprintf(name, sizeof(name), "args%d", i);
			j = xdesc__field(d, name);
			if (j < 0) {
				snprintf(name, sizeof(name), "arg%d", i);
				j = xdesc__field(d, name);
			}
			if (j < 0)
				break;
			pb_u64(b, m->f[k].num, (uint64_t)xev__arg(ev, j));
		}
		break;
	case PF_END:
		break;
	}
}

static int pf_ftrace_event(struct pf_state *st, const struct rtrace_event *ev,
			   const struct pf_map *m)
{
	struct pf_cpu *c = &st->cpus[ev->cpu];
	struct pb *b = &c->bundle;
	int pid_src = m->pid_from ? xdesc__field(ev->desc, m->pid_from) : -1;
	size_t at, inner;
	unsigned int k;

	at = pb_begin(b, F_BUNDLE_EVENT);
	pb_u64(b, F_FTRACE_TIMESTAMP, ev->ts_ns);
	if (pid_src >= 0)
		pb_u64(b, F_FTRACE_PID, (uint64_t)xev__arg(ev, pid_src));
	else if (c->have_cur)
		pb_u64(b, F_FTRACE_PID, c->cur);
	inner = pb_begin(b, m->field);
	for (k = 0; k < PF_MAX_FIELDS && m->f[k].how != PF_END; k++)
		pf_ftrace_field(st, b, ev, m, k);
	pb_end(b, inner);
	pb_end(b, at);
	c->nr++;
	if (!strcmp(m->name, "sched_switch")) {
		int next = xdesc__field(ev->desc, "next_pid");

		c->have_cur = next >= 0;
		c->cur = (uint64_t)xev__arg(ev, next);
	}
	return b->len >= PF_BUNDLE_MAX ? pf_flush_cpu(st, ev->cpu) : b->err;
}

static int pf_track_event(struct pf_state *st, const struct rtrace_event *ev)
{
	const struct rtrace_event_type *d = ev->desc;
	struct pf_cpu *c = &st->cpus[ev->cpu];
	char name[RTRACE_EVENT_NAME_LEN + 16];
	size_t at, a, n;
	unsigned int i;
	int ret;

	ret = pf_track_packet(st, ev->session, ev->cpu, ev->ts_ns);
	if (ret)
		return ret;
	at = pb_begin(&st->pkt, F_PKT_TRACK_EVENT);
	pb_u64(&st->pkt, F_TE_TYPE, TE_TYPE_INSTANT);
	pb_u64(&st->pkt, F_TE_TRACK_UUID, pf_track_uuid(ev->session, ev->cpu));
	if (xev_is(d, XEV_MARKER, "marker") && ev->nr_args == RTRACE_REC_RAW) {
		if (pf_scratch(st, 4 * (size_t)ev->raw_len + 1))
			return -ENOMEM;
		n = xtext(st->scratch, ev->raw, ev->raw_len);
		pb_bytes(&st->pkt, F_TE_NAME, st->scratch, n);
	} else {
		if (d)
			snprintf(name, sizeof(name), "%s", d->name);
		else
			snprintf(name, sizeof(name), "event%u", ev->type);
		pb_str(&st->pkt, F_TE_NAME, name);
	}
	if (ev->nr_args == RTRACE_REC_RAW) {
		pf_annotation_u64(&st->pkt, "len", ev->raw_len);
		if (pf_scratch(st, 2 * (size_t)ev->raw_len + 1))
			return -ENOMEM;
		for (n = 0; n < ev->raw_len; n++)
			snprintf(st->scratch + 2 * n, 3, "%02x", ev->raw[n]);
		a = pb_begin(&st->pkt, F_TE_DEBUG);
		pb_str(&st->pkt, F_DA_NAME, "data");
		pb_bytes(&st->pkt, F_DA_STRING, st->scratch, 2 * (size_t)ev->raw_len);
		pb_end(&st->pkt, a);
	}
	for (i = 0; i < ev->nr_args && i < RTRACE_REC_MAX_ARGS; i++) {
		int named = d && d->nr_fields == ev->nr_args;

		a = pb_begin(&st->pkt, F_TE_DEBUG);
		if (named) {
			pb_str(&st->pkt, F_DA_NAME, d->fields[i].name);
		} else {
			snprintf(name, sizeof(name), "arg%u", i);
			pb_str(&st->pkt, F_DA_NAME, name);
		}
		if (named && d->fields[i].type == RTRACE_FIELD_S64)
			pb_u64(&st->pkt, F_DA_INT, (uint64_t)rtrace_event__arg_s64(ev, i));
		else
			pb_u64(&st->pkt, F_DA_UINT, ev->args[i]);
		pb_end(&st->pkt, a);
	}
	if (c->have_cur)
		pf_annotation_u64(&st->pkt, "tid", c->cur);
	a = pb_begin(&st->pkt, F_TE_DEBUG);
	pb_str(&st->pkt, F_DA_NAME, "lane");
	pb_str(&st->pkt, F_DA_STRING, rtrace_lane__name(ev->lane));
	pb_end(&st->pkt, a);
	pb_end(&st->pkt, at);
	return pf_write_packet(st);
}

static int pf_event(void *priv, const struct rtrace_event *ev)
{
	struct pf_state *st = priv;
	uint8_t kind;
	int ret;

	if (ev->cpu >= st->nr_cpus || ev->session >= st->nr_sessions || ev->type > RTRACE_EV_MAX)
		return 0;
	ret = pf_session(st, ev->session);
	if (ret)
		return ret;
	kind = st->kinds[ev->session][ev->type];
	if (kind != PF_KIND_TRACK && ev->desc && ev->nr_args == ev->desc->nr_fields)
		return pf_ftrace_event(st, ev, &pf_maps[kind]);
	if (xev_is(ev->desc, XEV_TASK_NAME, "task_name"))
		return 0;	/* in the process tree and the comm fields */
	return pf_track_event(st, ev);
}

static int pf_end(void *priv, struct rtrace_decoder *dec)
{
	struct pf_state *st = priv;
	int ret;

	(void)dec;
	if (!st)
		return 0;
	ret = pf_flush_all(st);
	if (fflush(st->out) && !ret)
		ret = -errno;
	pf_free(st);
	return ret;
}

const struct rtrace_exporter rtrace_export_perfetto = {
	.name = "perfetto",
	.summary = "Perfetto protobuf trace (ui.perfetto.dev): convert --to perfetto -o F.pftrace",
	.begin = pf_begin,
	.packet = pf_packet,
	.event = pf_event,
	.end = pf_end,
	.flags = RTRACE_EXPORT_BINARY,
};
