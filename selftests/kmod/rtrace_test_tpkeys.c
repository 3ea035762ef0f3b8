// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace_test_tpkeys: a test-only module that tells which kernel
 * tracepoints have a probe attached.  Reading its parameter "on"
 * (/sys/module/rtrace_test_tpkeys/parameters/on) walks the kernel's
 * tracepoints and lists, one per line, "NAME KEY NPROBES" for each whose
 * static key is enabled or whose probe array is not empty.  source_test
 * reads it to check that rtrace leaves no probe registered (and every
 * tracepoint's static key off) once its session stops, is reset or the
 * module goes.  Never load it anywhere else.
 */
#include <linux/jump_label.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/tracepoint.h>

struct tpkeys_buf {
	char *buf;
	int len;
};

static void tpkeys_one(struct tracepoint *tp, void *priv)
{
	struct tpkeys_buf *b = priv;
	struct tracepoint_func *f;
	int n = 0;

	rcu_read_lock_sched();
	f = rcu_dereference_sched(tp->funcs);
	if (f)
		for (; f->func; f++)
			n++;
	rcu_read_unlock_sched();
	if (!n && !static_key_enabled(&tp->key))
		return;
	if (b->len < PAGE_SIZE - 64)
		b->len += scnprintf(b->buf + b->len, PAGE_SIZE - b->len, "%s %d %d\n",
				    tp->name, static_key_enabled(&tp->key), n);
}

static int tpkeys_get(char *buffer, const struct kernel_param *kp)
{
	struct tpkeys_buf b = { .buf = buffer };

	for_each_kernel_tracepoint(tpkeys_one, &b);
	return b.len;
}

static const struct kernel_param_ops tpkeys_ops = {
	.get = tpkeys_get,
};

module_param_cb(on, &tpkeys_ops, NULL, 0444);
MODULE_PARM_DESC(on, "tracepoints with a probe or an enabled static key: name key nprobes");

MODULE_DESCRIPTION("rtrace test: which tracepoints have probes (source_test)");
MODULE_LICENSE("GPL");
