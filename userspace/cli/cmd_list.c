// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace list: every event type the module knows, with its fields and
 * whether this kernel has it; and the resolution of -e/--events LIST
 * (event names and group names) that record and configure share.
 */
#include <errno.h>
#include <string.h>

#include "cli.h"

#define MAX_DESCS	256

/* The groups (rtrace_config.sources), and "all" of them. */
static const struct { const char *name; uint64_t bit; } groups[] = {
	{ "kapi", RTRACE_SOURCE_KAPI },
	{ "sched", RTRACE_SOURCE_SCHED },
	{ "irq", RTRACE_SOURCE_IRQ },
	{ "syscalls", RTRACE_SOURCE_SYSCALLS },
	{ "faults", RTRACE_SOURCE_FAULTS },
	{ "block", RTRACE_SOURCE_BLOCK },
	{ "workqueue", RTRACE_SOURCE_WORKQUEUE },
};

#define NR_GROUPS	(sizeof(groups) / sizeof(groups[0]))

/* The group of a kernel event, as uapi/linux/rtrace.h lists them. */
static const char *event_group(uint32_t id)
{
	switch (id) {
	case RTRACE_EV_SCHED_SWITCH: case RTRACE_EV_SCHED_WAKEUP:
	case RTRACE_EV_SCHED_WAKEUP_NEW: case RTRACE_EV_SCHED_MIGRATE_TASK:
	case RTRACE_EV_SCHED_PROCESS_FORK: case RTRACE_EV_SCHED_PROCESS_EXEC:
	case RTRACE_EV_SCHED_PROCESS_EXIT:
		return "sched";
	case RTRACE_EV_IRQ_HANDLER_ENTRY: case RTRACE_EV_IRQ_HANDLER_EXIT:
	case RTRACE_EV_SOFTIRQ_ENTRY: case RTRACE_EV_SOFTIRQ_EXIT: case RTRACE_EV_SOFTIRQ_RAISE:
	case RTRACE_EV_LOCAL_TIMER_ENTRY: case RTRACE_EV_LOCAL_TIMER_EXIT:
	case RTRACE_EV_NMI_HANDLER:
		return "irq";
	case RTRACE_EV_SYS_ENTER: case RTRACE_EV_SYS_EXIT:
		return "syscalls";
	case RTRACE_EV_PAGE_FAULT_USER: case RTRACE_EV_PAGE_FAULT_KERNEL:
		return "faults";
	case RTRACE_EV_BLOCK_RQ_ISSUE: case RTRACE_EV_BLOCK_RQ_COMPLETE:
		return "block";
	case RTRACE_EV_WORKQUEUE_EXECUTE_START: case RTRACE_EV_WORKQUEUE_EXECUTE_END:
		return "workqueue";
	}
	return "kapi";
}

/* What the module says: its event table and info.  Return: 0 or -errno. */
static int load_events(struct rtrace_session *s, struct rtrace_event_desc *d, uint32_t *nr,
		       struct rtrace_info *info)
{
	int ret;

	ret = rtrace_session__info(s, info);
	if (ret)
		return ret;
	*nr = MAX_DESCS;
	ret = rtrace_session__events(s, d, nr);
	if (!ret && *nr > MAX_DESCS)
		*nr = MAX_DESCS;
	return ret;
}

static int is_kernel_event(const struct rtrace_info *info, uint32_t id)
{
	return id < 64 && (info->events_supported >> id & 1);
}

static void name_of(char *buf, const char *s, size_t max)
{
	memcpy(buf, s, max);
	buf[max] = 0;
}

/* "events: a b c; groups: ..." on stderr, for an unknown name. */
static void print_known(const struct rtrace_event_desc *d, uint32_t nr,
			const struct rtrace_info *info)
{
	char name[RTRACE_EVENT_NAME_LEN + 1];
	uint32_t i;

	fprintf(stderr, "  events:");
	for (i = 0; i < nr; i++) {
		if (!is_kernel_event(info, d[i].id))
			continue;
		name_of(name, d[i].name, RTRACE_EVENT_NAME_LEN);
		fprintf(stderr, " %s%s", name,
			info->events_available >> d[i].id & 1 ? "" : "(unavailable)");
	}
	fprintf(stderr, "\n  groups:");
	for (i = 0; i < NR_GROUPS; i++)
		fprintf(stderr, " %s", groups[i].name);
	fprintf(stderr, " all\n  ('rtrace list' shows each event's fields)\n");
}

int cli_events_resolve(const char *cmd, struct rtrace_session *s, struct cli_config *c)
{
	struct rtrace_event_desc d[MAX_DESCS];
	char name[RTRACE_EVENT_NAME_LEN + 1];
	struct rtrace_info info;
	unsigned int a;
	uint32_t nr, i;
	int ret;

	if (!c->nr_events_args)
		return 0;
	ret = load_events(s, d, &nr, &info);
	if (ret) {
		if (ret == -ENOTTY)
			return cli_fail(cmd, "-e: this rtrace.ko has no event selection (too old)");
		return cli_fail(cmd, "-e: cannot read the event table: %s", strerror(-ret));
	}
	for (a = 0; a < c->nr_events_args; a++) {
		const char *p = c->events_args[a];

		while (*p) {
			size_t len = strcspn(p, ",");
			int found = 0;

			if (!len || len > RTRACE_EVENT_NAME_LEN) {
				fprintf(stderr, "rtrace %s: -e: '%.*s' is not an event name\n",
					cmd, (int)len, p);
				print_known(d, nr, &info);
				return EXIT_USAGE;
			}
			if (len == 3 && !strncmp(p, "all", 3)) {
				for (i = 0; i < NR_GROUPS; i++)
					c->cfg.sources |= groups[i].bit & info.sources_supported;
				found = 1;
			}
			for (i = 0; !found && i < NR_GROUPS; i++) {
				if (strlen(groups[i].name) != len || strncmp(p, groups[i].name, len))
					continue;
				if (!(info.sources_supported & groups[i].bit)) {
					fprintf(stderr, "rtrace %s: -e: this kernel has no event of group '%s'\n",
						cmd, groups[i].name);
					return 1;
				}
				c->cfg.sources |= groups[i].bit;
				found = 1;
			}
			for (i = 0; !found && i < nr; i++) {
				name_of(name, d[i].name, RTRACE_EVENT_NAME_LEN);
				if (strlen(name) != len || strncmp(p, name, len))
					continue;
				if (!is_kernel_event(&info, d[i].id)) {
					fprintf(stderr, "rtrace %s: -e: '%s' is written by a module through the API, not selected: it comes with the group kapi\n",
						cmd, name);
					return EXIT_USAGE;
				}
				if (!(info.events_available >> d[i].id & 1)) {
					fprintf(stderr, "rtrace %s: -e: this kernel has no tracepoint %s (event unavailable here)\n",
						cmd, name);
					return 1;
				}
				c->cfg.events |= 1ULL << d[i].id;
				found = 1;
			}
			if (!found) {
				fprintf(stderr, "rtrace %s: -e: unknown event '%.*s'\n", cmd, (int)len, p);
				print_known(d, nr, &info);
				return EXIT_USAGE;
			}
			p += len;
			if (*p == ',')
				p++;
		}
	}
	return 0;
}

static const char *field_type(uint8_t t)
{
	switch (t) {
	case RTRACE_FIELD_U64:
		return "u64";
	case RTRACE_FIELD_S64:
		return "s64";
	case RTRACE_FIELD_HEX:
		return "hex";
	}
	return "u64";
}

int cmd_list(int argc, char **argv)
{
	struct rtrace_event_desc d[MAX_DESCS];
	char name[RTRACE_EVENT_NAME_LEN + 1], fname[RTRACE_FIELD_NAME_LEN + 1];
	const char *cmd = "list";
	struct rtrace_session *s;
	struct rtrace_info info;
	struct cli_common o;
	uint32_t nr, i, f;
	int ret;

	ret = cli_parse_open(cmd, argc, argv, 0, &o, &s);
	if (ret >= 0)
		return ret;
	ret = load_events(s, d, &nr, &info);
	rtrace_session__close(s);
	if (ret == -ENOTTY)
		return cli_fail(cmd, "this rtrace.ko cannot list its events (too old)");
	if (ret)
		return cli_fail(cmd, "cannot read the event table: %s", strerror(-ret));
	printf("%-24s %5s  %-9s  %-11s  %s\n", "EVENT", "ID", "GROUP", "THIS KERNEL", "FIELDS");
	for (i = 0; i < nr; i++) {
		int kernel = is_kernel_event(&info, d[i].id);

		name_of(name, d[i].name, RTRACE_EVENT_NAME_LEN);
		printf("%-24s %5u  %-9s  %-11s ", name, d[i].id,
		       kernel ? event_group(d[i].id) : "kapi",
		       !kernel ? "module API" :
		       info.events_available >> d[i].id & 1 ? "yes" : "unavailable");
		if (d[i].nr_fields == RTRACE_REC_RAW)
			printf(" (raw payload)");
		for (f = 0; f < d[i].nr_fields && f < RTRACE_REC_MAX_ARGS; f++) {
			name_of(fname, d[i].fields[f].name, RTRACE_FIELD_NAME_LEN);
			printf(" %s:%s", fname, field_type(d[i].fields[f].type));
		}
		printf("\n");
	}
	return 0;
}
