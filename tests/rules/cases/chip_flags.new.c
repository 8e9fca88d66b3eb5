/*
 * Chips whose flags say their callbacks run in atomic context (RK308):
 * a gpio_chip with can_sleep = false on an I2C regmap, a PWM chip with
 * atomic = true. The look-alike: a callback that touches MMIO only.
 */
static int baz_gpio_get(struct gpio_chip *gc, unsigned int off)
{
	struct baz *baz = gpiochip_get_data(gc);
	unsigned int val;
	int ret;

	/* ruleid: RK308 */
	ret = regmap_read(baz->map, BAZ_IN, &val);
	if (ret)
		return ret;
	return !!(val & BIT(off));
}

static void baz_gpio_set(struct gpio_chip *gc, unsigned int off, int value)
{
	struct baz *baz = gpiochip_get_data(gc);

	/* ok: RK308 */
	writel(value, baz->base + off);
}

static int baz_pwm_apply(struct pwm_chip *chip, struct pwm_device *pwm, const struct pwm_state *state)
{
	struct baz *baz = pwmchip_get_drvdata(chip);

	/* ruleid: RK308 */
	mutex_lock(&baz->lock);
	baz->duty = state->duty_cycle;
	mutex_unlock(&baz->lock);
	return 0;
}

static const struct pwm_ops baz_pwm_ops = {
	.apply = baz_pwm_apply,
};

static int baz_probe(struct i2c_client *client)
{
	struct baz *baz;
	struct gpio_chip *gc;
	struct pwm_chip *chip;

	baz = devm_kzalloc(&client->dev, sizeof(*baz), GFP_KERNEL);
	if (!baz)
		return -ENOMEM;
	baz->map = devm_regmap_init_i2c(client, &baz_regmap_config);
	if (IS_ERR(baz->map))
		return PTR_ERR(baz->map);
	gc = &baz->gc;
	gc->get = baz_gpio_get;
	gc->set = baz_gpio_set;
	gc->can_sleep = false;
	chip = devm_pwmchip_alloc(&client->dev, 1, 0);
	if (IS_ERR(chip))
		return PTR_ERR(chip);
	chip->ops = &baz_pwm_ops;
	chip->atomic = true;
	return devm_gpiochip_add_data(&client->dev, gc, baz);
}
