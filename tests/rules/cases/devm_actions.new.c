/*
 * Devres actions: what an action releases is managed from its
 * registration on (RK203: released again by hand), and an action must not
 * be registered before what it undoes is done (RK208); look-alikes: a
 * release before the registration, an action registered after its enable.
 */
static void foo_disable_clk(void *data)
{
	struct foo *priv = data;

	clk_disable_unprepare(priv->clk);
}

static int foo_probe(struct platform_device *pdev)
{
	struct foo *priv;
	int ret;

	priv = devm_kzalloc(&pdev->dev, sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->clk = devm_clk_get(&pdev->dev, NULL);
	if (IS_ERR(priv->clk))
		return PTR_ERR(priv->clk);
	ret = clk_prepare_enable(priv->clk);
	if (ret)
		return ret;
	ret = foo_check(priv);
	if (ret) {
		/* ok: RK203 */
		clk_disable_unprepare(priv->clk);
		return ret;
	}
	platform_set_drvdata(pdev, priv);
	return devm_add_action_or_reset(&pdev->dev, foo_disable_clk, priv);
}

static int foo2_probe(struct platform_device *pdev)
{
	struct foo *priv = platform_get_drvdata(pdev);
	int ret;

	ret = clk_prepare_enable(priv->clk);
	if (ret)
		return ret;
	ret = devm_add_action_or_reset(&pdev->dev, foo_disable_clk, priv);
	if (ret)
		return ret;
	ret = foo_check(priv);
	if (ret) {
		/* ruleid: RK203 */
		foo_disable_clk(priv);
		return ret;
	}
	return 0;
}

static void foo_shutdown(struct platform_device *pdev)
{
	struct foo *priv = platform_get_drvdata(pdev);

	/* ok: RK203 */
	foo_disable_clk(priv);
}

static int foo_runtime_suspend(struct device *dev)
{
	struct foo *priv = dev_get_drvdata(dev);

	/* ok: RK203 */
	clk_disable_unprepare(priv->clk);
	return 0;
}

static int bar_probe(struct platform_device *pdev)
{
	struct regulator *vdd;
	int ret;

	vdd = devm_regulator_get(&pdev->dev, "vdd");
	if (IS_ERR(vdd))
		return PTR_ERR(vdd);
	/* ruleid: RK208 */
	ret = devm_add_action_or_reset(&pdev->dev, (void (*)(void *))regulator_disable, vdd);
	if (ret)
		return ret;
	ret = regulator_enable(vdd);
	if (ret)
		return ret;
	return 0;
}

static int baz_probe(struct platform_device *pdev)
{
	struct regulator *vdd;
	int ret;

	vdd = devm_regulator_get(&pdev->dev, "vdd");
	if (IS_ERR(vdd))
		return PTR_ERR(vdd);
	ret = regulator_enable(vdd);
	if (ret)
		return ret;
	/* ok: RK208 */
	return devm_add_action_or_reset(&pdev->dev, (void (*)(void *))regulator_disable, vdd);
}
