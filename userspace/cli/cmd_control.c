// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace start|stop|flush|reset: one ioctl each, for scripts (snapshot:
 * cmd_snapshot.c).
 */
#include <string.h>

#include "cli.h"

static int do_reset(struct rtrace_session *s, int discard)
{
	return rtrace_session__reset(s, discard ? RTRACE_RESET_DISCARD_UNREAD : 0);
}

static const struct {
	const char *name;
	int (*fn)(struct rtrace_session *s);
	int (*fn_discard)(struct rtrace_session *s, int discard);	/* takes --discard */
} actions[] = {
	{ "start", rtrace_session__start, NULL },
	{ "stop", rtrace_session__stop, NULL },
	{ "flush", rtrace_session__flush, NULL },
	{ "reset", NULL, do_reset },
};

int cmd_control(int argc, char **argv)
{
	const char *cmd = argv[0];
	struct rtrace_session *s;
	struct cli_common o;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (!strcmp(actions[i].name, cmd))
			break;
	if (i == sizeof(actions) / sizeof(actions[0]))
		return cli_usage_error(cmd, "not a control command");
	ret = cli_parse_open(cmd, argc, argv, actions[i].fn_discard ? CLI_TAKES_DISCARD : 0, &o, &s);
	if (ret >= 0)
		return ret;
	ret = actions[i].fn ? actions[i].fn(s) : actions[i].fn_discard(s, o.discard);
	if (ret)
		ret = cli_ioctl_fail(cmd, cmd, ret);
	rtrace_session__close(s);
	return ret;
}
