/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP 13 producer for the userspace tests: ok/not ok lines, a plan
 * at the end, diagnostics as "# ..." lines.
 */
#ifndef _RTRACE_TAP_H
#define _RTRACE_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed, tap_cur_failed;
static const char *tap_prefix = "";

/* Record a failed assertion inside the current test; the test continues. */
#define CHECK(cond) do {							\
		if (!(cond)) {							\
			printf("# %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			tap_cur_failed = 1;					\
		}								\
	} while (0)

#define CHECK_EQ(a, b) do {							\
		unsigned long long _a = (unsigned long long)(a);		\
		unsigned long long _b = (unsigned long long)(b);		\
		if (_a != _b) {							\
			printf("# %s:%d: %s == %s failed: %llu != %llu\n",	\
			       __FILE__, __LINE__, #a, #b, _a, _b);		\
			tap_cur_failed = 1;					\
		}								\
	} while (0)

static inline void tap_begin(void)
{
	tap_cur_failed = 0;
}

__attribute__((format(printf, 1, 2)))
static inline void tap_end(const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - %s", tap_cur_failed ? "not ok" : "ok", ++tap_n, tap_prefix);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	tap_failed += tap_cur_failed;
}

#define TEST(fn) do { tap_begin(); fn(); tap_end("%s", #fn); } while (0)

static inline int tap_finish(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif /* _RTRACE_TAP_H */
