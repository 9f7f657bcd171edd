/* Helpers of the CLI commands that change stored state (change.h). */
#include "change.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "otw_err.h"
#include "otw_ipc-t.h"

int otw_cli_common_opts(int argc, char **argv, void (*usage)(FILE *),
			struct otw_cli_common *c)
{
	static const struct option lo[] = {
		{ "store", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "user", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	c->dir = OTW_STORE_DIR_DEFAULT;
	c->user = NULL;
	c->json = false;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 's': c->dir = optarg; break;
		case 'j': c->json = true; break;
		case 'u': c->user = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	return -1;
}

const char *otw_cli_user(const char *opt)
{
	const char *u = opt;

	if (u == NULL || u[0] == '\0')
		u = getenv("SUDO_USER");
	if (u == NULL || u[0] == '\0')
		u = getenv("USER");
	return u != NULL && u[0] != '\0' ? u : "cli";
}

bool otw_cli_begin(const char *cmd, const char *dir, bool write,
		   struct otw_store **st, struct otw_txn **txn)
{
	int rc = otw_store_open(dir, 0, write ? 0 : OTW_STORE_RDONLY, st);

	if (rc != 0) {
		fprintf(stderr, "otwatch %s: cannot open the store %s: %s\n", cmd,
			dir, otw_strerror(rc));
		return false;
	}
	if ((rc = otw_store_txn_begin(*st, write, txn)) != 0) {
		fprintf(stderr, "otwatch %s: %s\n", cmd, otw_strerror(rc));
		otw_store_close(*st);
		return false;
	}
	return true;
}

void otw_cli_json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

int otw_cli_finish(const char *cmd, struct otw_store *st, struct otw_txn *txn,
		   int rc, const char *err, const char *msg, bool json)
{
	if (rc == 0)
		rc = otw_store_txn_commit(txn);
	else
		otw_store_txn_abort(txn);
	otw_store_close(st);
	if (rc != 0 && (err == NULL || err[0] == '\0'))
		err = otw_strerror(rc);
	if (json) {
		fputs(rc == 0 ? "{\"ok\":true,\"result\":" : "{\"ok\":false,\"error\":", stdout);
		otw_cli_json_str(rc == 0 ? msg : err);
		puts("}");
	} else if (rc == 0) {
		printf("%s\n", msg);
	} else {
		fprintf(stderr, "otwatch %s: %s\n", cmd, err);
	}
	return rc == 0 ? 0 : 1;
}
