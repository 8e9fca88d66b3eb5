/*
 * A regmap whose config sets fast_io takes a spinlock and never sleeps,
 * whatever bus helper sets it up (here one the knowledge does not name):
 * its calls under a spinlock are fine (RK301); a mutex there is not.
 */
static const struct regmap_config fi_regmap_config = {
	.reg_bits = 32,
	.val_bits = 32,
	.fast_io = true,
};

static void fi_set(struct gpio_chip *gc, unsigned int off, int value)
{
	struct fi *fi = gpiochip_get_data(gc);
	unsigned long flags;

	raw_spin_lock_irqsave(&fi->lock, flags);
	/* ok: RK301 */
	regmap_update_bits(fi->regs, FI_OUT, BIT(off), value ? BIT(off) : 0);
	/* ruleid: RK301 */
	mutex_lock(&fi->cache_lock);
	fi->cache[off] = value;
	mutex_unlock(&fi->cache_lock);
	raw_spin_unlock_irqrestore(&fi->lock, flags);
}

static int fi_probe(struct platform_device *pdev)
{
	struct fi *fi;

	fi = devm_kzalloc(&pdev->dev, sizeof(*fi), GFP_KERNEL);
	if (!fi)
		return -ENOMEM;
	fi->regs = fi_regmap_init(pdev, &fi_regmap_config);
	if (IS_ERR(fi->regs))
		return PTR_ERR(fi->regs);
	raw_spin_lock_init(&fi->lock);
	return 0;
}
