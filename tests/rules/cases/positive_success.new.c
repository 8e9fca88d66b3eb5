/*
 * A success result taken for a failure (RK410): pm_runtime_get_sync()
 * returns 1 when the device was already active. Look-alikes: the failure
 * tested as negative, a call that returns 0 or an error, a test whose arm
 * goes on.
 */
static int foo_resume(struct device *dev)
{
	int ret;

	ret = pm_runtime_get_sync(dev);
	/* ruleid: RK410 */
	if (ret) {
		pm_runtime_put_noidle(dev);
		return ret;
	}
	foo_restore(dev);
	pm_runtime_put(dev);
	return 0;
}

static int foo_resume_ok(struct device *dev)
{
	int ret;

	ret = pm_runtime_get_sync(dev);
	/* ok: RK410 */
	if (ret < 0) {
		pm_runtime_put_noidle(dev);
		return ret;
	}
	foo_restore(dev);
	pm_runtime_put(dev);
	return 0;
}

static int foo_start(struct device *dev)
{
	int ret;

	ret = pm_runtime_resume_and_get(dev);
	/* ok: RK410 */
	if (ret)
		return ret;
	foo_restore(dev);
	return 0;
}

static int foo_wake(struct device *dev)
{
	int ret;

	ret = pm_runtime_resume(dev);
	/* ruleid: RK410 */
	if (ret != 0)
		goto out;
	foo_restore(dev);
out:
	return ret;
}

static void foo_poke(struct device *dev)
{
	int ret;

	ret = pm_runtime_get_sync(dev);
	/* ok: RK410 */
	if (ret)
		dev_dbg(dev, "resume said %d\n", ret);
	foo_restore(dev);
	pm_runtime_put(dev);
}
