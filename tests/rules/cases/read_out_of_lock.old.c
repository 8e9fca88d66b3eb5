/* A field read outside the lock it was read under, still written under it (RK111). */
struct st {
	struct mutex lock;
	struct i2c_client *client;
	struct device *dev;
	u8 config;
	u8 mode;
	int last;
};

static int st_update_config(struct st *st, u8 config)
{
	int ret;

	ret = i2c_smbus_write_byte(st->client, config);
	if (!ret)
		st->config = config;
	return ret;
}

static int st_select(struct st *st, u8 chan)
{
	u8 config;
	int ret = 0;

	mutex_lock(&st->lock);
	if (CHAN(st->config) != chan) {
		config = (st->config & ~CHAN_MASK) | chan;
		ret = st_update_config(st, config);
	}
	mutex_unlock(&st->lock);
	return ret;
}

static int st_set_mode(struct st *st, u8 mode)
{
	int ret;

	mutex_lock(&st->lock);
	dev_dbg(st->dev, "mode %u -> %u\n", st->mode, mode);
	ret = i2c_smbus_write_byte(st->client, mode);
	if (!ret)
		st->mode = mode;
	mutex_unlock(&st->lock);
	return ret;
}

static int st_read(struct st *st)
{
	int v;

	mutex_lock(&st->lock);
	v = i2c_smbus_read_byte(st->client);
	st->last = v;
	mutex_unlock(&st->lock);
	return v;
}
