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
	g_write(g, G_PERIOD, val);
	g_write(g, G_DUTY, val / 2);
	g_write(g, G_CTRL, mode);
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
	g_write(g, G_PERIOD, val);
	g_write(g, G_CTRL, mode);
	mutex_unlock(&g->lock);
	return 0;
}
