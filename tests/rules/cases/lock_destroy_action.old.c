/* RK109's look-alike: a devres action tears the lock down now. */
struct st {
	struct mutex lock;
	struct mutex cfg_lock;
	struct device *dev;
	int n;
};

static int st_probe(struct st *st)
{
	mutex_init(&st->lock);
	mutex_init(&st->cfg_lock);
	return 0;
}

static void st_remove(struct st *st)
{
	mutex_destroy(&st->lock);
	/* the other lock, */
	/* which the callbacks take */
	mutex_destroy(&st->cfg_lock);
	st->n = 0;
	st->dev = NULL;
}
