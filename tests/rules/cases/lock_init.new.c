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
	/* ruleid: RK108 */
	st->n = 0;
	st->dev = NULL;
	return 0;
}

/* the managed initialiser replaces the plain one */
static int st_probe_devm(struct st *st)
{
	int ret;

	st->n = 0;
	ret = devm_mutex_init(st->dev, &st->buf_lock);
	/* ok: RK108 */
	st->dev = NULL;
	return ret;
}

/* the lock goes away with its users */
static void st_poll(struct st *st)
{
	st->n++;
}

static int st_setup(struct st *st)
{
	/* ok: RK108 */
	st->n = 1;
	return 0;
}
