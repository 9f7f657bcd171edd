#include "ws.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "alert.h"
#include "det.h"
#include "http.h"
#include "otw_pkt.h"
#include "token.h"

#define WS_MAX 64

struct client {
	struct mg_connection *conn;   /* NULL until ready */
	char sid[OTW_SESS_ID_HEX + 1]; /* "" for a token */
};

struct otw_ws {
	struct otw_console *c;
	pthread_mutex_t mu;           /* clients[], and writes to them */
	pthread_cond_t cv;
	struct client *clients[WS_MAX];
	pthread_t thr;
	bool stop;
	uint64_t last_alert;
};

/* same origin only: a page elsewhere must not ride the cookie */
static bool origin_ok(const struct mg_connection *conn)
{
	const char *o = mg_get_header(conn, "Origin"), *h = mg_get_header(conn, "Host");

	if (o == NULL)
		return true; /* not a browser */
	return h != NULL && strncmp(o, "https://", 8) == 0 && strcasecmp(o + 8, h) == 0;
}

static int on_connect(const struct mg_connection *conn, void *cb)
{
	struct otw_ws *ws = cb;
	const char *authz = mg_get_header(conn, "Authorization");
	const char *cookie = mg_get_header(conn, "Cookie");
	struct client *cl;
	struct otw_sess s;
	int slot = -1;

	if (!origin_ok(conn) || (cl = calloc(1, sizeof(*cl))) == NULL)
		return 1;
	if (authz != NULL) {
		struct otw_token t;
		struct otw_txn *txn;
		int rc = strncasecmp(authz, "Bearer ", 7) != 0 ? -1
			 : otw_store_txn_begin(ws->c->st, false, &txn);
		if (rc == 0) {
			rc = otw_token_find(txn, authz + 7, &t);
			otw_store_txn_abort(txn);
		}
		if (rc != 0)
			goto refuse;
	} else if (cookie == NULL ||
		   mg_get_cookie(cookie, "otw_sid", cl->sid, sizeof(cl->sid)) != OTW_SESS_ID_HEX ||
		   !otw_sess_get(ws->c->sess, cl->sid, otw_now_ns(), &s)) {
		goto refuse;
	}
	pthread_mutex_lock(&ws->mu);
	for (int i = 0; i < WS_MAX && slot < 0; i++)
		if (ws->clients[i] == NULL)
			slot = i;
	if (slot >= 0)
		ws->clients[slot] = cl;
	pthread_mutex_unlock(&ws->mu);
	if (slot < 0)
		goto refuse;
	mg_set_user_connection_data(conn, cl);
	return 0;
refuse:
	free(cl);
	return 1;
}

static void on_ready(struct mg_connection *conn, void *cb)
{
	struct otw_ws *ws = cb;
	struct client *cl = mg_get_user_connection_data(conn);

	pthread_mutex_lock(&ws->mu);
	cl->conn = conn;
	pthread_cond_signal(&ws->cv); /* a tick now, not in a second */
	pthread_mutex_unlock(&ws->mu);
}

static int on_data(struct mg_connection *conn, int bits, char *data, size_t len, void *cb)
{
	(void)conn, (void)data, (void)len, (void)cb;
	return (bits & 0xf) != MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE; /* 0: close */
}

static void on_close(const struct mg_connection *conn, void *cb)
{
	struct otw_ws *ws = cb;
	struct client *cl = mg_get_user_connection_data(conn);

	pthread_mutex_lock(&ws->mu);
	for (int i = 0; i < WS_MAX; i++)
		if (ws->clients[i] == cl && cl != NULL)
			ws->clients[i] = NULL;
	pthread_mutex_unlock(&ws->mu);
	free(cl);
}

struct news {
	uint64_t after;
	unsigned n;
	cJSON *items;
};

static int alert_one(void *arg, const struct otw_store_alert *a)
{
	struct news *nw = arg;

	if (a->id <= nw->after || nw->n >= 50)
		return 1; /* newest first: older ones follow */
	nw->n++;
	cJSON_AddItemToArray(nw->items, otw_alert_json(a));
	return 0;
}

/* what to push this second: the tick, and the new alerts if any */
static void build(struct otw_ws *ws, char **tick, char **alerts)
{
	static const char *const tables[] = { "device", "conn", "op", "alert" };
	static const char *const counters[] = { "events", "batches", "msgs_lost", "bad" };
	struct otw_txn *txn;
	uint64_t last = 0, v;
	cJSON *o, *rec, *ct;

	*tick = *alerts = NULL;
	if (otw_store_txn_begin(ws->c->st, false, &txn) != 0)
		return;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "tick");
	rec = cJSON_AddObjectToObject(o, "records");
	ct = cJSON_AddObjectToObject(o, "counters");
	for (unsigned i = 0; i < 4; i++) {
		size_t n;
		if (otw_store_count(txn, tables[i], &n) == 0)
			cJSON_AddNumberToObject(rec, tables[i], (double)n);
	}
	for (unsigned i = 0; i < 4; i++)
		if (otw_store_counter_get(txn, counters[i], &v) == 0)
			cJSON_AddNumberToObject(ct, counters[i], (double)v);
	(void)otw_store_alert_last_id(txn, &last);
	cJSON_AddNumberToObject(o, "last_alert", (double)last);
	*tick = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (last > ws->last_alert) {
		struct news nw = { .after = ws->last_alert, .items = cJSON_CreateArray() };
		(void)otw_store_alert_foreach(txn, true, alert_one, &nw);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "alerts");
		cJSON_AddItemToObject(o, "items", nw.items);
		if (ws->last_alert != 0) /* the first look only sets the mark */
			*alerts = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		ws->last_alert = last;
	}
	otw_store_txn_abort(txn);
}

static void *pusher(void *arg)
{
	struct otw_ws *ws = arg;
	char *tick, *alerts;

	build(ws, &tick, &alerts); /* mark the alerts already stored */
	cJSON_free(tick);
	cJSON_free(alerts);
	pthread_mutex_lock(&ws->mu);
	while (!ws->stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&ws->cv, &ws->mu, &until);
		if (ws->stop)
			break;
		pthread_mutex_unlock(&ws->mu);
		build(ws, &tick, &alerts);
		pthread_mutex_lock(&ws->mu);
		for (int i = 0; i < WS_MAX; i++) {
			struct client *cl = ws->clients[i];
			if (cl == NULL || cl->conn == NULL)
				continue;
			if (cl->sid[0] && !otw_sess_live(ws->c->sess, cl->sid, otw_now_ns())) {
				/* signed out or expired: end the push */
				mg_websocket_write(cl->conn, MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE, "", 0);
				cl->conn = NULL;
				continue;
			}
			if (tick)
				mg_websocket_write(cl->conn, MG_WEBSOCKET_OPCODE_TEXT, tick, strlen(tick));
			if (alerts)
				mg_websocket_write(cl->conn, MG_WEBSOCKET_OPCODE_TEXT, alerts, strlen(alerts));
		}
		cJSON_free(tick);
		cJSON_free(alerts);
	}
	pthread_mutex_unlock(&ws->mu);
	return NULL;
}

int otw_ws_start(struct otw_console *c, struct otw_ws **out)
{
	struct otw_ws *ws = calloc(1, sizeof(*ws));
	int rc;

	if (ws == NULL)
		return -ENOMEM;
	ws->c = c;
	pthread_mutex_init(&ws->mu, NULL);
	pthread_cond_init(&ws->cv, NULL);
	if ((rc = pthread_create(&ws->thr, NULL, pusher, ws)) != 0) {
		pthread_cond_destroy(&ws->cv);
		pthread_mutex_destroy(&ws->mu);
		free(ws);
		return -rc;
	}
	mg_set_websocket_handler(c->ctx, "/api/v1/ws", on_connect, on_ready, on_data, on_close, ws);
	*out = ws;
	return 0;
}

void otw_ws_stop(struct otw_ws *ws)
{
	if (ws == NULL)
		return;
	pthread_mutex_lock(&ws->mu);
	ws->stop = true;
	pthread_cond_signal(&ws->cv);
	pthread_mutex_unlock(&ws->mu);
	pthread_join(ws->thr, NULL);
	/* clients[] are freed by on_close when mg_stop closes them; ws must
	 * outlive that, so it is freed by the caller after mg_stop */
}

void otw_ws_free(struct otw_ws *ws)
{
	if (ws == NULL)
		return;
	pthread_cond_destroy(&ws->cv);
	pthread_mutex_destroy(&ws->mu);
	free(ws);
}
