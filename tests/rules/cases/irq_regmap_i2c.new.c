/*
 * A regmap on I2C sleeps: in a hard-irq handler its calls are reported
 * (RK304) when the code shows how the map was set up.
 */
static irqreturn_t rq_irq(int irq, void *data)
{
	struct rq *rq = data;
	unsigned int status;

	/* ruleid: RK304 */
	regmap_read(rq->map, RQ_STATUS, &status);
	return status ? IRQ_HANDLED : IRQ_NONE;
}

static irqreturn_t rq_irq_thread(int irq, void *data)
{
	struct rq *rq = data;
	unsigned int status;

	/* ok: RK304 */
	regmap_read(rq->map, RQ_STATUS, &status);
	return IRQ_HANDLED;
}

static int rq_probe(struct i2c_client *client)
{
	struct rq *rq;
	int ret;

	rq = devm_kzalloc(&client->dev, sizeof(*rq), GFP_KERNEL);
	if (!rq)
		return -ENOMEM;
	rq->map = devm_regmap_init_i2c(client, &rq_regmap_config);
	if (IS_ERR(rq->map))
		return PTR_ERR(rq->map);
	ret = devm_request_irq(&client->dev, client->irq, rq_irq, 0, "rq", rq);
	if (ret)
		return ret;
	return devm_request_threaded_irq(&client->dev, rq->irq2, NULL, rq_irq_thread, IRQF_ONESHOT, "rq2", rq);
}
