// SPDX-License-Identifier: GPL-2.0
/* A small file shaped like mm/mlock.c, for the git-tree tests (test_cmap_git.py). */
#include <linux/mm.h>

static DEFINE_SPINLOCK(lru_lock);

/*
 * Isolate a page from the LRU, taking a reference when asked.
 */
static bool isolate_one(struct page *page, bool getpage)
{
	if (TestClearPageLRU(page)) {
		if (getpage)
			get_page(page);
		del_page_from_lru_list(page);
		return true;
	}
	return false;
}

static void isolation_failed(struct page *page)
{
	count_vm_event(UNEVICTABLE_PGSTRANDED);
}

unsigned int munlock_one(struct page *page)
{
	int nr_pages;

	spin_lock_irq(&lru_lock);
	if (!TestClearPageMlocked(page)) {
		nr_pages = 1;
		goto unlock_out;
	}
	nr_pages = page_nr(page);
	if (isolate_one(page, true)) {
		spin_unlock_irq(&lru_lock);
		isolated(page);
		goto out;
	}
	isolation_failed(page);
unlock_out:
	spin_unlock_irq(&lru_lock);
out:
	return nr_pages - 1;
}

void drain_all(struct pagevec *pvec)
{
	int i;

	for (i = 0; i < pvec->nr; i++) {
		list_for_each_entry(p, &pvec->list, lru) {
			put_page(p);
		}
	}
}
EXPORT_SYMBOL(drain_all);

static int __init lru_setup(void)
{
	return 0;
}
module_init(lru_setup);
