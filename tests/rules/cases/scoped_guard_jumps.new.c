/*
 * scoped_guard() is a for loop of one pass: a break or continue in its
 * block leaves that loop, not the loop or switch around the guard (RK408);
 * with the look-alikes where the jump goes where it is meant to.
 */

/* the shape of gpio-adnp's irq handler after its conversion (linux-pwm
 * archive, Message-ID <20250303-gpiochip-set-conversion-v1-2-1d5cceeebf8b@linaro.org>) */
static irqreturn_t foo_irq(int irq, void *data)
{
	struct foo *foo = data;
	unsigned int i;

	for (i = 0; i < foo->nregs; i++) {
		u8 level, isr;
		int err;

		scoped_guard(mutex, &foo->i2c_lock) {
			err = foo_read(foo, FOO_PLR + i, &level);
			if (err < 0)
				/* ruleid: RK408 */
				continue;

			err = foo_read(foo, FOO_ISR + i, &isr);
			if (err < 0)
				/* ruleid: RK408 */
				continue;
		}

		foo_handle(foo, i, level & isr);
	}
	return IRQ_HANDLED;
}

/* the fix: the lock held by guard() in a block of its own */
static irqreturn_t foo_irq_fixed(int irq, void *data)
{
	struct foo *foo = data;
	unsigned int i;

	for (i = 0; i < foo->nregs; i++) {
		u8 level, isr;
		int err;

		{
			guard(mutex)(&foo->i2c_lock);
			err = foo_read(foo, FOO_PLR + i, &level);
			if (err < 0)
				/* ok: RK408 */
				continue;
			err = foo_read(foo, FOO_ISR + i, &isr);
			if (err < 0)
				/* ok: RK408 */
				continue;
		}

		foo_handle(foo, i, level & isr);
	}
	return IRQ_HANDLED;
}

static void foo_flush(struct foo *foo)
{
	struct foo_req *req;

	list_for_each_entry(req, &foo->reqs, node) {
		scoped_guard(spinlock_irqsave, &foo->lock) {
			if (req->done)
				/* ruleid: RK408 */
				break;
			req->state = FOO_FLUSHED;
		}
		foo_complete(req);
	}
}

static int foo_cmd(struct foo *foo, int cmd)
{
	switch (cmd) {
	case FOO_RESET:
		scoped_guard(mutex, &foo->lock) {
			if (!foo->powered)
				/* ruleid: RK408 */
				break;
			foo_reset(foo);
		}
		foo->resets++;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static int foo_wait_all(struct foo *foo)
{
	int n = 0;

	while (n < foo->count) {
		scoped_cond_guard(mutex_intr, return -EINTR, &foo->lock) {
			if (!foo->slot[n])
				/* ruleid: RK408 */
				continue;
			foo->slot[n]->seen = true;
		}
		n++;
	}
	return 0;
}

/* `scoped_guard(rcu) {` parses as a nested definition: still a guard */
static void foo_scan(struct foo *foo)
{
	int i;

	for (i = 0; i < FOO_SLOTS; i++) {
		scoped_guard(rcu) {
			if (!rcu_access_pointer(foo->slots[i]))
				/* ruleid: RK408 */
				continue;
			foo_mark(foo, i);
		}
		foo_count(foo, i);
	}
}

/* a switch inside the guard takes a break, but not a continue */
static void foo_dispatch(struct foo *foo)
{
	int i;

	for (i = 0; i < FOO_SLOTS; i++) {
		scoped_guard(mutex, &foo->lock) {
			switch (foo->kind[i]) {
			case FOO_SKIP:
				/* ruleid: RK408 */
				continue;
			case FOO_STOP:
				/* ok: RK408 */
				break;
			default:
				foo_run(foo, i);
			}
		}
		foo_count(foo, i);
	}
}

/* the innermost guard is the loop a break leaves */
static void foo_nested(struct foo *foo)
{
	int i;

	for (i = 0; i < FOO_SLOTS; i++) {
		scoped_guard(mutex, &foo->lock) {
			scoped_guard(spinlock, &foo->slot_lock) {
				if (foo->stop)
					/* ruleid: RK408 */
					break;
				foo_run(foo, i);
			}
		}
	}
}

/* loops inside the guard's block take the jumps */
static void foo_inner_loops(struct foo *foo)
{
	struct foo_req *req;
	int i, j;

	for (i = 0; i < FOO_SLOTS; i++) {
		scoped_guard(mutex, &foo->lock) {
			for (j = 0; j < FOO_WAYS; j++) {
				if (foo->way[j] == i)
					/* ok: RK408 */
					break;
			}
			list_for_each_entry(req, &foo->reqs, node) {
				if (!req->slot)
					/* ok: RK408 */
					continue;
				req->slot = i;
			}
			do {
				if (foo->busy)
					/* ok: RK408 */
					break;
				foo_kick(foo);
			} while (0);
		}
		foo_count(foo, i);
	}
}

/* no loop or switch around the guard: break can only mean leaving the
 * guarded block early, which is what it does */
static int foo_update(struct foo *foo, int val)
{
	scoped_guard(mutex, &foo->lock) {
		if (foo->val == val)
			/* ok: RK408 */
			break;
		foo->val = val;
		foo->dirty = true;
	}
	return foo_sync(foo);
}

/* a plain guard(): continue leaves for the loop as meant */
static void foo_plain_guard(struct foo *foo)
{
	int i;

	for (i = 0; i < FOO_SLOTS; i++) {
		guard(mutex)(&foo->lock);
		if (!foo->slot[i])
			/* ok: RK408 */
			continue;
		foo_run(foo, i);
	}
}
