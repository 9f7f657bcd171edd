/* otw_inv: the in-memory inventory. It merges events into devices (by
 * MAC for local hosts, by IP for hosts behind a router), identity facts
 * (per device, key, app; the previous value kept on change), connections
 * (by 5-tuple, either direction) and operations (by client, server, app,
 * unit, function), remembers which records changed since the last save,
 * classifies devices (class.h) and prints them. docs/inventory.md. otw-baseline keeps one in sync
 * with the store; `otwatch analyze` and `otwatch inventory` print one.
 *
 * Single-threaded: one owner calls everything. */
#ifndef OTW_INV_H
#define OTW_INV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "class.h"
#include "otw_ev-t.h"
#include "oui.h"
#include "store.h"

/* A MAC is taken for a router once its IPs span OTW_INV_ROUTER_NETS
 * /24s, or number more than OTW_INV_ROUTER_IPS over two /24s or more, or
 * more than OTW_INV_ROUTER_IPS_1NET it never answered ARP for in one /24
 * (no host uses that many addresses: a proxy-ARP or L3 device, or a
 * capture whose MACs were rewritten). */
#define OTW_INV_ROUTER_IPS 4
#define OTW_INV_ROUTER_NETS 3
#define OTW_INV_ROUTER_IPS_1NET 8

struct otw_inv;

struct otw_inv_stats {
	size_t devices, conns, ops, facts;
	size_t dirty;          /* records waiting for otw_inv_save_dirty */
	size_t internet;       /* IP-keyed records of public addresses */
	size_t routers;        /* MACs found to carry routed IPs */
	uint64_t ips_dropped;  /* IPs over the per-MAC cap, summed */
	uint64_t flips;        /* guessed conns turned round by a known opener */
};

/* Returns 0 and *out, or -ENOMEM. */
int otw_inv_create(struct otw_inv **out);
void otw_inv_destroy(struct otw_inv *inv); /* NULL is a no-op */
/* MAC vendor table for the OUI fallback (default: otw_oui_default(),
 * loaded at the first print or classify; NULL = no OUI vendors). Not
 * owned. */
void otw_inv_set_oui(struct otw_inv *inv, const struct otw_oui *oui);

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

/* Classify the device owning ip (or the IP-keyed record of ip): 0,
 * OTW_ENOTFOUND or -ENOMEM. Costs a pass over conns and ops. */
int otw_inv_classify(const struct otw_inv *inv, const struct otw_ip *ip,
		     struct otw_class_out *out);

/* Address tests used for device keys: a possible host address (not
 * unspecified, loopback, multicast, broadcast, class E, L2 pseudo); a
 * public one (not RFC 1918, CGNAT, link-local, ULA). */
bool otw_inv_host_ip(const struct otw_ip *ip);
bool otw_inv_public_ip(const struct otw_ip *ip);
/* Identity precedence tier of a protocol: 5 OT, 4 LLDP/CDP/SNMP, 3 DHCP,
 * 2 others (MAC OUI is 1). */
unsigned otw_inv_app_tier(unsigned app);

/* One JSON object per line: devices (MAC-keyed by MAC, then IP-keyed by
 * IP), subnets, conns by (l4, src, dst), then ops by (src, dst, app, unit,
 * func). Unknown fields are left out (docs/inventory.md lists them).
 * Returns 0, -ENOMEM or -EIO (write error on f). */
int otw_inv_print_json(const struct otw_inv *inv, FILE *f);
/* The same records as aligned text tables for people. Same returns. */
int otw_inv_print_table(const struct otw_inv *inv, FILE *f);

#endif
