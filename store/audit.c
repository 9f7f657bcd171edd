#include "audit.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "store_int.h"

#define FIELDS 4

static char *field(struct otw_store_audit *a, int i, size_t *cap)
{
	static const size_t caps[FIELDS] = { OTW_AUDIT_USER_MAX,
		OTW_AUDIT_ACTION_MAX, OTW_AUDIT_OBJECT_MAX, OTW_AUDIT_DETAIL_MAX };
	char *f[FIELDS] = { a->user, a->action, a->object, a->detail };

	*cap = caps[i];
	return f[i];
}

int otw_store_audit_add(struct otw_txn *txn, struct otw_store_audit *a)
{
	uint8_t v[8 + FIELDS * 2 + OTW_AUDIT_USER_MAX + OTW_AUDIT_ACTION_MAX +
		  OTW_AUDIT_OBJECT_MAX + OTW_AUDIT_DETAIL_MAX];
	uint8_t k[8], *p = v;
	size_t klen;
	int rc;

	if (a->user[0] == '\0' || a->action[0] == '\0')
		return -EINVAL;
	if ((rc = otw_store_raw_last_key(txn, OTW_DB_AUDIT, k, 8, &klen)) != 0)
		return rc;
	a->id = klen == 8 ? otw_get_be64(k) + 1 : 1;
	p = otw_put_le64(p, a->ts_ns);
	for (int i = 0; i < FIELDS; i++) {
		size_t cap;
		const char *s = field(a, i, &cap);
		size_t n = strnlen(s, cap - 1);
		p = otw_put_le16(p, (uint16_t)n);
		p = otw_put_bytes(p, s, n);
	}
	otw_put_be64(k, a->id);
	return otw_store_raw_put(txn, OTW_DB_AUDIT, k, 8, v, (size_t)(p - v));
}

int otw_store_audit_log(struct otw_txn *txn, const char *user,
			const char *action, const char *object,
			const char *detail)
{
	struct otw_store_audit a = { 0 };
	struct timespec ts;
	const char *src[FIELDS] = { user, action, object, detail };

	clock_gettime(CLOCK_REALTIME, &ts);
	a.ts_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	for (int i = 0; i < FIELDS; i++) {
		size_t cap;
		char *dst = field(&a, i, &cap);
		if (src[i] != NULL)
			snprintf(dst, cap, "%s", src[i]);
	}
	return otw_store_audit_add(txn, &a);
}

static int decode(const uint8_t *k, size_t klen, const uint8_t *v, size_t vlen,
		  struct otw_store_audit *a)
{
	const uint8_t *p = v + 8, *end = v + vlen;

	if (klen != 8 || vlen < 8 + FIELDS * 2)
		return OTW_ESTORE;
	memset(a, 0, sizeof(*a));
	a->id = otw_get_be64(k);
	a->ts_ns = otw_get_le64(v);
	for (int i = 0; i < FIELDS; i++) {
		size_t cap, n;
		char *dst = field(a, i, &cap);
		if (end - p < 2)
			return OTW_ESTORE;
		n = otw_get_le16(p);
		p += 2;
		if ((size_t)(end - p) < n || n >= cap)
			return OTW_ESTORE;
		memcpy(dst, p, n);
		p += n;
	}
	return 0;
}

struct walk {
	otw_store_audit_fn fn;
	void *arg;
};

static int one(void *arg, const uint8_t *k, size_t klen, const uint8_t *v,
	       size_t vlen)
{
	struct walk *w = arg;
	struct otw_store_audit a;
	int rc = decode(k, klen, v, vlen, &a);

	return rc != 0 ? rc : w->fn(w->arg, &a);
}

int otw_store_audit_foreach(struct otw_txn *txn, otw_store_audit_fn fn,
			    void *arg)
{
	struct walk w = { fn, arg };

	return otw_store_raw_foreach_rev(txn, OTW_DB_AUDIT, one, &w);
}
