// SPDX-License-Identifier: GPL-2.0
/*
 * read_test: read() and poll() on /dev/rtrace - the header first, whole
 * units only, NULL/short/huge buffers, O_NONBLOCK, blocking and wake-ups,
 * signals, EOF, one consumer at a time.  Nothing may be lost on an error.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/time.h>

#include "rtrace_test_harness.h"
#include "rtrace_test_util.h"

#define BIG	(1 << 20)

static void *volatile null_buf;	/* NULL the compiler cannot see */

FIXTURE(rd) {
	int fd;
	uint8_t *buf;
	struct rtrace_info info;
};

FIXTURE_SETUP(rd)
{
	ASSERT_EQ(0, rt_modprobe("rtrace_test_gen"));
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", DEV_PATH, strerror(errno));
	ASSERT_EQ(0, rt_setup(self->fd, 4096, 8, 0));
	ASSERT_EQ(0, rt_info(self->fd, &self->info));
	self->buf = malloc(BIG);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(rd)
{
	rt_reset(self->fd);
	close(self->fd);
	free(self->buf);
}

static void set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

TEST_F(rd, header_first_then_eagain)
{
	struct rtrace_stream_hdr h;
	ssize_t n;

	set_nonblock(self->fd, 1);
	n = read(self->fd, self->buf, BIG);
	ASSERT_EQ((ssize_t)self->info.hdr_size, n);
	memcpy(&h, self->buf, sizeof(h));
	EXPECT_EQ(RTRACE_STREAM_MAGIC, h.magic);
	EXPECT_EQ(self->info.session_id, h.session_id);
	EXPECT_EQ(4096, h.subbuf_size);
	EXPECT_EQ(getpagesize(), h.page_size);
	EXPECT_EQ(RTRACE_ABI_VERSION_MAJOR, h.version_major);
	EXPECT_EQ(sizeof(h), h.size);
	EXPECT_LE(2, h.nr_event_descs);		/* the builtins test, test_raw */
	/* Nothing else yet: EAGAIN, CONFIGURED or RUNNING alike. */
	EXPECT_ERRNO(EAGAIN, read(self->fd, self->buf, BIG));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	EXPECT_ERRNO(EAGAIN, read(self->fd, self->buf, BIG));
	/* A zero-length read is a no-op. */
	EXPECT_EQ(0, read(self->fd, self->buf, 0));
}

TEST_F(rd, short_and_bad_buffers_lose_nothing)
{
	struct rt_walk w;
	ssize_t n, len = 0;
	void *ro;

	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	/* Header: too short, NULL, read-only: each fails, none consumes it. */
	EXPECT_ERRNO(EINVAL, read(self->fd, self->buf, 16));
	EXPECT_ERRNO(EINVAL, read(self->fd, self->buf, self->info.hdr_size - 1));
	EXPECT_ERRNO(EFAULT, read(self->fd, null_buf, BIG));
	ro = mmap(NULL, 65536, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_ERRNO(EFAULT, read(self->fd, ro, 65536));
	n = read(self->fd, self->buf, self->info.hdr_size);
	ASSERT_EQ((ssize_t)self->info.hdr_size, n);
	len = n;

	/* One published sub-buffer. */
	ASSERT_EQ(0, rt_gen_write("emit", 50));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_FLUSH));
	EXPECT_ERRNO(EINVAL, read(self->fd, self->buf + len, 16));
	EXPECT_ERRNO(EINVAL, read(self->fd, self->buf + len,
				 sizeof(struct rtrace_subbuf_hdr)));
	EXPECT_ERRNO(EFAULT, read(self->fd, null_buf, BIG));
	EXPECT_ERRNO(EFAULT, read(self->fd, ro, 65536));
	/* Half valid, half not: EFAULT as the copy fails, nothing consumed. */
	EXPECT_ERRNO(EFAULT, read(self->fd, (char *)ro - 100, 65536));
	munmap(ro, 65536);
	n = read(self->fd, self->buf + len, BIG - len);
	ASSERT_LT(0, n);
	len += n;
	ASSERT_EQ(0, rt_walk(&w, self->buf, len)) TH_LOG("walk: %s", w.error);
	EXPECT_EQ(50, w.nr_test);
	/*
	 * Usually one sub-buffer; two when the emitting task migrated
	 * (PREEMPT_RT) or the reader work flushed mid-way.  The point is
	 * that the failed reads consumed none of them.
	 */
	EXPECT_LE(1, w.nr_subbufs);
	EXPECT_GE(2 * self->info.nr_cpus, w.nr_subbufs);
}

TEST_F(rd, subbuf_boundaries)
{
	struct rtrace_subbuf_hdr sb;
	struct rt_walk w;
	ssize_t n, len;

	ASSERT_EQ(0, rt_setup(self->fd, 4096, 64, 0));	/* room for all */
	ASSERT_EQ(0, rt_info(self->fd, &self->info));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	len = read(self->fd, self->buf, self->info.hdr_size);
	ASSERT_EQ((ssize_t)self->info.hdr_size, len);
	ASSERT_EQ(0, rt_gen_write("emit", 2000));	/* several sub-buffers */
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	/*
	 * read_min always makes progress and returns whole sub-buffers: one,
	 * or several when read_min is the stream header's size and that is
	 * larger than a sub-buffer (a long event table).
	 */
	for (;;) {
		ssize_t off;

		n = read(self->fd, self->buf + len, self->info.read_min);
		ASSERT_LE(0, n);
		if (!n)
			break;
		for (off = 0; off < n; off += sizeof(sb) + sb.commit) {
			ASSERT_LE(off + (ssize_t)sizeof(sb), n);
			memcpy(&sb, self->buf + len + off, sizeof(sb));
			EXPECT_EQ(RTRACE_SUBBUF_MAGIC, sb.magic);
			ASSERT_LE(off + (ssize_t)(sizeof(sb) + sb.commit), n) TH_LOG("a part of a sub-buffer");
		}
		EXPECT_EQ(off, n);
		if (self->info.read_min <= self->info.subbuf_size)
			EXPECT_EQ(n, (ssize_t)(sizeof(sb) + sb.commit));	/* exactly one */
		len += n;
		ASSERT_GT(BIG, len + (ssize_t)self->info.read_min);
	}
	ASSERT_EQ(0, rt_walk(&w, self->buf, len)) TH_LOG("walk: %s", w.error);
	EXPECT_EQ(2000, w.nr_test);
	EXPECT_LT(1, w.nr_subbufs);
	/* EOF stays EOF. */
	EXPECT_EQ(0, read(self->fd, self->buf, BIG));
}

TEST_F(rd, huge_buffer)
{
	size_t huge = 256UL << 20;
	struct rt_walk w;
	uint8_t *p;
	ssize_t n;

	/* Address space, not memory: the kernel writes only what it has. */
	p = mmap(NULL, huge, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, rt_setup(self->fd, 4096, 64, 0));	/* room for all */
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	ASSERT_EQ(0, rt_gen_write("emit", 3000));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	n = read(self->fd, p, huge);
	ASSERT_LT(0, n);
	ASSERT_EQ(0, rt_walk(&w, p, n)) TH_LOG("walk: %s", w.error);
	EXPECT_EQ(3000, w.nr_test);
	EXPECT_EQ(0, read(self->fd, p, huge));
	munmap(p, huge);
}

TEST_F(rd, second_consumer_busy)
{
	int fd2;

	ASSERT_LT(0, read(self->fd, self->buf, BIG));
	fd2 = open(DEV_PATH, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, fd2);
	EXPECT_ERRNO(EBUSY, read(fd2, self->buf, BIG));
	{
		struct pollfd pfd = { .fd = fd2, .events = POLLIN };

		EXPECT_EQ(1, poll(&pfd, 1, 0));
		EXPECT_TRUE(pfd.revents & POLLERR);
	}
	close(self->fd);
	/* The consumer went away: the next file may read. */
	EXPECT_LT(0, read(fd2, self->buf, BIG));
	self->fd = fd2;
}

TEST_F(rd, eof_when_stopped_or_empty)
{
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };

	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_TRUE(pfd.revents & POLLIN);	/* the header */
	EXPECT_EQ((ssize_t)self->info.hdr_size, read(self->fd, self->buf, BIG));
	EXPECT_EQ(0, read(self->fd, self->buf, BIG));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_TRUE(pfd.revents & POLLHUP);
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_RESET, 0));
	EXPECT_EQ(0, read(self->fd, self->buf, BIG));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_TRUE(pfd.revents & POLLHUP);
}

TEST_F(rd, poll_and_epoll)
{
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	struct epoll_event ev = { .events = EPOLLIN }, out;
	int ep;

	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	ASSERT_EQ((ssize_t)self->info.hdr_size, read(self->fd, self->buf, BIG));
	/* Nothing: poll times out. */
	EXPECT_EQ(0, poll(&pfd, 1, 100));
	ep = epoll_create1(0);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 100));

	/* Data published: both report it, without a timeout to rely on. */
	ASSERT_EQ(0, rt_gen_write("emit", 10));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_FLUSH));
	EXPECT_EQ(1, poll(&pfd, 1, -1));
	EXPECT_TRUE(pfd.revents & POLLIN);
	EXPECT_EQ(1, epoll_wait(ep, &out, 1, -1));
	EXPECT_TRUE(out.events & EPOLLIN);
	EXPECT_LT(0, read(self->fd, self->buf, BIG));

	/* Published by the writer itself (full sub-buffers): the reader-side
	 * work item wakes the waiter. */
	ASSERT_EQ(0, rt_gen_write("emit", 3000));
	EXPECT_EQ(1, epoll_wait(ep, &out, 1, -1));
	EXPECT_LT(0, read(self->fd, self->buf, BIG));

	/* Stop: HUP once drained. */
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	while (read(self->fd, self->buf, BIG) > 0)
		;
	EXPECT_EQ(1, epoll_wait(ep, &out, 1, -1));
	EXPECT_TRUE(out.events & EPOLLHUP);
	close(ep);
}

struct reader_arg {
	int fd;
	uint8_t *buf;
	ssize_t ret;
	int err;
};

static void *blocking_reader(void *p)
{
	struct reader_arg *a = p;

	a->ret = read(a->fd, a->buf, BIG);
	a->err = errno;
	return NULL;
}

static void *woken_reader(int fd, uint8_t *buf, pthread_t *t)
{
	static struct reader_arg a;

	a.fd = fd;
	a.buf = buf;
	a.ret = -2;
	pthread_create(t, NULL, blocking_reader, &a);
	usleep(200000);		/* let it block (not an assertion) */
	return &a;
}

TEST_F(rd, blocked_reader_woken_by_data)
{
	struct reader_arg *a;
	pthread_t t;

	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	ASSERT_EQ((ssize_t)self->info.hdr_size, read(self->fd, self->buf, BIG));
	a = woken_reader(self->fd, self->buf, &t);
	ASSERT_EQ(0, rt_gen_write("emit", 10));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_FLUSH));
	pthread_join(t, NULL);
	EXPECT_LT(0, a->ret);
}

TEST_F(rd, blocked_reader_woken_by_stop)
{
	struct reader_arg *a;
	pthread_t t;

	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	ASSERT_EQ((ssize_t)self->info.hdr_size, read(self->fd, self->buf, BIG));
	a = woken_reader(self->fd, self->buf, &t);
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	pthread_join(t, NULL);
	EXPECT_EQ(0, a->ret);
}

TEST_F(rd, blocked_reader_woken_by_reset)
{
	struct reader_arg *a;
	pthread_t t;

	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	ASSERT_EQ((ssize_t)self->info.hdr_size, read(self->fd, self->buf, BIG));
	a = woken_reader(self->fd, self->buf, &t);
	/* A running session counts as unread data: RESET must say to drop it. */
	EXPECT_ERRNO(EBUSY, ioctl(self->fd, RTRACE_IOC_RESET, 0));
	ASSERT_EQ(0, rt_reset(self->fd));
	pthread_join(t, NULL);
	EXPECT_EQ(0, a->ret);
}

/* A new session wakes the reader, which gets the new stream header. */
TEST_F(rd, blocked_reader_woken_by_configure)
{
	struct rtrace_stream_hdr h;
	struct rtrace_config cfg;
	struct reader_arg *a;
	pthread_t t;

	/* CONFIGURED, header read: the next read blocks. */
	ASSERT_EQ((ssize_t)self->info.hdr_size, read(self->fd, self->buf, BIG));
	a = woken_reader(self->fd, self->buf, &t);
	rt_config_init(&cfg, 8192, 4 * 8192);
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &cfg));
	pthread_join(t, NULL);
	ASSERT_EQ(0, rt_info(self->fd, &self->info));
	ASSERT_EQ((ssize_t)self->info.hdr_size, a->ret);
	memcpy(&h, self->buf, sizeof(h));
	EXPECT_EQ(RTRACE_STREAM_MAGIC, h.magic);
	EXPECT_EQ(self->info.session_id, h.session_id);
	EXPECT_EQ(8192, h.subbuf_size);
}

static void on_alarm(int sig)
{
	(void)sig;
}

TEST_F(rd, signal_interrupts_and_loses_nothing)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct itimerval it = { .it_value = { .tv_usec = 200000 } };
	struct rt_walk w;
	ssize_t n, len;

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	len = read(self->fd, self->buf, BIG);
	ASSERT_EQ((ssize_t)self->info.hdr_size, len);
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_ERRNO(EINTR, read(self->fd, self->buf + len, BIG - len));

	ASSERT_EQ(0, rt_gen_write("emit", 100));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	while ((n = read(self->fd, self->buf + len, BIG - len)) > 0)
		len += n;
	ASSERT_EQ(0, n);
	ASSERT_EQ(0, rt_walk(&w, self->buf, len)) TH_LOG("walk: %s", w.error);
	EXPECT_EQ(100, w.nr_test);
}

/*
 * A reader killed while blocked leaves the device usable, and the next
 * consumer gets its own stream header and every event.
 */
TEST_F(rd, killed_reader_loses_nothing)
{
	struct rt_walk w;
	ssize_t n, len = 0;
	int status;
	pid_t pid;

	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	close(self->fd);
	pid = fork();
	if (pid == 0) {
		int fd = open(DEV_PATH, O_RDONLY);
		char b[65536];

		/* header, then block forever */
		while (read(fd, b, sizeof(b)) > 0)
			;
		_exit(1);
	}
	ASSERT_LT(0, pid);
	usleep(300000);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));

	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, rt_gen_write("emit", 100));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	while ((n = read(self->fd, self->buf + len, BIG - len)) > 0)
		len += n;
	ASSERT_EQ(0, rt_walk(&w, self->buf, len)) TH_LOG("walk: %s", w.error);
	EXPECT_EQ(100, w.nr_test);
}

TEST_HARNESS_MAIN
