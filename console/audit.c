/* The audit trail of console changes: otw_audit_log() for the handlers,
 * and GET /api/v1/audit (admin) to read it, newest first. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "http.h"
#include "otw_err.h"

void otw_audit(const struct otw_req *r, const char *action, const char *object)
{
	fprintf(stderr, "otw-console level=notice event=audit user=%s action=%s object=\"%s\" remote=%s\n",
		r->has_sess ? r->sess.user : "-", action, object ? object : "",
		r->ri->remote_addr);
}

int otw_audit_log(const struct otw_req *r, struct otw_txn *txn, const char *who,
		  const char *action, const char *object, const char *detail)
{
	const char *user = who && who[0] ? who : r->has_sess ? r->sess.user : "-";
	char d[OTW_AUDIT_DETAIL_MAX];
	struct otw_txn *own = NULL;
	int rc;

	/* the remote address is part of every entry: who, from where */
	snprintf(d, sizeof(d), "remote=%s%s%s", r->ri->remote_addr,
		 detail && detail[0] ? " " : "", detail ? detail : "");
	fprintf(stderr, "otw-console level=notice event=audit user=%s action=%s object=\"%s\" %s\n",
		user, action, object ? object : "", d);
	if (txn == NULL) {
		if ((rc = otw_store_txn_begin(r->c->st, true, &own)) != 0)
			return rc;
		txn = own;
	}
	rc = otw_store_audit_log(txn, user, action, object ? object : "", d);
	if (own != NULL) {
		if (rc == 0)
			rc = otw_store_txn_commit(own);
		else
			otw_store_txn_abort(own);
	}
	return rc;
}

struct page {
	unsigned offset, limit, seen;
	char user[OTW_AUDIT_USER_MAX], action[OTW_AUDIT_ACTION_MAX];
	cJSON *items;
};

static int one(void *arg, const struct otw_store_audit *a)
{
	struct page *pg = arg;
	char b[40];
	time_t t = (time_t)(a->ts_ns / 1000000000ull);
	struct tm tm;
	cJSON *o;

	if ((pg->user[0] && strcmp(pg->user, a->user) != 0) ||
	    (pg->action[0] && strncmp(a->action, pg->action, strlen(pg->action)) != 0))
		return 0;
	if (pg->seen++ < pg->offset)
		return 0;
	if (pg->seen > pg->offset + pg->limit)
		return 1; /* one past the page: there is a next page */
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)a->id);
	strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	cJSON_AddStringToObject(o, "time", b);
	cJSON_AddStringToObject(o, "user", a->user);
	cJSON_AddStringToObject(o, "action", a->action);
	cJSON_AddStringToObject(o, "object", a->object);
	cJSON_AddStringToObject(o, "detail", a->detail);
	cJSON_AddItemToArray(pg->items, o);
	return 0;
}

/* ?offset=&limit= (<= 500), user= (exact), action= (prefix, e.g. "user.") */
static void audit_get(struct otw_req *r)
{
	struct page pg = { .items = cJSON_CreateArray() };
	struct otw_txn *txn;
	size_t total = 0;
	cJSON *o;
	int rc;

	pg.offset = otw_query_uint(r, "offset", 0, 0, UINT32_MAX);
	pg.limit = otw_query_uint(r, "limit", 100, 1, 500);
	if (!otw_query_str(r, "user", pg.user, sizeof(pg.user)) ||
	    !otw_query_str(r, "action", pg.action, sizeof(pg.action))) {
		cJSON_Delete(pg.items);
		otw_reply_error(r, 400, "user or action filter too long");
		return;
	}
	if ((rc = otw_store_txn_begin(r->c->st, false, &txn)) == 0) {
		rc = otw_store_audit_foreach(txn, one, &pg);
		if (rc == 1)
			rc = 0;
		if (rc == 0)
			rc = otw_store_count(txn, "audit", &total);
		otw_store_txn_abort(txn);
	}
	if (rc != 0) {
		cJSON_Delete(pg.items);
		otw_reply_error(r, 500, otw_strerror(rc));
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "total", (double)total);
	cJSON_AddNumberToObject(o, "offset", pg.offset);
	cJSON_AddNumberToObject(o, "limit", pg.limit);
	cJSON_AddBoolToObject(o, "more", pg.seen > pg.offset + pg.limit);
	cJSON_AddItemToObject(o, "items", pg.items);
	otw_reply_json(r, 200, o);
}

const struct otw_route otw_routes_audit[] = {
	{ "GET", "/api/v1/audit", OTW_ROLE_ADMIN, audit_get, "read the audit trail (newest first)" },
	{ NULL, NULL, 0, NULL, NULL },
};
