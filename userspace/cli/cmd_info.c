// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace info: ABI version, session state and geometry.
 */

#include "cli.h"

static const char *state_name(uint32_t st)
{
	switch (st) {
	case RTRACE_STATE_EMPTY:
		return "empty";
	case RTRACE_STATE_CONFIGURED:
		return "configured";
	case RTRACE_STATE_RUNNING:
		return "running";
	case RTRACE_STATE_STOPPED:
		return "stopped";
	}
	return "unknown";
}

static void print_sources(const char *label, uint64_t v)
{
	static const char * const names[] = { "kapi", "sched", "irq", "syscalls" };
	unsigned int i;

	printf("%-18s", label);
	for (i = 0; i < 4; i++)
		if (v & (1ull << i))
			printf(" %s", names[i]);
	if (v >> 4)
		printf(" 0x%llx", (unsigned long long)(v >> 4 << 4));
	printf("%s\n", v ? "" : " none");
}

int cmd_info(int argc, char **argv)
{
	const char *cmd = "info";
	struct rtrace_session *s;
	struct rtrace_info in;
	uint32_t ver = 0;
	int ret;

	ret = cli_parse_open(cmd, argc, argv, &s);
	if (ret >= 0)
		return ret;
	ret = rtrace_session__version(s, &ver);
	if (!ret)
		ret = rtrace_session__info(s, &in);
	rtrace_session__close(s);
	if (ret)
		return cli_ioctl_fail(cmd, "info", ret);
	printf("%-18s %u (library %u)\n", "abi_version", ver, RTRACE_ABI_VERSION);
	printf("%-18s %s\n", "state", state_name(in.state));
	printf("%-18s %llu\n", "session_id", (unsigned long long)in.session_id);
	printf("%-18s %s\n", "mode",
	       in.config_flags & RTRACE_CONFIG_OVERWRITE ? "overwrite" : "discard");
	printf("%-18s %llu\n", "buffer_size", (unsigned long long)in.lane_bytes);
	printf("%-18s %u\n", "subbuf_size", in.subbuf_size);
	printf("%-18s %u\n", "nr_cpus", in.nr_cpus);
	printf("%-18s %u\n", "nr_lanes", in.nr_lanes);
	printf("%-18s %u\n", "hdr_size", in.hdr_size);
	printf("%-18s %u\n", "read_min", in.read_min);
	printf("%-18s %u\n", "page_size", in.page_size);
	printf("%-18s %s\n", "consumer", in.has_consumer ? "yes" : "no");
	print_sources("sources", in.sources);
	print_sources("sources_supported", in.sources_supported);
	return 0;
}
