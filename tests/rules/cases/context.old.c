void stats(struct zone *zone, struct dev *d, int delta)
{
	spin_lock_irq(&d->lock);
	__mod_zone_page_state(zone, NR_MLOCK, delta);
	spin_unlock_irq(&d->lock);
}

void moved_stat(struct zone *zone, struct dev *d, int delta)
{
	spin_lock_irq(&d->lock);
	__count_vm_events(PGROTATED, delta);
	spin_unlock_irq(&d->lock);
}
