/* otwatch activation keygen|issue (issuer side, offline) and
 * trust|apply|show (sensor side): signed activation files (console/
 * activation.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activation.h"
#include "audit.h"
#include "cmds.h"
#include "otw_err.h"
#include "otw_ipc-t.h"
#include "otw_num.h"
#include "setting.h"
#include "store.h"
#include "withstore.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: otwatch activation keygen --key F --pub F\n"
		"       otwatch activation issue --key F --sensor-name N --sensor-id ID\n"
		"                  --mode cloud|local|managed [--site S] [--zone Z]\n"
		"                  [--not-before T] (--not-after T | --days N) [--out F]\n"
		"       otwatch activation trust PUB.pem [--db DIR]   (normally via otwatch setup)\n"
		"       otwatch activation apply FILE [--db DIR]\n"
		"       otwatch activation show [--db DIR]\n"
		"  keygen/issue run where the signing key lives (offline); trust, apply\n"
		"  and show on the sensor. T is YYYY-MM-DDTHH:MM:SSZ; --not-before\n"
		"  defaults to now.\n");
}

static char *slurp(const char *path, size_t max, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *b;

	if (f == NULL)
		return NULL;
	if ((b = malloc(max + 1)) != NULL) {
		*len = fread(b, 1, max + 1, f);
		if (*len > max) {
			free(b);
			b = NULL;
			errno = EFBIG;
		} else {
			b[*len] = '\0';
		}
	}
	if (f != stdin)
		fclose(f);
	return b;
}

struct job {
	const char *text;
	size_t len;
};

static int do_trust(struct otw_txn *txn, void *arg)
{
	struct job *j = arg;
	char err[256];

	if (otw_act_trust(txn, j->text, err, sizeof(err)) != 0 ||
	    otw_store_audit_log(txn, "cli", "activation.trust", "activation.pubkey", "via=cli") != 0) {
		fprintf(stderr, "otwatch activation trust: %s\n", err);
		return 1;
	}
	return 0;
}

static int do_apply(struct otw_txn *txn, void *arg)
{
	struct job *j = arg;
	struct otw_act_doc d;
	char err[256], detail[256];
	int rc = otw_act_apply(txn, j->text, j->len, (int64_t)time(NULL), &d, err, sizeof(err));

	if (rc != 0) {
		fprintf(stderr, "otwatch activation apply: refused (%s): %s\n",
			otw_act_refusal_name(rc), err);
		return rc == OTW_ACT_STORE ? 1 : 3;
	}
	snprintf(detail, sizeof(detail), "mode=%s site=%s zone=%s key=%s via=cli", d.mode, d.site,
		 d.zone, d.key_id);
	if (otw_store_audit_log(txn, "cli", "activation.apply", d.sensor_name, detail) != 0)
		return 1;
	printf("activated: sensor %s, mode %s, site %s, zone %s, signed by %s\n", d.sensor_name,
	       d.mode, d.site, d.zone, d.key_id);
	return 0;
}

static int show_one(void *arg, const char *name, const void *val, size_t len)
{
	(void)arg;
	if (strcmp(name, "activation.file") == 0 || strcmp(name, "activation.pubkey") == 0)
		printf("%-24s (%zu bytes)\n", name, len);
	else
		printf("%-24s %.*s\n", name, (int)len, (const char *)val);
	return 0;
}

static int do_show(struct otw_txn *txn, void *arg)
{
	(void)arg;
	if (otw_store_setting_foreach(txn, "sensor.", show_one, NULL) != 0 ||
	    otw_store_setting_foreach(txn, "activation.", show_one, NULL) != 0)
		return 1;
	return 0;
}

int otw_cmd_activation(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "key", required_argument, NULL, 'k' },
		{ "pub", required_argument, NULL, 'p' },
		{ "sensor-name", required_argument, NULL, 'n' },
		{ "sensor-id", required_argument, NULL, 'i' },
		{ "mode", required_argument, NULL, 'm' },
		{ "site", required_argument, NULL, 's' },
		{ "zone", required_argument, NULL, 'z' },
		{ "not-before", required_argument, NULL, 'b' },
		{ "not-after", required_argument, NULL, 'a' },
		{ "days", required_argument, NULL, 'D' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = OTW_STORE_DIR_DEFAULT, *key = NULL, *pub = NULL, *out = NULL, *sub;
	const char *nb = NULL, *na = NULL;
	struct otw_act_doc d = { .site = "default", .zone = "default" };
	unsigned days = 0;
	char err[512];
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 'd': db = optarg; break;
		case 'k': key = optarg; break;
		case 'p': pub = optarg; break;
		case 'n': snprintf(d.sensor_name, sizeof(d.sensor_name), "%s", optarg); break;
		case 'i': snprintf(d.sensor_id, sizeof(d.sensor_id), "%s", optarg); break;
		case 'm': snprintf(d.mode, sizeof(d.mode), "%s", optarg); break;
		case 's': snprintf(d.site, sizeof(d.site), "%s", optarg); break;
		case 'z': snprintf(d.zone, sizeof(d.zone), "%s", optarg); break;
		case 'b': nb = optarg; break;
		case 'a': na = optarg; break;
		case 'D':
			if (otw_parse_uint(optarg, 1, 36500, &days) != 0) {
				usage(stderr);
				return 2;
			}
			break;
		case 'o': out = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	sub = argv[optind++];
	if (strcmp(sub, "keygen") == 0) {
		if (key == NULL || pub == NULL || optind != argc) {
			usage(stderr);
			return 2;
		}
		if (otw_act_keygen(key, pub, err, sizeof(err)) != 0) {
			fprintf(stderr, "otwatch activation keygen: %s\n", err);
			return 1;
		}
		printf("signing key %s (keep it offline), public key %s (install on sensors)\n", key, pub);
		return 0;
	}
	if (strcmp(sub, "issue") == 0) {
		char *txt;
		FILE *f;
		d.not_before = nb ? otw_act_time_parse(nb) : (int64_t)time(NULL);
		d.not_after = na ? otw_act_time_parse(na) : days ? d.not_before + 86400ll * days : -1;
		if (key == NULL || !d.sensor_name[0] || !d.sensor_id[0] || !d.mode[0] ||
		    d.not_before < 0 || d.not_after < 0 || optind != argc) {
			fprintf(stderr, "otwatch activation issue: --key, --sensor-name, --sensor-id, "
					"--mode and --not-after/--days are required; times as "
					"YYYY-MM-DDTHH:MM:SSZ\n");
			return 2;
		}
		if (strcmp(d.mode, "cloud") != 0 && strcmp(d.mode, "local") != 0 &&
		    strcmp(d.mode, "managed") != 0) {
			fprintf(stderr, "otwatch activation issue: --mode cloud, local or managed\n");
			return 2;
		}
		if (d.not_after <= d.not_before) {
			fprintf(stderr, "otwatch activation issue: not-after must follow not-before\n");
			return 2;
		}
		if (otw_act_issue(key, &d, &txt, err, sizeof(err)) != 0) {
			fprintf(stderr, "otwatch activation issue: %s\n", err);
			return 1;
		}
		f = out ? fopen(out, "w") : stdout;
		if (f == NULL || fprintf(f, "%s\n", txt) < 0 || (out && fclose(f) != 0)) {
			fprintf(stderr, "otwatch activation issue: cannot write %s\n", out);
			free(txt);
			return 1;
		}
		free(txt);
		return 0;
	}
	if (strcmp(sub, "trust") == 0 || strcmp(sub, "apply") == 0) {
		struct job j;
		int rc;
		if (optind + 1 != argc) {
			usage(stderr);
			return 2;
		}
		if ((j.text = slurp(argv[optind], 4096, &j.len)) == NULL) {
			fprintf(stderr, "otwatch activation %s: cannot read %s: %s\n", sub,
				argv[optind], strerror(errno));
			return 1;
		}
		rc = otw_cli_with_store("activation", db, true,
					strcmp(sub, "trust") == 0 ? do_trust : do_apply, &j);
		free((char *)j.text);
		return rc < 0 ? 1 : rc;
	}
	if (strcmp(sub, "show") == 0 && optind == argc)
		return otw_cli_with_store("activation", db, false, do_show, NULL) == 0 ? 0 : 1;
	usage(stderr);
	return 2;
}
