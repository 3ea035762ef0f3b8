// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace CLI: argument parsers, the session options shared by record and
 * configure, and opening the device with errors a user can act on.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_size(const char *s, uint64_t *out)
{
	static const struct { const char *sfx; unsigned int shift; } sfx[] = {
		{ "", 0 }, { "b", 0 }, { "k", 10 }, { "kb", 10 }, { "kib", 10 },
		{ "m", 20 }, { "mb", 20 }, { "mib", 20 }, { "g", 30 }, { "gb", 30 }, { "gib", 30 },
	};
	unsigned long long v;
	char *end;
	size_t i;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		if (strcasecmp(end, sfx[i].sfx))
			continue;
		if (v > (UINT64_MAX >> sfx[i].shift))
			return -EINVAL;
		*out = (uint64_t)v << sfx[i].shift;
		return 0;
	}
	return -EINVAL;
}

int parse_duration(const char *s, double *sec)
{
	char *end;
	double v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0 || v > 1e9)
		return -EINVAL;
	*sec = v;
	return 0;
}

int parse_cpus(const char *s, unsigned long *mask, size_t mask_longs, size_t *nbytes)
{
	const size_t bits = 8 * sizeof(unsigned long);
	unsigned long max = 0;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	memset(mask, 0, mask_longs * sizeof(*mask));
	for (;;) {
		unsigned long a, b, c;
		char *end;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		a = strtoul(p, &end, 10);
		b = a;
		p = end;
		if (*p == '-') {
			p++;
			if (*p < '0' || *p > '9')
				return -EINVAL;
			b = strtoul(p, &end, 10);
			p = end;
		}
		if (b < a || b >= mask_longs * bits)
			return -EINVAL;
		for (c = a; c <= b; c++)
			mask[c / bits] |= 1UL << (c % bits);
		if (b > max)
			max = b;
		if (!*p)
			break;
		if (*p++ != ',')
			return -EINVAL;
	}
	*nbytes = (max / bits + 1) * sizeof(unsigned long);
	return 0;
}

int parse_sources(const char *s, uint64_t *out)
{
	static const struct { const char *name; uint64_t bit; } names[] = {
		{ "kapi", RTRACE_SOURCE_KAPI },
		{ "sched", RTRACE_SOURCE_SCHED },
		{ "irq", RTRACE_SOURCE_IRQ },
		{ "syscalls", RTRACE_SOURCE_SYSCALLS },
		{ "faults", RTRACE_SOURCE_FAULTS },
		{ "block", RTRACE_SOURCE_BLOCK },
		{ "workqueue", RTRACE_SOURCE_WORKQUEUE },
		{ "validate", RTRACE_SOURCE_VALIDATE },
		{ "names", RTRACE_SOURCE_TASK_NAMES },
		{ "all", RTRACE_SOURCE_KAPI | RTRACE_SOURCE_SCHED | RTRACE_SOURCE_IRQ |
			 RTRACE_SOURCE_SYSCALLS | RTRACE_SOURCE_FAULTS | RTRACE_SOURCE_BLOCK |
			 RTRACE_SOURCE_WORKQUEUE },
	};
	uint64_t v = 0;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	while (*p) {
		size_t len = strcspn(p, ","), i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == len && !strncmp(p, names[i].name, len))
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			return -EINVAL;
		v |= names[i].bit;
		p += len;
		if (*p == ',' && *++p == '\0')
			return -EINVAL;
	}
	*out = v;
	return 0;
}

void cli_config_init(struct cli_config *c)
{
	memset(c, 0, sizeof(*c));
	c->cfg.sz = sizeof(c->cfg);
	c->cfg.lane_bytes = 256 << 10;
	c->cfg.subbuf_size = 16 << 10;
	c->cfg.sources = RTRACE_SOURCE_KAPI;
}

#define CLI_PID_MAX	4194304		/* the kernel's PID_MAX_LIMIT on 64-bit */

/*
 * --pid/--tid LIST: comma-separated ids, added to the filter.
 * Return: 1, or EXIT_USAGE after saying what is wrong.
 */
static int config_pids(const char *cmd, struct cli_config *c, int opt, const char *arg)
{
	const char *name = opt == OPT_PID ? "--pid" : "--tid", *p = arg;

	if (c->pid_opt && c->pid_opt != opt)
		return cli_usage_error(cmd, "--pid (processes) and --tid (threads) exclude each other");
	c->pid_opt = opt;
	if (opt == OPT_PID)
		c->cfg.pid_flags |= RTRACE_PIDS_TGID;
	for (;;) {
		size_t len = strcspn(p, ",");
		char num[16], *end;
		unsigned long v;
		size_t i;

		if (!len || len >= sizeof(num))
			return cli_usage_error(cmd, "%s: '%.*s' in '%s' is not a %s id (a number from 1 to %d)",
					       name, (int)len, p, arg,
					       opt == OPT_PID ? "process" : "thread", CLI_PID_MAX);
		memcpy(num, p, len);
		num[len] = 0;
		errno = 0;
		v = strtoul(num, &end, 10);
		if (errno || *end || num[0] < '0' || num[0] > '9' || !v || v > CLI_PID_MAX)
			return cli_usage_error(cmd, "%s: '%s' in '%s' is not a %s id (a number from 1 to %d)",
					       name, num, arg,
					       opt == OPT_PID ? "process" : "thread", CLI_PID_MAX);
		for (i = 0; i < c->cfg.nr_pids && c->pids[i] != v; i++)
			;
		if (i == c->cfg.nr_pids) {
			if (c->cfg.nr_pids == RTRACE_PIDS_MAX)
				return cli_usage_error(cmd, "%s: more than %d ids (the kernel's limit, RTRACE_PIDS_MAX)",
						       name, RTRACE_PIDS_MAX);
			c->pids[c->cfg.nr_pids++] = (uint32_t)v;
		}
		if (!p[len])
			break;
		p += len + 1;
	}
	c->cfg.pids = c->pids;
	return 1;
}

int cli_config_add_pid(const char *cmd, struct cli_config *c, uint32_t pid)
{
	size_t i;

	for (i = 0; i < c->cfg.nr_pids; i++)
		if (c->pids[i] == pid)
			return 0;
	if (c->cfg.nr_pids == RTRACE_PIDS_MAX)
		return cli_usage_error(cmd, "the PID filter is full (%d ids) without COMMAND",
				       RTRACE_PIDS_MAX);
	c->pids[c->cfg.nr_pids++] = pid;
	c->cfg.pids = c->pids;
	return 0;
}

int cli_config_opt(const char *cmd, struct cli_config *c, int opt, const char *arg)
{
	uint64_t v;

	switch (opt) {
	case OPT_MODE:
		if (!strcmp(arg, "discard"))
			c->cfg.overwrite = 0;
		else if (!strcmp(arg, "overwrite"))
			c->cfg.overwrite = 1;
		else
			return cli_usage_error(cmd, "--mode must be discard or overwrite, not '%s'", arg);
		return 1;
	case OPT_BUFFER_SIZE:
		if (parse_size(arg, &v) || !v)
			return cli_usage_error(cmd, "--buffer-size: '%s' is not a size (e.g. 256K, 4M)",
					       arg);
		c->cfg.lane_bytes = v;
		return 1;
	case OPT_SUBBUF_SIZE:
		if (parse_size(arg, &v) || v < 4096 || v > (1 << 20) || (v & (v - 1)))
			return cli_usage_error(cmd,
					       "--subbuf-size: '%s' is not a power of two from 4K to 1M",
					       arg);
		c->cfg.subbuf_size = (uint32_t)v;
		return 1;
	case OPT_CPUS:
		if (parse_cpus(arg, c->cpumask, sizeof(c->cpumask) / sizeof(c->cpumask[0]),
			       &c->cfg.cpumask_bytes))
			return cli_usage_error(cmd,
					       "--cpus: '%s' is not a CPU list like 0-3,6 (CPUs below %d)",
					       arg, CLI_MAX_CPUS);
		c->cfg.cpumask = c->cpumask;
		return 1;
	case OPT_DISCARD:
		c->cfg.discard_unread = 1;
		return 1;
	case OPT_PID:
	case OPT_TID:
		return config_pids(cmd, c, opt, arg);
	case OPT_FOLLOW:
		c->cfg.pid_flags |= RTRACE_PIDS_FOLLOW;
		return 1;
	case OPT_SOURCES:
		if (parse_sources(arg, &c->cfg.sources))
			return cli_usage_error(cmd,
					       "--sources: '%s' is not a list of kapi, sched, irq, syscalls, faults, block, workqueue, names, validate, all",
					       arg);
		return 1;
	case 'e':
		if (!*arg)
			return cli_usage_error(cmd, "-e: an empty list ('rtrace list' shows the events)");
		if (c->nr_events_args == sizeof(c->events_args) / sizeof(c->events_args[0]))
			return cli_usage_error(cmd, "-e: at most %zu of them (use commas)",
					       sizeof(c->events_args) / sizeof(c->events_args[0]));
		c->events_args[c->nr_events_args++] = arg;
		return 1;
	}
	return 0;
}

int cli_config_check(const char *cmd, struct cli_config *c, int command)
{
	size_t i;

	if ((c->cfg.pid_flags & RTRACE_PIDS_FOLLOW) && !c->cfg.nr_pids && !command)
		return cli_usage_error(cmd, "--follow follows the children of --pid or --tid%s: give one",
				       strcmp(cmd, "record") ? "" : " or of a COMMAND");
	/* An id nobody has now would never match: a typo, or a process gone. */
	for (i = 0; i < c->cfg.nr_pids; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/proc/%u", c->pids[i]);
		if (access(path, F_OK))
			return cli_usage_error(cmd, "%s %u: no such %s", c->pid_opt == OPT_PID ?
					       "--pid" : "--tid", c->pids[i],
					       c->pid_opt == OPT_PID ? "process" : "thread");
	}
	if (c->cfg.lane_bytes % c->cfg.subbuf_size || c->cfg.lane_bytes < 2ull * c->cfg.subbuf_size)
		return cli_usage_error(cmd,
				       "--buffer-size %llu must be a multiple of --subbuf-size %u holding at least two",
				       (unsigned long long)c->cfg.lane_bytes, c->cfg.subbuf_size);
	return 0;
}

/* Does /sys/kernel/security/lockdown say "[confidentiality]"? */
static int lockdown_confidential(void)
{
	FILE *f = fopen("/sys/kernel/security/lockdown", "re");
	char line[128];
	int ret = 0;

	if (!f)
		return 0;
	if (fgets(line, sizeof(line), f))
		ret = !!strstr(line, "[confidentiality]");
	fclose(f);
	return ret;
}

struct rtrace_session *cli_open(const char *cmd, const char *device, int nonblock)
{
	struct rtrace_session_opts o = { .sz = sizeof(o), .nonblock = nonblock };
	struct rtrace_session *s;
	int err;

	if (!device)
		device = getenv("RTRACE_DEVICE");
	o.path = device && *device ? device : "/dev/rtrace";
	s = rtrace_session__open(&o);
	if (s)
		return s;
	err = errno;	/* lockdown_confidential() may change errno */
	switch (err) {
	case ENOENT:
	case ENXIO:
	case ENODEV:
		cli_fail(cmd, "%s: %s: the rtrace module is not loaded (load it as root with "
			 "'modprobe rtrace', or 'insmod rtrace.ko' from a build), or --device / "
			 "$RTRACE_DEVICE names the wrong file", o.path, strerror(err));
		break;
	case EACCES:
		cli_fail(cmd, "%s: %s: the device file is root's (mode 0600; 0660 for the group "
			 "of the module's group= parameter): run as root, or as a member of that "
			 "group with CAP_PERFMON", o.path, strerror(err));
		break;
	case EPERM:
		if (lockdown_confidential())
			cli_fail(cmd, "%s: %s: the kernel is locked down (lockdown=confidentiality), "
				 "which closes rtrace as it closes tracefs, even to root",
				 o.path, strerror(err));
		else
			cli_fail(cmd, "%s: %s: opening it needs CAP_PERFMON or CAP_SYS_ADMIN (run as "
				 "root, or give the program CAP_PERFMON)", o.path, strerror(err));
		break;
	default:
		cli_fail(cmd, "%s: %s", o.path, strerror(err));
	}
	return NULL;
}

int cli_ioctl_fail(const char *cmd, const char *what, int err)
{
	const char *hint = "";

	switch (-err) {
	case ENODATA:
		hint = " (no session: run 'rtrace configure' or 'rtrace record' first)";
		break;
	case EBUSY:
		hint = " (the session is running or mapped, or holds data nobody read: 'rtrace stop' it, read it, or pass --discard; or another reader is the consumer)";
		break;
	case ENOTTY:
		hint = " (the loaded module does not know this request: version mismatch?)";
		break;
	case EINVAL:
		hint = " (the module rejected the arguments; see 'rtrace info')";
		break;
	case E2BIG:
		hint = " (the loaded module is older than this rtrace and lacks a field it was given, "
		       "e.g. the PID filter of --pid, --tid, --follow)";
		break;
	case EIO:
		hint = " (an integrity check found the session's ring broken and stopped it: "
		       "see the kernel log; read what it holds, then configure a new session)";
		break;
	}
	return cli_fail(cmd, "%s: %s%s", what, strerror(-err), hint);
}

struct rtrace_decoder *cli_open_decoder(const char *cmd, const char *path, int order)
{
	struct rtrace_decoder_opts o = { .sz = sizeof(o), .order = order };
	struct rtrace_decoder *dec = rtrace_decoder__open(path, &o);

	if (!dec)
		cli_fail(cmd, "%s: %s", strcmp(path, "-") ? path : "stdin", strerror(errno));
	return dec;
}

int cli_report_decode_error(const char *cmd, const char *path, const struct rtrace_decoder *dec)
{
	const struct rtrace_decode_error *e = rtrace_decoder__error(dec);

	if (e->code == RTRACE_DEC_OK)
		return 0;
	fprintf(stderr, "rtrace %s: %s: %s at byte %llu: %s", cmd, strcmp(path, "-") ? path : "stdin",
		rtrace_decode_code__name(e->code), (unsigned long long)e->offset, e->msg);
	if (rtrace_decoder__nr_errors(dec) > 1)
		fprintf(stderr, " (and %llu more problems)",
			(unsigned long long)rtrace_decoder__nr_errors(dec) - 1);
	fprintf(stderr, "\n");
	return 1;
}

void cli_print_lost(FILE *f, const uint64_t *lost)
{
	int c;

	fprintf(f, "lost");
	for (c = 0; c < RTRACE_NR_LOST; c++)
		fprintf(f, " %s=%llu", rtrace_lost__name(c), (unsigned long long)lost[c]);
}

int cli_parse_open(const char *cmd, int argc, char **argv, unsigned int takes,
		   struct cli_common *o, struct rtrace_session **sp)
{
	static const struct {
		unsigned int takes;
		struct option opt;
	} all[] = {
		{ 0, { "device", required_argument, NULL, OPT_DEVICE } },
		{ 0, { "help", no_argument, NULL, 'h' } },
		{ CLI_TAKES_DISCARD, { "discard", no_argument, NULL, OPT_DISCARD } },
		{ CLI_TAKES_JSON, { "json", no_argument, NULL, OPT_JSON } },
		{ CLI_TAKES_ALL, { "all", no_argument, NULL, 'a' } },
	};
	struct option longopts[sizeof(all) / sizeof(all[0]) + 1] = { { NULL, 0, NULL, 0 } };
	const char *device = NULL;
	size_t i, n = 0;
	int opt;

	/* Only the options this command takes: getopt names any other. */
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!all[i].takes || (all[i].takes & takes))
			longopts[n++] = all[i].opt;
	memset(o, 0, sizeof(*o));
	while ((opt = getopt_long(argc, argv, takes & CLI_TAKES_ALL ? "ah" : "h",
				  longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_DEVICE:
			device = optarg;
			break;
		case OPT_DISCARD:
			o->discard = 1;
			break;
		case OPT_JSON:
			o->json = 1;
			break;
		case 'a':
			o->all = 1;
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
	*sp = cli_open(cmd, device, 0);
	return *sp ? -1 : 1;
}

const char *cli_fmt_bytes(char *buf, size_t len, uint64_t n)
{
	static const char * const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int u = -1;

	if (n < 1024) {
		snprintf(buf, len, "%llu B", (unsigned long long)n);
		return buf;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", v, unit[u]);
	return buf;
}

/* ------------------------------------------------------------------ JSON */

/* Separator and indentation before a new member or element, then its key. */
static void json_member(struct json *j, const char *key)
{
	if (j->depth) {
		fputs(j->nonempty & (1u << j->depth) ? ",\n" : "\n", j->f);
		j->nonempty |= 1u << j->depth;
		fprintf(j->f, "%*s", 2 * (int)j->depth, "");
	}
	if (key) {
		json_str_raw(j->f, key);
		fputs(": ", j->f);
	}
}

/* Length of the valid UTF-8 sequence at @s (RFC 3629), 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned int c = s[0], need, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i <= need; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates, beyond U+10FFFF. */
	if ((need == 2 && cp < 0x800) || (cp >= 0xd800 && cp <= 0xdfff) ||
	    (need == 3 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return need + 1;
}

void json_str_raw(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		size_t n = utf8_len(s);

		if (!n) {
			fputs("\\ufffd", f);
			s++;
			continue;
		}
		if (n > 1) {
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		switch (*s) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (*s < 0x20 || *s == 0x7f)
				fprintf(f, "\\u%04x", *s);
			else
				fputc(*s, f);
		}
		s++;
	}
	fputc('"', f);
}

void json_begin(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->nonempty = 0;
	json_object_begin(j, NULL);
	json_u64(j, "version", JSON_VERSION);
}

void json_end(struct json *j)
{
	json_object_end(j);
	fputc('\n', j->f);
	fflush(j->f);
}

static void json_open(struct json *j, const char *key, char c)
{
	json_member(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->nonempty &= ~(1u << j->depth);
}

static void json_close(struct json *j, char c)
{
	int had = !!(j->nonempty & (1u << j->depth));

	if (j->depth)
		j->depth--;
	if (had)
		fprintf(j->f, "\n%*s", 2 * (int)j->depth, "");
	fputc(c, j->f);
}

void json_object_begin(struct json *j, const char *key)
{
	json_open(j, key, '{');
}

void json_object_end(struct json *j)
{
	json_close(j, '}');
}

void json_array_begin(struct json *j, const char *key)
{
	json_open(j, key, '[');
}

void json_array_end(struct json *j)
{
	json_close(j, ']');
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	json_member(j, key);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

void json_str(struct json *j, const char *key, const char *s)
{
	json_member(j, key);
	json_str_raw(j->f, s);
}

void json_bool(struct json *j, const char *key, int v)
{
	json_member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	json_member(j, key);
	fputs("null", j->f);
}

void json_lost(struct json *j, const char *key, const uint64_t *lost)
{
	int c;

	json_object_begin(j, key);
	for (c = 0; c < RTRACE_NR_LOST; c++)
		json_u64(j, rtrace_lost__name(c), lost[c]);
	json_object_end(j);
}

/* The decoder's first problem as "error": {...}, or null. */
void cli_json_decode_error(struct json *j, const struct rtrace_decoder *dec)
{
	const struct rtrace_decode_error *e = rtrace_decoder__error(dec);

	if (e->code == RTRACE_DEC_OK) {
		json_null(j, "error");
		return;
	}
	json_object_begin(j, "error");
	json_str(j, "code", rtrace_decode_code__name(e->code));
	json_u64(j, "offset", e->offset);
	json_str(j, "message", e->msg);
	json_u64(j, "count", rtrace_decoder__nr_errors(dec));
	json_object_end(j);
}

/*
 * Refuse to replace an existing regular file without -f; devices and FIFOs
 * (/dev/null, a named pipe) are written to as they are.
 * Return: open flags for the output, or -1 after printing why not.
 */
int cli_output_flags(const char *cmd, const char *out, int force)
{
	struct stat st;

	if (stat(out, &st))
		return O_EXCL;
	if (!S_ISREG(st.st_mode))
		return 0;
	if (force)
		return O_TRUNC;
	cli_fail(cmd, "%s exists: not overwriting it (nothing was touched); -f replaces it", out);
	return -1;
}
