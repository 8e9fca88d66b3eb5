/* An object used after the put that may have freed it (RK209). */
void ctl_unregister(struct ctl *ctlr)
{
	device_del(&ctlr->dev);
	put_device(&ctlr->dev);
	mutex_lock(&board_lock);
	/* ruleid: RK209 */
	list_del(&ctlr->list);
	mutex_unlock(&board_lock);
	mutex_unlock(&ctlr->add_lock);
}

static void buf_drop(struct st *st)
{
	struct buf *b = st->buf;

	kfree(b);
	/* ruleid: RK209 */
	b->len = 0;
}

/* the pointer is given a new value before the next use */
static void buf_reset(struct st *st)
{
	kfree(st->buf);
	st->buf = NULL;
	/* ok: RK209 */
	st->len = 0;
}

/* a new function: the put comes last */
static void buf_free(struct st *st)
{
	/* ok: RK209 */
	st->buf->len = 0;
	kfree(st->buf);
}
