/*
 * A regmap set up on MMIO takes a spinlock and never sleeps: its calls
 * under a spinlock are fine (RK301). A sleeping call there still is not.
 */
static void mm_irq_mask(struct irq_data *d)
{
	struct mm *mm = irq_data_get_irq_chip_data(d);
	unsigned long flags;

	spin_lock_irqsave(&mm->lock, flags);
	mm->mask &= ~BIT(d->hwirq);
	/* ok: RK301 */
	regmap_write(mm->map, MM_MASK, mm->mask);
	spin_unlock_irqrestore(&mm->lock, flags);
}

static int mm_set_config(struct mm *mm, unsigned int val)
{
	spin_lock(&mm->lock);
	/* ok: RK301 */
	regmap_update_bits(mm->map, MM_CFG, MM_CFG_MASK, val);
	/* ruleid: RK301 */
	msleep(1);
	spin_unlock(&mm->lock);
	return 0;
}

static int mm_probe(struct platform_device *pdev)
{
	struct mm *mm;
	void __iomem *base;

	mm = devm_kzalloc(&pdev->dev, sizeof(*mm), GFP_KERNEL);
	if (!mm)
		return -ENOMEM;
	base = devm_platform_ioremap_resource(pdev, 0);
	if (IS_ERR(base))
		return PTR_ERR(base);
	mm->map = devm_regmap_init_mmio(&pdev->dev, base, &mm_regmap_config);
	if (IS_ERR(mm->map))
		return PTR_ERR(mm->map);
	spin_lock_init(&mm->lock);
	return mm_set_config(mm, 0);
}
