/* store.c: environment, named databases, schema check, transactions, and
 * the raw byte-level access the table modules build on. */
#include <errno.h>
#include <stdlib.h>

#include "store_int.h"

static const char *const db_names[OTW_DB__COUNT] = {
#define OTW_DB_NAME(id, name) [OTW_DB_##id] = name,
	OTW_DB_MAP(OTW_DB_NAME)
#undef OTW_DB_NAME
};

#define META_SCHEMA_KEY "schema"

/* LMDB returns positive errno values for system failures and its own
 * negative codes for the rest. */
static int env_err(int rc)
{
	if (rc > 0)
		return -rc;
	return otw_store_mdb_err(rc);
}

/* Open every named DB and check (or, on a new writable store, record) the
 * schema version, all in one txn so a half-initialised store never exists. */
static int open_dbs(struct otw_store *st)
{
	bool rdonly = st->flags & OTW_STORE_RDONLY;
	unsigned dflags = rdonly ? 0 : MDB_CREATE;
	MDB_txn *txn;
	MDB_val k = { sizeof(META_SCHEMA_KEY) - 1, (void *)META_SCHEMA_KEY };
	MDB_val v;
	uint8_t buf[4];
	int rc;

	if (mdb_txn_begin(st->env, NULL, rdonly ? MDB_RDONLY : 0, &txn) != 0)
		return OTW_ESTORE;
	for (int i = 0; i < OTW_DB__COUNT; i++) {
		rc = mdb_dbi_open(txn, db_names[i], dflags, &st->dbi[i]);
		if (rc != 0) {
			/* read-only open of a store missing a table: not ours */
			rc = rc == MDB_NOTFOUND ? OTW_ESCHEMA : OTW_ESTORE;
			goto out_abort;
		}
	}
	rc = mdb_get(txn, st->dbi[OTW_DB_META], &k, &v);
	if (rc == MDB_NOTFOUND && !rdonly) {
		otw_put_le32(buf, OTW_STORE_SCHEMA);
		v.mv_size = sizeof(buf);
		v.mv_data = buf;
		if (mdb_put(txn, st->dbi[OTW_DB_META], &k, &v, 0) != 0) {
			rc = OTW_ESTORE;
			goto out_abort;
		}
	} else if (rc == MDB_NOTFOUND) {
		rc = OTW_ESCHEMA;
		goto out_abort;
	} else if (rc != 0) {
		rc = OTW_ESTORE;
		goto out_abort;
	} else if (v.mv_size != 4 ||
		   otw_get_le32(v.mv_data) != OTW_STORE_SCHEMA) {
		rc = OTW_ESCHEMA;
		goto out_abort;
	}
	if (mdb_txn_commit(txn) != 0)
		return OTW_ESTORE;
	return 0;
out_abort:
	mdb_txn_abort(txn);
	return rc;
}

int otw_store_open(const char *dir, size_t map_bytes, unsigned flags,
		   struct otw_store **out)
{
	struct otw_store *st;
	unsigned eflags = MDB_NOTLS;
	int rc;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return -ENOMEM;
	st->flags = flags;
	if (flags & OTW_STORE_RDONLY)
		eflags |= MDB_RDONLY;
	if ((rc = mdb_env_create(&st->env)) != 0) {
		rc = env_err(rc);
		goto out_free;
	}
	if (mdb_env_set_mapsize(st->env, map_bytes ? map_bytes
					: OTW_STORE_MAP_DEFAULT) != 0 ||
	    mdb_env_set_maxdbs(st->env, OTW_DB__COUNT + 8) != 0) {
		rc = OTW_ESTORE;
		goto out_env;
	}
	if ((rc = mdb_env_open(st->env, dir, eflags, 0640)) != 0) {
		rc = env_err(rc);
		goto out_env;
	}
	if ((rc = open_dbs(st)) != 0)
		goto out_env;
	*out = st;
	return 0;
out_env:
	mdb_env_close(st->env);
out_free:
	free(st);
	return rc;
}

void otw_store_close(struct otw_store *st)
{
	if (st == NULL)
		return;
	mdb_env_close(st->env);
	free(st);
}

int otw_store_txn_begin(struct otw_store *st, bool write,
			struct otw_txn **out)
{
	struct otw_txn *t;
	int rc;

	if (write && (st->flags & OTW_STORE_RDONLY))
		return -EROFS;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -ENOMEM;
	t->st = st;
	t->write = write;
	rc = mdb_txn_begin(st->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
	if (rc != 0) {
		free(t);
		return env_err(rc);
	}
	*out = t;
	return 0;
}

int otw_store_txn_commit(struct otw_txn *txn)
{
	int rc = mdb_txn_commit(txn->txn);

	free(txn);
	if (rc == 0)
		return 0;
	return rc > 0 ? -rc : OTW_ESTORE;
}

void otw_store_txn_abort(struct otw_txn *txn)
{
	if (txn == NULL)
		return;
	mdb_txn_abort(txn->txn);
	free(txn);
}

int otw_store_raw_put(struct otw_txn *txn, enum otw_db db, const void *key,
		      size_t klen, const void *val, size_t vlen)
{
	MDB_val k = { klen, (void *)key };
	MDB_val v = { vlen, (void *)val };

	if (!txn->write)
		return -EROFS;
	return otw_store_mdb_err(mdb_put(txn->txn, txn->st->dbi[db], &k, &v, 0));
}

int otw_store_raw_get(struct otw_txn *txn, enum otw_db db, const void *key,
		      size_t klen, const uint8_t **val, size_t *vlen)
{
	MDB_val k = { klen, (void *)key };
	MDB_val v;
	int rc = mdb_get(txn->txn, txn->st->dbi[db], &k, &v);

	if (rc != 0)
		return otw_store_mdb_err(rc);
	*val = v.mv_data;
	*vlen = v.mv_size;
	return 0;
}

/* Walk db from the cursor position `first` (start: its key, for
 * MDB_SET_RANGE), stepping with `step`. */
static int raw_walk(struct otw_txn *txn, enum otw_db db, MDB_cursor_op first,
		    MDB_cursor_op step, MDB_val *start, otw_store_raw_fn fn,
		    void *arg)
{
	MDB_cursor *cur;
	MDB_val k = start ? *start : (MDB_val){ 0, NULL }, v;
	int rc;

	if (mdb_cursor_open(txn->txn, txn->st->dbi[db], &cur) != 0)
		return OTW_ESTORE;
	for (rc = mdb_cursor_get(cur, &k, &v, first); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, step)) {
		int r = fn(arg, k.mv_data, k.mv_size, v.mv_data, v.mv_size);
		if (r != 0) {
			mdb_cursor_close(cur);
			return r;
		}
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : OTW_ESTORE;
}

int otw_store_raw_foreach(struct otw_txn *txn, enum otw_db db,
			  otw_store_raw_fn fn, void *arg)
{
	return raw_walk(txn, db, MDB_FIRST, MDB_NEXT, NULL, fn, arg);
}

int otw_store_raw_foreach_rev(struct otw_txn *txn, enum otw_db db,
			      otw_store_raw_fn fn, void *arg)
{
	return raw_walk(txn, db, MDB_LAST, MDB_PREV, NULL, fn, arg);
}

int otw_store_raw_foreach_from(struct otw_txn *txn, enum otw_db db,
			       const void *key, size_t klen,
			       otw_store_raw_fn fn, void *arg)
{
	MDB_val k = { klen, (void *)key };

	return raw_walk(txn, db, MDB_SET_RANGE, MDB_NEXT, &k, fn, arg);
}

int otw_store_raw_del(struct otw_txn *txn, enum otw_db db, const void *key,
		      size_t klen)
{
	MDB_val k = { klen, (void *)key };

	if (!txn->write)
		return -EROFS;
	return otw_store_mdb_err(mdb_del(txn->txn, txn->st->dbi[db], &k, NULL));
}

int otw_store_raw_last_key(struct otw_txn *txn, enum otw_db db, uint8_t *key,
			   size_t cap, size_t *klen)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int mrc;

	*klen = 0;
	if (mdb_cursor_open(txn->txn, txn->st->dbi[db], &cur) != 0)
		return OTW_ESTORE;
	mrc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (mrc == 0) {
		*klen = k.mv_size < cap ? k.mv_size : cap;
		memcpy(key, k.mv_data, *klen);
	}
	mdb_cursor_close(cur);
	return mrc == 0 || mrc == MDB_NOTFOUND ? 0 : OTW_ESTORE;
}

int otw_store_count(struct otw_txn *txn, const char *table, size_t *n)
{
	MDB_stat s;

	for (int i = 0; i < OTW_DB__COUNT; i++) {
		if (strcmp(db_names[i], table) != 0)
			continue;
		if (mdb_stat(txn->txn, txn->st->dbi[i], &s) != 0)
			return OTW_ESTORE;
		*n = s.ms_entries;
		return 0;
	}
	return -EINVAL;
}
