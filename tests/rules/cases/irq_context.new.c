/*
 * Functions that run in atomic context because of how the visible code
 * registers them (RK304), and look-alikes that may sleep: thread
 * functions, unregistered functions, atomic allocations.
 */
static irqreturn_t foo_hard_handler(int irq, void *dev_id)
{
	struct foo *foo = dev_id;

	/* ruleid: RK304 */
	foo->buf = kzalloc(64, GFP_KERNEL);
	/* ok: RK304 */
	foo->tmp = kzalloc(64, GFP_ATOMIC);
	schedule_work(&foo->work);
	return IRQ_HANDLED;
}

static irqreturn_t foo_thread_fn(int irq, void *dev_id)
{
	struct foo *foo = dev_id;

	mutex_lock(&foo->lock);
	/* ok: RK304 */
	msleep(10);
	mutex_unlock(&foo->lock);
	return IRQ_HANDLED;
}

static int foo_read_status(struct foo *foo)
{
	return i2c_smbus_read_byte_data(foo->client, FOO_STATUS);
}

static irqreturn_t foo_alarm_handler(int irq, void *dev_id)
{
	struct foo *foo = dev_id;
	int status;

	/* ruleid: RK304 */
	status = foo_read_status(foo);
	if (status < 0)
		return IRQ_NONE;
	spin_lock(&foo->slock);
	/* ruleid: RK301 */
	usleep_range(100, 200);
	spin_unlock(&foo->slock);
	return IRQ_HANDLED;
}

static irqreturn_t foo_quick_check(int irq, void *dev_id)
{
	struct foo *foo = dev_id;

	/* ruleid: RK304 */
	mutex_lock(&foo->lock);
	foo->pending = true;
	mutex_unlock(&foo->lock);
	return IRQ_WAKE_THREAD;
}

static irqreturn_t foo_unregistered(int irq, void *dev_id)
{
	/* ok: RK304 */
	msleep(1);
	return IRQ_HANDLED;
}

static irqreturn_t foo_nested_thread(int irq, void *dev_id)
{
	struct foo *foo = dev_id;

	/* ok: RK304 */
	foo_read_status(foo);
	return IRQ_HANDLED;
}

static void foo_poll(struct timer_list *t)
{
	struct foo *foo = from_timer(foo, t, timer);

	/* ruleid: RK304 */
	mutex_lock(&foo->lock);
	foo->polls++;
	mutex_unlock(&foo->lock);
	mod_timer(&foo->timer, jiffies + HZ);
}

static int foo_probe(struct i2c_client *client)
{
	struct foo *foo;
	int ret;

	foo = devm_kzalloc(&client->dev, sizeof(*foo), GFP_KERNEL);
	if (!foo)
		return -ENOMEM;
	foo->client = client;
	timer_setup(&foo->timer, foo_poll, 0);
	ret = devm_request_irq(&client->dev, client->irq, foo_hard_handler, 0, "foo", foo);
	if (ret)
		return ret;
	ret = request_threaded_irq(foo->alarm_irq, foo_quick_check, foo_thread_fn,
				   IRQF_ONESHOT, "foo-alarm", foo);
	if (ret)
		return ret;
	ret = request_irq(foo->irq2, &foo_alarm_handler, 0, "foo2", foo);
	if (ret)
		return ret;
	return devm_request_threaded_irq(&client->dev, foo->irq3, NULL, foo_nested_thread,
					 IRQF_ONESHOT, "foo3", foo);
}

static irqreturn_t foo_mmio_handler(int irq, void *dev_id)
{
	struct foo *foo = dev_id;
	unsigned int status;

	/* ok: RK304 */
	regmap_read(foo->map, FOO_IRQ_STATUS, &status);
	/* ok: RK304 */
	regmap_write(foo->map, FOO_IRQ_STATUS, status);
	return status ? IRQ_HANDLED : IRQ_NONE;
}

static int foo_probe_mmio(struct platform_device *pdev, struct foo *foo)
{
	return devm_request_irq(&pdev->dev, platform_get_irq(pdev, 0), foo_mmio_handler, 0, "foo-mmio", foo);
}
