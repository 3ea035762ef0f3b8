// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: the memory of a lane - node-local pages, mapped contiguously with
 * vmap() so the writer sees one linear area.  No OOM kill, no warning: a
 * session that does not fit fails with -ENOMEM.  (The unit-test shim has
 * its own.)
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "env.h"
#include "ring.h"

/* RTRACE_DEBUG: the pages get a pattern instead (rtrace_debug_poison()). */
#ifdef RTRACE_DEBUG
#define RTRACE_AREA_ZERO	0
#else
#define RTRACE_AREA_ZERO	__GFP_ZERO
#endif

/**
 * rtrace_area_alloc() - allocate and map the pages of a lane
 * @a: filled in
 * @bytes: size, a multiple of PAGE_SIZE
 * @node: NUMA node of the pages
 *
 * Context: process context, may sleep.
 * Return: 0 or -ENOMEM (nothing allocated).
 */
int rtrace_area_alloc(struct rtrace_area *a, size_t bytes, int node)
{
	unsigned int i, nr = bytes >> PAGE_SHIFT;

	a->pages = kvcalloc(nr, sizeof(*a->pages), GFP_KERNEL | __GFP_NOWARN);
	if (!a->pages)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		a->pages[i] = alloc_pages_node(node, GFP_KERNEL | RTRACE_AREA_ZERO |
					       __GFP_NOWARN | __GFP_RETRY_MAYFAIL, 0);
		if (!a->pages[i])
			goto free_pages;
	}
	a->addr = vmap(a->pages, nr, VM_MAP, PAGE_KERNEL);
	if (!a->addr)
		goto free_pages;
	rtrace_debug_poison(a->addr, bytes);
	a->nr_pages = nr;
	rtrace_mem_count(nr + 2);	/* pages, their array, the mapping */
	return 0;

free_pages:
	while (i--)
		__free_page(a->pages[i]);
	kvfree(a->pages);
	a->pages = NULL;
	return -ENOMEM;
}

/**
 * rtrace_area_free() - unmap and free what rtrace_area_alloc() allocated
 * @a: the area (nothing happens if it was never allocated)
 *
 * Context: process context, may sleep.
 */
void rtrace_area_free(struct rtrace_area *a)
{
	unsigned int i;

	if (!a->addr)
		return;
	vunmap(a->addr);
	for (i = 0; i < a->nr_pages; i++)
		__free_page(a->pages[i]);
	kvfree(a->pages);
	rtrace_mem_count(-(long)a->nr_pages - 2);
	a->addr = NULL;
	a->pages = NULL;
}
