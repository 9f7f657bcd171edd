/* Inventory management endpoints (api_devedit.c): device edits, merges,
 * deletes, CSV export/import, names, DHCP ranges and monitor rules; plus
 * the operator fields the device list (api_inv.c) shows. */
#ifndef OTW_API_DEVEDIT_H
#define OTW_API_DEVEDIT_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "http.h"
#include "store.h"

extern const struct otw_route otw_routes_devedit[];

/* Is d merged into another device (the list shows it inside that one)? */
bool otw_api_dev_is_alias(struct otw_txn *txn, const struct otw_store_device *d);
/* JSON of d (mac, vlan, ips, vendor, model, firmware) with its key, the
 * operator's fields, aliases (their IPs added to "ips") and the subnet and
 * VLAN names. The caller owns the result. */
cJSON *otw_api_dev_json(struct otw_txn *txn, const struct otw_store_device *d);

#endif
