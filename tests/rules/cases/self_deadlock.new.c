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

/* the patch switches to the locking variant where the caller holds the lock */
static int st_set_rate(struct st *st, int v)
{
	int ret;

	st->v = v;
	/* ruleid: RK112 */
	ret = dev_write(&st->dev, 2, v);
	if (ret)
		return ret;
	return __dev_write(&st->dev, 3, 0);
}

/* the lock and the unlocked variant give way to the locking one */
static int st_refactor(struct st *st, int v)
{
	int ret;

	/* ok: RK112 */
	ret = dev_write(&st->dev, 4, v);
	return ret;
}

static int st_set(struct st *st, int v)
{
	int ret;

	mutex_lock(&st->dev.lock);
	st->v = v;
	/* ruleid: RK112 */
	ret = dev_write(&st->dev, 1, v);
	mutex_unlock(&st->dev.lock);
	return ret;
}

static int st_set_unlocked(struct st *st, int v)
{
	int ret;

	mutex_lock(&st->dev.lock);
	/* ok: RK112 */
	ret = __dev_write(&st->dev, 1, v);
	mutex_unlock(&st->dev.lock);
	/* ok: RK112 */
	return dev_write(&st->dev, 5, 0);
}

/* another lock of the same object is no problem */
static int st_buf(struct st *st, int v)
{
	int ret;

	mutex_lock(&st->buf_lock);
	/* ok: RK112 */
	ret = dev_write(&st->dev, 1, v);
	mutex_unlock(&st->buf_lock);
	return ret;
}

/* nor the same lock of another object */
static int st_copy(struct st *a, struct st *b)
{
	int ret;

	mutex_lock(&a->dev.lock);
	/* ok: RK112 */
	ret = dev_write(&b->dev, 1, a->v);
	mutex_unlock(&a->dev.lock);
	return ret;
}

static int st_scoped(struct st *st, int v)
{
	scoped_guard(mutex, &st->dev.lock) {
		st->v = v;
		/* ruleid: RK112 */
		dev_write(&st->dev, 1, v);
	}
	/* ok: RK112 */
	return dev_write(&st->dev, 2, v);
}

/* called with the lock held: it says so */
static int st_locked_update(struct st *st)
{
	lockdep_assert_held(&st->dev.lock);
	st->v++;
	/* ruleid: RK112 */
	return dev_write(&st->dev, 1, st->v);
}

static int st_must_hold(struct dev *d)
	__must_hold(&d->lock)
{
	d->n++;
	/* ruleid: RK112 */
	return dev_write(d, 1, d->n);
}

/* a pointer argument reaches the lock through -> */
static int dev_reset(struct dev *d)
{
	int ret;

	mutex_lock(&d->lock);
	/* ruleid: RK112 */
	ret = dev_write(d, 0, 1);
	mutex_unlock(&d->lock);
	return ret;
}

/* the old __fan_set() took the lock itself: the patch splits it into a
   locked fan_set() and an unlocked __fan_set(), and its callers follow */
static int __fan_set(struct fan *f, int v)
{
	f->v = v;
	return 0;
}

static int fan_set(struct fan *f, int v)
{
	int ret;

	mutex_lock(&f->lock);
	ret = __fan_set(f, v);
	mutex_unlock(&f->lock);
	return ret;
}

static int fan_write(struct fan *f, int v)
{
	/* ok: RK112 */
	return fan_set(f, v);
}
