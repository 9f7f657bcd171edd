/* Internal to store/: the LMDB handles and the byte-packing helpers the
 * table modules share. Nothing outside store/ includes this. */
#ifndef OTW_STORE_INT_H
#define OTW_STORE_INT_H

#include <lmdb.h>
#include <stdint.h>
#include <string.h>

#include "otw_err.h"
#include "store.h"

/* Named databases, fixed forever in name; see store/README.md. */
#define OTW_DB_MAP(X)         \
	X(META, "meta")       \
	X(DEVICE, "device")   \
	X(CONN, "conn")       \
	X(OP, "op")           \
	X(FACT, "fact")       \
	X(ALERT, "alert")     \
	X(BASELINE, "baseline") \
	X(SETTING, "setting") \
	X(USER, "user")       \
	X(AUDIT, "audit")

enum otw_db {
#define OTW_DB_ENUM(id, name) OTW_DB_##id,
	OTW_DB_MAP(OTW_DB_ENUM)
#undef OTW_DB_ENUM
	OTW_DB__COUNT
};

struct otw_store {
	MDB_env *env;
	MDB_dbi dbi[OTW_DB__COUNT];
	unsigned flags;
};

struct otw_txn {
	struct otw_store *st;
	MDB_txn *txn;
	bool write;
};

/* LMDB result → otw code: not-found is an expected answer, the rest is a
 * store failure. */
static inline int otw_store_mdb_err(int rc)
{
	if (rc == 0)
		return 0;
	return rc == MDB_NOTFOUND ? OTW_ENOTFOUND : OTW_ESTORE;
}

/* Values are little-endian; keys are big-endian so that LMDB's memcmp
 * order is numeric order (cursor walks come out sorted). */
static inline uint8_t *otw_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	return p + 2;
}

static inline uint8_t *otw_put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	return p + 4;
}

static inline uint8_t *otw_put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	return p + 8;
}

static inline uint8_t *otw_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static inline uint8_t *otw_put_bytes(uint8_t *p, const void *src, size_t n)
{
	memcpy(p, src, n);
	return p + n;
}

static inline uint16_t otw_get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

static inline uint32_t otw_get_le32(const uint8_t *p)
{
	uint32_t v = 0;
	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static inline uint64_t otw_get_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static inline uint8_t *otw_put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
	return p + 8;
}

static inline uint64_t otw_get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static inline uint16_t otw_get_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

/* put/get of raw bytes in one named database. */
int otw_store_raw_put(struct otw_txn *txn, enum otw_db db, const void *key,
		      size_t klen, const void *val, size_t vlen);
/* *val points into the map: valid until the txn ends or the next write. */
int otw_store_raw_get(struct otw_txn *txn, enum otw_db db, const void *key,
		      size_t klen, const uint8_t **val, size_t *vlen);

/* Walk db in key order, calling fn(arg, key, klen, val, vlen); a non-zero
 * return from fn stops the walk and is returned. */
typedef int (*otw_store_raw_fn)(void *arg, const uint8_t *key, size_t klen,
				const uint8_t *val, size_t vlen);
int otw_store_raw_foreach(struct otw_txn *txn, enum otw_db db,
			  otw_store_raw_fn fn, void *arg);
/* The same walk, last key first. */
int otw_store_raw_foreach_rev(struct otw_txn *txn, enum otw_db db,
			      otw_store_raw_fn fn, void *arg);
/* The forward walk from the first key >= key (a seek, not a scan). */
int otw_store_raw_foreach_from(struct otw_txn *txn, enum otw_db db,
			       const void *key, size_t klen,
			       otw_store_raw_fn fn, void *arg);
/* Delete key; OTW_ENOTFOUND if absent, -EROFS in a read txn. */
int otw_store_raw_del(struct otw_txn *txn, enum otw_db db, const void *key,
		      size_t klen);
/* Copy of the last key of db (at most cap bytes) and its length; *klen = 0
 * when db is empty. */
int otw_store_raw_last_key(struct otw_txn *txn, enum otw_db db, uint8_t *key,
			   size_t cap, size_t *klen);

#endif
