/* Unit tests of the RDP dissector plug-in (dissect/rdp.c). */
#include "dis_harness.h"

static void rdp_connection_request_and_confirm(void **s)
{
	struct otw_engine *e = mk();
	struct conv cv;
	struct pb b;
	struct opsum o;
	static const char cookie[] = "Cookie: mstshash=administrator\r\n";
	(void)s;
	conv_init(&cv, e, 50000, 3389);
	b.n = 0;
	pb_u8(&b, 3); pb_u8(&b, 0); pb_u16(&b, (uint16_t)(11 + sizeof(cookie) - 1 + 8));
	pb_u8(&b, (uint8_t)(6 + sizeof(cookie) - 1 + 8)); pb_u8(&b, 0xe0);
	pb_u16(&b, 0); pb_u16(&b, 0); pb_u8(&b, 0);
	pb_bytes(&b, cookie, sizeof(cookie) - 1);
	pb_bytes(&b, "\x01\x00\x08\x00\x03\x00\x00\x00", 8); /* SSL | HYBRID */
	conv_send(&cv, true, b.b, b.n);
	b.n = 0;
	pb_u8(&b, 3); pb_u8(&b, 0); pb_u16(&b, 19);
	pb_u8(&b, 14); pb_u8(&b, 0xd0);
	pb_u16(&b, 0); pb_u16(&b, 0x1234); pb_u8(&b, 0);
	pb_bytes(&b, "\x02\x00\x08\x00\x02\x00\x00\x00", 8); /* HYBRID */
	conv_send(&cv, false, b.b, b.n);
	conv_str(&cv, true, "\x16\x03\x01 tls follows");
	conv_str(&cv, false, "\x16\x03\x03 tls follows");
	/* a refused negotiation */
	conv_init(&cv, e, 50001, 3389);
	b.n = 0;
	pb_u8(&b, 3); pb_u8(&b, 0); pb_u16(&b, 19);
	pb_u8(&b, 14); pb_u8(&b, 0xe0); pb_u16(&b, 0); pb_u16(&b, 0); pb_u8(&b, 0);
	pb_bytes(&b, "\x01\x00\x08\x00\x00\x00\x00\x00", 8);
	conv_send(&cv, true, b.b, b.n);
	b.b[5] = 0xd0;
	b.b[11] = 3; /* RDP_NEG_FAILURE */
	conv_send(&cv, false, b.b, b.n);
	otw_engine_flush(e, true);
	o = find_op(OTW_APP_RDP, 1);
	assert_int_equal(o.count, 2);
	assert_int_equal(o.responses, 2);
	assert_int_equal(o.exceptions, 1);
	o = find_op(OTW_APP_RDP, 2);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.responses, 1);
	assert_non_null(find_attr(OTW_APP_RDP, OTW_ATTR_CAPABILITIES, "rdp-security:credssp"));
	for (unsigned i = 0; i < cap.n; i++) /* the cookie's user is never kept */
		if (cap.ev[i].kind == OTW_EV_ATTR)
			assert_null(memmem(cap.ev[i].u.attr.val, cap.ev[i].u.attr.len, "admin", 5));
	assert_int_equal(malformed(e, OTW_APP_RDP), 0);
	otw_engine_destroy(e);
}

static void rdp_truncations_are_safe(void **s)
{
	static const uint8_t cr[] = { 3, 0, 0, 0x24, 0x1f, 0xe0, 0, 0, 0, 0, 0,
				      'C', 'o', 'o', 'k', 'i', 'e', ':', ' ', 'm', 's', 't',
				      's', 'h', 'a', 's', 'h', '=', 'a', '\r', '\n',
				      1, 0, 8, 0, 3, 0, 0, 0 };
	(void)s;
	every_prefix(plugin(otw_plugin_rdp, 3389), true, cr, sizeof(cr));
	every_prefix(plugin(otw_plugin_rdp, 3389), false, cr, sizeof(cr));
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(rdp_connection_request_and_confirm),
		cmocka_unit_test(rdp_truncations_are_safe),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
