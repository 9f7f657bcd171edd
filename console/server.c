/* civetweb setup, TLS, the /api/v1 dispatcher (routing, sessions, roles,
 * CSRF, body limits) and static UI files. */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cert.h"
#include "console.h"
#include "http.h"
#include "otw_err.h"
#include "otw_time.h"
#include "token.h"
#include "ws.h"

#ifndef OTW_WWW_DIR
#define OTW_WWW_DIR "/usr/local/share/otwatch/www"
#endif

#define SEC_HEADERS                                                        \
	"Strict-Transport-Security: max-age=31536000\r\n"                   \
	"X-Content-Type-Options: nosniff\r\n"                               \
	"X-Frame-Options: DENY\r\n"                                          \
	"Referrer-Policy: no-referrer\r\n"                                   \
	"Content-Security-Policy: default-src 'self'; img-src 'self' data:; " \
	"frame-ancestors 'none'\r\n"

uint64_t otw_now_ns(void)
{
	return otw_clock_ns(CLOCK_REALTIME);
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 423: return "Locked";
	case 500: return "Internal Server Error";
	default: return "Status";
	}
}

void otw_reply_raw(struct mg_connection *conn, int status, const char *ctype,
		   const char *extra, const char *body, size_t len)
{
	mg_printf(conn,
		  "HTTP/1.1 %d %s\r\n" SEC_HEADERS "Cache-Control: no-store\r\n"
		  "Content-Type: %s\r\nContent-Length: %zu\r\n%s\r\n",
		  status, reason(status), ctype, len, extra ? extra : "");
	if (len > 0)
		mg_write(conn, body, len);
}

void otw_reply_json(struct otw_req *r, int status, cJSON *body)
{
	char *txt = body ? cJSON_PrintUnformatted(body) : NULL;

	if (body != NULL && txt == NULL) {
		cJSON_Delete(body);
		otw_reply_raw(r->conn, 500, "application/json", NULL,
			      "{\"error\":\"out of memory\"}", 25);
		return;
	}
	otw_reply_raw(r->conn, status, "application/json", NULL, txt ? txt : "",
		      txt ? strlen(txt) : 0);
	free(txt);
	cJSON_Delete(body);
}

void otw_reply_error(struct otw_req *r, int status, const char *msg)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "error", msg);
	cJSON_AddNumberToObject(o, "status", status);
	otw_reply_json(r, status, o);
}

bool otw_txn_done(struct otw_req *r, struct otw_txn *txn, int rc,
		  const char *notfound)
{
	if (rc != 0) {
		otw_store_txn_abort(txn);
		if (rc == OTW_ENOTFOUND && notfound != NULL)
			otw_reply_error(r, 404, notfound);
		else
			otw_reply_error(r, 500, otw_strerror(rc));
		return false;
	}
	if ((rc = otw_store_txn_commit(txn)) != 0) {
		otw_reply_error(r, 500, otw_strerror(rc));
		return false;
	}
	return true;
}

void otw_reply_items(struct otw_req *r, int (*fn)(struct otw_txn *, cJSON *))
{
	cJSON *arr = cJSON_CreateArray(), *o;
	struct otw_txn *txn;
	int rc;

	if ((rc = otw_store_txn_begin(r->c->st, false, &txn)) == 0) {
		rc = fn(txn, arr);
		otw_store_txn_abort(txn);
	}
	if (rc != 0) {
		cJSON_Delete(arr);
		otw_reply_error(r, 500, otw_strerror(rc));
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "items", arr);
	otw_reply_json(r, 200, o);
}

bool otw_query_str(const struct otw_req *r, const char *name, char *buf,
		   size_t len)
{
	const char *q = r->ri->query_string;
	int n;

	buf[0] = '\0';
	if (q == NULL)
		return true;
	n = mg_get_var(q, strlen(q), name, buf, len);
	if (n == -2)
		return false; /* too long */
	if (n < 0)
		buf[0] = '\0';
	return true;
}

unsigned otw_query_uint(const struct otw_req *r, const char *name,
			unsigned def, unsigned min, unsigned max)
{
	char b[24], *end;
	unsigned long v;

	if (!otw_query_str(r, name, b, sizeof(b)) || b[0] == '\0')
		return def;
	errno = 0;
	v = strtoul(b, &end, 10);
	if (errno != 0 || *end != '\0' || b[0] == '-' || v < min)
		return def;
	return v > max ? max : (unsigned)v;
}

/* One line per API module; the OpenAPI document is built from these. */
const struct otw_route *const otw_route_tables[] = {
	otw_routes_auth,
	otw_routes_token,
	otw_routes_audit,
	otw_routes_inv,
	otw_routes_alert,
	otw_routes_map,
	otw_routes_setup,
	otw_routes_activation,
	otw_routes_openapi,
	NULL,
};

/* Route paths are literal, or end with '/' (a prefix), or hold "{name}"
 * segments: one matches one non-empty segment, the last one also whatever
 * follows. *rest is where the first parameter (or the prefix's tail)
 * starts in path. */
static bool path_match(const struct otw_route *rt, const char *path, const char **rest)
{
	const char *p = rt->path, *q = path;

	*rest = NULL;
	for (;;) {
		if (*p == '{') {
			const char *end = strchr(p, '}');
			size_t seg = strcspn(q, "/");
			if (end == NULL || seg == 0)
				return false;
			if (*rest == NULL)
				*rest = q;
			if (end[1] == '\0')
				return true;
			p = end + 1;
			q += seg;
			continue;
		}
		if (*p == '\0') {
			if (*rest == NULL)
				*rest = "";
			return *q == '\0';
		}
		if (*p == '/' && p[1] == '\0') { /* prefix route */
			if (*q != '/' || q[1] == '\0')
				return false;
			if (*rest == NULL)
				*rest = q + 1;
			return true;
		}
		if (*p != *q)
			return false;
		p++;
		q++;
	}
}

static bool state_changing(const char *m)
{
	return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0;
}

/* Body of a POST/PUT/PATCH as JSON; replies and returns false on error. */
static bool read_body(struct otw_req *r)
{
	const char *ct = mg_get_header(r->conn, "Content-Type");
	long long len = r->ri->content_length;
	char *buf;
	size_t got = 0;

	if (len < 0) {
		otw_reply_error(r, 411, "a Content-Length is required");
		return false;
	}
	if (len > OTW_BODY_MAX) {
		otw_reply_error(r, 413, "request body over 64 KiB");
		return false;
	}
	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0) {
		otw_reply_error(r, 415, "send application/json");
		return false;
	}
	if ((buf = malloc((size_t)len + 1)) == NULL) {
		otw_reply_error(r, 500, "out of memory");
		return false;
	}
	while (got < (size_t)len) {
		int n = mg_read(r->conn, buf + got, (size_t)len - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	/* a \u0000 would cut a C string short after parsing ("a\u0000b"
	 * read as "a"): no field of this API needs one */
	if (got == (size_t)len && (strstr(buf, "\\u0000") || strstr(buf, "\\U0000"))) {
		free(buf);
		otw_reply_error(r, 400, "NUL characters (\\u0000) are not accepted");
		return false;
	}
	if (got != (size_t)len || (r->body = cJSON_ParseWithLength(buf, got)) == NULL ||
	    !cJSON_IsObject(r->body)) {
		free(buf);
		cJSON_Delete(r->body);
		r->body = NULL;
		otw_reply_error(r, 400, "the body is not a JSON object");
		return false;
	}
	free(buf);
	return true;
}

/* "Authorization: Bearer otw_..." (automation) before the cookie. false
 * when a token was sent but is not valid: the request is refused rather
 * than served as anonymous. */
static bool find_session(struct otw_req *r)
{
	const char *authz = mg_get_header(r->conn, "Authorization");
	const char *cookie = mg_get_header(r->conn, "Cookie");
	char sid[OTW_SESS_ID_HEX + 2];

	if (authz != NULL) {
		struct otw_token t;
		struct otw_txn *txn;
		int rc;

		if (strncasecmp(authz, "Bearer ", 7) != 0)
			return false;
		if ((rc = otw_store_txn_begin(r->c->st, false, &txn)) != 0)
			return false;
		rc = otw_token_find(txn, authz + 7, &t);
		otw_store_txn_abort(txn);
		if (rc != 0)
			return false;
		memset(&r->sess, 0, sizeof(r->sess));
		snprintf(r->sess.user, sizeof(r->sess.user), "token:%s", t.name);
		r->sess.role = t.role;
		r->has_sess = r->via_token = true;
		return true;
	}
	if (cookie == NULL || mg_get_cookie(cookie, "otw_sid", sid, sizeof(sid)) !=
				      OTW_SESS_ID_HEX)
		return true;
	r->has_sess = otw_sess_get(r->c->sess, sid, otw_now_ns(), &r->sess);
	return true;
}

static int api_handler(struct mg_connection *conn, void *cbdata)
{
	struct otw_req r = { .conn = conn, .c = cbdata };
	const struct otw_route *rt = NULL;
	bool path_known = false;

	r.ri = mg_get_request_info(conn);
	for (unsigned t = 0; otw_route_tables[t] != NULL && rt == NULL; t++) {
		for (const struct otw_route *x = otw_route_tables[t]; x->fn != NULL; x++) {
			const char *rest;
			if (!path_match(x, r.ri->local_uri, &rest))
				continue;
			path_known = true;
			if (strcmp(x->method, r.ri->request_method) == 0) {
				rt = x;
				r.rest = rest;
				break;
			}
		}
	}
	if (rt == NULL) {
		otw_reply_error(&r, path_known ? 405 : 404,
				path_known ? "method not allowed here" : "no such endpoint");
		return 1;
	}
	if (!find_session(&r)) {
		otw_reply_error(&r, 401, "unknown or revoked API token");
		return 1;
	}
	if (rt->role != 0) {
		if (!r.has_sess) {
			otw_reply_error(&r, 401, "sign in first");
			return 1;
		}
		if (r.sess.role < rt->role) {
			otw_reply_error(&r, 403, "your role may not do this");
			return 1;
		}
		if (state_changing(r.ri->request_method) && !r.via_token) {
			const char *tok = mg_get_header(conn, "X-CSRF-Token");
			if (tok == NULL || strcmp(tok, r.sess.csrf) != 0) {
				otw_reply_error(&r, 403, "missing or wrong X-CSRF-Token");
				return 1;
			}
		}
	}
	if ((strcmp(r.ri->request_method, "POST") == 0 ||
	     strcmp(r.ri->request_method, "PUT") == 0 ||
	     strcmp(r.ri->request_method, "PATCH") == 0) && !read_body(&r))
		return 1;
	rt->fn(&r);
	cJSON_Delete(r.body);
	return 1;
}

static int log_message(const struct mg_connection *conn, const char *msg)
{
	(void)conn;
	fprintf(stderr, "otw-console level=warning event=http msg=\"%s\"\n", msg);
	return 1;
}

static int prepare_tls(struct otw_console *c, const struct otw_console_conf *conf,
		       char *err, size_t errlen)
{
	const char *state = conf->state ? conf->state : conf->db;
	struct stat sb;
	int rc;

	if (snprintf(c->pem, sizeof(c->pem), "%s/console.pem", state) >= (int)sizeof(c->pem)) {
		snprintf(err, errlen, "state path too long");
		return OTW_ECONF;
	}
	if (conf->cert != NULL || conf->key != NULL) {
		if (conf->cert == NULL || conf->key == NULL) {
			snprintf(err, errlen, "--cert and --key go together");
			return OTW_EUSAGE;
		}
		return otw_cert_import(conf->cert, conf->key, c->pem, err, errlen);
	}
	if (stat(c->pem, &sb) == 0)
		return 0; /* made on an earlier start */
	if ((rc = otw_cert_selfsigned(c->pem, "otwatch-sensor", 825)) != 0)
		snprintf(err, errlen, "cannot create a self-signed certificate in %s: %s",
			 c->pem, otw_strerror(rc));
	return rc;
}

/* Load the libssl shim (sslshim.c) before civetweb dlopens "libssl.so":
 * next to the build tree's console/, else the installed copy. */
static int load_sslshim(char *err, size_t errlen)
{
	char exe[PATH_MAX], path[PATH_MAX + 64], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/../console/libotw_sslshim.so", exe);
			if (dlopen(path, RTLD_NOW | RTLD_GLOBAL) != NULL)
				return 0;
		}
	}
	if (dlopen(OTW_SSLSHIM_INSTALL, RTLD_NOW | RTLD_GLOBAL) != NULL)
		return 0;
	snprintf(err, errlen, "cannot load libotw_sslshim.so (%s)", dlerror());
	return OTW_EHTTP;
}

int otw_console_start(const struct otw_console_conf *conf,
		      struct otw_console **out, char *err, size_t errlen)
{
	struct otw_console *c = calloc(1, sizeof(*c));
	char ports[300], threads[16];
	struct mg_callbacks cb = { .log_message = log_message };
	char sec_opt[sizeof(SEC_HEADERS)];
	int rc;

	/* the option is pasted into civetweb's own replies: no final CRLF */
	snprintf(sec_opt, sizeof(sec_opt), "%s", SEC_HEADERS);
	sec_opt[strlen(sec_opt) - 2] = '\0';

	if (c == NULL)
		return -ENOMEM;
	c->lock_failures = 5;
	c->lock_ns = 15ull * 60 * 1000000000;
	snprintf(c->www, sizeof(c->www), "%s", conf->www ? conf->www : OTW_WWW_DIR);
	snprintf(c->evidence, sizeof(c->evidence), "%s/evidence", conf->db);
	if ((rc = otw_store_open(conf->db, 0, 0, &c->st)) != 0) {
		snprintf(err, errlen, "cannot open the store %s: %s", conf->db,
			 otw_strerror(rc));
		goto fail;
	}
	if ((rc = load_sslshim(err, errlen)) != 0)
		goto fail;
	if ((rc = otw_sess_create_table(&c->sess)) != 0 ||
	    (rc = prepare_tls(c, conf, err, errlen)) != 0)
		goto fail;
	if (snprintf(ports, sizeof(ports), "%ss", conf->listen) >= (int)sizeof(ports)) {
		snprintf(err, errlen, "listen address too long");
		rc = OTW_EUSAGE;
		goto fail;
	}
	snprintf(threads, sizeof(threads), "%u", conf->threads ? conf->threads : 8);
	{
		const char *opts[] = {
			"listening_ports", ports,
			"ssl_certificate", c->pem,
			"ssl_protocol_version", "4", /* TLS 1.2 and later only */
			"ssl_cipher_list",
			"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
			"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
			"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305",
			"document_root", c->www,
			"enable_directory_listing", "no",
			"num_threads", threads,
			"request_timeout_ms", "30000",
			"additional_header", sec_opt,
			NULL,
		};
		mg_init_library(MG_FEATURES_TLS);
		c->ctx = mg_start(&cb, c, opts);
	}
	if (c->ctx == NULL) {
		snprintf(err, errlen, "cannot listen on %s (in use, or a bad address?)",
			 conf->listen);
		rc = OTW_EHTTP;
		goto fail;
	}
	mg_set_request_handler(c->ctx, "/api/", api_handler, c);
	if ((rc = otw_ws_start(c, &c->ws)) != 0) {
		snprintf(err, errlen, "cannot start the WebSocket pusher: %s", otw_strerror(rc));
		mg_stop(c->ctx);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	otw_sess_destroy_table(c->sess);
	otw_store_close(c->st);
	free(c);
	return rc;
}

void otw_console_stop(struct otw_console *c)
{
	if (c == NULL)
		return;
	otw_ws_stop(c->ws);
	mg_stop(c->ctx);
	otw_ws_free(c->ws);
	otw_sess_destroy_table(c->sess);
	otw_store_close(c->st);
	free(c);
}
