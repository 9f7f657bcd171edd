/* op table: key = src ip 16, dst ip 16, app be16, unit be16, func be16
 * (38 bytes); value = count, responses, exceptions, first_ns, last_ns, each
 * u64le, then addr_lo, addr_hi u32le (48 bytes). */
#include "store_int.h"

#define OP_KEY_LEN 38
#define OP_VAL_LEN 48

static void pack_key(uint8_t k[OP_KEY_LEN], const struct otw_store_op *o)
{
	uint8_t *p = k;

	p = otw_put_bytes(p, o->src_ip.b, 16);
	p = otw_put_bytes(p, o->dst_ip.b, 16);
	p = otw_put_be16(p, o->app);
	p = otw_put_be16(p, o->unit);
	(void)otw_put_be16(p, o->func);
}

static int decode(const uint8_t *k, size_t klen, const uint8_t *v,
		  size_t vlen, struct otw_store_op *o)
{
	if (klen != OP_KEY_LEN || vlen != OP_VAL_LEN)
		return OTW_ESTORE;
	memset(o, 0, sizeof(*o));
	memcpy(o->src_ip.b, k, 16);
	memcpy(o->dst_ip.b, k + 16, 16);
	o->app = otw_get_be16(k + 32);
	o->unit = otw_get_be16(k + 34);
	o->func = otw_get_be16(k + 36);
	o->count = otw_get_le64(v);
	o->responses = otw_get_le64(v + 8);
	o->exceptions = otw_get_le64(v + 16);
	o->first_ns = otw_get_le64(v + 24);
	o->last_ns = otw_get_le64(v + 32);
	o->addr_lo = otw_get_le32(v + 40);
	o->addr_hi = otw_get_le32(v + 44);
	return 0;
}

int otw_store_op_put(struct otw_txn *txn, const struct otw_store_op *o)
{
	uint8_t k[OP_KEY_LEN], v[OP_VAL_LEN], *p = v;

	pack_key(k, o);
	p = otw_put_le64(p, o->count);
	p = otw_put_le64(p, o->responses);
	p = otw_put_le64(p, o->exceptions);
	p = otw_put_le64(p, o->first_ns);
	p = otw_put_le64(p, o->last_ns);
	p = otw_put_le32(p, o->addr_lo);
	(void)otw_put_le32(p, o->addr_hi);
	return otw_store_raw_put(txn, OTW_DB_OP, k, sizeof(k), v, sizeof(v));
}

int otw_store_op_get(struct otw_txn *txn, const struct otw_store_op *key,
		     struct otw_store_op *out)
{
	uint8_t k[OP_KEY_LEN];
	const uint8_t *v;
	size_t n;
	int rc;

	pack_key(k, key);
	if ((rc = otw_store_raw_get(txn, OTW_DB_OP, k, sizeof(k), &v, &n)) != 0)
		return rc;
	return decode(k, sizeof(k), v, n, out);
}

struct walk {
	otw_store_op_fn fn;
	void *arg;
};

static int walk_one(void *arg, const uint8_t *key, size_t klen,
		    const uint8_t *val, size_t vlen)
{
	struct walk *w = arg;
	struct otw_store_op o;
	int rc = decode(key, klen, val, vlen, &o);

	return rc != 0 ? rc : w->fn(w->arg, &o);
}

int otw_store_op_foreach(struct otw_txn *txn, otw_store_op_fn fn, void *arg)
{
	struct walk w = { fn, arg };

	return otw_store_raw_foreach(txn, OTW_DB_OP, walk_one, &w);
}
