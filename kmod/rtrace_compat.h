/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtrace: the one place where kernel-version differences (and the
 * userspace build of the ring core) are handled.
 *
 * Everything rtrace_ring.c needs from its environment comes through this
 * header: kernel headers in a kernel build, the shim of selftests/unit in
 * the userspace unit-test build (which compiles rtrace_ring.c unchanged).
 */
#ifndef _RTRACE_COMPAT_H
#define _RTRACE_COMPAT_H

#ifndef __KERNEL__
#include <rtrace_unit_shim.h>
#else /* __KERNEL__ */

#include <linux/version.h>
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
#include <linux/mm.h>
#include <linux/gfp.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/string.h>
#include <linux/moduleparam.h>
#include <linux/clocksource.h>
#include <linux/timekeeping.h>
#include <linux/trace_clock.h>
#include <linux/ring_buffer.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)	/* moved in 6.12 */
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif
#include <asm/local64.h>
#include <asm/tsc.h>
#include <asm/cpufeature.h>
#include <asm/apic.h>
#include <asm/nmi.h>

/* The TSC is usable as the session clock: constant rate, not stopping, trusted. */
static inline bool rtrace_tsc_usable(void)
{
	return boot_cpu_has(X86_FEATURE_TSC) &&
	       boot_cpu_has(X86_FEATURE_CONSTANT_TSC) &&
	       boot_cpu_has(X86_FEATURE_NONSTOP_TSC) &&
	       !check_tsc_unstable() && tsc_khz;
}

/*
 * Ring memory: node-local pages, mapped contiguously with vmap() so the
 * writer sees one linear area and the device can map the pages to
 * userspace (@pages, or vmalloc_to_page()).  No OOM kill, no warning.
 */
struct rtrace_area {
	void *addr;
	struct page **pages;
	unsigned int nr_pages;
};

static inline int rtrace_area_alloc(struct rtrace_area *a, size_t bytes, int node)
{
	unsigned int i, nr = bytes >> PAGE_SHIFT;

	a->pages = kvcalloc(nr, sizeof(*a->pages), GFP_KERNEL | __GFP_NOWARN);
	if (!a->pages)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		a->pages[i] = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO |
					       __GFP_NOWARN | __GFP_RETRY_MAYFAIL, 0);
		if (!a->pages[i])
			goto free_pages;
	}
	a->addr = vmap(a->pages, nr, VM_MAP, PAGE_KERNEL);
	if (!a->addr)
		goto free_pages;
	a->nr_pages = nr;
	return 0;

free_pages:
	while (i--)
		__free_page(a->pages[i]);
	kvfree(a->pages);
	a->pages = NULL;
	return -ENOMEM;
}

static inline void rtrace_area_free(struct rtrace_area *a)
{
	unsigned int i;

	if (!a->addr)
		return;
	vunmap(a->addr);
	for (i = 0; i < a->nr_pages; i++)
		__free_page(a->pages[i]);
	kvfree(a->pages);
	a->addr = NULL;
	a->pages = NULL;
}

/* Send an NMI to the current CPU (test modules). */
static inline void rtrace_send_nmi_self(void)
{
	apic->send_IPI_self(NMI_VECTOR);
}

/*
 * ftrace's ring buffer, as the benchmark (bench/) drives it: 6.1's
 * ring_buffer_unlock_commit() takes the event, 6.12's does not (the
 * argument went away in between; the cut-off below is not tested).
 */
static inline void rtrace_bench_rb_commit(struct trace_buffer *buffer,
					  struct ring_buffer_event *event)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	ring_buffer_unlock_commit(buffer);
#else
	ring_buffer_unlock_commit(buffer, event);
#endif
}

/* Change the flags of a vma being set up in f_op->mmap (device helper). */
static inline void rtrace_vm_flags_mod(struct vm_area_struct *vma,
				       vm_flags_t set, vm_flags_t clear)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_mod(vma, set, clear);
#else
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
#endif
}

/* Send an NMI to another CPU (test modules). */
static inline void rtrace_send_nmi(unsigned int cpu)
{
	apic->send_IPI(cpu, NMI_VECTOR);
}

/* struct device_type.devnode() takes a const device since 6.2 (device helper). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define RTRACE_DEVNODE_CONST	const
#else
#define RTRACE_DEVNODE_CONST
#endif

#endif /* __KERNEL__ */
#endif /* _RTRACE_COMPAT_H */
