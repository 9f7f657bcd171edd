/* Sensor setup: the settings the first-start wizard (web) and `otwatch
 * setup` (CLI) collect, one validation for both, kept in the setting table
 * as "setup.<field>"; "setup.complete" = "1" once an admin finished it. */
#ifndef OTW_SETUP_H
#define OTW_SETUP_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

struct otw_setup {
	char sensor_name[64];
	char mgmt_address[256]; /* host or host:port of the management side */
	char interfaces[256];   /* comma list: netdev names or PCI addresses */
	char timezone[64];      /* IANA name, e.g. Europe/Berlin */
	char proxy[256];        /* "" or http(s)://host[:port] */
	char mode[16];          /* cloud | local | managed */
	char cert[16];          /* self-signed | imported */
};

/* Field by field: NULL when s is acceptable, else a sentence naming the
 * first bad field. */
const char *otw_setup_check(const struct otw_setup *s);

/* Store s (and sensor.name, which activation checks) and mark setup
 * complete. The caller commits. Returns 0 or a store error. */
int otw_setup_save(struct otw_txn *txn, const struct otw_setup *s);

/* Load what is stored ("" for fields never set); *complete tells whether
 * setup was finished. Returns 0 or a store error. */
int otw_setup_load(struct otw_txn *txn, struct otw_setup *s, bool *complete);

/* Name/value table of the fields, for the JSON and CLI layers. */
struct otw_setup_field {
	const char *name;
	size_t off, cap;
};
extern const struct otw_setup_field otw_setup_fields[]; /* ends with name NULL */

#endif
