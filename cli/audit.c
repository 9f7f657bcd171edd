/* otwatch audit: the audit log (who changed what), newest first. Also the
 * helper every changing sub-command shares: who the CLI user is. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "cmds.h"
#include "det.h"
#include "otw_err.h"
#include "otw_ipc-t.h"
#include "otw_num.h"
#include "store.h"

struct au {
	bool json;
	unsigned limit, n;
};

static int print_one(void *arg, const struct otw_store_audit *a)
{
	struct au *l = arg;
	char t[32];
	time_t tt = (time_t)(a->ts_ns / 1000000000ull);
	struct tm tm;

	if (l->n++ >= l->limit)
		return 1; /* stop the walk */
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&tt, &tm));
	if (!l->json) {
		printf("%6" PRIu64 " %s %-12s %-20s %-24s %s\n", a->id, t, a->user, a->action,
		       a->object, a->detail);
		return 0;
	}
	printf("{\"type\":\"audit\",\"id\":%" PRIu64 ",\"time\":\"%s\"", a->id, t);
	otw_json_field(stdout, "user", a->user);
	otw_json_field(stdout, "action", a->action);
	otw_json_field(stdout, "object", a->object);
	otw_json_field(stdout, "detail", a->detail);
	puts("}");
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: otwatch audit [--json] [--limit N] [--store DIR]\n"
		   "  newest first; --limit defaults to 100\n");
}

int otw_cmd_audit(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "store", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = OTW_STORE_DIR_DEFAULT;
	struct au l = { .limit = 100 };
	struct otw_store *st;
	struct otw_txn *txn;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 's': dir = optarg; break;
		case 'j': l.json = true; break;
		case 'l':
			if (otw_parse_uint(optarg, 1, 1000000, &l.limit) != 0) {
				usage(stderr);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if ((rc = otw_store_open(dir, 0, OTW_STORE_RDONLY, &st)) != 0) {
		fprintf(stderr, "otwatch audit: cannot open the store %s: %s\n", dir, otw_strerror(rc));
		return 1;
	}
	if ((rc = otw_store_txn_begin(st, false, &txn)) == 0) {
		rc = otw_store_audit_foreach(txn, print_one, &l);
		otw_store_txn_abort(txn);
	}
	otw_store_close(st);
	if (rc != 0 && rc != 1) {
		fprintf(stderr, "otwatch audit: %s\n", otw_strerror(rc));
		return 1;
	}
	return 0;
}
