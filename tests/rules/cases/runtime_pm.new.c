/*
 * A count dropped more often than it was taken (RK206): a runtime-PM put
 * in a loop of a reference taken once before it; look-alikes: a put per
 * pass of a get per pass, a put of each pass's own device, a put that
 * leaves the loop.
 */
static int foo_flush(struct foo *foo)
{
	int i, ret;

	ret = pm_runtime_resume_and_get(foo->dev);
	if (ret)
		return ret;
	for (i = 0; i < foo->nchan; i++) {
		foo_flush_chan(foo, i);
		/* ruleid: RK206 */
		pm_runtime_put_autosuspend(foo->dev);
	}
	/* with no pass, nothing drops the count */
	/* ruleid: RK201 */
	return 0;
}

static int foo_flush_ok(struct foo *foo)
{
	int i, ret;

	for (i = 0; i < foo->nchan; i++) {
		ret = pm_runtime_resume_and_get(foo->dev);
		if (ret)
			return ret;
		foo_flush_chan(foo, i);
		/* ok: RK206 */
		pm_runtime_put_autosuspend(foo->dev);
	}
	return 0;
}

static void foo_release_children(struct foo *foo)
{
	struct device *child;
	int i;

	pm_runtime_get_sync(foo->dev);
	for (i = 0; i < foo->nchild; i++) {
		child = foo->children[i];
		/* ok: RK206 */
		pm_runtime_put(child);
	}
	pm_runtime_put(foo->dev);
}

static int foo_wait_idle(struct foo *foo)
{
	int i;

	pm_runtime_get_sync(foo->dev);
	for (i = 0; i < 10; i++) {
		if (foo_idle(foo)) {
			/* ok: RK206 */
			pm_runtime_put(foo->dev);
			return 0;
		}
		msleep(1);
	}
	pm_runtime_put(foo->dev);
	return -ETIMEDOUT;
}
