/* meta table: schema version, per-worker (epoch, seq), named counters.
 * Keys are short ASCII prefixes so the table stays readable with
 * mdb_dump; see store/README.md for the layouts. */
#include <errno.h>

#include "store_int.h"

#define WORKER_VAL_LEN 12 /* epoch u64le, seq u32le */

static size_t worker_key(uint8_t key[4], uint16_t worker)
{
	key[0] = 'w';
	key[1] = ':';
	otw_put_be16(key + 2, worker);
	return 4;
}

int otw_store_meta_schema(struct otw_txn *txn, uint32_t *ver)
{
	const uint8_t *v;
	size_t n;
	int rc = otw_store_raw_get(txn, OTW_DB_META, "schema", 6, &v, &n);

	if (rc != 0)
		return rc;
	if (n != 4)
		return OTW_ESCHEMA;
	*ver = otw_get_le32(v);
	return 0;
}

int otw_store_worker_put(struct otw_txn *txn, uint16_t worker,
			 uint64_t epoch, uint32_t seq)
{
	uint8_t key[4], val[WORKER_VAL_LEN];
	size_t klen = worker_key(key, worker);

	otw_put_le32(otw_put_le64(val, epoch), seq);
	return otw_store_raw_put(txn, OTW_DB_META, key, klen, val, sizeof(val));
}

int otw_store_worker_get(struct otw_txn *txn, uint16_t worker,
			 uint64_t *epoch, uint32_t *seq)
{
	uint8_t key[4];
	size_t klen = worker_key(key, worker), n;
	const uint8_t *v;
	int rc = otw_store_raw_get(txn, OTW_DB_META, key, klen, &v, &n);

	if (rc != 0)
		return rc;
	if (n != WORKER_VAL_LEN)
		return OTW_ESTORE;
	*epoch = otw_get_le64(v);
	*seq = otw_get_le32(v + 8);
	return 0;
}

/* "c:" + name; returns the key length or 0 for a bad name. */
static size_t counter_key(char key[OTW_STORE_NAME_MAX + 3], const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > OTW_STORE_NAME_MAX)
		return 0;
	key[0] = 'c';
	key[1] = ':';
	memcpy(key + 2, name, n);
	return n + 2;
}

int otw_store_counter_put(struct otw_txn *txn, const char *name, uint64_t v)
{
	char key[OTW_STORE_NAME_MAX + 3];
	uint8_t val[8];
	size_t klen = counter_key(key, name);

	if (klen == 0)
		return -EINVAL;
	otw_put_le64(val, v);
	return otw_store_raw_put(txn, OTW_DB_META, key, klen, val, sizeof(val));
}

int otw_store_counter_get(struct otw_txn *txn, const char *name, uint64_t *v)
{
	char key[OTW_STORE_NAME_MAX + 3];
	size_t klen = counter_key(key, name), n;
	const uint8_t *val;
	int rc;

	if (klen == 0)
		return -EINVAL;
	if ((rc = otw_store_raw_get(txn, OTW_DB_META, key, klen, &val, &n)) != 0)
		return rc;
	if (n != 8)
		return OTW_ESTORE;
	*v = otw_get_le64(val);
	return 0;
}
