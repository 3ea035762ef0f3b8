// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace decode: one text line per event, "ts_ns cpu lane event args".
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"

static void print_event(const struct rtrace_event *ev, int raw_ts)
{
	const struct rtrace_event_type *d = ev->desc;
	int named = d && d->nr_fields == ev->nr_args;
	uint32_t i;

	printf("%llu %u %s ", (unsigned long long)(raw_ts ? ev->ts : ev->ts_ns), ev->cpu,
	       rtrace_lane__name(ev->lane));
	if (d)
		printf("%s", d->name);
	else
		printf("event%u", ev->type);
	if (ev->nr_args == RTRACE_REC_RAW) {
		printf(" len=%u data=", ev->raw_len);
		for (i = 0; i < ev->raw_len; i++)
			printf("%02x", ev->raw[i]);
		putchar('\n');
		return;
	}
	for (i = 0; i < ev->nr_args; i++) {
		int type = named ? d->fields[i].type : RTRACE_FIELD_U64;

		if (named)
			printf(" %s=", d->fields[i].name);
		else
			printf(" arg%u=", i);
		if (type == RTRACE_FIELD_S64)
			printf("%lld", (long long)rtrace_event__arg_s64(ev, i));
		else if (type == RTRACE_FIELD_HEX)
			printf("0x%llx", (unsigned long long)ev->args[i]);
		else
			printf("%llu", (unsigned long long)ev->args[i]);
	}
	putchar('\n');
}

int cmd_decode(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "order", required_argument, NULL, OPT_ORDER },
		{ "raw-ts", no_argument, NULL, OPT_RAW_TS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "decode", *path = "rtrace.dat";
	int opt, order = RTRACE_ORDER_MERGED, raw_ts = 0, ret;
	struct rtrace_decoder *dec;
	struct rtrace_event ev;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_ORDER:
			if (!strcmp(optarg, "merged"))
				order = RTRACE_ORDER_MERGED;
			else if (!strcmp(optarg, "stream"))
				order = RTRACE_ORDER_STREAM;
			else
				return cli_usage_error(cmd, "--order must be merged or stream, not '%s'",
						       optarg);
			break;
		case OPT_RAW_TS:
			raw_ts = 1;
			break;
		case 'h':
			cli_print_help(stdout, cli_find(cmd));
			return 0;
		default:
			return cli_usage_error(cmd, "bad option");
		}
	}
	if (argc - optind > 1)
		return cli_usage_error(cmd, "one input file at most, got '%s' and '%s'",
				       argv[optind], argv[optind + 1]);
	if (optind < argc)
		path = argv[optind];
	dec = cli_open_decoder(cmd, path, order);
	if (!dec)
		return 1;
	while (rtrace_decoder__next(dec, &ev) == 1)
		print_event(&ev, raw_ts);
	fflush(stdout);
	ret = cli_report_decode_error(cmd, path, dec);
	rtrace_decoder__free(dec);
	return ret;
}
