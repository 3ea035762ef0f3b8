// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: module init/exit and registration of the /dev/rtrace misc device.
 *
 * The device node is root-only (mode 0600).  The file operations carry
 * THIS_MODULE as owner, so the module cannot be removed while /dev/rtrace is
 * open: rmmod fails with -EBUSY until the last file is closed.
 */
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include <uapi/linux/rtrace.h>

#include "rtrace_dev.h"

/* File operations, session and reader side: rtrace_dev.c. */
static struct miscdevice rtrace_miscdev = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= "rtrace",
	.fops		= &rtrace_dev_fops,
	.mode		= 0600,
};

static int __init rtrace_init(void)
{
	int ret;

	ret = rtrace_dev_init();
	if (ret)
		return ret;
	ret = misc_register(&rtrace_miscdev);
	if (ret) {
		pr_err("rtrace: cannot register /dev/rtrace: %d\n", ret);
		goto dev_exit;
	}
	return 0;

dev_exit:
	rtrace_dev_exit();
	return ret;
}

static void __exit rtrace_exit(void)
{
	misc_deregister(&rtrace_miscdev);
	rtrace_dev_exit();
}

module_init(rtrace_init);
module_exit(rtrace_exit);
MODULE_DESCRIPTION("rtrace: per-CPU reentrant kernel tracing backend");
MODULE_LICENSE("GPL");
