/* SNMP plug-in (dissect/snmp.c): PDUs, pairing, agent identity, no secrets. */
#include "udp_harness.h"

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
