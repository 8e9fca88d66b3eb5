/*
 * A syscon's regmap is MMIO underneath: it never sleeps, so its calls
 * under a spinlock are fine (RK301); an allocation that may sleep there
 * is not.
 */
static int sc_apply(struct pwm_chip *chip, struct pwm_device *pwm, const struct pwm_state *state)
{
	struct sc *sc = pwmchip_get_drvdata(chip);

	spin_lock(&sc->lock);
	/* ok: RK301 */
	regmap_write(sc->regmap, SC_DUTY(pwm->hwpwm), state->duty_cycle);
	if (!sc->saved) {
		/* ruleid: RK301 */
		sc->saved = kzalloc(sizeof(*state), GFP_KERNEL);
	}
	spin_unlock(&sc->lock);
	return 0;
}

static int sc_probe(struct platform_device *pdev)
{
	struct sc *sc;

	sc = devm_kzalloc(&pdev->dev, sizeof(*sc), GFP_KERNEL);
	if (!sc)
		return -ENOMEM;
	sc->regmap = syscon_node_to_regmap(pdev->dev.of_node->parent);
	if (IS_ERR(sc->regmap))
		return PTR_ERR(sc->regmap);
	spin_lock_init(&sc->lock);
	return 0;
}
