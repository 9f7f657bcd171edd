/* Unit tests of the Telnet dissector plug-in (dissect/telnet.c). */
#include "dis_harness.h"

static void telnet_session_data_and_login(void **s)
{
	struct otw_engine *e = mk();
	struct conv cv;
	static const uint8_t neg[] = { 255, 253, 24, 255, 250, 24, 1, 255, 240, 255, 251, 1 };
	(void)s;
	conv_init(&cv, e, 50000, 23);
	conv_send(&cv, false, neg, sizeof(neg));
	conv_send(&cv, true, neg, 3);
	conv_str(&cv, false, "\r\nSCALANCE X200\r\nlogin: ");
	conv_str(&cv, true, "a");
	conv_str(&cv, true, "dmin\r\n");
	conv_str(&cv, false, "Password: ");
	conv_str(&cv, true, "secret\r\n");
	otw_engine_flush(e, true);
	assert_int_equal(find_op(OTW_APP_TELNET, 1).responses, 1);
	assert_int_equal(find_op(OTW_APP_TELNET, 3).count, 1);
	assert_int_equal(find_op(OTW_APP_TELNET, 3).responses, 1);
	assert_int_equal(find_op(OTW_APP_TELNET, 2).count, 3);
	assert_int_equal(find_op(OTW_APP_TELNET, 2).responses, 2);
	assert_int_equal(find_op(OTW_APP_TELNET, 4).count, 1);
	assert_non_null(find_attr(OTW_APP_TELNET, OTW_ATTR_CAPABILITIES, "cleartext-login"));
	assert_int_equal(find_attr(OTW_APP_TELNET, OTW_ATTR_CAPABILITIES, NULL)->ip.b[15],
			 SIP & 0xff);
	otw_engine_destroy(e);
}

static void telnet_probe_rejects_binary(void **s)
{
	struct otw_engine *e = mk();
	struct conv cv;
	static const uint8_t bin[] = { 0x00, 0x01, 0x80, 0x90, 0x17 };
	(void)s;
	conv_init(&cv, e, 50000, 23);
	/* three rejected payloads use up the flow's classification tries */
	conv_send(&cv, true, bin, sizeof(bin));
	conv_send(&cv, true, bin, sizeof(bin));
	conv_send(&cv, true, bin, sizeof(bin));
	conv_str(&cv, false, "login: ");
	otw_engine_flush(e, true);
	assert_false(find_op(OTW_APP_TELNET, 1).seen);
	otw_engine_destroy(e);
}

static void telnet_truncations_are_safe(void **s)
{
	static const uint8_t p[] = { 255, 250, 24, 1, 255, 255, 240, 'a', 255, 251 };
	(void)s;
	every_prefix(plugin(otw_plugin_telnet, 23), false, p, sizeof(p));
	every_prefix(plugin(otw_plugin_telnet, 23), true, p, sizeof(p));
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(telnet_session_data_and_login),
		cmocka_unit_test(telnet_probe_rejects_binary),
		cmocka_unit_test(telnet_truncations_are_safe),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
