void merge_me(struct dev *d, struct item *it)
{
	bool ok;

	spin_lock(&d->lock);
	ok = ready(it);
	if (ok) {
		list_del(&it->node);
		/* ruleid: RK103 */
		spin_unlock(&d->lock);
		process(it);
	} else {
		spin_unlock(&d->lock);
		retry(it);
	}
}

void already_merged(struct dev *d, struct item *it)
{
	bool ok;

	spin_lock(&d->lock);
	ok = ready(it);
	if (ok)
		list_del(&it->node);
	/* ok: RK103 */
	spin_unlock(&d->lock);
	if (ok)
		process(it);
	else
		retry(it);
}

void scope(struct dev *d, struct item *it)
{
	bool taken;

	/* ruleid: RK104 */
	taken = test_and_clear_ready(it);
	spin_lock(&d->lock);
	if (taken) {
		list_del(&it->node);
		account(d);
	}
	/* ok: RK104 */
	note(d, it);
	/* ruleid: RK104 */
	finish(d);
	spin_unlock(&d->lock);
}

void renamed(struct dev *d, struct item *it)
{
	mutex_lock(&d->mutex);
	/* ok: RK104 */
	account(d);
	mutex_unlock(&d->mutex);
}

void batch(struct dev *d, struct item **items, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		/* ruleid: RK105 */
		spin_lock_irq(&d->lock);
		account_item(d, items[i]);
		spin_unlock_irq(&d->lock);
	}
}
