/*
 * What plain pairing missed: a release on a path that never took the lock,
 * unlock-and-return exits that one label would replace, a runtime-PM get
 * that holds its count even when it fails; and the annotated contracts it
 * must honour.
 */

static ssize_t name_store(struct device *dev, const char *buf, size_t size)
{
	struct data *d = get_data(dev);
	char *name;
	ssize_t ret = size;

	if (size) {
		name = kmemdup_nul(buf, size, GFP_KERNEL);
		if (!name) {
			ret = -ENOMEM;
			goto out_unlock;
		}
	}
	mutex_lock(&d->mutex);
	kfree(d->name);
	d->name = name;
out_unlock:
	/* ruleid: RK101 */
	mutex_unlock(&d->mutex);
	return ret;
}

/* the lock taken before the first jump to the label: balanced */
static ssize_t name_store_fixed(struct device *dev, const char *buf, size_t size)
{
	struct data *d = get_data(dev);
	char *name = NULL;
	ssize_t ret = size;

	mutex_lock(&d->mutex);
	if (size) {
		name = kmemdup_nul(buf, size, GFP_KERNEL);
		if (!name) {
			ret = -ENOMEM;
			goto out_unlock;
		}
	}
	kfree(d->name);
	d->name = name;
out_unlock:
	/* ok: RK101 */
	mutex_unlock(&d->mutex);
	return ret;
}

static int w(struct st *st, int v)
{
	int ret;

	mutex_lock(&st->lock);
	ret = regmap_read(st->map, 1, &v);
	if (ret) {
		/* ruleid: RK103 */
		mutex_unlock(&st->lock);
		return ret;
	}
	ret = regmap_write(st->map, 2, v);
	if (ret) {
		mutex_unlock(&st->lock);
		return ret;
	}
	mutex_unlock(&st->lock);
	return 0;
}

/* one exit label: nothing to merge */
static int w_label(struct st *st, int v)
{
	int ret;

	mutex_lock(&st->lock);
	ret = regmap_read(st->map, 1, &v);
	if (ret)
		goto out;
	ret = regmap_write(st->map, 2, v);
out:
	/* ok: RK103 */
	mutex_unlock(&st->lock);
	return ret;
}

static int p(struct device *dev)
{
	int ret = pm_runtime_get_sync(dev);

	if (ret < 0)
		/* ruleid: RK401 */
		return ret;
	do_it();
	pm_runtime_put(dev);
	return 0;
}

static int p_noidle(struct device *dev)
{
	int ret = pm_runtime_get_sync(dev);

	if (ret < 0) {
		pm_runtime_put_noidle(dev);
		/* ok: RK401 */
		return ret;
	}
	do_it();
	pm_runtime_put(dev);
	return 0;
}

static int p_resume(struct device *dev)
{
	int ret = pm_runtime_resume_and_get(dev);

	if (ret < 0)
		/* ok: RK401 */
		return ret;
	do_it();
	pm_runtime_put(dev);
	return 0;
}

/* returns holding the lock by design: its annotation says so */
static struct pool *lock_pool(struct pool *pool)
	__acquires(&pool->lock)
{
	spin_lock(&pool->lock);
	if (pool->dead) {
		spin_unlock(&pool->lock);
		return NULL;
	}
	/* ok: RK101 */
	return pool;
}

/* the same without the annotation is a pairing error */
static struct pool *lock_pool_unannotated(struct pool *pool, int x)
{
	spin_lock(&pool->lock);
	if (pool->dead) {
		spin_unlock(&pool->lock);
		return NULL;
	}
	if (x)
		/* ruleid: RK101 */
		return NULL;
	spin_unlock(&pool->lock);
	return pool;
}

static void unlock_pool(struct pool *pool)
	__releases(&pool->lock)
{
	pool->users--;
	/* ok: RK101 */
	spin_unlock(&pool->lock);
}

static int ida_leak(struct st *st)
{
	int id = ida_alloc(&st->ida, GFP_KERNEL);
	int ret;

	if (id < 0)
		/* ok: RK401 */
		return id;
	ret = setup(st);
	if (ret)
		/* ruleid: RK401 */
		return ret;
	st->id = id;
	return 0;
}

static int clk_leak(struct st *st)
{
	int ret;

	ret = clk_prepare_enable(st->clk);
	if (ret)
		/* ok: RK401 */
		return ret;
	ret = start(st);
	if (ret)
		/* ruleid: RK401 */
		return ret;
	ret = finish(st);
	if (ret) {
		clk_disable_unprepare(st->clk);
		return ret;
	}
	return 0;
}
