/*
 * linux/cleanup.h both ways: where guard() would remove an unlock label
 * (RK403), and its misuse: a goto into a guard's scope (RK404), a
 * __free() class that takes no ERR_PTR() (RK405), a pointer handed on
 * without no_free_ptr() (RK406), a release by hand beside the automatic
 * one (RK407); with the balanced look-alikes.
 */
static int foo_read(struct foo *st, int reg)
{
	int ret;

	mutex_lock(&st->lock);
	ret = foo_select(st, reg);
	if (ret)
		goto out_unlock;
	ret = foo_fetch(st);
out_unlock:
	/* ruleid: RK403 */
	mutex_unlock(&st->lock);
	return ret;
}

static int foo_write(struct foo *st, int reg, int val)
{
	int ret;

	mutex_lock(&st->lock);
	ret = foo_select(st, reg);
	if (ret)
		goto out_unlock;
	ret = foo_store(st, val);
out_unlock:
	/* ok: RK403 */
	mutex_unlock(&st->lock);
	foo_notify(st);
	return ret;
}

static int foo_guarded(struct foo *st, int reg)
{
	int ret;

	if (reg < 0)
		/* ruleid: RK404 */
		goto out;
	guard(mutex)(&st->lock);
	ret = foo_select(st, reg);
out:
	return ret;
}

static int foo_guarded_mixed(struct foo *st, int reg)
{
	int ret;

	guard(mutex)(&st->lock);
	ret = foo_select(st, reg);
	if (ret)
		/* ruleid: RK404 */
		goto out;
	ret = foo_fetch(st);
out:
	return ret;
}

static int foo_guarded_ok(struct foo *st, int reg)
{
	int ret = -EINVAL;

	if (reg < 0)
		/* ok: RK404 */
		goto out;
	scoped_guard(mutex, &st->lock) {
		ret = foo_select(st, reg);
	}
out:
	return ret;
}

static int foo_child(struct fwnode_handle *fw)
{
	/* ruleid: RK405 */
	struct device_node *np __free(device_node) = foo_lookup(fw);

	if (IS_ERR(np))
		return PTR_ERR(np);
	return foo_use(np);
}

static int foo_copy(const void __user *ubuf)
{
	/* ok: RK405 */
	char *buf __free(kfree) = memdup_user(ubuf, 16);

	if (IS_ERR(buf))
		return PTR_ERR(buf);
	return foo_parse(buf);
}

static int foo_keep_node(struct foo *st, struct device_node *parent)
{
	struct device_node *np __free(device_node) = of_get_child_by_name(parent, "leds");

	if (!np)
		return -ENODEV;
	/* ruleid: RK406 */
	st->np = np;
	return 0;
}

static struct device_node *foo_find(struct device_node *parent)
{
	struct device_node *np __free(device_node) = of_get_child_by_name(parent, "leds");

	if (!np)
		/* ok: RK406 */
		return np;
	if (!of_device_is_available(np))
		return NULL;
	/* ok: RK406 */
	return_ptr(np);
}

static int foo_keep_node_ok(struct foo *st, struct device_node *parent)
{
	struct device_node *np __free(device_node) = of_get_child_by_name(parent, "leds");

	if (!np)
		return -ENODEV;
	/* ok: RK406 */
	st->np = no_free_ptr(np);
	return 0;
}

static int foo_count(struct foo *st)
{
	guard(mutex)(&st->lock);
	st->count++;
	/* ruleid: RK407 */
	mutex_unlock(&st->lock);
	return 0;
}

static int foo_count_ok(struct foo *st)
{
	scoped_guard(mutex, &st->lock)
		st->count++;
	/* ok: RK407 */
	foo_notify(st);
	return 0;
}

static int foo_node_name(struct device_node *parent)
{
	struct device_node *np __free(device_node) = of_get_child_by_name(parent, "leds");

	if (!np)
		return -ENODEV;
	foo_use(np);
	/* ruleid: RK407 */
	of_node_put(np);
	return 0;
}

static int foo_node_early(struct device_node *parent)
{
	struct device_node *np __free(device_node) = of_get_child_by_name(parent, "leds");

	if (!np)
		return -ENODEV;
	foo_use(np);
	/* ok: RK407 */
	of_node_put(np);
	np = NULL;
	return foo_more(parent);
}

/* a scoped_guard() without braces holds for its one statement: a goto to a
 * later label does not enter its scope (gpiolib's error unwinding in 6.12) */
static int foo_add(struct foo *foo)
{
	int ret;

	ret = foo_init(foo);
	if (ret)
		/* ok: RK404 */
		goto err_put;
	ret = foo_register(foo);
	if (ret)
		goto err_remove;
	return 0;

err_remove:
	scoped_guard(mutex, &foo->list_lock)
		list_del(&foo->node);
err_put:
	foo_put(foo);
	return ret;
}

/* the same inside a block: the one statement is the guard's whole scope
 * (pinmux_enable_setting's error unwinding in 6.12) */
static int foo_enable(struct foo *foo, int n)
{
	int i, ret;

	for (i = 0; i < n; i++) {
		ret = foo_request(foo, i);
		if (ret)
			/* ok: RK404 */
			goto err_request;
	}
	ret = foo_set(foo);
	if (ret)
		goto err_set;
	return 0;

err_set:
	for (i = 0; i < n; i++) {
		if (foo->desc[i]) {
			scoped_guard(mutex, &foo->desc[i]->lock)
				foo->desc[i]->setting = NULL;
		}
	}
err_request:
	while (--i >= 0)
		foo_free(foo, i);
	return ret;
}

/* A declaration with a long enough name that the parser cuts it after the
 * declarator (`unsigned int *channel_map` without its ";", then
 * `__free(kfree) = kcalloc(...);`): the __free() variable is seen all the
 * same, whatever its type is written with. */
static int foo_fill_map(struct foo *st, int n)
{
	unsigned int *channel_map __free(kfree) = kcalloc(n, sizeof(*channel_map), GFP_KERNEL);

	if (!channel_map)
		return -ENOMEM;
	foo_read_map(st, channel_map, n);
	/* ruleid: RK407 */
	kfree(channel_map);
	return 0;
}

static int foo_keep_map(struct foo *st, int n)
{
	u32 *register_map __free(kfree) = kcalloc(n, sizeof(*register_map), GFP_KERNEL);

	if (!register_map)
		return -ENOMEM;
	foo_read_map(st, register_map, n);
	/* ruleid: RK406 */
	st->map = register_map;
	return 0;
}

static int foo_keep_map_ok(struct foo *st, int n)
{
	u32 *register_map __free(kfree) = kcalloc(n, sizeof(*register_map), GFP_KERNEL);

	if (!register_map)
		return -ENOMEM;
	foo_read_map(st, register_map, n);
	/* ok: RK406 */
	st->map = no_free_ptr(register_map);
	return 0;
}

static int foo_child_node(struct fwnode_handle *fw)
{
	/* ruleid: RK405 */
	struct device_node *matching_node __free(device_node) = foo_lookup(fw);

	if (IS_ERR(matching_node))
		return PTR_ERR(matching_node);
	return foo_use(matching_node);
}

static int foo_check_map(struct foo *st, int n)
{
	unsigned int *channel_map __free(kfree) = kcalloc(n, sizeof(*channel_map), GFP_KERNEL);
	int i, ret;

	if (!channel_map)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (channel_map[i] >= st->nr_channels) {
			ret = -EINVAL;
			/* ruleid: RK404 */
			goto out_release;
		}
	}
	return foo_apply_map(st, channel_map, n);

out_release:
	foo_release_channels(st);
	return ret;
}
