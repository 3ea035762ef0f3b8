// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: module init/exit and registration of the /dev/rtrace device.
 *
 * The device node is root-only (mode 0600), or mode 0660 with the group
 * given by the module parameter group=.  Its owner and mode come from the
 * device's devnode callback, which is why this is a plain character device
 * rather than a misc device (misc devices can set a mode, not a group).
 * Opening it also needs CAP_PERFMON or CAP_SYS_ADMIN (dev/read.c).
 *
 * The file operations carry THIS_MODULE as owner, so the module cannot be
 * removed while /dev/rtrace is open: rmmod fails until the last file is
 * closed.
 */
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uidgid.h>

#include <uapi/linux/rtrace.h>

#include "compat/compat.h"
#include "dev/dev.h"
#include "ring/env.h"

static int group = -1;
module_param(group, int, 0444);
MODULE_PARM_DESC(group, "group id allowed to open /dev/rtrace (mode 0660); default: root only (0600)");

/*
 * rtrace's own allocations that outlive the call that made them (sessions,
 * their buffers and pages, rings, open files, validation buffers), counted
 * where they are made and freed.  A leak shows as a count that does not
 * return (alloc_test reads it after every cycle) and as a warning at
 * unload, in every build on every kernel; kmemleak, on the debug kernel
 * only, finds the objects themselves.
 */
static atomic_long_t rtrace_mem_live = ATOMIC_LONG_INIT(0);

/**
 * rtrace_mem_count() - count allocations made (@delta > 0) or freed
 * @delta: objects (a page, a vmalloc area, a slab object: one each)
 *
 * Context: any.
 */
void rtrace_mem_count(long delta)
{
	atomic_long_add(delta, &rtrace_mem_live);
}

static int rtrace_live_allocs_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&rtrace_mem_live));
}

static const struct kernel_param_ops rtrace_live_allocs_ops = {
	.get = rtrace_live_allocs_get,
};
module_param_cb(live_allocs, &rtrace_live_allocs_ops, NULL, 0444);
MODULE_PARM_DESC(live_allocs, "rtrace's own allocations now live (read-only; a session, its pages and files count)");

static dev_t rtrace_devt;
static struct cdev rtrace_cdev;
static struct device *rtrace_device;

static char *rtrace_devnode(RTRACE_DEVNODE_CONST struct device *dev,
			    umode_t *mode, kuid_t *uid, kgid_t *gid)
{
	if (mode)
		*mode = group >= 0 ? 0660 : 0600;
	if (gid && group >= 0)
		*gid = make_kgid(&init_user_ns, group);
	return NULL;
}

static const struct device_type rtrace_device_type = {
	.name		= "rtrace",
	.devnode	= rtrace_devnode,
};

static void rtrace_device_release(struct device *dev)
{
	kfree(dev);
}

static int rtrace_device_add(void)
{
	int ret;

	ret = alloc_chrdev_region(&rtrace_devt, 0, 1, "rtrace");
	if (ret)
		return ret;
	rtrace_device = kzalloc(sizeof(*rtrace_device), GFP_KERNEL);
	if (!rtrace_device) {
		ret = -ENOMEM;
		goto unregister_region;
	}
	device_initialize(rtrace_device);
	rtrace_device->devt = rtrace_devt;
	rtrace_device->type = &rtrace_device_type;
	rtrace_device->release = rtrace_device_release;
	ret = dev_set_name(rtrace_device, "rtrace");
	if (ret)
		goto put_device;

	cdev_init(&rtrace_cdev, &rtrace_dev_fops);
	rtrace_cdev.owner = THIS_MODULE;
	ret = cdev_device_add(&rtrace_cdev, rtrace_device);
	if (ret)
		goto put_device;
	return 0;

put_device:
	put_device(rtrace_device);
unregister_region:
	unregister_chrdev_region(rtrace_devt, 1);
	return ret;
}

static void rtrace_device_del(void)
{
	cdev_device_del(&rtrace_cdev, rtrace_device);
	put_device(rtrace_device);
	unregister_chrdev_region(rtrace_devt, 1);
}

static int __init rtrace_init(void)
{
	int ret;

	if (group >= 0 && !gid_valid(make_kgid(&init_user_ns, group))) {
		pr_err("rtrace: group=%d is not a valid group id\n", group);
		return -EINVAL;
	}
	ret = rtrace_dev_init();
	if (ret)
		return ret;
	/* sources=, buffer_size=, ...: a session that records from here on. */
	ret = rdev_params_start();
	if (ret)
		goto dev_exit;
	ret = rtrace_device_add();
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
	rtrace_device_del();
	rtrace_dev_exit();
	WARN(atomic_long_read(&rtrace_mem_live), "rtrace: %ld allocations not freed at unload\n",
	     atomic_long_read(&rtrace_mem_live));
}

module_init(rtrace_init);
module_exit(rtrace_exit);
MODULE_DESCRIPTION("rtrace: per-CPU reentrant kernel tracing backend");
MODULE_LICENSE("GPL");
