// SPDX-License-Identifier: GPL-2.0
/*
 * mmap_test: the zero-syscall reader of /dev/rtrace - layout, the stream
 * through the mapped data area (with wrap-around), the untrusted consumer
 * word, and every refused protection, resize and reconfiguration.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "rtrace_test_harness.h"
#include "rtrace_test_util.h"

#define DATA	(16 << 10)	/* 4 sub-buffers of 4 KiB */

FIXTURE(mm) {
	int fd;
	long pg;
	size_t len;		/* of the read-only mapping */
	struct rtrace_mmap_ctrl *ctrl;
	struct rtrace_mmap_meta *meta;
	const uint8_t *data;
};

FIXTURE_SETUP(mm)
{
	ASSERT_EQ(0, rt_modprobe("rtrace_test_gen"));
	self->pg = getpagesize();
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", DEV_PATH, strerror(errno));
	ASSERT_EQ(0, rt_setup(self->fd, 4096, 8, 0));
	self->len = self->pg + 2 * DATA;
	self->ctrl = mmap(NULL, self->pg, PROT_READ | PROT_WRITE, MAP_SHARED,
			  self->fd, RTRACE_MMAP_PGOFF_CTRL * self->pg);
	ASSERT_NE(MAP_FAILED, self->ctrl) TH_LOG("ctrl: %s", strerror(errno));
	self->meta = mmap(NULL, self->len, PROT_READ, MAP_SHARED, self->fd,
			  RTRACE_MMAP_PGOFF_META * self->pg);
	ASSERT_NE(MAP_FAILED, self->meta) TH_LOG("meta: %s", strerror(errno));
	self->data = (const uint8_t *)self->meta + self->meta->data_offset;
}

FIXTURE_TEARDOWN(mm)
{
	if (self->meta != MAP_FAILED)
		munmap(self->meta, self->len);
	if (self->ctrl != MAP_FAILED)
		munmap(self->ctrl, self->pg);
	rt_reset(self->fd);
	close(self->fd);
}

#define EXPECT_MMAP_ERRNO(err, call) do {				\
	void *__p;							\
	errno = 0;							\
	__p = (call);							\
	EXPECT_EQ(MAP_FAILED, __p);					\
	if (__p != MAP_FAILED)						\
		munmap(__p, 4096);					\
	EXPECT_EQ(err, errno) TH_LOG("errno %d (%s)", errno, strerror(errno)); \
} while (0)

/* Append what the kernel produced to @out; return the new length. */
static size_t take(struct rtrace_mmap_meta *meta, struct rtrace_mmap_ctrl *ctrl,
		   const uint8_t *data, uint8_t *out, size_t len, size_t cap)
{
	uint64_t p = __atomic_load_n(&meta->produced, __ATOMIC_ACQUIRE);
	uint64_t c = ctrl->consumed;
	uint64_t d = meta->data_size;

	if (p - c > d || len + (p - c) > cap)
		return (size_t)-1;
	/* The area is mapped twice: no split copy at the wrap. */
	memcpy(out + len, data + (c & (d - 1)), p - c);
	__atomic_store_n(&ctrl->consumed, p, __ATOMIC_RELEASE);
	return len + (p - c);
}

TEST_F(mm, layout)
{
	EXPECT_EQ(RTRACE_MMAP_MAGIC, self->meta->magic);
	EXPECT_EQ(sizeof(struct rtrace_mmap_meta), self->meta->meta_size);
	EXPECT_EQ(self->pg, self->meta->data_offset);
	EXPECT_EQ(DATA, self->meta->data_size);
	EXPECT_EQ(0, self->meta->flags);
	EXPECT_EQ(0, self->ctrl->consumed);
}

TEST_F(mm, stream_through_the_map_wraps_and_decodes)
{
	static uint8_t out[4 << 20];
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	struct rtrace_stream_hdr h;
	struct rt_walk w;
	size_t len = 0;
	int i;

	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	for (i = 0; i < 30; i++) {
		ASSERT_EQ(0, rt_gen_write("emit", 200));
		ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_FLUSH));
		/* poll() refills the area and reports it readable. */
		ASSERT_EQ(1, poll(&pfd, 1, -1));
		ASSERT_TRUE(pfd.revents & POLLIN);
		len = take(self->meta, self->ctrl, self->data, out, len, sizeof(out));
		ASSERT_NE((size_t)-1, len);
	}
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	while (!(__atomic_load_n(&self->meta->flags, __ATOMIC_ACQUIRE) &
		 RTRACE_MMAP_EOF)) {
		ASSERT_EQ(1, poll(&pfd, 1, -1));
		len = take(self->meta, self->ctrl, self->data, out, len, sizeof(out));
		ASSERT_NE((size_t)-1, len);
		if (pfd.revents & POLLHUP)
			break;
	}
	len = take(self->meta, self->ctrl, self->data, out, len, sizeof(out));
	EXPECT_LT(4 * DATA, len);	/* the area wrapped several times */
	ASSERT_EQ(0, rt_walk(&w, out, len)) TH_LOG("walk: %s", w.error);
	memcpy(&h, out, sizeof(h));
	EXPECT_EQ(self->meta->session_id, h.session_id);
	EXPECT_EQ(6000, w.nr_test);
	EXPECT_EQ(0, w.nr_bad_test);
	EXPECT_EQ(0, w.seq_gaps);
}

TEST_F(mm, consumer_word_is_untrusted)
{
	static uint8_t out[1 << 20];
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	struct rt_walk w;
	size_t len = 0;

	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	ASSERT_EQ(1, poll(&pfd, 1, -1));	/* the header */
	/* Lies: beyond produced, then backwards.  Both are ignored. */
	self->ctrl->consumed = ~0ULL;
	ASSERT_EQ(0, rt_gen_write("emit", 100));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_FLUSH));
	ASSERT_EQ(1, poll(&pfd, 1, -1));
	self->ctrl->consumed = 0;
	len = take(self->meta, self->ctrl, self->data, out, len, sizeof(out));
	ASSERT_NE((size_t)-1, len);
	ASSERT_EQ(0, rt_walk(&w, out, len)) TH_LOG("walk: %s", w.error);
	EXPECT_EQ(100, w.nr_test);
}

static sigjmp_buf segv_jmp;

static void on_segv(int sig)
{
	siglongjmp(segv_jmp, 1);
}

TEST_F(mm, data_is_read_only)
{
	struct sigaction sa = { .sa_handler = on_segv };
	volatile int faulted = 0;

	/* Write access refused at mmap and by mprotect. */
	EXPECT_MMAP_ERRNO(EPERM, mmap(NULL, self->len, PROT_READ | PROT_WRITE,
				      MAP_SHARED, self->fd, self->pg));
	EXPECT_MMAP_ERRNO(EPERM, mmap(NULL, self->len, PROT_READ | PROT_EXEC,
				      MAP_SHARED, self->fd, self->pg));
	EXPECT_ERRNO(EACCES, mprotect(self->meta, self->len, PROT_READ | PROT_WRITE));
	EXPECT_ERRNO(EACCES, mprotect(self->meta, self->pg, PROT_READ | PROT_WRITE));
	EXPECT_ERRNO(EACCES, mprotect(self->meta, self->len, PROT_READ | PROT_EXEC));

	/* A store faults. */
	ASSERT_EQ(0, sigaction(SIGSEGV, &sa, NULL));
	if (!sigsetjmp(segv_jmp, 1))
		*(volatile uint8_t *)(self->data + 100) = 1;
	else
		faulted = 1;
	signal(SIGSEGV, SIG_DFL);
	EXPECT_TRUE(faulted);
}

/*
 * Neither area can be made executable, and the read-only one cannot be
 * written by any route: a round trip through PROT_NONE, pkey_mprotect(),
 * madvise(MADV_POPULATE_WRITE), /proc/self/mem (FOLL_FORCE) and
 * process_vm_writev() all fail and leave the bytes as they were.
 */
TEST_F(mm, never_writable_or_executable)
{
	struct iovec local, remote;
	uint8_t b = 0x5a, before;
	int memfd;

	/* The control page: read/write, never executable. */
	EXPECT_MMAP_ERRNO(EPERM, mmap(NULL, self->pg, PROT_READ | PROT_WRITE | PROT_EXEC,
				      MAP_SHARED, self->fd, 0));
	EXPECT_ERRNO(EACCES, mprotect(self->ctrl, self->pg, PROT_READ | PROT_EXEC));
	EXPECT_ERRNO(EACCES, mprotect(self->ctrl, self->pg,
				      PROT_READ | PROT_WRITE | PROT_EXEC));

	/* The read-only area, after a trip through PROT_NONE. */
	ASSERT_EQ(0, mprotect(self->meta, self->len, PROT_NONE));
	EXPECT_ERRNO(EACCES, mprotect(self->meta, self->len, PROT_WRITE));
	EXPECT_ERRNO(EACCES, mprotect(self->meta, self->len, PROT_EXEC));
	ASSERT_EQ(0, mprotect(self->meta, self->len, PROT_READ));
	/* pkey -1 is mprotect(); ENOSYS on a kernel without protection keys */
	errno = 0;
	EXPECT_EQ(-1, syscall(SYS_pkey_mprotect, self->meta, self->len,
			      PROT_READ | PROT_WRITE, -1));
	EXPECT_TRUE(errno == EACCES || errno == ENOSYS) TH_LOG("errno %d", errno);
	EXPECT_EQ(-1, madvise(self->meta, self->len, 23 /* MADV_POPULATE_WRITE */));

	before = self->data[0];
	memfd = open("/proc/self/mem", O_RDWR);
	ASSERT_LE(0, memfd);
	EXPECT_EQ(-1, pwrite(memfd, &b, 1, (off_t)(uintptr_t)self->data));
	EXPECT_EQ(-1, pwrite(memfd, &b, 1, (off_t)(uintptr_t)self->meta));
	close(memfd);
	local.iov_base = &b;
	local.iov_len = 1;
	remote.iov_base = (void *)self->data;
	remote.iov_len = 1;
	errno = 0;
	EXPECT_EQ(-1, process_vm_writev(getpid(), &local, 1, &remote, 1, 0));
	EXPECT_TRUE(errno == EFAULT || errno == ENOSYS) TH_LOG("errno %d", errno);
	EXPECT_EQ(before, self->data[0]);
	EXPECT_EQ(RTRACE_MMAP_MAGIC, self->meta->magic);
}

TEST_F(mm, bad_mappings)
{
	void *p;

	EXPECT_MMAP_ERRNO(EINVAL, mmap(NULL, self->len, PROT_READ, MAP_PRIVATE,
				       self->fd, self->pg));
	EXPECT_MMAP_ERRNO(EINVAL, mmap(NULL, self->pg, PROT_READ, MAP_SHARED,
				       self->fd, 2 * self->pg));
	/* Already mapped: one of each at a time. */
	EXPECT_MMAP_ERRNO(EBUSY, mmap(NULL, self->pg, PROT_READ | PROT_WRITE,
				      MAP_SHARED, self->fd, 0));
	EXPECT_MMAP_ERRNO(EBUSY, mmap(NULL, self->len, PROT_READ, MAP_SHARED,
				      self->fd, self->pg));

	/* Shrinking, moving, growing and splitting are refused. */
	p = mremap(self->meta, self->len, self->len - self->pg, 0);
	EXPECT_EQ(MAP_FAILED, p);
	p = mremap(self->meta, self->len, self->len + self->pg, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_ERRNO(EINVAL, munmap((char *)self->meta + self->pg, self->pg));
	EXPECT_EQ(RTRACE_MMAP_MAGIC, self->meta->magic);

	/* Wrong lengths, once the data area is unmapped. */
	ASSERT_EQ(0, munmap(self->meta, self->len));
	self->meta = MAP_FAILED;
	EXPECT_MMAP_ERRNO(EINVAL, mmap(NULL, self->pg, PROT_READ, MAP_SHARED,
				       self->fd, self->pg));
	EXPECT_MMAP_ERRNO(EINVAL, mmap(NULL, self->pg + 2 * 3 * 4096, PROT_READ,
				       MAP_SHARED, self->fd, self->pg));
	EXPECT_MMAP_ERRNO(EINVAL, mmap(NULL, self->pg + 2 * 4096, PROT_READ,
				       MAP_SHARED, self->fd, self->pg)); /* < 2 sub-buffers */
	EXPECT_MMAP_ERRNO(EINVAL, mmap(NULL, self->pg + 2 * 2 * DATA, PROT_READ,
				       MAP_SHARED, self->fd, self->pg)); /* not the first size */
	/* The same size maps again. */
	self->meta = mmap(NULL, self->len, PROT_READ, MAP_SHARED, self->fd, self->pg);
	EXPECT_NE(MAP_FAILED, self->meta);
}

TEST_F(mm, buffers_pinned_while_mapped)
{
	struct rtrace_config cfg;
	char buf[65536];
	int fd2;

	rt_config_init(&cfg, 4096, 4 * 4096);
	EXPECT_ERRNO(EBUSY, ioctl(self->fd, RTRACE_IOC_RESET, 0));
	EXPECT_ERRNO(EBUSY, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &cfg));
	/* The mapping file is the consumer, and it reads through the map. */
	EXPECT_ERRNO(EBUSY, read(self->fd, buf, sizeof(buf)));
	fd2 = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, fd2);
	EXPECT_ERRNO(EBUSY, read(fd2, buf, sizeof(buf)));
	EXPECT_MMAP_ERRNO(EBUSY, mmap(NULL, self->pg, PROT_READ, MAP_SHARED, fd2, 0));
	EXPECT_ERRNO(EBUSY, ioctl(fd2, RTRACE_IOC_RESET, 0));
	/* Control still works. */
	EXPECT_EQ(0, ioctl(fd2, RTRACE_IOC_START));
	EXPECT_EQ(0, ioctl(fd2, RTRACE_IOC_STOP));
	close(fd2);

	/* A mapping outlives its file, and still pins the buffers. */
	close(self->fd);
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	EXPECT_ERRNO(EBUSY, ioctl(self->fd, RTRACE_IOC_RESET, 0));
	EXPECT_EQ(RTRACE_MMAP_MAGIC, self->meta->magic);

	munmap(self->meta, self->len);
	self->meta = MAP_FAILED;
	EXPECT_ERRNO(EBUSY, ioctl(self->fd, RTRACE_IOC_RESET, 0));
	munmap(self->ctrl, self->pg);
	self->ctrl = MAP_FAILED;
	EXPECT_EQ(0, ioctl(self->fd, RTRACE_IOC_RESET, 0));
	/* Nothing to map without a session. */
	EXPECT_MMAP_ERRNO(ENODATA, mmap(NULL, self->pg, PROT_READ | PROT_WRITE,
					MAP_SHARED, self->fd, 0));
	EXPECT_EQ(0, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &cfg));
}

/* Not inherited: a forked child has no mapping. */
TEST_F(mm, not_inherited_by_fork)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		/* VM_DONTCOPY: the range is unmapped in the child. */
		_exit(msync(self->meta, self->pg, MS_ASYNC) == -1 &&
		      errno == ENOMEM ? 0 : 1);
	}
	ASSERT_LT(0, pid);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_HARNESS_MAIN
