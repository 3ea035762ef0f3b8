/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtrace: the event-schema registry (events.c): the names and fields of the
 * event types, which every stream header lists.  rtrace_events_register()
 * is declared in include/rtrace_emit.h (other modules call it too).
 */
#ifndef _RTRACE_EVENTS_H
#define _RTRACE_EVENTS_H

#include <linux/types.h>
#include <uapi/linux/rtrace.h>

int rtrace_events_register(const struct rtrace_event_desc *descs, unsigned int nr);
void *rtrace_events_table(size_t head, unsigned int *nr);

#endif /* _RTRACE_EVENTS_H */
