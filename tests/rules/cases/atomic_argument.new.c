/*
 * An atomic callback that calls a common helper with a constant saying
 * it is atomic (RK304): the helper polls on that branch and waits on the
 * other. The call that passes the other constant from atomic context
 * still sleeps, and so does one whose constant the helper overrides.
 */
static int qx_xfer_core(struct qx *qx, struct i2c_msg *msgs, int num, bool polling)
{
	int ret = 0;

	qx_start(qx, msgs, num);
	if (polling) {
		ret = qx_poll(qx);
	} else {
		if (!wait_event_timeout(qx->wait, qx->done, HZ))
			ret = -ETIMEDOUT;
	}
	return ret ? ret : num;
}

static int qx_xfer_atomic(struct i2c_adapter *adap, struct i2c_msg *msgs, int num)
{
	/* ok: RK304 */
	return qx_xfer_core(i2c_get_adapdata(adap), msgs, num, true);
}

static int qx_xfer(struct i2c_adapter *adap, struct i2c_msg *msgs, int num)
{
	return qx_xfer_core(i2c_get_adapdata(adap), msgs, num, false);
}

static const struct i2c_algorithm qx_algo = {
	.xfer = qx_xfer,
	.xfer_atomic = qx_xfer_atomic,
};

static void qx_settle(struct qx *qx, bool quick)
{
	if (!quick)
		msleep(10);
	writel(0, qx->base);
}

static void qx_drain(struct qx *qx, bool quick)
{
	if (qx->slow)
		quick = false;
	if (!quick)
		msleep(5);
	writel(1, qx->base);
}

static irqreturn_t qx_irq(int irq, void *data)
{
	struct qx *qx = data;

	/* ruleid: RK304 */
	qx_settle(qx, false);
	/* ruleid: RK304 */
	qx_drain(qx, true);
	qx->done = true;
	wake_up(&qx->wait);
	return IRQ_HANDLED;
}

static int qx_probe(struct platform_device *pdev)
{
	struct qx *qx = platform_get_drvdata(pdev);

	return devm_request_irq(&pdev->dev, qx->irq, qx_irq, 0, "qx", qx);
}
