/*
 * Callbacks that run in atomic context because of the structure member
 * that holds them (RK304): an irq_chip's mask and type callbacks and an
 * atomic I2C transfer; and the look-alikes beside them: the bus-lock
 * callbacks of a slow-bus irq_chip and the sleeping transfer.
 */
struct foo {
	struct i2c_client *client;
	struct mutex bus_lock;
	u8 mask, mask_shadow;
};

static void foo_irq_mask(struct irq_data *d)
{
	struct foo *foo = irq_data_get_irq_chip_data(d);

	/* ruleid: RK304 */
	i2c_smbus_write_byte_data(foo->client, FOO_MASK, foo->mask | BIT(d->hwirq));
}

static void foo_irq_unmask(struct irq_data *d)
{
	struct foo *foo = irq_data_get_irq_chip_data(d);

	/* ok: RK304 */
	foo->mask &= ~BIT(d->hwirq);
}

static void foo_irq_bus_lock(struct irq_data *d)
{
	struct foo *foo = irq_data_get_irq_chip_data(d);

	/* ok: RK304 */
	mutex_lock(&foo->bus_lock);
}

static void foo_irq_bus_sync_unlock(struct irq_data *d)
{
	struct foo *foo = irq_data_get_irq_chip_data(d);

	if (foo->mask != foo->mask_shadow)
		/* ok: RK304 */
		i2c_smbus_write_byte_data(foo->client, FOO_MASK, foo->mask);
	mutex_unlock(&foo->bus_lock);
}

static const struct irq_chip foo_irq_chip = {
	.name = "foo",
	.irq_mask = foo_irq_mask,
	.irq_unmask = foo_irq_unmask,
	.irq_bus_lock = foo_irq_bus_lock,
	.irq_bus_sync_unlock = foo_irq_bus_sync_unlock,
};

static int bar_xfer(struct i2c_adapter *adap, struct i2c_msg *msgs, int num)
{
	/* ok: RK304 */
	msleep(1);
	return num;
}

static int bar_xfer_atomic(struct i2c_adapter *adap, struct i2c_msg *msgs, int num)
{
	/* ruleid: RK304 */
	usleep_range(10, 20);
	return num;
}

static void bar_setup(struct bar *bar)
{
	bar->algo.master_xfer = bar_xfer;
	bar->algo.master_xfer_atomic = bar_xfer_atomic;
}
