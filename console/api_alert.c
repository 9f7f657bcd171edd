/* /api/v1/alerts: list (newest first, by status and text), one alert, and
 * the operator's actions on it (close, mute, learn, reopen, comment). The
 * action is written to the store; otw-baseline takes it over (detstore.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "det.h"
#include "http.h"
#include "otw_app.h"
#include "otw_err.h"
#include "otw_pkt.h"

static void add_time(cJSON *o, const char *name, uint64_t ns)
{
	char b[32];
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;

	if (ns == 0 || gmtime_r(&t, &tm) == NULL)
		return;
	strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddStringToObject(o, name, b);
}

cJSON *otw_alert_json(const struct otw_store_alert *a)
{
	static const struct otw_ip zero;
	cJSON *o = cJSON_CreateObject();
	char b[64];

	cJSON_AddNumberToObject(o, "id", (double)a->id);
	cJSON_AddStringToObject(o, "engine", otw_engine_name(a->engine));
	cJSON_AddStringToObject(o, "severity", otw_severity_name(a->severity));
	cJSON_AddStringToObject(o, "status", otw_alert_status_name(a->status));
	cJSON_AddStringToObject(o, "title", a->title);
	if (memcmp(&a->src, &zero, sizeof(zero)) != 0)
		cJSON_AddStringToObject(o, "src_ip", otw_ip_str(&a->src, b, sizeof(b)));
	if (memcmp(&a->dst, &zero, sizeof(zero)) != 0)
		cJSON_AddStringToObject(o, "dst_ip", otw_ip_str(&a->dst, b, sizeof(b)));
	if (a->app)
		cJSON_AddStringToObject(o, "app", otw_app_name(a->app));
	cJSON_AddNumberToObject(o, "count", a->count);
	add_time(o, "first_seen", a->first_ns);
	add_time(o, "last_seen", a->last_ns);
	add_time(o, "status_changed", a->status_ns);
	cJSON_AddStringToObject(o, "description", a->desc);
	cJSON_AddStringToObject(o, "recommendation", a->advice);
	if (a->note[0])
		cJSON_AddStringToObject(o, "note", a->note);
	return o;
}

struct list {
	int status;              /* -1: any */
	char q[128];
	unsigned offset, limit, total;
	cJSON *items;
};

static int list_one(void *arg, const struct otw_store_alert *a)
{
	struct list *l = arg;
	char s[64], d[64];

	if (l->status >= 0 && a->status != l->status)
		return 0;
	if (l->q[0] && !strcasestr(a->title, l->q) && !strcasestr(a->desc, l->q) &&
	    !strcasestr(otw_ip_str(&a->src, s, sizeof(s)), l->q) &&
	    !strcasestr(otw_ip_str(&a->dst, d, sizeof(d)), l->q))
		return 0;
	if (l->total++ >= l->offset && l->total <= l->offset + l->limit)
		cJSON_AddItemToArray(l->items, otw_alert_json(a));
	return 0;
}

static void alerts_get(struct otw_req *r)
{
	struct list l = { .status = -1 };
	char st[16];
	struct otw_txn *txn;
	cJSON *o;
	int rc;

	if (!otw_query_str(r, "status", st, sizeof(st)) || !otw_query_str(r, "q", l.q, sizeof(l.q))) {
		otw_reply_error(r, 400, "status or q too long");
		return;
	}
	if (st[0] && strcmp(st, "any") != 0 && (l.status = otw_alert_status_parse(st)) < 0) {
		otw_reply_error(r, 400, "status is one of open, closed, muted, learned, any");
		return;
	}
	l.offset = otw_query_uint(r, "offset", 0, 0, UINT32_MAX);
	l.limit = otw_query_uint(r, "limit", 100, 1, 1000);
	l.items = cJSON_CreateArray();
	if ((rc = otw_store_txn_begin(r->c->st, false, &txn)) == 0) {
		rc = otw_store_alert_foreach(txn, true, list_one, &l);
		otw_store_txn_abort(txn);
	}
	if (rc != 0) {
		cJSON_Delete(l.items);
		otw_reply_error(r, 500, otw_strerror(rc));
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "total", l.total);
	cJSON_AddNumberToObject(o, "offset", l.offset);
	cJSON_AddNumberToObject(o, "limit", l.limit);
	cJSON_AddItemToObject(o, "items", l.items);
	otw_reply_json(r, 200, o);
}

static bool parse_id(const char *s, uint64_t *id)
{
	char *end;

	if (*s < '1' || *s > '9')
		return false;
	*id = strtoull(s, &end, 10);
	return *end == '\0';
}

/* The alert whose id is the text idtxt; replies 404/500 and returns false
 * when there is none. */
static bool alert_read(struct otw_req *r, const char *idtxt,
		       struct otw_store_alert *a)
{
	struct otw_txn *txn;
	uint64_t id;
	int rc;

	if (!parse_id(idtxt, &id)) {
		otw_reply_error(r, 404, "no such alert");
		return false;
	}
	if ((rc = otw_store_txn_begin(r->c->st, false, &txn)) == 0) {
		rc = otw_store_alert_get(txn, id, a);
		otw_store_txn_abort(txn);
	}
	if (rc != 0) {
		otw_reply_error(r, rc == OTW_ENOTFOUND ? 404 : 500,
				rc == OTW_ENOTFOUND ? "no such alert" : otw_strerror(rc));
		return false;
	}
	return true;
}

static void alert_get(struct otw_req *r)
{
	struct otw_store_alert a;

	if (alert_read(r, r->rest, &a))
		otw_reply_json(r, 200, otw_alert_json(&a));
}

static void alert_post(struct otw_req *r)
{
	static const struct { const char *name; int status; } acts[] = {
		{ "close", OTW_ALERT_CLOSED }, { "mute", OTW_ALERT_MUTED },
		{ "learn", OTW_ALERT_LEARNED }, { "reopen", OTW_ALERT_OPEN },
		{ "comment", -1 },
	};
	const cJSON *act = cJSON_GetObjectItemCaseSensitive(r->body, "action");
	const cJSON *note = cJSON_GetObjectItemCaseSensitive(r->body, "note");
	struct otw_store_alert a;
	struct otw_txn *txn;
	uint64_t id;
	int status = -2, rc;
	char what[64], act_name[32];

	if (!parse_id(r->rest, &id)) {
		otw_reply_error(r, 404, "no such alert");
		return;
	}
	for (unsigned i = 0; cJSON_IsString(act) && i < sizeof(acts) / sizeof(acts[0]); i++)
		if (strcmp(act->valuestring, acts[i].name) == 0)
			status = acts[i].status;
	if (status == -2) {
		otw_reply_error(r, 400, "action is one of close, mute, learn, reopen, comment");
		return;
	}
	if (note != NULL && (!cJSON_IsString(note) || strlen(note->valuestring) >= sizeof(a.note))) {
		otw_reply_error(r, 400, "note must be a string under 320 bytes");
		return;
	}
	if (status == -1 && note == NULL) {
		otw_reply_error(r, 400, "comment needs a note");
		return;
	}
	if ((rc = otw_store_txn_begin(r->c->st, true, &txn)) != 0) {
		otw_reply_error(r, 500, otw_strerror(rc));
		return;
	}
	if ((rc = otw_store_alert_get(txn, id, &a)) != 0) {
		otw_store_txn_abort(txn);
		otw_reply_error(r, rc == OTW_ENOTFOUND ? 404 : 500,
				rc == OTW_ENOTFOUND ? "no such alert" : otw_strerror(rc));
		return;
	}
	if (status >= 0) {
		a.status = (uint8_t)status;
		a.status_ns = otw_now_ns();
	}
	if (note != NULL)
		snprintf(a.note, sizeof(a.note), "%s", note->valuestring);
	snprintf(what, sizeof(what), "alert:%llu", (unsigned long long)id);
	snprintf(act_name, sizeof(act_name), "alert.%s", act->valuestring);
	/* the audit entry commits with the action or not at all */
	if ((rc = otw_store_alert_put(txn, &a)) != 0 ||
	    (rc = otw_audit_log(r, txn, NULL, act_name, what,
				note != NULL ? note->valuestring : NULL)) != 0) {
		otw_store_txn_abort(txn);
		otw_reply_error(r, 500, otw_strerror(rc));
		return;
	}
	if ((rc = otw_store_txn_commit(txn)) != 0) {
		otw_reply_error(r, 500, otw_strerror(rc));
		return;
	}
	otw_reply_json(r, 200, otw_alert_json(&a));
}

/* GET /api/v1/alerts/{id}/pcap: the packets behind the alert, written by
 * otw-baseline when it raised it (docs/detection.md, Evidence). */
static void alert_pcap(struct otw_req *r)
{
	char path[4200], hdr[128], idtxt[24];
	const char *slash = strchr(r->rest, '/');
	size_t len = slash ? (size_t)(slash - r->rest) : 0;
	struct otw_store_alert a;
	char *buf = NULL;
	FILE *f;
	long n;

	if (slash == NULL || strcmp(slash, "/pcap") != 0) {
		otw_reply_error(r, 404, "no such endpoint");
		return;
	}
	if (len >= sizeof(idtxt))
		len = 0; /* too long for an id: parse_id refuses "" */
	memcpy(idtxt, r->rest, len);
	idtxt[len] = '\0';
	if (!alert_read(r, idtxt, &a))
		return;
	snprintf(path, sizeof(path), "%s/%llu.pcap", r->c->evidence,
		 (unsigned long long)a.id);
	if ((f = fopen(path, "rb")) == NULL) {
		otw_reply_error(r, 404, "no packets were kept for this alert");
		return;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > (16 << 20) ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		otw_reply_error(r, 500, "cannot read the evidence file");
		return;
	}
	fclose(f);
	snprintf(hdr, sizeof(hdr),
		 "Content-Disposition: attachment; filename=\"otwatch-alert-%llu.pcap\"\r\n",
		 (unsigned long long)a.id);
	otw_reply_raw(r->conn, 200, "application/vnd.tcpdump.pcap", hdr, buf, (size_t)n);
	free(buf);
}

const struct otw_route otw_routes_alert[] = {
	{ "GET", "/api/v1/alerts/{id}/pcap", OTW_ROLE_READONLY, alert_pcap,
	  "the alert's evidence packets (pcap)" },
	{ "GET", "/api/v1/alerts", OTW_ROLE_READONLY, alerts_get, "list alerts" },
	{ "GET", "/api/v1/alerts/", OTW_ROLE_READONLY, alert_get, "one alert" },
	{ "POST", "/api/v1/alerts/", OTW_ROLE_ANALYST, alert_post, "close, mute, learn, reopen, comment" },
	{ NULL, NULL, 0, NULL, NULL },
};
