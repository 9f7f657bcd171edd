/* DHCPv4 and DHCPv6 plug-in (dissect/dhcp.c): ops, facts, malformed input. */
#include "udp_harness.h"

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
