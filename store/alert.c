#include "alert.h"

#include <errno.h>

#include "store_int.h"

#define FIXED_LEN 84

static uint8_t *put_str(uint8_t *p, const char *s, size_t max)
{
	size_t n = strnlen(s, max - 1);

	p = otw_put_le16(p, (uint16_t)n);
	return otw_put_bytes(p, s, n);
}

static bool get_str(const uint8_t **p, const uint8_t *end, char *out, size_t max)
{
	size_t n;

	if (end - *p < 2)
		return false;
	n = otw_get_le16(*p);
	*p += 2;
	if ((size_t)(end - *p) < n || n >= max)
		return false;
	memcpy(out, *p, n);
	out[n] = '\0';
	*p += n;
	return true;
}

int otw_store_alert_put(struct otw_txn *txn, const struct otw_store_alert *a)
{
	uint8_t k[8], v[FIXED_LEN + 4 * (2 + OTW_STORE_ALERT_TEXT)], *p = v;

	otw_put_be64(k, a->id);
	*p++ = a->engine;
	*p++ = a->severity;
	*p++ = a->status;
	*p++ = 0;
	p = otw_put_le16(p, a->app);
	p = otw_put_le16(p, a->func);
	p = otw_put_le32(p, a->count);
	p = otw_put_bytes(p, a->src.b, 16);
	p = otw_put_bytes(p, a->dst.b, 16);
	p = otw_put_le64(p, a->first_ns);
	p = otw_put_le64(p, a->last_ns);
	p = otw_put_le64(p, a->status_ns);
	p = otw_put_le64(p, a->dedup);
	p = otw_put_le64(p, a->cause);
	p = put_str(p, a->title, sizeof(a->title));
	p = put_str(p, a->desc, sizeof(a->desc));
	p = put_str(p, a->advice, sizeof(a->advice));
	p = put_str(p, a->note, sizeof(a->note));
	return otw_store_raw_put(txn, OTW_DB_ALERT, k, 8, v, (size_t)(p - v));
}

static int decode(const uint8_t *k, size_t klen, const uint8_t *v, size_t vlen,
		  struct otw_store_alert *a)
{
	const uint8_t *p = v + FIXED_LEN, *end = v + vlen;

	if (klen != 8 || vlen < FIXED_LEN)
		return OTW_ESTORE;
	memset(a, 0, sizeof(*a));
	a->id = otw_get_be64(k);
	a->engine = v[0];
	a->severity = v[1];
	a->status = v[2];
	a->app = otw_get_le16(v + 4);
	a->func = otw_get_le16(v + 6);
	a->count = otw_get_le32(v + 8);
	memcpy(a->src.b, v + 12, 16);
	memcpy(a->dst.b, v + 28, 16);
	a->first_ns = otw_get_le64(v + 44);
	a->last_ns = otw_get_le64(v + 52);
	a->status_ns = otw_get_le64(v + 60);
	a->dedup = otw_get_le64(v + 68);
	a->cause = otw_get_le64(v + 76);
	if (!get_str(&p, end, a->title, sizeof(a->title)) ||
	    !get_str(&p, end, a->desc, sizeof(a->desc)) ||
	    !get_str(&p, end, a->advice, sizeof(a->advice)) ||
	    !get_str(&p, end, a->note, sizeof(a->note)))
		return OTW_ESTORE;
	return 0;
}

int otw_store_alert_get(struct otw_txn *txn, uint64_t id, struct otw_store_alert *out)
{
	uint8_t k[8];
	const uint8_t *v;
	size_t n;
	int rc;

	otw_put_be64(k, id);
	if ((rc = otw_store_raw_get(txn, OTW_DB_ALERT, k, 8, &v, &n)) != 0)
		return rc;
	return decode(k, 8, v, n, out);
}

int otw_store_alert_foreach(struct otw_txn *txn, bool newest_first,
			    otw_store_alert_fn fn, void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, mrc;

	if (mdb_cursor_open(txn->txn, txn->st->dbi[OTW_DB_ALERT], &cur) != 0)
		return OTW_ESTORE;
	mrc = mdb_cursor_get(cur, &k, &v, newest_first ? MDB_LAST : MDB_FIRST);
	for (rc = 0; mrc == 0 && rc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, newest_first ? MDB_PREV : MDB_NEXT)) {
		struct otw_store_alert a;
		if ((rc = decode(k.mv_data, k.mv_size, v.mv_data, v.mv_size, &a)) == 0)
			rc = fn(arg, &a);
	}
	mdb_cursor_close(cur);
	if (rc == 0 && mrc != MDB_NOTFOUND)
		rc = OTW_ESTORE;
	return rc;
}

int otw_store_alert_last_id(struct otw_txn *txn, uint64_t *id)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int mrc;

	*id = 0;
	if (mdb_cursor_open(txn->txn, txn->st->dbi[OTW_DB_ALERT], &cur) != 0)
		return OTW_ESTORE;
	mrc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (mrc == 0 && k.mv_size == 8)
		*id = otw_get_be64(k.mv_data);
	mdb_cursor_close(cur);
	return mrc == 0 || mrc == MDB_NOTFOUND ? 0 : OTW_ESTORE;
}

static const char *const status_names[] = { "open", "closed", "muted", "learned" };

const char *otw_alert_status_name(unsigned s)
{
	return s < 4 ? status_names[s] : "?";
}

int otw_alert_status_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, status_names[i]) == 0)
			return i;
	return -1;
}

int otw_store_blkey_put(struct otw_txn *txn, uint64_t key)
{
	uint8_t k[8];

	otw_put_be64(k, key);
	return otw_store_raw_put(txn, OTW_DB_BASELINE, k, 8, "", 0);
}

struct blwalk {
	otw_store_blkey_fn fn;
	void *arg;
};

static int bl_one(void *arg, const uint8_t *key, size_t klen, const uint8_t *val,
		  size_t vlen)
{
	struct blwalk *w = arg;

	(void)val;
	(void)vlen;
	return klen == 8 ? w->fn(w->arg, otw_get_be64(key)) : OTW_ESTORE;
}

int otw_store_blkey_foreach(struct otw_txn *txn, otw_store_blkey_fn fn, void *arg)
{
	struct blwalk w = { fn, arg };

	return otw_store_raw_foreach(txn, OTW_DB_BASELINE, bl_one, &w);
}
