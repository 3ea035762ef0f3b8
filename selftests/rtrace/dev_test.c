// SPDX-License-Identifier: GPL-2.0
/*
 * dev_test: /dev/rtrace end to end - the node, the session's lifetime, and
 * a stream captured with plain `cat /dev/rtrace > f` that decodes, with
 * read + lost == written checked against RTRACE_IOC_STATS.
 *
 * Needs rtrace.ko loaded and /rtrace/modules/rtrace_test_gen.ko.
 */
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "rtrace_test_harness.h"
#include "rtrace_test_util.h"

#define CAPTURE		"/tmp/dev_test.capture"

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	ASSERT_EQ(0, rt_modprobe("rtrace_test_gen"));
	self->fd = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", DEV_PATH, strerror(errno));
	ASSERT_EQ(0, rt_reset(self->fd));
}

FIXTURE_TEARDOWN(dev)
{
	rt_reset(self->fd);
	close(self->fd);
}

TEST(node_is_root_only_char_device)
{
	struct stat st;

	ASSERT_EQ(0, stat(DEV_PATH, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_gid);
}

TEST_F(dev, version)
{
	__u32 v = 0;

	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_GET_VERSION, &v));
	EXPECT_EQ(RTRACE_ABI_VERSION, v);
}

/* The session belongs to the device: it outlives the file that made it. */
TEST_F(dev, session_outlives_fd)
{
	struct rtrace_info info;
	int fd2;

	fd2 = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, rt_setup(fd2, 4096, 4, 0));
	ASSERT_EQ(0, ioctl(fd2, RTRACE_IOC_START));
	close(fd2);

	ASSERT_EQ(0, rt_info(self->fd, &info));
	EXPECT_EQ(RTRACE_STATE_RUNNING, info.state);
	EXPECT_EQ(4096, info.subbuf_size);
	EXPECT_EQ(4 * 4096, info.lane_bytes);
	EXPECT_NE(0, info.session_id);
	EXPECT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	ASSERT_EQ(0, rt_info(self->fd, &info));
	EXPECT_EQ(RTRACE_STATE_STOPPED, info.state);
}

static pid_t spawn_cat(const char *out)
{
	pid_t pid = fork();

	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "exec cat /dev/rtrace > \"$0\"", out,
		      (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Wait until the reader is the consumer (it opened and read). */
static int wait_consumer(int fd)
{
	struct rtrace_info info;
	int i;

	for (i = 0; i < 1000; i++) {
		if (rt_info(fd, &info))
			return -1;
		if (info.has_consumer)
			return 0;
		usleep(10000);
	}
	return -1;
}

/* Offset of the end of the @n-th sub-buffer after the stream header. */
static size_t cut_after(const uint8_t *buf, size_t len, size_t off, int n)
{
	struct rtrace_subbuf_hdr sb;

	while (n-- > 0 && off + sizeof(sb) <= len) {
		memcpy(&sb, buf + off, sizeof(sb));
		off += sizeof(sb) + sb.commit;
	}
	return off;
}

/*
 * rtrace start; cat /dev/rtrace > f; (events); rtrace stop: cat ends by
 * itself at EOF and f decodes, with every event accounted for.
 */
TEST_F(dev, cat_capture_decodes)
{
	long long ok0, failed0, ok1, failed1;
	struct rt_totals tot;
	struct rt_walk w;
	uint8_t *buf;
	size_t len, cut;
	int status;
	pid_t pid;

	ASSERT_EQ(0, rt_setup(self->fd, 4096, 32, 0));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	pid = spawn_cat(CAPTURE);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, wait_consumer(self->fd));

	ok0 = rt_gen_read("ok");
	failed0 = rt_gen_read("failed");
	ASSERT_EQ(0, rt_gen_write("emit", 20000));
	ASSERT_EQ(0, rt_gen_write("emit_raw", 3000));
	ASSERT_EQ(0, rt_gen_write("emit_irq", 500));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	ok1 = rt_gen_read("ok");
	failed1 = rt_gen_read("failed");

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	buf = rt_slurp(CAPTURE, &len);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, rt_walk(&w, buf, len)) TH_LOG("walk: %s", w.error);
	ASSERT_EQ(0, rt_stats(self->fd, &tot));

	TH_LOG("captured %zu bytes: %llu sub-buffers, %llu records, %llu lost",
	       len, (unsigned long long)w.nr_subbufs,
	       (unsigned long long)w.nr_records, (unsigned long long)w.lost_all);
	EXPECT_TRUE(w.has_desc[0] && w.has_desc[1]);
	EXPECT_EQ(0, w.first_seq_gaps);
	EXPECT_EQ(0, w.nr_broken);
	EXPECT_EQ(0, w.nr_bad_test);
	EXPECT_EQ(0, w.seq_gaps);
	/* Everything the ring recorded came out, once. */
	EXPECT_EQ(tot.written, w.nr_records);
	EXPECT_EQ(tot.subbufs_written, w.nr_subbufs);
	EXPECT_EQ(tot.subbufs_read, w.nr_subbufs);
	/* Every emit is either in the stream or counted lost. */
	EXPECT_EQ((unsigned long long)(ok1 - ok0),
		  (unsigned long long)(w.nr_test + w.nr_test_raw));
	EXPECT_EQ((unsigned long long)(failed1 - failed0), tot.lost_all);
	EXPECT_EQ(20000 + 3000 + 500 * sysconf(_SC_NPROCESSORS_ONLN),
		  w.nr_test + w.nr_test_raw + tot.lost_all);
	/* Losses are reported in band too. */
	EXPECT_EQ(tot.lost_all, w.lost_all);

	/* Cut after the header and three sub-buffers: still a valid stream. */
	cut = cut_after(buf, len, w.hdr.hdr_size, 3);
	ASSERT_EQ(0, rt_walk(&w, buf, cut)) TH_LOG("cut walk: %s", w.error);
	EXPECT_EQ(3, w.nr_subbufs);
	/* A cut inside a unit is detected, not misread. */
	EXPECT_EQ(-1, rt_walk(&w, buf, cut - 1));
	free(buf);

	/* The userspace library agrees, when it is installed. */
	if (access("/rtrace/bin/rtrace", X_OK) == 0)
		EXPECT_EQ(0, system("/rtrace/bin/rtrace check " CAPTURE));
	unlink(CAPTURE);
}

/* A small discard-mode ring nobody reads: losses, counted exactly. */
TEST_F(dev, discard_mode_counts_losses)
{
	long long failed0, ok0;
	struct rt_totals tot;
	struct rt_walk w;
	static uint8_t buf[4 << 20];
	ssize_t len;

	ASSERT_EQ(0, rt_setup(self->fd, 4096, 2, 0));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	ok0 = rt_gen_read("ok");
	failed0 = rt_gen_read("failed");
	ASSERT_EQ(0, rt_gen_write("emit", 5000));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	ASSERT_EQ(0, rt_stats(self->fd, &tot));
	TH_LOG("written %llu lost full %llu recursion %llu too_large %llu off %llu overwritten %llu",
	       (unsigned long long)tot.written,
	       (unsigned long long)tot.lost[0], (unsigned long long)tot.lost[1],
	       (unsigned long long)tot.lost[2], (unsigned long long)tot.lost[3],
	       (unsigned long long)tot.lost[4]);
	EXPECT_LT(0, tot.lost[RTRACE_LOST_FULL]);
	EXPECT_EQ((unsigned long long)(rt_gen_read("failed") - failed0),
		  tot.lost_all);

	len = rt_drain(self->fd, buf, sizeof(buf), 65536);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, rt_walk(&w, buf, len)) TH_LOG("walk: %s", w.error);
	EXPECT_EQ((unsigned long long)(rt_gen_read("ok") - ok0), w.nr_test);
	EXPECT_EQ(5000, w.nr_test + tot.lost_all);
	/* After the drain the final flush reported the losses in band. */
	EXPECT_EQ(tot.lost_all, w.lost_all);
}

/* Flight recorder: freeze and read the newest events. */
TEST_F(dev, overwrite_snapshot_keeps_newest)
{
	static uint8_t buf[4 << 20];
	struct rt_totals tot;
	struct rt_walk w;
	long long last;
	ssize_t len;

	ASSERT_EQ(0, rt_setup(self->fd, 4096, 4, RTRACE_CONFIG_OVERWRITE));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	ASSERT_EQ(0, rt_gen_write("emit", 20000));
	last = rt_gen_read("seq") - 1;
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_SNAPSHOT));
	ASSERT_EQ(0, rt_stats(self->fd, &tot));
	EXPECT_LT(0, tot.lost[RTRACE_LOST_OVERWRITTEN]);

	len = rt_drain(self->fd, buf, sizeof(buf), 65536);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, rt_walk(&w, buf, len)) TH_LOG("walk: %s", w.error);
	EXPECT_LT(0, w.nr_test);
	EXPECT_GT(20000, w.nr_test);
	EXPECT_EQ(0, w.nr_bad_test);
	/* The newest event is in the snapshot. */
	EXPECT_EQ((unsigned long long)last, w.max_test_seq);
}

/*
 * Overwrite mode with a live reader racing the writers on every CPU: no
 * torn sub-buffer, and the ring's two accounting identities hold:
 *   records read + in-band OVERWRITTEN == STATS.written
 *   STATS.written + in-band other losses == events emitted
 */
TEST_F(dev, overwrite_live_reader_accounting)
{
	long long ok0, failed0, emitted;
	struct rt_totals tot;
	struct rt_walk w;
	uint8_t *buf;
	size_t len;
	int status, i;
	pid_t pid;

	ASSERT_EQ(0, rt_setup(self->fd, 4096, 4, RTRACE_CONFIG_OVERWRITE));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	pid = spawn_cat(CAPTURE);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, wait_consumer(self->fd));
	ok0 = rt_gen_read("ok");
	failed0 = rt_gen_read("failed");
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, rt_gen_write("emit", 2000));
		ASSERT_EQ(0, rt_gen_write("emit_irq", 200));
		ASSERT_EQ(0, rt_gen_write("emit_raw", 300));
	}
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	emitted = rt_gen_read("ok") - ok0 + rt_gen_read("failed") - failed0;
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	buf = rt_slurp(CAPTURE, &len);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, rt_walk(&w, buf, len)) TH_LOG("walk: %s", w.error);
	ASSERT_EQ(0, rt_stats(self->fd, &tot));
	TH_LOG("%llu records, %llu overwritten, %llu other losses",
	       (unsigned long long)w.nr_records,
	       (unsigned long long)w.lost[RTRACE_LOST_OVERWRITTEN],
	       (unsigned long long)(w.lost_all - w.lost[RTRACE_LOST_OVERWRITTEN]));
	EXPECT_EQ(0, w.nr_bad_test);
	EXPECT_EQ(tot.written, w.nr_records + w.lost[RTRACE_LOST_OVERWRITTEN]);
	EXPECT_EQ((unsigned long long)emitted,
		  tot.written + w.lost_all - w.lost[RTRACE_LOST_OVERWRITTEN]);
	/* The library's overwrite-mode seq rules hold for a raced capture too. */
	if (access("/rtrace/bin/rtrace", X_OK) == 0)
		EXPECT_EQ(0, system("/rtrace/bin/rtrace check " CAPTURE));
	free(buf);
	unlink(CAPTURE);
}

/* A consumer gets a fresh stream header when a new session starts. */
TEST_F(dev, new_session_new_header)
{
	static uint8_t buf[1 << 20];
	struct rtrace_stream_hdr h1, h2;
	ssize_t n;

	ASSERT_EQ(0, rt_setup(self->fd, 4096, 2, 0));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	n = read(self->fd, buf, sizeof(buf));
	ASSERT_LE((ssize_t)sizeof(h1), n);
	memcpy(&h1, buf, sizeof(h1));
	EXPECT_EQ(0, read(self->fd, buf, sizeof(buf)));

	ASSERT_EQ(0, rt_setup(self->fd, 8192, 2, 0));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	n = read(self->fd, buf, sizeof(buf));
	ASSERT_LE((ssize_t)sizeof(h2), n);
	memcpy(&h2, buf, sizeof(h2));
	EXPECT_EQ(RTRACE_STREAM_MAGIC, h2.magic);
	EXPECT_NE(h1.session_id, h2.session_id);
	EXPECT_EQ(8192, h2.subbuf_size);
	EXPECT_EQ(0, read(self->fd, buf, sizeof(buf)));
}

/*
 * Unread data never vanishes silently: CONFIGURE and RESET refuse while a
 * published sub-buffer is unread, unless the caller says to discard it.
 */
TEST_F(dev, unread_data_blocks_reconfigure)
{
	static uint8_t buf[1 << 20];
	struct rtrace_config cfg;
	struct rtrace_info info;
	struct rt_walk w;
	ssize_t n, len;

	ASSERT_EQ(0, rt_setup(self->fd, 4096, 32, 0));
	ASSERT_EQ(0, rt_info(self->fd, &info));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	ASSERT_EQ(0, rt_gen_write("emit", 1000));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	/* The header and one sub-buffer only. */
	len = read(self->fd, buf, info.hdr_size);
	ASSERT_EQ((ssize_t)info.hdr_size, len);
	n = read(self->fd, buf + len, info.subbuf_size);
	ASSERT_LT(0, n);
	len += n;

	ASSERT_EQ(0, rt_info(self->fd, &info));
	EXPECT_TRUE(info.flags & RTRACE_INFO_UNREAD);
	rt_config_init(&cfg, 4096, 32 * 4096);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &cfg));
	EXPECT_EQ(EBUSY, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, RTRACE_IOC_RESET, 0));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, rt_info(self->fd, &info));
	EXPECT_EQ(RTRACE_STATE_STOPPED, info.state);

	/* Reading the rest lifts the refusal. */
	n = rt_drain(self->fd, buf + len, sizeof(buf) - len, 65536);
	ASSERT_LT(0, n);
	len += n;
	ASSERT_EQ(0, rt_walk(&w, buf, len)) TH_LOG("walk: %s", w.error);
	EXPECT_EQ(1000, w.nr_test);
	ASSERT_EQ(0, rt_info(self->fd, &info));
	EXPECT_FALSE(info.flags & RTRACE_INFO_UNREAD);
	EXPECT_EQ(0, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &cfg));

	/* Or the caller discards explicitly. */
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	ASSERT_EQ(0, rt_gen_write("emit", 500));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &cfg));
	EXPECT_EQ(EBUSY, errno);
	cfg.flags = RTRACE_CONFIG_DISCARD_UNREAD;
	EXPECT_EQ(0, ioctl(self->fd, RTRACE_IOC_CONFIGURE, &cfg));
	ASSERT_EQ(0, rt_info(self->fd, &info));
	EXPECT_EQ(0, info.config_flags);	/* not a property of the session */
	EXPECT_FALSE(info.flags & RTRACE_INFO_UNREAD);
}

/*
 * A second consumer of a session gets a stream header that says an earlier
 * consumer read part of it, and the rest of the sub-buffers.
 */
TEST_F(dev, second_consumer_stream_is_resumed)
{
	static uint8_t buf[1 << 20];
	struct rtrace_info info;
	struct rtrace_stream_hdr h;
	struct rt_walk w;
	ssize_t n, len;
	int fd2;

	ASSERT_EQ(0, rt_setup(self->fd, 4096, 32, 0));
	ASSERT_EQ(0, rt_info(self->fd, &info));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	ASSERT_EQ(0, rt_gen_write("emit", 2000));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	fd2 = open(DEV_PATH, O_RDWR);
	ASSERT_LE(0, fd2);
	len = read(fd2, buf, info.hdr_size + info.subbuf_size);
	ASSERT_LT((ssize_t)info.hdr_size, len);
	memcpy(&h, buf, sizeof(h));
	EXPECT_EQ(0, h.flags & RTRACE_STREAM_RESUMED);
	close(fd2);

	n = rt_drain(self->fd, buf, sizeof(buf), 65536);
	ASSERT_LT(0, n);
	memcpy(&h, buf, sizeof(h));
	EXPECT_TRUE(h.flags & RTRACE_STREAM_RESUMED);
	ASSERT_EQ(0, rt_walk(&w, buf, n)) TH_LOG("walk: %s", w.error);
	EXPECT_EQ(0, w.seq_gaps);
	EXPECT_LT(0, w.nr_test);
	EXPECT_GT(2000, w.nr_test);
	if (access("/rtrace/bin/rtrace", X_OK) == 0) {
		int fd = open(CAPTURE, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		ASSERT_LE(0, fd);
		ASSERT_EQ(n, write(fd, buf, n));
		close(fd);
		EXPECT_EQ(0, system("/rtrace/bin/rtrace check " CAPTURE));
		unlink(CAPTURE);
	}
}

/* START after STOP resumes the same session and stream. */
TEST_F(dev, restart_same_session)
{
	static uint8_t buf[1 << 20];
	struct rt_walk w;
	ssize_t len;

	ASSERT_EQ(0, rt_setup(self->fd, 4096, 8, 0));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	ASSERT_EQ(0, rt_gen_write("emit", 100));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_START));
	ASSERT_EQ(0, rt_gen_write("emit", 100));
	ASSERT_EQ(0, ioctl(self->fd, RTRACE_IOC_STOP));
	len = rt_drain(self->fd, buf, sizeof(buf), 65536);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, rt_walk(&w, buf, len)) TH_LOG("walk: %s", w.error);
	EXPECT_EQ(200, w.nr_test);
	EXPECT_EQ(0, w.seq_gaps);
}

TEST_HARNESS_MAIN
