/* otw_devedit: the operator's changes to devices, shared by the CLI and
 * the console: edit (name, type override, notes, authorized), merge two
 * devices (the alias keeps its records; readers and otw-baseline use the
 * survivor), unmerge, delete, and CSV export/import. Each change is made
 * inside the caller's write txn together with its audit entry, so a
 * failed change leaves no trace: the caller aborts. docs/inventory.md. */
#ifndef OTW_DEVEDIT_H
#define OTW_DEVEDIT_H

#include <stddef.h>
#include <stdio.h>

#include "devmeta.h"
#include "inv.h"
#include "store.h"

/* NULL string / authorized < 0: leave that field as it is; "" clears. */
struct otw_devedit {
	const char *name, *type, *notes;
	int authorized; /* enum otw_devmeta_auth, or -1 */
};

/* All below: 0, or -EINVAL (bad value), OTW_ENOTFOUND (no such device),
 * -EEXIST (merge: already merged) or a store error, with a sentence in
 * err. user names the operator in the audit entry. */
int otw_devedit_edit(struct otw_txn *txn, const uint8_t key[OTW_STORE_DEVKEY_LEN],
		     const struct otw_devedit *e, const char *user, char *err,
		     size_t errlen);
int otw_devedit_merge(struct otw_txn *txn,
		      const uint8_t alias[OTW_STORE_DEVKEY_LEN],
		      const uint8_t survivor[OTW_STORE_DEVKEY_LEN],
		      const char *user, char *err, size_t errlen);
int otw_devedit_unmerge(struct otw_txn *txn,
			const uint8_t alias[OTW_STORE_DEVKEY_LEN],
			const char *user, char *err, size_t errlen);
/* Removes the device record, its facts and its operator record; aliases
 * merged into it become devices of their own again. */
int otw_devedit_delete(struct otw_txn *txn,
		       const uint8_t key[OTW_STORE_DEVKEY_LEN], const char *user,
		       char *err, size_t errlen);

/* Parse "yes"/"no"/"true"/"false"/"1"/"0" ("" = unset). -1 if none. */
int otw_devedit_auth_parse(const char *s);
const char *otw_devedit_auth_str(unsigned a); /* "yes", "no", "" */

/* CSV import: a header line naming the columns (any order; "key"
 * required; name, type, authorized, notes are applied, the learned columns
 * are ignored), then one device per line. A file with any bad line applies
 * nothing: every error is passed to errfn (line, message) and -EINVAL
 * returned, the caller aborts the txn. Else *changed devices were updated
 * (one audit entry each) and 0 returned. */
typedef void (*otw_devedit_err_fn)(void *arg, unsigned line, const char *msg);
int otw_devedit_import(struct otw_txn *txn, const char *buf, size_t len,
		       const char *user, otw_devedit_err_fn errfn, void *arg,
		       unsigned *changed);

#endif
