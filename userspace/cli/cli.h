/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtrace CLI: the command table and helpers shared by the subcommands.
 */
#ifndef _RTRACE_CLI_H
#define _RTRACE_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "rtrace.h"

#define EXIT_USAGE	2	/* bad arguments */

/**
 * struct cli_cmd - one subcommand
 * @name: what the user types
 * @fn: runs it with argv[0] == @name; returns the exit status
 * @synopsis: one line of arguments
 * @summary: one line for the command list
 * @help: the rest of "rtrace help NAME"
 */
struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *synopsis;
	const char *summary;
	const char *help;
};

const struct cli_cmd *cli_find(const char *name);
/* Print the usage error, a hint, and return EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print "rtrace NAME: ..." for a runtime failure and return 1. */
int cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_print_help(FILE *f, const struct cli_cmd *c);

/* Parsers: 0 or -EINVAL. */
int parse_size(const char *s, uint64_t *out);
int parse_duration(const char *s, double *sec);
int parse_u64(const char *s, uint64_t *out);
/* "0-3,6": fills a bitmap of unsigned longs (cleared first); *nbytes is its used size. */
int parse_cpus(const char *s, unsigned long *mask, size_t mask_longs, size_t *nbytes);
int parse_sources(const char *s, uint64_t *out);

#define CLI_MAX_CPUS	8192

/* Geometry and mode options shared by record and configure. */
struct cli_config {
	struct rtrace_session_config cfg;
	unsigned long cpumask[CLI_MAX_CPUS / (8 * sizeof(unsigned long))];
	const char *events_args[16];	/* -e LIST, each as given */
	unsigned int nr_events_args;
	uint32_t pids[RTRACE_PIDS_MAX];	/* --pid or --tid ids, then the COMMAND's */
	int pid_opt;			/* OPT_PID or OPT_TID: which was given, 0 none */
};

void cli_config_init(struct cli_config *c);
/* Handle one option of the config set. Return: 1 handled, 0 not ours, EXIT_USAGE on error. */
int cli_config_opt(const char *cmd, struct cli_config *c, int opt, const char *arg);
/*
 * Cross-check sizes, and the PID filter's options (@command: record has a
 * COMMAND, which --follow adds to the set).  Return: 0 or EXIT_USAGE.
 */
int cli_config_check(const char *cmd, struct cli_config *c, int command);
/* Add @pid to the PID filter (record's COMMAND). Return: 0 or EXIT_USAGE (full). */
int cli_config_add_pid(const char *cmd, struct cli_config *c, uint32_t pid);
/*
 * Resolve the -e lists against the module's event table (names of events
 * and of groups) into c->cfg.events and c->cfg.sources.  An unknown name
 * prints what exists.  Return: 0, EXIT_USAGE (unknown name) or 1 (the
 * kernel lacks it, or the table cannot be read).
 */
int cli_events_resolve(const char *cmd, struct rtrace_session *s, struct cli_config *c);

/* getopt_long values of the shared options. */
enum {
	OPT_MODE = 0x100,
	OPT_BUFFER_SIZE,
	OPT_SUBBUF_SIZE,
	OPT_CPUS,
	OPT_SOURCES,
	OPT_DEVICE,
	OPT_DURATION,
	OPT_ORDER,
	OPT_MIN_EVENTS,
	OPT_RAW_TS,
	OPT_MMAP,
	OPT_JSON,
	OPT_STATUS,
	OPT_DISCARD,
	OPT_FORMAT,
	OPT_MAX_PROBLEMS,
	OPT_PID,
	OPT_TID,
	OPT_FOLLOW,
};

#define CLI_CONFIG_LONGOPTS						\
	{ "mode", required_argument, NULL, OPT_MODE },			\
	{ "buffer-size", required_argument, NULL, OPT_BUFFER_SIZE },	\
	{ "subbuf-size", required_argument, NULL, OPT_SUBBUF_SIZE },	\
	{ "cpus", required_argument, NULL, OPT_CPUS },			\
	{ "sources", required_argument, NULL, OPT_SOURCES },		\
	{ "events", required_argument, NULL, 'e' },			\
	{ "pid", required_argument, NULL, OPT_PID },			\
	{ "tid", required_argument, NULL, OPT_TID },			\
	{ "follow", no_argument, NULL, OPT_FOLLOW },			\
	{ "discard", no_argument, NULL, OPT_DISCARD }

/*
 * Open flags for an output file: O_EXCL if it does not exist, O_TRUNC for an
 * existing regular file with @force, 0 for a device or FIFO; -1 (after
 * saying why) for an existing regular file without @force.
 */
int cli_output_flags(const char *cmd, const char *out, int force);
/* Open the device (path from --device, $RTRACE_DEVICE, or the default), with a clear error. */
struct rtrace_session *cli_open(const char *cmd, const char *device, int nonblock);
/* The options cli_parse_open() takes besides --device and --help. */
#define CLI_TAKES_DISCARD	0x1	/* --discard */
#define CLI_TAKES_JSON		0x2	/* --json */
#define CLI_TAKES_ALL		0x4	/* -a, --all */
struct cli_common {
	int discard, json, all;		/* 1 when given */
};
/*
 * Options of a command that takes no argument, only --device, --help and
 * those of @takes (CLI_TAKES_*, set in *@o), then open the device.
 * Return: -1 with *@sp open when the command goes on, else the exit status
 * to return (0 after --help, 1 if the device cannot be opened, 2 on bad
 * arguments).
 */
int cli_parse_open(const char *cmd, int argc, char **argv, unsigned int takes,
		   struct cli_common *o, struct rtrace_session **sp);
/* Explain an ioctl failure in the words of the session's state machine. */
int cli_ioctl_fail(const char *cmd, const char *what, int err);

/* Open a capture for decoding; NULL after printing why. */
struct rtrace_decoder *cli_open_decoder(const char *cmd, const char *path, int order);
/* Print the decoder's first problem (if any) to stderr. Return: 1 if there was one, else 0. */
int cli_report_decode_error(const char *cmd, const char *path, const struct rtrace_decoder *dec);
/* "lost full=N recursion=N ..." */
void cli_print_lost(FILE *f, const uint64_t *lost);
/* "12.3 MiB" (B, KiB, MiB, GiB, TiB) into @buf; returns @buf. */
const char *cli_fmt_bytes(char *buf, size_t len, uint64_t n);

/*
 * A JSON writer for --json (Documentation/json.md): one document, members
 * in call order, two-space indentation, strings escaped and made valid
 * UTF-8 (an invalid byte becomes U+FFFD).  @key is the member name inside
 * an object and NULL inside an array.
 */
#define JSON_VERSION	1	/* the "version" member of every document */
#define JSON_MAX_DEPTH	32

struct json {
	FILE *f;
	unsigned int depth;
	uint32_t nonempty;	/* bit d: the container at depth d has a member */
};

/* @s as a JSON string literal, quotes included. */
void json_str_raw(FILE *f, const char *s);
/* Start the document: "{" and "version": JSON_VERSION. */
void json_begin(struct json *j, FILE *f);
/* Close it: "}" and a newline. */
void json_end(struct json *j);
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_str(struct json *j, const char *key, const char *s);
void json_bool(struct json *j, const char *key, int v);
void json_null(struct json *j, const char *key);
/* {"full": N, "recursion": N, ...}: every RTRACE_LOST_* cause by name. */
void json_lost(struct json *j, const char *key, const uint64_t *lost);
/* "error": the decoder's first problem {code, offset, message, count}, or null. */
void cli_json_decode_error(struct json *j, const struct rtrace_decoder *dec);

/* Subcommands: the function of every row of commands.h. */
#define CLI_COMMAND(_name, _fn, _synopsis, _summary, _help) int _fn(int argc, char **argv);
#include "commands.h"
#undef CLI_COMMAND

#endif /* _RTRACE_CLI_H */
