/*
 * Jump labels for a lock (RK103): a new label whose way on releases the
 * lock at once adds a way to the unlock; a new label that skips part of
 * the locked work and lands on the rest of it does not (pwm-sun4i's
 * bypass_mode, linux-pwm archive).
 */
static int g_apply(struct g *g, int mode, int val)
{
	int ret;

	mutex_lock(&g->lock);
	ret = g_calc(g, val);
	if (ret) {
		mutex_unlock(&g->lock);
		if (!val)
			g_off(g);
		return ret;
	}
	if (mode == G_BYPASS)
		goto bypass;
	g_write(g, G_PERIOD, val);
	g_write(g, G_DUTY, val / 2);
bypass:
	g_write(g, G_CTRL, mode);
	/* ok: RK103 */
	mutex_unlock(&g->lock);
	if (!val)
		g_off(g);
	return 0;
}

static int g_set(struct g *g, int mode, int val)
{
	int ret;

	mutex_lock(&g->lock);
	ret = g_calc(g, val);
	if (ret) {
		mutex_unlock(&g->lock);
		return ret;
	}
	if (mode == G_BYPASS) {
		g_write(g, G_CTRL, mode);
		/* ruleid: RK103 */
		mutex_unlock(&g->lock);
		g_log(g);
		goto out;
	}
	g_write(g, G_PERIOD, val);
	g_write(g, G_CTRL, mode);
	mutex_unlock(&g->lock);
out:
	g_done(g);
	return 0;
}
