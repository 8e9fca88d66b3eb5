/*
 * A handler that already slept before the patch: only what the patch
 * adds is reported (RK304 is diff-aware).
 */
static irqreturn_t bar_handler(int irq, void *dev_id)
{
	struct bar *bar = dev_id;

	/* ok: RK304 */
	msleep(1);
	bar->count++;
	/* ruleid: RK304 */
	regulator_disable(bar->supply);
	return IRQ_HANDLED;
}

static int bar_probe(struct bar *bar)
{
	return request_irq(bar->irq, bar_handler, 0, "bar", bar);
}
