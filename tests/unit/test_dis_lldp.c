/* Unit tests of the LLDP dissector plug-in (dissect/lldp.c). */
#include "dis_harness.h"

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
