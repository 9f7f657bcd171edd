/* Unit tests of the VNC dissector plug-in (dissect/vnc.c). */
#include "dis_harness.h"

static void vnc_handshake_auth_and_input(void **s)
{
	struct otw_engine *e = mk();
	struct conv cv;
	static const uint8_t types[] = { 2, 1, 2 }, choose[] = { 2 }, ok[] = { 0, 0, 0, 0 };
	static uint8_t chal[16], init[24 + 8];
	static const uint8_t input[] = { 4, 1, 0, 0, 0, 0, 0, 0x41,       /* key */
					 5, 0, 0, 10, 0, 20,               /* pointer */
					 3, 1, 0, 0, 0, 0, 1, 0, 1, 0 };   /* update req */
	(void)s;
	conv_init(&cv, e, 50000, 5900);
	conv_str(&cv, false, "RFB 003.008\n");
	conv_str(&cv, true, "RFB 003.008\n");
	conv_send(&cv, false, types, sizeof(types));
	conv_send(&cv, true, choose, 1);
	conv_send(&cv, false, chal, 16);
	conv_send(&cv, true, chal, 16);
	conv_send(&cv, false, ok, 4);
	conv_send(&cv, true, choose, 1); /* ClientInit (shared) */
	init[23] = 8;
	memcpy(init + 24, "HMI-Line", 8);
	conv_send(&cv, false, init, sizeof(init));
	conv_send(&cv, true, input, sizeof(input));
	conv_send(&cv, false, chal, 16);
	otw_engine_flush(e, true);
	assert_non_null(find_attr(OTW_APP_VNC, OTW_ATTR_SERVER, "RFB 003.008"));
	assert_int_equal(find_attr(OTW_APP_VNC, OTW_ATTR_SERVER, NULL)->ip.b[15], SIP & 0xff);
	assert_non_null(find_attr(OTW_APP_VNC, OTW_ATTR_CAPABILITIES, "none,vnc-auth"));
	assert_non_null(find_attr(OTW_APP_VNC, OTW_ATTR_DESCRIPTION, "vnc-desktop:HMI-Line"));
	assert_int_equal(find_op(OTW_APP_VNC, 1).count, 1);
	assert_int_equal(find_op(OTW_APP_VNC, 1).responses, 1);
	assert_int_equal(find_op(OTW_APP_VNC, 2).count, 1);
	assert_int_equal(find_op(OTW_APP_VNC, 3).responses, 1);
	assert_int_equal(find_op(OTW_APP_VNC, 3).exceptions, 0);
	assert_int_equal(find_op(OTW_APP_VNC, 4).count, 1);
	assert_int_equal(find_op(OTW_APP_VNC, 4).responses, 1);
	assert_int_equal(find_op(OTW_APP_VNC, 0x104).count, 1);
	assert_int_equal(find_op(OTW_APP_VNC, 0x105).count, 1);
	assert_int_equal(find_op(OTW_APP_VNC, 0x103).count, 1);
	assert_int_equal(find_op(OTW_APP_VNC, 5).responses, 1);
	otw_engine_destroy(e);
}

static void vnc_failed_auth_is_an_exception(void **s)
{
	struct otw_engine *e = mk();
	struct conv cv;
	static const uint8_t fail_[] = { 0, 0, 0, 1 }, chal[16] = { 0 };
	static const uint8_t t33[] = { 0, 0, 0, 2 };
	(void)s;
	conv_init(&cv, e, 50000, 5901); /* heuristic */
	conv_str(&cv, false, "RFB 003.003\n");
	conv_str(&cv, true, "RFB 003.003\n");
	conv_send(&cv, false, t33, 4);
	conv_send(&cv, false, chal, 16);
	conv_send(&cv, true, chal, 16);
	conv_send(&cv, false, fail_, 4);
	otw_engine_flush(e, true);
	assert_int_equal(find_op(OTW_APP_VNC, 2).responses, 1);
	assert_int_equal(find_op(OTW_APP_VNC, 3).exceptions, 1);
	otw_engine_destroy(e);
}

static void vnc_truncations_are_safe(void **s)
{
	static uint8_t init[24 + 4];
	static const uint8_t msgs[] = { 2, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 5,
					6, 0, 0, 0, 0, 0, 0, 3, 'a', 'b', 'c' };
	(void)s;
	init[23] = 4;
	every_prefix(plugin(otw_plugin_vnc, 5900), false, (const uint8_t *)"RFB 003.008\n", 12);
	every_prefix(plugin(otw_plugin_vnc, 5900), false, init, sizeof(init));
	every_prefix(plugin(otw_plugin_vnc, 5900), true, msgs, sizeof(msgs));
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(vnc_handshake_auth_and_input),
		cmocka_unit_test(vnc_failed_auth_is_an_exception),
		cmocka_unit_test(vnc_truncations_are_safe),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
