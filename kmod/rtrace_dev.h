/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtrace: /dev/rtrace, session control and the reader side (rtrace_dev.c).
 */
#ifndef _RTRACE_DEV_H
#define _RTRACE_DEV_H

#include <linux/fs.h>
#include <uapi/linux/rtrace.h>

/* File operations of /dev/rtrace, registered by rtrace_main.c. */
extern const struct file_operations rtrace_dev_fops;

int rtrace_dev_init(void);
void rtrace_dev_exit(void);

int rtrace_dev_register_events(const struct rtrace_event_desc *descs,
			       unsigned int nr);

#endif /* _RTRACE_DEV_H */
