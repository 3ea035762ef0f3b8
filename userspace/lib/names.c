// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * librtrace: task names - what the decoder learns from task_name records
 * (RTRACE_EV_TASK_NAME, struct rtrace_task_name in uapi/linux/rtrace.h):
 * pid -> (tgid, comm), the record returned last winning.  In the default
 * merged order that is the latest by timestamp.
 *
 * An open-addressing hash table keyed by pid; it only grows.
 */
#include <stdlib.h>

#include "internal.h"

struct dec_name {
	uint32_t pid;
	uint32_t tgid;
	int used;
	char comm[RTRACE_COMM_MAX + 1];
};

struct dec_names {
	struct dec_name *slots;
	size_t cap;		/* a power of two */
	size_t nr;
};

static size_t slot_of(const struct dec_names *n, uint32_t pid)
{
	size_t i = (pid * 0x9e3779b1u) & (n->cap - 1);

	while (n->slots[i].used && n->slots[i].pid != pid)
		i = (i + 1) & (n->cap - 1);
	return i;
}

static int grow(struct dec_names *n)
{
	struct dec_names g = { .cap = n->cap ? n->cap * 2 : 256 };
	size_t i;

	g.slots = calloc(g.cap, sizeof(*g.slots));
	if (!g.slots)
		return -ENOMEM;
	for (i = 0; i < n->cap; i++)
		if (n->slots[i].used)
			g.slots[slot_of(&g, n->slots[i].pid)] = n->slots[i];
	g.nr = n->nr;
	free(n->slots);
	*n = g;
	return 0;
}

int rtrace_event__task_name(const struct rtrace_event *ev, uint32_t *pid, uint32_t *tgid,
			    char *comm, size_t comm_len)
{
	size_t n;

	if (ev->type != RTRACE_EV_TASK_NAME || ev->nr_args != RTRACE_REC_RAW || !ev->desc ||
	    strcmp(ev->desc->name, "task_name") || ev->raw_len < RTRACE_TASK_NAME_MIN)
		return 0;
	*pid = (uint32_t)ev->raw[0] | (uint32_t)ev->raw[1] << 8 | (uint32_t)ev->raw[2] << 16 |
	       (uint32_t)ev->raw[3] << 24;
	*tgid = (uint32_t)ev->raw[4] | (uint32_t)ev->raw[5] << 8 | (uint32_t)ev->raw[6] << 16 |
		(uint32_t)ev->raw[7] << 24;
	if (comm_len) {
		n = ev->raw_len - RTRACE_TASK_NAME_MIN;
		if (n > comm_len - 1)
			n = comm_len - 1;
		memcpy(comm, ev->raw + RTRACE_TASK_NAME_MIN, n);
		comm[n] = 0;	/* a NUL inside ends the name (the kernel writes none) */
	}
	return 1;
}

void dec_names_note(struct dec_names **np, const struct rtrace_event *ev)
{
	struct dec_names *n = *np;
	uint32_t pid, tgid;
	char comm[RTRACE_COMM_MAX + 1];
	size_t i;

	if (!rtrace_event__task_name(ev, &pid, &tgid, comm, sizeof(comm)))
		return;
	if (!n) {
		n = calloc(1, sizeof(*n));
		if (!n)
			return;
		*np = n;
	}
	if ((n->nr + 1) * 2 > n->cap && grow(n))
		return;		/* out of memory: the name stays unknown */
	i = slot_of(n, pid);
	if (!n->slots[i].used)
		n->nr++;
	n->slots[i].used = 1;
	n->slots[i].pid = pid;
	n->slots[i].tgid = tgid;
	memcpy(n->slots[i].comm, comm, sizeof(comm));
}

void dec_names_free(struct dec_names *n)
{
	if (n)
		free(n->slots);
	free(n);
}

const char *dec_names_get(const struct dec_names *n, uint32_t pid, uint32_t *tgid)
{
	size_t i;

	if (!n || !n->cap)
		return NULL;
	i = slot_of(n, pid);
	if (!n->slots[i].used)
		return NULL;
	if (tgid)
		*tgid = n->slots[i].tgid;
	return n->slots[i].comm;
}
