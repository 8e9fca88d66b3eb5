/*
 * References handed on in ways C makes plain but a call-by-call walk can
 * miss: stored into a variable of static storage duration (file scope, or a
 * static local), tested for NULL through a wrapper that passes its
 * argument's truth on (WARN_ON(), unlikely()), kept by a __free() variable
 * declared NULL and given the reference later, and a pointer returned after
 * a test that it is not NULL (a success, not an error code); and beside
 * them, the leaks they resemble.
 */
static u32 *reg_cache;
static struct device_node *common_node;
static void __iomem *ctrl_base;

static int cache_init(int n)
{
	reg_cache = kcalloc(n, sizeof(*reg_cache), GFP_KERNEL);
	if (!reg_cache)
		return -ENOMEM;
	/* ok: RK201 */
	return 0;
}

static int common_node_init(struct device_node *parent)
{
	struct device_node *np;

	np = of_get_child_by_name(parent, "common");
	if (!np)
		return -ENODEV;
	common_node = np;
	/* ok: RK201 */
	return 0;
}

static int remembered_node(struct device_node *parent)
{
	static struct device_node *last;

	last = of_get_child_by_name(parent, "last");
	if (!last)
		return -ENODEV;
	/* ok: RK201 */
	return 0;
}

static int ctrl_init(struct device_node *node, int irqs)
{
	int ret;

	ctrl_base = of_iomap(node, 0);
	if (!ctrl_base)
		return -ENOMEM;
	ret = setup_irqs(irqs);
	if (ret)
		/* ok: RK401 */
		return ret;
	return 0;
}

static int local_cache_init(int n)
{
	u32 *cache;

	cache = kcalloc(n, sizeof(*cache), GFP_KERNEL);
	if (!cache)
		return -ENOMEM;
	fill(n);
	/* ruleid: RK201 */
	return 0;
}

static void affinity_of(struct device_node *aff, int n, struct cpumask *mask)
{
	int i;

	for (i = 0; i < n; i++) {
		struct device_node *cpu_node;
		u32 phandle;
		int cpu;

		if (of_property_read_u32_index(aff, "cpus", i, &phandle))
			continue;
		cpu_node = of_find_node_by_phandle(phandle);
		if (WARN_ON(!cpu_node))
			continue;
		cpu = of_cpu_node_to_id(cpu_node);
		of_node_put(cpu_node);
		if (WARN_ON(cpu < 0))
			continue;
		cpumask_set_cpu(cpu, mask);
	}
	/* ok: RK201 */
}

static int child_count(struct device_node *parent)
{
	struct device_node *np;

	np = of_get_child_by_name(parent, "x");
	if (unlikely(!np))
		/* ok: RK201 */
		return 0;
	if (WARN(np->data == NULL, "no data\n"))
		/* ruleid: RK401 */
		return -EINVAL;
	of_node_put(np);
	return 1;
}

static int parse_pins(struct device_node *np, struct group *grp)
{
	struct device_node *pins __free(device_node) = NULL;
	struct property *pp;
	int npins = 0;

	pins = of_get_child_by_name(np, "pins");
	if (!pins)
		return -ENODATA;
	for_each_property_of_node(pins, pp) {
		if (pp->length < 4)
			/* ok: RK401 */
			return -EINVAL;
		npins++;
	}
	grp->npins = npins;
	/* ok: RK201 */
	return 0;
}

static int parse_pins_plain(struct device_node *np, struct group *grp)
{
	struct device_node *pins = NULL;
	struct property *pp;
	int npins = 0;

	pins = of_get_child_by_name(np, "pins");
	if (!pins)
		return -ENODATA;
	for_each_property_of_node(pins, pp)
		npins++;
	grp->npins = npins;
	/* ruleid: RK201 */
	return 0;
}

struct irq_domain *chip_init(struct device_node *node, int nchips, const struct irq_domain_ops *ops)
{
	struct irq_chip_generic *gc;
	struct irq_domain *domain;
	struct chip_data *priv;
	void __iomem *reg_base;
	int ret, i;

	reg_base = of_iomap(node, 0);
	if (!reg_base)
		return ERR_PTR(-ENOMEM);
	priv = kcalloc(nchips, sizeof(*priv), GFP_KERNEL);
	if (!priv) {
		ret = -ENOMEM;
		goto err_iounmap;
	}
	domain = irq_domain_add_linear(node, nchips * 32, ops, priv);
	if (!domain) {
		ret = -ENOMEM;
		goto err_free;
	}
	for (i = 0; i < nchips; i++) {
		gc = irq_get_domain_generic_chip(domain, i * 32);
		gc->reg_base = reg_base;
	}
	/* ok: RK401 */
	return domain;

err_free:
	kfree(priv);
err_iounmap:
	iounmap(reg_base);
	return ERR_PTR(ret);
}

static int maybe_kept(struct device_node *parent, struct priv *priv, bool keep)
{
	struct device_node *np;

	np = of_get_child_by_name(parent, "x");
	if (!np)
		return -ENODEV;
	if (keep)
		priv->np = np;
	/* ruleid: RK201 */
	return 0;
}

static char *cmd_buf;

static int cmd_init(void)
{
	cmd_buf = kmalloc(64, GFP_KERNEL);
	if (!cmd_buf)
		return -ENOMEM;
	if (send_cmd(cmd_buf)) {
		kfree(cmd_buf);
		return -EINVAL;
	}
	if (cancel_cmd())
		/* ruleid: RK401 */
		return -EINVAL;
	return register_cmd();
}
