// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: command-line front end of librtrace.  main() and the command
 * table, whose rows with every word of usage text are in commands.h; each
 * subcommand is in cmd_*.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Every row of commands.h, in its order, and help. */
static const struct cli_cmd commands[] = {
#define CLI_COMMAND(_name, _fn, _synopsis, _summary, _help) \
	{ _name, _fn, _synopsis, _summary, _help },
#include "commands.h"
#undef CLI_COMMAND
	{ "help", NULL, "[COMMAND]", "this text, or a command's details", NULL },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct cli_cmd *cli_find(const char *name)
{
	size_t i;

	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: rtrace COMMAND [OPTIONS]\n\n"
		"rtrace records kernel events through /dev/rtrace (module rtrace.ko) and decodes them.\n\n"
		"Commands:\n");
	for (i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'rtrace help COMMAND' or 'rtrace COMMAND --help' explains a command.\n"
		"Exit status: 0 success, 1 failure, 2 bad arguments.\n");
}

void cli_print_help(FILE *f, const struct cli_cmd *c)
{
	fprintf(f, "usage: rtrace %s %s\n\n%s.\n\n%s", c->name, c->synopsis, c->summary,
		c->help ? c->help : "");
}

/* "rtrace CMD: message" on stderr, without the newline. */
__attribute__((format(printf, 2, 0)))
static void cli_vmsg(const char *cmd, const char *fmt, va_list ap)
{
	fprintf(stderr, "rtrace %s: ", cmd);
	vfprintf(stderr, fmt, ap);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vmsg(cmd, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'rtrace help %s'.\n", cmd);
	return EXIT_USAGE;
}

int cli_fail(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vmsg(cmd, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return 1;
}

int main(int argc, char **argv)
{
	const struct cli_cmd *c;

	if (argc < 2) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    (!strcmp(argv[1], "help") && argc == 2)) {
		print_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "help")) {
		c = cli_find(argv[2]);
		if (!c || !c->fn) {
			fprintf(stderr, "rtrace: no command '%s'\n", argv[2]);
			print_usage(stderr);
			return EXIT_USAGE;
		}
		cli_print_help(stdout, c);
		return 0;
	}
	c = cli_find(argv[1]);
	if (!c || !c->fn) {
		fprintf(stderr, "rtrace: unknown command '%s'\n\n", argv[1]);
		print_usage(stderr);
		return EXIT_USAGE;
	}
	return c->fn(argc - 1, argv + 1);
}
