/* /api/v1/setup (admin): the first-start wizard's settings (setup.h). The
 * UI shows the wizard to an admin until setup is complete. The TLS
 * certificate is imported with `otwatch setup --cert import` (files on the
 * sensor, checked for chain, expiry and key match), not over the web. */
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "otw_err.h"
#include "setting.h"
#include "setup.h"

static void setup_get(struct otw_req *r)
{
	struct otw_setup s;
	struct otw_txn *txn;
	bool complete = false;
	cJSON *o;
	int rc;

	if ((rc = otw_store_txn_begin(r->c->st, false, &txn)) == 0) {
		rc = otw_setup_load(txn, &s, &complete);
		otw_store_txn_abort(txn);
	}
	if (rc != 0) {
		otw_reply_error(r, 500, otw_strerror(rc));
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "complete", complete);
	for (const struct otw_setup_field *f = otw_setup_fields; f->name; f++)
		cJSON_AddStringToObject(o, f->name, (const char *)&s + f->off);
	otw_reply_json(r, 200, o);
}

static void setup_post(struct otw_req *r)
{
	struct otw_setup s, old;
	struct otw_txn *txn = NULL;
	bool was_complete;
	const char *why;
	char detail[128];
	int rc;

	memset(&s, 0, sizeof(s));
	for (const struct otw_setup_field *f = otw_setup_fields; f->name; f++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->body, f->name);
		if (strcmp(f->name, "cert") == 0)
			continue; /* not set over the web */
		if (v == NULL)
			continue;
		if (!cJSON_IsString(v) || strlen(v->valuestring) >= f->cap) {
			char msg[96];
			snprintf(msg, sizeof(msg), "%s: a string of at most %zu bytes", f->name, f->cap - 1);
			otw_reply_error(r, 400, msg);
			return;
		}
		snprintf((char *)&s + f->off, f->cap, "%s", v->valuestring);
	}
	if ((rc = otw_store_txn_begin(r->c->st, true, &txn)) != 0 ||
	    (rc = otw_setup_load(txn, &old, &was_complete)) != 0) {
		if (rc != 0 && txn != NULL)
			otw_store_txn_abort(txn);
		otw_reply_error(r, 500, otw_strerror(rc));
		return;
	}
	snprintf(s.cert, sizeof(s.cert), "%s", old.cert[0] ? old.cert : "self-signed");
	if (s.timezone[0] == '\0')
		snprintf(s.timezone, sizeof(s.timezone), "UTC");
	if ((why = otw_setup_check(&s)) != NULL) {
		otw_store_txn_abort(txn);
		otw_reply_error(r, 400, why);
		return;
	}
	snprintf(detail, sizeof(detail), "mode=%s interfaces=%.60s%s", s.mode, s.interfaces,
		 was_complete ? " (changed)" : "");
	if ((rc = otw_setup_save(txn, &s)) == 0)
		rc = otw_audit_log(r, txn, NULL, "setup.complete", s.sensor_name, detail);
	if (!otw_txn_done(r, txn, rc, NULL))
		return;
	setup_get(r);
}

const struct otw_route otw_routes_setup[] = {
	{ "GET", "/api/v1/setup", OTW_ROLE_ADMIN, setup_get, "sensor setup and whether it is complete" },
	{ "POST", "/api/v1/setup", OTW_ROLE_ADMIN, setup_post, "store the setup (first-start wizard)" },
	{ NULL, NULL, 0, NULL, NULL },
};
