/* The detector's state in the store: learned keys, alerts (with the
 * operator's status and note kept when the detector updates counts) and
 * the learning start time. Used by otw-baseline inside its commits. */
#ifndef OTW_DETSTORE_H
#define OTW_DETSTORE_H

#include "det.h"
#include "store.h"

/* Reload everything into a fresh det. */
int otw_detstore_load(struct otw_det *det, struct otw_txn *txn);
/* Write what det learned and raised since the last save into txn. On a
 * failed commit the caller restarts from the store (as for the inventory). */
int otw_detstore_save(struct otw_det *det, struct otw_txn *txn);
/* The same, calling fresh(arg, a) for each alert saved for the first time
 * (to forward it once the commit succeeded). */
int otw_detstore_save_cb(struct otw_det *det, struct otw_txn *txn,
			 void (*fresh)(void *arg, const struct otw_alert *a), void *arg);

/* Take over the status operators set in the store (console actions):
 * closed alerts are raised anew on a repeat, learned ones add their cause
 * to the baseline. Cheap enough to run every few seconds. */
int otw_detstore_sync_status(struct otw_det *det, struct otw_txn *txn);

#endif
