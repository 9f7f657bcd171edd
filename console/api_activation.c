/* /api/v1/activation: this sensor's identity and activation (GET), and
 * applying a signed activation file (POST, admin; activation.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activation.h"
#include "http.h"
#include "otw_err.h"
#include "setting.h"

static void add_setting(struct otw_txn *txn, cJSON *o, const char *key, const char *name)
{
	char b[OTW_ACT_STR * 2];
	size_t n;

	if (otw_store_setting_get(txn, name, b, sizeof(b), &n) == 0 && n < sizeof(b))
		cJSON_AddStringToObject(o, key, b);
}

static void activation_get(struct otw_req *r)
{
	struct otw_txn *txn;
	struct otw_act_doc d;
	char id[OTW_ACT_STR], name[OTW_ACT_STR] = "", err[256], *file, *pem;
	size_t fl = 0, n;
	cJSON *o;
	int rc;

	if ((rc = otw_store_txn_begin(r->c->st, false, &txn)) != 0) {
		otw_reply_error(r, 500, otw_strerror(rc));
		return;
	}
	file = calloc(1, 4097);
	pem = calloc(1, 1025);
	o = cJSON_CreateObject();
	if (otw_store_setting_get(txn, "sensor.id", id, sizeof(id), &n) == 0 && n < sizeof(id))
		cJSON_AddStringToObject(o, "sensor_id", id);
	else
		id[0] = '\0';
	if (otw_store_setting_get(txn, "sensor.name", name, sizeof(name), &n) == 0 && n < sizeof(name))
		cJSON_AddStringToObject(o, "sensor_name", name);
	cJSON_AddBoolToObject(o, "trusted_key",
			      pem && otw_store_setting_get(txn, "activation.pubkey", pem, 1024, &n) == 0 &&
				      n < 1024);
	if (file && pem && otw_store_setting_get(txn, "activation.file", file, 4096, &fl) == 0 &&
	    fl <= 4096) {
		/* re-checked on every read: an activation expires by itself */
		rc = otw_act_verify(file, fl, pem, id, name, (int64_t)(otw_now_ns() / 1000000000ull),
				    &d, err, sizeof(err));
		cJSON_AddBoolToObject(o, "activated", true);
		cJSON_AddBoolToObject(o, "valid_now", rc == 0);
		if (rc != 0)
			cJSON_AddStringToObject(o, "problem", err);
		add_setting(txn, o, "mode", "activation.mode");
		add_setting(txn, o, "site", "activation.site");
		add_setting(txn, o, "zone", "activation.zone");
		add_setting(txn, o, "not_before", "activation.not_before");
		add_setting(txn, o, "not_after", "activation.not_after");
	} else {
		cJSON_AddBoolToObject(o, "activated", false);
	}
	otw_store_txn_abort(txn);
	free(file);
	free(pem);
	otw_reply_json(r, 200, o);
}

static void activation_post(struct otw_req *r)
{
	char *file = cJSON_PrintUnformatted(r->body), err[256], detail[256];
	struct otw_act_doc d;
	struct otw_txn *txn;
	int rc;

	if (file == NULL || (rc = otw_store_txn_begin(r->c->st, true, &txn)) != 0) {
		cJSON_free(file);
		otw_reply_error(r, 500, "cannot begin");
		return;
	}
	rc = otw_act_apply(txn, file, strlen(file), (int64_t)(otw_now_ns() / 1000000000ull), &d,
			   err, sizeof(err));
	cJSON_free(file);
	if (rc != 0) {
		otw_store_txn_abort(txn);
		if (rc != OTW_ACT_MALFORMED && rc != OTW_ACT_STORE) {
			/* a well-formed file refused is worth a line in the trail */
			snprintf(detail, sizeof(detail), "refused=%s", otw_act_refusal_name(rc));
			(void)otw_audit_log(r, NULL, NULL, "activation.refused", d.sensor_name, detail);
		}
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "error", err);
		cJSON_AddStringToObject(o, "refusal", otw_act_refusal_name(rc));
		cJSON_AddNumberToObject(o, "status", rc == OTW_ACT_STORE ? 500 : rc == OTW_ACT_MALFORMED ? 400 : 422);
		otw_reply_json(r, rc == OTW_ACT_STORE ? 500 : rc == OTW_ACT_MALFORMED ? 400 : 422, o);
		return;
	}
	snprintf(detail, sizeof(detail), "mode=%s site=%s zone=%s key=%s", d.mode, d.site, d.zone,
		 d.key_id);
	rc = otw_audit_log(r, txn, NULL, "activation.apply", d.sensor_name, detail);
	if (!otw_txn_done(r, txn, rc, NULL))
		return;
	activation_get(r);
}

const struct otw_route otw_routes_activation[] = {
	{ "GET", "/api/v1/activation", OTW_ROLE_READONLY, activation_get, "this sensor's identity and activation" },
	{ "POST", "/api/v1/activation", OTW_ROLE_ADMIN, activation_post, "apply a signed activation file (refusals say why)" },
	{ NULL, NULL, 0, NULL, NULL },
};
