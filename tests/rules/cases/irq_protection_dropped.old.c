/* A lock the old code took with irqs or bottom halves off (RK310). */
struct wdt {
	spinlock_t lock;
	void __iomem *base;
	unsigned int count;
};

static int wdt_keepalive(struct wdt *wdt)
{
	unsigned long flags;

	spin_lock_irqsave(&wdt->lock, flags);
	writel(wdt->count, wdt->base);
	spin_unlock_irqrestore(&wdt->lock, flags);
	return 0;
}

static void wdt_stop(struct wdt *wdt)
{
	spin_lock_bh(&wdt->lock);
	writel(0, wdt->base);
	spin_unlock_bh(&wdt->lock);
}

static void wdt_set(struct wdt *wdt, unsigned int count)
{
	unsigned long flags;

	spin_lock_irqsave(&wdt->lock, flags);
	wdt->count = count;
	spin_unlock_irqrestore(&wdt->lock, flags);
}

static irqreturn_t wdt_irq(int irq, void *p)
{
	struct wdt *wdt = p;
	unsigned long flags;

	spin_lock_irqsave(&wdt->lock, flags);
	writel(0, wdt->base);
	spin_unlock_irqrestore(&wdt->lock, flags);
	return IRQ_HANDLED;
}

static void wdt_start(struct wdt *wdt)
{
	unsigned long flags;

	spin_lock_irqsave(&wdt->lock, flags);
	writel(wdt->count, wdt->base);
	spin_unlock_irqrestore(&wdt->lock, flags);
}

static void wdt_outer(struct wdt *wdt)
{
	unsigned long flags, f2;

	spin_lock_irqsave(&wdt->outer, flags);
	spin_lock_irqsave(&wdt->lock, f2);
	wdt->count = 0;
	spin_unlock_irqrestore(&wdt->lock, f2);
	spin_unlock_irqrestore(&wdt->outer, flags);
}
