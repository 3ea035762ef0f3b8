// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace info: ABI version, session state and geometry (text or --json).
 */

#include "cli.h"

/* By bit; bits without a name are printed as a mask. */
static const char * const source_names[64] = {
	[0] = "kapi", [1] = "sched", [2] = "irq", [3] = "syscalls", [4] = "faults",
	[5] = "block", [6] = "workqueue", [8] = "names", [16] = "validate",
};

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
	uint64_t other = 0;
	unsigned int i;

	printf("%-18s", label);
	for (i = 0; i < 64; i++) {
		if (!(v & (1ull << i)))
			continue;
		if (source_names[i])
			printf(" %s", source_names[i]);
		else
			other |= 1ull << i;
	}
	if (other)
		printf(" 0x%llx", (unsigned long long)other);
	printf("%s\n", v ? "" : " none");
}

/* "sources": ["kapi", ...] and "sources_mask": N (bits without a name are in the mask only). */
static void json_sources(struct json *j, const char *key, const char *mask_key, uint64_t v)
{
	unsigned int i;

	json_array_begin(j, key);
	for (i = 0; i < 64; i++)
		if ((v & (1ull << i)) && source_names[i])
			json_str(j, NULL, source_names[i]);
	json_array_end(j);
	json_u64(j, mask_key, v);
}

static void print_json(uint32_t ver, const struct rtrace_info *in)
{
	char v[32], lv[32];
	struct json j;

	/* "MAJOR.MINOR", as the text shows it (GET_VERSION is major << 16 | minor). */
	snprintf(v, sizeof(v), "%u.%u", ver >> 16, ver & 0xffff);
	snprintf(lv, sizeof(lv), "%u.%u", RTRACE_ABI_VERSION_MAJOR, RTRACE_ABI_VERSION_MINOR);
	json_begin(&j, stdout);
	json_str(&j, "abi_version", v);
	json_str(&j, "library_abi_version", lv);
	json_str(&j, "state", state_name(in->state));
	json_u64(&j, "session_id", in->session_id);
	json_str(&j, "mode", in->config_flags & RTRACE_CONFIG_OVERWRITE ? "overwrite" : "discard");
	json_u64(&j, "buffer_size", in->lane_bytes);
	json_u64(&j, "subbuf_size", in->subbuf_size);
	json_u64(&j, "nr_cpus", in->nr_cpus);
	json_u64(&j, "nr_lanes", in->nr_lanes);
	json_u64(&j, "hdr_size", in->hdr_size);
	json_u64(&j, "read_min", in->read_min);
	json_u64(&j, "page_size", in->page_size);
	json_u64(&j, "marker_max", in->marker_max);
	json_bool(&j, "consumer", in->has_consumer);
	json_sources(&j, "sources", "sources_mask", in->sources);
	json_sources(&j, "sources_supported", "sources_supported_mask", in->sources_supported);
	json_u64(&j, "events_mask", in->events);
	json_u64(&j, "events_supported_mask", in->events_supported);
	json_u64(&j, "events_available_mask", in->events_available);
	json_u64(&j, "pids", in->nr_pids);
	json_bool(&j, "pids_follow", !!(in->pid_flags & RTRACE_PIDS_FOLLOW));
	json_bool(&j, "pids_tgid", !!(in->pid_flags & RTRACE_PIDS_TGID));
	json_u64(&j, "pids_full", in->pids_full);
	json_end(&j);
}

int cmd_info(int argc, char **argv)
{
	const char *cmd = "info";
	struct rtrace_session *s;
	struct rtrace_info in;
	struct cli_common o;
	uint32_t ver = 0;
	int ret;

	ret = cli_parse_open(cmd, argc, argv, CLI_TAKES_JSON, &o, &s);
	if (ret >= 0)
		return ret;
	ret = rtrace_session__version(s, &ver);
	if (!ret)
		ret = rtrace_session__info(s, &in);
	rtrace_session__close(s);
	if (ret)
		return cli_ioctl_fail(cmd, "info", ret);
	if (o.json) {
		print_json(ver, &in);
		return 0;
	}
	printf("%-18s %u.%u (library %u.%u)\n", "abi_version", ver >> 16, ver & 0xffff,
	       RTRACE_ABI_VERSION_MAJOR, RTRACE_ABI_VERSION_MINOR);
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
	printf("%-18s %u\n", "marker_max", in.marker_max);
	printf("%-18s %s\n", "consumer", in.has_consumer ? "yes" : "no");
	printf("%-18s %s\n", "unread", in.flags & RTRACE_INFO_UNREAD ? "yes" : "no");
	if (in.flags & RTRACE_INFO_BROKEN)
		printf("%-18s %s\n", "integrity", "BROKEN: a check found the ring broken and stopped the session");
	print_sources("sources", in.sources);
	print_sources("sources_supported", in.sources_supported);
	/* Bit per kernel event type id; 'rtrace list' names them. */
	printf("%-18s 0x%llx\n", "events", (unsigned long long)in.events);
	printf("%-18s 0x%llx\n", "events_supported", (unsigned long long)in.events_supported);
	printf("%-18s 0x%llx\n", "events_available", (unsigned long long)in.events_available);
	if (in.nr_pids) {
		printf("%-18s %u ids (%s)%s", "pid_filter", in.nr_pids,
		       in.pid_flags & RTRACE_PIDS_TGID ? "processes" : "threads",
		       in.pid_flags & RTRACE_PIDS_FOLLOW ? ", following children" : "");
		if (in.pids_full)
			printf(", %llu children left out: the set was full",
			       (unsigned long long)in.pids_full);
		printf("\n");
	} else
		printf("%-18s %s\n", "pid_filter", "none");
	return 0;
}
