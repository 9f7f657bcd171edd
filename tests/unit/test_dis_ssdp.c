/* ssdp plug-in (dissect/ssdp.c): ops, identity facts, malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "engine.h"
#include "otw_app.h"
#include "otw_pkt.h"
#include "pktbuild.h"
#include "registry.h"

/* ---- harness: run frames through the engine, look at the events ---- */

struct cap {
	struct otw_ev ev[1024];
	unsigned n;
};

static struct cap cap;

static void cap_sink(void *arg, const struct otw_ev *evs, uint16_t n)
{
	struct cap *c = arg;
	for (uint16_t i = 0; i < n && c->n < 1024; i++)
		c->ev[c->n++] = evs[i];
}

static struct otw_engine *mk(void)
{
	struct otw_engine_conf conf;
	struct otw_engine *e;
	otw_engine_conf_default(&conf);
	conf.max_flows = 256;
	conf.max_devices = 64;
	conf.sink = cap_sink;
	conf.sink_arg = &cap;
	cap.n = 0;
	assert_int_equal(otw_engine_create(&conf, &e), 0);
	return e;
}

static void done(struct otw_engine *e)
{
	otw_engine_flush(e, true);
}

static __attribute__((unused)) uint64_t malformed(struct otw_engine *e, unsigned app)
{
	struct otw_engine_stats st;
	otw_engine_get_stats(e, &st);
	return st.app_malformed[app];
}

static __attribute__((unused)) void pb_ipv6(struct pb *p, const uint8_t src[16], const uint8_t dst[16],
		    uint8_t nh, size_t l4len)
{
	pb_u32(p, 0x60000000);
	pb_u16(p, (uint16_t)l4len);
	pb_u8(p, nh);
	pb_u8(p, 64);
	pb_bytes(p, src, 16);
	pb_bytes(p, dst, 16);
}

static void udp4_frame(struct pb *b, const uint8_t smac[6], const uint8_t dmac[6],
		       uint32_t sip, uint32_t dip, uint16_t sp, uint16_t dp,
		       const void *pay, size_t n)
{
	b->n = 0;
	pb_eth(b, dmac, smac, 0x0800);
	pb_ipv4(b, sip, dip, 17, 8 + n);
	pb_udp(b, sp, dp, n);
	pb_bytes(b, pay, n);
}

static void udp4(struct otw_engine *e, const uint8_t smac[6], const uint8_t dmac[6],
		 uint32_t sip, uint32_t dip, uint16_t sp, uint16_t dp,
		 const void *pay, size_t n)
{
	struct pb b;
	udp4_frame(&b, smac, dmac, sip, dip, sp, dp, pay, n);
	otw_engine_packet(e, b.b, (uint32_t)b.n, (uint32_t)b.n, 1000000000ull);
}

static __attribute__((unused)) void udp6(struct otw_engine *e, const uint8_t smac[6], const uint8_t dmac[6],
		 const uint8_t sip[16], const uint8_t dip[16], uint16_t sp,
		 uint16_t dp, const void *pay, size_t n)
{
	struct pb b;
	b.n = 0;
	pb_eth(&b, dmac, smac, 0x86dd);
	pb_ipv6(&b, sip, dip, 17, 8 + n);
	pb_udp(&b, sp, dp, n);
	pb_bytes(&b, pay, n);
	otw_engine_packet(e, b.b, (uint32_t)b.n, (uint32_t)b.n, 1000000000ull);
}

/* The attr event with key, or NULL; val (if set) must match exactly. */
static __attribute__((unused)) const struct otw_ev_attr *attr(unsigned key, const char *val)
{
	for (unsigned i = 0; i < cap.n; i++) {
		const struct otw_ev_attr *a = &cap.ev[i].u.attr;
		if (cap.ev[i].kind != OTW_EV_ATTR || a->key != key)
			continue;
		if (val == NULL || (strlen(val) == a->len &&
				    memcmp(a->val, val, a->len) == 0))
			return a;
	}
	return NULL;
}

static __attribute__((unused)) unsigned n_attrs(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < cap.n; i++)
		n += cap.ev[i].kind == OTW_EV_ATTR;
	return n;
}

/* Sum of the op events of (app, unit, func); unit < 0: any unit. */
static struct otw_ev_op op_sum(unsigned app, int unit, unsigned func)
{
	struct otw_ev_op s;
	memset(&s, 0, sizeof(s));
	for (unsigned i = 0; i < cap.n; i++) {
		const struct otw_ev_op *o = &cap.ev[i].u.op;
		if (cap.ev[i].kind != OTW_EV_OP || o->app != app || o->func != func ||
		    (unit >= 0 && o->unit != (unsigned)unit))
			continue;
		s.count += o->count;
		s.responses += o->responses;
		s.exceptions += o->exceptions;
		s.unit = o->unit;
		s.addr_lo = o->addr_lo;
		s.addr_hi = o->addr_hi;
		s.src_ip = o->src_ip;
		s.dst_ip = o->dst_ip;
	}
	return s;
}

/* Call the dissector of app directly on every prefix of the payload of
 * frame (each in an exact-size heap copy, so ASan sees any overread),
 * with the flow state carried across; none may crash. */
static void every_prefix(unsigned app, const struct pb *frame)
{
	struct otw_engine *e = mk();
	const struct otw_dissector *d = otw_registry_get(app);
	struct otw_pkt p;
	uint8_t state[OTW_APP_STATE_BYTES];

	assert_non_null(d);
	assert_true(otw_pkt_decode(frame->b, frame->n, &p));
	for (size_t n = 0; n <= p.payload_len; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, p.payload, n);
		struct otw_cur c = otw_cur_make(copy, n);
		struct otw_dctx x = { .eng = e, .pkt = &p, .client = &p.src,
				      .server = &p.dst, .state = state,
				      .app = (uint16_t)app, .from_client = true,
				      .ts_ns = 1 };
		memset(state, 0, sizeof(state));
		if (d->probe != NULL)
			(void)d->probe(&c, &x);
		enum otw_verdict v = d->dissect(&c, &x);
		assert_true(v == OTW_OK || v == OTW_SHORT || v == OTW_MALFORMED);
		free(copy);
	}
	otw_engine_destroy(e);
}

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
