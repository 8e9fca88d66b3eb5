/*
 * Puts of a parameter's reference on error exits only (RK204), and
 * look-alikes: functions that always consume it, that hand it to a
 * callee that may keep it.
 */
static int bp_add_child(struct bp *bp, struct device_node *np)
{
	u32 reg;

	if (of_property_read_u32(np, "reg", &reg)) {
		dev_err(bp->dev, "no reg in %pOF\n", np);
		/* ruleid: RK204 */
		of_node_put(np);
		return -EINVAL;
	}
	bp->regs[reg] = true;
	return 0;
}

static int bp_consume(struct bp *bp, struct device_node *np)
{
	u32 reg;

	if (of_property_read_u32(np, "reg", &reg)) {
		/* ok: RK204 */
		of_node_put(np);
		return -EINVAL;
	}
	bp->regs[reg] = true;
	of_node_put(np);
	return 0;
}

static int bp_register(struct bp *bp, struct device_node *np)
{
	int ret;

	ret = bp_core_register(bp, np);
	if (ret) {
		/* ok: RK204 */
		of_node_put(np);
		return ret;
	}
	return 0;
}

static int bp_probe(struct bp *bp, struct device_node *parent)
{
	struct device_node *child;
	int ret;

	for_each_child_of_node(parent, child) {
		ret = bp_add_child(bp, child);
		if (ret)
			/* ruleid: RK401 */
			return ret;
	}
	return 0;
}
