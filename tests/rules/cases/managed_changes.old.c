/*
 * A plain release of a managed resource that the old code already had:
 * only what the patch introduced is reported.
 */
static int qux_probe(struct device *dev, struct qux *q)
{
	q->gpio = devm_gpiod_get(dev, "reset", GPIOD_OUT_LOW);
	if (IS_ERR(q->gpio))
		return PTR_ERR(q->gpio);
	return 0;
}

static void qux_remove(struct qux *q)
{
	gpiod_put(q->gpio);
}
