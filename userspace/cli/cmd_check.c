// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace check: does a capture decode entirely?  Exit 0 only if so.
 */
#include <getopt.h>

#include "cli.h"

/* --json: the same verdict as the text, as one document. Return: the exit status. */
static int check_json(const char *path, const struct rtrace_decoder *dec,
		      const struct rtrace_lane_info *tot, uint64_t min_events, int ret)
{
	struct json j;
	uint64_t sum = 0;
	int c;

	if (!ret && tot->events < min_events) {
		fprintf(stderr, "rtrace check: %s: %llu events, fewer than --min-events %llu\n", path,
			(unsigned long long)tot->events, (unsigned long long)min_events);
		ret = 1;
	}
	for (c = 0; c < RTRACE_NR_LOST; c++)
		sum += tot->lost[c];
	json_begin(&j, stdout);
	json_str(&j, "file", path);
	json_bool(&j, "ok", !ret);
	json_u64(&j, "events", tot->events);
	json_u64(&j, "min_events", min_events);
	json_u64(&j, "subbufs", tot->subbufs);
	json_u64(&j, "sessions", rtrace_decoder__nr_sessions(dec));
	json_u64(&j, "lanes", rtrace_decoder__nr_lanes(dec));
	json_u64(&j, "subbufs_missing", tot->seq_missing);
	json_lost(&j, "lost", tot->lost);
	json_u64(&j, "lost_total", sum);
	cli_json_decode_error(&j, dec);
	json_end(&j);
	return ret;
}

int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "min-events", required_argument, NULL, OPT_MIN_EVENTS },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "check", *path;
	struct rtrace_lane_info tot;
	struct rtrace_decoder *dec;
	struct rtrace_event ev;
	uint64_t min_events = 0;
	int opt, ret, json = 0;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_MIN_EVENTS:
			if (parse_u64(optarg, &min_events))
				return cli_usage_error(cmd, "--min-events: '%s' is not a count", optarg);
			break;
		case OPT_JSON:
			json = 1;
			break;
		case 'h':
			cli_print_help(stdout, cli_find(cmd));
			return 0;
		default:
			return cli_usage_error(cmd, "bad option");
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(cmd, "needs exactly one FILE (or '-')");
	path = argv[optind];
	dec = cli_open_decoder(cmd, path, RTRACE_ORDER_STREAM);
	if (!dec)
		return 1;
	while (rtrace_decoder__next(dec, &ev) == 1)
		;
	rtrace_decoder__totals(dec, &tot);
	ret = cli_report_decode_error(cmd, path, dec);
	if (json) {
		ret = check_json(path, dec, &tot, min_events, ret);
		rtrace_decoder__free(dec);
		return ret;
	}
	printf("%s: %s: %llu events, %llu sub-buffers, %u sessions, %u lanes, %llu sub-buffers missing; ",
	       path, ret ? "FAILED" : "ok", (unsigned long long)tot.events,
	       (unsigned long long)tot.subbufs, rtrace_decoder__nr_sessions(dec),
	       rtrace_decoder__nr_lanes(dec), (unsigned long long)tot.seq_missing);
	cli_print_lost(stdout, tot.lost);
	if (tot.lost_other)
		printf(" other=%llu", (unsigned long long)tot.lost_other);
	printf("\n");
	if (!ret && tot.events < min_events) {
		fprintf(stderr, "rtrace check: %s: %llu events, fewer than --min-events %llu\n", path,
			(unsigned long long)tot.events, (unsigned long long)min_events);
		ret = 1;
	}
	rtrace_decoder__free(dec);
	return ret;
}
