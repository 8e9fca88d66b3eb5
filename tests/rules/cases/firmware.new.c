/*
 * A firmware image is an allocation: request_firmware() fills it in on
 * success, release_firmware() frees it. Used after the release (RK209),
 * left on an error path (RK401); look-alikes: released after its last
 * use, a failed request that holds nothing.
 */
static int foo_load(struct foo *foo)
{
	const struct firmware *fw;
	int ret;

	ret = request_firmware(&fw, "foo.bin", foo->dev);
	if (ret)
		/* ok: RK401 */
		return ret;
	if (fw->size < 4) {
		release_firmware(fw);
		return -EINVAL;
	}
	memcpy(foo->buf, fw->data, fw->size);
	/* ok: RK209 */
	release_firmware(fw);
	return 0;
}

static int foo_load_early(struct foo *foo)
{
	const struct firmware *fw;
	int ret;

	ret = request_firmware(&fw, "foo.bin", foo->dev);
	if (ret)
		return ret;
	memcpy(foo->buf, fw->data, 4);
	release_firmware(fw);
	/* ruleid: RK209 */
	foo->size = fw->size;
	return 0;
}

static int foo_load_short(struct foo *foo)
{
	const struct firmware *fw;
	int ret;

	ret = request_firmware(&fw, "foo.bin", foo->dev);
	if (ret)
		return ret;
	if (fw->size < 4)
		/* ruleid: RK401 */
		return -EINVAL;
	memcpy(foo->buf, fw->data, fw->size);
	release_firmware(fw);
	return 0;
}
