// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_test: a seeded syscall fuzzer for /dev/rtrace (issue 14, item 5).
 *
 * Three threads of one privileged process and two unprivileged processes
 * call into the device at random:
 *
 *   main      random ioctl numbers (magic 0xE7 with random number, size and
 *             direction bits; other magics), the real ioctls with random
 *             struct contents, sizes (0 to beyond a page), flags and
 *             reserved fields, random pointers (NULL, low, unmapped,
 *             read-only, kernel addresses, misaligned, straddling into an
 *             unmapped page, the device's own mappings), read/readv/write
 *             with random sizes, mmap/mprotect/mremap/munmap/madvise/mlock
 *             of the device at random offsets, lengths, protections and
 *             flags, stores into the mappings (the read-only one must
 *             fault), poll/select/epoll, dup/close/reopen, fork;
 *   control   valid configure/start/stop/snapshot/flush/reset/stats/info
 *             from another file, events from rtrace_test_gen, signals to
 *             the reader;
 *   reader    blocking read()/poll()/epoll_wait() interrupted by signals,
 *             taking and giving up the consumer role;
 *   nobody    uid 65534 without capabilities, and
 *   nocaps    uid 0 without capabilities: open (every flag combination,
 *             /proc/self/fd re-opens of an O_PATH descriptor, the
 *             privileged process's /proc/PID/fd entries, a mknod'ed copy
 *             of the node) must be refused, and an O_PATH descriptor must
 *             not reach the driver.
 *
 * Every call's result is checked against the errors the call may return
 * (Documentation/abi.md for the device, the man pages for the VFS and mm
 * around it; the sets are below, next to the calls), and results that the
 * ABI pins down are checked exactly: an unknown number or a wrong direction
 * is ENOTTY, write() records a whole marker or fails, the read-only mapping never becomes
 * writable or executable, mremap() never moves a mapping, every successful
 * read() returns whole, decodable units, INFO and STATS zero what they do
 * not know.  Afterwards the device must be idle (RESET works, no consumer)
 * and a short session through read() and one through mmap() must record
 * and decode with every event accounted for.
 *
 * Reproducible: each thread and process draws from its own generator,
 * seeded from the printed seed, the main thread afresh for every step;
 * "--seed S" replays it.  The interleaving of the threads is the
 * scheduler's, so "--no-threads" makes the main thread do the control
 * calls itself: every step then draws the same arguments again, and only
 * what depends on timing (the reader work's periodic flush) can differ.
 *
 *   fuzz_test [--seed S] [--calls N] [--no-threads] [--trace] [harness options]
 *   RTRACE_FUZZ_SEED, RTRACE_FUZZ_CALLS: the same, from the environment
 *
 * N (default 100000) counts the privileged process's calls; the last line
 * of a run is "# fuzz: kernel=RELEASE calls=N seed=S".
 */
#define _GNU_SOURCE
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

#include "rtrace_test_harness.h"
#include "rtrace_test_util.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE	0x03
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif
#ifndef MADV_COLD
#define MADV_COLD		20
#define MADV_PAGEOUT		21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#define MADV_POPULATE_WRITE	23
#endif

#define FZ_DEFAULT_CALLS	100000
#define FZ_MAX_REPORTS		40	/* failures printed; all are counted */
#define FZ_SCRATCH		(1 << 20)
#define FZ_RO			(64 << 10)
#define FZ_NONE			(64 << 10)
#define FZ_SLOTS		16	/* arena slots for MAP_FIXED mappings */
#define FZ_SLOT_SIZE		(4 << 20)
#define FZ_NFDS			4
#define FZ_NMAPS		8
#define FZ_MAX_D		(1 << 20)	/* data areas we let succeed */

/* ---- options and shared results ---- */

static struct {
	uint64_t seed;
	long calls;
	bool no_threads;
	bool trace;
} opt = { .calls = FZ_DEFAULT_CALLS };

/* Written by the test's process, printed by the harness's at exit. */
struct fz_result {
	long calls;		/* privileged */
	long unpriv_calls;
	long failures;
	int done;
};

static struct fz_result *result;
static pid_t main_pid;

/* ---- random numbers: splitmix64, one generator per thread/process ---- */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? rnd(r) % n : 0;
}

static bool chance(struct rng *r, unsigned int pct)
{
	return below(r, 100) < pct;
}

#define PICK(r, arr)	((arr)[below(r, sizeof(arr) / sizeof((arr)[0]))])

static void rng_init(struct rng *r, uint64_t seed, unsigned int stream)
{
	r->s = seed ^ (0xd1b54a32d192ed03ULL * (stream + 1));
	rnd(r);
}

/* ---- the fuzzer's state ---- */

enum {
	FAM_IOC_RAND, FAM_IOC_REAL, FAM_IOC_FOREIGN, FAM_READ, FAM_WRITE,
	FAM_MMAP, FAM_MUNMAP, FAM_MPROTECT, FAM_MREMAP, FAM_MADVISE,
	FAM_TOUCH, FAM_POLL, FAM_FD, FAM_FORK, FAM_CONTROL, FAM_READER,
	FAM_UNPRIV, FAM_NR
};

static const char *const fam_name[FAM_NR] = {
	"ioctl-random", "ioctl-real", "ioctl-foreign", "read", "write",
	"mmap", "munmap", "mprotect", "mremap", "madvise", "touch", "poll",
	"fd", "fork", "control", "reader", "unprivileged",
};

struct fz_thread {
	const char *name;
	bool unpriv;		/* its calls are not the privileged count */
	struct rng rng;
	long calls;
	long fam_calls[FAM_NR];
	long fam_ok[FAM_NR];
	long fam_err[FAM_NR][134];	/* by errno */
	char desc[256];		/* the current call, for failure reports */
};

struct fz_map {
	uint8_t *addr;
	size_t len;
	int meta;		/* 0: control page, 1: meta + data */
	int prot;
	int slot;		/* arena slot, or -1 */
	bool zapped;		/* madvise may have zapped its pages */
};

static struct {
	long pg;
	uint32_t nr_cpus;
	dev_t rdev;
	uint8_t *scratch;	/* main thread's buffers, guard page after */
	uint8_t *rscratch;	/* reader thread's */
	uint8_t *cscratch;	/* control thread's */
	uint8_t *ro;		/* read-only, pre-filled with structs */
	uint8_t *none;		/* PROT_NONE */
	uint8_t *arena;		/* FZ_SLOTS x FZ_SLOT_SIZE, PROT_NONE */
	uint64_t mod_base;	/* rtrace.ko from /proc/modules, or 0 */
	atomic_long total;	/* privileged calls */
	atomic_long main_calls;	/* the main thread's, for the others' pace */
	atomic_long failures;
	atomic_int stop;
	atomic_int reader_done;
	pthread_t reader;
	int gen_emit, gen_raw, gen_irq;	/* rtrace_test_gen knobs */
	/* main thread only */
	int fds[FZ_NFDS];
	int fd_acc[FZ_NFDS];
	int last_slot;		/* of the last fz_fd() */
	int consumer_slot;	/* probably the consumer's, or -1 */
	struct fz_map maps[FZ_NMAPS];
	int nmaps;
	int epfd;
	int memfd;		/* /proc/self/mem */
	uint64_t last_d;	/* a data size that mapped, to retry */
} fz;

static __thread struct fz_thread *fz_self;	/* for a fatal signal's report */

static void fz_vreport(struct fz_thread *t, const char *fmt, va_list ap)
{
	char msg[512];
	long n = atomic_fetch_add(&fz.failures, 1);

	if (n >= FZ_MAX_REPORTS)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "# FAIL %s call %ld (seed %llu): %s\n", t->name,
		t->calls, (unsigned long long)opt.seed, msg);
}

static void fz_fail(struct fz_thread *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fz_vreport(t, fmt, ap);
	va_end(ap);
}

/* Describe the call about to be made (kept for a failure report). */
static void fz_call(struct fz_thread *t, int fam, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->desc, sizeof(t->desc), fmt, ap);
	va_end(ap);
	fz_self = t;
	t->calls++;
	t->fam_calls[fam]++;
	if (!t->unpriv)
		atomic_fetch_add(&fz.total, 1);
	if (opt.trace)
		fprintf(stderr, "# %s %ld: %s\n", t->name, t->calls, t->desc);
}

/* Errno sets: zero-terminated, static (they outlive the function). */
#define ESET(...)	({ static const int __set[] = { __VA_ARGS__, 0 }; __set; })

static bool in_set(int e, const int *set)
{
	for (; *set; set++)
		if (*set == e)
			return true;
	return false;
}

/*
 * Check the result of the call fz_call() described: a failure must carry
 * an errno of @set.  Return: true if the call succeeded.
 */
static bool fz_check(struct fz_thread *t, int fam, long ret, int err,
		     const int *set)
{
	if (ret >= 0) {
		t->fam_ok[fam]++;
		return true;
	}
	if (err > 0 && err < 134)
		t->fam_err[fam][err]++;
	if (!in_set(err, set))
		fz_fail(t, "%s = -1, errno %d (%s) is not one the call may return",
			t->desc, err, strerror(err));
	return false;
}

/* Evaluate @expr (a call), then check it: errno is read after the call. */
#define CHK(t, fam, expr, set) ({					\
	long __r = (long)(expr);					\
	int __e = errno;						\
	fz_check(t, fam, __r, __e, set);				\
})

/* ---- guarded memory access (SIGSEGV/SIGBUS into a jump) ---- */

/* volatile: armed before the guarded access, seen by the handler */
static __thread sigjmp_buf * volatile fz_jmp;

static void fz_on_fault(int sig, siginfo_t *si, void *uc)
{
	char msg[400];
	int n;

	if (fz_jmp)
		siglongjmp(*fz_jmp, sig);
	/* Dying: say where (not async-signal-safe, but nothing else runs). */
	n = snprintf(msg, sizeof(msg), "# FAIL signal %d at %p after %s\n", sig,
		     si->si_addr, fz_self ? fz_self->desc : "?");
	if (write(2, msg, n) < 0)
		n = 0;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void fz_on_usr1(int sig)
{
}

/* Load or store one byte; return 0 or the signal it raised. */
static int fz_access(volatile uint8_t *p, bool store, uint8_t v, uint8_t *out)
{
	sigjmp_buf jb;
	int sig;

	sig = sigsetjmp(jb, 1);
	if (sig) {
		fz_jmp = NULL;
		return sig;
	}
	fz_jmp = &jb;
	__asm__ __volatile__("" ::: "memory");	/* armed before the access */
	if (store)
		*p = v;
	else if (out)
		*out = *p;
	else
		(void)*p;
	__asm__ __volatile__("" ::: "memory");
	fz_jmp = NULL;
	return 0;
}

/* ---- random arguments ---- */

static const uint64_t kernel_addrs[] = {
	0xffffffff81000000ULL,	/* kernel text (the runner boots nokaslr) */
	0xffffffff82000000ULL,
	0xffff888000000000ULL,	/* direct map */
	0xffff888000001000ULL,
	0xffffc90000000000ULL,	/* vmalloc */
	0xffffea0000000000ULL,	/* vmemmap */
	0xffffffffc0000000ULL,	/* modules */
	0xffffffffff600000ULL,	/* vsyscall page */
	0xfffffffffffff000ULL,
	0xffffffffffffffffULL,
	0x0000800000000000ULL,	/* first non-canonical */
	0x8000000000000000ULL,
};

/*
 * A user pointer for the kernel to read @len bytes from or write them to.
 * Never one into this process's heap, stack or code: what the kernel may
 * write lands in a scratch area bounded by a guard page, or faults.
 */
static uint64_t rnd_ptr(struct rng *r, uint8_t *scratch, size_t len)
{
	size_t n = len < FZ_SCRATCH ? len : FZ_SCRATCH;
	struct fz_map *m;
	uint64_t off;

	switch (below(r, 17)) {
	case 0:
		return 0;
	case 1:
		return 1 + below(r, 65535);		/* below mmap_min_addr */
	case 2:						/* straddles the guard */
		return (uintptr_t)scratch + FZ_SCRATCH - 1 - below(r, n ? n : 1);
	case 3:						/* misaligned */
		return ((uintptr_t)scratch + below(r, FZ_SCRATCH - n)) | (1 + below(r, 7));
	case 4:
		return (uintptr_t)fz.ro + below(r, FZ_RO);
	case 5:
		return (uintptr_t)fz.ro + FZ_RO - 1 - below(r, 64);
	case 6:
		return (uintptr_t)fz.none + below(r, FZ_NONE);
	case 7:
		return PICK(r, kernel_addrs) + below(r, 3) * 8;
	case 8:
		if (fz.mod_base)
			return fz.mod_base + below(r, 4096);
		return rnd(r) | (1ULL << 63);
	case 9:
		return rnd(r) | (1ULL << 63);		/* kernel half or non-canonical */
	case 10:
		/*
		 * The device's own mappings (the main thread's, which alone
		 * maps): only those in the arena, where PROT_NONE follows
		 * them, so a long copy faults instead of running on.
		 */
		if (scratch == fz.scratch && fz.nmaps) {
			m = &fz.maps[below(r, fz.nmaps)];
			if (m->slot >= 0)
				return (uintptr_t)m->addr + below(r, m->len);
		}
		/* fall through */
	default:					/* valid */
		off = below(r, FZ_SCRATCH - n + 1);
		return (uintptr_t)scratch + (chance(r, 70) ? off & ~7ULL : off);
	}
}

/* Is [p, p + len) inside @scratch (so its bytes may be inspected)? */
static bool in_scratch(uint8_t *scratch, uint64_t p, uint64_t len)
{
	return p >= (uintptr_t)scratch && len <= FZ_SCRATCH &&
	       p - (uintptr_t)scratch <= FZ_SCRATCH - len;
}

static uint32_t rnd_size(struct rng *r, uint32_t ver0)
{
	static const uint32_t sizes[] = { 0, 1, 4, 8, 16, 47, 71, 4095, 4096,
					  4097, 8192, 65536, 1U << 20, 0xffffffffU };

	switch (below(r, 8)) {
	case 0:
		return PICK(r, sizes);
	case 1:
		return ver0 - 1 - below(r, 4);
	case 2:
		return ver0 + 1 + below(r, 4096);
	case 3:
		return (uint32_t)rnd(r);
	case 4:
		return ver0 + 8 * (1 + below(r, 16));
	default:
		return ver0;
	}
}

static void rnd_fill(struct rng *r, void *p, size_t len)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = rnd(r);
}

static uint32_t rnd_subbuf(struct rng *r)
{
	static const uint32_t sb[] = { 4096, 4096, 8192, 16384, 65536, 1 << 20,
				       0, 2048, 4095, 3 * 4096, 1 << 21, 0x80000000U };

	return chance(r, 5) ? (uint32_t)rnd(r) : PICK(r, sb);
}

/*
 * lane_bytes for @subbuf: a well-formed one keeps the session small (at
 * most 2 MiB a lane, so no call can make the VM allocate much); a too
 * large one is far beyond the RAM (refused before any allocation).
 */
static uint64_t rnd_lane_bytes(struct rng *r, uint32_t subbuf)
{
	uint64_t v;

	switch (below(r, 10)) {
	case 0:
		return 0;
	case 1:
		return (uint64_t)subbuf * 3;
	case 2:
		return subbuf;
	case 3:
		return 1ULL << (36 + below(r, 27));	/* >= 64 GiB a lane */
	case 4:
		v = rnd(r);
		/* Never a well-formed mid-sized geometry. */
		return v < (1ULL << 36) ? v | 1 : v;
	default:
		v = (uint64_t)subbuf << (1 + below(r, 6));
		return subbuf && v <= (128 << 10) ? v : (uint64_t)subbuf * 2;
	}
}

/* A struct rtrace_config with random contents at @c (@bytes available). */
static void rnd_config(struct rng *r, struct rtrace_config *c, uint8_t *scratch)
{
	/*
	 * No kernel-event group: each START/STOP of one patches kernel text
	 * (tracepoint static keys), which QEMU's TCG does not survive at the
	 * fuzzer's rate (design.md, "Under QEMU TCG"); source_test covers them.
	 */
	static const uint64_t sources[] = { RTRACE_SOURCE_KAPI, RTRACE_SOURCE_KAPI,
		RTRACE_SOURCE_KAPI, 0, 1ULL << 7, 1ULL << 40,
		RTRACE_SOURCE_KAPI | 1ULL << 9, 15 << 7, 16 << 7, 1ULL << 63 | 1 };
	uint64_t mask;

	memset(c, 0, sizeof(*c));
	c->size = rnd_size(r, RTRACE_CONFIG_SIZE_VER0);
	c->flags = chance(r, 80) ? (uint32_t)below(r, 2) : (uint32_t)rnd(r);
	c->subbuf_size = rnd_subbuf(r);
	c->lane_bytes = rnd_lane_bytes(r, c->subbuf_size);
	if (chance(r, 5))
		c->reserved0 = rnd(r);
	if (chance(r, 5))
		c->reserved1 = rnd(r);
	c->sources = chance(r, 5) ? rnd(r) : PICK(r, sources);
	if (chance(r, 20)) {
		/* A bitmap in scratch: possible CPUs, or beyond them. */
		c->cpumask_bytes = chance(r, 50) ? 8 : (uint32_t)below(r, 5000);
		c->cpumask_ptr = rnd_ptr(r, scratch, c->cpumask_bytes);
		if (in_scratch(scratch, c->cpumask_ptr, 8)) {
			mask = chance(r, 70) ? 1 + below(r, (1ULL << fz.nr_cpus) - 1) : rnd(r);
			memcpy((void *)(uintptr_t)c->cpumask_ptr, &mask, 8);
		}
	} else if (chance(r, 3)) {
		c->cpumask_bytes = rnd(r);
	}
	if (chance(r, 15)) {
		/* The PID filter (CONFIG_SIZE_VER2): counts around its limit, ids in scratch. */
		static const uint32_t nr_pids[] = { 0, 1, 2, 7, RTRACE_PIDS_MAX,
			RTRACE_PIDS_MAX + 1, 0xffffffff };
		uint32_t id, i;

		c->nr_pids = chance(r, 70) ? (uint32_t)below(r, 8) : PICK(r, nr_pids);
		c->pids_ptr = rnd_ptr(r, scratch, (size_t)c->nr_pids * 4);
		c->pid_flags = chance(r, 80) ? (uint32_t)below(r, 4) : (uint32_t)rnd(r);
		for (i = 0; i < c->nr_pids && i < 8 &&
		     in_scratch(scratch, c->pids_ptr + 4 * i, 4); i++) {
			id = chance(r, 70) ? (uint32_t)getpid() : (uint32_t)rnd(r);
			memcpy((void *)(uintptr_t)(c->pids_ptr + 4 * i), &id, 4);
		}
	}
}

/* A valid small configuration (the control thread's). */
static void good_config(struct rng *r, struct rtrace_config *c, uint8_t *mask_buf)
{
	uint32_t sb = chance(r, 80) ? 4096 : 8192;
	uint64_t mask;

	rt_config_init(c, sb, (uint64_t)sb << (1 + below(r, 3)));
	c->flags = chance(r, 30) ? RTRACE_CONFIG_OVERWRITE : 0;
	if (chance(r, 50))
		c->flags |= RTRACE_CONFIG_DISCARD_UNREAD;
	if (chance(r, 30) && fz.nr_cpus <= 64) {
		mask = 1 + below(r, fz.nr_cpus >= 64 ? ~0ULL : (1ULL << fz.nr_cpus) - 1);
		memcpy(mask_buf, &mask, 8);
		c->cpumask_ptr = (uintptr_t)mask_buf;
		c->cpumask_bytes = 8;
	}
}

/* ---- checks of successful results ---- */

/* Whole units only, each decodable: what one successful read() returned. */
static void check_units(struct fz_thread *t, const uint8_t *p, size_t len)
{
	static __thread struct rt_walk walk;
	const uint8_t *end = p + len;
	struct rt_walk *w = &walk;

	memset(w, 0, sizeof(*w));
	while (p < end) {
		uint32_t magic;

		if (end - p < 4) {
			fz_fail(t, "%s: %zd bytes left after the last unit", t->desc,
				end - p);
			break;
		}
		memcpy(&magic, p, 4);
		if (magic == RTRACE_STREAM_MAGIC) {
			struct rtrace_stream_hdr h;

			if ((size_t)(end - p) < sizeof(h)) {
				fz_fail(t, "%s: a cut stream header", t->desc);
				break;
			}
			memcpy(&h, p, sizeof(h));
			if (h.hdr_size != sizeof(h) + (uint64_t)h.nr_event_descs *
					  sizeof(struct rtrace_event_desc) ||
			    h.hdr_size > (size_t)(end - p) ||
			    h.version_major != RTRACE_ABI_VERSION_MAJOR ||
			    h.size != sizeof(h) || h.subbuf_hdr_size != sizeof(struct rtrace_subbuf_hdr) ||
			    rt_unit_crc(p, h.hdr_size, offsetof(struct rtrace_stream_hdr, crc)) != h.crc ||
			    h.nr_lanes != RTRACE_NR_LANES || !h.session_id ||
			    h.page_size != fz.pg) {
				fz_fail(t, "%s: bad stream header", t->desc);
				break;
			}
			w->hdr = h;
			p += h.hdr_size;
		} else if (magic == RTRACE_SUBBUF_MAGIC) {
			struct rtrace_subbuf_hdr sb;

			if ((size_t)(end - p) < sizeof(sb)) {
				fz_fail(t, "%s: a cut sub-buffer header", t->desc);
				break;
			}
			memcpy(&sb, p, sizeof(sb));
			if (sb.hdr_size != sizeof(sb) || sb.commit > (1 << 20) - sizeof(sb) ||
			    sb.commit > (size_t)(end - p) - sizeof(sb) ||
			    sb.cpu >= fz.nr_cpus || sb.lane >= RTRACE_NR_LANES ||
			    rt_unit_crc(p, sizeof(sb) + sb.commit,
					offsetof(struct rtrace_subbuf_hdr, crc)) != sb.crc) {
				fz_fail(t, "%s: bad or cut sub-buffer (commit %u cpu %u lane %u)",
					t->desc, sb.commit, sb.cpu, sb.lane);
				break;
			}
			p += sizeof(sb);
			if (rt_walk_records(w, p, p + sb.commit, sb.nr_events)) {
				fz_fail(t, "%s: sub-buffer does not decode: %s", t->desc,
					w->error);
				break;
			}
			p += sb.commit;
		} else {
			fz_fail(t, "%s: bad unit magic %#x", t->desc, magic);
			break;
		}
	}
	if (w->nr_bad_test)
		fz_fail(t, "%s: %llu test records with wrong values", t->desc,
			(unsigned long long)w->nr_bad_test);
}

static void check_info(struct fz_thread *t, const struct rtrace_info *in,
		       uint32_t size)
{
	const uint8_t *tail = (const uint8_t *)in + sizeof(*in);
	uint32_t i;

	if (in->size != sizeof(*in) || in->nr_lanes != RTRACE_NR_LANES ||
	    in->page_size != fz.pg || in->nr_cpus != fz.nr_cpus ||
	    in->state > RTRACE_STATE_STOPPED ||
	    !(in->sources_supported & RTRACE_SOURCE_KAPI) ||
	    in->has_consumer > 1)
		fz_fail(t, "%s: implausible info (size %u state %u lanes %u)",
			t->desc, in->size, in->state, in->nr_lanes);
	if (in->state == RTRACE_STATE_EMPTY ?
	    in->session_id || in->subbuf_size || in->lane_bytes :
	    !in->session_id || in->read_min < in->hdr_size ||
	    in->read_min < in->subbuf_size)
		fz_fail(t, "%s: info inconsistent with state %u", t->desc, in->state);
	if (size >= RTRACE_INFO_SIZE_VER3 &&
	    (in->nr_pids > RTRACE_PIDS_MAX ||
	     (in->pid_flags & ~(RTRACE_PIDS_FOLLOW | RTRACE_PIDS_TGID)) ||
	     (!in->nr_pids && (in->pid_flags || in->pids_full))))
		fz_fail(t, "%s: implausible PID filter (%u ids, flags %#x, full %llu)", t->desc,
			in->nr_pids, in->pid_flags, (unsigned long long)in->pids_full);
	for (i = sizeof(*in); i < size; i++)
		if (tail[i - sizeof(*in)]) {
			fz_fail(t, "%s: info byte %u beyond the struct is %#x",
				t->desc, i, tail[i - sizeof(*in)]);
			break;
		}
}

static void check_stats(struct fz_thread *t, const struct rtrace_stats *req,
			uint32_t n_in)
{
	uint32_t total = fz.nr_cpus * RTRACE_NR_LANES, n, i, j;
	const uint8_t *e = (const uint8_t *)(uintptr_t)req->entries_ptr;

	if (req->nr_entries != total) {
		fz_fail(t, "%s: nr_entries %u, expected %u", t->desc,
			req->nr_entries, total);
		return;
	}
	n = n_in < total ? n_in : total;
	if (!in_scratch(fz.scratch, req->entries_ptr, (uint64_t)n * req->entry_size))
		return;
	for (i = 0; i < n; i++, e += req->entry_size) {
		struct rtrace_lane_stats st;

		memcpy(&st, e, sizeof(st));
		if (st.cpu != i / RTRACE_NR_LANES || st.lane != i % RTRACE_NR_LANES ||
		    st.flags & ~RTRACE_LANE_STATS_BROKEN || st.nr_lost != RTRACE_NR_LOST ||
		    st.lost_offset != offsetof(struct rtrace_lane_stats, lost)) {
			fz_fail(t, "%s: entry %u is cpu %u lane %u flags %u", t->desc,
				i, st.cpu, st.lane, st.flags);
			return;
		}
		for (j = sizeof(st); j < req->entry_size; j++)
			if (e[j]) {
				fz_fail(t, "%s: entry %u byte %u beyond the struct is %#x",
					t->desc, i, j, e[j]);
				return;
			}
	}
}

/* ---- the errors each call may return ---- */

/* Documentation/abi.md, "ioctls", and the state table. */
static const int *ioc_errs(unsigned int nr)
{
	switch (nr) {
	case 0x00:	/* GET_VERSION */
		return ESET(EFAULT);
	case 0x01:	/* CONFIGURE */
		return ESET(EINVAL, EFAULT, E2BIG, EOPNOTSUPP, ENOMEM, EBUSY);
	case 0x02:	/* START */
		return ESET(ENODATA, EBUSY);
	case 0x03:	/* STOP, FLUSH, SNAPSHOT */
	case 0x04:
	case 0x05:
		return ESET(ENODATA);
	case 0x06:	/* RESET: its argument is flags, unknown bits EINVAL */
		return ESET(EBUSY, EINVAL);
	case 0x07:	/* STATS */
		return ESET(EINVAL, E2BIG, EFAULT, ENODATA);
	case 0x08:	/* INFO */
		return ESET(EINVAL, E2BIG, EFAULT);
	case 0x09:	/* EVENTS */
		return ESET(EINVAL, E2BIG, EFAULT, ENOMEM);
	}
	return ESET(ENOTTY);
}

static const char *const ioc_name[] = {
	"GET_VERSION", "CONFIGURE", "START", "STOP", "FLUSH", "SNAPSHOT",
	"RESET", "STATS", "INFO", "EVENTS",
};

static const unsigned int ioc_dir[] = {
	_IOC_READ, _IOC_WRITE, _IOC_NONE, _IOC_NONE, _IOC_NONE, _IOC_NONE,
	_IOC_NONE, _IOC_READ | _IOC_WRITE, _IOC_READ | _IOC_WRITE, _IOC_READ | _IOC_WRITE,
};

/* read(): abi.md "read()"; EBADF on a file not open for reading. */
#define READ_ERRS	ESET(EINVAL, EFAULT, EBUSY, EAGAIN, EINTR, EBADF)
/* mmap(): abi.md "mmap", plus mmap(2): EACCES (file mode), EOVERFLOW,
 * ENOMEM (address space, vmalloc), EOPNOTSUPP/EINVAL (flags), EEXIST
 * (MAP_FIXED_NOREPLACE), EAGAIN (MAP_LOCKED).
 */
#define MMAP_ERRS	ESET(EINVAL, EPERM, EACCES, EBUSY, ENODATA, ENOMEM, \
			     EOVERFLOW, EOPNOTSUPP, EEXIST, EAGAIN)
/* mprotect(2): upgrades refused with EACCES (VM_MAYWRITE/VM_MAYEXEC). */
#define MPROTECT_ERRS	ESET(EACCES, EINVAL, ENOMEM)
/* mremap(2): refused with EINVAL by the device; EFAULT (no expansion,
 * VM_DONTEXPAND), ENOMEM (range), EAGAIN (locked).
 */
#define MREMAP_ERRS	ESET(EINVAL, EFAULT, ENOMEM, EAGAIN)
/* munmap(2): a partial unmap is EINVAL. */
#define MUNMAP_ERRS	ESET(EINVAL)
/* madvise(2), for every advice we give it; ENODEV: MADV_REMOVE, as
 * fallocate() on a character device.
 */
#define MADVISE_ERRS	ESET(EINVAL, EACCES, EFAULT, ENOMEM, EAGAIN, EPERM, \
			     EIO, EOPNOTSUPP, EBUSY, ENODEV)

/* ---- the main thread's calls ---- */

/* A descriptor of the device, opened on demand. */
static int fz_fd(struct fz_thread *t, int *acc)
{
	static const int accs[] = { O_RDWR, O_RDWR, O_RDONLY, O_WRONLY };
	int i = below(&t->rng, FZ_NFDS), flags, fd;

	/* Half the time the file that probably is the consumer. */
	if (fz.consumer_slot >= 0 && fz.fds[fz.consumer_slot] >= 0 &&
	    chance(&t->rng, 50))
		i = fz.consumer_slot;
	fz.last_slot = i;
	if (fz.fds[i] < 0) {
		flags = PICK(&t->rng, accs) | (chance(&t->rng, 50) ? O_NONBLOCK : 0) |
			(chance(&t->rng, 20) ? O_CLOEXEC : 0);
		fz_call(t, FAM_FD, "open(%s, %#x)", DEV_PATH, flags);
		fd = open(DEV_PATH, flags);
		if (fd < 0) {
			fz_fail(t, "%s: %s", t->desc, strerror(errno));
			return -1;
		}
		t->fam_ok[FAM_FD]++;
		fz.fds[i] = fd;
		fz.fd_acc[i] = flags & O_ACCMODE;
	}
	*acc = fz.fd_acc[i];
	return fz.fds[i];
}

static int fz_nonblock(struct fz_thread *t, int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0 && !(fl & O_NONBLOCK)) {
		fz_call(t, FAM_FD, "fcntl(%d, F_SETFL, O_NONBLOCK)", fd);
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	}
	return fd;
}

static void op_ioctl_random(struct fz_thread *t)
{
	struct rng *r = &t->rng;
	unsigned int nr = chance(r, 60) ? below(r, 10) : below(r, 256);
	unsigned int dir = below(r, 4), size = below(r, 1 << _IOC_SIZEBITS);
	unsigned long cmd = _IOC(dir, RTRACE_IOC_MAGIC, nr, size);
	uint64_t p = rnd_ptr(r, fz.scratch, chance(r, 50) ? 8 : 4096);
	int acc, fd = fz_fd(t, &acc);
	bool known = nr < ARRAY_SIZE(ioc_dir) && dir == ioc_dir[nr];
	long ret;

	if (fd < 0)
		return;
	/*
	 * A well-formed CONFIGURE must not come from leftover bytes: keep
	 * random-struct configures to rnd_config()'s geometries.
	 */
	if (known && nr == 1 && in_scratch(fz.scratch, p, sizeof(struct rtrace_config)))
		rnd_config(r, (void *)(uintptr_t)p, fz.scratch);
	fz_call(t, FAM_IOC_RAND, "ioctl(%d, %#lx, %#llx)", fd, cmd,
		(unsigned long long)p);
	ret = ioctl(fd, cmd, (unsigned long)p);
	if (!known) {
		if (ret != -1 || errno != ENOTTY)
			fz_fail(t, "%s = %ld errno %d: an unknown number or direction must be ENOTTY",
				t->desc, ret, ret < 0 ? errno : 0);
		return;
	}
	fz_check(t, FAM_IOC_RAND, ret, errno, ioc_errs(nr));
}

/* Numbers of other drivers; none the VFS handles itself (FIFREEZE would
 * freeze devtmpfs): not 'X', 'f', 0x94, 0x15 or 'T'.
 */
static void op_ioctl_foreign(struct fz_thread *t)
{
	struct rng *r = &t->rng;
	unsigned int type;
	unsigned long cmd;
	int acc, fd = fz_fd(t, &acc);
	long ret;

	if (fd < 0)
		return;
	do {
		type = below(r, 256);
	} while (type == RTRACE_IOC_MAGIC || type == 'X' || type == 'f' ||
		 type == 0x94 || type == 0x15 || type == 'T');
	cmd = _IOC(below(r, 4), type, below(r, 256), below(r, 1 << _IOC_SIZEBITS));
	if (chance(r, 10))	/* an rtrace number under another magic */
		cmd = (RTRACE_IOC_INFO & ~(0xffUL << _IOC_TYPESHIFT)) |
		      ((unsigned long)type << _IOC_TYPESHIFT);
	fz_call(t, FAM_IOC_FOREIGN, "ioctl(%d, %#lx)", fd, cmd);
	ret = ioctl(fd, cmd, (unsigned long)rnd_ptr(r, fz.scratch, 4096));
	if (ret != -1 || errno != ENOTTY)
		fz_fail(t, "%s = %ld errno %d: another driver's number must be ENOTTY",
			t->desc, ret, ret < 0 ? errno : 0);
}

/* The real ioctls, with random struct contents placed anywhere. */
static void op_ioctl_real(struct fz_thread *t)
{
	struct rng *r = &t->rng;
	int acc, fd = fz_fd(t, &acc);
	/* Mostly the sized structs; state changes (each may wait for an RCU
	 * grace period) are the control thread's business.
	 */
	static const unsigned char whiches[] = { 0, 0, 0, 0, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 8, 8, 8,
		8, 8, 8, 8, 8, 8, 8, 8, 2 };
	unsigned int which = PICK(r, whiches);
	uint32_t ssize = 0, n_in = 0;
	uint64_t p;
	uint8_t *s;
	long ret;

	if (fd < 0)
		return;
	if (which == 2)
		which += below(r, 5);	/* START, STOP, FLUSH, SNAPSHOT, RESET */
	/* Where the struct goes: usually whole in scratch, sometimes not. */
	switch (below(r, 10)) {
	case 0:
		p = (uintptr_t)fz.scratch + FZ_SCRATCH - 1 - below(r, 80);
		break;
	case 1:
		p = rnd_ptr(r, fz.scratch, 4096);
		break;
	case 2:	/* read-only: pre-filled with a struct of each kind */
		p = (uintptr_t)fz.ro + (which == 1 ? 0 : which == 7 ? 4096 : 8192);
		break;
	default:
		p = (uintptr_t)fz.scratch + (below(r, FZ_SCRATCH - 8192) & ~7ULL);
	}
	s = (uint8_t *)(uintptr_t)p;
	if (in_scratch(fz.scratch, p, 8192)) {
		rnd_fill(r, s, 96);
		if (which == 1) {
			struct rtrace_config *c = (void *)s;

			rnd_config(r, c, fz.scratch);
			ssize = c->size;
			/* The tail a larger caller passes: zero, or not. */
			if (ssize > sizeof(*c) && ssize <= 4096 + 64 &&
			    in_scratch(fz.scratch, p, ssize))
				memset(s + sizeof(*c), chance(r, 70) ? 0 : 0x80,
				       ssize - sizeof(*c));
		} else if (which == 7) {
			static const uint32_t es[] = { 88, 88, 88, 0, 87, 89, 96, 4096,
						       4097, 0xffffffffU };
			static const uint32_t ne[] = { 0, 1, 5, 10, 11, 1000, 0xffffffffU };
			struct rtrace_stats *q = (void *)s;

			memset(q, 0, sizeof(*q));
			q->size = rnd_size(r, RTRACE_STATS_SIZE_VER0);
			q->entry_size = chance(r, 5) ? (uint32_t)rnd(r) : PICK(r, es);
			q->nr_entries = chance(r, 5) ? (uint32_t)rnd(r) : PICK(r, ne);
			q->entries_ptr = rnd_ptr(r, fz.scratch, 12 * 4096);
			if (chance(r, 5))
				q->reserved = rnd(r);
			ssize = q->size;
			n_in = q->nr_entries;
			if (ssize > sizeof(*q) && ssize <= 4096 + 64 &&
			    in_scratch(fz.scratch, p, ssize))
				memset(s + sizeof(*q), chance(r, 70) ? 0 : 1,
				       ssize - sizeof(*q));
		} else if (which == 8) {
			struct rtrace_info *in = (void *)s;

			in->size = rnd_size(r, RTRACE_INFO_SIZE_VER0);
			ssize = in->size;
			if (ssize >= 4 && ssize <= 4096 + 64 && in_scratch(fz.scratch, p, ssize))
				memset(s + sizeof(in->size), 0xa5, ssize - sizeof(in->size));
		}
	}
	fz_call(t, FAM_IOC_REAL, "ioctl(%d, %s, %#llx) size %u", fd,
		ioc_name[which], (unsigned long long)p, ssize);
	ret = ioctl(fd, _IOC(ioc_dir[which], RTRACE_IOC_MAGIC, which,
			     which == 1 ? sizeof(struct rtrace_config) :
			     which == 7 ? sizeof(struct rtrace_stats) :
			     which == 8 ? sizeof(struct rtrace_info) :
			     which == 0 ? 4 : 0), (unsigned long)p);
	if (!fz_check(t, FAM_IOC_REAL, ret, errno, ioc_errs(which)))
		return;
	if (which == 0 && in_scratch(fz.scratch, p, 4) &&
	    *(uint32_t *)s != RTRACE_ABI_VERSION)
		fz_fail(t, "%s: version %u", t->desc, *(uint32_t *)s);
	if (which == 8 && in_scratch(fz.scratch, p, ssize))
		check_info(t, (void *)s, ssize);
	if (which == 7 && in_scratch(fz.scratch, p, sizeof(struct rtrace_stats)))
		check_stats(t, (void *)s, n_in);
}

static size_t rnd_count(struct rng *r)
{
	static const size_t counts[] = { 0, 1, 16, 71, 72, 73, 4095, 4096, 4097,
					 8192, 65536, 1 << 20, (size_t)INT_MAX + 1UL,
					 SIZE_MAX, SSIZE_MAX };

	return chance(r, 30) ? PICK(r, counts) : below(r, 70000);
}

static void op_read(struct fz_thread *t, uint8_t *scratch, bool may_block)
{
	struct rng *r = &t->rng;
	int acc, fd = fz_fd(t, &acc);
	size_t n = rnd_count(r);
	uint64_t p = rnd_ptr(r, scratch, n);
	struct iovec iov[3];
	ssize_t ret;

	if (fd < 0)
		return;
	if (!may_block)
		fz_nonblock(t, fd);
	switch (below(r, 6)) {
	case 0:
		iov[0].iov_base = (void *)(uintptr_t)p;
		iov[0].iov_len = n;
		iov[1].iov_base = (void *)(uintptr_t)rnd_ptr(r, scratch, 4096);
		iov[1].iov_len = below(r, 8192);
		iov[2].iov_base = scratch;
		iov[2].iov_len = below(r, FZ_SCRATCH);
		fz_call(t, FAM_READ, "readv(%d, {%#llx, %zu}, ...)", fd,
			(unsigned long long)p, n);
		ret = readv(fd, iov, 1 + below(r, 3));
		fz_check(t, FAM_READ, ret, errno, READ_ERRS);
		return;
	case 1:
		fz_call(t, FAM_READ, "pread(%d, %#llx, %zu, 0)", fd,
			(unsigned long long)p, n);
		ret = pread(fd, (void *)(uintptr_t)p, n, 0);
		fz_check(t, FAM_READ, ret, errno, ESET(ESPIPE, EBADF));
		return;
	default:
		fz_call(t, FAM_READ, "read(%d, %#llx, %zu)", fd,
			(unsigned long long)p, n);
		ret = read(fd, (void *)(uintptr_t)p, n);
		if (n && (ret >= 0 || errno == EAGAIN || errno == EINVAL))
			fz.consumer_slot = fz.last_slot;
		if (!fz_check(t, FAM_READ, ret, errno, READ_ERRS))
			return;
		if ((size_t)ret > n)
			fz_fail(t, "%s returned %zd", t->desc, ret);
		else if (ret > 0 && in_scratch(scratch, p, ret))
			check_units(t, (void *)(uintptr_t)p, ret);
	}
}

static void op_write(struct fz_thread *t)
{
	struct rng *r = &t->rng;
	int acc, fd = fz_fd(t, &acc);
	size_t n = rnd_count(r);
	uint64_t p = rnd_ptr(r, fz.scratch, n);
	struct iovec iov = { (void *)(uintptr_t)p, n };
	bool vec = chance(r, 30);
	ssize_t ret;

	if (fd < 0)
		return;
	if (vec) {
		fz_call(t, FAM_WRITE, "writev(%d, {%#llx, %zu})", fd,
			(unsigned long long)p, n);
		ret = writev(fd, &iov, 1);
	} else {
		fz_call(t, FAM_WRITE, "write(%d, %#llx, %zu)", fd,
			(unsigned long long)p, n);
		ret = write(fd, (void *)(uintptr_t)p, n);
	}
	/*
	 * write() records one user marker, all or nothing ("User markers" in
	 * uapi/linux/rtrace.h): the whole count or an error of that list,
	 * EBADF when not open for writing.  A zero-length write may return 0
	 * before the VFS looks further.
	 */
	if ((ret > 0 && (size_t)ret != n) || (ret == 0 && n))
		fz_fail(t, "%s = %zd: a marker is written whole or not at all", t->desc, ret);
	fz_check(t, FAM_WRITE, ret, errno,
		 ESET(EINVAL, EBADF, EFAULT, E2BIG, ENODATA, ENOSPC, ENOMEM));
}

static int free_slot(struct fz_thread *t)
{
	bool used[FZ_SLOTS] = { false };
	int i, s;

	for (i = 0; i < fz.nmaps; i++)
		if (fz.maps[i].slot >= 0)
			used[fz.maps[i].slot] = true;
	s = below(&t->rng, FZ_SLOTS);
	for (i = 0; i < FZ_SLOTS; i++, s = (s + 1) % FZ_SLOTS)
		if (!used[s])
			return s;
	return -1;
}

static uint8_t *slot_addr(int s)
{
	return fz.arena + (size_t)s * FZ_SLOT_SIZE;
}

/* Put the arena's PROT_NONE reservation back over [p, p + len). */
static void rereserve(uint8_t *p, size_t len)
{
	if (mmap(p, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
		 MAP_NORESERVE, -1, 0) == MAP_FAILED)
		fprintf(stderr, "# arena: %s\n", strerror(errno));
}

static void forget_map(int i)
{
	fz.maps[i] = fz.maps[--fz.nmaps];
}

static void op_mmap(struct fz_thread *t)
{
	static const int types[] = { MAP_SHARED, MAP_SHARED, MAP_SHARED, MAP_SHARED,
				     MAP_PRIVATE, MAP_SHARED_VALIDATE, 0, 0x0f };
	static const int extra[] = { 0, 0, 0, MAP_POPULATE, MAP_LOCKED,
				     MAP_NORESERVE, MAP_32BIT, MAP_GROWSDOWN,
				     MAP_HUGETLB, MAP_STACK, MAP_SYNC, 0x08000000 };
	struct rng *r = &t->rng;
	int acc, fd = fz_fd(t, &acc), prot, flags, slot = -1;
	uint64_t off, d;
	size_t len;
	uint8_t *want = NULL, *p;

	if (fd < 0 || fz.nmaps == FZ_NMAPS)
		return;
	/* Offset: the two areas, mostly; sometimes anything. */
	switch (below(r, 8)) {
	case 0:
		off = below(r, 8) * fz.pg;
		break;
	case 1:
		off = chance(r, 50) ? rnd(r) & ~(uint64_t)(fz.pg - 1) : rnd(r);
		break;
	default:
		off = below(r, 2) * fz.pg;
	}
	/* Length: one page, or page + 2 D. */
	if (chance(r, 15) && fz.last_d)
		d = fz.last_d;
	else
		d = chance(r, 80) ? (uint64_t)fz.pg << below(r, 9) :
		    chance(r, 50) ? (uint64_t)fz.pg * 3 : 512ULL << 20;
	switch (below(r, 8)) {
	case 0:
		len = below(r, 4 * fz.pg) + 1;
		break;
	case 1:
		len = chance(r, 50) ? 0 : (size_t)1 << (30 + below(r, 16));
		break;
	default:
		len = off == 0 && chance(r, 60) ? fz.pg : fz.pg + 2 * d;
	}
	if (len > FZ_SLOT_SIZE - FZ_MAX_D && len < (1UL << 30))
		len = fz.pg;	/* keep data areas small: at most 1 MiB */
	prot = chance(r, 70) ? (off == 0 ? PROT_READ | PROT_WRITE : PROT_READ) :
	       (int)below(r, 8);
	flags = PICK(r, types) | PICK(r, extra);
	if (chance(r, 40) && len <= FZ_SLOT_SIZE - 64 * fz.pg) {
		slot = free_slot(t);
		if (slot >= 0) {
			want = slot_addr(slot) + below(r, 64) * fz.pg;
			flags |= chance(r, 70) ? MAP_FIXED : MAP_FIXED_NOREPLACE;
		}
	}
	fz_call(t, FAM_MMAP, "mmap(%p, %zu, %#x, %#x, %d, %#llx)", want, len, prot,
		flags, fd, (unsigned long long)off);
	p = mmap(want, len, prot, flags, fd, off);
	if (p == MAP_FAILED) {
		fz_check(t, FAM_MMAP, -1, errno, MMAP_ERRS);
		/* MAP_FIXED replaced the reservation before failing. */
		if ((flags & MAP_FIXED) && want)
			rereserve(slot_addr(slot), FZ_SLOT_SIZE);
		return;
	}
	t->fam_ok[FAM_MMAP]++;
	fz.consumer_slot = fz.last_slot;
	if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) && want &&
	    p != want)
		slot = -1;	/* an old kernel took it as a hint */
	if ((flags & 0x0f) == MAP_PRIVATE)
		fz_fail(t, "%s: a private mapping of the device", t->desc);
	if (off == fz.pg && (prot & (PROT_WRITE | PROT_EXEC)))
		fz_fail(t, "%s: the read-only area mapped writable or executable",
			t->desc);
	if (off == 0 && (prot & PROT_EXEC))
		fz_fail(t, "%s: the control page mapped executable", t->desc);
	if (off != 0 && off != (uint64_t)fz.pg)
		fz_fail(t, "%s: an offset the device does not have mapped", t->desc);
	if (off == (uint64_t)fz.pg)
		fz.last_d = (len - fz.pg) / 2;
	len = (len + fz.pg - 1) & ~(size_t)(fz.pg - 1);
	fz.maps[fz.nmaps++] = (struct fz_map){ .addr = p, .len = len,
		.meta = off != 0, .prot = prot, .slot = slot };
	/* A fresh data area starts with a valid meta page. */
	if (off == (uint64_t)fz.pg && (prot & PROT_READ)) {
		uint8_t b[4];
		int i, sig = 0;

		for (i = 0; i < 4 && !sig; i++)
			sig = fz_access(p + i, false, 0, &b[i]);
		if (!sig && memcmp(b, &(uint32_t){ RTRACE_MMAP_MAGIC }, 4))
			fz_fail(t, "%s: meta magic %02x%02x%02x%02x", t->desc, b[3],
				b[2], b[1], b[0]);
	}
}

static struct fz_map *pick_map(struct fz_thread *t, int *idx)
{
	if (!fz.nmaps)
		return NULL;
	*idx = below(&t->rng, fz.nmaps);
	return &fz.maps[*idx];
}

static void op_munmap(struct fz_thread *t)
{
	struct rng *r = &t->rng;
	struct fz_map *m;
	uint8_t *p;
	size_t len;
	int i, ret;

	m = pick_map(t, &i);
	if (!m)
		return;
	p = m->addr;
	len = m->len;
	switch (below(r, 6)) {
	case 0:	/* a part of it */
		p += below(r, len / fz.pg) * fz.pg;
		len = fz.pg * (1 + below(r, (m->addr + m->len - p) / fz.pg));
		if (p == m->addr && len == m->len)
			len = 0;
		break;
	case 1:	/* misaligned */
		p += 1 + below(r, fz.pg - 1);
		break;
	case 2:	/* and the arena around it */
		if (m->slot >= 0) {
			p = slot_addr(m->slot);
			len = FZ_SLOT_SIZE;
		}
		break;
	}
	fz_call(t, FAM_MUNMAP, "munmap(%p, %zu) of %s %p+%zu", p, len,
		m->meta ? "meta" : "ctrl", m->addr, m->len);
	ret = munmap(p, len);
	if (!fz_check(t, FAM_MUNMAP, ret, errno, MUNMAP_ERRS))
		return;
	if (p > m->addr || p + len < m->addr + m->len) {
		/* Only a split could have done it: must have been refused. */
		if (p < m->addr + m->len && p + len > m->addr)
			fz_fail(t, "%s: a partial munmap of the device succeeded",
				t->desc);
		return;
	}
	if (m->slot >= 0)
		rereserve(p, len);
	forget_map(i);
}

static void op_mprotect(struct fz_thread *t)
{
	struct rng *r = &t->rng;
	struct fz_map *m;
	uint8_t *p;
	size_t len;
	int i, prot, ret;

	m = pick_map(t, &i);
	if (!m)
		return;
	prot = chance(r, 80) ? (int)below(r, 8) :
	       (int)(below(r, 8) | PICK(r, ((const int []){ PROT_GROWSDOWN,
					    PROT_GROWSUP, 0x10, 0x100 })));
	p = m->addr;
	len = m->len;
	if (chance(r, 30)) {
		p += below(r, len / fz.pg) * fz.pg;
		len = fz.pg * (1 + below(r, (m->addr + m->len - p) / fz.pg));
	}
	if (chance(r, 5))
		p += 1 + below(r, 7);
	fz_call(t, FAM_MPROTECT, "mprotect(%p, %zu, %#x) of %s %p+%zu", p, len,
		prot, m->meta ? "meta" : "ctrl", m->addr, m->len);
	ret = mprotect(p, len, prot);
	if (!fz_check(t, FAM_MPROTECT, ret, errno, MPROTECT_ERRS))
		return;
	if (m->meta && (prot & (PROT_WRITE | PROT_EXEC)))
		fz_fail(t, "%s: the read-only area made writable or executable",
			t->desc);
	if (!m->meta && (prot & PROT_EXEC))
		fz_fail(t, "%s: the control page made executable", t->desc);
	if (p == m->addr && len == m->len)
		m->prot = prot & 7;
	else
		m->prot = 0;	/* split, or refused: be careful */
}

static void op_mremap(struct fz_thread *t)
{
	struct rng *r = &t->rng;
	struct fz_map *m;
	size_t old, nl;
	int i, flags, slot = -1;
	uint8_t *to = NULL, *p;

	m = pick_map(t, &i);
	if (!m)
		return;
	old = chance(r, 15) ? 0 : chance(r, 70) ? m->len : fz.pg * (1 + below(r, m->len / fz.pg));
	nl = chance(r, 40) ? m->len : fz.pg * (1 + below(r, 2 * m->len / fz.pg + 2));
	flags = below(r, 8);	/* MAYMOVE, FIXED, DONTUNMAP */
	/* MREMAP_FIXED unmaps its target: only ever a free arena slot. */
	if ((flags & MREMAP_FIXED) && nl <= FZ_SLOT_SIZE)
		slot = free_slot(t);
	if (slot >= 0)
		to = slot_addr(slot);
	else
		flags &= ~MREMAP_FIXED;
	fz_call(t, FAM_MREMAP, "mremap(%p, %zu, %zu, %#x, %p) of %s", m->addr, old,
		nl, flags, to, m->meta ? "meta" : "ctrl");
	p = mremap(m->addr, old, nl, flags, to);
	if (p == MAP_FAILED) {
		fz_check(t, FAM_MREMAP, -1, errno, MREMAP_ERRS);
		if (to)	/* MREMAP_FIXED unmaps the target first */
			rereserve(slot_addr(slot), FZ_SLOT_SIZE);
		return;
	}
	t->fam_ok[FAM_MREMAP]++;
	if (p == m->addr && nl == old && old)
		return;	/* nothing to do, nothing done */
	fz_fail(t, "%s = %p: mremap of the device must be refused", t->desc, p);
	/* Keep the bookkeeping right anyway. */
	if (p != m->addr && old != 0 && !(flags & MREMAP_DONTUNMAP)) {
		m->addr = p;
		m->slot = to ? slot : -1;
	}
	m->len = nl;
	m->prot = 0;
}

static void op_madvise(struct fz_thread *t)
{
	static const int advice[] = {
		MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED,
		MADV_DONTNEED, MADV_FREE, MADV_REMOVE, MADV_DONTFORK, MADV_DOFORK,
		MADV_DOFORK, MADV_MERGEABLE, MADV_UNMERGEABLE, MADV_HUGEPAGE,
		MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_DODUMP, MADV_WIPEONFORK,
		MADV_KEEPONFORK, MADV_COLD, MADV_PAGEOUT, MADV_POPULATE_READ,
		MADV_POPULATE_WRITE, 24 /* DONTNEED_LOCKED */, 25 /* COLLAPSE */,
		/* never MADV_HWPOISON or MADV_SOFT_OFFLINE: they work for root */
	};
	struct rng *r = &t->rng;
	struct fz_map *m;
	int i, adv, ret;
	size_t len;

	m = pick_map(t, &i);
	if (!m)
		return;
	adv = chance(r, 95) ? PICK(r, advice) : 26 + (int)below(r, 74);
	len = chance(r, 70) ? m->len : fz.pg * (1 + below(r, m->len / fz.pg));
	fz_call(t, FAM_MADVISE, "madvise(%p, %zu, %d) of %s", m->addr, len, adv,
		m->meta ? "meta" : "ctrl");
	ret = madvise(m->addr, len, adv);
	if (fz_check(t, FAM_MADVISE, ret, errno, MADVISE_ERRS) &&
	    (adv == MADV_DONTNEED || adv == MADV_FREE || adv == MADV_REMOVE ||
	     adv == MADV_PAGEOUT || adv == MADV_COLD || adv == 24))
		m->zapped = true;
}

/* Loads and stores into the mappings, the way a consumer (or an attacker)
 * would: the read-only area must fault on a store, by any route.
 */
static void op_touch(struct fz_thread *t)
{
	struct rng *r = &t->rng;
	struct fz_map *m;
	uint8_t b, *p;
	int i, sig;

	m = pick_map(t, &i);
	if (!m)
		return;
	p = m->addr + below(r, m->len);
	switch (below(r, 5)) {
	case 0:	/* a store: faults on meta/data whatever mprotect said */
		fz_call(t, FAM_TOUCH, "store to %s+%#lx (prot %#x)",
			m->meta ? "meta" : "ctrl", (long)(p - m->addr), m->prot);
		sig = fz_access(p, true, rnd(r), NULL);
		if (!sig)
			t->fam_ok[FAM_TOUCH]++;
		if (!sig && m->meta)
			fz_fail(t, "%s: a store into the read-only area", t->desc);
		if (sig && !m->meta && (m->prot & PROT_WRITE) && !m->zapped)
			fz_fail(t, "%s: signal %d from the writable control page",
				t->desc, sig);
		break;
	case 1:	/* the untrusted consumer word */
		if (m->meta)
			break;
		fz_call(t, FAM_TOUCH, "ctrl->consumed = random");
		p = m->addr;
		for (i = 0; i < 8; i++)
			if (fz_access(p + i, true, rnd(r), NULL))
				break;
		break;
	case 2:	/* through /proc/self/mem: FOLL_FORCE must not help */
		if (!m->meta || fz.memfd < 0)
			break;
		b = rnd(r);
		fz_call(t, FAM_TOUCH, "pwrite(/proc/self/mem, 1, meta+%#lx)",
			(long)(p - m->addr));
		if (pwrite(fz.memfd, &b, 1, (off_t)(uintptr_t)p) == 1)
			fz_fail(t, "%s: wrote the read-only area", t->desc);
		break;
	default:
		fz_call(t, FAM_TOUCH, "load from %s+%#lx", m->meta ? "meta" : "ctrl",
			(long)(p - m->addr));
		sig = fz_access(p, false, 0, &b);
		if (!sig)
			t->fam_ok[FAM_TOUCH]++;
		if (sig && (m->prot & PROT_READ) && !m->zapped)
			fz_fail(t, "%s: signal %d from a readable mapping", t->desc, sig);
	}
}

static void op_poll(struct fz_thread *t)
{
	struct rng *r = &t->rng;
	struct pollfd pfd[FZ_NFDS];
	struct epoll_event ev[4];
	int acc, fd = fz_fd(t, &acc), n = 0, i, ret;
	const short ok = POLLIN | POLLRDNORM | POLLHUP | POLLERR;

	if (fd < 0)
		return;
	switch (below(r, 4)) {
	case 0:
		for (i = 0; i < FZ_NFDS; i++)
			if (fz.fds[i] >= 0) {
				pfd[n].fd = fz.fds[i];
				pfd[n++].events = rnd(r);
			}
		fz_call(t, FAM_POLL, "poll(%d fds, 0)", n);
		ret = poll(pfd, n, 0);
		if (!fz_check(t, FAM_POLL, ret, errno, ESET(EINTR)))
			return;
		for (i = 0; i < n; i++)
			if (pfd[i].revents & ~(ok | pfd[i].events))
				fz_fail(t, "%s: revents %#x", t->desc, pfd[i].revents);
		break;
	case 1: {
		fd_set rs, ws, es;
		struct timeval tv = { 0, 0 };

		FD_ZERO(&rs);
		FD_ZERO(&ws);
		FD_ZERO(&es);
		FD_SET(fd, &rs);
		FD_SET(fd, &ws);
		FD_SET(fd, &es);
		fz_call(t, FAM_POLL, "select(%d)", fd);
		ret = select(fd + 1, &rs, &ws, &es, &tv);
		fz_check(t, FAM_POLL, ret, errno, ESET(EINTR));
		break;
	}
	case 2:
		ev[0].events = rnd(r) & (EPOLLIN | EPOLLOUT | EPOLLET | EPOLLONESHOT |
					 EPOLLRDNORM | EPOLLPRI);
		ev[0].data.fd = fd;
		i = PICK(r, ((const int []){ EPOLL_CTL_ADD, EPOLL_CTL_MOD,
					     EPOLL_CTL_DEL }));
		fz_call(t, FAM_POLL, "epoll_ctl(%d, %d, %d)", fz.epfd, i, fd);
		ret = epoll_ctl(fz.epfd, i, fd, ev);
		fz_check(t, FAM_POLL, ret, errno, ESET(EEXIST, ENOENT));
		break;
	default:
		fz_call(t, FAM_POLL, "epoll_wait(%d, 0)", fz.epfd);
		ret = epoll_wait(fz.epfd, ev, 4, 0);
		if (!fz_check(t, FAM_POLL, ret, errno, ESET(EINTR)))
			return;
		for (i = 0; i < ret; i++)
			if (ev[i].events & ~(EPOLLIN | EPOLLRDNORM | EPOLLHUP | EPOLLERR))
				fz_fail(t, "%s: events %#x", t->desc, ev[i].events);
	}
}

/* Descriptors: close, reopen (also through /proc/self/fd), dup, the
 * file-wide calls a character device does not support.
 */
static void op_fd(struct fz_thread *t)
{
	struct rng *r = &t->rng;
	int i = below(r, FZ_NFDS), j = below(r, FZ_NFDS), acc, fd, ret;
	char path[64];
	struct stat st;
	loff_t off = 0;
	int pfd[2];

	fd = fz_fd(t, &acc);
	if (fd < 0)
		return;
	switch (below(r, 10)) {
	case 0:
	case 1:
		if (fz.fds[i] < 0)
			break;
		fz_call(t, FAM_FD, "close(%d)", fz.fds[i]);
		CHK(t, FAM_FD, close(fz.fds[i]), ESET(EINTR));
		fz.fds[i] = -1;
		if (fz.consumer_slot == i)
			fz.consumer_slot = -1;
		break;
	case 2:
		if (fz.fds[j] >= 0 || i == j)
			break;
		fz_call(t, FAM_FD, "dup(%d)", fd);
		ret = dup(fd);
		if (fz_check(t, FAM_FD, ret, errno, ESET(EMFILE))) {
			fz.fds[j] = ret;
			fz.fd_acc[j] = acc;
		}
		break;
	case 3:	/* a new open file of the same node */
		if (fz.fds[j] >= 0)
			break;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		fz_call(t, FAM_FD, "open(%s, O_RDWR)", path);
		ret = open(path, O_RDWR | O_NONBLOCK);
		if (ret < 0)
			fz_fail(t, "%s: %s", t->desc, strerror(errno));
		else {
			t->fam_ok[FAM_FD]++;
			fz.fds[j] = ret;
			fz.fd_acc[j] = O_RDWR;
		}
		break;
	case 4:
		fz_call(t, FAM_FD, "lseek(%d)", fd);
		if (CHK(t, FAM_FD, lseek(fd, rnd(r), below(r, 5)), ESET(ESPIPE, EINVAL)))
			fz_fail(t, "%s: the device is not seekable", t->desc);
		break;
	case 5:
		fz_call(t, FAM_FD, "fstat(%d)", fd);
		if (CHK(t, FAM_FD, fstat(fd, &st), ESET(0)) &&
		    st.st_rdev != fz.rdev)
			fz_fail(t, "%s: st_rdev changed", t->desc);
		break;
	case 6:
		fz_call(t, FAM_FD, "fcntl(%d, F_SETFL)", fd);
		ret = fcntl(fd, F_SETFL, chance(r, 50) ? O_NONBLOCK : 0);
		fz_check(t, FAM_FD, ret, errno, ESET(0));
		break;
	case 7:	/* no splice_read, no fsync, no fallocate, no truncate */
		if (pipe2(pfd, O_NONBLOCK))
			break;
		fz_call(t, FAM_FD, "splice(%d -> pipe)", fd);
		ret = splice(fd, NULL, pfd[1], NULL, below(r, 70000), SPLICE_F_NONBLOCK);
		fz_check(t, FAM_FD, ret, errno, ESET(EINVAL, EBADF, EAGAIN));
		fz_call(t, FAM_FD, "sendfile(pipe <- %d)", fd);
		ret = sendfile(pfd[1], fd, chance(r, 50) ? &off : NULL, below(r, 70000));
		fz_check(t, FAM_FD, ret, errno, ESET(EINVAL, EBADF, EAGAIN, ESPIPE));
		close(pfd[0]);
		close(pfd[1]);
		break;
	case 8:
		fz_call(t, FAM_FD, "fsync/ftruncate/fallocate(%d)", fd);
		ret = fsync(fd);
		fz_check(t, FAM_FD, ret, errno, ESET(EINVAL, EROFS));
		ret = ftruncate(fd, below(r, 4096));
		fz_check(t, FAM_FD, ret, errno, ESET(EINVAL, EBADF, EPERM));
		ret = fallocate(fd, 0, 0, 4096);
		fz_check(t, FAM_FD, ret, errno, ESET(ENODEV, EOPNOTSUPP, EBADF, ESPIPE));
		break;
	default:
		fz_call(t, FAM_FD, "flock(%d)", fd);
		ret = flock(fd, PICK(r, ((const int []){ LOCK_SH | LOCK_NB,
					LOCK_EX | LOCK_NB, LOCK_UN })));
		fz_check(t, FAM_FD, ret, errno, ESET(EWOULDBLOCK, EINTR));
	}
}

/*
 * fork(): the child inherits the descriptors (and any mapping madvise
 * made inheritable), uses them a little and exits.  It may not use stdio
 * (another thread may hold its lock): failures go back in shared memory.
 */
struct fz_child_report {
	long failures;
	char first[256];
};

static void op_fork(struct fz_thread *t, struct fz_child_report *rep)
{
	struct rng *r = &t->rng;
	int acc, fd = fz_fd(t, &acc), status, i;
	struct rtrace_info *in;
	uint8_t *buf;
	pid_t pid;
	long ret;

	if (fd < 0 || chance(r, 50))	/* a fork costs 40 ms under TCG */
		return;
	fz_call(t, FAM_FORK, "fork()");
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fz_fail(t, "%s: %s", t->desc, strerror(errno));
		return;
	}
	if (pid == 0) {
		buf = fz.scratch;
		for (i = 0; i < 8; i++) {
			in = (void *)buf;
			memset(in, 0, sizeof(*in));
			in->size = sizeof(*in);
			ret = ioctl(fd, RTRACE_IOC_INFO, in);
			if (ret && !rep->failures++)
				snprintf(rep->first, sizeof(rep->first),
					 "child: INFO: %s", strerror(errno));
			fcntl(fd, F_SETFL, O_NONBLOCK);
			ret = read(fd, buf, FZ_SCRATCH);
			if (ret < 0 && !in_set(errno, READ_ERRS) && !rep->failures++)
				snprintf(rep->first, sizeof(rep->first),
					 "child: read: %s", strerror(errno));
			for (ret = 0; ret < fz.nmaps; ret++)
				fz_access(fz.maps[ret].addr, false, 0, NULL);
		}
		_exit(0);
	}
	/* Sometimes kill it mid-way. */
	if (chance(r, 30))
		kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) != pid)
		fz_fail(t, "%s: waitpid: %s", t->desc, strerror(errno));
	else if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
		fz_fail(t, "%s: the child died of signal %d", t->desc, WTERMSIG(status));
	t->fam_ok[FAM_FORK]++;
	if (rep->failures) {
		fz_fail(t, "%s: %s", t->desc, rep->first);
		rep->failures = 0;
	}
}

/* ---- the control thread ---- */

static void control_step(struct fz_thread *t, int cfd, uint8_t *buf)
{
	struct rng *r = &t->rng;
	struct rtrace_config cfg;
	struct rtrace_stats q;
	struct rtrace_info in;
	char num[16];
	int len, knob;
	long ret;

	switch (below(r, 16)) {
	case 0:
	case 1:
		good_config(r, &cfg, buf);
		fz_call(t, FAM_CONTROL, "CONFIGURE sb %u lane %llu flags %u",
			cfg.subbuf_size, (unsigned long long)cfg.lane_bytes, cfg.flags);
		ret = ioctl(cfd, RTRACE_IOC_CONFIGURE, &cfg);
		fz_check(t, FAM_CONTROL, ret, errno, ESET(EBUSY, ENOMEM));
		break;
	case 2:
	case 3:
		fz_call(t, FAM_CONTROL, "START");
		CHK(t, FAM_CONTROL, ioctl(cfd, RTRACE_IOC_START),
			 ESET(ENODATA, EBUSY));
		break;
	case 4:
		fz_call(t, FAM_CONTROL, "STOP");
		CHK(t, FAM_CONTROL, ioctl(cfd, RTRACE_IOC_STOP),
			 ESET(ENODATA));
		break;
	case 5:
		fz_call(t, FAM_CONTROL, "SNAPSHOT");
		CHK(t, FAM_CONTROL, ioctl(cfd, RTRACE_IOC_SNAPSHOT),
			 ESET(ENODATA));
		break;
	case 6:
		fz_call(t, FAM_CONTROL, "FLUSH");
		CHK(t, FAM_CONTROL, ioctl(cfd, RTRACE_IOC_FLUSH),
			 ESET(ENODATA));
		break;
	case 7:
		fz_call(t, FAM_CONTROL, "RESET");
		CHK(t, FAM_CONTROL, ioctl(cfd, RTRACE_IOC_RESET,
					  chance(r, 80) ? RTRACE_RESET_DISCARD_UNREAD : 0UL),
			 ESET(EBUSY));
		break;
	case 8:
		memset(&in, 0, sizeof(in));
		in.size = sizeof(in);
		fz_call(t, FAM_CONTROL, "INFO");
		if (CHK(t, FAM_CONTROL, ioctl(cfd, RTRACE_IOC_INFO, &in), ESET(0)))
			check_info(t, &in, sizeof(in));
		break;
	case 9:
		memset(&q, 0, sizeof(q));
		q.size = sizeof(q);
		q.entry_size = sizeof(struct rtrace_lane_stats);
		q.entries_ptr = (uintptr_t)buf;
		q.nr_entries = 4096 / sizeof(struct rtrace_lane_stats);
		fz_call(t, FAM_CONTROL, "STATS");
		if (CHK(t, FAM_CONTROL, ioctl(cfd, RTRACE_IOC_STATS, &q), ESET(ENODATA)) && q.nr_entries != fz.nr_cpus * RTRACE_NR_LANES)
			fz_fail(t, "%s: nr_entries %u", t->desc, q.nr_entries);
		break;
	case 10:
	case 11:
	case 12:
		knob = below(r, 8) ? (below(r, 3) ? fz.gen_emit : fz.gen_raw) : fz.gen_irq;
		if (knob < 0)
			break;
		len = snprintf(num, sizeof(num), "%u",
			       (unsigned int)below(r, knob == fz.gen_irq ? 20 : 300));
		fz_call(t, FAM_CONTROL, "rtrace_test_gen %s", num);
		ret = pwrite(knob, num, len, 0);
		if (ret != len)
			fz_fail(t, "%s = %ld: %s", t->desc, ret, strerror(errno));
		else
			t->fam_ok[FAM_CONTROL]++;
		break;
	case 13:
		if (opt.no_threads)
			break;
		fz_call(t, FAM_CONTROL, "pthread_kill(reader, SIGUSR1)");
		pthread_kill(fz.reader, SIGUSR1);
		break;
	default:
		/* Let the others run into whatever state this left. */
		usleep(below(r, 2000));
	}
}

static void *control_thread(void *arg)
{
	struct fz_thread *t = arg;
	int cfd = open(DEV_PATH, O_RDWR);

	if (cfd < 0) {
		fz_fail(t, "open: %s", strerror(errno));
		return NULL;
	}
	/*
	 * One step per few dozen calls of the main thread: a state change
	 * holds the device lock across an RCU grace period, and the main
	 * thread's calls should mostly run, not wait for it.
	 */
	while (!atomic_load(&fz.stop)) {
		long next;

		control_step(t, cfd, fz.cscratch);
		next = atomic_load(&fz.main_calls) + 20 + below(&t->rng, 60);
		while (atomic_load(&fz.main_calls) < next && !atomic_load(&fz.stop))
			usleep(300);
	}
	close(cfd);
	return NULL;
}

/* ---- the reader thread ---- */

/*
 * Phases: hold a file (and usually the consumer role) for a few dozen
 * calls, then close it and leave the role to the main thread a while.
 */
static void *reader_thread(void *arg)
{
	struct fz_thread *t = arg;
	struct rng *r = &t->rng;
	struct epoll_event ev = { .events = EPOLLIN };
	int fd = -1, ep = epoll_create1(0), ret, left = 0;
	struct pollfd pfd;
	ssize_t got;
	size_t len;

	while (!atomic_load(&fz.stop)) {
		if (!left--) {
			if (fd >= 0) {
				fz_call(t, FAM_READER, "close(%d)", fd);
				close(fd);
				fd = -1;
				left = 0;
				usleep(2000 + below(r, 20000));
				continue;
			}
			fz_call(t, FAM_READER, "open(O_RDONLY)");
			fd = open(DEV_PATH, chance(r, 50) ? O_RDONLY : O_RDWR);
			if (fd < 0) {
				fz_fail(t, "%s: %s", t->desc, strerror(errno));
				break;
			}
			ev.data.fd = fd;
			epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
			left = 5 + below(r, 40);
		}
		got = 1;
		switch (below(r, 6)) {
		case 0:
			pfd.fd = fd;
			pfd.events = POLLIN;
			fz_call(t, FAM_READER, "poll(%d, POLLIN, 20)", fd);
			ret = poll(&pfd, 1, below(r, 20));
			if (fz_check(t, FAM_READER, ret, errno, ESET(EINTR)) && ret &&
			    (pfd.revents & ~(POLLIN | POLLRDNORM | POLLHUP | POLLERR)))
				fz_fail(t, "%s: revents %#x", t->desc, pfd.revents);
			if (ret > 0 && (pfd.revents & (POLLHUP | POLLERR)))
				got = 0;
			break;
		case 1:
			fz_call(t, FAM_READER, "epoll_wait(20)");
			ret = epoll_wait(ep, &ev, 1, below(r, 20));
			fz_check(t, FAM_READER, ret, errno, ESET(EINTR));
			break;
		default:
			/* Blocking: woken by data, a state change or SIGUSR1. */
			len = chance(r, 80) ? 65536 : rnd_count(r);
			if (chance(r, 90) || len > FZ_SCRATCH) {
				len = len > FZ_SCRATCH ? FZ_SCRATCH : len;
				fz_call(t, FAM_READER, "read(%d, %zu)", fd, len);
				got = read(fd, fz.rscratch, len);
				if (fz_check(t, FAM_READER, got, errno, READ_ERRS) && got > 0)
					check_units(t, fz.rscratch, got);
			} else {
				uint64_t p = rnd_ptr(r, fz.rscratch, len);

				fz_call(t, FAM_READER, "read(%d, %#llx, %zu)", fd,
					(unsigned long long)p, len);
				got = read(fd, (void *)(uintptr_t)p, len);
				fz_check(t, FAM_READER, got, errno, READ_ERRS);
			}
			if (got < 0 && errno == EBUSY)
				got = 0;
		}
		/* End of file, or not the consumer: do not spin. */
		if (!got)
			usleep(200 + below(r, 2000));
	}
	if (fd >= 0)
		close(fd);
	close(ep);
	atomic_store(&fz.reader_done, 1);
	return NULL;
}

/* ---- the unprivileged processes ---- */

static int drop_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { { 0 } };

	return syscall(SYS_capset, &hdr, data);
}

static bool has_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { { 0 } };

	if (syscall(SYS_capget, &hdr, data))
		return true;
	return data[0].effective | data[0].permitted | data[1].effective |
	       data[1].permitted;
}

/* One refused attempt; a descriptor that opened is a failure. */
static void unpriv_expect_refused(struct fz_thread *t, int fd, const int *set)
{
	struct rtrace_info in = { .size = sizeof(in) };
	struct stat st;

	if (fd >= 0) {
		bool dev = !fstat(fd, &st) && S_ISCHR(st.st_mode) &&
			   st.st_rdev == fz.rdev;

		fz_fail(t, "%s succeeded (%s; INFO %s)", t->desc,
			dev ? "/dev/rtrace" : "another file",
			ioctl(fd, RTRACE_IOC_INFO, &in) ? strerror(errno) : "works");
		close(fd);
		return;
	}
	fz_check(t, FAM_UNPRIV, -1, errno, set);
}

static void unpriv_step(struct fz_thread *t, pid_t parent)
{
	static const int accs[] = { O_RDONLY, O_WRONLY, O_RDWR, O_RDWR | O_NONBLOCK };
	static const int more[] = { 0, O_CLOEXEC, O_NOCTTY, O_APPEND, O_TRUNC,
				    O_CREAT, O_SYNC, O_DIRECT, O_NOFOLLOW,
				    O_NOATIME, O_LARGEFILE };
	struct rng *r = &t->rng;
	const int *refused = ESET(EACCES, EPERM);
	char path[64];
	int flags, fd, ret;
	struct rtrace_info in = { .size = sizeof(in) };
	void *p;

	flags = PICK(r, accs) | PICK(r, more) | PICK(r, more);
	switch (below(r, 6)) {
	case 0:
	case 1:
		fz_call(t, FAM_UNPRIV, "open(%s, %#x)", DEV_PATH, flags);
		unpriv_expect_refused(t, open(DEV_PATH, flags, 0600), refused);
		break;
	case 2:	/* O_PATH opens without the driver, and reaches nothing */
		fz_call(t, FAM_UNPRIV, "open(%s, O_PATH)", DEV_PATH);
		fd = open(DEV_PATH, O_PATH);
		if (fd < 0) {
			fz_fail(t, "%s: %s", t->desc, strerror(errno));
			break;
		}
		fz_call(t, FAM_UNPRIV, "ioctl(O_PATH fd, INFO)");
		ret = ioctl(fd, RTRACE_IOC_INFO, &in);
		if (!ret || errno != EBADF)
			fz_fail(t, "%s = %d errno %d", t->desc, ret, errno);
		fz_call(t, FAM_UNPRIV, "read(O_PATH fd)");
		ret = read(fd, fz.scratch, 4096);
		if (ret >= 0 || errno != EBADF)
			fz_fail(t, "%s = %d errno %d", t->desc, ret, errno);
		fz_call(t, FAM_UNPRIV, "mmap(O_PATH fd)");
		p = mmap(NULL, fz.pg, PROT_READ, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED || errno != EBADF)
			fz_fail(t, "%s = %p errno %d", t->desc, p, errno);
		/* Re-opening it is a real open: refused. */
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		flags &= ~O_NOFOLLOW;
		fz_call(t, FAM_UNPRIV, "open(%s, %#x)", path, flags);
		unpriv_expect_refused(t, open(path, flags, 0600), refused);
		close(fd);
		break;
	case 3:	/* the privileged process's descriptors */
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", parent,
			 3 + (int)below(r, 16));
		flags &= ~(O_CREAT | O_NOFOLLOW);	/* not ELOOP: the open */
		fz_call(t, FAM_UNPRIV, "open(%s, %#x)", path, flags);
		unpriv_expect_refused(t, open(path, flags),
				      ESET(EACCES, EPERM, ENOENT));
		break;
	case 4:	/* a node of its own for the same device */
		snprintf(path, sizeof(path), "/tmp/fuzz-node-%d", getpid());
		fz_call(t, FAM_UNPRIV, "mknod(%s, c %u:%u)", path, major(fz.rdev),
			minor(fz.rdev));
		ret = mknod(path, S_IFCHR | 0666, fz.rdev);
		if (!ret) {
			fz_fail(t, "%s: created", t->desc);
			unpriv_expect_refused(t, open(path, O_RDWR), refused);
			unlink(path);
		} else {
			fz_check(t, FAM_UNPRIV, ret, errno, ESET(EPERM, EACCES));
		}
		break;
	default:
		fz_call(t, FAM_UNPRIV, "openat(AT_FDCWD, %s, %#x)", DEV_PATH, flags);
		unpriv_expect_refused(t, openat(AT_FDCWD, DEV_PATH, flags, 0600), refused);
	}
}

/* Become uid 65534 (@nobody) or stay uid 0, with no capability at all. */
static int unpriv_child(bool nobody, long calls, pid_t parent)
{
	struct fz_thread t = { .name = nobody ? "nobody" : "nocaps", .unpriv = true };
	long i;

	syscall(SYS_close_range, 3, ~0U, 0);
	rng_init(&t.rng, opt.seed, nobody ? 10 : 11);
	if (nobody) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534)) {
			fz_fail(&t, "cannot become nobody: %s", strerror(errno));
			return 1;
		}
	} else if (drop_caps()) {
		fz_fail(&t, "capset: %s", strerror(errno));
		return 1;
	}
	if (has_caps()) {
		fz_fail(&t, "capabilities left after dropping them");
		return 1;
	}
	for (i = 0; i < calls; i++)
		unpriv_step(&t, parent);
	__atomic_fetch_add(&result->unpriv_calls, t.calls, __ATOMIC_RELAXED);
	return atomic_load(&fz.failures) ? 1 : 0;
}

/* ---- setup ---- */

static uint8_t *map_guarded(size_t len)
{
	uint8_t *p = mmap(NULL, len + 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + len, 4096, PROT_NONE))
		return NULL;
	return p;
}

static uint64_t rtrace_module_base(void)
{
	unsigned long long base = 0;
	char line[256];
	FILE *f = fopen("/proc/modules", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "rtrace ", 7)) {
			char *x = strstr(line, "0x");

			if (x)
				base = strtoull(x, NULL, 16);
		}
	fclose(f);
	return base;
}

static int fz_setup(void)
{
	struct sigaction sa = { .sa_sigaction = fz_on_fault, .sa_flags = SA_SIGINFO };
	struct sigaction su = { .sa_handler = fz_on_usr1 };	/* no SA_RESTART */
	struct rtrace_info in;
	struct rtrace_config *c;
	struct stat st;
	int fd, i;

	fz.pg = getpagesize();
	if (rt_modprobe("rtrace_test_gen"))
		return -1;
	if (stat(DEV_PATH, &st))
		return -1;
	fz.rdev = st.st_rdev;
	fd = open(DEV_PATH, O_RDWR);
	if (fd < 0 || rt_info(fd, &in) || rt_reset(fd))
		return -1;
	close(fd);
	fz.nr_cpus = in.nr_cpus;
	fz.scratch = map_guarded(FZ_SCRATCH);
	fz.rscratch = map_guarded(FZ_SCRATCH);
	fz.cscratch = map_guarded(8192);
	fz.ro = mmap(NULL, FZ_RO, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		     -1, 0);
	fz.none = mmap(NULL, FZ_NONE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fz.arena = mmap(NULL, (size_t)FZ_SLOTS * FZ_SLOT_SIZE, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!fz.scratch || !fz.rscratch || !fz.cscratch || fz.ro == MAP_FAILED ||
	    fz.none == MAP_FAILED || fz.arena == MAP_FAILED)
		return -1;
	/* Read-only: a config (that fails late), a stats request and an
	 * info, for EFAULT on the way back out.
	 */
	c = (void *)fz.ro;
	rt_config_init(c, 4096, 2 * 4096);
	c->sources = RTRACE_SOURCE_KAPI | 1ULL << 40;	/* unknown: -EINVAL */
	*(struct rtrace_stats *)(fz.ro + 4096) = (struct rtrace_stats){
		.size = sizeof(struct rtrace_stats),
		.entry_size = sizeof(struct rtrace_lane_stats),
		.entries_ptr = (uintptr_t)fz.ro, .nr_entries = 10 };
	*(uint32_t *)(fz.ro + 8192) = sizeof(struct rtrace_info);
	if (mprotect(fz.ro, FZ_RO, PROT_READ))
		return -1;
	fz.mod_base = rtrace_module_base();
	fz.gen_emit = open(GEN_DIR "emit", O_WRONLY);
	fz.gen_raw = open(GEN_DIR "emit_raw", O_WRONLY);
	fz.gen_irq = open(GEN_DIR "emit_irq", O_WRONLY);
	for (i = 0; i < FZ_NFDS; i++)
		fz.fds[i] = -1;
	fz.consumer_slot = -1;
	fz.epfd = epoll_create1(0);
	fz.memfd = open("/proc/self/mem", O_RDWR);
	if (sigaction(SIGSEGV, &sa, NULL) || sigaction(SIGBUS, &sa, NULL) ||
	    sigaction(SIGUSR1, &su, NULL))
		return -1;
	return 0;
}

/* Unmap and close everything the main thread holds. */
static void fz_release(void)
{
	int i;

	while (fz.nmaps) {
		struct fz_map *m = &fz.maps[fz.nmaps - 1];

		if (munmap(m->addr, m->len))
			fprintf(stderr, "# munmap(%p, %zu): %s\n", m->addr, m->len,
				strerror(errno));
		fz.nmaps--;
	}
	for (i = 0; i < FZ_NFDS; i++)
		if (fz.fds[i] >= 0) {
			close(fz.fds[i]);
			fz.fds[i] = -1;
		}
}

/* ---- the tests ---- */

FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
	ASSERT_EQ(0, rt_modprobe("rtrace_test_gen"));
}

FIXTURE_TEARDOWN(fuzz)
{
}

static void print_families(struct fz_thread *t)
{
	char line[1024];
	int f, n = 0;

	for (f = 0; f < FAM_NR; f++)
		if (t->fam_calls[f])
			n += snprintf(line + n, sizeof(line) - n, " %s=%ld/%ld",
				      fam_name[f], t->fam_ok[f], t->fam_calls[f]);
	fprintf(stderr, "# %s: %ld calls (family=succeeded/calls):%s\n", t->name,
		t->calls, line);
	for (f = 0; f < FAM_NR; f++) {
		int e;

		if (!t->fam_calls[f] || t->fam_ok[f] == t->fam_calls[f])
			continue;
		n = 0;
		line[0] = 0;
		for (e = 1; e < 134; e++)
			if (t->fam_err[f][e])
				n += snprintf(line + n, sizeof(line) - n, " %s=%ld",
					      strerrorname_np(e), t->fam_err[f][e]);
		fprintf(stderr, "#   %s errors:%s\n", fam_name[f], line);
	}
}

/* The main thread's mix: each family's share in thousandths. */
static const struct {
	const char *name;
	unsigned int upto;
} main_ops[] = {
	{ "ioctl-random", 120 }, { "ioctl-real", 300 }, { "ioctl-foreign", 330 },
	{ "read", 450 }, { "write", 480 }, { "mmap", 580 }, { "munmap", 620 },
	{ "mprotect", 670 }, { "mremap", 700 }, { "madvise", 730 },
	{ "touch", 800 }, { "poll", 860 }, { "fd", 950 }, { "fork", 952 },
	{ "control", 1000 },
};

#define NR_MAIN_OPS	ARRAY_SIZE(main_ops)

TEST_F_TIMEOUT(fuzz, syscalls, 3600)
{
	static struct fz_thread tm = { .name = "main" }, tc = { .name = "control" },
				tr = { .name = "reader" };
	struct fz_child_report *rep;
	pthread_t control;
	struct timespec t0, t1;
	long unpriv = opt.calls / 50 > 1000 ? opt.calls / 50 : 1000;
	double op_sec[NR_MAIN_OPS] = { 0 };
	unsigned long iter;
	char line[1024];
	unsigned int op;
	int n = 0;
	pid_t kids[2], me = getpid();
	int i, status, cfd;

	ASSERT_EQ(0, fz_setup()) TH_LOG("setup: %s", strerror(errno));
	rep = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, rep);
	rng_init(&tm.rng, opt.seed, 0);
	rng_init(&tc.rng, opt.seed, 1);
	rng_init(&tr.rng, opt.seed, 2);
	clock_gettime(CLOCK_MONOTONIC, &t0);

	/* Unprivileged first, before any descriptor, thread or mapping. */
	fflush(NULL);
	for (i = 0; i < 2; i++) {
		kids[i] = fork();
		ASSERT_LE(0, kids[i]);
		if (!kids[i])
			_exit(unpriv_child(i == 0, unpriv, me));
	}
	if (!opt.no_threads) {
		ASSERT_EQ(0, pthread_create(&fz.reader, NULL, reader_thread, &tr));
		ASSERT_EQ(0, pthread_create(&control, NULL, control_thread, &tc));
	}
	cfd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, cfd);

	for (iter = 0; tm.calls < opt.calls; iter++) {
		unsigned int w, op;
		struct timespec a, b;

		/*
		 * Each step draws from its own generator: a result that
		 * depends on timing (the reader work's flush, a signal) may
		 * change what one step does, never what the next ones draw.
		 */
		rng_init(&tm.rng, opt.seed + iter * 0x9e3779b97f4a7c15ULL, 0);
		w = below(&tm.rng, 1000);

		for (op = 0; w >= main_ops[op].upto; op++)
			;
		clock_gettime(CLOCK_MONOTONIC, &a);
		switch (op) {
		case 0:
			op_ioctl_random(&tm);
			break;
		case 1:
			op_ioctl_real(&tm);
			break;
		case 2:
			op_ioctl_foreign(&tm);
			break;
		case 3:
			op_read(&tm, fz.scratch, false);
			break;
		case 4:
			op_write(&tm);
			break;
		case 5:
			op_mmap(&tm);
			break;
		case 6:
			op_munmap(&tm);
			break;
		case 7:
			op_mprotect(&tm);
			break;
		case 8:
			op_mremap(&tm);
			break;
		case 9:
			op_madvise(&tm);
			break;
		case 10:
			op_touch(&tm);
			break;
		case 11:
			op_poll(&tm);
			break;
		case 12:
			op_fd(&tm);
			break;
		case 13:
			op_fork(&tm, rep);
			break;
		default:
			if (opt.no_threads)
				control_step(&tm, cfd, fz.cscratch);
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		op_sec[op] += (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
		atomic_store(&fz.main_calls, tm.calls);
	}

	atomic_store(&fz.stop, 1);
	if (!opt.no_threads) {
		pthread_join(control, NULL);
		/* The reader may sleep in read(): signal it until it is out. */
		while (!atomic_load(&fz.reader_done)) {
			pthread_kill(fz.reader, SIGUSR1);
			usleep(1000);
		}
		pthread_join(fz.reader, NULL);
	}
	fz_release();
	close(cfd);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(kids[i], waitpid(kids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("unprivileged child %d: status %#x", i, status);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	print_families(&tm);
	for (op = 0; op < NR_MAIN_OPS; op++)
		n += snprintf(line + n, sizeof(line) - n, " %s=%.1f", main_ops[op].name,
			      op_sec[op]);
	fprintf(stderr, "# main: seconds per family:%s\n", line);
	if (!opt.no_threads) {
		print_families(&tc);
		print_families(&tr);
	}
	result->calls = atomic_load(&fz.total);
	result->failures = atomic_load(&fz.failures);
	TH_LOG("%ld privileged calls + %ld unprivileged in %.1f s, %ld failures",
	       result->calls, result->unpriv_calls,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       result->failures);
	EXPECT_EQ(0, result->failures);

	/* Nothing is mapped or open any more: the device is idle. */
	cfd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, cfd);
	EXPECT_EQ(0, rt_reset(cfd)) TH_LOG("RESET: %s", strerror(errno));
	{
		struct rtrace_info in;

		ASSERT_EQ(0, rt_info(cfd, &in));
		EXPECT_EQ(0, in.has_consumer);
		EXPECT_EQ(RTRACE_STATE_EMPTY, in.state);
	}
	close(cfd);
}

/* After the fuzz: a session through read() and one through mmap(). */
TEST_F_TIMEOUT(fuzz, device_works_afterwards, 600)
{
	static uint8_t buf[8 << 20];
	long long ok0, failed0, ok1, failed1;
	struct rtrace_info info;
	struct rt_totals tot;
	struct rt_walk w;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	ssize_t len;
	int fd;

	fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, rt_setup(fd, 4096, 16, 0));
	ASSERT_EQ(0, rt_info(fd, &info));
	ASSERT_EQ(0, ioctl(fd, RTRACE_IOC_START));
	ok0 = rt_gen_read("ok");
	failed0 = rt_gen_read("failed");
	ASSERT_EQ(0, rt_gen_write("emit", 2000));
	ASSERT_EQ(0, rt_gen_write("emit_raw", 300));
	ASSERT_EQ(0, rt_gen_write("emit_irq", 50));
	ASSERT_EQ(0, ioctl(fd, RTRACE_IOC_STOP));
	ok1 = rt_gen_read("ok");
	failed1 = rt_gen_read("failed");
	len = rt_drain(fd, buf, sizeof(buf), info.read_min);
	ASSERT_LT(0, len) TH_LOG("drain: %s", strerror(-len));
	ASSERT_EQ(0, rt_walk(&w, buf, len)) TH_LOG("walk: %s", w.error);
	ASSERT_EQ(0, rt_stats(fd, &tot));
	EXPECT_EQ(0, w.nr_bad_test);
	EXPECT_EQ(0, w.seq_gaps);
	EXPECT_EQ(tot.written, w.nr_records);
	EXPECT_EQ(tot.lost_all, w.lost_all);
	EXPECT_EQ((unsigned long long)(ok1 - ok0), w.nr_test + w.nr_test_raw);
	EXPECT_EQ((unsigned long long)(failed1 - failed0), tot.lost_all);
	EXPECT_EQ(2000 + 300 + 50 * ncpu, w.nr_test + w.nr_test_raw + tot.lost_all);
	EXPECT_EQ(0, ioctl(fd, RTRACE_IOC_RESET, 0));	/* all of it was read */
	close(fd);

	/* The zero-syscall reader. */
	{
		struct pollfd pfd = { .events = POLLIN };
		struct rtrace_mmap_ctrl *ctrl;
		struct rtrace_mmap_meta *meta;
		size_t mlen = getpagesize() + 2 * 65536, got = 0;
		uint64_t p, c, d;
		const uint8_t *data;
		int i;

		fd = open(DEV_PATH, O_RDWR);
		ASSERT_LE(0, fd);
		pfd.fd = fd;
		ASSERT_EQ(0, rt_setup(fd, 4096, 8, 0));
		ctrl = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE, MAP_SHARED,
			    fd, 0);
		ASSERT_NE(MAP_FAILED, ctrl);
		meta = mmap(NULL, mlen, PROT_READ, MAP_SHARED, fd, getpagesize());
		ASSERT_NE(MAP_FAILED, meta);
		data = (const uint8_t *)meta + meta->data_offset;
		d = meta->data_size;
		ASSERT_EQ(0, ioctl(fd, RTRACE_IOC_START));
		for (i = 0; i < 10; i++) {
			ASSERT_EQ(0, rt_gen_write("emit", 100));
			ASSERT_EQ(0, ioctl(fd, RTRACE_IOC_FLUSH));
			ASSERT_EQ(1, poll(&pfd, 1, 10000));
			p = __atomic_load_n(&meta->produced, __ATOMIC_ACQUIRE);
			c = ctrl->consumed;
			ASSERT_GE(d, p - c);
			memcpy(buf + got, data + (c & (d - 1)), p - c);
			got += p - c;
			__atomic_store_n(&ctrl->consumed, p, __ATOMIC_RELEASE);
		}
		ASSERT_EQ(0, ioctl(fd, RTRACE_IOC_STOP));
		while (!(__atomic_load_n(&meta->flags, __ATOMIC_ACQUIRE) & RTRACE_MMAP_EOF)) {
			ASSERT_EQ(1, poll(&pfd, 1, 10000));
			p = __atomic_load_n(&meta->produced, __ATOMIC_ACQUIRE);
			c = ctrl->consumed;
			memcpy(buf + got, data + (c & (d - 1)), p - c);
			got += p - c;
			__atomic_store_n(&ctrl->consumed, p, __ATOMIC_RELEASE);
		}
		p = __atomic_load_n(&meta->produced, __ATOMIC_ACQUIRE);
		c = ctrl->consumed;
		memcpy(buf + got, data + (c & (d - 1)), p - c);
		got += p - c;
		ASSERT_EQ(0, rt_walk(&w, buf, got)) TH_LOG("walk: %s", w.error);
		EXPECT_EQ(1000, w.nr_test);
		EXPECT_EQ(0, w.nr_bad_test);
		munmap(meta, mlen);
		munmap(ctrl, getpagesize());
		EXPECT_EQ(0, rt_reset(fd));
		close(fd);
	}
}

/* ---- main: our options, then the harness's ---- */

static void print_result(void)
{
	struct utsname u;

	if (getpid() != main_pid || !result)
		return;
	uname(&u);
	printf("# fuzz: kernel=%s calls=%ld seed=%llu\n", u.release,
	       result->calls + result->unpriv_calls, (unsigned long long)opt.seed);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *env;
	char **hargv = calloc(argc + 1, sizeof(char *));
	int i, hargc = 0;
	struct timespec ts;

	setvbuf(stdout, NULL, _IOLBF, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	opt.seed = (uint64_t)ts.tv_sec * 1000003 ^ ts.tv_nsec ^ getpid();
	env = getenv("RTRACE_FUZZ_SEED");
	if (env && *env)
		opt.seed = strtoull(env, NULL, 0);
	env = getenv("RTRACE_FUZZ_CALLS");
	if (env && *env)
		opt.calls = strtol(env, NULL, 0);
	hargv[hargc++] = argv[0];
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			opt.seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--calls") && i + 1 < argc)
			opt.calls = strtol(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--no-threads"))
			opt.no_threads = true;
		else if (!strcmp(argv[i], "--trace"))
			opt.trace = true;
		else
			hargv[hargc++] = argv[i];
	}
	result = mmap(NULL, sizeof(*result), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (result == MAP_FAILED)
		return 1;
	main_pid = getpid();
	printf("# fuzz: seed=%llu calls=%ld%s (replay: --seed %llu)\n",
	       (unsigned long long)opt.seed, opt.calls,
	       opt.no_threads ? " no-threads" : "", (unsigned long long)opt.seed);
	atexit(print_result);
	return test_harness_run(hargc, hargv);
}
