/*
 * An IIO triggered buffer is a registration: iio_triggered_buffer_setup()
 * sets it up on success, iio_triggered_buffer_cleanup() undoes it. Left
 * set up on a later error path of probe (RK401); look-alikes: a failed
 * setup that holds nothing, a ladder that cleans it up.
 */
static int foo_probe(struct i2c_client *client)
{
	struct iio_dev *indio_dev = foo_alloc(client);
	int ret;

	ret = iio_triggered_buffer_setup(indio_dev, NULL, foo_trigger_handler, NULL);
	if (ret)
		/* ok: RK401 */
		return ret;
	ret = foo_init_hw(client);
	if (ret)
		/* ruleid: RK401 */
		return ret;
	ret = iio_device_register(indio_dev);
	if (ret)
		goto err_buffer_cleanup;
	return 0;

err_buffer_cleanup:
	iio_triggered_buffer_cleanup(indio_dev);
	return ret;
}

static int foo_probe_unwinds(struct i2c_client *client)
{
	struct iio_dev *indio_dev = foo_alloc(client);
	int ret;

	ret = iio_triggered_buffer_setup(indio_dev, NULL, foo_trigger_handler, NULL);
	if (ret)
		return ret;
	ret = iio_device_register(indio_dev);
	if (ret)
		goto err_buffer_cleanup;
	return 0;

err_buffer_cleanup:
	iio_triggered_buffer_cleanup(indio_dev);
	/* ok: RK401 */
	return ret;
}
