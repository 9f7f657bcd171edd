/* fact table: key = device key (17 B, see device.c), attr key be16, app
 * be16, value hash be32 (25 B); value layout in store/README.md. */
#include <errno.h>

#include "store_int.h"

#define FACT_KEY_LEN (OTW_STORE_DEVKEY_LEN + 8)
#define FACT_FIXED 28

static void fact_key(const struct otw_store_fact *f, uint8_t k[FACT_KEY_LEN])
{
	uint8_t *p = otw_put_bytes(k, f->dev, OTW_STORE_DEVKEY_LEN);

	p = otw_put_be16(p, f->key);
	p = otw_put_be16(p, f->app);
	p[0] = (uint8_t)(f->vhash >> 24);
	p[1] = (uint8_t)(f->vhash >> 16);
	p[2] = (uint8_t)(f->vhash >> 8);
	p[3] = (uint8_t)f->vhash;
}

static int decode(const uint8_t *k, size_t klen, const uint8_t *v,
		  size_t vlen, struct otw_store_fact *f)
{
	const uint8_t *p = k + OTW_STORE_DEVKEY_LEN;

	if (klen != FACT_KEY_LEN || vlen < FACT_FIXED)
		return OTW_ESTORE;
	memset(f, 0, sizeof(*f));
	memcpy(f->dev, k, OTW_STORE_DEVKEY_LEN);
	f->key = otw_get_be16(p);
	f->app = otw_get_be16(p + 2);
	f->vhash = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
		   (uint32_t)p[6] << 8 | p[7];
	f->len = v[0];
	f->prev_len = v[1];
	f->changes = otw_get_le16(v + 2);
	f->first_ns = otw_get_le64(v + 4);
	f->last_ns = otw_get_le64(v + 12);
	f->changed_ns = otw_get_le64(v + 20);
	if (f->len > OTW_ATTR_VAL_MAX || f->prev_len > OTW_ATTR_VAL_MAX ||
	    vlen != FACT_FIXED + (size_t)f->len + f->prev_len)
		return OTW_ESTORE;
	memcpy(f->val, v + FACT_FIXED, f->len);
	memcpy(f->prev, v + FACT_FIXED + f->len, f->prev_len);
	return 0;
}

int otw_store_fact_put(struct otw_txn *txn, const struct otw_store_fact *f)
{
	uint8_t k[FACT_KEY_LEN], val[FACT_FIXED + 2 * OTW_ATTR_VAL_MAX], *p = val;

	if (f->len > OTW_ATTR_VAL_MAX || f->prev_len > OTW_ATTR_VAL_MAX)
		return -EINVAL;
	fact_key(f, k);
	*p++ = f->len;
	*p++ = f->prev_len;
	p = otw_put_le16(p, f->changes);
	p = otw_put_le64(p, f->first_ns);
	p = otw_put_le64(p, f->last_ns);
	p = otw_put_le64(p, f->changed_ns);
	p = otw_put_bytes(p, f->val, f->len);
	p = otw_put_bytes(p, f->prev, f->prev_len);
	return otw_store_raw_put(txn, OTW_DB_FACT, k, sizeof(k), val,
				 (size_t)(p - val));
}

int otw_store_fact_get(struct otw_txn *txn, const struct otw_store_fact *key,
		       struct otw_store_fact *out)
{
	uint8_t k[FACT_KEY_LEN];
	const uint8_t *v;
	size_t n;
	int rc;

	fact_key(key, k);
	rc = otw_store_raw_get(txn, OTW_DB_FACT, k, sizeof(k), &v, &n);
	return rc != 0 ? rc : decode(k, sizeof(k), v, n, out);
}

struct walk {
	otw_store_fact_fn fn;
	void *arg;
};

static int walk_one(void *arg, const uint8_t *key, size_t klen,
		    const uint8_t *val, size_t vlen)
{
	struct walk *w = arg;
	struct otw_store_fact f;
	int rc = decode(key, klen, val, vlen, &f);

	return rc != 0 ? rc : w->fn(w->arg, &f);
}

int otw_store_fact_foreach(struct otw_txn *txn, otw_store_fact_fn fn,
			   void *arg)
{
	struct walk w = { fn, arg };

	return otw_store_raw_foreach(txn, OTW_DB_FACT, walk_one, &w);
}
