// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * librtrace: the "ctf" exporter, a CTF 1.8 trace directory (babeltrace2,
 * Trace Compass) written into rtrace_export_opts.path:
 *
 *   metadata              TSDL: types, clock, environment, one stream class
 *                         per session of the input and one event class per
 *                         event type of that session's event table
 *   cpu<C>_<lane>         one packet stream per (CPU, lane) of session 0
 *   s<S>_cpu<C>_<lane>    ... of session S > 0 (concatenated captures)
 *
 * Each sub-buffer of the input becomes one CTF packet: packet header
 * (magic, uuid, stream_id = session, stream_instance_id), packet context
 * (timestamp_begin/end, content_size, packet_size, packet_seq_num counting
 * the stream's packets, events_discarded = every loss of the lane so far,
 * all causes, cumulative as CTF wants it, cpu_id, lane, seq = the
 * sub-buffer's seq), then its events:
 * header (uint16 id = the event type, uint64 timestamp in CLOCK_MONOTONIC
 * ns, exactly rtrace decode's) and payload (every field as a 64-bit
 * integer, signed for S64, base 16 for HEX; raw payloads as a length and a
 * byte sequence, a marker's as a string).
 *
 * Names follow LTTng's kernel tracer where the event exists there, so that
 * Trace Compass's kernel analyses apply (Documentation/export.md has the
 * table): softirq_* become irq_softirq_*, sys_enter/sys_exit LTTng's
 * generic syscall_entry_unknown/syscall_exit_unknown, and in sched_*
 * events every pid field X_pid becomes X_tid preceded by a string X_comm
 * holding the task's name from the task_name records (export_tasks.c).
 * Every field is written with a leading underscore, which CTF readers strip,
 * so that no field name can clash with a TSDL keyword.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "internal.h"

#define CTF_MAGIC		0xC1FC1FC1u
#define CTF_PKT_HDR_SIZE	32	/* magic, uuid[16], stream_id, stream_instance_id */
#define CTF_PKT_CTX_SIZE	64	/* 6 x u64, cpu_id, lane, seq */
#define CTF_MAX_FIELDS		(2 * RTRACE_REC_MAX_ARGS + 1)
#define CTF_NAME_LEN		48

/* How a CTF field gets its value. */
enum ctf_src {
	CTF_ARG,	/* argument @arg */
	CTF_COMM,	/* the name of the task whose pid is argument @arg */
	CTF_RAW_LEN,	/* raw payload: its length */
	CTF_RAW_DATA,	/* raw payload: its bytes */
	CTF_RAW_STR,	/* raw payload as a string (markers) */
	CTF_TN_PID,	/* task_name: pid */
	CTF_TN_TGID,	/* task_name: tgid */
	CTF_TN_COMM,	/* task_name: comm */
};

struct ctf_field {
	char name[CTF_NAME_LEN];
	enum ctf_src src;
	int arg;
	uint8_t type;	/* RTRACE_FIELD_* for CTF_ARG */
};

struct ctf_class {
	uint32_t id;
	char name[CTF_NAME_LEN];
	unsigned int nr;
	struct ctf_field f[CTF_MAX_FIELDS];
};

struct ctf_stream {
	uint32_t session, cpu, lane;
	FILE *f;
	uint8_t *ev;		/* events of the open packet */
	size_t len, cap;
	int open;		/* a packet is open */
	struct rtrace_packet pkt;
	uint64_t first_ts, last_ts;
	uint32_t nr_events;
	uint64_t discarded;	/* cumulative, this packet included */
	uint64_t prev_end;
	uint64_t packets;	/* packets of the input seen */
	uint64_t seq_num;	/* packets written */
};

struct ctf_state {
	const char *dir;
	struct xtasks *tasks;
	uint8_t uuid[16];
	unsigned int nr_sessions;
	struct ctf_class **classes;	/* per session, sorted by id */
	unsigned int *nr_classes;
	struct ctf_stream *streams;	/* sorted by (session, cpu, lane) */
	unsigned int nr_streams;
};

/* LTTng's names for the events it has under another name. */
static const struct {
	const char *rtrace, *lttng;
} ctf_renames[] = {
	{ "softirq_entry", "irq_softirq_entry" },
	{ "softirq_exit", "irq_softirq_exit" },
	{ "softirq_raise", "irq_softirq_raise" },
	{ "sys_enter", "syscall_entry_unknown" },
	{ "sys_exit", "syscall_exit_unknown" },
	{ "local_timer_entry", "x86_irq_vectors_local_timer_entry" },
	{ "local_timer_exit", "x86_irq_vectors_local_timer_exit" },
	{ "page_fault_user", "x86_exceptions_page_fault_user" },
	{ "page_fault_kernel", "x86_exceptions_page_fault_kernel" },
};

static void ctf_ident(char *dst, const char *src)
{
	size_t i, n = 0;

	dst[n++] = '_';
	for (i = 0; src[i] && n < CTF_NAME_LEN - 4; i++) {
		char c = src[i];

		dst[n++] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9')) ? c : '_';
	}
	dst[n] = 0;
}

static void ctf_add(struct ctf_class *c, const char *name, enum ctf_src src, int arg, uint8_t type)
{
	struct ctf_field *f = &c->f[c->nr];
	unsigned int i, dup = 0;

	ctf_ident(f->name, name);
	for (i = 0; i < c->nr; i++)
		if (!strcmp(c->f[i].name, f->name))
			dup++;
	if (dup)	/* names clash once made identifiers: keep them apart */
		snprintf(f->name + strlen(f->name), 4, "_%u", dup % 100);
	f->src = src;
	f->arg = arg;
	f->type = type;
	c->nr++;
}

/* The CTF event class of an event type: LTTng's names where it has the event. */
static void ctf_class_init(struct ctf_class *c, const struct rtrace_event_type *d)
{
	int sched = !strncmp(d->name, "sched_", 6);
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->id = d->id;
	snprintf(c->name, sizeof(c->name), "%s", d->name);
	for (i = 0; i < ARRAY_SIZE(ctf_renames); i++)
		if (!strcmp(d->name, ctf_renames[i].rtrace))
			snprintf(c->name, sizeof(c->name), "%s", ctf_renames[i].lttng);
	if (d->nr_fields == RTRACE_REC_RAW) {
		if (xev_is(d, XEV_MARKER, "marker")) {
			ctf_add(c, "msg", CTF_RAW_STR, 0, 0);
		} else if (xev_is(d, XEV_TASK_NAME, "task_name")) {
			ctf_add(c, "pid", CTF_TN_PID, 0, 0);
			ctf_add(c, "tgid", CTF_TN_TGID, 0, 0);
			ctf_add(c, "comm", CTF_TN_COMM, 0, 0);
		} else {
			ctf_add(c, "len", CTF_RAW_LEN, 0, 0);
			ctf_add(c, "data", CTF_RAW_DATA, 0, 0);
		}
		return;
	}
	for (i = 0; i < d->nr_fields && i < RTRACE_REC_MAX_ARGS; i++) {
		const char *n = d->fields[i].name;
		size_t len = strlen(n);
		char buf[CTF_NAME_LEN];

		if (sched && (!strcmp(n, "pid") || (len > 4 && !strcmp(n + len - 4, "_pid")))) {
			snprintf(buf, sizeof(buf), "%.*scomm", (int)(len - 3), n);
			ctf_add(c, buf, CTF_COMM, (int)i, 0);
			snprintf(buf, sizeof(buf), "%.*stid", (int)(len - 3), n);
			ctf_add(c, buf, CTF_ARG, (int)i, d->fields[i].type);
			continue;
		}
		ctf_add(c, n, CTF_ARG, (int)i, d->fields[i].type);
	}
}

/* A uuid as TSDL writes it, each byte XORed with @x. */
static void tsdl_uuid(FILE *m, const uint8_t *uuid, uint8_t x)
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		fprintf(m, "%02x%s", uuid[i] ^ x, (i == 3 || i == 5 || i == 7 || i == 9) ? "-" : "");
}

static void tsdl_string(FILE *m, const char *s)
{
	fputc('"', m);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', m);
		if ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f)
			fputc(*s, m);
		else
			fputc('_', m);
	}
	fputc('"', m);
}

static const char *ctf_clock_name(uint32_t clock)
{
	if (clock == RTRACE_CLOCK_TSC)
		return "tsc";
	return clock == RTRACE_CLOCK_LOCAL ? "local" : "unknown";
}

static int ctf_write_metadata(struct ctf_state *st, struct rtrace_decoder *dec)
{
	const struct rtrace_stream_hdr *h0 = rtrace_decoder__session(dec, 0);
	char path[4096];
	unsigned int s, i, k;
	FILE *m;
	int ret;

	snprintf(path, sizeof(path), "%s/metadata", st->dir);
	m = fopen(path, "w");
	if (!m)
		return -errno;
	fprintf(m, "/* CTF 1.8 */\n\n"
		"typealias integer { size = 8; align = 8; signed = false; } := uint8_t;\n"
		"typealias integer { size = 16; align = 8; signed = false; } := uint16_t;\n"
		"typealias integer { size = 32; align = 8; signed = false; } := uint32_t;\n"
		"typealias integer { size = 64; align = 8; signed = false; } := uint64_t;\n"
		"typealias integer { size = 64; align = 8; signed = true; } := int64_t;\n"
		"typealias integer { size = 64; align = 8; signed = false; base = 16; } := x64_t;\n\n"
		"trace {\n\tmajor = 1;\n\tminor = 8;\n\tuuid = \"");
	tsdl_uuid(m, st->uuid, 0);
	fprintf(m, "\";\n\tbyte_order = le;\n"
		"\tpacket.header := struct {\n\t\tuint32_t magic;\n\t\tuint8_t uuid[16];\n"
		"\t\tuint32_t stream_id;\n\t\tuint64_t stream_instance_id;\n\t};\n};\n\n");
	/*
	 * LTTng's kernel traces say domain "kernel" and tracer "lttng-modules"
	 * 2.x: Trace Compass picks its kernel analyses and event layout by them.
	 */
	fprintf(m, "env {\n\tdomain = \"kernel\";\n\ttracer_name = \"lttng-modules\";\n"
		"\ttracer_major = 2;\n\ttracer_minor = 13;\n\ttracer_patchlevel = 0;\n"
		"\tsysname = \"Linux\";\n\thostname = \"rtrace\";\n\ttrace_name = \"rtrace\";\n"
		"\tproducer = \"rtrace convert\";\n");
	if (h0)
		fprintf(m, "\trtrace_abi_major = %u;\n\trtrace_abi_minor = %u;\n"
			"\trtrace_session_id = %llu;\n\trtrace_clock = \"%s\";\n"
			"\trtrace_nr_cpus = %u;\n\trtrace_overwrite = %u;\n",
			h0->version_major, h0->version_minor,
			(unsigned long long)h0->session_id, ctf_clock_name(h0->clock), h0->nr_cpus,
			!!(h0->config_flags & RTRACE_CONFIG_OVERWRITE));
	fprintf(m, "\trtrace_sessions = %u;\n};\n\n", st->nr_sessions);
	/*
	 * Timestamps are what rtrace decode prints: CLOCK_MONOTONIC ns, the
	 * stream's clock converted with its clock_zero pair.  The stream has
	 * no wall-clock reference, so the offset is 0 (seconds since boot).
	 */
	fprintf(m, "clock {\n\tname = \"monotonic\";\n\tuuid = \"");
	tsdl_uuid(m, st->uuid, 0x5a);
	fprintf(m, "\";\n\tdescription = \"CLOCK_MONOTONIC (rtrace stream clock converted)\";\n"
		"\tfreq = 1000000000;\n\tprecision = 1;\n\toffset_s = 0;\n\toffset = 0;\n"
		"\tabsolute = false;\n};\n\n"
		"typealias integer { size = 64; align = 8; signed = false; "
		"map = clock.monotonic.value; } := uint64_clock_monotonic_t;\n\n");
	for (s = 0; s < st->nr_sessions; s++) {
		fprintf(m, "stream {\n\tid = %u;\n"
			"\tevent.header := struct {\n\t\tuint16_t id;\n"
			"\t\tuint64_clock_monotonic_t timestamp;\n\t};\n"
			"\tpacket.context := struct {\n"
			"\t\tuint64_clock_monotonic_t timestamp_begin;\n"
			"\t\tuint64_clock_monotonic_t timestamp_end;\n"
			"\t\tuint64_t content_size;\n\t\tuint64_t packet_size;\n"
			"\t\tuint64_t packet_seq_num;\n\t\tuint64_t events_discarded;\n"
			"\t\tuint32_t cpu_id;\n\t\tuint32_t lane;\n\t\tuint64_t seq;\n"
			"\t};\n};\n\n", s);
		for (i = 0; i < st->nr_classes[s]; i++) {
			const struct ctf_class *c = &st->classes[s][i];

			fprintf(m, "event {\n\tname = ");
			tsdl_string(m, c->name);
			fprintf(m, ";\n\tid = %u;\n\tstream_id = %u;\n\tfields := struct {\n",
				c->id, s);
			for (k = 0; k < c->nr; k++) {
				const struct ctf_field *f = &c->f[k];

				switch (f->src) {
				case CTF_ARG:
					fprintf(m, "\t\t%s %s;\n",
						f->type == RTRACE_FIELD_S64 ? "int64_t" :
						f->type == RTRACE_FIELD_HEX ? "x64_t" : "uint64_t",
						f->name);
					break;
				case CTF_COMM:
				case CTF_RAW_STR:
				case CTF_TN_COMM:
					fprintf(m, "\t\tstring %s;\n", f->name);
					break;
				case CTF_RAW_LEN:
				case CTF_TN_PID:
				case CTF_TN_TGID:
					fprintf(m, "\t\tuint32_t %s;\n", f->name);
					break;
				case CTF_RAW_DATA:
					fprintf(m, "\t\tuint8_t %s[%s];\n", f->name,
						c->f[k - 1].name);
					break;
				}
			}
			fprintf(m, "\t};\n};\n\n");
		}
	}
	ret = ferror(m) ? -EIO : 0;
	if (fclose(m) && !ret)
		ret = -errno;
	return ret;
}

static int ctf_stream_cmp(const struct ctf_stream *a, uint32_t session, uint32_t cpu, uint32_t lane)
{
	if (a->session != session)
		return a->session < session ? -1 : 1;
	if (a->cpu != cpu)
		return a->cpu < cpu ? -1 : 1;
	if (a->lane != lane)
		return a->lane < lane ? -1 : 1;
	return 0;
}

static struct ctf_stream *ctf_stream_find(struct ctf_state *st, uint32_t session, uint32_t cpu,
					  uint32_t lane)
{
	unsigned int lo = 0, hi = st->nr_streams;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		int c = ctf_stream_cmp(&st->streams[mid], session, cpu, lane);

		if (!c)
			return &st->streams[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct ctf_class *ctf_class_find(const struct ctf_state *st, uint32_t session,
					      uint32_t id)
{
	unsigned int lo = 0, hi;

	if (session >= st->nr_sessions)
		return NULL;
	hi = st->nr_classes[session];
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct ctf_class *c = &st->classes[session][mid];

		if (c->id == id)
			return c;
		if (c->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Make room for @n more bytes of events. */
static int ctf_reserve(struct ctf_stream *cs, size_t n)
{
	if (cs->len + n > cs->cap) {
		size_t cap = cs->cap ? cs->cap : 16384;
		uint8_t *b;

		while (cap < cs->len + n)
			cap *= 2;
		b = realloc(cs->ev, cap);
		if (!b)
			return -ENOMEM;
		cs->ev = b;
		cs->cap = cap;
	}
	return 0;
}

static int ctf_put(struct ctf_stream *cs, const void *p, size_t n)
{
	if (!n)
		return 0;
	if (ctf_reserve(cs, n))
		return -ENOMEM;
	memcpy(cs->ev + cs->len, p, n);
	cs->len += n;
	return 0;
}

static int ctf_put_le(struct ctf_stream *cs, uint64_t v, unsigned int bytes)
{
	uint8_t b[8];
	unsigned int i;

	for (i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return ctf_put(cs, b, bytes);
}

static void le_store(uint8_t *p, uint64_t v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Write the open packet of @cs: header, context, its events. */
static int ctf_flush(struct ctf_state *st, struct ctf_stream *cs)
{
	uint8_t h[CTF_PKT_HDR_SIZE + CTF_PKT_CTX_SIZE];
	uint64_t begin, end, bits;

	if (!cs->open)
		return 0;
	cs->open = 0;
	begin = cs->pkt.ts_base_ns;
	if (begin < cs->prev_end)
		begin = cs->prev_end;
	if (cs->nr_events && cs->first_ts < begin)
		begin = cs->first_ts;
	end = cs->nr_events && cs->last_ts > begin ? cs->last_ts : begin;
	cs->prev_end = end;
	bits = 8 * (uint64_t)(sizeof(h) + cs->len);
	le_store(h, CTF_MAGIC, 4);
	memcpy(h + 4, st->uuid, 16);
	le_store(h + 20, cs->session, 4);
	le_store(h + 24, (uint64_t)cs->cpu * RTRACE_NR_LANES + cs->lane, 8);
	le_store(h + 32, begin, 8);
	le_store(h + 40, end, 8);
	le_store(h + 48, bits, 8);	/* content_size */
	le_store(h + 56, bits, 8);	/* packet_size */
	le_store(h + 64, cs->seq_num++, 8);
	le_store(h + 72, cs->discarded, 8);
	le_store(h + 80, cs->cpu, 4);
	le_store(h + 84, cs->lane, 4);
	le_store(h + 88, cs->pkt.seq, 8);
	if (fwrite(h, 1, sizeof(h), cs->f) != sizeof(h) ||
	    (cs->len && fwrite(cs->ev, 1, cs->len, cs->f) != cs->len))
		return -EIO;
	cs->len = 0;
	return 0;
}

static void ctf_free(struct ctf_state *st)
{
	unsigned int i;

	if (!st)
		return;
	for (i = 0; i < st->nr_streams; i++) {
		if (st->streams[i].f)
			fclose(st->streams[i].f);
		free(st->streams[i].ev);
	}
	free(st->streams);
	for (i = 0; i < st->nr_sessions; i++)
		free(st->classes ? st->classes[i] : NULL);
	free(st->classes);
	free(st->nr_classes);
	xtasks__free(st->tasks);
	free(st);
}

static int ctf_setup(struct ctf_state *st, struct rtrace_decoder *dec)
{
	const struct rtrace_stream_hdr *h0;
	unsigned int s, i;
	char path[4096];

	st->tasks = xtasks__scan(dec);
	if (!st->tasks)
		return -ENOMEM;
	/* A uuid of this capture: same input, same trace. */
	h0 = rtrace_decoder__session(dec, 0);
	for (i = 0; i < 16; i++)
		st->uuid[i] = (uint8_t)((h0 ? h0->session_id >> (8 * (i % 8)) : 0) ^ (0x52 + 17 * i));
	st->uuid[6] = (st->uuid[6] & 0x0f) | 0x40;
	st->uuid[8] = (st->uuid[8] & 0x3f) | 0x80;

	st->nr_sessions = rtrace_decoder__nr_sessions(dec);
	st->classes = calloc(st->nr_sessions ? st->nr_sessions : 1, sizeof(*st->classes));
	st->nr_classes = calloc(st->nr_sessions ? st->nr_sessions : 1, sizeof(*st->nr_classes));
	if (!st->classes || !st->nr_classes)
		return -ENOMEM;
	for (s = 0; s < st->nr_sessions; s++) {
		unsigned int n = rtrace_decoder__nr_event_types(dec, s);

		st->classes[s] = calloc(n ? n : 1, sizeof(**st->classes));
		if (!st->classes[s])
			return -ENOMEM;
		for (i = 0; i < n; i++)
			ctf_class_init(&st->classes[s][i], rtrace_decoder__event_type_at(dec, s, i));
		st->nr_classes[s] = n;
	}

	st->nr_streams = rtrace_decoder__nr_lanes(dec);
	st->streams = calloc(st->nr_streams ? st->nr_streams : 1, sizeof(*st->streams));
	if (!st->streams)
		return -ENOMEM;
	for (i = 0; i < st->nr_streams; i++) {
		const struct rtrace_lane_info *li = rtrace_decoder__lane(dec, i);
		struct ctf_stream *cs = &st->streams[i];

		cs->session = li->session;
		cs->cpu = li->cpu;
		cs->lane = li->lane;
		if (li->session)
			snprintf(path, sizeof(path), "%s/s%u_cpu%u_%s", st->dir, li->session, li->cpu,
				 rtrace_lane__name(li->lane));
		else
			snprintf(path, sizeof(path), "%s/cpu%u_%s", st->dir, li->cpu,
				 rtrace_lane__name(li->lane));
		cs->f = fopen(path, "w");
		if (!cs->f)
			return -errno;
	}
	return ctf_write_metadata(st, dec);
}

static int ctf_begin(void **priv, struct rtrace_decoder *dec, const struct rtrace_export_opts *opts)
{
	struct ctf_state *st;
	int ret;

	if (!opts->path)
		return -EINVAL;
	if (mkdir(opts->path, 0777) && errno != EEXIST)
		return -errno;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->dir = opts->path;
	ret = ctf_setup(st, dec);
	if (ret) {
		ctf_free(st);	/* end() is not called when begin() fails */
		return ret;
	}
	*priv = st;
	return 0;
}

static int ctf_packet(void *priv, const struct rtrace_packet *pkt)
{
	struct ctf_state *st = priv;
	struct ctf_stream *cs = ctf_stream_find(st, pkt->session, pkt->cpu, pkt->lane);
	unsigned int i;
	int ret;

	if (!cs)
		return 0;
	ret = ctf_flush(st, cs);
	if (ret)
		return ret;
	cs->open = 1;
	cs->pkt = *pkt;
	cs->nr_events = 0;
	for (i = 0; i < RTRACE_NR_LOST; i++)
		cs->discarded += pkt->lost[i];
	cs->discarded += pkt->lost_other;
	if (!cs->packets++ && cs->discarded) {
		/*
		 * Readers report discarded events as the difference between
		 * two packets' counters: losses before a stream's first
		 * packet need an empty packet with a count of 0 before it.
		 */
		uint64_t d = cs->discarded;

		cs->discarded = 0;
		ret = ctf_flush(st, cs);
		cs->discarded = d;
		cs->open = 1;
	}
	return ret;
}

static int ctf_event(void *priv, const struct rtrace_event *ev)
{
	struct ctf_state *st = priv;
	struct ctf_stream *cs = ctf_stream_find(st, ev->session, ev->cpu, ev->lane);
	const struct ctf_class *c = ctf_class_find(st, ev->session, ev->type);
	char comm[XTASK_NAME_BUF];
	struct xtask tn = { 0 };
	unsigned int k;
	int ret = 0;

	if (!cs || !c || !cs->open)
		return 0;	/* the decoder reports such a stream as corrupt */
	if (c->nr && c->f[0].src == CTF_TN_PID && !xtask__parse(ev, &tn))
		tn.comm[0] = 0;	/* a malformed task_name: zeroes and an empty name */
	if (!cs->nr_events)
		cs->first_ts = ev->ts_ns;
	cs->last_ts = ev->ts_ns;
	cs->nr_events++;
	ret |= ctf_put_le(cs, ev->type, 2);
	ret |= ctf_put_le(cs, ev->ts_ns, 8);
	for (k = 0; k < c->nr && !ret; k++) {
		const struct ctf_field *f = &c->f[k];

		switch (f->src) {
		case CTF_ARG:
			ret = ctf_put_le(cs, (uint64_t)xev__arg(ev, f->arg), 8);
			break;
		case CTF_COMM:
			xtasks__name(st->tasks, ev, ev->args[f->arg], comm);
			ret = ctf_put(cs, comm, strlen(comm) + 1);
			break;
		case CTF_RAW_LEN:
			ret = ctf_put_le(cs, ev->raw_len, 4);
			break;
		case CTF_RAW_DATA:
			ret = ctf_put(cs, ev->raw, ev->raw_len);
			break;
		case CTF_TN_PID:
			ret = ctf_put_le(cs, tn.pid, 4);
			break;
		case CTF_TN_TGID:
			ret = ctf_put_le(cs, tn.tgid, 4);
			break;
		case CTF_TN_COMM:
			xtext(comm, (const uint8_t *)tn.comm, strlen(tn.comm));
			ret = ctf_put(cs, comm, strlen(comm) + 1);
			break;
		case CTF_RAW_STR:
			ret = ctf_reserve(cs, 4 * (size_t)ev->raw_len + 1);
			if (!ret)
				cs->len += xtext((char *)cs->ev + cs->len, ev->raw, ev->raw_len) + 1;
			break;
		}
	}
	return ret;
}

static int ctf_end(void *priv, struct rtrace_decoder *dec)
{
	struct ctf_state *st = priv;
	unsigned int i;
	int ret = 0, r;

	(void)dec;
	if (!st)
		return 0;
	for (i = 0; i < st->nr_streams; i++) {
		struct ctf_stream *cs = &st->streams[i];

		if (!cs->f)
			continue;
		r = ctf_flush(st, cs);
		if (!ret)
			ret = r;
		r = fclose(cs->f) ? -errno : 0;
		cs->f = NULL;
		if (!ret)
			ret = r;
	}
	ctf_free(st);
	return ret;
}

const struct rtrace_exporter rtrace_export_ctf = {
	.name = "ctf",
	.summary = "CTF 1.8 trace directory (babeltrace2, Trace Compass): rtrace convert --to ctf -o DIR",
	.begin = ctf_begin,
	.packet = ctf_packet,
	.event = ctf_event,
	.end = ctf_end,
	.flags = RTRACE_EXPORT_DIR,
};
