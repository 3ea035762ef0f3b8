// SPDX-License-Identifier: GPL-2.0
/*
 * leak_test: no kernel address and no uninitialised kernel byte reaches a
 * reader of /dev/rtrace (issue 14, item 6).
 *
 * A session records events from rtrace_test_gen (task, raw and hardirq
 * context); everything a reader can see is collected: the stream through
 * read(), the stream, the meta page, the control page and the whole data
 * area through mmap(), and INFO and STATS.  Then:
 *
 *  - every field is accounted for: each header field is checked against
 *    what it must be, each record is one the test generator emitted (its
 *    arguments recomputed) or a clock sync, names are NUL-padded, unused
 *    event fields and every reserved byte are zero, and the bytes the
 *    kernel did not write (the meta page after its struct, the control page
 *    after consumed, the data area past produced, INFO and STATS beyond
 *    their structs) are zero;
 *  - no 64-bit value at any byte offset of any of it lies in a kernel range
 *    the test can learn: the kernel image (/proc/kallsyms _text.._end as
 *    root, else the nokaslr default), every module (/proc/modules), the
 *    direct map of the RAM (MemTotal from 0xffff888000000000); and no
 *    64-bit header field is a kernel-half address at all;
 *  - no run of 16 identical slab/KASAN poison bytes (0x6b, 0x5a, 0xa5,
 *    0xcc, 0xbb) appears, nor 8 bytes of the pattern RTRACE_DEBUG builds
 *    fill the lanes' pages and the reader's bounce buffer with (instead of
 *    zeroing them), so that a byte the kernel never wrote shows there.
 *
 * This is about rtrace's own bytes: an event source may emit addresses on
 * purpose (abi.md: every opener is privileged, nothing is hashed), and the
 * test generator emits none.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/mman.h>

#include "rtrace_test_harness.h"
#include "rtrace_test_util.h"

#define BUF		(8 << 20)
#define DATA		(64 << 10)
#define MAX_RANGES	512

struct range {
	uint64_t lo, hi;	/* [lo, hi) */
	char what[40];
};

static struct range ranges[MAX_RANGES];
static int nr_ranges;

static void add_range(uint64_t lo, uint64_t hi, const char *what)
{
	if (nr_ranges < MAX_RANGES && lo && hi > lo) {
		ranges[nr_ranges] = (struct range){ lo, hi };
		snprintf(ranges[nr_ranges].what, sizeof(ranges[0].what), "%s", what);
		nr_ranges++;
	}
}

/* What the test can learn of the kernel's address space. */
static void learn_ranges(void)
{
	unsigned long long a, text = 0, end = 0, kb = 0;
	char line[512], name[256], t;
	unsigned long size;
	FILE *f;

	f = fopen("/proc/kallsyms", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &a, &t, name) != 3 || strchr(line, '['))
			continue;
		if (!strcmp(name, "_text"))
			text = a;
		else if (!strcmp(name, "_end"))
			end = a;
	}
	if (f)
		fclose(f);
	if (!text || !end) {	/* hidden: the runner boots nokaslr */
		text = 0xffffffff81000000ULL;
		end = text + (64 << 20);
	}
	add_range(text, end, "kernel image");

	f = fopen("/proc/modules", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *x = strstr(line, " 0x");

		if (sscanf(line, "%255s %lu", name, &size) == 2 && x) {
			a = strtoull(x + 1, NULL, 16);
			add_range(a, a + size, name);
		}
	}
	if (f)
		fclose(f);

	f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	if (!kb)
		kb = 4ULL << 20;
	add_range(0xffff888000000000ULL, 0xffff888000000000ULL + kb * 1024 +
		  (1ULL << 30), "direct map");
}

/*
 * RTRACE_DEBUG_POISON of kmod/ring/ring.h, little-endian, twice: any 8
 * consecutive bytes of the repeated pattern are one of its 8 rotations.
 * Debug builds fill the lanes and the bounce buffer with it.
 */
static const uint8_t debug_poison[16] = {
	0x28, 0x6f, 0xe4, 0xc1, 0x3e, 0xa5, 0xd7, 0x9b,
	0x28, 0x6f, 0xe4, 0xc1, 0x3e, 0xa5, 0xd7, 0x9b,
};

/* Return: NULL, or what @len bytes at @p leak. */
static const char *scan(const uint8_t *p, size_t len, size_t *where)
{
	static const uint8_t poison[] = { 0x6b, 0x5a, 0xa5, 0xcc, 0xbb };
	static char why[128];
	size_t i, run = 0;
	uint64_t v;
	int r;

	for (i = 0; i + 8 <= len; i++) {
		memcpy(&v, p + i, 8);
		if (v < 0xffff800000000000ULL)	/* every range is above */
			continue;
		for (r = 0; r < nr_ranges; r++)
			if (v >= ranges[r].lo && v < ranges[r].hi) {
				snprintf(why, sizeof(why), "%#llx (%s)",
					 (unsigned long long)v, ranges[r].what);
				*where = i;
				return why;
			}
	}
	for (i = 0; i + 8 <= len; i++) {
		int k;

		for (k = 0; k < 8; k++)
			if (!memcmp(p + i, debug_poison + k, 8))
				break;
		if (k < 8) {
			snprintf(why, sizeof(why), "8 bytes of the RTRACE_DEBUG pattern");
			*where = i;
			return why;
		}
	}
	for (i = 0; i < len; i++) {
		run = i && p[i] == p[i - 1] ? run + 1 : 1;
		if (run == 16 && memchr(poison, p[i], sizeof(poison))) {
			snprintf(why, sizeof(why), "16 bytes of poison %#x", p[i]);
			*where = i - 15;
			return why;
		}
	}
	return NULL;
}

static bool kernel_half(uint64_t v)
{
	return v >= 0xffff800000000000ULL;
}

static bool zero(const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len--)
		if (*b++)
			return false;
	return true;
}

/* A NUL-terminated name of @len bytes whose tail is all zero. */
static bool clean_name(const char *s, size_t len, bool may_be_empty)
{
	size_t n = strnlen(s, len);

	return n < len && (n || may_be_empty) && zero(s + n, len - n);
}

/*
 * Check every field of a stream (rt_walk() has decoded it already: the
 * records are the generator's or clock syncs, with the right values).
 * Return: NULL or what is wrong.
 */
static const char *check_stream(const uint8_t *p, size_t len, uint64_t session_id)
{
	const uint8_t *end = p + len;
	static char why[160];

	while (p < end) {
		uint32_t magic;

		memcpy(&magic, p, 4);
		if (magic == RTRACE_STREAM_MAGIC) {
			struct rtrace_stream_hdr h;
			uint32_t i, f;

			memcpy(&h, p, sizeof(h));
			if (h.session_id != session_id)
				return "a session id that is not the session's";
			if (h.flags & ~RTRACE_STREAM_RESUMED ||
			    h.config_flags & ~RTRACE_CONFIG_OVERWRITE || h.reserved[0] ||
			    h.reserved[1] ||
			    (h.clock != RTRACE_CLOCK_TSC && h.clock != RTRACE_CLOCK_LOCAL) ||
			    h.clock_shift > 63 || kernel_half(h.clock_mult) ||
			    kernel_half(h.clock_zero_cyc) || kernel_half(h.clock_zero_ns))
				return "a stream header field out of range";
			for (i = 0; i < h.nr_event_descs; i++) {
				struct rtrace_event_desc d;
				unsigned int used;

				memcpy(&d, p + sizeof(h) + i * sizeof(d), sizeof(d));
				used = d.nr_fields == RTRACE_REC_RAW ? 0 : d.nr_fields;
				if (!d.id || d.id > RTRACE_EV_MAX || d.flags ||
				    used > RTRACE_REC_MAX_ARGS ||
				    !clean_name(d.name, sizeof(d.name), false)) {
					snprintf(why, sizeof(why), "event desc %u (id %u)", i, d.id);
					return why;
				}
				for (f = 0; f < RTRACE_REC_MAX_ARGS; f++) {
					struct rtrace_event_field *fl = &d.fields[f];

					if (f >= used ? !zero(fl, sizeof(*fl)) :
					    !clean_name(fl->name, sizeof(fl->name), false) ||
					    fl->type < RTRACE_FIELD_U64 ||
					    fl->type > RTRACE_FIELD_HEX) {
						snprintf(why, sizeof(why),
							 "event %s field %u not clean", d.name, f);
						return why;
					}
				}
			}
			p += h.hdr_size;
		} else {
			struct rtrace_subbuf_hdr sb;
			unsigned int c;

			memcpy(&sb, p, sizeof(sb));
			if (sb.flags & ~(RTRACE_SB_FLUSHED | RTRACE_SB_BROKEN) ||
			    sb.hdr_size != sizeof(sb) || kernel_half(sb.seq) ||
			    kernel_half(sb.ts_base))
				return "a sub-buffer header field out of range";
			for (c = 0; c < RTRACE_NR_LOST; c++)
				if (sb.lost[c] >> 40)
					return "an implausible loss count";
			p += sizeof(sb) + sb.commit;
		}
	}
	return NULL;
}

FIXTURE(leak) {
	int fd;
	uint8_t *buf;
	long pg;
};

FIXTURE_SETUP(leak)
{
	ASSERT_EQ(0, rt_modprobe("rtrace_test_gen"));
	if (!nr_ranges)
		learn_ranges();
	self->pg = getpagesize();
	self->buf = malloc(BUF);
	ASSERT_NE(NULL, self->buf);
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", DEV_PATH, strerror(errno));
	ASSERT_EQ(0, rt_reset(self->fd));
}

FIXTURE_TEARDOWN(leak)
{
	rt_reset(self->fd);
	close(self->fd);
	free(self->buf);
}

#define EXPECT_CLEAN(p, len, what) do {					\
	size_t __at = 0;						\
	const char *__why = scan(p, len, &__at);			\
	EXPECT_EQ(NULL, __why)						\
		TH_LOG("%s, byte %zu: %s", what, __at, __why);		\
} while (0)

/* Records whose values the test knows, so every one can be checked. */
static void emit_all(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, rt_gen_write("emit", 3000));
	ASSERT_EQ(0, rt_gen_write("emit_raw", 1000));
	ASSERT_EQ(0, rt_gen_write("emit_irq", 100));
}

static void check_walk(struct __test_metadata *_metadata, const uint8_t *buf,
		       size_t len, uint64_t session_id, bool all_known)
{
	struct rt_walk w;
	const char *why;

	ASSERT_EQ(0, rt_walk(&w, buf, len)) TH_LOG("walk: %s", w.error);
	EXPECT_EQ(0, w.nr_bad_test);
	/* Only generator records: nothing unaccounted for. */
	if (all_known)
		EXPECT_LT(0, w.nr_test + w.nr_test_raw);
	why = check_stream(buf, len, session_id);
	EXPECT_EQ(NULL, why) TH_LOG("stream: %s", why);
	EXPECT_CLEAN(buf, len, "stream");
}

/* Every record type the stream may contain is one whose values we check. */
static void only_known_types(struct __test_metadata *_metadata,
			     const uint8_t *buf, size_t len)
{
	const uint8_t *p = buf, *end = buf + len;
	uint64_t h, v, n, i;

	while (p < end) {
		struct rtrace_subbuf_hdr sb;
		struct rtrace_stream_hdr sh;
		const uint8_t *r, *rend;

		memcpy(&sh.magic, p, 4);
		if (sh.magic == RTRACE_STREAM_MAGIC) {
			memcpy(&sh, p, sizeof(sh));
			p += sh.hdr_size;
			continue;
		}
		memcpy(&sb, p, sizeof(sb));
		r = p + sizeof(sb);
		rend = r + sb.commit;
		while (r < rend) {
			ASSERT_EQ(0, rt_varint(&r, rend, &h));
			ASSERT_EQ(0, rt_varint(&r, rend, &v));
			EXPECT_TRUE((h >> 4) == RTRACE_EV_TEST || (h >> 4) == RTRACE_EV_TEST_RAW)
				TH_LOG("record type %llu", (unsigned long long)(h >> 4));
			n = h & 15;
			if (n == RTRACE_REC_RAW) {
				ASSERT_EQ(0, rt_varint(&r, rend, &v));
				r += v;
				continue;
			}
			for (i = 0; i < n; i++)
				ASSERT_EQ(0, rt_varint(&r, rend, &v));
		}
		p = rend;
	}
}

/* The scan is not vacuous: it finds what is planted, at any offset. */
TEST(scan_finds_planted_values)
{
	uint8_t b[256] = { 0 };
	size_t at = 0;
	uint64_t v;
	int r;

	if (!nr_ranges)
		learn_ranges();
	EXPECT_EQ(NULL, scan(b, sizeof(b), &at));
	for (r = 0; r < nr_ranges; r++) {
		memset(b, 0, sizeof(b));
		v = ranges[r].lo + (ranges[r].hi - ranges[r].lo) / 2;
		memcpy(b + 13 + r % 8, &v, 8);
		EXPECT_NE(NULL, scan(b, sizeof(b), &at)) TH_LOG("%s", ranges[r].what);
		EXPECT_EQ(13 + r % 8, at);
	}
	memset(b, 0, sizeof(b));
	memset(b + 100, 0x6b, 16);
	EXPECT_NE(NULL, scan(b, sizeof(b), &at));
	/* the debug pattern at any alignment and phase; 7 bytes of it pass */
	memset(b, 0, sizeof(b));
	memcpy(b + 37, debug_poison + 3, 8);
	EXPECT_NE(NULL, scan(b, sizeof(b), &at));
	EXPECT_EQ(37, at);
	memset(b, 0, sizeof(b));
	memcpy(b + 37, debug_poison + 3, 7);
	EXPECT_EQ(NULL, scan(b, sizeof(b), &at));
	EXPECT_LE(2, nr_ranges);	/* at least the kernel image and the direct map */
}

TEST_F(leak, read_stream)
{
	struct rtrace_info info;
	ssize_t len;

	TH_LOG("%d kernel ranges learned, first %s %#llx", nr_ranges, ranges[0].what,
	       (unsigned long long)ranges[0].lo);
	ASSERT_EQ(0, rt_setup(self->fd, 4096, 16, 0));
	ASSERT_EQ(0, rt_info(self->fd, &info));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	emit_all(_metadata);
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	len = rt_drain(self->fd, self->buf, BUF, info.read_min);
	ASSERT_LT(0, len);
	check_walk(_metadata, self->buf, len, info.session_id, true);
	only_known_types(_metadata, self->buf, len);
}

/* Overwrite mode recycles sub-buffers: their old bytes must not show. */
TEST_F(leak, overwrite_snapshot)
{
	struct rtrace_info info;
	ssize_t len;

	ASSERT_EQ(0, rt_setup(self->fd, 8192, 4, RTRACE_CONFIG_OVERWRITE));
	ASSERT_EQ(0, rt_info(self->fd, &info));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	emit_all(_metadata);
	emit_all(_metadata);
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_SNAPSHOT));
	len = rt_drain(self->fd, self->buf, BUF, info.read_min);
	ASSERT_LT(0, len);
	check_walk(_metadata, self->buf, len, info.session_id, true);
	only_known_types(_metadata, self->buf, len);
}

TEST_F(leak, mapped_area)
{
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	size_t mlen = self->pg + 2 * DATA, got = 0;
	struct rtrace_mmap_ctrl *ctrl;
	struct rtrace_mmap_meta *meta;
	struct rtrace_info info;
	const uint8_t *data;
	uint64_t p, c;
	int i;

	ASSERT_EQ(0, rt_setup(self->fd, 4096, 8, 0));
	ASSERT_EQ(0, rt_info(self->fd, &info));
	ctrl = mmap(NULL, self->pg, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, ctrl);
	meta = mmap(NULL, mlen, PROT_READ, MAP_SHARED, self->fd, self->pg);
	ASSERT_NE(MAP_FAILED, meta);
	data = (const uint8_t *)meta + meta->data_offset;
	/* Before anything: zero but the meta struct; the data area all zero. */
	EXPECT_TRUE(zero(ctrl, self->pg));
	EXPECT_TRUE(zero((uint8_t *)meta + sizeof(*meta), self->pg - sizeof(*meta)));
	EXPECT_EQ(0, meta->reserved);
	EXPECT_TRUE(zero(data, DATA));

	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	for (i = 0; i < 4; i++) {
		emit_all(_metadata);
		ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_FLUSH));
		/* poll() refills the area; take it all until nothing comes. */
		while (poll(&pfd, 1, 300) == 1 && (pfd.revents & POLLIN)) {
			p = __atomic_load_n(&meta->produced, __ATOMIC_ACQUIRE);
			c = ctrl->consumed;
			ASSERT_GE(DATA, p - c);
			ASSERT_GT(BUF, got + (p - c));
			memcpy(self->buf + got, data + (c & (DATA - 1)), p - c);
			got += p - c;
			__atomic_store_n(&ctrl->consumed, p, __ATOMIC_RELEASE);
		}
		/* The whole area, read and not yet read, both copies. */
		EXPECT_CLEAN(data, 2 * DATA, "data area");
	}
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	while (!(__atomic_load_n(&meta->flags, __ATOMIC_ACQUIRE) & RTRACE_MMAP_EOF)) {
		ASSERT_EQ(1, poll(&pfd, 1, 10000));
		p = __atomic_load_n(&meta->produced, __ATOMIC_ACQUIRE);
		c = ctrl->consumed;
		ASSERT_GT(BUF, got + (p - c));
		memcpy(self->buf + got, data + (c & (DATA - 1)), p - c);
		got += p - c;
		__atomic_store_n(&ctrl->consumed, p, __ATOMIC_RELEASE);
	}
	EXPECT_LT(DATA, got);	/* the area wrapped */
	check_walk(_metadata, self->buf, got, info.session_id, true);
	only_known_types(_metadata, self->buf, got);
	/* The pages around the stream. */
	EXPECT_CLEAN((const uint8_t *)meta, self->pg, "meta page");
	EXPECT_TRUE(zero((uint8_t *)meta + sizeof(*meta), self->pg - sizeof(*meta)));
	EXPECT_EQ(0, meta->reserved);
	EXPECT_EQ(info.session_id, meta->session_id);
	EXPECT_TRUE(zero((uint8_t *)ctrl + sizeof(*ctrl), self->pg - sizeof(*ctrl)));
	EXPECT_CLEAN(data, 2 * DATA, "data area");
	munmap(meta, mlen);
	munmap(ctrl, self->pg);
}

/* INFO and STATS, asked for a page each: the kernel zeroes the rest. */
TEST_F(leak, info_and_stats)
{
	struct rtrace_lane_stats *st;
	struct rtrace_info *in = (void *)self->buf;
	struct rtrace_stats q;
	uint32_t i;

	ASSERT_EQ(0, rt_setup(self->fd, 4096, 4, 0));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	emit_all(_metadata);
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));

	memset(self->buf, 0xa5, 4096);
	in->size = 4096;
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_INFO, in));
	EXPECT_TRUE(zero(self->buf + sizeof(*in), 4096 - sizeof(*in)));
	EXPECT_CLEAN(self->buf, 4096, "info");

	memset(self->buf, 0xa5, 256 * 4096);
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.entry_size = 4096;
	q.entries_ptr = (uintptr_t)self->buf;
	q.nr_entries = 256;
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STATS, &q));
	ASSERT_GE(256, q.nr_entries);
	for (i = 0; i < q.nr_entries; i++) {
		st = (void *)(self->buf + (size_t)i * 4096);
		EXPECT_EQ(0, st->flags);
		EXPECT_EQ(offsetof(struct rtrace_lane_stats, lost), st->lost_offset);
		EXPECT_TRUE(zero((uint8_t *)st + sizeof(*st), 4096 - sizeof(*st)))
			TH_LOG("entry %u", i);
	}
	EXPECT_CLEAN(self->buf, (size_t)q.nr_entries * 4096, "stats");
}

TEST_HARNESS_MAIN
