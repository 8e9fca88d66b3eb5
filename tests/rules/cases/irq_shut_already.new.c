/*
 * Functions that take a lock an irq_chip callback also takes (RK306), and
 * already run with irqs off: a chained handler (registered, or known by
 * its chained_irq_enter()), a gpio_irq_chip's parent handler, a generic
 * chip's suspend callback, a helper only irq_chip callbacks call (two
 * levels down). The plain lock is right there. A function that runs in a
 * task and takes it plain is not. A syscore operation runs with irqs off
 * but interrupts nothing: a lock it shares needs no shutting out, and a
 * clock it prepares waits on no holder (RK304).
 */
struct bar {
	raw_spinlock_t lock;
	raw_spinlock_t slock;
	struct clk *clk;
	u32 mask, type, saved;
	void __iomem *base;
};

static void bar_irq_mask(struct irq_data *d)
{
	struct bar *bar = irq_data_get_irq_chip_data(d);

	raw_spin_lock(&bar->lock);
	bar->mask |= BIT(d->hwirq);
	raw_spin_unlock(&bar->lock);
}

static void bar_write_type(struct bar *bar)
{
	/* ok: RK306 */
	raw_spin_lock(&bar->lock);
	writel(bar->type, bar->base);
	raw_spin_unlock(&bar->lock);
}

static void bar_update_type(struct bar *bar, unsigned int type)
{
	bar->type = type;
	bar_write_type(bar);
}

static int bar_irq_set_type(struct irq_data *d, unsigned int type)
{
	bar_update_type(irq_data_get_irq_chip_data(d), type);
	return 0;
}

static void bar_write_vcpu(struct bar *bar, u32 vcpu)
{
	/* ok: RK306 */
	raw_spin_lock(&bar->lock);
	writel(vcpu, bar->base + 4);
	raw_spin_unlock(&bar->lock);
}

static int bar_irq_set_vcpu_affinity(struct irq_data *d, void *info)
{
	bar_write_vcpu(irq_data_get_irq_chip_data(d), *(u32 *)info);
	return 0;
}

static const struct irq_chip bar_irq_chip = {
	.irq_mask = bar_irq_mask,
	.irq_set_type = bar_irq_set_type,
	.irq_set_vcpu_affinity = bar_irq_set_vcpu_affinity,
};

static void bar_chained(struct irq_desc *desc)
{
	struct bar *bar = irq_desc_get_handler_data(desc);

	/* ok: RK306 */
	raw_spin_lock(&bar->lock);
	bar->saved = readl(bar->base);
	raw_spin_unlock(&bar->lock);
}

static void bar_parent_handler(struct irq_desc *desc)
{
	struct irq_chip *chip = irq_desc_get_chip(desc);
	struct bar *bar = irq_desc_get_handler_data(desc);

	chained_irq_enter(chip, desc);
	/* ok: RK306 */
	raw_spin_lock(&bar->lock);
	bar->saved = readl(bar->base);
	raw_spin_unlock(&bar->lock);
	chained_irq_exit(chip, desc);
}

static void bar_gc_suspend(struct irq_chip_generic *gc)
{
	struct bar *bar = gc->private;

	/* ok: RK306 */
	raw_spin_lock(&bar->lock);
	bar->saved = bar->mask;
	raw_spin_unlock(&bar->lock);
}

static struct bar *bar_one;

static int bar_syscore_suspend(void)
{
	struct bar *bar = bar_one;

	/* ok: RK304 */
	clk_prepare_enable(bar->clk);
	raw_spin_lock(&bar->slock);
	bar->saved = readl(bar->base);
	raw_spin_unlock(&bar->slock);
	clk_disable_unprepare(bar->clk);
	return 0;
}

static struct syscore_ops bar_syscore_ops = {
	.suspend = bar_syscore_suspend,
};

static void bar_save(struct bar *bar)
{
	/* ok: RK306 */
	raw_spin_lock(&bar->slock);
	bar->saved = 0;
	raw_spin_unlock(&bar->slock);
}

static int bar_set_mask(struct bar *bar, u32 mask)
{
	/* ruleid: RK306 */
	raw_spin_lock(&bar->lock);
	bar->mask = mask;
	raw_spin_unlock(&bar->lock);
	return 0;
}

static int bar_probe(struct platform_device *pdev)
{
	struct bar *bar = platform_get_drvdata(pdev);
	struct irq_chip_generic *gc = bar_gc(bar);
	struct gpio_irq_chip *girq = &bar->gc.irq;

	gc->suspend = bar_gc_suspend;
	girq->parent_handler = bar_parent_handler;
	irq_set_chained_handler_and_data(bar->irq, bar_chained, bar);
	register_syscore_ops(&bar_syscore_ops);
	bar_save(bar);
	return bar_set_mask(bar, 0);
}
