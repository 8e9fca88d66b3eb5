/*
 * A gpio_chip's can_sleep speaks of its value callbacks only (RK308): a
 * chip that never sleeps may change a line's direction under a mutex
 * (pinctrl_gpio_direction_*() take one). Its set callback may not sleep:
 * one finding, which lists each place it may.
 */
static int dir_gpio_direction_input(struct gpio_chip *gc, unsigned int off)
{
	struct dir *dir = gpiochip_get_data(gc);

	/* ok: RK308 */
	mutex_lock(&dir->mux_lock);
	dir->dirs &= ~BIT(off);
	writel(dir->dirs, dir->base + DIR_DIR);
	mutex_unlock(&dir->mux_lock);
	return 0;
}

static int dir_gpio_direction_output(struct gpio_chip *gc, unsigned int off, int value)
{
	struct dir *dir = gpiochip_get_data(gc);

	writel(value, dir->base + DIR_OUT(off));
	/* ok: RK308 */
	mutex_lock(&dir->mux_lock);
	dir->dirs |= BIT(off);
	writel(dir->dirs, dir->base + DIR_DIR);
	mutex_unlock(&dir->mux_lock);
	return 0;
}

static void dir_gpio_set(struct gpio_chip *gc, unsigned int off, int value)
{
	struct dir *dir = gpiochip_get_data(gc);

	/* ruleid: RK308 */
	mutex_lock(&dir->mux_lock);
	writel(value, dir->base + DIR_OUT(off));
	/* ok: RK308 (the callback's one finding lists it) */
	usleep_range(10, 20);
	mutex_unlock(&dir->mux_lock);
}

static const struct gpio_chip dir_gpio_chip = {
	.direction_input = dir_gpio_direction_input,
	.direction_output = dir_gpio_direction_output,
	.set = dir_gpio_set,
	.can_sleep = false,
};
