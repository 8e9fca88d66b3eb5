/*
 * Locks taken by helpers that return what they locked (lruvec =
 * lock_page_lruvec_irq(page)), replacing a lock named by its address.
 */
static int rl_isolate(struct page *page, struct pglist_data *pgdat, int bad)
{
	spin_lock_irq(&pgdat->lru_lock);
	if (bad) {
		spin_unlock_irq(&pgdat->lru_lock);
		return -EBUSY;
	}
	del_page_from_lru_list(page);
	spin_unlock_irq(&pgdat->lru_lock);
	return 0;
}

static void rl_batch(struct pagevec *pvec, struct zone *zone, int delta)
{
	int i;

	for (i = 0; i < pagevec_count(pvec); i++) {
		spin_lock_irq(&zone->zone_pgdat->lru_lock);
		del_page_from_lru_list(pvec->pages[i]);
		spin_unlock_irq(&zone->zone_pgdat->lru_lock);
	}
	local_irq_disable();
	__mod_zone_page_state(zone, NR_MLOCK, delta);
	local_irq_enable();
}

static void rl_split(struct page *page, struct pglist_data *pgdat, bool clearlru)
{
	spin_lock_irq(&pgdat->lru_lock);
	if (clearlru) {
		del_page_from_lru_list(page);
		spin_unlock_irq(&pgdat->lru_lock);
		isolated(page);
	} else {
		spin_unlock_irq(&pgdat->lru_lock);
		failed(page);
	}
}
