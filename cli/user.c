/* otwatch user add|list|del|init: console accounts in the store. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "cmds.h"
#include "otw_err.h"
#include "otw_ipc-t.h"
#include "store.h"
#include "user.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: otwatch user add NAME --role admin|analyst|readonly --password-file F [--db DIR]\n"
		"       otwatch user list [--db DIR]\n"
		"       otwatch user del NAME [--db DIR]\n"
		"       otwatch user init [--db DIR]   (first admin with a generated password,\n"
		"                                       printed once; nothing if users exist)\n"
		"  --password-file F  first line of F is the password (- = stdin)\n");
}

static int read_pw(const char *path, char *pw, size_t len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	size_t n;

	if (f == NULL)
		return -1;
	if (fgets(pw, (int)len, f) == NULL)
		pw[0] = '\0';
	if (f != stdin)
		fclose(f);
	n = strcspn(pw, "\r\n");
	pw[n] = '\0';
	return 0;
}

static int count_one(void *arg, const struct otw_store_user *u)
{
	(void)u;
	++*(unsigned *)arg;
	return 0;
}

static int print_one(void *arg, const struct otw_store_user *u)
{
	(void)arg;
	printf("%-24s %s\n", u->name, otw_role_name(u->role) ? otw_role_name(u->role) : "?");
	return 0;
}

static int put_user(struct otw_store *st, struct otw_store_user *u, bool must_be_new)
{
	struct otw_txn *txn;
	struct otw_store_user old;
	int rc = otw_store_txn_begin(st, true, &txn);

	if (rc != 0)
		return rc;
	if (must_be_new && otw_store_user_get(txn, u->name, &old) == 0) {
		otw_store_txn_abort(txn);
		return -17; /* -EEXIST */
	}
	if ((rc = otw_store_user_put(txn, u)) != 0) {
		otw_store_txn_abort(txn);
		return rc;
	}
	return otw_store_txn_commit(txn);
}

int otw_cmd_user(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "role", required_argument, NULL, 'r' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = OTW_STORE_DIR_DEFAULT, *role = NULL, *pwfile = NULL, *sub, *name = NULL;
	struct otw_store *st;
	struct otw_store_user u = { 0 };
	char pw[OTW_PW_MAX + 2];
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 'd': db = optarg; break;
		case 'r': role = optarg; break;
		case 'p': pwfile = optarg; break;
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
	if (optind < argc || ((strcmp(sub, "add") == 0 || strcmp(sub, "del") == 0) && name == NULL)) {
		usage(stderr);
		return 2;
	}
	if (strcmp(sub, "add") == 0) {
		const char *why;
		if (role == NULL || pwfile == NULL || (u.role = (uint8_t)otw_role_parse(role)) == 0) {
			fprintf(stderr, "otwatch user add: --role admin|analyst|readonly and --password-file are required\n");
			return 2;
		}
		if (strlen(name) >= OTW_USER_NAME_MAX) {
			fprintf(stderr, "otwatch user add: name too long\n");
			return 2;
		}
		if (read_pw(pwfile, pw, sizeof(pw)) != 0) {
			fprintf(stderr, "otwatch user add: cannot read %s\n", pwfile);
			return 1;
		}
		if ((why = otw_pw_policy(pw)) != NULL) {
			fprintf(stderr, "otwatch user add: %s\n", why);
			return 1;
		}
	} else if (strcmp(sub, "list") != 0 && strcmp(sub, "del") != 0 &&
		   strcmp(sub, "init") != 0) {
		usage(stderr);
		return 2;
	}
	if ((rc = otw_store_open(db, 0, 0, &st)) != 0) {
		fprintf(stderr, "otwatch user: cannot open the store %s: %s\n", db, otw_strerror(rc));
		return 1;
	}
	if (strcmp(sub, "add") == 0 || strcmp(sub, "init") == 0) {
		if (strcmp(sub, "init") == 0) {
			unsigned n = 0;
			struct otw_txn *txn;
			if ((rc = otw_store_txn_begin(st, false, &txn)) == 0) {
				rc = otw_store_user_foreach(txn, count_one, &n);
				otw_store_txn_abort(txn);
			}
			if (rc == 0 && n > 0) {
				otw_store_close(st);
				return 0;
			}
			name = "admin";
			u.role = OTW_ROLE_ADMIN;
			/* 18 random bytes as hex, plus classes the policy wants */
			otw_random_hex(pw, 12);
			strcat(pw, "-Ot9");
		}
		snprintf(u.name, sizeof(u.name), "%s", name);
		if (rc == 0 && (rc = otw_pw_set(&u, pw)) == 0)
			rc = put_user(st, &u, true);
		if (rc == 0 && strcmp(sub, "init") == 0)
			printf("console user 'admin' created; its password (shown once): %s\n", pw);
	} else if (strcmp(sub, "del") == 0) {
		struct otw_txn *txn;
		if ((rc = otw_store_txn_begin(st, true, &txn)) == 0) {
			if ((rc = otw_store_user_del(txn, name)) == 0)
				rc = otw_store_txn_commit(txn);
			else
				otw_store_txn_abort(txn);
		}
	} else {
		struct otw_txn *txn;
		if ((rc = otw_store_txn_begin(st, false, &txn)) == 0) {
			rc = otw_store_user_foreach(txn, print_one, NULL);
			otw_store_txn_abort(txn);
		}
	}
	otw_store_close(st);
	memset(pw, 0, sizeof(pw));
	if (rc != 0) {
		fprintf(stderr, "otwatch user %s: %s\n", sub,
			rc == -17 ? "that user exists" : otw_strerror(rc));
		return 1;
	}
	return 0;
}
