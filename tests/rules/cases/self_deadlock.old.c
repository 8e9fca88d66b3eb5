/* A call, with a lock held, of a function that takes that lock itself (RK112). */
struct dev {
	struct mutex lock;
	int n;
};

struct st {
	struct dev dev;
	struct mutex buf_lock;
	int v;
};

static int dev_write(struct dev *d, int reg, int val)
{
	guard(mutex)(&d->lock);
	return __dev_write(d, reg, val);
}

static int st_set_rate(struct st *st, int v)
{
	int ret;

	st->v = v;
	ret = __dev_write(&st->dev, 2, v);
	if (ret)
		return ret;
	return __dev_write(&st->dev, 3, 0);
}

static int st_refactor(struct st *st, int v)
{
	int ret;

	mutex_lock(&st->dev.lock);
	ret = __dev_write(&st->dev, 4, v);
	mutex_unlock(&st->dev.lock);
	return ret;
}

static int __fan_set(struct fan *f, int v)
{
	mutex_lock(&f->lock);
	f->v = v;
	mutex_unlock(&f->lock);
	return 0;
}

static int fan_write(struct fan *f, int v)
{
	return __fan_set(f, v);
}
