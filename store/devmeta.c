/* devmeta table (operator fields of a device) and device deletion. Value:
 * flags u8 (1 = merged), authorized u8, 0 u16, changed_ns u64,
 * merged_into 17 B (zeros unless merged), then name, type, notes as
 * (u16 length, bytes). */
#include "devmeta.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "otw_pkt.h"
#include "store_int.h"

#define DK OTW_STORE_DEVKEY_LEN
#define FIXED (4 + 8 + DK)
#define STRS 3

static const size_t caps[STRS] = { OTW_DEVMETA_NAME_MAX, OTW_DEVMETA_TYPE_MAX,
				   OTW_DEVMETA_NOTES_MAX };

static char *str_of(struct otw_store_devmeta *m, int i)
{
	char *s[STRS] = { m->name, m->type, m->notes };

	return s[i];
}

bool otw_store_devmeta_empty(const struct otw_store_devmeta *m)
{
	return !m->merged && m->authorized == OTW_DEVMETA_AUTH_UNSET &&
	       m->name[0] == '\0' && m->type[0] == '\0' && m->notes[0] == '\0';
}

int otw_store_devmeta_put(struct otw_txn *txn, const struct otw_store_devmeta *m)
{
	uint8_t v[FIXED + STRS * 2 + OTW_DEVMETA_NAME_MAX + OTW_DEVMETA_TYPE_MAX +
		  OTW_DEVMETA_NOTES_MAX], *p = v;
	struct otw_store_devmeta *mm = (struct otw_store_devmeta *)m;
	int rc;

	if (m->authorized > OTW_DEVMETA_AUTH_NO)
		return -EINVAL;
	if (otw_store_devmeta_empty(m)) {
		rc = otw_store_raw_del(txn, OTW_DB_DEVMETA, m->dev, DK);
		return rc == OTW_ENOTFOUND ? 0 : rc;
	}
	*p++ = m->merged ? 1 : 0;
	*p++ = m->authorized;
	p = otw_put_le16(p, 0);
	p = otw_put_le64(p, m->changed_ns);
	if (m->merged)
		p = otw_put_bytes(p, m->merged_into, DK);
	else
		p = (uint8_t *)memset(p, 0, DK) + DK;
	for (int i = 0; i < STRS; i++) {
		const char *s = str_of(mm, i);
		size_t n = strnlen(s, caps[i]);
		if (n >= caps[i])
			return -EINVAL;
		p = otw_put_le16(p, (uint16_t)n);
		p = otw_put_bytes(p, s, n);
	}
	return otw_store_raw_put(txn, OTW_DB_DEVMETA, m->dev, DK, v,
				 (size_t)(p - v));
}

static int decode(const uint8_t *k, size_t klen, const uint8_t *v, size_t vlen,
		  struct otw_store_devmeta *m)
{
	const uint8_t *p = v + FIXED, *end = v + vlen;

	if (klen != DK || vlen < FIXED || v[0] > 1 || v[1] > OTW_DEVMETA_AUTH_NO)
		return OTW_ESTORE;
	memset(m, 0, sizeof(*m));
	memcpy(m->dev, k, DK);
	m->merged = v[0] & 1;
	m->authorized = v[1];
	m->changed_ns = otw_get_le64(v + 4);
	if (m->merged)
		memcpy(m->merged_into, v + 12, DK);
	for (int i = 0; i < STRS; i++) {
		size_t n;
		if (end - p < 2)
			return OTW_ESTORE;
		n = otw_get_le16(p);
		p += 2;
		if ((size_t)(end - p) < n || n >= caps[i])
			return OTW_ESTORE;
		memcpy(str_of(m, i), p, n);
		p += n;
	}
	return 0;
}

int otw_store_devmeta_get(struct otw_txn *txn, const uint8_t dev[DK],
			  struct otw_store_devmeta *out)
{
	const uint8_t *v;
	size_t n;
	int rc = otw_store_raw_get(txn, OTW_DB_DEVMETA, dev, DK, &v, &n);

	if (rc == OTW_ENOTFOUND) {
		memset(out, 0, sizeof(*out));
		memcpy(out->dev, dev, DK);
	}
	return rc != 0 ? rc : decode(dev, DK, v, n, out);
}

int otw_store_devmeta_del(struct otw_txn *txn, const uint8_t dev[DK])
{
	return otw_store_raw_del(txn, OTW_DB_DEVMETA, dev, DK);
}

struct walk {
	otw_store_devmeta_fn fn;
	void *arg;
};

static int one(void *arg, const uint8_t *k, size_t klen, const uint8_t *v,
	       size_t vlen)
{
	struct walk *w = arg;
	struct otw_store_devmeta m;
	int rc = decode(k, klen, v, vlen, &m);

	return rc != 0 ? rc : w->fn(w->arg, &m);
}

int otw_store_devmeta_foreach(struct otw_txn *txn, otw_store_devmeta_fn fn,
			      void *arg)
{
	struct walk w = { fn, arg };

	return otw_store_raw_foreach(txn, OTW_DB_DEVMETA, one, &w);
}

struct all {
	struct otw_store_devmeta *a;
	size_t n, cap;
};

static int all_one(void *arg, const struct otw_store_devmeta *m)
{
	struct all *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		void *p = realloc(l->a, cap * sizeof(*l->a));
		if (p == NULL)
			return -ENOMEM;
		l->a = p;
		l->cap = cap;
	}
	l->a[l->n++] = *m;
	return 0;
}

int otw_store_devmeta_load(struct otw_txn *txn, struct otw_store_devmeta **out,
			   size_t *n)
{
	struct all l = { NULL, 0, 0 };
	int rc = otw_store_devmeta_foreach(txn, all_one, &l);

	if (rc != 0) {
		free(l.a);
		return rc;
	}
	*out = l.a;
	*n = l.n;
	return 0;
}

/* Fact keys of one device, collected first: LMDB cursors must not walk
 * over records deleted under them. */
struct facts {
	const uint8_t *dev;
	uint8_t (*k)[64];
	size_t n, cap;
	size_t *len;
};

static int fact_one(void *arg, const uint8_t *k, size_t klen, const uint8_t *v,
		    size_t vlen)
{
	struct facts *f = arg;

	(void)v, (void)vlen;
	if (klen < DK || klen > 64 || memcmp(k, f->dev, DK) != 0)
		return 0;
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 32;
		void *a = realloc(f->k, cap * 64), *b;
		if (a == NULL)
			return -ENOMEM;
		f->k = a;
		if ((b = realloc(f->len, cap * sizeof(size_t))) == NULL)
			return -ENOMEM;
		f->len = b;
		f->cap = cap;
	}
	memcpy(f->k[f->n], k, klen);
	f->len[f->n++] = klen;
	return 0;
}

int otw_store_device_del(struct otw_txn *txn, const uint8_t dev[DK])
{
	struct facts f = { .dev = dev };
	int rc = otw_store_raw_del(txn, OTW_DB_DEVICE, dev, DK);

	if (rc == 0)
		rc = otw_store_raw_foreach(txn, OTW_DB_FACT, fact_one, &f);
	for (size_t i = 0; rc == 0 && i < f.n; i++)
		rc = otw_store_raw_del(txn, OTW_DB_FACT, f.k[i], f.len[i]);
	free(f.k);
	free(f.len);
	return rc;
}

int otw_store_device_get_key(struct otw_txn *txn, const uint8_t dev[DK],
			     struct otw_store_device *out)
{
	struct otw_store_device k = { 0 };

	if (dev[0] > 1)
		return -EINVAL;
	k.by_ip = dev[0];
	if (k.by_ip) {
		k.n_ips = 1;
		memcpy(k.ips[0].b, dev + 1, 16);
	} else {
		memcpy(k.mac, dev + 1, 6);
	}
	return otw_store_device_get(txn, &k, out);
}

const char *otw_store_devkey_str(const uint8_t dev[DK], char *buf, size_t len)
{
	char b[64];
	struct otw_ip ip;

	if (dev[0] == 0) {
		snprintf(buf, len, "mac:%s", otw_mac_str(dev + 1, b, sizeof(b)));
	} else {
		memcpy(ip.b, dev + 1, 16);
		snprintf(buf, len, "ip:%s", otw_ip_str(&ip, b, sizeof(b)));
	}
	return buf;
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char end;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &end) != 6)
		return false;
	for (int i = 0; i < 6; i++) {
		if (s[3 * i] == '+' || s[3 * i] == '-' || s[3 * i] == ' ')
			return false;
		mac[i] = (uint8_t)v[i];
	}
	return true;
}

bool otw_store_devkey_parse(const char *s, uint8_t dev[DK])
{
	uint8_t a4[4];
	bool want_mac = strncmp(s, "mac:", 4) == 0, want_ip = strncmp(s, "ip:", 3) == 0;

	memset(dev, 0, DK);
	s += want_mac ? 4 : want_ip ? 3 : 0;
	if (!want_ip && parse_mac(s, dev + 1))
		return true;
	if (want_mac)
		return false;
	dev[0] = 1;
	if (inet_pton(AF_INET, s, a4) == 1) {
		dev[11] = dev[12] = 0xff;
		memcpy(dev + 13, a4, 4);
		return true;
	}
	return inet_pton(AF_INET6, s, dev + 1) == 1;
}
