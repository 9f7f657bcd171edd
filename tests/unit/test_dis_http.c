/* Unit tests of the HTTP dissector plug-in (dissect/http.c). */
/* ---- harness (same in each test_dis_*.c of the IT/L2 plug-ins) ---- */
#pragma GCC diagnostic ignored "-Wunused-function" /* shared harness */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "engine.h"
#include "otw_app.h"
#include "otw_pkt.h"
#include "pktbuild.h"
#include "registry.h"

static const uint8_t CMAC[6] = { 0x00, 0x0c, 0x29, 1, 1, 1 };
static const uint8_t SMAC[6] = { 0x00, 0x80, 0xf4, 2, 2, 2 };
#define CIP 0x0a000064
#define SIP 0x0a00000a

struct cap {
	struct otw_ev ev[4096];
	unsigned n;
};
static struct cap cap;

static void cap_sink(void *arg, const struct otw_ev *evs, uint16_t n)
{
	struct cap *c = arg;
	for (uint16_t i = 0; i < n && c->n < 4096; i++)
		c->ev[c->n++] = evs[i];
}

static struct otw_engine *mk(void)
{
	struct otw_engine_conf conf;
	struct otw_engine *e;
	otw_engine_conf_default(&conf);
	conf.max_flows = 256;
	conf.max_devices = 64;
	conf.sink = cap_sink;
	conf.sink_arg = &cap;
	cap.n = 0;
	assert_int_equal(otw_engine_create(&conf, &e), 0);
	return e;
}

/* One TCP conversation client:cport -> server:sport. */
struct conv {
	struct otw_engine *e;
	uint16_t cport, sport;
	uint32_t seq[2];
	uint64_t ts;
};

static void conv_init(struct conv *cv, struct otw_engine *e, uint16_t cport,
		      uint16_t sport)
{
	cv->e = e;
	cv->cport = cport;
	cv->sport = sport;
	cv->seq[0] = 1000;
	cv->seq[1] = 90000;
	cv->ts = 1000000000ull;
}

static void conv_send(struct conv *cv, bool from_client, const void *p, size_t n)
{
	static struct pb b;
	uint32_t *seq = &cv->seq[from_client ? 0 : 1];
	if (from_client)
		pb_tcp_frame_seq(&b, CMAC, SMAC, CIP, SIP, cv->cport, cv->sport, *seq,
				 0x18, p, n);
	else
		pb_tcp_frame_seq(&b, SMAC, CMAC, SIP, CIP, cv->sport, cv->cport, *seq,
				 0x18, p, n);
	*seq += (uint32_t)n;
	cv->ts += 1000;
	otw_engine_packet(cv->e, b.b, (uint32_t)b.n, (uint32_t)b.n, cv->ts);
}

static void conv_str(struct conv *cv, bool from_client, const char *s)
{
	conv_send(cv, from_client, s, strlen(s));
}

/* Raw Ethernet frame with EtherType/length et and payload p. */
static void l2_send(struct otw_engine *e, const uint8_t dst[6], uint16_t et,
		    const void *p, size_t n)
{
	static struct pb b;
	b.n = 0;
	pb_eth(&b, dst, SMAC, et);
	pb_bytes(&b, p, n);
	while (b.n < 60)
		pb_u8(&b, 0);
	otw_engine_packet(e, b.b, (uint32_t)b.n, (uint32_t)b.n, 2000000000ull);
}

static const struct otw_ev_attr *find_attr(unsigned app, unsigned key, const char *val)
{
	for (unsigned i = 0; i < cap.n; i++) {
		const struct otw_ev_attr *a = &cap.ev[i].u.attr;
		if (cap.ev[i].kind != OTW_EV_ATTR || a->app != app || a->key != key)
			continue;
		if (val == NULL || (strlen(val) == a->len && memcmp(a->val, val, a->len) == 0))
			return a;
	}
	return NULL;
}

static unsigned count_attr(unsigned app, unsigned key)
{
	unsigned n = 0;
	for (unsigned i = 0; i < cap.n; i++)
		n += cap.ev[i].kind == OTW_EV_ATTR && cap.ev[i].u.attr.app == app &&
		     cap.ev[i].u.attr.key == key;
	return n;
}

/* Sum of the op events of (app, func): count, responses, exceptions. */
struct opsum {
	unsigned count, responses, exceptions, unit;
	uint32_t addr_lo, addr_hi;
	bool seen;
};

static struct opsum find_op(unsigned app, unsigned func)
{
	struct opsum s = { 0, 0, 0, 0, 0, 0, false };
	for (unsigned i = 0; i < cap.n; i++) {
		const struct otw_ev_op *o = &cap.ev[i].u.op;
		if (cap.ev[i].kind != OTW_EV_OP || o->app != app || o->func != func)
			continue;
		s.seen = true;
		s.count += o->count;
		s.responses += o->responses;
		s.exceptions += o->exceptions;
		s.unit = o->unit;
		s.addr_lo = o->addr_lo;
		s.addr_hi = o->addr_hi;
	}
	return s;
}

static uint64_t malformed(struct otw_engine *e, unsigned app)
{
	struct otw_engine_stats st;
	otw_engine_get_stats(e, &st);
	return st.app_malformed[app];
}

/* Every prefix of pdu, dissected from a fresh state, from an exact-size
 * heap copy (ASan flags any read past it). l2: the dissector takes
 * frames (x->state NULL). */
static void every_prefix(const struct otw_dissector *d, bool from_client,
			 const uint8_t *pdu, size_t n)
{
	struct otw_engine *e = mk();
	static struct pb b;
	struct otw_pkt pkt;
	uint8_t state[OTW_APP_STATE_BYTES];

	if (d->l4)
		pb_tcp_frame_seq(&b, from_client ? CMAC : SMAC, from_client ? SMAC : CMAC,
				 from_client ? CIP : SIP, from_client ? SIP : CIP,
				 from_client ? 50000 : d->port, from_client ? d->port : 50000,
				 1, 0x18, pdu, n);
	else {
		b.n = 0;
		pb_eth(&b, SMAC, CMAC, d->ethertype == OTW_ETHERTYPE_LLC ? (uint16_t)n
									  : d->ethertype);
		pb_bytes(&b, pdu, n);
	}
	assert_true(otw_pkt_decode(b.b, b.n, &pkt));
	for (size_t k = 0; k <= n; k++) {
		uint8_t *copy = malloc(k ? k : 1);
		struct otw_cur c;
		struct otw_dctx x = { .eng = e, .pkt = &pkt, .app = d->app,
				      .from_client = from_client, .ts_ns = 1 };
		memcpy(copy, pdu, k);
		memset(state, 0, sizeof(state));
		if (d->l4) {
			x.client = from_client ? &pkt.src : &pkt.dst;
			x.server = from_client ? &pkt.dst : &pkt.src;
			x.state = state;
		}
		c = otw_cur_make(copy, k);
		if (d->probe)
			(void)d->probe(&c, &x);
		(void)d->dissect(&c, &x);
		assert_true(c.p >= copy && c.p <= copy + k);
		free(copy);
	}
	otw_engine_destroy(e);
}

static const struct otw_dissector *plugin(const struct otw_dissector *const *list,
					  uint16_t port)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (list[i]->port == port)
			return list[i];
	fail();
	return NULL;
}
/* ---- end of harness ---- */

static void http_requests_responses_and_facts(void **s)
{
	struct otw_engine *e = mk();
	struct conv cv;
	struct opsum o;
	(void)s;
	conv_init(&cv, e, 50000, 80);
	conv_str(&cv, true, "GET /index.html HTTP/1.1\r\nHost: plc1.plant.local:80\r\n"
			    "User-Agent: Mozilla/5.0 (Windows NT 10.0)\r\nCookie: a=b\r\n\r\n");
	conv_str(&cv, false, "HTTP/1.1 200 OK\r\nServer: Siemens/1.0\r\n"
			     "Content-Length: 10\r\n\r\n0123456789");
	conv_str(&cv, true, "POST /cgi HTTP/1.1\r\nHost: 10.0.0.10\r\n"
			    "Authorization: Basic YWRtaW46YWRtaW4=\r\nContent-Length: 4\r\n\r\nabcd");
	conv_str(&cv, false, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
	/* body cut across segments, then a pipelined HEAD */
	conv_str(&cv, true, "PUT /f HTTP/1.1\r\nContent-Length: 20\r\n\r\n0123456789");
	conv_str(&cv, true, "0123456789HEAD / HTTP/1.1\r\n\r\n");
	conv_str(&cv, false, "HTTP/1.1 500 Oops\r\nContent-Length: 3\r\n\r\nabc");
	conv_str(&cv, false, "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n");
	conv_str(&cv, true, "BREW /pot HTTP/1.1\r\n\r\n");
	otw_engine_flush(e, true);
	o = find_op(OTW_APP_HTTP, 1);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.responses, 1);
	assert_int_equal(o.addr_lo, 200);
	o = find_op(OTW_APP_HTTP, 2);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.exceptions, 1);
	o = find_op(OTW_APP_HTTP, 3);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.exceptions, 1);
	o = find_op(OTW_APP_HTTP, 5);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.responses, 1);
	assert_int_equal(find_op(OTW_APP_HTTP, 9).count, 1);
	assert_non_null(find_attr(OTW_APP_HTTP, OTW_ATTR_HOSTNAME, "plc1.plant.local"));
	assert_int_equal(count_attr(OTW_APP_HTTP, OTW_ATTR_HOSTNAME), 1); /* not the IP */
	assert_non_null(find_attr(OTW_APP_HTTP, OTW_ATTR_SERVER, "Siemens/1.0"));
	assert_non_null(find_attr(OTW_APP_HTTP, OTW_ATTR_USER_AGENT,
				  "Mozilla/5.0 (Windows NT 10.0)"));
	assert_int_equal(find_attr(OTW_APP_HTTP, OTW_ATTR_SERVER, NULL)->ip.b[15],
			 SIP & 0xff);
	assert_int_equal(find_attr(OTW_APP_HTTP, OTW_ATTR_HOSTNAME, NULL)->ip.b[15],
			 SIP & 0xff);
	assert_int_equal(find_attr(OTW_APP_HTTP, OTW_ATTR_USER_AGENT, NULL)->ip.b[15],
			 CIP & 0xff);
	assert_non_null(find_attr(OTW_APP_HTTP, OTW_ATTR_CAPABILITIES, "cleartext-login"));
	assert_int_equal(find_attr(OTW_APP_HTTP, OTW_ATTR_CAPABILITIES, NULL)->ip.b[15],
			 SIP & 0xff);
	for (unsigned i = 0; i < cap.n; i++) /* no credentials, no URL, no cookie */
		if (cap.ev[i].kind == OTW_EV_ATTR) {
			assert_null(memmem(cap.ev[i].u.attr.val, cap.ev[i].u.attr.len, "YWRt", 4));
			assert_null(memmem(cap.ev[i].u.attr.val, cap.ev[i].u.attr.len, "index", 5));
			assert_null(memmem(cap.ev[i].u.attr.val, cap.ev[i].u.attr.len, "a=b", 3));
		}
	assert_int_equal(malformed(e, OTW_APP_HTTP), 0);
	otw_engine_destroy(e);
}

static void http_headers_across_segments(void **s)
{
	struct otw_engine *e = mk();
	struct conv cv;
	(void)s;
	conv_init(&cv, e, 50001, 8080);
	conv_str(&cv, true, "GET / HTTP/1.0\r\nAccept: */*\r\nUser-Ag");
	conv_str(&cv, true, "ent: cut\r\nHost: hmi-3\r\n\r\n");
	conv_str(&cv, false, "HTTP/1.0 200 OK\r\nServer: lighttpd\r\n\r\n<html>");
	conv_str(&cv, false, "more body with no length");
	otw_engine_flush(e, true);
	assert_int_equal(find_op(OTW_APP_HTTP, 1).responses, 1);
	assert_null(find_attr(OTW_APP_HTTP, OTW_ATTR_USER_AGENT, NULL)); /* cut line */
	assert_non_null(find_attr(OTW_APP_HTTP, OTW_ATTR_HOSTNAME, "hmi-3"));
	assert_non_null(find_attr(OTW_APP_HTTP, OTW_ATTR_SERVER, "lighttpd"));
	assert_int_equal(malformed(e, OTW_APP_HTTP), 0);
	otw_engine_destroy(e);
}

static void http_websocket_upgrade_is_not_malformed(void **s)
{
	struct otw_engine *e = mk();
	struct conv cv;
	static const uint8_t ws[] = { 0x81, 0x85, 1, 2, 3, 4, 'h', 'e', 'l', 'l', 'o' };
	(void)s;
	conv_init(&cv, e, 50005, 80);
	conv_str(&cv, true, "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n");
	conv_str(&cv, false, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n");
	conv_send(&cv, true, ws, sizeof(ws));
	conv_send(&cv, false, ws, sizeof(ws));
	otw_engine_flush(e, true);
	assert_int_equal(find_op(OTW_APP_HTTP, 1).responses, 1);
	assert_int_equal(malformed(e, OTW_APP_HTTP), 0);
	otw_engine_destroy(e);
}

static void http_heuristic_and_probe(void **s)
{
	struct otw_engine *e = mk();
	struct conv cv;
	(void)s;
	conv_init(&cv, e, 50002, 8000); /* no HTTP port */
	conv_str(&cv, true, "GET /status HTTP/1.1\r\nHost: rtu7\r\n\r\n");
	conv_init(&cv, e, 50003, 8001);
	conv_str(&cv, true, "GETX /status HTTP/1.1\r\n\r\n"); /* not HTTP */
	conv_init(&cv, e, 50004, 80);
	conv_str(&cv, true, "\x16\x03\x01garbage");  /* TLS on 80: rejected */
	conv_str(&cv, true, "GET / HTTP/1.1\r\n\r\n"); /* a second chance: taken */
	otw_engine_flush(e, true);
	assert_int_equal(find_op(OTW_APP_HTTP, 1).count, 2);
	assert_non_null(find_attr(OTW_APP_HTTP, OTW_ATTR_HOSTNAME, "rtu7"));
	otw_engine_destroy(e);
}

static void http_truncations_are_safe(void **s)
{
	static const char req[] = "POST /x HTTP/1.1\r\nHost: a.b\r\nUser-Agent: u\r\n"
				  "Content-Length: 3\r\n\r\nabc";
	static const char rsp[] = "HTTP/1.1 404 Not Found\r\nServer: s\r\n"
				  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
	(void)s;
	every_prefix(plugin(otw_plugin_http, 80), true, (const uint8_t *)req, sizeof(req) - 1);
	every_prefix(plugin(otw_plugin_http, 80), false, (const uint8_t *)rsp, sizeof(rsp) - 1);
	every_prefix(plugin(otw_plugin_http, 0), true, (const uint8_t *)req, sizeof(req) - 1);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(http_requests_responses_and_facts),
		cmocka_unit_test(http_headers_across_segments),
		cmocka_unit_test(http_websocket_upgrade_is_not_malformed),
		cmocka_unit_test(http_heuristic_and_probe),
		cmocka_unit_test(http_truncations_are_safe),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
