/* ssdp plug-in (dissect/ssdp.c): ops, identity facts, malformed input. */
#include "udp_harness.h"

static const uint8_t DEV[6] = { 0x00, 0x0e, 0x8c, 0xaa, 0xbb, 0xcc };
static const uint8_t PC[6] = { 0x00, 0x1b, 0x1b, 0x11, 0x22, 0x33 };
static const uint8_t MC[6] = { 0x01, 0x00, 0x5e, 0x7f, 0xff, 0xfa };
#define DEV_IP 0x0a000021
#define PC_IP 0x0a000005
#define SSDP_IP 0xeffffffa

static const char NOTIFY[] =
	"NOTIFY * HTTP/1.1\r\n"
	"HOST: 239.255.255.250:1900\r\n"
	"CACHE-CONTROL: max-age=1800\r\n"
	"LOCATION: http://10.0.0.33:80/desc.xml\r\n"
	"NT: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n"
	"nts: ssdp:alive\r\n"
	"Server: Linux/3.10 UPnP/1.0 Portable SDK for UPnP devices/1.6.19\r\n"
	"USN: uuid:2f402f80-da50-11e1-9b23-00178809ea66\r\n"
	"\r\n";

static const char MSEARCH[] =
	"M-SEARCH * HTTP/1.1\r\n"
	"HOST: 239.255.255.250:1900\r\n"
	"MAN: \"ssdp:discover\"\r\n"
	"MX: 1\r\n"
	"ST: ssdp:all\r\n"
	"USER-AGENT: Google Chrome/77.0 Windows\r\n"
	"\r\n";

static const char REPLY[] =
	"HTTP/1.1 200 OK\r\n"
	"CACHE-CONTROL: max-age=100\r\n"
	"EXT:\r\n"
	"LOCATION: http://10.0.0.33:49152/rootDesc.xml\r\n"
	"SERVER: VxWorks/6.9 UPnP/1.0 SIMATIC/2.1\r\n"
	"ST: urn:schemas-upnp-org:device:Basic:1\r\n"
	"USN: uuid:1::urn:schemas-upnp-org:device:Basic:1\r\n"
	"\r\n";

static void ssdp_notify_search_reply(void **s)
{
	struct otw_engine *e = mk();
	(void)s;
	udp4(e, DEV, MC, DEV_IP, SSDP_IP, 1900, 1900, NOTIFY, strlen(NOTIFY));
	udp4(e, PC, MC, PC_IP, SSDP_IP, 50000, 1900, MSEARCH, strlen(MSEARCH));
	udp4(e, DEV, PC, DEV_IP, PC_IP, 1900, 50000, REPLY, strlen(REPLY));
	done(e);
	assert_int_equal(op_sum(OTW_APP_SSDP, 1, 1).count, 1);      /* alive */
	struct otw_ev_op o = op_sum(OTW_APP_SSDP, 0, 2);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.responses, 1);
	const struct otw_ev_attr *a = attr(OTW_ATTR_SERVER,
		"Linux/3.10 UPnP/1.0 Portable SDK for UPnP device"); /* cut at 48 */
	assert_non_null(a);
	assert_memory_equal(a->mac, DEV, 6);
	assert_non_null(attr(OTW_ATTR_SERVER, "VxWorks/6.9 UPnP/1.0 SIMATIC/2.1"));
	assert_non_null(attr(OTW_ATTR_DESCRIPTION, "http://10.0.0.33:80/desc.xml"));
	assert_non_null(attr(OTW_ATTR_DEVICE_TYPE, "InternetGatewayDevice:1"));
	assert_non_null(attr(OTW_ATTR_DEVICE_TYPE, "Basic:1"));
	a = attr(OTW_ATTR_USER_AGENT, "Google Chrome/77.0 Windows");
	assert_non_null(a);
	assert_memory_equal(a->mac, PC, 6);
	assert_null(attr(OTW_ATTR_DESCRIPTION, "uuid:2f402f80-da50-11e1-9b23-00178809ea66"));
	const char *cat;
	assert_string_equal(otw_registry_op_name(OTW_APP_SSDP, 1, &cat), "notify");
	assert_string_equal(cat, OTW_CAT_MONITOR);
	assert_int_equal(malformed(e, OTW_APP_SSDP), 0);
	otw_engine_destroy(e);
}

static void ssdp_not_ssdp_and_malformed(void **s)
{
	static const char junk[] = "GET / HTTP/1.1\r\n\r\n";
	struct otw_engine *e = mk();
	(void)s;
	udp4(e, PC, MC, PC_IP, SSDP_IP, 50001, 1900, junk, strlen(junk));
	udp4(e, PC, MC, PC_IP, SSDP_IP, 50002, 1900, MSEARCH, strlen(MSEARCH));
	udp4(e, PC, MC, PC_IP, SSDP_IP, 50002, 1900, junk, strlen(junk));
	done(e);
	assert_int_equal(op_sum(OTW_APP_SSDP, 0, 2).count, 1);
	assert_int_equal(malformed(e, OTW_APP_SSDP), 1);
	otw_engine_destroy(e);
}

static void ssdp_every_truncation_is_safe(void **s)
{
	struct pb f;
	(void)s;
	udp4_frame(&f, DEV, MC, DEV_IP, SSDP_IP, 1900, 1900, NOTIFY, strlen(NOTIFY));
	every_prefix(OTW_APP_SSDP, &f);
	udp4_frame(&f, DEV, PC, DEV_IP, PC_IP, 1900, 50000, REPLY, strlen(REPLY));
	every_prefix(OTW_APP_SSDP, &f);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(ssdp_notify_search_reply),
		cmocka_unit_test(ssdp_not_ssdp_and_malformed),
		cmocka_unit_test(ssdp_every_truncation_is_safe),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
