/* otwatch devices: list and show devices, and the operator's changes to
 * them (edit, merge, unmerge, delete, CSV export and import). Changes go
 * into the store in one txn with their audit entry; otw-baseline reloads
 * them within seconds. docs/inventory.md. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "cmds.h"
#include "devedit.h"
#include "inv.h"
#include "otw_err.h"
#include "otw_ipc-t.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: otwatch devices [list] [--json]\n"
		"       otwatch devices show KEY\n"
		"       otwatch devices edit KEY [--name N] [--type T] [--notes N] [--authorized yes|no|\"\"]\n"
		"       otwatch devices merge ALIAS SURVIVOR | unmerge ALIAS | delete KEY\n"
		"       otwatch devices export [--output FILE] | import FILE|-\n"
		"  KEY is mac:00:11:22:33:44:55 or ip:10.0.0.5 (a bare MAC or IP too)\n"
		"  common: [--store DIR] [--json] [--user NAME]\n");
}

struct opts {
	const char *dir, *user, *output;
	struct otw_devedit e;
	bool json;
};

/* Whole file (or stdin) into memory: the import is all-or-nothing. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (n + 4096 > cap) {
			char *p = realloc(buf, cap = cap ? 2 * cap : 65536);
			if (p == NULL || cap > (64u << 20)) {
				free(p ? p : buf);
				buf = NULL;
				break;
			}
			buf = p;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (buf != NULL && ferror(f)) {
		free(buf);
		buf = NULL;
	}
	if (f != stdin)
		fclose(f);
	*len = n;
	return buf;
}

static void import_err(void *arg, unsigned line, const char *msg)
{
	bool json = *(bool *)arg;

	if (json) {
		printf("{\"line\":%u,\"error\":", line);
		otw_cli_json_str(msg);
		puts("}");
	} else {
		fprintf(stderr, "line %u: %s\n", line, msg);
	}
}

static int print(const struct opts *o, const char *sub, const char *key)
{
	struct otw_store *st = NULL;
	struct otw_inv *inv = NULL;
	FILE *out = stdout;
	uint8_t k[OTW_STORE_DEVKEY_LEN];
	int rc;

	if (key != NULL && !otw_store_devkey_parse(key, k)) {
		fprintf(stderr, "otwatch devices: bad key '%s'\n", key);
		return 2;
	}
	if ((rc = otw_store_open(o->dir, 0, OTW_STORE_RDONLY, &st)) != 0 ||
	    (rc = otw_inv_create(&inv)) != 0 || (rc = otw_inv_load(inv, st)) != 0) {
		fprintf(stderr, "otwatch devices: %s: %s\n", o->dir, otw_strerror(rc));
		goto out;
	}
	if (o->output != NULL && (out = fopen(o->output, "w")) == NULL) {
		rc = -errno;
		fprintf(stderr, "otwatch devices: %s: %s\n", o->output, strerror(errno));
		goto out;
	}
	if (strcmp(sub, "export") == 0)
		rc = otw_inv_print_csv(inv, out);
	else if (key != NULL)
		rc = otw_inv_print_device(inv, k, out);
	else if (o->json)
		rc = otw_inv_print_devices_json(inv, out);
	else
		rc = otw_inv_print_devices_table(inv, out);
	if (out != stdout && fclose(out) != 0 && rc == 0)
		rc = -EIO;
	if (rc != 0)
		fprintf(stderr, "otwatch devices: %s\n",
			rc == OTW_ENOTFOUND ? "no such device" : otw_strerror(rc));
out:
	otw_inv_destroy(inv);
	otw_store_close(st);
	return rc == 0 ? 0 : 1;
}

static int change(const struct opts *o, const char *sub, char **args, int n)
{
	const char *user = otw_cli_user(o->user);
	uint8_t a[OTW_STORE_DEVKEY_LEN], b[OTW_STORE_DEVKEY_LEN];
	struct otw_store *st;
	struct otw_txn *txn;
	char err[512] = "", msg[128];
	int rc;

	if ((n >= 1 && !otw_store_devkey_parse(args[0], a)) ||
	    (n >= 2 && !otw_store_devkey_parse(args[1], b))) {
		fprintf(stderr, "otwatch devices: a KEY is mac:XX:XX:XX:XX:XX:XX or ip:ADDRESS\n");
		return 2;
	}
	if (!otw_cli_begin("devices", o->dir, true, &st, &txn))
		return 1;
	snprintf(msg, sizeof(msg), "%sd %s", strcmp(sub, "edit") == 0 ? "edite" : sub,
		 args[0]); /* edited, unmerged, deleted */
	if (strcmp(sub, "edit") == 0) {
		rc = otw_devedit_edit(txn, a, &o->e, user, err, sizeof(err));
	} else if (strcmp(sub, "merge") == 0) {
		rc = otw_devedit_merge(txn, a, b, user, err, sizeof(err));
		snprintf(msg, sizeof(msg), "merged %s into %s", args[0], args[1]);
	} else if (strcmp(sub, "unmerge") == 0) {
		rc = otw_devedit_unmerge(txn, a, user, err, sizeof(err));
	} else {
		rc = otw_devedit_delete(txn, a, user, err, sizeof(err));
	}
	return otw_cli_finish("devices", st, txn, rc, err, msg, o->json);
}

static int import(const struct opts *o, const char *path)
{
	struct otw_store *st;
	struct otw_txn *txn;
	unsigned changed = 0;
	size_t len;
	char *buf = slurp(path, &len), msg[96];
	int rc;

	if (buf == NULL) {
		fprintf(stderr, "otwatch devices: cannot read %s\n", path);
		return 1;
	}
	if (!otw_cli_begin("devices", o->dir, true, &st, &txn)) {
		free(buf);
		return 1;
	}
	rc = otw_devedit_import(txn, buf, len, otw_cli_user(o->user), import_err,
				(void *)&o->json, &changed);
	free(buf);
	snprintf(msg, sizeof(msg), "imported %u device(s)", changed);
	return otw_cli_finish("devices", st, txn, rc,
			      rc == -EINVAL ? "nothing imported: the file has errors" : NULL,
			      msg, o->json);
}

int otw_cmd_devices(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "store", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "user", required_argument, NULL, 'u' },
		{ "name", required_argument, NULL, 'n' },
		{ "type", required_argument, NULL, 't' },
		{ "notes", required_argument, NULL, 'N' },
		{ "authorized", required_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct { const char *name; int args; } subs[] = {
		{ "list", 0 }, { "show", 1 }, { "edit", 1 }, { "merge", 2 },
		{ "unmerge", 1 }, { "delete", 1 }, { "export", 0 }, { "import", 1 },
	};
	struct opts o = { .dir = OTW_STORE_DIR_DEFAULT, .e = { .authorized = -1 } };
	const char *sub = "list";
	int ch, want = -1;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 's': o.dir = optarg; break;
		case 'j': o.json = true; break;
		case 'u': o.user = optarg; break;
		case 'n': o.e.name = optarg; break;
		case 't': o.e.type = optarg; break;
		case 'N': o.e.notes = optarg; break;
		case 'o': o.output = optarg; break;
		case 'a':
			if ((o.e.authorized = otw_devedit_auth_parse(optarg)) < 0) {
				fprintf(stderr, "otwatch devices: --authorized is yes, no or \"\"\n");
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc)
		sub = argv[optind++];
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(sub, subs[i].name) == 0)
			want = subs[i].args;
	if (want < 0 || argc - optind != want) {
		usage(stderr);
		return 2;
	}
	if (strcmp(sub, "edit") == 0 && !o.e.name && !o.e.type && !o.e.notes &&
	    o.e.authorized < 0) {
		fprintf(stderr, "otwatch devices edit: give --name, --type, --notes or --authorized\n");
		return 2;
	}
	if (strcmp(sub, "list") == 0 || strcmp(sub, "export") == 0 ||
	    strcmp(sub, "show") == 0)
		return print(&o, sub, want ? argv[optind] : NULL);
	if (strcmp(sub, "import") == 0)
		return import(&o, argv[optind]);
	return change(&o, sub, argv + optind, want);
}
