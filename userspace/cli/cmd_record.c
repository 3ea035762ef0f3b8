// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace record: configure, start, save the stream until SIGINT/--duration,
 * then stop, flush and drain so the file ends at a sub-buffer boundary.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static volatile int stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct sink {
	int fd;
	uint64_t bytes;
	int err;
};

static int sink_write(void *ctx, const void *data, size_t len)
{
	struct sink *k = ctx;
	const char *p = data;

	while (len) {
		ssize_t n = write(k->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			k->err = errno;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		k->bytes += (uint64_t)n;
	}
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void print_loss(struct rtrace_session *s)
{
	struct rtrace_lane_stats *st;
	uint64_t written = 0, lost[RTRACE_NR_LOST] = { 0 };
	size_t nr, i;
	int c;

	if (rtrace_session__stats(s, &st, &nr))
		return;
	for (i = 0; i < nr; i++) {
		written += st[i].written;
		for (c = 0; c < RTRACE_NR_LOST; c++)
			lost[c] += st[i].lost[c];
	}
	free(st);
	fprintf(stderr, "rtrace record: %llu events written; ", (unsigned long long)written);
	cli_print_lost(stderr, lost);
	fprintf(stderr, "\n");
}

int cmd_record(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_CONFIG_LONGOPTS,
		{ "output", required_argument, NULL, 'o' },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "mmap", no_argument, NULL, OPT_MMAP },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "record", *out = "rtrace.dat", *device = NULL;
	struct rtrace_read_loop_opts lo = { .sz = sizeof(lo) };
	struct sigaction sa;
	struct cli_config cc;
	struct rtrace_session *s;
	struct sink sink = { .fd = -1 };
	double duration = 0;
	int opt, ret;

	cli_config_init(&cc);
	while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			out = optarg;
			break;
		case OPT_DURATION:
			if (parse_duration(optarg, &duration))
				return cli_usage_error(cmd, "--duration: '%s' is not a positive number of seconds",
						       optarg);
			break;
		case OPT_DEVICE:
			device = optarg;
			break;
		case OPT_MMAP:
			lo.use_mmap = 1;
			break;
		case 'h':
			cli_print_help(stdout, cli_find(cmd));
			return 0;
		case '?':
			return cli_usage_error(cmd, "bad option");
		default:
			ret = cli_config_opt(cmd, &cc, opt, optarg);
			if (ret != 1)
				return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (cli_config_check(cmd, &cc))
		return EXIT_USAGE;

	s = cli_open(cmd, device, 0);
	if (!s)
		return 1;
	ret = rtrace_session__configure(s, &cc.cfg);
	if (ret) {
		ret = cli_ioctl_fail(cmd, "configure", ret);
		goto out_close;
	}
	if (!strcmp(out, "-")) {
		sink.fd = STDOUT_FILENO;
	} else {
		sink.fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (sink.fd < 0) {
			ret = cli_fail(cmd, "%s: %s", out, strerror(errno));
			goto out_close;
		}
	}

	/* No SA_RESTART: a signal interrupts poll() so the loop sees the flag at once. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	ret = rtrace_session__start(s);
	if (ret) {
		ret = cli_ioctl_fail(cmd, "start", ret);
		goto out_file;
	}
	lo.fn = sink_write;
	lo.ctx = &sink;
	lo.stop = &stop_requested;
	lo.deadline_ns = duration > 0 ? mono_ns() + (uint64_t)(duration * 1e9) : 0;
	lo.drain = 1;
	ret = rtrace_session__read_loop(s, &lo);
	if (ret < 0 && sink.err)
		ret = cli_fail(cmd, "%s: %s", out, strerror(sink.err));
	else if (ret < 0)
		ret = cli_ioctl_fail(cmd, lo.use_mmap ? "mmap reader" : "read", ret);
	else
		ret = 0;
	/* The loop stops the session when it ends by signal or deadline; make sure on EOF too. */
	rtrace_session__stop(s);
	fprintf(stderr, "rtrace record: %llu bytes to %s\n", (unsigned long long)sink.bytes,
		strcmp(out, "-") ? out : "stdout");
	print_loss(s);
out_file:
	if (sink.fd >= 0 && sink.fd != STDOUT_FILENO && close(sink.fd) && !ret)
		ret = cli_fail(cmd, "%s: %s", out, strerror(errno));
out_close:
	rtrace_session__close(s);
	return ret;
}
