/* devmeta table: what the operator says about a device, kept apart from
 * what otw-baseline learns (the device/fact tables), so neither writer
 * overwrites the other. Key = the device key (otw_store_device_key, 17 B);
 * value layout in store/README.md. A record with merged_into set is an
 * alias: readers show it inside its survivor, otw-baseline credits its
 * future events to the survivor. */
#ifndef OTW_STORE_DEVMETA_H
#define OTW_STORE_DEVMETA_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

#define OTW_DEVMETA_NAME_MAX 64   /* incl. the NUL */
#define OTW_DEVMETA_TYPE_MAX 24
#define OTW_DEVMETA_NOTES_MAX 512

enum otw_devmeta_auth {
	OTW_DEVMETA_AUTH_UNSET = 0,
	OTW_DEVMETA_AUTH_YES = 1,
	OTW_DEVMETA_AUTH_NO = 2,
};

struct otw_store_devmeta {
	uint8_t dev[OTW_STORE_DEVKEY_LEN];        /* key */
	uint8_t authorized;                       /* enum otw_devmeta_auth */
	bool merged;                              /* merged_into is valid */
	uint8_t merged_into[OTW_STORE_DEVKEY_LEN]; /* survivor's key */
	uint64_t changed_ns;                      /* last operator change */
	char name[OTW_DEVMETA_NAME_MAX];          /* "" = none */
	char type[OTW_DEVMETA_TYPE_MAX];          /* class.c type name, "" */
	char notes[OTW_DEVMETA_NOTES_MAX];
};

/* True when m carries nothing (no name/type/notes/authorized/merge): such
 * a record is deleted rather than stored. */
bool otw_store_devmeta_empty(const struct otw_store_devmeta *m);

/* put replaces the record of m->dev (deletes it when empty); strings over
 * their field are -EINVAL. get: OTW_ENOTFOUND when there is none (out is
 * then zeroed with dev set). del: OTW_ENOTFOUND when absent. Other errors:
 * OTW_ESTORE, -EROFS in a read txn. */
int otw_store_devmeta_put(struct otw_txn *txn, const struct otw_store_devmeta *m);
int otw_store_devmeta_get(struct otw_txn *txn,
			  const uint8_t dev[OTW_STORE_DEVKEY_LEN],
			  struct otw_store_devmeta *out);
int otw_store_devmeta_del(struct otw_txn *txn,
			  const uint8_t dev[OTW_STORE_DEVKEY_LEN]);

typedef int (*otw_store_devmeta_fn)(void *arg, const struct otw_store_devmeta *m);
/* Walk in key order; a non-zero return from fn stops and is returned. */
int otw_store_devmeta_foreach(struct otw_txn *txn, otw_store_devmeta_fn fn,
			      void *arg);

/* Every record, in key order, into a malloc'd array (*out NULL when there
 * is none; the caller frees it). Returns 0, -ENOMEM or a store error. */
int otw_store_devmeta_load(struct otw_txn *txn, struct otw_store_devmeta **out,
			   size_t *n);

/* Delete a device's learned records: its device record and every fact of
 * it (conns and ops are keyed by IP and stay: they are history). Returns 0
 * or OTW_ENOTFOUND when the device record is absent. */
int otw_store_device_del(struct otw_txn *txn,
			 const uint8_t dev[OTW_STORE_DEVKEY_LEN]);
int otw_store_device_get_key(struct otw_txn *txn,
			     const uint8_t dev[OTW_STORE_DEVKEY_LEN],
			     struct otw_store_device *out);

/* Device key as text: "mac:00:11:22:33:44:55" or "ip:10.0.0.5" (the form
 * the CLI, CSV and REST API use); parse also takes a bare MAC or IP.
 * format returns buf; parse returns false on anything else. */
#define OTW_DEVKEY_STR_MAX 64
const char *otw_store_devkey_str(const uint8_t dev[OTW_STORE_DEVKEY_LEN],
				 char *buf, size_t len);
bool otw_store_devkey_parse(const char *s, uint8_t dev[OTW_STORE_DEVKEY_LEN]);

#endif
