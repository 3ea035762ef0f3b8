/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * librtrace: the table of exporters - one row per output format, in the
 * order `rtrace convert --help` and `rtrace decode --help` list them.
 *
 * RTRACE_EXPORTER(name) is the exporter "const struct rtrace_exporter
 * rtrace_export_<name>" that a file of lib/ defines (see export_text.c).
 * Adding a format is that file and its row here: internal.h declares
 * every row's exporter, export.c makes the table of them, and the Makefile
 * builds every .c file of lib/.
 *
 * No include guard: each includer defines RTRACE_EXPORTER() first.
 */
RTRACE_EXPORTER(text)
RTRACE_EXPORTER(ctf)
RTRACE_EXPORTER(perfetto)
