/* Inventory management over REST (docs/console.md): read by any role,
 * changed by Security Analyst or Admin (route roles; CSRF and sessions are
 * checked by server.c before a handler runs). Every change runs in one
 * write txn with its audit entry (session user); bad input gets a 4xx
 * JSON error and the txn is aborted, so nothing stored changes. */
#include "api_devedit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "devedit.h"
#include "devmeta.h"
#include "inv.h"
#include "names.h"
#include "otw_err.h"
#include "otw_pkt.h"
#include "user.h"

#define DK OTW_STORE_DEVKEY_LEN

/* --- shared by the device list and detail -------------------------------- */

bool otw_api_dev_is_alias(struct otw_txn *txn, const struct otw_store_device *d)
{
	struct otw_store_devmeta m;
	uint8_t k[DK];

	otw_store_device_key(d, k);
	return otw_store_devmeta_get(txn, k, &m) == 0 && m.merged;
}

struct alias_walk {
	const uint8_t *key;
	struct otw_txn *txn;
	cJSON *aliases, *ips;
};

static void add_ip(cJSON *ips, const struct otw_ip *ip)
{
	char b[64];
	cJSON *x;

	otw_ip_str(ip, b, sizeof(b));
	cJSON_ArrayForEach(x, ips)
		if (cJSON_IsString(x) && strcmp(x->valuestring, b) == 0)
			return;
	cJSON_AddItemToArray(ips, cJSON_CreateString(b));
}

static int alias_one(void *arg, const struct otw_store_devmeta *m)
{
	struct alias_walk *w = arg;
	struct otw_store_device d;
	char b[OTW_DEVKEY_STR_MAX];

	if (!m->merged || memcmp(m->merged_into, w->key, DK) != 0)
		return 0;
	cJSON_AddItemToArray(w->aliases,
			     cJSON_CreateString(otw_store_devkey_str(m->dev, b, sizeof(b))));
	if (w->ips != NULL && otw_store_device_get_key(w->txn, m->dev, &d) == 0)
		for (unsigned i = 0; i < d.n_ips && i < OTW_STORE_DEV_IPS; i++)
			add_ip(w->ips, &d.ips[i]);
	return 0;
}

static void dev_meta(struct otw_txn *txn, const struct otw_store_device *d,
		     cJSON *o)
{
	struct otw_store_devmeta m;
	struct otw_names *nm = NULL;
	struct alias_walk w;
	uint8_t k[DK];
	char b[OTW_DEVKEY_STR_MAX], cidr[64];

	otw_store_device_key(d, k);
	cJSON_AddStringToObject(o, "key", otw_store_devkey_str(k, b, sizeof(b)));
	if (otw_store_devmeta_get(txn, k, &m) == 0) {
		if (m.name[0])
			cJSON_AddStringToObject(o, "name", m.name);
		if (m.type[0]) {
			cJSON_AddStringToObject(o, "type", m.type);
			cJSON_AddStringToObject(o, "type_evidence", "operator");
		}
		if (m.notes[0])
			cJSON_AddStringToObject(o, "notes", m.notes);
		if (m.authorized != OTW_DEVMETA_AUTH_UNSET)
			cJSON_AddBoolToObject(o, "authorized", m.authorized == OTW_DEVMETA_AUTH_YES);
		if (m.merged)
			cJSON_AddStringToObject(o, "merged_into",
						otw_store_devkey_str(m.merged_into, b, sizeof(b)));
	}
	w = (struct alias_walk){ k, txn, cJSON_CreateArray(),
				 cJSON_GetObjectItemCaseSensitive(o, "ips") };
	otw_store_devmeta_foreach(txn, alias_one, &w);
	if (cJSON_GetArraySize(w.aliases) > 0)
		cJSON_AddItemToObject(o, "aliases", w.aliases);
	else
		cJSON_Delete(w.aliases);
	if (otw_names_load(txn, &nm) != 0)
		return;
	for (unsigned i = 0; i < d->n_ips && i < OTW_STORE_DEV_IPS; i++) {
		const char *s = otw_names_subnet(nm, &d->ips[i], cidr, sizeof(cidr));
		if (s != NULL) {
			cJSON_AddStringToObject(o, "subnet", s);
			cJSON_AddStringToObject(o, "subnet_cidr", cidr);
			break;
		}
	}
	for (unsigned i = 0; i < d->n_ips && i < OTW_STORE_DEV_IPS; i++)
		if (otw_names_dynamic(nm, &d->ips[i])) {
			cJSON_AddBoolToObject(o, "dynamic", true);
			break;
		}
	if (d->vlan != 0 && otw_names_vlan(nm, d->vlan) != NULL)
		cJSON_AddStringToObject(o, "vlan_name", otw_names_vlan(nm, d->vlan));
	otw_names_free(nm);
}

cJSON *otw_api_dev_json(struct otw_txn *txn, const struct otw_store_device *d)
{
	cJSON *o = cJSON_CreateObject(), *ips;
	char b[64];

	/* "mac" also for IP-keyed devices (zeros): the UI keys rows on it */
	cJSON_AddStringToObject(o, "mac", otw_mac_str(d->mac, b, sizeof(b)));
	cJSON_AddNumberToObject(o, "vlan", d->vlan);
	ips = cJSON_AddArrayToObject(o, "ips");
	for (unsigned i = 0; i < d->n_ips && i < OTW_STORE_DEV_IPS; i++)
		add_ip(ips, &d->ips[i]);
	if (d->vendor[0])
		cJSON_AddStringToObject(o, "vendor", d->vendor);
	if (d->model[0])
		cJSON_AddStringToObject(o, "model", d->model);
	if (d->firmware[0])
		cJSON_AddStringToObject(o, "firmware", d->firmware);
	dev_meta(txn, d, o);
	return o;
}

/* --- helpers ------------------------------------------------------------- */

static int status_of(int rc)
{
	switch (rc) {
	case 0: return 200;
	case -EINVAL: return 400;
	case OTW_ENOTFOUND: return 404;
	case -EEXIST: return 409;
	case -ENOSPC: return 409;
	default: return 500;
	}
}

/* Commit txn when rc == 0 (else abort) and reply: ok (200 + ok_body) or
 * the error with its message. */
static void finish(struct otw_req *r, struct otw_txn *txn, int rc,
		   const char *err, cJSON *ok_body)
{
	if (rc == 0 && (rc = otw_store_txn_commit(txn)) != 0)
		err = otw_strerror(rc);
	else if (rc != 0)
		otw_store_txn_abort(txn);
	if (rc != 0) {
		cJSON_Delete(ok_body);
		otw_reply_error(r, status_of(rc), err && err[0] ? err : otw_strerror(rc));
		return;
	}
	otw_reply_json(r, 200, ok_body ? ok_body : cJSON_CreateObject());
}

static bool begin(struct otw_req *r, bool write, struct otw_txn **txn)
{
	int rc = otw_store_txn_begin(r->c->st, write, txn);

	if (rc != 0)
		otw_reply_error(r, 500, otw_strerror(rc));
	return rc == 0;
}

/* Optional string member: NULL if absent; false (400 sent) if not a string. */
static bool opt_str(struct otw_req *r, const char *name, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->body, name);
	char msg[80];

	*out = NULL;
	if (v == NULL)
		return true;
	if (!cJSON_IsString(v)) {
		snprintf(msg, sizeof(msg), "%s must be a string", name);
		otw_reply_error(r, 400, msg);
		return false;
	}
	*out = v->valuestring;
	return true;
}

/* rest = "<key>" or "<key>/<verb>" */
static bool parse_rest(struct otw_req *r, uint8_t key[DK], char *verb, size_t vlen)
{
	char k[OTW_DEVKEY_STR_MAX + 2];
	const char *slash = strchr(r->rest, '/');
	size_t n = slash ? (size_t)(slash - r->rest) : strlen(r->rest);

	verb[0] = '\0';
	if (n >= sizeof(k)) {
		otw_reply_error(r, 404, "no such device");
		return false;
	}
	memcpy(k, r->rest, n);
	k[n] = '\0';
	if (slash != NULL)
		snprintf(verb, vlen, "%s", slash + 1);
	if (!otw_store_devkey_parse(k, key)) {
		otw_reply_error(r, 404, "no such device (a key is mac:XX:XX:XX:XX:XX:XX or ip:ADDRESS)");
		return false;
	}
	return true;
}

/* rest = "<key>" only. */
static bool parse_key(struct otw_req *r, uint8_t key[DK])
{
	char verb[16];

	if (!parse_rest(r, key, verb, sizeof(verb)))
		return false;
	if (verb[0] != '\0')
		otw_reply_error(r, 404, "no such endpoint");
	return verb[0] == '\0';
}

/* --- devices ------------------------------------------------------------- */

static void device_get(struct otw_req *r)
{
	struct otw_store_device d;
	struct otw_store_devmeta m;
	struct otw_txn *txn;
	uint8_t key[DK];
	char verb[16];
	int rc;

	if (!parse_rest(r, key, verb, sizeof(verb)) || !begin(r, false, &txn))
		return;
	/* an alias's key shows its survivor, as `otwatch devices show` */
	if (otw_store_devmeta_get(txn, key, &m) == 0 && m.merged)
		memcpy(key, m.merged_into, DK);
	if (verb[0] != '\0' || (rc = otw_store_device_get_key(txn, key, &d)) != 0) {
		otw_store_txn_abort(txn);
		otw_reply_error(r, 404, "no such device");
		return;
	}
	cJSON *o = otw_api_dev_json(txn, &d);
	otw_store_txn_abort(txn);
	otw_reply_json(r, 200, o);
}

static void device_patch(struct otw_req *r)
{
	struct otw_devedit e = { .authorized = -1 };
	const cJSON *auth = cJSON_GetObjectItemCaseSensitive(r->body, "authorized");
	struct otw_store_device d;
	struct otw_txn *txn;
	uint8_t key[DK];
	char err[512] = "";
	int rc;

	if (!parse_key(r, key))
		return;
	if (!opt_str(r, "name", &e.name) || !opt_str(r, "type", &e.type) ||
	    !opt_str(r, "notes", &e.notes))
		return;
	if (auth != NULL) {
		if (cJSON_IsBool(auth))
			e.authorized = cJSON_IsTrue(auth) ? OTW_DEVMETA_AUTH_YES : OTW_DEVMETA_AUTH_NO;
		else if (cJSON_IsNull(auth))
			e.authorized = OTW_DEVMETA_AUTH_UNSET;
		else {
			otw_reply_error(r, 400, "authorized must be true, false or null");
			return;
		}
	}
	if (!e.name && !e.type && !e.notes && e.authorized < 0) {
		otw_reply_error(r, 400, "give name, type, notes or authorized");
		return;
	}
	if (!begin(r, true, &txn))
		return;
	rc = otw_devedit_edit(txn, key, &e, r->sess.user, err, sizeof(err));
	if (rc == 0 && otw_store_device_get_key(txn, key, &d) == 0) {
		cJSON *o = otw_api_dev_json(txn, &d);
		finish(r, txn, rc, err, o);
		return;
	}
	finish(r, txn, rc, err, NULL);
}

static void device_post(struct otw_req *r)
{
	struct otw_txn *txn;
	uint8_t key[DK], into[DK];
	char verb[16], err[512] = "", b[OTW_DEVKEY_STR_MAX];
	const char *s;
	int rc;

	if (!parse_rest(r, key, verb, sizeof(verb)))
		return;
	if (strcmp(verb, "merge") == 0) {
		if (!opt_str(r, "into", &s))
			return;
		if (s == NULL || !otw_store_devkey_parse(s, into)) {
			otw_reply_error(r, 400, "into must be a device key (mac:... or ip:...)");
			return;
		}
		if (!begin(r, true, &txn))
			return;
		rc = otw_devedit_merge(txn, key, into, r->sess.user, err, sizeof(err));
	} else if (strcmp(verb, "unmerge") == 0) {
		if (!begin(r, true, &txn))
			return;
		rc = otw_devedit_unmerge(txn, key, r->sess.user, err, sizeof(err));
	} else {
		otw_reply_error(r, 404, "POST /api/v1/devices/KEY/merge or /unmerge");
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "key", otw_store_devkey_str(key, b, sizeof(b)));
	cJSON_AddStringToObject(o, "done", verb);
	finish(r, txn, rc, err, o);
}

static void device_delete(struct otw_req *r)
{
	struct otw_txn *txn;
	uint8_t key[DK];
	char err[512] = "";
	int rc;

	if (!parse_key(r, key) || !begin(r, true, &txn))
		return;
	rc = otw_devedit_delete(txn, key, r->sess.user, err, sizeof(err));
	finish(r, txn, rc, err, NULL);
}

/* --- CSV ----------------------------------------------------------------- */

static void export_get(struct otw_req *r)
{
	struct otw_inv *inv = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = NULL;
	int rc;

	if ((rc = otw_inv_create(&inv)) == 0 && (rc = otw_inv_load(inv, r->c->st)) == 0) {
		if ((f = open_memstream(&buf, &len)) == NULL)
			rc = -ENOMEM;
		else
			rc = otw_inv_print_csv(inv, f);
		if (f != NULL && fclose(f) != 0 && rc == 0)
			rc = -ENOMEM;
	}
	otw_inv_destroy(inv);
	if (rc != 0) {
		free(buf);
		otw_reply_error(r, 500, otw_strerror(rc));
		return;
	}
	otw_reply_raw(r->conn, 200, "text/csv; charset=utf-8",
		      "Content-Disposition: attachment; filename=\"otwatch-inventory.csv\"\r\n",
		      buf, len);
	free(buf);
}

static void import_err(void *arg, unsigned line, const char *msg)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "line", line);
	cJSON_AddStringToObject(o, "error", msg);
	if (cJSON_GetArraySize(arg) < 100) /* enough to fix a file */
		cJSON_AddItemToArray(arg, o);
	else
		cJSON_Delete(o);
}

static void import_post(struct otw_req *r)
{
	const cJSON *csv = cJSON_GetObjectItemCaseSensitive(r->body, "csv");
	cJSON *lines, *o;
	struct otw_txn *txn;
	unsigned changed = 0;
	int rc;

	if (!cJSON_IsString(csv)) {
		otw_reply_error(r, 400, "send {\"csv\": \"<the file's text>\"}");
		return;
	}
	if (!begin(r, true, &txn))
		return;
	lines = cJSON_CreateArray();
	rc = otw_devedit_import(txn, csv->valuestring, strlen(csv->valuestring),
				r->sess.user, import_err, lines, &changed);
	if (rc == -EINVAL) {
		otw_store_txn_abort(txn);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "error", "nothing imported: the file has errors");
		cJSON_AddNumberToObject(o, "status", 400);
		cJSON_AddItemToObject(o, "lines", lines);
		otw_reply_json(r, 400, o);
		return;
	}
	cJSON_Delete(lines);
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "changed", changed);
	finish(r, txn, rc, NULL, o);
}

/* --- names and DHCP ranges ------------------------------------------------ */

struct names_walk {
	cJSON *items;
	const char *kind;
};

static int names_one(void *arg, const char *spec, const char *name)
{
	struct names_walk *w = arg;
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "kind", w->kind);
	cJSON_AddStringToObject(o, "spec", spec);
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddItemToArray(w->items, o);
	return 0;
}

static void names_get(struct otw_req *r)
{
	struct otw_txn *txn;
	cJSON *items = cJSON_CreateArray(), *o;
	int rc = 0;

	if (!begin(r, false, &txn)) {
		cJSON_Delete(items);
		return;
	}
	for (int k = 0; k < 4 && rc == 0; k++) {
		struct names_walk w = { items, otw_names_kind_str((enum otw_names_kind)k) };
		rc = otw_names_foreach(txn, (enum otw_names_kind)k, names_one, &w);
	}
	otw_store_txn_abort(txn);
	if (rc != 0) {
		cJSON_Delete(items);
		otw_reply_error(r, 500, otw_strerror(rc));
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "items", items);
	otw_reply_json(r, 200, o);
}

static bool names_kind(struct otw_req *r, const char *s, enum otw_names_kind *k)
{
	int v = s ? otw_names_kind_parse(s) : -1;

	if (v < 0)
		otw_reply_error(r, 400, "kind is subnet, vlan, port or dhcp");
	*k = (enum otw_names_kind)(v < 0 ? 0 : v);
	return v >= 0;
}

static void names_post(struct otw_req *r)
{
	const char *kind, *spec, *name;
	enum otw_names_kind k;
	struct otw_txn *txn;
	char err[256] = "", action[32];
	int rc;

	if (!opt_str(r, "kind", &kind) || !opt_str(r, "spec", &spec) ||
	    !opt_str(r, "name", &name) || !names_kind(r, kind, &k))
		return;
	if (spec == NULL) {
		otw_reply_error(r, 400, "spec is required");
		return;
	}
	if (!begin(r, true, &txn))
		return;
	rc = otw_names_put(txn, k, spec, name ? name : "", err, sizeof(err));
	snprintf(action, sizeof(action), "names.%s.add", otw_names_kind_str(k));
	if (rc == 0)
		rc = otw_audit_log(r, txn, NULL, action, spec, name ? name : "");
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "kind", otw_names_kind_str(k));
	cJSON_AddStringToObject(o, "spec", spec);
	finish(r, txn, rc, err, o);
}

static void names_delete(struct otw_req *r)
{
	char kind[16], spec[96], err[256] = "", action[32];
	enum otw_names_kind k;
	struct otw_txn *txn;
	int rc;

	if (!otw_query_str(r, "kind", kind, sizeof(kind)) ||
	    !otw_query_str(r, "spec", spec, sizeof(spec))) {
		otw_reply_error(r, 400, "kind or spec too long");
		return;
	}
	if (!names_kind(r, kind, &k))
		return;
	if (!begin(r, true, &txn))
		return;
	if ((rc = otw_names_del(txn, k, spec, err, sizeof(err))) == OTW_ENOTFOUND)
		snprintf(err, sizeof(err), "no %s %s", kind, spec);
	snprintf(action, sizeof(action), "names.%s.del", kind);
	if (rc == 0)
		rc = otw_audit_log(r, txn, NULL, action, spec, "");
	finish(r, txn, rc, err, NULL);
}

/* --- monitor rules -------------------------------------------------------- */

static void monitor_get(struct otw_req *r)
{
	struct otw_filter f;
	struct otw_txn *txn;
	cJSON *o, *items;
	char t[OTW_FILTER_TEXT_MAX];
	int rc;

	if (!begin(r, false, &txn))
		return;
	rc = otw_names_rules_load(txn, &f);
	otw_store_txn_abort(txn);
	if (rc != 0) {
		otw_reply_error(r, 500, otw_strerror(rc));
		return;
	}
	o = cJSON_CreateObject();
	items = cJSON_AddArrayToObject(o, "items");
	for (unsigned i = 0; i < f.n; i++)
		cJSON_AddItemToArray(items, cJSON_CreateString(otw_filter_str(&f.r[i], t, sizeof(t))));
	cJSON_AddStringToObject(o, "applies", "at the next start of the workers (otwatch run)");
	otw_reply_json(r, 200, o);
}

static void monitor_post(struct otw_req *r)
{
	const char *rule;
	struct otw_txn *txn;
	char canon[OTW_FILTER_TEXT_MAX] = "", err[256] = "";
	int rc;

	if (!opt_str(r, "rule", &rule))
		return;
	if (rule == NULL) {
		otw_reply_error(r, 400, "rule is required, e.g. \"exclude vlan 20\"");
		return;
	}
	if (!begin(r, true, &txn))
		return;
	rc = otw_names_rule_add(txn, rule, canon, sizeof(canon), err, sizeof(err));
	if (rc == 0)
		rc = otw_audit_log(r, txn, NULL, "monitor.add", "monitor", canon);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "rule", canon);
	finish(r, txn, rc, err, o);
}

static void monitor_delete(struct otw_req *r)
{
	char rule[OTW_FILTER_TEXT_MAX + 32], err[256] = "";
	struct otw_txn *txn;
	int rc;

	if (!otw_query_str(r, "rule", rule, sizeof(rule))) {
		otw_reply_error(r, 400, "rule too long");
		return;
	}
	if (!begin(r, true, &txn))
		return;
	if ((rc = otw_names_rule_del(txn, rule, err, sizeof(err))) == OTW_ENOTFOUND)
		snprintf(err, sizeof(err), "no such rule");
	if (rc == 0)
		rc = otw_audit_log(r, txn, NULL, "monitor.del", "monitor", rule);
	finish(r, txn, rc, err, NULL);
}

const struct otw_route otw_routes_devedit[] = {
	{ "GET", "/api/v1/devices/", OTW_ROLE_READONLY, device_get, "one device, with operator fields" },
	{ "PATCH", "/api/v1/devices/", OTW_ROLE_ANALYST, device_patch, "edit name, type, notes, authorized" },
	{ "POST", "/api/v1/devices/", OTW_ROLE_ANALYST, device_post, "KEY/merge {into}, KEY/unmerge" },
	{ "DELETE", "/api/v1/devices/", OTW_ROLE_ANALYST, device_delete, "delete a device" },
	{ "GET", "/api/v1/inventory/export", OTW_ROLE_READONLY, export_get, "devices as CSV" },
	{ "POST", "/api/v1/inventory/import", OTW_ROLE_ANALYST, import_post, "import operator fields from CSV" },
	{ "GET", "/api/v1/names", OTW_ROLE_READONLY, names_get, "subnet, VLAN, port names; DHCP ranges" },
	{ "POST", "/api/v1/names", OTW_ROLE_ANALYST, names_post, "add or rename one" },
	{ "DELETE", "/api/v1/names", OTW_ROLE_ANALYST, names_delete, "delete one (?kind=&spec=)" },
	{ "GET", "/api/v1/monitor", OTW_ROLE_READONLY, monitor_get, "monitored-traffic rules" },
	{ "POST", "/api/v1/monitor", OTW_ROLE_ANALYST, monitor_post, "add a rule" },
	{ "DELETE", "/api/v1/monitor", OTW_ROLE_ANALYST, monitor_delete, "delete a rule (?rule=)" },
	{ NULL, NULL, 0, NULL, NULL },
};
