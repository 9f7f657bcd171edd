/* otwatch console token add|list|del: API tokens in the store, for
 * automation (`Authorization: Bearer`). The secret is printed once. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "cmds.h"
#include "otw_err.h"
#include "otw_ipc-t.h"
#include "store.h"
#include "withstore.h"
#include "token.h"
#include "user.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: otwatch console token add NAME --role admin|analyst|readonly [--db DIR]\n"
		"       otwatch console token list [--db DIR]\n"
		"       otwatch console token del NAME [--db DIR]\n"
		"  add prints the token once; only its SHA-256 is stored.\n");
}

static int print_one(void *arg, const struct otw_token *t)
{
	char b[32];
	time_t s = (time_t)(t->created_ns / 1000000000ull);
	struct tm tm;

	(void)arg;
	strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&s, &tm));
	printf("%-40s %-9s %s by %s\n", t->name, otw_role_name(t->role), b, t->by);
	return 0;
}

struct job {
	const char *sub, *name;
	uint8_t role;
	char *secret;
};

static int token_job(struct otw_txn *txn, void *arg)
{
	struct job *j = arg;
	char detail[32];
	int rc;

	if (strcmp(j->sub, "list") == 0)
		return otw_token_foreach(txn, print_one, NULL);
	snprintf(detail, sizeof(detail), "role=%s via=cli", j->role ? otw_role_name(j->role) : "-");
	rc = strcmp(j->sub, "add") == 0 ? otw_token_add(txn, j->name, j->role, "cli", j->secret)
					: otw_token_del(txn, j->name);
	if (rc == 0)
		rc = otw_store_audit_log(txn, "cli", strcmp(j->sub, "add") == 0 ? "token.add" : "token.delete",
					 j->name, detail);
	return rc;
}

int otw_cmd_console_token(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "role", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = OTW_STORE_DIR_DEFAULT, *role = NULL, *sub, *name = NULL;
	char secret[OTW_TOKEN_LEN + 1] = "";
	unsigned r = 0;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 'd': db = optarg; break;
		case 'r': role = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	sub = argv[optind++];
	if (optind < argc)
		name = argv[optind++];
	if (optind < argc || (strcmp(sub, "list") != 0 && name == NULL) ||
	    (strcmp(sub, "add") != 0 && strcmp(sub, "del") != 0 && strcmp(sub, "list") != 0)) {
		usage(stderr);
		return 2;
	}
	if (strcmp(sub, "add") == 0 && (role == NULL || (r = otw_role_parse(role)) == 0)) {
		fprintf(stderr, "otwatch console token add: --role admin|analyst|readonly is required\n");
		return 2;
	}
	{
		struct job j = { sub, name, (uint8_t)r, secret };
		rc = otw_cli_with_store("console token", db, strcmp(sub, "list") != 0, token_job, &j);
	}
	if (rc == 1)
		return 1; /* said */
	if (rc != 0) {
		fprintf(stderr, "otwatch console token %s: %s\n", sub,
			rc == -EEXIST   ? "a token of that name exists" :
			rc == -EINVAL   ? "token names are 1-40 of A-Z a-z 0-9 . - _ @" :
			rc == OTW_ENOTFOUND ? "no such token" : otw_strerror(rc));
		return 1;
	}
	if (secret[0] != '\0')
		printf("%s\n", secret); /* shown once: the store keeps only its hash */
	return 0;
}
