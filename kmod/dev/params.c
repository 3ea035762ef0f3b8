// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: a session from insmod alone - module parameters that configure
 * and start a session while the module loads, so that
 *
 *	insmod rtrace.ko events=sched_switch,syscalls buffer_size=1M mode=overwrite
 *	cat /dev/rtrace > trace.rtr
 *
 * records with no other tool (and a module loaded from an initramfs
 * traces early boot).  Without any of these parameters the module loads
 * with no session, as before.  Each parameter has the meaning and the
 * checks of the same rtrace_config field (events=: .events and .sources,
 * named as the CLI's -e names them; Documentation/abi.md, "Module
 * parameters"); a bad one fails the load with -EINVAL and a kernel message
 * that names it.  The parameters are read-only once loaded
 * (/sys/module/rtrace/parameters/): they say how the load-time session
 * was made, whatever happened to it since.
 */
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "dev.h"
#include "../sources/source.h"

static char *sources;
module_param(sources, charp, 0444);
MODULE_PARM_DESC(sources, "start a session at load with these sources: kapi,sched,irq,syscalls,faults,block,workqueue,names,all (default kapi when another session parameter is given)");

static char *events;
module_param(events, charp, 0444);
MODULE_PARM_DESC(events, "start a session at load that records these kernel events and groups, as rtrace -e takes them: e.g. sched_switch,irq_handler_entry,syscalls (added to sources=)");

static char *buffer_size;
module_param(buffer_size, charp, 0444);
MODULE_PARM_DESC(buffer_size, "bytes of each (cpu, lane) ring of the load-time session, K/M/G suffixes (default 256K)");

static char *subbuf_size;
module_param(subbuf_size, charp, 0444);
MODULE_PARM_DESC(subbuf_size, "sub-buffer size of the load-time session, a power of two from the page size to 1M (default 16K)");

static char *mode;
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "discard (default: keep the oldest, count the rest as lost) or overwrite (flight recorder: keep the newest)");

#define RDEV_PARAM_LANE_BYTES	SZ_256K
#define RDEV_PARAM_SUBBUF	SZ_16K

/* The groups, by the names of the CLI's --sources and -e. */
static const struct {
	const char *name;
	u64 bits;
} rdev_source_names[] = {
	{ "kapi", RTRACE_SOURCE_KAPI },
	{ "sched", RTRACE_SOURCE_SCHED },
	{ "irq", RTRACE_SOURCE_IRQ },
	{ "syscalls", RTRACE_SOURCE_SYSCALLS },
	{ "faults", RTRACE_SOURCE_FAULTS },
	{ "block", RTRACE_SOURCE_BLOCK },
	{ "workqueue", RTRACE_SOURCE_WORKQUEUE },
	{ "names", RTRACE_SOURCE_TASK_NAMES },
	{ "all", ~RTRACE_SOURCE_VALIDATE },	/* every source but the test one */
};

/* The index of group @p (@len bytes) in rdev_source_names[], or -1. */
static int rdev_group(const char *p, size_t len)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rdev_source_names); i++)
		if (strlen(rdev_source_names[i].name) == len &&
		    !strncmp(p, rdev_source_names[i].name, len))
			return i;
	return -1;
}

/*
 * Parse the list @s of parameter @param: comma-separated names of groups
 * (sources=), or of groups and kernel events (events=, when @ev is not
 * NULL), as the CLI's --sources and -e take them.  Adds the groups' bits
 * to *@src and the events' to *@ev.
 * Return: 0, or -EINVAL after a kernel message naming the culprit.
 */
static int rdev_parse_names(const char *param, const char *s, u64 *src, u64 *ev)
{
	u64 supported = rtrace_sources_supported(), avail = rtrace_tp_events(~0ULL, true);
	const char *p = s;
	bool any = false;
	size_t len;
	u32 id;
	int g;

	while (*p) {
		len = strcspn(p, ",");
		g = rdev_group(p, len);
		id = g < 0 && ev ? rtrace_tp_event_id(p, len) : 0;
		if (g < 0 && !id) {
			if (ev)
				pr_err("rtrace: %s=%s: '%.*s' is not an event or a group ('rtrace list' shows them)\n",
				       param, s, (int)len, p);
			else
				pr_err("rtrace: %s=%s: '%.*s' is not a source (kapi, sched, irq, syscalls, faults, block, workqueue, names, all)\n",
				       param, s, (int)len, p);
			return -EINVAL;
		}
		if (g >= 0 && !(rdev_source_names[g].bits & supported)) {
			pr_err("rtrace: %s=%s: '%s' is not supported by this module (it has 0x%llx)\n",
			       param, s, rdev_source_names[g].name, supported);
			return -EINVAL;
		}
		if (id && !(avail & BIT_ULL(id))) {
			pr_err("rtrace: %s=%s: this kernel has no tracepoint %.*s (event unavailable here)\n",
			       param, s, (int)len, p);
			return -EINVAL;
		}
		if (g >= 0)
			*src |= rdev_source_names[g].bits & supported;
		else
			*ev |= BIT_ULL(id);
		any = true;
		p += len;
		if (*p == ',')
			p++;
	}
	if (!any) {
		pr_err("rtrace: %s=%s: no %s named\n", param, s, ev ? "event" : "source");
		return -EINVAL;
	}
	return 0;
}

/* A size with an optional K/M/G suffix; 0 and a message if bad. */
static u64 rdev_parse_size(const char *name, const char *s)
{
	char *end;
	u64 v;

	v = memparse(s, &end);
	if (!*s || *end || !v) {
		pr_err("rtrace: %s=%s: not a size (bytes, with an optional K, M or G)\n", name, s);
		return 0;
	}
	return v;
}

/* Fill @cfg from the parameters.  Return: 0, or -EINVAL after a message. */
static int rdev_params_config(struct rtrace_config *cfg)
{
	u64 sb = RDEV_PARAM_SUBBUF, lane = RDEV_PARAM_LANE_BYTES, nr;

	memset(cfg, 0, sizeof(*cfg));
	cfg->size = sizeof(*cfg);
	cfg->sources = RTRACE_SOURCE_KAPI;
	if (sources) {
		cfg->sources = 0;
		if (rdev_parse_names("sources", sources, &cfg->sources, NULL))
			return -EINVAL;
	}
	if (events && rdev_parse_names("events", events, &cfg->sources, &cfg->events))
		return -EINVAL;
	if (subbuf_size) {
		sb = rdev_parse_size("subbuf_size", subbuf_size);
		if (!sb)
			return -EINVAL;
		if (sb < PAGE_SIZE || sb > SZ_1M || !is_power_of_2(sb)) {
			pr_err("rtrace: subbuf_size=%s: must be a power of two from %lu to %u bytes\n",
			       subbuf_size, PAGE_SIZE, SZ_1M);
			return -EINVAL;
		}
	}
	if (buffer_size) {
		lane = rdev_parse_size("buffer_size", buffer_size);
		if (!lane)
			return -EINVAL;
	}
	nr = lane / sb;
	if (lane % sb || nr < 2 || !is_power_of_2(nr)) {
		pr_err("rtrace: buffer_size=%s: must hold a power-of-two number (at least 2) of sub-buffers of subbuf_size=%llu\n",
		       buffer_size ?: "256K", sb);
		return -EINVAL;
	}
	cfg->subbuf_size = sb;
	cfg->lane_bytes = lane;
	if (mode && !strcmp(mode, "overwrite")) {
		cfg->flags = RTRACE_CONFIG_OVERWRITE;
	} else if (mode && strcmp(mode, "discard")) {
		pr_err("rtrace: mode=%s: must be discard or overwrite\n", mode);
		return -EINVAL;
	}
	return 0;
}

/**
 * rdev_params_start() - configure and start the session the parameters ask for
 *
 * Does nothing if no session parameter was given.
 *
 * Context: module init, after rtrace_dev_init(), before /dev/rtrace exists.
 * Return: 0, or -errno after a kernel message naming the parameter.
 */
int rdev_params_start(void)
{
	struct rtrace_config cfg;
	int ret;

	if (!sources && !events && !buffer_size && !subbuf_size && !mode)
		return 0;
	ret = rdev_params_config(&cfg);
	if (ret)
		return ret;
	ret = rdev_configure(&cfg);
	if (ret == -ENOMEM) {
		pr_err("rtrace: buffer_size=%s: cannot allocate %llu bytes per lane for every CPU and lane (at most half of the RAM)\n",
		       buffer_size ?: "256K", cfg.lane_bytes);
		return ret;
	}
	if (ret) {
		pr_err("rtrace: sources=%s events=%s buffer_size=%s subbuf_size=%s mode=%s: cannot configure: %d\n",
		       sources ?: "kapi", events ?: "", buffer_size ?: "256K",
		       subbuf_size ?: "16K", mode ?: "discard", ret);
		return ret;
	}
	ret = rdev_control(_IOC_NR(RTRACE_IOC_START));
	if (ret) {
		pr_err("rtrace: sources=%s: cannot start the session: %d\n",
		       sources ?: "kapi", ret);
		return ret;
	}
	pr_info("rtrace: recording since load: sources 0x%llx, events 0x%llx, %llu bytes per lane, sub-buffers of %u, %s mode; read /dev/rtrace\n",
		cfg.sources, cfg.events, cfg.lane_bytes, cfg.subbuf_size,
		cfg.flags & RTRACE_CONFIG_OVERWRITE ? "overwrite" : "discard");
	return 0;
}
