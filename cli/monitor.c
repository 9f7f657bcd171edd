/* otwatch monitor: include/exclude rules of the monitored traffic (by
 * subnet, VLAN, port), stored as settings and handed to the workers by
 * `otwatch run` at start (filter.h, docs/inventory.md). */
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
		"usage: otwatch monitor include|exclude subnet CIDR|vlan ID|port tcp|udp/N\n"
		"       otwatch monitor del include|exclude KIND VALUE\n"
		"       otwatch monitor list\n"
		"  common: [--store DIR] [--json] [--user NAME]\n"
		"  Workers read the rules when `otwatch run` starts them.\n");
}

int otw_cmd_monitor(int argc, char **argv)
{
	struct otw_cli_common o;
	const char *act;
	struct otw_store *st;
	struct otw_txn *txn;
	struct otw_filter f;
	char rule[256] = "", canon[OTW_FILTER_TEXT_MAX] = "", err[256] = "";
	char msg[320];
	int ch, rc;

	if ((ch = otw_cli_common_opts(argc, argv, usage, &o)) >= 0)
		return ch;
	act = optind < argc ? argv[optind++] : "list";
	if (strcmp(act, "list") == 0) {
		if (optind != argc || !otw_cli_begin("monitor", o.dir, false, &st, &txn))
			return optind != argc ? 2 : 1;
		rc = otw_names_rules_load(txn, &f);
		otw_store_txn_abort(txn);
		otw_store_close(st);
		for (unsigned i = 0; rc == 0 && i < f.n; i++) {
			otw_filter_str(&f.r[i], canon, sizeof(canon));
			if (o.json) {
				fputs("{\"rule\":", stdout);
				otw_cli_json_str(canon);
				puts("}");
			} else {
				puts(canon);
			}
		}
		if (rc != 0)
			fprintf(stderr, "otwatch monitor: %s\n", otw_strerror(rc));
		return rc == 0 ? 0 : 1;
	}
	if (strcmp(act, "del") == 0 && optind < argc)
		act = "del";
	else if (strcmp(act, "include") == 0 || strcmp(act, "exclude") == 0)
		snprintf(rule, sizeof(rule), "%s ", act);
	else {
		usage(stderr);
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		size_t o = strlen(rule);
		snprintf(rule + o, sizeof(rule) - o, "%s%s", argv[i], i + 1 < argc ? " " : "");
	}
	if (!otw_cli_begin("monitor", o.dir, true, &st, &txn))
		return 1;
	if (strcmp(act, "del") == 0) {
		if ((rc = otw_names_rule_del(txn, rule, err, sizeof(err))) == OTW_ENOTFOUND)
			snprintf(err, sizeof(err), "no such rule: %.200s", rule);
		snprintf(canon, sizeof(canon), "%.*s", (int)sizeof(canon) - 1, rule);
	} else {
		rc = otw_names_rule_add(txn, rule, canon, sizeof(canon), err, sizeof(err));
	}
	snprintf(msg, sizeof(msg), "%s %s (workers apply it at the next `otwatch run`)",
		 strcmp(act, "del") == 0 ? "deleted" : "added", canon);
	if (rc == 0)
		rc = otw_store_audit_log(txn, otw_cli_user(o.user),
					 strcmp(act, "del") == 0 ? "monitor.del" : "monitor.add",
					 "monitor", canon);
	return otw_cli_finish("monitor", st, txn, rc, err, msg, o.json);
}
