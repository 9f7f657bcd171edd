/* otwatch rules check [FILE] | reload: the threat engine's indicator rule
 * file (deploy/ioc/otwatch.rules). reload asks otw-baseline through the
 * store (it reads the file again within seconds, like on SIGHUP), audited. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "cmds.h"
#include "ctl.h"
#include "ioc.h"
#include "otw_err.h"
#include "otw_ipc-t.h"
#include "store.h"
#include "withstore.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: otwatch rules check [FILE]    (default %s)\n"
		   "       otwatch rules reload [--user NAME] [--store DIR]\n",
		otw_ioc_default_path());
}

/* Ask otw-baseline to re-read the file, audited in the same commit. */
static int reload(struct otw_txn *txn, void *user)
{
	int rc = otw_ctl_rules_bump(txn);

	return rc ? rc : otw_store_audit_log(txn, user, "rules.reload", "rules", "");
}

int otw_cmd_rules(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "store", required_argument, NULL, 's' },
		{ "user", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = OTW_STORE_DIR_DEFAULT, *user = NULL, *sub, *err;
	struct otw_ioc *ioc;
	unsigned line;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 's': dir = optarg; break;
		case 'u': user = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	sub = argv[optind++];
	if (strcmp(sub, "check") == 0 && optind + 1 >= argc) {
		const char *path = optind < argc ? argv[optind] : otw_ioc_default_path();
		if ((rc = otw_ioc_load_file(path, &ioc, &line, &err)) != 0) {
			fprintf(stderr, "%s:%u: %s\n", path, line, rc == -EINVAL ? err : otw_strerror(rc));
			return 1;
		}
		printf("%s: %u rule(s)\n", path, otw_ioc_count(ioc));
		otw_ioc_free(ioc);
		return 0;
	}
	if (strcmp(sub, "reload") != 0 || optind < argc) {
		usage(stderr);
		return 2;
	}
	if ((rc = otw_cli_with_store("rules", dir, true, reload, (void *)otw_cli_user(user))) != 0) {
		if (rc != 1) /* 1: the store did not open (said already) */
			fprintf(stderr, "otwatch rules: %s\n", otw_strerror(rc));
		return 1;
	}
	return 0;
}
