/* otwatch setup: the sensor's first configuration without a browser
 * (name, management address, interfaces, time zone, TLS certificate,
 * proxy, mode, trusted activation key). Same checks as the web wizard
 * (console/setup.h); an imported certificate is checked for chain, expiry
 * and key match before anything is stored. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activation.h"
#include "audit.h"
#include "cert.h"
#include "cmds.h"
#include "otw_err.h"
#include "otw_ipc-t.h"
#include "setup.h"
#include "store.h"
#include "withstore.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: otwatch setup --sensor-name N --interfaces IF[,IF] [--db DIR]\n"
		"         [--mgmt-address HOST[:PORT]] [--timezone TZ] [--proxy URL]\n"
		"         [--mode cloud|local|managed] [--activation-key PUB.pem]\n"
		"         [--cert self-signed | --cert import --cert-file F --key-file F [--ca-file F]]\n"
		"  --cert import   F: leaf then intermediates (PEM); checked: chain to\n"
		"                  --ca-file (default: the system CAs), validity, key match;\n"
		"                  written to DIR/console.pem for `otwatch console`\n"
		"  defaults: --timezone UTC, --mode local, --cert self-signed\n");
}

static int set(char *dst, size_t cap, const char *v, const char *what)
{
	if (strlen(v) >= cap) {
		fprintf(stderr, "otwatch setup: --%s is too long (max %zu)\n", what, cap - 1);
		return -1;
	}
	snprintf(dst, cap, "%s", v);
	return 0;
}

struct job {
	const struct otw_setup *s;
	const char *pub;  /* trusted activation key PEM, or NULL */
	char *err;        /* 512 bytes */
};

static int setup_job(struct otw_txn *txn, void *arg)
{
	struct job *j = arg;
	char detail[160];
	int rc;

	if ((rc = otw_setup_save(txn, j->s)) != 0 ||
	    (j->pub && (rc = otw_act_trust(txn, j->pub, j->err, 512)) != 0))
		return rc;
	snprintf(detail, sizeof(detail), "via=cli mode=%s cert=%s%s", j->s->mode, j->s->cert,
		 j->pub ? " activation-key=installed" : "");
	return otw_store_audit_log(txn, "cli", "setup.complete", j->s->sensor_name, detail);
}

int otw_cmd_setup(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "sensor-name", required_argument, NULL, 'n' },
		{ "mgmt-address", required_argument, NULL, 'm' },
		{ "interfaces", required_argument, NULL, 'i' },
		{ "timezone", required_argument, NULL, 't' },
		{ "proxy", required_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'M' },
		{ "cert", required_argument, NULL, 'c' },
		{ "cert-file", required_argument, NULL, 'C' },
		{ "key-file", required_argument, NULL, 'K' },
		{ "ca-file", required_argument, NULL, 'A' },
		{ "activation-key", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct otw_setup s = { .timezone = "UTC", .mode = "local", .cert = "self-signed" };
	const char *db = OTW_STORE_DIR_DEFAULT, *certf = NULL, *keyf = NULL, *caf = NULL;
	const char *cert = "self-signed", *actkey = NULL, *why;
	char err[512], pem[4096], *pub = NULL;
	int ch, rc = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 'd': db = optarg; break;
		case 'n': rc |= set(s.sensor_name, sizeof(s.sensor_name), optarg, "sensor-name"); break;
		case 'm': rc |= set(s.mgmt_address, sizeof(s.mgmt_address), optarg, "mgmt-address"); break;
		case 'i': rc |= set(s.interfaces, sizeof(s.interfaces), optarg, "interfaces"); break;
		case 't': rc |= set(s.timezone, sizeof(s.timezone), optarg, "timezone"); break;
		case 'p': rc |= set(s.proxy, sizeof(s.proxy), optarg, "proxy"); break;
		case 'M': rc |= set(s.mode, sizeof(s.mode), optarg, "mode"); break;
		case 'c': cert = optarg; break;
		case 'C': certf = optarg; break;
		case 'K': keyf = optarg; break;
		case 'A': caf = optarg; break;
		case 'a': actkey = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (rc != 0 || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (strcmp(cert, "import") == 0) {
		if (certf == NULL || keyf == NULL) {
			fprintf(stderr, "otwatch setup: --cert import needs --cert-file and --key-file\n");
			return 2;
		}
		snprintf(s.cert, sizeof(s.cert), "imported");
	} else if (strcmp(cert, "self-signed") != 0 || certf || keyf || caf) {
		fprintf(stderr, "otwatch setup: --cert self-signed, or --cert import with files\n");
		return 2;
	}
	if ((why = otw_setup_check(&s)) != NULL) {
		fprintf(stderr, "otwatch setup: %s\n", why);
		return 2;
	}
	if (actkey != NULL) {
		FILE *f = fopen(actkey, "r");
		size_t n;
		if (f == NULL || (pub = calloc(1, 1025)) == NULL) {
			fprintf(stderr, "otwatch setup: cannot read %s\n", actkey);
			if (f)
				fclose(f);
			return 1;
		}
		n = fread(pub, 1, 1024, f);
		fclose(f);
		pub[n] = '\0';
	}
	/* the certificate first: nothing is stored when it is refused */
	if (snprintf(pem, sizeof(pem), "%s/console.pem", db) >= (int)sizeof(pem)) {
		free(pub);
		return 2;
	}
	if (certf != NULL &&
	    (otw_cert_verify_chain(certf, caf, err, sizeof(err)) != 0 ||
	     otw_cert_import(certf, keyf, pem, err, sizeof(err)) != 0)) {
		fprintf(stderr, "otwatch setup: certificate refused: %s\n", err);
		free(pub);
		return 1;
	}
	{
		struct job j = { &s, pub, err };
		err[0] = '\0';
		rc = otw_cli_with_store("setup", db, true, setup_job, &j);
	}
	free(pub);
	if (rc == 1)
		return 1; /* said */
	if (rc != 0) {
		fprintf(stderr, "otwatch setup: %s\n", err[0] ? err : otw_strerror(rc));
		return 1;
	}
	printf("sensor %s set up (mode %s, certificate %s)\n", s.sensor_name, s.mode, s.cert);
	return 0;
}
