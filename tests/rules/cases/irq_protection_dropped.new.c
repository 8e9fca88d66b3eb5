/* A lock the old code took with irqs or bottom halves off (RK310). */
struct wdt {
	spinlock_t lock;
	void __iomem *base;
	unsigned int count;
};

static int wdt_keepalive(struct wdt *wdt)
{
	/* ruleid: RK310 */
	spin_lock(&wdt->lock);
	writel(wdt->count, wdt->base);
	spin_unlock(&wdt->lock);
	return 0;
}

static void wdt_stop(struct wdt *wdt)
{
	/* ruleid: RK310 */
	spin_lock(&wdt->lock);
	writel(0, wdt->base);
	spin_unlock(&wdt->lock);
}

/* irqs off still: spin_lock_irq() shuts out what irqsave did */
static void wdt_set(struct wdt *wdt, unsigned int count)
{
	/* ok: RK310 */
	spin_lock_irq(&wdt->lock);
	wdt->count = count;
	spin_unlock_irq(&wdt->lock);
}

/* an irq handler: its context is not the code's to say (RK305's business) */
static irqreturn_t wdt_irq(int irq, void *p)
{
	struct wdt *wdt = p;

	/* ok: RK310 */
	spin_lock(&wdt->lock);
	writel(0, wdt->base);
	spin_unlock(&wdt->lock);
	return IRQ_HANDLED;
}

/* unchanged variant */
static void wdt_start(struct wdt *wdt)
{
	unsigned long flags;

	/* ok: RK310 */
	spin_lock_irqsave(&wdt->lock, flags);
	writel(wdt->count + 1, wdt->base);
	spin_unlock_irqrestore(&wdt->lock, flags);
}

/* an outer lock holds irqs off on every path */
static void wdt_outer(struct wdt *wdt)
{
	unsigned long flags;

	spin_lock_irqsave(&wdt->outer, flags);
	/* ok: RK310 */
	spin_lock(&wdt->lock);
	wdt->count = 0;
	spin_unlock(&wdt->lock);
	spin_unlock_irqrestore(&wdt->outer, flags);
}
