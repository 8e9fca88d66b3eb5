/* RK301 / RK302 / RK303 */
void sleep_under_spinlock(struct dev *d)
{
	spin_lock(&d->lock);
	/* ruleid: RK301 */
	mutex_lock(&d->mutex);
	mutex_unlock(&d->mutex);
	spin_unlock(&d->lock);
}

void alloc_under_irqsave(struct dev *d)
{
	unsigned long flags;

	spin_lock_irqsave(&d->lock, flags);
	/* ruleid: RK301 */
	d->buf = kzalloc(64, GFP_KERNEL);
	/* ok: RK301 */
	d->tmp = kmalloc(64, GFP_ATOMIC);
	spin_unlock_irqrestore(&d->lock, flags);
}

void sleep_under_rcu(struct dev *d)
{
	rcu_read_lock();
	/* ruleid: RK301 */
	msleep(10);
	rcu_read_unlock();
}

void sleep_after_unlock_ok(struct dev *d)
{
	spin_lock(&d->lock);
	d->count++;
	spin_unlock(&d->lock);
	/* ok: RK301 */
	msleep(10);
}

void sleep_under_mutex_ok(struct dev *d)
{
	mutex_lock(&d->mutex);
	/* ok: RK301 */
	msleep(10);
	mutex_unlock(&d->mutex);
}

void trylock_path_ok(struct dev *d)
{
	if (spin_trylock(&d->lock)) {
		d->count++;
		spin_unlock(&d->lock);
	}
	/* ok: RK301 */
	msleep(1);
}

void stats(struct zone *zone, struct dev *d, int delta)
{
	spin_lock_irq(&d->lock);
	d->count++;
	spin_unlock_irq(&d->lock);
	/* ruleid: RK302 */
	local_irq_disable();
	/* ruleid: RK104 */
	__mod_zone_page_state(zone, NR_MLOCK, delta);
	local_irq_enable();
}

void irq_needed_ok(struct zone *zone, struct dev *d, int delta)
{
	/* ok: RK302 */
	local_irq_disable();
	__mod_zone_page_state(zone, NR_MLOCK, delta);
	touch_hardware(d);
	local_irq_enable();
}

void moved_stat(struct zone *zone, struct dev *d, int delta)
{
	spin_lock_irq(&d->lock);
	d->count++;
	spin_unlock_irq(&d->lock);
	/* ruleid: RK303, RK104 */
	__count_vm_events(PGROTATED, delta);
}

void guard_scope_ends_ok(struct dev *d, int x)
{
	if (x) {
		guard(spinlock_irqsave)(&d->lock);
		d->count++;
	}
	/* ok: RK301 */
	msleep(10);
}

void scoped_guard_block_ok(struct dev *d)
{
	scoped_guard(spinlock, &d->lock) {
		d->count++;
	}
	/* ok: RK301 */
	msleep(10);
}

void sleep_in_scoped_guard(struct dev *d)
{
	scoped_guard(spinlock, &d->lock) {
		/* ruleid: RK301 */
		msleep(10);
	}
}

/* `scoped_guard(rcu) {` (one bare argument) parses as a nested
 * definition: the guard holds for its body, not for the msleep() after it
 * (no marker there: a comment would be the statement a misread scope ends
 * at, and an unmarked finding fails the case) */
void scoped_guard_rcu_block_ok(struct dev *d)
{
	scoped_guard(rcu) {
		d->count++;
	}
	msleep(10);
}

void sleep_in_scoped_guard_rcu(struct dev *d)
{
	scoped_guard(rcu) {
		/* ruleid: RK301 */
		msleep(10);
	}
}

void sleep_under_guard(struct dev *d)
{
	guard(raw_spinlock_irqsave)(&d->raw);
	/* ruleid: RK301 */
	usleep_range(10, 20);
}
