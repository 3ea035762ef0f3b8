// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace record: configure, start, save the stream to a file until a signal,
 * --duration or the end of COMMAND, then stop, flush and drain so the file
 * ends at a sub-buffer boundary; a live status line and a summary on stderr.
 *
 * Signals (the same rules as perf record):
 *  - SIGINT, SIGTERM, SIGHUP end the recording: stop, drain, close the file.
 *    A terminal's Ctrl-C also reaches COMMAND (same process group); rtrace
 *    does not forward it.  A COMMAND still running once the file is complete
 *    gets SIGTERM, and rtrace waits for it (another signal then sends SIGKILL).
 *  - A second signal during the drain cuts it at the next sub-buffer
 *    boundary: the file holds less but still decodes.
 *  - SIGCHLD (COMMAND exited) ends the recording like a signal.
 */
#define _GNU_SOURCE	/* pipe2() */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define EXIT_NOEXEC	126	/* COMMAND found but not executable, as shells say */
#define EXIT_NOTFOUND	127	/* COMMAND not found */

/* Written by the signal handler: end the loop; count of stop signals seen. */
static volatile int stop_requested;
static volatile sig_atomic_t nr_signals;
static volatile sig_atomic_t child_exited;

static void on_signal(int sig)
{
	if (sig == SIGCHLD) {
		child_exited = 1;
	} else {
		if (nr_signals < 100)
			nr_signals++;
	}
	stop_requested = 1;
}

/* Where the stream goes, and what the status line shows. */
struct rec {
	int fd;
	int err;		/* errno of a failed write */
	int cut;		/* the drain was cut by a second signal */
	uint64_t bytes;
	struct rtrace_session *s;
	int status_line;	/* stderr is a terminal */
	int status_shown;
	uint64_t t0;
	uint64_t last_t;
	uint64_t last_written;
};

/* The signals that end a recording, and their dispositions before rtrace's. */
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
static struct sigaction saved[3];

/*
 * Install the handler for the stop signals (and SIGCHLD with a COMMAND).
 * A SIGHUP ignored by whoever started rtrace (nohup) stays ignored; SIGINT
 * is taken even when ignored, which is how a shell starts background jobs.
 */
static void signals_install(int with_child)
{
	struct sigaction sa;
	size_t i;

	/* No SA_RESTART: a signal interrupts poll() so the loop sees the flag at once. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 3; i++) {
		sigaction(stop_signals[i], NULL, &saved[i]);
		if (stop_signals[i] == SIGHUP && saved[i].sa_handler == SIG_IGN)
			continue;
		sigaction(stop_signals[i], &sa, NULL);
	}
	if (with_child) {
		sa.sa_flags = SA_NOCLDSTOP;
		sigaction(SIGCHLD, &sa, NULL);
	}
}

/* In COMMAND's process: the dispositions rtrace was started with. */
static void signals_restore(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	size_t i;

	for (i = 0; i < 3; i++)
		sigaction(stop_signals[i], &saved[i], NULL);
	sigaction(SIGCHLD, &dfl, NULL);
}

/* Returned by the read loop's callbacks when a second signal cuts the drain. */
#define REC_CUT		1

static int sink_write(void *ctx, const void *data, size_t len)
{
	struct rec *r = ctx;
	const char *p = data;

	/* Whole chunks only, the first (the stream header) always: the file decodes. */
	if (nr_signals >= 2 && r->bytes) {
		r->cut = 1;
		return REC_CUT;
	}
	while (len) {
		ssize_t n = write(r->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r->err = errno;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		r->bytes += (uint64_t)n;
	}
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Sum of the kernel's counters over all (cpu, lane). Return: 0 or -errno. */
static int stats_sum(struct rtrace_session *s, uint64_t *written, uint64_t *lost)
{
	struct rtrace_lane_stats *st;
	size_t nr, i;
	int c, ret;

	ret = rtrace_session__stats(s, &st, &nr);
	if (ret)
		return ret;
	*written = 0;
	memset(lost, 0, RTRACE_NR_LOST * sizeof(*lost));
	for (i = 0; i < nr; i++) {
		*written += st[i].written;
		for (c = 0; c < RTRACE_NR_LOST; c++)
			lost[c] += st[i].lost[c];
	}
	free(st);
	return 0;
}

/* "lost 0" or "lost full=12 overwritten=3": the causes that are not zero. */
static void print_lost_short(FILE *f, const uint64_t *lost)
{
	int c, any = 0;

	fputs("lost", f);
	for (c = 0; c < RTRACE_NR_LOST; c++) {
		if (!lost[c])
			continue;
		fprintf(f, " %s=%llu", rtrace_lost__name(c), (unsigned long long)lost[c]);
		any = 1;
	}
	if (!any)
		fputs(" 0", f);
}

/* The read loop's tick: redraw the status line (on a terminal only). */
static int status_tick(void *ctx)
{
	struct rec *r = ctx;
	uint64_t written, lost[RTRACE_NR_LOST], now = mono_ns(), rate = 0;
	char b[32];

	if (nr_signals >= 2 && r->bytes) {
		r->cut = 1;
		return REC_CUT;
	}
	if (!r->status_line || stats_sum(r->s, &written, lost))
		return 0;
	if (now > r->last_t && written >= r->last_written)
		rate = (written - r->last_written) * 1000000000ull / (now - r->last_t);
	r->last_t = now;
	r->last_written = written;
	fprintf(stderr, "\r\033[Krtrace record: %.1f s, %llu events, %s, ",
		(double)(now - r->t0) / 1e9, (unsigned long long)written,
		cli_fmt_bytes(b, sizeof(b), r->bytes));
	print_lost_short(stderr, lost);
	fprintf(stderr, ", %llu events/s", (unsigned long long)rate);
	fflush(stderr);
	r->status_shown = 1;
	return 0;
}

static void warn_lost(const struct rtrace_session_config *cfg, const uint64_t *lost)
{
	char b[32], sb[32];

	cli_fmt_bytes(b, sizeof(b), cfg->lane_bytes);
	cli_fmt_bytes(sb, sizeof(sb), cfg->subbuf_size);
	if (lost[RTRACE_LOST_FULL])
		fprintf(stderr, "rtrace record: warning: %llu events lost because a ring was full "
			"(discard mode keeps the oldest and drops new events while the reader is "
			"behind): a bigger --buffer-size (now %s per CPU and lane) would have kept "
			"them, or --mode overwrite to keep the newest instead\n",
			(unsigned long long)lost[RTRACE_LOST_FULL], b);
	if (lost[RTRACE_LOST_OVERWRITTEN])
		fprintf(stderr, "rtrace record: warning: %llu events overwritten (--mode overwrite "
			"recycles the oldest sub-buffers of a ring when the reader is behind, so "
			"the newest %s per CPU and lane are always kept): a bigger --buffer-size "
			"keeps more; --mode discard keeps the oldest instead\n",
			(unsigned long long)lost[RTRACE_LOST_OVERWRITTEN], b);
	if (lost[RTRACE_LOST_TOO_LARGE])
		fprintf(stderr, "rtrace record: warning: %llu events larger than a sub-buffer "
			"were dropped: a bigger --subbuf-size (now %s) would have kept them\n",
			(unsigned long long)lost[RTRACE_LOST_TOO_LARGE], sb);
	if (lost[RTRACE_LOST_RECURSION])
		fprintf(stderr, "rtrace record: warning: %llu events lost to recursion (emitted "
			"while their context lane and the spare lane were both busy on that CPU: "
			"deeper nesting than rtrace records; no option changes it)\n",
			(unsigned long long)lost[RTRACE_LOST_RECURSION]);
	if (lost[RTRACE_LOST_OFF])
		fprintf(stderr, "rtrace record: warning: %llu events emitted while the session "
			"was not running (before the start or after the stop), so outside the "
			"recording\n", (unsigned long long)lost[RTRACE_LOST_OFF]);
}

/* The summary, always printed: events, bytes, file, lost by cause, warnings. */
static void print_summary(struct rec *r, const char *out, const struct rtrace_session_config *cfg)
{
	uint64_t written = 0, lost[RTRACE_NR_LOST] = { 0 };
	double sec = (double)(mono_ns() - r->t0) / 1e9;
	char b[32];
	int have = !stats_sum(r->s, &written, lost);

	if (r->status_shown)
		fprintf(stderr, "\r\033[K");
	fprintf(stderr, "rtrace record: %llu events written by the kernel, %llu bytes (%s) to %s "
		"in %.1f s\n", (unsigned long long)written, (unsigned long long)r->bytes,
		cli_fmt_bytes(b, sizeof(b), r->bytes), strcmp(out, "-") ? out : "stdout", sec);
	if (!have) {
		fprintf(stderr, "rtrace record: the kernel's counters could not be read\n");
		return;
	}
	fprintf(stderr, "rtrace record: ");
	cli_print_lost(stderr, lost);
	fprintf(stderr, "\n");
	warn_lost(cfg, lost);
	if (cfg->nr_pids) {
		struct rtrace_info info = { .size = sizeof(info) };

		if (!rtrace_session__info(r->s, &info) && info.pids_full)
			fprintf(stderr, "rtrace record: warning: %llu new tasks of the filtered ones were "
				"not followed: the PID filter held its %d ids (RTRACE_PIDS_MAX); "
				"their events are not in the file\n",
				(unsigned long long)info.pids_full, RTRACE_PIDS_MAX);
	}
	if (r->cut)
		fprintf(stderr, "rtrace record: a second signal cut the drain: what was still in "
			"the rings is not in the file (it ends at a sub-buffer boundary and decodes)\n");
}

/*
 * Find @name as execvp() would (PATH when it has no '/').
 * Return: 0, -ENOENT (not found) or -EACCES (found, not executable).
 */
static int find_command(const char *name)
{
	const char *path = getenv("PATH"), *p;
	char buf[PATH_MAX];
	int seen = 0;

	if (strchr(name, '/')) {
		struct stat st;

		if (stat(name, &st))
			return -ENOENT;
		return !S_ISDIR(st.st_mode) && !access(name, X_OK) ? 0 : -EACCES;
	}
	if (!*name)
		return -ENOENT;
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path;; p += strcspn(p, ":") + 1) {
		size_t dl = strcspn(p, ":");
		struct stat st;

		if (snprintf(buf, sizeof(buf), "%.*s%s%s", (int)dl, p, dl ? "/" : "", name) <
		    (int)sizeof(buf) && !stat(buf, &st) && !S_ISDIR(st.st_mode)) {
			if (!access(buf, X_OK))
				return 0;
			seen = 1;
		}
		if (!p[dl])
			break;
	}
	return seen ? -EACCES : -ENOENT;
}

/*
 * Fork COMMAND, held before exec until go() so that it runs only once the
 * session records.  Return: the pid, or -errno.
 */
struct child {
	pid_t pid;
	int go;		/* write end: a byte lets the child exec */
	int err;	/* read end: the child's errno if exec failed, EOF if it worked */
};

static int child_spawn(struct child *ch, char **argv)
{
	int gp[2], ep[2], e;
	char c = 0;
	ssize_t n;

	if (pipe2(gp, O_CLOEXEC))
		return -errno;
	if (pipe2(ep, O_CLOEXEC)) {
		e = -errno;
		goto err_gp;
	}
	ch->pid = fork();
	if (ch->pid < 0) {
		e = -errno;
		goto err_ep;
	}
	if (!ch->pid) {
		signals_restore();
		close(gp[1]);
		close(ep[0]);
		do {
			n = read(gp[0], &c, 1);
		} while (n < 0 && errno == EINTR);
		if (n != 1 || c != 'g')	/* EOF: rtrace gave up before starting */
			_exit(EXIT_NOTFOUND);
		execvp(argv[0], argv);
		e = errno;
		while (write(ep[1], &e, sizeof(e)) < 0 && errno == EINTR)
			;
		_exit(e == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC);
	}
	close(gp[0]);
	close(ep[1]);
	ch->go = gp[1];
	ch->err = ep[0];
	return 0;
err_ep:
	close(ep[0]);
	close(ep[1]);
err_gp:
	close(gp[0]);
	close(gp[1]);
	return e;
}

/* Let the child exec. Return: 0, or the errno of a failed exec. */
static int child_go(struct child *ch)
{
	ssize_t n;
	int e = 0;

	while (write(ch->go, "g", 1) < 0 && errno == EINTR)
		;
	close(ch->go);
	ch->go = -1;
	do {
		n = read(ch->err, &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	close(ch->err);
	ch->err = -1;
	return n == sizeof(e) ? e : 0;
}

/* Wait for the child; its status as a shell reports it. */
static int child_wait(struct child *ch)
{
	int st, killed = 0, seen = nr_signals;

	for (;;) {
		pid_t p = waitpid(ch->pid, &st, 0);

		if (p == ch->pid)
			break;
		if (p < 0 && errno != EINTR)
			return 1;
		/* Interrupted by a signal: one more after the SIGTERM means "now". */
		if (nr_signals > seen && !killed) {
			kill(ch->pid, SIGKILL);
			killed = 1;
		}
	}
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 1;
}

int cmd_record(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_CONFIG_LONGOPTS,
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "mmap", no_argument, NULL, OPT_MMAP },
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "record", *out = "rtrace.dat", *device = NULL;
	struct rtrace_read_loop_opts lo = { .sz = sizeof(lo) };
	struct child ch = { .pid = -1, .go = -1, .err = -1 };
	struct rec r = { .fd = -1 };
	char **command = NULL;
	int status = -1;	/* --status: -1 auto, 0 never, 1 always */
	struct cli_config cc;
	double duration = 0;
	int opt, ret, force = 0, oflags;

	cli_config_init(&cc);
	/* '+': the first non-option starts COMMAND, whose own options are its own. */
	while ((opt = getopt_long(argc, argv, "+o:fhe:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			out = optarg;
			break;
		case 'f':
			force = 1;
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
		case OPT_STATUS:
			if (!strcmp(optarg, "auto"))
				status = -1;
			else if (!strcmp(optarg, "always"))
				status = 1;
			else if (!strcmp(optarg, "never"))
				status = 0;
			else
				return cli_usage_error(cmd, "--status must be auto, always or never, not '%s'",
						       optarg);
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
	if (cli_config_check(cmd, &cc, optind < argc))
		return EXIT_USAGE;
	if (optind < argc) {
		command = argv + optind;
		if (!strcmp(out, "-"))
			return cli_usage_error(cmd, "-o - with a COMMAND: its standard output would mix with the capture");
		ret = find_command(command[0]);
		if (ret == -ENOENT) {
			cli_fail(cmd, "%s: command not found (nothing was recorded)", command[0]);
			return EXIT_NOTFOUND;
		}
		if (ret) {
			cli_fail(cmd, "%s: not an executable file (nothing was recorded)", command[0]);
			return EXIT_NOEXEC;
		}
	}
	oflags = strcmp(out, "-") ? cli_output_flags(cmd, out, force) : 0;
	if (oflags < 0)
		return 1;

	r.s = cli_open(cmd, device, 0);
	if (!r.s)
		return 1;
	ret = cli_events_resolve(cmd, r.s, &cc);
	if (ret)
		goto out_close;
	if (cc.cfg.nr_pids && !cc.cfg.events)
		fprintf(stderr, "rtrace record: warning: --pid/--tid/--follow filter kernel events only, "
			"and none is selected (-e, --sources)\n");

	signals_install(!!command);
	if (command) {
		/* Held before exec: with --follow it joins the filter first. */
		ret = child_spawn(&ch, command);
		if (ret) {
			ret = cli_fail(cmd, "cannot start %s: %s", command[0], strerror(-ret));
			goto out_close;
		}
		if (cc.cfg.pid_flags & RTRACE_PIDS_FOLLOW) {
			/* A process, with its threads, unless --tid asked for threads. */
			if (!cc.pid_opt)
				cc.cfg.pid_flags |= RTRACE_PIDS_TGID;
			if (cli_config_add_pid(cmd, &cc, (uint32_t)ch.pid)) {
				ret = EXIT_USAGE;
				goto out_child;
			}
		}
	}
	ret = rtrace_session__configure(r.s, &cc.cfg);
	if (ret) {
		ret = cli_ioctl_fail(cmd, "configure", ret);
		goto out_child;
	}
	if (!strcmp(out, "-")) {
		r.fd = STDOUT_FILENO;
	} else {
		r.fd = open(out, O_WRONLY | O_CREAT | O_CLOEXEC | oflags, 0644);
		if (r.fd < 0) {
			ret = errno == EEXIST ?
			      cli_fail(cmd, "%s exists: not overwriting it; -f replaces it", out) :
			      cli_fail(cmd, "%s: %s", out, strerror(errno));
			goto out_child;
		}
	}

	ret = rtrace_session__start(r.s);
	if (ret) {
		ret = cli_ioctl_fail(cmd, "start", ret);
		goto out_child;
	}
	r.t0 = r.last_t = mono_ns();
	r.status_line = status < 0 ? isatty(STDERR_FILENO) : status;
	if (command) {
		int e = child_go(&ch);

		if (e) {
			/* The file holds the (short) capture; the exit status says what failed. */
			cli_fail(cmd, "%s: %s", command[0], strerror(e));
			stop_requested = 1;
		}
	}
	lo.fn = sink_write;
	lo.tick = status_tick;
	lo.ctx = &r;
	lo.stop = &stop_requested;
	lo.deadline_ns = duration > 0 ? r.t0 + (uint64_t)(duration * 1e9) : 0;
	lo.drain = 1;
	ret = rtrace_session__read_loop(r.s, &lo);
	if (ret == REC_CUT)
		ret = 0;
	else if (ret < 0 && r.err)
		ret = cli_fail(cmd, "%s: %s", out, strerror(r.err));
	else if (ret < 0)
		ret = cli_ioctl_fail(cmd, lo.use_mmap ? "mmap reader" : "read", ret);
	/* The loop stops the session when it ends by signal or deadline; make sure on EOF too. */
	rtrace_session__stop(r.s);
	if (r.fd != STDOUT_FILENO && close(r.fd) && !ret)
		ret = cli_fail(cmd, "%s: %s", out, strerror(errno));
	r.fd = -1;
	print_summary(&r, out, &cc.cfg);
out_child:
	if (ch.pid > 0) {
		int st;

		if (ch.go >= 0) {	/* never started: EOF on its pipe makes it exit */
			close(ch.go);
			ch.go = -1;
		} else if (!child_exited) {
			fprintf(stderr, "rtrace record: the capture is complete; sending SIGTERM to %s "
				"(pid %d) and waiting for it\n", command[0], (int)ch.pid);
			kill(ch.pid, SIGTERM);
		}
		st = child_wait(&ch);
		if (!ret)
			ret = st;
	}
	if (ch.err >= 0)
		close(ch.err);
	if (r.fd >= 0 && r.fd != STDOUT_FILENO && close(r.fd) && !ret)
		ret = cli_fail(cmd, "%s: %s", out, strerror(errno));
out_close:
	rtrace_session__close(r.s);
	return ret;
}
