// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace snapshot: the flight recorder's "keep the last seconds".
 *
 *   rtrace snapshot -o FILE     the newest data to FILE, recording goes on
 *   rtrace snapshot --stop      stop the session (SNAPSHOT ioctl), as before;
 *                               with -o FILE also drain it into FILE
 *
 * Without --stop, a snapshot is a consumer that comes and goes: it flushes
 * the session (partly filled sub-buffers become readable), notes from STATS
 * how many sub-buffers each (cpu, lane) had published at that moment, and
 * reads whole sub-buffers until every lane has delivered the last of those
 * (or nothing more is published).  Each sub-buffer is copied whole and
 * consistent by the kernel (in overwrite mode it is pinned while copied,
 * so writers go around it); what writers overwrite meanwhile is counted in
 * the next header as usual.  The file starts with the stream header, so it
 * is a capture like any other; snapshots can be taken again and again, and
 * each holds what the ring held then that no earlier snapshot read.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

struct snap {
	const char *cmd;
	struct rtrace_session *s;
	struct rtrace_info info;
	int fd;
	uint64_t *target;	/* per (cpu, lane): seq + 1 to reach, 0 if none */
	size_t nr_pending;
	uint64_t units, bytes;
};

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Which lanes still owe a sub-buffer, from STATS right after the flush. */
static int snap_targets(struct snap *sn)
{
	struct rtrace_lane_stats *st = NULL;
	size_t nr = 0, i, slots = (size_t)sn->info.nr_cpus * RTRACE_NR_LANES;
	int ret;

	sn->target = calloc(slots ? slots : 1, sizeof(*sn->target));
	if (!sn->target)
		return -ENOMEM;
	ret = rtrace_session__stats(sn->s, &st, &nr);
	if (ret)
		return ret;
	for (i = 0; i < nr; i++) {
		size_t k = (size_t)st[i].cpu * RTRACE_NR_LANES + st[i].lane;

		if (st[i].cpu >= sn->info.nr_cpus || st[i].lane >= RTRACE_NR_LANES)
			continue;
		if (st[i].subbufs_written > st[i].subbufs_read) {
			sn->target[k] = st[i].subbufs_written;
			sn->nr_pending++;
		}
	}
	free(st);
	return 0;
}

/* Note what the whole units at @buf deliver. */
static void snap_account(struct snap *sn, const uint8_t *buf, size_t len)
{
	size_t off = 0;

	while (off + 8 <= len) {
		uint32_t magic, unit;

		memcpy(&magic, buf + off, 4);
		if (magic == RTRACE_SUBBUF_MAGIC && off + sizeof(struct rtrace_subbuf_hdr) <= len) {
			struct rtrace_subbuf_hdr h;
			size_t k;

			memcpy(&h, buf + off, sizeof(h));
			unit = h.hdr_size + h.commit;
			k = (size_t)h.cpu * RTRACE_NR_LANES + h.lane;
			sn->units++;
			if (sn->target && h.cpu < sn->info.nr_cpus && h.lane < RTRACE_NR_LANES &&
			    sn->target[k] && h.seq + 1 >= sn->target[k]) {
				sn->target[k] = 0;
				sn->nr_pending--;
			}
		} else {
			memcpy(&unit, buf + off + 12, 4);	/* stream header: hdr_size */
		}
		if (!unit)
			break;
		off += unit;
	}
}

/*
 * Copy whole sub-buffers to the file until the end: a stopped session's
 * end of file (--stop), or (@live) every lane delivered what it had
 * published at the flush, nothing more is published, or twice what the
 * ring holds went by (writers keep writing).
 */
static int snap_copy(struct snap *sn, int live)
{
	size_t len = sn->info.read_min * 4;
	uint64_t cap = 2 * sn->info.lane_bytes * sn->info.nr_cpus * RTRACE_NR_LANES + len;
	uint8_t *buf = malloc(len);
	int ret = 0;

	if (!buf)
		return cli_fail(sn->cmd, "out of memory");
	for (;;) {
		ssize_t n = rtrace_session__read(sn->s, buf, len);

		if (n == -EINTR)
			continue;
		if (n == -EAGAIN || n == 0)
			break;
		if (n < 0) {
			ret = cli_fail(sn->cmd, "read: %s%s", strerror((int)-n),
				       n == -EBUSY ? " (another reader is this session's consumer: "
				       "a snapshot needs that role; stop the other reader)" : "");
			break;
		}
		ret = write_all(sn->fd, buf, (size_t)n);
		if (ret) {
			ret = cli_fail(sn->cmd, "write: %s", strerror(-ret));
			break;
		}
		sn->bytes += (uint64_t)n;
		snap_account(sn, buf, (size_t)n);
		if (live && (!sn->nr_pending || sn->bytes >= cap))
			break;
	}
	free(buf);
	return ret;
}

/* The live snapshot: flush, note what each lane published, copy it. */
static int snap_live(struct snap *sn)
{
	int ret = rtrace_session__flush(sn->s);

	if (ret)
		return cli_ioctl_fail(sn->cmd, "flush", ret);
	ret = snap_targets(sn);
	if (ret)
		return cli_ioctl_fail(sn->cmd, "stats", ret);
	return snap_copy(sn, 1);
}

int cmd_snapshot(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "stop", no_argument, NULL, 's' },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *cmd = argv[0], *out = NULL, *device = NULL;
	struct snap sn = { .cmd = cmd, .fd = -1 };
	int opt, force = 0, stop = 0, ret, oflags = 0;
	char b[32];

	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:fh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			out = optarg;
			break;
		case 'f':
			force = 1;
			break;
		case 's':
			stop = 1;
			break;
		case OPT_DEVICE:
			device = optarg;
			break;
		case 'h':
			cli_print_help(stdout, cli_find(cmd));
			return 0;
		default:
			return cli_usage_error(cmd, "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!out && !stop)
		return cli_usage_error(cmd, "say what to do: -o FILE writes the newest data while "
				       "recording goes on; --stop stops the session (read it then)");
	if (out && strcmp(out, "-")) {
		oflags = cli_output_flags(cmd, out, force);
		if (oflags < 0)
			return 1;
	}

	sn.s = cli_open(cmd, device, !stop);
	if (!sn.s)
		return 1;
	ret = rtrace_session__info(sn.s, &sn.info);
	if (ret) {
		ret = cli_ioctl_fail(cmd, "info", ret);
		goto out;
	}
	if (sn.info.state == RTRACE_STATE_EMPTY) {
		ret = cli_fail(cmd, "no session: run 'rtrace configure --mode overwrite' and "
			       "'rtrace start' first");
		goto out;
	}
	if (out && sn.info.has_consumer) {
		ret = cli_fail(cmd, "another reader (rtrace record? cat?) is this session's consumer; "
			       "a snapshot reads as the consumer: stop that reader first");
		goto out;
	}
	if (stop) {
		ret = rtrace_session__snapshot(sn.s);
		if (ret) {
			ret = cli_ioctl_fail(cmd, "snapshot", ret);
			goto out;
		}
	}
	if (!out)
		goto out;
	if (!strcmp(out, "-")) {
		sn.fd = STDOUT_FILENO;
	} else {
		sn.fd = open(out, O_WRONLY | O_CREAT | O_CLOEXEC | oflags, 0644);
		if (sn.fd < 0) {
			ret = cli_fail(cmd, "%s: %s", out, strerror(errno));
			goto out;
		}
	}
	ret = stop ? snap_copy(&sn, 0) : snap_live(&sn);
	if (sn.fd != STDOUT_FILENO && close(sn.fd) && !ret)
		ret = cli_fail(cmd, "%s: %s", out, strerror(errno));
	if (ret)
		goto out;
	fprintf(stderr, "rtrace snapshot: %llu sub-buffers (%s) to %s; the session %s\n",
		(unsigned long long)sn.units, cli_fmt_bytes(b, sizeof(b), sn.bytes),
		strcmp(out, "-") ? out : "standard output",
		stop ? "is stopped" : sn.info.state == RTRACE_STATE_RUNNING ?
		"is still recording" : "was not running");
	if (!stop && !(sn.info.config_flags & RTRACE_CONFIG_OVERWRITE))
		fprintf(stderr, "rtrace snapshot: note: discard mode keeps the oldest data, not the "
			"newest; a flight recorder runs with --mode overwrite\n");
out:
	free(sn.target);
	rtrace_session__close(sn.s);
	return ret;
}
