/* Shared by the CLI commands that change stored state (devices, names,
 * monitor): who the operator is, a write txn on the store, and the
 * one-line result in text or JSON. */
#ifndef OTW_CLI_CHANGE_H
#define OTW_CLI_CHANGE_H

#include <stdbool.h>
#include <stdio.h>

#include "store.h"

/* The options of `names` and `monitor`: --store, --json, --user, --help. */
struct otw_cli_common {
	const char *dir, *user;
	bool json;
};
/* Parse them (optind is left at the first operand). Returns -1 to go on,
 * else the exit code (0 after --help, 2 on a bad option). */
int otw_cli_common_opts(int argc, char **argv, void (*usage)(FILE *),
			struct otw_cli_common *c);

/* --user, else $SUDO_USER, else $USER, else "cli". */
const char *otw_cli_user(const char *opt);
/* Open dir (read-only when !write) and begin a txn. Prints the failure
 * (as cmd: ...) and returns false. */
bool otw_cli_begin(const char *cmd, const char *dir, bool write,
		   struct otw_store **st, struct otw_txn **txn);
/* Commit txn (rc == 0) or abort it, close st, print the outcome ("ok msg"
 * or the error in err / otw_strerror), JSON when json. Exit code. */
int otw_cli_finish(const char *cmd, struct otw_store *st, struct otw_txn *txn,
		   int rc, const char *err, const char *msg, bool json);
/* s as a JSON string literal on stdout. */
void otw_cli_json_str(const char *s);

#endif
