/* A lock's teardown removed while the lock stays (RK109). */
struct st {
	struct mutex lock;
	struct mutex cfg_lock;
	struct mutex buf_lock;
	struct device *dev;
	char *name;
	int n;
};

static int st_probe(struct st *st)
{
	int ret;

	mutex_init(&st->lock);
	mutex_init(&st->cfg_lock);
	ret = devm_mutex_init(st->dev, &st->buf_lock);
	return ret;
}

/* the teardown is gone, the lock and its initialiser stay */
static void st_release(struct st *st)
{
	kfree(st->name);
	/* ruleid: RK109 */
	kfree(st);
}

/* the teardown moved below the other work */
static void st_remove(struct st *st)
{
	/* ok: RK109 */
	st->n = 0;
	mutex_destroy(&st->cfg_lock);
}

/* the device core tears the lock down now */
static void st_teardown(struct st *st)
{
	/* ok: RK109 */
	st->dev = NULL;
}

/* the lock goes away with its users */
static void st_stop(struct st *st)
{
	/* ok: RK109 */
	st->n = -1;
}

static int st_count(struct st *st)
{
	return st->n;
}
