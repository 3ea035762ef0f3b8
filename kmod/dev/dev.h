/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtrace: /dev/rtrace - the session, its control and its reader side.
 *
 *   session.c  the session state machine, configuration checks, the
 *              sources' enable/disable, init and exit
 *   ioctl.c    the ioctls: sized structs in and out, dispatch
 *   read.c     open, release, read(), poll(), the reader-side worker, and
 *              the round-robin copy of sub-buffers that read() and the
 *              mmap area share (rdev_pump())
 *   mmap.c     the mapped control page, meta page and data area
 *   marker.c   write(): user markers
 *   params.c   module parameters that start a session at load
 *   crc32c.c   the CRC32C every unit of the stream carries
 *
 * One session belongs to the device, not to a file.  Any privileged opener
 * may configure, start, stop or reset it, and it lives on after the file
 * that configured it is closed, so that
 *
 *	rtrace start; cat /dev/rtrace > f; rtrace stop
 *
 * works.  The states and their transitions are the diagram above
 * RTRACE_STATE_EMPTY in uapi/linux/rtrace.h.  The data of a session is
 * read by one consumer at a time: the first file that read()s or mmap()s
 * becomes the consumer until it is closed; other files get -EBUSY for read
 * and mmap but may still use every control ioctl.
 *
 * Locks, outermost first:
 *
 *	rdev.read_mutex	the reader side of the ring (peek/consume, the
 *			round-robin cursor, the bounce buffer and the mmap
 *			data area); held across copy_to_user(), so it
 *			nests outside mmap_lock.
 *	mmap_lock	(taken by the mm for mmap/munmap/page faults)
 *	rdev.lock	the state, the session pointer and the consumer;
 *			never held across a user copy, so mmap() may take
 *			it under mmap_lock.  Held while the sources are
 *			enabled and disabled (kmod/sources/source.h).
 *
 * A session is reference counted: readers, ioctls that copy to or from
 * userspace and mappings take a reference under rdev.lock and drop
 * rdev.lock before touching user memory.  RESET and CONFIGURE only unhook
 * the session; its ring is destroyed when the last reference goes.
 *
 * Nothing here runs in the writers' context.  Readers are woken by a
 * periodic work item (rdev_work_fn()) that polls rtrace_ring_has_data()
 * while a session runs, and by the control ioctls; the writer fast path
 * and NMI handlers never issue a wake-up.
 */
#ifndef _RTRACE_DEV_H
#define _RTRACE_DEV_H

#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <uapi/linux/rtrace.h>

/* Period of the reader-side work while a session runs. */
#define RDEV_WORK_MS		20
/* Flush partly filled sub-buffers after this many idle periods (~1 s). */
#define RDEV_AUTOFLUSH_IDLE	50

/**
 * struct rdev_session - one configured session
 * @ref: references: the device (while installed), readers, mappings
 * @ring: the per-CPU lanes
 * @cfg: the configuration it was created from
 * @cpus: CPUs with lanes
 * @pids: its PID filter (kmod/sources/pids.h), NULL without one
 * @id: stream_hdr.session_id
 * @hdr: stream header followed by the event table
 * @hdr_resumed: @hdr as a consumer gets it after another consumer has read
 *	sub-buffers (RTRACE_STREAM_RESUMED, its own CRC); built on first use
 *	(rdev.read_mutex)
 * @hdr_size: bytes at @hdr
 * @nr_subbufs: sub-buffers per lane
 * @any_read: a read() consumer has consumed a sub-buffer (rdev.read_mutex);
 *	a mapper's count once it releases them (rdev_mmap_released())
 * @broken: an always-on check found the ring broken and the session was
 *	stopped (rdev_broken_locked())
 * @broken_pending: @broken_rep is still to be delivered (rdev.read_mutex)
 * @broken_rep: the sealed RTRACE_SB_BROKEN unit that reports it
 * @bounce: one sub-buffer, for peeks (rdev.read_mutex)
 * @meta: mmap meta page, or NULL
 * @ctrl: mmap control page (user-writable), or NULL
 * @data: mmap data area, or NULL
 * @data_size: bytes at @data
 * @produced: stream bytes copied into @data (rdev.read_mutex)
 * @consumed: last sane value of @ctrl->consumed (rdev.read_mutex)
 * @mmap_hdr_done: the stream header went into @data (rdev.read_mutex)
 * @mmap_hdr_end: stream offset just after that header (rdev.read_mutex)
 * @ctrl_maps: live vmas of the control page (rdev.lock)
 * @data_maps: live vmas of the meta page and data area (rdev.lock)
 * @eof_flush_gen: rdev.gen of the last flush at end of data (rdev.lock)
 */
struct rdev_session {
	struct kref ref;
	struct rtrace_ring *ring;
	struct rtrace_config cfg;
	cpumask_var_t cpus;
	struct rtrace_pids *pids;
	u64 id;
	void *hdr;
	void *hdr_resumed;
	u32 hdr_size;
	u32 nr_subbufs;
	bool any_read;
	bool broken;
	bool broken_pending;
	struct rtrace_subbuf_hdr broken_rep;
	void *bounce;
	struct rtrace_mmap_meta *meta;
	struct rtrace_mmap_ctrl *ctrl;
	void *data;
	u64 data_size;
	u64 produced;
	u64 consumed;
	bool mmap_hdr_done;
	u64 mmap_hdr_end;
	unsigned int ctrl_maps;
	unsigned int data_maps;
	unsigned long eof_flush_gen;
};

/**
 * struct rdev_file - per-open-file state
 * @hdr_id: session id whose stream header this file has read
 * @data_mapped: this file maps a data area
 */
struct rdev_file {
	u64 hdr_id;
	bool data_mapped;
};

/**
 * struct rdev_device - the device (one: rdev); locking rules above
 * @lock: the state, the session, the consumer
 * @read_mutex: the reader side: peek/consume, the cursor, the mmap area
 * @state: RTRACE_STATE_*
 * @gen: bumped at every state change (rdev_changed_locked())
 * @session: the session, or NULL (EMPTY)
 * @consumer: the file that reads the session, or NULL
 * @wq: readers and pollers
 * @work: the reader-side worker (rdev_work_fn())
 * @idle: worker periods without published data
 * @rr_cpu: round-robin cursor over (cpu, lane): the next CPU
 * @rr_lane: its lane
 */
struct rdev_device {
	struct mutex lock;		/* state, session, consumer */
	struct mutex read_mutex;	/* reader side: peek/consume, rr, mmap */
	u32 state;
	unsigned long gen;
	struct rdev_session *session;
	struct file *consumer;
	wait_queue_head_t wq;
	struct delayed_work work;
	unsigned int idle;
	unsigned int rr_cpu;
	unsigned int rr_lane;
};

extern struct rdev_device rdev;

/* session.c */
void rdev_put(struct rdev_session *s);
struct rdev_session *rdev_get_locked(void);
void rdev_changed_locked(void);
int rdev_configure(const struct rtrace_config *cfg);
int rdev_control(unsigned int nr);
int rdev_reset(unsigned long flags);
void rdev_stop_locked(void);
void rdev_broken_locked(struct rdev_session *s);
int rdev_flush_stopped(struct rdev_session *s);

/* ioctl.c */
long rdev_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* read.c */
typedef int (*rdev_put_fn)(struct rdev_session *s, void *dst, const void *unit, size_t len);
size_t rdev_pump(struct rdev_session *s, size_t room, rdev_put_fn put, void *dst, int *err);
const void *rdev_stream_hdr(struct rdev_session *s);
void rdev_work_fn(struct work_struct *work);

/* crc32c.c: the CRC32C of the stream's units, computed on the reader side */
void rtrace_crc32c_init(void);
u32 rtrace_crc32c(u32 crc, const void *buf, size_t len);
u32 rtrace_unit_crc(const void *unit, size_t len, size_t crc_at);

/* params.c: the session of the module parameters */
int rdev_params_start(void);

/* marker.c */
ssize_t rdev_write(struct file *file, const char __user *ubuf, size_t len, loff_t *ppos);
u32 rdev_marker_max(const struct rdev_session *s);
int rdev_marker_init(void);

/* mmap.c */
int rdev_mmap(struct file *file, struct vm_area_struct *vma);
bool rdev_mmap_fill(struct rdev_session *s, u32 state);
size_t rdev_mmap_leftover(struct rdev_session *s, char __user **ubuf, size_t room, int *err);
bool rdev_mmap_has_leftover(struct rdev_session *s);
bool rdev_mmap_released(struct rdev_session *s);

/* The device's interface to main.c. */
extern const struct file_operations rtrace_dev_fops;
int rtrace_dev_init(void);
void rtrace_dev_exit(void);

#endif /* _RTRACE_DEV_H */
