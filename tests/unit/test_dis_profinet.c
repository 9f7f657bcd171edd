/* PROFINET plug-in: DCP identity and set, cyclic RT, alarms, PN-IO CM. */
#include "l2_harness.h"
static const uint8_t DCP_MC[6] = { 0x01, 0x0e, 0xcf, 0, 0, 0 };

static const uint8_t ident_resp[] = {
	0xfe, 0xff, 0x05, 0x01, 0, 0, 0, 1, 0, 0, 0, 62,
	0x02, 0x02, 0x00, 0x0b, 0, 0, 'X', '2', '0', '8', '-', 'B', 'O', 'R', 'D', 0,
	0x02, 0x01, 0x00, 0x05, 0, 0, 'I', 'N', 'C', 0,
	0x02, 0x03, 0x00, 0x06, 0, 0, 0x00, 0x2a, 0x0a, 0x01,
	0x02, 0x04, 0x00, 0x04, 0, 0, 0x02, 0x00,
	0x01, 0x02, 0x00, 0x0e, 0, 0, 192, 168, 0, 6, 255, 255, 255, 0, 0, 0, 0, 0,
};

static void dcp_identify_response_names_the_device(void **s)
{
	static struct cap c;
	struct otw_engine *e = mk(&c);
	static const uint8_t ident_req[] = { 0xfe, 0xfe, 0x05, 0x00, 0, 0, 0, 1,
					     0, 1, 0, 4, 0xff, 0xff, 0, 0 };
	const struct otw_ev_op *op;
	(void)s;
	l2(e, WS, DCP_MC, 0x8892, ident_req, sizeof(ident_req), 1);
	l2(e, DEV, WS, 0x8892, ident_resp, sizeof(ident_resp), 2);
	otw_engine_flush(e, true);
	op = find_op(&c, OTW_APP_PROFINET, 0x105);
	assert_non_null(op);
	assert_int_equal(op->count + op->responses, 1);
	assert_attr(&c, OTW_ATTR_NAME, "X208-BORD");
	assert_attr(&c, OTW_ATTR_MODEL, "INC");
	assert_attr(&c, OTW_ATTR_VENDOR_ID, "42");
	assert_attr(&c, OTW_ATTR_PRODUCT_CODE, "0x0a01");
	assert_attr(&c, OTW_ATTR_VENDOR, "Siemens AG");
	assert_attr(&c, OTW_ATTR_ROLE, "plc");
	assert_attr(&c, OTW_ATTR_MGMT_ADDR, "192.168.0.6");
	assert_memory_equal(find_attr(&c, OTW_ATTR_NAME)->mac, DEV, 6);
	otw_engine_destroy(e);
}

static void dcp_set_is_config_from_setter_and_errors_count(void **s)
{
	static struct cap c;
	struct otw_engine *e = mk(&c);
	static const uint8_t set_req[] = { 0xfe, 0xfd, 0x04, 0x00, 0, 0, 0, 2,
					   0, 0, 0, 12, 0x02, 0x02, 0x00, 0x07,
					   0x00, 0x01, 'e', 'v', 'i', 'l', 'x', 0 };
	static const uint8_t set_nok[] = { 0xfe, 0xfd, 0x04, 0x01, 0, 0, 0, 2,
					   0, 0, 0, 8, 0x05, 0x04, 0x00, 0x03,
					   0x02, 0x02, 0x05, 0 };
	const struct otw_ev_op *op;
	const char *cat = NULL;
	uint8_t ws_ip_mac[16];
	(void)s;
	l2(e, WS, DEV, 0x8892, set_req, sizeof(set_req), 1);
	l2(e, DEV, WS, 0x8892, set_nok, sizeof(set_nok), 2);
	otw_engine_flush(e, true);
	op = find_op(&c, OTW_APP_PROFINET, 0x104);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->responses, 1);
	assert_int_equal(op->exceptions, 1);
	memset(ws_ip_mac, 0, sizeof(ws_ip_mac));
	ws_ip_mac[0] = 1;
	memcpy(ws_ip_mac + 10, WS, 6);
	assert_memory_equal(op->src_ip.b, ws_ip_mac, 16); /* the setter */
	assert_null(find_attr(&c, OTW_ATTR_NAME)); /* a set is no fact */
	assert_string_equal(otw_registry_op_name(OTW_APP_PROFINET, 0x104, &cat),
			    "dcp_set");
	assert_string_equal(cat, "config");
	otw_engine_destroy(e);
}

static void cyclic_rt_and_alarms_are_counted(void **s)
{
	static struct cap c;
	struct otw_engine *e = mk(&c);
	static const uint8_t rt[] = { 0xc0, 0x01, 1, 2, 3, 4, 0, 0, 0, 0,
				      0x12, 0x34, 0x35, 0x00 };
	static const uint8_t alarm[] = { 0xfc, 0x01, 0, 1, 0, 2, 0x11, 0x00,
					 0, 1, 0xff, 0xff, 0, 0 };
	static const uint8_t alarm_ack[] = { 0xfc, 0x01, 0, 2, 0, 1, 0x13, 0x00,
					     0, 1, 0, 1, 0, 0 };
	const struct otw_ev_op *op;
	(void)s;
	for (int i = 0; i < 3; i++)
		l2(e, DEV, WS, 0x8892, rt, sizeof(rt), (uint64_t)i + 1);
	l2(e, DEV, WS, 0x8892, alarm, sizeof(alarm), 5);
	l2(e, WS, DEV, 0x8892, alarm_ack, sizeof(alarm_ack), 6);
	otw_engine_flush(e, true);
	op = find_op(&c, OTW_APP_PROFINET, 1);
	assert_non_null(op);
	assert_int_equal(op->count, 3);
	assert_int_equal(op->unit, 0xc001);
	op = find_op(&c, OTW_APP_PROFINET, 4);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->responses, 1);
	otw_engine_destroy(e);
}

/* DCE/RPC CL header (C706 §12.5.3), big- or little-endian. */
static size_t rpc(uint8_t *b, uint8_t ptype, bool le, const uint8_t obj_tail[6],
		  uint32_t iface1, uint16_t opnum, uint16_t frag_len)
{
	size_t n = 0;
	const uint32_t d1[2] = { 0xdea00000u, iface1 };
	static const uint8_t tail[2][8] = {
		{ 0x82, 0x71, 0, 0, 0, 0, 0, 0 },
		{ 0x82, 0x71, 0x00, 0xa0, 0x24, 0x42, 0xdf, 0x7d } };
	b[n++] = 4;
	b[n++] = ptype;
	b[n++] = 0x20;
	b[n++] = 0;
	b[n++] = le ? 0x10 : 0x00;
	b[n++] = 0;
	b[n++] = 0;
	b[n++] = 0;
	for (int u = 0; u < 2; u++) {
		uint32_t v = d1[u];
		for (int i = 0; i < 4; i++)
			b[n++] = (uint8_t)(le ? v >> (8 * i) : v >> (24 - 8 * i));
		b[n++] = le ? 0x97 : 0x6c;
		b[n++] = le ? 0x6c : 0x97;
		b[n++] = le ? 0xd1 : 0x11;
		b[n++] = le ? 0x11 : 0xd1;
		memcpy(b + n, tail[u], 8);
		if (u == 0)
			memcpy(b + n + 2, obj_tail, 6);
		n += 8;
	}
	memset(b + n, 0x11, 16 + 12); /* activity, boot, version, seq */
	n += 28;
	b[n++] = (uint8_t)(le ? opnum : opnum >> 8);
	b[n++] = (uint8_t)(le ? opnum >> 8 : opnum);
	memset(b + n, 0xff, 4);
	n += 4;
	b[n++] = (uint8_t)(le ? frag_len : frag_len >> 8);
	b[n++] = (uint8_t)(le ? frag_len >> 8 : frag_len);
	b[n++] = 0;
	b[n++] = 0;
	b[n++] = 0;
	b[n++] = 0;
	return n;
}

static void udp_frame(struct otw_engine *e, bool from_ws, const uint8_t *pay,
		      size_t n, uint64_t ts)
{
	struct pb b;
	b.n = 0;
	pb_eth(&b, from_ws ? DEV : WS, from_ws ? WS : DEV, 0x0800);
	pb_ipv4(&b, from_ws ? WS_IP : DEV_IP, from_ws ? DEV_IP : WS_IP, 17, 8 + n);
	pb_udp(&b, from_ws ? 49153 : 34964, from_ws ? 34964 : 49153, n);
	pb_bytes(&b, pay, n);
	otw_engine_packet(e, b.b, (uint32_t)b.n, (uint32_t)b.n, ts);
}

static const uint8_t dev_obj[6] = { 0x00, 0x01, 0x0a, 0x01, 0x00, 0x2a };

static size_t connect_req(uint8_t *b)
{
	static const uint8_t ctrl_obj[16] = { 0xde, 0xa0, 0, 0, 0x6c, 0x97, 0x11,
					      0xd1, 0x82, 0x71, 0, 1, 0, 0x3c,
					      0, 0xb0 };
	size_t h = rpc(b, 0, false, dev_obj, 0xdea00001u, 0, 0), n = h;
	size_t blk;
	memset(b + n, 0, 20); /* NDR array header */
	n += 20;
	blk = n;
	b[n++] = 0x01; /* ARBlockReq */
	b[n++] = 0x01;
	n += 2; /* block length, below */
	b[n++] = 1;
	b[n++] = 0;
	b[n++] = 0;
	b[n++] = 1; /* ARType IOCARSingle */
	memset(b + n, 0x22, 16 + 2 + 6);
	n += 24;
	memcpy(b + n, ctrl_obj, 16);
	n += 16;
	memset(b + n, 0, 8);
	n += 8;
	b[n++] = 0;
	b[n++] = 6;
	memcpy(b + n, "ctrl-1", 6);
	n += 6;
	b[blk + 2] = 0;
	b[blk + 3] = (uint8_t)(n - blk - 4);
	b[h - 6] = 0; /* fragment length */
	b[h - 5] = (uint8_t)(n - h);
	return n;
}

static void pnio_cm_connect_and_error_response(void **s)
{
	static struct cap c;
	struct otw_engine *e = mk(&c);
	uint8_t req[256], resp[128];
	size_t nreq = connect_req(req), nresp;
	const struct otw_ev_op *op;
	const struct otw_ev_attr *a;
	const char *cat = NULL;
	(void)s;
	nresp = rpc(resp, 2, true, dev_obj, 0xdea00001u, 0, 8);
	memcpy(resp + nresp, "\xdb\x81\x01\x04\0\0\0\0", 8);
	nresp += 8;
	udp_frame(e, true, req, nreq, 1);
	udp_frame(e, false, resp, nresp, 2);
	otw_engine_flush(e, true);
	op = find_op(&c, OTW_APP_PNIO_CM, 0);
	assert_non_null(op);
	assert_int_equal(op->unit, 1);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->responses, 1);
	assert_int_equal(op->exceptions, 1);
	assert_int_equal(op->src_ip.b[15], WS_IP & 0xff);
	assert_attr(&c, OTW_ATTR_NAME, "ctrl-1");
	assert_attr(&c, OTW_ATTR_ROLE, "plc");
	a = find_attr(&c, OTW_ATTR_VENDOR);
	assert_non_null(a);
	assert_string_equal(otw_registry_op_name(OTW_APP_PNIO_CM, 4, &cat),
			    "control");
	assert_string_equal(cat, "control");
	for (unsigned i = 0; i < c.n; i++) /* the device: Siemens 0x0a01 */
		if (c.ev[i].kind == OTW_EV_ATTR &&
		    c.ev[i].u.attr.key == OTW_ATTR_PRODUCT_CODE &&
		    c.ev[i].u.attr.ip.b[15] == (DEV_IP & 0xff))
			assert_memory_equal(c.ev[i].u.attr.val, "0x0a01", 6);
	otw_engine_destroy(e);
}

static void truncations_are_safe(void **s)
{
	static struct cap c;
	struct otw_engine *e = mk(&c);
	const struct otw_dissector *pn = otw_registry_l2(0x8892);
	const struct otw_dissector *cm = otw_registry_get(OTW_APP_PNIO_CM);
	uint8_t req[256];
	size_t nreq = connect_req(req);
	struct otw_cur cur = otw_cur_make(req, 40);
	struct otw_pkt pkt;
	struct otw_dctx x = { .eng = e, .pkt = &pkt };
	(void)s;
	memset(&pkt, 0, sizeof(pkt));
	assert_non_null(pn);
	assert_non_null(cm);
	assert_int_equal(every_prefix(e, pn, ident_resp, sizeof(ident_resp)),
			 sizeof(ident_resp));
	assert_int_equal(every_prefix(e, cm, req, nreq), nreq);
	assert_false(cm->probe(&cur, &x));
	cur = otw_cur_make(req, nreq);
	assert_true(cm->probe(&cur, &x));
	req[0] = 5; /* not DCE/RPC CL version 4 */
	assert_false(cm->probe(&cur, &x));
	otw_engine_destroy(e);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(dcp_identify_response_names_the_device),
		cmocka_unit_test(dcp_set_is_config_from_setter_and_errors_count),
		cmocka_unit_test(cyclic_rt_and_alarms_are_counted),
		cmocka_unit_test(pnio_cm_connect_and_error_response),
		cmocka_unit_test(truncations_are_safe),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
