/* otw_store: the on-disk state of otwatch, behind an opaque handle. Only
 * store/ knows LMDB exists. Records are plain structs here; the .c files
 * pack them into explicit byte layouts (see store/README.md), so the file
 * format does not depend on the compiler's struct layout.
 *
 * Thread rules: one otw_store per process (LMDB forbids opening the same
 * environment twice in one process). Transactions are used by the thread
 * that began them; one write transaction at a time (LMDB serialises them,
 * across processes too). */
#ifndef OTW_STORE_H
#define OTW_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otw_ev-t.h"

/* Bumped whenever a key or value layout changes; checked at open. */
#define OTW_STORE_SCHEMA 3 /* 3: device key kind+id, flags; fact table */

/* Default map size: address space only, the file grows with the data. */
#define OTW_STORE_MAP_DEFAULT ((size_t)4 << 30)

enum otw_store_flag {
	OTW_STORE_RDONLY = 1, /* read-only: no write txns, no schema write */
};

struct otw_store;
struct otw_txn;

/* Open (create if needed, unless RDONLY) the store in directory dir with a
 * map of map_bytes (0 = OTW_STORE_MAP_DEFAULT). A new store gets the
 * current schema version; an existing one must carry it.
 * Returns 0 and sets *out, or -errno (dir missing/unreadable), OTW_ESCHEMA
 * (other version, or RDONLY open of a store never initialised), or
 * OTW_ESTORE. *out is untouched on error. One opener per process. */
int otw_store_open(const char *dir, size_t map_bytes, unsigned flags,
		   struct otw_store **out);
void otw_store_close(struct otw_store *st); /* NULL is a no-op */

/* Begin a transaction (write = false: a read-only snapshot). Group many
 * puts into one write txn: a durable commit costs milliseconds.
 * Returns 0 and *out, -ENOMEM, -EROFS (write on a RDONLY store) or
 * OTW_ESTORE. */
int otw_store_txn_begin(struct otw_store *st, bool write,
			struct otw_txn **out);
/* Commit and free txn (also for read txns). Returns 0 or OTW_ESTORE
 * (nothing of the txn is stored then; txn is freed either way). */
int otw_store_txn_commit(struct otw_txn *txn);
/* Drop every change of txn and free it. NULL is a no-op. */
void otw_store_txn_abort(struct otw_txn *txn);

/* --- meta: schema version, per-worker event sequence, counters --- */

/* Schema version recorded in the store. */
int otw_store_meta_schema(struct otw_txn *txn, uint32_t *ver);
/* Last event batch applied from worker (its epoch and seq).
 * get returns OTW_ENOTFOUND for a worker never seen. */
int otw_store_worker_put(struct otw_txn *txn, uint16_t worker,
			 uint64_t epoch, uint32_t seq);
int otw_store_worker_get(struct otw_txn *txn, uint16_t worker,
			 uint64_t *epoch, uint32_t *seq);
/* Named 64-bit counters ("events", "batches", "msgs_lost", ...); name is
 * at most OTW_STORE_NAME_MAX bytes. get returns OTW_ENOTFOUND if never
 * put; put returns -EINVAL for a bad name. */
#define OTW_STORE_NAME_MAX 64
int otw_store_counter_put(struct otw_txn *txn, const char *name, uint64_t v);
int otw_store_counter_get(struct otw_txn *txn, const char *name, uint64_t *v);

/* --- device: one record per MAC (local hosts) or per IP (hosts behind a
 * router, whose frames carry the router's MAC) --- */

#define OTW_STORE_DEV_IPS 16  /* IPs remembered per MAC */
#define OTW_STORE_STR_MAX 64  /* vendor/model/firmware, incl. the NUL */

enum otw_store_dev_flag {
	OTW_STORE_DEV_ROUTER = 1,   /* its MAC carries routed IPs */
	OTW_STORE_DEV_INTERNET = 2, /* by_ip with a public address */
};

struct otw_store_device {
	uint8_t by_ip;                        /* 0: keyed by mac; 1: by ips[0]
						 (mac zero) */
	uint8_t flags;                        /* enum otw_store_dev_flag */
	uint16_t arp_ips;                     /* bit i: ips[i] learnt by ARP */
	uint8_t mac[6];
	uint16_t vlan;
	uint8_t n_ips;                        /* <= OTW_STORE_DEV_IPS; >= 1
						 when by_ip */
	uint32_t ips_dropped;                 /* IPs over the cap */
	struct otw_ip ips[OTW_STORE_DEV_IPS];
	uint64_t first_ns, last_ns;
	uint64_t apps_served;                 /* bit (1 << enum otw_app) */
	uint64_t apps_used;
	/* the chosen identity (see docs/inventory.md), kept here for
	 * readers that do not walk the fact table */
	char vendor[OTW_STORE_STR_MAX];       /* "" = unknown */
	char model[OTW_STORE_STR_MAX];
	char firmware[OTW_STORE_STR_MAX];
};

/* The store key of a device: kind (0 MAC, 1 IP) + 16 bytes (MAC then
 * zeros, or the IP). Facts name their device with it. */
#define OTW_STORE_DEVKEY_LEN 17
void otw_store_device_key(const struct otw_store_device *d,
			  uint8_t key[OTW_STORE_DEVKEY_LEN]);

/* --- fact: identity facts taught by protocols, per device --- */

struct otw_store_fact {
	uint8_t dev[OTW_STORE_DEVKEY_LEN]; /* otw_store_device_key */
	uint16_t key;                      /* enum otw_attr */
	uint16_t app;                      /* enum otw_app that taught it */
	uint32_t vhash;                    /* 0, or the value's hash for
					      multi-valued keys (module ...) */
	uint8_t len, prev_len;             /* bytes of val / prev */
	uint16_t changes;                  /* times the value changed */
	char val[OTW_ATTR_VAL_MAX + 1];    /* NUL-terminated */
	char prev[OTW_ATTR_VAL_MAX + 1];   /* value before the last change */
	uint64_t first_ns, last_ns;        /* current value's first/last */
	uint64_t changed_ns;               /* time of the last change, 0 */
};

/* --- conn: one record per (l4, src ip/port, dst ip/port) --- */

enum otw_store_conn_flag {
	OTW_STORE_CONN_ORIG_KNOWN = 1, /* src is known to be the client */
};

struct otw_store_conn {
	uint8_t l4;          /* IPPROTO_* */
	uint8_t flags;       /* enum otw_store_conn_flag */
	uint16_t src_port, dst_port;
	struct otw_ip src_ip, dst_ip;
	uint16_t app;        /* enum otw_app */
	uint16_t vlan;
	uint8_t src_mac[6], dst_mac[6];
	uint64_t packets, bytes;
	uint64_t first_ns, last_ns;
};

/* --- op: one record per (src ip, dst ip, app, unit, func) --- */

struct otw_store_op {
	struct otw_ip src_ip, dst_ip;
	uint16_t app;
	uint16_t unit, func;
	uint32_t addr_lo, addr_hi; /* address range touched; lo OTW_ADDR_NONE: none */
	uint64_t count, responses, exceptions;
	uint64_t first_ns, last_ns;
};

/* Called once per record, in key order; the record is only valid during
 * the call. A non-zero return stops the walk and is returned. */
typedef int (*otw_store_device_fn)(void *arg, const struct otw_store_device *d);
typedef int (*otw_store_conn_fn)(void *arg, const struct otw_store_conn *c);
typedef int (*otw_store_op_fn)(void *arg, const struct otw_store_op *o);

/* put inserts or replaces by key; get returns OTW_ENOTFOUND when absent;
 * foreach walks the table in key order. Other errors: OTW_ESTORE
 * (including a full map), -EINVAL (n_ips over the cap). */
int otw_store_device_put(struct otw_txn *txn, const struct otw_store_device *d);
/* key fields of *key (by_ip, mac or ips[0]) select the record */
int otw_store_device_get(struct otw_txn *txn,
			 const struct otw_store_device *key,
			 struct otw_store_device *out);
int otw_store_device_foreach(struct otw_txn *txn, otw_store_device_fn fn,
			     void *arg);
/* The same walk from the first device whose key (otw_store_device_key)
 * is >= key: one seek, so paging by key costs the page, not the offset. */
int otw_store_device_foreach_from(struct otw_txn *txn,
				  const uint8_t key[OTW_STORE_DEVKEY_LEN],
				  otw_store_device_fn fn, void *arg);

int otw_store_conn_put(struct otw_txn *txn, const struct otw_store_conn *c);
/* key fields of *key (l4, ips, ports) select the record */
int otw_store_conn_get(struct otw_txn *txn, const struct otw_store_conn *key,
		       struct otw_store_conn *out);
int otw_store_conn_foreach(struct otw_txn *txn, otw_store_conn_fn fn, void *arg);

int otw_store_op_put(struct otw_txn *txn, const struct otw_store_op *o);
/* key fields of *key (ips, app, unit, func) select the record */
int otw_store_op_get(struct otw_txn *txn, const struct otw_store_op *key,
		     struct otw_store_op *out);
int otw_store_op_foreach(struct otw_txn *txn, otw_store_op_fn fn, void *arg);

/* Facts: key (dev, key, app, vhash). -EINVAL for len over the cap. */
typedef int (*otw_store_fact_fn)(void *arg, const struct otw_store_fact *f);
int otw_store_fact_put(struct otw_txn *txn, const struct otw_store_fact *f);
int otw_store_fact_get(struct otw_txn *txn, const struct otw_store_fact *key,
		       struct otw_store_fact *out);
int otw_store_fact_foreach(struct otw_txn *txn, otw_store_fact_fn fn,
			   void *arg);

/* Number of records in a named table ("device", "conn", ...), for stats
 * and tests. Returns 0 and *n, or -EINVAL for an unknown name. */
int otw_store_count(struct otw_txn *txn, const char *table, size_t *n);

#endif
