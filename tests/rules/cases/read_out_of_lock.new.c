/* A field read outside the lock it was read under, still written under it (RK111). */
struct st {
	struct mutex lock;
	struct i2c_client *client;
	struct device *dev;
	u8 config;
	u8 mode;
	int last;
};

/* the lock moved into the helper that writes the field */
static int st_update_config(struct st *st, u8 config)
{
	int ret;

	mutex_lock(&st->lock);
	ret = i2c_smbus_write_byte(st->client, config);
	if (!ret)
		st->config = config;
	mutex_unlock(&st->lock);
	return ret;
}

/* its caller tests and copies the field without the lock now */
static int st_select(struct st *st, u8 chan)
{
	u8 config;

	/* ruleid: RK111 */
	if (CHAN(st->config) != chan) {
		config = (st->config & ~CHAN_MASK) | chan;
		return st_update_config(st, config);
	}
	return 0;
}

/* only the log line left the lock */
static int st_set_mode(struct st *st, u8 mode)
{
	int ret;

	/* ok: RK111 */
	dev_dbg(st->dev, "mode %u -> %u\n", st->mode, mode);
	mutex_lock(&st->lock);
	ret = i2c_smbus_write_byte(st->client, mode);
	if (!ret)
		st->mode = mode;
	mutex_unlock(&st->lock);
	return ret;
}

/* the field is written under the lock still, and read under it too */
static int st_read(struct st *st)
{
	int v;

	mutex_lock(&st->lock);
	v = i2c_smbus_read_byte(st->client);
	st->last = v;
	/* ok: RK111 */
	v = st->last;
	mutex_unlock(&st->lock);
	return v;
}
