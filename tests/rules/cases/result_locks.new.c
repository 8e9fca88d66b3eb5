/*
 * Locks taken by helpers that return what they locked (lruvec =
 * lock_page_lruvec_irq(page)), replacing a lock named by its address.
 */
static int rl_isolate(struct page *page, struct pglist_data *pgdat, int bad)
{
	struct lruvec *lruvec;

	lruvec = lock_page_lruvec_irq(page);
	if (bad)
		/* ruleid: RK101 */
		return -EBUSY;
	del_page_from_lru_list(page);
	/* ok: RK101 */
	unlock_page_lruvec_irq(lruvec);
	return 0;
}

static void rl_batch(struct pagevec *pvec, struct zone *zone, int delta)
{
	struct lruvec *lruvec = NULL;
	int i;

	for (i = 0; i < pagevec_count(pvec); i++) {
		if (lruvec)
			unlock_page_lruvec_irq(lruvec);
		lruvec = lock_page_lruvec_irq(pvec->pages[i]);
		del_page_from_lru_list(pvec->pages[i]);
	}
	/* ruleid: RK303 */
	__mod_zone_page_state(zone, NR_MLOCK, delta);
	if (lruvec)
		unlock_page_lruvec_irq(lruvec);
}

static void rl_split(struct page *page, struct pglist_data *pgdat, bool clearlru)
{
	struct lruvec *lruvec = lock_page_lruvec_irq(page);

	if (clearlru) {
		del_page_from_lru_list(page);
		/* ok: RK103 */
		unlock_page_lruvec_irq(lruvec);
		isolated(page);
	} else {
		unlock_page_lruvec_irq(lruvec);
		failed(page);
	}
}

static int rl_new_ok(struct page *page, int bad)
{
	struct lruvec *lruvec = lock_page_lruvec_irq(page);

	if (bad) {
		unlock_page_lruvec_irq(lruvec);
		/* ok: RK101 */
		return -EBUSY;
	}
	del_page_from_lru_list(page);
	unlock_page_lruvec_irq(lruvec);
	return 0;
}
