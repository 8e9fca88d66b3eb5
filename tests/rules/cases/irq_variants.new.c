/*
 * Whether a lock's irq variant fits where it is taken: irqs already off
 * (RK305), a lock an interrupt or softirq callback also takes (RK306), a
 * release that turns irqs on where they were off (RK307), a wait that
 * drops the lock with another variant (RK309); and the balanced
 * look-alikes beside each.
 */
struct foo {
	spinlock_t lock;
	spinlock_t tlock;
	spinlock_t ilock;
	struct timer_list timer;
	wait_queue_head_t wq;
	u32 mask, count;
	bool done;
};

static void foo_irq_mask(struct irq_data *d)
{
	struct foo *foo = irq_data_get_irq_chip_data(d);

	/* ruleid: RK305 */
	guard(spinlock_irqsave)(&foo->lock);
	foo->mask |= BIT(d->hwirq);
}

static void foo_irq_unmask(struct irq_data *d)
{
	struct foo *foo = irq_data_get_irq_chip_data(d);

	/* ok: RK305 */
	guard(spinlock)(&foo->lock);
	foo->mask &= ~BIT(d->hwirq);
}

static const struct irq_chip foo_irq_chip = {
	.irq_mask = foo_irq_mask,
	.irq_unmask = foo_irq_unmask,
};

static void foo_count(struct foo *foo)
{
	/* ok: RK306 */
	spin_lock(&foo->lock);
	foo->count++;
	spin_unlock(&foo->lock);
}

static irqreturn_t foo_irq(int irq, void *dev_id)
{
	struct foo *foo = dev_id;
	unsigned long flags;

	/* ruleid: RK305 */
	spin_lock_irqsave(&foo->lock, flags);
	foo->mask = 0;
	spin_unlock_irqrestore(&foo->lock, flags);
	foo_count(foo);
	return IRQ_HANDLED;
}

static irqreturn_t foo_irq2(int irq, void *dev_id)
{
	struct foo *foo = dev_id;

	/* ruleid: RK307 */
	spin_lock_irq(&foo->ilock);
	foo->count = 0;
	spin_unlock_irq(&foo->ilock);
	return IRQ_HANDLED;
}

static void foo_timer(struct timer_list *t)
{
	struct foo *foo = from_timer(foo, t, timer);

	/* ruleid: RK305 */
	spin_lock_bh(&foo->tlock);
	foo->count++;
	spin_unlock_bh(&foo->tlock);
}

static int foo_set_mask(struct foo *foo, u32 mask)
{
	/* ruleid: RK306 */
	spin_lock(&foo->lock);
	foo->mask = mask;
	spin_unlock(&foo->lock);
	return 0;
}

static int foo_get_mask(struct foo *foo)
{
	unsigned long flags;
	u32 mask;

	/* ok: RK306 */
	spin_lock_irqsave(&foo->lock, flags);
	mask = foo->mask;
	spin_unlock_irqrestore(&foo->lock, flags);
	return mask;
}

static void foo_add_count(struct foo *foo, u32 n)
{
	/* ruleid: RK306 */
	spin_lock(&foo->tlock);
	foo->count += n;
	spin_unlock(&foo->tlock);
}

static void foo_reset_count(struct foo *foo)
{
	/* ok: RK306 */
	spin_lock_irq(&foo->tlock);
	foo->count = 0;
	spin_unlock_irq(&foo->tlock);
}

static void foo_bump(struct foo *foo)
{
	/* ruleid: RK307 */
	spin_lock_irq(&foo->tlock);
	foo->count++;
	spin_unlock_irq(&foo->tlock);
}

static void foo_update(struct foo *other, struct foo *foo)
{
	unsigned long flags;

	spin_lock_irqsave(&other->lock, flags);
	foo_bump(foo);
	spin_unlock_irqrestore(&other->lock, flags);
}

static int foo_wait(struct foo *foo)
{
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&foo->wq.lock, flags);
	/* ruleid: RK309 */
	ret = wait_event_interruptible_locked_irq(foo->wq, foo->done);
	spin_unlock_irqrestore(&foo->wq.lock, flags);
	return ret;
}

static int foo_wait_ok(struct foo *foo)
{
	int ret;

	spin_lock_irq(&foo->wq.lock);
	/* ok: RK309 */
	ret = wait_event_interruptible_locked_irq(foo->wq, foo->done);
	spin_unlock_irq(&foo->wq.lock);
	return ret;
}

static int foo_probe(struct platform_device *pdev)
{
	struct foo *foo = platform_get_drvdata(pdev);
	int ret;

	timer_setup(&foo->timer, foo_timer, 0);
	ret = devm_request_irq(&pdev->dev, platform_get_irq(pdev, 0), foo_irq, 0, "foo", foo);
	if (ret)
		return ret;
	return devm_request_irq(&pdev->dev, platform_get_irq(pdev, 1), foo_irq2, 0, "foo2", foo);
}
