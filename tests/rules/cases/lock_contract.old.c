/* A function hands a lock to its caller on every path, unannotated (RK110). */
struct st {
	spinlock_t lock;
	struct mutex m;
	void __iomem *base;
	int n;
};

static void st_unlock_regs(struct st *st)
	__acquires(&st->lock)
{
	spin_lock(&st->lock);
	writel(1, st->base);
}

static void st_lock_regs(struct st *st)
	__releases(&st->lock)
{
	writel(0, st->base);
	spin_unlock(&st->lock);
}

static void st_enter(struct st *st)
	__acquires(&st->lock)
{
	spin_lock(&st->lock);
	st->n++;
}

static int st_bump(struct st *st)
{
	int n;

	mutex_lock(&st->m);
	n = ++st->n;
	mutex_unlock(&st->m);
	return n;
}

static int st_peek(struct st *st)
{
	int n;

	mutex_lock(&st->m);
	n = st->n;
	mutex_unlock(&st->m);
	return n;
}
