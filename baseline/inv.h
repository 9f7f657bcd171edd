/* otw_inv: the in-memory inventory. It merges events into devices (by
 * MAC), connections (by 5-tuple, either direction) and operations (by
 * client, server, app, unit, function), remembers which records changed
 * since the last save, and prints them. otw-baseline keeps one in sync
 * with the store; `otwatch analyze` and `otwatch inventory` print one.
 *
 * Single-threaded: one owner calls everything. */
#ifndef OTW_INV_H
#define OTW_INV_H

#include <stddef.h>
#include <stdio.h>

#include "otw_ev-t.h"
#include "store.h"

/* A MAC with more IPs than this behind it is guessed to be a router. */
#define OTW_INV_ROUTER_IPS 4

struct otw_inv;

struct otw_inv_stats {
	size_t devices, conns, ops;
	size_t dirty;          /* records waiting for otw_inv_save_dirty */
	uint64_t ips_dropped;  /* IPs over the per-MAC cap, summed */
};

/* Returns 0 and *out, or -ENOMEM. */
int otw_inv_create(struct otw_inv **out);
void otw_inv_destroy(struct otw_inv *inv); /* NULL is a no-op */

/* Merge one event. Returns 0, -ENOMEM or OTW_EFULL (table at its index
 * limit); the inventory is unchanged by a failed call. Events of unknown
 * kind are ignored (0). */
int otw_inv_apply(struct otw_inv *inv, const struct otw_ev *ev);

/* Load every device, conn and op of st into inv (meant for an empty
 * inventory: records already present are replaced). Loaded records are
 * clean. Returns 0, -ENOMEM or a store error (OTW_ESTORE ...). */
int otw_inv_load(struct otw_inv *inv, struct otw_store *st);

/* Put every record changed since the previous save into txn (a write
 * txn) and mark them clean. If the caller then fails to commit txn, the
 * inventory is ahead of the store: otw-baseline exits and restarts from
 * the store. Returns 0 or the store error (records not yet written stay
 * dirty). */
int otw_inv_save_dirty(struct otw_inv *inv, struct otw_txn *txn);

void otw_inv_get_stats(const struct otw_inv *inv, struct otw_inv_stats *out);

/* One JSON object per line: devices by MAC, then conns by (l4, src, dst),
 * then ops by (src, dst, app, unit, func). Unknown fields are left out.
 * Returns 0, -ENOMEM or -EIO (write error on f). */
int otw_inv_print_json(const struct otw_inv *inv, FILE *f);
/* The same records as aligned text tables for people. Same returns. */
int otw_inv_print_table(const struct otw_inv *inv, FILE *f);

#endif
