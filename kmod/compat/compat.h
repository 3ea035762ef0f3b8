/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtrace: kernel-version differences, and nothing else.
 *
 * Every LINUX_VERSION_CODE test of the module is here, as a small wrapper
 * named after what it does; the code calls the wrapper.  Tested on the
 * Debian 6.1 and 6.12 kernels (README.md); other cut-offs are taken from
 * the upstream commit that made the change and are not tested.
 */
#ifndef _RTRACE_COMPAT_H
#define _RTRACE_COMPAT_H

#include <linux/version.h>
#include <linux/export.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/ring_buffer.h>

/* <asm/unaligned.h> moved to <linux/unaligned.h> in 6.12. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/*
 * The symbol namespace of what only rtrace's own test and benchmark
 * modules may use (EXPORT_SYMBOL_RTRACE_INTERNAL(), RTRACE_IMPORT_INTERNAL()).
 * Up to 6.12 the namespace argument is a bare token that the macros
 * stringify; 6.13 made it a string literal.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define EXPORT_SYMBOL_RTRACE_INTERNAL(sym)	EXPORT_SYMBOL_NS_GPL(sym, "RTRACE_INTERNAL")
#define RTRACE_IMPORT_INTERNAL()	MODULE_IMPORT_NS("RTRACE_INTERNAL")
#else
#define EXPORT_SYMBOL_RTRACE_INTERNAL(sym)	EXPORT_SYMBOL_NS_GPL(sym, RTRACE_INTERNAL)
#define RTRACE_IMPORT_INTERNAL()	MODULE_IMPORT_NS(RTRACE_INTERNAL)
#endif

/*
 * ftrace's ring buffer, as the benchmark (bench/) drives it: 6.1's
 * ring_buffer_unlock_commit() takes the event, 6.12's does not (the
 * argument went away in 6.3).
 */
static inline void rtrace_rb_unlock_commit(struct trace_buffer *buffer,
					   struct ring_buffer_event *event)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	ring_buffer_unlock_commit(buffer);
#else
	ring_buffer_unlock_commit(buffer, event);
#endif
}

/* Change the flags of a vma being set up in f_op->mmap (vm_flags is const since 6.3). */
static inline void rtrace_vm_flags_mod(struct vm_area_struct *vma,
				       vm_flags_t set, vm_flags_t clear)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_mod(vma, set, clear);
#else
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
#endif
}

/* struct device_type.devnode() takes a const device since 6.2. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define RTRACE_DEVNODE_CONST	const
#else
#define RTRACE_DEVNODE_CONST
#endif

#endif /* _RTRACE_COMPAT_H */
