/* Unit tests of the SSH dissector plug-in (dissect/ssh.c). */
#include "dis_harness.h"

/* A cleartext binary packet of message msg with n payload bytes. */
static size_t ssh_pkt(uint8_t *out, uint8_t msg, size_t n)
{
	size_t plen = 1 + 1 + n + 4;
	out[0] = 0; out[1] = 0;
	out[2] = (uint8_t)(plen >> 8);
	out[3] = (uint8_t)plen;
	out[4] = 4;
	out[5] = msg;
	memset(out + 6, 0x11, n + 4);
	return 4 + plen;
}

static void ssh_banners_kex_and_encrypted(void **s)
{
	struct otw_engine *e = mk();
	struct conv cv;
	static uint8_t b[3000];
	size_t n;
	struct opsum o;
	(void)s;
	conv_init(&cv, e, 50000, 22);
	conv_str(&cv, false, "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1\r\n");
	conv_str(&cv, true, "SSH-2.0-PuTTY_Release_0.78\r\n");
	n = ssh_pkt(b, 20, 1000); /* KEXINIT cut over two segments */
	conv_send(&cv, true, b, 600);
	conv_send(&cv, true, b + 600, n - 600);
	n = ssh_pkt(b, 20, 300);
	n += ssh_pkt(b + n, 31, 100);
	n += ssh_pkt(b + n, 21, 0);
	conv_send(&cv, false, b, n);
	n = ssh_pkt(b, 30, 40);
	n += ssh_pkt(b + n, 21, 0);
	memset(b + n, 0x99, 64); /* first encrypted bytes in the same segment */
	conv_send(&cv, true, b, n + 64);
	conv_send(&cv, true, b, 100);
	conv_send(&cv, false, b, 100);
	otw_engine_flush(e, true);
	assert_non_null(find_attr(OTW_APP_SSH, OTW_ATTR_SERVER,
				  "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1"));
	assert_int_equal(find_attr(OTW_APP_SSH, OTW_ATTR_SERVER, NULL)->ip.b[15], SIP & 0xff);
	assert_non_null(find_attr(OTW_APP_SSH, OTW_ATTR_USER_AGENT,
				  "SSH-2.0-PuTTY_Release_0.78"));
	o = find_op(OTW_APP_SSH, 20);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.responses, 1);
	o = find_op(OTW_APP_SSH, 21);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.responses, 1);
	assert_int_equal(find_op(OTW_APP_SSH, 30).count, 1);
	assert_int_equal(find_op(OTW_APP_SSH, 31).responses, 1);
	o = find_op(OTW_APP_SSH, 0x101);
	assert_int_equal(o.count, 2);
	assert_int_equal(o.responses, 1);
	assert_int_equal(find_op(OTW_APP_SSH, 0x100).count, 1);
	assert_int_equal(malformed(e, OTW_APP_SSH), 0);
	otw_engine_destroy(e);
}

static void ssh_probe_preamble_and_garbage(void **s)
{
	struct otw_engine *e = mk();
	struct conv cv;
	static const uint8_t bad[] = { 0, 0, 0xff, 0xff, 4, 20, 0 };
	(void)s;
	conv_init(&cv, e, 50000, 22); /* RFC 4253 §4.2: lines before it */
	conv_str(&cv, false, "Welcome\r\nSSH-2.0-dropbear_2020.81\r\n");
	conv_init(&cv, e, 50002, 2222); /* heuristic */
	conv_str(&cv, false, "Welcome\r\nSSH-2.0-other\r\n");
	conv_init(&cv, e, 50003, 2222);
	conv_str(&cv, false, "SSH-2.0-RomSShell_5.40\r\n");
	conv_send(&cv, false, bad, sizeof(bad)); /* length > 35000 */
	conv_init(&cv, e, 50001, 2223);
	conv_str(&cv, false, "SSH-1.5-old\n"); /* not for the heuristic */
	conv_init(&cv, e, 50004, 22);
	conv_str(&cv, false, "no banner here\r\n"); /* rejected */
	otw_engine_flush(e, true);
	assert_non_null(find_attr(OTW_APP_SSH, OTW_ATTR_SERVER, "SSH-2.0-dropbear_2020.81"));
	assert_non_null(find_attr(OTW_APP_SSH, OTW_ATTR_SERVER, "SSH-2.0-RomSShell_5.40"));
	assert_null(find_attr(OTW_APP_SSH, OTW_ATTR_SERVER, "SSH-2.0-other"));
	assert_int_equal(find_op(OTW_APP_SSH, 0x100).responses, 2);
	assert_int_equal(malformed(e, OTW_APP_SSH), 1);
	otw_engine_destroy(e);
}

static void ssh_truncations_are_safe(void **s)
{
	static uint8_t b[600];
	size_t n;
	(void)s;
	memcpy(b, "SSH-2.0-x\r\n", 11);
	n = 11 + ssh_pkt(b + 11, 20, 200);
	n += ssh_pkt(b + n, 21, 0);
	every_prefix(plugin(otw_plugin_ssh, 22), true, b, n);
	every_prefix(plugin(otw_plugin_ssh, 22), false, b, n);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(ssh_banners_kex_and_encrypted),
		cmocka_unit_test(ssh_probe_preamble_and_garbage),
		cmocka_unit_test(ssh_truncations_are_safe),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
