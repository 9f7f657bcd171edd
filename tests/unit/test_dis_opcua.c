/* OPC UA binary plug-in: events out of synthetic packets. */
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

static const uint8_t CLI[6] = { 0x00, 0x0c, 0x29, 1, 1, 1 };
static const uint8_t SRV[6] = { 0x00, 0x0e, 0x8c, 2, 2, 2 };
#define CLI_IP 0x0a000064
#define SRV_IP 0x0a00000a

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

static uint32_t seq[2];
static uint16_t cport = 50000;
static uint16_t sport = 4840;

static void tcp(struct otw_engine *e, bool req, const uint8_t *p, size_t n)
{
	struct pb b;
	uint32_t *s = &seq[req ? 0 : 1];
	if (req)
		pb_tcp_frame_seq(&b, CLI, SRV, CLI_IP, SRV_IP, cport, sport, *s,
				 0x18, p, n);
	else
		pb_tcp_frame_seq(&b, SRV, CLI, SRV_IP, CLI_IP, sport, cport, *s,
				 0x18, p, n);
	*s += (uint32_t)n;
	otw_engine_packet(e, b.b, (uint32_t)b.n, (uint32_t)b.n, 1000);
}

struct buf {
	uint8_t b[2048];
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
static void str(struct buf *b, const char *s)
{
	if (s == NULL) {
		u32(b, 0xFFFFFFFF);
		return;
	}
	u32(b, (uint32_t)strlen(s));
	bytes(b, s, strlen(s));
}

/* Message header + body. */
static void msg(struct buf *o, const char *type, const struct buf *body)
{
	o->n = 0;
	bytes(o, type, 4);
	u32(o, (uint32_t)(8 + body->n));
	bytes(o, body->b, body->n);
}

static void hello(struct buf *o, const char *url)
{
	struct buf b = { .n = 0 };
	u32(&b, 0);
	u32(&b, 65536);
	u32(&b, 65536);
	u32(&b, 0);
	u32(&b, 0);
	str(&b, url);
	msg(o, "HELF", &b);
}

static void opn(struct buf *o, const char *policy, uint32_t req, unsigned id)
{
	struct buf b = { .n = 0 };
	u32(&b, 0);
	str(&b, policy);
	str(&b, NULL);
	str(&b, NULL);
	u32(&b, 1);
	u32(&b, req);
	u8(&b, 1);
	u8(&b, 0);
	u16(&b, id);
	for (int i = 0; i < 20; i++)
		u8(&b, 0);
	msg(o, "OPNF", &b);
}

/* MSG with a four-byte TypeId; resp_result: add a ResponseHeader. */
static void svc(struct buf *o, uint32_t req, unsigned id, bool resp,
		uint32_t result, const struct buf *tail)
{
	struct buf b = { .n = 0 };
	u32(&b, 7);     /* secure channel */
	u32(&b, 1);     /* token */
	u32(&b, req + 100);
	u32(&b, req);
	u8(&b, 1);
	u8(&b, 0);
	u16(&b, id);
	if (resp) {
		for (int i = 0; i < 8; i++)
			u8(&b, 0);      /* timestamp */
		u32(&b, req);           /* request handle */
		u32(&b, result);
		u8(&b, 0);              /* diagnostics */
		u32(&b, 0);             /* string table */
		u8(&b, 0);              /* additional header: null NodeId */
		u8(&b, 0);
		u8(&b, 0);
	} else {
		for (int i = 0; i < 16; i++)
			u8(&b, 0);
	}
	if (tail)
		bytes(&b, tail->b, tail->n);
	msg(o, "MSGF", &b);
}

static const struct otw_ev_op *find_op(unsigned func)
{
	for (unsigned i = 0; i < cap.n; i++) {
		const struct otw_ev_op *o = &cap.ev[i].u.op;
		if (cap.ev[i].kind == OTW_EV_OP && o->app == OTW_APP_OPCUA &&
		    o->func == func)
			return o;
	}
	return NULL;
}

static unsigned n_ops(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < cap.n; i++)
		if (cap.ev[i].kind == OTW_EV_OP && cap.ev[i].u.op.app == OTW_APP_OPCUA)
			n++;
	return n;
}

static bool has_attr(unsigned key, const char *val, uint8_t ip_last)
{
	for (unsigned i = 0; i < cap.n; i++) {
		const struct otw_ev_attr *a = &cap.ev[i].u.attr;
		if (cap.ev[i].kind == OTW_EV_ATTR && a->key == key &&
		    a->len == strlen(val) && memcmp(a->val, val, a->len) == 0 &&
		    a->ip.b[15] == ip_last)
			return true;
	}
	return false;
}

static void names_and_categories(void **s)
{
	const char *cat = NULL;
	(void)s;
	assert_string_equal(otw_registry_op_name(OTW_APP_OPCUA, 631, &cat), "read");
	assert_string_equal(cat, OTW_CAT_READ);
	assert_string_equal(otw_registry_op_name(OTW_APP_OPCUA, 673, &cat), "write");
	assert_string_equal(cat, OTW_CAT_WRITE);
	assert_string_equal(otw_registry_op_name(OTW_APP_OPCUA, 712, &cat), "call");
	assert_string_equal(cat, OTW_CAT_CONTROL);
	assert_string_equal(otw_registry_op_name(OTW_APP_OPCUA, 826, &cat), "publish");
	assert_string_equal(cat, OTW_CAT_MONITOR);
	assert_string_equal(otw_registry_op_name(OTW_APP_OPCUA, 488, &cat), "add_nodes");
	assert_string_equal(cat, OTW_CAT_CONFIG);
	assert_string_equal(otw_registry_op_name(OTW_APP_OPCUA, 461, &cat), "create_session");
	assert_string_equal(cat, OTW_CAT_SESSION);
	assert_string_equal(otw_registry_op_name(OTW_APP_OPCUA, 0xFF01, &cat), "hello");
	assert_null(otw_registry_op_name(OTW_APP_OPCUA, 634, &cat));
	assert_null(otw_registry_op_name(OTW_APP_OPCUA, 9999, &cat));
}

static void session_in_clear(void **s)
{
	struct otw_engine *e = mk();
	struct buf m, tail = { .n = 0 };
	const struct otw_ev_op *op;
	(void)s;
	cport++;
	hello(&m, "opc.tcp://plc1:4840/UA");
	tcp(e, true, m.b, m.n);
	{
		struct buf b = { .n = 0 };
		for (int i = 0; i < 5; i++)
			u32(&b, 65536);
		msg(&m, "ACKF", &b);
	}
	tcp(e, false, m.b, m.n);
	opn(&m, "http://opcfoundation.org/UA/SecurityPolicy#None", 1, 446);
	tcp(e, true, m.b, m.n);
	opn(&m, "http://opcfoundation.org/UA/SecurityPolicy#None", 1, 449);
	tcp(e, false, m.b, m.n);
	svc(&m, 2, 428, false, 0, NULL);
	tcp(e, true, m.b, m.n);
	/* GetEndpointsResponse: one EndpointDescription */
	u32(&tail, 1);
	str(&tail, "opc.tcp://plc1:4840/UA");
	str(&tail, "urn:acme:plc1");
	str(&tail, "http://acme.example/ua-server");
	u8(&tail, 2);
	str(&tail, "ACME PLC UA Server");
	svc(&m, 2, 431, true, 0, &tail);
	tcp(e, false, m.b, m.n);
	svc(&m, 3, 631, false, 0, NULL);
	tcp(e, true, m.b, m.n);
	svc(&m, 3, 634, true, 0, NULL);
	tcp(e, false, m.b, m.n);
	svc(&m, 4, 673, false, 0, NULL);
	tcp(e, true, m.b, m.n);
	svc(&m, 4, 397, true, 0x801F0000u, NULL); /* ServiceFault */
	tcp(e, false, m.b, m.n);
	svc(&m, 5, 826, false, 0, NULL);
	tcp(e, true, m.b, m.n);
	svc(&m, 5, 829, true, 0x80790000u, NULL); /* BadNoSubscription */
	tcp(e, false, m.b, m.n);
	otw_engine_flush(e, true);

	op = find_op(0xFF01);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->responses, 1);
	op = find_op(446);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->responses, 1);
	op = find_op(428);
	assert_non_null(op);
	assert_int_equal(op->responses, 1);
	op = find_op(631);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->responses, 1);
	assert_int_equal(op->exceptions, 0);
	assert_int_equal(op->src_ip.b[15], CLI_IP & 0xff);
	op = find_op(673);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->exceptions, 1);
	assert_null(find_op(397));
	op = find_op(826);
	assert_non_null(op);
	assert_int_equal(op->exceptions, 1);
	assert_true(has_attr(OTW_ATTR_PROTO_ADDR, "opc.tcp://plc1:4840/UA", SRV_IP & 0xff));
	assert_true(has_attr(OTW_ATTR_DESCRIPTION, "urn:acme:plc1", SRV_IP & 0xff));
	assert_true(has_attr(OTW_ATTR_PRODUCT_CODE, "http://acme.example/ua-server",
			     SRV_IP & 0xff));
	assert_true(has_attr(OTW_ATTR_NAME, "ACME PLC UA Server", SRV_IP & 0xff));
	otw_engine_destroy(e);
}

/* A secured channel: OPN counted, MSG bodies counted as encrypted. */
static void encrypted_channel(void **s)
{
	struct otw_engine *e = mk();
	struct buf m, b = { .n = 0 };
	const struct otw_ev_op *op;
	(void)s;
	cport++;
	opn(&m, "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256", 1, 0x5a5a);
	tcp(e, true, m.b, m.n);
	u32(&b, 7);
	u32(&b, 1);
	for (int i = 0; i < 64; i++)
		u8(&b, (unsigned)(i * 91 + 7));
	msg(&m, "MSGF", &b);
	tcp(e, true, m.b, m.n);
	tcp(e, false, m.b, m.n);
	otw_engine_flush(e, true);
	op = find_op(446);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	op = find_op(0xFF02);
	assert_non_null(op);
	assert_int_equal(op->count, 1);
	assert_int_equal(op->responses, 1);
	otw_engine_destroy(e);
}

/* Off port 4840: only a strict HEL opens the flow. */
static void heuristic_port(void **s)
{
	struct otw_engine *e = mk();
	struct buf m, bad;
	uint8_t junk[40];
	(void)s;
	sport = 12001;
	cport++;
	hello(&m, "opc.tcp://srv:12001");
	tcp(e, true, m.b, m.n);
	svc(&bad, 9, 631, false, 0, NULL);
	tcp(e, true, bad.b, bad.n);
	/* a non-OPC-UA flow on another port: not classified */
	cport++;
	seq[0] = seq[1] = 1;
	hello(&m, "http://x/");
	tcp(e, true, m.b, m.n);
	cport++;
	memcpy(junk, "HELF", 4);
	for (size_t i = 4; i < sizeof(junk); i++)
		junk[i] = (uint8_t)i;
	tcp(e, true, junk, sizeof(junk));
	otw_engine_flush(e, true);
	sport = 4840;
	assert_non_null(find_op(0xFF01));
	assert_int_equal(find_op(0xFF01)->count, 1);
	assert_non_null(find_op(631));
	assert_int_equal(n_ops(), 2);
	otw_engine_destroy(e);
}

/* A message cut across segments, then a header cut in two. */
static void messages_across_segments(void **s)
{
	struct otw_engine *e = mk();
	struct buf a, b, two;
	struct otw_engine_stats st;
	(void)s;
	cport++;
	seq[0] = seq[1] = 1;
	svc(&a, 1, 631, false, 0, NULL);
	svc(&b, 2, 527, false, 0, NULL);
	tcp(e, true, a.b, 30); /* TypeId inside: counted */
	two.n = 0;
	bytes(&two, a.b + 30, a.n - 30);
	bytes(&two, b.b, b.n);
	bytes(&two, a.b, 5); /* cut header */
	tcp(e, true, two.b, two.n);
	two.n = 0;
	bytes(&two, a.b + 5, a.n - 5);
	bytes(&two, b.b, b.n);
	tcp(e, true, two.b, two.n);
	otw_engine_flush(e, true);
	/* both cut reads (in the body, in the header) reassembled */
	assert_non_null(find_op(631));
	assert_int_equal(find_op(631)->count, 2);
	assert_non_null(find_op(527));
	assert_int_equal(find_op(527)->count, 2);
	otw_engine_get_stats(e, &st);
	assert_int_equal(st.app_malformed[OTW_APP_OPCUA], 0);
	otw_engine_destroy(e);
}

static void every_prefix_is_safe(void **s)
{
	struct otw_engine *e = mk();
	struct buf m, tail = { .n = 0 }, h;
	(void)s;
	u32(&tail, 1);
	str(&tail, "opc.tcp://plc1:4840/UA");
	str(&tail, "urn:acme:plc1");
	str(&tail, "http://acme.example/ua-server");
	u8(&tail, 3);
	str(&tail, "en");
	str(&tail, "ACME");
	svc(&m, 2, 431, true, 0, &tail);
	hello(&h, "opc.tcp://plc1:4840/UA");
	for (size_t n = 0; n <= m.n; n++) {
		cport++;
		seq[0] = seq[1] = 1;
		tcp(e, true, h.b, n < h.n ? n : h.n);
		tcp(e, false, m.b, n);
	}
	otw_engine_flush(e, true);
	otw_engine_destroy(e);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(names_and_categories),
		cmocka_unit_test(session_in_clear),
		cmocka_unit_test(encrypted_channel),
		cmocka_unit_test(heuristic_port),
		cmocka_unit_test(messages_across_segments),
		cmocka_unit_test(every_prefix_is_safe),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
