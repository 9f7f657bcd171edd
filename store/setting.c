#include "setting.h"

#include <errno.h>

#include "store_int.h"

static int name_len(const char *name, size_t *n)
{
	*n = strnlen(name, OTW_SETTING_NAME_MAX);
	return *n == 0 || *n >= OTW_SETTING_NAME_MAX ? -EINVAL : 0;
}

int otw_store_setting_put(struct otw_txn *txn, const char *name,
			  const void *val, size_t len)
{
	size_t n;

	if (name_len(name, &n) != 0 || len > OTW_SETTING_VAL_MAX)
		return -EINVAL;
	return otw_store_raw_put(txn, OTW_DB_SETTING, name, n, val, len);
}

int otw_store_setting_get(struct otw_txn *txn, const char *name, void *buf,
			  size_t cap, size_t *len)
{
	const uint8_t *v;
	size_t n, vlen;
	int rc;

	if (name_len(name, &n) != 0)
		return OTW_ENOTFOUND;
	if ((rc = otw_store_raw_get(txn, OTW_DB_SETTING, name, n, &v, &vlen)) != 0)
		return rc;
	*len = vlen;
	if (cap > 0) {
		size_t c = vlen < cap ? vlen : cap;
		memcpy(buf, v, c);
		if (vlen < cap)
			((char *)buf)[vlen] = '\0';
	}
	return 0;
}

int otw_store_setting_del(struct otw_txn *txn, const char *name)
{
	size_t n;

	if (name_len(name, &n) != 0)
		return OTW_ENOTFOUND;
	return otw_store_raw_del(txn, OTW_DB_SETTING, name, n);
}

struct walk {
	const char *prefix;
	size_t plen;
	otw_store_setting_fn fn;
	void *arg;
};

static int one(void *arg, const uint8_t *k, size_t klen, const uint8_t *v,
	       size_t vlen)
{
	struct walk *w = arg;
	char name[OTW_SETTING_NAME_MAX];

	if (klen >= sizeof(name))
		return OTW_ESTORE;
	if (klen < w->plen || memcmp(k, w->prefix, w->plen) != 0)
		return 0;
	memcpy(name, k, klen);
	name[klen] = '\0';
	return w->fn(w->arg, name, v, vlen);
}

int otw_store_setting_foreach(struct otw_txn *txn, const char *prefix,
			      otw_store_setting_fn fn, void *arg)
{
	struct walk w = { prefix, strlen(prefix), fn, arg };

	return otw_store_raw_foreach(txn, OTW_DB_SETTING, one, &w);
}
