/* DNP3 plug-in: link CRCs, transport FIR, application functions, pairing,
 * IIN exceptions, Group 0 attributes, frames cut across TCP segments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "engine.h"
#include "otw_app.h"
#include "pktbuild.h"
#include "registry.h"

static const uint8_t MST[6] = { 0x00, 0x0c, 0x29, 1, 1, 1 };
static const uint8_t OUT[6] = { 0x00, 0x80, 0xf4, 2, 2, 2 };
#define MST_IP 0x0a000064
#define OUT_IP 0x0a00000a
#define MST_ADDR 1
#define OUT_ADDR 10

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

#define frame pb_dnp3_frame /* pktbuild.h */

/* master -> outstation request / outstation -> master response frame */
static size_t req(uint8_t *out, const uint8_t *app, size_t n)
{
	uint8_t ud[256];
	ud[0] = 0xc0; /* FIR FIN seq 0 */
	memcpy(ud + 1, app, n);
	return frame(out, 0xc4, OUT_ADDR, MST_ADDR, ud, n + 1);
}

static size_t rsp(uint8_t *out, const uint8_t *app, size_t n)
{
	uint8_t ud[256];
	ud[0] = 0xc0;
	memcpy(ud + 1, app, n);
	return frame(out, 0x44, MST_ADDR, OUT_ADDR, ud, n + 1);
}

static uint32_t seq[2];

static void tx(struct otw_engine *e, bool from_master, uint16_t mport,
		 const uint8_t *pay, size_t n, uint64_t ts)
{
	struct pb b;
	uint32_t *s = &seq[from_master ? 0 : 1];
	if (from_master)
		pb_tcp_frame_seq(&b, MST, OUT, MST_IP, OUT_IP, mport, 20000, *s,
				 0x18, pay, n);
	else
		pb_tcp_frame_seq(&b, OUT, MST, OUT_IP, MST_IP, 20000, mport, *s,
				 0x18, pay, n);
	*s += (uint32_t)n;
	otw_engine_packet(e, b.b, (uint32_t)b.n, (uint32_t)b.n, ts);
}

static const struct otw_ev_op *find_op(const struct cap *c, uint16_t unit,
				       uint16_t func)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->ev[i].kind == OTW_EV_OP && c->ev[i].u.op.app == OTW_APP_DNP3 &&
		    c->ev[i].u.op.unit == unit && c->ev[i].u.op.func == func)
			return &c->ev[i].u.op;
	return NULL;
}

/* Function ops (not object-header or IIN ops, func >= 0x100). */
static unsigned n_ops(const struct cap *c)
{
	unsigned n = 0;
	for (unsigned i = 0; i < c->n; i++)
		n += c->ev[i].kind == OTW_EV_OP && c->ev[i].u.op.app == OTW_APP_DNP3 &&
		     c->ev[i].u.op.func < 0x100;
	return n;
}

static bool has_attr(const struct cap *c, unsigned key, const char *val,
		     uint32_t ip)
{
	size_t l = strlen(val);
	for (unsigned i = 0; i < c->n; i++) {
		const struct otw_ev_attr *a = &c->ev[i].u.attr;
		if (c->ev[i].kind != OTW_EV_ATTR || a->key != key || a->len != l ||
		    memcmp(a->val, val, l) != 0)
			continue;
		if (a->ip.b[12] == (uint8_t)(ip >> 24) && a->ip.b[15] == (uint8_t)ip)
			return true;
	}
	return false;
}

/* read g30v1 indexes 3..7, its response; select/operate CROB index 5 */
static const uint8_t READ[] = { 0xc1, 0x01, 30, 1, 0x00, 3, 7 };
static const uint8_t READ_RSP[] = { 0xc1, 0x81, 0x00, 0x00, 30, 2, 0x00, 3, 3,
				    0x01, 0x10, 0x00 };
static const uint8_t SELECT[] = { 0xc2, 0x03, 12, 1, 0x28, 1, 0, 5, 0,
				  0x03, 1, 0x64, 0, 0, 0, 0x64, 0, 0, 0, 0 };

static void names_and_categories(void **s)
{
	const char *cat = NULL;
	(void)s;
	assert_string_equal(otw_registry_op_name(OTW_APP_DNP3, 1, &cat), "read");
	assert_string_equal(cat, OTW_CAT_READ);
	assert_string_equal(otw_registry_op_name(OTW_APP_DNP3, 13, &cat), "cold_restart");
	assert_string_equal(cat, OTW_CAT_CONTROL);
	assert_string_equal(otw_registry_op_name(OTW_APP_DNP3, 18, &cat), "stop_application");
	assert_string_equal(cat, OTW_CAT_CONTROL);
	assert_string_equal(otw_registry_op_name(OTW_APP_DNP3, 5, &cat), "direct_operate");
	assert_string_equal(cat, OTW_CAT_CONTROL);
	assert_string_equal(otw_registry_op_name(OTW_APP_DNP3, 20, &cat), "enable_unsolicited");
	assert_string_equal(cat, OTW_CAT_CONFIG);
	assert_string_equal(otw_registry_op_name(OTW_APP_DNP3, 24, &cat), "record_current_time");
	assert_string_equal(cat, OTW_CAT_CONFIG);
	assert_string_equal(otw_registry_op_name(OTW_APP_DNP3, 25, &cat), "open_file");
	assert_string_equal(cat, OTW_CAT_FILE);
	assert_string_equal(otw_registry_op_name(OTW_APP_DNP3, 32, &cat), "authentication_request");
	assert_string_equal(cat, OTW_CAT_AUTH);
	assert_string_equal(otw_registry_op_name(OTW_APP_DNP3, 130, &cat), "unsolicited_response");
	assert_string_equal(cat, OTW_CAT_MONITOR);
	assert_null(otw_registry_op_name(OTW_APP_DNP3, 0x50, &cat));
}

static void read_pairs_with_response_and_range(void **s)
{
	struct cap c;
	struct otw_engine *e = mk(&c);
	uint8_t f[300];
	const struct otw_ev_op *op;
	(void)s;
	seq[0] = seq[1] = 1;
	tx(e, true, 40001, f, req(f, READ, sizeof(READ)), 1);
	tx(e, false, 40001, f, rsp(f, READ_RSP, sizeof(READ_RSP)), 2);
	otw_engine_flush(e, true);
	op = find_op(&c, OUT_ADDR, 1);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->responses, 1);
	assert_int_equal(op->exceptions, 0);
	assert_int_equal(op->addr_lo, 3);
	assert_int_equal(op->addr_hi, 7);
	assert_int_equal(n_ops(&c), 1);
	assert_true(has_attr(&c, OTW_ATTR_PROTO_ADDR, "1", MST_IP));
	assert_true(has_attr(&c, OTW_ATTR_PROTO_ADDR, "10", OUT_IP));
	assert_true(has_attr(&c, OTW_ATTR_ROLE, "rtu", OUT_IP));
	assert_false(has_attr(&c, OTW_ATTR_ROLE, "rtu", MST_IP));
	otw_engine_destroy(e);
}

static void exception_unsolicited_and_crob_index(void **s)
{
	struct cap c;
	struct otw_engine *e = mk(&c);
	uint8_t f[300];
	const struct otw_ev_op *op;
	/* select answered with IIN2 "parameter error"; an unsolicited
	 * response; a cold restart whose response we never see */
	static const uint8_t sel_rsp[] = { 0xc2, 0x81, 0x00, 0x04 };
	static const uint8_t unsol[] = { 0xf3, 0x82, 0x80, 0x00 };
	static const uint8_t restart[] = { 0xc4, 0x0d };
	(void)s;
	seq[0] = seq[1] = 1;
	tx(e, true, 40002, f, req(f, SELECT, sizeof(SELECT)), 1);
	tx(e, false, 40002, f, rsp(f, sel_rsp, sizeof(sel_rsp)), 2);
	tx(e, false, 40002, f, rsp(f, unsol, sizeof(unsol)), 3);
	tx(e, true, 40002, f, req(f, restart, sizeof(restart)), 4);
	otw_engine_flush(e, true);
	op = find_op(&c, OUT_ADDR, 3);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->responses, 1);
	assert_int_equal(op->exceptions, 1);
	assert_int_equal(op->addr_lo, 5);
	assert_int_equal(op->addr_hi, 5);
	op = find_op(&c, OUT_ADDR, 0x82);
	assert_non_null(op);
	assert_int_equal(op->count, 0);
	assert_int_equal(op->responses, 1);
	op = find_op(&c, OUT_ADDR, 13);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->responses, 0);
	otw_engine_destroy(e);
}

/* A response in two transport segments (one fragment), then a response in
 * two application fragments (sequence 1 then 2): both paired to the read,
 * continuation segments give no op of their own. */
static void transport_and_multi_fragment_response(void **s)
{
	struct cap c;
	struct otw_engine *e = mk(&c);
	uint8_t f[300], ud[64];
	const struct otw_ev_op *op;
	static const uint8_t frag1[] = { 0x81, 0x81, 0x00, 0x00, 30, 2, 0x00, 3, 3,
					 0x01, 0x10, 0x00 };
	static const uint8_t frag2[] = { 0x22, 0x81, 0x00, 0x00, 30, 2, 0x00, 4, 4,
					 0x01, 0x10, 0x00 };
	(void)s;
	seq[0] = seq[1] = 1;
	tx(e, true, 40005, f, req(f, READ, sizeof(READ)), 1);
	/* fragment = READ_RSP in transport segments FIR (seq 5), FIN (seq 6) */
	ud[0] = 0x45;
	memcpy(ud + 1, READ_RSP, 6);
	tx(e, false, 40005, f, frame(f, 0x44, MST_ADDR, OUT_ADDR, ud, 7), 2);
	ud[0] = 0x86;
	memcpy(ud + 1, READ_RSP + 6, sizeof(READ_RSP) - 6);
	tx(e, false, 40005, f,
	   frame(f, 0x44, MST_ADDR, OUT_ADDR, ud, 1 + sizeof(READ_RSP) - 6), 3);
	/* second read, answered in two application fragments */
	tx(e, true, 40005, f, req(f, READ, sizeof(READ)), 4);
	tx(e, false, 40005, f, rsp(f, frag1, sizeof(frag1)), 5);
	tx(e, false, 40005, f, rsp(f, frag2, sizeof(frag2)), 6);
	otw_engine_flush(e, true);
	op = find_op(&c, OUT_ADDR, 1);
	assert_non_null(op);
	assert_int_equal(op->count, 2);
	assert_int_equal(op->responses, 3);
	assert_int_equal(n_ops(&c), 1);
	otw_engine_destroy(e);
}

/* An outstation that dials out (it is the TCP client, the master listens
 * on 20000): ops still go master -> outstation, by the link DIR bit. */
static void dial_out_outstation(void **s)
{
	struct cap c;
	struct otw_engine *e = mk(&c);
	uint8_t f[300];
	struct pb b;
	size_t n;
	const struct otw_ev_op *op;
	(void)s;
	n = req(f, READ, sizeof(READ)); /* master (server side) -> outstation */
	pb_tcp_frame_seq(&b, MST, OUT, MST_IP, OUT_IP, 20000, 45000, 1, 0x18, f, n);
	otw_engine_packet(e, b.b, (uint32_t)b.n, (uint32_t)b.n, 1);
	n = rsp(f, READ_RSP, sizeof(READ_RSP));
	pb_tcp_frame_seq(&b, OUT, MST, OUT_IP, MST_IP, 45000, 20000, 1, 0x18, f, n);
	otw_engine_packet(e, b.b, (uint32_t)b.n, (uint32_t)b.n, 2);
	otw_engine_flush(e, true);
	op = find_op(&c, OUT_ADDR, 1);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->responses, 1);
	assert_int_equal(op->src_ip.b[15], (uint8_t)MST_IP);
	assert_int_equal(op->dst_ip.b[15], (uint8_t)OUT_IP);
	assert_true(has_attr(&c, OTW_ATTR_ROLE, "rtu", OUT_IP));
	otw_engine_destroy(e);
}

static void group0_device_attributes(void **s)
{
	struct cap c;
	struct otw_engine *e = mk(&c);
	uint8_t f[300];
	static const uint8_t rd[] = { 0xc5, 0x01, 0, 254, 0x06 };
	static const uint8_t attrs[] = {
		0xc5, 0x81, 0x00, 0x00,
		0, 252, 0x00, 0, 0, 1, 4, 'A', 'c', 'm', 'e',
		0, 250, 0x00, 0, 0, 1, 6, 'R', 'T', 'U', '-', '5', '0',
		0, 242, 0x00, 0, 0, 1, 5, '2', '.', '1', '.', '7',
		0, 248, 0x00, 0, 0, 1, 3, 'S', 'N', '9',
		0, 240, 0x00, 0, 0, 2, 2, 0x00, 0x08, /* UINT: not a string */
		0, 247, 0x00, 0, 0, 1, 5, 'F', 'e', 'e', 'd', '1',
	};
	(void)s;
	seq[0] = seq[1] = 1;
	tx(e, true, 40003, f, req(f, rd, sizeof(rd)), 1);
	tx(e, false, 40003, f, rsp(f, attrs, sizeof(attrs)), 2);
	otw_engine_flush(e, true);
	assert_true(has_attr(&c, OTW_ATTR_VENDOR, "Acme", OUT_IP));
	assert_true(has_attr(&c, OTW_ATTR_MODEL, "RTU-50", OUT_IP));
	assert_true(has_attr(&c, OTW_ATTR_FIRMWARE, "2.1.7", OUT_IP));
	assert_true(has_attr(&c, OTW_ATTR_SERIAL, "SN9", OUT_IP));
	assert_true(has_attr(&c, OTW_ATTR_NAME, "Feed1", OUT_IP));
	assert_int_equal(find_op(&c, OUT_ADDR, 1)->responses, 1);
	otw_engine_destroy(e);
}

static void bad_crc_is_malformed_and_unused(void **s)
{
	struct cap c;
	struct otw_engine *e = mk(&c);
	struct otw_engine_stats st;
	uint8_t f[300];
	size_t n;
	(void)s;
	seq[0] = seq[1] = 1;
	n = req(f, READ, sizeof(READ));
	tx(e, true, 40004, f, n, 1); /* classifies the flow */
	n = req(f, READ, sizeof(READ));
	f[12] ^= 0x01;                 /* data block: CRC now wrong */
	tx(e, true, 40004, f, n, 2);
	n = req(f, READ, sizeof(READ));
	f[8] ^= 0x01;                  /* header CRC wrong */
	tx(e, true, 40004, f, n, 3);
	otw_engine_flush(e, true);
	otw_engine_get_stats(e, &st);
	assert_int_equal(st.app_malformed[OTW_APP_DNP3], 2);
	assert_int_equal(find_op(&c, OUT_ADDR, 1)->count, 1);
	otw_engine_destroy(e);
}

/* Two frames per segment; a frame cut at every point across two segments:
 * the engine reassembles it, one op each time, and the next frame is
 * always found. */
static void frames_across_segments(void **s)
{
	uint8_t a[300], b[300], seg[600];
	size_t na, nb;
	(void)s;
	na = req(a, SELECT, sizeof(SELECT));
	nb = req(b, READ, sizeof(READ));
	for (size_t cut = 1; cut < na; cut++) {
		struct cap c;
		struct otw_engine *e = mk(&c);
		const struct otw_ev_op *sel, *rd;
		seq[0] = seq[1] = 1;
		/* classify the flow first */
		tx(e, true, (uint16_t)(41000 + cut), b, nb, 1);
		tx(e, true, (uint16_t)(41000 + cut), a, cut, 2);
		memcpy(seg, a + cut, na - cut);
		memcpy(seg + na - cut, b, nb);
		tx(e, true, (uint16_t)(41000 + cut), seg, na - cut + nb, 3);
		otw_engine_flush(e, true);
		rd = find_op(&c, OUT_ADDR, 1);
		sel = find_op(&c, OUT_ADDR, 3);
		assert_non_null(rd);
		assert_int_equal(rd->count, 2);
		assert_non_null(sel);
		assert_int_equal(sel->count, 1);
		assert_int_equal(sel->addr_lo, 5);
		assert_int_equal(n_ops(&c), 2);
		otw_engine_destroy(e);
	}
	{ /* both frames in one segment */
		struct cap c;
		struct otw_engine *e = mk(&c);
		seq[0] = seq[1] = 1;
		memcpy(seg, a, na);
		memcpy(seg + na, b, nb);
		tx(e, true, 42000, seg, na + nb, 1);
		otw_engine_flush(e, true);
		assert_int_equal(find_op(&c, OUT_ADDR, 3)->count, 1);
		assert_int_equal(find_op(&c, OUT_ADDR, 1)->count, 1);
		otw_engine_destroy(e);
	}
}

/* Every prefix of a valid payload, as the first payload of a flow and as a
 * later one, over TCP and UDP: no overread (ASan), never an op from bytes
 * not there. */
/* Every object header of a request is an op 0x100 | function with unit =
 * group << 8 | variation and its index range; walking stops at a header
 * whose objects it cannot size. */
static void object_headers(void **s)
{
	/* read: g60v2 all, g1v2 start-stop 0..15, g30v1 8-bit count 2 with
	 * 1-octet indexes 9 and 4, g20v1 16-bit count 0x28 index 300 */
	static const uint8_t RD[] = { 0xc1, 0x01, 60, 2, 0x06, 1, 2, 0x00, 0, 15,
				      30, 1, 0x17, 2, 9, 4, 20, 1, 0x28, 1, 0,
				      0x2c, 0x01 };
	/* direct operate: g41v2 (3 octets) index 7, then g12v1 CROB index
	 * 5, then a free-format header (0x5b): reported, the walk ends */
	static const uint8_t DO[] = { 0xc2, 0x05, 41, 2, 0x17, 1, 7, 0x10, 0, 0,
				      12, 1, 0x17, 1, 5, 0x03, 1, 0x64, 0, 0, 0,
				      0x64, 0, 0, 0, 0, 70, 3, 0x5b, 1, 4, 0, 1,
				      2, 3, 4, 20, 1, 0x06 };
	struct cap c;
	struct otw_engine *e = mk(&c);
	uint8_t f[300];
	const struct otw_ev_op *op;
	const char *cat = NULL;
	(void)s;
	seq[0] = seq[1] = 1;
	tx(e, true, 40011, f, req(f, RD, sizeof(RD)), 1);
	tx(e, true, 40011, f, req(f, DO, sizeof(DO)), 2);
	otw_engine_flush(e, true);
	assert_non_null(op = find_op(&c, 60 << 8 | 2, 0x101));
	assert_int_equal(op->count, 1);
	assert_int_equal(op->addr_lo, OTW_ADDR_NONE);
	assert_non_null(op = find_op(&c, 1 << 8 | 2, 0x101));
	assert_int_equal(op->addr_lo, 0);
	assert_int_equal(op->addr_hi, 15);
	assert_non_null(op = find_op(&c, 30 << 8 | 1, 0x101));
	assert_int_equal(op->addr_lo, 4);
	assert_int_equal(op->addr_hi, 9);
	assert_non_null(op = find_op(&c, 20 << 8 | 1, 0x101));
	assert_int_equal(op->addr_lo, 300);
	assert_int_equal(op->addr_hi, 300);
	assert_non_null(op = find_op(&c, 41 << 8 | 2, 0x105));
	assert_int_equal(op->addr_lo, 7);
	assert_non_null(op = find_op(&c, 12 << 8 | 1, 0x105));
	assert_int_equal(op->addr_lo, 5);
	assert_non_null(op = find_op(&c, 70 << 8 | 3, 0x105));
	assert_null(find_op(&c, 20 << 8 | 1, 0x105)); /* after free format */
	/* the function ops keep their outstation unit and first range */
	assert_non_null(op = find_op(&c, OUT_ADDR, 5));
	assert_int_equal(op->addr_lo, 7);
	assert_string_equal(otw_registry_op_name(OTW_APP_DNP3, 0x105, &cat),
			    "direct_operate_objects");
	assert_string_equal(cat, OTW_CAT_CONTROL);
	otw_engine_destroy(e);
}

/* IIN flags a detection engine acts on: one response op each, under the
 * outstation's address; routine bits (class events) are not reported. */
static void iin_flags(void **s)
{
	/* IIN1 0x92: device restart, need time, class 1 events; IIN2 0x20:
	 * configuration corrupt */
	static const uint8_t RSP[] = { 0xc1, 0x81, 0x92, 0x20 };
	static const uint8_t RSP2[] = { 0xc2, 0x81, 0x80, 0x00 };
	struct cap c;
	struct otw_engine *e = mk(&c);
	uint8_t f[300];
	const struct otw_ev_op *op;
	const char *cat = NULL;
	(void)s;
	seq[0] = seq[1] = 1;
	tx(e, false, 40012, f, rsp(f, RSP, sizeof(RSP)), 1);
	tx(e, false, 40012, f, rsp(f, RSP2, sizeof(RSP2)), 2);
	otw_engine_flush(e, true);
	assert_non_null(op = find_op(&c, OUT_ADDR, 0x207));
	assert_int_equal(op->responses, 2);
	assert_int_equal(op->count, 0);
	assert_non_null(op = find_op(&c, OUT_ADDR, 0x204));
	assert_int_equal(op->responses, 1);
	assert_non_null(op = find_op(&c, OUT_ADDR, 0x20d));
	assert_int_equal(op->responses, 1);
	assert_null(find_op(&c, OUT_ADDR, 0x201)); /* class 1 events */
	assert_null(find_op(&c, OUT_ADDR, 0x206));
	assert_string_equal(otw_registry_op_name(OTW_APP_DNP3, 0x207, &cat),
			    "iin_device_restart");
	assert_null(otw_registry_op_name(OTW_APP_DNP3, 0x201, &cat));
	otw_engine_destroy(e);
}

static void every_truncation_is_safe(void **s)
{
	uint8_t f[300];
	size_t n = rsp(f, READ_RSP, sizeof(READ_RSP));
	(void)s;
	for (size_t k = 0; k <= n; k++) {
		struct cap c;
		struct otw_engine *e = mk(&c);
		struct pb b;
		uint8_t cp[300];
		memcpy(cp, f, k);
		seq[0] = seq[1] = 1;
		tx(e, false, (uint16_t)(43000 + k), cp, k, 1);
		b.n = 0;
		pb_eth(&b, MST, OUT, 0x0800);
		pb_ipv4(&b, OUT_IP, MST_IP, 17, 8 + k);
		pb_udp(&b, 20000, (uint16_t)(44000 + k), k);
		pb_bytes(&b, cp, k);
		otw_engine_packet(e, b.b, (uint32_t)b.n, (uint32_t)b.n, 2);
		otw_engine_flush(e, true);
		if (k < 10 + 4 + 2) /* response header needs TH AC FC IIN */
			assert_int_equal(n_ops(&c), 0);
		otw_engine_destroy(e);
	}
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(names_and_categories),
		cmocka_unit_test(read_pairs_with_response_and_range),
		cmocka_unit_test(exception_unsolicited_and_crob_index),
		cmocka_unit_test(transport_and_multi_fragment_response),
		cmocka_unit_test(dial_out_outstation),
		cmocka_unit_test(group0_device_attributes),
		cmocka_unit_test(bad_crc_is_malformed_and_unused),
		cmocka_unit_test(frames_across_segments),
		cmocka_unit_test(object_headers),
		cmocka_unit_test(iin_flags),
		cmocka_unit_test(every_truncation_is_safe),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
