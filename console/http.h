/* Shared by the console's request handlers: the request context, JSON
 * replies, and the route table entry type. */
#ifndef OTW_HTTP_H
#define OTW_HTTP_H

#include <cjson/cJSON.h>
#include <civetweb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sess.h"
#include "store.h"

#define OTW_BODY_MAX (64 * 1024)

struct otw_console {
	struct mg_context *ctx;
	struct otw_store *st;
	struct otw_sesstab *sess;
	struct otw_ws *ws;          /* /api/v1/ws pushes (ws.h) */
	char www[4096];
	char pem[4096];
	char evidence[4096];        /* <store>/evidence: alert pcaps */
	unsigned lock_failures;     /* failed sign-ins before a lockout */
	uint64_t lock_ns;           /* lockout length */
};

/* One request, once routed and authenticated. */
struct otw_req {
	struct mg_connection *conn;
	const struct mg_request_info *ri;
	struct otw_console *c;
	struct otw_sess sess;       /* valid when has_sess */
	bool has_sess;
	bool via_token;             /* sess came from an API token (no CSRF) */
	const char *rest;           /* path after the route's prefix */
	cJSON *body;                /* parsed JSON body of POST/PUT/PATCH */
};

typedef void (*otw_handler)(struct otw_req *r);

/* An alert as the API shows it (console/api_alert.c); the caller owns it. */
struct otw_store_alert;
cJSON *otw_alert_json(const struct otw_store_alert *a);

struct otw_route {
	const char *method;
	const char *path;   /* exact; or a prefix when it ends with '/' or with
			       a "{name}" segment (the name is for the
			       OpenAPI document; "/x/" reads as "/x/{id}") */
	uint8_t role;       /* minimum role; 0 = no session needed */
	otw_handler fn;
	const char *what;   /* one line for the docs/role matrix */
};

/* Replies. json_reply takes ownership of body (may be NULL for 204). */
void otw_reply_json(struct otw_req *r, int status, cJSON *body);
void otw_reply_error(struct otw_req *r, int status, const char *msg);
void otw_reply_raw(struct mg_connection *conn, int status, const char *ctype,
		   const char *extra_headers, const char *body, size_t len);

/* Query parameter name as an unsigned in [min, max], else def. */
unsigned otw_query_uint(const struct otw_req *r, const char *name,
			unsigned def, unsigned min, unsigned max);
/* Query parameter name into buf ("" when absent); false when too long. */
bool otw_query_str(const struct otw_req *r, const char *name, char *buf,
		   size_t len);

/* End a write txn: with rc != 0 abort it and reply (404 notfound when rc
 * is OTW_ENOTFOUND and notfound is given, else 500); else commit (500 on
 * failure). true when committed: the caller then sends its reply. */
bool otw_txn_done(struct otw_req *r, struct otw_txn *txn, int rc,
		  const char *notfound);
/* Reply {"items": [...]} filled by fn in a read txn (500 on error). */
void otw_reply_items(struct otw_req *r, int (*fn)(struct otw_txn *, cJSON *));

uint64_t otw_now_ns(void);
/* Audit line for a change (stderr, key=value) only; api_alert.c's own. */
void otw_audit(const struct otw_req *r, const char *action, const char *object);
/* Audit entry in the store (and the stderr line) for a change by the
 * request's user, or by `who` when given (sign-in attempts name theirs).
 * With txn the entry commits with the change; NULL: a txn of its own.
 * Returns 0 or a store error. */
int otw_audit_log(const struct otw_req *r, struct otw_txn *txn, const char *who,
		  const char *action, const char *object, const char *detail);

/* Route tables of each API module (NULL-terminated by fn == NULL). */
extern const struct otw_route otw_routes_auth[];
extern const struct otw_route otw_routes_inv[];
extern const struct otw_route otw_routes_alert[];
extern const struct otw_route otw_routes_token[];
extern const struct otw_route otw_routes_audit[];
extern const struct otw_route otw_routes_openapi[];
extern const struct otw_route otw_routes_activation[];
extern const struct otw_route otw_routes_setup[];
extern const struct otw_route otw_routes_map[];

/* Every route table the dispatcher serves, NULL-terminated (server.c). */
extern const struct otw_route *const otw_route_tables[];

#endif
