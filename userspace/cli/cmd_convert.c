// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace convert: write a capture in another format (an exporter of the
 * library's table) to a file or, for CTF, a directory.
 *
 * Nothing existing is replaced without -f.  A file is written under a
 * temporary name next to it and renamed into place once complete, so a
 * failed conversion leaves an existing file as it was; devices, FIFOs and
 * symbolic links are written through, never renamed over.  A CTF
 * directory is replaced only if it holds nothing but what the ctf
 * exporter writes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static void list_formats(void)
{
	const struct rtrace_exporter *x;
	unsigned int i;

	for (i = 0; (x = rtrace_exporter__at(i)); i++)
		printf("%-10s %s\n", x->name, x->summary);
}

/* A file name the ctf exporter writes: metadata, cpuN_LANE, sN_cpuN_LANE. */
static int ctf_own_name(const char *n)
{
	if (!strcmp(n, "metadata"))
		return 1;
	if (n[0] == 's') {
		n++;
		if (*n < '0' || *n > '9')
			return 0;
		while (*n >= '0' && *n <= '9')
			n++;
		if (*n++ != '_')
			return 0;
	}
	if (strncmp(n, "cpu", 3))
		return 0;
	n += 3;
	if (*n < '0' || *n > '9')
		return 0;
	while (*n >= '0' && *n <= '9')
		n++;
	return *n == '_';
}

/*
 * Make @dir ready for the ctf exporter: absent, or (with @force) a directory
 * holding only what the exporter writes, which is removed.  Return: 0 or the
 * exit status after printing why not.
 */
static int prepare_dir(const char *cmd, const char *dir, int force)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int foreign = 0;

	if (lstat(dir, &st)) {
		if (errno == ENOENT)
			return 0;
		return cli_fail(cmd, "%s: %s", dir, strerror(errno));
	}
	if (!force)
		return cli_fail(cmd, "%s exists: not overwriting it (nothing was touched); -f replaces it",
				dir);
	if (!S_ISDIR(st.st_mode))
		return cli_fail(cmd, "%s exists and is not a directory: not replacing it with a CTF trace",
				dir);
	d = opendir(dir);
	if (!d)
		return cli_fail(cmd, "%s: %s", dir, strerror(errno));
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    !ctf_own_name(de->d_name))
			foreign++;
	if (foreign) {
		closedir(d);
		return cli_fail(cmd, "%s holds files a CTF trace of rtrace does not (%d): not touching it",
				dir, foreign);
	}
	rewinddir(d);
	while ((de = readdir(d)))
		if (ctf_own_name(de->d_name) && unlinkat(dirfd(d), de->d_name, 0)) {
			closedir(d);
			return cli_fail(cmd, "%s/%s: %s", dir, de->d_name, strerror(errno));
		}
	closedir(d);
	return 0;
}

struct convert_out {
	FILE *f;
	char tmp[4096];		/* temporary name renamed to the output at the end, or "" */
};

/*
 * Open @path for writing.  A new file, or an existing regular file with -f,
 * is written under a temporary name in its directory and renamed when
 * complete.  Devices and FIFOs (/dev/null, a pipe) are written to as they
 * are, and so is a regular file reached through a symbolic link (with -f):
 * a rename would replace the device node or the link itself.
 * Return: 0 or the exit status after printing why not.
 */
static int open_file(const char *cmd, const char *path, int force, struct convert_out *o)
{
	struct stat st, lst;
	int fd;

	if (!stat(path, &st)) {
		if (S_ISDIR(st.st_mode))
			return cli_fail(cmd, "%s is a directory", path);
		if (S_ISREG(st.st_mode) && !force)
			return cli_fail(cmd, "%s exists: not overwriting it (nothing was touched); %s",
					path, "-f replaces it");
		if (!S_ISREG(st.st_mode) || (!lstat(path, &lst) && S_ISLNK(lst.st_mode))) {
			o->f = fopen(path, S_ISREG(st.st_mode) ? "w" : "a");
			if (!o->f)
				return cli_fail(cmd, "%s: %s", path, strerror(errno));
			return 0;
		}
	} else if (errno != ENOENT) {
		return cli_fail(cmd, "%s: %s", path, strerror(errno));
	}
	if ((size_t)snprintf(o->tmp, sizeof(o->tmp), "%s.tmp.XXXXXX", path) >= sizeof(o->tmp))
		return cli_fail(cmd, "%s: name too long", path);
	fd = mkstemp(o->tmp);
	if (fd < 0) {
		o->tmp[0] = 0;
		return cli_fail(cmd, "%s: %s", path, strerror(errno));
	}
	fchmod(fd, 0644);	/* mkstemp() makes it 0600; a capture's file is not secret */
	o->f = fdopen(fd, "w");
	if (!o->f) {
		close(fd);
		unlink(o->tmp);
		o->tmp[0] = 0;
		return cli_fail(cmd, "%s: %s", path, strerror(errno));
	}
	return 0;
}

int cmd_convert(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rtrace_export_opts xo = { .sz = sizeof(xo), .out = stdout };
	const struct rtrace_exporter *x = NULL;
	const char *cmd = "convert", *in, *out = NULL, *to = NULL;
	struct convert_out co = { 0 };
	struct rtrace_lane_info sum;
	struct rtrace_decoder *dec;
	int opt, force = 0, ret, dret;

	while ((opt = getopt_long(argc, argv, "t:o:fh", longopts, NULL)) != -1) {
		switch (opt) {
		case 't':
			to = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'f':
			force = 1;
			break;
		case 'h':
			cli_print_help(stdout, cli_find(cmd));
			return 0;
		default:
			return cli_usage_error(cmd, "bad option");
		}
	}
	if (to && !strcmp(to, "list")) {
		list_formats();
		return 0;
	}
	if (!to)
		return cli_usage_error(cmd, "--to FORMAT is required (ctf, perfetto, ...; --to list)");
	x = rtrace_exporter__find(to);
	if (!x)
		return cli_usage_error(cmd, "--to '%s' is not a format of this build (--to list)", to);
	if (optind >= argc)
		return cli_usage_error(cmd, "no input file");
	if (argc - optind > 1)
		return cli_usage_error(cmd, "one input file, got '%s' and '%s'", argv[optind],
				       argv[optind + 1]);
	in = argv[optind];
	if (!out || !*out)
		return cli_usage_error(cmd, "-o %s is required", x->flags & RTRACE_EXPORT_DIR ?
				       "DIR" : "FILE");
	if (!strcmp(out, "-") && (x->flags & RTRACE_EXPORT_DIR))
		return cli_usage_error(cmd, "%s writes a directory: -o DIR, not -o -", x->name);
	if (!strcmp(out, "-") && (x->flags & RTRACE_EXPORT_BINARY) && isatty(STDOUT_FILENO))
		return cli_usage_error(cmd, "%s is binary: not writing it to a terminal", x->name);

	dec = cli_open_decoder(cmd, in, RTRACE_ORDER_MERGED);
	if (!dec)
		return 1;
	if (x->flags & RTRACE_EXPORT_DIR) {
		ret = prepare_dir(cmd, out, force);
		xo.path = out;
	} else if (strcmp(out, "-")) {
		ret = open_file(cmd, out, force, &co);
		xo.out = co.f;
	} else {
		ret = 0;
	}
	if (ret) {
		rtrace_decoder__free(dec);
		return ret;
	}
	ret = rtrace_decoder__export(dec, &x, 1, &xo);
	if (co.f && fclose(co.f) && !ret)
		ret = -errno;
	if (ret) {
		if (co.tmp[0])
			unlink(co.tmp);
		ret = cli_fail(cmd, "%s: %s", out, strerror(ret < 0 ? -ret : ret));
		rtrace_decoder__free(dec);
		return ret;
	}
	if (co.tmp[0] && rename(co.tmp, out)) {
		ret = cli_fail(cmd, "%s: %s", out, strerror(errno));
		unlink(co.tmp);
		rtrace_decoder__free(dec);
		return ret;
	}
	dret = cli_report_decode_error(cmd, in, dec);
	rtrace_decoder__totals(dec, &sum);
	fprintf(stderr, "rtrace %s: %s: %llu events, %llu sub-buffers%s -> %s (%s)\n", cmd, in,
		(unsigned long long)sum.events, (unsigned long long)sum.subbufs,
		dret ? " decoded before the problem above" : "", out, x->name);
	rtrace_decoder__free(dec);
	return dret;
}
