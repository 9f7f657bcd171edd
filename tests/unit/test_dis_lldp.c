/* Unit tests of the LLDP dissector plug-in (dissect/lldp.c). */
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

static const uint8_t LLDP_MC[6] = { 0x01, 0x80, 0xc2, 0, 0, 0x0e };

static void tlv(struct pb *b, unsigned type, const void *v, size_t n)
{
	pb_u16(b, (uint16_t)(type << 9 | n));
	pb_bytes(b, v, n);
}

static void lldp_switch(struct pb *b, uint16_t ttl)
{
	static const uint8_t chassis[] = { 4, 0x00, 0x1b, 0x1b, 1, 2, 3 };
	static const uint8_t caps[] = { 0, 0x14, 0, 0x04 };
	static const uint8_t mgmt[] = { 5, 1, 192, 168, 1, 2, 2, 0, 0, 0, 1, 0 };
	static const uint8_t pvid[] = { 0x00, 0x80, 0xc2, 1, 0, 10 };
	static const uint8_t dot3[] = { 0x00, 0x12, 0x0f, 1, 3, 0x6c, 0x00, 0x10 };
	static const uint8_t pn[] = { 0x00, 0x0e, 0xcf, 2, 0, 0, 0, 0 };
	uint8_t t[2] = { (uint8_t)(ttl >> 8), (uint8_t)ttl };
	b->n = 0;
	tlv(b, 1, chassis, sizeof(chassis));
	tlv(b, 2, "\x05" "P0.1", 5);
	tlv(b, 3, t, 2);
	tlv(b, 4, "Port 1 uplink", 13);
	tlv(b, 5, "sw-core-1", 9);
	tlv(b, 6, "Siemens, SIMATIC NET, SCALANCE X308-2", 37);
	tlv(b, 7, caps, sizeof(caps));
	tlv(b, 8, mgmt, sizeof(mgmt));
	tlv(b, 127, pvid, sizeof(pvid));
	tlv(b, 127, dot3, sizeof(dot3));
	tlv(b, 127, pn, sizeof(pn));
	tlv(b, 0, "", 0);
}

static void lldp_switch_and_profinet_station(void **s)
{
	struct otw_engine *e = mk();
	struct pb b;
	struct opsum o;
	static const uint8_t caps[] = { 0, 0x84, 0, 0x84 };
	static const char chassis[] = "\x07S7-1200   6ES7 214-1AG40-0XB0";
	(void)s;
	lldp_switch(&b, 120);
	l2_send(e, LLDP_MC, 0x88cc, b.b, b.n);
	lldp_switch(&b, 0);
	l2_send(e, LLDP_MC, 0x88cc, b.b, b.n);
	b.n = 0;
	tlv(&b, 1, chassis, sizeof(chassis) - 1);
	tlv(&b, 2, "\x07port-001.plc1-line2", 20);
	tlv(&b, 3, "\x00\x14", 2);
	tlv(&b, 7, caps, sizeof(caps));
	l2_send(e, LLDP_MC, 0x88cc, b.b, b.n); /* no End TLV: tolerated */
	otw_engine_flush(e, true);
	assert_non_null(find_attr(OTW_APP_LLDP, OTW_ATTR_NAME, "sw-core-1"));
	assert_non_null(find_attr(OTW_APP_LLDP, OTW_ATTR_PORT_ID, "P0.1"));
	assert_non_null(find_attr(OTW_APP_LLDP, OTW_ATTR_DESCRIPTION,
				  "Siemens, SIMATIC NET, SCALANCE X308-2"));
	assert_non_null(find_attr(OTW_APP_LLDP, OTW_ATTR_CAPABILITIES, "bridge"));
	assert_non_null(find_attr(OTW_APP_LLDP, OTW_ATTR_CAPABILITIES, "bridge,station"));
	assert_non_null(find_attr(OTW_APP_LLDP, OTW_ATTR_MGMT_ADDR, "192.168.1.2"));
	assert_int_equal(count_attr(OTW_APP_LLDP, OTW_ATTR_ROLE), 1); /* not the PLC */
	assert_non_null(find_attr(OTW_APP_LLDP, OTW_ATTR_NAME, "plc1-line2"));
	assert_int_equal(count_attr(OTW_APP_LLDP, OTW_ATTR_NAME), 2);
	assert_true(find_attr(OTW_APP_LLDP, OTW_ATTR_NAME, NULL)->has_mac);
	o = find_op(OTW_APP_LLDP, 1);
	assert_int_equal(o.count, 2);
	o = find_op(OTW_APP_LLDP, 2);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.unit, 10);
	assert_int_equal(malformed(e, OTW_APP_LLDP), 0);
	otw_engine_destroy(e);
}

static void lldp_malformed(void **s)
{
	struct otw_engine *e = mk();
	struct pb b;
	(void)s;
	b.n = 0;
	tlv(&b, 2, "\x05" "P0.1", 5); /* port id first */
	l2_send(e, LLDP_MC, 0x88cc, b.b, b.n);
	b.n = 0;
	tlv(&b, 1, "\x07" "abc", 4);
	pb_u16(&b, 2 << 9 | 300); /* runs past the frame */
	l2_send(e, LLDP_MC, 0x88cc, b.b, b.n);
	otw_engine_flush(e, true);
	assert_int_equal(malformed(e, OTW_APP_LLDP), 2);
	assert_false(find_op(OTW_APP_LLDP, 1).seen);
	otw_engine_destroy(e);
}

static void lldp_truncations_are_safe(void **s)
{
	struct pb b;
	(void)s;
	lldp_switch(&b, 120);
	every_prefix(otw_plugin_lldp[0], false, b.b, b.n);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(lldp_switch_and_profinet_station),
		cmocka_unit_test(lldp_malformed),
		cmocka_unit_test(lldp_truncations_are_safe),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
