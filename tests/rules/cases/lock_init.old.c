/* A lock's initialiser removed while the lock is still used (RK108). */
struct st {
	struct mutex lock;
	spinlock_t slock;
	struct mutex buf_lock;
	struct device *dev;
	int n;
};

static int st_read(struct st *st)
{
	int v;

	mutex_lock(&st->lock);
	v = st->n;
	mutex_unlock(&st->lock);
	return v;
}

static int st_probe(struct st *st)
{
	st->n = 0;
	mutex_init(&st->lock);
	st->dev = NULL;
	return 0;
}

static int st_probe_devm(struct st *st)
{
	st->n = 0;
	mutex_init(&st->buf_lock);
	st->dev = NULL;
	return 0;
}

static void st_poll(struct st *st)
{
	spin_lock(&st->slock);
	st->n++;
	spin_unlock(&st->slock);
}

static int st_setup(struct st *st)
{
	spin_lock_init(&st->slock);
	st->n = 1;
	return 0;
}
