/* ntp plug-in (dissect/ntp.c): ops, identity facts, malformed input. */
#include "udp_harness.h"

static const uint8_t CLI[6] = { 0x00, 0x1b, 0x1b, 0x11, 0x22, 0x33 };
static const uint8_t SRV[6] = { 0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc };
#define CLI_IP 0x0a000005
#define SRV_IP 0x0a000001

static void ntp_pkt(uint8_t *p, uint8_t vn, uint8_t mode, uint8_t stratum,
		    const char refid[4])
{
	memset(p, 0, 48);
	p[0] = (uint8_t)(vn << 3 | mode);
	p[1] = stratum;
	memcpy(p + 12, refid, 4);
}

static void ntp_client_server(void **s)
{
	uint8_t p[48];
	struct otw_engine *e = mk();
	(void)s;
	ntp_pkt(p, 4, 3, 0, "\0\0\0\0");
	udp4(e, CLI, SRV, CLI_IP, SRV_IP, 123, 123, p, 48);
	udp4(e, CLI, SRV, CLI_IP, SRV_IP, 123, 123, p, 48);
	ntp_pkt(p, 4, 4, 1, "GPS\0");
	udp4(e, SRV, CLI, SRV_IP, CLI_IP, 123, 123, p, 48);
	done(e);
	struct otw_ev_op o = op_sum(OTW_APP_NTP, 4, 3);
	assert_int_equal(o.count, 2);
	assert_int_equal(o.responses, 1);
	const struct otw_ev_attr *a = attr(OTW_ATTR_CAPABILITIES, "ntp-server");
	assert_non_null(a);
	assert_memory_equal(a->mac, SRV, 6);
	assert_non_null(attr(OTW_ATTR_DESCRIPTION, "stratum-1 ntp server, refid GPS"));
	const char *cat;
	assert_string_equal(otw_registry_op_name(OTW_APP_NTP, 6, &cat), "control");
	assert_string_equal(cat, OTW_CAT_DIAG);
	assert_string_equal(otw_registry_op_name(OTW_APP_NTP, 7, &cat), "private");
	assert_string_equal(cat, OTW_CAT_CONFIG);
	otw_engine_destroy(e);
}

/* mode 6 readvar and a mode 7 monlist request (reflection attacks). */
static void ntp_control_and_private(void **s)
{
	uint8_t c6[12] = { 0x16, 0x02, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 };
	uint8_t r6[12] = { 0x16, 0xc2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 }; /* R+E */
	uint8_t m7[8] = { 0x17, 0x00, 0x03, 0x2a, 0, 0, 0, 0 };
	uint8_t bad[48];
	struct otw_engine *e = mk();
	(void)s;
	udp4(e, CLI, SRV, CLI_IP, SRV_IP, 40000, 123, c6, sizeof(c6));
	udp4(e, SRV, CLI, SRV_IP, CLI_IP, 123, 40000, r6, sizeof(r6));
	udp4(e, CLI, SRV, CLI_IP, SRV_IP, 40001, 123, m7, sizeof(m7));
	ntp_pkt(bad, 4, 3, 99, "\0\0\0\0"); /* stratum 99 */
	udp4(e, CLI, SRV, CLI_IP, SRV_IP, 40001, 123, bad, 48);
	done(e);
	struct otw_ev_op o = op_sum(OTW_APP_NTP, 2, 6);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.exceptions, 1);
	assert_int_equal(op_sum(OTW_APP_NTP, 2, 7).count, 1);
	assert_int_equal(malformed(e, OTW_APP_NTP), 1);
	otw_engine_destroy(e);
}

static void ntp_every_truncation_is_safe(void **s)
{
	uint8_t p[48];
	struct pb f;
	(void)s;
	ntp_pkt(p, 4, 4, 1, "PPS\0");
	udp4_frame(&f, SRV, CLI, SRV_IP, CLI_IP, 123, 123, p, 48);
	every_prefix(OTW_APP_NTP, &f);
	uint8_t m7[8] = { 0x97, 0x00, 0x03, 0x2a, 0x10, 0, 0, 0 };
	udp4_frame(&f, SRV, CLI, SRV_IP, CLI_IP, 123, 123, m7, 8);
	every_prefix(OTW_APP_NTP, &f);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(ntp_client_server),
		cmocka_unit_test(ntp_control_and_private),
		cmocka_unit_test(ntp_every_truncation_is_safe),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
