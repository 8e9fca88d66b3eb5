/*
 * A DMA completion callback runs in atomic context (RK304): the DMA
 * driver calls it from its tasklet or irq handler. The trigger handler
 * of the same driver runs in a thread and may sleep.
 */
struct adc {
	struct iio_dev *indio_dev;
	struct dma_chan *chan;
	u8 *rx_buf;
	unsigned int bufi;
};

static void adc_dma_done(void *data)
{
	struct iio_dev *indio_dev = data;

	/* ruleid: RK304 */
	iio_trigger_poll_chained(indio_dev->trig);
}

static void adc_dma_push(void *data)
{
	struct adc *adc = data;

	/* ok: RK304 */
	iio_push_to_buffers(adc->indio_dev, &adc->rx_buf[adc->bufi]);
}

static irqreturn_t adc_trigger_handler(int irq, void *p)
{
	struct iio_poll_func *pf = p;

	/* ok: RK304 */
	msleep(1);
	iio_push_to_buffers(pf->indio_dev, pf->indio_dev->priv);
	return IRQ_HANDLED;
}

static int adc_dma_start(struct adc *adc, bool push)
{
	struct dma_async_tx_descriptor *desc;

	desc = dmaengine_prep_dma_cyclic(adc->chan, 0, 4096, 1024, DMA_DEV_TO_MEM, DMA_PREP_INTERRUPT);
	if (!desc)
		return -EBUSY;
	if (push)
		desc->callback = adc_dma_push;
	else
		desc->callback = adc_dma_done;
	desc->callback_param = adc->indio_dev;
	dmaengine_submit(desc);
	return 0;
}
