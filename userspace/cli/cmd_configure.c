// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace configure: set up the device's session without starting it.
 */
#include <getopt.h>

#include "cli.h"

int cmd_configure(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_CONFIG_LONGOPTS,
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "configure", *device = NULL;
	struct rtrace_session *s;
	struct cli_config cc;
	int opt, ret;

	cli_config_init(&cc);
	while ((opt = getopt_long(argc, argv, "he:", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_DEVICE:
			device = optarg;
			break;
		case 'h':
			cli_print_help(stdout, cli_find(cmd));
			return 0;
		case '?':
			return cli_usage_error(cmd, "bad option");
		default:
			if (cli_config_opt(cmd, &cc, opt, optarg) != 1)
				return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (cli_config_check(cmd, &cc, 0))
		return EXIT_USAGE;
	s = cli_open(cmd, device, 0);
	if (!s)
		return 1;
	ret = cli_events_resolve(cmd, s, &cc);
	if (ret) {
		rtrace_session__close(s);
		return ret;
	}
	ret = rtrace_session__configure(s, &cc.cfg);
	if (ret)
		ret = cli_ioctl_fail(cmd, "configure", ret);
	rtrace_session__close(s);
	return ret;
}
