// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: the module API as a source (RTRACE_SOURCE_KAPI) - events that
 * other modules write with rtrace_emit*() (include/rtrace_emit.h; the
 * writers are in kmod/ring/writer.c).
 *
 * Nothing to enable or disable: those modules call the writers whenever
 * they like, and the ring decides (recording while the session runs,
 * RTRACE_LOST_OFF while it is stopped after a start, nothing before its
 * first start).  For the same reason the module API cannot be left out of
 * a session that records: its writers do not look at the session's
 * sources, which would cost the inline fast path a load.
 *
 * Its event types are those of rtrace's own test generator
 * (selftests/kmod/rtrace_test_gen.c); other modules register theirs with
 * rtrace_events_register().
 */
#include <linux/kernel.h>

#include "source.h"

static const struct rtrace_event_desc kapi_events[] = {
	{
		.id = RTRACE_EV_TEST,
		.nr_fields = 3,
		.name = "test",
		.fields = {
			{ .name = "seq", .type = RTRACE_FIELD_U64 },
			{ .name = "cpu", .type = RTRACE_FIELD_U64 },
			{ .name = "val", .type = RTRACE_FIELD_HEX },
		},
	},
	{
		.id = RTRACE_EV_TEST_RAW,
		.nr_fields = RTRACE_REC_RAW,
		.name = "test_raw",
	},
};

const struct rtrace_source rtrace_source_kapi = {
	.name		= "kapi",
	.bit		= RTRACE_SOURCE_KAPI,
	.events		= kapi_events,
	.nr_events	= ARRAY_SIZE(kapi_events),
};
