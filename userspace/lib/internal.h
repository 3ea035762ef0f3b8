/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * librtrace internals shared between the library's files (not installed).
 */
#ifndef _RTRACE_LIB_INTERNAL_H
#define _RTRACE_LIB_INTERNAL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "rtrace.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Does @opts (a struct whose first member is size_t sz) carry @member? */
#define OPTS_HAS(opts, member) \
	((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), member) + sizeof((opts)->member))

/*
 * Options structs grow: accept any size from the first member up, but a
 * larger struct than ours must have zeroes past what we know.
 */
static inline int opts_valid(const void *opts, size_t ours)
{
	const uint8_t *p = opts;
	size_t sz, i;

	if (!opts)
		return 1;
	memcpy(&sz, opts, sizeof(sz));
	if (sz < sizeof(size_t))
		return 0;
	for (i = ours; i < sz; i++)
		if (p[i])
			return 0;
	return 1;
}

/* names.c: pid -> comm from task_name records (struct dec_names is opaque). */
struct dec_names;
void dec_names_note(struct dec_names **np, const struct rtrace_event *ev);
void dec_names_free(struct dec_names *n);
const char *dec_names_get(const struct dec_names *n, uint32_t pid, uint32_t *tgid);

/* The exporters, one file each, one per row of exporters.h. */
#define RTRACE_EXPORTER(_name) extern const struct rtrace_exporter rtrace_export_##_name;
#include "exporters.h"
#undef RTRACE_EXPORTER

/* decoder.c: the input a decoder reads (for an exporter's pre-scan). */
const uint8_t *dec_input(const struct rtrace_decoder *dec, size_t *len);

/*
 * export_tasks.c: what the CTF and Perfetto exporters share.  Task names
 * come from "task_name" records (raw: pid, tgid, comm); a pre-scan of the whole input collects them so
 * that an event is named even when its task's record comes later.
 */
#define XTASK_COMM_LEN	16
#define XTASK_NAME_MIN	8	/* pid, tgid: struct rtrace_task_name before comm */

/*
 * rtrace's own events are recognised by id and name together (abi.md):
 * type 10 is "task_name" (raw: struct rtrace_task_name) and 11 "marker"
 * (raw, the bytes of one write() on the device).
 */
#define XEV_TASK_NAME	10
#define XEV_MARKER	11
#define xev_is(d, type, nm)	((d) && (d)->id == (type) && !strcmp((d)->name, (nm)))

/**
 * struct xtask - one task_name record
 * @session: stream index
 * @pid: thread id
 * @tgid: process id
 * @ts_ns: when it was recorded
 * @comm: the name, NUL-terminated
 */
struct xtask {
	uint32_t session;
	uint64_t pid;
	uint64_t tgid;
	uint64_t ts_ns;
	char comm[XTASK_COMM_LEN + 1];
};

struct xtasks;

/* Collect every task_name record of the input of @dec; NULL only without memory. */
struct xtasks *xtasks__scan(const struct rtrace_decoder *dec);
void xtasks__free(struct xtasks *t);
/* The name of @pid at @ts_ns (its last record before, else its first); NULL if never named. */
const struct xtask *xtasks__find(const struct xtasks *t, uint32_t session, uint64_t pid,
				 uint64_t ts_ns);
/* Room for a task name as xtext() writes it. */
#define XTASK_NAME_BUF	(4 * XTASK_COMM_LEN + 1)
/*
 * The name of @pid as @ev's time, for a viewer (xtext()): "swapper/CPU" for
 * an unnamed pid 0, "" for another unnamed one.  Return: @buf.
 */
const char *xtasks__name(const struct xtasks *t, const struct rtrace_event *ev, uint64_t pid,
			 char *buf);
/* Every task, the newest record of each (session, pid), sorted by (session, pid). */
size_t xtasks__nr(const struct xtasks *t);
const struct xtask *xtasks__at(const struct xtasks *t, size_t idx);
/* Is @ev a task_name record?  Fills @out: 1 if it is, 0 if not. */
int xtask__parse(const struct rtrace_event *ev, struct xtask *out);
/*
 * Text for a viewer (comm, marker text): printable ASCII and valid UTF-8
 * sequences as they are, a backslash as two, any other byte as \xNN; stops
 * at the first NUL.  @dst has room for 4 * @n + 1 bytes.  Return: its length.
 */
size_t xtext(char *dst, const uint8_t *s, size_t n);
/* Index of the field named @name in @d, -1 if none. */
int xdesc__field(const struct rtrace_event_type *d, const char *name);
/* Value of field @i of @ev: S64 fields decoded (cast), others as they are. */
int64_t xev__arg(const struct rtrace_event *ev, int i);

#endif /* _RTRACE_LIB_INTERNAL_H */
