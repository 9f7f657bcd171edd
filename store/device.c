/* device table: key = kind u8 (0 MAC, 1 IP) + 16 bytes (MAC and zeros,
 * or the IP); value layout in store/README.md. */
#include <errno.h>

#include "store_int.h"

#define DEV_FIXED 44
#define DEV_VAL_MAX \
	(DEV_FIXED + 16 * OTW_STORE_DEV_IPS + 3 * OTW_STORE_STR_MAX)

static uint8_t *put_str(uint8_t *p, const char *s)
{
	size_t n = strnlen(s, OTW_STORE_STR_MAX - 1);

	*p++ = (uint8_t)n;
	return otw_put_bytes(p, s, n);
}

static bool get_str(const uint8_t **p, const uint8_t *end, char *s)
{
	size_t n;

	if (*p >= end)
		return false;
	n = **p;
	if (n > OTW_STORE_STR_MAX - 1 || (size_t)(end - *p) < n + 1)
		return false;
	memcpy(s, *p + 1, n);
	s[n] = 0;
	*p += n + 1;
	return true;
}

void otw_store_device_key(const struct otw_store_device *d,
			  uint8_t key[OTW_STORE_DEVKEY_LEN])
{
	memset(key, 0, OTW_STORE_DEVKEY_LEN);
	key[0] = d->by_ip ? 1 : 0;
	if (d->by_ip)
		memcpy(key + 1, d->ips[0].b, 16);
	else
		memcpy(key + 1, d->mac, 6);
}

static int decode(const uint8_t *key, size_t klen, const uint8_t *v,
		  size_t vlen, struct otw_store_device *d)
{
	const uint8_t *p, *end = v + vlen;

	if (klen != OTW_STORE_DEVKEY_LEN || key[0] > 1 || vlen < DEV_FIXED)
		return OTW_ESTORE;
	memset(d, 0, sizeof(*d));
	d->by_ip = key[0];
	if (!d->by_ip)
		memcpy(d->mac, key + 1, 6);
	d->vlan = otw_get_le16(v);
	d->n_ips = v[2];
	d->flags = v[3];
	d->ips_dropped = otw_get_le32(v + 4);
	d->first_ns = otw_get_le64(v + 8);
	d->last_ns = otw_get_le64(v + 16);
	d->apps_served = otw_get_le64(v + 24);
	d->apps_used = otw_get_le64(v + 32);
	d->arp_ips = otw_get_le16(v + 40);
	if (d->n_ips > OTW_STORE_DEV_IPS ||
	    vlen < DEV_FIXED + 16 * (size_t)d->n_ips ||
	    (d->by_ip && (d->n_ips == 0 ||
			  memcmp(key + 1, v + DEV_FIXED, 16) != 0)))
		return OTW_ESTORE;
	p = v + DEV_FIXED;
	for (unsigned i = 0; i < d->n_ips; i++, p += 16)
		memcpy(d->ips[i].b, p, 16);
	if (!get_str(&p, end, d->vendor) || !get_str(&p, end, d->model) ||
	    !get_str(&p, end, d->firmware))
		return OTW_ESTORE;
	return 0;
}

int otw_store_device_put(struct otw_txn *txn, const struct otw_store_device *d)
{
	uint8_t val[DEV_VAL_MAX], *p = val, key[OTW_STORE_DEVKEY_LEN];

	if (d->n_ips > OTW_STORE_DEV_IPS || (d->by_ip && d->n_ips == 0))
		return -EINVAL;
	otw_store_device_key(d, key);
	p = otw_put_le16(p, d->vlan);
	*p++ = d->n_ips;
	*p++ = d->flags;
	p = otw_put_le32(p, d->ips_dropped);
	p = otw_put_le64(p, d->first_ns);
	p = otw_put_le64(p, d->last_ns);
	p = otw_put_le64(p, d->apps_served);
	p = otw_put_le64(p, d->apps_used);
	p = otw_put_le16(p, d->arp_ips);
	p = otw_put_le16(p, 0);
	for (unsigned i = 0; i < d->n_ips; i++)
		p = otw_put_bytes(p, d->ips[i].b, 16);
	p = put_str(p, d->vendor);
	p = put_str(p, d->model);
	p = put_str(p, d->firmware);
	return otw_store_raw_put(txn, OTW_DB_DEVICE, key, sizeof(key), val,
				 (size_t)(p - val));
}

int otw_store_device_get(struct otw_txn *txn,
			 const struct otw_store_device *dkey,
			 struct otw_store_device *out)
{
	uint8_t key[OTW_STORE_DEVKEY_LEN];
	const uint8_t *v;
	size_t n;
	int rc;

	if (dkey->by_ip && dkey->n_ips == 0)
		return -EINVAL;
	otw_store_device_key(dkey, key);
	rc = otw_store_raw_get(txn, OTW_DB_DEVICE, key, sizeof(key), &v, &n);
	return rc != 0 ? rc : decode(key, sizeof(key), v, n, out);
}

struct walk {
	otw_store_device_fn fn;
	void *arg;
};

static int walk_one(void *arg, const uint8_t *key, size_t klen,
		    const uint8_t *val, size_t vlen)
{
	struct walk *w = arg;
	struct otw_store_device d;
	int rc = decode(key, klen, val, vlen, &d);

	return rc != 0 ? rc : w->fn(w->arg, &d);
}

int otw_store_device_foreach(struct otw_txn *txn, otw_store_device_fn fn,
			     void *arg)
{
	struct walk w = { fn, arg };

	return otw_store_raw_foreach(txn, OTW_DB_DEVICE, walk_one, &w);
}

int otw_store_device_foreach_from(struct otw_txn *txn,
				  const uint8_t key[OTW_STORE_DEVKEY_LEN],
				  otw_store_device_fn fn, void *arg)
{
	struct walk w = { fn, arg };

	return otw_store_raw_foreach_from(txn, OTW_DB_DEVICE, key,
					  OTW_STORE_DEVKEY_LEN, walk_one, &w);
}
