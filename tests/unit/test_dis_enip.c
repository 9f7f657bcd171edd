/* EtherNet/IP + CIP plug-in: events out of synthetic packets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "engine.h"
#include "pktbuild.h"
#include "registry.h"

static const uint8_t HMI[6] = { 0x00, 0x0c, 0x29, 1, 1, 1 };
static const uint8_t PLC[6] = { 0x00, 0x00, 0xbc, 2, 2, 2 };
#define HMI_IP 0x0a000064
#define PLC_IP 0x0a00000a

struct cap {
	struct otw_ev ev[4096];
	unsigned n;
};
static struct cap cap;

static void cap_sink(void *arg, const struct otw_ev *evs, uint16_t n)
{
	struct cap *c = arg;
	for (uint16_t i = 0; i < n && c->n < 4096; i++)
		c->ev[c->n++] = evs[i];
}

static struct otw_engine *mk(void)
{
	struct otw_engine_conf conf;
	struct otw_engine *e;
	otw_engine_conf_default(&conf);
	conf.max_flows = 4096;
	conf.max_devices = 64;
	conf.sink = cap_sink;
	conf.sink_arg = &cap;
	cap.n = 0;
	assert_int_equal(otw_engine_create(&conf, &e), 0);
	return e;
}

/* ---- frame builders ---- */

static uint32_t seq[2];
static uint16_t cport = 50000;

static void tcp(struct otw_engine *e, bool req, const uint8_t *p, size_t n)
{
	struct pb b;
	uint32_t *s = &seq[req ? 0 : 1];
	if (req)
		pb_tcp_frame_seq(&b, HMI, PLC, HMI_IP, PLC_IP, cport, 44818, *s,
				 0x18, p, n);
	else
		pb_tcp_frame_seq(&b, PLC, HMI, PLC_IP, HMI_IP, 44818, cport, *s,
				 0x18, p, n);
	*s += (uint32_t)n;
	otw_engine_packet(e, b.b, (uint32_t)b.n, (uint32_t)b.n, 1000);
}

static void udp(struct otw_engine *e, bool req, uint16_t port, const uint8_t *p,
		size_t n)
{
	struct pb b;
	b.n = 0;
	if (req) {
		pb_eth(&b, PLC, HMI, 0x0800);
		pb_ipv4(&b, HMI_IP, PLC_IP, 17, 8 + n);
		pb_udp(&b, port == 2222 ? 2222 : 50001, port, n);
	} else {
		pb_eth(&b, HMI, PLC, 0x0800);
		pb_ipv4(&b, PLC_IP, HMI_IP, 17, 8 + n);
		pb_udp(&b, port, port == 2222 ? 2222 : 50001, n);
	}
	pb_bytes(&b, p, n);
	otw_engine_packet(e, b.b, (uint32_t)b.n, (uint32_t)b.n, 1000);
}

struct buf {
	uint8_t b[1024];
	size_t n;
};
static void u8(struct buf *b, unsigned v) { b->b[b->n++] = (uint8_t)v; }
static void u16(struct buf *b, unsigned v) { u8(b, v & 0xff); u8(b, v >> 8); }
static void u32(struct buf *b, uint32_t v) { u16(b, v & 0xffff); u16(b, v >> 16); }
static void bytes(struct buf *b, const void *p, size_t n)
{
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

/* Encapsulation header + body. */
static void encap(struct buf *o, unsigned cmd, uint32_t status,
		  const struct buf *body)
{
	o->n = 0;
	u16(o, cmd);
	u16(o, (unsigned)body->n);
	u32(o, 0x12345678);
	u32(o, status);
	for (int i = 0; i < 8; i++)
		u8(o, (unsigned)i);
	u32(o, 0);
	bytes(o, body->b, body->n);
}

/* SendRRData around a CIP message. */
static void rr(struct buf *o, const struct buf *cip)
{
	struct buf body = { .n = 0 };
	u32(&body, 0);
	u16(&body, 8);
	u16(&body, 2);
	u16(&body, 0);
	u16(&body, 0); /* null address */
	u16(&body, 0xB2);
	u16(&body, (unsigned)cip->n);
	bytes(&body, cip->b, cip->n);
	encap(o, 0x6F, 0, &body);
}

/* CIP request with an 8-bit class/instance path. */
static void req8(struct buf *c, unsigned svc, unsigned cls, unsigned inst)
{
	c->n = 0;
	u8(c, svc);
	u8(c, 2);
	u8(c, 0x20);
	u8(c, cls);
	u8(c, 0x24);
	u8(c, inst);
}

static void reply(struct buf *c, unsigned svc, unsigned status)
{
	c->n = 0;
	u8(c, svc | 0x80);
	u8(c, 0);
	u8(c, status);
	u8(c, 0);
}

/* ---- event lookup ---- */

static const struct otw_ev_op *find_op(unsigned app, unsigned unit, unsigned func)
{
	for (unsigned i = 0; i < cap.n; i++) {
		const struct otw_ev_op *o = &cap.ev[i].u.op;
		if (cap.ev[i].kind == OTW_EV_OP && o->app == app &&
		    o->unit == unit && o->func == func)
			return o;
	}
	return NULL;
}

static unsigned n_ops(unsigned app)
{
	unsigned n = 0;
	for (unsigned i = 0; i < cap.n; i++)
		if (cap.ev[i].kind == OTW_EV_OP && cap.ev[i].u.op.app == app)
			n++;
	return n;
}

static bool has_attr(unsigned key, const char *val)
{
	for (unsigned i = 0; i < cap.n; i++) {
		const struct otw_ev_attr *a = &cap.ev[i].u.attr;
		if (cap.ev[i].kind == OTW_EV_ATTR && a->key == key &&
		    a->len == strlen(val) && memcmp(a->val, val, a->len) == 0)
			return true;
	}
	return false;
}

static const char *name_of(unsigned app, unsigned func, const char **cat)
{
	*cat = NULL;
	return otw_registry_op_name(app, func, cat);
}

/* ---- tests ---- */

static void names_and_categories(void **s)
{
	const char *cat;
	(void)s;
	assert_string_equal(name_of(OTW_APP_ENIP, 0x0E, &cat), "get_attribute_single");
	assert_string_equal(cat, OTW_CAT_READ);
	assert_string_equal(name_of(OTW_APP_ENIP, 0x07, &cat), "stop");
	assert_string_equal(cat, OTW_CAT_CONTROL);
	assert_string_equal(name_of(OTW_APP_ENIP, 0x0654, &cat), "forward_open");
	assert_string_equal(cat, OTW_CAT_SESSION);
	assert_string_equal(name_of(OTW_APP_ENIP, 0x004C, &cat), "read_tag");
	assert_string_equal(name_of(OTW_APP_ENIP, 0x0053, &cat), "write_tag_fragmented");
	assert_string_equal(cat, OTW_CAT_WRITE);
	assert_string_equal(name_of(OTW_APP_ENIP, 0xA14D, &cat), "firmware_update_service");
	assert_string_equal(cat, OTW_CAT_FIRMWARE);
	assert_string_equal(name_of(OTW_APP_ENIP, 0x374C, &cat), "file_initiate_download");
	assert_string_equal(cat, OTW_CAT_PROGRAM);
	assert_string_equal(name_of(OTW_APP_ENIP, 0x6A50, &cat), "logix_program_service");
	assert_string_equal(cat, OTW_CAT_PROGRAM);
	assert_string_equal(name_of(OTW_APP_ENIP, 0x6808, &cat), "logix_program_create");
	assert_string_equal(name_of(OTW_APP_ENIP, 0xF510, &cat), "set_tcpip_config");
	assert_string_equal(cat, OTW_CAT_CONFIG);
	assert_string_equal(name_of(OTW_APP_ENIP, 0xFF65, &cat), "register_session");
	assert_string_equal(cat, OTW_CAT_SESSION);
	assert_string_equal(name_of(OTW_APP_ENIP, 0xFF63, &cat), "list_identity");
	assert_string_equal(cat, OTW_CAT_DIAG);
	assert_string_equal(name_of(OTW_APP_ENIP_IO, 1, &cat), "io_data");
	assert_string_equal(cat, OTW_CAT_MONITOR);
	assert_null(name_of(OTW_APP_ENIP, 0xFF99, &cat));
	assert_null(name_of(OTW_APP_ENIP_IO, 2, &cat));
}

static void identity_reply(struct buf *o, unsigned devtype, const char *name)
{
	struct buf body = { .n = 0 };
	size_t nl = strlen(name);
	u16(&body, 1);          /* item count */
	u16(&body, 0x0C);
	u16(&body, (unsigned)(2 + 16 + 2 + 2 + 2 + 2 + 2 + 4 + 1 + nl + 1));
	u16(&body, 1);          /* encapsulation version */
	for (int i = 0; i < 16; i++)
		u8(&body, 0);   /* socket address */
	u16(&body, 1);          /* vendor: Rockwell */
	u16(&body, devtype);
	u16(&body, 55);         /* product code */
	u8(&body, 20);          /* revision 20.11 */
	u8(&body, 11);
	u16(&body, 0x30);
	u32(&body, 0xDEADBEEF);
	u8(&body, (unsigned)nl);
	bytes(&body, name, nl);
	u8(&body, 3);           /* state */
	encap(o, 0x63, 0, &body);
}

static void list_identity_over_udp(void **s)
{
	struct otw_engine *e = mk();
	struct buf q = { .n = 0 }, empty = { .n = 0 }, r;
	const struct otw_ev_op *op;
	(void)s;
	encap(&q, 0x63, 0, &empty);
	udp(e, true, 44818, q.b, q.n);
	identity_reply(&r, 0x0E, "1756-L61/B LOGIX5561");
	udp(e, false, 44818, r.b, r.n);
	otw_engine_flush(e, true);
	op = find_op(OTW_APP_ENIP, 0, 0xFF63);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->responses, 1);
	assert_true(has_attr(OTW_ATTR_VENDOR_ID, "1"));
	assert_true(has_attr(OTW_ATTR_VENDOR, "Rockwell Automation/Allen-Bradley"));
	assert_true(has_attr(OTW_ATTR_DEVICE_TYPE, "Programmable Logic Controller"));
	assert_true(has_attr(OTW_ATTR_ROLE, "plc"));
	assert_true(has_attr(OTW_ATTR_PRODUCT_CODE, "55"));
	assert_true(has_attr(OTW_ATTR_FIRMWARE, "20.11"));
	assert_true(has_attr(OTW_ATTR_SERIAL, "0xdeadbeef"));
	assert_true(has_attr(OTW_ATTR_MODEL, "1756-L61/B LOGIX5561"));
	otw_engine_destroy(e);
}

static void explicit_messages(void **s)
{
	struct otw_engine *e = mk();
	struct buf c, m;
	const struct otw_ev_op *op;
	const struct otw_ev *ev;
	(void)s;
	cport++;
	/* Get_Attribute_Single on Identity, answered */
	req8(&c, 0x0E, 0x01, 1);
	u8(&c, 0x30);
	u8(&c, 7);
	rr(&m, &c);
	tcp(e, true, m.b, m.n);
	reply(&c, 0x0E, 0);
	rr(&m, &c);
	tcp(e, false, m.b, m.n);
	/* Stop on the Logix controller object: rejected (privilege) */
	req8(&c, 0x07, 0x8E, 1);
	rr(&m, &c);
	tcp(e, true, m.b, m.n);
	reply(&c, 0x07, 0x0F);
	rr(&m, &c);
	tcp(e, false, m.b, m.n);
	/* Forward_Open to the Connection Manager */
	req8(&c, 0x54, 0x06, 1);
	for (int i = 0; i < 20; i++)
		u8(&c, 0);
	rr(&m, &c);
	tcp(e, true, m.b, m.n);
	reply(&c, 0x54, 0);
	rr(&m, &c);
	tcp(e, false, m.b, m.n);
	/* Logix Read_Tag on a symbolic path "Tag1" */
	c.n = 0;
	u8(&c, 0x4C);
	u8(&c, 3);
	u8(&c, 0x91);
	u8(&c, 4);
	bytes(&c, "Tag1", 4);
	u16(&c, 1);
	rr(&m, &c);
	tcp(e, true, m.b, m.n);
	otw_engine_flush(e, true);

	op = find_op(OTW_APP_ENIP, 0x01, 0x0E);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->responses, 1);
	assert_int_equal(op->exceptions, 0);
	assert_int_equal(op->addr_lo, 1);
	op = find_op(OTW_APP_ENIP, 0x8E, 0x07);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->exceptions, 1);
	op = find_op(OTW_APP_ENIP, 0x06, 0x0654);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->responses, 1);
	op = find_op(OTW_APP_ENIP, 0, 0x4C);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	/* SendRRData itself is not counted when it carries CIP */
	assert_null(find_op(OTW_APP_ENIP, 0, 0xFF6F));
	ev = NULL;
	for (unsigned i = 0; i < cap.n; i++)
		if (cap.ev[i].kind == OTW_EV_OP)
			ev = &cap.ev[i];
	assert_non_null(ev);
	assert_int_equal(ev->u.op.src_ip.b[15], HMI_IP & 0xff);
	otw_engine_destroy(e);
}

static void unconnected_send_and_msp(void **s)
{
	struct otw_engine *e = mk();
	struct buf c, emb, m;
	const struct otw_ev_op *op;
	const char *name = "1756-L61/B";
	(void)s;
	cport++;
	/* Unconnected_Send carrying Get_Attributes_All on Identity */
	req8(&emb, 0x01, 0x01, 1);
	req8(&c, 0x52, 0x06, 1);
	u8(&c, 0x07);
	u8(&c, 0xE9);
	u16(&c, (unsigned)emb.n);
	bytes(&c, emb.b, emb.n);
	u8(&c, 1);
	u8(&c, 0);
	u8(&c, 0x01); /* port 1, slot 0 */
	u8(&c, 0x00);
	rr(&m, &c);
	tcp(e, true, m.b, m.n);
	reply(&c, 0x01, 0);
	u16(&c, 1);
	u16(&c, 0x0E);
	u16(&c, 54);
	u8(&c, 20);
	u8(&c, 11);
	u16(&c, 0x30);
	u32(&c, 0x1234);
	u8(&c, (unsigned)strlen(name));
	bytes(&c, name, strlen(name));
	rr(&m, &c);
	tcp(e, false, m.b, m.n);
	/* Multiple_Service_Packet: Get_Attribute_List on 0x8B, Read_Tag */
	c.n = 0;
	u8(&c, 0x0A);
	u8(&c, 2);
	u8(&c, 0x20);
	u8(&c, 0x02);
	u8(&c, 0x24);
	u8(&c, 0x01);
	u16(&c, 2);
	u16(&c, 6);
	u16(&c, 14);
	req8(&emb, 0x03, 0x8B, 1);
	u16(&emb, 0);
	bytes(&c, emb.b, emb.n);
	emb.n = 0;
	u8(&emb, 0x4C);
	u8(&emb, 2);
	u8(&emb, 0x91);
	u8(&emb, 1);
	u8(&emb, 'X');
	u8(&emb, 0);
	u16(&emb, 1);
	bytes(&c, emb.b, emb.n);
	rr(&m, &c);
	tcp(e, true, m.b, m.n);
	reply(&c, 0x0A, 0x1E);
	u16(&c, 2);
	u16(&c, 6);
	u16(&c, 10);
	reply(&emb, 0x03, 0);
	bytes(&c, emb.b, emb.n);
	reply(&emb, 0x4C, 0x04); /* path segment error */
	bytes(&c, emb.b, emb.n);
	rr(&m, &c);
	tcp(e, false, m.b, m.n);
	otw_engine_flush(e, true);

	op = find_op(OTW_APP_ENIP, 0x01, 0x01);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->responses, 1);
	assert_null(find_op(OTW_APP_ENIP, 0x06, 0x0652));
	/* routed identity: the module behind the adapter */
	assert_true(has_attr(OTW_ATTR_MODULE, name));
	assert_true(has_attr(OTW_ATTR_ROLE, "plc"));
	assert_false(has_attr(OTW_ATTR_MODEL, name));
	op = find_op(OTW_APP_ENIP, 0x02, 0x0A);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->exceptions, 1);
	op = find_op(OTW_APP_ENIP, 0x8B, 0x03);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->responses, 1);
	op = find_op(OTW_APP_ENIP, 0, 0x4C);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->exceptions, 1);
	otw_engine_destroy(e);
}

static void session_commands_and_errors(void **s)
{
	struct otw_engine *e = mk();
	struct buf body = { .n = 0 }, m;
	const struct otw_ev_op *op;
	(void)s;
	cport++;
	u16(&body, 1);
	u16(&body, 0);
	encap(&m, 0x65, 0, &body);
	tcp(e, true, m.b, m.n);
	encap(&m, 0x65, 0, &body);
	tcp(e, false, m.b, m.n);
	body.n = 0;
	encap(&m, 0x04, 0, &body); /* ListServices request */
	tcp(e, true, m.b, m.n);
	encap(&m, 0x04, 0x69, &body); /* unsupported protocol version */
	tcp(e, false, m.b, m.n);
	encap(&m, 0x66, 0, &body);
	tcp(e, true, m.b, m.n);
	otw_engine_flush(e, true);
	op = find_op(OTW_APP_ENIP, 0, 0xFF65);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->responses, 1);
	op = find_op(OTW_APP_ENIP, 0, 0xFF04);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->exceptions, 1);
	op = find_op(OTW_APP_ENIP, 0, 0xFF66);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	otw_engine_destroy(e);
}

/* A PDU cut by a segment boundary, a header cut in two, and a full PDU
 * after each: all complete PDUs are counted, nothing is malformed. */
static void pdus_across_segments(void **s)
{
	struct otw_engine *e = mk();
	struct buf c, m, two;
	struct otw_engine_stats st;
	const struct otw_ev_op *op;
	(void)s;
	cport++;
	req8(&c, 0x0E, 0x01, 1);
	u8(&c, 0x30);
	u8(&c, 1);
	rr(&m, &c);
	/* first PDU cut after 30 bytes */
	tcp(e, true, m.b, 30);
	two.n = 0;
	bytes(&two, m.b + 30, m.n - 30);
	bytes(&two, m.b, m.n);
	bytes(&two, m.b, 10); /* a header cut after 10 bytes */
	tcp(e, true, two.b, two.n);
	two.n = 0;
	bytes(&two, m.b + 10, m.n - 10);
	bytes(&two, m.b, m.n);
	tcp(e, true, two.b, two.n);
	otw_engine_flush(e, true);
	op = find_op(OTW_APP_ENIP, 0x01, 0x0E);
	assert_non_null(op);
	/* the engine reassembles the PDU cut in its body and the one cut in
	 * its header: all four counted, no send_rr_data made up */
	assert_int_equal(op->count, 4);
	assert_int_equal(op->unit, 0x01);
	assert_null(find_op(OTW_APP_ENIP, 0, 0xFF6F));
	otw_engine_get_stats(e, &st);
	assert_int_equal(st.app_malformed[OTW_APP_ENIP], 0);
	otw_engine_destroy(e);
}

static void implicit_io(void **s)
{
	struct otw_engine *e = mk();
	struct buf p = { .n = 0 };
	const struct otw_ev_op *op;
	(void)s;
	u16(&p, 2);
	u16(&p, 0x8002);
	u16(&p, 8);
	u32(&p, 0x004b0201);
	u32(&p, 7);
	u16(&p, 0xB1);
	u16(&p, 4);
	u32(&p, 0xAABBCCDD);
	for (int i = 0; i < 5; i++)
		udp(e, true, 2222, p.b, p.n);
	otw_engine_flush(e, true);
	op = find_op(OTW_APP_ENIP_IO, 0x0201, 1);
	assert_non_null(op);
	assert_int_equal(op->count, 5);
	assert_int_equal(op->addr_lo, 0x004b0201);
	otw_engine_destroy(e);
}

/* Random bytes on the ports are not classified as EtherNet/IP. */
static void probe_rejects_noise(void **s)
{
	struct otw_engine *e = mk();
	uint8_t junk[64];
	(void)s;
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	cport++;
	tcp(e, true, junk, sizeof(junk));
	udp(e, true, 44818, junk, sizeof(junk));
	udp(e, true, 2222, junk, sizeof(junk));
	otw_engine_flush(e, true);
	assert_int_equal(n_ops(OTW_APP_ENIP), 0);
	assert_int_equal(n_ops(OTW_APP_ENIP_IO), 0);
	otw_engine_destroy(e);
}

/* Every prefix of valid PDUs, each as the first payload of a new flow
 * (ASan flags any overread). */
static void every_prefix_is_safe(void **s)
{
	struct otw_engine *e = mk();
	struct buf c, emb, m, id;
	(void)s;
	req8(&emb, 0x01, 0x01, 1);
	req8(&c, 0x52, 0x06, 1);
	u8(&c, 0x07);
	u8(&c, 0xE9);
	u16(&c, (unsigned)emb.n);
	bytes(&c, emb.b, emb.n);
	rr(&m, &c);
	identity_reply(&id, 0x0C, "1756-ENBT/A");
	for (size_t n = 0; n <= m.n; n++) {
		cport++;
		seq[0] = seq[1] = 1;
		tcp(e, true, m.b, n);
		tcp(e, false, id.b, n < id.n ? n : id.n);
		udp(e, false, 44818, id.b, n < id.n ? n : id.n);
	}
	otw_engine_flush(e, true);
	otw_engine_destroy(e);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(names_and_categories),
		cmocka_unit_test(list_identity_over_udp),
		cmocka_unit_test(explicit_messages),
		cmocka_unit_test(unconnected_send_and_msp),
		cmocka_unit_test(session_commands_and_errors),
		cmocka_unit_test(pdus_across_segments),
		cmocka_unit_test(implicit_io),
		cmocka_unit_test(probe_rejects_noise),
		cmocka_unit_test(every_prefix_is_safe),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
