/*
 * Conditional locking (RK106): a lock taken and released under a flag
 * the caller passes; look-alikes: a trylock, work (not locking) under
 * the flag, a lock taken under a test of the device's own state.
 */
static void foo_update(struct foo *foo, u32 val, bool lock)
{
	if (lock)
		/* ruleid: RK106 */
		spin_lock(&foo->lock);
	foo->val = val;
	if (lock)
		spin_unlock(&foo->lock);
}

static int foo_stop(struct foo *foo, bool is_stop)
{
	if (!is_stop)
		/* ruleid: RK106 */
		mutex_lock(&foo->mutex);
	foo->running = false;
	if (!is_stop)
		mutex_unlock(&foo->mutex);
	return 0;
}

static void foo_set(struct foo *foo, u32 val, bool notify)
{
	/* ok: RK106 */
	spin_lock(&foo->lock);
	foo->val = val;
	spin_unlock(&foo->lock);
	if (notify)
		foo_notify(foo);
}

static int foo_try(struct foo *foo)
{
	/* ok: RK106 */
	if (!mutex_trylock(&foo->mutex))
		return -EBUSY;
	foo->val = 0;
	mutex_unlock(&foo->mutex);
	return 0;
}

static void foo_apply(struct foo *foo)
{
	if (foo->atomic)
		/* ok: RK106 */
		spin_lock(&foo->lock);
	else
		mutex_lock(&foo->mutex);
	foo->val++;
	if (foo->atomic)
		spin_unlock(&foo->lock);
	else
		mutex_unlock(&foo->mutex);
}
