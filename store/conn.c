/* conn table: key = l4 u8, src ip 16, src port be16, dst ip 16, dst port
 * be16 (37 bytes, so a walk is sorted by protocol then tuple); value
 * layout in store/README.md. */
#include "store_int.h"

#define CONN_KEY_LEN 37
#define CONN_VAL_LEN 52

static void pack_key(uint8_t k[CONN_KEY_LEN], const struct otw_store_conn *c)
{
	uint8_t *p = k;

	*p++ = c->l4;
	p = otw_put_bytes(p, c->src_ip.b, 16);
	p = otw_put_be16(p, c->src_port);
	p = otw_put_bytes(p, c->dst_ip.b, 16);
	otw_put_be16(p, c->dst_port);
}

static int decode(const uint8_t *k, size_t klen, const uint8_t *v,
		  size_t vlen, struct otw_store_conn *c)
{
	if (klen != CONN_KEY_LEN || vlen != CONN_VAL_LEN)
		return OTW_ESTORE;
	memset(c, 0, sizeof(*c));
	c->l4 = k[0];
	memcpy(c->src_ip.b, k + 1, 16);
	c->src_port = otw_get_be16(k + 17);
	memcpy(c->dst_ip.b, k + 19, 16);
	c->dst_port = otw_get_be16(k + 35);
	c->app = otw_get_le16(v);
	c->vlan = otw_get_le16(v + 2);
	c->flags = v[4];
	/* v[5..7] reserved */
	memcpy(c->src_mac, v + 8, 6);
	memcpy(c->dst_mac, v + 14, 6);
	c->packets = otw_get_le64(v + 20);
	c->bytes = otw_get_le64(v + 28);
	c->first_ns = otw_get_le64(v + 36);
	c->last_ns = otw_get_le64(v + 44);
	return 0;
}

int otw_store_conn_put(struct otw_txn *txn, const struct otw_store_conn *c)
{
	uint8_t k[CONN_KEY_LEN], v[CONN_VAL_LEN], *p = v;

	pack_key(k, c);
	p = otw_put_le16(p, c->app);
	p = otw_put_le16(p, c->vlan);
	*p++ = c->flags;
	*p++ = 0;
	*p++ = 0;
	*p++ = 0;
	p = otw_put_bytes(p, c->src_mac, 6);
	p = otw_put_bytes(p, c->dst_mac, 6);
	p = otw_put_le64(p, c->packets);
	p = otw_put_le64(p, c->bytes);
	p = otw_put_le64(p, c->first_ns);
	otw_put_le64(p, c->last_ns);
	return otw_store_raw_put(txn, OTW_DB_CONN, k, sizeof(k), v, sizeof(v));
}

int otw_store_conn_get(struct otw_txn *txn, const struct otw_store_conn *key,
		       struct otw_store_conn *out)
{
	uint8_t k[CONN_KEY_LEN];
	const uint8_t *v;
	size_t n;
	int rc;

	pack_key(k, key);
	if ((rc = otw_store_raw_get(txn, OTW_DB_CONN, k, sizeof(k), &v, &n)) != 0)
		return rc;
	return decode(k, sizeof(k), v, n, out);
}

struct walk {
	otw_store_conn_fn fn;
	void *arg;
};

static int walk_one(void *arg, const uint8_t *key, size_t klen,
		    const uint8_t *val, size_t vlen)
{
	struct walk *w = arg;
	struct otw_store_conn c;
	int rc = decode(key, klen, val, vlen, &c);

	return rc != 0 ? rc : w->fn(w->arg, &c);
}

int otw_store_conn_foreach(struct otw_txn *txn, otw_store_conn_fn fn,
			   void *arg)
{
	struct walk w = { fn, arg };

	return otw_store_raw_foreach(txn, OTW_DB_CONN, walk_one, &w);
}
