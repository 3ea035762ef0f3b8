// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace decode: feed a capture to an exporter of the library's table
 * (default "text": one line per event, "ts_ns cpu lane event args").
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"

static void list_formats(void)
{
	const struct rtrace_exporter *x;
	unsigned int i;

	for (i = 0; (x = rtrace_exporter__at(i)); i++)
		printf("%-10s %s\n", x->name, x->summary);
}

int cmd_decode(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "order", required_argument, NULL, OPT_ORDER },
		{ "raw-ts", no_argument, NULL, OPT_RAW_TS },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rtrace_export_opts xo = { .sz = sizeof(xo), .out = stdout };
	const struct rtrace_exporter *x = rtrace_exporter__find("text");
	const char *cmd = "decode", *path = "rtrace.dat";
	int opt, order = RTRACE_ORDER_MERGED, ret;
	struct rtrace_decoder *dec;

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
			xo.raw_ts = 1;
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "list")) {
				list_formats();
				return 0;
			}
			x = rtrace_exporter__find(optarg);
			if (!x)
				return cli_usage_error(cmd, "--format '%s' is not one of this build's (--format list)",
						       optarg);
			if (x->flags & RTRACE_EXPORT_DIR)
				return cli_usage_error(cmd, "--format %s writes a directory: use 'rtrace convert --to %s -o DIR'",
						       optarg, optarg);
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
	ret = rtrace_decoder__export(dec, &x, 1, &xo);
	if (ret) {
		ret = cli_fail(cmd, "%s exporter: %s", x->name, strerror(ret < 0 ? -ret : ret));
		rtrace_decoder__free(dec);
		return ret;
	}
	ret = cli_report_decode_error(cmd, path, dec);
	rtrace_decoder__free(dec);
	return ret;
}
