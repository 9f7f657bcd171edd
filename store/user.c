#include "user.h"

#include <errno.h>

#include "store_int.h"

#define USER_VAL_LEN 104

static int name_len(const char *name, size_t *n)
{
	*n = strnlen(name, OTW_USER_NAME_MAX);
	return *n == 0 || *n >= OTW_USER_NAME_MAX ? -EINVAL : 0;
}

int otw_store_user_put(struct otw_txn *txn, const struct otw_store_user *u)
{
	uint8_t v[USER_VAL_LEN] = { 0 }, *p = v;
	size_t n;

	if (name_len(u->name, &n) != 0)
		return -EINVAL;
	*p++ = u->role;
	*p++ = u->flags;
	p += 2;
	p = otw_put_le32(p, u->iterations);
	p = otw_put_bytes(p, u->salt, 16);
	p = otw_put_bytes(p, u->hash, 32);
	p = otw_put_le32(p, u->failed);
	p += 4;
	p = otw_put_le64(p, u->locked_until_ns);
	p = otw_put_le64(p, u->created_ns);
	p = otw_put_le64(p, u->pw_changed_ns);
	(void)otw_put_le64(p, u->last_login_ns);
	return otw_store_raw_put(txn, OTW_DB_USER, u->name, n, v, sizeof(v));
}

static int decode(const uint8_t *k, size_t klen, const uint8_t *v, size_t vlen,
		  struct otw_store_user *u)
{
	if (klen == 0 || klen >= OTW_USER_NAME_MAX || vlen != USER_VAL_LEN)
		return OTW_ESTORE;
	memset(u, 0, sizeof(*u));
	memcpy(u->name, k, klen);
	u->role = v[0];
	u->flags = v[1];
	u->iterations = otw_get_le32(v + 4);
	memcpy(u->salt, v + 8, 16);
	memcpy(u->hash, v + 24, 32);
	u->failed = otw_get_le32(v + 56);
	u->locked_until_ns = otw_get_le64(v + 64);
	u->created_ns = otw_get_le64(v + 72);
	u->pw_changed_ns = otw_get_le64(v + 80);
	u->last_login_ns = otw_get_le64(v + 88);
	return 0;
}

int otw_store_user_get(struct otw_txn *txn, const char *name,
		       struct otw_store_user *out)
{
	const uint8_t *v;
	size_t n, vlen;
	int rc;

	if (name_len(name, &n) != 0)
		return OTW_ENOTFOUND;
	if ((rc = otw_store_raw_get(txn, OTW_DB_USER, name, n, &v, &vlen)) != 0)
		return rc;
	return decode((const uint8_t *)name, n, v, vlen, out);
}

int otw_store_user_del(struct otw_txn *txn, const char *name)
{
	MDB_val k;
	size_t n;

	if (name_len(name, &n) != 0)
		return OTW_ENOTFOUND;
	if (!txn->write)
		return -EROFS;
	k.mv_size = n;
	k.mv_data = (void *)name;
	return otw_store_mdb_err(mdb_del(txn->txn, txn->st->dbi[OTW_DB_USER], &k, NULL));
}

struct walk {
	otw_store_user_fn fn;
	void *arg;
};

static int walk_one(void *arg, const uint8_t *key, size_t klen,
		    const uint8_t *val, size_t vlen)
{
	struct walk *w = arg;
	struct otw_store_user u;
	int rc = decode(key, klen, val, vlen, &u);

	return rc != 0 ? rc : w->fn(w->arg, &u);
}

int otw_store_user_foreach(struct otw_txn *txn, otw_store_user_fn fn, void *arg)
{
	struct walk w = { fn, arg };

	return otw_store_raw_foreach(txn, OTW_DB_USER, walk_one, &w);
}

static const char *const roles[] = {
	[OTW_ROLE_READONLY] = "readonly",
	[OTW_ROLE_ANALYST] = "analyst",
	[OTW_ROLE_ADMIN] = "admin",
};

const char *otw_role_name(unsigned role)
{
	return role >= 1 && role <= OTW_ROLE_ADMIN ? roles[role] : 0;
}

unsigned otw_role_parse(const char *s)
{
	for (unsigned r = 1; r <= OTW_ROLE_ADMIN; r++)
		if (strcmp(s, roles[r]) == 0)
			return r;
	return 0;
}
