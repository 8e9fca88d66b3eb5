/*
 * Runtime PM's status set while runtime PM is enabled (RK221): it takes
 * effect only while runtime PM is disabled. Look-alikes: the status set
 * before pm_runtime_enable() or after pm_runtime_disable().
 */
static int x_probe(struct platform_device *pdev)
{
	int ret;

	pm_runtime_enable(&pdev->dev);
	/* ruleid: RK221 */
	pm_runtime_set_active(&pdev->dev);

	ret = x_register(pdev);
	if (ret) {
		/* ruleid: RK221 */
		pm_runtime_set_suspended(&pdev->dev);
		pm_runtime_disable(&pdev->dev);
		return ret;
	}
	return 0;
}

static int y_probe(struct platform_device *pdev)
{
	int ret;

	/* ok: RK221 */
	pm_runtime_set_active(&pdev->dev);
	pm_runtime_enable(&pdev->dev);

	ret = y_register(pdev);
	if (ret) {
		pm_runtime_disable(&pdev->dev);
		/* ok: RK221 */
		pm_runtime_set_suspended(&pdev->dev);
		return ret;
	}
	return 0;
}

static void z_remove(struct platform_device *pdev)
{
	z_hw_off(pdev);
	/* ok: RK221 */
	pm_runtime_set_suspended(&pdev->dev);
}
