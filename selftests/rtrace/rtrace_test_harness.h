/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's kselftest harness, with rtrace's default test timeout.
 *
 * The harness stops a test after TEST_TIMEOUT_DEFAULT seconds (30).  Ours
 * run under TCG, some on a debug kernel (KASAN, lockdep, kmemleak), beside
 * other guests on a host that may be loaded: a test that takes 10 s on a
 * quiet host took three times that on a busy CI runner, and was killed
 * while it was passing.  A hung test is still stopped, after 120 s; tests
 * that need longer say so with TEST_F_TIMEOUT().  The harness reads the
 * macro where TEST()/TEST_F() are used, so redefining it after the include
 * is enough.
 */
#ifndef RTRACE_TEST_HARNESS_H
#define RTRACE_TEST_HARNESS_H

#include "kselftest_harness.h"

#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 120

/*
 * Line-buffered output: the VM runner shows each line as it comes, so a
 * log cut short by a timeout names the test that was running, and the
 * host can time every test from its "RUN" and "OK" lines.
 */
static void __attribute__((constructor)) rtrace_test_line_buffered(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

#endif /* RTRACE_TEST_HARNESS_H */
