/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtrace: the x86 helpers of the module and its tests (the TSC policy of
 * the ring's clock, NMIs for the nesting test).  The writer's own x86
 * instructions (rdtsc, the bsr of the context level) are in
 * include/rtrace_wr.h, which the inline fast path needs.
 */
#ifndef _RTRACE_ARCH_X86_H
#define _RTRACE_ARCH_X86_H

#include <linux/types.h>
#include <asm/apic.h>
#include <asm/cpufeature.h>
#include <asm/nmi.h>
#include <asm/tsc.h>

/* The TSC is usable as the session clock: constant rate, not stopping, trusted. */
static inline bool rtrace_tsc_usable(void)
{
	return boot_cpu_has(X86_FEATURE_TSC) &&
	       boot_cpu_has(X86_FEATURE_CONSTANT_TSC) &&
	       boot_cpu_has(X86_FEATURE_NONSTOP_TSC) &&
	       !check_tsc_unstable() && tsc_khz;
}

/* Send an NMI to the current CPU (test modules). */
static inline void rtrace_send_nmi_self(void)
{
	apic->send_IPI_self(NMI_VECTOR);
}

/* Send an NMI to another CPU (test modules). */
static inline void rtrace_send_nmi(unsigned int cpu)
{
	apic->send_IPI(cpu, NMI_VECTOR);
}

#endif /* _RTRACE_ARCH_X86_H */
