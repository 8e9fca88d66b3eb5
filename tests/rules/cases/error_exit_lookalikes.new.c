/*
 * Error exits that only look like they skip a release: puts in a loop that
 * undo gets in a loop, a notifier a managed action unregisters (the action's
 * data is what was registered), a variable given a new allocation after the
 * old one was handed over, the object a constructor returns; and beside
 * them, the leak they resemble.
 */
static int pwm_probe_counts(struct platform_device *pdev, bool *enabled)
{
	int ch, undo, ret;

	pm_runtime_enable(&pdev->dev);
	for (ch = 0; ch < NUM_CH; ch++) {
		if (!enabled[ch])
			continue;
		ret = pm_runtime_get_sync(&pdev->dev);
		if (ret < 0) {
			for (undo = 0; undo <= ch; undo++) {
				if (enabled[undo])
					pm_runtime_put_noidle(&pdev->dev);
			}
			pm_runtime_disable(&pdev->dev);
			/* ok: RK401 */
			return ret;
		}
	}
	return 0;
}

static int gpio_events_probe(struct platform_device *pdev, struct parent *parent)
{
	struct gpio_priv *priv;
	int ret;

	priv = devm_kzalloc(&pdev->dev, sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->nb.notifier_call = gpio_event;
	ret = blocking_notifier_chain_register(&parent->event_notifier, &priv->nb);
	if (ret)
		return ret;
	ret = devm_add_action_or_reset(&pdev->dev, gpio_unreg_notifier, priv);
	if (ret)
		/* ok: RK401 */
		return ret;
	ret = gpio_setup(priv);
	if (ret)
		/* ok: RK401 */
		return ret;
	return 0;
}

static int gpio_events_probe_leaky(struct platform_device *pdev, struct parent *parent)
{
	struct gpio_priv *priv;
	int ret;

	priv = devm_kzalloc(&pdev->dev, sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->nb.notifier_call = gpio_event;
	ret = blocking_notifier_chain_register(&parent->event_notifier, &priv->nb);
	if (ret)
		return ret;
	ret = gpio_setup(priv);
	if (ret)
		/* ruleid: RK401 */
		return ret;
	ret = gpio_irq(priv);
	if (ret) {
		blocking_notifier_chain_unregister(&parent->event_notifier, &priv->nb);
		return ret;
	}
	return 0;
}

static int timer_init(struct device_node *np)
{
	struct timer_dev *dev;
	int ret;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	ret = timer_register(np, dev);
	if (ret)
		goto err_free;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		/* ok: RK401 */
		return -ENOMEM;
	ret = timer_register(np, dev);
	if (ret) {
		kfree(dev);
		return ret;
	}
	return 0;

err_free:
	kfree(dev);
	return ret;
}

static struct gpio_regmap *regmap_register(struct gpio_config *config)
{
	struct gpio_regmap *gpio;
	struct gpio_chip *chip;
	int ret;

	gpio = kzalloc(sizeof(*gpio), GFP_KERNEL);
	if (!gpio)
		return ERR_PTR(-ENOMEM);
	chip = &gpio->chip;
	ret = gpiochip_add_data(chip, gpio);
	if (ret < 0) {
		kfree(gpio);
		return ERR_PTR(ret);
	}
	if (config->domain) {
		ret = gpiochip_irqchip_add_domain(chip, config->domain);
		if (ret < 0)
			goto err;
	}
	/* ok: RK401 */
	return gpio;

err:
	gpiochip_remove(chip);
	kfree(gpio);
	return ERR_PTR(ret);
}
