/* otw_names: operator names for subnets (CIDR), VLAN ids and ports
 * (tcp|udp/N), and DHCP ranges (start-end IP), kept in the setting table
 * as "name.subnet.<cidr>", "name.vlan.<id>", "name.port.<l4>/<n>" and
 * "dhcp.<start>-<end>" (value: the name/label text). Also the monitored-
 * traffic rules ("monitor.<rule text>", filter.h). The CLI and the console
 * change them through put/del (canonical keys, validated values); readers
 * load them into a lookup table. docs/inventory.md. */
#ifndef OTW_NAMES_H
#define OTW_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter.h"
#include "otw_ev-t.h"
#include "store.h"

#define OTW_NAMES_NAME_MAX 64 /* incl. the NUL */

enum otw_names_kind { OTW_NK_SUBNET, OTW_NK_VLAN, OTW_NK_PORT, OTW_NK_DHCP };

/* "subnet", "vlan", "port", "dhcp" -> kind; -1 if none. */
int otw_names_kind_parse(const char *s);
const char *otw_names_kind_str(enum otw_names_kind k);

/* Validate spec for kind (CIDR, 1..4094, tcp|udp/1..65535, a-b with a <= b
 * of one family) and write the canonical setting key into key (at least
 * 128 B). Returns 0 or -EINVAL with a reason in err. */
int otw_names_key(enum otw_names_kind k, const char *spec, char *key,
		  size_t keylen, char *err, size_t errlen);
/* Store name for spec (name may be "" for DHCP ranges; others want one,
 * under OTW_NAMES_NAME_MAX, printable). del: OTW_ENOTFOUND if absent.
 * Both audit nothing: the caller audits with its user. */
int otw_names_put(struct otw_txn *txn, enum otw_names_kind k, const char *spec,
		  const char *name, char *err, size_t errlen);
int otw_names_del(struct otw_txn *txn, enum otw_names_kind k, const char *spec,
		  char *err, size_t errlen);

/* Walk the entries of kind in key order: fn(arg, spec, name). */
typedef int (*otw_names_fn)(void *arg, const char *spec, const char *name);
int otw_names_foreach(struct otw_txn *txn, enum otw_names_kind k,
		      otw_names_fn fn, void *arg);

/* Monitor rules: add (validated, canonical; -EEXIST when present,
 * -ENOSPC past OTW_FILTER_MAX), del (OTW_ENOTFOUND), and load all into f. */
int otw_names_rule_add(struct otw_txn *txn, const char *text, char *canon,
		       size_t canonlen, char *err, size_t errlen);
int otw_names_rule_del(struct otw_txn *txn, const char *text, char *err,
		       size_t errlen);
int otw_names_rules_load(struct otw_txn *txn, struct otw_filter *f);

/* A loaded snapshot for lookups while printing. */
struct otw_names;
/* Returns 0 and *out, -ENOMEM or a store error. */
int otw_names_load(struct otw_txn *txn, struct otw_names **out);
void otw_names_free(struct otw_names *n); /* NULL is a no-op */
/* Name of the most specific subnet holding ip, and its CIDR (cidr may be
 * NULL); NULL if none. */
const char *otw_names_subnet(const struct otw_names *n, const struct otw_ip *ip,
			     char *cidr, size_t cidrlen);
const char *otw_names_vlan(const struct otw_names *n, uint16_t vlan);
const char *otw_names_port(const struct otw_names *n, uint8_t l4, uint16_t port);
/* Is ip inside a DHCP range? */
bool otw_names_dynamic(const struct otw_names *n, const struct otw_ip *ip);
/* Number of entries loaded (all kinds). */
size_t otw_names_count(const struct otw_names *n);

#endif
