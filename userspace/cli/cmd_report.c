// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace report: per session, events by type and per lane written/lost; the
 * tasks that events name most, with their names (text or --json).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Open-addressing map (session, type) -> count. */
struct type_count {
	uint64_t key;	/* session << 32 | type, +1 so 0 means empty */
	uint64_t count;
};

struct counts {
	struct type_count *t;
	size_t cap;
	size_t used;
};

static size_t slot(uint64_t key, size_t cap)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);
}

static int counts_add(struct counts *c, uint64_t key)
{
	size_t i;

	key++;
	if (2 * (c->used + 1) > c->cap) {
		struct counts n = { .cap = c->cap ? 2 * c->cap : 64 };
		size_t j;

		n.t = calloc(n.cap, sizeof(*n.t));
		if (!n.t)
			return -1;
		for (j = 0; j < c->cap; j++) {
			if (!c->t[j].key)
				continue;
			for (i = slot(c->t[j].key, n.cap); n.t[i].key; i = (i + 1) & (n.cap - 1))
				;
			n.t[i] = c->t[j];
		}
		n.used = c->used;
		free(c->t);
		*c = n;
	}
	for (i = slot(key, c->cap); c->t[i].key && c->t[i].key != key; i = (i + 1) & (c->cap - 1))
		;
	if (!c->t[i].key) {
		c->t[i].key = key;
		c->used++;
	}
	c->t[i].count++;
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	const struct type_count *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

/* Most-named tasks listed. */
#define REPORT_TASKS	20

/* Does a field of this name hold a pid (pid, prev_pid, child_pid, ...)? */
static int is_pid_field(const char *name)
{
	size_t n = strlen(name);

	return !strcmp(name, "pid") || (n > 4 && !strcmp(name + n - 4, "_pid"));
}

/* Count every pid an event names in its pid fields (keys: pid). */
static int count_pids(struct counts *pids, const struct rtrace_event *ev)
{
	const struct rtrace_event_type *d = ev->desc;
	uint32_t i;

	if (!d || ev->nr_args == RTRACE_REC_RAW || d->nr_fields != ev->nr_args)
		return 0;
	for (i = 0; i < ev->nr_args; i++)
		if (d->fields[i].type == RTRACE_FIELD_U64 && is_pid_field(d->fields[i].name) &&
		    ev->args[i] <= UINT32_MAX && counts_add(pids, ev->args[i]))
			return -1;
	return 0;
}

static int count_desc(const void *a, const void *b)
{
	const struct type_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

/* The map's entries by count (most first), compacted; returns how many. */
static size_t top_pids(struct counts *pids)
{
	size_t i, k = 0;

	for (i = 0; i < pids->cap; i++)
		if (pids->t[i].key)
			pids->t[k++] = pids->t[i];
	if (k)
		qsort(pids->t, k, sizeof(*pids->t), count_desc);
	return k;
}

static const char *clock_name(uint32_t c)
{
	return c == RTRACE_CLOCK_TSC ? "tsc" : c == RTRACE_CLOCK_LOCAL ? "local" : "?";
}

static uint64_t lost_sum(const uint64_t *lost)
{
	uint64_t sum = 0;
	int c;

	for (c = 0; c < RTRACE_NR_LOST; c++)
		sum += lost[c];
	return sum;
}

static void print_json(const char *path, struct rtrace_decoder *dec, const struct type_count *t,
		       size_t k, const struct type_count *pids, size_t nr_pids)
{
	struct rtrace_lane_info tot;
	char ver[32];
	unsigned int s, l = 0;
	struct json j;
	size_t i = 0;

	json_begin(&j, stdout);
	json_str(&j, "file", path);
	json_array_begin(&j, "sessions");
	for (s = 0; s < rtrace_decoder__nr_sessions(dec); s++) {
		const struct rtrace_stream_hdr *h = rtrace_decoder__session(dec, s);

		json_object_begin(&j, NULL);
		json_u64(&j, "index", s);
		json_u64(&j, "session_id", h->session_id);
		snprintf(ver, sizeof(ver), "%u.%u", h->version_major, h->version_minor);
		json_str(&j, "abi_version", ver);
		json_str(&j, "clock", clock_name(h->clock));
		json_u64(&j, "nr_cpus", h->nr_cpus);
		json_u64(&j, "nr_lanes", h->nr_lanes);
		json_u64(&j, "subbuf_size", h->subbuf_size);
		json_u64(&j, "nr_event_types", rtrace_decoder__nr_event_types(dec, s));
		json_array_begin(&j, "events");
		for (; i < k && (t[i].key - 1) >> 32 == s; i++) {
			uint32_t type = (uint32_t)(t[i].key - 1);
			const struct rtrace_event_type *et = rtrace_decoder__event_type(dec, s, type);

			json_object_begin(&j, NULL);
			json_u64(&j, "type", type);
			if (et)
				json_str(&j, "name", et->name);
			else
				json_null(&j, "name");
			json_u64(&j, "count", t[i].count);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_array_begin(&j, "lanes");
		for (; l < rtrace_decoder__nr_lanes(dec); l++) {
			const struct rtrace_lane_info *li = rtrace_decoder__lane(dec, l);

			if (li->session != s)
				break;
			json_object_begin(&j, NULL);
			json_u64(&j, "cpu", li->cpu);
			json_str(&j, "lane", rtrace_lane__name(li->lane));
			json_u64(&j, "subbufs", li->subbufs);
			json_u64(&j, "events", li->events);
			json_u64(&j, "bytes", li->bytes);
			json_u64(&j, "subbufs_missing", li->seq_missing);
			json_lost(&j, "lost", li->lost);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_object_end(&j);
	}
	json_array_end(&j);
	rtrace_decoder__totals(dec, &tot);
	json_object_begin(&j, "total");
	json_u64(&j, "events", tot.events);
	json_u64(&j, "subbufs", tot.subbufs);
	json_u64(&j, "bytes", tot.bytes);
	json_u64(&j, "subbufs_missing", tot.seq_missing);
	json_lost(&j, "lost", tot.lost);
	json_u64(&j, "lost_total", lost_sum(tot.lost));
	json_object_end(&j);
	json_array_begin(&j, "tasks");
	for (i = 0; i < nr_pids && i < REPORT_TASKS; i++) {
		uint32_t pid = (uint32_t)(pids[i].key - 1), tgid = 0;
		const char *comm = rtrace_decoder__comm(dec, pid, &tgid);

		json_object_begin(&j, NULL);
		json_u64(&j, "pid", pid);
		if (comm)
			json_str(&j, "comm", comm);
		else
			json_null(&j, "comm");
		json_u64(&j, "events", pids[i].count);
		json_object_end(&j);
	}
	json_array_end(&j);
	cli_json_decode_error(&j, dec);
	json_end(&j);
}

int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "report", *path = "rtrace.dat";
	struct counts counts = { 0 }, pids = { 0 };
	struct rtrace_lane_info tot;
	struct rtrace_decoder *dec;
	struct rtrace_event ev;
	unsigned int s, l = 0;
	size_t i, k = 0, nr_pids;
	int opt, ret, c, json = 0;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == OPT_JSON) {
			json = 1;
			continue;
		}
		if (opt == 'h') {
			cli_print_help(stdout, cli_find(cmd));
			return 0;
		}
		return cli_usage_error(cmd, "bad option");
	}
	if (argc - optind > 1)
		return cli_usage_error(cmd, "one input file at most");
	if (optind < argc)
		path = argv[optind];
	dec = cli_open_decoder(cmd, path, RTRACE_ORDER_STREAM);
	if (!dec)
		return 1;
	while (rtrace_decoder__next(dec, &ev) == 1) {
		if (counts_add(&counts, (uint64_t)ev.session << 32 | ev.type) ||
		    count_pids(&pids, &ev)) {
			rtrace_decoder__free(dec);
			free(counts.t);
			free(pids.t);
			return cli_fail(cmd, "out of memory");
		}
	}
	nr_pids = top_pids(&pids);
	/* Compact the map into a sorted array: by session, then type. */
	for (i = 0; i < counts.cap; i++)
		if (counts.t[i].key)
			counts.t[k++] = counts.t[i];
	if (k)
		qsort(counts.t, k, sizeof(*counts.t), key_cmp);
	if (json) {
		print_json(path, dec, counts.t, k, pids.t, nr_pids);
		goto out;
	}

	for (s = 0, i = 0; s < rtrace_decoder__nr_sessions(dec); s++) {
		const struct rtrace_stream_hdr *h = rtrace_decoder__session(dec, s);

		printf("session %u: id %llu, abi %u.%u, clock %s, %u cpus, %u lanes, sub-buffer %u bytes, "
		       "%u event types\n", s, (unsigned long long)h->session_id, h->version_major, h->version_minor,
		       clock_name(h->clock), h->nr_cpus, h->nr_lanes, h->subbuf_size,
		       rtrace_decoder__nr_event_types(dec, s));
		printf("  %12s  %5s  %s\n", "events", "type", "name");
		for (; i < k && (counts.t[i].key - 1) >> 32 == s; i++) {
			uint32_t type = (uint32_t)(counts.t[i].key - 1);
			const struct rtrace_event_type *t = rtrace_decoder__event_type(dec, s, type);

			printf("  %12llu  %5u  %s\n", (unsigned long long)counts.t[i].count, type,
			       t ? t->name : "(not described)");
		}
		printf("  %4s %-8s %8s %10s %12s %8s  %s\n", "cpu", "lane", "subbufs", "events",
		       "bytes", "missing", "lost by cause");
		for (; l < rtrace_decoder__nr_lanes(dec); l++) {
			const struct rtrace_lane_info *li = rtrace_decoder__lane(dec, l);

			if (li->session != s)
				break;
			printf("  %4u %-8s %8llu %10llu %12llu %8llu  ", li->cpu,
			       rtrace_lane__name(li->lane), (unsigned long long)li->subbufs,
			       (unsigned long long)li->events, (unsigned long long)li->bytes,
			       (unsigned long long)li->seq_missing);
			cli_print_lost(stdout, li->lost);
			if (li->lost_other)
				printf(" other=%llu", (unsigned long long)li->lost_other);
			printf("%s\n", li->broken ? " BROKEN" : "");
		}
	}
	rtrace_decoder__totals(dec, &tot);
	printf("total: %llu events in %llu sub-buffers (%llu record bytes), %llu sub-buffers missing; ",
	       (unsigned long long)tot.events, (unsigned long long)tot.subbufs,
	       (unsigned long long)tot.bytes, (unsigned long long)tot.seq_missing);
	cli_print_lost(stdout, tot.lost);
	if (tot.lost_other)
		printf(" other=%llu", (unsigned long long)tot.lost_other);
	for (c = 0, ev.args[0] = tot.lost_other; c < RTRACE_NR_LOST; c++)
		ev.args[0] += tot.lost[c];
	printf(" (%llu)\n", (unsigned long long)ev.args[0]);
	if (nr_pids) {
		printf("tasks named by most events (pid fields; names from task_name records):\n");
		printf("  %12s  %8s  %s\n", "events", "pid", "name");
	}
	for (i = 0; i < nr_pids && i < REPORT_TASKS; i++) {
		uint32_t pid = (uint32_t)(pids.t[i].key - 1);
		const char *comm = rtrace_decoder__comm(dec, pid, NULL);

		printf("  %12llu  %8u  %s\n", (unsigned long long)pids.t[i].count, pid,
		       comm ? comm : "?");
	}
out:
	fflush(stdout);
	ret = cli_report_decode_error(cmd, path, dec);
	free(counts.t);
	free(pids.t);
	rtrace_decoder__free(dec);
	return ret;
}
