/* Unit tests of the TLS dissector plug-in (dissect/tls.c). */
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

static const uint8_t cert_der[] = { 0x30, 0x82, 0x01, 0x96, 0x30, 0x82, 0x01, 0x3c, 0xa0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x01, 0x07, 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02, 0x30, 0x2a, 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55, 0x04, 0x0a, 0x0c, 0x04, 0x41, 0x63, 0x6d, 0x65, 0x31, 0x19, 0x30, 0x17, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x10, 0x70, 0x6c, 0x63, 0x31, 0x2e, 0x70, 0x6c, 0x61, 0x6e, 0x74, 0x2e, 0x6c, 0x6f, 0x63, 0x61, 0x6c, 0x30, 0x1e, 0x17, 0x0d, 0x32, 0x36, 0x31, 0x31, 0x32, 0x33, 0x31, 0x32, 0x30, 0x35, 0x34, 0x33, 0x5a, 0x17, 0x0d, 0x33, 0x36, 0x31, 0x31, 0x32, 0x30, 0x31, 0x32, 0x30, 0x35, 0x34, 0x33, 0x5a, 0x30, 0x2a, 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55, 0x04, 0x0a, 0x0c, 0x04, 0x41, 0x63, 0x6d, 0x65, 0x31, 0x19, 0x30, 0x17, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x10, 0x70, 0x6c, 0x63, 0x31, 0x2e, 0x70, 0x6c, 0x61, 0x6e, 0x74, 0x2e, 0x6c, 0x6f, 0x63, 0x61, 0x6c, 0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04, 0xc8, 0xf3, 0xc9, 0x31, 0x58, 0x05, 0x67, 0xeb, 0x0e, 0xff, 0xc1, 0xc6, 0x35, 0x6a, 0xcb, 0x6e, 0x5d, 0x9a, 0x7c, 0x00, 0x5c, 0x5c, 0x0f, 0x93, 0x78, 0x5f, 0xd5, 0x2d, 0xdd, 0x74, 0x85, 0x08, 0x3b, 0xd6, 0xef, 0x87, 0x7d, 0x72, 0x2f, 0x75, 0xcc, 0xec, 0xe3, 0xe7, 0xa6, 0xc4, 0x90, 0xe2, 0x86, 0x7d, 0xac, 0x24, 0x9e, 0x97, 0xc5, 0xa8, 0x6e, 0xf1, 0xe4, 0x37, 0xa1, 0x88, 0x98, 0x67, 0xa3, 0x53, 0x30, 0x51, 0x30, 0x1d, 0x06, 0x03, 0x55, 0x1d, 0x0e, 0x04, 0x16, 0x04, 0x14, 0xf2, 0xa6, 0x96, 0xad, 0xc1, 0xed, 0x24, 0x9a, 0xc8, 0xcc, 0x8f, 0x3e, 0xaf, 0xee, 0x7b, 0xc4, 0x12, 0x3a, 0xd9, 0xb9, 0x30, 0x1f, 0x06, 0x03, 0x55, 0x1d, 0x23, 0x04, 0x18, 0x30, 0x16, 0x80, 0x14, 0xf2, 0xa6, 0x96, 0xad, 0xc1, 0xed, 0x24, 0x9a, 0xc8, 0xcc, 0x8f, 0x3e, 0xaf, 0xee, 0x7b, 0xc4, 0x12, 0x3a, 0xd9, 0xb9, 0x30, 0x0f, 0x06, 0x03, 0x55, 0x1d, 0x13, 0x01, 0x01, 0xff, 0x04, 0x05, 0x30, 0x03, 0x01, 0x01, 0xff, 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02, 0x03, 0x48, 0x00, 0x30, 0x45, 0x02, 0x20, 0x45, 0x1d, 0xdc, 0x5a, 0x0a, 0x4a, 0x05, 0x98, 0x60, 0xce, 0xfe, 0x21, 0xb4, 0xfd, 0x1b, 0xe6, 0xd8, 0xd3, 0xeb, 0x9f, 0x29, 0xbb, 0xdf, 0x09, 0x3d, 0xf8, 0x3a, 0x3a, 0x8a, 0xde, 0x89, 0x44, 0x02, 0x21, 0x00, 0xb9, 0x31, 0x75, 0xbb, 0xcd, 0xd8, 0xf3, 0x69, 0xe1, 0xed, 0x47, 0x54, 0xcd, 0x64, 0x90, 0x34, 0x0c, 0x57, 0xfd, 0xc4, 0x5b, 0x39, 0x6e, 0xa7, 0xff, 0x9a, 0x7a, 0x6e, 0x43, 0x30, 0x6c, 0x07 };

static void put24(struct pb *b, size_t v)
{
	pb_u8(b, (uint8_t)(v >> 16));
	pb_u16(b, (uint16_t)v);
}

/* Handshake message type with body [body, n) as one record. */
static void record(struct pb *b, uint8_t ctype, const uint8_t *body, size_t n)
{
	pb_u8(b, ctype);
	pb_u16(b, 0x0303);
	pb_u16(b, (uint16_t)n);
	pb_bytes(b, body, n);
}

static void client_hello(struct pb *out)
{
	struct pb h = { .n = 0 }, e = { .n = 0 };
	static const uint8_t rnd[32] = { 1 };
	/* extensions: GREASE, SNI, groups, point formats, ALPN, versions */
	pb_u16(&e, 0x1a1a); pb_u16(&e, 0);
	pb_u16(&e, 0); pb_u16(&e, 16); pb_u16(&e, 14); pb_u8(&e, 0); pb_u16(&e, 11);
	pb_bytes(&e, "plc.example", 11);
	pb_u16(&e, 10); pb_u16(&e, 8); pb_u16(&e, 6); pb_u16(&e, 0x2a2a); pb_u16(&e, 29);
	pb_u16(&e, 23);
	pb_u16(&e, 11); pb_u16(&e, 2); pb_u8(&e, 1); pb_u8(&e, 0);
	pb_u16(&e, 16); pb_u16(&e, 5); pb_u16(&e, 3); pb_u8(&e, 2); pb_bytes(&e, "h2", 2);
	pb_u16(&e, 43); pb_u16(&e, 5); pb_u8(&e, 4); pb_u16(&e, 0x0304); pb_u16(&e, 0x0303);
	pb_u8(&h, 1);
	put24(&h, 2 + 32 + 1 + 2 + 6 + 2 + 2 + e.n);
	pb_u16(&h, 0x0303);
	pb_bytes(&h, rnd, 32);
	pb_u8(&h, 0);
	pb_u16(&h, 6); pb_u16(&h, 0x0a0a); pb_u16(&h, 0x1301); pb_u16(&h, 0xc02f);
	pb_u8(&h, 1); pb_u8(&h, 0);
	pb_u16(&h, (uint16_t)e.n);
	pb_bytes(&h, e.b, e.n);
	out->n = 0;
	record(out, 22, h.b, h.n);
}

/* ServerHello + Certificate + ServerHelloDone in one record. */
static void server_flight(struct pb *out)
{
	struct pb h = { .n = 0 };
	static const uint8_t rnd[32] = { 2 };
	pb_u8(&h, 2);
	put24(&h, 2 + 32 + 1 + 2 + 1 + 2 + 5 + 6);
	pb_u16(&h, 0x0303);
	pb_bytes(&h, rnd, 32);
	pb_u8(&h, 0);
	pb_u16(&h, 0xc02f);
	pb_u8(&h, 0);
	pb_u16(&h, 11);
	pb_u16(&h, 0xff01); pb_u16(&h, 1); pb_u8(&h, 0);
	pb_u16(&h, 11); pb_u16(&h, 2); pb_u8(&h, 1); pb_u8(&h, 0);
	pb_u8(&h, 11);
	put24(&h, 3 + 3 + sizeof(cert_der));
	put24(&h, 3 + sizeof(cert_der));
	put24(&h, sizeof(cert_der));
	pb_bytes(&h, cert_der, sizeof(cert_der));
	pb_u8(&h, 14);
	put24(&h, 0);
	out->n = 0;
	record(out, 22, h.b, h.n);
}

static void tls_handshake_facts_and_bulk(void **s)
{
	struct otw_engine *e = mk();
	struct conv cv;
	struct pb b;
	static uint8_t big[2 * 1400];
	struct opsum o;
	(void)s;
	conv_init(&cv, e, 50000, 443);
	client_hello(&b);
	conv_send(&cv, true, b.b, b.n);
	server_flight(&b);
	conv_send(&cv, false, b.b, b.n);
	b.n = 0;
	{
		static const uint8_t cke[] = { 16, 0, 0, 2, 1, 9 }, ccs[] = { 1 },
				     fin[40] = { 0x55 };
		record(&b, 22, cke, sizeof(cke));
		record(&b, 20, ccs, 1);
		record(&b, 22, fin, sizeof(fin));
		conv_send(&cv, true, b.b, b.n);
		b.n = 0;
		record(&b, 20, ccs, 1);
		record(&b, 22, fin, sizeof(fin));
		conv_send(&cv, false, b.b, b.n);
	}
	/* a 2000-byte record over two segments, then a header cut 2+3 */
	memset(big, 0x17, sizeof(big));
	big[0] = 23; big[1] = 3; big[2] = 3; big[3] = 0x07; big[4] = 0xd0;
	conv_send(&cv, false, big, 1400);
	big[5 + 2000 - 1400] = 23; /* next header at offset 605 of segment 2 */
	{
		uint8_t seg[607];
		memset(seg, 0xee, sizeof(seg));
		seg[605] = 23;
		seg[606] = 3;
		conv_send(&cv, false, seg, sizeof(seg));
		seg[0] = 3; seg[1] = 0; seg[2] = 4; /* 3 header bytes, 4 body */
		conv_send(&cv, false, seg, 3 + 4);
	}
	/* a fatal alert in cleartext */
	b.n = 0;
	{
		static const uint8_t alert[] = { 2, 40 };
		record(&b, 21, alert, 2);
	}
	conv_init(&cv, e, 50001, 443);
	conv_send(&cv, false, b.b, b.n);
	otw_engine_flush(e, true);

	o = find_op(OTW_APP_TLS, 1);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.unit, 0x0304); /* highest version offered */
	o = find_op(OTW_APP_TLS, 2);
	assert_int_equal(o.responses, 1);
	assert_int_equal(o.unit, 0x0303);
	assert_int_equal(find_op(OTW_APP_TLS, 11).responses, 1);
	assert_int_equal(find_op(OTW_APP_TLS, 14).responses, 1);
	assert_int_equal(find_op(OTW_APP_TLS, 16).count, 1);
	o = find_op(OTW_APP_TLS, 0x116); /* encrypted Finished, both sides */
	assert_int_equal(o.count, 1);
	assert_int_equal(o.responses, 1);
	assert_int_equal(find_op(OTW_APP_TLS, 0x117).responses, 2);
	assert_int_equal(find_op(OTW_APP_TLS, 0x115).exceptions, 1);
	assert_non_null(find_attr(OTW_APP_TLS, OTW_ATTR_HOSTNAME, "plc.example"));
	assert_int_equal(find_attr(OTW_APP_TLS, OTW_ATTR_HOSTNAME, NULL)->ip.b[15], SIP & 0xff);
	assert_non_null(find_attr(OTW_APP_TLS, OTW_ATTR_DESCRIPTION,
				  "ja3:ba56e367277299892e1a86aefd53de70"));
	assert_non_null(find_attr(OTW_APP_TLS, OTW_ATTR_DESCRIPTION,
				  "ja3s:303951d4c50efb2e991652225a6f02b1"));
	assert_non_null(find_attr(OTW_APP_TLS, OTW_ATTR_DESCRIPTION,
				  "cert:CN=plc1.plant.local,exp=2036-11-20,iss=plc1"));
	assert_int_equal(malformed(e, OTW_APP_TLS), 0);
	otw_engine_destroy(e);
}

static void tls_probe_and_resync(void **s)
{
	struct otw_engine *e = mk();
	struct conv cv;
	struct pb b;
	static const uint8_t junk[] = "not a record at all";
	static const uint8_t app[] = { 23, 3, 3, 0, 2, 0xaa, 0xbb };
	(void)s;
	client_hello(&b);
	conv_init(&cv, e, 50000, 9443); /* heuristic port */
	conv_send(&cv, true, b.b, b.n);
	conv_send(&cv, true, junk, sizeof(junk)); /* broken: lost sync */
	conv_send(&cv, true, junk, sizeof(junk)); /* still lost, not counted */
	conv_send(&cv, true, app, sizeof(app)); /* a header again */
	conv_init(&cv, e, 50001, 9444);
	conv_send(&cv, true, app, sizeof(app)); /* app data: no heuristic match */
	otw_engine_flush(e, true);
	assert_int_equal(find_op(OTW_APP_TLS, 1).count, 1);
	assert_int_equal(find_op(OTW_APP_TLS, 0x117).count, 1);
	assert_int_equal(malformed(e, OTW_APP_TLS), 1);
	otw_engine_destroy(e);
}

static void tls_truncations_are_safe(void **s)
{
	struct pb b;
	(void)s;
	client_hello(&b);
	every_prefix(plugin(otw_plugin_tls, 443), true, b.b, b.n);
	every_prefix(plugin(otw_plugin_tls, 0), true, b.b, b.n);
	server_flight(&b);
	every_prefix(plugin(otw_plugin_tls, 443), false, b.b, b.n);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(tls_handshake_facts_and_bulk),
		cmocka_unit_test(tls_probe_and_resync),
		cmocka_unit_test(tls_truncations_are_safe),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
