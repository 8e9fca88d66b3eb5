// SPDX-License-Identifier: GPL-2.0
/* A small file shaped like mm/mlock.c, for the git-tree tests (test_cmap_git.py). */
#include <linux/mm.h>

static DEFINE_SPINLOCK(lru_lock);

static void isolation_failed(struct page *page)
{
	count_vm_event(UNEVICTABLE_PGSTRANDED);
}

unsigned int munlock_one(struct page *page)
{
	int nr_pages;
	bool clearlru;

	get_page(page);
	clearlru = TestClearPageLRU(page);
	spin_lock_irq(&lru_lock);
	if (!TestClearPageMlocked(page)) {
		if (clearlru)
			SetPageLRU(page);
		spin_unlock_irq(&lru_lock);
		put_page(page);
		return 0;
	}
	nr_pages = page_nr(page);
	if (clearlru) {
		del_page_from_lru_list(page);
		spin_unlock_irq(&lru_lock);
		isolated(page);
	} else {
		spin_unlock_irq(&lru_lock);
		put_page(page);
		isolation_failed(page);
	}
	return nr_pages - 1;
}

void drain_all(struct pagevec *pvec)
{
	int i;

	for (i = 0; i < pvec->nr; i++) {
		list_for_each_entry(p, &pvec->list, lru) {
			if (!p->mapping)
				continue;
			put_page(p);
		}
	}
}
EXPORT_SYMBOL(drain_all);

static int scan_one(struct page *page)
{
	return page_nr(page) > 1;
}

static int __init lru_setup(void)
{
	return 0;
}
module_init(lru_setup);
