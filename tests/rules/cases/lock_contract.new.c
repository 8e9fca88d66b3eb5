/* A function hands a lock to its caller on every path, unannotated (RK110). */
struct st {
	spinlock_t lock;
	struct mutex m;
	void __iomem *base;
	int n;
};

/* ruleid: RK110 */
static void st_unlock_regs(struct st *st)
{
	spin_lock(&st->lock);
	writel(1, st->base);
}

/* ruleid: RK110 */
static void st_lock_regs(struct st *st)
{
	writel(0, st->base);
	spin_unlock(&st->lock);
}

/* the annotation stays */
/* ok: RK110 */
static void st_enter(struct st *st)
	__acquires(&st->lock)
{
	spin_lock(&st->lock);
	st->n += 2;
}

/* the release is gone from every path */
static int st_bump(struct st *st)
{
	int n;

	/* ruleid: RK110 */
	mutex_lock(&st->m);
	n = ++st->n;
	return n;
}

/* the function now hands the lock to its caller, and says so */
static int st_peek(struct st *st)
	__acquires(&st->m)
{
	/* ok: RK110 */
	mutex_lock(&st->m);
	return st->n;
}

/* a new wrapper: no old contract to compare with */
static void st_hold(struct st *st)
{
	/* ok: RK110 */
	mutex_lock(&st->m);
}
