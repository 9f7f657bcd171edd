/* BACnet/IP plug-in: services, invoke-id pairing, identity, truncations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine.h"
#include "registry.h"
#include "pktbuild.h"

static const uint8_t WS[6] = { 0x00, 0x0c, 0x29, 1, 1, 1 };
static const uint8_t DEV[6] = { 0x00, 0x80, 0xf4, 2, 2, 2 };
#define WS_IP 0x0a000064
#define DEV_IP 0x0a00000a

struct cap {
	struct otw_ev ev[1024];
	unsigned n;
};

static void cap_sink(void *arg, const struct otw_ev *evs, uint16_t n)
{
	struct cap *c = arg;
	for (uint16_t i = 0; i < n && c->n < 1024; i++)
		c->ev[c->n++] = evs[i];
}

static struct otw_engine *mk(struct cap *c)
{
	struct otw_engine_conf conf;
	struct otw_engine *e;
	otw_engine_conf_default(&conf);
	conf.max_flows = 256;
	conf.max_devices = 64;
	conf.sink = cap_sink;
	conf.sink_arg = c;
	c->n = 0;
	assert_int_equal(otw_engine_create(&conf, &e), 0);
	return e;
}

/* One BACnet/IP datagram: BVLC original-unicast + NPDU (no routing) +
 * apdu, from ws (true) or from the device. */
static void bac(struct otw_engine *e, bool from_ws, const uint8_t *apdu,
		size_t n, uint64_t ts)
{
	struct pb b;
	size_t len = 4 + 2 + n;

	b.n = 0;
	pb_eth(&b, from_ws ? DEV : WS, from_ws ? WS : DEV, 0x0800);
	pb_ipv4(&b, from_ws ? WS_IP : DEV_IP, from_ws ? DEV_IP : WS_IP, 17, 8 + len);
	pb_udp(&b, 47808, 47808, len);
	pb_u8(&b, 0x81);
	pb_u8(&b, 0x0a);
	pb_u16(&b, (uint16_t)len);
	pb_u8(&b, 0x01);
	pb_u8(&b, 0x04); /* expecting reply */
	pb_bytes(&b, apdu, n);
	otw_engine_packet(e, b.b, (uint32_t)b.n, (uint32_t)b.n, ts);
}

static const struct otw_ev_op *find_op(const struct cap *c, unsigned func)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->ev[i].kind == OTW_EV_OP && c->ev[i].u.op.func == func &&
		    c->ev[i].u.op.app == OTW_APP_BACNET)
			return &c->ev[i].u.op;
	return NULL;
}

static const struct otw_ev_attr *find_attr(const struct cap *c, unsigned key)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->ev[i].kind == OTW_EV_ATTR && c->ev[i].u.attr.key == key)
			return &c->ev[i].u.attr;
	return NULL;
}

static void assert_attr(const struct cap *c, unsigned key, const char *val)
{
	const struct otw_ev_attr *a = find_attr(c, key);
	assert_non_null(a);
	assert_int_equal(a->len, strlen(val));
	assert_memory_equal(a->val, val, a->len);
}

/* ReadProperty(device,101, vendor-name) */
static const uint8_t rp_req[] = { 0x00, 0x05, 0x07, 0x0c, 0x0c, 0x02, 0x00,
				  0x00, 0x65, 0x19, 0x79 };
/* ComplexACK: device,101 vendor-name = "Acme" (charset 0) */
static const uint8_t rp_ack[] = { 0x30, 0x07, 0x0c, 0x0c, 0x02, 0x00, 0x00,
				  0x65, 0x19, 0x79, 0x3e, 0x75, 0x05, 0x00,
				  'A',  'c',  'm',  'e',  0x3f };

static void read_property_pairs_and_names_the_vendor(void **s)
{
	static struct cap c;
	struct otw_engine *e = mk(&c);
	const struct otw_ev_op *op;
	(void)s;
	bac(e, true, rp_req, sizeof(rp_req), 1);
	bac(e, false, rp_ack, sizeof(rp_ack), 2);
	otw_engine_flush(e, true);
	op = find_op(&c, 12);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->responses, 1);
	assert_int_equal(op->exceptions, 0);
	assert_int_equal(op->addr_lo, 101);
	assert_int_equal(op->src_ip.b[15], WS_IP & 0xff);
	assert_attr(&c, OTW_ATTR_VENDOR, "Acme");
	assert_int_equal(find_attr(&c, OTW_ATTR_VENDOR)->ip.b[15], DEV_IP & 0xff);
	otw_engine_destroy(e);
}

static void rpm_ack_names_model_and_firmware(void **s)
{
	static struct cap c;
	struct otw_engine *e = mk(&c);
	static const uint8_t rpm_req[] = { 0x00, 0x05, 0x0e, 0x0e, 0x0c, 0x02,
					   0x00, 0x00, 0x65, 0x1e, 0x09, 0x46,
					   0x09, 0x4d, 0x09, 0x2c, 0x1f };
	static const uint8_t rpm_ack[] = {
		0x30, 0x0e, 0x0e, 0x0c, 0x02, 0x00, 0x00, 0x65, 0x1e,
		0x29, 0x46, 0x4e, 0x75, 0x04, 0x00, 'X', 'Y', 'Z', 0x4f,
		0x29, 0x4d, 0x5e, 0x91, 0x02, 0x91, 0x20, 0x5f,
		0x29, 0x2c, 0x4e, 0x75, 0x03, 0x00, '1', '2', 0x4f,
		0x1f };
	const struct otw_ev_op *op;
	(void)s;
	bac(e, true, rpm_req, sizeof(rpm_req), 1);
	bac(e, false, rpm_ack, sizeof(rpm_ack), 2);
	otw_engine_flush(e, true);
	op = find_op(&c, 14);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->responses, 1);
	assert_attr(&c, OTW_ATTR_MODEL, "XYZ");
	assert_attr(&c, OTW_ATTR_FIRMWARE, "12");
	assert_null(find_attr(&c, OTW_ATTR_NAME)); /* an error result */
	otw_engine_destroy(e);
}

static void i_am_gives_instance_and_vendor(void **s)
{
	static struct cap c;
	struct otw_engine *e = mk(&c);
	/* I-Am device,1234 maxAPDU 1476 segmentation 3 vendor 8 */
	static const uint8_t iam[] = { 0x10, 0x00, 0xc4, 0x02, 0x00, 0x04, 0xd2,
				       0x22, 0x05, 0xc4, 0x91, 0x03, 0x21, 0x08 };
	const struct otw_ev_op *op;
	(void)s;
	bac(e, false, iam, sizeof(iam), 1);
	otw_engine_flush(e, true);
	op = find_op(&c, 0x100);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->src_ip.b[15], DEV_IP & 0xff);
	assert_attr(&c, OTW_ATTR_PROTO_ADDR, "1234");
	assert_attr(&c, OTW_ATTR_VENDOR_ID, "8");
	assert_attr(&c, OTW_ATTR_VENDOR, "Delta Controls");
	otw_engine_destroy(e);
}

static void reject_and_abort_take_the_request_service(void **s)
{
	static struct cap c;
	struct otw_engine *e = mk(&c);
	/* reinitializeDevice (20) invoke 9, rejected; deviceCommunication-
	 * Control (17) invoke 10, aborted by the server; error for 12 */
	static const uint8_t reinit[] = { 0x00, 0x05, 0x09, 0x14, 0x09, 0x00 };
	static const uint8_t reject[] = { 0x60, 0x09, 0x04 };
	static const uint8_t dcc[] = { 0x00, 0x05, 0x0a, 0x11, 0x19, 0x01 };
	static const uint8_t abort_[] = { 0x71, 0x0a, 0x05 };
	static const uint8_t err[] = { 0x50, 0x07, 0x0c, 0x91, 0x02, 0x91, 0x20 };
	static const uint8_t stray[] = { 0x60, 0x63, 0x04 };
	const struct otw_ev_op *op;
	(void)s;
	bac(e, true, reinit, sizeof(reinit), 1);
	bac(e, false, reject, sizeof(reject), 2);
	bac(e, true, dcc, sizeof(dcc), 3);
	bac(e, false, abort_, sizeof(abort_), 4);
	bac(e, true, rp_req, sizeof(rp_req), 5);
	bac(e, false, err, sizeof(err), 6);
	bac(e, false, stray, sizeof(stray), 7);
	otw_engine_flush(e, true);
	op = find_op(&c, 20);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->exceptions, 1);
	op = find_op(&c, 17);
	assert_non_null(op);
	assert_int_equal(op->exceptions, 1);
	op = find_op(&c, 12);
	assert_non_null(op);
	assert_int_equal(op->exceptions, 1);
	op = find_op(&c, 0x4ff); /* invoke 0x63 was never asked */
	assert_non_null(op);
	assert_int_equal(op->exceptions, 1);
	otw_engine_destroy(e);
}

static void peer_requests_are_oriented_by_requester(void **s)
{
	static struct cap c;
	struct otw_engine *e = mk(&c);
	static const uint8_t ack[] = { 0x20, 0x05, 0x0f };
	static const uint8_t wp[] = { 0x00, 0x05, 0x05, 0x0f, 0x0c, 0x00, 0x00,
				      0x00, 0x07, 0x19, 0x55, 0x3e, 0x44, 0x42,
				      0x28, 0x00, 0x00, 0x3f };
	const struct otw_ev_op *op;
	(void)s;
	bac(e, true, rp_req, sizeof(rp_req), 1); /* ws asks first */
	bac(e, false, wp, sizeof(wp), 2);        /* then the device asks */
	bac(e, true, ack, sizeof(ack), 3);
	otw_engine_flush(e, true);
	op = find_op(&c, 15);
	assert_non_null(op);
	assert_int_equal(op->src_ip.b[15], DEV_IP & 0xff);
	assert_int_equal(op->dst_ip.b[15], WS_IP & 0xff);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->responses, 1);
	assert_int_equal(op->addr_lo, 7);
	otw_engine_destroy(e);
}

static void malformed_is_counted_and_truncations_are_safe(void **s)
{
	static struct cap c;
	struct otw_engine *e = mk(&c);
	struct otw_engine_stats st;
	static const uint8_t badnpdu[] = { 0x81, 0x0a, 0x00, 0x08, 0x02, 0x00, 0x10, 0x08 };
	const uint8_t *pdus[] = { rp_req, rp_ack };
	size_t lens[] = { sizeof(rp_req), sizeof(rp_ack) };
	const struct otw_dissector *d = otw_registry_get(OTW_APP_BACNET);
	uint8_t state[OTW_APP_STATE_BYTES];
	struct otw_pkt pkt;
	struct otw_dctx x = { .eng = e, .pkt = &pkt, .state = state,
			      .app = OTW_APP_BACNET };
	struct otw_cur cur;
	(void)s;
	assert_non_null(d);
	memset(&pkt, 0, sizeof(pkt));
	memset(state, 0, sizeof(state));
	cur = otw_cur_make(badnpdu, sizeof(badnpdu));
	assert_false(d->probe(&cur, &x)); /* NPDU version 2 */
	assert_int_equal(d->dissect(&cur, &x), OTW_MALFORMED);
	for (unsigned k = 0; k < 2; k++) {
		uint8_t full[64];
		size_t n = 6 + lens[k];
		full[0] = 0x81;
		full[1] = 0x0a;
		full[2] = 0;
		full[3] = (uint8_t)n;
		full[4] = 1;
		full[5] = 0;
		memcpy(full + 6, pdus[k], lens[k]);
		for (size_t m = 0; m <= n; m++) {
			uint8_t *cut = malloc(m ? m : 1); /* ASan: exact size */
			enum otw_verdict v;
			memcpy(cut, full, m);
			/* cut whole: BVLC length disagrees */
			cur = otw_cur_make(cut, m);
			v = d->dissect(&cur, &x);
			assert_int_equal(v, m < n ? OTW_MALFORMED : OTW_OK);
			/* cut inside: a consistent BVLC length */
			if (m >= 4) {
				cut[3] = (uint8_t)m;
				cur = otw_cur_make(cut, m);
				v = d->dissect(&cur, &x);
				if (m < 9)
					assert_int_equal(v, OTW_MALFORMED);
				else
					assert_true(v == OTW_OK || v == OTW_MALFORMED);
			}
			free(cut);
		}
	}
	otw_engine_get_stats(e, &st);
	(void)st;
	otw_engine_destroy(e);
}

static void probe_is_strict(void **s)
{
	const struct otw_dissector *d = otw_registry_get(OTW_APP_BACNET);
	static const uint8_t ok[] = { 0x81, 0x0b, 0x00, 0x0c, 0x01, 0x20, 0xff,
				      0xff, 0x00, 0xff, 0x10, 0x08 };
	/* a stack that always sends length 0x11: still BACnet */
	static const uint8_t badlen[] = { 0x81, 0x0a, 0x00, 0x11, 0x01, 0x04,
					  0x50, 0x45, 0x14, 0x91, 0x05 };
	static const uint8_t rfd[] = { 0x81, 0x05, 0x00, 0x06, 0x00, 0x3c };
	static const uint8_t junk[][8] = {
		{ 0x80, 0x0a, 0x00, 0x08, 0x01, 0x00, 0x10, 0x08 },
		{ 0x81, 0x0d, 0x00, 0x08, 0x01, 0x00, 0x10, 0x08 },
		{ 0x81, 0x0a, 0x00, 0x08, 0x02, 0x00, 0x10, 0x08 },
		{ 0x81, 0x05, 0x00, 0x09, 0x00, 0x3c, 0x00, 0x00 },
		{ 0x81, 0x0a, 0x00, 0x02, 0x01, 0x00, 0x10, 0x08 },
	};
	struct otw_pkt pkt;
	struct otw_dctx x = { .pkt = &pkt };
	struct otw_cur c;
	(void)s;
	memset(&pkt, 0, sizeof(pkt));
	c = otw_cur_make(ok, sizeof(ok));
	assert_true(d->probe(&c, &x));
	c = otw_cur_make(badlen, sizeof(badlen));
	assert_true(d->probe(&c, &x));
	c = otw_cur_make(rfd, sizeof(rfd));
	assert_true(d->probe(&c, &x));
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		c = otw_cur_make(junk[i], sizeof(junk[i]));
		assert_false(d->probe(&c, &x));
	}
	for (size_t m = 0; m < 5; m++) { /* too short to tell */
		c = otw_cur_make(ok, m);
		assert_false(d->probe(&c, &x));
	}
}

static void op_names_and_categories(void **s)
{
	const char *cat = NULL;
	(void)s;
	assert_string_equal(otw_registry_op_name(OTW_APP_BACNET, 20, &cat),
			    "reinitialize_device");
	assert_string_equal(cat, "control");
	assert_string_equal(otw_registry_op_name(OTW_APP_BACNET, 7, &cat),
			    "atomic_write_file");
	assert_string_equal(cat, "file");
	assert_string_equal(otw_registry_op_name(OTW_APP_BACNET, 0x108, &cat),
			    "who_is");
	assert_string_equal(cat, "diagnostic");
	assert_string_equal(otw_registry_op_name(OTW_APP_BACNET, 0x106, &cat),
			    "time_synchronization");
	assert_string_equal(cat, "config");
	assert_string_equal(otw_registry_op_name(OTW_APP_BACNET, 0x205, &cat),
			    "register_foreign_device");
	assert_null(otw_registry_op_name(OTW_APP_BACNET, 0x1ff, &cat));
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(read_property_pairs_and_names_the_vendor),
		cmocka_unit_test(rpm_ack_names_model_and_firmware),
		cmocka_unit_test(i_am_gives_instance_and_vendor),
		cmocka_unit_test(reject_and_abort_take_the_request_service),
		cmocka_unit_test(peer_requests_are_oriented_by_requester),
		cmocka_unit_test(malformed_is_counted_and_truncations_are_safe),
		cmocka_unit_test(probe_is_strict),
		cmocka_unit_test(op_names_and_categories),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
