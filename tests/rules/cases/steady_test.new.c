/*
 * A steady test asked twice (knowledge: [[steady_test]]): runtime PM
 * enabled at the first test is enabled at the second, so the put under
 * the second undoes the get under the first on every path, and the error
 * exit that skips it (RK401) is not lost among paths that cannot run.
 */
static int drv_probe(struct platform_device *pdev)
{
	struct drv *d = platform_get_drvdata(pdev);
	int ret;

	pm_runtime_enable(&pdev->dev);
	if (pm_runtime_enabled(&pdev->dev)) {
		ret = pm_runtime_get_sync(&pdev->dev);
		if (ret < 0)
			/* ruleid: RK401 */
			return ret;
	} else {
		ret = drv_clock_on(d);
		if (ret)
			goto err_disable;
	}

	ret = drv_setup(d);
	if (ret)
		goto err_put;

	if (pm_runtime_enabled(&pdev->dev))
		pm_runtime_put_sync(&pdev->dev);
	return 0;

err_put:
	if (pm_runtime_enabled(&pdev->dev))
		pm_runtime_put_noidle(&pdev->dev);
err_disable:
	pm_runtime_disable(&pdev->dev);
	return ret;
}

static int drv_probe_balanced(struct platform_device *pdev)
{
	struct drv *d = platform_get_drvdata(pdev);
	int ret;

	pm_runtime_enable(&pdev->dev);
	if (pm_runtime_enabled(&pdev->dev)) {
		ret = pm_runtime_get_sync(&pdev->dev);
		/* ok: RK401 */
		if (ret < 0)
			goto err_put;
	}

	ret = drv_setup(d);
	if (ret)
		goto err_put;

	if (pm_runtime_enabled(&pdev->dev))
		pm_runtime_put_sync(&pdev->dev);
	return 0;

err_put:
	if (pm_runtime_enabled(&pdev->dev))
		pm_runtime_put_noidle(&pdev->dev);
err_disable:
	pm_runtime_disable(&pdev->dev);
	return ret;
}
