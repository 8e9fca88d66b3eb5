/*
 * A gpio_chip that says it sleeps or not by what it drives (RK308): the
 * branch that sets can_sleep = true puts in the callback that takes a
 * mutex, the other the callback that takes a spinlock. Only a sleeping
 * callback put in on the branch that says the chip never sleeps is one.
 */
static void lat_set(struct gpio_chip *gc, unsigned int off, int val)
{
	struct lat *lat = gpiochip_get_data(gc);
	unsigned long flags;

	spin_lock_irqsave(&lat->spinlock, flags);
	writel(val, lat->base + off);
	spin_unlock_irqrestore(&lat->spinlock, flags);
}

static void lat_set_can_sleep(struct gpio_chip *gc, unsigned int off, int val)
{
	struct lat *lat = gpiochip_get_data(gc);

	/* ok: RK308 */
	mutex_lock(&lat->mutex);
	writel(val, lat->base + off);
	mutex_unlock(&lat->mutex);
}

static int lat_get(struct gpio_chip *gc, unsigned int off)
{
	struct lat *lat = gpiochip_get_data(gc);
	int val;

	/* ruleid: RK308 */
	mutex_lock(&lat->mutex);
	val = readl(lat->base + off);
	mutex_unlock(&lat->mutex);
	return val;
}

static int lat_probe(struct platform_device *pdev)
{
	struct lat *lat;
	struct gpio_chip *gc;

	lat = devm_kzalloc(&pdev->dev, sizeof(*lat), GFP_KERNEL);
	if (!lat)
		return -ENOMEM;
	gc = &lat->gc;
	if (lat_drives_sleeping_lines(pdev)) {
		gc->can_sleep = true;
		gc->set = lat_set_can_sleep;
		mutex_init(&lat->mutex);
	} else {
		gc->can_sleep = false;
		gc->set = lat_set;
		spin_lock_init(&lat->spinlock);
	}
	gc->get = lat_get;
	return devm_gpiochip_add_data(&pdev->dev, gc, lat);
}
