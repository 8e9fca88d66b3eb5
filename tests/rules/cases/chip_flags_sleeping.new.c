/*
 * The look-alike of chip_flags.new.c (RK308): this gpio_chip says it
 * sleeps, so consumers use the _cansleep calls and its callbacks may
 * sleep. Its PWM chip says the opposite.
 */
static int qux_gpio_get(struct gpio_chip *gc, unsigned int off)
{
	struct qux *qux = gpiochip_get_data(gc);
	unsigned int val;

	/* ok: RK308, RK304 */
	regmap_read(qux->map, QUX_IN, &val);
	return !!(val & BIT(off));
}

static int qux_pwm_apply(struct pwm_chip *chip, struct pwm_device *pwm, const struct pwm_state *state)
{
	struct qux *qux = pwmchip_get_drvdata(chip);

	/* ruleid: RK308 */
	return regmap_write(qux->map, QUX_DUTY, state->duty_cycle);
}

static const struct pwm_ops qux_pwm_ops = {
	.apply = qux_pwm_apply,
};

static int qux_probe(struct i2c_client *client)
{
	struct qux *qux;
	struct gpio_chip *gc;
	struct pwm_chip *chip;

	qux = devm_kzalloc(&client->dev, sizeof(*qux), GFP_KERNEL);
	if (!qux)
		return -ENOMEM;
	qux->map = devm_regmap_init_i2c(client, &qux_regmap_config);
	if (IS_ERR(qux->map))
		return PTR_ERR(qux->map);
	gc = &qux->gc;
	gc->get = qux_gpio_get;
	gc->can_sleep = true;
	chip = devm_pwmchip_alloc(&client->dev, 1, 0);
	if (IS_ERR(chip))
		return PTR_ERR(chip);
	chip->ops = &qux_pwm_ops;
	chip->atomic = 1;
	return devm_gpiochip_add_data(&client->dev, &qux->gc, qux);
}
