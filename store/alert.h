/* alert table: key = id be64 (ids rise: append-ordered puts); value =
 * engine u8, severity u8, status u8, pad u8, app u16le, func u16le,
 * count u32le, src 16, dst 16, first_ns, last_ns, status_ns, dedup,
 * cause u64le (84 B), then title, desc, advice, note as u16le length + bytes.
 * blkey table ("baseline"): key = 8-byte learned-entry hash, empty value. */
#ifndef OTW_STORE_ALERT_H
#define OTW_STORE_ALERT_H

#include <stdint.h>

#include "store.h"

enum otw_alert_status {
	OTW_ALERT_OPEN = 0,
	OTW_ALERT_CLOSED = 1,
	OTW_ALERT_MUTED = 2,    /* this cause for these devices stays quiet */
	OTW_ALERT_LEARNED = 3,  /* added to the baseline, then closed */
};

#define OTW_STORE_ALERT_TEXT 320

struct otw_store_alert {
	uint64_t id;
	uint8_t engine, severity, status;
	uint16_t app, func;
	uint32_t count;
	struct otw_ip src, dst;
	uint64_t first_ns, last_ns, status_ns;
	uint64_t dedup;                       /* detector's dedup key */
	uint64_t cause;                       /* baseline key "learn" adds */
	char title[96];
	char desc[OTW_STORE_ALERT_TEXT];
	char advice[OTW_STORE_ALERT_TEXT];
	char note[OTW_STORE_ALERT_TEXT];      /* operator comment */
};

typedef int (*otw_store_alert_fn)(void *arg, const struct otw_store_alert *a);

int otw_store_alert_put(struct otw_txn *txn, const struct otw_store_alert *a);
int otw_store_alert_get(struct otw_txn *txn, uint64_t id, struct otw_store_alert *out);
/* Walk in id order; newest_first walks backwards. */
int otw_store_alert_foreach(struct otw_txn *txn, bool newest_first,
			    otw_store_alert_fn fn, void *arg);
/* Highest id in use (0 when none). */
int otw_store_alert_last_id(struct otw_txn *txn, uint64_t *id);

const char *otw_alert_status_name(unsigned s);
int otw_alert_status_parse(const char *s); /* -1 if unknown */

/* Learned baseline entries (otw_det keys). */
int otw_store_blkey_put(struct otw_txn *txn, uint64_t key);
typedef int (*otw_store_blkey_fn)(void *arg, uint64_t key);
int otw_store_blkey_foreach(struct otw_txn *txn, otw_store_blkey_fn fn, void *arg);

#endif
