/* /api/v1/tokens (admin): named API tokens for automation. The secret is
 * in the reply to POST only; the store keeps its hash (token.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "otw_err.h"
#include "token.h"
#include "user.h"

static int token_one(void *arg, const struct otw_token *t)
{
	cJSON *o = cJSON_CreateObject();
	char b[32];
	time_t s = (time_t)(t->created_ns / 1000000000ull);
	struct tm tm;

	cJSON_AddStringToObject(o, "name", t->name);
	cJSON_AddStringToObject(o, "role", otw_role_name(t->role));
	cJSON_AddStringToObject(o, "created_by", t->by);
	strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&s, &tm));
	cJSON_AddStringToObject(o, "created", b);
	cJSON_AddItemToArray(arg, o);
	return 0;
}

static int tokens_walk(struct otw_txn *txn, cJSON *arr)
{
	return otw_token_foreach(txn, token_one, arr);
}

static void tokens_get(struct otw_req *r)
{
	otw_reply_items(r, tokens_walk);
}

static void tokens_post(struct otw_req *r)
{
	const cJSON *jn = cJSON_GetObjectItemCaseSensitive(r->body, "name");
	const cJSON *jr = cJSON_GetObjectItemCaseSensitive(r->body, "role");
	char secret[OTW_TOKEN_LEN + 1], by[OTW_TOKEN_BY_MAX], detail[64];
	struct otw_txn *txn;
	unsigned role;
	cJSON *o;
	int rc;

	if (!cJSON_IsString(jn) || !cJSON_IsString(jr)) {
		otw_reply_error(r, 400, "send {\"name\",\"role\"}");
		return;
	}
	if (!otw_name_ok(jn->valuestring, OTW_TOKEN_NAME_MAX)) {
		otw_reply_error(r, 400, "token names are 1-40 of A-Z a-z 0-9 . - _ @");
		return;
	}
	if ((role = otw_role_parse(jr->valuestring)) == 0) {
		otw_reply_error(r, 400, "role must be admin, analyst or readonly");
		return;
	}
	snprintf(by, sizeof(by), "%s", r->sess.user);
	snprintf(detail, sizeof(detail), "role=%s", otw_role_name(role));
	if ((rc = otw_store_txn_begin(r->c->st, true, &txn)) != 0) {
		otw_reply_error(r, 500, otw_strerror(rc));
		return;
	}
	if ((rc = otw_token_add(txn, jn->valuestring, (uint8_t)role, by, secret)) == -EEXIST) {
		otw_store_txn_abort(txn);
		otw_reply_error(r, 409, "a token of that name exists");
		return;
	}
	if (rc == 0)
		rc = otw_audit_log(r, txn, NULL, "token.add", jn->valuestring, detail);
	if (!otw_txn_done(r, txn, rc, NULL))
		return;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", jn->valuestring);
	cJSON_AddStringToObject(o, "role", otw_role_name(role));
	cJSON_AddStringToObject(o, "token", secret); /* shown once */
	memset(secret, 0, sizeof(secret));
	otw_reply_json(r, 201, o);
}

static void tokens_delete(struct otw_req *r)
{
	struct otw_txn *txn;
	int rc;

	if ((rc = otw_store_txn_begin(r->c->st, true, &txn)) != 0) {
		otw_reply_error(r, 500, otw_strerror(rc));
		return;
	}
	if ((rc = otw_token_del(txn, r->rest)) == 0)
		rc = otw_audit_log(r, txn, NULL, "token.delete", r->rest, NULL);
	if (!otw_txn_done(r, txn, rc, "no such token"))
		return;
	otw_reply_json(r, 204, NULL);
}

const struct otw_route otw_routes_token[] = {
	{ "GET", "/api/v1/tokens", OTW_ROLE_ADMIN, tokens_get, "list API tokens (never their secrets)" },
	{ "POST", "/api/v1/tokens", OTW_ROLE_ADMIN, tokens_post, "make an API token; the secret is in this reply only" },
	{ "DELETE", "/api/v1/tokens/{name}", OTW_ROLE_ADMIN, tokens_delete, "revoke an API token" },
	{ NULL, NULL, 0, NULL, NULL },
};
