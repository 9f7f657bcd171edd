/* Unit tests of the LLC (STP, CDP) dissector plug-in (dissect/llc.c). */
#include "dis_harness.h"

static const uint8_t STP_MC[6] = { 0x01, 0x80, 0xc2, 0, 0, 0 };
static const uint8_t CDP_MC[6] = { 0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc };

static void bpdu(struct pb *b, uint8_t ver, uint8_t type)
{
	pb_u16(b, 0);
	pb_u8(b, ver);
	pb_u8(b, type);
	if (type == 0x80)
		return;
	pb_u8(b, 0x3c);                              /* flags */
	pb_u16(b, 0x8000); pb_bytes(b, SMAC, 6);     /* root id */
	pb_u32(b, 0);                                /* cost */
	pb_u16(b, 0x8000); pb_bytes(b, SMAC, 6);     /* bridge id */
	pb_u16(b, 0x8001);
	pb_u16(b, 0); pb_u16(b, 20 << 8); pb_u16(b, 2 << 8); pb_u16(b, 15 << 8);
	if (ver >= 2)
		pb_u8(b, 0);
}

static void cdp_tlv(struct pb *b, uint16_t type, const void *v, size_t n)
{
	pb_u16(b, type);
	pb_u16(b, (uint16_t)(n + 4));
	pb_bytes(b, v, n);
}

static void cdp_frame(struct pb *b)
{
	static const char sw[] = "Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M), "
				 "Version 15.0(2)SE4, RELEASE SOFTWARE (fc1)\nTechnical Support";
	static const uint8_t addr[] = { 0, 0, 0, 1, 1, 1, 0xcc, 0, 4, 10, 1, 1, 5 };
	b->n = 0;
	pb_bytes(b, "\xaa\xaa\x03\x00\x00\x0c\x20\x00", 8);
	pb_u8(b, 2); pb_u8(b, 180); pb_u16(b, 0);
	cdp_tlv(b, 1, "sw-cell-3", 9);
	cdp_tlv(b, 2, addr, sizeof(addr));
	cdp_tlv(b, 3, "GigabitEthernet0/1", 18);
	cdp_tlv(b, 4, "\x00\x00\x00\x28", 4);
	cdp_tlv(b, 5, sw, sizeof(sw) - 1);
	cdp_tlv(b, 6, "cisco WS-C2960-24TT-L", 21);
	cdp_tlv(b, 0x0a, "\x00\x14", 2);
	cdp_tlv(b, 0x0b, "\x01", 1);
}

static void stp_rstp_pvst_and_cdp(void **s)
{
	struct otw_engine *e = mk();
	struct pb b;
	struct opsum o;
	(void)s;
	b.n = 0;
	pb_bytes(&b, "\x42\x42\x03", 3);
	bpdu(&b, 0, 0);
	l2_send(e, STP_MC, (uint16_t)b.n, b.b, b.n);
	b.n = 0;
	pb_bytes(&b, "\x42\x42\x03", 3);
	bpdu(&b, 2, 2);
	l2_send(e, STP_MC, (uint16_t)b.n, b.b, b.n);
	l2_send(e, STP_MC, (uint16_t)b.n, b.b, b.n);
	b.n = 0;
	pb_bytes(&b, "\x42\x42\x03", 3);
	bpdu(&b, 0, 0x80);
	l2_send(e, STP_MC, (uint16_t)b.n, b.b, b.n);
	b.n = 0;
	pb_bytes(&b, "\xaa\xaa\x03\x00\x00\x0c\x01\x0b", 8);
	bpdu(&b, 0, 0);
	l2_send(e, STP_MC, (uint16_t)b.n, b.b, b.n);
	cdp_frame(&b);
	l2_send(e, CDP_MC, (uint16_t)b.n, b.b, b.n);
	b.n = 0;
	pb_bytes(&b, "\xe0\xe0\x03\xff\xff", 5); /* IPX: not ours */
	l2_send(e, STP_MC, (uint16_t)b.n, b.b, b.n);
	otw_engine_flush(e, true);
	o = find_op(OTW_APP_STP, 0);
	assert_int_equal(o.count, 2);
	o = find_op(OTW_APP_STP, 2);
	assert_int_equal(o.count, 2);
	assert_int_equal(o.unit, 2);
	assert_int_equal(find_op(OTW_APP_STP, 0x80).count, 1);
	assert_non_null(find_attr(OTW_APP_STP, OTW_ATTR_ROLE, "switch"));
	assert_non_null(find_attr(OTW_APP_STP, OTW_ATTR_CAPABILITIES, "bridge"));
	o = find_op(OTW_APP_CDP, 1);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.unit, 20);
	assert_non_null(find_attr(OTW_APP_CDP, OTW_ATTR_NAME, "sw-cell-3"));
	assert_non_null(find_attr(OTW_APP_CDP, OTW_ATTR_MGMT_ADDR, "10.1.1.5"));
	assert_non_null(find_attr(OTW_APP_CDP, OTW_ATTR_PORT_ID, "GigabitEthernet0/1"));
	assert_non_null(find_attr(OTW_APP_CDP, OTW_ATTR_CAPABILITIES, "switch,igmp"));
	assert_non_null(find_attr(OTW_APP_CDP, OTW_ATTR_ROLE, "switch"));
	assert_non_null(find_attr(OTW_APP_CDP, OTW_ATTR_FIRMWARE, "15.0(2)SE4"));
	assert_non_null(find_attr(OTW_APP_CDP, OTW_ATTR_PLATFORM, "cisco WS-C2960-24TT-L"));
	assert_non_null(find_attr(OTW_APP_CDP, OTW_ATTR_MODEL, "cisco WS-C2960-24TT-L"));
	assert_non_null(find_attr(OTW_APP_CDP, OTW_ATTR_DESCRIPTION,
				  "Cisco IOS Software, C2960 Software (C2960-LANBAS"));
	assert_int_equal(malformed(e, OTW_APP_STP), 0);
	otw_engine_destroy(e);
}

static void llc_malformed(void **s)
{
	struct otw_engine *e = mk();
	struct pb b;
	(void)s;
	b.n = 0;
	pb_bytes(&b, "\x42\x42\x03\x00\x01\x00\x00", 7); /* protocol id 1 */
	l2_send(e, STP_MC, (uint16_t)b.n, b.b, b.n);
	cdp_frame(&b);
	b.b[14] = 0xff; /* first TLV length past the end */
	l2_send(e, CDP_MC, (uint16_t)b.n, b.b, b.n);
	otw_engine_flush(e, true);
	assert_int_equal(malformed(e, OTW_APP_STP), 1);
	assert_int_equal(malformed(e, OTW_APP_CDP), 1); /* counted under its own app */
	otw_engine_destroy(e);
}

static void llc_truncations_are_safe(void **s)
{
	struct pb b;
	(void)s;
	cdp_frame(&b);
	every_prefix(otw_plugin_llc[0], false, b.b, b.n);
	b.n = 0;
	pb_bytes(&b, "\x42\x42\x03", 3);
	bpdu(&b, 2, 2);
	every_prefix(otw_plugin_llc[0], false, b.b, b.n);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(stp_rstp_pvst_and_cdp),
		cmocka_unit_test(llc_malformed),
		cmocka_unit_test(llc_truncations_are_safe),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
