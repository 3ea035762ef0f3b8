// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace verify: prove a capture of the validation source complete (every
 * event read once or counted lost, nothing damaged, misplaced or out of
 * order); the checks are librtrace's rtrace_verify__run().
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"

/* The pairs the nesting test prints, then the spare lane's. */
static void print_nesting(const struct rtrace_verify_result *r)
{
	static const struct { unsigned int a, b; } pairs[] = {
		{ RTRACE_LANE_TASK, RTRACE_LANE_SOFTIRQ }, { RTRACE_LANE_TASK, RTRACE_LANE_HARDIRQ },
		{ RTRACE_LANE_TASK, RTRACE_LANE_NMI }, { RTRACE_LANE_SOFTIRQ, RTRACE_LANE_HARDIRQ },
		{ RTRACE_LANE_SOFTIRQ, RTRACE_LANE_NMI }, { RTRACE_LANE_HARDIRQ, RTRACE_LANE_NMI },
		{ RTRACE_LANE_TASK, RTRACE_LANE_SPARE },
	};
	unsigned int i;

	printf("nesting:");
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		printf(" %s<-%s=%llu", rtrace_lane__name(pairs[i].a), rtrace_lane__name(pairs[i].b),
		       (unsigned long long)r->pairs[pairs[i].a][pairs[i].b]);
	printf("\n");
}

int cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "max-problems", required_argument, NULL, OPT_MAX_PROBLEMS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rtrace_verify_opts vo = { .sz = sizeof(vo), .log = stdout };
	struct rtrace_verify_result r;
	const char *cmd = "verify";
	struct rtrace_decoder *dec;
	uint64_t max = 20;
	unsigned int i;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_MAX_PROBLEMS:
			if (parse_u64(optarg, &max) || !max || max > 1000000)
				return cli_usage_error(cmd, "--max-problems: '%s' is not a count from 1 to 1000000",
						       optarg);
			break;
		case 'h':
			cli_print_help(stdout, cli_find(cmd));
			return 0;
		default:
			return cli_usage_error(cmd, "bad option");
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(cmd, "needs exactly one FILE (or '-')");
	dec = cli_open_decoder(cmd, argv[optind], RTRACE_ORDER_STREAM);
	if (!dec)
		return 1;
	vo.max_msgs = (unsigned int)max;
	ret = rtrace_verify__run(dec, &vo, &r);
	rtrace_decoder__free(dec);
	if (ret)
		return cli_fail(cmd, "%s: %s", argv[optind], strerror(-ret));
	printf("verify: %s: %llu cpus, ", argv[optind], (unsigned long long)r.cpus);
	cli_print_lost(stdout, r.lost);
	printf(", spare=%llu other=%llu%s\n", (unsigned long long)r.spare,
	       (unsigned long long)r.other_events,
	       r.other_events ? " (other sources: losses checked as upper bounds)" : "");
	print_nesting(&r);
	printf("lanes:");
	for (i = 0; i < RTRACE_NR_LANES; i++)
		printf(" %s=%llu", rtrace_lane__name(i), (unsigned long long)r.lane_cpus[i]);
	printf(" (cpus with records there)\n");
	if (r.failures) {
		printf("verify: FAIL problems=%llu missing=%llu duplicate=%llu bad_check=%llu wrong_cpu=%llu wrong_lane=%llu backwards=%llu counters=%llu decode=%llu\n",
		       (unsigned long long)r.failures, (unsigned long long)r.missing,
		       (unsigned long long)r.duplicate, (unsigned long long)r.bad_check,
		       (unsigned long long)r.wrong_cpu, (unsigned long long)r.wrong_lane,
		       (unsigned long long)r.backwards, (unsigned long long)r.counters,
		       (unsigned long long)r.decode_errors);
		return 1;
	}
	printf("verify: ok events=%llu lost=%llu torn=%llu nested=%llu\n",
	       (unsigned long long)r.events, (unsigned long long)r.lost_total,
	       (unsigned long long)r.torn, (unsigned long long)r.nested);
	return 0;
}
