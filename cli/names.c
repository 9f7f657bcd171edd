/* otwatch names: operator names of subnets, VLANs and ports, and the DHCP
 * ranges (docs/inventory.md); stored as settings, audited. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "change.h"
#include "cmds.h"
#include "names.h"
#include "otw_err.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: otwatch names subnet|vlan|port|dhcp add SPEC [NAME]\n"
		"       otwatch names subnet|vlan|port|dhcp del SPEC\n"
		"       otwatch names [subnet|vlan|port|dhcp] list\n"
		"  SPEC: 10.0.1.0/24 | 20 | tcp/502 | 10.0.1.100-10.0.1.199\n"
		"  common: [--store DIR] [--json] [--user NAME]\n");
}

struct lst {
	enum otw_names_kind k;
	bool json;
	unsigned n;
};

static int list_one(void *arg, const char *spec, const char *name)
{
	struct lst *l = arg;

	l->n++;
	if (!l->json) {
		printf("%-7s %-34s %s\n", otw_names_kind_str(l->k), spec, name);
		return 0;
	}
	printf("{\"kind\":\"%s\",\"spec\":", otw_names_kind_str(l->k));
	otw_cli_json_str(spec);
	fputs(",\"name\":", stdout);
	otw_cli_json_str(name);
	puts("}");
	return 0;
}

int otw_cmd_names(int argc, char **argv)
{
	struct otw_cli_common o;
	const char *act;
	struct otw_store *st;
	struct otw_txn *txn;
	struct lst l = { 0 };
	char err[256] = "", msg[256], action[32];
	int ch, kind = -1, rc = 0;

	if ((ch = otw_cli_common_opts(argc, argv, usage, &o)) >= 0)
		return ch;
	l.json = o.json;
	if (optind < argc && (kind = otw_names_kind_parse(argv[optind])) >= 0)
		optind++;
	act = optind < argc ? argv[optind++] : "list";
	if (strcmp(act, "list") == 0) {
		if (optind != argc) {
			usage(stderr);
			return 2;
		}
		if (!otw_cli_begin("names", o.dir, false, &st, &txn))
			return 1;
		for (int k = 0; k < 4 && rc == 0; k++) {
			if (kind >= 0 && k != kind)
				continue;
			l.k = (enum otw_names_kind)k;
			rc = otw_names_foreach(txn, l.k, list_one, &l);
		}
		otw_store_txn_abort(txn);
		otw_store_close(st);
		return rc == 0 ? 0 : 1;
	}
	if (kind < 0 || (strcmp(act, "add") != 0 && strcmp(act, "del") != 0) ||
	    optind >= argc || argc - optind > (act[0] == 'a' ? 2 : 1) ||
	    (act[0] == 'a' && kind != OTW_NK_DHCP && argc - optind != 2)) {
		usage(stderr);
		return 2;
	}
	if (!otw_cli_begin("names", o.dir, true, &st, &txn))
		return 1;
	snprintf(action, sizeof(action), "names.%s.%s", otw_names_kind_str(kind), act);
	if (act[0] == 'a')
		rc = otw_names_put(txn, (enum otw_names_kind)kind, argv[optind],
				   optind + 1 < argc ? argv[optind + 1] : "", err, sizeof(err));
	else if ((rc = otw_names_del(txn, (enum otw_names_kind)kind, argv[optind],
				     err, sizeof(err))) == OTW_ENOTFOUND)
		snprintf(err, sizeof(err), "no %s %s", otw_names_kind_str(kind), argv[optind]);
	snprintf(msg, sizeof(msg), "%s %s %s", otw_names_kind_str(kind),
		 act[0] == 'a' ? "named" : "deleted", argv[optind]);
	if (rc == 0)
		rc = otw_store_audit_log(txn, otw_cli_user(o.user), action, argv[optind],
					 optind + 1 < argc ? argv[optind + 1] : "");
	return otw_cli_finish("names", st, txn, rc, err, msg, l.json);
}
