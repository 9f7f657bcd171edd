/* Unit tests of the FTP dissector plug-in (dissect/ftp.c). */
#include "dis_harness.h"

static void ftp_commands_replies_and_login(void **s)
{
	struct otw_engine *e = mk();
	struct conv cv;
	struct opsum o;
	(void)s;
	conv_init(&cv, e, 50000, 21);
	conv_str(&cv, false, "220-Welcome\r\n220 PLC FTP server (VxWorks 6.9) ready.\r\n");
	conv_str(&cv, true, "USER target\r\n");
	conv_str(&cv, false, "331 Password required\r\n");
	conv_str(&cv, true, "PASS s3cret\r\n");
	conv_str(&cv, false, "230 Logged in\r\n");
	conv_str(&cv, true, "TYPE I\r\nSTOR /flash/app.bin\r\n");
	conv_str(&cv, false, "200 ok\r\n150 Opening\r\n226 Done\r\n");
	conv_str(&cv, true, "DELE x\r\n");
	conv_str(&cv, false, "550 No such file\r\n");
	conv_str(&cv, true, "RE"); /* a command cut by the segment: skipped */
	conv_str(&cv, true, "TR y\r\nXYZW\r\n");
	conv_str(&cv, false, "500 what\r\n");
	otw_engine_flush(e, true);
	assert_non_null(find_attr(OTW_APP_FTP, OTW_ATTR_SERVER, "PLC FTP server (VxWorks 6.9) ready."));
	assert_int_equal(find_attr(OTW_APP_FTP, OTW_ATTR_SERVER, NULL)->ip.b[15], SIP & 0xff);
	assert_non_null(find_attr(OTW_APP_FTP, OTW_ATTR_CAPABILITIES, "cleartext-login"));
	assert_int_equal(find_attr(OTW_APP_FTP, OTW_ATTR_CAPABILITIES, NULL)->ip.b[15],
			 SIP & 0xff);
	for (unsigned i = 0; i < cap.n; i++) /* the password is never reported */
		if (cap.ev[i].kind == OTW_EV_ATTR)
			assert_null(memmem(cap.ev[i].u.attr.val, cap.ev[i].u.attr.len, "s3cret", 6));
	assert_int_equal(find_op(OTW_APP_FTP, 100).responses, 1);
	assert_int_equal(find_op(OTW_APP_FTP, 1).responses, 1);
	assert_int_equal(find_op(OTW_APP_FTP, 2).responses, 1);
	assert_int_equal(find_op(OTW_APP_FTP, 101).count, 1);
	o = find_op(OTW_APP_FTP, 11);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.responses, 1); /* 150 is preliminary */
	o = find_op(OTW_APP_FTP, 13);
	assert_int_equal(o.exceptions, 1);
	assert_int_equal(find_op(OTW_APP_FTP, 0).count, 1); /* XYZW */
	assert_false(find_op(OTW_APP_FTP, 10).seen);
	assert_int_equal(malformed(e, OTW_APP_FTP), 0);
	otw_engine_destroy(e);
}

static void ftp_auth_tls_stops_parsing(void **s)
{
	struct otw_engine *e = mk();
	struct conv cv;
	(void)s;
	conv_init(&cv, e, 50000, 21);
	conv_str(&cv, false, "220 ready\r\n");
	conv_str(&cv, true, "AUTH TLS\r\n");
	conv_str(&cv, false, "234 go\r\n");
	conv_str(&cv, true, "\x16\x03\x01\x00\x05hello");
	conv_str(&cv, true, "PASS x\r\n"); /* inside TLS: not a command */
	conv_init(&cv, e, 50001, 21);
	conv_str(&cv, true, "\x01\x02 binary");
	otw_engine_flush(e, true);
	assert_int_equal(find_op(OTW_APP_FTP, 25).responses, 1);
	assert_int_equal(find_op(OTW_APP_FTP, 102).count, 2);
	assert_false(find_op(OTW_APP_FTP, 2).seen);
	assert_null(find_attr(OTW_APP_FTP, OTW_ATTR_CAPABILITIES, NULL));
	otw_engine_destroy(e);
}

static void ftp_truncations_are_safe(void **s)
{
	static const char c[] = "USER a\r\nPASS b\r\nSTOR c\r\n";
	static const char r[] = "220-x\r\n220 y\r\n331 z\r\n";
	(void)s;
	every_prefix(plugin(otw_plugin_ftp, 21), true, (const uint8_t *)c, sizeof(c) - 1);
	every_prefix(plugin(otw_plugin_ftp, 21), false, (const uint8_t *)r, sizeof(r) - 1);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(ftp_commands_replies_and_login),
		cmocka_unit_test(ftp_auth_tls_stops_parsing),
		cmocka_unit_test(ftp_truncations_are_safe),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
