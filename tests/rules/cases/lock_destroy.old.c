/* A lock's teardown removed while the lock stays (RK109). */
struct st {
	struct mutex lock;
	struct mutex cfg_lock;
	struct mutex buf_lock;
	struct mutex old_lock;
	struct device *dev;
	char *name;
	int n;
};

static int st_probe(struct st *st)
{
	mutex_init(&st->lock);
	mutex_init(&st->cfg_lock);
	mutex_init(&st->buf_lock);
	mutex_init(&st->old_lock);
	return 0;
}

static void st_release(struct st *st)
{
	kfree(st->name);
	/* the lock is done with */
	mutex_destroy(&st->lock);
	kfree(st);
}

static void st_remove(struct st *st)
{
	mutex_destroy(&st->cfg_lock);
	st->n = 0;
}

static void st_teardown(struct st *st)
{
	mutex_destroy(&st->buf_lock);
	st->dev = NULL;
}

static void st_stop(struct st *st)
{
	mutex_destroy(&st->old_lock);
	st->n = -1;
}

static int st_count(struct st *st)
{
	int n;

	mutex_lock(&st->old_lock);
	n = st->n;
	mutex_unlock(&st->old_lock);
	return n;
}
