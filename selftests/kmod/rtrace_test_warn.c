// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace_test_warn: a test-only module whose init triggers one kernel
 * WARNING.  The VM runner's self-test loads it to prove that a splat in the
 * guest makes the run fail.  Never load it anywhere else.
 */
#include <linux/module.h>
#include <linux/bug.h>

static int __init rtrace_test_warn_init(void)
{
	WARN_ON_ONCE(1);
	return 0;
}

static void __exit rtrace_test_warn_exit(void)
{
}

module_init(rtrace_test_warn_init);
module_exit(rtrace_test_warn_exit);
MODULE_DESCRIPTION("rtrace test: WARN on load (VM runner self-test)");
MODULE_LICENSE("GPL");
