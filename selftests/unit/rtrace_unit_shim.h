/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtrace: userspace shim that lets the ring (kmod/ring/) compile unchanged
 * for the native unit tests (like tools/testing/radix-tree does for the
 * kernel's radix tree).
 *
 * Model: a "CPU" is a thread that sets shim_cpu; "interrupts" are signal
 * handlers on that thread that set shim_ctx to the context level they
 * stand for (1 softirq, 2 hardirq, 3 NMI) around their writes.
 * Preemption is the per-thread counter shim_preempt.  Barriers and
 * READ_ONCE/WRITE_ONCE map to C11 atomics so ThreadSanitizer understands
 * the memory-ordering protocol exactly as documented in kmod/ring/ring.c.
 */
#ifndef _RTRACE_UNIT_SHIM_H
#define _RTRACE_UNIT_SHIM_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/types.h>
#include <linux/types.h>
#include <x86intrin.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s64 s64;

#undef __always_inline
#define __always_inline		inline __attribute__((__always_inline__))
#define noinline		__attribute__((__noinline__))
#define notrace			__attribute__((__no_instrument_function__))
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define ____cacheline_aligned_in_smp	__attribute__((__aligned__(64)))
#define __percpu
#define __rcu
#define BIT_ULL(n)		(1ULL << (n))
#undef static_assert
#define static_assert(expr, ...)	_Static_assert(expr, #expr)
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define PAGE_SIZE		4096UL
#define USEC_PER_SEC		1000000UL

#define __uninitialized
#define EXPORT_SYMBOL_GPL(sym)
#define EXPORT_SYMBOL_RTRACE_INTERNAL(sym)
#define NOKPROBE_SYMBOL(sym)
#define module_param_named(name, var, type, perm)
#define MODULE_PARM_DESC(name, desc)

/* Compiler and CPU ordering. */
#define barrier()		__atomic_signal_fence(__ATOMIC_SEQ_CST)
#define OPTIMIZER_HIDE_VAR(var)	__asm__ ("" : "=r" (var) : "0" (var))
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define cmpxchg(p, o, n) ({						\
	__typeof__(*(p)) __old = (o);					\
	__atomic_compare_exchange_n((p), &__old, (n), false,		\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);	\
	__old;								\
})
#define xchg(p, n)		__atomic_exchange_n((p), (n), __ATOMIC_SEQ_CST)

/* Context: which CPU this thread is, how deep in "interrupts", preemption. */
extern __thread int shim_cpu;
extern __thread int shim_ctx;		/* 0 task, 1 softirq, 2 hardirq, 3 NMI */
extern __thread int shim_preempt;
extern int shim_nr_cpus;
extern int shim_warnings;
extern unsigned long shim_slow_calls;	/* entries into the out-of-line writers */
#define rtrace_unit_count_slow()	__atomic_fetch_add(&shim_slow_calls, 1, __ATOMIC_RELAXED)
#define shim_slow_count()		__atomic_load_n(&shim_slow_calls, __ATOMIC_RELAXED)

static inline unsigned char interrupt_context_level(void)
{
	return (unsigned char)__atomic_load_n(&shim_ctx, __ATOMIC_RELAXED);
}

static inline unsigned int rtrace_context_level(void)
{
	return interrupt_context_level();
}

#define preempt_disable_notrace()	do { shim_preempt++; barrier(); } while (0)
#define preempt_enable_notrace()	do { barrier(); shim_preempt--; } while (0)
#define preempt_disable()		preempt_disable_notrace()
#define preempt_enable()		preempt_enable_notrace()
#define preemptible()			(shim_preempt == 0 && shim_ctx == 0)
#define local_irq_save(f)		((f) = 0)
#define local_irq_restore(f)		((void)(f))

#define WARN_ONCE(cond, fmt, ...) ({					\
	int __c = !!(cond);						\
	if (__c) {							\
		__atomic_fetch_add(&shim_warnings, 1, __ATOMIC_RELAXED);	\
		fprintf(stderr, "WARNING: " fmt, ##__VA_ARGS__);	\
	}								\
	__c;								\
})
#define WARN(cond, fmt, ...)	WARN_ONCE(cond, fmt, ##__VA_ARGS__)

/* Per-CPU data: shim_nr_cpus copies at a fixed stride stored before them. */
void *shim_alloc_percpu(size_t size, size_t align);
void shim_free_percpu(void *p);
#define SHIM_PCPU_STRIDE(p)	(((size_t *)(p))[-1])
#define alloc_percpu_gfp(type, gfp) \
	((type *)shim_alloc_percpu(sizeof(type), __alignof__(type)))
#define free_percpu(p)		shim_free_percpu(p)
/*
 * Static per-CPU variables (DEFINE_PER_CPU) live in section shim_pcpu and
 * are one object shared by every "CPU" (stride 0): only read-only ones
 * (ring.c's idle writer state) may be defined.
 */
#define DEFINE_PER_CPU(type, name) \
	__attribute__((__section__("shim_pcpu"), __aligned__(64))) __typeof__(type) name
extern char __start_shim_pcpu[], __stop_shim_pcpu[];
static inline size_t shim_pcpu_stride(const void *p)
{
	if ((const char *)p >= __start_shim_pcpu && (const char *)p < __stop_shim_pcpu)
		return 0;
	return SHIM_PCPU_STRIDE(p);
}
#define per_cpu_ptr(p, cpu) \
	((__typeof__(p))((char *)(p) + (size_t)(cpu) * shim_pcpu_stride(p)))
#define this_cpu_ptr(p)		per_cpu_ptr(p, shim_cpu)

typedef struct { u64 v; } local64_t;
#define local64_inc(l)		__atomic_fetch_add(&(l)->v, 1, __ATOMIC_RELAXED)
#define local64_read(l)		__atomic_load_n(&(l)->v, __ATOMIC_RELAXED)

typedef struct { int v; } atomic_t;
#define atomic_inc(a)		__atomic_fetch_add(&(a)->v, 1, __ATOMIC_RELAXED)
#define atomic_add(i, a)	__atomic_fetch_add(&(a)->v, (i), __ATOMIC_RELAXED)
#define atomic_read(a)		__atomic_load_n(&(a)->v, __ATOMIC_RELAXED)

/* CPU masks: at most 64 CPUs. */
struct cpumask {
	u64 bits;
};
extern struct cpumask shim_possible_mask;
#define cpu_possible_mask	(&shim_possible_mask)
#define nr_cpu_ids		((unsigned int)shim_nr_cpus)
#define cpu_to_node(cpu)	0
#define cpumask_and(d, a, b)	((d)->bits = (a)->bits & (b)->bits)
#define cpumask_test_cpu(c, m)	(((m)->bits >> (c)) & 1)
#define for_each_cpu(cpu, m)						\
	for ((cpu) = 0; (cpu) < nr_cpu_ids; (cpu)++)			\
		if (cpumask_test_cpu(cpu, m))
#define for_each_possible_cpu(cpu)	for_each_cpu(cpu, cpu_possible_mask)
/* "IPI": run @fn as CPU @cpu in hardirq context, on the calling thread. */
void on_each_cpu_mask(const struct cpumask *mask, void (*fn)(void *),
		      void *info, bool wait);

/* Static keys: a flag (the kernel patches code; the protocol is the same). */
struct static_key_false {
	int enabled;
};
#define DEFINE_STATIC_KEY_FALSE(name)	struct static_key_false name = { 0 }
#define DECLARE_STATIC_KEY_FALSE(name)	extern struct static_key_false name
#define static_branch_likely(k)		(__atomic_load_n(&(k)->enabled, __ATOMIC_SEQ_CST) > 0)
#define static_branch_unlikely(k)	static_branch_likely(k)
#define static_branch_inc(k)		__atomic_fetch_add(&(k)->enabled, 1, __ATOMIC_SEQ_CST)
#define static_branch_dec(k)		__atomic_fetch_sub(&(k)->enabled, 1, __ATOMIC_SEQ_CST)

/* RCU: writers are preempt-disabled sections; tests stop writers first. */
#define rcu_dereference_raw(p)		__atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define rcu_access_pointer(p)		__atomic_load_n(&(p), __ATOMIC_RELAXED)
#define rcu_assign_pointer(p, v)	__atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
#define RCU_INIT_POINTER(p, v)		__atomic_store_n(&(p), (v), __ATOMIC_RELAXED)
#define synchronize_rcu()		barrier()

struct mutex {
	pthread_mutex_t m;
};
#define DEFINE_MUTEX(name)	struct mutex name = { PTHREAD_MUTEX_INITIALIZER }
#define mutex_lock(x)		pthread_mutex_lock(&(x)->m)
#define mutex_unlock(x)		pthread_mutex_unlock(&(x)->m)

/* Allocation and errors. */
#define GFP_KERNEL		0
#define __GFP_NOWARN		0
#define kzalloc(size, gfp)	calloc(1, (size))
#define kfree(p)		free(p)
#define rtrace_mem_count(delta)	do { } while (0)
#define MAX_ERRNO		4095
#define ERR_PTR(e)		((void *)(long)(e))
#define PTR_ERR(p)		((long)(p))
#define IS_ERR(p)		((unsigned long)(p) >= (unsigned long)-MAX_ERRNO)
#define IS_ERR_OR_NULL(p)	(!(p) || IS_ERR(p))
#define is_power_of_2(n)	((n) != 0 && ((n) & ((n) - 1)) == 0)
#define ilog2(n)		(63 - __builtin_clzll((u64)(n)))

struct rtrace_area {
	void *addr;
	size_t bytes;
};

static inline int rtrace_area_alloc(struct rtrace_area *a, size_t bytes, int node)
{
	(void)node;
	a->addr = aligned_alloc(PAGE_SIZE, bytes);
	if (!a->addr)
		return -ENOMEM;
	memset(a->addr, 0, bytes);
	a->bytes = bytes;
	return 0;
}

static inline void rtrace_area_free(struct rtrace_area *a)
{
	free(a->addr);
	a->addr = NULL;
}

#define get_unaligned(p) ({ __typeof__(*(p) + 0) __v; memcpy(&__v, (p), sizeof(__v)); __v; })
#define put_unaligned(v, p) do { __typeof__(*(p)) __v = (v); memcpy((p), &__v, sizeof(__v)); } while (0)

/* Clocks. */
static inline bool sysfs_streq(const char *a, const char *b)
{
	size_t n = strlen(b);

	return !strncmp(a, b, n) && (a[n] == 0 || (a[n] == '\n' && a[n + 1] == 0));
}

extern unsigned int tsc_khz;
extern bool shim_tsc_usable;

static inline bool rtrace_tsc_usable(void)
{
	return shim_tsc_usable && tsc_khz;
}

static __always_inline u64 rtrace_read_tsc(void)
{
	return __rdtsc();
}

static inline u64 ktime_get_mono_fast_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

static inline u64 trace_clock_local(void)
{
	return ktime_get_mono_fast_ns();
}

void clocks_calc_mult_shift(u32 *mult, u32 *shift, u32 from, u32 to, u32 maxsec);

/* Test setup: nr CPUs, calibrates tsc_khz. */
void shim_init(int nr_cpus);

#endif /* _RTRACE_UNIT_SHIM_H */
