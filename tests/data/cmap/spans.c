// SPDX-License-Identifier: GPL-2.0
/* Function spans with kernel macros and attributes; see tests/test_cmap_functions.py. */
#include <linux/mm.h>

#define PAGE_FLAG 0x1
#define DO_TWICE(x)	\
	do {		\
		x;	\
		x;	\
	} while (0)

struct walk_state {
	int depth;
	unsigned long addr;
};

static DEFINE_MUTEX(state_lock);

static __always_inline int __must_check plain_inline(int a)
{
	return a + 1;
}

int exported_one(struct page *page)
{
	struct zone *zone;

	for_each_populated_zone(zone) {
		if (zone == page_zone(page))
			return 1;
	}
	return 0;
}
EXPORT_SYMBOL(exported_one);

static int __init module_setup(void)
{
	return 0;
}
module_init(module_setup);

SYSCALL_DEFINE3(mlock2, unsigned long, start, size_t, len, int, flags)
{
	if (flags & ~MLOCK_ONFAULT)
		return -EINVAL;
	return do_mlock(start, len, VM_LOCKED);
}

SYSCALL_DEFINE0(munlockall)
{
	return 0;
}

phys_addr_t __init_memblock split_return_type(void)
{
	return 0;
}

static __printf(3, 4) void report_error(struct kmem_cache *s, struct slab *slab,
			const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	va_end(args);
}

static __always_inline __realloc_size(2) void *
broken_header(const void *p, size_t new_size, gfp_t flags)
{
	void *ret;

	if (likely(!ZERO_OR_NULL_PTR(p))) {
		ret = NULL;
	}
	return ret;
}

static void lock_it(struct walk_state *w)
	__acquires(&state_lock)
{
	mutex_lock(&state_lock);
}

int cma_for_each_area(int (*it)(struct cma *cma, void *data), void *data)
{
	int i;

	for (i = 0; i < cma_area_count; i++) {
		int ret = it(&cma_areas[i], data);

		if (ret)
			return ret;
	}
	return 0;
}

#ifdef CONFIG_NUMA
static void numa_only(int nid)
{
	int cpu;

	for_each_cpu(cpu, cpumask_of_node(nid)) {
		list_for_each_entry(pos, &per_cpu(lists, cpu), lru) {
			pos->nid = nid;
		}
	}
}
#endif
