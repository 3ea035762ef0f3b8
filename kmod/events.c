// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: the event-schema registry - one table of event descriptions
 * (struct rtrace_event_desc: id, name, fields), copied into the stream
 * header of every session configured after a change.  It holds the types
 * of every source (kmod/sources/, registered at load; the test types come
 * with the module API source) and those other modules register.  This is
 * the only table of built-in types: a decoder learns them from the stream.
 */
#include <linux/export.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "events.h"
#include "ring/env.h"

#define RTRACE_MAX_EVENT_DESCS	64

static DEFINE_MUTEX(rtrace_events_lock);	/* the table */
static unsigned int rtrace_nr_events;
static struct rtrace_event_desc rtrace_events[RTRACE_MAX_EVENT_DESCS];

/**
 * rtrace_events_register() - add event types to the stream's schema table
 * @descs: descriptions; copied, the caller may free them
 * @nr: number of entries at @descs
 *
 * Sessions configured after the call list the new types in their stream
 * header, so a decoder shows their names and fields.  An id already in the
 * table is replaced.  The entries stay until rtrace.ko is unloaded.
 *
 * Context: process context, may sleep.
 * Return: 0, or -ENOSPC if the table is full, -EINVAL for a bad entry (id
 * 0 or above RTRACE_EV_MAX, more than RTRACE_REC_MAX_ARGS fields and not
 * RTRACE_REC_RAW); the entries before it are registered.
 */
int rtrace_events_register(const struct rtrace_event_desc *descs, unsigned int nr)
{
	unsigned int i, j;
	int ret = 0;

	mutex_lock(&rtrace_events_lock);
	for (i = 0; i < nr; i++) {
		const struct rtrace_event_desc *d = &descs[i];

		if (!d->id || d->id > RTRACE_EV_MAX ||
		    (d->nr_fields > RTRACE_REC_MAX_ARGS &&
		     d->nr_fields != RTRACE_REC_RAW)) {
			ret = -EINVAL;
			break;
		}
		for (j = 0; j < rtrace_nr_events; j++)
			if (rtrace_events[j].id == d->id)
				break;
		if (j == RTRACE_MAX_EVENT_DESCS) {
			ret = -ENOSPC;
			break;
		}
		rtrace_events[j] = *d;
		if (j == rtrace_nr_events)
			rtrace_nr_events++;
	}
	mutex_unlock(&rtrace_events_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(rtrace_events_register);

/**
 * rtrace_events_table() - a copy of the table, behind a header
 * @head: bytes before the table, zeroed (the stream header)
 * @nr: out: number of descriptions copied
 *
 * Context: process context, may sleep.
 * Return: kzalloc()ed @head + *@nr descriptions, or NULL.
 */
void *rtrace_events_table(size_t head, unsigned int *nr)
{
	void *buf;

	mutex_lock(&rtrace_events_lock);
	*nr = rtrace_nr_events;
	buf = kzalloc(head + *nr * sizeof(rtrace_events[0]), GFP_KERNEL);
	if (buf) {
		memcpy(buf + head, rtrace_events, *nr * sizeof(rtrace_events[0]));
		rtrace_mem_count(1);
	}
	mutex_unlock(&rtrace_events_lock);
	return buf;
}
