/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtrace: the table of event sources - one row per source, in the order
 * the session code enables them (and disables them in reverse: source.h).
 *
 * RTRACE_SOURCE(name) is the source "const struct rtrace_source
 * rtrace_source_<name>" that a file of kmod/sources/ defines.  Adding a
 * source is that file and its row here: source.h declares every row's
 * source, sources.c makes the table of them, and kmod/Kbuild builds
 * every .c file of kmod/sources/.
 *
 * No include guard: each includer defines RTRACE_SOURCE() first.
 */
RTRACE_SOURCE(kapi)
RTRACE_SOURCE(tracepoints)
RTRACE_SOURCE(names)
RTRACE_SOURCE(validate)
