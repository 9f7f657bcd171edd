/* otwatch learning status|on|off [--subnet CIDR | --device IP]: the
 * operator's learning control, kept in the store's settings (baseline/ctl.h)
 * and audited; otw-baseline applies a change within seconds. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "cmds.h"
#include "ctl.h"
#include "otw_err.h"
#include "otw_ipc-t.h"
#include "setting.h"
#include "store.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: otwatch learning status [--json] [--store DIR]\n"
		"       otwatch learning on|off [--subnet CIDR | --device IP] [--user NAME] [--store DIR]\n"
		"  on               learn everything until switched off\n"
		"  off              end learning (and every per-subnet/device learning)\n"
		"  on --subnet C    learn only events touching C; elsewhere unchanged\n"
		"  off --subnet C   stop that\n");
}

static void fmt_time(uint64_t ns, char *b, size_t n)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;

	strftime(b, n, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
}

static int status(struct otw_txn *txn, bool json)
{
	struct otw_ctl_learning l;
	uint64_t t0 = 0, ended = 0;
	unsigned long long recent = 0;
	char v[64] = "", t[32] = "", e[32] = "", c[64];
	size_t len;
	int rc;

	if ((rc = otw_ctl_learning_get(txn, &l)) != 0)
		return rc;
	rc = otw_store_counter_get(txn, "det_t0_ns", &t0);
	if (rc != 0 && rc != OTW_ENOTFOUND)
		return rc;
	if (otw_store_setting_get(txn, OTW_CTL_LEARN_ENDED, v, sizeof(v) - 1, &len) == 0) {
		v[len < sizeof(v) - 1 ? len : sizeof(v) - 1] = '\0';
		if (sscanf(v, "%" SCNu64 " %llu", &ended, &recent) < 1)
			ended = 0;
	}
	if (t0)
		fmt_time(t0, t, sizeof(t));
	if (ended)
		fmt_time(ended, e, sizeof(e));
	if (json) {
		printf("{\"type\":\"learning\",\"mode\":\"%s\",\"started\":\"%s\",\"auto_ended\":\"%s\","
		       "\"recent_entries\":%llu,\"scopes\":[",
		       otw_learn_mode_name(l.mode), t, e, recent);
		for (unsigned i = 0; i < l.n; i++)
			printf("%s\"%s\"", i ? "," : "", otw_cidr_str(&l.scopes[i], c, sizeof(c)));
		puts("]}");
		return 0;
	}
	printf("mode:     %s%s\n", otw_learn_mode_name(l.mode),
	       l.mode == OTW_LEARNMODE_AUTO ? " (the period, then once new entries flatten)" : "");
	printf("started:  %s (packet time of the first event)\n", t0 ? t : "-");
	if (ended)
		printf("ended:    %s automatically (%llu new entries in the last tenth)\n", e, recent);
	for (unsigned i = 0; i < l.n; i++)
		printf("scope:    %s (learning)\n", otw_cidr_str(&l.scopes[i], c, sizeof(c)));
	return 0;
}

int otw_cmd_learning(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "store", required_argument, NULL, 's' },
		{ "subnet", required_argument, NULL, 'n' },
		{ "device", required_argument, NULL, 'd' },
		{ "user", required_argument, NULL, 'u' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = OTW_STORE_DIR_DEFAULT, *sub = "status", *user = NULL, *scope = NULL;
	struct otw_cidr c;
	struct otw_store *st;
	struct otw_txn *txn;
	bool json = false, on = false;
	char obj[96], b[64];
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 's': dir = optarg; break;
		case 'n': /* fall through: a device is a one-address subnet */
		case 'd': scope = optarg; break;
		case 'u': user = optarg; break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc)
		sub = argv[optind++];
	on = strcmp(sub, "on") == 0;
	if (optind < argc || (!on && strcmp(sub, "off") != 0 && strcmp(sub, "status") != 0) ||
	    (scope && strcmp(sub, "status") == 0)) {
		usage(stderr);
		return 2;
	}
	if (scope && otw_cidr_parse(scope, &c) != 0) {
		fprintf(stderr, "otwatch learning: bad address or subnet '%s'\n", scope);
		return 2;
	}
	if ((rc = otw_store_open(dir, 0, strcmp(sub, "status") == 0 ? OTW_STORE_RDONLY : 0, &st)) != 0) {
		fprintf(stderr, "otwatch learning: cannot open the store %s: %s\n", dir, otw_strerror(rc));
		return 1;
	}
	if (strcmp(sub, "status") == 0) {
		if ((rc = otw_store_txn_begin(st, false, &txn)) == 0) {
			rc = status(txn, json);
			otw_store_txn_abort(txn);
		}
	} else if ((rc = otw_store_txn_begin(st, true, &txn)) == 0) {
		if (scope) {
			rc = otw_ctl_learning_scope(txn, &c, on);
			snprintf(obj, sizeof(obj), "scope:%s", otw_cidr_str(&c, b, sizeof(b)));
		} else {
			rc = otw_ctl_learning_put_mode(txn, on ? OTW_LEARNMODE_ON : OTW_LEARNMODE_OFF);
			if (rc == 0 && !on)
				rc = otw_ctl_learning_clear_scopes(txn);
			snprintf(obj, sizeof(obj), "global");
		}
		if (rc == 0)
			rc = otw_store_audit_log(txn, otw_cli_user(user), on ? "learning.on" : "learning.off",
						 obj, "");
		if (rc == 0)
			rc = otw_store_txn_commit(txn);
		else
			otw_store_txn_abort(txn);
	}
	otw_store_close(st);
	if (rc != 0) {
		fprintf(stderr, "otwatch learning: %s\n",
			rc == OTW_ENOTFOUND ? "no such learning scope" : otw_strerror(rc));
		return 1;
	}
	return 0;
}
