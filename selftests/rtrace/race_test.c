// SPDX-License-Identifier: GPL-2.0
/*
 * race_test: the reader killed, and the control ioctls racing, while the
 * validation source writes from every context (issue 14, item 4).
 *
 *   - reader_killed_in_read: children read the session in turn into
 *     fresh shared pages (so that copy_to_user() faults) and get SIGKILL
 *     at random moments, blocked in read() or copying; what each had when
 *     it died (the whole units in its buffer) plus what the next reader
 *     gets (a RESUMED stream) must pass `rtrace verify`: nothing lost
 *     silently, nothing twice, the losses counted in band.
 *   - reader_killed_in_mmap_copy: the same with children consuming the
 *     mapped data area (copying units out, then releasing them through
 *     ctrl->consumed), killed mid-copy or blocked in poll(); the next
 *     mapper continues at ctrl->consumed.
 *   - control_ops_racing: threads make random CONFIGURE, START, STOP,
 *     SNAPSHOT, FLUSH, RESET, INFO and STATS calls for a few seconds, each
 *     failing only with the errors abi.md's state table allows, while a
 *     reader thread reads every stream (each must be well formed); then
 *     the device is in a valid state and a clean session verifies.
 *
 * Needs rtrace.ko with the validation source; `rtrace verify` (the CLI)
 * when it is in PATH, else only the selftests' own stream walker checks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rtrace_test_harness.h"
#include "rtrace_test_util.h"

#define SEG_CAP		(24u << 20)	/* one reader's shared buffer */
#define SUBBUF		16384u
#define LANE_BYTES	(16u * SUBBUF)
#define MMAP_D		(256u << 10)
#define NR_KILLS	4
#define VAL_PARAMS	"/sys/module/rtrace/parameters/"

static unsigned int rnd(unsigned int *st, unsigned int n)
{
	*st = *st * 1103515245u + 12345u;
	return (*st >> 8) % n;
}

static void ms_sleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int have_validate(int fd)
{
	struct rtrace_info info;

	return !rt_info(fd, &info) && (info.sources_supported & RTRACE_SOURCE_VALIDATE);
}

/* Reset and configure a validation session of 16 x 16K sub-buffers a lane. */
static int val_setup(int fd, uint32_t flags)
{
	struct rtrace_config cfg;

	if (rt_reset(fd))
		return -errno;
	rt_config_init(&cfg, SUBBUF, LANE_BYTES);
	cfg.sources = RTRACE_SOURCE_VALIDATE;
	cfg.flags = flags;
	return ioctl(fd, RTRACE_IOC_CONFIGURE, &cfg) ? -errno : 0;
}

/* Length of the longest prefix of @buf made of whole units with good CRCs. */
static size_t unit_prefix(const uint8_t *buf, size_t len)
{
	size_t off = 0;

	while (len - off >= 8) {
		uint32_t magic, size;

		memcpy(&magic, buf + off, 4);
		if (magic == RTRACE_STREAM_MAGIC) {
			struct rtrace_stream_hdr h;

			if (len - off < sizeof(h))
				break;
			memcpy(&h, buf + off, sizeof(h));
			size = h.hdr_size;
			if (size < sizeof(h) || size > len - off ||
			    rt_unit_crc(buf + off, size,
					offsetof(struct rtrace_stream_hdr, crc)) != h.crc)
				break;
		} else if (magic == RTRACE_SUBBUF_MAGIC) {
			struct rtrace_subbuf_hdr sb;

			if (len - off < sizeof(sb))
				break;
			memcpy(&sb, buf + off, sizeof(sb));
			if (sb.hdr_size != sizeof(sb) || sb.commit > len - off - sizeof(sb))
				break;
			size = sizeof(sb) + sb.commit;
			if (rt_unit_crc(buf + off, size,
					offsetof(struct rtrace_subbuf_hdr, crc)) != sb.crc)
				break;
		} else {
			break;
		}
		off += size;
	}
	return off;
}

/* Size of the stream header unit at @p, or 0 if @p does not start with one. */
static size_t hdr_unit(const uint8_t *p, size_t len)
{
	struct rtrace_stream_hdr h;
	uint32_t magic;

	if (len < sizeof(h))
		return 0;
	memcpy(&magic, p, 4);
	if (magic != RTRACE_STREAM_MAGIC)
		return 0;
	memcpy(&h, p, sizeof(h));
	return h.hdr_size <= len ? h.hdr_size : 0;
}

static void *shared_buf(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * Prove @len bytes of capture: the stream walker always, and
 * `rtrace verify` when the CLI is there.  Return: 0 or -1 (logged).
 */
static int prove(struct __test_metadata *_metadata, const uint8_t *buf, size_t len,
		 const char *name)
{
	char path[64], cmd[256], line[512] = "";
	struct rt_walk w;
	FILE *f;
	int ret = 0;

	if (rt_walk(&w, buf, len)) {
		TH_LOG("%s: stream walker: %s", name, w.error);
		return -1;
	}
	if (w.seq_gaps || w.first_seq_gaps || w.nr_broken) {
		TH_LOG("%s: %llu sub-buffers missing, %llu lanes start late, %llu broken", name,
		       (unsigned long long)w.seq_gaps, (unsigned long long)w.first_seq_gaps,
		       (unsigned long long)w.nr_broken);
		return -1;
	}
	if (system("command -v rtrace >/dev/null 2>&1")) {
		TH_LOG("%s: rtrace CLI not in PATH: walker only (%llu records)", name,
		       (unsigned long long)w.nr_records);
		return 0;
	}
	snprintf(path, sizeof(path), "/tmp/race_test.%d.rtr", getpid());
	f = fopen(path, "w");
	if (!f || fwrite(buf, 1, len, f) != len) {
		TH_LOG("%s: cannot write %s", name, path);
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "rtrace verify %s 2>&1", path);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	/*
	 * verify's last "verify:" line is its verdict; the ones before it say
	 * what it found wrong, and its other lines what it saw: all shown.
	 */
	while (fgets(cmd, sizeof(cmd), f)) {
		if (strncmp(cmd, "verify:", 7)) {
			printf("#   %s", cmd);
			continue;
		}
		if (line[0])
			printf("#   %s", line);
		snprintf(line, sizeof(line), "%s", cmd);
	}
	if (pclose(f) || strncmp(line, "verify: ok ", 11))
		ret = -1;
	line[strcspn(line, "\n")] = 0;
	printf("# %s: %s (%zu bytes)\n", name, line[0] ? line : "no verify line", len);
	/* a failed capture stays for a look (selftests/vm/run --out) */
	if (ret)
		rename(path, "/tmp/race_test.failed.rtr");
	else
		unlink(path);
	return ret;
}

FIXTURE(race) {
	int fd;
	uint8_t *seg[NR_KILLS + 1];
	uint8_t *all;
	unsigned int seed;
};

FIXTURE_SETUP(race)
{
	int i;

	self->fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open: %s", strerror(errno));
	if (!have_validate(self->fd))
		SKIP(return, "rtrace.ko without the validation source");
	/* validate_gens default, 4 events a burst every ms: a modest rate */
	ASSERT_EQ(0, rt_param_write(VAL_PARAMS "validate_period_us", 1000));
	ASSERT_EQ(0, rt_param_write(VAL_PARAMS "validate_burst", 4));
	for (i = 0; i <= NR_KILLS; i++)
		self->seg[i] = NULL;
	self->all = malloc((size_t)(NR_KILLS + 1) * SEG_CAP);
	ASSERT_NE(NULL, self->all);
	self->seed = getenv("RACE_SEED") ? atoi(getenv("RACE_SEED")) : (unsigned int)time(NULL);
	TH_LOG("seed %u (RACE_SEED=%u to repeat the delays)", self->seed, self->seed);
}

FIXTURE_TEARDOWN(race)
{
	int i;

	for (i = 0; i <= NR_KILLS; i++)
		if (self->seg[i])
			munmap(self->seg[i], SEG_CAP);
	free(self->all);
	if (self->fd >= 0) {
		ioctl(self->fd, RTRACE_IOC_STOP);
		rt_reset(self->fd);
		close(self->fd);
	}
}

/* A child's reader: read() whole units into @buf until EOF; never returns. */
static void read_child(uint8_t *buf)
{
	size_t len = 0;
	int fd = open(DEV_PATH, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		_exit(2);
	for (;;) {
		ssize_t n = read(fd, buf + len, SEG_CAP - len < 65536 ? SEG_CAP - len : 65536);

		if (n == 0)
			_exit(0);
		if (n < 0 && errno != EINTR)
			_exit(3);
		if (n > 0)
			len += n;
	}
}

/*
 * A child's mmap consumer: map the control page and the data area, copy
 * each newly produced stretch into @buf at its stream offset, then release
 * it through ctrl->consumed; poll() for more.  Never returns.
 */
static void mmap_child(uint8_t *buf)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct rtrace_mmap_ctrl *ctrl;
	struct rtrace_mmap_meta *meta;
	const uint8_t *data;
	struct pollfd pfd;
	int fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);	/* the control page is writable */

	if (fd < 0)
		_exit(2);
	ctrl = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    RTRACE_MMAP_PGOFF_CTRL * pg);
	meta = mmap(NULL, pg + 2 * MMAP_D, PROT_READ, MAP_SHARED, fd,
		    RTRACE_MMAP_PGOFF_META * pg);
	if (ctrl == MAP_FAILED || meta == MAP_FAILED)
		_exit(4);
	data = (const uint8_t *)meta + meta->data_offset;
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		uint64_t c = ctrl->consumed;
		uint64_t p = __atomic_load_n(&meta->produced, __ATOMIC_ACQUIRE);

		if (p > SEG_CAP)
			_exit(5);
		if (p > c) {
			/* in pieces, so that a kill lands in the middle of a copy */
			while (c < p) {
				uint64_t n = p - c < 4096 ? p - c : 4096;

				memcpy(buf + c, data + (c % MMAP_D), n);
				c += n;
			}
			__atomic_store_n(&ctrl->consumed, p, __ATOMIC_RELEASE);
			continue;
		}
		if (__atomic_load_n(&meta->flags, __ATOMIC_ACQUIRE) & RTRACE_MMAP_EOF)
			_exit(0);
		poll(&pfd, 1, 200);
	}
}

/* Start a child reader, let it run a random while, SIGKILL it, reap it. */
static pid_t kill_one(struct __test_metadata *_metadata, uint8_t *buf, int use_mmap,
		      unsigned int *seed)
{
	unsigned int ms = 30 + rnd(seed, 400);
	int status;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		if (use_mmap)
			mmap_child(buf);
		read_child(buf);
	}
	if (pid < 0)
		return -1;
	ms_sleep(ms);
	kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (!WIFSIGNALED(status)) {
		TH_LOG("reader exited by itself: status %#x", status);
		return -1;
	}
	return pid;
}

/* Become the consumer once the killed one's file is gone (it is, after wait()). */
static int wait_consumer_free(int fd)
{
	struct rtrace_info info;
	int i;

	for (i = 0; i < 100; i++) {
		if (rt_info(fd, &info))
			return -1;
		if (!info.has_consumer)
			return 0;
		ms_sleep(20);
	}
	return -1;
}

TEST_F_TIMEOUT(race, reader_killed_in_read, 300)
{
	size_t len = 0, n, h;
	ssize_t got;
	int i;

	ASSERT_EQ(0, val_setup(self->fd, 0));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	for (i = 0; i < NR_KILLS; i++) {
		self->seg[i] = shared_buf(SEG_CAP);
		ASSERT_NE(NULL, self->seg[i]);
		/* the first child blocks before the session has data, sometimes */
		ASSERT_LT(0, kill_one(_metadata, self->seg[i], 0, &self->seed));
		ASSERT_EQ(0, wait_consumer_free(self->fd)) TH_LOG("consumer still held");
		n = unit_prefix(self->seg[i], SEG_CAP);
		/* a resumed reader's stream header is not part of the capture */
		h = len ? hdr_unit(self->seg[i], n) : 0;
		memcpy(self->all + len, self->seg[i] + h, n - h);
		TH_LOG("reader %d: %zu bytes of whole units", i, n);
		len += n - h;
	}
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	/* The next reader gets the rest: its header says RESUMED if data was read. */
	got = rt_drain(self->fd, self->seg[NR_KILLS] = shared_buf(SEG_CAP), SEG_CAP, 65536);
	ASSERT_LT(0, got) TH_LOG("drain: %s", strerror(-got));
	h = len ? hdr_unit(self->seg[NR_KILLS], got) : 0;
	if (len > hdr_unit(self->all, len)) {
		struct rtrace_stream_hdr sh;

		memcpy(&sh, self->seg[NR_KILLS], sizeof(sh));
		EXPECT_TRUE(sh.flags & RTRACE_STREAM_RESUMED);
	}
	memcpy(self->all + len, self->seg[NR_KILLS] + h, got - h);
	len += got - h;
	ASSERT_EQ(0, prove(_metadata, self->all, len, "reader killed in read()"));
	printf("# faults: reader_killed_in_read=%d\n", NR_KILLS);
}

/*
 * A validation session that @n mapping children consume in turn, each
 * killed, then stopped.  Return: 0, or -1 (logged).
 */
static int kill_mappers(struct __test_metadata *_metadata, int fd, uint8_t *buf, int n,
			unsigned int *seed)
{
	int i;

	if (val_setup(fd, 0) || ioctl(fd, RTRACE_IOC_START)) {
		TH_LOG("session: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (kill_one(_metadata, buf, 1, seed) <= 0)
			return -1;
		if (wait_consumer_free(fd)) {
			TH_LOG("consumer still held");
			return -1;
		}
	}
	return ioctl(fd, RTRACE_IOC_STOP) ? -1 : 0;
}

TEST_F_TIMEOUT(race, reader_killed_in_mmap_copy, 300)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct rtrace_mmap_ctrl *ctrl;
	struct rtrace_mmap_meta *meta;
	const uint8_t *data;
	uint8_t *buf;
	uint64_t c;

	/* All readers copy into one buffer at stream offsets. */
	buf = self->seg[0] = shared_buf(SEG_CAP);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, kill_mappers(_metadata, self->fd, buf, NR_KILLS, &self->seed));

	/* The next mapper continues where the killed ones released. */
	ctrl = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		    RTRACE_MMAP_PGOFF_CTRL * pg);
	ASSERT_NE(MAP_FAILED, ctrl) TH_LOG("ctrl: %s", strerror(errno));
	meta = mmap(NULL, pg + 2 * MMAP_D, PROT_READ, MAP_SHARED, self->fd,
		    RTRACE_MMAP_PGOFF_META * pg);
	ASSERT_NE(MAP_FAILED, meta) TH_LOG("meta: %s", strerror(errno));
	data = (const uint8_t *)meta + meta->data_offset;
	c = ctrl->consumed;
	TH_LOG("killed readers released %llu bytes", (unsigned long long)c);
	for (;;) {
		struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
		uint64_t p = __atomic_load_n(&meta->produced, __ATOMIC_ACQUIRE);

		ASSERT_GE(SEG_CAP, p);
		if (p > c) {
			memcpy(buf + c, data + (c % MMAP_D), p - c);
			c = p;
			__atomic_store_n(&ctrl->consumed, p, __ATOMIC_RELEASE);
			continue;
		}
		if (__atomic_load_n(&meta->flags, __ATOMIC_ACQUIRE) & RTRACE_MMAP_EOF)
			break;
		ASSERT_LE(0, poll(&pfd, 1, 2000));
	}
	munmap(meta, pg + 2 * MMAP_D);
	munmap(ctrl, pg);
	ASSERT_EQ(c, unit_prefix(buf, c));
	ASSERT_EQ(0, prove(_metadata, buf, c, "reader killed in an mmap copy"));
	printf("# faults: reader_killed_in_mmap=%d\n", NR_KILLS);
}

/* ---- control ioctls racing ---- */

struct racer {
	pthread_t th;
	int fd;
	unsigned int seed;
	volatile int *stop;
	unsigned long ops, bad;
	char why[160];
	/* reader thread */
	uint8_t *buf;
	size_t len;
	int walk_failed;
};

static const char * const op_names[] = {
	"CONFIGURE", "START", "STOP", "SNAPSHOT", "FLUSH", "RESET", "INFO", "STATS",
};

/* Errors abi.md's state table allows each call in some state. */
static int allowed(int op, int err)
{
	switch (op) {
	case 0:	return err == EBUSY;			/* CONFIGURE */
	case 1:	return err == ENODATA || err == EBUSY;	/* START */
	case 2: case 3: case 4: case 7:
		return err == ENODATA;			/* STOP SNAPSHOT FLUSH STATS */
	case 5:	return err == EBUSY;			/* RESET */
	default: return 0;				/* INFO never fails */
	}
}

static void *racer_fn(void *arg)
{
	struct racer *r = arg;

	while (!*r->stop) {
		int op = rnd(&r->seed, 8), ret = 0;
		struct rtrace_config cfg;
		struct rtrace_info info;
		struct rt_totals tot;

		switch (op) {
		case 0:
			rt_config_init(&cfg, rnd(&r->seed, 2) ? 4096 : SUBBUF,
				       rnd(&r->seed, 2) ? 4 * SUBBUF : 8 * SUBBUF);
			cfg.sources = RTRACE_SOURCE_VALIDATE |
				      (rnd(&r->seed, 2) ? RTRACE_SOURCE_KAPI : 0);
			cfg.flags = (rnd(&r->seed, 2) ? RTRACE_CONFIG_OVERWRITE : 0) |
				    (rnd(&r->seed, 2) ? RTRACE_CONFIG_DISCARD_UNREAD : 0);
			ret = ioctl(r->fd, RTRACE_IOC_CONFIGURE, &cfg);
			break;
		case 1: ret = ioctl(r->fd, RTRACE_IOC_START); break;
		case 2: ret = ioctl(r->fd, RTRACE_IOC_STOP); break;
		case 3: ret = ioctl(r->fd, RTRACE_IOC_SNAPSHOT); break;
		case 4: ret = ioctl(r->fd, RTRACE_IOC_FLUSH); break;
		case 5:
			ret = ioctl(r->fd, RTRACE_IOC_RESET,
				    rnd(&r->seed, 2) ? RTRACE_RESET_DISCARD_UNREAD : 0);
			break;
		case 6:
			ret = rt_info(r->fd, &info);
			if (!ret && info.state > RTRACE_STATE_STOPPED) {
				snprintf(r->why, sizeof(r->why), "INFO: state %u", info.state);
				r->bad++;
			}
			if (ret)
				errno = -ret, ret = -1;
			break;
		default:
			ret = rt_stats(r->fd, &tot);
			if (ret)
				errno = -ret, ret = -1;
			break;
		}
		if (ret && !allowed(op, errno)) {
			snprintf(r->why, sizeof(r->why), "%s: %s", op_names[op], strerror(errno));
			r->bad++;
		}
		r->ops++;
		if (!rnd(&r->seed, 8))
			usleep(rnd(&r->seed, 3000));
	}
	return NULL;
}

/*
 * The consumer: read everything.  Sessions come and go under it; each
 * stretch between two stream headers must be well formed (concatenated
 * streams are, for the walker).
 */
static void *reader_fn(void *arg)
{
	struct racer *r = arg;

	while (!*r->stop) {
		ssize_t n;

		if (r->len + 65536 > SEG_CAP)
			r->len = 0;	/* keep the last stretch only */
		n = read(r->fd, r->buf + r->len, 65536);
		if (n > 0) {
			r->len += n;
		} else if (n == 0) {
			usleep(2000);	/* no session, or drained after a stop */
		} else if (errno != EAGAIN && errno != EINTR) {
			snprintf(r->why, sizeof(r->why), "read: %s", strerror(errno));
			r->bad++;
			usleep(2000);
		}
		r->ops++;
	}
	return NULL;
}

/*
 * Every unit the racing reader got checks, and its last stretch, from the
 * last stream header on, walks.
 */
static void check_stretch(struct __test_metadata *_metadata, struct racer *rd)
{
	size_t off = 0, last = SIZE_MAX, h;
	struct rt_walk w;

	while (off < rd->len) {
		if (!unit_prefix(rd->buf + off, rd->len - off))
			break;
		h = hdr_unit(rd->buf + off, rd->len - off);
		if (h)
			last = off;
		off += h ?: sizeof(struct rtrace_subbuf_hdr) +
			    ((struct rtrace_subbuf_hdr *)(rd->buf + off))->commit;
	}
	EXPECT_EQ(rd->len, off) TH_LOG("a unit that does not check at %zu of %zu",
				       off, rd->len);
	if (last != SIZE_MAX)
		EXPECT_EQ(0, rt_walk(&w, rd->buf + last, rd->len - last))
			TH_LOG("walk: %s", w.error);
}

TEST_F_TIMEOUT(race, control_ops_racing, 300)
{
	enum { NR_RACERS = 4, SECONDS = 6 };
	struct racer r[NR_RACERS + 1];
	volatile int stop = 0;
	struct rtrace_info info;
	unsigned long ops = 0;
	uint8_t *buf;
	ssize_t got;
	int i;

	memset(r, 0, sizeof(r));
	for (i = 0; i <= NR_RACERS; i++) {
		r[i].fd = open(DEV_PATH, (i == NR_RACERS ? O_RDONLY | O_NONBLOCK : O_RDWR) |
				O_CLOEXEC);
		ASSERT_LE(0, r[i].fd);
		r[i].seed = self->seed + i * 7919;
		r[i].stop = &stop;
	}
	r[NR_RACERS].buf = self->seg[0] = shared_buf(SEG_CAP);
	ASSERT_NE(NULL, r[NR_RACERS].buf);
	for (i = 0; i <= NR_RACERS; i++)
		ASSERT_EQ(0, pthread_create(&r[i].th, NULL,
					    i == NR_RACERS ? reader_fn : racer_fn, &r[i]));
	sleep(SECONDS);
	stop = 1;
	for (i = 0; i <= NR_RACERS; i++) {
		pthread_join(r[i].th, NULL);
		ops += r[i].ops;
		EXPECT_EQ(0, r[i].bad) TH_LOG("thread %d: %lu bad, last: %s", i, r[i].bad,
					      r[i].why);
	}
	TH_LOG("%lu calls in %d s from %d threads and a reader", ops, SECONDS, NR_RACERS);
	printf("# faults: racing_control_calls=%lu\n", ops);
	EXPECT_LT(100, ops);

	check_stretch(_metadata, &r[NR_RACERS]);

	/* Still a consistent state machine: valid state, then a clean session. */
	ASSERT_EQ(0, rt_info(self->fd, &info));
	EXPECT_GE(RTRACE_STATE_STOPPED, info.state);
	for (i = 0; i <= NR_RACERS; i++)
		close(r[i].fd);
	ioctl(self->fd, RTRACE_IOC_STOP);
	ASSERT_EQ(0, val_setup(self->fd, 0));
	ASSERT_EQ(0, rt_info(self->fd, &info));
	EXPECT_EQ(RTRACE_STATE_CONFIGURED, info.state);
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	ms_sleep(500);
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	buf = self->seg[1] = shared_buf(SEG_CAP);
	ASSERT_NE(NULL, buf);
	got = rt_drain(self->fd, buf, SEG_CAP, 65536);
	ASSERT_LT(0, got) TH_LOG("drain: %s", strerror(-got));
	ASSERT_EQ(0, prove(_metadata, buf, got, "after the racing control calls"));
}

/*
 * A mapper killed, then a read() reader: the units the kernel had copied
 * into the data area and the mapper had not released are the next
 * reader's too.
 */
TEST_F_TIMEOUT(race, read_after_killed_mapper, 300)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct rtrace_mmap_ctrl *ctrl;
	struct rtrace_stream_hdr sh;
	uint8_t *buf;
	uint64_t c;
	ssize_t got;
	size_t h;
	int ret;

	buf = self->seg[0] = shared_buf(SEG_CAP);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, kill_mappers(_metadata, self->fd, buf, 1, &self->seed));
	/* how far the mapper released: the control page says */
	ctrl = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		    RTRACE_MMAP_PGOFF_CTRL * pg);
	ASSERT_NE(MAP_FAILED, ctrl) TH_LOG("ctrl: %s", strerror(errno));
	c = ctrl->consumed;
	munmap(ctrl, pg);
	ASSERT_EQ(c, unit_prefix(buf, c));
	got = rt_drain(self->fd, buf + c, SEG_CAP - c, 65536);
	ASSERT_LT(0, got) TH_LOG("drain: %s", strerror(-got));
	/*
	 * read() gets its own stream header, RESUMED only if the mapper
	 * released a sub-buffer: what it did not release is this reader's,
	 * from the first unit on (rdev_mmap_leftover()).
	 */
	h = hdr_unit(buf + c, got);
	ASSERT_LT(0, h);
	memcpy(&sh, buf + c, sizeof(sh));
	EXPECT_EQ(c > hdr_unit(buf, c), !!(sh.flags & RTRACE_STREAM_RESUMED))
		TH_LOG("mapper released %llu bytes, read()'s header flags 0x%x",
		       (unsigned long long)c, sh.flags);
	if (!c)
		h = 0;	/* the mapper's stream header was not kept: this one is */
	memmove(buf + c, buf + c + h, got - h);
	ret = prove(_metadata, buf, c + got - h, "read() after a killed mapper");
	printf("# faults: reader_killed_in_mmap=1\n");
	ASSERT_EQ(0, ret);
}

TEST_HARNESS_MAIN
