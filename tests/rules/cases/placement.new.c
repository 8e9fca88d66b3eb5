void early_get(struct page *page)
{
	bool cleared;

	/* ruleid: RK202 */
	get_page(page);
	cleared = test_clear(page);
	if (!ready(page)) {
		put_page(page);
		return;
	}
	if (cleared) {
		prepare(page);
		take_off_list(page);
		hand_over(page);
	} else {
		put_page(page);
		failed(page);
	}
}

void late_get_ok(struct page *page, bool keep)
{
	if (keep) {
		/* ok: RK202 */
		get_page(page);
		prepare(page);
		hand_over(page);
	}
}

int tested_result_ok(struct device *dev, int x)
{
	int ret;

	/* ok: RK202 */
	ret = pm_runtime_get_sync(dev);
	if (ret < 0) {
		pm_runtime_put_noidle(dev);
		return ret;
	}
	start_it(dev);
	return 0;
}

int power_get_ok(struct chip *chip, int enable)
{
	int ret;

	/* ok: RK202 */
	pm_runtime_get_sync(chip->dev);
	ret = configure(chip);
	if (ret) {
		pm_runtime_put(chip->dev);
		return ret;
	}
	return enable_hw(chip);
}
