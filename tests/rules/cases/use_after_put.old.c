/* An object used after the put that may have freed it (RK209). */
void ctl_unregister(struct ctl *ctlr)
{
	device_del(&ctlr->dev);
	mutex_lock(&board_lock);
	list_del(&ctlr->list);
	mutex_unlock(&board_lock);
	mutex_unlock(&ctlr->add_lock);
	put_device(&ctlr->dev);
}

static void buf_drop(struct st *st)
{
	struct buf *b = st->buf;

	b->len = 0;
	kfree(b);
}

static void buf_reset(struct st *st)
{
	kfree(st->buf);
	st->buf = NULL;
	st->len = 0;
}
