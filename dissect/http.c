/* HTTP/1.x (RFC 9112 message syntax, RFC 9110 semantics). Only the start
 * line and the header block of each message are read; bodies are skipped
 * by Content-Length, else (chunked, read-until-close) the direction waits
 * for a segment that starts with a new start line. URLs, cookies and
 * bodies are never stored. */
#include <netinet/in.h>
#include <string.h>

#include "otw_app.h"
#include "registry.h"

#define HTTP_HDR_SEGS 4     /* header blocks longer than this: give up */
#define HTTP_LINE_MAX 4096  /* start line longer than this: not HTTP */

enum { HM_IDLE, HM_HDR, HM_BODY, HM_SYNC };

/* header-block flags (per direction) */
#define HF_RESP 0x01     /* the block is a response's */
#define HF_CLEN 0x02     /* Content-Length seen */
#define HF_CHUNK 0x04    /* Transfer-Encoding: chunked */
#define HF_NOBODY 0x08   /* HEAD response, 1xx, 204, 304 */
#define HF_EOL 0x10      /* the previous segment ended at a line end */
#define HF_UPGRADE 0x20  /* 101 Switching Protocols: no longer HTTP */

struct http_state {
	uint32_t len[2];   /* HM_HDR: Content-Length; HM_BODY: body left */
	uint8_t mode[2];   /* HM_* */
	uint8_t flags[2];  /* HF_* */
	uint8_t segs[2];   /* segments of the current header block */
	uint8_t q[4];      /* methods of requests awaiting responses (FIFO) */
	uint8_t nq;
	uint8_t pad[5];
};
_Static_assert(sizeof(struct http_state) == 24, "state layout");
_Static_assert(sizeof(struct http_state) <= OTW_APP_STATE_BYTES, "state size");

/* func: request method (documented in docs/protocols/http.md) */
enum {
	HTTP_GET = 1, HTTP_POST, HTTP_PUT, HTTP_DELETE, HTTP_HEAD, HTTP_OPTIONS,
	HTTP_CONNECT, HTTP_PATCH, HTTP_OTHER, HTTP_TRACE, HTTP__N
};

static const struct {
	const char *tok;
	uint8_t len;
	uint8_t func;
} http_methods[] = {
	{ "GET", 3, HTTP_GET },         { "POST", 4, HTTP_POST },
	{ "PUT", 3, HTTP_PUT },         { "DELETE", 6, HTTP_DELETE },
	{ "HEAD", 4, HTTP_HEAD },       { "OPTIONS", 7, HTTP_OPTIONS },
	{ "CONNECT", 7, HTTP_CONNECT }, { "PATCH", 5, HTTP_PATCH },
	{ "TRACE", 5, HTTP_TRACE },
};

static const struct {
	const char *name;
	const char *cat;
} http_ops[HTTP__N] = {
	[0] = { "unknown_request", OTW_CAT_OTHER },
	[HTTP_GET] = { "get", OTW_CAT_READ },
	[HTTP_POST] = { "post", OTW_CAT_WRITE },
	[HTTP_PUT] = { "put", OTW_CAT_WRITE },
	[HTTP_DELETE] = { "delete", OTW_CAT_WRITE },
	[HTTP_HEAD] = { "head", OTW_CAT_READ },
	[HTTP_OPTIONS] = { "options", OTW_CAT_DIAG },
	[HTTP_CONNECT] = { "connect", OTW_CAT_SESSION },
	[HTTP_PATCH] = { "patch", OTW_CAT_WRITE },
	[HTTP_OTHER] = { "other_method", OTW_CAT_OTHER },
	[HTTP_TRACE] = { "trace", OTW_CAT_DIAG },
};

static const char *http_op_name(unsigned app, unsigned func, const char **cat)
{
	if (app != OTW_APP_HTTP || func >= HTTP__N)
		return NULL;
	*cat = http_ops[func].cat;
	return http_ops[func].name;
}

static bool is_tchar(uint8_t ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	       (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' ||
	       ch == '!' || ch == '~' || ch == '*' || ch == '+' || ch == '\'';
}

/* Method token at the cursor: its func (HTTP_OTHER for an unknown
 * upper-case token) and length, 0 if the bytes are not "TOKEN ". */
static unsigned http_method(const struct otw_cur *c, size_t *tlen)
{
	size_t left = otw_cur_left(c), n = 0;

	while (n < left && n < 16 && c->p[n] >= 'A' && c->p[n] <= 'Z')
		n++;
	if (n < 3 || n >= left || c->p[n] != ' ')
		return 0;
	*tlen = n;
	for (size_t i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]); i++)
		if (http_methods[i].len == n && memcmp(c->p, http_methods[i].tok, n) == 0)
			return http_methods[i].func;
	return HTTP_OTHER;
}

/* Length of the line at the cursor without its CR LF; false if no LF is
 * in the segment (or within max). *eol = bytes including the LF. */
static bool http_line(const struct otw_cur *c, size_t max, size_t *len, size_t *eol)
{
	size_t left = otw_cur_left(c);
	const uint8_t *lf;

	if (left > max)
		left = max;
	lf = memchr(c->p, '\n', left);
	if (lf == NULL)
		return false;
	*eol = (size_t)(lf - c->p) + 1;
	*len = *eol - 1;
	if (*len > 0 && c->p[*len - 1] == '\r')
		(*len)--;
	return true;
}

/* "HTTP/1.x " at p (n bytes) */
static bool http_is_version(const uint8_t *p, size_t n)
{
	return n >= 8 && memcmp(p, "HTTP/", 5) == 0 && p[5] >= '0' && p[5] <= '9' &&
	       p[6] == '.' && p[7] >= '0' && p[7] <= '9';
}

/* Request line "METHOD SP target SP HTTP/x.y" (RFC 9112 §3). */
static unsigned http_request_line(const uint8_t *p, size_t n)
{
	struct otw_cur c = otw_cur_make(p, n);
	size_t tlen = 0, i;
	unsigned m = http_method(&c, &tlen);

	if (m == 0 || n < tlen + 11)
		return 0;
	for (i = tlen + 1; i < n && p[i] != ' '; i++)
		if (p[i] < 0x21 || p[i] > 0x7e)
			return 0;
	if (i == tlen + 1 || n - i - 1 != 8 || !http_is_version(p + i + 1, 8))
		return 0;
	return m;
}

/* Status line "HTTP/x.y SP 3DIGIT [SP reason]" (RFC 9112 §4): code or 0. */
static unsigned http_status_line(const uint8_t *p, size_t n)
{
	if (n < 12 || !http_is_version(p, 8) || p[8] != ' ')
		return 0;
	for (size_t i = 9; i < 12; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	if (n > 12 && p[12] != ' ')
		return 0;
	if (p[9] < '1' || p[9] > '5')
		return 0;
	return (unsigned)(p[9] - '0') * 100 + (unsigned)(p[10] - '0') * 10 +
	       (unsigned)(p[11] - '0');
}

static bool hdr_is(const uint8_t *p, size_t n, const char *name, size_t *vo)
{
	size_t k = strlen(name), i;

	if (n <= k || p[k] != ':')
		return false;
	for (i = 0; i < k; i++) {
		uint8_t ch = p[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (uint8_t)(ch + 32);
		if (ch != (uint8_t)name[i])
			return false;
	}
	i = k + 1;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	*vo = i;
	return true;
}

/* Host names, not IP literals ("10.0.0.1", "[fe80::1]", with a port). */
static void http_host(const struct otw_dctx *x, const uint8_t *v, size_t n)
{
	size_t i, end = n;
	bool digits = true;

	if (n == 0 || v[0] == '[')
		return;
	for (i = 0; i < n; i++) {
		if (v[i] == ':') {
			end = i;
			break;
		}
		if (!is_tchar(v[i]))
			return;
		if (!((v[i] >= '0' && v[i] <= '9') || v[i] == '.'))
			digits = false;
	}
	if (end == 0 || digits)
		return;
	otw_attr_report(x, !x->from_client, OTW_ATTR_HOSTNAME, (const char *)v, end);
}

static bool ci_contains(const uint8_t *p, size_t n, const char *w)
{
	size_t k = strlen(w);

	for (size_t i = 0; i + k <= n; i++) {
		size_t j = 0;
		while (j < k && (p[i + j] | 0x20) == (uint8_t)w[j])
			j++;
		if (j == k)
			return true;
	}
	return false;
}

/* Header lines from the cursor to the blank line (or the segment's end).
 * Returns true when the block ended. */
static bool http_headers(struct otw_cur *c, struct otw_dctx *x,
			 struct http_state *st, unsigned d)
{
	size_t len, eol, vo;

	while (otw_cur_left(c) > 0) {
		const uint8_t *p = c->p;
		if (!http_line(c, otw_cur_left(c), &len, &eol)) {
			st->flags[d] &= (uint8_t)~HF_EOL;
			c->p = c->end;
			return false;
		}
		(void)otw_cur_skip(c, eol);
		if (len == 0)
			return true;
		if (hdr_is(p, len, "content-length", &vo)) {
			uint32_t v = 0;
			size_t i;
			for (i = vo; i < len && p[i] >= '0' && p[i] <= '9' && v < 0x19999999u; i++)
				v = v * 10 + (uint32_t)(p[i] - '0');
			if (i > vo) {
				st->len[d] = v;
				st->flags[d] |= HF_CLEN;
			}
		} else if (hdr_is(p, len, "transfer-encoding", &vo)) {
			if (ci_contains(p + vo, len - vo, "chunked"))
				st->flags[d] |= HF_CHUNK;
		} else if (x->from_client && hdr_is(p, len, "host", &vo)) {
			http_host(x, p + vo, len - vo);
		} else if (x->from_client && hdr_is(p, len, "user-agent", &vo)) {
			otw_attr_report(x, true, OTW_ATTR_USER_AGENT,
					(const char *)p + vo, len - vo);
		} else if (x->from_client && hdr_is(p, len, "authorization", &vo)) {
			/* Basic credentials are cleartext (RFC 7617); the value
			 * itself is never read further */
			if (len - vo >= 6 && ci_contains(p + vo, 6, "basic "))
				otw_attr_report(x, false, OTW_ATTR_CAPABILITIES,
						"cleartext-login", 15);
		} else if (!x->from_client && hdr_is(p, len, "server", &vo)) {
			otw_attr_report(x, true, OTW_ATTR_SERVER,
					(const char *)p + vo, len - vo);
		}
	}
	st->flags[d] |= HF_EOL;
	return false;
}

/* The header block ended: where does the body end? */
static void http_body(struct http_state *st, unsigned d)
{
	uint8_t f = st->flags[d];

	if (f & HF_UPGRADE) {
		st->mode[d] = HM_SYNC;
	} else if (f & HF_NOBODY) {
		st->mode[d] = HM_IDLE;
	} else if (f & HF_CHUNK) {
		st->mode[d] = HM_SYNC;
	} else if (f & HF_CLEN) {
		st->mode[d] = st->len[d] ? HM_BODY : HM_IDLE;
	} else {
		/* requests without a length have no body; responses run to
		 * the close (RFC 9112 §6.3) */
		st->mode[d] = (f & HF_RESP) ? HM_SYNC : HM_IDLE;
	}
	if (st->mode[d] != HM_BODY)
		st->len[d] = 0;
}

/* A start line at the cursor: count it and begin its header block.
 * false if the bytes are not a start line of this direction. */
static bool http_start(struct otw_cur *c, struct otw_dctx *x,
		       struct http_state *st, unsigned d)
{
	size_t len, eol, tlen;
	unsigned m, code;

	/* cheap test first: a body segment in HM_SYNC is not scanned */
	if (x->from_client ? http_method(c, &tlen) == 0
			   : otw_cur_left(c) < 5 || memcmp(c->p, "HTTP/", 5) != 0)
		return false;
	if (!http_line(c, HTTP_LINE_MAX, &len, &eol))
		return false;
	st->flags[d] = 0;
	st->len[d] = 0;
	st->segs[d] = 0;
	if (x->from_client) {
		if ((m = http_request_line(c->p, len)) == 0)
			return false;
		if (st->nq == sizeof(st->q)) { /* never answered: forget the oldest */
			memmove(st->q, st->q + 1, sizeof(st->q) - 1);
			st->nq--;
		}
		st->q[st->nq++] = (uint8_t)m;
		otw_op_report(x, &(struct otw_op){ .func = (uint16_t)m,
						   .kind = OTW_OPK_REQUEST,
						   .addr = OTW_ADDR_NONE });
	} else {
		if ((code = http_status_line(c->p, len)) == 0)
			return false;
		st->flags[d] = HF_RESP;
		m = 0; /* a response whose request predates the capture */
		if ((code >= 200 || code == 101) && st->nq > 0) {
			m = st->q[0];
			memmove(st->q, st->q + 1, sizeof(st->q) - 1);
			st->nq--;
		}
		if (code < 200 || code == 204 || code == 304 || m == HTTP_HEAD)
			st->flags[d] |= HF_NOBODY;
		if (code >= 200 || code == 101)
			otw_op_report(x, &(struct otw_op){
				.func = (uint16_t)m,
				.kind = code >= 400 ? OTW_OPK_EXCEPTION : OTW_OPK_RESPONSE,
				.addr = code, .naddr = 1 });
		if (code == 101) { /* switched protocols (WebSocket): not HTTP
				    * now, in both directions */
			st->flags[d] |= HF_UPGRADE;
			st->mode[0] = HM_SYNC;
		}
	}
	(void)otw_cur_skip(c, eol);
	st->mode[d] = HM_HDR;
	return true;
}

static enum otw_verdict http_dissect(struct otw_cur *c, struct otw_dctx *x)
{
	struct http_state st;
	unsigned d = x->from_client ? 0 : 1;
	enum otw_verdict v = OTW_OK;

	memcpy(&st, x->state, sizeof(st));
	if (x->gap)
		st.mode[d] = HM_SYNC;
	while (otw_cur_left(c) > 0) {
		if (st.mode[d] == HM_BODY) {
			size_t n = otw_cur_left(c) < st.len[d] ? otw_cur_left(c) : st.len[d];
			(void)otw_cur_skip(c, n);
			st.len[d] -= (uint32_t)n;
			if (st.len[d] == 0)
				st.mode[d] = HM_IDLE;
			continue;
		}
		if (st.mode[d] == HM_HDR) {
			if (!(st.flags[d] & HF_EOL)) { /* resume after the cut line */
				const uint8_t *lf = memchr(c->p, '\n', otw_cur_left(c));
				if (lf == NULL) {
					if (++st.segs[d] >= HTTP_HDR_SEGS) {
						st.mode[d] = HM_SYNC;
						v = OTW_MALFORMED;
					}
					break;
				}
				c->p = lf + 1;
				st.flags[d] |= HF_EOL;
			}
			if (http_headers(c, x, &st, d)) {
				http_body(&st, d);
			} else if (++st.segs[d] >= HTTP_HDR_SEGS) {
				st.mode[d] = HM_SYNC;
				v = OTW_MALFORMED;
			}
			continue;
		}
		/* HM_IDLE: a start line must follow; HM_SYNC: only if one is
		 * here, else drop the segment */
		st.flags[d] = HF_EOL;
		if (!http_start(c, x, &st, d)) {
			if (st.mode[d] == HM_IDLE && otw_cur_left(c) > 0)
				v = OTW_MALFORMED;
			st.mode[d] = HM_SYNC;
			break;
		}
		st.flags[d] |= HF_EOL;
	}
	memcpy(x->state, &st, sizeof(st));
	return v;
}

/* On the HTTP ports: a request line or a status line starts the flow. */
static bool http_probe(const struct otw_cur *c, const struct otw_dctx *x)
{
	size_t tlen, left = otw_cur_left(c);
	(void)x;
	if (left >= 12 && http_is_version(c->p, 8) && c->p[8] == ' ')
		return true;
	return http_method(c, &tlen) != 0 && left > tlen + 1 && c->p[tlen + 1] == '/';
}

/* Any port: a complete request line of a known method, "GET /x HTTP/1.1". */
static bool http_probe_strict(const struct otw_cur *c, const struct otw_dctx *x)
{
	size_t tlen = 0, len, eol;
	unsigned m;

	(void)x;
	m = http_method(c, &tlen);
	if (m == 0 || m == HTTP_OTHER || otw_cur_left(c) <= tlen + 1 ||
	    c->p[tlen + 1] != '/' || !http_line(c, 2048, &len, &eol))
		return false;
	return http_request_line(c->p, len) == m;
}

static const struct otw_dissector dis_http = {
	.name = "http",
	.app = OTW_APP_HTTP,
	.l4 = IPPROTO_TCP,
	.port = 80,
	.probe = http_probe,
	.dissect = http_dissect,
	.op_name = http_op_name,
};

static const struct otw_dissector dis_http_alt = {
	.name = "http-8080",
	.app = OTW_APP_HTTP,
	.l4 = IPPROTO_TCP,
	.port = 8080,
	.probe = http_probe,
	.dissect = http_dissect,
	.op_name = http_op_name,
};

static const struct otw_dissector dis_http_any = {
	.name = "http-heuristic",
	.app = OTW_APP_HTTP,
	.l4 = IPPROTO_TCP,
	.port = 0,
	.probe = http_probe_strict,
	.dissect = http_dissect,
	.op_name = http_op_name,
};

const struct otw_dissector *const otw_plugin_http[] = { &dis_http, &dis_http_alt,
						       &dis_http_any, NULL };
