/* audit table: who changed what, append-only. Key = id be64 (rising, so
 * puts append); value = ts_ns u64le, then user, action, object, detail as
 * u16le length + bytes. Every operator or automatic change of stored state
 * (alert actions, device edits, learning mode, users, settings) adds one. */
#ifndef OTW_STORE_AUDIT_H
#define OTW_STORE_AUDIT_H

#include <stdint.h>

#include "store.h"

#define OTW_AUDIT_USER_MAX 64     /* incl. the NUL */
#define OTW_AUDIT_ACTION_MAX 48
#define OTW_AUDIT_OBJECT_MAX 128
#define OTW_AUDIT_DETAIL_MAX 512

struct otw_store_audit {
	uint64_t id;                      /* set by add */
	uint64_t ts_ns;                   /* wall clock of the change */
	char user[OTW_AUDIT_USER_MAX];    /* "system" for automatic changes */
	char action[OTW_AUDIT_ACTION_MAX]; /* "alert.mute", "device.edit", ... */
	char object[OTW_AUDIT_OBJECT_MAX]; /* "alert:42", "device:00:11:..", */
	char detail[OTW_AUDIT_DETAIL_MAX]; /* free text, e.g. "name=PLC-1" */
};

/* Append one entry; longer strings are cut to their field. Sets a->id.
 * user and action must not be empty (-EINVAL). */
int otw_store_audit_add(struct otw_txn *txn, struct otw_store_audit *a);
/* Convenience: add with ts_ns now (CLOCK_REALTIME). */
int otw_store_audit_log(struct otw_txn *txn, const char *user,
			const char *action, const char *object,
			const char *detail);

typedef int (*otw_store_audit_fn)(void *arg, const struct otw_store_audit *a);
/* Walk newest first; a non-zero return from fn stops and is returned. */
int otw_store_audit_foreach(struct otw_txn *txn, otw_store_audit_fn fn,
			    void *arg);

#endif
