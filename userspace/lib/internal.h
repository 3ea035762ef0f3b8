/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * librtrace internals shared between the library's files (not installed).
 */
#ifndef _RTRACE_LIB_INTERNAL_H
#define _RTRACE_LIB_INTERNAL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "rtrace.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Does @opts (a struct whose first member is size_t sz) carry @member? */
#define OPTS_HAS(opts, member) \
	((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), member) + sizeof((opts)->member))

/*
 * Options structs grow: accept any size from the first member up, but a
 * larger struct than ours must have zeroes past what we know.
 */
static inline int opts_valid(const void *opts, size_t ours)
{
	const uint8_t *p = opts;
	size_t sz, i;

	if (!opts)
		return 1;
	memcpy(&sz, opts, sizeof(sz));
	if (sz < sizeof(size_t))
		return 0;
	for (i = ours; i < sz; i++)
		if (p[i])
			return 0;
	return 1;
}

/* The exporters of the table in export.c, one file each. */
extern const struct rtrace_exporter rtrace_export_text;

#endif /* _RTRACE_LIB_INTERNAL_H */
