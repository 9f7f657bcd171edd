/* One transaction on the store for a CLI command. */
#ifndef OTW_CLI_WITHSTORE_H
#define OTW_CLI_WITHSTORE_H

#include <stdbool.h>

#include "store.h"

/* Open the store in db, run fn in a txn (write: committed when fn returns
 * 0, else dropped), close. Returns fn's result, the commit's error, or 1
 * when the store cannot be opened (said on stderr as "otwatch cmd: ..."). */
int otw_cli_with_store(const char *cmd, const char *db, bool write,
		       int (*fn)(struct otw_txn *, void *), void *arg);

#endif
