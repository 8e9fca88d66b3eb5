/*
 * Device-managed resources released by hand (RK203), and look-alikes:
 * unmanaged resources, managed releases, members that may hold either.
 */
struct baz {
	struct device *dev;
	struct clk *clk;
	struct clk *bus_clk;
	struct regulator *supply;
	struct pwm_chip chip;
	char *name;
};

static irqreturn_t baz_irq(int irq, void *data)
{
	return IRQ_HANDLED;
}

static int baz_setup_supply(struct baz *baz, bool shared)
{
	if (shared)
		baz->supply = regulator_get(baz->dev, "vdd");
	else
		baz->supply = devm_regulator_get(baz->dev, "vdd");
	return PTR_ERR_OR_ZERO(baz->supply);
}

static int baz_probe(struct platform_device *pdev)
{
	struct baz *baz;
	char *buf, *tmp;
	int irq, ret;

	baz = devm_kzalloc(&pdev->dev, sizeof(*baz), GFP_KERNEL);
	if (!baz)
		return -ENOMEM;
	baz->dev = &pdev->dev;
	baz->clk = devm_clk_get(&pdev->dev, "core");
	if (IS_ERR(baz->clk))
		return PTR_ERR(baz->clk);
	baz->bus_clk = devm_clk_get_enabled(&pdev->dev, "bus");
	if (IS_ERR(baz->bus_clk))
		return PTR_ERR(baz->bus_clk);
	buf = devm_kzalloc(&pdev->dev, 64, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	tmp = kzalloc(64, GFP_KERNEL);
	if (!tmp)
		return -ENOMEM;
	irq = platform_get_irq(pdev, 0);
	ret = devm_request_irq(&pdev->dev, irq, baz_irq, 0, "baz", baz);
	if (ret) {
		/* ok: RK203 */
		kfree(tmp);
		/* ruleid: RK203 */
		kfree(buf);
		return ret;
	}
	ret = baz_setup_supply(baz, false);
	if (ret) {
		/* ruleid: RK203 */
		free_irq(irq, baz);
		/* ok: RK203 */
		devm_kfree(&pdev->dev, buf);
		/* the kzalloc()ed tmp leaks on this exit */
		/* ruleid: RK401 */
		return ret;
	}
	kfree(tmp);
	platform_set_drvdata(pdev, baz);
	return devm_pwmchip_add(&pdev->dev, &baz->chip);
}

static void baz_remove(struct platform_device *pdev)
{
	struct baz *baz = platform_get_drvdata(pdev);

	/* ruleid: RK203 */
	pwmchip_remove(&baz->chip);
	/* ok: RK203 */
	clk_disable_unprepare(baz->bus_clk);
	/* ruleid: RK203 */
	clk_put(baz->clk);
	/* ok: RK203 */
	regulator_put(baz->supply);
}
