// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace start|stop|flush|snapshot|reset: one ioctl each, for scripts.
 */
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
	const char *cmd = argv[0];
	struct rtrace_session *s;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (!strcmp(actions[i].name, cmd))
			break;
	if (i == sizeof(actions) / sizeof(actions[0]))
		return cli_usage_error(cmd, "not a control command");
	ret = cli_parse_open(cmd, argc, argv, &s);
	if (ret >= 0)
		return ret;
	ret = actions[i].fn(s);
	if (ret)
		ret = cli_ioctl_fail(cmd, cmd, ret);
	rtrace_session__close(s);
	return ret;
}
