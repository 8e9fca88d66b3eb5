/*
 * Runtime PM enabled in probe and not disabled on an error path (RK401);
 * look-alikes: the error path disables it, a managed action registered on
 * the device takes it over, remove disables what probe enabled, a resume
 * callback re-enables it.
 */
static void foo_pm_disable(void *data)
{
	struct foo *foo = data;

	pm_runtime_disable(foo->dev);
}

static int foo_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	int ret;

	pm_runtime_enable(dev);
	ret = pm_runtime_resume_and_get(dev);
	if (ret)
		/* ruleid: RK401 */
		return ret;
	ret = foo_hw_init(dev);
	pm_runtime_put(dev);
	if (ret) {
		pm_runtime_disable(dev);
		/* ok: RK401 */
		return ret;
	}
	return 0;
}

static int foo2_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct foo *foo = platform_get_drvdata(pdev);
	int ret;

	pm_runtime_enable(dev);
	ret = foo_hw_init(dev);
	if (ret) {
		pm_runtime_disable(dev);
		return ret;
	}
	/* the action undoes what probe did to the device it is registered on */
	ret = devm_add_action_or_reset(dev, foo_pm_disable, foo);
	if (ret)
		/* ok: RK401 */
		return ret;
	return 0;
}

static void foo_remove(struct platform_device *pdev)
{
	/* ok: RK201 */
	pm_runtime_disable(&pdev->dev);
}

static int foo_resume(struct device *dev)
{
	pm_runtime_disable(dev);
	pm_runtime_set_active(dev);
	pm_runtime_enable(dev);
	/* ok: RK201 */
	return 0;
}
