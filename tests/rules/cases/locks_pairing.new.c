/* RK101: a lock left held on one exit; balanced look-alikes. */
int leak_on_error(struct dev *d, int x)
{
	spin_lock(&d->lock);
	if (x < 0)
		/* ruleid: RK101 */
		return -EINVAL;
	d->count++;
	spin_unlock(&d->lock);
	return 0;
}

int unlock_in_every_branch(struct dev *d, int x)
{
	spin_lock(&d->lock);
	if (x < 0) {
		/* this file uses guard(): two unlock-and-return exits could be one guard */
		/* ruleid: RK103 */
		spin_unlock(&d->lock);
		/* ok: RK101 */
		return -EINVAL;
	}
	d->count++;
	spin_unlock(&d->lock);
	return 0;
}

int trylock_ok(struct dev *d)
{
	if (!mutex_trylock(&d->mutex))
		/* ok: RK101 */
		return -EBUSY;
	d->count++;
	mutex_unlock(&d->mutex);
	return 0;
}

int semaphore_trylock_ok(struct dev *d)
{
	if (down_trylock(&d->sem))
		/* ok: RK101 */
		return -EBUSY;
	up(&d->sem);
	return 0;
}

int interruptible_ok(struct dev *d)
{
	int ret;

	ret = mutex_lock_interruptible(&d->mutex);
	if (ret)
		/* ok: RK101 */
		return ret;
	d->count++;
	mutex_unlock(&d->mutex);
	return 0;
}

void correlated_flag_ok(struct dev *d, int x)
{
	bool locked = false;

	if (x) {
		spin_lock_irq(&d->lock);
		locked = true;
	}
	d->count++;
	if (locked)
		spin_unlock_irq(&d->lock);
	/* ok: RK101 */
	d->done = 1;
}

int guard_ok(struct dev *d, int x)
{
	guard(mutex)(&d->mutex);
	if (x)
		/* ok: RK101 */
		return -EINVAL;
	d->count++;
	return 0;
}

int scoped_guard_ok(struct dev *d, int x)
{
	scoped_guard(spinlock_irqsave, &d->lock) {
		if (x)
			/* ok: RK101 */
			return -EINVAL;
		d->count++;
	}
	return 0;
}

bool trylock_wrapper_ok(struct dev *d)
{
	if (d->dead)
		return false;
	spin_lock(&d->lock);
	/* ok: RK101 */
	return true;
}

void relock_ok(struct page **pages, int n)
{
	struct pglist_data *pgdat = NULL;
	int i;

	for (i = 0; i < n; i++) {
		struct pglist_data *pagepgdat = page_pgdat(pages[i]);

		if (pagepgdat != pgdat) {
			if (pgdat)
				spin_unlock_irq(&pgdat->lru_lock);
			pgdat = pagepgdat;
			spin_lock_irq(&pgdat->lru_lock);
		}
		work(pages[i]);
	}
	if (pgdat)
		spin_unlock_irq(&pgdat->lru_lock);
	/* ok: RK101 */
	done(pages);
}

void double_unlock(struct dev *d, int x)
{
	spin_lock(&d->lock);
	d->count++;
	spin_unlock(&d->lock);
	if (x)
		/* ruleid: RK101 */
		spin_unlock(&d->lock);
}

void variant_mismatch(struct dev *d)
{
	unsigned long flags;

	spin_lock_irqsave(&d->lock, flags);
	d->count++;
	/* ruleid: RK102 */
	spin_unlock_irq(&d->lock);
}

void variant_ok(struct dev *d)
{
	unsigned long flags;

	spin_lock_irqsave(&d->lock, flags);
	d->count++;
	/* ok: RK102 */
	spin_unlock_irqrestore(&d->lock, flags);
}

void same_comparison_twice_ok(struct dev *d, spinlock_t *old_ptl, spinlock_t *new_ptl)
{
	if (new_ptl != old_ptl)
		spin_lock(new_ptl);
	move(d);
	if (new_ptl != old_ptl)
		spin_unlock(new_ptl);
	/* ok: RK101 */
	done(d);
}

int flag_bit_state_ok(struct dev *d, struct priv *priv)
{
	int ret;

	pm_runtime_get_sync(d->dev);
	if (keep_active(d))
		priv->flags |= PM_BLOCKED;
	else
		pm_runtime_put(d->dev);
	ret = start(d);
	if (ret < 0)
		goto out_put;
	return 0;
out_put:
	if (priv->flags & PM_BLOCKED)
		/* ok: RK201 */
		pm_runtime_put(d->dev);
	/* ok: RK401 */
	return ret;
}

void drop_and_retake_ok(struct dev *d)
{
	unsigned long flags;

	spin_lock_irqsave(&d->lock, flags);
	while (d->busy) {
		spin_unlock(&d->lock);
		cpu_relax();
		spin_lock(&d->lock);
	}
	/* ok: RK102 */
	spin_unlock_irqrestore(&d->lock, flags);
}

void plain_unlock_of_irqsave(struct dev *d)
{
	unsigned long flags;

	spin_lock_irqsave(&d->lock, flags);
	d->count++;
	/* ruleid: RK102 */
	spin_unlock(&d->lock);
}

bool bug_path_ok(struct dev *d)
{
	spin_lock_irq(&d->lock);
	if (!d->ready) {
		spin_unlock_irq(&d->lock);
		BUG();
	}
	d->count++;
	/* ok: RK101 */
	spin_unlock_irq(&d->lock);
	return true;
}
