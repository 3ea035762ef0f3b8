// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace start|stop|flush|snapshot|reset: one ioctl each, for scripts.
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(struct rtrace_session *s);
} actions[] = {
	{ "start", rtrace_session__start },
	{ "stop", rtrace_session__stop },
	{ "flush", rtrace_session__flush },
	{ "snapshot", rtrace_session__snapshot },
	{ "reset", rtrace_session__reset },
};

int cmd_control(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0], *device = NULL;
	struct rtrace_session *s;
	size_t i;
	int opt, ret;

	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (!strcmp(actions[i].name, cmd))
			break;
	if (i == sizeof(actions) / sizeof(actions[0]))
		return cli_usage_error(cmd, "not a control command");
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_DEVICE:
			device = optarg;
			break;
		case 'h':
			cli_print_help(stdout, cli_find(cmd));
			return 0;
		default:
			return cli_usage_error(cmd, "bad option");
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	s = cli_open(cmd, device, 0);
	if (!s)
		return 1;
	ret = actions[i].fn(s);
	if (ret)
		ret = cli_ioctl_fail(cmd, cmd, ret);
	rtrace_session__close(s);
	return ret;
}
