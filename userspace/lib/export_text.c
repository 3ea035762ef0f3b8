// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * librtrace: the "text" exporter, one line per event:
 *
 *   ts cpu lane name field=value ...
 *
 * ts is CLOCK_MONOTONIC ns (clock units with raw_ts); fields are named and
 * formatted by the event's description (S64 signed, HEX in hex); a raw
 * event prints len= and its bytes in hex, except rtrace's own raw types:
 * a user marker prints len= and text="..." (C-style escapes: \" \\ \n \t,
 * \xNN for any other byte outside printable ASCII), a task name prints
 * pid=, tgid= and comm="..." (escaped the same way).  A field named pid or
 * ending in _pid shows the task's name, pid=123(cat): its last task_name
 * record before the event, else its first one after (a pre-scan of the
 * whole input, as the CTF and Perfetto exporters do, so that events on one
 * CPU from before the start-of-session snapshot written on another are
 * named too), else what rtrace_decoder__comm() knows ("<idle>" for pid 0).
 * Sub-buffers print nothing.
 */
#include <stdlib.h>

#include "internal.h"

struct text_state {
	FILE *out;
	int raw_ts;
	const struct rtrace_decoder *dec;
	struct xtasks *tasks;	/* NULL without memory: names as the decoder knows them */
};

static int text_begin(void **priv, struct rtrace_decoder *dec,
		      const struct rtrace_export_opts *opts)
{
	struct text_state *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->dec = dec;
	t->tasks = xtasks__scan(dec);
	t->out = opts->out;
	t->raw_ts = opts->raw_ts;
	*priv = t;
	return 0;
}

/* @len bytes, C-style escapes for quotes, backslashes and non-printables. */
static void put_escaped_bare(FILE *f, const uint8_t *p, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len; i++) {
		if (p[i] == '"' || p[i] == '\\')
			fprintf(f, "\\%c", p[i]);
		else if (p[i] == '\n')
			fputs("\\n", f);
		else if (p[i] == '\t')
			fputs("\\t", f);
		else if (p[i] < 0x20 || p[i] > 0x7e)
			fprintf(f, "\\x%02x", p[i]);
		else
			fputc(p[i], f);
	}
}

/* @len bytes as a quoted C-style string. */
static void put_escaped(FILE *f, const uint8_t *p, uint32_t len)
{
	fputc('"', f);
	put_escaped_bare(f, p, len);
	fputc('"', f);
}

static int is_type(const struct rtrace_event *ev, uint32_t id, const char *name)
{
	return ev->type == id && ev->desc && !strcmp(ev->desc->name, name);
}

/* Does a field of this name hold a pid (pid, prev_pid, child_pid, ...)? */
static int is_pid_field(const char *name)
{
	size_t n = strlen(name);

	return !strcmp(name, "pid") || (n > 4 && !strcmp(name + n - 4, "_pid"));
}

/* The name of @pid at @ev's time, or NULL. */
static const char *task_name(const struct text_state *t, const struct rtrace_event *ev,
			     uint32_t pid)
{
	const struct xtask *x = xtasks__find(t->tasks, ev->session, pid, ev->ts_ns);

	return x ? x->comm : rtrace_decoder__comm(t->dec, pid, NULL);
}

static int text_event(void *priv, const struct rtrace_event *ev)
{
	char comm[RTRACE_COMM_MAX + 1];
	uint32_t pid, tgid;
	const char *name;
	const struct text_state *t = priv;
	const struct rtrace_event_type *d = ev->desc;
	int named = d && d->nr_fields == ev->nr_args;
	FILE *f = t->out;
	uint32_t i;

	fprintf(f, "%llu %u %s ", (unsigned long long)(t->raw_ts ? ev->ts : ev->ts_ns), ev->cpu,
		rtrace_lane__name(ev->lane));
	if (d)
		fprintf(f, "%s", d->name);
	else
		fprintf(f, "event%u", ev->type);
	if (ev->nr_args == RTRACE_REC_RAW && is_type(ev, RTRACE_EV_MARKER, "marker")) {
		fprintf(f, " len=%u text=", ev->raw_len);
		put_escaped(f, ev->raw, ev->raw_len);
		fputc('\n', f);
		return 0;
	}
	if (rtrace_event__task_name(ev, &pid, &tgid, comm, sizeof(comm))) {
		fprintf(f, " pid=%u tgid=%u comm=", pid, tgid);
		put_escaped(f, (const uint8_t *)comm, (uint32_t)strlen(comm));
		fputc('\n', f);
		return 0;
	}
	if (ev->nr_args == RTRACE_REC_RAW) {
		fprintf(f, " len=%u data=", ev->raw_len);
		for (i = 0; i < ev->raw_len; i++)
			fprintf(f, "%02x", ev->raw[i]);
		fputc('\n', f);
		return 0;
	}
	for (i = 0; i < ev->nr_args; i++) {
		int type = named ? d->fields[i].type : RTRACE_FIELD_U64;

		if (named)
			fprintf(f, " %s=", d->fields[i].name);
		else
			fprintf(f, " arg%u=", i);
		if (type == RTRACE_FIELD_S64)
			fprintf(f, "%lld", (long long)rtrace_event__arg_s64(ev, i));
		else if (type == RTRACE_FIELD_HEX)
			fprintf(f, "0x%llx", (unsigned long long)ev->args[i]);
		else
			fprintf(f, "%llu", (unsigned long long)ev->args[i]);
		if (named && type == RTRACE_FIELD_U64 && is_pid_field(d->fields[i].name) &&
		    ev->args[i] <= UINT32_MAX &&
		    (name = task_name(t, ev, (uint32_t)ev->args[i]))) {
			fputc('(', f);
			put_escaped_bare(f, (const uint8_t *)name, (uint32_t)strlen(name));
			fputc(')', f);
		}
	}
	fputc('\n', f);
	return 0;
}

static int text_end(void *priv, struct rtrace_decoder *dec)
{
	struct text_state *t = priv;
	int ret = t && fflush(t->out) ? -errno : 0;

	(void)dec;
	if (t)
		xtasks__free(t->tasks);
	free(t);
	return ret;
}

const struct rtrace_exporter rtrace_export_text = {
	.name = "text",
	.summary = "one line per event: ts cpu lane name field=value ...",
	.begin = text_begin,
	.event = text_event,
	.end = text_end,
};
