// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace stats: the kernel's per (cpu, lane) counters (text or --json).
 */
#include <stdlib.h>

#include "cli.h"

/* The counters of one row as JSON members (cpu and lane are the caller's). */
static void json_counters(struct json *j, const struct rtrace_lane_stats *e)
{
	uint64_t lost[RTRACE_NR_LOST];
	int c;

	for (c = 0; c < RTRACE_NR_LOST; c++)
		lost[c] = e->lost[c];
	json_u64(j, "written", e->written);
	json_lost(j, "lost", lost);
	json_u64(j, "bytes", e->bytes);
	json_u64(j, "nested", e->nested);
	json_u64(j, "subbufs_written", e->subbufs_written);
	json_u64(j, "subbufs_read", e->subbufs_read);
}

int cmd_stats(int argc, char **argv)
{
	const char *cmd = "stats";
	struct rtrace_lane_stats *st, tot = { 0 };
	struct rtrace_session *s;
	struct cli_common o;
	int ret, c;
	struct json j;
	size_t nr, i;

	ret = cli_parse_open(cmd, argc, argv, CLI_TAKES_ALL | CLI_TAKES_JSON, &o, &s);
	if (ret >= 0)
		return ret;
	ret = rtrace_session__stats(s, &st, &nr);
	rtrace_session__close(s);
	if (ret)
		return cli_ioctl_fail(cmd, "stats", ret);

	if (o.json) {
		json_begin(&j, stdout);
		json_array_begin(&j, "lanes");
	} else {
		printf("%4s %-8s %12s", "cpu", "lane", "written");
		for (c = 0; c < RTRACE_NR_LOST; c++)
			printf(" %11s", rtrace_lost__name(c));
		printf(" %12s %8s %9s %9s\n", "bytes", "nested", "sb_writ", "sb_read");
	}
	for (i = 0; i <= nr; i++) {
		const struct rtrace_lane_stats *e = i < nr ? &st[i] : &tot;
		uint64_t any = e->written | e->bytes | e->nested | e->subbufs_written;

		for (c = 0; c < RTRACE_NR_LOST; c++)
			any |= e->lost[c];
		if (i < nr) {
			tot.written += e->written;
			tot.bytes += e->bytes;
			tot.nested += e->nested;
			tot.subbufs_written += e->subbufs_written;
			tot.subbufs_read += e->subbufs_read;
			for (c = 0; c < RTRACE_NR_LOST; c++)
				tot.lost[c] += e->lost[c];
			tot.flags |= e->flags & RTRACE_LANE_STATS_BROKEN;
			if (!any && !o.all && !e->flags)
				continue;
		}
		if (o.json) {
			if (i == nr) {
				json_array_end(&j);
				json_object_begin(&j, "total");
			} else {
				json_object_begin(&j, NULL);
				json_u64(&j, "cpu", e->cpu);
				json_str(&j, "lane", rtrace_lane__name(e->lane));
			}
			json_counters(&j, e);
			json_object_end(&j);
			continue;
		}
		if (i < nr)
			printf("%4u %-8s", e->cpu, rtrace_lane__name(e->lane));
		else
			printf("%-13s", "total");
		printf(" %12llu", (unsigned long long)e->written);
		for (c = 0; c < RTRACE_NR_LOST; c++)
			printf(" %11llu", (unsigned long long)e->lost[c]);
		printf(" %12llu %8llu %9llu %9llu%s\n", (unsigned long long)e->bytes,
		       (unsigned long long)e->nested, (unsigned long long)e->subbufs_written,
		       (unsigned long long)e->subbufs_read,
		       e->flags & RTRACE_LANE_STATS_BROKEN ? "  BROKEN" : "");
	}
	if (o.json)
		json_end(&j);
	free(st);
	return 0;
}
