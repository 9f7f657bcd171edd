/* otwatch inventory (alias devices): print the inventory committed to the
 * store, as JSON lines or tables. Read-only: safe while otw-baseline runs
 * (an LMDB read txn sees the last commit). */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "cmds.h"
#include "inv.h"
#include "otw_err.h"
#include "otw_ipc-t.h"
#include "store.h"

static void usage(FILE *f, const char *name)
{
	fprintf(f,
		"usage: otwatch %s [--store DIR] [--json]\n"
		"  --store DIR  store directory (default %s)\n"
		"  --json       one JSON object per line instead of tables\n",
		name, OTW_STORE_DIR_DEFAULT);
}

int otw_cmd_inventory(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "store", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = OTW_STORE_DIR_DEFAULT;
	struct otw_store *st = NULL;
	struct otw_inv *inv = NULL;
	bool json = false;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 's':
			dir = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr, argv[0]);
		return 2;
	}
	/* map size only bounds the address space reserved for reading */
	if ((rc = otw_store_open(dir, 0, OTW_STORE_RDONLY, &st)) != 0) {
		fprintf(stderr, "otwatch %s: %s: %s\n", argv[0], dir,
			otw_strerror(rc));
		return 1;
	}
	if ((rc = otw_inv_create(&inv)) != 0 ||
	    (rc = otw_inv_load(inv, st)) != 0) {
		fprintf(stderr, "otwatch %s: loading %s: %s\n", argv[0], dir,
			otw_strerror(rc));
		goto out;
	}
	rc = json ? otw_inv_print_json(inv, stdout)
		  : otw_inv_print_table(inv, stdout);
	if (rc == 0 && fflush(stdout) != 0)
		rc = -EIO;
	if (rc != 0)
		fprintf(stderr, "otwatch %s: %s\n", argv[0], otw_strerror(rc));
out:
	otw_inv_destroy(inv);
	otw_store_close(st);
	return rc == 0 ? 0 : 1;
}
