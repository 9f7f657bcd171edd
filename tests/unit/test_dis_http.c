/* Unit tests of the HTTP dissector plug-in (dissect/http.c). */
#include "dis_harness.h"

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
