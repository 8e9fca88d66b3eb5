/* RK109's look-alike: a devres action tears the lock down now. */
struct st {
	struct mutex lock;
	struct mutex cfg_lock;
	struct device *dev;
	int n;
};

static void st_mutex_destroy(void *lock)
{
	mutex_destroy(lock);
}

static int st_probe(struct st *st)
{
	mutex_init(&st->lock);
	mutex_init(&st->cfg_lock);
	return devm_add_action_or_reset(st->dev, st_mutex_destroy, &st->lock);
}

/* the action covers the lock it was given, not the other one */
static void st_remove(struct st *st)
{
	/* ok: RK109 */
	st->n = 0;
	/* ruleid: RK109 */
	st->dev = NULL;
}
