/*
 * Unwind loops that count down (RK415), before the patch: each runs down
 * to element 0.
 */
static int foo_alloc_all(struct foo *f, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		f->buf[i] = kzalloc(16, GFP_KERNEL);
		if (!f->buf[i])
			goto err_free;
	}
	return 0;

err_free:
	for (i--; i >= 0; i--)
		kfree(f->buf[i]);
	return -ENOMEM;
}

static int foo_get_nodes(struct foo *f, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		f->np[i] = of_get_child_by_name(f->node, f->names[i]);
		if (!f->np[i])
			goto err_put;
	}
	return 0;

err_put:
	while (i--)
		of_node_put(f->np[i]);
	return -ENODEV;
}

static void foo_free_shifted(struct foo *f, int n)
{
	int i;

	for (i = n; i > 0; i--)
		kfree(f->buf[i - 1]);
}

static void foo_free_first_apart(struct foo *f, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--)
		kfree(f->buf[i]);
}

static void foo_free_up(struct foo *f, int n)
{
	int i;

	for (i = 0; i < n; i++)
		kfree(f->buf[i]);
}

static void foo_free_while(struct foo *f, int n)
{
	while (n-- > 0)
		kfree(f->buf[n]);
}
