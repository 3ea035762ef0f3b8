// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: the userspace shim's out-of-line part (per-CPU allocation, "IPIs",
 * clock calibration).  See rtrace_unit_shim.h.
 */
#include "rtrace_unit_shim.h"

__thread int shim_cpu;
__thread int shim_ctx;
__thread int shim_preempt;
int shim_nr_cpus = 1;
int shim_warnings;
struct cpumask shim_possible_mask = { 1 };
unsigned int tsc_khz;
bool shim_tsc_usable = true;
unsigned long shim_slow_calls;

void *shim_alloc_percpu(size_t size, size_t align)
{
	size_t stride = (size + align - 1) / align * align;
	size_t head = align > sizeof(size_t) ? align : sizeof(size_t);
	char *base;

	base = aligned_alloc(head, head + stride * shim_nr_cpus);
	if (!base)
		return NULL;
	memset(base, 0, head + stride * shim_nr_cpus);
	((size_t *)(base + head))[-1] = stride;
	((size_t *)(base + head))[-2] = head;
	return base + head;
}

void shim_free_percpu(void *p)
{
	if (p)
		free((char *)p - ((size_t *)p)[-2]);
}

void on_each_cpu_mask(const struct cpumask *mask, void (*fn)(void *),
		      void *info, bool wait)
{
	int cpu = shim_cpu, ctx = shim_ctx;
	unsigned int c;

	(void)wait;
	for_each_cpu(c, mask) {
		shim_cpu = c;
		__atomic_store_n(&shim_ctx, 2, __ATOMIC_RELAXED);
		barrier();
		fn(info);
		barrier();
		__atomic_store_n(&shim_ctx, ctx, __ATOMIC_RELAXED);
	}
	shim_cpu = cpu;
}

/* Own derivation: largest shift whose mult still fits 32 bits. */
void clocks_calc_mult_shift(u32 *mult, u32 *shift, u32 from, u32 to, u32 maxsec)
{
	u32 s;

	(void)maxsec;
	for (s = 32; s > 0; s--) {
		u64 m = ((u64)to << s) / from;

		if (m <= 0xffffffffULL) {
			*mult = (u32)m;
			*shift = s;
			return;
		}
	}
	*mult = to / from;
	*shift = 0;
}

void shim_init(int nr_cpus)
{
	u64 t0, c0, t1, c1;

	shim_nr_cpus = nr_cpus;
	shim_possible_mask.bits = nr_cpus >= 64 ? ~0ULL : (1ULL << nr_cpus) - 1;
	t0 = ktime_get_mono_fast_ns();
	c0 = __rdtsc();
	do
		t1 = ktime_get_mono_fast_ns();
	while (t1 - t0 < 20000000);
	c1 = __rdtsc();
	tsc_khz = (unsigned int)((c1 - c0) * 1000000ULL / (t1 - t0));
}
