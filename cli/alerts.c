/* otwatch alerts: list stored alerts and act on them (close, mute, learn,
 * reopen, comment), as the console does; otw-baseline takes the action
 * over. Every action adds an audit entry in the same commit. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "audit.h"
#include "cmds.h"
#include "det.h"
#include "otw_err.h"
#include "otw_ipc-t.h"
#include "otw_pkt.h"
#include "store.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: otwatch alerts [list] [--status open|closed|muted|learned|any] [--json] [--store DIR]\n"
		"       otwatch alerts close|mute|learn|reopen ID [--note TEXT] [--user NAME] [--store DIR]\n"
		"       otwatch alerts comment ID --note TEXT [--user NAME] [--store DIR]\n"
		"  --user NAME   who acts, for the audit log (default $SUDO_USER, then $USER)\n");
}

struct lst {
	int status;
	bool json;
	unsigned n;
};

static int print_one(void *arg, const struct otw_store_alert *a)
{
	static const struct otw_ip zero;
	struct lst *l = arg;
	char s[64] = "-", d[64] = "-", t[32];
	time_t tt = (time_t)(a->last_ns / 1000000000ull);
	struct tm tm;

	if (l->status >= 0 && a->status != l->status)
		return 0;
	l->n++;
	if (memcmp(&a->src, &zero, 16))
		otw_ip_str(&a->src, s, sizeof(s));
	if (memcmp(&a->dst, &zero, 16))
		otw_ip_str(&a->dst, d, sizeof(d));
	strftime(t, sizeof(t), "%Y-%m-%d %H:%M:%S", gmtime_r(&tt, &tm));
	if (l->json)
		printf("{\"type\":\"alert\",\"id\":%" PRIu64 ",\"engine\":\"%s\",\"severity\":\"%s\","
		       "\"status\":\"%s\",\"title\":\"%s\",\"src_ip\":\"%s\",\"dst_ip\":\"%s\","
		       "\"count\":%u,\"last_seen\":\"%sZ\"",
		       a->id, otw_engine_name(a->engine), otw_severity_name(a->severity),
		       otw_alert_status_name(a->status), a->title, s, d, a->count, t);
	if (l->json) {
		otw_json_field(stdout, "comment", a->note);
		puts("}");
	}
	else
		printf("%5" PRIu64 " %-11s %-8s %-7s %-46s %-16s %-16s %6u %s\n", a->id,
		       otw_engine_name(a->engine), otw_severity_name(a->severity),
		       otw_alert_status_name(a->status), a->title, s, d, a->count, t);
	return 0;
}

int otw_cmd_alerts(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "store", required_argument, NULL, 's' },
		{ "status", required_argument, NULL, 'S' },
		{ "note", required_argument, NULL, 'n' },
		{ "user", required_argument, NULL, 'u' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const acts[] = { "reopen", "close", "mute", "learn", "comment" };
	const char *dir = OTW_STORE_DIR_DEFAULT, *note = NULL, *sub = "list", *user = NULL;
	struct lst l = { .status = OTW_ALERT_OPEN };
	struct otw_store *st;
	struct otw_txn *txn;
	uint64_t id = 0;
	int ch, rc, status = -1;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 's': dir = optarg; break;
		case 'n': note = optarg; break;
		case 'u': user = optarg; break;
		case 'j': l.json = true; break;
		case 'S':
			l.status = strcmp(optarg, "any") == 0 ? -1 : otw_alert_status_parse(optarg);
			if (l.status < 0 && strcmp(optarg, "any") != 0) {
				usage(stderr);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc)
		sub = argv[optind++];
	if (strcmp(sub, "list") != 0) {
		for (int i = 0; i < 5; i++)
			if (strcmp(sub, acts[i]) == 0)
				status = i;
		if (status < 0 || optind >= argc || (id = strtoull(argv[optind++], NULL, 10)) == 0 ||
		    (status == 4 && note == NULL)) {
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if ((rc = otw_store_open(dir, 0, status < 0 ? OTW_STORE_RDONLY : 0, &st)) != 0) {
		fprintf(stderr, "otwatch alerts: cannot open the store %s: %s\n", dir, otw_strerror(rc));
		return 1;
	}
	if ((rc = otw_store_txn_begin(st, status >= 0, &txn)) == 0) {
		if (status < 0) {
			rc = otw_store_alert_foreach(txn, false, print_one, &l);
			otw_store_txn_abort(txn);
			if (rc == 0 && !l.json)
				printf("%u alert(s)\n", l.n);
		} else {
			struct otw_store_alert a;
			char act[32], obj[32];
			if ((rc = otw_store_alert_get(txn, id, &a)) == 0) {
				if (status < 4) { /* comment keeps the status */
					a.status = (uint8_t)status;
					a.status_ns = (uint64_t)time(NULL) * 1000000000ull;
				}
				if (note)
					snprintf(a.note, sizeof(a.note), "%s", note);
				snprintf(act, sizeof(act), "alert.%s", acts[status]);
				snprintf(obj, sizeof(obj), "alert:%" PRIu64, id);
				if ((rc = otw_store_alert_put(txn, &a)) == 0)
					rc = otw_store_audit_log(txn, otw_cli_user(user), act, obj,
								 note ? note : "");
			}
			if (rc == 0)
				rc = otw_store_txn_commit(txn);
			else
				otw_store_txn_abort(txn);
		}
	}
	otw_store_close(st);
	if (rc != 0) {
		fprintf(stderr, "otwatch alerts: %s\n", rc == OTW_ENOTFOUND ? "no such alert" : otw_strerror(rc));
		return 1;
	}
	return 0;
}
