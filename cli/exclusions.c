/* otwatch exclusions add|list|del: rules that keep alerts from being
 * raised (baseline/excl.h for the syntax), kept in the store's settings,
 * audited; otw-baseline reloads them within seconds. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cmds.h"
#include "ctl.h"
#include "otw_err.h"
#include "otw_ipc-t.h"
#include "otw_num.h"
#include "store.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: otwatch exclusions list [--json] [--store DIR]\n"
		"       otwatch exclusions add RULE... [--user NAME] [--store DIR]\n"
		"       otwatch exclusions del ID [--user NAME] [--store DIR]\n"
		"RULE (all given criteria must hold):\n"
		"  ip=CIDR | src=CIDR | dst=CIDR   device or subnet (either side, source, destination)\n"
		"  engine=policy|protocol|anomaly|operational|threat\n"
		"  title=\"TEXT\"                    substring of the alert title (any case)\n"
		"  once=2026-03-01T22:00Z..2026-03-02T04:00Z   one-off window\n"
		"  weekly=sat,sun/02:00-04:00+01:00           weekly window (mon-fri, daily; Z=UTC)\n");
}

static int list(struct otw_txn *txn, bool json)
{
	static struct otw_excl r[OTW_EXCL_MAX];
	unsigned n, bad;
	char text[512];
	int rc = otw_ctl_excl_get(txn, r, OTW_EXCL_MAX, &n, &bad);

	if (rc != 0)
		return rc;
	for (unsigned i = 0; i < n; i++) {
		if (otw_excl_format(&r[i], text, sizeof(text)) != 0)
			snprintf(text, sizeof(text), "?");
		if (json) {
			printf("{\"type\":\"exclusion\",\"id\":%u,\"suppressed\":%" PRIu64, r[i].id,
			       r[i].hits);
			otw_json_field(stdout, "rule", text);
			puts("}");
		} else {
			printf("%4u %8" PRIu64 "  %s\n", r[i].id, r[i].hits, text);
		}
	}
	if (!json)
		printf("%u exclusion(s)%s\n", n, bad ? ", some unreadable" : "");
	return 0;
}

int otw_cmd_exclusions(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "store", required_argument, NULL, 's' },
		{ "user", required_argument, NULL, 'u' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = OTW_STORE_DIR_DEFAULT, *sub = "list", *user = NULL, *err = "";
	char text[1024] = "", canon[512], obj[32];
	struct otw_excl x;
	struct otw_store *st;
	struct otw_txn *txn;
	unsigned id = 0;
	uint32_t new_id = 0;
	bool json = false;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 's': dir = optarg; break;
		case 'u': user = optarg; break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc)
		sub = argv[optind++];
	if (strcmp(sub, "add") == 0) {
		for (int i = optind; i < argc; i++) {
			size_t o = strlen(text);
			const char *eq = strchr(argv[i], '=');
			int n;
			/* the shell ate the quotes of title="two words": put them back */
			if (eq && strchr(eq, ' ') && eq[1] != '"')
				n = snprintf(text + o, sizeof(text) - o, "%s%.*s\"%s\"", o ? " " : "",
					     (int)(eq - argv[i] + 1), argv[i], eq + 1);
			else
				n = snprintf(text + o, sizeof(text) - o, "%s%s", o ? " " : "", argv[i]);
			if (n >= (int)(sizeof(text) - o)) {
				fprintf(stderr, "otwatch exclusions: rule too long\n");
				return 2;
			}
		}
		if (otw_excl_parse(text, &x, &err) != 0) {
			fprintf(stderr, "otwatch exclusions: %s\n", err);
			return 2;
		}
	} else if (strcmp(sub, "del") == 0) {
		if (optind + 1 != argc || otw_parse_uint(argv[optind], 1, UINT32_MAX, &id) != 0) {
			usage(stderr);
			return 2;
		}
	} else if (strcmp(sub, "list") != 0 || optind < argc) {
		usage(stderr);
		return 2;
	}
	if ((rc = otw_store_open(dir, 0, strcmp(sub, "list") == 0 ? OTW_STORE_RDONLY : 0, &st)) != 0) {
		fprintf(stderr, "otwatch exclusions: cannot open the store %s: %s\n", dir, otw_strerror(rc));
		return 1;
	}
	if ((rc = otw_store_txn_begin(st, strcmp(sub, "list") != 0, &txn)) == 0) {
		if (strcmp(sub, "list") == 0) {
			rc = list(txn, json);
			otw_store_txn_abort(txn);
		} else {
			if (strcmp(sub, "add") == 0) {
				if ((rc = otw_ctl_excl_add(txn, &x, &new_id)) == 0)
					rc = otw_excl_format(&x, canon, sizeof(canon));
				snprintf(obj, sizeof(obj), "exclusion:%u", new_id);
			} else {
				rc = otw_ctl_excl_del(txn, (uint32_t)id);
				canon[0] = '\0';
				snprintf(obj, sizeof(obj), "exclusion:%u", id);
			}
			if (rc == 0)
				rc = otw_store_audit_log(txn, otw_cli_user(user),
							 new_id ? "exclusion.add" : "exclusion.del", obj, canon);
			if (rc == 0)
				rc = otw_store_txn_commit(txn);
			else
				otw_store_txn_abort(txn);
			if (rc == 0 && new_id)
				printf("exclusion %u: %s\n", new_id, canon);
		}
	}
	otw_store_close(st);
	if (rc != 0) {
		fprintf(stderr, "otwatch exclusions: %s\n",
			rc == OTW_ENOTFOUND ? "no such exclusion" : otw_strerror(rc));
		return 1;
	}
	return 0;
}
