// SPDX-License-Identifier: GPL-2.0
/* The LTTng-UST probe provider of tp.h. */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "tp.h"
