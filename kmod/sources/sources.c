// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: the table of event sources, and the calls the session code makes
 * over it (when and in which context: source.h).
 */
#include <linux/kernel.h>
#include <linux/printk.h>

#include "source.h"
#include "../events.h"

/* Every row of table.h, in its order (adding a source: source.h). */
static const struct rtrace_source *const rtrace_sources[] = {
#define RTRACE_SOURCE(_name) (&rtrace_source_##_name),
#include "table.h"
#undef RTRACE_SOURCE
};

/**
 * rtrace_sources_supported() - the RTRACE_SOURCE_* bits of the sources
 *
 * Context: any (after rtrace_sources_init()).
 * Return: the bits of every source in the table that this kernel can serve.
 */
u64 rtrace_sources_supported(void)
{
	u64 mask = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rtrace_sources); i++)
		mask |= rtrace_sources[i]->supported ? rtrace_sources[i]->supported() &
		       rtrace_sources[i]->bit : rtrace_sources[i]->bit;
	return mask;
}

/**
 * rtrace_sources_init() - register the event types of every source
 *
 * Context: module init.
 * Return: 0 or -errno.
 */
int rtrace_sources_init(void)
{
	const struct rtrace_source *src;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(rtrace_sources); i++) {
		src = rtrace_sources[i];
		ret = src->init ? src->init() : 0;
		if (ret) {
			pr_err("rtrace: source %s: cannot initialise: %d\n", src->name, ret);
			return ret;
		}
		ret = rtrace_events_register(src->events, src->nr_events);
		if (ret) {
			pr_err("rtrace: source %s: cannot register its events: %d\n",
			       src->name, ret);
			return ret;
		}
	}
	return 0;
}

/* Disable the sources of @mask among the first @n of the table, last first. */
static void rtrace_sources_disable_first(u64 mask, unsigned int n)
{
	const struct rtrace_source *src;

	while (n--) {
		src = rtrace_sources[n];
		if ((mask & src->bit) && src->disable)
			src->disable();
	}
}

/**
 * rtrace_sources_enable() - enable the sources of a session that starts
 * @mask: the session's RTRACE_SOURCE_* bits
 * @events: the session's kernel event types, bit per type id
 *
 * Context: as source.h says (process context, rdev.lock held).
 * Return: 0, or the error of the first source that failed (the ones
 * enabled before it are disabled again).
 */
int rtrace_sources_enable(u64 mask, u64 events)
{
	const struct rtrace_source *src;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(rtrace_sources); i++) {
		src = rtrace_sources[i];
		if (!(mask & src->bit) || !src->enable)
			continue;
		ret = src->enable(events);
		if (ret) {
			pr_warn("rtrace: source %s: cannot enable: %d\n", src->name, ret);
			rtrace_sources_disable_first(mask, i);
			return ret;
		}
	}
	return 0;
}

/**
 * rtrace_sources_disable() - disable the sources of a session that stops
 * @mask: the session's RTRACE_SOURCE_* bits
 *
 * Returns once none of them writes any more.
 *
 * Context: as source.h says (process context, rdev.lock held).
 */
void rtrace_sources_disable(u64 mask)
{
	rtrace_sources_disable_first(mask, ARRAY_SIZE(rtrace_sources));
}
