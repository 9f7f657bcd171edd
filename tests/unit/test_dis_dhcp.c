/* DHCPv4 and DHCPv6 plug-in (dissect/dhcp.c): ops, facts, malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "engine.h"
#include "otw_app.h"
#include "otw_pkt.h"
#include "pktbuild.h"
#include "registry.h"

/* ---- harness: run frames through the engine, look at the events ---- */

struct cap {
	struct otw_ev ev[1024];
	unsigned n;
};

static struct cap cap;

static void cap_sink(void *arg, const struct otw_ev *evs, uint16_t n)
{
	struct cap *c = arg;
	for (uint16_t i = 0; i < n && c->n < 1024; i++)
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

static void done(struct otw_engine *e)
{
	otw_engine_flush(e, true);
}

static __attribute__((unused)) uint64_t malformed(struct otw_engine *e, unsigned app)
{
	struct otw_engine_stats st;
	otw_engine_get_stats(e, &st);
	return st.app_malformed[app];
}

static __attribute__((unused)) void pb_ipv6(struct pb *p, const uint8_t src[16], const uint8_t dst[16],
		    uint8_t nh, size_t l4len)
{
	pb_u32(p, 0x60000000);
	pb_u16(p, (uint16_t)l4len);
	pb_u8(p, nh);
	pb_u8(p, 64);
	pb_bytes(p, src, 16);
	pb_bytes(p, dst, 16);
}

static void udp4_frame(struct pb *b, const uint8_t smac[6], const uint8_t dmac[6],
		       uint32_t sip, uint32_t dip, uint16_t sp, uint16_t dp,
		       const void *pay, size_t n)
{
	b->n = 0;
	pb_eth(b, dmac, smac, 0x0800);
	pb_ipv4(b, sip, dip, 17, 8 + n);
	pb_udp(b, sp, dp, n);
	pb_bytes(b, pay, n);
}

static void udp4(struct otw_engine *e, const uint8_t smac[6], const uint8_t dmac[6],
		 uint32_t sip, uint32_t dip, uint16_t sp, uint16_t dp,
		 const void *pay, size_t n)
{
	struct pb b;
	udp4_frame(&b, smac, dmac, sip, dip, sp, dp, pay, n);
	otw_engine_packet(e, b.b, (uint32_t)b.n, (uint32_t)b.n, 1000000000ull);
}

static __attribute__((unused)) void udp6(struct otw_engine *e, const uint8_t smac[6], const uint8_t dmac[6],
		 const uint8_t sip[16], const uint8_t dip[16], uint16_t sp,
		 uint16_t dp, const void *pay, size_t n)
{
	struct pb b;
	b.n = 0;
	pb_eth(&b, dmac, smac, 0x86dd);
	pb_ipv6(&b, sip, dip, 17, 8 + n);
	pb_udp(&b, sp, dp, n);
	pb_bytes(&b, pay, n);
	otw_engine_packet(e, b.b, (uint32_t)b.n, (uint32_t)b.n, 1000000000ull);
}

/* The attr event with key, or NULL; val (if set) must match exactly. */
static __attribute__((unused)) const struct otw_ev_attr *attr(unsigned key, const char *val)
{
	for (unsigned i = 0; i < cap.n; i++) {
		const struct otw_ev_attr *a = &cap.ev[i].u.attr;
		if (cap.ev[i].kind != OTW_EV_ATTR || a->key != key)
			continue;
		if (val == NULL || (strlen(val) == a->len &&
				    memcmp(a->val, val, a->len) == 0))
			return a;
	}
	return NULL;
}

static __attribute__((unused)) unsigned n_attrs(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < cap.n; i++)
		n += cap.ev[i].kind == OTW_EV_ATTR;
	return n;
}

/* Sum of the op events of (app, unit, func); unit < 0: any unit. */
static struct otw_ev_op op_sum(unsigned app, int unit, unsigned func)
{
	struct otw_ev_op s;
	memset(&s, 0, sizeof(s));
	for (unsigned i = 0; i < cap.n; i++) {
		const struct otw_ev_op *o = &cap.ev[i].u.op;
		if (cap.ev[i].kind != OTW_EV_OP || o->app != app || o->func != func ||
		    (unit >= 0 && o->unit != (unsigned)unit))
			continue;
		s.count += o->count;
		s.responses += o->responses;
		s.exceptions += o->exceptions;
		s.unit = o->unit;
		s.addr_lo = o->addr_lo;
		s.addr_hi = o->addr_hi;
		s.src_ip = o->src_ip;
		s.dst_ip = o->dst_ip;
	}
	return s;
}

/* Call the dissector of app directly on every prefix of the payload of
 * frame (each in an exact-size heap copy, so ASan sees any overread),
 * with the flow state carried across; none may crash. */
static void every_prefix(unsigned app, const struct pb *frame)
{
	struct otw_engine *e = mk();
	const struct otw_dissector *d = otw_registry_get(app);
	struct otw_pkt p;
	uint8_t state[OTW_APP_STATE_BYTES];

	assert_non_null(d);
	assert_true(otw_pkt_decode(frame->b, frame->n, &p));
	for (size_t n = 0; n <= p.payload_len; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, p.payload, n);
		struct otw_cur c = otw_cur_make(copy, n);
		struct otw_dctx x = { .eng = e, .pkt = &p, .client = &p.src,
				      .server = &p.dst, .state = state,
				      .app = (uint16_t)app, .from_client = true,
				      .ts_ns = 1 };
		memset(state, 0, sizeof(state));
		if (d->probe != NULL)
			(void)d->probe(&c, &x);
		enum otw_verdict v = d->dissect(&c, &x);
		assert_true(v == OTW_OK || v == OTW_SHORT || v == OTW_MALFORMED);
		free(copy);
	}
	otw_engine_destroy(e);
}

static const uint8_t CLI[6] = { 0x00, 0x1b, 0x1b, 0x11, 0x22, 0x33 };
static const uint8_t SRV[6] = { 0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc };
static const uint8_t RLY[6] = { 0x00, 0x0c, 0x29, 0x99, 0x99, 0x99 };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
#define SRV_IP 0xc0a80101 /* 192.168.1.1 */
#define LEASE_IP 0xc0a80164 /* 192.168.1.100 */

/* A BOOTP/DHCP message: op, yiaddr, giaddr, chaddr, then options. */
static size_t dhcp_msg(uint8_t *m, uint8_t op, uint32_t yiaddr, uint32_t giaddr,
		       const uint8_t chaddr[6], const uint8_t *opts, size_t nopts)
{
	struct pb b;
	b.n = 0;
	pb_u8(&b, op);
	pb_u8(&b, 1);
	pb_u8(&b, 6);
	pb_u8(&b, 0);
	pb_u32(&b, 0x12345678);
	pb_u32(&b, 0);
	pb_u32(&b, 0);          /* ciaddr */
	pb_u32(&b, yiaddr);
	pb_u32(&b, 0);          /* siaddr */
	pb_u32(&b, giaddr);
	pb_bytes(&b, chaddr, 6);
	memset(b.b + b.n, 0, 10 + 192);
	b.n += 10 + 192;
	pb_u32(&b, 0x63825363);
	pb_bytes(&b, opts, nopts);
	memcpy(m, b.b, b.n);
	return b.n;
}

static const uint8_t DISCOVER_OPTS[] = {
	53, 1, 1,
	12, 6, 'p', 'l', 'c', '-', '0', '1',
	60, 8, 'M', 'S', 'F', 'T', ' ', '5', '.', '0',
	55, 4, 1, 3, 6, 15,
	0, 0,              /* pads */
	255,
};

static void dhcp_client_facts_and_ops(void **s)
{
	uint8_t m[600];
	size_t n;
	struct otw_engine *e = mk();
	(void)s;
	n = dhcp_msg(m, 1, 0, 0, CLI, DISCOVER_OPTS, sizeof(DISCOVER_OPTS));
	udp4(e, CLI, BCAST, 0, 0xffffffff, 68, 67, m, n);
	static const uint8_t offer[] = { 53, 1, 2, 54, 4, 192, 168, 1, 1,
					 15, 7, 'e', 'x', '.', 'c', 'o', 'r', 'p',
					 255 };
	n = dhcp_msg(m, 2, LEASE_IP, 0, CLI, offer, sizeof(offer));
	udp4(e, SRV, CLI, SRV_IP, LEASE_IP, 67, 68, m, n);
	static const uint8_t ack[] = { 53, 1, 5, 54, 4, 192, 168, 1, 1, 255 };
	n = dhcp_msg(m, 2, LEASE_IP, 0, CLI, ack, sizeof(ack));
	udp4(e, SRV, CLI, SRV_IP, LEASE_IP, 67, 68, m, n);
	static const uint8_t nak[] = { 53, 1, 6, 54, 4, 192, 168, 1, 1, 255 };
	n = dhcp_msg(m, 2, 0, 0, CLI, nak, sizeof(nak));
	udp4(e, SRV, BCAST, SRV_IP, 0xffffffff, 67, 68, m, n);
	done(e);

	assert_int_equal(op_sum(OTW_APP_DHCP, 0, 1).count, 1);   /* discover */
	assert_int_equal(op_sum(OTW_APP_DHCP, 0, 2).responses, 1); /* offer */
	struct otw_ev_op ackop = op_sum(OTW_APP_DHCP, 0, 5);
	assert_int_equal(ackop.responses, 1);
	assert_int_equal(ackop.addr_lo, LEASE_IP); /* the lease */
	assert_int_equal(op_sum(OTW_APP_DHCP, 0, 2).addr_lo, OTW_ADDR_NONE);
	assert_int_equal(op_sum(OTW_APP_DHCP, 0, 6).exceptions, 1); /* nak */

	const struct otw_ev_attr *a = attr(OTW_ATTR_HOSTNAME, "plc-01");
	assert_non_null(a);
	assert_memory_equal(a->mac, CLI, 6);
	assert_false(a->has_ip); /* 0.0.0.0 */
	assert_non_null(attr(OTW_ATTR_DHCP_VENDOR_CLASS, "MSFT 5.0"));
	assert_non_null(attr(OTW_ATTR_DHCP_FINGERPRINT, "1,3,6,15"));
	a = attr(OTW_ATTR_DOMAIN, "ex.corp"); /* told to the client */
	assert_non_null(a);
	assert_memory_equal(a->mac, CLI, 6);
	a = attr(OTW_ATTR_CAPABILITIES, "dhcp-server");
	assert_non_null(a);
	assert_memory_equal(a->mac, SRV, 6);
	assert_int_equal(malformed(e, OTW_APP_DHCP), 0);
	otw_engine_destroy(e);
}

/* A relayed request: the frame's MAC is the relay's, chaddr another
 * host's: no facts may land on the relay. */
static void dhcp_relay_gives_no_facts(void **s)
{
	uint8_t m[600];
	size_t n;
	struct otw_engine *e = mk();
	(void)s;
	n = dhcp_msg(m, 1, 0, 0x0a000001, CLI, DISCOVER_OPTS, sizeof(DISCOVER_OPTS));
	udp4(e, RLY, SRV, 0x0a000001, SRV_IP, 67, 67, m, n);
	/* server offer through the relay: option 54 is not the sender */
	static const uint8_t offer[] = { 53, 1, 2, 54, 4, 192, 168, 1, 1, 255 };
	n = dhcp_msg(m, 2, LEASE_IP, 0x0a000001, CLI, offer, sizeof(offer));
	udp4(e, RLY, CLI, 0x0a000001, LEASE_IP, 67, 68, m, n);
	done(e);
	assert_int_equal(op_sum(OTW_APP_DHCP, 0, 1).count, 1);
	assert_int_equal(n_attrs(), 0);
	otw_engine_destroy(e);
}

/* RFC 4702 client FQDN, wire-encoded (E flag). */
static void dhcp_fqdn_option(void **s)
{
	uint8_t m[600];
	size_t n;
	static const uint8_t opts[] = { 53, 1, 3, 81, 12, 0x05, 0, 0,
					3, 'h', 'm', 'i', 3, 'l', 'a', 'b', 0,
					255 };
	struct otw_engine *e = mk();
	(void)s;
	n = dhcp_msg(m, 1, 0, 0, CLI, opts, sizeof(opts));
	udp4(e, CLI, BCAST, 0, 0xffffffff, 68, 67, m, n);
	done(e);
	assert_non_null(attr(OTW_ATTR_HOSTNAME, "hmi"));
	assert_non_null(attr(OTW_ATTR_DOMAIN, "lab"));
	assert_int_equal(op_sum(OTW_APP_DHCP, 0, 3).count, 1);
	otw_engine_destroy(e);
}

static void dhcp_malformed_and_not_dhcp(void **s)
{
	uint8_t m[600];
	size_t n;
	static const uint8_t bad[] = { 53, 1, 1, 12, 200, 'x' }; /* overrun */
	static const uint8_t badtype[] = { 53, 1, 42, 255 };
	struct otw_engine *e = mk();
	(void)s;
	n = dhcp_msg(m, 1, 0, 0, CLI, DISCOVER_OPTS, sizeof(DISCOVER_OPTS));
	udp4(e, CLI, BCAST, 0, 0xffffffff, 68, 67, m, n); /* classify */
	n = dhcp_msg(m, 1, 0, 0, CLI, bad, sizeof(bad));
	udp4(e, CLI, BCAST, 0, 0xffffffff, 68, 67, m, n);
	n = dhcp_msg(m, 1, 0, 0, CLI, badtype, sizeof(badtype));
	udp4(e, CLI, BCAST, 0, 0xffffffff, 68, 67, m, n);
	m[236] = 0; /* magic cookie broken */
	udp4(e, CLI, BCAST, 0, 0xffffffff, 68, 67, m, n);
	/* random bytes to port 67 of another flow are not classified */
	static const uint8_t junk[300] = { 7, 7, 7 };
	udp4(e, CLI, SRV, 0x0a000009, SRV_IP, 68, 67, junk, sizeof(junk));
	done(e);
	assert_int_equal(malformed(e, OTW_APP_DHCP), 3);
	assert_int_equal(op_sum(OTW_APP_DHCP, 0, 1).count, 1);
	otw_engine_destroy(e);
}

static void dhcp_every_truncation_is_safe(void **s)
{
	uint8_t m[600];
	size_t n;
	struct pb b;
	(void)s;
	n = dhcp_msg(m, 1, 0, 0, CLI, DISCOVER_OPTS, sizeof(DISCOVER_OPTS));
	udp4_frame(&b, CLI, BCAST, 0, 0xffffffff, 68, 67, m, n);
	every_prefix(OTW_APP_DHCP, &b);
}

/* ---- DHCPv6 ---- */

static const uint8_t LL6[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x1b, 0x1b,
				 0xff, 0xfe, 0x11, 0x22, 0x33 };
static const uint8_t ALLDHCP[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				     1, 0, 2 };
static const uint8_t MC6[6] = { 0x33, 0x33, 0, 1, 0, 2 };

static const uint8_t SOLICIT[] = {
	1, 0xab, 0xcd, 0xef,
	0, 1, 0, 4, 0, 3, 0, 1,                         /* client id (DUID) */
	0, 6, 0, 8, 0, 24, 0, 23, 0, 17, 0, 39,         /* ORO */
	0, 39, 0, 10, 0, 3, 'p', 'l', 'c', 3, 'l', 'a', 'b', 0, /* FQDN */
	0, 16, 0, 14, 0, 0, 1, 0x37, 0, 8, 'M', 'S', 'F', 'T', ' ', '5', '.', '0',
};

static void dhcpv6_solicit_facts(void **s)
{
	struct otw_engine *e = mk();
	(void)s;
	udp6(e, CLI, MC6, LL6, ALLDHCP, 546, 547, SOLICIT, sizeof(SOLICIT));
	static const uint8_t reply[] = { 7, 0xab, 0xcd, 0xef, 0, 2, 0, 2, 0, 1,
					 0, 13, 0, 2, 0, 2 }; /* NoAddrsAvail */
	udp6(e, SRV, CLI, ALLDHCP, LL6, 547, 546, reply, sizeof(reply));
	done(e);
	assert_int_equal(op_sum(OTW_APP_DHCPV6, 0, 1).count, 1);
	assert_int_equal(op_sum(OTW_APP_DHCPV6, 0, 7).exceptions, 1);
	assert_non_null(attr(OTW_ATTR_HOSTNAME, "plc"));
	assert_non_null(attr(OTW_ATTR_DOMAIN, "lab"));
	assert_non_null(attr(OTW_ATTR_DHCP_VENDOR_CLASS, "MSFT 5.0"));
	assert_non_null(attr(OTW_ATTR_DHCP_FINGERPRINT, "24,23,17,39"));
	const char *cat = NULL;
	assert_string_equal(otw_registry_op_name(OTW_APP_DHCPV6, 1, &cat), "solicit");
	assert_string_equal(otw_registry_op_name(OTW_APP_DHCP, 5, &cat), "ack");
	assert_string_equal(cat, OTW_CAT_SESSION);
	assert_int_equal(malformed(e, OTW_APP_DHCPV6), 0);
	otw_engine_destroy(e);
}

static void dhcpv6_every_truncation_is_safe(void **s)
{
	struct pb b;
	(void)s;
	b.n = 0;
	pb_eth(&b, MC6, CLI, 0x86dd);
	pb_ipv6(&b, LL6, ALLDHCP, 17, 8 + sizeof(SOLICIT));
	pb_udp(&b, 546, 547, sizeof(SOLICIT));
	pb_bytes(&b, SOLICIT, sizeof(SOLICIT));
	every_prefix(OTW_APP_DHCPV6, &b);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(dhcp_client_facts_and_ops),
		cmocka_unit_test(dhcp_relay_gives_no_facts),
		cmocka_unit_test(dhcp_fqdn_option),
		cmocka_unit_test(dhcp_malformed_and_not_dhcp),
		cmocka_unit_test(dhcp_every_truncation_is_safe),
		cmocka_unit_test(dhcpv6_solicit_facts),
		cmocka_unit_test(dhcpv6_every_truncation_is_safe),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
