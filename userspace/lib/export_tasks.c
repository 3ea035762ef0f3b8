// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * librtrace: task names for the exporters that show them (CTF, Perfetto).
 *
 * The stream names tasks with "task_name" records (pid, tgid, comm).  The
 * viewers want the name on the event itself (sched_switch's prev_comm and
 * next_comm), and a task's record may come after its first event (the
 * names of the tasks that already ran are recorded when tracing starts, on
 * any CPU), so a pre-scan of the whole input collects every record; an
 * event at time t then gets the name its task had last before t, or its
 * first name if it was named only later.
 *
 * The record is raw: pid and tgid as little-endian 32-bit values, then
 * the comm's bytes (0..16, not NUL-terminated), as struct rtrace_task_name
 * of the uapi header describes it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

struct xtasks {
	struct xtask *all;	/* every record, by (session, pid, ts_ns) */
	size_t nr;
	struct xtask *last;	/* the newest of each (session, pid) */
	size_t nr_last;
};

/* Length of the valid UTF-8 sequence of 2..4 bytes at @s, 0 if there is none. */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
	size_t len, i;
	uint8_t lo = 0x80, hi = 0xbf;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;	/* overlong */
	else if (s[0] == 0xed)
		hi = 0x9f;	/* surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90;	/* overlong */
	else if (s[0] == 0xf4)
		hi = 0x8f;	/* above U+10FFFF */
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

size_t xtext(char *dst, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, o = 0, k;

	while (i < n && s[i]) {
		if (s[i] == '\\') {
			dst[o++] = '\\';
			dst[o++] = '\\';
			i++;
		} else if (s[i] >= 0x20 && s[i] < 0x7f) {
			dst[o++] = (char)s[i++];
		} else if ((k = utf8_seq(s + i, n - i))) {
			memcpy(dst + o, s + i, k);
			o += k;
			i += k;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[s[i] >> 4];
			dst[o++] = hex[s[i] & 15];
			i++;
		}
	}
	dst[o] = 0;
	return o;
}

int xdesc__field(const struct rtrace_event_type *d, const char *name)
{
	int i;

	if (!d || d->nr_fields > RTRACE_REC_MAX_ARGS)
		return -1;
	for (i = 0; i < d->nr_fields; i++)
		if (!strcmp(d->fields[i].name, name))
			return i;
	return -1;
}

int64_t xev__arg(const struct rtrace_event *ev, int i)
{
	if (i < 0 || (uint32_t)i >= ev->nr_args || ev->nr_args > RTRACE_REC_MAX_ARGS)
		return 0;
	if (ev->desc && ev->desc->fields[i].type == RTRACE_FIELD_S64)
		return rtrace_event__arg_s64(ev, (unsigned int)i);
	return (int64_t)ev->args[i];
}

int xtask__parse(const struct rtrace_event *ev, struct xtask *out)
{
	const uint8_t *p = ev->raw;
	size_t n;

	if (!xev_is(ev->desc, XEV_TASK_NAME, "task_name") || ev->nr_args != RTRACE_REC_RAW ||
	    ev->raw_len < XTASK_NAME_MIN || ev->raw_len > XTASK_NAME_MIN + XTASK_COMM_LEN)
		return 0;
	memset(out, 0, sizeof(*out));
	out->session = ev->session;
	out->pid = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	out->tgid = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
	out->ts_ns = ev->ts_ns;
	n = ev->raw_len - XTASK_NAME_MIN;
	memcpy(out->comm, p + XTASK_NAME_MIN, n);
	out->comm[n] = 0;	/* a NUL inside ends it, as the kernel's comm */
	return 1;
}

static int xtask_cmp(const void *a, const void *b)
{
	const struct xtask *x = a, *y = b;

	if (x->session != y->session)
		return x->session < y->session ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	return 0;
}

struct xtasks *xtasks__scan(const struct rtrace_decoder *dec)
{
	struct rtrace_decoder_opts o = { .sz = sizeof(o), .order = RTRACE_ORDER_STREAM };
	struct xtasks *t = calloc(1, sizeof(*t));
	struct rtrace_decoder *scan;
	struct rtrace_event ev;
	struct xtask x, *p;
	size_t cap = 0, len, i;
	const uint8_t *buf;

	if (!t)
		return NULL;
	buf = dec_input(dec, &len);
	scan = rtrace_decoder__new(buf, len, &o);
	if (!scan)
		goto fail;
	while (rtrace_decoder__next(scan, &ev) == 1) {
		if (!xtask__parse(&ev, &x))
			continue;
		if (t->nr == cap) {
			cap = cap ? 2 * cap : 256;
			p = realloc(t->all, cap * sizeof(*p));
			if (!p)
				goto fail_scan;
			t->all = p;
		}
		t->all[t->nr++] = x;
	}
	rtrace_decoder__free(scan);
	if (t->nr)
		qsort(t->all, t->nr, sizeof(*t->all), xtask_cmp);
	t->last = calloc(t->nr ? t->nr : 1, sizeof(*t->last));
	if (!t->last)
		goto fail;
	for (i = 0; i < t->nr; i++) {
		if (i + 1 < t->nr && t->all[i + 1].session == t->all[i].session &&
		    t->all[i + 1].pid == t->all[i].pid)
			continue;
		t->last[t->nr_last++] = t->all[i];
	}
	return t;

fail_scan:
	rtrace_decoder__free(scan);
fail:
	xtasks__free(t);
	return NULL;
}

void xtasks__free(struct xtasks *t)
{
	if (!t)
		return;
	free(t->all);
	free(t->last);
	free(t);
}

const struct xtask *xtasks__find(const struct xtasks *t, uint32_t session, uint64_t pid,
				 uint64_t ts_ns)
{
	struct xtask key = { .session = session, .pid = pid };
	size_t lo = 0, hi, first;

	if (!t || !t->nr)
		return NULL;
	/* First record of (session, pid). */
	hi = t->nr;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (xtask_cmp(&t->all[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == t->nr || t->all[lo].session != session || t->all[lo].pid != pid)
		return NULL;
	first = lo;
	while (lo + 1 < t->nr && t->all[lo + 1].session == session && t->all[lo + 1].pid == pid &&
	       t->all[lo + 1].ts_ns <= ts_ns)
		lo++;
	return t->all[lo].ts_ns <= ts_ns ? &t->all[lo] : &t->all[first];
}

const char *xtasks__name(const struct xtasks *t, const struct rtrace_event *ev, uint64_t pid,
			 char *buf)
{
	const struct xtask *x = xtasks__find(t, ev->session, pid, ev->ts_ns);

	if (x)
		xtext(buf, (const uint8_t *)x->comm, strlen(x->comm));
	else if (!pid)
		snprintf(buf, XTASK_NAME_BUF, "swapper/%u", ev->cpu);
	else
		buf[0] = 0;
	return buf;
}

size_t xtasks__nr(const struct xtasks *t)
{
	return t ? t->nr_last : 0;
}

const struct xtask *xtasks__at(const struct xtasks *t, size_t idx)
{
	return t && idx < t->nr_last ? &t->last[idx] : NULL;
}
