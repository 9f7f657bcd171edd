/* SNMP plug-in (dissect/snmp.c): PDUs, pairing, agent identity, no secrets. */
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

static const uint8_t MGR[6] = { 0x00, 0x1b, 0x1b, 0x11, 0x22, 0x33 };
static const uint8_t AGT[6] = { 0x00, 0x0e, 0x8c, 0xaa, 0xbb, 0xcc };
#define MGR_IP 0x0a000005
#define AGT_IP 0x0a000021

/* BER TLV with a short or 0x81/0x82 long length. */
static void tlv(struct pb *b, uint8_t tag, const void *v, size_t n)
{
	pb_u8(b, tag);
	if (n < 0x80) {
		pb_u8(b, (uint8_t)n);
	} else if (n < 0x100) {
		pb_u8(b, 0x81);
		pb_u8(b, (uint8_t)n);
	} else {
		pb_u8(b, 0x82);
		pb_u16(b, (uint16_t)n);
	}
	if (n > 0)
		pb_bytes(b, v, n);
}

static void integer(struct pb *b, uint8_t v)
{
	tlv(b, 0x02, &v, 1);
}

static const uint8_t OID_DESCR[] = { 0x2b, 6, 1, 2, 1, 1, 1, 0 };
static const uint8_t OID_OBJID[] = { 0x2b, 6, 1, 2, 1, 1, 2, 0 };
static const uint8_t OID_NAME[] = { 0x2b, 6, 1, 2, 1, 1, 5, 0 };
/* 1.3.6.1.4.1.4329.6.1.2 (4329 = 0xa1 0x69 in base 128) */
static const uint8_t OID_SIEMENS[] = { 0x2b, 6, 1, 4, 1, 0xa1, 0x69, 6, 1, 2 };

static void varbind(struct pb *vbl, const uint8_t *oid, size_t on, uint8_t vt,
		    const void *v, size_t vn)
{
	struct pb vb;
	vb.n = 0;
	tlv(&vb, 0x06, oid, on);
	tlv(&vb, vt, v, vn);
	tlv(vbl, 0x30, vb.b, vb.n);
}

/* A v1/v2c message: version, community "public", PDU(tag, reqid, err). */
static void msg(struct pb *out, uint8_t ver, uint8_t tag, uint8_t reqid,
		uint8_t err, const struct pb *vbl)
{
	struct pb pdu, m;
	pdu.n = 0;
	integer(&pdu, reqid);
	integer(&pdu, err);
	integer(&pdu, 0);
	tlv(&pdu, 0x30, vbl->b, vbl->n);
	m.n = 0;
	integer(&m, ver);
	tlv(&m, 0x04, "public", 6);
	tlv(&m, tag, pdu.b, pdu.n);
	out->n = 0;
	tlv(out, 0x30, m.b, m.n);
}

static void snmp_get_response_identity(void **s)
{
	struct pb vbl, m;
	struct otw_engine *e = mk();
	(void)s;
	vbl.n = 0;
	varbind(&vbl, OID_DESCR, sizeof(OID_DESCR), 0x05, NULL, 0);
	varbind(&vbl, OID_OBJID, sizeof(OID_OBJID), 0x05, NULL, 0);
	varbind(&vbl, OID_NAME, sizeof(OID_NAME), 0x05, NULL, 0);
	msg(&m, 1, 0xa0, 7, 0, &vbl);
	udp4(e, MGR, AGT, MGR_IP, AGT_IP, 40000, 161, m.b, m.n);
	vbl.n = 0;
	varbind(&vbl, OID_DESCR, sizeof(OID_DESCR), 0x04, "Linux rtu 4.19.0", 16);
	varbind(&vbl, OID_OBJID, sizeof(OID_OBJID), 0x06, OID_SIEMENS,
		sizeof(OID_SIEMENS));
	varbind(&vbl, OID_NAME, sizeof(OID_NAME), 0x04, "sw-cell-3", 9);
	msg(&m, 1, 0xa2, 7, 0, &vbl);
	udp4(e, AGT, MGR, AGT_IP, MGR_IP, 161, 40000, m.b, m.n);
	/* set, answered with noSuchName */
	vbl.n = 0;
	varbind(&vbl, OID_NAME, sizeof(OID_NAME), 0x04, "x", 1);
	msg(&m, 1, 0xa3, 8, 0, &vbl);
	udp4(e, MGR, AGT, MGR_IP, AGT_IP, 40000, 161, m.b, m.n);
	msg(&m, 1, 0xa2, 8, 2, &vbl);
	udp4(e, AGT, MGR, AGT_IP, MGR_IP, 161, 40000, m.b, m.n);
	done(e);

	struct otw_ev_op o = op_sum(OTW_APP_SNMP, 1, 0);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.responses, 1);
	o = op_sum(OTW_APP_SNMP, 1, 3);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.exceptions, 1);
	assert_int_equal(op_sum(OTW_APP_SNMP, -1, 2).responses, 0); /* paired */
	const struct otw_ev_attr *a = attr(OTW_ATTR_NAME, "sw-cell-3");
	assert_non_null(a);
	assert_memory_equal(a->mac, AGT, 6);
	assert_non_null(attr(OTW_ATTR_DESCRIPTION, "Linux rtu 4.19.0"));
	assert_non_null(attr(OTW_ATTR_OS, "Linux"));
	assert_non_null(attr(OTW_ATTR_PRODUCT_CODE, "1.3.6.1.4.1.4329.6.1.2"));
	assert_non_null(attr(OTW_ATTR_VENDOR_ID, "4329"));
	assert_non_null(attr(OTW_ATTR_VENDOR, "Siemens"));
	a = attr(OTW_ATTR_CAPABILITIES, "snmp-cleartext-community");
	assert_non_null(a);
	assert_memory_equal(a->mac, AGT, 6);
	/* the community itself is never emitted */
	for (unsigned i = 0; i < cap.n; i++)
		if (cap.ev[i].kind == OTW_EV_ATTR)
			assert_null(memmem(cap.ev[i].u.attr.val, cap.ev[i].u.attr.len,
					   "public", 6));
	const char *cat;
	assert_string_equal(otw_registry_op_name(OTW_APP_SNMP, 3, &cat), "set");
	assert_string_equal(cat, OTW_CAT_WRITE);
	assert_int_equal(malformed(e, OTW_APP_SNMP), 0);
	otw_engine_destroy(e);
}

static void snmp_trap_and_v3(void **s)
{
	struct pb m, t, pdu;
	struct otw_engine *e = mk();
	(void)s;
	/* v1 Trap-PDU: enterprise, agent-addr, generic, specific, time, vbl */
	static const uint8_t ip[4] = { 10, 0, 0, 33 };
	pdu.n = 0;
	tlv(&pdu, 0x06, OID_SIEMENS, sizeof(OID_SIEMENS));
	tlv(&pdu, 0x40, ip, 4);
	integer(&pdu, 0);
	integer(&pdu, 0);
	integer(&pdu, 0);
	tlv(&pdu, 0x30, NULL, 0);
	t.n = 0;
	integer(&t, 0);
	tlv(&t, 0x04, "public", 6);
	tlv(&t, 0xa4, pdu.b, pdu.n);
	m.n = 0;
	tlv(&m, 0x30, t.b, t.n);
	udp4(e, AGT, MGR, AGT_IP, MGR_IP, 40001, 162, m.b, m.n);
	/* v3 with privacy: msgFlags 0x07, encryptedPDU */
	struct pb g, sec;
	g.n = 0;
	integer(&g, 1);
	pdu.n = 0;
	pb_u8(&pdu, 0x02);
	pb_u8(&pdu, 2);
	pb_u16(&pdu, 1472);
	pb_bytes(&g, pdu.b, pdu.n);
	tlv(&g, 0x04, "\x07", 1);
	integer(&g, 3);
	sec.n = 0;
	tlv(&sec, 0x30, NULL, 0);
	t.n = 0;
	integer(&t, 3);
	tlv(&t, 0x30, g.b, g.n);
	tlv(&t, 0x04, sec.b, sec.n);
	tlv(&t, 0x04, "\x11\x22\x33\x44", 4);
	m.n = 0;
	tlv(&m, 0x30, t.b, t.n);
	udp4(e, MGR, AGT, MGR_IP, AGT_IP, 40002, 161, m.b, m.n);
	done(e);
	assert_int_equal(op_sum(OTW_APP_SNMP, 0, 4).count, 1);
	assert_int_equal(op_sum(OTW_APP_SNMP, 3, 15).count, 1);
	const struct otw_ev_attr *a = attr(OTW_ATTR_CAPABILITIES, "snmp-cleartext-community");
	assert_non_null(a);
	assert_memory_equal(a->mac, AGT, 6);
	assert_int_equal(malformed(e, OTW_APP_SNMP), 0);
	otw_engine_destroy(e);
}

static void snmp_malformed(void **s)
{
	struct pb vbl, m;
	struct otw_engine *e = mk();
	(void)s;
	vbl.n = 0;
	varbind(&vbl, OID_NAME, sizeof(OID_NAME), 0x05, NULL, 0);
	msg(&m, 1, 0xa0, 1, 0, &vbl);
	udp4(e, MGR, AGT, MGR_IP, AGT_IP, 40000, 161, m.b, m.n);
	m.b[m.n - 10] = 0xb5; /* PDU tag out of range? no: corrupt a length */
	m.b[1] = 0x7f;        /* outer length past the end */
	udp4(e, MGR, AGT, MGR_IP, AGT_IP, 40000, 161, m.b, m.n);
	static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x09 };
	udp4(e, MGR, AGT, MGR_IP, AGT_IP, 40000, 161, junk, sizeof(junk));
	static const uint8_t indef[] = { 0x30, 0x80, 0x02, 0x01, 0x01, 0, 0 };
	udp4(e, MGR, AGT, MGR_IP, AGT_IP, 40000, 161, indef, sizeof(indef));
	done(e);
	assert_int_equal(malformed(e, OTW_APP_SNMP), 3);
	assert_int_equal(op_sum(OTW_APP_SNMP, 1, 0).count, 1);
	otw_engine_destroy(e);
}

static void snmp_every_truncation_is_safe(void **s)
{
	struct pb vbl, m, f;
	(void)s;
	vbl.n = 0;
	varbind(&vbl, OID_DESCR, sizeof(OID_DESCR), 0x04, "Linux rtu 4.19.0", 16);
	varbind(&vbl, OID_OBJID, sizeof(OID_OBJID), 0x06, OID_SIEMENS,
		sizeof(OID_SIEMENS));
	msg(&m, 1, 0xa2, 7, 0, &vbl);
	udp4_frame(&f, AGT, MGR, AGT_IP, MGR_IP, 161, 40000, m.b, m.n);
	every_prefix(OTW_APP_SNMP, &f);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(snmp_get_response_identity),
		cmocka_unit_test(snmp_trap_and_v3),
		cmocka_unit_test(snmp_malformed),
		cmocka_unit_test(snmp_every_truncation_is_safe),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
