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

/* a flag of shared state, read anew at the release */
static irqreturn_t foo_irq(int irq, void *p)
{
	struct foo *foo = p;

	if (!foo->ignore_lock)
		/* ruleid: RK106 */
		mutex_lock(&foo->mutex);
	foo->val = foo_read(foo);
	if (!foo->ignore_lock)
		mutex_unlock(&foo->mutex);
	return IRQ_HANDLED;
}

/* the same flag read once, into a local */
static irqreturn_t foo_irq_once(int irq, void *p)
{
	struct foo *foo = p;
	bool ignore_lock = foo->ignore_lock;

	if (!ignore_lock)
		/* ok: RK106 */
		mutex_lock(&foo->mutex);
	foo->val = foo_read(foo);
	if (!ignore_lock)
		mutex_unlock(&foo->mutex);
	return IRQ_HANDLED;
}

/* acquire and release in one arm: the field is read once */
static void foo_tick(struct foo *foo)
{
	if (foo->version >= 2) {
		/* ok: RK106 */
		spin_lock(&foo->lock);
		foo->val = 0;
		spin_unlock(&foo->lock);
	}
}

/* a parameter checked before a plain lock (bmc150-accel, kmx61 in linux 6.12) */
static int foo_write(struct foo *foo, int val, long mask)
{
	if (val)
		return -EINVAL;
	/* ok: RK106 */
	mutex_lock(&foo->mutex);
	foo->val = val;
	mutex_unlock(&foo->mutex);
	return 0;
}

/* a lock taken and dropped within one case of a switch on a parameter */
static int foo_read_raw(struct foo *foo, int *val, long mask)
{
	int ret;

	switch (mask) {
	case 0:
		/* ok: RK106 */
		mutex_lock(&foo->mutex);
		ret = foo_get(foo, val);
		mutex_unlock(&foo->mutex);
		break;
	case 1:
		/* ok: RK106 */
		mutex_lock(&foo->mutex);
		*val = foo->scale;
		mutex_unlock(&foo->mutex);
		ret = 0;
		break;
	default:
		ret = -EINVAL;
	}
	return ret;
}
