/*
 * Data touched after its lock is dropped (RK107): a field and a register
 * written under the lock and again after the unlock; look-alikes: a
 * write before the lock is taken, a field the lock never covers.
 */
static void foo_stop(struct foo *foo)
{
	unsigned long flags;

	spin_lock_irqsave(&foo->lock, flags);
	foo->running = false;
	writel(0, foo->base + FOO_CTRL);
	spin_unlock_irqrestore(&foo->lock, flags);
	/* ruleid: RK107 */
	writel(FOO_IRQ_ALL, foo->base + FOO_CTRL);
	/* ok: RK107 */
	foo->stats.stops++;
}

static int foo_start(struct foo *foo)
{
	int ret;

	/* ok: RK107 */
	foo->running = true;
	mutex_lock(&foo->mutex);
	foo->running = true;
	ret = regmap_write(foo->map, FOO_CTRL, FOO_GO);
	mutex_unlock(&foo->mutex);
	if (ret)
		/* ruleid: RK107 */
		foo->running = false;
	return ret;
}

static void foo_irq_update(struct foo *foo, u32 val)
{
	unsigned long flags;

	mutex_lock(&foo->mutex);
	foo->val = val;
	mutex_unlock(&foo->mutex);
	spin_lock_irqsave(&foo->irq_lock, flags);
	/* ok: RK107 (another lock guards it here) */
	foo->val = val;
	spin_unlock_irqrestore(&foo->irq_lock, flags);
}
