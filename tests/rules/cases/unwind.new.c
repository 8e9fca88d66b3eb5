/*
 * Unwind loops that count down (RK415), after the patch. Flagged: a test
 * changed to stop at element 1 while the body releases element i.
 * Look-alikes: a loop that releases element i - 1 and so still reaches 0,
 * element 0 released apart after the loop, a loop counting up, a test
 * rewritten to one that still reaches 0.
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
	/* ruleid: RK415 */
	for (i--; i; i--)
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
	/* ruleid: RK415 */
	while (--i)
		of_node_put(f->np[i]);
	return -ENODEV;
}

static void foo_free_shifted(struct foo *f, int n)
{
	int i;

	/* ok: RK415 */
	for (i = n; i; i--)
		kfree(f->buf[i - 1]);
}

static void foo_free_first_apart(struct foo *f, int n)
{
	int i;

	/* ok: RK415 */
	for (i = n - 1; i > 0; i--)
		kfree(f->buf[i]);
	kfree(f->buf[0]);
}

static void foo_free_up(struct foo *f, int n)
{
	int i;

	/* ok: RK415 */
	for (i = 1; i < n; i++)
		kfree(f->buf[i]);
}

static void foo_free_while(struct foo *f, int n)
{
	/* ok: RK415 */
	while (n--)
		kfree(f->buf[n]);
}
