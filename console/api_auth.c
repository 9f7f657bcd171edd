/* /api/v1/session (sign in/out, lockout) and /api/v1/users (admin). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "http.h"
#include "otw_err.h"
#include "token.h"

static const char *str_field(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static cJSON *sess_json(const struct otw_sess *s)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "username", s->user);
	cJSON_AddStringToObject(o, "role", otw_role_name(s->role));
	cJSON_AddStringToObject(o, "csrf_token", s->csrf);
	return o;
}

/* Sign in. Wrong name and wrong password look the same from outside; the
 * account locks after lock_failures misses in a row. */
static void session_post(struct otw_req *r)
{
	const char *name = str_field(r->body, "username");
	const char *pw = str_field(r->body, "password");
	struct otw_store_user u;
	struct otw_txn *txn;
	struct otw_sess s;
	uint64_t now = otw_now_ns();
	bool ok;
	int rc;

	if (name == NULL || pw == NULL || !otw_name_ok(name, OTW_USER_NAME_MAX) || strlen(pw) > OTW_PW_MAX) {
		otw_reply_error(r, 400, "send {\"username\":..., \"password\":...}");
		return;
	}
	if ((rc = otw_store_txn_begin(r->c->st, true, &txn)) != 0) {
		otw_reply_error(r, 500, otw_strerror(rc));
		return;
	}
	if ((rc = otw_store_user_get(txn, name, &u)) != 0) {
		/* as slow as a real check: no user-name probing by timing */
		struct otw_store_user dummy = { .iterations = OTW_PW_ITERATIONS };
		(void)otw_pw_check(&dummy, pw);
		rc = otw_audit_log(r, txn, name, "session.fail", name, "reason=unknown-user");
		if (rc == 0)
			(void)otw_store_txn_commit(txn);
		else
			otw_store_txn_abort(txn);
		otw_reply_error(r, 401, "wrong user name or password");
		return;
	}
	if (u.locked_until_ns > now) {
		if (otw_audit_log(r, txn, name, "session.locked", name, "reason=account-locked") == 0)
			(void)otw_store_txn_commit(txn);
		else
			otw_store_txn_abort(txn);
		otw_reply_error(r, 423, "account locked after repeated failures; try later");
		return;
	}
	ok = otw_pw_check(&u, pw);
	if (ok) {
		u.failed = 0;
		u.last_login_ns = now;
		rc = otw_audit_log(r, txn, name, "session.sign_in", name, NULL);
	} else if (++u.failed >= r->c->lock_failures) {
		u.failed = 0;
		u.locked_until_ns = now + r->c->lock_ns;
		rc = otw_audit_log(r, txn, name, "session.lockout", name, "reason=repeated-failures");
	} else {
		rc = otw_audit_log(r, txn, name, "session.fail", name, "reason=wrong-password");
	}
	if (rc != 0 || (rc = otw_store_user_put(txn, &u)) != 0) {
		otw_store_txn_abort(txn);
		otw_reply_error(r, 500, otw_strerror(rc));
		return;
	}
	if ((rc = otw_store_txn_commit(txn)) != 0) {
		otw_reply_error(r, 500, otw_strerror(rc));
		return;
	}
	if (!ok) {
		otw_reply_error(r, 401, "wrong user name or password");
		return;
	}
	if (otw_sess_new(r->c->sess, u.name, u.role, now, &s) != 0) {
		otw_reply_error(r, 500, "cannot create a session");
		return;
	}
	r->sess = s;
	r->has_sess = true;
	{
		char hdr[256], *txt;
		cJSON *o = sess_json(&s);
		snprintf(hdr, sizeof(hdr),
			 "Set-Cookie: otw_sid=%s; Path=/; Secure; HttpOnly; SameSite=Strict\r\n",
			 s.id);
		txt = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		otw_reply_raw(r->conn, 200, "application/json", hdr, txt ? txt : "{}",
			      txt ? strlen(txt) : 2);
		cJSON_free(txt);
	}
}

static void session_get(struct otw_req *r)
{
	otw_reply_json(r, 200, sess_json(&r->sess));
}

static void session_delete(struct otw_req *r)
{
	otw_sess_drop(r->c->sess, r->sess.id);
	(void)otw_audit_log(r, NULL, NULL, "session.sign_out", r->sess.user, NULL);
	otw_reply_raw(r->conn, 204, "application/json",
		      "Set-Cookie: otw_sid=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0\r\n",
		      "", 0);
}

static int user_one(void *arg, const struct otw_store_user *u)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "username", u->name);
	cJSON_AddStringToObject(o, "role", otw_role_name(u->role) ? otw_role_name(u->role) : "?");
	if (u->last_login_ns != 0) {
		char b[32];
		time_t t = (time_t)(u->last_login_ns / 1000000000ull);
		struct tm tm;
		strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
		cJSON_AddStringToObject(o, "last_login", b);
	}
	cJSON_AddBoolToObject(o, "locked", u->locked_until_ns > otw_now_ns());
	cJSON_AddItemToArray(arg, o);
	return 0;
}

static int users_walk(struct otw_txn *txn, cJSON *arr)
{
	return otw_store_user_foreach(txn, user_one, arr);
}

static void users_get(struct otw_req *r)
{
	otw_reply_items(r, users_walk);
}

static void users_post(struct otw_req *r)
{
	const char *name = str_field(r->body, "username");
	const char *role = str_field(r->body, "role");
	const char *pw = str_field(r->body, "password");
	const char *why;
	struct otw_store_user u = { 0 };
	struct otw_txn *txn;
	int rc;

	if (name == NULL || role == NULL || pw == NULL) {
		otw_reply_error(r, 400, "send {\"username\",\"role\",\"password\"}");
		return;
	}
	if (!otw_name_ok(name, OTW_USER_NAME_MAX)) {
		otw_reply_error(r, 400, "user names are 1-63 of A-Z a-z 0-9 . - _ @");
		return;
	}
	if ((u.role = (uint8_t)otw_role_parse(role)) == 0) {
		otw_reply_error(r, 400, "role must be admin, analyst or readonly");
		return;
	}
	if ((why = otw_pw_policy(pw)) != NULL) {
		otw_reply_error(r, 400, why);
		return;
	}
	snprintf(u.name, sizeof(u.name), "%s", name);
	u.created_ns = u.pw_changed_ns = otw_now_ns();
	if ((rc = otw_pw_set(&u, pw)) != 0 ||
	    (rc = otw_store_txn_begin(r->c->st, true, &txn)) != 0) {
		otw_reply_error(r, 500, otw_strerror(rc));
		return;
	}
	{
		struct otw_store_user old;
		if (otw_store_user_get(txn, name, &old) == 0) {
			otw_store_txn_abort(txn);
			otw_reply_error(r, 409, "that user exists");
			return;
		}
	}
	{
		char detail[32];
		snprintf(detail, sizeof(detail), "role=%s", otw_role_name(u.role));
		if ((rc = otw_store_user_put(txn, &u)) == 0)
			rc = otw_audit_log(r, txn, NULL, "user.add", name, detail);
		if (!otw_txn_done(r, txn, rc, NULL))
			return;
	}
	{
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "username", u.name);
		cJSON_AddStringToObject(o, "role", otw_role_name(u.role));
		otw_reply_json(r, 201, o);
	}
}

static void users_delete(struct otw_req *r)
{
	struct otw_txn *txn;
	int rc;

	if (strcmp(r->rest, r->sess.user) == 0) {
		otw_reply_error(r, 409, "you cannot delete yourself");
		return;
	}
	if ((rc = otw_store_txn_begin(r->c->st, true, &txn)) != 0) {
		otw_reply_error(r, 500, otw_strerror(rc));
		return;
	}
	if ((rc = otw_store_user_del(txn, r->rest)) == 0)
		rc = otw_audit_log(r, txn, NULL, "user.delete", r->rest, NULL);
	if (!otw_txn_done(r, txn, rc, "no such user"))
		return;
	otw_sess_drop_user(r->c->sess, r->rest);
	otw_reply_json(r, 204, NULL);
}

/* {"role": ...}: change a user's role; their sessions end. */
static void users_patch(struct otw_req *r)
{
	const char *role = str_field(r->body, "role");
	struct otw_store_user u;
	struct otw_txn *txn;
	char detail[64];
	unsigned nr;
	int rc;

	if (role == NULL || (nr = otw_role_parse(role)) == 0) {
		otw_reply_error(r, 400, "send {\"role\": \"admin|analyst|readonly\"}");
		return;
	}
	if (strcmp(r->rest, r->sess.user) == 0) {
		otw_reply_error(r, 409, "you cannot change your own role");
		return;
	}
	if ((rc = otw_store_txn_begin(r->c->st, true, &txn)) != 0) {
		otw_reply_error(r, 500, otw_strerror(rc));
		return;
	}
	if ((rc = otw_store_user_get(txn, r->rest, &u)) == 0) {
		snprintf(detail, sizeof(detail), "role=%s->%s", otw_role_name(u.role),
			 otw_role_name(nr));
		u.role = (uint8_t)nr;
		if ((rc = otw_store_user_put(txn, &u)) == 0)
			rc = otw_audit_log(r, txn, NULL, "user.role", r->rest, detail);
	}
	if (!otw_txn_done(r, txn, rc, "no such user"))
		return;
	otw_sess_drop_user(r->c->sess, r->rest);
	{
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "username", u.name);
		cJSON_AddStringToObject(o, "role", otw_role_name(u.role));
		otw_reply_json(r, 200, o);
	}
}

const struct otw_route otw_routes_auth[] = {
	{ "POST", "/api/v1/session", 0, session_post, "sign in (sets the session cookie, returns the CSRF token)" },
	{ "GET", "/api/v1/session", OTW_ROLE_READONLY, session_get, "who am I" },
	{ "DELETE", "/api/v1/session", OTW_ROLE_READONLY, session_delete, "sign out" },
	{ "GET", "/api/v1/users", OTW_ROLE_ADMIN, users_get, "list users" },
	{ "POST", "/api/v1/users", OTW_ROLE_ADMIN, users_post, "add a user" },
	{ "PATCH", "/api/v1/users/{name}", OTW_ROLE_ADMIN, users_patch, "change a user's role" },
	{ "DELETE", "/api/v1/users/{name}", OTW_ROLE_ADMIN, users_delete, "delete a user" },
	{ NULL, NULL, 0, NULL, NULL },
};
