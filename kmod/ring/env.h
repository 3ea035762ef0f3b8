/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtrace: everything the ring (kmod/ring/) takes from its environment -
 * the kernel's headers and helpers in a kernel build, the shim of
 * selftests/unit in the userspace build of the unit tests and bench/host,
 * which compile the ring's files unchanged.  This is the only switch
 * between the two.
 */
#ifndef _RTRACE_RING_ENV_H
#define _RTRACE_RING_ENV_H

#ifndef __KERNEL__
#include <rtrace_unit_shim.h>
#else /* __KERNEL__ */

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kprobes.h>
#include <linux/preempt.h>
#include <linux/hardirq.h>
#include <linux/percpu.h>
#include <linux/cpumask.h>
#include <linux/smp.h>
#include <linux/rcupdate.h>
#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/moduleparam.h>
#include <linux/clocksource.h>
#include <linux/timekeeping.h>
#include <linux/trace_clock.h>
#include <asm/local64.h>

#include "../compat/compat.h"
#include "../arch/x86.h"

/**
 * struct rtrace_area - the memory of one lane (kmod/ring/area.c)
 * @addr: the pages, mapped contiguously with vmap()
 * @pages: the node-local pages
 * @nr_pages: number of entries at @pages
 */
struct rtrace_area {
	void *addr;
	struct page **pages;
	unsigned int nr_pages;
};

int rtrace_area_alloc(struct rtrace_area *a, size_t bytes, int node);
void rtrace_area_free(struct rtrace_area *a);

void rtrace_mem_count(long delta);

#endif /* __KERNEL__ */
#endif /* _RTRACE_RING_ENV_H */
