// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * librtrace: the table of exporters (output formats fed by the decoder).
 *
 * A format is one file that defines its struct rtrace_exporter (see
 * export_text.c) and one row in exporters.h; `rtrace decode --format NAME`,
 * `rtrace convert --to NAME` and every other user find it through
 * rtrace_exporter__find().
 */
#include "internal.h"

static const struct rtrace_exporter *const exporters[] = {
#define RTRACE_EXPORTER(_name) &rtrace_export_##_name,
#include "exporters.h"
#undef RTRACE_EXPORTER
};

const struct rtrace_exporter *rtrace_exporter__at(unsigned int idx)
{
	return idx < ARRAY_SIZE(exporters) ? exporters[idx] : NULL;
}

const struct rtrace_exporter *rtrace_exporter__find(const char *name)
{
	unsigned int i;

	for (i = 0; name && i < ARRAY_SIZE(exporters); i++)
		if (!strcmp(exporters[i]->name, name))
			return exporters[i];
	return NULL;
}
