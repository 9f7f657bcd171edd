/* setting table: named configuration values that operators change at run
 * time (learning mode, exclusion rules, names of subnets, ...). Key = name
 * (1..OTW_SETTING_NAME_MAX-1 bytes, by convention "<area>.<item>", e.g.
 * "learning.mode", "subnet.10.0.1.0/24"); value = the bytes given (text or
 * a module's own packed record), at most OTW_SETTING_VAL_MAX. */
#ifndef OTW_STORE_SETTING_H
#define OTW_STORE_SETTING_H

#include <stddef.h>

#include "store.h"

#define OTW_SETTING_NAME_MAX 128 /* incl. the NUL */
#define OTW_SETTING_VAL_MAX 4096

/* -EINVAL for a bad name or a value over OTW_SETTING_VAL_MAX. */
int otw_store_setting_put(struct otw_txn *txn, const char *name,
			  const void *val, size_t len);
/* Copies at most cap bytes into buf and sets *len to the stored length
 * (may exceed cap: the copy is then cut). A text value is NUL-terminated
 * when cap allows. OTW_ENOTFOUND when absent. */
int otw_store_setting_get(struct otw_txn *txn, const char *name, void *buf,
			  size_t cap, size_t *len);
int otw_store_setting_del(struct otw_txn *txn, const char *name);

/* Walk the names starting with prefix ("" = all) in name order; a non-zero
 * return from fn stops and is returned. name is NUL-terminated. */
typedef int (*otw_store_setting_fn)(void *arg, const char *name,
				    const void *val, size_t len);
int otw_store_setting_foreach(struct otw_txn *txn, const char *prefix,
			      otw_store_setting_fn fn, void *arg);

#endif
