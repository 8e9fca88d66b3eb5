/* RK201 / RK401: references leaked or dropped twice; balanced look-alikes. */
int leak_child(struct device_node *parent, u32 *out)
{
	struct device_node *np;

	np = of_get_child_by_name(parent, "timing");
	if (!np)
		return -ENODEV;
	of_property_read_u32(np, "delay", out);
	/* ruleid: RK201 */
	return 0;
}

int put_child_ok(struct device_node *parent, u32 *out)
{
	struct device_node *np;

	np = of_get_child_by_name(parent, "timing");
	if (!np)
		return -ENODEV;
	of_property_read_u32(np, "delay", out);
	of_node_put(np);
	/* ok: RK201 */
	return 0;
}

int free_child_ok(struct device_node *parent, u32 *out)
{
	struct device_node *np __free(device_node) = of_get_child_by_name(parent, "timing");

	if (!np)
		return -ENODEV;
	of_property_read_u32(np, "delay", out);
	/* ok: RK201 */
	return 0;
}

struct device_node *return_child_ok(struct device_node *parent)
{
	struct device_node *np = of_get_child_by_name(parent, "timing");

	/* ok: RK201 */
	return np;
}

void store_ok(struct priv *priv, struct device *dev)
{
	priv->dev = get_device(dev);
	/* ok: RK201 */
	priv->ready = 1;
}

void queue_ok(struct page *page, struct list_head *list)
{
	get_page(page);
	list_add_tail(&page->lru, list);
	/* ok: RK201 */
	count_it(list);
}

void unless_zero_ok(struct page *page)
{
	if (!get_page_unless_zero(page))
		/* ok: RK201 */
		return;
	inspect_page(page);
	put_page(page);
}

void double_put(struct page *page)
{
	get_page(page);
	inspect_page(page);
	put_page(page);
	/* ruleid: RK201 */
	put_page(page);
}

int early_return_in_loop(struct device_node *np)
{
	struct device_node *child;

	for_each_child_of_node(np, child) {
		if (!of_device_is_available(child))
			/* ruleid: RK401 */
			return -ENODEV;
		setup(child);
	}
	return 0;
}

int break_in_loop(struct device_node *np)
{
	struct device_node *child;
	int n = 0;

	for_each_available_child_of_node(np, child) {
		if (n++ > 4)
			/* ruleid: RK401 */
			break;
	}
	return n;
}

int put_before_return_ok(struct device_node *np)
{
	struct device_node *child;

	/* ruleid: RK402 */
	for_each_child_of_node(np, child) {
		if (!of_device_is_available(child)) {
			of_node_put(child);
			/* ok: RK401 */
			return -ENODEV;
		}
	}
	return 0;
}

int scoped_loop_ok(struct device_node *np)
{
	struct device_node *child;

	for_each_child_of_node_scoped(np, child) {
		if (!of_device_is_available(child))
			/* ok: RK401 */
			return -ENODEV;
	}
	return 0;
}

struct device_node *find_ok(struct device_node *np)
{
	struct device_node *child;

	for_each_child_of_node(np, child) {
		if (of_node_name_eq(child, "led"))
			/* ok: RK401 */
			return child;
	}
	return NULL;
}

int error_skips_put(struct device *dev)
{
	int ret;

	get_device(dev);
	ret = start(dev);
	if (ret)
		/* ruleid: RK401 */
		return ret;
	stop(dev);
	put_device(dev);
	return 0;
}

int error_puts_ok(struct device *dev)
{
	int ret;

	get_device(dev);
	ret = start(dev);
	if (ret) {
		put_device(dev);
		/* ok: RK401 */
		return ret;
	}
	stop(dev);
	put_device(dev);
	return 0;
}

int put_then_continue(struct fwnode_handle *parent)
{
	struct fwnode_handle *child;
	u32 reg;

	fwnode_for_each_child_node(parent, child) {
		if (fwnode_property_read_u32(child, "reg", &reg)) {
			/* ruleid: RK201 */
			fwnode_handle_put(child);
			continue;
		}
		use_reg(reg);
	}
	return 0;
}

int either_null_ok(struct device_node *np)
{
	struct device_node *parent = of_get_parent(np);

	if (!np || !parent)
		/* ok: RK401 */
		return -ENODEV;
	use_parent(parent);
	of_node_put(parent);
	return 0;
}

int tested_get_ok(struct chip *chip)
{
	if (!get_device(&chip->dev))
		/* ok: RK401 */
		return -ENODEV;
	use_chip(chip);
	put_device(&chip->dev);
	return 0;
}

void puts_in_a_loop_ok(struct platform_device *pdev, struct chip *chip)
{
	unsigned int idx;

	if (pm_runtime_resume_and_get(&pdev->dev) < 0)
		return;
	for (idx = 0; idx < chip->npwm; idx++) {
		if (channel_enabled(chip, idx))
			pm_runtime_put_noidle(&pdev->dev);
	}
	/* ok: RK201 */
	pm_runtime_put_sync(&pdev->dev);
}

/* a build's configuration tested twice takes the same branch both times */
static int bar_probe(struct platform_device *pdev, struct bar *bar)
{
	bool running = bar_running(bar);
	int ret;

	ret = clk_prepare_enable(bar->clk);
	if (ret)
		return ret;
	if (running)
		pm_runtime_set_active(&pdev->dev);
	else if (IS_ENABLED(CONFIG_PM))
		clk_disable_unprepare(bar->clk);
	pm_runtime_enable(&pdev->dev);
	ret = bar_add(bar);
	if (ret)
		goto err_pm;
	return 0;

err_pm:
	pm_runtime_disable(&pdev->dev);
	if (running || !IS_ENABLED(CONFIG_PM))
		goto err_clk;
	return ret;
err_clk:
	/* ok: RK201 */
	clk_disable_unprepare(bar->clk);
	return ret;
}

/* a pointer into the object carries it: container_of() gets it back */
static struct plane_state *foo_duplicate_state(struct plane *plane)
{
	struct foo_state *state;
	struct plane_state *base;

	state = kmemdup(to_foo_state(plane->state), sizeof(*state), GFP_KERNEL);
	if (!state)
		return NULL;
	state->buffer = NULL;
	base = &state->base;
	__plane_duplicate_state(plane, base);
	/* ok: RK201 */
	return base;
}

/* the first node's reference is lost when np is given the second */
static int foo_count(struct foo *foo)
{
	struct device_node *np;
	u32 a = 0, b = 0;

	np = of_get_child_by_name(foo->np, "a");
	if (np)
		of_property_read_u32(np, "n", &a);
	np = of_get_child_by_name(foo->np, "b");
	if (np) {
		of_property_read_u32(np, "n", &b);
		of_node_put(np);
	}
	foo->n = a + b;
	/* ruleid: RK201 */
	return 0;
}
