/*
 * Child-node loops left early after explicit puts (RK402), where the file
 * already uses the scoped twin of their iterator; look-alikes: scoped
 * iterators, loops never left early, loops that leak (RK401's), a loop
 * whose twin the code shown never uses (the tree may not have it).
 */
static int qq_parse_children(struct device *dev, struct device_node *np)
{
	struct device_node *child;
	u32 reg;
	int ret;

	/* ruleid: RK402 */
	for_each_available_child_of_node(np, child) {
		ret = of_property_read_u32(child, "reg", &reg);
		if (ret) {
			of_node_put(child);
			return ret;
		}
		if (reg > 8) {
			of_node_put(child);
			break;
		}
	}
	return 0;
}

static int qq_parse_scoped(struct device *dev, struct device_node *np)
{
	u32 reg;
	int ret;

	/* ok: RK402 */
	for_each_available_child_of_node_scoped(np, child) {
		ret = of_property_read_u32(child, "reg", &reg);
		if (ret)
			return ret;
	}
	return 0;
}

static int qq_count(struct device_node *np)
{
	struct device_node *child;
	int n = 0;

	/* ok: RK402 */
	for_each_child_of_node(np, child)
		n++;
	return n;
}

static int qq_parse_leaky(struct device_node *np)
{
	struct device_node *child;
	u32 reg;

	/* ok: RK402 */
	for_each_child_of_node(np, child) {
		if (of_property_read_u32(child, "reg", &reg))
			/* ruleid: RK401 */
			return -EINVAL;
	}
	return 0;
}

static int qq_parse_fwnode(struct device *dev)
{
	struct fwnode_handle *child;
	int ret;

	/* ruleid: RK402 */
	device_for_each_child_node(dev, child) {
		ret = qq_add(dev, child);
		if (ret) {
			fwnode_handle_put(child);
			return dev_err_probe(dev, ret, "bad child\n");
		}
	}
	return 0;
}

static int qq_count_fwnode(struct device *dev)
{
	int n = 0;

	/* ok: RK402 */
	device_for_each_child_node_scoped(dev, child)
		n += qq_weight(child);
	return n;
}

static int qq_parse_ports(struct device *dev)
{
	struct fwnode_handle *port;
	int ret;

	/* ok: RK402 */
	fwnode_for_each_child_node(dev_fwnode(dev), port) {
		ret = qq_add(dev, port);
		if (ret) {
			fwnode_handle_put(port);
			return ret;
		}
	}
	return 0;
}
