void merge_me(struct dev *d, struct item *it)
{
	spin_lock(&d->lock);
	if (ready(it)) {
		list_del(&it->node);
		spin_unlock(&d->lock);
		process(it);
		return;
	}
	spin_unlock(&d->lock);
	retry(it);
}

void already_merged(struct dev *d, struct item *it)
{
	bool ok;

	spin_lock(&d->lock);
	ok = ready(it);
	if (ok)
		list_del(&it->node);
	spin_unlock(&d->lock);
	if (ok)
		process(it);
	else
		retry(it);
}

static bool take_item(struct dev *d, struct item *it)
{
	if (test_and_clear_ready(it)) {
		list_del(&it->node);
		return true;
	}
	return false;
}

void scope(struct dev *d, struct item *it)
{
	spin_lock(&d->lock);
	if (take_item(d, it))
		account(d);
	note(d, it);
	spin_unlock(&d->lock);
	finish(d);
}

void renamed(struct dev *d, struct item *it)
{
	spin_lock(&d->lock);
	account(d);
	spin_unlock(&d->lock);
}

void batch(struct dev *d, struct item **items, int n)
{
	int i;

	spin_lock_irq(&d->lock);
	for (i = 0; i < n; i++)
		account_item(d, items[i]);
	spin_unlock_irq(&d->lock);
}
