// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace mark: write one user marker into the running session (write() on
 * the device, "User markers" in uapi/linux/rtrace.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* All of standard input, at most @max + 1 bytes (one more says "too big"). */
static char *read_stdin(size_t max, size_t *len)
{
	char *buf = malloc(max + 1);
	size_t n = 0;
	ssize_t r;

	if (!buf)
		return NULL;
	while (n < max + 1) {
		r = read(STDIN_FILENO, buf + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return NULL;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	*len = n;
	return buf;
}

/* TEXT arguments joined by single spaces, as echo does. */
static char *join_args(int argc, char **argv, size_t *len)
{
	size_t n = 0, at = 0;
	char *buf;
	int i;

	for (i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	buf = malloc(n);
	if (!buf)
		return NULL;
	for (i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]);

		if (i)
			buf[at++] = ' ';
		memcpy(buf + at, argv[i], l);
		at += l;
	}
	*len = at;
	return buf;
}

int cmd_mark(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "mark", *device = NULL;
	struct rtrace_info info = { .size = sizeof(info) };
	struct rtrace_session *s;
	size_t len = 0;
	char *buf;
	int opt, ret;

	/* "+": TEXT may begin with '-' after the first non-option. */
	while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
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
	if (optind >= argc)
		return cli_usage_error(cmd, "no TEXT (use '-' to read the marker from standard input)");
	s = cli_open(cmd, device, 0);
	if (!s)
		return 1;
	ret = rtrace_session__info(s, &info);
	if (ret) {
		ret = cli_ioctl_fail(cmd, "info", ret);
		goto close;
	}
	if (info.state != RTRACE_STATE_RUNNING) {
		ret = cli_fail(cmd, "no session is running (start one with 'rtrace record' or 'rtrace configure' and 'rtrace start'); nothing written");
		goto close;
	}
	if (argc - optind == 1 && !strcmp(argv[optind], "-"))
		buf = read_stdin(info.marker_max ? info.marker_max : 1U << 20, &len);
	else
		buf = join_args(argc - optind, argv + optind, &len);
	if (!buf) {
		ret = cli_fail(cmd, "%s", strerror(errno));
		goto close;
	}
	ret = rtrace_session__mark(s, buf, len);
	switch (-ret) {
	case 0:
		break;
	case EINVAL:
		ret = cli_fail(cmd, "an empty marker records nothing; give some TEXT");
		break;
	case E2BIG:
		ret = cli_fail(cmd, "%zu bytes: larger than a marker of this session can be (%u bytes, 'rtrace info': marker_max; a larger --subbuf-size raises it); nothing written",
			       len, info.marker_max);
		break;
	case ENODATA:
		ret = cli_fail(cmd, "no session is recording on this CPU (stopped, or outside its --cpus); nothing written");
		break;
	case ENOSPC:
		ret = cli_fail(cmd, "the ring is full (discard mode): the marker was dropped and counted as lost");
		break;
	default:
		ret = cli_fail(cmd, "write: %s", strerror(-ret));
	}
	free(buf);
close:
	rtrace_session__close(s);
	return ret;
}
