#include "withstore.h"

#include <stdio.h>

#include "otw_err.h"

int otw_cli_with_store(const char *cmd, const char *db, bool write,
		       int (*fn)(struct otw_txn *, void *), void *arg)
{
	struct otw_store *st;
	struct otw_txn *txn;
	int rc;

	if ((rc = otw_store_open(db, 0, 0, &st)) != 0) {
		fprintf(stderr, "otwatch %s: cannot open the store %s: %s\n", cmd, db,
			otw_strerror(rc));
		return 1;
	}
	if ((rc = otw_store_txn_begin(st, write, &txn)) == 0) {
		rc = fn(txn, arg);
		if (rc == 0 && write)
			rc = otw_store_txn_commit(txn);
		else
			otw_store_txn_abort(txn);
	}
	otw_store_close(st);
	return rc;
}
