/*
 * A put after an unregister that gives the controller's reference back
 * itself (RK201), and look-alikes: a reference of the function's own
 * taken first to keep the controller past the unregister (also where
 * the get wraps the lookup, as drivers/spi/spi-rockchip.c does), the
 * unregister alone.
 */
static void x_spi_remove(struct platform_device *pdev)
{
	struct spi_controller *ctlr = platform_get_drvdata(pdev);
	struct x_spi *xs = spi_controller_get_devdata(ctlr);

	x_spi_hw_disable(xs);
	spi_unregister_controller(ctlr);
	/* ruleid: RK201 */
	spi_controller_put(ctlr);
}

static void y_spi_remove(struct platform_device *pdev)
{
	struct spi_controller *ctlr = platform_get_drvdata(pdev);
	struct y_spi *ys = spi_controller_get_devdata(ctlr);

	spi_controller_get(ctlr);
	spi_unregister_controller(ctlr);
	y_spi_hw_disable(ys);
	/* ok: RK201 */
	spi_controller_put(ctlr);
}

static void z_spi_remove(struct platform_device *pdev)
{
	struct spi_controller *ctlr = platform_get_drvdata(pdev);
	struct z_spi *zs = spi_controller_get_devdata(ctlr);

	z_spi_hw_disable(zs);
	/* ok: RK201 */
	spi_unregister_controller(ctlr);
}

static void w_spi_remove(struct platform_device *pdev)
{
	struct spi_controller *ctlr = spi_controller_get(platform_get_drvdata(pdev));
	struct w_spi *ws = spi_controller_get_devdata(ctlr);

	spi_unregister_controller(ctlr);
	w_spi_hw_disable(ws);
	/* ok: RK201 */
	spi_controller_put(ctlr);
}
